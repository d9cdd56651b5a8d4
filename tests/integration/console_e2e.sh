#!/usr/bin/env bash
# The admin console end to end in headless Chromium (issue 10): sign in
# with an admin token from scimctl, generate a SCIM token in the page, use
# it with curl, watch the Create record arrive (follow), open it, check
# that a userName holding <script> is text, see the Summary chart, see a
# webhook's failed attempts and retry it now, revoke the token in the page
# (curl then gets 401), and manage a tenant.  The
# browser part is tests/e2e/console.mjs (playwright-core).
#
# Needs chromium (Debian package; CHROMIUM=path to use another), node, and
# playwright-core from npm in SCIMD_PLAYWRIGHT_DIR (default
# ~/.cache/scimd-e2e; .ci/run installs it there).  Skipped when one is
# missing.  Screenshots of each page go to tests/e2e-out/ in the build tree
# (tests/e2e-out/pg/ for the run on PostgreSQL).
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] ||
    skip_all "chromium is not installed (apt-get install chromium)"
command -v node > /dev/null 2>&1 ||
    skip_all "node is not installed (apt-get install nodejs)"
PWDIR=
for d in "${SCIMD_PLAYWRIGHT_DIR:-}" "${XDG_CACHE_HOME:-$HOME/.cache}/scimd-e2e" \
    "$(npm root -g 2>/dev/null)/.."; do
	if [ -n "$d" ] && [ -f "$d/node_modules/playwright-core/package.json" ]; then
		PWDIR=$(cd "$d" && pwd)
		break
	fi
done
[ -n "$PWDIR" ] || skip_all "playwright-core not found (npm install --no-save" \
    "--prefix ~/.cache/scimd-e2e playwright-core, or set SCIMD_PLAYWRIGHT_DIR)"

if [ -n "${top_builddir:-}" ]; then
	OUT_DIR=$top_builddir/tests/e2e-out
else
	OUT_DIR=$_tests_dir/e2e-out
fi
# pg_suite.sh's run may be at the same time as the LMDB one: its own place
[ "$SCIMD_BACKEND" = pg ] && OUT_DIR=$OUT_DIR/pg
mkdir -p "$OUT_DIR" && OUT_DIR=$(cd "$OUT_DIR" && pwd) || bail "no $OUT_DIR"
rm -f "$OUT_DIR"/*.png

start_scimd || bail "scimd did not start"
ctl token create e2e-admin --admin || bail "cannot create an admin token"
ADM=$CTL_LAST
ctl token create e2e-root --admin --all-tenants ||
    bail "cannot create an all-tenant admin token"
ROOTTOK=$CTL_LAST
# an endpoint nobody listens on: its attempts fail, "retry now" retries
ctl webhook create e2e-hook --url http://127.0.0.1:1/hook ||
    bail "cannot create a webhook"

diag "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1))" \
    "playwright-core: $PWDIR" "screenshots: $OUT_DIR"
START=$(date +%s)
# the browser run has 55 s; the whole test stays under a minute
CONSOLE_URL=$ROOT/admin/ SCIM_BASE=$BASE ADMIN_TOKEN=$ADM \
    ROOT_TOKEN=$ROOTTOK CHROMIUM=$CHROMIUM PLAYWRIGHT_DIR=$PWDIR \
    OUT_DIR=$OUT_DIR PROFILE_DIR=$SCIM_TMP/profile \
    timeout -k 5 55 node "$_tests_dir/e2e/console.mjs" \
    > "$SCIM_TMP/e2e.out" 2> "$SCIM_TMP/e2e.err"
RC=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*)	_pass "${line#ok - }" ;;
	"not ok - "*)	_fail "${line#not ok - }" ;;
	"#"*)		echo "$line" ;;
	*)		diag "$line" ;;
	esac
done < "$SCIM_TMP/e2e.out"
if [ $RC -ne 0 ] && [ -s "$SCIM_TMP/e2e.err" ]; then
	diag "node stderr:" "$(tail -n 20 "$SCIM_TMP/e2e.err")"
fi
is "$RC" 0 "the browser run exited 0 (124: timed out)"
for p in 1-signin 2-integration 3-log 4-record 5-summary 6-tenants \
    7-webhooks; do
	ok "screenshot $p.png" test -s "$OUT_DIR/$p.png"
done
diag "took $(( $(date +%s) - START )) s"
stop_scimd || _fail "scimd exit status"
done_testing
