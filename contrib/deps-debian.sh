#!/bin/sh
# Install what building and testing scimd needs on Debian 12 (root or sudo).
# Only packages that are missing are installed, so a second run is quick.
set -e
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev
libjson-c-dev liblmdb-dev libssl-dev curl jq openssl ${SCIMD_EXTRA_PKGS:-}"
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
