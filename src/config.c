/* config.c: being written */
#include "scimd.h"
typedef int config_placeholder;
