#!/bin/bash
# crash.sh: crash consistency.  Concurrent writers (creates, PATCHes of one
# user, group member adds) run against scimd, which is SIGKILLed at a random
# moment, several times, and restarted on the same data dir.  Afterwards:
# every acknowledged write is there, the store is consistent (`scimctl
# verify`, run on the killed store before each restart), and the audit log
# has exactly one Success record per acknowledged change and no more changes
# than were sent.  durability = full (the default) is what makes an
# acknowledged commit survive; see scimd.conf(5).
. "$(dirname "$0")/lib.sh"

CYCLES=${CRASH_CYCLES:-4}
W=$SCIM_TMP/w
mkdir -p "$W"

start_scimd "durability = full" "log_level = warn" || bail "scimd did not start"
[ "$NEW_TOKEN" = 1 ] || bail "no token printed"
mkuser patchme || bail "no patch target"
PATCH_ID=$UID_
mkgroup crashgroup || bail "no group"
GROUP_ID=$GID_

# post METHOD PATH BODY: one request with curl; sets ST (status), RID
# (X-Request-Id), RB (body).  Used by the writers (no TAP output).
post()
{
	local h b
	h=$(mktemp "$W/h.XXXXXX")
	b=$(mktemp "$W/b.XXXXXX")
	ST=$(curl -sS -o "$b" -D "$h" -w '%{http_code}' --max-time 5 \
	    -X "$1" -H "Authorization: Bearer $TOKEN" \
	    -H "Content-Type: application/scim+json" --data-binary "$3" \
	    "$BASE$2" 2>/dev/null)
	RID=$(tr -d '\r' < "$h" | awk -F': ' 'tolower($1) == "x-request-id" { print $2 }')
	RB=$(cat "$b")
	rm -f "$h" "$b"
}

# creator C: POST users until scimd is gone; acks "id userName reqid"
creator()
{
	local n=0 id
	while :; do
		n=$((n + 1))
		post POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$1-$n\",\"displayName\":\"D $1-$n\",\"emails\":[{\"value\":\"$1-$n@example.com\",\"primary\":true}]}"
		case "$ST" in
		201)	id=$(printf '%s' "$RB" | jq -r .id)
			echo "$id $1-$n $RID" >> "$W/creates.ack" ;;
		000)	return ;;
		*)	echo "$1-$n $ST" >> "$W/errors" ;;
		esac
	done
}

# patcher C: replace displayName of one user; logs "sent V" then "ack V reqid"
patcher()
{
	local n=0 v
	while :; do
		n=$((n + 1))
		v="$1-$n"
		echo "sent $v" >> "$W/patch.log"
		post PATCH "/Users/$PATCH_ID" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"$v\"}]}"
		case "$ST" in
		200|204) echo "ack $v $RID" >> "$W/patch.log" ;;
		000)	return ;;
		*)	echo "patch $v $ST" >> "$W/errors" ;;
		esac
	done
}

# member adder C: create a user, then add it to the group
adder()
{
	local n=0 id
	while :; do
		n=$((n + 1))
		post POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$1-$n\"}"
		case "$ST" in
		201)	id=$(printf '%s' "$RB" | jq -r .id)
			echo "$id $1-$n $RID" >> "$W/creates.ack" ;;
		000)	return ;;
		*)	echo "$1-$n $ST" >> "$W/errors"; continue ;;
		esac
		post PATCH "/Groups/$GROUP_ID" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$id\"}]}]}"
		case "$ST" in
		200|204) echo "$id $RID" >> "$W/members.ack" ;;
		000)	return ;;
		*)	echo "member $id $ST" >> "$W/errors" ;;
		esac
	done
}

: > "$W/creates.ack"
: > "$W/members.ack"
: > "$W/patch.log"
: > "$W/errors"
sent_total=0
c=0
while [ $c -lt "$CYCLES" ]; do
	c=$((c + 1))
	pids=()
	creator "c${c}a" & pids+=($!)
	creator "c${c}b" & pids+=($!)
	patcher "p$c" & pids+=($!)
	adder "m$c" & pids+=($!)
	# kill after 1.0 to 3.0 s of load
	sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
	kill -KILL "$SCIMD_PID"
	wait "$SCIMD_PID" 2>/dev/null
	killed_pid=$SCIMD_PID
	SCIMD_PID=
	for p in "${pids[@]}"; do
		wait "$p"
	done
	ok "cycle $c: scimd $killed_pid was SIGKILLed under load" \
	    [ "$(wc -l < "$W/creates.ack")" -gt 0 ]
	ctl verify
	is "$CTL_RC" 0 "cycle $c: scimctl verify on the killed store"
	[ "$CTL_RC" = 0 ] || diag "$CTL_OUT" "$CTL_ERR"
	start_scimd || bail "cycle $c: scimd did not restart"
	is "$NEW_TOKEN" 0 "cycle $c: restart keeps the token"
	req GET "/Users/$PATCH_ID"
	is "$STATUS" 200 "cycle $c: restarted scimd serves"
