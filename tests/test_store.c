/* store.h over its LMDB backend (store_lmdb.c). */
#include "scimd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "error.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#define MAP	(16 * 1024 * 1024)
/* store_open's parameters for the LMDB store in dir */
#define LMDB(dir, map, fl)	(&(struct store_params){ .sp_dir = (dir), \
	    .sp_mapsize = (map), .sp_flags = (fl) })

static struct store_val
sv_str(const char *s)
{
	struct store_val	v = { s, strlen(s) };

	return (v);
}

static struct store_val
sv_u64(uint8_t *buf, uint64_t n)
{
	struct store_val	v = { buf, 8 };

	util_put_be64(buf, n);
	return (v);
}

/* 1 when key holds exactly the string want. */
static int
has(struct store_txn *t, enum store_db db, const char *key, const char *want)
{
	struct store_val	k = sv_str(key), v;

	if (store_get(t, db, &k, &v) != SCIM_OK)
		return (want == NULL);
	return (want != NULL && v.sv_len == strlen(want) &&
	    memcmp(v.sv_data, want, v.sv_len) == 0);
}

static int
put(struct store_txn *t, enum store_db db, const char *key, const char *val,
    int flags)
{
	struct store_val	k = sv_str(key), v = sv_str(val);

	return (store_put(t, db, &k, &v, flags));
}

static int
sv_eq(const struct store_val *v, const char *s)
{
	return (v->sv_len == strlen(s) && memcmp(v->sv_data, s, v->sv_len) == 0);
}

static void
test_basic(const char *dir)
{
	struct store		*s;
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	struct store_val	 k;
	size_t			 n, used, map;

	is_int(SCIM_OK, store_open(LMDB(dir, MAP, STORE_NOSYNC), &s, &eb),
	    "open new");
	is_int(SCIM_OK, store_begin(s, 1, &t), "begin write");
	is_int(SCIM_OK, put(t, STORE_RES, "k1", "v1", 0), "put k1");
	is_int(SCIM_OK, put(t, STORE_RES, "k2", "v2", STORE_NOOVERWRITE),
	    "put k2 nooverwrite");
	is_int(SCIM_EUNIQUE, put(t, STORE_RES, "k1", "x", STORE_NOOVERWRITE),
	    "nooverwrite on existing key: EUNIQUE");
	ok(has(t, STORE_RES, "k1", "v1"), "k1 unchanged after refused put");
	is_int(SCIM_OK, put(t, STORE_RES, "k2", "v2b", 0), "overwrite k2");
	ok(has(t, STORE_RES, "k2", "v2b"), "k2 overwritten");
	ok(has(t, STORE_ID2R, "k1", NULL), "databases are separate");
	is_int(SCIM_OK, put(t, STORE_RES, "k3", "v3", 0), "put k3");
	k = sv_str("k3");
	is_int(SCIM_OK, store_del(t, STORE_RES, &k, NULL), "del k3");
	is_int(SCIM_ENOTFOUND, store_del(t, STORE_RES, &k, NULL),
	    "del missing: ENOTFOUND");
	is_int(SCIM_ENOTFOUND, store_get(t, STORE_RES, &k, NULL),
	    "get deleted: ENOTFOUND");
	is_int(SCIM_OK, store_commit(t), "commit");

	/* an aborted write leaves nothing behind */
	is_int(SCIM_OK, store_begin(s, 1, &t), "begin write 2");
	put(t, STORE_RES, "gone", "x", 0);
	store_abort(t);
	store_abort(NULL);
	store_usage(s, &used, &map);
	ok(used > 0 && map == MAP, "store_usage: %zu of %zu", used, map);
	store_close(s);

	is_int(SCIM_OK, store_open(LMDB(dir, MAP, 0), &s, &eb), "reopen");
	is_int(SCIM_OK, store_begin(s, 0, &t), "begin read");
	ok(has(t, STORE_RES, "k1", "v1") && has(t, STORE_RES, "k2", "v2b"),
	    "data persisted across reopen");
	ok(has(t, STORE_RES, "gone", NULL), "aborted write not persisted");
	is_int(SCIM_OK, store_entries(t, STORE_RES, &n), "entries");
	is_int(2, (long long)n, "two entries in res");
	is_int(SCIM_OK, store_commit(t), "commit of a read txn");
	/* the reset read txn is reused */
	is_int(SCIM_OK, store_begin(s, 0, &t), "begin read again");
	ok(has(t, STORE_RES, "k1", "v1"), "reused read txn sees data");
	store_abort(t);
	store_close(s);

	is_int(SCIM_OK, store_open(LMDB(dir, MAP, STORE_RDONLY), &s, &eb),
	    "open read-only");
	is_int(SCIM_OK, store_begin(s, 0, &t), "begin read (rdonly env)");
	ok(has(t, STORE_RES, "k2", "v2b"), "read-only env reads");
	store_abort(t);
	store_close(s);
}

