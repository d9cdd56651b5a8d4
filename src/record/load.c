/* Inserting exported resources with their ids (scimctl import). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "index.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "load.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/* The number in W/"hex" (what record_set_meta writes), or 0. */
static uint64_t
version_number(const char *v)
{
	unsigned long long	n;
	char			tail[2];

	if (v == NULL || sscanf(v, "W/\"%16llx%1[\"]", &n, tail) != 2)
		return (0);
	return (n);
}

/* Type from meta.resourceType, else from the core schema in schemas. */
static const struct resource_type *
type_of(struct json_object *in)
{
	struct json_object	*meta, *schemas, *s;
	const char		*name;
	size_t			 i, n;

	if ((meta = jsonutil_get(in, "meta", NULL)) != NULL &&
	    (name = jsonutil_get_str(meta, "resourceType")) != NULL)
		return (schema_type_by_name(name));
	if ((schemas = jsonutil_get(in, "schemas", NULL)) == NULL ||
	    !json_object_is_type(schemas, json_type_array))
		return (NULL);
	n = json_object_array_length(schemas);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(schemas, i);
		name = json_object_get_string(s);
		if (name != NULL && strcmp(name, SCIM_SCHEMA_USER) == 0)
			return (&user_type);
		if (name != NULL && strcmp(name, SCIM_SCHEMA_GROUP) == 0)
			return (&group_type);
	}
	return (NULL);
}

/* Copy meta's times and version when they are well formed. */
static int
keep_meta(const struct resource_type *rt, struct json_object *in,
    struct json_object *doc)
{
	struct json_object	*meta, *m;
	const char		*created, *modified, *version;
	int64_t			 ms;

	if ((meta = jsonutil_get(in, "meta", NULL)) == NULL)
		return (0);
	created = jsonutil_get_str(meta, "created");
	modified = jsonutil_get_str(meta, "lastModified");
	version = jsonutil_get_str(meta, "version");
	if (created == NULL || modified == NULL ||
	    util_time_parse(created, &ms) != 0 ||
	    util_time_parse(modified, &ms) != 0 ||
	    version_number(version) == 0)
		return (0);
	m = json_object_new_object();
	json_object_object_add(m, "resourceType",
	    json_object_new_string(rt->rt_name));
	json_object_object_add(m, "created", json_object_new_string(created));
	json_object_object_add(m, "lastModified",
	    json_object_new_string(modified));
	json_object_object_add(m, "version", json_object_new_string(version));
	json_object_object_add(doc, "meta", m);
	return (1);
}

/*
 * The stored form of an exported line: validated and canonical, with in's
 * id and, when well formed, its meta (else a new one numbered version).
 */
static int
prepare(struct json_object *in, uint64_t version,
    const struct resource_type **rtp, struct json_object **out,
    struct scim_errbuf *eb)
{
	const struct resource_type	*rt;
	struct json_object		*canon = NULL, *doc;
	const char			*id;
	int				 rc;

	*out = NULL;
	if (!json_object_is_type(in, json_type_object))
		return (scim_err_set(eb, SCIM_ESYNTAX, "not a JSON object"));
	if ((rt = type_of(in)) == NULL)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "neither a User nor a Group"));
	id = jsonutil_get_str(in, "id");
	if (id == NULL || strlen(id) != SCIM_ID_LEN || !util_is_uuid(id))
		return (scim_err_set(eb, SCIM_EINVAL, "missing or bad id"));
	if ((rc = validate_resource(rt, in, 0, &canon, eb)) != SCIM_OK)
		return (rc);
	doc = record_with_id(canon, id);
	json_object_put(canon);
	if (!keep_meta(rt, in, doc))
		record_set_meta_version(rt, doc, NULL, version);
	*rtp = rt;
	*out = doc;
	return (SCIM_OK);
}

/* The members of doc that the id map and the indexes read (a new object). */
static struct json_object *
keys_of(struct json_object *doc)
{
	struct json_object_iterator	 it, end;
	struct json_object		*o = json_object_new_object();
	const char			*k;

	it = json_object_iter_begin(doc);
	end = json_object_iter_end(doc);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strcmp(k, "id") == 0 || index_reads(k))
			json_object_object_add(o, k,
			    json_object_get(json_object_iter_peek_value(&it)));
	}
	return (o);
}

int
load_prepare(const char *text, size_t len, uint64_t version,
    struct load_item *li, struct scim_errbuf *eb)
{
	struct json_object	*in = NULL, *doc = NULL, *m;
	const char		*s;
	int			 rc;

	memset(li, 0, sizeof(*li));
	eb->eb_msg[0] = '\0';
	if ((rc = jsonutil_parse(text, len, LOAD_DEPTH, &in, eb)) == SCIM_OK &&
	    (rc = prepare(in, version, &li->li_rt, &doc, eb)) == SCIM_OK) {
		s = jsontext_of(doc, &li->li_len);
		li->li_text = xmalloc(li->li_len + 1);
		memcpy(li->li_text, s, li->li_len + 1);
		li->li_keys = keys_of(doc);
		li->li_version = version_number(record_version(doc));
		if (li->li_rt->rt_tag == RT_TAG_GROUP &&
		    (m = jsonutil_get(in, "members", NULL)) != NULL)
			li->li_members = json_object_get(m);
	}
	json_object_put(doc);
	json_object_put(in);
	return (rc);
}

int
load_insert(struct store_txn *t, uint32_t tenant, const struct load_item *li,
    uint64_t *rid, struct scim_errbuf *eb)
{
	return (record_insert_text(t, tenant, li->li_rt, li->li_keys,
	    li->li_text, li->li_len, rid, eb));
}

void
load_item_free(struct load_item *li)
{
	json_object_put(li->li_keys);
	json_object_put(li->li_members);
	free(li->li_text);
	memset(li, 0, sizeof(*li));
}
