/*
 * An import's lines, read in order and prepared (load_prepare: parse,
 * validate, serialise) on worker threads, handed back in file order in
 * chunks.  Preparing is most of an import's CPU and needs no store, so it
 * runs beside the one thread that may write.
 *
 * Memory stays with the thread that allocated it: a line's text is read,
 * and freed, by the caller's thread; a line's item is made, and freed, by
 * the worker that prepared it (lines_release hands the chunk back for
 * that).  A malloc arena freed into from another thread costs more than
 * the work it would save.
 */
#ifndef LINES_H
#define LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "load.h"

#define LINES_CHUNK	32	/* lines per chunk */

struct lines_line {
	char			*ll_text;	/* NUL-terminated: the caller's */
	size_t			 ll_len;	/* without the line end */
	size_t			 ll_no;		/* 1 for the file's first line */
	int			 ll_rc;		/* load_prepare's */
	struct scim_errbuf	 ll_eb;		/* its detail when not SCIM_OK */
	struct load_item	 ll_item;	/* when SCIM_OK */
};

struct lines_chunk {
	size_t			 lc_n;
	struct lines_line	 lc_line[LINES_CHUNK];
	/* the rest is lines.c's */
	int			 lc_state;
	int			 lc_owner;
	size_t			 lc_seq;
};

struct lines;

/*
 * Start reading in with workers threads (at least 1).  A line without a
 * well-formed meta gets version base + its line number.  Blank lines are
 * counted and skipped.
 */
struct lines	*lines_open(FILE *in, int workers, uint64_t version_base);

/*
 * The next chunk in file order, every line prepared; NULL at the end of
 * the input or on a read error (lines_read_error).  Each ll_text is now
 * the caller's to free().
 */
struct lines_chunk *lines_next(struct lines *);

/* Done with chunk's items: its worker frees them. */
void		 lines_release(struct lines *, struct lines_chunk *);

/* Bytes read so far; errno of a failed read, or 0. */
size_t		 lines_bytes(const struct lines *);
int		 lines_read_error(const struct lines *);

/* Stop the workers and free everything not handed out. */
void		 lines_close(struct lines *);

#endif /* LINES_H */
