/* One write transaction per loop iteration for every queued change. */
#include "scimd.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "commit.h"
#include "error.h"
#include "jsontext.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "zpack.h"

TAILQ_HEAD(commit_queue, commit_op);

static struct commit_queue	 commit_q = TAILQ_HEAD_INITIALIZER(commit_q);
static struct event		*commit_ev;
static struct store		*commit_store;
static int			 commit_max = 256;
static int			 commit_queued;
/*
 * Batches being applied: one, or on a database up to COMMIT_FLIGHTS, two
 * of tenants' writes and one of the rest (which may wait for a tenant's
 * lock, too, without stopping the others).
 */
#define COMMIT_FLIGHTS		3
static struct commit_queue	*commit_flight[COMMIT_FLIGHTS];
static int			 commit_nflights;
static struct commit_stats	 commit_st;
static struct commit_watcher {
	void	(*cw_fn)(void *);
	void	 *cw_arg;
}				*commit_watchers;
static size_t			 commit_nwatchers;

/*
 * The writer thread (a store that does not wait: LMDB).  A batch's whole
 * transaction runs there, begin, apply, commit with its syncs, while the
 * loop goes on parsing requests, serving reads and queueing the next
 * batch; the thread hands the batch back through a pipe and the loop sends
 * its replies.  One batch at a time: the next is handed over only once the
 * last one's replies are out, so every reply is rendered from its own
 * batch's state.  Why a whole transaction and not only its fsync: a write
 * transaction belongs to the thread that began it, and MDB_NOSYNC commits
 * flushed by mdb_env_sync from another thread lose LMDB's crash order
 * (the meta page may reach the disk before the pages it points to).  Here
 * each commit is LMDB's own, so the order is LMDB's: pages flushed, then
 * the meta page.
 *
 * What the thread runs is the ops' co_apply and co_failed; while it does,
 * the loop touches nothing the batch's ops own, and the ops touch nothing
 * the loop changes (commit.h).  The mutex orders the hand-over both ways.
 */
static struct {
	int			 on;
	pthread_t		 thr;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	struct commit_queue	 batch;		/* the thread's while busy */
	int			 busy;
	int			 landed;	/* done, not yet taken back */
	int			 rc, nops;	/* of the landed batch */
	unsigned long long	 us;
	int			 stop;
	int			 pipe[2];	/* thread -> loop: landed */
	struct event		*ev;
}				 wr = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.pipe = { -1, -1 },
	.batch = TAILQ_HEAD_INITIALIZER(wr.batch),
};

static void	commit_run(evutil_socket_t, short, void *);
static void	commit_flush_cb(void *);
static void	commit_apply(void);
static int	writer_start(struct event_base *);

int
commit_init(struct event_base *base, struct store *s, int batch_max)
{
	commit_store = s;
	commit_max = batch_max > 0 ? batch_max : 1;
	if ((commit_ev = event_new(base, -1, 0, commit_run, NULL)) == NULL)
		return (SCIM_ENOMEM);
	/*
	 * The lowest priority: the batch runs only once no request I/O is
	 * pending in this iteration, so concurrent requests share one fsync.
	 */
	event_priority_set(commit_ev, event_base_get_npriorities(base) - 1);
	if (!store_async(s))
		return (writer_start(base));
	return (SCIM_OK);
}

static void
commit_kick(void)
{
	if (commit_ev != NULL && !event_pending(commit_ev, EV_TIMEOUT, NULL))
		event_active(commit_ev, EV_TIMEOUT, 0);
}

void
commit_submit(struct commit_op *op)
{
	TAILQ_INSERT_TAIL(&commit_q, op, co_entry);
	/* a database's batch applies at once; the writer's waits its turn */
	if (++commit_queued >= commit_max && !wr.on)
		store_run(commit_store, commit_flush_cb, NULL);
	else
		commit_kick();
}

static unsigned long long
usec_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* 1 if a batch being applied writes tenant's data. */
static int
commit_in_flight(uint32_t tenant)
{
	struct commit_op	*op;
	int			 i;

	for (i = 0; i < COMMIT_FLIGHTS; i++)
		if (commit_flight[i] != NULL)
			TAILQ_FOREACH(op, commit_flight[i], co_entry)
				if (op->co_tenant == tenant)
					return (1);
	return (0);
}

