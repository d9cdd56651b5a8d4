#!/bin/bash
# ops.sh: what an operator relies on: /healthz, /metrics and its exposure,
# SIGHUP reload (applied, restart-only, bad file), SIGTERM draining, online
# backup and restore, export/import between stores, scimctl stats.
. "$(dirname "$0")/lib.sh"

# metric NAME{LABELS}: value of that exact series in the last body, or 0.
metric()
{
	printf '%s\n' "$BODY" | awk -v s="$1" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }'
}

# hup: SIGHUP, then wait until scimd logged the end of the reload.
hup()
{
	local before i=0
	before=$(grep -c 'SIGHUP: [0-9]\|not reloaded' "$SCIMD_ERR")
	kill -HUP "$SCIMD_PID"
	while [ $i -lt 50 ] &&
	    [ "$(grep -c 'SIGHUP: [0-9]\|not reloaded' "$SCIMD_ERR")" -le "$before" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

start_scimd || bail "scimd did not start"
[ "$NEW_TOKEN" = 1 ] || bail "no first token printed"

# --- health ---------------------------------------------------------------------
NO_AUTH=1 req GET "$ROOT/healthz"
status_is 200 "/healthz answers without a token"
json_is .status ok "/healthz body"

# --- metrics --------------------------------------------------------------------
for u in alice bob carol; do
	mkuser "$u" || bail "cannot create $u"
done
mkgroup staff || bail "cannot create a group"
req GET /Users
NO_AUTH=1 req GET /Users
status_is 401 "a request without a token"
NO_AUTH=1 req GET "$ROOT/metrics"
status_is 200 "/metrics from loopback"
like "$CTYPE" '^text/plain; version=0\.0\.4' "/metrics is Prometheus text"
for m in scimd_requests_total scimd_request_duration_seconds_bucket \
    scimd_commit_batches_total scimd_commit_ops_total \
    scimd_commit_seconds_total scimd_commit_batch_size_bucket \
    scimd_resources scimd_audit_records scimd_rejected_total \
    scimd_lmdb_map_used_bytes scimd_lmdb_map_size_bytes \
    scimd_requests_inflight; do
	case $m in
	scimd_lmdb_*) lmdb_only || { skip 1 "LMDB only: metric $m"; continue; } ;;
	esac
	like "$BODY" "^$m[{ ]" "metric $m is exposed"
done
is "$(metric 'scimd_requests_total{endpoint="Users",method="POST",status="201"}')" 3 \
    "POST /Users counted by endpoint, method and status"
is "$(metric 'scimd_requests_total{endpoint="healthz",method="GET",status="200"}')" 1 \
    "/healthz counted"
is "$(metric 'scimd_rejected_total{reason="auth"}')" 1 "the 401 counted as rejected (auth)"
is "$(metric 'scimd_resources{type="User"}')" 3 "scimd_resources counts Users"
is "$(metric 'scimd_resources{type="Group"}')" 1 "scimd_resources counts Groups"
is "$(metric 'scimd_request_duration_seconds_count{endpoint="Users"}')" 5 \
    "latency histogram counts every /Users request"
ok "commit batch histogram sums to the ops committed" test \
    "$(metric scimd_commit_batch_size_sum)" = "$(metric scimd_commit_ops_total)"
if skip_unless_lmdb 1 "the LMDB map"; then
	ok "map use is below the map size" test \
	    "$(metric scimd_lmdb_map_used_bytes)" -lt "$(metric scimd_lmdb_map_size_bytes)"
fi
req GET /Users
NO_AUTH=1 req GET "$ROOT/metrics"
is "$(metric 'scimd_requests_total{endpoint="Users",method="GET",status="200"}')" 2 \
    "the next scrape counts the new request"

# --- SIGHUP -----------------------------------------------------------------------
req GET /Users
json_is '.Resources | length' 3 "page_size 100: all three users"
echo "page_size = 2" >> "$CONF"
echo "log_level = debug" >> "$CONF"
echo "metrics_allow = off" >> "$CONF"
hup
ok "scimd still runs after SIGHUP" kill -0 "$SCIMD_PID"
req GET /Users
json_is '.Resources | length' 2 "SIGHUP applied page_size = 2"
json_is .totalResults 3 "totalResults unchanged"
ok "the reload logged page_size" grep -q 'key page_size changed: applied' "$SCIMD_ERR"
ok "log_level = debug took effect" grep -q 'key log_level changed: applied' "$SCIMD_ERR"
NO_AUTH=1 req GET "$ROOT/metrics"
status_is 404 "metrics_allow = off hides /metrics"

# a key that needs a restart is reported and kept
sed -i 's/^listen = .*/listen = 127.0.0.1:1/' "$CONF"
hup
ok "listen change reported as restart-only" \
    grep -q 'key listen changed: restart to apply' "$SCIMD_ERR"
req GET /Users
status_is 200 "still serving on the old address"

# a bad file is reported and the running configuration stays
echo "page_size = lots" >> "$CONF"
hup
ok "bad file reported with file:line" grep -q "scimd.conf:[0-9]*: page_size" "$SCIMD_ERR"
ok "bad file: not reloaded" grep -q 'not reloaded' "$SCIMD_ERR"
ok "scimd survives a bad file on SIGHUP" kill -0 "$SCIMD_PID"
req GET /Users
json_is '.Resources | length' 2 "the running page_size stays after a bad file"

# back to a good file: metrics reachable again
write_conf "metrics_allow = any"
hup
NO_AUTH=1 req GET "$ROOT/metrics"
status_is 200 "metrics_allow = any after another SIGHUP"
req GET /Users
json_is '.Resources | length' 3 "page_size back to its default"

# --- export / import ------------------------------------------------------------
U1=$(jqr '.Resources[0].id')
U2=$(jqr '.Resources[1].id')
# an "outer" group created before "inner" names it: a forward reference
mkgroup outer || bail "group outer"
GOUTER=$GID_
req POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"inner\",\"members\":[{\"value\":\"$U1\"},{\"value\":\"$U2\"}]}"
status_is 201 "group inner with two members"
GINNER=$(jqr .id)
req PATCH "/Groups/$GOUTER" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$GINNER\"},{\"value\":\"$U1\"}]}")"
ok "outer gets inner and a user" test "$STATUS" = 200 -o "$STATUS" = 204

