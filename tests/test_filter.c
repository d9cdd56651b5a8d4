/* Unit tests for filter.c: parsing, canonical printing, limits, matching. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "schema.h"
#include "util.h"
#include "tap.h"

#define ENT	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

static const char user_json[] =
    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\","
    "  \"" ENT "\"],"
    " \"id\":\"2819c223-7f76-453a-919d-413861904646\","
    " \"externalId\":\"ext-Bjensen\","
    " \"userName\":\"bjensen@example.com\","
    " \"name\":{\"familyName\":\"Jensen\",\"givenName\":\"Barbara\"},"
    " \"displayName\":\"Babs Jensen\","
    " \"nickName\":\"\","
    " \"title\":\"Tour Guide\","
    " \"active\":true,"
    " \"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\","
    "   \"primary\":true},"
    "  {\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
    " \"phoneNumbers\":[{\"value\":\"555-555-8377\",\"type\":\"work\"}],"
    " \"ims\":[],"
    " \"x509Certificates\":[{\"value\":\"MIIDQzCCAqygAwIBAgICEAAw\"}],"
    " \"meta\":{\"resourceType\":\"User\","
    "   \"created\":\"2010-01-23T04:56:22Z\","
    "   \"lastModified\":\"2011-05-13T04:42:34.000Z\","
    "   \"version\":\"W/\\\"a330bc54f0671c9\\\"\"},"
    " \"" ENT "\":{\"employeeNumber\":\"701984\","
    "   \"department\":\"Tour Operations\","
    "   \"manager\":{\"value\":\"26118915-6090-4610-87e4-49d8ca9f808d\","
    "     \"displayName\":\"John Smith\"}}}";

static const char group_json[] =
    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
    " \"id\":\"e9e30dba-f08f-4109-8486-d5c6a331660a\","
    " \"displayName\":\"Tour Guides\","
    " \"members\":[{\"value\":\"2819c223-7f76-453a-919d-413861904646\","
    "   \"type\":\"User\"}]}";

/* A test-only complex attribute: the core schemas have no numbers. */
static const struct schema_attr stat_subs[] = {
	{ .sa_name = "count", .sa_type = SCHEMA_INTEGER },
	{ .sa_name = "ratio", .sa_type = SCHEMA_DECIMAL },
	{ .sa_name = NULL }
};
static const struct schema_attr stat_attr = {
	.sa_name = "stats", .sa_type = SCHEMA_COMPLEX, .sa_multi = 1,
	.sa_subs = stat_subs
};

static struct json_object	*user, *group;

/* Parse s over rt and compare the canonical print with want. */
static void
roundtrip(const struct resource_type *rt, const char *s, const char *want)
{
	struct scim_errbuf	 eb;
	struct filter		*f = NULL;
	char			 buf[1024];
	int			 rc;

	eb.eb_msg[0] = '\0';
	rc = filter_parse(s, strlen(s), rt, NULL, &f, &eb);
	if (rc != SCIM_OK) {
		ok(0, "parse '%s'", s);
		diag("%s", eb.eb_msg);
		return;
	}
	filter_print(f, buf, sizeof(buf));
	is_str(want, buf, "print '%s'", s);
	filter_free(f);
}

/* s must fail with SCIM_EFILTER and a detail naming column col. */
static void
bad(const struct resource_type *rt, const char *s, size_t len, int col)
{
	struct scim_errbuf	 eb;
	struct filter		*f = (struct filter *)&eb;
	char			 want[32], show[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < len && i < sizeof(show) - 1; i++)
		show[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	show[i] = '\0';
	eb.eb_msg[0] = '\0';
	rc = filter_parse(s, len, rt, NULL, &f, &eb);
	snprintf(want, sizeof(want), "at column %d", col);
	ok(rc == SCIM_EFILTER && f == NULL &&
	    strncmp(eb.eb_msg, "filter: ", 8) == 0 &&
	    strstr(eb.eb_msg, want) != NULL, "reject '%s' (%s)", show,
	    eb.eb_msg);
	filter_free(rc == SCIM_OK ? f : NULL);
}

static void
bad_user(const char *s, int col)
{
	bad(&user_type, s, strlen(s), col);
}

/* Evaluate s against doc; -1 when it does not parse. */
static int
eval(const struct resource_type *rt, struct json_object *doc, const char *s)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	int			 r;

	if (filter_parse(s, strlen(s), rt, NULL, &f, &eb) != SCIM_OK) {
		diag("%s: %s", s, eb.eb_msg);
		return (-1);
	}
	r = filter_match(f, doc);
	filter_free(f);
	return (r);
}

