/*
 * Tenants in the store: a name (TENANT_NAME_MAX bytes of [A-Za-z0-9._-])
 * and an id, the 4-byte prefix of every key of the tenant's data (layouts
 * in store_db.h).  Ids come from the "tenant" counter, so they are never
 * reused and none is 0: TENANT_ALL, "every tenant", is token.h's, since
 * tenants sit above tokens (a tenant's deletion deletes its tokens).  Every
 * function runs inside a caller's transaction.
 */
#ifndef TENANT_H
#define TENANT_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;

#define TENANT_NAME_MAX		64
#define TENANT_DEFAULT		"default"

/* Tenant id of name, SCIM_ENOTFOUND when there is none. */
int	tenant_lookup(struct store_txn *, const char *name, uint32_t *id);
/* Create tenant name (SCIM_EUNIQUE if it exists); *id its new id. */
int	tenant_create(struct store_txn *, const char *name, uint32_t *id);
/* Name of tenant id into buf. */
int	tenant_name(struct store_txn *, uint32_t id, char *buf, size_t len);
/* Delete tenant id with all its resources, indexes, audit and tokens. */
int	tenant_delete(struct store_txn *, uint32_t id);
/* Call fn for each tenant. */
int	tenant_each(struct store_txn *,
	    void (*fn)(uint32_t id, const char *name, int64_t created, void *),
	    void *arg);

#endif /* TENANT_H */
