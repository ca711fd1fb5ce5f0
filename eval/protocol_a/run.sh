#!/bin/bash
# Protocol A outputs: every query of queries.tsv through `tenyo ideas -n 10`
# with default options, as a reader sees it (report) and as JSON (for the
# mechanical counts of count.py).
#   bash eval/protocol_a/run.sh JP.tny EN.tny OUTDIR [extra ideas options]
# (QUERIES=FILE for another query set than queries.tsv, e.g. queries2.tsv)
# JP.tny: ../shared/data/jp/jplatpat.jsonl, EN.tny: the en corpus, both
# indexed with both --ipc-titles files of ../shared/data/ipc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tenyo=${TENYO:-$here/../../build/tenyo}
jp=$1 en=$2 out=$3
shift 3
mkdir -p "$out"
: > "$out/all.txt"
: > "$out/all.jsonl"
n=0
while IFS=$'\t' read -r set q home _; do
    case $set in ''|'#'*) continue ;; esac
    n=$((n + 1))
    args=()
    case $set in
    jp) args=("$jp" "$q") ;;
    en) args=("$en" "$q" --lang en) ;;
    text) args=("$jp" --text "$q") ;;
    esac
    [ "$home" != - ] && args+=(--home "$home")
    {
        printf '=== query %d (%s%s): %s\n' "$n" "$set" "$([ "$home" != - ] && echo ", --home $home")" "$q"
        "$tenyo" ideas "${args[@]}" -n 10 "$@" || echo "(exit $?)"
        echo
    } >> "$out/all.txt"
    "$tenyo" ideas "${args[@]}" -n 10 --json "$@" | python3 -c '
import json, sys
o = json.load(sys.stdin)
o["protocol_a"] = {"n": int(sys.argv[1]), "set": sys.argv[2], "home_given": sys.argv[3] != "-"}
print(json.dumps(o, ensure_ascii=False))' "$n" "$set" "$home" >> "$out/all.jsonl"
done < "${QUERIES:-$here/queries.tsv}"
echo "$n queries -> $out/all.txt, $out/all.jsonl"
