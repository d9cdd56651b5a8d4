/* validate.c: canonical form, types, Entra's request bodies. */
#include "scimd.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "schema.h"
#include "tap.h"
#include "validate.h"

#define ENT	SCIM_SCHEMA_ENTERPRISE

static struct scim_errbuf	eb;

/* Validate the JSON text js; *out gets the result (or NULL). */
static int
run(const struct resource_type *rt, const char *js, int flags,
    struct json_object **out)
{
	struct json_object	*in;
	int			 rc;

	*out = NULL;
	memset(&eb, 0, sizeof(eb));
	if (jsonutil_parse(js, strlen(js), SCIM_JSON_DEPTH, &in, &eb) !=
	    SCIM_OK) {
		diag("bad test JSON: %s", eb.eb_msg);
		return (-999);
	}
	rc = validate_resource(rt, in, flags, out, &eb);
	json_object_put(in);
	return (rc);
}

/* rc of validating js, discarding any output. */
static int
rc_of(const struct resource_type *rt, const char *js, int flags)
{
	struct json_object	*o;
	int			 rc;

	rc = run(rt, js, flags, &o);
	json_object_put(o);
	return (rc);
}

/* Compact serialisation of validating js (static buffer), or "ERR:<rc>". */
static const char *
canon(const struct resource_type *rt, const char *js, int flags)
{
	static char		 buf[4096];
	struct json_object	*o;
	int			 rc;

	if ((rc = run(rt, js, flags, &o)) != SCIM_OK) {
		snprintf(buf, sizeof(buf), "ERR:%d", rc);
		return (buf);
	}
	strlcpy(buf, jsonutil_compact(o, NULL), sizeof(buf));
	json_object_put(o);
	return (buf);
}

/* validate_value of attribute path (resolved for rt) on js. */
static const char *
value_of(const struct resource_type *rt, const char *path, const char *js,
    int *rcp)
{
	static char		 buf[1024];
	struct schema_path	 sp;
	struct json_object	*in, *o;
	int			 rc;

	*rcp = -999;
	/* json_tokener_parse: scalars at top level, "null" gives NULL */
	if (schema_resolve(rt, path, strlen(path), &sp) != SCIM_OK)
		return ("BAD");
	in = json_tokener_parse(js);
	rc = validate_value(sp.sp_sub != NULL ? sp.sp_sub : sp.sp_attr, in,
	    &o, &eb);
	json_object_put(in);
	*rcp = rc;
	if (rc != SCIM_OK)
		return ("ERR");
	if (o == NULL)
		return ("NULL");
	strlcpy(buf, jsonutil_compact(o, NULL), sizeof(buf));
	json_object_put(o);
	return (buf);
}