static void
match_user(const char *s, int want)
{
	is_int(want, eval(&user_type, user, s), "%s: %s", want ? "match" :
	    "no match", s);
}

static void
match_group(const char *s, int want)
{
	is_int(want, eval(&group_type, group, s), "group %s: %s", want ?
	    "match" : "no match", s);
}

/* A sub-filter of parent evaluated on one element. */
static int
eval_sub(const struct schema_path *parent, struct json_object *elem,
    const char *s)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	int			 r;

	if (filter_parse_sub(s, strlen(s), parent, NULL, &f, &eb) !=
	    SCIM_OK) {
		diag("%s: %s", s, eb.eb_msg);
		return (-1);
	}
	r = filter_match_value(f, elem);
	filter_free(f);
	return (r);
}

static void
test_print(void)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	const char		*s;

	roundtrip(&user_type, "userName eq \"bjensen\"",
	    "userName eq \"bjensen\"");
	roundtrip(&user_type, "USERNAME Eq \"bjensen\"",
	    "userName eq \"bjensen\"");
	roundtrip(&user_type, "name.FAMILYNAME co \"O'Malley\"",
	    "name.familyName co \"O'Malley\"");
	roundtrip(&user_type, "userName sw \"J\"", "userName sw \"J\"");
	roundtrip(&user_type, "userName ew \"@example.com\"",
	    "userName ew \"@example.com\"");
	roundtrip(&user_type, "title PR", "title pr");
	roundtrip(&user_type, "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
	    "meta.lastModified gt \"2011-05-13T04:42:34Z\"");
	roundtrip(&user_type, "meta.lastModified ge \"2011-05-13T04:42:34Z\" "
	    "and meta.created lt \"2012-01-01T00:00:00Z\" and meta.created le "
	    "\"2012-01-01T00:00:00Z\" and title ne \"x\"",
	    "(meta.lastModified ge \"2011-05-13T04:42:34Z\" and meta.created lt "
	    "\"2012-01-01T00:00:00Z\" and meta.created le "
	    "\"2012-01-01T00:00:00Z\" and title ne \"x\")");
	roundtrip(&user_type, "title pr and userType eq \"Employee\"",
	    "(title pr and userType eq \"Employee\")");
	roundtrip(&user_type, "title pr OR userType eq \"Intern\"",
	    "(title pr or userType eq \"Intern\")");
	roundtrip(&user_type, "userType eq \"Employee\" and (emails co "
	    "\"example.com\" or emails.value co \"example.org\")",
	    "(userType eq \"Employee\" and (emails.value co \"example.com\" or "
	    "emails.value co \"example.org\"))");
	roundtrip(&user_type, "userType ne \"Employee\" and not (emails co "
	    "\"example.com\" or emails.value co \"example.org\")",
	    "(userType ne \"Employee\" and not (emails.value co \"example.com\" "
	    "or emails.value co \"example.org\"))");
	roundtrip(&user_type, "userType eq \"Employee\" and emails[type eq "
	    "\"work\" and value co \"@example.com\"]",
	    "(userType eq \"Employee\" and emails[type eq \"work\" and value co "
	    "\"@example.com\"])");
	roundtrip(&user_type, "emails[type eq \"work\" and value co "
	    "\"@example.com\"] or ims[type eq \"xmpp\" and value co "
	    "\"@foo.com\"]",
	    "(emails[type eq \"work\" and value co \"@example.com\"] or "
	    "ims[type eq \"xmpp\" and value co \"@foo.com\"])");
	/* precedence: and binds tighter than or */
	roundtrip(&user_type, "userName eq \"a\" or title eq \"b\" and "
	    "nickName eq \"c\"",
	    "(userName eq \"a\" or (title eq \"b\" and nickName eq \"c\"))");
	roundtrip(&user_type, "userName eq \"a\" and title eq \"b\" or "
	    "nickName eq \"c\"",
	    "((userName eq \"a\" and title eq \"b\") or nickName eq \"c\")");
	roundtrip(&user_type, "(userName eq \"a\" or title eq \"b\") and "
	    "nickName eq \"c\"",
	    "((userName eq \"a\" or title eq \"b\") and nickName eq \"c\")");
	roundtrip(&user_type, "((title pr and userName pr)) and (nickName pr)",
	    "(title pr and userName pr and nickName pr)");
	roundtrip(&user_type, "not(title pr)", "not (title pr)");
	roundtrip(&user_type, "NOT (title pr Or userName pr)",
	    "not (title pr or userName pr)");
	roundtrip(&user_type, ENT ":department eq \"Sales\"",
	    ENT ":department eq \"Sales\"");
	roundtrip(&user_type, "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:"
	    "ENTERPRISE:2.0:USER:Manager.Value eq \"x\"",
	    ENT ":manager.value eq \"x\"");
	roundtrip(&user_type, "urn:ietf:params:scim:schemas:core:2.0:User:"
	    "userName eq \"x\"", "userName eq \"x\"");
	roundtrip(&user_type, "urn:ietf:params:scim:schemas:core:2.0:User:"
	    "name.givenName sw \"B\"", "name.givenName sw \"B\"");
	roundtrip(&user_type, "emails[type eq \"work\"].value eq \"x\"",
	    "emails[type eq \"work\" and value eq \"x\"]");
	roundtrip(&user_type, "emails[type eq \"work\" or type eq \"home\"]."
	    "value pr", "emails[(type eq \"work\" or type eq \"home\") and "
	    "value pr]");
	roundtrip(&user_type, "emails[not (type eq \"work\")]",
	    "emails[not (type eq \"work\")]");
	roundtrip(&user_type, "active eq TRUE", "active eq true");
	roundtrip(&user_type, "active ne \"False\"", "active ne false");
	roundtrip(&user_type, "title eq NULL", "title eq null");
	roundtrip(&user_type, "displayName eq \"a\\\"b\\\\c\\u00e9\\/\"",
	    "displayName eq \"a\\\"b\\\\c\xc3\xa9/\"");
	roundtrip(&user_type, "emails eq \"x\"", "emails.value eq \"x\"");
	roundtrip(&user_type, "groups EQ \"g\"", "groups.value eq \"g\"");
	roundtrip(&user_type, "id eq \"1\" and externalId eq \"2\"",
	    "(id eq \"1\" and externalId eq \"2\")");
	roundtrip(&user_type, "emails[type eq \"work\"]",
	    "emails[type eq \"work\"]");
	roundtrip(&user_type, "name[givenName eq \"B\"]",
	    "name[givenName eq \"B\"]");
	roundtrip(&user_type, "x509Certificates.value eq \"MII\"",
	    "x509Certificates.value eq \"MII\"");
	roundtrip(&user_type, "groups.$REF pr", "groups.$ref pr");
	s = "\tuserName\r\neq   \"x\"\n";
	ok(filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) == SCIM_OK,
	    "tabs, CR and LF are white space");
	filter_free(f);
	roundtrip(&group_type, "members.value eq \"id\"",
	    "members.value eq \"id\"");
	roundtrip(&group_type, "urn:ietf:params:scim:schemas:core:2.0:Group:"
	    "displayName eq \"x\"", "displayName eq \"x\"");
	roundtrip(&group_type, "members[type eq \"User\" and value eq \"x\"]",
	    "members[type eq \"User\" and value eq \"x\"]");
}

