/* The admin API: routes under /admin/v1 (contract in admin.h). */
#include "scimd.h"

#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "admin.h"
#include "admin_events.h"
#include "admin_webhooks.h"
#include "audit.h"
#include "audit_query.h"
#include "commit.h"
#include "config.h"
#include "error.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "token.h"
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

/* Copy the path segment at *p (after its '/') into buf; 0, or -1. */
static int
segment(const char **p, char *buf, size_t len)
{
	const char	*s = *p, *e;

	if (*s != '/')
		return (-1);
	s++;
	e = s + strcspn(s, "/");
	if (e == s || (size_t)(e - s) >= len)
		return (-1);
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*p = e;
	return (0);
}

static int
all_tenants(struct request *rq)
{
	return (rq->rq_token.ti_tenant == TENANT_ALL);
}

/*
 * The tenant rq may act on: its token's own, or for an all-tenant token
 * the named one (TENANT_ALL when none is named).  Replies itself on error.
 */
static int
scope(struct request *rq, const char *name, uint32_t *out)
{
	struct store_txn	*t;
	uint32_t		 id;
	int			 rc;

	if (name == NULL) {
		*out = rq->rq_tenant;
		return (0);
	}
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (-1);
	}
	rc = tenant_lookup(t, name, &id);
	store_abort(t);
	if (rc == SCIM_OK && (all_tenants(rq) || id == rq->rq_tenant)) {
		*out = id;
		return (0);
	}
	if (!all_tenants(rq))
		request_reply_error(rq, SCIM_EFORBIDDEN,
		    "this admin token is limited to its own tenant");
	else
		request_reply_error(rq, rc == SCIM_OK ? SCIM_ESTORE : rc,
		    rc == SCIM_ENOTFOUND ? "no such tenant" : NULL);
	return (-1);
}

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
	return (scope(rq, request_param(rq, "tenant"), &q->aq_tenant));
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

/* After a commit wrote records: each waiter checks for its own. */
static void
admin_wake(void)
{
	struct waiter	*w;

	TAILQ_FOREACH(w, &admin_waiters, w_entry) {
		if (w->w_running)
			w->w_again = 1;
		else
			event_active(w->w_timer, EV_TIMEOUT, 1);
	}
}

void
admin_shutdown(void)
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

static void
audit_list(struct request *rq)
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
	audit_set_hook(admin_wake);
}

static int
show_one(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct json_object	**out = arg;

	*out = json_object_get(rec);
	return (1);
}

static void
audit_show(struct request *rq, const char *change_id)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct json_object	*rec = NULL;
	int			 rc;

	memset(&q, 0, sizeof(q));
	if (scope(rq, request_param(rq, "tenant"), &q.aq_tenant) != 0)
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

static void
audit_summary(struct request *rq)
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

/* --- tokens and tenants ------------------------------------------------ */

/* The request body as a JSON object; replies itself on error. */
static struct json_object *
read_object(struct request *rq)
{
	struct scim_errbuf	 eb;
	struct json_object	*o = NULL;
	const unsigned char	*p;
	size_t			 len;
	int			 rc;

	p = request_body(rq, &len);
	if (len > rq->rq_sd->sd_conf->cf_max_body) {
		request_reply_error(rq, SCIM_ETOOLARGE, NULL);
		return (NULL);
	}
	eb.eb_msg[0] = '\0';
	rc = jsonutil_parse((const char *)p, len,
	    rq->rq_sd->sd_conf->cf_json_depth, &o, &eb);
	if (rc != SCIM_OK || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		request_reply_error(rq, SCIM_ESYNTAX, rc != SCIM_OK ?
		    eb.eb_msg : "a JSON object is required");
		return (NULL);
	}
	return (o);
}

enum admin_write {
	AW_TOKEN_CREATE,
	AW_TOKEN_REVOKE,
	AW_TENANT_CREATE,
	AW_TENANT_DELETE
};

