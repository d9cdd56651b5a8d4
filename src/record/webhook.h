/*
 * Webhook endpoints (issue 16): per tenant, any number of named endpoints
 * that receive the tenant's events (event.h), and each one's delivery
 * state.  The endpoint record is written by scimctl and the admin API;
 * the state only by the delivering scimd (delivery.c), through the group
 * commit, so neither overwrites the other.
 *
 *   webhooks  T name -> {"name","url","secret","events":[PATTERN,...],
 *                        "created":MS,"epoch":N,"replayFrom":SEQ}
 *   whstate   T name -> {"epoch":N,"cursor":SEQ,"lastSuccess":MS,
 *                        "lastError":TEXT,"lastErrorAt":MS,
 *                        "failingSince":MS,"owner":ID,"leaseUntil":MS}
 *
 * PATTERN: "*", "user.*", "group.*" or one event type.  cursor is the
 * lowest seq not yet acknowledged; before the first delivery it is the
 * endpoint's replayFrom (at creation: the tenant's next seq, so an
 * endpoint gets the changes from its creation on).  A replay raises epoch and sets
 * replayFrom; the deliverer that sees an epoch above its state's restarts
 * at replayFrom and clears failingSince.  The secret is kept as given
 * ("whsec_..."): signing needs it; it is shown once, at creation.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stdint.h>

struct json_object;
struct scim_errbuf;
struct store_txn;

#define WEBHOOK_NAME_MAX	64
#define WEBHOOK_URL_MAX		2048

/*
 * SCIM_OK when url is an https URL, or an http one to a loopback host
 * (or any host with allow_http); else SCIM_EINVAL with a reason in eb.
 */
int	webhook_url_check(const char *url, int allow_http,
	    struct scim_errbuf *eb);
/*
 * The patterns of a comma-separated list (NULL or "": every event) as a
 * new array in *out; SCIM_EINVAL with a reason for an unknown one.
 */
int	webhook_events_parse(const char *csv, struct json_object **out,
	    struct scim_errbuf *eb);
/* 1 when event type matches one of patterns (an array), else 0. */
int	webhook_events_match(struct json_object *patterns, const char *type);

/*
 * Create endpoint name of tenant (write txn); SCIM_EUNIQUE when it
 * exists, SCIM_EINVAL for a bad name.  events is borrowed.
 */
int	webhook_create(struct store_txn *, uint32_t tenant, const char *name,
	    const char *url, struct json_object *events, const char *secret);
/* The endpoint record (a new reference) or SCIM_ENOTFOUND. */
int	webhook_get(struct store_txn *, uint32_t tenant, const char *name,
	    struct json_object **out);
/* Delete the endpoint and its state; SCIM_ENOTFOUND when absent. */
int	webhook_delete(struct store_txn *, uint32_t tenant, const char *name);
/* Ask the deliverer to restart at seq from (clears failing). */
int	webhook_replay(struct store_txn *, uint32_t tenant, const char *name,
	    uint64_t from);

/*
 * Call fn for each endpoint of tenant (every tenant with TENANT_ALL) in
 * (tenant, name) order; ep is borrowed for the call.  fn returns 0 to go
 * on.
 */
typedef int	(*webhook_fn)(uint32_t tenant, const char *name,
		    struct json_object *ep, void *arg);
int	webhook_each(struct store_txn *, uint32_t tenant, webhook_fn fn,
	    void *arg);

/*
 * What list shows of endpoint ep (name of tenant): a new object without
 * the secret: {"name","tenant","url","events","created","state":
 * "active|failing","cursor","waiting","lagMs","lastSuccess","lastError",
 * "lastErrorAt","failingSince","owner"}; waiting counts the tenant's events
 * from the cursor on (filtered out ones included), lagMs is the age of the
 * oldest of them (0 when none waits).
 */
int	webhook_describe(struct store_txn *, uint32_t tenant, const char *name,
	    struct json_object *ep, struct json_object **out);

/* The delivery state (a new reference) or SCIM_ENOTFOUND. */
int	webhook_state_get(struct store_txn *, uint32_t tenant,
	    const char *name, struct json_object **out);
int	webhook_state_put(struct store_txn *, uint32_t tenant,
	    const char *name, struct json_object *state);

#endif /* WEBHOOK_H */
