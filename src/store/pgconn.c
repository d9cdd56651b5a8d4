/*
 * pgconn.h: libpq's non-blocking API (PQconnectStart/Poll, PQsendQuery*,
 * PQflush, PQconsumeInput) with the waits between its steps done by
 * wait_fd(): an event on the socket and a yield when on a fiber, poll(2)
 * otherwise.
 */
#include "scimd.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "error.h"
#include "fiber.h"
#include "log.h"
#include "pgconn.h"
#include "pgmerge.h"
#include "util.h"

/* After a failed connect, answer at once for this long before trying again. */
#define PG_RETRY_MS	1000
/* Merged statements (pgmerge.h) a connection prepares, at most. */
#define PG_MERGED	32

/* A merged statement, "m<slot>" on its connection. */
struct pgmerged {
	int			 pm_n;
	int			 pm_ids[PGMERGE_MAX];
	enum {
		MERGED_NONE,	/* not prepared */
		MERGED_SENT,	/* its PREPARE sent, unanswered */
		MERGED_READY,
		MERGED_NEVER	/* the server refused it: sent apart */
	}			 pm_state;
	int			 pm_q;	/* while sent: its place in the queue */
};

struct pgconn {
	PGconn			*pc_conn;
	struct pgpool		*pc_pool;
	int			 pc_broken;
	int			 pc_pending;	/* a result nobody waited for */
	int			 pc_queued;	/* writes sent, results unread */
	struct pgmerge		 pc_held;	/* writes queued, not yet sent */
	struct pgmerged		 pc_merged[PG_MERGED];
	int			 pc_nmerged;
	int			 pc_sent;	/* MERGED_SENT ones */
	uint64_t		 pc_prepared[PGCONN_MAXSTMT / 64];
	uint32_t		 pc_util;	/* pp_util prepared, "u<i>" */
	TAILQ_ENTRY(pgconn)	 pc_entry;
};

/* A fiber waiting for a free connection. */
struct pgwaiter {
	struct fiber		*w_fiber;
	struct event		 w_ev;
	struct pgconn		*w_conn;	/* handed over by release */
	int			 w_retry;	/* one was closed: try again */
	TAILQ_ENTRY(pgwaiter)	 w_entry;
};

struct pgpool {
	char			*pp_conninfo;
	int			 pp_max;
	int			 pp_timeout_ms;
	int			 pp_open;	/* connections alive */
	int64_t			 pp_down_until;	/* ms, after a failed connect */
	int			 pp_down_logged;
	struct event_base	*pp_base;
	const char *const	*pp_util;	/* pgpool_set_utility */
	int			 pp_nutil;
	TAILQ_HEAD(, pgconn)	 pp_idle;
	TAILQ_HEAD(, pgwaiter)	 pp_waiters;
};

const int	 pgconn_binary[PGCONN_MAXPARAMS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1,
		    1, 1, 1, 1, 1, 1, 1 };

static int	util_prepare(struct pgconn *);

struct fdwait {
	struct fiber	*fw_fiber;
	short		 fw_what;
};

static int64_t
now_ms(void)
{
	return (util_mono_ms());
}

static void
fdwait_wake(evutil_socket_t fd, short what, void *arg)
{
	struct fdwait	*w = arg;

	w->fw_what = what;
	fiber_resume(w->fw_fiber);
}

/*
 * Wait until fd is readable (or writable too with wr) or deadline passes:
 * SCIM_OK, or SCIM_EUNAVAIL on timeout.
 */
static int
wait_fd(struct pgpool *p, int fd, int wr, int64_t deadline)
{
	int64_t		 left = deadline - now_ms();
	struct pollfd	 pfd;
	int		 n;

	if (left <= 0)
		return (SCIM_EUNAVAIL);
	if (p->pp_base != NULL && fiber_self() != NULL) {
		struct fdwait	w = { fiber_self(), 0 };
		struct event	ev;
		struct timeval	tv = { left / 1000, (left % 1000) * 1000 };

		event_assign(&ev, p->pp_base, fd, EV_READ | (wr ? EV_WRITE : 0),
		    fdwait_wake, &w);
		event_add(&ev, &tv);
		fiber_yield();
		event_del(&ev);
		return ((w.fw_what & (EV_READ | EV_WRITE)) ? SCIM_OK :
		    SCIM_EUNAVAIL);
	}
	pfd.fd = fd;
	pfd.events = POLLIN | (wr ? POLLOUT : 0);
	do
		n = poll(&pfd, 1, (int)left);
	while (n == -1 && errno == EINTR);
	return (n > 0 ? SCIM_OK : SCIM_EUNAVAIL);
}

