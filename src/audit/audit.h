/*
 * The provisioning log (architecture.md section 5, entra.md section 10):
 * one record per SCIM request that creates, changes or deletes anything, or
 * tried to.  A success is written inside the change's own transaction, so a
 * record exists if and only if its change does; a failure is written into the
 * same group-commit batch right after its change was undone.
 *
 *   audit   T seq(u64 BE) -> record JSON
 *
 * seq comes from the "audit" counter shared by all tenants, so it orders
 * records across tenants too; it is drawn as the record is put
 * (store_put_next: a database numbers it in the insert), so it is stored in
 * the key only and audit_query.c writes it first into the record it reads
 * (records of older versions hold it already).  A record (compact JSON,
 * members in this order; "time" must stay among the first members,
 * audit_query.c reads it without parsing):
 *
 *   {"seq":N,"changeId":UUID,"time":"2026-01-02T03:04:05.678Z",
 *    "tenant":T,"tenantName":NAME,"initiator":TOKEN-NAME,
 *    "action":"Create|Update|Disable|Enable|Delete|Other",
 *    "resourceType":"User|Group","target":{"id":ID|null,"name":N|null},
 *    "source":{"externalId":X|null},"status":"Success|Failure|Skipped",
 *    "httpStatus":N,"scimType":S?,"reason":S?,
 *    "modifiedProperties":[{"name":ATTR,"oldValue":V|null,"newValue":V|null}],
 *    "durationMs":N,"method":M,"path":P}
 *
 * Values in modifiedProperties are strings (non-strings as compact JSON);
 * a member added is {"name":"members","oldValue":null,"newValue":ID}, one
 * removed the reverse.  password never appears.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct resource_type;
struct store_txn;

enum audit_action {
	AUDIT_CREATE,
	AUDIT_UPDATE,
	AUDIT_DISABLE,
	AUDIT_ENABLE,
	AUDIT_DELETE,
	AUDIT_OTHER
};

enum audit_status {
	AUDIT_SUCCESS,
	AUDIT_FAILURE,
	AUDIT_SKIPPED
};

struct audit_event {
	const char			*ae_change_id;	/* also X-Request-Id */
	uint32_t			 ae_tenant;
	const char			*ae_initiator;	/* token name */
	enum audit_action		 ae_action;
	enum audit_status		 ae_status;
	const struct resource_type	*ae_rt;
	const char			*ae_method;
	const char			*ae_path;
	const char			*ae_target_id;	/* when no document says it */
	struct json_object		*ae_old;	/* borrowed, NULL on create */
	struct json_object		*ae_new;	/* borrowed, NULL on delete */
	struct json_object		*ae_members_added;	/* ids, borrowed */
	struct json_object		*ae_members_removed;	/* ids, borrowed */
	int				 ae_http_status;
	const char			*ae_scim_type;
	const char			*ae_reason;	/* failures */
	int64_t				 ae_start;	/* monotonic ms */
	/*
	 * modifiedProperties when the caller made them already (audit_props,
	 * borrowed), so a change's record and its event share one diff; NULL:
	 * audit_write makes them.
	 */
	struct json_object		*ae_props;
};

/*
 * The action a successful write stands for: Create and Delete as given by
 * old/new being NULL; a change of "active" to false is Disable, to true
 * Enable; no change at all (and no member change) is Other; else Update.
 */
enum audit_action audit_action_of(struct json_object *old,
	    struct json_object *new, int members_changed);

/*
 * ev's modifiedProperties as the record holds them (a new array): the
 * attribute differences of a success, then one entry a member added and
 * one a member removed.
 */
struct json_object *audit_props(const struct audit_event *ev);

/* Append the record for ev to the audit log inside t. */
int	audit_write(struct store_txn *t, const struct audit_event *ev);

/*
 * How many records this process has appended since it started, a batch
 * that later failed to commit included.  A follower compares it with the
 * value it saw last (after each commit, commit_watch) to skip commits that
 * wrote no record; a record of a failed batch only costs it a query.
 */
uint64_t audit_appended(void);

/*
 * Start the retention pruner on sd's loop: every few seconds it queues one small
 * commit_op deleting at most AUDIT_PRUNE_BATCH records older than
 * audit_retention_days or beyond audit_max_records (sd_conf), so that
 * pruning never holds the writer for long.  Idempotent.
 */
struct scimd;
void	audit_pruner_start(struct scimd *);
void	audit_pruner_stop(void);
#define AUDIT_PRUNE_BATCH	500

const char *audit_action_name(enum audit_action);
const char *audit_status_name(enum audit_status);

#endif /* AUDIT_H */
