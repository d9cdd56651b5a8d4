/*
 * query.c against a brute-force filter_match over a generated population:
 * the same resources in the same order, index plans that do not scan,
 * pagination and sorting.
 */
#include "scimd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "filter.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "member.h"
#include "query.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#define TEN		1
#define NUSERS		300
#define NGROUPS		30
#define NPOP		(NUSERS + NGROUPS)
#define BASE_MS		1704067200000LL		/* 2024-01-01T00:00:00Z */

struct res {
	const struct resource_type	*r_rt;
	uint64_t			 r_rid;
	char				 r_id[SCIM_ID_MAX];
	struct json_object		*r_doc;	/* as stored */
	struct json_object		*r_bf;	/* with members / groups */
};

static struct store	*st;
static struct res	 pop[NPOP];	/* users 0..299 (rid 1..300), groups */

static const char *const families[] = { "Smith", "jones", "Brown", "Taylor",
    "wilson", "Davies", "evans", "Thomas", "Johnson", "Roberts" };
static const char *const titles[] = { "Manager", "Engineer", "engineer",
    "Director", "Intern" };
static const char *const depts[] = { "Sales", "R&D", "sales", "Support" };

static struct res *
user(int i)
{
	return (&pop[i]);
}

static struct res *
group(int g)
{
	return (&pop[NUSERS + g]);
}

static void
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (json_object_object_add(o, k, v) != 0)
		abort();
}

/* What resource.c does on create: id, meta, res, id2r, indexes. */
static void
create(struct store_txn *t, uint32_t tenant, const struct resource_type *rt,
    uint64_t rid, struct json_object *doc, int64_t created, int64_t modified,
    char *idout)
{
	struct json_object	*meta, *schemas;
	struct scim_errbuf	 eb;
	struct store_val	 k, v;
	uint8_t			 kb[KEYS_ID2R_LEN], vb[KEYS_KR_LEN];
	char			 id[SCIM_ID_MAX], tb[40];
	const char		*s;
	size_t			 len;

	util_uuid(id);
	schemas = json_object_new_array();
	json_object_array_add(schemas, json_object_new_string(
	    rt->rt_schema->sc_id));
	add(doc, "schemas", schemas);
	add(doc, "id", json_object_new_string(id));
	meta = json_object_new_object();
	add(meta, "resourceType", json_object_new_string(rt->rt_name));
	util_time_fmt(created, tb, sizeof(tb));
	add(meta, "created", json_object_new_string(tb));
	util_time_fmt(modified, tb, sizeof(tb));
	add(meta, "lastModified", json_object_new_string(tb));
	add(meta, "version", json_object_new_string("W/\"1\""));
	add(doc, "meta", meta);
	s = jsonutil_compact(doc, &len);
	k = keys_res(kb, tenant, rt->rt_tag, rid);
	v.sv_data = s;
	v.sv_len = len;
	if (store_put(t, STORE_RES, &k, &v, STORE_NOOVERWRITE) != SCIM_OK)
		abort();
	k = keys_id2r(kb, tenant, id);
	v = keys_kr(vb, rt->rt_tag, rid);
	if (store_put(t, STORE_ID2R, &k, &v, STORE_NOOVERWRITE) != SCIM_OK)
		abort();
	if (index_update(t, tenant, rt, rid, NULL, doc, &eb) != SCIM_OK) {
		diag("index_update: %s", eb.eb_msg);
		abort();
	}
	if (record_count(t, tenant, rt->rt_tag, 1) != SCIM_OK)
		abort();
	if (idout != NULL)
		memcpy(idout, id, SCIM_ID_MAX);
}

