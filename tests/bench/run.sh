#!/bin/bash
# run.sh: scimd's benchmark (make bench).  For each backend of
# BENCH_BACKEND it starts a fresh scimd, on a temporary LMDB data
# directory (durability = full) or on a throwaway PostgreSQL cluster
# (tests/pg/cluster.sh; fsync and synchronous_commit on, shared_buffers
# 1GB, a database of its own, over its Unix socket or BENCH_PG_TRANSPORT=tcp),
# checkpointed before each scenario, pinned to CPU 0
# (PostgreSQL too: the server side gets one CPU either way) with the load
# generator on CPU 1, populates it to each size in BENCH_SIZES, and at each
# size runs every scenario BENCH_RUNS times (round robin, so drift in the
# machine's load spreads over all of them).  Prints one Markdown table of
# medians for all backends; ratios are to the static-document rate of the
# same backend and run, and to the floor: a bare evhttp server
# (tests/bench/floor.c, one fixed 600-byte body) started and pinned like
# scimd and loaded like static in the same round robin (scenario "floor").
# "CPU ratio" is the floor's (or static's) CPU time per request over the
# scenario's: what req/s would be with the server's core to itself, the
# figure to trust on a shared machine.  With LMDB the notes also give the
# disk's cost of a durable commit's I/O alone (bench/commitio, disk_note).
# With both backends a second table sets them side by side:
# PostgreSQL's rate over LMDB's per scenario, as the ratio of the medians
# and as the median of each run's ratio.  Both backends are then up for
# the whole run and take turns scenario by scenario (which goes first
# flips every run), so that a slow stretch of a shared machine falls on
# both rather than on the one whose runs it happened to meet, and a run's
# two figures are taken back to back.
#
# It builds nothing: it uses the scimd, scimctl and scimbench of a built
# tree (top_builddir, or SCIMD, SCIMCTL and SCIMBENCH).  It talks only to
# 127.0.0.1, bounds every step with timeout(1), and removes its scimd, its
# cluster and its temporary directory on exit.
#
# Knobs (environment):
#   BENCH_BACKEND=lmdb           lmdb, pg, or both (both up at once, each
#                                scenario run on one then the other)
#   BENCH_SIZES="10000 1000000"  populations, ascending (the store grows)
#   BENCH_SECONDS=10             measurement window per scenario
#   BENCH_WARMUP=1               warm-up before each window
#   BENCH_RUNS=3                 repetitions; medians are reported
#   BENCH_CONNS=32               static, filter, get, patch
#   BENCH_CREATE_CONNS=64        create
#   BENCH_POPULATE_CONNS=128     populate
#   BENCH_SYNC_CONNS=16          sync
#   BENCH_SYNC_USERS=            users per sync (default: 100000, or the
#                                size when smaller)
#   BENCH_GROUP_SIZE=100000      members of the group (at most size-churn)
#   BENCH_CHURN=1000             members added then removed per cycle
#   BENCH_MEMBER_BATCHES="1 1000" members per PATCH, one scenario each
#   BENCH_MEMBER_CONNS=16        connections for member PATCHes of 1
#   BENCH_SCENARIOS="floor static filter filter-email filter-ext get patch
#                   create sync members import"
#                                (and "mixed": GET by id on 4 connections
#                                beside BENCH_CONNS connections of creates;
#                                "import": scimctl import of the size's
#                                users into a store of its own, users/s
#                                and scimctl's CPU per user)
#   BENCH_DURABILITY=full        LMDB: scimd's durability; PostgreSQL:
#                                full = synchronous_commit on, else off
#   BENCH_ACCESS_LOG=yes         scimd's access_log (to a file)
#   BENCH_MAP_SIZE=16G           LMDB map size
#   BENCH_DB_POOL=               PostgreSQL: database_pool (scimd's default)
#   BENCH_PG_CLUSTER=            the throwaway cluster's script
#                                (default tests/pg/cluster.sh)
#   BENCH_PG_SHARED_BUFFERS=1GB  PostgreSQL's shared_buffers
#   BENCH_PG_TRANSPORT=socket    how scimd reaches PostgreSQL: socket (its
#                                Unix socket, as a same-host deployment
#                                would) or tcp (127.0.0.1)
#   BENCH_PG_MAX_WAL_SIZE=4GB    PostgreSQL's max_wal_size
#   BENCH_PIN=yes                taskset scimd (and PostgreSQL) to CPU 0,
#                                scimbench to CPU 1
#   BENCH_SEED=1                 PRNG seed of the key choices
#   BENCH_OUT=bench-results      writes BENCH_OUT.md and BENCH_OUT.jsonl
#   BENCH_KEEP=                  keep the temporary directory (debugging)

set -u

BACKEND=${BENCH_BACKEND:-lmdb}
SIZES=${BENCH_SIZES:-"10000 1000000"}
SECONDS_=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-1}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-32}
CREATE_CONNS=${BENCH_CREATE_CONNS:-64}
POP_CONNS=${BENCH_POPULATE_CONNS:-128}
SYNC_CONNS=${BENCH_SYNC_CONNS:-16}
SYNC_USERS=${BENCH_SYNC_USERS:-}
GROUP_SIZE=${BENCH_GROUP_SIZE:-100000}
CHURN=${BENCH_CHURN:-1000}
MEMBER_BATCHES=${BENCH_MEMBER_BATCHES:-"1 1000"}
MEMBER_CONNS=${BENCH_MEMBER_CONNS:-16}
SCENARIOS=${BENCH_SCENARIOS:-"floor static filter filter-email filter-ext get
    patch create sync members import"}
DURABILITY=${BENCH_DURABILITY:-full}
ACCESS_LOG=${BENCH_ACCESS_LOG:-yes}
MAP_SIZE=${BENCH_MAP_SIZE:-16G}
DB_POOL=${BENCH_DB_POOL:-}
PG_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-1GB}
PG_MAX_WAL=${BENCH_PG_MAX_WAL_SIZE:-4GB}
PG_TRANSPORT=${BENCH_PG_TRANSPORT:-socket}
PIN=${BENCH_PIN:-yes}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_OUT:-bench-results}

