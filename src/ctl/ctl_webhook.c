/* scimctl webhook create|list|revoke|replay|test (webhook.h, whpost.h). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "audit_query.h"
#include "config.h"
#include "ctl.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"
#include "webhook.h"
#include "whpost.h"
#include "whsig.h"

static void
create(struct ctl *c, const char *name)
{
	struct store_txn	*t;
	struct json_object	*events = NULL;
	struct scim_errbuf	 eb;
	char			 secret[WHSIG_SECRET_MAX];
	int			 rc;

	if (c->c_url == NULL)
		fatalx("webhook create: --url URL is required");
	if (c->c_all)
		fatalx("a webhook belongs to one tenant: use --tenant");
	if (webhook_url_check(c->c_url, c->c_conf.cf_webhook_allow_http,
	    &eb) != SCIM_OK || webhook_events_parse(c->c_events, &events,
	    &eb) != SCIM_OK)
		fatalx("webhook create: %s", eb.eb_msg);
	whsig_secret_new(secret);
	t = ctl_begin(c, 1);
	rc = webhook_create(t, ctl_tenant_of(c, t), name, c->c_url, events,
	    secret);
	json_object_put(events);
	if (rc == SCIM_EUNIQUE)
		fatalx("a webhook named \"%s\" exists already", name);
	if (rc == SCIM_EINVAL)
		fatalx("webhook name: 1 to %d of A-Z a-z 0-9 . _ -",
		    WEBHOOK_NAME_MAX);
	if (rc != SCIM_OK)
		fatalx("webhook create: %s", scim_err_text(rc));
	ctl_commit(t);
	printf("webhook \"%s\" created; its signing secret (shown once):\n%s\n",
	    name, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
}

static int
print_one(uint32_t tenant, const char *name, struct json_object *ep,
    void *arg)
{
	struct store_txn	*t = ((void **)arg)[0];
	struct ctl		*c = ((void **)arg)[1];
	struct json_object	*d;
	char			 ok[40], err[40];
	const char		*e;

	if (webhook_describe(t, tenant, name, ep, &d) != SCIM_OK)
		return (0);
	if (c->c_json)
		printf("%s\n", jsonutil_compact(d, NULL));
	else {
		ctl_fmt_time(json_object_get_int64(json_object_object_get(d,
		    "lastSuccess")), ok, sizeof(ok));
		ctl_fmt_time(json_object_get_int64(json_object_object_get(d,
		    "lastErrorAt")), err, sizeof(err));
		e = jsonutil_get_str(d, "lastError");
		printf("%-16s %-12s %-8s %7lld %8.1fs %-24s %-24s %s %s\n",
		    name, jsonutil_get_str(d, "tenant"), jsonutil_get_str(d,
		    "state"), (long long)json_object_get_int64(
		    json_object_object_get(d, "waiting")),
		    json_object_get_int64(json_object_object_get(d,
		    "lagMs")) / 1000.0, ok, err, jsonutil_get_str(d, "url"),
		    e != NULL ? e : "");
	}
	json_object_put(d);
	return (0);
}

static void
list(struct ctl *c)
{
	struct store_txn	*t = ctl_begin(c, 0);
	void			*arg[2] = { t, c };
	int			 rc;

	if (!c->c_json)
		printf("%-16s %-12s %-8s %7s %9s %-24s %-24s %s\n", "NAME",
		    "TENANT", "STATE", "WAITING", "LAG", "LAST-SUCCESS",
		    "LAST-ERROR", "URL");
	rc = webhook_each(t, ctl_tenant_of(c, t), print_one, arg);
	store_abort(t);
	if (rc != SCIM_OK)
		fatalx("webhook list: %s", scim_err_text(rc));
}

/* --since SEQ or a time (RFC 3339, or an age such as 2h) to a seq. */
static void
replay(struct ctl *c, const char *name)
{
	struct store_txn	*t;
	uint32_t		 tenant;
	uint64_t		 seq;
	int64_t			 ms;
	char			*end;
	int			 rc;

	if (c->c_since == NULL)
		fatalx("webhook replay: --since SEQ|TIME is required");
	t = ctl_begin(c, 1);
	tenant = ctl_tenant_of(c, t);
	seq = strtoull(c->c_since, &end, 10);
	if (*end != '\0' || end == c->c_since) {
		if (audit_time_arg(c->c_since, util_now_ms(), &ms) != 0)
			fatalx("--since: a seq, an RFC 3339 time or an age "
			    "such as 40m, 2h, 7d");
		if ((rc = event_seq_at(t, tenant, ms, &seq)) != SCIM_OK)
			fatalx("webhook replay: %s", scim_err_text(rc));
	}
	if ((rc = webhook_replay(t, tenant, name, seq)) == SCIM_ENOTFOUND)
		fatalx("no webhook \"%s\"", name);
	if (rc != SCIM_OK)
		fatalx("webhook replay: %s", scim_err_text(rc));
	ctl_commit(t);
	printf("webhook \"%s\" replays from seq %llu\n", name,
	    (unsigned long long)seq);
}

/* POST a signed webhook.test event now, from here; print the outcome. */
static int
test(struct ctl *c, const char *name)
{
	struct store_txn	*t = ctl_begin(c, 0);
	struct json_object	*ep = NULL;
	struct whpost		 wp;
	int64_t			 t0;
	long			 status;

	if (webhook_get(t, ctl_tenant_of(c, t), name, &ep) != SCIM_OK)
		fatalx("no webhook \"%s\"", name);
	store_abort(t);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (whpost_init_test(&wp, jsonutil_get_str(ep, "url"),
	    jsonutil_get_str(ep, "secret"), c->c_conf.cf_webhook_timeout) != 0)
		fatalx("webhook test: %s", wp.wp_err);
	t0 = util_mono_ms();
	status = whpost_status(&wp, curl_easy_perform(wp.wp_curl));
	printf("%s: %s in %lld ms\n", name, wp.wp_err[0] ? wp.wp_err :
	    "delivered", (long long)(util_mono_ms() - t0));
	whpost_free(&wp);
	json_object_put(ep);
	return (status >= 200 && status <= 299 ? 0 : 1);
}

int
cmd_webhook(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	int			 rc;

	if (argc < 1)
		ctl_usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2)
		create(c, argv[1]);
	else if (strcmp(argv[0], "list") == 0 && argc == 1)
		list(c);
	else if (strcmp(argv[0], "replay") == 0 && argc == 2)
		replay(c, argv[1]);
	else if (strcmp(argv[0], "test") == 0 && argc == 2)
		return (test(c, argv[1]));
	else if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		t = ctl_begin(c, 1);
		rc = webhook_delete(t, ctl_tenant_of(c, t), argv[1]);
		if (rc == SCIM_ENOTFOUND)
			fatalx("no webhook \"%s\"", argv[1]);
		if (rc != SCIM_OK)
			fatalx("webhook revoke: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "webhook \"%s\" revoked\n", argv[1]);
	} else
		ctl_usage();
	return (0);
}