struct admin_op {
	struct commit_op	 ao_op;		/* first: the commit queue's view */
	struct request		*ao_rq;
	enum admin_write	 ao_kind;
	char			 ao_name[TOKEN_NAME_MAX];
	char			 ao_tenant_name[TENANT_NAME_MAX + 1];
	uint32_t		 ao_tenant;	/* resolved or given */
	int64_t			 ao_expires;
	char			 ao_secret[TOKEN_SECRET_MAX];
};

static int
admin_apply(struct store_txn *t, struct commit_op *op)
{
	struct admin_op	*ao = (struct admin_op *)op;
	int		 rc;

	switch (ao->ao_kind) {
	case AW_TOKEN_CREATE:
		/* by name here: the tenant may have gone since the request */
		if (ao->ao_tenant_name[0] != '\0' && (rc = tenant_lookup(t,
		    ao->ao_tenant_name, &ao->ao_tenant)) != SCIM_OK)
			return (rc);
		return (token_create(t, ao->ao_name, ao->ao_tenant, 0,
		    ao->ao_expires, ao->ao_secret));
	case AW_TOKEN_REVOKE:
		return (token_revoke(t, ao->ao_name, ao->ao_tenant));
	case AW_TENANT_CREATE:
		if (!token_name_ok(ao->ao_name, TENANT_NAME_MAX))
			return (SCIM_EINVAL);
		return (tenant_create(t, ao->ao_name, &ao->ao_tenant));
	case AW_TENANT_DELETE:
		if ((rc = tenant_lookup(t, ao->ao_name, &ao->ao_tenant)) !=
		    SCIM_OK)
			return (rc);
		return (tenant_delete(t, ao->ao_tenant));
	}
	return (SCIM_EINVAL);
}

static const char *
admin_err_detail(struct admin_op *ao, int rc)
{
	switch (rc) {
	case SCIM_EUNIQUE:
		return (ao->ao_kind == AW_TOKEN_CREATE ?
		    "a token of that name exists in the tenant" :
		    "a tenant of that name exists");
	case SCIM_EINVAL:
		return ("names use A-Z a-z 0-9 . _ - only");
	case SCIM_ENOTFOUND:
		return (ao->ao_kind == AW_TOKEN_REVOKE ? "no such token" :
		    "no such tenant");
	default:
		return (NULL);
	}
}

static void
admin_done(struct commit_op *op, int rc)
{
	struct admin_op		*ao = (struct admin_op *)op;
	struct request		*rq = ao->ao_rq;
	struct json_object	*o;

	if (rc != SCIM_OK)
		request_reply_error(rq, rc, admin_err_detail(ao, rc));
	else if (ao->ao_kind == AW_TOKEN_CREATE) {
		o = json_object_new_object();
		json_object_object_add(o, "name",
		    json_object_new_string(ao->ao_name));
		json_object_object_add(o, "tenant",
		    json_object_new_int64(ao->ao_tenant));
		json_object_object_add(o, "kind",
		    json_object_new_string("scim"));
		json_object_object_add(o, "token",
		    json_object_new_string(ao->ao_secret));
		request_reply_json(rq, 201, o, NULL, NULL);
		/* json-c's copy of the secret: wipe it before freeing */
		OPENSSL_cleanse((char *)json_object_get_string(
		    json_object_object_get(o, "token")),
		    strlen(ao->ao_secret));
		json_object_put(o);
	} else if (ao->ao_kind == AW_TENANT_CREATE) {
		o = json_object_new_object();
		json_object_object_add(o, "id",
		    json_object_new_int64(ao->ao_tenant));
		json_object_object_add(o, "name",
		    json_object_new_string(ao->ao_name));
		request_reply_json(rq, 201, o, NULL, NULL);
		json_object_put(o);
	} else
		request_reply_empty(rq, 204, NULL);
	OPENSSL_cleanse(ao, sizeof(*ao));
	free(ao);
}

static struct admin_op *
admin_op_new(struct request *rq, enum admin_write kind, const char *name)
{
	struct admin_op	*ao = xcalloc(1, sizeof(*ao));

	ao->ao_rq = rq;
	ao->ao_kind = kind;
	strlcpy(ao->ao_name, name, sizeof(ao->ao_name));
	ao->ao_op.co_apply = admin_apply;
	ao->ao_op.co_done = admin_done;
	return (ao);
}

