/* Bulk requests on top of the write path (write/). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "bulk.h"
#include "config.h"
#include "error.h"
#include "jsonutil.h"
#include "record.h"
#include "render.h"
#include "schema.h"
#include "request.h"
#include "resource.h"
#include "util.h"
#include "write.h"

#define BULKID_PREFIX	"bulkId:"

struct bulk;

struct bulk_op {
	struct bulk			*bo_bulk;
	size_t				 bo_index;
	const char			*bo_method;	/* canonical upper case */
	char				*bo_bulkid;
	char				*bo_path;	/* path as sent, for audit */
	const struct resource_type	*bo_rt;
	int				 bo_applied;	/* outcome known */
	int				 bo_ok;
	char				 bo_newid[SCIM_ID_MAX];
	/* the response entry, filled by bulk_done */
	struct json_object		*bo_result;
};

struct bulk {
	struct request	*bk_rq;
	struct bulk_op	*bk_ops;
	size_t		 bk_n;
	size_t		 bk_pending;
	long		 bk_fail_on;	/* failOnErrors, 0: no limit */
	long		 bk_errors;
};

static void
bulk_free(struct bulk *bk)
{
	size_t	i;

	for (i = 0; i < bk->bk_n; i++) {
		free(bk->bk_ops[i].bo_bulkid);
		free(bk->bk_ops[i].bo_path);
		json_object_put(bk->bk_ops[i].bo_result);
	}
	free(bk->bk_ops);
	free(bk);
}

/* The id an earlier operation created for bulkId, or NULL. */
static const char *
bulkid_lookup(struct bulk_op *bo, const char *ref)
{
	struct bulk	*bk = bo->bo_bulk;
	size_t		 i;

	for (i = 0; i < bo->bo_index; i++)
		if (bk->bk_ops[i].bo_bulkid != NULL &&
		    strcmp(bk->bk_ops[i].bo_bulkid, ref) == 0)
			return (bk->bk_ops[i].bo_ok ?
			    bk->bk_ops[i].bo_newid : NULL);
	return (NULL);
}

/* The lookup callback of bulk_substitute(). */
static const char *
lookup_cb(void *arg, const char *ref)
{
	return (bulkid_lookup(arg, ref));
}

/* A "bulkId:x" string value: resolve it in place; -1 if unknown. */
static int
subst_one(struct json_object *e, bulk_lookup_fn lookup, void *arg,
    const char **bad)
{
	const char	*s, *id;

	s = json_object_get_string(e) + sizeof(BULKID_PREFIX) - 1;
	if ((id = lookup(arg, s)) == NULL) {
		*bad = s;
		return (-1);
	}
	json_object_set_string(e, id);
	return (0);
}

static int
is_ref(struct json_object *e)
{
	return (json_object_is_type(e, json_type_string) &&
	    strncmp(json_object_get_string(e), BULKID_PREFIX,
	    sizeof(BULKID_PREFIX) - 1) == 0);
}

int
bulk_substitute(struct json_object *v, bulk_lookup_fn lookup, void *arg,
    const char **bad)
{
	struct json_object_iterator	 it, end;
	struct json_object		*e;
	size_t				 i, n;

	switch (json_object_get_type(v)) {
	case json_type_object:
		it = json_object_iter_begin(v);
		end = json_object_iter_end(v);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			e = json_object_iter_peek_value(&it);
			if (is_ref(e) ? subst_one(e, lookup, arg, bad) != 0 :
			    bulk_substitute(e, lookup, arg, bad) != 0)
				return (-1);
		}
		return (0);
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(v, i);
			if (is_ref(e) ? subst_one(e, lookup, arg, bad) != 0 :
			    bulk_substitute(e, lookup, arg, bad) != 0)
				return (-1);
		}
		return (0);
	default:
		return (0);
	}
}

static int
bulk_resolve(void *arg, struct json_object **body, char **id,
    struct scim_errbuf *eb)
{
	struct bulk_op		*bo = arg;
	struct bulk		*bk = bo->bo_bulk;
	struct json_object	*copy;
	const char		*bad = NULL, *nid;