static void
test_entra_bodies(void)
{
	struct json_object	*o;
	int			 rc;

	/* entra.md 4.2 */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],"
	    "\"externalId\":\"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\","
	    "\"userName\":\"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\","
	    "\"active\":true,"
	    "\"emails\":[{\"primary\":true,\"type\":\"work\","
	    "\"value\":\"Test_User_11bb11bb@testuser.com\"}],"
	    "\"name\":{\"formatted\":\"givenName familyName\","
	    "\"familyName\":\"familyName\",\"givenName\":\"givenName\"}}",
	    canon(&user_type,
	    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"externalId\":\"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\","
	    "\"userName\":\"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\","
	    "\"active\":true,"
	    "\"emails\":[{\"primary\":true,\"type\":\"work\","
	    "\"value\":\"Test_User_11bb11bb@testuser.com\"}],"
	    "\"meta\":{\"resourceType\":\"User\"},"
	    "\"name\":{\"formatted\":\"givenName familyName\","
	    "\"familyName\":\"familyName\",\"givenName\":\"givenName\"},"
	    "\"roles\":[]}", 0),
	    "Entra create user: meta and roles:[] dropped, enterprise URN "
	    "without data dropped from schemas");

	/* older "provision a user" example with explicit nulls */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u1\","
	    "\"externalId\":\"e1\"}",
	    canon(&user_type,
	    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u1\","
	    "\"addresses\":null,\"phoneNumbers\":null,"
	    "\"preferredLanguage\":null,\"title\":null,"
	    "\"externalId\":\"e1\"}", 0),
	    "nulls are unassigned");

	/* entra.md 5.2 */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],"
	    "\"externalId\":\"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159\","
	    "\"displayName\":\"displayName\"}",
	    canon(&group_type,
	    "{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\",\"http://schemas."
	    "microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group\"],"
	    "\"externalId\":\"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159\","
	    "\"displayName\":\"displayName\","
	    "\"meta\":{\"resourceType\":\"Group\"}}", 0),
	    "Entra create group: ADSCIM URN accepted and dropped");

	/* roles as SingleAppRoleAssignment sends them */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\","
	    "\"roles\":[{\"primary\":true,\"type\":"
	    "\"WindowsAzureActiveDirectoryRole\",\"value\":\"Admin\"}]}",
	    canon(&user_type, "{\"userName\":\"u\",\"roles\":[{\"primary\":"
	    "\"True\",\"type\":\"WindowsAzureActiveDirectoryRole\","
	    "\"value\":\"Admin\"}]}", 0),
	    "roles kept, primary \"True\" coerced");

	/* enterprise data, nested */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"userName\":\"u\",\"" ENT "\":{\"department\":\"Eng\","
	    "\"manager\":{\"value\":\"m1\"}}}",
	    canon(&user_type, "{\"userName\":\"u\",\"" ENT "\":{"
	    "\"Department\":\"Eng\",\"manager\":{\"value\":\"m1\","
	    "\"displayName\":\"Boss\"}}}", 0),
	    "enterprise object: canonical names, manager.displayName dropped");

	/* enterprise flattened, URN in another case */
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"userName\":\"u\",\"" ENT "\":{\"department\":\"Eng\","
	    "\"employeeNumber\":\"42\",\"manager\":{\"value\":\"m2\"}}}",
	    canon(&user_type, "{\"userName\":\"u\","
	    "\"URN:IETF:params:scim:schemas:extension:enterprise:2.0:User\":"
	    "{\"department\":\"Eng\"},"
	    "\"" ENT ":employeeNumber\":\"42\","
	    "\"" ENT ":manager\":\"m2\"}", 0),
	    "flattened URN keys merge; manager as a bare string");

	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\"}",
	    canon(&user_type, "{\"userName\":\"u\",\"" ENT "\":"
	    "{\"manager\":\"\"}}", 0),
	    "manager \"\" dropped, empty extension left out of schemas");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\"}",
	    canon(&user_type, "{\"userName\":\"u\",\"" ENT "\":null}", 0),
	    "extension null is unassigned");
	is_int(SCIM_ESYNTAX, rc_of(&user_type, "{\"userName\":\"u\","
	    "\"" ENT "\":{\"shoeSize\":\"9\"}}", 0),
	    "unknown enterprise attribute");
	is_int(SCIM_ESYNTAX, rc_of(&user_type, "{\"userName\":\"u\","
	    "\"" ENT ":shoeSize\":\"9\"}", 0),
	    "unknown flattened enterprise attribute");
	is_int(SCIM_EINVAL, rc_of(&user_type, "{\"userName\":\"u\","
	    "\"" ENT "\":\"x\"}", 0), "extension must be an object");
	is_int(SCIM_EINVAL, rc_of(&user_type, "{\"userName\":\"u\","
	    "\"" ENT "\":{\"manager\":7}}", 0), "manager number rejected");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\"}",
	    canon(&user_type, "{\"userName\":\"u\",\"urn:example:ext:1.0:X\":"
	    "{\"a\":1},\"urn:example:ext:1.0:X:b\":2}", 0),
	    "unknown urn: members ignored");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\"}",
	    canon(&user_type, "{\"" SCIM_SCHEMA_USER ":userName\":\"u\"}", 0),
	    "core-URN-qualified attribute name");

	/* the input is never changed */
	rc = run(&user_type, "{\"userName\":\"u\",\"active\":\"True\"}", 0,
	    &o);
	is_int(SCIM_OK, rc, "string boolean accepted");
	ok(o != NULL && json_object_is_type(jsonutil_get(o, "active", NULL),
	    json_type_boolean), "active is a JSON boolean");
	json_object_put(o);
}

