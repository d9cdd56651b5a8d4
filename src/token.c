/* token.c: being written */
#include "scimd.h"
typedef int token_placeholder;
