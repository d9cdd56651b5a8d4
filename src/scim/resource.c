/*
 * The SCIM resource handlers: reads answer from one read transaction
 * (record.c, query.c, rendered by render.c); writes go through write/ and
 * reply after the group commit.
 */
#include "scimd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "config.h"
#include "error.h"
#include "filter.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "log.h"
#include "projection.h"
#include "query.h"
#include "record.h"
#include "render.h"
#include "resource.h"
#include "schema.h"
#include "request.h"
#include "store.h"
#include "util.h"
#include "write.h"

#define CURSOR_TIMEOUT	3600	/* seconds a cursor stays valid */

static int
parse_projection(struct request *rq, const struct resource_type *rt,
    const char *attrs, const char *excl)
{
	struct scim_errbuf	eb;

	eb.eb_msg[0] = '\0';
	return (projection_parse(rt, attrs, excl, &rq->rq_proj, &eb));
}

/* The 201 of a User just created, from its document; loc is freed. */
static void
reply_new_user(struct request *rq, struct json_object *doc, char *loc)
{
	struct json_object	*out;
	int			 rc;

	if ((rc = render_new_user(rq, rq->rq_rt, doc, &out)) != SCIM_OK)
		request_reply_error(rq, rc, NULL);
	else
		request_reply_json(rq, 201, out, record_version(doc), loc);
	free(loc);
	json_object_put(out);
}

/*
 * Reply with the resource as it is now (after write wr was committed).  A
 * User just created is in no group yet: its stored form, at hand, is the
 * answer (render_text); where it holds a password and a read is a round
 * trip (PostgreSQL), its document at hand is.
 */
static void
reply_resource(struct request *rq, int status, const struct write_result *wr)
{
	struct json_object	*doc = wr->wr_doc, *out = NULL;
	struct store_txn	*t;
	char			*loc = NULL, *raw, etag[64];
	size_t			 rawlen;
	int			 rc;

	if (status == 201)
		loc = render_location(rq->rq_base, rq->rq_rt,
		    jsonutil_get_str(doc, "id"));
	if (status == 201 && wr->wr_text != NULL && render_text(rq,
	    rq->rq_rt, wr->wr_text, wr->wr_textlen, &raw, &rawlen, etag,
	    sizeof(etag))) {
		request_reply_raw(rq, status, raw, rawlen, etag, loc);
		free(raw);
		free(loc);
		return;
	}
	if (status == 201 && rq->rq_rt->rt_tag == RT_TAG_USER &&
	    store_async(rq->rq_sd->sd_store)) {
		reply_new_user(rq, doc, loc);
		return;
	}
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		free(loc);
		request_reply_error(rq, rc, NULL);
		return;
	}
	/* the document was just stored: send those bytes when they do */
	if (render_raw(t, rq, rq->rq_rt, wr->wr_rid, &raw, &rawlen, etag,
	    sizeof(etag))) {
		store_abort(t);
		request_reply_raw(rq, status, raw, rawlen, etag, loc);
		free(raw);
		free(loc);
		return;
	}
	rc = render_resource(t, rq, rq->rq_rt, wr->wr_rid, doc, &out);
	store_abort(t);
	if (rc != SCIM_OK) {
		free(loc);
		request_reply_error(rq, rc, NULL);
		return;
	}
	request_reply_json(rq, status, out, record_version(doc), loc);
	free(loc);
	json_object_put(out);
}

/* The reply to a single (non-Bulk) write. */
static void
reply_write(void *arg, const struct write_result *wr)
{
	struct request	*rq = arg;
	int		 status = wr->wr_status;

	if (wr->wr_err != SCIM_OK) {
		request_reply_error(rq, wr->wr_err, wr->wr_detail);
		return;
	}
	if (wr->wr_doc == NULL) {
		request_reply_empty(rq, 204, NULL);
		return;
	}
	if (rq->rq_method == RQ_PATCH) {
		/* Entra prefers 204 for groups; users per user_patch_status */
		if (wr->wr_rt->rt_tag == RT_TAG_GROUP &&
		    request_param(rq, "attributes") == NULL &&
		    request_param(rq, "excludedAttributes") == NULL)
			status = 204;
		else if (wr->wr_rt->rt_tag == RT_TAG_USER)
			status = rq->rq_sd->sd_conf->cf_patch_status;
	}
	if (status == 204)
		request_reply_empty(rq, 204, record_version(wr->wr_doc));
	else
		reply_resource(rq, status, wr);
}

