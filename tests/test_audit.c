/* audit.c and audit_query.c: record shape, queries, paging, pruning. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "audit.h"
#include "audit_query.h"
#include "error.h"
#include "jsonutil.h"
#include "keys.h"
#include "schema.h"
#include "store.h"
#include "tap.h"
#include "tenant.h"
#include "token.h"
#include "util.h"
#include "zpack.h"

#define MAP	(64 * 1024 * 1024)

static struct store	*st;
static uint32_t		 ten_a, ten_b;

static struct json_object *
js(const char *s)
{
	return (json_tokener_parse(s));
}

/* Write one record through audit_write; returns its seq (0 on failure). */
static uint64_t
write_ev(uint32_t tenant, enum audit_action a, enum audit_status s,
    const char *old, const char *new, const char *init, const char *cid)
{
	struct store_txn	*t;
	struct audit_event	 ev;
	struct json_object	*o = old ? js(old) : NULL, *n = new ? js(new) :
				    NULL, *add = js("[\"m-1\",\"m-2\"]");
	struct store_val	 k = { "audit", 5 }, v;
	uint64_t		 seq = 0;

	memset(&ev, 0, sizeof(ev));
	ev.ae_change_id = cid;
	ev.ae_tenant = tenant;
	ev.ae_initiator = init;
	ev.ae_action = a;
	ev.ae_status = s;
	ev.ae_rt = &user_type;
	ev.ae_old = o;
	ev.ae_new = n;
	ev.ae_members_added = a == AUDIT_UPDATE ? add : NULL;
	ev.ae_http_status = s == AUDIT_FAILURE ? 409 : 200;
	ev.ae_scim_type = s == AUDIT_FAILURE ? "uniqueness" : NULL;
	ev.ae_reason = s == AUDIT_FAILURE ? "taken" : NULL;
	ev.ae_start = util_mono_ms();
	if (store_begin(st, 1, &t) == SCIM_OK) {
		if (audit_write(t, &ev) == SCIM_OK &&
		    store_get(t, STORE_META, &k, &v) == SCIM_OK &&
		    v.sv_len == 8)
			seq = util_get_be64(v.sv_data);
		if (store_commit(t) != SCIM_OK)
			seq = 0;
	}
	json_object_put(o);
	json_object_put(n);
	json_object_put(add);
	return (seq);
}

/*
 * A raw record with a chosen time (ms), as audit_write lays it out: odd
 * seqs packed (zpack.h) as audit_write stores them, even ones as a store
 * written before packing holds them, so every walk reads both.
 */
static void
write_raw(uint32_t tenant, uint64_t seq, int64_t ms, const char *action)
{
	struct store_txn	*t;
	struct store_val	 k, v;
	struct zpack_buf	 zb = { NULL, 0 };
	uint8_t			 kb[12];
	char			 when[40], buf[512];

	util_time_fmt(ms, when, sizeof(when));
	snprintf(buf, sizeof(buf), "{\"seq\":%llu,\"changeId\":\"raw-%llu\","
	    "\"time\":\"%s\",\"tenant\":%u,\"initiator\":\"raw\","
	    "\"action\":\"%s\",\"status\":\"Success\",\"target\":{\"id\":"
	    "\"r%llu\",\"name\":null}}", (unsigned long long)seq,
	    (unsigned long long)seq, when, tenant, action,
	    (unsigned long long)seq);
	util_put_be32(kb, tenant);
	util_put_be64(kb + 4, seq);
	k.sv_data = kb;
	k.sv_len = sizeof(kb);
	v.sv_data = buf;
	v.sv_len = strlen(buf);
	if (seq % 2 == 1)
		zpack_pack(&zb, buf, strlen(buf), &v.sv_data, &v.sv_len);
	if (store_begin(st, 1, &t) == SCIM_OK) {
		if (store_put(t, STORE_AUDIT, &k, &v, 0) == SCIM_OK)
			(void)store_commit(t);
		else
			store_abort(t);
	}
	zpack_buf_free(&zb);
}

