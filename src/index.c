/* index.c: being written */
#include "scimd.h"
typedef int index_placeholder;