static void
test_ast(void)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	const char		*s;
	char			 buf[8];
	size_t			 n;

	s = "userName eq \"a\" or title eq \"b\" and nickName eq \"c\"";
	if (filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) != SCIM_OK) {
		ok(0, "parse %s", s);
		return;
	}
	ok(f->f_op == FILTER_OR && f->f_left->f_op == FILTER_EQ &&
	    f->f_right->f_op == FILTER_AND, "or at the root, and below");
	ok(f->f_left->f_path.sp_attr != NULL &&
	    strcmp(f->f_left->f_path.sp_attr->sa_name, "userName") == 0 &&
	    json_object_is_type(f->f_left->f_value, json_type_string),
	    "comparison path and literal");
	n = filter_print(f, buf, sizeof(buf));
	ok(n == 55 && strcmp(buf, "(userNa") == 0, "print truncates, "
	    "returns needed length (%zu, %s)", n, buf);
	is_int(55, filter_print(f, NULL, 0), "print with no buffer");
	filter_free(f);

	s = "emails[type eq \"work\"].value eq \"x\"";
	if (filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) != SCIM_OK) {
		ok(0, "parse %s", s);
		return;
	}
	ok(f->f_op == FILTER_VALUEPATH && f->f_path.sp_sub == NULL &&
	    strcmp(f->f_path.sp_attr->sa_name, "emails") == 0 &&
	    f->f_left->f_op == FILTER_AND &&
	    f->f_left->f_left->f_op == FILTER_EQ &&
	    strcmp(f->f_left->f_left->f_path.sp_sub->sa_name, "type") == 0 &&
	    f->f_left->f_left->f_path.sp_attr == f->f_path.sp_attr &&
	    f->f_left->f_right->f_op == FILTER_EQ &&
	    strcmp(f->f_left->f_right->f_path.sp_sub->sa_name, "value") == 0,
	    "Entra form rewritten to VALUEPATH(emails, AND(type, value))");
	filter_free(f);

	s = ENT ":manager.value eq \"m\"";
	if (filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) != SCIM_OK) {
		ok(0, "parse %s", s);
		return;
	}
	ok(f->f_path.sp_ext == &schema_enterprise &&
	    strcmp(f->f_path.sp_attr->sa_name, "manager") == 0 &&
	    strcmp(f->f_path.sp_sub->sa_name, "value") == 0,
	    "extension path resolved");
	filter_free(f);

	s = "emails eq \"x\"";
	if (filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) != SCIM_OK) {
		ok(0, "parse %s", s);
		return;
	}
	ok(f->f_op == FILTER_EQ && f->f_path.sp_sub != NULL &&
	    strcmp(f->f_path.sp_sub->sa_name, "value") == 0,
	    "emails eq x is emails.value eq x");
	filter_free(f);

	/* the text need not be NUL-terminated */
	s = "title pr and garbage";
	ok(filter_parse(s, 8, &user_type, NULL, &f, &eb) == SCIM_OK,
	    "parse respects len");
	filter_free(f);
}

