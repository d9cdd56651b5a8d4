/* Webhook endpoints and their delivery state (layouts in webhook.h). */
#include "scimd.h"

#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "config.h"
#include "event.h"
#include "error.h"
#include "jsonutil.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"
#include "webhook.h"

#define KEY_MAX		(4 + WEBHOOK_NAME_MAX)

static const char *const event_types[] = {
	"user.created", "user.updated", "user.disabled", "user.enabled",
	"user.deleted", "group.created", "group.updated", "group.deleted",
	"group.members_added", "group.members_removed", "*", "user.*",
	"group.*"
};

static int
name_key(uint8_t *kb, uint32_t tenant, const char *name,
    struct store_val *k)
{
	size_t	n = strlen(name);

	if (!token_name_ok(name, WEBHOOK_NAME_MAX))
		return (SCIM_EINVAL);
	util_put_be32(kb, tenant);
	memcpy(kb + 4, name, n);
	k->sv_data = kb;
	k->sv_len = 4 + n;
	return (SCIM_OK);
}

int
webhook_url_check(const char *url, int allow_http, struct scim_errbuf *eb)
{
	char		 host[256];
	const char	*h, *e;

	if (strlen(url) > WEBHOOK_URL_MAX)
		return (scim_err_set(eb, SCIM_EINVAL, "url: too long"));
	if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return (scim_err_set(eb, SCIM_EINVAL,
		    "url: an https:// (or loopback http://) URL is required"));
	if (*h == '[')
		e = strchr(h, ']') != NULL ? strchr(h, ']') + 1 : h;
	else
		e = h + strcspn(h, ":/?#");
	if (e == h || (size_t)(e - h) >= sizeof(host) ||
	    strcspn(h, " \t\r\n") < (size_t)(e - h))
		return (scim_err_set(eb, SCIM_EINVAL, "url: no host"));
	memcpy(host, *h == '[' ? h + 1 : h, (size_t)(e - h));
	host[*h == '[' ? e - h - 2 : e - h] = '\0';
	if (h == url + 7 && !allow_http && !config_is_loopback(host))
		return (scim_err_set(eb, SCIM_EINVAL, "url: plain http only "
		    "to loopback (webhook_allow_http = yes allows it)"));
	return (SCIM_OK);
}

int
webhook_events_parse(const char *csv, struct json_object **out,
    struct scim_errbuf *eb)
{
	struct json_object	*arr = json_object_new_array();
	const char		*p = csv != NULL ? csv : "";
	size_t			 n, i;

	*out = NULL;
	while (*p != '\0') {
		n = strcspn(p, ",");
		for (i = 0; i < sizeof(event_types) / sizeof(event_types[0]);
		    i++)
			if (strlen(event_types[i]) == n &&
			    strncmp(p, event_types[i], n) == 0)
				break;
		if (i == sizeof(event_types) / sizeof(event_types[0])) {
			json_object_put(arr);
			return (scim_err_set(eb, SCIM_EINVAL, "events: unknown "
			    "type \"%.*s\"", (int)(n > 64 ? 64 : n), p));
		}
		json_object_array_add(arr, json_object_new_string(
		    event_types[i]));
		p += n + (p[n] == ',');
	}
	if (json_object_array_length(arr) == 0)
		json_object_array_add(arr, json_object_new_string("*"));
	*out = arr;
	return (SCIM_OK);
}

int
webhook_events_match(struct json_object *patterns, const char *type)
{
	const char	*p, *dot = strchr(type, '.');
	size_t		 i, n = json_object_array_length(patterns);

	for (i = 0; i < n; i++) {
		p = json_object_get_string(json_object_array_get_idx(patterns,
		    i));
		if (p == NULL)
			continue;
		if (strcmp(p, "*") == 0 || strcmp(p, type) == 0)
			return (1);
		if (dot != NULL && strlen(p) == (size_t)(dot - type) + 2 &&
		    strncmp(p, type, (size_t)(dot - type) + 1) == 0 &&
		    p[dot - type + 1] == '*')
			return (1);
	}
	return (0);
}

