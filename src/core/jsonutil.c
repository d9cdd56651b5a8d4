/*
 * json-c helpers shared by every module that touches SCIM documents: the
 * one home of case-insensitive member access.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "util.h"

/*
 * RFC 8259 section 7: control characters inside strings must be escaped.
 * json-c's strict mode still takes a raw tab or newline there.
 */
static int
raw_control(const char *buf, size_t len)
{
	size_t	i;
	int	in_str = 0;

	for (i = 0; i < len; i++) {
		if (!in_str) {
			if (buf[i] == '"')
				in_str = 1;
		} else if (buf[i] == '\\')
			i++;		/* skip the escaped byte */
		else if (buf[i] == '"')
			in_str = 0;
		else if ((unsigned char)buf[i] < 0x20)
			return (1);
	}
	return (0);
}

/* The calling thread's tokener, kept between parses. */
static _Thread_local struct json_tokener	*parse_tok;
static _Thread_local int			 parse_tok_depth;

/*
 * That tokener for depth, reset: a new one per body costs its stack and
 * buffer allocations on every request.
 */
static struct json_tokener *
tokener(int depth)
{
	if (parse_tok != NULL && parse_tok_depth == depth) {
		json_tokener_reset(parse_tok);
		return (parse_tok);
	}
	if (parse_tok != NULL)
		json_tokener_free(parse_tok);
	if ((parse_tok = json_tokener_new_ex(depth)) == NULL)
		return (NULL);
	/* jsonutil_utf8_ok checked the whole body first, more strictly */
	json_tokener_set_flags(parse_tok, JSON_TOKENER_STRICT);
	parse_tok_depth = depth;
	return (parse_tok);
}

void
jsonutil_add_new(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW |
	    JSON_C_OBJECT_KEY_IS_CONSTANT);
}

void
jsonutil_thread_done(void)
{
	if (parse_tok != NULL)
		json_tokener_free(parse_tok);
	parse_tok = NULL;
}

int
jsonutil_parse(const char *buf, size_t len, int depth,
    struct json_object **out, struct scim_errbuf *eb)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	enum json_tokener_error	 jerr;
	size_t			 end;
	int			 rc = SCIM_ESYNTAX;

	*out = NULL;
	if (len == 0)
		return (scim_err_set(eb, SCIM_ESYNTAX, "empty request body"));
	if (!jsonutil_utf8_ok(buf, len))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "request body is not valid UTF-8"));
	if (raw_control(buf, len))
		return (scim_err_set(eb, SCIM_ESYNTAX,
		    "JSON: unescaped control character in a string"));
	if (len > INT32_MAX)
		return (scim_err_set(eb, SCIM_ESYNTAX, "JSON: body too large"));
	if ((tok = tokener(depth)) == NULL)
		return (SCIM_ENOMEM);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && jerr == json_tokener_continue && end == len) {
		/* a bare number waits for a delimiter: supply one */
		o = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
	}
	if (o == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			scim_err_set(eb, rc, "JSON: unexpected end of input");
		else
			scim_err_set(eb, rc, "JSON: %s at offset %zu",
			    json_tokener_error_desc(jerr), end);
		json_object_put(o);
		goto done;
	}
	while (end < len && strchr(" \t\r\n", buf[end]) != NULL)
		end++;
	if (end != len) {
		scim_err_set(eb, rc, "JSON: trailing data at offset %zu", end);
		json_object_put(o);
		goto done;
	}
	*out = o;
	rc = SCIM_OK;
 done:
	json_tokener_reset(tok);	/* let go of a failed parse's objects */
	return (rc);
}

/* The first member of obj whose key is name (len bytes) in any case. */
static int
find(struct json_object *obj, const char *name, size_t len,
    struct json_object **vp, const char **keyp)
{
	struct json_object_iterator	it, end;
	const char			*k;

	*vp = NULL;
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return (0);
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strlen(k) == len && strncasecmp(k, name, len) == 0) {
			if (keyp != NULL)
				*keyp = k;
			*vp = json_object_iter_peek_value(&it);
			return (1);
		}
	}
	return (0);
}

struct json_object *
jsonutil_getn(struct json_object *obj, const char *name, size_t len,
    const char **keyp)
{
	struct json_object	*v;

	find(obj, name, len, &v, keyp);
	return (v);
}

