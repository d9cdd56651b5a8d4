/* Filtered, ordered walks over the audit log, and retention deletes. */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "audit.h"
#include "audit_query.h"
#include "error.h"
#include "jsonutil.h"
#include "store.h"
#include "token.h"
#include "util.h"
#include "zpack.h"

#define AUDIT_KEY_LEN	12	/* T seq */
#define TIME_UNKNOWN	INT64_MIN

/* One tenant's key range, walked by its own cursor. */
struct stream {
	struct store_cursor	*s_cur;
	uint32_t		 s_tenant;
	uint64_t		 s_seq;
	struct store_val	 s_val;		/* the record, unpacked */
	struct zpack_buf	 s_zb;
	char			*s_buf;		/* the record with its seq */
	size_t			 s_cap;
	int			 s_live;
};

/* Called with each record in the seq bounds: 0 goes on, 1 stops the walk. */
typedef int (*raw_fn)(uint32_t tenant, uint64_t seq,
    const struct store_val *val, int64_t time, void *arg);

struct walk {
	struct store_txn	*w_txn;
	int			 w_asc;
	uint64_t		 w_lo, w_hi;	/* seq bounds, inclusive */
	int64_t			 w_since, w_until;	/* 0: open */
	raw_fn			 w_fn;
	void			*w_arg;
};

static struct store_val
audit_key(uint8_t *kb, uint32_t tenant, uint64_t seq)
{
	struct store_val	k = { kb, AUDIT_KEY_LEN };

	util_put_be32(kb, tenant);
	util_put_be64(kb + 4, seq);
	return (k);
}

/*
 * The "time" member from a record's raw bytes: audit_write puts it within
 * the first members, so there is no need to parse the whole record.
 */
static int64_t
raw_time(const struct store_val *v)
{
	static const char	 pat[] = "\"time\":\"";
	const char		*p = v->sv_data, *q, *e;
	char			 buf[48];
	int64_t			 ms;

	q = memmem(p, v->sv_len < 256 ? v->sv_len : 256, pat, sizeof(pat) - 1);
	if (q == NULL)
		return (TIME_UNKNOWN);
	q += sizeof(pat) - 1;
	if ((e = memchr(q, '"', (size_t)(p + v->sv_len - q))) == NULL ||
	    (size_t)(e - q) >= sizeof(buf))
		return (TIME_UNKNOWN);
	memcpy(buf, q, (size_t)(e - q));
	buf[e - q] = '\0';
	return (util_time_parse(buf, &ms) == 0 ? ms : TIME_UNKNOWN);
}

/* The record of a stored value (zpack.h); a corrupt one stays as it is. */
static void
stream_unpack(struct stream *s, const struct store_val *v,
    struct store_val *out)
{
	zpack_unpack(&s->s_zb, v->sv_data, v->sv_len, &out->sv_data,
	    &out->sv_len);
}

/*
 * s's record with "seq" first: stored without it (the key holds it), or
 * with it by an older scimd; a corrupt record stays as it is.
 */
static void
stream_seq(struct stream *s)
{
	static const char	 pre[] = "{\"seq\":";
	const char		*p = s->s_val.sv_data;
	size_t			 len = s->s_val.sv_len;
	int			 n;

	if (len < 2 || p[0] != '{' || (len >= sizeof(pre) - 1 &&
	    memcmp(p, pre, sizeof(pre) - 1) == 0))
		return;
	if (s->s_cap < len + 32) {
		s->s_cap = len + 32;
		s->s_buf = xrealloc(s->s_buf, s->s_cap);
	}
	n = snprintf(s->s_buf, s->s_cap, "{\"seq\":%llu%s",
	    (unsigned long long)s->s_seq, p[1] == '}' ? "" : ",");
	memcpy(s->s_buf + n, p + 1, len - 1);
	s->s_val.sv_data = s->s_buf;
	s->s_val.sv_len = (size_t)n + len - 1;
}

