#!/bin/bash
# same_answers.sh — the answers of two builds of tenyo side by side, for a
# change that must not alter what any surface answers (a refactor):
#   bash eval/same_answers.sh BASE_BUILD NEW_BUILD WORKDIR [SHARED_DATA]
# BASE_BUILD and NEW_BUILD are build folders (tenyo, libtenyo.so.0). One
# index of the jp corpus (jplatpat + broad) is built by BASE_BUILD with a
# licensable list of 400 patents drawn with a fixed seed; the queries are
# query set 38's patents (eval/protocol_a/queries38.tsv), 200 patents drawn
# with a fixed seed, and 12 free texts. Each build answers them as
#   ideas --json, --csv and the terminal list under the default options and
#   a spread of option settings (novelty, thresholds, merge, distance, mode,
#   knn, open-only, lang, home), --batch, the page's POST /api/ideas and
#   /api/ideas/options, and Python's Index.ideas.
# Outputs go to WORKDIR/base and WORKDIR/new; the script ends with diff -r
# over them (exit 0: the same bytes everywhere). KEEP_BASE=1 reuses the
# base answers of an earlier run in the same WORKDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=$(cd "$1" && pwd) new=$(cd "$2" && pwd) work=$3
data=${4:-$here/../../shared/data}
mkdir -p "$work"
work=$(cd "$work" && pwd)
idx=$work/jp.tny
if [ ! -f "$idx" ]; then
    "$base/tenyo" index -q -o "$idx" "$data/jp/jplatpat.jsonl" "$data/jp/broad.jsonl"
    python3 - "$data" "$work" <<'PY'
import json, random, sys
data, work = sys.argv[1], sys.argv[2]
ids = [json.loads(l)["id"] for f in ("jplatpat", "broad") for l in open(f"{data}/jp/{f}.jsonl", encoding="utf-8")]
rnd = random.Random(55)
open(f"{work}/open.txt", "w").write("\n".join(rnd.sample(ids, 400)) + "\n")
set38 = [l.split("\t")[1] for l in open(sys.argv[0] if False else "eval/protocol_a/queries38.tsv", encoding="utf-8") if l.startswith("jp\t")]
pick = rnd.sample(ids, 200)
open(f"{work}/ids.txt", "w").write("\n".join(set38 + pick) + "\n")
recs = [json.loads(l) for l in open(f"{data}/jp/jplatpat.jsonl", encoding="utf-8")]
texts = [r["title"] + "。" + (r.get("abstract") or "") for r in rnd.sample(recs, 8)]
texts += ["振動を抑制する制振装置", "画像から欠陥を検出する検査装置",
          "A battery pack cooling system with a heat pipe", "粉体を詰まらせずに供給する"]
open(f"{work}/texts.txt", "w").write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
with open(f"{work}/batch.jsonl", "w") as b:
    for i, t in enumerate(texts): b.write(json.dumps({"id": f"t{i}", "text": t}, ensure_ascii=False) + "\n")
    for i in set38[:10]: b.write(json.dumps({"id": i}, ensure_ascii=False) + "\n")
PY
    "$base/tenyo" open -q "$idx" --from "$work/open.txt" >/dev/null
