/* scimctl verify, stats, backup: the store as a whole. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "ctl.h"
#include "error.h"
#include "index.h"
#include "log.h"
#include "store.h"
#include "token.h"
#include "util.h"

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

int
cmd_verify(struct ctl *c)
{
	struct store_txn	*t;
	struct tenant_ids	 ids;
	size_t			 i, bad, total = 0;
	int			 rc;

	ctl_open(c);
	t = ctl_begin(c, 0);
	ids.n = 0;
	if (c->c_tenant != NULL)
		ids.ids[ids.n++] = ctl_tenant_of(c, t);
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

int
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
	t = ctl_begin(c, 0);
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

int
cmd_backup(struct ctl *c, int argc, char **argv)
{
	struct scim_errbuf	eb;

	if (argc != 1)
		ctl_usage();
	ctl_open(c);
	eb.eb_msg[0] = '\0';
	if (store_backup(c->c_store, argv[0], &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	fprintf(stderr, "backup written to %s\n", argv[0]);
	return (0);
}