/* Is the cursor result a key of s's tenant within the walk's seq bounds? */
static void
stream_set(struct stream *s, const struct walk *w, int rc,
    const struct store_val *k, const struct store_val *v)
{
	s->s_live = 0;
	if (rc != SCIM_OK || k->sv_len != AUDIT_KEY_LEN ||
	    util_get_be32(k->sv_data) != s->s_tenant)
		return;
	s->s_seq = util_get_be64((const uint8_t *)k->sv_data + 4);
	if (s->s_seq < w->w_lo || s->s_seq > w->w_hi)
		return;
	stream_unpack(s, v, &s->s_val);
	stream_seq(s);
	s->s_live = 1;
}

/* Time of s's first record with seq >= x (within hi), INT64_MAX if none. */
static int64_t
time_from(struct stream *s, uint64_t x, uint64_t hi)
{
	struct store_val	key, k, v;
	uint8_t			kb[AUDIT_KEY_LEN];
	int64_t			t;

	key = audit_key(kb, s->s_tenant, x);
	if (store_cursor_seek(s->s_cur, &key, &k, &v) != SCIM_OK ||
	    k.sv_len != AUDIT_KEY_LEN ||
	    util_get_be32(k.sv_data) != s->s_tenant ||
	    util_get_be64((const uint8_t *)k.sv_data + 4) > hi)
		return (INT64_MAX);
	stream_unpack(s, &v, &v);
	t = raw_time(&v);
	return (t == TIME_UNKNOWN ? INT64_MIN : t);
}

/*
 * Smallest seq x in [lo, hi + 1] whose first record at or after x has a
 * time >= bound (strict: > bound): a binary search, as time grows with seq.
 */
static uint64_t
seq_for_time(struct stream *s, uint64_t lo, uint64_t hi, int64_t bound,
    int strict)
{
	uint64_t	a = lo, b = hi + 1, mid;
	int64_t		t;

	while (a < b) {
		mid = a + (b - a) / 2;
		t = time_from(s, mid, hi);
		if (strict ? t > bound : t >= bound)
			b = mid;
		else
			a = mid + 1;
	}
	return (a);
}

/* Put s on its first record in walk order. */
static void
stream_start(struct stream *s, const struct walk *w)
{
	struct store_val	key, k, v;
	uint8_t			kb[AUDIT_KEY_LEN];
	uint64_t		x;
	int			rc;

	if (w->w_asc) {
		x = w->w_lo;
		if (w->w_since != 0)
			x = seq_for_time(s, w->w_lo, w->w_hi, w->w_since, 0);
		key = audit_key(kb, s->s_tenant, x);
		rc = store_cursor_seek(s->s_cur, &key, &k, &v);
		stream_set(s, w, rc, &k, &v);
		return;
	}
	/* newest first: the last record before x */
	x = w->w_hi + 1;
	if (w->w_until != 0)
		x = seq_for_time(s, w->w_lo, w->w_hi, w->w_until, 1);
	key = audit_key(kb, s->s_tenant, x);
	rc = store_cursor_seek(s->s_cur, &key, &k, &v);
	if (rc == SCIM_OK)
		rc = store_cursor_prev(s->s_cur, &k, &v);
	else if (rc == SCIM_ENOTFOUND)
		rc = store_cursor_last(s->s_cur, &k, &v);
	stream_set(s, w, rc, &k, &v);
}

static void
stream_step(struct stream *s, const struct walk *w)
{
	struct store_val	k, v;
	int			rc;

	rc = w->w_asc ? store_cursor_next(s->s_cur, &k, &v) :
	    store_cursor_prev(s->s_cur, &k, &v);
	stream_set(s, w, rc, &k, &v);
}

