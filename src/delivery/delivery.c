/*
 * Webhook delivery (delivery.h): the endpoints in step with the store
 * (records, replays, revocations), their state saved through the group
 * commit with the lease that says who delivers.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "commit.h"
#include "config.h"
#include "curlev.h"
#include "delivery_int.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"

struct scimd			*dl_sd;
struct delivery_stats		 dl_stats;
int				 dl_draining;

static TAILQ_HEAD(, dl_ep)	 dl_eps = TAILQ_HEAD_INITIALIZER(dl_eps);
static struct event		*dl_tick_ev;
static struct event		*dl_kick_ev;
static char			 dl_instance[SCIM_ID_MAX];
static int			 dl_shared;	/* several instances: leases */
static int			 dl_syncing;
static int			 dl_pruning;

/* Retention: one small batch of old events a tick, through the commit. */
struct prune_op {
	struct commit_op	 po_op;		/* first: the commit queue's view */
	size_t			 po_n;
	int			 po_more;
};

/* A save: the state, and the lease when instances share the store. */
struct save_op {
	struct commit_op	 so_op;		/* first: the commit queue's view */
	struct dl_ep		*so_ep;
	struct json_object	*so_state;
	int64_t			 so_mono;	/* when it was queued */
	uint64_t		 so_cursor;	/* taken over: the stored one */
	struct json_object	*so_acked;	/* ... and its acked seqs */
	int			 so_takeover;
	int			 so_release;	/* stopping: let the lease go */
};

/*
 * A lease outlasts the window in which its owner starts requests by more
 * than the longest request (webhook_timeout), so that no request of an
 * owner is still running when another instance may take over.
 */
static int64_t
lease_ms(void)
{
	return ((int64_t)dl_sd->sd_conf->cf_webhook_timeout * 1000 +
	    DELIVERY_WINDOW_MS + 2000);
}

static int
seq_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The stored state's "acked" seqs, in place of the endpoint's. */
static void
acked_load(struct dl_ep *ep, struct json_object *arr)
{
	size_t	i, n = json_object_is_type(arr, json_type_array) ?
		    json_object_array_length(arr) : 0;

	free(ep->ep_acked);
	ep->ep_acked = n > 0 ? xcalloc(n, sizeof(*ep->ep_acked)) : NULL;
	ep->ep_nacked = n;
	for (i = 0; i < n; i++)
		ep->ep_acked[i] = (uint64_t)json_object_get_int64(
		    json_object_array_get_idx(arr, i));
	if (n > 1)
		qsort(ep->ep_acked, n, sizeof(*ep->ep_acked), seq_cmp);
}

static struct dl_ep *
ep_find(uint32_t tenant, const char *name)
{
	struct dl_ep	*ep;

	TAILQ_FOREACH(ep, &dl_eps, ep_entry)
		if (ep->ep_tenant == tenant && strcmp(ep->ep_name, name) == 0)
			return (ep);
	return (NULL);
}

static void
ep_free(struct dl_ep *ep)
{
	dl_queue_reset(ep);
	if (ep->ep_failing)
		dl_stats.ds_failing--;
	event_free(ep->ep_save_ev);
	event_free(ep->ep_retry_ev);
	json_object_put(ep->ep_events);
	json_object_put(ep->ep_saved_att);
	free(ep->ep_acked);
	free(ep->ep_url);
	util_free_secret(ep->ep_secret);
	free(ep);
}

void
dl_ep_release(struct dl_ep *ep)
{
	if (--ep->ep_busy == 0 && ep->ep_dead)
		ep_free(ep);
}

static void
json_set(struct json_object *o, const char *k, int64_t v)
{
	if (v != 0)
		json_object_object_add(o, k, json_object_new_int64(v));
}

