#!/bin/bash
# hostile.sh: malformed and hostile requests.  Every case asserts the exact
# status and, wherever scimd (not libevent) answers, the SCIM error body;
# after each group the server must still answer a normal request, and at the
# end nothing any rejected request sent may be stored and `scimctl verify`
# must pass.  Cases that libevent answers itself (malformed request lines,
# bad Content-Length, broken chunking) get an HTML page from evhttp 2.1.12
# that scimd cannot replace; those assert the status and that the
# connection is closed.
. "$(dirname "$0")/lib.sh"

command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
trap '' PIPE		# raw writes to connections scimd already closed

# 96K is under the 100 KB strings below, over a body with 5,000 e-mails.
start_scimd "max_body = 96K" "bulk_max_payload = 96K" "timeout = 2s" \
    "max_url = 8K" "max_headers = 16K" ||
    bail "scimd did not start"
[ "$NEW_TOKEN" = 1 ] || bail "no token printed"

PO=$PATCHOP
big100k=$(head -c 102400 /dev/zero | tr '\0' a)

# bad METHOD PATH [BODY] STATUS SCIMTYPE DESC: one hostile case (no BODY
# argument, or an empty one, sends no body)
bad()
{
	if [ $# -eq 5 ]; then
		req "$1" "$2"
		scim_error "$3" "$4" "$5"
		return
	fi
	if [ -n "$3" ]; then
		req "$1" "$2" "$3"
	else
		req "$1" "$2"
	fi
	scim_error "$4" "$5" "$6"
}

# alive DESC: the server still answers a normal request
alive()
{
	req GET "/Users?count=1"
	is "$STATUS" 200 "still serving after $1"
}

ok "a baseline user" mkuser baseline
BASE_ID=$UID_
mkgroup basegroup || bail "no group"
GROUP_ID=$GID_

# --- 1. broken and truncated JSON --------------------------------------------

user='{"schemas":["'$CORE_USER'"],"userName":"trunc","name":{"givenName":"A"},"emails":[{"value":"a@b.c","primary":true}]}'
n=0
for cut in 1 2 10 25 40 60 80 95 $((${#user} - 1)); do
	n=$((n + 1))
	bad POST /Users "${user:0:$cut}" 400 invalidSyntax "truncated JSON at byte $cut"
done
bad POST /Users '{' 400 invalidSyntax "lone brace"
bad POST /Users '}' 400 invalidSyntax "lone closing brace"
bad POST /Users '[]' 400 invalidSyntax "array instead of object"
bad POST /Users '"user"' 400 invalidSyntax "string instead of object"
bad POST /Users '42' 400 invalidSyntax "number instead of object"
bad POST /Users 'null' 400 invalidSyntax "null instead of object"
bad POST /Users 'true' 400 invalidSyntax "bool instead of object"
bad POST /Users '{"userName":"x",}' 400 invalidSyntax "trailing comma"
bad POST /Users "{'userName':'x'}" 400 invalidSyntax "single quotes"
bad POST /Users '{userName:"x"}' 400 invalidSyntax "unquoted key"
bad POST /Users '{"userName":"x"}{"userName":"y"}' 400 invalidSyntax "two documents"
bad POST /Users '{"userName":"x"} garbage' 400 invalidSyntax "trailing garbage"
bad POST /Users '{"userName":"x" "active":true}' 400 invalidSyntax "missing comma"
bad POST /Users '{"userName":"x\q"}' 400 invalidSyntax "bad escape"
bad POST /Users '{"userName":"\ud800' 400 invalidSyntax "truncated surrogate escape"
bad POST /Users '{"userName":"x","active":tru}' 400 invalidSyntax "misspelt literal"
bad POST /Users '{"userName":"x","n":01}' 400 invalidSyntax "leading zero"
bad POST /Users '{"userName":"x","n":NaN}' 400 invalidSyntax "NaN"
bad POST /Users '{"userName":"x","n":1e99999}' 400 "" "number out of range"
bad POST /Users '/* c */{"userName":"x"}' 400 invalidSyntax "comment"
bad POST /Users "$(printf '{"userName":"a\tb"}')" 400 invalidSyntax "raw control character in a string"
bad POST /Users ' ' 400 invalidSyntax "whitespace only"
REQ_EXTRA=(-H 'Content-Length: 0')
bad POST /Users '' 400 invalidSyntax "empty body"
alive "broken JSON"

# --- 2. deep nesting ------------------------------------------------------------

deep=$(printf '[%.0s' $(seq 10000))
bad POST /Users "$deep" 400 invalidSyntax "10,000 nested arrays, unterminated"
deep="{\"schemas\":[\"$CORE_USER\"],\"userName\":\"deep\",\"x\":$(printf '[%.0s' $(seq 10000))$(printf ']%.0s' $(seq 10000))}"
bad POST /Users "$deep" 400 invalidSyntax "10,000 nested arrays, balanced"
deep=$(printf '{"a":%.0s' $(seq 10000))1$(printf '}%.0s' $(seq 10000))
bad POST /Users "$deep" 400 invalidSyntax "10,000 nested objects"
deep=$(printf '{"a":%.0s' $(seq 40))1$(printf '}%.0s' $(seq 40))
bad POST /Users "$deep" 400 invalidSyntax "40 levels (over json_max_depth 32)"
bad PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"add\",\"value\":$(printf '[%.0s' $(seq 5000))$(printf ']%.0s' $(seq 5000))}]}" \
    400 invalidSyntax "PATCH value nested 5,000 deep"
bad POST /Bulk "{\"Operations\":$(printf '[%.0s' $(seq 10000))}" 400 invalidSyntax "Bulk nested 10,000 deep"
bad POST /Users/.search "{\"filter\":$(printf '[%.0s' $(seq 10000))}" 400 invalidSyntax ".search nested 10,000 deep"
alive "deep nesting"

# --- 3. bodies over max_body ------------------------------------------------

printf '{"schemas":["%s"],"userName":"big","displayName":"%s"}' \
    "$CORE_USER" "$big100k" > "$SCIM_TMP/big.json"
bad POST /Users "@$SCIM_TMP/big.json" 413 "" "100 KB displayName (body over max_body)"
printf '{"schemas":["%s"],"userName":"%s"}' "$CORE_USER" "$big100k" > "$SCIM_TMP/big.json"
bad POST /Users "@$SCIM_TMP/big.json" 413 "" "100 KB userName"
bad PUT "/Users/$BASE_ID" "@$SCIM_TMP/big.json" 413 "" "100 KB userName in PUT"
printf '{"schemas":["%s"],"Operations":[{"op":"replace","path":"displayName","value":"%s"}]}' \
    "$PO" "$big100k" > "$SCIM_TMP/big.json"
bad PATCH "/Users/$BASE_ID" "@$SCIM_TMP/big.json" 413 "" "100 KB PATCH value"
printf '{"Operations":[{"method":"POST","path":"/Users","data":{"userName":"%s"}}]}' \
    "$big100k" > "$SCIM_TMP/big.json"
bad POST /Bulk "@$SCIM_TMP/big.json" 413 "" "100 KB Bulk payload"
printf '{"filter":"userName eq \\"%s\\""}' "$big100k" > "$SCIM_TMP/big.json"
bad POST /Users/.search "@$SCIM_TMP/big.json" 413 "" "100 KB .search body"
head -c 400000 /dev/zero | tr '\0' ' ' > "$SCIM_TMP/big.json"
bad POST /Users "@$SCIM_TMP/big.json" 413 "" "400 KB of spaces (over evhttp's own limit)"
alive "oversized bodies"

# big but legal: stored whole and read back (not a hostile reject)
v60k=$(head -c 60000 /dev/zero | tr '\0' b)
ok "60 KB displayName under max_body is accepted" mkuser "bigname" "\"displayName\":\"$v60k\""
BIG_ID=$UID_
req GET "/Users/$BIG_ID"
is "$(jqr '.displayName | length')" 60000 "60 KB displayName read back whole"

# --- 4. invalid UTF-8 and NUL bytes --------------------------------------------

utf8bad()
{
	printf '{"schemas":["%s"],"userName":"' "$CORE_USER" > "$SCIM_TMP/u8.json"
	printf "$1" >> "$SCIM_TMP/u8.json"
	printf '"}' >> "$SCIM_TMP/u8.json"
	bad POST /Users "@$SCIM_TMP/u8.json" 400 invalidSyntax "$2"
}
utf8bad 'a\xffb' "byte 0xFF"
utf8bad 'a\xc3' "truncated 2-byte sequence"
utf8bad 'a\xc0\xaf' "overlong slash"
utf8bad 'a\xe0\x80\xaf' "overlong 3-byte"
utf8bad 'a\xed\xa0\x80' "UTF-8 encoded surrogate"
utf8bad 'a\xf4\x90\x80\x80' "code point over U+10FFFF"
utf8bad 'a\x80b' "lone continuation byte"
utf8bad 'a\xf8\x88\x80\x80\x80' "5-byte sequence"
utf8bad 'a\x00b' "raw NUL byte in a string"
printf '{"schemas":["%s"],"userName":"nul"}\000' "$CORE_USER" > "$SCIM_TMP/u8.json"
bad POST /Users "@$SCIM_TMP/u8.json" 400 invalidSyntax "raw NUL after the document"
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"a\\u0000b\"}" 400 invalidValue "\\u0000 in userName"
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"nul2\",\"displayName\":\"\\u0000\"}" 400 invalidValue "\\u0000 in displayName"
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"nul3\",\"emails\":[{\"value\":\"a\\u0000@b.c\"}]}" 400 invalidValue "\\u0000 in emails.value"
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"nul4\",\"name\":{\"givenName\":\"x\\u0000\"}}" 400 invalidValue "\\u0000 in name.givenName"
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"nul5\",\"a\\u0000b\":1}" 400 "" "\\u0000 in an attribute name"
bad PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"x\\u0000y\"}]}" \
    400 invalidValue "\\u0000 in a PATCH value"
bad PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"display\\u0000Name\",\"value\":\"x\"}]}" \
    400 invalidPath "\\u0000 in a PATCH path"
# RFC 7644 3.12: a bad filter is invalidFilter, other parameters and paths
# invalidValue
bad GET "/Users?filter=userName%20eq%20%22a%00b%22" 400 invalidFilter "RFC 7644 3.12: %00 in a filter"
bad GET "/Users?count=1%00" 400 invalidValue "RFC 7644 3.12: %00 in count"
bad GET "/Users?attributes=userName%00" 400 invalidValue "RFC 7644 3.12: %00 in attributes"
bad GET "/Users?fil%00ter=x" 400 invalidValue "RFC 7644 3.12: %00 in a parameter name"
bad GET "/Users/abc%00def" 400 invalidValue "RFC 7644 3.12: %00 in the path"
alive "bad UTF-8 and NUL"

# --- 5. every core User attribute with the wrong type -----------------------

wrong()
{
	bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"wt$((++_wt))\",$1}" 400 invalidValue "wrong type: $1"
}
_wt=0
for v in 42 '["a"]' '{"a":1}' true null; do
	bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":$v}" 400 invalidValue "wrong type: userName $v"
done
wrong '"name":"Barbara"'
wrong '"name":["a"]'
wrong '"name":{"givenName":1}'
wrong '"name":{"familyName":["x"]}'
wrong '"name":{"formatted":{"a":1}}'
wrong '"displayName":5'
wrong '"displayName":["x"]'
wrong '"nickName":{"a":1}'
wrong '"profileUrl":7'
wrong '"title":true'
wrong '"userType":[1]'
wrong '"preferredLanguage":1.5'
wrong '"locale":{"x":1}'
wrong '"timezone":[]'
wrong '"active":"yes"'
wrong '"active":1'
wrong '"active":"maybe"'
wrong '"active":[true]'
wrong '"password":42'
wrong '"externalId":12'
wrong '"emails":{"value":"a@b.c"}'
wrong '"emails":"a@b.c"'
wrong '"emails":["a@b.c","c@d.e"]'
wrong '"emails":[{"value":7}]'
wrong '"emails":[{"value":"a@b.c","primary":"yes"}]'
wrong '"emails":[{"value":"a@b.c","type":5}]'
wrong '"emails":[[{"value":"a@b.c"}]]'
wrong '"phoneNumbers":"555"'
wrong '"phoneNumbers":[555]'
wrong '"ims":{"value":"x"}'
wrong '"photos":[{"value":1}]'
wrong '"addresses":"Main St"'
wrong '"addresses":[{"streetAddress":5}]'
wrong '"addresses":[{"primary":"no"}]'
wrong '"entitlements":[true]'
wrong '"roles":{"value":"r"}'
wrong '"x509Certificates":"MIIB"'
wrong "\"$ENT_USER\":\"x\""
wrong "\"$ENT_USER\":{\"employeeNumber\":5}"
wrong "\"$ENT_USER\":{\"manager\":[\"abc\"]}"
wrong "\"$ENT_USER\":{\"manager\":{\"value\":5}}"
bad POST /Users '{"schemas":"'$CORE_USER'","userName":"s1"}' 400 "" "wrong type: schemas a string"
bad POST /Users '{"schemas":[5],"userName":"s2"}' 400 "" "wrong type: schemas [5]"
bad POST /Users '{"schemas":[{"a":1}],"userName":"s3"}' 400 "" "wrong type: schemas [object]"
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":5}" 400 invalidValue "wrong type: Group displayName 5"
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"g1\",\"members\":{\"value\":\"$BASE_ID\"}}" 400 invalidValue "wrong type: members object"
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"g2\",\"members\":[\"$BASE_ID\"]}" 400 invalidValue "wrong type: members [string]"
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"g3\",\"members\":[{\"value\":5}]}" 400 invalidValue "wrong type: members value 5"
alive "wrong types"

# --- 6. thousands of values in one attribute ------------------------------------

vals=$(for i in $(seq 5000); do printf '{"value":%d},' "$i"; done)
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"many1\",\"emails\":[${vals%,}]}" 400 invalidValue "5,000 e-mails of the wrong type"
vals=$(for i in $(seq 5000); do printf '"%d",' "$i"; done)
bad POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"many2\",\"phoneNumbers\":[${vals%,}]}" 400 invalidValue "5,000 bare phone numbers"
vals=$(for i in $(seq 5000); do printf '%d,' "$i"; done)
bad POST /Users "{\"schemas\":[${vals%,}],\"userName\":\"many3\"}" 400 "" "5,000 numbers as schemas"
vals=$(for i in $(seq 5000); do printf '{"value":"nouser-%d"},' "$i"; done)
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"many4\",\"members\":[${vals%,}]}" 413 "" "5,000 members over max_body"
vals=$(for i in $(seq 5000); do printf '{"value":"u%d"},' "$i"; done)
bad POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"many5\",\"members\":[${vals%,}]}" 400 invalidValue "5,000 members that do not exist"
ops=$(for i in $(seq 1001); do printf '{"op":"add","path":"nickName","value":"n"},'; done)
bad PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[${ops%,}]}" 400 invalidValue "RFC 7644 3.12: 1,001 PATCH operations (over max_patch_operations; tooMany is for filters)"
ops=$(for i in $(seq 1001); do printf '{"method":"DELETE","path":"/Users/x%d"},' "$i"; done)
bad POST /Bulk "{\"Operations\":[${ops%,}]}" 413 "" "1,001 Bulk operations"
vals=$(for i in $(seq 5000); do printf '{"value":"%d"},' "$i"; done)
ok "5,000 valid e-mails under max_body are accepted" mkuser many6 "\"emails\":[${vals%,}]"
MANY_ID=$UID_
req GET "/Users/$MANY_ID"
is "$(jqr '.emails | length')" 5000 "5,000 e-mails read back"
alive "many values"

# --- 7. filter bombs ----------------------------------------------------------------

f()
{
	req GET "/Users?filter=$(urlenc "$1")"
	scim_error 400 invalidFilter "$2"
}
req POST /Users/.search "{\"filter\":\"$(printf '(%.0s' $(seq 10000))userName eq \\\"x\\\"$(printf ')%.0s' $(seq 10000))\"}"
scim_error 400 invalidFilter ".search: 10,000 nested parentheses"
f "$(printf '(%.0s' $(seq 100))userName eq \"x\"$(printf ')%.0s' $(seq 100))" "100 nested parentheses"
f "$(printf 'not(%.0s' $(seq 100))userName eq \"x\"$(printf ')%.0s' $(seq 100))" "100 nested not()"
f "emails[$(printf 'value[%.0s' $(seq 50))type eq \"x\"$(printf ']%.0s' $(seq 50))]" "nested value paths"
terms=$(for i in $(seq 200); do printf 'userName eq "u%d" or ' "$i"; done)
f "${terms% or }" "200 or-terms (over filter_max_terms)"
terms=$(for i in $(seq 100); do printf 'userName eq "u%d" and ' "$i"; done)
f "${terms% and }" "100 and-terms"
f "userName eq \"$(head -c 5000 /dev/zero | tr '\0' x)\"" "5,000-byte literal"
f 'userName eq "abc' "unterminated string"
f 'userName eq "abc\' "unterminated string ending in a backslash"
f 'userName eq' "missing value"
f 'eq "x"' "missing attribute"
f 'userName xx "x"' "unknown operator"
f 'userName eq "x" and' "dangling and"
f 'userName eq "x" or or userName eq "y"' "double or"
f '(userName eq "x"' "unclosed parenthesis"
f 'userName eq "x")' "stray closing parenthesis"
f 'emails[type eq "work"' "unclosed bracket"
f 'emails[]' "empty value path"
f 'userName pr pr' "trailing tokens"
req GET "/Users?filter=$(urlenc 'userName eq "baseline\u0000"')"
is "$(jqr .totalResults)" 0 "escaped NUL in a filter literal never matches (baseline exists)"
f 'userName eq 1e999999' "huge number"
f 'userName eq 123456789012345678901234567890' "30-digit number"
f 'meta.lastModified gt "not a date"' "bad date literal"
f 'userName gt true' "boolean with gt"
f '"x" eq userName' "literal on the left"
f '' "empty filter"
req GET "/Users?filter=$(urlenc 'userName eq "x"')&filter=$(urlenc 'bogus')"
isnt "$STATUS" 500 "two filter parameters: no 5xx"
req POST /Users/.search "{\"filter\":\"$(printf '(%.0s' $(seq 1000))\"}"
scim_error 400 invalidFilter ".search with 1,000 open parentheses"
req POST /Users/.search "{\"filter\":5}"
scim_error 400 "" ".search with a numeric filter"
req POST /Users/.search "{\"filter\":\"$(head -c 60000 /dev/zero | tr '\0' '(')\"}"
scim_error 400 invalidFilter ".search with a 60 KB filter"
alive "filter bombs"

# --- 8. bad PATCH documents and paths ---------------------------------------------

p()
{
	req PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[$1]}"
	scim_error 400 "$2" "PATCH: $3"
}
p '{"op":"replace","path":"emails[type eq]","value":"x"}' invalidFilter "broken value filter"
p '{"op":"replace","path":"emails[type eq \"w\"].nope.x","value":"x"}' invalidPath "three-level path"
p '{"op":"replace","path":"name..givenName","value":"x"}' invalidPath "empty path segment"
p '{"op":"replace","path":"","value":"x"}' invalidPath "empty path"
p '{"op":"replace","path":"unknownAttr","value":"x"}' invalidPath "unknown attribute"
p '{"op":"replace","path":"emails[value eq \"x\"","value":"x"}' invalidPath "unclosed bracket"
p '{"op":"replace","path":5,"value":"x"}' invalidPath "numeric path"
p '{"op":"replace","path":"urn:bad:schema:attr","value":"x"}' invalidPath "unknown schema URN"
p '{"op":"replace","path":"id","value":"x"}' mutability "id"
p '{"op":"replace","path":"meta.created","value":"x"}' mutability "meta.created"
p '{"op":"add","path":"groups","value":[{"value":"x"}]}' mutability "groups"
p '{"op":"frob","path":"userName","value":"x"}' invalidSyntax "unknown op"
p '{"op":5,"path":"userName","value":"x"}' invalidSyntax "numeric op"
p '{"path":"userName","value":"x"}' invalidSyntax "missing op"
p '{"op":"remove"}' noTarget "remove without a path"
p '{"op":"add","path":"userName"}' invalidValue "add without a value"
p '{"op":"replace","path":"userName","value":5}' invalidValue "userName to a number"
p '{"op":"replace","path":"active","value":"yes"}' invalidValue "active to a string"
p '{"op":"add","value":"x"}' invalidValue "pathless add with a string value"
p '{"op":"replace","path":"emails[type eq \"work\"].value","value":[1]}' invalidValue "sub-attribute to an array"
p '"op"' invalidSyntax "operation that is a string"
req PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"]}"
scim_error 400 invalidSyntax "PATCH: no Operations"
req PATCH "/Users/$BASE_ID" '{"Operations":[]}'
scim_error 400 invalidSyntax "PATCH: no schemas"
req PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":{}}"
scim_error 400 invalidSyntax "PATCH: Operations an object"
req PATCH "/Users/$BASE_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[]}"
scim_error 400 invalidSyntax "PATCH: empty Operations"
req PATCH "/Groups/$GROUP_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"no-such-user\"}]}]}"
scim_error 400 invalidValue "PATCH: add a member that does not exist"
req PATCH "/Groups/$GROUP_ID" "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq\"}]}"
scim_error 400 invalidPath "PATCH: broken member filter"
req PATCH /Users/no-such-id "{\"schemas\":[\"$PO\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]}"
scim_error 404 "" "PATCH: unknown id"
alive "bad PATCH"

# --- 9. bad paging and query parameters -----------------------------------------

q()
{
	req GET "/Users?$1"
	scim_error 400 "$2" "query: $1"
}
q "count=abc" invalidValue
q "count=1.5" invalidValue
q "count=99999999999999999999" invalidValue
q "count=0x10" invalidValue
q "count=" invalidValue
q "startIndex=abc" invalidValue
q "startIndex=1e3" invalidValue
q "startIndex=99999999999999999999" invalidValue
q "sortOrder=sideways" invalidValue
q "sortBy=$(urlenc 'emails[type eq')" invalidValue
q "sortBy=nosuchattribute" invalidValue
q "cursor=not-a-cursor" invalidCursor
q "filter=%ZZ" invalidFilter
q "count=%" invalidValue
req GET "/Users?count=-5"
is "$STATUS" 200 "negative count is clamped to 0 (RFC 7644 3.4.2.4)"
is "$(jqr '.Resources | length')" 0 "negative count: no resources"
req GET "/Users?startIndex=-3"
is "$(jqr .startIndex)" 1 "startIndex below 1 is treated as 1"
req GET "/Users?count=100000000"
is "$STATUS" 200 "count over max_page_size is clamped"
alive "bad query parameters"

# --- 10. URLs: traversal, NUL, encodings, length -------------------------------------

bad GET /../etc/passwd 404 "" "path traversal /scim/v2/../etc/passwd"
REQ_EXTRA=(--path-as-is)
bad GET /../../../etc/passwd 404 "" "path traversal, --path-as-is"
REQ_EXTRA=(--path-as-is)
bad GET /Users/../../../etc/passwd 404 "" "traversal below /Users"
bad GET /%2e%2e/%2e%2e/etc/passwd 404 "" "%2e%2e traversal"
bad GET /Users/%2e%2e%2f%2e%2e%2fetc%2fpasswd 404 "" "%2f-encoded traversal in an id"
bad GET /Users/..%5c..%5cetc 404 "" "backslash traversal"
bad GET "$ROOT/etc/passwd" 404 "" "path outside /scim/v2"
bad GET "$ROOT/scim/v2%00/Users" 400 invalidValue "RFC 7644 3.12: %00 in the prefix"
bad GET "$ROOT/scim/v2/Users%00.json" 400 invalidValue "RFC 7644 3.12: %00 after the endpoint"
bad GET "$ROOT/scim/v2/Users/%" 404 "" "lone % in an id is taken literally"
bad GET "$ROOT/scim/v2/Users/%zz" 404 "" "%zz in an id is taken literally"
bad GET "$ROOT/scim/v3/Users" 404 "" "wrong version prefix"
bad GET "$ROOT/scim/v2x/Users" 404 "" "prefix look-alike"
bad GET "$ROOT/SCIM/V2/Users" 404 "" "upper-case prefix"
bad GET /Users/a/b 404 "" "three segments"
bad GET "/Users/$BASE_ID/emails" 404 "" "sub-resource path"
bad GET /Widgets 404 "" "unknown resource type"
bad GET /Me 501 "" "/Me is not implemented"
bad GET "/Users?$(head -c 9000 /dev/zero | tr '\0' a)" 400 invalidValue "RFC 7644 3.12: URL over max_url"
bad GET "/Users/$(head -c 10240 /dev/zero | tr '\0' a)" 400 invalidValue "RFC 7644 3.12: 10 KB id (over max_url)"
bad GET "/Users?attributes=$(head -c 10000 /dev/zero | tr '\0' ,)" 400 invalidValue \
    "RFC 7644 3.12: attributes= with 10,000 commas (over max_url)"
bad GET "/Users?filter=$(urlenc "$(printf '(%.0s' $(seq 5000))userName eq \"x\"$(printf ')%.0s' $(seq 5000))")" \
    400 invalidFilter "RFC 7644 3.12: filter nested 5,000 deep (over max_url and filter_max_length)"
bad GET "/Users?filter=$(urlenc "$(printf '(%.0s' $(seq 17))userName eq \"x\"$(printf ')%.0s' $(seq 17))")" \
    400 invalidFilter "RFC 7644 3.12: filter nested one past the depth limit"
