/*
 * The audit log through the admin API (admin_audit.h): list with its
 * long-poll waiters, show and summary.
 */
#include "scimd.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "admin_audit.h"
#include "admin_collection.h"
#include "admin_tenants.h"
#include "audit.h"
#include "audit_query.h"
#include "commit.h"
#include "error.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "util.h"

#define ADMIN_LIMIT_DEFAULT	50
#define ADMIN_LIMIT_MAX		1000
#define ADMIN_WAIT_MAX		60

/* A long-poll held until a matching record is committed or it times out. */
struct waiter {
	TAILQ_ENTRY(waiter)	 w_entry;
	struct request		*w_rq;
	struct audit_query	 w_q;	/* strings borrowed from w_rq's query */
	struct event		*w_timer;	/* the deadline, or a wake-up */
	int64_t			 w_deadline;	/* util_mono_ms() */
	int			 w_running;	/* a check is under way */
	int			 w_again;	/* woken during that check */
};

static TAILQ_HEAD(, waiter)	admin_waiters =
    TAILQ_HEAD_INITIALIZER(admin_waiters);

/* The filters shared by list and summary; replies itself on error. */
static int
parse_filters(struct request *rq, struct audit_query *q)
{
	static const char *const why[] = {
		[AUDIT_FILTER_SINCE] = "since: use RFC 3339 or a duration "
		    "such as 40m, 2h, 7d",
		[AUDIT_FILTER_UNTIL] = "until: use RFC 3339 or a duration "
		    "such as 40m, 2h, 7d",
		[AUDIT_FILTER_ACTION] = "action: one of Create, Update, "
		    "Disable, Enable, Delete, Other",
		[AUDIT_FILTER_STATUS] = "status: one of Success, Failure, "
		    "Skipped",
	};
	struct audit_filter	f;
	enum audit_filter_err	err;

	memset(q, 0, sizeof(*q));
	f.af_since = request_param(rq, "since");
	f.af_until = request_param(rq, "until");
	f.af_action = request_param(rq, "action");
	f.af_status = request_param(rq, "status");
	f.af_target = request_param(rq, "target");
	f.af_initiator = request_param(rq, "initiator");
	if ((err = audit_query_filter(q, &f, util_now_ms())) !=
	    AUDIT_FILTER_OK) {
		request_reply_error(rq, SCIM_EINVAL, why[err]);
		return (-1);
	}
	return (admin_tenants_scope(rq, request_param(rq, "tenant"),
	    &q->aq_tenant));
}

/*
 * Run q; when it found records, or hold is 0, reply and return 1.
 * Otherwise (nothing yet and the caller will wait) return 0.
 */
