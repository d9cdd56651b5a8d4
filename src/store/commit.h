/*
 * Group commit (architecture.md section 1): mutating requests queue a
 * commit_op; once per event-loop iteration, or as soon as commit_batch_max
 * ops wait, one write transaction applies them all, each in its own nested
 * transaction so that one failure (409, 404, 412) undoes only itself (on
 * a database, after a first try without them: see co_reset).  One
 * commit, one fsync, then every op's done callback runs in submission order,
 * so no reply ever precedes the commit that makes it true.  On LMDB the
 * batch's transaction, commit and fsyncs included, runs on a writer thread
 * while the loop serves reads and queues the next batch; the callbacks run
 * in the loop when it is done (commit.c).
 *
 * So co_apply and co_failed may run on that thread.  They use only what
 * their op owns, the transaction, and what stays still while a batch is
 * out (the schemas, the configuration: see commit_quiesce); the loop does
 * not touch what it handed to an op (its JSON, whose reference counts are
 * not atomic) until co_done.
 */
#ifndef COMMIT_H
#define COMMIT_H

#include <sys/queue.h>
#include <stdint.h>

struct event_base;
struct store;
struct store_txn;

struct commit_op {
	/* Apply the change inside txn (a nested transaction). */
	int			(*co_apply)(struct store_txn *txn,
				    struct commit_op *op);
	/*
	 * Optional: after co_apply failed and its nested txn was undone, write
	 * what must survive the failure (the audit record) into the batch txn.
	 */
	void			(*co_failed)(struct store_txn *txn,
				    struct commit_op *op, int rc);
	/* After the batch commit: rc is co_apply's, or the commit's failure. */
	void			(*co_done)(struct commit_op *op, int rc);
	/*
	 * Optional: put op back as it was submitted, so that co_apply may run
	 * again in a new transaction after the one it ran in rolled back.
	 * On a database, a batch whose ops all have it first runs without a
	 * nested transaction per op (commit.c).
	 */
	void			(*co_reset)(struct commit_op *op);
	/*
	 * The tenant whose data co_apply writes, or 0 (unknown, several, or
	 * global data): its writers' lock (for 0 the global data's) is taken
	 * before the batch applies anything, and on a database an op of a
	 * tenant no batch in flight writes need not wait for that batch (one
	 * waiting for a tenant's lock holds up no other tenant).  A write of
	 * a tenant never touches global data (tenants, tokens).
	 */
	uint32_t		  co_tenant;
	int			  co_rc;
	TAILQ_ENTRY(commit_op)	  co_entry;
};

/* Set up the commit event on base for store s (batch_max >= 1). */
int	commit_init(struct event_base *base, struct store *s, int batch_max);
/* Queue op; its co_done runs later, from the loop. */
void	commit_submit(struct commit_op *op);
/* Apply everything queued now and wait until it is durable (shutdown). */
void	commit_flush(void);
/*
 * Wait until no batch is being applied (its replies sent), so that the
 * loop may change what co_apply reads, in place (a SIGHUP's reload).
 */
void	commit_quiesce(void);
/* Flush, then free the commit event and the watchers. */
void	commit_free(void);

/*
 * Call fn(arg) after every batch that committed, once its ops' co_done
 * callbacks ran; never after a batch that failed (its changes are gone).
 * This is how the layers above learn that the store changed without the
 * group commit calling up into them (the audit followers of the admin API;
 * anything else that must react to changes).  Watchers run in the order
 * they were added; add them at start-up.
 */
void	commit_watch(void (*fn)(void *), void *arg);
/*
 * Batches being applied or committed now (a database's overlap): their
 * writes are made but not yet committed, so a watcher that keeps what it
 * saw must look again when they land.
 */
int	commit_flights(void);

/* Statistics for /metrics: batches, ops, and total commit time in µs. */
struct commit_stats {
	unsigned long long	cs_batches;
	unsigned long long	cs_ops;
	unsigned long long	cs_commit_us;
	unsigned long long	cs_failed;
	unsigned long long	cs_retried;	/* run again, op by op */
	unsigned long long	cs_hist[8];	/* batch sizes 1,2-3,4-7,...,128+ */
};
const struct commit_stats *commit_stats(void);

#endif /* COMMIT_H */
