/* GET /admin/v1/events: the change feed (contract in admin_events.h). */
#include "scimd.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "admin_collection.h"
#include "admin_tenants.h"
#include "admin_events.h"
#include "commit.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"

#define FEED_LIMIT_DEFAULT	100
#define FEED_LIMIT_MAX		1000
#define FEED_WAIT_MAX		60

/* One feed request; held in feed_held while it waits for events. */
struct feed {
	TAILQ_ENTRY(feed)	 f_entry;
	struct request		*f_rq;
	uint32_t		 f_tenant;
	uint64_t		 f_after;
	size_t			 f_limit;
	int64_t			 f_deadline;	/* util_mono_ms() */
	struct event		*f_timer;
	int			 f_held;
	int			 f_running;	/* a read is under way */
	int			 f_again;	/* woken during that read */
};

static TAILQ_HEAD(, feed)	feed_held = TAILQ_HEAD_INITIALIZER(feed_held);
static int			feed_watching;

static void	feed_check(void *);

static int
collect(uint64_t seq, const char *json, size_t len, void *arg)
{
	struct json_object	*arr = arg, *o = NULL;
	struct scim_errbuf	 eb;

	if (jsonutil_parse(json, len, SCIM_JSON_DEPTH, &o, &eb) == SCIM_OK)
		json_object_array_add(arr, o);
	return (0);
}

static void
feed_free(struct feed *f)
{
	if (f->f_held)
		TAILQ_REMOVE(&feed_held, f, f_entry);
	if (f->f_timer != NULL)
		event_free(f->f_timer);
	free(f);
}

/*
 * Read the events after f_after; reply when there are some or hold is 0
 * (and return 1), else return 0.
 */
static int
feed_reply(struct feed *f, int hold)
{
	struct request		*rq = f->f_rq;
	struct store_txn	*t;
	struct json_object	*o, *arr, *last;
	uint64_t		 next = f->f_after;
	size_t			 n;
	int			 rc;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	arr = json_object_new_array();
	rc = event_each(t, f->f_tenant, f->f_after, f->f_limit, collect, arr);
	store_abort(t);
	if (rc != SCIM_OK) {
		json_object_put(arr);
		request_reply_error(rq, rc, NULL);
		return (1);
	}
	if ((n = json_object_array_length(arr)) == 0 && hold) {
		json_object_put(arr);
		return (0);
	}
	if (n > 0 && json_object_object_get_ex(json_object_array_get_idx(arr,
	    n - 1), "seq", &last))
		next = (uint64_t)json_object_get_int64(last);
	o = json_object_new_object();
	json_object_object_add(o, "events", arr);
	json_object_object_add(o, "next", json_object_new_int64((int64_t)next));
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
	return (1);
}

/* Answer f when events came or its time is up; else wait on. */
static void
feed_check(void *arg)
{
	struct feed	*f = arg;
	struct timeval	 tv;
	int64_t		 left;

	if (f->f_running) {
		f->f_again = 1;
		return;
	}
	f->f_running = 1;
	do {
		f->f_again = 0;
		left = f->f_deadline - util_mono_ms();
		if (feed_reply(f, left > 0)) {
			feed_free(f);
			return;
		}
	} while (f->f_again);
	f->f_running = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	evtimer_add(f->f_timer, &tv);
}

static void
feed_fire(evutil_socket_t fd, short ev, void *arg)
{
	struct feed	*f = arg;

	store_run(f->f_rq->rq_sd->sd_store, feed_check, f);
}

void
admin_events_wake(void *arg)
{
	struct feed	*f;

	TAILQ_FOREACH(f, &feed_held, f_entry) {
		if (f->f_running)
			f->f_again = 1;
		else
			event_active(f->f_timer, EV_TIMEOUT, 1);
	}
}

void
admin_events_shutdown(void)
{
	struct feed	*f;

	while ((f = TAILQ_FIRST(&feed_held)) != NULL) {
		f->f_deadline = 0;
		if (f->f_running) {
			/* its read answers when it resumes */
			TAILQ_REMOVE(&feed_held, f, f_entry);
			f->f_held = 0;
			continue;
		}
		feed_check(f);
	}
}

/* The query parameters into f; replies itself and returns -1 on error. */
static int
feed_params(struct request *rq, struct feed *f)
{
	const char	*s;
	uint64_t	 n, wait = 0;

	if (admin_tenants_scope(rq, request_param(rq, "tenant"), &f->f_tenant) != 0)
		return (-1);
	if (f->f_tenant == TENANT_ALL) {
		request_reply_error(rq, SCIM_EINVAL, "tenant: name one: an "
		    "all-tenant token reads one tenant's events at a time");
		return (-1);
	}
	f->f_limit = FEED_LIMIT_DEFAULT;
	if ((s = request_param(rq, "limit")) != NULL) {
		if (admin_parse_u64(s, &n) != 0 || n == 0) {
			request_reply_error(rq, SCIM_EINVAL,
			    "limit: a positive number");
			return (-1);
		}
		f->f_limit = n > FEED_LIMIT_MAX ? FEED_LIMIT_MAX : n;
	}
	if ((s = request_param(rq, "after")) != NULL &&
	    admin_parse_u64(s, &f->f_after) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "after: a sequence number");
		return (-1);
	}
	if ((s = request_param(rq, "wait")) != NULL &&
	    admin_parse_u64(s, &wait) != 0) {
		request_reply_error(rq, SCIM_EINVAL, "wait: a number of seconds");
		return (-1);
	}
	f->f_deadline = util_mono_ms() + (int64_t)(wait > FEED_WAIT_MAX ?
	    FEED_WAIT_MAX : wait) * 1000;
	return (0);
}

void
admin_events_route(struct request *rq, const char *rest)
{
	struct feed	*f;

	if (*rest != '\0' && strcmp(rest, "/") != 0) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
		return;
	}
	if (rq->rq_method != RQ_GET && rq->rq_method != RQ_HEAD) {
		request_reply_method(rq, "GET");
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->f_rq = rq;
	if (feed_params(rq, f) != 0) {
		free(f);
		return;
	}
	if (feed_reply(f, f->f_deadline > util_mono_ms())) {
		free(f);
		return;
	}
	if (!feed_watching) {
		commit_watch(admin_events_wake, NULL);
		feed_watching = 1;
	}
	if ((f->f_timer = evtimer_new(rq->rq_sd->sd_base, feed_fire, f)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
	TAILQ_INSERT_TAIL(&feed_held, f, f_entry);
	f->f_held = 1;
	feed_check(f);
}
