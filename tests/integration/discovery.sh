#!/usr/bin/env bash
# Discovery endpoints (RFC 7644 section 4; docs/entra.md 5.9 and 7.8).
. "$(dirname "$0")/lib.sh"

start_scimd || bail "scimd did not start"

SPC=urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig
RTS=urn:ietf:params:scim:schemas:core:2.0:ResourceType
SCS=urn:ietf:params:scim:schemas:core:2.0:Schema

# --- ServiceProviderConfig ---------------------------------------------------------

req GET /ServiceProviderConfig
status_is 200 "GET /ServiceProviderConfig"
like "$CTYPE" '^application/scim\+json' "ServiceProviderConfig: Content-Type"
json_is ".schemas | index(\"$SPC\") != null" true "ServiceProviderConfig schema"
json_is .patch.supported true "patch.supported true"
json_is .filter.supported true "filter.supported true"
json_ok '.filter.maxResults | type == "number" and . > 0' "filter.maxResults is a positive number"
json_is .etag.supported true "etag.supported true"
json_is '.bulk.supported | type' boolean "bulk.supported is a boolean"
json_is '.sort.supported | type' boolean "sort.supported is a boolean"
json_is '.changePassword.supported | type' boolean "changePassword.supported is a boolean"
json_ok '.authenticationSchemes | type == "array" and length > 0' "authenticationSchemes is a non-empty array"
json_ok '[.authenticationSchemes[] | .type | ascii_downcase] | index("oauthbearertoken") != null' \
    "authenticationSchemes lists oauthbearertoken"
json_ok 'all(.authenticationSchemes[]; has("name") and has("description"))' \
    "every authentication scheme has name and description"

# --- ResourceTypes ------------------------------------------------------------------

req GET /ResourceTypes
status_is 200 "GET /ResourceTypes"
like "$CTYPE" '^application/scim\+json' "ResourceTypes: Content-Type"
json_is '.schemas[0]' "$LISTRESP" "ResourceTypes is a ListResponse"
json_is .totalResults 2 "two resource types"
json_is '[.Resources[].name] | sort' '["Group","User"]' "User and Group"
json_is '.Resources[] | select(.name == "User") | .endpoint' /Users "User endpoint /Users"
json_is '.Resources[] | select(.name == "User") | .schema' "$CORE_USER" "User core schema"
json_is ".Resources[] | select(.name == \"User\") | [.schemaExtensions[] | select(.schema == \"$ENT_USER\") | .required] | .[0]" \
    false "User lists the enterprise extension (required false)"
json_is '.Resources[] | select(.name == "Group") | .endpoint' /Groups "Group endpoint /Groups"
json_is '.Resources[] | select(.name == "Group") | .schema' "$CORE_GROUP" "Group core schema"
json_ok "all(.Resources[]; (.schemas | index(\"$RTS\")) != null)" "each ResourceType has the ResourceType schema"
json_ok 'all(.Resources[]; .meta.resourceType == "ResourceType")' "each ResourceType has meta.resourceType"

req GET /ResourceTypes/User
status_is 200 "GET /ResourceTypes/User"
json_is .name User "ResourceTypes/User: name"
json_is .endpoint /Users "ResourceTypes/User: endpoint"
json_is "[.schemaExtensions[].schema] | index(\"$ENT_USER\") != null" true "ResourceTypes/User: enterprise extension"
like "$(jqr .meta.location)" '/ResourceTypes/User$' "ResourceTypes/User: meta.location"
req GET /ResourceTypes/Group
status_is 200 "GET /ResourceTypes/Group"
json_is .name Group "ResourceTypes/Group: name"
req GET /ResourceTypes/Nope
scim_error 404 "" "unknown resource type"

# --- Schemas -------------------------------------------------------------------------