static int
put_json(struct store_txn *t, enum store_db db, uint32_t tenant,
    const char *name, struct json_object *o, int flags)
{
	struct store_val	 k, v;
	uint8_t			 kb[KEY_MAX];
	size_t			 len;
	int			 rc;

	if ((rc = name_key(kb, tenant, name, &k)) != SCIM_OK)
		return (rc);
	v.sv_data = jsonutil_compact(o, &len);
	v.sv_len = len;
	return (store_put(t, db, &k, &v, flags));
}

static int
get_json(struct store_txn *t, enum store_db db, uint32_t tenant,
    const char *name, struct json_object **out)
{
	struct store_val	 k, v;
	struct scim_errbuf	 eb;
	uint8_t			 kb[KEY_MAX];
	int			 rc;

	*out = NULL;
	if ((rc = name_key(kb, tenant, name, &k)) != SCIM_OK)
		return (SCIM_ENOTFOUND);
	if ((rc = store_get(t, db, &k, &v)) != SCIM_OK)
		return (rc);
	return (jsonutil_parse(v.sv_data, v.sv_len, SCIM_JSON_DEPTH, out,
	    &eb) == SCIM_OK ? SCIM_OK : SCIM_ESTORE);
}

int
webhook_create(struct store_txn *t, uint32_t tenant, const char *name,
    const char *url, struct json_object *events, const char *secret)
{
	struct json_object	*o;
	uint64_t		 last;
	int			 rc;

	/* delivery begins with the next change */
	if ((rc = event_last(t, tenant, &last)) != SCIM_OK)
		return (rc);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "secret", json_object_new_string(secret));
	json_object_object_add(o, "events", json_object_get(events));
	json_object_object_add(o, "created",
	    json_object_new_int64(util_now_ms()));
	json_object_object_add(o, "epoch", json_object_new_int64(0));
	json_object_object_add(o, "replayFrom",
	    json_object_new_int64((int64_t)last + 1));
	rc = put_json(t, STORE_WEBHOOKS, tenant, name, o, STORE_NOOVERWRITE);
	json_object_put(o);
	return (rc);
}

int
webhook_get(struct store_txn *t, uint32_t tenant, const char *name,
    struct json_object **out)
{
	return (get_json(t, STORE_WEBHOOKS, tenant, name, out));
}

int
webhook_state_get(struct store_txn *t, uint32_t tenant, const char *name,
    struct json_object **out)
{
	return (get_json(t, STORE_WHSTATE, tenant, name, out));
}

int
webhook_state_put(struct store_txn *t, uint32_t tenant, const char *name,
    struct json_object *state)
{
	return (put_json(t, STORE_WHSTATE, tenant, name, state, 0));
}

