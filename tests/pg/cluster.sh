#!/bin/bash
# cluster.sh: a throwaway PostgreSQL cluster for scimd's tests.
#
#	cluster.sh start DIR	initialise a cluster in DIR (created; must be
#				missing, empty or an earlier cluster.sh DIR)
#				unless there is one, start it and print its
#				conninfo ("host=127.0.0.1 port=N user=postgres
#				dbname=postgres") on stdout
#	cluster.sh stop DIR	stop it and remove DIR
#	cluster.sh halt DIR [MODE]
#				stop it (pg_ctl -m MODE: fast, the default,
#				or immediate: a crash), keep DIR
#	cluster.sh restart DIR [SECONDS [MODE]]
#				halt, stay down SECONDS (default 0), start
#				again on the same port
#	cluster.sh conninfo DIR	print the conninfo of DIR's cluster
#	cluster.sh bindir	print the directory of initdb and pg_ctl (the
#				newest /usr/lib/postgresql/*/bin, or
#				$SCIMD_PG_BINDIR, or from PATH); exit 1 when
#				there is no PostgreSQL server installed
#
# The server listens on 127.0.0.1 only, on a free port picked at random
# (never 5432: the cluster neither uses nor needs a system one), and on a
# unix socket in DIR; local and loopback connections are trusted; fsync
# stays on (tests check durability) but the memory settings are small.
# Run as root, the cluster belongs to $SCIMD_PG_USER (default postgres
# when that account exists, else nobody), since initdb and pg_ctl refuse
# root.  Everything the tools print goes to DIR/setup.log and the server's
# own log to DIR/server.log.
set -u

die()
{
	echo "cluster.sh: $*" >&2
	exit 1
}

usage()
{
	echo "usage: cluster.sh start|stop|halt|restart|conninfo DIR | bindir" >&2
	exit 2
}

# find_bindir: the newest PostgreSQL server binaries
find_bindir()
{
	local d best=

	if [ -n "${SCIMD_PG_BINDIR:-}" ]; then
		[ -x "$SCIMD_PG_BINDIR/initdb" ] && [ -x "$SCIMD_PG_BINDIR/pg_ctl" ] &&
		    { echo "$SCIMD_PG_BINDIR"; return 0; }
		return 1
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
	done
	if [ -z "$best" ] && command -v initdb > /dev/null 2>&1 &&
	    command -v pg_ctl > /dev/null 2>&1; then
		best=$(dirname "$(command -v initdb)")
	fi
	[ -n "$best" ] || return 1
	echo "$best"
}

