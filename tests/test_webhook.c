/*
 * whsig.c (Standard Webhooks signatures, the published test vector),
 * webhook.c (URL rules, event patterns, records) and event.c (the outbox:
 * seq per tenant, JSON layout, paging, time lookup, pruning).
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "store.h"
#include "tap.h"
#include "token.h"
#include "util.h"
#include "webhook.h"
#include "whsig.h"

#define MAP	(64 * 1024 * 1024)

static void
test_sig(void)
{
	uint8_t		 key[WHSIG_KEY_MAX];
	char		 sig[WHSIG_SIG_MAX], secret[WHSIG_SECRET_MAX];
	const char	*body = "{\"test\": 2432232314}";
	size_t		 keylen = 0;

	/* the example of the Standard Webhooks specification's libraries */
	ok(whsig_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key,
	    &keylen) == 0, "decode the example secret");
	is_int(24, (long long)keylen, "24 key bytes");
	whsig_sign(key, keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body), sig);
	is_str("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig,
	    "the published signature");
	ok(whsig_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key,
	    &keylen) == 0 && keylen == 24, "the prefix is optional");
	whsig_secret_new(secret);
	ok(strncmp(secret, "whsec_", 6) == 0 && strlen(secret) == 6 + 44,
	    "new secret: whsec_ + base64 of 32 bytes");
	ok(whsig_secret_key(secret, key, &keylen) == 0 && keylen == 32,
	    "a new secret decodes to 32 bytes");
	ok(whsig_secret_key("whsec_not base64!", key, &keylen) == -1,
	    "garbage refused");
	ok(whsig_secret_key("whsec_", key, &keylen) == -1, "empty refused");
}

static void
test_rules(void)
{
	struct scim_errbuf	 eb;
	struct json_object	*p = NULL;

	ok(webhook_url_check("https://example.com/hook", 0, &eb) == SCIM_OK,
	    "https anywhere");
	ok(webhook_url_check("http://127.0.0.1:9000/x", 0, &eb) == SCIM_OK,
	    "http to 127.0.0.1");
	ok(webhook_url_check("http://[::1]:9000/x", 0, &eb) == SCIM_OK,
	    "http to [::1]");
	ok(webhook_url_check("http://localhost/x", 0, &eb) == SCIM_OK,
	    "http to localhost");
	ok(webhook_url_check("http://example.com/x", 0, &eb) == SCIM_EINVAL,
	    "http elsewhere refused");
	ok(webhook_url_check("http://example.com/x", 1, &eb) == SCIM_OK,
	    "... unless allowed");
	ok(webhook_url_check("ftp://example.com/x", 1, &eb) == SCIM_EINVAL,
	    "other schemes refused");
	ok(webhook_url_check("https:///x", 0, &eb) == SCIM_EINVAL,
	    "no host refused");
	ok(webhook_events_parse("user.*,group.members_added", &p, &eb) ==
	    SCIM_OK, "parse patterns");
	ok(webhook_events_match(p, "user.created"), "user.* matches");
	ok(webhook_events_match(p, "group.members_added"), "exact matches");
	ok(!webhook_events_match(p, "group.created"), "others do not");
	json_object_put(p);
	ok(webhook_events_parse("user.created,nope", &p, &eb) == SCIM_EINVAL,
	    "unknown type refused");
	ok(webhook_events_parse(NULL, &p, &eb) == SCIM_OK &&
	    webhook_events_match(p, "group.deleted"), "default: every event");
	json_object_put(p);
}

static int
count_cb(uint64_t seq, const char *json, size_t len, void *arg)
{
	uint64_t	*last = arg;

	*last = seq;
	return (0);
}

static int
append(struct store *st, uint32_t tenant, const char *type)
{
	struct store_txn	*t;
	struct event_spec	 en;
	struct json_object	*res = json_tokener_parse("{\"userName\":\"a\"}");
	int			 rc;

	memset(&en, 0, sizeof(en));
	en.en_tenant = tenant;
	en.en_tenant_name = "t";
	en.en_type = type;
	en.en_change_id = "c-1";
	en.en_rt = "User";
	en.en_id = "id-1";
	en.en_resource = res;
	if ((rc = store_begin(st, 1, &t)) != SCIM_OK)
		return (rc);
	if ((rc = event_append(t, &en, NULL)) == SCIM_OK)
		rc = store_commit(t);
	else
		store_abort(t);
	json_object_put(res);
	return (rc);
}

static int
first_json(uint64_t seq, const char *json, size_t len, void *arg)
{
	*(struct json_object **)arg = json_tokener_parse(json);
	return (1);
}

