#!/usr/bin/env bash
# Safe on the internet (issue 6): TLS (versions, ciphers, reload), revoked
# and expired tokens, OAuth 2.0 client credentials, the per-token rate
# limit, connection limits and read deadlines, tenant isolation on every
# endpoint, secrets kept out of the logs, dropping root.
#
# Expired tokens: static tokens expire in whole days (scimctl --expires),
# so expiry is tested with OAuth access tokens, whose lifetime the test
# config sets to 3s; token_find() applies the same expiry check to both.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
trap '' PIPE	# writes to a socket scimd closed fail instead of killing us

CERT=$SCIM_TMP/cert.pem
KEY=$SCIM_TMP/key.pem

# mkcert CERT KEY: a self-signed certificate for localhost.
mkcert()
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost -keyout "$2" -out "$1" \
	    > /dev/null 2>&1
}

# fingerprint: SHA-256 fingerprint of the certificate scimd presents now.
fingerprint()
{
	echo | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    2> /dev/null | openssl x509 -noout -fingerprint -sha256 2> /dev/null
}

# handshake ARGS...: "Cipher is X" from openssl s_client with ARGS.
handshake()
{
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" "$@" \
	    2>&1 | sed -n 's/.*Cipher is \(.*\)$/\1/p' | head -n 1
}

use_tls()
{
	ROOT=https://localhost:$PORT
	BASE=$ROOT/scim/v2
	export CURL_CA_BUNDLE=$CERT
}

# tokreq ARGS...: POST /oauth2/token with curl ARGS; STATUS, BODY, HDRS.
tokreq()
{
	: > "$SCIM_TMP/headers"
	STATUS=$(curl -sS -o "$SCIM_TMP/body" -D "$SCIM_TMP/headers" \
	    -w '%{http_code}' --max-time 20 "$@" "$ROOT/oauth2/token" \
	    2> "$SCIM_TMP/curl.err")
	BODY=$(cat "$SCIM_TMP/body")
	HDRS=$SCIM_TMP/headers
	CTYPE=$(hdr Content-Type)
}

mkcert "$CERT" "$KEY" || bail "openssl req failed"
chmod 644 "$KEY"

# === TLS =====================================================================

start_scimd "tls_cert = $CERT" "tls_key = $KEY" "oauth_token_lifetime = 3s" ||
    bail "scimd with TLS did not start"
chmod 600 "$KEY"
use_tls
like "$(cat "$SCIMD_ERR")" "tls_key .* readable by group or others" \
    "a group/world-readable key file is warned about"
like "$(cat "$SCIMD_ERR")" "oauth_token_lifetime below 1h" \
    "a lifetime under Entra's 60 minutes is warned about"

req GET /Users
status_is 200 "HTTPS request with the CA file"
REQ_EXTRA=(--tlsv1.2 --tls-max 1.2)
req GET /Users
status_is 200 "TLS 1.2"
REQ_EXTRA=(--tlsv1.3)
req GET /Users
status_is 200 "TLS 1.3"
req GET /ServiceProviderConfig
like "$(jqr .meta.location)" '^https://' "meta.location uses https"

is "$(handshake -tls1_2)" ECDHE-RSA-AES128-GCM-SHA256 \
    "TLS 1.2 picks Entra's first RSA suite (server preference)"
like "$(handshake -tls1_3)" '^TLS_' "TLS 1.3 handshake"
is "$(handshake -tls1_1 -cipher DEFAULT:@SECLEVEL=0)" '(NONE)' \
    "TLS 1.1 refused"
is "$(handshake -tls1 -cipher DEFAULT:@SECLEVEL=0)" '(NONE)' "TLS 1.0 refused"
is "$(handshake -tls1_2 -cipher AES128-SHA)" '(NONE)' \
    "TLS 1.2 without ECDHE (AES128-SHA) refused"
is "$(handshake -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305)" '(NONE)' \
    "TLS 1.2 suite outside Entra's list refused"
is "$(handshake -tls1_2 -cipher ECDHE-RSA-AES256-SHA384)" \
    ECDHE-RSA-AES256-SHA384 "TLS 1.2 CBC suite from Entra's list accepted"

req GET "http://127.0.0.1:$PORT/scim/v2/Users"
isnt "$STATUS" 200 "plain HTTP to the TLS port fails"

# --- SIGHUP: new certificate, open keep-alive connection survives ------------

OLDFP=$(fingerprint)
like "$OLDFP" 'Fingerprint=' "fingerprint of the first certificate"
mkfifo "$SCIM_TMP/sin"
openssl s_client -connect "127.0.0.1:$PORT" -quiet < "$SCIM_TMP/sin" \
    > "$SCIM_TMP/sout" 2> /dev/null &
