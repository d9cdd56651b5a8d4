/* index.c and member.c: index maintenance, probes, verify; membership. */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "index.h"
#include "jsonutil.h"
#include "keys.h"
#include "member.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#define TEN	1
#define NDOC	64

static struct store		*st;
/* the current stored document of each (tenant 1) resource number */
static struct json_object	*docs[NDOC];
static const struct resource_type *kinds[NDOC];

static size_t
verify_bad(struct store_txn *t, uint32_t tenant)
{
	size_t	bad = 999;

	if (index_verify(t, tenant, &bad) != SCIM_OK)
		return (999);
	return (bad);
}

/*
 * Store doc (JSON text, or NULL to delete) as resource rid, maintaining the
 * indexes as resource.c does.  Returns index_update's code; on failure the
 * txn is aborted and the remembered state is left as it was.
 */
static int
save(uint32_t tenant, const struct resource_type *rt, uint64_t rid,
    const char *text)
{
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	struct json_object	*nd = NULL, *old;
	struct store_val	 k, v;
	uint8_t			 kb[KEYS_RES_LEN];
	const char		*s;
	size_t			 len;
	int			 rc;

	old = tenant == TEN ? docs[rid] : NULL;
	if (text != NULL && (nd = json_tokener_parse(text)) == NULL) {
		diag("bad JSON in test: %s", text);
		return (SCIM_EINVAL);
	}
	store_begin(st, 1, &t);
	eb.eb_msg[0] = '\0';
	rc = index_update(t, tenant, rt, rid, old, nd, &eb);
	k = keys_res(kb, tenant, rt->rt_tag, rid);
	if (rc == SCIM_OK && nd != NULL) {
		s = jsonutil_compact(nd, &len);
		v.sv_data = s;
		v.sv_len = len;
		/* a new resource counts for its type, as record.c keeps it */
		if (store_get(t, STORE_RES, &k, NULL) == SCIM_ENOTFOUND)
			rc = record_count(t, tenant, rt->rt_tag, 1);
		if (rc == SCIM_OK)
			rc = store_put(t, STORE_RES, &k, &v, 0);
	} else if (rc == SCIM_OK) {
		rc = store_del(t, STORE_RES, &k, NULL);
		if (rc == SCIM_OK)
			rc = record_count(t, tenant, rt->rt_tag, -1);
	}
	if (rc == SCIM_OK && verify_bad(t, tenant) != 0) {
		diag("index_verify failed inside the txn");
		rc = SCIM_ESTORE;
	}
	if (rc != SCIM_OK) {
		store_abort(t);
		json_object_put(nd);
		return (rc);
	}
	rc = store_commit(t);
	if (tenant == TEN) {
		json_object_put(docs[rid]);
		docs[rid] = nd;
		kinds[rid] = rt;
	} else
		json_object_put(nd);
	return (rc);
}

/* "1,2" style list of the probe's results, or "ERR n". */
static const char *
probe(uint32_t tenant, const struct resource_type *rt, enum index_kind kind,
    const char *val, int prefix)
{
	static char		 out[256];
	struct store_txn	*t;
	struct idset		 set = { NULL, 0, 0 };
	size_t			 i, o = 0;
	int			 rc;

	store_begin(st, 0, &t);
	rc = index_probe(t, tenant, rt, kind, val, strlen(val), prefix, 0,
	    &set);
	store_abort(t);
	out[0] = '\0';
	if (rc != SCIM_OK)
		snprintf(out, sizeof(out), "ERR %d", rc);
	for (i = 0; rc == SCIM_OK && i < set.is_n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%llu",
		    i ? "," : "", (unsigned long long)set.is_v[i]);
	idset_free(&set);
	return (out);
}

static size_t
verify_now(uint32_t tenant)
{
	struct store_txn	*t;
	size_t			 bad;

	store_begin(st, 0, &t);
	bad = verify_bad(t, tenant);
	store_abort(t);
	return (bad);
}

