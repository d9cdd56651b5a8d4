#!/usr/bin/env bash
# The audit log (issue 5, architecture.md section 5, entra.md section 10):
# every action and status, X-Request-Id == changeId, the admin API (filters,
# show, summary, long-poll), token kinds, scimctl audit, and a kill -9 test
# that resources and Create records match one to one.
. "$(dirname "$0")/lib.sh"

start_scimd 'audit_retention_days = 30' || bail "scimd did not start"
ctl token create adm --admin || bail "cannot create an admin token"
ADM=$CTL_LAST
ctl token create root --admin --all-tenants || bail "no all-tenant token"
ALLTOK=$CTL_LAST
ADMIN=$ROOT/admin/v1

# rid: the X-Request-Id of the last response
rid() { hdr X-Request-Id; }

# audit_of CHANGEID: fetch its record with the admin token into BODY
audit_of()
{
	AUTH=$ADM req GET "$ADMIN/audit/$1"
}

# --- every action and status ---------------------------------------------

mkuser alice '"externalId":"ext-alice","password":"Sup3r-Secret!"' ||
    bail "create failed"
ALICE=$UID_
R_CREATE=$(rid)
like "$R_CREATE" "$UUID_RE" "X-Request-Id is a UUID"
audit_of "$R_CREATE"
status_is 200 "GET /admin/v1/audit/{changeId}"
json_is .changeId "$R_CREATE" "X-Request-Id == record changeId"
json_is '[.action,.status,.httpStatus,.resourceType]|join(" ")' \
    "Create Success 201 User" "create: Create Success 201 User"
json_is .target.id "$ALICE" "create: target.id"
json_is .target.name alice "create: target.name is userName"
json_is .source.externalId ext-alice "create: source.externalId"
json_is .initiator initial "create: initiator is the token name"
json_is .tenantName default "create: tenant name"
like "$(jqr .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' \
    "create: time is RFC 3339 with ms"
json_ok '.durationMs >= 0' "create: durationMs"
json_is '[.modifiedProperties[]|select(.name=="userName")][0].newValue' \
    alice "create: modifiedProperties has userName"
unlike "$BODY" 'Sup3r-Secret|password' "create: the password never appears"

req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"alice\"}"
scim_error 409 uniqueness "duplicate create"
R_DUP=$(rid)
audit_of "$R_DUP"
json_is '[.action,.status,.httpStatus,.scimType]|join(" ")' \
    "Create Failure 409 uniqueness" "failed create recorded with 409 uniqueness"
json_ok '.reason | length > 0' "failed create: a reason"
json_is .target.name alice "failed create: target.name"

req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"displayName","value":"Alice A"}')"
R_UPD=$(rid)
audit_of "$R_UPD"
json_is '[.action,.status]|join(" ")' "Update Success" "PATCH displayName: Update"
json_is '.modifiedProperties[]|select(.name=="displayName")|.newValue' \
    "Alice A" "update: displayName new value"

req PATCH "/Users/$ALICE" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
R_DIS=$(rid)
audit_of "$R_DIS"
json_is '[.action,.status]|join(" ")' "Disable Success" \
    'PATCH active "False": Disable'
json_is '.modifiedProperties[]|select(.name=="active")|.newValue' false \
    "disable: active new value false"

req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"active","value":true}')"
R_EN=$(rid)
audit_of "$R_EN"
json_is '[.action,.status]|join(" ")' "Enable Success" "PATCH active true: Enable"

req PATCH "/Users/$ALICE" "$(patch_body '{"op":"replace","path":"displayName","value":"Alice A"}')"
R_NOOP=$(rid)
audit_of "$R_NOOP"
json_is '[.action,.status]|join(" ")' "Other Skipped" "no-op PATCH: Other Skipped"
json_is '.modifiedProperties|length' 0 "no-op: no modified properties"

mkuser bob || bail "create bob failed"
BOB=$UID_
mkgroup Ops || bail "create group failed"
OPS=$GID_
req PATCH "/Groups/$OPS" "$(patch_body '{"op":"add","path":"members","value":[{"value":"'$BOB'"}]}')"
R_MADD=$(rid)
audit_of "$R_MADD"
json_is '[.action,.status,.resourceType,.target.name]|join(" ")' \
    "Update Success Group Ops" "member add: Update of the group"
