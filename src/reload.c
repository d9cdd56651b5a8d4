/*
 * SIGHUP handling.  It runs from the event loop (evsignal), between
 * requests, so swapping values in the configuration every handler reads
 * through server_conf needs no locking: no request sees half a reload.
 */
#include "scimd.h"

#include <event2/http.h>

#include "config.h"
#include "log.h"
#include "reload.h"
#include "server.h"

/*
 * TLS material: certificates are renewed in place, so this runs on every
 * SIGHUP, changed paths or not.  tls.c provides tls_reload(); until then
 * tls_cert and tls_key are restart-only keys (CF_RESTART in config.c).
 */
static void
reload_tls(struct scimd_config *cur)
{
	(void)cur;	/* call tls_reload(cur) here */
}

/* Limits evhttp enforces itself are copies: set them again. */
static void
reload_http(const struct scimd_config *c)
{
	struct evhttp	*h = server_evhttp();

	if (h == NULL)
		return;
	/* same slack as server_init: read_body() answers with a SCIM 413 */
	evhttp_set_max_body_size(h, (ev_ssize_t)(c->cf_max_body * 2 + 4096));
	evhttp_set_max_headers_size(h, (ev_ssize_t)c->cf_max_headers);
	evhttp_set_timeout(h, c->cf_timeout);
}

int
reload_config(struct scimd_config *cur, int debug)
{
	struct scimd_config	next;
	int			n;

	log_info("SIGHUP: reloading %s", cur->cf_file);
	if (config_load(cur->cf_file, &next) != 0) {
		log_warnx("%s: not reloaded, the running configuration stays",
		    cur->cf_file);
		config_free(&next);
		return (-1);
	}
	n = config_apply(cur, &next);
	config_free(&next);
	log_setlevel(debug ? LOG_LVL_DEBUG : cur->cf_log_level);
	reload_http(cur);
	reload_tls(cur);
	log_info("SIGHUP: %d setting(s) changed", n);
	return (0);
}
