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

void	resource_get(struct request *);
void	resource_list(struct request *);	/* GET /Users, POST /.search */
void	resource_create(struct request *);
void	resource_replace(struct request *);
void	resource_patch(struct request *);
void	resource_delete(struct request *);

#endif /* RESOURCE_H */