/* Batches of tenants' writes in flight. */
static int
commit_tenant_flights(void)
{
	int	i, n = 0;

	for (i = 0; i < COMMIT_FLIGHTS; i++)
		if (commit_flight[i] != NULL &&
		    TAILQ_FIRST(commit_flight[i])->co_tenant != 0)
			n++;
	return (n);
}

/*
 * Move the queued ops the next batch may apply to batch (at most
 * commit_max), and register it in flight.  With LMDB, the oldest, one
 * batch at a time.  With a store that waits (a database), batches
 * overlap: one takes the ops of tenants no batch in flight writes, so that
 * a batch waiting for a tenant's lock holds up no other tenant; and ops of
 * unknown tenant (0: token use, admin, delivery) go in batches of their
 * own, which lock the global data first (tenant 0's lock, lowest) and one
 * at a time: a batch of tenants' writes then never asks for the global
 * lock after a tenant's, and two batches cannot deadlock.
 */
static int
commit_take(struct commit_queue *batch)
{
	struct commit_op	*op, *next;
	int			 i, db = store_async(commit_store), kind = -1;
	int			 n = 0;

	if (commit_nflights > 0 && (commit_nflights == COMMIT_FLIGHTS || !db))
		return (0);
	for (op = TAILQ_FIRST(&commit_q); op != NULL && n < commit_max;
	    op = next) {
		next = TAILQ_NEXT(op, co_entry);
		if (db && commit_in_flight(op->co_tenant))
			continue;
		if (db && kind == -1) {
			if (op->co_tenant != 0 &&
			    commit_tenant_flights() == COMMIT_FLIGHTS - 1)
				continue;
			kind = op->co_tenant != 0;
		}
		if (db && kind != (op->co_tenant != 0))
			continue;
		TAILQ_REMOVE(&commit_q, op, co_entry);
		TAILQ_INSERT_TAIL(batch, op, co_entry);
		commit_queued--;
		n++;
	}
	if (TAILQ_EMPTY(batch))
		return (0);
	for (i = 0; commit_flight[i] != NULL; i++)
		;
	commit_flight[i] = batch;
	commit_nflights++;
	return (1);
}

int
commit_flights(void)
{
	return (commit_nflights);
}

/* The batch's write transaction, every lock first, in order (0: global). */
static int
batch_begin(struct commit_queue *batch, struct store_txn **txn)
{
	struct commit_op	*op;
	int			 rc;

	rc = store_begin(commit_store, 1, txn);
	TAILQ_FOREACH(op, batch, co_entry)
		if (rc == SCIM_OK)
			rc = store_lock_tenant(*txn, op->co_tenant);
	return (rc);
}

/* 1 if every op of batch can run again (co_reset). */
static int
batch_rerunnable(struct commit_queue *batch)
{
	struct commit_op	*op;

	TAILQ_FOREACH(op, batch, co_entry)
		if (op->co_reset == NULL)
			return (0);
	return (1);
}

/*
 * A database's batch, first try: every op straight in the batch's
 * transaction, no savepoint each.  Its writes then travel together and
 * nothing waits for an op's RELEASE, a round trip each; but one failure
 * fails the whole transaction.  SCIM_OK when every op and the commit
 * succeeded; else the transaction is gone, and so is all it wrote.  Each
 * op's co_rc is the outcome, *nops the number of ops.
 */
static int
batch_try(struct commit_queue *batch, int *nops)
{
	struct commit_op	*op;
	struct store_txn	*txn = NULL;
	int			 rc, n = 0;

	rc = batch_begin(batch, &txn);
	TAILQ_FOREACH(op, batch, co_entry)
		if (rc == SCIM_OK)
			rc = op->co_apply(txn, op);
	if (rc == SCIM_OK)
		rc = store_commit(txn);
	else if (txn != NULL)
		store_abort(txn);
	TAILQ_FOREACH(op, batch, co_entry) {
		op->co_rc = rc;
		n++;
	}
	*nops = n;
	return (rc);
}

/*
 * Apply batch in one transaction, each op in a nested one; *nops gets the
 * number of ops.  The commit's outcome, which the loop spreads to the ops
 * that succeeded (batch_landed).  On the writer thread or a fiber.
 *
 * On a database, a batch of ops that can run again tries without nested
 * transactions first (batch_try); if that fails, the batch runs again op
 * by op, so that a failure undoes only its own op.  Not after the server
 * became unreachable: a COMMIT whose answer never came may have landed,
 * and its ops must not be applied twice.
 */
