#!/bin/sh
# api.sh — HTTP API tests of `tenyo serve` against a server on a free
# loopback port (--port 0: the kernel picks it, the server prints it) over
# an index of the bundled sample. Checks status codes, byte equality with
# the CLI's --json output for the same inputs, error bodies, limits,
# concurrency, the access log and graceful shutdown. Prints
# "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/api.sh
T=${TENYO:-build/tenyo}
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; }
if ! command -v curl >/dev/null 2>&1; then
  echo "skip api tests: curl is not installed (apt-get install curl)"
  echo "0 passed, 0 failed"; exit 0
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-api-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
PY=; command -v python3 >/dev/null 2>&1 && PY=python3

"$T" index -q -o "$D/s.tny" data/sample/sample.jsonl 2>"$D/index.err" || {
  bad "api_index_sample ($(head -c 300 "$D/index.err"))"; echo "$pass passed, $fail failed"; exit 1; }

# start_server LOG ARGS...: start in the background, wait for the port
start_server() {
  log=$1; shift; : >"$log"
  "$T" serve "${IDX:-$D/s.tny}" --port 0 "$@" 2>"$log" &
  PID=$!
  i=0; PORT=
  while [ $i -lt 300 ]; do  # up to 30 s (sanitizer builds start slowly)
    PORT=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$log")
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1; i=$((i+1))
  done
  [ -n "$PORT" ]
}
if start_server "$D/log" --threads 3; then ok api_server_starts; else
  bad "api_server_starts ($(head -c 300 "$D/log"))"; echo "$pass passed, $fail failed"; exit 1; fi
U="http://127.0.0.1:$PORT"

# req NAME WANT_STATUS CURL_ARGS...: body in $D/body, headers in $D/hdr
req() {
  name=$1; want=$2; shift 2
  code=$(curl -s -o "$D/body" -D "$D/hdr" -w '%{http_code}' "$@")
  if [ "$code" = "$want" ]; then ok "$name"; else bad "$name (status $code, want $want: $(head -c 200 "$D/body"))"; fi
}
# err NAME WANT_STATUS CURL_ARGS...: as req, and the body is {"error": "..."}
err() {
  name=$1; req "$@"
  if grep -q '^{"error":".*"}$' "$D/body"; then ok "${name}_json"; else bad "${name}_json ($(head -c 200 "$D/body"))"; fi
}
# same NAME FILE_A FILE_B: byte equality
same() { if cmp -s "$2" "$3"; then ok "$1"; else bad "$1 ($(diff "$2" "$3" | head -c 400))"; fi; }
hdr() { if grep -qi "^$2" "$D/hdr"; then ok "$1"; else bad "$1 (no header '$2')"; fi; }
post() { curl -s -X POST -H 'Content-Type: application/json' --data-binary "$1" "$U/api/ideas"; }

# ------------------------------------------------------------ basics
req api_healthz 200 "$U/healthz"
grep -q '"status":"ok"' "$D/body" && ok api_healthz_body || bad api_healthz_body
req api_page 200 "$U/"
hdr api_page_html 'Content-Type: text/html'
hdr api_page_csp "Content-Security-Policy: default-src 'none'; script-src 'self'"
grep -q '<script src="/app.js"' "$D/body" && ok api_page_body || bad api_page_body
req api_app_js 200 "$U/app.js"
hdr api_app_js_type 'Content-Type: text/javascript'
grep -q 'innerHTML' "$D/body" && bad "api_app_js_no_innerhtml (page builds HTML from data)" || ok api_app_js_no_innerhtml
req api_app_css 200 "$U/app.css"
code=$(curl -s -I -o "$D/hdr" -w '%{http_code}' "$U/")
[ "$code" = 200 ] && ok api_head || bad "api_head ($code)"

# ------------------------------------------- same bytes as the CLI
# (the server names the index and the list's source by file name only)
"$T" info "$D/s.tny" --json >"$D/cli"
req api_info 200 "$U/api/info"
if python3 -c 'import json,os,sys; c=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); c["path"]=os.path.basename(c["path"]); l=c["licensable"].get("list") or {}
if l.get("source"): l["source"]=os.path.basename(l["source"])
assert c==s, (c, s)' "$D/cli" "$D/body"; then ok api_info_equals_cli; else bad api_info_equals_cli; fi
# a GET argument given twice is refused (as a POST body's duplicate
# member), but for those a route takes repeated (profile's id, applicant)
err api_get_repeated_k 400 "$U/api/similar?id=SAMPLE-001&k=3&k=5"
grep -q "argument 'k' given twice" "$D/body" && ok api_get_repeated_k_named || bad "api_get_repeated_k_named ($(head -c 200 "$D/body"))"
err api_get_repeated_id 400 "$U/api/similar?id=SAMPLE-001&id=SAMPLE-002"
req api_get_repeated_profile_ids 200 "$U/api/profile?id=SAMPLE-001&id=SAMPLE-002"
req api_get_repeated_applicant 200 "$U/api/similar?id=SAMPLE-001&applicant=a&applicant=b"

"$T" similar "$D/s.tny" SAMPLE-001 --json >"$D/cli"
req api_similar_id 200 "$U/api/similar?id=SAMPLE-001"
same api_similar_id_equals_cli "$D/cli" "$D/body"
"$T" similar "$D/s.tny" SAMPLE-042 -k 3 --mode tfidf --json >"$D/cli"
req api_similar_k_mode 200 "$U/api/similar?id=SAMPLE-042&k=3&mode=tfidf"
same api_similar_k_mode_equals_cli "$D/cli" "$D/body"
Q="カメラ画像から運転者の眠気を検出して車両を制御する"
"$T" similar "$D/s.tny" --text "$Q" -k 5 --mode lsa --json >"$D/cli"
req api_similar_text 200 -G --data-urlencode "text=$Q" -d k=5 -d mode=lsa "$U/api/similar"
same api_similar_text_equals_cli "$D/cli" "$D/body"
"$T" similar "$D/s.tny" --text "robot gripper with soft fingers" --json >"$D/cli"
req api_similar_text_en 200 -G --data-urlencode "text=robot gripper with soft fingers" "$U/api/similar"
same api_similar_text_en_equals_cli "$D/cli" "$D/body"

"$T" ideas "$D/s.tny" SAMPLE-001 --json >"$D/cli"
post '{"id":"SAMPLE-001"}' >"$D/body"
same api_ideas_id_equals_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" SAMPLE-001 --home B60W,G08G --distance section -n 5 --open-only \
  --lang en --mode tfidf --json >"$D/cli"
post '{"id":"SAMPLE-001","home":["B60W","G08G"],"distance":"section","n":5,"open_only":true,"lang":"en","mode":"tfidf"}' >"$D/body"
same api_ideas_options_equal_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" --text "$Q" --home "B60W,G06V" -n 7 --distance subclass --json >"$D/cli"
post "{\"text\":\"$Q\",\"home\":\"B60W, G06V\",\"n\":7,\"distance\":\"subclass\"}" >"$D/body"
same api_ideas_text_home_string_equals_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" --text "robot gripper with soft fingers" --lang en --json >"$D/cli"
post '{"text":"robot gripper with soft fingers","lang":"en"}' >"$D/body"
same api_ideas_text_predicted_home_equals_cli "$D/cli" "$D/body"
grep -q '"home_predicted":true' "$D/body" && ok api_ideas_home_predicted || bad api_ideas_home_predicted
"$T" ideas "$D/s.tny" SAMPLE-003 --min-usable 0.6 --json >"$D/cli"
post '{"id":"SAMPLE-003","min_usable":0.6}' >"$D/body"
same api_ideas_min_usable_equals_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" SAMPLE-003 --json >"$D/cli"
cmp -s "$D/cli" "$D/body" && bad api_ideas_min_usable_changes || ok api_ideas_min_usable_changes
# min_content: the member of --min-content, checked like the others
"$T" ideas "$D/s.tny" SAMPLE-001 --min-content 0.5 --json >"$D/cli"
post '{"id":"SAMPLE-001","min_content":0.5}' >"$D/body"
same api_ideas_min_content_equals_cli "$D/cli" "$D/body"
err api_ideas_min_content_range 400 -X POST -H 'Content-Type: application/json' \
  --data-binary '{"id":"SAMPLE-001","min_content":2}' "$U/api/ideas"
grep -q 'min_content' "$D/body" && ok api_ideas_min_content_named || bad api_ideas_min_content_named

# filters (before the top-k): the same bytes as the CLI with the same
# filters; every result matches; bad values are 400 naming them
"$T" similar "$D/s.tny" SAMPLE-001 -k 5 --date-from 2019 --date-to 2023-06 --exclude-applicant 富嶽 \
  --fields B60,A61B,G06 --json >"$D/cli"
req api_filter_similar 200 -G -d id=SAMPLE-001 -d k=5 -d date_from=2019 -d date_to=2023-06 \
  --data-urlencode exclude_applicant=富嶽 -d fields=B60,A61B,G06 "$U/api/similar"
same api_filter_similar_equals_cli "$D/cli" "$D/body"
if [ -n "$PY" ] && $PY -c '
import json,sys
o=json.load(open(sys.argv[1])); f=o["query"]["filter"]
assert f["date_from"]=="2019" and f["exclude_applicant"]==["富嶽"] and 0<f["matching"]<f["documents"], f
assert o["results"], o
for r in o["results"]:
    assert "2019-01-01"<=r["date"]<="2023-06-30" and "富嶽" not in r["applicant"], r
    assert any(x.startswith(("B60","A61B","G06")) for x in r["fields"]), r
' "$D/body"; then ok api_filter_similar_results_match; else bad "api_filter_similar_results_match ($(head -c 300 "$D/body"))"; fi
"$T" similar "$D/s.tny" --text "$Q" -k 4 --applicant 有明 --applicant 瑞穂 --json >"$D/cli"
req api_filter_similar_text 200 -G --data-urlencode "text=$Q" -d k=4 --data-urlencode applicant=有明 \
  --data-urlencode applicant=瑞穂 "$U/api/similar"
same api_filter_similar_text_equals_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 5 --date-from 2018 --exclude-applicant 有明 --exclude-fields G08 --json >"$D/cli"
post '{"id":"SAMPLE-001","n":5,"date_from":"2018","exclude_applicant":["有明"],"exclude_fields":"G08"}' >"$D/body"
same api_filter_ideas_equals_cli "$D/cli" "$D/body"
grep -q '"filter":{"date_from":"2018","exclude_applicant":\["有明"\],"exclude_fields":\["G08"\],"matching":' "$D/body" \
  && ok api_filter_ideas_says_filter || bad "api_filter_ideas_says_filter ($(head -c 300 "$D/body"))"
