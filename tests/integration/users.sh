#!/usr/bin/env bash
# Users: what Microsoft Entra ID sends (docs/entra.md sections 3, 4, 6, 7)
# plus errors, pagination, routing and persistence across a restart.
. "$(dirname "$0")/lib.sh"

start_scimd 'max_body = 64K' || bail "scimd did not start"
ok "first start prints a token on stdout" test -n "$TOKEN"
FIRST_TOKEN=$TOKEN

# --- Test Connection (section 3) --------------------------------------------

GUID=7d420df3-9995-4831-a406-ecf8166f5f6a
req GET "/Users?filter=userName+eq+%22$GUID%22"
status_is 200 "Test Connection, form-encoded filter"
like "$CTYPE" '^application/scim\+json' "Test Connection: Content-Type application/scim+json"
json_is '.schemas[0]' "$LISTRESP" "Test Connection: ListResponse schema"
json_is .totalResults 0 "Test Connection: totalResults 0"
json_is '(.Resources // []) | length' 0 "Test Connection: Resources empty or absent"
ok "X-Request-Id header present" test -n "$(hdr X-Request-Id)"
req GET "/Users?filter=userName%20eq%20%22$GUID%22"
status_is 200 "Test Connection, %20-encoded filter"
json_is .totalResults 0 "%20 filter: totalResults 0"
like "$CTYPE" '^application/scim\+json' "%20 filter: Content-Type"

# --- create (section 4.2) ---------------------------------------------------

U1=Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee
E1=Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com
X1=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef
CREATE='{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "id":"client-chosen-id",
 "externalId":"'$X1'",
 "userName":"'$U1'",
 "active":true,
 "emails":[{"primary":true,"type":"work","value":"'$E1'"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[],
 "addresses":null,"phoneNumbers":null,"preferredLanguage":null,"title":null}'
req POST /Users "$CREATE"
status_is 201 "create user (entra.md 4.2 body)"
like "$CTYPE" '^application/scim\+json' "create: Content-Type"
ID1=$(jqr .id)
like "$ID1" "$UUID_RE" "create: id is a UUID"
isnt "$ID1" "client-chosen-id" "create: client-supplied id ignored"
LOC=$(hdr Location)
is "$LOC" "$(jqr .meta.location)" "create: Location header == meta.location"
like "$LOC" "/scim/v2/Users/$ID1\$" "create: Location ends in /Users/<id>"
ok "create: ETag header" test -n "$(hdr ETag)"
is "$(hdr ETag)" "$(jqr .meta.version)" "create: ETag == meta.version"
json_is .meta.resourceType User "create: meta.resourceType"
like "$(jqr .meta.created)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "create: meta.created is a timestamp"
like "$(jqr .meta.lastModified)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "create: meta.lastModified is a timestamp"
json_is .userName "$U1" "create: userName echoed"
json_is .externalId "$X1" "create: externalId echoed"
json_is .active true "create: active true"
json_is '.emails[0].value' "$E1" "create: email echoed"
json_is '.emails[0].primary' true "create: email primary echoed"
json_is '.name.givenName' givenName "create: name.givenName echoed"
json_is '.schemas | index("urn:ietf:params:scim:schemas:core:2.0:User") != null' true \
    "create: core schema listed"
json_is '[.addresses, .phoneNumbers, .title, .preferredLanguage] | map(select(. != null)) | length' 0 \
    "create: null attributes stay unassigned"
CREATED_AT=$(jqr .meta.created)

# --- get by id (4.3) ----------------------------------------------------------

req GET "/Users/$ID1"
status_is 200 "get user by id"
like "$CTYPE" '^application/scim\+json' "get: Content-Type"
json_is .id "$ID1" "get: same id"
json_is .userName "$U1" "get: userName"
json_is .meta.created "$CREATED_AT" "get: meta.created stable"
json_is .meta.location "$LOC" "get: meta.location"
ok "get: ETag header" test -n "$(hdr ETag)"

req GET "/Users/00000000-0000-4000-8000-000000000000"
scim_error 404 "" "get unknown user id"
req GET "/Users/not-a-uuid"
scim_error 404 "" "get malformed user id"

# --- filters (4.1, 7.4) -------------------------------------------------------

U2=Fred.Smith@mydomain.com
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"'$U2'","externalId":"FredX",
 "emails":[{"type":"work","value":"fred@work.example"},{"type":"home","value":"fred@home.example"}]}'
