/*
 * util.c, jsonutil.c and log_escape: UUIDs, RFC 3339 times, encodings,
 * big-endian keys, strict JSON parsing and case-insensitive lookup.
 */
#include "scimd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "jsonutil.h"
#include "log.h"
#include "tap.h"
#include "util.h"

#define NUUID	1000

static int
cmpstr(const void *a, const void *b)
{
	return (strcmp(a, b));
}

/* 1 if the NUUID ids are all different (sorts them). */
static int
all_distinct(char (*ids)[SCIM_ID_MAX])
{
	int	i;

	qsort(ids, NUUID, sizeof(ids[0]), cmpstr);
	for (i = 1; i < NUUID; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			return (0);
	return (1);
}

static void
test_uuid(void)
{
	static char	ids[NUUID][SCIM_ID_MAX];
	char		id[SCIM_ID_MAX];
	int		i, fmt = 1;

	for (i = 0; i < NUUID; i++) {
		util_uuid(ids[i]);
		if (strlen(ids[i]) != SCIM_ID_LEN || !util_is_uuid(ids[i]) ||
		    ids[i][14] != '4' || strchr("89ab", ids[i][19]) == NULL ||
		    strspn(ids[i], "0123456789abcdef-") != SCIM_ID_LEN)
			fmt = 0;
	}
	ok(fmt, "util_uuid: lower-case v4 with RFC 4122 variant");
	ok(all_distinct(ids), "util_uuid: %d ids all distinct", NUUID);

	ok(util_is_uuid("2819c223-7f76-453a-919d-413861904646"), "is_uuid");
	ok(util_is_uuid("2819C223-7F76-453A-919D-413861904646"),
	    "is_uuid upper case");
	ok(!util_is_uuid("2819c223-7f76-453a-919d-41386190464"), "too short");
	ok(!util_is_uuid("2819c223-7f76-453a-919d-4138619046461"), "too long");
	ok(!util_is_uuid("2819c2237f76-453a-919d-4138619046461"),
	    "dash missing");
	ok(!util_is_uuid("2819c223-7f76-453a-919d-41386190464g"), "not hex");
	ok(!util_is_uuid(""), "empty");
	util_uuid(id);
	id[8] = 'x';
	ok(!util_is_uuid(id), "dash replaced");
}

/* The ms time a v7 id's first 48 bits say. */
static int64_t
uuid7_ms(const char *id)
{
	char	hex[13];

	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return ((int64_t)strtoll(hex, NULL, 16));
}

static void
test_uuid7(void)
{
	static char	ids[NUUID][SCIM_ID_MAX];
	int64_t		before, after, ms;
	int		i, fmt = 1, when = 1, order = 1;

	before = util_now_ms();
	for (i = 0; i < NUUID; i++)
		util_uuid7(ids[i]);
	after = util_now_ms();
	for (i = 0; i < NUUID; i++) {
		if (strlen(ids[i]) != SCIM_ID_LEN || !util_is_uuid(ids[i]) ||
		    ids[i][14] != '7' || strchr("89ab", ids[i][19]) == NULL ||
		    strspn(ids[i], "0123456789abcdef-") != SCIM_ID_LEN)
			fmt = 0;
		ms = uuid7_ms(ids[i]);
		if (ms < before || ms > after)
			when = 0;
		/* drawn later: never sorts before an id of an earlier ms */
		if (i > 0 && uuid7_ms(ids[i - 1]) < ms &&
		    strcmp(ids[i - 1], ids[i]) >= 0)
			order = 0;
	}
	ok(fmt, "util_uuid7: lower-case v7 with RFC 9562 variant");
	ok(when, "util_uuid7: its first 48 bits are the time drawn, in ms");
	ok(order, "util_uuid7: ids of later ms sort after earlier ones");
	ok(all_distinct(ids), "util_uuid7: %d ids all distinct", NUUID);
}

static void
test_time(void)
{
	char	buf[32];
	int64_t	ms = 0, now;
	int	bad = 0;
	size_t	i;
	static const char *const bads[] = {
		"",
		"2026-01-02",
		"2026-01-02T03:04",
		"2026-13-02T03:04:05Z",
		"2026-01-32T03:04:05Z",
		"2026-01-02T24:04:05Z",
		"2026-01-02T03:60:05Z",
		"2026-01-02 03:04:05Z",
		"2026-01-02T03:04:05.Z",
		"2026-01-02T03:04:05+0100",
		"2026-01-02T03:04:05+24:00",
		"2026-01-02T03:04:05Zjunk",
		"2026-01-02T03:04:05Z ",
		"26-01-02T03:04:05Z",
		"2026-1-02T03:04:05Z",
		"2026-01-02T03:04:05X"
	};

	util_time_fmt(0, buf, sizeof(buf));
	is_str("1970-01-01T00:00:00.000Z", buf, "epoch");
	util_time_fmt(1767323045678LL, buf, sizeof(buf));
	is_str("2026-01-02T03:04:05.678Z", buf, "format with milliseconds");
	ok(util_time_parse(buf, &ms) == 0 && ms == 1767323045678LL,
	    "round trip");
	util_time_fmt(951868799999LL, buf, sizeof(buf));
	is_str("2000-02-29T23:59:59.999Z", buf, "leap day");
	ok(util_time_parse(buf, &ms) == 0 && ms == 951868799999LL,
	    "leap day round trip");
	ok(util_time_parse("2026-01-02T04:04:05.678+01:00", &ms) == 0 &&
	    ms == 1767323045678LL, "+01:00 offset");
	ok(util_time_parse("2026-01-01T21:34:05.678-05:30", &ms) == 0 &&
	    ms == 1767323045678LL, "-05:30 offset");
	ok(util_time_parse("2026-01-02T03:04:05Z", &ms) == 0 &&
	    ms == 1767323045000LL, "no fraction");
	ok(util_time_parse("2026-01-02T03:04:05.5Z", &ms) == 0 &&
	    ms == 1767323045500LL, "one fraction digit");
	ok(util_time_parse("2026-01-02T03:04:05.678999Z", &ms) == 0 &&
	    ms == 1767323045678LL, "microseconds truncated");
	ok(util_time_parse("2026-01-02t03:04:05.678z", &ms) == 0 &&
	    ms == 1767323045678LL, "lower-case t and z");
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		if (util_time_parse(bads[i], &ms) != -1) {
			diag("accepted: \"%s\"", bads[i]);
			bad++;
		}
	is_int(0, bad, "%zu malformed times rejected",
	    sizeof(bads) / sizeof(bads[0]));

	now = util_now_ms();
	ok(now > 1577836800000LL, "util_now_ms after 2020");
	ok(util_mono_ms() <= util_mono_ms(), "util_mono_ms does not go back");
}

static void
test_encode(void)
{
	static const struct {
		const char	*in, *out;
	} b64[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" }
	};
	static const uint8_t	 url[] = { 0xfb, 0xff };
	static const uint8_t	 bytes[] = { 0x00, 0xab, 0xff, 0x10 };
	uint8_t			 md[32], be[8];
	char			 out[80];
	size_t			 i;
	int			 good = 1;

	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		util_b64url((const uint8_t *)b64[i].in, strlen(b64[i].in), out);
		if (strcmp(out, b64[i].out) != 0)
			good = 0;
	}
	ok(good, "b64url RFC 4648 vectors without padding");
	util_b64url(url, sizeof(url), out);
	is_str("-_8", out, "b64url uses - and _");

	util_hex(bytes, sizeof(bytes), out);
	is_str("00abff10", out, "hex lower case");
	util_hex(bytes, 0, out);
	is_str("", out, "hex of nothing");

	util_sha256("abc", 3, md);
	util_hex(md, sizeof(md), out);
	is_str("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    out, "sha256(abc)");
	util_sha256("", 0, md);
	util_hex(md, sizeof(md), out);
	is_str("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    out, "sha256(empty)");

	util_put_be32(be, 0x01020304);
	ok(memcmp(be, "\x01\x02\x03\x04", 4) == 0, "be32 byte order");
	is_int(0x01020304, util_get_be32(be), "be32 round trip");
	util_put_be64(be, 0x0102030405060708ULL);
	ok(memcmp(be, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0,
	    "be64 byte order");
	ok(util_get_be64(be) == 0x0102030405060708ULL, "be64 round trip");
	util_put_be64(be, UINT64_MAX);
	ok(util_get_be64(be) == UINT64_MAX, "be64 all ones");

	util_free_secret(NULL);
	util_free_secret(xstrdup("secret"));
	ok(1, "util_free_secret");
}

/* jsonutil_parse on len bytes; returns the code, frees any result. */
static int
parse(const char *s, size_t len, int depth)
{
	struct json_object	*o = (struct json_object *)1;
	struct scim_errbuf	 eb;
	int			 rc;

	memset(&eb, 0, sizeof(eb));
	rc = jsonutil_parse(s, len, depth, &o, &eb);
	if ((rc == SCIM_OK) != (o != NULL))
		return (999);	/* *out must be NULL exactly on error */
	json_object_put(o);
	return (rc);
}

#define P(s)	parse(s, sizeof(s) - 1, SCIM_JSON_DEPTH)

/* Presence, removal of long keys and nulls, primary, stored values. */
static void
test_json_members(void)
{
	struct json_object	*o, *v = (struct json_object *)1;
	char			 longkey[300];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	o = json_tokener_parse("{\"Value\": null, \"primary\": true}");
	json_object_object_add(o, longkey, json_object_new_int(1));
	ok(jsonutil_has(o, "value", &v) && v == NULL, "has: a null is present");
	ok(!jsonutil_has(o, "display", &v) && v == NULL, "has: absent");
	ok(jsonutil_is_primary(o), "is_primary");
	jsonutil_del(o, "VALUE");
	ok(!jsonutil_has(o, "value", &v), "del removes a null member");
	longkey[0] = 'K';
	jsonutil_del(o, longkey);
	ok(json_object_object_length(o) == 1, "del removes a 299-byte key");
	json_object_put(o);
	v = json_object_new_string("primary");
	ok(!jsonutil_is_primary(v), "is_primary on a string");
	json_object_put(v);
	o = jsonutil_load("{\"a\": 1}xyz", 8);
	ok(o != NULL && json_object_get_int(jsonutil_get(o, "a", NULL)) == 1,
	    "load parses len bytes");
	json_object_put(o);
	ok(jsonutil_load("{", 1) == NULL, "load: NULL when not JSON");
}

static void
test_json(void)
{
	struct json_object	*o;
	struct scim_errbuf	 eb;
	const char		*key;
	char			*deep;
	size_t			 i;

	is_int(SCIM_OK, P("{\"a\": [1, 2, {\"b\": null}]}"), "parse object");
	is_int(SCIM_OK, P("{} \r\n\t"), "trailing whitespace allowed");
	is_int(SCIM_OK, P("\"\xc3\xa9\""), "UTF-8 string");
	is_int(SCIM_ESYNTAX, P(""), "empty body");
	is_int(SCIM_ESYNTAX, P("{} x"), "trailing bytes");
	is_int(SCIM_ESYNTAX, P("{}{}"), "two values");
	is_int(SCIM_ESYNTAX, P("{\"a\":1"), "truncated");
	is_int(SCIM_ESYNTAX, P("[1,]"), "trailing comma (strict)");
	is_int(SCIM_ESYNTAX, P("\"\xff\""), "bad UTF-8 byte");
	is_int(SCIM_ESYNTAX, P("\"\xc0\xaf\""), "overlong UTF-8");
	is_int(SCIM_ESYNTAX, P("\"\xed\xa0\x80\""), "UTF-8 surrogate");
	is_int(SCIM_ESYNTAX, P("{\"a\":\"b\0c\"}"), "NUL byte");
	is_int(SCIM_ESYNTAX, P("\"\xe2\x82\""), "cut multibyte sequence");

	memset(&eb, 0, sizeof(eb));
	is_int(SCIM_ESYNTAX, jsonutil_parse("{} x", 4, 32, &o, &eb),
	    "error code");
	ok(eb.eb_msg[0] != '\0', "error detail filled: %s", eb.eb_msg);

	deep = xmalloc(20000);
	for (i = 0; i < 16; i++) {
		deep[i] = '[';
		deep[16 + i] = ']';
	}
	is_int(SCIM_OK, parse(deep, 32, SCIM_JSON_DEPTH), "16 levels accepted");
	memset(deep, '[', 10000);
	is_int(SCIM_ESYNTAX, parse(deep, 10000, SCIM_JSON_DEPTH),
	    "10,000 '[' rejected without crashing");
	memset(deep + 10000, ']', 10000);
	is_int(SCIM_ESYNTAX, parse(deep, 20000, SCIM_JSON_DEPTH),
	    "10,000 balanced levels rejected");
	for (i = 0; i < 40; i++) {
		deep[i] = '[';
		deep[40 + i] = ']';
	}
	is_int(SCIM_ESYNTAX, parse(deep, 80, SCIM_JSON_DEPTH),
	    "40 levels exceed depth 32");
	free(deep);

	o = json_tokener_parse("{\"userName\": \"bjensen\", \"active\": true, "
	    "\"Emails\": [], \"a\": 1, \"A\": 2}");
	ok(jsonutil_get(o, "USERNAME", &key) != NULL &&
	    strcmp(key, "userName") == 0, "get ignores case, gives real key");
	ok(jsonutil_get(o, "emails", NULL) != NULL, "get emails/Emails");
	ok(jsonutil_getn(o, "activeXYZ", 6, NULL) != NULL, "getn by length");
	ok(jsonutil_get(o, "user", NULL) == NULL, "no prefix match");
	is_str("bjensen", jsonutil_get_str(o, "username"), "get_str");
	ok(jsonutil_get_str(o, "active") == NULL, "get_str on a boolean");
	ok(jsonutil_get(NULL, "a", NULL) == NULL, "get on NULL");
	jsonutil_del(o, "a");
	ok(jsonutil_get(o, "a", NULL) == NULL &&
	    jsonutil_get(o, "userName", NULL) != NULL,
	    "del removes every case variant only");
	json_object_put(o);
	o = json_object_new_array();
	ok(jsonutil_get(o, "a", NULL) == NULL, "get on an array");
	json_object_put(o);
	test_json_members();

	ok(jsonutil_utf8_ok("abc\xc3\xa9", 5), "utf8_ok");
	ok(!jsonutil_utf8_ok("\xf5\x80\x80\x80", 4),
	    "utf8_ok rejects > U+10FFFF");
	/* the eight-byte ASCII steps must not skip what they cannot take */
	ok(jsonutil_utf8_ok("abcdefghijklmnopqrstuvwxyz0123", 30),
	    "utf8_ok: long ASCII");
	ok(!jsonutil_utf8_ok("abcdefghijklm\0opqrstuvwxyz", 27),
	    "utf8_ok: a NUL inside an eight-byte step");
	ok(!jsonutil_utf8_ok("abcdefgh\0", 9), "utf8_ok: a NUL after one step");
	ok(jsonutil_utf8_ok("abcdefghij\xc3\xa9klmnopqrstu", 22),
	    "utf8_ok: a two-byte character between steps");
	ok(!jsonutil_utf8_ok("abcdefghijklmnopq\xc3", 18),
	    "utf8_ok: a character cut at the end");
	ok(!jsonutil_utf8_ok("abcdefghij\xed\xa0\x80klmnopqrstu", 23),
	    "utf8_ok: a surrogate between steps");
	ok(!jsonutil_utf8_ok("abcdefg\x80", 8), "utf8_ok: a stray continuation byte");
}

static void
test_escape(void)
{
	char	buf[64], small[8];

	is_str("a\\x22b\\x0ac\\x5c",
	    log_escape("a\"b\nc\\", 6, buf, sizeof(buf)),
	    "log_escape quotes, newline, backslash");
	is_str("\\xc3\\xa9", log_escape("\xc3\xa9", 2, buf, sizeof(buf)),
	    "log_escape non-ASCII");
	is_str("x\\x00y", log_escape("x\0y", 3, buf, sizeof(buf)),
	    "log_escape NUL inside len");
	log_escape("abcdefghijkl", 12, small, sizeof(small));
	ok(strlen(small) < sizeof(small) && strncmp(small, "abcdefghijkl",
	    strlen(small)) == 0, "log_escape truncates to fit");
	log_escape("\n\n\n\n", 4, small, sizeof(small));
	ok(strlen(small) < sizeof(small), "escapes never overflow");
}

/* jsonutil_raw_member: r and, when found, the value's first bytes. */
static void
raw_member(const char *s, const char *key, int want, const char *head)
{
	const char	*v = NULL;
	int		 r;

	r = jsonutil_raw_member(s, strlen(s), key, &v);
	ok(r == want && (r != 1 || strncmp(v, head, strlen(head)) == 0),
	    "raw_member %s in %s: %d%s%s", key, s, r, r == 1 ? " at " : "",
	    r == 1 ? v : "");
}

static void
test_raw_member(void)
{
	const char	*doc = "{\"schemas\":[\"a\",\"b\"],\"id\":\"x\","
	    "\"userName\":\"emails\\\"\",\"n\":12,\"ok\":true,"
	    "\"name\":{\"emails\":[1],\"s\":\"}]\"},\"emails\":[{\"type\":"
	    "\"work\",\"value\":\"a@b\"}],\"z\":null}";

	raw_member(doc, "emails", 1, "[{\"type\":\"work\"");
	raw_member(doc, "n", 1, "12,");
	raw_member(doc, "ok", 1, "true,");
	raw_member(doc, "z", 1, "null}");
	raw_member(doc, "schemas", 1, "[\"a\"");
	raw_member(doc, "title", 0, NULL);
	raw_member(doc, "s", 0, NULL);		/* nested only */
	raw_member(" { \"a\" : 1 , \"b\" : [ ] } ", "b", 1, "[ ]");
	raw_member("{}", "a", 0, NULL);
	raw_member("[1]", "a", -1, NULL);
	raw_member("{\"a\":\"unterminated", "b", -1, NULL);
	raw_member("{\"a\":[1,2", "b", -1, NULL);
	raw_member("{\"\\u0061\":1}", "a", -1, NULL);	/* escaped key */
	raw_member("{\"a\":1", "b", -1, NULL);
}

int
main(void)
{
	log_init("test_util", LOG_LVL_WARN);
	plan_lazy();
	test_uuid();
	test_uuid7();
	test_time();
	test_encode();
	test_json();
	test_escape();
	test_raw_member();
	return (done_testing());
}
