/*
 * Bearer authentication of a request: the token decides the tenant
 * (architecture.md section 2).  Admin tokens are accepted only under
 * /admin/v1, SCIM tokens only under /scim/v2.
 */
#ifndef AUTH_H
#define AUTH_H

struct request;

/*
 * Fill rq_token and rq_tenant from the Authorization header; admin says
 * which kind of token the area wants.  0, or -1 after replying 401/403.
 */
int	auth_request(struct request *rq, int admin);
/* Note the token's last use (at most one write a minute per token). */
void	auth_touch(struct request *rq);

#endif /* AUTH_H */
