#!/bin/sh
# workflow.sh — the licensing workflow an analyst runs on J-PlatPat exports:
# the importer (markup removed, a per-file report, records without
# abstract, a header without 文献番号), keyword search (what the records
# say, counted against the text), every number an analyst has (application
# and registration numbers), did you mean with titles, the printable
# reports (ideas --html, match --html; PDF through headless Chromium when
# installed). Synthetic files
# first (always run), then the real exports in ../shared/data (skipped,
# saying so, when absent). Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/workflow.sh
T=${TENYO:-build/tenyo}
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-wf-XXXXXX")
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
lacks() { if grep -q -- "$2" "$1"; then bad "$3 ('$2' in $(grep -m1 -o -- ".\{0,40\}$2.\{0,40\}" "$1"))"; else ok "$3"; fi; }
command -v python3 >/dev/null 2>&1 || { echo "python3 missing"; echo "0 passed, 1 failed"; exit 1; }
MARKUP='<BR>\|<br>\|(57)\|（修正有）\|【要約】\|【選択図】'

# ---------------------------------------------------------------- importer
# a J-PlatPat export as J-PlatPat writes it: BOM, quoted fields, the
# abstract's lead-ins and <BR> cut into words, the numbers columns
printf '\357\273\277' >"$D/ex.csv"
cat >>"$D/ex.csv" <<'C'
"文献番号","出願番号","出願日","公知日","発明の名称","出願人/権利者","FI","要約","公開番号","公告番号","登録番号","審判番号","その他","ステージ","イベント詳細","文献URL"
"特開2099-100001","特願2098-000101","2098/01/10","2099/07/01","オーブント<BR>ースタ","試験電機株式会社","F24C15/22@A,F24C7/06@A","(57)【要約】      （修正有）
【課題】加熱対象物を効率的に加熱するオ<BR>ーブントースタを提供する。
【解決手段】網部材を有するオ<BR>ーブントースタは、反射部材を備える。
【選択図】図７
","特開2099-100001","","特許7900001","","","","","https://example.invalid/1"
"特開2099-100002","特願2098-000102","2098/02/10","2099/08/01","ホットプレート","試験電機株式会社","A47J37/06","(57)【要約】
【課題】焼きむらの少ないホットプレ<BR>ートを提供する。
【解決手段】加熱板の裏面に均熱板を<BR>設ける。
【選択図】図１
","特開2099-100002","","","","","","","https://example.invalid/2"
"特開2099-100003","特願2098-000103","2098/03/10","2099/09/01","電気ケトル","試験家電株式会社","A47J27/21","(57)【要約】
【課題】湯沸かしの省エネルギー化を図る電気ケ<BR>トルを提供する。
【解決手段】断熱層を容器に設ける。
","特開2099-100003","","","","","","","https://example.invalid/3"
C
expect 0 wf_index_export "$T" index -o "$D/ex.tny" --min-df 1 --max-df 1 "$D/ex.csv"
contains "$D/err" "ex.csv: 3 records (jplatpat, UTF-8, detected), 0 without abstract, 0 skipped" wf_index_per_file_report
for id in 特開2099-100001 特開2099-100002; do
  "$T" similar "$D/ex.tny" $id -k 3 --json >>"$D/all.out" 2>&1
  "$T" ideas "$D/ex.tny" $id --min-confidence 0 --json >>"$D/all.out" 2>&1
  "$T" ideas "$D/ex.tny" $id --min-confidence 0 >>"$D/all.out" 2>&1
done
"$T" search "$D/ex.tny" "ートを" --json >>"$D/all.out" 2>&1
lacks "$D/all.out" "$MARKUP" wf_no_markup_in_output
contains "$D/all.out" "オーブントースタ" wf_title_joined
# the words <BR> cut are whole again: search finds them
expect 0 wf_search_joined_word "$T" search "$D/ex.tny" "ホットプレート"
contains "$D/out" "全 3 件中 1 件が該当" wf_search_joined_word_found

# an export without 要約: a warning saying what it costs
printf '"文献番号","出願番号","出願日","公知日","発明の名称","出願人/権利者","FI"\n"特開2099-200001","特願2098-000201","2098/01/10","2099/07/01","栓","試験工業株式会社","B65D39/00"\n"特開2099-200002","特願2098-000202","2098/01/11","2099/07/02","瓶の栓","試験工業株式会社","B65D39/04"\n' >"$D/noabs.csv"
expect 0 wf_index_no_abstract "$T" index -o "$D/na.tny" --min-df 1 --max-df 1 "$D/ex.csv" "$D/noabs.csv"
contains "$D/err" "noabs.csv: 2 records (jplatpat, UTF-8, detected), 2 without abstract" wf_no_abstract_counted
contains "$D/err" "warning: .*noabs.csv: 2 of 2 records have no abstract (要約)" wf_no_abstract_warned
contains "$D/err" "they are indexed on their title only" wf_no_abstract_consequence
lacks "$D/err" "ex.csv: 3 of" wf_abstract_file_not_warned

# a header without 文献番号: refused naming the column and the header
printf '"番号","出願番号","出願日","発明の名称","要約"\n"特開2099-300001","特願2098-000301","2098/01/10","栓","栓である。"\n' >"$D/badhead.csv"
expect 2 wf_bad_header "$T" index -o "$D/bh.tny" "$D/badhead.csv"
contains "$D/err" "badhead.csv:1: J-PlatPat CSV header without the 文献番号 column" wf_bad_header_names_column
contains "$D/err" "the header has: 番号,出願番号,出願日,発明の名称,要約" wf_bad_header_lists_header
lacks "$D/err" "unknown input format" wf_bad_header_not_unknown
[ ! -e "$D/bh.tny" ] && ok wf_bad_header_no_index || bad wf_bad_header_no_index

