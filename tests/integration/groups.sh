#!/usr/bin/env bash
# Groups as Entra provisions them (docs/entra.md section 5, 12.3).
. "$(dirname "$0")/lib.sh"

start_scimd || bail "scimd did not start"

ADSCIM=http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group

for n in 1 2 3 4; do
	mkuser "member$n@example.com" '"displayName":"Member '$n'"'
	eval "U$n=\$UID_"
done
ok "four users created" test -n "$U4"

# --- Test Connection and create (5.1, 5.2) --------------------------------------------

req GET "/Groups?excludedAttributes=members&filter=displayName+eq+%220ab3e0c4-8e2e-4c2f-8a86-3d6ff3e3c1b2%22"
status_is 200 "Test Connection on Groups"
like "$CTYPE" '^application/scim\+json' "Test Connection on Groups: Content-Type"
json_is .totalResults 0 "Test Connection on Groups: totalResults 0"
json_is '(.Resources // []) | length' 0 "Test Connection on Groups: no resources"

req POST /Groups '{"schemas":["'$CORE_GROUP'","'$ADSCIM'"],
 "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales Team","meta":{"resourceType":"Group"}}'
status_is 201 "create group with the ADSCIM schema URI"
G=$(jqr .id)
like "$G" "$UUID_RE" "group id is a UUID"
json_is '(.members // []) | length' 0 "new group: members [] or absent"
json_is .displayName "Sales Team" "displayName echoed"
json_is .externalId 8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159 "externalId echoed"
json_is .meta.resourceType Group "meta.resourceType Group"
is "$(hdr Location)" "$(jqr .meta.location)" "Location header == meta.location"
like "$(hdr Location)" "/Groups/$G\$" "Location ends in /Groups/<id>"

req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"SALES TEAM"}'
scim_error 409 uniqueness "duplicate displayName in another case"
like "$(jqr .detail)" "^displayName is already in use" "409 detail names displayName"
req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"Sales Team"}'
scim_error 409 uniqueness "duplicate displayName (validator: create duplicate group)"
req POST /Groups '{"schemas":["'$CORE_GROUP'"],"externalId":"no-name"}'
scim_error 400 invalidValue "group without displayName"

mkgroup "Other Group" || diag "could not create Other Group"
G2=$GID_

# --- match (5.1) ------------------------------------------------------------------------

req GET "/Groups?excludedAttributes=members&filter=$(urlenc 'displayName eq "sales team"')"
status_is 200 "filter displayName eq (other case) with excludedAttributes=members"
json_is .totalResults 1 "displayName filter is case-insensitive"
json_is '.Resources[0].id' "$G" "right group"
json_is '.Resources[0] | has("members")' false "excludedAttributes=members: no members key"
json_is '.Resources[0].displayName' "Sales Team" "displayName returned"

# --- add members (5.5) ----------------------------------------------------------------------

req PATCH "/Groups/$G" "$(patch_body '{"op":"Add","path":"members","value":[{"$ref":null,"value":"'$U1'"}]}')"
status_is 204 "Add one member (Entra shape with \$ref null)"
is "$BODY" "" "group PATCH 204: no body"
req PATCH "/Groups/$G" "$(patch_body '{"op":"Add","path":"members","value":[{"value":"'$U2'"},{"value":"'$U3'"},{"value":"'$U4'"}]}')"
status_is 204 "Add three members in one op"
req PATCH "/Groups/$G" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$U1'"},{"value":"'$U2'"}]}')"
status_is 204 "re-add existing members"
req GET "/Groups/$G"
status_is 200 "GET group"
json_is '.members | length' 4 "four members, re-adding did not duplicate"
json_is "[.members[].value] | sort == ([\"$U1\",\"$U2\",\"$U3\",\"$U4\"] | sort)" true "members are the four users"
json_is ".members[] | select(.value == \"$U1\") | .display" "Member 1" "member has display"
json_is ".members[] | select(.value == \"$U1\") | .type" User "member has type User"
like "$(jqr ".members[] | select(.value == \"$U1\") | .\"\$ref\"")" "/Users/$U1\$" "member \$ref points at the user"
req GET "/Groups/$G?excludedAttributes=members"
status_is 200 "5.3 GET group with excludedAttributes=members"
json_is 'has("members")' false "5.3: no members key"