/* The recent attempts as delivery_attempts gives them. */
static struct json_object *
attempts_json(struct dl_ep *ep)
{
	struct dl_attempt	*a;
	struct json_object	*arr, *o;
	char			 when[40];
	int			 i, n;

	arr = json_object_new_array();
	n = ep->ep_natt < DELIVERY_ATTEMPTS ? ep->ep_natt : DELIVERY_ATTEMPTS;
	for (i = 1; i <= n; i++) {
		a = &ep->ep_att[(ep->ep_natt - i) % DELIVERY_ATTEMPTS];
		o = json_object_new_object();
		json_object_object_add(o, "seq",
		    json_object_new_int64((int64_t)a->at_seq));
		json_object_object_add(o, "eventId",
		    json_object_new_string(a->at_id));
		util_time_fmt(a->at_time, when, sizeof(when));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "status",
		    json_object_new_int64(a->at_status));
		json_object_object_add(o, "latencyMs",
		    json_object_new_int64(a->at_ms));
		if (a->at_err[0] != '\0')
			json_object_object_add(o, "error",
			    json_object_new_string(a->at_err));
		json_object_array_add(arr, o);
	}
	return (arr);
}

static int
save_apply(struct store_txn *t, struct commit_op *op)
{
	struct save_op		*so = (struct save_op *)op;
	struct dl_ep		*ep = so->so_ep;
	struct json_object	*cur = NULL;
	const char		*owner;
	int64_t			 now = util_now_ms();
	int			 rc;

	rc = webhook_state_get(t, ep->ep_tenant, ep->ep_name, &cur);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	owner = jsonutil_get_str(cur, "owner");
	if (dl_shared && owner != NULL && strcmp(owner, dl_instance) != 0) {
		if (json_object_get_int64(json_object_object_get(cur,
		    "leaseUntil")) > now) {
			json_object_put(cur);
			return (SCIM_ECONFLICT);	/* another's lease */
		}
		/* take over where the other instance stood */
		so->so_takeover = 1;
		so->so_cursor = (uint64_t)json_object_get_int64(
		    json_object_object_get(cur, "cursor"));
		json_object_object_add(so->so_state, "cursor",
		    json_object_new_int64((int64_t)so->so_cursor));
		json_object_put(so->so_acked);
		so->so_acked = json_object_get(json_object_object_get(cur,
		    "acked"));
		json_object_object_add(so->so_state, "acked",
		    json_object_get(so->so_acked));
	}
	json_object_put(cur);
	json_object_object_add(so->so_state, "owner",
	    json_object_new_string(dl_instance));
	json_object_object_add(so->so_state, "leaseUntil",
	    json_object_new_int64(so->so_release ? now : now + lease_ms()));
	return (webhook_state_put(t, ep->ep_tenant, ep->ep_name,
	    so->so_state));
}

static void
save_done(struct commit_op *op, int rc)
{
	struct save_op	*so = (struct save_op *)op;
	struct dl_ep	*ep = so->so_ep;

	ep->ep_saving = 0;
	if (!ep->ep_dead && rc == SCIM_OK) {
		/* stop sending before the lease could run out mid-request */
		ep->ep_lease_mono = dl_shared ? so->so_mono + DELIVERY_WINDOW_MS :
		    INT64_MAX;
		if (!ep->ep_owned || so->so_takeover) {
			if (so->so_takeover)
				ep->ep_cursor = so->so_cursor;
			ep->ep_owned = 1;
			dl_queue_reset(ep);
			if (so->so_takeover)
				acked_load(ep, so->so_acked);
			log_info("webhook %s: delivering from seq %llu",
			    ep->ep_name, (unsigned long long)ep->ep_cursor);
		}
		dl_fill(ep);
	} else if (!ep->ep_dead && rc == SCIM_ECONFLICT && ep->ep_owned) {
		log_warnx("webhook %s: lease lost to another instance",
		    ep->ep_name);
		ep->ep_owned = 0;
		dl_queue_reset(ep);
	}
	json_object_put(so->so_state);
	json_object_put(so->so_acked);
	free(so);
	dl_ep_release(ep);
}

