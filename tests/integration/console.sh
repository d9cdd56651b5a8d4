#!/usr/bin/env bash
# The admin console (issue 10): its files under /admin/ with a strict CSP
# and no-store, the console key (auto, on, off), TLS, and the admin API
# calls each page makes (Integration, Provisioning log with follow, Summary
# with the 40-minute chart buckets, Tenants), tenant scoping included.
# console_e2e.sh drives the same pages in a browser.
. "$(dirname "$0")/lib.sh"

CSP="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

start_scimd || bail "scimd did not start"
ctl token create console-admin --admin || bail "cannot create an admin token"
ADM=$CTL_LAST
ctl token create console-root --admin --all-tenants ||
    bail "cannot create an all-tenant admin token"
ALLTOK=$CTL_LAST
ADMIN=$ROOT/admin/v1

# page PATH: GET $ROOT/PATH without a token
page()
{
	NO_AUTH=1 req "${2:-GET}" "$ROOT$1"
}

# static_headers DESC: the headers every console file carries
static_headers()
{
	is "$(hdr Content-Security-Policy)" "$CSP" "$1: Content-Security-Policy"
	is "$(hdr X-Content-Type-Options)" nosniff "$1: nosniff"
	is "$(hdr Referrer-Policy)" no-referrer "$1: Referrer-Policy"
	is "$(hdr Cache-Control)" no-store "$1: Cache-Control no-store"
	is "$(hdr X-Frame-Options)" DENY "$1: X-Frame-Options"
	is "$(grep -ci '^set-cookie:' "$HDRS")" 0 "$1: no cookie"
}

# --- the files ---------------------------------------------------------------

page /admin/
status_is 200 "GET /admin/ without a token"
like "$CTYPE" '^text/html; charset=utf-8$' "index: text/html"
static_headers "index"
like "$BODY" '<script src="/admin/console.js"' "index loads console.js"
like "$BODY" '<link rel="stylesheet" href="/admin/console.css"' \
    "index loads console.css"
unlike "$BODY" '<script>|<script [^>]*>[^<]|<style|[[:space:]]style=|[[:space:]]on[a-z]+="' \
    "index: no inline script, style or handler (CSP)"
unlike "$BODY" 'https?://' "index: no external URL"
INDEX=$BODY

page /admin
status_is 200 "GET /admin"
is "$BODY" "$INDEX" "/admin is the index"
page /admin/index.html
is "$BODY" "$INDEX" "/admin/index.html is the index"

page /admin/console.js
status_is 200 "GET /admin/console.js"
like "$CTYPE" '^text/javascript; charset=utf-8$' "console.js: text/javascript"
static_headers "console.js"
ok "console.js is the file from console/" \
    cmp -s "$SCIM_TMP/body" "$top_srcdir/console/console.js"
unlike "$BODY" 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function' \
    "console.js never parses data as HTML or code"
like "$BODY" "sessionStorage" "console.js keeps the token in sessionStorage"
unlike "$BODY" 'document\.cookie|localStorage' "console.js: no cookie, no localStorage"

page /admin/console.css
status_is 200 "GET /admin/console.css"
like "$CTYPE" '^text/css; charset=utf-8$' "console.css: text/css"
static_headers "console.css"
unlike "$BODY" '@import|url\(' "console.css loads nothing"

page /admin/nothing.js
scim_error 404 "" "unknown console file"
page /admin/%2e%2e/etc/passwd
scim_error 404 "" "dot-dot path"
page /admin/console.js/x
scim_error 404 "" "path below a file"
page /admin/ POST
scim_error 405 "" "POST /admin/"
is "$(hdr Allow)" "GET, HEAD" "405 names GET, HEAD"
REQ_EXTRA=(-I)
page /admin/ HEAD
status_is 200 "HEAD /admin/"
is "$(hdr Content-Security-Policy)" "$CSP" "HEAD: the same CSP"

# The API next door is still the API
NO_AUTH=1 req GET "$ADMIN/tokens"
scim_error 401 "" "the admin API still wants a token"
AUTH=$TOKEN req GET "$ADMIN/tokens"
scim_error 403 "" "a SCIM token is no admin token"

# --- sign-in: what the page calls ------------------------------------------

