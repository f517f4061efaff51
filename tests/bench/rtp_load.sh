#!/usr/bin/env bash
# Concurrent anchored G.711 calls with RTP both ways, for docs/BENCHMARKS.md:
#
#   SIPp caller (rtp_stream, PCMU) -> switch (anchors both legs, relays) ->
#   SIPp callee (-rtp_echo sends every packet back) -> switch -> caller
#
#   tests/bench/rtp_load.sh CALLS [HOLD_SECONDS]      (release build first)
#
# Prints the switch's CPU per call (utime+stime over a 10 s window once all
# calls are up), its resident memory per call (steady state minus idle),
# and its loss: datagrams the kernel dropped on the switch's RTP sockets
# (the drops column of /proc/net/udp for ports in its range) against the
# packets due in the window (two legs per call, 50 packets/s each), plus
# SIPp's failed calls. (SIPp's caller never reads the audio that comes back
# to its one media socket, so the machine-wide UDP drop counters mostly
# count SIPp's own buffer overflowing: not the switch's loss.)
# Binds 127.0.0.1 only.
set -euo pipefail

CALLS=${1:?usage: rtp_load.sh CALLS [HOLD_SECONDS]}
HOLD=${2:-40}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${SWITCHYARD_BIN:-$ROOT/target/release/switchyard}
WORK=$(mktemp -d /tmp/rtp-load.XXXXXX)
BASE=$((20000 + (RANDOM % 200) * 100))
SIP=$BASE ESL=$((BASE + 1)) CALLEE=$((BASE + 2)) CALLER=$((BASE + 3))
CALLER_MEDIA=$((BASE + 10)) CALLEE_MEDIA=$((BASE + 20))
RTP_LOW=$((BASE + 100)) RTP_HIGH=$((BASE + 100 + 4 * CALLS + 40))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/conf/dialplan" "$WORK/data"
cat > "$WORK/conf/switchyard.xml" <<'XML'
<switchyard><settings>
  <param name="sip-digest-algorithms" value="MD5"/>
  <param name="log-level" value="warning"/>
</settings></switchyard>
XML
cat > "$WORK/conf/dialplan/acme.xml" <<'XML'
<include><context name="acme.test">
  <extension name="local"><condition field="destination_number" expression="^(10\d\d)$">
    <action application="bridge" data="user/$1@${domain_name}"/>
  </condition></extension>
</context></include>
XML
"$BIN" serve --data-dir "$WORK/data" --conf-dir "$WORK/conf" --sip "127.0.0.1:$SIP" \
    --esl "127.0.0.1:$ESL" --esl-password bench --rtp-ports "$RTP_LOW-$RTP_HIGH" \
    > "$WORK/switch.log" 2>&1 &
SWITCH=$!
PIDS+=("$SWITCH")
cli() { "$BIN" cli -P "$ESL" -p bench -x "$1" > /dev/null; }
for _ in $(seq 50); do cli status 2>/dev/null && break; sleep 0.1; done
cli "tenant add acme.test"
cli "user add 1001@acme.test s3cret"
cli "user add 1002@acme.test pw2"

# One second of a 440 Hz tone as headerless µ-law, looped by rtp_stream.
sox -n -r 8000 -c 1 -e u-law -t raw "$WORK/tone.ulaw" synth 1 sine 440 vol 0.3
printf "SEQUENTIAL\n1002;acme.test\n" > "$WORK/callee.csv"
printf "SEQUENTIAL\n1001;1002;acme.test\n" > "$WORK/call.csv"
cd "$WORK"
sipp "127.0.0.1:$SIP" -sf "$ROOT/tests/sipp/register_digest.xml" -inf callee.csv -au 1002 -ap pw2 \
    -auth_uri acme.test -m 1 -i 127.0.0.1 -p "$CALLEE" -ci 127.0.0.1 -cp $((BASE + 30)) -nd > /dev/null
sipp -sf "$ROOT/tests/sipp/media_load_uas_echo.xml" -i 127.0.0.1 -p "$CALLEE" -mp "$CALLEE_MEDIA" \
    -rtp_echo -ci 127.0.0.1 -cp $((BASE + 31)) -nd -buff_size 4194304 > callee.out 2>&1 &
PIDS+=("$!")

ticks() { awk '{print $14 + $15}' "/proc/$SWITCH/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SWITCH/status"; }
switch_drops() {
    python3 - "$RTP_LOW" "$RTP_HIGH" <<'PY'
import sys
low, high = int(sys.argv[1]), int(sys.argv[2])
drops = 0
for line in open("/proc/net/udp").read().splitlines()[1:]:
    fields = line.split()
    port = int(fields[1].split(":")[1], 16)
    if low <= port <= high:
        drops += int(fields[-1])
print(drops)
PY
}
HZ=$(getconf CLK_TCK)
IDLE_RSS=$(rss_kb)

RATE=50
sipp "127.0.0.1:$SIP" -sf "$ROOT/tests/sipp/media_load_uac.xml" -inf call.csv -au 1001 -ap s3cret \
    -auth_uri 1002@acme.test -key stream "$WORK/tone.ulaw,-1,0" -d $((HOLD * 1000)) \
    -r "$RATE" -m "$CALLS" -l "$CALLS" -i 127.0.0.1 -p "$CALLER" -mp "$CALLER_MEDIA" \
    -ci 127.0.0.1 -cp $((BASE + 32)) -nd -buff_size 4194304 -timeout $((HOLD + 60))s \
    -trace_stat -stf stat.csv -fd 1 > caller.out 2>&1 &
UAC=$!
PIDS+=("$UAC")
# Wait until every call is up (ramp: CALLS / RATE seconds) and settled.
sleep $((CALLS / RATE + 5))
D0=$(switch_drops); T0=$(ticks); sleep 10; T1=$(ticks); D1=$(switch_drops)
STEADY_RSS=$(rss_kb)
UP=$("$BIN" cli -P "$ESL" -p bench -x "show calls" | tail -1 || true)
wait "$UAC" || true

CPU_MS=$(( (T1 - T0) * 1000 / HZ ))
echo "calls:                 $CALLS (hold ${HOLD}s, caller streams PCMU 50 pps, callee echoes)"
echo "switch CPU:            ${CPU_MS} ms per 10 s = $(awk -v c="$CPU_MS" -v n="$CALLS" 'BEGIN {printf "%.4f", c / 10000 / n * 100}') % of a core per call"
echo "switch RSS:            idle ${IDLE_RSS} KiB, steady ${STEADY_RSS} KiB = $(( (STEADY_RSS - IDLE_RSS) / CALLS )) KiB per call"
echo "calls up in window:    ${UP:-?}"
echo "switch socket drops:   $((D1 - D0)) of $((CALLS * 2 * 50 * 10)) packets due in the window = $(awk -v d=$((D1 - D0)) -v n=$((CALLS * 1000)) 'BEGIN {printf "%.4f", d / n * 100}') %"
sleep 2
python3 - "$WORK/data/switchyard.db" "$CALLS" "$HOLD" <<'PY'
import sqlite3, sys
db, calls, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = sqlite3.connect(db).execute(
    "SELECT COUNT(*), SUM(rtp_in_packets), SUM(rtp_out_packets), SUM(rtp_in_skipped) FROM cdrs"
).fetchone()
due = calls * 2 * 50 * hold
print(f"CDR legs:              {rows[0]}; RTP in {rows[1]}, out {rows[2]}, skipped {rows[3]} "
      f"(a full-rate stream for the whole hold would be {due} each way)")
PY
awk -F';' 'NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i} END {print "SIPp:                  successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", retransmissions " $col["Retransmissions(C)"]}' stat.csv
