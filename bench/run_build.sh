#!/bin/sh
# bench/run_build.sh — index-build benchmark: tenyo vs sklearn vs gensim at the
# same rank on the same corpus, medians of RUNS runs, ratios printed; then the
# query-side peers (faiss, hnswlib, sklearn, gensim) against tenyo's exact scan
# on the same corpus. Corpora: a generated one (bench/gen_corpus, N docs,
# default 100k) and the real jp corpus ../shared/data/jp/jplatpat.jsonl.
#
# Same tokens: the peers read the terms tenyo itself produces (`tenyo tokens
# --file` over the text gen_corpus --text writes, or over title + abstract of
# the jp records), so vocabulary, df filters (min_df 2, max_df 0.5) and rank
# agree: the jp run gives the same 12,228 terms on both sides. tenyo's build
# time includes reading JSONL and MeCab tokenization; the peers start from
# pre-split tokens in memory. So tenyo is timed twice: from raw text (`tenyo
# index`, whole build) and "tokens in" (bench/build_bench: weighting + SVD
# from the same token file the peers read, through the builder's internal
# functions, file reading excluded as for the peers). Ratios are printed
# against both, all from medians of RUNS runs in this one invocation.
#
# Usage: sh bench/run_build.sh [N]     (env: RUNS=3 K=256 WORK=/tmp/tenyo-bench
#                                       SKIP_SEARCH=1 SKIP_JP=1 SKIP_GEN=1)
# Output: human summary on stdout; JSON lines in $WORK/results.jsonl.
set -eu

N=${1:-100000}
RUNS=${RUNS:-3}
K=${K:-256}
WORK=${WORK:-/tmp/tenyo-bench}
PY=/usr/bin/python3
DATA=../shared/data
cd "$(dirname "$0")/.."
mkdir -p "$WORK" build/bench
RES="$WORK/results.jsonl"

make -s build/tenyo >/dev/null
make -s bench/gen_corpus bench/query_bench bench/build_bench >/dev/null
sh bench/setup.sh >/dev/null

echo "# machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "# OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset} OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}; runs=$RUNS k=$K"
echo "# tenyo: --threads $(nproc) (its SVD pins OpenBLAS to 1 thread and runs its own); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# tokens FILE_TEXT OUT: tenyo's terms, one line per line of FILE_TEXT (the
# tokens command reads at most 64 MiB per file, so the text goes in chunks).
tokens() {
    rm -rf "$WORK/split" && mkdir -p "$WORK/split"
    split -C 60m -d -a 4 "$1" "$WORK/split/p."
    for f in "$WORK/split"/p.*; do build/tenyo tokens --file "$f"; done > "$2"
    rm -rf "$WORK/split"
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench_corpus NAME JSONL TOKENS
bench_corpus() {
    name=$1 jsonl=$2 tok=$3
    : > "$WORK/tenyo_$name.log"
    for r in $(seq "$RUNS"); do
        /usr/bin/time -f 'maxrss_kb %M' build/tenyo index -q -d "$K" -o "$WORK/$name.tny" "$jsonl" \
            2>> "$WORK/tenyo_$name.log"
    done
    tot=$(sed -n 's/.* rank [0-9]*, \([0-9.]*\) s (tokenize.*/\1/p' "$WORK/tenyo_$name.log" | median)
    tokz=$(sed -n 's/.*(tokenize \([0-9.]*\) s,.*/\1/p' "$WORK/tenyo_$name.log" | median)
    svd=$(sed -n 's/.*, svd \([0-9.]*\) s[,)].*/\1/p' "$WORK/tenyo_$name.log" | median)
    rss=$(sed -n 's/^maxrss_kb //p' "$WORK/tenyo_$name.log" | median)
    tail -2 "$WORK/tenyo_$name.log" | head -1
    printf '{"bench":"build","peer":"tenyo","corpus":"%s","k":%s,"runs":%s,"sec_median":%s,"sec_tokenize":%s,"sec_svd":%s,"maxrss_kb":%s}\n' \
        "$name" "$K" "$RUNS" "$tot" "$tokz" "$svd" "$rss" | tee -a "$RES"
    build/bench/build_bench "$tok" -k "$K" -r "$RUNS" | tee "$WORK/tokin_$name.out" | tail -1 | tee -a "$RES"
    tin=$(tail -1 "$WORK/tokin_$name.out" | sed -n 's/.*"sec_median":\([0-9.]*\).*/\1/p')
    $PY bench/peers.py build --tokens "$tok" -k "$K" --runs "$RUNS" | tee "$WORK/peers_$name.jsonl" | cut -c1-400
    cat "$WORK/peers_$name.jsonl" >> "$RES"
    echo "# load average after $name: $(cut -d' ' -f1-3 /proc/loadavg)"
    for p in sklearn gensim; do
        ps=$($PY -c "import json,sys
for l in open('$WORK/peers_$name.jsonl'):
    d=json.loads(l)
    if d['peer']=='$p': print(d['sec_median'])")
        awk -v n="$name" -v p="$p" -v ps="$ps" -v t="$tot" -v tz="$tokz" -v ti="$tin" 'BEGIN {
            printf "RATIO %s: %s %.2f s / tenyo from text %.2f s = %.2fx; / tenyo tokens-in %.2f s = %.2fx (tenyo from text minus tokenize %.2f s: %.2fx)\n",
                   n, p, ps, t, ps / t, ti, ps / ti, t - tz, ps / (t - tz) }'
    done
}

if [ -z "${SKIP_GEN:-}" ]; then
    G="$WORK/gen$N"
    if [ ! -s "$G.jsonl" ]; then
        build/bench/gen_corpus -n "$N" -o "$G.jsonl" --text "$G.txt" --stats
        tokens "$G.txt" "$G.tok"
    fi
    $PY bench/peers.py stats --tokens "$G.tok" --jsonl "$G.jsonl" | tee -a "$RES"
    bench_corpus "gen$N" "$G.jsonl" "$G.tok"
    if [ -z "${SKIP_SEARCH:-}" ]; then
        build/bench/query_bench "$WORK/gen$N.tny" -q 1000 -r "$RUNS" | tee -a "$RES"
        $PY bench/peers.py search --tokens "$G.tok" -k "$K" --runs "$RUNS" \
            --cache "$WORK/gen$N.lsa.npy" | tee -a "$RES" | cut -c1-300
    fi
fi

if [ -z "${SKIP_JP:-}" ] && [ -f "$DATA/jp/jplatpat.jsonl" ]; then
    J="$WORK/jp"
    $PY -c "import json
for l in open('$DATA/jp/jplatpat.jsonl', encoding='utf-8'):
    d = json.loads(l)
    print(' '.join(((d.get('title') or '') + ' ' + (d.get('abstract') or '')).split()))" > "$J.txt"
    tokens "$J.txt" "$J.tok"
    $PY bench/peers.py stats --tokens "$J.tok" --jsonl "$DATA/jp/jplatpat.jsonl" | tee -a "$RES"
    bench_corpus jp "$DATA/jp/jplatpat.jsonl" "$J.tok"
fi
