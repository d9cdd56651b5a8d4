#!/bin/bash
# writer.sh: with LMDB a group commit runs on scimd's writer thread, so
# reads never wait for a write.  Another process holds the environment's
# write lock (tests/lmdb_hold, as a long scimctl import would): a create and
# a PATCH sent meanwhile wait for it, unanswered, while GETs, filters and
# discovery are answered at once, from the last commit (the waiting create
# is not visible); once the lock goes, the writes land and are answered in
# the order they were sent, a create refused for its body among them (its
# 400 waits for its failure record's commit).  With the batch's transaction
# in the loop, the first write would stop every request until the lock
# went.  The order of the answers is the order of scimd's access log,
# written as it answers (the clients' own finishing order could swap on a
# busy machine).
. "$(dirname "$0")/lib.sh"

skip_all_unless_lmdb "the writer thread of LMDB's group commit"
HOLD=${LMDB_HOLD:-$_tests_dir/lmdb_hold}
[ -x "$HOLD" ] || HOLD=$top_builddir/tests/lmdb_hold
[ -x "$HOLD" ] || skip_all "no lmdb_hold built"

start_scimd "log_level = info" "access_log = yes" ||
    bail "scimd did not start"
[ "$NEW_TOKEN" = 1 ] || bail "no token printed"
mkuser before || bail "no user"
BEFORE=$UID_

# the lock, until the fifo's writer (fd 7) closes
mkfifo "$SCIM_TMP/hold.in"
"$HOLD" "$SCIM_TMP/data" < "$SCIM_TMP/hold.in" > "$SCIM_TMP/hold.out" 2>&1 &
HOLD_PID=$!
exec 7> "$SCIM_TMP/hold.in"
for i in $(seq 100); do
	grep -q held "$SCIM_TMP/hold.out" 2>/dev/null && break
	sleep 0.1
done
grep -q held "$SCIM_TMP/hold.out" || bail "lmdb_hold: $(cat "$SCIM_TMP/hold.out")"

# writes, in the background: "STATUS" in a file each (fd 7 closed: the
# lock goes when the test closes it, not when curl ends)
write_bg()
{
	exec 7>&-
	curl -sS -o "$SCIM_TMP/$1.body" -w '%{http_code}' --max-time 60 \
	    -X "$2" -H "Authorization: Bearer $TOKEN" \
	    -H "Content-Type: application/scim+json" --data-binary "$4" \
	    "$BASE$3" > "$SCIM_TMP/$1.status" 2> "$SCIM_TMP/$1.err"
}
write_bg create POST /Users \
    "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"during\"}" &
CREATE_PID=$!
sleep 0.5
write_bg patch PATCH "/Users/$BEFORE" \
    "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"patched\"}]}" &
PATCH_PID=$!
sleep 0.5
# a body that fails its checks (made as it is submitted, before the batch)
# still waits: its 400 says its failure record is durable, and that record
# is written in the batch
write_bg invalid POST /Users "{\"schemas\":[\"$CORE_USER\"]}" &
INVALID_PID=$!
sleep 1

ok "a create waits while another process holds the write lock" \
    kill -0 "$CREATE_PID"
ok "so does a PATCH" kill -0 "$PATCH_PID"
ok "so does a create whose body is invalid" kill -0 "$INVALID_PID"

# reads meanwhile: each within 3 seconds
REQ_EXTRA=(--max-time 3)
req GET "/Users/$BEFORE"
status_is 200 "GET by id is answered while a write waits"
json_is .displayName null "it shows the last commit (no PATCH yet)"
REQ_EXTRA=(--max-time 3)
req GET "/Users?filter=userName%20eq%20%22during%22"
status_is 200 "a filter is answered while a write waits"
json_is .totalResults 0 "the waiting create is not visible"
REQ_EXTRA=(--max-time 3)
req GET "/Users?filter=userName%20eq%20%22before%22"
json_is .totalResults 1 "the committed user is found by the filter"
REQ_EXTRA=(--max-time 3)
req GET /ServiceProviderConfig
status_is 200 "discovery is answered while a write waits"
ok "the create still waits after the reads" kill -0 "$CREATE_PID"

# the lock goes: the writes land, in order
exec 7>&-
wait "$HOLD_PID"
wait "$CREATE_PID" "$PATCH_PID" "$INVALID_PID"
is "$(cat "$SCIM_TMP/create.status")" 201 "the create lands once the lock is free"
is "$(cat "$SCIM_TMP/patch.status")" 200 "so does the PATCH"
is "$(cat "$SCIM_TMP/invalid.status")" 400 "the invalid create is refused then"
is "$(jq -r .scimType "$SCIM_TMP/invalid.body")" invalidValue \
    "with scimType invalidValue"
# the writes scimd answered, in its access log's order (flushed once a turn)
answered()
{
	awk '$4 == "POST" && $5 ~ /\/Users$/ { print "create" }
	    $4 == "PATCH" { print "patch" }' "$SCIMD_ERR" | tr '\n' ' '
}
for i in $(seq 50); do
	[ "$(answered)" = "create create patch create " ] && break
	sleep 0.1
done
is "$(answered)" "create create patch create " \
    "answered in the order they were sent (after the first user's create)"
ctl audit --json --action Create --status Failure
like "$CTL_OUT" '"httpStatus": *400' "the invalid create's failure is recorded"
req GET "/Users?filter=userName%20eq%20%22during%22"
json_is .totalResults 1 "the create is visible now"
req GET "/Users/$BEFORE"
json_is .displayName patched "the PATCH is visible now"

ctl verify
is "$CTL_RC" 0 "scimctl verify after the wait"
stop_scimd
is $? 0 "scimd stops cleanly"
done_testing
