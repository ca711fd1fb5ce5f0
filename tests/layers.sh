#!/bin/sh
# layers.sh — the house plan of src/, checked: every file of a layer folder
# includes headers of its own layer and of layers below it, never above.
#
#   sh tests/layers.sh [SRC]          check (exit 1 naming each wrong include)
#   sh tests/layers.sh --graph [SRC]  the include graph between layers, as
#                                     "from -> to  (files)" lines and a
#                                     Graphviz digraph after them
#   sh tests/layers.sh --calls OBJ    the calls between layers of the built
#                                     library (OBJ: build/obj/src; nm's
#                                     defined and undefined symbols), exit 1
#                                     naming every call to a layer above
#   sh tests/layers.sh --circles OBJ  the calls between files of one folder
#                                     (same nm reading: "A calls B" when A.o
#                                     uses a symbol B.o defines), exit 1
#                                     naming every circle of files
#   sh tests/layers.sh --sizes [SRC]  the largest .c file and the longest
#                                     function (tests/funclen.sh, Universal
#                                     Ctags), exit 1 naming every file over
#                                     FILE_MAX lines and function over
#                                     FUNC_MAX lines outside SIZE_ALLOW
#   sh tests/layers.sh --history [SRC] comments that carry the development
#                                     record (issue numbers, session talk,
#                                     dates), exit 1 naming each line
#   sh tests/layers.sh --opening [SRC] every .c file opens with a comment of
#                                     at most OPENING_MAX lines (the code as
#                                     it is; the record goes to docs/),
#                                     exit 1 naming each file that does not
#
# The order is written here once, lowest first. A header is named by its
# folder ("model/model.h"); a name without a folder is a header beside the
# file (its own layer); "tenyo.h" (include/) is the public interface every
# layer may use. Above the library sit the program's rooms, lowest first:
# views (what the commands and the server both print and read), serve (the
# HTTP server and its page), cli (the commands, whose serve command calls
# the server). They are held to more: each sees only tenyo.h, its own
# headers and the rooms of the program below it (include/tenyo.h is all a
# program linking libtenyo has). The MPI adapter sits on top of everything. System headers (<...>) are not
# checked. No layer header may be skipped over to reach a file's internals:
# the check is on folders, so "search/ivf.h" counts as the search layer.
# make test runs the check (and tests/test_layers.sh that it can fail).
ORDER="util text io model store search api judge ideas views serve cli mpi"
# The program's rooms (above the library; see above).
PROGRAM="views serve cli"

# Size limits: a file a reader can hold in mind, a function that fits on a
# couple of screens.
FILE_MAX=1200
FUNC_MAX=150
# SIZE_ALLOW: folders (ending in /) or files, relative to SRC, whose
# functions may exceed FUNC_MAX, each with its reason on a line here. Empty:
# src/ideas/, the last one listed, has had its long functions split.
SIZE_ALLOW=""
# PENDING: files and functions over the limits that are not split yet, each
# held at its length today so that none grows (a line goes when its split
# lands; a line whose file or function is within the limit fails the check
# until it is removed). "FILE LINES" or "FILE FUNCTION LINES".
PENDING="
"