/* The tenants that have audit records (keys are grouped by tenant). */
static int
audit_tenants(struct store_txn *t, uint32_t **out, size_t *n)
{
	struct store_cursor	*c;
	struct store_val	 key, k, v;
	uint8_t			 kb[AUDIT_KEY_LEN];
	uint32_t		*ids = NULL, id = 0;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if ((rc = store_cursor_open(t, STORE_AUDIT, &c)) != SCIM_OK)
		return (rc);
	for (;;) {
		key = audit_key(kb, id, 0);
		if ((rc = store_cursor_seek(c, &key, &k, &v)) != SCIM_OK)
			break;
		if (k.sv_len < 4)
			break;
		id = util_get_be32(k.sv_data);
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[(*n)++] = id;
		if (id == UINT32_MAX)
			break;
		id++;
	}
	store_cursor_close(c);
	*out = ids;
	return (rc == SCIM_ENOTFOUND || rc == SCIM_OK ? SCIM_OK : rc);
}

/* Merge the tenants' streams by seq and hand records to w->w_fn. */
static int
walk_run(struct walk *w, uint32_t tenant)
{
	struct stream	*ss = NULL, *best;
	uint32_t	*ids = NULL, one = tenant;
	size_t		 n = 1, i;
	int64_t		 t;
	int		 rc = SCIM_OK;

	if (tenant == TENANT_ALL) {
		if ((rc = audit_tenants(w->w_txn, &ids, &n)) != SCIM_OK)
			return (rc);
	} else
		ids = &one;
	if (n == 0)
		goto done;
	ss = xcalloc(n, sizeof(*ss));
	for (i = 0; i < n; i++) {
		ss[i].s_tenant = ids[i];
		if ((rc = store_cursor_open(w->w_txn, STORE_AUDIT,
		    &ss[i].s_cur)) != SCIM_OK)
			goto done;
		stream_start(&ss[i], w);
	}
	for (;;) {
		best = NULL;
		for (i = 0; i < n; i++)
			if (ss[i].s_live && (best == NULL || (w->w_asc ?
			    ss[i].s_seq < best->s_seq :
			    ss[i].s_seq > best->s_seq)))
				best = &ss[i];
		if (best == NULL)
			break;
		t = raw_time(&best->s_val);
		if (t != TIME_UNKNOWN) {
			/* past the far time bound: this tenant is done */
			if ((w->w_asc && w->w_until != 0 && t > w->w_until) ||
			    (!w->w_asc && w->w_since != 0 &&
			    t < w->w_since)) {
				best->s_live = 0;
				continue;
			}
			if ((w->w_since != 0 && t < w->w_since) ||
			    (w->w_until != 0 && t > w->w_until)) {
				stream_step(best, w);
				continue;
			}
		}
		if (w->w_fn(best->s_tenant, best->s_seq, &best->s_val, t,
		    w->w_arg) != 0)
			break;
		stream_step(best, w);
	}
 done:
	if (ss != NULL)
		for (i = 0; i < n; i++) {
			store_cursor_close(ss[i].s_cur);
			zpack_buf_free(&ss[i].s_zb);
			free(ss[i].s_buf);
		}
	free(ss);
	if (ids != &one)
		free(ids);
	return (rc);
}

struct query_arg {
	const struct audit_query	*qa_q;
	audit_query_fn			 qa_fn;
	void				*qa_arg;
	size_t				 qa_n;
	int				 qa_more;
	int				 qa_rc;
};

static int
str_is(struct json_object *o, const char *k, const char *want, int icase)
{
	const char	*s = json_object_get_string(
	    json_object_object_get(o, k));

	if (s == NULL || !json_object_is_type(json_object_object_get(o, k),
	    json_type_string))
		return (0);
	return (icase ? strcasecmp(s, want) == 0 : strcmp(s, want) == 0);
}

