/*
 * Records rendered for a reply.  The stored record lacks what depends on
 * the request (meta.location) and what is kept apart from it (Group.members
 * and User.groups, in the membership databases); both are added here, then
 * the projection is applied.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "index.h"
#include "jsonutil.h"
#include "log.h"
#include "member.h"
#include "projection.h"
#include "record.h"
#include "render.h"
#include "request.h"
#include "schema.h"
#include "util.h"

char *
render_location(const char *base, const struct resource_type *rt,
    const char *id)
{
	char	*s;

	if (asprintf(&s, "%s/%s/%s", base, rt->rt_endpoint, id) == -1)
		fatal("asprintf");
	return (s);
}

/*
 * Group.members.  A group may have hundreds of thousands of members, so
 * GET /Groups/{id} takes members.startIndex (1-based) and members.count to
 * read them in pages, in a stable (storage) order.
 */
static int
render_members(struct store_txn *t, struct request *rq, uint64_t grid,
    struct json_object *full)
{
	struct json_object	*arr;
	const char		*s;
	char			*end;
	size_t			 skip = 0, max = 0;
	long long		 v;
	int			 rc = SCIM_OK;

	if ((s = request_param(rq, "members.startIndex")) != NULL &&
	    (v = strtoll(s, &end, 10)) > 1 && *end == '\0')
		skip = (size_t)(v - 1);
	if ((s = request_param(rq, "members.count")) != NULL &&
	    (v = strtoll(s, &end, 10)) >= 0 && *end == '\0')
		max = v > 0 ? (size_t)v : 0;
	if (s != NULL && max == 0)
		arr = json_object_new_array();	/* members.count=0: none */
	else
		rc = record_members(t, rq->rq_tenant, grid, rq->rq_base, skip,
		    max, &arr);
	json_object_object_add(full, "members", arr);
	return (rc);
}

/* User.groups: the groups rid is a direct member of, when there are any. */
static int
render_groups(struct store_txn *t, struct request *rq,
    const struct resource_type *rt, uint64_t rid, struct json_object *full)
{
	struct idset		 gs = { NULL, 0, 0 };
	struct json_object	*arr, *m;
	size_t			 i;
	int			 rc;

	if ((rc = member_groups(t, rq->rq_tenant, rt->rt_tag, rid, &gs)) ==
	    SCIM_OK && gs.is_n > 0) {
		arr = json_object_new_array();
		for (i = 0; i < gs.is_n; i++) {
			m = record_member(t, rq->rq_tenant, RT_TAG_GROUP,
			    gs.is_v[i], rq->rq_base);
			if (m == NULL)
				continue;
			json_object_object_add(m, "type",
			    json_object_new_string("direct"));
			json_object_array_add(arr, m);
		}
		json_object_object_add(full, "groups", arr);
	}
	idset_free(&gs);
	return (rc);
}

/* doc in the order clients read it, meta.location added. */
static struct json_object *
with_location(struct request *rq, const struct resource_type *rt,
    struct json_object *doc)
{
	struct json_object		*full, *meta, *om;
	struct json_object_iterator	 it, end;
	const char			*id = jsonutil_get_str(doc, "id");
	char				*loc;

	full = record_with_id(doc, id != NULL ? id : "");
	meta = json_object_new_object();
	if (json_object_object_get_ex(doc, "meta", &om)) {
		it = json_object_iter_begin(om);
		end = json_object_iter_end(om);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it))
			json_object_object_add(meta,
			    json_object_iter_peek_name(&it), json_object_get(
			    json_object_iter_peek_value(&it)));
	}
	loc = render_location(rq->rq_base, rt, id != NULL ? id : "");
	json_object_object_add(meta, "location", json_object_new_string(loc));
	free(loc);
	json_object_object_add(full, "meta", meta);
	return (full);
}

/* full (a reference taken) under rq's projection, as *out. */
static int
project(struct request *rq, const struct resource_type *rt,
    struct json_object *full, struct json_object **out)
{
	*out = projection_apply(rq->rq_proj, rt, full);
	json_object_put(full);
	return (*out != NULL ? SCIM_OK : SCIM_ENOMEM);
}

int
render_resource(struct store_txn *t, struct request *rq,
    const struct resource_type *rt, uint64_t rid, struct json_object *doc,
    struct json_object **out)
{
	struct json_object		*full;
	const struct schema_attr	*a;
	int				 rc = SCIM_OK;