struct seen {
	uint64_t	seqs[256];
	size_t		n;
	char		ids[1024];
};

static int
see(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct seen	*s = arg;
	const char	*id = json_object_get_string(json_object_object_get(
	    rec, "changeId"));

	if (s->n < 256)
		s->seqs[s->n++] = seq;
	if (s->ids[0] != '\0')
		strlcat(s->ids, ",", sizeof(s->ids));
	strlcat(s->ids, id != NULL ? id : "?", sizeof(s->ids));
	return (0);
}

/* Run q and return the changeIds in order, comma-separated (static). */
static const char *
run(const struct audit_query *q, int *more)
{
	static struct seen	 s;
	struct store_txn	*t;

	memset(&s, 0, sizeof(s));
	if (store_begin(st, 0, &t) != SCIM_OK)
		return ("(txn)");
	if (audit_query_run(t, q, see, &s, more) != SCIM_OK)
		strlcpy(s.ids, "(error)", sizeof(s.ids));
	store_abort(t);
	return (s.ids);
}

static struct json_object *
record(const char *cid)
{
	struct store_txn	*t;
	struct json_object	*out = NULL;

	if (store_begin(st, 0, &t) != SCIM_OK)
		return (NULL);
	(void)audit_query_show(t, TENANT_ALL, cid, &out);
	store_abort(t);
	return (out);
}


static const char *
path_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object	*v = json_object_object_get(o, a);

	if (b != NULL)
		v = json_object_object_get(v, b);
	return (v == NULL ? "(null)" : json_object_get_string(v));
}

/* Run q as a page: its changeIds as run() gives them, next and newest. */
static const char *
page(const struct audit_query *q, uint64_t *next, uint64_t *newest)
{
	static char		 ids[256];
	struct store_txn	*t;
	struct audit_page	 p;
	size_t			 i;

	ids[0] = '\0';
	if (store_begin(st, 0, &t) != SCIM_OK)
		return ("(txn)");
	if (audit_query_page(t, q, &p) != SCIM_OK) {
		store_abort(t);
		return ("(error)");
	}
	store_abort(t);
	for (i = 0; i < json_object_array_length(p.ap_records); i++) {
		if (i > 0)
			strlcat(ids, ",", sizeof(ids));
		strlcat(ids, path_str(json_object_array_get_idx(p.ap_records,
		    i), "changeId", NULL), sizeof(ids));
	}
	json_object_put(p.ap_records);
	*next = p.ap_next;
	*newest = p.ap_newest;
	return (ids);
}

/*
 * The stored form of tenant's record seq, unpacked (allocated; NULL if
 * none); *packed: it was packed, and shorter.
 */
static char *
stored(uint32_t tenant, const char *seq, int *packed)
{
	struct store_txn	*t;
	struct store_val	 k, v;
	struct zpack_buf	 zb = { NULL, 0 };
	const void		*u;
	size_t			 ulen = 0;
	uint8_t			 kb[12];
	char			*text = NULL;

	*packed = 0;
	util_put_be32(kb, tenant);
	util_put_be64(kb + 4, strtoull(seq, NULL, 10));
	k.sv_data = kb;
	k.sv_len = sizeof(kb);
	if (store_begin(st, 0, &t) != SCIM_OK)
		return (NULL);
	if (store_get(t, STORE_AUDIT, &k, &v) == SCIM_OK &&
	    zpack_unpack(&zb, v.sv_data, v.sv_len, &u, &ulen) == 0) {
		*packed = zpack_is_packed(v.sv_data, v.sv_len) &&
		    ulen > v.sv_len && *(const char *)u == '{';
		text = strndup(u, ulen);
	}
	store_abort(t);
	zpack_buf_free(&zb);
	return (text);
}

