/*
 * Batched lookups (pgbatch.h).  A run's parameters travel as one binary
 * array per parameter; a batch's statement is the lookup's own text with
 * $i read from the row of unnest() as x.pi, so whatever the lookup
 * returns, in whatever order, each run gets exactly that.
 */

#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgbatch.h"
#include "pgtext.h"
#include "util.h"

#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT4	23
#define MAX_PARAMS	8

static Oid
array_of(Oid t)
{
	switch (t) {
	case OID_BYTEA:
		return (1001);
	case OID_INT8:
		return (1016);
	case OID_INT4:
		return (1007);
	}
	return (0);
}

char *
pgbatch_sql(const char *sql, int n, const Oid *types, Oid *atypes)
{
	FILE	*out;
	char	*b;
	size_t	 len;
	int	 i, rc;

	if (n < 1 || n > MAX_PARAMS)
		return (NULL);
	for (i = 0; i < n; i++)
		if ((atypes[i] = array_of(types[i])) == 0)
			return (NULL);
	out = pgtext_open(&b, &len);
	fputs("SELECT x.o, s.* FROM unnest(", out);
	for (i = 1; i <= n; i++)
		fprintf(out, "%s$%d", i > 1 ? ", " : "", i);
	fputs(") WITH ORDINALITY AS x(", out);
	for (i = 1; i <= n; i++)
		fprintf(out, "p%d, ", i);
	fputs("o) CROSS JOIN LATERAL (", out);
	rc = pgtext_params(out, sql, n, "x.p%d", 0);
	fputs(") AS s", out);
	return (pgtext_close(out, &b, rc != 0));
}

int
pgbatch_param(Oid type, int i, size_t k, const char *const *const *vals,
    const int *const *lens, char **out)
{
	size_t	 j, len = 20;
	char	*b, *p;

	for (j = 0; j < k; j++)
		len += 4 + (size_t)lens[j][i];
	p = b = xmalloc(len);
	/* array_recv: dimensions, no NULLs, element type, size, lower bound */
	util_put_be32((uint8_t *)p, 1);
	util_put_be32((uint8_t *)p + 4, 0);
	util_put_be32((uint8_t *)p + 8, type);
	util_put_be32((uint8_t *)p + 12, (uint32_t)k);
	util_put_be32((uint8_t *)p + 16, 1);
	p += 20;
	for (j = 0; j < k; j++) {
		util_put_be32((uint8_t *)p, (uint32_t)lens[j][i]);
		memcpy(p + 4, vals[j][i], (size_t)lens[j][i]);
		p += 4 + lens[j][i];
	}
	*out = b;
	return ((int)len);
}

static void
split_free(size_t k, PGresult **out)
{
	size_t	j;

	for (j = 0; j < k; j++) {
		PQclear(out[j]);
		out[j] = NULL;
	}
}

int
pgbatch_split(const PGresult *r, size_t k, PGresult **out)
{
	PGresAttDesc	 desc[32];
	PGresult	*d;
	uint64_t	 o;
	int		 nf = PQnfields(r), nt = PQntuples(r), row, c, t;
	size_t		 j;

	for (j = 0; j < k; j++)
		out[j] = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || nf < 2 ||
	    nf - 1 > (int)(sizeof(desc) / sizeof(desc[0])) ||
	    PQftype(r, 0) != OID_INT8 || PQfformat(r, 0) != 1)
		return (-1);
	for (c = 1; c < nf; c++) {
		desc[c - 1].name = PQfname(r, c);
		desc[c - 1].tableid = PQftable(r, c);
		desc[c - 1].columnid = PQftablecol(r, c);
		desc[c - 1].format = PQfformat(r, c);
		desc[c - 1].typid = PQftype(r, c);
		desc[c - 1].typlen = PQfsize(r, c);
		desc[c - 1].atttypmod = PQfmod(r, c);
	}
	for (j = 0; j < k; j++)
		if ((out[j] = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) ==
		    NULL || !PQsetResultAttrs(out[j], nf - 1, desc)) {
			split_free(k, out);
			return (-1);
		}
	for (row = 0; row < nt; row++) {
		if (PQgetisnull(r, row, 0) || PQgetlength(r, row, 0) != 8 ||
		    (o = util_get_be64((const uint8_t *)PQgetvalue(r, row,
		    0))) < 1 || o > k)
			goto bad;
		d = out[o - 1];
		t = PQntuples(d);
		for (c = 1; c < nf; c++)
			if (!(PQgetisnull(r, row, c) ?
			    PQsetvalue(d, t, c - 1, NULL, -1) :
			    PQsetvalue(d, t, c - 1, PQgetvalue(r, row, c),
			    PQgetlength(r, row, c))))
				goto bad;
	}
	return (0);
 bad:
	split_free(k, out);
	return (-1);
}
