/*
 * zstd with a built-in dictionary on stored records (zpack.h).  An audit
 * record or an event is a few KB of JSON whose member names, URNs and
 * values mostly recur from record to record: alone zstd gets ~2.8x on one,
 * with a dictionary of those shapes ~6x, so a record fits an LMDB leaf
 * instead of taking an overflow page of its own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ZSTD_c_literalCompressionMode: in every zstd Debian ships (1.4.5 on) */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "util.h"
#include "zpack.h"
#include "zpack_dict.h"

/*
 * Level 3: on an Entra-sized user's document, audit record and event, 1.9
 * to 2.9 times faster to pack than level 6 (6, 6 and 10 us against 13, 13
 * and 28) for 5 to 14% more bytes; levels above 6 gain nothing here.
 */
#define ZPACK_LEVEL	3
/* A record is at most a few MB (a group's event): more is corruption. */
#define ZPACK_MAX	(64U * 1024 * 1024)

static pthread_once_t		 zpack_once = PTHREAD_ONCE_INIT;
static ZSTD_CDict		*zpack_cdict;
static ZSTD_DDict		*zpack_ddict;
static _Thread_local ZSTD_CCtx	*zpack_cctx[2];	/* records, documents */
static _Thread_local ZSTD_DCtx	*zpack_dctx;

/* The dictionaries are shared read-only by every thread, made once. */
static void
zpack_init(void)
{
	zpack_cdict = ZSTD_createCDict(zpack_dict1, sizeof(zpack_dict1) - 1,
	    ZPACK_LEVEL);
	zpack_ddict = ZSTD_createDDict(zpack_dict1, sizeof(zpack_dict1) - 1);
}

static void
buf_want(struct zpack_buf *zb, size_t n)
{
	if (zb->zb_cap < n) {
		zb->zb_data = xrealloc(zb->zb_data, n);
		zb->zb_cap = n;
	}
}

/*
 * The calling thread's context for records (0) or documents (1).  Frames
 * name no dictionary id (4 bytes each; there is one dictionary per tag).
 * A document's literals stay raw: no Huffman table to build per frame
 * halves the time to unpack (1.1 against 2.6 us for an Entra-sized user)
 * for ~10% more bytes, the right trade for what every GET reads.  Should
 * a parameter be refused, the frame is still valid, only larger.
 */
static ZSTD_CCtx *
cctx(int doc)
{
	ZSTD_CCtx	*c = zpack_cctx[doc];

	if (c != NULL || (c = ZSTD_createCCtx()) == NULL)
		return (c);
	if (ZSTD_isError(ZSTD_CCtx_refCDict(c, zpack_cdict))) {
		ZSTD_freeCCtx(c);
		return (NULL);
	}
	(void)ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
	if (doc)
		(void)ZSTD_CCtx_setParameter(c, ZSTD_c_literalCompressionMode,
		    ZSTD_ps_disable);
	return (zpack_cctx[doc] = c);
}

static void
pack(struct zpack_buf *zb, const void *data, size_t len, const void **out,
    size_t *outlen, int doc)
{
	ZSTD_CCtx	*c;
	size_t		 n;

	*out = data;
	*outlen = len;
	pthread_once(&zpack_once, zpack_init);
	if (zpack_cdict == NULL || len < 64 || len > ZPACK_MAX ||
	    (c = cctx(doc)) == NULL)
		return;
	buf_want(zb, 1 + ZSTD_compressBound(len));
	n = ZSTD_compress2(c, zb->zb_data + 1, zb->zb_cap - 1, data, len);
	/* stored as it is when packing does not pay */
	if (ZSTD_isError(n) || 1 + n >= len)
		return;
	zb->zb_data[0] = ZPACK_TAG_Z1;
	*out = zb->zb_data;
	*outlen = 1 + n;
}

void
zpack_pack(struct zpack_buf *zb, const void *data, size_t len,
    const void **out, size_t *outlen)
{
	pack(zb, data, len, out, outlen, 0);
}

void
zpack_pack_doc(struct zpack_buf *zb, const void *data, size_t len,
    const void **out, size_t *outlen)
{
	pack(zb, data, len, out, outlen, 1);
}

int
zpack_is_packed(const void *data, size_t len)
{
	return (len > 0 && *(const unsigned char *)data == ZPACK_TAG_Z1);
}

int
zpack_unpack(struct zpack_buf *zb, const void *data, size_t len,
    const void **out, size_t *outlen)
{
	const char		*p = data;
	unsigned long long	 sz;
	size_t			 n;

	*out = data;
	*outlen = len;
	if (!zpack_is_packed(data, len))
		return (0);
	pthread_once(&zpack_once, zpack_init);
	sz = ZSTD_getFrameContentSize(p + 1, len - 1);
	if (zpack_ddict == NULL || sz == ZSTD_CONTENTSIZE_UNKNOWN ||
	    sz == ZSTD_CONTENTSIZE_ERROR || sz > ZPACK_MAX)
		return (-1);
	if (zpack_dctx == NULL && (zpack_dctx = ZSTD_createDCtx()) == NULL)
		return (-1);
	buf_want(zb, (size_t)sz + 1);
	n = ZSTD_decompress_usingDDict(zpack_dctx, zb->zb_data, (size_t)sz,
	    p + 1, len - 1, zpack_ddict);
	if (ZSTD_isError(n) || n != sz)
		return (-1);
	zb->zb_data[n] = '\0';
	*out = zb->zb_data;
	*outlen = n;
	return (0);
}

void
zpack_buf_free(struct zpack_buf *zb)
{
	if (zb == NULL)
		return;
	free(zb->zb_data);
	zb->zb_data = NULL;
	zb->zb_cap = 0;
}

void
zpack_thread_done(void)
{
	ZSTD_freeCCtx(zpack_cctx[0]);
	ZSTD_freeCCtx(zpack_cctx[1]);
	ZSTD_freeDCtx(zpack_dctx);
	zpack_cctx[0] = zpack_cctx[1] = NULL;
	zpack_dctx = NULL;
}