err api_filter_bad_date 400 "$U/api/similar?id=SAMPLE-001&date_from=2024-13"
grep -q "date_from must be a date YYYY, YYYY-MM or YYYY-MM-DD, not '2024-13'" "$D/body" && ok api_filter_bad_date_named || bad "api_filter_bad_date_named ($(cat "$D/body"))"
err api_filter_bad_range 400 "$U/api/similar?id=SAMPLE-001&date_from=2024&date_to=2023"
err api_filter_bad_field 400 "$U/api/similar?id=SAMPLE-001&fields=ZZ9"
err api_filter_empty_applicant 400 "$U/api/similar?id=SAMPLE-001&applicant="
err api_filter_ideas_bad_type 400 -d '{"id":"SAMPLE-001","applicant":[1]}' -X POST -H Content-Type:application/json "$U/api/ideas"
err api_filter_ideas_bad_date 400 -d '{"id":"SAMPLE-001","date_to":"soon"}' -X POST -H Content-Type:application/json "$U/api/ideas"
req api_filter_none_match 200 "$U/api/similar?id=SAMPLE-001&date_from=2090"
grep -q '"results":\[\]' "$D/body" && grep -q '"matching":0' "$D/body" && ok api_filter_none_match_empty || bad "api_filter_none_match_empty ($(head -c 300 "$D/body"))"

# keyword search and keywords as a filter: the CLI's bytes
"$T" search "$D/s.tny" "カメラ 眠気 -車両" -k 5 --date-from 2016 --json >"$D/cli"
req api_search 200 -G --data-urlencode "q=カメラ 眠気 -車両" -d k=5 -d date_from=2016 "$U/api/search"
same api_search_equals_cli "$D/cli" "$D/body"
"$T" similar "$D/s.tny" SAMPLE-001 -k 4 --keywords 'カメラ OR センサ' --json >"$D/cli"
req api_keywords_similar 200 -G -d id=SAMPLE-001 -d k=4 --data-urlencode "keywords=カメラ OR センサ" "$U/api/similar"
same api_keywords_similar_equals_cli "$D/cli" "$D/body"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 3 --keywords '"カメラ" -車両' --json >"$D/cli"
post '{"id":"SAMPLE-001","n":3,"keywords":"\"カメラ\" -車両"}' >"$D/body"
same api_keywords_ideas_equals_cli "$D/cli" "$D/body"
err api_search_missing_q 400 "$U/api/search"
err api_search_syntax 400 -G --data-urlencode "q=OR カメラ" "$U/api/search"
grep -q "OR needs a term on each side" "$D/body" && ok api_search_syntax_named || bad "api_search_syntax_named ($(cat "$D/body"))"
err api_search_empty_phrase 400 -G --data-urlencode 'q="  "' "$U/api/search"
err api_search_k_over 400 -G --data-urlencode "q=カメラ" -d k=101 "$U/api/search"

req api_patent 200 "$U/api/patent/SAMPLE-001"
"$T" similar "$D/s.tny" SAMPLE-001 --json >"$D/cli"
if [ -n "$PY" ]; then
  if $PY - "$D/body" "$D/cli" <<'P'
import json, sys
o = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
p = o["patent"]
assert p["id"] == "SAMPLE-001" and p["title"] and p["fields"] and p["codes"], p
assert isinstance(p["open"], bool) and p["lang"] in ("ja", "en")
assert set(p["map"]) == {"x", "y"}
assert o["similar"] == c, "similar differs from the CLI"
# the abstract the index keeps: the sample record's own
rec = next(json.loads(l) for l in open("data/sample/sample.jsonl", encoding="utf-8") if '"SAMPLE-001"' in l)
assert p["abstract"] == rec["abstract"], p.get("abstract")
P
  then ok api_patent_body_and_similar_equal_cli; else bad api_patent_body_and_similar_equal_cli; fi
fi

# --------------------------------- the page's CSV and the options table
# the page's CSV download (POST /api/ideas.csv) is `ideas --csv --bom`
curl -s -X POST -H 'Content-Type: application/json' \
  --data-binary '{"id":"SAMPLE-001","n":7,"distance":"section"}' "$U/api/ideas.csv" >"$D/page.csv"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 7 --distance section --csv --bom >"$D/cli.csv"
same api_ideas_csv_is_cli_csv "$D/page.csv" "$D/cli.csv"
curl -s -X POST -H 'Content-Type: application/json' \
  --data-binary '{"text":"robot gripper with soft fingers","home":"B25J","lang":"en"}' "$U/api/ideas.csv" >"$D/page.csv"
"$T" ideas "$D/s.tny" --text "robot gripper with soft fingers" --home B25J --lang en --csv --bom >"$D/cli.csv"
same api_ideas_csv_text_is_cli_csv "$D/page.csv" "$D/cli.csv"
# its header: the columns of ideas --csv, every one
h1=$(head -n 1 "$D/page.csv" | tr -d '\r'); h2=$("$T" ideas "$D/s.tny" SAMPLE-002 --csv --bom --lang en | head -n 1)
[ -n "$h1" ] && [ "$h1" = "$h2" ] && [ "$(printf '%s\n' "$h1" | tr ',' '\n' | wc -l)" -eq 25 ] &&
  ok api_ideas_csv_columns || bad "api_ideas_csv_columns ($h1)"
# the page in Japanese (no lang: the server's default, ja): Japanese headers
curl -s -X POST -H 'Content-Type: application/json' \
  --data-binary '{"id":"SAMPLE-001","n":3}' "$U/api/ideas.csv" >"$D/page.csv"
head -n 1 "$D/page.csv" | grep -q '^.\{0,3\}"問い合わせ","自分の分野","順位"' && ok api_ideas_csv_japanese || bad "api_ideas_csv_japanese ($(head -c 200 "$D/page.csv"))"
err api_ideas_csv_bad_member 400 -X POST -H 'Content-Type: application/json' -d '{"id":"SAMPLE-001","novelty":3}' "$U/api/ideas.csv"
err api_ideas_csv_get 405 "$U/api/ideas.csv"
# the options table: every option with its type and bounds; each flag is
# one `ideas` or `eval` takes, each member one the body takes
req api_ideas_options 200 "$U/api/ideas/options"
if [ -n "$PY" ]; then
  "$T" ideas --help >"$D/ih" 2>&1; "$T" eval --help >>"$D/ih" 2>&1
  if $PY - "$D/body" "$D/ih" <<'P'
import json, sys
o = json.load(open(sys.argv[1]))["options"]
helptext = open(sys.argv[2]).read()
names = [d["name"] for d in o]
assert {"novelty", "min_confidence", "distance", "n", "lang", "knn", "home", "merge"} <= set(names), names
for d in o:
    assert d["flag"] in helptext, d["flag"]
    assert d["type"] in ("number", "integer", "bool", "choice", "codes", "words"), d
    if d["type"] in ("number", "integer"): assert d["min"] <= d["max"], d
    if d["type"] == "choice": assert d["default"] in d["choices"], d
    assert d["help"] and d["help_ja"], d
P
  then ok api_ideas_options_table; else bad api_ideas_options_table; fi
fi
# a member the table bounds is refused with the table's words, on every surface
err api_ideas_knn_over 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","knn":100001}' "$U/api/ideas"
grep -q 'knn must be an integer from 1 to 100000' "$D/body" && ok api_ideas_knn_over_worded || bad "api_ideas_knn_over_worded ($(cat "$D/body"))"
"$T" ideas "$D/s.tny" SAMPLE-001 --knn 100001 2>"$D/e" >/dev/null
grep -q -- '--knn must be an integer from 1 to 100000' "$D/e" && ok cli_ideas_knn_over_worded || bad "cli_ideas_knn_over_worded ($(cat "$D/e"))"
# steering members answer as the CLI's steering flags do
post '{"id":"SAMPLE-001","strike":["運転"],"keep":"G06T","reject":["A61B","G08B"]}' >"$D/api"
"$T" ideas "$D/s.tny" SAMPLE-001 --not 運転 --keep G06T --reject A61B,G08B --json >"$D/cli"
same api_ideas_steer_as_cli "$D/api" "$D/cli"
err api_ideas_steer_bad_field 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","reject":["B6"]}' "$U/api/ideas"
grep -q "reject must be IPC subclasses" "$D/body" && ok api_ideas_steer_bad_field_named || bad "api_ideas_steer_bad_field_named ($(cat "$D/body"))"
post '{"id":"SAMPLE-001","focus":[2,3]}' >"$D/api"
"$T" ideas "$D/s.tny" SAMPLE-001 --focus 2,3 --json >"$D/cli"
same api_ideas_focus_as_cli "$D/api" "$D/cli"
err api_ideas_focus_bad 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","focus":"x"}' "$U/api/ideas"
python3 -c "import json;print(json.dumps({'id':'SAMPLE-001','focus':' '*509+'2,3'}))" >"$D/fbody"
curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$D/fbody" "$U/api/ideas" >"$D/api"
same api_ideas_focus_long_string_whole "$D/api" "$D/cli"
err api_ideas_reject_blank 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","reject":",,,"}' "$U/api/ideas"
python3 -c "import json;print(json.dumps({'id':'SAMPLE-001','strike':'あ'*86}))" >"$D/sbody"
err api_ideas_strike_long_said 400 -X POST -H Content-Type:application/json --data-binary @"$D/sbody" "$U/api/ideas"
grep -q "strike must be words" "$D/body" && ok api_ideas_strike_long_said_why || bad "api_ideas_strike_long_said_why ($(cat "$D/body"))"
err api_ideas_steer_bad_type 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","strike":[1]}' "$U/api/ideas"
# more cards: "offset" answers as --offset does
post '{"id":"SAMPLE-001","n":20,"offset":10}' >"$D/api"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 20 --offset 10 --json >"$D/cli"
same api_ideas_offset_as_cli "$D/api" "$D/cli"
err api_ideas_offset_negative 400 -X POST -H Content-Type:application/json -d '{"id":"SAMPLE-001","offset":-1}' "$U/api/ideas"
# worksheets: saved beside the index (the CLI reads the same file), read
# back by id or patent; a damaged one is 400 with its reason and leaves
# the saved one; a key that is no key is 400; the senses list
wsb='{"tenyo_worksheet":1,"patent":"SAMPLE-001","strike":["運転"],"cards":[{"field":"G08B","decision":"kept","note":"for the client"}]}'
curl -s -X POST -H 'Content-Type: application/json' --data-binary "$wsb" "$U/api/worksheet" >"$D/ws1"
grep -q '"id":"patent-SAMPLE-001"' "$D/ws1" && [ -f "$D/s.tny.worksheets/patent-SAMPLE-001.json" ] && ok api_worksheet_saved || bad "api_worksheet_saved ($(head -c 300 "$D/ws1"))"
req api_worksheet_get 200 "$U/api/worksheet?patent=SAMPLE-001"
same api_worksheet_get_is_posted "$D/body" "$D/ws1"
req api_worksheet_get_by_id 200 "$U/api/worksheet?id=patent-SAMPLE-001"
same api_worksheet_get_by_id_is_posted "$D/body" "$D/ws1"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 3 --worksheet "$D/s.tny.worksheets/patent-SAMPLE-001.json" --json >"$D/out" 2>/dev/null &&
  grep -q '"note":"for the client"' "$D/out" && ok api_worksheet_read_by_cli || bad "api_worksheet_read_by_cli ($(head -c 200 "$D/out"))"
