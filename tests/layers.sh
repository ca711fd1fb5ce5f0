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
#
# The order is written here once, lowest first. A header is named by its
# folder ("model/model.h"); a name without a folder is a header beside the
# file (its own layer); "tenyo.h" (include/) is the public interface every
# layer may use. The CLI is held to more: it sees only tenyo.h and its own
# headers (include/tenyo.h is all a program linking libtenyo has), and the
# MPI adapter sits on top of everything. System headers (<...>) are not
# checked. No layer header may be skipped over to reach a file's internals:
# the check is on folders, so "search/ivf.h" counts as the search layer.
# make test runs the check (and tests/test_layers.sh that it can fail).
ORDER="util text io model store search api ideas cli mpi"

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
        elif [ "$own" = cli ] && [ "$to" != cli ]; then
            echo "$f:$line: includes \"$inc\": the CLI uses only tenyo.h and its own headers"
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