static void
test_errors(void)
{
	struct scim_errbuf	 eb;
	struct filter		*f;
	struct schema_path	 sp;
	const char		*s;

	s = "foo eq \"x\"";
	ok(filter_parse(s, strlen(s), &user_type, NULL, &f, &eb) ==
	    SCIM_EFILTER, "unknown attribute rejected");
	is_str("filter: unknown attribute 'foo' at column 1", eb.eb_msg,
	    "unknown attribute detail");
	bad_user("userName eq \"x\" and bar pr", 21);
	bad_user("name.nope eq \"x\"", 1);
	bad_user("userName zz \"x\"", 10);
	bad_user("userName", 9);
	bad_user("userName eq", 12);
	bad_user("userName eq \"x", 13);
	bad_user("userName eq \"x\\\"", 13);
	bad_user("(userName eq \"x\"", 17);
	bad_user("userName eq \"x\")", 16);
	bad_user("userName eq \"x\" or", 19);
	bad_user("userName eq \"x\" title pr", 17);
	bad_user("not userName eq \"x\"", 5);
	bad_user("not", 4);
	bad_user("()", 2);
	bad_user("", 1);
	bad_user("   ", 4);
	bad_user("emails[type eq \"work\"", 22);
	bad_user("emails[foo eq \"x\"]", 8);
	bad_user("emails[]", 8);
	bad_user("userName[value eq \"x\"]", 9);
	bad_user("emails.value[type eq \"x\"]", 13);
	bad_user("emails[type eq \"work\" and emails[value pr]]", 27);
	bad_user("emails[type eq \"work\" and value[value pr]]", 32);
	bad_user("emails[type eq \"work\"].bogus eq \"x\"", 24);
	bad_user("emails[type eq \"work\"].", 24);
	bad_user("emails[type eq \"work\"].value", 29);
	bad_user("active gt true", 8);
	bad_user("active le false", 8);
	bad_user("active eq \"yes\"", 11);
	bad_user("active eq 1", 11);
	bad_user("active co \"t\"", 8);
	bad_user("x509Certificates.value gt \"x\"", 24);
	bad_user("name eq \"x\"", 1);
	bad_user("meta eq \"x\"", 1);
	bad_user("manager eq \"x\"", 1);
	bad_user(ENT ":manager eq \"x\"", 1);
	bad_user(ENT " pr", 1);
	bad_user("meta.created gt \"yesterday\"", 17);
	bad_user("meta.created eq 5", 17);
	bad_user("userName gt null", 13);
	bad_user("userName co null", 13);
	bad_user("userName eq 12", 13);
	bad_user("userName eq true", 13);
	bad_user("userName eq 01", 13);
	bad_user("userName eq 1.", 13);
	bad_user("userName eq -", 13);
	bad_user("userName eq 1e999", 13);
	bad_user("userName eq bjensen", 13);
	bad_user("userName eq \"\\x\"", 13);
	bad_user("userName eq \"x\" # 1", 17);
	bad_user("userName+eq+\"x\"", 9);
	bad_user("userName eq 'x'", 13);
	bad_user("urn:ietf:params:scim:schemas:core:2.0:Group:displayName "
	    "eq \"x\"", 1);
	bad(&user_type, "userName eq \"\xff\"", 16, 13);
	bad(&user_type, "userName\0eq \"x\"", 15, 9);
	bad(&group_type, ENT ":department eq \"x\"", strlen(ENT) + 19, 1);
	bad(&group_type, "userName eq \"x\"", 15, 1);

	/* filter_parse_sub */
	schema_resolve(&user_type, "emails", 6, &sp);
	s = "emails[value pr]";
	ok(filter_parse_sub(s, strlen(s), &sp, NULL, &f, &eb) ==
	    SCIM_EFILTER && f == NULL, "no brackets in a sub-filter");
	s = "foo eq \"x\"";
	ok(filter_parse_sub(s, strlen(s), &sp, NULL, &f, &eb) ==
	    SCIM_EFILTER && strstr(eb.eb_msg, "column 1") != NULL,
	    "unknown sub-attribute (%s)", eb.eb_msg);
	schema_resolve(&user_type, "userName", 8, &sp);
	s = "value eq \"x\"";
	ok(filter_parse_sub(s, strlen(s), &sp, NULL, &f, &eb) ==
	    SCIM_EFILTER, "sub-filter needs a complex parent");
}

