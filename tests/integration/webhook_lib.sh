# webhook_lib.sh: the receiver and the checks shared by webhooks.sh and
# webhooks_pg.sh (sourced after lib.sh).
#
# recv_start [PORT] starts tests/webhook/receiver (signature checks, 30% of
# first attempts failed, answers after RECV_DELAY ms, default 20; RPORT is
# its port, its lines go to $RECV_OUT); recv_stop stops it.  change METHOD PATH [BODY] sends a
# request that must succeed and notes its X-Request-Id in $CHANGES;
# provision ROUND makes users and a group and changes them every way there
# is.  wait_delivered waits until every event of the tenant was
# acknowledged (LAST is then the last seq); check_delivery makes the checks
# of the contract (every 2xx change received, signatures, seq order per
# resource, nothing for $REFUSED, duplicates only under the same id).

RECEIVER=${RECEIVER:-$_tests_dir/webhook/receiver}
[ -x "$RECEIVER" ] || RECEIVER=$top_builddir/tests/webhook/receiver
[ -x "$RECEIVER" ] || skip_all "no receiver built"

RECV_OUT=$SCIM_TMP/received
RECV_PID=

# recv_start [PORT]: the receiver, on PORT or a new one (RPORT)
recv_start()
{
	rm -f "$SCIM_TMP/rport"
	"$RECEIVER" -s "@$SCIM_TMP/secret" -o "$RECV_OUT" -f 30 -S 16 \
	    -d "${RECV_DELAY:-20}" \
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

# wait_delivered: ADM gets an admin token; LAST the last seq; wait (at most
# 60 s) until the receiver acknowledged every seq up to LAST
wait_delivered()
{
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
}

check_delivery()
{
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
}