ctl export --tenant default "$SCIM_TMP/export.jsonl"
is "$CTL_RC" 0 "scimctl export"
is "$(wc -l < "$SCIM_TMP/export.jsonl")" 6 "one line per resource (3 users, 3 groups)"
ok "every line is a JSON object with an id" \
    sh -c "jq -e -s 'all(.[]; (.id | test(\"^[0-9a-f-]{36}\$\")))' '$SCIM_TMP/export.jsonl' >/dev/null"
ok "users come before groups" sh -c \
    "jq -r .meta.resourceType '$SCIM_TMP/export.jsonl' | tr '\n' ' ' | grep -q '^User User User Group Group Group \$'"

cat > "$SCIM_TMP/other.conf" <<EOF
listen = 127.0.0.1:0
data_dir = $SCIM_TMP/other
EOF
"$SCIMCTL" -c "$SCIM_TMP/other.conf" import --tenant default \
    "$SCIM_TMP/export.jsonl" > "$SCIM_TMP/import.out" 2> "$SCIM_TMP/import.err"
is "$?" 0 "scimctl import into a new store"
like "$(cat "$SCIM_TMP/import.err")" 'imported 6 resource\(s\).*0 error' "import reports 6, no errors"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" export --tenant default > "$SCIM_TMP/export2.jsonl" 2>/dev/null
ok "round trip: same ids, meta and memberships" \
    cmp -s <(jq -S -c '.members |= (if . then sort_by(.value) else . end)' "$SCIM_TMP/export.jsonl" | sort) \
    <(jq -S -c '.members |= (if . then sort_by(.value) else . end)' "$SCIM_TMP/export2.jsonl" | sort)
is "$(jq -r "select(.id == \"$GOUTER\") | .members | length" "$SCIM_TMP/export2.jsonl")" 2 \
    "the forward group reference was resolved"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" verify > "$SCIM_TMP/verify.out" 2>&1
is "$?" 0 "verify passes on the imported store"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" import --tenant default \
    "$SCIM_TMP/export.jsonl" > /dev/null 2> "$SCIM_TMP/import2.err"
