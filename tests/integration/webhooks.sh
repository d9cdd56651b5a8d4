#!/usr/bin/env bash
# Webhook delivery (issue 16) end to end: a receiver (tests/webhook/receiver)
# that checks every signature, fails first attempts at random and answers
# slowly; provisioning of users and groups (create, update, disable,
# enable, delete, members added and removed, a refused duplicate); scimd
# killed with SIGKILL during delivery and restarted; the receiver gone for
# a while.  At the end: every change that got a 2xx was received, each
# resource's events in seq order, every signature valid, nothing for the
# refused change, and duplicates only under the same webhook-id.
. "$(dirname "$0")/lib.sh"

RECEIVER=${RECEIVER:-$_tests_dir/webhook/receiver}
[ -x "$RECEIVER" ] || RECEIVER=$top_builddir/tests/webhook/receiver
[ -x "$RECEIVER" ] || skip_all "no receiver built"

RECV_OUT=$SCIM_TMP/received
RECV_PID=

# recv_start [PORT]: the receiver, on PORT or a new one (RPORT)
recv_start()
{
	rm -f "$SCIM_TMP/rport"
	"$RECEIVER" -s "@$SCIM_TMP/secret" -o "$RECV_OUT" -f 30 -S 16 -d 20 \
	    -p "$SCIM_TMP/rport" ${1:+-P "$1"} 2> "$SCIM_TMP/receiver.err" &
	RECV_PID=$!
	for _ in $(seq 50); do
		[ -s "$SCIM_TMP/rport" ] && break
		sleep 0.1
	done
	RPORT=$(cat "$SCIM_TMP/rport")
}
recv_stop()
{
	[ -n "$RECV_PID" ] && kill -TERM "$RECV_PID" 2>/dev/null
	[ -n "$RECV_PID" ] && wait "$RECV_PID" 2>/dev/null
	RECV_PID=
}
at_exit recv_stop

recv_start || bail "receiver did not start"
start_scimd 'webhook_timeout = 2s' 'webhook_concurrency = 4' ||
    bail "scimd did not start"
ctl webhook create crm --url "http://127.0.0.1:$RPORT/hook"
is "$CTL_RC" 0 "webhook create"
like "$CTL_LAST" '^whsec_[A-Za-z0-9+/]{43}=$' "the secret on the last line"
printf '%s\n' "$CTL_LAST" > "$SCIM_TMP/secret"
ctl webhook create crm --url "http://127.0.0.1:$RPORT/hook"
isnt "$CTL_RC" 0 "the same name twice is refused"
ctl webhook create far --url "http://example.com/hook"
isnt "$CTL_RC" 0 "plain http off loopback is refused"

CHANGES=$SCIM_TMP/changes	# X-Request-Id of every change that got a 2xx
: > "$CHANGES"
# change METHOD PATH [BODY]: a request that must succeed; its id is noted
change()
{
	req "$@"
	case "$STATUS" in
	2??) hdr X-Request-Id >> "$CHANGES" ;;
	*) diag "$1 $2: $STATUS $BODY" ;;
	esac
}
users=()
provision()		# provision ROUND
{
	local r=$1 i u g
	for i in 1 2 3 4 5 6; do
		change POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"u$r-$i\",\"active\":true}"
		users+=("$(jqr .id)")
	done
	change POST /Groups "{\"schemas\":[\"$CORE_GROUP\"],\"displayName\":\"g$r\"}"
	g=$(jqr .id)
	for u in "${users[@]: -6}"; do
		change PATCH "/Users/$u" "$(patch_body '{"op":"replace","path":"displayName","value":"D '"$r"'"}')"
		change PATCH "/Groups/$g" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$u\"}]}")"
		change PATCH "/Users/$u" "$(patch_body '{"op":"replace","path":"active","value":false}')"
		change PATCH "/Users/$u" "$(patch_body '{"op":"replace","path":"active","value":true}')"
	done
	change PATCH "/Groups/$g" "$(patch_body "{\"op\":\"remove\",\"path\":\"members[value eq \\\"${users[-1]}\\\"]\"}")"
	change DELETE "/Users/${users[-2]}"
	change DELETE "/Groups/$g"
}

provision 1
req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"u1-1\"}"
status_is 409 "a duplicate is refused"
REFUSED=$(hdr X-Request-Id)

# kill -9 while deliveries are in flight (the receiver answers slowly)
provision 2
sleep 0.3
kill -KILL "$SCIMD_PID"
wait "$SCIMD_PID" 2>/dev/null
SCIMD_PID=
start_scimd || bail "scimd did not restart"
provision 3

# the receiver goes away for a while; changes go on
recv_stop
provision 4
sleep 3
recv_start "$RPORT" || bail "receiver did not restart"
provision 5

# wait until every committed event was received (or 60 s)
ctl token create adm --admin || bail "admin token"
ADM=$CTL_LAST
AUTH=$ADM req GET "$ROOT/admin/v1/events?after=0&limit=1000"
LAST=0
while :; do
	n=$(jqr '.events|length')
	[ "$n" -gt 0 ] || break
	LAST=$(jqr .next)
	AUTH=$ADM req GET "$ROOT/admin/v1/events?after=$LAST&limit=1000"
done
ok "events were written" [ "$LAST" -gt 100 ]
for _ in $(seq 600); do
	got=$(awk '$1 == 200 { print $3 }' "$RECV_OUT" | sort -un | wc -l)
	[ "$got" -ge "$LAST" ] && break
	sleep 0.1