	if (bk->bk_fail_on > 0 && bk->bk_errors >= bk->bk_fail_on)
		return (SCIM_ESKIPPED);
	if (*id != NULL && strncmp(*id, BULKID_PREFIX,
	    sizeof(BULKID_PREFIX) - 1) == 0) {
		if ((nid = bulkid_lookup(bo, *id + sizeof(BULKID_PREFIX) -
		    1)) == NULL)
			return (scim_err_set(eb, SCIM_ECONFLICT,
			    "cannot resolve %.64s", *id));
		free(*id);
		*id = xstrdup(nid);
	}
	if (*body == NULL)
		return (SCIM_OK);
	/* the body may be shared with the parsed request: change a copy */
	copy = NULL;
	if (json_object_deep_copy(*body, &copy, NULL) != 0)
		return (SCIM_ENOMEM);
	if (bulk_substitute(copy, lookup_cb, bo, &bad) != 0) {
		/* bad points into copy: format it before copy goes */
		scim_err_set(eb, SCIM_ECONFLICT, "cannot resolve bulkId:%.64s",
		    bad);
		json_object_put(copy);
		return (SCIM_ECONFLICT);
	}
	json_object_put(*body);
	*body = copy;
	return (SCIM_OK);
}

static void
bulk_applied(void *arg, int rc, const char *id)
{
	struct bulk_op	*bo = arg;

	if (rc == SCIM_ESKIPPED)
		return;
	if (bo->bo_applied && !bo->bo_ok && rc != SCIM_OK)
		return;		/* counted already */
	if (bo->bo_applied && bo->bo_ok && rc != SCIM_OK) {
		bo->bo_ok = 0;	/* applied, then its commit failed */
		bo->bo_bulk->bk_errors++;
		return;
	}
	bo->bo_applied = 1;
	bo->bo_ok = rc == SCIM_OK;
	if (bo->bo_ok && id != NULL)
		strlcpy(bo->bo_newid, id, sizeof(bo->bo_newid));
	if (!bo->bo_ok)
		bo->bo_bulk->bk_errors++;
}

/* One entry of the BulkResponse for an error. */
static struct json_object *
error_entry(struct bulk_op *bo, int err, const char *detail)
{
	struct json_object	*o = json_object_new_object();
	char			 st[8];

	json_object_object_add(o, "method",
	    json_object_new_string(bo->bo_method ? bo->bo_method : ""));
	if (bo->bo_bulkid != NULL)
		json_object_object_add(o, "bulkId",
		    json_object_new_string(bo->bo_bulkid));
	snprintf(st, sizeof(st), "%d", scim_err_status(err));
	json_object_object_add(o, "status", json_object_new_string(st));
	json_object_object_add(o, "response", scim_err_body(err, detail));
	return (o);
}

static void
bulk_reply(struct bulk *bk)
{
	struct json_object	*o, *sch, *ops;
	size_t			 i;

	o = json_object_new_object();
	sch = json_object_new_array();
	json_object_array_add(sch, json_object_new_string(SCIM_MSG_BULKRESP));
	json_object_object_add(o, "schemas", sch);
	ops = json_object_new_array();
	for (i = 0; i < bk->bk_n; i++)
		if (bk->bk_ops[i].bo_result != NULL)
			json_object_array_add(ops,
			    json_object_get(bk->bk_ops[i].bo_result));
	json_object_object_add(o, "Operations", ops);
	request_reply_json(bk->bk_rq, 200, o, NULL, NULL);
	json_object_put(o);
	bulk_free(bk);
}

