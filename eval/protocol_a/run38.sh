#!/bin/bash
# Protocol A outputs on the development split (../shared/EVAL.md): every
# query of a query file through `tenyo ideas -n 10` with default options on
# an index of the train side. A patent of the query side is not in that
# index: it is asked as Protocol X asks it, its title and abstract as text
# with its own subclasses as the home (--home). Free text as it is.
#   bash eval/protocol_a/run38.sh TRAIN.tny QUERYSIDE.jsonl QUERIES.tsv OUTDIR [ideas options]
# OUTDIR/all.txt for the readers, OUTDIR/all.jsonl for count.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tenyo=${TENYO:-$here/../../build/tenyo}
idx=$1 side=$2 queries=$3 out=$4
shift 4
mkdir -p "$out"
: > "$out/all.txt"
: > "$out/all.jsonl"
n=0
while IFS=$'\t' read -r set q home _; do
    case $set in ''|'#'*) continue ;; esac
    n=$((n + 1))
    if [ "$set" = jp ]; then
        IFS=$'\t' read -r text codes title < <(python3 - "$side" "$q" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(l)
    if o["id"] != sys.argv[2]: continue
    codes = []
    for c in (o.get("fi") or []) + (o.get("ipc") or []):
        if c[:4] not in codes: codes.append(c[:4])
    ab = o.get("abstract") or ""
    if ab.strip().lower() in ("null", "none", "nan", "n/a", "#n/a", "nil"): ab = ""  # missing, as the indexer reads it
    t = (o.get("title") or "") + "。" + ab
    print(t.replace("\t", " ").replace("\n", " "), ",".join(codes), o.get("title", ""), sep="\t")
    break
PY
)
        args=("$idx" --text "$text" --home "$codes")
        label="$q $title (home $codes)"
    else
        args=("$idx" --text "$q")
        [ "$home" != - ] && args+=(--home "$home")
        label="$q"
    fi
    {
        printf '=== query %d (%s): %s\n' "$n" "$set" "$label"
        "$tenyo" ideas "${args[@]}" -n 10 "$@" || echo "(exit $?)"
        echo
    } >> "$out/all.txt"
    # a query tenyo refuses (no word of it in the index) is an answer with
    # no cards and its message, so that coverage counts it
    { "$tenyo" ideas "${args[@]}" -n 10 --json "$@" 2>"$out/err.txt" || true; } | python3 -c '
import json, sys
raw = sys.stdin.read()
o = json.loads(raw) if raw.strip() else {"ideas": [], "warnings": [{"code": "refused", "message": open(sys.argv[3], encoding="utf-8").read().strip()}]}
o["protocol_a"] = {"n": int(sys.argv[1]), "set": sys.argv[2], "home_given": sys.argv[2] == "jp"}
print(json.dumps(o, ensure_ascii=False))' "$n" "$set" "$out/err.txt" >> "$out/all.jsonl"
done < "$queries"
echo "$n queries -> $out/all.txt, $out/all.jsonl"
