/* DELETE: the resource and its memberships (see write_op.h). */
#include "scimd.h"

#include "error.h"
#include "record.h"
#include "write_op.h"

int
write_delete_apply(struct store_txn *t, struct write_op *wo)
{
	int	rc;

	if ((rc = write_op_target(t, wo)) != SCIM_OK)
		return (rc);
	return (record_delete(t, wo->wo_ctx.wc_tenant, wo->wo_rt, wo->wo_id,
	    wo->wo_rid, wo->wo_old, &wo->wo_eb));
}
