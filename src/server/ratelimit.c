/*
 * Token buckets in a chained hash table with an LRU list.  Keys are
 * SHA-256 values of valid tokens (the check runs after authentication),
 * so their first bytes are already a uniform hash and nobody can aim at
 * one chain.
 */
#include "scimd.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "util.h"

struct bucket {
	uint8_t			 b_key[32];
	double			 b_tokens;	/* requests available now */
	int64_t			 b_last;	/* ms of the last refill */
	struct bucket		*b_next;	/* hash chain */
	TAILQ_ENTRY(bucket)	 b_lru;		/* most recent first */
};

TAILQ_HEAD(bucket_lru, bucket);

struct ratelimit {
	struct bucket		**rl_tab;
	size_t			  rl_mask;
	size_t			  rl_cap;
	size_t			  rl_n;
	struct bucket_lru	  rl_lru;
};

static struct ratelimit	*server_rl;

struct ratelimit *
ratelimit_new(size_t cap)
{
	struct ratelimit	*rl = xcalloc(1, sizeof(*rl));
	size_t			 n = 16;

	if (cap == 0)
		cap = 1;
	while (n < cap)
		n <<= 1;
	rl->rl_tab = xcalloc(n, sizeof(*rl->rl_tab));
	rl->rl_mask = n - 1;
	rl->rl_cap = cap;
	TAILQ_INIT(&rl->rl_lru);
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct bucket	*b;

	if (rl == NULL)
		return;
	while ((b = TAILQ_FIRST(&rl->rl_lru)) != NULL) {
		TAILQ_REMOVE(&rl->rl_lru, b, b_lru);
		free(b);
	}
	free(rl->rl_tab);
	free(rl);
}

size_t
ratelimit_size(const struct ratelimit *rl)
{
	return (rl != NULL ? rl->rl_n : 0);
}

static size_t
slot(const struct ratelimit *rl, const uint8_t key[32])
{
	uint64_t	h;

	memcpy(&h, key, sizeof(h));
	return ((size_t)h & rl->rl_mask);
}

static void
evict(struct ratelimit *rl, struct bucket *b)
{
	struct bucket	**pp;

	for (pp = &rl->rl_tab[slot(rl, b->b_key)]; *pp != b;
	    pp = &(*pp)->b_next)
		;
	*pp = b->b_next;
	TAILQ_REMOVE(&rl->rl_lru, b, b_lru);
	rl->rl_n--;
	free(b);
}

int
ratelimit_take(struct ratelimit *rl, const uint8_t key[32], double rate,
    int burst, int64_t now)
{
	struct bucket	*b;
	size_t		 s;
	double		 need;
	int		 wait;

	if (rate <= 0)
		return (0);
	if (burst < 1)
		burst = 1;
	s = slot(rl, key);
	for (b = rl->rl_tab[s]; b != NULL; b = b->b_next)
		if (memcmp(b->b_key, key, 32) == 0)
			break;
	if (b == NULL) {
		if (rl->rl_n >= rl->rl_cap)
			evict(rl, TAILQ_LAST(&rl->rl_lru, bucket_lru));
		b = xcalloc(1, sizeof(*b));
		memcpy(b->b_key, key, 32);
		b->b_tokens = burst;
		b->b_last = now;
		b->b_next = rl->rl_tab[s];
		rl->rl_tab[s] = b;
		TAILQ_INSERT_HEAD(&rl->rl_lru, b, b_lru);
		rl->rl_n++;
	} else {
		TAILQ_REMOVE(&rl->rl_lru, b, b_lru);
		TAILQ_INSERT_HEAD(&rl->rl_lru, b, b_lru);
		if (now > b->b_last) {
			b->b_tokens += (double)(now - b->b_last) * rate /
			    1000.0;
			b->b_last = now;
		}
		/* a lowered rate_burst (SIGHUP) applies at once */
		if (b->b_tokens > burst)
			b->b_tokens = burst;
	}
	if (b->b_tokens >= 1.0) {
		b->b_tokens -= 1.0;
		return (0);
	}
	/* Retry-After is whole seconds: round up, never 0. */
	need = (1.0 - b->b_tokens) / rate;
	if (need > 86400)
		return (86400);
	wait = (int)need;
	if ((double)wait < need || wait < 1)
		wait++;
	return (wait);
}

int
ratelimit_request(struct request *rq)
{
	char	secs[16];
	int	wait;

	if (rq->rq_sd->sd_conf->cf_rate <= 0)
		return (0);
	if (server_rl == NULL)
		server_rl = ratelimit_new(RATELIMIT_CAP);
	wait = ratelimit_take(server_rl, rq->rq_token.ti_hash,
	    rq->rq_sd->sd_conf->cf_rate, rq->rq_sd->sd_conf->cf_rate_burst,
	    util_mono_ms());
	if (wait == 0)
		return (0);
	/* request_reply_error keeps a Retry-After that is already set */
	snprintf(secs, sizeof(secs), "%d", wait);
	evhttp_add_header(evhttp_request_get_output_headers(rq->rq_req),
	    "Retry-After", secs);
	request_reply_error(rq, SCIM_ERATE, "rate limit exceeded for this "
	    "token; retry after the Retry-After delay");
	return (-1);
}

void
ratelimit_shutdown(void)
{
	ratelimit_free(server_rl);
	server_rl = NULL;
}