is "$?" 1 "importing the same ids again fails"
like "$(cat "$SCIM_TMP/import2.err")" 'line 1: ' "failures name the line"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" import --tenant acme \
    < "$SCIM_TMP/export.jsonl" > /dev/null 2> "$SCIM_TMP/import3.err"
is "$?" 0 "import from stdin into a new tenant (same ids, other tenant)"
# a bad line amid good ones: the batch is done again line by line, the
# good lines kept; --progress draws the count and rate off a terminal too
{ sed -n 1,2p "$SCIM_TMP/export.jsonl" | jq -c '.id |= (.[0:35] + "f")'
  echo '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"bad"}'
  sed -n 3p "$SCIM_TMP/export.jsonl" | jq -c '.id |= (.[0:35] + "f")'; } \
    > "$SCIM_TMP/mixed.jsonl"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" import --tenant mix --progress \
    "$SCIM_TMP/mixed.jsonl" > /dev/null 2> "$SCIM_TMP/import4.err"
is "$?" 1 "a bad line fails the import"
like "$(cat "$SCIM_TMP/import4.err")" 'line 3: ' "the bad line named"
like "$(cat "$SCIM_TMP/import4.err")" 'imported 3 resource\(s\).*1 error' \
    "the three good ones imported"
like "$(cat "$SCIM_TMP/import4.err")" 'import \[#+\] 100%  3  [0-9]+/s' \
    "--progress: count and rate"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" verify > "$SCIM_TMP/verify2.out" 2>&1
is "$?" 0 "verify passes after a partly bad import"
# 1,500 lines: several of the reader's batches (512 lines) in one
# transaction; a line that is not JSON at 700, a taken userName at 1,300,
# blank lines counted but skipped
for i in $(seq 1 1500); do
	case $i in
	700) echo '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],' ;;
	1300) printf '{"schemas":["%s"],"id":"%s","userName":"bulk-1@example.com"}\n' \
	    "$CORE_USER" "$(printf '00000000-0000-4000-8000-%012d' "$i")" ;;
	1400) echo ;;
	*) printf '{"schemas":["%s"],"id":"%s","userName":"bulk-%d@example.com"}\n' \
	    "$CORE_USER" "$(printf '00000000-0000-4000-8000-%012d' "$i")" "$i" ;;
	esac
done > "$SCIM_TMP/many.jsonl"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" import --tenant many "$SCIM_TMP/many.jsonl" \
    > /dev/null 2> "$SCIM_TMP/import5.err"
is "$?" 1 "1,500 lines with two bad ones: the import fails"
like "$(cat "$SCIM_TMP/import5.err")" 'line 700: .*JSON' "the line that is not JSON named"
like "$(cat "$SCIM_TMP/import5.err")" 'line 1300: ' "the taken userName named"
like "$(cat "$SCIM_TMP/import5.err")" 'imported 1497 resource\(s\).*2 error' \
    "the 1,497 good lines imported"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" export --tenant many 2>/dev/null |
    jq -r .userName | sort > "$SCIM_TMP/many.names"
is "$(wc -l < "$SCIM_TMP/many.names")" 1497 "exported back: 1,497 users"
ok "each good line's user is there, the bad lines' are not" sh -c \
    "seq 1 1500 | grep -vx -e 700 -e 1300 -e 1400 | sed 's/.*/bulk-&@example.com/' | sort | cmp -s - '$SCIM_TMP/many.names'"
# the lines had no meta: each got one, with a version of its own
"$SCIMCTL" -c "$SCIM_TMP/other.conf" export --tenant many 2>/dev/null |
    jq -r '.meta.version // empty' | grep -c '^W/"[0-9a-f]*"$' > "$SCIM_TMP/many.nver"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" export --tenant many 2>/dev/null |
    jq -r '.meta.version' | sort -u | wc -l > "$SCIM_TMP/many.uver"
is "$(cat "$SCIM_TMP/many.nver") $(tr -d ' ' < "$SCIM_TMP/many.uver")" "1497 1497" \
    "imported users without a meta get one each, versions distinct"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" verify > "$SCIM_TMP/verify3.out" 2>&1
is "$?" 0 "verify passes after the large import"