struct pgpool *
pgpool_new(const char *conninfo, int max, int timeout_ms)
{
	struct pgpool	*p = xcalloc(1, sizeof(*p));

	p->pp_conninfo = xstrdup(conninfo);
	p->pp_max = max > 0 ? max : 1;
	p->pp_timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	TAILQ_INIT(&p->pp_idle);
	TAILQ_INIT(&p->pp_waiters);
	return (p);
}

void
pgpool_attach(struct pgpool *p, struct event_base *base)
{
	p->pp_base = base;
}

void
pgpool_set_utility(struct pgpool *p, const char *const *sql, int n)
{
	p->pp_util = sql;
	p->pp_nutil = n < PGCONN_MAXUTIL ? n : PGCONN_MAXUTIL;
}

void
pgpool_free(struct pgpool *p)
{
	struct pgconn	*c;

	if (p == NULL)
		return;
	while ((c = TAILQ_FIRST(&p->pp_idle)) != NULL) {
		TAILQ_REMOVE(&p->pp_idle, c, pc_entry);
		pgconn_close(c);
	}
	free(p->pp_conninfo);
	free(p);
}

struct event_base *
pgpool_base(struct pgpool *p)
{
	return (p->pp_base);
}

int
pgpool_timeout(struct pgpool *p)
{
	return (p->pp_timeout_ms);
}

int
pgconn_prepared(struct pgconn *c, int id)
{
	return ((c->pc_prepared[id / 64] & (1ULL << (id % 64))) != 0);
}

void
pgconn_set_prepared(struct pgconn *c, int id, int on)
{
	if (on)
		c->pc_prepared[id / 64] |= 1ULL << (id % 64);
	else
		c->pc_prepared[id / 64] &= ~(1ULL << (id % 64));
}

PGconn *
pgconn_pq(struct pgconn *c)
{
	return (c->pc_conn);
}

int
pgconn_broken(struct pgconn *c)
{
	return (c->pc_broken || PQstatus(c->pc_conn) != CONNECTION_OK);
}

void
pgconn_close(struct pgconn *c)
{
	if (c == NULL)
		return;
	c->pc_pool->pp_open--;
	PQfinish(c->pc_conn);
	pgmerge_free(&c->pc_held);
	free(c);
}

/* The first line of libpq's message, for logs and errors. */
static void
first_line(const char *msg, char *buf, size_t len)
{
	snprintf(buf, len, "%s", msg != NULL && *msg != '\0' ? msg :
	    "unknown error");
	buf[strcspn(buf, "\n")] = '\0';
}

/* Server notices go to the debug log, not to stderr. */
static void
notice(void *arg, const char *msg)
{
	char	line[256];

	first_line(msg, line, sizeof(line));
	log_debug("database: %s", line);
}

