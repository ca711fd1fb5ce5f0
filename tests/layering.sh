#!/bin/sh
# layering.sh — the house plan holds and its check can fail (make test):
#   - tests/layers.sh passes on src/ and, when the library is built, no
#     layer calls a layer above it (nm of build/obj/src);
#   - a copy of src/ with one wrong include is refused, naming file and line:
#     a lower layer reaching up (model -> api; views -> serve, serve ->
#     cli among the program's rooms), a room of the program reaching past
#     tenyo.h (cli -> util, serve -> api), and a folder that is no layer;
#   - no .c file over 1,200 lines, no function over 150 (tests/layers.sh
#     --sizes; the pending list excepted, see layers.sh), and
#     a copy with a longer file, a longer function or a grown pending file
#     is refused;
#   - no circle of files inside a folder in the built objects (--circles),
#     and a copy of the objects with a circle added is refused.
#   - every .c file opens with a comment of at most 60 lines (--opening;
#     the pending list held at its lengths), and copies with a longer one,
#     a grown pending one or none are refused;
#   - no comment carries the development record: an issue number, session
#     talk or a date (--history); a copy of src/ with one added is refused,
#     naming file and line, and a standard's number, a quoted date and
#     string literals are not taken for one.
# Usage: sh tests/layering.sh [BUILD_DIR]
B=${1:-build}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
t=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-layering-XXXXXX")
trap 'rm -rf "$t"' EXIT

if sh tests/layers.sh src >"$t/out" 2>&1; then ok "src: every include at or below its layer"
else cat "$t/out"; ko "src: every include at or below its layer"; fi

if [ -d "$B/obj/src" ]; then
    if sh tests/layers.sh --calls "$B/obj/src" >"$t/out" 2>&1; then ok "built library: no call to a layer above"
    else grep -v '^calls' "$t/out"; ko "built library: no call to a layer above"; fi
else
    echo "skip built library calls: no $B/obj/src"
fi

# refused DESCRIPTION FILE LINE_TEXT EXPECTED: a copy of src/ with LINE_TEXT
# added after the first line of FILE fails the check with EXPECTED
refused() {
    rm -rf "$t/src" && cp -r src "$t/src"
    sed -i "1a $3" "$t/src/$2"
    if sh tests/layers.sh "$t/src" >"$t/out" 2>&1; then
        ko "$1: accepted"
    elif grep -q "$4" "$t/out"; then
        ok "$1: $(grep "$4" "$t/out" | head -n 1 | sed "s|$t/||")"
    else
        cat "$t/out"; ko "$1: refused without naming it"
    fi
}
refused "model includes api" model/csr.c '#include "api/api.h"' 'src/model/csr.c:2: includes "api/api.h": layer api is above model'
refused "search includes ideas" search/search.h '#include "ideas/ideas.h"' 'src/search/search.h:2: includes "ideas/ideas.h": layer ideas is above search'
refused "cli includes util" cli/term.c '#include "util/util.h"' "src/cli/term.c:2: includes \"util/util.h\": the program's rooms (views serve cli) use only tenyo.h"
refused "serve includes api" serve/serve_http.c '#include "api/api.h"' "src/serve/serve_http.c:2: includes \"api/api.h\": the program's rooms (views serve cli) use only tenyo.h"
refused "views includes serve" views/render.c '#include "serve/serve.h"' 'src/views/render.c:2: includes "serve/serve.h": layer serve is above views'
refused "serve includes cli" serve/serve_route.c '#include "cli/cli.h"' 'src/serve/serve_route.c:2: includes "cli/cli.h": layer cli is above serve'
refused "unknown folder" util/util.c '#include "misc/x.h"' "'misc' is not a layer"
rm -rf "$t/src" && cp -r src "$t/src" && mkdir "$t/src/misc" && echo '/* x */' >"$t/src/misc/x.c"
if sh tests/layers.sh "$t/src" 2>&1 | grep -q "folder 'misc' is not a layer"; then ok "a folder that is no layer is refused"
else ko "a folder that is no layer is refused"; fi

