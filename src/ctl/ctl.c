/* Helpers shared by the scimctl commands. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

void __attribute__((noreturn))
ctl_usage(void)
{
	fprintf(stderr,
	    "usage: scimctl [-c file] command [args]\n"
	    "  token create NAME [--tenant T] [--admin [--all-tenants]] "
	    "[--expires DAYS]\n"
	    "  token list [--tenant T | --all-tenants]\n"
	    "  token revoke NAME [--tenant T | --all-tenants]\n"
	    "  tenant create NAME | tenant list | tenant delete NAME\n"
	    "  client create NAME [--tenant T] | client list [--tenant T] | "
	    "client revoke NAME [--tenant T]\n"
	    "  verify [--tenant T]\n"
	    "  stats\n"
	    "  migrate\n"
	    "  backup DIR\n"
	    "  restore DIR\n"
	    "  export [--tenant T] [FILE | -]\n"
	    "  import [--tenant T] [--progress] [FILE | -]\n"
	    "  webhook create NAME --url URL [--tenant T] "
	    "[--events user.*,group.*,...]\n"
	    "  webhook list [--tenant T | --all-tenants] [--json]\n"
	    "  webhook revoke NAME [--tenant T]\n"
	    "  webhook replay NAME --since SEQ|TIME [--tenant T]\n"
	    "  webhook test NAME [--tenant T]\n");
	exit(2);
}

void
ctl_open(struct ctl *c)
{
	struct scim_errbuf	eb;
	struct store_params	sp;

	eb.eb_msg[0] = '\0';
	store_params_from_config(&c->c_conf, 0, &sp);
	if (store_open(&sp, &c->c_store, &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	ctl_ensure_default(c);
}

struct store_txn *
ctl_begin(struct ctl *c, int rw)
{
	struct store_txn	*t;
	int			 rc;

	if ((rc = store_begin(c->c_store, rw, &t)) != SCIM_OK)
		fatalx("store: %s", scim_err_text(rc));
	return (t);
}

void
ctl_commit(struct store_txn *t)
{
	int	rc;

	if ((rc = store_commit(t)) != SCIM_OK)
		fatalx("commit: %s", scim_err_text(rc));
}

/* Tenant id for --tenant (or default); TENANT_ALL with --all-tenants. */
uint32_t
ctl_tenant_of(struct ctl *c, struct store_txn *t)
{
	uint32_t	id;

	if (c->c_all)
		return (TENANT_ALL);
	if (tenant_lookup(t, c->c_tenant, &id) != SCIM_OK)
		fatalx("no tenant \"%s\"", c->c_tenant);
	return (id);
}

/* A store scimd never opened still gets its default tenant. */
void
ctl_ensure_default(struct ctl *c)
{
	struct store_txn	*t;
	uint32_t		 id;

	t = ctl_begin(c, 1);
	if (tenant_lookup(t, TENANT_DEFAULT, &id) == SCIM_ENOTFOUND &&
	    tenant_create(t, TENANT_DEFAULT, &id) != SCIM_OK)
		fatalx("cannot create the default tenant");
	ctl_commit(t);
}

void
ctl_fmt_time(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		strlcpy(buf, "never", len);
	else
		util_time_fmt(ms, buf, len);
}