json_is '[.modifiedProperties[]|select(.name=="members")|[.oldValue,.newValue]]' \
    "[[null,\"$BOB\"]]" "member add: members newValue = user id"
req PATCH "/Groups/$OPS" "$(patch_body '{"op":"remove","path":"members[value eq \"'$BOB'\"]"}')"
R_MDEL=$(rid)
audit_of "$R_MDEL"
json_is '[.modifiedProperties[]|select(.name=="members")|[.oldValue,.newValue]]' \
    "[[\"$BOB\",null]]" "member remove: members oldValue = user id"

req DELETE "/Users/$BOB"
status_is 204 "delete bob"
R_DEL=$(rid)
audit_of "$R_DEL"
json_is '[.action,.status,.httpStatus,.target.id]|join(" ")' \
    "Delete Success 204 $BOB" "delete: Delete Success 204"

req GET "/Users/$ALICE"
R_READ=$(rid)
audit_of "$R_READ"
scim_error 404 "" "reads write no record"

# --- admin API --------------------------------------------------------------

AUTH=$ADM req GET "$ADMIN/audit"
status_is 200 "list with a tenant admin token"
json_is '.records|length' 11 "11 records so far"
json_is '.records[0].changeId' "$R_DEL" "newest first by default"
json_is .next null "next is null when all fit"
AUTH=$ADM req GET "$ADMIN/audit?order=asc&limit=3"
json_is '[.records[].changeId]|join(",")' "$R_CREATE,$R_DUP,$R_UPD" \
    "order=asc&limit=3"
AUTH=$ADM req GET "$ADMIN/audit?limit=4"
json_is '.records|length' 4 "limit=4"
NEXT=$(jqr .next)
AUTH=$ADM req GET "$ADMIN/audit?limit=4&before=$NEXT"
json_is '.records[0].seq' "$((NEXT - 1))" "before=next continues the page"
AUTH=$ADM req GET "$ADMIN/audit?action=Disable"
json_is '[.records[].changeId]|join(",")' "$R_DIS" "filter action=Disable"
AUTH=$ADM req GET "$ADMIN/audit?status=failure"
json_is '[.records[].changeId]|join(",")' "$R_DUP" "filter status (any case)"
AUTH=$ADM req GET "$ADMIN/audit?target=bob"
json_is '[.records[].action]|join(",")' "Delete,Create" "filter target=userName"
AUTH=$ADM req GET "$ADMIN/audit?target=$ALICE"
json_is '.records|length' 5 "filter target=id (a failed create has none)"
AUTH=$ADM req GET "$ADMIN/audit?initiator=nobody"
json_is '.records|length' 0 "filter initiator"
AUTH=$ADM req GET "$ADMIN/audit?since=1h&until=$(urlenc "2000-01-01T00:00:00Z")"
json_is '.records|length' 0 "since/until window"
AUTH=$ADM req GET "$ADMIN/audit?since=soon"
scim_error 400 invalidValue "bad since"
AUTH=$ADM req GET "$ADMIN/audit?action=Frobnicate"
scim_error 400 invalidValue "bad action"
AUTH=$ADM req GET "$ADMIN/audit/00000000-0000-4000-8000-000000000000"
scim_error 404 "" "unknown changeId"
AUTH=$ADM req GET "$ADMIN/audit/summary?since=40m"
status_is 200 "summary"
json_is '[.total,.actions.Create,.actions.Update,.actions.Disable,.actions.Enable,.actions.Delete,.actions.Other]|join(" ")' \
    "11 4 3 1 1 1 1" "summary counts per action"
json_is '[.statuses.Success,.statuses.Failure,.statuses.Skipped]|join(" ")' \
    "9 1 1" "summary counts per status"

# tenants: scoped tokens see only theirs
ctl tenant create acme
AUTH=$ADM req GET "$ADMIN/audit?tenant=acme"
scim_error 403 "" "tenant admin asking for another tenant"
AUTH=$ALLTOK req GET "$ADMIN/audit?tenant=acme"
json_is '.records|length' 0 "all-tenant admin: tenant=acme"
AUTH=$ALLTOK req GET "$ADMIN/audit?tenant=default&limit=1"
json_is '.records[0].changeId' "$R_DEL" "all-tenant admin: tenant=default"

