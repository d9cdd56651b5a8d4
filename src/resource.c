/*
 * Generic handlers for SCIM resources.  Reads: one read transaction, then
 * the reply.  Writes: validation outside the store, then a commit_op whose
 * apply runs inside the group-commit transaction (uniqueness, existence and
 * If-Match are checked there, never only before queueing) and whose done
 * callback replies once the batch is durable.
 */
#include "scimd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "audit.h"
#include "commit.h"
#include "config.h"
#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "log.h"
#include "member.h"
#include "patch.h"
#include "projection.h"
#include "query.h"
#include "resource.h"
#include "schema.h"
#include "server.h"
#include "store.h"
#include "util.h"
#include "validate.h"

enum write_kind { WRITE_CREATE, WRITE_REPLACE, WRITE_PATCH, WRITE_DELETE };

struct write_op {
	struct commit_op	 wo_op;		/* first: the commit queue's view */
	struct request		*wo_rq;
	enum write_kind		 wo_kind;
	struct json_object	*wo_doc;	/* create/replace: validated body */
	struct json_object	*wo_members;	/* group create/replace members */
	struct patch		*wo_patch;
	struct json_object	*wo_old;	/* stored before */
	struct json_object	*wo_new;	/* stored after */
	struct json_object	*wo_added;	/* member ids added */
	struct json_object	*wo_removed;	/* member ids removed */
	uint64_t		 wo_rid;
	int			 wo_noop;
	int			 wo_err;	/* rejected before queueing */
	struct scim_errbuf	 wo_eb;
};

static const char *
type_prefix(const struct resource_type *rt)
{
	return (rt->rt_endpoint);
}

/* meta.location is not stored: it depends on the URL clients use. */
static char *
location_of(struct request *rq, const struct resource_type *rt, const char *id)
{
	char	*s;

	if (asprintf(&s, "%s/%s/%s", rq->rq_base, type_prefix(rt), id) == -1)
		fatal("asprintf");
	return (s);
}

/* Find resource id of type rt in the tenant: its number, or SCIM_ENOTFOUND. */
static int
lookup_id(struct store_txn *t, uint32_t tenant, const char *id,
    const struct resource_type *rt, uint8_t *tagp, uint64_t *rid)
{
	struct store_val	k, v;
	uint8_t			kb[KEYS_ID2R_LEN];
	int			rc;

	if (id == NULL || strlen(id) != SCIM_ID_LEN || !util_is_uuid(id))
		return (SCIM_ENOTFOUND);
	k = keys_id2r(kb, tenant, id);
	if ((rc = store_get(t, STORE_ID2R, &k, &v)) != SCIM_OK)
		return (rc);
	if (v.sv_len != KEYS_KR_LEN)
		return (SCIM_ESTORE);
	if (rt != NULL && ((const uint8_t *)v.sv_data)[0] != rt->rt_tag)
		return (SCIM_ENOTFOUND);
	if (tagp != NULL)
		*tagp = ((const uint8_t *)v.sv_data)[0];
	*rid = util_get_be64((const uint8_t *)v.sv_data + 1);
	return (SCIM_OK);
}

/* Set meta of doc: resourceType, created (kept from old), lastModified, version. */
static int
set_meta(struct store_txn *t, const struct resource_type *rt,
    struct json_object *doc, struct json_object *old)
{
	struct json_object	*meta, *om, *created = NULL;
	char			 now[40], ver[32];
	uint64_t		 n;
	int			 rc;

	if ((rc = store_next_id(t, "version", &n)) != SCIM_OK)
		return (rc);
	util_time_fmt(util_now_ms(), now, sizeof(now));
	snprintf(ver, sizeof(ver), "W/\"%llx\"", (unsigned long long)n);
	meta = json_object_new_object();
	json_object_object_add(meta, "resourceType",
	    json_object_new_string(rt->rt_name));
	if (old != NULL && json_object_object_get_ex(old, "meta", &om))
		json_object_object_get_ex(om, "created", &created);
	json_object_object_add(meta, "created", created != NULL ?
	    json_object_get(created) : json_object_new_string(now));
	json_object_object_add(meta, "lastModified",
	    json_object_new_string(now));
	json_object_object_add(meta, "version", json_object_new_string(ver));
	json_object_object_add(doc, "meta", meta);
	return (SCIM_OK);
}

/* Put id first after schemas, as clients read it: rebuild doc in order. */
static struct json_object *
with_id(struct json_object *doc, const char *id)
{
	struct json_object		*o = json_object_new_object(), *v;
	struct json_object_iterator	 it, end;
	const char			*k;

	if (json_object_object_get_ex(doc, "schemas", &v))
		json_object_object_add(o, "schemas", json_object_get(v));
	json_object_object_add(o, "id", json_object_new_string(id));
	it = json_object_iter_begin(doc);
	end = json_object_iter_end(doc);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strcmp(k, "schemas") == 0 || strcmp(k, "id") == 0 ||
		    strcmp(k, "meta") == 0)
			continue;
		json_object_object_add(o, k,
		    json_object_get(json_object_iter_peek_value(&it)));
	}
	return (o);
}

