#include "tap.h"
int
main(void)
{
	skip("not written yet");
	plan_lazy();
	return (done_testing());
}
