#!/bin/sh
# options.sh — every option that takes a number or a choice, with its valid
# range: a value just below, just above and not a number (or not a choice)
# must be exit 1 with "tenyo COMMAND: OPTION must be ..." naming the range,
# the one-line usage and "see 'tenyo COMMAND --help'" — never the whole
# help; the edges of the range must be accepted (they reach the next check,
# a missing index: exit 3, or --help: exit 0). Then "did you mean" for
# commands and options, -V, and `-` as standard input wherever a FILE is
# taken. The table is docs/commands.md's "Options and their ranges". Prints
# "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/options.sh
T=${TENYO:-build/tenyo}
# the messages checked are the English ones (a Japanese locale gives a Japanese hint)
unset LC_ALL LC_MESSAGES; LANG=C.UTF-8; export LANG
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-opts-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }
N="$D/none.tny"   # no such index: a value that passes parsing ends at exit 3

# usage_error NAME WANT CMD ARGS...: exit 1, message WANT with the command's
# prefix, the short usage and the pointer to --help, not the help itself
usage_error() {
  name=$1; want=$2; shift 2; c=$1
  "$T" "$@" >"$D/out" 2>"$D/err"; rc=$?
  if [ "$rc" != 1 ]; then bad "$name (exit $rc, want 1: $(head -c 200 "$D/err"))"; return; fi
  if ! grep -qF -- "tenyo $c: $want" "$D/err"; then bad "$name (no 'tenyo $c: $want' in: $(head -c 300 "$D/err"))"; return; fi
  if ! grep -qF "see 'tenyo $c --help'" "$D/err" || [ "$(wc -l <"$D/err")" -gt 4 ]; then
    bad "$name (not a short usage: $(wc -l <"$D/err") lines)"; return
  fi
  ok "$name"
}
# accepted NAME CMD ARGS...: the value passes (exit is not 1)
accepted() {
  name=$1; shift
  "$T" "$@" >"$D/out" 2>"$D/err"; rc=$?
  if [ "$rc" != 1 ]; then ok "$name"; else bad "$name (exit 1: $(head -c 200 "$D/err"))"; fi
}

# command | option | min | max | the arguments that complete the command
# (int: integers; num: reals, min inclusive; num>: min exclusive)
while IFS='|' read -r cmd opt kind lo hi rest; do
  [ -z "$cmd" ] && continue
  set -- $rest
  case $kind in
    int)
      usage_error "range_${cmd}_${opt}_below" "$opt must be an integer from $lo to $hi, not '$((lo - 1))'" $cmd "$opt" "$((lo - 1))" "$@"
      usage_error "range_${cmd}_${opt}_above" "$opt must be an integer from $lo to $hi, not '$((hi + 1))'" $cmd "$opt" "$((hi + 1))" "$@"
      usage_error "range_${cmd}_${opt}_nan" "$opt must be an integer from $lo to $hi, not '1x'" $cmd "$opt" 1x "$@"
      accepted "range_${cmd}_${opt}_min" $cmd "$opt" "$lo" "$@"
      accepted "range_${cmd}_${opt}_max" $cmd "$opt" "$hi" "$@" ;;
    num|num\>)
      [ "$kind" = num ] && w="from $lo to $hi" || w="above $lo and at most $hi"
      usage_error "range_${cmd}_${opt}_below" "$opt must be a number $w, not '-0.5'" $cmd "$opt" -0.5 "$@"
      usage_error "range_${cmd}_${opt}_above" "$opt must be a number $w, not '$hi.5'" $cmd "$opt" "$hi.5" "$@"
      usage_error "range_${cmd}_${opt}_nan" "$opt must be a number $w, not 'x'" $cmd "$opt" x "$@"
      [ "$kind" = num ] && accepted "range_${cmd}_${opt}_min" $cmd "$opt" "$lo" "$@"
      accepted "range_${cmd}_${opt}_max" $cmd "$opt" "$hi" "$@" ;;
    choice)
      usage_error "choice_${cmd}_${opt}" "$opt must be one of $lo; not 'bogus'" $cmd "$opt" bogus "$@"
      accepted "choice_${cmd}_${opt}_ok" $cmd "$opt" "$hi" "$@" ;;
  esac
