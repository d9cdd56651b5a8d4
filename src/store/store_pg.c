/*
 * PostgreSQL behind store.h.  Each store database is a table holding the
 * layout of store_db.h: (tenant, k, v) with k the same byte string as LMDB's,
 * keyed by (tenant, k), or (tenant, k, v) for the duplicate-sorted ones,
 * so that bytea order is LMDB's key order and one planner serves both.
 * tenant is the key's tenant prefix (0 for the global tables meta, tenants
 * and tokens): the first column of every unique index, Citus's
 * distribution column.  The unique indexes on the case-folded userName and
 * group displayName keys are the database's own guard against two
 * instances creating the same name.
 *
 * A write transaction locks, before its first statement on a tenant's data,
 * that tenant's row of scim_tenant_lock (a row lock, which every engine
 * speaking the protocol has, unlike advisory locks; the row is created by
 * the locking upsert itself): writers of one tenant commit one at a time,
 * as LMDB's single writer does, so the tenant's audit and event sequence
 * numbers follow commit order and its read-modify-writes (counts, event
 * seq) never race, while writers of different tenants never wait for each
 * other.  The global data (tenants, tokens) has the row of tenant 0.
 * store_lock_tenant takes the locks up front (in tenant order, so
 * that two batches of several tenants cannot deadlock); a lock taken in a
 * savepoint is released by its rollback and forgotten here too.  Readers
 * never wait.  A lookup is one statement, outside any transaction: an id
 * or an index entry comes with its document, the groups the document is
 * in and their documents (PG_GROUPS_SQL), all the caller then reads of it.
 * A reader that goes on reads from a REPEATABLE READ snapshot opened at
 * its second statement.
 * Nested transactions are savepoints.  Each committing writer sends NOTIFY
 * scimd_change with a payload: 'T' when it wrote tokens, else 'W', then
 * its instance's id.  Every instance LISTENs: another's commit wakes its
 * audit followers and, with 'T', moves store_txnid (so the token cache is
 * dropped).  Its own commits move store_txnid only when they wrote tokens:
 * a write storm keeps the token cache.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "error.h"
#include "fiber.h"
#include "log.h"
#include "pgconn.h"
#include "pgcount.h"
#include "pgdoc.h"
#include "pglookup.h"
#include "store_backend.h"
#include "store_db.h"
#include "store_pg.h"
#include "util.h"

#define PG_BATCH_FIRST		16
/*
 * A find asks for two rows: an index probe (the point reads' statement)
 * wants the key's rows, and a reader's (fetch_key) that get fewer know
 * there are no more; a writer's reads the row after the key, which says
 * so.  Further dups come in a second batch.
 */
#define PG_BATCH_FIND		2
#define PG_SP_MAX		4	/* savepoint depth */
/* BEGIN, locks, the audit horizon's, savepoints */
#define PG_PRE_MAX		(3 + PG_SP_MAX)
#define PG_BATCH_MAX		1024
#define PG_BEGIN_RO		"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

/* resource kind tags (store_db.h's K), for documents read ahead */
#define PG_TAG_USER		0x55	/* 'U' */
#define PG_TAG_GROUP		0x47	/* 'G' */
#define PG_RES_KLEN		13	/* res and memberof keys: T K R */


/*
 * Statements per table; params: t tenant, k key, v value, l limit (or
 * offset), n a number, a keys (v: a binary bytea[], see pg_prefetch).
 */
enum pg_q {
	Q_GET, Q_PUT, Q_INSERT, Q_DEL, Q_DELPAIR, Q_GE, Q_GT, Q_LT, Q_FIRST,
	Q_LAST, Q_COUNTKEY, Q_COUNT,
	Q_ADD,		/* a u64 counter plus n, its new value returned */
	Q_GETJ,		/* readers: Q_GET of id2r with the document it names */
	Q_GEJ,		/* readers: Q_GE of an index with the documents of key */
	Q_EQJ,		/* readers: the rows of an index's key, with documents */
	Q_SKIP,		/* Q_GT past l more pairs (a table without duplicates) */
	Q_MANYJ,	/* readers: res documents of a key array, with groups */
	Q_LATE,		/* Q_INSERT that fails on a clash: sent without waiting */
	Q_N
};
#define STMT_ID(db, q)		((int)(db) * Q_N + (q))
#define STMT_NEXTVAL(i)		(STORE_NDB * Q_N + (int)(i))
#define STMT_FLOOR(i)		(STORE_NDB * Q_N + PG_NCOUNTERS + (int)(i))
#define STMT_DBSIZE		STMT_FLOOR(PG_NCOUNTERS)
#define STMT_AUDIT_NEXT		(STMT_DBSIZE + 1)
#define STMT_SIZE		(STMT_AUDIT_NEXT + 1)

/*
 * The audit horizon (store_audit_horizon).  Audit numbers come from one
 * sequence for every tenant, drawn under each tenant's own lock, so a
 * number drawn earlier may commit later.  A writer, before its first audit
 * number, takes a shared advisory lock on PG_HZ_KEY plus the number the
 * sequence issues next, held to its end: the numbers it draws are at least
 * that.  A reader reads the last number issued, then the smallest such
 * lock held: below it, every number has committed or never will.
 */
#define PG_HZ_KEY	"5999639128587632640"	/* 0x5343 ("SC") << 48 */
#define PG_HZ_LOCK	"SELECT pg_advisory_xact_lock_shared(" PG_HZ_KEY \
	" + (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value " \
	"END FROM scim_seq_audit))"
#define PG_HZ_LAST	"SELECT CASE WHEN is_called THEN last_value ELSE " \
	"last_value - 1 END FROM scim_seq_audit"
#define PG_HZ_OLDEST	"SELECT min(((classid::bigint << 32) | " \
	"objid::bigint) - " PG_HZ_KEY ") FROM pg_locks WHERE locktype = " \
	"'advisory' AND objsubid = 1 AND classid::bigint >> 16 = 21315 AND " \
	"database = (SELECT oid FROM pg_database WHERE datname = " \
	"current_database())"

/*
 * Sent around nearly every statement: a connection prepares these when it
 * opens (pgpool_set_utility).  The savepoints of depth d are at d and
 * PG_SP_MAX + d.  The horizon's lock goes last: on a schema without its
 * sequence, its PREPARE fails and it alone goes as text.
 */
static const char *const pg_utility[] = {
	"BEGIN", "SAVEPOINT sp1", "SAVEPOINT sp2", "SAVEPOINT sp3",
	"SAVEPOINT sp4", "RELEASE SAVEPOINT sp1", "RELEASE SAVEPOINT sp2",
	"RELEASE SAVEPOINT sp3", "RELEASE SAVEPOINT sp4", PG_BEGIN_RO,
	"COMMIT", "ROLLBACK", PG_HZ_LOCK
};

/* A schema migration's time limit (version 6 rewrites scim_res). */
#define PG_MIGRATE_MS		(6 * 3600 * 1000)

struct pg_stmt {
	char		*sql;
	const char	*params;	/* one letter a parameter: "tkv", ... */
};

struct pg_store {
	struct store		 s_base;
	struct pgpool		*s_pool;
	struct pgpool		*s_lpool;	/* the LISTEN connection */
	struct pgpool		*s_kpool;	/* the lookups' connection */
	struct pglookup		*s_lookup;
	struct pg_stmt		 s_stmt[STMT_SIZE];
	struct event_base	*s_ev;
	struct pgconn		*s_listen;
	struct event		*s_listen_ev;
	struct event		*s_retry_ev;
	void			(*s_changed)(void *);
	void			*s_changed_arg;
	uint64_t		 s_txnid;
	char			 s_self[1 + SCIM_ID_MAX]; /* NOTIFY: 'T'|'W', id */
	int			 s_version;
	int			 s_hz;		/* advisory locks: PG_HZ_LOCK */
	int			 s_closing;
	int			 s_warned;
	uint64_t		 s_blk_next[PG_NCOUNTERS];	/* a block */
	uint64_t		 s_blk_end[PG_NCOUNTERS];	/* of values */
};

struct pg_txn {
	struct store_txn	 t_base;
	struct pg_store		*t_s;
	struct pg_txn		*t_root;
	struct pgconn		*t_conn;	/* root only */
	int			 t_rw;
	int			 t_depth;	/* 0 root, savepoint depth */
	int			 t_begun;
	int			 t_nrun;	/* statements run (root) */
	int			 t_sp_lo, t_sp_hi; /* savepoints not yet sent */
	int			 t_dirty;	/* wrote something */
	int			 t_tokens;	/* wrote tokens (root) */
	int			 t_failed;	/* sticky error (root) */
	int			 t_failed_depth;
	struct pg_lock		*t_locks;	/* tenants locked (root) */
	size_t			 t_nlocks, t_caplocks;
	size_t			 t_nsent;	/* t_locks[t_nsent..]: to send */
	char			*t_locksql;	/* the last lock statement sent */
	int			 t_hz_want;	/* PG_HZ_LOCK: to send (root) */
	int			 t_hz_held;	/* sent, at savepoint depth: */
	int			 t_hz_depth;
	struct pg_ahead		*t_ahead;	/* rows kept (root) */
	size_t			 t_nahead, t_capahead;
	PGresult		**t_held;	/* get results, valid until a write */
	size_t			 t_nheld, t_capheld;
	struct pgcounts		 t_counts;	/* tenant counters (root) */
};

/*
 * What a reader fetched with an index entry or a document: a document
 * (res key -> value) or the groups a resource belongs to (memberof key ->
 * the group numbers, 8 bytes each, in order); what a writer read of the
 * tenants table, until it writes there.
 */
struct pg_ahead {
	enum store_db	 pa_db;
	uint8_t		*pa_key;
	size_t		 pa_klen;
	char		*pa_val;
	size_t		 pa_vlen;
};

/* A tenant's writers' lock, held from savepoint depth pl_depth on. */
struct pg_lock {
	uint32_t	 pl_tenant;
	int		 pl_depth;
};

struct pg_cursor {
	struct store_cursor	 c_base;
	struct pg_txn		*c_t;
	enum store_db		 c_db;
	PGresult		*c_res;		/* the rows fetched */
	PGresult		*c_old;		/* the previous fetch, still lent */
	int			 c_n;
	int			 c_row;		/* current row, -1 before row 0 */
	int			 c_back;	/* fetched in descending order */
	int			 c_more;	/* rows may follow the fetch */
	int			 c_keyend;	/* the batch ends its key's rows */
	int			 c_valid;	/* positioned */
	int			 c_batch;
};

static const struct store_ops pg_ops;

static uint32_t
key_tenant(enum store_db db, const struct store_val *k)
{
	uint8_t	b[4] = { 0, 0, 0, 0 };

	if (pg_dbs[db].global || k == NULL)
		return (0);
	/* a short seek key: its tenant, padded, keeps (tenant, k) order */
	memcpy(b, k->sv_data, k->sv_len < 4 ? k->sv_len : 4);
	return (util_get_be32(b));
}

