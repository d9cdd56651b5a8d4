/*
 * pgmerge.c: queued writes of different tables held with copies of their
 * values and merged into one statement, parameters renumbered in order.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include "pgbatch.h"
#include "pgmerge.h"
#include "tap.h"

#define BYTEA	17
#define INT4	23

static const Oid	types[3] = { INT4, BYTEA, BYTEA };

static void
add3(struct pgmerge *m, int id, int table, const char *sql, char *k,
    const char *v)
{
	const char	*vals[3] = { "\0\0\0\1", k, v };
	int		 lens[3] = { 4, (int)strlen(k), v != NULL ?
			    (int)strlen(v) : 0 };

	pgmerge_add(m, id, table, sql, 3, types, vals, lens);
}

static void
test_sql(void)
{
	struct pgmerge	 m;
	char		*sql, key[8];
	const char	*vals[PGMERGE_MAXPARAMS];
	int		 lens[PGMERGE_MAXPARAMS], ids[2] = { 7, 9 };

	memset(&m, 0, sizeof(m));
	ok(pgmerge_sql(&m) == NULL, "nothing held: no statement");
	strcpy(key, "ka");
	add3(&m, 7, 1, "INSERT INTO a (t, k, v) VALUES ($1, $2, $3)", key,
	    "va");
	strcpy(key, "XX");	/* the caller's buffer is reused at once */
	ok(pgmerge_fits(&m, 2, "INSERT INTO b VALUES ($1)", 1),
	    "another table fits");
	ok(!pgmerge_fits(&m, 1, "DELETE FROM a WHERE k = $1", 1),
	    "a second write of the same table does not");
	ok(!pgmerge_fits(&m, 3, "WITH x AS (SELECT 1) INSERT INTO c "
	    "SELECT * FROM x", 0), "a statement with a WITH does not");
	ok(!pgmerge_fits(&m, -1, "INSERT INTO d VALUES ($1)", 1),
	    "a statement of no table does not");
	add3(&m, 9, 2, "INSERT INTO b (t, k, v) VALUES ($1, $2, "
	    "convert_to('$1 a', 'UTF8') || $3) ON CONFLICT DO NOTHING", "kb",
	    NULL);
	sql = pgmerge_sql(&m);
	is_str("WITH m0 AS (INSERT INTO a (t, k, v) VALUES ($1, $2, $3)) "
	    "INSERT INTO b (t, k, v) VALUES ($4, $5, convert_to('$1 a', "
	    "'UTF8') || $6) ON CONFLICT DO NOTHING", sql,
	    "two writes: one WITH, parameters after the first's, quotes kept");
	free(sql);
	ok(pgmerge_is(&m, ids, 2) && !pgmerge_is(&m, ids, 1),
	    "held: exactly ids 7, 9");
	pgmerge_values(&m, vals, lens);
	ok(m.m_np == 6 && lens[1] == 2 && memcmp(vals[1], "ka", 2) == 0,
	    "the first key is a copy, not the caller's buffer");
	ok(vals[5] == NULL && vals[4] != NULL && memcmp(vals[4], "kb", 2) ==
	    0, "a NULL value stays NULL");
	ok(m.m_types[3] == INT4 && m.m_types[5] == BYTEA,
	    "types follow their parameters");
	add3(&m, 11, 3, "INSERT INTO c (t, k, v) VALUES ($1, $2, $3)", "kc",
	    "");
	sql = pgmerge_sql(&m);
	is_str("WITH m0 AS (INSERT INTO a (t, k, v) VALUES ($1, $2, $3)), "
	    "m1 AS (INSERT INTO b (t, k, v) VALUES ($4, $5, convert_to('$1 "
	    "a', 'UTF8') || $6) ON CONFLICT DO NOTHING) INSERT INTO c (t, k, "
	    "v) VALUES ($7, $8, $9)", sql, "three writes: two WITHs");
	free(sql);
	pgmerge_values(&m, vals, lens);
	ok(vals[8] != NULL && lens[8] == 0, "an empty value is not NULL");
	pgmerge_clear(&m);
	ok(m.m_n == 0 && pgmerge_fits(&m, 1, "INSERT INTO a VALUES ($1)", 1),
	    "cleared: the same table fits again");
	add3(&m, 7, 1, "INSERT INTO a (t, k, v) VALUES ($1, $4, $3)", "k",
	    "v");
	ok(pgmerge_sql(&m) == NULL, "a parameter past the statement's own: "
	    "no merge");
	pgmerge_free(&m);
}

static void
test_full(void)
{
	struct pgmerge	m;
	int		i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < PGMERGE_MAX; i++)
		add3(&m, i, i, "INSERT INTO a VALUES ($1, $2, $3)", "k", "v");
	ok(!pgmerge_fits(&m, PGMERGE_MAX, "INSERT INTO z VALUES ($1)", 1),
	    "PGMERGE_MAX statements: full");
	pgmerge_clear(&m);
	for (i = 0; i + 3 <= PGMERGE_MAXPARAMS && i < PGMERGE_MAX; i += 3)
		add3(&m, i, i, "INSERT INTO a VALUES ($1, $2, $3)", "k", "v");
	ok(pgmerge_fits(&m, 100, "INSERT INTO z VALUES ($1)",
	    PGMERGE_MAXPARAMS - m.m_np) && !pgmerge_fits(&m, 100,
	    "INSERT INTO z VALUES ($1)", PGMERGE_MAXPARAMS - m.m_np + 1),
	    "parameters: up to PGMERGE_MAXPARAMS together");
	pgmerge_free(&m);
}

/* pgbatch_sql rewrites its parameters through the same code */
static void
test_batch(void)
{
	Oid	 at[2], t2[2] = { INT4, BYTEA };
	char	*sql;

	sql = pgbatch_sql("SELECT v FROM a WHERE t = $1 AND k = $2 AND "
	    "x <> '$2'", 2, t2, at);
	is_str("SELECT x.o, s.* FROM unnest($1, $2) WITH ORDINALITY AS "
	    "x(p1, p2, o) CROSS JOIN LATERAL (SELECT v FROM a WHERE t = x.p1 "
	    "AND k = x.p2 AND x <> '$2') AS s", sql, "a batch's statement");
	free(sql);
	ok(pgbatch_sql("SELECT $3", 2, t2, at) == NULL,
	    "a batch of a statement naming $3 of 2: none");
}

int
main(void)
{
	plan_lazy();
	test_sql();
	test_full();
	test_batch();
	return (done_testing());
}
