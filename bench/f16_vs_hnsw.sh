#!/bin/sh
# f16_vs_hnsw.sh — the 0.99-recall row at no more memory than the graph
# peers: tenyo's IVF re-ranking from a float16 copy of the vectors
# (ann_bench --rerank-from f16: the library's re-rank, what an index built
# with `tenyo index --ivf --f16` runs; +2k bytes per document) against
# native hnswlib (graphs M 8/16/32 from bench/ann_peers.sh's cache) and,
# with FAISS=1, native faiss IVF-SQ8 (bench/faiss_bench.cc, no flat index),
# around recall 0.95 and 0.99, rounds alternating the sides, compared at
# matched recall by bench/matched_recall.py.
#
#   sh bench/f16_vs_hnsw.sh [N] [ROUNDS]        e.g. sh bench/f16_vs_hnsw.sh 100000 3
#   HNSW_M=none FAISS=1 sh bench/f16_vs_hnsw.sh 1000000 2   (1M: no graphs built here)
#
# Environment: PEERS, BUILD, HNSW_M ("none": no hnswlib), HNSW_EF, NPROBE,
# RERANK (tenyo's sweep; default 0,20), FAISS (1: faiss IVF-SQ8 too),
# FAISS_NPROBE.
set -eu
N=${1:-100000}
ROUNDS=${2:-3}
PEERS=${PEERS:-$HOME/.cache/tenyo-peers}
BUILD=${BUILD:-build}
HNSW_M=${HNSW_M:-8,16,32}
HNSW_EF=${HNSW_EF:-16,18,20,22,24,26,28,32,48,52,56,60,64,72,80,88,96,112,128,192,224,256,288,320,384}
NPROBE=${NPROBE:-6,7,8,9,10,12,16,20,24,28,32,40,48}
RERANK=${RERANK:-0,20}
FAISS=${FAISS:-0}
FAISS_NPROBE=${FAISS_NPROBE:-4,6,8,10,12,14,16,20,24,28,32,40,48,64,96,128,192,256}
HERE=$(cd "$(dirname "$0")" && pwd)
make -s "BUILD=$BUILD" bench/ann_bench >&2
V="$PEERS/vec$N"
[ -f "$V/truth.npy" ] && [ -x "$PEERS/bin/hnsw_bench" ] || { echo "f16_vs_hnsw: run bench/ann_peers.sh $N first" >&2; exit 1; }
[ "$FAISS" = 0 ] || [ -x "$PEERS/bin/faiss_bench" ] || { echo "f16_vs_hnsw: run bench/ann_peers.sh $N first (faiss)" >&2; exit 1; }
OUT="$PEERS/runs/f16-$N-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$OUT"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
echo "{\"bench\":\"f16_vs_hnsw\",\"commit\":\"$COMMIT$DIRTY\",\"n\":$N,\"rounds\":$ROUNDS,\"date\":\"$(date -u +%FT%TZ)\",\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee "$OUT/meta.json"
tenyo() {
    echo "round $1 tenyo: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    mkdir -p "$OUT/check"
    OPENBLAS_NUM_THREADS=1 "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r 1 --nprobe "$NPROBE" \
        --rerank "$RERANK" --rerank-from f16 --exact-lib 0 --npy-out "$OUT/check" > "$OUT/r$1.tenyo.jsonl"
    cmp -s "$OUT/check/truth.npy" "$V/truth.npy" || { echo "f16_vs_hnsw: other vectors than $V" >&2; exit 1; }
    rm -rf "$OUT/check"
}
hnsw() {
    if [ "$HNSW_M" != none ]; then
        echo "round $1 hnsw: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        "$PEERS/bin/hnsw_bench" "$V" --M "$HNSW_M" --ef "$HNSW_EF" -r 1 --cache "$PEERS" > "$OUT/r$1.hnsw.jsonl"
    fi
    if [ "$FAISS" = 1 ]; then
        echo "round $1 faiss: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        "$PEERS/bin/faiss_bench" "$V" --flat 0 --nprobe "$FAISS_NPROBE" -r 1 > "$OUT/r$1.faiss.jsonl"
    fi
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
    if [ $((r % 2)) = 1 ]; then tenyo $r; hnsw $r; else hnsw $r; tenyo $r; fi
    r=$((r + 1))
done
/usr/bin/python3 "$HERE/matched_recall.py" "$OUT" | tee "$OUT/compare.txt"
echo "f16_vs_hnsw: results in $OUT" >&2
