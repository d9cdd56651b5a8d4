/* Allocation, ids, time and encoding helpers. */
#include "scimd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("%s", __func__);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("%s", __func__);
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		fatal("%s", __func__);
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("%s", __func__);
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		fatal("%s", __func__);
	return (p);
}

void
util_random(void *buf, size_t len)
{
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("%s: RAND_bytes failed", __func__);
}

/* 16 random bytes; one RAND_bytes call per 256: every request takes some */
static void
uuid_bytes(uint8_t *b)
{
	static _Thread_local uint8_t	pool[16 * 256];
	static _Thread_local size_t	used = sizeof(pool);

	if (used == sizeof(pool)) {
		util_random(pool, sizeof(pool));
		used = 0;
	}
	memcpy(b, pool + used, 16);
	OPENSSL_cleanse(pool + used, 16);
	used += 16;
}

/* b with its version and variant, as 8-4-4-4-12 hex digits into buf */
static void
uuid_text(uint8_t *b, int version, char *buf)
{
	b[6] = (b[6] & 0x0f) | (uint8_t)(version << 4);
	b[8] = (b[8] & 0x3f) | 0x80;
	/* without snprintf's parsing per request */
	util_hex(b, 4, buf);
	buf[8] = '-';
	util_hex(b + 4, 2, buf + 9);
	buf[13] = '-';
	util_hex(b + 6, 2, buf + 14);
	buf[18] = '-';
	util_hex(b + 8, 2, buf + 19);
	buf[23] = '-';
	util_hex(b + 10, 6, buf + 24);
	buf[36] = '\0';
}

void
util_uuid(char *buf)
{
	uint8_t	b[16];

	uuid_bytes(b);
	uuid_text(b, 4, buf);
}

void
util_uuid7(char *buf)
{
	uint64_t	ms = (uint64_t)util_now_ms();
	uint8_t		b[16];
	int		i;

	uuid_bytes(b);
	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	uuid_text(b, 7, buf);
}

int
util_is_uuid(const char *s)
{
	int	i;

	for (i = 0; i < SCIM_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]))
			return (0);
	}
	return (s[SCIM_ID_LEN] == '\0');
}

int64_t
util_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
util_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
util_time_fmt(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int
digits(const char **sp, int n, int *out)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**sp))
			return (-1);
		v = v * 10 + (*(*sp)++ - '0');
	}
	*out = v;
	return (0);
}

int
util_time_parse(const char *s, int64_t *ms)
{
	struct tm	tm;
	int		y, mo, d, h, mi, sec, frac = 0, fdig = 0, oh, om;
	int64_t		t;

	memset(&tm, 0, sizeof(tm));
	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d) || (*s != 'T' && *s != 't'))
		return (-1);
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
	    *s++ != ':' || digits(&s, 2, &sec))
		return (-1);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return (-1);
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return (-1);
		while (isdigit((unsigned char)*s)) {
			if (fdig < 3) {
				frac = frac * 10 + (*s - '0');
				fdig++;
			}
			s++;
		}
		while (fdig < 3) {
			frac *= 10;
			fdig++;
		}
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (int64_t)timegm(&tm);
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) ||
		    oh > 23 || om > 59)
			return (-1);
		t -= sign * (oh * 3600 + om * 60);
	} else if (*s != '\0')
		return (-1);
	if (*s != '\0')
		return (-1);
	*ms = t * 1000 + frac;
	return (0);
}

void
util_sha256(const void *buf, size_t len, uint8_t out[32])
{
	static const EVP_MD	*md;
	unsigned int		 n = 32;

	/*
	 * Fetched once: EVP_sha256() makes OpenSSL 3 look the provider up at
	 * every digest, and every request hashes its token.
	 */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("%s: EVP_MD_fetch failed", __func__);
#else
	md = EVP_sha256();
#endif
	if (EVP_Digest(buf, len, out, &n, md, NULL) != 1)
		fatalx("%s: EVP_Digest failed", __func__);
}

void
util_hex(const uint8_t *in, size_t len, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void
util_b64url(const uint8_t *in, size_t len, char *out)
{
	static const char	tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			i;
	uint32_t		v;
	char			*o = out;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
	}
	*o = '\0';
}

void
util_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
util_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
util_put_be64(uint8_t *p, uint64_t v)
{
	util_put_be32(p, (uint32_t)(v >> 32));
	util_put_be32(p + 4, (uint32_t)v);
}

uint32_t
util_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

uint64_t
util_get_be64(const uint8_t *p)
{
	return ((uint64_t)util_get_be32(p) << 32 | util_get_be32(p + 4));
}
