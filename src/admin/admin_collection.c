/* What the admin collections share (contract in admin_collection.h). */
#include "scimd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "admin_collection.h"
#include "commit.h"
#include "config.h"
#include "error.h"
#include "jsonutil.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"

void
admin_collection_list(struct request *rq, const char *key,
    int (*each)(struct store_txn *, struct json_object *, void *), void *arg)
{
	struct store_txn	*t;
	struct json_object	*o, *arr;
	int			 rc;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return;
	}
	arr = json_object_new_array();
	rc = each(t, arr, arg);
	store_abort(t);
	if (rc != SCIM_OK) {
		json_object_put(arr);
		request_reply_error(rq, rc, NULL);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, key, arr);
	request_reply_json(rq, 200, o, NULL, NULL);
	json_object_put(o);
}

/*
 * Not request_read_json: the admin API never asked for a Content-Type, and
 * wants an object, answered 400 invalidSyntax as any other bad body.
 */
struct json_object *
admin_collection_body(struct request *rq)
{
	struct scim_errbuf	 eb;
	struct json_object	*o = NULL;
	const unsigned char	*p;
	size_t			 len;
	int			 rc;

	p = request_body(rq, &len);
	if (len > rq->rq_sd->sd_conf->cf_max_body) {
		request_reply_error(rq, SCIM_ETOOLARGE, NULL);
		return (NULL);
	}
	eb.eb_msg[0] = '\0';
	rc = jsonutil_parse((const char *)p, len,
	    rq->rq_sd->sd_conf->cf_json_depth, &o, &eb);
	if (rc != SCIM_OK || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		request_reply_error(rq, SCIM_ESYNTAX, rc != SCIM_OK ?
		    eb.eb_msg : "a JSON object is required");
		return (NULL);
	}
	return (o);
}

static int
op_apply(struct store_txn *t, struct commit_op *op)
{
	struct admin_collection_op	*ao = (struct admin_collection_op *)op;

	return (ao->ao_apply(t, ao));
}

static const char *
op_detail(struct admin_collection_op *ao, int rc)
{
	switch (rc) {
	case SCIM_EUNIQUE:
		return (ao->ao_unique);
	case SCIM_EINVAL:
		return ("names use A-Z a-z 0-9 . _ - only");
	case SCIM_ENOTFOUND:
		return (ao->ao_missing);
	default:
		return (NULL);
	}
}

static void
op_done(struct commit_op *op, int rc)
{
	struct admin_collection_op	*ao = (struct admin_collection_op *)op;

	if (rc != SCIM_OK)
		request_reply_error(ao->ao_rq, rc, op_detail(ao, rc));
	else if (ao->ao_created != NULL)
		ao->ao_created(ao);
	else
		request_reply_empty(ao->ao_rq, 204, NULL);
	OPENSSL_cleanse(ao, sizeof(*ao));
	free(ao);
}

struct admin_collection_op *
admin_collection_op(struct request *rq, const char *name,
    int (*apply)(struct store_txn *, struct admin_collection_op *),
    void (*created)(struct admin_collection_op *))
{
	struct admin_collection_op	*ao = xcalloc(1, sizeof(*ao));

	ao->ao_rq = rq;
	strlcpy(ao->ao_name, name, sizeof(ao->ao_name));
	ao->ao_apply = apply;
	ao->ao_created = created;
	ao->ao_op.co_apply = op_apply;
	ao->ao_op.co_done = op_done;
	return (ao);
}

void
admin_collection_submit(struct admin_collection_op *ao)
{
	commit_submit(&ao->ao_op);
}

int
admin_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return (-1);
	*out = v;
	return (0);
}
