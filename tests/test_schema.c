/* schema.c path resolution and discovery.c documents. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "discovery.h"
#include "error.h"
#include "jsonutil.h"
#include "schema.h"
#include "tap.h"

#define ENT	SCIM_SCHEMA_ENTERPRISE
#define BASE	"https://scim.example.com/scim/v2"

/* Member at a dotted path; numeric parts index arrays. */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char	buf[256], *p, *s, *end;
	long	i;

	strlcpy(buf, path, sizeof(buf));
	for (s = buf; o != NULL && s != NULL; s = p) {
		if ((p = strchr(s, '.')) != NULL)
			*p++ = '\0';
		if (json_object_is_type(o, json_type_array)) {
			i = strtol(s, &end, 10);
			o = *end == '\0' ? json_object_array_get_idx(o,
			    (size_t)i) : NULL;
		} else if (!json_object_object_get_ex(o, s, &o))
			o = NULL;
	}
	return (o);
}

static const char *
str_at(struct json_object *o, const char *path)
{
	struct json_object	*v = at(o, path);

	return (v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL);
}

/* 1 for true, 0 for false, -1 when absent or not a boolean. */
static int
bool_at(struct json_object *o, const char *path)
{
	struct json_object	*v = at(o, path);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return (-1);
	return (json_object_get_boolean(v));
}

static long long
int_at(struct json_object *o, const char *path)
{
	struct json_object	*v = at(o, path);

	return (v != NULL && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : -1);
}

static int
resolve(const struct resource_type *rt, const char *path,
    struct schema_path *sp)
{
	return (schema_resolve(rt, path, strlen(path), sp));
}

static void
test_resolve(void)
{
	struct schema_path	 sp;
	static const char *const bad[] = { "foo", "name.foo", "userName.x",
	    "", ".x", "name.", "urn:foo:bar", ENT ":nosuch",
	    ENT ":manager.nosuch", "members", SCIM_SCHEMA_GROUP ":displayName",
	    SCIM_SCHEMA_USER, ENT "x:department", NULL };
	const char *const	*b;

	is_int(SCIM_OK, resolve(&user_type, "userName", &sp), "userName");
	ok(sp.sp_ext == NULL && sp.sp_sub == NULL &&
	    strcmp(sp.sp_attr->sa_name, "userName") == 0, "... core, no sub");
	is_int(SCIM_OK, resolve(&user_type, "USERNAME", &sp), "USERNAME");
	is_str("userName", sp.sp_attr->sa_name, "... canonical name");
	is_int(SCIM_OK, resolve(&user_type, "name.GivenName", &sp),
	    "name.GivenName");
	ok(strcmp(sp.sp_attr->sa_name, "name") == 0 && sp.sp_sub != NULL &&
	    strcmp(sp.sp_sub->sa_name, "givenName") == 0, "... sub givenName");
	is_int(SCIM_OK, resolve(&user_type, "emails.value", &sp),
	    "emails.value");
	ok(sp.sp_attr->sa_multi && sp.sp_sub != NULL, "... multi with sub");
	is_int(SCIM_OK, resolve(&user_type,
	    "urn:ietf:params:scim:schemas:core:2.0:User:userName", &sp),
	    "core-URN-qualified userName");
	ok(sp.sp_ext == NULL, "... no extension");
	is_int(SCIM_OK, resolve(&user_type,
	    "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.familyName", &sp),
	    "core URN in upper case, with sub-attribute");
	is_int(SCIM_OK, resolve(&user_type, ENT ":department", &sp),
	    "enterprise department");
	ok(sp.sp_ext == &schema_enterprise &&
	    strcmp(sp.sp_attr->sa_name, "department") == 0,
	    "... in the enterprise extension");
	is_int(SCIM_OK, resolve(&user_type, ENT ":manager.value", &sp),
	    "enterprise manager.value");
	ok(sp.sp_sub != NULL && strcmp(sp.sp_sub->sa_name, "value") == 0,
	    "... sub value");
	is_int(SCIM_OK, resolve(&user_type,
	    "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user",
	    &sp), "bare extension URN, any case");
	ok(sp.sp_ext == &schema_enterprise && sp.sp_attr == NULL,
	    "... extension with no attribute");
	is_int(SCIM_OK, resolve(&user_type, "meta.created", &sp),
	    "common meta.created");
	is_int(SCIM_OK, resolve(&user_type, "externalId", &sp),
	    "common externalId");
	is_int(SCIM_OK, resolve(&group_type, "members.value", &sp),
	    "Group members.value");
	ok(sp.sp_attr->sa_flags & SCHEMA_F_EXTERNAL, "... members external");
	is_int(SCIM_OK, schema_resolve(&user_type, "userNameXYZ", 8, &sp),
	    "resolve honours len");
	for (b = bad; *b != NULL; b++)
		is_int(SCIM_EPATH, resolve(&user_type, *b, &sp),
		    "User path \"%s\" is invalidPath", *b);
	is_int(SCIM_EPATH, resolve(&group_type, ENT ":department", &sp),
	    "enterprise path on a Group");

	ok(schema_type_by_endpoint("Users", 5) == &user_type,
	    "type by endpoint Users");
	ok(schema_type_by_name("Group") == &group_type, "type by name Group");
	ok(schema_type_by_tag(RT_TAG_USER) == &user_type, "type by tag");
	ok(schema_ext_find(&user_type, ENT, strlen(ENT)) ==
	    &schema_enterprise, "schema_ext_find");
	ok(schema_ext_find(&group_type, ENT, strlen(ENT)) == NULL,
	    "Group has no enterprise extension");
}

