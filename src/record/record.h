/*
 * The stored record: one User or Group of a tenant as scimd keeps it
 * (compact JSON with id and meta; Group.members and User.groups are not in
 * it, they live in the membership databases of member.h).  This is the one
 * module that reads and writes records and keeps what depends on them in
 * step: the id map (id2r), the indexes (index.c), the per-type counts and
 * the membership cascade of a delete.
 *
 *   res     T K R  -> record JSON
 *   id2r    T id   -> K R
 *   meta    "n" T K -> number of records of type K in tenant T (u64)
 *
 * Everything here runs inside a store transaction the caller owns; the
 * functions that change anything need a write transaction.  Nothing here
 * knows of requests or replies: the SCIM handlers (scim/render.c) turn a
 * record into a response, the write path (write/) and the import (load.c)
 * decide what to change.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

struct filter;
struct json_object;
struct json_tokener;
struct resource_type;
struct scim_errbuf;
struct store_txn;

/*
 * Resource number of id in tenant (of type rt, or any type when rt is
 * NULL; *tagp gets the type tag when not NULL).  SCIM_ENOTFOUND when absent
 * or not a well-formed id.
 */
int	record_lookup(struct store_txn *, uint32_t tenant, const char *id,
	    const struct resource_type *rt, uint8_t *tagp, uint64_t *rid);

/*
 * Load record rid of type rt: a new reference in *doc.  SCIM_ENOTFOUND when
 * there is none of that type, SCIM_ESTORE when its bytes do not parse.
 */
int	record_load(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object **doc);
/*
 * The same for callers that read many records (query.c): tok (made with
 * json_tokener_new_ex(SCIM_JSON_DEPTH)) is theirs and reused, the type is
 * given by its tag.
 */
int	record_load_with(struct json_tokener *tok, struct store_txn *,
	    uint32_t tenant, uint8_t tag, uint64_t rid,
	    struct json_object **doc);
/*
 * The stored bytes of record rid (compact JSON ending in its meta object,
 * not NUL-terminated), borrowed: valid until the transaction's next record
 * read or write, or its end.
 */
int	record_raw(struct store_txn *, uint32_t tenant, uint8_t tag,
	    uint64_t rid, const char **data, size_t *len);
/* The documents about to be read one by one (a page): see store_prefetch. */
int	record_prefetch(struct store_txn *, uint32_t tenant, uint8_t tag,
	    const uint64_t *rids, size_t n);
/* Parse len bytes of a stored record (a value of res, not NUL-terminated). */
int	record_parse(struct json_tokener *tok, const void *data, size_t len,
	    struct json_object **doc);

/* New object: doc's members with "id" placed after "schemas", no meta. */
struct json_object *record_with_id(struct json_object *doc, const char *id);
/*
 * Set doc's meta: resourceType, created (kept from old, else now),
 * lastModified now and a new version W/"hex" from the store's "version"
 * counter.
 */
int	record_set_meta(struct store_txn *, const struct resource_type *rt,
	    struct json_object *doc, struct json_object *old);
/* The same with version number given (an import numbers its own). */
void	record_set_meta_version(const struct resource_type *rt,
	    struct json_object *doc, struct json_object *old,
	    uint64_t version);
/* meta.version of doc (borrowed), or NULL. */
const char *record_version(struct json_object *doc);
/*
 * 1 when the If-Match / If-None-Match header value list (entity tags or
 * "*") matches version, weakly; 0 when version is NULL.
 */
int	record_version_matches(const char *list, const char *version);

/*
 * Insert doc (with id and meta) as a new record of tenant: *rid gets a new
 * resource number; then the indexes, the id map, the count and the record
 * itself, in that order.  text (len bytes) is doc's stored form, its
 * compact JSON, made by the caller (who keeps it: a reply may be those
 * bytes; on a database jsontext's buffer would not survive the waits).
 * SCIM_EUNIQUE (detail in eb) when the id, userName or Group displayName
 * is taken.
 */
int	record_insert(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, struct json_object *doc,
	    const char *text, size_t len, uint64_t *rid,
	    struct scim_errbuf *eb);
/*
 * The same for an import, whose ids come with the lines: a clash of one is
 * checked at once.  It serialises on threads of its own, not the writer's,
 * and its doc need only hold "id" and the members the indexes read
 * (index_reads).
 */
int	record_insert_text(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, struct json_object *doc,
	    const char *text, size_t len, uint64_t *rid,
	    struct scim_errbuf *eb);
/*
 * Store new as the next version of record rid (old is what is stored now):
 * the indexes move from old's keys to new's, then the record is written.
 * SCIM_EUNIQUE (detail in eb) as for record_insert.
 */
int	record_put(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object *old, struct json_object *new,
	    struct scim_errbuf *eb);
/*
 * Delete record rid (id, stored as old): its index keys, the record, the id
 * map entry and the count; then its memberships: a Group's members, and
 * every group the record was a member of.
 */
int	record_delete(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, const char *id, uint64_t rid,
	    struct json_object *old, struct scim_errbuf *eb);

/*
 * Records of one type in a tenant, kept in the same transaction as every
 * insert and delete, so listings know totalResults without walking the
 * tenant.  record_count adds delta (a count never goes below 0).
 */
int	record_count(struct store_txn *, uint32_t tenant, uint8_t tag,
	    int delta);
int	record_total(struct store_txn *, uint32_t tenant, uint8_t tag,
	    uint64_t *n);

/*
 * The member object of record (tag, rid) as a Group's members (or a User's
 * groups) shows it: {value, $ref (only when base is not NULL), type,
 * display}; NULL when the record is gone.
 */
struct json_object *record_member(struct store_txn *, uint32_t tenant,
	    uint8_t tag, uint64_t rid, const char *base);
/*
 * Member objects of group grid in storage order into *objs (a new array):
 * the first skip left out, at most max of them (0: no limit).
 */
int	record_members(struct store_txn *, uint32_t tenant, uint64_t grid,
	    const char *base, size_t skip, size_t max,
	    struct json_object **objs);
/*
 * Member objects (without $ref) of group grid that match f into *objs, and
 * [tag, rid] of each into *pairs (both new arrays, in the same order).
 */
int	record_members_matching(struct store_txn *, uint32_t tenant,
	    uint64_t grid, const struct filter *f, struct json_object **objs,
	    struct json_object **pairs);

#endif /* RECORD_H */