static struct json_object *
make_user(int i, const char *prefix)
{
	struct json_object	*d = json_object_new_object(), *a, *e, *n, *x;
	static const char *const forms[] = { "user%03d", "User%03d",
	    "USER%03d", "uSeR%03d" };
	char			 buf[128];

	snprintf(buf, sizeof(buf), forms[i % 4], i);
	if (prefix != NULL) {
		char	tmp[128];

		snprintf(tmp, sizeof(tmp), "%s%s", prefix, buf);
		strlcpy(buf, tmp, sizeof(buf));
	}
	add(d, "userName", json_object_new_string(buf));
	if (i % 3 != 0) {
		snprintf(buf, sizeof(buf), i % 7 == 0 ? "EXT-%d" : "ext-%d", i);
		add(d, "externalId", json_object_new_string(buf));
	}
	if (i % 11 != 0) {
		n = json_object_new_object();
		add(n, "familyName", json_object_new_string(
		    families[(i * 7) % 10]));
		snprintf(buf, sizeof(buf), "Given%d", i);
		add(n, "givenName", json_object_new_string(buf));
		add(d, "name", n);
	}
	if (i % 9 == 0) {
		snprintf(buf, sizeof(buf), "Display %d", i);
		add(d, "displayName", json_object_new_string(buf));
	}
	if (i % 6 != 0)
		add(d, "title", json_object_new_string(titles[i % 5]));
	if (i % 13 != 0)
		add(d, "active", json_object_new_boolean(i % 2 == 0));
	if (i % 17 != 0) {
		a = json_object_new_array();
		e = json_object_new_object();
		snprintf(buf, sizeof(buf), i % 5 == 0 ? "User%03d@Example.com" :
		    "user%03d@example.com", i);
		add(e, "value", json_object_new_string(buf));
		add(e, "type", json_object_new_string("work"));
		add(e, "primary", json_object_new_boolean(1));
		if (i % 2 == 0) {
			/* home first, so sorting must pick the primary */
			x = json_object_new_object();
			snprintf(buf, sizeof(buf), "u%03d@home.org", i);
			add(x, "value", json_object_new_string(buf));
			add(x, "type", json_object_new_string("home"));
			json_object_array_add(a, x);
		}
		json_object_array_add(a, e);
		add(d, "emails", a);
	}
	if (i % 5 != 0) {
		e = json_object_new_object();
		add(e, "department", json_object_new_string(depts[i % 4]));
		snprintf(buf, sizeof(buf), "%d", i);
		add(e, "employeeNumber", json_object_new_string(buf));
		add(d, SCIM_SCHEMA_ENTERPRISE, e);
	}
	return (d);
}

/* Group g's members: users with i % 30 == g or i % 45 == g; 1 has 2, 3. */
static int
in_group(int i, int g)
{
	return (g != 0 && (i % 30 == g || i % 45 == g));
}

static struct json_object *
elem(const char *id, const char *display, const char *type)
{
	struct json_object	*e = json_object_new_object();

	add(e, "value", json_object_new_string(id));
	if (display != NULL)
		add(e, "display", json_object_new_string(display));
	add(e, "type", json_object_new_string(type));
	return (e);
}

static const char *
disp(struct json_object *doc)
{
	const char	*s;

	if ((s = jsonutil_get_str(doc, "displayName")) == NULL)
		s = jsonutil_get_str(doc, "userName");
	return (s);
}