static void
test_limits(void)
{
	struct filter_limits	 big = { 1 << 20, 16, 64 };
	struct filter_limits	 wide = { 1 << 20, 16, 20000 };
	struct scim_errbuf	 eb;
	struct filter		*f;
	struct json_object	*doc;
	char			*s, *p;
	size_t			 n;
	int64_t			 t0;
	int			 i, rc;

	/* 10,000 nested parentheses */
	s = xmalloc(20100);
	memset(s, '(', 10000);
	strcpy(s + 10000, "title pr");
	memset(s + 10008, ')', 10000);
	n = 20008;
	t0 = util_mono_ms();
	ok(filter_parse(s, n, &user_type, NULL, &f, &eb) == SCIM_EFILTER &&
	    strstr(eb.eb_msg, "column 4097") != NULL,
	    "10,000-deep filter rejected by length (%s)", eb.eb_msg);
	ok(filter_parse(s, n, &user_type, &big, &f, &eb) == SCIM_EFILTER &&
	    strstr(eb.eb_msg, "deeper than 16 at column 17") != NULL,
	    "10,000-deep filter rejected by depth (%s)", eb.eb_msg);
	big.fl_max_depth = 1000000;
	ok(filter_parse(s, n, &user_type, &big, &f, &eb) == SCIM_EFILTER &&
	    strstr(eb.eb_msg, "deeper than 256") != NULL,
	    "nesting capped at 256 whatever the limits say (%s)", eb.eb_msg);
	big.fl_max_depth = 16;
	ok(util_mono_ms() - t0 < 1000, "deep filters rejected quickly");
	/* depth 16 is fine, 17 is not */
	memset(s, '(', 16);
	strcpy(s + 16, "title pr");
	memset(s + 24, ')', 16);
	ok(filter_parse(s, 40, &user_type, NULL, &f, &eb) == SCIM_OK,
	    "16 levels accepted");
	filter_free(f);
	memmove(s + 1, s, 40);
	s[41] = ')';
	ok(filter_parse(s, 42, &user_type, NULL, &f, &eb) == SCIM_EFILTER,
	    "17 levels rejected");
	strcpy(s, "not (not (emails[not (type pr)]))");
	big.fl_max_depth = 3;
	ok(filter_parse(s, strlen(s), &user_type, &big, &f, &eb) ==
	    SCIM_EFILTER, "not and [ ] count as depth (%s)", eb.eb_msg);
	big.fl_max_depth = 4;
	ok(filter_parse(s, strlen(s), &user_type, &big, &f, &eb) == SCIM_OK,
	    "depth 4 fits in 4");
	filter_free(f);
	big.fl_max_depth = 16;
	free(s);

	/* 5,000-term or chain */
	s = xmalloc(5000 * 24 + 1);
	for (i = 0, p = s; i < 5000; i++)
		p += sprintf(p, "%stitle eq \"t%04d\"", i ? " or " : "", i);
	n = (size_t)(p - s);
	t0 = util_mono_ms();
	ok(filter_parse(s, n, &user_type, NULL, &f, &eb) == SCIM_EFILTER,
	    "5,000-term chain rejected by length");
	ok(filter_parse(s, n, &user_type, &big, &f, &eb) == SCIM_EFILTER &&
	    strstr(eb.eb_msg, "more than 64 terms") != NULL,
	    "5,000-term chain rejected by terms (%s)", eb.eb_msg);
	ok(util_mono_ms() - t0 < 1000, "long chains rejected quickly");
	/* a wide limit: long chains parse, match and free without recursion */
	rc = filter_parse(s, n, &user_type, &wide, &f, &eb);
	ok(rc == SCIM_OK, "5,000-term chain with a wide limit");
	if (rc == SCIM_OK) {
		doc = json_tokener_parse("{\"title\":\"t4999\"}");
		ok(filter_match(f, doc) == 1, "last term of the chain matches");
		json_object_put(doc);
		ok(filter_print(f, NULL, 0) == n + 2, "print the long chain");
		filter_free(f);
	}
	/* 32 comparisons and 31 or nodes: 63 terms fit, 65 do not */
	for (i = 0, p = s; i < 32; i++)
		p += sprintf(p, "%stitle eq \"t%04d\"", i ? " or " : "", i);
	ok(filter_parse(s, (size_t)(p - s), &user_type, &big, &f, &eb) ==
	    SCIM_OK, "63 terms accepted");
	filter_free(f);
	p += sprintf(p, " or title pr");
	ok(filter_parse(s, (size_t)(p - s), &user_type, &big, &f, &eb) ==
	    SCIM_EFILTER, "65 terms rejected");
	free(s);

	/* exactly fl_max_len bytes */
	s = xmalloc(4098);
	memcpy(s, "title eq \"", 10);
	memset(s + 10, 'a', 4096 - 11);
	s[4095] = '"';
	ok(filter_parse(s, 4096, &user_type, NULL, &f, &eb) == SCIM_OK,
	    "4096 bytes accepted");
	filter_free(f);
	memset(s + 10, 'a', 4097 - 11);
	s[4096] = '"';
	ok(filter_parse(s, 4097, &user_type, NULL, &f, &eb) == SCIM_EFILTER,
	    "4097 bytes rejected");
	free(s);
}