static int
put_doc(struct store_txn *t, uint32_t tenant, const struct resource_type *rt,
    uint64_t rid, struct json_object *doc)
{
	struct store_val	 k, v;
	uint8_t			 kb[KEYS_RES_LEN];
	const char		*s;
	size_t			 len;

	k = keys_res(kb, tenant, rt->rt_tag, rid);
	s = jsonutil_compact(doc, &len);
	v.sv_data = s;
	v.sv_len = len;
	return (store_put(t, STORE_RES, &k, &v, 0));
}

/* Weak comparison of an If-Match / If-None-Match list against version. */
static int
etag_matches(const char *hdr, const char *version)
{
	const char	*p = hdr, *e;
	size_t		 vlen;

	if (version == NULL)
		return (0);
	if (strncmp(version, "W/", 2) == 0)
		version += 2;
	vlen = strlen(version);
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		while (e > p && e[-1] == ' ')
			e--;
		if ((size_t)(e - p) == vlen && strncmp(p, version, vlen) == 0)
			return (1);
		p = *e == ',' ? e + 1 : e;
	}
	return (0);
}

static const char *
version_of(struct json_object *doc)
{
	struct json_object	*m, *v;

	if (json_object_object_get_ex(doc, "meta", &m) &&
	    json_object_object_get_ex(m, "version", &v))
		return (json_object_get_string(v));
	return (NULL);
}

/* Resolve member objects [{"value": id}, ...] and add them to group rid. */
static int
members_add(struct write_op *wo, struct store_txn *t, uint64_t grid,
    struct json_object *vals)
{
	struct request		*rq = wo->wo_rq;
	struct json_object	*e, *v;
	const char		*id;
	uint64_t		 mrid;
	uint8_t			 tag;
	size_t			 i, n;
	int			 rc, added;

	n = json_object_array_length(vals);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(vals, i);
		v = jsonutil_get(e, "value", NULL);
		if (v == NULL || !json_object_is_type(v, json_type_string))
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: each member needs a string value"));
		id = json_object_get_string(v);
		rc = lookup_id(t, rq->rq_tenant, id, NULL, &tag, &mrid);
		if (rc == SCIM_ENOTFOUND)
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: no resource with id \"%.64s\"", id));
		if (rc != SCIM_OK)
			return (rc);
		if (tag == RT_TAG_GROUP && mrid == grid)
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: a group cannot contain itself"));
		if ((rc = member_add(t, rq->rq_tenant, grid, tag, mrid,
		    &added)) != SCIM_OK)
			return (rc);
		if (added)
			json_object_array_add(wo->wo_added,
			    json_object_new_string(id));
	}
	return (SCIM_OK);
}

static int
members_remove(struct write_op *wo, struct store_txn *t, uint64_t grid,
    struct json_object *vals)
{
	struct request		*rq = wo->wo_rq;
	struct json_object	*e, *v;
	const char		*id;
	uint64_t		 mrid;
	uint8_t			 tag;
	size_t			 i, n;
	int			 rc, removed;

	n = json_object_array_length(vals);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(vals, i);
		v = jsonutil_get(e, "value", NULL);
		if (v == NULL || !json_object_is_type(v, json_type_string))
			return (scim_err_set(&wo->wo_eb, SCIM_EINVAL,
			    "members: each member needs a string value"));
		id = json_object_get_string(v);
		rc = lookup_id(t, rq->rq_tenant, id, NULL, &tag, &mrid);
		if (rc == SCIM_ENOTFOUND)
			continue;	/* not a member: nothing to remove */
		if (rc != SCIM_OK)
			return (rc);
		if ((rc = member_remove(t, rq->rq_tenant, grid, tag, mrid,
		    &removed)) != SCIM_OK)
			return (rc);
		if (removed)
			json_object_array_add(wo->wo_removed,
			    json_object_new_string(id));
	}
	return (SCIM_OK);
}

/* The member object a filter on members sees: value, type, display. */
static struct json_object *
member_object(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t rid,
    const char *base)
{
	const struct resource_type	*rt = schema_type_by_tag(tag);
	struct json_object		*doc = NULL, *m;
	const char			*id, *disp;
	char				*ref;

	if (rt == NULL || query_load(t, tenant, rt, rid, &doc) != SCIM_OK)
		return (NULL);
	m = json_object_new_object();
	id = jsonutil_get_str(doc, "id");
	json_object_object_add(m, "value", json_object_new_string(id ? id :
	    ""));
	if (base != NULL && id != NULL) {
		if (asprintf(&ref, "%s/%s/%s", base, rt->rt_endpoint, id) ==
		    -1)
			fatal("asprintf");
		json_object_object_add(m, "$ref", json_object_new_string(ref));
		free(ref);
	}
	json_object_object_add(m, "type", json_object_new_string(rt->rt_name));
	disp = jsonutil_get_str(doc, tag == RT_TAG_USER ? "displayName" :
	    "displayName");
	if (disp == NULL && tag == RT_TAG_USER)
		disp = jsonutil_get_str(doc, "userName");
	if (disp != NULL)
		json_object_object_add(m, "display",
		    json_object_new_string(disp));
	json_object_put(doc);
	return (m);
}