static void
populate(void)
{
	struct store_txn	*t;
	struct json_object	*d, *arr;
	int			 i, g, added;
	int64_t			 created;

	store_begin(st, 1, &t);
	for (i = 0; i < NUSERS; i++) {
		d = make_user(i, NULL);
		created = BASE_MS + (int64_t)((i * 37) % NUSERS) * 3600000;
		pop[i].r_rt = &user_type;
		pop[i].r_rid = (uint64_t)i + 1;
		create(t, TEN, &user_type, pop[i].r_rid, d, created,
		    created + (i % 10) * 86400000LL, pop[i].r_id);
		pop[i].r_doc = d;
	}
	for (g = 0; g < NGROUPS; g++) {
		char	name[32];

		d = json_object_new_object();
		snprintf(name, sizeof(name), g % 2 ? "Group %02d" :
		    "group %02d", g);
		add(d, "displayName", json_object_new_string(name));
		if (g % 4 == 1) {
			snprintf(name, sizeof(name), "gext-%d", g);
			add(d, "externalId", json_object_new_string(name));
		}
		group(g)->r_rt = &group_type;
		group(g)->r_rid = NUSERS + (uint64_t)g + 1;
		create(t, TEN, &group_type, group(g)->r_rid, d,
		    BASE_MS + g * 1000LL, BASE_MS + g * 1000LL,
		    group(g)->r_id);
		group(g)->r_doc = d;
	}
	/* membership, and the brute-force view with members / groups */
	for (i = 0; i < NPOP; i++)
		pop[i].r_bf = json_tokener_parse(json_object_to_json_string(
		    pop[i].r_doc));
	for (g = 0; g < NGROUPS; g++) {
		arr = json_object_new_array();
		for (i = 0; i < NUSERS; i++) {
			if (!in_group(i, g))
				continue;
			member_add(t, TEN, group(g)->r_rid, RT_TAG_USER,
			    user(i)->r_rid, &added);
			json_object_array_add(arr, elem(user(i)->r_id,
			    disp(user(i)->r_doc), "User"));
		}
		if (g == 1) {
			for (i = 2; i <= 3; i++) {
				member_add(t, TEN, group(1)->r_rid,
				    RT_TAG_GROUP, group(i)->r_rid, &added);
				json_object_array_add(arr, elem(group(i)->r_id,
				    disp(group(i)->r_doc), "Group"));
			}
		}
		if (json_object_array_length(arr) > 0)
			add(group(g)->r_bf, "members", arr);
		else
			json_object_put(arr);
	}
	for (i = 0; i < NUSERS; i++) {
		arr = json_object_new_array();
		for (g = 0; g < NGROUPS; g++)
			if (in_group(i, g))
				json_object_array_add(arr, elem(group(g)->r_id,
				    disp(group(g)->r_doc), "direct"));
		if (json_object_array_length(arr) > 0)
			add(user(i)->r_bf, "groups", arr);
		else
			json_object_put(arr);
	}
	/* tenant 2: same names, never seen from tenant 1 */
	for (i = 0; i < 20; i++) {
		d = make_user(i, NULL);
		create(t, 2, &user_type, (uint64_t)i + 1, d, BASE_MS, BASE_MS,
		    NULL);
		json_object_put(d);
	}
	if (store_commit(t) != SCIM_OK)
		abort();
}

/* Expected rids (brute force over the population, rid order). */
static size_t
brute(const struct resource_type *rt, const struct filter *f, uint64_t *out)
{
	size_t	i, n = 0;

	for (i = 0; i < NPOP; i++)
		if (pop[i].r_rt == rt && (f == NULL ||
		    filter_match(f, pop[i].r_bf)))
			out[n++] = pop[i].r_rid;
	return (n);
}

static struct res *
by_rid(uint64_t rid)
{
	return (rid >= 1 && rid <= NPOP ? &pop[rid - 1] : NULL);
}

/* The page holds the expected rids and each doc is the stored one. */
static int
same(const struct query_result *r, const uint64_t *want, size_t n)
{
	const char	*id;
	size_t		 i;

	if (r->qr_n != n)
		return (0);
	for (i = 0; i < n; i++) {
		if (r->qr_rids[i] != want[i])
			return (0);
		/* an eq the index decides reads no document */
		if (r->qr_docs[i] == NULL)
			continue;
		id = jsonutil_get_str(r->qr_docs[i], "id");
		if (id == NULL || strcmp(id, by_rid(want[i])->r_id) != 0)
			return (0);
	}
	return (1);
}

static struct filter *
parse(const struct resource_type *rt, const char *text)
{
	struct filter		*f = NULL;
	struct scim_errbuf	 eb;

	if (filter_parse(text, strlen(text), rt, NULL, &f, &eb) != SCIM_OK)
		diag("filter_parse(%s): %s", text, eb.eb_msg);
	return (f);
}

static int
run(const struct query *q, struct query_result *r)
{
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	int			 rc;

	store_begin(st, 0, &t);
	rc = query_run(t, q, r, &eb);
	store_abort(t);
	return (rc);
}

/*
 * One filter: query_run must agree with brute force; indexed forms must
 * not scan and examine at most maxex documents.
 */
