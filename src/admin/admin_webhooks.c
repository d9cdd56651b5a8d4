/* /admin/v1/webhooks (contract in admin_webhooks.h). */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "admin_collection.h"
#include "admin_tenants.h"
#include "admin_webhooks.h"
#include "audit_query.h"
#include "commit.h"
#include "config.h"
#include "curlev.h"
#include "delivery.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"
#include "webhook.h"
#include "whpost.h"
#include "whsig.h"

enum wh_write { WH_CREATE, WH_DELETE, WH_REPLAY };

/* A change through the group commit; its reply comes after the commit. */
struct wh_op {
	struct commit_op	 wo_op;		/* first: the commit queue's view */
	struct request		*wo_rq;
	enum wh_write		 wo_kind;
	uint32_t		 wo_tenant;
	char			 wo_name[WEBHOOK_NAME_MAX + 1];
	char			*wo_url;
	struct json_object	*wo_events;
	char			 wo_secret[WHSIG_SECRET_MAX];
	char			*wo_since;	/* replay: SEQ or a time */
	uint64_t		 wo_seq;
};

static int
wh_apply(struct store_txn *t, struct commit_op *op)
{
	struct wh_op	*wo = (struct wh_op *)op;
	char		*end;
	int64_t		 ms;
	int		 rc;

	switch (wo->wo_kind) {
	case WH_CREATE:
		return (webhook_create(t, wo->wo_tenant, wo->wo_name,
		    wo->wo_url, wo->wo_events, wo->wo_secret));
	case WH_DELETE:
		return (webhook_delete(t, wo->wo_tenant, wo->wo_name));
	case WH_REPLAY:
		wo->wo_seq = strtoull(wo->wo_since, &end, 10);
		if ((*end != '\0' || end == wo->wo_since) &&
		    (audit_time_arg(wo->wo_since, util_now_ms(), &ms) != 0 ||
		    (rc = event_seq_at(t, wo->wo_tenant, ms, &wo->wo_seq)) !=
		    SCIM_OK))
			return (SCIM_EINVAL);
		return (webhook_replay(t, wo->wo_tenant, wo->wo_name,
		    wo->wo_seq));
	}
	return (SCIM_EINVAL);
}

static void
wh_done(struct commit_op *op, int rc)
{
	struct wh_op		*wo = (struct wh_op *)op;
	struct request		*rq = wo->wo_rq;
	struct json_object	*o;

	if (rc != SCIM_OK)
		request_reply_error(rq, rc, rc == SCIM_EUNIQUE ? "a webhook of "
		    "that name exists" : rc == SCIM_ENOTFOUND ? "no such webhook" :
		    rc == SCIM_EINVAL ? "since: a seq, an RFC 3339 time or an "
		    "age such as 2h" : NULL);
	else if (wo->wo_kind == WH_DELETE)
		request_reply_empty(rq, 204, NULL);
	else {
		o = json_object_new_object();
		json_object_object_add(o, "name",
		    json_object_new_string(wo->wo_name));
		if (wo->wo_kind == WH_CREATE) {
			json_object_object_add(o, "url",
			    json_object_new_string(wo->wo_url));
			json_object_object_add(o, "events",
			    json_object_get(wo->wo_events));
			json_object_object_add(o, "secret",
			    json_object_new_string(wo->wo_secret));
		} else
			json_object_object_add(o, "replayFrom",
			    json_object_new_int64((int64_t)wo->wo_seq));
		request_reply_json(rq, wo->wo_kind == WH_CREATE ? 201 : 200, o,
		    NULL, NULL);
		json_object_put(o);
	}
	OPENSSL_cleanse(wo->wo_secret, sizeof(wo->wo_secret));
	json_object_put(wo->wo_events);
	free(wo->wo_url);
	free(wo->wo_since);
	free(wo);
}

static struct wh_op *
wh_new(struct request *rq, enum wh_write kind, uint32_t tenant,
    const char *name)
{
	struct wh_op	*wo = xcalloc(1, sizeof(*wo));

	wo->wo_rq = rq;
	wo->wo_kind = kind;
	wo->wo_tenant = tenant;
	strlcpy(wo->wo_name, name, sizeof(wo->wo_name));
	wo->wo_op.co_apply = wh_apply;
	wo->wo_op.co_done = wh_done;
	return (wo);
}

