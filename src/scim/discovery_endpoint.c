/* The discovery endpoints (contract in discovery_endpoint.h). */
#include "scimd.h"

#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "discovery.h"
#include "discovery_endpoint.h"
#include "error.h"
#include "request.h"

static void
reply_document(struct request *rq, struct json_object *o)
{
	if (o == NULL) {
		request_reply_error(rq, SCIM_ENOTFOUND, NULL);
		return;
	}
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

void
discovery_serve_spc(struct request *rq)
{
	const struct scimd_config	*cf = rq->rq_sd->sd_conf;
	struct discovery_caps		 dc;

	if (rq->rq_id != NULL) {
		reply_document(rq, NULL);
		return;
	}
	memset(&dc, 0, sizeof(dc));
	dc.dc_patch = 1;
	dc.dc_bulk = 1;
	dc.dc_bulk_max_ops = cf->cf_bulk_max_ops;
	dc.dc_bulk_max_payload = cf->cf_bulk_max_payload;
	dc.dc_filter = 1;
	dc.dc_filter_max_results = (size_t)cf->cf_max_page_size;
	dc.dc_sort = 1;
	dc.dc_etag = 1;
	dc.dc_cursor = 1;
	dc.dc_cursor_timeout = 3600;
	dc.dc_page_default = (size_t)cf->cf_page_size;
	dc.dc_page_max = (size_t)cf->cf_max_page_size;
	reply_document(rq, discovery_spc(&dc, rq->rq_base));
}

void
discovery_serve_types(struct request *rq)
{
	reply_document(rq, rq->rq_id == NULL ?
	    discovery_resource_types(rq->rq_base) :
	    discovery_resource_type(rq->rq_id, rq->rq_base));
}

void
discovery_serve_schemas(struct request *rq)
{
	reply_document(rq, rq->rq_id == NULL ? discovery_schemas(rq->rq_base) :
	    discovery_schema(rq->rq_id, rq->rq_base));
}