# evhttp counts the request line as a header: its bound is now above
# max_url + max_headers, so scimd answers this itself
bad GET "/Users/$(head -c 100000 /dev/zero | tr '\0' a)" 400 invalidValue \
    "RFC 7644 3.12: 100 KB id (over max_url, a SCIM error rather than evhttp's page)"
bad GET "/Users/$(head -c 300 /dev/zero | tr '\0' a)" 404 "" "300-byte id"
bad GET "/Users/$(printf '%%ff%%fe')" 404 "" "invalid UTF-8 in an id"
alive "URL games"

# --- 11. methods --------------------------------------------------------------------

bad TRACE /Users "" 405 "" "TRACE on a collection"
is "$(hdr Allow)" "GET, POST" "TRACE: Allow header"
bad OPTIONS /Users "" 405 "" "OPTIONS on a collection"
bad OPTIONS "/Users/$BASE_ID" "" 405 "" "OPTIONS on a resource"
bad DELETE /Users "" 405 "" "DELETE on a collection"
bad PUT /Users '{}' 405 "" "PUT on a collection"
bad POST "/Users/$BASE_ID" '{}' 405 "" "POST on a resource"
bad GET /Bulk "" 405 "" "GET /Bulk"
bad PUT /ServiceProviderConfig '{}' 405 "" "PUT on discovery"
bad DELETE "$ROOT/healthz" "" 405 "" "DELETE /healthz"
bad GET /.search "" 405 "" "GET /.search"
# CONNECT's target is an authority, not a path: evhttp hands scimd no path
bad CONNECT /Users "" 404 "" "CONNECT (no path)"
# unknown methods reach scimd too (server.c allows evhttp's "unknown" bit)
for m in FOO PROPFIND MKCOL; do
	bad "$m" /Users 405 "" "unknown method $m"