static void
test_shape(void)
{
	struct json_object	*r, *props, *p, *o, *n2;
	char			*text;
	size_t			 i, n;
	int			 pw = 0, members = 0, active = 0, packed;

	ok(write_ev(ten_a, AUDIT_CREATE, AUDIT_SUCCESS, NULL,
	    "{\"id\":\"u-1\",\"userName\":\"alice\",\"externalId\":\"X1\","
	    "\"password\":\"hunter2\",\"active\":true}", "tok", "c1") > 0,
	    "write a Create record");
	r = record("c1");
	ok(r != NULL, "find it by changeId");
	is_str("c1", path_str(r, "changeId", NULL), "changeId");
	is_str("Create", path_str(r, "action", NULL), "action");
	is_str("Success", path_str(r, "status", NULL), "status");
	is_str("tok", path_str(r, "initiator", NULL), "initiator");
	is_str("alpha", path_str(r, "tenantName", NULL), "tenant name");
	is_str("User", path_str(r, "resourceType", NULL), "resource type");
	is_str("u-1", path_str(r, "target", "id"), "target id");
	is_str("alice", path_str(r, "target", "name"), "target name");
	is_str("X1", path_str(r, "source", "externalId"), "source externalId");
	ok(strlen(path_str(r, "time", NULL)) == 24 &&
	    path_str(r, "time", NULL)[23] == 'Z', "time is RFC 3339 with ms");
	ok(json_object_object_get(r, "durationMs") != NULL, "durationMs");
	ok(strstr(json_object_to_json_string(r), "hunter2") == NULL,
	    "the password appears nowhere");
	text = stored(ten_a, path_str(r, "seq", NULL), &packed);
	ok(packed, "stored packed, read back as JSON");
	ok(text != NULL && strstr(text, "\"seq\"") == NULL,
	    "seq is stored in the key only");
	ok(strncmp(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
	    "{\"seq\":", 7) == 0, "and read back as the first member");
	free(text);
	json_object_put(r);

	ok(write_ev(ten_a, AUDIT_UPDATE, AUDIT_SUCCESS,
	    "{\"id\":\"u-1\",\"userName\":\"alice\",\"active\":true,"
	    "\"Password\":\"a\"}",
	    "{\"id\":\"u-1\",\"userName\":\"alice\",\"active\":false,"
	    "\"Password\":\"b\"}", "tok", "c2") > 0, "write an Update");
	r = record("c2");
	props = json_object_object_get(r, "modifiedProperties");
	n = json_object_array_length(props);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(props, i);
		if (strcasecmp(path_str(p, "name", NULL), "password") == 0)
			pw++;
		if (strcmp(path_str(p, "name", NULL), "members") == 0 &&
		    strncmp(path_str(p, "newValue", NULL), "m-", 2) == 0)
			members++;
		if (strcmp(path_str(p, "name", NULL), "active") == 0 &&
		    strcmp(path_str(p, "oldValue", NULL), "true") == 0 &&
		    strcmp(path_str(p, "newValue", NULL), "false") == 0)
			active++;
	}
	is_int(0, pw, "a password change is not a modified property");
	is_int(2, members, "members added: name members, newValue the id");
	is_int(1, active, "active true -> false in modifiedProperties");
	json_object_put(r);

	ok(write_ev(ten_a, AUDIT_CREATE, AUDIT_FAILURE, NULL,
	    "{\"id\":\"client-id\",\"userName\":\"alice\"}", "tok", "c3") > 0,
	    "write a failed Create");
	r = record("c3");
	is_str("Failure", path_str(r, "status", NULL), "failure status");
	is_str("409", path_str(r, "httpStatus", NULL), "httpStatus");
	is_str("uniqueness", path_str(r, "scimType", NULL), "scimType");
	is_str("taken", path_str(r, "reason", NULL), "reason");
	is_str("(null)", path_str(r, "target", "id"),
	    "a failed create does not echo the client's id");
	json_object_put(r);

	o = js("{\"active\":true}");
	n2 = js("{\"active\":false}");
	is_int(AUDIT_DISABLE, audit_action_of(o, n2, 0), "action_of: Disable");
	is_int(AUDIT_ENABLE, audit_action_of(n2, o, 0), "action_of: Enable");
	is_int(AUDIT_OTHER, audit_action_of(o, o, 0), "action_of: Other");
	is_int(AUDIT_UPDATE, audit_action_of(o, o, 1),
	    "action_of: members only is an Update");
	json_object_put(o);
	json_object_put(n2);
}

