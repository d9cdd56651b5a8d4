/*
 * An endpoint's queue (delivery.h): the events from its cursor on, read
 * in read transactions; sending, the per-resource order, retries with
 * backoff, and the cursor over the acknowledged prefix.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "config.h"
#include "curlev.h"
#include "delivery_int.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	300000
#define BLOCK_SLOTS	2048	/* > 2 * the longest queue */

int
dl_queue_max(void)
{
	int	n = dl_sd->sd_conf->cf_webhook_concurrency * 4;

	return (n < 64 ? 64 : n > 1000 ? 1000 : n);
}

static void
drop(struct dl_event *de)
{
	if (de->de_state == DE_FLIGHT) {
		curlev_cancel(de->de_wp.wp_curl);
		de->de_ep->ep_inflight--;
		dl_stats.ds_inflight--;
	}
	whpost_free(&de->de_wp);
	free(de->de_res);
	free(de->de_body);
	free(de);
}

/* Drop the queue: it is read again from the cursor. */
void
dl_queue_reset(struct dl_ep *ep)
{
	struct dl_event	*de;

	while ((de = TAILQ_FIRST(&ep->ep_q)) != NULL) {
		TAILQ_REMOVE(&ep->ep_q, de, de_entry);
		drop(de);
	}
	ep->ep_nq = 0;
	ep->ep_loaded = ep->ep_cursor > 0 ? ep->ep_cursor - 1 : 0;
	ep->ep_gen++;
}

/* Pop acknowledged events off the head; the cursor follows. */
static void
advance(struct dl_ep *ep)
{
	struct dl_event	*de;
	uint64_t	 cur;

	while ((de = TAILQ_FIRST(&ep->ep_q)) != NULL &&
	    de->de_state == DE_DONE) {
		TAILQ_REMOVE(&ep->ep_q, de, de_entry);
		ep->ep_nq--;
		drop(de);
	}
	cur = de != NULL ? de->de_seq : ep->ep_loaded + 1;
	if (cur != ep->ep_cursor) {
		ep->ep_cursor = cur;
		dl_save_soon(ep);
	}
}

static void
record(struct dl_event *de, long status, int64_t now)
{
	struct dl_ep		*ep = de->de_ep;
	struct dl_attempt	*a = &ep->ep_att[ep->ep_natt++ %
				    DELIVERY_ATTEMPTS];

	a->at_seq = de->de_seq;
	strlcpy(a->at_id, de->de_id, sizeof(a->at_id));
	a->at_time = now;
	a->at_status = status;
	a->at_ms = util_mono_ms() - de->de_t0;
	strlcpy(a->at_err, de->de_wp.wp_err, sizeof(a->at_err));
}

/* A failed attempt: back off, and give up after webhook_retry_for. */
static void
failed(struct dl_event *de, int64_t now)
{
	struct dl_ep	*ep = de->de_ep;
	int64_t		 b;
	uint32_t	 r;

	dl_stats.ds_failed++;
	de->de_state = DE_WAIT;
	if (de->de_first_fail == 0)
		de->de_first_fail = now;
	b = (int64_t)BACKOFF_MIN_MS << (de->de_tries < 9 ? de->de_tries : 9);
	b = b > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b;
	de->de_tries++;
	/* jitter: half to all of the backoff */
	util_random(&r, sizeof(r));
	de->de_next = util_mono_ms() + b / 2 + (int64_t)(r % (b / 2 + 1));
	strlcpy(ep->ep_last_err, de->de_wp.wp_err, sizeof(ep->ep_last_err));
	ep->ep_last_err_at = now;
	if (ep->ep_failing == 0 && now - de->de_first_fail >
	    (int64_t)dl_sd->sd_conf->cf_webhook_retry_for * 1000) {
		ep->ep_failing = now;
		dl_stats.ds_failing++;
		log_warnx("webhook %s: failing since event %llu could not be "
		    "delivered for %d s (%s): paused until replay",
		    ep->ep_name, (unsigned long long)de->de_seq,
		    dl_sd->sd_conf->cf_webhook_retry_for, ep->ep_last_err);
	}
	dl_save_soon(ep);
}

static void
sent(CURL *easy, CURLcode cc, void *arg)
{
	struct dl_event	*de = arg;
	struct dl_ep	*ep = de->de_ep;
	int64_t		 now = util_now_ms();
	long		 status;

	status = whpost_status(&de->de_wp, cc);
	record(de, status, now);
	ep->ep_inflight--;
	dl_stats.ds_inflight--;
	de->de_state = DE_WAIT;	/* no longer in flight, whatever came */
	if (status >= 200 && status <= 299) {
		de->de_state = DE_DONE;
		ep->ep_last_ok = now;
		dl_stats.ds_delivered++;
		dl_save_soon(ep);
	} else
		failed(de, now);
	whpost_free(&de->de_wp);
	advance(ep);
	if (ep->ep_nq < dl_queue_max() / 2)
		dl_fill(ep);
	else
		dl_dispatch(ep);
}

