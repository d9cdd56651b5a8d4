/*
 * A progress line on stderr for scimctl's long commands (export, import,
 * restore): a bar when the total is known, the count, the rate and an ETA.
 * Shown when stderr is a terminal, or when asked for (--progress).
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress {
	int		 pg_on;
	int		 pg_tty;
	const char	*pg_what;
	int64_t		 pg_start;	/* monotonic ms at the start */
	int64_t		 pg_last;	/* monotonic ms of the last redraw */
};

/* Start pg for "what"; force shows it even when stderr is no terminal. */
void	progress_init(struct progress *pg, const char *what, int force);

/*
 * done of total units (total 0: unknown), count resources so far; redrawn
 * at most every 100 ms, and always (ending the line) when final.
 */
void	progress(struct progress *pg, size_t done, size_t total, size_t count,
	    int final);

#endif /* PROGRESS_H */
