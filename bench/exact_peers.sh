#!/bin/sh
# exact_peers.sh — tenyo's exact int8 search against native faiss IndexFlatIP
# only (no IVF, no hnswlib): the part of bench/ann_peers.sh that a session
# measuring the exact scan needs, in a few minutes instead of an hour.
#
#   sh bench/exact_peers.sh [N] [ROUNDS]        e.g. sh bench/exact_peers.sh 100000 3
#
# Same vectors and truth as ann_peers.sh ($PEERS/vecN, written there by
# ann_bench --npy-out if missing; ann_bench regenerates them, seed 42, and its
# truth is checked against the cached one), same drivers (faiss_bench from
# $PEERS/bin, built by ann_peers.sh). Rounds alternate which side runs first;
# each round records the load average before each side. ann_bench runs
# --skip-ivf (exact lines only): single queries (SINGLE of them), batched by
# ty_q8_scan_multi + ty_topk_array ("batch32", what tenyo_similar_batch does)
# and by ty_q8_topk_multi ("batch32_topk"), each on 1 and 2 threads; faiss
# single and batched on 1 and 2 threads. Results: $PEERS/runs/exact-N-DATE/,
# summarised by bench/exact_peers.py (medians over rounds, ratios).
set -eu
N=${1:-100000}
ROUNDS=${2:-3}
PEERS=${PEERS:-$HOME/.cache/tenyo-peers}
BUILD=${BUILD:-build}
SINGLE=${SINGLE:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
make -s "BUILD=$BUILD" bench/ann_bench >&2
[ -x "$PEERS/bin/faiss_bench" ] || { echo "exact_peers: run bench/ann_peers.sh once (builds faiss_bench)" >&2; exit 1; }
V="$PEERS/vec$N"
if [ ! -f "$V/truth.npy" ]; then
    mkdir -p "$V"
    "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r 1 --skip-ivf --exact-lib 0 --npy-out "$V" >/dev/null
fi
OUT="$PEERS/runs/exact-$N-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$OUT"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
echo "{\"bench\":\"exact_peers\",\"commit\":\"$COMMIT$DIRTY\",\"n\":$N,\"rounds\":$ROUNDS,\"date\":\"$(date -u +%FT%TZ)\",\"cores\":$(nproc),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpu\":\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\"}" > "$OUT/meta.json"
cat "$OUT/meta.json"
tenyo() {
    mkdir -p "$OUT/check"
    echo "{\"side\":\"tenyo\",\"round\":$1,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" > "$OUT/r$1.tenyo.jsonl"
    OPENBLAS_NUM_THREADS=1 "$BUILD/bench/ann_bench" -n "$N" -q 1000 -r 1 --skip-ivf \
        --single-queries "$SINGLE" --npy-out "$OUT/check" >> "$OUT/r$1.tenyo.jsonl"
    cmp -s "$OUT/check/truth.npy" "$V/truth.npy" || { echo "exact_peers: other vectors than $V" >&2; exit 1; }
    rm -rf "$OUT/check"
}
faiss() {
    echo "{\"side\":\"faiss\",\"round\":$1,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" > "$OUT/r$1.faiss.jsonl"
    "$PEERS/bin/faiss_bench" "$V" --flat 1 --ivf 0 -r 1 --single-queries "$SINGLE" >> "$OUT/r$1.faiss.jsonl"
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    if [ $((r % 2)) = 1 ]; then tenyo $r; faiss $r; else faiss $r; tenyo $r; fi
    r=$((r + 1))
done
/usr/bin/python3 "$HERE/exact_peers.py" "$OUT" | tee "$OUT/compare.txt"
echo "exact_peers: results in $OUT" >&2
