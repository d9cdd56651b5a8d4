/*
 * jsontext.c: the same bytes as json-c's compact output (jsonutil_compact)
 * for every kind of value, every byte a string can hold, and random trees.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsontext.h"
#include "jsonutil.h"
#include "tap.h"

static int
same(struct json_object *o)
{
	const char	*a, *b;
	size_t		 la, lb;

	a = jsonutil_compact(o, &la);
	b = jsontext_of(o, &lb);
	if (la == lb && memcmp(a, b, la) == 0 && b[lb] == '\0')
		return (1);
	diag("json-c: %s", a);
	diag("ours:   %s", b);
	return (0);
}

static int
same_text(const char *json)
{
	struct json_object	*o = json_tokener_parse(json);
	int			 r;

	if (o == NULL) {
		diag("does not parse: %s", json);
		return (0);
	}
	r = same(o);
	json_object_put(o);
	return (r);
}

/* Every byte 1..255 in a string (each alone, as json-c keeps any bytes). */
static void
test_bytes(void)
{
	struct json_object	*o;
	char			 s[24];
	int			 c, at, bad = 0;

	/* at every place of a 20-byte string: inside an eight-byte step too */
	for (c = 0; c < 256; c++)
		for (at = 0; at < 20; at++) {
			memset(s, 'a', 20);
			s[at] = (char)c;
			o = json_object_new_string_len(s, 20);
			bad += !same(o);
			json_object_put(o);
		}
	ok(bad == 0, "every byte in a string, escaped as json-c does (%d "
	    "differ)", bad);
	o = json_object_new_object();
	json_object_object_add(o, "k\"\\/\n\x01\xc3\xa9", NULL);
	ok(same(o), "a key with escapes and a null value");
	json_object_put(o);
}

static void
test_kinds(void)
{
	ok(same_text("{}") && same_text("[]") && same_text("{\"a\":[]}"),
	    "empty object and array");
	ok(same_text("[0,1,-1,9223372036854775807,-9223372036854775808,"
	    "18446744073709551615,123456789012]"), "integers, the edges too");
	ok(same_text("[1.5,-0.0,1e300,2.50,0.1,3.0e-5]"),
	    "numbers with a fraction keep their text");
	ok(same_text("[true,false,null]"), "true, false, null");
	ok(same_text("{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:"
	    "User\"],\"id\":\"1\",\"userName\":\"a/b@x\",\"name\":{\"given"
	    "Name\":\"Zo\\u00eb\",\"x\":{\"y\":[{\"z\":1}]}},\"emails\":[{"
	    "\"value\":\"a@b\",\"primary\":true}],\"tab\":\"a\\tb\"}"),
	    "a nested document");
}

static uint64_t	seed = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (seed);
}

static struct json_object *
random_value(int depth)
{
	struct json_object	*o;
	char			 s[16], k[8];
	size_t			 i, n;

	switch (rnd() % (depth > 3 ? 4 : 6)) {
	case 0:
		return (json_object_new_int64((int64_t)rnd()));
	case 1:
		n = rnd() % sizeof(s);
		for (i = 0; i < n; i++)
			s[i] = (char)(rnd() % 128);	/* ASCII, controls too */
		return (json_object_new_string_len(s, (int)n));
	case 2:
		return (json_object_new_boolean((int)(rnd() & 1)));
	case 3:
		return (NULL);
	case 4:
		o = json_object_new_array();
		for (n = rnd() % 5, i = 0; i < n; i++)
			json_object_array_add(o, random_value(depth + 1));
		return (o);
	default:
		o = json_object_new_object();
		for (n = rnd() % 5, i = 0; i < n; i++) {
			snprintf(k, sizeof(k), "k%u", (unsigned)(rnd() % 100));
			json_object_object_add(o, k, random_value(depth + 1));
		}
		return (o);
	}
}

static void
test_random(void)
{
	struct json_object	*o;
	int			 i, bad = 0;

	for (i = 0; i < 2000; i++) {
		o = random_value(0);
		if (o != NULL)
			bad += !same(o);
		json_object_put(o);
	}
	ok(bad == 0, "2,000 random trees the same (%d differ)", bad);
}

/* A buffer grown past what is kept is let go; the text stays right. */
static void
test_big(void)
{
	struct json_object	*o = json_object_new_array();
	int			 i;

	for (i = 0; i < 20000; i++)
		json_object_array_add(o, json_object_new_string(
		    "a string of some length"));
	ok(same(o), "a document of half a megabyte");
	json_object_put(o);
	ok(same_text("[1]"), "then a small one again");
}

int
main(void)
{
	plan_lazy();
	test_bytes();
	test_kinds();
	test_random();
	test_big();
	jsontext_thread_done();
	return (done_testing());
}
