#!/bin/sh
# e2e.sh — end-to-end test of the web page of `tenyo serve` in headless
# Chromium (Debian's chromium, --dump-dom and --screenshot; no node
# packages). Serves the bundled sample plus one patent whose title is an
# HTML/script injection, loads the page with an idea query in the URL hash,
# and checks in the rendered DOM that the cards and the landscape map were
# drawn, that English switches the page, and that the hostile title shows
# up as text, never as markup. Keeps a screenshot of the result page under
# $E2E_OUT (default build/e2e/). With chromedriver (Debian's
# chromium-driver) also drives the page with real clicks
# (tests/e2e_clicks.py). Skips (0 passed, 0 failed) when Chromium
# or curl is absent. Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/e2e.sh
T=${TENYO:-build/tenyo}
OUTDIR=${E2E_OUT:-build/e2e}
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; }
CHROME=${CHROMIUM:-}
for c in chromium chromium-browser google-chrome; do
  [ -z "$CHROME" ] && command -v "$c" >/dev/null 2>&1 && CHROME=$c
done
if [ -z "$CHROME" ] || ! command -v curl >/dev/null 2>&1; then
  echo "SKIP e2e: headless Chromium${CHROME:+ or curl} not installed (apt-get install chromium curl)"
  echo "0 passed, 0 failed"; exit 0
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-e2e-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$OUTDIR"

# the sample plus a patent whose title tries to inject markup and script
cat >"$D/evil.jsonl" <<'J'
{"id": "EVIL-001", "title": "<img src=x onerror=\"document.body.dataset.pwned=1\"><script>document.body.dataset.pwned=2</script>運転者の眠気検出装置", "abstract": "運転者の顔画像をカメラで撮像し、瞼の開度とまばたきの頻度から眠気を推定して警報を出力する。", "ipc": ["B60W40/08", "A61B5/18"], "applicant": "<b>悪意</b>株式会社", "date": "2024-01-01", "open": true, "lang": "ja"}
J
"$T" index -q -o "$D/e.tny" data/sample/sample.jsonl "$D/evil.jsonl" 2>"$D/index.err" || {
  bad "e2e_index ($(head -c 300 "$D/index.err"))"; echo "$pass passed, $fail failed"; exit 1; }
: >"$D/log"
"$T" serve "$D/e.tny" --port 0 --threads 2 2>"$D/log" &
PID=$!
i=0; PORT=
while [ $i -lt 300 ] && [ -z "$PORT" ]; do
  PORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/log")
  kill -0 "$PID" 2>/dev/null || break
  [ -z "$PORT" ] && sleep 0.1; i=$((i+1))
done
if [ -z "$PORT" ]; then bad "e2e_server ($(head -c 300 "$D/log"))"; echo "$pass passed, $fail failed"; exit 1; fi
U="http://127.0.0.1:$PORT/"
NFIELDS=$("$T" info "$D/e.tny" --json | sed -n 's/.*"fields":\([0-9]*\),.*/\1/p')

# chrome OUTFLAG URL: headless run that waits for the page's fetches
# (virtual time) and dumps the DOM or takes a screenshot
chrome() {
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$D/profile" --window-size=1400,1800 \
    --virtual-time-budget=30000 "$@" 2>>"$D/chrome.err"
}
# has FILE REGEX NAME / count FILE REGEX MIN NAME
has() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2')"; fi; }
hasnt() { if grep -q -- "$2" "$1"; then bad "$3 (found '$2')"; else ok "$3"; fi; }
count() {
  n=$(grep -o -- "$2" "$1" | wc -l)
  if [ "$n" -ge "$3" ]; then ok "$4"; else bad "$4 ($n of '$2', want >= $3)"; fi
}