int
pgconn_open(struct pgpool *p, struct pgconn **out, char *err, size_t errlen)
{
	PostgresPollingStatusType	 st = PGRES_POLLING_WRITING;
	int64_t				 deadline = now_ms() + p->pp_timeout_ms;
	struct pgconn			*c;
	PGresult			*r;
	char				 ms[16];
	const char			*vals[1] = { ms };
	int				 rc;

	*out = NULL;
	c = xcalloc(1, sizeof(*c));
	c->pc_pool = p;
	p->pp_open++;
	if ((c->pc_conn = PQconnectStart(p->pp_conninfo)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (PQstatus(c->pc_conn) == CONNECTION_BAD)
		goto bad;
	PQsetNoticeProcessor(c->pc_conn, notice, NULL);
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto bad;
		if (wait_fd(p, PQsocket(c->pc_conn),
		    st == PGRES_POLLING_WRITING, deadline) != SCIM_OK) {
			snprintf(err, errlen, "connect timed out");
			goto fail;
		}
		st = PQconnectPoll(c->pc_conn);
	}
	if (PQsetnonblocking(c->pc_conn, 1) != 0)
		goto bad;
	/*
	 * The server gives up on a statement or a lock wait when we would:
	 * nothing keeps running for a client that answered 503 long ago.
	 */
	snprintf(ms, sizeof(ms), "%d", p->pp_timeout_ms);
	rc = pgconn_exec(c, -1, "SELECT set_config('statement_timeout', $1, "
	    "false), set_config('lock_timeout', $1, false)", 1, NULL, vals,
	    NULL, &r);
	if (rc != SCIM_OK) {
		snprintf(err, errlen, "cannot set timeouts");
		goto fail;
	}
	PQclear(r);
	/* this session writes scim_res's columns itself (schema version 6) */
	if (pgconn_exec(c, -1, "SET scimd.res_columns = on", 0, NULL, NULL,
	    NULL, &r) == SCIM_OK)
		PQclear(r);
	/*
	 * Every statement is an index probe or a range from a key, for which
	 * one generic plan is right; PostgreSQL's guess at LIMIT $n would
	 * otherwise have it plan each execution anew.  For the same reason
	 * JIT never pays: it would compile for milliseconds whenever a
	 * generic plan's estimate (a batch of lookups, pgbatch.h, against
	 * unknown keys) passes jit_above_cost.  An engine without the
	 * settings plans its own way.
	 */
	if (pgconn_exec(c, -1, "SET plan_cache_mode = force_generic_plan", 0,
	    NULL, NULL, NULL, &r) == SCIM_OK)
		PQclear(r);
	if (pgconn_exec(c, -1, "SET jit = off", 0, NULL, NULL, NULL, &r) ==
	    SCIM_OK)
		PQclear(r);
	if (util_prepare(c) != SCIM_OK) {
		snprintf(err, errlen, "cannot prepare statements");
		goto fail;
	}
	*out = c;
	return (SCIM_OK);
 bad:
	first_line(PQerrorMessage(c->pc_conn), err, errlen);
 fail:
	pgconn_close(c);
	return (SCIM_EUNAVAIL);
}

static void
waiter_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pgwaiter	*w = arg;

	fiber_resume(w->w_fiber);
}

int
pgpool_acquire(struct pgpool *p, struct pgconn **out)
{
	struct pgwaiter	 w;
	struct pgconn	*c;
	struct timeval	 tv = { p->pp_timeout_ms / 1000,
			    (p->pp_timeout_ms % 1000) * 1000 };
	char		 err[256];

	*out = NULL;
	for (;;) {
		while ((c = TAILQ_FIRST(&p->pp_idle)) != NULL) {
			TAILQ_REMOVE(&p->pp_idle, c, pc_entry);
			if (!pgconn_broken(c)) {
				*out = c;
				return (SCIM_OK);
			}
			pgconn_close(c);
		}
		if (p->pp_open < p->pp_max)
			break;
		if (p->pp_base == NULL || fiber_self() == NULL)
			return (SCIM_EUNAVAIL);	/* nothing would free one */
		/* every connection busy: queue until one is released */
		memset(&w, 0, sizeof(w));
		w.w_fiber = fiber_self();
		event_assign(&w.w_ev, p->pp_base, -1, 0, waiter_wake, &w);
		event_add(&w.w_ev, &tv);
		TAILQ_INSERT_TAIL(&p->pp_waiters, &w, w_entry);
		fiber_yield();
		event_del(&w.w_ev);
		if (w.w_conn != NULL) {
			*out = w.w_conn;
			return (SCIM_OK);
		}
		if (!w.w_retry) {	/* timed out */
			TAILQ_REMOVE(&p->pp_waiters, &w, w_entry);
			return (SCIM_EUNAVAIL);
		}
		/* a broken connection was closed: open its successor */
	}
	if (now_ms() < p->pp_down_until)
		return (SCIM_EUNAVAIL);
	if (pgconn_open(p, out, err, sizeof(err)) != SCIM_OK) {
		p->pp_down_until = now_ms() + PG_RETRY_MS;
		if (!p->pp_down_logged)
			log_warnx("database unreachable: %s", err);
		p->pp_down_logged = 1;
		return (SCIM_EUNAVAIL);
	}
	if (p->pp_down_logged)
		log_info("database reachable again");
	p->pp_down_logged = 0;
	return (SCIM_OK);
}

