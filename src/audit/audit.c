/* Building and appending provisioning-log records. */
#include "scimd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "audit.h"
#include "error.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"
#include "zpack.h"

static const char *const action_names[] = {
	"Create", "Update", "Disable", "Enable", "Delete", "Other"
};
static const char *const status_names[] = { "Success", "Failure", "Skipped" };

/* records appended, ever: by the writer thread, read by the loop */
static _Atomic uint64_t	 audit_written;

const char *
audit_action_name(enum audit_action a)
{
	return (action_names[a]);
}

const char *
audit_status_name(enum audit_status s)
{
	return (status_names[s]);
}

/* Documents equal but for meta (which every write changes). */
static int
same_content(struct json_object *a, struct json_object *b)
{
	struct json_object_iterator	it, end;
	struct json_object		*bv;
	const char			*k;
	int				 na = 0, nb = 0;

	it = json_object_iter_begin(a);
	end = json_object_iter_end(a);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strcmp(k, "meta") == 0)
			continue;
		na++;
		if (!json_object_object_get_ex(b, k, &bv) ||
		    !json_object_equal(json_object_iter_peek_value(&it), bv))
			return (0);
	}
	it = json_object_iter_begin(b);
	end = json_object_iter_end(b);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if (strcmp(json_object_iter_peek_name(&it), "meta") != 0)
			nb++;
	return (na == nb);
}

enum audit_action
audit_action_of(struct json_object *old, struct json_object *new,
    int members_changed)
{
	struct json_object	*a = NULL, *b = NULL;
	int			 was, is;

	if (old == NULL)
		return (AUDIT_CREATE);
	if (new == NULL)
		return (AUDIT_DELETE);
	if (!members_changed && same_content(old, new))
		return (AUDIT_OTHER);
	json_object_object_get_ex(old, "active", &a);
	json_object_object_get_ex(new, "active", &b);
	was = a == NULL || json_object_get_boolean(a);
	is = b == NULL || json_object_get_boolean(b);
	if (was && !is)
		return (AUDIT_DISABLE);
	if (!was && is)
		return (AUDIT_ENABLE);
	return (AUDIT_UPDATE);
}

/* Text of a value for modifiedProperties: strings as they are, else JSON. */
static struct json_object *
prop_value(struct json_object *v)
{
	if (v == NULL)
		return (NULL);
	if (json_object_is_type(v, json_type_string))
		return (json_object_get(v));
	return (json_object_new_string(jsontext_of(v, NULL)));
}

static void
prop_add(struct json_object *props, const char *name, struct json_object *o,
    struct json_object *n)
{
	struct json_object	*p = json_object_new_object();

	jsonutil_add_new(p, "name", json_object_new_string(name));
	jsonutil_add_new(p, "oldValue", prop_value(o));
	jsonutil_add_new(p, "newValue", prop_value(n));
	json_object_array_add(props, p);
}

/* Diff two objects member by member; prefix names nested members. */
static void
diff_objects(struct json_object *props, const char *prefix,
    struct json_object *a, struct json_object *b, int depth)
{
	struct json_object_iterator	it, end;
	struct json_object		*av, *bv;
	const char			*k;
	char				 name[512];
	int				 pass;

	for (pass = 0; pass < 2; pass++) {
		struct json_object *x = pass == 0 ? a : b;
		struct json_object *y = pass == 0 ? b : a;

		if (x == NULL)
			continue;
		it = json_object_iter_begin(x);
		end = json_object_iter_end(x);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			k = json_object_iter_peek_name(&it);
			if (depth == 0 && (strcmp(k, "meta") == 0 ||
			    strcmp(k, "schemas") == 0 || strcmp(k, "id") == 0 ||
			    strcasecmp(k, "password") == 0))
				continue;
			av = json_object_iter_peek_value(&it);
			bv = NULL;
			if (y != NULL)
				json_object_object_get_ex(y, k, &bv);
			if (pass == 1 && bv != NULL)
				continue;	/* seen in pass 0 */
			snprintf(name, sizeof(name), "%s%s%s", prefix,
			    *prefix ? (strncmp(prefix, "urn:", 4) == 0 &&
			    depth == 1 ? ":" : ".") : "", k);
			if (bv != NULL && json_object_equal(av, bv))
				continue;
			if (depth == 0 && json_object_is_type(av,
			    json_type_object) && (bv == NULL ||
			    json_object_is_type(bv, json_type_object))) {
				diff_objects(props, name, pass == 0 ? av : bv,
				    pass == 0 ? bv : av, depth + 1);
				continue;
			}
			prop_add(props, name, pass == 0 ? av : NULL,
			    pass == 0 ? bv : av);
		}
	}
}

