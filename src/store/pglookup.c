/*
 * Lookups pipelined on one connection of their own.  A reader whose first
 * statement runs alone (store_pg.c's runs_alone: a GET by id, an indexed
 * filter, a token check) queues it here instead of taking a connection of
 * the pool.  Once a turn of the loop the queue leaves in one write, closed
 * by one Sync (one implicit transaction: each statement still sees the
 * data committed before it started, as READ COMMITTED does), and the
 * queued lookups of one statement leave as one statement (pgbatch.h); one
 * read event hands the results, in order, to the fibers waiting for them.
 * The server then reads, runs and answers many lookups per wake-up, and
 * scimd reads many answers per read.  When one statement fails, the server
 * skips the rest up to the Sync: those are sent again (a read may be), not
 * failed; a batch that fails is sent again as lone lookups, each to get its
 * own answer.
 */

#include "scimd.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <libpq-fe.h>

#include "error.h"
#include "fiber.h"
#include "log.h"
#include "pgbatch.h"
#include "pgconn.h"
#include "pglookup.h"
#include "util.h"

/* After a failed connect, leave lookups to the pool for this long. */
#define LOOKUP_RETRY_MS	1000

/* One lookup in flight, on its fiber's stack. */
struct lookup {
	struct pglookup		*l_pl;
	struct fiber		*l_fiber;
	struct event		 l_wake;	/* done, or the timeout */
	int			 l_id;
	const char		*l_sql;		/* the statement, its parameters: */
	int			 l_n;		/* the caller's, alive while it */
	const Oid		*l_types;	/* waits */
	const char *const	*l_vals;
	const int		*l_lens;
	int			 l_prepare;	/* its PREPARE's result comes first */
	int			 l_ends;	/* ends of a query's results seen */
	int			 l_skipped;	/* another's error ended its batch */
	int			 l_done;
	int			 l_rc;
	int			 l_alone;	/* never in a batch (again) */
	size_t			 l_k;		/* runs sent with it: itself */
	struct lookup		*l_next;	/* and these */
	PGresult		*l_res;
	TAILQ_ENTRY(lookup)	 l_entry;
};

/* The batched form of one statement, made on first use. */
struct batch_stmt {
	char			*b_sql;
	Oid			 b_types[PGCONN_MAXPARAMS];
	int			 b_never;	/* cannot be, or failed to prepare */
	int			 b_prepared;	/* on the current connection */
};

struct pglookup {
	struct pgpool		*pl_pool;
	struct pgconn		*pl_conn;
	struct event		*pl_read;
	struct event		*pl_write;	/* the socket was full */
	struct event		*pl_flush;	/* once a turn of the loop */
	int			 pl_flushing;
	int			 pl_unsynced;	/* lookups sent since the Sync */
	int			 pl_opening;
	int64_t			 pl_down_until;
	TAILQ_HEAD(, lookup)	 pl_queue;	/* to send at the next flush */
	TAILQ_HEAD(, lookup)	 pl_wait;	/* sent, in that order */
	struct batch_stmt	 pl_batch[PGCONN_MAXSTMT];
};

static void
finish(struct lookup *l, int rc)
{
	if (rc != SCIM_OK) {
		PQclear(l->l_res);
		l->l_res = NULL;
		l->l_rc = rc;
	} else if (l->l_rc == SCIM_OK && l->l_res == NULL)
		l->l_rc = SCIM_ESTORE;
	l->l_done = 1;
	/* resumed from the loop, never from another fiber */
	event_active(&l->l_wake, EV_READ, 1);
}

/* The connection failed or timed out: every lookup on it fails. */
static void
lookup_break(struct pglookup *pl)
{
	struct lookup	*l, *next;
	int		 id;

	while ((l = TAILQ_FIRST(&pl->pl_queue)) != NULL) {
		TAILQ_REMOVE(&pl->pl_queue, l, l_entry);
		finish(l, SCIM_EUNAVAIL);
	}
	while ((l = TAILQ_FIRST(&pl->pl_wait)) != NULL) {
		TAILQ_REMOVE(&pl->pl_wait, l, l_entry);
		for (; l != NULL; l = next) {
			next = l->l_next;
			finish(l, SCIM_EUNAVAIL);
		}
	}
	if (pl->pl_conn == NULL)
		return;
	event_free(pl->pl_read);
	event_free(pl->pl_write);
	event_free(pl->pl_flush);
	pgconn_close(pl->pl_conn);
	pl->pl_conn = NULL;
	pl->pl_flushing = 0;
	pl->pl_unsynced = 0;
	for (id = 0; id < PGCONN_MAXSTMT; id++)
		pl->pl_batch[id].b_prepared = 0;
}