/* fmt has one %s: the table */
static char *
sqlf(const char *fmt, const char *table)
{
	char	buf[512];

	snprintf(buf, sizeof(buf), fmt, table);
	return (xstrdup(buf));
}

static void
stmt_set(struct pg_store *s, int id, char *sql, const char *params)
{
	free(s->s_stmt[id].sql);	/* a table's own replaces the common */
	s->s_stmt[id].sql = sql;
	s->s_stmt[id].params = params;
}

/*
 * The range reads of table t from a position: >= (a seek), > (a step
 * forward), < (a step back); on (tenant, k, v) for a duplicate-sorted
 * table, else on (tenant, k).
 */
static void
range_stmts(struct pg_store *s, int db, const char *t, int dup)
{
	static const struct {
		int		 q;
		const char	*cmp;
		int		 back;
	} ranges[] = { { Q_GE, ">=", 0 }, { Q_GT, ">", 0 }, { Q_LT, "<", 1 } };
	const char	*cols = dup ? "tenant, k, v" : "tenant, k";
	char		 buf[512];
	size_t		 i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		snprintf(buf, sizeof(buf), "SELECT k, v FROM %s WHERE (%s) %s "
		    "(%s) ORDER BY %s LIMIT $%d", t, cols, ranges[i].cmp,
		    dup ? "$1, $2, $3" : "$1, $2", !ranges[i].back ? cols :
		    dup ? "tenant DESC, k DESC, v DESC" : "tenant DESC, k DESC",
		    dup ? 4 : 3);
		stmt_set(s, STMT_ID(db, ranges[i].q), xstrdup(buf),
		    dup ? "tkvl" : "tkl");
	}
	if (!dup) {
		snprintf(buf, sizeof(buf), "SELECT k, v FROM %s WHERE (tenant, "
		    "k) > ($1, $2) ORDER BY tenant, k OFFSET $3 LIMIT %d", t,
		    PG_BATCH_FIRST * 4);
		stmt_set(s, STMT_ID(db, Q_SKIP), xstrdup(buf), "tkl");
	}
}

/*
 * Readers fetch a document with the index entry that leads to it, in the
 * same statement (the caller's next get of it then costs no round trip):
 * id2r's value is K R, an index's R after the kind tag of its table (in
 * ix_extid's key after T); res's key is T K R.
 */
static const char *
ahead_tag(int db)
{
	switch (db) {
	case STORE_IX_USERNAME:
	case STORE_IX_EMAIL:
		return ("'\\x55'::bytea");	/* PG_TAG_USER */
	case STORE_IX_GNAME:
		return ("'\\x47'::bytea");	/* PG_TAG_GROUP */
	case STORE_IX_EXTID:
		return ("substring(a.k FROM 5 FOR 1)");
	}
	return (NULL);
}

/*
 * The groups a document of res key %1$s is a direct member of (memberof's
 * key is the document's own, T K R), each with the group's document: one
 * bytea of group number (8 bytes), length (4 bytes; all ones for none) and
 * document, in group order; NULL for none.
 */
#define PG_GROUPS_SQL	"(SELECT string_agg(m.v || COALESCE(" \
	"int4send(length(g.v)) || g.v, '\\xffffffff'::bytea), ''::bytea " \
	"ORDER BY m.v) FROM scim_memberof m LEFT JOIN scim_res g ON " \
	"g.tenant = m.tenant AND g.k = substring(m.k FROM 1 FOR 4) || " \
	"'\\x47'::bytea || m.v WHERE m.tenant = a.tenant AND m.k = %1$s)"
#define PG_DOC_SQL	"(SELECT b.v FROM scim_res b WHERE b.tenant = " \
	"a.tenant AND b.k = %1$s)"

static void
ahead_stmts(struct pg_store *s)
{
	char	buf[1536], rk[128];
	int	db, dup;

	snprintf(buf, sizeof(buf), "SELECT a.v, " PG_DOC_SQL ", "
	    PG_GROUPS_SQL " FROM scim_id2r a WHERE a.tenant = $1 AND "
	    "a.k = $2 ORDER BY a.v LIMIT 1",
	    "substring(a.k FROM 1 FOR 4) || a.v");
	stmt_set(s, STMT_ID(STORE_ID2R, Q_GETJ), xstrdup(buf), "tk");
	/* a document by its key, with its groups */
	snprintf(buf, sizeof(buf), "SELECT a.v, " PG_GROUPS_SQL " FROM "
	    "scim_res a WHERE a.tenant = $1 AND a.k = $2", "a.k");
	stmt_set(s, STMT_ID(STORE_RES, Q_GETJ), xstrdup(buf), "tk");
	/* documents by their keys (a page about to be rendered) */
	snprintf(buf, sizeof(buf), "SELECT a.k, a.v, " PG_GROUPS_SQL " FROM "
	    "scim_res a WHERE a.tenant = $1 AND a.k = ANY($2)", "a.k");
	stmt_set(s, STMT_ID(STORE_RES, Q_MANYJ), xstrdup(buf), "ta");
	for (db = 0; db < STORE_NDB; db++) {
		if (ahead_tag(db) == NULL)
			continue;
		dup = pg_dbs[db].dup;
		snprintf(rk, sizeof(rk), "substring(a.k FROM 1 FOR 4) || %s || "
		    "a.v", ahead_tag(db));
		/* CASE: only the key sought costs the probes */
		snprintf(buf, sizeof(buf), "SELECT a.k, a.v, CASE WHEN a.k = "
		    "$2 THEN " PG_DOC_SQL " END, CASE WHEN a.k = $2 THEN "
		    PG_GROUPS_SQL " END FROM %2$s a WHERE (a.tenant, a.k%3$s) "
		    ">= ($1, $2%4$s) ORDER BY a.tenant, a.k%3$s LIMIT $%5$d",
		    rk, pg_dbs[db].table, dup ? ", a.v" : "",
		    dup ? ", $3" : "", dup ? 4 : 3);
		stmt_set(s, STMT_ID(db, Q_GEJ), xstrdup(buf), dup ? "tkvl" :
		    "tkl");
		/* the key's rows alone: an index probe that stops at them */
		snprintf(buf, sizeof(buf), "SELECT a.k, a.v, " PG_DOC_SQL ", "
		    PG_GROUPS_SQL " FROM %2$s a WHERE a.tenant = $1 AND "
		    "a.k = $2%3$s ORDER BY a.v LIMIT $%4$d", rk,
		    pg_dbs[db].table, dup ? " AND a.v >= $3" : "", dup ? 4 : 3);
		stmt_set(s, STMT_ID(db, Q_EQJ), xstrdup(buf), dup ? "tkvl" :
		    "tkl");
	}
}

/*
 * scim_res's writes: the document with its name and email columns as
 * pgdoc.h finds them ($4, $5, UTF-8 as the document), or, where it does
 * not decide ($6), as the server's functions read them from the document.
 */
static void
res_stmts(struct pg_store *s)
{
	static const char	ins[] = "INSERT INTO scim_res (tenant, k, v, "
	    "name, email) VALUES ($1, $2, $3, CASE WHEN $6 THEN "
	    "scim_res_name($2, $3) ELSE convert_from($4, 'UTF8') END, CASE "
	    "WHEN $6 THEN scim_res_email($2, $3) ELSE convert_from($5, "
	    "'UTF8') END)";
	char			*sql;

	if (asprintf(&sql, "%s ON CONFLICT (tenant, k) DO UPDATE SET "
	    "v = EXCLUDED.v, name = EXCLUDED.name, email = EXCLUDED.email",
	    ins) == -1)
		fatalx("out of memory");
	stmt_set(s, STMT_ID(STORE_RES, Q_PUT), sql, "tkvNEF");
	if (asprintf(&sql, "%s ON CONFLICT DO NOTHING", ins) == -1)
		fatalx("out of memory");
	stmt_set(s, STMT_ID(STORE_RES, Q_INSERT), sql, "tkvNEF");
	stmt_set(s, STMT_ID(STORE_RES, Q_LATE), xstrdup(ins), "tkvNEF");
}

