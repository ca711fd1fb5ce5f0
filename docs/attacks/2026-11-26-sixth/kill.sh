#!/bin/bash
# Area 2: SIGKILL injected by strace at the Nth call of each file syscall of
# add (with merges), delete, rebuild, open --from and check --repair; after
# each kill: the signature (docs, generation, 3 rankings, one merged doc's
# meta) must equal the state before (S0) or after (S1); check must not say
# DAMAGED; check --repair must keep the signature; a following add must work.
# usage: kill.sh [WORKDIR]
T=$(cd "$(dirname "$0")/../../.." && pwd)/build/tenyo
S=$(cd "$(dirname "$0")/../../.." && pwd)/data/sample/sample.jsonl
W=${1:-/tmp/a6/kill}
rm -rf "$W"; mkdir -p "$W"; cd "$W" || exit 1
pass=0; fail=0
bad() { fail=$((fail+1)); echo "FAIL $*"; }
sig() {
  "$T" info --json "$1" 2>&1 | python3 -c 'import json,sys
try:
  d=json.load(sys.stdin); print("docs",d.get("documents"),"gen",(d.get("updates") or {}).get("generation", d.get("generation")))
except Exception as e: print("INFO-ERR",e)'
  for q in SAMPLE-020 SAMPLE-170 SAMPLE-010 SAMPLE-005; do
    "$T" similar "$1" "$q" -k 5 --json 2>&1 | tr -d '\n' | sed -E 's#[^ "]*x\.tny#X#g' | md5sum | cut -c1-8
  done
  "$T" search "$1" 制御 -k 3 --json 2>&1 | md5sum | cut -c1-8
}
head -150 "$S" > base.jsonl
tail -50 "$S" > more.jsonl
# merges: metadata-only, claims added, applicant changed; same id repeated
python3 - <<'EOF'
import json
rs=[]
for i in range(1,40):
    rs.append({"id":"SAMPLE-%03d"%i,"app_no":"特願2099-%06d"%i})
for i in range(40,60):
    rs.append({"id":"SAMPLE-%03d"%i,"claims":"請求項1 制御装置を備える車両。"})
for i in range(5):
    rs.append({"id":"SAMPLE-005","ipc":["G06F%d/00"%(i+1)]})
open("merge.jsonl","w").write("\n".join(json.dumps(r,ensure_ascii=False) for r in rs)+"\n")
S=[json.loads(l) for l in open("base.jsonl")]
open("merge2.jsonl","w").write("\n".join(json.dumps({"id":d["id"],"abstract":d["abstract"]+"さらに追加の一文を含む。"},ensure_ascii=False) for d in S[60:80])+"\n")
open("list.txt","w").write("\n".join("SAMPLE-%03d"%i for i in range(1,30))+"\n")
EOF
mkdir s0; "$T" index base.jsonl -o s0/x.tny -q >/dev/null 2>&1
"$T" add s0/x.tny more.jsonl -q >/dev/null 2>&1          # a MANIFEST exists
"$T" delete s0/x.tny SAMPLE-170 >/dev/null 2>&1
"$T" add s0/x.tny more.jsonl -q >/dev/null 2>&1          # replaced docs too

declare -A CMD
CMD[add]='add x.tny ../merge.jsonl -q'
CMD[add2]='add x.tny ../merge2.jsonl -q'
CMD[delete]='delete x.tny SAMPLE-020 SAMPLE-180 SAMPLE-007'
CMD[rebuild]='rebuild x.tny'
CMD[open]='open x.tny --from ../list.txt'
CMD[ivf]='rebuild x.tny --ivf=4'
for c in ${CMDS:-add add2 delete rebuild open ivf}; do
  rm -rf s1; cp -a s0 s1; (cd s1 && "$T" ${CMD[$c]} >/dev/null 2>&1)
  A=$(sig s0/x.tny); B=$(sig s1/x.tny)
  [ "$A" = "$B" ] && { echo "note: $c leaves the signature unchanged"; }
  for sc in rename fsync fdatasync unlink openat write ftruncate; do
    n=1
    while [ $n -le 400 ]; do
      rm -rf k; cp -a s0 k
      (cd k && strace -f -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$n "$T" ${CMD[$c]} >/dev/null 2>&1)
      rc=$?
      [ $rc -ne 137 ] && break     # the command ran to its end: no Nth call
      G=$(sig k/x.tny)
      if [ "$G" != "$A" ] && [ "$G" != "$B" ]; then
        bad "$c $sc#$n: state neither before nor after: $(echo "$G" | head -1) (S0 $(echo "$A"|head -1), S1 $(echo "$B"|head -1))"
        cp -a k "bad-$c-$sc-$n"
      else pass=$((pass+1)); fi
      out=$("$T" check k/x.tny 2>&1); crc=$?
      if [ $crc -ne 0 ]; then bad "$c $sc#$n: check exit $crc: $(echo "$out" | grep -m2 -i damaged)"; cp -a k "bad-$c-$sc-$n-check"; else pass=$((pass+1)); fi
      out=$("$T" check k/x.tny --repair 2>&1); rrc=$?
      G2=$(sig k/x.tny)
      if [ "$G2" != "$G" ] && [ "$(echo "$G2"|tail -n +2)" != "$(echo "$G"|tail -n +2)" ]; then bad "$c $sc#$n: repair (exit $rrc) changed the answers: $(echo "$G2"|head -1) vs $(echo "$G"|head -1)"; else pass=$((pass+1)); fi
      (cd k && "$T" add x.tny ../more.jsonl -q >/dev/null 2>&1); arc=$?
      if [ $arc -ne 0 ]; then bad "$c $sc#$n: next add exit $arc"; else pass=$((pass+1)); fi
      left=$(ls k/x.tny.upd 2>/dev/null | grep -c -E 'tmp|\.tmp')
      [ "$left" -ne 0 ] && bad "$c $sc#$n: $left temporary files left after the next writer" || pass=$((pass+1))
      n=$((n + (n < 12 ? 1 : 7)))
    done
    echo "$c $sc: tried up to #$n" >&2
  done
done
echo "$pass passed, $fail failed"
