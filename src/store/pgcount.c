/*
 * pgcount.c: a write transaction's tenant counters and their undo log
 * (pgcount.h).  A count's state is saved for each open level the first
 * time that level changes it; levels nest, so one change at depth d
 * saves it for every level up to d that had not saved it yet.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include "pgcount.h"
#include "util.h"

static void
undo_push(struct pgcounts *p, int depth, size_t i)
{
	if (p->pcs_nu == p->pcs_capu) {
		p->pcs_capu = p->pcs_capu ? p->pcs_capu * 2 : 8;
		p->pcs_u = xrealloc(p->pcs_u, p->pcs_capu * sizeof(*p->pcs_u));
	}
	p->pcs_u[p->pcs_nu].pu_depth = depth;
	p->pcs_u[p->pcs_nu].pu_idx = i;
	p->pcs_u[p->pcs_nu++].pu_was = p->pcs_c[i];
}

struct pgcount *
pgcount_touch_at(struct pgcounts *p, size_t i, int depth)
{
	struct pgcount	*c = &p->pcs_c[i];

	for (; c->pc_saved < depth; c->pc_saved++)
		undo_push(p, c->pc_saved + 1, i);
	return (c);
}

struct pgcount *
pgcount_touch(struct pgcounts *p, const void *key, size_t len, int depth)
{
	struct pgcount	*c;
	size_t		 i;

	if (len > PGCOUNT_KEY_MAX)
		return (NULL);
	for (i = 0; i < p->pcs_n; i++)
		if (p->pcs_c[i].pc_klen == len &&
		    memcmp(p->pcs_c[i].pc_key, key, len) == 0)
			return (pgcount_touch_at(p, i, depth));
	if (p->pcs_n == p->pcs_cap) {
		p->pcs_cap = p->pcs_cap ? p->pcs_cap * 2 : 4;
		p->pcs_c = xrealloc(p->pcs_c, p->pcs_cap * sizeof(*p->pcs_c));
	}
	/* new: as good as absent (unknown, nothing pending) */
	c = &p->pcs_c[p->pcs_n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->pc_key, key, len);
	c->pc_klen = len;
	return (pgcount_touch_at(p, p->pcs_n - 1, depth));
}

/* Drop the states saved for depth, restoring them first if undo. */
static void
level_end(struct pgcounts *p, int depth, int undo)
{
	struct pgcount	*c;
	size_t		 i, n = 0;

	for (i = 0; i < p->pcs_nu; i++) {
		struct pgcount_undo *u = &p->pcs_u[i];

		if (u->pu_depth < depth) {
			p->pcs_u[n++] = *u;
			continue;
		}
		c = &p->pcs_c[u->pu_idx];
		if (undo && u->pu_depth == depth)
			*c = u->pu_was;
		if (c->pc_saved >= depth)
			c->pc_saved = depth - 1;
	}
	p->pcs_nu = n;
}

void
pgcount_release(struct pgcounts *p, int depth)
{
	level_end(p, depth, 0);
}

void
pgcount_rollback(struct pgcounts *p, int depth)
{
	level_end(p, depth, 1);
}

void
pgcount_free(struct pgcounts *p)
{
	free(p->pcs_c);
	free(p->pcs_u);
	memset(p, 0, sizeof(*p));
}
