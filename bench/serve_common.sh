# serve_common.sh — what bench/serve_load.sh and bench/serve_chaos.sh share,
# sourced by both (POSIX sh): the jp index built when missing, the 400
# request bodies and the wrk Lua script, and starting the server on a free
# port. Callers set T (tenyo), SRC (corpus), INDEX, THREADS and D (scratch
# directory), and get PID (the server) and U (its base URL).

# serve_prepare: the index (built from SRC when missing or unreadable),
# $D/bodies.jsonl (400 POST /api/ideas bodies from SRC: 80% indexed ids, 20%
# titles as free text, n=10) and $D/post.lua (wrk cycles through the bodies,
# each thread starting elsewhere, and prints one RESULT line).
serve_prepare() {
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
}

# serve_start NAME: the server on a free loopback port, its access log in
# $D/access.log; one request of each kind first (page-in). Sets PID and U.
serve_start() {
  : >"$D/access.log"
  "$T" serve "$INDEX" --port 0 --threads "$THREADS" 2>"$D/access.log" &
  PID=$!
  PORT=; i=0
  while [ -z "$PORT" ] && [ $i -lt 300 ]; do
    PORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/access.log")
    [ -z "$PORT" ] && sleep 0.1; i=$((i+1))
  done
  [ -n "$PORT" ] || { echo "$1: server did not start: $(head -c 300 "$D/access.log")"; exit 1; }
  U="http://127.0.0.1:$PORT"
  curl -s -o /dev/null -X POST -d "$(sed -n 1p "$D/bodies.jsonl")" "$U/api/ideas"
  curl -s -o /dev/null -X POST -d "$(sed -n 2p "$D/bodies.jsonl")" "$U/api/ideas"
}