# --- User.groups (derived, readOnly) ---------------------------------------------------------

req GET "/Users/$U1"
json_is '[.groups[].value]' "[\"$G\"]" "User GET shows groups"
json_is '.groups[0].display' "Sales Team" "groups[].display"
req PATCH "/Users/$U1" "$(patch_body '{"op":"add","path":"groups","value":[{"value":"'$G2'"}]}')"
scim_error 400 mutability "User.groups is readOnly (PATCH)"
req GET "/Users/$U1"
json_is '[.groups[].value]' "[\"$G\"]" "User.groups unchanged"

# --- filters on members -------------------------------------------------------------------

req GET "/Groups?filter=$(urlenc "members.value eq \"$U2\"")&excludedAttributes=members"
status_is 200 "Groups filter members.value eq"
json_is .totalResults 1 "members.value filter: one group"
json_is '.Resources[0].id' "$G" "members.value filter: right group"
req GET "/Groups?filter=$(urlenc "displayName eq \"Sales Team\" and members.value eq \"$U3\"")&attributes=id"
json_is .totalResults 1 "displayName and members.value"

# --- remove by value array (5.6, the classic Entra bug) --------------------------------------

req PATCH "/Groups/$G" "$(patch_body '{"op":"Remove","path":"members","value":[{"$ref":null,"value":"'$U1'"}]}')"
status_is 204 "Remove with a value array"
req GET "/Groups/$G"
json_is '.members | length' 3 "only the listed member removed, three stay"
json_is "[.members[].value] | index(\"$U1\")" null "removed member gone"
json_is "[.members[].value] | sort == ([\"$U2\",\"$U3\",\"$U4\"] | sort)" true "others stay"
req PATCH "/Groups/$G" "$(patch_body '{"op":"Remove","path":"members","value":[{"value":"'$U2'"},{"value":"'$U3'"}]}')"
status_is 204 "Remove two with a value array ([COMPAT] shape)"
req GET "/Groups/$G"
json_is '[.members[].value]' "[\"$U4\"]" "only U4 remains"
req PATCH "/Groups/$G" "$(patch_body '{"op":"Remove","path":"members","value":[{"value":"'$U1'"}]}')"
ok "removing a non-member does not fail" test "$STATUS" = 204 -o "$STATUS" = 200
req GET "/Groups/$G"
json_is '[.members[].value]' "[\"$U4\"]" "removing a non-member keeps the others"
req GET "/Users/$U1"
json_is '(.groups // []) | length' 0 "removed user no longer lists the group"

# --- remove with a filter path (5.7) --------------------------------------------------------

req PATCH "/Groups/$G" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$U1'"},{"value":"'$U2'"}]}')"
status_is 204 "add two back"
req PATCH "/Groups/$G" "$(patch_body '{"op":"remove","path":"members[value eq \"'$U2'\"]"}')"
status_is 204 "remove with members[value eq \"id\"]"
req GET "/Groups/$G"
json_is "[.members[].value] | sort == ([\"$U1\",\"$U4\"] | sort)" true "filter path removed only U2"

# --- member errors ------------------------------------------------------------------------

req PATCH "/Groups/$G" "$(patch_body '{"op":"add","path":"members","value":[{"value":"00000000-0000-4000-8000-000000000000"}]}')"
scim_error 400 invalidValue "adding a member that does not exist"
req PATCH "/Groups/$G" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$U3'"},{"value":"not-an-id"}]}')"
scim_error 400 invalidValue "one bad member in a batch"
req GET "/Groups/$G"
json_is "[.members[].value] | index(\"$U3\")" null "failed batch added nothing"
req PATCH "/Groups/$G" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$G'"}]}')"
scim_error 400 invalidValue "a group cannot contain itself"

