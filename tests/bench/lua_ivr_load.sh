#!/usr/bin/env bash
# Concurrent callers in a Lua IVR, for docs/BENCHMARKS.md:
#
#   SIPp callers (play_pcap_audio: PCMU silence with RFC 4733 key presses,
#   "1234#" every 5 s) -> switch: each call runs tests/bench/ivr_load.lua:
#   answer, then round after round of playAndGetDigits (a 1 s prompt tone,
#   four digits, 3 s timeout) and a 1 s confirmation tone after each good
#   entry, counting the good entries in the db store.
#
#   tests/bench/lua_ivr_load.sh CALLS [HOLD_SECONDS]   (release build first:
#   cargo build --release; cargo build --release -p switchyard-e2e --bin dtmf_pcap)
#
# Prints the switch's CPU per call (utime+stime over a 10 s window once all
# calls are up), its resident memory per call (steady state minus idle),
# the entries the IVRs collected against the presses sent, and SIPp's
# failed calls. play_pcap_audio costs SIPp a thread per call. Binds
# 127.0.0.1 only.
set -euo pipefail

CALLS=${1:?usage: lua_ivr_load.sh CALLS [HOLD_SECONDS]}
HOLD=${2:-40}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${SWITCHYARD_BIN:-$ROOT/target/release/switchyard}
PCAP_BIN=${DTMF_PCAP_BIN:-$ROOT/target/release/dtmf_pcap}
WORK=$(mktemp -d /tmp/lua-ivr-load.XXXXXX)
BASE=$((20000 + (RANDOM % 200) * 100))
SIP=$BASE ESL=$((BASE + 1)) CALLER=$((BASE + 3)) CALLER_MEDIA=$((BASE + 10))
RTP_LOW=$((BASE + 100)) RTP_HIGH=$((BASE + 100 + 2 * CALLS + 40))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/conf/dialplan" "$WORK/conf/scripts" "$WORK/data"
cat > "$WORK/conf/switchyard.xml" <<'XML'
<switchyard><settings>
  <param name="sip-digest-algorithms" value="MD5"/>
  <param name="log-level" value="warning"/>
</settings></switchyard>
XML
cat > "$WORK/conf/dialplan/acme.xml" <<'XML'
<include><context name="acme.test">
  <extension name="ivr"><condition field="destination_number" expression="^5100$">
    <action application="lua" data="ivr_load.lua"/>
  </condition></extension>
</context></include>
XML
cp "$ROOT/tests/bench/ivr_load.lua" "$WORK/conf/scripts/"
"$BIN" serve --data-dir "$WORK/data" --conf-dir "$WORK/conf" --sip "127.0.0.1:$SIP" \
    --esl "127.0.0.1:$ESL" --esl-password bench --rtp-ports "$RTP_LOW-$RTP_HIGH" \
    > "$WORK/switch.log" 2>&1 &
SWITCH=$!
PIDS+=("$SWITCH")
cli() { "$BIN" cli -P "$ESL" -p bench -x "$1"; }
for _ in $(seq 50); do cli status > /dev/null 2>&1 && break; sleep 0.1; done
cli "tenant add acme.test" > /dev/null
cli "user add 1001@acme.test s3cret" > /dev/null

# "1234#" every 5 s for the whole hold.
PRESSES=$((HOLD / 5))
DIGITS=$(printf 'WWW1234#W%.0s' $(seq "$PRESSES"))
"$PCAP_BIN" "$WORK/keys.pcap" "$DIGITS"
printf "SEQUENTIAL\n1001;5100;acme.test\n" > "$WORK/call.csv"

ticks() { awk '{print $14 + $15}' "/proc/$SWITCH/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SWITCH/status"; }
HZ=$(getconf CLK_TCK)
IDLE_RSS=$(rss_kb)

cd "$WORK"
RATE=20
sipp "127.0.0.1:$SIP" -sf "$ROOT/tests/sipp/media_uac_pcap.xml" -inf call.csv -au 1001 -ap s3cret \
    -auth_uri 5100@acme.test -key pcap "$WORK/keys.pcap" -d $((HOLD * 1000 + 2000)) \
    -r "$RATE" -m "$CALLS" -l "$CALLS" -i 127.0.0.1 -p "$CALLER" -mp "$CALLER_MEDIA" \
    -ci 127.0.0.1 -cp $((BASE + 32)) -nd -timeout $((HOLD + 90))s \
    -trace_stat -stf stat.csv -fd 1 > caller.out 2>&1 &
UAC=$!
PIDS+=("$UAC")
sleep $((CALLS / RATE + 6))
if [[ -n "${PERF_OUT:-}" ]]; then perf record -F 999 -g -e cpu-clock -p "$SWITCH" -o "$PERF_OUT" -- sleep 8 > /dev/null 2>&1 || true; fi
T0=$(ticks); sleep 10; T1=$(ticks)
STEADY_RSS=$(rss_kb)
THREADS=$(ls "/proc/$SWITCH/task" | wc -l)
UP=$(cli "show calls" | tail -1 || true)
wait "$UAC" || true
sleep 2

CPU_MS=$(( (T1 - T0) * 1000 / HZ ))
echo "callers:               $CALLS (hold ${HOLD}s, each presses 1234# every 5 s)"
echo "switch CPU:            ${CPU_MS} ms per 10 s = $(awk -v c="$CPU_MS" -v n="$CALLS" 'BEGIN {printf "%.4f", c / 10000 / n * 100}') % of a core per call"
echo "switch RSS:            idle ${IDLE_RSS} KiB, steady ${STEADY_RSS} KiB = $(( (STEADY_RSS - IDLE_RSS) / CALLS )) KiB per call"
echo "switch threads:        $THREADS in the window"
echo "calls up in window:    ${UP:-?}"
python3 - "$WORK/data/switchyard.db" "$CALLS" "$PRESSES" <<'PY'
import sqlite3, sys
db, calls, presses = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
rows = con.execute("SELECT COUNT(*), COALESCE(SUM(CAST(value AS INTEGER)), 0) FROM db_data WHERE realm = 'bench'").fetchone()
print(f"entries collected:     {rows[1]} by {rows[0]} calls (presses sent: {calls * presses})")
PY
awk -F';' 'NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i} END {print "SIPp:                  successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", retransmissions " $col["Retransmissions(C)"]}' stat.csv
grep -c "ERR" "$WORK/switch.log" | sed 's/^/switch log errors:     /' || true
