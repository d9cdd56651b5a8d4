/*
 * Fuzz what server.c does to a request target before any handler runs:
 * evhttp's URI parser (with the flags evhttp uses for request lines), then
 * http_path_decode, http_area, http_path_split and http_query_parse from
 * src/http/http_parse.c, plus the Host check of base URLs.  Checks that every
 * piece points inside its input and that accepted values hold no NUL.
 */
#include "scimd.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "error.h"
#include "http_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_split(const char *rest)
{
	struct http_path	hp;
	size_t			len = strlen(rest), sublen;

	http_path_split(rest, &hp);
	if (hp.hp_seg < rest || hp.hp_seg + hp.hp_seglen > rest + len ||
	    memchr(hp.hp_seg, '/', hp.hp_seglen) != NULL)
		abort();
	if (hp.hp_sub == NULL) {
		if (hp.hp_id_ok || hp.hp_idlen != 0)
			abort();
		return;
	}
	sublen = strlen(hp.hp_sub);
	if (hp.hp_sub != hp.hp_seg + hp.hp_seglen + 1 ||
	    hp.hp_sub[-1] != '/' || sublen == 0 || hp.hp_idlen > sublen ||
	    memchr(hp.hp_sub, '/', hp.hp_idlen) != NULL)
		abort();
	/* an accepted id is the whole rest, bar one trailing slash */
	if (hp.hp_id_ok && !(hp.hp_idlen == sublen ||
	    (hp.hp_idlen + 1 == sublen && hp.hp_sub[hp.hp_idlen] == '/')))
		abort();
	/* a rejected one has more after its first slash */
	if (!hp.hp_id_ok && (hp.hp_sub[hp.hp_idlen] != '/' ||
	    hp.hp_sub[hp.hp_idlen + 1] == '\0'))
		abort();
}

static void
check_path(const char *path)
{
	const char	*rest;
	enum http_area	 a;

	a = http_area(path, &rest);
	if (rest < path || rest > path + strlen(path))
		abort();
	if (a == HTTP_AREA_SCIM || a == HTTP_AREA_ADMIN) {
		if (*rest != '\0' && *rest != '/')
			abort();
	} else if (rest != path)
		abort();
	if (a == HTTP_AREA_SCIM)
		check_split(rest);
	check_split(path);	/* odd bytes straight into the splitter */
}

static void
check_query(const char *query)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	int			 rc;

	TAILQ_INIT(&q);
	if ((rc = http_query_parse(query, &q)) == SCIM_OK)
		TAILQ_FOREACH(kv, &q, next)
			if (kv->key == NULL || kv->value == NULL)
				abort();
	if (rc != SCIM_OK && rc != SCIM_EFILTER && rc != SCIM_EINVAL)
		abort();
	evhttp_clear_headers(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evhttp_uri	*uri;
	const char		*p, *q;
	char			*s, *path;
	size_t			 i;

	if (size > 16384)
		return (0);
	s = malloc(size + 1);
	if (s == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';		/* evhttp sees the line up to a NUL */

	/* the request target as evhttp parses a request line */
	if ((uri = evhttp_uri_parse_with_flags(s,
	    EVHTTP_URI_NONCONFORMANT)) != NULL) {
		p = evhttp_uri_get_path(uri);
		if (p == NULL || *p == '\0')
			p = "/";
		if ((path = http_path_decode(p)) != NULL) {
			check_path(path);
			free(path);
		}
		if ((q = evhttp_uri_get_query(uri)) != NULL)
			check_query(q);
		evhttp_uri_free(uri);
	}

	/* the raw bytes as an already decoded path, query and Host */
	check_path(s);
	check_query(s);
	if (http_host_ok(s))
		for (i = 0; s[i] != '\0'; i++)
			if (strchr(".-:[]", s[i]) == NULL &&
			    !((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z')))
				abort();
	free(s);
	return (0);
}
