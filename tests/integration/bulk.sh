#!/usr/bin/env bash
# Bulk (RFC 7644 3.7) and ETags (3.14).
. "$(dirname "$0")/lib.sh"

start_scimd "bulk_max_operations = 5" "bulk_max_payload = 8K" ||
    bail "scimd did not start"
BULKREQ=urn:ietf:params:scim:api:messages:2.0:BulkRequest

# --- Bulk: a group referring to users created in the same request ------------
req POST /Bulk '{"schemas":["'$BULKREQ'"],"Operations":[
 {"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["'$CORE_USER'"],"userName":"bulk.one"}},
 {"method":"POST","path":"/Users","bulkId":"u2","data":{"schemas":["'$CORE_USER'"],"userName":"bulk.two"}},
 {"method":"post","path":"/Groups","bulkId":"g1","data":{"schemas":["'$CORE_GROUP'"],"displayName":"Bulk Group",
   "members":[{"value":"bulkId:u1"},{"value":"bulkId:u2"}]}},
 {"method":"PATCH","path":"/Users/bulkId:u1","data":{"schemas":["'$PATCHOP'"],"Operations":[{"op":"replace","path":"title","value":"Boss"}]}}]}'
status_is 200 "bulk request"
json_is '.schemas[0]' urn:ietf:params:scim:api:messages:2.0:BulkResponse "BulkResponse schema"
json_is '.Operations | length' 4 "four results"
json_is '[.Operations[].status] | join(",")' "201,201,201,200" "statuses in order"
json_is '.Operations[2].bulkId' g1 "bulkId echoed"
json_ok '.Operations[0].location | test("/Users/[0-9a-f-]{36}$")' "location of the created user"
json_ok '.Operations[0].version | startswith("W/")' "version of the created user"
U1=$(jqr '.Operations[0].location | split("/") | last')
U2=$(jqr '.Operations[1].location | split("/") | last')
G1=$(jqr '.Operations[2].location | split("/") | last')
req GET "/Groups/$G1"
json_is '[.members[].value] | sort | join(",")' "$(printf '%s\n' "$U1" "$U2" | sort | paste -sd,)" \
    "bulkId references resolved to the new users"
req GET "/Users/$U1"
json_is .title Boss "PATCH through bulkId:u1 applied"

# --- errors inside a bulk request ----------------------------------------------
req POST /Bulk '{"schemas":["'$BULKREQ'"],"Operations":[
 {"method":"POST","path":"/Users","bulkId":"d1","data":{"schemas":["'$CORE_USER'"],"userName":"bulk.one"}},
 {"method":"POST","path":"/Groups","bulkId":"d2","data":{"schemas":["'$CORE_GROUP'"],"displayName":"Refs","members":[{"value":"bulkId:d1"}]}},
 {"method":"DELETE","path":"/Users/'$U2'"},
 {"method":"GET","path":"/Users"}]}'
status_is 200 "bulk with failures still answers 200"
json_is '.Operations[0].status' 409 "duplicate userName inside bulk: 409"
json_is '.Operations[0].response.scimType' uniqueness "... scimType uniqueness"
json_is '.Operations[1].status' 409 "reference to a failed bulkId: 409"
json_is '.Operations[2].status' 204 "delete inside bulk"
json_is '.Operations[3].status' 400 "unsupported method inside bulk: 400"
req GET "/Users/$U2"
status_is 404 "user deleted by bulk is gone"

# RFC 7643 3, RFC 7644 3.3: bulk POST and PUT need schemas too
req POST /Bulk '{"schemas":["'$BULKREQ'"],"Operations":[
 {"method":"POST","path":"/Users","bulkId":"n1","data":{"userName":"bulk.noschemas"}},
 {"method":"PUT","path":"/Users/'$U1'","data":{"userName":"bulk.one","title":"no schemas"}},
 {"method":"POST","path":"/Groups","bulkId":"n2","data":{"schemas":["'$CORE_USER'"],"displayName":"Wrong Schema"}}]}'