static void
test_spc(void)
{
	struct discovery_caps	 dc;
	struct json_object	*o;

	memset(&dc, 0, sizeof(dc));
	dc.dc_patch = 1;
	dc.dc_filter = 1;
	dc.dc_filter_max_results = 200;
	dc.dc_etag = 1;
	dc.dc_page_default = 100;
	dc.dc_page_max = 1000;
	o = discovery_spc(&dc, BASE);
	ok(o != NULL, "ServiceProviderConfig built");
	is_str("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
	    str_at(o, "schemas.0"), "SPC schemas");
	is_int(1, bool_at(o, "patch.supported"), "patch.supported");
	is_int(0, bool_at(o, "bulk.supported"), "bulk.supported false");
	ok(at(o, "bulk.maxOperations") != NULL &&
	    at(o, "bulk.maxPayloadSize") != NULL, "bulk limits present");
	is_int(1, bool_at(o, "filter.supported"), "filter.supported");
	is_int(200, int_at(o, "filter.maxResults"), "filter.maxResults");
	is_int(0, bool_at(o, "changePassword.supported"),
	    "changePassword unsupported");
	is_int(0, bool_at(o, "sort.supported"), "sort.supported");
	is_int(1, bool_at(o, "etag.supported"), "etag.supported");
	is_str("oauthbearertoken", str_at(o, "authenticationSchemes.0.type"),
	    "bearer token scheme");
	is_str("OAuth Bearer Token", str_at(o, "authenticationSchemes.0.name"),
	    "scheme name");
	is_int(1, bool_at(o, "authenticationSchemes.0.primary"),
	    "scheme primary");
	ok(at(o, "pagination") == NULL, "no pagination block without cursors");
	is_str("ServiceProviderConfig", str_at(o, "meta.resourceType"),
	    "SPC meta.resourceType");
	is_str(BASE "/ServiceProviderConfig", str_at(o, "meta.location"),
	    "SPC meta.location");
	json_object_put(o);

	dc.dc_bulk = 1;
	dc.dc_bulk_max_ops = 50;
	dc.dc_bulk_max_payload = 1048576;
	dc.dc_cursor = 1;
	dc.dc_cursor_timeout = 3600;
	o = discovery_spc(&dc, BASE);
	is_int(50, int_at(o, "bulk.maxOperations"), "bulk.maxOperations");
	is_int(1048576, int_at(o, "bulk.maxPayloadSize"),
	    "bulk.maxPayloadSize");
	is_int(1, bool_at(o, "pagination.cursor"), "pagination.cursor");
	is_int(1, bool_at(o, "pagination.index"), "pagination.index");
	is_str("index", str_at(o, "pagination.defaultPaginationMethod"),
	    "defaultPaginationMethod");
	is_int(100, int_at(o, "pagination.defaultPageSize"),
	    "defaultPageSize");
	is_int(1000, int_at(o, "pagination.maxPageSize"), "maxPageSize");
	is_int(3600, int_at(o, "pagination.cursorTimeout"), "cursorTimeout");
	json_object_put(o);
}

