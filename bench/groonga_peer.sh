#!/bin/sh
# bench/groonga_peer.sh — tenyo against Groonga, the full-text engine
# Japanese users already run, in one run on one corpus: build, keyword search
# in process, keyword search as whole processes, and both engines' counts.
#
# The corpus: jp/jplatpat.jsonl + jp/broad.jsonl four times (60,620 records;
# copies 2-4 get the ids ID-c1, ID-c2, ID-c3). tenyo indexes the JSON Lines
# (`tenyo index -q -t N`: every section: LSA, keyword index, abstracts,
# field model); Groonga gets the same records' id, title and abstract
# (Docs: TABLE_HASH_KEY ShortText, title and abstract Text columns) loaded
# first and its full-text index made after the load (offline index
# construction, the fast way its documentation gives), in two
# configurations: TokenMecab and TokenBigram, each with NormalizerAuto, an
# index column WITH_POSITION|WITH_SECTION over title and abstract. Groonga
# 13.0.0 (Debian 12) builds an index on one thread (parallel offline
# construction came in a later version), so its build is set against
# `tenyo index -t 1` (and -t 2 shown). Build wall and CPU (user + sys) from
# /usr/bin/time; Groonga's load (JSON to columns) and index are also timed
# apart.
#
# Queries: bench/groonga_queries.txt (20 nouns, by the rule in
# bench/groonga_queries.sh). In process: build/bench/kw_bench (tenyo_search,
# k 10) and bench/groonga_bench.c (select through libgroonga, k 10, sorted
# by score, --cache no), ROUNDS timed rounds after one warm-up, one thread
# each (OPENBLAS_NUM_THREADS=1 TENYO_QUERY_THREADS=1), repeated IPREP
# times alternating engines: the median of each percentile. Whole
# processes (open + query + print, stdout to a pipe that is drained):
# `tenyo search IDX Q`, `tenyo similar IDX --text TITLE`, `tenyo ideas IDX
# ID` (ID, TITLE: the records at 1, 1 + N/20, ... of the corpus: a noun alone
# is no text to find similar patents by, and the commonest ones are above
# the index's max_df) and `groonga DB
# select ...` (TokenMecab database, the same select as in process, the
# title printed too), interleaved query by query over WROUNDS rounds,
# p50 / p95 and the median peak resident memory of each command (wait4).
# BEFORE=BIN adds another tenyo binary's three commands to the same rounds
# (before / after comparisons on the same machine, same minute), on
# BEFORE_IDX when given (an index that binary wrote, when the index format
# changed; default the same index); BEFORE_KWB=BIN adds that tree's kw_bench
# to the in-process rounds (engine "before", on BEFORE_IDX). RT=1 runs
# the whole-process rounds under `chrt -f 50` (root): every command of both
# engines then preempts whatever else the machine runs, standing in for a
# quiet machine on a shared one (its second core free for the command's own
# threads); the load average is still printed.
#
# Usage: sh bench/groonga_peer.sh [OUT]
#   env: DATA (../shared/data), TENYO (build/tenyo), BEFORE (none),
#        IDX (the index TENYO queries: WORK/t2.tny, the one the build
#        writes), BEFORE_IDX (IDX), BEFORE_KWB (none),
#        WORK (/tmp/tenyo-groonga: corpus, indexes, databases; kept),
#        BROUNDS (build rounds, 1), ROUNDS (5), IPREP (3), WROUNDS (5),
#        SKIP_BUILD=1 (reuse WORK's indexes and databases; the build
#        figures then come from OUT/build.txt when an earlier run left one),
#        RT=1 (whole processes at real-time priority, above)
# Needs groonga-bin, groonga-tokenizer-mecab, libgroonga-dev (Debian).
# Prints a summary (medians and ratios, load average with every figure) and
# writes OUT/results.json (OUT default WORK/out).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
TENYO=${TENYO:-$ROOT/build/tenyo}
BEFORE=${BEFORE:-}
BEFORE_KWB=${BEFORE_KWB:-}
WORK=${WORK:-/tmp/tenyo-groonga}
OUT=${1:-$WORK/out}
BROUNDS=${BROUNDS:-1}
ROUNDS=${ROUNDS:-5}
IPREP=${IPREP:-3}
WROUNDS=${WROUNDS:-5}
Q=$HERE/groonga_queries.txt
mkdir -p "$WORK" "$OUT"
for c in groonga pkg-config python3; do
    command -v $c >/dev/null || { echo "groonga_peer: $c not found (apt-get install groonga-bin libgroonga-dev)" >&2; exit 1; }