struct collect {
	struct store_txn	*c_txn;
	uint32_t		 c_tenant;
	const char		*c_base;
	const struct filter	*c_filter;
	struct json_object	*c_out;		/* array of member objects */
	struct json_object	*c_ids;		/* array of [tag, rid] pairs */
};

static int
collect_member(uint8_t tag, uint64_t rid, void *arg)
{
	struct collect		*c = arg;
	struct json_object	*m, *pair;

	m = member_object(c->c_txn, c->c_tenant, tag, rid, c->c_base);
	if (m == NULL)
		return (0);
	if (c->c_filter != NULL) {
		if (filter_match_value(c->c_filter, m)) {
			pair = json_object_new_array();
			json_object_array_add(pair, json_object_new_int(tag));
			json_object_array_add(pair,
			    json_object_new_int64((int64_t)rid));
			json_object_array_add(c->c_ids, pair);
			json_object_array_add(c->c_out, m);
		} else
			json_object_put(m);
		return (0);
	}
	json_object_array_add(c->c_out, m);
	return (0);
}

static int
members_remove_if(struct write_op *wo, struct store_txn *t, uint64_t grid,
    const struct filter *f)
{
	struct collect	c;
	size_t		i, n;
	int		rc, removed;

	c.c_txn = t;
	c.c_tenant = wo->wo_rq->rq_tenant;
	c.c_base = NULL;
	c.c_filter = f;
	c.c_out = json_object_new_array();
	c.c_ids = json_object_new_array();
	rc = member_each(t, c.c_tenant, grid, 0, 0, collect_member, &c);
	n = json_object_array_length(c.c_ids);
	for (i = 0; rc == SCIM_OK && i < n; i++) {
		struct json_object *p = json_object_array_get_idx(c.c_ids, i);
		rc = member_remove(t, c.c_tenant, grid,
		    (uint8_t)json_object_get_int(json_object_array_get_idx(p,
		    0)), (uint64_t)json_object_get_int64(
		    json_object_array_get_idx(p, 1)), &removed);
		if (rc == SCIM_OK && removed)
			json_object_array_add(wo->wo_removed, json_object_get(
			    json_object_object_get(json_object_array_get_idx(
			    c.c_out, i), "value")));
	}
	json_object_put(c.c_out);
	json_object_put(c.c_ids);
	return (rc);
}

