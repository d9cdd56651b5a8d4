/*
 * The change outbox (issue 16): one event per successful change to a User
 * or Group, written by the write path inside the change's own transaction,
 * so an event exists if and only if its change was committed.  Webhook
 * delivery (delivery/) and the pull feed (GET /admin/v1/events) read it.
 *
 *   events  T seq(u64 BE)  -> event JSON (compact, members in this order)
 *   meta    "e" T          -> u64 BE, the tenant's last seq
 *
 *   {"id":UUID,"type":"user.created","tenant":NAME,"seq":N,
 *    "time":"2026-01-02T03:04:05.678Z","changeId":UUID,
 *    "resourceType":"User|Group","resourceId":ID,
 *    "modifiedProperties":[{"name","oldValue","newValue"}],
 *    "members":[ID,...]?, "resource":{...}?, "partial":true?}
 *
 * seq comes from the tenant's counter, read and raised in the write
 * transaction: writers are serialised (LMDB's single writer, PostgreSQL's
 * writer lock), so seq order is commit order, and a change undone (its
 * nested transaction aborted) takes its numbers with it.  "time" stays
 * among the first members: event_prune reads it without parsing.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct store_txn;

#define EVENT_KEY_LEN		12	/* T seq */
#define EVENT_PRUNE_BATCH	500

struct event_spec {
	uint32_t		 en_tenant;
	const char		*en_tenant_name;
	const char		*en_type;	/* "user.created", ... */
	const char		*en_change_id;
	const char		*en_rt;		/* "User" or "Group" */
	const char		*en_id;		/* the resource's id */
	struct json_object	*en_props;	/* modifiedProperties, borrowed */
	struct json_object	*en_members;	/* member ids, borrowed, or NULL */
	struct json_object	*en_resource;	/* borrowed, NULL on delete */
	int			 en_partial;	/* "partial": true */
};

/*
 * Append one event for en inside write transaction t; *seq (when not NULL)
 * gets its sequence number.  SCIM_OK or a storage error.
 */
int	event_append(struct store_txn *t, const struct event_spec *en,
	    uint64_t *seq);

/*
 * Call fn with each event of tenant whose seq is > after, in seq order, at
 * most max of them (0: no limit); fn's json (len bytes) is valid during the
 * call only.  fn returns 0 to go on, non-zero to stop.  Read or write txn.
 */
typedef int	(*event_fn)(uint64_t seq, const char *json, size_t len,
		    void *arg);
int	event_each(struct store_txn *t, uint32_t tenant, uint64_t after,
	    size_t max, event_fn fn, void *arg);

/* The tenant's last seq (0 before its first event). */
int	event_last(struct store_txn *t, uint32_t tenant, uint64_t *seq);

/*
 * The first seq of tenant whose event's time is >= ms (the next seq when
 * none is), for "replay since TIME".
 */
int	event_seq_at(struct store_txn *t, uint32_t tenant, int64_t ms,
	    uint64_t *seq);

/*
 * Delete at most max events (any tenant) older than cutoff (ms since the
 * epoch); *deleted counts them, *more is 1 when older ones may remain.
 * Write txn.
 */
int	event_prune(struct store_txn *t, int64_t cutoff, size_t max,
	    size_t *deleted, int *more);

/* The "time" of event json (len bytes) in ms, or -1 when unreadable. */
int64_t	event_time(const char *json, size_t len);

#endif /* EVENT_H */
