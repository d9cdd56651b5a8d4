#!/bin/bash
# soak.sh: a long mixed-load run against one scimd (not part of make check).
#
#	SOAK_SECONDS=600 tests/soak/soak.sh	(from a built tree, or with
#						 top_builddir / SCIMD set)
#
# SOAK_WORKERS (default 4) clients each loop over a user's life cycle:
# create, PATCH (replace displayName, add an e-mail), filter by userName and
# by e-mail, add to a shared group, remove from it, delete.  Every
# SOAK_INTERVAL (30) seconds it prints the requests answered in the interval,
# the rate, the errors so far, and scimd's RSS split into anonymous memory
# (heap: a leak shows here) and file pages (LMDB's map, which grows with the
# store and is page cache, not a leak).  At the end it checks: zero errors,
# anonymous RSS flat (end <= 1.5 x the first interval's + 8 MB), scimd
# alive, `scimctl verify` passes.  Exit status 0 only if all hold.
. "$(dirname "$0")/../integration/lib.sh"

SECS=${SOAK_SECONDS:-600}
NW=${SOAK_WORKERS:-4}
IV=${SOAK_INTERVAL:-30}
S=$SCIM_TMP/soak
mkdir -p "$S"

start_scimd "access_log = no" "log_level = warn" || bail "scimd did not start"
[ "$NEW_TOKEN" = 1 ] || bail "no token"
mkgroup soakgroup || bail "no group"
GROUP=$GID_

rss()
{
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SCIMD_PID/status"
}

# call W METHOD PATH BODY EXPECTED: one request (BODY "" for none), counted;
# EXPECTED is an ERE of acceptable statuses; anything else is an error
call()
{
	local w=$1 m=$2 p=$3 body=${4-} want=$5 st
	if [ -n "$body" ]; then
		st=$(curl -sS -o "$S/b.$w" -w '%{http_code}' --max-time 30 -X "$m" \
		    -H "Authorization: Bearer $TOKEN" \
		    -H 'Content-Type: application/scim+json' \
		    --data-binary "$body" "$BASE$p" 2>>"$S/curl.err")
	else
		st=$(curl -sS -o "$S/b.$w" -w '%{http_code}' --max-time 30 -X "$m" \
		    -H "Authorization: Bearer $TOKEN" "$BASE$p" 2>>"$S/curl.err")
	fi
	echo x >> "$S/n.$w"
	if ! [[ $st =~ ^($want)$ ]]; then
		echo "$(date +%T) $m $p -> $st (wanted $want): $(head -c 200 "$S/b.$w")" >> "$S/errors"
		return 1
	fi
	return 0
}

worker()
{
	local w=$1 i=0 id u
	while [ ! -f "$S/stop" ]; do
		i=$((i + 1))
		u="soak-$w-$i"
		call "$w" POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$u\",\"name\":{\"givenName\":\"S\",\"familyName\":\"$u\"},\"emails\":[{\"value\":\"$u@example.com\",\"type\":\"work\",\"primary\":true}]}" 201 || continue
		id=$(jq -r .id "$S/b.$w")
		call "$w" PATCH "/Users/$id" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Soak $i\"},{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"value\":\"$u@home.example\",\"type\":\"home\"}]}]}" 200
		call "$w" GET "/Users?filter=userName%20eq%20%22$u%22" "" 200
		call "$w" GET "/Users?filter=emails.value%20eq%20%22$u%40home.example%22&attributes=id" "" 200
		call "$w" PATCH "/Groups/$GROUP" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$id\"}]}]}" '200|204'
		call "$w" PATCH "/Groups/$GROUP" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq \\\"$id\\\"]\"}]}" '200|204'
		call "$w" DELETE "/Users/$id" "" 204
	done
}

count()
{
	cat "$S"/n.* 2>/dev/null | wc -l
}

errors()
{
	[ -f "$S/errors" ] && wc -l < "$S/errors" || echo 0
}

echo "# soak: $SECS s, $NW workers, scimd pid $SCIMD_PID on port $PORT"
anon0=$(rss RssAnon)
file0=$(rss RssFile)
echo "# start: RSS $(rss VmRSS) kB (anon $anon0 kB, file $file0 kB)"
pids=()
for w in $(seq "$NW"); do
	worker "$w" &
	pids+=($!)
done
t0=$(date +%s)
prev=0
anon1=
elapsed=0
while [ "$elapsed" -lt "$SECS" ]; do
	left=$((SECS - elapsed))
	sleep $((left < IV ? left : IV))
	now=$(date +%s)
	elapsed=$((now - t0))
	n=$(count)
	kill -0 "$SCIMD_PID" 2>/dev/null || { echo "# scimd died"; break; }
	a=$(rss RssAnon)
	[ -n "$anon1" ] || anon1=$a
	printf '# t=%4ds  requests %6d  rate %5d/s  errors %d  RSS %d kB (anon %d, file %d)\n' \
	    "$elapsed" "$((n - prev))" "$(((n - prev) / (IV > 0 ? IV : 1)))" \
	    "$(errors)" "$(rss VmRSS)" "$a" "$(rss RssFile)"
	prev=$n
done
touch "$S/stop"
for p in "${pids[@]}"; do
	wait "$p"
done
total=$(count)
anon2=$(rss RssAnon)
echo "# end: RSS $(rss VmRSS) kB (anon $anon2 kB, file $(rss RssFile) kB)"
echo "# $total requests in $elapsed s ($((total / (elapsed > 0 ? elapsed : 1)))/s)"

is "$(errors)" 0 "no errors under load"
[ -s "$S/errors" ] && diag "$(head -n 10 "$S/errors")"
ok "anonymous RSS flat: $anon2 kB at the end, $anon1 kB after the first interval" \
    [ "$anon2" -le $((anon1 * 3 / 2 + 8192)) ]
ok "scimd alive" kill -0 "$SCIMD_PID"
req GET "/Groups/$GROUP"
is "$(jqr '.members | length // 0')" 0 "the group is empty again"
stop_scimd
is $? 0 "scimd stops cleanly"
ctl verify
is "$CTL_RC" 0 "scimctl verify after the soak"
done_testing