# --------------------------------------------- an idea query, Japanese
chrome --dump-dom "${U}#q=SAMPLE-001&n=5&conf=0" >"$D/ja.html"
has "$D/ja.html" 'data-state="done"' e2e_query_done
has "$D/ja.html" 'data-cards="5"' e2e_cards_counted
n=$(grep -o '<li class="card[ "]' "$D/ja.html" | wc -l)
[ "$n" = 5 ] && ok e2e_five_cards || bad "e2e_five_cards ($n)"
has "$D/ja.html" 'SAMPLE-001 の転用候補' e2e_result_title_ja
count "$D/ja.html" 'class="fill"' 5 e2e_score_bars
count "$D/ja.html" '<button class="link" type="button">SAMPLE-' 5 e2e_evidence_links
count "$D/ja.html" '<p class="idea">[^<]*転用できる可能性' 5 e2e_idea_sentences
count "$D/ja.html" 'class="chip[ "]' 5 e2e_bridge_terms
# one idea, one card: the subclasses merged into a card are on it
count "$D/ja.html" '<span class="also" title="同じ根拠の分野">+ [A-H][0-9][0-9][A-Z]' 1 e2e_merged_fields
# by default the judge's list: at least five cards, each with its band and,
# when weak, why (the others of the 10 behind "more")
chrome --dump-dom "${U}#q=SAMPLE-001&n=10" >"$D/jaf.html"
has "$D/jaf.html" 'data-state="done"' e2e_default_done
count "$D/jaf.html" '<span class="badge band band-[a-z]*">\(有力\|候補\|参考\)</span>' 5 e2e_card_bands
# with a confidence threshold the page says why it shows fewer than asked
chrome --dump-dom "${U}#q=SAMPLE-001&n=10&conf=0.03" >"$D/jaw.html"
count "$D/jaw.html" '<li class="warning" data-code="fewer_than_asked">[^<]*10 件要求' 1 e2e_warning_fewer
has "$D/ja.html" "data-fields=\"$NFIELDS\"" e2e_map_all_fields
has "$D/ja.html" 'data-proposals="5"' e2e_map_proposals
count "$D/ja.html" '<circle class="prop"' 5 e2e_map_proposal_circles
count "$D/ja.html" '<circle class="home"' 1 e2e_map_home_circles
count "$D/ja.html" '<circle class="ev"' 3 e2e_map_evidence_dots
count "$D/ja.html" '<path class="query"' 1 e2e_map_query_marker
count "$D/ja.html" '<circle class="field"' 20 e2e_map_field_circles
count "$D/ja.html" '<title>[A-H][0-9][0-9][A-Z] ' 20 e2e_map_hover_labels
has "$D/ja.html" 'id="mapnote">LSA 空間' e2e_map_note
# labels placed by the server, drawn inside their boxes (the page measures
# its text with getBBox: data-label-overflow), home and proposals named
count "$D/ja.html" '<text [^>]*data-field="[A-H][0-9][0-9][A-Z]" data-box=' 3 e2e_map_labels_drawn
has "$D/ja.html" 'data-label-overflow="0"' e2e_map_labels_fit_boxes
count "$D/ja.html" '<text [^>]*class="propl"' 1 e2e_map_proposal_labels
has "$D/ja.html" 'id="distnote"[^>]*>距離の意味' e2e_map_legend_distance
# the table view: a row per home field, proposal and evidence patent
count "$D/ja.html" '<tr data-field="[A-H][0-9][0-9][A-Z]"><td>転用候補 ' 5 e2e_map_table_proposals
count "$D/ja.html" '<tr class="evrow">' 3 e2e_map_table_evidence
has "$D/ja.html" '<svg id="map"[^>]*tabindex="0"' e2e_map_keyboard_focus
# a zoom kept in the address: fewer fields drawn, labels placed again
chrome --dump-dom "${U}#q=SAMPLE-001&n=5&conf=0&zoom=-0.2,-0.2,0.1,0.04375" >"$D/zoom.html"
has "$D/zoom.html" 'data-zoom="[1-9][0-9]*\.[0-9]*"' e2e_map_zoomed
hasnt "$D/zoom.html" 'data-zoom="1"' e2e_map_zoom_not_full
has "$D/zoom.html" 'data-labels="[0-9]' e2e_map_zoom_labels_placed
has "$D/zoom.html" 'data-label-overflow="0"' e2e_map_zoom_labels_fit
nz=$(grep -o '<circle class="field"' "$D/zoom.html" | wc -l)
nf=$(grep -o '<circle class="field"' "$D/ja.html" | wc -l)
[ "$nz" -lt "$nf" ] && ok "e2e_map_zoom_clips ($nz of $nf)" || bad "e2e_map_zoom_clips ($nz of $nf dots drawn when zoomed)"