done
alive "odd methods"

# --- 12. headers -----------------------------------------------------------------------

NO_AUTH=1
bad GET /Users "" 401 "" "no Authorization"
NO_AUTH=
REQ_EXTRA=(-H "Authorization: Bearer $TOKEN")
bad GET /Users "" 401 "" "two Authorization headers, both valid"
REQ_EXTRA=(-H "Authorization: Bearer nope")
bad GET /Users "" 401 "" "two Authorization headers, one wrong"
AUTH="$TOKEN$TOKEN"
bad GET /Users "" 401 "" "token doubled"
AUTH="$(head -c 8000 /dev/zero | tr '\0' t)"
bad GET /Users "" 401 "" "8 KB token"
AUTH=$'\x01\x02\x03'
bad GET /Users "" 401 "" "control bytes in the token"
unset AUTH
CT=text/plain
bad POST /Users '{"userName":"ct"}' 415 "" "text/plain body"
CT=application/x-www-form-urlencoded
bad POST /Users 'userName=ct' 415 "" "form body"
CT='application/scim+json; charset=utf-8'
REQ_EXTRA=(-H 'Content-Type: application/json')
bad POST /Users 'x' 400 invalidSyntax "two Content-Type headers"
REQ_EXTRA=(-H 'Host: evil.example"><script>')
req GET "/Users/$BASE_ID"
unlike "$(jqr .meta.location)" 'evil|script' "odd Host header is not echoed"
REQ_EXTRA=(-H "X-Pad: $(head -c 10000 /dev/zero | tr '\0' p)")
req GET /Users
is "$STATUS" 200 "10 KB header under max_headers"
alive "header games"