SC_PID=$!
exec 7> "$SCIM_TMP/sin"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
sleep 0.5
mkcert "$SCIM_TMP/cert2.pem" "$SCIM_TMP/key2.pem"
cp "$SCIM_TMP/cert2.pem" "$CERT"
cp "$SCIM_TMP/key2.pem" "$KEY"
kill -HUP "$SCIMD_PID"
for _ in $(seq 1 50); do
	sleep 0.2
	NEWFP=$(fingerprint)
	[ -n "$NEWFP" ] && [ "$NEWFP" != "$OLDFP" ] && break
done
is "$NEWFP" "$(openssl x509 -in "$SCIM_TMP/cert2.pem" -noout -fingerprint -sha256)" \
    "after SIGHUP new connections get the new certificate"
isnt "$NEWFP" "$OLDFP" "the fingerprint changed"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&7
sleep 0.5
exec 7>&-
wait $SC_PID 2>/dev/null
is "$(grep -o 'HTTP/1.1 200' "$SCIM_TMP/sout" | wc -l | tr -d ' ')" 2 \
    "a keep-alive connection opened before SIGHUP still serves"
like "$(cat "$SCIMD_ERR")" "TLS certificate and key reloaded" "reload logged"
echo "not a certificate" > "$CERT"
kill -HUP "$SCIMD_PID"
sleep 0.3
is "$(fingerprint)" "$NEWFP" "a broken certificate on SIGHUP keeps the old one"
cp "$SCIM_TMP/cert2.pem" "$CERT"
req GET /Users
status_is 200 "still serving after a failed reload"

# --- revoked token ------------------------------------------------------------

ctl token create doomed || bail "token create"
DOOMED=$CTL_LAST
AUTH=$DOOMED req GET /Users
status_is 200 "fresh token works"
ctl token revoke doomed
AUTH=$DOOMED req GET /Users
scim_error 401 "" "revoked token refused"
AUTH="${TOKEN}x" req GET /Users
scim_error 401 "" "unknown token refused"

# --- OAuth 2.0 client credentials ----------------------------------------------

ctl client create entra || bail "client create: $CTL_ERR"
CID=$(printf '%s\n' "$CTL_OUT" | awk '$1 == "client_id" { print $2 }')
CSEC=$(printf '%s\n' "$CTL_OUT" | awk '$1 == "client_secret" { print $2 }')
like "$CID" '^c[0-9a-f]{8}\.' "client create prints a client_id"
like "$CSEC" '^scimd_cs_' "client create prints a client_secret once"
ctl client list
like "$CTL_OUT" "entra .*$CID" "client list shows the client"
unlike "$CTL_OUT" "$CSEC" "client list never shows the secret"

FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d grant_type=client_credentials
is "$STATUS" 200 "token endpoint: HTTP Basic (client_secret_basic)"
like "$CTYPE" '^application/json' "token reply is application/json"
is "$(hdr Cache-Control)" no-store "token reply: Cache-Control no-store"
json_is .token_type Bearer "token_type Bearer"
json_is .expires_in 3 "expires_in is oauth_token_lifetime"
AT1=$(jqr .access_token)
like "$AT1" '^scimd_at_' "access token issued"

tokreq "${FORM[@]}" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC" \
    --data-urlencode 'scope=scim'
is "$STATUS" 200 "token endpoint: form fields (client_secret_post)"
AT2=$(jqr .access_token)
isnt "$AT2" "$AT1" "each grant issues a new token"
tokreq "${FORM[@]}" -u "$CID:$CSEC" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
is "$STATUS" 200 "token endpoint: header and body together (Entra's 'both')"

AUTH=$AT1 req GET /Users
status_is 200 "issued token works on /scim/v2"
AUTH=$AT1 mkuser oauth.user
status_is 201 "issued token can write"

