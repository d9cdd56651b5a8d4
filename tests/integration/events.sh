#!/usr/bin/env bash
# The change outbox and its pull feed (issue 16): one event per successful
# change in the change's own transaction (types, order, seq, changeId,
# modifiedProperties, resource), none for refused or no-op changes, the
# feed's paging, tenant scope and long-poll.
. "$(dirname "$0")/lib.sh"

start_scimd || bail "scimd did not start"
ctl token create adm --admin || bail "cannot create an admin token"
ADM=$CTL_LAST
ctl token create root --admin --all-tenants || bail "no all-tenant token"
ALLTOK=$CTL_LAST
ADMIN=$ROOT/admin/v1

# feed QUERY: GET /admin/v1/events?QUERY with the tenant's admin token
feed() { AUTH=$ADM req GET "$ADMIN/events?$1"; }

feed "after=0"
status_is 200 "empty feed"
json_is '.events|length' 0 "no events yet"
json_is .next 0 "next stays at after"

mkuser alice '"externalId":"ext-a","active":true' || bail "create failed"
ALICE=$UID_
C_CREATE=$(hdr X-Request-Id)
req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"displayName","value":"Alice A"}')"
C_UPD=$(hdr X-Request-Id)
req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"displayName","value":"Alice A"}')"
status_is 200 "no-op PATCH"
req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"active","value":false}')"
req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"active","value":true}')"
req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"alice\"}"
scim_error 409 uniqueness "duplicate refused"
mkuser bob || bail "create bob"
BOB=$UID_
mkgroup staff || bail "create group"
GRP=$GID_
req PATCH "/Groups/$GRP" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$ALICE\"},{\"value\":\"$BOB\"}]}")"
ok "add members" [ "$STATUS" = 200 -o "$STATUS" = 204 ]
req PATCH "/Groups/$GRP" "$(patch_body '{"op":"replace","path":"displayName","value":"Staff"}' "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$BOB\\\"]\"}")"
C_BOTH=$(hdr X-Request-Id)
req PUT "/Groups/$GRP" "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"Staff\",\"members\":[{\"value\":\"$ALICE\"}]}"
status_is 200 "PUT with the same members"
req DELETE "/Users/$BOB"
status_is 204 "delete bob"
req DELETE "/Users/$BOB"
status_is 404 "second delete refused"

feed "after=0&limit=1000"
status_is 200 "feed"
json_is '[.events[].type]|join(",")' \
    "user.created,user.updated,user.disabled,user.enabled,user.created,group.created,group.members_added,group.updated,group.members_removed,group.updated,user.deleted" \
    "one event per change, in commit order, none for refused or no-op"
json_is '[.events[].seq]|join(",")' "1,2,3,4,5,6,7,8,9,10,11" \
    "seq counts up per tenant"
json_is .next 11 "next is the last seq"
json_is '.events[0].changeId' "$C_CREATE" "changeId is the X-Request-Id"
json_is '.events[0].resourceId' "$ALICE" "resourceId"
json_is '.events[0].resourceType' User "resourceType"
json_is '.events[0].tenant' default "tenant name"
json_is '.events[0].resource.userName' alice "resource after the change"
like "$(jqr .events[0].resource.meta.location)" "/Users/$ALICE\$" \
    "resource rendered as a reply (meta.location)"
like "$(jqr .events[0].id)" "$UUID_RE" "event id is a UUID"
json_is '[.events[].id]|unique|length' 11 "event ids are distinct"
like "$(jqr .events[0].time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' \
    "time is RFC 3339"
json_is '.events[1].changeId' "$C_UPD" "update: changeId"
json_is '.events[1].modifiedProperties[0]|[.name,.newValue]|join("=")' \
    "displayName=Alice A" "update: modifiedProperties"
json_is '.events[2].resource.active' false "disabled: active false"
json_is '.events[6].members|sort|join(",")' \
    "$(printf '%s\n' "$ALICE" "$BOB" | sort | paste -sd, -)" \
    "members_added names both"
json_is '.events[6].resource.members|length' 2 "small group: members inlined"
json_is '[.events[7].changeId,.events[8].changeId]|unique|length' 1 \
    "attributes and members of one PATCH: two events, one changeId"
json_is '.events[7].changeId' "$C_BOTH" "the PATCH's changeId"
json_is '.events[8].members|join(",")' "$BOB" "members_removed names bob"
json_is '.events[9].members' null "PUT with the same members: no member event"
json_is '.events[10].resource' null "delete: no resource"
json_is '.events[10].resourceId' "$BOB" "delete: resourceId"
json_is '.events[10].modifiedProperties[]|select(.name == "userName")|.oldValue' \
    bob "delete: modifiedProperties has the old values"
json_is '.events[10].partial' null "delete: not partial"

feed "after=2&limit=2"
json_is '[.events[].seq]|join(",")' "3,4" "after and limit page"
json_is .next 4 "next continues"

# the all-tenant token names the tenant; another tenant sees nothing
AUTH=$ALLTOK req GET "$ADMIN/events"
status_is 400 "all-tenant token without tenant="
AUTH=$ALLTOK req GET "$ADMIN/events?tenant=default&after=10"
json_is '[.events[].seq]|join(",")' 11 "all-tenant token with tenant="
ctl tenant create other || bail "tenant"
ctl token create oadm --admin --tenant other || bail "token"
AUTH=$CTL_LAST req GET "$ADMIN/events"
json_is '.events|length' 0 "another tenant's feed is empty"
AUTH=$ADM req GET "$ADMIN/events?tenant=other"
status_is 403 "a tenant's admin token cannot read another tenant"

