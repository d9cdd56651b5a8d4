/* patch.c: being written */
#include "scimd.h"
typedef int patch_placeholder;
