/* validate.c: being written */
#include "scimd.h"
typedef int validate_placeholder;