static void
save_now(struct dl_ep *ep, int release)
{
	struct save_op		*so;
	struct json_object	*s = json_object_new_object(), *a;
	uint64_t		*acked;
	size_t			 i, n;

	json_object_object_add(s, "epoch", json_object_new_int64(
	    ep->ep_epoch));
	json_object_object_add(s, "cursor", json_object_new_int64(
	    (int64_t)ep->ep_cursor));
	json_set(s, "lastSuccess", ep->ep_last_ok);
	if (ep->ep_last_err_at != 0)
		json_object_object_add(s, "lastError",
		    json_object_new_string(ep->ep_last_err));
	json_set(s, "lastErrorAt", ep->ep_last_err_at);
	json_set(s, "failingSince", ep->ep_failing);
	if (ep->ep_natt > 0)
		json_object_object_add(s, "attempts", attempts_json(ep));
	if ((acked = dl_acked(ep, &n)) != NULL) {
		a = json_object_new_array_ext((int)n);
		for (i = 0; i < n; i++)
			json_object_array_add(a,
			    json_object_new_int64((int64_t)acked[i]));
		json_object_object_add(s, "acked", a);
		free(acked);
	}
	so = xcalloc(1, sizeof(*so));
	so->so_release = release;
	so->so_ep = ep;
	so->so_state = s;
	so->so_mono = util_mono_ms();
	so->so_op.co_apply = save_apply;
	so->so_op.co_done = save_done;
	ep->ep_dirty = 0;
	ep->ep_saving = 1;
	ep->ep_busy++;
	commit_submit(&so->so_op);
}

static void
save_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dl_ep	*ep = arg;

	if (ep->ep_dirty && !ep->ep_saving && !ep->ep_dead)
		save_now(ep, 0);
	else if (ep->ep_dirty)
		dl_save_soon(ep);
}

void
dl_save_soon(struct dl_ep *ep)
{
	struct timeval	tv = { 0, DELIVERY_SAVE_MS * 1000 };

	ep->ep_dirty = 1;
	if (!evtimer_pending(ep->ep_save_ev, NULL))
		evtimer_add(ep->ep_save_ev, &tv);
}

static void
retry_tick(evutil_socket_t fd, short what, void *arg)
{
	dl_dispatch(arg);
}

static struct dl_ep *
ep_new(uint32_t tenant, const char *name)
{
	struct dl_ep	*ep = xcalloc(1, sizeof(*ep));

	ep->ep_tenant = tenant;
	strlcpy(ep->ep_name, name, sizeof(ep->ep_name));
	TAILQ_INIT(&ep->ep_q);
	ep->ep_epoch = -1;
	ep->ep_save_ev = evtimer_new(dl_sd->sd_base, save_tick, ep);
	ep->ep_retry_ev = evtimer_new(dl_sd->sd_base, retry_tick, ep);
	if (ep->ep_save_ev == NULL || ep->ep_retry_ev == NULL)
		fatalx("%s: evtimer_new", __func__);
	TAILQ_INSERT_TAIL(&dl_eps, ep, ep_entry);
	return (ep);
}

/* Where a replay (or a first start) puts the endpoint. */
static void
ep_restart(struct dl_ep *ep, int64_t epoch, uint64_t from)
{
	ep->ep_epoch = epoch;
	ep->ep_cursor = from;
	if (ep->ep_failing)
		dl_stats.ds_failing--;
	ep->ep_failing = 0;
	dl_queue_reset(ep);
	free(ep->ep_acked);
	ep->ep_acked = NULL;
	ep->ep_nacked = 0;
	dl_save_soon(ep);
}

