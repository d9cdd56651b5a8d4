#!/bin/bash
# multi_pg.sh: several scimd on one PostgreSQL database (pg_suite.sh runs it
# with SCIMD_TEST_PG set; without it, it skips).
#   0. two instances started together on an empty database: both migrate
#      and come up, one initial token; scimctl migrate
#   a. what one instance writes the other serves at once (GET, filter,
#      PATCH, groups, delete); tokens made by scimctl or the admin API work
#      on both, and a revoked one is refused by both within a second
#   b. the create race: pairs of POSTs of one userName (or group
#      displayName) in two cases, one to each instance at the same moment:
#      one 201 and one 409 uniqueness per pair, one resource stored
#   c. kill -9 of one instance while a client creates users through it:
#      every acknowledged create is there through the other
#   d. the database restarted (its own throwaway cluster) under load: 503
#      with Retry-After and a SCIM error, or success, never a hang; both
#      instances serve again by themselves; every acknowledged create kept
#   e. the audit follow (long-poll) on one instance wakes for a change made
#      through the other, and a follower misses no record while both write
. "$(dirname "$0")/lib.sh"

[ "$SCIMD_BACKEND" = pg ] ||
    skip_all "needs PostgreSQL: SCIMD_TEST_PG (make check runs it from pg_suite.sh)"

CLUSTER=$_tests_dir/pg/cluster.sh
W=$SCIM_TMP/w
mkdir -p "$W"

# now_ms: milliseconds since the epoch
now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# within MS LIMIT: MS (a number or "never") is at most LIMIT
within()
{
	[ "$1" != never ] && [ "$1" -le "$2" ]
}

# on INSTANCE CMD...: run CMD (req, mkuser, ...) against INSTANCE's /scim/v2
on()
{
	local b=${1}_BASE
	shift
	BASE=${!b} "$@"
}

# fire LIST: send every line "TAG URL BODY" of LIST (POSTs) at once, with
# curl --parallel; sets $W/TAG.body, and "TAG CODE" lines in $W/codes
fire()
{
	local -a args=(--parallel --parallel-immediate --parallel-max 100)
	local tag url body

	while read -r tag url body; do
		args+=(-sS -o "$W/$tag.body" -w "$tag %{http_code}\n" --max-time 20
		    -X POST -H 'Accept:' -H 'Expect:'
		    -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CT"
		    --data-binary "$body" "$url" --next)
	done < "$1"
	unset 'args[${#args[@]}-1]'
	curl "${args[@]}" > "$W/codes" 2> "$W/curl.err"
}

# code TAG: the status of TAG in $W/codes
code()
{
	awk -v t="$1" '$1 == t { print $2 }' "$W/codes"
}

# is_uniqueness FILE: FILE is a SCIM 409 uniqueness error
is_uniqueness()
{
	jq -e '(.schemas | index("urn:ietf:params:scim:api:messages:2.0:Error")) != null and
	    .status == "409" and .scimType == "uniqueness"' "$1" > /dev/null 2>&1
}

# === 0. two instances start together on an empty database ======================

start_instances A B || bail "two scimd on one empty database did not both start"
ok "two instances started together on an empty database both run" \
    kill -0 "$A_PID" "$B_PID"
printed=0
[ -n "$A_TOKEN" ] && printed=$((printed + 1))
[ -n "$B_TOKEN" ] && printed=$((printed + 1))
is "$printed" 1 "exactly one of them made and printed the initial token"
TOKEN=${A_TOKEN:-$B_TOKEN}
[ -n "$TOKEN" ] || bail "no initial token"
CONF=$A_CONF
BASE=$A_BASE
on A req GET /Users
status_is 200 "the initial token works on A"
on B req GET /Users
status_is 200 "the initial token works on B"

