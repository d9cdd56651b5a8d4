/*
 * Request counters for the /metrics exposition (Prometheus text format
 * 0.0.4): scimd_requests_total{endpoint,method,status},
 * scimd_request_duration_seconds{endpoint} and scimd_rejected_total{reason}.
 * The endpoint label comes from a fixed set, never from client text.
 */
#ifndef REQSTATS_H
#define REQSTATS_H

#include <stdint.h>
#include <time.h>

struct evbuffer;

/* Note the start time (scimd_start_time_seconds). */
void	reqstats_init(void);
time_t	reqstats_started(void);
/* Monotonic microseconds; each request is stamped with it. */
int64_t	reqstats_now_us(void);
/* Count one reply: decoded path, enum request_method, status, latency. */
void	reqstats_observe(const char *path, int method, int status,
	    int64_t us);
/* Append the request series to b. */
void	reqstats_print(struct evbuffer *b);

#endif /* REQSTATS_H */