static void
bulk_done(void *arg, const struct write_result *wr)
{
	struct bulk_op		*bo = arg;
	struct bulk		*bk = bo->bo_bulk;
	struct request		*rq = bk->bk_rq;
	struct json_object	*o;
	const char		*id, *ver;
	char			*loc, st[8];

	if (wr->wr_err == SCIM_ESKIPPED)
		bo->bo_result = NULL;	/* not attempted: not reported */
	else if (wr->wr_err != SCIM_OK)
		bo->bo_result = error_entry(bo, wr->wr_err, wr->wr_detail);
	else {
		o = json_object_new_object();
		json_object_object_add(o, "method",
		    json_object_new_string(bo->bo_method));
		if (bo->bo_bulkid != NULL)
			json_object_object_add(o, "bulkId",
			    json_object_new_string(bo->bo_bulkid));
		if (wr->wr_doc != NULL &&
		    (id = jsonutil_get_str(wr->wr_doc, "id")) != NULL) {
			loc = render_location(rq->rq_base, wr->wr_rt, id);
			json_object_object_add(o, "location",
			    json_object_new_string(loc));
			free(loc);
			if ((ver = record_version(wr->wr_doc)) != NULL)
				json_object_object_add(o, "version",
				    json_object_new_string(ver));
		}
		snprintf(st, sizeof(st), "%d", wr->wr_status);
		json_object_object_add(o, "status", json_object_new_string(st));
		bo->bo_result = o;
	}
	if (--bk->bk_pending == 0)
		bulk_reply(bk);
}

/* Split "/Users/ID" into type and id (id NULL for "/Users"). */
static int
parse_path(const char *path, const struct resource_type **rt, char **id)
{
	const char	*p = path, *slash;

	*id = NULL;
	while (*p == '/')
		p++;
	slash = strchr(p, '/');
	*rt = schema_type_by_endpoint(p, slash ? (size_t)(slash - p) :
	    strlen(p));
	if (*rt == NULL)
		return (-1);
	if (slash != NULL && slash[1] != '\0') {
		if (strchr(slash + 1, '/') != NULL)
			return (-1);
		*id = xstrdup(slash + 1);
	}
	return (0);
}

static const char *
method_name(const char *m)
{
	static const char *const names[] = { "POST", "PUT", "PATCH", "DELETE" };
	size_t			 i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(m, names[i]) == 0)
			return (names[i]);
	return (NULL);
}

int
bulk_check_request(struct json_object *b, size_t max_ops,
    struct json_object **opsp, long *fail_on, const char **err)
{
	struct json_object	*ops, *v;

	*opsp = NULL;
	*fail_on = 0;
	if (!json_object_is_type(b, json_type_object) ||
	    (ops = jsonutil_get(b, "Operations", NULL)) == NULL ||
	    !json_object_is_type(ops, json_type_array)) {
		*err = "a BulkRequest needs an Operations array";
		return (SCIM_ESYNTAX);
	}
	if (json_object_array_length(ops) > max_ops) {
		*err = "too many operations (bulk maxOperations)";
		return (SCIM_ETOOLARGE);
	}
	if ((v = jsonutil_get(b, "failOnErrors", NULL)) != NULL) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 0) {
			*err = "failOnErrors must be a non-negative integer";
			return (SCIM_EINVAL);
		}
		*fail_on = (long)json_object_get_int64(v);
	}
	*opsp = ops;
	return (SCIM_OK);
}

const char *
bulk_check_op(struct json_object *op, const char **method,
    const struct resource_type **rt, char **id)
{
	const char	*m = jsonutil_get_str(op, "method");
	const char	*path = jsonutil_get_str(op, "path");

	*id = NULL;
	*rt = NULL;
	*method = m != NULL ? method_name(m) : NULL;
	if (!json_object_is_type(op, json_type_object))
		return ("each operation must be an object");
	if (*method == NULL)
		return ("method must be POST, PUT, PATCH or DELETE");
	if (path == NULL || parse_path(path, rt, id) != 0) {
		free(*id);
		*id = NULL;
		return ("path must name /Users or /Groups");
	}
	if ((strcmp(*method, "POST") == 0) != (*id == NULL)) {
		free(*id);
		*id = NULL;
		return (strcmp(*method, "POST") == 0 ?
		    "POST takes a path without an id" :
		    "this method needs a path with an id");
	}
	if (strcmp(*method, "DELETE") != 0 &&
	    jsonutil_get(op, "data", NULL) == NULL) {
		free(*id);
		*id = NULL;
		return ("data is required");
	}
	return (NULL);
}

