/* DELETE: the resource and its memberships (see write_op.h). */
#include "scimd.h"

#include <json-c/json.h>

#include "error.h"
#include "index.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "write_op.h"

/* The groups a deleted member leaves, for their events (write_event.h). */
static int
groups_of(struct store_txn *t, struct write_op *wo)
{
	struct idset	s = { NULL, 0, 0 };
	size_t		i;
	int		rc;

	rc = member_groups(t, wo->wo_ctx.wc_tenant, wo->wo_rt->rt_tag,
	    wo->wo_rid, &s);
	if (rc == SCIM_OK) {
		idset_sort(&s);
		json_object_put(wo->wo_groups);
		wo->wo_groups = json_object_new_array();
		for (i = 0; i < s.is_n; i++)
			json_object_array_add(wo->wo_groups,
			    json_object_new_int64((int64_t)s.is_v[i]));
	}
	idset_free(&s);
	return (rc);
}

/* The ids a deleted group had, for its event. */
static int
members_of(struct store_txn *t, struct write_op *wo)
{
	struct json_object	*objs = NULL;
	size_t			 i, n;
	int			 rc;

	rc = record_members(t, wo->wo_ctx.wc_tenant, wo->wo_rid, NULL, 0, 0,
	    &objs);
	n = rc == SCIM_OK ? json_object_array_length(objs) : 0;
	json_object_put(wo->wo_had);
	wo->wo_had = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(wo->wo_had, json_object_get(
		    json_object_object_get(json_object_array_get_idx(objs, i),
		    "value")));
	json_object_put(objs);
	return (rc);
}

int
write_delete_apply(struct store_txn *t, struct write_op *wo)
{
	int	rc;

	if ((rc = write_op_target(t, wo)) != SCIM_OK)
		return (rc);
	/* what it was in and who was in it: the change names them */
	if ((rc = groups_of(t, wo)) != SCIM_OK ||
	    (wo->wo_rt->rt_tag == RT_TAG_GROUP &&
	    (rc = members_of(t, wo)) != SCIM_OK))
		return (rc);
	return (record_delete(t, wo->wo_ctx.wc_tenant, wo->wo_rt, wo->wo_id,
	    wo->wo_rid, wo->wo_old, &wo->wo_eb));
}