status_is 201 "create second user"
ID2=$(jqr .id)
# ids are time-ordered (UUID v7): the second sorts after the first, so a
# new id's index entry lands beside the last one's, not on a random page
like "$ID2" '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]' "create: id is a UUID v7"
ok "the later create's id sorts after the earlier's" \
    test "$(printf '%s\n' "$ID2" "$ID1" | LC_ALL=C sort | head -n 1)" = "$ID1"

req GET "/Users?filter=$(urlenc "userName eq \"$U1\"")"
status_is 200 "filter userName eq"
json_is .totalResults 1 "filter userName: one match"
json_is '.Resources[0].id' "$ID1" "filter userName: right user"
json_is '.Resources[0].meta.resourceType' User "filter userName: resource has meta"

req GET "/Users?filter=$(urlenc "userName eq \"fred.smith@MYDOMAIN.com\"")"
json_is .totalResults 1 "filter userName is case-insensitive"
json_is '.Resources[0].id' "$ID2" "filter userName (other case): right user"

req GET "/Users?filter=userName%20eq%20%22Fred.Smith%40mydomain.com%22"
json_is .totalResults 1 "filter userName with %40 in the value"

req GET "/Users?filter=$(urlenc "USERNAME EQ \"$U2\"")"
status_is 200 "filter: attribute and operator names in upper case"
json_is .totalResults 1 "filter: upper-case names match"

req GET "/Users?filter=$(urlenc "externalId eq \"FredX\"")"
json_is .totalResults 1 "filter externalId eq (exact case)"
json_is '.Resources[0].id' "$ID2" "filter externalId: right user"
req GET "/Users?filter=$(urlenc "externalId eq \"fredx\"")"
status_is 200 "filter externalId other case"
json_is .totalResults 0 "filter externalId is case-exact: other case finds nothing"

req GET "/Users?filter=$(urlenc "id eq \"$ID1\"")"
json_is .totalResults 1 "filter id eq"
json_is '.Resources[0].id' "$ID1" "filter id eq: right user"

req GET "/Users?filter=$(urlenc "emails.value eq \"fred@home.example\"")"
json_is .totalResults 1 "filter emails.value eq"
json_is '.Resources[0].id' "$ID2" "filter emails.value: right user"

req GET "/Users?filter=$(urlenc 'emails[type eq "work"].value eq "fred@work.example"')"
status_is 200 "filter emails[type eq work].value eq"
json_is .totalResults 1 "filter emails[type eq work].value: one match"
json_is '.Resources[0].id' "$ID2" "filter emails[type eq work].value: right user"
req GET "/Users?filter=$(urlenc 'emails[type eq "work"].value eq "fred@home.example"')"
json_is .totalResults 0 "filter emails[type eq work].value does not match the home email"

req GET "/Users?filter=$(urlenc "userName eq \"$U2\" and externalId eq \"FredX\"")"
json_is .totalResults 1 "filter with and: both true"
req GET "/Users?filter=$(urlenc "userName eq \"$U2\" and externalId eq \"other\"")"
json_is .totalResults 0 "filter with and: one false"
req GET "/Users?filter=$(urlenc "id eq \"$ID2\" and userName eq \"$U2\"")&attributes=id"
status_is 200 "manager-check style filter with attributes=id"
json_is .totalResults 1 "id eq .. and userName eq ..: one match"

req GET "/Users?filter=$(urlenc 'emails[type eq "work" and primary eq true].value eq "'$E1'"')"
status_is 200 "filter with and inside brackets (Entra's own schema mapping)"
json_is .totalResults 1 "and inside brackets: one match"
json_is '.Resources[0].id' "$ID1" "and inside brackets: right user"
req POST /Users/.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"'$U2'\"","startIndex":1,"count":5}'
status_is 200 "POST /Users/.search"
json_is .totalResults 1 ".search: one match"
json_is '.Resources[0].id' "$ID2" ".search: right user"
req GET "/Users?filter=$(urlenc 'userName eq')"
scim_error 400 invalidFilter "malformed filter"