static void
test_resource_types(void)
{
	struct json_object	*o;

	o = discovery_resource_types(BASE);
	ok(o != NULL, "ResourceTypes built");
	is_str(SCIM_MSG_LIST, str_at(o, "schemas.0"), "ListResponse");
	is_int(2, int_at(o, "totalResults"), "two resource types");
	is_int(2, int_at(o, "itemsPerPage"), "itemsPerPage");
	is_int(1, int_at(o, "startIndex"), "startIndex");
	is_str("User", str_at(o, "Resources.0.name"), "User first");
	is_str("/Users", str_at(o, "Resources.0.endpoint"), "User endpoint");
	is_str(SCIM_SCHEMA_USER, str_at(o, "Resources.0.schema"),
	    "User schema");
	is_str(ENT, str_at(o, "Resources.0.schemaExtensions.0.schema"),
	    "enterprise extension");
	is_int(0, bool_at(o, "Resources.0.schemaExtensions.0.required"),
	    "extension not required");
	is_str(BASE "/ResourceTypes/User",
	    str_at(o, "Resources.0.meta.location"), "User meta.location");
	is_str("ResourceType", str_at(o, "Resources.0.meta.resourceType"),
	    "meta.resourceType");
	is_str("/Groups", str_at(o, "Resources.1.endpoint"), "Group endpoint");
	ok(at(o, "Resources.1.schemaExtensions") == NULL,
	    "Group lists no extensions");
	json_object_put(o);

	o = discovery_resource_type("group", BASE);
	is_str("Group", str_at(o, "id"), "ResourceType by name, any case");
	json_object_put(o);
	ok(discovery_resource_type("Device", BASE) == NULL,
	    "unknown ResourceType");
}

/* Count nulls anywhere in o. */
static int
nulls(struct json_object *o)
{
	struct json_object_iterator	it, end;
	size_t				i;
	int				n = 0;

	if (o == NULL)
		return (1);
	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			n += nulls(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it))
			n += nulls(json_object_iter_peek_value(&it));
	}
	return (n);
}

static int
one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return (1);
	return (0);
}

/*
 * Every attribute (recursively) carries the RFC 7643 7 characteristics
 * with valid values; returns the number of bad attributes, diag'ing each.
 */
static int
check_attrs(struct json_object *attrs, int *count)
{
	static const char *const types[] = { "string", "boolean", "decimal",
	    "integer", "dateTime", "binary", "reference", "complex", NULL };
	static const char *const muts[] = { "readOnly", "readWrite",
	    "immutable", "writeOnly", NULL };
	static const char *const rets[] = { "always", "never", "default",
	    "request", NULL };
	static const char *const uniqs[] = { "none", "server", "global", NULL };
	struct json_object	*a;
	const char		*type, *name;
	size_t			 i;
	int			 bad = 0;

	if (attrs == NULL || !json_object_is_type(attrs, json_type_array))
		return (1);
	for (i = 0; i < json_object_array_length(attrs); i++) {
		a = json_object_array_get_idx(attrs, i);
		(*count)++;
		name = str_at(a, "name");
		type = str_at(a, "type");
		if (name == NULL || !one_of(type, types) ||
		    bool_at(a, "multiValued") < 0 ||
		    str_at(a, "description") == NULL ||
		    bool_at(a, "required") < 0 || bool_at(a, "caseExact") < 0 ||
		    !one_of(str_at(a, "mutability"), muts) ||
		    !one_of(str_at(a, "returned"), rets) ||
		    !one_of(str_at(a, "uniqueness"), uniqs) ||
		    (strcmp(type, "reference") == 0 &&
		    at(a, "referenceTypes") == NULL) ||
		    (strcmp(type, "complex") == 0 &&
		    at(a, "subAttributes") == NULL)) {
			diag("bad attribute %s", name != NULL ? name : "?");
			bad++;
		}
		if (at(a, "subAttributes") != NULL)
			bad += check_attrs(at(a, "subAttributes"), count);
	}
	return (bad);
}