done
pkg-config --exists groonga || { echo "groonga_peer: libgroonga-dev is not installed" >&2; exit 1; }
[ -x "$TENYO" ] || { echo "groonga_peer: $TENYO not built (make)" >&2; exit 1; }
(cd "$ROOT" && make -s bench/kw_bench >/dev/null)
KWB=$ROOT/build/bench/kw_bench
GB=$WORK/groonga_bench
if [ ! -x "$GB" ] || [ "$HERE/groonga_bench.c" -nt "$GB" ] || [ "$HERE/bench.h" -nt "$GB" ]; then
    cc -std=c11 -D_GNU_SOURCE -O2 -Wall -I"$ROOT/include" -o "$GB" "$HERE/groonga_bench.c" $(pkg-config --cflags --libs groonga) -lm
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------- corpus
if [ ! -s "$WORK/jp60k.jsonl" ] || [ ! -s "$WORK/jp60k.grn" ] || [ ! -s "$WORK/ideas_ids.txt" ]; then
python3 - "$DATA/jp/jplatpat.jsonl" "$DATA/jp/broad.jsonl" "$WORK/jp60k.jsonl" "$WORK/jp60k.grn" "$WORK/ideas_ids.txt" <<'PY'
import json, sys
src, dst, grn, idsf = sys.argv[1:3], sys.argv[3], sys.argv[4], sys.argv[5]
recs = []
for c in range(4):
    for f in src:
        for line in open(f, encoding="utf-8"):
            if not line.strip():
                continue
            d = json.loads(line)
            if c:
                d["id"] = "%s-c%d" % (d["id"], c)
            recs.append(d)
with open(dst, "w", encoding="utf-8") as o:
    for d in recs:
        o.write(json.dumps(d, ensure_ascii=False) + "\n")
with open(grn, "w", encoding="utf-8") as o:
    o.write("table_create Docs TABLE_HASH_KEY ShortText\n")
    o.write("column_create Docs title COLUMN_SCALAR Text\n")
    o.write("column_create Docs abstract COLUMN_SCALAR Text\n")
    o.write("load --table Docs\n[\n")
    for i, d in enumerate(recs):
        o.write(json.dumps({"_key": d["id"], "title": d.get("title") or "",
                            "abstract": d.get("abstract") or ""}, ensure_ascii=False))
        o.write(",\n" if i + 1 < len(recs) else "\n")
    o.write("]\n")
step = len(recs) // 20
with open(idsf, "w", encoding="utf-8") as o:
    for j in range(20):
        o.write(recs[j * step]["id"] + "\t" + (recs[j * step].get("title") or "")
                .replace("\t", " ").replace("\n", " ") + "\n")
print("groonga_peer: corpus %d records" % len(recs), file=sys.stderr)
PY
fi
N=$(wc -l < "$WORK/jp60k.jsonl")