static int
matches(const struct audit_query *q, struct json_object *r)
{
	struct json_object	*tgt;

	if (q->aq_change_id != NULL && !str_is(r, "changeId", q->aq_change_id,
	    0))
		return (0);
	if (q->aq_action != NULL && !str_is(r, "action", q->aq_action, 1))
		return (0);
	if (q->aq_status != NULL && !str_is(r, "status", q->aq_status, 1))
		return (0);
	if (q->aq_initiator != NULL && !str_is(r, "initiator",
	    q->aq_initiator, 0))
		return (0);
	if (q->aq_target != NULL) {
		/* ids are our lower-case UUIDs; userName is caseExact=false */
		tgt = json_object_object_get(r, "target");
		if (!str_is(tgt, "id", q->aq_target, 1) &&
		    !str_is(tgt, "name", q->aq_target, 1))
			return (0);
	}
	return (1);
}

static int
query_raw(uint32_t tenant, uint64_t seq, const struct store_val *v,
    int64_t t, void *arg)
{
	struct query_arg	*qa = arg;
	const struct audit_query *q = qa->qa_q;
	struct json_object	*r = NULL;
	int			 stop;

	/* cheap pre-checks on the bytes before parsing */
	if (q->aq_change_id != NULL && memmem(v->sv_data, v->sv_len,
	    q->aq_change_id, strlen(q->aq_change_id)) == NULL)
		return (0);
	if (jsonutil_parse(v->sv_data, v->sv_len, SCIM_JSON_DEPTH, &r,
	    NULL) != SCIM_OK)
		return (0);	/* not ours to judge: skip it */
	if (!matches(q, r)) {
		json_object_put(r);
		return (0);
	}
	if (q->aq_limit != 0 && qa->qa_n >= q->aq_limit) {
		qa->qa_more = 1;
		json_object_put(r);
		return (1);
	}
	qa->qa_n++;
	stop = qa->qa_fn(r, tenant, seq, qa->qa_arg);
	json_object_put(r);
	return (stop);
}

int
audit_query_run(struct store_txn *t, const struct audit_query *q,
    audit_query_fn fn, void *arg, int *more)
{
	struct query_arg	qa;
	struct walk		w;
	int			rc;

	memset(&qa, 0, sizeof(qa));
	qa.qa_q = q;
	qa.qa_fn = fn;
	qa.qa_arg = arg;
	memset(&w, 0, sizeof(w));
	w.w_txn = t;
	w.w_asc = q->aq_asc;
	w.w_lo = q->aq_after != 0 ? q->aq_after + 1 : 0;
	w.w_hi = q->aq_before != 0 ? q->aq_before - 1 : UINT64_MAX - 1;
	w.w_since = q->aq_since;
	w.w_until = q->aq_until;
	w.w_fn = query_raw;
	w.w_arg = &qa;
	if (more != NULL)
		*more = 0;
	if (w.w_lo > w.w_hi || (q->aq_before == 1))
		return (SCIM_OK);
	rc = walk_run(&w, q->aq_tenant);
	if (more != NULL)
		*more = qa.qa_more;
	return (rc);
}

enum audit_filter_err
audit_query_filter(struct audit_query *q, const struct audit_filter *f,
    int64_t now)
{
	if (f->af_since != NULL && audit_time_arg(f->af_since, now,
	    &q->aq_since) != 0)
		return (AUDIT_FILTER_SINCE);
	if (f->af_until != NULL && audit_time_arg(f->af_until, now,
	    &q->aq_until) != 0)
		return (AUDIT_FILTER_UNTIL);
	if (f->af_since != NULL && q->aq_since == 0)
		q->aq_since = 1;	/* 0 means open: the epoch is not */
	if (f->af_action != NULL && !audit_is_action(f->af_action))
		return (AUDIT_FILTER_ACTION);
	if (f->af_status != NULL && !audit_is_status(f->af_status))
		return (AUDIT_FILTER_STATUS);
	q->aq_action = f->af_action;
	q->aq_status = f->af_status;
	q->aq_target = f->af_target;
	q->aq_initiator = f->af_initiator;
	return (AUDIT_FILTER_OK);
}

