#!/bin/bash
# run.sh: scimd's benchmark (make bench).  Starts a fresh scimd on a
# temporary data directory (durability = full), pinned to CPU 0 with the
# load generator on CPU 1, populates it to each size in BENCH_SIZES, and
# at each size runs every scenario BENCH_RUNS times (round robin, so drift
# in the machine's load spreads over all of them).  Prints a Markdown
# table of medians; ratios are to the static-document rate of the same run.
#
# It builds nothing: it uses the scimd and scimbench of a built tree
# (top_builddir, or SCIMD and SCIMBENCH).  It talks only to 127.0.0.1,
# bounds every step with timeout(1), and removes its scimd and temporary
# directory on exit.
#
# Knobs (environment):
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
#   BENCH_SCENARIOS="static filter get patch create sync members"
#   BENCH_DURABILITY=full        scimd's durability (full is the default)
#   BENCH_ACCESS_LOG=yes         scimd's access_log (to a file)
#   BENCH_MAP_SIZE=16G           LMDB map size
#   BENCH_PIN=yes                taskset scimd to CPU 0, scimbench to CPU 1
#   BENCH_SEED=1                 PRNG seed of the key choices
#   BENCH_OUT=bench-results      writes BENCH_OUT.md and BENCH_OUT.jsonl
#   BENCH_KEEP=                  keep the temporary directory (debugging)

set -u

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
SCENARIOS=${BENCH_SCENARIOS:-"static filter get patch create sync members"}
DURABILITY=${BENCH_DURABILITY:-full}
ACCESS_LOG=${BENCH_ACCESS_LOG:-yes}
MAP_SIZE=${BENCH_MAP_SIZE:-16G}
PIN=${BENCH_PIN:-yes}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_OUT:-bench-results}

here=$(cd "$(dirname "$0")" && pwd)
builddir=${top_builddir:-$here/../..}
SCIMD=${SCIMD:-$builddir/src/scimd}
SCIMBENCH=${SCIMBENCH:-$builddir/tests/bench/scimbench}

die()
{
	echo "run.sh: $*" >&2
	exit 1
}

say()
{
	echo "== $*" >&2
}

