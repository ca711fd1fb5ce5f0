#!/bin/sh
# serve_chaos.sh — `tenyo serve` under load and abuse at the same time: for
# SECONDS (default 60) wrk sends POST /api/ideas (the bodies and Lua script
# of bench/serve_common.sh: 400 requests from jp/jplatpat.jsonl, 80% indexed
# ids, 20% titles as free text) while bench/chaos_client sends malformed
# requests on fresh connections (truncated requests, garbage methods, huge
# headers, bodies longer / shorter than Content-Length, broken chunking,
# invalid UTF-8 and JSON, JSON nested 30,000 deep, %-escapes and %00,
# overlong query strings, k / n out of range, connections closed mid-body)
# and holds SLOW slowloris connections that send a byte a second. The
# server's resident memory is sampled every second from /proc.
#
# Prints: wrk requests/s, p50 / p99, wrk errors and non-2xx; malformed
# requests sent, the histogram of the answers they got and the cases that
# got an answer they do not accept; slowloris connections the server cut
# (receive deadline) and the fresh-connection probes that failed; crashes
# (the server alive at the end, exit 0 on SIGTERM); RSS first / max / last
# and the least-squares slope over the last 40 s. Exits 1 on a crash, a
# non-zero exit, an unexpected answer, a failed probe or a wrk non-2xx.
#
# Usage: sh bench/serve_chaos.sh [SECONDS]
#   TENYO=build/tenyo  CHAOS=build/bench/chaos_client  INDEX=/tmp/jp.tny
#   THREADS=<server threads, default cores>  WRK_THREADS=2  CONNS=8
#   WORKERS=8 (malformed-request threads)  SLOW=32 (slowloris connections)
# Needs wrk (apt-get install wrk), curl and python3; builds the chaos client
# with `make bench/chaos_client` when it is missing.
set -u
T=${TENYO:-build/tenyo}
CHAOS=${CHAOS:-build/bench/chaos_client}
SECS=${1:-60}
SRC=${SRC:-../shared/data/jp/jplatpat.jsonl}
INDEX=${INDEX:-/tmp/jp.tny}
NCPU=$(nproc)
THREADS=${THREADS:-$NCPU}
WRK_THREADS=${WRK_THREADS:-2}
CONNS=${CONNS:-8}
WORKERS=${WORKERS:-8}
SLOW=${SLOW:-32}
for c in wrk curl python3; do
  command -v $c >/dev/null 2>&1 || { echo "serve_chaos: $c is not installed (apt-get install $c)"; exit 1; }