AUTH=$ADM req GET "$ADMIN/tokens"
status_is 200 "sign-in probe: GET /tokens"
is "$(hdr Cache-Control)" no-store "admin API: no-store"
AUTH=$ADM req GET "$ADMIN/tenants"
scim_error 403 "" "sign-in probe: a tenant admin is not an all-tenant one"
AUTH=$ALLTOK req GET "$ADMIN/tenants"
status_is 200 "sign-in probe: all-tenant admin lists tenants"
AUTH=bogus req GET "$ADMIN/tokens"
scim_error 401 "" "sign-in with a wrong token"

# --- Integration --------------------------------------------------------------

AUTH=$ADM req POST "$ADMIN/tokens" '{"name":"entra-ui"}'
status_is 201 "Generate token"
json_is .kind scim "a SCIM token"
NEWTOK=$(jqr .token)
isnt "$NEWTOK" "" "the secret is in the answer (once)"
AUTH=$ADM req GET "$ADMIN/tokens"
json_is '[.tokens[]|select(.name=="entra-ui")][0]|[.kind,.lastUsed]|tostring' \
    '["scim",null]' "token list: name, kind, never used"
json_ok '[.tokens[]|select(.name=="entra-ui")][0].created|test("^[0-9]{4}-")' \
    "token list: created"
unlike "$BODY" "$NEWTOK" "token list shows no secret"
AUTH=$ADM req POST "$ADMIN/tokens" '{"name":"entra-ui"}'
scim_error 409 "" "same name twice"
AUTH=$ADM req POST "$ADMIN/tokens" '{"name":"bad name"}'
scim_error 400 "" "a name with a space"
AUTH=$ADM req POST "$ADMIN/tokens" '{"name":"entra-ui-30d","expiresDays":30}'
status_is 201 "token with expiresDays"
json_is .kind scim "expiring token is a SCIM token"

# --- Provisioning log -----------------------------------------------------

XSS='<script>alert(1)</script>'
AUTH=$NEWTOK mkuser "ui.alice" || bail "create with the new token failed"
ALICE=$UID_
R_ALICE=$(hdr X-Request-Id)
AUTH=$NEWTOK mkuser "$XSS" '"displayName":"<img src=x onerror=alert(2)>"'
status_is 201 "a userName with <script> is stored as data"
R_XSS=$(hdr X-Request-Id)
AUTH=$NEWTOK req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"ui.alice\"}"
scim_error 409 uniqueness "a failing create"

AUTH=$ADM req GET "$ADMIN/audit?since=24h&limit=50"
status_is 200 "log: first page"
json_is '.records|length' 3 "log: three records"
json_is '[.records[]|.status]|join(",")' "Failure,Success,Success" \
    "log: newest first"
json_is '.records[2]|[.action,.target.name,.initiator]|join(",")' \
    "Create,ui.alice,entra-ui" "log: action, identity, initiator"
json_is .next null "log: one page only"
TOP=$(jqr '.records[0].seq')
json_ok '[.records[]|.seq]|. == (sort|reverse)' "log: seq descending"

AUTH=$ADM req GET "$ADMIN/audit?since=24h&limit=2"
json_is '.records|length' 2 "paging: limit 2"
NEXT=$(jqr .next)
isnt "$NEXT" null "paging: next"
AUTH=$ADM req GET "$ADMIN/audit?since=24h&limit=2&before=$NEXT"
json_is '[.records[]|.target.name]|join(",")' ui.alice "paging: the older page"
json_is .next null "paging: the end"

AUTH=$ADM req GET "$ADMIN/audit?since=24h&action=Create&status=Failure"
json_is '[.records[]|.target.name]|join(",")' ui.alice \
    "filter: action and status"
AUTH=$ADM req GET "$ADMIN/audit?since=24h&target=UI.ALICE"
json_is '.records|length' 2 "filter: identity by name, any case"
AUTH=$ADM req GET "$ADMIN/audit?since=24h&target=$ALICE"
json_is '.records|length' 1 "filter: identity by id"
AUTH=$ADM req GET "$ADMIN/audit?target=$(urlenc "$XSS")"
json_is '.records[0].target.name' "$XSS" "filter: the <script> name"
SINCE=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
UNTIL=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
AUTH=$ADM req GET "$ADMIN/audit?since=$SINCE&until=$UNTIL"
json_is '.records|length' 3 "filter: custom time range (RFC 3339)"
AUTH=$ADM req GET "$ADMIN/audit?since=$UNTIL"
json_is '.records|length' 0 "filter: a range in the future"

