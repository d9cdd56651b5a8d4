/*
 * LMDB behind store.h.  One environment in data_dir, one named database per
 * enum store_db (layouts in store_db.h), opened once at start-up from the
 * table below.  A change of any layout bumps STORE_FORMAT; an environment
 * of another format is refused with a message instead of being misread.
 */
#include "scimd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "error.h"
#include "log.h"
#include "store_backend.h"
#include "store_db.h"
#include "util.h"
#include "zpack.h"

#define STORE_FORMAT	1

struct lmdb_store {
	struct store	 s_base;
	MDB_env		*s_env;
	MDB_dbi		 s_dbi[STORE_NDB];
	MDB_txn		*s_rtxn;	/* reset read txn kept for reuse */
	/*
	 * A txn's unpacking buffer, kept too: one for the loop's reads, one
	 * for the writer's transactions, which run on a thread of their own
	 * (commit.c).
	 */
	struct zpack_buf s_got, s_wgot;
	int		 s_rdonly;
};

struct lmdb_txn {
	struct store_txn t_base;
	struct lmdb_store *st_store;
	MDB_txn		*st_txn;
	int		 st_rw;
	struct zpack_buf st_got;	/* the last packed value read by get, */
	struct store_val st_gotval;	/* unpacked (read txns only), */
	uint8_t		 st_gotkey[16];	/* under this key */
	size_t		 st_gotklen;	/* of this length in */
	enum store_db	 st_gotdb;	/* this database (none: STORE_NDB) */
	struct zpack_buf st_put;	/* the packed form of a value put */
};

struct lmdb_cursor {
	struct store_cursor c_base;
	MDB_cursor	*sc_cur;
	int		 sc_packed;
	struct zpack_buf sc_zb;
};

static const struct store_ops lmdb_ops;
static void	lmdb_close(struct store *);
static void	txn_release(struct lmdb_txn *, int);

/*
 * A packed database keeps its values as zpack.h's stored form: resource
 * documents, about 3 times smaller, so a million users' documents take
 * ~400 MB of the map instead of ~1.3 GB (get and the cursors hand back the
 * JSON).  Values written before packing start with '{' and read as they are.
 */
#define PACKED	1

static const struct {
	const char	*name;
	unsigned int	 flags;
	int		 packed;
} store_dbs[STORE_NDB] = {
	[STORE_META]		= { "meta", 0 },
	[STORE_TENANTS]		= { "tenants", 0 },
	[STORE_TOKENS]		= { "tokens", 0 },
	[STORE_RES]		= { "res", 0, PACKED },
	[STORE_ID2R]		= { "id2r", 0 },
	[STORE_IX_USERNAME]	= { "ix_username", 0 },
	[STORE_IX_EMAIL]	= { "ix_email", MDB_DUPSORT | MDB_DUPFIXED },
	[STORE_IX_EXTID]	= { "ix_extid", MDB_DUPSORT | MDB_DUPFIXED },
	[STORE_IX_GNAME]	= { "ix_gname", 0 },
	[STORE_MEMBERS]		= { "members", MDB_DUPSORT | MDB_DUPFIXED },
	[STORE_MEMBEROF]	= { "memberof", MDB_DUPSORT | MDB_DUPFIXED },
	[STORE_AUDIT]		= { "audit", 0 },
	[STORE_CLIENTS]		= { "clients", 0 },
	[STORE_EVENTS]		= { "events", 0 },
	[STORE_WEBHOOKS]	= { "webhooks", 0 },
	[STORE_WHSTATE]		= { "whstate", 0 },
};

/* The one place LMDB codes become scimd codes. */
static int
store_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return (SCIM_OK);
	case MDB_NOTFOUND:
		return (SCIM_ENOTFOUND);
	case MDB_KEYEXIST:
		return (SCIM_EUNIQUE);
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case ENOSPC:
		return (SCIM_ESTORAGE);
	case ENOMEM:
		return (SCIM_ENOMEM);
	default:
		log_warnx("store: %s", mdb_strerror(rc));
		return (SCIM_ESTORE);
	}
}

