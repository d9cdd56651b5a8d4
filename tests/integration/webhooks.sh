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

. "$(dirname "$0")/webhook_lib.sh"

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
wait_delivered
check_delivery

# the receiver has every event, but a duplicate still in flight (sent again
# after the kill) may have failed: its retry moves the cursor on
for _ in $(seq 120); do
	ctl webhook list --json
	case $CTL_OUT in *'"waiting":0'*) break ;; esac
	sleep 0.5
done
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