tokreq "${FORM[@]}" -u "$CID:wrong" -d grant_type=client_credentials
is "$STATUS" 401 "wrong secret: 401"
json_is .error invalid_client "wrong secret: invalid_client"
like "$(hdr WWW-Authenticate)" '^Basic' "401 carries WWW-Authenticate: Basic"
tokreq "${FORM[@]}" -d "grant_type=client_credentials&client_id=$CID&client_secret=nope"
is "$STATUS:$(jqr .error)" 401:invalid_client "wrong form secret: 401 invalid_client"
tokreq "${FORM[@]}" -u "cffffffff.AAAAAAAAAAAAAAAAAAAAAA:$CSEC" -d grant_type=client_credentials
is "$STATUS:$(jqr .error)" 401:invalid_client "unknown client_id: 401 invalid_client"
tokreq "${FORM[@]}" -d grant_type=client_credentials
is "$STATUS:$(jqr .error)" 401:invalid_client "no client authentication: 401"
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d grant_type=password
is "$STATUS:$(jqr .error)" 400:unsupported_grant_type "wrong grant: 400 unsupported_grant_type"
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d scope=x
is "$STATUS:$(jqr .error)" 400:invalid_request "missing grant_type: 400 invalid_request"
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d 'grant_type=client_credentials&grant_type=client_credentials'
is "$STATUS:$(jqr .error)" 400:invalid_request "repeated parameter: 400 invalid_request"
tokreq -H 'Content-Type: application/json' -u "$CID:$CSEC" -d '{"grant_type":"client_credentials"}'
is "$STATUS:$(jqr .error)" 400:invalid_request "JSON body: 400 invalid_request"
tokreq -X GET
is "$STATUS" 405 "GET on the token endpoint: 405"
AUTH=$CSEC req GET /Users
scim_error 401 "" "a client secret is not a bearer token"

sleep 4
AUTH=$AT2 req GET /Users
scim_error 401 "" "expired access token refused"
ctl token list
like "$CTL_OUT" "client:entra" "issued tokens are listed as client:NAME"
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d grant_type=client_credentials
AT3=$(jqr .access_token)
AUTH=$AT3 req GET /Users
status_is 200 "a new grant after expiry works"
ctl client revoke entra
is "$CTL_RC" 0 "client revoke"
like "$CTL_ERR" "revoked with [1-9][0-9]* issued" "revoke counts issued tokens"
AUTH=$AT3 req GET /Users
scim_error 401 "" "client revoke also revokes its issued tokens"
tokreq "${FORM[@]}" -u "$CID:$CSEC" -d grant_type=client_credentials
is "$STATUS:$(jqr .error)" 401:invalid_client "revoked client cannot get tokens"

# --- secrets never logged -------------------------------------------------------

LOGS=$(cat "$SCIMD_ERR" "$SCIMD_OUT" 2>/dev/null | grep -v "^scimd_")
for s in "$TOKEN" "$DOOMED" "$CSEC" "$AT1" "$AT2" "$AT3"; do
	case "$LOGS" in
	*"$s"*) _fail "a secret appears in scimd's log"; break ;;
	esac
done
_pass "no token or client secret in scimd's log"
like "$(grep -c 'oauth2/token' "$SCIMD_ERR")" '^[1-9]' "token requests are access-logged"

stop_scimd
is $? 0 "TLS scimd stops cleanly"
unset CURL_CA_BUNDLE

# === per-token rate limit ======================================================

start_scimd 'rate_limit = 2' 'rate_burst = 2' || bail "scimd (rate) did not start"
ctl token create other || bail "token create other"
OTHER=$CTL_LAST
req GET /Users; S1=$STATUS
req GET /Users; S2=$STATUS
req GET /Users
is "$S1 $S2" "200 200" "burst of 2 allowed"
scim_error 429 "" "third request in the same instant: 429"
is "$(hdr Retry-After)" 1 "429 carries Retry-After: 1 (seconds, rounded up)"
is "$(grep -ci '^retry-after' "$HDRS")" 1 "exactly one Retry-After header"
AUTH=$OTHER req GET /Users
status_is 200 "another token has its own bucket"
sleep 1.1
req GET /Users
status_is 200 "allowed again after Retry-After"
NO_AUTH=1 req GET /Users
scim_error 401 "" "no token: 401 before any rate limit"
stop_scimd

# === connections: limit, deadlines =============================================

start_scimd 'max_connections = 5' 'timeout = 3s' || bail "scimd (limits) did not start"
for fd in $(seq 20 39); do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$PORT" || bail "connect"
done
sleep 0.3
req GET /Users
isnt "$STATUS" 200 "with 20 idle connections and max_connections 5, a new one is refused"
ok "scimd still running with connections over the limit" kill -0 "$SCIMD_PID"
for fd in $(seq 20 39); do
	eval "exec $fd>&-"
done
sleep 0.3
req GET /Users
status_is 200 "after they close, a new request is served"
like "$(cat "$SCIMD_ERR")" "max_connections \(5\) reached" "the limit is logged"

# idle connections are cut after timeout
exec 8<>/dev/tcp/127.0.0.1/$PORT
T0=$(date +%s)
read -t 10 -u 8 _x
T1=$(date +%s)
exec 8>&-
ok "an idle connection is closed after timeout (3s; took $((T1 - T0))s)" \
    test $((T1 - T0)) -ge 2 -a $((T1 - T0)) -le 5