# --- uniqueness and validation -------------------------------------------------

req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"'"$(echo "$U1" | tr 'a-z' 'A-Z')"'"}'
scim_error 409 uniqueness "duplicate userName in another case"
like "$(jqr .detail)" "^userName is already in use" "409 detail names userName"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"'$U1'"}'
scim_error 409 uniqueness "duplicate userName, same case (validator posts twice)"

req POST /Users '{"schemas":["'$CORE_USER'"],"displayName":"no user name"}'
scim_error 400 invalidValue "missing userName"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"broken"'
scim_error 400 invalidSyntax "malformed JSON"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"t1","active":"yes"}'
scim_error 400 invalidValue 'wrong type: active "yes"'
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"t2","emails":"x"}'
scim_error 400 invalidValue 'wrong type: emails "x"'
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"t3","name":"x"}'
scim_error 400 invalidValue 'wrong type: name "x"'
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":5}'
scim_error 400 invalidValue "wrong type: userName 5"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"t4","favouriteColour":"blue"}'
scim_error 400 "" "unknown attribute"
# RFC 7643 3, RFC 7644 3.3: "schemas" is required and names the type's core
# schema; extensions stay optional and unknown URNs beside it are dropped
for b in '"userName":"s1"' '"schemas":[],"userName":"s2"' '"schemas":null,"userName":"s3"' \
    '"schemas":["urn:example:unknown:1.0"],"userName":"s4"' \
    '"schemas":["'$CORE_GROUP'"],"userName":"s5"' \
    '"schemas":["'$CORE_USER'","'$CORE_GROUP'"],"userName":"s6"'; do
	req POST /Users "{$b}"
	scim_error 400 invalidSyntax "RFC 7643 3: POST /Users {$b}"
done
req POST /Groups '{"schemas":["'$CORE_USER'"],"displayName":"s7"}'
scim_error 400 invalidSyntax "RFC 7643 3: the User schema on POST /Groups"
req POST /Users '{"schemas":["urn:example:unknown:1.0","'$CORE_USER'"],"userName":"s8"}'
status_is 201 "RFC 7643 3: core schema beside an unknown URN"
json_is '.schemas | join(",")' "$CORE_USER" "RFC 7643 3: the unknown URN is dropped"
req DELETE "/Users/$(jqr .id)"
req GET "/Users?filter=$(urlenc 'userName eq "t1" or userName eq "t2" or userName eq "t3" or userName eq "t4" or userName eq "broken" or displayName eq "no user name" or userName sw "s"')"
status_is 200 "filter with or"
json_is .totalResults 0 "rejected creates stored nothing"

CT='text/plain' req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"plain"}'
scim_error 415 "" "Content-Type text/plain"
CT='application/json' req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"plainjson"}'
status_is 201 "Content-Type application/json accepted"

head -c 102400 /dev/zero | tr '\0' 'a' > "$SCIM_TMP/big"
printf '{"schemas":["%s"],"userName":"big","displayName":"%s"}' "$CORE_USER" \
    "$(cat "$SCIM_TMP/big")" > "$SCIM_TMP/big.json"
req POST /Users "@$SCIM_TMP/big.json"
scim_error 413 "" "body over max_body (100K > 64K)"

# --- authentication -------------------------------------------------------------

NO_AUTH=1 req GET /Users
scim_error 401 "" "no Authorization header"
like "$(hdr WWW-Authenticate)" '^Bearer' "no token: WWW-Authenticate: Bearer"
AUTH=not-a-valid-token req GET /Users
scim_error 401 "" "wrong bearer token"
like "$(hdr WWW-Authenticate)" '^Bearer' "wrong token: WWW-Authenticate: Bearer"
REQ_EXTRA=(-H "Authorization: Basic dXNlcjpwYXNz"); NO_AUTH=1 req GET /Users
scim_error 401 "" "Basic instead of Bearer"
like "$(hdr WWW-Authenticate)" '^Bearer' "Basic: WWW-Authenticate: Bearer"
AUTH="" req GET /Users
scim_error 401 "" "empty bearer token"
REQ_EXTRA=(-H "Authorization: Bearer${TOKEN}"); NO_AUTH=1 req GET /Users
scim_error 401 "" "malformed Authorization (no space)"
NO_AUTH=1 req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"sneaky"}'
scim_error 401 "" "create without a token"
req GET "/Users?filter=$(urlenc 'userName eq "sneaky"')"
json_is .totalResults 0 "unauthenticated create stored nothing"