static int
send_one(struct dl_ep *ep, struct dl_event *de)
{
	de->de_t0 = util_mono_ms();
	if (whpost_init(&de->de_wp, ep->ep_url, ep->ep_secret, de->de_id,
	    de->de_body, de->de_len, dl_sd->sd_conf->cf_webhook_timeout) != 0 ||
	    curlev_add(de->de_wp.wp_curl, sent, de) != SCIM_OK) {
		if (de->de_wp.wp_err[0] == '\0')
			strlcpy(de->de_wp.wp_err, "cannot start the request",
			    sizeof(de->de_wp.wp_err));
		record(de, 0, util_now_ms());
		failed(de, util_now_ms());
		whpost_free(&de->de_wp);
		return (-1);
	}
	de->de_state = DE_FLIGHT;
	ep->ep_inflight++;
	dl_stats.ds_inflight++;
	return (0);
}

/* Resources with an earlier event not yet acknowledged (a hash set). */
static int
blocked(const char **set, const char *res, int add)
{
	uint32_t	h = 2166136261u;
	const char	*p;

	for (p = res; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (h %= BLOCK_SLOTS; set[h] != NULL; h = (h + 1) % BLOCK_SLOTS)
		if (strcmp(set[h], res) == 0)
			return (1);
	if (add)
		set[h] = res;
	return (0);
}

void
dl_dispatch(struct dl_ep *ep)
{
	const char	*set[BLOCK_SLOTS];
	struct dl_event	*de;
	struct timeval	 tv;
	int64_t		 now = util_mono_ms(), wake = 0;
	int		 conc = dl_sd->sd_conf->cf_webhook_concurrency;

	if (!ep->ep_owned || ep->ep_failing || ep->ep_dead ||
	    now >= ep->ep_lease_mono)
		return;
	memset(set, 0, sizeof(set));
	TAILQ_FOREACH(de, &ep->ep_q, de_entry) {
		if (de->de_state == DE_DONE)
			continue;
		if (blocked(set, de->de_res, 1) || de->de_state == DE_FLIGHT)
			continue;
		if (de->de_next > now) {
			wake = wake == 0 || de->de_next < wake ? de->de_next :
			    wake;
			continue;
		}
		if (ep->ep_inflight < conc)
			send_one(ep, de);
	}
	if (wake != 0) {
		tv.tv_sec = (wake - now) / 1000;
		tv.tv_usec = ((wake - now) % 1000) * 1000;
		evtimer_add(ep->ep_retry_ev, &tv);
	}
}

struct fill {
	struct dl_ep	*f_ep;
	unsigned	 f_gen;
};

static int
fill_one(uint64_t seq, const char *json, size_t len, void *arg)
{
	struct fill		*f = arg;
	struct dl_ep		*ep = f->f_ep;
	struct dl_event		*de;
	struct json_object	*o = NULL;
	struct scim_errbuf	 eb;
	const char		*type, *res, *id;

	if (ep->ep_gen != f->f_gen || ep->ep_dead)
		return (1);	/* reset meanwhile: read again */
	de = xcalloc(1, sizeof(*de));
	de->de_ep = ep;
	de->de_seq = seq;
	de->de_state = DE_DONE;
	if (jsonutil_parse(json, len, SCIM_JSON_DEPTH, &o, &eb) == SCIM_OK &&
	    (type = jsonutil_get_str(o, "type")) != NULL &&
	    (id = jsonutil_get_str(o, "id")) != NULL &&
	    webhook_events_match(ep->ep_events, type)) {
		res = jsonutil_get_str(o, "resourceId");
		de->de_state = DE_WAIT;
		strlcpy(de->de_id, id, sizeof(de->de_id));
		de->de_res = xstrdup(res != NULL ? res : "");
		de->de_body = xmalloc(len);
		memcpy(de->de_body, json, len);
		de->de_len = len;
	}
	json_object_put(o);
	if (de->de_res == NULL)
		de->de_res = xstrdup("");
	TAILQ_INSERT_TAIL(&ep->ep_q, de, de_entry);
	ep->ep_nq++;
	ep->ep_loaded = seq;
	return (0);
}

static void
fill_run(void *arg)
{
	struct dl_ep		*ep = arg;
	struct store_txn	*t;
	struct fill		 f = { ep, ep->ep_gen };
	int			 want = dl_queue_max() - ep->ep_nq;

	if (want > 0 && store_begin(dl_sd->sd_store, 0, &t) == SCIM_OK) {
		event_each(t, ep->ep_tenant, ep->ep_loaded, (size_t)want,
		    fill_one, &f);
		store_abort(t);
	}
	ep->ep_filling = 0;
	if (!ep->ep_dead) {
		advance(ep);
		if (ep->ep_again) {	/* woken while reading: read on */
			ep->ep_again = 0;
			dl_fill(ep);
		} else
			dl_dispatch(ep);
	}
	dl_ep_release(ep);
}

void
dl_fill(struct dl_ep *ep)
{
	if (ep->ep_filling)
		ep->ep_again = 1;
	if (ep->ep_filling || ep->ep_dead || !ep->ep_owned ||
	    ep->ep_failing) {
		dl_dispatch(ep);
		return;
	}
	ep->ep_filling = 1;
	ep->ep_busy++;
	store_run(dl_sd->sd_store, fill_run, ep);
}