here=$(cd "$(dirname "$0")" && pwd)
builddir=${top_builddir:-$here/../..}
SCIMD=${SCIMD:-$builddir/src/scimd}
SCIMCTL=${SCIMCTL:-$builddir/src/scimctl}
SCIMBENCH=${SCIMBENCH:-$builddir/tests/bench/scimbench}
FLOOR=${BENCH_FLOOR_BIN:-$builddir/tests/bench/floor}
COMMITIO=${BENCH_COMMITIO_BIN:-$builddir/tests/bench/commitio}
CLUSTER=${BENCH_PG_CLUSTER:-$here/../pg/cluster.sh}

die()
{
	echo "run.sh: $*" >&2
	exit 1
}

say()
{
	echo "== $*" >&2
}

case $BACKEND in
lmdb|pg)	BACKENDS=$BACKEND ;;
both)		BACKENDS="lmdb pg" ;;
*)		die "BENCH_BACKEND is lmdb, pg or both, not '$BACKEND'" ;;
esac
[ -x "$SCIMD" ] || die "no scimd at $SCIMD (build first, or set SCIMD)"
[ -x "$SCIMBENCH" ] || die "no scimbench at $SCIMBENCH (make bench builds it)"
[ -x "$FLOOR" ] || die "no floor at $FLOOR (make bench builds it)"
command -v jq >/dev/null 2>&1 || die "jq is needed for the summary"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is needed"
case " $BACKENDS " in
*" pg "*)
	[ -f "$CLUSTER" ] ||
	    die "no $CLUSTER to start PostgreSQL (or set BENCH_PG_CLUSTER)"
	command -v psql >/dev/null 2>&1 ||
	    die "psql is needed for the PostgreSQL backend"
	;;
esac
case "$OUT" in /*) ;; *) OUT=$(pwd)/$OUT ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scimbench.XXXXXX") || die "mktemp failed"
SCIMD_PID=
FLOOR_PID=
PGDIR=

cleanup()
{
	local rc=$? b

	# the backend at work, then every backend (run_all keeps both up)
	if declare -F state_save > /dev/null; then
		[ -z "${B:-}" ] || state_save "$B"
	fi
	for b in ${BACKENDS:-}; do
		! declare -F state_load > /dev/null || state_load "$b"
		if [ -n "$SCIMD_PID" ] && kill -0 "$SCIMD_PID" 2>/dev/null; then
			kill -TERM "$SCIMD_PID" 2>/dev/null
			sleep 1
			kill -0 "$SCIMD_PID" 2>/dev/null && sleep 5
			kill -KILL "$SCIMD_PID" 2>/dev/null
			wait "$SCIMD_PID" 2>/dev/null
		fi
		[ -z "$PGDIR" ] || stop_pg
	done
	[ -z "$FLOOR_PID" ] || stop_floor
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "run.sh: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PIN_SRV=()
PIN_CLI=()
if [ "$PIN" = yes ] && command -v taskset >/dev/null 2>&1 &&
    [ "$(nproc)" -ge 2 ]; then
	PIN_SRV=(taskset -c 0)
	PIN_CLI=(taskset -c 1)
	case " $BACKENDS " in
	*" pg "*) pinned="scimd (and PostgreSQL) on CPU 0, scimbench on CPU 1" ;;
	*) pinned="scimd on CPU 0, scimbench on CPU 1" ;;
	esac
else
	pinned="not pinned"
fi

# Notes for the summary's head, one line per backend.
NOTES=$TMP/notes
: > "$NOTES"

# --- PostgreSQL --------------------------------------------------------------

# psql_ SQL: one query on the benchmark's database, unaligned, no header.
psql_()
{
	timeout 600 psql "$CONNINFO" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

# start_pg: a throwaway cluster under $TMP/pg/cluster, pinned like scimd,
# with a database "scimbench"; sets PGDIR, CONNINFO (of that database) and
# PG_PID (the postmaster, for its CPU time).
start_pg()
{
	local sc want ck

	PGDIR=$TMP/pg/cluster
	mkdir -p "$TMP/pg"
	# run as root, the cluster belongs to another account, which must
	# reach its directory
	chmod 755 "$TMP" "$TMP/pg"
	say "starting a throwaway PostgreSQL cluster ($CLUSTER)"
	# to a file, not a pipe: the server must not hold our pipe open
	timeout 180 "${PIN_SRV[@]}" bash "$CLUSTER" start "$PGDIR" \
	    > "$TMP/pg/cluster.out" 2> "$TMP/pg/cluster.err"
	CONNINFO=$(tail -n 1 "$TMP/pg/cluster.out")
	[ -n "$CONNINFO" ] ||
	    { tail -n 5 "$TMP/pg/cluster.err" >&2; die "cluster.sh start failed"; }
	# A small dedicated server's settings rather than a test cluster's
	# (cluster.sh keeps memory small), and the durability of scimd's
	# durability = full: a commit is on disk when it returns.
	if [ "$DURABILITY" = full ]; then want=on; else want=off; fi
	psql_ "ALTER SYSTEM SET shared_buffers = '$PG_SHARED_BUFFERS'" &&
	    psql_ "ALTER SYSTEM SET max_wal_size = '$PG_MAX_WAL'" &&
	    psql_ "ALTER SYSTEM SET fsync = on" &&
	    psql_ "ALTER SYSTEM SET synchronous_commit = $want" ||
	    die "cannot configure the cluster: $CONNINFO"
	timeout 180 "${PIN_SRV[@]}" bash "$CLUSTER" restart "$PGDIR" \
	    > "$TMP/pg/cluster.out" 2>> "$TMP/pg/cluster.err" ||
	    { tail -n 5 "$TMP/pg/cluster.err" >&2; die "cluster.sh restart failed"; }
	psql_ "CREATE DATABASE scimbench" || die "CREATE DATABASE failed"
	sc=$(psql_ "SHOW synchronous_commit")
	[ "$sc" = "$want" ] || say "synchronous_commit is $sc, not $want"
	# the postmaster: the parent of the checkpointer
	ck=$(psql_ "SELECT pid FROM pg_stat_activity
	    WHERE backend_type = 'checkpointer'")
	PG_PID=$(sed 's/.*) //' "/proc/$ck/stat" 2>/dev/null |
	    cut -d' ' -f2)
	[ -n "$PG_PID" ] || say "no postmaster pid: PostgreSQL CPU not measured"
	echo "PostgreSQL: $(psql_ "SELECT split_part(version(), ' ', 2)"), a" \
	    "throwaway cluster ($(basename "$CLUSTER"); ${PIN_SRV[*]:-not" \
	    "pinned}) on this host, reached over" \
	    "$([ "$PG_TRANSPORT" = tcp ] && echo "TCP (127.0.0.1)" ||
	    echo "its Unix socket"): fsync $(psql_ "SHOW fsync")," \
	    "synchronous_commit $sc, shared_buffers" \
	    "$(psql_ "SHOW shared_buffers"), max_wal_size" \
	    "$(psql_ "SHOW max_wal_size"); scimd's database_pool" \
	    "${DB_POOL:-4 (default)}; \"postgres CPU\" is the server's CPU" \
	    "time (all its processes) per request; before each scenario the" \
	    "database is vacuumed (ANALYZE) and checkpointed." >> "$NOTES"
	# cluster.sh listens on 127.0.0.1 and on a socket in its directory
	case $PG_TRANSPORT in
	socket)	CONNINFO=$(printf '%s' "$CONNINFO" |
		    sed "s|\(^\| \)host=[^ ]*|\1host=$PGDIR|") ;;
	tcp)	;;
	*)	die "BENCH_PG_TRANSPORT is socket or tcp, not '$PG_TRANSPORT'" ;;
	esac
	case " $CONNINFO" in
	*" dbname="*)
		CONNINFO=$(printf '%s' "$CONNINFO" |
		    sed 's/\(^\| \)dbname=[^ ]*/\1dbname=scimbench/') ;;
	*)	CONNINFO="$CONNINFO dbname=scimbench" ;;
	esac
}

