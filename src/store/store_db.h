/*
 * The databases of the store and what travels in and out of them: the
 * names both backends and every caller use, apart from store.h's entry
 * points so that a backend includes them without including its dispatcher.
 * Keys and values are byte strings; integers in keys are big-endian fixed
 * width (util_put_be32/64), so byte order is numeric order.
 *
 * Layouts (T = tenant id u32 BE, K = kind tag byte, R = resource number
 * u64 BE; fold() = ASCII lower case; index values over INDEX_VAL_MAX bytes
 * are cut and suffixed with their SHA-256, see index.c).  This is the one
 * description: keys.h builds these keys, the LMDB backend stores them as
 * they are, and PostgreSQL's tables hold them as (tenant, k, v) with
 * tenant = T (0 for meta, tenants and tokens).
 *
 *   meta          ASCII name            -> u32 format / u64 counters
 *                 "n" T K               -> u64 resources of kind K
 *   tenants       "n" name              -> T
 *                 "i" T                 -> JSON {name, created}
 *   tokens        SHA-256(token)        -> JSON {name, tenant, admin,
 *                                           created, expires, last_used}
 *   clients       T client_id           -> JSON (OAuth clients, secret hash)
 *   res           T K R                 -> compact resource JSON (no members;
 *                                          LMDB keeps it packed, zpack.h)
 *   id2r          T id(36)              -> K R
 *   ix_username   T fold(userName)      -> R            unique
 *   ix_email      T fold(email value)   -> R            dupsort
 *   ix_extid      T K externalId        -> R            dupsort, case exact
 *   ix_gname      T fold(displayName)   -> R            unique
 *   members       T group-R             -> K R          dupsort
 *   memberof      T K member-R          -> group-R      dupsort
 *   audit         T seq(u64)            -> audit record JSON
 *   events        T seq(u64)            -> event JSON (event.h)
 *   webhooks      T name                -> endpoint JSON (webhook.h)
 *   whstate       T name                -> delivery state JSON
 *
 * A change of any layout bumps the LMDB format (STORE_FORMAT) and the
 * PostgreSQL schema version; an older store is refused or migrated, never
 * misread.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stddef.h>

enum store_db {
	STORE_META,
	STORE_TENANTS,
	STORE_TOKENS,
	STORE_RES,
	STORE_ID2R,
	STORE_IX_USERNAME,
	STORE_IX_EMAIL,
	STORE_IX_EXTID,
	STORE_IX_GNAME,
	STORE_MEMBERS,
	STORE_MEMBEROF,
	STORE_AUDIT,
	STORE_CLIENTS,
	STORE_EVENTS,		/* change outbox (event.h) */
	STORE_WEBHOOKS,		/* webhook endpoints (webhook.h) */
	STORE_WHSTATE,		/* their delivery state */
	STORE_NDB
};

/* store_put flags */
#define STORE_NOOVERWRITE	0x01	/* SCIM_EUNIQUE if the key exists */
/*
 * A hint: the key likely sorts after every existing key (a sequence), so a
 * backend may fill pages instead of splitting them; correct either way.
 */
#define STORE_APPEND		0x02
#define STORE_NODUPDATA		0x04	/* dupsort: SCIM_EUNIQUE if the pair exists */
/*
 * With STORE_NOOVERWRITE, for a key whose clash is the rare case (a UUID
 * just drawn, a new userName): the SCIM_EUNIQUE may come from a later call
 * of this transaction level or from its commit, where a backend saves a
 * round trip so.  The caller words the error then.
 */
#define STORE_LATE		0x08

/* store_open flags */
#define STORE_RDONLY		0x01
#define STORE_NOSYNC		0x02	/* no fsync at commit (durability = nosync) */
#define STORE_NOMETASYNC	0x04	/* no fsync of the meta page */

struct store_val {
	const void	*sv_data;
	size_t		 sv_len;
};

#endif /* STORE_DB_H */
