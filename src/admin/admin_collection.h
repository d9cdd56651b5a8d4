/*
 * What the admin API's collections (tokens, tenants) share: the list
 * reply, the JSON body of a create, and a change through the group commit
 * that replies once it is committed.
 */
#ifndef ADMIN_COLLECTION_H
#define ADMIN_COLLECTION_H

#include <stdint.h>

#include "commit.h"
#include "tenant.h"
#include "token.h"

struct json_object;
struct request;
struct store_txn;

/*
 * Reply 200 {"<key>":[...]} with the members each adds to arr inside a
 * read transaction (each returns SCIM_OK or a store error, which is the
 * reply then).  arg is each's.
 */
void	admin_collection_list(struct request *, const char *key,
	    int (*each)(struct store_txn *, struct json_object *arr, void *arg),
	    void *arg);

/*
 * The request body as a new JSON object, or NULL after replying the error
 * (413 past max_body, 400 invalidSyntax when it is no JSON object).
 */
struct json_object *admin_collection_body(struct request *);
/* A decimal u64 (a query parameter): 0, or -1 when s is not one. */
int	admin_parse_u64(const char *s, uint64_t *out);

/*
 * One change of a collection.  ao_apply runs in the batch (a nested
 * transaction); after the commit the request gets the error (with
 * ao_unique or ao_missing as the detail of SCIM_EUNIQUE and SCIM_ENOTFOUND,
 * "names use ..." for SCIM_EINVAL), or what ao_created replies (201), or
 * 204 when ao_created is NULL.  The op is wiped (it may hold a secret) and
 * freed after the reply.
 */
struct admin_collection_op {
	struct commit_op	 ao_op;		/* first: the commit queue's view */
	struct request		*ao_rq;
	int			(*ao_apply)(struct store_txn *,
				    struct admin_collection_op *);
	void			(*ao_created)(struct admin_collection_op *);
	const char		*ao_unique;	/* detail of SCIM_EUNIQUE */
	const char		*ao_missing;	/* detail of SCIM_ENOTFOUND */
	char			 ao_name[TOKEN_NAME_MAX];
	char			 ao_tenant_name[TENANT_NAME_MAX + 1];
	uint32_t		 ao_tenant;	/* resolved or given */
	int64_t			 ao_expires;
	char			 ao_secret[TOKEN_SECRET_MAX];
};

/* A new op for rq changing the member name (copied). */
struct admin_collection_op *admin_collection_op(struct request *,
	    const char *name,
	    int (*apply)(struct store_txn *, struct admin_collection_op *),
	    void (*created)(struct admin_collection_op *));
/* Queue ao; it replies and frees itself after the commit. */
void	admin_collection_submit(struct admin_collection_op *ao);

#endif /* ADMIN_COLLECTION_H */