static int
members_clear(struct write_op *wo, struct store_txn *t, uint64_t grid)
{
	struct collect	c;
	size_t		i, n;
	int		rc;

	/* record who goes, for the audit log, then drop them all */
	c.c_txn = t;
	c.c_tenant = wo->wo_rq->rq_tenant;
	c.c_base = NULL;
	c.c_filter = NULL;
	c.c_out = json_object_new_array();
	c.c_ids = NULL;
	rc = member_each(t, c.c_tenant, grid, 0, 0, collect_member, &c);
	n = json_object_array_length(c.c_out);
	for (i = 0; i < n; i++)
		json_object_array_add(wo->wo_removed, json_object_get(
		    json_object_object_get(json_object_array_get_idx(c.c_out,
		    i), "value")));
	json_object_put(c.c_out);
	if (rc == SCIM_OK)
		rc = member_clear_group(t, c.c_tenant, grid);
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
	const struct resource_type	*rt = rq->rq_rt;
	const struct patch_member_op	*mops = NULL;
	struct json_object		*patched = NULL, *canon = NULL;
	struct store_val		 k, v;
	const char			*hdr, *id;
	uint8_t				 kb[KEYS_ID2R_LEN], vb[KEYS_KR_LEN];
	size_t				 nmops = 0, i;
	int				 rc, members_changed;

	wo->wo_added = json_object_new_array();
	wo->wo_removed = json_object_new_array();
	if (wo->wo_kind == WRITE_CREATE) {
		if ((rc = store_next_id(t, "rid", &wo->wo_rid)) != SCIM_OK)
			return (rc);
		wo->wo_new = json_object_get(wo->wo_doc);
		if ((rc = set_meta(t, rt, wo->wo_new, NULL)) != SCIM_OK)
			return (rc);
		if ((rc = index_update(t, rq->rq_tenant, rt, wo->wo_rid, NULL,
		    wo->wo_new, &wo->wo_eb)) != SCIM_OK)
			return (rc);
		id = jsonutil_get_str(wo->wo_new, "id");
		k = keys_id2r(kb, rq->rq_tenant, id);
		v = keys_kr(vb, rt->rt_tag, wo->wo_rid);
		if ((rc = store_put(t, STORE_ID2R, &k, &v,
		    STORE_NOOVERWRITE)) != SCIM_OK)
			return (rc);
		if (wo->wo_members != NULL && (rc = members_add(wo, t,
		    wo->wo_rid, wo->wo_members)) != SCIM_OK)
			return (rc);
		if ((rc = put_doc(t, rq->rq_tenant, rt, wo->wo_rid,
		    wo->wo_new)) != SCIM_OK)
			return (rc);
		goto audit;
	}

	if ((rc = lookup_id(t, rq->rq_tenant, rq->rq_id, rt, NULL,
	    &wo->wo_rid)) != SCIM_OK)
		return (rc == SCIM_ENOTFOUND ? scim_err_set(&wo->wo_eb, rc,
		    "%s %.64s not found", rt->rt_name, rq->rq_id) : rc);
	if ((rc = query_load(t, rq->rq_tenant, rt, wo->wo_rid,
	    &wo->wo_old)) != SCIM_OK)
		return (rc);
	if ((hdr = server_header(rq, "If-Match")) != NULL &&
	    !etag_matches(hdr, version_of(wo->wo_old)))
		return (scim_err_set(&wo->wo_eb, SCIM_EPRECOND,
		    "If-Match does not match version %s",
		    version_of(wo->wo_old)));

	if (wo->wo_kind == WRITE_DELETE) {
		if ((rc = index_update(t, rq->rq_tenant, rt, wo->wo_rid,
		    wo->wo_old, NULL, &wo->wo_eb)) != SCIM_OK)
			return (rc);
		k = keys_res(kb, rq->rq_tenant, rt->rt_tag, wo->wo_rid);
		if ((rc = store_del(t, STORE_RES, &k, NULL)) != SCIM_OK)
			return (rc);
		k = keys_id2r(kb, rq->rq_tenant, rq->rq_id);
		if ((rc = store_del(t, STORE_ID2R, &k, NULL)) != SCIM_OK)
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
			if (wo->wo_members != NULL && (rc = members_add(wo, t,
			    wo->wo_rid, wo->wo_members)) != SCIM_OK)
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
				rc = members_add(wo, t, wo->wo_rid,
				    mops[i].pm_values);
				break;
			case PATCH_MEMBER_REMOVE:
				rc = members_remove(wo, t, wo->wo_rid,
				    mops[i].pm_values);
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
	wo->wo_new = with_id(canon, id);
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
	if ((rc = set_meta(t, rt, wo->wo_new, wo->wo_old)) != SCIM_OK ||
	    (rc = index_update(t, rq->rq_tenant, rt, wo->wo_rid, wo->wo_old,
	    wo->wo_new, &wo->wo_eb)) != SCIM_OK ||
	    (rc = put_doc(t, rq->rq_tenant, rt, wo->wo_rid, wo->wo_new)) !=
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
		ev.ae_change_id = rq->rq_change_id;
		ev.ae_tenant = rq->rq_tenant;
		ev.ae_initiator = rq->rq_token.ti_name;
		ev.ae_rt = rt;
		ev.ae_method = rq->rq_method_name;
		ev.ae_path = rq->rq_path;
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
		return (audit_write(t, &ev));
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

	memset(&ev, 0, sizeof(ev));
	ev.ae_change_id = rq->rq_change_id;
	ev.ae_tenant = rq->rq_tenant;
	ev.ae_initiator = rq->rq_token.ti_name;
	ev.ae_rt = rq->rq_rt;
	ev.ae_method = rq->rq_method_name;
	ev.ae_path = rq->rq_path;
	ev.ae_target_id = rq->rq_id;
	ev.ae_old = wo->wo_old;
	ev.ae_new = wo->wo_kind == WRITE_CREATE ? wo->wo_doc : NULL;
	ev.ae_action = intended_action(wo);
	ev.ae_status = AUDIT_FAILURE;
	ev.ae_http_status = scim_err_status(rc);
	ev.ae_scim_type = scim_err_type(rc);
	ev.ae_reason = wo->wo_eb.eb_msg[0] ? wo->wo_eb.eb_msg :
	    scim_err_text(rc);
	ev.ae_start = rq->rq_start;
	if (audit_write(t, &ev) != SCIM_OK)
		log_warnx("%s: could not record failure of %s", __func__,
		    rq->rq_change_id);
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
	patch_free(wo->wo_patch);
	free(wo);
}

/*
 * The response document: stored doc plus meta.location, derived
 * Group.members / User.groups when the projection wants them, projected.
 */
static int
render(struct store_txn *t, struct request *rq, uint64_t rid,
    struct json_object *doc, struct json_object **out)
{
	const struct resource_type	*rt = rq->rq_rt;
	struct json_object		*full, *meta, *om, *arr;
	struct idset			 gs = { NULL, 0, 0 };
	struct collect			 c;
	const struct schema_attr	*a;
	const char			*id = jsonutil_get_str(doc, "id");
	char				*loc;
	size_t				 i;
	int				 rc = SCIM_OK;

	*out = NULL;
	full = with_id(doc, id != NULL ? id : "");
	meta = json_object_new_object();
	if (json_object_object_get_ex(doc, "meta", &om)) {
		struct json_object_iterator it = json_object_iter_begin(om);
		struct json_object_iterator end = json_object_iter_end(om);

		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it))
			json_object_object_add(meta,
			    json_object_iter_peek_name(&it), json_object_get(
			    json_object_iter_peek_value(&it)));
	}
	loc = location_of(rq, rt, id != NULL ? id : "");
	json_object_object_add(meta, "location", json_object_new_string(loc));
	free(loc);
	json_object_object_add(full, "meta", meta);

	if (rt->rt_tag == RT_TAG_GROUP) {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "members", 7);
		if (projection_wants(rq->rq_proj, rt, a)) {
			c.c_txn = t;
			c.c_tenant = rq->rq_tenant;
			c.c_base = rq->rq_base;
			c.c_filter = NULL;
			c.c_out = json_object_new_array();
			c.c_ids = NULL;
			rc = member_each(t, rq->rq_tenant, rid, 0, 0,
			    collect_member, &c);
			json_object_object_add(full, "members", c.c_out);
		}
	} else {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "groups", 6);
		if (projection_wants(rq->rq_proj, rt, a) &&
		    (rc = member_groups(t, rq->rq_tenant, rt->rt_tag, rid,
		    &gs)) == SCIM_OK && gs.is_n > 0) {
			arr = json_object_new_array();
			for (i = 0; i < gs.is_n; i++) {
				struct json_object *m = member_object(t,
				    rq->rq_tenant, RT_TAG_GROUP, gs.is_v[i],
				    rq->rq_base);
				if (m == NULL)
					continue;
				json_object_object_add(m, "type",
				    json_object_new_string("direct"));
				json_object_array_add(arr, m);
			}
			json_object_object_add(full, "groups", arr);
		}
		idset_free(&gs);
	}
	if (rc != SCIM_OK) {
		json_object_put(full);
		return (rc);
	}
	*out = projection_apply(rq->rq_proj, rt, full);
	json_object_put(full);
	return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
}

