/*
 * Writes queued one after another in a transaction, none of whose answers
 * is awaited (pgconn_queue), sent as one statement: each becomes a
 * data-modifying WITH of the next, so the server parses, binds and starts
 * one statement for a create's rows instead of one per table.  Rows of
 * different tables only: the parts of one statement see one snapshot and
 * run in no set order, so two writes of one table could not see each
 * other.  An error in any part fails the whole statement, as the first of
 * the separate writes to fail would have failed the rest of the pipeline.
 */
#ifndef PGMERGE_H
#define PGMERGE_H

#include <stddef.h>

#include <libpq-fe.h>

#define PGMERGE_MAX		8	/* statements in one */
#define PGMERGE_MAXPARAMS	64	/* their parameters together */

struct pgmerge {
	int		 m_n;			/* statements held */
	int		 m_ids[PGMERGE_MAX];
	int		 m_tables[PGMERGE_MAX];
	const char	*m_sql[PGMERGE_MAX];
	int		 m_first[PGMERGE_MAX];	/* its first parameter */
	int		 m_np;			/* parameters held */
	Oid		 m_types[PGMERGE_MAXPARAMS];
	int		 m_lens[PGMERGE_MAXPARAMS];	/* -1: NULL */
	size_t		 m_off[PGMERGE_MAXPARAMS];
	char		*m_buf;			/* the values, copied */
	size_t		 m_len, m_cap;
};

/*
 * 1 if statement sql (of table, n parameters) may join those held: a
 * table not among theirs, room left.  A statement with a WITH of its own
 * never joins.
 */
int	pgmerge_fits(const struct pgmerge *, int table, const char *sql,
	    int n);

/* Hold a statement and a copy of its values (NULL: SQL NULL). */
void	pgmerge_add(struct pgmerge *, int id, int table, const char *sql,
	    int n, const Oid *types, const char *const *vals, const int *lens);

/* The values held, for libpq: vals[] into the copy, NULL for NULL. */
void	pgmerge_values(const struct pgmerge *, const char **vals, int *lens);

/* The one statement doing what those held do, malloc'd; NULL if none. */
char	*pgmerge_sql(const struct pgmerge *);

/* 1 if the statements held are ids[0..n), in that order. */
int	pgmerge_is(const struct pgmerge *, const int *ids, int n);

void	pgmerge_clear(struct pgmerge *);	/* keeps the buffer */
void	pgmerge_free(struct pgmerge *);

#endif /* PGMERGE_H */
