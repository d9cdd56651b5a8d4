/*
 * Tenants and tokens.  Layouts (STORE_TENANTS and STORE_TOKENS):
 *
 *   tenants  "n" name     -> T (u32 BE)
 *            "i" T        -> JSON {"name", "created"}
 *   tokens   SHA-256      -> JSON {"name", "tenant", "admin", "created",
 *                                  "expires", "last_used"}
 */
#include "scimd.h"

#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "error.h"
#include "keys.h"
#include "schema.h"
#include "store.h"
#include "token.h"
#include "util.h"

/* Every database whose keys start with the tenant id. */
static const enum store_db tenant_dbs[] = {
	STORE_RES, STORE_ID2R, STORE_IX_USERNAME, STORE_IX_EMAIL,
	STORE_IX_EXTID, STORE_IX_GNAME, STORE_MEMBERS, STORE_MEMBEROF,
	STORE_AUDIT, STORE_CLIENTS, STORE_EVENTS, STORE_WEBHOOKS, STORE_WHSTATE,
};

int
token_name_ok(const char *name, size_t max)
{
	size_t	i, n = strlen(name);

	if (n == 0 || n > max)
		return (0);
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return (0);
	}
	return (1);
}

int
tenant_lookup(struct store_txn *t, const char *name, uint32_t *id)
{
	char			kb[1 + TENANT_NAME_MAX];
	struct store_val	k = { kb, 1 + strlen(name) }, v;
	int			rc;

	if (strlen(name) > TENANT_NAME_MAX)
		return (SCIM_ENOTFOUND);
	kb[0] = 'n';
	memcpy(kb + 1, name, strlen(name));
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
	uint8_t			 ib[5], tb[4];
	const char		*s;
	uint64_t		 n;
	size_t			 len;
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
	kb[0] = 'n';
	memcpy(kb + 1, name, strlen(name));
	k.sv_data = kb;
	k.sv_len = 1 + strlen(name);
	util_put_be32(tb, *id);
	v.sv_data = tb;
	v.sv_len = 4;
	if ((rc = store_put(t, STORE_TENANTS, &k, &v, 0)) != SCIM_OK)
		return (rc);
	ib[0] = 'i';
	util_put_be32(ib + 1, *id);
	k.sv_data = ib;
	k.sv_len = 5;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "created",
	    json_object_new_int64(util_now_ms()));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	v.sv_data = s;
	v.sv_len = len;
	rc = store_put(t, STORE_TENANTS, &k, &v, 0);
	json_object_put(o);
	return (rc);
}

static int
tenant_record(struct store_txn *t, uint32_t id, struct json_object **out)
{
	struct store_val	k, v;
	uint8_t			ib[5];
	char			*s;
	int			rc;

	ib[0] = 'i';
	util_put_be32(ib + 1, id);
	k.sv_data = ib;
	k.sv_len = 5;
	if ((rc = store_get(t, STORE_TENANTS, &k, &v)) != SCIM_OK)
		return (rc);
	s = xstrndup(v.sv_data, v.sv_len);
	*out = json_tokener_parse(s);
	free(s);
	return (*out != NULL ? SCIM_OK : SCIM_ESTORE);
}

