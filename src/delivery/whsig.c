/* Standard Webhooks secrets and signatures (whsig.h). */
#include "scimd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

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

void
whsig_sign(const uint8_t *key, size_t keylen, const char *id,
    int64_t timestamp, const void *body, size_t bodylen, char *out)
{
	EVP_MD_CTX	*md;
	EVP_PKEY	*pk;
	uint8_t		 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = sizeof(mac);
	char		 ts[32];
	int		 n;

	n = snprintf(ts, sizeof(ts), ".%" PRId64 ".", timestamp);
	if ((md = EVP_MD_CTX_new()) == NULL || (pk =
	    EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key,
	    keylen)) == NULL)
		fatalx("%s: out of memory", __func__);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSignUpdate(md, id, strlen(id)) != 1 ||
	    EVP_DigestSignUpdate(md, ts, (size_t)n) != 1 ||
	    EVP_DigestSignUpdate(md, body, bodylen) != 1 ||
	    EVP_DigestSignFinal(md, mac, &maclen) != 1)
		fatalx("%s: HMAC failed", __func__);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen);
}
