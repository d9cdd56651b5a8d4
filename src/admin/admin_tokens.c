/* /admin/v1/tokens: a tenant's SCIM tokens (admin_tokens.h). */
#include "scimd.h"

#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "admin_collection.h"
#include "admin_tenants.h"
#include "admin_tokens.h"
#include "error.h"
#include "jsonutil.h"
#include "request.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

static void
token_json(const struct token_info *ti, void *arg)
{
	struct json_object	*arr = arg, *o;
	char			 when[40];

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(ti->ti_name));
	json_object_object_add(o, "tenant",
	    json_object_new_int64(ti->ti_tenant));
	json_object_object_add(o, "kind",
	    json_object_new_string(ti->ti_admin ? "admin" : "scim"));
	util_time_fmt(ti->ti_created, when, sizeof(when));
	json_object_object_add(o, "created", json_object_new_string(when));
	if (ti->ti_last_used != 0)
		util_time_fmt(ti->ti_last_used, when, sizeof(when));
	json_object_object_add(o, "lastUsed", ti->ti_last_used != 0 ?
	    json_object_new_string(when) : NULL);
	if (ti->ti_expires != 0)
		util_time_fmt(ti->ti_expires, when, sizeof(when));
	json_object_object_add(o, "expires", ti->ti_expires != 0 ?
	    json_object_new_string(when) : NULL);
	json_object_array_add(arr, o);
}

static int
tokens_each(struct store_txn *t, struct json_object *arr, void *arg)
{
	return (token_each(t, *(uint32_t *)arg, token_json, arr));
}

void
admin_tokens_list(struct request *rq)
{
	uint32_t	tenant;

	if (admin_tenants_scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	admin_collection_list(rq, "tokens", tokens_each, &tenant);
}

static int
create_apply(struct store_txn *t, struct admin_collection_op *ao)
{
	int	rc;

	/* by name here: the tenant may have gone since the request */
	if (ao->ao_tenant_name[0] != '\0' && (rc = tenant_lookup(t,
	    ao->ao_tenant_name, &ao->ao_tenant)) != SCIM_OK)
		return (rc);
	return (token_create(t, ao->ao_name, ao->ao_tenant, 0,
	    ao->ao_expires, ao->ao_secret));
}

static void
created(struct admin_collection_op *ao)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(ao->ao_name));
	json_object_object_add(o, "tenant",
	    json_object_new_int64(ao->ao_tenant));
	json_object_object_add(o, "kind", json_object_new_string("scim"));
	json_object_object_add(o, "token",
	    json_object_new_string(ao->ao_secret));
	request_reply_json(ao->ao_rq, 201, o, NULL, NULL);
	/* json-c's copy of the secret: wipe it before freeing */
	OPENSSL_cleanse((char *)json_object_get_string(
	    json_object_object_get(o, "token")), strlen(ao->ao_secret));
	json_object_put(o);
}

/*
 * The body's checks; NULL after replying the error.  *tn is the tenant
 * named, for an all-tenant token only (a token's own tenant goes unnamed).
 */
static const char *
create_args(struct request *rq, struct json_object *body, const char **tn,
    int64_t *days)
{
	struct json_object	*v;
	const char		*name;
	uint32_t		 id;

	name = jsonutil_get_str(body, "name");
	*tn = jsonutil_get_str(body, "tenant");
	*days = 0;
	if ((v = jsonutil_get(body, "expiresDays", NULL)) != NULL &&
	    (!json_object_is_type(v, json_type_int) ||
	    (*days = json_object_get_int64(v)) <= 0 || *days > 36500)) {
		request_reply_error(rq, SCIM_EINVAL,
		    "expiresDays: a positive number of days");
		return (NULL);
	}
	if (name == NULL || !token_name_ok(name, TOKEN_NAME_MAX - 1) ||
	    (*tn != NULL && strlen(*tn) > TENANT_NAME_MAX)) {
		request_reply_error(rq, SCIM_EINVAL, "name: a token name "
		    "(A-Z a-z 0-9 . _ -) is required");
		return (NULL);
	}
	if (admin_tenants_all(rq) && *tn == NULL) {
		request_reply_error(rq, SCIM_EINVAL,
		    "tenant: required with an all-tenant admin token");
		return (NULL);
	}
	if (!admin_tenants_all(rq) && *tn != NULL) {
		/* naming its own tenant is fine; 403 for another one */
		if (admin_tenants_scope(rq, *tn, &id) != 0)
			return (NULL);
		*tn = NULL;
	}
	return (name);
}

void
admin_tokens_create(struct request *rq)
{
	struct json_object		*body;
	struct admin_collection_op	*ao;
	const char			*name, *tn;
	int64_t				 days;

	if ((body = admin_collection_body(rq)) == NULL)
		return;
	if ((name = create_args(rq, body, &tn, &days)) == NULL) {
		json_object_put(body);
		return;
	}
	ao = admin_collection_op(rq, name, create_apply, created);
	ao->ao_unique = "a token of that name exists in the tenant";
	ao->ao_missing = "no such tenant";
	ao->ao_tenant = rq->rq_tenant;
	if (tn != NULL)
		strlcpy(ao->ao_tenant_name, tn, sizeof(ao->ao_tenant_name));
	if (days > 0)
		ao->ao_expires = util_now_ms() + days * 86400000LL;
	json_object_put(body);
	admin_collection_submit(ao);
}

static int
revoke_apply(struct store_txn *t, struct admin_collection_op *ao)
{
	return (token_revoke(t, ao->ao_name, ao->ao_tenant));
}

void
admin_tokens_revoke(struct request *rq, const char *name)
{
	struct admin_collection_op	*ao;
	uint32_t			 tenant;

	if (admin_tenants_scope(rq, request_param(rq, "tenant"), &tenant) != 0)
		return;
	ao = admin_collection_op(rq, name, revoke_apply, NULL);
	ao->ao_missing = "no such token";
	ao->ao_tenant = tenant;
	admin_collection_submit(ao);
}
