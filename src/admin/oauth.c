/*
 * POST /oauth2/token (oauth.h): the form, the client's credentials from
 * HTTP Basic or the body, and the reply.  The clients and the tokens they
 * get live in the store (oauth_client.c).
 *
 * The endpoint checks the client in a read transaction and only then
 * queues the token write through the group commit, so failed guesses
 * never reach the writer.
 */
#include "scimd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "commit.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "oauth.h"
#include "oauth_client.h"
#include "request.h"
#include "store.h"
#include "token.h"
#include "util.h"

#define FORM_MAX		4096	/* a token request is a few fields */
#define BASIC_MAX		1024

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

	return (oauth_client_issue(t, &io->io_client, io->io_lifetime,
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

/* The byte of the two hex digits at s, or -1. */
static int
pct_byte(const char *s)
{
	char	hex[3];

	/* the first test fails at a NUL: s[1] is read only within s */
	if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
		return (-1);
	hex[0] = s[0];
	hex[1] = s[1];
	hex[2] = '\0';
	return ((int)strtol(hex, NULL, 16));
}

/* In-place application/x-www-form-urlencoded decoding; -1 if malformed. */
static int
form_decode(char *s)
{
	char	*o = s;
	int	 c;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%') {
			if ((c = pct_byte(s + 1)) <= 0)	/* %00 too */
				return (-1);
			*o++ = (char)c;
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

/* What a token request carries, copied out of evhttp's buffers. */
struct token_request {
	char			*tr_body;	/* NUL-ended; NULL if too large */
	size_t			 tr_len;
	char			*tr_basic;	/* HTTP Basic: "id\0secret\0" */
	size_t			 tr_cap;
	char			*tr_bid, *tr_bsec;	/* in tr_basic */
	int			 tr_bad;	/* Authorization malformed */
	struct token_form	 tr_form;	/* in tr_body */
};

/* Copy what is needed, then wipe evhttp's copies of the secrets. */
static void
token_request_read(struct request *rq, struct token_request *tr)
{
	const unsigned char	*in;

	memset(tr, 0, sizeof(*tr));
	in = request_body(rq, &tr->tr_len);
	if (tr->tr_len <= FORM_MAX) {
		tr->tr_body = xmalloc(tr->tr_len + 1);
		if (tr->tr_len > 0)	/* in is NULL for an empty body */
			memcpy(tr->tr_body, in, tr->tr_len);
		tr->tr_body[tr->tr_len] = '\0';
	}
	tr->tr_basic = basic_parse(rq, &tr->tr_bid, &tr->tr_bsec, &tr->tr_cap,
	    &tr->tr_bad);
	request_wipe_secrets(rq);
}

static void
token_request_free(struct token_request *tr)
{
	if (tr->tr_body != NULL) {
		OPENSSL_cleanse(tr->tr_body, tr->tr_len + 1);
		free(tr->tr_body);
	}
	if (tr->tr_basic != NULL) {
		OPENSSL_cleanse(tr->tr_basic, tr->tr_cap);
		free(tr->tr_basic);
	}
}

/*
 * The request's checks in RFC 6749's order and its client's credentials
 * (borrowed from tr); -1 after replying the error.
 */
static int
credentials(struct request *rq, struct token_request *tr, const char **id,
    const char **secret)
{
	struct token_form	*tf = &tr->tr_form;

	if (rq->rq_method != RQ_POST) {
		request_set_header(rq, "Allow", "POST");
		oauth_error(rq, 405, "invalid_request",
		    "the token endpoint takes POST");
		return (-1);
	}
	if (!form_content_type(rq)) {
		oauth_error(rq, 400, "invalid_request", "Content-Type must be "
		    "application/x-www-form-urlencoded");
		return (-1);
	}
	if (tr->tr_body == NULL) {
		oauth_error(rq, 400, "invalid_request", "body too large");
		return (-1);
	}
	if (strlen(tr->tr_body) != tr->tr_len ||
	    form_parse(tr->tr_body, tf) == -1) {
		oauth_error(rq, 400, "invalid_request",
		    "malformed or repeated form parameter");
		return (-1);
	}
	if (tr->tr_bad) {
		oauth_error(rq, 401, "invalid_client",
		    "malformed Authorization header");
		return (-1);
	}
	if (tf->tf_grant == NULL) {
		oauth_error(rq, 400, "invalid_request", "grant_type missing");
		return (-1);
	}
	if (strcmp(tf->tf_grant, "client_credentials") != 0) {
		oauth_error(rq, 400, "unsupported_grant_type",
		    "only client_credentials is supported");
		return (-1);
	}
	/* Entra may send both (its "Header and Body" method): they must agree */
	if (tr->tr_basic != NULL && (tf->tf_id != NULL ||
	    tf->tf_secret != NULL) && (tf->tf_id == NULL ||
	    tf->tf_secret == NULL || strcmp(tf->tf_id, tr->tr_bid) != 0 ||
	    strlen(tf->tf_secret) != strlen(tr->tr_bsec) ||
	    CRYPTO_memcmp(tf->tf_secret, tr->tr_bsec,
	    strlen(tr->tr_bsec)) != 0)) {
		oauth_error(rq, 400, "invalid_request",
		    "client credentials in header and body differ");
		return (-1);
	}
	*id = tr->tr_basic != NULL ? tr->tr_bid : tf->tf_id;
	*secret = tr->tr_basic != NULL ? tr->tr_bsec : tf->tf_secret;
	if (*id == NULL || *secret == NULL) {
		oauth_error(rq, 401, "invalid_client",
		    "client authentication required");
		return (-1);
	}
	return (0);
}

/* Check the client, then queue its new token; issue_done replies. */
static void
issue(struct request *rq, const char *id, const char *secret)
{
	struct store_txn	*t;
	struct issue_op		*io;
	struct oauth_client	 oc;
	int			 rc;

	if ((rc = store_begin(rq->rq_sd->sd_store, 0, &t)) != SCIM_OK) {
		oauth_error(rq, 503, "temporarily_unavailable",
		    "store not readable");
		return;
	}
	rc = oauth_client_verify(t, id, secret, strlen(secret), &oc);
	store_abort(t);
	if (rc != SCIM_OK) {
		if (rc == SCIM_EAUTH)
			oauth_error(rq, 401, "invalid_client",
			    "unknown client or wrong secret");
		else
			oauth_error(rq, 500, "server_error", "store error");
		return;
	}
	io = xcalloc(1, sizeof(*io));
	io->io_op.co_apply = issue_apply;
	io->io_op.co_done = issue_done;
	io->io_rq = rq;
	io->io_client = oc;
	io->io_lifetime = (int64_t)rq->rq_sd->sd_conf->cf_oauth_lifetime * 1000;
	rq->rq_tenant = oc.oc_tenant;
	OPENSSL_cleanse(&oc, sizeof(oc));
	commit_submit(&io->io_op);
}

void
oauth_serve(struct request *rq)
{
	struct token_request	 tr;
	const char		*id, *secret;

	token_request_read(rq, &tr);
	if (credentials(rq, &tr, &id, &secret) == 0)
		issue(rq, id, secret);
	token_request_free(&tr);
}
