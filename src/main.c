#include "scimd.h"
int main(void) { return 0; }
