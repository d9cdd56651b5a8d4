/*
 * scimctl's shared state and helpers; each command group lives in its own
 * ctl_*.c file.  Helpers exit with a one-line message on failure: scimctl
 * is a command-line tool, and a half-done command is worse than none.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct store;
struct store_txn;

struct ctl {
	struct scimd_config	 c_conf;
	struct store		*c_store;
	const char		*c_tenant;	/* --tenant, default "default" */
	int			 c_admin;	/* --admin */
	int			 c_all;		/* --all-tenants */
	long			 c_expires_days;	/* --expires */
	int			 c_json;	/* --json */
	/* audit */
	const char		*c_since;	/* --since T */
	const char		*c_until;	/* --until T */
	const char		*c_action;	/* --action A */
	const char		*c_status;	/* --status S */
	const char		*c_target;	/* --target X */
	const char		*c_initiator;	/* --initiator N */
	const char		*c_limit;	/* --limit N */
	int			 c_csv;		/* --csv */
	int			 c_follow;	/* --follow */
	int			 c_progress;	/* --progress */
	/* webhook */
	const char		*c_url;		/* --url URL */
	const char		*c_events;	/* --events LIST */
};

/* Print the usage of every command and exit 2. */
void	ctl_usage(void) __attribute__((noreturn));
/* Open the store of the configuration (creating the default tenant). */
void	ctl_open(struct ctl *);
void	ctl_ensure_default(struct ctl *);
struct store_txn *ctl_begin(struct ctl *, int rw);
void	ctl_commit(struct store_txn *);
/* Tenant id of --tenant (default "default"), TENANT_ALL with --all-tenants. */
uint32_t ctl_tenant_of(struct ctl *, struct store_txn *);
void	ctl_fmt_time(int64_t ms, char *buf, size_t len);

/* The commands, each given the words after its name. */
int	cmd_token(struct ctl *, int argc, char **argv);
int	cmd_tenant(struct ctl *, int argc, char **argv);
int	cmd_client(struct ctl *, int argc, char **argv);
int	cmd_verify(struct ctl *, int argc, char **argv);
int	cmd_stats(struct ctl *, int argc, char **argv);
int	cmd_migrate(struct ctl *, int argc, char **argv);
int	cmd_backup(struct ctl *, int argc, char **argv);
int	cmd_audit(struct ctl *, int argc, char **argv);
int	cmd_restore(struct ctl *, int argc, char **argv);
int	cmd_export(struct ctl *, int argc, char **argv);
int	cmd_import(struct ctl *, int argc, char **argv);
int	cmd_webhook(struct ctl *, int argc, char **argv);

#endif /* CTL_H */
