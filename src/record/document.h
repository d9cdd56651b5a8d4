/*
 * Turning a stored record into a response (meta.location, derived
 * Group.members and User.groups, the projection).
 */
#ifndef DOCUMENT_H
#define DOCUMENT_H

#include <stdint.h>

struct json_object;
struct request;
struct resource_type;
struct store_txn;

/* "base/Users/id", allocated. */
char	*document_location(const char *base, const struct resource_type *rt,
	    const char *id);
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
