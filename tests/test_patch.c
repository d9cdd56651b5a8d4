/*
 * PATCH: every body of entra.md sections 4 and 5, the RFC 7644 3.5.2
 * examples, errors, atomicity, member operations and no-op detection.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "jsonutil.h"
#include "patch.h"
#include "schema.h"
#include "tap.h"

#define ENT	SCIM_SCHEMA_ENTERPRISE
#define PO	"{\"schemas\":[\"" SCIM_MSG_PATCH "\"],\"Operations\":["
#define PE	"]}"

static const char user_doc[] =
    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
    "\"id\":\"u1\",\"externalId\":\"ext1\","
    "\"meta\":{\"resourceType\":\"User\","
    "\"created\":\"2024-01-01T00:00:00.000Z\","
    "\"lastModified\":\"2024-01-01T00:00:00.000Z\"},"
    "\"userName\":\"bjensen\","
    "\"name\":{\"givenName\":\"Barbara\",\"familyName\":\"Jensen\","
    "\"formatted\":\"Barbara Jensen\"},"
    "\"displayName\":\"Babs Jensen\",\"active\":true,"
    "\"emails\":[{\"value\":\"bj@example.com\",\"type\":\"work\","
    "\"primary\":true},{\"value\":\"babs@home.example\",\"type\":\"home\"}],"
    "\"phoneNumbers\":[{\"value\":\"555-1234\",\"type\":\"work\"}],"
    "\"" ENT "\":{\"employeeNumber\":\"701984\","
    "\"department\":\"Tour Operations\","
    "\"manager\":{\"value\":\"m1\",\"$ref\":\"../Users/m1\","
    "\"displayName\":\"John Smith\"}}}";

static const char bare_user[] =
    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u2\","
    "\"userName\":\"plain\"}";

static const char group_doc[] =
    "{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
    "\"displayName\":\"Tour Guides\",\"meta\":{\"resourceType\":\"Group\"}}";

/* State of the last run(). */
static struct patch			*cur_p;
static struct json_object		*cur_in, *cur_out;
static const struct patch_member_op	*cur_mops;
static size_t				 cur_nmops;
static struct scim_errbuf		 cur_eb;
static size_t				 cur_maxops;

static struct json_object *
J(const char *s)
{
	struct json_object	*o;
	struct scim_errbuf	 eb;

	if (jsonutil_parse(s, strlen(s), SCIM_JSON_DEPTH, &o, &eb) != SCIM_OK) {
		fprintf(stderr, "bad test JSON: %s: %s\n", eb.eb_msg, s);
		exit(2);
	}
	return (o);
}

static void
reset(void)
{
	patch_free(cur_p);
	json_object_put(cur_in);
	json_object_put(cur_out);
	cur_p = NULL;
	cur_in = cur_out = NULL;
	cur_mops = NULL;
	cur_nmops = 0;
	memset(&cur_eb, 0, sizeof(cur_eb));
}

/* Parse body for rt and apply it to doc; returns the first error. */
static int
run(const struct resource_type *rt, const char *doc, const char *body)
{
	struct json_object	*b;
	int			 rc;

	reset();
	b = J(body);
	rc = patch_parse(b, rt, NULL, cur_maxops, &cur_p, &cur_eb);
	json_object_put(b);
	if (rc != SCIM_OK)
		return (rc);
	cur_in = J(doc);
	rc = patch_apply(cur_p, cur_in, &cur_out, &cur_mops, &cur_nmops,
	    &cur_eb);
	if (rc != SCIM_OK && cur_eb.eb_msg[0] == '\0')
		diag("no detail for error %d", rc);
	return (rc);
}

/* Value at a '/'-separated path ("emails/0/value") in the last output. */
static struct json_object *
at(const char *path)
{
	struct json_object	*o = cur_out;
	char			 buf[256], *s, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf; o != NULL && (tok = strsep(&s, "/")) != NULL;) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return (o);
}

static const char *
sat(const char *path)
{
	struct json_object	*o = at(path);

	return (o != NULL && json_object_is_type(o, json_type_string) ?
	    json_object_get_string(o) : NULL);
}