# token kinds
req GET "$ADMIN/audit"
scim_error 403 "" "SCIM token at /admin/v1"
AUTH=$ADM req GET /Users
scim_error 403 "" "admin token at /scim/v2"
NO_AUTH=1 req GET "$ADMIN/audit"
scim_error 401 "" "no token at /admin/v1"

# tokens and tenants through the API
AUTH=$ADM req POST "$ADMIN/tokens" '{"name":"console"}'
status_is 201 "POST /admin/v1/tokens"
NEWTOK=$(jqr .token)
like "$NEWTOK" '^scimd_' "the new secret is returned once"
AUTH=$NEWTOK req GET /Users
status_is 200 "the new SCIM token works"
AUTH=$ADM req GET "$ADMIN/tokens"
json_ok '[.tokens[].name]|index("console") != null' "GET /admin/v1/tokens lists it"
unlike "$BODY" 'scimd_' "token list carries no secrets"
AUTH=$ADM req DELETE "$ADMIN/tokens/console"
status_is 204 "DELETE /admin/v1/tokens/console"
AUTH=$NEWTOK req GET /Users
scim_error 401 "" "revoked token refused"
AUTH=$ADM req GET "$ADMIN/tenants"
scim_error 403 "" "tenants need an all-tenant token"
AUTH=$ALLTOK req POST "$ADMIN/tenants" '{"name":"globex"}'
status_is 201 "POST /admin/v1/tenants"
AUTH=$ALLTOK req POST "$ADMIN/tenants" '{"name":"globex"}'
scim_error 409 "" "duplicate tenant"
AUTH=$ALLTOK req GET "$ADMIN/tenants"
json_ok '[.tenants[].name]|index("globex") != null' "GET /admin/v1/tenants"
AUTH=$ALLTOK req DELETE "$ADMIN/tenants/globex"
status_is 204 "DELETE /admin/v1/tenants/globex"

# --- long-poll ----------------------------------------------------------------

AUTH=$ADM req GET "$ADMIN/audit?limit=1"
TOP=$(jqr '.records[0].seq')
t0=$(date +%s%N)
AUTH=$ADM req GET "$ADMIN/audit?after=$TOP&wait=1"
t1=$(date +%s%N)
json_is '[(.records|length), .next]|join(" ")' "0 $TOP" "long-poll times out empty"
ok "long-poll waited about 1 s" test $(( (t1 - t0) / 1000000 )) -ge 900

(sleep 1; curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: $CT" -X POST "$BASE/Users" \
    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"carol\"}") &
BG=$!
t0=$(date +%s%N)
AUTH=$ADM req GET "$ADMIN/audit?after=$TOP&wait=20"
t1=$(date +%s%N)
wait "$BG"
json_is '[.records[].target.name]|join(",")' carol \
    "long-poll returns the new write"
ms=$(( (t1 - t0) / 1000000 ))
ok "long-poll answered when the write happened (${ms} ms)" \
    test $ms -ge 700 -a $ms -lt 10000
json_is .next "$(jqr '.records[0].seq')" "next is the new record's seq"

# --- scimctl audit --------------------------------------------------------------

ctl audit
is "$CTL_RC" 0 "scimctl audit"
like "$(echo "$CTL_OUT" | head -n 1)" '^TIME +TENANT +ACTION +STATUS +TYPE +IDENTITY +INITIATOR +CHANGES' \
    "table header"
like "$CTL_LAST" 'Create +Success +User +carol' "newest last"
like "$CTL_OUT" 'Disable +Success +User +alice +initial +active[:=].*false' \
    "disable row shows active old→new"
like "$CTL_OUT" "Update +Success +Group +Ops .*members \\+1" "members +1"
like "$CTL_OUT" "Create +Failure +User +alice .*409 uniqueness" "failure row"
ctl audit --json --action Delete
is "$(printf '%s\n' "$CTL_OUT" | jq -r .changeId)" "$R_DEL" "--json --action"
ctl audit --json --tenant default --target alice --status Skipped
is "$(printf '%s\n' "$CTL_OUT" | jq -r .action)" Other "--json with --target --status"
ctl audit --csv --since 1h
is "$(echo "$CTL_OUT" | head -n 1 | cut -d, -f1-6)" \
    "time,changeId,tenant,initiator,action,status" "--csv header"
