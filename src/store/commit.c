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
#include "log.h"
#include "store.h"
#include "util.h"

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
 * The split commit (store_split_sync, LMDB at full durability): a batch's
 * transaction commits in the loop with its pages flushed but not its meta
 * page, and a sync thread flushes that while the loop goes on parsing
 * requests and serving reads; the batch's replies go out when the thread
 * says the flush is done.  The next batch waits for it, so every reply is
 * rendered from its own batch's state, as without the split.  Why this and
 * not MDB_NOSYNC + mdb_env_sync, nor a writer thread: see lmdb_split_sync
 * (NOSYNC lets the kernel write the meta page before the pages it points
 * to, a torn store after a power cut) and architecture.md (the ops' apply
 * code is not written for a second thread; this thread touches only
 * fdatasync).  A change is visible to readers a flush before it is
 * durable; a machine crash in that window undoes it, and its writer never
 * got a reply.  kill -9 loses nothing: the kernel has every page.
 */
static struct {
	int			 on;
	pthread_t		 thr;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	uint64_t		 want, done;	/* flushes asked for, done */
	int			 rc;		/* of the last flush */
	int			 stop;
	int			 pipe[2];	/* thread -> loop: a flush done */
	struct event		*ev;
	struct commit_queue	 batch;		/* waiting for flush "want" */
}				 sy = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.pipe = { -1, -1 },
	.batch = TAILQ_HEAD_INITIALIZER(sy.batch),
};

static void	commit_run(evutil_socket_t, short, void *);
static void	commit_flush_cb(void *);
static void	commit_apply(void);
static int	sync_start(struct event_base *);

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
	if (store_split_sync(s))
		return (sync_start(base));
	return (SCIM_OK);
}