/* 1 true, 0 false, -1 not a boolean. */
static int
bat(const char *path)
{
	struct json_object	*o = at(path);

	if (o == NULL || !json_object_is_type(o, json_type_boolean))
		return (-1);
	return (json_object_get_boolean(o));
}

static int
nat(const char *path)
{
	struct json_object	*o = at(path);

	if (o == NULL)
		return (-1);
	if (json_object_is_type(o, json_type_array))
		return ((int)json_object_array_length(o));
	if (json_object_is_type(o, json_type_object))
		return (json_object_object_length(o));
	return (-2);
}

/* The output equals want. */
static int
same(const char *want)
{
	struct json_object	*w = J(want);
	int			 eq = json_object_equal(w, cur_out);

	if (!eq)
		diag("got %s", cur_out != NULL ?
		    json_object_to_json_string(cur_out) : "(null)");
	json_object_put(w);
	return (eq);
}

/* The output equals the input: nothing changed. */
static int
unchanged(void)
{
	return (cur_out != NULL && json_object_equal(cur_in, cur_out));
}

/* "value" of member i of member op k. */
static const char *
mval(size_t k, size_t i)
{
	struct json_object	*e, *v;

	if (k >= cur_nmops || cur_mops[k].pm_values == NULL)
		return (NULL);
	e = json_object_array_get_idx(cur_mops[k].pm_values, i);
	if (!json_object_object_get_ex(e, "value", &v))
		return (NULL);
	return (json_object_get_string(v));
}

static int
mlen(size_t k)
{
	if (k >= cur_nmops || cur_mops[k].pm_values == NULL)
		return (-1);
	return ((int)json_object_array_length(cur_mops[k].pm_values));
}

