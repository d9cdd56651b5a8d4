/*
 * scimd.conf: one "key = value" per line, "#" comments, blank lines
 * ignored.  Every key, its type and default live in the table in config.c;
 * etc/scimd.conf lists them all (a test checks that).  Errors name
 * file:line and are all reported before config_load fails.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "filter.h"

enum config_durability {
	CONFIG_DURABLE_FULL,	/* fsync every commit (default) */
	CONFIG_DURABLE_NOMETASYNC,	/* may lose the last commit on power loss */
	CONFIG_DURABLE_NOSYNC	/* may lose recent commits on power loss */
};

enum config_metrics {
	CONFIG_METRICS_LOOPBACK,	/* only peers on 127.0.0.0/8 or ::1 */
	CONFIG_METRICS_ANY,
	CONFIG_METRICS_OFF		/* /metrics answers 404 */
};

enum config_console {
	CONFIG_CONSOLE_AUTO,	/* served when listen is a loopback address */
	CONFIG_CONSOLE_ON,
	CONFIG_CONSOLE_OFF	/* /admin/ answers 404 */
};

struct scimd_config {
	char			*cf_file;		/* path it was read from */
	char			*cf_listen_host;	/* listen = HOST:PORT */
	int			 cf_listen_port;
	char			*cf_data_dir;		/* data_dir */
	size_t			 cf_map_size;		/* map_size */
	char			*cf_database;		/* database (libpq) */
	int			 cf_database_pool;	/* database_pool */
	int			 cf_database_timeout;	/* database_timeout (s) */
	size_t			 cf_max_body;		/* max_body */
	size_t			 cf_max_headers;	/* max_headers */
	size_t			 cf_max_url;		/* max_url */
	int			 cf_max_connections;	/* max_connections */
	int			 cf_timeout;		/* timeout (seconds) */
	int			 cf_page_size;		/* page_size */
	int			 cf_max_page_size;	/* max_page_size */
	struct filter_limits	 cf_filter;		/* filter_max_length/_depth/_terms */
	int			 cf_json_depth;		/* json_max_depth */
	size_t			 cf_max_patch_ops;	/* max_patch_operations */
	size_t			 cf_bulk_max_ops;	/* bulk_max_operations */
	size_t			 cf_bulk_max_payload;	/* bulk_max_payload */
	int			 cf_log_level;		/* log_level (LOG_LVL_*) */
	int			 cf_access_log;		/* access_log */
	int			 cf_patch_status;	/* user_patch_status: 200 or 204 */
	enum config_durability	 cf_durability;		/* durability */
	int			 cf_commit_max;		/* commit_batch_max */
	char			*cf_base_url;		/* base_url, or NULL (from Host) */
	char			*cf_tls_cert;		/* tls_cert */
	char			*cf_tls_key;		/* tls_key */
	int			 cf_allow_plaintext;	/* allow_plaintext */
	char			*cf_user;		/* user (drop root to) */
	double			 cf_rate;		/* rate_limit (req/s per token, 0 off) */
	int			 cf_rate_burst;		/* rate_burst */
	int			 cf_oauth_lifetime;	/* oauth_token_lifetime (s) */
	int			 cf_audit_days;		/* audit_retention_days (0 keep) */
	size_t			 cf_audit_max;		/* audit_max_records (0 no cap) */
	int			 cf_metrics_allow;	/* metrics_allow (CONFIG_METRICS_*) */
	int			 cf_shutdown_timeout;	/* shutdown_timeout (seconds) */
	int			 cf_console;		/* console (CONFIG_CONSOLE_*) */
	int			 cf_event_retention;	/* event_retention (s, 0 keep) */
	int			 cf_webhook_allow_http;	/* webhook_allow_http */
	int			 cf_webhook_concurrency; /* webhook_concurrency */
	int			 cf_webhook_retry_for;	/* webhook_retry_for (s) */
	int			 cf_webhook_timeout;	/* webhook_timeout (s) */
};

/* Fill c with every default (strings are allocated). */
void	config_defaults(struct scimd_config *c);

/*
 * Read file into c (which config_load initialises with the defaults first).
 * Each error is logged as "file:line: message"; returns 0, or -1 after the
 * whole file was read when any line was wrong or the file cannot be read.
 */
int	config_load(const char *file, struct scimd_config *c);

/* Parse config text from memory (for tests and fuzzing); name is for messages. */
int	config_load_buf(const char *name, const char *buf, size_t len,
	    struct scimd_config *c);

void	config_free(struct scimd_config *c);

/* 1 when host (a listen address) is localhost, 127.0.0.0/8 or ::1. */
int	config_is_loopback(const char *host);

/*
 * SIGHUP: copy into cur every setting of next that differs and can change
 * while scimd runs, and log it; for a changed setting that needs a restart
 * (listen, data_dir, map_size, ...), log "key X changed: restart to apply"
 * and keep cur's value.  next is left as it was (free it as usual).
 * Returns the number of settings applied.
 */
int	config_apply(struct scimd_config *cur, const struct scimd_config *next);

/*
 * Every key config.c knows, NULL-terminated, so tests can check that the
 * sample file and the man page mention each one.
 */
extern const char *const config_keys[];

#endif /* CONFIG_H */
