#!/bin/bash
# pg_suite.sh: the integration tests once more, on PostgreSQL.  Starts a
# throwaway cluster (tests/pg/cluster.sh), runs every script of
# $SCIMD_INTEGRATION_TESTS (make check passes tests/Makefile.am's
# INTEGRATION_TESTS) and then of $SCIMD_PG_TESTS (the PostgreSQL-only ones,
# multi_pg.sh) with SCIMD_TEST_PG set, so that each gets a database of its
# own (lib.sh), and prints their results as one TAP stream: renumbered, each
# description prefixed with the script's name, plus one result per script
# for its plan and exit status (a bail-out, a missing or wrong plan, a
# non-zero exit or a timeout fail it).  The cluster is stopped and removed
# at the end, on failure and on interruption too.
#
# Without PostgreSQL server binaries: 1..0 # SKIP (a failure instead with
# SCIMD_PG_SUITE_REQUIRED=1, as CI sets).  Knobs:
#	SCIMD_PG_SUITE=off	skip it (a quicker make check)
#	SCIMD_PG_SUITE_JOBS=N	scripts run at once (default 1: several
#				scripts have timing checks, and make check -j
#				runs other tests beside this one)
#	SCIMD_PG_SUITE_TIMEOUT=S  seconds one script may take (default 600;
#				then it gets SIGTERM, and lib.sh's EXIT trap
#				stops its scimd)
#	SCIMD_PG_SUITE_ONLY="users.sh tokens.sh"  run only these
#	SCIMD_TEST_PG_KEEP=1	keep the cluster and the databases (the
#				directory is printed as a diagnostic)
# By hand: make check TESTS=integration/pg_suite.sh in the build's tests/,
# or, from there, top_builddir=.. SRC/tests/integration/pg_suite.sh (lib.sh
# finds scimd and scimctl through top_builddir).  One script on an existing
# cluster (DIR a new temporary directory): SCIMD_TEST_PG="$(tests/pg/cluster.sh
# start DIR)" top_builddir=.. SRC/tests/integration/users.sh; then
# tests/pg/cluster.sh stop DIR.

here=$(cd "$(dirname "$0")" && pwd)
tests_src=$(cd "$here/.." && pwd)
cluster=$tests_src/pg/cluster.sh

if [ "${SCIMD_PG_SUITE:-}" = off ]; then
	echo "1..0 # SKIP SCIMD_PG_SUITE=off"
	exit 0
fi
if ! bash "$cluster" bindir > /dev/null 2>&1; then
	if [ -n "${SCIMD_PG_SUITE_REQUIRED:-}" ]; then
		echo "not ok 1 - a PostgreSQL server is installed (SCIMD_PG_SUITE_REQUIRED)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP no PostgreSQL server installed (initdb, pg_ctl)"
	exit 0
fi
command -v timeout > /dev/null 2>&1 || {
	echo "1..0 # SKIP timeout(1) is not installed"
	exit 0
}

# the scripts, relative to tests/ (as in tests/Makefile.am)
if [ -n "${SCIMD_INTEGRATION_TESTS:-}" ]; then
	list=$SCIMD_INTEGRATION_TESTS
else
	list=$(cd "$tests_src" && ls integration/*.sh | grep -v \
	    -e '/lib\.sh$' -e '/pg_suite\.sh$' -e '/multi_pg\.sh$')
fi
list="$list ${SCIMD_PG_TESTS-integration/multi_pg.sh}"
if [ -n "${SCIMD_PG_SUITE_ONLY:-}" ]; then
	only=
	for t in $list; do
		case " $SCIMD_PG_SUITE_ONLY " in
		*" ${t##*/} "*|*" $t "*) only="$only $t" ;;
		esac
	done
	list=$only
fi
jobs=${SCIMD_PG_SUITE_JOBS:-1}
limit=${SCIMD_PG_SUITE_TIMEOUT:-600}

work=$(mktemp -d "${TMPDIR:-/tmp}/scimd-pgsuite.XXXXXX") || {
	echo "Bail out! mktemp -d failed"
	exit 1
}
pids=()
cdir=

