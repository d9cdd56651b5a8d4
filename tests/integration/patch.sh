#!/usr/bin/env bash
# User PATCH as Entra sends it (docs/entra.md 4.4-4.9, 5.10 and section 12),
# each result read back with GET.
. "$(dirname "$0")/lib.sh"

start_scimd || bail "scimd did not start"

# A user as Entra creates it (4.2).
req POST /Users '{"schemas":["'$CORE_USER'","'$ENT_USER'"],
 "externalId":"ext-1","userName":"patch.user@example.com","active":true,
 "emails":[{"primary":true,"type":"work","value":"old@example.com"}],
 "name":{"formatted":"Given Family","familyName":"Family","givenName":"Given"},
 "roles":[]}'
status_is 201 "create the user to patch"
ID=$(jqr .id)
get() { req GET "/Users/$ID"; }

# --- 4.4: capitalised Replace, filtered email path ----------------------------

req PATCH "/Users/$ID" "$(patch_body \
    '{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"}' \
    '{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}')"
status_is 200 "4.4 Replace emails[type eq work].value + name.familyName"
like "$CTYPE" '^application/scim\+json' "user PATCH answers with a SCIM body"
json_is .id "$ID" "user PATCH answers with the resource"
json_is '.emails[0].value' updatedEmail@microsoft.com "PATCH response shows the new email"
get
json_is '.emails | length' 1 "4.4: still one email"
json_is '.emails[0].value' updatedEmail@microsoft.com "4.4: email replaced"
json_is '.emails[0].type' work "4.4: email keeps type work"
json_is '.emails[0].primary' true "4.4: email keeps primary true"
json_is .name.familyName updatedFamilyName "4.4: familyName replaced"
json_is .name.givenName Given "4.4: givenName untouched"
req GET "/Users?filter=$(urlenc 'emails[type eq "work"].value eq "updatedEmail@microsoft.com"')"
json_is .totalResults 1 "4.4: filter finds the new work email"
req GET "/Users?filter=$(urlenc 'emails.value eq "old@example.com"')"
json_is .totalResults 0 "4.4: filter no longer finds the old email"

# --- 4.5: userName (the matching attribute) ------------------------------------

NEWNAME=5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com
req PATCH "/Users/$ID" "$(patch_body '{"op":"Replace","path":"userName","value":"'$NEWNAME'"}')"
status_is 200 "4.5 Replace userName"
req GET "/Users?filter=userName+eq+%22$NEWNAME%22"
json_is .totalResults 1 "4.5: filter by the new userName finds it"
json_is '.Resources[0].id' "$ID" "4.5: the right user"
req GET "/Users?filter=$(urlenc 'userName eq "patch.user@example.com"')"
json_is .totalResults 0 "4.5: the old userName is gone from the index"

req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"taken@example.com"}'
OTHER=$(jqr .id)
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"userName","value":"TAKEN@example.com"}')"
scim_error 409 uniqueness "PATCH to a taken userName (other case)"
get
json_is .userName "$NEWNAME" "409: userName unchanged"
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"patch.user@example.com"}'
status_is 201 "the old userName is free again"
REUSE=$(jqr .id)

# --- 4.6 default mode -------------------------------------------------------------

req PATCH "/Users/$ID" "$(patch_body '{"op":"Add","path":"nickName","value":"Babs"}')"
status_is 200 "4.6 Add nickName"
get
json_is .nickName Babs "4.6: nickName added"

req PATCH "/Users/$ID" "$(patch_body \
    '{"op":"Replace","path":"displayName","value":"Pvlo"}' \
    '{"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"}' \
    '{"op":"Replace","path":"name.givenName","value":"Gtfd"}' \
    '{"op":"Replace","path":"name.familyName","value":"Pkqf"}' \
    '{"op":"Replace","path":"externalId","value":"Eqpj"}' \
    '{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}')"
status_is 200 "4.6 six Replace ops incl. enterprise employeeNumber"
get
json_is .displayName Pvlo "4.6: displayName"
json_is '.emails[0].value' TestBcwqnm@test.microsoft.com "4.6: work email"
json_is .name.givenName Gtfd "4.6: name.givenName"
json_is .name.familyName Pkqf "4.6: name.familyName"
json_is .externalId Eqpj "4.6: externalId"
json_is ".[\"$ENT_USER\"].employeeNumber" Eqpj "4.6: enterprise employeeNumber under the extension key"
json_is ".schemas | index(\"$ENT_USER\") != null" true "4.6: extension URN listed in schemas"
req GET "/Users?filter=$(urlenc 'externalId eq "Eqpj"')"
json_is .totalResults 1 "4.6: filter by the new externalId"

