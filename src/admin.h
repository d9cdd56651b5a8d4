/*
 * The admin API under /admin/v1 (audit log, tokens, tenants), reached with
 * admin tokens only.  An admin token scoped to one tenant sees that tenant;
 * one created with --all-tenants sees every tenant.
 */
#ifndef ADMIN_H
#define ADMIN_H

struct request;

/* Handle rq; rest is the path after "/admin/v1" ("" or "/..."). */
void	admin_dispatch(struct request *rq, const char *rest);

#endif /* ADMIN_H */
