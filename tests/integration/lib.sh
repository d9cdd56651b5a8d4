# lib.sh: helpers for scimd's integration tests (sourced, bash).
#
# A test script does:
#	. "$(dirname "$0")/lib.sh"
#	start_scimd ['extra config line' ...] || bail "..."
#	req GET /Users; is "$STATUS" 200 "list users"; json_is .totalResults 0
#	...
#	done_testing
#
# TAP: ok/is/isnt/like/unlike/json_is/json_has/json_hasnt/status_is/
# scim_error print "ok N - desc" or "not ok N - desc" with "# " diagnostics;
# done_testing prints the plan "1..N" and exits 1 if anything failed.
#
# Server: start_scimd writes $SCIM_TMP/scimd.conf (listen = 127.0.0.1:0,
# the store lines of store_conf, then the extra lines), runs scimd with a portfile
# and sets SCIMD_PID, PORT, ROOT (http://127.0.0.1:PORT), BASE ($ROOT/scim/v2)
# and, when scimd printed one, TOKEN (NEW_TOKEN=1).  stop_scimd sends
# SIGTERM and returns scimd's exit status.  An EXIT trap kills only the scimd
# this script started and removes $SCIM_TMP.  SCIMD_WRAPPER (e.g. "valgrind
# --error-exitcode=99" or "prlimit --nofile=64 --") prefixes the scimd
# command; SCIMD_START_TENTHS (default 100) is how long start-up may take.
# SCIMD_TEST_KEEP_TMP=1 keeps $SCIM_TMP (configs, scimd logs) at exit.
# start_instance NAME starts one more scimd on the same store (NAME_PID,
# NAME_PORT, NAME_BASE, ...; see there).
#
# Store: LMDB in $SCIM_TMP/data, or with SCIMD_TEST_PG set (the conninfo, in
# keyword = value form, of a PostgreSQL maintenance database whose user may
# create databases: what tests/pg/cluster.sh prints) a database of its own
# for this script, created empty when lib.sh is sourced and shared by every
# start of scimd and scimctl in the script (as the data dir is), dropped at
# exit unless SCIMD_TEST_PG_KEEP=1 (one database per script rather than a
# schema: LISTEN/NOTIFY channels and advisory locks are per database).
# store_conf prints the lines that select the store, for a test that writes
# its own configuration.  SCIMD_BACKEND is lmdb or pg.  Checks
# that are about LMDB itself (its files, map size, backup) are guarded by
# lmdb_only / skip_unless_lmdb N WHY / skip_all_unless_lmdb WHY, which
# report TAP "# SKIP" results under PostgreSQL.
#
# Requests: req METHOD PATH [BODY] (PATH is appended to $BASE unless it is a
# full URL; BODY "@file" sends a file) sets STATUS, BODY, HDRS (file) and
# CTYPE; hdr NAME prints a response header.  AUTH (default $TOKEN; set
# NO_AUTH=1 to send none), CT (Content-Type of bodies) and the array
# REQ_EXTRA (more curl arguments, cleared after each request) shape it.
# No Accept header is ever sent, as Entra sends none.

_tap_n=0
_tap_fail=0

# --- locating the binaries ------------------------------------------------

_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
_tests_dir=$(cd "$_lib_dir/.." && pwd)
if [ -n "${top_builddir:-}" ]; then
	_bindir=$(cd "$top_builddir/src" 2>/dev/null && pwd)
else
	_bindir=$(cd "$_tests_dir/../src" 2>/dev/null && pwd)
fi
SCIMD=${SCIMD:-$_bindir/scimd}
SCIMCTL=${SCIMCTL:-$_bindir/scimctl}

# --- TAP ------------------------------------------------------------------

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# skip N REASON: N skipped tests ("ok N # SKIP REASON").
skip()
{
	local i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
	done
}

# lmdb_only: true when the store under test is LMDB.
lmdb_only()
{
	[ "$SCIMD_BACKEND" = lmdb ]
}

# skip_unless_lmdb N WHY: true on LMDB; otherwise reports N skipped tests
# and is false:  if skip_unless_lmdb 2 "map size"; then (2 checks); fi
skip_unless_lmdb()
{
	lmdb_only && return 0
	skip "$1" "LMDB only: $2"
	return 1
}

