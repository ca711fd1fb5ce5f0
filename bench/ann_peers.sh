#!/bin/sh
# ann_peers.sh — tenyo's IVF and exact scan against the peers at their best:
# native hnswlib (bench/hnsw_bench.cc, header-only libhnswlib-dev at -O3
# -march=native, M swept) and native faiss (bench/faiss_bench.cc over the
# library bench/faiss_native_build.sh builds from Debian's source package:
# IndexFlatIP and IndexIVFScalarQuantizer SQ8), on the very same vectors and
# truth, in rounds that alternate the sides' order; then
# bench/matched_recall.py compares them at equal recall.
#
#   sh bench/ann_peers.sh [N] [ROUNDS]        e.g. sh bench/ann_peers.sh 100000 3
#
# Everything cached outside git in $PEERS (default $HOME/.cache/tenyo-peers):
# faiss's source and build, the two drivers (bin/), the vectors (vecN/, from
# ann_bench --npy-out, seed 42), hnswlib's graphs (keyed by a digest of the
# vectors, M and ef_construction: built once, their build time kept beside
# them) and each run's JSON lines (runs/N-DATE/, printed at the end). Not
# part of CI or `make test`.
#
# Environment: PEERS; BUILD (tenyo's build folder, default build); HNSW_M
# (default 8,16,32); HNSW_EF (fine ef sweep); NPROBE and RERANK (tenyo's
# sweep); FLOAT_RERANK=1 (default) also runs the IVF re-ranking 20 / 50
# candidates from float vectors (NPROBE_F); FAISS_NPROBE; RUNS (repeats inside one invocation, default 1: the
# rounds give the medians); SINGLE (queries for the single-query flat lines).
set -eu
N=${1:-100000}
ROUNDS=${2:-3}
PEERS=${PEERS:-$HOME/.cache/tenyo-peers}
BUILD=${BUILD:-build}
HNSW_M=${HNSW_M:-8,16,32} # "none": no hnswlib (e.g. at 1M without a day to build graphs)
HNSW_EF=${HNSW_EF:-10,12,14,16,18,20,22,24,26,28,30,32,36,40,44,48,52,56,60,64,72,80,88,96,112,128,144,160,192,224,256,320,384,448,512}
NPROBE=${NPROBE:-2,3,4,5,6,7,8,9,10,11,12,14,16,18,20,22,24,28,32,36,40,48,56,64,80,96,128}
RERANK=${RERANK:-0,20}
FAISS_NPROBE=${FAISS_NPROBE:-1,2,3,4,5,6,7,8,9,10,11,12,14,16,18,20,22,24,28,32,40,48,56,64,80,96,128}
RUNS=${RUNS:-1}
FLOAT_RERANK=${FLOAT_RERANK:-1}
NPROBE_F=${NPROBE_F:-8,12,16,20,24,28,32,40,48,56,64,80,96,128}
SINGLE=${SINGLE:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$PEERS/bin"

# drivers (rebuilt when their source is newer)
make -s "BUILD=$BUILD" bench/ann_bench >&2
if [ ! -x "$PEERS/bin/hnsw_bench" ] || [ "$HERE/hnsw_bench.cc" -nt "$PEERS/bin/hnsw_bench" ]; then
    [ -f /usr/include/hnswlib/hnswlib.h ] || { echo "ann_peers: apt-get install libhnswlib-dev" >&2; exit 1; }
    g++ -O3 -march=native -std=c++17 -pthread -I"$HERE" "$HERE/hnsw_bench.cc" -o "$PEERS/bin/hnsw_bench"
fi
FLIB="$PEERS/build-faiss/faiss/libfaiss_avx2.a"
[ -f "$FLIB" ] || PEERS="$PEERS" sh "$HERE/faiss_native_build.sh" >/dev/null
FSRC=$(ls -d "$PEERS"/faiss-[0-9]* | head -1)
if [ ! -x "$PEERS/bin/faiss_bench" ] || [ "$HERE/faiss_bench.cc" -nt "$PEERS/bin/faiss_bench" ]; then
    g++ -O3 -march=native -std=c++17 -fopenmp -I"$HERE" -I"$FSRC" "$HERE/faiss_bench.cc" "$FLIB" \
        -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas -o "$PEERS/bin/faiss_bench"
fi

# the vectors, once
V="$PEERS/vec$N"
if [ ! -f "$V/truth.npy" ]; then
    mkdir -p "$V"
    "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r 1 --skip-ivf --exact-lib 0 --npy-out "$V" >/dev/null
fi
OUT="$PEERS/runs/$N-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$OUT"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
{
    echo "{\"bench\":\"ann_peers\",\"commit\":\"$COMMIT$DIRTY\",\"n\":$N,\"rounds\":$ROUNDS,\"date\":\"$(date -u +%FT%TZ)\",\"cores\":$(nproc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpu\":\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\",\"gxx\":\"$(g++ -dumpfullversion)\"}"
} > "$OUT/meta.json"
cat "$OUT/meta.json"

# hnswlib graphs, once (build time measured then, kept with the graph)
if [ "$HNSW_M" != none ]; then
    "$PEERS/bin/hnsw_bench" "$V" --M "$HNSW_M" --ef 10 -r 1 --cache "$PEERS" > "$OUT/hnsw_build.jsonl"
    grep '"build"' "$OUT/hnsw_build.jsonl"
fi

tenyo() {
    # ann_bench regenerates the vectors (seed 42); it writes its truth too,
    # checked against the peers' so all sides answer the same queries
    mkdir -p "$OUT/check"
    OPENBLAS_NUM_THREADS=1 "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r "$RUNS" --nprobe "$NPROBE" \
        --rerank "$RERANK" --single-queries "$SINGLE" --npy-out "$OUT/check" > "$OUT/r$1.tenyo.jsonl"
    cmp -s "$OUT/check/truth.npy" "$V/truth.npy" && cmp -s "$OUT/check/queries.npy" "$V/queries.npy" || {
        echo "ann_peers: ann_bench drew other vectors than $V" >&2
        exit 1
    }
    rm -rf "$OUT/check"
    # the IVF re-ranking from float vectors (+4k bytes per document): the
    # codes alone saturate below 0.99 recall@10 against the float truth
    if [ "$FLOAT_RERANK" = 1 ]; then
        OPENBLAS_NUM_THREADS=1 "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r "$RUNS" \
            --nprobe "$NPROBE_F" --rerank 20,50 --rerank-from floats --exact-lib 0 \
            > "$OUT/r$1.tenyof.jsonl"
    fi
}
hnsw() {
    [ "$HNSW_M" = none ] && return 0
    "$PEERS/bin/hnsw_bench" "$V" --M "$HNSW_M" --ef "$HNSW_EF" -r "$RUNS" --cache "$PEERS" \
        > "$OUT/r$1.hnsw.jsonl"
}
faiss() {
    "$PEERS/bin/faiss_bench" "$V" --nprobe "$FAISS_NPROBE" -r "$RUNS" --single-queries "$SINGLE" \
        > "$OUT/r$1.faiss.jsonl"
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    case $((r % 3)) in
    1) tenyo $r; hnsw $r; faiss $r ;;
    2) hnsw $r; faiss $r; tenyo $r ;;
    0) faiss $r; tenyo $r; hnsw $r ;;
    esac
    r=$((r + 1))
done
/usr/bin/python3 "$HERE/matched_recall.py" "$OUT" | tee "$OUT/compare.txt"
echo "ann_peers: results in $OUT" >&2
