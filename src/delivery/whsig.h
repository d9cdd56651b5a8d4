/*
 * Standard Webhooks signing (https://www.standardwebhooks.com): a secret
 * is "whsec_" + base64 of its key bytes; a delivery carries
 *
 *   webhook-id: ID   webhook-timestamp: UNIX-SECONDS
 *   webhook-signature: v1,BASE64(HMAC-SHA256(key, ID "." TIMESTAMP "." BODY))
 *
 * so that the published verifier libraries accept scimd's deliveries.
 * Pure: OpenSSL only.
 */
#ifndef WHSIG_H
#define WHSIG_H

#include <stddef.h>
#include <stdint.h>

#define WHSIG_KEY_LEN		32	/* bytes of a new secret */
#define WHSIG_KEY_MAX		64	/* bytes of a secret accepted */
#define WHSIG_SECRET_MAX	(6 + 4 * ((WHSIG_KEY_MAX + 2) / 3) + 1)
#define WHSIG_SIG_MAX		(3 + 44 + 1)	/* "v1," + base64(32) + NUL */

/* A new random secret ("whsec_..."), into out (WHSIG_SECRET_MAX bytes). */
void	whsig_secret_new(char *out);

/*
 * The key bytes of secret (with or without the "whsec_" prefix) into key
 * (WHSIG_KEY_MAX bytes), *keylen their number.  0, or -1 when it is not
 * base64 or too long.
 */
int	whsig_secret_key(const char *secret, uint8_t *key, size_t *keylen);

/*
 * The webhook-signature value for (id, timestamp, body) under key, into
 * out (WHSIG_SIG_MAX bytes).
 */
void	whsig_sign(const uint8_t *key, size_t keylen, const char *id,
	    int64_t timestamp, const void *body, size_t bodylen, char *out);

#endif /* WHSIG_H */
