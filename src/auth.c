/* auth.c: being written */
#include "scimd.h"
typedef int auth_placeholder;