static void
test_filters(void)
{
	struct audit_query	q;
	int			more;

	/* tenant a: c1 c2 c3 (from test_shape); tenant b: d1 d2 */
	write_ev(ten_b, AUDIT_DELETE, AUDIT_SUCCESS,
	    "{\"id\":\"g-1\",\"displayName\":\"Ops\"}", NULL, "other", "d1");
	write_ev(ten_a, AUDIT_OTHER, AUDIT_SKIPPED,
	    "{\"id\":\"u-2\",\"userName\":\"Bob\"}",
	    "{\"id\":\"u-2\",\"userName\":\"Bob\"}", "tok", "c4");
	write_ev(ten_b, AUDIT_ENABLE, AUDIT_SUCCESS,
	    "{\"id\":\"u-9\",\"userName\":\"carol\",\"active\":false}",
	    "{\"id\":\"u-9\",\"userName\":\"carol\",\"active\":true}",
	    "other", "d2");

	memset(&q, 0, sizeof(q));
	q.aq_tenant = ten_a;
	is_str("c4,c3,c2,c1", run(&q, NULL), "tenant a, newest first");
	q.aq_asc = 1;
	is_str("c1,c2,c3,c4", run(&q, NULL), "tenant a, oldest first");
	q.aq_tenant = TENANT_ALL;
	is_str("c1,c2,c3,d1,c4,d2", run(&q, NULL),
	    "all tenants merged by seq, oldest first");
	q.aq_asc = 0;
	is_str("d2,c4,d1,c3,c2,c1", run(&q, NULL),
	    "all tenants merged by seq, newest first");
	q.aq_action = "create";
	is_str("c3,c1", run(&q, NULL), "action (any case)");
	q.aq_action = NULL;
	q.aq_status = "Skipped";
	is_str("c4", run(&q, NULL), "status");
	q.aq_status = NULL;
	q.aq_target = "bob";
	is_str("c4", run(&q, NULL), "target by userName, any case");
	q.aq_target = "g-1";
	is_str("d1", run(&q, NULL), "target by id");
	q.aq_target = "Ops";
	is_str("d1", run(&q, NULL), "target by displayName");
	q.aq_target = NULL;
	q.aq_initiator = "other";
	is_str("d2,d1", run(&q, NULL), "initiator");
	q.aq_initiator = NULL;
	q.aq_change_id = "c2";
	is_str("c2", run(&q, NULL), "changeId");
	q.aq_change_id = NULL;

	/* paging: limit with more, then before/after cursors */
	q.aq_limit = 2;
	is_str("d2,c4", run(&q, &more), "limit 2, page 1");
	is_int(1, more, "more after page 1");
	q.aq_before = 5;	/* seq of c4 */
	is_str("d1,c3", run(&q, &more), "before=5, page 2");
	q.aq_before = 3;
	is_str("c2,c1", run(&q, &more), "before=3, page 3");
	is_int(0, more, "no more after the last page");
	q.aq_before = 0;
	q.aq_asc = 1;
	q.aq_after = 3;
	is_str("d1,c4", run(&q, &more), "after=3, oldest first");
	q.aq_after = 6;
	is_str("", run(&q, &more), "after the newest: nothing");
}