static void
check(const struct resource_type *rt, int indexed, size_t maxex,
    const char *fmt, ...)
{
	struct query		 q;
	struct query_result	 r;
	struct filter		*f;
	static uint64_t		 want[NPOP];
	char			 text[512];
	va_list			 ap;
	size_t			 n;
	int			 rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((f = parse(rt, text)) == NULL) {
		ok(0, "parse %s", text);
		return;
	}
	n = brute(rt, f, want);
	memset(&q, 0, sizeof(q));
	q.q_rt = rt;
	q.q_tenant = TEN;
	q.q_filter = f;
	q.q_start = 1;
	q.q_count = NPOP;
	rc = run(&q, &r);
	ok(rc == SCIM_OK && r.qr_total == n && same(&r, want, n),
	    "%s: %zu match%s (got rc %d, total %zu, n %zu)", text, n,
	    n == 1 ? "" : "es", rc, r.qr_total, r.qr_n);
	if (indexed)
		ok(r.qr_scanned == 0 && r.qr_examined <= maxex,
		    "  indexed: scanned %d, examined %zu (max %zu)",
		    r.qr_scanned, r.qr_examined, maxex);
	query_result_free(&r);
	filter_free(f);
}

static void
test_filters(void)
{
	struct res	*u42 = user(42), *g5 = group(5), *g2 = group(2);
	char		 upper[SCIM_ID_MAX];
	size_t		 i;

	/* userName: index, folded */
	/* maxex 0: an eq the index decides exactly reads no document */
	check(&user_type, 1, 0, "userName eq \"user005\"");
	check(&user_type, 1, 0, "userName eq \"USER006\"");
	check(&user_type, 1, 0, "USERNAME Eq \"uSeR007\"");
	check(&user_type, 1, 0, "userName eq \"nobody\"");
	check(&user_type, 1, 10, "userName sw \"user01\"");
	check(&user_type, 1, NUSERS, "userName sw \"U\"");
	check(&user_type, 0, 0, "userName co \"01\"");
	check(&user_type, 0, 0, "userName ew \"9\"");
	check(&user_type, 0, 0, "userName ne \"user005\"");
	check(&user_type, 0, 0, "userName gt \"user250\"");
	check(&user_type, 0, 0, "userName ge \"USER250\"");
	check(&user_type, 0, 0, "userName lt \"user010\"");
	check(&user_type, 0, 0, "userName le \"user010\"");
	check(&user_type, 0, 0, "not (userName eq \"user005\")");
	check(&user_type, 0, 0, "userName pr");
	/* emails */
	check(&user_type, 1, 0, "emails.value eq \"USER010@example.com\"");
	check(&user_type, 1, 0, "emails.value eq \"user010@EXAMPLE.com\"");
	check(&user_type, 1, 1,
	    "emails[type eq \"work\"].value eq \"user010@example.com\"");
	check(&user_type, 1, 1,
	    "emails[type eq \"work\"].value eq \"u010@home.org\"");
	check(&user_type, 1, 1,
	    "emails[type eq \"home\" and value eq \"u010@home.org\"]");
	check(&user_type, 1, 2, "emails[value eq \"u010@home.org\" or "
	    "value eq \"user011@example.com\"]");
	check(&user_type, 1, 12, "emails.value sw \"u01\"");
	check(&user_type, 0, 0, "emails.value ew \"@home.org\"");
	check(&user_type, 0, 0, "emails[type eq \"home\"]");
	check(&user_type, 0, 0, "emails[not (type eq \"home\")]");
	check(&user_type, 0, 0, "emails[type eq \"work\" and value co \"01\"]");
	check(&user_type, 0, 0, "emails.type eq \"home\"");
	check(&user_type, 0, 0, "emails pr");
	check(&user_type, 0, 0, "not (emails pr)");
	check(&user_type, 0, 0, "emails.primary eq true");
	/* externalId: exact */
	check(&user_type, 1, 0, "externalId eq \"ext-10\"");
	check(&user_type, 1, 0, "externalId eq \"EXT-14\"");
	check(&user_type, 1, 0, "externalId eq \"ext-14\"");
	check(&user_type, 0, 0, "externalId sw \"EXT\"");
	check(&user_type, 0, 0, "externalId pr");
	/* id */
	check(&user_type, 1, 1, "id eq \"%s\"", u42->r_id);
	check(&user_type, 1, 0, "id eq \"%s\"", g5->r_id);
	check(&user_type, 1, 0, "id eq \"not-a-uuid\"");
	for (i = 0; i < SCIM_ID_LEN; i++)
		upper[i] = u42->r_id[i] >= 'a' && u42->r_id[i] <= 'f' ?
		    u42->r_id[i] - 32 : u42->r_id[i];
	upper[SCIM_ID_LEN] = '\0';
	check(&user_type, 1, 0, "id eq \"%s\"", upper);
	check(&user_type, 0, 0, "id sw \"%.8s\"", u42->r_id);
	/* other attributes, booleans, complex, extension, meta */
	check(&user_type, 0, 0, "active eq true");
	check(&user_type, 0, 0, "active eq false");
	check(&user_type, 0, 0, "not (active eq true)");
	check(&user_type, 0, 0, "active pr");
	check(&user_type, 0, 0, "active ne true");
	check(&user_type, 0, 0, "title eq \"engineer\"");
	check(&user_type, 0, 0, "title pr and not (title eq \"Intern\")");
	check(&user_type, 0, 0, "displayName pr");
	check(&user_type, 0, 0, "name.familyName eq \"SMITH\"");
	check(&user_type, 0, 0, "name.familyName sw \"j\"");
	check(&user_type, 0, 0, "name[givenName ew \"7\"]");
	check(&user_type, 0, 0, "name pr");
	check(&user_type, 0, 0, "urn:ietf:params:scim:schemas:extension:"
	    "enterprise:2.0:User:department eq \"sales\"");
	check(&user_type, 0, 0, "urn:ietf:params:scim:schemas:extension:"
	    "enterprise:2.0:User:employeeNumber gt \"5\"");
	check(&user_type, 0, 0, "urn:ietf:params:scim:schemas:extension:"
	    "enterprise:2.0:User:department pr");
	check(&user_type, 0, 0, "meta.created gt \"2024-01-05T00:00:00Z\"");
	check(&user_type, 0, 0,
	    "meta.created le \"2024-01-05T01:00:00.000+01:00\"");
	check(&user_type, 0, 0, "meta.lastModified ge \"2024-01-10T00:00:00Z\""
	    " and meta.lastModified lt \"2024-01-12T00:00:00Z\"");
	check(&user_type, 0, 0, "meta.resourceType eq \"User\"");
	check(&user_type, 0, 0, "meta.resourceType eq \"user\"");
	/* and / or */
	check(&user_type, 1, 1, "userName eq \"user006\" and active eq true");
	check(&user_type, 1, 1, "active eq true and userName eq \"user006\"");
	check(&user_type, 1, 2,
	    "userName eq \"user005\" or userName eq \"user006\"");
	check(&user_type, 1, 3, "userName eq \"user005\" or emails.value eq "
	    "\"u008@home.org\" or externalId eq \"ext-10\"");
	check(&user_type, 1, 1, "userName eq \"user005\" and emails.value eq "
	    "\"user005@example.com\"");
	check(&user_type, 1, 1, "userName eq \"user005\" and emails.value eq "
	    "\"user006@example.com\"");
	check(&user_type, 1, 10, "userName sw \"user0\" and emails.value sw "
	    "\"u00\"");
	check(&user_type, 1, 3, "(userName eq \"user005\" or title eq \"x\") "
	    "and (externalId eq \"ext-1\" or externalId eq \"ext-5\" or "
	    "externalId eq \"ext-7\")");
	check(&user_type, 0, 0, "userName eq \"user005\" or title eq \"Intern\"");
	check(&user_type, 0, 0, "title eq \"Manager\" and (active eq false or "
	    "name.familyName eq \"Jones\")");
	check(&user_type, 0, 0, "not (not (userName sw \"user1\"))");
	/* User.groups, kept in the membership DBs */
	check(&user_type, 1, 20, "groups.value eq \"%s\"", g5->r_id);
	check(&user_type, 1, 20, "groups[value eq \"%s\"]", g5->r_id);
	check(&user_type, 1, 0, "groups.value eq \"%s\"", u42->r_id);
	check(&user_type, 0, 0, "groups pr");
	check(&user_type, 0, 0, "not (groups pr)");
	check(&user_type, 0, 0, "groups.display eq \"Group 05\"");
	check(&user_type, 0, 0, "groups.value eq \"%s\" or active eq false",
	    g5->r_id);

	/* groups */
	check(&group_type, 1, 0, "displayName eq \"GROUP 05\"");
	check(&group_type, 1, 0, "displayName eq \"Group 5\"");
	check(&group_type, 0, 0, "displayName sw \"Group 1\"");
	check(&group_type, 0, 0, "displayName co \"0\"");
	check(&group_type, 1, 0, "externalId eq \"gext-5\"");
	check(&group_type, 1, 1, "id eq \"%s\"", g5->r_id);
	check(&group_type, 1, 0, "id eq \"%s\"", u42->r_id);
	check(&group_type, 1, 4, "members.value eq \"%s\"", u42->r_id);
	check(&group_type, 1, 4, "members.value eq \"%s\"", upper);
	check(&group_type, 1, 4, "members[value eq \"%s\"]", u42->r_id);
	check(&group_type, 1, 4, "members[value eq \"%s\" and type eq \"User\"]",
	    u42->r_id);
	check(&group_type, 1, 1, "members.value eq \"%s\"", g2->r_id);
	check(&group_type, 1, 0, "members.value eq \"%s\"", group(0)->r_id);
	check(&group_type, 1, 1, "members.value eq \"%s\" and displayName eq "
	    "\"group 12\"", u42->r_id);
	check(&group_type, 0, 0, "members pr");
	check(&group_type, 0, 0, "not (members pr)");
	check(&group_type, 0, 0, "members[type eq \"Group\"]");
	check(&group_type, 0, 0, "members.display sw \"user04\"");
	check(&group_type, 0, 0, "members.value ne \"%s\"", u42->r_id);
	check(&group_type, 0, 0, "meta.created ge \"2024-01-01T00:00:10Z\"");
}

