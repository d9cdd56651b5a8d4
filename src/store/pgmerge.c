/*
 * Queued writes held and merged into one statement (pgmerge.h):
 * "WITH m0 AS (first), m1 AS (second) last", each part's parameters
 * renumbered after those of the parts before it.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgmerge.h"
#include "pgtext.h"
#include "util.h"

int
pgmerge_fits(const struct pgmerge *m, int table, const char *sql, int n)
{
	int	i;

	if (table < 0 || m->m_n == PGMERGE_MAX ||
	    m->m_np + n > PGMERGE_MAXPARAMS ||
	    strncasecmp(sql, "WITH", 4) == 0)
		return (0);
	for (i = 0; i < m->m_n; i++)
		if (m->m_tables[i] == table)
			return (0);
	return (1);
}

void
pgmerge_add(struct pgmerge *m, int id, int table, const char *sql, int n,
    const Oid *types, const char *const *vals, const int *lens)
{
	size_t	need = 0;
	int	i, p;

	for (i = 0; i < n; i++)
		need += vals[i] != NULL ? (size_t)lens[i] : 0;
	if (m->m_len + need > m->m_cap) {
		m->m_cap = (m->m_len + need) * 2;
		m->m_buf = xrealloc(m->m_buf, m->m_cap);
	}
	m->m_ids[m->m_n] = id;
	m->m_tables[m->m_n] = table;
	m->m_sql[m->m_n] = sql;
	m->m_first[m->m_n++] = m->m_np;
	for (i = 0; i < n; i++) {
		p = m->m_np++;
		m->m_types[p] = types[i];
		m->m_off[p] = m->m_len;
		m->m_lens[p] = vals[i] != NULL ? lens[i] : -1;
		if (vals[i] != NULL && lens[i] > 0) {
			memcpy(m->m_buf + m->m_len, vals[i], (size_t)lens[i]);
			m->m_len += (size_t)lens[i];
		}
	}
}

void
pgmerge_values(const struct pgmerge *m, const char **vals, int *lens)
{
	int	i;

	for (i = 0; i < m->m_np; i++) {
		/* a value of no bytes still needs a pointer: not NULL */
		vals[i] = m->m_lens[i] < 0 ? NULL : m->m_buf != NULL ?
		    m->m_buf + m->m_off[i] : "";
		lens[i] = m->m_lens[i] < 0 ? 0 : m->m_lens[i];
	}
}

char *
pgmerge_sql(const struct pgmerge *m)
{
	FILE	*out;
	char	*b;
	size_t	 len;
	int	 i, n, rc = 0;

	if (m->m_n == 0)
		return (NULL);
	out = pgtext_open(&b, &len);
	for (i = 0; i < m->m_n; i++) {
		n = (i + 1 < m->m_n ? m->m_first[i + 1] : m->m_np) -
		    m->m_first[i];
		if (i + 1 < m->m_n)
			fprintf(out, "%sm%d AS (", i == 0 ? "WITH " : "", i);
		rc |= pgtext_params(out, m->m_sql[i], n, "$%d",
		    m->m_first[i]);
		if (i + 1 < m->m_n)
			fputs(i + 2 < m->m_n ? "), " : ") ", out);
	}
	return (pgtext_close(out, &b, rc != 0));
}

int
pgmerge_is(const struct pgmerge *m, const int *ids, int n)
{
	return (n == m->m_n && memcmp(ids, m->m_ids, (size_t)n *
	    sizeof(*ids)) == 0);
}

void
pgmerge_clear(struct pgmerge *m)
{
	m->m_n = 0;
	m->m_np = 0;
	m->m_len = 0;
}

void
pgmerge_free(struct pgmerge *m)
{
	free(m->m_buf);
	memset(m, 0, sizeof(*m));
}
