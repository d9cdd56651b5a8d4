/*
 * The SSL_CTX and the per-connection bufferevents.  Reload swaps a global
 * pointer: SSL_new() takes its own reference on the context, so freeing
 * ours after a swap leaves open connections untouched.
 */
#include "scimd.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "tls.h"
#include "util.h"

/* entra.md section 2.2, in Entra's order; TLS 1.3 keeps OpenSSL's suites. */
#define TLS12_CIPHERS							\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"	\
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"		\
	"ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384"

static SSL_CTX	*tls_ctx;
static char	*tls_cert_file;
static char	*tls_key_file;

/* Log OpenSSL's error queue after what, then clear it. */
static void
ssl_errors(const char *what, const char *file)
{
	unsigned long	e;
	char		buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s %s: %s", what, file, buf);
	}
}

static void
key_mode_check(const char *file)
{
	struct stat	st;

	if (stat(file, &st) == -1)
		return;		/* the load reports it */
	if (st.st_mode & (S_IRGRP | S_IROTH))
		log_warnx("tls_key %s is readable by group or others; "
		    "chmod 600 it", file);
}

/* Entra: RSA keys of at least 2048 bits, EC keys of at least 256. */
static void
key_size_check(SSL_CTX *ctx, const char *file)
{
	EVP_PKEY	*pk = SSL_CTX_get0_privatekey(ctx);
	int		 bits;

	if (pk == NULL)
		return;
	bits = EVP_PKEY_get_bits(pk);
	if ((EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && bits < 2048) ||
	    (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC && bits < 256))
		log_warnx("tls_key %s: %d-bit key is below what Entra "
		    "accepts (RSA 2048, EC 256)", file, bits);
}

static SSL_CTX *
ctx_new(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_errors("SSL_CTX_new", "");
		return (NULL);
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		ssl_errors("TLS settings", "");
		goto fail;
	}
	/* OpenSSL 3 refuses client renegotiation unless allowed; be explicit */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_ALLOW_CLIENT_RENEGOTIATION
	SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
#endif
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_errors("tls_cert", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors("tls_key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors("tls_key does not match tls_cert", key);
		goto fail;
	}
	key_size_check(ctx, key);
	return (ctx);
 fail:
	SSL_CTX_free(ctx);
	return (NULL);
}

int
tls_init(const struct scimd_config *conf)
{
	if (conf->cf_tls_cert == NULL || conf->cf_tls_key == NULL)
		return (SCIM_OK);
	free(tls_cert_file);
	free(tls_key_file);
	tls_cert_file = xstrdup(conf->cf_tls_cert);
	tls_key_file = xstrdup(conf->cf_tls_key);
	key_mode_check(tls_key_file);
	if ((tls_ctx = ctx_new(tls_cert_file, tls_key_file)) == NULL)
		return (SCIM_EINVAL);
	log_info("TLS on with %s", tls_cert_file);
	return (SCIM_OK);
}

int
tls_reload(void)
{
	SSL_CTX	*ctx;

	if (tls_ctx == NULL)
		return (SCIM_OK);
	key_mode_check(tls_key_file);
	if ((ctx = ctx_new(tls_cert_file, tls_key_file)) == NULL) {
		log_warnx("TLS reload failed; still serving the previous "
		    "certificate");
		return (SCIM_EINVAL);
	}
	SSL_CTX_free(tls_ctx);	/* live SSL objects keep their reference */
	tls_ctx = ctx;
	log_info("TLS certificate and key reloaded from %s", tls_cert_file);
	return (SCIM_OK);
}

int
tls_enabled(void)
{
	return (tls_ctx != NULL);
}

struct bufferevent *
tls_bufferevent_new(struct event_base *base)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (tls_ctx == NULL)
		return (bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE));
	if ((ssl = SSL_new(tls_ctx)) == NULL) {
		ssl_errors("SSL_new", "");
		return (NULL);
	}
	/* evhttp sets the fd right after this returns */
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return (NULL);	/* whether ssl was freed varies by version */
	/* clients often close without close_notify; that is an EOF */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

void
tls_free(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
	free(tls_cert_file);
	free(tls_key_file);
	tls_cert_file = tls_key_file = NULL;
}