static int
list_reply(struct request *rq, const struct audit_query *q, int hold)
{
	struct store_txn	*t;
	struct json_object	*o;
	struct audit_page	 p;
	struct audit_query	 cq = *q;
	int			 rc;

	/* the horizon first: what committed before it is in t's snapshot */
	if ((rc = audit_query_cap(rq->rq_sd->sd_store, &cq)) != SCIM_OK ||
	    (rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	rc = audit_query_page(t, &cq, &p);
	store_abort(t);
	if (rc != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	if (json_object_array_length(p.ap_records) == 0 && hold) {
		json_object_put(p.ap_records);
		return (0);
	}
	o = json_object_new_object();
	json_object_object_add(o, "records", p.ap_records);
	json_object_object_add(o, "next", p.ap_next != 0 ?
	    json_object_new_int64((int64_t)p.ap_next) : NULL);
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
	return (1);
}

static void
waiter_free(struct waiter *w)
{
	TAILQ_REMOVE(&admin_waiters, w, w_entry);
	event_free(w->w_timer);
	free(w);
}

/*
 * Answer w if it has records now or its time is up, else wait on.  A store
 * that waits for its server may suspend list_reply: w_running keeps a
 * second check of the same waiter out meanwhile (it sets w_again instead).
 */
static void
waiter_check(void *arg)
{
	struct waiter		*w = arg;
	struct request		*rq = w->w_rq;
	struct audit_query	 q = w->w_q;
	struct timeval		 tv;
	int64_t			 left;

	if (w->w_running) {
		w->w_again = 1;
		return;
	}
	w->w_running = 1;
	do {
		w->w_again = 0;
		if ((left = w->w_deadline - util_mono_ms()) <= 0) {
			waiter_free(w);
			list_reply(rq, &q, 0);
			return;
		}
		if (list_reply(rq, &q, 1)) {
			waiter_free(w);
			return;
		}
	} while (w->w_again);
	w->w_running = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	evtimer_add(w->w_timer, &tv);
}

static void
waiter_fire(evutil_socket_t fd, short ev, void *arg)
{
	struct waiter	*w = arg;

	store_run(w->w_rq->rq_sd->sd_store, waiter_check, arg);
}

/* Records may have come: each waiter checks for its own. */
void
admin_audit_wake(void)
{
	struct waiter	*w;

	TAILQ_FOREACH(w, &admin_waiters, w_entry) {
		if (w->w_running)
			w->w_again = 1;
		else
			event_active(w->w_timer, EV_TIMEOUT, 1);
	}
}

/*
 * After each commit: wake the waiters when records were written.  Records
 * are counted as they are written, so a batch still in flight may have
 * counted some not yet committed: then they are not taken as seen, and
 * its own commit wakes the waiters again.
 */
static void
committed(void *arg)
{
	static uint64_t	seen;
	uint64_t	n = audit_appended();

	if (n == seen)
		return;
	if (commit_flights() == 0)
		seen = n;
	admin_audit_wake();
}

void
admin_audit_start(void)
{
	commit_watch(committed, NULL);
}

void
admin_audit_shutdown(void)
{
	struct waiter	*w;
	struct request	*rq;
	struct audit_query q;

	while ((w = TAILQ_FIRST(&admin_waiters)) != NULL) {
		rq = w->w_rq;
		q = w->w_q;
		waiter_free(w);
		list_reply(rq, &q, 0);
	}
}

/* limit, after, before, order and wait; replies itself on error. */
static int
page_args(struct request *rq, struct audit_query *q, uint64_t *wait)
{
	const char	*s;
	uint64_t	 n;

	q->aq_limit = ADMIN_LIMIT_DEFAULT;
	if ((s = request_param(rq, "limit")) != NULL) {
		if (admin_parse_u64(s, &n) != 0 || n == 0) {
			request_reply_error(rq, SCIM_EINVAL,
			    "limit: a positive number");
			return (-1);
		}
		q->aq_limit = n > ADMIN_LIMIT_MAX ? ADMIN_LIMIT_MAX : n;
	}
	if ((s = request_param(rq, "after")) != NULL &&
	    admin_parse_u64(s, &q->aq_after) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "after: a sequence number");
		return (-1);
	}
	if ((s = request_param(rq, "before")) != NULL &&
	    (admin_parse_u64(s, &q->aq_before) != 0 || q->aq_before == 0)) {
		request_reply_error(rq, SCIM_EINVAL,
		    "before: a sequence number");
		return (-1);
	}
	q->aq_asc = q->aq_after != 0;	/* following: oldest first */
	if ((s = request_param(rq, "order")) != NULL) {
		if (strcmp(s, "asc") == 0)
			q->aq_asc = 1;
		else if (strcmp(s, "desc") == 0)
			q->aq_asc = 0;
		else {
			request_reply_error(rq, SCIM_EINVAL,
			    "order: asc or desc");
			return (-1);
		}
	}
	*wait = 0;
	if ((s = request_param(rq, "wait")) != NULL) {
		if (admin_parse_u64(s, wait) != 0) {
			request_reply_error(rq, SCIM_EINVAL,
			    "wait: a number of seconds");
			return (-1);
		}
		if (*wait > ADMIN_WAIT_MAX)
			*wait = ADMIN_WAIT_MAX;
	}
	return (0);
}

void
admin_audit_list(struct request *rq)
{
	struct audit_query	 q;
	struct waiter		*w;
	struct timeval		 tv;
	uint64_t		 wait;

	if (parse_filters(rq, &q) != 0 || page_args(rq, &q, &wait) != 0)
		return;
	if (list_reply(rq, &q, wait > 0))
		return;
	w = xcalloc(1, sizeof(*w));
	w->w_rq = rq;
	w->w_q = q;
	if ((w->w_timer = evtimer_new(rq->rq_sd->sd_base, waiter_fire, w)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
	w->w_deadline = util_mono_ms() + (int64_t)wait * 1000;
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(w->w_timer, &tv);
	TAILQ_INSERT_TAIL(&admin_waiters, w, w_entry);
}

void
admin_audit_show(struct request *rq, const char *change_id)
{
	struct store_txn	*t;
	struct json_object	*rec = NULL;
	uint32_t		 tenant;
	int			 rc;

	if (admin_tenants_scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	rc = audit_query_show(t, tenant, change_id, &rec);
	store_abort(t);
	if (rc != SCIM_OK)
		request_reply_error(rq, rc, rc == SCIM_ENOTFOUND ?
		    "no audit record with that changeId" : NULL);
	else
		request_reply_json(rq, 200, rec, NULL, NULL);
	json_object_put(rec);
}

/* interval=DURATION: add the buckets to o; replies itself on error. */
static int
summary_buckets(struct request *rq, struct store_txn *t,
    const struct audit_query *q, int64_t now, const char *interval,
    struct json_object *o)
{
	int64_t	width;
	int	rc;

	if (audit_query_interval(interval, now, &width) != 0) {
		request_reply_error(rq, SCIM_EINVAL,
		    "interval: a duration of a minute or more, such as 40m");
		return (-1);
	}
	if ((rc = audit_query_buckets(t, q, now, width, o)) != SCIM_OK) {
		request_reply_error(rq, rc, rc == SCIM_EINVAL ? "interval: "
		    "needs since, and at most 1000 intervals between since "
		    "and until" : NULL);
		return (-1);
	}
	return (0);
}

void
admin_audit_summary(struct request *rq)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct json_object	*o = NULL;
	const char		*interval;
	int64_t			 now = util_now_ms();
	int			 rc;

	if (parse_filters(rq, &q) != 0)
		return;
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	rc = audit_query_summary(t, &q, now, &o);
	if (rc == SCIM_OK &&
	    (interval = request_param(rq, "interval")) != NULL &&
	    summary_buckets(rq, t, &q, now, interval, o) != 0) {
		store_abort(t);
		json_object_put(o);
		return;
	}
	store_abort(t);
	if (rc != SCIM_OK)
		request_reply_error(rq, rc, NULL);
	else
		request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}