/* write_render_fn: the resource as a reply with no projection shows it. */
static int
event_render(struct store_txn *t, void *arg, const struct resource_type *rt,
    uint64_t rid, struct json_object *doc, int flags,
    struct json_object **out)
{
	struct request		 r = *(struct request *)arg;
	struct projection	*p = NULL;
	const char		*without = NULL;
	int			 rc;

	if (flags & WRITE_RENDER_NO_MEMBERS)
		without = "members";
	else if ((flags & WRITE_RENDER_NEW) && rt->rt_tag == RT_TAG_USER)
		without = "groups";	/* it has none: no lookup */
	if (without != NULL && (rc = projection_parse(rt, NULL, without, &p,
	    NULL)) != SCIM_OK)
		return (rc);
	r.rq_proj = p;
	rc = render_resource(t, &r, rt, rid, doc, out);
	projection_free(p);
	return (rc);
}


void
resource_write_ctx(struct request *rq, struct write_ctx *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->wc_tenant = rq->rq_tenant;
	wc->wc_initiator = rq->rq_token.ti_name;
	wc->wc_start = rq->rq_start;
	wc->wc_conf = rq->rq_sd->sd_conf;
	wc->wc_render = event_render;
	wc->wc_render_arg = rq;
	/* the request's id names its first change; later ones get their own */
	if (rq->rq_nwrites++ == 0)
		strlcpy(wc->wc_change_id, rq->rq_change_id,
		    sizeof(wc->wc_change_id));
	else
		util_uuid(wc->wc_change_id);
}

static void
submit(struct request *rq, enum write_kind kind)
{
	struct write_ctx	wc;
	struct write_spec	ws;
	int			rc;

	if (kind != WRITE_DELETE && (rc = parse_projection(rq,
	    rq->rq_rt, request_param(rq, "attributes"),
	    request_param(rq, "excludedAttributes"))) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	memset(&ws, 0, sizeof(ws));
	ws.ws_kind = kind;
	ws.ws_rt = rq->rq_rt;
	ws.ws_id = rq->rq_id;
	ws.ws_body = rq->rq_body;
	ws.ws_if_match = request_header(rq, "If-Match");
	ws.ws_method = rq->rq_method_name;
	ws.ws_path = rq->rq_path;
	ws.ws_done = reply_write;
	ws.ws_arg = rq;
	resource_write_ctx(rq, &wc);
	write_submit(&wc, &ws);
}

void
resource_create(struct request *rq)
{
	submit(rq, WRITE_CREATE);
}

void
resource_replace(struct request *rq)
{
	submit(rq, WRITE_REPLACE);
}

void
resource_patch(struct request *rq)
{
	submit(rq, WRITE_PATCH);
}

void
resource_delete(struct request *rq)
{
	submit(rq, WRITE_DELETE);
}

void
resource_get(struct request *rq)
{
	struct store_txn	*t = NULL;
	struct json_object	*doc = NULL, *out = NULL;
	struct scim_errbuf	 eb;
	const char		*inm, *ver;
	char			*raw, etag[64];
	size_t			 rawlen;
	uint64_t		 rid;
	int			 rc;

	eb.eb_msg[0] = '\0';
	if ((rc = parse_projection(rq, rq->rq_rt,
	    request_param(rq, "attributes"),
	    request_param(rq, "excludedAttributes"))) != SCIM_OK)
		goto fail;
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK)
		goto fail;
	if ((rc = record_lookup(t, rq->rq_tenant, rq->rq_id, rq->rq_rt, NULL,
	    &rid)) != SCIM_OK) {
		if (rc == SCIM_ENOTFOUND)
			snprintf(eb.eb_msg, sizeof(eb.eb_msg),
			    "%s %.64s not found", rq->rq_rt->rt_name,
			    rq->rq_id);
		goto fail;
	}
	if (render_raw(t, rq, rq->rq_rt, rid, &raw, &rawlen, etag,
	    sizeof(etag))) {
		store_abort(t);
		if ((inm = request_header(rq, "If-None-Match")) != NULL &&
		    record_version_matches(inm, etag))
			request_reply_empty(rq, 304, etag);
		else
			request_reply_raw(rq, 200, raw, rawlen, etag, NULL);
		free(raw);
		return;
	}
	if ((rc = record_load(t, rq->rq_tenant, rq->rq_rt, rid, &doc)) !=
	    SCIM_OK)
		goto fail;
	ver = record_version(doc);
	if ((inm = request_header(rq, "If-None-Match")) != NULL &&
	    record_version_matches(inm, ver)) {
		store_abort(t);
		request_reply_empty(rq, 304, ver);
		json_object_put(doc);
		return;
	}
	if ((rc = render_resource(t, rq, rq->rq_rt, rid, doc, &out)) != SCIM_OK)
		goto fail;
	store_abort(t);
	request_reply_json(rq, 200, out, ver, NULL);
	json_object_put(out);
	json_object_put(doc);
	return;
 fail:
	store_abort(t);
	json_object_put(doc);
	request_reply_error(rq, rc, eb.eb_msg);
}