static void
test_idset(void)
{
	struct idset	a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	uint64_t	i;

	for (i = 40; i > 0; i--)
		idset_add(&a, i % 20);
	idset_sort(&a);
	is_int(20, (long long)a.is_n, "idset_sort de-duplicates");
	ok(a.is_v[0] == 0 && a.is_v[19] == 19, "and sorts");
	idset_add(&b, 5);
	idset_add(&b, 50);
	idset_add(&b, 7);
	idset_sort(&b);
	ok(idset_has(&b, 50) && !idset_has(&b, 6), "idset_has");
	idset_union(&b, &a);
	is_int(21, (long long)b.is_n, "union");
	idset_free(&b);
	idset_add(&b, 7);
	idset_add(&b, 99);
	idset_sort(&b);
	idset_intersect(&a, &b);
	ok(a.is_n == 1 && a.is_v[0] == 7, "intersect");
	idset_free(&a);
	idset_free(&b);
	ok(a.is_v == NULL && a.is_n == 0, "idset_free resets");
}

static void
test_users(void)
{
	struct store_txn	*t;
	struct store_val	 k;
	struct scim_errbuf	 eb;
	struct json_object	*nd;
	uint8_t			 kb[64];
	char			*l1, *l2, *buf;
	size_t			 i;
	int			 rc;

	is_int(SCIM_OK, save(TEN, &user_type, 1, "{\"id\":\"1\","
	    "\"userName\":\"Alice\",\"externalId\":\"EXT-1\",\"emails\":["
	    "{\"value\":\"a@x.com\",\"type\":\"work\"},{\"value\":\"A2@x.com\"},"
	    "{\"value\":\"A@X.COM\"}],\"active\":true}"), "create alice");
	is_str("1", probe(TEN, &user_type, INDEX_USERNAME, "alice", 0),
	    "userName eq alice");
	is_str("1", probe(TEN, &user_type, INDEX_USERNAME, "ALICE", 0),
	    "userName eq ALICE (folded)");
	is_str("", probe(TEN, &user_type, INDEX_USERNAME, "alic", 0),
	    "no partial match on eq");
	is_str("1", probe(TEN, &user_type, INDEX_USERNAME, "AL", 1),
	    "userName sw AL");
	is_str("1", probe(TEN, &user_type, INDEX_EMAIL, "a@X.com", 0),
	    "email eq, folded, duplicate values in one doc");
	is_str("1", probe(TEN, &user_type, INDEX_EMAIL, "a2@x.com", 0),
	    "second email");
	is_str("1", probe(TEN, &user_type, INDEX_EXTID, "EXT-1", 0),
	    "externalId eq");
	is_str("", probe(TEN, &user_type, INDEX_EXTID, "ext-1", 0),
	    "externalId is case exact");
	is_str("", probe(TEN, &group_type, INDEX_EXTID, "EXT-1", 0),
	    "externalId is per kind");
	is_str("ERR -1", probe(TEN, &group_type, INDEX_USERNAME, "alice", 0),
	    "userName index on groups: EINVAL");
	is_int(0, (long long)verify_now(TEN), "verify after create");

	is_int(SCIM_EUNIQUE, save(TEN, &user_type, 2,
	    "{\"userName\":\"ALICE\"}"), "userName unique ignoring case");
	is_int(SCIM_OK, save(2, &user_type, 2, "{\"userName\":\"alice\"}"),
	    "same userName in another tenant");
	is_str("2", probe(2, &user_type, INDEX_USERNAME, "alice", 0),
	    "tenant 2 probe");
	is_int(0, (long long)verify_now(2), "verify tenant 2");

	is_int(SCIM_OK, save(TEN, &user_type, 2, "{\"userName\":\"bob\","
	    "\"externalId\":\"ext-1\",\"emails\":[{\"value\":\"a@x.com\"}]}"),
	    "create bob sharing alice's email");
	is_str("1,2", probe(TEN, &user_type, INDEX_EMAIL, "A@x.com", 0),
	    "shared email gives both");
	is_str("1,2", probe(TEN, &user_type, INDEX_EMAIL, "a", 1),
	    "email prefix");
	is_str("2", probe(TEN, &user_type, INDEX_EXTID, "ext-1", 0),
	    "lower-case externalId is bob's");
	is_str("", probe(TEN, &user_type, INDEX_USERNAME, "c", 1),
	    "prefix without match");
	is_int(0, (long long)verify_now(TEN), "verify after bob");

	/* changing only active touches no index key: remove the keys by
	 * hand first, and they must stay missing */
	store_begin(st, 1, &t);
	k.sv_data = kb;
	k.sv_len = 4 + 5;
	util_put_be32(kb, TEN);
	memcpy(kb + 4, "alice", 5);
	is_int(SCIM_OK, store_del(t, STORE_IX_USERNAME, &k, NULL),
	    "(remove alice's userName key by hand)");
	nd = json_tokener_parse(json_object_to_json_string(docs[1]));
	json_object_object_add(nd, "active", json_object_new_boolean(0));
	rc = index_update(t, TEN, &user_type, 1, docs[1], nd, &eb);
	is_int(SCIM_OK, rc, "index_update for an active change");
	ok(store_get(t, STORE_IX_USERNAME, &k, NULL) == SCIM_ENOTFOUND,
	    "no index key was rewritten");
	ok(verify_bad(t, TEN) > 0, "verify notices the missing key");
	store_abort(t);
	json_object_put(nd);
	is_int(0, (long long)verify_now(TEN), "abort restored it");

	/* emails: remove one, add one */
	is_int(SCIM_OK, save(TEN, &user_type, 1, "{\"userName\":\"Alice\","
	    "\"externalId\":\"EXT-1\",\"emails\":[{\"value\":\"A2@x.com\"},"
	    "{\"value\":\"c@x.com\",\"type\":\"home\"}]}"), "alice's emails "
	    "change");
	is_str("2", probe(TEN, &user_type, INDEX_EMAIL, "a@x.com", 0),
	    "removed email is bob's only");
	is_str("1", probe(TEN, &user_type, INDEX_EMAIL, "c@x.com", 0),
	    "added email");
	is_str("1", probe(TEN, &user_type, INDEX_EMAIL, "a2@x.com", 0),
	    "kept email");
	is_int(0, (long long)verify_now(TEN), "verify after email change");

	/* renaming frees the old name */
	is_int(SCIM_OK, save(TEN, &user_type, 1, "{\"userName\":\"alice2\","
	    "\"emails\":[{\"value\":\"A2@x.com\"}]}"), "rename alice");
	is_str("", probe(TEN, &user_type, INDEX_USERNAME, "alice", 0),
	    "old userName gone");
	is_str("", probe(TEN, &user_type, INDEX_EXTID, "EXT-1", 0),
	    "dropped externalId gone");
	is_str("1", probe(TEN, &user_type, INDEX_USERNAME, "Alice2", 0),
	    "new userName");
	is_int(SCIM_OK, save(TEN, &user_type, 3, "{\"userName\":\"alice\"}"),
	    "the old name can be reused");
	is_int(0, (long long)verify_now(TEN), "verify after rename");

	/* long values are hashed: eq exact, prefix a superset */
	l1 = xmalloc(1001);
	memset(l1, 'L', 1000);
	l1[1000] = '\0';
	l2 = xstrdup(l1);
	l2[999] = 'M';
	buf = xmalloc(1100);
	snprintf(buf, 1100, "{\"userName\":\"%s\"}", l1);
	is_int(SCIM_OK, save(TEN, &user_type, 4, buf), "1000-byte userName");
	for (i = 0; i < 1000; i++)
		l1[i] = 'l';
	is_str("4", probe(TEN, &user_type, INDEX_USERNAME, l1, 0),
	    "eq on the long userName (folded)");
	is_str("", probe(TEN, &user_type, INDEX_USERNAME, l2, 0),
	    "a long value differing at the end does not match");
	l1[380] = '\0';
	is_str("4", probe(TEN, &user_type, INDEX_USERNAME, l1, 1),
	    "380-byte prefix of the long userName");
	l1[380] = 'l';
	l1[399] = '\0';
	is_str("4", probe(TEN, &user_type, INDEX_USERNAME, l1, 1),
	    "399-byte prefix of the long userName");
	l1[399] = 'l';
	l1[600] = '\0';
	is_str("4", probe(TEN, &user_type, INDEX_USERNAME, l1, 1),
	    "600-byte prefix of the long userName");
	l1[600] = 'l';
	snprintf(buf, 1100, "{\"userName\":\"%s\"}", l1);
	is_int(SCIM_EUNIQUE, save(TEN, &user_type, 5, buf),
	    "long userName unique ignoring case");
	snprintf(buf, 1100, "{\"userName\":\"%s\"}", l2);
	is_int(SCIM_OK, save(TEN, &user_type, 5, buf),
	    "another long userName with the same start");
	is_int(0, (long long)verify_now(TEN), "verify with long values");
	free(l1);
	free(l2);
	free(buf);

	/* delete */
	is_int(SCIM_OK, save(TEN, &user_type, 2, NULL), "delete bob");
	is_str("", probe(TEN, &user_type, INDEX_USERNAME, "bob", 0),
	    "bob's userName gone");
	is_str("", probe(TEN, &user_type, INDEX_EMAIL, "a@x.com", 0),
	    "bob's email gone");
	is_str("", probe(TEN, &user_type, INDEX_EXTID, "ext-1", 0),
	    "bob's externalId gone");
	is_int(0, (long long)verify_now(TEN), "verify after delete");

	/* verify notices a stray entry */
	store_begin(st, 1, &t);
	util_put_be32(kb, TEN);
	memcpy(kb + 4, "ghost", 5);
	k.sv_data = kb;
	k.sv_len = 9;
	{
		uint8_t			 rb[8];
		struct store_val	 v = { rb, 8 };

		util_put_be64(rb, 42);
		store_put(t, STORE_IX_EMAIL, &k, &v, 0);
	}
	ok(verify_bad(t, TEN) > 0, "verify notices a stray email entry");
	store_abort(t);
}