/* The stored state, for an endpoint this instance does not deliver. */
static void
ep_load_state(struct dl_ep *ep, struct json_object *st)
{
	const char	*s;

	ep->ep_epoch = json_object_get_int64(json_object_object_get(st,
	    "epoch"));
	ep->ep_cursor = (uint64_t)json_object_get_int64(
	    json_object_object_get(st, "cursor"));
	ep->ep_last_ok = json_object_get_int64(json_object_object_get(st,
	    "lastSuccess"));
	ep->ep_last_err_at = json_object_get_int64(json_object_object_get(st,
	    "lastErrorAt"));
	if ((s = jsonutil_get_str(st, "lastError")) != NULL)
		strlcpy(ep->ep_last_err, s, sizeof(ep->ep_last_err));
	if (ep->ep_failing == 0 && (ep->ep_failing = json_object_get_int64(
	    json_object_object_get(st, "failingSince"))) != 0)
		dl_stats.ds_failing++;
	dl_queue_reset(ep);
	acked_load(ep, json_object_object_get(st, "acked"));
	json_object_put(ep->ep_saved_att);
	ep->ep_saved_att = json_object_get(json_object_object_get(st,
	    "attempts"));
}

/* Take the lease when nobody holds a live one. */
static void
ep_maybe_take(struct dl_ep *ep, struct json_object *st)
{
	const char	*owner = jsonutil_get_str(st, "owner");

	if (ep->ep_owned || ep->ep_saving)
		return;
	if (!dl_shared || st == NULL || owner == NULL ||
	    strcmp(owner, dl_instance) == 0 || json_object_get_int64(
	    json_object_object_get(st, "leaseUntil")) <= util_now_ms())
		dl_save_soon(ep);
}

static int
sync_one(uint32_t tenant, const char *name, struct json_object *rec,
    void *arg)
{
	struct store_txn	*t = arg;
	struct json_object	*st = NULL, *ev;
	struct dl_ep		*ep;
	int64_t			 epoch;

	if ((ep = ep_find(tenant, name)) == NULL)
		ep = ep_new(tenant, name);
	ep->ep_seen = 1;
	free(ep->ep_url);
	ep->ep_url = xstrdup(jsonutil_get_str(rec, "url") ?
	    jsonutil_get_str(rec, "url") : "");
	util_free_secret(ep->ep_secret);
	ep->ep_secret = xstrdup(jsonutil_get_str(rec, "secret") ?
	    jsonutil_get_str(rec, "secret") : "");
	if (json_object_object_get_ex(rec, "events", &ev)) {
		json_object_put(ep->ep_events);
		ep->ep_events = json_object_get(ev);
	}
	webhook_state_get(t, tenant, name, &st);
	if (!ep->ep_owned && st != NULL)
		ep_load_state(ep, st);
	epoch = json_object_get_int64(json_object_object_get(rec, "epoch"));
	if (epoch > ep->ep_epoch || (st == NULL && ep->ep_epoch < 0))
		ep_restart(ep, epoch, (uint64_t)json_object_get_int64(
		    json_object_object_get(rec, "replayFrom")));
	ep_maybe_take(ep, st);
	json_object_put(st);
	return (0);
}

static void
sync_run(void *arg)
{
	struct store_txn	*t;
	struct dl_ep		*ep, *next;
	int			 rc;

	TAILQ_FOREACH(ep, &dl_eps, ep_entry)
		ep->ep_seen = 0;
	if ((rc = store_begin(dl_sd->sd_store, 0, &t)) == SCIM_OK) {
		rc = webhook_each(t, TENANT_ALL, sync_one, t);
		store_abort(t);
	}
	dl_syncing = 0;
	if (rc != SCIM_OK)
		return;		/* keep what we have; next tick again */
	for (ep = TAILQ_FIRST(&dl_eps); ep != NULL; ep = next) {
		next = TAILQ_NEXT(ep, ep_entry);
		if (!ep->ep_seen) {
			/* revoked: nothing more goes out */
			TAILQ_REMOVE(&dl_eps, ep, ep_entry);
			ep->ep_dead = 1;
			dl_queue_reset(ep);
			if (ep->ep_busy == 0)
				ep_free(ep);
			continue;
		}
		/* renew the lease well before it ends */
		if (ep->ep_owned && dl_shared && ep->ep_lease_mono -
		    util_mono_ms() < DELIVERY_WINDOW_MS / 2)
			dl_save_soon(ep);
		if (ep->ep_owned)
			dl_fill(ep);
	}
}