/* A new Bulk of n operations, each with its slot and bulkId. */
static struct bulk *
bulk_new(struct request *rq, struct json_object *ops, size_t n, long fail_on)
{
	struct bulk		*bk;
	struct bulk_op		*bo;
	struct json_object	*v;
	size_t			 i;

	bk = xcalloc(1, sizeof(*bk));
	bk->bk_rq = rq;
	bk->bk_n = n;
	bk->bk_ops = xcalloc(n ? n : 1, sizeof(*bk->bk_ops));
	bk->bk_fail_on = fail_on;
	/* every op first gets its slot, so bulkId look-ups see them all */
	for (i = 0; i < n; i++) {
		bo = &bk->bk_ops[i];
		bo->bo_bulk = bk;
		bo->bo_index = i;
		v = jsonutil_get(json_object_array_get_idx(ops, i), "bulkId",
		    NULL);
		if (v != NULL && json_object_is_type(v, json_type_string))
			bo->bo_bulkid = xstrdup(json_object_get_string(v));
	}
	return (bk);
}

/* Operation bo (op as sent) on its way: queued, or answered as malformed. */
static void
bulk_submit(struct bulk_op *bo, struct json_object *op)
{
	struct bulk		*bk = bo->bo_bulk;
	struct write_ctx	 wc;
	struct write_spec	 ws;
	const char		*err;
	char			*id;
	size_t			 j;

	err = bulk_check_op(op, &bo->bo_method, &bo->bo_rt, &id);
	for (j = 0; err == NULL && bo->bo_bulkid != NULL && j < bo->bo_index;
	    j++)
		if (bk->bk_ops[j].bo_bulkid != NULL &&
		    strcmp(bk->bk_ops[j].bo_bulkid, bo->bo_bulkid) == 0)
			err = "bulkId is not unique in the request";
	if (err != NULL) {
		free(id);
		bo->bo_applied = 1;
		bk->bk_errors++;
		bo->bo_result = error_entry(bo, SCIM_ESYNTAX, err);
		bk->bk_pending--;
		return;
	}
	bo->bo_path = xstrdup(jsonutil_get_str(op, "path"));
	memset(&ws, 0, sizeof(ws));
	ws.ws_kind = strcmp(bo->bo_method, "POST") == 0 ? WRITE_CREATE :
	    strcmp(bo->bo_method, "PUT") == 0 ? WRITE_REPLACE :
	    strcmp(bo->bo_method, "PATCH") == 0 ? WRITE_PATCH : WRITE_DELETE;
	ws.ws_rt = bo->bo_rt;
	ws.ws_id = id;
	ws.ws_body = jsonutil_get(op, "data", NULL);
	ws.ws_if_match = jsonutil_get_str(op, "version");
	ws.ws_method = bo->bo_method;
	ws.ws_path = bo->bo_path;
	ws.ws_resolve = bulk_resolve;
	ws.ws_applied = bulk_applied;
	ws.ws_done = bulk_done;
	ws.ws_arg = bo;
	resource_write_ctx(bk->bk_rq, &wc);
	write_submit(&wc, &ws);
	free(id);
}

void
bulk_handle(struct request *rq)
{
	struct json_object	*ops;
	struct bulk		*bk;
	const char		*err = NULL;
	size_t			 i, n;
	long			 fail_on;
	int			 rc;

	/* the pure checks: fuzz/fuzz_bulk.c */
	if ((rc = bulk_check_request(rq->rq_body,
	    rq->rq_sd->sd_conf->cf_bulk_max_ops, &ops, &fail_on, &err)) !=
	    SCIM_OK) {
		request_reply_error(rq, rc, err);
		return;
	}
	n = json_object_array_length(ops);
	bk = bulk_new(rq, ops, n, fail_on);
	if (n == 0) {
		bulk_reply(bk);
		return;
	}
	/* one extra count: a batch flushed mid-loop must not finish bk early */
	bk->bk_pending = n + 1;
	for (i = 0; i < n; i++)
		bulk_submit(&bk->bk_ops[i], json_object_array_get_idx(ops, i));
	if (--bk->bk_pending == 0)
		bulk_reply(bk);
}
