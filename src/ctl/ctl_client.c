/* scimctl client create|list|revoke: OAuth clients (oauth_client.h). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "ctl.h"
#include "error.h"
#include "log.h"
#include "oauth_client.h"
#include "store.h"
#include "tenant.h"
#include "token.h"
#include "util.h"

static void
print_client(const struct oauth_client *oc, void *arg)
{
	struct store_txn	*t = arg;
	char			 created[40], tn[TENANT_NAME_MAX + 1];

	ctl_fmt_time(oc->oc_created, created, sizeof(created));
	if (tenant_name(t, oc->oc_tenant, tn, sizeof(tn)) != SCIM_OK)
		strlcpy(tn, "?", sizeof(tn));
	printf("%-24s %-12s %-36s %s\n", oc->oc_name, tn, oc->oc_id, created);
}

int
cmd_client(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	char			 id[OAUTH_CLIENT_ID_MAX],
				 secret[OAUTH_CLIENT_SECRET_MAX];
	size_t			 n;
	int			 rc;

	if (argc < 1)
		ctl_usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2) {
		if (c->c_all || c->c_admin)
			fatalx("a client belongs to one tenant: use --tenant");
		t = ctl_begin(c, 1);
		rc = oauth_client_create(t, ctl_tenant_of(c, t), argv[1], id,
		    secret);
		if (rc == SCIM_EUNIQUE)
			fatalx("a client named \"%s\" exists already", argv[1]);
		if (rc == SCIM_EINVAL)
			fatalx("bad client name \"%s\" (use A-Z a-z 0-9 . _ -)",
			    argv[1]);
		if (rc != SCIM_OK)
			fatalx("client create: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "client \"%s\" created for tenant \"%s\"; the "
		    "secret is shown once:\n", argv[1], c->c_tenant);
		printf("client_id %s\nclient_secret %s\n", id, secret);
		OPENSSL_cleanse(secret, sizeof(secret));
		return (0);
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1) {
		t = ctl_begin(c, 0);
		printf("%-24s %-12s %-36s %s\n", "NAME", "TENANT", "CLIENT_ID",
		    "CREATED");
		rc = oauth_client_each(t, c->c_all || c->c_tenant == NULL ?
		    TENANT_ALL : ctl_tenant_of(c, t), print_client, t);
		store_abort(t);
		return (rc == SCIM_OK ? 0 : 1);
	}
	if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		if (c->c_all)
			fatalx("client revoke needs --tenant, not --all-tenants");
		t = ctl_begin(c, 1);
		rc = oauth_client_revoke(t, ctl_tenant_of(c, t), argv[1], &n);
		if (rc == SCIM_ENOTFOUND)
			fatalx("no client \"%s\"", argv[1]);
		if (rc != SCIM_OK)
			fatalx("client revoke: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "client \"%s\" revoked with %zu issued "
		    "token(s)\n", argv[1], n);
		return (0);
	}
	ctl_usage();
}
