/*
 * The events of one successful change (event.h's outbox), written by the
 * write path right after the change's audit record, in the same
 * transaction.  Which events a change gives, in this order:
 *
 *   create       user.created | group.created, then group.members_added
 *                when the group's members are too many to inline
 *   delete       user.deleted | group.deleted with the old values in
 *                modifiedProperties (as the audit record has them) and,
 *                for a group, its members' ids in "members"; then a
 *                group.members_removed (the group as it is now, "members"
 *                the deleted id) for each group the deleted resource was
 *                in.  On a store so full that only deletes are taken
 *                (store_low_space) the delete event is "partial": no
 *                modifiedProperties, no members, and the group events
 *                carry no resource, so deletes fit in the pages kept
 *   disable      user.disabled (active to false), enable: user.enabled
 *   update       user.updated; for a group: group.updated when attributes
 *                changed, group.members_added when members were added,
 *                group.members_removed when some were removed (each only
 *                when it happened; group.updated when none did)
 *
 * "resource" is the resource after the change as a reply renders it with
 * no attributes/excludedAttributes, without "members" for a group of more
 * than WRITE_EVENT_INLINE_MEMBERS (the member events name the ids).
 */
#ifndef WRITE_EVENT_H
#define WRITE_EVENT_H

#include <stdint.h>

struct audit_event;
struct store_txn;
struct write_ctx;

#define WRITE_EVENT_INLINE_MEMBERS	1000

/*
 * Append the events of ev (a change made under wc to resource rid) inside t;
 * nothing for a failure or a change that changed nothing.  A delete gives
 * groups, the rids of the groups rid was in (or NULL), and had, the member
 * ids of a deleted group (or NULL).  SCIM_OK or a storage error (which
 * undoes the change with its events).
 */
int	write_event(struct store_txn *t, const struct write_ctx *wc,
	    const struct audit_event *ev, uint64_t rid, struct json_object *groups,
	    struct json_object *had);

#endif /* WRITE_EVENT_H */