static void
test_entra_users(void)
{
	/* 4.4 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"updatedEmail@microsoft.com\"},"
	    "{\"op\":\"Replace\",\"path\":\"name.familyName\","
	    "\"value\":\"updatedFamilyName\"}" PE), "4.4 multi-valued update");
	is_str("updatedEmail@microsoft.com", sat("emails/0/value"),
	    "4.4 work email replaced");
	is_int(1, bat("emails/0/primary"), "4.4 work email keeps primary");
	is_str("babs@home.example", sat("emails/1/value"), "4.4 home untouched");
	is_str("updatedFamilyName", sat("name/familyName"), "4.4 familyName");
	is_str("Barbara", sat("name/givenName"), "4.4 givenName kept");

	/* 4.5 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"userName\",\"value\":"
	    "\"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com\"}" PE),
	    "4.5 replace userName");
	is_str("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
	    sat("userName"), "4.5 userName set");

	/* 4.6 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Add\",\"path\":\"nickName\",\"value\":\"Babs\"}" PE),
	    "4.6 add nickName");
	is_str("Babs", sat("nickName"), "4.6 nickName set");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"Pvlo\"},"
	    "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"TestBcwqnm@test.microsoft.com\"},"
	    "{\"op\":\"Replace\",\"path\":\"name.givenName\",\"value\":\"Gtfd\"},"
	    "{\"op\":\"Replace\",\"path\":\"name.familyName\",\"value\":\"Pkqf\"},"
	    "{\"op\":\"Replace\",\"path\":\"externalId\",\"value\":\"Eqpj\"},"
	    "{\"op\":\"Replace\",\"path\":\"" ENT ":employeeNumber\","
	    "\"value\":\"Eqpj\"}" PE), "4.6 replace several");
	is_str("Pvlo", sat("displayName"), "4.6 displayName");
	is_str("Gtfd", sat("name/givenName"), "4.6 givenName");
	is_str("Eqpj", sat("externalId"), "4.6 externalId");
	is_str("Eqpj", sat(ENT "/employeeNumber"), "4.6 employeeNumber");
	is_str("Tour Operations", sat(ENT "/department"),
	    "4.6 department kept");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"AdeleV2@contoso.onmicrosoft.com\"},"
	    "{\"op\":\"Replace\",\"path\":\"addresses[type eq \\\"work\\\"]."
	    "formatted\",\"value\":\"18/2111\"},"
	    "{\"op\":\"Add\",\"path\":\"" ENT ":department\",\"value\":\"Retail\"}"
	    PE), "4.6 laravel-scim-server#34 body");
	is_str("work", sat("addresses/0/type"),
	    "4.6 address created with its type");
	is_str("18/2111", sat("addresses/0/formatted"),
	    "4.6 address created with formatted");
	is_int(2, nat("addresses/0"), "4.6 created address has two members");
	is_str("Retail", sat(ENT "/department"), "4.6 department added");

	/* default mapping writes capitalised sub-attributes */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Add\",\"path\":\"emails[type eq \\\"other\\\"].Value\","
	    "\"value\":\"o@x.org\"},"
	    "{\"op\":\"Add\",\"path\":\"addresses[type eq \\\"other\\\"]."
	    "Formatted\",\"value\":\"Elsewhere\"}" PE), "Value/Formatted");
	is_str("o@x.org", sat("emails/2/value"),
	    "emails other created, canonical key");
	is_str("other", sat("emails/2/type"), "emails other type");
	is_str("Elsewhere", sat("addresses/0/formatted"), "address canonical");

	/* 4.7 flag mode */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"TestMhvaes@test.microsoft.com\"},"
	    "{\"op\":\"replace\",\"value\":{\"displayName\":\"Bjfe\","
	    "\"name.givenName\":\"Kkom\",\"name.familyName\":\"Unua\","
	    "\"" ENT ":employeeNumber\":\"Aklq\"}}" PE),
	    "4.7 path-less replace with dotted and URN keys");
	is_str("Kkom", sat("name/givenName"), "4.7 name.givenName is a sub");
	is_str("Unua", sat("name/familyName"), "4.7 name.familyName");
	is_str("Barbara Jensen", sat("name/formatted"), "4.7 name merged");
	ok(at("name.givenName") == NULL, "4.7 no literal dotted key");
	is_str("Aklq", sat(ENT "/employeeNumber"), "4.7 URN key");
	is_str("Bjfe", sat("displayName"), "4.7 displayName");
	is_str("TestMhvaes@test.microsoft.com", sat("emails/0/value"),
	    "4.7 work email");

	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"add\",\"value\":{\"name.givenName\":\"John\","
	    "\"name.familyName\":\"Doe\",\"name.formatted\":\"John Doe\"}}" PE),
	    "4.7 path-less add with dotted keys (scim-patch#132)");
	ok(same("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u2\","
	    "\"userName\":\"plain\",\"name\":{\"givenName\":\"John\","
	    "\"familyName\":\"Doe\",\"formatted\":\"John Doe\"}}"),
	    "4.7 name built from dotted keys");

	/* 4.8 manager */
	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"Add\",\"path\":\"" ENT ":manager\",\"value\":\"m2\"}" PE),
	    "4.8 add manager as a bare id");
	ok(same("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u2\","
	    "\"userName\":\"plain\",\"" ENT "\":{\"manager\":{\"value\":"
	    "\"m2\"}}}"), "4.8 manager stored as complex under the URN");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"" ENT ":manager\",\"value\":\"m3\"}"
	    PE), "4.8 replace manager id");
	is_str("m3", sat(ENT "/manager/value"), "4.8 manager changed");
	is_int(1, nat(ENT "/manager"), "4.8 stale $ref/displayName dropped");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Add\",\"path\":\"" ENT ":manager\",\"value\":\"m1\"}"
	    PE), "4.8 the same manager id again");
	ok(unchanged(), "4.8 same id keeps $ref and displayName");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"" ENT ":manager\",\"value\":\"\"}"
	    PE), "4.8 remove manager with \"\"");
	ok(at(ENT "/manager") == NULL, "4.8 manager gone");
	is_str("701984", sat(ENT "/employeeNumber"), "4.8 extension kept");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"" ENT ":manager\",\"value\":null}"
	    PE), "4.8 remove manager with null");
	ok(at(ENT "/manager") == NULL, "4.8 manager gone (null)");
	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"Add\",\"path\":\"manager\",\"value\":[{\"$ref\":"
	    "\"http://example.com/scim/Users/m4\",\"value\":\"m4\"}]}" PE),
	    "4.8 older shape: unqualified manager, value array");
	is_str("m4", sat(ENT "/manager/value"), "4.8 older shape value");
	is_str("http://example.com/scim/Users/m4", sat(ENT "/manager/$ref"),
	    "4.8 older shape $ref");
	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"Add\",\"path\":\"" ENT ":manager\",\"value\":\"\"}" PE),
	    "4.8 add manager \"\" on a user without one");
	ok(unchanged(), "4.8 no extension object left behind");

	/* 4.9 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}" PE),
	    "4.9 disable with \"False\"");
	is_int(0, bat("active"), "4.9 stored as JSON false");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}" PE),
	    "4.9 flag mode false");
	is_int(0, bat("active"), "4.9 flag mode stored");
	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"Add\",\"path\":\"active\",\"value\":\"True\"}" PE),
	    "4.9 Add active \"True\" (rancher#54025)");
	is_int(1, bat("active"), "4.9 stored as JSON true");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"value\":{\"active\":\"false\"}}" PE),
	    "4.9 lowercase \"false\" in a path-less value (scimmy#86)");
	is_int(0, bat("active"), "4.9 path-less boolean coerced");

	/* 4.2 roles */
	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"Add\",\"path\":\"roles\",\"value\":[{\"value\":"
	    "\"{\\\"id\\\":\\\"06b07648\\\",\\\"value\\\":\\\"Admin\\\","
	    "\\\"displayName\\\":\\\"Admin\\\"}\"}]}" PE),
	    "4.2 AppRoleAssignmentsComplex roles");
	is_str("{\"id\":\"06b07648\",\"value\":\"Admin\",\"displayName\":"
	    "\"Admin\"}", sat("roles/0/value"), "4.2 JSON string kept as sent");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"roles\",\"value\":[{\"primary\":"
	    "\"True\",\"type\":\"WindowsAzureActiveDirectoryRole\","
	    "\"display\":\"Admin\",\"value\":\"Admin\"}]}" PE),
	    "4.2 AssertiveAppRoleAssignmentsComplex replace");
	is_int(1, bat("roles/0/primary"), "4.2 role primary coerced");

	/* 5.10 validator clears */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"\"},"
	    "{\"op\":\"replace\",\"path\":\"" ENT ":department\",\"value\":\"\"},"
	    "{\"op\":\"replace\",\"path\":\"nickName\",\"value\":null},"
	    "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"\"}" PE),
	    "5.10 clear with \"\" and null");
	ok(at("emails/0/value") == NULL, "5.10 work email value cleared");
	is_str("work", sat("emails/0/type"), "5.10 work element kept");
	ok(at(ENT "/department") == NULL, "5.10 department cleared");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"other\\\"].value\","
	    "\"value\":null}" PE), "5.10 clearing an absent filtered value");
	ok(unchanged(), "5.10 nothing created for an empty value");
}

