/*
 * Loading whole resources as they were exported (scimctl import): the
 * document keeps its id and meta, gets a new resource number in this
 * store, and is inserted with record_insert like a SCIM create, so scimctl
 * verify holds afterwards.  No audit records are written: an import is not
 * a provisioning event.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct resource_type;
struct scim_errbuf;
struct store_txn;

#define LOAD_DEPTH	64	/* JSON nesting accepted in a line */

/*
 * An exported line made ready to insert: the stored form's bytes and no
 * more of its document than the insert reads, so that the thread which
 * made it can let go of the rest while it is still in its cache.
 * Everything here belongs to that thread: free it there.
 */
struct load_item {
	const struct resource_type	*li_rt;		/* User or Group */
	struct json_object		*li_keys;	/* id and indexed members */
	struct json_object		*li_members;	/* a Group's, or NULL */
	char				*li_text;	/* stored form, compact */
	size_t				 li_len;
	uint64_t			 li_version;	/* meta.version's number */
};

/*
 * Parse the line text (len bytes) and make its stored form: validated and
 * canonical, with the line's id and, when present and well formed, its
 * meta, else a new meta numbered version.  The type is the one named by
 * meta.resourceType or schemas.  No store is touched, so any thread may
 * prepare lines while another inserts them.  SCIM_ESYNTAX/SCIM_EINVAL with
 * a detail in eb for a line that is not a User or Group with a valid id
 * (li is then empty).
 */
int	load_prepare(const char *text, size_t len, uint64_t version,
	    struct load_item *li, struct scim_errbuf *eb);

/*
 * Insert li as a new record of tenant (li_members are the caller's):
 * *rid gets the new resource number.  Before the transaction commits, the
 * caller raises the store's "version" counter past the highest li_version
 * it inserted (store_counter_floor, once: on a database each call is a
 * round trip), so versions handed out later never repeat an imported one
 * (an old ETag must not match new content).  SCIM_EUNIQUE with a detail in
 * eb when the id, userName or Group displayName is taken.  Write
 * transaction; li is only read.
 */
int	load_insert(struct store_txn *, uint32_t tenant,
	    const struct load_item *li, uint64_t *rid, struct scim_errbuf *eb);

/* Free what li holds and empty it. */
void	load_item_free(struct load_item *li);

#endif /* LOAD_H */