static int
prune_apply(struct store_txn *t, struct commit_op *op)
{
	struct prune_op	*po = (struct prune_op *)op;
	int64_t		 keep = (int64_t)dl_sd->sd_conf->cf_event_retention;

	return (event_prune(t, util_now_ms() - keep * 1000, EVENT_PRUNE_BATCH,
	    &po->po_n, &po->po_more));
}

static void
prune_done(struct commit_op *op, int rc)
{
	struct prune_op	*po = (struct prune_op *)op;

	dl_pruning = 0;
	if (rc != SCIM_OK)
		log_warnx("events: pruning failed: %s", scim_err_text(rc));
	else if (po->po_n > 0)
		log_debug("events: pruned %zu", po->po_n);
	free(po);
}

static void
prune(void)
{
	struct prune_op	*po;

	if (dl_pruning || dl_sd->sd_conf->cf_event_retention == 0)
		return;
	po = xcalloc(1, sizeof(*po));
	po->po_op.co_apply = prune_apply;
	po->po_op.co_done = prune_done;
	dl_pruning = 1;
	commit_submit(&po->po_op);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { DELIVERY_TICK_MS / 1000,
			    (DELIVERY_TICK_MS % 1000) * 1000 };

	evtimer_add(dl_tick_ev, &tv);
	prune();
	if (dl_syncing)
		return;
	dl_syncing = 1;
	store_run(dl_sd->sd_store, sync_run, NULL);
}

static void
kick(evutil_socket_t fd, short what, void *arg)
{
	struct dl_ep	*ep;

	TAILQ_FOREACH(ep, &dl_eps, ep_entry)
		if (ep->ep_owned && ep->ep_nq < dl_queue_max())
			dl_fill(ep);
}

void
delivery_kick(void *arg)
{
	if (dl_kick_ev != NULL)
		event_active(dl_kick_ev, EV_TIMEOUT, 1);
}

void
delivery_start(struct scimd *sd)
{
	dl_sd = sd;
	dl_shared = sd->sd_conf->cf_database != NULL;
	util_uuid(dl_instance);
	if (curlev_init(sd->sd_base) != SCIM_OK ||
	    (dl_tick_ev = evtimer_new(sd->sd_base, tick, NULL)) == NULL ||
	    (dl_kick_ev = event_new(sd->sd_base, -1, 0, kick, NULL)) == NULL)
		fatalx("%s: cannot set up webhook delivery", __func__);
	commit_watch(delivery_kick, NULL);
	event_active(dl_tick_ev, EV_TIMEOUT, 1);
}

void
delivery_drain(void)
{
	dl_draining = 1;
}

int
delivery_inflight(void)
{
	return ((int)dl_stats.ds_inflight);
}

void
delivery_stop(void)
{
	struct dl_ep	*ep;

	/* the saves under way, then each endpoint's last state */
	dl_draining = 1;
	commit_flush();
	TAILQ_FOREACH(ep, &dl_eps, ep_entry)
		if (ep->ep_owned && !ep->ep_saving && !ep->ep_dead)
			save_now(ep, 1);
	commit_flush();
	while ((ep = TAILQ_FIRST(&dl_eps)) != NULL) {
		TAILQ_REMOVE(&dl_eps, ep, ep_entry);
		ep->ep_dead = 1;
		dl_queue_reset(ep);
		if (ep->ep_busy == 0)
			ep_free(ep);
	}
	if (dl_tick_ev != NULL)
		event_free(dl_tick_ev);
	if (dl_kick_ev != NULL)
		event_free(dl_kick_ev);
	dl_tick_ev = dl_kick_ev = NULL;
	curlev_free();
}

/*
 * The owner's own, or (another instance delivers, or none was made since
 * this one took over) those its state was saved with.
 */
