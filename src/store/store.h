/*
 * The storage layer: named key/value databases (store_db.h: their names,
 * flags and layouts) inside one transactional store, LMDB or PostgreSQL.
 * Nothing above this header sees either backend's types.
 *
 * Rules (LMDB's, kept for any backend):
 *   - one transaction at a time per store_run (per thread outside it),
 *     ended before the function that opened it returns;
 *   - values returned by get are valid until the next write in the
 *     transaction, the next get of the same database (a packed value is
 *     unpacked into one buffer) or the end; values from a cursor until its
 *     next move: copy (json-c parsing copies) before that;
 *   - store_commit and store_abort end the transaction and free it;
 *     store_abort(NULL) is a no-op.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store_db.h"

struct scim_errbuf;
struct scimd_config;

struct event_base;
struct store;
struct store_txn;
struct store_cursor;

/* Where the store lives: PostgreSQL when sp_database is set, else LMDB. */
struct store_params {
	const char	*sp_dir;	/* LMDB directory */
	size_t		 sp_mapsize;	/* LMDB map size */
	const char	*sp_database;	/* libpq conninfo or URL, or NULL */
	int		 sp_pool;	/* database connections */
	int		 sp_timeout;	/* seconds a database call may take */
	int		 sp_flags;	/* STORE_RDONLY, STORE_NOSYNC, ... */
};

/* The store the configuration names (database, else data_dir). */
void	store_params_from_config(const struct scimd_config *, int flags,
	    struct store_params *sp);

/*
 * Open the store the parameters name; LMDB's environment is created when
 * missing, its format checked (another one is refused) and stale readers of
 * crashed processes cleared; a database schema is created or migrated to
 * this version on the way.  SCIM_OK, or an error with a one-line reason in
 * eb.
 */
int	store_open(const struct store_params *, struct store **out,
	    struct scim_errbuf *eb);
void	store_close(struct store *);

/*
 * Give the store the daemon's event loop: from then on a backend that waits
 * for a server does so without blocking the loop, inside store_run.
 * changed(arg) is called when another process changed the store.
 */
void	store_attach(struct store *, struct event_base *,
	    void (*changed)(void *), void *arg);
/*
 * Run fn(arg) where store calls may wait: at once for LMDB; for a networked
 * backend on a coroutine of its own, so that a wait yields to the loop.
 */
void	store_run(struct store *, void (*fn)(void *), void *arg);
/*
 * 1 when store calls may wait (a database: they run in store_run).  A
 * store that does not wait (LMDB) takes its write transactions from one
 * thread beside the loop's reads (commit.c's writer): a write txn and
 * everything under it stays on the thread that began it.
 */
int	store_async(struct store *);
/* Schema version of the open store (the format for LMDB). */
int	store_version(struct store *);

/* Begin a read (rw 0) or write (rw 1) transaction. */
int	store_begin(struct store *, int rw, struct store_txn **out);
/* A child transaction of a write transaction: its abort undoes only itself. */
int	store_begin_nested(struct store_txn *parent, struct store_txn **out);
/*
 * Serialise this write transaction with every other writer of tenant, in
 * every process, until it ends.  A database backend takes a tenant's lock
 * anyway before the transaction's first statement on its data; the locks
 * asked for here go together with the next statement, in ascending tenant
 * order, so that a transaction asking first for every tenant it will touch
 * cannot deadlock with another.  Tenant 0 stands for the global data
 * (tenants, tokens).  With LMDB (one writer at a time) it does nothing.
 */
int	store_lock_tenant(struct store_txn *, uint32_t tenant);
/* Commit (SCIM_ESTORAGE when the store is full, else SCIM_ESTORE on failure). */
int	store_commit(struct store_txn *);
void	store_abort(struct store_txn *);

/* SCIM_OK with *val set, SCIM_ENOTFOUND, or SCIM_ESTORE. */
int	store_get(struct store_txn *, enum store_db, const struct store_val *key,
	    struct store_val *val);
int	store_put(struct store_txn *, enum store_db, const struct store_val *key,
	    const struct store_val *val, int flags);
/*
 * Add delta to the counter under key (a u64, big-endian; absent: 0; it
 * stops at 0 going down); *out, when not NULL, gets the new value.
 * Without out a backend may send the change without waiting for it.
 */