/* The attribute definition named name in a Schema resource. */
static struct json_object *
attr_def(struct json_object *schema, const char *name)
{
	struct json_object	*attrs = at(schema, "attributes"), *a;
	size_t			 i;

	for (i = 0; attrs != NULL && i < json_object_array_length(attrs);
	    i++) {
		a = json_object_array_get_idx(attrs, i);
		if (strcmp(str_at(a, "name"), name) == 0)
			return (a);
	}
	return (NULL);
}

static void
test_schemas(void)
{
	struct json_object	*o, *u, *a;
	size_t			 i;
	int			 bad = 0, count = 0;

	o = discovery_schemas(BASE);
	ok(o != NULL, "Schemas built");
	is_int(3, int_at(o, "totalResults"), "three schemas");
	is_str(SCIM_SCHEMA_USER, str_at(o, "Resources.0.id"), "User first");
	is_str(ENT, str_at(o, "Resources.1.id"), "EnterpriseUser second");
	is_str(SCIM_SCHEMA_GROUP, str_at(o, "Resources.2.id"), "Group third");
	is_str("EnterpriseUser", str_at(o, "Resources.1.name"),
	    "enterprise name");
	is_str("urn:ietf:params:scim:schemas:core:2.0:Schema",
	    str_at(o, "Resources.0.schemas.0"), "Schema resource schemas");
	is_str(BASE "/Schemas/" SCIM_SCHEMA_USER,
	    str_at(o, "Resources.0.meta.location"), "Schema meta.location");
	is_str("Schema", str_at(o, "Resources.0.meta.resourceType"),
	    "Schema meta.resourceType");
	is_int(0, nulls(o), "no nulls in /Schemas");
	for (i = 0; i < 3; i++)
		bad += check_attrs(at(json_object_array_get_idx(at(o,
		    "Resources"), i), "attributes"), &count);
	is_int(0, bad, "all %d attributes carry every characteristic", count);
	ok(count > 60, "attributes and sub-attributes listed (%d)", count);

	u = json_object_array_get_idx(at(o, "Resources"), 0);
	a = attr_def(u, "userName");
	is_int(1, bool_at(a, "required"), "userName required");
	is_str("server", str_at(a, "uniqueness"), "userName unique");
	a = attr_def(u, "password");
	is_str("writeOnly", str_at(a, "mutability"), "password writeOnly");
	is_str("never", str_at(a, "returned"), "password never returned");
	a = attr_def(u, "groups");
	is_str("readOnly", str_at(a, "mutability"), "groups readOnly");
	is_int(1, bool_at(a, "multiValued"), "groups multiValued");
	a = attr_def(u, "emails");
	is_str("work", str_at(a, "subAttributes.2.canonicalValues.0"),
	    "emails.type canonicalValues");
	a = attr_def(u, "profileUrl");
	is_str("external", str_at(a, "referenceTypes.0"),
	    "profileUrl referenceTypes");
	ok(attr_def(u, "id") == NULL && attr_def(u, "externalId") == NULL &&
	    attr_def(u, "meta") == NULL, "common attributes not listed");
	a = attr_def(json_object_array_get_idx(at(o, "Resources"), 2),
	    "members");
	ok(a != NULL && str_at(a, "subAttributes.0.name") != NULL,
	    "Group members with subAttributes");
	json_object_put(o);

	o = discovery_schema("URN:ietf:params:scim:schemas:extension:"
	    "enterprise:2.0:user", BASE);
	is_str(ENT, str_at(o, "id"), "Schema by URN, any case");
	is_str("manager", str_at(attr_def(o, "manager"), "name"),
	    "enterprise manager listed");
	json_object_put(o);
	ok(discovery_schema("urn:nope", BASE) == NULL, "unknown schema");
}

int
main(void)
{
	plan_lazy();
	test_resolve();
	test_spc();
	test_resource_types();
	test_schemas();
	return (done_testing());
}
