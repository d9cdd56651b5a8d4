/*
 * The PostgreSQL schema (store_pg.h): the tables holding store_db.h's layout,
 * the counters' sequences, and the versioned migrations that create them.
 * A migration is one transaction; scim_schema_version records each.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "pgconn.h"
#include "store_pg.h"
#include "util.h"

#define PG_SCHEMA_VERSION	6
/* the migration's advisory lock (int4, int4): "scim", 1 */
#define PG_LOCK_MIGRATE		"1935894893, 1"

const struct pg_table pg_dbs[STORE_NDB] = {
	[STORE_META]		= { "scim_meta", 0, 1 },
	[STORE_TENANTS]		= { "scim_tenants", 0, 1 },
	[STORE_TOKENS]		= { "scim_tokens", 0, 1 },
	[STORE_RES]		= { "scim_res", 0, 0 },
	[STORE_ID2R]		= { "scim_id2r", 0, 0 },
	[STORE_IX_USERNAME]	= { "scim_ix_username", 0, 0 },
	[STORE_IX_EMAIL]	= { "scim_ix_email", 1, 0 },
	[STORE_IX_EXTID]	= { "scim_ix_extid", 1, 0 },
	[STORE_IX_GNAME]	= { "scim_ix_gname", 0, 0 },
	[STORE_MEMBERS]		= { "scim_members", 1, 0 },
	[STORE_MEMBEROF]	= { "scim_memberof", 1, 0 },
	[STORE_AUDIT]		= { "scim_audit", 0, 0 },
	[STORE_CLIENTS]		= { "scim_clients", 0, 0 },
	[STORE_EVENTS]		= { "scim_events", 0, 0 },
	[STORE_WEBHOOKS]	= { "scim_webhooks", 0, 0 },
	[STORE_WHSTATE]		= { "scim_whstate", 0, 0 },
};

const char *const pg_counters[PG_NCOUNTERS] = { "rid", "version", "audit",
    "tenant" };
const int pg_counter_step[PG_NCOUNTERS] = { 32, 32, 1, 1 };

/* A statement without a result to keep. */
static int
run(struct pgconn *c, const char *sql)
{
	PGresult	*r;
	int		 rc;

	if ((rc = pgconn_exec(c, -1, sql, 0, NULL, NULL, NULL, &r)) ==
	    SCIM_OK)
		PQclear(r);
	return (rc);
}

/* CREATE TABLE for the databases [from, to), allocated. */
static char *
tables(int from, int to)
{
	char	*sql = xstrdup(""), *tmp;
	int	 db;

	for (db = from; db < to; db++) {
		if (asprintf(&tmp, "%sCREATE TABLE %s (tenant integer NOT NULL, "
		    "k bytea NOT NULL, v bytea NOT NULL, PRIMARY KEY "
		    "(tenant, k%s));\n", sql, pg_dbs[db].table,
		    pg_dbs[db].dup ? ", v" : "") == -1)
			fatalx("out of memory");
		free(sql);
		sql = tmp;
	}
	return (sql);
}

/* Version 1: the tables (up to clients) and sequences of the layout above. */
static char *
migration_1(void)
{
	char	*sql = tables(0, STORE_EVENTS), *tmp;
	size_t	 i;

	for (i = 0; i < PG_NCOUNTERS; i++) {
		if (asprintf(&tmp, "%sCREATE SEQUENCE scim_seq_%s;\n", sql,
		    pg_counters[i]) == -1)
			fatalx("out of memory");
		free(sql);
		sql = tmp;
	}
	/* the writers' lock: one row */
	if (asprintf(&tmp, "%sCREATE TABLE scim_lock (id integer PRIMARY KEY);"
	    "\nINSERT INTO scim_lock VALUES (1);\n", sql) == -1)
		fatalx("out of memory");
	free(sql);
	return (tmp);
}

/* Version 2: the change outbox and the webhook endpoints (issue 16). */
static char *
migration_2(void)
{
	return (tables(STORE_EVENTS, STORE_NDB));
}

/*
 * Version 3: the writers' lock per tenant instead of one for all (a row
 * of scim_tenant_lock per tenant, made by the first writer that locks it),
 * sequences that reserve blocks (pg_counter_step), and the read-only
 * views for a product sharing the database (store_pg_views.c).
 */