static inline MDB_val
mv(const struct store_val *v)
{
	MDB_val	m;

	m.mv_data = (void *)v->sv_data;
	m.mv_size = v->sv_len;
	return (m);
}

static inline void
sv(struct store_val *v, const MDB_val *m)
{
	if (v != NULL) {
		v->sv_data = m->mv_data;
		v->sv_len = m->mv_size;
	}
}

/* The value of a packed database's stored form m, unpacked into zb. */
static int
sv_unpack(struct store_val *v, const MDB_val *m, struct zpack_buf *zb)
{
	if (zpack_unpack(zb, m->mv_data, m->mv_size, &v->sv_data,
	    &v->sv_len) == -1) {
		log_warnx("store: a packed value does not unpack");
		return (SCIM_ESTORE);
	}
	return (SCIM_OK);
}

int
store_lmdb_open(const char *dir, size_t mapsize, int flags,
    struct store **out, struct scim_errbuf *eb)
{
	struct lmdb_store	*s;
	MDB_txn		*txn = NULL;
	MDB_val		 k, v;
	unsigned int	 envflags = MDB_NOTLS, dbflags;
	uint8_t		 fmt[4];
	int		 rc, i, dead;

	*out = NULL;
	if (!(flags & STORE_RDONLY) && mkdir(dir, 0700) == -1 &&
	    errno != EEXIST)
		return (scim_err_set(eb, SCIM_ESTORE, "cannot create %s: %s",
		    dir, strerror(errno)));
	s = xcalloc(1, sizeof(*s));
	s->s_base.s_ops = &lmdb_ops;
	s->s_rdonly = (flags & STORE_RDONLY) != 0;
	if ((rc = mdb_env_create(&s->s_env)) != 0)
		goto fail;
	mdb_env_set_maxdbs(s->s_env, STORE_NDB + 2);
	mdb_env_set_maxreaders(s->s_env, 256);
	if ((rc = mdb_env_set_mapsize(s->s_env, mapsize)) != 0)
		goto fail;
	if (flags & STORE_RDONLY)
		envflags |= MDB_RDONLY;
	if (flags & STORE_NOSYNC)
		envflags |= MDB_NOSYNC;
	if (flags & STORE_NOMETASYNC)
		envflags |= MDB_NOMETASYNC;
	if ((rc = mdb_env_open(s->s_env, dir, envflags, 0600)) != 0)
		goto fail;
	mdb_reader_check(s->s_env, &dead);
	if (dead > 0)
		log_info("store: cleared %d stale reader(s)", dead);

	if ((rc = mdb_txn_begin(s->s_env, NULL,
	    s->s_rdonly ? MDB_RDONLY : 0, &txn)) != 0)
		goto fail;
	for (i = 0; i < STORE_NDB; i++) {
		dbflags = store_dbs[i].flags | (s->s_rdonly ? 0 : MDB_CREATE);
		if ((rc = mdb_dbi_open(txn, store_dbs[i].name, dbflags,
		    &s->s_dbi[i])) != 0)
			goto fail;
	}
	k.mv_data = (void *)"format";
	k.mv_size = 6;
	rc = mdb_get(txn, s->s_dbi[STORE_META], &k, &v);
	if (rc == MDB_NOTFOUND && !s->s_rdonly) {
		util_put_be32(fmt, STORE_FORMAT);
		v.mv_data = fmt;
		v.mv_size = sizeof(fmt);
		if ((rc = mdb_put(txn, s->s_dbi[STORE_META], &k, &v, 0)) != 0)
			goto fail;
	} else if (rc == 0) {
		if (v.mv_size != 4 ||
		    util_get_be32(v.mv_data) != STORE_FORMAT) {
			mdb_txn_abort(txn);
			lmdb_close(&s->s_base);
			return (scim_err_set(eb, SCIM_ESTORE,
			    "%s: unsupported store format", dir));
		}
	} else if (rc != MDB_NOTFOUND)
		goto fail;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		goto fail;
	}
	*out = &s->s_base;
	return (SCIM_OK);
 fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	scim_err_set(eb, rc == MDB_MAP_FULL ? SCIM_ESTORAGE : SCIM_ESTORE,
	    "%s: %s", dir, mdb_strerror(rc));
	lmdb_close(&s->s_base);
	return (rc == MDB_MAP_FULL ? SCIM_ESTORAGE : SCIM_ESTORE);
}