/* Every statement, built once from the table list. */
static void
stmts_build(struct pg_store *s)
{
	char		 buf[256];
	size_t		 i;
	int		 db;

	for (db = 0; db < STORE_NDB; db++) {
		const char	*t = pg_dbs[db].table;
		int		 dup = pg_dbs[db].dup;

		stmt_set(s, STMT_ID(db, Q_GET), sqlf("SELECT v FROM %s WHERE "
		    "tenant = $1 AND k = $2 ORDER BY v LIMIT 1", t), "tk");
		stmt_set(s, STMT_ID(db, Q_PUT), sqlf(dup ?
		    "INSERT INTO %s (tenant, k, v) VALUES ($1, $2, $3) "
		    "ON CONFLICT DO NOTHING" :
		    "INSERT INTO %s (tenant, k, v) VALUES ($1, $2, $3) "
		    "ON CONFLICT (tenant, k) DO UPDATE SET v = EXCLUDED.v",
		    t), "tkv");
		if (!dup)
			stmt_set(s, STMT_ID(db, Q_ADD), sqlf("INSERT INTO %s AS "
			    "c (tenant, k, v) VALUES ($1, $2, int8send("
			    "GREATEST($3, 0))) ON CONFLICT (tenant, k) DO "
			    "UPDATE SET v = int8send(GREATEST(('x' || "
			    "encode(c.v, 'hex'))::bit(64)::bigint + $3, 0)) "
			    "RETURNING v", t), "tkn");
		if (!dup)
			stmt_set(s, STMT_ID(db, Q_LATE), sqlf("INSERT INTO %s "
			    "(tenant, k, v) VALUES ($1, $2, $3)", t), "tkv");
		stmt_set(s, STMT_ID(db, Q_INSERT), sqlf("INSERT INTO %s "
		    "(tenant, k, v) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		    t), "tkv");
		stmt_set(s, STMT_ID(db, Q_DEL), sqlf("DELETE FROM %s WHERE "
		    "tenant = $1 AND k = $2", t), "tk");
		stmt_set(s, STMT_ID(db, Q_DELPAIR), sqlf("DELETE FROM %s WHERE "
		    "tenant = $1 AND k = $2 AND v = $3", t), "tkv");
		range_stmts(s, db, t, dup);
		stmt_set(s, STMT_ID(db, Q_FIRST), sqlf("SELECT k, v FROM %s "
		    "ORDER BY tenant, k, v LIMIT $1", t), "l");
		stmt_set(s, STMT_ID(db, Q_LAST), sqlf("SELECT k, v FROM %s "
		    "ORDER BY tenant DESC, k DESC, v DESC LIMIT $1", t),
		    "l");
		stmt_set(s, STMT_ID(db, Q_COUNTKEY), sqlf("SELECT count(*) "
		    "FROM %s WHERE tenant = $1 AND k = $2", t), "tk");
		stmt_set(s, STMT_ID(db, Q_COUNT), sqlf("SELECT count(*) FROM %s",
		    t), "");
	}
	res_stmts(s);
	ahead_stmts(s);
	for (i = 0; i < PG_NCOUNTERS; i++) {
		snprintf(buf, sizeof(buf), "SELECT nextval('scim_seq_%s')",
		    pg_counters[i]);
		stmt_set(s, STMT_NEXTVAL(i), xstrdup(buf), "");
		snprintf(buf, sizeof(buf), "SELECT setval('scim_seq_%s', "
		    "GREATEST($1, (SELECT last_value FROM scim_seq_%s)))",
		    pg_counters[i], pg_counters[i]);
		stmt_set(s, STMT_FLOOR(i), xstrdup(buf), "n");
	}
	/* an audit record numbered in its insert (pg_put_next) */
	stmt_set(s, STMT_AUDIT_NEXT, sqlf("INSERT INTO %s (tenant, k, v) "
	    "VALUES ($1, int4send($1) || int8send(nextval('scim_seq_audit')), "
	    "$2)", pg_dbs[STORE_AUDIT].table), "tv");
	stmt_set(s, STMT_DBSIZE, xstrdup("SELECT pg_database_size("
	    "current_database())"), "");
}

/* ---- results kept valid for the caller ---- */

static void
held_add(struct pg_txn *t, PGresult *r)
{
	struct pg_txn	*root = t->t_root;

	if (root->t_nheld == root->t_capheld) {
		root->t_capheld = root->t_capheld ? root->t_capheld * 2 : 8;
		root->t_held = xrealloc(root->t_held, root->t_capheld *
		    sizeof(*root->t_held));
	}
	root->t_held[root->t_nheld++] = r;
}

static void
held_clear(struct pg_txn *t)
{
	struct pg_txn	*root = t->t_root;

	while (root->t_nheld > 0)
		PQclear(root->t_held[--root->t_nheld]);
}

/* ---- transactions ---- */

static int
fail(struct pg_txn *t, int rc)
{
	struct pg_txn	*root = t->t_root;

	if (root->t_failed == SCIM_OK) {
		root->t_failed = rc;
		root->t_failed_depth = t->t_depth;
	}
	return (rc);
}

static int	begin_stmts(struct pg_txn *, int, const char **);
static void	counts_send(struct pg_txn *);

static int
simple(struct pg_txn *t, const char *sql)
{
	PGresult	*r;
	const char	*pre[PG_PRE_MAX];
	int		 rc, npre = begin_stmts(t, -1, pre);

	if ((rc = pgconn_exec_pre(t->t_root->t_conn, pre, npre, -1, sql, 0,
	    NULL, NULL, NULL, &r)) != SCIM_OK)
		return (rc);
	PQclear(r);
	return (SCIM_OK);
}

/* A connection for the transaction, at its first statement. */
static int
txn_ready(struct pg_txn *t)
{
	struct pg_txn	*root = t->t_root;
	int		 rc;

	if (root->t_failed != SCIM_OK)
		return (root->t_failed);
	if (root->t_s->s_ev != NULL && fiber_self() == NULL &&
	    !root->t_s->s_warned) {
		/* a path that forgot store_run: correct, but it stalls */
		log_warnx("store: a database call blocks the event loop");
		root->t_s->s_warned = 1;
	}
	if (root->t_conn == NULL &&
	    (rc = pgpool_acquire(root->t_s->s_pool, &root->t_conn)) != SCIM_OK)
		return (fail(root, rc));
	return (SCIM_OK);
}

/* ---- the tenants' writers' locks ---- */

/*
 * The lock a statement on key k of the table of statement id needs: the
 * key's tenant; for meta, the tenant of a count ("n" T K) or of an event
 * seq ("e" T), for tenants that of a tenant's record ("i" T); 0, the lock of the global data, for the rest of the global
 * tables (tenants, tokens: their read-modify-writes, such as a token's
 * last use against its revocation, need it as much); -1 for none (a scan
 * of a tenant table without a key).
 */
static int64_t
lock_tenant(int id, const struct store_val *k)
{
	const uint8_t	*b = k != NULL ? k->sv_data : NULL;
	int		 db = id / Q_N;

	if (id >= STORE_NDB * Q_N)
		return (-1);
	if (!pg_dbs[db].global)
		return (k != NULL && k->sv_len >= 4 ?
		    (int64_t)util_get_be32(b) : -1);
	if (db == STORE_META && k != NULL && ((k->sv_len == 6 &&
	    b[0] == 'n') || (k->sv_len == 5 && b[0] == 'e')))
		return (util_get_be32(b + 1));
	if (db == STORE_TENANTS && k != NULL && k->sv_len == 5 && b[0] == 'i')
		return (util_get_be32(b + 1));
	return (0);
}

/* Ask for tenant's lock: sent ahead of the transaction's next statement. */
static void
lock_want(struct pg_txn *t, int64_t tenant)
{
	struct pg_txn	*root = t->t_root;
	size_t		 i;

	if (tenant < 0 || !root->t_rw)
		return;
	for (i = 0; i < root->t_nlocks; i++)
		if (root->t_locks[i].pl_tenant == tenant)
			return;
	if (root->t_nlocks == root->t_caplocks) {
		root->t_caplocks = root->t_caplocks ? root->t_caplocks * 2 : 4;
		root->t_locks = xrealloc(root->t_locks, root->t_caplocks *
		    sizeof(*root->t_locks));
	}
	root->t_locks[root->t_nlocks].pl_tenant = (uint32_t)tenant;
	root->t_locks[root->t_nlocks++].pl_depth = -1;
}

static int
lock_cmp(const void *a, const void *b)
{
	uint32_t	x = ((const struct pg_lock *)a)->pl_tenant;
	uint32_t	y = ((const struct pg_lock *)b)->pl_tenant;

	return (x < y ? -1 : x > y);
}

/*
 * The statement locking the wanted tenants, in tenant order, at savepoint
 * depth: one upsert, which creates a missing row and locks an existing one.
 * Its update is WHERE false: ON CONFLICT DO UPDATE locks the row it clashes
 * with whether or not the row passes the WHERE, so the lock is taken without
 * writing the row again (no new version of a row every write transaction
 * of the tenant touches).
 */
static const char *
lock_stmt(struct pg_txn *root, int depth)
{
	struct pg_lock	*l = root->t_locks + root->t_nsent;
	size_t		 n = root->t_nlocks - root->t_nsent, i, len;
	char		*sql;

	qsort(l, n, sizeof(*l), lock_cmp);
	len = 160 + n * 14;
	sql = xmalloc(len);
	snprintf(sql, len, "INSERT INTO scim_tenant_lock AS l (tenant) "
	    "VALUES ");
	for (i = 0; i < n; i++) {
		l[i].pl_depth = depth;
		snprintf(sql + strlen(sql), len - strlen(sql), "%s(%u)",
		    i > 0 ? ", " : "", (unsigned)l[i].pl_tenant);
	}
	snprintf(sql + strlen(sql), len - strlen(sql), " ON CONFLICT "
	    "(tenant) DO UPDATE SET tenant = l.tenant WHERE false");
	root->t_nsent = root->t_nlocks;
	free(root->t_locksql);
	root->t_locksql = sql;
	return (sql);
}

/*
 * Savepoint depth d ends: rolled back (its locks are gone) or released
 * (they pass to the level above).
 */
static void
lock_end(struct pg_txn *root, int d, int rollback)
{
	size_t	i, n = 0, sent = 0;

	for (i = 0; i < root->t_nlocks; i++) {
		struct pg_lock	l = root->t_locks[i];

		if (i < root->t_nsent && l.pl_depth >= d) {
			if (rollback)
				continue;
			l.pl_depth = d - 1;
		}
		if (i < root->t_nsent)
			sent++;
		root->t_locks[n++] = l;
	}
	root->t_nlocks = n;
	root->t_nsent = sent;
	if (root->t_hz_held && root->t_hz_depth >= d) {
		root->t_hz_held = !rollback;
		root->t_hz_depth = d - 1;
	}
}

/*
 * A reader's first statement, when a point read (a key, or an index entry
 * with its document and groups), runs alone: one statement is one
 * snapshot.  A reader that goes on opens its snapshot at its second.
 */
static int
runs_alone(const struct pg_txn *root, int id)
{
	int	q = id >= 0 && id < STORE_NDB * Q_N ? id % Q_N : -1;

	return (!root->t_rw && root->t_nrun == 0 && (q == Q_GET ||
	    q == Q_GETJ || q == Q_GEJ || q == Q_EQJ));
}

/*
 * What to send ahead of statement id of t, in the same round trip: BEGIN
 * at the transaction's first (unless it runs alone), the tenant locks
 * wanted since the last statement (before the savepoints not yet opened: a
 * lock outlives them), and those savepoints.
 */
static int
begin_stmts(struct pg_txn *t, int id, const char **pre)
{
	struct pg_txn	*root = t->t_root;
	int		 n = 0, d;

	if (!root->t_begun && !runs_alone(root, id)) {
		root->t_begun = 1;
		pre[n++] = root->t_rw ? "BEGIN" : PG_BEGIN_RO;
	}
	root->t_nrun++;
	if (root->t_nsent < root->t_nlocks)
		pre[n++] = lock_stmt(root, root->t_sp_lo > 0 ?
		    root->t_sp_lo - 1 : t->t_depth);
	if (root->t_hz_want) {
		pre[n++] = PG_HZ_LOCK;
		root->t_hz_want = 0;
		root->t_hz_held = 1;
		root->t_hz_depth = root->t_sp_lo > 0 ? root->t_sp_lo - 1 :
		    t->t_depth;
	}
	if (root->t_sp_lo > 0) {
		for (d = root->t_sp_lo; d <= root->t_sp_hi; d++)
			pre[n++] = pg_utility[d];
		root->t_sp_lo = root->t_sp_hi = 0;
	}
	return (n);
}

/* A statement's arguments, as its parameter letters (pg_stmt) name them. */
struct pg_args {
	const char	*a_vals[8];
	int		 a_lens[8];
	Oid		 a_types[8];
	int		 a_n;
	uint8_t		 a_tb[4], a_lb[8];
	char		 a_server;	/* F: the server finds the columns */
	struct pgdoc	 a_doc;		/* N, E: scim_res's columns */
};

static void
arg(struct pg_args *a, const void *val, int len, Oid type)
{
	a->a_vals[a->a_n] = val;
	a->a_lens[a->a_n] = len;
	a->a_types[a->a_n++] = type;
}

/* scim_res's columns of document v under key k (pgdoc.h), once. */
static void
args_doc(struct pg_args *a, const struct store_val *k,
    const struct store_val *v)
{
	int	kind = k->sv_len > 4 ? ((const uint8_t *)k->sv_data)[4] : 0;

	a->a_server = (kind == 'U' || kind == 'G') &&
	    pgdoc_fields(v->sv_data, v->sv_len, kind, &a->a_doc) == -1;
	if (a->a_server)
		pgdoc_free(&a->a_doc);		/* NULLs: not read */
}

static void
args_build(struct pg_args *a, const char *p, uint32_t tenant,
    const struct store_val *k, const struct store_val *v, int64_t num)
{
	const struct store_val	*x;
	const struct pgdoc_str	*d;

	for (; *p != '\0'; p++) {
		switch (*p) {
		case 't':
			util_put_be32(a->a_tb, tenant);
			arg(a, a->a_tb, 4, 23);			/* int4 */
			break;
		case 'k':
		case 'v':
			x = *p == 'k' ? k : v;
			arg(a, x != NULL && x->sv_len > 0 ? x->sv_data : "",
			    x != NULL ? (int)x->sv_len : 0, 17);	/* bytea */
			break;
		case 'a':
			arg(a, v->sv_data, (int)v->sv_len, 1001); /* bytea[] */
			break;
		case 'l':
			util_put_be32(a->a_lb, (uint32_t)num);
			arg(a, a->a_lb, 4, 23);
			break;
		case 'n':
			util_put_be64(a->a_lb, (uint64_t)num);
			arg(a, a->a_lb, 8, 20);			/* int8 */
			break;
		case 'N':
		case 'E':
			if (*p == 'N')
				args_doc(a, k, v);
			d = *p == 'N' ? &a->a_doc.pd_name : &a->a_doc.pd_email;
			arg(a, d->ps_data, (int)d->ps_len, 17);	/* UTF-8 */
			break;
		case 'F':
			arg(a, &a->a_server, 1, 16);		/* bool */
			break;
		}
	}
}

/*
 * The table statement id writes, for merging queued writes (pgmerge.h),
 * or -1: those of the tables' own statements and the audit insert.
 */
static int
stmt_table(int id)
{
	if (id < STORE_NDB * Q_N)
		return (id / Q_N);
	return (id == STMT_AUDIT_NEXT ? STORE_AUDIT : -1);
}

/* Send statement id with arguments a (see run_q). */
static int
run_args(struct pg_txn *t, int id, struct pg_args *a, int queue,
    PGresult **out)
{
	struct pg_store	*s = t->t_s;
	const char	*pre[PG_PRE_MAX];
	int		 rc, npre;

	/* alone and first: pipelined with other readers' lookups */
	if (runs_alone(t->t_root, id) && t->t_root->t_conn == NULL &&
	    (rc = pglookup_run(s->s_lookup, id, s->s_stmt[id].sql, a->a_n,
	    a->a_types, a->a_vals, a->a_lens, out)) != SCIM_ENOTIMPL) {
		t->t_root->t_nrun++;
		return (rc == SCIM_OK ? SCIM_OK : fail(t, rc));
	}
	if ((rc = txn_ready(t)) != SCIM_OK)
		return (rc);
	npre = begin_stmts(t, id, pre);
	if (queue) {
		rc = pgconn_queue(t->t_root->t_conn, pre, npre, id,
		    stmt_table(id), s->s_stmt[id].sql, a->a_n, a->a_types,
		    a->a_vals, a->a_lens);
		if (rc == SCIM_OK)
			return (SCIM_OK);
		if (rc != SCIM_ENOTIMPL)
			return (fail(t, rc));
	}
	if ((rc = pgconn_exec_pre(t->t_root->t_conn, pre, npre, id,
	    s->s_stmt[id].sql, a->a_n, a->a_types, a->a_vals, a->a_lens,
	    out)) != SCIM_OK)
		return (fail(t, rc));
	return (SCIM_OK);
}

/* Run statement id with the arguments its parameter letters name. */
static int
run_q(struct pg_txn *t, int id, uint32_t tenant, const struct store_val *k,
    const struct store_val *v, int64_t num, int queue, PGresult **out)
{
	struct pg_args	a;
	int		rc;

	*out = NULL;
	if (t->t_root->t_failed != SCIM_OK)
		return (t->t_root->t_failed);
	if (id < STORE_NDB * Q_N && id / Q_N == STORE_META)
		counts_send(t);		/* the adds kept go first */
	lock_want(t, lock_tenant(id, k));
	memset(&a, 0, sizeof(a));
	args_build(&a, t->t_s->s_stmt[id].params, tenant, k, v, num);
	rc = run_args(t, id, &a, queue, out);
	pgdoc_free(&a.a_doc);
	return (rc);
}

static int
run(struct pg_txn *t, int id, uint32_t tenant, const struct store_val *k,
    const struct store_val *v, int64_t num, PGresult **out)
{
	return (run_q(t, id, tenant, k, v, num, 0, out));
}

/*
 * Send the counters' adds kept (pg_add), without waiting: before the
 * commit and before any other statement on the meta table.
 */
static void
counts_send(struct pg_txn *t)
{
	struct pgcounts		*p = &t->t_root->t_counts;
	struct pgcount		*c;
	struct store_val	 k;
	uint8_t			 kb[PGCOUNT_KEY_MAX];
	PGresult		*r;
	uint64_t		 d;
	size_t			 i;

	for (i = 0; i < p->pcs_n; i++) {
		if (p->pcs_c[i].pc_pend == 0)
			continue;
		c = pgcount_touch_at(p, i, t->t_depth);
		d = c->pc_pend;
		c->pc_pend = 0;
		memcpy(kb, c->pc_key, c->pc_klen);
		k.sv_data = kb;
		k.sv_len = c->pc_klen;
		if (run_q(t, STMT_ID(STORE_META, Q_ADD), key_tenant(STORE_META,
		    &k), &k, NULL, (int64_t)d, 1, &r) == SCIM_OK)
			PQclear(r);
	}
}

/* A counter may be set outright: what the transaction knew is stale. */
static void
counts_forget(struct pg_txn *t)
{
	struct pgcounts	*p = &t->t_root->t_counts;
	size_t		 i;

	for (i = 0; i < p->pcs_n; i++)
		pgcount_touch_at(p, i, t->t_depth)->pc_known = 0;
}

/* A transaction of sb: a root (parent NULL) or a savepoint level. */
static struct pg_txn *
txn_new(struct store *sb, struct pg_txn *parent, int rw)
{
	struct pg_txn	*t = xcalloc(1, sizeof(*t));

	t->t_base.t_store = sb;
	t->t_s = (struct pg_store *)sb;
	t->t_root = parent != NULL ? parent->t_root : t;
	t->t_depth = parent != NULL ? parent->t_depth + 1 : 0;
	t->t_rw = rw;
	return (t);
}

static int
pg_begin(struct store *sb, int rw, struct store_txn **out)
{
	*out = &txn_new(sb, NULL, rw)->t_base;
	return (SCIM_OK);
}

static int
pg_begin_nested(struct store_txn *pb, struct store_txn **out)
{
	struct pg_txn	*parent = (struct pg_txn *)pb, *t;
	int		 rc;

	*out = NULL;
	if ((rc = txn_ready(parent)) != SCIM_OK)
		return (rc);
	if (parent->t_depth + 1 > PG_SP_MAX)
		return (SCIM_ESTORE);
	t = txn_new(pb->t_store, parent, 1);
	/* sent ahead of the level's first statement (begin_stmts) */
	if (t->t_root->t_sp_lo == 0)
		t->t_root->t_sp_lo = t->t_depth;
	t->t_root->t_sp_hi = t->t_depth;
	*out = &t->t_base;
	return (SCIM_OK);
}

static void
txn_end(struct pg_txn *t)
{
	held_clear(t);
	free(t->t_held);
	free(t->t_locks);
	free(t->t_locksql);
	pgcount_free(&t->t_counts);
	while (t->t_nahead > 0) {
		t->t_nahead--;
		free(t->t_ahead[t->t_nahead].pa_key);
		free(t->t_ahead[t->t_nahead].pa_val);
	}
	free(t->t_ahead);
	pgpool_release(t->t_s->s_pool, t->t_conn);
	free(t);
}

/* 1 if t's savepoint was never sent (no statement ran in it): forget it. */
static int
sp_unsent(struct pg_txn *t)
{
	struct pg_txn	*root = t->t_root;

	if (root->t_sp_lo == 0 || t->t_depth < root->t_sp_lo)
		return (0);
	root->t_sp_hi = t->t_depth - 1;
	if (root->t_sp_hi < root->t_sp_lo)
		root->t_sp_lo = root->t_sp_hi = 0;
	return (1);
}

/* Undo a savepoint level; a failure inside it no longer sticks. */
static void
nested_abort(struct pg_txn *t)
{
	struct pg_txn	*root = t->t_root;
	PGresult	*r;
	char		 sql[96];

	/* the adds of the level, sent or kept */
	pgcount_rollback(&root->t_counts, t->t_depth);
	if (sp_unsent(t)) {
		if (root->t_failed != SCIM_OK &&
		    root->t_failed_depth >= t->t_depth)
			root->t_failed = SCIM_OK;
		free(t);
		return;
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT sp%d; "
	    "RELEASE SAVEPOINT sp%d", t->t_depth, t->t_depth);
	/*
	 * Sent alone: locks wanted and not yet sent would otherwise reach
	 * the aborted transaction ahead of the rollback, and fail; they go
	 * with the next statement instead.
	 */
	if (root->t_conn != NULL && !pgconn_broken(root->t_conn) &&
	    pgconn_exec(root->t_conn, -1, sql, 0, NULL, NULL, NULL, &r) ==
	    SCIM_OK) {
		PQclear(r);
		if (root->t_failed != SCIM_OK &&
		    root->t_failed_depth >= t->t_depth)
			root->t_failed = SCIM_OK;
	}
	lock_end(root, t->t_depth, 1);	/* a lock the rollback let go */
	held_clear(t);
	free(t);
}

static int
pg_lock_tenant(struct store_txn *tb, uint32_t tenant)
{
	lock_want((struct pg_txn *)tb, tenant);
	return (SCIM_OK);
}

static int
pg_commit(struct store_txn *tb)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	const char	*rel;
	char		 sql[96];
	int		 rc;

	if (t->t_depth > 0) {
		if ((rc = t->t_root->t_failed) != SCIM_OK) {
			nested_abort(t);
			return (rc);
		}
		if (!sp_unsent(t)) {
			rel = pg_utility[PG_SP_MAX + t->t_depth];
			/*
			 * With writes of this level unsettled, wait: one of
			 * them may have failed, and then the level is undone
			 * like an abort.  Else RELEASE cannot fail: no wait.
			 */
			if (pgconn_queued(t->t_root->t_conn) > 0) {
				if ((rc = simple(t, rel)) != SCIM_OK) {
					fail(t, rc);
					nested_abort(t);
					return (rc);
				}
			} else if ((rc = pgconn_send(t->t_root->t_conn,
			    rel)) != SCIM_OK)
				fail(t, rc);
			lock_end(t->t_root, t->t_depth, 0);
		}
		pgcount_release(&t->t_root->t_counts, t->t_depth);
		held_clear(t);
		free(t);
		return (rc);
	}
	if (t->t_failed == SCIM_OK)
		counts_send(t);
	if ((rc = t->t_failed) != SCIM_OK) {
		if (t->t_conn != NULL && !pgconn_broken(t->t_conn))
			pgconn_send(t->t_conn, "ROLLBACK");
	} else if (t->t_begun && !t->t_rw) {
		/* nothing to confirm: the next user reads the answer */
		pgconn_send(t->t_conn, "COMMIT");
	} else if (t->t_begun) {
		/* NOTIFY is delivered only if COMMIT succeeds */
		t->t_s->s_self[0] = t->t_tokens ? 'T' : 'W';
		snprintf(sql, sizeof(sql), "NOTIFY scimd_change, '%s'; COMMIT",
		    t->t_s->s_self);
		rc = simple(t, t->t_dirty ? sql : "COMMIT");
		if (rc == SCIM_OK && t->t_tokens)
			t->t_s->s_txnid++;
		else if (rc != SCIM_OK && !pgconn_broken(t->t_conn))
			pgconn_send(t->t_conn, "ROLLBACK");	/* never left open */
	}
	txn_end(t);
	return (rc);
}

static void
pg_abort(struct store_txn *tb)
{
	struct pg_txn	*t = (struct pg_txn *)tb;

	if (t->t_depth > 0) {
		nested_abort(t);
		return;
	}
	if (t->t_begun && t->t_conn != NULL && !pgconn_broken(t->t_conn))
		pgconn_send(t->t_conn, "ROLLBACK");
	txn_end(t);
}

/* ---- rows kept: a reader's rows read ahead, a writer's tenants ---- */

/* Keep val under db's key a||b. */
static void
ahead_put(struct pg_txn *t, enum store_db db, const void *a, size_t alen,
    const void *b, size_t blen, const void *val, size_t vlen)
{
	struct pg_txn	*root = t->t_root;
	struct pg_ahead	*x;

	if (root->t_nahead == root->t_capahead) {
		root->t_capahead = root->t_capahead ? root->t_capahead * 2 : 4;
		root->t_ahead = xrealloc(root->t_ahead, root->t_capahead *
		    sizeof(*root->t_ahead));
	}
	x = &root->t_ahead[root->t_nahead++];
	x->pa_db = db;
	x->pa_klen = alen + blen;
	x->pa_key = xmalloc(x->pa_klen);
	memcpy(x->pa_key, a, alen);
	if (blen > 0)		/* b may be NULL then */
		memcpy(x->pa_key + alen, b, blen);
	x->pa_vlen = vlen;
	x->pa_val = xmalloc(vlen + 1);
	memcpy(x->pa_val, val, vlen);
	x->pa_val[vlen] = '\0';
}

/*
 * The groups column (PG_GROUPS_SQL) of a document of key k (T K R): its
 * memberof entry, and each group's document.  A malformed column is
 * dropped: the cursor then asks the database.
 */
static void
ahead_groups(struct pg_txn *t, const uint8_t *k, const uint8_t *g, size_t len)
{
	uint8_t		*rs = xmalloc(len + 1), gk[5];
	size_t		 off, n = 0, dlen;
	uint32_t	 l;

	memcpy(gk, k, 4);
	gk[4] = PG_TAG_GROUP;
	for (off = 0; off + 12 <= len; off += 12 + dlen) {
		memcpy(rs + n, g + off, 8);
		n += 8;
		l = util_get_be32(g + off + 8);
		dlen = l == UINT32_MAX ? 0 : l;
		if (dlen > len - off - 12)
			break;
		if (l != UINT32_MAX)
			ahead_put(t, STORE_RES, gk, 5, g + off, 8,
			    g + off + 12, dlen);
	}
	if (off == len)
		ahead_put(t, STORE_MEMBEROF, k, PG_RES_KLEN, NULL, 0, rs, n);
	free(rs);
}

/*
 * The document in column col of row i of r, key T (4 bytes of tk) || kr
 * (K R), and the groups column after it.
 */
static void
ahead_doc(struct pg_txn *t, PGresult *r, int i, int col, const uint8_t *tk,
    const struct store_val *kr)
{
	uint8_t	k[PG_RES_KLEN];

	if (PQgetisnull(r, i, col) || kr->sv_len != PG_RES_KLEN - 4)
		return;
	memcpy(k, tk, 4);
	memcpy(k + 4, kr->sv_data, kr->sv_len);
	ahead_put(t, STORE_RES, k, sizeof(k), NULL, 0, PQgetvalue(r, i, col),
	    (size_t)PQgetlength(r, i, col));
	ahead_groups(t, k, (const uint8_t *)PQgetvalue(r, i, col + 1),
	    (size_t)PQgetlength(r, i, col + 1));
}

static struct pg_ahead *
ahead_find(struct pg_txn *t, enum store_db db, const struct store_val *key)
{
	struct pg_txn	*root = t->t_root;
	size_t		 i;

	for (i = root->t_nahead; i-- > 0;) {
		struct pg_ahead	*a = &root->t_ahead[i];

		if (a->pa_db == db && a->pa_klen == key->sv_len &&
		    memcmp(a->pa_key, key->sv_data, a->pa_klen) == 0)
			return (a);
	}
	return (NULL);
}

/* Forget what was kept of db (a write to it). */
static void
ahead_drop(struct pg_txn *t, enum store_db db)
{
	struct pg_txn	*root = t->t_root;
	size_t		 i, n = 0;

	for (i = 0; i < root->t_nahead; i++) {
		if (root->t_ahead[i].pa_db == db) {
			free(root->t_ahead[i].pa_key);
			free(root->t_ahead[i].pa_val);
		} else
			root->t_ahead[n++] = root->t_ahead[i];
	}
	root->t_nahead = n;
}

/* The documents a reader's index fetch brought: those of the key sought. */
static void
ahead_rows(struct pg_txn *t, enum store_db db, PGresult *r)
{
	struct store_val	 k, v;
	uint8_t			 kr[PG_RES_KLEN - 4];
	int			 i;

	for (i = 0; i < PQntuples(r); i++) {
		k.sv_data = PQgetvalue(r, i, 0);
		k.sv_len = (size_t)PQgetlength(r, i, 0);
		if (PQgetisnull(r, i, 2) || k.sv_len < 5 ||
		    PQgetlength(r, i, 1) != 8)
			continue;
		kr[0] = db == STORE_IX_GNAME ? PG_TAG_GROUP :
		    db == STORE_IX_EXTID ? ((const uint8_t *)k.sv_data)[4] :
		    PG_TAG_USER;
		memcpy(kr + 1, PQgetvalue(r, i, 1), 8);
		v.sv_data = kr;
		v.sv_len = sizeof(kr);
		ahead_doc(t, r, i, 2, k.sv_data, &v);
	}
}

/*
 * A reader's memberof key whose rows came ahead: those rows as a result
 * (k, v) the cursor walks like a fetch; NULL if they did not come.
 */
static PGresult *
ahead_memberof(struct pg_txn *t, const struct store_val *key)
{
	PGresAttDesc	 at[2];
	PGresult	*r;
	struct pg_ahead	*a;
	size_t		 i;

	if (t->t_root->t_rw || (a = ahead_find(t, STORE_MEMBEROF, key)) ==
	    NULL)
		return (NULL);
	memset(at, 0, sizeof(at));
	at[0].name = "k";
	at[1].name = "v";
	at[0].typid = at[1].typid = 17;		/* bytea */
	at[0].format = at[1].format = 1;
	at[0].typlen = at[1].typlen = -1;
	at[0].atttypmod = at[1].atttypmod = -1;
	if ((r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL ||
	    !PQsetResultAttrs(r, 2, at))
		fatal("PQmakeEmptyPGresult");
	for (i = 0; i < a->pa_vlen / 8; i++)
		if (!PQsetvalue(r, (int)i, 0, (char *)a->pa_key,
		    (int)a->pa_klen) || !PQsetvalue(r, (int)i, 1,
		    a->pa_val + i * 8, 8))
			fatal("PQsetvalue");
	return (r);
}

/* ---- data ---- */

static int
pg_get(struct store_txn *tb, enum store_db db, const struct store_val *key,
    struct store_val *val)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	struct pg_ahead	*a;
	PGresult	*r;
	int		 rc, ahead;

	if ((t->t_root->t_rw ? db == STORE_TENANTS : db == STORE_RES) &&
	    (a = ahead_find(t, db, key)) != NULL) {
		if (val != NULL) {
			val->sv_data = a->pa_val;
			val->sv_len = a->pa_vlen;
		}
		return (SCIM_OK);
	}
	/*
	 * A reader's id comes with its document and groups; so does the
	 * document it reads first (the one it renders; later ones are a
	 * group's members, whose groups no one asked for).
	 */
	ahead = !t->t_root->t_rw && ((db == STORE_ID2R && key->sv_len >= 4) ||
	    (db == STORE_RES && key->sv_len == PG_RES_KLEN &&
	    t->t_root->t_nrun == 0));
	if ((rc = run(t, STMT_ID(db, ahead ? Q_GETJ : Q_GET), key_tenant(db,
	    key), key, NULL, 0, &r)) != SCIM_OK)
		return (rc);
	if (ahead && PQntuples(r) > 0 && db == STORE_RES)
		ahead_groups(t, key->sv_data, (const uint8_t *)PQgetvalue(r,
		    0, 1), (size_t)PQgetlength(r, 0, 1));
	else if (ahead && PQntuples(r) > 0) {
		struct store_val kr = { PQgetvalue(r, 0, 0),
				    (size_t)PQgetlength(r, 0, 0) };

		ahead_doc(t, r, 0, 1, key->sv_data, &kr);
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return (SCIM_ENOTFOUND);
	}
	/* a writer reads a tenant's record for each change it records */
	if (t->t_root->t_rw && db == STORE_TENANTS)
		ahead_put(t, db, key->sv_data, key->sv_len, NULL, 0,
		    PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
	held_add(t, r);
	if (val != NULL) {
		val->sv_data = PQgetvalue(r, 0, 0);
		val->sv_len = (size_t)PQgetlength(r, 0, 0);
	}
	return (SCIM_OK);
}

/*
 * A reader's page of documents about to be rendered, with their groups,
 * in one statement (a bytea[] in binary form: dimensions, no NULLs, the
 * element type, size and lower bound, then each key's length and bytes),
 * kept like those of an index fetch for the page's gets and finds.
 */
static int
pg_prefetch(struct store_txn *tb, enum store_db db,
    const struct store_val *keys, size_t n)
{
	struct pg_txn		*t = (struct pg_txn *)tb;
	struct store_val	 arr, kr;
	PGresult		*r;
	uint8_t			*b, *p;
	size_t			 i;
	int			 rc, row;

	if (t->t_root->t_rw || db != STORE_RES || n > PG_BATCH_MAX)
		return (SCIM_OK);
	for (i = 0; i < n; i++)
		if (keys[i].sv_len != PG_RES_KLEN ||
		    memcmp(keys[i].sv_data, keys[0].sv_data, 4) != 0)
			return (SCIM_OK);
	p = b = xmalloc(20 + n * (4 + PG_RES_KLEN));
	for (p += 20, i = 0; i < n; i++) {
		/* those an index fetch brought are here already */
		if (ahead_find(t, STORE_RES, &keys[i]) != NULL &&
		    ahead_find(t, STORE_MEMBEROF, &keys[i]) != NULL)
			continue;
		util_put_be32(p, PG_RES_KLEN);
		memcpy(p + 4, keys[i].sv_data, PG_RES_KLEN);
		p += 4 + PG_RES_KLEN;
	}
	if (p == b + 20) {
		free(b);
		return (SCIM_OK);
	}
	util_put_be32(b, 1);
	util_put_be32(b + 4, 0);
	util_put_be32(b + 8, 17);		/* bytea */
	util_put_be32(b + 12, (uint32_t)((size_t)(p - b - 20) /
	    (4 + PG_RES_KLEN)));
	util_put_be32(b + 16, 1);
	arr.sv_data = b;
	arr.sv_len = (size_t)(p - b);
	rc = run(t, STMT_ID(STORE_RES, Q_MANYJ), util_get_be32(
	    keys[0].sv_data), NULL, &arr, 0, &r);
	free(b);
	if (rc != SCIM_OK)
		return (rc);
	for (row = 0; row < PQntuples(r); row++) {
		if (PQgetlength(r, row, 0) != PG_RES_KLEN)
			continue;
		kr.sv_data = PQgetvalue(r, row, 0) + 4;
		kr.sv_len = PG_RES_KLEN - 4;
		ahead_doc(t, r, row, 1, (const uint8_t *)PQgetvalue(r, row,
		    0), &kr);
	}
	PQclear(r);
	return (SCIM_OK);
}

/* Rows a write statement touched. */
static long
affected(PGresult *r)
{
	return (strtol(PQcmdTuples(r), NULL, 10));
}

/* A write of db's rows, sent without waiting for its answer if queue. */
static int
write_stmt(struct pg_txn *t, enum store_db db, int id, uint32_t tenant,
    const struct store_val *k, const struct store_val *v, int queue, long *n)
{
	PGresult	*r;
	int		 rc;

	held_clear(t);
	ahead_drop(t, db);
	if (db == STORE_META)
		counts_forget(t);	/* a counter may be set outright */
	if (db == STORE_TOKENS)
		t->t_root->t_tokens = 1;
	if ((rc = run_q(t, id, tenant, k, v, 0, queue, &r)) != SCIM_OK)
		return (rc);
	t->t_root->t_dirty = 1;
	*n = r != NULL ? affected(r) : 1;
	PQclear(r);
	return (SCIM_OK);
}

static int
pg_put(struct store_txn *tb, enum store_db db, const struct store_val *key,
    const struct store_val *val, int flags)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	uint32_t	 tenant = key_tenant(db, key);
	long		 n;
	int		 rc, q = Q_PUT;

	if ((flags & STORE_NOOVERWRITE) && pg_dbs[db].dup) {
		/* LMDB: any value under the key counts */
		if ((rc = pg_get(tb, db, key, NULL)) != SCIM_ENOTFOUND)
			return (rc == SCIM_OK ? SCIM_EUNIQUE : rc);
	} else if ((flags & STORE_LATE) && (flags & STORE_NOOVERWRITE))
		q = Q_LATE;	/* a clash is unique_violation, at the next wait */
	else if (flags & (STORE_NOOVERWRITE | STORE_NODUPDATA))
		q = Q_INSERT;
	/* a plain put's answer is only its error: it need not be awaited */
	if ((rc = write_stmt(t, db, STMT_ID(db, q), tenant, key, val,
	    q == Q_PUT || q == Q_LATE, &n)) != SCIM_OK)
		return (rc);
	return (q == Q_INSERT && n == 0 ? SCIM_EUNIQUE : SCIM_OK);
}

/*
 * An add to a tenant's counter, kept (pgcount.h) when it is positive and
 * its answer is known or not needed: the counter's row is written once,
 * with the sum, before the commit.  Else sent now, after the adds kept.
 */
static int
pg_add(struct store_txn *tb, enum store_db db, const struct store_val *key,
    int64_t delta, uint64_t *out)
{
	struct pg_txn	*t = (struct pg_txn *)tb, *root = t->t_root;
	struct pgcount	*c = NULL;
	PGresult	*r;
	int64_t		 v, lock;
	int		 rc, id = STMT_ID(db, Q_ADD), known;

	if (t->t_s->s_stmt[id].sql == NULL)
		return (SCIM_ESTORE);
	held_clear(t);
	ahead_drop(t, db);
	lock = lock_tenant(id, key);
	if (root->t_rw && db == STORE_META && lock >= 0)
		c = pgcount_touch(&root->t_counts, key->sv_data, key->sv_len,
		    t->t_depth);
	if (c != NULL && delta > 0 && (c->pc_known || out == NULL)) {
		lock_want(t, lock);
		c->pc_pend += (uint64_t)delta;
		c->pc_val += (uint64_t)delta;	/* meaningful if known */
		if (out != NULL)
			*out = c->pc_val;
		root->t_dirty = 1;
		return (SCIM_OK);
	}
	known = c != NULL && c->pc_known;
	if ((rc = run_q(t, id, key_tenant(db, key), key, NULL, delta,
	    out == NULL || known, &r)) != SCIM_OK)
		return (rc);
	root->t_dirty = 1;
	if (known) {
		/* the statement's own arithmetic: GREATEST(v + delta, 0) */
		v = (int64_t)c->pc_val + delta;
		c->pc_val = v > 0 ? (uint64_t)v : 0;
		if (out != NULL)
			*out = c->pc_val;
	} else if (out != NULL && (PQntuples(r) != 1 ||
	    PQgetlength(r, 0, 0) != 8))
		rc = SCIM_ESTORE;
	else if (out != NULL) {
		*out = util_get_be64((const uint8_t *)PQgetvalue(r, 0, 0));
		if (c != NULL) {
			c->pc_known = 1;
			c->pc_val = *out;
		}
	}
	PQclear(r);
	return (rc);
}

static int
pg_del(struct store_txn *tb, enum store_db db, const struct store_val *key,
    const struct store_val *val)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	long		 n;
	int		 rc;

	if ((rc = write_stmt(t, db, STMT_ID(db, val != NULL ? Q_DELPAIR :
	    Q_DEL), key_tenant(db, key), key, val, 0, &n)) != SCIM_OK)
		return (rc);
	return (n == 0 ? SCIM_ENOTFOUND : SCIM_OK);
}

