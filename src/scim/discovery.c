/*
 * /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7643 sections 5,
 * 6 and 7; RFC 7644 section 4), built from the schema tables and the
 * configured capabilities.  No null values are emitted (Entra's validator
 * dislikes them).
 */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "discovery.h"
#include "error.h"
#include "schema.h"

#define SCIM_SCHEMA_SPC		\
	"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
#define SCIM_SCHEMA_RT		"urn:ietf:params:scim:schemas:core:2.0:ResourceType"
#define SCIM_SCHEMA_SCHEMA	"urn:ietf:params:scim:schemas:core:2.0:Schema"

#define DISCOVERY_DOC_URI	"https://datatracker.ietf.org/doc/html/rfc7644"

/*
 * Small builders.  Each add_* takes a parent and reports failure as -1; the
 * value built is owned by the parent on success and released on failure, so
 * callers only ever put the top object.
 */
static int
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (v == NULL)
		return (-1);
	if (json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return (-1);
	}
	return (0);
}

static int
push(struct json_object *a, struct json_object *v)
{
	if (v == NULL)
		return (-1);
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return (-1);
	}
	return (0);
}

static int
add_str(struct json_object *o, const char *k, const char *s)
{
	return (add(o, k, json_object_new_string(s)));
}

static int
add_bool(struct json_object *o, const char *k, int b)
{
	return (add(o, k, json_object_new_boolean(b != 0)));
}

static int
add_int(struct json_object *o, const char *k, size_t n)
{
	return (add(o, k, json_object_new_int64(n > INT64_MAX ? INT64_MAX :
	    (int64_t)n)));
}

/* k: [s] */
static int
add_strv1(struct json_object *o, const char *k, const char *s)
{
	struct json_object	*a;

	if ((a = json_object_new_array()) == NULL)
		return (-1);
	if (push(a, json_object_new_string(s)) != 0) {
		json_object_put(a);
		return (-1);
	}
	return (add(o, k, a));
}

/* k: the NULL-terminated list v */
static int
add_strv(struct json_object *o, const char *k, const char *const *v)
{
	struct json_object	*a;

	if ((a = json_object_new_array()) == NULL)
		return (-1);
	for (; *v != NULL; v++)
		if (push(a, json_object_new_string(*v)) != 0) {
			json_object_put(a);
			return (-1);
		}
	return (add(o, k, a));
}

/* "meta": {"resourceType": rtype, "location": base + path + tail} */
static int
add_meta(struct json_object *o, const char *rtype, const char *base,
    const char *path, const char *tail)
{
	struct json_object	*m;
	char			 loc[1024];

	if ((m = json_object_new_object()) == NULL)
		return (-1);
	snprintf(loc, sizeof(loc), "%s%s%s", base != NULL ? base : "", path,
	    tail != NULL ? tail : "");
	if (add_str(m, "resourceType", rtype) != 0 ||
	    add_str(m, "location", loc) != 0) {
		json_object_put(m);
		return (-1);
	}
	return (add(o, "meta", m));
}

/* {"supported": b} plus nothing else, the common SPC shape. */
static struct json_object *
supported(int b)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if (add_bool(o, "supported", b) != 0) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

/* ListResponse holding every element of resources (taken over). */
static struct json_object *
list_response(struct json_object *resources)
{
	struct json_object	*o;
	size_t			 n;

	if (resources == NULL)
		return (NULL);
	n = json_object_array_length(resources);
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(resources);
		return (NULL);
	}
	if (add_strv1(o, "schemas", SCIM_MSG_LIST) != 0 ||
	    add_int(o, "totalResults", n) != 0 ||
	    add_int(o, "itemsPerPage", n) != 0 ||
	    add_int(o, "startIndex", 1) != 0 ||
	    add(o, "Resources", resources) != 0) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

