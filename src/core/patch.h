/*
 * RFC 7644 section 3.5.2 PATCH, including the forms Microsoft Entra ID sends
 * that the RFC does not define (see ../shared/docs/entra.md sections 4, 5
 * and 12): op names in any case, booleans as "True"/"False" strings, path-less
 * values with dotted and URN keys, filtered paths that create the element
 * they name, manager as a bare id, member removal by a value array.  Pure: no
 * LMDB, no libevent.
 *
 * Attributes flagged SCHEMA_F_EXTERNAL (Group.members) are not in the
 * document; operations on them are returned as struct patch_member_op for the
 * caller to apply to the membership store.
 */
#ifndef PATCH_H
#define PATCH_H

#include <stddef.h>

#include "schema.h"

struct filter;
struct filter_limits;
struct json_object;
struct scim_errbuf;

struct patch;		/* parsed PatchOp request, opaque */

enum patch_member_kind {
	PATCH_MEMBER_ADD,	/* add the ids in pm_values */
	PATCH_MEMBER_REMOVE,	/* remove the ids in pm_values */
	PATCH_MEMBER_REMOVE_ALL,/* remove every member */
	PATCH_MEMBER_REMOVE_IF	/* remove members matching pm_filter */
};

/*
 * One membership change, in request order.  A "replace" of members becomes
 * REMOVE_ALL followed by ADD.  pm_values is an array of member objects as
 * sent ({"value": id, ...}), borrowed from the patch; pm_filter is a
 * filter_parse_sub filter over member sub-attributes, borrowed.
 */
struct patch_member_op {
	enum patch_member_kind	 pm_kind;
	struct json_object	*pm_values;
	const struct filter	*pm_filter;
};

/*
 * Parse a PatchOp body for resource type rt.  Checks the schemas member,
 * that Operations is a non-empty array of objects with a known op, parses
 * every path (invalidPath for an unknown attribute or malformed path) and
 * rejects writes to readOnly attributes (mutability).  Returns SCIM_OK and
 * *out (free with patch_free), or a SCIM_E* code with a detail in eb.
 * maxops bounds the number of operations (SCIM_EINVAL beyond it; 0 means
 * no limit).
 */
int	patch_parse(struct json_object *body, const struct resource_type *rt,
	    const struct filter_limits *limits, size_t maxops,
	    struct patch **out, struct scim_errbuf *eb);

void	patch_free(struct patch *);

/*
 * Apply p to a deep copy of doc (a stored, canonical document; not changed).
 * On SCIM_OK, *out is the new document (caller owns one reference) in
 * canonical form but not yet validated by validate.c, and *mops / *nmops list
 * the membership operations (array owned by the patch, valid until
 * patch_free; may be empty).  On error nothing is returned: SCIM_ENOTARGET,
 * SCIM_EPATH, SCIM_EINVAL, SCIM_EMUTABILITY (immutable attribute changed) or
 * SCIM_ENOMEM, with a detail in eb.
 */
int	patch_apply(const struct patch *p, struct json_object *doc,
	    struct json_object **out, const struct patch_member_op **mops,
	    size_t *nmops, struct scim_errbuf *eb);

#endif /* PATCH_H */