done
[ -f "$SRC" ] || { echo "serve_chaos: $SRC absent"; exit 1; }
[ -x "$T" ] || { echo "serve_chaos: $T not built (make)"; exit 1; }
[ -x "$CHAOS" ] || make -s bench/chaos_client >/dev/null || { echo "serve_chaos: cannot build $CHAOS"; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-chaos-XXXXXX")
PID=; SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

. "$(dirname "$0")/serve_common.sh"
serve_prepare
ID=$(sed -n '2s/^{"id": "\([^"]*\)".*/\1/p' "$D/bodies.jsonl")
serve_start serve_chaos

# RSS sampler: "second kB" once a second while the server lives
( s=0; while [ $s -le $((SECS + 5)) ] && [ -r "/proc/$PID/status" ]; do
    r=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status" 2>/dev/null)
    [ -n "$r" ] && echo "$s $r"
    s=$((s+1)); sleep 1
  done ) >"$D/rss" &
SPID=$!

"$CHAOS" 127.0.0.1 "$PORT" "$SECS" --workers "$WORKERS" --slow "$SLOW" --id "$ID" >"$D/chaos.out" 2>&1 &
CPID=$!
BODIES="$D/bodies.jsonl" wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s --latency \
  -s "$D/post.lua" "$U/api/ideas" >"$D/wrk.out" 2>&1
wait "$CPID"; crc=$?
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=

alive=no; kill -0 "$PID" 2>/dev/null && alive=yes
HWM=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status" 2>/dev/null)
rc=dead
if [ $alive = yes ]; then kill -TERM "$PID"; wait "$PID"; rc=$?; fi
PID=

R=$(grep '^RESULT' "$D/wrk.out")
get() { echo "$R" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
tot() { sed -n "1s/.* $1=\([0-9]*\).*/\1/p" "$D/chaos.out"; }  # totals line of chaos_client
# RSS: first (after warm-up requests), max, last, slope of the last 40 s
RSSLINE=$(awk -v secs="$SECS" '
  NR == 1 { first = $2 } { if ($2 > max) max = $2; last = $2; t[NR] = $1; r[NR] = $2; n = NR }
  END {
    for (i = 1; i <= n; i++) if (t[i] >= secs - 40 && t[i] <= secs) {
      m++; sx += t[i]; sy += r[i]; sxx += t[i] * t[i]; sxy += t[i] * r[i] }
    slope = (m > 1 && m * sxx - sx * sx > 0) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0
    printf "first %.1f MiB, max %.1f MiB, last %.1f MiB; slope over the last 40 s %+.1f KiB/s (%+.2f MiB/min, %d samples)",
      first / 1024, max / 1024, last / 1024, slope, slope * 60 / 1024, m }' "$D/rss")
LOGGED=$(grep -c ' POST /api/ideas ' "$D/access.log")
L500=$(grep -c ' 50[0-9] [0-9]* [0-9.]*ms' "$D/access.log")
CUT=$(grep -c 'request not received within' "$D/access.log")

echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $NCPU cores;" \
     "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
echo "index: $INDEX ($("$T" info "$INDEX" | sed -n 's/^documents  //p'))"
echo "load: ${SECS} s of wrk -t$WRK_THREADS -c$CONNS POST /api/ideas, with chaos_client" \
     "--workers $WORKERS --slow $SLOW at the same time; server --threads $THREADS, access log on"
echo "wrk requests/s: $(get rps)  (requests $(get requests) in $(get seconds) s)"
echo "wrk latency ms: p50 $(get p50_ms)  p90 $(get p90_ms)  p99 $(get p99_ms)  max $(get max_ms)"
echo "wrk errors: connect $(get err_connect) read $(get err_read) write $(get err_write)" \
     "timeout $(get err_timeout) non-2xx $(get non2xx)"
echo "malformed requests: sent $(tot sent) ($(tot cases) cases), closed by the client mid-request" \
     "$(tot aborted), answers not accepted $(tot unexpected)"
echo "malformed answers: $(sed -n 's/^CHAOS status //p' "$D/chaos.out")"
grep 'UNEXPECTED' "$D/chaos.out" | sed 's/^CHAOS case /  unexpected: /'
echo "slowloris: $(sed -n 's/^CHAOS slow //p' "$D/chaos.out"); cut by the receive deadline (log): $CUT"
echo "fresh-connection probes: $(sed -n 's/^CHAOS probe //p' "$D/chaos.out")"
echo "access log: $LOGGED ideas requests, $L500 answers 5xx"
echo "server alive at the end: $alive; exit on SIGTERM: $rc"
echo "server RSS: $RSSLINE; peak (VmHWM) $(( ${HWM:-0} / 1024 )) MiB"
echo "RSS every 10 s (MiB): $(awk '$1 % 10 == 0 { printf "%s%.1f", sep, $2 / 1024; sep = " " }' "$D/rss")"
[ -n "$R" ] || { echo "wrk output:"; cat "$D/wrk.out"; exit 1; }
grep -q '^CHAOS sent=' "$D/chaos.out" || { echo "chaos_client output:"; cat "$D/chaos.out"; exit 1; }
[ "$alive" = yes ] && [ "$rc" = 0 ] && [ "$crc" = 0 ] && [ "$(get non2xx)" = 0 ] && [ "$L500" = 0 ]