static int
parse_projection(struct request *rq, const char *attrs, const char *excl)
{
	struct scim_errbuf	eb;

	eb.eb_msg[0] = '\0';
	return (projection_parse(rq->rq_rt, attrs, excl, &rq->rq_proj, &eb));
}

/* Reply with the resource as it is now (after a write was committed). */
static void
reply_resource(struct request *rq, int status, uint64_t rid,
    struct json_object *doc)
{
	struct store_txn	*t;
	struct json_object	*out = NULL;
	char			*loc = NULL;
	int			 rc;

	if ((rc = store_begin(server_store, 0, &t)) != SCIM_OK) {
		server_reply_error(rq, rc, NULL);
		return;
	}
	rc = render(t, rq, rid, doc, &out);
	store_abort(t);
	if (rc != SCIM_OK) {
		server_reply_error(rq, rc, NULL);
		return;
	}
	if (status == 201)
		loc = location_of(rq, rq->rq_rt, jsonutil_get_str(doc, "id"));
	server_reply_json(rq, status, out, version_of(doc), loc);
	free(loc);
	json_object_put(out);
}

static void
write_done(struct commit_op *op, int rc)
{
	struct write_op	*wo = (struct write_op *)op;
	struct request	*rq = wo->wo_rq;
	int		 status;

	if (rc != SCIM_OK)
		server_reply_error(rq, rc, wo->wo_eb.eb_msg);
	else if (wo->wo_kind == WRITE_DELETE)
		server_reply_empty(rq, 204, NULL);
	else if (wo->wo_kind == WRITE_CREATE)
		reply_resource(rq, 201, wo->wo_rid, wo->wo_new);
	else {
		status = 200;
		if (wo->wo_kind == WRITE_PATCH) {
			/* Entra prefers 204 for groups; users per config */
			if (rq->rq_rt->rt_tag == RT_TAG_GROUP &&
			    server_param(rq, "attributes") == NULL &&
			    server_param(rq, "excludedAttributes") == NULL)
				status = 204;
			else if (rq->rq_rt->rt_tag == RT_TAG_USER)
				status = server_conf->cf_patch_status;
		}
		if (status == 204)
			server_reply_empty(rq, 204, version_of(wo->wo_new));
		else
			reply_resource(rq, 200, wo->wo_rid, wo->wo_new);
	}
	write_op_free(wo);
}

