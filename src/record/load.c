/* Inserting exported resources with their ids (scimctl import). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
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
 * id and, when well formed, its meta (else a new one).
 */
static int
prepare(struct store_txn *t, struct json_object *in,
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
	if (!keep_meta(rt, in, doc) &&
	    (rc = record_set_meta(t, rt, doc, NULL)) != SCIM_OK) {
		json_object_put(doc);
		return (rc);
	}
	*rtp = rt;
	*out = doc;
	return (SCIM_OK);
}

int
load_resource(struct store_txn *t, uint32_t tenant, struct json_object *in,
    const struct resource_type **rtp, uint64_t *rid, struct scim_errbuf *eb)
{
	struct json_object	*doc = NULL;
	int			 rc;

	if ((rc = prepare(t, in, rtp, &doc, eb)) == SCIM_OK &&
	    (rc = record_insert(t, tenant, *rtp, doc, rid, eb)) == SCIM_OK)
		rc = store_counter_floor(t, "version",
		    version_number(record_version(doc)));
	json_object_put(doc);
	return (rc);
}