struct page_arg {
	struct audit_page	*pa_page;
	uint64_t		 pa_last;
	size_t			 pa_n;
};

static int
page_add(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct page_arg	*pa = arg;

	if (json_object_array_add(pa->pa_page->ap_records,
	    json_object_get(rec)) != 0) {
		json_object_put(rec);
		return (1);
	}
	if (seq > pa->pa_page->ap_newest)
		pa->pa_page->ap_newest = seq;
	pa->pa_last = seq;
	pa->pa_n++;
	return (0);
}

int
audit_query_page(struct store_txn *t, const struct audit_query *q,
    struct audit_page *p)
{
	struct page_arg	pa;
	int		rc, more = 0;

	memset(p, 0, sizeof(*p));
	memset(&pa, 0, sizeof(pa));
	pa.pa_page = p;
	p->ap_records = json_object_new_array();
	if ((rc = audit_query_run(t, q, page_add, &pa, &more)) != SCIM_OK) {
		json_object_put(p->ap_records);
		memset(p, 0, sizeof(*p));
		return (rc);
	}
	if (q->aq_asc)
		p->ap_next = pa.pa_n > 0 ? pa.pa_last : q->aq_after;
	else if (more)
		p->ap_next = pa.pa_last;
	return (SCIM_OK);
}

static int
keep_first(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	*(struct json_object **)arg = json_object_get(rec);
	return (1);
}

int
audit_query_show(struct store_txn *t, uint32_t tenant, const char *change_id,
    struct json_object **rec)
{
	struct audit_query	q;
	int			rc;

	*rec = NULL;
	memset(&q, 0, sizeof(q));
	q.aq_tenant = tenant;
	q.aq_change_id = change_id;
	q.aq_limit = 1;
	if ((rc = audit_query_run(t, &q, keep_first, rec, NULL)) != SCIM_OK)
		return (rc);
	return (*rec != NULL ? SCIM_OK : SCIM_ENOTFOUND);
}

int
audit_query_cap(struct store *s, struct audit_query *q)
{
	uint64_t	h;
	int		rc;

	if (q->aq_tenant != TENANT_ALL)
		return (SCIM_OK);
	if ((rc = store_audit_horizon(s, &h)) != SCIM_OK)
		return (rc == SCIM_ENOTIMPL ? SCIM_OK : rc);
	if (q->aq_before == 0 || q->aq_before > h + 1)
		q->aq_before = h + 1;
	return (SCIM_OK);
}

static int
keep_seq(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	*(uint64_t *)arg = seq;
	return (1);
}

int
audit_query_newest(struct store_txn *t, uint32_t tenant, uint64_t *seq)
{
	struct audit_query	q;

	*seq = 0;
	memset(&q, 0, sizeof(q));
	q.aq_tenant = tenant;
	q.aq_limit = 1;
	return (audit_query_run(t, &q, keep_seq, seq, NULL));
}

struct counts {
	size_t	c_total;
	size_t	c_action[AUDIT_OTHER + 1];
	size_t	c_status[AUDIT_SKIPPED + 1];
	size_t	c_cell[AUDIT_OTHER + 1][AUDIT_SKIPPED + 1];
};

static int
count_one(struct json_object *rec, uint32_t tenant, uint64_t seq, void *arg)
{
	struct counts	*c = arg;
	const char	*a, *s;
	int		 i, j = -1, k = -1;

	a = json_object_get_string(json_object_object_get(rec, "action"));
	s = json_object_get_string(json_object_object_get(rec, "status"));
	for (i = AUDIT_CREATE; i <= AUDIT_OTHER; i++)
		if (a != NULL && strcmp(a, audit_action_name(i)) == 0)
			j = i;
	for (i = AUDIT_SUCCESS; i <= AUDIT_SKIPPED; i++)
		if (s != NULL && strcmp(s, audit_status_name(i)) == 0)
			k = i;
	c->c_total++;
	if (j >= 0)
		c->c_action[j]++;
	if (k >= 0)
		c->c_status[k]++;
	if (j >= 0 && k >= 0)
		c->c_cell[j][k]++;
	return (0);
}

