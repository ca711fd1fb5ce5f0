#!/bin/sh
# man.sh — the man pages: lint (mandoc -T lint at WARNING level, and groff
# through `man --warnings`), and no drift between `tenyo COMMAND --help` and
# man/tenyo.1: for every command the option list of its --help (the lines
# that start with an option) and the .It Fl lines of its "TENYO COMMAND"
# section must name the same options, and every one of them must be one
# the command accepts. The same for the Japanese: under a Japanese locale
# (LC_ALL, then LC_MESSAGES, then LANG starting with "ja") --help is
# Japanese, with the same options as the English, and man/ja/tenyo.1 names
# them too. libtenyo(3)'s SYNOPSIS (both languages) lists every call
# tenyo.h declares, and only those. (The pages' examples run in
# tests/man_examples.sh.) Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/man.sh
T=${TENYO:-build/tenyo}
# the English texts whatever the caller's locale; the Japanese ones below
# set their own (en / ja: the command under a clean C or ja_JP locale)
unset LC_ALL LC_MESSAGES LANGUAGE
LANG=C.UTF-8; export LANG
en() { LANG=C.UTF-8 "$@"; }
ja() { LANG=ja_JP.UTF-8 "$@"; }
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-man-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }

for m in man/tenyo.1 man/libtenyo.3 man/ja/tenyo.1 man/ja/libtenyo.3; do
  case $m in man/ja/*) [ -e "$m" ] || continue; n=ja_$(basename "$m");; *) n=$(basename "$m");; esac
  if command -v mandoc >/dev/null 2>&1; then
    if mandoc -T lint -W warning "$m" >"$D/lint" 2>&1; then ok "man_lint_mandoc_$n"
    else bad "man_lint_mandoc_$n: $(head -c 600 "$D/lint")"; fi
  else
    echo "skip man_lint_mandoc_$n (mandoc not installed: apt-get install mandoc)"
  fi
  if command -v man >/dev/null 2>&1; then
    # a Japanese page as groff sets Japanese (ja.tmac: lines break between
    # Japanese characters, which have no spaces to break at)
    case $m in man/ja/*) roff=-mja;; *) roff=;; esac
    MANROFFOPT=$roff MANWIDTH=80 man --warnings -l "$m" >"$D/page" 2>"$D/warn"
    if [ -s "$D/page" ] && [ ! -s "$D/warn" ]; then ok "man_lint_groff_$n"
    else bad "man_lint_groff_$n: $(head -c 600 "$D/warn")"; fi
  fi
  # a page under ja/ as man-db sets it for `man -L ja` (ja.tmac, Japanese
  # hyphenation) at several widths: groff 1.22 once looped for ever on a
  # long run of Latin words joined by 、 (and at below 39 columns on any
  # mdoc page, English too, so narrower is not tried)
  if [ "${m#man/ja/}" != "$m" ] && command -v troff >/dev/null 2>&1 && command -v preconv >/dev/null 2>&1; then
    { printf '.mso ja.tmac\n.hla ja\n'; preconv -e UTF-8 "$m"; } >"$D/jin"
    hung=
    for w in 40 60 80 100 132; do
      timeout 20 troff -mtty-char -mandoc -Tutf8 -rLL=${w}n -rLT=${w}n "$D/jin" >/dev/null 2>&1 || hung="$hung $w"
    done
    [ -z "$hung" ] && ok "man_ja_formats_$n" || bad "man_ja_formats_$n (troff hung or failed at width$hung)"
  fi
done

# opts: option names in a list, one per line, sorted; -h/--help left out
# (every command has them, the page says so once)
opts() { grep -o -e '--[a-z][a-z0-9-]*' -e '-[a-zA-Z]\b' | grep -v -x -e '-h' -e '--help' | sort -u; }
help_opts() { # the option column of the lines of --help that start with an option
  ${2:-en} "$T" "$1" --help | sed -n 's/^ \{1,\}\(-.*\)$/\1/p' | sed 's/  .*//' | opts
}
man_opts() { # the .It Fl lines of section "TENYO CMD" of page $2 (man/tenyo.1)
  up=$(echo "$1" | tr a-z A-Z)
  awk -v s="TENYO $up" '/^\.Sh /{on = (substr($0, 5) == s)} on && /^\.It Fl /' "${2:-man/tenyo.1}" |
    sed -e 's/Fl \\-/--/g' -e 's/Fl /-/g' -e 's/^\.It //' | opts
}