static void
test_case_insensitive(void)
{
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"MiXeD "
	    "Case \",\"name\":{\"givenName\":\"G\",\"familyName\":\"F\"},"
	    "\"emails\":[{\"value\":\"A@B.C\",\"primary\":true}],"
	    "\"externalId\":\"X\"}",
	    canon(&user_type, "{\"SCHEMAS\":[\"" SCIM_SCHEMA_USER "\"],"
	    "\"USERNAME\":\"MiXeD Case \",\"Name\":{\"GIVENNAME\":\"G\","
	    "\"familyname\":\"F\"},\"Emails\":[{\"Value\":\"A@B.C\","
	    "\"PRIMARY\":true}],\"EXTERNALID\":\"X\"}", 0),
	    "keys canonicalised, values kept exactly");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"displayName\":\"g\"}",
	    canon(&group_type, "{\"DisplayName\":\"g\"}", 0),
	    "group displayName any case");
	is_int(SCIM_EINVAL, rc_of(&user_type,
	    "{\"userName\":\"a\",\"USERNAME\":null}", 0),
	    "later null alias unassigns the attribute");
}

static void
test_types(void)
{
	static const struct {
		const char	*js;
		const char	*what;
	} bad[] = {
		{ "{\"userName\":5}", "userName number" },
		{ "{\"userName\":true}", "userName boolean" },
		{ "{\"userName\":[\"a\"]}", "userName array" },
		{ "{\"userName\":\"u\",\"active\":\"yes\"}", "active \"yes\"" },
		{ "{\"userName\":\"u\",\"active\":1}", "active number" },
		{ "{\"userName\":\"u\",\"name\":\"Bob\"}", "name string" },
		{ "{\"userName\":\"u\",\"name\":{\"givenName\":1}}",
		    "name.givenName number" },
		{ "{\"userName\":\"u\",\"emails\":{\"value\":\"a\"}}",
		    "emails not an array" },
		{ "{\"userName\":\"u\",\"emails\":[\"a@b\"]}",
		    "emails element a string" },
		{ "{\"userName\":\"u\",\"emails\":[{\"primary\":\"maybe\"}]}",
		    "emails.primary not a boolean" },
		{ "{\"userName\":\"u\",\"profileUrl\":3}", "reference number" },
		{ "{\"userName\":\"u\",\"x509Certificates\":[{\"value\":3}]}",
		    "binary number" },
		{ "{\"userName\":\"u\",\"schemas\":\"" SCIM_SCHEMA_USER "\"}",
		    "schemas a string" },
		{ "{\"userName\":\"u\",\"schemas\":[1]}",
		    "schemas with a number" },
		{ "{\"userName\":\"u\",\"password\":{}}", "password object" },
		{ "{\"userName\":\"u\\u0000x\"}", "NUL byte in userName" },
		{ "{\"userName\":\"u\",\"name\":{\"givenName\":\"a\\u0000\"}}",
		    "NUL byte in a sub-attribute" },
		{ "{\"userName\":\"u\",\"emails\":[{\"value\":\"a\","
		    "\"primary\":true},{\"value\":\"b\",\"primary\":true}]}",
		    "two primary emails" },
		{ "{\"userName\":\"u\",\"phoneNumbers\":[{\"value\":\"1\","
		    "\"primary\":\"true\"},{\"value\":\"2\","
		    "\"primary\":\"TRUE\"}]}", "two primaries as strings" },
		{ "{\"userName\":\"\"}", "empty userName" },
		{ "{\"userName\":null}", "null userName" },
		{ "{\"externalId\":\"e\"}", "missing userName" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(SCIM_EINVAL, rc_of(&user_type, bad[i].js, 0),
		    "invalidValue: %s", bad[i].what);
	rc_of(&user_type, "{\"externalId\":\"e\"}", 0);
	is_str("attribute \"userName\" is required", eb.eb_msg,
	    "detail names the required attribute");
	rc_of(&user_type, "{\"userName\":\"u\",\"active\":\"yes\"}", 0);
	is_str("attribute \"active\" must be a boolean", eb.eb_msg,
	    "detail names the wrong-typed attribute");
	is_int(SCIM_EINVAL, rc_of(&group_type, "{\"externalId\":\"e\"}", 0),
	    "group without displayName");

	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\","
	    "\"active\":false,\"emails\":[{\"value\":\"a\",\"primary\":false},"
	    "{\"value\":\"b\",\"primary\":false}]}",
	    canon(&user_type, "{\"userName\":\"u\",\"active\":\"FALSE\","
	    "\"emails\":[{\"value\":\"a\",\"primary\":false},{\"value\":\"b\","
	    "\"primary\":\"False\"}]}", 0),
	    "string booleans in any case; two non-primaries fine");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\","
	    "\"emails\":[{\"value\":\"b\"}]}",
	    canon(&user_type, "{\"userName\":\"u\",\"emails\":[null,"
	    "{\"value\":\"b\",\"$ref\":\"x\",\"display\":null},{}]}", 0),
	    "null and empty elements dropped, stray $ref dropped");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\"}",
	    canon(&user_type, "{\"userName\":\"u\",\"name\":{},"
	    "\"emails\":[]}", 0),
	    "empty complex and empty array are unassigned");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"userName\":\"u\","
	    "\"password\":\"s3cr3t\",\"title\":\"\"}",
	    canon(&user_type, "{\"id\":\"abc\",\"userName\":\"u\","
	    "\"password\":\"s3cr3t\",\"title\":\"\","
	    "\"groups\":[{\"value\":\"g1\"}],"
	    "\"meta\":{\"created\":\"bogus\"}}", 0),
	    "id, meta, groups dropped; password and \"\" kept");
}