# ----------------------------------------------------------------- build
# time_it LABEL CMD...: one line "LABEL wall user sys maxrss_kb load1" to
# $OUT/build.txt
time_it() {
    l=$1; shift
    ld=$(load | cut -d' ' -f1)
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" ||
        { echo "groonga_peer: $l failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
    echo "$l $(cat "$WORK/time.txt") $ld" >> "$OUT/build.txt"
}
# the lexicon and the index column over the loaded Docs (offline
# construction): sh -c "$GIDX" DB TOKENIZER
GIDX='printf "table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer %s --normalizer NormalizerAuto\ncolumn_create Terms idx COLUMN_INDEX|WITH_POSITION|WITH_SECTION Docs title,abstract\n" "$1" | groonga "$0"'
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    : > "$OUT/build.txt"
    r=1
    while [ "$r" -le "$BROUNDS" ]; do
        rm -rf "$WORK/t1.tny" "$WORK/t1.tny.upd" "$WORK/t2.tny" "$WORK/t2.tny.upd" \
               "$WORK/gm" "$WORK/gb"
        mkdir -p "$WORK/gm" "$WORK/gb"
        time_it tenyo_t1 "$TENYO" index -q -t 1 -o "$WORK/t1.tny" "$WORK/jp60k.jsonl"
        time_it groonga_mecab_load groonga -n "$WORK/gm/db" < "$WORK/jp60k.grn"
        time_it groonga_mecab_index sh -c "$GIDX" "$WORK/gm/db" TokenMecab
        grep -q true "$WORK/cmd.out" ||
            { echo "groonga_peer: index column not made: $(head -c 300 "$WORK/cmd.out")" >&2; exit 1; }
        time_it tenyo_t2 "$TENYO" index -q -t 2 -o "$WORK/t2.tny" "$WORK/jp60k.jsonl"
        time_it groonga_bigram_load groonga -n "$WORK/gb/db" < "$WORK/jp60k.grn"
        time_it groonga_bigram_index sh -c "$GIDX" "$WORK/gb/db" TokenBigram
        grep -q true "$WORK/cmd.out" ||
            { echo "groonga_peer: index column not made: $(head -c 300 "$WORK/cmd.out")" >&2; exit 1; }
        r=$((r + 1))
    done
fi
IDX=${IDX:-$WORK/t2.tny}
BEFORE_IDX=${BEFORE_IDX:-$IDX}
du -sb "$WORK/gm" "$WORK/gb" "$IDX" | awk '{print $2, $1}' > "$OUT/sizes.txt"

# ------------------------------------------------------------ in process
: > "$OUT/inproc.jsonl"
i=1
while [ "$i" -le "$IPREP" ]; do
    ld=$(load | cut -d' ' -f1)
    OPENBLAS_NUM_THREADS=1 TENYO_QUERY_THREADS=1 "$KWB" "$IDX" "$Q" -r "$ROUNDS" -k 10 |
        sed "s/}\$/,\"load\":$ld}/" >> "$OUT/inproc.jsonl"
    if [ -n "$BEFORE_KWB" ]; then
        ld=$(load | cut -d' ' -f1)
        OPENBLAS_NUM_THREADS=1 TENYO_QUERY_THREADS=1 "$BEFORE_KWB" "$BEFORE_IDX" "$Q" -r "$ROUNDS" -k 10 |
            sed "s/\"engine\":\"tenyo\"/\"engine\":\"before\"/; s/}\$/,\"load\":$ld}/" >> "$OUT/inproc.jsonl"
    fi
    ld=$(load | cut -d' ' -f1)
    "$GB" "$WORK/gm/db" "$Q" -r "$ROUNDS" -k 10 -l groonga_mecab |
        sed "s/}\$/,\"load\":$ld}/" >> "$OUT/inproc.jsonl"
    ld=$(load | cut -d' ' -f1)
    "$GB" "$WORK/gb/db" "$Q" -r "$ROUNDS" -k 10 -l groonga_bigram |
        sed "s/}\$/,\"load\":$ld}/" >> "$OUT/inproc.jsonl"
    i=$((i + 1))
done

# --------------------------------------------------------- whole process
PRIO=
[ "${RT:-0}" = 1 ] && PRIO="chrt -f 50"
$PRIO python3 - "$TENYO" "${BEFORE}" "$IDX" "$WORK/gm/db" "$Q" "$WORK/ideas_ids.txt" "$WROUNDS" \
    "$OUT/whole.json" "$BEFORE_IDX" <<'PY'
import json, os, subprocess, sys, time
tenyo, before, idx, gdb, qf, idf, rounds, out, bidx = sys.argv[1:]
rounds = int(rounds)
qs = [l.strip() for l in open(qf, encoding="utf-8") if l.strip()]
ids, titles = [], []
for l in open(idf, encoding="utf-8"):
    if l.strip():
        a, t = l.rstrip("\n").split("\t", 1)
        ids.append(a)
        titles.append(t)
def cmds(b, tag, ix):
    return [(tag + "search", lambda i: [b, "search", ix, qs[i]]),
            (tag + "similar_text", lambda i: [b, "similar", ix, "--text", titles[i]]),
            (tag + "ideas_id", lambda i: [b, "ideas", ix, ids[i]])]
todo = cmds(tenyo, "tenyo_", idx)
if before:
    todo += cmds(before, "before_", bidx)
def gq(q):
    return q.replace("\\", "\\\\").replace("'", "\\'")
todo.append(("groonga_select", lambda i: ["groonga", gdb,
    "select Docs --match_columns 'title * 2 || abstract' --query '%s' --limit 10 "
    "--output_columns _key,title,_score --sort_keys -_score" % gq(qs[i])]))
res = {n: {"ms": [], "rss_kb": [], "load": []} for n, _ in todo}
def run(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("groonga_peer: %s exited %d" % (" ".join(argv), p.returncode))
    return t * 1e3, ru.ru_maxrss
for r in range(rounds + 1):  # round 0 warms the page cache, untimed
    for i in range(len(qs)):
        for name, f in todo:
            ms, rss = run(f(i))
            if r:
                res[name]["ms"].append(ms)
                res[name]["rss_kb"].append(rss)
                res[name]["load"].append(os.getloadavg()[0])
def pct(v, q):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, int(q * len(v) + 0.999999) - 1))]
summ = {n: {"p50_ms": pct(d["ms"], .5), "p95_ms": pct(d["ms"], .95),
            "rss_mb": pct(d["rss_kb"], .5) / 1024, "n": len(d["ms"]),
            "load_min": min(d["load"]), "load_max": max(d["load"])} for n, d in res.items()}