static void
lmdb_close(struct store *base)
{
	struct lmdb_store	*s = (struct lmdb_store *)base;

	if (s == NULL)
		return;
	if (s->s_rtxn != NULL)
		mdb_txn_abort(s->s_rtxn);
	if (s->s_env != NULL)
		mdb_env_close(s->s_env);
	zpack_buf_free(&s->s_got);
	zpack_buf_free(&s->s_wgot);
	free(s);
}

static int
lmdb_begin(struct store *base, int rw, struct store_txn **out)
{
	struct lmdb_store	*s = (struct lmdb_store *)base;
	struct lmdb_txn		*t;
	struct zpack_buf	*kept;
	int			 rc;

	*out = NULL;
	t = xcalloc(1, sizeof(*t));
	t->t_base.t_store = base;
	t->st_store = s;
	t->st_rw = rw;
	/* no allocation per request to unpack a document */
	kept = rw ? &s->s_wgot : &s->s_got;
	t->st_got = *kept;
	t->st_gotdb = STORE_NDB;
	kept->zb_data = NULL;
	kept->zb_cap = 0;
	if (!rw && s->s_rtxn != NULL) {
		/* reuse the reset read txn: no reader-slot churn per request */
		t->st_txn = s->s_rtxn;
		s->s_rtxn = NULL;
		if ((rc = mdb_txn_renew(t->st_txn)) != 0) {
			mdb_txn_abort(t->st_txn);
			txn_release(t, 1);
			return (store_err(rc));
		}
	} else if ((rc = mdb_txn_begin(s->s_env, NULL, rw ? 0 : MDB_RDONLY,
	    &t->st_txn)) != 0) {
		txn_release(t, 1);
		if (rc == MDB_READERS_FULL) {
			int dead;
			mdb_reader_check(s->s_env, &dead);
		}
		return (store_err(rc));
	}
	*out = &t->t_base;
	return (SCIM_OK);
}

static int
lmdb_begin_nested(struct store_txn *pbase, struct store_txn **out)
{
	struct lmdb_txn	*parent = (struct lmdb_txn *)pbase, *t;
	int			 rc;

	*out = NULL;
	t = xcalloc(1, sizeof(*t));
	t->t_base.t_store = pbase->t_store;
	t->st_store = parent->st_store;
	t->st_rw = 1;
	t->st_gotdb = STORE_NDB;
	if ((rc = mdb_txn_begin(parent->st_store->s_env, parent->st_txn, 0,
	    &t->st_txn)) != 0) {
		free(t);
		return (store_err(rc));
	}
	*out = &t->t_base;
	return (SCIM_OK);
}

/* Read txns are reset and kept; write txns are gone after commit/abort. */
static void
txn_release(struct lmdb_txn *t, int commit_done)
{
	struct lmdb_store	*s = t->st_store;
	struct zpack_buf	*kept = t->st_rw ? &s->s_wgot : &s->s_got;

	if (!commit_done) {
		if (!t->st_rw && s->s_rtxn == NULL) {
			mdb_txn_reset(t->st_txn);
			s->s_rtxn = t->st_txn;
		} else
			mdb_txn_abort(t->st_txn);
	}
	if (kept->zb_data == NULL)
		*kept = t->st_got;
	else
		zpack_buf_free(&t->st_got);
	zpack_buf_free(&t->st_put);
	free(t);
}

/* One writer at a time already: nothing to lock. */
static int
lmdb_lock_tenant(struct store_txn *tb, uint32_t tenant)
{
	return (SCIM_OK);
}

static int
lmdb_commit(struct store_txn *tb)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	int	rc;

	if (!t->st_rw) {
		txn_release(t, 0);
		return (SCIM_OK);
	}
	rc = mdb_txn_commit(t->st_txn);
	txn_release(t, 1);
	return (store_err(rc));
}