/* List parameters, from the query string or a .search body. */
struct list_params {
	const char	*lp_filter;
	const char	*lp_sort_by;
	const char	*lp_sort_order;
	const char	*lp_start;
	const char	*lp_count;
	const char	*lp_cursor;	/* RFC 9865; "" starts a cursor walk */
	char		*lp_attrs;	/* owned */
	char		*lp_excl;	/* owned */
};

/* Comma-joined copy of a .search array of strings (or a string). */
static int
join_list(struct json_object *v, char **out)
{
	size_t	i, n, len = 0;
	char	*s;

	*out = NULL;
	if (v == NULL)
		return (SCIM_OK);
	if (json_object_is_type(v, json_type_string)) {
		*out = xstrdup(json_object_get_string(v));
		return (SCIM_OK);
	}
	if (!json_object_is_type(v, json_type_array))
		return (SCIM_EINVAL);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string))
			return (SCIM_EINVAL);
		len += strlen(json_object_get_string(e)) + 1;
	}
	s = xcalloc(1, len + 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(s, ",", len + 1);
		strlcat(s, json_object_get_string(json_object_array_get_idx(v,
		    i)), len + 1);
	}
	*out = s;
	return (SCIM_OK);
}

/* Parse a non-negative decimal; SCIM_EINVAL when s is not one. */
static int
parse_count(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return (SCIM_EINVAL);
	*out = v;
	return (SCIM_OK);
}

/* An integer member of a .search body, as text like the query string's. */
static int
search_int(struct json_object *b, const char *name, char *buf, size_t len,
    const char **out, struct scim_errbuf *eb)
{
	struct json_object	*v;

	if ((v = jsonutil_get(b, name, NULL)) == NULL)
		return (SCIM_OK);
	if (!json_object_is_type(v, json_type_int))
		return (scim_err_set(eb, SCIM_EINVAL, "%s must be an integer",
		    name));
	snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	*out = buf;
	return (SCIM_OK);
}

static int
search_params(struct request *rq, struct list_params *lp,
    struct scim_errbuf *eb, struct json_object **keep)
{
	struct json_object	*b = rq->rq_body, *v;
	static char		 nbuf[2][32];
	int			 rc;

	*keep = NULL;
	if (b == NULL || !json_object_is_type(b, json_type_object))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "a SearchRequest body is required"));
	*keep = json_object_get(b);
#define STRPARAM(name, field)						\
	if ((v = jsonutil_get(b, name, NULL)) != NULL) {		\
		if (!json_object_is_type(v, json_type_string))		\
			return (scim_err_set(eb, SCIM_EINVAL,		\
			    "%s must be a string", name));		\
		lp->field = json_object_get_string(v);			\
	}
	STRPARAM("filter", lp_filter);
	STRPARAM("sortBy", lp_sort_by);
	STRPARAM("sortOrder", lp_sort_order);
#undef STRPARAM
	if ((rc = search_int(b, "startIndex", nbuf[0], sizeof(nbuf[0]),
	    &lp->lp_start, eb)) != SCIM_OK ||
	    (rc = search_int(b, "count", nbuf[1], sizeof(nbuf[1]),
	    &lp->lp_count, eb)) != SCIM_OK)
		return (rc);
	if ((v = jsonutil_get(b, "cursor", NULL)) != NULL) {
		if (!json_object_is_type(v, json_type_string))
			return (scim_err_set(eb, SCIM_ECURSOR,
			    "cursor must be a string"));
		lp->lp_cursor = json_object_get_string(v);
	}
	if (join_list(jsonutil_get(b, "attributes", NULL), &lp->lp_attrs) !=
	    SCIM_OK || join_list(jsonutil_get(b, "excludedAttributes", NULL),
	    &lp->lp_excl) != SCIM_OK)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "attributes must be an array of strings"));
	return (SCIM_OK);
}

