/* Compact JSON text of json-c trees (jsontext.h). */
#include "scimd.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsontext.h"
#include "util.h"

/* A buffer grown past this is let go at the next call, not kept. */
#define JSONTEXT_KEEP	(256 * 1024)

struct jbuf {
	char	*jb_data;
	size_t	 jb_len;
	size_t	 jb_cap;
};

static _Thread_local struct jbuf	text;

static void
want(struct jbuf *b, size_t n)
{
	if (b->jb_len + n <= b->jb_cap)
		return;
	b->jb_cap = b->jb_cap * 2 > b->jb_len + n + 256 ? b->jb_cap * 2 :
	    b->jb_len + n + 256;
	b->jb_data = xrealloc(b->jb_data, b->jb_cap);
}

static void
put(struct jbuf *b, const char *s, size_t n)
{
	want(b, n);
	memcpy(b->jb_data + b->jb_len, s, n);
	b->jb_len += n;
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/*
 * 1 when one of the eight bytes at p is below 0x20, '"' or '\\' (a byte
 * equal to c is a zero byte of w ^ c*ONES; one below 0x20 shows in w -
 * 0x20*ONES while its high bit is clear).
 */
static int
needs_escape(const unsigned char *p)
{
	uint64_t	w, q, bs;

	memcpy(&w, p, 8);
	q = w ^ (ONES * '"');
	bs = w ^ (ONES * '\\');
	return ((((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
	    ((bs - ONES) & ~bs)) & HIGHS) != 0;
}

/* s quoted and escaped as json-c does: '/' and bytes >= 0x7f as they are. */
static void
put_str(struct jbuf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, from = 0;
	char			 esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	want(b, n + 2);
	b->jb_data[b->jb_len++] = '"';
	for (i = 0; i < n; i++) {
		/* eight bytes at a time while none needs escaping */
		while (i + 8 <= n && !needs_escape(p + i))
			i += 8;
		if (i >= n)
			break;
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
			continue;
		put(b, s + from, i - from);
		from = i + 1;
		switch (p[i]) {
		case '"':	put(b, "\\\"", 2); break;
		case '\\':	put(b, "\\\\", 2); break;
		case '\b':	put(b, "\\b", 2); break;
		case '\f':	put(b, "\\f", 2); break;
		case '\n':	put(b, "\\n", 2); break;
		case '\r':	put(b, "\\r", 2); break;
		case '\t':	put(b, "\\t", 2); break;
		default:
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			put(b, esc, sizeof(esc));
		}
	}
	put(b, s + from, n - from);
	put(b, "\"", 1);
}

static void
put_int(struct jbuf *b, struct json_object *o)
{
	char		 num[24], *p = num + sizeof(num);
	int64_t		 v = json_object_get_int64(o);
	uint64_t	 u;
	const char	*s;

	if (v == INT64_MAX || v == INT64_MIN) {
		/* an unsigned past INT64_MAX, or the edge: json-c's own */
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		put(b, s, strlen(s));
		return;
	}
	u = v < 0 ? (uint64_t)-v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	put(b, p, (size_t)(num + sizeof(num) - p));
}

static void
put_value(struct jbuf *b, struct json_object *o)
{
	struct json_object_iterator	 it, end;
	const char			*s, *k;
	size_t				 i, n;

	switch (json_object_get_type(o)) {
	case json_type_null:
		put(b, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			put(b, "true", 4);
		else
			put(b, "false", 5);
		break;
	case json_type_int:
		put_int(b, o);
		break;
	case json_type_string:
		put_str(b, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_object:
		put(b, "{", 1);
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (i = 0; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it), i++) {
			if (i > 0)
				put(b, ",", 1);
			k = json_object_iter_peek_name(&it);
			put_str(b, k, strlen(k));
			put(b, ":", 1);
			put_value(b, json_object_iter_peek_value(&it));
		}
		put(b, "}", 1);
		break;
	case json_type_array:
		put(b, "[", 1);
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (i > 0)
				put(b, ",", 1);
			put_value(b, json_object_array_get_idx(o, i));
		}
		put(b, "]", 1);
		break;
	default:
		/* a double keeps the text it was parsed from: json-c knows it */
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		put(b, s, strlen(s));
	}
}

const char *
jsontext_of(struct json_object *obj, size_t *lenp)
{
	if (text.jb_cap > JSONTEXT_KEEP)
		jsontext_thread_done();
	text.jb_len = 0;
	put_value(&text, obj);
	want(&text, 1);
	text.jb_data[text.jb_len] = '\0';
	if (lenp != NULL)
		*lenp = text.jb_len;
	return (text.jb_data);
}

void
jsontext_thread_done(void)
{
	free(text.jb_data);
	memset(&text, 0, sizeof(text));
}