done <<EOF
index|--dim|int|1|4096|-o $D/x.tny $D/none.jsonl
index|--threads|int|0|256|-o $D/x.tny $D/none.jsonl
index|--min-df|int|1|1000000000|-o $D/x.tny $D/none.jsonl
index|--max-df|num>|0|1|-o $D/x.tny $D/none.jsonl
index|--power-iters|int|0|50|-o $D/x.tny $D/none.jsonl
index|--oversample|int|0|1000|-o $D/x.tny $D/none.jsonl
index|--max-terms|int|1|1000000|-o $D/x.tny $D/none.jsonl
index|--format|choice|auto, jsonl, jplatpat, jpo-xml|jsonl|-o $D/x.tny $D/none.jsonl
similar|-k|int|1|10000|$N X
similar|--hybrid-weight|num|0|1|$N X
similar|--nprobe|int|1|1000000|$N X
similar|--rerank|int|1|1000000|$N X
similar|--mode|choice|tfidf, lsa, hybrid|lsa|$N X
similar|--scan|choice|auto, fp32, int8|int8|$N X
similar|--kind|choice|application, grant|grant|$N X
search|-k|int|1|10000|$N X
ideas|-n|int|1|100|$N X
ideas|--novelty|num|0|1|$N X
ideas|--min-confidence|num|0|1|$N X
ideas|--min-usable|num|0|1|$N X
ideas|--min-content|num|0|1|$N X
ideas|--knn|int|1|100000|$N X
ideas|--nprobe|int|1|1000000|$N X
ideas|--rerank|int|1|1000000|$N X
ideas|--mode|choice|tfidf, lsa, hybrid|tfidf|$N X
ideas|--distance|choice|section, class, subclass|section|$N X
ideas|--lang|choice|ja, en|en|$N X
match|-k|int|1|100|$N --text x
match|--min-confidence|num|0|1|$N --text x
match|--mode|choice|tfidf, lsa, hybrid|lsa|$N --text x
match|--distance|choice|section, class, subclass|section|$N --text x
match|--lang|choice|ja, en|en|$N --text x
profile|-n|int|1|100|$N
profile|--min-confidence|num|0|1|$N
profile|--distance|choice|section, class, subclass|section|$N
profile|--lang|choice|ja, en|en|$N
serve|--port|int|0|65535|$N
serve|--threads|int|1|64|$N
add|--threads|int|0|256|$N $D/none.jsonl
add|--format|choice|auto, jsonl, jplatpat, jpo-xml|jsonl|$N $D/none.jsonl
rebuild|--threads|int|0|256|$N
eval|--modulus|int|2|1000000|$D/none.jsonl
eval|--hybrid-weight|num|0|1|$D/none.jsonl
eval|--knn|int|1|100000|$D/none.jsonl
eval|--novelty|num|0|1|$D/none.jsonl
eval|--field-norm|num|0|2|$D/none.jsonl
eval|--serendipity-from|int|0|100|$D/none.jsonl
eval|--prior-weight|num|0|10|$D/none.jsonl
eval|--min-confidence|num|0|1|$D/none.jsonl
eval|--dim|int|1|4096|$D/none.jsonl
eval|--mode|choice|all, tfidf, lsa, hybrid|lsa|$D/none.jsonl
eval|--protocol|choice|S, X, all|S|$D/none.jsonl
eval|--ideas-mode|choice|tfidf, lsa, hybrid|lsa|$D/none.jsonl
EOF

# docs/commands.md's table "Options and their ranges" lists every row above
sed -n '/^done <<EOF$/,/^EOF$/p' "$0" | sed '1d;$d' | while IFS='|' read -r cmd opt kind lo hi rest; do
  case $kind in int) r="integer $lo to $hi";; num) r="number $lo to $hi";;
    'num>') r="number above $lo, at most $hi";; choice) r="one of $lo";; esac
  row="| \`$cmd\` | \`$opt\` | $r | 1 |"
  grep -qF -- "$row" docs/commands.md || echo "$row"
done >"$D/missing"
[ ! -s "$D/missing" ] && ok readme_options_table || bad "readme_options_table (docs/commands.md lacks: $(head -3 "$D/missing" | tr '\n' ' '))"

# man/tenyo.1 gives the same ranges: the entry of each numeric option in
# its command's section names "LO to HI" ("above LO and at most HI")
sed -n '/^done <<EOF$/,/^EOF$/p' "$0" | sed '1d;$d' | while IFS='|' read -r cmd opt kind lo hi rest; do
  case $kind in int|num) r="$lo to $hi";; 'num>') r="above $lo and at most $hi";; *) continue;; esac
  up=$(echo "$cmd" | tr a-z A-Z)
  f=$(echo "$opt" | sed -e 's/^--/Fl \\\\-/' -e 's/^-\([a-z]\)$/Fl \1/')
  entry=$(awk -v s="TENYO $up" -v f="$f" '/^\.Sh /{on = (substr($0, 5) == s)}
    on && /^\.It / {inside = (index($0, f " ") > 0 || substr($0, length($0) - length(f) + 1) == f)}
    on && inside' man/tenyo.1 | tr '\n' ' ')
  case $entry in *"$r"*) ;; *) echo "$cmd $opt: '$r' not in: $entry";; esac