/* ---- cursors: rows fetched in growing batches ---- */

static int
pg_cursor_open(struct store_txn *tb, enum store_db db,
    struct store_cursor **out)
{
	struct pg_cursor	*c = xcalloc(1, sizeof(*c));

	c->c_base.c_txn = tb;
	c->c_t = (struct pg_txn *)tb;
	c->c_db = db;
	c->c_batch = PG_BATCH_FIRST;
	*out = &c->c_base;
	return (SCIM_OK);
}

static void
pg_cursor_close(struct store_cursor *cb)
{
	struct pg_cursor	*c = (struct pg_cursor *)cb;

	PQclear(c->c_res);
	PQclear(c->c_old);
	free(c);
}

static struct store_val
row_k(PGresult *r, int i)
{
	struct store_val	v = { PQgetvalue(r, i, 0),
				    (size_t)PQgetlength(r, i, 0) };
	return (v);
}

static struct store_val
row_v(PGresult *r, int i)
{
	struct store_val	v = { PQgetvalue(r, i, 1),
				    (size_t)PQgetlength(r, i, 1) };
	return (v);
}

static int
same(const struct store_val *a, const struct store_val *b)
{
	return (a->sv_len == b->sv_len && (a->sv_len == 0 ||
	    memcmp(a->sv_data, b->sv_data, a->sv_len) == 0));
}