static void
test_entra_groups(void)
{
	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":"
	    "\"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName\"}" PE),
	    "5.4 replace group displayName");
	is_str("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName",
	    sat("displayName"), "5.4 displayName set");
	is_int(0, (long long)cur_nmops, "5.4 no member ops");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"$ref\":null,"
	    "\"value\":\"f648f8d5ea4e4cd38e9c\"}]}" PE), "5.5 add members");
	ok(unchanged(), "5.5 document untouched");
	is_int(1, (long long)cur_nmops, "5.5 one member op");
	is_int(PATCH_MEMBER_ADD, cur_mops[0].pm_kind, "5.5 ADD");
	is_str("f648f8d5ea4e4cd38e9c", mval(0, 0), "5.5 member id");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"$ref\":null,"
	    "\"value\":\"f648f8d5ea4e4cd38e9c\"}]}" PE),
	    "5.6 remove members by value array");
	is_int(1, (long long)cur_nmops, "5.6 one member op");
	is_int(PATCH_MEMBER_REMOVE, cur_mops[0].pm_kind,
	    "5.6 REMOVE, never REMOVE_ALL");
	is_int(1, mlen(0), "5.6 only the listed member");
	is_str("f648f8d5ea4e4cd38e9c", mval(0, 0), "5.6 the listed id");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":"
	    "\"u1091\"},{\"value\":\"u1092\"}]}" PE),
	    "5.6 compat variant, two ids");
	is_int(2, mlen(0), "5.6 two ids removed");
	is_str("u1092", mval(0, 1), "5.6 second id");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"remove\",\"path\":\"members[value eq "
	    "\\\"7f4bc1a3-285e-48ae-8202-5accb43efb0e\\\"]\"}" PE),
	    "5.7 flag mode remove by filter");
	is_int(PATCH_MEMBER_REMOVE, cur_mops[0].pm_kind,
	    "5.7 value eq becomes REMOVE");
	is_str("7f4bc1a3-285e-48ae-8202-5accb43efb0e", mval(0, 0),
	    "5.7 synthesized id");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"remove\",\"path\":\"members[value eq \\\"a\\\" or "
	    "value eq \\\"b\\\"]\"}" PE), "remove members, or-ed ids");
	is_int(2, mlen(0), "or-ed ids synthesized");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"remove\",\"path\":\"members[type eq \\\"Group\\\"]\"}" PE),
	    "remove members by another filter");
	is_int(PATCH_MEMBER_REMOVE_IF, cur_mops[0].pm_kind, "REMOVE_IF");
	ok(cur_mops[0].pm_filter != NULL, "REMOVE_IF carries the filter");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"remove\",\"path\":\"members\"}" PE),
	    "remove all members");
	is_int(PATCH_MEMBER_REMOVE_ALL, cur_mops[0].pm_kind, "REMOVE_ALL");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"value\":"
	    "\"x1\"}]}" PE), "replace members");
	is_int(2, (long long)cur_nmops, "replace: two member ops");
	ok(cur_nmops == 2 && cur_mops[0].pm_kind == PATCH_MEMBER_REMOVE_ALL &&
	    cur_mops[1].pm_kind == PATCH_MEMBER_ADD,
	    "replace: REMOVE_ALL then ADD");

	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"value\":{\"members\":{\"value\":\"x2\","
	    "\"display\":\"X\"}}},"
	    "{\"op\":\"remove\",\"path\":\"members[value eq \\\"x3\\\"]\"}" PE),
	    "path-less add of one member object, then remove");
	ok(cur_nmops == 2 && cur_mops[0].pm_kind == PATCH_MEMBER_ADD &&
	    cur_mops[1].pm_kind == PATCH_MEMBER_REMOVE, "ops in request order");
	is_int(1, mlen(0), "single object wrapped in an array");
	ok(cur_nmops > 0 && !json_object_object_get_ex(
	    json_object_array_get_idx(cur_mops[0].pm_values, 0), "display",
	    NULL), "readOnly display dropped from the member");

	is_int(SCIM_EINVAL, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"display\":"
	    "\"x\"}]}" PE), "member without value");
	is_int(SCIM_EINVAL, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":\"x\"}" PE),
	    "members value not an object");
	is_int(SCIM_EMUTABILITY, run(&group_type, group_doc, PO
	    "{\"op\":\"replace\",\"path\":\"members[value eq \\\"x\\\"].value\","
	    "\"value\":\"y\"}" PE), "members.value is immutable");
	is_int(SCIM_EMUTABILITY, run(&group_type, group_doc, PO
	    "{\"op\":\"replace\",\"path\":\"members[value eq \\\"x\\\"]\","
	    "\"value\":{\"value\":\"y\"}}" PE), "member values are not replaced");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":"
	    "\"x\"}]}" PE), "User has no members");
}