static int
batch_apply(struct commit_queue *batch, int *nops)
{
	struct commit_op	*op;
	struct store_txn	*txn = NULL, *sub;
	int			 rc, n = 0;

	if (store_async(commit_store) && batch_rerunnable(batch)) {
		rc = batch_try(batch, nops);
		if (rc == SCIM_OK || rc == SCIM_EUNAVAIL)
			return (rc);
		commit_st.cs_retried++;
		TAILQ_FOREACH(op, batch, co_entry)
			op->co_reset(op);
	}

	rc = batch_begin(batch, &txn);
	TAILQ_FOREACH(op, batch, co_entry) {
		n++;
		if (rc != SCIM_OK) {
			op->co_rc = rc;
			continue;
		}
		if ((op->co_rc = store_begin_nested(txn, &sub)) != SCIM_OK)
			continue;
		op->co_rc = op->co_apply(sub, op);
		if (op->co_rc == SCIM_OK)
			op->co_rc = store_commit(sub);
		else
			store_abort(sub);
		if (op->co_rc != SCIM_OK && op->co_failed != NULL)
			op->co_failed(txn, op, op->co_rc);
	}
	if (rc == SCIM_OK)
		rc = store_commit(txn);
	*nops = n;
	return (rc);
}

/*
 * A batch is back in the loop: its statistics, then the replies in order,
 * then the watchers; what queued meanwhile goes next.  batch may be the
 * writer's, which is free again on return.
 */
static void
batch_landed(struct commit_queue *batch, int rc, int n,
    unsigned long long us)
{
	struct commit_queue	 done = TAILQ_HEAD_INITIALIZER(done);
	struct commit_op	*op;
	size_t			 i;
	int			 b;

	if (rc != SCIM_OK) {
		log_warnx("%s: batch of %d failed: %s", __func__, n,
		    scim_err_text(rc));
		commit_st.cs_failed++;
		TAILQ_FOREACH(op, batch, co_entry)
			if (op->co_rc == SCIM_OK)
				op->co_rc = rc;
	}
	commit_st.cs_batches++;
	commit_st.cs_ops += n;
	commit_st.cs_commit_us += us;
	for (b = 0; b < 7 && (1 << (b + 1)) <= n; b++)
		;
	commit_st.cs_hist[b]++;
	for (i = 0; i < COMMIT_FLIGHTS; i++)
		if (commit_flight[i] == batch)
			commit_flight[i] = NULL;
	commit_nflights--;
	TAILQ_CONCAT(&done, batch, co_entry);
	while ((op = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, op, co_entry);
		op->co_done(op, op->co_rc);	/* may free op */
	}
	if (rc == SCIM_OK)
		for (i = 0; i < commit_nwatchers; i++)
			commit_watchers[i].cw_fn(commit_watchers[i].cw_arg);
	if (!TAILQ_EMPTY(&commit_q))
		commit_kick();
}

/* Hand the next batch to the writer thread, unless it has one. */
static void
writer_hand(void)
{
	if (TAILQ_EMPTY(&commit_q) || !commit_take(&wr.batch))
		return;
	pthread_mutex_lock(&wr.mtx);
	wr.busy = 1;
	pthread_cond_broadcast(&wr.cv);
	pthread_mutex_unlock(&wr.mtx);
}

/* Apply the next batch (a database's, on a fiber), or hand it over. */
static void
commit_apply(void)
{
	struct commit_queue	 batch = TAILQ_HEAD_INITIALIZER(batch);
	unsigned long long	 t0 = usec_now();
	int			 rc, n;

	if (wr.on) {
		writer_hand();
		return;
	}
	if (TAILQ_EMPTY(&commit_q) || !commit_take(&batch))
		return;
	rc = batch_apply(&batch, &n);
	batch_landed(&batch, rc, n, usec_now() - t0);
}

