#!/bin/sh
# shards.sh — a sharded index (store/shards*.c) through the plain
# tenyo: `tenyo index --shards N` for N = 1..4 on the sample (uneven: 200
# documents in 3 shards are 66, 67, 67) and on 3 records in 4 shards (a
# shard of no documents) must answer similar, ideas (text and --json),
# check and info's content lines byte for byte as the single file of the
# same records; info names the shards; a truncated, damaged, missing or
# stale shard is refused naming the file (exit 3); add, delete and rebuild
# refuse a sharded index; writing over it collects the old shard files.
# Usage: sh tests/shards.sh BUILD_DIR   (TENYO: the tenyo binary)
B=${1:-build}
TENYO=${TENYO:-$B/tenyo}
pass=0
fail=0
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-shards-XXXXXX")
trap 'rm -rf "$D"' EXIT
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# info's lines that do not depend on how the index is stored (a sharded
# index is written without the keyword index, the term facts, the
# stored postings and the vocabulary's and ids' lookup tables, its strings in docmeta's layout 1 and its documents'
# terms in one frame a shard: those lines differ; its queries do not)
content() {
  "$TENYO" info "$1" | sed -e '/^index /d; /^shards /d; /^abstracts /d; /^kw index /d; /^keywords /d; /^term facts /d; /^postings /d; /^docmeta /d; /^rows /d; /^vocab /d; /^ids /d; /^sections /,$d'
}
# same NAME ONE SHARDED ID: every query and check output equal
same() {
  for q in "similar -k 20 --json" "similar -k 10" "ideas --json" "ideas"; do
    "$TENYO" $q "$2" "$4" >"$D/qa" 2>&1; a=$?
    "$TENYO" $q "$3" "$4" >"$D/qb" 2>&1; b=$?
    if [ "$a" = 0 ] && [ "$b" = 0 ] && cmp -s "$D/qa" "$D/qb" && [ -s "$D/qa" ]; then
      ok "$1 ($q)"
    else
      bad "$1 ($q: exit $a / $b, $(cmp "$D/qa" "$D/qb" 2>&1 | head -c 100))"
    fi
  done
  content "$2" >"$D/ia"; content "$3" >"$D/ib"
  if cmp -s "$D/ia" "$D/ib" && [ -s "$D/ia" ]; then ok "$1 (info)"; else bad "$1 (info: $(diff "$D/ia" "$D/ib" | head -c 200))"; fi
  "$TENYO" check "$2" 2>&1 | sed "s|$2|INDEX|" >"$D/ca"; a=$?
  "$TENYO" check "$3" 2>&1 | sed "s|$3|INDEX|" >"$D/cb"
  if cmp -s "$D/ca" "$D/cb" && grep -q consistent "$D/cb"; then ok "$1 (check)"; else bad "$1 (check: $(head -c 200 "$D/cb"))"; fi
}

S=data/sample/sample.jsonl
id=$(sed -n '17s/.*"id": *"\([^"]*\)".*/\1/p' "$S")
"$TENYO" index -q -t 1 -o "$D/one.tny" "$S" 2>/dev/null || bad "index sample"
for n in 1 2 3 4; do
  if "$TENYO" index -q -t 1 --shards $n -o "$D/s$n.tny" "$S" 2>"$D/err"; then
    same "shards_sample_n$n" "$D/one.tny" "$D/s$n.tny" "$id"
  else
    bad "shards_sample_n$n ($(head -c 200 "$D/err"))"
  fi
done
if "$TENYO" info "$D/s3.tny" | grep -q '^term facts none stored' && "$TENYO" info "$D/one.tny" | grep -q '^term facts .* read by ideas and match'; then
  ok shards_info_termfacts
else
  bad "shards_info_termfacts ($("$TENYO" info "$D/s3.tny" | grep '^term'; "$TENYO" info "$D/one.tny" | grep '^term'))"
fi
# how the shards hold their rows and strings, said as for any index
if "$TENYO" info "$D/s3.tny" | grep -q '^postings   none stored: .*(a sharded index is written without them)' &&
   "$TENYO" info "$D/s3.tny" | grep -q '^docmeta    layout 1: ' &&
   "$TENYO" info "$D/s3.tny" | grep -q '^rows       .* one frame a shard: .*(a sharded index is written so)$'; then
  ok shards_info_postings_docmeta
else
  bad "shards_info_postings_docmeta ($("$TENYO" info "$D/s3.tny" | grep -E '^(postings|docmeta|rows)' | tr '\n' ' '))"
fi
if "$TENYO" info "$D/s3.tny" | grep -q '^shards     3 (documents, bytes: 66 [0-9]* 67 [0-9]* 67 [0-9]*)$'; then
  ok shards_info_names_the_shards
else
  bad "shards_info_names_the_shards ($("$TENYO" info "$D/s3.tny" | head -n 3 | tr '\n' ' '))"
fi
# info --json (and GET /api/info): one {documents, bytes} per shard, the
# bytes summing with the shared part to file_bytes; null for one file
"$TENYO" info --json "$D/s3.tny" >"$D/ij" 2>/dev/null
"$TENYO" info --json "$D/one.tny" >"$D/ij1" 2>/dev/null
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); s=o["shards"]; assert [x["documents"] for x in s]==[66,67,67], s; assert all(x["bytes"]>0 for x in s) and sum(x["bytes"] for x in s)<o["file_bytes"], (s,o["file_bytes"]); assert json.load(open(sys.argv[2]))["shards"] is None' "$D/ij" "$D/ij1"; then
  ok shards_info_json
else
  bad "shards_info_json ($(head -c 200 "$D/ij"))"
