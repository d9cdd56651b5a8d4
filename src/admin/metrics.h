/*
 * Prometheus metrics: counters updated as requests complete, and the
 * text exposition (format 0.0.4) served at GET /metrics.  Counters live in
 * fixed static arrays, so observing a request costs a few additions and
 * never allocates.  Store figures are read at scrape time and are O(1)
 * (LMDB keeps entry counts per database).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

struct request;

/* Note the start time (scimd_start_time_seconds). */
void	metrics_init(void);
/* Monotonic microseconds; server.c stamps each request with it. */
int64_t	metrics_now_us(void);
/* Count rq (after its reply was sent): endpoint, method, status, latency. */
void	metrics_observe(const struct request *rq);
/*
 * Serve the exposition to rq, or 404 when metrics_allow is off, or is
 * loopback and the peer is not on 127.0.0.0/8 or ::1.
 */
void	metrics_serve(struct request *rq);

#endif /* METRICS_H */