static void
test_unknown(void)
{
	is_int(SCIM_ESYNTAX, rc_of(&user_type,
	    "{\"userName\":\"u\",\"foo\":1}", 0), "unknown attribute");
	is_str("unknown attribute \"foo\"", eb.eb_msg, "detail names it");
	is_int(SCIM_ESYNTAX, rc_of(&user_type,
	    "{\"userName\":\"u\",\"name\":{\"nick\":\"x\"}}", 0),
	    "unknown sub-attribute");
	is_int(SCIM_ESYNTAX, rc_of(&group_type,
	    "{\"displayName\":\"g\",\"userName\":\"u\"}", 0),
	    "User attribute on a Group");
	is_int(SCIM_ESYNTAX, rc_of(&user_type, "[]", 0), "array body");
	is_int(SCIM_ESYNTAX, rc_of(&user_type, "\"u\"", 0), "string body");
	{
		struct json_object	*n = json_object_new_int(5), *o;

		is_int(SCIM_ESYNTAX, validate_resource(&user_type, n, 0, &o,
		    &eb), "number body");
		ok(o == NULL, "no output on error");
		json_object_put(n);
		is_int(SCIM_ESYNTAX, validate_resource(&user_type, NULL, 0,
		    &o, &eb), "NULL body");
	}
}

static void
test_members(void)
{
	const char	*g = "{\"displayName\":\"g\",\"members\":["
	    "{\"$ref\":null,\"value\":\"f648f8d5ea4e4cd38e9c\","
	    "\"display\":\"Alice\"},{\"value\":\"u2\",\"type\":\"User\"}]}";

	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"displayName\":\"g\"}",
	    canon(&group_type, g, 0), "members dropped by default");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"displayName\":\"g\","
	    "\"members\":[{\"value\":\"f648f8d5ea4e4cd38e9c\"},"
	    "{\"value\":\"u2\",\"type\":\"User\"}]}",
	    canon(&group_type, g, VALIDATE_KEEP_EXTERNAL),
	    "members kept with VALIDATE_KEEP_EXTERNAL; display and null "
	    "$ref dropped");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"displayName\":\"g\"}",
	    canon(&group_type, "{\"displayName\":\"g\",\"members\":[]}",
	    VALIDATE_KEEP_EXTERNAL), "members [] unassigned");
	is_int(SCIM_EINVAL, rc_of(&group_type, "{\"displayName\":\"g\","
	    "\"members\":[{\"type\":\"User\"}]}", VALIDATE_KEEP_EXTERNAL),
	    "member without value");
	is_int(SCIM_EINVAL, rc_of(&group_type, "{\"displayName\":\"g\","
	    "\"members\":[{\"value\":5}]}", VALIDATE_KEEP_EXTERNAL),
	    "member value a number");
	is_int(SCIM_EINVAL, rc_of(&group_type, "{\"displayName\":\"g\","
	    "\"members\":[\"u1\"]}", 0), "member a bare string");
	is_int(SCIM_EINVAL, rc_of(&group_type, "{\"displayName\":\"g\","
	    "\"members\":{\"value\":\"u1\"}}", 0), "members not an array");
}

