/*
 * Loading whole resources as they were exported (scimctl import): the
 * document keeps its id and meta, gets a new resource number in this
 * store, and is inserted with record_insert like a SCIM create, so scimctl
 * verify holds afterwards.  No audit records are written: an import is not
 * a provisioning event.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stdint.h>

struct json_object;
struct resource_type;
struct scim_errbuf;
struct store_txn;

/*
 * Insert an exported line's document in (any members ignored) as a new
 * record of tenant: validated and canonical, with in's id and, when
 * present and well formed, its meta (else a new meta).  *rtp gets the type
 * named by meta.resourceType or schemas, *rid the new resource number.  The
 * store's version counter is raised to at least meta.version, so versions
 * it hands out later never repeat an imported one (an old ETag must not
 * match new content).  SCIM_EINVAL/SCIM_ESYNTAX with a detail in eb for a
 * document that is not a User or Group with a valid id, SCIM_EUNIQUE when
 * the id, userName or Group displayName is taken.  Must run inside a write
 * transaction.
 */
int	load_resource(struct store_txn *, uint32_t tenant,
	    struct json_object *in, const struct resource_type **rtp,
	    uint64_t *rid, struct scim_errbuf *eb);

#endif /* LOAD_H */