static void
page(const struct query *q, const char *what)
{
	static uint64_t		 want[NPOP];
	struct query_result	 r;
	struct filter		*f = (struct filter *)q->q_filter;
	size_t			 n, s, c;
	int			 rc;

	n = brute(q->q_rt, f, want);
	s = q->q_start > 1 ? q->q_start - 1 : 0;
	if (s > n)
		s = n;
	c = n - s < q->q_count ? n - s : q->q_count;
	rc = run(q, &r);
	ok(rc == SCIM_OK && r.qr_total == n && same(&r, want + s, c),
	    "%s: total %zu, %zu on the page (got %zu, %zu)", what, n, c,
	    r.qr_total, r.qr_n);
	query_result_free(&r);
}

static void
test_pages(void)
{
	struct query		 q;
	struct query_result	 r;
	struct json_object	*doc;
	struct store_txn	*t;

	memset(&q, 0, sizeof(q));
	q.q_rt = &user_type;
	q.q_tenant = TEN;
	q.q_start = 1;
	q.q_count = 10;
	page(&q, "users 1-10");
	run(&q, &r);
	ok(r.qr_scanned == 1 && r.qr_examined == 10,
	    "unfiltered listing parses only the page (%zu)", r.qr_examined);
	query_result_free(&r);
	q.q_start = 295;
	page(&q, "users from 295");
	q.q_start = 301;
	page(&q, "users from 301 (empty page)");
	q.q_start = 0;
	page(&q, "startIndex 0 treated as 1");
	q.q_start = 1;
	q.q_count = 0;
	run(&q, &r);
	ok(r.qr_total == NUSERS && r.qr_n == 0 && r.qr_docs == NULL &&
	    r.qr_examined == 0, "count 0: total only");
	query_result_free(&r);
	q.q_rt = &group_type;
	q.q_count = 100;
	page(&q, "all groups");
	q.q_tenant = 2;
	q.q_rt = &user_type;
	run(&q, &r);
	ok(r.qr_total == 20, "tenant 2 has its own 20 users");
	query_result_free(&r);
	q.q_tenant = 3;
	run(&q, &r);
	ok(r.qr_total == 0 && r.qr_n == 0, "empty tenant");
	query_result_free(&r);

	q.q_tenant = TEN;
	q.q_filter = parse(&user_type, "active eq true");
	q.q_start = 3;
	q.q_count = 5;
	page(&q, "active eq true, 3-7");
	q.q_count = 0;
	run(&q, &r);
	ok(r.qr_n == 0 && r.qr_total > 100, "filtered count 0: total %zu",
	    r.qr_total);
	query_result_free(&r);
	q.q_count = 10;
	q.q_max_scan = 50;
	is_int(SCIM_ETOOMANY, run(&q, &r), "scan over max_scan: ETOOMANY");
	ok(r.qr_n == 0 && r.qr_docs == NULL, "result empty on error");
	q.q_max_scan = NUSERS;
	is_int(SCIM_OK, run(&q, &r), "max_scan = population is enough");
	query_result_free(&r);
	filter_free((struct filter *)q.q_filter);
	q.q_filter = parse(&user_type, "userName eq \"user005\"");
	q.q_max_scan = 1;
	is_int(SCIM_OK, run(&q, &r), "indexed query within max_scan 1");
	query_result_free(&r);
	filter_free((struct filter *)q.q_filter);
	q.q_filter = NULL;
	q.q_max_scan = 5;
	is_int(SCIM_OK, run(&q, &r), "unfiltered listing ignores max_scan");
	query_result_free(&r);

	store_begin(st, 0, &t);
	is_int(SCIM_OK, record_load(t, TEN, &user_type, 43, &doc),
	    "record_load");
	is_str(user(42)->r_id, jsonutil_get_str(doc, "id"), "loaded doc");
	json_object_put(doc);
	is_int(SCIM_ENOTFOUND, record_load(t, TEN, &group_type, 43, &doc),
	    "record_load of another kind: ENOTFOUND");
	ok(doc == NULL, "doc NULL on error");
	store_abort(t);
}