static void
test_dupsort(struct store *s)
{
	struct store_txn	*t;
	struct store_cursor	*c;
	struct store_val	 k = sv_str("mail"), v, w;
	uint8_t			 b[8], b2[8];
	size_t			 n;

	store_begin(s, 1, &t);
	for (int i = 3; i >= 1; i--) {
		v = sv_u64(b, (uint64_t)i);
		is_int(SCIM_OK, store_put(t, STORE_IX_EMAIL, &k, &v, 0),
		    "dup put %d", i);
	}
	v = sv_u64(b, 2);
	is_int(SCIM_EUNIQUE, store_put(t, STORE_IX_EMAIL, &k, &v,
	    STORE_NODUPDATA), "NODUPDATA on an existing pair: EUNIQUE");
	is_int(SCIM_OK, store_put(t, STORE_IX_EMAIL, &k, &v, 0),
	    "plain put of an existing pair is accepted");
	v = sv_u64(b, 7);
	w = sv_str("other");
	is_int(SCIM_OK, store_put(t, STORE_IX_EMAIL, &w, &v, 0),
	    "another key");

	is_int(SCIM_OK, store_cursor_open(t, STORE_IX_EMAIL, &c), "cursor");
	is_int(SCIM_OK, store_cursor_find(c, &k, &v), "find");
	ok(v.sv_len == 8 && util_get_be64(v.sv_data) == 1,
	    "find gives the first duplicate");
	is_int(SCIM_OK, store_cursor_count(c, &n), "count");
	is_int(3, (long long)n, "three duplicates (no double insert)");
	is_int(SCIM_OK, store_cursor_next_dup(c, &v), "next_dup");
	is_int(2, (long long)util_get_be64(v.sv_data), "second is 2");
	is_int(SCIM_OK, store_cursor_next_dup(c, &v), "next_dup");
	is_int(3, (long long)util_get_be64(v.sv_data), "third is 3");
	is_int(SCIM_ENOTFOUND, store_cursor_next_dup(c, &v),
	    "next_dup after the last: ENOTFOUND");
	w = sv_u64(b2, 2);
	is_int(SCIM_OK, store_cursor_find_dup(c, &k, &w, &v), "find_dup 2");
	is_int(2, (long long)util_get_be64(v.sv_data), "find_dup exact");
	w = sv_u64(b2, 0);
	store_cursor_find_dup(c, &k, &w, &v);
	is_int(1, (long long)util_get_be64(v.sv_data),
	    "find_dup 0 gives the next (1)");
	w = sv_u64(b2, 9);
	is_int(SCIM_ENOTFOUND, store_cursor_find_dup(c, &k, &w, &v),
	    "find_dup past the last: ENOTFOUND");
	w = sv_str("nokey");
	is_int(SCIM_ENOTFOUND, store_cursor_find(c, &w, &v),
	    "find missing key: ENOTFOUND");
	store_cursor_close(c);

	v = sv_u64(b, 2);
	is_int(SCIM_OK, store_del(t, STORE_IX_EMAIL, &k, &v), "del one pair");
	is_int(SCIM_ENOTFOUND, store_del(t, STORE_IX_EMAIL, &k, &v),
	    "del that pair again: ENOTFOUND");
	store_cursor_open(t, STORE_IX_EMAIL, &c);
	store_cursor_find(c, &k, &v);
	store_cursor_count(c, &n);
	is_int(2, (long long)n, "two duplicates left");
	store_cursor_close(c);
	is_int(SCIM_OK, store_del(t, STORE_IX_EMAIL, &k, NULL),
	    "del whole key");
	is_int(SCIM_ENOTFOUND, store_get(t, STORE_IX_EMAIL, &k, &v),
	    "no duplicates left");
	w = sv_str("other");
	ok(store_get(t, STORE_IX_EMAIL, &w, &v) == SCIM_OK &&
	    util_get_be64(v.sv_data) == 7, "other key untouched");
	store_commit(t);
}

