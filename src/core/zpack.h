/*
 * Compact stored records: a JSON record (audit record, event, a resource
 * document in LMDB) is kept as zstd with a built-in dictionary when that is
 * shorter, else as it is.
 *
 * Stored form: a record that starts with ZPACK_TAG_Z1 is the rest
 * compressed with dictionary 1; anything else is the record itself (JSON
 * starts with '{'), which is also every record written before packing
 * existed, so old stores read without a migration.  Dictionary 1 never
 * changes: a new dictionary gets a new tag.
 *
 * Safe from several threads (contexts are per thread).
 */
#ifndef ZPACK_H
#define ZPACK_H

#include <stddef.h>

#define ZPACK_TAG_Z1	0x01

/* A buffer the caller keeps for (un)packing; zeroed to start. */
struct zpack_buf {
	char	*zb_data;
	size_t	 zb_cap;
};

/*
 * Stored form of len bytes at data, in *out / *outlen: zb's bytes when
 * compressing paid, else data itself.  Valid until zb's next use.
 */
void	zpack_pack(struct zpack_buf *, const void *data, size_t len,
	    const void **out, size_t *outlen);
/*
 * The same for a value read far more often than it is written (a resource
 * document): about half the time to unpack, for ~10% more bytes.
 */
void	zpack_pack_doc(struct zpack_buf *, const void *data, size_t len,
	    const void **out, size_t *outlen);
/*
 * Record of a stored form: data itself when not packed, else decompressed
 * into zb (NUL-terminated).  0, or -1 when a packed form is corrupt.
 */
int	zpack_unpack(struct zpack_buf *, const void *data, size_t len,
	    const void **out, size_t *outlen);
/* 1 if the stored form is packed. */
int	zpack_is_packed(const void *data, size_t len);
void	zpack_buf_free(struct zpack_buf *);
/* Free the calling thread's contexts (at thread or process exit). */
void	zpack_thread_done(void);

#endif /* ZPACK_H */