	*out = NULL;
	full = with_location(rq, rt, doc);
	if (rt->rt_tag == RT_TAG_GROUP) {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "members", 7);
		if (projection_wants(rq->rq_proj, rt, a))
			rc = render_members(t, rq, rid, full);
	} else {
		a = schema_attr_find(rt->rt_schema->sc_attrs, "groups", 6);
		if (projection_wants(rq->rq_proj, rt, a))
			rc = render_groups(t, rq, rt, rid, full);
	}
	if (rc != SCIM_OK) {
		json_object_put(full);
		return (rc);
	}
	return (project(rq, rt, full, out));
}

int
render_new_user(struct request *rq, const struct resource_type *rt,
    struct json_object *doc, struct json_object **out)
{
	return (project(rq, rt, with_location(rq, rt, doc), out));
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
	const char		*m = NULL;
	size_t			 i, closes = 0;

	if (len < sizeof(key) + 2 || doc[len - 1] != '}' || doc[len - 2] != '}')
		return (NULL);
	/* the last one, from the end: meta is the last member */
	for (i = len - (sizeof(key) - 1) + 1; m == NULL && i-- > 0;)
		if (doc[i] == '"' && memcmp(doc + i, key, sizeof(key) - 1) == 0)
			m = doc + i;
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

/* meta.version (JSON W/\"n\") from the tail, unescaped for the header. */
static void
raw_etag(const char *tail, const char *docend, char *etag, size_t etaglen)
{
	static const char	 vkey[] = "\"version\":\"";
	const char		*vp;
	size_t			 n;

	etag[0] = '\0';
	if ((vp = memmem(tail, (size_t)(docend - tail), vkey,
	    sizeof(vkey) - 1)) == NULL)
		return;
	vp += sizeof(vkey) - 1;
	for (n = 0; vp < docend && *vp != '"' && n + 1 < etaglen; vp++) {
		if (*vp == '\\')
			vp++;
		etag[n++] = *vp;
	}
	etag[n] = '\0';
}

/* {... "version":"X"}} + ,"location":"L"}}, or 0 when L needs escaping. */
static int
raw_splice(struct request *rq, const struct resource_type *rt,
    const char *doc, size_t len, const char *id, char **out, size_t *outlen)
{
	char	*loc, *buf, idbuf[SCIM_ID_MAX];
	size_t	 llen;

	memcpy(idbuf, id, SCIM_ID_LEN);
	idbuf[SCIM_ID_LEN] = '\0';
	loc = render_location(rq->rq_base, rt, idbuf);
	llen = strlen(loc);
	if (strchr(loc, '"') != NULL || strchr(loc, '\\') != NULL) {
		free(loc);	/* needs JSON escaping: leave it to json-c */
		return (0);
	}
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
	*out = buf;
	return (1);
}

int
render_text(struct request *rq, const struct resource_type *rt,
    const char *doc, size_t len, char **out, size_t *outlen, char *etag,
    size_t etaglen)
{
	const char	*tail, *id;

	if (rt->rt_tag != RT_TAG_USER || !projection_is_default(rq->rq_proj))
		return (0);
	if ((tail = meta_tail(doc, len)) == NULL ||
	    memmem(doc, len, "\"password\"", 10) != NULL)
		return (0);
	if ((id = memmem(doc, len, "\"id\":\"", 6)) == NULL ||
	    (size_t)(doc + len - id) < 6 + SCIM_ID_LEN + 1 ||
	    id[6 + SCIM_ID_LEN] != '"')
		return (0);
	if (!raw_splice(rq, rt, doc, len, id + 6, out, outlen))
		return (0);
	raw_etag(tail, doc + len, etag, etaglen);
	return (1);
}

int
render_raw(struct store_txn *t, struct request *rq,
    const struct resource_type *rt, uint64_t rid, char **out, size_t *outlen,
    char *etag, size_t etaglen)
{
	struct idset		 gs = { NULL, 0, 0 };
	const char		*doc;
	size_t			 len, ngroups;
	int			 rc;

	if (rt->rt_tag != RT_TAG_USER || !projection_is_default(rq->rq_proj))
		return (0);
	if (record_raw(t, rq->rq_tenant, rt->rt_tag, rid, &doc, &len) !=
	    SCIM_OK)
		return (0);
	/* User.groups is derived: only users in no group take this path */
	rc = member_groups(t, rq->rq_tenant, rt->rt_tag, rid, &gs);
	ngroups = gs.is_n;
	idset_free(&gs);
	if (rc != SCIM_OK || ngroups > 0)
		return (0);
	return (render_text(rq, rt, doc, len, out, outlen, etag, etaglen));
}
