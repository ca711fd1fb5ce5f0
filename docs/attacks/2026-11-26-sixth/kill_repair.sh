#!/bin/bash
# Area 2b: `tenyo check --repair` killed (strace SIGKILL at the Nth rename /
# fsync / unlink / mkdir / write) on an index whose MANIFEST is lost and
# one of whose segments is damaged; then a second --repair must finish and
# give the same documents as an unkilled repair; no deleted document back.
# usage: kill_repair.sh [WORKDIR]
T=$(cd "$(dirname "$0")/../../.." && pwd)/build/tenyo
S=$(cd "$(dirname "$0")/../../.." && pwd)/data/sample/sample.jsonl
W=${1:-/tmp/a6/krep}; rm -rf "$W"; mkdir -p "$W"; cd "$W" || exit 1
pass=0; fail=0; bad() { fail=$((fail+1)); echo "FAIL $*"; }
head -120 "$S" > a.jsonl; sed -n 121,160p "$S" > b.jsonl; sed -n 161,200p "$S" > c.jsonl
for v in lost damaged; do
  rm -rf s0; mkdir s0
  "$T" index a.jsonl -o s0/x.tny -q >/dev/null 2>&1
  "$T" add s0/x.tny b.jsonl -q >/dev/null 2>&1
  "$T" delete s0/x.tny SAMPLE-130 SAMPLE-005 >/dev/null 2>&1
  "$T" add s0/x.tny c.jsonl -q >/dev/null 2>&1
  "$T" delete s0/x.tny SAMPLE-170 >/dev/null 2>&1
  if [ $v = lost ]; then rm s0/x.tny.upd/MANIFEST
  else seg=$(ls s0/x.tny.upd/seg-*.tys | head -1); printf '\x55\x55\x55\x55' | dd of="$seg" bs=1 seek=200 conv=notrunc 2>/dev/null; fi
  rm -rf r; cp -a s0 r; "$T" check r/x.tny --repair > r.out 2>&1; echo "$v: unkilled repair exit $? -> $(tail -1 r.out)"
  REF=$("$T" info --json r/x.tny 2>&1 | grep -o '"documents":[0-9]*' | head -1)
  for sc in rename fsync unlink mkdir write openat; do
    n=1
    while [ $n -le 300 ]; do
      rm -rf k; cp -a s0 k
      strace -f -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$n "$T" check k/x.tny --repair >/dev/null 2>&1
      [ $? -ne 137 ] && break
      # readers: either open (the old state or the repaired one) or refuse naming check --repair
      o=$("$T" info k/x.tny 2>&1); orc=$?
      if [ $orc -ne 0 ] && ! echo "$o" | grep -q "repair"; then bad "$v $sc#$n: reader exit $orc without naming repair: $(echo "$o"|tail -1)"; else pass=$((pass+1)); fi
      for id in SAMPLE-130 SAMPLE-005 SAMPLE-170; do
        if "$T" search k/x.tny "$id" -j 2>/dev/null | grep -q "\"id\":\"$id\""; then bad "$v $sc#$n: deleted $id back"; cp -a k bad-$v-$sc-$n; fi
      done
      "$T" check k/x.tny --repair > k.out 2>&1; rrc=$?
      G=$("$T" info --json k/x.tny 2>&1 | grep -o '"documents":[0-9]*' | head -1)
      if [ "$G" != "$REF" ]; then bad "$v $sc#$n: second repair (exit $rrc) gives $G, unkilled $REF: $(tail -2 k.out|tr '\n' ' ')"; cp -a k bad-$v-$sc-$n; else pass=$((pass+1)); fi
      "$T" check k/x.tny >/dev/null 2>&1 || { bad "$v $sc#$n: check after the second repair exit $?"; }
      for id in SAMPLE-130 SAMPLE-005 SAMPLE-170; do
        "$T" search k/x.tny "$id" -j 2>/dev/null | grep -q "\"id\":\"$id\"" && bad "$v $sc#$n: deleted $id back after the second repair"
      done
      n=$((n + (n < 8 ? 1 : 11)))
    done
    echo "$v $sc: up to #$n" >&2
  done
done
echo "$pass passed, $fail failed"
