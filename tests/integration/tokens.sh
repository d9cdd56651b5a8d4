#!/usr/bin/env bash
# Tokens and tenants through scimctl against a running scimd, tenant
# isolation, and scimd's start-up checks and exit codes.
. "$(dirname "$0")/lib.sh"

start_scimd || bail "scimd did not start"
ok "first start prints a token" test -n "$TOKEN"
INITIAL=$TOKEN

# --- token create / list / revoke on the running server -------------------------------

ctl token create entra
is "$CTL_RC" 0 "scimctl token create exits 0"
T1=$CTL_LAST
ok "secret is the last stdout line, at least 43 characters" test "${#T1}" -ge 43
unlike "$T1" '[[:space:]]' "secret has no white space"
AUTH=$T1 req GET "/Users?filter=userName+eq+%22nobody%22"
status_is 200 "new token works at once on the running server"
json_is .totalResults 0 "new token: empty ListResponse"
AUTH=$INITIAL req GET /Users
status_is 200 "the initial token still works"

ctl token create entra
isnt "$CTL_RC" 0 "a second token with the same name is refused"

ctl token list
is "$CTL_RC" 0 "scimctl token list exits 0"
like "$CTL_OUT" '(^|[[:space:]])entra([[:space:]]|$)' "token list shows the name"
like "$CTL_OUT" '(^|[[:space:]])initial([[:space:]]|$)' "token list shows the initial token"
ok "token list never shows the new secret" sh -c '! grep -qF -- "$1" "$2"' - "$T1" "$SCIM_TMP/ctl.out"
ok "token list never shows the initial secret" sh -c '! grep -qF -- "$1" "$2"' - "$INITIAL" "$SCIM_TMP/ctl.out"
ok "token create's stderr does not repeat the secret" sh -c '! grep -qF -- "$1" "$2"' - "$T1" "$SCIM_TMP/ctl.err"
ok "scimd's log never shows a secret" sh -c '! grep -qF -- "$1" "$2" && ! grep -qF -- "$3" "$2"' - "$T1" "$SCIMD_ERR" "$INITIAL"

ctl token revoke entra
is "$CTL_RC" 0 "scimctl token revoke exits 0"
AUTH=$T1 req GET /Users
scim_error 401 "" "revoked token is refused by the running server"
like "$(hdr WWW-Authenticate)" '^Bearer' "revoked token: WWW-Authenticate: Bearer"
ctl token list
unlike "$CTL_OUT" '(^|[[:space:]])entra([[:space:]]|$)' "revoked token no longer listed"
AUTH=$INITIAL req GET /Users
status_is 200 "other tokens unaffected by the revoke"
ctl token revoke no-such-token
isnt "$CTL_RC" 0 "revoking an unknown token fails"

ctl token create ops --admin
is "$CTL_RC" 0 "scimctl token create --admin"
ADMIN=$CTL_LAST
AUTH=$ADMIN req GET /Users
scim_error 403 "" "admin token rejected under /scim/v2"
AUTH=$ADMIN req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"by-admin"}'
scim_error 403 "" "admin token cannot create users"

# --- tenants --------------------------------------------------------------------------

ctl tenant create acme
is "$CTL_RC" 0 "scimctl tenant create acme"
ctl tenant list
like "$CTL_OUT" '(^|[[:space:]])acme([[:space:]]|$)' "tenant list shows acme"
ctl token create acme-entra --tenant acme
is "$CTL_RC" 0 "token for tenant acme"
TB=$CTL_LAST
ctl token create bad --tenant no-such-tenant
isnt "$CTL_RC" 0 "token for an unknown tenant is refused"

