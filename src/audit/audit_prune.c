/*
 * The retention pruner: a timer queues one small commit_op at a time, so
 * that deleting a backlog of old records shares the writer with requests
 * instead of holding it.
 */
#include "scimd.h"

#include <stdlib.h>

#include <event2/event.h>

#include "audit.h"
#include "audit_query.h"
#include "commit.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define PRUNE_IDLE_MS	5000	/* between runs when nothing is left */
#define PRUNE_BUSY_MS	100	/* between runs while a backlog remains */

struct prune_op {
	struct commit_op	 po_op;		/* first: the commit queue's view */
	size_t			 po_deleted;
	int			 po_more;
};

static struct event	*prune_ev;
static const struct scimd_config *prune_conf;	/* changes on SIGHUP */
static int		 prune_queued;

static void
prune_arm(int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(prune_ev, &tv);
}

static int
prune_apply(struct store_txn *t, struct commit_op *op)
{
	struct prune_op	*po = (struct prune_op *)op;
	int64_t		 cutoff = 0;

	if (prune_conf->cf_audit_days > 0)
		cutoff = util_now_ms() -
		    (int64_t)prune_conf->cf_audit_days * 86400000LL;
	return (audit_prune(t, cutoff, prune_conf->cf_audit_max,
	    AUDIT_PRUNE_BATCH, &po->po_deleted, &po->po_more));
}

static void
prune_done(struct commit_op *op, int rc)
{
	struct prune_op	*po = (struct prune_op *)op;

	prune_queued = 0;
	if (rc != SCIM_OK)
		log_warnx("%s: %s", __func__, scim_err_text(rc));
	else if (po->po_deleted > 0)
		log_debug("audit: pruned %zu record(s)", po->po_deleted);
	if (prune_ev != NULL)
		prune_arm(rc == SCIM_OK && po->po_more ? PRUNE_BUSY_MS :
		    PRUNE_IDLE_MS);
	free(po);
}

static void
prune_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct prune_op	*po;

	if ((prune_conf->cf_audit_days == 0 &&
	    prune_conf->cf_audit_max == 0) || prune_queued) {
		prune_arm(PRUNE_IDLE_MS);
		return;
	}
	po = xcalloc(1, sizeof(*po));
	po->po_op.co_apply = prune_apply;
	po->po_op.co_done = prune_done;
	prune_queued = 1;
	commit_submit(&po->po_op);
}

void
audit_pruner_start(struct scimd *sd)
{
	prune_conf = sd->sd_conf;
	if (prune_ev != NULL)
		return;
	if ((prune_ev = evtimer_new(sd->sd_base, prune_tick, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	prune_arm(1000);	/* soon after start-up, once listening */
}

void
audit_pruner_stop(void)
{
	if (prune_ev != NULL)
		event_free(prune_ev);
	prune_ev = NULL;
}
