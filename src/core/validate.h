/*
 * Turning a client's resource document into scimd's canonical stored form
 * (RFC 7643): attribute names in canonical case, extension attributes under
 * their URN, null and empty values dropped, "True"/"False" strings for
 * booleans coerced, types checked against the schema, readOnly attributes
 * (id, meta, groups) ignored, required attributes present.  Values are kept
 * exactly as sent otherwise.  Pure: no LMDB, no libevent.
 */
#ifndef VALIDATE_H
#define VALIDATE_H

struct json_object;
struct resource_type;
struct scim_errbuf;

/* validate_resource flags */
#define VALIDATE_KEEP_EXTERNAL	0x01	/* keep Group.members in the output */
#define VALIDATE_NEED_SCHEMAS	0x02	/* a client's body: "schemas" lists
					   rt's core schema, no other type's */

/*
 * Build the canonical form of in (a POST or PUT body, or a document produced
 * by patch_apply) for rt.  *out receives a new object (caller owns) with
 * "schemas" rebuilt from the core URN plus the extensions present; no id or
 * meta (the caller adds them).  Errors: SCIM_ESYNTAX (not an object, unknown
 * attribute, with VALIDATE_NEED_SCHEMAS a "schemas" without rt's core
 * schema or with another type's), SCIM_EINVAL (wrong type, missing required attribute, two
 * primary values, string with a NUL byte, bad dateTime), SCIM_ENOMEM; a detail
 * naming the attribute goes to eb.  Unknown schema URNs in "schemas" and
 * unknown top-level members that are URNs are ignored (Entra sends
 * Microsoft's ADSCIM URN).
 */
int	validate_resource(const struct resource_type *rt,
	    struct json_object *in, int flags, struct json_object **out,
	    struct scim_errbuf *eb);

/*
 * Normalise one attribute value of type attr (as validate_resource would),
 * used by PATCH for values given with a path.  Returns a new reference in
 * *out or an error as above; a null or empty value yields *out NULL and
 * SCIM_OK.
 */
struct schema_attr;
int	validate_value(const struct schema_attr *attr, struct json_object *in,
	    struct json_object **out, struct scim_errbuf *eb);

#endif /* VALIDATE_H */