static void
token_json(const struct token_info *ti, void *arg)
{
	struct json_object	*arr = arg, *o;
	char			 when[40];

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(ti->ti_name));
	json_object_object_add(o, "tenant",
	    json_object_new_int64(ti->ti_tenant));
	json_object_object_add(o, "kind",
	    json_object_new_string(ti->ti_admin ? "admin" : "scim"));
	util_time_fmt(ti->ti_created, when, sizeof(when));
	json_object_object_add(o, "created", json_object_new_string(when));
	if (ti->ti_last_used != 0)
		util_time_fmt(ti->ti_last_used, when, sizeof(when));
	json_object_object_add(o, "lastUsed", ti->ti_last_used != 0 ?
	    json_object_new_string(when) : NULL);
	if (ti->ti_expires != 0)
		util_time_fmt(ti->ti_expires, when, sizeof(when));
	json_object_object_add(o, "expires", ti->ti_expires != 0 ?
	    json_object_new_string(when) : NULL);
	json_object_array_add(arr, o);
}

static void
tokens_list(struct request *rq)
{
	struct store_txn	*t;
	struct json_object	*o, *arr;
	uint32_t		 tenant;
	int			 rc;

	if (scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	arr = json_object_new_array();
	rc = token_each(t, tenant, token_json, arr);
	store_abort(t);
	if (rc != SCIM_OK) {
		json_object_put(arr);
		request_reply_error(rq, rc, NULL);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "tokens", arr);
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

static void
tokens_create(struct request *rq)
{
	struct json_object	*body, *v;
	struct admin_op		*ao;
	const char		*name, *tn;
	int64_t			 days = 0;

	if ((body = read_object(rq)) == NULL)
		return;
	name = jsonutil_get_str(body, "name");
	tn = jsonutil_get_str(body, "tenant");
	if ((v = jsonutil_get(body, "expiresDays", NULL)) != NULL &&
	    (!json_object_is_type(v, json_type_int) ||
	    (days = json_object_get_int64(v)) <= 0 || days > 36500)) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL,
		    "expiresDays: a positive number of days");
		return;
	}
	if (name == NULL || !token_name_ok(name, TOKEN_NAME_MAX - 1) ||
	    (tn != NULL && strlen(tn) > TENANT_NAME_MAX)) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL, "name: a token name "
		    "(A-Z a-z 0-9 . _ -) is required");
		return;
	}
	if (all_tenants(rq) && tn == NULL) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL,
		    "tenant: required with an all-tenant admin token");
		return;
	}
	if (!all_tenants(rq) && tn != NULL) {
		uint32_t id;

		/* naming its own tenant is fine; scope() replies 403 else */
		if (scope(rq, tn, &id) != 0) {
			json_object_put(body);
			return;
		}
		tn = NULL;
	}
	ao = admin_op_new(rq, AW_TOKEN_CREATE, name);
	ao->ao_tenant = rq->rq_tenant;
	if (tn != NULL)
		strlcpy(ao->ao_tenant_name, tn, sizeof(ao->ao_tenant_name));
	if (days > 0)
		ao->ao_expires = util_now_ms() + days * 86400000LL;
	json_object_put(body);
	commit_submit(&ao->ao_op);
}

static void
tokens_revoke(struct request *rq, const char *name)
{
	struct admin_op	*ao;
	uint32_t	 tenant;

	if (scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	ao = admin_op_new(rq, AW_TOKEN_REVOKE, name);
	ao->ao_tenant = tenant;
	commit_submit(&ao->ao_op);
}

static void
tenant_json(uint32_t id, const char *name, int64_t created, void *arg)
{
	struct json_object	*arr = arg, *o;
	char			 when[40];

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "name", json_object_new_string(name ?
	    name : ""));
	util_time_fmt(created, when, sizeof(when));
	json_object_object_add(o, "created", json_object_new_string(when));
	json_object_array_add(arr, o);
}