static void
lmdb_abort(struct store_txn *tb)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	if (t != NULL)
		txn_release(t, 0);
}

static int
lmdb_get(struct store_txn *tb, enum store_db db, const struct store_val *key,
    struct store_val *val)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	MDB_val	k = mv(key), v;
	int	rc;

	/* a filter's candidate is read again to render it: unpack it once */
	if (db == t->st_gotdb && key->sv_len == t->st_gotklen && val != NULL &&
	    memcmp(key->sv_data, t->st_gotkey, t->st_gotklen) == 0) {
		*val = t->st_gotval;
		return (SCIM_OK);
	}
	if ((rc = mdb_get(t->st_txn, t->st_store->s_dbi[db], &k, &v)) != 0)
		return (store_err(rc));
	if (!store_dbs[db].packed || val == NULL) {
		sv(val, &v);
		return (SCIM_OK);
	}
	t->st_gotdb = STORE_NDB;	/* its buffer is about to change */
	if ((rc = sv_unpack(val, &v, &t->st_got)) == SCIM_OK && !t->st_rw &&
	    k.mv_size <= sizeof(t->st_gotkey)) {
		memcpy(t->st_gotkey, key->sv_data, k.mv_size);
		t->st_gotklen = k.mv_size;
		t->st_gotval = *val;
		t->st_gotdb = db;
	}
	return (rc);
}

static int
lmdb_put(struct store_txn *tb, enum store_db db, const struct store_val *key,
    const struct store_val *val, int flags)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	MDB_val		k = mv(key), v = mv(val);
	unsigned int	mf = 0;
	int		rc;

	if (store_dbs[db].packed)
		zpack_pack_doc(&t->st_put, val->sv_data, val->sv_len,
		    (const void **)&v.mv_data, &v.mv_size);
	if (flags & STORE_NOOVERWRITE)
		mf |= MDB_NOOVERWRITE;
	if (flags & STORE_NODUPDATA)
		mf |= MDB_NODUPDATA;
	/*
	 * Appending splits a full last page by starting a new one, so keys
	 * that grow fill their pages instead of leaving each half empty.  A
	 * key that is not the last after all (another tenant's range follows)
	 * is put the ordinary way.
	 */
	if ((flags & STORE_APPEND) && (rc = mdb_put(t->st_txn,
	    t->st_store->s_dbi[db], &k, &v, mf | MDB_APPEND)) != MDB_KEYEXIST)
		return (store_err(rc));
	return (store_err(mdb_put(t->st_txn, t->st_store->s_dbi[db], &k, &v,
	    mf)));
}

static int
lmdb_del(struct store_txn *tb, enum store_db db, const struct store_val *key,
    const struct store_val *val)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	MDB_val	k = mv(key), v;

	if (val != NULL) {
		v = mv(val);
		return (store_err(mdb_del(t->st_txn, t->st_store->s_dbi[db],
		    &k, &v)));
	}
	return (store_err(mdb_del(t->st_txn, t->st_store->s_dbi[db], &k,
	    NULL)));
}

static int
lmdb_cursor_open(struct store_txn *tb, enum store_db db,
    struct store_cursor **out)
{
	struct lmdb_txn		*t = (struct lmdb_txn *)tb;
	struct lmdb_cursor	*c;
	int			 rc;

	c = xcalloc(1, sizeof(*c));
	c->c_base.c_txn = tb;
	c->sc_packed = store_dbs[db].packed;
	if ((rc = mdb_cursor_open(t->st_txn, t->st_store->s_dbi[db],
	    &c->sc_cur)) != 0) {
		free(c);
		*out = NULL;
		return (store_err(rc));
	}
	*out = &c->c_base;
	return (SCIM_OK);
}

static void
lmdb_cursor_close(struct store_cursor *cb)
{
	struct lmdb_cursor	*c = (struct lmdb_cursor *)cb;

	mdb_cursor_close(c->sc_cur);
	zpack_buf_free(&c->sc_zb);
	free(c);
}