/*
 * Cursors are 32 hex digits: the last resource number of the page, the
 * issue time in seconds and a check over both plus tenant and type, so a
 * mangled or foreign cursor is refused rather than misread.
 */
static uint32_t
cursor_check(uint64_t rid, uint32_t issued, uint32_t tenant, uint8_t tag)
{
	uint8_t	buf[17], h[32];

	util_put_be64(buf, rid);
	util_put_be32(buf + 8, issued);
	util_put_be32(buf + 12, tenant);
	buf[16] = tag;
	util_sha256(buf, sizeof(buf), h);
	return (util_get_be32(h));
}

static void
cursor_make(struct request *rq, uint64_t rid, char *out, size_t len)
{
	uint32_t	now = (uint32_t)(util_now_ms() / 1000);

	snprintf(out, len, "%016llx%08x%08x", (unsigned long long)rid, now,
	    cursor_check(rid, now, rq->rq_tenant, rq->rq_rt->rt_tag));
}

static int
cursor_parse(struct request *rq, const char *s, uint64_t *rid,
    struct scim_errbuf *eb)
{
	char		 a[17], b[9], c[9], *end;
	uint32_t	 issued, check;

	if (*s == '\0') {
		*rid = 0;
		return (SCIM_OK);
	}
	if (strlen(s) != 32 || strspn(s, "0123456789abcdef") != 32)
		return (scim_err_set(eb, SCIM_ECURSOR, "invalid cursor"));
	memcpy(a, s, 16);
	a[16] = '\0';
	memcpy(b, s + 16, 8);
	b[8] = '\0';
	memcpy(c, s + 24, 8);
	c[8] = '\0';
	*rid = strtoull(a, &end, 16);
	issued = (uint32_t)strtoul(b, &end, 16);
	check = (uint32_t)strtoul(c, &end, 16);
	if (rq->rq_rt == NULL || check != cursor_check(*rid, issued,
	    rq->rq_tenant, rq->rq_rt->rt_tag))
		return (scim_err_set(eb, SCIM_ECURSOR, "invalid cursor"));
	if (util_now_ms() / 1000 - issued > CURSOR_TIMEOUT)
		return (scim_err_set(eb, SCIM_ECURSOREXP, "cursor expired"));
	return (SCIM_OK);
}

/* Page bounds and projection lists shared by every type of one listing. */
struct list_run {
	struct list_params	 lr_lp;
	long long		 lr_start;
	long long		 lr_count;
	int			 lr_cursor;
	uint64_t		 lr_after;
	int			 lr_more;	/* cursor: more after this page */
	uint64_t		 lr_last;	/* cursor: last rid on the page */
};

/* Read list parameters from the query string or the .search body. */
static int
list_params_read(struct request *rq, struct list_run *lr,
    struct json_object **keep, struct scim_errbuf *eb)
{
	struct list_params	*lp = &lr->lr_lp;
	int			 rc;