# --- displayName (5.4) -----------------------------------------------------------------------

NEWG=1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName
req PATCH "/Groups/$G" "$(patch_body '{"op":"Replace","path":"displayName","value":"'$NEWG'"}')"
status_is 204 "5.4 Replace displayName"
req GET "/Groups?filter=$(urlenc "displayName eq \"$NEWG\"")&excludedAttributes=members"
json_is .totalResults 1 "filter by the new displayName finds it"
json_is '.Resources[0].id' "$G" "right group"
req GET "/Groups?filter=$(urlenc 'displayName eq "Sales Team"')"
json_is .totalResults 0 "old displayName no longer matches"
req GET "/Users/$U1"
json_is '.groups[0].display' "$NEWG" "User.groups display follows the rename"
req PATCH "/Groups/$G" "$(patch_body '{"op":"replace","path":"displayName","value":"other group"}')"
scim_error 409 uniqueness "PATCH displayName to a taken name"
req GET "/Groups/$G"
json_is '.members | length' 2 "members survive the displayName changes"

# --- delete a user: it leaves the group ---------------------------------------------------

req DELETE "/Users/$U4"
status_is 204 "delete member user"
req GET "/Groups/$G"
json_is "[.members[].value]" "[\"$U1\"]" "deleted user removed from the group"
req GET "/Groups?filter=$(urlenc "members.value eq \"$U4\"")"
json_is .totalResults 0 "deleted user's id no longer matches members.value"

# --- members at create, replace members, path-less add -------------------------------------

req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"Created With Members","members":[{"value":"'$U1'"},{"value":"'$U2'"}]}'
status_is 201 "create a group with members"
G3=$(jqr .id)
json_is "[.members[].value] | sort == ([\"$U1\",\"$U2\"] | sort)" true "create response lists both members"
req PATCH "/Groups/$G3" "$(patch_body '{"op":"Replace","path":"members","value":[{"value":"'$U3'"}]}')"
status_is 204 "Replace members with a value array"
req GET "/Groups/$G3"
json_is '[.members[].value]' "[\"$U3\"]" "Replace members: only the new list remains"
req PATCH "/Groups/$G3" "$(patch_body '{"op":"add","value":{"members":[{"value":"'$U1'"}]}}')"
status_is 204 "path-less add of members"
req GET "/Groups/$G3"
json_is "[.members[].value] | sort == ([\"$U1\",\"$U3\"] | sort)" true "path-less add kept the existing member"
req GET "/Users/$U1"
json_is '[.groups[].value] | length' 2 "a user in two groups lists both"
req DELETE "/Groups/$G3"
status_is 204 "delete that group"

# --- paging groups (5.10) ---------------------------------------------------------------------

req GET "/Groups?startIndex=1&count=1"
status_is 200 "GET /Groups?startIndex=1&count=1"
json_is .totalResults 2 "two groups"
json_is .itemsPerPage 1 "itemsPerPage 1"
req GET "/Groups?startIndex=2&count=5"
json_is .startIndex 2 "startIndex echoed"
json_is '.Resources | length' 1 "second page has one group"

# --- delete group (5.8) -----------------------------------------------------------------------

req DELETE "/Groups/$G"
status_is 204 "DELETE group"
req GET "/Groups/$G"
scim_error 404 "" "GET deleted group"
req DELETE "/Groups/$G"
scim_error 404 "" "second DELETE of the group"
req GET "/Users/$U1"
json_is '(.groups // []) | length' 0 "user no longer lists the deleted group"
req GET "/Users/$G"
scim_error 404 "" "a group id is not a user"
req POST /Groups '{"schemas":["'$CORE_GROUP'"],"displayName":"'$NEWG'"}'
status_is 201 "displayName of the deleted group can be reused"

ctl verify
is "$CTL_RC" 0 "scimctl verify exits 0"
ok "SIGTERM exits 0" stop_scimd

done_testing