curl -s -X POST -H 'Content-Type: application/json' --data-binary "$wsb" "$U/api/worksheet" >"$D/ws1"
# the page and the CLI share a sheet without losing a decision: a save
# names the version it loaded, and one made on a sheet saved meanwhile is
# refused (409 worksheet_changed) with the other's decision kept
v1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$D/ws1")
[ -n "$v1" ] && ok api_worksheet_version_given || bad "api_worksheet_version_given ($(head -c 200 "$D/ws1"))"
req api_worksheet_same_version 200 -X POST -H Content-Type:application/json --data-binary "$wsb" "$U/api/worksheet?version=$v1"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 3 --worksheet "$D/s.tny.worksheets/patent-SAMPLE-001.json" --reject C02F >/dev/null 2>&1
req api_worksheet_changed 409 -X POST -H Content-Type:application/json --data-binary "$wsb" "$U/api/worksheet?version=$v1"
grep -q '"code":"worksheet_changed"' "$D/body" && ok api_worksheet_changed_code || bad "api_worksheet_changed_code ($(head -c 200 "$D/body"))"
grep -q '"C02F"' "$D/s.tny.worksheets/patent-SAMPLE-001.json" && ok api_worksheet_changed_cli_kept || bad api_worksheet_changed_cli_kept
req api_worksheet_changed_none 409 -X POST -H Content-Type:application/json --data-binary "$wsb" "$U/api/worksheet?version="
curl -s "$U/api/worksheet?patent=SAMPLE-001" >"$D/ws2"
v2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$D/ws2")
req api_worksheet_reloaded_saves 200 -X POST -H Content-Type:application/json --data-binary "$wsb" "$U/api/worksheet?version=$v2"
curl -s -X POST -H 'Content-Type: application/json' --data-binary "$wsb" "$U/api/worksheet" >"$D/ws1"
err api_worksheet_damaged 400 -X POST -H Content-Type:application/json -d '{"tenyo_worksheet":1,"patent":"SAMPLE-001","cards":[{"field":"G08B","decision":"maybe"}]}' "$U/api/worksheet"
grep -q 'cards\[0\].decision' "$D/body" && ok api_worksheet_damaged_why || bad "api_worksheet_damaged_why ($(cat "$D/body"))"
req api_worksheet_kept_after_refusal 200 "$U/api/worksheet?patent=SAMPLE-001"
same api_worksheet_kept_after_refusal_same "$D/body" "$D/ws1"
err api_worksheet_bad_key 400 "$U/api/worksheet?id=..%2Fs.tny"
# a patent not worked on yet has no sheet, which is no error (the page
# asks for every patent it opens); an id that names no file is 404
req api_worksheet_none_yet 200 "$U/api/worksheet?patent=SAMPLE-199"
grep -q '"worksheet":null' "$D/body" && grep -q '"id":"patent-SAMPLE-199"' "$D/body" && ok api_worksheet_none_yet_null || bad "api_worksheet_none_yet_null ($(head -c 200 "$D/body"))"
err api_worksheet_none 404 "$U/api/worksheet?id=patent-SAMPLE-199"
# a free-text or company query's sheet is its text's: asked for by the
# text itself (the page), the key made as POST makes it; none yet is null;
# two subjects at once are refused
wst='{"tenyo_worksheet":1,"text":"運転者の眠気を推定する","strike":["推定"],"cards":[]}'
curl -s -X POST -H 'Content-Type: application/json' --data-binary "$wst" "$U/api/worksheet" >"$D/wst"
req api_worksheet_get_text 200 -G --data-urlencode "text=運転者の眠気を推定する" "$U/api/worksheet"
same api_worksheet_get_text_is_posted "$D/body" "$D/wst"
req api_worksheet_text_none_yet 200 -G --data-urlencode "text=まだない文章" "$U/api/worksheet"
grep -q '"worksheet":null' "$D/body" && ok api_worksheet_text_none_yet_null || bad "api_worksheet_text_none_yet_null ($(head -c 200 "$D/body"))"
req api_worksheet_company_none_yet 200 -G --data-urlencode "company=朝霧" "$U/api/worksheet"
err api_worksheet_two_subjects 400 "$U/api/worksheet?patent=SAMPLE-001&text=x"
req api_sentences 200 "$U/api/sentences?id=SAMPLE-001"
"$T" ideas "$D/s.tny" SAMPLE-001 --sentences >"$D/sent"
python3 - "$D/body" "$D/sent" <<'P' && ok api_sentences_as_cli || bad "api_sentences_as_cli ($(head -c 300 "$D/body"))"
import json, re, sys
a = json.load(open(sys.argv[1]))["sentences"]
b = [re.sub(r"^ *[0-9]+  ", "", l.rstrip("\n")) for l in open(sys.argv[2]) if re.match(r"^ *[0-9]+  ", l)]
assert a and len(a) == len(b) and a[1] == b[1], (a, b)
P
err api_sentences_unknown 404 "$U/api/sentences?id=NOPE-999"
# the report of the kept cards: the worksheet's kept card alone, its note
rb=$(python3 -c 'import json,urllib.parse; print(urllib.parse.quote(json.dumps({"id":"SAMPLE-001","keep":["G08B"],"strike":["運転"]})))')
req api_report_kept 200 "$U/api/report?task=ideas&body=$rb&kept=1"
[ "$(grep -c 'class="card"' "$D/body")" = 1 ] && grep -q 'for the client' "$D/body" && ok api_report_kept_cards_notes || bad "api_report_kept_cards_notes ($(grep -c 'class="card"' "$D/body") cards)"
# its notes count its cards: "N rest on one patent" over the kept card alone
cp "$D/body" "$D/keptrep"
curl -s -X POST -H 'Content-Type: application/json' --data-binary '{"id":"SAMPLE-001","keep":["G08B"],"strike":["運転"],"n":30}' "$U/api/ideas" >"$D/keptans"
python3 - "$D/keptrep" "$D/keptans" 2>"$D/kerr" <<'P' && ok api_report_kept_notes_count_kept || bad "api_report_kept_notes_count_kept ($(tail -n 1 "$D/kerr"))"
import json, re, sys
h = open(sys.argv[1]).read()
a = json.load(open(sys.argv[2]))
kept = [i for i in a["ideas"] if i["field"] == "G08B"]
want = sum("one_patent" in i["cautions"] for i in kept)
listed = sum(1 for i in a["ideas"] if i.get("shown", 0) > 0 and "one_patent" in i["cautions"])
m = re.search(r"([0-9]+) (?:of the proposals shown rest on one patent|件は根拠特許が 1 件だけ)", h)
got = int(m.group(1)) if m else 0
assert got == want, (got, want, listed)
P
# the full report is the list the page shows with the worksheet's
# decisions: a body without decisions gets the saved sheet's (the rejected
# card is off the list, the struck word struck), the kept card is marked
# with its note, and the decisions are listed
curl -s -X POST -H 'Content-Type: application/json' --data-binary '{"id":"SAMPLE-002","n":5}' "$U/api/ideas" >"$D/i2"
f2=$(python3 -c 'import json,sys; i=[x["field"] for x in json.load(open(sys.argv[1]))["ideas"]]; print(i[0], i[1])' "$D/i2")
set -- $f2
curl -s -X POST -H 'Content-Type: application/json' --data-binary "{\"tenyo_worksheet\":1,\"patent\":\"SAMPLE-002\",\"strike\":[],\"cards\":[{\"field\":\"$2\",\"decision\":\"kept\",\"note\":\"keep-note-2\"},{\"field\":\"$1\",\"decision\":\"rejected\",\"note\":\"reject-note-1\"}]}" "$U/api/worksheet" >/dev/null
rb2=$(python3 -c 'import json,urllib.parse; print(urllib.parse.quote(json.dumps({"id":"SAMPLE-002","n":5})))')
req api_report_worksheet 200 "$U/api/report?task=ideas&body=$rb2"
python3 - "$D/body" "$1" "$2" <<'P' && ok api_report_worksheet_applied || bad "api_report_worksheet_applied ($(grep -o '<h3>.*</h3>' "$D/body" | head -c 600))"
import re, sys
h = open(sys.argv[1]).read()
rej, kept = sys.argv[2], sys.argv[3]
cards = re.findall(r'<div class="card"><h3>(.*?)</h3>', h)
assert cards and not any(" %s " % rej in c for c in cards), cards          # rejected: off the list
k = [c for c in cards if " %s " % kept in c]
assert k and '<span class="kept">採用</span>' in k[0], k                    # kept: marked
assert 'keep-note-2' in h, "the kept card's note"
ws = h.split('作業シートの判断', 1)[1]
assert rej in ws and 'reject-note-1' in ws, "the rejection listed with its note"
P
rb=$(python3 -c 'import json,urllib.parse; print(urllib.parse.quote(json.dumps({"id":"SAMPLE-001","keep":["G08B"],"strike":["運転"],"lang":"en"})))')
req api_report_worksheet_page_body 200 "$U/api/report?task=ideas&body=$rb"
grep -q '<span class="kept">kept</span>' "$D/body" && grep -q 'for the client' "$D/body" &&
  grep -q 'Struck words (another sense)</span> 運転' "$D/body" && ok api_report_worksheet_page_marked || bad "api_report_worksheet_page_marked ($(grep -o '<h3>.*</h3>' "$D/body" | head -c 300))"
# an English report is English throughout: no full-width brackets or
# ideographic spaces in its own words (the records' text may hold them)
rb=$(python3 -c 'import json,urllib.parse; print(urllib.parse.quote(json.dumps({"id":"SAMPLE-010","n":3,"lang":"en"})))')
req api_report_en 200 "$U/api/report?task=ideas&body=$rb"
python3 - "$D/body" 2>"$D/enerr" <<'P' && ok api_report_en_no_full_width || bad "api_report_en_no_full_width ($(tail -n 1 "$D/enerr"))"
import re, sys
h = open(sys.argv[1]).read()
assert re.search(r"<h2>Proposals \([0-9]+ proposals?\)</h2>", h), re.findall(r"<h2>.*?</h2>", h)
for tag in re.findall(r"<h2>.*?</h2>", h) + re.findall(r'<p class="meta">Date .*?</p>', h) + re.findall(r'<span class="k">[^<]*</span>', h):
    assert not re.search("[（）「」　]", tag), tag
P
req api_senses 200 "$U/api/senses"
grep -q '"senses":\[\]' "$D/body" && ok api_senses_empty || bad "api_senses_empty ($(head -c 200 "$D/body"))"
# the why quotes one of the card's evidence patents and names it (a
# focused or kept list may quote a later one that shares more words); the
# evidence stays in order of similarity, best first
for b in '{"id":"SAMPLE-001","n":10,"focus_text":"画像から状態を推定する"}' '{"id":"SAMPLE-001","n":10,"keep":["G08B"]}' '{"id":"SAMPLE-002","n":10,"focus_text":"画像から状態を推定する"}'; do
  post "$b"; echo
done >"$D/whyfirst"
python3 - "$D/whyfirst" 2>"$D/whyerr" <<'P' && ok api_why_names_its_evidence_in_order || bad "api_why_names_its_evidence_in_order ($(tail -n 1 "$D/whyerr"))"
import json, sys
n = 0
for line in filter(str.strip, open(sys.argv[1])):
    for it in json.loads(line)["ideas"]:
        w = it.get("why")
        if w:
            n += 1
            assert w["evidence_id"] in [e["id"] for e in it["evidence"]], (it["field"], w["evidence_id"])
        sims = [e["similarity"] for e in it["evidence"]]
        assert sims == sorted(sims, reverse=True), (it["field"], sims)
