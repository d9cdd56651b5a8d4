/*
 * Prometheus metrics: counters updated as requests complete, and the
 * text exposition served at GET /metrics.
 */
#ifndef METRICS_H
#define METRICS_H

struct request;

/* Count rq (after its reply was sent): endpoint, method, status, latency. */
void	metrics_observe(const struct request *rq);
/* Serve the exposition format. */
void	metrics_serve(struct request *rq);

#endif /* METRICS_H */