# skip_all_unless_lmdb WHY: the whole script is about LMDB.
skip_all_unless_lmdb()
{
	lmdb_only || skip_all "LMDB only: $*"
}

bail()
{
	echo "Bail out! $*"
	_show_log
	exit 1
}

diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

_pass()
{
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

_fail()
{
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n - $1"
	if [ -n "${_last_req:-}" ]; then
		diag "last request: $_last_req -> ${STATUS:-?}"
		[ -n "${BODY:-}" ] && diag "last body: $(printf '%s' "$BODY" | head -c 600)"
	fi
}

# ok DESC COMMAND [ARGS...]: passes when the command succeeds.
ok()
{
	local desc=$1
	shift
	if "$@"; then
		_pass "$desc"
	else
		_fail "$desc"
		return 1
	fi
}

# is GOT EXPECTED DESC
is()
{
	if [ "$1" = "$2" ]; then
		_pass "$3"
	else
		_fail "$3"
		diag "     got: '$1'" "expected: '$2'"
		return 1
	fi
}

isnt()
{
	if [ "$1" != "$2" ]; then
		_pass "$3"
	else
		_fail "$3"
		diag "     got: '$1'" "expected anything else"
		return 1
	fi
}

# like GOT ERE DESC
like()
{
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		_pass "$3"
	else
		_fail "$3"
		diag "     got: '$(printf '%s' "$1" | head -c 400)'" \
		    "expected to match: $2"
		return 1
	fi
}

unlike()
{
	if ! printf '%s' "$1" | grep -Eq -- "$2"; then
		_pass "$3"
	else
		_fail "$3"
		diag "     got: '$(printf '%s' "$1" | head -c 400)'" \
		    "expected not to match: $2"
		return 1
	fi
}

# jqr EXPR [JSON]: jq -r (compact) on the last body or on JSON.
jqr()
{
	if [ $# -ge 2 ]; then
		printf '%s' "$2" | jq -rc "$1" 2>/dev/null
	else
		printf '%s' "$BODY" | jq -rc "$1" 2>/dev/null
	fi
}

# json_is EXPR EXPECTED [DESC]: jq -rc EXPR on the last body equals EXPECTED.
json_is()
{
	local got
	if ! got=$(printf '%s' "$BODY" | jq -rc "$1" 2>&1); then
		got="(jq failed: $got)"
	fi
	is "$got" "$2" "${3:-$1 == $2}"
}

# json_ok EXPR [DESC]: jq -e EXPR on the last body is true.
json_ok()
{
	if printf '%s' "$BODY" | jq -e "$1" >/dev/null 2>&1; then
		_pass "${2:-$1}"
	else
		_fail "${2:-$1}"
		diag "jq -e '$1' was false or null"
		return 1
	fi
}

# status_is CODE DESC: status and, for a body, the SCIM content type.
status_is()
{
	is "$STATUS" "$1" "$2 (status $1)"
}

# scim_error STATUS SCIMTYPE DESC: a SCIM error reply (SCIMTYPE "" = any).
scim_error()
{
	local want=$1 type=$2 desc=$3 ok=1 why=""

	[ "$STATUS" = "$want" ] || { ok=0; why="status $STATUS, wanted $want"; }
	case "$CTYPE" in
	application/scim+json*) ;;
	*) ok=0; why="$why; Content-Type '$CTYPE'" ;;
	esac
	if ! printf '%s' "$BODY" | jq -e --arg s "$want" \
	    '(.schemas | index("urn:ietf:params:scim:api:messages:2.0:Error")) != null and .status == $s' \
	    >/dev/null 2>&1; then
		ok=0
		why="$why; not a SCIM error body with status \"$want\""
	fi
	if [ -n "$type" ] && [ "$(jqr .scimType)" != "$type" ]; then
		ok=0
		why="$why; scimType '$(jqr .scimType)', wanted '$type'"
	fi
	if [ $ok = 1 ]; then
		_pass "$desc ($want${type:+ $type})"
	else
		_fail "$desc ($want${type:+ $type})"
		diag "${why#; }"
		return 1
	fi
}

done_testing()
{
	echo "1..$_tap_n"
	if [ $_tap_fail -gt 0 ]; then
		diag "failed $_tap_fail of $_tap_n"
		_show_log
		exit 1
	fi
	exit 0
}

