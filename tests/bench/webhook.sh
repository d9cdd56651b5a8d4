#!/bin/bash
# webhook.sh: the webhook delivery benchmark (make bench-webhook; issue 16).
# A fresh scimd on LMDB (durability BENCH_DURABILITY, default full) pinned
# to CPU 0, the load generator and tests/webhook/receiver (no failures, no
# delay) on CPU 1:
#   1. populate WH_USERS users (no webhook yet);
#   2. Entra-style writes (scimbench patch, WH_CONNS connections,
#      WH_SECONDS s) without a webhook: req/s;
#   3. a webhook created and replayed from seq 1: the whole backlog (the
#      creates and the writes of 2) delivered as fast as it goes: events/s
#      (first to last receipt);
#   4. the same writes with the webhook delivering meanwhile: req/s (the
#      drop against 2), events/s delivered, and the lag from each event's
#      commit ("time", stamped in the commit) to its receipt, p50 and p99.
# Knobs: WH_USERS (20000), WH_SECONDS (10), WH_CONNS (32),
# BENCH_DURABILITY (full), BENCH_PIN (yes).
set -u
builddir=${top_builddir:-..}
builddir=$(cd "$builddir" && pwd)
SCIMD=${SCIMD:-$builddir/src/scimd}
SCIMCTL=${SCIMCTL:-$builddir/src/scimctl}
SCIMBENCH=${SCIMBENCH:-$builddir/tests/bench/scimbench}
RECEIVER=${RECEIVER:-$builddir/tests/webhook/receiver}
USERS=${WH_USERS:-20000}
SECS=${WH_SECONDS:-10}
CONNS=${WH_CONNS:-32}
DUR=${BENCH_DURABILITY:-full}
PIN0=() PIN1=()
if [ "${BENCH_PIN:-yes}" = yes ] && command -v taskset >/dev/null &&
    [ "$(nproc)" -ge 2 ]; then
	PIN0=(taskset -c 0) PIN1=(taskset -c 1)
fi
for b in "$SCIMD" "$SCIMCTL" "$SCIMBENCH" "$RECEIVER"; do
	[ -x "$b" ] || { echo "webhook.sh: no $b (make bench builds it)"; exit 1; }
done
T=$(mktemp -d /tmp/scimd-whbench.XXXXXX)
SPID= RPID=
cleanup()
{
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null
	[ -n "$RPID" ] && kill -TERM "$RPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

cat > "$T/scimd.conf" <<EOC
listen = 127.0.0.1:0
data_dir = $T/data
durability = $DUR
access_log = no
map_size = 8G
EOC
"${PIN0[@]}" "$SCIMD" -c "$T/scimd.conf" -p "$T/port" > "$T/scimd.out" \
    2> "$T/scimd.err" &
SPID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$T/port")/scim/v2
TOKEN=$(tail -n 1 "$T/scimd.out")
"${PIN1[@]}" "$RECEIVER" -s "@$T/secret" -o "$T/received" -p "$T/rport" &
RPID=$!
for _ in $(seq 50); do [ -s "$T/rport" ] && break; sleep 0.1; done

# run SCENARIO ARGS...: scimbench's JSON line
run()
{
	"${PIN1[@]}" "$SCIMBENCH" -u "$URL" -t "$TOKEN" -p "$SPID" -q "$@" \
	    2> "$T/bench.err" | grep '^{' | tail -n 1
}
rps() { jq -r '.rps' <<< "$1"; }
acked() { awk '$1 == 200' "$T/received" | wc -l; }
# drain N: wait until N events were acknowledged, or (N = 0) until the
# count stays still for half a second; prints the ms it took
drain()
{
	local t0 t1 n last=-1 still=0
	t0=$(date +%s%N)
	t1=$t0
	for _ in $(seq 6000); do
		n=$(acked)
		[ "$1" -gt 0 ] && [ "$n" -ge "$1" ] && { t1=$(date +%s%N); break; }
		if [ "$n" = "$last" ]; then
			still=$((still + 1))
			[ "$1" -eq 0 ] && [ $still -ge 10 ] && break
		else
			still=0
			last=$n
			t1=$(date +%s%N)
		fi
		sleep 0.05
	done
	echo $(( (t1 - t0) / 1000000 ))
}

say "populate $USERS users"
run -s populate -n "$USERS" -c 64 -f "$T/ids" > /dev/null
say "writes without a webhook ($CONNS connections, $SECS s)"
NO=$(run -s patch -n "$USERS" -c "$CONNS" -d "$SECS" -f "$T/ids")
"$SCIMCTL" -c "$T/scimd.conf" webhook create bench \
    --url "http://127.0.0.1:$(cat "$T/rport")/hook" | tail -n 1 > "$T/secret"
# it starts at the next seq: what came before is the backlog
BACKLOG=$(( $("$SCIMCTL" -c "$T/scimd.conf" webhook list --json |
    jq -r .cursor) - 1 ))
say "webhook: replay the backlog of $BACKLOG events"
"$SCIMCTL" -c "$T/scimd.conf" webhook replay bench --since 1 > /dev/null
drain "$BACKLOG" > /dev/null
# first to last receipt (scimd notices a replay within a second)
BACKLOG_MS=$(awk '$1 == 200 { if (!f) f = $9; l = $9 } END { print l - f }' \
    "$T/received")
base=$(acked)
say "writes with the webhook"
WITH=$(run -s patch -n "$USERS" -c "$CONNS" -d "$SECS" -f "$T/ids")
during=$(( $(acked) - base ))
DRAIN_MS=$(drain 0)
lags=$(awk -v b="$base" '$1 == 200 && ++n > b { print $8 }' "$T/received" |
    sort -n)
pct() { awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1;
    print a[i] }' <<< "$lags"; }

printf '\n| measure | value |\n|---|---|\n'
printf '| writes/s without a webhook (patch, %d conns) | %s |\n' "$CONNS" "$(rps "$NO")"
printf '| writes/s with a webhook delivering | %s |\n' "$(rps "$WITH")"
awk -v a="$(rps "$NO")" -v b="$(rps "$WITH")" 'BEGIN {
    printf "| write throughput lost | %.1f %% |\n", (a - b) * 100 / a }'
awk -v n="$BACKLOG" -v ms="$BACKLOG_MS" 'BEGIN {
    printf "| backlog delivery (%d events) | %.0f events/s |\n", n, n * 1000 / ms }'
awk -v n="$during" -v s="$SECS" 'BEGIN {
    printf "| delivered while writing | %.0f events/s |\n", n / s }'
printf '| drain after the writes stopped | %s ms |\n' "$DRAIN_MS"
printf '| commit-to-receipt lag p50 / p99 | %s / %s ms |\n' "$(pct 0.5)" "$(pct 0.99)"
bad=$(awk '$7 != "ok"' "$T/received" | wc -l)
printf '| bad signatures | %s |\n' "$bad"