static void
lookup_wake(evutil_socket_t fd, short what, void *arg)
{
	struct lookup	*l = arg;

	(void)fd;
	if (!l->l_done && (what & EV_TIMEOUT))
		lookup_break(l->l_pl);	/* the server is too slow */
	fiber_resume(l->l_fiber);
}

/* Can lookups of statement id go in batches?  Its batched form then. */
static struct batch_stmt *
batch_of(struct pglookup *pl, const struct lookup *l)
{
	struct batch_stmt	*b = &pl->pl_batch[l->l_id];

	if (b->b_never)
		return (NULL);
	if (b->b_sql == NULL && (l->l_n > PGCONN_MAXPARAMS ||
	    (b->b_sql = pgbatch_sql(l->l_sql, l->l_n, l->l_types,
	    b->b_types)) == NULL)) {
		b->b_never = 1;
		return (NULL);
	}
	return (b);
}

/* Send l alone. */
static int
send_one(PGconn *conn, struct pglookup *pl, struct lookup *l)
{
	char	 name[16];

	snprintf(name, sizeof(name), "s%d", l->l_id);
	l->l_prepare = !pgconn_prepared(pl->pl_conn, l->l_id);
	if ((l->l_prepare && !PQsendPrepare(conn, name, l->l_sql, l->l_n,
	    l->l_types)) || !PQsendQueryPrepared(conn, name, l->l_n,
	    l->l_vals, l->l_lens, pgconn_binary, 1))
		return (SCIM_EUNAVAIL);
	if (l->l_prepare)
		pgconn_set_prepared(pl->pl_conn, l->l_id, 1);
	return (SCIM_OK);
}

/* Send l and the l_k - 1 lookups chained to it as one statement. */
static int
send_batch(PGconn *conn, struct batch_stmt *b, struct lookup *l)
{
	const char *const	*vals[PGBATCH_MAX];
	const int		*lens[PGBATCH_MAX];
	char			*arr[PGCONN_MAXPARAMS], name[16];
	int			 alen[PGCONN_MAXPARAMS], i, ok;
	struct lookup		*m;
	size_t			 j;

	for (m = l, j = 0; m != NULL; m = m->l_next, j++) {
		vals[j] = m->l_vals;
		lens[j] = m->l_lens;
	}
	for (i = 0; i < l->l_n; i++)
		alen[i] = pgbatch_param(l->l_types[i], i, l->l_k, vals, lens,
		    &arr[i]);
	snprintf(name, sizeof(name), "b%d", l->l_id);
	l->l_prepare = !b->b_prepared;
	ok = (!l->l_prepare || PQsendPrepare(conn, name, b->b_sql, l->l_n,
	    b->b_types)) && PQsendQueryPrepared(conn, name, l->l_n,
	    (const char *const *)arr, alen, pgconn_binary, 1);
	for (i = 0; i < l->l_n; i++)
		free(arr[i]);
	if (!ok)
		return (SCIM_EUNAVAIL);
	b->b_prepared = 1;
	return (SCIM_OK);
}

/*
 * Take the first queued lookup and, when its statement allows, every other
 * queued lookup of the same statement (up to PGBATCH_MAX): one send.
 */
static struct batch_stmt *
take_unit(struct pglookup *pl, struct lookup **out)
{
	struct lookup		*l = TAILQ_FIRST(&pl->pl_queue), *m, *next,
				*tail;
	struct batch_stmt	*b = NULL;

	TAILQ_REMOVE(&pl->pl_queue, l, l_entry);
	l->l_k = 1;
	l->l_next = NULL;
	tail = l;
	for (m = TAILQ_FIRST(&pl->pl_queue); m != NULL &&
	    l->l_k < PGBATCH_MAX && !l->l_alone; m = next) {
		next = TAILQ_NEXT(m, l_entry);
		if (m->l_id != l->l_id || m->l_alone ||
		    (b == NULL && (b = batch_of(pl, l)) == NULL))
			continue;
		TAILQ_REMOVE(&pl->pl_queue, m, l_entry);
		m->l_next = NULL;
		tail->l_next = m;
		tail = m;
		l->l_k++;
	}
	*out = l;
	return (b);
}

