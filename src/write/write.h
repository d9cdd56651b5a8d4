/*
 * The write path shared by the SCIM handlers and Bulk: a write_spec
 * describes one create, replace, patch or delete; write_submit queues it on
 * the group commit.  Everything that depends on the store (validation of
 * references, uniqueness, existence, If-Match) runs inside the batch
 * transaction, and the outcome reaches ws_done after the commit.
 */
#ifndef WRITE_H
#define WRITE_H

#include <stdint.h>

struct json_object;
struct request;
struct resource_type;
struct scim_errbuf;

enum write_kind {
	WRITE_CREATE,
	WRITE_REPLACE,
	WRITE_PATCH,
	WRITE_DELETE
};

struct write_result {
	int				 wr_err;	/* SCIM_OK or a SCIM_E* */
	const char			*wr_detail;	/* error detail or "" */
	int				 wr_status;	/* HTTP status on success */
	const struct resource_type	*wr_rt;
	uint64_t			 wr_rid;
	struct json_object		*wr_doc;	/* stored doc, borrowed; NULL on delete/error */
	int				 wr_noop;	/* nothing changed */
};

/*
 * Called at apply time, before validation, to rewrite *body and *id (e.g.
 * Bulk's "bulkId:x" references); may replace either (take ownership of the
 * old one).  Returns SCIM_OK or an error with a detail in eb;
 * SCIM_ESKIPPED means "not attempted": no audit record is written.
 */
typedef int	(*write_resolve_fn)(void *arg, struct json_object **body,
		    char **id, struct scim_errbuf *eb);
typedef void	(*write_done_fn)(struct request *rq, void *arg,
		    const struct write_result *);
/*
 * Called inside the batch right after the change was applied (rc SCIM_OK,
 * id the resource's id) or failed (id NULL): lets Bulk resolve later
 * operations' bulkId references and count errors for failOnErrors.
 */
typedef void	(*write_applied_fn)(void *arg, int rc, const char *id);

struct write_spec {
	enum write_kind			 ws_kind;
	const struct resource_type	*ws_rt;
	const char			*ws_id;		/* copied; NULL on create */
	struct json_object		*ws_body;	/* a reference is taken */
	const char			*ws_if_match;	/* copied; may be NULL */
	const char			*ws_method;	/* for the audit record */
	const char			*ws_path;
	write_resolve_fn		 ws_resolve;	/* may be NULL */
	write_applied_fn		 ws_applied;	/* may be NULL */
	write_done_fn			 ws_done;
	void				*ws_arg;
};

void	write_submit(struct request *rq, const struct write_spec *ws);

#endif /* WRITE_H */
