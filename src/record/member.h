/*
 * Group membership, kept outside the group document (architecture.md
 * section 3) so that adding or removing k members costs O(k log n) whatever
 * the group size:
 *
 *   members    T group-R  -> K member-R   (dupsort)
 *   memberof   T K member-R -> group-R    (dupsort)
 *
 * Both directions change in the same write transaction.
 */
#ifndef MEMBER_H
#define MEMBER_H

#include <stddef.h>
#include <stdint.h>

struct idset;
struct store_txn;

/* Add member (tag, rid) to group grid; *added is 0 when it already was. */
int	member_add(struct store_txn *, uint32_t tenant, uint64_t grid,
	    uint8_t tag, uint64_t rid, int *added);
/* Remove it; *removed is 0 when it was not a member. */
int	member_remove(struct store_txn *, uint32_t tenant, uint64_t grid,
	    uint8_t tag, uint64_t rid, int *removed);
/* Remove every member of group grid (group delete, members replace). */
int	member_clear_group(struct store_txn *, uint32_t tenant, uint64_t grid);
/* Remove (tag, rid) from every group it belongs to (user delete). */
int	member_clear_member(struct store_txn *, uint32_t tenant, uint8_t tag,
	    uint64_t rid);

/*
 * Call fn for members of grid in key order, skipping the first skip and
 * stopping after max (0: no limit) or when fn returns non-zero.
 */
int	member_each(struct store_txn *, uint32_t tenant, uint64_t grid,
	    size_t skip, size_t max,
	    int (*fn)(uint8_t tag, uint64_t rid, void *arg), void *arg);
/* Number of members of grid. */
int	member_count(struct store_txn *, uint32_t tenant, uint64_t grid,
	    size_t *n);
/* Groups that (tag, rid) belongs to, added to out. */
int	member_groups(struct store_txn *, uint32_t tenant, uint8_t tag,
	    uint64_t rid, struct idset *out);
/* 1 when (tag, rid) is a member of grid. */
int	member_is(struct store_txn *, uint32_t tenant, uint64_t grid,
	    uint8_t tag, uint64_t rid);

#endif /* MEMBER_H */
