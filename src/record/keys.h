/*
 * Key builders for the resource databases (layouts in store_db.h).  Inline
 * so that every module spells a key the same way.
 */
#ifndef KEYS_H
#define KEYS_H

#include <stdint.h>
#include <string.h>

#include "scimd.h"
#include "store.h"
#include "util.h"

#define KEYS_RES_LEN		13	/* T K R */
#define KEYS_ID2R_LEN		(4 + SCIM_ID_LEN)
#define KEYS_KR_LEN		9	/* K R (id2r and members values) */

/* res: T K R */
static inline struct store_val
keys_res(uint8_t *buf, uint32_t tenant, uint8_t tag, uint64_t rid)
{
	struct store_val	v = { buf, KEYS_RES_LEN };

	util_put_be32(buf, tenant);
	buf[4] = tag;
	util_put_be64(buf + 5, rid);
	return (v);
}

/* id2r: T id (the id is matched exactly; it is always our own UUID text) */
static inline struct store_val
keys_id2r(uint8_t *buf, uint32_t tenant, const char *id)
{
	struct store_val	v = { buf, KEYS_ID2R_LEN };

	util_put_be32(buf, tenant);
	memcpy(buf + 4, id, SCIM_ID_LEN);
	return (v);
}

/* K R, the value of id2r and of members */
static inline struct store_val
keys_kr(uint8_t *buf, uint8_t tag, uint64_t rid)
{
	struct store_val	v = { buf, KEYS_KR_LEN };

	buf[0] = tag;
	util_put_be64(buf + 1, rid);
	return (v);
}

/* members: T group-R */
static inline struct store_val
keys_members(uint8_t *buf, uint32_t tenant, uint64_t grid)
{
	struct store_val	v = { buf, 12 };

	util_put_be32(buf, tenant);
	util_put_be64(buf + 4, grid);
	return (v);
}

/* memberof: T K member-R (same shape as res) */
static inline struct store_val
keys_memberof(uint8_t *buf, uint32_t tenant, uint8_t tag, uint64_t rid)
{
	return (keys_res(buf, tenant, tag, rid));
}

/* a tag byte and a u32: meta "e" T (event seq), tenants "i" T */
#define KEYS_TAG_U32_LEN	5
static inline struct store_val
keys_tag_u32(uint8_t *buf, uint8_t tag, uint32_t n)
{
	struct store_val	v = { buf, KEYS_TAG_U32_LEN };

	buf[0] = tag;
	util_put_be32(buf + 1, n);
	return (v);
}

/* meta: "n" T K -> resources of type K in tenant T (u64) */
static inline struct store_val
keys_count(uint8_t *buf, uint32_t tenant, uint8_t tag)
{
	struct store_val	v = { buf, 6 };

	buf[0] = 'n';
	util_put_be32(buf + 1, tenant);
	buf[5] = tag;
	return (v);
}

#endif /* KEYS_H */
