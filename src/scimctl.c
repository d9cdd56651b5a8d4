/*
 * scimctl: the administration tool.  It opens the same LMDB environment
 * as a running scimd (LMDB is multi-process safe), so tokens and tenants
 * change without a restart and take effect on the next request.
 */
#include "scimd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "config.h"
#include "error.h"
#include "index.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"

struct ctl {
	struct scimd_config	 c_conf;
	struct store		*c_store;
	const char		*c_tenant;	/* --tenant, default "default" */
	int			 c_admin;	/* --admin */
	int			 c_all;		/* --all-tenants */
	long			 c_expires_days;	/* --expires */
	int			 c_json;	/* --json */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: scimctl [-c file] command [args]\n"
	    "  token create NAME [--tenant T] [--admin [--all-tenants]] "
	    "[--expires DAYS]\n"
	    "  token list [--tenant T | --all-tenants]\n"
	    "  token revoke NAME [--tenant T | --all-tenants]\n"
	    "  tenant create NAME | tenant list | tenant delete NAME\n"
	    "  verify [--tenant T]\n"
	    "  stats\n"
	    "  backup DIR\n");
	exit(2);
}

static void	ensure_default(struct ctl *);

static void
ctl_open(struct ctl *c)
{
	struct scim_errbuf	eb;

	eb.eb_msg[0] = '\0';
	if (store_open(c->c_conf.cf_data_dir, c->c_conf.cf_map_size, 0,
	    &c->c_store, &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	ensure_default(c);
}

static struct store_txn *
begin(struct ctl *c, int rw)
{
	struct store_txn	*t;
	int			 rc;

	if ((rc = store_begin(c->c_store, rw, &t)) != SCIM_OK)
		fatalx("store: %s", scim_err_text(rc));
	return (t);
}

static void
commit(struct store_txn *t)
{
	int	rc;

	if ((rc = store_commit(t)) != SCIM_OK)
		fatalx("commit: %s", scim_err_text(rc));
}

/* Tenant id for --tenant (or default); TENANT_ALL with --all-tenants. */
static uint32_t
tenant_of(struct ctl *c, struct store_txn *t)
{
	uint32_t	id;

	if (c->c_all)
		return (TENANT_ALL);
	if (tenant_lookup(t, c->c_tenant, &id) != SCIM_OK)
		fatalx("no tenant \"%s\"", c->c_tenant);
	return (id);
}

/* A store scimd never opened still gets its default tenant. */
static void
ensure_default(struct ctl *c)
{
	struct store_txn	*t;
	uint32_t		 id;

	t = begin(c, 1);
	if (tenant_lookup(t, TENANT_DEFAULT, &id) == SCIM_ENOTFOUND &&
	    tenant_create(t, TENANT_DEFAULT, &id) != SCIM_OK)
		fatalx("cannot create the default tenant");
	commit(t);
}

static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		strlcpy(buf, "never", len);
	else
		util_time_fmt(ms, buf, len);
}

static void
print_token(const struct token_info *ti, void *arg)
{
	struct store_txn	*t = arg;
	char			 created[40], used[40], exp[40], tn[TENANT_NAME_MAX + 1];

	fmt_time(ti->ti_created, created, sizeof(created));
	fmt_time(ti->ti_last_used, used, sizeof(used));
	fmt_time(ti->ti_expires, exp, sizeof(exp));
	if (ti->ti_tenant == TENANT_ALL)
		strlcpy(tn, "*", sizeof(tn));
	else if (tenant_name(t, ti->ti_tenant, tn, sizeof(tn)) != SCIM_OK)
		strlcpy(tn, "?", sizeof(tn));
	printf("%-24s %-12s %-6s %-24s %-24s %s\n", ti->ti_name, tn,
	    ti->ti_admin ? "admin" : "scim", created, used, exp);
}

static int
cmd_token(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	char			 secret[TOKEN_SECRET_MAX];
	int64_t			 expires = 0;
	int			 rc;

	if (argc < 1)
		usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2) {
		if (c->c_all && !c->c_admin)
			fatalx("--all-tenants needs --admin");
		if (c->c_expires_days > 0)
			expires = util_now_ms() + c->c_expires_days * 86400000LL;
		t = begin(c, 1);
		rc = token_create(t, argv[1], tenant_of(c, t), c->c_admin,
		    expires, secret);
		if (rc == SCIM_EUNIQUE)
			fatalx("a token named \"%s\" exists already", argv[1]);
		if (rc == SCIM_EINVAL)
			fatalx("bad token name \"%s\" (use A-Z a-z 0-9 . _ -)",
			    argv[1]);
		if (rc != SCIM_OK)
			fatalx("token create: %s", scim_err_text(rc));
		commit(t);
		fprintf(stderr, "token \"%s\" created for tenant \"%s\"%s; "
		    "it is shown once:\n", argv[1], c->c_all ? "*" :
		    c->c_tenant, c->c_admin ? " (admin)" : "");
		printf("%s\n", secret);
		OPENSSL_cleanse(secret, sizeof(secret));
		return (0);
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1) {
		t = begin(c, 0);
		printf("%-24s %-12s %-6s %-24s %-24s %s\n", "NAME", "TENANT",
		    "KIND", "CREATED", "LAST USED", "EXPIRES");
		rc = token_each(t, c->c_all || c->c_tenant == NULL ?
		    TENANT_ALL : tenant_of(c, t), print_token, t);
		store_abort(t);
		return (rc == SCIM_OK ? 0 : 1);
	}
	if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		t = begin(c, 1);
		rc = token_revoke(t, argv[1], tenant_of(c, t));
		if (rc == SCIM_ENOTFOUND)
			fatalx("no token \"%s\"", argv[1]);
		if (rc != SCIM_OK)
			fatalx("token revoke: %s", scim_err_text(rc));
		commit(t);
		fprintf(stderr, "token \"%s\" revoked\n", argv[1]);
		return (0);
	}
	usage();
}