static void
test_cursor(struct store *s)
{
	struct store_txn	*t;
	struct store_cursor	*c;
	struct store_val	 k, v, key;
	size_t			 n;

	store_begin(s, 1, &t);
	put(t, STORE_AUDIT, "b", "2", 0);
	put(t, STORE_AUDIT, "a", "1", 0);
	put(t, STORE_AUDIT, "d", "4", 0);
	put(t, STORE_AUDIT, "c", "3", 0);
	store_cursor_open(t, STORE_AUDIT, &c);
	is_int(SCIM_OK, store_cursor_seek(c, NULL, &k, &v), "seek first");
	ok(sv_eq(&k, "a") && sv_eq(&v, "1"), "first is a");
	store_cursor_next(c, &k, &v);
	ok(sv_eq(&k, "b"), "next is b");
	key = sv_str("bb");
	store_cursor_seek(c, &key, &k, &v);
	ok(sv_eq(&k, "c"), "seek bb lands on c");
	key = sv_str("c");
	store_cursor_seek(c, &key, &k, &v);
	ok(sv_eq(&k, "c") && sv_eq(&v, "3"), "seek c exact");
	store_cursor_prev(c, &k, &v);
	ok(sv_eq(&k, "b"), "prev is b");
	key = sv_str("e");
	is_int(SCIM_ENOTFOUND, store_cursor_seek(c, &key, &k, &v),
	    "seek past the end: ENOTFOUND");
	is_int(SCIM_OK, store_cursor_last(c, &k, &v), "last");
	ok(sv_eq(&k, "d"), "last is d");
	is_int(SCIM_ENOTFOUND, store_cursor_next(c, &k, &v),
	    "next after last: ENOTFOUND");
	key = sv_str("b");
	store_cursor_seek(c, &key, &k, &v);
	is_int(SCIM_OK, store_cursor_del(c), "cursor del b");
	store_cursor_seek(c, NULL, &k, &v);
	store_cursor_next(c, &k, &v);
	ok(sv_eq(&k, "c"), "b is gone");
	store_cursor_close(c);
	store_entries(t, STORE_AUDIT, &n);
	is_int(3, (long long)n, "three entries left");
	store_cursor_open(t, STORE_AUDIT, &c);
	store_cursor_seek(c, NULL, &k, &v);
	is_int(SCIM_OK, store_cursor_skip(c, 2, &k, &v), "skip 2 from a");
	ok(sv_eq(&k, "d") && sv_eq(&v, "4"), "skip lands on d");
	store_cursor_seek(c, NULL, &k, &v);
	is_int(SCIM_ENOTFOUND, store_cursor_skip(c, 3, &k, &v),
	    "skip past the end: ENOTFOUND");
	store_cursor_close(c);
	key = sv_str("a");
	is_int(SCIM_OK, store_prefetch(t, STORE_AUDIT, &key, 1),
	    "prefetch: a hint, OK");
	store_commit(t);

	/* an empty database */
	store_begin(s, 0, &t);
	store_cursor_open(t, STORE_CLIENTS, &c);
	is_int(SCIM_ENOTFOUND, store_cursor_seek(c, NULL, &k, &v),
	    "empty db: seek ENOTFOUND");
	is_int(SCIM_ENOTFOUND, store_cursor_last(c, &k, &v),
	    "empty db: last ENOTFOUND");
	store_cursor_close(c);
	store_abort(t);
}

static void
test_nested(struct store *s)
{
	struct store_txn	*t, *c1, *c2;

	store_begin(s, 1, &t);
	put(t, STORE_TENANTS, "parent", "p", 0);
	is_int(SCIM_OK, store_begin_nested(t, &c1), "nested begin");
	put(c1, STORE_TENANTS, "child1", "c", 0);
	ok(has(c1, STORE_TENANTS, "parent", "p"), "child sees parent's write");
	store_abort(c1);
	ok(has(t, STORE_TENANTS, "child1", NULL), "aborted child undone");
	ok(has(t, STORE_TENANTS, "parent", "p"), "parent's write survives");
	is_int(SCIM_OK, store_begin_nested(t, &c2), "second nested begin");
	put(c2, STORE_TENANTS, "child2", "c", 0);
	is_int(SCIM_OK, store_commit(c2), "nested commit");
	ok(has(t, STORE_TENANTS, "child2", "c"), "committed child visible");
	is_int(SCIM_OK, store_commit(t), "parent commit");
	store_begin(s, 0, &t);
	ok(has(t, STORE_TENANTS, "parent", "p") &&
	    has(t, STORE_TENANTS, "child2", "c") &&
	    has(t, STORE_TENANTS, "child1", NULL),
	    "after commit: parent and child2, not child1");
	store_abort(t);
}

