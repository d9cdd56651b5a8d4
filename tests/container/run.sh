#!/bin/bash
# run.sh: scimd as a container, built and run for real with podman (TAP).
#
# 1. The base image: mmdebstrap --variant=minbase bookworm from the Debian
#    archive this machine's apt uses (read from apt at run time), imported
#    as debian:12, so no registry is needed.
# 2. contrib/Dockerfile, built with --format docker (podman's default OCI
#    format drops HEALTHCHECK) and CHECK=0 (no make check in the build
#    stage: CI runs it outside); the build context leaves out .git and
#    build output (.dockerignore).
# 3. The image, started with a named volume and its port published on
#    127.0.0.1: /healthz, the first token on stdout, a SCIM create, filter
#    and delete, scimctl token create through podman exec, scimd as PID 1
#    and not root, the volume owned by scimd, the HEALTHCHECK (podman
#    healthcheck run: its timers need systemd), podman stop (SIGTERM, exit
#    0) and start, podman kill (SIGKILL) under write load with every
#    acknowledged write there after the restart, and a new container on
#    the same volume (an upgrade).  The image's size is printed as a
#    "# image size:" diagnostic.
# 4. contrib/docker-compose.yml with podman-compose; then
#    contrib/docker-compose.postgres.yml, with stand-ins built from
#    Debian's packages (standin/) for the postgres and haproxy images of
#    Docker Hub.
#
# Not part of make check: it needs root, podman, runc, mmdebstrap,
# podman-compose, the Debian archive and a few minutes (make
# check-container runs it; .ci/run runs it after the suites).  Where
# containers cannot run (not root, a program missing, no Debian archive in
# apt's sources, or podman cannot start a container) it prints
# "1..0 # SKIP reason"; with SCIMD_CONTAINER_REQUIRED=1 (CI) a failure.
#
# Podman is set up for this run alone, through CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF (files in the run's temporary directory; /etc is
# not touched): the runc runtime (crun refuses hybrid cgroups), cgroupfs,
# events to a file, default ulimits within this shell's hard limits (a
# sandbox refuses podman's higher defaults), and the image store, volumes
# and network configuration in the temporary directory, which is removed
# at exit with every container, volume and image in it.  The base image's
# tarball is kept in $SCIMD_CONTAINER_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/scimd-container) for
# SCIMD_CONTAINER_BASE_DAYS (default 7) days, under a name derived from
# the sources and options it was built with.
#
# Knobs: SCIMD_CONTAINER_COMPOSE=all (default) | single (only
# docker-compose.yml) | none; SCIMD_CONTAINER_KEEP=1 keeps the temporary
# directory (images and volumes; containers are removed) and prints how
# to point podman at it; TMPDIR (default /var/tmp) holds it.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
start_time=$(date +%s)

# --- TAP ------------------------------------------------------------------

n=0
nfail=0

diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

pass()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

fail()
{
	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "not ok $n - $1"
}

# check DESC COMMAND...: passes when the command succeeds
check()
{
	local desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
		return 1
	fi
}

# is GOT EXPECTED DESC
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "     got: '$1'" "expected: '$2'"
		return 1
	fi
}

# like GOT ERE DESC
like()
{
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "     got: '$(printf '%s' "$1" | head -c 400)'" \
		    "expected to match: $2"
		return 1
	fi
}

# skip N REASON
skip()
{
	local i
	for ((i = 0; i < $1; i++)); do
		n=$((n + 1))
		echo "ok $n # SKIP $2"
	done
}

# skip_all REASON: nothing can run here (a failure when it must run)
skip_all()
{
	if [ -n "${SCIMD_CONTAINER_REQUIRED:-}" ]; then
		echo "not ok $((n + 1)) - containers run here (SCIMD_CONTAINER_REQUIRED): $*"
		echo "1..$((n + 1))"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

bail()
{
	echo "Bail out! $*"
	exit 1
}

# tail_of FILE: the end of a log, as diagnostics
tail_of()
{
	[ -s "$1" ] && diag "$(basename "$1") (tail):" "$(tail -n "${2:-20}" "$1")"
	return 0
}

done_testing()
{
	diag "took $(($(date +%s) - start_time)) s"
	echo "1..$n"
	if [ $nfail -gt 0 ]; then
		diag "failed $nfail of $n"
		exit 1
	fi
	exit 0
}

# --- prerequisites --------------------------------------------------------

compose=${SCIMD_CONTAINER_COMPOSE:-all}
case $compose in
all|single|none) ;;
*) bail "SCIMD_CONTAINER_COMPOSE: all, single or none, not '$compose'" ;;
esac