static void
test_match(void)
{
	struct json_object	*doc;

	match_user("userName eq \"bjensen@example.com\"", 1);
	match_user("userName eq \"BJENSEN@EXAMPLE.COM\"", 1);
	match_user("userName eq \"bjensen\"", 0);
	match_user("userName ne \"bjensen\"", 1);
	match_user("userName ne \"BJensen@example.com\"", 0);
	match_user("id eq \"2819c223-7f76-453a-919d-413861904646\"", 1);
	match_user("id eq \"2819C223-7F76-453A-919D-413861904646\"", 0);
	match_user("externalId eq \"ext-Bjensen\"", 1);
	match_user("externalId eq \"ext-bjensen\"", 0);
	match_user("meta.resourceType eq \"user\"", 0);
	match_user("meta.resourceType eq \"User\"", 1);
	match_user("displayName co \"JENS\"", 1);
	match_user("displayName co \"xyz\"", 0);
	match_user("displayName co \"\"", 1);
	match_user("displayName sw \"babs\"", 1);
	match_user("displayName sw \"Jensen\"", 0);
	match_user("displayName ew \"JENSEN\"", 1);
	match_user("displayName ew \"Babs\"", 0);
	match_user("externalId co \"bjensen\"", 0);
	match_user("externalId co \"Bjensen\"", 1);
	match_user("title gt \"Tour\"", 1);
	match_user("title gt \"tour guide\"", 0);
	match_user("title ge \"TOUR GUIDE\"", 1);
	match_user("title lt \"tour guidf\"", 1);
	match_user("title lt \"Tour Guide\"", 0);
	match_user("title le \"tour guide\"", 1);
	match_user("active eq true", 1);
	match_user("active eq false", 0);
	match_user("active ne false", 1);
	match_user("active eq \"TRUE\"", 1);
	match_user("meta.created lt \"2011-01-01T00:00:00Z\"", 1);
	match_user("meta.created eq \"2010-01-23T05:56:22+01:00\"", 1);
	match_user("meta.created eq \"2010-01-23T04:56:22.000Z\"", 1);
	match_user("meta.created gt \"2010-01-23T04:56:22Z\"", 0);
	match_user("meta.created ge \"2010-01-23T04:56:22Z\"", 1);
	match_user("meta.lastModified gt \"2011-05-13T04:42:33.999Z\"", 1);
	match_user("meta.lastModified le \"2011-05-13T00:42:34-04:00\"", 1);
	match_user("meta.lastModified lt \"2011-05-13T04:42:34Z\"", 0);
	match_user("meta.created sw \"2010-01\"", 1);
	match_user("emails.value eq \"babs@jensen.org\"", 1);
	match_user("emails eq \"BABS@JENSEN.ORG\"", 1);
	match_user("emails.type eq \"other\"", 0);
	match_user("emails.value ne \"bjensen@example.com\"", 0);
	match_user("emails.value ne \"nobody@example.com\"", 1);
	match_user("emails[type eq \"work\" and value co \"@example.com\"]", 1);
	match_user("emails[type eq \"home\" and value co \"@example.com\"]", 0);
	match_user("emails.type eq \"home\" and emails.value co "
	    "\"@example.com\"", 1);
	match_user("emails[type eq \"work\"].value eq \"bjensen@example.com\"",
	    1);
	match_user("emails[type eq \"work\"].value eq \"babs@jensen.org\"", 0);
	match_user("emails[primary eq true]", 1);
	match_user("emails[type eq \"home\" and primary eq true]", 0);
	match_user("emails[not (type eq \"work\")]", 1);
	match_user("emails[type pr and not (primary pr)]", 1);
	match_user("phoneNumbers[type eq \"home\"]", 0);
	match_user("name.familyName eq \"jensen\"", 1);
	match_user("name[givenName sw \"bar\"]", 1);
	match_user(ENT ":department eq \"tour operations\"", 1);
	match_user(ENT ":manager.value eq "
	    "\"26118915-6090-4610-87e4-49d8ca9f808d\"", 1);
	match_user(ENT ":manager.displayName pr", 1);
	match_user(ENT ":costCenter pr", 0);
	match_user(ENT ":manager pr", 1);
	match_user("title pr", 1);
	match_user("nickName pr", 0);
	match_user("nickName eq null", 1);
	match_user("userType pr", 0);
	match_user("userType eq null", 1);
	match_user("userType ne null", 0);
	match_user("title ne null", 1);
	match_user("userType ne \"x\"", 1);
	match_user("userType eq \"x\"", 0);
	match_user("emails pr", 1);
	match_user("ims pr", 0);
	match_user("name pr", 1);
	match_user("groups pr", 0);
	match_user("not (userName eq \"x\")", 1);
	match_user("not (title pr)", 0);
	match_user("userName eq \"x\" or title pr and active eq true", 1);
	match_user("(userName eq \"x\" or title pr) and active eq false", 0);
	match_user("x509Certificates.value eq \"MIIDQzCCAqygAwIBAgICEAAw\"", 1);
	match_user("urn:ietf:params:scim:schemas:core:2.0:User:userName sw "
	    "\"BJ\"", 1);

	match_group("members.value eq \"2819c223-7f76-453a-919d-413861904646\"",
	    1);
	match_group("members eq \"2819C223-7F76-453A-919D-413861904646\"", 1);
	match_group("members[type eq \"User\"]", 1);
	match_group("members[type eq \"Group\"]", 0);
	match_group("displayName eq \"tour guides\"", 1);
	doc = json_tokener_parse("{\"displayName\":\"Empty\"}");
	is_int(0, eval(&group_type, doc, "members.value eq \"x\""),
	    "group without members: no match");
	is_int(0, eval(&group_type, doc, "members pr"),
	    "group without members: members not present");
	json_object_put(doc);

	/* booleans stored as strings still compare */
	doc = json_tokener_parse("{\"active\":\"True\"}");
	is_int(1, eval(&user_type, doc, "active eq true"),
	    "string \"True\" in the document is a boolean");
	json_object_put(doc);
	is_int(0, filter_match(NULL, user), "NULL filter matches nothing");
}

