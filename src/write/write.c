/*
 * The write path: one commit_op per change, applied inside the group
 * commit's transaction.  Reference checks, uniqueness (the index insert
 * itself), If-Match and the audit record all happen there, so what is
 * checked is what is committed; the checks of the body alone (validation,
 * a PATCH's parse) run as the change is submitted.  What each kind of
 * change does is in its own file (write_op.h), chosen from the table below.
 */
#include "scimd.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "commit.h"
#include "error.h"
#include "index.h"
#include "jsonutil.h"
#include "log.h"
#include "patch.h"
#include "store.h"
#include "util.h"
#include "write.h"
#include "write_event.h"
#include "write_op.h"

/* Indexed by enum write_kind. */
static const struct write_opdef write_ops[] = {
	{ WRITE_CREATE, AUDIT_CREATE, 201, write_create_prepare,
	    write_create_apply },
	{ WRITE_REPLACE, AUDIT_UPDATE, 200, write_op_validate,
	    write_replace_apply },
	{ WRITE_PATCH, AUDIT_UPDATE, 200, write_patch_prepare,
	    write_patch_apply },
	{ WRITE_DELETE, AUDIT_DELETE, 204, NULL, write_delete_apply }
};

/*
 * The audit record of wo: what it did when rc is SCIM_OK, else its failure
 * rc and what it was meant to do.  The record borrows from wo.
 */
static void
write_audit_event(struct write_op *wo, int rc, struct audit_event *ev)
{
	const struct write_opdef	*od = wo->wo_def;

	memset(ev, 0, sizeof(*ev));
	ev->ae_change_id = wo->wo_ctx.wc_change_id;
	ev->ae_tenant = wo->wo_ctx.wc_tenant;
	ev->ae_initiator = wo->wo_ctx.wc_initiator;
	ev->ae_rt = wo->wo_rt;
	ev->ae_method = wo->wo_method;
	ev->ae_path = wo->wo_path;
	ev->ae_old = wo->wo_old;
	ev->ae_start = wo->wo_ctx.wc_start;
	if (rc == SCIM_OK) {
		ev->ae_new = od->od_kind == WRITE_DELETE ? NULL : wo->wo_new;
		ev->ae_members_added = wo->wo_added;
		ev->ae_members_removed = wo->wo_removed;
		ev->ae_action = wo->wo_noop ? AUDIT_OTHER :
		    audit_action_of(ev->ae_old, ev->ae_new,
		    json_object_array_length(wo->wo_added) > 0 ||
		    json_object_array_length(wo->wo_removed) > 0);
		ev->ae_status = wo->wo_noop ? AUDIT_SKIPPED : AUDIT_SUCCESS;
		ev->ae_http_status = od->od_status;
		return;
	}
	ev->ae_target_id = wo->wo_id;
	if (od->od_kind == WRITE_CREATE)	/* name the target if we can */
		ev->ae_new = wo->wo_doc != NULL ? wo->wo_doc :
		    json_object_is_type(wo->wo_body, json_type_object) ?
		    wo->wo_body : NULL;
	ev->ae_action = od->od_action;
	ev->ae_status = AUDIT_FAILURE;
	ev->ae_http_status = scim_err_status(rc);
	ev->ae_scim_type = scim_err_type(rc);
	ev->ae_reason = wo->wo_eb.eb_msg[0] ? wo->wo_eb.eb_msg :
	    scim_err_text(rc);
}

static int
write_apply(struct store_txn *t, struct commit_op *op)
{
	struct write_op			*wo = (struct write_op *)op;
	const struct write_opdef	*od = wo->wo_def;
	struct audit_event		 ev;
	int				 rc;

	wo->wo_added = json_object_new_array();
	wo->wo_removed = json_object_new_array();
	/* a nearly full map keeps its last pages for deletes */
	if (od->od_kind != WRITE_DELETE && store_low_space(t))
		return (scim_err_set(&wo->wo_eb, SCIM_ESTORAGE,
		    "the store is full; only deletes are accepted"));
	if (wo->wo_resolve != NULL && (rc = wo->wo_resolve(wo->wo_arg,
	    &wo->wo_body, &wo->wo_id, &wo->wo_eb)) != SCIM_OK)
		return (rc);
	if (wo->wo_prepared)
		rc = wo->wo_prepare_rc;
	else
		rc = od->od_prepare != NULL ? od->od_prepare(wo) : SCIM_OK;
	if (rc != SCIM_OK)
		return (rc);
	if ((rc = od->od_apply(t, wo)) != SCIM_OK)
		return (rc);
	/* the record of a success is part of its change */
	write_audit_event(wo, SCIM_OK, &ev);
	ev.ae_props = audit_props(&ev);	/* one diff for record and event */
	if ((rc = audit_write(t, &ev)) == SCIM_OK)
		rc = write_event(t, &wo->wo_ctx, &ev, wo->wo_rid,
		    wo->wo_groups, wo->wo_had);
	json_object_put(ev.ae_props);
	if (rc == SCIM_OK && wo->wo_applied != NULL)
		wo->wo_applied(wo->wo_arg, SCIM_OK,
		    jsonutil_get_str(ev.ae_new ? ev.ae_new : ev.ae_old, "id"));
	return (rc);
}

