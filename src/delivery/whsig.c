/* Standard Webhooks secrets and signatures (whsig.h). */
#include "scimd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "log.h"
#include "util.h"
#include "whsig.h"

#define PREFIX		"whsec_"
#define PREFIX_LEN	6

void
whsig_secret_new(char *out)
{
	uint8_t	key[WHSIG_KEY_LEN];

	util_random(key, sizeof(key));
	memcpy(out, PREFIX, PREFIX_LEN);
	EVP_EncodeBlock((unsigned char *)out + PREFIX_LEN, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
}

int
whsig_secret_key(const char *secret, uint8_t *key, size_t *keylen)
{
	uint8_t	buf[WHSIG_KEY_MAX + 3];
	size_t	len, pad = 0;
	int	n;

	if (strncmp(secret, PREFIX, PREFIX_LEN) == 0)
		secret += PREFIX_LEN;
	len = strlen(secret);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(buf))
		return (-1);
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (secret[len - 1] == '=')
		pad = secret[len - 2] == '=' ? 2 : 1;
	n = EVP_DecodeBlock(buf, (const unsigned char *)secret, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > WHSIG_KEY_MAX)
		return (-1);
	*keylen = (size_t)n - pad;
	memcpy(key, buf, *keylen);
	OPENSSL_cleanse(buf, sizeof(buf));
	return (0);
}

/*
 * HMAC fetched once and one context re-keyed per signature: building an
 * EVP_PKEY and a signing context per delivery cost more than the hash.
 */
void
whsig_sign(const uint8_t *key, size_t keylen, const char *id,
    int64_t timestamp, const void *body, size_t bodylen, char *out)
{
	static EVP_MAC		*mac;
	static EVP_MAC_CTX	*ctx;
	OSSL_PARAM		 params[2];
	uint8_t			 sum[EVP_MAX_MD_SIZE];
	size_t			 sumlen = 0;
	char			 ts[32];
	int			 n;

	if (ctx == NULL && ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) ==
	    NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL))
		fatalx("%s: no HMAC", __func__);
	n = snprintf(ts, sizeof(ts), ".%" PRId64 ".", timestamp);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, (const uint8_t *)id, strlen(id)) != 1 ||
	    EVP_MAC_update(ctx, (const uint8_t *)ts, (size_t)n) != 1 ||
	    EVP_MAC_update(ctx, body, bodylen) != 1 ||
	    EVP_MAC_final(ctx, sum, &sumlen, sizeof(sum)) != 1)
		fatalx("%s: HMAC failed", __func__);
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, sum, (int)sumlen);
}
