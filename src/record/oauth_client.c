/*
 * OAuth clients in the store (oauth_client.h).  Layout (STORE_CLIENTS):
 *
 *   clients  T client_id  -> JSON {"name", "secret" (hex SHA-256),
 *                                  "created"}
 *
 * client_id is "c" + T in 8 hex digits + "." + 16 random bytes in
 * base64url; the secret is "scimd_cs_" + 32 random bytes in base64url.
 * Both are high-entropy, so a plain SHA-256 is enough to store the secret.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "error.h"
#include "oauth_client.h"
#include "store.h"
#include "token.h"
#include "util.h"

#define CLIENT_SECRET_PREFIX	"scimd_cs_"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Tenant of a client_id, or -1 when it is not shaped like one of ours. */
static int
id_tenant(const char *id, uint32_t *tenant)
{
	size_t		i, n = strlen(id);
	uint32_t	v = 0;

	if (n < 11 || n >= OAUTH_CLIENT_ID_MAX || id[0] != 'c' || id[9] != '.')
		return (-1);
	for (i = 1; i < 9; i++) {
		if (hexval(id[i]) < 0)
			return (-1);
		v = v << 4 | (uint32_t)hexval(id[i]);
	}
	for (i = 10; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '_'))
			return (-1);
	*tenant = v;
	return (0);
}

static struct store_val
client_key(uint8_t *buf, uint32_t tenant, const char *id)
{
	struct store_val	k = { buf, 4 + strlen(id) };

	util_put_be32(buf, tenant);
	memcpy(buf + 4, id, strlen(id));
	return (k);
}

static int
client_parse(const void *key, size_t klen, const void *data, size_t len,
    struct oauth_client *oc)
{
	struct json_object	*o;
	const char		*name, *sec;
	char			*s;
	size_t			 i;

	memset(oc, 0, sizeof(*oc));
	if (klen <= 4 || klen - 4 >= OAUTH_CLIENT_ID_MAX)
		return (SCIM_ESTORE);
	oc->oc_tenant = util_get_be32(key);
	memcpy(oc->oc_id, (const char *)key + 4, klen - 4);
	s = xstrndup(data, len);
	o = json_tokener_parse(s);
	free(s);
	if (o == NULL)
		return (SCIM_ESTORE);
	name = json_object_get_string(json_object_object_get(o, "name"));
	sec = json_object_get_string(json_object_object_get(o, "secret"));
	oc->oc_created = json_object_get_int64(json_object_object_get(o,
	    "created"));
	if (name == NULL || sec == NULL || strlen(sec) != 64) {
		json_object_put(o);
		return (SCIM_ESTORE);
	}
	strlcpy(oc->oc_name, name, sizeof(oc->oc_name));
	for (i = 0; i < 32; i++)
		oc->oc_secret[i] = (uint8_t)(hexval(sec[2 * i]) << 4 |
		    hexval(sec[2 * i + 1]));
	json_object_put(o);
	return (SCIM_OK);
}

int
oauth_client_each(struct store_txn *t, uint32_t tenant,
    void (*fn)(const struct oauth_client *, void *), void *arg)
{
	struct store_cursor	*c;
	struct store_val	 k, v, seek;
	struct oauth_client	 oc;
	uint8_t			 tb[4];
	int			 rc;

	util_put_be32(tb, tenant);
	seek.sv_data = tb;
	seek.sv_len = 4;
	if ((rc = store_cursor_open(t, STORE_CLIENTS, &c)) != SCIM_OK)
		return (rc);
	for (rc = store_cursor_seek(c, tenant == TENANT_ALL ? NULL : &seek,
	    &k, &v); rc == SCIM_OK; rc = store_cursor_next(c, &k, &v)) {
		if (tenant != TENANT_ALL && (k.sv_len < 4 ||
		    memcmp(k.sv_data, tb, 4) != 0))
			break;
		if (client_parse(k.sv_data, k.sv_len, v.sv_data, v.sv_len,
		    &oc) == SCIM_OK)
			fn(&oc, arg);
	}
	store_cursor_close(c);
	OPENSSL_cleanse(&oc, sizeof(oc));
	return (rc == SCIM_ENOTFOUND ? SCIM_OK : rc);
}

struct find_client {
	const char		*fc_name;
	int			 fc_found;
	struct oauth_client	 fc_client;
};

static void
match_client(const struct oauth_client *oc, void *arg)
{
	struct find_client	*f = arg;

	if (!f->fc_found && strcmp(oc->oc_name, f->fc_name) == 0) {
		f->fc_found = 1;
		f->fc_client = *oc;
	}
}

int
oauth_client_create(struct store_txn *t, uint32_t tenant, const char *name,
    char *client_id, char *secret)
{
	struct find_client	 f;
	struct json_object	*o;
	struct store_val	 k, v;
	uint8_t			 raw[32], hash[32], kb[4 + OAUTH_CLIENT_ID_MAX];
	char			 hex[65];
	const char		*s;
	size_t			 len;
	int			 rc;

	if (tenant == TENANT_ALL || !token_name_ok(name, TOKEN_NAME_MAX - 1 -
	    (sizeof(OAUTH_CLIENT_TOKEN_NAME) - 1)))
		return (SCIM_EINVAL);
	memset(&f, 0, sizeof(f));
	f.fc_name = name;
	if ((rc = oauth_client_each(t, tenant, match_client, &f)) != SCIM_OK)
		return (rc);
	if (f.fc_found)
		return (SCIM_EUNIQUE);

	util_random(raw, 16);
	snprintf(client_id, OAUTH_CLIENT_ID_MAX, "c%08x.", (unsigned)tenant);
	util_b64url(raw, 16, client_id + 10);
	OPENSSL_cleanse(raw, sizeof(raw));
	token_secret_new(CLIENT_SECRET_PREFIX, secret, hash);
	util_hex(hash, sizeof(hash), hex);

	if ((o = json_object_new_object()) == NULL)
		return (SCIM_ENOMEM);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "secret", json_object_new_string(hex));
	json_object_object_add(o, "created",
	    json_object_new_int64(util_now_ms()));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	k = client_key(kb, tenant, client_id);
	v.sv_data = s;
	v.sv_len = len;
	rc = store_put(t, STORE_CLIENTS, &k, &v, STORE_NOOVERWRITE);
	json_object_put(o);
	return (rc);
}