if [ "$1" = "--sizes" ]; then
    SRC=${2:-src}
    here=$(dirname "$0")
    tmp=$(mktemp "${TMPDIR:-/tmp}/tenyo-sizes-XXXXXX")
    trap 'rm -f "$tmp" "$tmp.f"' EXIT
    find "$SRC" \( -name '*.c' -o -name '*.cc' \) -exec wc -l {} + | grep -v ' total$' | sort -k1,1nr -k2,2 >"$tmp"
    sh "$here/funclen.sh" "$SRC" >"$tmp.f" ||
        { echo "layers: function lengths need Universal Ctags (apt-get install universal-ctags)"; exit 2; }
    # F LINES PATH for files, G LINES PATH:LINE NAME for functions, then the lists
    { awk '{ print "F", $1, $2 }' "$tmp"; awk '{ print "G", $0 }' "$tmp.f"; } | awk \
        -v src="$SRC" -v fmax="$FILE_MAX" -v gmax="$FUNC_MAX" -v allow="$SIZE_ALLOW" -v pending="$PENDING" '
        function rel(f) { return substr(f, length(src) + 2) }
        function allowed(r,   i) {
            for (i = 1; i <= na; i++)
                if (r == a[i] || (a[i] ~ /\/$/ && index(r, a[i]) == 1)) return 1
            return 0
        }
        BEGIN {
            na = split(allow, a, " ")
            np = split(pending, pl, "\n")
            for (i = 1; i <= np; i++) {
                n = split(pl[i], w, " ")
                if (n == 2) { pf[w[1]] = w[2]; pfl[w[1]] = 1 }
                if (n == 3) { pg[w[1] " " w[2]] = w[3] }
            }
        }
        $1 == "F" {
            r = rel($3)
            if (!seenf++) printf "largest file: %d lines, %s (limit %d)\n", $2, $3, fmax
            if (r in pf) {
                seen_pf[r] = 1
                if ($2 > pf[r]) { print $3 ": " $2 " lines, grown past its pending " pf[r] " (limit " fmax ")"; bad = 1 }
                else if ($2 <= fmax) { print $3 ": " $2 " lines, within " fmax ": remove it from PENDING"; bad = 1 }
                else npend_f++
            } else if ($2 > fmax) { print $3 ": " $2 " lines, over " fmax ": split it along a seam"; bad = 1 }
            next
        }
        $1 == "G" {
            f = $3; sub(/:[0-9]+$/, "", f); r = rel(f); k = r " " $4
            if (allowed(r)) { if (!seena++) longa = $2 " lines, " $4 " (" $3 ")"; next }
            if (!seeng++) printf "longest function: %d lines, %s (%s) (limit %d)\n", $2, $4, $3, gmax
            if (k in pg) {
                seen_pg[k] = 1
                if ($2 > pg[k]) { print $3 ": " $4 " is " $2 " lines, grown past its pending " pg[k]; bad = 1 }
                else if ($2 <= gmax) { print $3 ": " $4 " is " $2 " lines, within " gmax ": remove it from PENDING"; bad = 1 }
                else npend_g++
            } else if ($2 > gmax) { print $3 ": " $4 " is " $2 " lines, over " gmax ": split it"; bad = 1 }
        }
        END {
            if (seena) print "longest function on the allow-list (" allow "): " longa
            for (r in pf) if (!(r in seen_pf)) { print "PENDING names " r ", which is gone: remove it"; bad = 1 }
            for (k in pg) if (!(k in seen_pg)) { print "PENDING names " k ", which is gone: remove it"; bad = 1 }
            if (npend_f + npend_g) print "pending (not split yet, held at their length): " npend_f + 0 " files, " npend_g + 0 " functions"
            if (!bad) print "sizes: no .c file over " fmax " lines, no function over " gmax \
                (allow != "" ? " but in " allow : "") (npend_f + npend_g ? " but the pending list" : "")
            exit bad
        }'
    exit $?
fi

