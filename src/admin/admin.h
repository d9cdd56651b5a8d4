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

#include <stdint.h>

struct request;

/* Handle rq; rest is the path after "/admin/v1" ("" or "/..."). */
void	admin_dispatch(struct request *rq, const char *rest);

/* Answer every held long-poll now (shutdown). */
void	admin_shutdown(void);

/*
 * For the collections in files of their own (admin_events.c, ...): the
 * tenant rq may act on (its token's, or name for an all-tenant token;
 * replies itself and returns -1 on error), and a decimal u64 (0 or -1).
 */
int	admin_scope(struct request *rq, const char *name, uint32_t *out);
int	admin_parse_u64(const char *s, uint64_t *out);
/* The body as a JSON object (a new reference), or NULL after replying. */
struct json_object *admin_read_object(struct request *rq);

#endif /* ADMIN_H */