# a slow sender (one byte a second) is cut off after timeout too
exec 8<>/dev/tcp/127.0.0.1/$PORT
T0=$(date +%s)
CUT=
for c in G E T ' ' / h e a l t h z ' ' H T T P; do
	printf '%s' "$c" >&8 2>/dev/null || { CUT=write; break; }
	read -t 1 -u 8 _x
	rc=$?
	# read: 1 at EOF, above 128 when it timed out
	if [ $rc -ne 0 ] && [ $rc -le 128 ]; then
		CUT=eof
		break
	fi
done
T1=$(date +%s)
exec 8>&-
ok "a one-byte-a-second sender is cut off after timeout (took $((T1 - T0))s, $CUT)" \
    test -n "$CUT" -a $((T1 - T0)) -ge 2 -a $((T1 - T0)) -le 5
req GET /Users
status_is 200 "server fine after the slow sender"

# a keep-alive connection may send several requests over more than timeout
exec 8<>/dev/tcp/127.0.0.1/$PORT
KA=0
for i in 1 2 3; do
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&8 2>/dev/null
	# the reply ends with the JSON body's "}"
	if IFS= read -t 2 -r -d '}' resp <&8; then
		case "$resp" in HTTP/1.1\ 200*) KA=$((KA + 1)) ;; esac
	fi
	sleep 1.5
done
exec 8>&-
is "$KA" 3 "requests spaced 1.5s apart on one connection (4.5s > timeout) all served"
stop_scimd
is $? 0 "scimd (limits) stops cleanly"

# === tenant isolation ==========================================================

start_scimd || bail "scimd (isolation) did not start"
TA=$TOKEN
ctl tenant create acme || bail "tenant create"
ctl token create acme-job --tenant acme || bail "token create --tenant"
TB=$CTL_LAST

# tenant B's data
AUTH=$TB mkuser bob.only '"externalId":"ext-bob","active":true' || bail "B user"
BU=$UID_
BUE=$(hdr ETag)
AUTH=$TB mkuser shared.name || bail "B shared user"
AUTH=$TB mkgroup "B Group" || bail "B group"
BG=$GID_
BGE=$(hdr ETag)
AUTH=$TB req PATCH "/Groups/$BG" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$BU'"}]}')"
ok "B group gets B member" test "$STATUS" = 200 -o "$STATUS" = 204

# tenant A's data
AUTH=$TA mkuser shared.name
status_is 201 "the same userName is allowed in another tenant"
AU=$UID_
AUTH=$TA mkuser shared.name
scim_error 409 uniqueness "userName stays unique within a tenant"
AUTH=$TA mkgroup "B Group"
status_is 201 "the same group displayName is allowed in another tenant"
AG=$GID_
AUTH=$TA mkgroup "B Group"
scim_error 409 uniqueness "group displayName unique within a tenant"

A=$TA
for path in "/Users/$BU" "/Groups/$BG"; do
	AUTH=$A req GET "$path"
	scim_error 404 "" "A: GET $path of B"
	AUTH=$A req GET "$path?attributes=id"
	scim_error 404 "" "A: GET $path?attributes of B"
done
AUTH=$A req PUT "/Users/$BU" '{"schemas":["'$CORE_USER'"],"userName":"stolen"}'
scim_error 404 "" "A: PUT B's user"
AUTH=$A req PATCH "/Users/$BU" "$(patch_body '{"op":"replace","path":"active","value":false}')"
scim_error 404 "" "A: PATCH B's user"
AUTH=$A req PUT "/Groups/$BG" '{"schemas":["'$CORE_GROUP'"],"displayName":"stolen"}'
scim_error 404 "" "A: PUT B's group"
AUTH=$A req PATCH "/Groups/$BG" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$AU'"}]}')"
scim_error 404 "" "A: PATCH B's group"
AUTH=$A req DELETE "/Users/$BU"
scim_error 404 "" "A: DELETE B's user"
AUTH=$A req DELETE "/Groups/$BG"
scim_error 404 "" "A: DELETE B's group"

# ETag probing: 404, never 304 or 412
REQ_EXTRA=(-H "If-None-Match: $BUE")
AUTH=$A req GET "/Users/$BU"
scim_error 404 "" "A: If-None-Match with B's ETag gives 404, not 304"
REQ_EXTRA=(-H 'If-Match: W/"nope"')
AUTH=$A req PUT "/Users/$BU" '{"schemas":["'$CORE_USER'"],"userName":"x"}'
scim_error 404 "" "A: If-Match on B's user gives 404, not 412"
REQ_EXTRA=(-H "If-Match: $BGE")
AUTH=$A req DELETE "/Groups/$BG"
scim_error 404 "" "A: DELETE with B's own ETag still 404"

