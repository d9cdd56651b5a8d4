/*
 * fiber.c: fibers started, suspended and resumed in any order keep their
 * own stacks and locals; a finished fiber's stack serves the next one.
 */
#include "scimd.h"

#include <string.h>

#include "error.h"
#include "fiber.h"
#include "tap.h"

static char		 trace[64];
static struct fiber	*waiting[2];

static void
mark(char c)
{
	size_t	n = strlen(trace);

	if (n + 1 < sizeof(trace))
		trace[n] = c;
}

/* Yield twice, keeping locals on its own stack across the switches. */
static void
worker(void *arg)
{
	int	 id = *(int *)arg, i, sum = 0;
	char	 big[64 * 1024];	/* deeper than a small stack */

	memset(big, id, sizeof(big));
	for (i = 0; i < 3; i++) {
		mark((char)('a' + id * 3 + i));
		sum += big[i * 1000] + i;
		if (i < 2) {
			waiting[id] = fiber_self();
			fiber_yield();
		}
	}
	ok(sum == 3 * id + 3 && big[sizeof(big) - 1] == id,
	    "fiber %d: its locals survived two switches", id);
	waiting[id] = NULL;
}

static void
test_interleave(void)
{
	int	ids[2] = { 0, 1 };

	memset(trace, 0, sizeof(trace));
	ok(fiber_self() == NULL, "the main stack is no fiber");
	ok(fiber_spawn(worker, &ids[0]) == SCIM_OK, "spawn 0: runs to its "
	    "first yield");
	ok(fiber_spawn(worker, &ids[1]) == SCIM_OK, "spawn 1");
	fiber_resume(waiting[1]);
	fiber_resume(waiting[0]);
	fiber_resume(waiting[0]);
	fiber_resume(waiting[1]);
	is_str("adebcf", trace, "each resumed where it yielded, in the "
	    "order resumed");
	ok(waiting[0] == NULL && waiting[1] == NULL, "both finished");
	ok(fiber_self() == NULL, "back on the main stack");
}

static int	runs;

static void
once(void *arg)
{
	(void)arg;
	runs++;
}

static void
test_reuse(void)
{
	int	i, rc = SCIM_OK;

	for (i = 0; i < 1000 && rc == SCIM_OK; i++)
		rc = fiber_spawn(once, NULL);
	ok(rc == SCIM_OK && runs == 1000, "1000 fibers in turn, on reused "
	    "stacks");
}

int
main(void)
{
	plan_lazy();
	test_interleave();
	test_reuse();
	fiber_shutdown();
	return (done_testing());
}
