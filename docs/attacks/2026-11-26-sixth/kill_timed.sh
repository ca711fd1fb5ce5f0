#!/bin/bash
# Area 2c: timed SIGKILLs of add (merges + new docs), delete and rebuild on a
# 2,000-document real index with updates; after each: docs/generation equal
# the state before or after, check exit 0, check --repair keeps the count,
# and a `rebuild` completes. usage: kill_timed.sh BASE.jsonl [RUNS]
T=$(cd "$(dirname "$0")/../../.." && pwd)/build/tenyo
SRC=$(readlink -f "$1"); RUNS=${2:-12}
W=/tmp/a6/ktimed; rm -rf $W; mkdir -p $W; cd $W || exit 1
pass=0; fail=0; bad() { fail=$((fail+1)); echo "FAIL $*"; }
head -1600 "$SRC" > a.jsonl; sed -n 1601,2000p "$SRC" > b.jsonl
python3 - <<'EOF'
import json
L=[json.loads(l) for l in open("a.jsonl")]
out=[]
for d in L[:300]:
    out.append({"id":d["id"],"app_no":"特願2099-%06d"%len(out)})
for d in L[300:500]:
    out.append({"id":d["id"],"claims":"請求項1 "+d.get("title","")+"を備える装置。"})
open("m.jsonl","w").write("\n".join(json.dumps(r,ensure_ascii=False) for r in out)+"\n")
EOF
mkdir s0; "$T" index a.jsonl -o s0/x.tny -q >/dev/null 2>&1; "$T" add s0/x.tny b.jsonl -q >/dev/null 2>&1
ids=$(python3 -c 'import json; print(" ".join(json.loads(l)["id"] for l in list(open("a.jsonl"))[700:760]))')
st() { "$T" info --json "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["documents"], (d.get("updates") or {}).get("generation"))' 2>/dev/null || echo "UNOPENABLE"; }
for c in "add x.tny ../m.jsonl -q" "delete x.tny $ids" "rebuild x.tny"; do
  rm -rf s1; cp -a s0 s1; s=$(date +%s.%N); (cd s1 && $T $c >/dev/null 2>&1); e=$(date +%s.%N)
  dur=$(echo "$e - $s" | bc); A=$(st s0/x.tny); B=$(st s1/x.tny)
  echo "${c%% *}: $dur s, $A -> $B" >&2
  for i in $(seq 1 $RUNS); do
    rm -rf k; cp -a s0 k
    d=$(python3 -c "import random; print(round(random.uniform(0, $dur * 1.1), 3))")
    (cd k && exec $T $c >/dev/null 2>&1) & p=$!; sleep $d; kill -9 $p 2>/dev/null; wait $p 2>/dev/null
    G=$(st k/x.tny)
    if [ "$G" != "$A" ] && [ "$G" != "$B" ]; then bad "${c%% *} killed at ${d}s: '$G' neither '$A' nor '$B'"; cp -a k bad-${c%% *}-$i; else pass=$((pass+1)); fi
    "$T" check k/x.tny >/dev/null 2>&1 && pass=$((pass+1)) || bad "${c%% *} killed at ${d}s: check exit $?"
    "$T" check k/x.tny --repair >/dev/null 2>&1; G2=$(st k/x.tny)
    [ "${G2%% *}" = "${G%% *}" ] && pass=$((pass+1)) || bad "${c%% *} killed at ${d}s: repair changed docs $G -> $G2"
    "$T" rebuild k/x.tny >/dev/null 2>&1 && pass=$((pass+1)) || bad "${c%% *} killed at ${d}s: rebuild after it exit $?"
  done
done
echo "$pass passed, $fail failed"
