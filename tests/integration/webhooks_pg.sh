#!/usr/bin/env bash
# Webhook delivery with two scimd on one PostgreSQL database (issue 16):
# changes made through both instances, the instance that holds the
# endpoint's lease killed with SIGKILL under load; the other takes the
# lease over once it expired and delivers the rest; both instances show
# the recent attempts.  The checks of
# webhooks.sh (webhook_lib.sh) hold at the end.  PostgreSQL only
# (pg_suite.sh runs it with SCIMD_TEST_PG set).
. "$(dirname "$0")/lib.sh"

[ "$SCIMD_BACKEND" = pg ] ||
    skip_all "needs PostgreSQL: SCIMD_TEST_PG (make check runs it from pg_suite.sh)"
. "$(dirname "$0")/webhook_lib.sh"

recv_start || bail "receiver did not start"
start_scimd 'webhook_timeout = 2s' 'webhook_concurrency = 4' ||
    bail "scimd did not start"
start_instance b 'webhook_timeout = 2s' 'webhook_concurrency = 4' ||
    bail "instance b did not start"
ctl webhook create crm --url "http://127.0.0.1:$RPORT/hook"
is "$CTL_RC" 0 "webhook create"
printf '%s\n' "$CTL_LAST" > "$SCIM_TMP/secret"

A_BASE=$BASE
provision 1
BASE=$b_BASE
provision 2
req POST /Users "{\"schemas\":[\"$CORE_USER\"],\"userName\":\"u1-1\"}"
status_is 409 "a duplicate is refused (through b)"
REFUSED=$(hdr X-Request-Id)
BASE=$A_BASE
sleep 1

# exactly one instance delivers; kill it
owners=0
grep -q "webhook crm: delivering" "$SCIMD_ERR" && owners=$((owners + 1)) && OWNER=a
grep -q "webhook crm: delivering" "$b_ERR" && owners=$((owners + 1)) && OWNER=b
is "$owners" 1 "one instance holds the lease"
# both show the recent attempts: the one that does not deliver reads those
# saved with the endpoint's state
ctl token create whadm --admin || bail "admin token"
for r in "$ROOT" "$b_ROOT"; do
	for _ in $(seq 30); do
		AUTH=$CTL_LAST req GET "$r/admin/v1/webhooks/crm/attempts"
		n=$(jqr '.attempts|length')
		[ "${n:-0}" -gt 0 ] && break
		sleep 0.1
	done
	ok "$r shows the endpoint's recent attempts ($n)" [ "${n:-0}" -gt 0 ]
done
if [ "$OWNER" = a ]; then
	kill -KILL "$SCIMD_PID"; wait "$SCIMD_PID" 2>/dev/null; SCIMD_PID=
	SURVIVOR_ERR=$b_ERR
	BASE=$b_BASE
	ROOT=$b_ROOT
else
	kill -KILL "$b_PID"; wait "$b_PID" 2>/dev/null; b_PID=
	SURVIVOR_ERR=$SCIMD_ERR
fi
provision 3

wait_delivered
check_delivery
like "$(grep "webhook crm: delivering" "$SURVIVOR_ERR")" "delivering from seq" \
    "the other instance took the lease over"

done_testing
