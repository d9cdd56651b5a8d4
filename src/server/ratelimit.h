/*
 * Per-token rate limit: one token bucket per bearer token, keyed by the
 * token's SHA-256 (struct token_info ti_hash), refilled at rate_limit
 * requests per second up to rate_burst.  rate_limit = 0 (the default)
 * turns it off, so the default never slows an Entra job (which needs at
 * least 25 requests per second, entra.md section 2.2).
 *
 * Memory is bounded: at most a fixed number of buckets (RATELIMIT_CAP);
 * when full, the least recently used bucket is dropped.  A dropped bucket
 * had refilled (or will be treated as full again), which only ever errs
 * towards letting a request through.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_CAP	100000

struct ratelimit;
struct request;

/* A table of at most cap buckets; rate in requests/s, burst >= 1. */
struct ratelimit *ratelimit_new(size_t cap);
void	ratelimit_free(struct ratelimit *);

/*
 * Take one request for key at now_ms (monotonic) with rate and burst.
 * Returns 0 when allowed, else the whole seconds (>= 1) until a request
 * would be allowed.  rate <= 0 always allows and stores nothing.
 */
int	ratelimit_take(struct ratelimit *, const uint8_t key[32],
	    double rate, int burst, int64_t now_ms);
/* Buckets currently held. */
size_t	ratelimit_size(const struct ratelimit *);

/*
 * The server hook, after authentication: applies server_conf's rate_limit
 * and rate_burst to rq's token.  Returns 0, or -1 after replying 429 with
 * Retry-After and a SCIM error body (rq is then gone).
 */
int	ratelimit_request(struct request *rq);
/* Free the server's table (shutdown). */
void	ratelimit_shutdown(void);

#endif /* RATELIMIT_H */
