/*
 * Generic SCIM resource handlers over struct resource_type: read, list,
 * create, replace, patch, delete.  Reads run in one read transaction and
 * answer at once; writes validate what they can, then queue a commit_op and
 * reply from its done callback after the group commit.  Each handler ends in
 * exactly one request_reply_* call.
 */
#ifndef RESOURCE_H
#define RESOURCE_H

struct request;
struct write_ctx;

void	resource_get(struct request *);
void	resource_list(struct request *);	/* GET /Users, POST /.search */
void	resource_create(struct request *);
void	resource_replace(struct request *);
void	resource_patch(struct request *);
void	resource_delete(struct request *);

/*
 * The write context of rq's next change (write_submit): tenant, token
 * name, start time, configuration, and the change id: the request's own
 * for its first change, a new one for each later change (Bulk).
 */
void	resource_write_ctx(struct request *rq, struct write_ctx *wc);

#endif /* RESOURCE_H */