feed "after=abc"
status_is 400 "after must be a number"
AUTH=$ADM req POST "$ADMIN/events" '{}'
status_is 405 "POST not allowed"

# long-poll: a held request answers when the next change commits
t0=$(date +%s%N)
( sleep 1; curl -sS -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: application/scim+json" --data-binary \
    "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"carol\"}" "$BASE/Users" ) &
writer=$!
feed "after=11&wait=10"
t1=$(date +%s%N)
wait $writer
json_is '.events[0].type' user.created "long-poll woken by the change"
json_is '.events[0].resource.userName' carol "with the new event"
ok "answered before the wait ran out" [ $(( (t1 - t0) / 1000000 )) -lt 8000 ]
t0=$(date +%s%N)
feed "after=12&wait=1"
t1=$(date +%s%N)
json_is '.events|length' 0 "long-poll without a change: empty"
ok "held for the wait" [ $(( (t1 - t0) / 1000000 )) -ge 900 ]

# events survive a restart; seq goes on
stop_scimd || true
start_scimd || bail "restart"
ADMIN=$ROOT/admin/v1
mkuser dave || bail "create after restart"
feed "after=12"
json_is '[.events[].seq]|join(",")' 13 "seq continues after a restart"

# retention: older events are pruned, seq goes on
stop_scimd || true
start_scimd 'event_retention = 1s' || bail "restart"
ADMIN=$ROOT/admin/v1
# the pruner runs every second: wait for it, not for a guess of its pace
for _ in $(seq 1 100); do
	sleep 0.1
	feed "after=0"
	[ "$(jq '.events|length' <<< "$BODY" 2>/dev/null)" = 0 ] && break
done
json_is '.events|length' 0 "events older than event_retention are pruned"
mkuser erin || bail "create"
feed "after=0"
json_is '[.events[].seq]|join(",")' 14 "seq goes on after pruning"

# deletes and memberships: a deleted member leaves its groups (one
# group.members_removed each, same change); a deleted group names its members
stop_scimd || true
start_scimd || bail "restart"
ADMIN=$ROOT/admin/v1
mkuser frank || bail "create"
FRANK=$UID_
mkuser gina || bail "create"
GINA=$UID_
mkgroup g1 || bail "group"
G1=$GID_
mkgroup g2 || bail "group"
G2=$GID_
for g in "$G1" "$G2"; do
	req PATCH "/Groups/$g" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$FRANK\"},{\"value\":\"$GINA\"}]}")"
done
feed "after=0&limit=1000"
before=$(jqr .next)
req DELETE "/Users/$FRANK"
status_is 204 "delete a member of two groups"
C_DEL=$(hdr X-Request-Id)
feed "after=$before"
json_is '[.events[].type]|join(",")' \
    "user.deleted,group.members_removed,group.members_removed" \
    "the delete, then members_removed for each group it was in"
json_is '[.events[].changeId]|unique|join(",")' "$C_DEL" "all of one change"
json_is '[.events[1:][].resourceId]|sort|join(",")' \
    "$(printf '%s\n' "$G1" "$G2" | sort | paste -sd, -)" "one event per group"
json_is '[.events[1:][].members|join(",")]|unique|join(",")' "$FRANK" \
    "each names the deleted user"
json_is '[.events[1:][].modifiedProperties[0]|.name + "=" + .oldValue]|unique|join(",")' \
    "members=$FRANK" "modifiedProperties: the member as old value"
json_is '[.events[1:][].resource.members|map(.value)|join(",")]|unique|join(",")' \
    "$GINA" "the groups as they are now"
req GET "/Groups/$G1"
json_is '[.members[].value]|join(",")' "$GINA" "the membership is gone"
before=$((before + 3))
req DELETE "/Groups/$G1"
status_is 204 "delete a group"
feed "after=$before"
json_is '[.events[].type]|join(",")' group.deleted "group.deleted alone"
json_is '.events[0].members|join(",")' "$GINA" "group.deleted names its members"
json_is '.events[0].modifiedProperties[]|select(.name == "displayName")|.oldValue' \
    g1 "group.deleted: old values"
req DELETE "/Users/$GINA"
feed "after=$((before + 1))"
json_is '[.events[].type]|join(",")' "user.deleted,group.members_removed" \
    "a deleted group is no longer among a member's groups"
json_is '.events[1].resourceId' "$G2" "only the group left"


# a burst: several changes in each batch's transaction, some refused (their
# savepoints undone): seq counts up without a gap or a repeat, one event per
# user created, and totalResults counts exactly those users
feed "after=0&limit=1000"
before=$(jqr .next)
req GET "/Users?count=0"
users0=$(jqr .totalResults)
mkusers_at_once "$SCIM_TMP/burst" $(for i in $(seq 24); do
	echo "burst$((i % 16))"; done)
ok "burst: 16 created" [ "$(grep -c '^201 ' "$SCIM_TMP/burst")" = 16 ]
ok "burst: 8 duplicates refused" [ "$(grep -c '^409 ' "$SCIM_TMP/burst")" = 8 ]
feed "after=$before&limit=1000"
json_is '[.events[].seq]|join(",")' \
    "$(seq $((before + 1)) $((before + 16)) | paste -sd, -)" \
    "burst: seq without a gap or a repeat"
json_is '[.events[].type]|unique|join(",")' user.created \
    "burst: only the creates"
req GET "/Users?count=0"
json_is .totalResults $((users0 + 16)) "burst: totalResults counts them"

done_testing
