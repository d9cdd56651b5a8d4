/*
 * scimctl: the administration tool.  It opens the same store as a running
 * scimd (the LMDB environment, which is multi-process safe, or the
 * PostgreSQL database), so tokens and tenants change without a restart and
 * take effect on the next request.
 */
#include "scimd.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "config.h"
#include "ctl.h"
#include "error.h"
#include "index.h"
#include "log.h"
#include "store.h"
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
	    "  import [--tenant T] [FILE | -]\n"
	    "  webhook create NAME --url URL [--tenant T] "
	    "[--events user.*,group.*,...]\n"
	    "  webhook list [--tenant T | --all-tenants] [--json]\n"
	    "  webhook revoke NAME [--tenant T]\n"
	    "  webhook replay NAME --since SEQ|TIME [--tenant T]\n"
	    "  webhook test NAME [--tenant T]\n");
	exit(2);
}

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
			ctl_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ctl_usage();
	/* command options may follow the command words */
	{
		char	*words[16];
		int	 nw = 0, i;

		for (i = 0; i < argc; i++) {
			if (ctl_option(&c, argc, argv, &i))
				continue;
			if (strcmp(argv[i], "--expires") == 0 &&
			    i + 1 < argc) {
				c.c_expires_days = strtol(argv[++i], &end, 10);
				if (*end != '\0' || c.c_expires_days <= 0)
					fatalx("--expires takes a number of "
					    "days");
			} else if (strncmp(argv[i], "--", 2) == 0)
				ctl_usage();
			else if (nw < 16)
				words[nw++] = argv[i];
		}
		argc = nw;
		argv = words;
		if (argc < 1)
			ctl_usage();
		if (config_load(file, &c.c_conf) != 0)
			return (1);
		if (c.c_tenant == NULL && strcmp(argv[0], "verify") != 0 &&
		    strcmp(argv[0], "audit") != 0 &&
		    !((strcmp(argv[0], "token") == 0 ||
		    strcmp(argv[0], "client") == 0) && argc > 1 &&
		    strcmp(argv[1], "list") == 0))
			c.c_tenant = TENANT_DEFAULT;
		if (strcmp(argv[0], "token") == 0)
			rc = cmd_token(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "tenant") == 0)
			rc = cmd_tenant(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "client") == 0)
			rc = cmd_client(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "verify") == 0 && argc == 1)
			rc = cmd_verify(&c);
		else if (strcmp(argv[0], "stats") == 0 && argc == 1)
			rc = cmd_stats(&c);
		else if (strcmp(argv[0], "migrate") == 0 && argc == 1)
			rc = cmd_migrate(&c);
		else if (strcmp(argv[0], "backup") == 0)
			rc = cmd_backup(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "audit") == 0)
			rc = cmd_audit(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "restore") == 0)
			rc = cmd_restore(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "export") == 0)
			rc = cmd_export(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "import") == 0)
			rc = cmd_import(&c, argc - 1, argv + 1);
		else if (strcmp(argv[0], "webhook") == 0)
			rc = cmd_webhook(&c, argc - 1, argv + 1);
		else
			ctl_usage();
	}
	store_close(c.c_store);
	config_free(&c.c_conf);
	return (rc);
}
