/*
 * The tenant an admin request addresses, and the /admin/v1/tenants
 * collection (contract in admin.h; the router lets only all-tenant tokens
 * reach it).
 */
#ifndef ADMIN_TENANTS_H
#define ADMIN_TENANTS_H

#include <stdint.h>

struct request;

/* 1 when rq carries an all-tenant admin token (--all-tenants). */
int	admin_tenants_all(struct request *);
/*
 * The tenant rq may act on: for name NULL its token's own (TENANT_ALL for
 * an all-tenant token); else the tenant named, which a one-tenant token may
 * name only when it is its own.  0 with *out set, or -1 after replying the
 * error (403, 404, a store error) itself.
 */
int	admin_tenants_scope(struct request *, const char *name, uint32_t *out);

/* GET /tenants, POST /tenants {"name"}, DELETE /tenants/{name}. */
void	admin_tenants_list(struct request *);
void	admin_tenants_create(struct request *);
void	admin_tenants_delete(struct request *, const char *name);

#endif /* ADMIN_TENANTS_H */