# ------------------------------------------------------------ numbers
# application (出願番号) and registration (登録番号) numbers find their
# publication, in the forms people type; JSON Lines' app_no too
for pair in '特願2098-000101=特開2099-100001' '特願２０９８－０００１０２=特開2099-100002' \
            '特願2098000103=特開2099-100003' '特許第7900001号=特開2099-100001' \
            'JP7900001B2=特開2099-100001' '特許7900001=特開2099-100001'; do
  form=${pair%%=*}; want=${pair#*=}
  n=$(printf '%s' "$form" | od -An -tx1 | tr -d ' \n' | cut -c1-24)
  expect 0 "wf_number_$n" "$T" similar "$D/ex.tny" "$form" -k 1 --json
  contains "$D/out" "\"query\":{\"id\":\"$want\"" "wf_number_id_$n"
done
cat >"$D/app.jsonl" <<'J'
{"id": "特開2099-400001", "app_no": "特願2098-000401", "title": "ロボットハンド", "abstract": "柔らかい指でワークを把持する。", "fi": ["B25J15/08"]}
{"id": "特許7900002", "title": "ロボットハンドの指", "abstract": "指の先に弾性体を設ける。", "fi": ["B25J15/08"]}
{"id": "特開2099-400002", "app_no": "特願2098-000402", "reg_no": "特許7900002", "title": "把持装置", "abstract": "吸着パッドで把持する。", "fi": ["B25J15/06"]}
J
expect 0 wf_index_app_no "$T" index -q -o "$D/app.tny" --min-df 1 --max-df 1 "$D/app.jsonl"
expect 0 wf_app_no_jsonl "$T" similar "$D/app.tny" 特願2098-000401 -k 1 --json
contains "$D/out" '"query":{"id":"特開2099-400001"' wf_app_no_jsonl_found
# a registration number indexed as a record of its own is that record
expect 0 wf_own_record_wins "$T" similar "$D/app.tny" 特許第7900002号 -k 1 --json
contains "$D/out" '"query":{"id":"特許7900002"' wf_own_record_wins_id
# the numbers survive an update (tenyo add) and the added record's resolve
printf '{"id": "特開2099-400003", "app_no": "特願2098-000403", "title": "吸着ハンド", "abstract": "真空で吸着する。", "fi": ["B25J15/06"]}\n' >"$D/add.jsonl"
expect 0 wf_add "$T" add -q "$D/app.tny" "$D/add.jsonl"
expect 0 wf_app_no_after_add "$T" similar "$D/app.tny" 特願2098-000403 -k 1 --json
contains "$D/out" '"query":{"id":"特開2099-400003"' wf_app_no_after_add_found
expect 0 wf_app_no_base_after_add "$T" similar "$D/app.tny" 特願2098-000401 -k 1 --json
contains "$D/out" '"query":{"id":"特開2099-400001"' wf_app_no_base_after_add_found
# did you mean: ids with their titles
expect 2 wf_did_you_mean "$T" similar "$D/app.tny" 特開2099-400009
contains "$D/err" "did you mean 特開2099-400001 (ロボットハンド)" wf_did_you_mean_title
# a registration number typed bare (its digits alone) is its publication
expect 0 wf_number_bare_registration "$T" similar "$D/ex.tny" 7900001 -k 1 --json
contains "$D/out" '"query":{"id":"特開2099-100001"' wf_number_bare_registration_id
# a mistyped application number: did you mean offers the documents of the
# application numbers near it (特願2098-000401 is one digit away), never a
# publication whose digits are near (特開2099-400001 for 特願2099-400009)
expect 2 wf_did_you_mean_application "$T" similar "$D/app.tny" 特願2098-000409
contains "$D/err" "did you mean 特開2099-400001 (ロボットハンド)" wf_did_you_mean_application_near
expect 2 wf_did_you_mean_application_kind "$T" similar "$D/app.tny" 特願2099-400009
lacks "$D/err" "did you mean" wf_did_you_mean_application_no_publication

# ----------------------------------------------------------- field labels
# without a title file a subclass is named by the IPC titles built into
# the library (models/README.md: when the build had scheme files), each
# subclass its own; without those, by its class, said as the class's;
# with a file, by its own title (kept in the index)
"$T" index -q -o "$D/s0.tny" data/sample/sample.jsonl 2>/dev/null
"$T" ideas "$D/s0.tny" SAMPLE-001 -n 5 --json >"$D/lab.json"
if [ -f models/ipc_titles_ja.tsv ] && [ -f models/ipc_titles_en.tsv ]; then
  if python3 -c '
import json,sys
I=json.load(open(sys.argv[1]))["ideas"]
assert I and not any(i["label_ja"].startswith("（クラス）") or i["label_en"].startswith("(class) ") for i in I), [(i["field"], i["label_ja"]) for i in I]
assert len({i["label_ja"] for i in I}) == len(I), [(i["field"], i["label_ja"]) for i in I]
' "$D/lab.json"; then ok wf_labels_builtin_own; else bad "wf_labels_builtin_own ($(head -c 300 "$D/lab.json"))"; fi
else
  echo "skip wf_labels_builtin_own: built without IPC scheme files (models/README.md)"
  if python3 -c '
import json,sys
I=json.load(open(sys.argv[1]))["ideas"]
assert I and all(i["label_ja"].startswith("（クラス）") and i["label_en"].startswith("(class) ") for i in I), [(i["field"], i["label_ja"]) for i in I]
' "$D/lab.json"; then ok wf_labels_class_said; else bad "wf_labels_class_said ($(head -c 300 "$D/lab.json"))"; fi
fi
# --ipc-titles overrides the built-in titles: a file naming A01K its own way
printf 'code\tlevel\tdots\ttitle_ja\nA01K\tsubclass\t0\t養殖テスト題名\n' >"$D/own.tsv"
"$T" index -q -o "$D/s2.tny" --ipc-titles "$D/own.tsv" data/sample/sample.jsonl 2>/dev/null
"$T" ideas "$D/s2.tny" SAMPLE-001 -n 20 --min-confidence 0 --json >"$D/lab2.json"
if python3 -c '
import json,sys
I=json.load(open(sys.argv[1]))["ideas"]
g=[i["label_ja"] for i in I if i["field"]=="A01K"]
assert g == ["養殖テスト題名"], [(i["field"], i["label_ja"]) for i in I]
' "$D/lab2.json"; then ok wf_labels_file_overrides; else bad "wf_labels_file_overrides ($(head -c 300 "$D/lab2.json"))"; fi
if [ -f ../shared/data/ipc/ipc2018_ja.tsv ]; then
  "$T" index -q -o "$D/s1.tny" --ipc-titles ../shared/data/ipc/ipc2018_ja.tsv data/sample/sample.jsonl 2>/dev/null
  "$T" ideas "$D/s1.tny" SAMPLE-001 -n 5 --json >"$D/lab1.json"
  if python3 -c '
import json,sys
I=json.load(open(sys.argv[1]))["ideas"]
assert I and not any(i["label_ja"].startswith("（クラス）") for i in I), [(i["field"], i["label_ja"]) for i in I]
' "$D/lab1.json"; then ok wf_labels_titled_own; else bad "wf_labels_titled_own ($(head -c 300 "$D/lab1.json"))"; fi
fi

# ------------------------------------------------------------- reports
# one patent's ideas and one company's matches as printable HTML (A4):
# the patent, every proposal of --json with its evidence, the map, the
# date and the index; printed to PDF by headless Chromium when installed
expect 0 wf_index_sample "$T" index -q -o "$D/s.tny" data/sample/sample.jsonl
expect 0 wf_report_ideas "$T" ideas "$D/s.tny" SAMPLE-001 -n 4 --html
cp "$D/out" "$D/ideas.html"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 4 --json >"$D/ideas.json"
contains "$D/ideas.html" "<!DOCTYPE html>" wf_report_ideas_html
contains "$D/ideas.html" "@page{size:A4" wf_report_ideas_a4
contains "$D/ideas.html" "SAMPLE-001" wf_report_ideas_patent
contains "$D/ideas.html" "<svg" wf_report_ideas_map
contains "$D/ideas.html" "$(date +%Y-%m-)" wf_report_ideas_date
contains "$D/ideas.html" "$D/s.tny" wf_report_ideas_index
contains "$D/ideas.html" "意外性:" wf_report_ideas_surprise_explained
if python3 -c '
import json,sys,re
o=json.load(open(sys.argv[1])); h=open(sys.argv[2]).read()
assert o["ideas"]
for i in o["ideas"]:
    assert i["field"] in h, i["field"]
    if not i["shown"]: continue  # named after the list
    assert all(e["id"] in h for e in i["evidence"]), i["field"]
    assert ("%.0f%%" % (100*i["confidence"])) in h, i["confidence"]
assert "<script" not in h
' "$D/ideas.json" "$D/ideas.html"; then ok wf_report_ideas_every_proposal; else bad wf_report_ideas_every_proposal; fi
expect 0 wf_report_match "$T" match "$D/s.tny" --text "カメラで撮像した画像から異常を検出する検査装置を製造しています。" -k 4 --html
cp "$D/out" "$D/match.html"
contains "$D/match.html" "開放特許マッチングレポート" wf_report_match_title
contains "$D/match.html" "作れるもの" wf_report_match_uses
contains "$D/match.html" "→ 使い道: 自社の「" wf_report_match_company_use
contains "$D/match.html" "適合度 0\.[0-9]* = 会社の説明文" wf_report_match_fit
if grep -q "確信度0%\|確信度 0%" "$D/match.html"; then bad wf_report_match_no_conf0; else ok wf_report_match_no_conf0; fi
contains "$D/match.html" "<mark>" wf_report_match_why_marked
# printed: a card is never split across pages, table headers and dates
# never wrap (類似/度, 2015-12-/24); the match report shows each card's
# band and says a predicted home beside the fields, not "use --home" (the
# reader is the client); match's "N proposals rest on one patent" counts
# the uses its cards show, not the proposals computed behind them
if python3 - "$D/ideas.html" "$D/match.html" <<'PY'
import re, sys
for f in sys.argv[1:]:
    h = open(f).read()
    css = re.search(r"<style>(.*?)</style>", h, re.S).group(1)
    rules = [(sel.split(","), body) for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)]
    def has(sel, prop):
        return any(sel in [x.strip() for x in ss] and prop in b for ss, b in rules)
    assert has(".card", "break-inside:avoid"), f
    assert has("th", "white-space:nowrap") and has(".date", "white-space:nowrap"), f
    dates = re.findall(r"\d{4}-\d\d-\d\d", re.sub(r'<p class="meta">作成日[^<]*', "", h))
    assert dates and len(dates) == len(re.findall(r'class="date">\d{4}-\d\d-\d\d<', h)), (f, dates[:5])