# the workbench: a worksheet saved for the patent (as the page saves it
# when the analyst strikes, keeps and rejects) is restored when the page
# opens it: the kept card first with its badge and note, the rejected one
# gone, the struck word on the cards that lost it, the bridge words
# strikable, keep / reject buttons and "more"
fk=$(grep -o '<span class="code">[A-H][0-9][0-9][A-Z]</span>' "$D/ja.html" | sed -n '2s/.*>\([A-H][0-9][0-9][A-Z]\)<.*/\1/p')
fr=$(grep -o '<span class="code">[A-H][0-9][0-9][A-Z]</span>' "$D/ja.html" | sed -n '1s/.*>\([A-H][0-9][0-9][A-Z]\)<.*/\1/p')
curl -s -X POST -H 'Content-Type: application/json' --data-binary \
  "{\"tenyo_worksheet\":1,\"patent\":\"SAMPLE-001\",\"strike\":[\"運転\"],\"focus\":[1,2,3,4,5,6],\"cards\":[{\"field\":\"$fk\",\"decision\":\"kept\",\"note\":\"e2e-note 検査部門へ\"},{\"field\":\"$fr\",\"decision\":\"rejected\"}]}" \
  "${U}api/worksheet" >"$D/wspost"
has "$D/wspost" '"id":"patent-SAMPLE-001"' e2e_worksheet_posted
chrome --dump-dom "${U}#q=SAMPLE-001&n=5" >"$D/ws.html"
has "$D/ws.html" 'data-state="done"' e2e_worksheet_query_done
first=$(grep -o '<span class="code">[A-H][0-9][0-9][A-Z]</span>' "$D/ws.html" | sed -n '1s/.*>\([A-H][0-9][0-9][A-Z]\)<.*/\1/p')
[ -n "$fk" ] && [ "$first" = "$fk" ] && ok e2e_worksheet_kept_first || bad "e2e_worksheet_kept_first ($first, want $fk)"
has "$D/ws.html" '<span class="badge kept">採用</span>' e2e_worksheet_kept_badge
has "$D/ws.html" '<p class="note">e2e-note 検査部門へ</p>' e2e_worksheet_note_shown
hasnt "$D/ws.html" "<span class=\"code\">$fr</span>" e2e_worksheet_rejected_gone
has "$D/ws.html" '<span class="chip struck">運転</span>' e2e_worksheet_struck_shown
has "$D/ws.html" 'class="chip strikable"' e2e_worksheet_bridge_strikable
count "$D/ws.html" '<button class="decide-kept[ "][^>]*>\(採用\|採用を取り消す\)</button>' 5 e2e_worksheet_keep_buttons
count "$D/ws.html" '<button class="decide-kept undo" type="button">採用を取り消す</button>' 1 e2e_worksheet_unkeep_button
has "$D/ws.html" 'id="wsinfo">作業シート: 採用 1・却下 1・除外した語 1' e2e_worksheet_status
has "$D/ws.html" '<button type="button" id="more"' e2e_more_button
has "$D/ws.html" 'id="export-kept"[^>]*href="/api/report?[^"]*kept=1"' e2e_kept_report_link
# the focus: the patent's sentences with a box each, those of the
# worksheet's focus ticked (1-6: every sentence, so the list is the same)
count "$D/ws.html" '<li><input type="checkbox" value="[0-9]*" checked="">' 2 e2e_focus_sentences_ticked
has "$D/ws.html" '<details id="focusbox" open="">' e2e_focus_box_open
chrome --screenshot="$OUTDIR/serve_worksheet_ja.png" "${U}#q=SAMPLE-001&n=5" >/dev/null
[ -s "$OUTDIR/serve_worksheet_ja.png" ] && ok e2e_worksheet_screenshot || bad e2e_worksheet_screenshot
chrome --screenshot="$OUTDIR/serve_ideas_ja.png" "${U}#q=SAMPLE-001&n=5" >/dev/null
if [ -s "$OUTDIR/serve_ideas_ja.png" ] && [ "$(head -c 4 "$OUTDIR/serve_ideas_ja.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] &&
   [ "$(wc -c <"$OUTDIR/serve_ideas_ja.png")" -gt 50000 ]; then
  ok e2e_screenshot
else
  bad "e2e_screenshot ($(tail -n 3 "$D/chrome.err"))"
fi