static void
test_rfc(void)
{
	/* 3.5.2.1 */
	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"display\":"
	    "\"Babs Jensen\",\"$ref\":\"https://example.com/v2/Users/"
	    "2819c223\",\"value\":\"2819c223\"}]}" PE), "RFC add members");
	is_str("2819c223", mval(0, 0), "RFC add members id");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"value\":{\"emails\":[{\"value\":"
	    "\"babs@jensen.org\",\"type\":\"home\"}],\"nickname\":\"Babs\"}}"
	    PE), "RFC path-less add");
	is_int(3, nat("emails"), "RFC add appends the email");
	is_str("Babs", sat("nickName"), "RFC nickname stored as nickName");
	/* 3.5.2.2 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"work\\\" and "
	    "value ew \\\"example.com\\\"]\"}" PE), "RFC remove by filter");
	is_int(1, nat("emails"), "RFC one email left");
	is_str("home", sat("emails/0/type"), "RFC the home email left");
	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"remove\",\"path\":\"members[value eq \\\"2819c223-7f76\\\"]\"},"
	    "{\"op\":\"remove\",\"path\":\"members[value eq \\\"9067729b\\\"]\"}"
	    PE), "RFC remove two members");
	is_int(2, (long long)cur_nmops, "RFC two member ops");
	/* 3.5.2.3 */
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"value\":{\"emails\":[{\"value\":"
	    "\"bjensen@example.com\",\"type\":\"work\",\"primary\":true}],"
	    "\"nickname\":\"Babs\"}}" PE), "RFC path-less replace");
	is_int(1, nat("emails"), "RFC emails replaced as a whole");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"addresses[type eq \\\"work\\\"]\","
	    "\"value\":{\"type\":\"work\",\"streetAddress\":\"911 Universal "
	    "City Plaza\",\"locality\":\"Hollywood\",\"primary\":true}}," 
	    "{\"op\":\"replace\",\"path\":\"addresses[type eq \\\"work\\\"]."
	    "streetAddress\",\"value\":\"1010 Broadway Ave\"}" PE),
	    "RFC replace filtered address and its street");
	is_str("1010 Broadway Ave", sat("addresses/0/streetAddress"),
	    "RFC street replaced");
	is_str("Hollywood", sat("addresses/0/locality"), "RFC locality kept");
}

