/*
 * Small utilities: fatal-on-OOM allocation, UUIDs, RFC 3339 times,
 * SHA-256, base64url and hex.  No LMDB, no libevent.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* Random UUID v4 text into buf (at least SCIM_ID_MAX bytes). */
void	 util_uuid(char *buf);
/*
 * UUID v7 text into buf (RFC 9562 section 5.7): the Unix time in ms, then 74
 * random bits.  Ids drawn one after another sort together, so a new
 * resource's id lands in the same B-tree leaf as the last one's instead of
 * on a random page that the commit must write and sync.
 */
void	 util_uuid7(char *buf);
/* 1 if s is a canonical UUID text (any hex case), else 0. */
int	 util_is_uuid(const char *s);

/* Milliseconds since the epoch, wall clock. */
int64_t	 util_now_ms(void);
/* Monotonic milliseconds, for durations. */
int64_t	 util_mono_ms(void);
/* RFC 3339 UTC with milliseconds ("2026-01-02T03:04:05.678Z"); buf >= 32. */
void	 util_time_fmt(int64_t ms, char *buf, size_t len);
/*
 * Parse an RFC 3339 / xsd:dateTime text to ms since the epoch.  Accepts
 * fractional seconds and a Z or +hh:mm offset; returns 0 or -1.
 */
int	 util_time_parse(const char *s, int64_t *ms);

/* SHA-256 of buf into out[32]. */
void	 util_sha256(const void *buf, size_t len, uint8_t out[32]);
/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void	 util_hex(const uint8_t *in, size_t len, char *out);
/* base64url without padding of len bytes into out (4 * len / 3 + 4 bytes). */
void	 util_b64url(const uint8_t *in, size_t len, char *out);
/* Random bytes from OpenSSL's CSPRNG; aborts if it fails. */
void	 util_random(void *buf, size_t len);

/* Wipe and free a secret string (NULL-safe). */
void	 util_free_secret(char *s);

/* Big-endian fixed-width integers for LMDB keys. */
void	 util_put_be32(uint8_t *p, uint32_t v);
void	 util_put_be64(uint8_t *p, uint64_t v);
uint32_t util_get_be32(const uint8_t *p);
uint64_t util_get_be64(const uint8_t *p);

#endif /* UTIL_H */