/* Send what was queued (once a turn of the loop, and when it drains). */
static void
lookup_flush(evutil_socket_t fd, short what, void *arg)
{
	struct pglookup		*pl = arg;
	struct batch_stmt	*b;
	struct lookup		*l;
	PGconn			*conn;
	int			 f, rc;

	(void)fd;
	(void)what;
	pl->pl_flushing = 0;
	if (pl->pl_conn == NULL)
		return;
	conn = pgconn_pq(pl->pl_conn);
	while (!TAILQ_EMPTY(&pl->pl_queue)) {
		b = take_unit(pl, &l);
		l->l_ends = l->l_skipped = 0;
		/* in the wait list first: a failed send fails it there */
		TAILQ_INSERT_TAIL(&pl->pl_wait, l, l_entry);
		rc = l->l_k > 1 ? send_batch(conn, b, l) :
		    send_one(conn, pl, l);
		if (rc != SCIM_OK) {
			lookup_break(pl);
			return;
		}
		pl->pl_unsynced = 1;
	}
	if (pl->pl_unsynced && !PQpipelineSync(conn)) {
		lookup_break(pl);
		return;
	}
	pl->pl_unsynced = 0;
	if ((f = PQflush(conn)) < 0)
		lookup_break(pl);
	else if (f > 0) {
		pl->pl_flushing = 1;
		event_add(pl->pl_write, NULL);
	}
}

/* Queue l for the next flush. */
static void
lookup_send(struct pglookup *pl, struct lookup *l)
{
	TAILQ_INSERT_TAIL(&pl->pl_queue, l, l_entry);
	if (!pl->pl_flushing) {
		pl->pl_flushing = 1;
		event_active(pl->pl_flush, EV_TIMEOUT, 1);
	}
}

/*
 * The end of batch l's answer: each run gets its rows.  Skipped (another
 * statement failed), the runs are sent again; when the batch itself
 * failed, each runs again alone, to get its own verdict.
 */
static void
batch_done(struct pglookup *pl, struct lookup *l)
{
	PGresult	*out[PGBATCH_MAX];
	struct lookup	*m, *next;
	size_t		 j;
	int		 ok, skipped = l->l_skipped && l->l_rc == SCIM_OK;

	ok = !skipped && l->l_rc == SCIM_OK && l->l_res != NULL &&
	    pgbatch_split(l->l_res, l->l_k, out) == 0;
	PQclear(l->l_res);
	l->l_res = NULL;
	for (m = l, j = 0; m != NULL; m = next, j++) {
		next = m->l_next;
		m->l_next = NULL;
		m->l_rc = SCIM_OK;
		if (ok) {
			m->l_res = out[j];
			finish(m, SCIM_OK);
		} else {
			m->l_alone = !skipped;
			lookup_send(pl, m);
		}
	}
}

/* Say whether l's statement (alone or batched) is prepared. */
static void
set_prepared(struct pglookup *pl, const struct lookup *l, int on)
{
	if (l->l_k > 1)
		pl->pl_batch[l->l_id].b_prepared = on;
	else
		pgconn_set_prepared(pl->pl_conn, l->l_id, on);
}

/* One result of the head lookup l (NULL: the end of one of its queries). */
static void
lookup_result(struct pglookup *pl, struct lookup *l, PGresult *r)
{
	PGconn		*conn = pgconn_pq(pl->pl_conn);
	ExecStatusType	 st;
	int		 ours = !(l->l_prepare && l->l_ends == 0);

	if (r == NULL && !ours) {
		l->l_ends++;		/* the PREPARE's */
		return;
	}
	if (r == NULL) {
		TAILQ_REMOVE(&pl->pl_wait, l, l_entry);
		if (l->l_k > 1)
			batch_done(pl, l);
		else if (l->l_skipped && l->l_rc == SCIM_OK) {
			PQclear(l->l_res);
			l->l_res = NULL;
			lookup_send(pl, l);
		} else
			finish(l, SCIM_OK);
		return;
	}
	if ((st = PQresultStatus(r)) == PGRES_PIPELINE_ABORTED) {
		l->l_skipped = 1;
		if (!ours)	/* not prepared after all */
			set_prepared(pl, l, 0);
		PQclear(r);
	} else if (!ours) {
		if (st != PGRES_COMMAND_OK) {
			set_prepared(pl, l, 0);
			if (l->l_k > 1)		/* its runs go alone */
				pl->pl_batch[l->l_id].b_never = 1;
		}
		pgconn_take(r, conn, 0, &l->l_res, &l->l_rc);
	} else
		pgconn_take(r, conn, 1, &l->l_res, &l->l_rc);
}