# --- prerequisites ----------------------------------------------------------

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
[ -x "$SCIMD" ] || skip_all "no scimd binary at $SCIMD"
[ -x "$SCIMCTL" ] || skip_all "no scimctl binary at $SCIMCTL"

if [ -n "${SCIMD_TEST_PG:-}" ]; then
	SCIMD_BACKEND=pg
	case $SCIMD_TEST_PG in
	postgres://*|postgresql://*)
		bail "SCIMD_TEST_PG: give the conninfo as keyword = value pairs, not a URI" ;;
	esac
	PSQL=${SCIMD_TEST_PSQL:-}
	if [ -z "$PSQL" ]; then
		if command -v psql > /dev/null 2>&1; then
			PSQL=psql
		else
			PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null |
			    sort -t/ -k5,5n | tail -n 1)
		fi
	fi
	[ -n "$PSQL" ] || bail "SCIMD_TEST_PG is set but there is no psql"
else
	SCIMD_BACKEND=lmdb
fi

SCIM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/scimd-it.XXXXXX") ||
    bail "mktemp -d failed"
CONF=$SCIM_TMP/scimd.conf
SCIMD_PID=
_starts=0
_instances=()
_at_exit=()
_pg_db=

# at_exit COMMAND: run COMMAND (eval) at exit, after the scimds are stopped
# and before the store and $SCIM_TMP are removed.
at_exit()
{
	_at_exit+=("$1")
}