void
commit_submit(struct commit_op *op)
{
	TAILQ_INSERT_TAIL(&commit_q, op, co_entry);
	if (++commit_queued >= commit_max)
		store_run(commit_store, commit_flush_cb, NULL);
	else if (commit_ev != NULL && !event_pending(commit_ev, EV_TIMEOUT,
	    NULL))
		event_active(commit_ev, EV_TIMEOUT, 0);
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
 * Move the queued ops the next batch may apply to batch, and register it
 * in flight.  With LMDB, everything.  With a store that waits (a
 * database), batches overlap: one takes the ops of tenants no batch in
 * flight writes, so that a batch waiting for a tenant's lock holds up no
 * other tenant; and ops of unknown tenant (0: token use, admin, delivery)
 * go in batches of their own, which lock the global data first (tenant
 * 0's lock, lowest) and one at a time: a batch of tenants' writes then
 * never asks for the global lock after a tenant's, and two batches cannot
 * deadlock.  A batch waiting for its flush (sy.batch) holds up the next.
 */
static int
commit_take(struct commit_queue *batch)
{
	struct commit_op	*op, *next;
	int			 i, db = store_async(commit_store), kind = -1;

	if (!TAILQ_EMPTY(&sy.batch) ||
	    (commit_nflights > 0 && (commit_nflights == COMMIT_FLIGHTS || !db)))
		return (0);
	for (op = TAILQ_FIRST(&commit_q); op != NULL; op = next) {
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

static void
commit_landed(struct commit_queue *batch)
{
	int	i;

	for (i = 0; i < COMMIT_FLIGHTS; i++)
		if (commit_flight[i] == batch)
			commit_flight[i] = NULL;
	commit_nflights--;
}

/* Replies in order, then the watchers; what queued meanwhile goes next. */
static void
batch_finish(struct commit_queue *batch, int rc)
{
	struct commit_op	*op;
	size_t			 i;

	while ((op = TAILQ_FIRST(batch)) != NULL) {
		TAILQ_REMOVE(batch, op, co_entry);
		op->co_done(op, op->co_rc);	/* may free op */
	}
	if (rc == SCIM_OK)
		for (i = 0; i < commit_nwatchers; i++)
			commit_watchers[i].cw_fn(commit_watchers[i].cw_arg);
	if (!TAILQ_EMPTY(&commit_q) && commit_ev != NULL &&
	    !event_pending(commit_ev, EV_TIMEOUT, NULL))
		event_active(commit_ev, EV_TIMEOUT, 0);
}

/* Apply every queued op in one transaction, then run their callbacks. */
static void
commit_apply(void)
{
	struct commit_queue	 batch = TAILQ_HEAD_INITIALIZER(batch);
	struct commit_op	*op;
	struct store_txn	*txn = NULL, *sub;
	unsigned long long	 t0 = usec_now();
	int			 rc, n = 0, b;

	if (TAILQ_EMPTY(&commit_q) || !commit_take(&batch))
		return;
	rc = store_begin(commit_store, 1, &txn);
	/* every lock first, in order (0: the global data's) */
	TAILQ_FOREACH(op, &batch, co_entry)
		if (rc == SCIM_OK)
			rc = store_lock_tenant(txn, op->co_tenant);
	TAILQ_FOREACH(op, &batch, co_entry) {
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
	if (rc != SCIM_OK) {
		log_warnx("%s: batch of %d failed: %s", __func__, n,
		    scim_err_text(rc));
		commit_st.cs_failed++;
		TAILQ_FOREACH(op, &batch, co_entry)
			if (op->co_rc == SCIM_OK)
				op->co_rc = rc;
	}
	commit_st.cs_batches++;
	commit_st.cs_ops += n;
	commit_st.cs_commit_us += usec_now() - t0;
	for (b = 0; b < 7 && (1 << (b + 1)) <= n; b++)
		;
	commit_st.cs_hist[b]++;
	commit_landed(&batch);
	if (sy.on && rc == SCIM_OK) {
		/* the next batch waits for the flush, as do these replies */
		TAILQ_CONCAT(&sy.batch, &batch, co_entry);
		pthread_mutex_lock(&sy.mtx);
		sy.want++;
		pthread_cond_broadcast(&sy.cv);
		pthread_mutex_unlock(&sy.mtx);
		return;
	}
	batch_finish(&batch, rc);
}

/* The loop's side of a flush done: the waiting batch's replies. */
static void
sync_done(evutil_socket_t fd, short ev, void *arg)
{
	struct commit_queue	 batch = TAILQ_HEAD_INITIALIZER(batch);
	struct commit_op	*op;
	char			 buf[64];
	uint64_t		 done;
	int			 rc;

	while (fd != -1 && read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&sy.mtx);
	done = sy.done;
	rc = sy.rc;
	pthread_mutex_unlock(&sy.mtx);
	if (done != sy.want || TAILQ_EMPTY(&sy.batch))
		return;
	TAILQ_CONCAT(&batch, &sy.batch, co_entry);
	if (rc != SCIM_OK) {
		/* committed but not known durable: acknowledge none of it */
		log_warnx("%s: flush failed: %s", __func__, scim_err_text(rc));
		commit_st.cs_failed++;
		TAILQ_FOREACH(op, &batch, co_entry)
			if (op->co_rc == SCIM_OK)
				op->co_rc = rc;
	}
	batch_finish(&batch, rc);
}

/* Wait for the flush of the waiting batch, and reply to it. */
static void
sync_wait(void)
{
	if (!sy.on || TAILQ_EMPTY(&sy.batch))
		return;
	pthread_mutex_lock(&sy.mtx);
	while (sy.done != sy.want)
		pthread_cond_wait(&sy.cv, &sy.mtx);
	pthread_mutex_unlock(&sy.mtx);
	sync_done(-1, 0, NULL);
}

static void *
sync_main(void *arg)
{
	uint64_t	g;
	ssize_t		n;
	int		rc;
	char		c = 0;

	pthread_mutex_lock(&sy.mtx);
	for (;;) {
		while (sy.want == sy.done && !sy.stop)
			pthread_cond_wait(&sy.cv, &sy.mtx);
		if (sy.want == sy.done)
			break;
		g = sy.want;
		pthread_mutex_unlock(&sy.mtx);
		rc = store_sync(commit_store);
		pthread_mutex_lock(&sy.mtx);
		sy.rc = rc;
		sy.done = g;
		pthread_cond_broadcast(&sy.cv);
		/* a full pipe has a wake-up pending already */
		n = write(sy.pipe[1], &c, 1);
		(void)n;
	}
	pthread_mutex_unlock(&sy.mtx);
	return (NULL);
}

/* The sync thread (signals blocked: the loop takes them) and its pipe. */
static int
sync_start(struct event_base *base)
{
	sigset_t	all, old;
	int		rc;

	if (pipe2(sy.pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return (SCIM_ESTORE);
	if ((sy.ev = event_new(base, sy.pipe[0], EV_READ | EV_PERSIST,
	    sync_done, NULL)) == NULL || event_add(sy.ev, NULL) == -1)
		return (SCIM_ENOMEM);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&sy.thr, NULL, sync_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return (SCIM_ENOMEM);
	sy.on = 1;
	return (SCIM_OK);
}

static void
sync_stop(void)
{
	if (sy.on) {
		pthread_mutex_lock(&sy.mtx);
		sy.stop = 1;
		pthread_cond_broadcast(&sy.cv);
		pthread_mutex_unlock(&sy.mtx);
		pthread_join(sy.thr, NULL);
		sy.on = 0;
	}
	if (sy.ev != NULL)
		event_free(sy.ev);
	sy.ev = NULL;
	if (sy.pipe[0] != -1) {
		close(sy.pipe[0]);
		close(sy.pipe[1]);
	}
	sy.pipe[0] = sy.pipe[1] = -1;
}

/* Everything queued, applied and durable, with its replies sent. */
void
commit_flush(void)
{
	sync_wait();
	commit_apply();
	sync_wait();
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
	sync_stop();
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
