/* One write transaction per loop iteration for every queued change. */
#include "scimd.h"

#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "audit.h"
#include "commit.h"
#include "error.h"
#include "log.h"
#include "store.h"

TAILQ_HEAD(commit_queue, commit_op);

static struct commit_queue	 commit_q = TAILQ_HEAD_INITIALIZER(commit_q);
static struct event		*commit_ev;
static struct store		*commit_store;
static int			 commit_max = 256;
static int			 commit_queued;
static int			 commit_busy;	/* a batch is being applied */
static struct commit_stats	 commit_st;
static struct {
	void	(*fn)(void *);
	void	*arg;
}				 commit_watchers[COMMIT_WATCH_MAX];
static int			 commit_nwatchers;

static void	commit_run(evutil_socket_t, short, void *);
static void	commit_flush_cb(void *);

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

/* Apply every queued op in one transaction, then run their callbacks. */
void
commit_flush(void)
{
	struct commit_queue	 batch = TAILQ_HEAD_INITIALIZER(batch);
	struct commit_op	*op;
	struct store_txn	*txn = NULL, *sub;
	unsigned long long	 t0 = usec_now();
	int			 rc, n = 0, b;

	/*
	 * One batch at a time: while a store that waits (a database) applies
	 * one, new changes queue for the next.
	 */
	if (TAILQ_EMPTY(&commit_q) || commit_busy)
		return;
	commit_busy = 1;
	TAILQ_CONCAT(&batch, &commit_q, co_entry);
	commit_queued = 0;
	rc = store_begin(commit_store, 1, &txn);
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
	commit_busy = 0;
	while ((op = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, op, co_entry);
		op->co_done(op, op->co_rc);	/* may free op */
	}
	if (rc == SCIM_OK)
		audit_notify();		/* wake audit followers */
	for (b = 0; rc == SCIM_OK && b < commit_nwatchers; b++)
		commit_watchers[b].fn(commit_watchers[b].arg);
	/* what queued meanwhile goes next */
	if (!TAILQ_EMPTY(&commit_q) && commit_ev != NULL &&
	    !event_pending(commit_ev, EV_TIMEOUT, NULL))
		event_active(commit_ev, EV_TIMEOUT, 0);
}

static void
commit_flush_cb(void *arg)
{
	commit_flush();
}

static void
commit_run(evutil_socket_t fd, short ev, void *arg)
{
	store_run(commit_store, commit_flush_cb, NULL);
}

void
commit_watch(void (*fn)(void *), void *arg)
{
	if (commit_nwatchers >= COMMIT_WATCH_MAX)
		return;
	commit_watchers[commit_nwatchers].fn = fn;
	commit_watchers[commit_nwatchers++].arg = arg;
}

void
commit_free(void)
{
	commit_flush();
	if (commit_ev != NULL)
		event_free(commit_ev);
	commit_ev = NULL;
}

const struct commit_stats *
commit_stats(void)
{
	return (&commit_st);
}