_cleanup()
{
	local rc=$? n pid
	for n in "${_instances[@]}"; do
		pid=${n}_PID
		pid=${!pid}
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	if [ -n "$SCIMD_PID" ] && kill -0 "$SCIMD_PID" 2>/dev/null; then
		kill -TERM "$SCIMD_PID" 2>/dev/null
		_watchdog "$SCIMD_PID" 50
		wait "$SCIMD_PID" 2>/dev/null
	fi
	for n in "${_instances[@]}"; do
		pid=${n}_PID
		pid=${!pid}
		if [ -n "$pid" ]; then
			_watchdog "$pid" 50
			wait "$pid" 2>/dev/null
		fi
	done
	for n in "${_at_exit[@]}"; do
		eval "$n"
	done
	if [ -n "$_pg_db" ] && [ -z "${SCIMD_TEST_PG_KEEP:-}" ]; then
		_pg_sql "DROP DATABASE IF EXISTS \"$_pg_db\" WITH (FORCE)" ||
		    _pg_sql "DROP DATABASE IF EXISTS \"$_pg_db\"" ||
		    echo "lib.sh: could not drop database $_pg_db" >&2
	fi
	if [ -n "${SCIMD_TEST_KEEP_TMP:-}" ]; then
		echo "lib.sh: kept $SCIM_TMP" >&2
	elif [ -n "$SCIM_TMP" ]; then
		rm -rf "$SCIM_TMP"
	fi
	exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# _watchdog PID TENTHS: SIGKILL PID if it is still there after TENTHS/10 s;
# ends by itself once PID is reaped.  Its output is not the TAP stream.
_watchdog()
{
	(
		i=0
		while [ $i -lt "$2" ]; do
			sleep 0.1
			kill -0 "$1" 2>/dev/null || exit 0
			i=$((i + 1))
		done
		kill -KILL "$1" 2>/dev/null
	) > /dev/null 2>&1 &
}

_show_log()
{
	[ -n "${SCIMD_ERR:-}" ] && [ -s "$SCIMD_ERR" ] &&
	    diag "scimd stderr (tail):" "$(tail -n 15 "$SCIMD_ERR")"
	return 0
}

# --- the store: LMDB, or a PostgreSQL database of this script's own -----------

# _pg_sql SQL [CONNINFO-SUFFIX]: run SQL on the maintenance database
# (or, with a suffix such as "dbname=x", elsewhere); errors to stderr.
_pg_sql()
{
	PGCONNECT_TIMEOUT=10 PGOPTIONS="-c statement_timeout=60s" \
	    "$PSQL" "$SCIMD_TEST_PG${2:+ $2}" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -c "$1" < /dev/null
}

if [ "$SCIMD_BACKEND" = pg ]; then
	_pg_db=$(basename "$0" .sh | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' _ |
	    cut -c 1-30)
	_pg_db=scimd_t_${_pg_db}_$$_$RANDOM
	_pg_sql "CREATE DATABASE \"$_pg_db\"" > "$SCIM_TMP/psql.out" \
	    2> "$SCIM_TMP/psql.err" || {
		diag "$(cat "$SCIM_TMP/psql.err")"
		_d=$_pg_db
		_pg_db=
		bail "cannot create database $_d with SCIMD_TEST_PG='$SCIMD_TEST_PG'"
	}
	# the conninfo scimd and scimctl get
	SCIMD_DATABASE="$SCIMD_TEST_PG dbname=$_pg_db"
fi

# store_conf: the configuration lines that select this script's store (for
# a test that writes a configuration of its own).  Under PostgreSQL the
# data_dir line stays, unused, so that nothing can end up elsewhere.
store_conf()
{
	local v

	echo "data_dir = $SCIM_TMP/data"
	if [ "$SCIMD_BACKEND" = pg ]; then
		v=${SCIMD_DATABASE//\\/\\\\}
		echo "database = \"${v//\"/\\\"}\""
	fi
}

# pg_psql SQL: run SQL in this script's database (PostgreSQL only).
pg_psql()
{
	_pg_sql "$1" "dbname=$_pg_db"
}

# write_conf [LINE...]: the generated configuration (mode 600 when it
# names a database, as scimd wants for a file that may hold a password).
write_conf()
{
	{
		echo "listen = 127.0.0.1:0"
		store_conf
		for l in "$@"; do
			echo "$l"
		done
	} > "$CONF"
	[ "$SCIMD_BACKEND" = pg ] && chmod 600 "$CONF"
	return 0
}

# _launch CONF PORTFILE OUT ERR: start scimd in the background (_sp_pid).
_launch()
{
	rm -f "$2"
	# SCIMD_WRAPPER (optional, word-split) runs scimd under e.g. valgrind
	# or prlimit; it must exec scimd in its own process, keeping the PID.
	${SCIMD_WRAPPER:-} "$SCIMD" -c "$1" -p "$2" > "$3" 2> "$4" &
	_sp_pid=$!
}

# _await PID PORTFILE: wait for scimd's portfile; sets _sp_port, or clears
# _sp_pid (when it exited) and returns 1.
_await()
{
	local i=0

	_sp_pid=$1
	_sp_port=
	# the portfile is written with fopen/fprintf: wait for the newline
	while [ $i -lt "${SCIMD_START_TENTHS:-100}" ]; do
		if [ -s "$2" ] && grep -q '^[0-9][0-9]*$' "$2" &&
		    [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" = '\n' ]; then
			break
		fi
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			diag "scimd exited with status $? during start-up"
			_sp_pid=
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ $i -ge "${SCIMD_START_TENTHS:-100}" ]; then
		diag "scimd wrote no portfile in time"
		return 1
	fi
	_sp_port=$(cat "$2")
	return 0
}

# _spawn CONF PORTFILE OUT ERR: start scimd and wait for it; sets _sp_pid
# (also when it did not come up in time) and _sp_port; 1 if it did not.
_spawn()
{
	_launch "$@"
	_await "$_sp_pid" "$2"
}

# start_scimd [CONFIG LINE...]: start scimd (first call writes the config;
# later calls reuse the file and the store unless lines are given).
start_scimd()
{
	if [ $_starts -eq 0 ] || [ $# -gt 0 ]; then
		write_conf "$@"
	fi
	_starts=$((_starts + 1))
	PORTFILE=$SCIM_TMP/port
	SCIMD_OUT=$SCIM_TMP/scimd.$_starts.out
	SCIMD_ERR=$SCIM_TMP/scimd.$_starts.err
	if ! _spawn "$CONF" "$PORTFILE" "$SCIMD_OUT" "$SCIMD_ERR"; then
		SCIMD_PID=$_sp_pid
		_show_log
		return 1
	fi
	SCIMD_PID=$_sp_pid
	PORT=$_sp_port
	ROOT=http://127.0.0.1:$PORT
	BASE=$ROOT/scim/v2
	NEW_TOKEN=0
	if [ -s "$SCIMD_OUT" ]; then
		TOKEN=$(tail -n 1 "$SCIMD_OUT")
		NEW_TOKEN=1
	fi
	return 0
}

# stop_scimd: SIGTERM, wait; returns scimd's exit status (124 on a hang).
stop_scimd()
{
	local rc

	[ -n "$SCIMD_PID" ] || return 0
	kill -TERM "$SCIMD_PID" 2>/dev/null
	_watchdog "$SCIMD_PID" 150
	wait "$SCIMD_PID"
	rc=$?
	SCIMD_PID=
	[ $rc -eq 137 ] && rc=124
	return $rc
}

# start_instance NAME [CONFIG LINE...]: one more scimd beside the one of
# start_scimd, on the same store (a data_dir can be opened by one scimd
# only, so this is for PostgreSQL), with the configuration
# $SCIM_TMP/NAME.conf (written at the first start or when lines are given;
# a test may also write it first).  Sets NAME_PID, NAME_PORT, NAME_ROOT,
# NAME_BASE, NAME_CONF, NAME_ERR and NAME_TOKEN (the token it printed, if
# it made one).  NAME is an identifier.
start_instance()
{
	local n=$1
	shift

	_inst_launch "$n" "$@"
	_inst_await "$n"
}

# start_instances NAME...: start these instances at once (each with the
# configuration it has, or a default one), then wait for all of them.
start_instances()
{
	local n rc=0

	for n in "$@"; do
		_inst_launch "$n"
	done
	for n in "$@"; do
		_inst_await "$n" || rc=1
	done
	return $rc
}

_inst_launch()
{
	local n=$1 conf=$SCIM_TMP/$1.conf l
	shift

	if [ ! -f "$conf" ] || [ $# -gt 0 ]; then
		{
			echo "listen = 127.0.0.1:0"
			store_conf
			for l in "$@"; do
				echo "$l"
			done
		} > "$conf"
		[ "$SCIMD_BACKEND" = pg ] && chmod 600 "$conf"
	fi
	case " ${_instances[*]} " in
	*" $n "*) ;;
	*) _instances+=("$n") ;;
	esac
	_starts=$((_starts + 1))
	printf -v "${n}_CONF" '%s' "$conf"
	printf -v "${n}_ERR" '%s' "$SCIM_TMP/$n.$_starts.err"
	printf -v "${n}_OUT" '%s' "$SCIM_TMP/$n.$_starts.out"
	printf -v "${n}_TOKEN" '%s' ""
	printf -v "${n}_PORT" '%s' ""
	_launch "$conf" "$SCIM_TMP/$n.port" "$SCIM_TMP/$n.$_starts.out" \
	    "$SCIM_TMP/$n.$_starts.err"
	printf -v "${n}_PID" '%s' "$_sp_pid"
}

_inst_await()
{
	local n=$1 v out err

	v=${n}_PID
	out=${n}_OUT
	out=${!out}
	err=${n}_ERR
	err=${!err}
	if ! _await "${!v}" "$SCIM_TMP/$n.port"; then
		printf -v "${n}_PID" '%s' "$_sp_pid"
		diag "$n stderr (tail):" "$(tail -n 15 "$err")"
		return 1
	fi
	printf -v "${n}_PORT" '%s' "$_sp_port"
	printf -v "${n}_ROOT" '%s' "http://127.0.0.1:$_sp_port"
	printf -v "${n}_BASE" '%s' "http://127.0.0.1:$_sp_port/scim/v2"
	if [ -s "$out" ]; then
		printf -v "${n}_TOKEN" '%s' "$(tail -n 1 "$out")"
	fi
	return 0
}

# stop_instance NAME: SIGTERM, wait; scimd's exit status (124 on a hang).
stop_instance()
{
	local v=${1}_PID rc pid
	pid=${!v}

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	_watchdog "$pid" 150
	wait "$pid"
	rc=$?
	printf -v "$v" '%s' ""
	[ $rc -eq 137 ] && rc=124
	return $rc
}

# kill_instance NAME: SIGKILL, and reap it.
kill_instance()
{
	local v=${1}_PID pid
	pid=${!v}

	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	printf -v "$v" '%s' ""
	return 0
}

# ctl ARGS...: scimctl -c $CONF ARGS; CTL_RC, CTL_OUT, CTL_ERR, CTL_LAST.
ctl()
{
	"$SCIMCTL" -c "$CONF" "$@" > "$SCIM_TMP/ctl.out" 2> "$SCIM_TMP/ctl.err"
	CTL_RC=$?
	CTL_OUT=$(cat "$SCIM_TMP/ctl.out")
	CTL_ERR=$(cat "$SCIM_TMP/ctl.err")
	CTL_LAST=$(tail -n 1 "$SCIM_TMP/ctl.out")
	return $CTL_RC
}

# --- HTTP -------------------------------------------------------------------

CT='application/scim+json; charset=utf-8'
REQ_EXTRA=()

# req METHOD PATH [BODY]
req()
{
	local method=$1 path=$2 url
	local -a args

	case "$path" in
	http://*|https://*) url=$path ;;
	*) url=$BASE$path ;;
	esac
	args=(-sS -o "$SCIM_TMP/body" -D "$SCIM_TMP/headers"
	    -w '%{http_code}' --max-time 20 -X "$method" -H 'Accept:'
	    -H 'Expect:')
	if [ -z "${NO_AUTH:-}" ]; then
		args+=(-H "Authorization: Bearer ${AUTH-$TOKEN}")
	fi
	if [ $# -ge 3 ]; then
		[ -n "$CT" ] && args+=(-H "Content-Type: $CT")
		args+=(--data-binary "$3")
	fi
	args+=("${REQ_EXTRA[@]}")
	REQ_EXTRA=()
	_last_req="$method $path${3:+ $(printf '%s' "$3" | head -c 300)}"
	: > "$SCIM_TMP/body"
	: > "$SCIM_TMP/headers"
	STATUS=$(curl "${args[@]}" "$url" 2> "$SCIM_TMP/curl.err")
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(< "$SCIM_TMP/body")
	HDRS=$SCIM_TMP/headers
	hdr_get content-type CTYPE
	return 0
}

# hdr_get NAME VAR: set VAR to response header NAME (last one), CR stripped.
hdr_get()
{
	local _line _name _val="" _want
	_want=${1,,}
	while IFS= read -r _line || [ -n "$_line" ]; do
		_line=${_line%$'\r'}
		case "$_line" in
		*:*) ;;
		*) continue ;;
		esac
		_name=${_line%%:*}
		if [ "${_name,,}" = "$_want" ]; then
			_val=${_line#*:}
			_val=${_val#"${_val%%[! $'\t']*}"}
		fi
	done < "$SCIM_TMP/headers"
	printf -v "$2" '%s' "$_val"
}

# hdr NAME: print response header NAME of the last response.
hdr()
{
	local v
	hdr_get "$1" v
	printf '%s\n' "$v"
}

# urlenc STRING: percent-encode for a query string (spaces as %20).
urlenc()
{
	jq -rn --arg s "$1" '$s | @uri'
}

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
CORE_USER=urn:ietf:params:scim:schemas:core:2.0:User
ENT_USER=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
CORE_GROUP=urn:ietf:params:scim:schemas:core:2.0:Group
PATCHOP=urn:ietf:params:scim:api:messages:2.0:PatchOp
LISTRESP=urn:ietf:params:scim:api:messages:2.0:ListResponse

# mkuser USERNAME [EXTRA JSON MEMBERS]: POST a user, set UID_ to its id.
mkuser()
{
	req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$1\"${2:+,$2}}"
	UID_=$(jqr .id)
	[ "$STATUS" = 201 ]
}

# mkusers_at_once OUT USERNAME...: POST the users all at once (so their
# creates share batches), with $TOKEN; OUT gets "STATUS USERNAME" lines.
mkusers_at_once()
{
	local out=$1 name pids=
	shift
	: > "$out"
	for name in "$@"; do
		curl -sS -o /dev/null -w "%{http_code} $name\n" -X POST \
		    -H "Authorization: Bearer $TOKEN" \
		    -H "Content-Type: application/scim+json" --data-binary \
		    "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"$name\"}" \
		    "$BASE/Users" >> "$out" &
		pids="$pids $!"
	done
	wait $pids
}

# mkgroup DISPLAYNAME: POST a group, set GID_ to its id.
mkgroup()
{
	req POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"$1\"}"
	GID_=$(jqr .id)
	[ "$STATUS" = 201 ]
}

# patch_body OP-JSON...: a PatchOp document with these operations.
patch_body()
{
	local ops
	ops=$(IFS=,; echo "$*")
	printf '{"schemas":["%s"],"Operations":[%s]}' "$PATCHOP" "$ops"
}