static void
print_tenant(uint32_t id, const char *name, int64_t created, void *arg)
{
	char	when[40];

	fmt_time(created, when, sizeof(when));
	printf("%-8u %-24s %s\n", id, name, when);
}

static int
cmd_tenant(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	uint32_t		 id;
	int			 rc;

	if (argc < 1)
		usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2) {
		t = begin(c, 1);
		rc = tenant_create(t, argv[1], &id);
		if (rc == SCIM_EUNIQUE)
			fatalx("tenant \"%s\" exists already", argv[1]);
		if (rc != SCIM_OK)
			fatalx("tenant create: %s", scim_err_text(rc));
		commit(t);
		printf("%s\n", argv[1]);
		return (0);
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1) {
		t = begin(c, 0);
		printf("%-8s %-24s %s\n", "ID", "NAME", "CREATED");
		rc = tenant_each(t, print_tenant, NULL);
		store_abort(t);
		return (rc == SCIM_OK ? 0 : 1);
	}
	if (strcmp(argv[0], "delete") == 0 && argc == 2) {
		t = begin(c, 1);
		if (tenant_lookup(t, argv[1], &id) != SCIM_OK)
			fatalx("no tenant \"%s\"", argv[1]);
		if ((rc = tenant_delete(t, id)) != SCIM_OK)
			fatalx("tenant delete: %s", scim_err_text(rc));
		commit(t);
		fprintf(stderr, "tenant \"%s\" and all its data deleted\n",
		    argv[1]);
		return (0);
	}
	usage();
}

struct tenant_ids {
	uint32_t	ids[1024];
	size_t		n;
};

static void
collect_tenant(uint32_t id, const char *name, int64_t created, void *arg)
{
	struct tenant_ids	*ti = arg;

	if (ti->n < 1024)
		ti->ids[ti->n++] = id;
}

static int
cmd_verify(struct ctl *c)
{
	struct store_txn	*t;
	struct tenant_ids	 ids;
	size_t			 i, bad, total = 0;
	int			 rc;

	ctl_open(c);
	t = begin(c, 0);
	ids.n = 0;
	if (c->c_tenant != NULL)
		ids.ids[ids.n++] = tenant_of(c, t);
	else if ((rc = tenant_each(t, collect_tenant, &ids)) != SCIM_OK)
		fatalx("verify: %s", scim_err_text(rc));
	for (i = 0; i < ids.n; i++) {
		if ((rc = index_verify(t, ids.ids[i], &bad)) != SCIM_OK)
			fatalx("verify: %s", scim_err_text(rc));
		total += bad;
	}
	store_abort(t);
	if (total > 0) {
		printf("verify: %zu problem(s) found\n", total);
		return (1);
	}
	printf("verify: indexes match the stored resources\n");
	return (0);
}