done >"$D/manmissing"
[ ! -s "$D/manmissing" ] && ok man_options_ranges || bad "man_options_ranges ($(head -3 "$D/manmissing" | tr '\n' ' '))"

# a --modes list naming no mode is refused, not read as the default modes
usage_error choice_bench_--modes_empty "--modes ',' names no mode" bench -m , "$N"
usage_error choice_bench_--modes_blank "--modes '' names no mode" bench --modes= "$N"
# --ivf[=LISTS]: an optional value, so only with '='
usage_error range_index_--ivf_below "--ivf must be an integer from 1 to 1000000, not '0'" index --ivf=0 -o "$D/x.tny" x
usage_error range_index_--ivf_above "--ivf must be an integer from 1 to 1000000, not '1000001'" index --ivf=1000001 -o "$D/x.tny" x
usage_error range_index_--ivf_nan "--ivf must be an integer from 1 to 1000000, not 'x'" index --ivf=x -o "$D/x.tny" x
accepted range_index_--ivf_min index --ivf=1 -o "$D/x.tny" "$D/none.jsonl"
accepted range_index_--ivf_max index --ivf=1000000 -o "$D/x.tny" "$D/none.jsonl"
usage_error range_rebuild_--ivf_below "--ivf must be an integer from 1 to 1000000, not '0'" rebuild --ivf=0 "$N"
usage_error range_rebuild_--ivf_above "--ivf must be an integer from 1 to 1000000, not '1000001'" rebuild --ivf=1000001 "$N"
usage_error range_rebuild_--ivf_nan "--ivf must be an integer from 1 to 1000000, not 'x'" rebuild --ivf=x "$N"
accepted range_rebuild_--ivf_min rebuild --ivf=1 "$N"
accepted range_rebuild_--ivf_max rebuild --ivf=1000000 "$N"

# values that are neither numbers nor choices
usage_error seed_negative "--seed must be an integer from 0 to 18446744073709551615, not '-1'" index --seed -1 -o "$D/x.tny" x
usage_error encoding_unknown "--encoding: unknown encoding 'klingon'" index --encoding klingon -o "$D/x.tny" x
usage_error add_encoding_unknown "--encoding: unknown encoding 'klingon'" add --encoding klingon "$N" x
usage_error eval_reference_bad "--reference must be RECALL5,SERENDIPITY10" eval --reference 0.8 x
usage_error index_output_stdin "-o -: an index is a file" index -o - x
# filters of similar and ideas: a date, IPC codes, an applicant name
for c in similar ideas; do
  usage_error "${c}_date_from_bad" "--date-from must be a date YYYY, YYYY-MM or YYYY-MM-DD, not '2024-13'" $c --date-from 2024-13 "$N" X
  usage_error "${c}_date_to_bad" "--date-to must be a date YYYY, YYYY-MM or YYYY-MM-DD, not '2024-02-30'" $c --date-to 2024-02-30 "$N" X
  usage_error "${c}_date_words" "--date-from must be a date YYYY, YYYY-MM or YYYY-MM-DD, not 'yesterday'" $c --date-from yesterday "$N" X
  accepted "${c}_date_ok" $c --date-from 2024 --date-to 2024-02-29 "$N" X
  usage_error "${c}_fields_bad" "--fields must be IPC sections, classes or subclasses (G, G06, G06F), comma-separated, not 'Z99'" $c --fields G06,Z99 "$N" X
  usage_error "${c}_exclude_fields_bad" "--exclude-fields must be IPC sections, classes or subclasses (G, G06, G06F), comma-separated, not 'G0'" $c --exclude-fields G0 "$N" X
  accepted "${c}_fields_ok" $c --fields g06f,B60 --exclude-fields H "$N" X
  usage_error "${c}_applicant_empty" "--applicant needs a name" $c --applicant " " "$N" X
  usage_error "${c}_exclude_applicant_empty" "--exclude-applicant needs a name" $c --exclude-applicant "" "$N" X
  usage_error "${c}_keywords_empty" "--keywords needs a query" $c --keywords " " "$N" X
done
for o in --date-from=2024-13 --fields=Z9 --applicant=; do
  "$T" search "$N" x "$o" >/dev/null 2>"$D/err"; rc=$?
  [ "$rc" = 1 ] && grep -q "see 'tenyo search --help'" "$D/err" && ok "search_filter_${o%%=*}" || bad "search_filter_${o%%=*} (exit $rc)"
