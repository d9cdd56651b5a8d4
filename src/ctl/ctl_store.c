/* scimctl verify, stats, backup: the store as a whole. */
#include "scimd.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "error.h"
#include "index.h"
#include "keys.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "tenant.h"
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
cmd_verify(struct ctl *c, int argc, char **argv)
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

struct tenant_count {
	uint32_t	tc_id;
	size_t		tc_users;
	size_t		tc_groups;
	size_t		tc_other;
};

/* Resources per tenant and type: a walk over every key of res. */
static void
stats_tenants(struct store_txn *t)
{
	struct store_cursor	*cur;
	struct store_val	 k, v;
	struct tenant_count	*tc = NULL;
	const uint8_t		*kp;
	char			 name[TENANT_NAME_MAX + 1];
	size_t			 n = 0, i;
	uint32_t		 id;
	int			 rc;

	if (store_cursor_open(t, STORE_RES, &cur) != SCIM_OK)
		return;
	for (rc = store_cursor_seek(cur, NULL, &k, &v); rc == SCIM_OK;
	    rc = store_cursor_next(cur, &k, &v)) {
		if (k.sv_len != KEYS_RES_LEN)
			continue;
		kp = k.sv_data;
		id = util_get_be32(kp);
		/* keys sort by tenant first: a new tenant is a new row */
		if (n == 0 || tc[n - 1].tc_id != id) {
			tc = xrealloc(tc, (n + 1) * sizeof(*tc));
			memset(&tc[n], 0, sizeof(*tc));
			tc[n++].tc_id = id;
		}
		if (kp[4] == RT_TAG_USER)
			tc[n - 1].tc_users++;
		else if (kp[4] == RT_TAG_GROUP)
			tc[n - 1].tc_groups++;
		else
			tc[n - 1].tc_other++;
	}
	store_cursor_close(cur);
	printf("\n%-24s %10s %10s\n", "TENANT", "USERS", "GROUPS");
	for (i = 0; i < n; i++) {
		if (tenant_name(t, tc[i].tc_id, name, sizeof(name)) != SCIM_OK)
			snprintf(name, sizeof(name), "#%u", tc[i].tc_id);
		printf("%-24s %10zu %10zu\n", name, tc[i].tc_users,
		    tc[i].tc_groups);
	}
	free(tc);
}

int
cmd_stats(struct ctl *c, int argc, char **argv)
{
	static const struct { enum store_db db; const char *name; } dbs[] = {
		{ STORE_RES, "resources" }, { STORE_ID2R, "ids" },
		{ STORE_IX_USERNAME, "userName index" },
		{ STORE_IX_EMAIL, "email index" },
		{ STORE_IX_EXTID, "externalId index" },
		{ STORE_IX_GNAME, "group name index" },
		{ STORE_MEMBERS, "memberships" }, { STORE_AUDIT, "audit" },
		{ STORE_EVENTS, "events" }, { STORE_TOKENS, "tokens" },
	};
	struct store_txn	*t;
	size_t			 i, n, nres = 0, used, map;

	ctl_open(c);
	t = ctl_begin(c, 0);
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		if (store_entries(t, dbs[i].db, &n) != SCIM_OK)
			n = 0;
		printf("%-18s %zu\n", dbs[i].name, n);
		if (dbs[i].db == STORE_RES)
			nres = n;
	}
	store_usage(c->c_store, &used, &map);
	if (map == 0)		/* a database server: no map */
		printf("%-18s %zu bytes\n", "database size", used);
	else
		printf("%-18s %zu of %zu bytes (%.1f%%)\n", "map use", used,
		    map, 100.0 * (double)used / (double)map);
	/* everything a resource brings (indexes, audit, events) included */
	if (nres > 0)
		printf("%-18s %zu bytes\n", "per resource", used / nres);
	stats_tenants(t);
	store_abort(t);
	return (0);
}

int
cmd_backup(struct ctl *c, int argc, char **argv)
{
	struct scim_errbuf	eb;

	if (argc != 1)
		ctl_usage();
	ctl_open(c);
	/* LMDB copies into an existing directory */
	if (mkdir(argv[0], 0700) == -1 && errno != EEXIST)
		fatal("%s", argv[0]);
	eb.eb_msg[0] = '\0';
	if (store_backup(c->c_store, argv[0], &eb) != SCIM_OK)
		fatalx("%s", eb.eb_msg);
	fprintf(stderr, "backup written to %s\n", argv[0]);
	return (0);
}

/* Opening the store migrates it; say to which version. */
int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	ctl_open(c);
	if (c->c_conf.cf_database != NULL)
		printf("database schema at version %d\n",
		    store_version(c->c_store));
	else
		printf("LMDB store format %d: nothing to migrate\n",
		    store_version(c->c_store));
	return (0);
}
