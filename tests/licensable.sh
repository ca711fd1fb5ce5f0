#!/bin/sh
# licensable.sh — issue 17: licensable patents as data (tenyo open, index
# --open-list, --open-only), company matching (tenyo match) and
# applicability profiles (tenyo profile). Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/licensable.sh
T=${TENYO:-build/tenyo}
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-lic-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }
expect() {
  code=$1; name=$2; shift 2
  "$@" >"$D/out" 2>"$D/err"; rc=$?
  if [ "$rc" = "$code" ]; then ok "$name"; else bad "$name (exit $rc, want $code: $(head -c 300 "$D/err"))"; fi
}
contains() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2' in $(head -c 300 "$1"))"; fi; }
lacks() { if grep -q -- "$2" "$1"; then bad "$3 ('$2' in $(head -c 300 "$1"))"; else ok "$3"; fi; }
py() { python3 -c "$@"; }
command -v python3 >/dev/null 2>&1 || { echo "python3 missing"; echo "0 passed, 1 failed"; exit 1; }

# the sample without its "open" members: an index that marks nothing
# licensable, as a J-PlatPat index does
py 'import json,sys
for l in open("data/sample/sample.jsonl"):
    d=json.loads(l); d.pop("open",None); print(json.dumps(d,ensure_ascii=False))' >"$D/noopen.jsonl"
expect 0 lic_index "$T" index -q -o "$D/s.tny" "$D/noopen.jsonl"
expect 0 lic_info_none "$T" info "$D/s.tny"
contains "$D/out" "documents  200 (0 open for licence)" lic_info_none_zero

# --open-only on an index that marks nothing: said, in text and JSON
expect 0 lic_similar_open_none "$T" similar "$D/s.tny" SAMPLE-001 --open-only
contains "$D/err" "the index marks no patent licensable" lic_similar_open_none_warns
contains "$D/err" "tenyo open INDEX --from FILE" lic_similar_open_none_says_how
expect 0 lic_similar_open_none_json "$T" similar "$D/s.tny" SAMPLE-001 --open-only --json
if py 'import json,sys; o=json.load(open(sys.argv[1])); f=o["query"]["filter"]; assert f["open_only"] and f["matching"]==0 and "licensable" in f["warning"] and o["results"]==[]' "$D/out"; then ok lic_similar_open_none_json_warning; else bad "lic_similar_open_none_json_warning ($(head -c 300 "$D/out"))"; fi
expect 0 lic_ideas_open_none "$T" ideas "$D/s.tny" SAMPLE-001 --open-only --json
if py 'import json,sys; o=json.load(open(sys.argv[1])); assert o["ideas"]==[]; assert any(w.get("code")=="open_only_empty" or "open" in json.dumps(w) for w in o["warnings"]), o["warnings"]' "$D/out"; then ok lic_ideas_open_none_json_warning; else bad "lic_ideas_open_none_json_warning ($(head -c 300 "$D/out"))"; fi
expect 0 lic_ideas_open_none_text "$T" ideas "$D/s.tny" SAMPLE-001 --open-only
contains "$D/out" "open-only" lic_ideas_open_none_text_says

# a list as people type the numbers: full width, spaces, case, a comment,
# a blank line, a number not indexed (reported with file and line)
printf 'SAMPLE-001\n  sample 002 \nＳＡＭＰＬＥ－００３\n# comment\n\nNOPE-999\nSAMPLE-004\nSAMPLE-004\n' >"$D/list.txt"
expect 0 lic_open_load "$T" open "$D/s.tny" --from "$D/list.txt"
contains "$D/err" "list.txt:6: 'NOPE-999' is not in the index" lic_open_unresolved_file_line
contains "$D/err" "4 patents listed (6 lines" lic_open_counts
contains "$D/err" "1 not in the index, 1 repeated" lic_open_counts_detail
contains "$D/out" "4 licensable patents (4 from the list of 4" lic_open_status
expect 0 lic_info_list "$T" info "$D/s.tny"
contains "$D/out" "(4 open for licence)" lic_info_list_docs
contains "$D/out" "licensable 4 listed in" lic_info_list_line
expect 0 lic_info_list_json "$T" info "$D/s.tny" --json
if py 'import json,sys; o=json.load(open(sys.argv[1]))["licensable"]; assert o["documents"]==4 and o["by_records"]==0 and o["list"]["listed"]==4 and o["list"]["in_index"]==4 and o["list"]["unresolved"]==1 and o["list"]["source"].endswith("list.txt"), o' "$D/out"; then ok lic_info_list_json_members; else bad "lic_info_list_json_members ($(head -c 300 "$D/out"))"; fi
[ -f "$D/s.tny.upd/OPEN" ] && ok lic_open_file_in_upd || bad lic_open_file_in_upd
ls "$D/s.tny.upd" | grep -q 'tmp' && bad lic_open_no_tmp_left || ok lic_open_no_tmp_left