static char *
migration_3(void)
{
	char	*sql, *tmp;
	size_t	 i;

	if (asprintf(&sql, "CREATE TABLE scim_tenant_lock (tenant integer "
	    "PRIMARY KEY);\nDROP TABLE scim_lock;\n%s", pg_views_sql) == -1)
		fatalx("out of memory");
	for (i = 0; i < PG_NCOUNTERS; i++) {
		if (pg_counter_step[i] == 1)
			continue;
		if (asprintf(&tmp, "%sALTER SEQUENCE scim_seq_%s INCREMENT BY "
		    "%d;\n", sql, pg_counters[i], pg_counter_step[i]) == -1)
			fatalx("out of memory");
		free(sql);
		sql = tmp;
	}
	return (sql);
}

/* scim_email in PL/pgSQL (store_pg_views.c) */
static char *
migration_4(void)
{
	return (xstrdup(pg_email_plpgsql_sql));
}

/* scim_doc in PL/pgSQL (store_pg_views.c) */
static char *
migration_5(void)
{
	return (xstrdup(pg_doc_plpgsql_sql));
}

/* scim_res's name and email columns (store_pg_views.c) */
static char *
migration_6(void)
{
	return (xstrdup(pg_res_columns_sql));
}

static char *(*const pg_migrations[])(void) = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
	migration_6,
};
#define PG_NMIGRATIONS	(int)(sizeof(pg_migrations) / sizeof(pg_migrations[0]))

static int
schema_version(struct pgconn *c, int *version)
{
	PGresult	*r;
	int		 rc;

	rc = pgconn_exec(c, -1, "SELECT coalesce(max(version), 0)::int4 "
	    "FROM scim_schema_version", 0, NULL, NULL, NULL, &r);
	if (rc != SCIM_OK)
		return (rc);
	*version = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return (SCIM_OK);
}

/*
 * Bring the schema to PG_SCHEMA_VERSION, one transaction a version, under
 * an advisory lock so that instances starting together migrate once.  A
 * migration runs as long as it takes (pool's timeout), but waits for a
 * table's lock only lock_ms: rather fail than hold every reader up.
 */
int
pg_schema_migrate(struct pgpool *pool, int rdonly, int lock_ms, int *version,
    struct scim_errbuf *eb)
{
	struct pgconn	*c;
	char		*body, *all;
	int		 rc, v = 0, i, locked = 0;

	if ((rc = pgpool_acquire(pool, &c)) != SCIM_OK)
		return (scim_err_set(eb, rc, "database: cannot connect"));
	if (!rdonly) {
		/* engines without advisory locks migrate unlocked */
		if (run(c, "SELECT pg_advisory_lock(" PG_LOCK_MIGRATE ")") ==
		    SCIM_OK)
			locked = 1;
		else if (pgconn_broken(c))
			rc = SCIM_EUNAVAIL;
		else
			log_info("database: no advisory locks: migrating "
			    "without one");
		if (rc == SCIM_OK)
			rc = run(c, "CREATE TABLE IF NOT EXISTS "
			    "scim_schema_version (version integer PRIMARY KEY, "
			    "applied timestamptz NOT NULL DEFAULT now())");
	}
	if (rc == SCIM_OK)
		rc = schema_version(c, &v);
	if (rc != SCIM_OK) {
		scim_err_set(eb, rc, "database: cannot read the schema version");
		goto out;
	}
	if (v > PG_SCHEMA_VERSION) {
		rc = scim_err_set(eb, SCIM_ESTORE, "database schema version %d "
		    "is newer than this scimd knows (%d)", v,
		    PG_SCHEMA_VERSION);
		goto out;
	}
	for (i = v; i < PG_NMIGRATIONS && !rdonly; i++) {
		body = pg_migrations[i]();
		if (asprintf(&all, "BEGIN;\nSET LOCAL lock_timeout = %d;\n"
		    "%sINSERT INTO scim_schema_version (version) VALUES (%d);\n"
		    "COMMIT", lock_ms, body, i + 1) == -1)
			fatalx("out of memory");
		free(body);
		rc = run(c, all);
		free(all);
		if (rc != SCIM_OK) {
			run(c, "ROLLBACK");
			scim_err_set(eb, rc, "database: migration to schema "
			    "version %d failed", i + 1);
			goto out;
		}
		log_info("database: schema migrated to version %d", i + 1);
		v = i + 1;
	}
	if (v < PG_SCHEMA_VERSION)
		rc = scim_err_set(eb, SCIM_ESTORE, "database schema version %d "
		    "needs migrating (scimctl migrate)", v);
	*version = v;
 out:
	if (locked && !pgconn_broken(c))
		run(c, "SELECT pg_advisory_unlock(" PG_LOCK_MIGRATE ")");
	pgpool_release(pool, c);
	return (rc);
}