static void
test_ops(void)
{
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"name.givenName\"},"
	    "{\"op\":\"remove\",\"path\":\"phoneNumbers\"},"
	    "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"home\\\"]\"},"
	    "{\"op\":\"remove\",\"path\":\"" ENT ":manager\"}" PE),
	    "remove attribute, sub-attribute, filtered value");
	ok(at("name/givenName") == NULL && sat("name/familyName") != NULL,
	    "name.givenName removed");
	ok(at("phoneNumbers") == NULL, "phoneNumbers removed");
	is_int(1, nat("emails"), "home email removed");
	ok(at(ENT "/manager") == NULL && at(ENT "/department") != NULL,
	    "manager removed");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"" ENT "\"}" PE),
	    "remove the whole extension");
	ok(at(ENT) == NULL, "extension gone");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"work\\\"].value\"}"
	    PE), "remove filtered sub-attribute");
	ok(at("emails/0/value") == NULL && bat("emails/0/primary") == 1,
	    "only value removed");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"emails\",\"value\":[{\"value\":"
	    "\"babs@home.example\"}]}" PE), "remove emails by value array");
	is_int(1, nat("emails"), "only the listed email removed");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"name\",\"value\":{\"middleName\":"
	    "\"Jane\",\"givenName\":\"Babs\"}}" PE), "add merges name");
	is_str("Jensen", sat("name/familyName"), "add kept familyName");
	is_str("Jane", sat("name/middleName"), "add set middleName");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"name\",\"value\":{\"givenName\":"
	    "\"Babs\"}}" PE), "replace name");
	is_int(1, nat("name"), "replace replaced the whole name");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"emails\",\"value\":{\"value\":"
	    "\"new@x.org\",\"type\":\"other\",\"primary\":\"True\"}}" PE),
	    "add one email object as primary");
	is_int(3, nat("emails"), "email appended");
	is_int(1, bat("emails/2/primary"), "new email primary");
	is_int(0, bat("emails/0/primary"), "old primary demoted");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"home\\\"]."
	    "primary\",\"value\":true}" PE), "make home primary");
	is_int(0, bat("emails/0/primary"), "work demoted");
	is_int(1, bat("emails/1/primary"), "home primary");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"value\":{\"" ENT "\":{\"department\":\"X\","
	    "\"manager\":\"m9\"},\"password\":\"s3cret\"}}" PE),
	    "path-less add with an extension object");
	is_str("X", sat(ENT "/department"), "extension department");
	is_str("m9", sat(ENT "/manager/value"), "extension manager");
	is_str("701984", sat(ENT "/employeeNumber"), "extension merged");
	is_str("s3cret", sat("password"), "writeOnly password accepted");

	is_int(SCIM_OK, run(&user_type, bare_user, PO
	    "{\"op\":\"replace\",\"path\":\"" ENT "\",\"value\":{\"Department\":"
	    "\"D\",\"manager.value\":\"m7\"}}" PE),
	    "replace through the bare extension URN");
	is_str("D", sat(ENT "/department"), "extension attribute canonical");
	is_str("m7", sat(ENT "/manager/value"), "dotted key in extension");
	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"value\":{\"" ENT "\":null}}" PE),
	    "path-less replace of the extension with null");
	ok(at(ENT) == NULL, "extension removed");

	is_int(SCIM_OK, run(&user_type, user_doc,
	    "{\"Schemas\":[\"" SCIM_MSG_PATCH "\"],\"operations\":["
	    "{\"OP\":\"rEpLaCe\",\"PATH\":\"EMAILS[TYPE eq \\\"work\\\"].VALUE\","
	    "\"VALUE\":\"c@x.org\"},"
	    "{\"op\":\"replace\",\"path\":\"urn:ietf:params:scim:schemas:core:"
	    "2.0:User:name.givenName\",\"value\":\"Q\"}" PE),
	    "any case keys, op, attribute; core URN path");
	is_str("c@x.org", sat("emails/0/value"), "any case applied");
	is_str("Q", sat("name/givenName"), "core URN path applied");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"value\":{\"schemas\":[\"x\"],\"id\":\"evil\","
	    "\"meta\":{\"version\":\"1\"},\"displayName\":\"Echo\"}}" PE),
	    "path-less value echoing id/meta/schemas");
	is_str("u1", sat("id"), "id not changed");
	is_str("Echo", sat("displayName"), "other keys applied");

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails.type\",\"value\":\"other\"}"
	    PE), "attr.sub without filter sets every value");
	ok(strcmp(sat("emails/1/type"), "other") == 0 &&
	    strcmp(sat("emails/0/type"), "other") == 0, "both types set");
}

