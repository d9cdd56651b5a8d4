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
struct store;
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
 * The filters as text, as the admin API's parameters and scimctl's flags
 * give them (NULL: not given).
 */
struct audit_filter {
	const char	*af_since;	/* audit_time_arg's forms */
	const char	*af_until;
	const char	*af_action;	/* audit_is_action */
	const char	*af_status;	/* audit_is_status */
	const char	*af_target;
	const char	*af_initiator;
};

/* Which filter was malformed, for the caller to word its error. */
enum audit_filter_err {
	AUDIT_FILTER_OK,
	AUDIT_FILTER_SINCE,
	AUDIT_FILTER_UNTIL,
	AUDIT_FILTER_ACTION,
	AUDIT_FILTER_STATUS
};

/*
 * Set q's time bounds, action, status, target and initiator from f (q
 * borrows f's strings), times relative to now (ms); the rest of q stays as
 * it is.  The first malformed filter in the order above, or
 * AUDIT_FILTER_OK.
 */
enum audit_filter_err audit_query_filter(struct audit_query *q,
	    const struct audit_filter *f, int64_t now);

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

/* One page of records (audit_query_page). */
struct audit_page {
	struct json_object	*ap_records;	/* array in walk order */
	uint64_t		 ap_newest;	/* highest seq on it, 0: none */
	uint64_t		 ap_next;	/* the next page's start, 0: none */
};

/*
 * Run q into a page: ap_records is a new array the caller puts (NULL on
 * error).  Oldest first is how followers read: ap_next continues after
 * what they have seen, the last record's seq, or q's after on an empty
 * page.  Newest first pages back: ap_next is the last record's seq while
 * more records match (as before=), else 0.  SCIM_OK or a store error.
 */
int	audit_query_page(struct store_txn *, const struct audit_query *q,
	    struct audit_page *p);

/*
 * The record of changeId change_id in tenant (TENANT_ALL: any): a new
 * reference in *rec, SCIM_ENOTFOUND when there is none, or a store error.
 */
int	audit_query_show(struct store_txn *, uint32_t tenant,
	    const char *change_id, struct json_object **rec);

/*
 * Across tenants, hold q below the store's audit horizon: on a database
 * a record may commit after one numbered above it, and a follower that
 * went past its number would never see it.  Call before the transaction
 * that runs q begins.  Per tenant, numbers follow commit order: q stays.
 */
int	audit_query_cap(struct store *, struct audit_query *q);

/* The highest seq of tenant's records (TENANT_ALL: all), 0 if none. */
int	audit_query_newest(struct store_txn *, uint32_t tenant, uint64_t *seq);

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
 * The width of summary buckets: a duration as audit_time_arg takes it
 * (measured back from now), of a minute or more.  0 and *ms, or -1.
 */
int	audit_query_interval(const char *s, int64_t now, int64_t *ms);

#define AUDIT_BUCKETS_MAX	1000

/*
 * Add "intervalMs" and "buckets" to o (audit_query_summary's object): the
 * records matching q counted per interval of width ms from q's since to
 * its until (now when open), oldest first,
 *   [{"start":T,"total":N,"failures":N,"skipped":N},...]
 * SCIM_EINVAL when q has no since, or until is not after it, or that
 * makes AUDIT_BUCKETS_MAX intervals or more; else SCIM_OK or a store error.
 */
int	audit_query_buckets(struct store_txn *, const struct audit_query *q,
	    int64_t now, int64_t width, struct json_object *o);

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