/* r becomes the batch (the previous one stays valid until the next). */
static void
batch_set(struct pg_cursor *c, PGresult *r, int back, int more)
{
	PQclear(c->c_old);
	c->c_old = c->c_res;
	c->c_res = r;
	c->c_n = PQntuples(r);
	c->c_row = 0;
	c->c_back = back;
	c->c_more = more;
	c->c_keyend = 0;
}

/* Replace the batch by the rows of query q from (k, v). */
static int
fetch(struct pg_cursor *c, int q, const struct store_val *k,
    const struct store_val *v, int back)
{
	PGresult	*r;
	int		 rc, lim = q == Q_LAST ? 1 : c->c_batch;
	int		 ahead = q == Q_GE && !c->c_t->t_root->t_rw &&
			    c->c_t->t_s->s_stmt[STMT_ID(c->c_db, Q_GEJ)].sql != NULL;

	if ((rc = run(c->c_t, STMT_ID(c->c_db, ahead ? Q_GEJ : q),
	    key_tenant(c->c_db, k), k, v, lim, &r)) != SCIM_OK)
		return (rc);
	if (ahead)
		ahead_rows(c->c_t, c->c_db, r);
	batch_set(c, r, back, PQntuples(r) == lim);
	/* a scan grows its batches; a new position starts small again */
	if (q == Q_GT || q == Q_LT)
		c->c_batch = c->c_batch < PG_BATCH_MAX ? c->c_batch * 4 :
		    PG_BATCH_MAX;
	else
		c->c_batch = PG_BATCH_FIRST * 4;
	return (SCIM_OK);
}