int
webhook_delete(struct store_txn *t, uint32_t tenant, const char *name)
{
	struct store_val	 k;
	uint8_t			 kb[KEY_MAX];
	int			 rc;

	if (name_key(kb, tenant, name, &k) != SCIM_OK)
		return (SCIM_ENOTFOUND);
	if ((rc = store_del(t, STORE_WEBHOOKS, &k, NULL)) != SCIM_OK)
		return (rc);
	rc = store_del(t, STORE_WHSTATE, &k, NULL);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
webhook_replay(struct store_txn *t, uint32_t tenant, const char *name,
    uint64_t from)
{
	struct json_object	*o, *e;
	int			 rc;

	if ((rc = webhook_get(t, tenant, name, &o)) != SCIM_OK)
		return (rc);
	e = json_object_object_get(o, "epoch");
	json_object_object_add(o, "epoch",
	    json_object_new_int64(json_object_get_int64(e) + 1));
	json_object_object_add(o, "replayFrom",
	    json_object_new_int64((int64_t)from));
	rc = put_json(t, STORE_WEBHOOKS, tenant, name, o, 0);
	json_object_put(o);
	return (rc);
}

int
webhook_each(struct store_txn *t, uint32_t tenant, webhook_fn fn, void *arg)
{
	struct store_cursor	*c;
	struct store_val	 k, v, ks;
	struct json_object	*o;
	struct scim_errbuf	 eb;
	char			 name[WEBHOOK_NAME_MAX + 1];
	uint8_t			 kb[4];
	uint32_t		 kt;
	int			 rc, stop = 0;

	if ((rc = store_cursor_open(t, STORE_WEBHOOKS, &c)) != SCIM_OK)
		return (rc);
	util_put_be32(kb, tenant);
	ks.sv_data = kb;
	ks.sv_len = 4;
	rc = store_cursor_seek(c, tenant == TENANT_ALL ? NULL : &ks, &k, &v);
	for (; rc == SCIM_OK && !stop; rc = store_cursor_next(c, &k, &v)) {
		if (k.sv_len <= 4 || k.sv_len > 4 + WEBHOOK_NAME_MAX)
			continue;
		kt = util_get_be32(k.sv_data);
		if (tenant != TENANT_ALL && kt != tenant)
			break;
		memcpy(name, (const uint8_t *)k.sv_data + 4, k.sv_len - 4);
		name[k.sv_len - 4] = '\0';
		if (jsonutil_parse(v.sv_data, v.sv_len, SCIM_JSON_DEPTH, &o,
		    &eb) != SCIM_OK)
			continue;
		stop = fn(kt, name, o, arg);
		json_object_put(o);
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND || rc == SCIM_OK ? SCIM_OK : rc);
}

static int
first_time(uint64_t seq, const char *json, size_t len, void *arg)
{
	*(int64_t *)arg = event_time(json, len);
	return (1);
}

/* Copy member k of from (when there) into to. */
static void
copy_member(struct json_object *to, struct json_object *from, const char *k)
{
	struct json_object	*v;

	if (from != NULL && json_object_object_get_ex(from, k, &v))
		json_object_object_add(to, k, json_object_get(v));
}

int
webhook_describe(struct store_txn *t, uint32_t tenant, const char *name,
    struct json_object *ep, struct json_object **out)
{
	static const char *const keep[] = { "name", "url", "events",
	    "created" };
	static const char *const state_keys[] = { "lastSuccess", "lastError",
	    "lastErrorAt", "failingSince", "owner" };
	struct json_object	*o, *st = NULL;
	char			 tname[TENANT_NAME_MAX + 1];
	uint64_t		 last, cursor;
	int64_t			 oldest = -1;
	size_t			 i;
	int			 rc;

	*out = NULL;
	rc = webhook_state_get(t, tenant, name, &st);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	if ((rc = event_last(t, tenant, &last)) != SCIM_OK) {
		json_object_put(st);
		return (rc);
	}
	cursor = (uint64_t)json_object_get_int64(json_object_object_get(
	    st != NULL ? st : ep, st != NULL ? "cursor" : "replayFrom"));
	if (cursor <= last)
		rc = event_each(t, tenant, cursor - 1, 1, first_time, &oldest);
	o = json_object_new_object();
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		copy_member(o, ep, keep[i]);
	if (tenant_name(t, tenant, tname, sizeof(tname)) == SCIM_OK)
		json_object_object_add(o, "tenant",
		    json_object_new_string(tname));
	json_object_object_add(o, "state", json_object_new_string(st != NULL &&
	    json_object_object_get(st, "failingSince") != NULL ? "failing" :
	    "active"));
	json_object_object_add(o, "cursor",
	    json_object_new_int64((int64_t)cursor));
	json_object_object_add(o, "waiting", json_object_new_int64(cursor <=
	    last ? (int64_t)(last - cursor + 1) : 0));
	json_object_object_add(o, "lagMs", json_object_new_int64(oldest > 0 ?
	    util_now_ms() - oldest : 0));
	for (i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++)
		copy_member(o, st, state_keys[i]);
	json_object_put(st);
	*out = o;
	return (rc);
}
