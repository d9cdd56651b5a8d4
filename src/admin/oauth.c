/*
 * OAuth clients and the token endpoint.  Layout (STORE_CLIENTS):
 *
 *   clients  T client_id  -> JSON {"name", "secret" (hex SHA-256),
 *                                  "created"}
 *
 * client_id is "c" + T in 8 hex digits + "." + 16 random bytes in
 * base64url; the secret is "scimd_cs_" + 32 random bytes in base64url.
 * Both are high-entropy, so a plain SHA-256 is enough to store the secret.
 *
 * The endpoint checks the client in a read transaction and only then
 * queues the token write through the group commit, so failed guesses
 * never reach the writer.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "commit.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "oauth.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"

#define CLIENT_SECRET_PREFIX	"scimd_cs_"
#define FORM_MAX		4096	/* a token request is a few fields */
#define BASIC_MAX		1024

/* --- the store ---------------------------------------------------------- */

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

	if (n < 11 || n >= OAUTH_ID_MAX || id[0] != 'c' || id[9] != '.')
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
	if (klen <= 4 || klen - 4 >= OAUTH_ID_MAX)
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
	uint8_t			 raw[32], hash[32], kb[4 + OAUTH_ID_MAX];
	char			 hex[65];
	const char		*s;
	size_t			 len;
	int			 rc;

	if (tenant == TENANT_ALL || !token_name_ok(name, TOKEN_NAME_MAX - 1 -
	    (sizeof(OAUTH_TOKEN_NAME) - 1)))
		return (SCIM_EINVAL);
	memset(&f, 0, sizeof(f));
	f.fc_name = name;
	if ((rc = oauth_client_each(t, tenant, match_client, &f)) != SCIM_OK)
		return (rc);
	if (f.fc_found)
		return (SCIM_EUNIQUE);

	util_random(raw, 16);
	snprintf(client_id, OAUTH_ID_MAX, "c%08x.", (unsigned)tenant);
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

	strlcpy(tname, OAUTH_TOKEN_NAME, sizeof(tname));
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
	uint8_t			 kb[4 + OAUTH_ID_MAX];
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
	uint8_t			kb[4 + OAUTH_ID_MAX], hash[32];
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
oauth_token_issue(struct store_txn *t, const struct oauth_client *oc,
    int64_t lifetime_ms, char *token)
{
	struct token_info	ti;
	int			rc;

	if ((rc = drop_issued(t, oc->oc_tenant, oc->oc_name, 1, NULL)) !=
	    SCIM_OK)
		return (rc);
	memset(&ti, 0, sizeof(ti));
	token_secret_new(OAUTH_TOKEN_PREFIX, token, ti.ti_hash);
	strlcpy(ti.ti_name, OAUTH_TOKEN_NAME, sizeof(ti.ti_name));
	strlcat(ti.ti_name, oc->oc_name, sizeof(ti.ti_name));
	ti.ti_tenant = oc->oc_tenant;
	ti.ti_created = util_now_ms();
	ti.ti_expires = ti.ti_created + lifetime_ms;
	return (token_put(t, &ti));
}

/* --- POST /oauth2/token --------------------------------------------------- */

struct issue_op {
	struct commit_op	 io_op;
	struct request		*io_rq;
	struct oauth_client	 io_client;
	int64_t			 io_lifetime;	/* ms */
	char			 io_token[TOKEN_SECRET_MAX];
};

/* RFC 6749 section 5.2 error; 401 answers carry WWW-Authenticate. */
static void
oauth_error(struct request *rq, int status, const char *error,
    const char *desc)
{
	char	buf[512];
	int	n;

	if (status == 401)
		request_set_header(rq, "WWW-Authenticate",
		    "Basic realm=\"scimd\"");
	request_set_header(rq, "Content-Type", "application/json");
	request_set_header(rq, "Pragma", "no-cache");
	n = snprintf(buf, sizeof(buf), "{\"error\":\"%s\","
	    "\"error_description\":\"%s\"}", error, desc);
	request_reply_raw(rq, status, buf, (size_t)n, NULL, NULL);
}

static int
issue_apply(struct store_txn *t, struct commit_op *op)
{
	struct issue_op	*io = (struct issue_op *)op;

	return (oauth_token_issue(t, &io->io_client, io->io_lifetime,
	    io->io_token));
}