done
is "$got" "$LAST" "every event (1..$LAST) was acknowledged by the receiver"

bad=$(awk '$7 != "ok"' "$RECV_OUT" | wc -l)
is "$bad" 0 "every signature verified"
missing=$(awk '$1 == 200 { print $6 }' "$RECV_OUT" | sort -u |
    comm -13 - <(sort -u "$CHANGES") | wc -l)
is "$missing" 0 "every change that got a 2xx was received ($(wc -l < "$CHANGES") changes)"
is "$(awk -v r="$REFUSED" '$6 == r' "$RECV_OUT" | wc -l)" 0 \
    "nothing received for the refused change"
# first acknowledgement of each event, in arrival order: per resource the
# seqs must rise
unordered=$(awk '$1 == 200 && !seen[$2]++ {
	if (($5 in last) && last[$5] > $3) bad++; last[$5] = $3 }
	END { print bad + 0 }' "$RECV_OUT")
is "$unordered" 0 "each resource's events arrived in seq order"
ids=$(awk '{ print $2, $3, $4, $5 }' "$RECV_OUT" | sort -u | awk '{ print $1 }' |
    sort | uniq -d | wc -l)
is "$ids" 0 "a webhook-id always carries the same event"
is "$(awk '{ print $2 }' "$RECV_OUT" | sort -u | wc -l)" \
    "$(awk '{ print $3 }' "$RECV_OUT" | sort -u | wc -l)" \
    "one webhook-id per seq: duplicates only under the same id"
retried=$(awk '$1 == 500' "$RECV_OUT" | wc -l)
ok "failed attempts were retried ($retried)" [ "$retried" -gt 0 ]
diag "$(wc -l < "$RECV_OUT") requests for $LAST events; $(awk '$1 == 200 { print $2 }' "$RECV_OUT" | sort | uniq -d | wc -l) delivered twice"

ctl webhook list --json
like "$CTL_OUT" '"state":"active"' "list: active"
like "$CTL_OUT" '"waiting":0' "list: nothing waiting"
like "$CTL_OUT" '"lastSuccess":[0-9]' "list: a last success"

# a replay from seq 1 delivers everything again, same ids
before=$(awk '$1 == 200' "$RECV_OUT" | wc -l)
ctl webhook replay crm --since 1
is "$CTL_RC" 0 "replay --since 1"
for _ in $(seq 300); do
	now=$(awk '$1 == 200' "$RECV_OUT" | wc -l)
	[ $((now - before)) -ge "$LAST" ] && break
	sleep 0.1
done
ok "replay delivered every event again" [ $((now - before)) -ge "$LAST" ]
is "$(awk '{ print $2 }' "$RECV_OUT" | sort -u | wc -l)" "$LAST" \
    "the replay used the same webhook-ids"

# the admin API
W=$ROOT/admin/v1/webhooks
AUTH=$ADM req GET "$W"
status_is 200 "GET /admin/v1/webhooks"
json_is '[.webhooks[].name]|join(",")' crm "lists the endpoint"
unlike "$BODY" 'whsec_' "no secret in the list"
AUTH=$ADM req POST "$W" '{"name":"api","url":"http://127.0.0.1:1/x","events":["user.*"]}'
status_is 201 "POST /admin/v1/webhooks"
like "$(jqr .secret)" '^whsec_' "the secret, once"
json_is '.events|join(",")' 'user.*' "events patterns"
AUTH=$ADM req POST "$W" '{"name":"api","url":"http://127.0.0.1:1/x"}'
status_is 409 "same name: 409"
AUTH=$ADM req POST "$W" '{"name":"far","url":"http://example.com/x"}'
status_is 400 "plain http off loopback: 400"
AUTH=$ADM req POST "$W" '{"name":"bad","url":"https://x/","events":"nope"}'
status_is 400 "unknown event type: 400"
AUTH=$ADM req GET "$W/crm/attempts"
status_is 200 "attempts"
json_ok '.attempts|length > 0' "recent attempts listed"
json_ok '.attempts[0]|has("status") and has("latencyMs") and has("seq")' \
    "an attempt: status, latency, seq"
AUTH=$ADM req POST "$W/api/replay" '{"since":"1"}'
status_is 200 "replay"
json_is .replayFrom 1 "replayFrom"
AUTH=$ADM req POST "$W/api/replay" '{"since":"whenever"}'
status_is 400 "replay with a bad since"
AUTH=$ADM req POST "$W/crm/retry"
status_is 204 "retry now"
AUTH=$ADM req POST "$W/crm/test"
status_is 200 "test"
json_ok '.status == 200 or .status == 500' "test: the receiver's answer"
AUTH=$ADM req POST "$W/api/test"
json_is .status 0 "test to a closed port: no answer"
json_ok '.error|length > 0' "... and an error"
AUTH=$ADM req DELETE "$W/api"
status_is 204 "DELETE"
AUTH=$ADM req DELETE "$W/api"
status_is 404 "DELETE again: 404"

for _ in 1 2 3 4 5 6; do	# the receiver fails some first attempts
	ctl webhook test crm && break
done
is "$CTL_RC" 0 "webhook test delivers"
ctl webhook revoke crm
is "$CTL_RC" 0 "revoke"
sleep 1.5	# scimd reads the endpoints every second
before=$(wc -l < "$RECV_OUT")
mkuser after-revoke || bail "create"
sleep 1.5
is "$(wc -l < "$RECV_OUT")" "$before" "nothing delivered after revoke"
stop_scimd
is $? 0 "scimd stops cleanly"

done_testing