int
tenant_name(struct store_txn *t, uint32_t id, char *buf, size_t len)
{
	struct json_object	*o;
	const char		*n;
	int			 rc;

	if ((rc = tenant_record(t, id, &o)) != SCIM_OK)
		return (rc);
	n = json_object_get_string(json_object_object_get(o, "name"));
	strlcpy(buf, n != NULL ? n : "", len);
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

struct revoke_arg {
	struct store_txn	*ra_txn;
	uint8_t			 ra_hash[64][32];
	size_t			 ra_n;
	int			 ra_more;
};

static void
collect_token(const struct token_info *ti, void *arg)
{
	struct revoke_arg	*ra = arg;

	if (ra->ra_n < 64)
		memcpy(ra->ra_hash[ra->ra_n++], ti->ti_hash, 32);
	else
		ra->ra_more = 1;
}

int
tenant_delete(struct store_txn *t, uint32_t id)
{
	struct json_object	*o;
	struct revoke_arg	 ra;
	struct store_val	 k;
	const char		*name;
	char			 kb[1 + TENANT_NAME_MAX];
	uint8_t			 tb[4], ib[5], cb[6];
	size_t			 i;
	int			 rc;

	if ((rc = tenant_record(t, id, &o)) != SCIM_OK)
		return (rc);
	name = json_object_get_string(json_object_object_get(o, "name"));
	util_put_be32(tb, id);
	for (i = 0; i < sizeof(tenant_dbs) / sizeof(tenant_dbs[0]); i++)
		if ((rc = delete_prefix(t, tenant_dbs[i], tb)) != SCIM_OK)
			goto done;
	do {
		memset(&ra, 0, sizeof(ra));
		if ((rc = token_each(t, id, collect_token, &ra)) != SCIM_OK)
			goto done;
		for (i = 0; i < ra.ra_n; i++) {
			k.sv_data = ra.ra_hash[i];
			k.sv_len = 32;
			if ((rc = store_del(t, STORE_TOKENS, &k, NULL)) !=
			    SCIM_OK)
				goto done;
		}
	} while (ra.ra_more);
	kb[0] = 'n';
	strlcpy(kb + 1, name != NULL ? name : "", sizeof(kb) - 1);
	k.sv_data = kb;
	k.sv_len = 1 + strlen(kb + 1);
	if ((rc = store_del(t, STORE_TENANTS, &k, NULL)) != SCIM_OK)
		goto done;
	ib[0] = 'i';
	util_put_be32(ib + 1, id);
	k.sv_data = ib;
	k.sv_len = 5;
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
	char			*s;
	int			 rc;

	if ((rc = store_cursor_open(t, STORE_TENANTS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, &key, &k, &v); rc == SCIM_OK &&
	    k.sv_len == 5 && ((const char *)k.sv_data)[0] == 'i';
	    rc = store_cursor_next(c, &k, &v)) {
		s = xstrndup(v.sv_data, v.sv_len);
		o = json_tokener_parse(s);
		free(s);
		if (o == NULL)
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

static int
token_parse(const void *data, size_t len, struct token_info *ti)
{
	struct json_object	*o;
	char			*s = xstrndup(data, len);

	o = json_tokener_parse(s);
	free(s);
	if (o == NULL)
		return (SCIM_ESTORE);
	strlcpy(ti->ti_name, json_object_get_string(json_object_object_get(o,
	    "name")) ?: "", sizeof(ti->ti_name));
	ti->ti_tenant = (uint32_t)json_object_get_int64(
	    json_object_object_get(o, "tenant"));
	ti->ti_admin = json_object_get_boolean(json_object_object_get(o,
	    "admin"));
	ti->ti_created = json_object_get_int64(json_object_object_get(o,
	    "created"));
	ti->ti_expires = json_object_get_int64(json_object_object_get(o,
	    "expires"));
	ti->ti_last_used = json_object_get_int64(json_object_object_get(o,
	    "last_used"));
	json_object_put(o);
	return (SCIM_OK);
}

static int
token_store(struct store_txn *t, const struct token_info *ti)
{
	struct json_object	*o;
	struct store_val	 k = { ti->ti_hash, 32 }, v;
	const char		*s;
	size_t			 len;
	int			 rc;

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(ti->ti_name));
	json_object_object_add(o, "tenant",
	    json_object_new_int64(ti->ti_tenant));
	json_object_object_add(o, "admin",
	    json_object_new_boolean(ti->ti_admin));
	json_object_object_add(o, "created",
	    json_object_new_int64(ti->ti_created));
	json_object_object_add(o, "expires",
	    json_object_new_int64(ti->ti_expires));
	json_object_object_add(o, "last_used",
	    json_object_new_int64(ti->ti_last_used));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	v.sv_data = s;
	v.sv_len = len;
	rc = store_put(t, STORE_TOKENS, &k, &v, 0);
	json_object_put(o);
	return (rc);
}

struct find_name {
	const char	*fn_name;
	uint32_t	 fn_tenant;
	int		 fn_found;
	uint8_t		 fn_hash[32];
};

static void
match_name(const struct token_info *ti, void *arg)
{
	struct find_name	*f = arg;

	if (!f->fn_found && strcmp(ti->ti_name, f->fn_name) == 0 &&
	    ti->ti_tenant == f->fn_tenant) {
		f->fn_found = 1;
		memcpy(f->fn_hash, ti->ti_hash, 32);
	}
}

void
token_secret_new(const char *prefix, char *out, uint8_t hash[32])
{
	uint8_t	raw[32];
	size_t	n = strlen(prefix);

	util_random(raw, sizeof(raw));
	memcpy(out, prefix, n);
	util_b64url(raw, sizeof(raw), out + n);
	OPENSSL_cleanse(raw, sizeof(raw));
	util_sha256(out, strlen(out), hash);
}

int
token_create(struct store_txn *t, const char *name, uint32_t tenant,
    int admin, int64_t expires, char *secret)
{
	struct token_info	ti;
	struct find_name	f = { name, tenant, 0, { 0 } };
	int			rc;

	if (!token_name_ok(name, TOKEN_NAME_MAX - 1))
		return (SCIM_EINVAL);
	if (tenant == TENANT_ALL && !admin)
		return (SCIM_EINVAL);
	if ((rc = token_each(t, tenant, match_name, &f)) != SCIM_OK)
		return (rc);
	if (f.fn_found)
		return (SCIM_EUNIQUE);
	memset(&ti, 0, sizeof(ti));
	token_secret_new(TOKEN_PREFIX, secret, ti.ti_hash);
	strlcpy(ti.ti_name, name, sizeof(ti.ti_name));
	ti.ti_tenant = tenant;
	ti.ti_admin = admin;
	ti.ti_created = util_now_ms();
	ti.ti_expires = expires;
	return (token_store(t, &ti));
}

int
token_find(struct store_txn *t, const char *secret, size_t len,
    struct token_info *ti)
{
	struct store_val	k, v;
	uint8_t			hash[32];
	int			rc;

	memset(ti, 0, sizeof(*ti));
	if (len == 0 || len > 512)
		return (SCIM_EAUTH);
	util_sha256(secret, len, hash);
	k.sv_data = hash;
	k.sv_len = sizeof(hash);
	rc = store_get(t, STORE_TOKENS, &k, &v);
	if (rc == SCIM_ENOTFOUND)
		return (SCIM_EAUTH);
	if (rc != SCIM_OK)
		return (rc);
	if ((rc = token_parse(v.sv_data, v.sv_len, ti)) != SCIM_OK)
		return (rc);
	memcpy(ti->ti_hash, hash, 32);
	/* the B-tree found it by hash; confirm in constant time all the same */
	if (CRYPTO_memcmp(k.sv_data, hash, 32) != 0)
		return (SCIM_EAUTH);
	if (ti->ti_expires != 0 && ti->ti_expires <= util_now_ms())
		return (SCIM_EAUTH);
	return (SCIM_OK);
}

int
token_revoke(struct store_txn *t, const char *name, uint32_t tenant)
{
	struct find_name	f = { name, tenant, 0, { 0 } };
	struct store_val	k;
	int			rc;

	if ((rc = token_each(t, tenant, match_name, &f)) != SCIM_OK)
		return (rc);
	if (!f.fn_found)
		return (SCIM_ENOTFOUND);
	k.sv_data = f.fn_hash;
	k.sv_len = 32;
	return (store_del(t, STORE_TOKENS, &k, NULL));
}

int
token_touch(struct store_txn *t, const uint8_t hash[32], int64_t now)
{
	struct token_info	ti;
	struct store_val	k = { hash, 32 }, v;
	int			rc;

	if ((rc = store_get(t, STORE_TOKENS, &k, &v)) != SCIM_OK)
		return (rc);
	if ((rc = token_parse(v.sv_data, v.sv_len, &ti)) != SCIM_OK)
		return (rc);
	memcpy(ti.ti_hash, hash, 32);
	ti.ti_last_used = now;
	return (token_store(t, &ti));
}

int
token_each(struct store_txn *t, uint32_t tenant,
    void (*fn)(const struct token_info *, void *), void *arg)
{
	struct store_cursor	*c;
	struct store_val	 k, v;
	struct token_info	 ti;
	int			 rc;

	if ((rc = store_cursor_open(t, STORE_TOKENS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, NULL, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next(c, &k, &v)) {
		if (k.sv_len != 32 || token_parse(v.sv_data, v.sv_len, &ti) !=
		    SCIM_OK)
			continue;
		memcpy(ti.ti_hash, k.sv_data, 32);
		if (tenant == TENANT_ALL || ti.ti_tenant == tenant)
			fn(&ti, arg);
	}
	store_cursor_close(c);
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

int
token_put(struct store_txn *t, const struct token_info *ti)
{
	return (token_store(t, ti));
}

int
token_delete(struct store_txn *t, const uint8_t hash[32])
{
	struct store_val	k = { hash, 32 };

	return (store_del(t, STORE_TOKENS, &k, NULL));
}

#define TOKEN_CACHE	64

static struct {
	uint8_t			tc_hash[32];
	struct token_info	tc_ti;
	int			tc_used;
} token_cache[TOKEN_CACHE];
static uint64_t	token_cache_txn;

int
token_find_cached(struct store *s, const char *secret, size_t len,
    struct token_info *ti)
{
	struct store_txn	*t;
	uint8_t			 hash[32];
	uint64_t		 txn = store_txnid(s);
	size_t			 slot;
	int			 rc;

	if (len == 0 || len > 512)
		return (SCIM_EAUTH);
	if (txn != token_cache_txn) {
		OPENSSL_cleanse(token_cache, sizeof(token_cache));
		token_cache_txn = txn;
	}
	util_sha256(secret, len, hash);
	slot = hash[0] % TOKEN_CACHE;
	if (token_cache[slot].tc_used &&
	    CRYPTO_memcmp(token_cache[slot].tc_hash, hash, 32) == 0) {
		*ti = token_cache[slot].tc_ti;
		if (ti->ti_expires != 0 && ti->ti_expires <= util_now_ms())
			return (SCIM_EAUTH);
		return (SCIM_OK);
	}
	if ((rc = store_begin(s, 0, &t)) != SCIM_OK)
		return (rc);
	rc = token_find(t, secret, len, ti);
	store_abort(t);
	/* a store that waits let others run: cache only if nothing changed */
	if (rc == SCIM_OK && store_txnid(s) == txn && txn == token_cache_txn) {
		memcpy(token_cache[slot].tc_hash, hash, 32);
		token_cache[slot].tc_ti = *ti;
		token_cache[slot].tc_used = 1;
	}
	return (rc);
}