struct json_object *
discovery_spc(const struct discovery_caps *dc, const char *base)
{
	struct json_object	*o, *v, *schemes, *s;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if (add_strv1(o, "schemas", SCIM_SCHEMA_SPC) != 0 ||
	    add_str(o, "documentationUri", DISCOVERY_DOC_URI) != 0 ||
	    add(o, "patch", supported(dc->dc_patch)) != 0)
		goto fail;

	if ((v = supported(dc->dc_bulk)) == NULL ||
	    add(o, "bulk", v) != 0 ||
	    add_int(v, "maxOperations", dc->dc_bulk ?
	    dc->dc_bulk_max_ops : 0) != 0 ||
	    add_int(v, "maxPayloadSize", dc->dc_bulk ?
	    dc->dc_bulk_max_payload : 0) != 0)
		goto fail;

	if ((v = supported(dc->dc_filter)) == NULL ||
	    add(o, "filter", v) != 0 ||
	    add_int(v, "maxResults", dc->dc_filter_max_results) != 0)
		goto fail;

	if (add(o, "changePassword", supported(0)) != 0 ||
	    add(o, "sort", supported(dc->dc_sort)) != 0 ||
	    add(o, "etag", supported(dc->dc_etag)) != 0)
		goto fail;

	/* RFC 9865 section 3: advertised only when cursors are on. */
	if (dc->dc_cursor) {
		if ((v = json_object_new_object()) == NULL ||
		    add(o, "pagination", v) != 0 ||
		    add_bool(v, "cursor", 1) != 0 ||
		    add_bool(v, "index", 1) != 0 ||
		    add_str(v, "defaultPaginationMethod", "index") != 0 ||
		    add_int(v, "defaultPageSize", dc->dc_page_default) != 0 ||
		    add_int(v, "maxPageSize", dc->dc_page_max) != 0 ||
		    add_int(v, "cursorTimeout", dc->dc_cursor_timeout) != 0)
			goto fail;
	}

	if ((schemes = json_object_new_array()) == NULL ||
	    add(o, "authenticationSchemes", schemes) != 0 ||
	    (s = json_object_new_object()) == NULL ||
	    push(schemes, s) != 0 ||
	    add_str(s, "type", "oauthbearertoken") != 0 ||
	    add_str(s, "name", "OAuth Bearer Token") != 0 ||
	    add_str(s, "description",
	    "Authentication scheme using the OAuth Bearer Token Standard") != 0 ||
	    add_str(s, "specUri", "https://www.rfc-editor.org/info/rfc6750") != 0 ||
	    add_bool(s, "primary", 1) != 0)
		goto fail;

	if (add_meta(o, "ServiceProviderConfig", base,
	    "/ServiceProviderConfig", NULL) != 0)
		goto fail;
	return (o);
 fail:
	json_object_put(o);
	return (NULL);
}

/* One ResourceType resource (RFC 7643 6). */
static struct json_object *
resource_type_doc(const struct resource_type *rt, const char *base)
{
	const struct schema *const	*e;
	struct json_object		*o, *exts, *x;
	char				 ep[256];

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	snprintf(ep, sizeof(ep), "/%s", rt->rt_endpoint);
	if (add_strv1(o, "schemas", SCIM_SCHEMA_RT) != 0 ||
	    add_str(o, "id", rt->rt_name) != 0 ||
	    add_str(o, "name", rt->rt_name) != 0 ||
	    add_str(o, "endpoint", ep) != 0 ||
	    add_str(o, "description", rt->rt_desc) != 0 ||
	    add_str(o, "schema", rt->rt_schema->sc_id) != 0)
		goto fail;
	if (rt->rt_exts[0] != NULL) {
		if ((exts = json_object_new_array()) == NULL ||
		    add(o, "schemaExtensions", exts) != 0)
			goto fail;
		for (e = rt->rt_exts; *e != NULL; e++)
			if ((x = json_object_new_object()) == NULL ||
			    push(exts, x) != 0 ||
			    add_str(x, "schema", (*e)->sc_id) != 0 ||
			    add_bool(x, "required", 0) != 0)
				goto fail;
	}
	if (add_meta(o, "ResourceType", base, "/ResourceTypes/",
	    rt->rt_name) != 0)
		goto fail;
	return (o);
 fail:
	json_object_put(o);
	return (NULL);
}

struct json_object *
discovery_resource_types(const char *base)
{
	const struct resource_type *const	*t;
	struct json_object			*arr;

	if ((arr = json_object_new_array()) == NULL)
		return (NULL);
	for (t = schema_types; *t != NULL; t++)
		if (push(arr, resource_type_doc(*t, base)) != 0) {
			json_object_put(arr);
			return (NULL);
		}
	return (list_response(arr));
}

struct json_object *
discovery_resource_type(const char *name, const char *base)
{
	const struct resource_type *const	*t;

	if (name == NULL)
		return (NULL);
	for (t = schema_types; *t != NULL; t++)
		if (strcasecmp((*t)->rt_name, name) == 0)
			return (resource_type_doc(*t, base));
	return (NULL);
}