void
pgpool_release(struct pgpool *p, struct pgconn *c)
{
	struct pgwaiter	*w;

	if (c == NULL)
		return;
	if (c->pc_queued > 0 || c->pc_held.m_n > 0)
		c->pc_broken = 1;	/* never settled: state unknown */
	w = TAILQ_FIRST(&p->pp_waiters);
	if (w != NULL)
		TAILQ_REMOVE(&p->pp_waiters, w, w_entry);
	if (pgconn_broken(c)) {
		pgconn_close(c);
		c = NULL;
	}
	if (w == NULL) {
		if (c != NULL)
			TAILQ_INSERT_HEAD(&p->pp_idle, c, pc_entry);
		return;
	}
	/* the waiter resumes from the loop: with c, or to open anew */
	w->w_conn = c;
	w->w_retry = c == NULL;
	event_active(&w->w_ev, EV_READ, 1);
}

/* One SQLSTATE to one scimd code. */
static int
map_error(const PGresult *r, PGconn *conn)
{
	const char	*state = r != NULL ? PQresultErrorField(r,
			    PG_DIAG_SQLSTATE) : NULL;
	char		 msg[256];

	if (state == NULL)
		return (PQstatus(conn) == CONNECTION_OK ? SCIM_ESTORE :
		    SCIM_EUNAVAIL);
	if (strcmp(state, "23505") == 0)
		return (SCIM_EUNIQUE);
	if (strcmp(state, "53100") == 0)
		return (SCIM_ESTORAGE);
	/* connection, shutdown, cancel/timeout, lock, deadlock, overload */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strncmp(state, "53", 2) == 0)
		return (SCIM_EUNAVAIL);
	first_line(PQresultErrorMessage(r), msg, sizeof(msg));
	log_warnx("database: %s (SQLSTATE %s)", msg, state);
	return (SCIM_ESTORE);
}

/* For the simple path, the pipelined one and pglookup.c's. */
void
pgconn_take(PGresult *r, PGconn *conn, int answer, PGresult **keep, int *rc)
{
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
	case PGRES_PIPELINE_ABORTED:	/* after an error: that one answers */
		if (answer && *rc == SCIM_OK) {
			PQclear(*keep);
			*keep = r;
		} else
			PQclear(r);
		break;
	default:
		if (*rc == SCIM_OK)
			*rc = map_error(r, conn);
		PQclear(r);
		break;
	}
}

/* Send what libpq holds for the server: SCIM_OK, or SCIM_EUNAVAIL. */
static int
flush_out(struct pgconn *c, int64_t deadline)
{
	PGconn	*conn = c->pc_conn;
	int	 f;

	while ((f = PQflush(conn)) != 0)
		if (f < 0 || wait_fd(c->pc_pool, PQsocket(conn), 1, deadline) !=
		    SCIM_OK || !PQconsumeInput(conn))
			return (SCIM_EUNAVAIL);
	return (SCIM_OK);
}

/* The next result (NULL at a query's end), waiting for it as needed. */
static int
next_result(struct pgconn *c, int64_t deadline, PGresult **r)
{
	PGconn	*conn = c->pc_conn;

	*r = NULL;
	while (PQisBusy(conn))
		if (wait_fd(c->pc_pool, PQsocket(conn), 0, deadline) !=
		    SCIM_OK || !PQconsumeInput(conn))
			return (SCIM_EUNAVAIL);
	*r = PQgetResult(conn);
	return (SCIM_OK);
}

/* Flush the request, then read until every result is in. */
static int
send_and_wait(struct pgconn *c, PGresult **out)
{
	int64_t		 deadline = now_ms() + c->pc_pool->pp_timeout_ms;
	PGconn		*conn = c->pc_conn;
	PGresult	*r, *keep = NULL;
	int		 rc = SCIM_OK;

	if (flush_out(c, deadline) != SCIM_OK)
		goto broken;
	for (;;) {
		if (next_result(c, deadline, &r) != SCIM_OK)
			goto broken;
		if (r == NULL)
			break;
		/* of a simple query's results, the last is the answer */
		pgconn_take(r, conn, 1, &keep, &rc);
	}
	if (rc != SCIM_OK) {
		PQclear(keep);
		return (rc);
	}
	*out = keep != NULL ? keep : PQmakeEmptyPGresult(conn,
	    PGRES_COMMAND_OK);
	return (SCIM_OK);
 broken:
	PQclear(keep);
	c->pc_broken = 1;
	return (SCIM_EUNAVAIL);
}