# tenant A = default (TOKEN), tenant B = acme (TB)
mkuser alice@example.com '"externalId":"alice-ext","emails":[{"type":"work","value":"alice@example.com"}]'
AID=$UID_
ok "tenant A: user created" test -n "$AID"
mkgroup "Shared Name"
AGID=$GID_
AUTH=$TB req GET "/Users/$AID"
scim_error 404 "" "tenant B cannot GET tenant A's user by id"
AUTH=$TB req GET "/Users?filter=$(urlenc 'userName eq "alice@example.com"')"
status_is 200 "tenant B filter for A's userName"
json_is .totalResults 0 "tenant B: filter finds nothing"
AUTH=$TB req GET "/Users?filter=$(urlenc 'externalId eq "alice-ext"')"
json_is .totalResults 0 "tenant B: externalId filter finds nothing"
AUTH=$TB req GET "/Users?filter=$(urlenc 'emails.value eq "alice@example.com"')"
json_is .totalResults 0 "tenant B: email filter finds nothing"
AUTH=$TB req GET "/Users?filter=$(urlenc "id eq \"$AID\"")"
json_is .totalResults 0 "tenant B: id filter finds nothing"
AUTH=$TB req GET /Users
status_is 200 "tenant B list"
json_is .totalResults 0 "tenant B: list is empty"
AUTH=$TB req GET /Groups
json_is .totalResults 0 "tenant B: no groups"
AUTH=$TB req GET "/Groups/$AGID"
scim_error 404 "" "tenant B cannot GET tenant A's group"
AUTH=$TB req PATCH "/Users/$AID" "$(patch_body '{"op":"replace","path":"active","value":false}')"
scim_error 404 "" "tenant B cannot PATCH A's user"
AUTH=$TB req PUT "/Users/$AID" '{"schemas":["'$CORE_USER'"],"userName":"hijack"}'
scim_error 404 "" "tenant B cannot PUT A's user"
AUTH=$TB req DELETE "/Users/$AID"
scim_error 404 "" "tenant B cannot DELETE A's user"
AUTH=$TB req PATCH "/Groups/$AGID" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$AID'"}]}')"
scim_error 404 "" "tenant B cannot PATCH A's group"
req GET "/Users/$AID"
status_is 200 "A's user survives B's attempts"
json_is .active null "A's user not modified by B"

AUTH=$TB req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"alice@example.com","externalId":"alice-ext"}'
status_is 201 "same userName may exist in tenant B"
BID=$(jqr .id)
isnt "$BID" "$AID" "tenant B's user has its own id"
AUTH=$TB req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"Shared Name"}'
status_is 201 "same group displayName may exist in tenant B"
BGID=$(jqr .id)
AUTH=$TB req PATCH "/Groups/$BGID" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$AID'"}]}')"
scim_error 400 invalidValue "tenant B cannot add A's user to its group"
AUTH=$TB req GET "/Users?filter=$(urlenc 'userName eq "alice@example.com"')"
json_is .totalResults 1 "tenant B filter finds only its own user"
json_is '.Resources[0].id' "$BID" "tenant B filter: B's user"
req GET "/Users?filter=$(urlenc 'userName eq "alice@example.com"')"
json_is .totalResults 1 "tenant A filter finds only its own user"
json_is '.Resources[0].id' "$AID" "tenant A filter: A's user"
req GET "/Users/$BID"
scim_error 404 "" "tenant A cannot see B's user"

ctl verify
is "$CTL_RC" 0 "scimctl verify (all tenants) exits 0"

ctl tenant delete acme
is "$CTL_RC" 0 "scimctl tenant delete acme"
ctl tenant list
unlike "$CTL_OUT" '(^|[[:space:]])acme([[:space:]]|$)' "acme no longer listed"
AUTH=$TB req GET /Users
scim_error 401 "" "deleted tenant's token is refused"
ctl token list
unlike "$CTL_OUT" 'acme-entra' "deleted tenant's token no longer listed"
ctl tenant create acme
is "$CTL_RC" 0 "re-create tenant acme"
ctl token create acme2 --tenant acme
TB2=$CTL_LAST
AUTH=$TB2 req GET /Users
status_is 200 "new acme token works"
json_is .totalResults 0 "tenant delete removed its users"
AUTH=$TB2 req GET /Groups
json_is .totalResults 0 "tenant delete removed its groups"
AUTH=$TB2 req GET "/Users/$BID"
scim_error 404 "" "old tenant B user id is gone"
req GET "/Users/$AID"
status_is 200 "tenant A's user survives the delete of acme"
req GET "/Groups?filter=$(urlenc 'displayName eq "Shared Name"')"
json_is .totalResults 1 "tenant A's group survives the delete of acme"
ctl verify
is "$CTL_RC" 0 "scimctl verify after tenant delete"
ctl stats
is "$CTL_RC" 0 "scimctl stats exits 0"
if skip_unless_lmdb 4 "scimctl backup copies the LMDB environment"; then
	mkdir "$SCIM_TMP/backup"
	ctl backup "$SCIM_TMP/backup"
	is "$CTL_RC" 0 "scimctl backup into an empty directory exits 0"
	ok "backup wrote files" test -n "$(ls -A "$SCIM_TMP/backup" 2>/dev/null)"
	printf 'listen = 127.0.0.1:0\ndata_dir = %s/backup\n' "$SCIM_TMP" > "$SCIM_TMP/backup.conf"
	"$SCIMCTL" -c "$SCIM_TMP/backup.conf" verify > /dev/null 2>&1
	is "$?" 0 "scimctl verify on the backup exits 0"
	"$SCIMCTL" -c "$SCIM_TMP/backup.conf" token list > "$SCIM_TMP/bk.out" 2>&1
	like "$(cat "$SCIM_TMP/bk.out")" '(^|[[:space:]])initial([[:space:]]|$)' "the backup holds the tokens"
