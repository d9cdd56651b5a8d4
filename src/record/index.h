/*
 * Secondary indexes over stored resources (architecture.md section 3):
 * userName, emails.value, externalId and Group displayName.  One function
 * derives the key set of a document; index_update applies the difference
 * between the old and the new key sets (OpenLDAP back-mdb's rule), so the
 * index is always exactly what the stored documents imply.  The uniqueness
 * check of userName and displayName IS the index insert, so a filter and the
 * uniqueness check can never disagree.
 */
#ifndef INDEX_H
#define INDEX_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct resource_type;
struct scim_errbuf;
struct store_txn;

enum index_kind {
	INDEX_USERNAME,		/* User userName, folded, unique */
	INDEX_EMAIL,		/* User emails[].value, folded */
	INDEX_EXTID,		/* externalId, exact, per kind */
	INDEX_GNAME,		/* Group displayName, folded, unique */
	INDEX_NKIND
};

/* A sorted set of resource numbers. */
struct idset {
	uint64_t	*is_v;
	size_t		 is_n;
	size_t		 is_cap;
};

void	idset_add(struct idset *, uint64_t);	/* append; call idset_sort after */
void	idset_sort(struct idset *);		/* sort and de-duplicate */
void	idset_intersect(struct idset *a, const struct idset *b);	/* a &= b */
void	idset_union(struct idset *a, const struct idset *b);		/* a |= b */
int	idset_has(const struct idset *, uint64_t);
void	idset_free(struct idset *);

/*
 * Bring every index of rt in line for resource rid of tenant: old is NULL on
 * create, new is NULL on delete.  Must run inside a write transaction.
 * SCIM_EUNIQUE (detail in eb) when a unique key belongs to another resource;
 * a backend may find that clash only later in the transaction level
 * (STORE_LATE), or at its commit: index_clash words it then.
 */
int	index_update(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, uint64_t rid,
	    struct json_object *old, struct json_object *new,
	    struct scim_errbuf *eb);

/* SCIM_EUNIQUE, with eb naming rt's unique attribute (userName, ...). */
int	index_clash(const struct resource_type *rt, struct scim_errbuf *eb);

/*
 * 1 when an index reads top-level attribute name (any case): a document
 * cut down to those members (and "id") indexes as the whole one does.
 */
int	index_reads(const char *name);

/*
 * Add to out the resource numbers whose key of kind equals value, or starts
 * with it when prefix is set.  A superset is allowed (long values are
 * hashed); callers re-check candidates with the full filter.  limit > 0 stops
 * after that many hits (returns SCIM_ETOOMANY then).
 */
int	index_probe(struct store_txn *, uint32_t tenant,
	    const struct resource_type *rt, enum index_kind kind,
	    const char *value, size_t len, int prefix, size_t limit,
	    struct idset *out);

/*
 * Does an eq probe of kind (not a prefix) on a value of len bytes give
 * exactly the resources whose attribute equals it under the filter's
 * comparison (caseExact as given, ASCII folding otherwise)?  Then the
 * candidates need no re-check.  0 for hashed (long) values.
 */
int	index_probe_exact(enum index_kind kind, int case_exact, size_t len);

/*
 * Check that the index entries of tenant are exactly those derived from the
 * stored resources; *bad counts the differences (each logged).  For
 * scimctl verify and the tests.
 */
int	index_verify(struct store_txn *, uint32_t tenant, size_t *bad);

#endif /* INDEX_H */