# ---------------------------------- Japanese glyphs, not empty boxes
# A page of the test's own, styled by the served app.css, draws Japanese
# characters in the page's own font stack on a canvas and compares the
# bitmaps: without a font that has them every character comes out as the
# same missing-glyph box (or blank), the same as a code point no font has.
# Run twice: as the machine is (must find real glyphs), and with a
# fontconfig that sees no fonts at all (must find the boxes, or the probe
# could not fail).
cat >"$D/glyphs.html" <<G
<!doctype html><html lang="ja"><meta charset="utf-8">
<link rel="stylesheet" href="${U}app.css">
<body><p id="probe">転用</p><canvas id="c" width="64" height="64"></canvas>
<script>
document.fonts.ready.then(function () {
  var st = getComputedStyle(document.getElementById('probe'));
  var ctx = document.getElementById('c').getContext('2d');
  ctx.font = '48px ' + st.fontFamily;
  function bitmap(ch) {
    ctx.clearRect(0, 0, 64, 64); ctx.fillText(ch, 4, 52);
    var d = ctx.getImageData(0, 0, 64, 64).data, s = '', n = 0;
    for (var i = 3; i < d.length; i += 4) { s += d[i] > 127 ? '1' : '0'; if (d[i] > 127) n++; }
    return n ? s : '';
  }
  var chars = ['転', '用', '特', '許', '分', '野'], box = bitmap('\u{10FFFD}');
  var seen = {}, distinct = 0, empty = 0, boxes = 0;
  chars.forEach(function (ch) {
    var b = bitmap(ch);
    if (!b) empty++; else if (b === box) boxes++;
    if (b && !seen[b]) { seen[b] = 1; distinct++; }
  });
  document.body.dataset.glyphs = (distinct === chars.length && !empty && !boxes ? 'ok' : 'tofu') +
    ' distinct=' + distinct + ' empty=' + empty + ' boxes=' + boxes + ' font=' + st.fontFamily;
});
</script>
G
# the probe's verdict ("ok ..." or "tofu ..."), empty if it did not run
probe_glyphs() {
  chrome --dump-dom "file://$D/glyphs.html" | sed -n 's/.*data-glyphs="\([^"]*\)".*/\1/p'
}
g=$(probe_glyphs)
case $g in
  ok*) ok e2e_japanese_glyphs ;;
  *) bad "e2e_japanese_glyphs (Japanese renders as empty boxes: ${g:-no probe result}; apt-get install fonts-ipafont-gothic)" ;;
esac
mkdir -p "$D/nofonts"
printf '<?xml version="1.0"?>\n<fontconfig><dir>%s/nofonts</dir><cachedir>%s/fc-cache</cachedir></fontconfig>\n' "$D" "$D" >"$D/fonts.conf"
g=$(export FONTCONFIG_FILE="$D/fonts.conf"; probe_glyphs)
case $g in
  tofu*) ok e2e_glyph_probe_sees_boxes ;;
  *) bad "e2e_glyph_probe_sees_boxes (no fonts, yet: ${g:-no probe result})" ;;
esac

# ------------------------------------------- English, free-text query
chrome --dump-dom "${U}#q=robot%20gripper%20with%20soft%20fingers&lang=en&n=4&conf=0" >"$D/en.html"
has "$D/en.html" 'data-state="done"' e2e_en_done
has "$D/en.html" '<html lang="en"' e2e_en_html_lang
has "$D/en.html" 'Applications of the text' e2e_en_title
has "$D/en.html" '(predicted)' e2e_en_home_predicted
has "$D/en.html" 'Landscape of fields' e2e_en_map_heading
count "$D/en.html" '<p class="idea">The technology' 4 e2e_en_sentences
# English throughout: the keyword box's example, headings and labels in
# sentence case as the others ("Bridge terms", not "bridge terms")
has "$D/en.html" '<input id="keywords" placeholder="camera -vehicle"' e2e_en_keyword_placeholder
has "$D/en.html" '<span class="k">Bridge terms</span>' e2e_en_label_case_bridge
has "$D/en.html" '<span class="k">Evidence</span>' e2e_en_label_case_evidence
has "$D/en.html" '<span data-i18n="weak">Show weaker proposals</span>' e2e_en_label_case_weak
hasnt "$D/en.html" '<span class="k">[a-z]' e2e_en_no_lower_case_label
hasnt "$D/en.html" '<span>\(confidence\|unexpected\) ' e2e_en_no_lower_case_metric
has "$D/en.html" 'data-cards="4"' e2e_en_cards