/* "events" as a list text or an array of texts, into a list text. */
static char *
events_text(struct json_object *v)
{
	char	*s = xstrdup("");
	char	*tmp;
	size_t	 i, n;

	if (v == NULL)
		return (s);
	if (json_object_is_type(v, json_type_string)) {
		free(s);
		return (xstrdup(json_object_get_string(v)));
	}
	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		if (asprintf(&tmp, "%s%s%s", s, i ? "," : "",
		    json_object_get_string(json_object_array_get_idx(v, i))) ==
		    -1)
			fatalx("out of memory");
		free(s);
		s = tmp;
	}
	return (s);
}

static void
wh_create(struct request *rq, uint32_t tenant)
{
	struct json_object	*body, *ev;
	struct scim_errbuf	 eb;
	struct wh_op		*wo;
	const char		*name, *url;
	char			*list;
	int			 rc;

	if ((body = admin_collection_body(rq)) == NULL)
		return;
	name = jsonutil_get_str(body, "name");
	url = jsonutil_get_str(body, "url");
	eb.eb_msg[0] = '\0';
	wo = wh_new(rq, WH_CREATE, tenant, name != NULL ? name : "");
	list = events_text(jsonutil_get(body, "events", NULL));
	rc = name == NULL || !token_name_ok(name, WEBHOOK_NAME_MAX) ?
	    scim_err_set(&eb, SCIM_EINVAL, "name: 1 to %d of A-Z a-z 0-9 . _ -",
	    WEBHOOK_NAME_MAX) : url == NULL ? scim_err_set(&eb, SCIM_EINVAL,
	    "url: required") : webhook_url_check(url,
	    rq->rq_sd->sd_conf->cf_webhook_allow_http, &eb);
	if (rc == SCIM_OK)
		rc = webhook_events_parse(list, &ev, &eb);
	free(list);
	if (rc != SCIM_OK) {
		request_reply_error(rq, rc, eb.eb_msg);
		json_object_put(body);
		free(wo);
		return;
	}
	wo->wo_url = xstrdup(url);
	wo->wo_events = ev;
	whsig_secret_new(wo->wo_secret);
	json_object_put(body);
	commit_submit(&wo->wo_op);
}

static void
wh_replay(struct request *rq, uint32_t tenant, const char *name)
{
	struct json_object	*body, *v;
	struct wh_op		*wo;

	if ((body = admin_collection_body(rq)) == NULL)
		return;
	if ((v = jsonutil_get(body, "since", NULL)) == NULL) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL, "since: required");
		return;
	}
	wo = wh_new(rq, WH_REPLAY, tenant, name);
	wo->wo_since = xstrdup(json_object_get_string(v));
	json_object_put(body);
	commit_submit(&wo->wo_op);
}

/* A list of webhooks being filled: the transaction and the array. */
struct wh_listing {
	struct store_txn	*wl_t;
	struct json_object	*wl_arr;
	uint32_t		 wl_tenant;
};

static int
list_one(uint32_t tenant, const char *name, struct json_object *ep,
    void *arg)
{
	struct wh_listing	*wl = arg;
	struct json_object	*d;

	if (webhook_describe(wl->wl_t, tenant, name, ep, &d) == SCIM_OK)
		json_object_array_add(wl->wl_arr, d);
	return (0);
}

static int
list_each(struct store_txn *t, struct json_object *arr, void *arg)
{
	struct wh_listing	*wl = arg;

	wl->wl_t = t;
	wl->wl_arr = arr;
	return (webhook_each(t, wl->wl_tenant, list_one, wl));
}

static void
wh_list(struct request *rq, uint32_t tenant)
{
	struct wh_listing	wl = { NULL, NULL, tenant };

	admin_collection_list(rq, "webhooks", list_each, &wl);
}

/* A test delivery in flight: the reply waits for it. */
struct wh_test {
	struct request	*wt_rq;
	struct whpost	 wt_wp;
	int64_t		 wt_t0;
};

static void
test_done(CURL *easy, CURLcode cc, void *arg)
{
	struct wh_test		*wt = arg;
	struct json_object	*o = json_object_new_object();
	long			 status = whpost_status(&wt->wt_wp, cc);

	json_object_object_add(o, "status", json_object_new_int64(status));
	json_object_object_add(o, "latencyMs",
	    json_object_new_int64(util_mono_ms() - wt->wt_t0));
	if (wt->wt_wp.wp_err[0] != '\0')
		json_object_object_add(o, "error",
		    json_object_new_string(wt->wt_wp.wp_err));
	request_reply_json(wt->wt_rq, 200, o, NULL, NULL);
	json_object_put(o);
	whpost_free(&wt->wt_wp);
	free(wt);
}