fi
# 3 records in 3 shards: one each, the same answers; in 4 shards: refused
# (a shard holds at least one document), nothing written
head -n 3 "$S" >"$D/s3.jsonl"
id3=$(sed -n '2s/.*"id": *"\([^"]*\)".*/\1/p' "$S")
"$TENYO" index -q -t 1 -o "$D/t1.tny" "$D/s3.jsonl" 2>/dev/null
"$TENYO" index -q -t 1 --shards 3 -o "$D/t3.tny" "$D/s3.jsonl" 2>/dev/null
if "$TENYO" info "$D/t3.tny" | grep -q '^shards     3 (documents, bytes: 1 '; then
  same shards_one_document_each "$D/t1.tny" "$D/t3.tny" "$id3"
else
  bad "shards_one_document_each ($("$TENYO" info "$D/t3.tny" 2>&1 | grep shards))"
fi
"$TENYO" index -q -t 1 --shards 4 -o "$D/t4.tny" "$D/s3.jsonl" 2>"$D/t4err"; rc=$?
if [ "$rc" = 1 ] && grep -q "4 shards for 3 documents" "$D/t4err" && ! ls "$D" | grep -q '^t4\.tny'; then
  ok shards_more_than_documents_refused
else
  bad "shards_more_than_documents_refused (exit $rc: $(head -c 200 "$D/t4err"))"
fi

# damage: each refused with exit 3 and the file named
f=$(sed -n 's/^shard \([^ ]*\.s001\) .*/\1/p' "$D/s3.tny")
cp "$D/$f" "$D/save"
refused() {
  "$TENYO" similar "$D/s3.tny" "$id" >"$D/out" 2>&1; rc=$?
  if [ "$rc" = 3 ] && grep -q "$D/$f" "$D/out" && grep -q "$2" "$D/out"; then ok "$1"; else bad "$1 (exit $rc: $(head -c 300 "$D/out"))"; fi
  cp "$D/save" "$D/$f"
}
head -c 5000 "$D/save" >"$D/$f"; refused shards_truncated_refused truncated
python3 - "$D/$f" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
h = 32 + 48 * int.from_bytes(b[16:20], 'little') + 8  # the first frame: section "shard"
b[h + 20] ^= 0x10; open(p, 'wb').write(bytes(b))
PY
refused shards_damaged_refused "$f"
rm -f "$D/$f"; refused shards_missing_refused missing
g=$(sed -n 's/^shard \([^ ]*\.s001\) .*/\1/p' "$D/s2.tny")
cp "$D/$g" "$D/$f"; refused shards_other_index_refused "manifest says"
"$TENYO" similar "$D/s3.tny" "$id" >/dev/null 2>&1 && ok shards_restored_reads || bad shards_restored_reads
# a manifest rewritten to take a shard without abstracts (from an index made
# with --no-abstracts) while shard 0 has them: refused, naming the shard
"$TENYO" index -q -t 1 --shards 3 -o "$D/fa.tny" "$S" 2>/dev/null
"$TENYO" index -q -t 1 --shards 3 --no-abstracts -o "$D/fb.tny" "$S" 2>/dev/null
python3 - "$D" <<'PY'
import sys, os, shutil
d = sys.argv[1]
a = open(os.path.join(d, "fa.tny")).read().splitlines(True)
b = open(os.path.join(d, "fb.tny")).read().splitlines(True)
sa = [l for l in a if l.startswith("shard ") and ".s001 " in l][0]
sb = [l for l in b if l.startswith("shard ") and ".s001 " in l][0]
shutil.copy(os.path.join(d, sb.split()[1]), os.path.join(d, sa.split()[1]))
forged = " ".join(sa.split()[:4] + sb.split()[4:]) + "\n"  # b's bytes and hash
body = "".join(forged if l == sa else l for l in a if not l.startswith("end "))
h = 14695981039346656037  # FNV-1a 64 of the text before "end"
for c in body.encode():
    h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
open(os.path.join(d, "fa.tny"), "w").write(body + "end %016x\n" % h)
PY
"$TENYO" similar "$D/fa.tny" "$id" >"$D/out" 2>&1; rc=$?
if [ "$rc" = 3 ] && grep -q "s001: section 'abstracts' is missing" "$D/out"; then
  ok shards_shard_without_abstracts_refused
else
  bad "shards_shard_without_abstracts_refused (exit $rc: $(head -c 300 "$D/out"))"
fi

# updates refuse it; writing over it as one file removes its shard files
for c in "add $D/s2.tny $D/s3.jsonl" "delete $D/s2.tny $id" "rebuild $D/s2.tny"; do
  "$TENYO" $c >"$D/out" 2>&1; rc=$?
  if [ "$rc" != 0 ] && grep -q "sharded index: rebuild it as one file" "$D/out"; then ok "shards_refuse_${c%% *}"; else bad "shards_refuse_${c%% *} (exit $rc: $(head -c 200 "$D/out"))"; fi
done
"$TENYO" index -q -t 1 -o "$D/s2.tny" "$S" 2>/dev/null
if cmp -s "$D/s2.tny" "$D/one.tny" && [ -z "$(ls "$D" | grep '^s2\.tny\.[0-9]')" ]; then
  ok shards_replaced_by_one_file_collects
else
  bad "shards_replaced_by_one_file_collects ($(ls "$D" | grep '^s2' | tr '\n' ' '))"
fi
"$TENYO" index -q -t 1 --shards 2 -o "$D/s4.tny" "$S" 2>/dev/null
if [ "$(ls "$D" | grep -c '^s4\.tny\.[0-9]')" = 3 ]; then ok shards_rewrite_collects_old_generation; else bad "shards_rewrite_collects_old_generation ($(ls "$D" | grep '^s4' | tr '\n' ' '))"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