# --- PUT replace ------------------------------------------------------------------

req GET "/Users/$ID2"
V_BEFORE=$(jqr .meta.version)
C_BEFORE=$(jqr .meta.created)
req PUT "/Users/$ID2" '{"schemas":["'$CORE_USER'"],"id":"'$ID2'","userName":"'$U2'","displayName":"Fred Replaced","active":false,
 "meta":{"created":"1999-01-01T00:00:00Z","resourceType":"User"}}'
status_is 200 "PUT replace"
json_is .id "$ID2" "PUT: id kept"
json_is .displayName "Fred Replaced" "PUT: new displayName"
json_is .active false "PUT: active false"
json_is .externalId null "PUT: omitted externalId removed"
json_is .meta.created "$C_BEFORE" "PUT: meta.created is readOnly (kept)"
isnt "$(jqr .meta.version)" "$V_BEFORE" "PUT: meta.version changes"
req GET "/Users/$ID2"
json_is .displayName "Fred Replaced" "PUT: stored"
json_is .emails null "PUT: omitted emails removed"
req GET "/Users?filter=$(urlenc 'emails.value eq "fred@home.example"')"
json_is .totalResults 0 "PUT: removed email no longer found by filter"
req GET "/Users?filter=$(urlenc "userName eq \"$U2\"")"
json_is .totalResults 1 "PUT: inactive user still found by filter"
req PUT "/Users/$ID2" '{"schemas":["'$CORE_USER'"],"userName":"'"$(echo "$U1" | tr 'A-Z' 'a-z')"'"}'
scim_error 409 uniqueness "PUT taking another user's userName"
req GET "/Users/$ID2"
json_is .userName "$U2" "PUT 409: userName unchanged"
req PUT "/Users/00000000-0000-4000-8000-000000000000" '{"schemas":["'$CORE_USER'"],"userName":"ghost"}'
scim_error 404 "" "PUT to an unknown id"
req PUT "/Users/$ID2" '{"userName":"'$U2'","displayName":"no schemas"}'
scim_error 400 invalidSyntax "RFC 7644 3.5.1: PUT without schemas"
req PUT "/Users/$ID2" '{"schemas":["'$CORE_GROUP'"],"userName":"'$U2'","displayName":"no schemas"}'
scim_error 400 invalidSyntax "RFC 7644 3.5.1: PUT with the Group schema"
req GET "/Users/$ID2"
json_is .displayName "Fred Replaced" "RFC 7644 3.5.1: refused PUTs changed nothing"

# --- DELETE (4.10) -------------------------------------------------------------------

req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"delete.me"}'
DID=$(jqr .id)
req DELETE "/Users/$DID"
status_is 204 "DELETE user"
is "$BODY" "" "DELETE: no body"
req GET "/Users/$DID"
scim_error 404 "" "GET after DELETE"
req DELETE "/Users/$DID"
scim_error 404 "" "second DELETE"
req GET "/Users?filter=$(urlenc 'userName eq "delete.me"')"
json_is .totalResults 0 "deleted user not found by filter"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"Delete.Me"}'
status_is 201 "userName of a deleted user can be reused"

# --- pagination (5.10) ------------------------------------------------------------------

for i in $(seq -w 1 25); do
	req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"page'$i'","externalId":"pg"}'
	[ "$STATUS" = 201 ] || break