AUTH=$ADM req GET "$ADMIN/audit/$R_XSS"
status_is 200 "record detail"
json_is .target.name "$XSS" "detail: userName verbatim"
json_is '.modifiedProperties[]|select(.name=="displayName")|[.oldValue,.newValue]|tostring' \
    '[null,"<img src=x onerror=alert(2)>"]' "detail: modifiedProperties old → new"
is "$(hdr Content-Type)" "application/scim+json" "detail: JSON, not HTML"

# follow: an empty wait times out; a new record wakes the poll
AUTH=$ADM req GET "$ADMIN/audit?since=24h&after=$TOP&wait=1&limit=100"
json_is '[(.records|length),.next]|tostring' "[0,$TOP]" \
    "follow: nothing new after $TOP"
curl -sS --max-time 20 -H "Authorization: Bearer $ADM" \
    "$ADMIN/audit?since=24h&after=$TOP&wait=15&limit=100" \
    > "$SCIM_TMP/poll" 2>/dev/null &
POLL=$!
sleep 0.5
AUTH=$NEWTOK req PATCH "/Users/$ALICE" \
    "$(patch_body '{"op":"replace","path":"active","value":false}')"
status_is 200 "disable alice while the console follows"
wait $POLL
BODY=$(cat "$SCIM_TMP/poll")
json_is '[.records[]|[.action,.target.name]|join(" ")]|join(",")' \
    "Disable ui.alice" "follow: the poll returns the new record"
json_ok ".next > $TOP" "follow: next moves on"
AUTH=$ADM req GET "$ADMIN/audit?order=asc&wait=1&action=Delete"
json_is '.records|length' 0 "follow from an empty log (order=asc)"

# --- Summary --------------------------------------------------------------

AUTH=$ADM req GET "$ADMIN/audit/summary?since=24h"
status_is 200 "summary"
json_is '[.total,.actions.Create,.actions.Disable,.statuses.Failure]|join(",")' \
    "4,3,1,1" "summary: counts per action and status"
json_is '.byAction.Create|[.Success,.Failure]|join(",")' "2,1" \
    "summary: per action and status"
json_is .buckets null "summary: no buckets unless asked"

NOW=$(date +%s)
START=$(( (NOW / 2400 - 35) * 2400 ))
SINCE=$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%S.000Z)
AUTH=$ADM req GET "$ADMIN/audit/summary?since=$SINCE&interval=40m"
status_is 200 "chart buckets"
json_is '.buckets|length' 36 "36 intervals of 40 minutes"
json_is .intervalMs 2400000 "intervalMs"
json_is '.buckets[0].start' "$SINCE" "first interval starts at since"
json_is '[.buckets[]|.total]|add' 4 "bucket totals add up"
json_is '[.buckets[]|.failures]|add' 1 "failures counted"
json_is '[.buckets[-2:][]|.total]|add' 4 \
    "the latest intervals hold the new records"
AUTH=$ADM req GET "$ADMIN/audit/summary?interval=40m"
scim_error 400 invalidValue "interval needs since"
AUTH=$ADM req GET "$ADMIN/audit/summary?since=30d&interval=10s"
scim_error 400 invalidValue "interval below a minute"
AUTH=$ADM req GET "$ADMIN/audit/summary?since=30d&interval=1m"
scim_error 400 invalidValue "more than 1000 intervals"
AUTH=$ADM req GET "$ADMIN/audit/summary?since=24h&interval=soon"
scim_error 400 invalidValue "interval not a duration"

# --- Tenants and scoping ------------------------------------------------------