/*
 * A reader's FIND of key (from v, a duplicate): the key's rows alone, each
 * with its document, so that the server stops at them.  Fewer rows than
 * asked for are all of the key's (c_keyend); the table goes on after them
 * (c_more), for a step past the key.  0 when db has no such statement.
 */
static int
fetch_key(struct pg_cursor *c, const struct store_val *k,
    const struct store_val *v, int *rc)
{
	PGresult	*r;
	int		 id = STMT_ID(c->c_db, Q_EQJ);

	if (c->c_t->t_root->t_rw || c->c_t->t_s->s_stmt[id].sql == NULL)
		return (0);
	if ((*rc = run(c->c_t, id, key_tenant(c->c_db, k), k, v,
	    PG_BATCH_FIND, &r)) != SCIM_OK)
		return (1);
	ahead_rows(c->c_t, c->c_db, r);
	batch_set(c, r, 0, 1);
	c->c_keyend = PQntuples(r) < PG_BATCH_FIND;
	c->c_batch = PG_BATCH_FIRST * 4;
	return (1);
}

static int
emit(struct pg_cursor *c, struct store_val *ko, struct store_val *vo)
{
	if (c->c_row < 0 || c->c_row >= c->c_n)
		return (SCIM_ENOTFOUND);
	c->c_valid = 1;
	if (ko != NULL)
		*ko = row_k(c->c_res, c->c_row);
	if (vo != NULL)
		*vo = row_v(c->c_res, c->c_row);
	return (SCIM_OK);
}

