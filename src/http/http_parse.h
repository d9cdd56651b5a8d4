/*
 * The pure part of request parsing that server.c does before any handler
 * runs: path decoding, the query string, which area a path belongs to, the
 * segments below /scim/v2, the Host check for base URLs and the body's
 * framing headers.  No evhttp request, no config and no I/O, so
 * fuzz/fuzz_http.c drives it directly.
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stddef.h>

struct evkeyvalq;

#define HTTP_SCIM_PREFIX	"/scim/v2"
#define HTTP_ADMIN_PREFIX	"/admin/v1"

enum http_area {
	HTTP_AREA_NONE,		/* no such endpoint */
	HTTP_AREA_HEALTH,	/* /healthz */
	HTTP_AREA_METRICS,	/* /metrics */
	HTTP_AREA_ADMIN,	/* /admin/v1 and below */
	HTTP_AREA_OAUTH,	/* /oauth2/token */
	HTTP_AREA_SCIM		/* /scim/v2 and below */
};

/* The path below /scim/v2, split at its first two slashes. */
struct http_path {
	const char	*hp_seg;	/* first segment (leading '/'s skipped) */
	size_t		 hp_seglen;
	const char	*hp_sub;	/* after the first slash; NULL if none
					   or if only a trailing slash */
	size_t		 hp_idlen;	/* length of hp_sub up to its slash */
	int		 hp_id_ok;	/* hp_sub is one segment, maybe with a
					   trailing slash */
};

/* Percent-decoded path, caller frees; NULL if malformed or it holds NUL. */
char		*http_path_decode(const char *path);
/*
 * Decode query ("+" and %20 are spaces, a bare key gets an empty value)
 * into out; SCIM_OK, or if a key or value decodes to a NUL byte
 * SCIM_EFILTER (the filter's value) or SCIM_EINVAL.  On error, out may
 * hold the pairs before the bad one (the caller frees it either way).
 */
int		 http_query_parse(const char *query, struct evkeyvalq *out);
/* Which area a decoded path belongs to; *rest is what follows the prefix. */
enum http_area	 http_area(const char *path, const char **rest);
/* Split rest (what follows /scim/v2); always succeeds. */
void		 http_path_split(const char *rest, struct http_path *hp);
/* 1 if host may be echoed into a base URL (name, IPv4, [IPv6], port). */
int		 http_host_ok(const char *host);
/*
 * 0 if the request headers frame the body ambiguously (RFC 9112 6.3): more
 * than one Content-Length or Transfer-Encoding, both of them, or a
 * Transfer-Encoding other than chunked.  evhttp takes the first header and
 * reads on; a front end may read the other, so the request must not run.
 */
int		 http_framing_ok(struct evkeyvalq *headers);

#endif /* HTTP_PARSE_H */
