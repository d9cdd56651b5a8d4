/*
 * Inside delivery.c: an endpoint as the deliverer holds it and the queue
 * of its events.  The first half of delivery.c keeps the endpoints in step
 * with the store (records, state, leases); the second fills the queues,
 * sends and handles the outcomes.
 */
#ifndef DELIVERY_INT_H
#define DELIVERY_INT_H

#include <sys/queue.h>

#include <stdint.h>

#include "delivery.h"
#include "webhook.h"
#include "whpost.h"

struct event;
struct scimd;

enum dl_state {
	DE_WAIT,		/* to send (now or at de_next) */
	DE_FLIGHT,		/* being sent */
	DE_DONE			/* acknowledged, or filtered out */
};

struct dl_event {
	TAILQ_ENTRY(dl_event)	 de_entry;
	struct dl_ep		*de_ep;
	uint64_t		 de_seq;
	char			 de_id[64];	/* webhook-id */
	char			*de_res;	/* resourceId */
	char			*de_body;
	size_t			 de_len;
	enum dl_state		 de_state;
	int			 de_tries;
	int			 de_acked;	/* a 2xx came */
	int64_t			 de_first_fail;	/* wall ms, 0: none yet */
	int64_t			 de_next;	/* mono ms: retry not before */
	int64_t			 de_t0;		/* mono ms: sent */
	struct whpost		 de_wp;
};

struct dl_attempt {
	uint64_t		 at_seq;
	char			 at_id[64];
	int64_t			 at_time;	/* wall ms */
	long			 at_status;	/* 0: no answer */
	int64_t			 at_ms;
	char			 at_err[128];
};

TAILQ_HEAD(dl_queue, dl_event);

struct dl_ep {
	TAILQ_ENTRY(dl_ep)	 ep_entry;
	uint32_t		 ep_tenant;
	char			 ep_name[WEBHOOK_NAME_MAX + 1];
	char			*ep_url;
	char			*ep_secret;
	struct json_object	*ep_events;	/* patterns */
	int64_t			 ep_epoch;
	uint64_t		 ep_cursor;	/* lowest seq not acknowledged */
	uint64_t		 ep_loaded;	/* last seq queued */
	uint64_t		*ep_acked;	/* acknowledged, not queued */
	size_t			 ep_nacked;
	unsigned		 ep_gen;	/* queue generation */
	struct dl_queue		 ep_q;
	int			 ep_nq;
	int			 ep_inflight;
	int64_t			 ep_failing;	/* failingSince, 0: not */
	int64_t			 ep_last_ok;
	int64_t			 ep_last_err_at;
	char			 ep_last_err[128];
	int			 ep_owned;	/* this instance delivers */
	int64_t			 ep_lease_mono;	/* send only before */
	int			 ep_dirty;	/* state to save */
	int			 ep_saving;	/* a save is queued */
	int			 ep_busy;	/* store calls under way */
	int			 ep_dead;	/* revoked: free when idle */
	int			 ep_seen;
	int			 ep_filling;
	int			 ep_again;	/* woken while filling */
	struct event		*ep_save_ev;
	struct event		*ep_retry_ev;
	struct dl_attempt	 ep_att[DELIVERY_ATTEMPTS];
	int			 ep_natt;	/* attempts recorded, ever */
	struct json_object	*ep_saved_att;	/* as the stored state has them */
};

/* endpoints (delivery.c, first half) */
extern struct scimd		*dl_sd;
extern struct delivery_stats	 dl_stats;
extern int			 dl_draining;	/* stopping: nothing new */
void	dl_save_soon(struct dl_ep *);
void	dl_ep_release(struct dl_ep *);	/* busy--, free when dead */

/* queues (delivery.c, second half) */
void	dl_queue_reset(struct dl_ep *);
/*
 * The seqs above the cursor that were acknowledged (out of order: an
 * earlier event still waits), sorted, a new array of *n; NULL when none.
 * The state keeps them so that no restart sends them again.
 */
uint64_t *dl_acked(struct dl_ep *, size_t *n);
void	dl_fill(struct dl_ep *);	/* read more events, then send */
void	dl_dispatch(struct dl_ep *);	/* send what may go now */
int	dl_queue_max(void);

#endif /* DELIVERY_INT_H */