ctl migrate
is "$CTL_RC" 0 "scimctl migrate on a migrated database: exit 0"
[ "$CTL_RC" = 0 ] || diag "$CTL_ERR"
# a fresh database migrated by scimctl, then served by scimd
mdb=${_pg_db}_m
if _pg_sql "CREATE DATABASE \"$mdb\"" > /dev/null 2> "$W/psql.err"; then
	at_exit "_pg_sql 'DROP DATABASE IF EXISTS \"$mdb\" WITH (FORCE)' > /dev/null 2>&1"
	{
		echo "listen = 127.0.0.1:0"
		echo "data_dir = $SCIM_TMP/data-m"
		echo "database = \"$SCIMD_TEST_PG dbname=$mdb\""
	} > "$SCIM_TMP/M.conf"
	chmod 600 "$SCIM_TMP/M.conf"
	"$SCIMCTL" -c "$SCIM_TMP/M.conf" migrate > "$W/m.out" 2> "$W/m.err"
	is "$?" 0 "scimctl migrate on an empty database: exit 0"
	[ -s "$W/m.err" ] && diag "$(cat "$W/m.err")"
	"$SCIMCTL" -c "$SCIM_TMP/M.conf" migrate > "$W/m.out" 2> "$W/m.err"
	is "$?" 0 "scimctl migrate again: exit 0"
	ntab=$(_pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" \
	    "dbname=$mdb" 2>/dev/null)
	ok "scimctl migrate created the tables ($ntab)" [ "${ntab:-0}" -gt 0 ]
	start_instance M || bail "scimd did not start on the database scimctl migrated"
	ok "scimd starts on it" [ -n "$M_PORT" ]
	stop_instance M
	is "$?" 0 "and stops cleanly"
else
	_fail "CREATE DATABASE $mdb"
	diag "$(cat "$W/psql.err")"
fi

# === a. one instance's writes served by the other at once ======================

on A mkuser shared.one@example.com '"displayName":"Shared One","externalId":"sh-1"'
status_is 201 "create a user through A"
U=$UID_
on B req GET "/Users/$U"
status_is 200 "B serves it at once"
json_is .userName shared.one@example.com "B: same userName"
on B req GET "/Users?filter=$(urlenc 'userName eq "Shared.One@example.com"')"
json_is '[.totalResults, .Resources[0].id] | join(" ")' "1 $U" \
    "B's filter (userName eq, other case) finds it at once"
on B req GET "/Users?filter=$(urlenc 'externalId eq "sh-1"')"
json_is .totalResults 1 "B's filter on externalId finds it"
on B req PATCH "/Users/$U" "$(patch_body '{"op":"replace","path":"displayName","value":"Changed on B"}')"
status_is 200 "PATCH through B"
ETAG_B=$(hdr ETag)
on A req GET "/Users/$U"
json_is .displayName "Changed on B" "A serves B's PATCH at once"
is "$(hdr ETag)" "$ETAG_B" "both give the same ETag"
on B req POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"Shared Group\",\"members\":[{\"value\":\"$U\"}]}"
status_is 201 "a group with that user as member, through B"
G=$(jqr .id)
on A req GET "/Groups?filter=$(urlenc 'displayName eq "shared group"')"
json_is '[.totalResults, .Resources[0].members[0].value] | join(" ")' "1 $U" \
    "A's filter finds the group and its member"
on A req GET "/Users/$U?attributes=groups"
json_is '.groups[0].value' "$G" "A shows the user's group"
on A req DELETE "/Users/$U"
status_is 204 "delete the user through A"
on B req GET "/Users/$U"
scim_error 404 "" "B no longer serves it"
on B req GET "/Groups/$G"
json_is '.members // [] | length' 0 "B: the group lost its member"

# tokens: scimctl's and the admin API's, on both; revocation within a second
ctl token create both || bail "scimctl token create"
T=$CTL_LAST
for i in 1 2 3; do
	AUTH=$T on A req GET /Users
	AUTH=$T on B req GET /Users
done
AUTH=$T on A req GET /Users
status_is 200 "a token made by scimctl works on A"
AUTH=$T on B req GET /Users
status_is 200 "a token made by scimctl works on B"

# refused_within INSTANCE... : after a revocation, how long (ms) until each
# instance answers 401 with the token $T (polled for 3 s); sets RW_<INST>
refused_within()
{
	local t0 n s left=("$@") still
	t0=$(now_ms)
	for n in "$@"; do
		printf -v "RW_$n" '%s' never
	done
	while [ ${#left[@]} -gt 0 ] && [ $(($(now_ms) - t0)) -lt 3000 ]; do
		still=()
		for n in "${left[@]}"; do
			s=${n}_BASE
			s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
			    -H "Authorization: Bearer $T" "${!s}/Users?count=0")
			if [ "$s" = 401 ]; then
				printf -v "RW_$n" '%s' $(($(now_ms) - t0))
			else
				still+=("$n")
			fi
		done
		left=("${still[@]}")
		[ ${#left[@]} -gt 0 ] && sleep 0.05
	done
}

ctl token revoke both
is "$CTL_RC" 0 "scimctl token revoke"
refused_within A B
ok "A refuses the revoked token within 1 s ($RW_A ms)" within "$RW_A" 1000
ok "B refuses the revoked token within 1 s ($RW_B ms)" within "$RW_B" 1000
AUTH=$T on A req GET /Users
scim_error 401 "" "A: still refused"
AUTH=$T on B req GET /Users
scim_error 401 "" "B: still refused"

ctl token create adm --admin || bail "scimctl token create --admin"
ADM=$CTL_LAST
AUTH=$ADM req POST "$A_ROOT/admin/v1/tokens" '{"name":"api"}'
status_is 201 "a token made through A's admin API"
T=$(jqr .token)
AUTH=$T on B req GET /Users
status_is 200 "works on B at once"
AUTH=$T on A req GET /Users
AUTH=$ADM req DELETE "$A_ROOT/admin/v1/tokens/api"
status_is 204 "revoked through A's admin API"
refused_within B A
ok "B refuses it within 1 s ($RW_B ms)" within "$RW_B" 1000
ok "A refuses it within 1 s ($RW_A ms)" within "$RW_A" 1000

# === b. the create race ==================================================

N=20

# race KIND ROUND MODE: N pairs; KIND users or groups; MODE all (all 2N
# requests at once) or pairs (one pair at a time)
race()
{
	local kind=$1 r=$2 mode=$3 i up lo a b ca cb good=0 bad= x
	: > "$W/race.list"
	: > "$W/codes.all"
	for i in $(seq 1 $N); do
		if [ "$kind" = users ]; then
			up="{\"schemas\":[\"$CORE_USER\"],\"userName\":\"Race$r-$i@x\"}"
			lo="{\"schemas\":[\"$CORE_USER\"],\"userName\":\"race$r-$i@X\"}"
			x=Users
		else
			up="{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"RaceGroup$r-$i\"}"
			lo="{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"racegroup$r-$i\"}"
			x=Groups
		fi
		# which instance gets which case alternates
		if [ $((i % 2)) = 0 ]; then
			a="$A_BASE/$x $up"
			b="$B_BASE/$x $lo"
		else
			a="$A_BASE/$x $lo"
			b="$B_BASE/$x $up"
		fi
		if [ "$mode" = all ]; then
			printf 'a%d %s\nb%d %s\n' "$i" "$a" "$i" "$b" >> "$W/race.list"
		else
			printf 'a%d %s\nb%d %s\n' "$i" "$a" "$i" "$b" > "$W/race.list"
			fire "$W/race.list"
			cat "$W/codes" >> "$W/codes.all"
		fi
	done
	if [ "$mode" = all ]; then
		fire "$W/race.list"
		cat "$W/codes" >> "$W/codes.all"
	fi
	cp "$W/codes.all" "$W/codes"
	for i in $(seq 1 $N); do
		ca=$(code "a$i")
		cb=$(code "b$i")
		case "$ca $cb" in
		"201 409") is_uniqueness "$W/b$i.body" && good=$((good + 1)) ||
		    bad="$bad $i:409-not-uniqueness($(head -c 200 "$W/b$i.body"))" ;;
		"409 201") is_uniqueness "$W/a$i.body" && good=$((good + 1)) ||
		    bad="$bad $i:409-not-uniqueness($(head -c 200 "$W/a$i.body"))" ;;
		*) bad="$bad $i:A=$ca,B=$cb" ;;
		esac
	done
	is "$good" "$N" "$kind race ($mode at once): $N pairs, each one 201 and one 409 uniqueness"
	[ -n "$bad" ] && diag "pairs that were not:$bad" "$(head -c 600 "$W/curl.err")"
	# exactly one of each pair stored, as both instances see it
	if [ "$kind" = users ]; then
		x="/Users?filter=$(urlenc "userName sw \"race$r-\"")&count=1000&attributes=userName"
		a='[.Resources[].userName | ascii_downcase] | [length, (unique | length)] | join(" ")'
	else
		x="/Groups?filter=$(urlenc "displayName sw \"racegroup$r-\"")&count=1000&attributes=displayName"
		a='[.Resources[].displayName | ascii_downcase] | [length, (unique | length)] | join(" ")'
	fi
	on A req GET "$x"
	json_is "$a" "$N $N" "$kind race ($mode): exactly one of each pair stored (through A)"
	on B req GET "$x"
	json_is "$a" "$N $N" "$kind race ($mode): exactly one of each pair stored (through B)"
}