static void
test_groups(void)
{
	is_int(SCIM_OK, save(TEN, &group_type, 10, "{\"displayName\":"
	    "\"Admins\",\"externalId\":\"EXT-1\"}"), "create group Admins");
	is_int(SCIM_EUNIQUE, save(TEN, &group_type, 11,
	    "{\"displayName\":\"admins\"}"), "group displayName unique");
	is_int(SCIM_OK, save(TEN, &group_type, 11,
	    "{\"displayName\":\"Staff\"}"), "create group Staff");
	is_str("10", probe(TEN, &group_type, INDEX_GNAME, "ADMINS", 0),
	    "displayName eq folded");
	is_str("10", probe(TEN, &group_type, INDEX_EXTID, "EXT-1", 0),
	    "group externalId apart from users'");
	is_str("ERR -1", probe(TEN, &user_type, INDEX_GNAME, "admins", 0),
	    "group index on users: EINVAL");
	is_int(SCIM_OK, save(TEN, &user_type, 12, "{\"userName\":\"x\","
	    "\"displayName\":\"Admins\",\"externalId\":\"EXT-1\"}"),
	    "a user's displayName is not a group name");
	is_str("12", probe(TEN, &user_type, INDEX_EXTID, "EXT-1", 0),
	    "user externalId EXT-1");
	is_str("10", probe(TEN, &group_type, INDEX_EXTID, "EXT-1", 0),
	    "group externalId EXT-1 still the group's");
	is_int(SCIM_OK, save(TEN, &group_type, 10, "{\"displayName\":"
	    "\"Root\"}"), "rename the group");
	is_str("", probe(TEN, &group_type, INDEX_GNAME, "admins", 0),
	    "old group name gone");
	is_str("", probe(TEN, &group_type, INDEX_EXTID, "EXT-1", 0),
	    "old group externalId gone");
	is_int(0, (long long)verify_now(TEN), "verify with groups");
}