static void
issue_done(struct commit_op *op, int rc)
{
	struct issue_op		*io = (struct issue_op *)op;
	struct request		*rq = io->io_rq;
	char			 buf[TOKEN_SECRET_MAX + 128];
	int			 n;

	if (rc != SCIM_OK) {
		log_warnx("%s: %s", __func__, scim_err_text(rc));
		oauth_error(rq, 500, "server_error",
		    "the token could not be stored");
	} else {
		n = snprintf(buf, sizeof(buf), "{\"access_token\":\"%s\","
		    "\"token_type\":\"Bearer\",\"expires_in\":%lld}",
		    io->io_token, (long long)(io->io_lifetime / 1000));
		request_set_header(rq, "Content-Type", "application/json");
		request_set_header(rq, "Pragma", "no-cache");
		request_reply_raw(rq, 200, buf, (size_t)n, NULL, NULL);
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	OPENSSL_cleanse(io, sizeof(*io));
	free(io);
}

/* In-place application/x-www-form-urlencoded decoding; -1 if malformed. */
static int
form_decode(char *s)
{
	char	*o = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%') {
			if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 ||
			    (hi == 0 && lo == 0))
				return (-1);
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return (0);
}

struct token_form {
	char	*tf_grant;
	char	*tf_id;
	char	*tf_secret;
};

/* Split buf into the fields we know; -1 on a repeated or malformed one. */
static int
form_parse(char *buf, struct token_form *tf)
{
	char	*pair, *eq, **slot;

	memset(tf, 0, sizeof(*tf));
	while ((pair = strsep(&buf, "&")) != NULL) {
		if (*pair == '\0')
			continue;
		if ((eq = strchr(pair, '=')) != NULL)
			*eq++ = '\0';
		else
			eq = pair + strlen(pair);
		if (form_decode(pair) == -1 || form_decode(eq) == -1)
			return (-1);
		if (strcmp(pair, "grant_type") == 0)
			slot = &tf->tf_grant;
		else if (strcmp(pair, "client_id") == 0)
			slot = &tf->tf_id;
		else if (strcmp(pair, "client_secret") == 0)
			slot = &tf->tf_secret;
		else
			continue;	/* scope and extensions: ignored */
		/* RFC 6749 section 3.2: no parameter more than once */
		if (*slot != NULL)
			return (-1);
		*slot = eq;
	}
	return (0);
}

/*
 * HTTP Basic credentials (RFC 6749 section 2.3.1: both parts are form
 * encoded) into a new buffer holding "id\0secret\0"; NULL when absent.
 * *bad is set when the header is there but malformed.
 */
static char *
basic_parse(struct request *rq, char **id, char **secret, size_t *cap,
    int *bad)
{
	const char	*h = request_header(rq, "Authorization");
	char		*buf, *colon;
	size_t		 n, pad = 0;
	int		 len;

	*bad = 0;
	if (h == NULL)
		return (NULL);
	if (strncasecmp(h, "Basic ", 6) != 0) {
		*bad = 1;
		return (NULL);
	}
	for (h += 6; *h == ' '; h++)
		;
	n = strcspn(h, " ");
	if (n == 0 || n > BASIC_MAX || n % 4 != 0) {
		*bad = 1;
		return (NULL);
	}
	*cap = n / 4 * 3 + 1;
	buf = xmalloc(*cap);
	len = EVP_DecodeBlock((unsigned char *)buf, (const unsigned char *)h,
	    (int)n);
	if (h[n - 1] == '=')
		pad += 1 + (h[n - 2] == '=');
	if (len < 0 || (size_t)len < pad) {
		OPENSSL_cleanse(buf, *cap);
		free(buf);
		*bad = 1;
		return (NULL);
	}
	buf[len - pad] = '\0';
	if (strlen(buf) != (size_t)len - pad ||
	    (colon = strchr(buf, ':')) == NULL) {
		OPENSSL_cleanse(buf, *cap);
		free(buf);
		*bad = 1;
		return (NULL);
	}
	*colon = '\0';
	*id = buf;
	*secret = colon + 1;
	if (form_decode(*id) == -1 || form_decode(*secret) == -1) {
		OPENSSL_cleanse(buf, *cap);
		free(buf);
		*bad = 1;
		return (NULL);
	}
	return (buf);
}