struct json_object *
delivery_attempts(uint32_t tenant, const char *name)
{
	struct dl_ep	*ep = ep_find(tenant, name);

	if (ep == NULL)
		return (NULL);
	if (ep->ep_owned && ep->ep_natt > 0)
		return (attempts_json(ep));
	return (json_object_is_type(ep->ep_saved_att, json_type_array) ?
	    json_object_get(ep->ep_saved_att) : NULL);
}

int
delivery_retry_now(uint32_t tenant, const char *name)
{
	struct dl_ep	*ep = ep_find(tenant, name);
	struct dl_event	*de;

	if (ep == NULL)
		return (SCIM_ENOTFOUND);
	TAILQ_FOREACH(de, &ep->ep_q, de_entry) {
		de->de_next = 0;
		de->de_first_fail = 0;
	}
	if (ep->ep_failing) {
		dl_stats.ds_failing--;
		ep->ep_failing = 0;
		dl_save_soon(ep);
	}
	if (ep->ep_owned)
		dl_fill(ep);
	return (SCIM_OK);
}

void
delivery_stats(struct delivery_stats *ds)
{
	*ds = dl_stats;
}

void
delivery_metrics(struct evbuffer *b)
{
	evbuffer_add_printf(b,
	    "# HELP scimd_webhook_deliveries_total Events acknowledged (2xx) "
	    "by webhook endpoints.\n"
	    "# TYPE scimd_webhook_deliveries_total counter\n"
	    "scimd_webhook_deliveries_total %llu\n"
	    "# HELP scimd_webhook_attempts_failed_total Delivery attempts that "
	    "failed (to be retried).\n"
	    "# TYPE scimd_webhook_attempts_failed_total counter\n"
	    "scimd_webhook_attempts_failed_total %llu\n"
	    "# HELP scimd_webhook_inflight Deliveries in flight.\n"
	    "# TYPE scimd_webhook_inflight gauge\n"
	    "scimd_webhook_inflight %llu\n"
	    "# HELP scimd_webhook_endpoints_failing Endpoints marked failing "
	    "(paused until a replay).\n"
	    "# TYPE scimd_webhook_endpoints_failing gauge\n"
	    "scimd_webhook_endpoints_failing %llu\n",
	    dl_stats.ds_delivered, dl_stats.ds_failed, dl_stats.ds_inflight,
	    dl_stats.ds_failing);
}

/*
 * An endpoint's queue: the events from its cursor on, read in read
 * transactions; sending, the per-resource order, retries with backoff, and
 * the cursor over the acknowledged prefix.
 */
#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	300000
#define BLOCK_SLOTS	2048	/* > 2 * the longest queue */
#define RES_MAX		256	/* a resourceId kept for the order */

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

uint64_t *
dl_acked(struct dl_ep *ep, size_t *n)
{
	struct dl_event	*de;
	uint64_t	*a;
	size_t		 i, cap = ep->ep_nacked;

	TAILQ_FOREACH(de, &ep->ep_q, de_entry)
		cap += de->de_acked;
	*n = 0;
	if (cap == 0)
		return (NULL);
	a = xcalloc(cap, sizeof(*a));
	/* the queue holds up to ep_loaded, the stored list may go on */
	TAILQ_FOREACH(de, &ep->ep_q, de_entry)
		if (de->de_acked && de->de_seq >= ep->ep_cursor)
			a[(*n)++] = de->de_seq;
	for (i = 0; i < ep->ep_nacked; i++)
		if (ep->ep_acked[i] > ep->ep_loaded &&
		    ep->ep_acked[i] >= ep->ep_cursor)
			a[(*n)++] = ep->ep_acked[i];
	if (*n == 0) {
		free(a);
		a = NULL;
	}
	return (a);
}

