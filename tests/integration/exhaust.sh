#!/bin/bash
# exhaust.sh: resource exhaustion.  (1) A 2 MB LMDB map filled until scimd
# answers 507: a SCIM error without scimType, the store stays readable and
# consistent, deletes still work (scimd keeps the last pages of the map for
# them: store_low_space()), and once enough is deleted creates work again.
# (2) File descriptors: scimd limited to 64 descriptors faces 100
# connections; it must neither exit nor spin, and must serve again once
# they close (evhttp's listener calls our error callback on EMFILE, which
# pauses accepting for a second: connlimit.c).
. "$(dirname "$0")/lib.sh"

command -v prlimit >/dev/null 2>&1 || skip_all "prlimit(1) is not installed"

# --- 1. a full map ------------------------------------------------------------

# (LMDB only: PostgreSQL has no map to fill)
if skip_unless_lmdb 24 "an LMDB map filled to the last page"; then
	# No audit pruning while filling (the pruner would make room behind our
	# back); audit records keep old values, so deletes make room for creates
	# only once the pruner trims them: the second start turns it on.
	start_scimd "map_size = 2M" "log_level = warn" || bail "scimd did not start"
	[ "$NEW_TOKEN" = 1 ] || bail "no token printed"
	ctl token create adm --admin || bail "no admin token"
	ADM=$CTL_LAST

	# Bulk requests of 20 users (3 KB each) until one of them is refused: 507
	# (random letters: scimd packs what it stores, and must not shrink them)
	pad=$(head -c 2250 /dev/urandom | base64 -w0)
	pad1=${pad:0:1500}
	full=0
	b=0
	while [ $b -lt 60 ] && [ $full = 0 ]; do
		b=$((b + 1))
		ops=$(for i in $(seq 20); do
			printf '{"method":"POST","path":"/Users","bulkId":"b%d","data":{"schemas":["%s"],"userName":"fill-%d-%d","displayName":"%s"}},' \
			    "$i" "$CORE_USER" "$b" "$i" "$pad"
		done)
		req POST /Bulk "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"],\"Operations\":[${ops%,}]}"
		[ "$STATUS" = 200 ] || break
		if [ "$(jqr '[.Operations[] | select(.status == "507")] | length')" != 0 ]; then
			full=1
		fi
	done
	is "$full" 1 "a Bulk create was refused with 507 after $b requests"
	is "$(jqr '[.Operations[] | select(.status != "201" and .status != "507")] | length')" 0 \
	    "Bulk statuses were only 201 or 507"
	is "$(jqr '[.Operations[] | select(.status == "507")][0].response.schemas[0]')" \
	    "urn:ietf:params:scim:api:messages:2.0:Error" "Bulk 507 entry carries a SCIM error"

	# the batch's own copy-on-write pages are free again after its commit, so
	# a few single creates may still fit: go on until one is refused
	i=0
	while [ $i -lt 100 ]; do
		i=$((i + 1))
		req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"one-more-$i\",\"displayName\":\"$pad1\"}"
		[ "$STATUS" = 201 ] || break
	done
	scim_error 507 "" "POST on a full store ($((i - 1)) more fitted)"
	req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"one-more-x\",\"displayName\":\"$pad1\"}"
	scim_error 507 "" "a refused create wrote nothing: the next is refused too"
	is "$(jqr '.scimType // "none"')" none "507 has no scimType"
	req PUT "/Users/x" "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"x\"}"
	isnt "$STATUS" 500 "PUT on a full store: no 500"
	mkgroup fullgroup
	scim_error 507 "" "POST /Groups on a full store"

	req GET "/Users?count=5&attributes=userName"
	is "$STATUS" 200 "full store: list works"
	total=$(jqr .totalResults)
	# each create stores the user, its audit record and its event (which
	# holds the user again): about three copies of these 3 KB users
	ok "full store holds many users ($total)" [ "$total" -gt 80 ]
	first=$(jqr '.Resources[0].id')
	req GET "/Users/$first"
	is "$STATUS" 200 "full store: GET by id works"
	req GET "/Users?filter=$(urlenc 'userName eq "fill-1-1"')"
	is "$(jqr .totalResults)" 1 "full store: indexed filter works"
	ctl verify
	is "$CTL_RC" 0 "full store: scimctl verify passes"

	# deletes still work on a full store
	req GET "/Users?count=50&attributes=id"
	ids=$(jqr '.Resources[].id')
	dels=0
	for id in $ids; do
		req DELETE "/Users/$id"
		[ "$STATUS" = 204 ] && dels=$((dels + 1))
	done
	is "$dels" 50 "50 deletes on the full store all answered 204"
	AUTH=$ADM req GET "$ROOT/admin/v1/events?after=0&limit=1000"
	# a delete while the store is nearly full says so ("partial": no old
	# values); once deletes have freed room, the old values come back
	# (how soon depends on how compactly events are stored)
	is "$(jqr '[.events[] | select(.type == "user.deleted")] | map(if .partial then (.modifiedProperties | length) == 0 else (.modifiedProperties | length) > 0 end) | all')" \
	    true "deletes on the full store: each event partial without old values, or complete with them"
	is "$(jqr '[.events[] | select(.type == "user.deleted")] | length')" 50 \
	    "deletes on the full store: an event for each"
	req GET "/Users/$first"
	scim_error 404 "" "a deleted user is gone"
	stop_scimd
	is $? 0 "scimd stops cleanly on a full store"
	ctl verify
	is "$CTL_RC" 0 "scimctl verify after the deletes"
	# creates come back once the audit pruner has trimmed the records
	start_scimd "map_size = 2M" "audit_max_records = 50" "log_level = warn" ||
	    bail "no restart on the full store"
	i=0
	while [ $i -lt 200 ]; do
		req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"after-deletes\"}"
		[ "$STATUS" = 507 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	is "$STATUS" 201 "a create works again after the deletes ($i retries)"
	req GET "/Users?count=0"
	is "$(jqr .totalResults)" "$((total - 50 + 1))" "user count after the deletes and the create"
	req GET "/Users?filter=$(urlenc 'userName eq "one-more-x"')"
	is "$(jqr .totalResults)" 0 "the refused user was not stored"
	stop_scimd
	is $? 0 "scimd stops cleanly after filling its map"
	ctl verify
	is "$CTL_RC" 0 "scimctl verify after the full-map run"
	start_scimd || bail "no restart on the full store"
	req GET "/Users?filter=$(urlenc 'userName eq "after-deletes"')"
	is "$(jqr .totalResults)" 1 "restart on a nearly full store serves"
	stop_scimd
fi

# --- 2. out of file descriptors -----------------------------------------------------

rm -rf "$SCIM_TMP/data"
SCIMD_WRAPPER="prlimit --nofile=64:64 --" start_scimd "timeout = 4s" ||
    bail "scimd did not start with 64 descriptors"
ok "scimd runs with a 64-descriptor limit" \
    grep -q 'Max open files *64 *64' "/proc/$SCIMD_PID/limits"
mkuser fdtest || bail "no user"

fds=()
for i in $(seq 100); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" && fds+=("$fd")
done 2>/dev/null
is "${#fds[@]}" 100 "100 connections opened (scimd may hold only ~60)"
tck=$(getconf CLK_TCK)
cpu()
{
	awk '{ print $14 + $15 }' "/proc/$SCIMD_PID/stat"
}
sleep 0.5
c0=$(cpu)
sleep 2
c1=$(cpu)
pct=$(((c1 - c0) * 100 / (2 * tck)))
ok "scimd is not spinning while out of descriptors (${pct}% CPU)" [ "$pct" -lt 50 ]
ok "scimd is still running" kill -0 "$SCIMD_PID"
ok "scimd logged EMFILE and paused accepting" \
    grep -q 'accept: Too many open files; pausing' "$SCIMD_ERR"

for fd in "${fds[@]}"; do
	exec {fd}>&-
done
# recovery: the descriptors come back as scimd sees the closes (and cuts
# idle ones after timeout)
i=0
STATUS=000
while [ $i -lt 100 ]; do
	req GET "/Users?count=0"
	[ "$STATUS" = 200 ] && break
	sleep 0.1
	i=$((i + 1))
done
is "$STATUS" 200 "scimd serves again after the connections closed ($i tries)"
mkuser fdtest2
is "$STATUS" 201 "and writes again"
ok "scimd is still running after the descriptor storm" kill -0 "$SCIMD_PID"
stop_scimd
is $? 0 "scimd stops cleanly"

done_testing