/* 1 when the Content-Type is application/x-www-form-urlencoded. */
static int
form_content_type(struct request *rq)
{
	const char	*ct = request_header(rq, "Content-Type");

	if (ct == NULL)
		return (0);
	while (*ct == ' ')
		ct++;
	return (strcspn(ct, "; \t") == 33 &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0);
}

void
oauth_serve(struct request *rq)
{
	const unsigned char	*in;
	struct token_form	 tf;
	struct store_txn	*t;
	struct issue_op		*io;
	struct oauth_client	 oc;
	char			*body = NULL, *basic = NULL, *bid = NULL;
	char			*bsec = NULL;
	const char		*id, *secret;
	size_t			 len, bcap = 0;
	int			 bad, rc;

	/* copy what is needed, then wipe evhttp's copies of the secrets */
	in = request_body(rq, &len);
	if (len <= FORM_MAX) {
		body = xmalloc(len + 1);
		memcpy(body, in, len);
		body[len] = '\0';
	}
	basic = basic_parse(rq, &bid, &bsec, &bcap, &bad);
	request_wipe_secrets(rq);

	if (rq->rq_method != RQ_POST) {
		request_set_header(rq, "Allow", "POST");
		oauth_error(rq, 405, "invalid_request",
		    "the token endpoint takes POST");
		goto done;
	}
	if (!form_content_type(rq)) {
		oauth_error(rq, 400, "invalid_request", "Content-Type must be "
		    "application/x-www-form-urlencoded");
		goto done;
	}
	if (body == NULL) {
		oauth_error(rq, 400, "invalid_request", "body too large");
		goto done;
	}
	if (strlen(body) != len || form_parse(body, &tf) == -1) {
		oauth_error(rq, 400, "invalid_request",
		    "malformed or repeated form parameter");
		goto done;
	}
	if (bad) {
		oauth_error(rq, 401, "invalid_client",
		    "malformed Authorization header");
		goto done;
	}
	if (tf.tf_grant == NULL) {
		oauth_error(rq, 400, "invalid_request", "grant_type missing");
		goto done;
	}
	if (strcmp(tf.tf_grant, "client_credentials") != 0) {
		oauth_error(rq, 400, "unsupported_grant_type",
		    "only client_credentials is supported");
		goto done;
	}
	/* Entra may send both (its "Header and Body" method): they must agree */
	if (basic != NULL && (tf.tf_id != NULL || tf.tf_secret != NULL) &&
	    (tf.tf_id == NULL || tf.tf_secret == NULL ||
	    strcmp(tf.tf_id, bid) != 0 || strlen(tf.tf_secret) !=
	    strlen(bsec) || CRYPTO_memcmp(tf.tf_secret, bsec,
	    strlen(bsec)) != 0)) {
		oauth_error(rq, 400, "invalid_request",
		    "client credentials in header and body differ");
		goto done;
	}
	id = basic != NULL ? bid : tf.tf_id;
	secret = basic != NULL ? bsec : tf.tf_secret;
	if (id == NULL || secret == NULL) {
		oauth_error(rq, 401, "invalid_client",
		    "client authentication required");
		goto done;
	}
	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		oauth_error(rq, 503, "temporarily_unavailable",
		    "store not readable");
		goto done;
	}
	rc = oauth_client_verify(t, id, secret, strlen(secret), &oc);
	store_abort(t);
	if (rc != SCIM_OK) {
		if (rc == SCIM_EAUTH)
			oauth_error(rq, 401, "invalid_client",
			    "unknown client or wrong secret");
		else
			oauth_error(rq, 500, "server_error", "store error");
		goto done;
	}
	io = xcalloc(1, sizeof(*io));
	io->io_op.co_apply = issue_apply;
	io->io_op.co_done = issue_done;
	io->io_rq = rq;
	io->io_client = oc;
	io->io_lifetime = (int64_t)rq->rq_sd->sd_conf->cf_oauth_lifetime * 1000;
	rq->rq_tenant = oc.oc_tenant;
	OPENSSL_cleanse(&oc, sizeof(oc));
	commit_submit(&io->io_op);	/* issue_done replies */
 done:
	if (body != NULL) {
		OPENSSL_cleanse(body, len + 1);
		free(body);
	}
	if (basic != NULL) {
		OPENSSL_cleanse(basic, bcap);
		free(basic);
	}
}