req PATCH "/Users/$ID" "$(patch_body \
    '{"op":"Replace","path":"emails[type eq \"work\"].value","value":"AdeleV2@contoso.onmicrosoft.com"}' \
    '{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"18/2111"}' \
    '{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"}')"
status_is 200 "4.6 snipe-it body: address created by filter, department Add"
get
json_is '.emails[0].value' AdeleV2@contoso.onmicrosoft.com "4.6b: work email"
json_is '[.addresses[] | select(.type == "work")] | length' 1 "4.6b: one work address created"
json_is '.addresses[] | select(.type == "work") | .formatted' 18/2111 "4.6b: address formatted"
json_is ".[\"$ENT_USER\"].department" Retail "4.6b: department added"

# Default-mapping attribute-name case: .Value / .Formatted
req PATCH "/Users/$ID" "$(patch_body \
    '{"op":"Add","path":"emails[type eq \"other\"].Value","value":"proxy@example.com"}' \
    '{"op":"Replace","path":"addresses[type eq \"work\"].Formatted","value":"18/2112"}')"
status_is 200 "emails[type eq other].Value add (capital V) creates the element"
get
json_is '.emails | length' 2 "other email added beside work"
json_is '.emails[] | select(.type == "other") | .value' proxy@example.com "other email value (key stored as value)"
json_is '[.emails[] | keys[] | select(. == "Value")] | length' 0 "no literal Value key stored"
json_is '.addresses[] | select(.type == "work") | .formatted' 18/2112 "Formatted (capital F) replaced the address"
json_is '.emails[] | select(.type == "work") | .value' AdeleV2@contoso.onmicrosoft.com "work email untouched"

# --- replace/add on a filter that matches nothing creates the element (12.5) ------

req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"noemail@example.com"}'
NOE=$(jqr .id)
req PATCH "/Users/$NOE" "$(patch_body '{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}')"
status_is 200 "replace emails[type eq work].value on a user without emails"
req GET "/Users/$NOE"
json_is '.emails | length' 1 "replace created one email"
json_is '.emails[0].type' work "created email has type work"
json_is '.emails[0].value' new@example.com "created email has the value"
req PATCH "/Users/$NOE" "$(patch_body '{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}')"
status_is 200 "add phoneNumbers[type eq mobile].value creates the element"
req GET "/Users/$NOE"
json_is '.phoneNumbers[0].type' mobile "phone type mobile"
json_is '.phoneNumbers[0].value' "+1 555 0100" "phone number stored exactly as sent"
req GET "/Users?filter=$(urlenc 'emails[type eq "work"].value eq "new@example.com"')"
json_is .totalResults 1 "created email is indexed"

# --- 4.7 flag mode: path-less replace with dotted and URN keys ------------------------

req PATCH "/Users/$ID" "$(patch_body \
    '{"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"}' \
    '{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}')"
status_is 200 "4.7 path-less replace with dotted and URN keys"
get
json_is .displayName Bjfe "4.7: displayName"
json_is .name.givenName Kkom "4.7: name.givenName (dotted key)"
json_is .name.familyName Unua "4.7: name.familyName (dotted key)"
json_is .name.formatted "Given Family" "4.7: name merged, formatted kept"
json_is '[keys[] | select(startswith("urn:") | not) | select(contains("."))] | length' 0 "4.7: no literal dotted key stored"
json_is "[keys[] | select(startswith(\"$ENT_USER:\"))] | length" 0 "4.7: no literal URN:attribute key stored"
json_is ".[\"$ENT_USER\"].employeeNumber" Aklq "4.7: employeeNumber via URN key"
json_is ".[\"$ENT_USER\"].department" Retail "4.7: extension merged, department kept"
json_is '.emails[] | select(.type == "work") | .value' TestMhvaes@test.microsoft.com "4.7: work email"

req PATCH "/Users/$ID" "$(patch_body '{"op":"add","value":{"name.givenName":"John","name.familyName":"Doe","name.formatted":"John Doe"}}')"
status_is 200 "path-less add with dotted keys (scim-patch#132)"
get
json_is .name '{"formatted":"John Doe","familyName":"Doe","givenName":"John"}' "path-less add: name merged"
json_is .displayName Bjfe "path-less add: other attributes kept"

req PATCH "/Users/$ID" "$(patch_body '{"op":"add","path":"nickName","value":"Babs2"}')"
status_is 200 "4.7 add nickName (lower-case op)"
get
json_is .nickName Babs2 "4.7: nickName replaced by add"