static void
test_sub(void)
{
	struct schema_path	 sp;
	struct scim_errbuf	 eb;
	struct filter		*f;
	struct json_object	*emails, *e0, *e1, *st;
	char			 buf[128];
	const char		*s;

	emails = json_object_object_get(user, "emails");
	e0 = json_object_array_get_idx(emails, 0);
	e1 = json_object_array_get_idx(emails, 1);
	schema_resolve(&user_type, "emails", 6, &sp);
	is_int(1, eval_sub(&sp, e0, "type eq \"work\""), "work element");
	is_int(0, eval_sub(&sp, e1, "type eq \"work\""), "home element");
	is_int(1, eval_sub(&sp, e1, "TYPE eq \"HOME\" and value ew \".org\""),
	    "and on one element");
	is_int(0, eval_sub(&sp, e1, "primary eq true"), "primary absent");
	is_int(1, eval_sub(&sp, e0, "primary eq true"), "primary true");
	is_int(1, eval_sub(&sp, e1, "not (primary pr)"), "not pr");

	s = "type eq \"work\"";
	if (filter_parse_sub(s, strlen(s), &sp, NULL, &f, &eb) == SCIM_OK) {
		ok(f->f_path.sp_attr == sp.sp_attr &&
		    strcmp(f->f_path.sp_sub->sa_name, "type") == 0,
		    "sub-filter path names the parent and the sub-attribute");
		filter_print(f, buf, sizeof(buf));
		is_str("emails.type eq \"work\"", buf, "sub-filter print");
		filter_free(f);
	} else
		ok(0, "parse sub %s", s);

	/* numbers, through a test-only attribute */
	sp.sp_ext = NULL;
	sp.sp_attr = &stat_attr;
	sp.sp_sub = NULL;
	st = json_tokener_parse("{\"count\":5,\"ratio\":0.5}");
	is_int(1, eval_sub(&sp, st, "count eq 5"), "integer eq");
	is_int(1, eval_sub(&sp, st, "count eq 5.0"), "integer eq decimal");
	is_int(1, eval_sub(&sp, st, "count gt -3"), "integer gt negative");
	is_int(0, eval_sub(&sp, st, "count ge 6"), "integer ge");
	is_int(1, eval_sub(&sp, st, "count lt 99999999999999999999"),
	    "integer lt huge");
	is_int(1, eval_sub(&sp, st, "ratio lt 0.75"), "decimal lt");
	is_int(1, eval_sub(&sp, st, "ratio eq 5e-1"), "decimal eq exponent");
	is_int(0, eval_sub(&sp, st, "ratio le 0.25"), "decimal le");
	is_int(-1, eval_sub(&sp, st, "count eq \"5\""), "string for integer");
	is_int(-1, eval_sub(&sp, st, "count co \"5\""), "co on integer");
	s = "ratio ge 1.50";
	if (filter_parse_sub(s, strlen(s), &sp, NULL, &f, &eb) == SCIM_OK) {
		filter_print(f, buf, sizeof(buf));
		is_str("stats.ratio ge 1.50", buf, "decimal keeps its spelling");
		filter_free(f);
	} else
		ok(0, "parse sub %s", s);
	json_object_put(st);
}