/* Brute-force sort key: string (folded compare), number, or missing. */
struct bkey {
	uint64_t	 rid;
	const char	*s;
	double		 d;
	int		 has;
};

static int	bdesc, bnum;

static int
bkey_cmp(const void *a, const void *b)
{
	const struct bkey	*x = a, *y = b;
	int			 c;

	if (!x->has || !y->has) {
		/* RFC 7644 3.4.2.3: last ascending, first descending */
		c = 0;
		if (x->has != y->has)
			c = x->has ? -1 : 1;
	} else if (bnum)
		c = (x->d > y->d) - (x->d < y->d);
	else
		c = strcasecmp(x->s, y->s);
	if (bdesc)
		c = -c;
	if (c == 0)
		c = (x->rid > y->rid) - (x->rid < y->rid);
	return (c);
}

static const char *
sub_of(struct json_object *doc, const char *attr, const char *sub)
{
	struct json_object	*v, *e, *p;
	size_t			 i;

	if (!json_object_object_get_ex(doc, attr, &v))
		return (NULL);
	if (json_object_is_type(v, json_type_array)) {
		e = NULL;
		for (i = 0; i < json_object_array_length(v); i++) {
			p = json_object_array_get_idx(v, i);
			if (json_object_object_get_ex(p, "primary", &p) &&
			    json_object_get_boolean(p))
				e = json_object_array_get_idx(v, i);
		}
		v = e != NULL ? e : json_object_array_get_idx(v, 0);
	}
	if (sub == NULL)
		return (json_object_get_string(v));
	return (jsonutil_get_str(v, sub));
}