static struct write_op *
write_op_new(struct request *rq, enum write_kind kind)
{
	struct write_op	*wo = xcalloc(1, sizeof(*wo));

	wo->wo_rq = rq;
	wo->wo_kind = kind;
	wo->wo_op.co_apply = write_apply;
	wo->wo_op.co_failed = write_failed;
	wo->wo_op.co_done = write_done;
	return (wo);
}

/* Validation failed before queueing: still record the attempt. */
static int
fail_apply(struct store_txn *t, struct commit_op *op)
{
	struct write_op	*wo = (struct write_op *)op;

	write_failed(t, op, wo->wo_err);
	return (SCIM_OK);
}

static void
fail_done(struct commit_op *op, int rc)
{
	struct write_op	*wo = (struct write_op *)op;

	server_reply_error(wo->wo_rq, rc != SCIM_OK ? rc : wo->wo_err,
	    wo->wo_eb.eb_msg);
	write_op_free(wo);
}

static void
write_reject(struct write_op *wo, int err)
{
	wo->wo_op.co_apply = fail_apply;
	wo->wo_op.co_failed = NULL;
	wo->wo_op.co_done = fail_done;
	wo->wo_err = err;
	commit_submit(&wo->wo_op);
}

/* Validate a POST/PUT body into wo_doc (and wo_members for groups). */
static int
prepare_body(struct write_op *wo)
{
	struct request		*rq = wo->wo_rq;
	struct json_object	*doc = NULL, *m;
	int			 rc;

	if (rq->rq_body == NULL)
		return (scim_err_set(&wo->wo_eb, SCIM_ESYNTAX,
		    "a request body is required"));
	rc = validate_resource(rq->rq_rt, rq->rq_body,
	    rq->rq_rt->rt_tag == RT_TAG_GROUP ? VALIDATE_KEEP_EXTERNAL : 0,
	    &doc, &wo->wo_eb);
	if (rc != SCIM_OK)
		return (rc);
	if (json_object_object_get_ex(doc, "members", &m)) {
		wo->wo_members = json_object_get(m);
		json_object_object_del(doc, "members");
	}
	wo->wo_doc = doc;
	return (SCIM_OK);
}

void
resource_create(struct request *rq)
{
	struct write_op		*wo = write_op_new(rq, WRITE_CREATE);
	struct json_object	*doc;
	char			 id[SCIM_ID_MAX];
	int			 rc;

	if ((rc = prepare_body(wo)) != SCIM_OK) {
		write_reject(wo, rc);
		return;
	}
	if ((rc = parse_projection(rq, server_param(rq, "attributes"),
	    server_param(rq, "excludedAttributes"))) != SCIM_OK) {
		write_reject(wo, rc);
		return;
	}
	util_uuid(id);
	doc = with_id(wo->wo_doc, id);
	json_object_put(wo->wo_doc);
	wo->wo_doc = doc;
	commit_submit(&wo->wo_op);
}

void
resource_replace(struct request *rq)
{
	struct write_op	*wo = write_op_new(rq, WRITE_REPLACE);
	int		 rc;

	if ((rc = prepare_body(wo)) != SCIM_OK ||
	    (rc = parse_projection(rq, server_param(rq, "attributes"),
	    server_param(rq, "excludedAttributes"))) != SCIM_OK) {
		write_reject(wo, rc);
		return;
	}
	commit_submit(&wo->wo_op);
}

void
resource_patch(struct request *rq)
{
	struct write_op	*wo = write_op_new(rq, WRITE_PATCH);
	int		 rc;

	if (rq->rq_body == NULL)
		rc = scim_err_set(&wo->wo_eb, SCIM_ESYNTAX,
		    "a request body is required");
	else
		rc = patch_parse(rq->rq_body, rq->rq_rt,
		    &server_conf->cf_filter, server_conf->cf_max_patch_ops,
		    &wo->wo_patch, &wo->wo_eb);
	if (rc == SCIM_OK)
		rc = parse_projection(rq, server_param(rq, "attributes"),
		    server_param(rq, "excludedAttributes"));
	if (rc != SCIM_OK) {
		write_reject(wo, rc);
		return;
	}
	commit_submit(&wo->wo_op);
}

void
resource_delete(struct request *rq)
{
	commit_submit(&write_op_new(rq, WRITE_DELETE)->wo_op);
}

