/*
 * The PostgreSQL schema of store_pg.c (tables, counters, migrations),
 * kept in store_pg_schema.c.
 */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stddef.h>

#include "store_db.h"

struct pgpool;
struct scim_errbuf;

/* One table per store database, in enum store_db order. */
struct pg_table {
	const char	*table;
	int		 dup;		/* duplicate-sorted: (tenant, k, v) */
	int		 global;	/* no tenant prefix: tenant 0 */
};
extern const struct pg_table	 pg_dbs[STORE_NDB];

/* store_next_id's counters, each a sequence scim_seq_NAME. */
#define PG_NCOUNTERS		4
extern const char *const	 pg_counters[PG_NCOUNTERS];
/* Each sequence's increment: the block of values one nextval reserves. */
extern const int		 pg_counter_step[PG_NCOUNTERS];

/* The SQL interface for a product sharing the database (migration 3). */
extern const char		 pg_views_sql[];
extern const char		 pg_email_plpgsql_sql[];	/* migration 4 */
extern const char		 pg_doc_plpgsql_sql[];	/* migration 5 */
extern const char		 pg_res_columns_sql[];	/* migration 6 */

/*
 * Bring the schema to this scimd's version (only check it with rdonly);
 * *version is then the schema's.  SCIM_OK, or an error with a reason in eb.
 */
int	pg_schema_migrate(struct pgpool *, int rdonly, int lock_ms,
	    int *version, struct scim_errbuf *eb);

#endif /* STORE_PG_H */
