/*
 * Stored resource documents: finding one by id, the pieces every write
 * sets (id order, meta, version), and turning a stored document into a
 * response (meta.location, derived Group.members and User.groups, the
 * projection).  Used by the read handlers, the write path and Bulk.
 */
#ifndef DOCUMENT_H
#define DOCUMENT_H

#include <stdint.h>

struct filter;
struct json_object;
struct request;
struct resource_type;
struct store_txn;

/*
 * Resource number of id in tenant (of type rt, or any type when rt is
 * NULL; *tagp gets the type tag when not NULL).  SCIM_ENOTFOUND when absent
 * or not a well-formed id.
 */
int	document_lookup(struct store_txn *, uint32_t tenant, const char *id,
	    const struct resource_type *rt, uint8_t *tagp, uint64_t *rid);
/* "base/Users/id", allocated. */
char	*document_location(const char *base, const struct resource_type *rt,
	    const char *id);
/* meta.version of doc (borrowed), or NULL. */
const char *document_version(struct json_object *doc);
/* 1 when an If-Match / If-None-Match header value matches version. */
int	document_etag_matches(const char *hdr, const char *version);
/* New object: doc's members with "id" placed after "schemas", no meta. */
struct json_object *document_with_id(struct json_object *doc, const char *id);
/* Set meta (created kept from old, lastModified now, a new version). */
int	document_set_meta(struct store_txn *, const struct resource_type *rt,
	    struct json_object *doc, struct json_object *old);
/* Write doc as resource rid of tenant. */
int	document_put(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object *doc);
/*
 * Resources of one type in a tenant, kept in STORE_META ("n" T K -> u64)
 * in the same transaction as every create and delete, so listings know
 * totalResults without walking the tenant.
 */
int	document_count(struct store_txn *, uint32_t tenant, uint8_t tag,
	    int delta);
int	document_total(struct store_txn *, uint32_t tenant, uint8_t tag,
	    uint64_t *n);
/* {value, $ref (when base), type, display} of member (tag, rid), or NULL. */
struct json_object *document_member(struct store_txn *, uint32_t tenant,
	    uint8_t tag, uint64_t rid, const char *base);
/*
 * Members of group grid as member objects into *objs (a new array); with
 * f, only those matching it, and *pairs (when not NULL) gets [tag, rid] of
 * each.
 */
int	document_members(struct store_txn *, uint32_t tenant, uint64_t grid,
	    const char *base, const struct filter *f, struct json_object **objs,
	    struct json_object **pairs);
/* The response document for stored doc of type rt under rq's projection. */
int	document_render(struct store_txn *, struct request *rq,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object *doc, struct json_object **out);

/*
 * The fast path of a read: when the response is the stored document as it
 * is (a User under the default projection, in no group, without a stored
 * password), splice meta.location into the stored bytes instead of parsing
 * and re-serialising.  Returns 1 and an allocated buffer in *out (*outlen
 * bytes), or 0 when the slow path must run.  etag (etaglen bytes) receives meta.version.
 */
int	document_raw(struct store_txn *, struct request *rq,
	    const struct resource_type *rt, uint64_t rid, char **out,
	    size_t *outlen, char *etag, size_t etaglen);

#endif /* DOCUMENT_H */
