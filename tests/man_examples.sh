#!/bin/sh
# man_examples.sh — every example of the man pages runs as printed, in
# English and in Japanese. The examples are the literal blocks (.Bd -literal
# ... .Ed) of the EXAMPLES section (例 in man/ja/), read from the man
# sources with the roff escapes undone (\e is \, \& nothing, \- is -):
#   - man/tenyo.1: each line is a command, run in a fresh folder that holds
#     the source tree's sample J-PlatPat export and licensable list as
#     export.csv and licensable.csv (the names the page uses), with `tenyo`
#     the built program; each must exit 0 and print something. The
#     `tenyo serve` line runs in the background with --port 0 in place of
#     its port (a fixed port may be taken on a shared machine) and must
#     answer /healthz;
#   - man/libtenyo.3, in the same folder, after them (the index they
#     built): a block holding `int main` is a C program, saved under the
#     name its first comment gives (/* NAME.c: ...); any other block is
#     shell lines, run in order, their `cc` and `pkg-config` those of the
#     built library (a tenyo.pc naming build/ and include/; cc with the
#     build's SANFLAGS). Each must exit 0, and each program's run must
#     print what the page says it prints.
# The literal blocks outside EXAMPLES (libtenyo(3)'s staged install) run in
# tests/install.sh against a staged install; here the Japanese page's copy
# of them must equal the English.
# Prints "N passed, N failed".
# Usage: TENYO=build/tenyo sh tests/man_examples.sh
T=${TENYO:-build/tenyo}
case $T in /*) ;; *) T=$(pwd)/$T;; esac
B=$(dirname "$T")
R=$(pwd)
CC=${CC:-cc}
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-manex-XXXXXX")
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$D"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; }
unset LC_ALL LC_MESSAGES LANGUAGE
LANG=C.UTF-8; export LANG

if [ ! -x "$T" ] || [ ! -e "$B/libtenyo.so" ]; then
  echo "FAIL man_examples: no $T or $B/libtenyo.so (make first)"; echo "0 passed, 1 failed"; exit 1
fi

# blocks PAGE SECTION OUT: the literal blocks of .Sh SECTION (SECTION "*":
# every section but EXAMPLES and 例) into OUT.1, OUT.2, ...; prints the count
blocks() {
  awk -v s="$2" -v out="$3" '
    /^\.Sh /{ sec = substr($0, 5); in_s = (s == "*") ? (sec != "EXAMPLES" && sec != "例") : (sec == s) }
    in_s && /^\.Bd -literal/ { on = 1; n++; printf "" >(out "." n); next }
    on && /^\.Ed/ { on = 0; close(out "." n); next }
    on { print >>(out "." n) }
    END { print n + 0 }' "$1"
}
unroff() { sed -e 's/\\e/\\/g' -e 's/\\&//g' -e 's/\\-/-/g' "$1"; }

# the built library as pkg-config finds an installed one
mkdir -p "$D/pc" "$D/bin"
cat >"$D/pc/tenyo.pc" <<EOF
Name: tenyo
Description: the build tree's libtenyo
Version: 0
Libs: -L$B -ltenyo -Wl,-rpath,$B
Cflags: -I$R/include
EOF
# the page's `tenyo` and `cc`: the built program, the compiler with the
# build's sanitizer flags (a sanitizer build's library needs them)
ln -s "$T" "$D/bin/tenyo"
CCPATH=$(command -v "$CC")
printf '#!/bin/sh\nexec %s %s "$@"\n' "$CCPATH" "$SANFLAGS" >"$D/bin/cc"
chmod +x "$D/bin/cc"
export PKG_CONFIG_PATH="$D/pc" PATH="$D/bin:$PATH"

# serve_line N LINE: the serve example in the background, on a free port
serve_line() {
  line=$(printf '%s\n' "$2" | sed 's/--port [0-9]*/--port 0/')
  (eval "exec $line") 2>"$D/serve.log" >/dev/null &
  SRV=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^tenyo serve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$D/serve.log")
    [ -n "$port" ] && break
    kill -0 "$SRV" 2>/dev/null || break
    sleep 0.2
  done
  if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then ok "$1 ($2)"
  else bad "$1 ($2: $(head -c 300 "$D/serve.log"))"; fi
  kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=
}

# run_lines NAME FILE: each line of FILE a command in the current folder
run_lines() {
  i=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    i=$((i + 1))
    case $line in
      "tenyo serve "*) serve_line "$1_$i" "$line"; continue;;
    esac
    if (eval "$line") >"$D/out" 2>"$D/err" </dev/null; then
      case $line in
        "tenyo index "*|"tenyo open "*|cc\ *) ok "$1_$i ($line)";;
        *) [ -s "$D/out" ] && ok "$1_$i ($line)" || bad "$1_$i ($line: printed nothing)";;
      esac
      cp "$D/out" "$D/last.out"
    else bad "$1_$i ($line: exit $?: $(head -c 400 "$D/err"))"; fi
  done <"$2"
}