# filters, lists, sort, .search
for f in "userName eq \"bob.only\"" "id eq \"$BU\"" "externalId eq \"ext-bob\"" \
    "userName sw \"bob\""; do
	AUTH=$A req GET "/Users?filter=$(urlenc "$f")"
	is "$STATUS:$(jqr .totalResults)" 200:0 "A: filter $f finds nothing of B"
done
AUTH=$A req GET "/Groups?filter=$(urlenc "members.value eq \"$BU\"")"
is "$STATUS:$(jqr .totalResults)" 200:0 "A: Groups members.value of B's user finds nothing"
AUTH=$A req GET "/Groups?filter=$(urlenc "id eq \"$BG\"")"
is "$STATUS:$(jqr .totalResults)" 200:0 "A: Groups id of B finds nothing"
AUTH=$A req GET "/Users?sortBy=userName&count=1000"
is "$(jqr '[.Resources[].id] | index("'$BU'")')" null "A: sorted list has no B user"
is "$(jqr .totalResults)" "$(jqr '.Resources | length')" "A: totalResults counts what A sees"
AUTH=$A req GET /Users
A_USERS=$(jqr .totalResults)
AUTH=$TB req GET /Users
is "$(jqr .totalResults)" 2 "B's list counts B's two users only"
AUTH=$A req GET "/Users?count=0"
is "$(jqr .totalResults)" "$A_USERS" "A: count=0 total is A's"
AUTH=$A req GET /Groups
is "$(jqr '[.Resources[].id] | index("'$BG'")')" null "A: group list has no B group"
AUTH=$A req POST /Users/.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"bob.only\""}'
is "$STATUS:$(jqr .totalResults)" 200:0 "A: POST /Users/.search finds nothing of B"
AUTH=$A req POST /Groups/.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"B Group\""}'
is "$(jqr '[.Resources[]?.id] | index("'$BG'")')" null "A: /Groups/.search has no B group"

# membership across tenants
AUTH=$A req PATCH "/Groups/$AG" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$BU'"}]}')"
scim_error 400 invalidValue "A: adding B's user to A's group"
AUTH=$A req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"With B","members":[{"value":"'$BU'"}]}'
scim_error 400 invalidValue "A: creating a group with B's user"
AUTH=$TB req GET "/Groups/$BG"
is "$(jqr '[.members[]?.value] | join(",")')" "$BU" "B's group membership unchanged"

# Bulk
AUTH=$A req POST /Bulk '{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
 {"method":"DELETE","path":"/Users/'$BU'"},
 {"method":"PATCH","path":"/Groups/'$BG'","data":'"$(patch_body '{"op":"replace","path":"displayName","value":"x"}')"'}]}'
is "$(jqr '[.Operations[].status] | join(",")')" "404,404" "A: Bulk on B's ids: 404 each"

# B is intact
AUTH=$TB req GET "/Users/$BU"
is "$STATUS:$(jqr .userName):$(jqr .active)" "200:bob.only:true" "B's user untouched"
AUTH=$TB req GET "/Groups/$BG"
is "$STATUS:$(jqr .displayName)" "200:B Group" "B's group untouched"
AUTH=$TB req GET "/Users/$AU"
scim_error 404 "" "B: GET A's user"

# deleting a tenant deletes its data and tokens
ctl tenant delete acme
is "$CTL_RC" 0 "scimctl tenant delete"
AUTH=$TB req GET /Users
scim_error 401 "" "a deleted tenant's token is refused"
ctl tenant list
unlike "$CTL_OUT" acme "tenant list no longer shows it"
ctl tenant create acme
ctl token create acme-job2 --tenant acme
AUTH=$CTL_LAST req GET /Users
is "$STATUS:$(jqr .totalResults)" "200:0" "a re-created tenant of that name starts empty"
AUTH=$A req GET "/Users/$AU"
status_is 200 "the other tenant keeps its data"
stop_scimd

# === dropping root =============================================================

if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	chmod 755 "$SCIM_TMP"
	chown -R nobody "$SCIM_TMP/data"
	start_scimd 'user = nobody' || bail "scimd (user) did not start"
	is "$(ps -o user= -p "$SCIMD_PID" | tr -d ' ')" nobody "user = nobody: runs as nobody after binding"
	AUTH=$A req GET /Users
	status_is 200 "serves after dropping root"
	AUTH=$A mkuser after.drop
	status_is 201 "writes after dropping root"
	stop_scimd
else
	_pass "# SKIP user = nobody needs root and a nobody user"
fi

done_testing