# unknown words are noted as typed (fabrics), not as the index's stems
chrome --dump-dom "${U}#q=woven%20fabrics%20connecting%20zqxjvw%20sensors&lang=en&n=3&conf=0" >"$D/enunk.html"
has "$D/enunk.html" '<li class="warning" data-code="unknown_words">[^<]*: [^<]*fabrics' e2e_en_unknown_as_typed
hasnt "$D/enunk.html" '<li class="warning" data-code="unknown_words">[^<]*fabric,' e2e_en_unknown_no_stem

# ------------------------- untrusted text: the hostile title stays text
chrome --dump-dom "${U}#q=EVIL-001&n=3&patent=EVIL-001" >"$D/evil.html"
has "$D/evil.html" 'data-state="done"' e2e_evil_done
has "$D/evil.html" 'data-patent="EVIL-001"' e2e_evil_panel_open
has "$D/evil.html" '<h3>&lt;img src=x onerror="document.body.dataset.pwned=1"&gt;&lt;script&gt;' e2e_evil_title_as_text
has "$D/evil.html" '&lt;b&gt;悪意&lt;/b&gt;株式会社' e2e_evil_applicant_as_text
hasnt "$D/evil.html" '<img' e2e_evil_no_img_element
hasnt "$D/evil.html" '<b>悪意' e2e_evil_no_b_element
hasnt "$D/evil.html" 'data-pwned' e2e_evil_no_script_ran

# ------------------- id or text: the server's rule (GET /api/resolve)
# a patent number typed another way is the patent
chrome --dump-dom "${U}#q=%EF%BD%93%EF%BD%81%EF%BD%8D%EF%BD%90%EF%BD%8C%EF%BD%85%EF%BC%8D%EF%BC%90%EF%BC%90%EF%BC%91&n=5&conf=0" >"$D/norm.html"
has "$D/norm.html" 'data-state="done"' e2e_patno_done
has "$D/norm.html" 'data-kind="id"' e2e_patno_kind_id
has "$D/norm.html" 'SAMPLE-001 の転用候補' e2e_patno_result_for_id
has "$D/norm.html" 'を SAMPLE-001 として検索しました' e2e_patno_said
# a mistyped number is "not indexed, did you mean", never a text query
chrome --dump-dom "${U}#q=SAMPLE-0001" >"$D/miss.html"
has "$D/miss.html" 'data-state="error"' e2e_patno_miss_error
has "$D/miss.html" 'data-kind="number"' e2e_patno_miss_kind
has "$D/miss.html" '特許番号「SAMPLE-0001」は索引にありません。' e2e_patno_miss_message
has "$D/miss.html" '<button class="link suggestion" type="button" title="[^"]*">SAMPLE-001</button>' e2e_patno_miss_suggestion
hasnt "$D/miss.html" '<li class="card' e2e_patno_miss_no_cards
# short Japanese text without spaces is text (no "not indexed" note)
chrome --dump-dom "${U}#q=%E9%81%8B%E8%BB%A2%E8%80%85%E3%81%AE%E7%9C%A0%E6%B0%97%E6%A4%9C%E5%87%BA&n=3&conf=0" >"$D/short.html"
has "$D/short.html" 'data-state="done"' e2e_short_text_done
has "$D/short.html" 'data-kind="text"' e2e_short_text_kind
hasnt "$D/short.html" '索引にありません' e2e_short_text_no_number_note
has "$D/short.html" '入力テキストの転用候補' e2e_short_text_result

# ------------------------------------ filters from the page's form/hash
M=$("$T" ideas "$D/e.tny" SAMPLE-001 -n 5 --min-confidence 0 --date-from 2020 --exclude-applicant 有明 --json |
  sed -n 's/.*"matching":\([0-9]*\),"documents":\([0-9]*\).*/\1 \/ \2/p')