static void
test_errors(void)
{
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc, "[]"), "body array");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc,
	    "{\"Operations\":[{\"op\":\"add\",\"path\":\"nickName\","
	    "\"value\":\"x\"}]}"), "missing schemas");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc,
	    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"Operations\":[{\"op\":"
	    "\"add\",\"path\":\"nickName\",\"value\":\"x\"}]}"), "wrong schemas");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc, PO PE),
	    "empty Operations");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc,
	    "{\"schemas\":[\"" SCIM_MSG_PATCH "\"],\"Operations\":{}}"),
	    "Operations not an array");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc, PO "1" PE),
	    "operation not an object");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc, PO
	    "{\"path\":\"nickName\",\"value\":\"x\"}" PE), "missing op");
	is_int(SCIM_ESYNTAX, run(&user_type, user_doc, PO
	    "{\"op\":\"move\",\"path\":\"nickName\",\"value\":\"x\"}" PE),
	    "unknown op");
	is_int(SCIM_ENOTARGET, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\"}" PE), "remove without path");
	is_int(SCIM_EINVAL, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"nickName\"}" PE), "add without value");
	is_int(SCIM_EINVAL, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"value\":\"x\"}" PE),
	    "path-less value not an object");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"bogus\",\"value\":\"x\"}" PE),
	    "unknown attribute");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"name.bogus\",\"value\":\"x\"}" PE),
	    "unknown sub-attribute");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"emails[type eq \\\"work\\\"\","
	    "\"value\":\"x\"}" PE), "unclosed bracket");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"emails[type eq \\\"work\\\"].bogus\","
	    "\"value\":\"x\"}" PE), "unknown sub after filter");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"emails[type eq \\\"work\\\"]x\","
	    "\"value\":\"x\"}" PE), "junk after filter");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"name[givenName eq \\\"x\\\"]\","
	    "\"value\":{}}" PE), "filter on a single-valued attribute");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"\",\"value\":\"x\"}" PE), "empty path");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":5,\"value\":\"x\"}" PE),
	    "path not a string");
	is_int(SCIM_EFILTER, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"emails[type zz \\\"work\\\"]\","
	    "\"value\":{}}" PE), "invalid filter");
	is_int(SCIM_EPATH, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"value\":{\"bogus\":1}}" PE),
	    "unknown key in a path-less value");
	is_int(SCIM_EMUTABILITY, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"id\",\"value\":\"x\"}" PE),
	    "replace id");
	is_int(SCIM_EMUTABILITY, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"meta.lastModified\",\"value\":\"x\"}"
	    PE), "replace meta.lastModified");
	is_int(SCIM_EMUTABILITY, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"groups\",\"value\":[{\"value\":\"g\"}]}"
	    PE), "add groups");
	is_int(SCIM_EMUTABILITY, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"" ENT ":manager.displayName\","
	    "\"value\":\"x\"}" PE), "manager.displayName");
	is_int(SCIM_EMUTABILITY, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"value\":{\"groups\":[]}}" PE),
	    "groups in a path-less value");
	is_int(SCIM_ENOTARGET, run(&user_type, user_doc, PO
	    "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"home2\\\"]\"}" PE),
	    "remove by a filter matching nothing");
	is_int(SCIM_ENOTARGET, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type ne \\\"work\\\" and "
	    "type ne \\\"home\\\"].value\",\"value\":\"x\"}" PE),
	    "filter that cannot seed a new value");
	is_int(SCIM_EINVAL, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"]\","
	    "\"value\":\"x\"}" PE), "filtered value not an object");
	cur_maxops = 1;
	/* RFC 7644 3.12: tooMany is for filters; a request limit is a value */
	is_int(SCIM_EINVAL, run(&user_type, user_doc, PO
	    "{\"op\":\"add\",\"path\":\"nickName\",\"value\":\"x\"},"
	    "{\"op\":\"add\",\"path\":\"title\",\"value\":\"x\"}" PE),
	    "more operations than maxops: invalidValue");
	cur_maxops = 0;
}

