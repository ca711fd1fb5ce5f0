#!/bin/sh
# bench/raw_build.sh — an index build from raw text against its floor and
# its peer, in one run: round by round, on the same input and cores,
#   (a) the floor: MeCab alone over the text `tenyo index` tokenizes
#       (build/bench/mecab_floor: the same dictionary, the text normalised
#       the same way before its clock starts, every core);
#   (b) `tenyo index` with the defaults (everything the default index
#       holds: field model, phrases, keyword index, abstracts), the wall
#       time of the process (what its user waits for: start and dictionary
#       load included), its phases from its summary line;
#   (c) the Python pipeline (bench/raw_pipeline.py: MeCab -Owakati,
#       sklearn TfidfVectorizer, TruncatedSVD, same rank), timed inside the
#       process (imports not counted);
# then the median and range (min-max) of each over the rounds, the median
# of each phase of (b), and the ratios b/a (the build against its floor)
# and c/b (the peer against the build), each the ratio of the medians,
# with the range of the per-round ratios. The load average is printed
# before and after every round: the machine may be shared, so compare
# ratios from one run only.
#
# Corpus: the FILEs given, else the records of
# ../shared/data/jp/jplatpat.jsonl that have an abstract, TIMES times
# over with new ids ("ID-i"): 6,091 x 10 = 60,910 documents by default.
#
# Options (each also an environment variable, the option winning):
#   -r, --runs N        rounds (RUNS, default 3)
#   -t, --threads N     tenyo's and the floor's threads (THREADS, default
#                       every core; the Python side keeps OpenBLAS's own)
#   -k N                rank (K, default 256)
#   --times N           copies of the jp records in the default corpus
#                       (TIMES, default 10)
#   --no-python         leave (c) out (NOPY=1): no c/b ratio
#   --before BIN        another tenyo binary timed in every round too
#                       (BEFORE: an earlier commit's build, for
#                       before/after figures from the same rounds; its
#                       index is compared with (b)'s byte for byte)
#   --work DIR          where its scratch folder goes (WORK, default /tmp):
#                       a new folder DIR/tenyo-rawbuild.XXXXXX of its own
#                       for every run, so that no file already in DIR is
#                       written; removed at the end unless the run failed
#                       or the indexes differ (then its name is printed)
# TENYO and FLOOR name the binaries (default build/tenyo and
# build/bench/mecab_floor, made with make when missing).
#
# Usage: sh bench/raw_build.sh [options] [FILE...]
set -eu
RUNS=${RUNS:-3}
TIMES=${TIMES:-10}
K=${K:-256}
WORK=${WORK:-/tmp}
THREADS=${THREADS:-$(nproc)}
NOPY=${NOPY:-0}
BEFORE=${BEFORE:-}
PY=/usr/bin/python3
me=bench/raw_build.sh
die() { echo "$me: $*" >&2; exit 2; }
num() { # option value lo hi
    case $2 in '' | *[!0-9]*) die "$1 wants a whole number from $3 to $4, not '$2'" ;; esac
    [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || die "$1 wants a whole number from $3 to $4, not '$2'"
}
while [ $# -gt 0 ]; do
    case $1 in
        -r | --runs) [ $# -ge 2 ] || die "$1 needs a value"; RUNS=$2; shift 2 ;;
        -t | --threads) [ $# -ge 2 ] || die "$1 needs a value"; THREADS=$2; shift 2 ;;
        -k) [ $# -ge 2 ] || die "$1 needs a value"; K=$2; shift 2 ;;
        --times) [ $# -ge 2 ] || die "$1 needs a value"; TIMES=$2; shift 2 ;;
        --no-python) NOPY=1; shift ;;
        --before) [ $# -ge 2 ] || die "$1 needs a value"; BEFORE=$2; shift 2 ;;
        --work) [ $# -ge 2 ] || die "$1 needs a value"; WORK=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
num --runs "$RUNS" 1 31
num --threads "$THREADS" 1 256
num -k "$K" 1 4096
num --times "$TIMES" 1 1000
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || die "--before: $BEFORE is not an executable"
n=$#
for f in "$@"; do
    [ -r "$f" ] && [ -f "$f" ] || die "cannot read $f"
    case $f in /*) ;; *) f=$PWD/$f ;; esac
    set -- "$@" "$f"
done
shift "$n"
case ${TENYO:-} in '' | /*) ;; *) TENYO=$PWD/$TENYO ;; esac
case ${FLOOR:-} in '' | /*) ;; *) FLOOR=$PWD/$FLOOR ;; esac
case $BEFORE in '' | /*) ;; *) BEFORE=$PWD/$BEFORE ;; esac
case $WORK in /*) ;; *) WORK=$PWD/$WORK ;; esac
cd "$(dirname "$0")/.."
[ -n "${TENYO:-}" ] || make -s build/tenyo >/dev/null
[ -n "${FLOOR:-}" ] || make -s bench/mecab_floor >/dev/null
T=${TENYO:-build/tenyo}
FLOOR=${FLOOR:-build/bench/mecab_floor}
[ -x "$T" ] || die "no tenyo binary at $T"
[ -x "$FLOOR" ] || die "no floor binary at $FLOOR"
[ "$NOPY" = 1 ] || "$PY" -c 'import MeCab, sklearn' 2>/dev/null ||
    { echo "$me: needs python3-mecab and python3-sklearn (bench/setup.sh), or --no-python" >&2; exit 1; }
mkdir -p "$WORK" || die "--work: cannot make $WORK"
[ -d "$WORK" ] || die "--work: $WORK is not a directory"
RUN=$(mktemp -d "$WORK/tenyo-rawbuild.XXXXXX") || die "--work: cannot make a folder in $WORK"
KEEP=0
# the run's own folder: removed when all went well, else kept and named
trap 'st=$?; if [ "$st" = 0 ] && [ "$KEEP" = 0 ]; then rm -rf "$RUN"; else echo "$me: scratch kept in $RUN" >&2; fi' EXIT
WORK=$RUN
if [ $# -eq 0 ]; then
    SRC=../shared/data/jp/jplatpat.jsonl
    [ -f "$SRC" ] || { echo "skip: $SRC not found"; exit 0; }
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
    set -- "$CORPUS"
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "# corpus: $(cat "$@" | wc -l) lines ($*), rank $K, threads $THREADS, runs $RUNS"
echo "# load average at start: $(load)"
: > "$WORK/floor.log"; : > "$WORK/tenyo.log"; : > "$WORK/py.jsonl"; : > "$WORK/before.log"
: > "$WORK/tenyo.wall"; : > "$WORK/before.wall"
for r in $(seq "$RUNS"); do
    "$FLOOR" -t "$THREADS" -r 1 --json "$@" > "$WORK/floor.out"
    grep '^{' "$WORK/floor.out" >> "$WORK/floor.log"
    sed -n 's/.*"sec_median": \([0-9.]*\).*/  floor: mecab \1 s/p' "$WORK/floor.out"
    if [ -n "$BEFORE" ]; then
        t0=$(date +%s%N)
        "$BEFORE" index -q -t "$THREADS" -d "$K" -o "$WORK/b.tny" "$@" 2>> "$WORK/before.log"
        t1=$(date +%s%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }' >> "$WORK/before.wall"
        tail -1 "$WORK/before.log" | sed "s/^indexed .*rank/  before: $(tail -1 "$WORK/before.wall") s wall, rank/; s/, [0-9.]* MB.*//"
    fi
    t0=$(date +%s%N)
    "$T" index -q -t "$THREADS" -d "$K" -o "$WORK/x.tny" "$@" 2>> "$WORK/tenyo.log"
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }' >> "$WORK/tenyo.wall"
    tail -1 "$WORK/tenyo.log" | sed "s/^indexed .*rank/  tenyo: $(tail -1 "$WORK/tenyo.wall") s wall, rank/; s/, [0-9.]* MB.*//"
    if [ "$NOPY" != 1 ]; then
        for f in "$@"; do cat "$f"; done > "$WORK/py_in.jsonl"
        # its status checked (in a pipe the failure would be the pipe's last
        # command's success)
        "$PY" bench/raw_pipeline.py -k "$K" "$WORK/py_in.jsonl" > "$WORK/py.out" ||
            { echo "$me: the Python pipeline failed in round $r (above)" >&2; exit 1; }
        cat "$WORK/py.out" >> "$WORK/py.jsonl"
        sed 's/^/  python: /' "$WORK/py.out"
    fi
    echo "# load average after round $r: $(load)"