static int	drain(struct pgconn *);

/* The place of sql among the statements c prepared at open; -1: none. */
static int
util_find(const struct pgconn *c, const char *sql)
{
	const struct pgpool	*p = c->pc_pool;
	int			 i;

	for (i = 0; c->pc_util != 0 && i < p->pp_nutil; i++)
		if ((c->pc_util & (1U << i)) != 0 && (p->pp_util[i] == sql ||
		    strcmp(p->pp_util[i], sql) == 0))
			return (i);
	return (-1);
}

/* Send utility statement i, prepared at open, by its name. */
static int
send_util(struct pgconn *c, int i)
{
	char	name[16];

	snprintf(name, sizeof(name), "u%d", i);
	return (PQsendQueryPrepared(c->pc_conn, name, 0, NULL, NULL, NULL, 1));
}

/* Send parameterless sql: by its name when prepared at open. */
static int
send_text(struct pgconn *c, const char *sql)
{
	int	i = util_find(c, sql);

	return (i >= 0 ? send_util(c, i) : PQsendQueryParams(c->pc_conn, sql,
	    0, NULL, NULL, NULL, NULL, 1));
}

/*
 * sql outside a pipeline: by its name when prepared at open, else as a
 * simple query (which may hold several statements).
 */
static int
send_simple(struct pgconn *c, const char *sql)
{
	int	i = util_find(c, sql);

	return (i >= 0 ? send_util(c, i) : PQsendQuery(c->pc_conn, sql));
}

/*
 * Prepare the pool's utility statements on c, in one round trip.  One the
 * server refuses (and those after it, which the error skips) goes as
 * text; only a broken connection is an error.
 */
static int
util_prepare(struct pgconn *c)
{
	struct pgpool	*p = c->pc_pool;
	int64_t		 deadline = now_ms() + p->pp_timeout_ms;
	PGresult	*r;
	char		 name[16];
	int		 i, q;

	if (p->pp_nutil == 0)
		return (SCIM_OK);
	if (!PQenterPipelineMode(c->pc_conn))
		return (SCIM_EUNAVAIL);
	for (i = 0; i < p->pp_nutil; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		if (!PQsendPrepare(c->pc_conn, name, p->pp_util[i], 0, NULL))
			return (SCIM_EUNAVAIL);
	}
	if (!PQpipelineSync(c->pc_conn) || flush_out(c, deadline) != SCIM_OK)
		return (SCIM_EUNAVAIL);
	for (q = 0; q <= p->pp_nutil; q++)
		for (;;) {
			if (next_result(c, deadline, &r) != SCIM_OK)
				return (SCIM_EUNAVAIL);
			if (r == NULL)
				break;
			if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				return (PQexitPipelineMode(c->pc_conn) ?
				    SCIM_OK : SCIM_EUNAVAIL);
			}
			if (PQresultStatus(r) == PGRES_COMMAND_OK)
				c->pc_util |= 1U << q;
			PQclear(r);
		}
	return (SCIM_EUNAVAIL);
}

/* The slot of the merged statement for the writes held; -1: none. */
static int
merged_slot(struct pgconn *c)
{
	struct pgmerge	*m = &c->pc_held;
	struct pgmerged	*pm;
	int		 i;

	for (i = 0; i < c->pc_nmerged; i++)
		if (pgmerge_is(m, c->pc_merged[i].pm_ids,
		    c->pc_merged[i].pm_n))
			return (c->pc_merged[i].pm_state == MERGED_NEVER ? -1 :
			    i);
	if (c->pc_nmerged == PG_MERGED)
		return (-1);
	pm = &c->pc_merged[c->pc_nmerged];
	pm->pm_n = m->m_n;
	memcpy(pm->pm_ids, m->m_ids, sizeof(pm->pm_ids));
	pm->pm_state = MERGED_NONE;
	return (c->pc_nmerged++);
}

