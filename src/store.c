/* store.c: being written */
#include "scimd.h"
typedef int store_placeholder;