assert n > 10, n
P
# members the table adds to the body answer as the CLI's flags do
post '{"id":"SAMPLE-001","knn":50,"merge":false,"novelty":0.2}' >"$D/api"
"$T" ideas "$D/s.tny" SAMPLE-001 --knn 50 --no-merge --novelty 0.2 --json >"$D/cli"
same api_ideas_table_members_as_cli "$D/api" "$D/cli"

# ------------------------------------------------------------ the map
req api_map 200 "$U/api/map"
cp "$D/body" "$D/map"
req api_map_points 200 "$U/api/map?fields=0&id=SAMPLE-001&doc=SAMPLE-002&doc=SAMPLE-019"
cp "$D/body" "$D/points"
req api_map_text 200 -G --data-urlencode "text=$Q" -d fields=0 "$U/api/map"
cp "$D/body" "$D/tpoints"
curl -s "$U/api/patent/SAMPLE-019" >"$D/p19"
if [ -n "$PY" ]; then
  if $PY - "$D/map" "$D/points" "$D/tpoints" "$D/p19" "$D/s.tny" "$T" <<'P'
import json, math, subprocess, sys
m = json.load(open(sys.argv[1])); pts = json.load(open(sys.argv[2]))
tp = json.load(open(sys.argv[3])); p19 = json.load(open(sys.argv[4]))
info = json.loads(subprocess.check_output([sys.argv[6], "info", sys.argv[5], "--json"]))
f = m["fields"]
assert len(f) == info["fields"], (len(f), info["fields"])
assert [x["field"] for x in f] == [x["field"] for x in info["field_counts"]]
assert [x["documents"] for x in f] == [x["documents"] for x in info["field_counts"]]
assert all(math.isfinite(x["x"]) and math.isfinite(x["y"]) and x["label_ja"] and x["label_en"] for x in f)
v = m["variance"]; assert 0 < v[1] <= v[0] <= 1, v
# the fields are spread out, not collapsed onto a point
assert max(x["x"] for x in f) - min(x["x"] for x in f) > 0.1
assert "fields" not in pts and [d["id"] for d in pts["docs"]] == ["SAMPLE-002", "SAMPLE-019"]
d19 = pts["docs"][1]; assert (d19["x"], d19["y"]) == (p19["patent"]["map"]["x"], p19["patent"]["map"]["y"])
assert pts["query"] and math.isfinite(pts["query"]["x"])
assert tp["query"] and tp["docs"] == []
P
  then ok api_map_consistent_with_info; else bad api_map_consistent_with_info; fi
fi
# the labels of one picture: the whole map, then a zoom on its densest
# corner; the home / proposal labels asked first, the largest fields after
if [ -n "$PY" ]; then
  if $PY - "$D/map" "$U" <<'P'
import json, math, sys, urllib.parse, urllib.request
m = json.load(open(sys.argv[1])); U = sys.argv[2]
f = m["fields"]; W, H = 640, 520
def get(q):
    with urllib.request.urlopen(U + "/api/map?" + urllib.parse.urlencode(q, doseq=True)) as r:
        return json.load(r)
def check(view, asked, marks, largest):
    q = {"fields": "0", "view": ",".join(repr(v) for v in view), "size": "%dx%d" % (W, H),
         "largest": str(largest), "label": ["%s,%g" % a for a in asked],
         "mark": ["%r,%r,%g" % mk for mk in marks]}
    r = get(q)
    assert r["view"] == list(view) and r["size"] == [W, H], r
    px = lambda x: (x - view[0]) * W / (view[2] - view[0])
    py = lambda y: (view[3] - y) * H / (view[3] - view[1])
    L = r["labels"]
    by = {x["field"]: x for x in f}
    codes = [l["field"] for l in L]
    assert len(set(codes)) == len(codes), codes
    circles = [(px(by[c]["x"]), py(by[c]["y"]), rr) for c, rr in asked] + \
              [(px(x), py(y), rr) for x, y, rr in marks]
    for i, a in enumerate(L):
        # inside the picture, with the field's code first and its title
        assert 0 <= a["x"] and 0 <= a["y"] and a["x"] + a["w"] <= W and a["y"] + a["h"] <= H, a
        assert a["text"].startswith(a["field"]), a
        for b in L[i + 1:]:  # no two boxes overlap
            assert not (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and
                        a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]), (a, b)
        for cx, cy, rr in circles:  # no box hides a proposal, evidence or query
            nx = min(max(cx, a["x"]), a["x"] + a["w"]); ny = min(max(cy, a["y"]), a["y"] + a["h"])
            own = a["field"] in by and abs(px(by[a["field"]]["x"]) - cx) < 1e-9 and abs(py(by[a["field"]]["y"]) - cy) < 1e-9
            assert own or (cx - nx) ** 2 + (cy - ny) ** 2 >= rr * rr - 1e-9, (a, cx, cy, rr)
        # beside its own marker: the box touches a ring around it
        c = by[a["field"]]; cx, cy = px(c["x"]), py(c["y"])
        nx = min(max(cx, a["x"]), a["x"] + a["w"]); ny = min(max(cy, a["y"]), a["y"] + a["h"])
        assert math.hypot(cx - nx, cy - ny) <= 40, (a, cx, cy)
    asked_codes = [c for c, _ in asked]
    for l in L:
        assert l["role"] == ("asked" if l["field"] in asked_codes else "largest"), l
    # every asked label is placed or said to be left out
    assert set(asked_codes) <= set(codes) | set(r["left_out"]), (asked_codes, codes, r["left_out"])
    nl = sum(1 for l in L if l["role"] == "largest")
    assert nl <= largest
    return r
xs = [x["x"] for x in f]; ys = [x["y"] for x in f]
cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
s = min((W - 56) / (max(xs) - min(xs)), (H - 56) / (max(ys) - min(ys)))
full = (cx - W / s / 2, cy - H / s / 2, cx + W / s / 2, cy + H / s / 2)
big = sorted(f, key=lambda x: -x["documents"])
asked = [(big[0]["field"], 12.0), (big[-1]["field"], 6.0), (big[1]["field"], 9.5)]
marks = [(f[0]["x"] + 0.01, f[0]["y"], 3.0), (cx, cy, 9.0)]
r = check(full, asked, marks, 10)
assert len(r["labels"]) >= 3, r["labels"]
assert r["labels"][0]["field"] == big[0]["field"] and r["labels"][0]["role"] == "asked"
# a zoom on the first asked field: what lies outside is not labelled
w = (full[2] - full[0]) / 6; h = (full[3] - full[1]) / 6
z = (big[0]["x"] - w / 2, big[0]["y"] - h / 2, big[0]["x"] + w / 2, big[0]["y"] + h / 2)
rz = check(z, asked, marks, 10)
inside = lambda c: z[0] <= c["x"] <= z[2] and z[1] <= c["y"] <= z[3]
by = {x["field"]: x for x in f}
assert all(inside(by[l["field"]]) for l in rz["labels"] if l["role"] == "largest")
for c, _ in asked:
    if not inside(by[c]): assert c in rz["left_out"], (c, rz)
# English titles when asked for
re_ = get({"fields": "0", "view": ",".join(map(repr, full)), "largest": "3", "lang": "en"})
assert all(l["text"][5:].rstrip("…") in by[l["field"]]["label_en"] for l in re_["labels"]), re_
P
  then ok api_map_labels_no_overlap; else bad api_map_labels_no_overlap; fi
  # evidence of an ideas answer lands by its own vector: where /api/patent
  # puts it, not on the query; the query's similarity to every field
  post '{"id":"SAMPLE-001","n":5,"min_confidence":0}' >"$D/ev_ideas"
  if $PY - "$D/ev_ideas" "$U" <<'P'
import json, math, sys, urllib.parse, urllib.request
res = json.load(open(sys.argv[1])); U = sys.argv[2]
ev = sorted({e["id"] for it in res["ideas"] for e in it["evidence"]})
assert ev, res
q = urllib.parse.urlencode({"fields": "0", "id": "SAMPLE-001", "doc": ev}, doseq=True)
pts = json.load(urllib.request.urlopen(U + "/api/map?" + q))
m = json.load(urllib.request.urlopen(U + "/api/map"))
qx, qy = pts["query"]["x"], pts["query"]["y"]
far = 0
for d in pts["docs"]:
    p = json.load(urllib.request.urlopen(U + "/api/patent/" + urllib.parse.quote(d["id"])))["patent"]
    assert (d["x"], d["y"]) == (p["map"]["x"], p["map"]["y"]), (d, p["map"])
    far += math.hypot(d["x"] - qx, d["y"] - qy) > 1e-6
assert far == len(pts["docs"]), "evidence drawn on the query"
sim = pts["query"]["similarity"]
assert len(sim) == len(m["fields"]) and all(-1.0001 <= v <= 1.0001 for v in sim)
# the patent's own fields are among the most similar to it
own = json.load(urllib.request.urlopen(U + "/api/patent/SAMPLE-001"))["patent"]["fields"]
rank = sorted(range(len(sim)), key=lambda j: -sim[j])
codes = [m["fields"][j]["field"] for j in rank[:5]]
assert any(c in codes for c in own), (own, codes)
P
  then ok api_map_evidence_by_own_vector; else bad api_map_evidence_by_own_vector; fi
fi
err api_map_labels_need_view 400 "$U/api/map?label=A61B,3"
err api_map_bad_view 400 "$U/api/map?view=1,0,0,1"
err api_map_view_nan 400 "$U/api/map?view=nan,0,1,1"
err api_map_bad_size 400 "$U/api/map?view=0,0,1,1&size=10x10"
err api_map_bad_label 400 "$U/api/map?view=0,0,1,1&label=a61b,3"
err api_map_label_no_radius 400 "$U/api/map?view=0,0,1,1&label=A61B"
err api_map_label_unknown_field 400 "$U/api/map?view=0,0,1,1&label=H99Z,3"
err api_map_bad_mark 400 "$U/api/map?view=0,0,1,1&mark=1,2"
err api_map_bad_largest 400 "$U/api/map?view=0,0,1,1&largest=51"
manyl=$(i=0; while [ $i -le 200 ]; do printf 'mark=0,0,1&'; i=$((i+1)); done)
err api_map_too_many_marks 400 "$U/api/map?view=0,0,1,1&$manyl"
err api_map_unknown_doc 404 "$U/api/map?doc=NO-SUCH"
err api_map_bad_fields 400 "$U/api/map?fields=2"
err api_map_id_and_text 400 "$U/api/map?id=SAMPLE-001&text=x"
many=$(i=0; while [ $i -le 200 ]; do printf 'doc=SAMPLE-001&'; i=$((i+1)); done)
err api_map_too_many_docs 400 "$U/api/map?$many"

# ------------------------------------------------------------- errors
err api_similar_no_query 400 "$U/api/similar"
err api_similar_id_and_text 400 "$U/api/similar?id=SAMPLE-001&text=x"
err api_similar_k_zero 400 "$U/api/similar?id=SAMPLE-001&k=0"
err api_similar_k_over 400 "$U/api/similar?id=SAMPLE-001&k=101"
err api_similar_k_text 400 "$U/api/similar?id=SAMPLE-001&k=ten"
err api_similar_bad_mode 400 "$U/api/similar?id=SAMPLE-001&mode=fuzzy"
err api_similar_unknown_id 404 "$U/api/similar?id=NO-SUCH-ID"
grep -q 'NO-SUCH-ID' "$D/body" && ok api_similar_unknown_id_named || bad api_similar_unknown_id_named
err api_similar_no_terms 400 "$U/api/similar?text=qqqzzz"
err api_similar_bad_utf8 400 "$U/api/similar?text=%ff%fe"
long=$(head -c 33000 /dev/zero | tr '\0' 'a')
err api_similar_text_too_long 413 -G --data-urlencode "text=$long" "$U/api/similar"
err api_patent_unknown 404 "$U/api/patent/NO-SUCH-ID"
err api_patent_bad_k 400 "$U/api/patent/SAMPLE-001?k=1000"