AUTH=$ALLTOK req POST "$ADMIN/tenants" '{"name":"acme"}'
status_is 201 "Tenants: create acme"
AUTH=$ALLTOK req GET "$ADMIN/tenants"
json_ok '[.tenants[].name]|index("acme") != null' "Tenants: list"
AUTH=$ALLTOK req POST "$ADMIN/tokens" '{"name":"acme-entra"}'
scim_error 400 "" "all-tenant admin must name the tenant"
AUTH=$ALLTOK req POST "$ADMIN/tokens" '{"name":"acme-entra","tenant":"acme"}'
status_is 201 "all-tenant admin: token for acme"
ACMETOK=$(jqr .token)
AUTH=$ACMETOK mkuser "acme.bob" || _fail "create in acme"
AUTH=$ADM req GET "$ADMIN/audit?since=24h&limit=100"
json_ok '[.records[]|.target.name]|index("acme.bob") == null' \
    "tenant admin does not see acme's records"
AUTH=$ADM req GET "$ADMIN/audit?tenant=acme"
scim_error 403 "" "tenant admin asking for acme"
AUTH=$ADM req GET "$ADMIN/tokens"
json_ok '[.tokens[]|.name]|index("acme-entra") == null' \
    "tenant admin does not see acme's tokens"
AUTH=$ADM req GET "$ADMIN/audit/summary?since=24h"
json_is .total 4 "tenant admin's summary counts its tenant only"
AUTH=$ALLTOK req GET "$ADMIN/audit?since=24h&tenant=acme"
json_is '[.records[]|.target.name]|join(",")' acme.bob \
    "all-tenant admin: tenant=acme"
json_is '.records[0].tenantName' acme "records name their tenant"
AUTH=$ALLTOK req GET "$ADMIN/audit/summary?since=24h"
json_is .total 5 "all-tenant summary counts every tenant"
AUTH=$ALLTOK req DELETE "$ADMIN/tokens/acme-entra?tenant=acme"
status_is 204 "all-tenant admin revokes acme's token"
AUTH=$ALLTOK req DELETE "$ADMIN/tenants/acme"
status_is 204 "Tenants: delete acme"

# --- revoke -------------------------------------------------------------------

AUTH=$ADM req DELETE "$ADMIN/tokens/entra-ui"
status_is 204 "Revoke"
AUTH=$NEWTOK req GET /Users
scim_error 401 "" "the revoked token is refused"
AUTH=$ADM req DELETE "$ADMIN/tokens/entra-ui"
scim_error 404 "" "revoking twice"

# --- console = off, auto on a wildcard listener, on, TLS -----------------------

stop_scimd || _fail "scimd exit status"

# restart CONF-LINES...: rewrite the config (own listen line) and start
restart()
{
	{
		store_conf
		for l in "$@"; do
			echo "$l"
		done
	} > "$CONF"
	start_scimd || bail "scimd did not restart with: $*"
	ADMIN=$ROOT/admin/v1
}

restart "listen = 127.0.0.1:0" "console = off"
page /admin/
scim_error 404 "" "console = off: /admin/ is 404"
page /admin/console.js
scim_error 404 "" "console = off: console.js is 404"
AUTH=$ADM req GET "$ADMIN/tokens"
status_is 200 "console = off: the admin API still answers"
stop_scimd

restart "listen = 0.0.0.0:0" "allow_plaintext = yes"
page /admin/
scim_error 404 "" "console = auto on a non-loopback listener: 404"
stop_scimd

restart "listen = 0.0.0.0:0" "allow_plaintext = yes" "console = on"
page /admin/
status_is 200 "console = on on a non-loopback listener"
stop_scimd

if command -v openssl > /dev/null 2>&1; then
	CERT=$SCIM_TMP/cert.pem
	KEY=$SCIM_TMP/key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost -keyout "$KEY" -out "$CERT" \
	    > /dev/null 2>&1
	chmod 600 "$KEY"
	restart "listen = 127.0.0.1:0" "tls_cert = $CERT" "tls_key = $KEY"
	ROOT=https://localhost:$PORT
	REQ_EXTRA=(--cacert "$CERT")
	page /admin/
	status_is 200 "TLS: GET /admin/"
	static_headers "TLS index"
	REQ_EXTRA=(--cacert "$CERT")
	AUTH=$ADM req GET "$ROOT/admin/v1/tokens"
	status_is 200 "TLS: the admin API"
	stop_scimd
else
	echo "ok $((_tap_n + 1)) # SKIP openssl is not installed"
	_tap_n=$((_tap_n + 1))
fi

done_testing
