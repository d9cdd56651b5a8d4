/*
 * The /admin/v1/tokens collection (contract in admin.h): SCIM tokens of
 * the tenant the request addresses; a secret is shown once, in the reply
 * to its creation.
 */
#ifndef ADMIN_TOKENS_H
#define ADMIN_TOKENS_H

struct request;

/* GET /tokens[?tenant]: {"tokens":[...]}, never a secret. */
void	admin_tokens_list(struct request *);
/* POST /tokens {"name","tenant"?,"expiresDays"?}: 201 with the secret. */
void	admin_tokens_create(struct request *);
/* DELETE /tokens/{name}[?tenant]: 204. */
void	admin_tokens_revoke(struct request *, const char *name);

#endif /* ADMIN_TOKENS_H */
