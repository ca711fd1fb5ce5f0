#!/bin/sh
# mpi_serve.sh — tenyo-mpi serve against tenyo serve (issue 20): the same
# requests, one at a time, to both servers in turn (single-process
# `tenyo serve` on the single-file index, `mpirun -np P tenyo-mpi serve`
# on the sharded one), every answer compared byte for byte, and each
# server's latency per endpoint (p50 / p99, ms, measured in the client
# on a kept-alive connection: the time from sending the request to the
# last byte of the answer).
#
# Requests (N, default 1000): half GET /api/similar?id=ID&k=10, half POST
# /api/ideas, 80% {"id": ID}, 20% {"text": a title}, over the records of
# SRC taken evenly.
#
# Usage: sh bench/mpi_serve.sh SRC SINGLE_INDEX SHARDED_INDEX P [N]
#   env: T (tenyo, default build/tenyo), TM (tenyo-mpi, build/tenyo-mpi)
# Prints one RESULT line per endpoint and server, and the differing count.
set -u
SRC=$1 ONE=$2 SH=$3 NP=$4 N=${5:-1000}
T=${T:-build/tenyo} TM=${TM:-build/tenyo-mpi}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
D=$(mktemp -d "${TMPDIR:-/tmp}/mpi-serve-XXXXXX")
PA=$((20000 + $$ % 10000)) PB=$((30000 + $$ % 10000))
cleanup() {
  [ -n "${A:-}" ] && kill "$A" 2>/dev/null
  [ -n "${B:-}" ] && kill "$B" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$D"
}
trap cleanup EXIT
"$T" serve -q -p "$PA" "$ONE" 2>"$D/ea" & A=$!
mpirun --oversubscribe ${MPIRUN_ARGS:-} -np "$NP" "$TM" serve -q -p "$PB" "$SH" 2>"$D/eb" & B=$!
for i in $(seq 600); do
  curl -sf "http://127.0.0.1:$PA/healthz" >/dev/null 2>&1 &&
    curl -sf "http://127.0.0.1:$PB/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat "$D/eb" | grep -v '^$' | head -3
python3 - "$SRC" "$N" "$PA" "$PB" <<'P'
import http.client, json, sys, time, urllib.parse
src, n, pa, pb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
docs = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
step = max(1, len(docs) // n)
pick = docs[::step][:n]
reqs = []
for i, d in enumerate(pick):
    if i % 2 == 0:
        reqs.append(("similar", "GET", "/api/similar?" + urllib.parse.urlencode({"id": d["id"], "k": 10}), None))
    else:
        b = {"id": d["id"]} if i % 5 else {"text": d.get("title") or d["id"]}
        reqs.append(("ideas", "POST", "/api/ideas", json.dumps(b, ensure_ascii=False).encode()))
conns = {p: http.client.HTTPConnection("127.0.0.1", p) for p in (pa, pb)}
lat = {}
differ = codes = 0
def one(p, m, path, body):
    c = conns[p]
    h = {"Content-Type": "application/json"} if body else {}
    t0 = time.perf_counter()
    c.request(m, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data, (time.perf_counter() - t0) * 1000
for i, (ep, m, path, body) in enumerate(reqs):
    sa, da, ta = one(pa, m, path, body)
    sb, db, tb = one(pb, m, path, body)
    lat.setdefault((ep, "single"), []).append(ta)
    lat.setdefault((ep, "mpi"), []).append(tb)
    if da != db or sa != sb:
        differ += 1
        if differ <= 3: print("DIFFER", path, body, sa, sb, da[:120], db[:120])
    if sa != 200:
        codes += 1
        if codes <= 3: print("NOT200", sa, path, body, da[:100])
def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]
for ep in ("similar", "ideas"):
    a, b = lat[(ep, "single")], lat[(ep, "mpi")]
    for name, v in (("single", a), ("mpi", b)):
        print("RESULT endpoint=%s server=%s requests=%d p50_ms=%.2f p99_ms=%.2f" % (ep, name, len(v), pct(v, .5), pct(v, .99)))
    print("OVERHEAD endpoint=%s p50_ms=%+.2f p99_ms=%+.2f" % (ep, pct(b, .5) - pct(a, .5), pct(b, .99) - pct(a, .99)))
print("COMPARED %d requests, %d differing, %d not 200" % (len(reqs), differ, codes))
P
# an orderly end through rank 0 (SIGTERM to it), which prints what the
# sharing moved
r0=$(pgrep -P "$B" | head -n 1)
[ -n "$r0" ] && kill -TERM "$r0" && wait "$B" 2>/dev/null
B=
grep "queries shared" "$D/eb"
