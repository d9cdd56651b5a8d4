/*
 * Many runs of one prepared lookup as one statement: the parameters of
 * each run become arrays, unnest() WITH ORDINALITY turns them back into
 * rows, and the lookup runs LATERAL once per row.  The server then parses,
 * plans and starts one statement for a whole batch instead of one per
 * lookup, which is where a point read spends most of its time.  The answer
 * carries each row's run number (1-based) in its first column; pgbatch_split
 * hands each run the rows that are its own, as if it had run alone.
 */
#ifndef PGBATCH_H
#define PGBATCH_H

#include <stddef.h>

#include <libpq-fe.h>

/* At most this many runs in one batch. */
#define PGBATCH_MAX	64

/*
 * The batched form of sql (parameters $1..$n of the types given), malloc'd,
 * and the array types of its parameters in atypes[n]; NULL when it cannot
 * be batched (a parameter of another type, too many parameters).
 */
char	*pgbatch_sql(const char *sql, int n, const Oid *types, Oid *atypes);

/*
 * Parameter i of the batch: the binary array of the values of parameter i
 * of runs vals[0..k) (binary, lens[][i] bytes each), of element type
 * type.  Returns its length; *out is malloc'd.
 */
int	pgbatch_param(Oid type, int i, size_t k, const char *const *const *vals,
	    const int *const *lens, char **out);

/*
 * Split the batch's answer r into out[0..k): run j's rows, in their order,
 * without the run number column.  0, or -1 when r is not a batch's answer
 * (every out[] is NULL then).
 */
int	pgbatch_split(const PGresult *r, size_t k, PGresult **out);

#endif /* PGBATCH_H */