race users 1 all
race users 2 pairs
race groups 1 all
race groups 2 pairs

# === c. kill -9 of one instance while a client creates through it =============

# creator C: POST users to A until it is gone; "id userName" per 201
creator()
{
	local n=0 st
	: > "$W/acked.$1"
	while :; do
		n=$((n + 1))
		st=$(curl -sS -o "$W/cr.$1.body" -w '%{http_code}' --max-time 5 \
		    -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CT" \
		    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"kill-$1-$n\"}" \
		    "$A_BASE/Users" 2>/dev/null)
		case $st in
		201) echo "$(jq -r .id < "$W/cr.$1.body") kill-$1-$n" >> "$W/acked.$1" ;;
		000) return ;;
		*) echo "kill-$1-$n $st" >> "$W/kill.errors" ;;
		esac
	done
}

: > "$W/kill.errors"
pids=()
for c in 1 2 3; do
	creator "$c" &
	pids+=($!)
done
sleep 2.5
killed=$A_PID
kill_instance A
wait "${pids[@]}"
cat "$W"/acked.? | sort > "$W/acked"
nacked=$(wc -l < "$W/acked")
ok "kill -9 of A ($killed) under load, after $nacked acknowledged creates" [ "$nacked" -gt 0 ]
is "$(cat "$W/kill.errors")" "" "A answered every create before its kill with 201"
on B req GET "/Users?filter=$(urlenc 'userName sw "kill-"')&count=10000&attributes=userName"
status_is 200 "B lists the users created through A"
jqr '.Resources[] | "\(.id) \(.userName)"' | sort > "$W/stored"
is "$(comm -23 "$W/acked" "$W/stored" | head -5)" "" \
    "every create A acknowledged before the kill -9 is there through B ($nacked)"
