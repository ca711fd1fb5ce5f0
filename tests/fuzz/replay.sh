#!/bin/sh
# replay.sh — replays the saved corpus of every fuzz target (seeds and
# regression inputs in tests/fuzz/corpus/<name>/) through
# BUILD/fuzz/replay_<name> (tests/fuzz/fuzz.mk builds them for `make test`).
# One pass per target whose whole corpus ran clean; a target whose replay
# binary is missing (it did not build), crashes, exits non-zero or runs past
# REPLAY_TIMEOUT seconds (default 300) fails. Last line: "N passed, N failed".
# Usage: sh tests/fuzz/replay.sh BUILD_DIR
B=${1:-build}
T=${REPLAY_TIMEOUT:-300}
pass=0
fail=0
log=$(mktemp "${TMPDIR:-/tmp}/tenyo-replay-XXXXXX")
trap 'rm -f "$log"' EXIT
for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}
    name=${name%.c}
    bin="$B/fuzz/replay_$name"
    dir="tests/fuzz/corpus/$name"
    if [ ! -x "$bin" ]; then
        echo "FAIL fuzz $name  (no $bin: it did not build)"
        fail=$((fail + 1))
        continue
    fi
    if [ ! -d "$dir" ]; then
        echo "FAIL fuzz $name  (no corpus $dir)"
        fail=$((fail + 1))
        continue
    fi
    if timeout "$T" "$bin" "$dir" >"$log" 2>&1; then
        echo "ok   fuzz $(tail -n 1 "$log")"
        pass=$((pass + 1))
    else
        rc=$?
        echo "FAIL fuzz $name  (exit $rc$( [ "$rc" = 124 ] && echo ", over ${T} s"))"
        tail -n 30 "$log" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
