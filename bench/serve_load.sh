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

if [ ! -f "$INDEX" ] || ! "$T" info "$INDEX" >/dev/null 2>&1; then
  echo "building $INDEX from $SRC"
  "$T" index -q -o "$INDEX" "$SRC" || exit 1
fi

python3 - "$SRC" "$D/bodies.jsonl" <<'P'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
docs = [d for d in docs if d.get("abstract")]
step = max(1, len(docs) // 400)
pick = docs[::step][:400]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, d in enumerate(pick):
        b = {"id": d["id"]} if i % 5 else {"text": d["title"]}
        b["n"] = 10
        f.write(json.dumps(b, ensure_ascii=False) + "\n")
P
cat >"$D/post.lua" <<'L'
-- cycle through the request bodies; each wrk thread starts elsewhere
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = math.random(#bodies)
local hdr = { ["Content-Type"] = "application/json" }
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/ideas", hdr, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.connect, e.read, e.write, e.timeout, e.status))
end
L

: >"$D/access.log"
"$T" serve "$INDEX" --port 0 --threads "$THREADS" 2>"$D/access.log" &
PID=$!
PORT=; i=0
while [ -z "$PORT" ] && [ $i -lt 300 ]; do
  PORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/access.log")
  [ -z "$PORT" ] && sleep 0.1; i=$((i+1))
done
[ -n "$PORT" ] || { echo "serve_load: server did not start: $(head -c 300 "$D/access.log")"; exit 1; }
U="http://127.0.0.1:$PORT"
# one request of each kind first (page-in), then memory before the load
curl -s -o /dev/null -X POST -d "$(sed -n 1p "$D/bodies.jsonl")" "$U/api/ideas"
curl -s -o /dev/null -X POST -d "$(sed -n 2p "$D/bodies.jsonl")" "$U/api/ideas"
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
