/* Stored records rendered for a reply. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "document.h"
#include "error.h"
#include "index.h"
#include "jsonutil.h"
#include "log.h"
#include "member.h"
#include "projection.h"
#include "record.h"
#include "schema.h"
#include "request.h"
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

/*
 * Group.members for a response.  A group may have hundreds of thousands
 * of members, so GET /Groups/{id} takes members.startIndex (1-based) and
 * members.count to read them in pages, in a stable (storage) order.
 */
static int
render_members(struct store_txn *t, struct request *rq, uint64_t grid,
    struct json_object **arr)
{
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
	if (s != NULL && max == 0) {
		*arr = json_object_new_array();
		return (SCIM_OK);	/* members.count=0: none */
	}
	return (record_members(t, rq->rq_tenant, grid, rq->rq_base, skip, max,
	    arr));
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
	full = record_with_id(doc, id != NULL ? id : "");
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
				struct json_object *m = record_member(t,
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
	struct idset		 gs = { NULL, 0, 0 };
	const char		*doc, *tail, *vp, *id, *ide;
	char			*loc, *buf, idbuf[SCIM_ID_MAX];
	size_t			 len, llen, n;
	int			 rc;

	if (rt->rt_tag != RT_TAG_USER || !projection_is_default(rq->rq_proj))
		return (0);
	if (record_raw(t, rq->rq_tenant, rt->rt_tag, rid, &doc, &len) !=
	    SCIM_OK)
		return (0);
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
