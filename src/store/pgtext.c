/*
 * Parameters renamed in a statement's text (pgtext.h).  The statements
 * are scimd's own: a '$' outside quotes followed by a digit is always a
 * parameter.
 */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

#include "pgtext.h"

int
pgtext_params(FILE *out, const char *sql, int n, const char *fmt, int off)
{
	const char	*p;
	int		 m, quoted = 0;

	for (p = sql; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (quoted || *p != '$' || p[1] < '1' || p[1] > '9') {
			fputc(*p, out);
			continue;
		}
		for (m = 0; p[1] >= '0' && p[1] <= '9' && m <= n; p++)
			m = m * 10 + (p[1] - '0');
		if (m < 1 || m > n)
			return (-1);
		fprintf(out, fmt, m + off);
	}
	return (0);
}

FILE *
pgtext_open(char **buf, size_t *len)
{
	FILE	*out;

	*buf = NULL;
	if ((out = open_memstream(buf, len)) == NULL)
		fatalx("out of memory");
	return (out);
}

char *
pgtext_close(FILE *out, char **buf, int failed)
{
	if (fclose(out) != 0)
		fatalx("out of memory");
	if (failed) {
		free(*buf);
		*buf = NULL;
	}
	return (*buf);
}