static int
lmdb_cursor_move(struct store_cursor *cb, enum store_move how,
    const struct store_val *key, const struct store_val *val,
    struct store_val *ko, struct store_val *vo)
{
	static const MDB_cursor_op ops[] = {
		[STORE_FIRST] = MDB_FIRST,
		[STORE_SEEK] = MDB_SET_RANGE,
		[STORE_FIND] = MDB_SET_KEY,
		[STORE_FIND_DUP] = MDB_GET_BOTH_RANGE,
		[STORE_NEXT] = MDB_NEXT,
		[STORE_PREV] = MDB_PREV,
		[STORE_NEXT_DUP] = MDB_NEXT_DUP,
		[STORE_LAST] = MDB_LAST,
	};
	struct lmdb_cursor	*c = (struct lmdb_cursor *)cb;
	MDB_val			 k = { 0, NULL }, v = { 0, NULL };
	int			 rc;

	if (key != NULL)
		k = mv(key);
	if (val != NULL)
		v = mv(val);
	if ((rc = mdb_cursor_get(c->sc_cur, &k, &v, ops[how])) != 0)
		return (store_err(rc));
	sv(ko, &k);
	if (c->sc_packed && vo != NULL)
		return (sv_unpack(vo, &v, &c->sc_zb));
	sv(vo, &v);
	return (SCIM_OK);
}

static int
lmdb_cursor_del(struct store_cursor *cb)
{
	struct lmdb_cursor	*c = (struct lmdb_cursor *)cb;
	return (store_err(mdb_cursor_del(c->sc_cur, 0)));
}

static int
lmdb_cursor_count(struct store_cursor *cb, size_t *n)
{
	struct lmdb_cursor	*c = (struct lmdb_cursor *)cb;
	size_t		cnt;
	int		rc;

	if ((rc = mdb_cursor_count(c->sc_cur, &cnt)) != 0)
		return (store_err(rc));
	*n = (size_t)cnt;
	return (SCIM_OK);
}

static int
lmdb_add(struct store_txn *tb, enum store_db db, const struct store_val *key,
    int64_t delta, uint64_t *out)
{
	struct store_val	v = { NULL, 0 };
	uint8_t			buf[8];
	uint64_t		n = 0;
	int			rc;

	rc = lmdb_get(tb, db, key, &v);
	if (rc == SCIM_OK && v.sv_len == 8)
		n = util_get_be64(v.sv_data);
	else if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	n = delta < 0 && n < (uint64_t)-delta ? 0 : n + (uint64_t)delta;
	util_put_be64(buf, n);
	v.sv_data = buf;
	v.sv_len = sizeof(buf);
	if ((rc = lmdb_put(tb, db, key, &v, 0)) != SCIM_OK)
		return (rc);
	if (out != NULL)
		*out = n;
	return (SCIM_OK);
}

static int
lmdb_next_id(struct store_txn *tb, const char *counter, uint64_t *out)
{
	struct store_val	k = { counter, strlen(counter) };

	return (lmdb_add(tb, STORE_META, &k, 1, out));
}

static uint64_t
lmdb_txnid(struct store *sb)
{
	struct lmdb_store	*s = (struct lmdb_store *)sb;
	MDB_envinfo	info;

	mdb_env_info(s->s_env, &info);
	return ((uint64_t)info.me_last_txnid);
}

static void
lmdb_usage(struct store *sb, size_t *used, size_t *mapsize)
{
	struct lmdb_store	*s = (struct lmdb_store *)sb;
	MDB_envinfo	info;
	MDB_stat	st;

	mdb_env_info(s->s_env, &info);
	mdb_env_stat(s->s_env, &st);
	*used = (size_t)(info.me_last_pgno + 1) * st.ms_psize;
	*mapsize = info.me_mapsize;
}