P="-X POST -H Content-Type:application/json $U/api/ideas"
err api_ideas_bad_json 400 -d '{"id": "SAMPLE-001"' $P
grep -q 'invalid JSON' "$D/body" && ok api_ideas_bad_json_says_so || bad api_ideas_bad_json_says_so
err api_ideas_empty_body 400 -d '' $P
err api_ideas_not_object 400 -d '["SAMPLE-001"]' $P
err api_ideas_no_query 400 -d '{"n": 3}' $P
err api_ideas_id_and_text 400 -d '{"id":"SAMPLE-001","text":"x"}' $P
err api_ideas_unknown_member 400 -d '{"id":"SAMPLE-001","open-only":true}' $P
grep -q "open-only" "$D/body" && ok api_ideas_unknown_member_named || bad api_ideas_unknown_member_named
err api_ideas_duplicate_member 400 -d '{"id":"SAMPLE-001","id":"SAMPLE-002"}' $P
err api_ideas_n_zero 400 -d '{"id":"SAMPLE-001","n":0}' $P
err api_ideas_n_over 400 -d '{"id":"SAMPLE-001","n":101}' $P
err api_ideas_n_string 400 -d '{"id":"SAMPLE-001","n":"5"}' $P
err api_ideas_bad_distance 400 -d '{"id":"SAMPLE-001","distance":"far"}' $P
err api_ideas_bad_lang 400 -d '{"id":"SAMPLE-001","lang":"fr"}' $P
err api_ideas_bad_mode 400 -d '{"id":"SAMPLE-001","mode":"bm25"}' $P
err api_ideas_bad_open_only 400 -d '{"id":"SAMPLE-001","open_only":"yes"}' $P
err api_ideas_bad_home_code 400 -d '{"id":"SAMPLE-001","home":["B60W","ZZZZ"]}' $P
grep -q 'ZZZZ' "$D/body" && ok api_ideas_bad_home_named || bad api_ideas_bad_home_named
err api_ideas_bad_home_long 400 -d '{"id":"SAMPLE-001","home":"B60WX"}' $P
err api_ideas_bad_home_type 400 -d '{"id":"SAMPLE-001","home":[1]}' $P
err api_ideas_unknown_id 404 -d '{"id":"NO-SUCH-ID"}' $P
err api_ideas_no_terms 400 -d '{"text":"qqqzzz"}' $P