static void
sorted(const char *path, const char *attr, const char *sub, int desc,
    int num, const char *filter, size_t start, size_t count)
{
	static struct bkey	 keys[NPOP];
	static uint64_t		 want[NPOP];
	struct schema_path	 sp;
	struct query		 q;
	struct query_result	 r;
	struct filter		*f = NULL;
	size_t			 i, n = 0, s, c;
	int64_t			 ms;
	int			 rc;

	if (schema_resolve(&user_type, path, strlen(path), &sp) != SCIM_OK) {
		ok(0, "resolve %s", path);
		return;
	}
	if (filter != NULL)
		f = parse(&user_type, filter);
	for (i = 0; i < NUSERS; i++) {
		if (f != NULL && !filter_match(f, pop[i].r_bf))
			continue;
		keys[n].rid = pop[i].r_rid;
		keys[n].s = sub_of(pop[i].r_doc, attr, sub);
		keys[n].has = keys[n].s != NULL;
		if (num && keys[n].has) {
			util_time_parse(keys[n].s, &ms);
			keys[n].d = (double)ms;
		}
		n++;
	}
	bdesc = desc;
	bnum = num;
	qsort(keys, n, sizeof(*keys), bkey_cmp);
	for (i = 0; i < n; i++)
		want[i] = keys[i].rid;
	memset(&q, 0, sizeof(q));
	q.q_rt = &user_type;
	q.q_tenant = TEN;
	q.q_filter = f;
	q.q_sort = &sp;
	q.q_desc = desc;
	q.q_start = start;
	q.q_count = count;
	s = start - 1 < n ? start - 1 : n;
	c = n - s < count ? n - s : count;
	rc = run(&q, &r);
	ok(rc == SCIM_OK && r.qr_total == n && same(&r, want + s, c),
	    "sortBy=%s %s%s%s, %zu-%zu of %zu", path,
	    desc ? "descending" : "ascending", f ? ", filter " : "",
	    f ? filter : "", start, start + count - 1, n);
	query_result_free(&r);
	filter_free(f);
}

