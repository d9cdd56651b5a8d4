/*
 * The schema tables (RFC 7643 sections 4, 8.7.1 and 8.7.2) and path
 * resolution over them.  Every other module derives its behaviour from these
 * rows: add an attribute here and validation, filters, PATCH, projection and
 * /Schemas all know it.
 */
#include "scimd.h"

#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "schema.h"

/* Row helpers: name, type, multi, required, caseExact, mutability, returned. */
#define A(n, t, m, r, c, mu, re, d)					\
	{ .sa_name = (n), .sa_type = (t), .sa_multi = (m),		\
	  .sa_required = (r), .sa_case_exact = (c), .sa_mut = (mu),	\
	  .sa_returned = (re), .sa_desc = (d) }
#define STR(n, d)	A(n, SCHEMA_STRING, 0, 0, 0, SCHEMA_READWRITE,	\
			    SCHEMA_RET_DEFAULT, d)
#define END		{ .sa_name = NULL }

static const char *const canon_email_type[] = { "work", "home", "other", NULL };
static const char *const canon_phone_type[] = { "work", "home", "mobile",
	"fax", "pager", "other", NULL };
static const char *const canon_im_type[] = { "aim", "gtalk", "icq", "xmpp",
	"msn", "skype", "qq", "yahoo", NULL };
static const char *const canon_photo_type[] = { "photo", "thumbnail", NULL };
static const char *const canon_addr_type[] = { "work", "home", "other", NULL };
static const char *const canon_group_type[] = { "direct", "indirect", NULL };
static const char *const canon_member_type[] = { "User", "Group", NULL };
static const char *const canon_rtype[] = { "User", "Group", NULL };
static const char *const ref_external[] = { "external", NULL };
static const char *const ref_uri[] = { "uri", NULL };
static const char *const ref_user_group[] = { "User", "Group", NULL };
static const char *const ref_user[] = { "User", NULL };

static const struct schema_attr name_subs[] = {
	STR("formatted", "The full name, formatted for display"),
	STR("familyName", "The family name (last name)"),
	STR("givenName", "The given name (first name)"),
	STR("middleName", "The middle name(s)"),
	STR("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'"),
	STR("honorificSuffix", "The honorific suffix(es), e.g. 'III'"),
	END
};

#define PRIMARY	A("primary", SCHEMA_BOOLEAN, 0, 0, 0, SCHEMA_READWRITE,	\
		    SCHEMA_RET_DEFAULT, "Whether this value is the primary one")
#define DISPLAY	STR("display", "A human-readable name for display")

static const struct schema_attr email_subs[] = {
	STR("value", "The email address"),
	DISPLAY,
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_desc = "A label: work, home or other",
	  .sa_canon = canon_email_type },
	PRIMARY,
	END
};

static const struct schema_attr phone_subs[] = {
	STR("value", "The phone number"),
	DISPLAY,
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_desc = "A label: work, home, mobile, fax, pager or other",
	  .sa_canon = canon_phone_type },
	PRIMARY,
	END
};

static const struct schema_attr im_subs[] = {
	STR("value", "The instant messaging address"),
	DISPLAY,
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_desc = "A label for the service", .sa_canon = canon_im_type },
	PRIMARY,
	END
};

static const struct schema_attr photo_subs[] = {
	{ .sa_name = "value", .sa_type = SCHEMA_REFERENCE,
	  .sa_desc = "URL of the photo", .sa_reftypes = ref_external },
	DISPLAY,
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_desc = "photo or thumbnail", .sa_canon = canon_photo_type },
	PRIMARY,
	END
};

static const struct schema_attr addr_subs[] = {
	STR("formatted", "The full mailing address, formatted for display"),
	STR("streetAddress", "The street address"),
	STR("locality", "The city or locality"),
	STR("region", "The state or region"),
	STR("postalCode", "The zip code or postal code"),
	STR("country", "The country name"),
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_desc = "A label: work, home or other",
	  .sa_canon = canon_addr_type },
	PRIMARY,
	END
};

