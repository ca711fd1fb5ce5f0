#!/bin/sh
# serve_load.sh — load test of `tenyo serve`: wrk on loopback against
# POST /api/ideas over the Japanese corpus index (../shared/data/jp), with
# the access log on (written to a file, as in production). Requests cycle
# through 400 bodies: 320 indexed patents ({"id"}) and 80 free-text
# queries (patent titles as {"text"}), so the tokenizer path is measured
# too. Prints requests/s, latency percentiles (p50/p90/p99/max), errors
# (connect/read/write/timeout, non-2xx, and non-200 lines in the access
# log) and the server's resident memory before and after the load.
#
# Usage: sh bench/serve_load.sh [SECONDS]        (default 30)
#   TENYO=build/tenyo  INDEX=/tmp/jp.tny  THREADS=<server threads, default
#   cores>  WRK_THREADS=2  CONNS=8
# Needs wrk (apt-get install wrk), curl and python3.
set -u
T=${TENYO:-build/tenyo}
SECS=${1:-30}
SRC=${SRC:-../shared/data/jp/jplatpat.jsonl}
INDEX=${INDEX:-/tmp/jp.tny}
NCPU=$(nproc)
THREADS=${THREADS:-$NCPU}
WRK_THREADS=${WRK_THREADS:-2}
CONNS=${CONNS:-8}
for c in wrk curl python3; do
  command -v $c >/dev/null 2>&1 || { echo "serve_load: $c is not installed (apt-get install $c)"; exit 1; }
done
[ -f "$SRC" ] || { echo "serve_load: $SRC absent"; exit 1; }
[ -x "$T" ] || { echo "serve_load: $T not built (make)"; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-load-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

. "$(dirname "$0")/serve_common.sh"
serve_prepare
serve_start serve_load
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status"; }
RSS0=$(rss)
BODIES="$D/bodies.jsonl" wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s --latency \
  -s "$D/post.lua" "$U/api/ideas" >"$D/wrk.out" 2>&1
RSS1=$(rss)
HWM=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status")
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
LOGGED=$(grep -c ' POST /api/ideas ' "$D/access.log")
BADLOG=$(grep ' POST /api/ideas ' "$D/access.log" | grep -vc ' POST /api/ideas 200 ')
R=$(grep '^RESULT' "$D/wrk.out")
get() { echo "$R" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $NCPU cores;" \
     "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
echo "index: $INDEX ($("$T" info "$INDEX" | sed -n 's/^documents  //p'))"
echo "load: wrk -t$WRK_THREADS -c$CONNS -d${SECS}s POST /api/ideas (n=10; 80% id, 20% text), server --threads $THREADS, access log on"
echo "requests/s: $(get rps)  (requests $(get requests) in $(get seconds) s)"
echo "latency ms: p50 $(get p50_ms)  p90 $(get p90_ms)  p99 $(get p99_ms)  max $(get max_ms)"
echo "errors: connect $(get err_connect) read $(get err_read) write $(get err_write) timeout $(get err_timeout)" \
     "non-2xx $(get non2xx); access log: $LOGGED ideas requests, $BADLOG not 200"
echo "server RSS: before $((RSS0 / 1024)) MiB, after $((RSS1 / 1024)) MiB (peak $((HWM / 1024)) MiB)"
echo "server exit on SIGTERM: $rc"
[ -n "$R" ] || { echo "wrk output:"; cat "$D/wrk.out"; exit 1; }
