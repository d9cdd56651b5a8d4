/*
 * GET /admin/v1/audit, /audit/summary and /audit/{changeId} (contract in
 * admin.h): the request's parameters turned into an audit_query, the
 * query run by audit_query.c, the answer as JSON.  A list asked to wait
 * (after=SEQ&wait=N) is held as a long-poll until a commit that wrote
 * records finds it something, or N seconds pass.
 */
#ifndef ADMIN_AUDIT_H
#define ADMIN_AUDIT_H

struct request;

/* GET /audit: a page of records, or a held long-poll. */
void	admin_audit_list(struct request *);
/* GET /audit/{changeId}: one record, 404 when the scope has none. */
void	admin_audit_show(struct request *, const char *change_id);
/* GET /audit/summary: counts, and with interval the buckets. */
void	admin_audit_summary(struct request *);

/*
 * Follow the group commit (commit_watch): after each commit that wrote
 * audit records the held long-polls look again.  Once, at start-up.
 */
void	admin_audit_start(void);
/* Held long-polls look again (another process wrote to a shared store). */
void	admin_audit_wake(void);
/* Answer every held long-poll now (shutdown). */
void	admin_audit_shutdown(void);

#endif /* ADMIN_AUDIT_H */
