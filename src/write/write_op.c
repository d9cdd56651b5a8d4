/* The steps that several kinds of change share (see write_op.h). */
#include "scimd.h"

#include <json-c/json.h>

#include "audit.h"
#include "error.h"
#include "jsonutil.h"
#include "record.h"
#include "schema.h"
#include "validate.h"
#include "write_op.h"

int
write_op_validate(struct write_op *wo)
{
	struct json_object	*m;
	int			 rc;

	if (wo->wo_body == NULL)
		return (scim_err_set(&wo->wo_eb, SCIM_ESYNTAX,
		    "a request body is required"));
	rc = validate_resource(wo->wo_rt, wo->wo_body, VALIDATE_NEED_SCHEMAS |
	    (wo->wo_rt->rt_tag == RT_TAG_GROUP ? VALIDATE_KEEP_EXTERNAL : 0),
	    &wo->wo_doc, &wo->wo_eb);
	if (rc != SCIM_OK)
		return (rc);
	/* members are not stored in the record: write_members.c sets them */
	if (json_object_object_get_ex(wo->wo_doc, "members", &m)) {
		wo->wo_members = json_object_get(m);
		json_object_object_del(wo->wo_doc, "members");
	}
	return (SCIM_OK);
}

int
write_op_target(struct store_txn *t, struct write_op *wo)
{
	const struct resource_type	*rt = wo->wo_rt;
	uint32_t			 tenant = wo->wo_ctx.wc_tenant;
	const char			*version;
	int				 rc;

	if ((rc = record_lookup(t, tenant, wo->wo_id, rt, NULL,
	    &wo->wo_rid)) != SCIM_OK)
		return (rc == SCIM_ENOTFOUND ? scim_err_set(&wo->wo_eb, rc,
		    "%s %.64s not found", rt->rt_name, wo->wo_id) : rc);
	if ((rc = record_load(t, tenant, rt, wo->wo_rid, &wo->wo_old)) !=
	    SCIM_OK)
		return (rc);
	version = record_version(wo->wo_old);
	if (wo->wo_if_match != NULL &&
	    !record_version_matches(wo->wo_if_match, version))
		return (scim_err_set(&wo->wo_eb, SCIM_EPRECOND,
		    "If-Match does not match version %s", version));
	return (SCIM_OK);
}

int
write_op_store(struct store_txn *t, struct write_op *wo,
    struct json_object *canon)
{
	int	members_changed, rc;

	wo->wo_new = record_with_id(canon, jsonutil_get_str(wo->wo_old, "id"));
	json_object_object_add(wo->wo_new, "meta", json_object_get(
	    json_object_object_get(wo->wo_old, "meta")));
	members_changed = json_object_array_length(wo->wo_added) > 0 ||
	    json_object_array_length(wo->wo_removed) > 0;
	/* the same document but for meta: no write, no new version */
	if (!members_changed &&
	    audit_action_of(wo->wo_old, wo->wo_new, 0) == AUDIT_OTHER) {
		wo->wo_noop = 1;
		return (SCIM_OK);
	}
	if ((rc = record_set_meta(t, wo->wo_rt, wo->wo_new, wo->wo_old)) !=
	    SCIM_OK)
		return (rc);
	return (record_put(t, wo->wo_ctx.wc_tenant, wo->wo_rt, wo->wo_rid,
	    wo->wo_old, wo->wo_new, &wo->wo_eb));
}
