/*
 * Bearer tokens in the store (architecture.md section 2).
 * A token is "scimd_" followed by 32 random bytes in base64url; only its
 * SHA-256 is stored, keyed by that hash, so the secret itself never touches
 * the disk.  Every function runs inside a caller's transaction.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;

#define TOKEN_PREFIX		"scimd_"
#define TOKEN_SECRET_MAX	64	/* prefix + 43 base64url chars + NUL */
#define TOKEN_NAME_MAX		128
/*
 * The tenant of an admin token valid for every tenant, and "every tenant"
 * wherever a tenant id filters a walk: 0, the id no tenant has (tenant.h).
 */
#define TENANT_ALL		0

struct token_info {
	char		ti_name[TOKEN_NAME_MAX];
	uint32_t	ti_tenant;	/* TENANT_ALL only for admin tokens */
	int		ti_admin;	/* admin API token (not SCIM) */
	int64_t		ti_created;	/* ms since the epoch */
	int64_t		ti_expires;	/* 0: never */
	int64_t		ti_last_used;	/* 0: never */
	uint8_t		ti_hash[32];
};

/*
 * A new secret: prefix followed by 32 random bytes in base64url, written to
 * out (TOKEN_SECRET_MAX bytes), and its SHA-256 (what the store keeps) in
 * hash.  Used for SCIM tokens, OAuth client secrets and access tokens.
 */
void	token_secret_new(const char *prefix, char *out, uint8_t hash[32]);

/*
 * 1 when name is a valid tenant, token or client name: [A-Za-z0-9._-],
 * 1..max bytes.
 */
int	token_name_ok(const char *name, size_t max);

/*
 * Create token name for tenant (admin: an admin API token; tenant may then
 * be TENANT_ALL).  The secret is written to secret (TOKEN_SECRET_MAX bytes)
 * and must be shown once and wiped.  SCIM_EUNIQUE when the tenant already
 * has a token of that name.
 */
int	token_create(struct store_txn *, const char *name, uint32_t tenant,
	    int admin, int64_t expires, char *secret);
/*
 * Look up a presented secret (len bytes).  SCIM_OK with *ti filled,
 * SCIM_EAUTH when unknown or expired.  Compared in constant time.
 */
int	token_find(struct store_txn *, const char *secret, size_t len,
	    struct token_info *ti);
/*
 * token_find through a small cache of recent look-ups, in its own read
 * transaction.  The cache is dropped whenever the store's last transaction
 * id moves (any commit, scimctl's included), so a revoked token is refused
 * on the very next request; only known tokens are cached.
 */
struct store;
int	token_find_cached(struct store *, const char *secret, size_t len,
	    struct token_info *ti);
/* Revoke token name of tenant; SCIM_ENOTFOUND when there is none. */
int	token_revoke(struct store_txn *, const char *name, uint32_t tenant);
/* Record a use at time now (ms). */
int	token_touch(struct store_txn *, const uint8_t hash[32], int64_t now);
/*
 * Store ti as it is (no name or uniqueness check), keyed by ti_hash: for
 * tokens minted elsewhere, such as OAuth access tokens.
 */
int	token_put(struct store_txn *, const struct token_info *ti);
/* Delete the token whose hash is hash; SCIM_ENOTFOUND when none. */
int	token_delete(struct store_txn *, const uint8_t hash[32]);
/* Delete every token of tenant (tenant_delete). */
int	token_delete_tenant(struct store_txn *, uint32_t tenant);
/* Call fn for each token (of tenant, or of all when tenant is TENANT_ALL). */
int	token_each(struct store_txn *, uint32_t tenant,
	    void (*fn)(const struct token_info *, void *), void *arg);

#endif /* TOKEN_H */
