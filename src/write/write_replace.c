/* PUT: the whole resource replaced, a Group's members too (see write_op.h). */
#include "scimd.h"

#include "error.h"
#include "schema.h"
#include "write_op.h"

int
write_replace_apply(struct store_txn *t, struct write_op *wo)
{
	int	rc;

	if ((rc = write_op_target(t, wo)) != SCIM_OK)
		return (rc);
	if (wo->wo_rt->rt_tag == RT_TAG_GROUP) {
		if ((rc = write_members_clear(wo, t, wo->wo_rid)) != SCIM_OK)
			return (rc);
		if (wo->wo_members != NULL && (rc = write_members_change(wo, t,
		    wo->wo_rid, wo->wo_members, 1)) != SCIM_OK)
			return (rc);
	}
	return (write_op_store(t, wo, wo->wo_doc));
}