status_is 200 "bulk with schema-less bodies"
json_is '[.Operations[].status] | join(",")' "400,400,400" "RFC 7643 3: each refused (400)"
json_is '[.Operations[].response.scimType] | join(",")' "invalidSyntax,invalidSyntax,invalidSyntax" \
    "RFC 7643 3: each invalidSyntax"
req GET "/Users/$U1"
json_is .title Boss "RFC 7643 3: the refused bulk PUT changed nothing"

# --- failOnErrors stops processing ------------------------------------------
req POST /Bulk '{"schemas":["'$BULKREQ'"],"failOnErrors":1,"Operations":[
 {"method":"POST","path":"/Users","bulkId":"f1","data":{"schemas":["'$CORE_USER'"],"userName":"bulk.one"}},
 {"method":"POST","path":"/Users","bulkId":"f2","data":{"schemas":["'$CORE_USER'"],"userName":"never.made"}}]}'
status_is 200 "failOnErrors request"
json_is '.Operations | length' 1 "processing stopped after the first error"
req GET "/Users?filter=userName+eq+%22never.made%22"
json_is .totalResults 0 "operation after failOnErrors not applied"

# --- limits ---------------------------------------------------------------------
ops=$(for i in 1 2 3 4 5 6; do printf '{"method":"DELETE","path":"/Users/%s"},' "$U1"; done)
req POST /Bulk '{"schemas":["'$BULKREQ'"],"Operations":['"${ops%,}"']}'
scim_error 413 "" "more than maxOperations"
big=$(head -c 9000 /dev/zero | tr '\0' 'x')
req POST /Bulk '{"schemas":["'$BULKREQ'"],"Operations":[{"method":"POST","path":"/Users","data":{"userName":"'$big'"}}]}'
scim_error 413 "" "more than maxPayloadSize"
req POST /Bulk '{"schemas":["'$BULKREQ'"]}'
scim_error 400 invalidSyntax "no Operations"
req GET /Bulk
scim_error 405 "" "GET /Bulk"
req GET /ServiceProviderConfig
json_is .bulk.supported true "bulk advertised"
json_is .bulk.maxOperations 5 "maxOperations advertised"
json_is .bulk.maxPayloadSize 8192 "maxPayloadSize advertised"

# --- ETags ------------------------------------------------------------------------
mkuser etag.user || bail "mkuser"
E=$UID_
req GET "/Users/$E"
V=$(hdr ETag)
is "$V" "$(jqr .meta.version)" "ETag header equals meta.version"
REQ_EXTRA=(-H "If-None-Match: $V")
req GET "/Users/$E"
is "$STATUS" 304 "If-None-Match with the current version: 304"
REQ_EXTRA=(-H 'If-None-Match: W/"nope"')
req GET "/Users/$E"
status_is 200 "If-None-Match with another version: 200"
REQ_EXTRA=(-H 'If-Match: W/"stale"')
req PATCH "/Users/$E" "$(patch_body '{"op":"replace","path":"title","value":"x"}')"
scim_error 412 "" "If-Match with a stale version"
REQ_EXTRA=(-H "If-Match: $V")
req PATCH "/Users/$E" "$(patch_body '{"op":"replace","path":"title","value":"x"}')"
status_is 200 "If-Match with the current version"
isnt "$(hdr ETag)" "$V" "the version changed"
REQ_EXTRA=(-H "If-Match: $V")
req DELETE "/Users/$E"
scim_error 412 "" "DELETE with the old version"
REQ_EXTRA=(-H "If-Match: *")
req DELETE "/Users/$E"
status_is 204 "DELETE with If-Match: *"

ctl verify
is "$CTL_RC" 0 "scimctl verify after bulk"
stop_scimd
is $? 0 "scimd stops cleanly"
done_testing
