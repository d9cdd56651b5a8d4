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
#include "admin_tenants.h"
#include "audit.h"
#include "audit_query.h"
#include "commit.h"
#include "error.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "util.h"

#define ADMIN_LIMIT_DEFAULT	50
#define ADMIN_LIMIT_MAX		1000
#define ADMIN_WAIT_MAX		60
#define ADMIN_BUCKETS_MAX	1000

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

static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return (-1);
	*out = v;
	return (0);
}

/* The filters shared by list and summary; replies itself on error. */
static int
parse_filters(struct request *rq, struct audit_query *q)
{
	const char	*s;
	int64_t		 now = util_now_ms();

	memset(q, 0, sizeof(*q));
	if ((s = request_param(rq, "since")) != NULL &&
	    audit_time_arg(s, now, &q->aq_since) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "since: use RFC 3339 or "
		    "a duration such as 40m, 2h, 7d");
		return (-1);
	}
	if ((s = request_param(rq, "until")) != NULL &&
	    audit_time_arg(s, now, &q->aq_until) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "until: use RFC 3339 or "
		    "a duration such as 40m, 2h, 7d");
		return (-1);
	}
	if (q->aq_since == 0 && request_param(rq, "since") != NULL)
		q->aq_since = 1;	/* 0 means open: the epoch is not */
	if ((q->aq_action = request_param(rq, "action")) != NULL &&
	    !audit_is_action(q->aq_action)) {
		request_reply_error(rq, SCIM_EINVAL, "action: one of Create, "
		    "Update, Disable, Enable, Delete, Other");
		return (-1);
	}
	if ((q->aq_status = request_param(rq, "status")) != NULL &&
	    !audit_is_status(q->aq_status)) {
		request_reply_error(rq, SCIM_EINVAL,
		    "status: one of Success, Failure, Skipped");
		return (-1);
	}
	q->aq_target = request_param(rq, "target");
	q->aq_initiator = request_param(rq, "initiator");
	return (admin_tenants_scope(rq, request_param(rq, "tenant"),
	    &q->aq_tenant));
}

struct page {
	struct json_object	*p_records;
	uint64_t		 p_last;
	size_t			 p_n;
};

static int
page_add(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct page	*p = arg;

	if (json_object_array_add(p->p_records, json_object_get(rec)) != 0) {
		json_object_put(rec);
		return (1);
	}
	p->p_last = seq;
	p->p_n++;
	return (0);
}

/*
 * Run q; when it found records, or hold is 0, reply and return 1.
 * Otherwise (nothing yet and the caller will wait) return 0.
 */
