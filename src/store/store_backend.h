/*
 * What a storage backend implements behind store.h.  store.c only
 * dispatches; each backend's own structs begin with the common headers
 * below so that one pointer reaches its operations.
 */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store_db.h"

struct event_base;
struct scim_errbuf;

/* Cursor positioning, one entry point per backend. */
enum store_move {
	STORE_FIRST,		/* first pair */
	STORE_SEEK,		/* first key >= key */
	STORE_FIND,		/* key exactly, its first duplicate */
	STORE_FIND_DUP,		/* (key, val) or the next duplicate of key */
	STORE_NEXT,
	STORE_PREV,
	STORE_NEXT_DUP,		/* next duplicate of the current key */
	STORE_LAST
};

struct store {
	const struct store_ops	*s_ops;
};

struct store_txn {
	struct store		*t_store;
};

struct store_cursor {
	struct store_txn	*c_txn;
};

struct store_ops {
	void	(*close)(struct store *);
	void	(*attach)(struct store *, struct event_base *,
		    void (*changed)(void *), void *arg);
	int	(*async)(struct store *);
	int	(*begin)(struct store *, int rw, struct store_txn **);
	int	(*begin_nested)(struct store_txn *, struct store_txn **);
	int	(*lock_tenant)(struct store_txn *, uint32_t);
	int	(*commit)(struct store_txn *);
	void	(*abort)(struct store_txn *);
	int	(*get)(struct store_txn *, enum store_db,
		    const struct store_val *, struct store_val *);
	int	(*put)(struct store_txn *, enum store_db,
		    const struct store_val *, const struct store_val *, int);
	int	(*add)(struct store_txn *, enum store_db,
		    const struct store_val *, int64_t, uint64_t *);
	int	(*del)(struct store_txn *, enum store_db,
		    const struct store_val *, const struct store_val *);
	int	(*cursor_open)(struct store_txn *, enum store_db,
		    struct store_cursor **);
	void	(*cursor_close)(struct store_cursor *);
	int	(*cursor_move)(struct store_cursor *, enum store_move,
		    const struct store_val *key, const struct store_val *val,
		    struct store_val *k, struct store_val *v);
	int	(*cursor_del)(struct store_cursor *);
	int	(*cursor_count)(struct store_cursor *, size_t *);
	int	(*next_id)(struct store_txn *, const char *, uint64_t *);
	int	(*counter_floor)(struct store_txn *, const char *, uint64_t);
	uint64_t (*txnid)(struct store *);
	void	(*usage)(struct store *, size_t *, size_t *);
	int	(*low_space)(struct store_txn *);
	int	(*backup)(struct store *, const char *, struct scim_errbuf *);
	int	(*entries)(struct store_txn *, enum store_db, size_t *);
	int	(*version)(struct store *);
	/* optional (NULL: store.c steps one pair at a time; a no-op) */
	int	(*cursor_skip)(struct store_cursor *, size_t,
		    struct store_val *, struct store_val *);
	int	(*prefetch)(struct store_txn *, enum store_db,
		    const struct store_val *, size_t);
	/* optional (NULL or SCIM_ENOTIMPL: store.c draws the number, puts) */
	int	(*put_next)(struct store_txn *, enum store_db, uint32_t,
		    const char *, const struct store_val *);
	/* optional (NULL: audit numbers follow commit order) */
	int	(*audit_horizon)(struct store *, uint64_t *);
};

int	store_lmdb_open(const char *dir, size_t mapsize, int flags,
	    struct store **out, struct scim_errbuf *eb);
int	store_pg_open(const char *conninfo, int pool, int timeout_s,
	    int flags, struct store **out, struct scim_errbuf *eb);

#endif /* STORE_BACKEND_H */
