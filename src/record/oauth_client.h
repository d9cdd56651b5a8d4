/*
 * OAuth 2.0 clients (RFC 6749 section 4.4, the client credentials grant
 * Entra requires of gallery apps, entra.md section 2.1) and the access
 * tokens issued to them, in the store.  The token endpoint (admin/oauth.c)
 * and scimctl client use them; nothing here knows HTTP.
 *
 * A client belongs to one tenant and has a name (unique in the tenant),
 * a client_id and a client_secret.  Only the SHA-256 of the secret is
 * stored (STORE_CLIENTS, key: tenant + client_id).  The client_id carries
 * the tenant id in hex, so the token endpoint finds a client with one
 * lookup.  An access token "scimd_at_..." is stored like any token
 * (STORE_TOKENS, SHA-256 only, with "expires"), named "client:NAME", so
 * token_find() already refuses it once expired.  Revoking a client
 * deletes its record and every token issued to it; expired issued tokens
 * of a client are pruned each time it gets a new one.  Every function runs
 * inside a caller's transaction.
 */
#ifndef OAUTH_CLIENT_H
#define OAUTH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct store_txn;

#define OAUTH_CLIENT_ID_MAX	40	/* "c" + 8 hex + "." + 22 + NUL */
#define OAUTH_CLIENT_SECRET_MAX	64	/* "scimd_cs_" + 43 + NUL */
#define OAUTH_CLIENT_TOKEN_PREFIX "scimd_at_"
#define OAUTH_CLIENT_TOKEN_NAME	"client:"	/* + client name */

struct oauth_client {
	char		oc_name[TOKEN_NAME_MAX];
	char		oc_id[OAUTH_CLIENT_ID_MAX];
	uint32_t	oc_tenant;
	int64_t		oc_created;	/* ms since the epoch */
	uint8_t		oc_secret[32];	/* SHA-256 of the secret */
};

/*
 * Create client name in tenant; client_id (OAUTH_CLIENT_ID_MAX bytes) and
 * secret (OAUTH_CLIENT_SECRET_MAX bytes, to be shown once and wiped) are
 * written out.  SCIM_EUNIQUE when the tenant has a client of that name,
 * SCIM_EINVAL for a bad name.  Write transaction.
 */
int	oauth_client_create(struct store_txn *, uint32_t tenant,
	    const char *name, char *client_id, char *secret);
/* Call fn for each client (of tenant, or all with TENANT_ALL). */
int	oauth_client_each(struct store_txn *, uint32_t tenant,
	    void (*fn)(const struct oauth_client *, void *), void *arg);
/*
 * Delete client name of tenant and the tokens issued to it; *ntokens (may
 * be NULL) gets how many.  SCIM_ENOTFOUND when there is no such client.
 */
int	oauth_client_revoke(struct store_txn *, uint32_t tenant,
	    const char *name, size_t *ntokens);
/*
 * Check client_id and secret (len bytes).  SCIM_OK with *oc filled, or
 * SCIM_EAUTH (unknown client or wrong secret; constant-time compare).
 */
int	oauth_client_verify(struct store_txn *, const char *client_id,
	    const char *secret, size_t len, struct oauth_client *oc);
/*
 * Issue an access token for oc valid lifetime_ms from now into token
 * (TOKEN_SECRET_MAX bytes; wipe it after use), pruning the client's
 * expired tokens.  Write transaction.
 */
int	oauth_client_issue(struct store_txn *, const struct oauth_client *oc,
	    int64_t lifetime_ms, char *token);

#endif /* OAUTH_CLIENT_H */
