/*
 * The write path: one commit_op per change, applied inside the group
 * commit's transaction.  Validation, reference checks, uniqueness (the index
 * insert itself), If-Match and the audit record all happen there, so what is
 * checked is what is committed.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "commit.h"
#include "config.h"
#include "document.h"
#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "load.h"
#include "log.h"
#include "member.h"
#include "patch.h"
#include "query.h"
#include "schema.h"
#include "request.h"
#include "store.h"
#include "util.h"
#include "validate.h"
#include "write.h"
#include "write_event.h"

struct write_op {
	struct commit_op	 wo_op;		/* first: the commit queue's view */
	struct request		*wo_rq;		/* tenant, initiator, base URL */
	enum write_kind		 wo_kind;
	const struct resource_type *wo_rt;
	char			*wo_id;		/* target id (not on create) */
	struct json_object	*wo_body;	/* as sent */
	char			*wo_if_match;
	const char		*wo_method;
	const char		*wo_path;
	char			 wo_change_id[SCIM_ID_MAX];
	write_resolve_fn	 wo_resolve;
	write_applied_fn	 wo_applied;
	write_done_fn		 wo_done;
	void			*wo_arg;
	struct json_object	*wo_doc;	/* create/replace: validated body */
	struct json_object	*wo_members;	/* group create/replace members */
	struct patch		*wo_patch;
	struct json_object	*wo_old;	/* stored before */
	struct json_object	*wo_new;	/* stored after */
	struct json_object	*wo_added;	/* member ids added */
	struct json_object	*wo_removed;	/* member ids removed */
	uint64_t		 wo_rid;
	int			 wo_noop;
	struct scim_errbuf	 wo_eb;
};

static int	write_prepare(struct write_op *);

/*
 * Apply add (or remove) of member objects [{"value": id}, ...] to group
 * grid, recording the ids that really changed.  An unknown id is an error
 * when adding and nothing to do when removing.
 */