stop_pg()
{
	timeout 120 bash "$CLUSTER" stop "$PGDIR" > /dev/null 2>&1 ||
	    echo "run.sh: cluster.sh stop $PGDIR failed" >&2
	PGDIR=
}

# --- scimd ---------------------------------------------------------------------

# start_scimd: (re)start scimd; sets SCIMD_PID, PORT, URL, STARTUP_MS and,
# on the first start, TOKEN.
start_scimd()
{
	local i=0 t0 t1

	rm -f "$BD/port"
	t0=$(date +%s%N)
	"${PIN_SRV[@]}" "$SCIMD" -c "$BD/scimd.conf" -p "$BD/port" \
	    > "$BD/scimd.out" 2>> "$BD/scimd.err" &
	SCIMD_PID=$!
	while ! grep -q '^[0-9][0-9]*$' "$BD/port" 2>/dev/null; do
		kill -0 "$SCIMD_PID" 2>/dev/null ||
		    { tail -n 5 "$BD/scimd.err" >&2; die "scimd exited"; }
		i=$((i + 1))
		[ $i -lt 3000 ] || die "scimd did not start within 30 s"
		sleep 0.01
	done
	t1=$(date +%s%N)
	STARTUP_MS=$(( (t1 - t0) / 1000000 ))
	PORT=$(cat "$BD/port")
	URL=http://127.0.0.1:$PORT/scim/v2
	if [ -z "$TOKEN" ] && [ -s "$BD/scimd.out" ]; then
		TOKEN=$(tail -n 1 "$BD/scimd.out")
	fi
}

stop_scimd()
{
	kill -TERM "$SCIMD_PID" 2>/dev/null
	timeout 30 tail --pid="$SCIMD_PID" -f /dev/null
	wait "$SCIMD_PID" 2>/dev/null
	SCIMD_PID=
}