static void
test_pages(void)
{
	struct audit_query	 q;
	struct audit_filter	 f;
	struct store_txn	*t;
	struct json_object	*r = NULL;
	uint64_t		 next, newest;
	int64_t			 now = util_now_ms();

	/* seqs: c1 1, c2 2, c3 3, d1 4, c4 5, d2 6 (test_filters) */
	memset(&q, 0, sizeof(q));
	q.aq_limit = 2;
	is_str("d2,c4", page(&q, &next, &newest), "page: newest first");
	ok(next == 5 && newest == 6, "page: next is the last seq, more left");
	q.aq_before = 3;
	is_str("c2,c1", page(&q, &next, &newest), "page: the last page");
	ok(next == 0 && newest == 2, "page: no next after the last page");
	q.aq_before = 0;
	q.aq_asc = 1;
	q.aq_after = 3;
	is_str("d1,c4", page(&q, &next, &newest), "page: oldest first");
	is_int(5, (long long)next, "page: followers continue after it");
	q.aq_after = 6;
	is_str("", page(&q, &next, &newest), "page: nothing new");
	ok(next == 6 && newest == 0, "page: an empty page keeps the place");
	q.aq_after = 0;
	q.aq_tenant = 99;
	is_str("", page(&q, &next, &newest), "page: an empty tenant");
	is_int(0, (long long)next, "page: no place to keep");

	ok(store_begin(st, 0, &t) == SCIM_OK, "read txn");
	ok(audit_query_show(t, ten_a, "c2", &r) == SCIM_OK && r != NULL,
	    "show: in its tenant");
	json_object_put(r);
	ok(audit_query_show(t, ten_b, "c2", &r) == SCIM_ENOTFOUND &&
	    r == NULL, "show: not in another tenant");
	ok(audit_query_newest(t, TENANT_ALL, &newest) == SCIM_OK &&
	    newest == 6, "newest of all tenants");
	ok(audit_query_newest(t, ten_a, &newest) == SCIM_OK && newest == 5,
	    "newest of one tenant");
	ok(audit_query_newest(t, 99, &newest) == SCIM_OK && newest == 0,
	    "newest of an empty tenant");
	store_abort(t);

	memset(&f, 0, sizeof(f));
	memset(&q, 0, sizeof(q));
	f.af_since = "40m";
	f.af_action = "update";
	f.af_target = "bob";
	ok(audit_query_filter(&q, &f, now) == AUDIT_FILTER_OK &&
	    q.aq_since == now - 2400000 && q.aq_until == 0 &&
	    strcmp(q.aq_action, "update") == 0 &&
	    strcmp(q.aq_target, "bob") == 0, "filter: since, action, target");
	f.af_since = "1970-01-01T00:00:00Z";
	ok(audit_query_filter(&q, &f, now) == AUDIT_FILTER_OK &&
	    q.aq_since == 1, "filter: since the epoch is not open");
	f.af_until = "later";
	is_int(AUDIT_FILTER_UNTIL, audit_query_filter(&q, &f, now),
	    "filter: a bad until");
	f.af_until = NULL;
	f.af_status = "fine";
	is_int(AUDIT_FILTER_STATUS, audit_query_filter(&q, &f, now),
	    "filter: a bad status");
	f.af_action = "Upsert";
	is_int(AUDIT_FILTER_ACTION, audit_query_filter(&q, &f, now),
	    "filter: a bad action comes first");
}