static struct json_object *
count_int(size_t n)
{
	return (json_object_new_int64((int64_t)n));
}

int
audit_query_summary(struct store_txn *t, const struct audit_query *q,
    int64_t now, struct json_object **out)
{
	struct audit_query	 all = *q;
	struct counts		 c;
	struct json_object	*o, *acts, *sts, *cells, *row;
	char			 when[40];
	int			 rc, i, j;

	*out = NULL;
	all.aq_limit = 0;
	memset(&c, 0, sizeof(c));
	if ((rc = audit_query_run(t, &all, count_one, &c, NULL)) != SCIM_OK)
		return (rc);
	o = json_object_new_object();
	if (q->aq_since != 0) {
		util_time_fmt(q->aq_since, when, sizeof(when));
		json_object_object_add(o, "since", json_object_new_string(when));
	}
	util_time_fmt(q->aq_until != 0 ? q->aq_until : now, when,
	    sizeof(when));
	json_object_object_add(o, "until", json_object_new_string(when));
	json_object_object_add(o, "total", count_int(c.c_total));
	acts = json_object_new_object();
	cells = json_object_new_object();
	for (i = AUDIT_CREATE; i <= AUDIT_OTHER; i++) {
		json_object_object_add(acts, audit_action_name(i),
		    count_int(c.c_action[i]));
		row = json_object_new_object();
		for (j = AUDIT_SUCCESS; j <= AUDIT_SKIPPED; j++)
			json_object_object_add(row, audit_status_name(j),
			    count_int(c.c_cell[i][j]));
		json_object_object_add(cells, audit_action_name(i), row);
	}
	sts = json_object_new_object();
	for (j = AUDIT_SUCCESS; j <= AUDIT_SKIPPED; j++)
		json_object_object_add(sts, audit_status_name(j),
		    count_int(c.c_status[j]));
	json_object_object_add(o, "actions", acts);
	json_object_object_add(o, "statuses", sts);
	json_object_object_add(o, "byAction", cells);
	*out = o;
	return (SCIM_OK);
}

