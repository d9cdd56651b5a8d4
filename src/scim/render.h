/*
 * Turning a stored record into the body and headers of a reply: its URL
 * (meta.location is not stored: it depends on the URL clients use), the
 * derived Group.members (paged by members.startIndex / members.count) and
 * User.groups, and the projection (attributes / excludedAttributes).  The
 * only module between the record and the wire that reads the request.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct request;
struct resource_type;
struct store_txn;

/* "base/Users/id", allocated. */
char	*render_location(const char *base, const struct resource_type *rt,
	    const char *id);

/*
 * The response document for record doc (number rid, type rt) under rq's
 * projection, with meta.location and the derived attributes; *out is a
 * new reference.
 */
int	render_resource(struct store_txn *, struct request *rq,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object *doc, struct json_object **out);

/*
 * render_resource for a User just created, without the store: it is in no
 * group yet.
 */
int	render_new_user(struct request *rq, const struct resource_type *rt,
	    struct json_object *doc, struct json_object **out);

/*
 * The fast path of a read: when the response is the stored record as it
 * is (a User under the default projection, in no group, without a stored
 * password), splice meta.location into the stored bytes instead of parsing
 * and re-serialising.  Returns 1 and an allocated buffer in *out (*outlen
 * bytes), or 0 when render_resource must run.  etag (etaglen bytes)
 * receives meta.version.
 */
int	render_raw(struct store_txn *, struct request *rq,
	    const struct resource_type *rt, uint64_t rid, char **out,
	    size_t *outlen, char *etag, size_t etaglen);
/*
 * The same from the stored form at hand (doc, len bytes) of a User in no
 * group (one just created); 0 for any other resource.
 */
int	render_text(struct request *rq, const struct resource_type *rt,
	    const char *doc, size_t len, char **out, size_t *outlen,
	    char *etag, size_t etaglen);

#endif /* RENDER_H */
