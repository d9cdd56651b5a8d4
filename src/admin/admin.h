/*
 * The admin API under /admin/v1, reached with admin tokens only (server.c
 * checks the kind).  An admin token scoped to one tenant sees that tenant;
 * one created with --all-tenants sees every tenant and may pick one with
 * ?tenant=NAME.  Errors are SCIM error bodies.
 *
 *   GET    /audit[?since&until&action&status&target&initiator&tenant
 *          &order=desc|asc&limit&after&before&wait]
 *                              {"records":[...],"next":SEQ|null}
 *   GET    /audit/summary[?same filters][&interval=40m]
 *                              counts per action and status; with interval
 *                              (and since) also "buckets": per interval from
 *                              since, {"start","total","failures","skipped"}
 *   GET    /audit/{changeId}               one record
 *   GET    /tokens[?tenant]                {"tokens":[...]} (no secrets)
 *   POST   /tokens {"name","tenant"?,"expiresDays"?}  201, secret once
 *   DELETE /tokens/{name}[?tenant]         204
 *   GET    /tenants, POST /tenants {"name"}, DELETE /tenants/{name}
 *                                          (all-tenant tokens only)
 *
 * after=SEQ walks oldest first from SEQ; with wait=N (at most 60) an empty
 * answer is held until the group commit writes a matching record or N
 * seconds pass.
 */
#ifndef ADMIN_H
#define ADMIN_H

struct request;

/*
 * Handle rq; rest is the path after "/admin/v1" ("" or "/...").  admin.c is
 * the route table; each collection has its file (admin_audit.c,
 * admin_tokens.c, admin_tenants.c), and admin_collection.c holds what
 * tokens and tenants share.
 */
void	admin_dispatch(struct request *rq, const char *rest);

#endif /* ADMIN_H */
