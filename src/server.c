/* server.c: being written */
#include "scimd.h"
typedef int server_placeholder;