cmds=$("$T" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p' | grep -v -x version)
[ -n "$cmds" ] && ok man_commands_listed || bad man_commands_listed
for c in $cmds; do
  help_opts "$c" >"$D/h.$c"
  man_opts "$c" >"$D/m.$c"
  up=$(echo "$c" | tr a-z A-Z)
  if ! grep -q "^\.Sh TENYO $up\$" man/tenyo.1; then bad "man_section_$c (no .Sh TENYO $up)"; continue; fi
  if [ -s "$D/h.$c" ] && diff "$D/h.$c" "$D/m.$c" >"$D/diff"; then ok "man_help_same_options_$c"
  else bad "man_help_same_options_$c (< --help, > man: $(tr '\n' ' ' <"$D/diff"))"; fi
  # every listed option is one the command knows (not "unknown option")
  unknown=
  for o in $(cat "$D/h.$c"); do
    case $o in --*) a="$o=1";; *) a="$o";; esac
    "$T" "$c" "$a" --help >/dev/null 2>"$D/err"
    grep -q "unknown option" "$D/err" && unknown="$unknown $o"
  done
  [ -z "$unknown" ] && ok "man_options_accepted_$c" || bad "man_options_accepted_$c:$unknown"
done

# ----------------------------------------------------------- Japanese
# tenyo --help under a Japanese locale: Japanese, the same commands
en "$T" --help >"$D/en.main"; ja "$T" --help >"$D/ja.main"
cmdlist() { sed -n 's/^  \([a-z]*\)  .*/\1/p' "$1"; }
if grep -q '^使い方: tenyo ' "$D/ja.main" && ! grep -q '^usage:' "$D/ja.main" &&
   [ "$(cmdlist "$D/ja.main")" = "$(cmdlist "$D/en.main")" ]; then ok help_ja_main
else bad "help_ja_main (not Japanese, or not the same commands: $(head -3 "$D/ja.main" | tr '\n' ' '))"; fi
grep -q '^usage: tenyo ' "$D/en.main" && ok help_en_main || bad help_en_main
# which locale variable wins: LC_ALL, then LC_MESSAGES, then LANG; empty is unset
lang_of() { # ja | en | ? for the help printed under the environment "$@"
  env -u LC_ALL -u LC_MESSAGES -u LANG "$@" "$T" similar --help >"$D/loc" 2>&1 || { echo "exit$?"; return; }
  if head -1 "$D/loc" | grep -q '^使い方: tenyo similar '; then echo ja
  elif head -1 "$D/loc" | grep -q '^usage: tenyo similar '; then echo en; else echo '?'; fi
}
while read -r want vars; do
  # shellcheck disable=SC2086 # the variables are words
  got=$(lang_of $vars)
  [ "$got" = "$want" ] && ok "help_locale_$want: ${vars:-none set}" || bad "help_locale (${vars:-none set}: got $got, want $want)"
