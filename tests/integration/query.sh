#!/usr/bin/env bash
# The query language over HTTP: filters, sorting, paging, projection,
# .search (typed and root) and RFC 9865 cursors.
. "$(dirname "$0")/lib.sh"

start_scimd "max_page_size = 50" "page_size = 20" || bail "scimd did not start"
ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User

for i in $(seq -w 1 30); do
	dept=$([ $((10#$i % 3)) = 0 ] && echo Sales || echo Engineering)
	active=$([ $((10#$i % 5)) = 0 ] && echo false || echo true)
	mkuser "user$i@example.com" '"name":{"familyName":"Fam'$((40 - 10#$i))'","givenName":"G'$i'"},
	  "title":"T'$((10#$i % 4))'","active":'$active',"externalId":"ext-'$i'",
	  "emails":[{"value":"user'$i'@work.example.com","type":"work","primary":true},
	            {"value":"u'$i'@home.example.org","type":"home"}],
	  "'$ENT'":{"department":"'$dept'","employeeNumber":"'$i'"}' || bail "mkuser $i"
	eval "U$i=\$UID_"
done
ok "30 users created" test -n "$U30"
mkgroup "Admins" && GA=$GID_
req PATCH "/Groups/$GA" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$U01'"},{"value":"'$U02'"}]}')"
status_is 204 "members added"

count() { # FILTER EXPECTED DESC
	req GET "/Users?count=50&filter=$(urlenc "$1")"
	if [ "$STATUS" != 200 ]; then
		_fail "$3 (status $STATUS: $(jqr .detail))"
		return
	fi
	json_is .totalResults "$2" "$3"
}

count 'userName eq "USER05@example.com"' 1 "eq is case-insensitive on userName"
count 'externalId eq "EXT-05"' 0 "eq is case-exact on externalId"
count 'externalId eq "ext-05"' 1 "externalId exact"
count 'userName ne "user05@example.com"' 29 "ne"
count 'userName co "er1"' 10 "co"
count 'userName sw "user2"' 10 "sw (indexed prefix)"
count 'userName ew "0@example.com"' 3 "ew"
count 'title pr' 30 "pr"
count 'nickName pr' 0 "pr on an absent attribute"
count 'title gt "T1"' 15 "gt on strings"
count 'title ge "T1"' 23 "ge"
count 'title lt "T1"' 7 "lt"
count 'title le "T1"' 15 "le"
count 'active eq false' 6 "boolean eq"
count 'not (active eq false)' 24 "not"
count 'title eq "T1" or title eq "T2"' 16 "or"
count 'title eq "T1" and active eq true' 6 "and"
count 'title eq "T0" or title eq "T1" and active eq false' 9 "and binds tighter than or"
count '(title eq "T0" or title eq "T1") and active eq false' 3 "parentheses"
count 'emails[type eq "work" and value co "user1"]' 10 "value path with and"
count 'emails[type eq "work"].value eq "user07@work.example.com"' 1 "Entra email filter"
count 'emails.value eq "U07@HOME.example.org"' 1 "emails.value eq, folded"
count 'name.familyName eq "Fam30"' 1 "sub-attribute"
count "$ENT:department eq \"Sales\"" 10 "URN-qualified extension attribute"
count 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user09@example.com"' 1 "core-URN-qualified"
count 'USERNAME EQ "user09@example.com"' 1 "attribute and operator in any case"
count 'meta.created gt "2000-01-01T00:00:00Z"' 30 "dateTime compare"
count 'meta.lastModified lt "2000-01-01T00:00:00+01:00"' 0 "dateTime with offset"
count "id eq \"$U11\"" 1 "id eq"
count "id eq \"$(printf %s "$U11" | tr a-f A-F)\"" 0 "id is case-exact"
count "groups.value eq \"$GA\"" 2 "User.groups filter"
req GET "/Groups?filter=$(urlenc "members.value eq \"$U01\"")"
json_is .totalResults 1 "members.value eq on Groups"

# invalid filters
for f in 'userName eq' 'userName xx "a"' '(userName eq "a"' 'nosuch eq "a"' 'active gt true' \
    'userName eq "a" and' 'emails[type eq "work"' '"a" eq userName' 'name eq "x"'; do
	req GET "/Users?filter=$(urlenc "$f")"
	scim_error 400 invalidFilter "invalid filter: $f"
done
deep=$(printf '(%.0s' $(seq 1 200))'userName eq "a"'$(printf ')%.0s' $(seq 1 200))
req GET "/Users?filter=$(urlenc "$deep")"
scim_error 400 invalidFilter "200-deep nesting refused"
many=$(for i in $(seq 1 300); do printf 'userName eq \\"%d\\" or ' $i; done)'title pr'
req POST /Users/.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"'"$many"'"}'
scim_error 400 invalidFilter "300 terms refused"
like "$(jqr .detail)" "olumn|term|limit|many" "the detail says why"

# sorting and paging
req GET "/Users?sortBy=name.familyName&count=3"
json_is '[.Resources[].name.familyName] | join(",")' "Fam10,Fam11,Fam12" "sortBy sub-attribute ascending"
req GET "/Users?sortBy=userName&sortOrder=descending&count=2"
json_is '[.Resources[].userName] | join(",")' "user30@example.com,user29@example.com" "sortOrder descending"
req GET "/Users?sortBy=nickName&count=1"
status_is 200 "sortBy an attribute nobody has"
req GET "/Users?sortBy=nosuch"
scim_error 400 "" "sortBy unknown attribute"
req GET "/Users?sortOrder=sideways"
scim_error 400 "" "bad sortOrder"
req GET "/Users?startIndex=29&count=5"
json_is '[.totalResults,.itemsPerPage,.startIndex] | join(",")' "30,2,29" "last page"
req GET "/Users?count=0"
json_is '[.totalResults, (.Resources // [] | length)] | join(",")' "30,0" "count=0 gives only totalResults"
req GET "/Users?count=500"
json_is .itemsPerPage 30 "count above max_page_size is capped (30 < 50)"
req GET "/Users?startIndex=-4&count=1"
json_is .startIndex 1 "startIndex below 1 means 1"
req GET "/Users?count=abc"
scim_error 400 invalidValue "non-numeric count"

# projection
req GET "/Users?filter=$(urlenc 'userName eq "user03@example.com"')&attributes=userName,emails.value"
json_is '.Resources[0] | keys | sort | join(",")' "emails,id,schemas,userName" "attributes keeps id, schemas and the named ones"
json_is '.Resources[0].emails[0] | keys | join(",")' "value" "attributes with a sub-attribute"
req GET "/Users/$U03?excludedAttributes=emails,name"
json_ok '(has("emails") or has("name")) | not' "excludedAttributes drops them"
json_ok 'has("userName") and has("id")' "... and keeps the rest"
req GET "/Groups/$GA?excludedAttributes=members"
json_ok 'has("members") | not' "excludedAttributes=members on a group"

# a large group's members read in pages
req PATCH "/Groups/$GA" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$U03'"},{"value":"'$U04'"},{"value":"'$U05'"}]}')"
status_is 204 "three more members"
req GET "/Groups/$GA?members.count=2"
json_is '.members | length' 2 "members.count pages the members"
p1=$(jqr '[.members[].value] | join(",")')
req GET "/Groups/$GA?members.startIndex=3&members.count=2"
json_is '.members | length' 2 "second page"
p2=$(jqr '[.members[].value] | join(",")')
req GET "/Groups/$GA?members.startIndex=5&members.count=2"
json_is '.members | length' 1 "last page"
p3=$(jqr '[.members[].value] | join(",")')
is "$(printf '%s,%s,%s' "$p1" "$p2" "$p3" | tr , '\n' | sort -u | wc -l)" 5 "pages cover every member once"
req GET "/Groups/$GA"
json_is '.members | length' 5 "without paging: all members"

# .search
req POST /Users/.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
  "filter":"title eq \"T2\"","attributes":["userName"],"startIndex":1,"count":2}'
status_is 200 "POST /Users/.search"
json_is '[.totalResults,.itemsPerPage] | join(",")' "8,2" "same result as GET"
json_is '.Resources[0] | has("title")' false "attributes honoured in .search"
req POST /.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"Admins\""}'
status_is 200 "POST /.search at the root"
json_ok '.totalResults >= 1' "root search finds the group"
req POST /.search '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":5}'
json_is '.totalResults' 31 "root search counts users and groups"
# RFC 7644 3.4.2: at the root, an attribute that a type's schema does not
# define is unassigned for that type (so each side of an "or" finds its own)
SR=urn:ietf:params:scim:api:messages:2.0:SearchRequest
root_search() { # FILTER
	req POST /.search "{\"schemas\":[\"$SR\"],\"filter\":$(jq -n --arg f "$1" '$f')}"
}
root_search 'userName eq "user05@example.com" or displayName eq "Admins"'
json_is '[.Resources[] | .meta.resourceType + ":" + (.userName // .displayName)] | sort | join(",")' \
    "Group:Admins,User:user05@example.com" "RFC 7644 3.4.2: root or over userName and displayName"
root_search "members.value eq \"$U01\" or externalId eq \"ext-02\""
json_is '[.Resources[].meta.resourceType] | sort | join(",")' "Group,User" \
    "RFC 7644 3.4.2: root or over members.value and externalId"
root_search 'not (userName pr)'
json_is '[.totalResults, .Resources[0].displayName] | join(",")' "1,Admins" \
    "RFC 7644 3.4.2: root not (userName pr): the group, whose userName is unassigned"
root_search 'emails[type eq "work"] and displayName eq "Admins"'
json_is .totalResults 0 "RFC 7644 3.4.2: root and with an unassigned value path"
root_search 'nosuch eq "a" or displayName eq "Admins"'
scim_error 400 invalidFilter "RFC 7644 3.4.2: root filter on an attribute no type defines"
root_search 'active eq "maybe"'
scim_error 400 invalidFilter "RFC 7644 3.4.2: root filter checked by the type that defines it"
req GET /.search
scim_error 405 "" "GET /.search"

# cursor pagination (RFC 9865)
seen=""
req GET "/Users?cursor=&count=7"
status_is 200 "first cursor page"
json_ok 'has("nextCursor")' "nextCursor on the first page"
pages=0
while :; do
	seen="$seen $(jqr '[.Resources[].id] | join(" ")')"
	pages=$((pages + 1))
	next=$(jqr '.nextCursor // empty')
	[ -n "$next" ] || break
	if [ $pages = 2 ]; then
		mkuser "late@example.com" >/dev/null      # created during the walk
		req DELETE "/Users/$U30"                   # deleted during the walk
	fi
	req GET "/Users?cursor=$next&count=7"
	[ "$STATUS" = 200 ] || break
	[ $pages -lt 20 ] || break
done
n_unique=$(printf '%s\n' $seen | sort -u | wc -l)
n_all=$(printf '%s\n' $seen | wc -l)
is "$n_unique" "$n_all" "cursor walk: no resource twice"
for u in "$U01" "$U15" "$U29"; do
	like "$seen" "$u" "cursor walk saw a resource that existed throughout"
done
req GET "/Users?cursor=zzzz"
scim_error 400 invalidCursor "malformed cursor"
req GET "/Users?cursor=00000000000000010000000100000000"
scim_error 400 invalidCursor "forged cursor"
req GET "/ServiceProviderConfig"
json_is .pagination.cursor true "cursor paging advertised"

# RFC 7644 3.4.2.3: unassigned values sort last ascending, first descending
req PATCH "/Users/$U01" "$(patch_body '{"op":"remove","path":"title"}')"
status_is 200 "user01 loses its title"
req GET "/Users?filter=$(urlenc 'userName sw "user0"')&sortBy=title"
json_is '[.Resources[].userName[4:6]] | join(",")' "04,08,05,09,02,06,03,07,01" \
    "RFC 7644 3.4.2.3: ascending, the user without a title last"
req GET "/Users?filter=$(urlenc 'userName sw "user0"')&sortBy=title&sortOrder=descending"
json_is '[.Resources[].userName[4:6]] | join(",")' "01,03,07,02,06,05,09,04,08" \
    "RFC 7644 3.4.2.3: descending, the user without a title first"

# Many lookups at once (on PostgreSQL they leave in batches, one statement
# per kind): each answer is its own resource's, none is missing or swapped.
bids=()
for i in $(seq 1 48); do
	mkuser "burst$i@example.com" "\"externalId\":\"burst-$i\",\"emails\":[{\"type\":\"work\",\"value\":\"b$i@example.com\"}]" ||
	    bail "could not create burst$i"
	bids[$i]=$UID_
done
BD=$SCIM_TMP/burst
mkdir -p "$BD"
for i in $(seq 1 48); do
	for q in "g /Users/${bids[$i]}" \
	    "u /Users?filter=$(urlenc "userName eq \"BURST$i@example.com\"")" \
	    "x /Users?filter=$(urlenc "externalId eq \"burst-$i\"")" \
	    "m /Users?filter=$(urlenc "emails[type eq \"work\"].value eq \"b$i@example.com\"")"; do
		printf 'url = "%s%s"\noutput = "%s/%s.%s"\n' "$BASE" \
		    "${q#* }" "$BD" "${q%% *}" "$i"
	done
done > "$BD/urls"
for r in 1 2 3; do
	curl -sS --parallel --parallel-immediate --parallel-max 96 \
	    -H "Authorization: Bearer $TOKEN" -K "$BD/urls" 2> "$BD/err" ||
	    diag "curl: $(head -c 300 "$BD/err")"
	bad=0
	for i in $(seq 1 48); do
		[ "$(jq -r .id "$BD/g.$i" 2>/dev/null)" = "${bids[$i]}" ] ||
		    bad=$((bad + 1))
		for k in u x m; do
			[ "$(jq -r '[.totalResults, .Resources[0].id] | join(" ")' \
			    "$BD/$k.$i" 2>/dev/null)" = "1 ${bids[$i]}" ] ||
			    bad=$((bad + 1))
		done
	done
	is "$bad" 0 "192 lookups at once (round $r): each answer its own"
done
# Emails and externalIds need not be unique: a lookup finds every holder
# (on PostgreSQL the first read of an index takes a key and one row more,
# so the third holder comes in a second read)
for i in 1 2 3 4; do
	mkuser "shared$i@example.com" "\"externalId\":\"shared-ext\",\"emails\":[{\"type\":\"work\",\"value\":\"Shared@Example.com\"}]" ||
	    bail "could not create shared$i"
done
req GET "/Users?filter=$(urlenc 'emails.value eq "shared@example.com"')"
json_is '[.totalResults, ([.Resources[].userName] | sort | join(","))] | map(tostring) | join(" ")' \
    "4 shared1@example.com,shared2@example.com,shared3@example.com,shared4@example.com" \
    "emails.value eq: all four users that share the address"
req GET "/Users?filter=$(urlenc 'externalId eq "shared-ext"')"
json_is .totalResults 4 "externalId eq: all four users that share it"
req GET "/Users?filter=$(urlenc 'externalId eq "burst-none"')"
json_is .totalResults 0 "a lookup that finds nothing, after the bursts"

ctl verify
is "$CTL_RC" 0 "scimctl verify"
stop_scimd
done_testing
