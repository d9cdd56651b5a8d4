/* projection.c: attributes / excludedAttributes and "returned". */
#include "scimd.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "projection.h"
#include "schema.h"
#include "tap.h"

#define ENT	SCIM_SCHEMA_ENTERPRISE

static const char *user_doc =
    "{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
    "\"id\":\"u1\",\"externalId\":\"e1\","
    "\"meta\":{\"resourceType\":\"User\",\"created\":"
    "\"2018-03-27T19:59:26.000Z\"},"
    "\"userName\":\"alice\",\"password\":\"secret\","
    "\"name\":{\"givenName\":\"Alice\",\"familyName\":\"A\"},"
    "\"emails\":[{\"value\":\"a@x\",\"type\":\"work\",\"primary\":true},"
    "{\"value\":\"a@y\",\"type\":\"home\"}],"
    "\"groups\":[{\"value\":\"g1\",\"display\":\"G\"}],"
    "\"" ENT "\":{\"department\":\"Eng\",\"manager\":{\"value\":\"m\"}}}";

static const char *group_doc =
    "{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
    "\"meta\":{\"resourceType\":\"Group\"},\"displayName\":\"G\","
    "\"members\":[{\"value\":\"u1\",\"display\":\"alice\"}]}";

/* Project the JSON text doc; compact result in a static buffer. */
static const char *
proj(const struct resource_type *rt, const char *doc, const char *attrs,
    const char *excl)
{
	static char		 buf[4096];
	struct scim_errbuf	 eb;
	struct projection	*p;
	struct json_object	*d, *o;

	d = json_tokener_parse(doc);
	if (projection_parse(rt, attrs, excl, &p, &eb) != SCIM_OK) {
		json_object_put(d);
		return ("ERR");
	}
	o = projection_apply(p, rt, d);
	strlcpy(buf, o != NULL ? jsonutil_compact(o, NULL) : "NULL",
	    sizeof(buf));
	json_object_put(o);
	json_object_put(d);
	projection_free(p);
	return (buf);
}

/* projection_wants for attribute path under (attrs, excl). */
static int
wants(const struct resource_type *rt, const char *attrs, const char *excl,
    const char *path)
{
	struct scim_errbuf	 eb;
	struct schema_path	 sp;
	struct projection	*p;
	int			 r;

	if (schema_resolve(rt, path, strlen(path), &sp) != SCIM_OK ||
	    projection_parse(rt, attrs, excl, &p, &eb) != SCIM_OK)
		return (-1);
	r = projection_wants(p, rt, sp.sp_attr);
	projection_free(p);
	return (r);
}

static int
is_default(const struct resource_type *rt, const char *attrs,
    const char *excl)
{
	struct scim_errbuf	 eb;
	struct projection	*p;
	int			 r;

	if (projection_parse(rt, attrs, excl, &p, &eb) != SCIM_OK)
		return (-1);
	r = projection_is_default(p);
	projection_free(p);
	return (r);
}

static void
test_parse(void)
{
	struct scim_errbuf	 eb;
	struct projection	*p = (struct projection *)&eb;

	is_int(SCIM_OK, projection_parse(&user_type, NULL, NULL, &p, &eb),
	    "no lists");
	ok(p == NULL, "no lists: NULL projection");
	is_int(SCIM_OK, projection_parse(&user_type, " , ", "", &p, &eb),
	    "blank lists");
	ok(p == NULL, "blank lists: NULL projection");
	is_int(1, is_default(&user_type, NULL, NULL), "NULL is default");
	is_int(1, is_default(&user_type, NULL, "bogus,nothing.here"),
	    "excluding only unknown names is default");
	is_int(0, is_default(&user_type, NULL, "emails"),
	    "excluding emails is not default");
	is_int(0, is_default(&user_type, "userName", NULL),
	    "attributes list is not default");
}