# --open-only is a filter before the top-k: the k best licensable patents
expect 0 lic_similar_open "$T" similar "$D/s.tny" SAMPLE-005 --open-only -k 10 --json
if py 'import json,sys; o=json.load(open(sys.argv[1])); r=o["results"]; assert [x["id"] for x in r]==sorted([x["id"] for x in r], key=lambda i: -[y["score"] for y in r if y["id"]==i][0]) and len(r)==4 and all(x["open"] for x in r) and {x["id"] for x in r}=={"SAMPLE-001","SAMPLE-002","SAMPLE-003","SAMPLE-004"}, r' "$D/out"; then ok lic_similar_open_only_listed; else bad "lic_similar_open_only_listed ($(head -c 300 "$D/out"))"; fi
# equal to the top-k of a copy holding only the licensable patents
py 'import json
keep={"SAMPLE-001","SAMPLE-002","SAMPLE-003","SAMPLE-004","SAMPLE-005"}
for l in open("data/sample/sample.jsonl"):
    i=json.loads(l)["id"]
    if i not in keep: print(i)' >"$D/drop.txt"
cp "$D/s.tny" "$D/only.tny"; cp -r "$D/s.tny.upd" "$D/only.tny.upd"
expect 0 lic_only_delete "$T" delete "$D/only.tny" --from "$D/drop.txt"
for mode in tfidf lsa hybrid; do
  "$T" similar "$D/s.tny" SAMPLE-005 --open-only --mode $mode --json 2>/dev/null | py 'import json,sys; o=json.load(sys.stdin); print(json.dumps(o["results"]))' >"$D/a"
  "$T" similar "$D/only.tny" SAMPLE-005 --mode $mode --json 2>/dev/null | py 'import json,sys; o=json.load(sys.stdin); print(json.dumps(o["results"]))' >"$D/b"
  if [ -s "$D/a" ] && cmp -s "$D/a" "$D/b"; then ok "lic_open_only_topk_equals_only_$mode"; else bad "lic_open_only_topk_equals_only_$mode ($(diff "$D/a" "$D/b" | head -c 300))"; fi
done
expect 0 lic_ideas_open "$T" ideas "$D/s.tny" SAMPLE-005 --open-only --min-confidence 0 --json
if py 'import json,sys; o=json.load(open(sys.argv[1])); ev=[e for i in o["ideas"] for e in i["evidence"]]; assert all(e["open"] for e in ev), ev' "$D/out"; then ok lic_ideas_open_evidence_listed; else bad "lic_ideas_open_evidence_listed ($(head -c 300 "$D/out"))"; fi

# the list holds through add and rebuild, and is not baked into the base
head -3 "$D/noopen.jsonl" | sed 's/"SAMPLE-00/"ADDED-00/' >"$D/add.jsonl"
expect 0 lic_add "$T" add "$D/s.tny" "$D/add.jsonl"
expect 0 lic_after_add "$T" open "$D/s.tny"
contains "$D/out" "licensable patents (4 from the list of 4" lic_survives_add
expect 0 lic_rebuild "$T" rebuild "$D/s.tny"
expect 0 lic_after_rebuild "$T" open "$D/s.tny"
contains "$D/out" "licensable patents (4 from the list of 4" lic_survives_rebuild
expect 0 lic_delete_listed "$T" delete "$D/s.tny" SAMPLE-004
expect 0 lic_after_delete "$T" info "$D/s.tny" --json
if py 'import json,sys; o=json.load(open(sys.argv[1]))["licensable"]; assert o["documents"]==3 and o["list"]["listed"]==4 and o["list"]["in_index"]==3, o' "$D/out"; then ok lic_deleted_not_counted; else bad "lic_deleted_not_counted ($(head -c 300 "$D/out"))"; fi
expect 0 lic_clear "$T" open "$D/s.tny" --clear
contains "$D/err" "licensable list removed" lic_clear_says
contains "$D/out" "0 licensable patents (by their records; no list loaded)" lic_clear_not_baked_in
[ ! -e "$D/s.tny.upd/OPEN" ] && ok lic_clear_removes_file || bad lic_clear_removes_file
expect 0 lic_clear_again "$T" open "$D/s.tny" --clear
contains "$D/err" "had no licensable list" lic_clear_again_says