is "$(echo "$CTL_OUT" | tail -n +2 | wc -l | tr -d ' ')" 12 "--csv: one line per record"
ctl audit show "$R_DIS"
is "$(printf '%s' "$CTL_OUT" | jq -r .action)" Disable "audit show CHANGEID (pretty JSON)"
like "$CTL_OUT" '^\{$' "audit show is pretty-printed"
ctl audit show nope
isnt "$CTL_RC" 0 "audit show of an unknown id fails"
ctl audit summary --since 40m
like "$CTL_OUT" 'Create +4 +1 +0 +5' "summary: Create row"
like "$CTL_OUT" 'Total +10 +1 +1 +12' "summary: totals"
# the action of dave's record in what --follow printed
dave_action()
{
	jq -r 'select(.target.name=="dave")|.action' \
	    < "$SCIM_TMP/follow.out" 2>/dev/null
}
"$SCIMCTL" -c "$CONF" audit --follow --json > "$SCIM_TMP/follow.out" 2>&1 &
FPID=$!
# the listing is printed once the starting point is read: only then is
# dave new to it
for _ in $(seq 1 100); do
	[ -s "$SCIM_TMP/follow.out" ] && break
	sleep 0.1
done
mkuser dave
for _ in $(seq 1 100); do
	dave_action | grep -q Create && break
	sleep 0.1
done
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
is "$(dave_action)" Create "--follow prints a new record"

# --- kill -9 mid-write: resources and Create records match one to one ----------

LOOPS=()
for i in $(seq 1 8); do
	(
		for j in $(seq 1 40); do
			curl -s -o /dev/null --max-time 5 \
			    -H "Authorization: Bearer $TOKEN" \
			    -H "Content-Type: $CT" -X POST "$BASE/Users" \
			    --data-binary "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"k$i-$j\"}"
		done
	) &
	LOOPS+=($!)
done
sleep 0.8
kill -KILL "$SCIMD_PID"
wait "$SCIMD_PID" 2>/dev/null
SCIMD_PID=
wait "${LOOPS[@]}"
start_scimd || bail "scimd did not restart after kill -9"
req GET "/Users?filter=userName+sw+%22k%22&count=1000&attributes=userName"
status_is 200 "list the k* users after restart"
printf '%s' "$BODY" | jq -r '.Resources[]?.id' | sort > "$SCIM_TMP/users.ids"
NK=$(wc -l < "$SCIM_TMP/users.ids" | tr -d ' ')
diag "$NK users were created before the kill"
ok "some creates happened before the kill" test "$NK" -gt 0
ctl audit --json --action Create --status Success
printf '%s\n' "$CTL_OUT" | jq -r 'select(.target.name|startswith("k"))|.target.id' |
    sort > "$SCIM_TMP/audit.ids"
is "$(sort -u "$SCIM_TMP/audit.ids" | wc -l | tr -d ' ')" \
    "$(wc -l < "$SCIM_TMP/audit.ids" | tr -d ' ')" "at most one Create record per user"
ok "every user has a Create record and every record its user" \
    cmp -s "$SCIM_TMP/users.ids" "$SCIM_TMP/audit.ids"
ctl verify
is "$CTL_RC" 0 "scimctl verify passes after kill -9"

# --- retention: audit_max_records prunes the oldest in small batches -----------

stop_scimd
is "$?" 0 "scimd stops cleanly"
start_scimd 'audit_max_records = 5' || bail "scimd did not restart"
ctl audit --json
BEFORE=$(printf '%s\n' "$CTL_OUT" | jq -r .seq | sort -n | tail -n 5 | tr '\n' ' ')
for i in $(seq 1 50); do
	ctl audit --json
	[ "$(printf '%s\n' "$CTL_OUT" | grep -c .)" -le 5 ] && break
	sleep 0.2
done
is "$(printf '%s\n' "$CTL_OUT" | grep -c .)" 5 "the pruner keeps audit_max_records"
is "$(printf '%s\n' "$CTL_OUT" | jq -r .seq | sort -n | tr '\n' ' ')" "$BEFORE" \
    "the newest records are the ones kept"
stop_scimd
is "$?" 0 "scimd stops cleanly after pruning"
done_testing