done <<EOF
ja LANG=ja_JP.UTF-8
ja LANG=ja_JP
ja LANG=ja
ja LANG=ja_JP.eucJP
en LANG=C
en LANG=en_US.UTF-8
en LANG=jam
ja LC_ALL=ja_JP.UTF-8 LANG=C
en LC_ALL=C LANG=ja_JP.UTF-8
ja LC_MESSAGES=ja_JP.UTF-8 LANG=C
en LC_MESSAGES=C LANG=ja_JP.UTF-8
en LC_ALL=C.UTF-8 LC_MESSAGES=ja_JP.UTF-8
ja LC_ALL= LANG=ja_JP.UTF-8
en
EOF
# every command: Japanese help, exit 0, the same options as the English
for c in $cmds; do
  ja "$T" "$c" --help >"$D/ja.$c" 2>&1; rc=$?
  en "$T" "$c" --help >"$D/en.$c" 2>&1
  if [ "$rc" = 0 ] && head -1 "$D/ja.$c" | grep -q "^使い方: tenyo $c" && ! grep -q '^usage:' "$D/ja.$c" &&
     ! cmp -s "$D/ja.$c" "$D/en.$c"; then ok "help_ja_$c"
  else bad "help_ja_$c (exit $rc: $(head -1 "$D/ja.$c"))"; fi
  # within 80 columns on a terminal (wc -L counts a Japanese character as 2),
  # the usage lines aside, as in the English
  wide=$(grep -v -e '^使い方: ' -e '^ *\[' "$D/ja.$c" | while IFS= read -r l; do
    [ "$(printf '%s\n' "$l" | wc -L)" -gt 80 ] && printf '%s\n' "$l"; done | head -1)
  [ -z "$wide" ] && ok "help_ja_width_$c" || bad "help_ja_width_$c (over 80 columns: $wide)"
  help_opts "$c" ja >"$D/hj.$c"
  if [ -s "$D/hj.$c" ] && diff "$D/h.$c" "$D/hj.$c" >"$D/diff"; then ok "help_ja_same_options_$c"
  else bad "help_ja_same_options_$c (< English --help, > Japanese: $(tr '\n' ' ' <"$D/diff"))"; fi
  if [ -e man/ja/tenyo.1 ]; then
    up=$(echo "$c" | tr a-z A-Z)
    man_opts "$c" man/ja/tenyo.1 >"$D/mj.$c"
    if ! grep -q "^\.Sh TENYO $up\$" man/ja/tenyo.1; then bad "man_ja_section_$c (no .Sh TENYO $up)"
    elif [ -s "$D/hj.$c" ] && diff "$D/hj.$c" "$D/mj.$c" >"$D/diff"; then ok "man_ja_help_same_options_$c"
    else bad "man_ja_help_same_options_$c (< Japanese --help, > man/ja/tenyo.1: $(tr '\n' ' ' <"$D/diff"))"; fi
  fi
done
[ -e man/ja/tenyo.1 ] && ok man_ja_exists || bad "man_ja_exists (no man/ja/tenyo.1)"
# the short hint of a usage error follows the locale too
ja "$T" add --bogus >/dev/null 2>"$D/err"; rc=$?
if [ "$rc" = 1 ] && grep -qF "詳しくは 'tenyo add --help'" "$D/err" && grep -q '^使い方: tenyo add ' "$D/err"; then
  ok usage_hint_ja
else bad "usage_hint_ja (exit $rc: $(tr '\n' ' ' <"$D/err"))"; fi
en "$T" add --bogus >/dev/null 2>"$D/err"; rc=$?
[ "$rc" = 1 ] && grep -qF "see 'tenyo add --help'" "$D/err" && ok usage_hint_en || bad "usage_hint_en (exit $rc)"
# --help complete and consistent: serve lists every path the server routes
# (serve_route, src/serve/serve_parse.c), and so does the man page
routes=$(sed -n '/^serve_route_id serve_route(/,/^}/p' src/serve/serve_parse.c | grep -o '"/[a-z/]*"' | tr -d '"')
[ -n "$routes" ] && ok help_serve_routes_found || bad help_serve_routes_found
"$T" serve --help >"$D/serve"
awk '/^\.Sh TENYO SERVE/{on = 1; next} /^\.Sh /{on = 0} on' man/tenyo.1 >"$D/serve.man"
missing=; mmissing=
for r in $routes; do
  grep -qF -- "$r" "$D/serve" || missing="$missing $r"
  grep -qF -- "$r" "$D/serve.man" || mmissing="$mmissing $r"