struct issued {
	const char	*is_name;	/* "client:NAME" */
	int64_t		 is_now;
	int		 is_expired_only;
	uint8_t		(*is_hash)[32];
	size_t		 is_n, is_cap;
};

static void
collect_issued(const struct token_info *ti, void *arg)
{
	struct issued	*is = arg;

	if (strcmp(ti->ti_name, is->is_name) != 0 || ti->ti_admin)
		return;
	if (is->is_expired_only && (ti->ti_expires == 0 ||
	    ti->ti_expires > is->is_now))
		return;
	if (is->is_n == is->is_cap) {
		is->is_cap = is->is_cap ? is->is_cap * 2 : 16;
		is->is_hash = xrealloc(is->is_hash, is->is_cap * 32);
	}
	memcpy(is->is_hash[is->is_n++], ti->ti_hash, 32);
}

/* Delete the tokens issued to client name of tenant (or the expired ones). */
static int
drop_issued(struct store_txn *t, uint32_t tenant, const char *name,
    int expired_only, size_t *n)
{
	struct issued	 is;
	char		 tname[TOKEN_NAME_MAX];
	size_t		 i;
	int		 rc;

	strlcpy(tname, OAUTH_CLIENT_TOKEN_NAME, sizeof(tname));
	strlcat(tname, name, sizeof(tname));
	memset(&is, 0, sizeof(is));
	is.is_name = tname;
	is.is_now = util_now_ms();
	is.is_expired_only = expired_only;
	rc = token_each(t, tenant, collect_issued, &is);
	for (i = 0; rc == SCIM_OK && i < is.is_n; i++)
		rc = token_delete(t, is.is_hash[i]);
	if (n != NULL)
		*n = is.is_n;
	free(is.is_hash);
	return (rc);
}

int
oauth_client_revoke(struct store_txn *t, uint32_t tenant, const char *name,
    size_t *ntokens)
{
	struct find_client	 f;
	struct store_val	 k;
	uint8_t			 kb[4 + OAUTH_CLIENT_ID_MAX];
	int			 rc;

	memset(&f, 0, sizeof(f));
	f.fc_name = name;
	if ((rc = oauth_client_each(t, tenant, match_client, &f)) != SCIM_OK)
		return (rc);
	if (!f.fc_found)
		return (SCIM_ENOTFOUND);
	k = client_key(kb, f.fc_client.oc_tenant, f.fc_client.oc_id);
	if ((rc = store_del(t, STORE_CLIENTS, &k, NULL)) != SCIM_OK)
		return (rc);
	return (drop_issued(t, f.fc_client.oc_tenant, name, 0, ntokens));
}

int
oauth_client_verify(struct store_txn *t, const char *client_id,
    const char *secret, size_t len, struct oauth_client *oc)
{
	struct store_val	k, v;
	uint8_t			kb[4 + OAUTH_CLIENT_ID_MAX], hash[32];
	uint32_t		tenant;
	int			rc, bad;

	memset(oc, 0, sizeof(*oc));
	/* hash first, so unknown ids cost the same as wrong secrets */
	util_sha256(secret, len, hash);
	if (id_tenant(client_id, &tenant) == -1 || tenant == TENANT_ALL)
		return (SCIM_EAUTH);
	k = client_key(kb, tenant, client_id);
	if ((rc = store_get(t, STORE_CLIENTS, &k, &v)) != SCIM_OK)
		return (rc == SCIM_ENOTFOUND ? SCIM_EAUTH : rc);
	if ((rc = client_parse(k.sv_data, k.sv_len, v.sv_data, v.sv_len,
	    oc)) != SCIM_OK)
		return (rc);
	bad = CRYPTO_memcmp(oc->oc_secret, hash, 32) != 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	if (bad || len == 0) {
		memset(oc, 0, sizeof(*oc));
		return (SCIM_EAUTH);
	}
	return (SCIM_OK);
}

int
oauth_client_issue(struct store_txn *t, const struct oauth_client *oc,
    int64_t lifetime_ms, char *token)
{
	struct token_info	ti;
	int			rc;

	if ((rc = drop_issued(t, oc->oc_tenant, oc->oc_name, 1, NULL)) !=
	    SCIM_OK)
		return (rc);
	memset(&ti, 0, sizeof(ti));
	token_secret_new(OAUTH_CLIENT_TOKEN_PREFIX, token, ti.ti_hash);
	strlcpy(ti.ti_name, OAUTH_CLIENT_TOKEN_NAME, sizeof(ti.ti_name));
	strlcat(ti.ti_name, oc->oc_name, sizeof(ti.ti_name));
	ti.ti_tenant = oc->oc_tenant;
	ti.ti_created = util_now_ms();
	ti.ti_expires = ti.ti_created + lifetime_ms;
	return (token_put(t, &ti));
}
