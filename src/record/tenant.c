/*
 * Tenants (STORE_TENANTS, layout in store_db.h): "n" name -> id, and
 * "i" id -> JSON {"name", "created"}.  Deleting one walks every database
 * whose keys start with its id, and its tokens (token.c).
 */
#include "scimd.h"

#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "keys.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

/* Every database whose keys start with the tenant id. */
static const enum store_db tenant_dbs[] = {
	STORE_RES, STORE_ID2R, STORE_IX_USERNAME, STORE_IX_EMAIL,
	STORE_IX_EXTID, STORE_IX_GNAME, STORE_MEMBERS, STORE_MEMBEROF,
	STORE_AUDIT, STORE_CLIENTS, STORE_EVENTS, STORE_WEBHOOKS, STORE_WHSTATE,
};

/* "n" name, in kb (1 + TENANT_NAME_MAX bytes); name fits. */
static struct store_val
name_key(char *kb, const char *name)
{
	struct store_val	k = { kb, 1 + strlen(name) };

	kb[0] = 'n';
	memcpy(kb + 1, name, strlen(name));
	return (k);
}

/* "i" id, in ib (5 bytes). */
static struct store_val
id_key(uint8_t *ib, uint32_t id)
{
	return (keys_tag_u32(ib, 'i', id));
}

int
tenant_lookup(struct store_txn *t, const char *name, uint32_t *id)
{
	char			kb[1 + TENANT_NAME_MAX];
	struct store_val	k, v;
	int			rc;

	if (strlen(name) > TENANT_NAME_MAX)
		return (SCIM_ENOTFOUND);
	k = name_key(kb, name);
	if ((rc = store_get(t, STORE_TENANTS, &k, &v)) != SCIM_OK)
		return (rc);
	if (v.sv_len != 4)
		return (SCIM_ESTORE);
	*id = util_get_be32(v.sv_data);
	return (SCIM_OK);
}

int
tenant_create(struct store_txn *t, const char *name, uint32_t *id)
{
	struct json_object	*o;
	struct store_val	 k, v;
	char			 kb[1 + TENANT_NAME_MAX];
	uint8_t			 ib[KEYS_TAG_U32_LEN], tb[4];
	uint64_t		 n;
	int			 rc;

	if (!token_name_ok(name, TENANT_NAME_MAX))
		return (SCIM_EINVAL);
	if ((rc = tenant_lookup(t, name, id)) == SCIM_OK)
		return (SCIM_EUNIQUE);
	if (rc != SCIM_ENOTFOUND)
		return (rc);
	if ((rc = store_next_id(t, "tenant", &n)) != SCIM_OK)
		return (rc);
	if (n > UINT32_MAX)
		return (SCIM_ESTORAGE);
	*id = (uint32_t)n;
	k = name_key(kb, name);
	util_put_be32(tb, *id);
	v.sv_data = tb;
	v.sv_len = 4;
	if ((rc = store_put(t, STORE_TENANTS, &k, &v, 0)) != SCIM_OK)
		return (rc);
	k = id_key(ib, *id);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "created",
	    json_object_new_int64(util_now_ms()));
	v.sv_data = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN, &v.sv_len);
	rc = store_put(t, STORE_TENANTS, &k, &v, 0);
	json_object_put(o);
	return (rc);
}

/* The bytes of tenant id's record, valid as store_get's. */
static int
tenant_bytes(struct store_txn *t, uint32_t id, struct store_val *v)
{
	struct store_val	k;
	uint8_t			ib[KEYS_TAG_U32_LEN];

	k = id_key(ib, id);
	return (store_get(t, STORE_TENANTS, &k, v));
}

static int
tenant_record(struct store_txn *t, uint32_t id, struct json_object **out)
{
	struct store_val	v;
	int			rc;

	if ((rc = tenant_bytes(t, id, &v)) != SCIM_OK)
		return (rc);
	*out = jsonutil_load(v.sv_data, v.sv_len);
	return (*out != NULL ? SCIM_OK : SCIM_ESTORE);
}

/*
 * The last tenant record read and the name in it, per thread: every audit
 * record and every event names its tenant, and a batch's writes are mostly
 * of one tenant.  Only the bytes read are trusted: a record that differs
 * in any byte is parsed again.
 */
struct tenant_memo {
	uint32_t	tm_id;
	size_t		tm_len;		/* 0: empty */
	char		tm_rec[128];
	char		tm_name[TENANT_NAME_MAX + 1];
};

static _Thread_local struct tenant_memo	tenant_memo;