[ "$(uname -s)" = Linux ] || skip_all "containers need Linux"
[ "$(id -u)" = 0 ] || skip_all "needs root (rootful podman)"
need="podman runc iptables mmdebstrap apt-get curl jq timeout flock findmnt sha256sum"
[ "$compose" = none ] || need="$need podman-compose"
for c in $need; do
	command -v "$c" > /dev/null 2>&1 ||
	    skip_all "$c is not installed (apt-get install podman runc iptables mmdebstrap podman-compose curl jq)"
done

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/scimd-container.XXXXXX") ||
    bail "mktemp -d failed"
own_store=
writers=()
standin_pid=

cleanup()
{
	local rc=$? p m

	trap - EXIT INT TERM
	for p in "${writers[@]}" $standin_pid; do
		kill "$p" 2>/dev/null
	done
	[ -n "$standin_pid" ] && wait "$standin_pid" 2>/dev/null
	if [ -n "$own_store" ]; then
		# only in this run's own store (checked below)
		timeout 120 podman rm -a -f -t 0 > /dev/null 2>&1
		timeout 60 podman pod rm -a -f > /dev/null 2>&1
		timeout 60 podman network prune -f > /dev/null 2>&1
		if [ -n "${SCIMD_CONTAINER_KEEP:-}" ]; then
			echo "# kept $tmp: CONTAINERS_CONF=$tmp/containers.conf CONTAINERS_STORAGE_CONF=$tmp/storage.conf podman images" >&2
			exit $rc
		fi
		timeout 120 podman volume prune -f > /dev/null 2>&1
		timeout 120 podman rmi -a -f > /dev/null 2>&1
	fi
	findmnt -rn -o TARGET | grep "^$tmp/" | sort -r |
	while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- podman, for this run only ---------------------------------------------

hard_nofile=$(ulimit -Hn)
hard_nproc=$(ulimit -Hu)
[ "$hard_nofile" = unlimited ] && hard_nofile=65536
[ "$hard_nproc" = unlimited ] && hard_nproc=4096
nofile=$((hard_nofile < 65536 ? hard_nofile : 65536))
nproc=$((hard_nproc < 4096 ? hard_nproc : 4096))
mkdir -p "$tmp/storage" "$tmp/run" "$tmp/libpod" "$tmp/networks" &&
cat > "$tmp/containers.conf" <<EOF &&
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$tmp/libpod"

[network]
network_config_dir = "$tmp/networks"
EOF
cat > "$tmp/storage.conf" <<EOF || bail "cannot write to $tmp"
[storage]
driver = "overlay"
graphroot = "$tmp/storage"
runroot = "$tmp/run"
EOF
export CONTAINERS_CONF=$tmp/containers.conf
export CONTAINERS_STORAGE_CONF=$tmp/storage.conf
# podman-compose's builds: keep HEALTHCHECK (as --format docker)
export BUILDAH_FORMAT=docker

store=$(timeout 60 podman info --format '{{.Store.GraphRoot}}' 2> "$tmp/info.err")
if [ "$store" != "$tmp/storage" ]; then
	diag "$(tail -n 5 "$tmp/info.err")"
	skip_all "podman does not work here (podman info: '$store')"
fi
own_store=1

# --- the base image -----------------------------------------------------------

# debian_sources: "deb URI SUITE main" lines for bookworm on the Debian
# archive and security archive apt uses here (whatever release that is)
debian_sources()
{
	apt-get indextargets --format '$(ORIGIN)|$(REPO_URI)|$(RELEASE)' \
	    'Created-By: Packages' 2>/dev/null | awk -F'|' '
	$1 == "Debian" && $3 ~ /-security$/ { if (sec == "") sec = $2; next }
	$1 == "Debian" && $3 !~ /-(backports|proposed-updates)$/ {
		if (main == "" || $3 == "bookworm") main = $2
	}
	END {
		if (main == "") exit 1
		print "deb " main " bookworm main"
		print "deb " main " bookworm-updates main"
		if (sec != "") print "deb " sec " bookworm-security main"
	}'
}

sources=$(debian_sources)
if [ -z "$sources" ]; then
	# no package lists yet (a fresh machine)
	timeout 300 apt-get update -qq > "$tmp/apt-update.log" 2>&1
	sources=$(debian_sources)
fi
[ -n "$sources" ] ||
    skip_all "no Debian archive among apt's sources (apt-get indextargets)"
mapfile -t source_lines <<< "$sources"

mmopts=(--variant=minbase --mode=root --format=tar)
# merged /usr as in Docker Hub's image, without the usrmerge package (and
# the perl it pulls in)
[ -d /usr/share/mmdebstrap/hooks/merged-usr ] &&
    mmopts+=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
cache=${SCIMD_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scimd-container}
days=${SCIMD_CONTAINER_BASE_DAYS:-7}
key=$(printf '%s\n' "${mmopts[@]}" "$sources" "$(dpkg --print-architecture)" |
    sha256sum | cut -c 1-16)
base_tar=$cache/debian-12-minbase-$key.tar
mkdir -p "$cache" || bail "cannot create $cache"
base_note=
(
	flock -w 900 9 || exit 1
	if [ -f "$base_tar" ] &&
	    [ -n "$(find "$base_tar" -mtime -"$days" 2>/dev/null)" ]; then
		exit 0
	fi
	rm -f "$base_tar"
	find "$cache" -name 'debian-12-minbase-*.tar' -mtime +"$days" -delete
	timeout 900 mmdebstrap "${mmopts[@]}" bookworm "$base_tar.tmp" \
	    "${source_lines[@]}" > "$tmp/mmdebstrap.log" 2>&1 &&
	    mv "$base_tar.tmp" "$base_tar"
	rc=$?
	rm -f "$base_tar.tmp"
	exit $rc
) 9> "$cache/lock"
if [ $? -ne 0 ] || [ ! -s "$base_tar" ]; then
	tail_of "$tmp/mmdebstrap.log"
	skip_all "mmdebstrap could not build the debian:12 base image"
fi
if [ -f "$tmp/mmdebstrap.log" ]; then
	base_note="built with mmdebstrap"
else
	base_note="cached $(( ($(date +%s) - $(stat -c %Y "$base_tar")) / 3600 )) h ago"
fi
timeout 300 podman import --change 'CMD ["bash"]' "$base_tar" debian:12 \
    > "$tmp/import.log" 2>&1 || {
	tail_of "$tmp/import.log"
	skip_all "podman import of the base image failed"
}
if ! timeout 120 podman run --rm debian:12 true > "$tmp/probe.log" 2>&1; then
	tail_of "$tmp/probe.log" 5
	skip_all "podman cannot start a container here: $(tail -n 1 "$tmp/probe.log")"
fi
diag "debian:12: mmdebstrap ${mmopts[*]} bookworm ($base_note), from:" \
    "${source_lines[@]}"

# stand-ins for the two images of Docker Hub that
# contrib/docker-compose.postgres.yml names, built from Debian's packages
# while scimd's image builds (they mostly download and unpack)
if [ "$compose" = all ]; then
	(
		t0=$(date +%s)
		b=
		trap '[ -n "$b" ] && kill "$b"; exit 1' TERM
		for s in postgres:16-bookworm haproxy:3.0-bookworm; do
			timeout 900 podman build --format docker \
			    -f "$here/standin/${s%%:*}.Dockerfile" -t "$s" \
			    "$here/standin" &
			b=$!
			wait "$b" || exit 1
		done
		echo "built in $(($(date +%s) - t0)) s"
	) > "$tmp/standin.log" 2>&1 &
	standin_pid=$!
fi

# --- helpers ------------------------------------------------------------------

pm()
{
	timeout 120 podman "$@"
}

# mb IMAGE: its size in MB (as podman images shows it)
mb()
{
	echo $(($(podman image inspect --format '{{.Size}}' "$1") / 1000000))
}

# req METHOD URL [BODY]: STATUS and BODY; the bearer token is $AUTH
req()
{
	local args=(-sS -o "$tmp/body" -w '%{http_code}' --max-time 20
	    -X "$1" -H "Authorization: Bearer ${AUTH:-}")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/scim+json'
	    --data-binary "$3")
	: > "$tmp/body"
	STATUS=$(curl "${args[@]}" "$2" 2> "$tmp/curl.err")
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(cat "$tmp/body")
}