static void
test_sort(void)
{
	sorted("userName", "userName", NULL, 0, 0, NULL, 1, NPOP);
	sorted("userName", "userName", NULL, 1, 0, NULL, 1, NPOP);
	sorted("USERNAME", "userName", NULL, 1, 0, NULL, 11, 7);
	sorted("name.familyName", "name", "familyName", 0, 0, NULL, 1, NPOP);
	sorted("name.familyName", "name", "familyName", 1, 0, NULL, 1, NPOP);
	sorted("name.familyName", "name", "familyName", 0, 0, NULL, 290, 20);
	sorted("name.familyName", "name", "familyName", 1, 0,
	    "active eq true", 5, 30);
	sorted("title", "title", NULL, 0, 0, "not (userName sw \"user1\")", 1,
	    NPOP);
	sorted("emails.value", "emails", "value", 0, 0, NULL, 1, NPOP);
	sorted("emails", "emails", "value", 1, 0, NULL, 1, NPOP);
	sorted("meta.created", "meta", "created", 0, 1, NULL, 1, NPOP);
	sorted("meta.lastModified", "meta", "lastModified", 1, 1,
	    "userName sw \"user0\"", 1, NPOP);
	sorted("name.familyName", "name", "familyName", 0, 0,
	    "userName eq \"user011\"", 1, 10);
}

int
main(void)
{
	struct scim_errbuf	 eb;
	char			*dir = test_mkdtemp();
	size_t			 i;

	plan_lazy();
	if (store_open(&(struct store_params){ .sp_dir = dir,
	    .sp_mapsize = 256 * 1024 * 1024, .sp_flags = STORE_NOSYNC }, &st,
	    &eb) != SCIM_OK) {
		diag("store_open: %s", eb.eb_msg);
		return (1);
	}
	populate();
	test_filters();
	test_pages();
	test_sort();
	store_close(st);
	for (i = 0; i < NPOP; i++) {
		json_object_put(pop[i].r_doc);
		json_object_put(pop[i].r_bf);
	}
	test_rm_rf(dir);
	free(dir);
	return (done_testing());
}