void
resource_get(struct request *rq)
{
	struct store_txn	*t = NULL;
	struct json_object	*doc = NULL, *out = NULL;
	struct scim_errbuf	 eb;
	const char		*inm, *ver;
	uint64_t		 rid;
	int			 rc;

	eb.eb_msg[0] = '\0';
	if ((rc = parse_projection(rq, server_param(rq, "attributes"),
	    server_param(rq, "excludedAttributes"))) != SCIM_OK)
		goto fail;
	if ((rc = store_begin(server_store, 0, &t)) != SCIM_OK)
		goto fail;
	if ((rc = lookup_id(t, rq->rq_tenant, rq->rq_id, rq->rq_rt, NULL,
	    &rid)) != SCIM_OK) {
		if (rc == SCIM_ENOTFOUND)
			snprintf(eb.eb_msg, sizeof(eb.eb_msg),
			    "%s %.64s not found", rq->rq_rt->rt_name,
			    rq->rq_id);
		goto fail;
	}
	if ((rc = query_load(t, rq->rq_tenant, rq->rq_rt, rid, &doc)) !=
	    SCIM_OK)
		goto fail;
	ver = version_of(doc);
	if ((inm = server_header(rq, "If-None-Match")) != NULL &&
	    etag_matches(inm, ver)) {
		store_abort(t);
		server_reply_empty(rq, 304, ver);
		json_object_put(doc);
		return;
	}
	if ((rc = render(t, rq, rid, doc, &out)) != SCIM_OK)
		goto fail;
	store_abort(t);
	server_reply_json(rq, 200, out, ver, NULL);
	json_object_put(out);
	json_object_put(doc);
	return;
 fail:
	store_abort(t);
	json_object_put(doc);
	server_reply_error(rq, rc, eb.eb_msg);
}

/* List parameters, from the query string or a .search body. */
struct list_params {
	const char	*lp_filter;
	const char	*lp_sort_by;
	const char	*lp_sort_order;
	const char	*lp_start;
	const char	*lp_count;
	char		*lp_attrs;	/* owned */
	char		*lp_excl;	/* owned */
};

/* Comma-joined copy of a .search array of strings (or a string). */
static int
join_list(struct json_object *v, char **out)
{
	size_t	i, n, len = 0;
	char	*s;

	*out = NULL;
	if (v == NULL)
		return (SCIM_OK);
	if (json_object_is_type(v, json_type_string)) {
		*out = xstrdup(json_object_get_string(v));
		return (SCIM_OK);
	}
	if (!json_object_is_type(v, json_type_array))
		return (SCIM_EINVAL);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string))
			return (SCIM_EINVAL);
		len += strlen(json_object_get_string(e)) + 1;
	}
	s = xcalloc(1, len + 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(s, ",", len + 1);
		strlcat(s, json_object_get_string(json_object_array_get_idx(v,
		    i)), len + 1);
	}
	*out = s;
	return (SCIM_OK);
}

/* Parse a non-negative decimal; SCIM_EINVAL when s is not one. */
static int
parse_count(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return (SCIM_EINVAL);
	*out = v;
	return (SCIM_OK);
}

static int
search_params(struct request *rq, struct list_params *lp,
    struct scim_errbuf *eb, struct json_object **keep)
{
	struct json_object	*b = rq->rq_body, *v;
	static char		 nbuf[2][32];

	*keep = NULL;
	if (b == NULL || !json_object_is_type(b, json_type_object))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "a SearchRequest body is required"));
	*keep = json_object_get(b);
#define STRPARAM(name, field)						\
	if ((v = jsonutil_get(b, name, NULL)) != NULL) {		\
		if (!json_object_is_type(v, json_type_string))		\
			return (scim_err_set(eb, SCIM_EINVAL,		\
			    "%s must be a string", name));		\
		lp->field = json_object_get_string(v);			\
	}
	STRPARAM("filter", lp_filter);
	STRPARAM("sortBy", lp_sort_by);
	STRPARAM("sortOrder", lp_sort_order);
#undef STRPARAM
	if ((v = jsonutil_get(b, "startIndex", NULL)) != NULL) {
		if (!json_object_is_type(v, json_type_int))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "startIndex must be an integer"));
		snprintf(nbuf[0], sizeof(nbuf[0]), "%lld",
		    (long long)json_object_get_int64(v));
		lp->lp_start = nbuf[0];
	}
	if ((v = jsonutil_get(b, "count", NULL)) != NULL) {
		if (!json_object_is_type(v, json_type_int))
			return (scim_err_set(eb, SCIM_EINVAL,
			    "count must be an integer"));
		snprintf(nbuf[1], sizeof(nbuf[1]), "%lld",
		    (long long)json_object_get_int64(v));
		lp->lp_count = nbuf[1];
	}
	if (join_list(jsonutil_get(b, "attributes", NULL), &lp->lp_attrs) !=
	    SCIM_OK || join_list(jsonutil_get(b, "excludedAttributes", NULL),
	    &lp->lp_excl) != SCIM_OK)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attributes must be an array of strings"));
	return (SCIM_OK);
}