static void
test_next_id(const char *dir)
{
	struct store		*s;
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	uint64_t		 a = 0, b = 0, c = 0, d = 0;

	store_open(LMDB(dir, MAP, 0), &s, &eb);
	store_begin(s, 1, &t);
	store_next_id(t, "rid:1", &a);
	store_next_id(t, "rid:1", &b);
	store_next_id(t, "rid:2", &c);
	ok(a == 1 && b == 2 && c == 1, "counters start at 1, independent "
	    "(%llu %llu %llu)", (unsigned long long)a, (unsigned long long)b,
	    (unsigned long long)c);
	store_commit(t);
	store_begin(s, 1, &t);
	store_next_id(t, "rid:1", &c);
	store_abort(t);
	store_close(s);
	store_open(LMDB(dir, MAP, 0), &s, &eb);
	store_begin(s, 1, &t);
	is_int(SCIM_OK, store_next_id(t, "rid:1", &d), "next_id after reopen");
	is_int(3, (long long)d, "monotonic across reopen (aborted 3 reused)");
	store_commit(t);
	store_close(s);
}

/* store_add: from 0, up and down, stopping at 0; the value as stored. */
static void
test_add(struct store *s)
{
	struct store_txn	*t;
	struct store_val	 k = { "nadd", 4 }, v;
	uint64_t		 n = 99;

	store_begin(s, 1, &t);
	is_int(SCIM_OK, store_add(t, STORE_META, &k, 5, &n), "add to nothing");
	is_int(5, (long long)n, "counts from 0");
	is_int(SCIM_OK, store_add(t, STORE_META, &k, -2, NULL),
	    "add without the new value");
	is_int(SCIM_OK, store_add(t, STORE_META, &k, 1, &n), "add again");
	is_int(4, (long long)n, "5 - 2 + 1");
	is_int(SCIM_OK, store_add(t, STORE_META, &k, -10, &n), "below 0");
	is_int(0, (long long)n, "stops at 0");
	store_commit(t);
	store_begin(s, 0, &t);
	ok(store_get(t, STORE_META, &k, &v) == SCIM_OK && v.sv_len == 8 &&
	    util_get_be64(v.sv_data) == 0, "stored as a big-endian u64");
	store_abort(t);
}

/*
 * Fill a 1 MiB map until it refuses; what was committed stays readable.
 * (audit: a database that stores values as they are, so 4000 x's fill it)
 */
static void
test_full(void)
{
	struct store		*s;
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	struct store_val	 k, v;
	char			*dir = test_mkdtemp(), key[32], *big;
	int			 i, rc = SCIM_OK, full = 0, last = -1;

	big = xmalloc(4000);
	memset(big, 'x', 4000);
	is_int(SCIM_OK, store_open(LMDB(dir, 1024 * 1024, STORE_NOSYNC), &s,
	    &eb), "open 1 MiB map");
	for (i = 0; i < 1000 && !full; i++) {
		if ((rc = store_begin(s, 1, &t)) != SCIM_OK)
			break;
		snprintf(key, sizeof(key), "key%05d", i);
		k = sv_str(key);
		v.sv_data = big;
		v.sv_len = 4000;
		rc = store_put(t, STORE_AUDIT, &k, &v, 0);
		if (rc == SCIM_OK)
			rc = store_commit(t);
		else
			store_abort(t);
		if (rc == SCIM_ESTORAGE)
			full = 1;
		else if (rc == SCIM_OK)
			last = i;
		else
			break;
	}
	ok(full, "map full reported as SCIM_ESTORAGE after %d writes (rc %d)",
	    last + 1, rc);
	ok(last > 10, "some writes fitted");
	store_begin(s, 0, &t);
	k = sv_str("key00000");
	ok(store_get(t, STORE_AUDIT, &k, &v) == SCIM_OK && v.sv_len == 4000,
	    "first value readable after ESTORAGE");
	snprintf(key, sizeof(key), "key%05d", last);
	k = sv_str(key);
	ok(store_get(t, STORE_AUDIT, &k, &v) == SCIM_OK,
	    "last committed value readable");
	store_abort(t);
	/* a small write in a new txn or a delete still works */
	store_begin(s, 1, &t);
	k = sv_str("key00000");
	is_int(SCIM_OK, store_del(t, STORE_AUDIT, &k, NULL),
	    "delete after full");
	is_int(SCIM_OK, store_commit(t), "commit the delete");
	store_close(s);
	is_int(SCIM_OK, store_open(LMDB(dir, 1024 * 1024, 0), &s, &eb),
	    "reopen full store");
	store_begin(s, 0, &t);
	snprintf(key, sizeof(key), "key%05d", last);
	k = sv_str(key);
	ok(store_get(t, STORE_AUDIT, &k, &v) == SCIM_OK,
	    "readable after reopen");
	store_abort(t);
	store_close(s);
	free(big);
	test_rm_rf(dir);
	free(dir);
}

