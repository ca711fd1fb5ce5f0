#!/bin/sh
# all.sh — runs the unit tests (build/tests/run), the CLI tests
# (tests/cli.sh), the HTTP API tests (tests/api.sh) and the headless-browser
# test of the web page (tests/e2e.sh, skipped without Chromium), then prints
# the combined "N passed, N failed" line.
# Usage: sh tests/all.sh BUILD_DIR
B=${1:-build}
out=$(mktemp "${TMPDIR:-/tmp}/tenyo-tests-XXXXXX")
trap 'rm -f "$out"' EXIT
"$B/tests/run" | tee "$out"; r1=$?
p1=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
TENYO="$B/tenyo" sh tests/cli.sh | tee "$out"; r2=$?
p2=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
TENYO="$B/tenyo" sh tests/api.sh | tee "$out"
p3=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
TENYO="$B/tenyo" E2E_OUT="$B/e2e" sh tests/e2e.sh | tee "$out"
p4=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
set -- ${p1:-0 1} ${p2:-0 1} ${p3:-0 1} ${p4:-0 1}
echo "unit: $1 passed, $2 failed; cli: $3 passed, $4 failed; api: $5 passed, $6 failed; e2e: $7 passed, $8 failed"
echo "$(($1 + $3 + $5 + $7)) passed, $(($2 + $4 + $6 + $8)) failed"
[ "$r1" = 0 ] && [ "$r2" = 0 ] && [ "$(($2 + $4 + $6 + $8))" = 0 ]