static void
tenants_list(struct request *rq)
{
	struct store_txn	*t;
	struct json_object	*o, *arr;
	int			 rc;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	arr = json_object_new_array();
	rc = tenant_each(t, tenant_json, arr);
	store_abort(t);
	if (rc != SCIM_OK) {
		json_object_put(arr);
		request_reply_error(rq, rc, NULL);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "tenants", arr);
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

static void
tenants_create(struct request *rq)
{
	struct json_object	*body;
	const char		*name;

	if ((body = read_object(rq)) == NULL)
		return;
	if ((name = jsonutil_get_str(body, "name")) == NULL ||
	    !token_name_ok(name, TENANT_NAME_MAX)) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL, "name: a tenant name "
		    "(A-Z a-z 0-9 . _ -) is required");
		return;
	}
	commit_submit(&admin_op_new(rq, AW_TENANT_CREATE, name)->ao_op);
	json_object_put(body);
}

static void
route_audit(struct request *rq, const char *rest)
{
	char	arg[128];

	if (rq->rq_method != RQ_GET && rq->rq_method != RQ_HEAD) {
		request_reply_method(rq, "GET");
		return;
	}
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		audit_list(rq);
		return;
	}
	if (segment(&rest, arg, sizeof(arg)) != 0 || (*rest != '\0' &&
	    strcmp(rest, "/") != 0)) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
		return;
	}
	if (strcmp(arg, "summary") == 0)
		audit_summary(rq);
	else
		audit_show(rq, arg);
}

static void
tenants_delete(struct request *rq, const char *name)
{
	commit_submit(&admin_op_new(rq, AW_TENANT_DELETE, name)->ao_op);
}

/* A collection under /admin/v1: GET and POST on it, DELETE on a member. */
struct collection {
	const char	*cl_missing;	/* 404 detail */
	void		(*cl_list)(struct request *);
	void		(*cl_create)(struct request *);
	void		(*cl_delete)(struct request *, const char *);
};

static const struct collection tokens_collection = {
	"no such token", tokens_list, tokens_create, tokens_revoke
};
static const struct collection tenants_collection = {
	"no such tenant", tenants_list, tenants_create, tenants_delete
};

static void
route_collection(struct request *rq, const char *rest,
    const struct collection *cl)
{
	char	name[TOKEN_NAME_MAX];

	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (rq->rq_method == RQ_GET || rq->rq_method == RQ_HEAD)
			cl->cl_list(rq);
		else if (rq->rq_method == RQ_POST)
			cl->cl_create(rq);
		else
			request_reply_method(rq, "GET, POST");
		return;
	}
	if (segment(&rest, name, sizeof(name)) != 0 || *rest != '\0') {
		request_reply_error(rq, SCIM_ENOTFOUND, cl->cl_missing);
		return;
	}
	if (rq->rq_method != RQ_DELETE) {
		request_reply_method(rq, "DELETE");
		return;
	}
	cl->cl_delete(rq, name);
}

static void
route_tokens(struct request *rq, const char *rest)
{
	route_collection(rq, rest, &tokens_collection);
}

static void
route_tenants(struct request *rq, const char *rest)
{
	if (!all_tenants(rq)) {
		request_reply_error(rq, SCIM_EFORBIDDEN,
		    "tenants are managed with an all-tenant admin token");
		return;
	}
	route_collection(rq, rest, &tenants_collection);
}

void
admin_dispatch(struct request *rq, const char *rest)
{
	static const struct {
		const char	*name;
		void		(*fn)(struct request *, const char *);
	} routes[] = {
		{ "audit", route_audit },
		{ "tokens", route_tokens },
		{ "tenants", route_tenants },
		{ "events", admin_events_route },
		{ "webhooks", admin_webhooks_route },
	};
	char	seg[16];
	size_t	i;

	if (segment(&rest, seg, sizeof(seg)) == 0)
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
			if (strcmp(seg, routes[i].name) == 0) {
				routes[i].fn(rq, rest);
				return;
			}
	request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
}

int
admin_scope(struct request *rq, const char *name, uint32_t *out)
{
	return (scope(rq, name, out));
}

int
admin_parse_u64(const char *s, uint64_t *out)
{
	return (parse_u64(s, out));
}

struct json_object *
admin_read_object(struct request *rq)
{
	return (read_object(rq));
}