# a CSV export in Shift_JIS: the number column is found (公開番号, not
# 出願番号), quoted cells with commas, a bad row named by its line
printf '出願番号,公開番号,発明の名称\n2020-000001,SAMPLE-010,"車両, 装置"\n2020-000002,"ｓａｍｐｌｅ ０１１",x\n2020-000003,SAMPLE-999,y\n' | iconv -f UTF-8 -t SHIFT_JIS >"$D/export.csv"
expect 0 lic_csv_sjis "$T" open "$D/s.tny" --from "$D/export.csv"
contains "$D/err" "column '公開番号'" lic_csv_column_found
contains "$D/err" "export.csv:4: 'SAMPLE-999' is not in the index; did you mean" lic_csv_bad_row_line
contains "$D/out" "2 licensable patents" lic_csv_listed
# a header-less CSV: the first row is data
printf 'x,SAMPLE-012\ny,SAMPLE-013\n' >"$D/nohead.csv"
expect 0 lic_csv_noheader "$T" open "$D/s.tny" --from "$D/nohead.csv"
contains "$D/out" "2 licensable patents (2 from the list of 2" lic_csv_noheader_first_row
# a named column; one that resolves nothing keeps the old list (exit 2)
expect 2 lic_csv_wrong_column "$T" open "$D/s.tny" --from "$D/export.csv" --column 出願番号
contains "$D/err" "no patent number resolved" lic_csv_wrong_column_says
contains "$D/err" "the old list is kept" lic_csv_wrong_column_keeps
expect 0 lic_kept "$T" open "$D/s.tny"
contains "$D/out" "2 licensable patents (2 from the list of 2 in .*nohead.csv" lic_kept_old_list
expect 1 lic_csv_no_such_column "$T" open "$D/s.tny" --from "$D/export.csv" --column 番号
contains "$D/err" "no column '番号'" lic_csv_no_such_column_says
expect 2 lic_missing_file "$T" open "$D/s.tny" --from "$D/none.txt"
contains "$D/err" "none.txt" lic_missing_file_named
expect 1 lic_from_and_clear "$T" open "$D/s.tny" --from "$D/list.txt" --clear
expect 1 lic_no_index "$T" open
expect 1 lic_column_alone "$T" open "$D/s.tny" --column 2
expect 3 lic_missing_index "$T" open "$D/none.tny" --from "$D/list.txt"
expect 0 lic_open_json "$T" open "$D/s.tny" --json
if py 'import json,sys; o=json.load(open(sys.argv[1])); assert o["documents"]==2 and o["list"]["listed"]==2, o' "$D/out"; then ok lic_open_json_members; else bad "lic_open_json_members ($(head -c 300 "$D/out"))"; fi

# a damaged list is refused by every reader, naming the file and the way out
cp "$D/s.tny.upd/OPEN" "$D/OPEN.good"
sed 's/"unresolved":[0-9]*/"unresolved":77/' "$D/OPEN.good" >"$D/s.tny.upd/OPEN"
expect 3 lic_damaged "$T" similar "$D/s.tny" SAMPLE-001
contains "$D/err" "OPEN: damaged licensable list (checksum" lic_damaged_named
contains "$D/err" "tenyo open .* --from FILE" lic_damaged_way_out
expect 0 lic_damaged_clear "$T" open "$D/s.tny" --clear
expect 0 lic_damaged_cleared "$T" similar "$D/s.tny" SAMPLE-001

# at index time: --open-list; and a new base keeps the list (ids)
expect 0 lic_index_open_list "$T" index -o "$D/i.tny" --open-list "$D/list.txt" "$D/noopen.jsonl"
contains "$D/err" "4 patents listed" lic_index_open_list_loaded
contains "$D/err" "list.txt:6: 'NOPE-999'" lic_index_open_list_reports
expect 0 lic_index_open_list_info "$T" info "$D/i.tny"
contains "$D/out" "(4 open for licence)" lic_index_open_list_info_docs
expect 2 lic_index_open_list_missing "$T" index -q -o "$D/j.tny" --open-list "$D/none.txt" "$D/noopen.jsonl"
[ ! -e "$D/j.tny" ] && ok lic_index_open_list_missing_nothing_written || bad lic_index_open_list_missing_nothing_written
expect 1 lic_index_open_column_alone "$T" index -q -o "$D/k.tny" --open-column 2 "$D/noopen.jsonl"
# JSONL "open" members still count, with a list beside them
expect 0 lic_jsonl_open "$T" index -q -o "$D/o.tny" data/sample/sample.jsonl
expect 0 lic_jsonl_open_info "$T" info "$D/o.tny" --json
n_rec=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["open_documents"])' "$D/out")
[ "$n_rec" -gt 0 ] 2>/dev/null && ok lic_jsonl_open_counted || bad "lic_jsonl_open_counted ($n_rec)"
printf 'SAMPLE-001\nSAMPLE-002\n' >"$D/two.txt"
"$T" open "$D/o.tny" --from "$D/two.txt" >/dev/null 2>&1
expect 0 lic_jsonl_plus_list "$T" info "$D/o.tny" --json
if py 'import json,sys
o=json.load(open(sys.argv[1]))["licensable"]; rec=int(sys.argv[2])
assert o["by_records"]==rec and rec <= o["documents"] <= rec+2, o' "$D/out" "$n_rec"; then ok lic_jsonl_plus_list_union; else bad "lic_jsonl_plus_list_union ($(head -c 300 "$D/out"))"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