[ -x "$SCIMD" ] || die "no scimd at $SCIMD (build first, or set SCIMD)"
[ -x "$SCIMBENCH" ] || die "no scimbench at $SCIMBENCH (make bench builds it)"
command -v jq >/dev/null 2>&1 || die "jq is needed for the summary"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is needed"
case "$OUT" in /*) ;; *) OUT=$(pwd)/$OUT ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scimbench.XXXXXX") || die "mktemp failed"
SCIMD_PID=

cleanup()
{
	local rc=$?

	if [ -n "$SCIMD_PID" ] && kill -0 "$SCIMD_PID" 2>/dev/null; then
		kill -TERM "$SCIMD_PID" 2>/dev/null
		sleep 1
		kill -0 "$SCIMD_PID" 2>/dev/null && sleep 5
		kill -KILL "$SCIMD_PID" 2>/dev/null
		wait "$SCIMD_PID" 2>/dev/null
	fi
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
	pinned="scimd on CPU 0, scimbench on CPU 1"
else
	pinned="not pinned"
fi

cat > "$TMP/scimd.conf" <<EOF
listen = 127.0.0.1:0
data_dir = $TMP/data
durability = $DURABILITY
map_size = $MAP_SIZE
access_log = $ACCESS_LOG
EOF

# start_scimd: (re)start scimd; sets SCIMD_PID, PORT, URL, STARTUP_MS and,
# on the first start, TOKEN.
start_scimd()
{
	local i=0 t0 t1

	rm -f "$TMP/port"
	t0=$(date +%s%N)
	"${PIN_SRV[@]}" "$SCIMD" -c "$TMP/scimd.conf" -p "$TMP/port" \
	    > "$TMP/scimd.out" 2>> "$TMP/scimd.err" &
	SCIMD_PID=$!
	while ! grep -q '^[0-9][0-9]*$' "$TMP/port" 2>/dev/null; do
		kill -0 "$SCIMD_PID" 2>/dev/null ||
		    { tail -n 5 "$TMP/scimd.err" >&2; die "scimd exited"; }
		i=$((i + 1))
		[ $i -lt 3000 ] || die "scimd did not start within 30 s"
		sleep 0.01
	done
	t1=$(date +%s%N)
	STARTUP_MS=$(( (t1 - t0) / 1000000 ))
	PORT=$(cat "$TMP/port")
	URL=http://127.0.0.1:$PORT/scim/v2
	if [ -s "$TMP/scimd.out" ]; then
		TOKEN=$(tail -n 1 "$TMP/scimd.out")
	fi
}

stop_scimd()
{
	kill -TERM "$SCIMD_PID" 2>/dev/null
	timeout 30 tail --pid="$SCIMD_PID" -f /dev/null
	wait "$SCIMD_PID" 2>/dev/null
	SCIMD_PID=
}

RESULTS=$TMP/results.jsonl
: > "$RESULTS"

# bench SIZE RUN TIMEOUT ARGS...: one scimbench run, its JSON line kept.
bench()
{
	local size=$1 run=$2 limit=$3 line
	shift 3

	timeout "$limit" "${PIN_CLI[@]}" "$SCIMBENCH" -u "$URL" -t "$TOKEN" \
	    -p "$SCIMD_PID" -D "$TMP/data" -S "$SEED" "$@" > "$TMP/one.out" \
	    2> "$TMP/one.err"
	local rc=$?
	grep -v '^{' "$TMP/one.out" | sed 's/^/   /' >&2
	[ $rc -eq 0 ] || { echo "   (scimbench exit $rc)" >&2;
	    tail -n 3 "$TMP/one.err" | sed 's/^/   /' >&2; }
	line=$(grep '^{' "$TMP/one.out" | tail -n 1)
	[ -n "$line" ] || return 1
	printf '%s\n' "$line" | jq -c --argjson size "$size" \
	    --argjson run "$run" --arg name "${BENCH_NAME:-}" \
	    '. + {size: $size, run: $run} +
	    (if $name != "" then {scenario: $name} else {} end)' \
	    >> "$RESULTS"
}

limit=$(( SECONDS_ + ${WARMUP%.*} + 300 ))

say "scimbench: sizes $SIZES, ${SECONDS_} s x $RUNS runs, durability" \
    "$DURABILITY, $pinned"
start_scimd
STARTS=()
for size in $SIZES; do
	say "populate to $size users ($POP_CONNS connections)"
	# -f: the ids of the users it created or found, for get and patch
	BENCH_NAME=populate bench "$size" 0 14400 -s populate -n "$size" \
	    -c "$POP_CONNS" -f "$TMP/ids.$size" || die "populate failed"
	mdb=$(stat -c %s "$TMP/data/data.mdb")
	if command -v mdb_stat >/dev/null 2>&1; then
		# pages per database, for bytes per user of each
		mdb_stat -a "$TMP/data" 2>/dev/null | awk -v n="$size" '
		    BEGIN { db = "freelist" }
		    /^Status of / { db = $3 }
		    /Branch pages|Leaf pages|Overflow pages/ { p[db] += $3 }
		    /Free pages/ { free += $3 }
		    END { printf "{\"scenario\":\"storage\",\"size\":%d,", n
			  printf "\"run\":0,\"free_pages\":%d,\"dbs\":{", free
			  sep = ""
			  for (d in p) { printf "%s\"%s\":%d", sep, d, p[d]; sep = "," }
			  print "}}" }' >> "$RESULTS"
	fi
	# a restart: start-up time with this population, and a fresh RSS
	stop_scimd
	start_scimd
	say "restarted scimd with $size users in $STARTUP_MS ms"
	jq -nc --argjson size "$size" --argjson ms "$STARTUP_MS" \
	    --argjson mdb "$mdb" \
	    '{scenario: "startup", size: $size, run: 0, startup_ms: $ms,
	    mdb_after_populate: $mdb}' >> "$RESULTS"
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
		for sc in $SCENARIOS; do
			say "size $size run $run: $sc"
			common=(-d "$SECONDS_" -w "$WARMUP" -n "$size")
			case $sc in
			static|filter)
				BENCH_NAME= bench "$size" "$run" "$limit" \
				    -s "$sc" -c "$CONNS" "${common[@]}" ;;
			get|patch)
				BENCH_NAME= bench "$size" "$run" "$limit" \
				    -s "$sc" -c "$CONNS" -f "$TMP/ids.$size" \
				    "${common[@]}" ;;
			create)
				BENCH_NAME= bench "$size" "$run" "$limit" \
				    -s create -c "$CREATE_CONNS" \
				    "${common[@]}" ;;
			sync)
				BENCH_NAME= bench "$size" "$run" 3600 \
				    -s sync -c "$SYNC_CONNS" -m "$sync_n" \
				    -n "$size" ;;
			members)
				for mb in $MEMBER_BATCHES; do
					mc=$MEMBER_CONNS
					[ "$mb" -lt "$CHURN" ] || mc=1
					BENCH_NAME="members-b$mb" bench \
					    "$size" "$run" 3600 -s members \
					    -c "$mc" -m "$gsize" -k "$CHURN" \
					    -b "$mb" -f "$TMP/ids.$size" \
					    "${common[@]}"
				done ;;
			*)
				die "unknown scenario $sc" ;;
			esac
		done
	done
done
cp "$RESULTS" "$OUT.jsonl"

# --- the summary --------------------------------------------------------------

{
	echo "### scimd benchmark"
	echo
	echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc)" \
	    "CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' \
	    /proc/meminfo); $(uname -sr); $pinned; durability" \
	    "$DURABILITY, access_log $ACCESS_LOG; ${SECONDS_} s per" \
	    "scenario after ${WARMUP} s warm-up; medians of $RUNS runs" \
	    "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
	echo
	jq -rs '
	def median: sort | if length == 0 then null
	    else .[(length - 1) / 2 | floor] end;
	def r(n): if . == null then "-" else (. * pow(10; n) | round) /
	    pow(10; n) | tostring end;
	def kb2mb: if . == null then null else . / 1024 end;
	. as $all
	| ($all | map(select(.scenario == "static")) | group_by(.size)
	    | map({key: (.[0].size | tostring),
	      value: (map({key: (.run | tostring), value: .rps}) | from_entries)})
	    | from_entries) as $static
	| ($all | map(select(.scenario == "static")) | group_by(.size)
	    | map({key: (.[0].size | tostring),
	      value: (map({key: (.run | tostring), value: .srv_us_per_req})
	      | from_entries)}) | from_entries) as $static_us
	| "| users | scenario | conns | req/s | ratio to static | p50 ms | p99 ms | p99.9 ms | errors | scimd CPU µs/req | CPU ratio to static | notes |",
	  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
	  ($all | map(select(.scenario != "startup" and .scenario != "storage"))
	   | group_by([.size, .scenario])
	   | sort_by(.[0].size, (.[0].scenario | if . == "populate" then 0
	       elif . == "static" then 1 elif . == "filter" then 2
	       elif . == "get" then 3 elif . == "patch" then 4
	       elif . == "create" then 5 elif . == "sync" then 6 else 7 end))
	   | .[]
	   | . as $g
	   | ($g | map(. as $x | $static[$x.size | tostring][$x.run | tostring]
	       as $s | if $s != null and $s > 0 and $x.scenario != "static"
	       then $x.rps / $s else null end) | map(select(. != null))
	       | median) as $ratio
	   | ($g | map(. as $x | $static_us[$x.size | tostring][$x.run |
	       tostring] as $s | if $s != null and $x.srv_us_per_req > 0 and
	       $x.scenario != "static" then $s / $x.srv_us_per_req else null
	       end) | map(select(. != null)) | median) as $cratio
	   | "| \($g[0].size) | \($g[0].scenario) | \($g[0].conns) | " +
	     "\($g | map(.rps) | median | r(0)) | \($ratio | r(2)) | " +
	     "\($g | map(.p50_ms) | median | r(2)) | " +
	     "\($g | map(.p99_ms) | median | r(2)) | " +
	     "\($g | map(.p999_ms) | median | r(2)) | " +
	     "\($g | map(.errors) | add) | " +
	     "\($g | map(.srv_us_per_req) | median | r(0)) | " +
	     "\($cratio | r(2)) | " +
	     ([ (if $g[0].users_per_s != null and $g[0].scenario != "create"
	         then "\($g[0].users) users in \($g | map(.seconds) | median
	         | r(1)) s (\($g | map(.users_per_s) | median | r(0))/s)"
	         else empty end),
	       (if $g[0].add_ms != null then "\($g[0].churn) members of a " +
	         "\($g[0].group_members)-member group, \($g[0].batch)/PATCH: " +
	         "add \($g | map(.add_ms) | median | r(0)) ms, remove " +
	         "\($g | map(.remove_ms) | median | r(0)) ms" else empty end),
	       "scimd CPU \($g | map(.srv_cpu_pct) | median | r(0))%, " +
	       "scimbench CPU \($g | map(.cli_cpu_pct) | median | r(0))%, " +
	       "RssAnon \($g | map(.rss_anon_kb) | max | kb2mb | r(1)) MB"
	      ] | join("; ")) + " |"),
	  "",
	  "| users | start-up ms | data.mdb after populate | bytes per user | RssAnon under load, max (peak) MB |",
	  "|---:|---:|---:|---:|---:|",
	  ($all | map(select(.scenario == "startup")) | .[] | . as $s
	   | ($all | map(select(.size == $s.size and .scenario != "startup"
	       and .scenario != "populate"))) as $l
	   | "| \($s.size) | \($s.startup_ms) | \($s.mdb_after_populate) | " +
	     "\($s.mdb_after_populate / $s.size | r(0)) | " +
	     "\($l | map(.rss_anon_kb) | max | kb2mb | r(1)) " +
	     "(\($l | map(.rss_anon_peak_kb) | max | kb2mb | r(1))) |"),
	  "",
	  ($all | map(select(.scenario == "storage")) | .[] | . as $st |
	   "LMDB bytes per user by database after populating \($st.size): " +
	   ([$st.dbs | to_entries | sort_by(-.value) | .[] | select(.value > 0)
	     | "\(.key) \(.value * 4096 / $st.size | floor)"]
	     | join(", ")) + "; free pages \($st.free_pages)"),
	  "",
	  ($all | map(select(.scenario == "filter" or .scenario == "get"))
	   | group_by(.scenario) | .[] | . as $g
	   | ($g | map(.size) | unique) as $sz
	   | select(($sz | length) >= 2)
	   | ($g | map(select(.size == $sz[0]) | .rps) | median) as $a
	   | ($g | map(select(.size == $sz[-1]) | .rps) | median) as $b
	   | "\($g[0].scenario): \($sz[-1]) users vs \($sz[0]) users: " +
	     "\($b | r(0)) vs \($a | r(0)) req/s, ratio \($b / $a | r(2))")
	' "$RESULTS"
} > "$OUT.md" || die "summary failed"
cat "$OUT.md"
