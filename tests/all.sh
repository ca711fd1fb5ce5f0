#!/bin/sh
# all.sh — runs every suite and prints the combined "N passed, N failed":
#   unit      build/tests/run (tests/test_*.c)
#   cli       tests/cli.sh (exit codes, messages, golden output, updates)
#   api       tests/api.sh (the HTTP API of tenyo serve)
#   e2e       tests/e2e.sh (the web page in headless Chromium; skips without it)
#   fuzz      tests/fuzz/replay.sh (the saved fuzz corpora, every target)
#   fixtures  tests/fixtures.sh (corrupted index files are refused cleanly)
#   licensable tests/licensable.sh (licensable lists, company matching, profiles)
#   workflow  tests/workflow.sh (J-PlatPat exports: importer, keyword search,
#             application and registration numbers)
#   crash     tests/crash.sh (index/add/delete/rebuild killed at random moments,
#             also through a symbolic link; index racing add and rebuild)
#   crash-ws  tests/crash_ws.sh (ideas --worksheet killed at random moments:
#             the file is the old worksheet or the new one)
#   options   tests/options.sh (every option's range, did you mean, - as stdin)
#   man       tests/man.sh (man page lint; --help and man/tenyo.1 agree;
#             libtenyo(3)'s SYNOPSIS lists every call of tenyo.h)
#   man examples tests/man_examples.sh (every example of the man pages, en
#             and ja, runs as printed: commands over the sample export, C
#             programs built against the library)
#   install   tests/install.sh (make install to a DESTDIR; pkg-config program,
#             shared and static)
#   python    tests/python.sh (the Python binding's pytest suite)
#   shards    tests/shards.sh (a sharded index: tenyo index --shards, read by
#             every command, equal answers; damaged shards refused)
#   mpi       tests/mpi.sh (the row-split SVD over Open MPI ranks; skips without MPI)
#   layers    tests/layering.sh (the house plan: includes and calls only go down)
#   hostile   tests/hostile.sh (hostile lists, unwritable output, flipped bytes
#             for check, the server's arguments, limits and host check)
#   scale     tests/scale.sh (tenyo bench; zstd-compressed input)
#   readme    tests/readme.sh (the tours of README.md and README.ja.md run as
#             written in a fresh clone; no development history in them)
# Each suite ends with its own "N passed, N failed" line; a suite whose line
# is missing counts as one failure.
# Suites run side by side, TENYO_TEST_JOBS at a time (default: the number
# of processors): each writes to its own file and is shown whole when it
# ends, in the order they end; the summary lists them in the order below.
# Suites share nothing but the built programs (temporary folders of their
# own, servers on ports the kernel picks). The longest (mpi) starts first.
# Under ThreadSanitizer (make SANITIZE=thread test: SANFLAGS names thread)
# only the suites whose programs run threads (TSAN_SUITES, default unit,
# api, hostile, python) run, each process under setarch -R (the run time
# needs the address-space layout it expects, which randomisation on recent
# kernels breaks), with tests/tsan.supp; every report goes to a file of
# its own and counts as a failure ("tsan" in the summary), shown at the end.
# TEST_SUITES (names, space-separated) runs only those suites, and
# TEST_UNIT (name substrings) only the unit tests whose name holds one:
# .ci/run uses both to keep its sanitizer passes short; a plain `make test`
# runs everything.
# Usage: sh tests/all.sh BUILD_DIR
B=${1:-build}
TSAN=
case $SANFLAGS in *thread*)
  if [ -z "$TENYO_TSAN_SETARCH" ] && setarch "$(uname -m)" -R true 2>/dev/null; then
    TENYO_TSAN_SETARCH=1 exec setarch "$(uname -m)" -R sh "$0" "$@"
  fi
  TSAN=1
  TSAN_SUITES=${TSAN_SUITES:-unit api hostile python} ;;