req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"replace\",\"value\":{\"$ENT_USER\":{\"costCenter\":\"CC1\"}}}")"
status_is 200 "path-less replace with the extension object"
get
json_is ".[\"$ENT_USER\"].costCenter" CC1 "extension object: costCenter set"
json_is ".[\"$ENT_USER\"].department" Retail "extension object merged: department kept"

# --- 4.8 manager ------------------------------------------------------------------------

req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"boss@example.com"}'
BOSS=$(jqr .id)
req POST /Users '{"schemas":["'$CORE_USER'"],"userName":"boss2@example.com"}'
BOSS2=$(jqr .id)
req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"Add\",\"path\":\"$ENT_USER:manager\",\"value\":\"$BOSS\"}")"
status_is 200 "4.8 Add manager as a bare id"
get
json_is ".[\"$ENT_USER\"].manager.value" "$BOSS" "manager read back as {value: id} under the extension key"
json_is ".[\"$ENT_USER\"].manager | type" object "manager is a complex object, not a bare string"
json_is '.manager' null "no top-level manager key"
req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"replace\",\"path\":\"$ENT_USER:manager\",\"value\":\"$BOSS2\"}")"
status_is 200 "4.8 replace manager"
get
json_is ".[\"$ENT_USER\"].manager.value" "$BOSS2" "manager changed"
req GET "/Users?filter=$(urlenc "id eq \"$ID\" and $ENT_USER:manager.value eq \"$BOSS2\"")&attributes=id"
status_is 200 "reference check: id eq .. and <enterprise URN>:manager.value eq .."
json_is .totalResults 1 "reference check finds the user"
json_is '.Resources[0] | keys | map(select(. != "schemas" and . != "id")) | length' 0 "attributes=id: only id (and schemas) returned"
req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"replace\",\"path\":\"$ENT_USER:manager\",\"value\":\"\"}")"
status_is 200 "4.8 clear manager with \"\""
get
json_is "(.[\"$ENT_USER\"].manager.value // \"\")" "" "manager cleared (empty, null or absent)"
req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"Add\",\"path\":\"manager\",\"value\":[{\"\$ref\":\"http://x/scim/Users/$BOSS\",\"value\":\"$BOSS\"}]}")"
status_is 200 "older manager shape: path manager, value array"
get
json_is ".[\"$ENT_USER\"].manager.value" "$BOSS" "older shape stored under the extension key"

# --- 4.9 active as string booleans -------------------------------------------------------

req GET "/Users/$ID"
json_is .active true "user active before disable"
req PATCH "/Users/$ID" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
status_is 200 "4.9 Replace active \"False\""
json_is .active false "PATCH response: active false (JSON boolean)"
get
json_is .active false "active stored as boolean false"
json_is '.active | type' boolean "active is a JSON boolean"
req GET "/Users?filter=$(urlenc "userName eq \"$NEWNAME\"")"
json_is .totalResults 1 "disabled user still found by filter"
req PATCH "/Users/$ID" "$(patch_body '{"op":"Replace","path":"active","value":"True"}')"
status_is 200 "Replace active \"True\""
get
json_is .active true "re-enabled"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"active","value":"false"}')"
status_is 200 "replace active \"false\" (lower case)"
get
json_is .active false "lower-case string false"
req PATCH "/Users/$ID" "$(patch_body '{"op":"Add","path":"active","value":"True"}')"
status_is 200 "Add active \"True\" (rancher#54025)"
get
json_is .active true "Add active True"
req PATCH "/Users/$ID" "$(patch_body '{"op":"Add","path":"active","value":"False"}')"
status_is 200 "Add active \"False\""
get
json_is .active false "Add active False"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"active","value":true}')"
status_is 200 "replace active true (JSON boolean)"
get
json_is .active true "JSON boolean true"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","value":{"active":"False"}}')"
status_is 200 "path-less replace {active: \"False\"}"
get
json_is .active false "path-less string boolean"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"active","value":"maybe"}')"
scim_error 400 invalidValue "active \"maybe\""
req PATCH "/Users/$ID" "$(patch_body '{"op":"REPLACE","path":"active","value":"TRUE"}')"
status_is 200 "op REPLACE and value TRUE in upper case"
get
json_is .active true "upper-case TRUE"

# --- 5.10 validator: clear optional attributes with "" then null ----------------------------