cleanup()
{
	local rc=$? p f i=0
	trap '' INT TERM
	# the timeout(1) of each running script: it passes SIGTERM on, and
	# lib.sh's EXIT trap stops that script's scimd
	for f in "$work"/*.pid; do
		[ -f "$f" ] && [ ! -f "${f%.pid}.rc" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done
	if [ -n "${SCIMD_TEST_PG_KEEP:-}" ]; then
		echo "# kept the cluster in $cdir (${SCIMD_TEST_PG:-}) and $work"
	else
		[ -n "$cdir" ] && bash "$cluster" stop "$cdir" >&2
		rm -rf "$work"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

n=0
failed=0

# result OK DESC: one TAP result of this stream
result()
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# the cluster's own directory: $work is private, and run as root the
# cluster belongs to another user
cdir=$(mktemp -d "${TMPDIR:-/tmp}/scimd-pg.XXXXXX") || {
	echo "Bail out! mktemp -d failed"
	exit 1
}
if ! SCIMD_TEST_PG=$(bash "$cluster" start "$cdir" 2> "$work/cluster.err"); then
	result "not ok" "a throwaway PostgreSQL cluster starts"
	sed 's/^/# /' "$work/cluster.err"
	[ -f "$cdir/server.log" ] && tail -n 20 "$cdir/server.log" | sed 's/^/# /'
	echo "1..$n"
	exit 1
fi
export SCIMD_TEST_PG
# its statement log, which pg_sql.sh reads
export SCIMD_TEST_PG_LOG=$cdir/server.log
echo "# PostgreSQL: $SCIMD_TEST_PG ($("$(bash "$cluster" bindir)/postgres" --version))"

# run_one SCRIPT: run it; its TAP to $work/N.tap, stderr to N.err, status
# to N.rc (124 after the timeout)
run_one()
{
	local t=$1 k=$2 src

	src=$tests_src/$t
	[ -f "$src" ] || src=$t
	date +%s > "$work/$k.start"
	timeout -k 20 "$limit" bash "$src" > "$work/$k.tap" 2> "$work/$k.err" \
	    < /dev/null &
	echo $! > "$work/$k.pid"
	wait $!
	echo $? > "$work/$k.rc.tmp"
	echo $(($(date +%s) - $(cat "$work/$k.start"))) > "$work/$k.secs"
	mv "$work/$k.rc.tmp" "$work/$k.rc"
}

# report SCRIPT K: its results, renumbered, and one for its plan and status
report()
{
	local t=$1 k=$2 name line rest st plan= count=0 bailed= rc skipall=

	name=${t##*/}
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"not ok"*)
			rest=${line#not ok}
			st="not ok" ;;
		ok*)
			rest=${line#ok}
			st=ok ;;
		1..*)
			plan=${line#1..}
			plan=${plan%%[!0-9]*}
			case $line in
			*"#"*) skipall=${line#*#} ;;
			esac
			continue ;;
		"Bail out!"*)
			bailed=${line#Bail out!}
			continue ;;
		"#"*)
			echo "$line"
			continue ;;
		"")	continue ;;
		*)
			echo "# $name: $line"
			continue ;;
		esac
		# "ok 12 - desc", "ok 12 desc", "ok 12 # SKIP why", "ok"
		rest=${rest#"${rest%%[! ]*}"}
		rest=${rest#"${rest%%[!0-9]*}"}
		rest=${rest#"${rest%%[! ]*}"}
		rest=${rest#- }
		count=$((count + 1))
		result "$st" "$name: $rest"
	done < "$work/$k.tap"
	rc=$(cat "$work/$k.rc" 2>/dev/null)
	rc=${rc:-1}
	echo "# $name: $(cat "$work/$k.secs" 2>/dev/null) s, exit status $rc"
	if [ -s "$work/$k.err" ]; then
		echo "--- $name: stderr ---" >&2
		cat "$work/$k.err" >&2
	fi
	if [ "$plan" = 0 ] && [ $count = 0 ] && [ "$rc" = 0 ] && [ -z "$bailed" ]; then
		skipall=${skipall#"${skipall%%[! ]*}"}
		skipall=${skipall#[Ss][Kk][Ii][Pp]}
		result ok "$name # SKIP${skipall}"
		return
	fi
	if [ -n "$bailed" ]; then
		result "not ok" "$name: Bail out!$bailed"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		result "not ok" "$name: killed after the ${limit} s timeout"
	elif [ -z "$plan" ]; then
		result "not ok" "$name: no TAP plan (exit status $rc)"
	elif [ "$plan" != "$count" ]; then
		result "not ok" "$name: planned $plan tests, ran $count (exit status $rc)"
	elif [ "$rc" != 0 ]; then
		result "not ok" "$name: exit status $rc"
	else
		result ok "$name: plan and exit status 0"
	fi
	if [ "$rc" != 0 ]; then
		diag_tail "$work/$k.err" "$name stderr"
	fi
}

diag_tail()
{
	[ -s "$1" ] || return 0
	echo "# $2 (tail):"
	tail -n 15 "$1" | sed 's/^/#   /'
}

# run the scripts, at most $jobs at once; report them in order as they end
k=0
reported=0
started=()
for t in $list; do
	k=$((k + 1))
	started+=("$t")
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n 2>/dev/null
		# report the finished ones at the head of the list
		while [ $reported -lt ${#started[@]} ] &&
		    [ -f "$work/$((reported + 1)).rc" ]; do
			reported=$((reported + 1))
			report "${started[$((reported - 1))]}" "$reported"
		done
	done
	run_one "$t" "$k" &
	pids+=($!)
done
wait
pids=()
while [ $reported -lt ${#started[@]} ]; do
	reported=$((reported + 1))
	report "${started[$((reported - 1))]}" "$reported"
done

echo "1..$n"
[ $failed -eq 0 ]