static void
test_format(void)
{
	struct store		*s;
	struct store_txn	*t;
	struct scim_errbuf	 eb;
	struct store_val	 k = sv_str("format"), v;
	char			*dir = test_mkdtemp(), *bk;
	uint8_t			 fmt[4];

	store_open(LMDB(dir, MAP, 0), &s, &eb);
	store_begin(s, 0, &t);
	ok(store_get(t, STORE_META, &k, &v) == SCIM_OK && v.sv_len == 4 &&
	    util_get_be32(v.sv_data) == 1, "new store records format 1");
	store_abort(t);

	/* backup into an empty directory, then open the copy */
	bk = test_mkdtemp();
	store_begin(s, 1, &t);
	put(t, STORE_RES, "saved", "yes", 0);
	store_commit(t);
	is_int(SCIM_OK, store_backup(s, bk, &eb), "backup");

	store_begin(s, 1, &t);
	util_put_be32(fmt, 99);
	v.sv_data = fmt;
	v.sv_len = 4;
	store_put(t, STORE_META, &k, &v, 0);
	store_commit(t);
	store_close(s);
	eb.eb_msg[0] = '\0';
	is_int(SCIM_ESTORE, store_open(LMDB(dir, MAP, 0), &s, &eb),
	    "another format is refused");
	ok(s == NULL && strstr(eb.eb_msg, "format") != NULL,
	    "with a reason: %s", eb.eb_msg);
	store_close(NULL);

	is_int(SCIM_OK, store_open(LMDB(bk, MAP, 0), &s, &eb),
	    "open the backup");
	store_begin(s, 0, &t);
	ok(has(t, STORE_RES, "saved", "yes"), "backup holds the data");
	store_abort(t);
	store_close(s);
	test_rm_rf(dir);
	test_rm_rf(bk);
	free(dir);
	free(bk);
}

/* A user document as scimd stores it (~500 bytes). */
static char *
user_doc(int n)
{
	char	*s;

	if (asprintf(&s, "{\"schemas\":[\"urn:ietf:params:scim:schemas:"
	    "core:2.0:User\"],\"id\":\"%08d-556b-45b1-8051-3c40e220f769\","
	    "\"userName\":\"user-%d@example.com\",\"active\":true,"
	    "\"displayName\":\"User %d\",\"emails\":[{\"primary\":true,"
	    "\"type\":\"work\",\"value\":\"user-%d@example.com\"}],"
	    "\"addresses\":[{\"type\":\"work\",\"streetAddress\":"
	    "\"1 Microsoft Way\",\"locality\":\"Redmond\",\"region\":"
	    "\"WA\",\"postalCode\":\"98052\",\"country\":\"US\"}],"
	    "\"meta\":{\"resourceType\":\"User\",\"created\":"
	    "\"2026-12-04T13:40:35.530Z\",\"lastModified\":"
	    "\"2026-12-04T13:40:35.530Z\",\"version\":\"W/\\\"1\\\"\"}}",
	    n, n, n, n) == -1)
		abort();
	return (s);
}