req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"title","value":"Engineer"}')"
get
json_is .title Engineer "title set"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"title","value":""}')"
status_is 200 "5.10 clear title with \"\""
get
json_is '(.title // "")' "" "title empty or absent"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"title","value":null}')"
status_is 200 "5.10 clear title with null"
get
json_is .title null "title null or absent"
req PATCH "/Users/$ID" "$(patch_body "{\"op\":\"replace\",\"path\":\"$ENT_USER:department\",\"value\":\"\"}")"
status_is 200 "5.10 clear enterprise department with \"\""
get
json_is "(.[\"$ENT_USER\"].department // \"\")" "" "department empty or absent"
json_is ".[\"$ENT_USER\"].costCenter" CC1 "other extension attributes kept"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"emails[type eq \"work\"].value","value":""}')"
status_is 200 "5.10 clear emails[type eq work].value with \"\""
get
json_is '([.emails[]? | select(.type == "work") | .value // ""] | map(select(. != "")) | length)' 0 \
    "work email value empty or gone"
json_is '.emails[] | select(.type == "other") | .value' proxy@example.com "other email kept"

# --- errors --------------------------------------------------------------------------------------

req GET "/Users/$ID"
VER=$(jqr .meta.version)
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"id","value":"11111111-1111-4111-8111-111111111111"}')"
scim_error 400 mutability "PATCH readOnly id"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"meta.created","value":"2000-01-01T00:00:00Z"}')"
scim_error 400 "" "PATCH readOnly meta.created"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"favouriteColour","value":"blue"}')"
scim_error 400 invalidPath "PATCH unknown attribute path"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"emails[type eq \"work\".value","value":"x"}')"
scim_error 400 invalidPath "PATCH syntactically bad path"
req PATCH "/Users/$ID" "$(patch_body '{"op":"remove","path":"emails[type eq \"fax\"]"}')"
scim_error 400 noTarget "remove with a filter that matches nothing"
req PATCH "/Users/$ID" "$(patch_body '{"op":"frobnicate","path":"title","value":"x"}')"
scim_error 400 "" "unknown op"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"name","value":"x"}')"
scim_error 400 "" "wrong value type for name"
req PATCH "/Users/$ID" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":'
scim_error 400 invalidSyntax "malformed PATCH JSON"
req PATCH "/Users/$ID" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}'
scim_error 400 "" "PATCH without Operations"
req PATCH "/Users/00000000-0000-4000-8000-000000000000" "$(patch_body '{"op":"replace","path":"title","value":"x"}')"
scim_error 404 "" "PATCH an unknown id"
req GET "/Users/$ID"
json_is .meta.version "$VER" "failed PATCHes changed nothing"

# a PATCH that fails half-way applies nothing
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"displayName","value":"Half"}' \
    '{"op":"replace","path":"favouriteColour","value":"blue"}')"
scim_error 400 "" "second op invalid"
get
json_is .displayName Bjfe "invalid PATCH is atomic: first op not applied"

# --- no-op PATCH -------------------------------------------------------------------------

req GET "/Users/$ID"
VER=$(jqr .meta.version)
LM=$(jqr .meta.lastModified)
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"displayName","value":"Bjfe"}')"
status_is 200 "no-op PATCH"
json_is .meta.version "$VER" "no-op PATCH response: same meta.version"
get
json_is .meta.version "$VER" "no-op PATCH keeps meta.version"
json_is .meta.lastModified "$LM" "no-op PATCH keeps meta.lastModified"
req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"displayName","value":"Changed"}')"
isnt "$(jqr .meta.version)" "$VER" "a real change moves meta.version"
is "$(hdr ETag)" "$(jqr .meta.version)" "PATCH: ETag == meta.version"

# --- remove ---------------------------------------------------------------------------

req PATCH "/Users/$ID" "$(patch_body '{"op":"Remove","path":"nickName"}')"
status_is 200 "Remove nickName"
get
json_is .nickName null "nickName removed"
req PATCH "/Users/$ID" "$(patch_body '{"op":"remove","path":"emails[type eq \"other\"]"}')"
status_is 200 "remove emails[type eq other]"
get
json_is '[.emails[]? | select(.type == "other")] | length' 0 "other email removed"
req GET "/Users?filter=$(urlenc 'emails.value eq "proxy@example.com"')"
json_is .totalResults 0 "removed email no longer indexed"

# --- roles (AssertiveAppRoleAssignmentsComplex) ------------------------------------------

req PATCH "/Users/$ID" "$(patch_body '{"op":"replace","path":"roles","value":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]}')"
status_is 200 "replace roles with a value array"
get
json_is '.roles[0].value' Admin "role stored"

req PATCH "/Users/$ID" "$(patch_body '{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}')"
status_is 200 "Add roles with a JSON string inside value (AppRoleAssignmentsComplex)"
get
json_is '[.roles[].value] | index("{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}") != null' \
    true "role value stored verbatim as a string"

ctl verify
is "$CTL_RC" 0 "scimctl verify exits 0"
ok "SIGTERM exits 0" stop_scimd

done_testing