done

is "$(cat "$W/errors")" "" "writers saw no error status (only 2xx or a dead server)"

# --- every acknowledged create is there, whole ---------------------------------

ncreate=$(wc -l < "$W/creates.ack")
diag "$ncreate acknowledged creates, $(grep -c '^ack' "$W/patch.log") acknowledged PATCHes, $(wc -l < "$W/members.ack") acknowledged member adds over $CYCLES kills"
req GET "/Users?count=100000&attributes=userName,displayName,emails"
printf '%s' "$BODY" | jq -r '.Resources[] | "\(.id) \(.userName)"' | sort > "$W/stored"
awk '{ print $1, $2 }' "$W/creates.ack" | sort > "$W/acked"
missing=$(comm -23 "$W/acked" "$W/stored" | head -5)
is "$missing" "" "every acknowledged create survived ($ncreate)"
# creators' users are complete: userName, displayName and email agree
bad=$(printf '%s' "$BODY" | jq -r '.Resources[] | select(.userName | test("^c[0-9]+[ab]-")) |
    select(.displayName != "D \(.userName)" or .emails[0].value != "\(.userName)@example.com") | .userName' | head -5)
is "$bad" "" "no stored user is partial"
stored_users=$(printf '%s' "$BODY" | jq '.totalResults')

# --- the PATCHed user: the last acknowledged value or a later one ----------------

req GET "/Users/$PATCH_ID"
val=$(jqr .displayName)
last_ack=$(grep '^ack' "$W/patch.log" | tail -n 1 | awk '{ print $2 }')
# values sent at or after the last acknowledged one
after=$(awk -v a="$last_ack" '$1 == "sent" && ($2 == a || seen) { seen = 1; print $2 }' "$W/patch.log")
ok "PATCHed displayName '$val' is the last acknowledged '$last_ack' or one sent after it" \
    grep -qx -- "$val" <<< "$after"

# --- every acknowledged member add ------------------------------------------------------

req GET "/Groups/$GROUP_ID"
printf '%s' "$BODY" | jq -r '.members[]?.value' | sort > "$W/members"
awk '{ print $1 }' "$W/members.ack" | sort > "$W/members.acked"
is "$(comm -23 "$W/members.acked" "$W/members" | head -5)" "" \
    "every acknowledged member add survived ($(wc -l < "$W/members.ack"))"
nmembers=$(wc -l < "$W/members")

# --- the audit log matches the changes one to one ----------------------------------

stop_scimd
is $? 0 "scimd stops cleanly after the crash cycles"
ctl verify
is "$CTL_RC" 0 "scimctl verify at the end"
if ctl audit --json; then
	printf '%s\n' "$CTL_OUT" | jq -c 'select(.status == "Success")' > "$W/audit"
	jq -r .changeId "$W/audit" | sort > "$W/audit.ids"
	is "$(uniq -d "$W/audit.ids" | head -3)" "" "audit: no change recorded twice"
	{ awk '{ print $3 }' "$W/creates.ack"; awk '$1 == "ack" { print $3 }' "$W/patch.log"
	  awk '{ print $2 }' "$W/members.ack"; } | sort > "$W/acked.ids"
	is "$(comm -23 "$W/acked.ids" "$W/audit.ids" | head -3)" "" \
	    "audit: every acknowledged change has its Success record"
	# records without an ack: only the requests in flight at a kill
	extra=$(comm -13 "$W/acked.ids" "$W/audit.ids" | wc -l)
	# setup wrote 2 (patchme, crashgroup); each kill loses at most 1 per writer,
	# the adder's create and PATCH being sequential
	ok "audit: $extra records beyond the acknowledged ones (at most $((2 + 4 * CYCLES)))" \
	    [ "$extra" -le $((2 + 4 * CYCLES)) ]
	ncreates=$(jq -r 'select(.action == "Create" and .resourceType == "User") | .target.id' "$W/audit" | sort -u | wc -l)
	is "$ncreates" "$stored_users" "audit: one Create record per stored user"
	nadds=$(jq -r "select(.resourceType == \"Group\" and .target.id == \"$GROUP_ID\" and .action == \"Update\") | .changeId" "$W/audit" | wc -l)
	is "$nadds" "$nmembers" "audit: one group Update record per member"
	jq -r "select(.target.id == \"$PATCH_ID\" and .action == \"Update\") | .modifiedProperties[0].newValue" "$W/audit" |
	    tail -n 1 > "$W/lastpatch"
	is "$(cat "$W/lastpatch")" "$val" "audit: the last PATCH record has the stored displayName"
else
	diag "scimctl audit --json failed: skipping the audit checks" "$CTL_ERR"
fi

done_testing
