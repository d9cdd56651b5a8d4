/*
 * GET /metrics: the Prometheus text exposition (format 0.0.4) of the
 * request counters (reqstats.h), the group commit and the store.  Store
 * figures are read at scrape time and are O(1) (LMDB keeps entry counts
 * per database).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

struct request;

/*
 * Serve the exposition to rq, or 404 when metrics_allow is off, or is
 * loopback and the peer is not on 127.0.0.0/8 or ::1.
 */
void	metrics_serve(struct request *rq);

#endif /* METRICS_H */