/*
 * The answer r to a merged statement's PREPARE at place q in the queue.
 * Refused as a statement (its text or a feature): never merged again on
 * this connection; not run (an error before it) or refused for the
 * state it came in: prepared again at its next use.
 */
static void
merged_answer(struct pgconn *c, int q, const PGresult *r)
{
	struct pgmerged	*pm;
	const char	*state;
	int		 i;

	for (i = 0; c->pc_sent > 0 && i < c->pc_nmerged; i++) {
		pm = &c->pc_merged[i];
		if (pm->pm_state != MERGED_SENT || pm->pm_q != q)
			continue;
		c->pc_sent--;
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			pm->pm_state = MERGED_READY;
		else if (state != NULL && (strncmp(state, "42", 2) == 0 ||
		    strncmp(state, "0A", 2) == 0)) {
			log_warnx("database: writes not merged: %s",
			    PQresultErrorMessage(r));
			pm->pm_state = MERGED_NEVER;
		} else
			pm->pm_state = MERGED_NONE;
	}
}

/* PREPAREs sent and never answered (the pipeline broke): unknown. */
static void
merged_forget(struct pgconn *c)
{
	int	i;

	for (i = 0; c->pc_sent > 0 && i < c->pc_nmerged; i++)
		if (c->pc_merged[i].pm_state == MERGED_SENT) {
			c->pc_merged[i].pm_state = MERGED_NONE;
			c->pc_sent--;
		}
}

/* Send the writes held one by one, as their own statements. */
static int
held_each(struct pgconn *c, const char **vals, const int *lens,
    const int *fmts)
{
	struct pgmerge	*m = &c->pc_held;
	char		 name[16];
	int		 i, n;

	for (i = 0; i < m->m_n; i++, c->pc_queued++) {
		n = (i + 1 < m->m_n ? m->m_first[i + 1] : m->m_np) -
		    m->m_first[i];
		snprintf(name, sizeof(name), "s%d", m->m_ids[i]);
		if (!PQsendQueryPrepared(c->pc_conn, name, n,
		    vals + m->m_first[i], lens + m->m_first[i], fmts, 1))
			return (SCIM_EUNAVAIL);
	}
	return (SCIM_OK);
}

/*
 * Send the writes held into the pipeline (not flushed): several as their
 * merged statement, prepared first on this connection's first use of it.
 */
static int
held_send(struct pgconn *c)
{
	struct pgmerge	*m = &c->pc_held;
	struct pgmerged	*pm;
	const char	*vals[PGMERGE_MAXPARAMS];
	int		 lens[PGMERGE_MAXPARAMS], fmts[PGMERGE_MAXPARAMS];
	char		 name[16], *sql;
	int		 i, slot, rc = SCIM_EUNAVAIL;

	if (m->m_n == 0)
		return (SCIM_OK);
	pgmerge_values(m, vals, lens);
	for (i = 0; i < m->m_np; i++)
		fmts[i] = 1;
	if (c->pc_broken || !PQenterPipelineMode(c->pc_conn))
		goto out;
	slot = m->m_n > 1 ? merged_slot(c) : -1;
	if (slot < 0) {
		rc = held_each(c, vals, lens, fmts);
		goto out;
	}
	pm = &c->pc_merged[slot];
	snprintf(name, sizeof(name), "m%d", slot);
	if (pm->pm_state == MERGED_NONE) {
		if ((sql = pgmerge_sql(m)) == NULL) {
			pm->pm_state = MERGED_NEVER;
			rc = held_each(c, vals, lens, fmts);
			goto out;
		}
		i = PQsendPrepare(c->pc_conn, name, sql, m->m_np, m->m_types);
		free(sql);
		if (!i)
			goto out;
		pm->pm_state = MERGED_SENT;
		pm->pm_q = c->pc_queued++;
		c->pc_sent++;
	}
	if (PQsendQueryPrepared(c->pc_conn, name, m->m_np, vals, lens, fmts,
	    1)) {
		c->pc_queued++;
		rc = SCIM_OK;
	}
 out:
	pgmerge_clear(m);
	if (rc != SCIM_OK)
		c->pc_broken = 1;
	return (rc);
}

