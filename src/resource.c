/* resource.c: being written */
#include "scimd.h"
typedef int resource_placeholder;
