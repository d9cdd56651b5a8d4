/*
 * Reading the provisioning log: filtered, ordered, paged walks over the
 * audit database (layout in audit.h), and the retention pruner's deletion
 * step.  Every function runs inside a caller's transaction.
 *
 * Walks follow the key order (tenant, seq) and merge tenants by seq, so
 * newest-first and oldest-first cost one cursor step per record.  A record's
 * time is read from its raw bytes without parsing the JSON; only records
 * inside the time and seq bounds are parsed.  Time bounds assume that time
 * grows with seq (one writer; true unless the wall clock steps back), which
 * lets a walk binary-search its start and stop at the first record outside.
 */
#ifndef AUDIT_QUERY_H
#define AUDIT_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct store_txn;

struct audit_query {
	uint32_t	 aq_tenant;	/* TENANT_ALL (0): every tenant */
	int64_t		 aq_since;	/* ms since the epoch, 0: open */
	int64_t		 aq_until;	/* ms since the epoch, 0: open */
	const char	*aq_action;	/* exact, any case; NULL: any */
	const char	*aq_status;	/* exact, any case; NULL: any */
	const char	*aq_target;	/* target id, or name (any case) */
	const char	*aq_initiator;	/* token name, exact */
	const char	*aq_change_id;	/* exact */
	uint64_t	 aq_after;	/* only seq > after (0: none) */
	uint64_t	 aq_before;	/* only seq < before (0: none) */
	int		 aq_asc;	/* oldest first (default newest first) */
	size_t		 aq_limit;	/* at most this many (0: no limit) */
};

/*
 * Called for each matching record in order.  rec is borrowed and valid
 * during the call only (json_object_get it to keep it).  Return 0 to go
 * on, anything else to stop the walk.
 */
typedef int (*audit_query_fn)(struct json_object *rec, uint32_t tenant,
    uint64_t seq, void *arg);

/*
 * Walk the records matching q.  When q->aq_limit stopped the walk and one
 * more record would have matched, *more (may be NULL) is set to 1.
 * SCIM_OK or a store error.
 */
int	audit_query_run(struct store_txn *, const struct audit_query *q,
	    audit_query_fn fn, void *arg, int *more);

/*
 * Count the records matching q (limit and seq bounds ignored) per action,
 * per status and per both: one new object in *out, shaped
 *   {"since":T,"until":T,"total":N,"actions":{"Create":N,...},
 *    "statuses":{"Success":N,...},"byAction":{"Create":{"Success":N,...}}}
 * with until defaulting to now (ms).
 */
int	audit_query_summary(struct store_txn *, const struct audit_query *q,
	    int64_t now, struct json_object **out);

/*
 * Delete, oldest first and across all tenants, records older than cutoff
 * (ms, 0: no age limit) and those beyond the newest max_records (0: no
 * cap), at most budget of them.  *deleted gets the count; when budget was
 * reached *more is 1.  Write transaction.
 */
int	audit_prune(struct store_txn *, int64_t cutoff, size_t max_records,
	    size_t budget, size_t *deleted, int *more);

/*
 * A time argument: RFC 3339, or a duration before now ("90s", "40m",
 * "2h", "7d", "1w").  0 and *ms set, or -1.
 */
int	audit_time_arg(const char *s, int64_t now, int64_t *ms);

/* 1 when s names an action (or a status) in any case. */
int	audit_is_action(const char *s);
int	audit_is_status(const char *s);

#endif /* AUDIT_QUERY_H */
