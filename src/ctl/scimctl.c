/*
 * scimctl: the administration tool.  It opens the same store as a running
 * scimd (the LMDB environment, which is multi-process safe, or the
 * PostgreSQL database), so tokens and tenants change without a restart and
 * take effect on the next request.  This file is main and the table of
 * commands; each command group lives in a ctl_*.c file of its own.
 */
#include "scimd.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "store.h"
#include "tenant.h"

/* The flags commands share; a string flag takes the next word. */
static const struct {
	const char	*o_name;
	size_t		 o_str;		/* offset of a const char * in ctl */
	size_t		 o_flag;	/* offset of an int in ctl */
} ctl_opts[] = {
#define STR(n, f)	{ n, offsetof(struct ctl, f), 0 }
#define FLAG(n, f)	{ n, 0, offsetof(struct ctl, f) }
	FLAG("--admin", c_admin),
	FLAG("--all-tenants", c_all),
	FLAG("--json", c_json),
	FLAG("--csv", c_csv),
	FLAG("--follow", c_follow),
	FLAG("--progress", c_progress),
	STR("--tenant", c_tenant),
	STR("--since", c_since),
	STR("--until", c_until),
	STR("--action", c_action),
	STR("--status", c_status),
	STR("--target", c_target),
	STR("--initiator", c_initiator),
	STR("--limit", c_limit),
	STR("--url", c_url),
	STR("--events", c_events),
#undef STR
#undef FLAG
};

/* Consume argv[*i] (and its value) when it is a known flag: 1, else 0. */
static int
ctl_option(struct ctl *c, int argc, char **argv, int *i)
{
	size_t	n;

	for (n = 0; n < sizeof(ctl_opts) / sizeof(ctl_opts[0]); n++) {
		if (strcmp(argv[*i], ctl_opts[n].o_name) != 0)
			continue;
		if (ctl_opts[n].o_str == 0) {
			*(int *)(void *)((char *)c + ctl_opts[n].o_flag) = 1;
			return (1);
		}
		if (*i + 1 >= argc)
			fatalx("%s needs a value", argv[*i]);
		*(const char **)(void *)((char *)c + ctl_opts[n].o_str) =
		    argv[++*i];
		return (1);
	}
	return (0);
}

/* The commands; cm_words 0: the command takes no words of its own. */
static const struct {
	const char	*cm_name;
	int		(*cm_fn)(struct ctl *, int, char **);
	int		 cm_words;
} ctl_cmds[] = {
	{ "token",	cmd_token,	1 },
	{ "tenant",	cmd_tenant,	1 },
	{ "client",	cmd_client,	1 },
	{ "verify",	cmd_verify,	0 },
	{ "stats",	cmd_stats,	0 },
	{ "migrate",	cmd_migrate,	0 },
	{ "backup",	cmd_backup,	1 },
	{ "audit",	cmd_audit,	1 },
	{ "restore",	cmd_restore,	1 },
	{ "export",	cmd_export,	1 },
	{ "import",	cmd_import,	1 },
	{ "webhook",	cmd_webhook,	1 },
};

/*
 * Take the flags out of argv (they may follow the command words) and leave
 * the words, at most nwords of them, in words; their count is returned.
 */
static int
ctl_words(struct ctl *c, int argc, char **argv, char **words, int nwords)
{
	char	*end;
	int	 nw = 0, i;

	for (i = 0; i < argc; i++) {
		if (ctl_option(c, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc) {
			c->c_expires_days = strtol(argv[++i], &end, 10);
			if (*end != '\0' || c->c_expires_days <= 0)
				fatalx("--expires takes a number of days");
		} else if (strncmp(argv[i], "--", 2) == 0)
			ctl_usage();
		else if (nw < nwords)
			words[nw++] = argv[i];
	}
	return (nw);
}

/*
 * Commands act on the default tenant unless told otherwise, but for those
 * that span every tenant when none is named: verify, audit, the lists.
 */
static int
ctl_spans_tenants(int argc, char **argv)
{
	return (strcmp(argv[0], "verify") == 0 ||
	    strcmp(argv[0], "audit") == 0 ||
	    ((strcmp(argv[0], "token") == 0 ||
	    strcmp(argv[0], "client") == 0) && argc > 1 &&
	    strcmp(argv[1], "list") == 0));
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
	char		*words[16];
	size_t		 i;
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	log_init("scimctl", LOG_LVL_WARN);
	/* "+" keeps options after the command for the command's parser */
	while ((ch = getopt_long(argc, argv, "+c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			file = optarg;
		else
			ctl_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ctl_usage();
	argc = ctl_words(&c, argc, argv, words, 16);
	argv = words;
	if (argc < 1)
		ctl_usage();
	if (config_load(file, &c.c_conf) != 0)
		return (1);
	if (c.c_tenant == NULL && !ctl_spans_tenants(argc, argv))
		c.c_tenant = TENANT_DEFAULT;
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].cm_name) == 0)
			break;
	if (i == sizeof(ctl_cmds) / sizeof(ctl_cmds[0]) ||
	    (!ctl_cmds[i].cm_words && argc != 1))
		ctl_usage();
	rc = ctl_cmds[i].cm_fn(&c, argc - 1, argv + 1);
	store_close(c.c_store);
	config_free(&c.c_conf);
	return (rc);
}
