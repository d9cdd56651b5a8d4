/*
 * SIGHUP: re-read the configuration file scimd was started with and apply
 * what can change while it runs (log level, limits, page sizes, timeouts,
 * rate limits, audit retention, base_url, metrics exposure).  A key that
 * needs a restart is reported and keeps its running value; a file with
 * errors is reported line by line and the running configuration stays.
 */
#ifndef RELOAD_H
#define RELOAD_H

struct scimd_config;

/*
 * Reload cur (the configuration server.c reads) from cur->cf_file.  With
 * debug set (-v), the log level stays at debug.  Returns 0, or -1 when the
 * file could not be used (nothing changed then).
 */
int	reload_config(struct scimd_config *cur, int debug);

#endif /* RELOAD_H */
