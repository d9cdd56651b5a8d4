/* Stored records and what follows them: id map, indexes, counts, members. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "keys.h"
#include "log.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "util.h"

int
record_lookup(struct store_txn *t, uint32_t tenant, const char *id,
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

int
record_parse(struct json_tokener *tok, const void *data, size_t len,
    struct json_object **out)
{
	struct json_object	*o;

	*out = NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, data, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		log_warnx("%s: stored document unreadable", __func__);
		return (SCIM_ESTORE);
	}
	*out = o;
	return (SCIM_OK);
}

int
record_raw(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t rid,
    const char **data, size_t *len)
{
	uint8_t			 kb[KEYS_RES_LEN];
	struct store_val	 k = keys_res(kb, tenant, tag, rid), v;
	int			 rc;

	if ((rc = store_get(t, STORE_RES, &k, &v)) != SCIM_OK)
		return (rc);
	*data = v.sv_data;
	*len = v.sv_len;
	return (SCIM_OK);
}

int
record_prefetch(struct store_txn *t, uint32_t tenant, uint8_t tag,
    const uint64_t *rids, size_t n)
{
	struct store_val	*keys;
	uint8_t			*kb;
	size_t			 i;
	int			 rc;

	if (n == 0)
		return (SCIM_OK);
	keys = xcalloc(n, sizeof(*keys));
	kb = xmalloc(n * KEYS_RES_LEN);
	for (i = 0; i < n; i++)
		keys[i] = keys_res(kb + i * KEYS_RES_LEN, tenant, tag,
		    rids[i]);
	rc = store_prefetch(t, STORE_RES, keys, n);
	free(kb);
	free(keys);
	return (rc);
}

int
record_load_with(struct json_tokener *tok, struct store_txn *t,
    uint32_t tenant, uint8_t tag, uint64_t rid, struct json_object **doc)
{
	const char	*data;
	size_t		 len;
	int		 rc;

	*doc = NULL;
	if ((rc = record_raw(t, tenant, tag, rid, &data, &len)) != SCIM_OK)
		return (rc);
	return (record_parse(tok, data, len, doc));
}

int
record_load(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, uint64_t rid, struct json_object **doc)
{
	struct json_tokener	*tok;
	int			 rc;

	*doc = NULL;
	if ((tok = json_tokener_new_ex(SCIM_JSON_DEPTH)) == NULL)
		return (SCIM_ENOMEM);
	rc = record_load_with(tok, t, tenant, rt->rt_tag, rid, doc);
	json_tokener_free(tok);
	return (rc);
}

/* Put id first after schemas, as clients read it: rebuild doc in order. */
struct json_object *
record_with_id(struct json_object *doc, const char *id)
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
record_set_meta(struct store_txn *t, const struct resource_type *rt,
    struct json_object *doc, struct json_object *old)
{
	uint64_t	n;
	int		rc;

	if ((rc = store_next_id(t, "version", &n)) != SCIM_OK)
		return (rc);
	record_set_meta_version(rt, doc, old, n);
	return (SCIM_OK);
}

void
record_set_meta_version(const struct resource_type *rt,
    struct json_object *doc, struct json_object *old, uint64_t version)
{
	struct json_object	*meta, *om, *created = NULL;
	char			 now[40], ver[32];

	util_time_fmt(util_now_ms(), now, sizeof(now));
	snprintf(ver, sizeof(ver), "W/\"%llx\"", (unsigned long long)version);
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
}

const char *
record_version(struct json_object *doc)
{
	struct json_object	*m, *v;

	if (json_object_object_get_ex(doc, "meta", &m) &&
	    json_object_object_get_ex(m, "version", &v))
		return (json_object_get_string(v));
	return (NULL);
}

/* Weak comparison (RFC 9110 section 8.8.3.2): W/ is ignored on both sides. */
int
record_version_matches(const char *hdr, const char *version)
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

/*
 * The record's bytes under T K R: compact JSON, meta last.  A new record's
 * R is the highest yet, so its key is usually the last (STORE_APPEND).
 */
static int
write_bytes(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, uint64_t rid, const char *text,
    size_t len, int flags)
{
	struct store_val	 k, v;
	uint8_t			 kb[KEYS_RES_LEN];

	k = keys_res(kb, tenant, rt->rt_tag, rid);
	v.sv_data = text;
	v.sv_len = len;
	return (store_put(t, STORE_RES, &k, &v, flags));
}

/* A new record; id_flags: how the id is put (STORE_LATE for a new UUID). */
static int
insert(struct store_txn *t, uint32_t tenant, const struct resource_type *rt,
    struct json_object *doc, const char *text, size_t len, uint64_t *rid,
    struct scim_errbuf *eb, int id_flags)
{
	struct store_val	 k, v;
	const char		*id = jsonutil_get_str(doc, "id");
	uint8_t			 kb[KEYS_ID2R_LEN], vb[KEYS_KR_LEN];
	int			 rc;