static int
members_change(struct write_op *wo, struct store_txn *t, uint64_t grid,
    struct json_object *vals, int add)
{
	struct json_object	*e, *v;
	uint32_t		 tenant = wo->wo_rq->rq_tenant;
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
		rc = document_lookup(t, tenant, id, NULL, &tag, &mrid);
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

static int
members_remove_if(struct write_op *wo, struct store_txn *t, uint64_t grid,
    const struct filter *f)
{
	struct json_object	*objs = NULL, *pairs = NULL, *p;
	uint32_t		 tenant = wo->wo_rq->rq_tenant;
	size_t			 i, n;
	int			 rc, removed;

	rc = document_members(t, tenant, grid, NULL, f, &objs, &pairs);
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

/* Record who goes, for the audit log, then drop every member. */
static int
members_clear(struct write_op *wo, struct store_txn *t, uint64_t grid)
{
	struct json_object	*objs = NULL;
	uint32_t		 tenant = wo->wo_rq->rq_tenant;
	size_t			 i, n;
	int			 rc;

	rc = document_members(t, tenant, grid, NULL, NULL, &objs, NULL);
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

/* Same document but for meta. */
static int
same_content(struct json_object *a, struct json_object *b)
{
	return (audit_action_of(a, b, 0) == AUDIT_OTHER);
}

static int
write_apply(struct store_txn *t, struct commit_op *op)
{
	struct write_op			*wo = (struct write_op *)op;
	struct request			*rq = wo->wo_rq;
	const struct resource_type	*rt = wo->wo_rt;
	const struct patch_member_op	*mops = NULL;
	struct json_object		*patched = NULL, *canon = NULL;
	struct store_val		 k;
	const char			*hdr, *id;
	uint8_t				 kb[KEYS_ID2R_LEN];
	size_t				 nmops = 0, i;
	int				 rc, members_changed;

	wo->wo_added = json_object_new_array();
	wo->wo_removed = json_object_new_array();
	/* a nearly full map keeps its last pages for deletes */
	if (wo->wo_kind != WRITE_DELETE && store_low_space(t))
		return (scim_err_set(&wo->wo_eb, SCIM_ESTORAGE,
		    "the store is full; only deletes are accepted"));
	if (wo->wo_resolve != NULL && (rc = wo->wo_resolve(wo->wo_arg,
	    &wo->wo_body, &wo->wo_id, &wo->wo_eb)) != SCIM_OK)
		return (rc);
	if ((rc = write_prepare(wo)) != SCIM_OK)
		return (rc);
	if (wo->wo_kind == WRITE_CREATE) {
		wo->wo_new = json_object_get(wo->wo_doc);
		if ((rc = document_set_meta(t, rt, wo->wo_new, NULL)) !=
		    SCIM_OK || (rc = load_resource(t, rq->rq_tenant, rt,
		    wo->wo_new, &wo->wo_rid, &wo->wo_eb)) != SCIM_OK)
			return (rc);
		if (wo->wo_members != NULL && (rc = members_change(wo, t,
		    wo->wo_rid, wo->wo_members, 1)) != SCIM_OK)
			return (rc);
		goto audit;
	}

	if ((rc = document_lookup(t, rq->rq_tenant, wo->wo_id, rt, NULL,
	    &wo->wo_rid)) != SCIM_OK)
		return (rc == SCIM_ENOTFOUND ? scim_err_set(&wo->wo_eb, rc,
		    "%s %.64s not found", rt->rt_name, wo->wo_id) : rc);
	if ((rc = query_load(t, rq->rq_tenant, rt, wo->wo_rid,
	    &wo->wo_old)) != SCIM_OK)
		return (rc);
	if ((hdr = wo->wo_if_match) != NULL &&
	    !document_etag_matches(hdr, document_version(wo->wo_old)))
		return (scim_err_set(&wo->wo_eb, SCIM_EPRECOND,
		    "If-Match does not match version %s",
		    document_version(wo->wo_old)));

	if (wo->wo_kind == WRITE_DELETE) {
		if ((rc = index_update(t, rq->rq_tenant, rt, wo->wo_rid,
		    wo->wo_old, NULL, &wo->wo_eb)) != SCIM_OK)
			return (rc);
		k = keys_res(kb, rq->rq_tenant, rt->rt_tag, wo->wo_rid);
		if ((rc = store_del(t, STORE_RES, &k, NULL)) != SCIM_OK)
			return (rc);
		k = keys_id2r(kb, rq->rq_tenant, wo->wo_id);
		if ((rc = store_del(t, STORE_ID2R, &k, NULL)) != SCIM_OK ||
		    (rc = document_count(t, rq->rq_tenant, rt->rt_tag, -1)) !=
		    SCIM_OK)
			return (rc);
		if (rt->rt_tag == RT_TAG_GROUP)
			rc = member_clear_group(t, rq->rq_tenant, wo->wo_rid);
		else
			rc = SCIM_OK;
		if (rc == SCIM_OK)
			rc = member_clear_member(t, rq->rq_tenant, rt->rt_tag,
			    wo->wo_rid);
		if (rc != SCIM_OK)
			return (rc);
		goto audit;
	}

	if (wo->wo_kind == WRITE_REPLACE) {
		canon = json_object_get(wo->wo_doc);
		if (rt->rt_tag == RT_TAG_GROUP) {
			if ((rc = members_clear(wo, t, wo->wo_rid)) != SCIM_OK)
				goto done;
			if (wo->wo_members != NULL && (rc = members_change(wo, t,
			    wo->wo_rid, wo->wo_members, 1)) != SCIM_OK)
				goto done;
		}
	} else {
		rc = patch_apply(wo->wo_patch, wo->wo_old, &patched, &mops,
		    &nmops, &wo->wo_eb);
		if (rc != SCIM_OK)
			goto done;
		rc = validate_resource(rt, patched, 0, &canon, &wo->wo_eb);
		if (rc != SCIM_OK)
			goto done;
		for (i = 0; i < nmops && rc == SCIM_OK; i++) {
			switch (mops[i].pm_kind) {
			case PATCH_MEMBER_ADD:
			case PATCH_MEMBER_REMOVE:
				rc = members_change(wo, t, wo->wo_rid,
				    mops[i].pm_values,
				    mops[i].pm_kind == PATCH_MEMBER_ADD);
				break;
			case PATCH_MEMBER_REMOVE_ALL:
				rc = members_clear(wo, t, wo->wo_rid);
				break;
			case PATCH_MEMBER_REMOVE_IF:
				rc = members_remove_if(wo, t, wo->wo_rid,
				    mops[i].pm_filter);
				break;
			}
		}
		if (rc != SCIM_OK)
			goto done;
	}
	id = jsonutil_get_str(wo->wo_old, "id");
	wo->wo_new = document_with_id(canon, id);
	json_object_object_add(wo->wo_new, "meta", json_object_get(
	    json_object_object_get(wo->wo_old, "meta")));
	members_changed = json_object_array_length(wo->wo_added) > 0 ||
	    json_object_array_length(wo->wo_removed) > 0;
	if (!members_changed && same_content(wo->wo_old, wo->wo_new)) {
		/* nothing changes: no write, no new version */
		wo->wo_noop = 1;
		rc = SCIM_OK;
		goto done;
	}
	if ((rc = document_set_meta(t, rt, wo->wo_new, wo->wo_old)) != SCIM_OK ||
	    (rc = index_update(t, rq->rq_tenant, rt, wo->wo_rid, wo->wo_old,
	    wo->wo_new, &wo->wo_eb)) != SCIM_OK ||
	    (rc = document_put(t, rq->rq_tenant, rt, wo->wo_rid, wo->wo_new)) !=
	    SCIM_OK)
		goto done;
 done:
	json_object_put(patched);
	json_object_put(canon);
	if (rc != SCIM_OK)
		return (rc);
 audit:
	{
		struct audit_event	ev;

		memset(&ev, 0, sizeof(ev));
		ev.ae_change_id = wo->wo_change_id;
		ev.ae_tenant = rq->rq_tenant;
		ev.ae_initiator = rq->rq_token.ti_name;
		ev.ae_rt = rt;
		ev.ae_method = wo->wo_method;
		ev.ae_path = wo->wo_path;
		ev.ae_old = wo->wo_old;
		ev.ae_new = wo->wo_kind == WRITE_DELETE ? NULL : wo->wo_new;
		ev.ae_members_added = wo->wo_added;
		ev.ae_members_removed = wo->wo_removed;
		ev.ae_action = wo->wo_noop ? AUDIT_OTHER :
		    audit_action_of(ev.ae_old, ev.ae_new,
		    json_object_array_length(wo->wo_added) > 0 ||
		    json_object_array_length(wo->wo_removed) > 0);
		ev.ae_status = wo->wo_noop ? AUDIT_SKIPPED : AUDIT_SUCCESS;
		ev.ae_http_status = wo->wo_kind == WRITE_CREATE ? 201 :
		    wo->wo_kind == WRITE_DELETE ? 204 : 200;
		ev.ae_start = rq->rq_start;
		if ((rc = audit_write(t, &ev)) == SCIM_OK)
			rc = write_event(t, rq, &ev, wo->wo_rid);
		if (rc == SCIM_OK && wo->wo_applied)
			wo->wo_applied(wo->wo_arg, SCIM_OK,
			    jsonutil_get_str(ev.ae_new ? ev.ae_new : ev.ae_old,
			    "id"));
		return (rc);
	}
}

static enum audit_action
intended_action(struct write_op *wo)
{
	switch (wo->wo_kind) {
	case WRITE_CREATE:
		return (AUDIT_CREATE);
	case WRITE_DELETE:
		return (AUDIT_DELETE);
	default:
		return (AUDIT_UPDATE);
	}
}

/* The failure record, in the batch transaction after the change was undone. */
static void
write_failed(struct store_txn *t, struct commit_op *op, int rc)
{
	struct write_op		*wo = (struct write_op *)op;
	struct request		*rq = wo->wo_rq;
	struct audit_event	 ev;

	if (wo->wo_applied != NULL)
		wo->wo_applied(wo->wo_arg, rc, NULL);
	if (rc == SCIM_ESKIPPED)
		return;		/* never attempted: nothing to record */
	if (rc == SCIM_ESTORAGE) {
		/* a record would eat the pages kept for deletes */
		log_warnx("%s: %s refused: store full", __func__,
		    wo->wo_change_id);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ae_change_id = wo->wo_change_id;
	ev.ae_tenant = rq->rq_tenant;
	ev.ae_initiator = rq->rq_token.ti_name;
	ev.ae_rt = wo->wo_rt;
	ev.ae_method = wo->wo_method;
	ev.ae_path = wo->wo_path;
	ev.ae_target_id = wo->wo_id;
	ev.ae_old = wo->wo_old;
	ev.ae_new = NULL;
	if (wo->wo_kind == WRITE_CREATE)	/* name the target if we can */
		ev.ae_new = wo->wo_doc != NULL ? wo->wo_doc :
		    json_object_is_type(wo->wo_body, json_type_object) ?
		    wo->wo_body : NULL;
	ev.ae_action = intended_action(wo);
	ev.ae_status = AUDIT_FAILURE;
	ev.ae_http_status = scim_err_status(rc);
	ev.ae_scim_type = scim_err_type(rc);
	ev.ae_reason = wo->wo_eb.eb_msg[0] ? wo->wo_eb.eb_msg :
	    scim_err_text(rc);
	ev.ae_start = rq->rq_start;
	if (audit_write(t, &ev) != SCIM_OK)
		log_warnx("%s: could not record failure of %s", __func__,
		    wo->wo_change_id);
}

static void
write_op_free(struct write_op *wo)
{
	json_object_put(wo->wo_doc);
	json_object_put(wo->wo_members);
	json_object_put(wo->wo_old);
	json_object_put(wo->wo_new);
	json_object_put(wo->wo_added);
	json_object_put(wo->wo_removed);
	json_object_put(wo->wo_body);
	patch_free(wo->wo_patch);
	free(wo->wo_id);
	free(wo->wo_if_match);
	free(wo);
}

static void
write_done(struct commit_op *op, int rc)
{
	struct write_op		*wo = (struct write_op *)op;
	struct write_result	 wr;

	memset(&wr, 0, sizeof(wr));
	wr.wr_err = rc;
	wr.wr_detail = wo->wo_eb.eb_msg;
	wr.wr_rt = wo->wo_rt;
	wr.wr_rid = wo->wo_rid;
	wr.wr_noop = wo->wo_noop;
	if (rc == SCIM_OK) {
		wr.wr_doc = wo->wo_kind == WRITE_DELETE ? NULL : wo->wo_new;
		wr.wr_status = wo->wo_kind == WRITE_CREATE ? 201 :
		    wo->wo_kind == WRITE_DELETE ? 204 : 200;
	}
	wo->wo_done(wo->wo_rq, wo->wo_arg, &wr);
	write_op_free(wo);
}

/* Validate the body: a resource (create, replace) or a PatchOp. */
static int
write_prepare(struct write_op *wo)
{
	struct json_object	*doc = NULL, *m;
	char			 id[SCIM_ID_MAX];
	int			 rc;

	if (wo->wo_kind == WRITE_DELETE)
		return (SCIM_OK);
	if (wo->wo_body == NULL)
		return (scim_err_set(&wo->wo_eb, SCIM_ESYNTAX,
		    "a request body is required"));
	if (wo->wo_kind == WRITE_PATCH)
		return (patch_parse(wo->wo_body, wo->wo_rt,
		    &wo->wo_rq->rq_sd->sd_conf->cf_filter,
		    wo->wo_rq->rq_sd->sd_conf->cf_max_patch_ops,
		    &wo->wo_patch, &wo->wo_eb));
	rc = validate_resource(wo->wo_rt, wo->wo_body,
	    wo->wo_rt->rt_tag == RT_TAG_GROUP ? VALIDATE_KEEP_EXTERNAL : 0,
	    &doc, &wo->wo_eb);
	if (rc != SCIM_OK)
		return (rc);
	if (json_object_object_get_ex(doc, "members", &m)) {
		wo->wo_members = json_object_get(m);
		json_object_object_del(doc, "members");
	}
	if (wo->wo_kind == WRITE_CREATE) {
		util_uuid(id);
		wo->wo_doc = document_with_id(doc, id);
		json_object_put(doc);
	} else
		wo->wo_doc = doc;
	return (SCIM_OK);
}

void
write_submit(struct request *rq, const struct write_spec *ws)
{
	struct write_op	*wo = xcalloc(1, sizeof(*wo));

	wo->wo_rq = rq;
	wo->wo_kind = ws->ws_kind;
	wo->wo_rt = ws->ws_rt;
	wo->wo_id = ws->ws_id != NULL ? xstrdup(ws->ws_id) : NULL;
	wo->wo_body = json_object_get(ws->ws_body);
	wo->wo_if_match = ws->ws_if_match != NULL ?
	    xstrdup(ws->ws_if_match) : NULL;
	wo->wo_method = ws->ws_method;
	wo->wo_path = ws->ws_path;
	wo->wo_resolve = ws->ws_resolve;
	wo->wo_applied = ws->ws_applied;
	wo->wo_done = ws->ws_done;
	wo->wo_arg = ws->ws_arg;
	/* the request's id names its first change; later ones get their own */
	if (rq->rq_nwrites++ == 0)
		strlcpy(wo->wo_change_id, rq->rq_change_id,
		    sizeof(wo->wo_change_id));
	else
		util_uuid(wo->wo_change_id);
	wo->wo_eb.eb_msg[0] = '\0';
	wo->wo_op.co_apply = write_apply;
	wo->wo_op.co_failed = write_failed;
	wo->wo_op.co_done = write_done;
	commit_submit(&wo->wo_op);
}