esac
J=${TENYO_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $J in ''|*[!0-9]*|0) J=1 ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-tests-XXXXXX")
trap 'rm -rf "$dir"' EXIT
n=0
if [ -n "$TSAN" ]; then
  mkdir "$dir/tsan"
  TSAN_OPTIONS="log_path=$dir/tsan/report suppressions=$(pwd)/tests/tsan.supp ${TSAN_OPTIONS:-}"
  export TSAN_OPTIONS
fi

# suite NAME CMD...: start CMD in the background once a slot is free
suite() {
    if [ -n "$TSAN" ]; then
        case " $TSAN_SUITES " in *" $1 "*) ;; *) return ;; esac
    fi
    if [ -n "${TEST_SUITES:-}" ]; then
        case " $TEST_SUITES " in *" $1 "*) ;; *) return ;; esac
    fi
    wait_slots "$J"
    n=$((n + 1))
    echo "$1" >"$dir/$n.name"
    shift
    (
        t0=$(date +%s)
        "$@" >"$dir/$n.out" 2>&1
        echo $(($(date +%s) - t0)) >"$dir/$n.time"
        : >"$dir/$n.done"
    ) &
}

# show every suite that ended and was not shown yet
show_done() {
    for f in "$dir"/*.done; do
        [ -e "$f" ] || continue
        i=${f%.done}
        i=${i##*/}
        echo "== $(cat "$dir/$i.name") ($(cat "$dir/$i.time") s)"
        cat "$dir/$i.out"
        mv "$f" "$dir/$i.shown"
    done
}

# wait_slots K: show what ended until fewer than K suites run
wait_slots() {
    while :; do
        show_done
        running=0
        k=1
        while [ "$k" -le "$n" ]; do
            [ -e "$dir/$k.shown" ] || [ -e "$dir/$k.done" ] || running=$((running + 1))
            k=$((k + 1))
        done
        [ "$running" -lt "$1" ] && return
        sleep 1
    done
}

export TENYO="$B/tenyo" E2E_OUT="$B/e2e"
suite mpi sh tests/mpi.sh "$B"
suite unit "$B/tests/run" ${TEST_UNIT:-}
suite cli sh tests/cli.sh
suite crash sh tests/crash.sh
suite crash-ws sh tests/crash_ws.sh
suite fixtures sh tests/fixtures.sh
suite workflow sh tests/workflow.sh
suite hostile sh tests/hostile.sh
suite api sh tests/api.sh
suite e2e sh tests/e2e.sh
suite "fuzz replay" sh tests/fuzz/replay.sh "$B"
suite licensable sh tests/licensable.sh
suite options sh tests/options.sh
suite man sh tests/man.sh
suite "man examples" sh tests/man_examples.sh
suite install sh tests/install.sh "$B"
suite python sh tests/python.sh "$B"
suite shards sh tests/shards.sh "$B"
suite layers sh tests/layering.sh "$B"
suite scale sh tests/scale.sh
suite readme sh tests/readme.sh "$B"
wait_slots 1
wait

# the totals: a suite whose last line is not "N passed, N failed" counts as
# one failure
passed=0
failed=0
summary=""
k=1
while [ "$k" -le "$n" ]; do
    set -- $(tail -n 1 "$dir/$k.out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
    p=${1:-0}
    f=${2:-1}
    passed=$((passed + p))
    failed=$((failed + f))
    summary="$summary${summary:+; }$(cat "$dir/$k.name"): $p passed, $f failed ($(cat "$dir/$k.time") s)"
    k=$((k + 1))
done
if [ -n "$TSAN" ]; then
  reports=$(cat "$dir"/tsan/report.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
  for f in "$dir"/tsan/report.*; do [ -e "$f" ] && cat "$f"; done
  failed=$((failed + reports))
  summary="$summary; tsan ($TSAN_SUITES${TEST_UNIT:+; unit tests: $TEST_UNIT}, setarch -R: ${TENYO_TSAN_SETARCH:-no}): $reports reports"
fi
echo "$summary"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