[ $# -ge 1 ] || usage
cmd=$1
if [ "$cmd" = bindir ]; then
	find_bindir
	exit
fi
[ $# -ge 2 ] || usage
case $2 in
/*) DIR=$2 ;;
*) DIR=$(pwd)/$2 ;;
esac
DIR=${DIR%/}
[ -n "$DIR" ] || die "refusing to use /"
BIN=$(find_bindir) || die "no PostgreSQL server installed (initdb, pg_ctl)"
PGD=$DIR/data
MARK=$DIR/.scimd-test-cluster
# libpq's environment must not redirect anything done here
unset PGHOST PGHOSTADDR PGPORT PGDATA PGUSER PGDATABASE PGSERVICE PGOPTIONS \
    PGSSLMODE PGPASSWORD PGPASSFILE

# as CMD...: run CMD as the cluster's owner (root may not own a cluster)
if [ "$(id -u)" = 0 ]; then
	OWNER=${SCIMD_PG_USER:-}
	if [ -z "$OWNER" ]; then
		if id postgres > /dev/null 2>&1; then
			OWNER=postgres
		else
			OWNER=nobody
		fi
	fi
	id "$OWNER" > /dev/null 2>&1 || die "no user $OWNER to run PostgreSQL as"
	OWNER_UID=$(id -u "$OWNER")
	OWNER_GID=$(id -g "$OWNER")
	run_as()
	{
		setpriv --reuid="$OWNER_UID" --regid="$OWNER_GID" --clear-groups \
		    -- "$@"
	}
else
	run_as()
	{
		"$@"
	}
fi

as()
{
	(cd "$DIR" && run_as "$@")
}

conninfo()
{
	echo "host=127.0.0.1 port=$(cat "$DIR/port") user=postgres dbname=postgres"
}

running()
{
	as "$BIN/pg_ctl" -D "$PGD" status > /dev/null 2>&1
}

# port_busy PORT: something listens on 127.0.0.1:PORT (or on any address)
port_busy()
{
	if command -v ss > /dev/null 2>&1; then
		[ -n "$(ss -Htln "( sport = :$1 )" 2>/dev/null)" ]
	else
		(exec 3<> "/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

pick_port()
{
	local p i=0

	while [ $i -lt 50 ]; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		i=$((i + 1))
		[ "$p" = 5432 ] && continue
		port_busy "$p" && continue
		echo "$p"
		return 0
	done
	return 1
}

# the settings, rewritten at every start (the port may have changed)
write_settings()
{
	local sock=$DIR

	# a unix socket path is limited to 107 bytes
	[ ${#sock} -gt 80 ] && sock=
	cat > "$PGD/scimd_test.conf" <<-CONF
	listen_addresses = '127.0.0.1'
	port = $(cat "$DIR/port")
	unix_socket_directories = '$sock'
	max_connections = 200
	shared_buffers = 16MB
	work_mem = 4MB
	maintenance_work_mem = 16MB
	huge_pages = off
	fsync = on
	synchronous_commit = on
	full_page_writes = on
	max_wal_size = 256MB
	logging_collector = off
	log_min_messages = warning
	log_checkpoints = off
	log_line_prefix = '%m [%p] %q%a '
	timezone = 'UTC'
	CONF
}

init_cluster()
{
	local n

	if [ -e "$DIR" ] && [ ! -f "$MARK" ]; then
		n=$(ls -A "$DIR" 2>/dev/null | wc -l)
		[ "$n" -eq 0 ] || die "$DIR is not empty and not a cluster.sh cluster"
	fi
	mkdir -p "$DIR" || die "cannot create $DIR"
	: > "$MARK"
	chmod 755 "$DIR"
	[ "$(id -u)" = 0 ] && chown "$OWNER_UID:$OWNER_GID" "$DIR"
	run_as test -w "$DIR" -a -x "$DIR" ||
	    die "${OWNER:-this user} cannot enter $DIR (a private parent directory?)"
	# -N: the initial files are not synced (no crash of the machine is
	# tested); the server itself runs with fsync on
	as "$BIN/initdb" -D "$PGD" -U postgres -A trust -E UTF8 --locale=C -N \
	    > "$DIR/setup.log" 2>&1 ||
	    { tail -n 20 "$DIR/setup.log" >&2; die "initdb failed"; }
	cat > "$PGD/pg_hba.conf" <<-HBA
	# cluster.sh: a throwaway test cluster, trusted on this host only
	local	all	all			trust
	host	all	all	127.0.0.1/32	trust
	HBA
	echo "include = 'scimd_test.conf'" >> "$PGD/postgresql.conf"
}

start()
{
	local tries=0 fixed=0

	[ -f "$PGD/PG_VERSION" ] || init_cluster
	if running; then
		conninfo
		return 0
	fi
	[ -s "$DIR/port" ] && fixed=1
	while :; do
		tries=$((tries + 1))
		if [ $fixed = 0 ]; then
			pick_port > "$DIR/port.new" || die "no free port found"
			mv "$DIR/port.new" "$DIR/port"
		fi
		[ "$(id -u)" = 0 ] && chown "$OWNER_UID:$OWNER_GID" "$DIR/port"
		write_settings
		[ "$(id -u)" = 0 ] && chown "$OWNER_UID:$OWNER_GID" "$PGD/scimd_test.conf"
		: > "$DIR/server.log"
		[ "$(id -u)" = 0 ] && chown "$OWNER_UID:$OWNER_GID" "$DIR/server.log"
		if as "$BIN/pg_ctl" -D "$PGD" -l "$DIR/server.log" -w -t 120 \
		    start >> "$DIR/setup.log" 2>&1; then
			conninfo
			return 0
		fi
		# another process took the port in the meantime: try another
		if [ $fixed = 0 ] && [ $tries -lt 5 ] &&
		    grep -q 'could not bind\|could not create any TCP/IP sockets' \
		    "$DIR/server.log"; then
			continue
		fi
		tail -n 20 "$DIR/server.log" >&2
		die "pg_ctl start failed (see $DIR/setup.log)"
	done
}

halt()
{
	local mode=${1:-fast}

	[ -f "$PGD/PG_VERSION" ] || return 0
	running || return 0
	as "$BIN/pg_ctl" -D "$PGD" -m "$mode" -w -t 60 stop >> "$DIR/setup.log" 2>&1 ||
	    die "pg_ctl stop -m $mode failed"
}

case $cmd in
start)
	start
	;;
stop)
	[ -e "$DIR" ] || exit 0
	# an empty directory (a start that failed early): just remove it
	rmdir "$DIR" 2>/dev/null && exit 0
	[ -f "$MARK" ] || die "$DIR is not a cluster.sh cluster: not removing it"
	halt fast
	rm -rf "$DIR"
	;;
halt)
	[ -f "$MARK" ] || die "$DIR is not a cluster.sh cluster"
	halt "${3:-fast}"
	;;
restart)
	[ -f "$MARK" ] || die "$DIR is not a cluster.sh cluster"
	halt "${4:-fast}"
	sleep "${3:-0}"
	start
	;;
conninfo)
	[ -s "$DIR/port" ] || die "no cluster in $DIR"
	conninfo
	;;
*)
	usage
	;;
esac
