/* query.c: being written */
#include "scimd.h"
typedef int query_placeholder;
