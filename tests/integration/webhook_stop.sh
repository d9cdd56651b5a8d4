#!/usr/bin/env bash
# A graceful stop (SIGTERM) while webhooks are being delivered (issue 16):
# nothing new goes out, the deliveries in flight finish within
# shutdown_timeout and what was acknowledged is saved (with the seqs
# acknowledged out of order), so after the restart no event that got a
# 2xx is sent again.  The receiver answers slowly (so that the stops come
# with deliveries in flight) and fails some first attempts (so that some
# acknowledgements come while an earlier event still waits).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/webhook_lib.sh"

RECV_DELAY=400
recv_start || bail "receiver did not start"
start_scimd 'webhook_concurrency = 4' || bail "scimd did not start"
ctl webhook create crm --url "http://127.0.0.1:$RPORT/hook"
is "$CTL_RC" 0 "webhook create"
printf '%s\n' "$CTL_LAST" > "$SCIM_TMP/secret"

for r in 1 2 3; do
	provision "$r"
	ctl webhook list --json
	waiting=$(jq -r '.waiting' <<< "$CTL_OUT")
	ok "round $r: deliveries under way at the stop ($waiting waiting)" \
	    [ "${waiting:-0}" -gt 0 ]
	stop_scimd
	is $? 0 "round $r: SIGTERM stops scimd cleanly"
	start_scimd || bail "scimd did not restart"
done

wait_delivered
check_delivery
twice=$(awk '$1 == 200 { print $2 }' "$RECV_OUT" | sort | uniq -d | wc -l)
is "$twice" 0 "no event acknowledged before a graceful stop was sent again"

done_testing