static const struct schema_attr user_group_subs[] = {
	{ .sa_name = "value", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The id of the group" },
	{ .sa_name = "$ref", .sa_type = SCHEMA_REFERENCE,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The URI of the group",
	  .sa_reftypes = ref_user_group },
	{ .sa_name = "display", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The group's displayName" },
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "direct or indirect",
	  .sa_canon = canon_group_type },
	END
};

static const struct schema_attr generic_subs[] = {
	STR("value", "The value"),
	DISPLAY,
	STR("type", "A label for the value"),
	PRIMARY,
	END
};

static const struct schema_attr cert_subs[] = {
	{ .sa_name = "value", .sa_type = SCHEMA_BINARY,
	  .sa_desc = "A DER-encoded X.509 certificate, base64" },
	DISPLAY,
	STR("type", "A label for the certificate"),
	PRIMARY,
	END
};

#define MULTI(n, subs, d)						\
	{ .sa_name = (n), .sa_type = SCHEMA_COMPLEX, .sa_multi = 1,	\
	  .sa_desc = (d), .sa_subs = (subs) }

static const struct schema_attr user_attrs[] = {
	{ .sa_name = "userName", .sa_type = SCHEMA_STRING, .sa_required = 1,
	  .sa_uniq = SCHEMA_UNIQ_SERVER,
	  .sa_desc = "Unique identifier for the User, used to sign in" },
	{ .sa_name = "name", .sa_type = SCHEMA_COMPLEX,
	  .sa_desc = "The components of the user's name", .sa_subs = name_subs },
	STR("displayName", "The name of the User, for display"),
	STR("nickName", "The casual way to address the user"),
	{ .sa_name = "profileUrl", .sa_type = SCHEMA_REFERENCE,
	  .sa_desc = "A URL of the user's online profile",
	  .sa_reftypes = ref_external },
	STR("title", "The user's title, such as 'Vice President'"),
	STR("userType", "The relationship between organization and user"),
	STR("preferredLanguage", "Preferred written or spoken language"),
	STR("locale", "Default location, for localising"),
	STR("timezone", "Time zone in IANA format"),
	{ .sa_name = "active", .sa_type = SCHEMA_BOOLEAN,
	  .sa_desc = "The user's administrative status" },
	{ .sa_name = "password", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_WRITEONLY, .sa_returned = SCHEMA_RET_NEVER,
	  .sa_desc = "The user's cleartext password (never returned)" },
	MULTI("emails", email_subs, "Email addresses for the user"),
	MULTI("phoneNumbers", phone_subs, "Phone numbers for the user"),
	MULTI("ims", im_subs, "Instant messaging addresses for the user"),
	MULTI("photos", photo_subs, "URLs of photos of the user"),
	MULTI("addresses", addr_subs, "Physical mailing addresses"),
	{ .sa_name = "groups", .sa_type = SCHEMA_COMPLEX, .sa_multi = 1,
	  .sa_mut = SCHEMA_READONLY, .sa_flags = SCHEMA_F_DERIVED,
	  .sa_desc = "Groups the user belongs to (read-only)",
	  .sa_subs = user_group_subs },
	MULTI("entitlements", generic_subs, "Entitlements of the user"),
	MULTI("roles", generic_subs, "Roles of the user"),
	MULTI("x509Certificates", cert_subs, "X.509 certificates of the user"),
	END
};

static const struct schema_attr manager_subs[] = {
	{ .sa_name = "value", .sa_type = SCHEMA_STRING,
	  .sa_desc = "The id of the manager's User resource" },
	{ .sa_name = "$ref", .sa_type = SCHEMA_REFERENCE,
	  .sa_desc = "The URI of the manager's User resource",
	  .sa_reftypes = ref_user },
	{ .sa_name = "displayName", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The manager's displayName" },
	END
};

static const struct schema_attr enterprise_attrs[] = {
	STR("employeeNumber", "Identifier assigned by the organization"),
	STR("costCenter", "Name of a cost center"),
	STR("organization", "Name of an organization"),
	STR("division", "Name of a division"),
	STR("department", "Name of a department"),
	{ .sa_name = "manager", .sa_type = SCHEMA_COMPLEX,
	  .sa_desc = "The user's manager", .sa_subs = manager_subs },
	END
};

static const struct schema_attr member_subs[] = {
	{ .sa_name = "value", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_IMMUTABLE, .sa_desc = "The id of the member" },
	{ .sa_name = "$ref", .sa_type = SCHEMA_REFERENCE,
	  .sa_mut = SCHEMA_IMMUTABLE, .sa_desc = "The URI of the member",
	  .sa_reftypes = ref_user_group },
	{ .sa_name = "type", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_IMMUTABLE, .sa_desc = "User or Group",
	  .sa_canon = canon_member_type },
	{ .sa_name = "display", .sa_type = SCHEMA_STRING,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The member's display name" },
	END
};

static const struct schema_attr group_attrs[] = {
	{ .sa_name = "displayName", .sa_type = SCHEMA_STRING, .sa_required = 1,
	  .sa_uniq = SCHEMA_UNIQ_SERVER,
	  .sa_desc = "A human-readable name for the Group" },
	{ .sa_name = "members", .sa_type = SCHEMA_COMPLEX, .sa_multi = 1,
	  .sa_flags = SCHEMA_F_EXTERNAL, .sa_desc = "A list of members",
	  .sa_subs = member_subs },
	END
};

static const struct schema_attr meta_subs[] = {
	{ .sa_name = "resourceType", .sa_type = SCHEMA_STRING,
	  .sa_case_exact = 1, .sa_mut = SCHEMA_READONLY,
	  .sa_desc = "The name of the resource type",
	  .sa_canon = canon_rtype },
	{ .sa_name = "created", .sa_type = SCHEMA_DATETIME,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "When the resource was added" },
	{ .sa_name = "lastModified", .sa_type = SCHEMA_DATETIME,
	  .sa_mut = SCHEMA_READONLY,
	  .sa_desc = "When the resource was last changed" },
	{ .sa_name = "location", .sa_type = SCHEMA_REFERENCE,
	  .sa_case_exact = 1, .sa_mut = SCHEMA_READONLY,
	  .sa_desc = "The URI of the resource", .sa_reftypes = ref_uri },
	{ .sa_name = "version", .sa_type = SCHEMA_STRING, .sa_case_exact = 1,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "The version (ETag)" },
	END
};

const struct schema_attr schema_common_attrs[] = {
	{ .sa_name = "id", .sa_type = SCHEMA_STRING, .sa_case_exact = 1,
	  .sa_mut = SCHEMA_READONLY, .sa_returned = SCHEMA_RET_ALWAYS,
	  .sa_uniq = SCHEMA_UNIQ_SERVER,
	  .sa_desc = "Unique identifier assigned by the service provider" },
	{ .sa_name = "externalId", .sa_type = SCHEMA_STRING,
	  .sa_case_exact = 1,
	  .sa_desc = "Identifier assigned by the provisioning client" },
	{ .sa_name = "meta", .sa_type = SCHEMA_COMPLEX,
	  .sa_mut = SCHEMA_READONLY, .sa_desc = "Resource metadata",
	  .sa_subs = meta_subs },
	END
};

const struct schema schema_user = {
	.sc_id = SCIM_SCHEMA_USER,
	.sc_name = "User",
	.sc_desc = "User Account",
	.sc_attrs = user_attrs,
};

const struct schema schema_enterprise = {
	.sc_id = SCIM_SCHEMA_ENTERPRISE,
	.sc_name = "EnterpriseUser",
	.sc_desc = "Enterprise User",
	.sc_attrs = enterprise_attrs,
};

const struct schema schema_group = {
	.sc_id = SCIM_SCHEMA_GROUP,
	.sc_name = "Group",
	.sc_desc = "Group",
	.sc_attrs = group_attrs,
};

static const struct schema *const user_exts[] = { &schema_enterprise, NULL };
static const struct schema *const no_exts[] = { NULL };

const struct resource_type user_type = {
	.rt_name = "User",
	.rt_endpoint = "Users",
	.rt_desc = "User Account",
	.rt_tag = RT_TAG_USER,
	.rt_schema = &schema_user,
	.rt_exts = user_exts,
};

const struct resource_type group_type = {
	.rt_name = "Group",
	.rt_endpoint = "Groups",
	.rt_desc = "Group",
	.rt_tag = RT_TAG_GROUP,
	.rt_schema = &schema_group,
	.rt_exts = no_exts,
};

const struct resource_type *const schema_types[] = {
	&user_type, &group_type, NULL
};

const struct schema_attr *
schema_attr_find(const struct schema_attr *table, const char *name, size_t len)
{
	for (; table != NULL && table->sa_name != NULL; table++)
		if (strlen(table->sa_name) == len &&
		    strncasecmp(table->sa_name, name, len) == 0)
			return (table);
	return (NULL);
}

const struct schema *
schema_ext_find(const struct resource_type *rt, const char *urn, size_t len)
{
	const struct schema *const	*e;

	for (e = rt->rt_exts; *e != NULL; e++)
		if (strlen((*e)->sc_id) == len &&
		    strncasecmp((*e)->sc_id, urn, len) == 0)
			return (*e);
	return (NULL);
}

/* Resolve "attr" or "attr.sub" within one schema's table (or common). */
static int
resolve_in(const struct schema_attr *table, int with_common, const char *p,
    size_t len, struct schema_path *out)
{
	const char	*dot = memchr(p, '.', len);
	size_t		 alen = dot != NULL ? (size_t)(dot - p) : len;

	if (alen == 0)
		return (SCIM_EPATH);
	out->sp_attr = schema_attr_find(table, p, alen);
	if (out->sp_attr == NULL && with_common)
		out->sp_attr = schema_attr_find(schema_common_attrs, p, alen);
	if (out->sp_attr == NULL)
		return (SCIM_EPATH);
	out->sp_sub = NULL;
	if (dot == NULL)
		return (SCIM_OK);
	if (out->sp_attr->sa_type != SCHEMA_COMPLEX)
		return (SCIM_EPATH);
	out->sp_sub = schema_attr_find(out->sp_attr->sa_subs, dot + 1,
	    len - alen - 1);
	return (out->sp_sub != NULL ? SCIM_OK : SCIM_EPATH);
}

int
schema_resolve(const struct resource_type *rt, const char *path, size_t len,
    struct schema_path *out)
{
	const struct schema *const	*e;
	size_t				 ulen;

	memset(out, 0, sizeof(*out));
	if (len >= 4 && strncasecmp(path, "urn:", 4) == 0) {
		for (e = rt->rt_exts; *e != NULL; e++) {
			ulen = strlen((*e)->sc_id);
			if (len < ulen || strncasecmp(path, (*e)->sc_id, ulen))
				continue;
			if (len == ulen) {
				out->sp_ext = *e;
				return (SCIM_OK);
			}
			if (path[ulen] != ':')
				continue;
			out->sp_ext = *e;
			return (resolve_in((*e)->sc_attrs, 0, path + ulen + 1,
			    len - ulen - 1, out));
		}
		ulen = strlen(rt->rt_schema->sc_id);
		if (len > ulen && strncasecmp(path, rt->rt_schema->sc_id,
		    ulen) == 0 && path[ulen] == ':')
			return (resolve_in(rt->rt_schema->sc_attrs, 1,
			    path + ulen + 1, len - ulen - 1, out));
		return (SCIM_EPATH);
	}
	return (resolve_in(rt->rt_schema->sc_attrs, 1, path, len, out));
}

const struct resource_type *
schema_type_by_endpoint(const char *ep, size_t len)
{
	const struct resource_type *const	*t;

	for (t = schema_types; *t != NULL; t++)
		if (strlen((*t)->rt_endpoint) == len &&
		    memcmp((*t)->rt_endpoint, ep, len) == 0)
			return (*t);
	return (NULL);
}

const struct resource_type *
schema_type_by_name(const char *name)
{
	const struct resource_type *const	*t;

	for (t = schema_types; *t != NULL; t++)
		if (strcmp((*t)->rt_name, name) == 0)
			return (*t);
	return (NULL);
}

const struct resource_type *
schema_type_by_tag(uint8_t tag)
{
	const struct resource_type *const	*t;

	for (t = schema_types; *t != NULL; t++)
		if ((*t)->rt_tag == tag)
			return (*t);
	return (NULL);
}

struct json_object *
schema_value(struct json_object *doc, const struct schema_path *p)
{
	struct json_object	*v;

	if (p->sp_ext != NULL) {
		if (!json_object_object_get_ex(doc, p->sp_ext->sc_id, &v))
			return (NULL);
		if (p->sp_attr == NULL)
			return (v);
		doc = v;
	}
	if (p->sp_attr == NULL ||
	    !json_object_object_get_ex(doc, p->sp_attr->sa_name, &v))
		return (NULL);
	return (v);
}

const char *
schema_type_name(enum schema_type t)
{
	static const char *const names[] = { "string", "boolean", "decimal",
	    "integer", "dateTime", "binary", "reference", "complex" };

	return (names[t]);
}