static void
test_time(void)
{
	struct audit_query	 q;
	struct store_txn	*t;
	struct json_object	*o, *b;
	int64_t			 now = util_now_ms(), ms;
	size_t			 deleted;
	int			 more, i, total;
	char			 want[256];

	ok(audit_time_arg("40m", now, &ms) == 0 && ms == now - 2400000,
	    "time arg 40m");
	ok(audit_time_arg("7d", now, &ms) == 0 && ms == now - 604800000LL,
	    "time arg 7d");
	ok(audit_time_arg("2026-01-02T03:04:05Z", now, &ms) == 0 &&
	    ms == 1767323045000LL, "time arg RFC 3339");
	ok(audit_time_arg("soon", now, &ms) == -1 &&
	    audit_time_arg("5x", now, &ms) == -1, "bad time args");

	/* tenant 77: one record per hour, 40 hours back to now */
	for (i = 0; i < 40; i++)
		write_raw(77, 1000 + i, now - (39 - i) * 3600000LL, i % 2 ?
		    "Update" : "Create");
	memset(&q, 0, sizeof(q));
	q.aq_tenant = 77;
	q.aq_since = now - 2 * 3600000LL - 1;
	is_str("raw-1039,raw-1038,raw-1037", run(&q, NULL),
	    "since 2h: newest first");
	q.aq_asc = 1;
	is_str("raw-1037,raw-1038,raw-1039", run(&q, NULL),
	    "since 2h: oldest first (binary-searched start)");
	q.aq_since = now - 10 * 3600000LL - 1;
	q.aq_until = now - 8 * 3600000LL;
	is_str("raw-1029,raw-1030,raw-1031", run(&q, NULL), "since and until");
	q.aq_asc = 0;
	is_str("raw-1031,raw-1030,raw-1029", run(&q, NULL),
	    "since and until, newest first");
	q.aq_action = "Update";
	is_str("raw-1031,raw-1029", run(&q, NULL), "time and action");

	/* the chart: hourly buckets over the last 6 h */
	memset(&q, 0, sizeof(q));
	q.aq_tenant = 77;
	ok(audit_query_interval("1h", now, &ms) == 0 && ms == 3600000,
	    "interval 1h");
	ok(audit_query_interval("30s", now, &ms) == -1 &&
	    audit_query_interval("soon", now, &ms) == -1,
	    "interval: under a minute, or no duration");
	ok(store_begin(st, 0, &t) == SCIM_OK, "read txn");
	o = json_object_new_object();
	is_int(SCIM_EINVAL, audit_query_buckets(t, &q, now, 3600000, o),
	    "buckets need since");
	q.aq_since = now - 40 * 3600000LL;
	is_int(SCIM_EINVAL, audit_query_buckets(t, &q, now, 60000, o),
	    "buckets: 1000 intervals at most");
	q.aq_since = now - 6 * 3600000LL;
	ok(audit_query_buckets(t, &q, now, 3600000, o) == SCIM_OK,
	    "buckets of an hour");
	store_abort(t);
	b = json_object_object_get(o, "buckets");
	is_int(6, (long long)json_object_array_length(b), "6 buckets");
	is_str("3600000", path_str(o, "intervalMs", NULL), "intervalMs");
	for (i = 0, total = 0; i < 6; i++)
		total += json_object_get_int(json_object_object_get(
		    json_object_array_get_idx(b, i), "total"));
	is_int(6, total, "a record an hour, the one at until left out");
	json_object_put(o);

	/* prune: older than 30 h, at most 4 per run */
	ok(store_begin(st, 1, &t) == SCIM_OK, "write txn");
	ok(audit_prune(t, now - 30 * 3600000LL, 0, 4, &deleted, &more) ==
	    SCIM_OK && deleted == 4 && more == 1, "prune: a batch of 4");
	ok(store_commit(t) == SCIM_OK, "commit");
	ok(store_begin(st, 1, &t) == SCIM_OK, "write txn");
	ok(audit_prune(t, now - 30 * 3600000LL, 0, 500, &deleted, &more) ==
	    SCIM_OK && deleted == 5 && more == 0, "prune: the rest (5)");
	ok(store_commit(t) == SCIM_OK, "commit");
	memset(&q, 0, sizeof(q));
	q.aq_tenant = 77;
	q.aq_asc = 1;
	q.aq_limit = 1;
	is_str("raw-1009", run(&q, NULL), "oldest left is 30 h old");

	/* cap: keep the newest 10 of all records */
	ok(store_begin(st, 1, &t) == SCIM_OK, "write txn");
	ok(audit_prune(t, 0, 10, 500, &deleted, &more) == SCIM_OK &&
	    deleted == 21, "prune to audit_max_records 10");
	ok(store_commit(t) == SCIM_OK, "commit");
	memset(&q, 0, sizeof(q));
	q.aq_tenant = TENANT_ALL;
	q.aq_asc = 1;
	want[0] = '\0';
	for (i = 30; i < 40; i++) {
		char one[16];

		snprintf(one, sizeof(one), "%sraw-%d", i > 30 ? "," : "",
		    1000 + i);
		strlcat(want, one, sizeof(want));
	}
	is_str(want, run(&q, NULL), "the newest 10 are kept");
}

