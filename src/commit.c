/* commit.c: being written */
#include "scimd.h"
typedef int commit_placeholder;