	/* a new number, the unique keys (indexes, id), then count and bytes */
	if ((rc = store_next_id(t, "rid", rid)) != SCIM_OK)
		return (rc);
	if ((rc = index_update(t, tenant, rt, *rid, NULL, doc, eb)) != SCIM_OK)
		return (rc);
	k = keys_id2r(kb, tenant, id);
	v = keys_kr(vb, rt->rt_tag, *rid);
	/* a clash answered for a UUID just drawn is the indexes' (late) */
	if ((rc = store_put(t, STORE_ID2R, &k, &v, id_flags)) != SCIM_OK)
		return (rc != SCIM_EUNIQUE ? rc : (id_flags & STORE_LATE) ?
		    index_clash(rt, eb) : scim_err_set(eb, rc,
		    "id %s exists already", id));
	if ((rc = record_count(t, tenant, rt->rt_tag, 1)) != SCIM_OK)
		return (rc);
	return (write_bytes(t, tenant, rt, *rid, text, len, STORE_APPEND));
}

/* A UUID just drawn clashes with none: its check may settle later. */
int
record_insert(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, struct json_object *doc,
    const char *text, size_t len, uint64_t *rid, struct scim_errbuf *eb)
{
	return (insert(t, tenant, rt, doc, text, len, rid, eb,
	    STORE_NOOVERWRITE | STORE_LATE));
}

int
record_insert_text(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, struct json_object *doc,
    const char *text, size_t len, uint64_t *rid, struct scim_errbuf *eb)
{
	return (insert(t, tenant, rt, doc, text, len, rid, eb,
	    STORE_NOOVERWRITE));
}

int
record_put(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, uint64_t rid, struct json_object *old,
    struct json_object *new, struct scim_errbuf *eb)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	if ((rc = index_update(t, tenant, rt, rid, old, new, eb)) != SCIM_OK)
		return (rc);
	s = jsontext_of(new, &len);
	return (write_bytes(t, tenant, rt, rid, s, len, 0));
}

int
record_delete(struct store_txn *t, uint32_t tenant,
    const struct resource_type *rt, const char *id, uint64_t rid,
    struct json_object *old, struct scim_errbuf *eb)
{
	struct store_val	k;
	uint8_t			kb[KEYS_ID2R_LEN];
	int			rc;

	if ((rc = index_update(t, tenant, rt, rid, old, NULL, eb)) != SCIM_OK)
		return (rc);
	k = keys_res(kb, tenant, rt->rt_tag, rid);
	if ((rc = store_del(t, STORE_RES, &k, NULL)) != SCIM_OK)
		return (rc);
	k = keys_id2r(kb, tenant, id);
	if ((rc = store_del(t, STORE_ID2R, &k, NULL)) != SCIM_OK ||
	    (rc = record_count(t, tenant, rt->rt_tag, -1)) != SCIM_OK)
		return (rc);
	/* memberships are not in the record: they go with it here */
	if (rt->rt_tag == RT_TAG_GROUP &&
	    (rc = member_clear_group(t, tenant, rid)) != SCIM_OK)
		return (rc);
	return (member_clear_member(t, tenant, rt->rt_tag, rid));
}

int
record_total(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t *n)
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
record_count(struct store_txn *t, uint32_t tenant, uint8_t tag, int delta)
{
	struct store_val	k;
	uint8_t			kb[6];

	k = keys_count(kb, tenant, tag);
	return (store_add(t, STORE_META, &k, delta, NULL));
}

/* The member object a filter on members sees: value, type, display. */
struct json_object *
record_member(struct store_txn *t, uint32_t tenant, uint8_t tag, uint64_t rid,
    const char *base)
{
	const struct resource_type	*rt = schema_type_by_tag(tag);
	struct json_object		*doc = NULL, *m;
	const char			*id, *disp;
	char				*ref;

	if (rt == NULL || record_load(t, tenant, rt, rid, &doc) != SCIM_OK)
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
	disp = jsonutil_get_str(doc, "displayName");
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

	m = record_member(c->c_txn, c->c_tenant, tag, rid, c->c_base);
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

/* Walk grid's members from skip (at most max) into c's arrays. */
static int
collect(struct store_txn *t, uint32_t tenant, uint64_t grid, size_t skip,
    size_t max, struct collect *c)
{
	c->c_txn = t;
	c->c_tenant = tenant;
	c->c_out = json_object_new_array();
	c->c_ids = c->c_filter != NULL ? json_object_new_array() : NULL;
	return (member_each(t, tenant, grid, skip, max, collect_member, c));
}

int
record_members(struct store_txn *t, uint32_t tenant, uint64_t grid,
    const char *base, size_t skip, size_t max, struct json_object **objs)
{
	struct collect	c;
	int		rc;

	c.c_base = base;
	c.c_filter = NULL;
	rc = collect(t, tenant, grid, skip, max, &c);
	*objs = c.c_out;
	return (rc);
}

int
record_members_matching(struct store_txn *t, uint32_t tenant, uint64_t grid,
    const struct filter *f, struct json_object **objs,
    struct json_object **pairs)
{
	struct collect	c;
	int		rc;

	c.c_base = NULL;
	c.c_filter = f;
	rc = collect(t, tenant, grid, 0, 0, &c);
	*objs = c.c_out;
	*pairs = c.c_ids;
	return (rc);
}
