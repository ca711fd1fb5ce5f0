#!/bin/sh
# bench/groonga_queries.sh — the fixed keyword query list of
# bench/groonga_peer.sh (bench/groonga_queries.txt), made by a rule written
# before either engine was timed or counted on it:
#
#   the titles of jp/jplatpat.jsonl and jp/broad.jsonl (every record, one
#   copy), each tokenized by Groonga's TokenMecab (MeCab, the system
#   dictionary) after NormalizerAuto; a token counts when MeCab calls it a
#   noun (class 名詞, sub-class 一般 or サ変接続) and it has 2 characters or
#   more; the 20 tokens in the most titles (document frequency), ties broken
#   by the token's code points, one a line.
#
# The tokenizer is the peer's, so no query is one tenyo's own tokenizer chose;
# both engines' MeCab read the same dictionary.
#
# Usage: sh bench/groonga_queries.sh [DATA] > bench/groonga_queries.txt
#   DATA: the shared data folder (default ../shared/data)
set -eu
DATA=${1:-../shared/data}
T=$(mktemp -d "${TMPDIR:-/tmp}/gq-XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 - "$DATA/jp/jplatpat.jsonl" "$DATA/jp/broad.jsonl" > "$T/cmds" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for line in open(f, encoding="utf-8"):
        if not line.strip():
            continue
        t = json.loads(line).get("title") or ""
        t = t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
        print('tokenize \'TokenMecab("include_class", true)\' "%s" NormalizerAuto' % t)
PY
groonga -n "$T/db" < "$T/cmds" > "$T/out"
python3 - "$T/out" <<'PY'
import json, sys
df = {}
dec = json.JSONDecoder()
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line:
        continue
    head, toks = json.loads(line)
    if head[0] != 0:
        sys.exit("groonga_queries: tokenize failed: %r" % (head,))
    seen = set()
    for t in toks:
        md = t.get("metadata", {})
        w = t["value"]
        if md.get("class") == "名詞" and md.get("subclass0") in ("一般", "サ変接続") and len(w) >= 2:
            seen.add(w)
    for w in seen:
        df[w] = df.get(w, 0) + 1
for w, n in sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:
    print(w)
PY