/* Results, in the order of the lookups; the Syncs between batches. */
static void
lookup_read(evutil_socket_t fd, short what, void *arg)
{
	struct pglookup	*pl = arg;
	PGconn		*conn = pgconn_pq(pl->pl_conn);
	struct lookup	*l;
	PGresult	*r;

	(void)fd;
	(void)what;
	if (!PQconsumeInput(conn)) {
		lookup_break(pl);
		return;
	}
	while ((l = TAILQ_FIRST(&pl->pl_wait)) != NULL && !PQisBusy(conn)) {
		r = PQgetResult(conn);
		if (r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			continue;
		}
		lookup_result(pl, l, r);
	}
	if (PQstatus(conn) != CONNECTION_OK)
		lookup_break(pl);
}

/* The connection, opened on the calling fiber; lookups wait meanwhile. */
static int
lookup_open(struct pglookup *pl)
{
	struct event_base	*base = pgpool_base(pl->pl_pool);
	struct pgconn		*c;
	char			 err[256];
	int			 fd;

	if (pl->pl_opening || util_mono_ms() < pl->pl_down_until)
		return (SCIM_EUNAVAIL);
	pl->pl_opening = 1;
	if (pgconn_open(pl->pl_pool, &c, err, sizeof(err)) != SCIM_OK) {
		pl->pl_opening = 0;
		pl->pl_down_until = util_mono_ms() + LOOKUP_RETRY_MS;
		return (SCIM_EUNAVAIL);
	}
	pl->pl_opening = 0;
	if (!PQenterPipelineMode(pgconn_pq(c))) {
		pgconn_close(c);
		return (SCIM_EUNAVAIL);
	}
	fd = PQsocket(pgconn_pq(c));
	pl->pl_read = event_new(base, fd, EV_READ | EV_PERSIST, lookup_read,
	    pl);
	pl->pl_write = event_new(base, fd, EV_WRITE, lookup_flush, pl);
	pl->pl_flush = event_new(base, -1, 0, lookup_flush, pl);
	if (pl->pl_read == NULL || pl->pl_write == NULL ||
	    pl->pl_flush == NULL)
		fatal("event_new");
	event_add(pl->pl_read, NULL);
	pl->pl_conn = c;
	return (SCIM_OK);
}

struct pglookup *
pglookup_new(struct pgpool *p)
{
	struct pglookup	*pl = xcalloc(1, sizeof(*pl));

	pl->pl_pool = p;
	TAILQ_INIT(&pl->pl_queue);
	TAILQ_INIT(&pl->pl_wait);
	return (pl);
}

void
pglookup_free(struct pglookup *pl)
{
	int	id;

	if (pl == NULL)
		return;
	lookup_break(pl);
	for (id = 0; id < PGCONN_MAXSTMT; id++)
		free(pl->pl_batch[id].b_sql);
	free(pl);
}

int
pglookup_run(struct pglookup *pl, int id, const char *sql, int n,
    const Oid *types, const char *const *vals, const int *lens,
    PGresult **out)
{
	struct event_base	*base = pgpool_base(pl->pl_pool);
	struct lookup		 l;
	struct timeval		 tv;
	int			 ms = pgpool_timeout(pl->pl_pool);

	*out = NULL;
	if (base == NULL || fiber_self() == NULL || id < 0 ||
	    id >= PGCONN_MAXSTMT || (pl->pl_conn == NULL &&
	    lookup_open(pl) != SCIM_OK))
		return (SCIM_ENOTIMPL);
	memset(&l, 0, sizeof(l));
	l.l_pl = pl;
	l.l_fiber = fiber_self();
	l.l_id = id;
	l.l_sql = sql;
	l.l_n = n;
	l.l_types = types;
	l.l_vals = vals;
	l.l_lens = lens;
	evtimer_assign(&l.l_wake, base, lookup_wake, &l);
	lookup_send(pl, &l);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&l.l_wake, &tv);
	while (!l.l_done)
		fiber_yield();
	evtimer_del(&l.l_wake);
	*out = l.l_res;
	return (l.l_rc);
}
