/* Stored documents: lookup, meta, member objects and response rendering. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "document.h"
#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "log.h"
#include "member.h"
#include "projection.h"
#include "query.h"
#include "schema.h"
#include "request.h"
#include "store.h"
#include "util.h"

/* meta.location is not stored: it depends on the URL clients use. */
char *
document_location(const char *base, const struct resource_type *rt,
    const char *id)
{
	char	*s;

	if (asprintf(&s, "%s/%s/%s", base, rt->rt_endpoint, id) == -1)
		fatal("asprintf");
	return (s);
}

/* Find resource id of type rt in the tenant: its number, or SCIM_ENOTFOUND. */
int
document_lookup(struct store_txn *t, uint32_t tenant, const char *id,
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
int
document_set_meta(struct store_txn *t, const struct resource_type *rt,
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
struct json_object *
document_with_id(struct json_object *doc, const char *id)
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

int
document_put(struct store_txn *t, uint32_t tenant, const struct resource_type *rt,
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
int
document_etag_matches(const char *hdr, const char *version)
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

const char *
document_version(struct json_object *doc)
{
	struct json_object	*m, *v;

	if (json_object_object_get_ex(doc, "meta", &m) &&
	    json_object_object_get_ex(m, "version", &v))
		return (json_object_get_string(v));
	return (NULL);
}

/* The member object a filter on members sees: value, type, display. */
struct json_object *
document_member(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t rid,
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

static int	collect_member(uint8_t, uint64_t, void *);

int
document_total(struct store_txn *t, uint32_t tenant, uint8_t tag,
    uint64_t *n)
{
	struct store_val	k, v;
	uint8_t			kb[6];
	int			rc;

	*n = 0;
	k = keys_count(kb, tenant, tag);
	rc = store_get(t, STORE_META, &k, &v);
	if (rc == SCIM_OK && v.sv_len == 8)
		*n = util_get_be64(v.sv_data);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
document_count(struct store_txn *t, uint32_t tenant, uint8_t tag, int delta)
{
	struct store_val	k, v;
	uint8_t			kb[6], vb[8];
	uint64_t		n;
	int			rc;

	if ((rc = document_total(t, tenant, tag, &n)) != SCIM_OK)
		return (rc);
	n = delta < 0 && n < (uint64_t)-delta ? 0 : n + (uint64_t)(int64_t)delta;
	k = keys_count(kb, tenant, tag);
	util_put_be64(vb, n);
	v.sv_data = vb;
	v.sv_len = 8;
	return (store_put(t, STORE_META, &k, &v, 0));
}

int
document_members(struct store_txn *t, uint32_t tenant, uint64_t grid,
    const char *base, const struct filter *f, struct json_object **objs,
    struct json_object **pairs)
{
	struct collect	c;
	int		rc;

	c.c_txn = t;
	c.c_tenant = tenant;
	c.c_base = base;
	c.c_filter = f;
	c.c_out = json_object_new_array();
	c.c_ids = f != NULL ? json_object_new_array() : NULL;
	rc = member_each(t, tenant, grid, 0, 0, collect_member, &c);
	*objs = c.c_out;
	if (pairs != NULL)
		*pairs = c.c_ids;
	else
		json_object_put(c.c_ids);
	return (rc);
}

static int
collect_member(uint8_t tag, uint64_t rid, void *arg)
{
	struct collect		*c = arg;
	struct json_object	*m, *pair;

	m = document_member(c->c_txn, c->c_tenant, tag, rid, c->c_base);
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

/*
 * The response document: stored doc plus meta.location, derived
 * Group.members / User.groups when the projection wants them, projected.
 */
/*
 * Group.members for a response.  A group may have hundreds of thousands
 * of members, so GET /Groups/{id} takes members.startIndex (1-based) and
 * members.count to read them in pages, in a stable (storage) order.
 */
static int
render_members(struct store_txn *t, struct request *rq, uint64_t grid,
    struct json_object **arr)
{
	struct collect	 c;
	const char	*s;
	char		*end;
	size_t		 skip = 0, max = 0;
	long long	 v;

	if ((s = request_param(rq, "members.startIndex")) != NULL &&
	    (v = strtoll(s, &end, 10)) > 1 && *end == '\0')
		skip = (size_t)(v - 1);
	if ((s = request_param(rq, "members.count")) != NULL &&
	    (v = strtoll(s, &end, 10)) >= 0 && *end == '\0')
		max = v > 0 ? (size_t)v : 0;
	c.c_txn = t;
	c.c_tenant = rq->rq_tenant;
	c.c_base = rq->rq_base;
	c.c_filter = NULL;
	c.c_out = json_object_new_array();
	c.c_ids = NULL;
	*arr = c.c_out;
	if (s != NULL && max == 0)
		return (SCIM_OK);	/* members.count=0: none */
	return (member_each(t, rq->rq_tenant, grid, skip, max, collect_member,
	    &c));
}

int
document_render(struct store_txn *t, struct request *rq,
    const struct resource_type *rt, uint64_t rid, struct json_object *doc,
    struct json_object **out)
{
	struct json_object		*full, *meta, *om, *arr;
	struct idset			 gs = { NULL, 0, 0 };
	const struct schema_attr	*a;
	const char			*id = jsonutil_get_str(doc, "id");
	char				*loc;
	size_t				 i;
	int				 rc = SCIM_OK;

	*out = NULL;
	full = document_with_id(doc, id != NULL ? id : "");
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
	loc = document_location(rq->rq_base, rt, id != NULL ? id : "");
	json_object_object_add(meta, "location", json_object_new_string(loc));
	free(loc);
	json_object_object_add(full, "meta", meta);

	if (rt->rt_tag == RT_TAG_GROUP) {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "members", 7);
		if (projection_wants(rq->rq_proj, rt, a)) {
			rc = render_members(t, rq, rid, &arr);
			json_object_object_add(full, "members", arr);
		}
	} else {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "groups", 6);
		if (projection_wants(rq->rq_proj, rt, a) &&
		    (rc = member_groups(t, rq->rq_tenant, rt->rt_tag, rid,
		    &gs)) == SCIM_OK && gs.is_n > 0) {
			arr = json_object_new_array();
			for (i = 0; i < gs.is_n; i++) {
				struct json_object *m = document_member(t,
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

/*
 * Stored documents end with their meta object: {"...","meta":{...}}.  meta
 * holds only strings without braces, so the tail after the last "meta":{ has
 * no '{' and exactly the two closing braces.
 */
static const char *
meta_tail(const char *doc, size_t len)
{
	static const char	 key[] = "\"meta\":{";
	const char		*p, *m = NULL;
	size_t			 i, closes = 0;

	if (len < sizeof(key) + 2 || doc[len - 1] != '}' || doc[len - 2] != '}')
		return (NULL);
	for (p = doc; (p = memmem(p, len - (size_t)(p - doc), key,
	    sizeof(key) - 1)) != NULL; p++)
		m = p;
	if (m == NULL)
		return (NULL);
	for (i = (size_t)(m - doc) + sizeof(key) - 1; i < len; i++) {
		if (doc[i] == '{')
			return (NULL);
		if (doc[i] == '}')
			closes++;
	}
	return (closes == 2 ? m : NULL);
}

int
document_raw(struct store_txn *t, struct request *rq,
    const struct resource_type *rt, uint64_t rid, char **out, size_t *outlen,
    char *etag, size_t etaglen)
{
	static const char	 vkey[] = "\"version\":\"";
	struct store_val	 k, v;
	struct idset		 gs = { NULL, 0, 0 };
	const char		*doc, *tail, *vp, *id, *ide;
	uint8_t			 kb[KEYS_RES_LEN];
	char			*loc, *buf, idbuf[SCIM_ID_MAX];
	size_t			 len, llen, n;
	int			 rc;

	if (rt->rt_tag != RT_TAG_USER || !projection_is_default(rq->rq_proj))
		return (0);
	k = keys_res(kb, rq->rq_tenant, rt->rt_tag, rid);
	if (store_get(t, STORE_RES, &k, &v) != SCIM_OK)
		return (0);
	doc = v.sv_data;
	len = v.sv_len;
	if ((tail = meta_tail(doc, len)) == NULL ||
	    memmem(doc, len, "\"password\"", 10) != NULL)
		return (0);
	/* User.groups is derived: only users in no group take this path */
	rc = member_groups(t, rq->rq_tenant, rt->rt_tag, rid, &gs);
	llen = gs.is_n;
	idset_free(&gs);
	if (rc != SCIM_OK || llen > 0)
		return (0);
	if ((id = memmem(doc, len, "\"id\":\"", 6)) == NULL ||
	    (size_t)(doc + len - id) < 6 + SCIM_ID_LEN + 1 ||
	    (ide = id + 6 + SCIM_ID_LEN)[0] != '"')
		return (0);
	memcpy(idbuf, id + 6, SCIM_ID_LEN);
	idbuf[SCIM_ID_LEN] = '\0';
	loc = document_location(rq->rq_base, rt, idbuf);
	llen = strlen(loc);
	if (strchr(loc, '"') != NULL || strchr(loc, '\\') != NULL) {
		free(loc);	/* needs JSON escaping: leave it to json-c */
		return (0);
	}
	/* {... "version":"X"}} + ,"location":"L"}} */
	buf = xmalloc(len + llen + 16);
	memcpy(buf, doc, len - 2);
	*outlen = len - 2;
	memcpy(buf + *outlen, ",\"location\":\"", 13);
	*outlen += 13;
	memcpy(buf + *outlen, loc, llen);
	*outlen += llen;
	memcpy(buf + *outlen, "\"}}", 3);
	*outlen += 3;
	free(loc);
	/* meta.version is W/\"n\" in JSON: unescape it for the header */
	etag[0] = '\0';
	if ((vp = memmem(tail, len - (size_t)(tail - doc), vkey,
	    sizeof(vkey) - 1)) != NULL) {
		vp += sizeof(vkey) - 1;
		for (n = 0; vp < doc + len && *vp != '"' && n + 1 < etaglen;
		    vp++) {
			if (*vp == '\\')
				vp++;
			etag[n++] = *vp;
		}
		etag[n] = '\0';
	}
	*out = buf;
	return (1);
}