	lr->lr_start = 1;
	lr->lr_count = rq->rq_sd->sd_conf->cf_page_size;
	if (rq->rq_method == RQ_POST) {
		if ((rc = search_params(rq, lp, eb, keep)) != SCIM_OK)
			return (rc);
	} else {
		lp->lp_filter = request_param(rq, "filter");
		lp->lp_sort_by = request_param(rq, "sortBy");
		lp->lp_sort_order = request_param(rq, "sortOrder");
		lp->lp_start = request_param(rq, "startIndex");
		lp->lp_count = request_param(rq, "count");
		lp->lp_cursor = request_param(rq, "cursor");
		if (request_param(rq, "attributes") != NULL)
			lp->lp_attrs = xstrdup(request_param(rq, "attributes"));
		if (request_param(rq, "excludedAttributes") != NULL)
			lp->lp_excl = xstrdup(request_param(rq,
			    "excludedAttributes"));
	}
	if (lp->lp_start != NULL &&
	    parse_count(lp->lp_start, &lr->lr_start) != SCIM_OK)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "startIndex must be an integer"));
	if (lp->lp_count != NULL &&
	    parse_count(lp->lp_count, &lr->lr_count) != SCIM_OK)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "count must be an integer"));
	if (lr->lr_start < 1)
		lr->lr_start = 1;
	if (lr->lr_count < 0)
		lr->lr_count = 0;
	if (lr->lr_count > rq->rq_sd->sd_conf->cf_max_page_size)
		lr->lr_count = rq->rq_sd->sd_conf->cf_max_page_size;
	if (lp->lp_sort_order != NULL &&
	    strcasecmp(lp->lp_sort_order, "descending") != 0 &&
	    strcasecmp(lp->lp_sort_order, "ascending") != 0)
		return (scim_err_set(eb, SCIM_EINVAL,
		    "sortOrder must be ascending or descending"));
	if (lp->lp_cursor != NULL) {
		if ((rc = cursor_parse(rq, lp->lp_cursor, &lr->lr_after, eb)) !=
		    SCIM_OK)
			return (rc);
		lr->lr_cursor = 1;
		if (lp->lp_sort_by != NULL && *lp->lp_sort_by != '\0')
			return (scim_err_set(eb, SCIM_EINVAL,
			    "sortBy cannot be combined with cursor"));
	}
	return (SCIM_OK);
}

/* The page's resources, each rendered onto res after a comma. */
static int
render_page(struct request *rq, const struct resource_type *rt,
    struct store_txn *t, struct query_result *r, struct evbuffer *res,
    size_t *nres)
{
	struct json_object	*one;
	const char		*json;
	char			*raw, etag[64];
	size_t			 i, rawlen;
	int			 rc;

	/* each is read again to render it, with its groups */
	if ((rc = record_prefetch(t, rq->rq_tenant, rt->rt_tag, r->qr_rids,
	    r->qr_n)) != SCIM_OK)
		return (rc);
	for (i = 0; i < r->qr_n; i++) {
		if ((*nres)++ > 0)
			evbuffer_add(res, ",", 1);
		if (render_raw(t, rq, rt, r->qr_rids[i], &raw, &rawlen,
		    etag, sizeof(etag))) {
			evbuffer_add(res, raw, rawlen);
			free(raw);
			continue;
		}
		/* not read when the index alone decided the filter */
		if (r->qr_docs[i] == NULL && (rc = record_load(t,
		    rq->rq_tenant, rt, r->qr_rids[i], &r->qr_docs[i])) !=
		    SCIM_OK)
			return (rc);
		if ((rc = render_resource(t, rq, rt, r->qr_rids[i],
		    r->qr_docs[i], &one)) != SCIM_OK)
			return (rc);
		json = jsontext_of(one, &rawlen);
		evbuffer_add(res, json, rawlen);
		json_object_put(one);
	}
	return (SCIM_OK);
}

/*
 * Run the listing over type rt inside t: matches from position start
 * (1-based, within this type), at most count of them rendered into res;
 * *total gets this type's match count.
 */
static int
list_type(struct request *rq, const struct resource_type *rt,
    struct list_run *lr, long long start, long long count,
    struct store_txn *t, struct evbuffer *res, size_t *nres, size_t *total,
    struct scim_errbuf *eb)
{
	struct list_params	*lp = &lr->lr_lp;
	struct query		 q;
	struct query_result	 r;
	struct schema_path	 sort;
	struct filter		*f = NULL;
	int			 rc;

	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	*total = 0;
	/* at the root, another type's attributes are unassigned in this one */
	if (lp->lp_filter != NULL && (rc = (rq->rq_rt != NULL ? filter_parse :
	    filter_parse_root)(lp->lp_filter, strlen(lp->lp_filter), rt,
	    &rq->rq_sd->sd_conf->cf_filter, &f, eb)) != SCIM_OK)
		return (rc);
	if (lp->lp_sort_by != NULL && *lp->lp_sort_by != '\0') {
		if (schema_resolve(rt, lp->lp_sort_by, strlen(lp->lp_sort_by),
		    &sort) != SCIM_OK || sort.sp_attr == NULL) {
			rc = scim_err_set(eb, SCIM_EINVAL,
			    "sortBy: unknown attribute \"%.64s\"",
			    lp->lp_sort_by);
			goto done;
		}
		q.q_sort = &sort;
	}
	q.q_desc = lp->lp_sort_order != NULL &&
	    strcasecmp(lp->lp_sort_order, "descending") == 0;
	projection_free(rq->rq_proj);
	rq->rq_proj = NULL;
	if ((rc = parse_projection(rq, rt, lp->lp_attrs, lp->lp_excl)) !=
	    SCIM_OK)
		goto done;
	q.q_rt = rt;
	q.q_tenant = rq->rq_tenant;
	q.q_filter = f;
	q.q_start = (size_t)start;
	q.q_count = (size_t)count;
	q.q_cursor = lr->lr_cursor;
	q.q_after = lr->lr_after;
	if ((rc = query_run(t, &q, &r, eb)) != SCIM_OK)
		goto done;
	*total = r.qr_total;
	lr->lr_more = r.qr_more;
	if (r.qr_n > 0)
		lr->lr_last = r.qr_rids[r.qr_n - 1];
	rc = render_page(rq, rt, t, &r, res, nres);
 done:
	query_result_free(&r);
	filter_free(f);
	return (rc);
}