# ids as people type them: the same answer as the stored id, everywhere an
# id is taken; a near miss is 404 with "did you mean" and suggestions; and
# /api/resolve says how the page must read an input (id / number / text)
curl -s "$U/api/similar?id=SAMPLE-001&k=3" >"$D/want"
req api_patno_similar 200 -G --data-urlencode "id=ｓａｍｐｌｅ－００１" --data-urlencode k=3 "$U/api/similar"
same api_patno_similar_same "$D/want" "$D/body"
req api_patno_similar_spaces 200 -G --data-urlencode "id= sample 001 " --data-urlencode k=3 "$U/api/similar"
same api_patno_similar_spaces_same "$D/want" "$D/body"
req api_patno_patent 200 "$U/api/patent/sample-001?k=3"
grep -q '"patent":{"id":"SAMPLE-001"' "$D/body" && ok api_patno_patent_id || bad "api_patno_patent_id ($(head -c 200 "$D/body"))"
post '{"id":"SAMPLE-001","n":3}' >"$D/want"
post '{"id":"sample001","n":3}' >"$D/got"
same api_patno_ideas_same "$D/want" "$D/got"
req api_patno_map 200 "$U/api/map?id=sample-001&fields=0"
req api_patno_near_miss 404 "$U/api/similar?id=SAMPLE-0001"
if [ -n "$PY" ] && $PY -c 'import json,sys; o=json.load(open(sys.argv[1])); assert "did you mean SAMPLE-001" in o["error"], o; assert o["suggestions"][0]["id"]=="SAMPLE-001" and o["suggestions"][0]["title"], o' "$D/body"; then ok api_patno_suggestions; else bad "api_patno_suggestions ($(head -c 300 "$D/body"))"; fi
req api_patno_near_miss_ideas 404 -d '{"id":"SAMPLE-0001"}' $P
grep -q '"suggestions":\[{"id":"SAMPLE-001"' "$D/body" && ok api_patno_ideas_suggestions || bad "api_patno_ideas_suggestions ($(head -c 300 "$D/body"))"
# resolve: kind id (exact / normalised), number (not indexed), text
if [ -n "$PY" ]; then
  for c in 'SAMPLE-001|id|exact|SAMPLE-001' 'ｓａｍｐｌｅ００１|id|normalised|SAMPLE-001' \
           'SAMPLE-0001|number||' '特開2024-127407|number||' 'JP2024-127407A|number||' \
           '実用新案登録第3234843号|number||' '特開1999-314709|number||' \
           '運転者の眠気を検出する装置|text||' '眠気|text||' 'robot gripper with soft fingers|text||'; do
    q=${c%%|*}; r=${c#*|}; kind=${r%%|*}; r=${r#*|}; match=${r%%|*}; id=${r#*|}
    n=$(printf '%s' "$q" | od -An -tx1 | tr -d ' \n' | cut -c1-20)
    req "api_resolve_$n" 200 -G --data-urlencode "q=$q" "$U/api/resolve"
    if $PY -c 'import json,sys; o=json.load(open(sys.argv[1])); k,m,i=sys.argv[2:5]; assert o["kind"]==k, o; assert (o["match"] or "")==m, o; assert ((o["id"] or {}).get("id") or "")==i, o' "$D/body" "$kind" "$match" "$id"; then ok "api_resolve_kind_$n"; else bad "api_resolve_kind_$n ($q: $(head -c 300 "$D/body"))"; fi
  done
  req api_resolve_suggests 200 -G --data-urlencode "q=SAMPLE-0001" "$U/api/resolve"
  grep -q '"suggestions":\[{"id":"SAMPLE-001"' "$D/body" && ok api_resolve_suggestions || bad "api_resolve_suggestions ($(head -c 300 "$D/body"))"
fi
err api_resolve_missing 400 "$U/api/resolve"
err api_resolve_too_long 413 -G --data-urlencode "q=$long" "$U/api/resolve"
err api_ideas_text_not_string 400 -d '{"text":42}' $P
head -c 70000 /dev/zero | tr '\0' 'a' >"$D/big"
err api_ideas_body_too_large 413 --data-binary @"$D/big" $P
err api_ideas_body_too_large_chunked 413 -H 'Transfer-Encoding: chunked' --data-binary @"$D/big" $P
printf '{"text":"%s"}' "$long" >"$D/longtext"
err api_ideas_text_too_long 413 --data-binary @"$D/longtext" $P

err api_ideas_get_405 405 "$U/api/ideas"
hdr api_ideas_get_allow 'Allow: POST'
err api_info_post_405 405 -X POST -d x "$U/api/info"
hdr api_info_post_allow 'Allow: GET, HEAD'
err api_page_delete_405 405 -X DELETE "$U/"
err api_unknown_path 404 "$U/api/nothing"
err api_unknown_path_root 404 "$U/etc/passwd"
err api_foreign_host 403 -H 'Host: attacker.example' "$U/api/info"
req api_localhost_host 200 -H "Host: localhost:$PORT" "$U/healthz"

# -------------------------------------------------------- concurrency
# 12 requests at once (3 server threads): every answer equals the CLI's
ids="SAMPLE-001 SAMPLE-010 SAMPLE-020 SAMPLE-030 SAMPLE-040 SAMPLE-050"
for id in $ids; do
  "$T" ideas "$D/s.tny" "$id" -n 5 --json >"$D/cli.i.$id"
  "$T" similar "$D/s.tny" "$id" -k 20 --json >"$D/cli.s.$id"
done
kids=
for id in $ids; do
  curl -s -X POST -d "{\"id\":\"$id\",\"n\":5}" "$U/api/ideas" >"$D/par.i.$id" & kids="$kids $!"
  curl -s "$U/api/similar?id=$id&k=20" >"$D/par.s.$id" & kids="$kids $!"
done
wait_kids() { for j in $kids; do wait "$j"; done; kids=; }
wait_kids
npar=0
for id in $ids; do
  cmp -s "$D/cli.i.$id" "$D/par.i.$id" && cmp -s "$D/cli.s.$id" "$D/par.s.$id" && npar=$((npar+1))
done
[ "$npar" = 6 ] && ok api_parallel_equal_cli || bad "api_parallel_equal_cli ($npar of 6 ids equal)"
# 40 text queries over 8 connections at once: all 200
i=0
while [ $i -lt 8 ]; do
  ( j=0; while [ $j -lt 5 ]; do
      curl -s -o /dev/null -w '%{http_code}\n' -G --data-urlencode "text=運転者の眠気 $i $j" "$U/api/similar"
      j=$((j+1)); done ) >"$D/par.t.$i" & kids="$kids $!"
  i=$((i+1))
done
wait_kids
n200=$(cat "$D"/par.t.* | grep -c '^200$')
[ "$n200" = 40 ] && ok api_parallel_text_all_ok || bad "api_parallel_text_all_ok ($n200 of 40)"
kill -0 "$PID" 2>/dev/null && ok api_server_alive || bad api_server_alive

# ------------------------------------------------------------ the log
curl -s -o /dev/null "$U/%E7%89%B9%0Aforged%20line"
sleep 0.2
grep -q ' 127\.0\.0\.1 POST /api/ideas 200 [0-9]* [0-9.]*ms$' "$D/log" && ok api_log_line || bad "api_log_line ($(tail -n 2 "$D/log"))"
grep -q ' GET /%E7%89%B9%0Aforged%20line 404 ' "$D/log" && ok api_log_path_encoded || bad api_log_path_encoded
grep -q '^forged' "$D/log" && bad api_log_no_injection || ok api_log_no_injection
grep -q '^[0-9-]*T[0-9:.]*Z 127\.0\.0\.1 GET /api/info 200 [0-9]* ' "$D/log" && ok api_log_format || bad api_log_format

# ------------------------------------------- hostile clients (issue 16)
# a method with ESC and CR is logged percent-encoded, never raw
if [ -n "$PY" ]; then
  $PY - "$PORT" <<'PYX' >"$D/raw" 2>&1
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(b'G\x1b[31mT\r / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
print(s.recv(200).split(b'\r\n')[0].decode())
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(b'POST /api/ideas HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 13\r\n'
          b'Content-Length: 40\r\nConnection: close\r\n\r\n{"id":"SAMPLE-001"}')
print(s.recv(400).decode(errors='replace'))
PYX
  sleep 0.2
  if grep -q ' G%1B\[31mT%0D / 405 ' "$D/log" && ! grep -q "$(printf '\033')" "$D/log"; then
    ok api_log_method_escaped; else bad "api_log_method_escaped ($(tail -n 3 "$D/log" | od -c | head -4))"; fi
  if grep -q '^HTTP/1.1 400' "$D/raw" && grep -q 'conflicting Content-Length' "$D/raw"; then
    ok api_conflicting_content_length_400; else bad "api_conflicting_content_length_400 ($(head -c 300 "$D/raw"))"; fi
  # 1,030 idle connections from one client, then /healthz from another
  # address (127.0.0.2): answered within 1 s (per-client connection limit)
  $PY - "$PORT" 1030 <<'PYX' >"$D/idle" 2>&1
import resource, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
socks = []
for i in range(n):
    s = socket.socket(); s.connect(('127.0.0.1', port)); socks.append(s)
time.sleep(0.5)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b'': closed += 1
    except BlockingIOError: pass
    except OSError: closed += 1
c = socket.socket(); c.bind(('127.0.0.2', 0)); c.settimeout(5)
t0 = time.time()
try:
    c.connect(('127.0.0.1', port))
    c.sendall(b'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    data = b''
    while True:
        b = c.recv(4096)
        if not b: break
        data += b
    status = data.split(b'\r\n')[0].decode()
except OSError as e:
    status = 'no answer (%s)' % e
print('%.3f %s | %d idle from 127.0.0.1: %d kept open, %d closed by the server'
      % (time.time() - t0, status, n, n - closed, closed))
PYX
  read -r secs status rest <"$D/idle"
  echo "     idle test: $(cat "$D/idle")"
  if [ "$status" = "HTTP/1.1" ] && grep -q ' 200 OK' "$D/idle" &&
     awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }'; then ok api_idle_flood_other_client_served
  else bad "api_idle_flood_other_client_served ($(cat "$D/idle"))"; fi
  kill -0 "$PID" 2>/dev/null && ok api_idle_flood_server_alive || bad api_idle_flood_server_alive
else
  echo "skip api_log_method_escaped, api_conflicting_content_length_400, api_idle_flood_*: no python3"
fi

# ------------------------------------------ remembering a sense split
# POST /api/senses adds splits as ideas --not --remember does (the file
# beside the index, under its lock), the server honours them from the next
# request on (as the CLI reading the same file), and bad pairs are refused
req api_senses_post 200 -X POST -H Content-Type:application/json -d '{"word":"運転","pairs":[["B60W","F24F"],["G06V","B60W"]]}' "$U/api/senses"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["added"]==2 and sum(x["word"]=="運転" for x in o["senses"])==2, o' "$D/body" && ok api_senses_post_added || bad "api_senses_post_added ($(head -c 300 "$D/body"))"
grep -q '運転' "$D/s.tny.senses" && ok api_senses_post_saved || bad "api_senses_post_saved ($(cat "$D/s.tny.senses" 2>&1 | head -c 200))"
req api_senses_post_again 200 -X POST -H Content-Type:application/json -d '{"word":"運転","pairs":[["B60W","F24F"]]}' "$U/api/senses"
grep -q '"added":0' "$D/body" && ok api_senses_post_again_none_added || bad "api_senses_post_again_none_added ($(head -c 200 "$D/body"))"
post '{"id":"SAMPLE-001","n":10}' >"$D/api"
"$T" ideas "$D/s.tny" SAMPLE-001 -n 10 --json >"$D/cli" 2>/dev/null
same api_senses_post_honoured_as_cli "$D/api" "$D/cli"
err api_senses_post_bad_field 400 -X POST -H Content-Type:application/json -d '{"word":"運転","pairs":[["B60W","nope"]]}' "$U/api/senses"
err api_senses_post_no_pairs 400 -X POST -H Content-Type:application/json -d '{"word":"運転","pairs":[]}' "$U/api/senses"
err api_senses_post_unknown_member 400 -X POST -H Content-Type:application/json -d '{"word":"運転","pairs":[["B60W","F24F"]],"x":1}' "$U/api/senses"

# -------------------------------------------------- shutdown, options
kill -TERM "$PID"
i=0; while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
wait "$PID"; rc=$?; PID=
[ "$rc" = 0 ] && ok api_sigterm_exit_0 || bad "api_sigterm_exit_0 (exit $rc: $(tail -n 3 "$D/log"))"
grep -q 'SIGTERM, stopping' "$D/log" && ok api_sigterm_logged || bad api_sigterm_logged
if start_server "$D/log2" --threads 1 --quiet; then
  curl -s -o /dev/null "$U/healthz"
  req api_second_server 200 "http://127.0.0.1:$PORT/healthz"
  req api_worksheet_after_restart 200 "http://127.0.0.1:$PORT/api/worksheet?patent=SAMPLE-001"
  same api_worksheet_after_restart_same "$D/body" "$D/ws1"
  "$T" serve "$D/s.tny" --port "$PORT" 2>"$D/err"; rc=$?
  [ "$rc" = 4 ] && ok api_port_in_use_exit_4 || bad "api_port_in_use_exit_4 (exit $rc)"
  grep -q "^tenyo serve: cannot listen on 127.0.0.1 port $PORT: the port is in use" "$D/err" &&
    grep -q "^tenyo serve: hint: .*--port 0 for a free one" "$D/err" && ! grep -v '^tenyo serve: ' "$D/err" | grep -q . &&
    ok api_port_in_use_hint || bad "api_port_in_use_hint: $(head -c 300 "$D/err")"
  kill -INT "$PID"; wait "$PID"; rc=$?; PID=
  [ "$rc" = 0 ] && ok api_sigint_exit_0 || bad "api_sigint_exit_0 (exit $rc)"
  grep -q 'GET /healthz' "$D/log2" && bad api_quiet_no_log || ok api_quiet_no_log
else
  bad "api_second_server ($(head -c 200 "$D/log2"))"
fi
# ------------------------------------------------ the page's writes
# POST /api/add (a J-PlatPat export as the body) and /api/licensable on a
# server started with --writable: the records added as `tenyo add` adds
# them (the same answers after), the limits, one writer at a time (the
# index's lock), errors that leave the index as it was, a server killed
# mid-upload or mid-commit leaving it as it was, no temporary file left
if [ -n "$PY" ]; then
  python3 - "$D" <<'PY'
import csv,sys
D=sys.argv[1]
rows=list(csv.reader(open('data/sample/jplatpat_export.csv',encoding='utf-8-sig')))
def put(name,recs,bad=False):
    w=csv.writer(open(D+'/'+name,'w',encoding='utf-8-sig',newline=''),quoting=csv.QUOTE_ALL)
    w.writerow(rows[0]); [w.writerow(r) for r in recs]
    if bad: r=rows[5][:]; r[0]=''; w.writerow(r)   # a record without a number
put('base.csv',rows[1:141]); put('more.csv',rows[141:],True)
big=[]
for k in range(40):                 # 6,800 records of new numbers
    for r in rows[1:]:
        r=r[:]; r[0]=r[0].replace('2099-','2%03d-' % (k+100)); big.append(r)
put('big.csv',big)
PY
  mkdir -p "$D/tmp"
  "$T" index -q -o "$D/w.tny" "$D/base.csv" 2>/dev/null
  cp "$D/w.tny" "$D/cli.tny"
  winfo() { "$T" info "$D/w.tny" --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["documents"], o.get("updates",{}).get("generation",0))'; }
  before=$(winfo)
  IDX="$D/w.tny"
  if start_server "$D/logw" --threads 2; then
    U="http://127.0.0.1:$PORT"
    err api_write_readonly_403 403 --data-binary @"$D/more.csv" "$U/api/add?name=more.csv"
    grep -q -- '--writable' "$D/body" && ok api_write_readonly_says_option || bad api_write_readonly_says_option
    req api_write_updates_readonly 200 "$U/api/updates"
    grep -q '"writable":false' "$D/body" && ok api_write_updates_says_readonly || bad api_write_updates_says_readonly
    kill "$PID"; wait "$PID"; PID=
  fi
  if TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable --upload-max 1 --upload-rows 25; then
    U="http://127.0.0.1:$PORT"
    req api_write_updates 200 "$U/api/updates"
    grep -q '"writable":true,"max_bytes":1048576,"max_rows":25' "$D/body" && ok api_write_updates_limits || bad "api_write_updates_limits ($(head -c 200 "$D/body"))"
    req api_write_rows_limit_413 413 --data-binary @"$D/more.csv" "$U/api/add?name=more.csv"
    grep -q 'more.csv holds more than 25 records.*--upload-rows); nothing added' "$D/body" && ok api_write_rows_limit_says || bad "api_write_rows_limit_says ($(head -c 300 "$D/body"))"
    err api_write_size_limit_413 413 --data-binary @"$D/big.csv" "$U/api/add?name=big.csv"
    grep -q 'limit of 1 MiB (tenyo serve --upload-max)' "$D/body" && ok api_write_size_limit_says || bad "api_write_size_limit_says ($(head -c 300 "$D/body"))"
    [ "$(winfo)" = "$before" ] && ok api_write_refused_unchanged || bad "api_write_refused_unchanged ($(winfo) vs $before)"
    # a chunked body over the limit: 413 as soon as the limit is passed,
    # while the body is still coming (it never ends here)
    if python3 - "$PORT" >"$D/chunk" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/add?name=endless.csv HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
sent = 0
try:
    while sent < (64 << 20):
        s.sendall(b"10000\r\n" + b"y" * 0x10000 + b"\r\n"); sent += 0x10000
except OSError:
    pass
s.settimeout(10); a = b""
try:
    while True:
        c = s.recv(4096)
        if not c: break
        a += c
except OSError:
    pass
print(sent, a[:200])
assert a.startswith(b"HTTP/1.1 413") and b"--upload-max" in a and sent < (16 << 20), (sent, a[:200])
PY
    then ok api_write_chunked_over_413_at_once; else bad "api_write_chunked_over_413_at_once ($(tail -c 300 "$D/chunk"))"; fi
    req api_write_after_413_free 200 "$U/api/updates"
    grep -q '"busy":false' "$D/body" && ok api_write_after_413_slot_free || bad "api_write_after_413_slot_free ($(head -c 200 "$D/body"))"
    kill "$PID"; wait "$PID"; PID=
  fi
  # a client that trickles its body a byte at a time holds the one write
  # slot --upload-time seconds at most (each piece re-armed a 30 s
  # deadline: for ever), refused with 408 naming the option; a zstd body
  # that holds more than --upload-decompressed MiB once decompressed is
  # refused naming that option, nothing added
  if TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable --upload-time 2 --upload-decompressed 1; then
    U="http://127.0.0.1:$PORT"
    req api_write_updates_time 200 "$U/api/updates"
    grep -q '"max_seconds":2,"max_decompressed":1048576' "$D/body" && ok api_write_updates_time_limits || bad "api_write_updates_time_limits ($(head -c 200 "$D/body"))"
    if python3 - "$PORT" >"$D/trickle" 2>&1 <<'PY'
import socket, sys, time, json, http.client
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /api/add?name=slow.csv HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n")
t0 = time.time(); a = b""
s.settimeout(0.4)
while time.time() - t0 < 12 and not a:
    try:
        s.sendall(b"x")
    except OSError:
        pass
    try:
        a = s.recv(4096)
    except socket.timeout:
        pass
    except OSError:
        break
took = time.time() - t0
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/api/updates"); u = json.loads(c.getresponse().read())
print(round(took, 1), a[:200], u["busy"])
assert a.startswith(b"HTTP/1.1 408") and b"--upload-time" in a and took < 8, (took, a[:200])
assert not u["busy"], u
PY
    then ok api_write_trickle_408; else bad "api_write_trickle_408 ($(tail -c 300 "$D/trickle"))"; fi
    # a body that stops coming (one byte, or none, after the headers) is
    # answered with the same 408 naming --upload-time when the limit
    # passes (it was closed without a word), and the log says the limit,
    # not the 30 s of a request's headers
    if python3 - "$PORT" >"$D/silent" 2>&1 <<'PY'
import socket, sys, time, json, http.client
port = int(sys.argv[1])
def busy():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/updates"); return json.loads(c.getresponse().read())["busy"]
for first in (b"{", b""):
    t0 = time.time()
    while busy() and time.time() - t0 < 5: time.sleep(0.1)
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(15)
    t0 = time.time()
    s.sendall(b"POST /api/add?name=silent.jsonl HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n" + first)
    a = b""
    while True:
        try:
            b = s.recv(4096)
        except OSError:
            break
        if not b: break
        a += b
    took = time.time() - t0
    print(first, round(took, 1), a[:300])
    head, _, body = a.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408") and took < 8, (took, a[:200])
    assert "--upload-time" in json.loads(body)["error"], body
PY
    then ok api_write_silent_408; else bad "api_write_silent_408 ($(tail -c 400 "$D/silent"))"; fi
    grep -q 'upload not received within 2 s (--upload-time), answered 408' "$D/logw" && ! grep -q 'not received within 30 s' "$D/logw" && ok api_write_silent_logged || bad "api_write_silent_logged ($(grep 'within' "$D/logw" | head -3))"
    if command -v zstd >/dev/null 2>&1; then
      head -n 3 data/sample/sample.jsonl | zstd -q -c >"$D/bomb.zst"
      head -c 8388608 /dev/zero | tr '\0' '\n' | zstd -q -c >"$D/blank.zst"
      cat "$D/blank.zst" "$D/blank.zst" >>"$D/bomb.zst"
      before=$(winfo)
      err api_write_zstd_bomb_413 413 --data-binary @"$D/bomb.zst" "$U/api/add?name=bomb.jsonl.zst"
      grep -q 'bomb.jsonl.zst holds more than 1 MiB once decompressed.*--upload-decompressed); nothing added' "$D/body" && ok api_write_zstd_bomb_says || bad "api_write_zstd_bomb_says ($(head -c 300 "$D/body"))"
      [ "$(winfo)" = "$before" ] && ok api_write_zstd_bomb_unchanged || bad "api_write_zstd_bomb_unchanged ($(winfo) vs $before)"
    else
      echo "skip api_write_zstd_*: no zstd"
    fi
    kill "$PID"; wait "$PID"; PID=
  else
    bad "api_write_time_limits_server_starts ($(head -c 300 "$D/logw"))"
  fi
  # records that change nothing of an indexed patent (a shorter abstract
  # and applicant: the longer kept; nothing but the id) are counted and
  # named (unchanged, unchanged_records), and the merge's notes say which
  # value was kept, as tenyo add says them: records = added + unchanged +
  # skipped
  cp "$D/s.tny" "$D/un.tny"; IDX="$D/un.tny"
  if TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable; then
    U="http://127.0.0.1:$PORT"
    printf '%s\n' '{"id":"SAMPLE-001","abstract":"運転者の眠気を推定する装置。","applicant":"朝霧社"}' '{"id":"SAMPLE-002"}' '{"id":"NEW-UN-1","title":"新しい把持装置","abstract":"把持装置の指部を説明する。"}' >"$D/un.jsonl"
    req api_write_unchanged 200 --data-binary @"$D/un.jsonl" "$U/api/add?name=un.jsonl"
    if python3 -c '
import json,sys; o=json.load(open(sys.argv[1]))
assert (o["records"],o["added"],o["unchanged"],o["skipped"])==(3,1,2,0), o
assert [(u["file"],u["line"],u["id"]) for u in o["unchanged_records"]]==[("un.jsonl",1,"SAMPLE-001"),("un.jsonl",2,"SAMPLE-002")], o
n=[x["message"] for x in o["notes"] if x["line"]==1]
assert any("SAMPLE-001" in m and "abstracts differ" in m and "the longer" in m for m in n), o["notes"]
assert any("applicants differ" in m for m in n), o["notes"]
' "$D/body"; then ok api_write_unchanged_says; else bad "api_write_unchanged_says ($(head -c 600 "$D/body"))"; fi
    # records whose text is near-identical to a patent indexed before (the
    # same text under another number) or to each other are named
    python3 - data/sample/sample.jsonl >"$D/near.jsonl" <<'P'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"SAMPLE-001"' in l][0]
print(json.dumps(dict(r, id="NEAR-1"), ensure_ascii=False))
t = {"title": "水中ドローンの姿勢制御装置", "abstract": "水中ドローンの推進器を四基備え、深度センサと慣性計測装置の出力から姿勢を推定して推進器の出力を調整し、潮流の中でも船体を水平に保つ。", "ipc": ["B63C11/00"], "date": "2024-02-02", "lang": "ja"}
print(json.dumps(dict(t, id="NEAR-2"), ensure_ascii=False))
print(json.dumps(dict(t, id="NEAR-3"), ensure_ascii=False))
print(json.dumps({"id": "NEAR-4", "title": "味噌の熟成容器", "abstract": "杉材の樽に温度計を備え、味噌の熟成温度を記録する。", "ipc": ["A23L11/00"], "date": "2024-02-02", "lang": "ja"}, ensure_ascii=False))
P
    req api_write_near_same 200 --data-binary @"$D/near.jsonl" "$U/api/add?name=near.jsonl"
    if python3 -c '
import json,sys; o=json.load(open(sys.argv[1]))
n=sorted((x["file"],x["line"],x["id"],x["like"]) for x in o["near_same"])
assert n==[("near.jsonl",1,"NEAR-1","SAMPLE-001"),("near.jsonl",2,"NEAR-2","NEAR-3")], n
assert o["near_same_more"]==0 and o["near_checked"]==4 and "read_ids" not in o, o
' "$D/body"; then ok api_write_near_same_named; else bad "api_write_near_same_named ($(head -c 600 "$D/body"))"; fi
    kill "$PID"; wait "$PID"; PID=
  else
    bad "api_write_unchanged_server_starts ($(head -c 300 "$D/logw"))"
  fi
  IDX="$D/w.tny"
  # SIGTERM while a zstd body of 3 records and 2 GiB of blank lines is
  # read (at the default limit): the server stops within seconds (24 s
  # before, reading all of it, then committing), the index as it was
  if command -v zstd >/dev/null 2>&1 && TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable; then
    U="http://127.0.0.1:$PORT"
    head -c 67108864 /dev/zero | tr '\0' '\n' | zstd -q -c >"$D/blank64.zst"
    head -n 3 data/sample/sample.jsonl | zstd -q -c >"$D/bomb2.zst"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32; do cat "$D/blank64.zst"; done >>"$D/bomb2.zst"
    before=$(winfo)
    curl -s --data-binary @"$D/bomb2.zst" "$U/api/add?name=bomb2.jsonl.zst" >"$D/bomb2.out" 2>&1 &
    CP=$!; i=0
    while [ $i -lt 100 ]; do
      curl -s "$U/api/updates" | grep -q '"stage":"\(read\|lock\)"' && break
      sleep 0.05; i=$((i+1))
    done
    t0=$(date +%s%N)
    kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    wait $CP
    if [ "$rc" = 0 ] && [ "$ms" -lt 10000 ]; then ok "api_write_sigterm_prompt ($ms ms)"; else bad "api_write_sigterm_prompt (exit $rc after $ms ms)"; fi
    [ "$(winfo)" = "$before" ] && ok api_write_sigterm_unchanged || bad "api_write_sigterm_unchanged ($(winfo) vs $before)"
    rm -f "$D/blank64.zst" "$D/bomb2.zst"
  fi
  if TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable; then
    U="http://127.0.0.1:$PORT"
    req api_write_add 200 --data-binary @"$D/more.csv" "$U/api/add?name=more.csv"
    cp "$D/body" "$D/added.json"
    if python3 -c '
import json,sys; o=json.load(open(sys.argv[1]))
assert (o["task"],o["file"],o["records"],o["added"],o["replaced"],o["skipped"],o["documents"])==("add","more.csv",30,30,0,1,170), o
s=o["skipped_records"]; assert len(s)==1 and s[0]["file"]=="more.csv" and s[0]["line"]>1 and "without id" in s[0]["message"], s
' "$D/added.json"; then ok api_write_add_says; else bad "api_write_add_says ($(head -c 400 "$D/added.json"))"; fi
    req api_write_add_served 200 "$U/healthz"
    grep -q '"documents":170' "$D/body" && ok api_write_add_reloaded || bad "api_write_add_reloaded ($(cat "$D/body"))"
    # the same update as tenyo add: the same answers afterwards
    "$T" add -q "$D/cli.tny" "$D/more.csv" 2>/dev/null
    "$T" ideas "$D/cli.tny" 特開2099-000150 -n 5 --json >"$D/cli"
    curl -s -X POST --data-binary '{"id":"特開2099-000150","n":5}' "$U/api/ideas" >"$D/srv"
    same api_write_add_same_as_cli "$D/cli" "$D/srv"
    "$T" check "$D/w.tny" >/dev/null 2>&1 && ok api_write_add_check || bad api_write_add_check
    # another writer holds the index's lock: 409, nothing added
    flock -x "$D/w.tny.upd/LOCK" sleep 3 &
    FL=$!; sleep 0.3
    err api_write_busy_409 409 --data-binary @"$D/more.csv" "$U/api/add?name=more.csv"
    grep -q 'nothing added' "$D/body" && ok api_write_busy_says || bad "api_write_busy_says ($(head -c 300 "$D/body"))"
    wait $FL
    printf '\000\001\002binary\377\376' >"$D/junk.csv"
    err api_write_bad_file_400 400 --data-binary @"$D/junk.csv" "$U/api/add?name=junk.csv"
    grep -q 'junk.csv' "$D/body" && ! grep -q "$D/tmp" "$D/body" && ok api_write_bad_file_named || bad "api_write_bad_file_named ($(head -c 300 "$D/body"))"
    err api_write_bad_name_400 400 --data-binary @"$D/more.csv" "$U/api/add?name=a%01b.csv"
    err api_write_get_405 405 "$U/api/add"
    [ "$(winfo)" = "170 1" ] && ok api_write_errors_unchanged || bad "api_write_errors_unchanged ($(winfo))"
    req api_write_licensable 200 --data-binary @data/sample/licensable.csv "$U/api/licensable?name=licensable.csv"
    grep -q '"task":"licensable","file":"licensable.csv","column":"公開番号","lines":31,"resolved":31' "$D/body" && ok api_write_licensable_says || bad "api_write_licensable_says ($(head -c 300 "$D/body"))"
    grep -q '"replaced"' "$D/body" && bad "api_write_licensable_first_replaces_none ($(head -c 300 "$D/body"))" || ok api_write_licensable_first_replaces_none
    req api_write_licensable_served 200 "$U/api/info"
    grep -q '"licensable":{"documents":31' "$D/body" && ok api_write_licensable_reloaded || bad "api_write_licensable_reloaded ($(grep -o '"licensable":.\{0,80\}' "$D/body"))"
    printf '番号\n特開1999-999999\n' >"$D/none.csv"
    req api_write_licensable_none_400 400 --data-binary @"$D/none.csv" "$U/api/licensable?name=none.csv"
    grep -q 'none.csv.*the old list is kept' "$D/body" && ok api_write_licensable_none_kept || bad "api_write_licensable_none_kept ($(head -c 300 "$D/body"))"
    # the page is told the index's file name, never where the server keeps it
    grep -q 'a patent of w.tny (' "$D/body" && ! grep -q "$D" "$D/body" && ok api_write_no_server_path || bad "api_write_no_server_path ($(head -c 300 "$D/body"))"
    printf '番号,名前\n特開2099-000150,テスト\n' | iconv -f UTF-8 -t SHIFT_JIS >"$D/sjis.csv"
    req api_write_licensable_sjis 200 --data-binary @"$D/sjis.csv" "$U/api/licensable?name=sjis.csv"
    grep -q '"column":"番号"' "$D/body" && ok api_write_licensable_sjis_column_name || bad "api_write_licensable_sjis_column_name ($(head -c 300 "$D/body"))"
    # a list replaces the earlier one: the answer names it and its count
    grep -q '"replaced":{"file":"licensable.csv","listed":31}' "$D/body" && ok api_write_licensable_says_replaced || bad "api_write_licensable_says_replaced ($(head -c 300 "$D/body"))"
    [ -z "$(ls "$D/tmp")" ] && ok api_write_no_temporary_left || bad "api_write_no_temporary_left ($(ls "$D/tmp"))"
    # after a refusal (an empty list: 400) the slot is free when the answer
    # comes: the next upload, sent at once, is not told another is applied
    if python3 - "$PORT" >"$D/n409" 2>&1 <<'PY'
import http.client, sys
n409, said = 0, b""
for i in range(50):
    for body, name in ((b"", "empty%d.txt" % i), (b"x", "one.txt")):
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
        c.request("POST", "/api/licensable?name=" + name, body=body)
        r = c.getresponse(); d = r.read(); c.close()
        if r.status == 409: n409 += 1; said = d
assert n409 == 0, (n409, said[:200])
PY
    then ok api_write_after_400_no_409; else bad "api_write_after_400_no_409 ($(tail -c 300 "$D/n409"))"; fi
    # killed while the body comes in, then while the update is applied:
    # the index as it was, its lock free for the next writer
    before=$(winfo)
    curl -s --limit-rate 200K --data-binary @"$D/big.csv" "$U/api/add?name=big.csv" >/dev/null 2>&1 &
    CP=$!; sleep 1
    kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=; wait $CP
    [ "$(winfo)" = "$before" ] && ok api_write_killed_receiving_unchanged || bad "api_write_killed_receiving_unchanged ($(winfo) vs $before)"
    left=$(ls "$D/tmp")
    # the body the killed server left is removed by the next --writable
    # start; another index's, of a process still running, is not
    other="tenyo-upload-0.0-other.tny-$$-abcdef"
    mkdir "$D/tmp/$other"
    if TMPDIR="$D/tmp" start_server "$D/logw" --threads 2 --writable; then
      U="http://127.0.0.1:$PORT"
      [ -n "$left" ] && [ "$(ls "$D/tmp")" = "$other" ] && grep -q 'removed 1 upload left' "$D/logw" && ok api_write_killed_body_removed_at_start || bad "api_write_killed_body_removed_at_start (left '$left', now '$(ls "$D/tmp")')"
      rmdir "$D/tmp/$other"
      curl -s --data-binary @"$D/big.csv" "$U/api/add?name=big.csv" >/dev/null 2>&1 &
      CP=$!; i=0; st=
      while [ $i -lt 200 ]; do
        st=$(curl -s "$U/api/updates" | sed -n 's/.*"stage":"\([a-z]*\)".*/\1/p')
        case "$st" in commit|svd|write) break;; esac
        sleep 0.05; i=$((i+1))
      done
      kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=; wait $CP
      echo "     (killed at stage '$st')"
      [ "$(winfo)" = "$before" ] && ok api_write_killed_applying_unchanged || bad "api_write_killed_applying_unchanged ($(winfo) vs $before, stage $st)"
    fi
    "$T" check "$D/w.tny" >"$D/chk" 2>&1 && ok api_write_killed_check || bad "api_write_killed_check ($(head -c 300 "$D/chk"))"
    "$T" add -q "$D/w.tny" "$D/big.csv" 2>"$D/adderr" && ok api_write_killed_lock_free || bad "api_write_killed_lock_free ($(head -c 300 "$D/adderr"))"
  else
    bad "api_write_server_starts ($(head -c 300 "$D/logw"))"
  fi
  IDX=
  "$T" serve "$D/s.tny" --writable --ipc-titles - </dev/null >/dev/null 2>&1; [ $? = 1 ] && ok api_write_titles_stdin_refused || bad api_write_titles_stdin_refused
else
  echo "skip api_write_*: python3 missing"
fi

# worksheets saved by a read-only server: only for a patent of the index,
# within --worksheets and --worksheets-mb; the library's checker (a field
# kept and rejected refused); a body as large as a worksheet file may be; a
# damaged saved file or a directory in its place: 409 saying how to repair
cp "$D/s.tny" "$D/wl.tny"; rm -rf "$D/wl.tny.worksheets"
IDX="$D/wl.tny"
if start_server "$D/logl" --threads 2 --worksheets 2 --worksheets-mb 1; then
  U="http://127.0.0.1:$PORT"
  wpost() { req "$1" "$2" -X POST -H Content-Type:application/json --data-binary "$3" "$U/api/worksheet"; }
  wpost api_worksheet_unknown_patent 404 '{"tenyo_worksheet":1,"patent":"NOT-IN-INDEX"}'
  grep -q 'NOT-IN-INDEX is not in the index' "$D/body" && ok api_worksheet_unknown_patent_said || bad "api_worksheet_unknown_patent_said ($(head -c 200 "$D/body"))"
  [ ! -e "$D/wl.tny.worksheets/patent-NOT-IN-INDEX.json" ] && ok api_worksheet_unknown_patent_not_saved || bad api_worksheet_unknown_patent_not_saved
  wpost api_worksheet_kept_and_rejected 400 '{"tenyo_worksheet":1,"patent":"SAMPLE-001","cards":[{"field":"G07C","decision":"kept"},{"field":"G07C","decision":"rejected"}]}'
  grep -q 'G07C has a card already' "$D/body" && ok api_worksheet_kept_and_rejected_said || bad "api_worksheet_kept_and_rejected_said ($(head -c 200 "$D/body"))"
  python3 -c 'import json; print(json.dumps({"tenyo_worksheet":1,"patent":"SAMPLE-001","cards":[{"field":"%s%02d%s" % ("ABCD"[i//100], i%100, "B"), "decision":"kept"} for i in range(300)]}))' >"$D/k300.json"
  req api_worksheet_over_steer_limit 400 -X POST -H Content-Type:application/json --data-binary @"$D/k300.json" "$U/api/worksheet"
  grep -q 'more than 256 kept' "$D/body" && ok api_worksheet_over_steer_limit_said || bad "api_worksheet_over_steer_limit_said ($(head -c 200 "$D/body"))"
  python3 -c 'import json; print(json.dumps({"tenyo_worksheet":1,"patent":"SAMPLE-001","cards":[{"field":"G%02dB" % i, "decision":"kept","note":"x"*16000} for i in range(5)]}))' >"$D/w80k.json"
  req api_worksheet_80kb_as_cli_writes 200 -X POST -H Content-Type:application/json --data-binary @"$D/w80k.json" "$U/api/worksheet"
  wpost api_worksheet_second 200 '{"tenyo_worksheet":1,"patent":"SAMPLE-002"}'
  wpost api_worksheet_count_limit 409 '{"tenyo_worksheet":1,"patent":"SAMPLE-003"}'
  grep -q 'at most 2 worksheets (--worksheets)' "$D/body" && ok api_worksheet_count_limit_said || bad "api_worksheet_count_limit_said ($(head -c 200 "$D/body"))"
  wpost api_worksheet_replace_within_limit 200 '{"tenyo_worksheet":1,"patent":"SAMPLE-002","strike":["x"]}'
  # a folder over the limit (the CLI added a sheet, or the server was
  # started with a lower --worksheets): a sheet already there is still
  # replaced, a new one still refused
  cp "$D/wl.tny.worksheets/patent-SAMPLE-002.json" "$D/wl.tny.worksheets/patent-SAMPLE-004.json"
  sed -i 's/SAMPLE-002/SAMPLE-004/' "$D/wl.tny.worksheets/patent-SAMPLE-004.json"
  wpost api_worksheet_replace_over_limit 200 '{"tenyo_worksheet":1,"patent":"SAMPLE-002","strike":["y"]}'
  wpost api_worksheet_new_over_limit 409 '{"tenyo_worksheet":1,"patent":"SAMPLE-005"}'
  rm "$D/wl.tny.worksheets/patent-SAMPLE-004.json"
  echo '{broken' >"$D/wl.tny.worksheets/patent-SAMPLE-002.json"
  req api_worksheet_damaged_on_disk 409 "$U/api/worksheet?patent=SAMPLE-002"
  grep -q 'damaged.*repair' "$D/body" && ok api_worksheet_damaged_on_disk_said || bad "api_worksheet_damaged_on_disk_said ($(head -c 300 "$D/body"))"
  rm "$D/wl.tny.worksheets/patent-SAMPLE-002.json"; mkdir "$D/wl.tny.worksheets/patent-SAMPLE-002.json"
  wpost api_worksheet_key_is_directory 409 '{"tenyo_worksheet":1,"patent":"SAMPLE-002"}'
  grep -q 'is a directory' "$D/body" && ok api_worksheet_key_is_directory_said || bad "api_worksheet_key_is_directory_said ($(head -c 200 "$D/body"))"
  kill "$PID"; wait "$PID"; PID=
else
  bad "api_worksheet_limits_server_starts ($(head -c 300 "$D/logl"))"
fi
IDX=
"$T" serve "$D/s.tny" --worksheets -1 >/dev/null 2>&1; [ $? = 1 ] && ok api_worksheets_option_checked || bad api_worksheets_option_checked

"$T" serve >/dev/null 2>&1; [ $? = 1 ] && ok api_usage_exit_1 || bad api_usage_exit_1
"$T" serve "$D/s.tny" --port 70000 >/dev/null 2>&1; [ $? = 1 ] && ok api_bad_port_exit_1 || bad api_bad_port_exit_1
"$T" serve "$D/s.tny" --bind nowhere >/dev/null 2>&1; [ $? = 1 ] && ok api_bad_bind_exit_1 || bad api_bad_bind_exit_1
"$T" serve "$D/none.tny" >/dev/null 2>&1; [ $? = 3 ] && ok api_missing_index_exit_3 || bad api_missing_index_exit_3
"$T" serve --help >"$D/out" 2>&1; [ $? = 0 ] && grep -q 'api/ideas' "$D/out" && ok api_help || bad api_help

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
