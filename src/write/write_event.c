/* The events of a change (write_event.h). */
#include "scimd.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "error.h"
#include "event.h"
#include "jsonutil.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
#include "write.h"
#include "write_event.h"

/* The ids in a that are not in b (a new array). */
static struct json_object *
ids_minus(struct json_object *a, struct json_object *b)
{
	struct json_object	*out = json_object_new_array(), *x;
	size_t			 i, j, na, nb;

	na = a != NULL ? json_object_array_length(a) : 0;
	nb = b != NULL ? json_object_array_length(b) : 0;
	for (i = 0; i < na; i++) {
		x = json_object_array_get_idx(a, i);
		for (j = 0; j < nb; j++)
			if (json_object_equal(x, json_object_array_get_idx(b,
			    j)))
				break;
		if (j == nb)
			json_object_array_add(out, json_object_get(x));
	}
	return (out);
}

/* The props named "members" (members != 0) or the others (a new array). */
static struct json_object *
props_part(struct json_object *props, int members)
{
	struct json_object	*out = json_object_new_array(), *p;
	const char		*name;
	size_t			 i, n = json_object_array_length(props);

	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(props, i);
		name = jsonutil_get_str(p, "name");
		if ((name != NULL && strcmp(name, "members") == 0) == members)
			json_object_array_add(out, json_object_get(p));
	}
	return (out);
}

/* The resource after the change; a big group without its members. */
static int
render(struct store_txn *t, const struct write_ctx *wc,
    const struct resource_type *rt, struct json_object *doc, uint64_t rid,
    int is_new, struct json_object **out, int *inlined)
{
	size_t	n = 0;
	int	rc;

	*inlined = 1;
	if (rt->rt_tag == RT_TAG_GROUP) {
		if ((rc = member_count(t, wc->wc_tenant, rid, &n)) != SCIM_OK)
			return (rc);
		*inlined = n <= WRITE_EVENT_INLINE_MEMBERS;
	}
	return (wc->wc_render(t, wc->wc_render_arg, rt, rid, doc,
	    (*inlined ? 0 : WRITE_RENDER_NO_MEMBERS) |
	    (is_new ? WRITE_RENDER_NEW : 0), out));
}

struct change {
	struct event_spec	 c_en;
	struct json_object	*c_props;
	struct json_object	*c_added;
	struct json_object	*c_removed;
	struct json_object	*c_had;		/* a deleted group's members */
	char			 c_type[32];
	const char		*c_prefix;	/* "user" or "group" */
};

static int
emit(struct store_txn *t, struct change *c, const char *what,
    struct json_object *props, struct json_object *members)
{
	snprintf(c->c_type, sizeof(c->c_type), "%s.%s", c->c_prefix, what);
	c->c_en.en_type = c->c_type;
	c->c_en.en_props = props;
	c->c_en.en_members = members;
	return (event_append(t, &c->c_en, NULL));
}

/* An update's events: attributes, members added, members removed. */
static int
emit_update(struct store_txn *t, struct change *c, const char *what)
{
	struct json_object	*attrs, *mprops;
	int			 rc = SCIM_OK, n = 0;

	attrs = props_part(c->c_props, 0);
	mprops = props_part(c->c_props, 1);
	if (json_object_array_length(attrs) > 0 || (json_object_array_length(
	    c->c_added) == 0 && json_object_array_length(c->c_removed) == 0)) {
		rc = emit(t, c, what, attrs, NULL);
		n++;
	}
	if (rc == SCIM_OK && json_object_array_length(c->c_added) > 0)
		rc = emit(t, c, "members_added", mprops, c->c_added);
	if (rc == SCIM_OK && json_object_array_length(c->c_removed) > 0)
		rc = emit(t, c, "members_removed", mprops, c->c_removed);
	json_object_put(attrs);
	json_object_put(mprops);
	return (rc);
}

/*
 * A delete: the old values, and a group's members.  On a store so full that
 * only deletes are taken these can be too big for the pages kept for them:
 * the event then says "partial" and the audit record keeps the old values.
 */
static int
emit_delete(struct store_txn *t, struct change *c)
{
	if (store_low_space(t)) {
		c->c_en.en_partial = 1;
		return (emit(t, c, "deleted", NULL, NULL));
	}
	return (emit(t, c, "deleted", c->c_props, c->c_had));
}

/*
 * A resource deleted while a member of group grid left it: that group's
 * group.members_removed, the group as it is now.
 */
