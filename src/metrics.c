/* Request counters and the /metrics exposition. */
#include "scimd.h"

#include "error.h"
#include "metrics.h"
#include "server.h"

void
metrics_observe(const struct request *rq)
{
}

void
metrics_serve(struct request *rq)
{
	server_reply_error(rq, SCIM_ENOTFOUND, "metrics are not enabled");
}
