/* ratelimit.c: token-bucket arithmetic, Retry-After rounding, eviction. */
#include "scimd.h"

#include <stdint.h>
#include <string.h>

#include "ratelimit.h"
#include "tap.h"

static void
key(uint8_t k[32], unsigned n)
{
	memset(k, 0, 32);
	memcpy(k, &n, sizeof(n));
	k[31] = (uint8_t)n;
}

static void
test_bucket(void)
{
	struct ratelimit	*rl = ratelimit_new(16);
	uint8_t			 k[32];
	int			 i, allowed = 0;

	key(k, 1);
	is_int(0, ratelimit_take(rl, k, 0, 1, 0), "rate 0 always allows");
	is_int(0, (long long)ratelimit_size(rl), "rate 0 stores nothing");

	/* rate 2/s, burst 2: two at once, the third waits 1 s */
	is_int(0, ratelimit_take(rl, k, 2, 2, 1000), "burst 1/2");
	is_int(0, ratelimit_take(rl, k, 2, 2, 1000), "burst 2/2");
	is_int(1, ratelimit_take(rl, k, 2, 2, 1000), "third: Retry-After 1");
	is_int(1, ratelimit_take(rl, k, 2, 2, 1100),
	    "0.2 tokens after 100 ms: still 1 s (rounded up)");
	is_int(0, ratelimit_take(rl, k, 2, 2, 1500),
	    "500 ms at 2/s refills one");
	is_int(1, ratelimit_take(rl, k, 2, 2, 1500), "and only one");
	/* long idle: refill stops at burst */
	for (i = 0; i < 5; i++)
		allowed += ratelimit_take(rl, k, 2, 2, 100000) == 0;
	is_int(2, allowed, "refill is capped at burst");

	/* slow rates round Retry-After up to whole seconds */
	key(k, 2);
	is_int(0, ratelimit_take(rl, k, 0.25, 1, 0), "0.25/s: first");
	is_int(4, ratelimit_take(rl, k, 0.25, 1, 0), "0.25/s: wait 4 s");
	is_int(4, ratelimit_take(rl, k, 0.25, 1, 500),
	    "0.25/s after 0.5 s: 3.5 s rounds up to 4");
	is_int(1, ratelimit_take(rl, k, 0.25, 1, 3500),
	    "0.25/s after 3.5 s: 0.5 s rounds up to 1");
	ratelimit_free(rl);
}

static void
test_sustained(void)
{
	struct ratelimit	*rl = ratelimit_new(4);
	uint8_t			 k[32];
	int64_t			 t;
	int			 ok_n = 0;

	/* Entra's 25 req/s through rate 25, burst 25 for 10 s: none refused */
	key(k, 7);
	for (t = 0; t < 10000; t += 40)
		ok_n += ratelimit_take(rl, k, 25, 25, t) == 0;
	is_int(250, ok_n, "25 req/s sustained at rate_limit 25: all pass");
	ratelimit_free(rl);
}

static void
test_evict(void)
{
	struct ratelimit	*rl = ratelimit_new(3);
	uint8_t			 k[32];
	unsigned		 i;

	for (i = 1; i <= 3; i++) {
		key(k, i);
		ratelimit_take(rl, k, 1, 1, 0);	/* each bucket now empty */
	}
	is_int(3, (long long)ratelimit_size(rl), "three buckets");
	key(k, 1);
	is_int(1, ratelimit_take(rl, k, 1, 1, 0),
	    "key 1 empty (and now most recently used)");
	key(k, 4);
	is_int(0, ratelimit_take(rl, k, 1, 1, 0), "key 4 new: full burst");
	is_int(3, (long long)ratelimit_size(rl), "cap holds at 3");
	key(k, 2);
	is_int(0, ratelimit_take(rl, k, 1, 1, 0),
	    "key 2 (least recently used) was evicted: fresh bucket");
	key(k, 1);
	is_int(1, ratelimit_take(rl, k, 1, 1, 0),
	    "key 1 (recently used) kept its state");
	is_int(3, (long long)ratelimit_size(rl), "still 3");
	ratelimit_free(rl);
	ratelimit_free(NULL);
	ok(1, "ratelimit_free(NULL) is a no-op");
}

static void
test_many(void)
{
	struct ratelimit	*rl = ratelimit_new(1000);
	uint8_t			 k[32];
	unsigned		 i;

	for (i = 0; i < 5000; i++) {
		key(k, i);
		ratelimit_take(rl, k, 10, 10, i);
	}
	is_int(1000, (long long)ratelimit_size(rl),
	    "5000 tokens through a 1000-bucket table: bounded at 1000");
	key(k, 4999);
	is_int(0, ratelimit_take(rl, k, 10, 10, 5000),
	    "a recent key still has its bucket (9 left)");
	ratelimit_free(rl);
}

int
main(void)
{
	plan_lazy();
	test_bucket();
	test_sustained();
	test_evict();
	test_many();
	return (done_testing());
}