req GET /Schemas
status_is 200 "GET /Schemas"
like "$CTYPE" '^application/scim\+json' "Schemas: Content-Type"
json_is '.schemas[0]' "$LISTRESP" "Schemas is a ListResponse"
json_is "[.Resources[].id] | (index(\"$CORE_USER\") != null) and (index(\"$ENT_USER\") != null) and (index(\"$CORE_GROUP\") != null)" \
    true "Schemas lists User, EnterpriseUser and Group"
is "$(jqr .totalResults)" "$(jqr '.Resources | length')" "Schemas: totalResults == number of resources"
json_ok 'all(.Resources[]; .attributes | type == "array" and length > 0)' "every schema has attributes"
# every attribute, sub-attributes included
ATTR_OK='[.Resources[] | .attributes[] | recurse(.subAttributes[]?)] |
    map(select((has("name") and has("type") and has("multiValued") and has("required") and
        has("caseExact") and has("mutability") and has("returned") and has("uniqueness")) | not)) |
    map(.name)'
json_is "$ATTR_OK" '[]' "every attribute has name/type/multiValued/required/caseExact/mutability/returned/uniqueness"
json_is '[.Resources[] | .attributes[] | recurse(.subAttributes[]?) | .mutability] | unique - ["readOnly","readWrite","immutable","writeOnly"]' \
    '[]' "mutability values are RFC camelCase"
json_is '[.Resources[] | .attributes[] | recurse(.subAttributes[]?) | .type] | unique - ["string","boolean","decimal","integer","dateTime","reference","binary","complex"]' \
    '[]' "attribute types are RFC names"
json_is '[.. | select(. == null)] | length' 0 "no null values in /Schemas"
json_is ".Resources[] | select(.id == \"$CORE_USER\") | .attributes[] | select(.name == \"userName\") | [.required, .uniqueness, .caseExact] | tostring" \
    '[true,"server",false]' "userName: required, uniqueness server, caseExact false"
json_is ".Resources[] | select(.id == \"$CORE_USER\") | .attributes[] | select(.name == \"groups\") | .mutability" \
    readOnly "User.groups is readOnly"
json_is ".Resources[] | select(.id == \"$ENT_USER\") | .attributes[] | select(.name == \"manager\") | .type" \
    complex "enterprise manager is complex"
json_is ".Resources[] | select(.id == \"$CORE_GROUP\") | .attributes[] | select(.name == \"members\") | .multiValued" \
    true "Group.members is multi-valued"
json_is "[.Resources[] | select(.id == \"$CORE_USER\") | .attributes[].name] | (index(\"userName\") != null and index(\"emails\") != null and index(\"active\") != null)" \
    true "User schema has userName, emails, active"

req GET "/Schemas/$CORE_USER"
status_is 200 "GET /Schemas/<User urn>"
json_is .id "$CORE_USER" "Schemas/<User urn>: id"
json_is '[.attributes[].name] | index("userName") != null' true "Schemas/<User urn>: has userName"
req GET "/Schemas/$ENT_USER"
status_is 200 "GET /Schemas/<EnterpriseUser urn>"
json_is '[.attributes[].name] | (index("employeeNumber") != null and index("department") != null and index("manager") != null)' \
    true "EnterpriseUser: employeeNumber, department, manager"
req GET "/Schemas/$CORE_GROUP"
status_is 200 "GET /Schemas/<Group urn>"
json_is '[.attributes[].name] | index("displayName") != null' true "Group schema has displayName"
req GET "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Nope"
scim_error 404 "" "unknown schema"

# --- methods and authentication -----------------------------------------------------------

req POST /Schemas '{"schemas":["x"]}'
scim_error 405 "" "POST /Schemas"
req DELETE /ServiceProviderConfig
scim_error 405 "" "DELETE /ServiceProviderConfig"
for p in /ServiceProviderConfig /ResourceTypes /ResourceTypes/User /Schemas "/Schemas/$CORE_USER"; do
	NO_AUTH=1 req GET "$p"
	scim_error 401 "" "GET $p without a token"
	AUTH=wrong req GET "$p"
	scim_error 401 "" "GET $p with a wrong token"
done

ok "SIGTERM exits 0" stop_scimd

done_testing