/* The failure record, in the batch transaction after the change was undone. */
static void
write_failed(struct store_txn *t, struct commit_op *op, int rc)
{
	struct write_op		*wo = (struct write_op *)op;
	struct audit_event	 ev;

	if (rc == SCIM_EUNIQUE && wo->wo_eb.eb_msg[0] == '\0' &&
	    wo->wo_rt != NULL)
		index_clash(wo->wo_rt, &wo->wo_eb);	/* found at commit */
	if (wo->wo_applied != NULL)
		wo->wo_applied(wo->wo_arg, rc, NULL);
	if (rc == SCIM_ESKIPPED)
		return;		/* never attempted: nothing to record */
	if (rc == SCIM_ESTORAGE) {
		/* a record would eat the pages kept for deletes */
		log_warnx("%s: %s refused: store full", __func__,
		    wo->wo_ctx.wc_change_id);
		return;
	}
	write_audit_event(wo, rc, &ev);
	if (audit_write(t, &ev) != SCIM_OK)
		log_warnx("%s: could not record failure of %s", __func__,
		    wo->wo_ctx.wc_change_id);
}

/* What apply made is let go: wo is as it was submitted. */
static void
apply_undo(struct write_op *wo)
{
	struct json_object	**made[] = { &wo->wo_doc, &wo->wo_members,
				    &wo->wo_old, &wo->wo_new, &wo->wo_added,
				    &wo->wo_removed, &wo->wo_groups,
				    &wo->wo_had };
	size_t			 i;

	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		json_object_put(*made[i]);
		*made[i] = NULL;
	}
	patch_free(wo->wo_patch);
	wo->wo_patch = NULL;
	free(wo->wo_text);
	wo->wo_text = NULL;
	wo->wo_textlen = 0;
	wo->wo_rid = 0;
	wo->wo_noop = 0;
	wo->wo_eb.eb_msg[0] = '\0';
}

static void
write_op_free(struct write_op *wo)
{
	apply_undo(wo);
	json_object_put(wo->wo_body);
	free(wo->wo_id);
	free(wo->wo_if_match);
	free(wo);
}

/*
 * The checks that need no store (od_prepare), made before the batch: the
 * loop runs them while the writer's last commit flushes, not the writer
 * in its transaction.  Not for what resolves as it applies (bulk): its
 * body changes then.
 */
static void
write_prepare(struct write_op *wo)
{
	if (wo->wo_resolve != NULL || wo->wo_def->od_prepare == NULL)
		return;
	wo->wo_prepared = 1;
	wo->wo_prepare_rc = wo->wo_def->od_prepare(wo);
}

/* As submitted (commit.h's co_reset), to be applied again. */
static void
write_reset(struct commit_op *op)
{
	struct write_op	*wo = (struct write_op *)op;

	apply_undo(wo);
	if (wo->wo_prepared)
		write_prepare(wo);
}

static void
write_done(struct commit_op *op, int rc)
{
	struct write_op		*wo = (struct write_op *)op;
	struct write_result	 wr;

	memset(&wr, 0, sizeof(wr));
	wr.wr_err = rc;
	wr.wr_detail = wo->wo_eb.eb_msg;
	wr.wr_rt = wo->wo_rt;
	wr.wr_rid = wo->wo_rid;
	wr.wr_noop = wo->wo_noop;
	if (rc == SCIM_OK) {
		wr.wr_doc = wo->wo_def->od_kind == WRITE_DELETE ? NULL :
		    wo->wo_new;
		wr.wr_text = wo->wo_text;
		wr.wr_textlen = wo->wo_textlen;
		wr.wr_status = wo->wo_def->od_status;
	}
	wo->wo_done(wo->wo_arg, &wr);
	write_op_free(wo);
}

void
write_submit(const struct write_ctx *wc, const struct write_spec *ws)
{
	struct write_op	*wo = xcalloc(1, sizeof(*wo));

	if ((size_t)ws->ws_kind >= sizeof(write_ops) / sizeof(write_ops[0]) ||
	    write_ops[ws->ws_kind].od_kind != ws->ws_kind)
		fatalx("%s: bad write kind %d", __func__, ws->ws_kind);
	wo->wo_def = &write_ops[ws->ws_kind];
	wo->wo_ctx = *wc;
	wo->wo_rt = ws->ws_rt;
	wo->wo_id = ws->ws_id != NULL ? xstrdup(ws->ws_id) : NULL;
	wo->wo_body = json_object_get(ws->ws_body);
	wo->wo_if_match = ws->ws_if_match != NULL ?
	    xstrdup(ws->ws_if_match) : NULL;
	wo->wo_method = ws->ws_method;
	wo->wo_path = ws->ws_path;
	wo->wo_resolve = ws->ws_resolve;
	wo->wo_applied = ws->ws_applied;
	wo->wo_done = ws->ws_done;
	wo->wo_arg = ws->ws_arg;
	wo->wo_eb.eb_msg[0] = '\0';
	wo->wo_op.co_apply = write_apply;
	wo->wo_op.co_failed = write_failed;
	wo->wo_op.co_done = write_done;
	/* what resolves or reports as it applies (bulk) runs once */
	if (wo->wo_resolve == NULL && wo->wo_applied == NULL)
		wo->wo_op.co_reset = write_reset;
	wo->wo_op.co_tenant = wc->wc_tenant;
	write_prepare(wo);
	commit_submit(&wo->wo_op);
}