int	store_add(struct store_txn *, enum store_db, const struct store_val *key,
	    int64_t delta, uint64_t *out);
/*
 * The n keys of db that are about to be read, one by one: a backend whose
 * every read is a round trip may fetch them at once.  A hint only: the
 * reads still follow, and may find the data changed or gone.
 */
int	store_prefetch(struct store_txn *, enum store_db,
	    const struct store_val *keys, size_t n);
/* Delete key (all its values), or only the pair key/val when val != NULL. */
int	store_del(struct store_txn *, enum store_db, const struct store_val *key,
	    const struct store_val *val);

/* Cursors; closed by store_cursor_close before the transaction ends. */
int	store_cursor_open(struct store_txn *, enum store_db,
	    struct store_cursor **out);
void	store_cursor_close(struct store_cursor *);
/* Position at the first key >= key (or the first key when key is NULL). */
int	store_cursor_seek(struct store_cursor *, const struct store_val *key,
	    struct store_val *k, struct store_val *v);
/* Position at key exactly (first of its duplicates). */
int	store_cursor_find(struct store_cursor *, const struct store_val *key,
	    struct store_val *v);
/* Position at the pair >= (key, val) among key's duplicates. */
int	store_cursor_find_dup(struct store_cursor *, const struct store_val *key,
	    const struct store_val *val, struct store_val *v);
int	store_cursor_next(struct store_cursor *, struct store_val *k,
	    struct store_val *v);
/*
 * Move n (>= 1) pairs forward, as n store_cursor_next calls would (a
 * backend may pass them without reading them out): how a page far down a
 * list starts.
 */
int	store_cursor_skip(struct store_cursor *, size_t n, struct store_val *k,
	    struct store_val *v);
int	store_cursor_prev(struct store_cursor *, struct store_val *k,
	    struct store_val *v);
/* Next duplicate of the current key; SCIM_ENOTFOUND after the last. */
int	store_cursor_next_dup(struct store_cursor *, struct store_val *v);
/* Last key (or SCIM_ENOTFOUND when empty). */
int	store_cursor_last(struct store_cursor *, struct store_val *k,
	    struct store_val *v);
/* Delete the pair under the cursor. */
int	store_cursor_del(struct store_cursor *);
/* Number of duplicates of the current key. */
int	store_cursor_count(struct store_cursor *, size_t *n);

/*
 * Allocate the next value of a counter ("rid", "version", "audit",
 * "tenant"; write txn).  Values only grow; they need not be contiguous.
 */
int	store_next_id(struct store_txn *, const char *counter, uint64_t *out);
/*
 * Put val under the key (tenant, the counter's next value), both big
 * endian: a log whose numbers are the counter's (audit).  The number is
 * not returned, so a database draws it in the insert, without a wait.
 */
int	store_put_next(struct store_txn *, enum store_db, uint32_t tenant,
	    const char *counter, const struct store_val *val);
/*
 * The highest audit number below which every record is committed or will
 * never be (a database whose tenants' writers commit side by side: a
 * number drawn earlier may commit later).  Read before the transaction
 * that lists records begins, so that what committed by then is in its
 * snapshot.  SCIM_ENOTIMPL where numbers follow commit order (LMDB).
 */
int	store_audit_horizon(struct store *, uint64_t *seq);
/* Raise a counter so that the next value exceeds floor (imports). */
int	store_counter_floor(struct store_txn *, const char *counter,
	    uint64_t floor);

/*
 * Id of the last committed write transaction, by any process: it moves
 * whenever anything in the store changed, so a cache of store contents is
 * valid exactly while it stays the same.
 */
uint64_t store_txnid(struct store *);

/* Map use: bytes in use and map size. */
void	store_usage(struct store *, size_t *used, size_t *mapsize);
/*
 * 1 if the map is so full that only deletes should write: fewer free pages
 * than a reserve (1/32 of the map, at least 128 and at most 2048 pages) that
 * keeps a full store deletable.  Write txn.
 */
int	store_low_space(struct store_txn *);
/* Online compacting copy into directory dir (must exist and be empty). */
int	store_backup(struct store *, const char *dir, struct scim_errbuf *eb);
/* Entries in a database. */
int	store_entries(struct store_txn *, enum store_db, size_t *n);

#endif /* STORE_H */