nstored=$(wc -l < "$W/stored")
ok "at most one unacknowledged create per client survived ($((nstored - nacked)))" \
    test $((nstored - nacked)) -ge 0 -a $((nstored - nacked)) -le 3
is "$(cut -d' ' -f2 "$W/stored" | sort | uniq -d | head -3)" "" "no user stored twice"
on B mkuser after.kill@example.com
status_is 201 "B keeps writing after A's kill -9"
ctl audit --json --action Create --status Success
printf '%s\n' "$CTL_OUT" | jq -r 'select(.target.name | startswith("kill-")) | .target.id' |
    sort > "$W/audit.ids"
ok "every stored user has one Create audit record, and every record its user" \
    cmp -s <(cut -d' ' -f1 "$W/stored" | sort) "$W/audit.ids"
start_instance A || bail "A did not restart after kill -9"
is "$A_TOKEN" "" "A's restart made no new token"
on A req GET "/Users?filter=$(urlenc 'userName eq "after.kill@example.com"')"
json_is .totalResults 1 "the restarted A serves what B wrote meanwhile"

# === e. the audit follow across instances =====================================

# long_poll FOLLOWER WRITER NAME: a long-poll on FOLLOWER, a create through
# WRITER a second later
long_poll()
{
	local f=${1}_ROOT w=${2}_BASE top t0 t1 bg ms
	AUTH=$ADM req GET "${!f}/admin/v1/audit?limit=1"
	top=$(jqr '.records[0].seq')
	(sleep 1; curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
	    -H "Content-Type: $CT" -X POST "${!w}/Users" \
	    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$3\"}") &
	bg=$!
	t0=$(now_ms)
	AUTH=$ADM req GET "${!f}/admin/v1/audit?after=$top&wait=20"
	t1=$(now_ms)
	wait "$bg"
	json_is '[.records[].target.name] | join(",")' "$3" \
	    "a long-poll on $1 returns the create made through $2"
	ms=$((t1 - t0))
	ok "and answers as the write happens, not at its timeout (${ms} ms)" \
	    test $ms -ge 700 -a $ms -lt 3000
}
long_poll B A follow.one
long_poll A B follow.two

