/*
 * PATCH: the operations applied to the stored resource, the result
 * validated like a replace; operations on Group members change the
 * membership databases instead of the record (see write_op.h).
 */
#include "scimd.h"

#include <json-c/json.h>

#include "config.h"
#include "error.h"
#include "patch.h"
#include "validate.h"
#include "write_op.h"

int
write_patch_prepare(struct write_op *wo)
{
	if (wo->wo_body == NULL)
		return (scim_err_set(&wo->wo_eb, SCIM_ESYNTAX,
		    "a request body is required"));
	return (patch_parse(wo->wo_body, wo->wo_rt,
	    &wo->wo_ctx.wc_conf->cf_filter,
	    wo->wo_ctx.wc_conf->cf_max_patch_ops,
	    &wo->wo_patch, &wo->wo_eb));
}

/* The membership operations patch_apply left for us, in order. */
static int
patch_members(struct store_txn *t, struct write_op *wo,
    const struct patch_member_op *mops, size_t nmops)
{
	size_t	i;
	int	rc = SCIM_OK;

	for (i = 0; i < nmops && rc == SCIM_OK; i++) {
		switch (mops[i].pm_kind) {
		case PATCH_MEMBER_ADD:
		case PATCH_MEMBER_REMOVE:
			rc = write_members_change(wo, t, wo->wo_rid,
			    mops[i].pm_values,
			    mops[i].pm_kind == PATCH_MEMBER_ADD);
			break;
		case PATCH_MEMBER_REMOVE_ALL:
			rc = write_members_clear(wo, t, wo->wo_rid);
			break;
		case PATCH_MEMBER_REMOVE_IF:
			rc = write_members_remove_if(wo, t, wo->wo_rid,
			    mops[i].pm_filter);
			break;
		}
	}
	return (rc);
}

int
write_patch_apply(struct store_txn *t, struct write_op *wo)
{
	const struct patch_member_op	*mops = NULL;
	struct json_object		*patched = NULL, *canon = NULL;
	size_t				 nmops = 0;
	int				 rc;

	if ((rc = write_op_target(t, wo)) != SCIM_OK)
		goto done;
	if ((rc = patch_apply(wo->wo_patch, wo->wo_old, &patched, &mops,
	    &nmops, &wo->wo_eb)) != SCIM_OK)
		goto done;
	if ((rc = validate_resource(wo->wo_rt, patched, 0, &canon,
	    &wo->wo_eb)) != SCIM_OK)
		goto done;
	if ((rc = patch_members(t, wo, mops, nmops)) != SCIM_OK)
		goto done;
	rc = write_op_store(t, wo, canon);
 done:
	json_object_put(patched);
	json_object_put(canon);
	return (rc);
}