/*
 * In one round trip (libpq's pipeline mode): the parameterless statements
 * pre[], the statement's PREPARE when this connection lacks it, and the
 * statement, after the writes queued before (pgconn_queue), whose first
 * error is the answer.  *out is the statement's result; with sql NULL
 * only the queue is settled.
 */
static int
exec_pipelined(struct pgconn *c, const char *const *pre, int npre,
    const char *name, int prepare, const char *sql, int n, const Oid *types,
    const char *const *vals, const int *lens, const int *fmts,
    PGresult **out, int *prepared)
{
	int64_t		 deadline = now_ms() + c->pc_pool->pp_timeout_ms;
	PGconn		*conn = c->pc_conn;
	PGresult	*r, *keep = NULL;
	ExecStatusType	 st;
	int		 queued, i, q, nq, rc = SCIM_OK;

	*out = NULL;
	if (held_send(c) != SCIM_OK)
		goto broken;
	queued = c->pc_queued;
	nq = queued + (sql != NULL ? npre + prepare + 1 : 0);
	c->pc_queued = 0;
	if (queued == 0 && !PQenterPipelineMode(conn))
		goto broken;
	for (i = 0; sql != NULL && i < npre; i++)
		if (!send_text(c, pre[i]))
			goto broken;
	if (sql != NULL && prepare && !PQsendPrepare(conn, name, sql, n,
	    types))
		goto broken;
	if (sql != NULL && (name != NULL ? !PQsendQueryPrepared(conn, name, n,
	    vals, lens, fmts, 1) : n == 0 ? !send_text(c, sql) :
	    !PQsendQueryParams(conn, sql, n, types, vals, lens, fmts, 1)))
		goto broken;
	if (!PQpipelineSync(conn))
		goto broken;
	if (flush_out(c, deadline) != SCIM_OK)
		goto broken;
	/* each query's results end with NULL; the sync comes last */
	for (q = 0; q <= nq; q++) {
		for (;;) {
			if (next_result(c, deadline, &r) != SCIM_OK)
				goto broken;
			if (r == NULL)
				break;
			if ((st = PQresultStatus(r)) == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				goto synced;
			}
			if (sql != NULL && prepare && q == queued + npre &&
			    st == PGRES_COMMAND_OK)
				*prepared = 1;
			if (q < queued)
				merged_answer(c, q, r);
			/* the statement's own result is the answer */
			pgconn_take(r, conn, sql != NULL && q == nq - 1 &&
			    st != PGRES_PIPELINE_ABORTED, &keep, &rc);
		}
	}
 synced:
	merged_forget(c);
	if (!PQexitPipelineMode(conn))
		goto broken;
	if (rc == SCIM_OK && keep == NULL && sql != NULL)
		rc = SCIM_ESTORE;
	if (rc != SCIM_OK) {
		PQclear(keep);
		return (rc);
	}
	*out = keep;
	return (SCIM_OK);
 broken:
	merged_forget(c);
	PQclear(keep);
	c->pc_broken = 1;
	return (SCIM_EUNAVAIL);
}

/* Settle the queued writes: SCIM_OK, or the first one's error. */
static int
flush_queued(struct pgconn *c)
{
	PGresult	*r;

	if (c->pc_queued == 0 && c->pc_held.m_n == 0)
		return (SCIM_OK);
	return (exec_pipelined(c, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL,
	    NULL, &r, NULL));
}