# a follower on B reads every record while A and B both write
AUTH=$ADM req GET "$B_ROOT/admin/v1/audit?limit=1"
TOP=$(jqr '.records[0].seq')
follower()
{
	local next=$TOP
	: > "$W/followed"
	while :; do
		curl -s -o "$W/f.body" --max-time 10 -H "Authorization: Bearer $ADM" \
		    "$B_ROOT/admin/v1/audit?after=$next&wait=1&limit=1000" || continue
		jq -r '.records[].seq' < "$W/f.body" >> "$W/followed"
		n=$(jq -r '.next // empty' < "$W/f.body")
		[ -n "$n" ] && next=$n
		[ -f "$W/follow.stop" ] && [ "$(jq '.records | length' < "$W/f.body")" = 0 ] &&
		    break
	done
}
writer()
{
	local n=0 base=${1}_BASE
	while [ ! -f "$W/writers.stop" ]; do
		n=$((n + 1))
		curl -s -o /dev/null --max-time 5 -X POST \
		    -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CT" \
		    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"fw-$1-$2-$n\"}" \
		    "${!base}/Users"
	done
}
rm -f "$W/follow.stop" "$W/writers.stop"
follower &
fpid=$!
wpids=()
for i in 1 2 3; do
	writer A "$i" & wpids+=($!)
	writer B "$i" & wpids+=($!)
done
sleep 3
touch "$W/writers.stop"
wait "${wpids[@]}"
sleep 1.5
touch "$W/follow.stop"
wait "$fpid"
# every record after TOP, read at rest
: > "$W/all"
next=$TOP
while :; do
	AUTH=$ADM req GET "$A_ROOT/admin/v1/audit?after=$next&limit=1000"
	[ "$(jqr '.records | length')" = 0 ] && break
	jqr '.records[].seq' >> "$W/all"
	next=$(jqr .next)
done
nall=$(sort -u "$W/all" | wc -l)
ok "A and B wrote records meanwhile ($nall)" [ "$nall" -gt 20 ]
is "$(sort "$W/all" | uniq -d | head -3)" "" "no sequence number twice"
is "$(comm -23 <(sort -u "$W/all") <(sort -u "$W/followed") | head -5 | tr '\n' ' ')" "" \
    "the follower on B missed none of them"
is "$(sort "$W/followed" | uniq -d | head -3)" "" "and read none twice"

# === d. the database restarted under load =======================================

