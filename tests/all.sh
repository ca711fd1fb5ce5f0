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
#   options   tests/options.sh (every option's range, did you mean, - as stdin)
#   man       tests/man.sh (man page lint; --help and man/tenyo.1 agree)
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
# Usage: sh tests/all.sh BUILD_DIR
B=${1:-build}
out=$(mktemp "${TMPDIR:-/tmp}/tenyo-tests-XXXXXX")
trap 'rm -f "$out"' EXIT
passed=0
failed=0
summary=""

# suite NAME CMD...: run CMD, show its output, add its counts to the totals
suite() {
    name=$1
    shift
    t0=$(date +%s)
    "$@" | tee "$out"
    set -- $(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
    p=${1:-0}
    f=${2:-1}
    passed=$((passed + p))
    failed=$((failed + f))
    summary="$summary${summary:+; }$name: $p passed, $f failed ($(($(date +%s) - t0)) s)"
}

export TENYO="$B/tenyo" E2E_OUT="$B/e2e"
suite unit "$B/tests/run"
suite cli sh tests/cli.sh
suite api sh tests/api.sh
suite e2e sh tests/e2e.sh
suite "fuzz replay" sh tests/fuzz/replay.sh "$B"
suite fixtures sh tests/fixtures.sh
suite licensable sh tests/licensable.sh
suite workflow sh tests/workflow.sh
suite crash sh tests/crash.sh
suite options sh tests/options.sh
suite man sh tests/man.sh
suite install sh tests/install.sh "$B"
suite python sh tests/python.sh "$B"
suite shards sh tests/shards.sh "$B"
suite mpi sh tests/mpi.sh "$B"
suite layers sh tests/layering.sh "$B"
suite hostile sh tests/hostile.sh
suite scale sh tests/scale.sh
suite readme sh tests/readme.sh "$B"
echo "$summary"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
