/*
 * SCIM schemas as static tables (RFC 7643 sections 4 and 7): attribute
 * metadata, the resource types built from them, and case-insensitive path
 * resolution.  Validation (validate.c), projection (projection.c), the
 * discovery documents (discovery.c), filters and PATCH all read these same
 * tables, so what is advertised is exactly what is enforced.
 *
 * Document layout used everywhere in scimd: core attributes are top-level
 * members with their canonical names; extension attributes live in an object
 * under the extension's full URN; "schemas", "id", "externalId" and "meta"
 * are top level.  Stored documents always use canonical attribute names, so
 * code reading a stored document may use exact-case lookups.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

enum schema_type {
	SCHEMA_STRING,
	SCHEMA_BOOLEAN,
	SCHEMA_DECIMAL,
	SCHEMA_INTEGER,
	SCHEMA_DATETIME,
	SCHEMA_BINARY,
	SCHEMA_REFERENCE,
	SCHEMA_COMPLEX
};

enum schema_mutability {
	SCHEMA_READWRITE,
	SCHEMA_READONLY,
	SCHEMA_IMMUTABLE,
	SCHEMA_WRITEONLY
};

enum schema_returned {
	SCHEMA_RET_DEFAULT,
	SCHEMA_RET_ALWAYS,
	SCHEMA_RET_NEVER,
	SCHEMA_RET_REQUEST
};

enum schema_uniqueness {
	SCHEMA_UNIQ_NONE,
	SCHEMA_UNIQ_SERVER,
	SCHEMA_UNIQ_GLOBAL
};

/* sa_flags */
#define SCHEMA_F_EXTERNAL	0x01	/* kept outside the document (Group.members) */
#define SCHEMA_F_DERIVED	0x02	/* computed at read time (User.groups) */

struct schema_attr {
	const char			*sa_name;	/* NULL ends a table */
	enum schema_type		 sa_type;
	unsigned int			 sa_multi:1;
	unsigned int			 sa_required:1;
	unsigned int			 sa_case_exact:1;
	enum schema_mutability		 sa_mut;
	enum schema_returned		 sa_returned;
	enum schema_uniqueness		 sa_uniq;
	unsigned int			 sa_flags;
	const char			*sa_desc;
	const char *const		*sa_canon;	/* canonicalValues or NULL */
	const char *const		*sa_reftypes;	/* referenceTypes or NULL */
	const struct schema_attr	*sa_subs;	/* complex: sub-attributes */
};

struct schema {
	const char			*sc_id;		/* URN */
	const char			*sc_name;
	const char			*sc_desc;
	const struct schema_attr	*sc_attrs;
};

/* Key tag of a resource kind in every LMDB key (architecture.md section 3). */
#define RT_TAG_USER	0x55	/* 'U' */
#define RT_TAG_GROUP	0x47	/* 'G' */

struct resource_type {
	const char			*rt_name;	/* "User" */
	const char			*rt_endpoint;	/* "Users" */
	const char			*rt_desc;
	uint8_t				 rt_tag;
	const struct schema		*rt_schema;	/* core schema */
	const struct schema *const	*rt_exts;	/* NULL-terminated */
};

extern const struct schema		 schema_user;
extern const struct schema		 schema_enterprise;
extern const struct schema		 schema_group;
extern const struct resource_type	 user_type;
extern const struct resource_type	 group_type;
/* Every resource type, NULL-terminated. */
extern const struct resource_type *const schema_types[];
/* id, externalId and meta: common to every resource type (RFC 7643 3.1). */
extern const struct schema_attr		 schema_common_attrs[];

/* A resolved attribute path. */
struct schema_path {
	const struct schema		*sp_ext;	/* extension, or NULL (core/common) */
	const struct schema_attr	*sp_attr;	/* top attribute of its schema */
	const struct schema_attr	*sp_sub;	/* sub-attribute, or NULL */
};

/*
 * Resolve "attr", "attr.sub", "urn:...:attr" or "urn:...:attr.sub" (len
 * bytes, ASCII case-insensitive; the core schema URN may prefix core
 * attributes).  A bare extension URN resolves with sp_attr NULL.  Returns
 * SCIM_OK or SCIM_EPATH.
 */
int	schema_resolve(const struct resource_type *rt, const char *path,
	    size_t len, struct schema_path *out);

/* Attribute named name (len bytes, any case) in table, or NULL. */
const struct schema_attr *schema_attr_find(const struct schema_attr *table,
	    const char *name, size_t len);

/* Extension of rt whose URN equals urn (len bytes, any case), or NULL. */
const struct schema *schema_ext_find(const struct resource_type *rt,
	    const char *urn, size_t len);

/* Resource type by endpoint name ("Users") or by name ("User"), or NULL. */
const struct resource_type *schema_type_by_endpoint(const char *ep, size_t len);
const struct resource_type *schema_type_by_name(const char *name);
const struct resource_type *schema_type_by_tag(uint8_t tag);

/*
 * The value a resolved path designates in a stored document: the top-level
 * (or extension) attribute value, borrowed; sp_sub is not applied.  NULL when
 * absent.
 */
struct json_object *schema_value(struct json_object *doc,
	    const struct schema_path *p);

/* Human name of a type ("string", "boolean", ...), as in RFC 7643 7. */
const char *schema_type_name(enum schema_type);

#endif /* SCHEMA_H */
