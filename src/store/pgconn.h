/*
 * PostgreSQL connections for store_pg.c: a small pool of libpq connections
 * in non-blocking mode.  On a fiber with an event loop attached, every wait
 * (connect, send, result, a free connection) yields to the loop; elsewhere
 * (start-up, scimctl) it polls.  Every wait is bounded by the timeout.
 */
#ifndef PGCONN_H
#define PGCONN_H

#include <libpq-fe.h>

struct event_base;
struct pgpool;
struct pgconn;

struct pgpool	*pgpool_new(const char *conninfo, int max, int timeout_ms);
void		 pgpool_free(struct pgpool *);
void		 pgpool_attach(struct pgpool *, struct event_base *);

/*
 * Parameterless statements sent around nearly every other (BEGIN,
 * SAVEPOINT, RELEASE, COMMIT): each connection prepares them when it
 * opens, so that each use costs the server a bind, not a parse.  sql
 * stays the caller's; at most PGCONN_MAXUTIL of them.
 */
#define PGCONN_MAXUTIL	32
void		 pgpool_set_utility(struct pgpool *, const char *const *sql,
		    int n);

/* The loop it waits on (NULL before pgpool_attach), its timeout in ms. */
struct event_base *pgpool_base(struct pgpool *);
int		 pgpool_timeout(struct pgpool *);

/* A connection for one transaction: SCIM_OK, or SCIM_EUNAVAIL. */
int		 pgpool_acquire(struct pgpool *, struct pgconn **out);
/* Give it back (a broken one is closed and replaced on demand). */
void		 pgpool_release(struct pgpool *, struct pgconn *);

/*
 * Run a statement and wait for its result.  With name, the statement is
 * prepared on this connection the first time (id < PGCONN_MAXSTMT names
 * it); without, sql runs as a simple query (several statements allowed,
 * no parameters).  Parameters and results are binary.  SCIM_OK with *out
 * (PQclear it) or a scimd error: SCIM_EUNIQUE for a unique violation,
 * SCIM_EUNAVAIL when the server is unreachable, slow, or asked us to retry
 * (deadlock, serialization), SCIM_ESTORAGE when its disk is full.
 */
#define PGCONN_MAXSTMT	512
/* Formats of parameters: all binary (store_pg.c passes at most 4). */
#define PGCONN_MAXPARAMS	16
extern const int	 pgconn_binary[PGCONN_MAXPARAMS];
int		 pgconn_exec(struct pgconn *, int id, const char *sql, int n,
		    const Oid *types, const char *const *vals, const int *lens,
		    PGresult **out);
/* The same, after the parameterless statements pre[] (BEGIN ...), all in
 * one round trip. */
int		 pgconn_exec_pre(struct pgconn *, const char *const *pre,
		    int npre, int id, const char *sql, int n, const Oid *types,
		    const char *const *vals, const int *lens, PGresult **out);
/*
 * Send the parameterless statements pre[] and prepared statement id (a
 * write whose result only matters if it failed) without waiting: the next
 * statement that waits settles them, and answers the first error.
 * SCIM_ENOTIMPL, with nothing sent, when id is not prepared on this
 * connection yet (run it with pgconn_exec_pre instead).
 */
int		 pgconn_queue(struct pgconn *, const char *const *pre,
		    int npre, int id, int table, const char *sql, int n,
		    const Oid *types, const char *const *vals,
		    const int *lens);
/* Writes queued and not yet settled. */
int		 pgconn_queued(struct pgconn *);
/*
 * Send sql (COMMIT of a reader, ROLLBACK, RELEASE) without waiting: its
 * result is read before the connection's next statement, by then usually
 * arrived.  Queued writes are settled first: their error is returned.
 */
int		 pgconn_send(struct pgconn *, const char *sql);
/* Whether statement id is prepared on c; say it is (or is not). */
int		 pgconn_prepared(struct pgconn *, int id);
void		 pgconn_set_prepared(struct pgconn *, int id, int on);
/*
 * Sort one result of a reply: an error gives its code to *rc (the first
 * one wins); a success is kept in *keep (dropping the one before) when it
 * is the answer and no error came first.  r is kept or cleared.
 */
void		 pgconn_take(PGresult *r, PGconn *conn, int answer,
		    PGresult **keep, int *rc);
/* Connect one connection now (blocking unless on a fiber). */
int		 pgconn_open(struct pgpool *, struct pgconn **out,
		    char *err, size_t errlen);
void		 pgconn_close(struct pgconn *);
PGconn		*pgconn_pq(struct pgconn *);
/* 1 once the connection failed or timed out: it cannot be reused. */
int		 pgconn_broken(struct pgconn *);

#endif /* PGCONN_H */
