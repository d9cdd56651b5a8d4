/*
 * SQL text of a prepared statement rewritten into a bigger one (pgbatch.h,
 * pgmerge.h): the statement's parameters $1..$n renamed, everything else
 * copied as it is.
 */
#ifndef PGTEXT_H
#define PGTEXT_H

#include <stdio.h>

/*
 * Write sql to out with each parameter $i (1 <= i <= n) written as
 * fmt's expansion of i + off ("x.p%d", "$%d").  Text in single quotes is
 * copied unchanged.  0, or -1 when sql names a parameter past $n.
 */
int	pgtext_params(FILE *out, const char *sql, int n, const char *fmt,
	    int off);

/*
 * A statement written into memory: pgtext_open, the writes, then
 * pgtext_close, which returns the text (malloc'd), or NULL if failed.
 */
FILE	*pgtext_open(char **buf, size_t *len);
char	*pgtext_close(FILE *out, char **buf, int failed);

#endif /* PGTEXT_H */
