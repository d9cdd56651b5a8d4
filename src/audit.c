/* audit.c: being written */
#include "scimd.h"
typedef int audit_placeholder;
