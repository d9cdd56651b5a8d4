/* The health check a load balancer polls (contract in health.h). */
#include "scimd.h"

#include <stddef.h>

#include "error.h"
#include "health.h"
#include "request.h"
#include "store.h"

void
health_serve(struct request *rq)
{
	struct store_txn	*t = NULL;
	struct store_val	 k = { "format", 6 }, v;
	int			 rc;

	/* a real read: a database server out of reach fails the check */
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) == SCIM_OK)
		rc = store_get(t, STORE_META, &k, &v);
	store_abort(t);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND) {
		request_reply_error(rq, SCIM_EUNAVAIL, "store not readable");
		return;
	}
	request_reply_raw(rq, 200, "{\"status\":\"ok\"}", 15, NULL, NULL);
}
