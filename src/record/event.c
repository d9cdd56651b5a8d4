/* The change outbox (layout in event.h). */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "event.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "keys.h"
#include "store.h"
#include "util.h"
#include "zpack.h"

static struct store_val
event_key(uint8_t *kb, uint32_t tenant, uint64_t seq)
{
	util_put_be32(kb, tenant);
	util_put_be64(kb + 4, seq);
	return ((struct store_val){ kb, EVENT_KEY_LEN });
}

/* meta "e" T: the tenant's last seq */
static struct store_val
counter_key(uint8_t *kb, uint32_t tenant)
{
	return (keys_tag_u32(kb, 'e', tenant));
}

int
event_last(struct store_txn *t, uint32_t tenant, uint64_t *seq)
{
	struct store_val	k, v;
	uint8_t			kb[KEYS_TAG_U32_LEN];
	int			rc;

	*seq = 0;
	k = counter_key(kb, tenant);
	rc = store_get(t, STORE_META, &k, &v);
	if (rc == SCIM_ENOTFOUND)
		return (SCIM_OK);
	if (rc == SCIM_OK && v.sv_len == 8)
		*seq = util_get_be64(v.sv_data);
	return (rc);
}

static void
add_str(struct json_object *o, const char *k, const char *s)
{
	jsonutil_add_new(o, k, s != NULL ? json_object_new_string(s) :
	    NULL);
}

int
event_append(struct store_txn *t, const struct event_spec *en, uint64_t *seqp)
{
	struct json_object	*o;
	struct store_val	 k, v;
	struct zpack_buf	 zb = { NULL, 0 };
	char			 id[SCIM_ID_MAX], when[40];
	uint8_t			 kb[EVENT_KEY_LEN], cb[KEYS_TAG_U32_LEN];
	uint64_t		 seq;
	const char		*s;
	size_t			 len;
	int			 rc;

	k = counter_key(cb, en->en_tenant);
	if ((rc = store_add(t, STORE_META, &k, 1, &seq)) != SCIM_OK)
		return (rc);
	util_uuid(id);
	util_time_fmt(util_now_ms(), when, sizeof(when));
	o = json_object_new_object();
	add_str(o, "id", id);
	add_str(o, "type", en->en_type);
	add_str(o, "tenant", en->en_tenant_name);
	jsonutil_add_new(o, "seq", json_object_new_int64((int64_t)seq));
	add_str(o, "time", when);
	add_str(o, "changeId", en->en_change_id);
	add_str(o, "resourceType", en->en_rt);
	add_str(o, "resourceId", en->en_id);
	jsonutil_add_new(o, "modifiedProperties", en->en_props != NULL ?
	    json_object_get(en->en_props) : json_object_new_array());
	if (en->en_members != NULL)
		jsonutil_add_new(o, "members",
		    json_object_get(en->en_members));
	if (en->en_resource != NULL)
		jsonutil_add_new(o, "resource",
		    json_object_get(en->en_resource));
	if (en->en_partial)
		jsonutil_add_new(o, "partial",
		    json_object_new_boolean(1));
	s = jsontext_of(o, &len);
	k = event_key(kb, en->en_tenant, seq);
	zpack_pack(&zb, s, len, &v.sv_data, &v.sv_len);
	/* seqs grow: the event usually goes last (full pages) */
	rc = store_put(t, STORE_EVENTS, &k, &v, STORE_APPEND);
	json_object_put(o);
	zpack_buf_free(&zb);
	if (rc == SCIM_OK && seqp != NULL)
		*seqp = seq;
	return (rc);
}

