/*
 * POST /Bulk (RFC 7644 section 3.7): operations applied in order through
 * the ordinary write path, "bulkId:x" references resolved to the ids that
 * earlier operations of the same request created, failOnErrors honoured,
 * maxOperations and maxPayloadSize enforced (413).
 */
#ifndef BULK_H
#define BULK_H

#include <stddef.h>

struct json_object;
struct request;
struct resource_type;

void	bulk_handle(struct request *rq);

/*
 * The pure part of Bulk, without a request or the store (fuzz/fuzz_bulk.c):
 * bulk_check_request() checks the BulkRequest document and returns its
 * Operations array (borrowed) and failOnErrors, or an error with *err set.
 * bulk_check_op() checks one operation: *method (canonical, NULL if bad,
 * set even on error), *rt and *id (owned by the caller, NULL for POST or on
 * error); it returns NULL or the reason the operation is malformed.
 * bulk_substitute() replaces every "bulkId:x" string value in v (in place)
 * with lookup(arg, "x"); -1 with *bad = "x" when lookup returns NULL.
 */
typedef const char *(*bulk_lookup_fn)(void *, const char *);

int	bulk_check_request(struct json_object *, size_t max_ops,
	    struct json_object **ops, long *fail_on, const char **err);
const char *bulk_check_op(struct json_object *, const char **method,
	    const struct resource_type **rt, char **id);
int	bulk_substitute(struct json_object *, bulk_lookup_fn, void *,
	    const char **bad);

#endif /* BULK_H */