int
audit_query_interval(const char *s, int64_t now, int64_t *ms)
{
	int64_t	back;

	if (audit_time_arg(s, now, &back) != 0 || now - back < 60000)
		return (-1);
	*ms = now - back;
	return (0);
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

int
audit_query_buckets(struct store_txn *t, const struct audit_query *q,
    int64_t now, int64_t width, struct json_object *o)
{
	struct buckets		 b;
	struct json_object	*arr, *e;
	int64_t			 until = q->aq_until != 0 ? q->aq_until : now;
	char			 when[40];
	size_t			 i;
	int			 rc;

	/* since 1 stands for the epoch: no start to count from */
	if (q->aq_since <= 1 || until <= q->aq_since ||
	    (until - q->aq_since) / width >= AUDIT_BUCKETS_MAX)
		return (SCIM_EINVAL);
	memset(&b, 0, sizeof(b));
	b.b_start = q->aq_since;
	b.b_width = width;
	b.b_n = (size_t)((until - q->aq_since + width - 1) / width);
	b.b_cell = xcalloc(b.b_n, sizeof(*b.b_cell));
	if ((rc = audit_query_run(t, q, bucket_add, &b, NULL)) != SCIM_OK) {
		free(b.b_cell);
		return (rc);
	}
	arr = json_object_new_array();
	for (i = 0; i < b.b_n; i++) {
		e = json_object_new_object();
		util_time_fmt(b.b_start + (int64_t)i * width, when,
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
	json_object_object_add(o, "intervalMs", json_object_new_int64(width));
	json_object_object_add(o, "buckets", arr);
	return (SCIM_OK);
}

struct prune_arg {
	uint8_t		(*pa_keys)[AUDIT_KEY_LEN];
	size_t		  pa_n, pa_budget, pa_excess;
	int64_t		  pa_cutoff;
};

static int
prune_raw(uint32_t tenant, uint64_t seq, const struct store_val *v,
    int64_t t, void *arg)
{
	struct prune_arg	*pa = arg;

	if (pa->pa_n >= pa->pa_budget)
		return (1);
	if (pa->pa_excess > 0)
		pa->pa_excess--;
	else if (pa->pa_cutoff == 0 || (t != TIME_UNKNOWN &&
	    t >= pa->pa_cutoff))
		return (1);	/* oldest first: the rest is newer */
	audit_key(pa->pa_keys[pa->pa_n++], tenant, seq);
	return (0);
}

int
audit_prune(struct store_txn *t, int64_t cutoff, size_t max_records,
    size_t budget, size_t *deleted, int *more)
{
	struct prune_arg	pa;
	struct store_val	k;
	struct walk		w;
	size_t			n, i;
	int			rc;

	*deleted = 0;
	*more = 0;
	if ((cutoff == 0 && max_records == 0) || budget == 0)
		return (SCIM_OK);
	/* counting costs a scan on some stores: only for a count limit */
	n = 0;
	if (max_records != 0 &&
	    (rc = store_entries(t, STORE_AUDIT, &n)) != SCIM_OK)
		return (rc);
	memset(&pa, 0, sizeof(pa));
	pa.pa_excess = max_records != 0 && n > max_records ? n - max_records :
	    0;
	pa.pa_cutoff = cutoff;
	pa.pa_budget = budget;
	pa.pa_keys = xcalloc(budget, AUDIT_KEY_LEN);
	memset(&w, 0, sizeof(w));
	w.w_txn = t;
	w.w_asc = 1;
	w.w_hi = UINT64_MAX - 1;
	w.w_fn = prune_raw;
	w.w_arg = &pa;
	/* collect first: deleting under open cursors is not worth the risk */
	rc = walk_run(&w, TENANT_ALL);
	for (i = 0; rc == SCIM_OK && i < pa.pa_n; i++) {
		k.sv_data = pa.pa_keys[i];
		k.sv_len = AUDIT_KEY_LEN;
		rc = store_del(t, STORE_AUDIT, &k, NULL);
	}
	free(pa.pa_keys);
	if (rc == SCIM_OK) {
		*deleted = pa.pa_n;
		*more = pa.pa_n == budget;
	}
	return (rc);
}

int
audit_time_arg(const char *s, int64_t now, int64_t *ms)
{
	char		*end;
	long long	 n;
	int64_t		 unit;

	if (s == NULL || *s == '\0')
		return (-1);
	if (util_time_parse(s, ms) == 0)
		return (0);
	if (*s < '0' || *s > '9')
		return (-1);
	n = strtoll(s, &end, 10);
	switch (*end) {
	case 's': unit = 1000; break;
	case 'm': unit = 60 * 1000; break;
	case 'h': unit = 3600 * 1000; break;
	case 'd': unit = 86400 * 1000; break;
	case 'w': unit = 7 * 86400 * 1000LL; break;
	default: return (-1);
	}
	if (end[1] != '\0' || n < 0 || n > 100LL * 366 * 86400)
		return (-1);
	*ms = now - n * unit;
	return (0);
}

int
audit_is_action(const char *s)
{
	int	a;

	for (a = AUDIT_CREATE; a <= AUDIT_OTHER; a++)
		if (strcasecmp(s, audit_action_name(a)) == 0)
			return (1);
	return (0);
}

int
audit_is_status(const char *s)
{
	int	st;

	for (st = AUDIT_SUCCESS; st <= AUDIT_SKIPPED; st++)
		if (strcasecmp(s, audit_status_name(st)) == 0)
			return (1);
	return (0);
}
