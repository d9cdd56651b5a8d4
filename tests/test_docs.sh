#!/bin/sh
# test_docs.sh: the documentation keeps up with the code (TAP).
#   - every key of the config table in src/core/config.c is described in
#     man/scimd.conf.5 (an ".It Ic key" entry) and named in etc/scimd.conf;
#   - every scimctl command and option of its usage text is in scimctl.8;
#   - every scimd flag of its usage text is in scimd.8;
#   - the man pages format without warnings (when groff is installed).
srcdir=${top_srcdir:-$(dirname "$0")/..}
bindir=${top_builddir:-$(dirname "$0")/..}/src
n=0
fail=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
	fi
}

# Text of an mdoc page with the macro names dropped and "Fl x" as "-x",
# so "token create" and "--tenant" read as they do on screen.
plain() {
	sed -e 's/^\.//' -e 's/\\-/-/g' -e 's/Fl \([A-Za-z-]\)/-\1/g' \
	    -e 's/\(^\| \)\(It\|Cm\|Ar\|Op\|Oo\|Oc\|Ic\|Nm\|Pa\|No\|Ns\|Li\|Sy\|Xr\) / /g' \
	    -e 's/\(^\| \)\(It\|Cm\|Ar\|Op\|Oo\|Oc\|Ic\|Nm\|Pa\|No\|Ns\|Li\|Sy\|Xr\) / /g' \
	    -e 's/  */ /g' "$1"
}

# --- configuration keys ------------------------------------------------------
keys=$(sed -n 's/^[[:space:]]*X("\([a-z_]*\)".*/\1/p' "$srcdir/src/core/config.c")
nkeys=$(echo "$keys" | wc -w)
[ "$nkeys" -gt 20 ]; ok $? "found $nkeys keys in the table of src/core/config.c"
missing=
for k in $keys; do
	grep -q "^\.It Ic $k\( \|$\)" "$srcdir/man/scimd.conf.5" ||
	    missing="$missing $k"
done
[ -z "$missing" ]; ok $? "scimd.conf(5) describes every key${missing:+: missing$missing}"
missing=
for k in $keys; do
	grep -q "^#\{0,1\}$k[[:space:]]*=" "$srcdir/etc/scimd.conf" ||
	    missing="$missing $k"
done
[ -z "$missing" ]; ok $? "etc/scimd.conf names every key${missing:+: missing$missing}"
extra=
for k in $(sed -n 's/^\.It Ic \([a-z_]*\) No = .*/\1/p' "$srcdir/man/scimd.conf.5"); do
	echo "$keys" | grep -qx "$k" || extra="$extra $k"
done
[ -z "$extra" ]; ok $? "scimd.conf(5) has no key the code lacks${extra:+:$extra}"

# --- scimctl commands and options ----------------------------------------------
page=$(plain "$srcdir/man/scimctl.8")
if [ -x "$bindir/scimctl" ]; then
	usage=$("$bindir/scimctl" 2>&1 >/dev/null)
	# "  token create NAME ..." and "tenant create NAME | tenant list"
	cmds=$(echo "$usage" | sed -n 's/^  //p' | tr '|' '\n' |
	    sed 's/^ *//' | awk '$1 ~ /^[a-z][a-z-]*$/ {
		c = $1
		if ($2 ~ /^[a-z][a-z-]*$/) c = c " " $2
		print c }' | sort -u)
	[ -n "$cmds" ]; ok $? "scimctl usage lists commands"
	missing=
	for c in $(echo "$cmds" | tr ' ' '_'); do
		c=$(echo "$c" | tr '_' ' ')
		echo "$page" | grep -q -- "^ *$c\( \|$\)" || missing="$missing '$c'"
	done
	[ -z "$missing" ]; ok $? "scimctl(8) describes every command${missing:+: missing$missing}"
	missing=
	for o in $(echo "$usage" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		echo "$page" | grep -q -- "$o" || missing="$missing $o"
	done
	[ -z "$missing" ]; ok $? "scimctl(8) describes every option${missing:+: missing$missing}"
else
	n=$((n + 1)); echo "ok $n # SKIP no scimctl binary"
	n=$((n + 1)); echo "ok $n # SKIP no scimctl binary"
	n=$((n + 1)); echo "ok $n # SKIP no scimctl binary"
fi

# --- scimd flags ---------------------------------------------------------------
flags=$(sed -n 's/.*"usage: scimd \(.*\)\\n".*/\1/p' "$srcdir/src/main.c" |
    sed 's/\[-\([a-zA-Z]*\)\]/\1/; s/\[-\([a-zA-Z]\) [^]]*\]/\1/g' | tr -d ' [-]')
missing=
for f in $(echo "$flags" | sed 's/./& /g'); do
	grep -q "^\.It Fl $f\( \|$\)" "$srcdir/man/scimd.8" ||
	    missing="$missing -$f"
done
[ -n "$flags" ] && [ -z "$missing" ]
ok $? "scimd(8) describes every flag of its usage (${flags})${missing:+: missing$missing}"

# --- formatting ------------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
	for p in scimd.8 scimctl.8 scimd.conf.5; do
		w=$(groff -mandoc -Tutf8 -ww -z "$srcdir/man/$p" 2>&1)
		[ -z "$w" ]; ok $? "$p formats without warnings${w:+: $w}"
	done
else
	for p in scimd.8 scimctl.8 scimd.conf.5; do
		n=$((n + 1)); echo "ok $n # SKIP groff not installed ($p)"
	done
fi

echo "1..$n"
[ $fail -eq 0 ]
