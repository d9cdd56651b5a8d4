/*
 * Webhook delivery (issue 16): every endpoint (webhook.h) receives its
 * tenant's events (event.h) over libcurl on the daemon's loop (curlev.h),
 * one signed POST per event (whpost.h).
 *
 * Per endpoint: a queue of the events from its cursor on, read from the
 * store in read transactions; up to webhook_concurrency of them in flight,
 * never two of the same resource, so each resource's events arrive in seq
 * order.  A 2xx acknowledges; anything else (a status, a timeout, a
 * refused connection) is retried with exponential backoff and jitter (1 s
 * doubling to 5 min) until webhook_retry_for has passed since the first
 * failure: then the endpoint is marked failing (log, list, metrics) and
 * nothing more is sent to it until a replay.  The cursor (lowest seq not
 * acknowledged) advances over the acknowledged prefix and is written
 * through the group commit at most every DELIVERY_SAVE_MS, with the seqs
 * above it acknowledged out of order, so a restart or kill -9 resumes
 * there: what was delivered after the last save is sent again, with the
 * same webhook-id.  A graceful stop (delivery_drain, then delivery_stop)
 * starts nothing new, lets what is in flight finish and saves the state
 * last, so nothing acknowledged is sent again.
 *
 * On PostgreSQL several instances share the endpoints with leases: the
 * state record names its owner and a lease expiry, taken and renewed in
 * the write transaction that saves the state; only the owner sends, and
 * only during the first DELIVERY_WINDOW_MS of its lease, which lasts
 * webhook_timeout longer, so no event is in flight from two instances at
 * once.  Another instance takes an endpoint over
 * once the lease of one that died has expired.
 *
 * Woken after each commit (commit_watch), when another instance committed
 * (delivery_kick from the store's change hook), and by a timer, which also
 * prunes events older than event_retention, EVENT_PRUNE_BATCH a tick.
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include <stdint.h>

struct json_object;
struct scimd;

#define DELIVERY_SAVE_MS	100	/* state writes per endpoint, at most */
#define DELIVERY_TICK_MS	1000	/* endpoint list and lease check */
#define DELIVERY_WINDOW_MS	8000	/* a lease's owner starts requests */
#define DELIVERY_ATTEMPTS	32	/* attempts kept per endpoint */

/* Start delivering on sd's loop (after commit_init). */
void	delivery_start(struct scimd *sd);
/* Stopping: start no more deliveries; those in flight go on. */
void	delivery_drain(void);
/* Deliveries in flight. */
int	delivery_inflight(void);
/*
 * Stop: the state of every endpoint is saved (and, with several
 * instances, its lease let go); deliveries still in flight are abandoned
 * (sent again after a restart).  Before commit_free.
 */
void	delivery_stop(void);
/* Something was committed (here or by another instance): look for work. */
void	delivery_kick(void *arg);

/*
 * The endpoint's recent attempts (the last DELIVERY_ATTEMPTS), newest
 * first, as a new array of {"seq","eventId","time","status","latencyMs",
 * "error"?}, or NULL when there are none.  They are saved with the
 * endpoint's state, so an instance that does not deliver to it (or a
 * restarted one) shows those of the last save.
 */
struct json_object *delivery_attempts(uint32_t tenant, const char *name);
/* Retry now: waiting retries go at once; a failing endpoint resumes. */
int	delivery_retry_now(uint32_t tenant, const char *name);

/*
 * /metrics lines: scimd_webhook_deliveries_total, _attempts_failed_total,
 * _inflight, _endpoints_failing.
 */
struct evbuffer;
void	delivery_metrics(struct evbuffer *);

/* Statistics for /metrics. */
struct delivery_stats {
	unsigned long long	ds_delivered;
	unsigned long long	ds_failed;	/* attempts that failed */
	unsigned long long	ds_inflight;
	unsigned long long	ds_failing;	/* endpoints marked failing */
};
void	delivery_stats(struct delivery_stats *);

#endif /* DELIVERY_H */