chrome --dump-dom "${U}#q=SAMPLE-001&n=5&conf=0&df=2020&xap=%E6%9C%89%E6%98%8E" >"$D/filt.html"
[ -n "$M" ] && ok e2e_filter_cli_count || bad e2e_filter_cli_count
has "$D/filt.html" 'data-state="done"' e2e_filter_done
has "$D/filt.html" "フィルタに合う特許 $M 件から" e2e_filter_note
grep -q 'POST /api/ideas 200' "$D/log" && ok e2e_filter_posted || bad e2e_filter_posted
# fewer cards than asked under a filter: the warning names the filter as a
# cause (not the index alone)
chrome --dump-dom "${U}#q=SAMPLE-001&n=50&conf=0&kw=%E9%81%8B%E8%BB%A2" >"$D/fewf.html"
has "$D/fewf.html" '<li class="warning" data-code="fewer_than_asked">[^<]*（フィルタで根拠の候補を [0-9]* / [0-9]* 件に絞っています' e2e_warning_fewer_names_filter
# the kind filter (a select of the form; kd= in the address): the sample's
# ids are neither 特開 nor 特許, so "grant" leaves none, and the page says so
chrome --dump-dom "${U}#q=SAMPLE-001&n=5&conf=0&kd=grant" >"$D/kind.html"
has "$D/kind.html" '<select id="kind">' e2e_filter_kind_select
has "$D/kind.html" 'フィルタに合う特許 0 / [0-9]* 件から' e2e_filter_kind_applied

# ------------------- the company query: licensable patents and profiles
chrome --dump-dom "${U}#task=match&q=%E9%81%8B%E8%BB%A2%E8%80%85%E3%81%AE%E7%9C%A0%E6%B0%97%E3%82%92%E9%A1%94%E7%94%BB%E5%83%8F%E3%81%8B%E3%82%89%E6%8E%A8%E5%AE%9A%E3%81%99%E3%82%8B%E3%82%BB%E3%83%B3%E3%82%B5&n=4&df=2015" >"$D/match.html"
has "$D/match.html" 'data-state="done"' e2e_match_done
has "$D/match.html" 'data-task="match"' e2e_match_task
has "$D/match.html" '企業の強みに合う開放特許' e2e_match_title
count "$D/match.html" '<li class="card match" data-id=' 1 e2e_match_cards
# the patents listed apart: a line each, never an empty field ("— -")
chrome --dump-dom "${U}#task=match&q=%E9%A3%9F%E5%93%81%E3%81%AE%E5%8C%85%E8%A3%85%E3%81%A8%E6%AE%BA%E8%8F%8C&n=4" >"$D/matchref.html"
has "$D/matchref.html" '<li class="card match reference"' e2e_match_reference_lines
hasnt "$D/matchref.html" ' — - (' e2e_match_reference_no_empty_field
has "$D/matchref.html" '共通する具体的な語なし' e2e_match_reference_says_none_shared
# the use in the two texts' own words, on the card
has "$D/match.html" '<div class="company-use"><div class="k">使い道' e2e_match_company_use
count "$D/match.html" '<span class="badge open">ライセンス可</span>' 1 e2e_match_licensable_badge
has "$D/match.html" 'data-profiles="[1-9]' e2e_match_profiles_filled
count "$D/match.html" '<div class="profile" data-proposals="[0-9]*"><div class="k">適用プロファイル' 1 e2e_match_profile_column
has "$D/match.html" '<p class="muted profile-note">この特許自身の文面から見た転用先' e2e_match_profile_note
has "$D/match.html" 'フィルタに合う特許 [0-9]* / [0-9]* 件から' e2e_match_filter_note
grep -q 'POST /api/match 200' "$D/log" && ok e2e_match_posted || bad e2e_match_posted
# issue 39: the card says what the company could make (a field, a phrase or
# an evidence title, the evidence's number) or that it found none, with the
# confidence as a percentage or in words, never 0%
count "$D/match.html" '<div class="application"><div class="k">作れるもの</div>' 1 e2e_match_application
has "$D/match.html" '<p class="app-conf"><span class="k">確信度 \(&lt;0.1%\|[0-9.]*%\|推定できません\)' e2e_match_app_confidence
hasnt "$D/match.html" '確信度 0%' e2e_match_no_conf0
has "$D/match.html" '<p class="fit-line">適合度 0\.[0-9]* = ' e2e_match_fit_line
grep -q 'GET /api/profile 200' "$D/log" && ok e2e_match_profile_asked || bad e2e_match_profile_asked
# a profile's chips in the order of the number each shows: highest
# confidence first
python3 - "$D/match.html" 2>"$D/chiperr" <<'P' && ok e2e_match_profile_chips_ordered || bad "e2e_match_profile_chips_ordered ($(tail -n 1 "$D/chiperr"))"
import re, sys
h = open(sys.argv[1]).read()
rows = [[float(c) for c in re.findall(r'<span class="chip"[^>]* data-confidence="([0-9.e-]+)"', b)]
        for b in re.findall(r'<div class="chips" title="確信度の高い順">(.*?)</div>', h)]