fi
variants=(
    ""
    "--novelty 0"
    "--novelty 1"
    "--min-confidence 0.03"
    "--min-usable 0.5"
    "--min-content 0.5"
    "--no-merge"
    "--distance section"
    "--distance subclass"
    "-m lsa"
    "-m tfidf"
    "--knn 50"
    "--open-only"
    "--lang en"
    "--home G06T,B60W -n 20"
)
run_build() {
    local b=$1 out=$2
    rm -rf "$out"; mkdir -p "$out"
    local i=0
    while read -r id; do
        i=$((i + 1))
        "$b/tenyo" ideas "$idx" "$id" --json > "$out/id$i.json" 2>&1 || echo "exit $?" >> "$out/id$i.json"
        if [ $i -le 40 ]; then
            local v=0
            for opt in "${variants[@]}"; do
                v=$((v + 1))
                # shellcheck disable=SC2086
                "$b/tenyo" ideas "$idx" "$id" $opt --json > "$out/id$i.v$v.json" 2>&1 || echo "exit $?" >> "$out/id$i.v$v.json"
            done
            "$b/tenyo" ideas "$idx" "$id" > "$out/id$i.txt" 2>&1 || echo "exit $?" >> "$out/id$i.txt"
            "$b/tenyo" ideas "$idx" "$id" --csv > "$out/id$i.csv" 2>&1 || echo "exit $?" >> "$out/id$i.csv"
        fi
    done < "$work/ids.txt"
    i=0
    while IFS= read -r t; do
        i=$((i + 1))
        "$b/tenyo" ideas "$idx" --text "$t" --json > "$out/text$i.json" 2>&1 || echo "exit $?" >> "$out/text$i.json"
        "$b/tenyo" ideas "$idx" --text "$t" --novelty 0.3 --no-merge > "$out/text$i.txt" 2>&1 || echo "exit $?" >> "$out/text$i.txt"
    done < "$work/texts.txt"
    "$b/tenyo" ideas "$idx" --batch "$work/batch.jsonl" > "$out/batch.jsonl" 2>&1 || echo "exit $?" >> "$out/batch.jsonl"
    "$b/tenyo" ideas "$idx" --batch "$work/batch.jsonl" --novelty 0.2 --min-confidence 0.02 > "$out/batch2.jsonl" 2>&1 || true
    # errors: each option out of range, as each surface words it
    for bad in "--novelty 2" "--novelty x" "--min-confidence -1" "--min-usable 3" "--min-content 9" "--knn -5" "--distance far" "-m cosine" "-n 0" "--lang fr"; do
        # shellcheck disable=SC2086
        "$b/tenyo" ideas "$idx" 特開2021-014142 $bad >> "$out/errors.txt" 2>&1 || echo "exit $?" >> "$out/errors.txt"
    done
    # the page's API
    local log=$out/serve.log
    "$b/tenyo" serve "$idx" --port 0 -q -t 2 > "$log" 2>&1 &
    local pid=$!
    local port=
    for _ in $(seq 100); do
        port=$(grep -o 'http://[^ ]*' "$log" | head -1 | sed 's/.*://; s/[^0-9].*//') || true
        [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    python3 - "$port" "$work" "$out" <<'PY'
import json, sys, urllib.request
port, work, out = sys.argv[1:4]
def post(path, body):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
                               headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(r) as f: return f.status, f.read().decode()
    except urllib.error.HTTPError as e: return e.code, e.read().decode()
ids = open(f"{work}/ids.txt").read().split()
texts = open(f"{work}/texts.txt").read().splitlines()
with open(f"{out}/page.jsonl", "w") as o:
    for i in ids[:60]:
        o.write("%s %s\n" % post("/api/ideas", {"id": i}))
    for i in ids[:10]:
        o.write("%s %s\n" % post("/api/ideas", {"id": i, "novelty": 0.2, "min_confidence": 0.02, "distance": "section", "open_only": True, "n": 20}))
        o.write("%s %s\n" % post("/api/ideas", {"id": i, "mode": "lsa", "lang": "en", "min_usable": 0.3, "min_content": 0.2}))
    for t in texts:
        o.write("%s %s\n" % post("/api/ideas", {"text": t, "home": "B60W,G06T"}))
    for bad in ({"id": ids[0], "novelty": 2}, {"id": ids[0], "novelty": "x"}, {"id": ids[0], "n": 0},
                {"id": ids[0], "distance": "far"}, {"id": ids[0], "mode": "x"}, {"id": ids[0], "min_confidence": -1},
                {"id": ids[0], "open_only": 1}, {"id": ids[0], "lang": "fr"}, {"id": ids[0], "bogus": 1}):
        o.write("%s %s\n" % post("/api/ideas", bad))
PY
    kill $pid; wait $pid 2>/dev/null || true
    # Python
    TENYO_LIB=$b/libtenyo.so.0 PYTHONPATH=$here/../python python3 - "$idx" "$work" > "$out/python.txt" 2>&1 <<'PY' || true
import json, sys, tenyo
idx, work = sys.argv[1:3]
ids = open(f"{work}/ids.txt").read().split()
x = tenyo.Index(idx)
for i in ids[:60]:
    print(json.dumps(x.ideas(i).json, ensure_ascii=False, sort_keys=True))
for i in ids[:10]:
    print(json.dumps(x.ideas(i, novelty=0.1, min_confidence=0.02, distance="section", merge=False, knn=80, n=15).json, ensure_ascii=False, sort_keys=True))
for bad in (dict(novelty=2), dict(min_usable=-1), dict(knn=-1), dict(distance="far"), dict(mode="x"), dict(n=0)):
    try: x.ideas(ids[0], **bad); print("no error", bad)
    except Exception as e: print(type(e).__name__, e)
PY
}
# KEEP_BASE=1: the base build's answers of an earlier run are kept
[ "${KEEP_BASE:-0}" = 1 ] && [ -d "$work/base" ] || run_build "$base" "$work/base"
run_build "$new" "$work/new"
rm -f "$work/base/serve.log" "$work/new/serve.log"
echo "files: $(ls "$work/base" | wc -l)"
diff -r "$work/base" "$work/new" && echo "same answers: every file byte-identical"