static void
test_outbox(struct store *st)
{
	struct store_txn	*t;
	struct json_object	*o = NULL;
	uint64_t		 last = 0, seq = 0;
	size_t			 n = 0;
	int			 more = 0, i, rc = SCIM_OK;

	for (i = 0; i < 5 && rc == SCIM_OK; i++)
		rc = append(st, 1, "user.created");
	ok(rc == SCIM_OK && append(st, 2, "user.deleted") == SCIM_OK,
	    "append 5 events to tenant 1 and 1 to tenant 2");
	store_begin(st, 0, &t);
	event_last(t, 1, &last);
	is_int(5, (long long)last, "tenant 1's last seq");
	event_last(t, 2, &last);
	is_int(1, (long long)last, "tenant 2 counts on its own");
	last = 0;
	event_each(t, 1, 2, 2, count_cb, &last);
	is_int(4, (long long)last, "after 2, limit 2: up to 4");
	event_each(t, 1, 0, 1, first_json, &o);
	ok(o != NULL && util_is_uuid(jsonutil_get_str(o, "id")) &&
	    strcmp(jsonutil_get_str(o, "type"), "user.created") == 0 &&
	    json_object_get_int64(json_object_object_get(o, "seq")) == 1 &&
	    strcmp(jsonutil_get_str(o, "changeId"), "c-1") == 0 &&
	    json_object_object_get(o, "resource") != NULL &&
	    json_object_is_type(json_object_object_get(o,
	    "modifiedProperties"), json_type_array), "event members");
	event_seq_at(t, 1, util_now_ms() + 60000, &seq);
	is_int(6, (long long)seq, "seq at a future time: the next one");
	event_seq_at(t, 1, 0, &seq);
	is_int(1, (long long)seq, "seq at the epoch: the first");
	store_abort(t);
	json_object_put(o);

	store_begin(st, 1, &t);
	rc = event_prune(t, util_now_ms() + 60000, 4, &n, &more);
	ok(rc == SCIM_OK && n == 4 && more, "prune a batch of 4");
	store_commit(t);
	store_begin(st, 1, &t);
	rc = event_prune(t, util_now_ms() + 60000, 4, &n, &more);
	ok(rc == SCIM_OK && n == 2 && !more, "prune the other 2 (tenants)");
	store_commit(t);
	ok(append(st, 1, "user.updated") == SCIM_OK, "append after pruning");
	store_begin(st, 0, &t);
	event_last(t, 1, &last);
	is_int(6, (long long)last, "seq goes on after pruning everything");
	store_abort(t);
}

static void
test_records(struct store *st)
{
	struct store_txn	*t;
	struct json_object	*ev = json_tokener_parse("[\"*\"]"), *o = NULL;
	int			 rc;

	store_begin(st, 1, &t);
	rc = webhook_create(t, 1, "crm", "https://example.com/h", ev,
	    "whsec_abcd");
	ok(rc == SCIM_OK, "create endpoint");
	is_int(SCIM_EUNIQUE, webhook_create(t, 1, "crm", "https://x/", ev,
	    "whsec_abcd"), "same name again: EUNIQUE");
	is_int(SCIM_EINVAL, webhook_create(t, 1, "bad name", "https://x/", ev,
	    "whsec_abcd"), "bad name: EINVAL");
	store_commit(t);
	store_begin(st, 1, &t);
	ok(webhook_get(t, 1, "crm", &o) == SCIM_OK && json_object_get_int64(
	    json_object_object_get(o, "replayFrom")) == 7,
	    "starts at the tenant's next seq");
	json_object_put(o);
	ok(webhook_replay(t, 1, "crm", 3) == SCIM_OK && webhook_get(t, 1,
	    "crm", &o) == SCIM_OK && json_object_get_int64(
	    json_object_object_get(o, "epoch")) == 1, "replay raises epoch");
	json_object_put(o);
	ok(webhook_describe(t, 1, "crm", ev, &o) == SCIM_OK, "describe");
	json_object_put(o);
	is_int(SCIM_OK, webhook_delete(t, 1, "crm"), "delete");
	is_int(SCIM_ENOTFOUND, webhook_delete(t, 1, "crm"), "delete again");
	store_commit(t);
	json_object_put(ev);
}

int
main(void)
{
	struct store_params	 sp = { 0 };
	struct store		*st;
	struct scim_errbuf	 eb;
	char			*dir;

	plan_lazy();
	test_sig();
	test_rules();
	dir = test_mkdtemp();
	sp.sp_dir = dir;
	sp.sp_mapsize = MAP;
	sp.sp_flags = STORE_NOSYNC;
	if (store_open(&sp, &st, &eb) != SCIM_OK) {
		diag("store_open: %s", eb.eb_msg);
		return (1);
	}
	test_outbox(st);
	test_records(st);
	store_close(st);
	test_rm_rf(dir);
	free(dir);
	return (done_testing());
}
