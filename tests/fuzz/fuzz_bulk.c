/*
 * Fuzz the pure part of POST /Bulk (src/scim/bulk.c): the BulkRequest checks,
 * each operation's method/path/data checks, bulkId uniqueness, and the
 * "bulkId:x" substitution in each operation's data, with every POST that
 * passed its checks pretending to have created "id-N".  After a successful
 * substitution no "bulkId:" string value may remain; a failed one must
 * name a reference that really does not resolve.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bulk.h"
#include "error.h"
#include "jsonutil.h"
#include "schema.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_OPS	1000

struct fop {
	const char	*f_bulkid;	/* borrowed from the document */
	char		 f_newid[32];	/* set if the "POST" succeeded */
};

struct fctx {
	struct fop	*c_ops;
	size_t		 c_before;	/* look-ups see ops [0, c_before) */
};

static const char *
lookup(void *arg, const char *ref)
{
	struct fctx	*c = arg;
	size_t		 i;

	for (i = 0; i < c->c_before; i++)
		if (c->c_ops[i].f_bulkid != NULL &&
		    strcmp(c->c_ops[i].f_bulkid, ref) == 0)
			return (c->c_ops[i].f_newid[0] != '\0' ?
			    c->c_ops[i].f_newid : NULL);
	return (NULL);
}

/* No string value left that starts with "bulkId:". */
static void
no_refs(struct json_object *v)
{
	struct json_object_iterator	 it, end;
	size_t				 i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		if (strncmp(json_object_get_string(v), "bulkId:", 7) == 0)
			abort();
		break;
	case json_type_object:
		it = json_object_iter_begin(v);
		end = json_object_iter_end(v);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it))
			no_refs(json_object_iter_peek_value(&it));
		break;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			no_refs(json_object_array_get_idx(v, i));
		break;
	default:
		break;
	}
}

static void
one_op(struct fctx *c, size_t i, struct json_object *op)
{
	const struct resource_type	*rt;
	struct json_object		*data, *copy = NULL;
	const char			*method, *err, *bad = NULL;
	char				*id;
	size_t				 j;

	err = bulk_check_op(op, &method, &rt, &id);
	if (err != NULL) {
		if (id != NULL)
			abort();	/* nothing owned on error */
		return;
	}
	if (method == NULL || rt == NULL ||
	    (strcmp(method, "POST") == 0) != (id == NULL))
		abort();
	if (rt != &user_type && rt != &group_type)
		abort();
	for (j = 0; c->c_ops[i].f_bulkid != NULL && j < i; j++)
		if (c->c_ops[j].f_bulkid != NULL &&
		    strcmp(c->c_ops[j].f_bulkid, c->c_ops[i].f_bulkid) == 0) {
			free(id);
			return;		/* not unique: rejected */
		}
	c->c_before = i;
	data = jsonutil_get(op, "data", NULL);
	if (data != NULL) {
		if (json_object_deep_copy(data, &copy, NULL) != 0)
			abort();
		if (bulk_substitute(copy, lookup, c, &bad) == 0)
			no_refs(copy);
		else if (bad == NULL || lookup(c, bad) != NULL)
			abort();
		json_object_put(copy);
	}
	if (strcmp(method, "POST") == 0 && bad == NULL)
		snprintf(c->c_ops[i].f_newid, sizeof(c->c_ops[i].f_newid),
		    "id-%zu", i);
	free(id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scim_errbuf	 eb;
	struct json_object	*b, *ops, *v;
	struct fctx		 c;
	const char		*err = NULL;
	size_t			 i, n;
	long			 fail_on;
	int			 rc;

	if (jsonutil_parse((const char *)data, size, SCIM_JSON_DEPTH, &b,
	    &eb) != SCIM_OK)
		return (0);
	rc = bulk_check_request(b, MAX_OPS, &ops, &fail_on, &err);
	if (rc != SCIM_OK) {
		if (err == NULL || ops != NULL || scim_err_status(rc) < 400 ||
		    scim_err_status(rc) >= 500)
			abort();
		json_object_put(b);
		return (0);
	}
	if (ops == NULL || fail_on < 0 ||
	    (n = json_object_array_length(ops)) > MAX_OPS)
		abort();
	c.c_ops = calloc(n ? n : 1, sizeof(*c.c_ops));
	if (c.c_ops == NULL)
		abort();
	for (i = 0; i < n; i++) {
		v = jsonutil_get(json_object_array_get_idx(ops, i), "bulkId",
		    NULL);
		if (v != NULL && json_object_is_type(v, json_type_string))
			c.c_ops[i].f_bulkid = json_object_get_string(v);
	}
	for (i = 0; i < n; i++)
		one_op(&c, i, json_object_array_get_idx(ops, i));
	free(c.c_ops);
	json_object_put(b);
	return (0);
}