done
# median, min and max of the numbers on standard input
stats() { sort -g | awk '{a[NR]=$1} END {printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
a=$(sed -n 's/.*"sec_median": \([0-9.]*\).*/\1/p' "$WORK/floor.log")
b=$(cat "$WORK/tenyo.wall")
c=$(sed -n 's/.*"sec_total": \([0-9.]*\).*/\1/p' "$WORK/py.jsonl")
[ -n "$a" ] && [ -n "$b" ] || die "no timings (see $WORK/floor.out and $WORK/tenyo.log)"
for ph in tokenize read weight svd "field model" keywords write other; do
    v=$(sed -n "s/.*[(,] *$ph \([0-9.]*\) s.*/\1/p" "$WORK/tenyo.log" | stats)
    printf '# tenyo %s: median %s s (range %s-%s)\n' "$ph" $v
done
ratios() { # the per-round ratios of two lists (numerator, denominator)
    printf '%s\n' "$1" > "$WORK/num"; printf '%s\n' "$2" > "$WORK/den"
    paste "$WORK/num" "$WORK/den" | awk '{printf "%.4f\n", $1 / $2}' | stats
}
set -- $(printf '%s\n' "$a" | stats) $(printf '%s\n' "$b" | stats)
echo "floor (a), MeCab alone: median $1 s (range $2-$3)"
echo "tenyo index (b): median $4 s (range $5-$6)"
rb=$(ratios "$b" "$a")
awk -v a="$1" -v b="$4" -v r="$rb" 'BEGIN { split(r, x, " ");
    printf "b/a (build / floor) = %.2fx (per round %.2f-%.2fx)\n", b / a, x[2], x[3] }'
if [ -n "$c" ]; then
    set -- "$4" $(printf '%s\n' "$c" | stats)
    echo "python pipeline (c): median $2 s (range $3-$4)"
    rc=$(ratios "$c" "$b")
    awk -v b="$1" -v c="$2" -v r="$rc" 'BEGIN { split(r, x, " ");
        printf "c/b (python / build) = %.2fx (per round %.2f-%.2fx)\n", c / b, x[2], x[3] }'
fi
if [ -n "$BEFORE" ]; then
    e=$(cat "$WORK/before.wall")
    set -- $(printf '%s\n' "$e" | stats)
    echo "before ($BEFORE): median $1 s (range $2-$3); before / after = $(ratios "$e" "$b" | cut -d' ' -f1)x (median of the rounds)"
    if cmp -s "$WORK/b.tny" "$WORK/x.tny"; then echo "indexes: the same bytes"
    else echo "indexes: DIFFER ($WORK/b.tny, $WORK/x.tny)"; KEEP=1; fi
fi