done
status_is 201 "created 25 users for paging"
PF=$(urlenc 'externalId eq "pg"')
req GET "/Users?filter=$PF&startIndex=1&count=10"
status_is 200 "page 1"
json_is .totalResults 25 "page 1: totalResults 25"
json_is .itemsPerPage 10 "page 1: itemsPerPage 10"
json_is .startIndex 1 "page 1: startIndex 1"
json_is '.Resources | length' 10 "page 1: 10 resources"
P1=$(jqr '[.Resources[].id]')
req GET "/Users?filter=$PF&startIndex=11&count=10"
json_is .startIndex 11 "page 2: startIndex echoed"
json_is .itemsPerPage 10 "page 2: itemsPerPage 10"
P2=$(jqr '[.Resources[].id]')
req GET "/Users?filter=$PF&startIndex=21&count=10"
json_is .totalResults 25 "page 3: totalResults 25"
json_is .itemsPerPage 5 "page 3: itemsPerPage 5"
json_is '.Resources | length' 5 "page 3: 5 resources"
P3=$(jqr '[.Resources[].id]')
ALL=$(jq -nc --argjson a "$P1" --argjson b "$P2" --argjson c "$P3" '$a + $b + $c')
is "$(jqr 'unique | length' "$ALL")" 25 "pages cover 25 distinct users"
req GET "/Users?filter=$PF&startIndex=1&count=25"
is "$(jqr '[.Resources[].id]')" "$ALL" "paging order is stable (pages == one big page)"
req GET "/Users?filter=$PF&startIndex=1&count=10"
is "$(jqr '[.Resources[].id]')" "$P1" "page 1 again: same order"
req GET "/Users?filter=$PF&count=0"
status_is 200 "count=0"
json_is .totalResults 25 "count=0: totalResults"
json_is '(.Resources // []) | length' 0 "count=0: no resources"
req GET "/Users?filter=$PF&startIndex=0&count=3"
status_is 200 "startIndex=0"
json_is .startIndex 1 "startIndex=0 treated as 1"
is "$(jqr '[.Resources[].id]')" "$(jqr '.[0:3]' "$P1")" "startIndex=0: same as startIndex=1"
req GET "/Users?filter=$PF&startIndex=30&count=10"
status_is 200 "startIndex past the end"
json_is .totalResults 25 "past the end: totalResults"
json_is '(.Resources // []) | length' 0 "past the end: no resources"
req GET "/Users?startIndex=1&count=5"
json_is '.Resources | length' 5 "unfiltered list, count=5 (validator paging)"
ok "unfiltered list: totalResults counts every user" \
    test "$(jqr .totalResults)" -ge 28
req GET "/Users?count=abc"
scim_error 400 "" "non-numeric count"

# --- ETags (RFC 7644 3.14; etag.supported is true) ----------------------------------

req GET "/Users/$ID1"
ETAG=$(hdr ETag)
REQ_EXTRA=(-H "If-None-Match: $ETAG"); req GET "/Users/$ID1"
is "$STATUS" 304 "If-None-Match with the current ETag: 304"
REQ_EXTRA=(-H 'If-Match: W/"not-the-version"')
req PATCH "/Users/$ID1" "$(patch_body '{"op":"replace","path":"displayName","value":"etag"}')"
scim_error 412 "" "If-Match with a stale ETag"
REQ_EXTRA=(-H "If-Match: $ETAG")
req PATCH "/Users/$ID1" "$(patch_body '{"op":"replace","path":"displayName","value":"etag"}')"
status_is 200 "If-Match with the current ETag"
isnt "$(hdr ETag)" "$ETAG" "ETag changes with the resource"

# --- concurrent creates: the uniqueness check holds under the group commit -----------

for i in 1 2 3 4 5 6 7 8; do
	curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Accept:' \
	    -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CT" \
	    --data-binary '{"schemas":["'$CORE_USER'"],"userName":"Race@example.com"}' \
	    "$BASE/Users" > "$SCIM_TMP/race.$i" 2>&1 &
done
for i in 1 2 3 4 5 6 7 8; do
	curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Accept:' \
	    -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CT" \
	    --data-binary '{"schemas":["'$CORE_USER'"],"userName":"para'$i'@example.com","externalId":"para"}' \
	    "$BASE/Users" > "$SCIM_TMP/para.$i" 2>&1 &