void
resource_list(struct request *rq)
{
	struct list_params	 lp;
	struct query		 q;
	struct query_result	 r;
	struct schema_path	 sort;
	struct filter		*f = NULL;
	struct store_txn	*t = NULL;
	struct json_object	*list = NULL, *res, *sch, *one, *keep = NULL;
	struct scim_errbuf	 eb;
	long long		 start = 1, count;
	size_t			 i;
	int			 rc;

	memset(&lp, 0, sizeof(lp));
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	eb.eb_msg[0] = '\0';
	count = server_conf->cf_page_size;
	if (rq->rq_method == SM_POST) {
		if ((rc = search_params(rq, &lp, &eb, &keep)) != SCIM_OK)
			goto fail;
	} else {
		lp.lp_filter = server_param(rq, "filter");
		lp.lp_sort_by = server_param(rq, "sortBy");
		lp.lp_sort_order = server_param(rq, "sortOrder");
		lp.lp_start = server_param(rq, "startIndex");
		lp.lp_count = server_param(rq, "count");
		if (server_param(rq, "attributes") != NULL)
			lp.lp_attrs = xstrdup(server_param(rq, "attributes"));
		if (server_param(rq, "excludedAttributes") != NULL)
			lp.lp_excl = xstrdup(server_param(rq,
			    "excludedAttributes"));
	}
	if (lp.lp_start != NULL && parse_count(lp.lp_start, &start) != SCIM_OK) {
		rc = scim_err_set(&eb, SCIM_EINVAL,
		    "startIndex must be an integer");
		goto fail;
	}
	if (lp.lp_count != NULL && parse_count(lp.lp_count, &count) != SCIM_OK) {
		rc = scim_err_set(&eb, SCIM_EINVAL, "count must be an integer");
		goto fail;
	}
	if (start < 1)
		start = 1;
	if (count < 0)
		count = 0;
	if (count > server_conf->cf_max_page_size)
		count = server_conf->cf_max_page_size;
	if (lp.lp_filter != NULL && (rc = filter_parse(lp.lp_filter,
	    strlen(lp.lp_filter), rq->rq_rt, &server_conf->cf_filter, &f,
	    &eb)) != SCIM_OK)
		goto fail;
	if (lp.lp_sort_by != NULL && *lp.lp_sort_by != '\0') {
		if (schema_resolve(rq->rq_rt, lp.lp_sort_by,
		    strlen(lp.lp_sort_by), &sort) != SCIM_OK ||
		    sort.sp_attr == NULL) {
			rc = scim_err_set(&eb, SCIM_EINVAL,
			    "sortBy: unknown attribute \"%.64s\"",
			    lp.lp_sort_by);
			goto fail;
		}
		q.q_sort = &sort;
	}
	if (lp.lp_sort_order != NULL) {
		if (strcasecmp(lp.lp_sort_order, "descending") == 0)
			q.q_desc = 1;
		else if (strcasecmp(lp.lp_sort_order, "ascending") != 0) {
			rc = scim_err_set(&eb, SCIM_EINVAL,
			    "sortOrder must be ascending or descending");
			goto fail;
		}
	}
	if ((rc = parse_projection(rq, lp.lp_attrs, lp.lp_excl)) != SCIM_OK)
		goto fail;
	q.q_rt = rq->rq_rt;
	q.q_tenant = rq->rq_tenant;
	q.q_filter = f;
	q.q_start = (size_t)start;
	q.q_count = (size_t)count;
	if ((rc = store_begin(server_store, 0, &t)) != SCIM_OK)
		goto fail;
	if ((rc = query_run(t, &q, &r, &eb)) != SCIM_OK)
		goto fail;
	list = json_object_new_object();
	sch = json_object_new_array();
	json_object_array_add(sch, json_object_new_string(SCIM_MSG_LIST));
	json_object_object_add(list, "schemas", sch);
	json_object_object_add(list, "totalResults",
	    json_object_new_int64((int64_t)r.qr_total));
	json_object_object_add(list, "itemsPerPage",
	    json_object_new_int64((int64_t)r.qr_n));
	json_object_object_add(list, "startIndex",
	    json_object_new_int64(start));
	res = json_object_new_array();
	for (i = 0; i < r.qr_n; i++) {
		if ((rc = render(t, rq, r.qr_rids[i], r.qr_docs[i], &one)) !=
		    SCIM_OK)
			goto fail;
		json_object_array_add(res, one);
	}
	json_object_object_add(list, "Resources", res);
	store_abort(t);
	t = NULL;
	server_reply_json(rq, 200, list, NULL, NULL);
	goto done;
 fail:
	store_abort(t);
	server_reply_error(rq, rc, eb.eb_msg);
 done:
	json_object_put(list);
	json_object_put(keep);
	query_result_free(&r);
	filter_free(f);
	free(lp.lp_attrs);
	free(lp.lp_excl);
}
