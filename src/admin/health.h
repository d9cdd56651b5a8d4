/* GET /healthz: 200 when the store answers a read, else 503. */
#ifndef HEALTH_H
#define HEALTH_H

struct request;

void	health_serve(struct request *rq);

#endif /* HEALTH_H */