assert rows and any(len(r) > 2 for r in rows), rows
assert all(r == sorted(r, reverse=True) for r in rows), rows
P

# --------------------------------------------- errors reach the page
chrome --dump-dom "${U}#q=qqqzzz" >"$D/err.html"
has "$D/err.html" 'data-state="error"' e2e_error_state
has "$D/err.html" 'id="status"[^>]*>エラー: ' e2e_error_message

# --------------------------------------------- updating from the page
# read-only by default: the page shows no upload; a server started with
# --writable shows it with its limits (the uploads themselves are tested
# in tests/api.sh: headless Chromium cannot choose a file without a driver)
hasnt "$D/ja.html" '<details id="updates">' e2e_updates_hidden_readonly
cp "$D/e.tny" "$D/w.tny"
: >"$D/logw"
"$T" serve "$D/w.tny" --port 0 --threads 1 --writable --upload-max 8 --upload-rows 3000 2>"$D/logw" &
WP=$!; i=0; WPORT=
while [ $i -lt 300 ] && [ -z "$WPORT" ]; do
  WPORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/logw")
  kill -0 "$WP" 2>/dev/null || break
  [ -z "$WPORT" ] && sleep 0.1; i=$((i+1))
done
chrome --dump-dom "http://127.0.0.1:$WPORT/" >"$D/upd.html"
has "$D/upd.html" '<details id="updates">' e2e_updates_shown_writable
has "$D/upd.html" '1 ファイル 8 MB・3,000 件まで' e2e_updates_limits_said
has "$D/upd.html" '<input id="upd-add-file" type="file"' e2e_updates_file_input
# the add row names every format the server reads, not J-PlatPat's alone
has "$D/upd.html" '<span data-i18n="upd_add">[^<]*J-PlatPat の CSV[^<]*JSON Lines[^<]*公報 XML' e2e_updates_formats_named
chrome --screenshot="$OUTDIR/serve_updates_ja.png" "http://127.0.0.1:$WPORT/" >/dev/null

# --------------------------------------- real clicks (tests/e2e_clicks.py)
# the paths a new analyst clicks through, driven by Debian's chromedriver
# on the writable server (its index has no worksheets yet): a patent from
# the keyword search, its ideas, decisions and their undo, "more", the
# uploads' answers; screenshots under $OUTDIR/clicks_*.png
DRIVER=${CHROMEDRIVER:-}
for c in chromedriver /usr/lib/chromium/chromedriver; do
  [ -z "$DRIVER" ] && command -v "$c" >/dev/null 2>&1 && DRIVER=$(command -v "$c")
done
if [ -n "$DRIVER" ] && command -v python3 >/dev/null 2>&1; then
  python3 tests/e2e_clicks.py "$DRIVER" "$(command -v "$CHROME")" "http://127.0.0.1:$WPORT/" \
    "http://127.0.0.1:$WPORT/" "$OUTDIR" >"$D/clicks" 2>&1
  cat "$D/clicks"
  pass=$((pass + $(grep -c '^ok ' "$D/clicks")))
  fail=$((fail + $(grep -c '^FAIL ' "$D/clicks")))
  grep -q '^ok \|^FAIL ' "$D/clicks" || bad "e2e_clicks ($(tail -n 3 "$D/clicks"))"
else
  echo "skip e2e_clicks_*: chromedriver or python3 not installed (apt-get install chromium-driver)"
fi
kill "$WP"; wait "$WP" 2>/dev/null

grep -q 'POST /api/ideas 200' "$D/log" && ok e2e_server_log || bad e2e_server_log
echo "screenshot: $OUTDIR/serve_ideas_ja.png"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
