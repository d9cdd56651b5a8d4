/*
 * TLS for the listener through OpenSSL and bufferevent_openssl.  One
 * SSL_CTX built from tls_cert/tls_key: TLS 1.2 and 1.3 only, the TLS 1.2
 * cipher suites Entra requires (entra.md section 2.2) in its order, server
 * preference, no compression, no renegotiation.  tls_reload() builds a new
 * context from the same files and uses it for new connections; open
 * connections keep the context they started with (each SSL holds a
 * reference), so a reload drops nothing.
 */
#ifndef TLS_H
#define TLS_H

struct bufferevent;
struct event_base;
struct scimd_config;

/*
 * Load the certificate and key named by conf (nothing to do when tls_cert
 * is unset).  SCIM_OK, or an error after logging why.  Warns when the key
 * file is readable by group or others.
 */
int	tls_init(const struct scimd_config *conf);
/* Rebuild the context from the files; on failure the old one stays. */
int	tls_reload(void);
/* 1 when connections are TLS. */
int	tls_enabled(void);
/*
 * A bufferevent for a connection evhttp is about to accept (fd set later
 * by evhttp): TLS in accepting state, or a plain socket one.  NULL on
 * failure.
 */
struct bufferevent *tls_bufferevent_new(struct event_base *);
void	tls_free(void);

#endif /* TLS_H */
