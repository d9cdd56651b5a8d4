/* scimctl token create|list|revoke. */
#include "scimd.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

static void
print_token(const struct token_info *ti, void *arg)
{
	struct store_txn	*t = arg;
	char			 created[40], used[40], exp[40], tn[TENANT_NAME_MAX + 1];

	ctl_fmt_time(ti->ti_created, created, sizeof(created));
	ctl_fmt_time(ti->ti_last_used, used, sizeof(used));
	ctl_fmt_time(ti->ti_expires, exp, sizeof(exp));
	if (ti->ti_tenant == TENANT_ALL)
		strlcpy(tn, "*", sizeof(tn));
	else if (tenant_name(t, ti->ti_tenant, tn, sizeof(tn)) != SCIM_OK)
		strlcpy(tn, "?", sizeof(tn));
	printf("%-24s %-12s %-6s %-24s %-24s %s\n", ti->ti_name, tn,
	    ti->ti_admin ? "admin" : "scim", created, used, exp);
}

int
cmd_token(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	char			 secret[TOKEN_SECRET_MAX];
	int64_t			 expires = 0;
	int			 rc;

	if (argc < 1)
		ctl_usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2) {
		if (c->c_all && !c->c_admin)
			fatalx("--all-tenants needs --admin");
		if (c->c_expires_days > 0)
			expires = util_now_ms() + c->c_expires_days * 86400000LL;
		t = ctl_begin(c, 1);
		rc = token_create(t, argv[1], ctl_tenant_of(c, t), c->c_admin,
		    expires, secret);
		if (rc == SCIM_EUNIQUE)
			fatalx("a token named \"%s\" exists already", argv[1]);
		if (rc == SCIM_EINVAL)
			fatalx("bad token name \"%s\" (use A-Z a-z 0-9 . _ -)",
			    argv[1]);
		if (rc != SCIM_OK)
			fatalx("token create: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "token \"%s\" created for tenant \"%s\"%s; "
		    "it is shown once:\n", argv[1], c->c_all ? "*" :
		    c->c_tenant, c->c_admin ? " (admin)" : "");
		printf("%s\n", secret);
		OPENSSL_cleanse(secret, sizeof(secret));
		return (0);
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1) {
		t = ctl_begin(c, 0);
		printf("%-24s %-12s %-6s %-24s %-24s %s\n", "NAME", "TENANT",
		    "KIND", "CREATED", "LAST USED", "EXPIRES");
		rc = token_each(t, c->c_all || c->c_tenant == NULL ?
		    TENANT_ALL : ctl_tenant_of(c, t), print_token, t);
		store_abort(t);
		return (rc == SCIM_OK ? 0 : 1);
	}
	if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		t = ctl_begin(c, 1);
		rc = token_revoke(t, argv[1], ctl_tenant_of(c, t));
		if (rc == SCIM_ENOTFOUND)
			fatalx("no token \"%s\"", argv[1]);
		if (rc != SCIM_OK)
			fatalx("token revoke: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "token \"%s\" revoked\n", argv[1]);
		return (0);
	}
	ctl_usage();
}