/*
 * A tenant's name, as every audit record and event gives it: right when
 * tenants alternate, and read again when the tenant's record changes.
 */
static void
test_tenant_name(void)
{
	struct store_txn	*t;
	struct store_val	 k, v = { NULL, 0 };
	uint8_t			 ib[KEYS_TAG_U32_LEN];
	char			 name[TENANT_NAME_MAX + 1];
	char			 rec[128];
	const char		*at;
	int			 i, good = 0;

	if (store_begin(st, 1, &t) != SCIM_OK) {
		ok(0, "store_begin");
		return;
	}
	for (i = 1; i <= 4; i++) {	/* beta first, alpha last */
		if (tenant_name(t, i % 2 ? ten_b : ten_a, name,
		    sizeof(name)) == SCIM_OK && strcmp(name, i % 2 ? "beta" :
		    "alpha") == 0)
			good++;
	}
	is_int(4, good, "tenant names, tenants alternating");
	/* the same bytes but the name's: as long as the record remembered */
	k = keys_tag_u32(ib, 'i', ten_a);	/* tenant.c's "i" id key */
	if (store_get(t, STORE_TENANTS, &k, &v) == SCIM_OK &&
	    v.sv_len < sizeof(rec) && (at = memmem(v.sv_data, v.sv_len,
	    "alpha", 5)) != NULL) {
		memcpy(rec, v.sv_data, v.sv_len);
		memcpy(rec + (at - (const char *)v.sv_data), "gamma", 5);
		v.sv_data = rec;
	}
	ok(v.sv_data == rec && store_put(t, STORE_TENANTS, &k, &v, 0) ==
	    SCIM_OK &&
	    tenant_name(t, ten_a, name, sizeof(name)) == SCIM_OK &&
	    strcmp(name, "gamma") == 0,
	    "a changed tenant record is read again, not remembered");
	ok(tenant_name(t, 999999, name, sizeof(name)) == SCIM_ENOTFOUND,
	    "no name for a tenant that does not exist");
	store_abort(t);
}

int
main(void)
{
	struct scim_errbuf	 eb;
	struct store_txn	*t;
	char			*dir;

	plan_lazy();
	dir = test_mkdtemp();
	eb.eb_msg[0] = '\0';
	if (store_open(&(struct store_params){ .sp_dir = dir,
	    .sp_mapsize = MAP, .sp_flags = STORE_NOSYNC }, &st, &eb) != SCIM_OK) {
		diag("store_open: %s", eb.eb_msg);
		return (1);
	}
	if (store_begin(st, 1, &t) != SCIM_OK ||
	    tenant_create(t, "alpha", &ten_a) != SCIM_OK ||
	    tenant_create(t, "beta", &ten_b) != SCIM_OK ||
	    store_commit(t) != SCIM_OK) {
		diag("cannot create tenants");
		return (1);
	}
	test_shape();
	test_filters();
	test_pages();
	test_tenant_name();
	store_close(st);
	test_rm_rf(dir);
	free(dir);

	/* time bounds assume time grows with seq: a store of old records */
	dir = test_mkdtemp();
	if (store_open(&(struct store_params){ .sp_dir = dir,
	    .sp_mapsize = MAP, .sp_flags = STORE_NOSYNC }, &st, &eb) != SCIM_OK) {
		diag("store_open: %s", eb.eb_msg);
		return (1);
	}
	test_time();
	store_close(st);
	test_rm_rf(dir);
	free(dir);
	return (done_testing());
}