if ! bash "$CLUSTER" bindir > /dev/null 2>&1; then
	skip 1 "no PostgreSQL server binaries for a cluster of its own"
	done_testing
fi
# (not in $SCIM_TMP, which only we may enter; cluster.sh stop removes it)
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/scimd-pgd.XXXXXX") || bail "mktemp -d failed"
if ! CI2=$(bash "$CLUSTER" start "$PGDIR" 2> "$W/cluster.err"); then
	_fail "a cluster of its own for the restart test"
	diag "$(cat "$W/cluster.err")"
	done_testing
fi
at_exit "bash '$CLUSTER' stop '$PGDIR' > /dev/null 2>&1"
for n in C D; do
	{
		echo "listen = 127.0.0.1:0"
		echo "data_dir = $SCIM_TMP/data-$n"
		echo "database = \"$CI2\""
		echo "database_timeout = 1s"
		echo "log_level = info"
	} > "$SCIM_TMP/$n.conf"
	chmod 600 "$SCIM_TMP/$n.conf"
done
start_instances C D || bail "C and D did not start on the restart cluster"
T2=${C_TOKEN:-$D_TOKEN}
[ -n "$T2" ] || bail "no initial token from C or D"
CPID=$C_PID
DPID=$D_PID

# loader NAME: until $W/load.stop, POST a user to NAME and GET the last one
# it created; one line per request: NAME METHOD CODE SECONDS RETRY-AFTER
# SCIM-ERROR-OK
loader()
{
	local n=0 b=${1}_BASE last= out code tm ra se
	b=${!b}
	: > "$W/load.$1"
	: > "$W/lacked.$1"
	while [ ! -f "$W/load.stop" ]; do
		n=$((n + 1))
		for m in POST GET; do
			if [ $m = POST ]; then
				out=$(curl -s -o "$W/lb.$1" -D "$W/lh.$1" \
				    -w '%{http_code} %{time_total}' --max-time 10 \
				    -X POST -H "Authorization: Bearer $T2" \
				    -H "Content-Type: $CT" --data-binary \
				    "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"load-$1-$R-$n\"}" \
				    "$b/Users")
			else
				[ -n "$last" ] || continue
				out=$(curl -s -o "$W/lb.$1" -D "$W/lh.$1" \
				    -w '%{http_code} %{time_total}' --max-time 10 \
				    -H "Authorization: Bearer $T2" "$b/Users/$last")
			fi
			code=${out%% *}
			tm=${out#* }
			ra=$(tr -d '\r' < "$W/lh.$1" | awk -F': *' 'tolower($1) == "retry-after" { v = $2 } END { print (v == "" ? "-" : v) }')
			se=-
			if [ "$code" = 503 ]; then
				jq -e '(.schemas | index("urn:ietf:params:scim:api:messages:2.0:Error")) != null and .status == "503"' \
				    "$W/lb.$1" > /dev/null 2>&1 && se=1 || se=0
			fi
			echo "$1 $m $code $tm $ra $se" >> "$W/load.$1"
			if [ $m = POST ] && [ "$code" = 201 ]; then
				last=$(jq -r .id < "$W/lb.$1")
				echo "$last load-$1-$R-$n" >> "$W/lacked.$1"
			fi
		done
	done
}

# serves_again NAME: POST through NAME until a 201 (30 s); prints the ms
serves_again()
{
	local b=${1}_BASE t0 i=0 st
	t0=$(now_ms)
	while [ $i -lt 300 ]; do
		i=$((i + 1))
		st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
		    -H "Authorization: Bearer $T2" -H "Content-Type: $CT" \
		    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"again-$1-$R-$i\"}" \
		    "${!b}/Users")
		if [ "$st" = 201 ]; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.1
	done
	echo never
	return 1
}

