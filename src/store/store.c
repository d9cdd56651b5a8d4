/*
 * store.h's entry points: each dispatches to the backend that opened the
 * store (store_lmdb.c or store_pg.c), so nothing above knows which runs.
 * The backends include store_db.h and store_backend.h, never store.h: they
 * sit below this dispatcher.
 */
#include "scimd.h"

#include <string.h>

#include "config.h"
#include "error.h"
#include "fiber.h"
#include "store.h"
#include "store_backend.h"
#include "util.h"

#define OPS(s)		((s)->s_ops)
#define TOPS(t)		((t)->t_store->s_ops)
#define COPS(c)		((c)->c_txn->t_store->s_ops)

void
store_params_from_config(const struct scimd_config *c, int flags,
    struct store_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->sp_dir = c->cf_data_dir;
	sp->sp_mapsize = c->cf_map_size;
	sp->sp_database = c->cf_database;
	sp->sp_pool = c->cf_database_pool;
	sp->sp_timeout = c->cf_database_timeout;
	sp->sp_flags = flags;
}

int
store_open(const struct store_params *p, struct store **out,
    struct scim_errbuf *eb)
{
	if (p->sp_database != NULL && *p->sp_database != '\0')
		return (store_pg_open(p->sp_database, p->sp_pool,
		    p->sp_timeout, p->sp_flags, out, eb));
	return (store_lmdb_open(p->sp_dir, p->sp_mapsize, p->sp_flags, out,
	    eb));
}

void
store_close(struct store *s)
{
	if (s != NULL)
		OPS(s)->close(s);
}

void
store_attach(struct store *s, struct event_base *base,
    void (*changed)(void *), void *arg)
{
	OPS(s)->attach(s, base, changed, arg);
}

void
store_run(struct store *s, void (*fn)(void *), void *arg)
{
	if (OPS(s)->async(s))
		fiber_run(fn, arg);
	else
		fn(arg);		/* nothing to wait for */
}

int
store_async(struct store *s)
{
	return (OPS(s)->async(s));
}

int
store_version(struct store *s)
{
	return (OPS(s)->version(s));
}

int
store_audit_horizon(struct store *s, uint64_t *seq)
{
	if (OPS(s)->audit_horizon == NULL)
		return (SCIM_ENOTIMPL);
	return (OPS(s)->audit_horizon(s, seq));
}

int
store_begin(struct store *s, int rw, struct store_txn **out)
{
	return (OPS(s)->begin(s, rw, out));
}

int
store_begin_nested(struct store_txn *parent, struct store_txn **out)
{
	return (TOPS(parent)->begin_nested(parent, out));
}

int
store_lock_tenant(struct store_txn *t, uint32_t tenant)
{
	return (TOPS(t)->lock_tenant(t, tenant));
}

int
store_commit(struct store_txn *t)
{
	return (TOPS(t)->commit(t));
}

void
store_abort(struct store_txn *t)
{
	if (t != NULL)
		TOPS(t)->abort(t);
}

int
store_get(struct store_txn *t, enum store_db db, const struct store_val *key,
    struct store_val *val)
{
	return (TOPS(t)->get(t, db, key, val));
}

int
store_put(struct store_txn *t, enum store_db db, const struct store_val *key,
    const struct store_val *val, int flags)
{
	return (TOPS(t)->put(t, db, key, val, flags));
}

int
store_add(struct store_txn *t, enum store_db db, const struct store_val *key,
    int64_t delta, uint64_t *out)
{
	return (TOPS(t)->add(t, db, key, delta, out));
}

int
store_del(struct store_txn *t, enum store_db db, const struct store_val *key,
    const struct store_val *val)
{
	return (TOPS(t)->del(t, db, key, val));
}

int
store_cursor_open(struct store_txn *t, enum store_db db,
    struct store_cursor **out)
{
	return (TOPS(t)->cursor_open(t, db, out));
}

void
store_cursor_close(struct store_cursor *c)
{
	if (c != NULL)
		COPS(c)->cursor_close(c);
}