struct json_object *
jsonutil_get(struct json_object *obj, const char *name, const char **keyp)
{
	struct json_object	*v;

	/* Fast path: exact key (stored documents use canonical names). */
	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, name, &v)) {
		if (keyp != NULL)
			*keyp = name;
		return (v);
	}
	return (jsonutil_getn(obj, name, strlen(name), keyp));
}

int
jsonutil_has(struct json_object *obj, const char *name,
    struct json_object **vp)
{
	return (find(obj, name, strlen(name), vp, NULL));
}

void
jsonutil_del(struct json_object *obj, const char *name)
{
	struct json_object	*v;
	const char		*k;
	char			*key;

	while (find(obj, name, strlen(name), &v, &k)) {
		/* copy: k dies with the member */
		key = xstrdup(k);
		json_object_object_del(obj, key);
		free(key);
	}
}

int
jsonutil_is_primary(struct json_object *o)
{
	struct json_object	*p;

	return (json_object_object_get_ex(o, "primary", &p) &&
	    json_object_is_type(p, json_type_boolean) &&
	    json_object_get_boolean(p));
}

struct json_object *
jsonutil_load(const void *data, size_t len)
{
	struct json_object	*o;
	char			*s = xstrndup(data, len);

	o = json_tokener_parse(s);
	free(s);
	return (o);
}

const char *
jsonutil_get_str(struct json_object *obj, const char *name)
{
	struct json_object	*v = jsonutil_get(obj, name, NULL);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

const char *
jsonutil_compact(struct json_object *obj, size_t *lenp)
{
	return (json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, lenp));
}

int
jsonutil_utf8_ok(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned int		 c;

	while (i < len) {
		/* eight bytes of ASCII without a NUL at a time */
		if (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (((w | ((w - 0x0101010101010101ULL) & ~w)) &
			    0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		c = p[i];
		if (c == 0)
			return (0);
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			n = 1;
		else if ((c & 0xf0) == 0xe0)
			n = 2;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			n = 3;
		else
			return (0);
		if (i + n >= len)
			return (0);
		for (k = 1; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
		/* overlongs and surrogates */
		if (n == 2 && c == 0xe0 && p[i + 1] < 0xa0)
			return (0);
		if (n == 2 && c == 0xed && p[i + 1] >= 0xa0)
			return (0);
		if (n == 3 && c == 0xf0 && p[i + 1] < 0x90)
			return (0);
		if (n == 3 && c == 0xf4 && p[i + 1] >= 0x90)
			return (0);
		i += n + 1;
	}
	return (1);
}

/* Past the string that opens at s[i] ('"'), or len when unterminated. */
static size_t
raw_string_end(const char *s, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return (i + 1);
	}
	return (len);
}

/* Past the value that starts at s[i], at the ',' or '}' after a scalar. */
static size_t
raw_value_end(const char *s, size_t i, size_t len)
{
	int	depth = 0;

	for (; i < len; i++) {
		switch (s[i]) {
		case '"':
			i = raw_string_end(s, i, len);
			if (depth == 0 || i >= len)
				return (i);
			i--;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return (i);
			if (--depth == 0)
				return (i + 1);
			break;
		case ',':
			if (depth == 0)
				return (i);
			break;
		default:
			break;
		}
	}
	return (len);
}

static size_t
raw_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return (i);
}

int
jsonutil_raw_member(const char *s, size_t len, const char *key,
    const char **val)
{
	size_t	klen = strlen(key), i, ks, ke;

	if ((i = raw_ws(s, 0, len)) >= len || s[i] != '{')
		return (-1);
	if ((i = raw_ws(s, i + 1, len)) < len && s[i] == '}')
		return (0);
	for (;;) {
		if (i >= len || s[i] != '"')
			return (-1);
		ks = i + 1;
		if ((ke = raw_string_end(s, i, len)) >= len)
			return (-1);
		/* an escape in a key could spell any name: let a parser judge */
		if (memchr(s + ks, '\\', ke - 1 - ks) != NULL)
			return (-1);
		if ((i = raw_ws(s, ke, len)) >= len || s[i] != ':')
			return (-1);
		i = raw_ws(s, i + 1, len);
		if (ke - 1 - ks == klen && memcmp(s + ks, key, klen) == 0) {
			*val = s + i;
			return (i < len ? 1 : -1);
		}
		if ((i = raw_ws(s, raw_value_end(s, i, len), len)) >= len)
			return (-1);
		if (s[i] == '}')
			return (0);
		if (s[i] != ',')
			return (-1);
		i = raw_ws(s, i + 1, len);
	}
}
