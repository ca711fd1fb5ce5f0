#!/bin/sh
# ann_vs_peers.sh — tenyo's IVF (bench/ann_bench.c) and hnswlib side by side,
# in one invocation, on the very same vectors, against the very same exact
# top 10.
#
#   sh bench/ann_vs_peers.sh [N] [ann_bench options...]
#   e.g. sh bench/ann_vs_peers.sh 100000 --nprobe 4,8,16,32,64
#
# ann_bench generates N x 256 LSA-like unit vectors (see its header), runs
# the IVF sweep and writes base.npy, queries.npy and truth.npy; then
# Debian's python3-hnswlib (run with /usr/bin/python3: a pyenv python on
# PATH lacks Debian's packages) builds M=16, ef_construction=200 on all
# cores and sweeps ef. Both sides print JSON lines; the last line compares,
# at recall@10 >= 0.95 (RECALL to change it), the fastest setting of each:
# single-thread QPS, memory per document and build time.
#
# Fairness notes. hnswlib's single-thread QPS is one knn_query call over all
# queries with set_num_threads(1): the loop runs in C++, so Python's
# per-call overhead is not charged to it; its per-query latencies are taken
# from Python calls and include that overhead (reported as such). tenyo's
# single-query numbers pin OpenBLAS to one thread. Memory: hnswlib's index
# holds the float vectors and the graph (its saved size); tenyo's IVF holds
# int8 codes, ids and centroids and re-ranks from those codes, as an index
# does (ann_bench --rerank-from floats re-ranks from float vectors instead,
# and is then charged 4 k bytes more per document).
#
# Environment: BUILD (default build), RECALL (default 0.95), EF (the ef
# sweep, default 10,16,24,32,48,64,96,128,192,256), KEEP=1 keeps the .npy
# files (their folder is printed), HNSW_INDEX=FILE saves hnswlib's graph
# there (with FILE.json: build seconds, threads, digest of the vectors) and
# reuses it on a later run over the same vectors, so the query sweep can be
# repeated on a quiet machine without a 1M build (tens of minutes on 2 cores).
set -eu
N=${1:-100000}
[ $# -gt 0 ] && shift
BUILD=${BUILD:-build}
RECALL=${RECALL:-0.95}
EF=${EF:-10,16,24,32,48,64,96,128,192,256}
BIN=$BUILD/bench/ann_bench
if [ ! -x "$BIN" ] || [ bench/ann_bench.c -nt "$BIN" ]; then
    make -s "BUILD=$BUILD" bench/ann_bench >&2
fi
/usr/bin/python3 -c 'import hnswlib, numpy' 2>/dev/null || {
    echo "ann_vs_peers: needs Debian's python3-hnswlib and python3-numpy:" >&2
    echo "  sudo apt-get install -y python3-hnswlib python3-numpy" >&2
    exit 1
}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-ann-XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then echo "ann_vs_peers: files in $DIR" >&2; else trap 'rm -rf "$DIR"' EXIT; fi
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
echo "{\"bench\":\"ann_vs_peers\",\"commit\":\"$COMMIT$DIRTY\",\"n\":$N}"
"$BIN" -n "$N" --npy-out "$DIR" "$@" | tee "$DIR/tenyo.jsonl"
/usr/bin/python3 - "$DIR" "$RECALL" "$EF" <<'EOF'
import hashlib, json, os, statistics, sys, time
import numpy as np
import hnswlib

d, want, efs = sys.argv[1], float(sys.argv[2]), [int(e) for e in sys.argv[3].split(",")]
X = np.load(os.path.join(d, "base.npy"))
Q = np.load(os.path.join(d, "queries.npy"))
T = np.load(os.path.join(d, "truth.npy"))
n, k = X.shape
cores = os.cpu_count() or 1
runs = 3
def emit(o):
    print(json.dumps(o), flush=True)

hi = hnswlib.Index(space="ip", dim=k)
cache = os.environ.get("HNSW_INDEX", "")
digest = hashlib.sha256(X.tobytes()).hexdigest() if cache else ""
if cache and os.path.exists(cache) and os.path.exists(cache + ".json"):
    # a graph built earlier on the very same vectors (same N, generator and
    # seed; checked by the vectors' digest), so a query sweep can be rerun
    # on a quiet machine without the build
    meta = json.load(open(cache + ".json"))
    if meta["digest"] != digest:
        sys.exit("ann_vs_peers: %s was built on other vectors" % cache)
    hi.load_index(cache, max_elements=n)
    tb, nbytes, bthreads = meta["sec"], os.path.getsize(cache), meta["threads"]
    reused = True
else:
    reused = False
    t0 = time.perf_counter()
    hi.init_index(max_elements=n, ef_construction=200, M=16, random_seed=42)
    hi.set_num_threads(cores)
    hi.add_items(X, np.arange(n))
    tb = time.perf_counter() - t0
    bthreads = cores
    p = cache or os.path.join(d, "hnsw.bin")
    hi.save_index(p)
    nbytes = os.path.getsize(p)
    if cache:
        json.dump({"sec": tb, "threads": cores, "digest": digest},
                  open(cache + ".json", "w"))
    else:
        os.unlink(p)
del X
emit({"peer": "hnswlib", "measure": "build", "M": 16, "ef_construction": 200,
      "threads": bthreads, "sec": round(tb, 2), "bytes_per_doc": round(nbytes / n, 1),
      "reused": reused})
rows = []
for ef in efs:
    hi.set_ef(ef)
    hi.set_num_threads(1)
    ts = []
    for _ in range(runs):
        a = time.perf_counter()
        labels, _ = hi.knn_query(Q, k=10)
        ts.append(time.perf_counter() - a)
    rec = np.mean([len(set(labels[i]) & set(T[i])) / 10.0 for i in range(len(Q))])
    lat = []
    for i in range(len(Q)):
        a = time.perf_counter()
        hi.knn_query(Q[i:i + 1], k=10)
        lat.append(time.perf_counter() - a)
    lat.sort()
    pc = lambda q: lat[max(0, int(np.ceil(q / 100 * len(lat))) - 1)] * 1e6
    hi.set_num_threads(cores)
    tbs = []
    for _ in range(runs):
        a = time.perf_counter()
        hi.knn_query(Q, k=10)
        tbs.append(time.perf_counter() - a)
    r = {"peer": "hnswlib", "measure": "search", "ef": ef, "recall_at_10": round(float(rec), 4),
         "qps_1thread": round(len(Q) / statistics.median(ts)),
         "p50_us_python": round(pc(50), 1), "p95_us_python": round(pc(95), 1),
         "p99_us_python": round(pc(99), 1),
         "qps_batched": round(len(Q) / statistics.median(tbs)), "batch_threads": cores,
         "bytes_per_doc": round(nbytes / n, 1)}
    rows.append(r)
    emit(r)

# the comparison at the wanted recall
tn = [json.loads(l) for l in open(os.path.join(d, "tenyo.jsonl"))]
build = next(o for o in tn if o.get("measure") == "ivf_build")
ok = [o for o in tn if o.get("measure") == "ivf_search" and o["recall_at_10"] >= want]
hk = [o for o in rows if o["recall_at_10"] >= want]
out = {"measure": "compare", "at_recall": want}
if ok:
    b = max(ok, key=lambda o: o["qps_1thread"])
    # memory: the structure alone when it re-ranks from its own codes (or
    # does not re-rank), else plus the float vectors it reads
    floats = b["rerank"] > 0 and b.get("rerank_from", "floats") == "floats"
    mem = build["bytes_per_doc_with_float_vectors"] if floats else build["bytes_per_doc"]
    out["tenyo_ivf"] = {"nprobe": b["nprobe"], "rerank": b["rerank"],
                        "rerank_from": b.get("rerank_from", "floats"),
                        "recall_at_10": b["recall_at_10"],
                        "qps_1thread": b["qps_1thread"], "qps_batched": b["qps_batched"],
                        "bytes_per_doc": mem, "build_s": build["sec"]}
if hk:
    h = max(hk, key=lambda o: o["qps_1thread"])
    out["hnswlib"] = {"ef": h["ef"], "recall_at_10": h["recall_at_10"], "qps_1thread": h["qps_1thread"],
                      "qps_batched": h["qps_batched"], "bytes_per_doc": h["bytes_per_doc"],
                      "build_s": round(tb, 2)}
if ok and hk:
    out["qps_ratio_tenyo_over_hnswlib"] = round(b["qps_1thread"] / h["qps_1thread"], 2)
    out["batched_qps_ratio"] = round(b["qps_batched"] / h["qps_batched"], 2)
    out["memory_ratio_tenyo_over_hnswlib"] = round(mem / h["bytes_per_doc"], 3)
    out["build_ratio_hnswlib_over_tenyo"] = round(tb / build["sec"], 2)
emit(out)
EOF