for lang in en ja; do
  case $lang in en) dir="man"; sec=EXAMPLES;; ja) dir="man/ja"; sec=例;; esac
  W="$D/$lang"; mkdir -p "$W"
  cp data/sample/jplatpat_export.csv "$W/export.csv"
  cp data/sample/licensable.csv "$W/licensable.csv"
  # tenyo(1): the commands
  nb=$(blocks "$dir/tenyo.1" "$sec" "$D/t1.$lang")
  [ "$nb" -ge 1 ] && ok "man_examples_found_${lang}_tenyo.1 ($nb)" || bad "man_examples_found_${lang}_tenyo.1"
  k=1
  while [ "$k" -le "$nb" ]; do
    unroff "$D/t1.$lang.$k" >"$D/t1.$lang.$k.sh"
    cd "$W" && run_lines "man_example_${lang}_tenyo.1_$k" "$D/t1.$lang.$k.sh"; cd "$R" || exit 1
    k=$((k + 1))
  done
  # libtenyo(3): programs, then the lines that build and run them
  nb=$(blocks "$dir/libtenyo.3" "$sec" "$D/l3.$lang")
  nprog=0; nrun=0
  k=1
  while [ "$k" -le "$nb" ]; do
    f="$D/l3.$lang.$k"
    if grep -q 'int main' "$f"; then
      name=$(sed -n '1s|^/\* *\([a-z_]*\.c\):.*|\1|p' "$f")
      if [ -n "$name" ]; then unroff "$f" >"$W/$name"; nprog=$((nprog + 1))
      else bad "man_example_${lang}_libtenyo.3_$k (a program whose first line names no NAME.c)"; fi
    else
      unroff "$f" >"$f.sh"
      cd "$W" && run_lines "man_example_${lang}_libtenyo.3_$k" "$f.sh"; cd "$R" || exit 1
      nrun=$((nrun + 1))
      # what the page says each program prints
      if grep -q '^\./a\.out' "$f.sh"; then
        grep -q '^[0-9]\.[0-9][0-9][0-9] 特開2099-' "$D/last.out" &&
          ok "man_example_${lang}_prog_prints_nearest" ||
          bad "man_example_${lang}_prog_prints_nearest ($(head -c 300 "$D/last.out"))"
      fi
      if grep -q '^\./example ' "$f.sh"; then
        if grep -q '^特開2099-000001 ' "$D/last.out" && grep -q '^   idea: ' "$D/last.out" &&
           grep -q '^   why: ".*" / ".*"$' "$D/last.out" && grep -q '^match 1\. 特開2099-' "$D/last.out" &&
           grep -q '^json: [0-9]* bytes$' "$D/last.out"; then ok "man_example_${lang}_example_prints_ideas_and_matches"
        else bad "man_example_${lang}_example_prints_ideas_and_matches ($(head -c 400 "$D/last.out"))"; fi
        # a number the index does not hold: did you mean, exit 1
        (cd "$W" && ./example my.tny JP2099-000002B1X text) >"$D/out" 2>"$D/err"; rc=$?
        [ "$rc" = 1 ] && grep -q 'did you mean 特開2099-' "$D/err" &&
          ok "man_example_${lang}_example_unknown_number" ||
          bad "man_example_${lang}_example_unknown_number (exit $rc: $(head -c 300 "$D/err"))"
      fi
    fi
    k=$((k + 1))
  done
  [ "$nprog" -ge 2 ] && [ "$nrun" -ge 2 ] && ok "man_examples_found_${lang}_libtenyo.3 ($nprog programs, $nrun to run)" ||
    bad "man_examples_found_${lang}_libtenyo.3 ($nprog programs, $nrun to run)"
done

# the Japanese page's other literal blocks are the English page's
for p in tenyo.1 libtenyo.3; do
  ne=$(blocks "man/$p" '*' "$D/oe.$p"); nj=$(blocks "man/ja/$p" '*' "$D/oj.$p")
  same=1; k=1
  while [ "$k" -le "$ne" ]; do cmp -s "$D/oe.$p.$k" "$D/oj.$p.$k" || same=; k=$((k + 1)); done
  [ "$ne" = "$nj" ] && [ -n "$same" ] && ok "man_ja_literal_blocks_same_$p ($ne)" ||
    bad "man_ja_literal_blocks_same_$p (en $ne, ja $nj, or their text differs)"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
