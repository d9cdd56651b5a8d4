/* POST: a new resource with a new id (see write_op.h). */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsontext.h"
#include "record.h"
#include "util.h"
#include "write_op.h"

int
write_create_prepare(struct write_op *wo)
{
	struct json_object	*doc;
	char			 id[SCIM_ID_MAX];
	int			 rc;

	if ((rc = write_op_validate(wo)) != SCIM_OK)
		return (rc);
	/* a client's "id" is ignored: ours is a new, time-ordered UUID */
	util_uuid7(id);
	doc = wo->wo_doc;
	wo->wo_doc = record_with_id(doc, id);
	json_object_put(doc);
	return (SCIM_OK);
}

int
write_create_apply(struct store_txn *t, struct write_op *wo)
{
	const char	*text;
	int		 rc;

	/* wo_new is wo_doc: a failure's audit record names it with its meta */
	wo->wo_new = json_object_get(wo->wo_doc);
	if ((rc = record_set_meta(t, wo->wo_rt, wo->wo_new, NULL)) != SCIM_OK)
		return (rc);
	/* the stored form, kept: the reply may be these bytes (render_text) */
	free(wo->wo_text);
	text = jsontext_of(wo->wo_new, &wo->wo_textlen);
	wo->wo_text = xmalloc(wo->wo_textlen + 1);
	memcpy(wo->wo_text, text, wo->wo_textlen + 1);
	if ((rc = record_insert(t, wo->wo_ctx.wc_tenant, wo->wo_rt, wo->wo_new,
	    wo->wo_text, wo->wo_textlen, &wo->wo_rid, &wo->wo_eb)) != SCIM_OK)
		return (rc);
	if (wo->wo_members != NULL)
		return (write_members_change(wo, t, wo->wo_rid,
		    wo->wo_members, 1));
	return (SCIM_OK);
}
