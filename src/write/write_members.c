/*
 * Group membership changes of a create, replace or patch (see write_op.h).
 * Members live outside the group's record (member.h), so these change the
 * membership databases directly; the ids that really changed are what the
 * audit record lists.
 */
#include "scimd.h"

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "write_op.h"

int
write_members_change(struct write_op *wo, struct store_txn *t, uint64_t grid,
    struct json_object *vals, int add)
{
	struct json_object	*e, *v;
	uint32_t		 tenant = wo->wo_ctx.wc_tenant;
	const char		*id;
	uint64_t		 mrid;
	uint8_t			 tag;
	size_t			 i, n;
	int			 rc, changed;

	n = json_object_array_length(vals);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(vals, i);
		v = jsonutil_get(e, "value", NULL);
		if (v == NULL || !json_object_is_type(v, json_type_string))
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: each member needs a string value"));
		id = json_object_get_string(v);
		rc = record_lookup(t, tenant, id, NULL, &tag, &mrid);
		if (rc == SCIM_ENOTFOUND && !add)
			continue;	/* not a member: nothing to remove */
		if (rc == SCIM_ENOTFOUND)
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: no resource with id \"%.64s\"", id));
		if (rc != SCIM_OK)
			return (rc);
		if (add && tag == RT_TAG_GROUP && mrid == grid)
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: a group cannot contain itself"));
		rc = add ? member_add(t, tenant, grid, tag, mrid, &changed) :
		    member_remove(t, tenant, grid, tag, mrid, &changed);
		if (rc != SCIM_OK)
			return (rc);
		if (changed)
			json_object_array_add(add ? wo->wo_added :
			    wo->wo_removed, json_object_new_string(id));
	}
	return (SCIM_OK);
}

int
write_members_remove_if(struct write_op *wo, struct store_txn *t, uint64_t grid,
    const struct filter *f)
{
	struct json_object	*objs = NULL, *pairs = NULL, *p;
	uint32_t		 tenant = wo->wo_ctx.wc_tenant;
	size_t			 i, n;
	int			 rc, removed;

	rc = record_members_matching(t, tenant, grid, f, &objs, &pairs);
	n = rc == SCIM_OK ? json_object_array_length(pairs) : 0;
	for (i = 0; rc == SCIM_OK && i < n; i++) {
		p = json_object_array_get_idx(pairs, i);
		rc = member_remove(t, tenant, grid,
		    (uint8_t)json_object_get_int(json_object_array_get_idx(p,
		    0)), (uint64_t)json_object_get_int64(
		    json_object_array_get_idx(p, 1)), &removed);
		if (rc == SCIM_OK && removed)
			json_object_array_add(wo->wo_removed, json_object_get(
			    json_object_object_get(json_object_array_get_idx(
			    objs, i), "value")));
	}
	json_object_put(objs);
	json_object_put(pairs);
	return (rc);
}

/* Record who goes, for the audit record, then drop every member. */
int
write_members_clear(struct write_op *wo, struct store_txn *t, uint64_t grid)
{
	struct json_object	*objs = NULL;
	uint32_t		 tenant = wo->wo_ctx.wc_tenant;
	size_t			 i, n;
	int			 rc;

	rc = record_members(t, tenant, grid, NULL, 0, 0, &objs);
	n = rc == SCIM_OK ? json_object_array_length(objs) : 0;
	for (i = 0; i < n; i++)
		json_object_array_add(wo->wo_removed, json_object_get(
		    json_object_object_get(json_object_array_get_idx(objs, i),
		    "value")));
	json_object_put(objs);
	if (rc == SCIM_OK)
		rc = member_clear_group(t, tenant, grid);
	return (rc);
}