# --- stats ----------------------------------------------------------------------
ctl stats
is "$CTL_RC" 0 "scimctl stats"
if skip_unless_lmdb 1 "the LMDB map"; then
	like "$CTL_OUT" 'map use' "stats shows map use"
fi
like "$CTL_OUT" 'default +3 +3' "stats counts users and groups per tenant"
like "$CTL_OUT" 'events +[1-9]' "stats counts the events"
per=$(printf '%s\n' "$CTL_OUT" | awk '$1 == "per" && $2 == "resource" {print $3}')
res=$(printf '%s\n' "$CTL_OUT" | awk '$1 == "resources" {print $2}')
size=$(printf '%s\n' "$CTL_OUT" | awk '$1 == "map" {print $3} $1 == "database" {print $3}')
ok "stats: bytes per resource is the size over the resources ($per = $size / $res)" \
    test "${per:-x}" = "$((size / res))"
"$SCIMCTL" -c "$SCIM_TMP/other.conf" stats > "$SCIM_TMP/stats2.out" 2>&1
like "$(cat "$SCIM_TMP/stats2.out")" 'acme +3 +3' "stats lists every tenant"

# --- backup while serving, restore ------------------------------------------------
# (LMDB only: under PostgreSQL that is pg_dump's job; the restart checks stay)
if skip_unless_lmdb 5 "scimctl backup and restore copy the LMDB environment"; then
	for i in $(seq 1 20); do
		curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
		    -H "Content-Type: application/scim+json" \
		    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"bg$i\"}" \
		    "$BASE/Users" &
	done
	ctl backup "$SCIM_TMP/backup"
	is "$CTL_RC" 0 "scimctl backup while scimd serves and writes"
	wait_jobs=$(jobs -p | grep -v "^$SCIMD_PID\$")
	[ -n "$wait_jobs" ] && wait $wait_jobs 2>/dev/null
	ok "backup holds data.mdb" test -s "$SCIM_TMP/backup/data.mdb"
	ctl restore "$SCIM_TMP/backup"
	is "$CTL_RC" 1 "restore refuses while scimd has the store open"
	like "$CTL_ERR" 'in use' "and says why"

	# what the backup holds is what scimd served at that moment (minus later writes)
	"$SCIMCTL" -c "$SCIM_TMP/other.conf" restore "$SCIM_TMP/backup" >/dev/null 2>&1
	backup_users=$("$SCIMCTL" -c "$SCIM_TMP/other.conf" export --tenant default \
	    2>/dev/null | jq -s 'map(select(.meta.resourceType == "User")) | length')
	ok "the backup has at least the users created before it" test "$backup_users" -ge 3
fi

req GET "/Users?count=1000&attributes=userName"
before=$(jqr '[.Resources[].userName] | sort | join(",")')
stop_scimd
is "$?" 0 "SIGTERM: scimd exits 0"
if skip_unless_lmdb 1 "scimctl restore"; then
	rm -rf "$SCIM_TMP/data"
	ctl restore "$SCIM_TMP/backup"
	is "$CTL_RC" 0 "scimctl restore into a new data dir"
fi
ctl verify
is "$CTL_RC" 0 "verify passes on the restored store"
start_scimd || bail "scimd did not start on the restored store"
req GET "/Users?count=1000&attributes=userName"
status_is 200 "the old token works on the restored store"
restored=$(jqr '[.Resources[].userName] | sort | join(",")')
if skip_unless_lmdb 1 "scimctl restore"; then
	is "$(jqr .totalResults)" "$backup_users" "the restored store has the backup's users"
fi
like "$restored" '^alice,.*bob,carol' "alice, bob and carol are back"
if skip_unless_lmdb 1 "scimctl restore"; then
	ok "every restored user was served before the backup" sh -c \
	    "for u in \$(echo '$restored' | tr ',' ' '); do echo ',$before,' | grep -q \",\$u,\" || exit 1; done"
fi

# --- SIGTERM drains requests in flight ----------------------------------------------
: > "$SCIM_TMP/codes"
for i in $(seq 1 40); do
	curl -s -o /dev/null -w "$i %{http_code}\n" --max-time 20 -X POST \
	    -H "Authorization: Bearer $TOKEN" \
	    -H "Content-Type: application/scim+json" \
	    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"late$i\"}" \
	    "$BASE/Users" >> "$SCIM_TMP/codes" 2>/dev/null &