int
event_each(struct store_txn *t, uint32_t tenant, uint64_t after, size_t max,
    event_fn fn, void *arg)
{
	struct store_cursor	*c;
	struct store_val	 k, v, ks, u;
	struct zpack_buf	 zb = { NULL, 0 };
	uint8_t			 kb[EVENT_KEY_LEN];
	size_t			 n = 0;
	int			 rc;

	if (after == UINT64_MAX)
		return (SCIM_OK);
	if ((rc = store_cursor_open(t, STORE_EVENTS, &c)) != SCIM_OK)
		return (rc);
	ks = event_key(kb, tenant, after + 1);
	for (rc = store_cursor_seek(c, &ks, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next(c, &k, &v)) {
		if (k.sv_len != EVENT_KEY_LEN ||
		    util_get_be32(k.sv_data) != tenant)
			break;
		/* a corrupt packed event reaches fn as it is, unparseable */
		zpack_unpack(&zb, v.sv_data, v.sv_len, &u.sv_data, &u.sv_len);
		if (fn(util_get_be64((const uint8_t *)k.sv_data + 4),
		    u.sv_data, u.sv_len, arg) != 0 || (max != 0 && ++n >= max))
			break;
	}
	store_cursor_close(c);
	zpack_buf_free(&zb);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int64_t
event_time(const char *json, size_t len)
{
	struct json_object	*o = NULL;
	struct scim_errbuf	 eb;
	const char		*s;
	int64_t			 ms = -1;

	if (jsonutil_parse(json, len, SCIM_JSON_DEPTH, &o, &eb) != SCIM_OK)
		return (-1);
	if ((s = jsonutil_get_str(o, "time")) == NULL ||
	    util_time_parse(s, &ms) != 0)
		ms = -1;
	json_object_put(o);
	return (ms);
}

struct seq_at {
	int64_t		 sa_ms;
	uint64_t	 sa_seq;
	int		 sa_found;
};

static int
seq_at_cb(uint64_t seq, const char *json, size_t len, void *arg)
{
	struct seq_at	*sa = arg;

	sa->sa_seq = seq;
	if (event_time(json, len) >= sa->sa_ms) {
		sa->sa_found = 1;
		return (1);
	}
	return (0);
}

int
event_seq_at(struct store_txn *t, uint32_t tenant, int64_t ms, uint64_t *seq)
{
	struct seq_at	sa = { ms, 0, 0 };
	int		rc;

	if ((rc = event_each(t, tenant, 0, 0, seq_at_cb, &sa)) != SCIM_OK)
		return (rc);
	if (sa.sa_found)
		*seq = sa.sa_seq;
	else if ((rc = event_last(t, tenant, seq)) == SCIM_OK)
		(*seq)++;
	return (rc);
}

/*
 * Collect at most max keys of events older than cutoff: a tenant's events
 * are in time order, so its range is left at its first newer event.
 */
static int
prune_collect(struct store_txn *t, int64_t cutoff, size_t max, uint8_t *keys,
    size_t *n)
{
	struct store_cursor	*c;
	struct store_val	 k, v, ks, u;
	struct zpack_buf	 zb = { NULL, 0 };
	uint8_t			 kb[EVENT_KEY_LEN];
	uint32_t		 tenant;
	int			 rc;

	*n = 0;
	if ((rc = store_cursor_open(t, STORE_EVENTS, &c)) != SCIM_OK)
		return (rc);
	rc = store_cursor_seek(c, NULL, &k, &v);
	while (rc == SCIM_OK && *n < max) {
		if (k.sv_len != EVENT_KEY_LEN) {
			rc = store_cursor_next(c, &k, &v);
			continue;
		}
		tenant = util_get_be32(k.sv_data);
		zpack_unpack(&zb, v.sv_data, v.sv_len, &u.sv_data, &u.sv_len);
		if (event_time(u.sv_data, u.sv_len) < cutoff) {
			memcpy(keys + *n * EVENT_KEY_LEN, k.sv_data,
			    EVENT_KEY_LEN);
			(*n)++;
			rc = store_cursor_next(c, &k, &v);
			continue;
		}
		if (tenant == UINT32_MAX)
			break;
		ks = event_key(kb, tenant + 1, 0);
		rc = store_cursor_seek(c, &ks, &k, &v);
	}
	store_cursor_close(c);
	zpack_buf_free(&zb);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
event_prune(struct store_txn *t, int64_t cutoff, size_t max, size_t *deleted,
    int *more)
{
	struct store_val	 k;
	uint8_t			*keys;
	size_t			 n, i;
	int			 rc;

	*deleted = 0;
	*more = 0;
	if (max == 0)
		return (SCIM_OK);
	keys = xcalloc(max, EVENT_KEY_LEN);
	/* collect first: no deleting under an open cursor */
	rc = prune_collect(t, cutoff, max, keys, &n);
	for (i = 0; rc == SCIM_OK && i < n; i++) {
		k.sv_data = keys + i * EVENT_KEY_LEN;
		k.sv_len = EVENT_KEY_LEN;
		rc = store_del(t, STORE_EVENTS, &k, NULL);
	}
	free(keys);
	if (rc == SCIM_OK) {
		*deleted = n;
		*more = n == max;
	}
	return (rc);
}
