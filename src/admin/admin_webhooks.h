/*
 * Webhook endpoints under /admin/v1 (webhook.h, delivery.h), for the
 * admin token's tenant (or tenant=NAME with an all-tenant token):
 *
 *   GET    /webhooks                    {"webhooks":[...]} as scimctl
 *                                       webhook list --json shows them
 *   POST   /webhooks {"name","url","events":"user.*,..."|[...]?}
 *                                       201, the record with its "secret"
 *                                       (shown this once)
 *   DELETE /webhooks/{name}             204
 *   POST   /webhooks/{name}/replay {"since": SEQ | TIME}
 *                                       {"replayFrom": SEQ}
 *   POST   /webhooks/{name}/retry       retry waiting events now, resume
 *                                       a failing endpoint: 204
 *   POST   /webhooks/{name}/test        POST a signed webhook.test event
 *                                       now: {"status","latencyMs","error"?}
 *   GET    /webhooks/{name}/attempts    {"attempts":[...]}: the recent
 *                                       attempts of this instance, newest
 *                                       first (empty when another instance
 *                                       delivers)
 */
#ifndef ADMIN_WEBHOOKS_H
#define ADMIN_WEBHOOKS_H

struct request;

/* rest: the path after "/admin/v1/webhooks". */
void	admin_webhooks_route(struct request *rq, const char *rest);

#endif /* ADMIN_WEBHOOKS_H */