done
wait_curls=0
while [ $wait_curls -lt 100 ] && [ "$(cat "$SCIM_TMP"/race.* "$SCIM_TMP"/para.* 2>/dev/null | grep -c '^[0-9][0-9][0-9]$')" -lt 16 ]; do
	sleep 0.1
	wait_curls=$((wait_curls + 1))
done
is "$(cat "$SCIM_TMP"/race.* | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" "201:1 409:7 " \
    "8 concurrent creates of one userName: one 201, seven 409"
is "$(cat "$SCIM_TMP"/para.* | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" "201:8 " \
    "8 concurrent creates of distinct users: all 201"
req GET "/Users?filter=$(urlenc 'userName eq "race@example.com"')"
json_is .totalResults 1 "exactly one Race user stored"
req GET "/Users?filter=$(urlenc 'externalId eq "para"')&count=0"
json_is .totalResults 8 "all eight concurrent users stored"

# --- routing ---------------------------------------------------------------------

req GET /NoSuchThing
scim_error 404 "" "unknown endpoint under /scim/v2"
req GET "$ROOT/no/such/path"
scim_error 404 "" "unknown path outside /scim/v2"
unlike "$BODY" '<html|<HTML|<!DOCTYPE' "404: not an HTML body"
req DELETE /Users
scim_error 405 "" "DELETE /Users"
unlike "$BODY" '<html|<HTML' "405: not an HTML body"
req PATCH /Users "$(patch_body '{"op":"replace","path":"active","value":false}')"
scim_error 405 "" "PATCH /Users"
req POST "/Users/$ID1" '{"schemas":["'$CORE_USER'"],"userName":"x"}'
scim_error 405 "" "POST /Users/<id>"
req GET "/Users/$ID1/extra"
scim_error 404 "" "GET /Users/<id>/extra"
ok "X-Request-Id on errors" test -n "$(hdr X-Request-Id)"
# errors libevent could answer itself must still be SCIM JSON, never HTML
head -c 307200 /dev/zero | tr '\0' 'a' > "$SCIM_TMP/huge"
printf '{"schemas":["%s"],"userName":"huge","displayName":"%s"}' "$CORE_USER" \
    "$(cat "$SCIM_TMP/huge")" > "$SCIM_TMP/huge.json"
req POST /Users "@$SCIM_TMP/huge.json"
scim_error 413 "" "body far over max_body (300K > 2 x 64K)"
unlike "$BODY" '<HTML|<html' "300K body: not an HTML body"
REQ_EXTRA=(-H "X-Padding: $(head -c 20000 "$SCIM_TMP/big")")
req GET /Users
like "$STATUS" '^4[0-9][0-9]$' "request headers over max_headers: a 4xx"
like "$CTYPE" '^application/scim\+json' "headers too large: SCIM Content-Type, not HTML"
req FROB /Users
like "$STATUS" '^(405|501)$' "unknown HTTP method: 405 or 501"
like "$CTYPE" '^application/scim\+json' "unknown HTTP method: SCIM Content-Type, not HTML"
req GET "/Users?filter=$(urlenc "userName eq \"$U1\"")&aadOptscim062020"
status_is 200 "unknown query flag (aadOptscim062020) ignored"
json_is .totalResults 1 "unknown query flag: filter still applied"

# --- persistence across a restart -----------------------------------------------------

ok "stop_scimd: SIGTERM exits 0" stop_scimd
start_scimd || bail "scimd did not restart"
is "$NEW_TOKEN" 0 "restart: no new token printed"
is "$TOKEN" "$FIRST_TOKEN" "restart: the first token is kept"
req GET "/Users/$ID1"
status_is 200 "restart: user still there, token still works"
json_is .userName "$U1" "restart: userName kept"
json_is .meta.created "$CREATED_AT" "restart: meta.created kept"
req GET "/Users?filter=$PF&count=0"
json_is .totalResults 25 "restart: paged users still there"
req GET "/Users?filter=$(urlenc 'userName eq "fred.smith@mydomain.com"')"
json_is .totalResults 1 "restart: userName index works"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"'$U2'"}'
scim_error 409 uniqueness "restart: uniqueness still enforced"

ctl verify
is "$CTL_RC" 0 "scimctl verify exits 0"

done_testing