PY
then ok wf_report_print_cards_dates_unbroken; else bad wf_report_print_cards_dates_unbroken; fi
"$T" match "$D/s.tny" --text "カメラで撮像した画像から異常を検出する検査装置を製造しています。" -k 4 --json >"$D/match.json" 2>/dev/null
if python3 - "$D/match.json" "$D/match.html" <<'PY'
import json, sys
o = json.load(open(sys.argv[1])); h = open(sys.argv[2]).read()
assert o["matches"] and all("[%s] %s" % (m["band_label"], m["id"]) in h for m in o["matches"]), "bands"
assert "--home" not in h, "--home told to the client"
assert "推定" in h
shown = set()
for m in o["matches"]:
    a = m.get("application")
    if isinstance(a, dict) and a.get("source") != "own_text": shown.add(a["field"])
    shown |= {u["field"] for u in m["uses"]}
one = sum(1 for i in o["ideas"] if i["field"] in shown and "one_patent" in i["cautions"])
w = [x["message"] for x in o["warnings"] if x["code"] == "one_patent"]
assert (w == [] and one == 0) or (len(w) == 1 and w[0].startswith("示した用途のうち %d 件" % one)), (w, one, sorted(shown))
PY
then ok wf_report_match_bands_no_home_advice; else bad wf_report_match_bands_no_home_advice; fi
# the printed map: every label inside the picture, none over another or
# over a numbered mark, its text no wider than its box (textLength), and
# every proposal's number on the map or said under it (read from the SVG's
# coordinates: data-box is x,y,w,h in the picture's units); ten proposals
# of the J-PlatPat sample crowd the map's middle
"$T" index -q -o "$D/jp.tny" data/sample/jplatpat_export.csv 2>/dev/null
# search: a patent's number typed as the query is that patent (not words
# no record holds), said so; a filter that leaves nothing is named as the
# cause of the 0, with the count the words alone would find
expect 0 wf_search_number "$T" search "$D/jp.tny" 特開２０９９－０００１０１
contains "$D/out" "特許番号として読みました: 特開2099-000101" wf_search_number_said
contains "$D/out" "^ *1 .*特開2099-000101" wf_search_number_listed
lacks "$D/err" "no record contains" wf_search_number_not_words
"$T" search "$D/jp.tny" 特開2099-000101 --json >"$D/out" 2>/dev/null
contains "$D/out" '"number":"特開2099-000101"' wf_search_number_json
expect 0 wf_search_filter_zero "$T" search "$D/jp.tny" 装置 --applicant 高砂
contains "$D/out" "全 170 件中 0 件が該当" wf_search_filter_zero_count
contains "$D/out" "フィルタ（出願人「高砂」）に合う特許が 1 件もありません（フィルタなしなら [1-9][0-9]* 件が該当）" wf_search_filter_zero_said
expect 0 wf_search_filter_zero_en "$T" search "$D/jp.tny" 装置 --applicant 高砂 --lang en
contains "$D/out" "the filters (applicant 高砂) leave none of the 170 patents (without them, [1-9][0-9]* patents match)" wf_search_filter_zero_said_en
"$T" search "$D/jp.tny" 装置 --applicant 高砂 --json >"$D/out" 2>/dev/null
contains "$D/out" '"matching_filters_alone":0,"matching_words_alone":[1-9]' wf_search_filter_zero_json
"$T" ideas "$D/jp.tny" 特開2099-000001 -n 10 --html >"$D/ideas10.html" 2>/dev/null
"$T" match "$D/jp.tny" --text "当社は金属の精密プレス加工と部品の超音波洗浄を得意とする町工場です。" -k 10 --html \
  >"$D/match10.html" 2>/dev/null