/* Step one row in direction back; SCIM_ENOTFOUND leaves the position. */
static int
step(struct pg_cursor *c, int back)
{
	struct store_val	k, v;
	int			rc;

	if (c->c_back == back && c->c_row + 1 < c->c_n) {
		c->c_row++;
		return (SCIM_OK);
	}
	if (c->c_back == back && !c->c_more)
		return (SCIM_ENOTFOUND);
	if (c->c_row < 0 && c->c_n > 0 && !back) {
		c->c_row = 0;
		return (SCIM_OK);
	}
	if (c->c_row < 0 || c->c_row >= c->c_n)
		return (SCIM_ENOTFOUND);
	k = row_k(c->c_res, c->c_row);
	v = row_v(c->c_res, c->c_row);
	if ((rc = fetch(c, back ? Q_LT : Q_GT, &k, &v, back)) != SCIM_OK)
		return (rc);
	if (c->c_n == 0) {
		/* keep the position on the old row */
		PQclear(c->c_res);
		c->c_res = c->c_old;
		c->c_old = NULL;
		c->c_n = PQntuples(c->c_res);
		c->c_row = 0;
		c->c_more = 0;
		return (SCIM_ENOTFOUND);
	}
	return (SCIM_OK);
}

/* 1 if key's memberof rows came ahead: they become the batch. */
static int
find_ahead(struct pg_cursor *c, const struct store_val *key)
{
	PGresult	*r;

	if (c->c_db != STORE_MEMBEROF ||
	    (r = ahead_memberof(c->c_t, key)) == NULL)
		return (0);
	/* every row of key, and the table may go on */
	batch_set(c, r, 0, 1);
	c->c_keyend = 1;
	c->c_batch = PG_BATCH_FIRST * 4;
	return (1);
}

static int
pg_cursor_move(struct store_cursor *cb, enum store_move how,
    const struct store_val *key, const struct store_val *val,
    struct store_val *ko, struct store_val *vo)
{
	struct pg_cursor	*c = (struct pg_cursor *)cb;
	struct store_val	 empty = { "", 0 }, k;
	int			 rc;

	switch (how) {
	case STORE_FIRST:
		if ((rc = fetch(c, Q_FIRST, NULL, NULL, 0)) != SCIM_OK)
			return (rc);
		break;
	case STORE_SEEK:
	case STORE_FIND:
	case STORE_FIND_DUP:
		if (how == STORE_FIND && find_ahead(c, key))
			break;
		if (how != STORE_SEEK && fetch_key(c, key, how ==
		    STORE_FIND_DUP ? val : &empty, &rc)) {
			if (rc != SCIM_OK)
				return (rc);
			break;
		}
		if (how != STORE_SEEK)
			c->c_batch = PG_BATCH_FIND;
		if ((rc = fetch(c, Q_GE, key, how == STORE_FIND_DUP ? val :
		    &empty, 0)) != SCIM_OK)
			return (rc);
		if (how != STORE_SEEK && c->c_n > 0) {
			k = row_k(c->c_res, 0);
			if (!same(&k, key))
				c->c_n = 0;
		}
		break;
	case STORE_NEXT:
		if (!c->c_valid)
			return (pg_cursor_move(cb, STORE_FIRST, NULL, NULL, ko,
			    vo));
		if ((rc = step(c, 0)) != SCIM_OK)
			return (rc);
		break;
	case STORE_PREV:
		if (!c->c_valid)
			return (pg_cursor_move(cb, STORE_LAST, NULL, NULL, ko,
			    vo));
		if ((rc = step(c, 1)) != SCIM_OK)
			return (rc);
		break;
	case STORE_NEXT_DUP: {
		struct store_val	cur, nk;

		if (!c->c_valid || c->c_row < 0 || c->c_row >= c->c_n)
			return (SCIM_ENOTFOUND);
		cur = row_k(c->c_res, c->c_row);
		if (c->c_back || c->c_row + 1 >= c->c_n) {
			if (!c->c_back && (!c->c_more || c->c_keyend))
				return (SCIM_ENOTFOUND);
			/* fetch from here; cur stays valid in c_old */
			if ((rc = step(c, 0)) != SCIM_OK)
				return (rc);
			nk = row_k(c->c_res, c->c_row);
			if (!same(&nk, &cur)) {
				c->c_row = -1;	/* before the next key */
				return (SCIM_ENOTFOUND);
			}
			break;
		}
		nk = row_k(c->c_res, c->c_row + 1);
		if (!same(&nk, &cur))
			return (SCIM_ENOTFOUND);
		c->c_row++;
		break;
	}
	case STORE_LAST:
		if ((rc = fetch(c, Q_LAST, NULL, NULL, 1)) != SCIM_OK)
			return (rc);
		c->c_more = 1;
		break;
	}
	return (emit(c, ko, vo));
}

/*
 * n pairs forward: within the batch, or by one statement that leaves the
 * pairs between in the database (OFFSET); a table of duplicates steps.
 */
static int
pg_cursor_skip(struct store_cursor *cb, size_t n, struct store_val *ko,
    struct store_val *vo)
{
	struct pg_cursor	*c = (struct pg_cursor *)cb;
	struct store_val	 k;
	PGresult		*r;
	size_t			 left;
	int			 rc = SCIM_OK;

	if (pg_dbs[c->c_db].dup || !c->c_valid || c->c_back ||
	    c->c_row < 0 || c->c_row >= c->c_n || n > INT32_MAX) {
		while (n-- > 0 && rc == SCIM_OK)
			rc = pg_cursor_move(cb, STORE_NEXT, NULL, NULL, ko,
			    vo);
		return (rc);
	}
	left = (size_t)(c->c_n - 1 - c->c_row);
	if (n > left && !c->c_more) {
		c->c_row = c->c_n - 1;	/* on the last pair, as n steps */
		return (SCIM_ENOTFOUND);
	}
	if (n <= left) {
		c->c_row += (int)n;
		return (emit(c, ko, vo));
	}
	k = row_k(c->c_res, c->c_n - 1);
	if ((rc = run(c->c_t, STMT_ID(c->c_db, Q_SKIP), key_tenant(c->c_db,
	    &k), &k, NULL, (int64_t)(n - left - 1), &r)) != SCIM_OK)
		return (rc);
	if (PQntuples(r) == 0) {
		PQclear(r);
		c->c_row = c->c_n - 1;
		c->c_more = 0;
		return (SCIM_ENOTFOUND);
	}
	batch_set(c, r, 0, PQntuples(r) == PG_BATCH_FIRST * 4);
	c->c_batch = PG_BATCH_FIRST * 4;
	return (emit(c, ko, vo));
}

static int
pg_cursor_del(struct store_cursor *cb)
{
	struct pg_cursor	*c = (struct pg_cursor *)cb;
	struct store_val	 k, v;
	long			 n;

	if (c->c_row < 0 || c->c_row >= c->c_n)
		return (SCIM_ENOTFOUND);
	k = row_k(c->c_res, c->c_row);
	v = row_v(c->c_res, c->c_row);
	return (write_stmt(c->c_t, c->c_db, STMT_ID(c->c_db,
	    pg_dbs[c->c_db].dup ? Q_DELPAIR : Q_DEL), key_tenant(c->c_db, &k),
	    &k, &v, 0, &n));
}

static int
count_result(PGresult *r, size_t *n)
{
	*n = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 8 ?
	    (size_t)util_get_be64((const uint8_t *)PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return (SCIM_OK);
}

static int
pg_cursor_count(struct store_cursor *cb, size_t *n)
{
	struct pg_cursor	*c = (struct pg_cursor *)cb;
	struct store_val	 k;
	PGresult		*r;
	int			 rc;

	if (c->c_row < 0 || c->c_row >= c->c_n)
		return (SCIM_ENOTFOUND);
	k = row_k(c->c_res, c->c_row);
	if ((rc = run(c->c_t, STMT_ID(c->c_db, Q_COUNTKEY),
	    key_tenant(c->c_db, &k), &k, NULL, 0, &r)) != SCIM_OK)
		return (rc);
	return (count_result(r, n));
}

static int
pg_entries(struct store_txn *tb, enum store_db db, size_t *n)
{
	PGresult	*r;
	int		 rc;

	if ((rc = run((struct pg_txn *)tb, STMT_ID(db, Q_COUNT), 0, NULL, NULL,
	    0, &r)) != SCIM_OK)
		return (rc);
	return (count_result(r, n));
}

/* ---- counters: sequences, never rolled back, so never reused ---- */

static int
counter_index(const char *name)
{
	size_t	i;

	for (i = 0; i < PG_NCOUNTERS; i++)
		if (strcmp(name, pg_counters[i]) == 0)
			return ((int)i);
	log_warnx("store: unknown counter %s", name);
	return (-1);
}

/*
 * A counter whose sequence steps by more than 1 (resource numbers,
 * versions: they need only be unique and grow in each instance) is served
 * from the block of values one nextval reserved for this instance, a round
 * trip saved on most writes; the others (audit: its order is the tenant's
 * commit order, under its lock) take one nextval each.
 */
static int
pg_next_id(struct store_txn *tb, const char *counter, uint64_t *out)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	struct pg_store	*s = t->t_s;
	PGresult	*r;
	int		 i = counter_index(counter), rc;

	if (i < 0)
		return (SCIM_ESTORE);
	if (s->s_blk_next[i] < s->s_blk_end[i]) {
		*out = s->s_blk_next[i]++;
		return (SCIM_OK);
	}
	if ((rc = run(t, STMT_NEXTVAL(i), 0, NULL, NULL, 0, &r)) != SCIM_OK)
		return (rc);
	rc = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 8 ? SCIM_OK :
	    SCIM_ESTORE;
	if (rc == SCIM_OK) {
		*out = util_get_be64((const uint8_t *)PQgetvalue(r, 0, 0));
		s->s_blk_next[i] = *out + 1;
		s->s_blk_end[i] = *out + (uint64_t)pg_counter_step[i];
	}
	PQclear(r);
	return (rc);
}

/*
 * An audit record numbered by the server in its insert, sent without
 * waiting: nextval runs under the tenant's lock, as pg_next_id's would,
 * and after the transaction's audit horizon lock (PG_HZ_LOCK).
 */
static int
pg_put_next(struct store_txn *tb, enum store_db db, uint32_t tenant,
    const char *counter, const struct store_val *val)
{
	struct pg_txn	*t = (struct pg_txn *)tb;
	long		 n;

	if (db != STORE_AUDIT || strcmp(counter, "audit") != 0)
		return (SCIM_ENOTIMPL);		/* store.c's way */
	lock_want(t, tenant);
	if (t->t_s->s_hz && t->t_root->t_rw && !t->t_root->t_hz_held)
		t->t_root->t_hz_want = 1;
	return (write_stmt(t, db, STMT_AUDIT_NEXT, tenant, NULL, val, 1, &n));
}