static int
emit_left(struct store_txn *t, const struct write_ctx *wc,
    const struct change *dc, uint64_t grid)
{
	const struct resource_type	*rt = schema_type_by_tag(RT_TAG_GROUP);
	struct json_object		*doc = NULL, *res = NULL, *props, *p;
	struct json_object		*ids;
	struct change			 c;
	int				 rc, inlined;

	if ((rc = record_load(t, wc->wc_tenant, rt, grid, &doc)) != SCIM_OK)
		return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
	if (wc->wc_render != NULL && !dc->c_en.en_partial &&
	    (rc = render(t, wc, rt, doc, grid, 0, &res, &inlined)) != SCIM_OK) {
		json_object_put(doc);
		return (rc);
	}
	c = *dc;
	c.c_prefix = "group";
	c.c_en.en_rt = rt->rt_name;
	c.c_en.en_id = jsonutil_get_str(doc, "id");
	c.c_en.en_resource = res;
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(dc->c_en.en_id));
	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string("members"));
	json_object_object_add(p, "oldValue", json_object_new_string(
	    dc->c_en.en_id));
	json_object_object_add(p, "newValue", NULL);
	props = json_object_new_array();
	json_object_array_add(props, p);
	rc = emit(t, &c, "members_removed", props, ids);
	json_object_put(props);
	json_object_put(ids);
	json_object_put(res);
	json_object_put(doc);
	return (rc);
}

static int
emit_all(struct store_txn *t, struct change *c, const struct audit_event *ev,
    int inlined)
{
	int	rc;

	switch (ev->ae_action) {
	case AUDIT_CREATE:
		rc = emit(t, c, "created", c->c_props, NULL);
		if (rc == SCIM_OK && !inlined &&
		    json_object_array_length(c->c_added) > 0)
			rc = emit(t, c, "members_added", NULL, c->c_added);
		return (rc);
	case AUDIT_DELETE:
		return (emit_delete(t, c));
	case AUDIT_DISABLE:
		return (emit_update(t, c, "disabled"));
	case AUDIT_ENABLE:
		return (emit_update(t, c, "enabled"));
	default:
		return (emit_update(t, c, "updated"));
	}
}

int
write_event(struct store_txn *t, const struct write_ctx *wc,
    const struct audit_event *ev, uint64_t rid, struct json_object *groups,
    struct json_object *had)
{
	struct change		 c;
	struct json_object	*res = NULL, *doc;
	char			 tname[TENANT_NAME_MAX + 1];
	size_t			 i, n;
	int			 rc = SCIM_OK, inlined = 1;

	if (ev->ae_status != AUDIT_SUCCESS || ev->ae_action == AUDIT_OTHER)
		return (SCIM_OK);
	if (ev->ae_new != NULL && wc->wc_render != NULL &&
	    (rc = render(t, wc, ev->ae_rt, ev->ae_new, rid,
	    ev->ae_action == AUDIT_CREATE, &res, &inlined)) != SCIM_OK)
		return (rc);
	if (tenant_name(t, ev->ae_tenant, tname, sizeof(tname)) != SCIM_OK)
		tname[0] = '\0';
	memset(&c, 0, sizeof(c));
	doc = ev->ae_new != NULL ? ev->ae_new : ev->ae_old;
	c.c_prefix = ev->ae_rt->rt_tag == RT_TAG_GROUP ? "group" : "user";
	c.c_en.en_tenant = ev->ae_tenant;
	c.c_en.en_tenant_name = tname;
	c.c_en.en_change_id = ev->ae_change_id;
	c.c_en.en_rt = ev->ae_rt->rt_name;
	c.c_en.en_id = jsonutil_get_str(doc, "id");
	c.c_en.en_resource = res;
	c.c_props = ev->ae_props != NULL ? json_object_get(ev->ae_props) :
	    audit_props(ev);
	/* a replace drops every member and adds them back: only the net */
	c.c_added = ids_minus(ev->ae_members_added, ev->ae_members_removed);
	c.c_removed = ids_minus(ev->ae_members_removed, ev->ae_members_added);
	c.c_had = had;
	rc = emit_all(t, &c, ev, inlined);
	n = rc == SCIM_OK && ev->ae_action == AUDIT_DELETE && groups != NULL ?
	    json_object_array_length(groups) : 0;
	for (i = 0; rc == SCIM_OK && i < n; i++)
		rc = emit_left(t, wc, &c, (uint64_t)json_object_get_int64(
		    json_object_array_get_idx(groups, i)));
	json_object_put(c.c_props);
	json_object_put(c.c_added);
	json_object_put(c.c_removed);
	json_object_put(res);
	return (rc);
}
