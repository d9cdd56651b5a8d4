#!/bin/sh
# Install what building and testing scimd needs on Debian 12 (root or sudo).
# Only packages that are missing are installed, so a second run is quick.
set -e
# postgresql: the server make check runs the integration tests on once more
# (tests/integration/pg_suite.sh, in a throwaway cluster of its own on a
# random port; the package's own cluster on 5432 is neither used nor needed)
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev
libjson-c-dev liblmdb-dev libpq-dev libssl-dev libcurl4-openssl-dev libzstd-dev curl jq
openssl postgresql
${SCIMD_EXTRA_PKGS:-}"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