static const char *
target_name(struct json_object *doc)
{
	const char	*s;

	if ((s = jsonutil_get_str(doc, "userName")) != NULL)
		return (s);
	return (jsonutil_get_str(doc, "displayName"));
}

static void
add_str(struct json_object *r, const char *k, const char *v)
{
	jsonutil_add_new(r, k, v != NULL ? json_object_new_string(v) :
	    NULL);
}

/* "target" and "source": whom the change was about. */
static void
record_target(struct json_object *r, const struct audit_event *ev)
{
	struct json_object	*doc, *tgt, *src;
	const char		*id;

	doc = ev->ae_new != NULL ? ev->ae_new : ev->ae_old;
	tgt = json_object_new_object();
	/* a failed create's body may carry a client's "id": not ours */
	id = doc != NULL && !(ev->ae_status == AUDIT_FAILURE &&
	    ev->ae_old == NULL) ? jsonutil_get_str(doc, "id") : NULL;
	add_str(tgt, "id", id != NULL ? id : ev->ae_target_id);
	add_str(tgt, "name", doc != NULL ? target_name(doc) : NULL);
	jsonutil_add_new(r, "target", tgt);
	src = json_object_new_object();
	add_str(src, "externalId", doc != NULL ?
	    jsonutil_get_str(doc, "externalId") : NULL);
	jsonutil_add_new(r, "source", src);
}

struct json_object *
audit_props(const struct audit_event *ev)
{
	struct json_object	*props;
	size_t			 i, len;

	props = json_object_new_array();
	if (ev->ae_status == AUDIT_SUCCESS)
		diff_objects(props, "", ev->ae_old, ev->ae_new, 0);
	len = ev->ae_members_added ?
	    json_object_array_length(ev->ae_members_added) : 0;
	for (i = 0; i < len; i++)
		prop_add(props, "members", NULL,
		    json_object_array_get_idx(ev->ae_members_added, i));
	len = ev->ae_members_removed ?
	    json_object_array_length(ev->ae_members_removed) : 0;
	for (i = 0; i < len; i++)
		prop_add(props, "members",
		    json_object_array_get_idx(ev->ae_members_removed, i), NULL);
	return (props);
}

/* The record of ev, members in audit.h's order ("seq" is the key's). */
static struct json_object *
record_new(struct store_txn *t, const struct audit_event *ev)
{
	struct json_object	*r;
	char			 when[40], tname[TENANT_NAME_MAX + 1];

	r = json_object_new_object();
	add_str(r, "changeId", ev->ae_change_id);
	util_time_fmt(util_now_ms(), when, sizeof(when));
	add_str(r, "time", when);
	jsonutil_add_new(r, "tenant",
	    json_object_new_int64(ev->ae_tenant));
	if (tenant_name(t, ev->ae_tenant, tname, sizeof(tname)) == SCIM_OK)
		add_str(r, "tenantName", tname);
	add_str(r, "initiator", ev->ae_initiator ? ev->ae_initiator : "");
	add_str(r, "action", action_names[ev->ae_action]);
	add_str(r, "resourceType", ev->ae_rt != NULL ? ev->ae_rt->rt_name :
	    "");
	record_target(r, ev);
	add_str(r, "status", status_names[ev->ae_status]);
	jsonutil_add_new(r, "httpStatus",
	    json_object_new_int(ev->ae_http_status));
	if (ev->ae_scim_type != NULL)
		add_str(r, "scimType", ev->ae_scim_type);
	if (ev->ae_reason != NULL)
		add_str(r, "reason", ev->ae_reason);
	jsonutil_add_new(r, "modifiedProperties", ev->ae_props != NULL ?
	    json_object_get(ev->ae_props) : audit_props(ev));
	jsonutil_add_new(r, "durationMs",
	    json_object_new_int64(util_mono_ms() - ev->ae_start));
	if (ev->ae_method != NULL)
		add_str(r, "method", ev->ae_method);
	if (ev->ae_path != NULL)
		add_str(r, "path", ev->ae_path);
	return (r);
}

int
audit_write(struct store_txn *t, const struct audit_event *ev)
{
	struct json_object	*r;
	struct store_val	 v;
	struct zpack_buf	 zb = { NULL, 0 };
	const char		*s;
	size_t			 len;
	int			 rc;

	r = record_new(t, ev);
	s = jsontext_of(r, &len);
	zpack_pack(&zb, s, len, &v.sv_data, &v.sv_len);
	rc = store_put_next(t, STORE_AUDIT, ev->ae_tenant, "audit", &v);
	json_object_put(r);
	zpack_buf_free(&zb);
	if (rc == SCIM_OK)
		audit_written++;
	return (rc);
}

uint64_t
audit_appended(void)
{
	return (audit_written);
}
