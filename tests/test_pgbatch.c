/*
 * pgbatch.c: a lookup's text batched (its parameters read from unnest's
 * rows), parameters packed as PostgreSQL's binary arrays, and a batch's
 * answer split back into each run's rows.  No server needed: answers are
 * made with libpq's own result constructors.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgbatch.h"
#include "tap.h"
#include "util.h"

static void
test_sql(void)
{
	Oid	 types[3] = { 23, 17, 20 }, at[3] = { 0, 0, 0 }, bad = 25;
	char	*s;

	s = pgbatch_sql("SELECT v FROM t WHERE tenant = $1 AND k = $2 AND "
	    "x = '$2' LIMIT $3", 3, types, at);
	is_str("SELECT x.o, s.* FROM unnest($1, $2, $3) WITH ORDINALITY AS "
	    "x(p1, p2, p3, o) CROSS JOIN LATERAL (SELECT v FROM t WHERE "
	    "tenant = x.p1 AND k = x.p2 AND x = '$2' LIMIT x.p3) AS s", s,
	    "each $i becomes x.pi, not inside a string");
	ok(at[0] == 1007 && at[1] == 1001 && at[2] == 1016,
	    "int4, bytea and int8 travel as int4[], bytea[] and int8[]");
	free(s);
	ok(pgbatch_sql("SELECT $1", 1, &bad, at) == NULL,
	    "a text parameter: not batched");
	ok(pgbatch_sql("SELECT $2", 1, types, at) == NULL,
	    "a parameter the statement does not declare: not batched");
	ok(pgbatch_sql("SELECT 1", 0, types, at) == NULL,
	    "no parameter: nothing to batch on");
	s = pgbatch_sql("SELECT $1 + $1", 1, types, at);
	ok(s != NULL && strstr(s, "(SELECT x.p1 + x.p1)") != NULL,
	    "a parameter used twice is read twice from the row");
	free(s);
}

static void
test_param(void)
{
	const char	*a[2] = { "\x00\x00\x00\x07", "ab" };
	const char	*b[2] = { "\x00\x00\x00\x09", "" };
	const char *const *vals[2] = { a, b };
	int		 la[2] = { 4, 2 }, lb[2] = { 4, 0 };
	const int	*lens[2] = { la, lb };
	char		*out;
	int		 n;
	const uint8_t	*p;

	n = pgbatch_param(23, 0, 2, vals, lens, &out);
	p = (const uint8_t *)out;
	ok(n == 20 + 2 * 8 && util_get_be32(p) == 1 &&
	    util_get_be32(p + 4) == 0 && util_get_be32(p + 8) == 23 &&
	    util_get_be32(p + 12) == 2 && util_get_be32(p + 16) == 1,
	    "array header: one dimension, no NULLs, int4, 2 elements from 1");
	ok(util_get_be32(p + 20) == 4 && util_get_be32(p + 24) == 7 &&
	    util_get_be32(p + 28) == 4 && util_get_be32(p + 32) == 9,
	    "each run's value, in run order, with its length");
	free(out);
	n = pgbatch_param(17, 1, 2, vals, lens, &out);
	p = (const uint8_t *)out;
	ok(n == 20 + 4 + 2 + 4 && util_get_be32(p + 20) == 2 &&
	    memcmp(p + 24, "ab", 2) == 0 && util_get_be32(p + 26) == 0,
	    "bytea values, an empty one as length 0 (not NULL)");
	free(out);
}

/* A batch answer: run number, then a bytea and an int4 column. */
static PGresult *
answer(const uint64_t *runs, const char *const *docs, int n)
{
	PGresAttDesc	 d[3];
	PGresult	*r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	uint8_t		 o[8], four[4];
	int		 i;

	memset(d, 0, sizeof(d));
	d[0].name = "o";
	d[0].format = 1;
	d[0].typid = 20;
	d[1].name = "v";
	d[1].format = 1;
	d[1].typid = 17;
	d[2].name = "n";
	d[2].format = 1;
	d[2].typid = 23;
	PQsetResultAttrs(r, 3, d);
	for (i = 0; i < n; i++) {
		util_put_be64(o, runs[i]);
		util_put_be32(four, (uint32_t)i);
		PQsetvalue(r, i, 0, (char *)o, 8);
		if (docs[i] == NULL)
			PQsetvalue(r, i, 1, NULL, -1);
		else
			PQsetvalue(r, i, 1, (char *)docs[i],
			    (int)strlen(docs[i]));
		PQsetvalue(r, i, 2, (char *)four, 4);
	}
	return (r);
}

static void
test_split(void)
{
	static const uint64_t	 runs[4] = { 1, 3, 3, 1 }, wild[1] = { 4 };
	static const char *const docs[4] = { "a", "b", NULL, "c" };
	PGresult		*r, *out[3];

	r = answer(runs, docs, 4);
	ok(pgbatch_split(r, 3, out) == 0, "an answer splits");
	ok(PQnfields(out[0]) == 2 && strcmp(PQfname(out[0], 0), "v") == 0 &&
	    PQftype(out[0], 1) == 23 && PQfformat(out[0], 0) == 1,
	    "a run's answer has the lookup's columns, not the run number");
	ok(PQntuples(out[0]) == 2 &&
	    strcmp(PQgetvalue(out[0], 0, 0), "a") == 0 &&
	    strcmp(PQgetvalue(out[0], 1, 0), "c") == 0 &&
	    util_get_be32((const uint8_t *)PQgetvalue(out[0], 1, 1)) == 3,
	    "run 1 gets its two rows, in the answer's order");
	ok(PQntuples(out[1]) == 0 && PQresultStatus(out[1]) ==
	    PGRES_TUPLES_OK, "run 2 found nothing: an empty answer");
	ok(PQntuples(out[2]) == 2 && PQgetisnull(out[2], 1, 0) &&
	    !PQgetisnull(out[2], 0, 0) && PQgetlength(out[2], 0, 0) == 1,
	    "run 3's rows, a NULL kept NULL");
	PQclear(out[0]);
	PQclear(out[1]);
	PQclear(out[2]);
	PQclear(r);
	r = answer(wild, docs, 1);
	ok(pgbatch_split(r, 3, out) == -1 && out[0] == NULL &&
	    out[2] == NULL, "a run number beyond the batch: refused");
	PQclear(r);
	r = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	ok(pgbatch_split(r, 1, out) == -1 && out[0] == NULL,
	    "an error is no answer to split");
	PQclear(r);
}

int
main(void)
{
	plan_lazy();
	test_sql();
	test_param();
	test_split();
	return (done_testing());
}