static void
wh_test(struct request *rq, uint32_t tenant, const char *name)
{
	struct store_txn	*t;
	struct json_object	*ep = NULL;
	struct wh_test		*wt;
	int			 rc;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) == SCIM_OK) {
		rc = webhook_get(t, tenant, name, &ep);
		store_abort(t);
	}
	if (rc != SCIM_OK) {
		request_reply_error(rq, rc, rc == SCIM_ENOTFOUND ?
		    "no such webhook" : NULL);
		return;
	}
	wt = xcalloc(1, sizeof(*wt));
	wt->wt_rq = rq;
	wt->wt_t0 = util_mono_ms();
	if (whpost_init_test(&wt->wt_wp, jsonutil_get_str(ep, "url"),
	    jsonutil_get_str(ep, "secret"),
	    rq->rq_sd->sd_conf->cf_webhook_timeout) != 0 ||
	    curlev_add(wt->wt_wp.wp_curl, test_done, wt) != SCIM_OK) {
		request_reply_error(rq, SCIM_EINVAL, wt->wt_wp.wp_err);
		whpost_free(&wt->wt_wp);
		free(wt);
	}
	json_object_put(ep);
}

static void
wh_attempts(struct request *rq, uint32_t tenant, const char *name)
{
	struct json_object	*o = json_object_new_object(), *a;

	a = delivery_attempts(tenant, name);
	json_object_object_add(o, "attempts", a != NULL ? a :
	    json_object_new_array());
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

/* /webhooks/{name}[/{action}] */
static void
wh_member(struct request *rq, uint32_t tenant, const char *name,
    const char *action)
{
	int	get = rq->rq_method == RQ_GET || rq->rq_method == RQ_HEAD;
	int	post = rq->rq_method == RQ_POST;

	if (*action == '\0' && rq->rq_method == RQ_DELETE)
		commit_submit(&wh_new(rq, WH_DELETE, tenant, name)->wo_op);
	else if (*action == '\0')
		request_reply_method(rq, "DELETE");
	else if (strcmp(action, "attempts") == 0)
		get ? wh_attempts(rq, tenant, name) :
		    request_reply_method(rq, "GET");
	else if (!post && (strcmp(action, "replay") == 0 ||
	    strcmp(action, "retry") == 0 || strcmp(action, "test") == 0))
		request_reply_method(rq, "POST");
	else if (strcmp(action, "replay") == 0)
		wh_replay(rq, tenant, name);
	else if (strcmp(action, "test") == 0)
		wh_test(rq, tenant, name);
	else if (strcmp(action, "retry") == 0) {
		if (delivery_retry_now(tenant, name) == SCIM_OK)
			request_reply_empty(rq, 204, NULL);
		else
			request_reply_error(rq, SCIM_ENOTFOUND,
			    "this instance does not deliver to that webhook");
	} else
		request_reply_error(rq, SCIM_ENOTFOUND, "no such admin endpoint");
}

void
admin_webhooks_route(struct request *rq, const char *rest)
{
	char		 name[WEBHOOK_NAME_MAX + 1], action[16];
	const char	*e;
	uint32_t	 tenant;
	size_t		 n;

	if (admin_tenants_scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (tenant == TENANT_ALL && rq->rq_method == RQ_POST)
			request_reply_error(rq, SCIM_EINVAL, "tenant: name the "
			    "tenant the webhook belongs to");
		else if (rq->rq_method == RQ_GET || rq->rq_method == RQ_HEAD)
			wh_list(rq, tenant);
		else if (rq->rq_method == RQ_POST)
			wh_create(rq, tenant);
		else
			request_reply_method(rq, "GET, POST");
		return;
	}
	rest++;
	n = strcspn(rest, "/");
	e = rest + n;
	if (n == 0 || n >= sizeof(name) || (*e == '/' && (strlen(e + 1) >=
	    sizeof(action) || strchr(e + 1, '/') != NULL))) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such webhook");
		return;
	}
	memcpy(name, rest, n);
	name[n] = '\0';
	strlcpy(action, *e == '/' ? e + 1 : "", sizeof(action));
	if (tenant == TENANT_ALL) {
		request_reply_error(rq, SCIM_EINVAL, "tenant: name the tenant "
		    "of the webhook");
		return;
	}
	wh_member(rq, tenant, name, action);
}
