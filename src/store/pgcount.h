/*
 * A PostgreSQL write transaction's tenant counters (meta "e" T, "n" T K):
 * what it knows of each and the adds it has not sent yet.  Under the
 * tenant's writers' lock nobody else moves a counter, so an add whose
 * answer the transaction can work out, or whose answer nobody needs, is
 * kept here and sent once, before the commit (or before the transaction
 * reads or writes the meta table).  A savepoint rolled back takes its
 * adds with it: each count's state is saved, once per open savepoint
 * level, the first time the level changes it.
 */
#ifndef PGCOUNT_H
#define PGCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define PGCOUNT_KEY_MAX	8

struct pgcount {
	uint8_t		pc_key[PGCOUNT_KEY_MAX];
	size_t		pc_klen;
	int		pc_known;	/* pc_val is the counter's value */
	uint64_t	pc_val;
	uint64_t	pc_pend;	/* added here, not sent yet */
	int		pc_saved;	/* levels 1..pc_saved hold its state */
};

struct pgcount_undo {
	int		pu_depth;
	size_t		pu_idx;
	struct pgcount	pu_was;
};

struct pgcounts {
	struct pgcount		*pcs_c;
	size_t			 pcs_n, pcs_cap;
	struct pgcount_undo	*pcs_u;
	size_t			 pcs_nu, pcs_capu;
};

/*
 * The count of key (made unknown if new), ready to be changed at savepoint
 * depth (0: the transaction itself); NULL if the key is too long.
 */
struct pgcount	*pgcount_touch(struct pgcounts *, const void *key, size_t len,
		    int depth);
/* Count i, ready to be changed at depth. */
struct pgcount	*pgcount_touch_at(struct pgcounts *, size_t i, int depth);
/* Savepoint level depth is released (its changes pass to the level above)
 * or rolled back (its changes are undone). */
void		 pgcount_release(struct pgcounts *, int depth);
void		 pgcount_rollback(struct pgcounts *, int depth);
void		 pgcount_free(struct pgcounts *);

#endif