# disk_note DIR: what a durable commit's I/O alone costs the disk under DIR
# (bench/commitio: an LMDB commit's page writes at random places, its
# fdatasync and its O_DSYNC meta page) for 16, 32 and 64 pages, and what
# that allows at 32 connections, where about 16 creates share a commit
# (create's row says how much a create writes: 4 KB a page).
disk_note()
{
	local j
	[ -x "$COMMITIO" ] || return 0
	j=$("$COMMITIO" "$1/commitio.tmp" 16 32 64 2>/dev/null | jq -s .) ||
	    return 0
	echo "$j" | jq -r '"This disk (bench/commitio): the I/O alone of " +
	    "a commit (random 4 KB page writes, fdatasync, meta page) takes " +
	    (map("\(.commit_ms) ms for \(.pages) pages") | join(", ")) +
	    "; with 16 creates a commit (32 connections) that caps durable " +
	    "creates near " + (map("\(16000 / .commit_ms | floor)") |
	    join(", ")) + "/s at " + (map("\(.pages / 16)") | join(", ")) +
	    " pages a create, before any CPU."' >> "$NOTES"
}

# start_floor: the bare evhttp server, pinned like scimd; sets FLOOR_PID
# and FLOOR_URL (any path gets the body).
start_floor()
{
	local i=0

	"${PIN_SRV[@]}" "$FLOOR" -p "$TMP/floor.port" 2> "$TMP/floor.err" &
	FLOOR_PID=$!
	while ! grep -q '^[0-9][0-9]*$' "$TMP/floor.port" 2>/dev/null; do
		kill -0 "$FLOOR_PID" 2>/dev/null || die "floor exited"
		i=$((i + 1))
		[ $i -lt 3000 ] || die "floor did not start within 30 s"
		sleep 0.01
	done
	FLOOR_URL=http://127.0.0.1:$(cat "$TMP/floor.port")/scim/v2
}

stop_floor()
{
	kill -TERM "$FLOOR_PID" 2>/dev/null
	wait "$FLOOR_PID" 2>/dev/null
	FLOOR_PID=
	rm -f "$TMP/floor.port"
}

RESULTS=$TMP/results.jsonl
: > "$RESULTS"

# bench SIZE RUN TIMEOUT ARGS...: one scimbench run, its JSON line kept.
bench()
{
	local size=$1 run=$2 limit=$3 line
	shift 3

	timeout "$limit" "${PIN_CLI[@]}" "$SCIMBENCH" -u "${BENCH_URL:-$URL}" \
	    -t "$TOKEN" -p "${BENCH_PID:-$SCIMD_PID}" "${STORE_ARGS[@]}" \
	    -S "$SEED" "$@" \
	    > "$TMP/one.out" 2> "$TMP/one.err"
	local rc=$?
	grep -v '^{' "$TMP/one.out" | sed 's/^/   /' >&2
	[ $rc -eq 0 ] || { echo "   (scimbench exit $rc)" >&2;
	    tail -n 3 "$TMP/one.err" | sed 's/^/   /' >&2; }
	line=$(grep '^{' "$TMP/one.out" | tail -n 1)
	[ -n "$line" ] || return 1
	printf '%s\n' "$line" | jq -c --argjson size "$size" \
	    --argjson run "$run" --arg name "${BENCH_NAME:-}" \
	    --arg backend "$B" \
	    '. + {backend: $backend, size: $size, run: $run} +
	    (if $name != "" then {scenario: $name} else {} end)' \
	    >> "$RESULTS"
}

# storm_note: the creates/s of mixed's storm, said and added to its record
storm_note()
{
	local rps

	rps=$(grep '^{' "$TMP/storm.out" | tail -n 1 | jq -r '.rps // empty')
	[ -n "$rps" ] || return 0
	say "$B: creates beside the reads: $rps/s"
	jq -c --argjson r "$rps" --argjson c "$CONNS" 'if .scenario ==
	    "mixed" and .storm_rps == null then . + {storm_rps: $r,
	    storm_conns: $c} else . end' \
	    "$RESULTS" > "$TMP/results.new" && mv "$TMP/results.new" "$RESULTS"
}

# storage SIZE: the store's bytes after populating, in total (STORE_BYTES)
# and by LMDB database or PostgreSQL table (a "storage" record).
storage()
{
	local size=$1

	case $B in
	lmdb)
		STORE_BYTES=$(stat -c %s "$BD/data/data.mdb")
		command -v mdb_stat >/dev/null 2>&1 || return 0
		# pages per database, for bytes per user of each
		mdb_stat -a "$BD/data" 2>/dev/null | awk -v n="$size" '
		    BEGIN { db = "freelist" }
		    /^Status of / { db = $3 }
		    /Branch pages|Leaf pages|Overflow pages/ { p[db] += $3 }
		    /Free pages/ { free += $3 }
		    END { printf "{\"scenario\":\"storage\",\"backend\":\"lmdb\","
			  printf "\"size\":%d,\"run\":0,", n
			  printf "\"free_bytes\":%d,\"dbs\":{", free * 4096
			  sep = ""
			  for (d in p) {
			      printf "%s\"%s\":%d", sep, d, p[d] * 4096
			      sep = "," }
			  print "}}" }' >> "$RESULTS"
		;;
	pg)
		# settled as autovacuum would leave it: dead rows of the
		# populate reclaimed, planner statistics current
		psql_ "VACUUM ANALYZE" || say "VACUUM ANALYZE failed"
		STORE_BYTES=$(psql_ "SELECT pg_database_size(current_database())")
		# every table with its indexes and TOAST
		psql_ "SELECT c.relname, pg_total_relation_size(c.oid)
		    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		    WHERE c.relkind = 'r' AND c.relname LIKE 'scim%'
		    AND n.nspname NOT IN ('pg_catalog', 'information_schema')" |
		    jq -R -s -c --argjson size "$size" '{scenario: "storage",
			backend: "pg", size: $size, run: 0, free_bytes: null,
			dbs: (split("\n") | map(select(length > 0)
			| split("|") | {key: .[0], value: (.[1] | tonumber)})
			| from_entries)}' >> "$RESULTS"
		;;
	esac
}

