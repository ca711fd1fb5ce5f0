#!/bin/sh
# sparse_vs_xapian.sh — tenyo's TF-IDF top-10 (full postings scan and the
# pruned scan) against Xapian fed the same terms and weights, on one index,
# alternating: tenyo, Xapian, tenyo, Xapian... ROUNDS times, each run over
# the same seeded query documents; prints every run and the medians of the
# p50s and of the QPS, with the ratios tenyo / Xapian.
#
#   sh bench/sparse_vs_xapian.sh INDEX [QUERIES] [ROUNDS]
#
# Needs libxapian-dev (bench/setup.sh installs it); builds build/bench/
# sparse_export, topk_bench (make) and xapian_bench (g++ -O2). The Xapian
# database is built once next to the index (INDEX.xapian/) from the export.
# tenyo runs with OPENBLAS_NUM_THREADS=1, one thread, like Xapian.
set -eu
IDX=$1
Q=${2:-200}
R=${3:-3}
B=${BUILD:-build}
make -s bench/sparse_export bench/topk_bench
g++ -O2 -std=c++17 -o "$B/bench/xapian_bench" bench/xapian_bench.cc -lxapian
EXP="$IDX.sx"
[ -s "$EXP" ] || "$B/bench/sparse_export" "$IDX" "$EXP" -q "$Q" --seed 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=0
while [ "$i" -lt "$R" ]; do
    OPENBLAS_NUM_THREADS=1 "$B/bench/topk_bench" "$IDX" -q "$Q" -r 1 --seed 1 --modes tfidf |
        grep '"mode"' | tee -a "$out"
    "$B/bench/xapian_bench" "$EXP" "$IDX.xapian" -r 1 | grep '"round"' | tee -a "$out"
    i=$((i + 1))
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t = [r for r in rows if r.get("mode") == "tfidf"]
x = [r for r in rows if r.get("peer") == "xapian"]
m = statistics.median
tf, tp, xp = m(r["full_p50_ms"] for r in t), m(r["pruned_p50_ms"] for r in t), m(r["p50_ms"] for r in x)
xq = m(r["qps"] for r in x)
print(f"medians over {len(t)} alternating rounds: tenyo full p50 {tf:.2f} ms, tenyo pruned p50 {tp:.2f} ms, "
      f"Xapian p50 {xp:.2f} ms (QPS {xq:.1f}), overlap@10 with tenyo {x[-1]['overlap10']:.3f}")
print(f"ratio (Xapian p50 / tenyo p50): full {xp / tf:.2f}x, pruned {xp / tp:.2f}x")
PY