/* Raw access to the environment under the store: (over)write or read res. */
static int
raw_res(const char *dir, const char *key, const char *put, size_t *len,
    unsigned char *first)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k = { strlen(key), (void *)key }, v;
	int		 rc;

	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_set_mapsize(env, MAP);
	if ((rc = mdb_env_open(env, dir, MDB_NOTLS, 0600)) == 0 &&
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, "res", 0, &dbi)) == 0 &&
		    put != NULL) {
			v.mv_data = (void *)put;
			v.mv_size = strlen(put);
			rc = mdb_put(txn, dbi, &k, &v, 0);
		} else if (rc == 0 && (rc = mdb_get(txn, dbi, &k, &v)) == 0) {
			*len = v.mv_size;
			*first = *(unsigned char *)v.mv_data;
		}
		rc = rc == 0 ? mdb_txn_commit(txn) : rc;
	}
	mdb_env_close(env);
	return (rc);
}

/* res keeps documents packed (zpack.h); get and the cursors unpack them. */
static void
test_packed(void)
{
	struct store		*s;
	struct store_txn	*t;
	struct store_cursor	*c;
	struct store_val	 k, v;
	struct scim_errbuf	 eb;
	char			*dir = test_mkdtemp(), key[8], *doc[20];
	size_t			 len = 0, i;
	unsigned char		 first = 0;
	int			 same = 1;

	store_open(LMDB(dir, MAP, STORE_NOSYNC), &s, &eb);
	store_begin(s, 1, &t);
	for (i = 0; i < 20; i++) {
		doc[i] = user_doc((int)i);
		snprintf(key, sizeof(key), "u%02zu", i);
		put(t, STORE_RES, key, doc[i], 0);
	}
	put(t, STORE_AUDIT, "a", doc[0], 0);
	store_commit(t);
	store_close(s);

	is_int(0, raw_res(dir, "u07", NULL, &len, &first), "read res raw");
	ok(first == 0x01 && len * 2 < strlen(doc[7]),
	    "a document is stored packed: %zu of %zu bytes", len,
	    strlen(doc[7]));
	is_int(0, raw_res(dir, "old", "{\"schemas\":[],\"id\":\"x\"}",
	    NULL, NULL), "an unpacked document from before packing");
	is_int(0, raw_res(dir, "bad", "\001not zstd at all", NULL, NULL),
	    "a corrupt packed value");

	store_open(LMDB(dir, MAP, STORE_NOSYNC), &s, &eb);
	store_begin(s, 0, &t);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "u%02zu", i);
		same &= has(t, STORE_RES, key, doc[i]);
	}
	ok(same, "get hands back each document as it was put");
	ok(has(t, STORE_RES, "u03", doc[3]) && has(t, STORE_RES, "u03", doc[3]) &&
	    has(t, STORE_RES, "u04", doc[4]) && has(t, STORE_RES, "u03", doc[3]),
	    "the same document read again, then another, then it again");
	ok(has(t, STORE_RES, "old", "{\"schemas\":[],\"id\":\"x\"}"),
	    "an old unpacked document reads as it is");
	k = sv_str("bad");
	is_int(SCIM_ESTORE, store_get(t, STORE_RES, &k, &v),
	    "a corrupt packed value is a store error, not garbage");
	store_cursor_open(t, STORE_RES, &c);
	k = sv_str("u00");
	store_cursor_seek(c, &k, &k, &v);
	ok(sv_eq(&k, "u00") && sv_eq(&v, doc[0]), "cursor seek unpacks");
	store_cursor_next(c, &k, &v);
	ok(sv_eq(&k, "u01") && sv_eq(&v, doc[1]), "cursor next unpacks");
	is_int(SCIM_OK, store_cursor_skip(c, 12, &k, &v), "skip 12");
	ok(sv_eq(&k, "u13") && sv_eq(&v, doc[13]), "skip hands back the "
	    "document it lands on");
	store_cursor_close(c);
	store_abort(t);
	store_close(s);
	for (i = 0; i < 20; i++)
		free(doc[i]);
	test_rm_rf(dir);
	free(dir);
}

int
main(void)
{
	struct store		*s;
	struct scim_errbuf	 eb;
	char			*dir = test_mkdtemp(), sub[4200];

	plan_lazy();
	snprintf(sub, sizeof(sub), "%s/db", dir);
	test_basic(sub);
	store_open(LMDB(sub, MAP, STORE_NOSYNC), &s, &eb);
	test_dupsort(s);
	test_cursor(s);
	test_nested(s);
	test_add(s);
	store_close(s);
	test_next_id(sub);
	test_full();
	test_format();
	test_packed();
	test_rm_rf(dir);
	free(dir);
	return (done_testing());
}