# --history: comments describe the code as it is; the development record
# (what was done when, by whom, in which issue) lives in git log and docs/.
# A comment carrying one of its markers is refused: an issue number
# ("issue 16", "issues 20", "#38"; "UAX #31", a standard's number, is not
# one), session talk ("this session", "last session", "session 4") or a
# date (2026-11-25; one in quotes is an example of input, not a date of
# the record). Only comments are read: string literals and code are not
# (a CSS colour "#222" in a string is no issue number).
if [ "$1" = "--history" ]; then
    SRC=${2:-src}
    find "$SRC" -name '*.[ch]' | sort | xargs awk '
        FNR == 1 { st = 0 }
        # the marker in comment text s, or "" when it carries none
        function marker(s,   t, pre, post) {
            if (s ~ /(^|[^A-Za-z])[Ii]ssues? #?[0-9]/) return "an issue number"
            t = s
            while (match(t, /#[0-9]+/)) {
                pre = substr(t, 1, RSTART - 1); post = substr(t, RSTART + RLENGTH, 1)
                if (pre !~ /UAX $/ && pre !~ /[A-Za-z0-9_&#]$/ && post !~ /[A-Za-z0-9_]/) return "an issue number"
                t = substr(t, RSTART + RLENGTH)
            }
            if (s ~ /(^|[^A-Za-z])([Tt]his|[Ll]ast|[Pp]revious|[Nn]ext|[Ee]arlier|[Ll]ater|[Tt]hat|[Oo]ne) session/ ||
                s ~ /(^|[^A-Za-z])[Ss]essions? [0-9]/) return "session talk"
            t = s
            while (match(t, /20[0-9][0-9]-[01][0-9]-[0-3][0-9]/)) {
                pre = substr(t, 1, RSTART - 1); post = substr(t, RSTART + RLENGTH, 1)
                if (pre !~ /["0-9-]$/ && post !~ /[0-9"]/) return "a date"
                t = substr(t, RSTART + RLENGTH)
            }
            return ""
        }
        {
            # the comment text of this line: st 1 inside a block comment
            line = $0; n = length(line); out = ""; i = 1
            while (i <= n) {
                c = substr(line, i, 1)
                if (st == 1) {
                    if (c == "*" && substr(line, i + 1, 1) == "/") { st = 0; i += 2; out = out " "; continue }
                    out = out c; i++; continue
                }
                if (c == "/" && substr(line, i + 1, 1) == "*") { st = 1; i += 2; continue }
                if (c == "/" && substr(line, i + 1, 1) == "/") { out = out substr(line, i + 2); break }
                if (c == "\"" || c == "\047") {
                    q = c; i++
                    while (i <= n) { d = substr(line, i, 1); i += d == "\\" ? 2 : 1; if (d == q) break }
                    continue
                }
                i++
            }
            if (out != "" && (m = marker(out)) != "") {
                sub(/^[ \t*]+/, "", out); sub(/[ \t]+$/, "", out)
                print FILENAME ":" FNR ": " m " in a comment: " out
                bad = 1
            }
        }
        END {
            if (!bad) print "history: no issue number, session or date in the comments of " NR " lines"
            exit bad
        }'
    exit $?
fi

# --opening: each .c file opens with its essay (/* on line 1), and the
# essay is short: at most OPENING_MAX lines, the reasons, measurements and
# history it would carry beyond that being docs/'s. OPENING_PENDING holds
# the files over the limit not cut yet, each at its length today so that
# none grows ("FILE LINES", relative to SRC; a line whose file is within
# the limit fails the check until it is removed).
OPENING_MAX=60
OPENING_PENDING="
text/tokenizer.c 80
api/patno.c 70
model/linear.c 69
api/check.c 67
store/shards_write.c 65
io/jpoxml.c 63
store/read.c 62
model/csr.c 62
"
if [ "$1" = "--opening" ]; then
    SRC=${2:-src}
    find "$SRC" \( -name '*.c' -o -name '*.cc' \) | sort | xargs awk -v max="$OPENING_MAX" -v pending="$OPENING_PENDING" -v src="$SRC/" '
        BEGIN { n = split(pending, p, "\n"); for (i = 1; i <= n; i++) if (split(p[i], w, " ") == 2) held[w[1]] = w[2] }
        FNR == 1 {
            nfiles++; f = substr(FILENAME, length(src) + 1); open = ($0 ~ /^\/\*/); done = 0
            if (!open) { print FILENAME ":1: does not open with a comment"; bad = 1; done = 1 }
        }
        !done && /\*\// {
            done = 1; lim = (f in held) ? held[f] : max
            if (f in held && FNR <= max) { print FILENAME ": opening comment of " FNR " lines, within " max ": remove it from OPENING_PENDING"; bad = 1 }
            else if (FNR > lim) { print FILENAME ": opening comment of " FNR " lines, over " lim (f in held ? " (held in OPENING_PENDING)" : ""); bad = 1 }
            if (FNR > longest) { longest = FNR; lf = f }
        }
        END {
            if (!bad) print "opening: every .c file of " nfiles " opens with a comment of at most " max " lines (" length(held) " pending at their length; the longest " longest ", " lf ")"
            exit bad
        }'
    exit $?
fi

# CIRCLES_PENDING: folders whose circle of files is known and not yet
# broken (their circle is printed, not failed; a folder listed here without
# a circle fails until it is removed). Empty: store/, the last, is broken.
CIRCLES_PENDING=""

if [ "$1" = "--circles" ]; then
    OBJ=${2:-build/obj/src}
    [ -d "$OBJ" ] || { echo "layers: no objects under $OBJ (make first)"; exit 2; }
    # "D folder file symbol" for each definition, "U folder file symbol" for each use
    for o in $(find "$OBJ" -mindepth 2 -name '*.o' | sort); do
        l=$(basename "$(dirname "$o")")
        nm -g "$o" | awk -v l="$l" -v f="$(basename "$o" .o).c" '
            NF == 3 && $2 ~ /^[TDBRCVW]$/ { print "D", l, f, $3 }
            NF == 2 && $1 == "U" { print "U", l, f, $2 }'
    done | awk -v OBJ="$OBJ" -v pending="$CIRCLES_PENDING" '
        $1 == "D" { def[$2 SUBSEP $4] = $3; next }
        { use[++m] = $0 }
        END {
            for (i = 1; i <= m; i++) {
                split(use[i], u, " "); to = def[u[2] SUBSEP u[4]]
                if (to == "" || to == u[3]) continue
                a = u[2] "/" u[3]; b = u[2] "/" to
                if (!((a, b) in e)) { e[a, b] = 1; nodes[a] = u[2]; nodes[b] = u[2]; sym[a, b] = u[4]; edges++ }
            }
            # reachability inside each folder (Warshall; a folder has a few dozen files)
            for (k in e) r[k] = 1
            for (k in nodes) for (i in nodes) if ((i, k) in r && nodes[i] == nodes[k])
                for (j in nodes) if ((k, j) in r && nodes[j] == nodes[k]) r[i, j] = 1
            # each circle once: the files that reach each other, and their direct calls
            bad = 0
            npend = split(pending, pl, " ")
            for (i = 1; i <= npend; i++) known[pl[i]] = 1
            for (i in nodes) {
                if (done[i]) continue
                c = i; n = 1
                for (j in nodes) if (i != j && (i, j) in r && (j, i) in r) { c = c "\n" j; done[j] = 1; in_c[j] = i; n++ }
                done[i] = 1; in_c[i] = i
                if (n < 2) continue
                f = i; sub(/\/.*/, "", f)
                if (f in known) { had[f] = 1; out = "pending (CIRCLES_PENDING): circle of " n " files:" }
                else { bad = 1; out = "circle of " n " files:" }
                split(c, cm, "\n"); for (x = 1; x <= n; x++) for (y = 1; y <= n; y++)
                    if ((cm[x], cm[y]) in e) out = out "\n    " cm[x] " -> " cm[y] " (" sym[cm[x], cm[y]] ")"
                print out
            }
            for (f in known) if (!(f in had)) { print "CIRCLES_PENDING names " f ", which has no circle: remove it"; bad = 1 }
            if (!bad) print "circles: none" (npend ? " but the pending " pending : "") " (" edges " calls between files of the same folder, from " OBJ ")"
            exit bad
        }'
    exit $?
fi

graph=0
if [ "$1" = "--graph" ]; then graph=1; shift; fi
if [ "$1" = "--calls" ]; then
    OBJ=${2:-build/obj/src}
    [ -d "$OBJ" ] || { echo "layers: no objects under $OBJ (make first)"; exit 2; }
    # "D layer symbol" for each definition, "U layer file symbol" for each use
    for o in $(find "$OBJ" -mindepth 2 -name '*.o' | sort); do
        l=$(basename "$(dirname "$o")")
        nm -g "$o" | awk -v l="$l" -v f="${o#"$OBJ"/}" '
            NF == 3 && $2 ~ /^[TDBRC]$/ { print "D", l, $3 }
            NF == 2 && $1 == "U" { print "U", l, f, $2 }'
    done | awk -v order="$ORDER" '
        BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) r[o[i]] = i }
        $1 == "D" { def[$3] = $2; next }
        { use[++m] = $0 }
        END {
            bad = 0
            for (i = 1; i <= m; i++) {
                split(use[i], u, " "); to = def[u[4]]
                if (to == "" || to == u[2]) continue
                k = u[2] " -> " to; calls[k]++
                if (r[to] > r[u[2]]) { print u[3] ": calls " u[4] " of layer " to ", above " u[2]; bad = 1 }
            }
            for (k in calls) print "calls " k "  (" calls[k] " symbols)" | "sort"
            close("sort")
            exit bad
        }'
    exit $?
fi
SRC=${1:-src}

rank() {
    i=0
    for l in $ORDER; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}

# in_program LAYER: true when LAYER is one of the program's rooms
in_program() {
    for l in $PROGRAM; do [ "$l" = "$1" ] && return 0; done
    return 1
}

bad=0
edges=$(mktemp "${TMPDIR:-/tmp}/tenyo-layers-XXXXXX")
trap 'rm -f "$edges"' EXIT
for f in $(find "$SRC" -mindepth 2 -name '*.[ch]' | sort); do
    own=$(basename "$(dirname "$f")")
    r_own=$(rank "$own")
    if [ "$r_own" -lt 0 ]; then
        echo "$f: folder '$own' is not a layer (tests/layers.sh ORDER: $ORDER)"
        bad=1
        continue
    fi
    # "#include "x"" lines with their numbers
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
    sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' >"$edges.f"
    while read -r line inc; do
        case $inc in
        tenyo.h) continue ;;
        */*) to=${inc%%/*} ;;
        *) to=$own ;;
        esac
        r_to=$(rank "$to")
        echo "$own $to $f" >>"$edges"
        if [ "$r_to" -lt 0 ]; then
            echo "$f:$line: includes \"$inc\": '$to' is not a layer"
            bad=1
        elif [ "$r_to" -gt "$r_own" ]; then
            echo "$f:$line: includes \"$inc\": layer $to is above $own (order: $ORDER)"
            bad=1
        elif in_program "$own" && ! in_program "$to"; then
            echo "$f:$line: includes \"$inc\": the program's rooms ($PROGRAM) use only tenyo.h and their own headers"
            bad=1
        fi
    done <"$edges.f"
    rm -f "$edges.f"
done

if [ $graph = 1 ]; then
    echo "# include graph between layers of $SRC (direct #include \"...\" lines;"
    echo "# files in parentheses; every layer also includes tenyo.h)"
    awk '$1 != $2 { k = $1 " -> " $2; n[k]++ } END { for (k in n) print k "  (" n[k] ")" }' "$edges" | sort
    echo "digraph layers {"
    awk '$1 != $2 { print "  " $1 " -> " $2 ";" }' "$edges" | sort -u
    echo "}"
fi
if [ $bad = 0 ] && [ $graph = 0 ]; then
    echo "layers: $(find "$SRC" -mindepth 2 -name '*.[ch]' | wc -l) files, every include at or below its layer ($ORDER)"
fi
exit $bad