/* RFC 7643 section 7 names, indexed by the schema.h enums. */
static const char *const mutability_names[] = {
	[SCHEMA_READWRITE] = "readWrite",
	[SCHEMA_READONLY] = "readOnly",
	[SCHEMA_IMMUTABLE] = "immutable",
	[SCHEMA_WRITEONLY] = "writeOnly",
};
static const char *const returned_names[] = {
	[SCHEMA_RET_DEFAULT] = "default",
	[SCHEMA_RET_ALWAYS] = "always",
	[SCHEMA_RET_NEVER] = "never",
	[SCHEMA_RET_REQUEST] = "request",
};
static const char *const uniqueness_names[] = {
	[SCHEMA_UNIQ_NONE] = "none",
	[SCHEMA_UNIQ_SERVER] = "server",
	[SCHEMA_UNIQ_GLOBAL] = "global",
};

static struct json_object	*attrs_doc(const struct schema_attr *);

/* One attribute definition (RFC 7643 7), sub-attributes included. */
static struct json_object *
attr_doc(const struct schema_attr *a)
{
	static const char *const	 ref_default[] = { "external", NULL };
	struct json_object		*o;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if (add_str(o, "name", a->sa_name) != 0 ||
	    add_str(o, "type", schema_type_name(a->sa_type)) != 0 ||
	    add_bool(o, "multiValued", a->sa_multi) != 0 ||
	    add_str(o, "description", a->sa_desc != NULL ? a->sa_desc : "") != 0 ||
	    add_bool(o, "required", a->sa_required) != 0 ||
	    add_bool(o, "caseExact", a->sa_case_exact) != 0)
		goto fail;
	if (a->sa_canon != NULL &&
	    add_strv(o, "canonicalValues", a->sa_canon) != 0)
		goto fail;
	if (a->sa_type == SCHEMA_REFERENCE &&
	    add_strv(o, "referenceTypes", a->sa_reftypes != NULL ?
	    a->sa_reftypes : ref_default) != 0)
		goto fail;
	if (a->sa_type == SCHEMA_COMPLEX && a->sa_subs != NULL &&
	    add(o, "subAttributes", attrs_doc(a->sa_subs)) != 0)
		goto fail;
	if (add_str(o, "mutability", mutability_names[a->sa_mut]) != 0 ||
	    add_str(o, "returned", returned_names[a->sa_returned]) != 0 ||
	    add_str(o, "uniqueness", uniqueness_names[a->sa_uniq]) != 0)
		goto fail;
	return (o);
 fail:
	json_object_put(o);
	return (NULL);
}

static struct json_object *
attrs_doc(const struct schema_attr *table)
{
	struct json_object	*arr;

	if ((arr = json_object_new_array()) == NULL)
		return (NULL);
	for (; table->sa_name != NULL; table++)
		if (push(arr, attr_doc(table)) != 0) {
			json_object_put(arr);
			return (NULL);
		}
	return (arr);
}

/* One Schema resource (RFC 7643 7); common attributes are not listed. */
static struct json_object *
schema_doc(const struct schema *sc, const char *base)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if (add_strv1(o, "schemas", SCIM_SCHEMA_SCHEMA) != 0 ||
	    add_str(o, "id", sc->sc_id) != 0 ||
	    add_str(o, "name", sc->sc_name) != 0 ||
	    add_str(o, "description", sc->sc_desc) != 0 ||
	    add(o, "attributes", attrs_doc(sc->sc_attrs)) != 0 ||
	    add_meta(o, "Schema", base, "/Schemas/", sc->sc_id) != 0) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

static void
add_unique(const struct schema **v, size_t *n, size_t max,
    const struct schema *sc)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (v[i] == sc)
			return;
	if (*n < max)
		v[(*n)++] = sc;
}

/* Every schema once, each core schema followed by its extensions. */
static size_t
all_schemas(const struct schema **v, size_t max)
{
	const struct resource_type *const	*t;
	const struct schema *const		*e;
	size_t					 n = 0;

	for (t = schema_types; *t != NULL; t++) {
		add_unique(v, &n, max, (*t)->rt_schema);
		for (e = (*t)->rt_exts; *e != NULL; e++)
			add_unique(v, &n, max, *e);
	}
	return (n);
}

struct json_object *
discovery_schemas(const char *base)
{
	const struct schema	*v[16];
	struct json_object	*arr;
	size_t			 i, n;

	n = all_schemas(v, sizeof(v) / sizeof(v[0]));
	if ((arr = json_object_new_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (push(arr, schema_doc(v[i], base)) != 0) {
			json_object_put(arr);
			return (NULL);
		}
	return (list_response(arr));
}

struct json_object *
discovery_schema(const char *urn, const char *base)
{
	const struct schema	*v[16];
	size_t			 i, n;

	if (urn == NULL)
		return (NULL);
	n = all_schemas(v, sizeof(v) / sizeof(v[0]));
	for (i = 0; i < n; i++)
		if (strcasecmp(v[i]->sc_id, urn) == 0)
			return (schema_doc(v[i], base));
	return (NULL);
}
