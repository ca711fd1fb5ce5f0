#!/bin/sh
# Protocol M (../shared/EVAL.md): the adviser's read of `tenyo match`.
# Builds the index (jplatpat.jsonl + broad.jsonl), loads the licensable list
# drawn by draw.py (fixed seed), runs `tenyo match -k 5` for each company of
# companies.tsv and writes, in OUT:
#   readers.txt   one file for the readers: each company's description, then
#                 its cards as the terminal shows them
#   NAME.json     each company's answer as `match --json` gives it
#   licensable.txt, jp.tenyo  the list and the index they came from
# usage: sh eval/protocol_m/run.sh [OUT] (from the repository root; default
# OUT /tmp/protocol_m; TENYO=path of the binary, SEED=draw seed, K=cards,
# COMPANIES=the descriptions' file, default companies.tsv)
set -eu
OUT=${1:-/tmp/protocol_m}
TENYO=${TENYO:-build/tenyo}
DATA=${DATA:-../shared/data}
SEED=${SEED:-52}
K=${K:-5}
HERE=$(dirname "$0")
[ -f "$DATA/jp/broad.jsonl" ] || { echo "run.sh: no $DATA/jp/broad.jsonl (shared data absent)" >&2; exit 2; }
mkdir -p "$OUT"
python3 "$HERE/draw.py" --seed "$SEED" --data "$DATA" > "$OUT/licensable.txt"
if [ ! -f "$OUT/jp.tenyo" ]; then
    "$TENYO" index -q -o "$OUT/jp.tenyo" "$DATA/jp/jplatpat.jsonl" "$DATA/jp/broad.jsonl"
fi
"$TENYO" open "$OUT/jp.tenyo" --from "$OUT/licensable.txt" -q
R="$OUT/readers.txt"
{
    echo "Protocol M: tenyo match -k $K, licensable list: draw.py --seed $SEED"
    echo "($(wc -l < "$OUT/licensable.txt") patents of broad.jsonl), index: jplatpat.jsonl + broad.jsonl"
    echo "Label each card: fit (the patent fits the company: yes / partly / no) and"
    echo "use (the use the card names is one the company could pursue: yes / no)."
    echo
} > "$R"
grep -v '^#' "${COMPANIES:-$HERE/companies.tsv}" | while IFS="$(printf '\t')" read -r name trade text; do
    [ -n "$name" ] || continue
    {
        echo "================================================================"
        echo "会社 $name ($trade)"
        echo "説明: $text"
        echo "----------------------------------------------------------------"
    } >> "$R"
    COLUMNS=100 "$TENYO" match "$OUT/jp.tenyo" --text "$text" -k "$K" >> "$R"
    "$TENYO" match "$OUT/jp.tenyo" --text "$text" -k "$K" --json > "$OUT/$name.json"
done
echo "wrote $R" >&2
