/*
 * The write path shared by the SCIM handlers and Bulk: a write_spec
 * describes one create, replace, patch or delete; write_submit queues it on
 * the group commit.  Everything that depends on the store (validation of
 * references, uniqueness, existence, If-Match) runs inside the batch
 * transaction, and the outcome reaches ws_done after the commit.
 *
 * The write path knows nothing of HTTP: the handler says who asks in a
 * write_ctx and gets the outcome back in its done callback, with its own
 * argument, to reply from there.
 */
#ifndef WRITE_H
#define WRITE_H

#include <stdint.h>

#include "scimd.h"

struct json_object;
struct resource_type;
struct store_txn;
struct scim_errbuf;
struct scimd_config;

/*
 * Who asks, and the change id this change is recorded under (a request's
 * first change takes the request's id, later ones of a Bulk their own).
 * write_submit copies it; the pointers are borrowed and must stay valid
 * until ws_done has run.  wc_conf is read at apply time, as SIGHUP
 * updates it in place.
 */
/*
 * The resource as an event carries it (a reply's form with no projection;
 * flags below): the handler's renderer, called at apply time inside t, so
 * write/ needs nothing of the reply layer.
 */
#define WRITE_RENDER_NO_MEMBERS	0x01	/* a big group: without "members" */
#define WRITE_RENDER_NEW	0x02	/* made by this change: in no group,
					   none to look up */
typedef int	(*write_render_fn)(struct store_txn *t, void *arg,
		    const struct resource_type *rt, uint64_t rid,
		    struct json_object *doc, int flags,
		    struct json_object **out);

struct write_ctx {
	uint32_t			 wc_tenant;
	const char			*wc_initiator;	/* token name */
	char				 wc_change_id[SCIM_ID_MAX];
	int64_t				 wc_start;	/* monotonic ms */
	const struct scimd_config	*wc_conf;	/* PATCH limits */
	write_render_fn			 wc_render;	/* for the event */
	void				*wc_render_arg;
};

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
	const char			*wr_text;	/* a create's stored form, */
	size_t				 wr_textlen;	/* borrowed, or NULL */
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
typedef void	(*write_done_fn)(void *arg, const struct write_result *);
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
	write_done_fn			 ws_done;	/* exactly once */
	void				*ws_arg;	/* for the callbacks */
};

void	write_submit(const struct write_ctx *wc, const struct write_spec *ws);

#endif /* WRITE_H */