jqr()
{
	printf '%s' "$BODY" | jq -rc "$1" 2>/dev/null
}

user_json()
{
	printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","active":true}' "$1"
}

# wait_health URL SECONDS: /healthz (or URL as given) answers 200
wait_health()
{
	local i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" \
		    2>/dev/null)" = 200 ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# published CONTAINER: the 127.0.0.1:PORT its 8080 is published on
published()
{
	pm port "$1" 8080 2>/dev/null | head -n 1
}

# free_port: a loopback port nothing listens on, below the kernel's
# ephemeral range: a port in it may be the local end of some connection
# (the load of the tests before), which nothing listens on but which
# podman then cannot bind
free_port()
{
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${lo:-0}" -gt 12000 ] 2>/dev/null || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<> "/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo "$p"
}

# stdout_of CONTAINER: what scimd printed on stdout (the first token)
stdout_of()
{
	pm logs "$1" 2>/dev/null
}

# healthy CONTAINER: podman healthcheck run passes and says so
healthy()
{
	pm healthcheck run "$1" > "$tmp/hc.out" 2>&1 &&
	    [ "$(pm inspect --format '{{.State.Health.Status}}' "$1")" = healthy ]
}

# wait_healthy SECONDS CONTAINER...: each passes its HEALTHCHECK
wait_healthy()
{
	local secs=$1 c i
	shift
	for c in "$@"; do
		i=0
		until healthy "$c"; do
			i=$((i + 1))
			if [ $i -ge "$secs" ]; then
				diag "$c: $(pm inspect --format '{{json .State.Health}}' "$c" | head -c 600)"
				return 1
			fi
			sleep 1
		done
	done
	return 0
}

# writer URL TOKEN FILE: create users until $tmp/stop-writers exists; the
# id of every acknowledged (201) create goes to FILE
writer()
{
	local url=$1 tok=$2 out=$3 i=0 code id
	while [ ! -e "$tmp/stop-writers" ]; do
		i=$((i + 1))
		code=$(curl -s -o "$out.body" -w '%{http_code}' --max-time 10 \
		    -X POST -H "Authorization: Bearer $tok" \
		    -H 'Content-Type: application/scim+json' \
		    --data-binary "$(user_json "$(basename "$out")-$i@example.com")" \
		    "$url/scim/v2/Users" 2>/dev/null)
		if [ "$code" = 201 ]; then
			id=$(jq -r .id "$out.body" 2>/dev/null)
			[ -n "$id" ] && echo "$id" >> "$out"
		else
			sleep 0.1
		fi
	done
}

# missing_ids URL FILE...: how many ids of these files GET /Users/ID lacks
missing_ids()
{
	local url=$1 id m=0
	shift
	while read -r id; do
		req GET "$url/scim/v2/Users/$id"
		[ "$STATUS" = 200 ] || m=$((m + 1))
	done < <(cat "$@")
	echo $m
}

# --- 2. the image -----------------------------------------------------------

img=localhost/scimd-container-test:latest
t0=$(date +%s)
if ! timeout 1200 podman build --format docker --build-arg CHECK=0 \
    -f "$src/contrib/Dockerfile" -t "$img" "$src" > "$tmp/build.log" 2>&1; then
	fail "contrib/Dockerfile builds (--format docker, CHECK=0)"
	tail_of "$tmp/build.log" 30
	done_testing
fi
pass "contrib/Dockerfile builds (--format docker, CHECK=0) in $(($(date +%s) - t0)) s"

# the build stage alone (all cached): what COPY . . brought in
if timeout 600 podman build --format docker --build-arg CHECK=0 \
    --target builder -f "$src/contrib/Dockerfile" -t scimd-builder:test \
    "$src" > "$tmp/build-stage.log" 2>&1; then
	got=$(pm run --rm scimd-builder:test sh -c \
	    'for f in .git data; do [ -e "$f" ] && echo "$f"; done; [ -f configure.ac ] && echo configure.ac')
	is "$got" configure.ac "the build context has the sources, not .git or data (.dockerignore)"
else
	fail "the build stage builds alone (--target builder)"
	tail_of "$tmp/build-stage.log"
fi

hc=$(pm image inspect --format '{{json .HealthCheck}}' "$img")
like "$(printf '%s' "$hc" | jq -r '.Test | join(" ")' 2>/dev/null)" \
    'curl -fsS http://127.0.0.1:8080/healthz' "the image keeps its HEALTHCHECK"
is "$(pm image inspect --format '{{.Config.User}} {{range $k, $v := .Config.Volumes}}{{$k}} {{end}}{{range $k, $v := .Config.ExposedPorts}}{{$k}}{{end}}' "$img")" \
    "scimd /var/lib/scimd 8080/tcp" "the image: USER scimd, VOLUME /var/lib/scimd, EXPOSE 8080"
size=$(mb "$img")
base_size=$(mb debian:12)
diag "image size: $size MB (debian:12 base $base_size MB, scimd's layers $((size - base_size)) MB)"

# --- 3. the container -----------------------------------------------------------

c=scimd-test
vol=scimd-test-data
pm volume create "$vol" > /dev/null
if ! pm run -d --name "$c" -p 127.0.0.1::8080 -v "$vol:/var/lib/scimd" \
    "$img" > "$tmp/run.log" 2>&1; then
	fail "the container starts"
	tail_of "$tmp/run.log"
	done_testing
fi
url=http://$(published "$c")
if ! check "/healthz answers 200 (published on ${url#http://})" \
    wait_health "$url/healthz" 30; then
	diag "$(pm logs --tail 20 "$c" 2>&1)"
	done_testing
fi
first=$(stdout_of "$c" | tail -n 1)
like "$first" '^scimd_[A-Za-z0-9_-]{20,}$' "the first token is the last line of stdout"
AUTH=$first

req POST "$url/scim/v2/Users" "$(user_json ct-alice@example.com)"
is "$STATUS" 201 "SCIM create with the first token"
uid=$(jqr .id)
req GET "$url/scim/v2/Users?filter=userName%20eq%20%22ct-alice@example.com%22"
is "$STATUS $(jqr .totalResults) $(jqr '.Resources[0].id')" "200 1 $uid" \
    "SCIM filter finds it"
req DELETE "$url/scim/v2/Users/$uid"
is "$STATUS" 204 "SCIM delete"
req GET "$url/scim/v2/Users/$uid"
is "$STATUS" 404 "the deleted user is gone"

tok=$(pm exec "$c" scimctl -c /etc/scimd/scimd.conf token create container-test \
    2> "$tmp/exec.err" | tail -n 1)
like "$tok" '^scimd_[A-Za-z0-9_-]{20,}$' "scimctl token create through podman exec"
AUTH=$tok req GET "$url/scim/v2/Users"
is "$STATUS" 200 "the new token works"

pid=$(pm inspect --format '{{.State.Pid}}' "$c")
huid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
is "$(cat "/proc/$pid/comm" 2>/dev/null) $(pm exec "$c" id -nu "$huid" 2>/dev/null) $([ "${huid:-0}" != 0 ] && echo non-root)" \
    "scimd scimd non-root" "scimd is the container's process, as user scimd (uid $huid), not root"
is "$(pm exec "$c" sh -c 'stat -c "%U:%G %a" /var/lib/scimd; find /var/lib/scimd ! -user scimd')" \
    "scimd:scimd 700" "the volume and all in it belong to scimd"
check "HEALTHCHECK: podman healthcheck run says healthy" wait_healthy 10 "$c"

# acknowledged writes, then SIGTERM
: > "$tmp/w-stop"
for i in $(seq 1 20); do
	req POST "$url/scim/v2/Users" "$(user_json "w-stop-$i@example.com")"
	[ "$STATUS" = 201 ] && jqr .id >> "$tmp/w-stop"
done
is "$(grep -c . "$tmp/w-stop")" 20 "20 creates acknowledged before podman stop"
t0=$(date +%s%N)
pm stop --time 15 "$c" > /dev/null 2>&1
ms=$((($(date +%s%N) - t0) / 1000000))
is "$(pm inspect --format '{{.State.ExitCode}}' "$c")" 0 \
    "podman stop: SIGTERM, scimd exits 0 (in $ms ms)"
pm start "$c" > /dev/null 2>&1
url=http://$(published "$c")
check "podman start: /healthz 200" wait_health "$url/healthz" 30
is "$(missing_ids "$url" "$tmp/w-stop")" 0 "every acknowledged write is there after stop and start"
is "$(stdout_of "$c" | grep -c .)" 1 "no new token printed on a restart"

# writes in flight, then SIGKILL
rm -f "$tmp/stop-writers"
for w in 1 2 3 4; do
	: > "$tmp/w-kill$w"
	writer "$url" "$tok" "$tmp/w-kill$w" &
	writers+=($!)
done
for i in $(seq 1 300); do
	[ "$(cat "$tmp"/w-kill? | grep -c .)" -ge 50 ] && break
	sleep 0.1
done
pm kill "$c" > /dev/null 2>&1
code=$(timeout 60 podman wait "$c" 2>/dev/null)
touch "$tmp/stop-writers"
for p in "${writers[@]}"; do
	wait "$p"
done
writers=()
acked=$(cat "$tmp"/w-kill? | grep -c .)
is "$code" 137 "podman kill: SIGKILL under write load ($acked creates acknowledged)"
pm start "$c" > /dev/null 2>&1
url=http://$(published "$c")
check "start after SIGKILL: /healthz 200" wait_health "$url/healthz" 30
is "$(missing_ids "$url" "$tmp"/w-kill?)" 0 \
    "every acknowledged write is there after SIGKILL ($acked + 20)"
req GET "$url/scim/v2/Users?count=0"
total=$(jqr .totalResults)

# an upgrade as the README has it: a backup, then a new container on the
# same volume (one container at a time: LMDB tells readers by pid)
pm exec "$c" scimctl -c /etc/scimd/scimd.conf backup /var/lib/scimd/before-upgrade \
    > "$tmp/backup.log" 2>&1
is "$? $(pm exec "$c" ls /var/lib/scimd/before-upgrade 2>&1)" "0 data.mdb" \
    "scimctl backup through podman exec"
pm stop --time 15 "$c" > /dev/null 2>&1
pm rm "$c" > /dev/null 2>&1
c=scimd-test-2
if pm run -d --name "$c" -p 127.0.0.1::8080 -v "$vol:/var/lib/scimd" \
    "$img" > "$tmp/run2.log" 2>&1 &&
    url=http://$(published "$c") && wait_health "$url/healthz" 30; then
	AUTH=$first req GET "$url/scim/v2/Users?count=0"
	is "$STATUS $(jqr .totalResults) $(stdout_of "$c" | grep -c .)" \
	    "200 $total 0" "a new container on the volume: the data and tokens kept, no new token"
else
	fail "a new container on the volume starts"
	tail_of "$tmp/run2.log"
fi
pm rm -f -t 15 "$c" > /dev/null 2>&1
pm volume rm "$vol" > /dev/null 2>&1

# --- 4. the compose files -------------------------------------------------------

# compose_up NAME FILE PORT: podman-compose up -d (from the source tree)
compose_up()
{
	(cd "$src" && SCIMD_PORT=$3 SCIMD_DB_PASSWORD=$dbpw timeout 600 \
	    podman-compose -p "$1" -f "$2" up -d) >> "$tmp/$1.log" 2>&1
}

compose_down()
{
	(cd "$src" && SCIMD_PORT=$3 SCIMD_DB_PASSWORD=$dbpw timeout 300 \
	    podman-compose -p "$1" -f "$2" down -t 15) >> "$tmp/$1.log" 2>&1
}

# cname PROJECT SERVICE: the container podman-compose made for it
cname()
{
	pm ps -a --format '{{.Names}}' \
	    --filter "label=io.podman.compose.project=$1" \
	    --filter "label=com.docker.compose.service=$2" | head -n 1
}

dbpw=ct-$RANDOM$RANDOM
if [ "$compose" = none ]; then
	skip 1 "SCIMD_CONTAINER_COMPOSE=none"
	done_testing
fi

# the image of both compose files (image: scimd:latest) is the one built
# above: up builds it only when it is missing, and the build is tested
pm tag "$img" localhost/scimd:latest
p=docker-compose-single
f=contrib/docker-compose.yml
port=$(free_port)
if compose_up "$p" "$f" "$port" && wait_health "http://127.0.0.1:$port/healthz" 60; then
	pass "$f: podman-compose up, /healthz 200 on 127.0.0.1:$port"
	url=http://127.0.0.1:$port
	cs=$(cname "$p" scimd)
	like "$(stdout_of "$cs" | tail -n 1)" '^scimd_[A-Za-z0-9_-]{20,}$' \
	    "$f: the first token in its log"
	AUTH=$( (cd "$src" && SCIMD_PORT=$port timeout 120 podman-compose \
	    -p "$p" -f "$f" exec -T scimd scimctl -c /etc/scimd/scimd.conf \
	    token create compose-test 2>> "$tmp/$p.log") | tr -d '\r' |
	    grep -E '^scimd_' | tail -n 1)
	req POST "$url/scim/v2/Users" "$(user_json compose@example.com)"
	is "$STATUS" 201 "$f: SCIM create with a token of podman-compose exec scimctl"
	uid=$(jqr .id)
	check "$f: the image's HEALTHCHECK says healthy" wait_healthy 10 "$cs"
	compose_down "$p" "$f" "$port"
	if compose_up "$p" "$f" "$port" && wait_health "$url/healthz" 60; then
		req GET "$url/scim/v2/Users/$uid"
		is "$STATUS" 200 "$f: down and up again: the user is in the named volume"
	else
		fail "$f: up again after down"
	fi
	compose_down "$p" "$f" "$port"
else
	fail "$f: podman-compose up, /healthz 200"
	tail_of "$tmp/$p.log" 30
fi

if [ "$compose" = single ]; then
	skip 1 "SCIMD_CONTAINER_COMPOSE=single: not docker-compose.postgres.yml"
	done_testing
fi

p=docker-compose-pg
f=contrib/docker-compose.postgres.yml
wait "$standin_pid"
rc=$?
standin_pid=
if [ $rc = 0 ]; then
	pass "stand-ins for postgres:16-bookworm and haproxy:3.0-bookworm from Debian's packages ($(tail -n 1 "$tmp/standin.log"))"
else
	fail "stand-ins for postgres:16-bookworm and haproxy:3.0-bookworm"
	tail_of "$tmp/standin.log" 30
	done_testing
fi
port=$(free_port)
url=http://127.0.0.1:$port
t0=$(date +%s)
if compose_up "$p" "$f" "$port" && wait_health "$url/lb-healthz" 120; then
	pass "$f: podman-compose up, haproxy's /lb-healthz 200 on 127.0.0.1:$port ($(($(date +%s) - t0)) s)"
	s1=$(cname "$p" scimd1)
	s2=$(cname "$p" scimd2)
	check "$f: db, scimd1, scimd2 and lb pass their healthchecks" \
	    wait_healthy 60 "$(cname "$p" db)" "$s1" "$s2" "$(cname "$p" lb)"
	# scimctl's first try may meet the database while an instance
	# migrates or reconnects (podman-compose 1.0 starts the instances
	# without waiting for the database's healthcheck): each failure is
	# shown, and a few more tries are allowed
	AUTH=
	for i in 1 2 3 4 5; do
		tok=$(pm exec "$s1" scimctl -c /etc/scimd/scimd.conf \
		    token create "pg-test-$i" 2> "$tmp/mint.err" | tail -n 1)
		if printf '%s' "$tok" | grep -Eq '^scimd_[A-Za-z0-9_-]{20,}$'; then
			AUTH=$tok
			break
		fi
		diag "scimctl token create, try $i: '$tok'" \
		    "$(tail -n 5 "$tmp/mint.err")"
		sleep 2
	done
	like "$AUTH" '^scimd_[A-Za-z0-9_-]{20,}$' "$f: scimctl token create in scimd1"
	req POST "$url/scim/v2/Users" "$(user_json pg@example.com)"
	is "$STATUS" 201 "$f: SCIM create through haproxy with a token scimctl made in scimd1"
	if [ "$STATUS" != 201 ]; then
		diag "body: $BODY"
		for s in "$s1" "$s2" "$(cname "$p" db)"; do
			diag "$s: $(pm logs --tail 10 "$s" 2>&1)"
		done
	fi
	uid=$(jqr .id)
	got=
	for s in "$s1" "$s2"; do
		got="$got $(pm exec "$s" curl -s -o /dev/null -w '%{http_code}' \
		    -H "Authorization: Bearer $AUTH" \
		    "http://127.0.0.1:8080/scim/v2/Users/$uid")"
	done
	is "$got" " 200 200" "$f: both instances serve the user and accept the token"
	pm stop --time 15 "$s1" > /dev/null 2>&1
	got=
	for i in 1 2 3 4 5 6; do
		req GET "$url/scim/v2/Users/$uid"
		got="$got $STATUS"
	done
	is "$got" " 200 200 200 200 200 200" "$f: scimd1 stopped, haproxy serves from scimd2"
	compose_down "$p" "$f" "$port"
else
	fail "$f: podman-compose up, /lb-healthz 200"
	tail_of "$tmp/$p.log" 40
	for s in db scimd1 scimd2 lb; do
		diag "$s: $(pm logs --tail 8 "$(cname "$p" "$s")" 2>&1)"
	done
fi

done_testing