int
store_cursor_seek(struct store_cursor *c, const struct store_val *key,
    struct store_val *k, struct store_val *v)
{
	return (COPS(c)->cursor_move(c, key == NULL ? STORE_FIRST : STORE_SEEK,
	    key, NULL, k, v));
}

int
store_cursor_find(struct store_cursor *c, const struct store_val *key,
    struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_FIND, key, NULL, NULL, v));
}

int
store_cursor_find_dup(struct store_cursor *c, const struct store_val *key,
    const struct store_val *val, struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_FIND_DUP, key, val, NULL, v));
}

int
store_cursor_next(struct store_cursor *c, struct store_val *k,
    struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_NEXT, NULL, NULL, k, v));
}

int
store_cursor_skip(struct store_cursor *c, size_t n, struct store_val *k,
    struct store_val *v)
{
	int	rc = SCIM_OK;

	if (COPS(c)->cursor_skip != NULL)
		return (COPS(c)->cursor_skip(c, n, k, v));
	/* the values passed are not read out (a packed one not unpacked) */
	while (n-- > 1 && rc == SCIM_OK)
		rc = COPS(c)->cursor_move(c, STORE_NEXT, NULL, NULL, k, NULL);
	return (rc == SCIM_OK ? store_cursor_next(c, k, v) : rc);
}

int
store_cursor_prev(struct store_cursor *c, struct store_val *k,
    struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_PREV, NULL, NULL, k, v));
}

int
store_cursor_next_dup(struct store_cursor *c, struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_NEXT_DUP, NULL, NULL, NULL, v));
}

int
store_cursor_last(struct store_cursor *c, struct store_val *k,
    struct store_val *v)
{
	return (COPS(c)->cursor_move(c, STORE_LAST, NULL, NULL, k, v));
}

int
store_cursor_del(struct store_cursor *c)
{
	return (COPS(c)->cursor_del(c));
}

int
store_cursor_count(struct store_cursor *c, size_t *n)
{
	return (COPS(c)->cursor_count(c, n));
}

int
store_next_id(struct store_txn *t, const char *counter, uint64_t *out)
{
	return (TOPS(t)->next_id(t, counter, out));
}

int
store_put_next(struct store_txn *t, enum store_db db, uint32_t tenant,
    const char *counter, const struct store_val *val)
{
	struct store_val	k;
	uint8_t			kb[12];
	uint64_t		n;
	int			rc;

	if (TOPS(t)->put_next != NULL && (rc = TOPS(t)->put_next(t, db, tenant,
	    counter, val)) != SCIM_ENOTIMPL)
		return (rc);
	if ((rc = store_next_id(t, counter, &n)) != SCIM_OK)
		return (rc);
	util_put_be32(kb, tenant);
	util_put_be64(kb + 4, n);
	k.sv_data = kb;
	k.sv_len = sizeof(kb);
	/* numbers grow: the pair usually goes last (full pages) */
	return (store_put(t, db, &k, val, STORE_APPEND));
}

int
store_counter_floor(struct store_txn *t, const char *counter, uint64_t floor)
{
	return (TOPS(t)->counter_floor(t, counter, floor));
}

uint64_t
store_txnid(struct store *s)
{
	return (OPS(s)->txnid(s));
}

void
store_usage(struct store *s, size_t *used, size_t *mapsize)
{
	OPS(s)->usage(s, used, mapsize);
}

int
store_low_space(struct store_txn *t)
{
	return (TOPS(t)->low_space(t));
}

int
store_backup(struct store *s, const char *dir, struct scim_errbuf *eb)
{
	return (OPS(s)->backup(s, dir, eb));
}

int
store_prefetch(struct store_txn *t, enum store_db db,
    const struct store_val *keys, size_t n)
{
	if (TOPS(t)->prefetch == NULL || n == 0)
		return (SCIM_OK);
	return (TOPS(t)->prefetch(t, db, keys, n));
}

int
store_entries(struct store_txn *t, enum store_db db, size_t *n)
{
	return (TOPS(t)->entries(t, db, n));
}
