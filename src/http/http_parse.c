/* Request path, query and Host parsing shared by server.c and the fuzzer. */
#include "scimd.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "error.h"
#include "http_parse.h"
#include "util.h"

char *
http_path_decode(const char *path)
{
	size_t	 len;
	char	*d;

	if ((d = evhttp_uridecode(path, 0, &len)) == NULL)
		return (NULL);
	if (strlen(d) != len) {
		free(d);
		return (NULL);
	}
	return (d);
}

/* Percent-decode s with "+" as space; NULL when it decodes to a NUL byte. */
static char *
query_decode(const char *s)
{
	size_t	 len;
	char	*d = evhttp_uridecode(s, 1, &len);

	if (d != NULL && strlen(d) != len) {
		free(d);
		return (NULL);
	}
	return (d);
}

/*
 * Unlike evhttp_parse_query_str, a bare flag such as ?aadOptscim062020 is
 * kept with an empty value instead of failing the whole request.
 */
int
http_query_parse(const char *query, struct evkeyvalq *out)
{
	const char	*p = query, *amp, *eq;
	char		*k, *v, *raw;
	size_t		 n;
	int		 rc;

	while (*p != '\0') {
		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (n > 0) {
			raw = xstrndup(p, n);
			eq = strchr(raw, '=');
			if (eq != NULL)
				raw[eq - raw] = '\0';
			k = query_decode(raw);
			v = query_decode(eq != NULL ?
			    raw + (eq - raw) + 1 : "");
			free(raw);
			if (k == NULL || v == NULL) {
				rc = k != NULL && strcasecmp(k, "filter") == 0 ?
				    SCIM_EFILTER : SCIM_EINVAL;
				free(k);
				free(v);
				return (rc);
			}
			evhttp_add_header(out, k, v);
			free(k);
			free(v);
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return (SCIM_OK);
}

/* path is prefix exactly, or prefix followed by '/'. */
static int
below(const char *path, const char *prefix, size_t len)
{
	return (strncmp(path, prefix, len) == 0 &&
	    (path[len] == '/' || path[len] == '\0'));
}

enum http_area
http_area(const char *path, const char **rest)
{
	*rest = path;
	if (strcmp(path, "/healthz") == 0)
		return (HTTP_AREA_HEALTH);
	if (strcmp(path, "/metrics") == 0)
		return (HTTP_AREA_METRICS);
	if (below(path, HTTP_ADMIN_PREFIX, sizeof(HTTP_ADMIN_PREFIX) - 1)) {
		*rest = path + sizeof(HTTP_ADMIN_PREFIX) - 1;
		return (HTTP_AREA_ADMIN);
	}
	if (strcmp(path, "/oauth2/token") == 0)
		return (HTTP_AREA_OAUTH);
	if (below(path, HTTP_SCIM_PREFIX, sizeof(HTTP_SCIM_PREFIX) - 1)) {
		*rest = path + sizeof(HTTP_SCIM_PREFIX) - 1;
		return (HTTP_AREA_SCIM);
	}
	return (HTTP_AREA_NONE);
}

void
http_path_split(const char *rest, struct http_path *hp)
{
	const char	*slash, *sub;
	size_t		 n;

	while (*rest == '/')
		rest++;
	hp->hp_seg = rest;
	slash = strchr(rest, '/');
	hp->hp_seglen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (slash != NULL && slash[1] == '\0')
		slash = NULL;		/* tolerate one trailing slash */
	hp->hp_sub = sub = slash != NULL ? slash + 1 : NULL;
	hp->hp_idlen = 0;
	hp->hp_id_ok = 0;
	if (sub == NULL)
		return;
	hp->hp_idlen = strcspn(sub, "/");
	n = strlen(sub);
	/* one segment, or one segment and a single trailing slash */
	hp->hp_id_ok = sub[hp->hp_idlen] == '\0' || hp->hp_idlen + 1 == n;
}

int
http_host_ok(const char *host)
{
	size_t	i;

	if (host == NULL || *host == '\0' || strlen(host) > 255)
		return (0);
	for (i = 0; host[i] != '\0'; i++)
		if (!(host[i] == '.' || host[i] == '-' || host[i] == ':' ||
		    host[i] == '[' || host[i] == ']' ||
		    (host[i] >= '0' && host[i] <= '9') ||
		    (host[i] >= 'a' && host[i] <= 'z') ||
		    (host[i] >= 'A' && host[i] <= 'Z')))
			return (0);	/* never echo odd bytes */
	return (1);
}

int
http_framing_ok(struct evkeyvalq *headers)
{
	struct evkeyval	*kv;
	int		 cl = 0, te = 0;

	TAILQ_FOREACH(kv, headers, next) {
		if (strcasecmp(kv->key, "Content-Length") == 0)
			cl++;
		else if (strcasecmp(kv->key, "Transfer-Encoding") == 0 &&
		    (te++ > 0 || strcasecmp(kv->value, "chunked") != 0))
			return (0);
	}
	return (cl + te <= 1);
}