json.dump({"summary": summ, "raw": res}, open(out, "w"), indent=1)
PY

# --------------------------------------------------------------- summary
python3 - "$OUT" "$Q" "$N" <<'PY'
import json, sys, statistics as st
out, qf, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
qs = [l.strip() for l in open(qf, encoding="utf-8") if l.strip()]
print("corpus: %d records; load average (1 min) is given with every figure" % n)
print("\n== build (wall s, CPU s = user + sys, peak MiB, load at start)")
b = {}
import os
for line in open(out + "/build.txt") if os.path.exists(out + "/build.txt") else []:
    l, w, u, s, m, ld = line.split()
    b.setdefault(l, []).append((float(w), float(u) + float(s), int(m) / 1024, float(ld)))
for l, v in b.items():
    print("%-22s wall %6.2f  cpu %6.2f  peak %6.0f MiB  load %s" % (
        l, st.median(x[0] for x in v), st.median(x[1] for x in v), st.median(x[2] for x in v),
        "/".join("%.2f" % x[3] for x in v)))
def tot(pfx):
    lw = [x[0] for x in b[pfx + "_load"]]; iw = [x[0] for x in b[pfx + "_index"]]
    lc = [x[1] for x in b[pfx + "_load"]]; ic = [x[1] for x in b[pfx + "_index"]]
    return st.median(a + c for a, c in zip(lw, iw)), st.median(a + c for a, c in zip(lc, ic))
for g in ("groonga_mecab", "groonga_bigram"):
    if g + "_load" in b and "tenyo_t1" in b:
        w, c = tot(g)
        t1 = st.median(x[0] for x in b["tenyo_t1"]); c1 = st.median(x[1] for x in b["tenyo_t1"])
        print("%-22s load + index wall %6.2f cpu %6.2f; tenyo -t 1 / it: wall %.2fx cpu %.2fx" % (
            g, w, c, t1 / w, c1 / c))
for line in open(out + "/sizes.txt"):
    print("size %s %s bytes" % tuple(line.split()))
print("\n== keyword search in process (ms, k 10, %d queries; medians over repeats)" % len(qs))
ip = {}
for line in open(out + "/inproc.jsonl"):
    d = json.loads(line)
    ip.setdefault(d["engine"], []).append(d)
for e, v in ip.items():
    print("%-16s p50 %.3f  p95 %.3f  p99 %.3f  load %s" % (
        e, st.median(x["p50_ms"] for x in v), st.median(x["p95_ms"] for x in v),
        st.median(x["p99_ms"] for x in v), "/".join("%.2f" % x["load"] for x in v)))
if "tenyo" in ip and "groonga_mecab" in ip:
    for p in ("p50_ms", "p95_ms", "p99_ms"):
        print("  tenyo / groonga_mecab %s: %.2fx" % (p[:3], st.median(x[p] for x in ip["tenyo"]) /
                                                st.median(x[p] for x in ip["groonga_mecab"])))
print("\n== whole process (open + query + print), ms")
w = json.load(open(out + "/whole.json"))["summary"]
for k, v in w.items():
    print("%-22s p50 %7.1f  p95 %7.1f  peak %5.0f MiB  (n %d, load %.2f-%.2f)" % (
        k, v["p50_ms"], v["p95_ms"], v["rss_mb"], v["n"], v["load_min"], v["load_max"]))
g = w["groonga_select"]["p50_ms"]
for k, v in w.items():
    if k != "groonga_select":
        print("  %s / groonga_select p50: %.2fx" % (k, v["p50_ms"] / g))
print("\n== counts (records matching) per query")
names = list(ip)
print("%-12s %s" % ("query", " ".join("%14s" % e for e in names)))
for i, q in enumerate(qs):
    print("%-12s %s" % (q, " ".join("%14d" % ip[e][0]["counts"][i] for e in names)))
PY