static void
test_atomic_noop(void)
{
	struct json_object	*before = J(user_doc);

	is_int(SCIM_ENOTARGET, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"X\"},"
	    "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"pager\\\"]\"}" PE),
	    "second op fails");
	ok(cur_out == NULL && cur_nmops == 0 && cur_mops == NULL,
	    "nothing returned on failure");
	ok(json_object_equal(before, cur_in), "input document not modified");
	is_int(SCIM_EPATH, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":"
	    "\"u\"}]},"
	    "{\"op\":\"remove\",\"path\":\"displayName\"},"
	    "{\"op\":\"remove\",\"path\":\"externalId[value eq \\\"x\\\"]\"}" PE),
	    "failing group patch");
	ok(cur_out == NULL && cur_nmops == 0, "no member ops on failure");
	json_object_put(before);

	is_int(SCIM_OK, run(&user_type, user_doc, PO
	    "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":"
	    "\"Babs Jensen\"},"
	    "{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"value\":"
	    "\"bj@example.com\",\"type\":\"work\",\"primary\":true}]},"
	    "{\"op\":\"remove\",\"path\":\"nickName\"},"
	    "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\","
	    "\"value\":\"bj@example.com\"},"
	    "{\"op\":\"replace\",\"path\":\"active\",\"value\":\"True\"},"
	    "{\"op\":\"add\",\"path\":\"" ENT ":manager\",\"value\":{\"value\":"
	    "\"m1\"}}" PE), "a patch that changes nothing");
	ok(unchanged(), "no-op patch gives an equal document");
	is_int(SCIM_OK, run(&group_type, group_doc, PO
	    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":"
	    "\"u\"}]}" PE), "members only");
	ok(unchanged(), "member ops leave the document equal");
}

int
main(void)
{
	plan_lazy();
	test_entra_users();
	test_entra_groups();
	test_rfc();
	test_ops();
	test_errors();
	test_atomic_noop();
	reset();
	return (done_testing());
}