/* Drop the queue: it is read again from the cursor. */
void
dl_queue_reset(struct dl_ep *ep)
{
	struct dl_event	*de;
	uint64_t	*a;
	size_t		 n;

	/* what was acknowledged stays so */
	a = dl_acked(ep, &n);
	free(ep->ep_acked);
	ep->ep_acked = a;
	ep->ep_nacked = n;

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
		de->de_acked = 1;
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

	if (!ep->ep_owned || ep->ep_failing || ep->ep_dead || dl_draining ||
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

/*
 * The string member key at the top level of json (end: one past it) into
 * buf, skipping nested values without building them: an event's resource
 * can be large, and its head is all a queue needs.  -1 when key is not
 * there, not a string, holds an escape or does not fit: then the event is
 * parsed in full.
 */
static int
head_str(const char *p, const char *end, const char *key, char *buf,
    size_t size)
{
	size_t		 klen = strlen(key);
	const char	*s;
	int		 depth = 0;

	while (p < end) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		if (*p++ != '"')
			continue;
		for (s = p; p < end && *p != '"'; p++)
			if (*p == '\\' && ++p == end)
				return (-1);
		if (p++ == end)
			return (-1);
		/* a member's name is followed by ':', a value never */
		if (depth != 1 || p >= end || *p != ':' ||
		    (size_t)(p - 1 - s) != klen || memcmp(s, key, klen) != 0)
			continue;
		if (++p >= end || *p != '"')
			return (-1);
		for (s = ++p; p < end && *p != '"' && *p != '\\'; p++)
			;
		if (p == end || *p != '"' || (size_t)(p - s) >= size)
			return (-1);
		memcpy(buf, s, (size_t)(p - s));
		buf[p - s] = '\0';
		return (0);
	}
	return (-1);
}

/* The event's id, type and resourceId: 0, or -1 when it is unreadable. */
static int
event_head(const char *json, size_t len, char *id, char *type, char *res)
{
	struct json_object	*o = NULL;
	struct scim_errbuf	 eb;
	const char		*end = json + len;
	int			 rc = -1;

	if (head_str(json, end, "id", id, 64) == 0 &&
	    head_str(json, end, "type", type, 64) == 0 &&
	    head_str(json, end, "resourceId", res, RES_MAX) == 0)
		return (0);
	if (jsonutil_parse(json, len, SCIM_JSON_DEPTH, &o, &eb) != SCIM_OK)
		return (-1);
	if (jsonutil_get_str(o, "id") != NULL &&
	    jsonutil_get_str(o, "type") != NULL) {
		strlcpy(id, jsonutil_get_str(o, "id"), 64);
		strlcpy(type, jsonutil_get_str(o, "type"), 64);
		strlcpy(res, jsonutil_get_str(o, "resourceId") != NULL ?
		    jsonutil_get_str(o, "resourceId") : "", RES_MAX);
		rc = 0;
	}
	json_object_put(o);
	return (rc);
}

static int
fill_one(uint64_t seq, const char *json, size_t len, void *arg)
{
	struct fill		*f = arg;
	struct dl_ep		*ep = f->f_ep;
	struct dl_event		*de;
	char			 id[64], type[64], res[RES_MAX];

	if (ep->ep_gen != f->f_gen || ep->ep_dead)
		return (1);	/* reset meanwhile: read again */
	de = xcalloc(1, sizeof(*de));
	de->de_ep = ep;
	de->de_seq = seq;
	de->de_state = DE_DONE;
	/* acknowledged before a restart: not again */
	if (ep->ep_nacked > 0 && bsearch(&seq, ep->ep_acked, ep->ep_nacked,
	    sizeof(seq), seq_cmp) != NULL)
		de->de_acked = 1;
	else if (event_head(json, len, id, type, res) == 0 &&
	    webhook_events_match(ep->ep_events, type)) {
		de->de_state = DE_WAIT;
		strlcpy(de->de_id, id, sizeof(de->de_id));
		de->de_res = xstrdup(res);
		de->de_body = xmalloc(len);
		memcpy(de->de_body, json, len);
		de->de_len = len;
	}
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
	    ep->ep_failing || dl_draining) {
		dl_dispatch(ep);
		return;
	}
	ep->ep_filling = 1;
	ep->ep_busy++;
	store_run(dl_sd->sd_store, fill_run, ep);
}
