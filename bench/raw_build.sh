#!/bin/sh
# bench/raw_build.sh — index build from raw text, tenyo against the Python
# pipeline (bench/raw_pipeline.py: MeCab -Owakati, sklearn TfidfVectorizer,
# TruncatedSVD, same rank), interleaved round by round in one invocation,
# medians and the ratio printed, with tenyo's phases (its summary line).
#
# Corpus: the records of ../shared/data/jp/jplatpat.jsonl that have an
# abstract, TIMES times over with new ids ("ID-i"): 6,091 x 10 = 60,910
# documents by default. tenyo's time is everything the default index holds
# (field model, phrases, abstracts included); the Python pipeline stops at
# the normalised LSA vectors and is timed inside the process (imports not
# counted).
#
# BEFORE=path/to/another/tenyo adds that binary to every round (an earlier
# commit's build, for before/after figures from the same rounds).
#
# Usage: sh bench/raw_build.sh       (env: RUNS=3 TIMES=10 K=256
#                                      WORK=/tmp/tenyo-rawbuild THREADS=nproc
#                                      BEFORE=)
set -eu
RUNS=${RUNS:-3}
TIMES=${TIMES:-10}
K=${K:-256}
WORK=${WORK:-/tmp/tenyo-rawbuild}
THREADS=${THREADS:-$(nproc)}
PY=/usr/bin/python3
SRC=../shared/data/jp/jplatpat.jsonl
cd "$(dirname "$0")/.."
[ -f "$SRC" ] || { echo "skip: $SRC not found"; exit 0; }
"$PY" -c 'import MeCab, sklearn' 2>/dev/null ||
    { echo "bench/raw_build.sh: needs python3-mecab and python3-sklearn (bench/setup.sh)" >&2; exit 1; }
make -s build/tenyo >/dev/null
mkdir -p "$WORK"
CORPUS=$WORK/jp_x$TIMES.jsonl
"$PY" - "$SRC" "$CORPUS" "$TIMES" <<'EOF'
import json, sys
src, out, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
recs = [json.loads(l) for l in open(src, encoding="utf-8")]
recs = [r for r in recs if r.get("abstract")]
with open(out, "w", encoding="utf-8") as f:
    for i in range(times):
        for r in recs:
            f.write(json.dumps(dict(r, id="%s-%d" % (r["id"], i)), ensure_ascii=False) + "\n")
EOF
echo "# machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "# corpus: $(wc -l < "$CORPUS") documents ($CORPUS), rank $K, tenyo --threads $THREADS, runs $RUNS"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$WORK/tenyo.log"
: > "$WORK/py.jsonl"
: > "$WORK/before.log"
for r in $(seq "$RUNS"); do
    if [ -n "${BEFORE:-}" ]; then
        "$BEFORE" index -q -t "$THREADS" -d "$K" -o "$WORK/b.tny" "$CORPUS" 2>> "$WORK/before.log"
        tail -1 "$WORK/before.log" | sed 's/^indexed .*rank/  before: rank/; s/, [0-9.]* MB.*//'
    fi
    build/tenyo index -q -t "$THREADS" -d "$K" -o "$WORK/x.tny" "$CORPUS" 2>> "$WORK/tenyo.log"
    tail -1 "$WORK/tenyo.log" | sed 's/^indexed .*rank/  tenyo: rank/; s/, [0-9.]* MB.*//'
    "$PY" bench/raw_pipeline.py -k "$K" "$CORPUS" | tee -a "$WORK/py.jsonl" | sed 's/^/  python: /'
    echo "# load average after round $r: $(cut -d' ' -f1-3 /proc/loadavg)"
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t=$(sed -n 's/.* rank [0-9]*, \([0-9.]*\) s (tokenize.*/\1/p' "$WORK/tenyo.log" | median)
p=$(sed -n 's/.*"sec_total": \([0-9.]*\).*/\1/p' "$WORK/py.jsonl" | median)
for ph in tokenize read weight svd "field model" keywords write other; do
    v=$(sed -n "s/.*[(,] *$ph \([0-9.]*\) s.*/\1/p" "$WORK/tenyo.log" | median)
    printf '# tenyo %s: median %s s\n' "$ph" "$v"
done
if [ -n "${BEFORE:-}" ]; then
    b=$(sed -n 's/.* rank [0-9]*, \([0-9.]*\) s (tokenize.*/\1/p' "$WORK/before.log" | median)
    awk -v b="$b" -v p="$p" 'BEGIN { printf "before (%s): %.2f s: python / before = %.2fx\n", ENVIRON["BEFORE"], b, p / b }'
fi
awk -v t="$t" -v p="$p" 'BEGIN { printf "build from raw text: tenyo %.2f s, python %.2f s (medians of the rounds): python / tenyo = %.2fx\n", t, p, p / t }'