static void
test_apply_user(void)
{
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"id\":\"u1\",\"externalId\":\"e1\","
	    "\"meta\":{\"resourceType\":\"User\",\"created\":"
	    "\"2018-03-27T19:59:26.000Z\"},"
	    "\"userName\":\"alice\","
	    "\"name\":{\"givenName\":\"Alice\",\"familyName\":\"A\"},"
	    "\"emails\":[{\"value\":\"a@x\",\"type\":\"work\",\"primary\":true},"
	    "{\"value\":\"a@y\",\"type\":\"home\"}],"
	    "\"groups\":[{\"value\":\"g1\",\"display\":\"G\"}],"
	    "\"" ENT "\":{\"department\":\"Eng\",\"manager\":{\"value\":\"m\"}}}",
	    proj(&user_type, user_doc, NULL, NULL),
	    "defaults: everything but password");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, "userName", NULL),
	    "attributes=userName: id and schemas too, extension dropped "
	    "from schemas");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, " USERNAME , password", NULL),
	    "names any case, spaces trimmed, password never");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"emails\":[{\"value\":\"a@x\"},{\"value\":\"a@y\"}]}",
	    proj(&user_type, user_doc, "emails.value", NULL),
	    "sub-attribute: each element filtered");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"name\":{\"familyName\":\"A\"}}",
	    proj(&user_type, user_doc, "name.familyName", NULL),
	    "sub-attribute of a single complex");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"id\":\"u1\",\"" ENT "\":{\"department\":\"Eng\"}}",
	    proj(&user_type, user_doc, ENT ":department", NULL),
	    "URN-qualified extension attribute");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"id\":\"u1\",\"" ENT "\":{\"department\":\"Eng\","
	    "\"manager\":{\"value\":\"m\"}}}",
	    proj(&user_type, user_doc, ENT, NULL), "whole extension");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"id\":\"u1\",\"" ENT "\":{\"manager\":{\"value\":\"m\"}}}",
	    proj(&user_type, user_doc, ENT ":manager.value", NULL),
	    "extension sub-attribute");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, SCIM_SCHEMA_USER ":userName,nosuch",
	    NULL), "core URN prefix; unknown names ignored");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\"}",
	    proj(&user_type, user_doc, "nosuch", NULL),
	    "only unknown names: id and schemas");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, "userName", "userName"),
	    "attributes wins over excludedAttributes");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\",\"" ENT "\"],"
	    "\"id\":\"u1\",\"externalId\":\"e1\",\"userName\":\"alice\","
	    "\"name\":{\"givenName\":\"Alice\",\"familyName\":\"A\"},"
	    "\"emails\":[{\"type\":\"work\",\"primary\":true},"
	    "{\"type\":\"home\"}],"
	    "\"" ENT "\":{\"manager\":{\"value\":\"m\"}}}",
	    proj(&user_type, user_doc, NULL,
	    "meta,groups,emails.value," ENT ":department"),
	    "excludedAttributes incl. sub-attribute and extension attribute");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"externalId\":\"e1\",\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, NULL,
	    "meta,name,emails,groups," ENT),
	    "excluding a whole extension");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_USER "\"],\"id\":\"u1\","
	    "\"userName\":\"alice\"}",
	    proj(&user_type, user_doc, NULL,
	    "id,schemas,meta,externalId,name,emails,groups," ENT
	    ":department," ENT ":manager"),
	    "id and schemas cannot be excluded; emptied extension dropped");
}

static void
test_apply_group(void)
{
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
	    "\"meta\":{\"resourceType\":\"Group\"},\"displayName\":\"G\"}",
	    proj(&group_type, group_doc, NULL, "members"),
	    "Entra: excludedAttributes=members");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
	    "\"meta\":{\"resourceType\":\"Group\"},\"displayName\":\"G\"}",
	    proj(&group_type, group_doc, NULL, "MEMBERS"),
	    "excludedAttributes any case");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
	    "\"members\":[{\"value\":\"u1\"}]}",
	    proj(&group_type, group_doc, "members.value", NULL),
	    "members.value");
	is_str("{\"schemas\":[\"" SCIM_SCHEMA_GROUP "\"],\"id\":\"g1\","
	    "\"displayName\":\"G\"}",
	    proj(&group_type, group_doc, "displayName", NULL),
	    "attributes=displayName");
	is_str("{}", proj(&group_type, "[1]", NULL, NULL),
	    "non-object document gives an empty object");
}

static void
test_wants(void)
{
	is_int(1, wants(&group_type, NULL, NULL, "members"),
	    "members wanted by default");
	is_int(0, wants(&group_type, NULL, "members", "members"),
	    "members not wanted when excluded");
	is_int(1, wants(&group_type, NULL, "members.display", "members"),
	    "members wanted when one sub-attribute is excluded");
	is_int(0, wants(&group_type, "displayName", NULL, "members"),
	    "members not wanted with attributes=displayName");
	is_int(1, wants(&group_type, "members.value", NULL, "members"),
	    "members wanted with attributes=members.value");
	is_int(1, wants(&user_type, NULL, NULL, "groups"),
	    "User.groups wanted by default");
	is_int(0, wants(&user_type, "userName", NULL, "groups"),
	    "User.groups not wanted with attributes=userName");
	is_int(0, wants(&user_type, NULL, NULL, "password"),
	    "password never wanted");
	is_int(1, wants(&user_type, "userName", NULL, "id"),
	    "id always wanted");
	is_int(1, wants(&user_type, ENT, NULL, ENT ":department"),
	    "whole extension named: its attribute wanted");
	is_int(0, wants(&user_type, NULL, ENT, ENT ":department"),
	    "whole extension excluded: its attribute not wanted");
}

int
main(void)
{
	plan_lazy();
	test_parse();
	test_apply_user();
	test_apply_group();
	test_wants();
	return (done_testing());
}
