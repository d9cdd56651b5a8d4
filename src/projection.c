/* projection.c: being written */
#include "scimd.h"
typedef int projection_placeholder;