int
pgconn_queue(struct pgconn *c, const char *const *pre, int npre, int id,
    int table, const char *sql, int n, const Oid *types,
    const char *const *vals, const int *lens)
{
	int	i;

	if (c->pc_broken)
		return (SCIM_EUNAVAIL);
	/* only statements this connection knows: no PREPARE to confirm */
	if (id < 0 || !pgconn_prepared(c, id))
		return (SCIM_ENOTIMPL);
	if (c->pc_pending && drain(c) != SCIM_OK)
		return (SCIM_EUNAVAIL);
	if (npre > 0 || !pgmerge_fits(&c->pc_held, table, sql, n)) {
		if (held_send(c) != SCIM_OK)
			return (SCIM_EUNAVAIL);
		if (!PQenterPipelineMode(c->pc_conn))
			goto broken;
	}
	for (i = 0; i < npre; i++, c->pc_queued++)
		if (!send_text(c, pre[i]))
			goto broken;
	/*
	 * Held, not sent: it goes out with the next statement that is
	 * waited for, merged with the writes of other tables queued beside
	 * it (pgmerge.h), all in one write, for one wake-up of the server
	 * and one statement to start instead of one each.
	 */
	if (pgmerge_fits(&c->pc_held, table, sql, n)) {
		pgmerge_add(&c->pc_held, id, table, sql, n, types, vals, lens);
		return (SCIM_OK);
	}
	pgmerge_add(&c->pc_held, id, -1, sql, n, types, vals, lens);
	return (held_send(c));
 broken:
	c->pc_broken = 1;
	return (SCIM_EUNAVAIL);
}

int
pgconn_queued(struct pgconn *c)
{
	return (c->pc_queued + c->pc_held.m_n);
}

int
pgconn_send(struct pgconn *c, const char *sql)
{
	int	rc;

	rc = flush_queued(c);
	if (c->pc_pending && drain(c) != SCIM_OK)
		return (SCIM_EUNAVAIL);
	if (c->pc_broken || !send_simple(c, sql)) {
		c->pc_broken = 1;
		return (SCIM_EUNAVAIL);
	}
	c->pc_pending = 1;
	if (PQflush(c->pc_conn) == -1)
		c->pc_broken = 1;
	return (rc);
}

/* Read the result of pgconn_send, usually arrived long since. */
static int
drain(struct pgconn *c)
{
	PGresult	*r;
	int		 rc;

	c->pc_pending = 0;
	if ((rc = send_and_wait(c, &r)) == SCIM_OK)
		PQclear(r);
	else if (rc == SCIM_EUNAVAIL)
		c->pc_broken = 1;
	return (c->pc_broken ? SCIM_EUNAVAIL : SCIM_OK);
}

int
pgconn_exec(struct pgconn *c, int id, const char *sql, int n,
    const Oid *types, const char *const *vals, const int *lens,
    PGresult **out)
{
	return (pgconn_exec_pre(c, NULL, 0, id, sql, n, types, vals, lens,
	    out));
}

int
pgconn_exec_pre(struct pgconn *c, const char *const *pre, int npre, int id,
    const char *sql, int n, const Oid *types, const char *const *vals,
    const int *lens, PGresult **out)
{
	char			 name[16];
	int			 rc, text = lens == NULL, prepare, done = 0;

	*out = NULL;
	if (c->pc_pending && drain(c) != SCIM_OK)
		return (SCIM_EUNAVAIL);
	if (held_send(c) != SCIM_OK)
		return (SCIM_EUNAVAIL);
	if (id < 0 && npre == 0 && (c->pc_queued == 0 ||
	    (n == 0 && strchr(sql, ';') != NULL))) {
		/* a simple query may hold several statements: not pipelined */
		if ((rc = flush_queued(c)) != SCIM_OK)
			return (rc);
		if (n == 0 ? !send_simple(c, sql) :
		    !PQsendQueryParams(c->pc_conn, sql, n, types, vals, lens,
		    text ? NULL : pgconn_binary, text ? 0 : 1))
			goto broken;
		return (send_and_wait(c, out));
	}
	if (id < 0)
		return (exec_pipelined(c, pre, npre, NULL, 0, sql, n, types,
		    vals, lens, text ? NULL : pgconn_binary, out, &done));
	snprintf(name, sizeof(name), "s%d", id);
	prepare = !pgconn_prepared(c, id);
	if (prepare || npre > 0 || c->pc_queued > 0) {
		rc = exec_pipelined(c, pre, npre, name, prepare, sql, n, types,
		    vals, lens, pgconn_binary, out, &done);
		if (done)	/* the PREPARE stands, whatever came after */
			pgconn_set_prepared(c, id, 1);
		return (rc);
	}
	if (!PQsendQueryPrepared(c->pc_conn, name, n, vals, lens,
	    pgconn_binary, 1))
		goto broken;
	return (send_and_wait(c, out));
 broken:
	c->pc_broken = 1;
	return (SCIM_EUNAVAIL);
}