done
usage_error option_missing_value "option '--dim' needs a value" index -o "$D/x.tny" x --dim
usage_error option_no_value "option '--json' takes no value" info --json=1 "$N"
usage_error option_did_you_mean "unknown option '--dimm'; did you mean '--dim'?" index --dimm 3 -o "$D/x.tny" x
usage_error option_did_you_mean_similar "unknown option '--hybrid-weigth'; did you mean '--hybrid-weight'?" similar --hybrid-weigth 0.5 "$N" X
# the one option sharing its first four letters or more: --write for --writable
usage_error option_did_you_mean_prefix "unknown option '--write'; did you mean '--writable'?" serve --write "$N"
usage_error option_ambiguous "option '--no' is ambiguous: --no-abstracts --no-parts --no-stem" index --no -o "$D/x.tny" x
usage_error choice_did_you_mean "--mode must be one of tfidf, lsa, hybrid; not 'hybird' (did you mean 'hybrid'?)" similar --mode hybird "$N" X
usage_error no_index "no INDEX" info

"$T" similr >"$D/out" 2>"$D/err"; rc=$?
if [ $rc = 1 ] && grep -qF "tenyo: unknown command 'similr'; did you mean 'similar'?" "$D/err" &&
   [ "$(wc -l <"$D/err")" -le 3 ]; then ok command_did_you_mean; else bad "command_did_you_mean (exit $rc: $(cat "$D/err"))"; fi
"$T" --hepl >"$D/out" 2>"$D/err"; rc=$?
[ $rc = 1 ] && grep -qF "tenyo: unknown option '--hepl'; did you mean '--help'?" "$D/err" &&
  ok main_option_did_you_mean || bad "main_option_did_you_mean (exit $rc: $(cat "$D/err"))"
"$T" -V >"$D/out" 2>&1 && grep -q '^tenyo [0-9]' "$D/out" && ok version_short || bad version_short
"$T" --version >"$D/out" 2>&1 && grep -q '^tenyo [0-9]' "$D/out" && ok version_long || bad version_long

# `-` is standard input wherever a FILE is read
"$T" index -q -o "$D/s.tny" - <data/sample/sample.jsonl >"$D/out" 2>"$D/err" && grep -q "indexed 200 docs" "$D/err" &&
  ok stdin_index || bad "stdin_index: $(head -c 300 "$D/err")"
printf 'robot gripper with soft fingers\n' | "$T" similar "$D/s.tny" --file - -k 2 --json >"$D/out" 2>"$D/err" &&
  grep -q SAMPLE- "$D/out" && ok stdin_similar_file || bad "stdin_similar_file: $(head -c 300 "$D/err")"
printf '運転者の眠気を検出する\n' | "$T" ideas "$D/s.tny" --file - -n 2 --json >"$D/out" 2>"$D/err" &&
  grep -q '"ideas"' "$D/out" && ok stdin_ideas_file || bad "stdin_ideas_file: $(head -c 300 "$D/err")"
printf '{"id": "SAMPLE-001"}\n' | "$T" ideas "$D/s.tny" --batch - -n 2 >"$D/out" 2>"$D/err" &&
  grep -q '"ideas"' "$D/out" && ok stdin_ideas_batch || bad "stdin_ideas_batch: $(head -c 300 "$D/err")"
printf '半導体基板\n' | "$T" tokens --file - >"$D/out" 2>"$D/err" && grep -q 半導体 "$D/out" &&
  ok stdin_tokens || bad "stdin_tokens: $(head -c 300 "$D/err")"
if [ -f tests/data/ipc_titles_ja.tsv ]; then
  "$T" ideas "$D/s.tny" SAMPLE-001 -n 2 --ipc-titles - <tests/data/ipc_titles_ja.tsv >"$D/out" 2>"$D/err" &&
    ok stdin_ipc_titles || bad "stdin_ipc_titles: $(head -c 300 "$D/err")"
fi
head -n 5 data/sample/sample.jsonl | sed 's/"SAMPLE-/"NEW-/' | "$T" add -q "$D/s.tny" - >"$D/out" 2>"$D/err" &&
  grep -q "added 5 documents" "$D/err" && ok stdin_add || bad "stdin_add: $(head -c 300 "$D/err")"
printf 'NEW-001\nNEW-002\n' | "$T" delete "$D/s.tny" --from - >"$D/out" 2>"$D/err" &&
  grep -q "deleted 2 documents" "$D/err" && ok stdin_delete || bad "stdin_delete: $(head -c 300 "$D/err")"
# a bad record read from stdin is named <stdin>
printf '{"id": "A", "title": "x"}\n{"broken\n' | "$T" index -o "$D/t.tny" - >"$D/out" 2>"$D/err"
grep -q "<stdin>:2" "$D/err" && ok stdin_named_in_messages || bad "stdin_named_in_messages: $(head -c 300 "$D/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