/* One number from a statement of one row and column; 0 for NULL. */
static int
horizon_read(struct pgconn *c, const char *sql, uint64_t *n)
{
	PGresult	*r;
	int		 rc;

	*n = 0;
	if ((rc = pgconn_exec(c, -1, sql, 0, NULL, NULL, NULL, &r)) != SCIM_OK)
		return (rc);
	if (PQntuples(r) != 1 || PQnfields(r) != 1)
		rc = SCIM_ESTORE;
	else if (!PQgetisnull(r, 0, 0))
		*n = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return (rc);
}

/*
 * 1 if the engine has advisory locks and shows them in pg_locks (not all
 * that speak the protocol do: there, no horizon, and every number read).
 */
static int
hz_works(struct pg_store *s)
{
	struct pgconn	*c;
	uint64_t	 n;
	int		 ok;

	if (pgpool_acquire(s->s_pool, &c) != SCIM_OK)
		return (0);
	ok = horizon_read(c, "SELECT pg_advisory_xact_lock_shared(" PG_HZ_KEY
	    ")", &n) == SCIM_OK && horizon_read(c, PG_HZ_OLDEST, &n) ==
	    SCIM_OK;
	pgpool_release(s->s_pool, c);
	if (!ok)
		log_info("database: no advisory locks: audit records are "
		    "followed across tenants without a horizon");
	return (ok);
}

/* See PG_HZ_LOCK: the last number issued, then the oldest still held. */
static int
pg_audit_horizon(struct store *sb, uint64_t *seq)
{
	struct pg_store	*s = (struct pg_store *)sb;
	struct pgconn	*c;
	uint64_t	 last, oldest;
	int		 rc;

	*seq = 0;
	if (!s->s_hz)
		return (SCIM_ENOTIMPL);
	if ((rc = pgpool_acquire(s->s_pool, &c)) != SCIM_OK)
		return (rc);
	if ((rc = horizon_read(c, PG_HZ_LAST, &last)) == SCIM_OK &&
	    (rc = horizon_read(c, PG_HZ_OLDEST, &oldest)) == SCIM_OK)
		*seq = oldest != 0 && oldest <= last ? oldest - 1 : last;
	pgpool_release(s->s_pool, c);
	return (rc);
}

static int
pg_counter_floor(struct store_txn *tb, const char *counter, uint64_t floor)
{
	PGresult	*r;
	int		 i = counter_index(counter), rc;

	if (i < 0)
		return (SCIM_ESTORE);
	if ((rc = run((struct pg_txn *)tb, STMT_FLOOR(i), 0, NULL, NULL,
	    (int64_t)floor, &r)) != SCIM_OK)
		return (rc);
	PQclear(r);
	/* the block may lie below the floor */
	((struct pg_txn *)tb)->t_s->s_blk_next[i] = 0;
	((struct pg_txn *)tb)->t_s->s_blk_end[i] = 0;
	return (SCIM_OK);
}

/* ---- the store as a whole ---- */

static uint64_t
pg_txnid(struct store *sb)
{
	struct pg_store	*s = (struct pg_store *)sb;

	/* deaf to other instances: every call is a new state */
	if (s->s_listen_ev == NULL)
		return (++s->s_txnid);
	return (s->s_txnid);
}

static void
pg_usage(struct store *sb, size_t *used, size_t *mapsize)
{
	struct store_txn	*t;
	PGresult		*r;

	*used = *mapsize = 0;
	pg_begin(sb, 0, &t);
	if (run((struct pg_txn *)t, STMT_DBSIZE, 0, NULL, NULL, 0, &r) ==
	    SCIM_OK)
		count_result(r, used);
	pg_abort(t);
}

static int
pg_low_space(struct store_txn *t)
{
	return (0);	/* the database server reports a full disk itself */
}

static int
pg_backup(struct store *s, const char *dir, struct scim_errbuf *eb)
{
	return (scim_err_set(eb, SCIM_ENOTIMPL, "the PostgreSQL backend is "
	    "backed up with the database's own tools (pg_dump, replicas)"));
}

static int
pg_async(struct store *s)
{
	return (1);
}

static int
pg_version(struct store *sb)
{
	return (((struct pg_store *)sb)->s_version);
}

/* ---- LISTEN: learning of other instances' commits ---- */

static void	listen_retry(evutil_socket_t, short, void *);

static void
changed_run(void *arg)
{
	struct pg_store	*s = arg;

	if (s->s_changed != NULL)
		s->s_changed(s->s_changed_arg);
}

static void
listen_drop(struct pg_store *s)
{
	struct timeval	tv = { 1, 0 };

	if (s->s_listen_ev != NULL)
		event_free(s->s_listen_ev);
	s->s_listen_ev = NULL;
	pgconn_close(s->s_listen);
	s->s_listen = NULL;
	if (!s->s_closing)
		evtimer_add(s->s_retry_ev, &tv);
}

static void
listen_read(evutil_socket_t fd, short what, void *arg)
{
	struct pg_store	*s = arg;
	PGconn		*pq = pgconn_pq(s->s_listen);
	PGnotify	*n;
	int		 got = 0;

	if (!PQconsumeInput(pq) || PQstatus(pq) != CONNECTION_OK) {
		log_warnx("database: lost the LISTEN connection; retrying");
		listen_drop(s);
		return;
	}
	while ((n = PQnotifies(pq)) != NULL) {
		/* our own commits moved s_txnid already, when they had to */
		if (strcmp(n->extra + (n->extra[0] != '\0'), s->s_self + 1) !=
		    0) {
			got = 1;
			/* tokens changed (or an older scimd): drop caches */
			if (n->extra[0] != 'W')
				s->s_txnid++;
		}
		PQfreemem(n);
	}
	if (got)
		fiber_run(changed_run, s);
}

/* On a fiber: connect, LISTEN, then watch the socket from the loop. */
static void
listen_connect(void *arg)
{
	struct pg_store	*s = arg;
	struct pgconn	*c;
	PGresult	*r;
	char		 err[256];

	if (pgconn_open(s->s_lpool, &c, err, sizeof(err)) != SCIM_OK ||
	    pgconn_exec(c, -1, "LISTEN scimd_change", 0, NULL, NULL, NULL,
	    &r) != SCIM_OK) {
		if (c != NULL)
			pgconn_close(c);
		s->s_listen = NULL;
		listen_drop(s);
		return;
	}
	PQclear(r);
	if (s->s_closing) {
		pgconn_close(c);
		return;
	}
	s->s_listen = c;
	s->s_listen_ev = event_new(s->s_ev, PQsocket(pgconn_pq(c)),
	    EV_READ | EV_PERSIST, listen_read, s);
	event_add(s->s_listen_ev, NULL);
	/* whatever happened while deaf: treat as changed */
	s->s_txnid++;
	changed_run(s);
}

static void
listen_retry(evutil_socket_t fd, short what, void *arg)
{
	struct pg_store	*s = arg;

	fiber_run(listen_connect, s);
}

static void
pg_attach(struct store *sb, struct event_base *base, void (*changed)(void *),
    void *arg)
{
	struct pg_store	*s = (struct pg_store *)sb;
	struct timeval	 now = { 0, 0 };

	s->s_ev = base;
	s->s_changed = changed;
	s->s_changed_arg = arg;
	pgpool_attach(s->s_pool, base);
	pgpool_attach(s->s_lpool, base);
	pgpool_attach(s->s_kpool, base);
	s->s_retry_ev = evtimer_new(base, listen_retry, s);
	evtimer_add(s->s_retry_ev, &now);
}

static void
pg_close(struct store *sb)
{
	struct pg_store	*s = (struct pg_store *)sb;
	int		 i;

	s->s_closing = 1;
	if (s->s_listen_ev != NULL)
		event_free(s->s_listen_ev);
	if (s->s_retry_ev != NULL)
		event_free(s->s_retry_ev);
	pgconn_close(s->s_listen);
	pglookup_free(s->s_lookup);
	pgpool_free(s->s_pool);
	pgpool_free(s->s_lpool);
	pgpool_free(s->s_kpool);
	for (i = 0; i < STMT_SIZE; i++)
		free(s->s_stmt[i].sql);
	free(s);
}

int
store_pg_open(const char *conninfo, int pool, int timeout_s, int flags,
    struct store **out, struct scim_errbuf *eb)
{
	struct pg_store	*s = xcalloc(1, sizeof(*s));
	struct pgpool	*mpool;
	int		 ms = (timeout_s > 0 ? timeout_s : 5) * 1000;
	int		 rc;

	*out = NULL;
	s->s_base.s_ops = &pg_ops;
	s->s_pool = pgpool_new(conninfo, pool, ms);
	s->s_lpool = pgpool_new(conninfo, 1, ms);
	s->s_kpool = pgpool_new(conninfo, 1, ms);
	s->s_lookup = pglookup_new(s->s_kpool);
	pgpool_set_utility(s->s_pool, pg_utility,
	    (int)(sizeof(pg_utility) / sizeof(pg_utility[0])));
	/* this instance's name in its NOTIFY payloads */
	util_uuid(s->s_self + 1);
	s->s_self[0] = 'W';
	stmts_build(s);
	/* a connection of its own: a migration may take long (version 6) */
	mpool = pgpool_new(conninfo, 1, PG_MIGRATE_MS);
	rc = pg_schema_migrate(mpool, (flags & STORE_RDONLY) != 0, ms,
	    &s->s_version, eb);
	pgpool_free(mpool);
	if (rc != SCIM_OK) {
		pg_close(&s->s_base);
		return (rc);
	}
	s->s_hz = hz_works(s);
	*out = &s->s_base;
	return (SCIM_OK);
}

static const struct store_ops pg_ops = {
	.close = pg_close,
	.attach = pg_attach,
	.async = pg_async,
	.begin = pg_begin,
	.begin_nested = pg_begin_nested,
	.lock_tenant = pg_lock_tenant,
	.commit = pg_commit,
	.abort = pg_abort,
	.get = pg_get,
	.put = pg_put,
	.add = pg_add,
	.del = pg_del,
	.cursor_open = pg_cursor_open,
	.cursor_close = pg_cursor_close,
	.cursor_move = pg_cursor_move,
	.cursor_del = pg_cursor_del,
	.cursor_count = pg_cursor_count,
	.cursor_skip = pg_cursor_skip,
	.prefetch = pg_prefetch,
	.put_next = pg_put_next,
	.audit_horizon = pg_audit_horizon,
	.next_id = pg_next_id,
	.counter_floor = pg_counter_floor,
	.txnid = pg_txnid,
	.usage = pg_usage,
	.low_space = pg_low_space,
	.backup = pg_backup,
	.entries = pg_entries,
	.version = pg_version,
};
