/*
 * Inside the write path (private to write/): one change on its way through
 * the group commit, the table entry of each kind of change, and the steps
 * that several kinds share.
 *
 *   write.c          the lifecycle: submit, apply, audit record, done
 *   write_create.c   POST      write_replace.c  PUT
 *   write_patch.c    PATCH     write_delete.c   DELETE
 *   write_members.c  Group membership changes (all but delete's cascade,
 *                    which record_delete does)
 *   write_op.c       the shared steps below
 *
 * Each file calls only those listed after it, never back up.
 */
#ifndef WRITE_OP_H
#define WRITE_OP_H

#include <stdint.h>

#include "audit.h"
#include "commit.h"
#include "error.h"
#include "write.h"

struct filter;
struct json_object;
struct patch;
struct resource_type;
struct store_txn;
struct write_op;

/*
 * One kind of change: what a failure was meant to do (for its audit
 * record), the HTTP status of a success, the checks of the body that need
 * no store (NULL: none; run as the change is submitted, but for bulk's,
 * whose body resolves as it applies) and the change itself, inside the
 * batch's nested transaction.  Both return SCIM_OK or an error with a
 * detail in wo_eb.
 */
struct write_opdef {
	enum write_kind		 od_kind;
	enum audit_action	 od_action;
	int			 od_status;
	int			(*od_prepare)(struct write_op *);
	int			(*od_apply)(struct store_txn *,
				    struct write_op *);
};

/*
 * wo_op comes first: the commit queue's view of the change.  wo_doc is the
 * validated body of a create or replace, wo_members its Group members;
 * wo_old and wo_new the record before and after; wo_added and wo_removed
 * the member ids that changed.
 */
struct write_op {
	struct commit_op		 wo_op;
	const struct write_opdef	*wo_def;
	struct write_ctx		 wo_ctx;
	const struct resource_type	*wo_rt;
	char				*wo_id;		/* not on create */
	struct json_object		*wo_body;	/* as sent */
	char				*wo_if_match;
	const char			*wo_method;
	const char			*wo_path;
	write_resolve_fn		 wo_resolve;
	write_applied_fn		 wo_applied;
	write_done_fn			 wo_done;
	void				*wo_arg;
	struct json_object		*wo_doc;
	struct json_object		*wo_members;
	struct patch			*wo_patch;
	struct json_object		*wo_old;
	struct json_object		*wo_new;
	struct json_object		*wo_added;
	struct json_object		*wo_removed;
	struct json_object		*wo_groups;	/* delete: group rids */
	struct json_object		*wo_had;	/* group delete: ids */
	uint64_t			 wo_rid;
	char				*wo_text;	/* create: the stored form */
	size_t				 wo_textlen;
	int				 wo_noop;	/* nothing changed */
	int				 wo_prepared;	/* od_prepare ran at */
	int				 wo_prepare_rc;	/* submit: its outcome */
	struct scim_errbuf		 wo_eb;
};

/* write_create.c, write_replace.c, write_patch.c, write_delete.c */
int	write_create_prepare(struct write_op *);
int	write_create_apply(struct store_txn *, struct write_op *);
int	write_replace_apply(struct store_txn *, struct write_op *);
int	write_patch_prepare(struct write_op *);
int	write_patch_apply(struct store_txn *, struct write_op *);
int	write_delete_apply(struct store_txn *, struct write_op *);

/*
 * write_op.c.  write_op_validate: the body of a create or replace, valid
 * and canonical, into wo_doc, its Group members apart in wo_members.
 * write_op_target: the existing resource wo_id into wo_rid and wo_old,
 * If-Match checked.  write_op_store: store canon (with the target's id)
 * as its next version into wo_new, or set wo_noop when neither it nor the
 * members changed.
 */
int	write_op_validate(struct write_op *);
int	write_op_target(struct store_txn *, struct write_op *);
int	write_op_store(struct store_txn *, struct write_op *,
	    struct json_object *canon);

/*
 * write_members.c: changes to the members of group grid, each id that
 * really changed recorded in wo_added / wo_removed for the audit record.
 * write_members_change adds (or removes) member objects [{"value": id}];
 * an unknown id is an error when adding and nothing to do when removing.
 * write_members_remove_if removes those matching f; write_members_clear
 * removes them all.
 */
int	write_members_change(struct write_op *, struct store_txn *,
	    uint64_t grid, struct json_object *vals, int add);
int	write_members_remove_if(struct write_op *, struct store_txn *,
	    uint64_t grid, const struct filter *f);
int	write_members_clear(struct write_op *, struct store_txn *,
	    uint64_t grid);

#endif /* WRITE_OP_H */