for r in ideas10 match10 ideas; do
  if python3 - "$D/$r.html" <<'PY'
import re,sys
h=open(sys.argv[1]).read()
svg=re.search(r'<svg viewBox="0 0 ([\d.]+) ([\d.]+)"(.*?)</svg>',h,re.S)
W,H,body=float(svg.group(1)),float(svg.group(2)),svg.group(3)
boxes=[]
for attrs,text in re.findall(r'<text ([^>]*data-box[^>]*)>([^<]*)</text>',body):
    x,y,w,hh=map(float,re.search(r'data-box="([^"]+)"',attrs).group(1).split(","))
    tl=float(re.search(r'textLength="([\d.]+)"',attrs).group(1))
    tx=float(re.search(r'(?:^| )x="([\d.]+)"',attrs).group(1))
    assert 0<=x and x+w<=W+1e-6 and 0<=y and y+hh<=H+1e-6, ("outside",text,x,y,w,hh)
    assert tx>=x and tx+tl<=x+w+0.1, ("text past its box",text)
    boxes.append((x,y,w,hh,text))
assert len(boxes)>=3, boxes
for i,a in enumerate(boxes):
    for b in boxes[i+1:]:
        assert a[0]+a[2]<=b[0] or b[0]+b[2]<=a[0] or a[1]+a[3]<=b[1] or b[1]+b[3]<=a[1], ("overlap",a,b)
marks=re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="6" fill="#d0531c"/>',body)
assert marks
for cx,cy in marks:
    cx,cy=float(cx),float(cy)
    for x,y,w,hh,t in boxes:
        dx=max(x-cx,0,cx-x-w); dy=max(y-cy,0,cy-y-hh)
        assert dx*dx+dy*dy>=36-1e-6, ("label over a mark",t,cx,cy)
named={t.split()[0] for *_,t in boxes}
said=re.search(r'(?:余地がなかった点|the label of): ([^<。]*)',h)
said=set(re.findall(r'\d+',said.group(1))) if said else set()
for k in range(1,len(marks)+1):
    assert str(k) in named or str(k) in said, ("mark unnamed",k)
PY
  then ok "wf_report_${r}_map_labels_placed"; else bad "wf_report_${r}_map_labels_placed"; fi
done
for c in chromium chromium-browser google-chrome; do command -v $c >/dev/null 2>&1 && CH=$c && break; done
if [ -n "$CH" ] && command -v pdfinfo >/dev/null 2>&1; then
  for r in ideas match; do
    timeout 120 $CH --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
      --user-data-dir="$D/chrome" --print-to-pdf="$D/$r.pdf" "file://$D/$r.html" >/dev/null 2>&1
    pdfinfo "$D/$r.pdf" >"$D/info" 2>&1
    contains "$D/info" "(A4)" "wf_report_${r}_pdf_a4"
  done
  if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$D/ideas.pdf" "$D/ideas.txt"
    contains "$D/ideas.txt" "SAMPLE-001" wf_report_ideas_pdf_text
    # a card is never split across pages: every page after the first
    # starts with a card's head (its band) or a section's heading, and the
    # pages are used (no page but the last less than half filled)
    for r in ideas10 match10; do
      timeout 120 $CH --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --user-data-dir="$D/chrome" --print-to-pdf="$D/$r.pdf" "file://$D/$r.html" >/dev/null 2>&1
      pdftotext -bbox "$D/$r.pdf" "$D/$r.bbox" 2>/dev/null
      if python3 - "$D/$r.bbox" "$D/$r.html" <<'PY'
import re,sys
pages=re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>',open(sys.argv[1]).read(),re.S)
h2=[re.sub(r"<[^>]+>","",t).strip() for t in re.findall(r"<h2>(.*?)</h2>",open(sys.argv[2]).read())]
assert len(pages)>=2, len(pages)
fill=[max(float(y) for y in re.findall(r'yMax="([\d.]+)"',b))/float(h) for h,b in pages]
assert all(f>=0.5 for f in fill[:-1]), ["%.2f"%f for f in fill]
for h,b in pages[1:]:
    w=re.findall(r'>([^<]*)</word>',b)[:4]
    head="".join(w)
    assert any(x in w[:3] for x in ("有力","候補","参考","strong","candidate","reference")) or \
        any(t and head.startswith(t[:4]) for t in h2), ("a page starts inside a card", w)