struct each_arg {
	char	buf[128];
	size_t	o;
	int	stop_after;
};

static int
each_fn(uint8_t tag, uint64_t rid, void *arg)
{
	struct each_arg	*a = arg;

	a->o += (size_t)snprintf(a->buf + a->o, sizeof(a->buf) - a->o,
	    "%s%c%llu", a->o ? "," : "", tag, (unsigned long long)rid);
	return (a->stop_after > 0 && --a->stop_after == 0);
}

static const char *
each(struct store_txn *t, uint64_t g, size_t skip, size_t max, int stop)
{
	static struct each_arg	a;

	memset(&a, 0, sizeof(a));
	a.stop_after = stop;
	if (member_each(t, TEN, g, skip, max, each_fn, &a) != SCIM_OK)
		return ("ERR");
	return (a.buf);
}

static const char *
groups_of(struct store_txn *t, uint8_t tag, uint64_t rid)
{
	static char	out[128];
	struct idset	set = { NULL, 0, 0 };
	size_t		i, o = 0;

	out[0] = '\0';
	member_groups(t, TEN, tag, rid, &set);
	for (i = 0; i < set.is_n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%llu",
		    i ? "," : "", (unsigned long long)set.is_v[i]);
	idset_free(&set);
	return (out);
}

static void
test_members(void)
{
	struct store_txn	*t;
	size_t			 n;
	int			 added, removed;

	store_begin(st, 1, &t);
	is_int(SCIM_OK, member_add(t, TEN, 10, RT_TAG_USER, 3, &added),
	    "add user 3 to 10");
	is_int(1, added, "added");
	member_add(t, TEN, 10, RT_TAG_USER, 3, &added);
	is_int(0, added, "adding again: not added");
	member_add(t, TEN, 10, RT_TAG_USER, 1, &added);
	member_add(t, TEN, 10, RT_TAG_GROUP, 11, &added);
	member_add(t, TEN, 11, RT_TAG_USER, 3, &added);
	member_add(t, TEN, 11, RT_TAG_USER, 4, &added);
	is_int(SCIM_OK, member_count(t, TEN, 10, &n), "count");
	is_int(3, (long long)n, "group 10 has 3 members");
	member_count(t, TEN, 99, &n);
	is_int(0, (long long)n, "unknown group has 0");
	is_str("G11,U1,U3", each(t, 10, 0, 0, 0), "member_each in key order");
	is_str("U1,U3", each(t, 10, 1, 0, 0), "skip 1");
	is_str("U1", each(t, 10, 1, 1, 0), "skip 1 max 1");
	is_str("G11,U1", each(t, 10, 0, 0, 2), "callback stops");
	is_str("", each(t, 99, 0, 0, 0), "no members");
	ok(member_is(t, TEN, 10, RT_TAG_USER, 3), "member_is U3 in 10");
	ok(!member_is(t, TEN, 10, RT_TAG_USER, 4), "U4 not in 10");
	ok(!member_is(t, TEN, 10, RT_TAG_GROUP, 3), "G3 (tag matters) not");
	is_str("10,11", groups_of(t, RT_TAG_USER, 3), "groups of U3");
	is_str("10", groups_of(t, RT_TAG_GROUP, 11), "groups of G11");
	is_str("", groups_of(t, RT_TAG_USER, 5), "U5 in none");

	is_int(SCIM_OK, member_remove(t, TEN, 10, RT_TAG_USER, 1, &removed),
	    "remove U1 from 10");
	is_int(1, removed, "removed");
	member_remove(t, TEN, 10, RT_TAG_USER, 1, &removed);
	is_int(0, removed, "removing again: not removed");
	is_str("", groups_of(t, RT_TAG_USER, 1), "U1 memberof gone");

	is_int(SCIM_OK, member_clear_member(t, TEN, RT_TAG_USER, 3),
	    "clear_member U3");
	is_str("", groups_of(t, RT_TAG_USER, 3), "U3 in no group");
	is_str("G11", each(t, 10, 0, 0, 0), "10 lost U3");
	is_str("U4", each(t, 11, 0, 0, 0), "11 lost U3");
	is_int(SCIM_OK, member_clear_member(t, TEN, RT_TAG_USER, 3),
	    "clear_member again is fine");

	is_int(SCIM_OK, member_clear_group(t, TEN, 11), "clear_group 11");
	is_str("", each(t, 11, 0, 0, 0), "11 empty");
	is_str("", groups_of(t, RT_TAG_USER, 4), "U4 memberof gone");
	is_str("10", groups_of(t, RT_TAG_GROUP, 11),
	    "11's own membership of 10 kept");
	is_int(SCIM_OK, member_clear_group(t, TEN, 11), "clear empty group");
	is_int(SCIM_OK, store_commit(t), "commit");

	store_begin(st, 0, &t);
	is_str("G11", each(t, 10, 0, 0, 0), "persisted");
	ok(member_is(t, TEN, 10, RT_TAG_GROUP, 11), "member_is in read txn");
	store_abort(t);
}

int
main(void)
{
	struct scim_errbuf	 eb;
	char			*dir = test_mkdtemp();
	size_t			 i;

	plan_lazy();
	if (store_open(&(struct store_params){ .sp_dir = dir,
	    .sp_mapsize = 64 * 1024 * 1024, .sp_flags = STORE_NOSYNC }, &st,
	    &eb) != SCIM_OK) {
		diag("store_open: %s", eb.eb_msg);
		return (1);
	}
	test_idset();
	test_users();
	test_groups();
	test_members();
	store_close(st);
	for (i = 0; i < NDOC; i++)
		json_object_put(docs[i]);
	test_rm_rf(dir);
	free(dir);
	return (done_testing());
}
