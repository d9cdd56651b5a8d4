/* discovery.c: being written */
#include "scimd.h"
typedef int discovery_placeholder;