PY
      then ok "wf_report_${r}_cards_whole"; else bad "wf_report_${r}_cards_whole"; fi
    done
  fi
else
  echo "skip wf_report_*_pdf: headless Chromium or pdfinfo not installed (apt-get install chromium poppler-utils)"
fi

# ------------------------------------------------------- the keyword index
# section "keywords": whole abstracts (a word past 4 KiB found), carried
# by add (a segment's own postings) and delete, checked by check (a
# flipped byte in the section caught), info shows its cost; an index
# made before it (tests/fixtures/base.tny) is scanned, with one note
python3 - "$D/long.jsonl" "$D/long2.jsonl" <<'P'
import json, sys
body = "車両の制御装置を説明する。" * 400          # 14.4 KB before the words
rec = lambda i, w: {"id": "LONG-%d" % i, "title": "長い要約の制御装置", "ipc": ["B60W30/00"],
                    "abstract": body + "最後に" + w + "が現れる。"}
with open(sys.argv[1], "w") as f:
    for i, w in enumerate(["終端語アルファ", "水平打継目"]):
        f.write(json.dumps(rec(i, w), ensure_ascii=False) + "\n")
with open(sys.argv[2], "w") as f:
    f.write(json.dumps(rec(9, "終端語ベータ"), ensure_ascii=False) + "\n")
P
cat data/sample/sample.jsonl "$D/long.jsonl" >"$D/kwx.jsonl"
expect 0 wf_kwx_index "$T" index -q -o "$D/kwx.tny" "$D/kwx.jsonl"
expect 0 wf_kwx_past_4k "$T" search "$D/kwx.tny" '"打継目"' --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert [r["id"] for r in o["results"]]==["LONG-1"], o["results"]' "$D/out" && ok wf_kwx_past_4k_only_it || bad wf_kwx_past_4k_only_it
# an OR bar between words, with or without spaces, half- or full-width
for q in 'カメラ | 眠気' 'カメラ|眠気' 'カメラ｜眠気' 'カメラ OR 眠気'; do
  n=$(printf '%s' "$q" | od -An -tx1 | tr -d ' \n' | cut -c1-20)
  "$T" search "$D/kwx.tny" "$q" -k 200 --json >"$D/or_$n.json" 2>"$D/err"
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(len(o["results"]))' "$D/or_$n.json" >"$D/or_$n.n"
done
if [ "$(cat "$D"/or_*.n | sort -u | wc -l)" = 1 ] && [ "$(cat "$D"/or_*.n | head -n 1)" -gt 1 ]; then
  ok wf_kw_or_bar_unspaced; else bad "wf_kw_or_bar_unspaced ($(cat "$D"/or_*.n | tr '\n' ' '))"; fi