limit=$(( SECONDS_ + ${WARMUP%.*} + 300 ))

# What each backend's scimd keeps in globals (start_scimd, start_pg, ...):
# saved and restored around each step, so that both backends stay up and
# their runs interleave.
STATE_VARS="BD TOKEN SCIMD_PID PORT URL STARTUP_MS PGDIR CONNINFO PG_PID"

# state_save B / state_load B: backend B's globals, kept apart.
state_save()
{
	local v

	for v in $STATE_VARS; do
		eval "ST_${1}_$v=\${$v:-}"
	done
	eval "ST_${1}_ARGS=(\"\${STORE_ARGS[@]}\")"
}

state_load()
{
	local v

	B=$1
	for v in $STATE_VARS; do
		eval "$v=\${ST_${1}_$v:-}"
	done
	eval "STORE_ARGS=(\"\${ST_${1}_ARGS[@]}\")"
}

# backend_start lmdb|pg: its store and scimd (a token minted if none was
# printed).
backend_start()
{
	B=$1
	BD=$TMP/$B
	TOKEN=
	SCIMD_PID=
	PGDIR=
	STORE_ARGS=()
	mkdir -p "$BD"
	{
		echo "listen = 127.0.0.1:0"
		echo "access_log = $ACCESS_LOG"
	} > "$BD/scimd.conf"
	case $B in
	lmdb)
		cat >> "$BD/scimd.conf" <<EOF
data_dir = $BD/data
durability = $DURABILITY
map_size = $MAP_SIZE
EOF
		# data.mdb's size in each result
		STORE_ARGS=(-D "$BD/data")
		echo "LMDB: durability $DURABILITY, map_size $MAP_SIZE." \
		    >> "$NOTES"
		disk_note "$BD"
		;;
	pg)
		start_pg
		# quoted: a conninfo of keywords has spaces
		printf 'database = "%s"\n' "$(printf '%s' "$CONNINFO" |
		    sed 's/[\\"]/\\&/g')" >> "$BD/scimd.conf"
		[ -z "$DB_POOL" ] ||
		    echo "database_pool = $DB_POOL" >> "$BD/scimd.conf"
		[ -z "${PG_PID:-}" ] || STORE_ARGS=(-P "$PG_PID")
		;;
	esac

	say "$B: sizes $SIZES, ${SECONDS_} s x $RUNS runs, durability" \
	    "$DURABILITY, $pinned"
	start_scimd
	if [ -z "$TOKEN" ]; then
		# no first token printed (the store was not new): mint one
		TOKEN=$(timeout 60 "$SCIMCTL" -c "$BD/scimd.conf" token create \
		    bench 2>> "$BD/scimd.err" | tail -n 1)
		[ -n "$TOKEN" ] || die "no token: scimd printed none and" \
		    "scimctl token create failed"
	fi
}

# backend_populate SIZE: the current backend populated to SIZE users, its
# store's size, and a restart (start-up time with this population, and a
# fresh RSS).
backend_populate()
{
	local size=$1

	say "$B: populate to $size users ($POP_CONNS connections)"
	# -f: the ids of the users it created or found, for get and patch
	BENCH_NAME=populate bench "$size" 0 14400 -s populate \
	    -n "$size" -c "$POP_CONNS" -f "$BD/ids.$size" ||
	    die "populate failed"
	storage "$size"
	stop_scimd
	start_scimd
	say "$B: restarted scimd with $size users in $STARTUP_MS ms"
	jq -nc --arg b "$B" --argjson size "$size" \
	    --argjson ms "$STARTUP_MS" --argjson bytes "$STORE_BYTES" \
	    '{scenario: "startup", backend: $b, size: $size, run: 0,
	    startup_ms: $ms, store_after_populate: $bytes}' \
	    >> "$RESULTS"
}

# backend_rss SIZE: scimd's private memory after this size's scenarios.
backend_rss()
{
	jq -nc --arg b "$B" --argjson size "$1" --argjson kb \
	    "$(awk '/^RssAnon:/ { print $2 }' "/proc/$SCIMD_PID/status")" \
	    '{scenario: "rss", backend: $b, size: $size, run: 0,
	    rss_anon_kb: $kb}' >> "$RESULTS"
}

# run_all: every backend up at once; at each size, every run of every
# scenario on each backend in turn (the backends' order flipped every
# other run), so that a stretch of a slow machine falls on both and the
# ratios between them are measured side by side.
run_all()
{
	local b size run sc order

	start_floor
	for b in $BACKENDS; do
		backend_start "$b"
		state_save "$b"
	done
	for size in $SIZES; do
		for b in $BACKENDS; do
			state_load "$b"
			backend_populate "$size"
			state_save "$b"
		done
		if [ -n "$SYNC_USERS" ]; then
			sync_n=$SYNC_USERS
		elif [ "$size" -lt 100000 ]; then
			sync_n=$size
		else
			sync_n=100000
		fi
		gsize=$GROUP_SIZE
		[ "$gsize" -le $((size - CHURN)) ] || gsize=$((size - CHURN))
		for run in $(seq 1 "$RUNS"); do
			order=$BACKENDS
			[ $((run % 2)) -eq 1 ] ||
			    order=$(printf '%s\n' $BACKENDS | tac | xargs)
			for sc in $SCENARIOS; do
				for b in $order; do
					state_load "$b"
					say "$B: size $size run $run: $sc"
					[ "$B" != pg ] || settle_pg
					run_scenario "$sc"
					state_save "$b"
				done
			done
		done
		for b in $BACKENDS; do
			state_load "$b"
			backend_rss "$size"
		done
	done
	for b in $BACKENDS; do
		state_load "$b"
		stop_scimd
		[ "$B" != pg ] || stop_pg
		state_save "$b"
	done
	stop_floor
}

