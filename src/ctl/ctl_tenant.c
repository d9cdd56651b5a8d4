/* scimctl tenant create|list|delete. */
#include "scimd.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "tenant.h"

static void
print_tenant(uint32_t id, const char *name, int64_t created, void *arg)
{
	char	when[40];

	ctl_fmt_time(created, when, sizeof(when));
	printf("%-8u %-24s %s\n", id, name, when);
}

int
cmd_tenant(struct ctl *c, int argc, char **argv)
{
	struct store_txn	*t;
	uint32_t		 id;
	int			 rc;

	if (argc < 1)
		ctl_usage();
	ctl_open(c);
	if (strcmp(argv[0], "create") == 0 && argc == 2) {
		t = ctl_begin(c, 1);
		rc = tenant_create(t, argv[1], &id);
		if (rc == SCIM_EUNIQUE)
			fatalx("tenant \"%s\" exists already", argv[1]);
		if (rc != SCIM_OK)
			fatalx("tenant create: %s", scim_err_text(rc));
		ctl_commit(t);
		printf("%s\n", argv[1]);
		return (0);
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1) {
		t = ctl_begin(c, 0);
		printf("%-8s %-24s %s\n", "ID", "NAME", "CREATED");
		rc = tenant_each(t, print_tenant, NULL);
		store_abort(t);
		return (rc == SCIM_OK ? 0 : 1);
	}
	if (strcmp(argv[0], "delete") == 0 && argc == 2) {
		t = ctl_begin(c, 1);
		if (tenant_lookup(t, argv[1], &id) != SCIM_OK)
			fatalx("no tenant \"%s\"", argv[1]);
		if ((rc = tenant_delete(t, id)) != SCIM_OK)
			fatalx("tenant delete: %s", scim_err_text(rc));
		ctl_commit(t);
		fprintf(stderr, "tenant \"%s\" and all its data deleted\n",
		    argv[1]);
		return (0);
	}
	ctl_usage();
}