done
[ -z "$missing" ] && ok help_serve_lists_every_endpoint || bad "help_serve_lists_every_endpoint (missing:$missing)"
[ -z "$mmissing" ] && ok man_serve_lists_every_endpoint || bad "man_serve_lists_every_endpoint (missing:$mmissing)"
# no command's --help lists its options twice (once in the option column,
# once again as a run-in list "--a X, --b Y, --c Z"); no --help cites a
# file the repository does not hold
twice=; cited=
for c in $cmds; do
  "$T" "$c" --help >"$D/help" 2>&1
  grep -qE -- '(--[a-z][a-z0-9-]*( [A-Z]+)?, ){2,}' "$D/help" && twice="$twice $c"
  for f in $(grep -oE '[A-Za-z0-9_/.-]+\.md\b' "$D/help"); do
    [ -e "$f" ] || [ -e "docs/$f" ] || cited="$cited $c:$f"
  done
done
"$T" --help >"$D/help" 2>&1
for f in $(grep -oE '[A-Za-z0-9_/.-]+\.md\b' "$D/help"); do [ -e "$f" ] || cited="$cited tenyo:$f"; done
[ -z "$twice" ] && ok help_options_listed_once || bad "help_options_listed_once (twice in:$twice)"
[ -z "$cited" ] && ok help_cites_existing_files || bad "help_cites_existing_files (no such file:$cited)"
"$T" eval --help >"$D/help"
grep -q '^Protocol S (similar)' "$D/help" && grep -q '^Protocol X (ideas)' "$D/help" &&
  ok help_eval_says_the_protocols || bad help_eval_says_the_protocols

# libtenyo(3)'s SYNOPSIS, English and Japanese, lists every call tenyo.h
# declares (a line "TYPE tenyo_NAME(" outside a comment, as
# null_covers_tenyo_h reads them) and no call it does not
sed -e 's|/\*.*\*/||' include/tenyo.h | awk '/\/\*/{c = 1} !c {print} /\*\//{c = 0}' |
  grep -v -e '^[ /#}]' -e '^typedef' | grep -o '\btenyo_[a-z0-9_]*(' | tr -d '(' | sort -u >"$D/calls"
for m in man/libtenyo.3 man/ja/libtenyo.3; do
  awk '/^\.Sh /{on = ($2 == "SYNOPSIS")} on && /^\.Fn /{print $2}' "$m" | sort -u >"$D/syn"
  if [ "$(wc -l <"$D/calls")" -gt 100 ] && diff "$D/calls" "$D/syn" >"$D/diff"; then ok "man_synopsis_every_call_$(echo "$m" | tr / _)"
  else bad "man_synopsis_every_call_$(echo "$m" | tr / _) (< tenyo.h, > SYNOPSIS: $(grep '^[<>]' "$D/diff" | tr '\n' ' '))"; fi
done

# docs/commands.md's "Command-line reference" names the same long options as --help
awk '/^## Command-line reference/{f=1} f&&/^```$/{n++; if(n==2) exit; next} f&&n==1' docs/commands.md >"$D/ref"
for c in $cmds; do
  awk -v c="$c" '/^tenyo [a-z]/{on = ($2 == c)} on' "$D/ref" | grep -o -e '--[a-z][a-z0-9-]*' |
    grep -v -x -e '--help' | sort -u >"$D/r.$c"
  grep -e '^--' "$D/h.$c" >"$D/hl.$c"
  if [ -s "$D/r.$c" ] && diff "$D/hl.$c" "$D/r.$c" >"$D/diff"; then ok "readme_reference_same_options_$c"
  else bad "readme_reference_same_options_$c (< --help, > docs/commands.md: $(tr '\n' ' ' <"$D/diff"))"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
