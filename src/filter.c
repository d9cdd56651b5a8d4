/* filter.c: being written */
#include "scimd.h"
typedef int filter_placeholder;