# settle_pg: the rows the scenario before left dead vacuumed and its dirty
# pages written (as pgbench vacuums before a run), so that autovacuum and
# the checkpointer, which share CPU 0 with scimd, are not charged to the
# next scenario.
settle_pg()
{
	psql_ "VACUUM (ANALYZE)" && psql_ "CHECKPOINT" ||
	    say "could not vacuum or checkpoint: the scenario runs unsettled"
}

# import_bench: scimctl import of $size Entra-sized users (scimbench -L,
# made once per size) into a store of its own: a fresh LMDB data
# directory, or a new PostgreSQL database in the same cluster, dropped
# after (PostgreSQL up to 100,000 users).  Not pinned (it prepares lines on every CPU); its CPU per user in
# the CPU column.
import_bench()
{
	local lines=$TMP/lines.$size conf=$BD/import.conf out=$TMP/import.out
	local t real cpu

	if [ "$B" = pg ] && [ "$size" -gt 100000 ]; then
		# ~1,300 users/s today: a million would take a quarter hour
		say "pg: import skipped above 100,000 users"
		return 0
	fi
	[ -s "$lines" ] || "$SCIMBENCH" -L "$size" -S "$SEED" > "$lines" ||
	    die "scimbench -L failed"
	case $B in
	lmdb)
		rm -rf "$BD/import"
		printf 'data_dir = %s\ndurability = %s\nmap_size = %s\n' \
		    "$BD/import" "$DURABILITY" "$MAP_SIZE" > "$conf" ;;
	pg)
		psql_ "DROP DATABASE IF EXISTS scimbench_import" &&
		    psql_ "CREATE DATABASE scimbench_import" ||
		    die "could not create the import's database"
		printf 'database = "%s"\n' "$(printf '%s' "$CONNINFO" |
		    sed 's/\(^\| \)dbname=[^ ]*/\1dbname=scimbench_import/' |
		    sed 's/[\\"]/\\&/g')" > "$conf" ;;
	esac
	t=$( { TIMEFORMAT='%R %U %S'; time timeout 3600 "$SCIMCTL" -c "$conf" \
	    import --tenant bench "$lines" > /dev/null 2> "$out"; } 2>&1 )
	grep -q "imported $size resource(s).*, 0 error" "$out" ||
	    { sed 's/^/   /' "$out" >&2; die "import failed"; }
	real=$(echo "$t" | awk '{ print $1 }')
	cpu=$(echo "$t" | awk '{ print $2 + $3 }')
	say "$B: imported $size users in $real s ($cpu s CPU)"
	jq -nc --arg b "$B" --argjson size "$size" --argjson run "$run" \
	    --argjson real "$real" --argjson cpu "$cpu" \
	    '{scenario: "import", backend: $b, size: $size, run: $run,
	    conns: 0, rps: ($size / $real), users: $size, seconds: $real,
	    users_per_s: ($size / $real), errors: 0,
	    srv_us_per_req: ($cpu * 1000000 / $size),
	    srv_cpu_pct: ($cpu * 100 / $real)}' >> "$RESULTS"
	case $B in
	lmdb)	rm -rf "$BD/import" ;;
	pg)	psql_ "DROP DATABASE scimbench_import" || true ;;
	esac
}

# run_scenario NAME: one scenario at $size, run $run.
run_scenario()
{
	local sc=$1 common mb mc

	common=(-d "$SECONDS_" -w "$WARMUP" -n "$size")
	case $sc in
	floor)
		BENCH_NAME=floor BENCH_URL=$FLOOR_URL BENCH_PID=$FLOOR_PID \
		    bench "$size" "$run" "$limit" \
		    -s static -c "$CONNS" "${common[@]}" ;;
	static|filter|filter-email|filter-ext)
		BENCH_NAME='' bench "$size" "$run" "$limit" \
		    -s "$sc" -c "$CONNS" "${common[@]}" ;;
	get|patch)
		BENCH_NAME='' bench "$size" "$run" "$limit" \
		    -s "$sc" -c "$CONNS" -f "$BD/ids.$size" \
		    "${common[@]}" ;;
	create)
		BENCH_NAME='' bench "$size" "$run" "$limit" \
		    -s create -c "$CREATE_CONNS" "${common[@]}" ;;
	mixed)
		# reads during a storm of durable creates: the reads' latency,
		# and the storm's rate beside them (storm_rps in the record)
		timeout "$limit" "${PIN_CLI[@]}" "$SCIMBENCH" -u "$URL" \
		    -t "$TOKEN" -s create -c "$CONNS" -q \
		    -d $((SECONDS_ + ${WARMUP%.*} + 2)) -w 0 \
		    > "$TMP/storm.out" 2>/dev/null &
		mc=$!
		BENCH_NAME=mixed bench "$size" "$run" "$limit" -s get -c 4 \
		    -f "$BD/ids.$size" "${common[@]}"
		wait "$mc"
		storm_note ;;
	sync)
		BENCH_NAME='' bench "$size" "$run" 3600 \
		    -s sync -c "$SYNC_CONNS" -m "$sync_n" -n "$size" ;;
	import)
		import_bench ;;
	members)
		for mb in $MEMBER_BATCHES; do
			mc=$MEMBER_CONNS
			[ "$mb" -lt "$CHURN" ] || mc=1
			BENCH_NAME="members-b$mb" bench \
			    "$size" "$run" 3600 -s members \
			    -c "$mc" -m "$gsize" -k "$CHURN" \
			    -b "$mb" -f "$BD/ids.$size" \
			    "${common[@]}"
		done ;;
	*)
		die "unknown scenario $sc" ;;
	esac
}