/* The loop's side of the pipe: the landed batch's replies. */
static void
writer_landed(evutil_socket_t fd, short ev, void *arg)
{
	char	buf[64];
	int	rc, n;
	unsigned long long us;

	while (fd != -1 && read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&wr.mtx);
	if (!wr.landed) {
		pthread_mutex_unlock(&wr.mtx);
		return;
	}
	wr.landed = 0;
	rc = wr.rc;
	n = wr.nops;
	us = wr.us;
	pthread_mutex_unlock(&wr.mtx);
	batch_landed(&wr.batch, rc, n, us);
}

/* Wait until the writer has no batch, and take back the one it had. */
static void
writer_wait(void)
{
	pthread_mutex_lock(&wr.mtx);
	while (wr.busy)
		pthread_cond_wait(&wr.cv, &wr.mtx);
	pthread_mutex_unlock(&wr.mtx);
	writer_landed(-1, 0, NULL);
}

static void *
writer_main(void *arg)
{
	unsigned long long	 t0;
	ssize_t			 w;
	int			 rc, n;
	char			 c = 0;

	pthread_mutex_lock(&wr.mtx);
	for (;;) {
		while (!wr.busy && !wr.stop)
			pthread_cond_wait(&wr.cv, &wr.mtx);
		if (!wr.busy)
			break;
		pthread_mutex_unlock(&wr.mtx);
		t0 = usec_now();
		rc = batch_apply(&wr.batch, &n);
		pthread_mutex_lock(&wr.mtx);
		wr.rc = rc;
		wr.nops = n;
		wr.us = usec_now() - t0;
		wr.busy = 0;
		wr.landed = 1;
		pthread_cond_broadcast(&wr.cv);
		/* a full pipe has a wake-up pending already */
		w = write(wr.pipe[1], &c, 1);
		(void)w;
	}
	pthread_mutex_unlock(&wr.mtx);
	/* what the ops' code keeps per thread */
	jsonutil_thread_done();
	jsontext_thread_done();
	zpack_thread_done();
	return (NULL);
}

/* The writer thread (signals blocked: the loop takes them) and its pipe. */
static int
writer_start(struct event_base *base)
{
	sigset_t	all, old;
	int		rc;

	if (pipe2(wr.pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return (SCIM_ESTORE);
	if ((wr.ev = event_new(base, wr.pipe[0], EV_READ | EV_PERSIST,
	    writer_landed, NULL)) == NULL || event_add(wr.ev, NULL) == -1)
		return (SCIM_ENOMEM);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&wr.thr, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return (SCIM_ENOMEM);
	wr.on = 1;
	return (SCIM_OK);
}

static void
writer_stop(void)
{
	if (wr.on) {
		pthread_mutex_lock(&wr.mtx);
		wr.stop = 1;
		pthread_cond_broadcast(&wr.cv);
		pthread_mutex_unlock(&wr.mtx);
		pthread_join(wr.thr, NULL);
		wr.on = 0;
	}
	if (wr.ev != NULL)
		event_free(wr.ev);
	wr.ev = NULL;
	if (wr.pipe[0] != -1) {
		close(wr.pipe[0]);
		close(wr.pipe[1]);
	}
	wr.pipe[0] = wr.pipe[1] = -1;
}

/* Everything queued, applied and durable, with its replies sent. */
void
commit_flush(void)
{
	if (!wr.on) {
		commit_apply();
		return;
	}
	writer_wait();
	while (!TAILQ_EMPTY(&commit_q)) {
		writer_hand();
		writer_wait();
	}
}

void
commit_quiesce(void)
{
	if (wr.on)
		writer_wait();
}

static void
commit_flush_cb(void *arg)
{
	commit_apply();
}

static void
commit_run(evutil_socket_t fd, short ev, void *arg)
{
	store_run(commit_store, commit_flush_cb, NULL);
}

void
commit_free(void)
{
	commit_flush();
	writer_stop();
	if (commit_ev != NULL)
		event_free(commit_ev);
	commit_ev = NULL;
	free(commit_watchers);
	commit_watchers = NULL;
	commit_nwatchers = 0;
}

void
commit_watch(void (*fn)(void *), void *arg)
{
	commit_watchers = xrealloc(commit_watchers, (commit_nwatchers + 1) *
	    sizeof(*commit_watchers));
	commit_watchers[commit_nwatchers].cw_fn = fn;
	commit_watchers[commit_nwatchers].cw_arg = arg;
	commit_nwatchers++;
}

const struct commit_stats *
commit_stats(void)
{
	return (&commit_st);
}
