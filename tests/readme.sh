#!/bin/sh
# readme.sh — the READMEs' tours run as written, on a fresh clone (make test).
#
# README.md and README.ja.md each mark their tour between the lines
# "<!-- tour -->" and "<!-- /tour -->"; every fenced block with the info
# string `sh` inside is extracted and its commands run, line by line, in
# order, in the top folder of a fresh `git clone` of this repository (HEAD;
# the working tree's README.md, README.ja.md and data/sample are copied over
# it so that uncommitted edits are checked too). A command that fails (exit
# status not 0) fails the test, naming the README and the command.
#
# The build: by default the clone reuses this checkout's build — the files
# of $BUILD (default build; all.sh passes its BUILD_DIR) are linked into the
# clone's build/ — so that `make test` does not compile twice. README_MAKE=1
# runs `make` in the clone instead (minutes: the full build).
#
# `tenyo serve` blocks, so a serve command is started in the background with
# its `--port 8080` replaced by a free port (8080 may be taken on a shared
# machine), the page and /healthz are fetched with curl, and it is stopped.
#
# Also: README.md, README.ja.md and the man pages hold no development
# history (grep -niE 'issue [0-9]|session|reader [A-Z]\b' finds nothing),
# every command of a tour is found (at least 8 per README), and README.md
# stays under 400 lines.
# Prints "N passed, N failed".
# Usage: sh tests/readme.sh [BUILD_DIR]
B=${1:-${BUILD:-build}}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || { echo "0 passed, 1 failed"; exit 1; }
cd "$top"
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-readme-XXXXXX")
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$D"' EXIT

# ------------------------------------------------------------ no history
if grep -niE 'issue [0-9]|session|reader [A-Z]\b' README.md README.ja.md man/*.[0-9] man/ja/*.[0-9] >"$D/hist" 2>&1; then
  bad "readme_no_history ($(head -3 "$D/hist" | tr '\n' ' '))"
else ok readme_no_history; fi
n=$(wc -l <README.md)
[ "$n" -lt 400 ] && ok "readme_short ($n lines)" || bad "readme_short (README.md has $n lines, 400 or more)"
grep -q '^make demo' README.md && grep -q '^make test' README.md && ok readme_two_commands ||
  bad "readme_two_commands (README.md must list 'make demo' and 'make test' at a line start: tests/fresh.sh and .ci/run read them)"

# ------------------------------------------------------------ the clone
if ! git clone -q --no-hardlinks "$top" "$D/tenyo" 2>"$D/err"; then
  bad "readme_clone ($(head -c 200 "$D/err"))"; echo "$pass passed, $fail failed"; exit 1
fi
cp README.md .gitignore "$D/tenyo/" && { [ ! -f README.ja.md ] || cp README.ja.md "$D/tenyo/"; }
rm -rf "$D/tenyo/data/sample" && cp -r data/sample "$D/tenyo/data/sample"
if [ "${README_MAKE:-0}" = 1 ]; then
  if (cd "$D/tenyo" && make >"$D/make.log" 2>&1); then ok readme_make_in_clone
  else bad "readme_make_in_clone ($(tail -n 5 "$D/make.log" | tr '\n' ' '))"; fi
elif [ -x "$B/tenyo" ]; then
  mkdir -p "$D/tenyo/build"
  for f in "$B"/tenyo "$B"/libtenyo.*; do [ -e "$f" ] && ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$D/tenyo/build/"; done
  ok "readme_build_reused ($B)"
else
  bad "readme_build ($B/tenyo is missing: run make, or README_MAKE=1)"
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + $$ % 20000))
}

# run_serve CMD: start it with a free port, fetch the page, stop it
run_serve() {
  port=$(free_port)
  scmd=$(printf '%s' "$1" | sed "s/--port 8080/--port $port/")
  (cd "$D/tenyo" && exec sh -c "exec $scmd" >"$D/serve.log" 2>&1) &
  spid=$!
  up=no
  w=0
  while [ $w -lt 100 ]; do
    if command -v curl >/dev/null 2>&1; then
      curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { up=yes; break; }
    elif grep -q "$port" "$D/serve.log" 2>/dev/null; then up=yes; break; fi
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1; w=$((w + 1))
  done
  page=yes
  if [ "$up" = yes ] && command -v curl >/dev/null 2>&1; then
    curl -sf "http://127.0.0.1:$port/" >"$D/page.html" 2>/dev/null && [ -s "$D/page.html" ] || page=no
  fi
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  spid=
  [ "$up" = yes ] && [ "$page" = yes ]
}

# ------------------------------------------------------------ the tours
for readme in README.md README.ja.md; do
  if [ ! -f "$readme" ]; then bad "readme_tour_$readme (missing)"; continue; fi
  # the commands of the tour: the `sh` blocks between the markers;
  # a line ending in a backslash continues on the next
  awk '/^<!-- tour -->$/{t=1; next} /^<!-- \/tour -->$/{t=0} t&&/^```sh$/{b=1; next} b&&/^```$/{b=0; next} b' "$readme" |
    sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' | grep -v '^[[:space:]]*$' >"$D/cmds"
  n=$(wc -l <"$D/cmds")
  [ "$n" -ge 8 ] && ok "readme_tour_found_$readme ($n commands)" || bad "readme_tour_found_$readme (only $n commands between <!-- tour --> and <!-- /tour -->)"
  rm -f "$D/tenyo/sample.tny" && rm -rf "$D/tenyo/sample.tny.upd"
  i=0
  while IFS= read -r cmd; do
    i=$((i + 1))
    case $cmd in
      *" serve "*)
        if run_serve "$cmd"; then ok "readme_tour_${readme}_$i: $cmd"
        else bad "readme_tour_${readme}_$i: $cmd ($(tail -n 3 "$D/serve.log" | tr '\n' ' '))"; fi ;;
      *)
        if (cd "$D/tenyo" && sh -c "$cmd") >"$D/out" 2>&1 </dev/null; then ok "readme_tour_${readme}_$i: $cmd"
        else bad "readme_tour_${readme}_$i: $cmd ($(tail -n 3 "$D/out" | tr '\n' ' '))"; fi ;;
    esac
  done <"$D/cmds"
done

# ------------------------------------------------------------ after them
# the tours leave the work tree as git sees it clean: what they make (the
# index and what sits beside it, the reports) is ignored, and nothing the
# clone holds was changed (the files copied over it above aside)
git -C "$D/tenyo" status --porcelain --untracked-files=all 2>&1 |
  grep -v -e ' README.md$' -e ' README.ja.md$' -e ' .gitignore$' -e ' data/sample/' >"$D/status"
[ ! -s "$D/status" ] && ok readme_tour_tree_clean || bad "readme_tour_tree_clean ($(head -5 "$D/status" | tr '\n' ' '))"
# the Python example makes an index of its own, never the tour's
tour_ix=$(sed -n 's/^build\/tenyo index -o \([^ ]*\) .*/\1/p' README.md | head -n 1)
py_ix=$(awk '/<!-- python-example -->/{p=1} p' README.md | sed -n 's/^tenyo.build("\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$tour_ix" ] && [ -n "$py_ix" ] && [ "$tour_ix" != "$py_ix" ] && ok "readme_python_own_index ($py_ix)" ||
  bad "readme_python_own_index (the tour's index '$tour_ix', the Python example's '$py_ix')"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