# --- 13. raw requests: framing that curl will not send -----------------------------------

# raw BYTES DESC: send printf-%b BYTES on a fresh connection; RSTATUS, RBODY,
# RCLOSED (1 if the server closed the connection within 5 s).
raw()
{
	local fd out=$SCIM_TMP/raw.out
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { RSTATUS=000; return; }
	printf '%b' "$1" >&$fd 2>/dev/null
	timeout 5 cat <&$fd > "$out" 2>/dev/null
	RCLOSED=$([ $? -eq 124 ] && echo 0 || echo 1)
	exec {fd}>&-
	RSTATUS=$(head -n 1 "$out" | tr -d '\r' | awk '{ print $2 }')
	RCTYPE=$(tr -d '\r' < "$out" | awk -F': ' 'tolower($1) == "content-type" { print $2; exit }')
	RBODY=$(tr -d '\r' < "$out" | sed '1,/^$/d')
}
H="Host: x\r\nAuthorization: Bearer $TOKEN\r\nConnection: close\r\n"
raw_scim()
{
	raw "$1"
	is "$RSTATUS" "$2" "raw: $3 (status $2)"
	like "$RCTYPE" '^application/scim\+json' "raw: $3: SCIM Content-Type"
	is "$(jqr .status "$RBODY")" "$2" "raw: $3: SCIM error body"
}
raw_evhttp()
{
	raw "$1"
	is "$RSTATUS" "$2" "raw: $3 (status $2 from evhttp)"
	is "$RCLOSED" 1 "raw: $3: connection closed"
}
raw_scim "GET /scim/v2/../../etc/passwd HTTP/1.1\r\n$H\r\n" 404 "raw ../ traversal"
raw_scim "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" 401 "no Authorization header"
raw_scim "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Type: application/scim+json\r\nContent-Length: 5\r\n\r\n{\"use" 400 "Content-Length shorter than the JSON"
raw_scim "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Type: application/scim+json\r\nContent-Length: 0\r\n\r\n{}" 400 "Content-Length 0 with a body"
raw_scim "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"u\r\n0\r\n\r\n" 400 "chunked, truncated JSON"
raw "GET /scim/v2/Users HTTP/1.0\r\nAuthorization: Bearer $TOKEN\r\n\r\n"
is "$RSTATUS" 200 "raw: HTTP/1.0 without Host is served"
is "$(jqr .schemas[0] "$RBODY")" "$LISTRESP" "raw: HTTP/1.0 without Host: a ListResponse"
# RFC 9112 6.3, request smuggling: a request whose length its headers give
# twice or two ways is refused (400) and its connection closed, without
# Connection: close from the client; the POST is not run, and neither is the
# DELETE that follows the first length (the second request, for evhttp).
# evhttp 2.1.12 refuses Transfer-Encoding with Content-Length or twice
# itself (HTML); scimd answers the rest.
ok "a user for the smuggling cases" mkuser smuggle-target
SMUG_ID=$UID_
SMUG="DELETE /scim/v2/Users/$SMUG_ID HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TOKEN\r\n\r\n"
SB="{\"schemas\":[\"$CORE_USER\"],\"userName\":\"smuggled\"}"
printf -v CHUNK '%x\r\n%s\r\n0\r\n\r\n' ${#SB} "$SB"
smuggle()	# HEADERS BODY scimd|evhttp DESC
{
	raw "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/scim+json\r\n$1\r\n$2$SMUG"
	is "$RSTATUS" 400 "RFC 9112 6.3: $4 (status 400)"
	[ "$3" = scimd ] && is "$(jqr .scimType "$RBODY")" invalidSyntax \
	    "RFC 9112 6.3: $4: SCIM error invalidSyntax"
	is "$RCLOSED" 1 "RFC 9112 6.3: $4: connection closed"
	is "$(grep -c '^HTTP/' "$SCIM_TMP/raw.out")" 1 "RFC 9112 6.3: $4: one response only"
	req GET "/Users/$SMUG_ID"
	is "$STATUS" 200 "RFC 9112 6.3: $4: the smuggled DELETE did not run"
	req GET "/Users?filter=$(urlenc 'userName eq "smuggled"')"
	is "$(jqr .totalResults)" 0 "RFC 9112 6.3: $4: the POST did not run"
}
smuggle "Content-Length: ${#SB}\r\nContent-Length: $((${#SB} + 40))\r\n" "$SB" \
    scimd "two different Content-Length headers"
smuggle "Content-Length: ${#SB}\r\nContent-Length: ${#SB}\r\n" "$SB" \
    scimd "two equal Content-Length headers"
smuggle "Transfer-Encoding: gzip\r\n" "$SB" \
    scimd "Transfer-Encoding other than chunked"
smuggle "Transfer-Encoding: chunked\r\nContent-Length: ${#SB}\r\n" "$CHUNK" \
    evhttp "Transfer-Encoding and Content-Length"
smuggle "Content-Length: ${#CHUNK}\r\nTransfer-Encoding: chunked\r\n" "$CHUNK" \
    evhttp "Content-Length and Transfer-Encoding"
smuggle "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n" "$CHUNK" \
    evhttp "two Transfer-Encoding headers"
raw_evhttp "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n" 400 "negative Content-Length"
raw_evhttp "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n" 400 "non-numeric Content-Length"
raw_evhttp "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n" 413 "overflowing Content-Length"
raw_evhttp "POST /scim/v2/Users HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n" 413 "bad chunk size"
raw_evhttp "GARBAGE\r\n\r\n" 400 "request line without a target"
raw_evhttp "GET /scim/v2/Users/a\0b HTTP/1.1\r\n$H\r\n" 400 "raw NUL in the request line"
raw_evhttp "GET /scim/v2/Users HTTP/9.9\r\n$H\r\n" 400 "HTTP/9.9"
raw "GET /scim/v2/Users HTTP/1.1\r\n${H}X-Pad: $(head -c 20000 /dev/zero | tr '\0' p)\r\n\r\n"
is "$RSTATUS" 431 "raw: 20 KB header over max_headers (status 431)"
is "$RCLOSED" 1 "raw: 20 KB header: connection closed"
diag "431 reply Content-Type: $RCTYPE"
raw_evhttp "GET /scim/v2/Users HTTP/1.1\r\n${H}NoColonHere\r\n\r\n" 400 "header line without a colon"
raw "POST /scim/v2/Users HTTP/1.1\r\n${H}Content-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{\"userName\":\"short\"}"
is "$RCLOSED" 1 "raw: Content-Length longer than the body: cut after timeout"
unlike "$RSTATUS" '^(2|5)' "raw: Content-Length longer than the body: not stored, no 5xx"
alive "raw framing"

# --- 14. slow senders and idle connections ---------------------------------------------

# a client sending one byte every 100 ms must not hold up anybody, and is cut
# once timeout (2s) passes without a complete request
slow=$SCIM_TMP/slow.count
(
	trap '' PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
	msg="GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: $(head -c 100 /dev/zero | tr '\0' s)\r\n\r\n"
	n=0
	while [ $n -lt 100 ]; do
		printf '%b' "${msg:$n:1}" >&3 2>/dev/null || break
		n=$((n + 1))
		sleep 0.1
	done
	echo "$n" > "$slow"
) &
slowpid=$!
sleep 0.5
t0=$(date +%s%N)
for i in 1 2 3 4 5; do
	req GET "/Users/$BASE_ID"
done
t1=$(date +%s%N)
is "$STATUS" 200 "requests answered while a slow sender trickles"
ok "5 requests took under 2 s beside the slow sender" [ $(((t1 - t0) / 1000000)) -lt 2000 ]
wait "$slowpid"
sent=$(cat "$slow" 2>/dev/null || echo 100)
ok "slow sender cut off before its request was complete (sent $sent of 100+ bytes)" [ "$sent" -lt 70 ]

# hundreds of idle connections: the server keeps answering
fds=()
opened=0
for i in $(seq 300); do
	if exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"; then
		fds+=("$fd")
		opened=$((opened + 1))
	fi
done 2>/dev/null
is "$opened" 300 "300 idle connections opened"
req GET "/Users/$BASE_ID"
is "$STATUS" 200 "server answers beside 300 idle connections"
# they are cut after timeout (2s): reading them gives EOF
sleep 3
closed=0
for fd in "${fds[@]}"; do
	if timeout 1 cat <&"$fd" >/dev/null 2>&1; then
		closed=$((closed + 1))
	fi
	exec {fd}>&-
done
is "$closed" 300 "idle connections were closed after timeout"
alive "slow and idle clients"

# --- 15. afterwards: nothing partial stored ---------------------------------------

req GET "/Users?count=1000&attributes=userName"
is "$(jqr '[.Resources[].userName] | sort | join(",")')" \
    "baseline,bigname,many6,smuggle-target" "only the four accepted users exist"
req GET "/Groups?attributes=displayName"
is "$(jqr '[.Resources[].displayName] | join(",")')" "basegroup" \
    "only the accepted group exists"
req GET "/Users/$BASE_ID"
is "$(jqr .userName)" baseline "baseline user untouched by rejected PATCHes"
is "$(jqr '.displayName // "none"')" none "no rejected PATCH leaked a value"
ok "scimd still running" kill -0 "$SCIMD_PID"
# (GET /Me is the one deliberate 501)
fives=$(grep -E ' 5[0-9][0-9] [0-9]+ [0-9]+ms ' "$SCIMD_ERR" | grep -v ' /scim/v2/Me 501 ')
is "$fives" "" "no 5xx in the access log"
stop_scimd
is $? 0 "scimd stops cleanly"
ctl verify
is "$CTL_RC" 0 "scimctl verify after the hostile run"
[ "$CTL_RC" = 0 ] || diag "$CTL_OUT" "$CTL_ERR"

done_testing