fi

# --- SIGTERM ----------------------------------------------------------------------------

RUNNING_PORT=$PORT
RUNNING_PID=$SCIMD_PID

# --- scimd start-up checks (while the first scimd still holds its port) ---------------

printf 'listen = 127.0.0.1:0\ndata_dir = %s/d2\n' "$SCIM_TMP" > "$SCIM_TMP/good.conf"
"$SCIMD" -t -c "$SCIM_TMP/good.conf" > /dev/null 2> "$SCIM_TMP/t.err"
is "$?" 0 "scimd -t on a good file exits 0"
ok "scimd -t did not create the data dir" test ! -e "$SCIM_TMP/d2"

printf 'listen = 127.0.0.1:0\n# comment\nno_such_key = 1\ndata_dir = %s/d2\n' "$SCIM_TMP" > "$SCIM_TMP/bad.conf"
"$SCIMD" -t -c "$SCIM_TMP/bad.conf" > /dev/null 2> "$SCIM_TMP/t.err"
is "$?" 1 "scimd -t with an unknown key exits 1"
like "$(cat "$SCIM_TMP/t.err")" "bad\\.conf:3" "the error names file:line"
like "$(cat "$SCIM_TMP/t.err")" "no_such_key" "the error names the key"

printf 'listen = 127.0.0.1:%s\ndata_dir = %s/d3\n' "$RUNNING_PORT" "$SCIM_TMP" > "$SCIM_TMP/inuse.conf"
"$SCIMD" -c "$SCIM_TMP/inuse.conf" -p "$SCIM_TMP/inuse.port" > /dev/null 2> "$SCIM_TMP/inuse.err" &
P=$!
_watchdog "$P" 100
wait "$P"
is "$?" 1 "port already in use: exit 1"
ERRS=$(grep -v ': info: ' "$SCIM_TMP/inuse.err")
is "$(printf '%s\n' "$ERRS" | grep -c .)" 1 "port in use: exactly one error line"
like "$ERRS" "$RUNNING_PORT" "port in use: the error names the port"
AUTH=$INITIAL req GET /Users
status_is 200 "the running scimd is unaffected"

: > "$SCIM_TMP/plainfile"
printf 'listen = 127.0.0.1:0\ndata_dir = %s/plainfile\n' "$SCIM_TMP" > "$SCIM_TMP/file.conf"
"$SCIMD" -c "$SCIM_TMP/file.conf" -p "$SCIM_TMP/file.port" > /dev/null 2> "$SCIM_TMP/file.err" &
P=$!
_watchdog "$P" 100
wait "$P"
is "$?" 1 "data_dir is a regular file: exit 1"
ERRS=$(grep -v ': info: ' "$SCIM_TMP/file.err")
is "$(printf '%s\n' "$ERRS" | grep -c .)" 1 "data_dir is a file: one error line"
like "$ERRS" "plainfile" "data_dir is a file: the error names it"
ok "data_dir is a file: no portfile" test ! -s "$SCIM_TMP/file.port"

printf 'listen = 127.0.0.1:0\ndata_dir = %s/d4\nmax_body = lots\n' "$SCIM_TMP" > "$SCIM_TMP/badval.conf"
"$SCIMD" -c "$SCIM_TMP/badval.conf" > /dev/null 2> "$SCIM_TMP/badval.err"
is "$?" 1 "scimd with a bad value exits 1"
like "$(cat "$SCIM_TMP/badval.err")" "badval\\.conf:3" "bad value: the error names file:line"

"$SCIMD" -c "$SCIM_TMP/no-such.conf" > /dev/null 2> "$SCIM_TMP/nofile.err"
is "$?" 1 "missing config file: exit 1"

ok "SIGTERM: scimd exits 0" stop_scimd
ok "scimd process is gone" sh -c '! kill -0 "$1" 2>/dev/null' - "$RUNNING_PID"
AUTH=$INITIAL req GET /Users
is "$STATUS" 000 "nothing listens after the stop"

done_testing
