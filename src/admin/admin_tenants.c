/* The tenant a request addresses; /admin/v1/tenants (admin_tenants.h). */
#include "scimd.h"

#include <string.h>

#include <json-c/json.h>

#include "admin_collection.h"
#include "admin_tenants.h"
#include "error.h"
#include "jsonutil.h"
#include "request.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

int
admin_tenants_all(struct request *rq)
{
	return (rq->rq_token.ti_tenant == TENANT_ALL);
}

int
admin_tenants_scope(struct request *rq, const char *name, uint32_t *out)
{
	struct store_txn	*t;
	uint32_t		 id;
	int			 rc;

	if (name == NULL) {
		*out = rq->rq_tenant;
		return (0);
	}
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		request_reply_error(rq, rc, NULL);
		return (-1);
	}
	rc = tenant_lookup(t, name, &id);
	store_abort(t);
	if (rc == SCIM_OK && (admin_tenants_all(rq) || id == rq->rq_tenant)) {
		*out = id;
		return (0);
	}
	if (!admin_tenants_all(rq))
		request_reply_error(rq, SCIM_EFORBIDDEN,
		    "this admin token is limited to its own tenant");
	else
		request_reply_error(rq, rc == SCIM_OK ? SCIM_ESTORE : rc,
		    rc == SCIM_ENOTFOUND ? "no such tenant" : NULL);
	return (-1);
}

static void
tenant_json(uint32_t id, const char *name, int64_t created, void *arg)
{
	struct json_object	*arr = arg, *o;
	char			 when[40];

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "name", json_object_new_string(name ?
	    name : ""));
	util_time_fmt(created, when, sizeof(when));
	json_object_object_add(o, "created", json_object_new_string(when));
	json_object_array_add(arr, o);
}

static int
tenants_each(struct store_txn *t, struct json_object *arr, void *arg)
{
	return (tenant_each(t, tenant_json, arr));
}

void
admin_tenants_list(struct request *rq)
{
	admin_collection_list(rq, "tenants", tenants_each, NULL);
}

static int
create_apply(struct store_txn *t, struct admin_collection_op *ao)
{
	if (!token_name_ok(ao->ao_name, TENANT_NAME_MAX))
		return (SCIM_EINVAL);
	return (tenant_create(t, ao->ao_name, &ao->ao_tenant));
}

static void
created(struct admin_collection_op *ao)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(ao->ao_tenant));
	json_object_object_add(o, "name", json_object_new_string(ao->ao_name));
	request_reply_json(ao->ao_rq, 201, o, NULL, NULL);
	json_object_put(o);
}

/* Both changes of a tenant: the same details for the same errors. */
static void
submit(struct admin_collection_op *ao)
{
	ao->ao_unique = "a tenant of that name exists";
	ao->ao_missing = "no such tenant";
	admin_collection_submit(ao);
}

void
admin_tenants_create(struct request *rq)
{
	struct json_object	*body;
	const char		*name;

	if ((body = admin_collection_body(rq)) == NULL)
		return;
	if ((name = jsonutil_get_str(body, "name")) == NULL ||
	    !token_name_ok(name, TENANT_NAME_MAX)) {
		json_object_put(body);
		request_reply_error(rq, SCIM_EINVAL, "name: a tenant name "
		    "(A-Z a-z 0-9 . _ -) is required");
		return;
	}
	submit(admin_collection_op(rq, name, create_apply, created));
	json_object_put(body);
}

static int
delete_apply(struct store_txn *t, struct admin_collection_op *ao)
{
	int	rc;

	if ((rc = tenant_lookup(t, ao->ao_name, &ao->ao_tenant)) != SCIM_OK)
		return (rc);
	return (tenant_delete(t, ao->ao_tenant));
}

void
admin_tenants_delete(struct request *rq, const char *name)
{
	submit(admin_collection_op(rq, name, delete_apply, NULL));
}
