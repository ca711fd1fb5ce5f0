#!/bin/sh
# man.sh — the man pages: lint (mandoc -T lint at WARNING level, and groff
# through `man --warnings`), and no drift between `tenyo COMMAND --help` and
# man/tenyo.1: for every command the option list of its --help (the lines
# that start with an option) and the .It Fl lines of its "TENYO COMMAND"
# section must name the same options, and every one of them must be one
# the command accepts. Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/man.sh
T=${TENYO:-build/tenyo}
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-man-XXXXXX")
trap 'rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }

for m in man/tenyo.1 man/libtenyo.3; do
  n=$(basename "$m")
  if command -v mandoc >/dev/null 2>&1; then
    if mandoc -T lint -W warning "$m" >"$D/lint" 2>&1; then ok "man_lint_mandoc_$n"
    else bad "man_lint_mandoc_$n: $(head -c 600 "$D/lint")"; fi
  else
    echo "skip man_lint_mandoc_$n (mandoc not installed: apt-get install mandoc)"
  fi
  if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings -l "$m" >"$D/page" 2>"$D/warn"
    if [ -s "$D/page" ] && [ ! -s "$D/warn" ]; then ok "man_lint_groff_$n"
    else bad "man_lint_groff_$n: $(head -c 600 "$D/warn")"; fi
  fi
done

# opts: option names in a list, one per line, sorted; -h/--help left out
# (every command has them, the page says so once)
opts() { grep -o -e '--[a-z][a-z0-9-]*' -e '-[a-zA-Z]\b' | grep -v -x -e '-h' -e '--help' | sort -u; }
help_opts() { # the option column of the lines of --help that start with an option
  "$T" "$1" --help | sed -n 's/^ \{1,\}\(-.*\)$/\1/p' | sed 's/  .*//' | opts
}
man_opts() { # the .It Fl lines of section "TENYO CMD"
  up=$(echo "$1" | tr a-z A-Z)
  awk -v s="TENYO $up" '/^\.Sh /{on = (substr($0, 5) == s)} on && /^\.It Fl /' man/tenyo.1 |
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
