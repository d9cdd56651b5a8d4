/*
 * Loading whole resources as they were exported (scimctl import): the
 * document keeps its id and meta, gets a new resource number in this
 * store, and goes through the same index_update, id map and document_put
 * as a SCIM create, so scimctl verify holds afterwards.  No audit records
 * are written: an import is not a provisioning event.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stdint.h>

struct json_object;
struct resource_type;
struct scim_errbuf;
struct store_txn;

/*
 * Turn an exported line's document in (any members ignored) into the
 * stored form: validated and canonical, with in's id and, when present,
 * its meta (else a new meta).  *rtp is the type named by meta.resourceType
 * or schemas.  *out is a new reference.  SCIM_EINVAL/SCIM_ESYNTAX with a
 * detail in eb for a document that is not a User or Group with a valid id.
 * Must run inside a write transaction (a new meta takes a version number).
 */
int	load_prepare(struct store_txn *, struct json_object *in,
	    const struct resource_type **rtp, struct json_object **out,
	    struct scim_errbuf *eb);

/*
 * Insert doc (from load_prepare) as a new resource of tenant: *rid gets its
 * number.  SCIM_EUNIQUE (detail in eb) when the id, userName or Group
 * displayName is taken.  Must run inside a write transaction.
 */
int	load_resource(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, struct json_object *doc,
	    uint64_t *rid, struct scim_errbuf *eb);

/*
 * Make the store's version counter at least that of meta.version W/"hex"
 * of doc, so versions the store hands out later never repeat an imported
 * one (an old ETag must not match new content).
 */
int	load_version_floor(struct store_txn *, struct json_object *doc);

#endif /* LOAD_H */