static int
list_reply(struct request *rq, const struct audit_query *q, int hold)
{
	struct store_txn	*t;
	struct json_object	*o, *next = NULL;
	struct page		 p;
	int			 rc, more = 0;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	memset(&p, 0, sizeof(p));
	p.p_records = json_object_new_array();
	rc = audit_query_run(t, q, page_add, &p, &more);
	store_abort(t);
	if (rc != SCIM_OK) {
		json_object_put(p.p_records);
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	if (p.p_n == 0 && hold) {
		json_object_put(p.p_records);
		return (0);
	}
	/*
	 * Oldest first is how followers read: "next" always continues after
	 * what they have seen.  Newest first pages back; null at the end.
	 */
	if (q->aq_asc) {
		if (p.p_n > 0 || q->aq_after != 0)
			next = json_object_new_int64((int64_t)(p.p_n > 0 ?
			    p.p_last : q->aq_after));
	} else if (more)
		next = json_object_new_int64((int64_t)p.p_last);
	o = json_object_new_object();
	json_object_object_add(o, "records", p.p_records);
	json_object_object_add(o, "next", next);
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

/* After each commit: wake the waiters when it wrote records. */
static void
committed(void *arg)
{
	static uint64_t	seen;
	uint64_t	n = audit_appended();

	if (n == seen)
		return;
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

void
admin_audit_list(struct request *rq)
{
	struct audit_query	 q;
	struct waiter		*w;
	struct timeval		 tv;
	struct event_base	*base;
	const char		*s;
	uint64_t		 n, wait = 0;

	if (parse_filters(rq, &q) != 0)
		return;
	q.aq_limit = ADMIN_LIMIT_DEFAULT;
	if ((s = request_param(rq, "limit")) != NULL) {
		if (parse_u64(s, &n) != 0 || n == 0) {
			request_reply_error(rq, SCIM_EINVAL,
			    "limit: a positive number");
			return;
		}
		q.aq_limit = n > ADMIN_LIMIT_MAX ? ADMIN_LIMIT_MAX : n;
	}
	if ((s = request_param(rq, "after")) != NULL &&
	    parse_u64(s, &q.aq_after) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "after: a sequence number");
		return;
	}
	if ((s = request_param(rq, "before")) != NULL &&
	    (parse_u64(s, &q.aq_before) != 0 || q.aq_before == 0)) {
		request_reply_error(rq, SCIM_EINVAL,
		    "before: a sequence number");
		return;
	}
	q.aq_asc = q.aq_after != 0;	/* following: oldest first */
	if ((s = request_param(rq, "order")) != NULL) {
		if (strcmp(s, "asc") == 0)
			q.aq_asc = 1;
		else if (strcmp(s, "desc") == 0)
			q.aq_asc = 0;
		else {
			request_reply_error(rq, SCIM_EINVAL,
			    "order: asc or desc");
			return;
		}
	}
	if ((s = request_param(rq, "wait")) != NULL) {
		if (parse_u64(s, &wait) != 0) {
			request_reply_error(rq, SCIM_EINVAL,
			    "wait: a number of seconds");
			return;
		}
		if (wait > ADMIN_WAIT_MAX)
			wait = ADMIN_WAIT_MAX;
	}
	if (list_reply(rq, &q, wait > 0))
		return;
	base = rq->rq_sd->sd_base;
	w = xcalloc(1, sizeof(*w));
	w->w_rq = rq;
	w->w_q = q;
	if ((w->w_timer = evtimer_new(base, waiter_fire, w)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	w->w_deadline = util_mono_ms() + (int64_t)wait * 1000;
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(w->w_timer, &tv);
	TAILQ_INSERT_TAIL(&admin_waiters, w, w_entry);
}

static int
show_one(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct json_object	**out = arg;

	*out = json_object_get(rec);
	return (1);
}

void
admin_audit_show(struct request *rq, const char *change_id)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct json_object	*rec = NULL;
	int			 rc;

	memset(&q, 0, sizeof(q));
	if (admin_tenants_scope(rq, request_param(rq, "tenant"),
	    &q.aq_tenant) != 0)
		return;
	q.aq_change_id = change_id;
	q.aq_limit = 1;
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	rc = audit_query_run(t, &q, show_one, &rec, NULL);
	store_abort(t);
	if (rc == SCIM_OK && rec == NULL)
		rc = SCIM_ENOTFOUND;
	if (rc != SCIM_OK)
		request_reply_error(rq, rc, rc == SCIM_ENOTFOUND ?
		    "no audit record with that changeId" : NULL);
	else
		request_reply_json(rq, 200, rec, NULL, NULL);
	json_object_put(rec);
}

/* Activity over time: records per interval from since (the chart). */
struct buckets {
	int64_t		 b_start;
	int64_t		 b_width;
	size_t		 b_n;
	struct {
		int64_t	 total, failures, skipped;
	}		*b_cell;
};

static int
bucket_add(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct buckets	*b = arg;
	const char	*s;
	int64_t		 ms;
	size_t		 i;

	if ((s = jsonutil_get_str(rec, "time")) == NULL ||
	    util_time_parse(s, &ms) != 0 || ms < b->b_start)
		return (0);
	if ((i = (size_t)((ms - b->b_start) / b->b_width)) >= b->b_n)
		return (0);
	b->b_cell[i].total++;
	if ((s = jsonutil_get_str(rec, "status")) != NULL &&
	    strcmp(s, "Failure") == 0)
		b->b_cell[i].failures++;
	else if (s != NULL && strcmp(s, "Skipped") == 0)
		b->b_cell[i].skipped++;
	return (0);
}

/* interval=DURATION: add "buckets" to o; replies itself on error. */
static int
summary_buckets(struct request *rq, struct store_txn *t,
    const struct audit_query *q, int64_t now, const char *interval,
    struct json_object *o)
{
	struct buckets		 b;
	struct json_object	*arr, *e;
	int64_t			 until = q->aq_until != 0 ? q->aq_until : now;
	char			 when[40];
	size_t			 i;
	int			 rc;

	memset(&b, 0, sizeof(b));
	if (audit_time_arg(interval, now, &b.b_width) != 0 ||
	    (b.b_width = now - b.b_width) < 60000) {
		request_reply_error(rq, SCIM_EINVAL,
		    "interval: a duration of a minute or more, such as 40m");
		return (-1);
	}
	if (q->aq_since <= 1 || until <= q->aq_since ||
	    (until - q->aq_since) / b.b_width >= ADMIN_BUCKETS_MAX) {
		request_reply_error(rq, SCIM_EINVAL, "interval: needs since, "
		    "and at most 1000 intervals between since and until");
		return (-1);
	}
	b.b_start = q->aq_since;
	b.b_n = (size_t)((until - q->aq_since + b.b_width - 1) / b.b_width);
	b.b_cell = xcalloc(b.b_n, sizeof(*b.b_cell));
	if ((rc = audit_query_run(t, q, bucket_add, &b, NULL)) != SCIM_OK) {
		free(b.b_cell);
		request_reply_error(rq, rc, NULL);
		return (-1);
	}
	arr = json_object_new_array();
	for (i = 0; i < b.b_n; i++) {
		e = json_object_new_object();
		util_time_fmt(b.b_start + (int64_t)i * b.b_width, when,
		    sizeof(when));
		json_object_object_add(e, "start", json_object_new_string(when));
		json_object_object_add(e, "total",
		    json_object_new_int64(b.b_cell[i].total));
		json_object_object_add(e, "failures",
		    json_object_new_int64(b.b_cell[i].failures));
		json_object_object_add(e, "skipped",
		    json_object_new_int64(b.b_cell[i].skipped));
		json_object_array_add(arr, e);
	}
	free(b.b_cell);
	json_object_object_add(o, "intervalMs", json_object_new_int64(
	    b.b_width));
	json_object_object_add(o, "buckets", arr);
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