expect 0 wf_kwx_info "$T" info "$D/kwx.tny"
contains "$D/out" "^kw index .* bytes per document" wf_kwx_info_per_doc
expect 0 wf_kwx_add "$T" add "$D/kwx.tny" "$D/long2.jsonl"
expect 0 wf_kwx_seg_search "$T" search "$D/kwx.tny" '終端語'
contains "$D/out" "全 203 件中 2 件が該当" wf_kwx_seg_count
lacks "$D/err" "no keyword index" wf_kwx_seg_indexed
expect 0 wf_kwx_delete "$T" delete "$D/kwx.tny" LONG-0
expect 0 wf_kwx_del_search "$T" search "$D/kwx.tny" '終端語' --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert [r["id"] for r in o["results"]]==["LONG-9"], o["results"]' "$D/out" && ok wf_kwx_deleted_gone || bad wf_kwx_deleted_gone
expect 0 wf_kwx_check "$T" check "$D/kwx.tny"
# rebuild keeps the whole abstracts (from the old keyword index)
expect 0 wf_kwx_rebuild "$T" rebuild "$D/kwx.tny"
expect 0 wf_kwx_rebuilt_search "$T" search "$D/kwx.tny" '"水平打継目"' --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert [r["id"] for r in o["results"]]==["LONG-1"], o["results"]' "$D/out" && ok wf_kwx_rebuilt_past_4k || bad wf_kwx_rebuilt_past_4k
python3 - "$D/kwx.tny" "$D/kwx_flip.tny" <<'P'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack_from("<I", b, 16)[0]
for i in range(n):
    e = 32 + 48 * i
    if b[e:e + 16].rstrip(b"\0") == b"keywords":
        off, stored = struct.unpack_from("<QQ", b, e + 16)
        b[off + stored // 2] ^= 0x5A
open(sys.argv[2], "wb").write(b)
P
expect 3 wf_kwx_flip_check "$T" check "$D/kwx_flip.tny"
cat "$D/out" "$D/err" >"$D/both"
contains "$D/both" "keywords" wf_kwx_flip_named
expect 0 wf_kwx_old_index "$T" search tests/fixtures/base.tny 'の' -k 3
contains "$D/err" "has no keyword index" wf_kwx_old_index_note
expect 0 wf_kwx_old_info "$T" info tests/fixtures/base.tny
contains "$D/out" "^kw index  *none" wf_kwx_old_info_none
# info folds no text for keyword search (at a million documents that was
# minutes and a gigabyte): without a keyword index nothing is in memory
lacks "$D/out" "^keywords .* in memory" wf_kwx_old_info_builds_nothing

# ------------------------------------------------------------- the page
# GET /api/report gives the report of the body the page sent; keyword
# search lists its own results on the page (#kw= alone)
if command -v curl >/dev/null 2>&1; then
  "$T" serve "$D/s.tny" --port 0 2>"$D/srv.log" &
  SP=$!
  PORT=
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    PORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/srv.log")
    [ -n "$PORT" ] && break; sleep 0.3
  done
  U="http://127.0.0.1:$PORT"
  curl -s -D "$D/h" -G "$U/api/report" --data-urlencode task=ideas --data-urlencode 'body={"id":"SAMPLE-001","n":4}' >"$D/r.html"
  contains "$D/r.html" "技術転用提案レポート" wf_api_report_ideas
  contains "$D/h" "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'" wf_api_report_csp
  curl -s -G "$U/api/report" --data-urlencode task=match --data-urlencode 'body={"text":"カメラで撮像した画像から異常を検出する検査装置","k":3}' >"$D/r2.html"
  contains "$D/r2.html" "作れるもの" wf_api_report_match
  code=$(curl -s -o /dev/null -w '%{http_code}' -G "$U/api/report" --data-urlencode task=x --data-urlencode 'body={}')
  [ "$code" = 400 ] && ok wf_api_report_bad_task || bad "wf_api_report_bad_task ($code)"
  "$T" search "$D/s.tny" "カメラ -車両" -k 50 --json >"$D/kw.json"
  for c in chromium chromium-browser google-chrome; do command -v $c >/dev/null 2>&1 && CH=$c && break; done
  if [ -n "$CH" ]; then
    timeout 120 $CH --headless --no-sandbox --disable-gpu --user-data-dir="$D/chrome2" \
      --virtual-time-budget=20000 --dump-dom "$U/#kw=%E3%82%AB%E3%83%A1%E3%83%A9%20-%E8%BB%8A%E4%B8%A1" >"$D/kw.html" 2>/dev/null
    if python3 -c '
import json,sys,re
o=json.load(open(sys.argv[1])); h=open(sys.argv[2]).read()
ids=re.findall(r"<li class=\"card search\" data-id=\"([^\"]+)\"", h)
assert ids==[r["id"] for r in o["results"]], (ids[:5], len(ids), len(o["results"]))
assert "キーワード検索: カメラ -車両" in h
' "$D/kw.json" "$D/kw.html"; then ok wf_page_keyword_results; else bad "wf_page_keyword_results ($(grep -o 'id="status"[^<]*<' "$D/kw.html"))"; fi
  fi
  kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null
fi

# ------------------------------------------------------ records merged
# one patent in several exports: merged field by field (an empty field
# keeps the other, the fuller kept, codes joined, conflicts named)
python3 - data/sample/jplatpat_export.csv "$D/titles.csv" <<'P'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
keep = [i for i, c in enumerate(rows[0]) if c != "要約"]
with open(sys.argv[2], "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL)
    for r in rows:
        w.writerow([r[i] for i in keep])
P
expect 0 wf_merge_full_only "$T" index -q -t 1 -o "$D/mf.tny" data/sample/jplatpat_export.csv
expect 0 wf_merge_titles_after_full "$T" index -t 1 -o "$D/mft.tny" data/sample/jplatpat_export.csv "$D/titles.csv"
contains "$D/err" "170 merged into an earlier record of the same patent" wf_merge_count_said
lacks "$D/err" "differ" wf_merge_no_conflict
if cmp -s "$D/mf.tny" "$D/mft.tny"; then ok wf_merge_titles_add_nothing
else bad "wf_merge_titles_add_nothing ($("$T" info "$D/mft.tny" | grep abstracts))"; fi
expect 0 wf_merge_full_after_titles "$T" index -q -t 1 -o "$D/mtf.tny" "$D/titles.csv" data/sample/jplatpat_export.csv
expect 0 wf_merge_full_after_titles_info "$T" info "$D/mtf.tny"
lacks "$D/out" "none kept" wf_merge_full_after_titles_abstracts
expect 0 wf_merge_full_after_titles_search "$T" search "$D/mtf.tny" 居眠り -k 3
contains "$D/out" "特開2099-000001" wf_merge_full_after_titles_found
# under a Japanese locale the per-file report, its warnings, the progress
# line (on a terminal: script(1)) and the closing counts are Japanese
expect 0 wf_ja_index "env" LANG=ja_JP.UTF-8 "$T" index -t 1 -o "$D/ja.tny" data/sample/jplatpat_export.csv "$D/titles.csv"
contains "$D/err" "読み込み .*titles.csv: 170 件（jplatpat、UTF-8、自動判定）、要約なし 170 件" wf_ja_file_report
contains "$D/err" "警告: .*titles.csv: 170 件中 170 件に要約がありません" wf_ja_warning
contains "$D/err" "^索引 170 件（2 ファイルの 340 レコードから。スキップ 0 件、同じ特許の前のレコードに統合 170 件" wf_ja_summary
lacks "$D/err" "indexed \|warning:\|^read " wf_ja_no_english
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
  LANG=ja_JP.UTF-8 script -qec "$T index -t 1 -o $D/ja2.tny data/sample/jplatpat_export.csv" /dev/null >"$D/japrog" 2>&1
  tr '\r' '\n' <"$D/japrog" >"$D/jalines"
  contains "$D/jalines" "^形態素解析 \[####################\] 170/170 100%" wf_ja_progress
  lacks "$D/jalines" "^tokenize\|ETA" wf_ja_progress_no_english
else
  echo "skip wf_ja_progress (script(1) with a pty needed)"
fi
# a weak card's reason says what is true: the bridge words are gathered
# over all evidence patents, "fewer than 4 specific words" is about any
# one of them (cards with 4 or 5 bridge words say so too)
: >"$D/few.json"
for q in 001 005 010; do "$T" ideas "$D/mf.tny" 特開2099-000$q -n 10 --json >>"$D/few.json" 2>/dev/null; echo >>"$D/few.json"; done
if python3 -c '
import json,sys
cards = [i for l in open(sys.argv[1]) if l.strip() for i in json.loads(l)["ideas"]]
many = [i for i in cards if "few_words" in i["weak"] and len(i.get("bridge_terms") or []) >= 4]
assert many, "no card with 4 or more bridge words and few specific ones"
assert all("同じ根拠特許と共有する具体的な語が 4 語未満" in i["weak_reason"] for i in many), [i["weak_reason"] for i in many]
assert not any("共通する具体的な語が 4 語未満" in i["weak_reason"] for i in cards)
' "$D/few.json"; then ok wf_ideas_few_words_reason_true; else bad wf_ideas_few_words_reason_true; fi
# two records that disagree: the longer title kept, both records named,
# the codes of both, the abstract of the one that has it
printf '{"id": "特開2099-500001", "title": "把持装置", "abstract": "柔らかい指でワークを把持する。", "fi": ["B25J15/08"]}\n' >"$D/c1.jsonl"
printf '{"id": "特開2099-600001", "title": "吸着装置", "abstract": "真空で吸着する。", "fi": ["B25J15/06"]}\n' >>"$D/c1.jsonl"
printf '{"id": "特開2099-500001", "title": "ロボットの把持ハンド", "fi": ["B65G47/90"]}\n' >"$D/c2.jsonl"
expect 0 wf_merge_conflict "$T" index -t 1 --min-df 1 --max-df 1 -o "$D/mc.tny" "$D/c1.jsonl" "$D/c2.jsonl"
contains "$D/err" "c2.jsonl:1: 特開2099-500001: merged with the record at .*c1.jsonl:1; their titles differ" wf_merge_conflict_named
expect 0 wf_merge_conflict_doc "$T" similar "$D/mc.tny" 特開2099-500001 -k 1 --json
if python3 -c '
import json,sys
q=json.load(open(sys.argv[1]))["query"]
assert q["title"] == "ロボットの把持ハンド", q
assert "B25J" in q["fields"] and "B65G" in q["fields"], q
' "$D/out"; then ok wf_merge_conflict_kept; else bad "wf_merge_conflict_kept ($(head -c 300 "$D/out"))"; fi
expect 0 wf_merge_conflict_abstract "$T" search "$D/mc.tny" 柔らかい -k 3
contains "$D/out" "特開2099-500001" wf_merge_conflict_abstract_kept
# tenyo add merges a record with the indexed document of its id: a
# title-only export added to an index of the full one changes nothing
expect 0 wf_merge_add_titles "$T" add "$D/mf.tny" "$D/titles.csv"
contains "$D/err" "added 0 documents .* 170 left an indexed one as it was (nothing new)" wf_merge_add_titles_unchanged
expect 0 wf_merge_add_titles_search "$T" search "$D/mf.tny" 居眠り -k 3
contains "$D/out" "特開2099-000001" wf_merge_add_titles_abstract_kept
# tenyo add merges the records it is given too
expect 0 wf_merge_add "$T" add "$D/mc.tny" "$D/c1.jsonl" "$D/c2.jsonl"
expect 0 wf_merge_add_search "$T" search "$D/mc.tny" 柔らかい -k 3
contains "$D/out" "特開2099-500001" wf_merge_add_abstract_kept

# texts that differ only in spacing (the CSV export indents and breaks
# lines where the JSON Lines of the same patent does not) are the same
# text: no conflict, nothing replaced; a text that differs still is one
printf '\357\273\277"文献番号","発明の名称","要約"\n"特開2099-700001","把持装置","(57)【要約】\n【課題】\n  柔らかい指でワーク<BR>を把持する。\n【解決手段】  指は樹脂である。\n"\n' >"$D/sp.csv"
printf '{"id": "特開2099-700001", "title": "把持 装置", "abstract": "【課題】\\n柔らかい指でワークを把持する。\\n【解決手段】指は樹脂である。"}\n' >"$D/sp.jsonl"
printf '{"id": "特開2099-700001", "title": "把持装置", "abstract": "【課題】硬い爪でワークを把持する。"}\n' >"$D/sp2.jsonl"
expect 0 wf_merge_spacing "$T" index -t 1 --min-df 1 --max-df 1 -o "$D/sp.tny" "$D/sp.jsonl" "$D/sp.csv"
lacks "$D/err" "differ" wf_merge_spacing_no_conflict
expect 0 wf_merge_spacing_one "$T" index -q -t 1 --min-df 1 --max-df 1 -o "$D/sp1.tny" "$D/sp.jsonl"
expect 0 wf_merge_spacing_add "$T" add "$D/sp1.tny" "$D/sp.csv"
contains "$D/err" "added 0 documents .* 1 left an indexed one as it was (nothing new)" wf_merge_spacing_add_unchanged
lacks "$D/err" "differ" wf_merge_spacing_add_no_conflict
expect 0 wf_merge_spacing_other "$T" add "$D/sp.tny" "$D/sp2.jsonl"
contains "$D/err" "their abstracts differ" wf_merge_spacing_other_conflict

# ------------------------------------------------------ the real exports
S=../shared/data/jp
if [ -f "$S/jplatpat.jsonl" ] && [ -d "$S/jplatpat_csv" ] && [ -d "$S/jplatpat_csv_broad" ]; then
  # every CSV export indexed as its own: no markup in any output
  expect 0 wf_real_csv_index "$T" index -o "$D/csv.tny" "$S"/jplatpat_csv/*.csv "$S"/jplatpat_csv_broad/*.csv "$S"/jplatpat_csv_spm/*.csv
  contains "$D/err" "warning: .*export_02.csv: 731 of 731 records have no abstract" wf_real_export02_warned
  contains "$D/err" "warning: .*export_15.csv: 1 of 353 records has no abstract (要約): it is indexed on its title only" wf_real_plural_one
  contains "$D/err" "トースタ.csv: 109 records (jplatpat, UTF-8, detected), 0 without abstract" wf_real_toaster_report
  : >"$D/real.out"
  for id in 特開2022-131585 特開2022-104535 特開2024-127407 特開2020-094735; do
    "$T" ideas "$D/csv.tny" "$id" --min-confidence 0 >>"$D/real.out" 2>&1
    "$T" ideas "$D/csv.tny" "$id" --json >>"$D/real.out" 2>&1
    "$T" similar "$D/csv.tny" "$id" -k 5 --json >>"$D/real.out" 2>&1
  done
  "$T" search "$D/csv.tny" "トースタ" -k 50 --json >>"$D/real.out" 2>&1
  "$T" match "$D/csv.tny" --text "オーブントースターのヒーターと反射板を設計製造する家電メーカー" --json >>"$D/real.out" 2>&1
  n=$(wc -c <"$D/real.out")
  [ "$n" -gt 10000 ] && ok wf_real_outputs_written || bad "wf_real_outputs_written ($n bytes)"
  lacks "$D/real.out" "$MARKUP" wf_real_no_markup

  # keyword search counts what the records say (the oracle: the records'
  # NFKC case-folded title and abstract, by substring)
  expect 0 wf_real_jp_index "$T" index -q -o "$D/jp.tny" "$S/jplatpat.jsonl"
  # an export of the same patents added: their texts differ in spacing only
  cp "$D/jp.tny" "$D/jp3.tny"
  expect 0 wf_real_add_export03 "$T" add "$D/jp3.tny" "$S/jplatpat_csv/export_03.csv"
  lacks "$D/err" "differ" wf_real_add_export03_no_conflict
  rm -f "$D/jp3.tny"
  cat >"$D/oracle.py" <<'P'
import json, sys, unicodedata, re
docs = [json.loads(l) for l in open(sys.argv[1])]
fold = lambda s: unicodedata.normalize("NFKC", s or "").casefold()
text = {d["id"]: fold(d.get("title")) + "\n" + re.sub(r"\s+", " ", fold(d.get("abstract"))) for d in docs}
want = {"車両": lambda t: "車両" in t,
        "カメラ -車両": lambda t: "カメラ" in t and "車両" not in t,
        "NOT 車両 カメラ": lambda t: "カメラ" in t and "車両" not in t,
        '"運転者の眠気"': lambda t: "運転者の眠気" in t}
q = sys.argv[2]
got = json.load(open(sys.argv[3]))
ids = [r["id"] for r in got["results"]]
n = sum(1 for t in text.values() if want[q](t))
assert got["query"]["filter"]["matching"] == n, (q, got["query"]["filter"]["matching"], n)
assert len(ids) == min(n, 10000), (q, len(ids), n)
assert all(want[q](text[i]) for i in ids), q
print(q, n)
P
  for q in 車両 'カメラ -車両' 'NOT 車両 カメラ' '"運転者の眠気"'; do
    n=$(printf '%s' "$q" | od -An -tx1 | tr -d ' \n' | cut -c1-16)
    "$T" search "$D/jp.tny" -k 10000 --json -- "$q" >"$D/s.json" 2>"$D/err"
    if python3 "$D/oracle.py" "$S/jplatpat.jsonl" "$q" "$D/s.json" >>"$D/counts" 2>"$D/perr"; then ok "wf_real_search_counts_$n"; else bad "wf_real_search_counts_$n ($(tail -c 300 "$D/perr"))"; fi
  done
  grep -q "^車両 4840$" "$D/counts" && ok wf_real_search_vehicle_4840 || bad "wf_real_search_vehicle_4840 ($(cat "$D/counts"))"
  # the README's example, never a record holding the excluded word
  "$T" search "$D/jp.tny" -k 100 --json -- "カメラ 眠気 -車両" >"$D/s.json"
  if python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; assert r and all("車両" not in x["title"] for x in r)' "$D/s.json"; then ok wf_real_search_readme_example; else bad wf_real_search_readme_example; fi

  # application numbers of jplatpat.jsonl find their publications
  python3 -c 'import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
pick=[d for d in L if d.get("app_no")]
for d in [L[i] for i in (0,100,2000,5000)] + [d for d in pick if d["id"]=="特開2022-174662"]:
    print(d["app_no"]+"="+d["id"])' "$S/jplatpat.jsonl" >"$D/apps"
  while IFS== read -r form want; do
    n=$(printf '%s' "$form" | od -An -tx1 | tr -d ' \n' | cut -c1-24)
    expect 0 "wf_real_app_$n" "$T" similar "$D/jp.tny" "$form" -k 1 --json
    contains "$D/out" "\"query\":{\"id\":\"$want\"" "wf_real_app_found_$n"
  done <"$D/apps"
  grep -q "特願2021-080612=特開2022-174662" "$D/apps" && ok wf_real_app_issue_example || bad wf_real_app_issue_example
  # registration numbers of the toaster export
  for pair in '特許第7226841号=特開2022-131585' 'JP7266655B2=特開2022-104535'; do
    form=${pair%%=*}; want=${pair#*=}
    n=$(printf '%s' "$form" | od -An -tx1 | tr -d ' \n' | cut -c1-24)
    expect 0 "wf_real_reg_$n" "$T" similar "$D/csv.tny" "$form" -k 1 --json
    contains "$D/out" "\"query\":{\"id\":\"$want\"" "wf_real_reg_found_$n"
  done

  # the broad corpus: a word inside a compound MeCab cut apart
  if [ -f "$S/broad.jsonl" ]; then
    expect 0 wf_real_broad_index "$T" index -q -o "$D/broad.tny" "$S/broad.jsonl"
    expect 0 wf_real_broad_search "$T" search "$D/broad.tny" '"打継目"' -k 20
    contains "$D/out" "水平打継目" wf_real_broad_compound_found
    expect 0 wf_real_broad_search2 "$T" search "$D/broad.tny" '光安定' -k 5
    lacks "$D/err" "no record contains" wf_real_broad_hikari_found
    # bridge words are words: no piece MeCab cut from a longer word
    # (化合 of 化合物, 組成 of 組成物 in these cards), never an empty list
    # of words where one was cut
    : >"$D/cut.txt"
    for id in 特開2016-069331 特開2016-088870 特開2021-007918; do
      "$T" ideas "$D/broad.tny" "$id" -n 10 --json 2>/dev/null | python3 -c '
import json,sys
for i in json.load(sys.stdin)["ideas"]:
    print(" ".join(i.get("bridge_terms") or []))' >>"$D/cut.txt"
    done
    [ "$(wc -l <"$D/cut.txt")" -ge 20 ] && ok wf_real_bridge_cards || bad "wf_real_bridge_cards ($(wc -l <"$D/cut.txt"))"
    lacks "$D/cut.txt" "^化合 \| 化合 \| 化合$\|^化合$\|アミ " wf_real_bridge_no_cut_words
  fi
else
  echo "skip wf_real_*: ../shared/data/jp not found"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