static int
cmd_stats(struct ctl *c)
{
	static const struct { enum store_db db; const char *name; } dbs[] = {
		{ STORE_RES, "resources" }, { STORE_ID2R, "ids" },
		{ STORE_IX_USERNAME, "userName index" },
		{ STORE_IX_EMAIL, "email index" },
		{ STORE_IX_EXTID, "externalId index" },
		{ STORE_IX_GNAME, "group name index" },
		{ STORE_MEMBERS, "memberships" }, { STORE_AUDIT, "audit" },
		{ STORE_TOKENS, "tokens" },
	};
	struct store_txn	*t;
	size_t			 i, n, used, map;

	ctl_open(c);
	t = begin(c, 0);
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		if (store_entries(t, dbs[i].db, &n) != SCIM_OK)
			n = 0;
		printf("%-18s %zu\n", dbs[i].name, n);
	}
	store_abort(t);
	store_usage(c->c_store, &used, &map);
	printf("%-18s %zu of %zu bytes (%.1f%%)\n", "map use", used, map,
	    map ? 100.0 * (double)used / (double)map : 0.0);
	return (0);
}

static int
cmd_backup(struct ctl *c, int argc, char **argv)
{
	struct scim_errbuf	eb;

	if (argc != 1)
		usage();
	ctl_open(c);
	eb.eb_msg[0] = '\0';
	if (store_backup(c->c_store, argv[0], &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	fprintf(stderr, "backup written to %s\n", argv[0]);
	return (0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "tenant", required_argument, NULL, 'T' },
		{ "admin", no_argument, NULL, 'A' },
		{ "all-tenants", no_argument, NULL, 'a' },
		{ "expires", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl	 c;
	const char	*file = "/etc/scimd/scimd.conf";
	char		*end;
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	log_init("scimctl", LOG_LVL_WARN);
	/* "+" keeps options after the command for the command's parser */
	while ((ch = getopt_long(argc, argv, "+c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			file = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	/* command options may follow the command words */
	{
		char	*words[16];
		int	 nw = 0, i;

		for (i = 0; i < argc; i++) {
			if (strcmp(argv[i], "--admin") == 0)
				c.c_admin = 1;
			else if (strcmp(argv[i], "--all-tenants") == 0)
				c.c_all = 1;
			else if (strcmp(argv[i], "--json") == 0)
				c.c_json = 1;
			else if (strcmp(argv[i], "--tenant") == 0 &&
			    i + 1 < argc)
				c.c_tenant = argv[++i];
			else if (strcmp(argv[i], "--expires") == 0 &&
			    i + 1 < argc) {
				c.c_expires_days = strtol(argv[++i], &end, 10);
				if (*end != '\0' || c.c_expires_days <= 0)
					fatalx("--expires takes a number of "
					    "days");
			} else if (strncmp(argv[i], "--", 2) == 0)
				usage();
			else if (nw < 16)
				words[nw++] = argv[i];
		}
		argc = nw;
		argv = words;
		if (config_load(file, &c.c_conf) != 0)
			return (1);
		if (c.c_tenant == NULL && strcmp(argv[0], "verify") != 0 &&
		    !(strcmp(argv[0], "token") == 0 && argc > 1 &&
		    strcmp(argv[1], "list") == 0))
			c.c_tenant = TENANT_DEFAULT;
		if (strcmp(argv[0], "token") == 0)
			rc = cmd_token(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "tenant") == 0)
			rc = cmd_tenant(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "verify") == 0 && argc == 1)
			rc = cmd_verify(&c);
		else if (strcmp(argv[0], "stats") == 0 && argc == 1)
			rc = cmd_stats(&c);
		else if (strcmp(argv[0], "backup") == 0)
			rc = cmd_backup(&c, argc - 1, argv + 1);
		else
			usage();
	}
	store_close(c.c_store);
	config_free(&c.c_conf);
	return (rc);
}