/*
 * The ListResponse around the n resources already written to items: the
 * head goes in front, no copy of the resources.
 */
static void
list_reply(struct request *rq, size_t total, struct evbuffer *items,
    size_t n, struct list_run *lr)
{
	char	head[256], cur[40];
	int	len;

	len = snprintf(head, sizeof(head), "{\"schemas\":[\"%s\"],"
	    "\"totalResults\":%zu,\"itemsPerPage\":%zu,", SCIM_MSG_LIST,
	    total, n);
	if (!lr->lr_cursor)
		len += snprintf(head + len, sizeof(head) - len,
		    "\"startIndex\":%lld,", lr->lr_start);
	else if (lr->lr_more) {
		cursor_make(rq, lr->lr_last, cur, sizeof(cur));
		len += snprintf(head + len, sizeof(head) - len,
		    "\"nextCursor\":\"%s\",", cur);
	}
	len += snprintf(head + len, sizeof(head) - len, "\"Resources\":[");
	if (evbuffer_prepend(items, head, len) != 0 ||
	    evbuffer_add(items, "]}", 2) != 0)
		fatal("%s: evbuffer", __func__);
	request_reply_buf(rq, 200, items, NULL, NULL);
}

/*
 * GET /Users, /Groups and POST .search on them; with rq_rt NULL, POST
 * /.search at the root: every type in turn, paged as one sequence.
 */
void
resource_list(struct request *rq)
{
	const struct resource_type *const *tp;
	const struct resource_type	*one[2] = { rq->rq_rt, NULL };
	struct list_run			 lr;
	struct store_txn		*t = NULL;
	struct json_object		*keep = NULL;
	struct scim_errbuf		 eb;
	long long			 start, want;
	size_t				 total = 0, n, seen = 0, nres = 0;
	struct evbuffer			*res = NULL;
	int				 rc;

	memset(&lr, 0, sizeof(lr));
	eb.eb_msg[0] = '\0';
	if ((rc = list_params_read(rq, &lr, &keep, &eb)) != SCIM_OK)
		goto fail;
	if (rq->rq_rt == NULL && lr.lr_cursor) {
		rc = scim_err_set(&eb, SCIM_EINVAL,
		    "cursor paging needs a resource type endpoint");
		goto fail;
	}
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK)
		goto fail;
	if ((res = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	for (tp = rq->rq_rt != NULL ? one : schema_types; *tp != NULL; tp++) {
		start = lr.lr_start > (long long)seen ?
		    lr.lr_start - (long long)seen : 1;
		want = lr.lr_count - (long long)nres;
		rc = list_type(rq, *tp, &lr, start, want, t, res, &nres, &n,
		    &eb);
		if (rc != SCIM_OK)
			goto fail;
		seen += n;
		total += n;
	}
	store_abort(t);
	t = NULL;
	list_reply(rq, total, res, nres, &lr);
	goto done;
 fail:
	store_abort(t);
	request_reply_error(rq, rc, eb.eb_msg);
 done:
	if (res != NULL)
		evbuffer_free(res);
	json_object_put(keep);
	free(lr.lr_lp.lp_attrs);
	free(lr.lr_lp.lp_excl);
}