run_all
cp "$RESULTS" "$OUT.jsonl"

# --- the summary --------------------------------------------------------------

{
	echo "### scimd benchmark"
	echo
	echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc)" \
	    "CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' \
	    /proc/meminfo); $(uname -sr); $pinned; access_log $ACCESS_LOG;" \
	    "${SECONDS_} s per scenario after ${WARMUP} s warm-up; medians of" \
	    "$RUNS runs (load average at the end: $(cut -d' ' -f1-3 \
	    /proc/loadavg))."
	echo
	sed 's/^/- /' "$NOTES"
	echo
	jq -rs '
	def median: sort | if length == 0 then null
	    else .[(length - 1) / 2 | floor] end;
	def r(n): if . == null then "-" else (. * pow(10; n) | round) /
	    pow(10; n) | tostring end;
	def kb2mb: if . == null then null else . / 1024 end;
	def bname: if . == "pg" then "PostgreSQL" elif . == "lmdb" then "LMDB"
	    else . end;
	def order: if . == "populate" then 0 elif . == "floor" then 0.5
	    elif . == "static" then 1
	    elif (startswith("filter")) then 2 elif . == "get" then 3
	    elif . == "patch" then 4 elif . == "create" then 5
	    elif . == "sync" then 6 else 7 end;
	def bkey: "\(.backend // "lmdb")/\(.size)/\(.run)";
	map(.backend //= "lmdb") as $all
	| ($all | map(select(.scenario == "static")
	    | {key: bkey, value: {rps, us: .srv_us_per_req}}) | from_entries)
	    as $static
	| ($all | map(select(.scenario == "floor")
	    | {key: bkey, value: {rps, us: .srv_us_per_req}}) | from_entries)
	    as $floor
	| "| users | backend | scenario | conns | req/s | ratio to floor | ratio to static | p50 ms | p99 ms | p99.9 ms | errors | scimd CPU µs/req | CPU ratio to floor | CPU ratio to static | postgres CPU µs/req | notes |",
	  "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
	  ($all | map(select(.scenario != "startup" and .scenario != "storage"
	       and .scenario != "rss"))
	   | group_by([.size, (.scenario | order), .scenario, .backend])
	   | .[]
	   | . as $g
	   | ($g | map(. as $x | $static[$x | bkey].rps as $s
	       | if $s != null and $s > 0 and $x.scenario != "static"
	       then $x.rps / $s else null end) | map(select(. != null))
	       | median) as $ratio
	   | ($g | map(. as $x | $floor[$x | bkey].rps as $f
	       | if $f != null and $f > 0 and $x.scenario != "floor" and
	       $x.scenario != "import"
	       then $x.rps / $f else null end) | map(select(. != null))
	       | median) as $fratio
	   | ($g | map(. as $x | $floor[$x | bkey].us as $f
	       | if $f != null and $x.srv_us_per_req > 0 and
	       $x.scenario != "floor" and $x.scenario != "import"
	       then $f / $x.srv_us_per_req else null end) | map(select(. != null)) | median) as $fcratio
	   | ($g | map(. as $x | $static[$x | bkey].us as $s
	       | if $s != null and $x.srv_us_per_req > 0 and
	       $x.scenario != "static" then $s / $x.srv_us_per_req else null
	       end) | map(select(. != null)) | median) as $cratio
	   | "| \($g[0].size) | \($g[0].backend | bname) | \($g[0].scenario) | " +
	     "\($g[0].conns) | " +
	     "\($g | map(.rps) | median | r(0)) | \($fratio | r(2)) | " +
	     "\($ratio | r(2)) | " +
	     "\($g | map(.p50_ms) | median | r(2)) | " +
	     "\($g | map(.p99_ms) | median | r(2)) | " +
	     "\($g | map(.p999_ms) | median | r(2)) | " +
	     "\($g | map(.errors) | add) | " +
	     "\($g | map(.srv_us_per_req) | median | r(0)) | " +
	     "\($fcratio | r(2)) | \($cratio | r(2)) | " +
	     "\($g | map(.db_us_per_req | select(. != null and . >= 0))
	       | median | r(0)) | " +
	     ([ (if $g[0].users_per_s != null and $g[0].scenario != "create"
	         then "\($g[0].users) users in \($g | map(.seconds) | median
	         | r(1)) s (\($g | map(.users_per_s) | median | r(0))/s)"
	         else empty end),
	       (if $g[0].storm_rps != null then "beside \($g | map(.storm_rps
	         | select(. != null)) | median | r(0)) creates/s on " +
	         "\($g[0].storm_conns) connections" else empty end),
	       (if $g[0].add_ms != null then "\($g[0].churn) members of a " +
	         "\($g[0].group_members)-member group, \($g[0].batch)/PATCH: " +
	         "add \($g | map(.add_ms) | median | r(0)) ms, remove " +
	         "\($g | map(.remove_ms) | median | r(0)) ms" else empty end),
	       (if $g[0].scenario == "import" then "scimctl" else "scimd"
	         end) + " CPU \($g | map(.srv_cpu_pct) | median | r(0))%, " +
	       (if $g[0].db_cpu_pct != null then "postgres CPU " +
	         "\($g | map(.db_cpu_pct) | median | r(0))%, " else "" end) +
	       "scimbench CPU \($g | map(.cli_cpu_pct) | median | r(0))%, " +
	       "RssAnon \($g | map(.rss_anon_kb) | max | kb2mb | r(1)) MB" +
	       (($g | map(.srv_disk_bytes_per_req // 0) | median) as $w |
	         if $w >= 512 then ", scimd wrote \($w / 1024 | r(1)) KB " +
	         "a request to the disk" else "" end)
	      ] | join("; ")) + " |"),
	  "",
	  "| users | backend | start-up ms | store bytes after populate | bytes per user | scimd RssAnon under load, max (peak) MB | RssAnon after the scenarios MB |",
	  "|---:|---|---:|---:|---:|---:|---:|",
	  ($all | map(select(.scenario == "startup")) | sort_by(.size, .backend)
	   | .[] | . as $s
	   | ($all | map(select(.size == $s.size and .backend == $s.backend
	       and .scenario != "startup" and .scenario != "storage"
	       and .scenario != "populate" and .scenario != "floor"
	       and .scenario != "rss"))) as $l
	   | ($all | map(select(.size == $s.size and .backend == $s.backend
	       and .scenario == "rss") | .rss_anon_kb) | max) as $after
	   | "| \($s.size) | \($s.backend | bname) | \($s.startup_ms) | " +
	     "\($s.store_after_populate) | " +
	     "\($s.store_after_populate / $s.size | r(0)) | " +
	     "\($l | map(.rss_anon_kb) | max | kb2mb | r(1)) " +
	     "(\($l | map(.rss_anon_peak_kb) | max | kb2mb | r(1))) | " +
	     "\($after | kb2mb | r(1)) |"),
	  "",
	  ($all | map(select(.scenario == "storage")) | sort_by(.size, .backend)
	   | .[] | . as $st |
	   (if $st.backend == "pg" then "PostgreSQL bytes per user by table " +
	     "(with its indexes and TOAST)" else "LMDB bytes per user by " +
	     "database" end) + " after populating \($st.size): " +
	   ([$st.dbs | to_entries | sort_by(-.value) | .[] | select(.value > 0)
	     | "\(.key) \(.value / $st.size | floor)"]
	     | join(", ")) +
	   (if $st.free_bytes != null then "; free pages " +
	     "\($st.free_bytes / 4096 | floor)" else "" end)),
	  "",
	  ($all | map(select((.scenario | startswith("filter")) or
	       .scenario == "get" or .scenario == "floor"))
	   | group_by([.backend, .scenario]) | .[] | . as $g
	   | ($g | map(.size) | unique) as $sz
	   | select(($sz | length) >= 2)
	   | ($g | map(select(.size == $sz[0]) | .rps) | median) as $a
	   | ($g | map(select(.size == $sz[-1]) | .rps) | median) as $b
	   | "\($g[0].backend | bname) \($g[0].scenario): \($sz[-1]) users " +
	     "vs \($sz[0]) users: \($b | r(0)) vs \($a | r(0)) req/s, ratio " +
	     "\($b / $a | r(2))")
	' "$RESULTS"
	# both backends: side by side, PostgreSQL over LMDB (the sync's time:
	# PostgreSQL's over LMDB's)
	[ "$BACKEND" != both ] || jq -rs '
	def median: sort | if length == 0 then null
	    else .[(length - 1) / 2 | floor] end;
	def r(n): if . == null then "-" else (. * pow(10; n) | round) /
	    pow(10; n) | tostring end;
	def m(f): map(f | select(. != null)) | median;
	# per run: its two backends ran one right after the other
	def paired(l; p; f): [l[] as $x | p[] | select(.run == $x.run and
	    .run > 0) | [($x | f), f]] | map(select(.[0] != null and
	    .[1] != null and .[0] > 0) | .[1] / .[0]) | median;
	map(select(.backend != null and .scenario != "startup" and
	    .scenario != "storage" and .scenario != "populate"))
	| "", "| users | scenario | LMDB req/s | PostgreSQL req/s | PG/LMDB | PG/LMDB, runs paired | LMDB p99 ms | PG p99 ms | sync s LMDB / PG (PG/LMDB; runs paired) |",
	  "|---:|---|---:|---:|---:|---:|---:|---:|---|",
	  (group_by([.size, .scenario]) | .[]
	   | (map(select(.backend == "lmdb"))) as $l
	   | (map(select(.backend == "pg"))) as $p
	   | select(($l | length) > 0 and ($p | length) > 0)
	   | ($l | m(.rps)) as $lr | ($p | m(.rps)) as $pr
	   | ($l | m(.seconds)) as $ls | ($p | m(.seconds)) as $ps
	   | "| \(.[0].size) | \(.[0].scenario) | \($lr | r(0)) | " +
	     "\($pr | r(0)) | \(if $lr > 0 then $pr / $lr else null end | r(2))" +
	     " | \(paired($l; $p; .rps) | r(2))" +
	     " | \($l | m(.p99_ms) | r(2)) | \($p | m(.p99_ms) | r(2)) | " +
	     (if .[0].scenario == "sync" and $ls != null and $ps != null and
	     $ls > 0 then
	     "\($ls | r(1)) / \($ps | r(1)) (\($ps / $ls | r(2)); " +
	     "\(paired($l; $p; .seconds) | r(2)))" else "" end)
	     + " |")
	' "$RESULTS"
} > "$OUT.md" || die "summary failed"
cat "$OUT.md"
