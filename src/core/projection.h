/*
 * The attributes / excludedAttributes parameters (RFC 7644 section
 * 3.4.2.5) together with each attribute's "returned" characteristic (RFC 7643
 * section 7): which parts of a stored document a response carries.  Pure.
 */
#ifndef PROJECTION_H
#define PROJECTION_H

struct json_object;
struct resource_type;
struct schema_attr;
struct scim_errbuf;

struct projection;

/*
 * Parse the comma-separated attributes and excludedAttributes lists (either
 * may be NULL or empty; both non-empty is allowed, attributes wins).  Names
 * may be "attr", "attr.sub" or URN-qualified, in any case; unknown names are
 * ignored (RFC 7644 leaves them to the server; clients send other servers'
 * attributes).  Returns SCIM_OK and *out (NULL when neither list is given,
 * meaning "the defaults"), or SCIM_ENOMEM.
 */
int	projection_parse(const struct resource_type *rt, const char *attributes,
	    const char *excluded, struct projection **out,
	    struct scim_errbuf *eb);

void	projection_free(struct projection *);

/*
 * New document holding what a response must carry of doc: "returned: always"
 * attributes (id, schemas) always, "never" (password) never, "request" only
 * when named, "default" unless excluded or another list names others.  p may
 * be NULL (the defaults).  The result shares children with doc (json-c
 * references); the caller puts it.  NULL on ENOMEM.
 */
struct json_object *projection_apply(const struct projection *p,
	    const struct resource_type *rt, struct json_object *doc);

/*
 * 1 when a response under p includes attribute attr (a top-level attribute of
 * rt's core schema or an extension), else 0: lets the caller skip computing
 * Group.members or User.groups when they would be dropped.
 */
int	projection_wants(const struct projection *p,
	    const struct resource_type *rt, const struct schema_attr *attr);

/* 1 when p is NULL or keeps every default attribute unchanged. */
int	projection_is_default(const struct projection *p);

#endif /* PROJECTION_H */
