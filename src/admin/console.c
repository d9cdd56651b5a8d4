/* The admin console's static files under /admin/ (contract in console.h). */
#include "scimd.h"

#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "config.h"
#include "console.h"
#include "error.h"
#include "http_parse.h"
#include "request.h"

#define CONSOLE_PREFIX	"/admin"

/*
 * security: the pages load only their own files and talk only to this
 * origin; nothing inline, no frames, no forms posting elsewhere.
 */
#define CONSOLE_CSP	"default-src 'none'; script-src 'self'; " \
	"style-src 'self'; connect-src 'self'; img-src 'self' data:; " \
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

int
console_match(const char *path)
{
	const char	*rest;
	size_t		 n = sizeof(CONSOLE_PREFIX) - 1;

	if (strncmp(path, CONSOLE_PREFIX, n) != 0 ||
	    (path[n] != '\0' && path[n] != '/'))
		return (0);
	/* the admin API is not the console's */
	return (http_area(path, &rest) != HTTP_AREA_ADMIN);
}

static int
console_enabled(const struct scimd_config *cf)
{
	switch (cf->cf_console) {
	case CONFIG_CONSOLE_ON:
		return (1);
	case CONFIG_CONSOLE_OFF:
		return (0);
	default:
		return (config_is_loopback(cf->cf_listen_host));
	}
}

static const struct console_asset *
asset_find(const char *name)
{
	const struct console_asset	*a;

	if (*name == '\0' || strcmp(name, "/") == 0)
		name = "/index.html";
	for (a = console_assets; a->ca_path != NULL; a++)
		if (strcmp(a->ca_path, name) == 0)
			return (a);
	return (NULL);
}

void
console_serve(struct request *rq)
{
	const struct console_asset	*a;

	if (!console_enabled(rq->rq_sd->sd_conf) || (a = asset_find(rq->rq_path +
	    sizeof(CONSOLE_PREFIX) - 1)) == NULL) {
		request_reply_error(rq, SCIM_ENOTFOUND, "no such endpoint");
		return;
	}
	if (rq->rq_method != RQ_GET && rq->rq_method != RQ_HEAD) {
		request_reply_method(rq, "GET, HEAD");
		return;
	}
	request_set_header(rq, "Content-Type", a->ca_type);
	request_set_header(rq, "Content-Security-Policy", CONSOLE_CSP);
	request_set_header(rq, "X-Content-Type-Options", "nosniff");
	request_set_header(rq, "X-Frame-Options", "DENY");
	request_set_header(rq, "Referrer-Policy", "no-referrer");
	request_set_header(rq, "Cross-Origin-Opener-Policy", "same-origin");
	request_set_header(rq, "Cross-Origin-Resource-Policy", "same-origin");
	/* reply() adds Cache-Control: no-store to every response */
	request_reply_raw(rq, 200, (const char *)a->ca_data, a->ca_len, NULL,
	    NULL);
}
