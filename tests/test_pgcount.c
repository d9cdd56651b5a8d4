/*
 * pgcount.c: a write transaction's tenant counters across savepoints.
 * A level rolled back undoes exactly what it changed (sent or kept); a
 * level released hands its changes to the level above, which can still
 * undo them.
 */
#include "scimd.h"

#include <stdint.h>
#include <string.h>

#include "pgcount.h"
#include "tap.h"

/* As store_pg's pg_add keeps an add: known value and pending sum move. */
static void
add(struct pgcounts *p, const char *key, uint64_t d, int depth)
{
	struct pgcount	*c = pgcount_touch(p, key, strlen(key), depth);

	c->pc_pend += d;
	c->pc_val += d;
}

static struct pgcount *
get(struct pgcounts *p, const char *key)
{
	size_t	i;

	for (i = 0; i < p->pcs_n; i++)
		if (p->pcs_c[i].pc_klen == strlen(key) &&
		    memcmp(p->pcs_c[i].pc_key, key, strlen(key)) == 0)
			return (&p->pcs_c[i]);
	return (NULL);
}

static void
test_levels(void)
{
	struct pgcounts	 p;
	struct pgcount	*c;

	memset(&p, 0, sizeof(p));
	/* the root learns "e" = 10 and keeps an add to "n" */
	c = pgcount_touch(&p, "e", 1, 0);
	c->pc_known = 1;
	c->pc_val = 10;
	add(&p, "n", 1, 0);
	ok(p.pcs_nu == 0, "changes at the root save nothing");

	/* a create in savepoint 1, released */
	add(&p, "e", 1, 1);
	add(&p, "n", 1, 1);
	pgcount_release(&p, 1);
	ok(get(&p, "e")->pc_val == 11 && get(&p, "e")->pc_pend == 1 &&
	    get(&p, "n")->pc_pend == 2, "a released level's adds stay");
	ok(p.pcs_nu == 0, "and its saved states go");

	/* a create in savepoint 1 that fails: its adds are undone */
	add(&p, "e", 1, 1);
	add(&p, "e", 1, 1);
	add(&p, "n", 1, 1);
	pgcount_rollback(&p, 1);
	ok(get(&p, "e")->pc_val == 11 && get(&p, "e")->pc_pend == 1 &&
	    get(&p, "n")->pc_pend == 2, "a rolled back level's adds go");

	/* the adds sent inside a level (pending zeroed) come back if it
	 * rolls back: the database undoes the sent statement too */
	c = pgcount_touch(&p, "n", 1, 1);
	c->pc_pend = 0;
	pgcount_rollback(&p, 1);
	ok(get(&p, "n")->pc_pend == 2, "adds sent in a level rolled back: "
	    "kept again");

	/* nested: 2 released into 1, then 1 rolled back */
	add(&p, "e", 1, 1);
	add(&p, "e", 5, 2);
	pgcount_release(&p, 2);
	ok(get(&p, "e")->pc_val == 17, "level 2 released into level 1");
	pgcount_rollback(&p, 1);
	ok(get(&p, "e")->pc_val == 11 && get(&p, "e")->pc_pend == 1,
	    "level 1 rolled back undoes what level 2 handed it");

	/* first changed at depth 2: level 1's state is saved too */
	add(&p, "e", 3, 2);
	pgcount_rollback(&p, 2);
	ok(get(&p, "e")->pc_val == 11, "level 2 rolled back");
	add(&p, "e", 3, 2);
	pgcount_release(&p, 2);
	pgcount_rollback(&p, 1);
	ok(get(&p, "e")->pc_val == 11, "a change first made at depth 2, "
	    "released, is undone by level 1");

	/* a counter born in a level: unknown and empty after its rollback */
	c = pgcount_touch(&p, "x", 1, 1);
	c->pc_known = 1;
	c->pc_val = 40;
	c->pc_pend = 1;
	pgcount_rollback(&p, 1);
	c = get(&p, "x");
	ok(c != NULL && !c->pc_known && c->pc_pend == 0, "a counter learned "
	    "in a level rolled back is unknown again");
	ok(pgcount_touch(&p, "123456789", 9, 0) == NULL,
	    "a key longer than a counter's: not kept");
	ok(p.pcs_nu == 0, "no saved state outlives its level");
	pgcount_free(&p);
}

int
main(void)
{
	plan_lazy();
	test_levels();
	return (done_testing());
}