/* RFC 7644 3.4.2: in a root search, another type's attribute is unassigned. */
static void
root(const struct resource_type *rt, struct json_object *doc, const char *s,
    int want)
{
	struct scim_errbuf	 eb;
	struct filter		*f;

	eb.eb_msg[0] = '\0';
	if (filter_parse_root(s, strlen(s), rt, NULL, &f, &eb) != SCIM_OK) {
		is_int(want, -1, "root %s: %s (%s)", rt->rt_name, s, eb.eb_msg);
		return;
	}
	is_int(want, filter_match(f, doc), "root %s %s: %s", rt->rt_name,
	    want ? "match" : "no match", s);
	filter_free(f);
}

static void
test_root(void)
{
	root(&group_type, group, "userName pr", 0);
	root(&group_type, group, "userName eq \"bjensen@example.com\"", 0);
	root(&group_type, group, "userName sw \"b\"", 0);
	root(&group_type, group, "active eq false", 0);
	root(&group_type, group, "not (userName eq \"x\")", 1);
	root(&group_type, group, "userName ne \"x\"", 1);
	root(&group_type, group, "userName eq null", 1);
	root(&group_type, group, "userName ne null", 0);
	root(&group_type, group, "emails[type eq \"work\"]", 0);
	root(&group_type, group, "emails[type eq \"work\"].value co \"@\"", 0);
	root(&group_type, group, "not (emails[type eq \"work\"])", 1);
	root(&group_type, group, "name.givenName gt \"A\"", 0);
	root(&group_type, group, ENT ":department pr", 0);
	root(&group_type, group,
	    "userName eq \"x\" or displayName eq \"Tour Guides\"", 1);
	root(&group_type, group,
	    "userName eq \"x\" and displayName eq \"Tour Guides\"", 0);
	root(&user_type, user,
	    "userName eq \"bjensen@example.com\" or displayName eq \"y\"", 1);
	root(&user_type, user, "members.value eq \"x\"", 0);
	root(&user_type, user, "members[value eq \"x\"] or title pr", 1);
	/* the type that defines an attribute still checks it */
	root(&user_type, user, "active eq \"maybe\"", -1);
	root(&group_type, group, "displayName gt true", -1);
	/* an attribute no type defines is still an error */
	root(&group_type, group, "nosuch eq \"x\"", -1);
	root(&user_type, user, "userName eq \"x\" or nosuch pr", -1);
	root(&group_type, group, "name.nosuch eq \"x\"", -1);
	root(&user_type, user, "emails[nosuch eq \"x\"]", -1);
	root(&group_type, group, "userName eq", -1);
	/* on a type's own endpoint, as before */
	is_int(-1, eval(&group_type, group, "userName eq \"x\""),
	    "GET /Groups: userName is unknown");
}

int
main(void)
{
	plan_lazy();
	user = json_tokener_parse(user_json);
	group = json_tokener_parse(group_json);
	if (user == NULL || group == NULL) {
		printf("Bail out! test documents do not parse\n");
		return (1);
	}
	test_print();
	test_ast();
	test_errors();
	test_limits();
	test_match();
	test_sub();
	test_root();
	json_object_put(user);
	json_object_put(group);
	return (done_testing());
}