# ---- the map's labels are assembled once for the page and the report:
# among the program's rooms only views/map_labels.c places them
if [ -d "$B/obj/src/views" ]; then
    placers=$(for o in "$B"/obj/src/views/*.o "$B"/obj/src/serve/*.o "$B"/obj/src/cli/*.o; do
        c=${o#"$B"/obj/}; c=${c%.o}.c
        [ -f "$c" ] && nm -u "$o" 2>/dev/null | grep -qw tenyo_map_place_labels && echo "${c%.c}.o"; done | tr '\n' ' ')
    if [ "$placers" = "src/views/map_labels.o " ]; then ok "the map's labels placed in one file: $placers"
    else ko "the map's labels placed in one file (views/map_labels.c), not: $placers"; fi
fi

# ---- a command file calls no other command file (what two share is
# views/'s or a support file's): only cli/tenyo.c names the commands
if [ -d "$B/obj/src/cli" ]; then
    cross=$(for o in "$B"/obj/src/cli/cmd_*.o; do
        c=${o#"$B"/obj/}; c=${c%.o}.c; [ -f "$c" ] || continue
        for d in "$B"/obj/src/cli/cmd_*.o; do
            [ "$d" = "$o" ] && continue; e=${d#"$B"/obj/}; [ -f "${e%.o}.c" ] || continue
            for sym in $(nm -g --defined-only "$d" | awk 'NF == 3 && $2 ~ /^[TDBR]$/ { print $3 }'); do
                nm -u "$o" | grep -qw "$sym" && echo "$(basename "$o" .o) -> $(basename "$d" .o) ($sym)"
            done
        done
    done | sort -u | tr '\n' ';')
    if [ -z "$cross" ]; then ok "no command file calls another"
    else ko "a command file calls another: $cross"; fi
fi

# ---- sizes: no .c file over 1,200 lines, no function over 150 (tests/layers.sh
# --sizes: Universal Ctags for the functions), and the check fails on each
if command -v ctags >/dev/null 2>&1 && ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
    if sh tests/layers.sh --sizes src >"$t/out" 2>&1; then ok "src: $(grep '^largest file' "$t/out"); $(grep '^longest function:' "$t/out")"
    else cat "$t/out"; ko "src: no file or function over the limits"; fi
    # sized DESCRIPTION EXPECTED: the copy in $t/src fails --sizes with EXPECTED
    sized() {
        if sh tests/layers.sh --sizes "$t/src" >"$t/out" 2>&1; then ko "$1: accepted"
        elif grep -q "$2" "$t/out"; then ok "$1: $(grep "$2" "$t/out" | head -n 1 | sed "s|$t/||")"
        else cat "$t/out"; ko "$1: refused without naming it"; fi
    }
    rm -rf "$t/src" && cp -r src "$t/src"
    awk 'BEGIN { for (i = 0; i < 1201; i++) print "/* filler */" }' >>"$t/src/util/topk.c"
    sized "a file over 1,200 lines" 'src/util/topk.c: [0-9]* lines, over 1200'
    rm -rf "$t/src" && cp -r src "$t/src"
    { echo 'int ty_too_long(int x);'; echo 'int ty_too_long(int x) {'
      awk 'BEGIN { for (i = 0; i < 150; i++) print "    x += 1;" }'; echo '    return x;'; echo '}'; } >>"$t/src/util/topk.c"
    sized "a function over 150 lines" 'src/util/topk.c:[0-9]*: ty_too_long is 153 lines, over 150'
    rm -rf "$t/src" && cp -r src "$t/src"
    f=$(sed -n '/^PENDING="/,/^"/{s/^\([a-z]*\/[a-z_0-9]*\.c\) [0-9]*$/\1/p}' tests/layers.sh | head -n 1)
    if [ -n "$f" ]; then
        echo '/* one more line */' >>"$t/src/$f"
        sized "a pending file that grows ($f)" "src/$f: [0-9]* lines, grown past its pending"
    fi
    rm -rf "$t/src" && cp -r src "$t/src"
    { echo 'int ty_long_idea(int x);'; echo 'int ty_long_idea(int x) {'
      awk 'BEGIN { for (i = 0; i < 150; i++) print "    x += 1;" }'; echo '    return x;'; echo '}'; } >>"$t/src/ideas/clean.c"
    sized "a function over 150 lines in src/ideas (no allow-list)" 'src/ideas/clean.c:[0-9]*: ty_long_idea is 153 lines, over 150'

else
    echo "skip sizes: no Universal Ctags (apt-get install universal-ctags)"
fi

# ---- history: comments say what the code is; issue numbers, session talk
# and dates (the development record: git log, docs/) are refused in them
# (tests/layers.sh --history), and the check fails on each added to a copy
if sh tests/layers.sh --history src >"$t/out" 2>&1; then ok "src: $(tail -n 1 "$t/out")"
else cat "$t/out"; ko "src: no issue number, session or date in a comment"; fi
# storied DESCRIPTION FILE LINE_TEXT: a copy of src/ with LINE_TEXT added
# after the first line of FILE fails --history naming FILE:2
storied() {
    rm -rf "$t/src" && cp -r src "$t/src"
    sed -i "1a $3" "$t/src/$2"
    if sh tests/layers.sh --history "$t/src" >"$t/out" 2>&1; then ko "$1: accepted"
    elif grep -q "src/$2:2: " "$t/out"; then ok "$1: $(grep "src/$2:2: " "$t/out" | head -n 1 | sed "s|$t/||")"
    else cat "$t/out"; ko "$1: refused without naming it"; fi
}
storied "an issue number in a comment" util/topk.c '* the heap of issue 16, kept'
storied "a #N in a comment" model/csr.c '* fixed in #38, the panel kernel'
storied "session talk in a comment" cli/term.c '* widths as this session measured them'
storied "a date in a comment" search/ivf.c '* lists trained on 2026-11-25'
# what is no record: a standard's number, a quoted example date, and the
# same words in string literals (only comments are read)
rm -rf "$t/hsrc" && mkdir -p "$t/hsrc/util"
cat >"$t/hsrc/util/x.c" <<'EOC'
/* folded as UAX #31 recommends; "2024-02-31" as an upper bound; the
 * session cookie of a request */
static const char *css = "color:#222;border:1px solid #999"; /* colours */
static const char *msg = "issue 16, #38, this session, 2026-11-25";
static const char c = '"'; /* a quote in a character literal */
EOC
if sh tests/layers.sh --history "$t/hsrc" >"$t/out" 2>&1; then ok "no record: a standard's #31, a quoted date, string literals ($(tail -n 1 "$t/out"))"
else cat "$t/out"; ko "no record: a standard's #31, a quoted date, string literals: refused"; fi
echo 'static int n; // counted as in the last session' >>"$t/hsrc/util/x.c"
if sh tests/layers.sh --history "$t/hsrc" 2>&1 | grep -q 'hsrc/util/x.c:6: session talk'; then ok "the same file with session talk in a // comment is refused"
else ko "the same file with session talk in a // comment is refused"; fi

# ---- opening comments: every .c file opens with a comment of at most 60
# lines (tests/layers.sh --opening; the pending files held at their
# length), and the check fails on a copy with a longer one, a grown pending
# one, or a file that does not open with a comment
if sh tests/layers.sh --opening src >"$t/out" 2>&1; then ok "src: $(tail -n 1 "$t/out")"
else cat "$t/out"; ko "src: every .c file opens with a comment of at most 60 lines"; fi
# opened DESCRIPTION FILE SED_SCRIPT EXPECTED: a copy of src/ with FILE
# edited by SED_SCRIPT fails --opening with EXPECTED
opened() {
    rm -rf "$t/src" && cp -r src "$t/src"
    sed -i "$3" "$t/src/$2"
    if sh tests/layers.sh --opening "$t/src" >"$t/out" 2>&1; then ko "$1: accepted"
    elif grep -q "src/$2$4" "$t/out"; then ok "$1: $(grep "src/$2" "$t/out" | head -n 1 | sed "s|$t/||")"
    else cat "$t/out"; ko "$1: refused without naming it"; fi
}
opened "an opening comment grown past 60 lines" search/ivf.c '2{h;s/.*/ * a line more/;x;G;G;G;G;G;G;G;G;G;G}' ': opening comment of [0-9]* lines, over 60$'
opened "a pending opening comment grown" text/tokenizer.c '2{h;s/.*/ * a line more/;x;G}' ': opening comment of 81 lines, over 80 (held in OPENING_PENDING)$'
opened "a file that does not open with a comment" util/topk.c '1i #include <stddef.h>' ':1: does not open with a comment$'

# ---- circles: no file of a folder calls, through others, back into itself
# (tests/layers.sh --circles: nm of the built objects), and the check fails
# on a circle added to a copy of the objects
if [ -d "$B/obj/src" ]; then
    if sh tests/layers.sh --circles "$B/obj/src" >"$t/out" 2>&1; then ok "built library: $(tail -n 1 "$t/out")"
    else cat "$t/out"; ko "built library: no circle of files in a folder"; fi
    rm -rf "$t/obj" && mkdir -p "$t/obj" && cp -r "$B/obj/src" "$t/obj/src"
    printf 'void ty_circle_b(void);\nvoid ty_circle_a(void) { ty_circle_b(); }\n' >"$t/a.c"
    printf 'void ty_circle_a(void);\nvoid ty_circle_b(void) { ty_circle_a(); }\n' >"$t/b.c"
    # util/circle_a.c -> util/circle_b.c -> util/circle_a.c (two new files)
    if ${CC:-cc} -c -o "$t/obj/src/util/circle_a.o" "$t/a.c" && ${CC:-cc} -c -o "$t/obj/src/util/circle_b.o" "$t/b.c"; then
        if sh tests/layers.sh --circles "$t/obj/src" >"$t/out" 2>&1; then ko "a circle of two new files: accepted"
        elif grep -q 'util/circle_a.c -> util/circle_b.c (ty_circle_b)' "$t/out" &&
             grep -q 'util/circle_b.c -> util/circle_a.c (ty_circle_a)' "$t/out"; then
            ok "a circle of two new files: $(grep '^circle of' "$t/out" | head -n 1) circle_a.c <-> circle_b.c"
        else cat "$t/out"; ko "a circle of two new files: refused without naming it"; fi
    else
        ko "a circle of two new files: cannot compile its objects"
    fi
    # util.c made to call topk.c, which calls util.c (ty_mallocarray): the
    # real util.c compiled with one line more, in a fresh copy of the objects
    rm -rf "$t/obj" && mkdir -p "$t/obj" && cp -r "$B/obj/src" "$t/obj/src"
    { cat src/util/util.c; echo 'void *ty_circle_probe(void);'
      echo 'void *ty_circle_probe(void) { return (void *)&ty_topk_init; }'; } >"$t/util.c"
    if ${CC:-cc} -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -I"$PWD/src/util" -c -o "$t/obj/src/util/util.o" "$t/util.c" 2>"$t/cc"; then
        if sh tests/layers.sh --circles "$t/obj/src" >"$t/out" 2>&1; then ko "util.c calling topk.c: accepted"
        elif grep -q 'util/util.c -> util/topk.c (ty_topk_init)' "$t/out"; then
            ok "util.c calling topk.c: $(grep '^circle of' "$t/out" | head -n 1) $(grep -e '->' "$t/out" | grep 'util/' | tr -s ' ' | tr '\n' ';')"
        else cat "$t/out"; ko "util.c calling topk.c: refused without naming it"; fi
    else
        cat "$t/cc"; ko "util.c calling topk.c: cannot compile it"
    fi
else
    echo "skip circles: no $B/obj/src"
fi

# ---- bench/ measures speed, eval/ quality: the quality tooling is not in
# bench/, and nothing points at its old place
if [ -d bench/protocol_a ] || ls bench/fit_*.py >/dev/null 2>&1; then ko "bench/ holds quality tooling (protocol_a/, fit_*.py): its place is eval/"
elif grep -rln 'bench/protocol_a\|bench/fit_' --include='*.c' --include='*.h' --include='*.md' --include='*.sh' \
        --include='*.py' --include='*.1' --include='*.3' --include=Makefile . 2>/dev/null |
        grep -v '^\./build\|^\./tests/layering.sh$' >"$t/out"; then cat "$t/out"; ko "references to bench/protocol_a or bench/fit_ (now eval/)"
else ok "bench/ holds speed benchmarks only; the quality tooling is in eval/, every reference points there"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