: > "$W/lacked"
for R in fast immediate; do
	rm -f "$W/load.stop"
	loader C & l1=$!
	loader D & l2=$!
	sleep 1
	if ! bash "$CLUSTER" restart "$PGDIR" 3 $R > /dev/null 2> "$W/cluster.err"; then
		_fail "restart ($R) of the database"
		diag "$(cat "$W/cluster.err")"
		touch "$W/load.stop"
		wait $l1 $l2
		continue
	fi
	ms_c=$(serves_again C)
	ms_d=$(serves_again D)
	sleep 1
	touch "$W/load.stop"
	wait $l1 $l2
	cat "$W/load.C" "$W/load.D" > "$W/load.$R"
	cat "$W/lacked.C" "$W/lacked.D" >> "$W/lacked"
	diag "database restart ($R): $(awk '{ print $2, $3 }' "$W/load.$R" | sort | uniq -c | tr -s ' \n' ' ')"
	ok "database restart ($R): C serves again by itself (${ms_c} ms after)" \
	    [ "$ms_c" != never ]
	ok "database restart ($R): D serves again by itself (${ms_d} ms after)" \
	    [ "$ms_d" != never ]
	is "$(for i in C D; do awk '$2 == "GET"' "$W/load.$i" | tail -n 1 |
	    awk '{ print $3 }'; done | tr '\n' ' ')" "200 200 " \
	    "database restart ($R): the last GET by id of each loader succeeded (lookups reconnect)"
	ok "database restart ($R): neither instance was restarted" \
	    kill -0 "$CPID" "$DPID"
	is "$(awk '$3 == "000"' "$W/load.$R" | head -3)" "" \
	    "database restart ($R): no request went unanswered for the client's 10 s"
	is "$(awk '$3 != "503" && $3 != "200" && $3 != "201"' "$W/load.$R" | head -3)" "" \
	    "database restart ($R): every answer was a success or 503"
	n503=$(awk '$3 == "503"' "$W/load.$R" | wc -l)
	ok "database restart ($R): requests during the outage got 503 ($n503)" [ "$n503" -gt 0 ]
	is "$(awk '$3 == "503" && $5 == "-"' "$W/load.$R" | head -3)" "" \
	    "database restart ($R): every 503 has Retry-After"
	is "$(awk '$3 == "503" && $6 != "1"' "$W/load.$R" | head -3)" "" \
	    "database restart ($R): every 503 is a SCIM error"
	slow=$(awk '$4 > 3 { print $2, $3, $4 }' "$W/load.$R" | head -3)
	is "$slow" "" "database restart ($R): no answer took over 3 s (database_timeout = 1s)"

	# the instances hear of each other again (LISTEN after the restart)
	"$SCIMCTL" -c "$C_CONF" token create "after-$R" > "$W/t.out" 2> "$W/t.err"
	T=$(tail -n 1 "$W/t.out")
	BASE=$C_BASE AUTH=$T req GET /Users
	BASE=$D_BASE AUTH=$T req GET /Users
	status_is 200 "database restart ($R): a new scimctl token works on D"
	"$SCIMCTL" -c "$C_CONF" token revoke "after-$R" > /dev/null 2>&1
	refused_within C D
	ok "database restart ($R): C refuses a token revoked afterwards within 1 s ($RW_C ms)" \
	    within "$RW_C" 1000
	ok "database restart ($R): D refuses it within 1 s ($RW_D ms)" \
	    within "$RW_D" 1000
done

sort "$W/lacked" > "$W/lacked.s"
BASE=$D_BASE AUTH=$T2 req GET "/Users?filter=$(urlenc 'userName sw "load-"')&count=100000&attributes=userName"
status_is 200 "list the users created under load"
jqr '.Resources[] | "\(.id) \(.userName)"' | sort > "$W/lstored"
is "$(comm -23 "$W/lacked.s" "$W/lstored" | head -5)" "" \
    "every create acknowledged around the restarts is stored ($(wc -l < "$W/lacked.s"))"
ok "C stops cleanly" stop_instance C
ok "D stops cleanly" stop_instance D

done_testing
