#!/bin/sh
# bench/kw_same.sh — the same answers before and after a change to keyword
# search: every query of bench/groonga_queries.txt and of the tests (words,
# phrases, OR, NOT, one character, Latin word starts), run as `tenyo search
# IDX Q` (-k 20) and `tenyo search IDX Q -k 100 --json` by two binaries (or
# one binary on two indexes of the same records), stdout, stderr and exit
# status compared byte for byte. Prints "N same, N differ" and each
# difference; exit 1 when any differs.
#
# Usage: sh bench/kw_same.sh BIN_A IDX_A BIN_B IDX_B
set -u
A=$1; IA=$2; B=$3; IB=$4
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
same=0; differ=0
run() { # BIN IDX OUTPREFIX ARGS...
    bin=$1; idx=$2; o=$3; shift 3
    "$bin" search "$idx" "$@" >"$o.out" 2>"$o.err"; echo $? >"$o.rc"
}
{
    cat "$HERE/groonga_queries.txt"
    printf '%s\n' "制御装置" "の" "する" "カメラ 眠気 -車両" "ロボット OR 電池" "ロボット 電池" \
        "\"車両の制御\"" "zzqqxx" "sensor" "s" "打継目" "NOT カメラ" "半導体基板" "ＡＢＣ" "abc" \
        "二酸化 炭素" "自動車 OR 車両 -制御" "ーー" "装置装置" "。" "lidar OR LiDAR"
} > "$TMP/q"
while IFS= read -r q; do
    [ -n "$q" ] || continue
    for mode in text json; do
        if [ $mode = json ]; then set -- -k 100 --json; else set -- -k 20; fi
        run "$A" "$IA" "$TMP/a" "$q" "$@"
        run "$B" "$IB" "$TMP/b" "$q" "$@"
        if cmp -s "$TMP/a.out" "$TMP/b.out" && cmp -s "$TMP/a.err" "$TMP/b.err" &&
           cmp -s "$TMP/a.rc" "$TMP/b.rc"; then
            same=$((same + 1))
        else
            differ=$((differ + 1)); echo "differs: $q ($mode)"
        fi
    done
done < "$TMP/q"
echo "$same same, $differ differ"
[ "$differ" = 0 ]