done
sleep 0.05
pid=$SCIMD_PID
stop_scimd
is "$?" 0 "SIGTERM with requests in flight: exit 0"
wait_jobs=$(jobs -p)
[ -n "$wait_jobs" ] && wait $wait_jobs 2>/dev/null
ok "every request got 201 or no reply at all (never an error)" \
    sh -c "! awk '{ print \$2 }' '$SCIM_TMP/codes' | grep -qv '^\\(201\\|000\\)\$'"
acked=$(awk '$2 == 201 { printf "late%s\n", $1 }' "$SCIM_TMP/codes" | sort)
ok "the log says scimd stopped" grep -q 'stopped' "$SCIMD_ERR"
start_scimd || bail "restart after SIGTERM"
req GET "/Users?filter=userName%20sw%20%22late%22&count=1000&attributes=userName"
stored=$(jqr '.Resources[].userName' | sort)
lost=$(comm -23 <(echo "$acked") <(echo "$stored") | tr '\n' ' ')
is "$lost" "" "every acknowledged write survived the shutdown"
diag "$(echo "$acked" | grep -c late) of 40 requests were answered before the shutdown"

# --- the access log: buffered per loop iteration, never lost, in order -------
# acl PHASE: 4 keep-alive connections of 50 requests each, in parallel,
# so lines of several requests share one write.
acl()
{
	local c i pids=

	for c in 1 2 3 4; do
		for i in $(seq 1 50); do
			printf 'url = "%s/Users/acl-%s-%s-%s"\noutput = /dev/null\n' \
			    "$BASE" "$1" "$c" "$i"
		done > "$SCIM_TMP/acl.$c"
		curl -s --max-time 30 -H "Authorization: Bearer $TOKEN" \
		    -K "$SCIM_TMP/acl.$c" &
		pids="$pids $!"
	done
	wait $pids
}
# acl_lines PHASE: the phase's access lines, as "connection request".
acl_lines()
{
	sed -n "s|.* GET /scim/v2/Users/acl-$1-\([0-9]*\)-\([0-9]*\) 404 .*|\1 \2|p" \
	    "$SCIMD_ERR"
}
# (the scimd restarted after the drain test)
acl a
# written at the loop's next turn, not held until the buffer fills
i=0
while [ "$(acl_lines a | wc -l)" -lt 200 ] && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(acl_lines a | wc -l)" 200 "the lines are written while scimd idles"
hup
ok "SIGHUP: all 200 lines logged before the reload's own" test \
    "$(sed '/SIGHUP: reloading/q' "$SCIMD_ERR" | grep -c ' /scim/v2/Users/acl-a-')" = 200
acl b
stop_scimd
is "$?" 0 "SIGTERM after the access log test: exit 0"
is "$(acl_lines b | wc -l)" 200 "SIGTERM: every line of the last requests written"
ok "after the reload's line" test "$(sed '1,/SIGHUP: reloading/d' "$SCIMD_ERR" |
    grep -c ' /scim/v2/Users/acl-b-')" = 200
for ph in a b; do
	acl_lines $ph > "$SCIM_TMP/acl.lines"
	inorder=yes
	for c in 1 2 3 4; do
		[ "$(sed -n "s/^$c //p" "$SCIM_TMP/acl.lines" | tr '\n' ' ')" = \
		    "$(seq 1 50 | tr '\n' ' ')" ] || inorder=no
	done
	is "$inorder" yes "phase $ph: each connection's lines in request order"
done
ok "nothing logged twice" test \
    "$(grep -c ' /scim/v2/Users/acl-' "$SCIMD_ERR")" = 400

# shutdown_timeout = 0: exit at once, still cleanly
stop_scimd
start_scimd "shutdown_timeout = 0" || bail "start with shutdown_timeout = 0"
stop_scimd
is "$?" 0 "shutdown_timeout = 0: exit 0"
"$SCIMD" -t -c "$CONF" > /dev/null 2>&1
is "$?" 0 "scimd -t accepts the new keys"

done_testing
