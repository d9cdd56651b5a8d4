/*
 * scim_res's name and email columns from a document's text (pgdoc.h).  A
 * walk over the top-level members that decodes only the strings it keeps
 * and steps over every other value: about a microsecond for an Entra-sized
 * user, where the server's jsonb parse for each index took ~15.  What it
 * cannot be sure to read as PostgreSQL would (a value that is not a string,
 * a \u escape beyond ASCII, malformed text) it leaves to the server.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include "pgdoc.h"
#include "util.h"

struct scan {
	const char	*p;
	const char	*end;
};

static void
str_put(struct pgdoc_str *s, const char *b, size_t n)
{
	if (s->ps_cap < s->ps_len + n + 1) {
		s->ps_cap = (s->ps_len + n + 1) * 2;
		s->ps_data = xrealloc(s->ps_data, s->ps_cap);
	}
	memcpy(s->ps_data + s->ps_len, b, n);
	s->ps_len += n;
	s->ps_data[s->ps_len] = '\0';
}

/* s becomes SQL NULL (set 0) or the empty string, ready for str_put. */
static void
str_reset(struct pgdoc_str *s, int set)
{
	s->ps_len = 0;
	if (set) {
		str_put(s, "", 0);
		return;
	}
	free(s->ps_data);
	s->ps_data = NULL;
	s->ps_cap = 0;
}

static void
str_copy(struct pgdoc_str *to, const struct pgdoc_str *from)
{
	str_reset(to, from->ps_data != NULL);
	if (from->ps_data != NULL)
		str_put(to, from->ps_data, from->ps_len);
}

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hex4(const char *p, unsigned *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return (-1);
	}
	return (0);
}

/*
 * The string at s->p, decoded into out (or only stepped over, out NULL):
 * -1 when malformed or, decoding, for a \u escape other than of ASCII
 * (the server's result then depends on its encoding) or of NUL.
 */
static int
str(struct scan *s, struct pgdoc_str *out)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*q, *e;
	unsigned		 u;
	char			 c;

	if (s->p >= s->end || *s->p != '"')
		return (-1);
	if (out != NULL)
		str_reset(out, 1);
	for (q = ++s->p; q < s->end; s->p = q) {
		while (q < s->end && *q != '"' && *q != '\\') {
			if ((unsigned char)*q < 0x20)
				return (-1);
			q++;
		}
		if (out != NULL)
			str_put(out, s->p, (size_t)(q - s->p));
		if (q >= s->end)
			return (-1);
		if (*q == '"') {
			s->p = q + 1;
			return (0);
		}
		if (q + 1 >= s->end)
			return (-1);
		if (q[1] == 'u') {
			if (s->end - q < 6 || hex4(q + 2, &u) == -1 ||
			    (out != NULL && (u == 0 || u >= 0x80)))
				return (-1);
			c = (char)u;
			q += 6;
		} else if (q[1] != '\0' && (e = strchr(from, q[1])) != NULL) {
			c = to[e - from];
			q += 2;
		} else
			return (-1);
		if (out != NULL)
			str_put(out, &c, 1);
	}
	return (-1);
}

/* Step over the value at s->p, whatever it is. */
static int
skip(struct scan *s)
{
	int	depth = 0;

	ws(s);
	if (s->p < s->end && *s->p != '"' && *s->p != '{' && *s->p != '[') {
		/* a number, true, false or null: up to what ends it */
		while (s->p < s->end && strchr(",}] \t\n\r", *s->p) == NULL)
			s->p++;
		return (0);
	}
	do {
		if (s->p >= s->end)
			return (-1);
		if (*s->p == '"') {
			if (str(s, NULL) == -1)
				return (-1);
			continue;
		}
		if (*s->p == '{' || *s->p == '[')
			depth++;
		else if (*s->p == '}' || *s->p == ']')
			depth--;
		s->p++;
	} while (depth > 0);
	return (0);
}

