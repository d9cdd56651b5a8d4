/*
 * Lookups pipelined on a PostgreSQL connection of their own, for
 * store_pg.c: statements that run alone (outside any transaction), from
 * any fiber, many in flight at once.
 */
#ifndef PGLOOKUP_H
#define PGLOOKUP_H

#include <libpq-fe.h>

struct pgpool;
struct pglookup;

/* Lookups on a connection opened from p (a pool of its own: max 1). */
struct pglookup	*pglookup_new(struct pgpool *p);
void		 pglookup_free(struct pglookup *);

/*
 * Run prepared statement id (sql, prepared on first use) alone and wait
 * for its result, as pgconn_exec does.  SCIM_ENOTIMPL when it cannot run
 * here (no event loop, not on a fiber, the connection being opened or
 * unreachable): the caller then takes a connection of its pool.
 */
int		 pglookup_run(struct pglookup *, int id, const char *sql,
		    int n, const Oid *types, const char *const *vals,
		    const int *lens, PGresult **out);

#endif /* PGLOOKUP_H */