static void
test_value(void)
{
	int	rc;

	is_str("false", value_of(&user_type, "active", "\"False\"", &rc),
	    "validate_value coerces \"False\"");
	is_str("NULL", value_of(&user_type, "title", "null", &rc),
	    "validate_value null gives NULL");
	is_int(SCIM_OK, rc, "... and SCIM_OK");
	is_str("NULL", value_of(&user_type, "emails", "[]", &rc),
	    "validate_value [] gives NULL");
	is_str("ERR", value_of(&user_type, "emails", "{\"value\":\"a\"}",
	    &rc), "validate_value: multi-valued needs an array");
	is_int(SCIM_EINVAL, rc, "... invalidValue");
	is_str("{\"value\":\"m\"}", value_of(&user_type,
	    SCIM_SCHEMA_ENTERPRISE ":manager", "\"m\"", &rc),
	    "validate_value manager string");
	is_str("[{\"value\":\"u1\"}]", value_of(&group_type, "members",
	    "[{\"$ref\":null,\"value\":\"u1\"}]", &rc),
	    "validate_value keeps members");
	is_str("\"2018-03-27T19:59:26.000Z\"", value_of(&user_type,
	    "meta.created", "\"2018-03-27T19:59:26.000Z\"", &rc),
	    "dateTime accepted");
	is_str("ERR", value_of(&user_type, "meta.created", "\"yesterday\"",
	    &rc), "bad dateTime rejected");
	is_str("ERR", value_of(&user_type, "meta.created", "5", &rc),
	    "dateTime number rejected");
	is_str("\"Work\"", value_of(&user_type, "emails.type", "\"Work\"",
	    &rc), "sub-attribute value kept as sent");
}

/* RFC 7643 3, RFC 7644 3.3: "schemas" of a POST or PUT body. */
static void
test_schemas(void)
{
	static const struct {
		const char	*body;
		const char	*what;
	} bad[] = {
		{ "{\"userName\":\"u\"}", "missing" },
		{ "{\"schemas\":[],\"userName\":\"u\"}", "empty" },
		{ "{\"schemas\":null,\"userName\":\"u\"}", "null" },
		{ "{\"schemas\":[\"urn:example:x\"],\"userName\":\"u\"}",
		    "only an unknown URN" },
		{ "{\"schemas\":[\"" ENT "\"],\"userName\":\"u\"}",
		    "only the extension" },
		{ "{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"userName\":\"u\"}",
		    "the Group schema" },
		{ "{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" SCIM_SCHEMA_GROUP
		    "\"],\"userName\":\"u\"}", "User and Group schemas" },
	};
	const int	f = VALIDATE_NEED_SCHEMAS;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(SCIM_ESYNTAX, rc_of(&user_type, bad[i].body, f),
		    "schemas %s: invalidSyntax", bad[i].what);
	is_int(SCIM_ESYNTAX, rc_of(&group_type, "{\"schemas\":[\""
	    SCIM_SCHEMA_USER "\"],\"displayName\":\"g\"}", f),
	    "the User schema on a Group");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"userName\":\"u\",\"" ENT "\":{\"department\":\"d\"}}",
	    canon(&user_type, "{\"schemas\":[\"urn:example:x\",\""
	    "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER\"],\"userName\":\"u\","
	    "\"" ENT ":department\":\"d\"}", f),
	    "core schema in any case; extension not listed; unknown URN dropped");
	is_int(SCIM_OK, rc_of(&group_type, "{\"schemas\":[\""
	    SCIM_SCHEMA_GROUP "\"],\"displayName\":\"g\"}", f),
	    "Group schema on a Group");
	is_int(SCIM_OK, rc_of(&user_type, "{\"userName\":\"u\"}", 0),
	    "not checked without VALIDATE_NEED_SCHEMAS (PATCH results)");
}

int
main(void)
{
	plan_lazy();
	test_entra_bodies();
	test_case_insensitive();
	test_types();
	test_unknown();
	test_members();
	test_value();
	test_schemas();
	return (done_testing());
}