/* 1 if the raw text at s->p is the JSON literal lit (true, null). */
static int
literal(struct scan *s, const char *lit)
{
	size_t	n = strlen(lit);

	return ((size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0);
}

/*
 * A member's key, as it is between its quotes: the members wanted have
 * plain names, and a key with an escape could spell one: -1, undecided.
 */
static int
key(struct scan *s, const char **k, size_t *klen)
{
	const char	*q;

	ws(s);
	if (s->p >= s->end || *s->p != '"')
		return (-1);
	for (q = s->p + 1; q < s->end && *q != '"'; q++)
		if (*q == '\\')
			return (-1);
	if (q >= s->end)
		return (-1);
	*k = s->p + 1;
	*klen = (size_t)(q - *k);
	s->p = q + 1;
	ws(s);
	if (s->p >= s->end || *s->p != ':')
		return (-1);
	s->p++;
	ws(s);
	return (0);
}

static int
is(const char *k, size_t klen, const char *name)
{
	return (klen == strlen(name) && memcmp(k, name, klen) == 0);
}

/* The string (or null) at s->p into out; -1 for any other value. */
static int
text_value(struct scan *s, struct pgdoc_str *out)
{
	if (literal(s, "null")) {
		s->p += 4;
		str_reset(out, 0);
		return (0);
	}
	return (str(s, out));
}

/*
 * After a member: its separator.  1 on to the next member, 0 at the end
 * of the object, -1 malformed.
 */
static int
next_member(struct scan *s)
{
	ws(s);
	if (s->p < s->end && *s->p == ',') {
		s->p++;
		return (1);
	}
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return (0);
	}
	return (-1);
}

/* One element of emails: its value (NULL if none) and whether primary. */
static int
email_elem(struct scan *s, struct pgdoc_str *val, int *primary)
{
	struct pgdoc_str	 flag = { NULL, 0, 0 };
	const char		*k;
	size_t			 klen;
	int			 rc = 0, more;

	str_reset(val, 0);
	*primary = 0;
	ws(s);
	if (s->p >= s->end || *s->p != '{')
		return (skip(s));	/* ->> of a non-object: NULL */
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return (0);
	}
	do {
		if (key(s, &k, &klen) == -1)
			return (-1);
		if (is(k, klen, "value"))
			rc = text_value(s, val);
		else if (is(k, klen, "primary")) {
			/* ->> 'primary' = 'true': the literal or the string */
			if (literal(s, "true")) {
				*primary = 1;
				s->p += 4;
			} else if (*s->p == '"') {
				rc = str(s, &flag);
				*primary = rc == 0 && strcmp(flag.ps_data,
				    "true") == 0;
			} else {
				*primary = 0;
				rc = skip(s);
			}
		} else
			rc = skip(s);
	} while (rc == 0 && (more = next_member(s)) == 1);
	str_reset(&flag, 0);
	return (rc == 0 && more == 0 ? 0 : -1);
}

/*
 * scim_email: the value of the first element with primary true, else of
 * the first element (NULL when it has none, or emails is no array).
 */
static int
emails(struct scan *s, struct pgdoc_str *out)
{
	struct pgdoc_str	 first = { NULL, 0, 0 }, cur = { NULL, 0, 0 };
	int			 i, primary, found = 0, rc = 0;

	str_reset(out, 0);
	if (s->p >= s->end || *s->p != '[')
		return (skip(s));
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return (0);
	}
	for (i = 0; rc == 0; i++) {
		if ((rc = email_elem(s, &cur, &primary)) == -1)
			break;
		if (i == 0)
			str_copy(&first, &cur);
		if (primary && !found) {
			found = 1;
			str_copy(out, cur.ps_data != NULL ? &cur : &first);
		}
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p < s->end && *s->p == ']') {
			s->p++;
			break;
		} else
			rc = -1;
	}
	if (rc == 0 && !found)
		str_copy(out, &first);
	str_reset(&first, 0);
	str_reset(&cur, 0);
	return (rc);
}

int
pgdoc_fields(const char *json, size_t len, int kind, struct pgdoc *d)
{
	struct scan	 s = { json, json + len };
	const char	*name = kind == 'U' ? "userName" : "displayName", *k;
	size_t		 klen;
	int		 rc, more;

	str_reset(&d->pd_name, 0);
	str_reset(&d->pd_email, 0);
	ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return (-1);
	s.p++;
	ws(&s);
	if (s.p < s.end && *s.p == '}')
		return (0);
	/* every member: PostgreSQL keeps the last of a name given twice */
	do {
		if (key(&s, &k, &klen) == -1)
			return (-1);
		if (is(k, klen, name))
			rc = text_value(&s, &d->pd_name);
		else if (kind == 'U' && is(k, klen, "emails"))
			rc = emails(&s, &d->pd_email);
		else
			rc = skip(&s);
	} while (rc == 0 && (more = next_member(&s)) == 1);
	return (rc == 0 && more == 0 ? 0 : -1);
}

void
pgdoc_free(struct pgdoc *d)
{
	str_reset(&d->pd_name, 0);
	str_reset(&d->pd_email, 0);
}
