#!/bin/bash
# pb.sh N [options...]: the list the analyst sees for query N (1-32):
#   tenyo ideas with the query patent's title and abstract as text, its own
#   fields as home, 10 cards; any steering options after N are passed on:
#     --not WORD        a word shared in another sense here (repeatable)
#     --keep FIELD      keep a card's field (its card first; the list moves toward it)
#     --reject FIELD    reject a card's field (never shown; the list moves away)
#     --focus 2,3       make the list from these sentences of the query alone
#     --sentences       print the query's numbered sentences (for --focus)
set -e
n=$1; shift
line=$(awk -F'\t' -v n="$n" '$1 == n' /tmp/pb/queries.tsv)
[ -n "$line" ] || { echo "no query $n (1-32)" >&2; exit 2; }
codes=$(printf '%s' "$line" | cut -f3)
text=$(printf '%s' "$line" | cut -f4)
exec "${TENYO:-/tmp/pb/tenyo}" ideas /tmp/pb/train.tny --text "$text" --home "$codes" -n 10 "$@"