int
tenant_name(struct store_txn *t, uint32_t id, char *buf, size_t len)
{
	struct tenant_memo	*m = &tenant_memo;
	struct json_object	*o;
	struct store_val	 v;
	const char		*n;
	int			 rc;

	if ((rc = tenant_bytes(t, id, &v)) != SCIM_OK)
		return (rc);
	if (m->tm_len != 0 && m->tm_id == id && v.sv_len == m->tm_len &&
	    memcmp(v.sv_data, m->tm_rec, v.sv_len) == 0) {
		strlcpy(buf, m->tm_name, len);
		return (SCIM_OK);
	}
	if ((o = jsonutil_load(v.sv_data, v.sv_len)) == NULL)
		return (SCIM_ESTORE);
	n = json_object_get_string(json_object_object_get(o, "name"));
	strlcpy(buf, n != NULL ? n : "", len);
	m->tm_len = 0;
	if (v.sv_len > 0 && v.sv_len <= sizeof(m->tm_rec) && n != NULL &&
	    strlen(n) < sizeof(m->tm_name)) {
		m->tm_id = id;
		m->tm_len = v.sv_len;
		memcpy(m->tm_rec, v.sv_data, v.sv_len);
		strlcpy(m->tm_name, n, sizeof(m->tm_name));
	}
	json_object_put(o);
	return (SCIM_OK);
}

/* Delete every key of db that starts with the 4-byte tenant prefix. */
static int
delete_prefix(struct store_txn *t, enum store_db db, const uint8_t *tb)
{
	struct store_cursor	*c;
	struct store_val	 key = { tb, 4 }, k, v;
	int			 rc;

	if ((rc = store_cursor_open(t, db, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, &key, &k, &v); rc == SCIM_OK &&
	    k.sv_len >= 4 && memcmp(k.sv_data, tb, 4) == 0;
	    rc = store_cursor_seek(c, &key, &k, &v))
		if ((rc = store_cursor_del(c)) != SCIM_OK)
			break;
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
tenant_delete(struct store_txn *t, uint32_t id)
{
	struct json_object	*o;
	struct store_val	 k;
	const char		*name;
	char			 kb[1 + TENANT_NAME_MAX];
	uint8_t			 tb[4], ib[KEYS_TAG_U32_LEN], cb[6];
	size_t			 i;
	int			 rc;

	if ((rc = tenant_record(t, id, &o)) != SCIM_OK)
		return (rc);
	name = json_object_get_string(json_object_object_get(o, "name"));
	util_put_be32(tb, id);
	for (i = 0; i < sizeof(tenant_dbs) / sizeof(tenant_dbs[0]); i++)
		if ((rc = delete_prefix(t, tenant_dbs[i], tb)) != SCIM_OK)
			goto done;
	if ((rc = token_delete_tenant(t, id)) != SCIM_OK)
		goto done;
	kb[0] = 'n';
	strlcpy(kb + 1, name != NULL ? name : "", sizeof(kb) - 1);
	k.sv_data = kb;
	k.sv_len = 1 + strlen(kb + 1);
	if ((rc = store_del(t, STORE_TENANTS, &k, NULL)) != SCIM_OK)
		goto done;
	k = id_key(ib, id);
	if ((rc = store_del(t, STORE_TENANTS, &k, NULL)) != SCIM_OK)
		goto done;
	for (i = 0; schema_types[i] != NULL; i++) {
		k = keys_count(cb, id, schema_types[i]->rt_tag);
		if ((rc = store_del(t, STORE_META, &k, NULL)) != SCIM_OK &&
		    rc != SCIM_ENOTFOUND)
			goto done;
	}
	rc = SCIM_OK;
 done:
	json_object_put(o);
	return (rc);
}

int
tenant_each(struct store_txn *t,
    void (*fn)(uint32_t, const char *, int64_t, void *), void *arg)
{
	struct store_cursor	*c;
	struct store_val	 key = { "i", 1 }, k, v;
	struct json_object	*o;
	int			 rc;

	if ((rc = store_cursor_open(t, STORE_TENANTS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, &key, &k, &v); rc == SCIM_OK &&
	    k.sv_len == 5 && ((const char *)k.sv_data)[0] == 'i';
	    rc = store_cursor_next(c, &k, &v)) {
		if ((o = jsonutil_load(v.sv_data, v.sv_len)) == NULL)
			continue;
		fn(util_get_be32((const uint8_t *)k.sv_data + 1),
		    json_object_get_string(json_object_object_get(o, "name")),
		    json_object_get_int64(json_object_object_get(o,
		    "created")), arg);
		json_object_put(o);
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}