static int
lmdb_low_space(struct store_txn *tb)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	MDB_envinfo	 info;
	MDB_stat	 st;
	size_t		 pages, used, reserve;
	int		 i;

	mdb_env_info(t->st_store->s_env, &info);
	mdb_env_stat(t->st_store->s_env, &st);
	pages = info.me_mapsize / st.ms_psize;
	reserve = pages / 32;
	if (reserve < 128)
		reserve = 128;
	if (reserve > 2048)
		reserve = 2048;
	if (reserve > pages / 2)
		reserve = pages / 2;
	if ((size_t)info.me_last_pgno + 1 + reserve <= pages)
		return (0);		/* the common case: never filled */
	/*
	 * Pages below the high-water mark may be free again.  A write txn
	 * cannot open a cursor on the free list, but the page counts of every
	 * tree (kept current inside the txn) say how many are in use.
	 */
	used = 2;			/* meta pages */
	for (i = -2; i < STORE_NDB; i++) {
		/* FREE_DBI (0) and MAIN_DBI (1), then ours */
		if (mdb_stat(t->st_txn, i < 0 ? (MDB_dbi)(i + 2) :
		    t->st_store->s_dbi[i], &st) != 0)
			return (1);
		used += st.ms_branch_pages + st.ms_leaf_pages +
		    st.ms_overflow_pages;
	}
	return (used + reserve > pages);
}

static int
lmdb_backup(struct store *sb, const char *dir, struct scim_errbuf *eb)
{
	struct lmdb_store	*s = (struct lmdb_store *)sb;
	int	rc;

	if ((rc = mdb_env_copy2(s->s_env, dir, MDB_CP_COMPACT)) != 0)
		return (scim_err_set(eb, SCIM_ESTORE, "backup to %s: %s", dir,
		    mdb_strerror(rc)));
	return (SCIM_OK);
}

static int
lmdb_entries(struct store_txn *tb, enum store_db db, size_t *n)
{
	struct lmdb_txn	*t = (struct lmdb_txn *)tb;
	MDB_stat	st;
	int		rc;

	if ((rc = mdb_stat(t->st_txn, t->st_store->s_dbi[db], &st)) != 0)
		return (store_err(rc));
	*n = st.ms_entries;
	return (SCIM_OK);
}

/* Raise a store_next_id counter to at least floor (imports). */
static int
lmdb_counter_floor(struct store_txn *tb, const char *counter, uint64_t floor)
{
	struct store_val	 k = { counter, strlen(counter) }, v = { NULL, 0 };
	uint8_t			 buf[8];
	int			 rc;

	rc = lmdb_get(tb, STORE_META, &k, &v);
	if (rc == SCIM_OK && v.sv_len == 8 && util_get_be64(v.sv_data) >= floor)
		return (SCIM_OK);
	if (rc != SCIM_OK && rc != SCIM_ENOTFOUND)
		return (rc);
	util_put_be64(buf, floor);
	v.sv_data = buf;
	v.sv_len = sizeof(buf);
	return (lmdb_put(tb, STORE_META, &k, &v, 0));
}

/* Every call returns at once: nothing to attach, nothing asynchronous. */
static void
lmdb_attach(struct store *s, struct event_base *base,
    void (*changed)(void *), void *arg)
{
}

static int
lmdb_async(struct store *s)
{
	return (0);
}

static int
lmdb_version(struct store *s)
{
	return (STORE_FORMAT);
}

static const struct store_ops lmdb_ops = {
	.close = lmdb_close,
	.attach = lmdb_attach,
	.async = lmdb_async,
	.begin = lmdb_begin,
	.begin_nested = lmdb_begin_nested,
	.lock_tenant = lmdb_lock_tenant,
	.commit = lmdb_commit,
	.abort = lmdb_abort,
	.get = lmdb_get,
	.put = lmdb_put,
	.add = lmdb_add,
	.del = lmdb_del,
	.cursor_open = lmdb_cursor_open,
	.cursor_close = lmdb_cursor_close,
	.cursor_move = lmdb_cursor_move,
	.cursor_del = lmdb_cursor_del,
	.cursor_count = lmdb_cursor_count,
	.next_id = lmdb_next_id,
	.counter_floor = lmdb_counter_floor,
	.txnid = lmdb_txnid,
	.usage = lmdb_usage,
	.low_space = lmdb_low_space,
	.backup = lmdb_backup,
	.entries = lmdb_entries,
	.version = lmdb_version,
};
