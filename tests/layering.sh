#!/bin/sh
# layering.sh — the house plan holds and its check can fail (make test):
#   - tests/layers.sh passes on src/ and, when the library is built, no
#     layer calls a layer above it (nm of build/obj/src);
#   - a copy of src/ with one wrong include is refused, naming file and line:
#     a lower layer reaching up (model -> api), the CLI reaching past
#     tenyo.h (cli -> util), and a folder that is no layer.
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
refused "cli includes util" cli/term.c '#include "util/util.h"' 'src/cli/term.c:2: includes "util/util.h": the CLI uses only tenyo.h'
refused "unknown folder" util/util.c '#include "misc/x.h"' "'misc' is not a layer"
rm -rf "$t/src" && cp -r src "$t/src" && mkdir "$t/src/misc" && echo '/* x */' >"$t/src/misc/x.c"
if sh tests/layers.sh "$t/src" 2>&1 | grep -q "folder 'misc' is not a layer"; then ok "a folder that is no layer is refused"
else ko "a folder that is no layer is refused"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
