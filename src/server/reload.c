/*
 * SIGHUP handling.  It runs from the event loop (evsignal), between
 * requests, so swapping values in the configuration every handler reads
 * through sd_conf needs no locking: no request sees half a reload.
 */
#include "scimd.h"

#include "config.h"
#include "log.h"
#include "reload.h"
#include "server.h"

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
	server_apply_limits(cur);
	log_info("SIGHUP: %d setting(s) changed", n);
	return (0);
}
