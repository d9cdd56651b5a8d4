/*
 * The pull feed of the change outbox (event.h), under /admin/v1:
 *
 *   GET /events[?after=SEQ][&limit=N][&wait=SECONDS][&tenant=NAME]
 *       {"events":[EVENT,...],"next":SEQ}
 *
 * Events of one tenant (the admin token's; an all-tenant token names one
 * with tenant=) with seq > after (default 0), oldest first, at most limit
 * (default 100, at most 1000).  "next" is the seq to pass as after next
 * time: the last one returned, or after itself when none was.  With wait=N
 * (at most 60) an empty answer is held until a commit writes an event of
 * the tenant or N seconds pass.
 */
#ifndef ADMIN_EVENTS_H
#define ADMIN_EVENTS_H

struct request;

/* rest: the path after "/admin/v1/events" ("" or "/"). */
void	admin_events_route(struct request *rq, const char *rest);

/* Wake held feed requests (after a commit, here or in another instance). */
void	admin_events_wake(void *arg);

/* Answer every held request now (shutdown). */
void	admin_events_shutdown(void);

#endif /* ADMIN_EVENTS_H */
