#!/bin/sh
# python.sh — the Python binding's pytest suite (python/tests) against the
# built libtenyo.so, with Debian's python3 (python3-pytest, python3-pandas:
# TEST_DEB_PKGS of the Makefile, which `make test` installs as root).
# Prints pytest's summary, then its counts as "N passed, N failed"; without
# those packages (not root, not installed) it skips like the other suites
# that need test packages, saying what to install.
# In a sanitizer build the library needs the sanitizer run time loaded
# first (LD_PRELOAD); leaks are not checked there (CPython's own). The
# same for ThreadSanitizer (CPython is not instrumented: the races it can
# see are the library's, between the threads the tests query from).
# Usage: sh tests/python.sh BUILD_DIR
B=${1:-build}
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import pytest, pandas' 2>/dev/null; then
  echo "skip python: Debian's python3 with pytest and pandas is needed: apt-get install python3-pytest python3-pandas"
  echo "0 passed, 0 failed"
  exit 0
fi
pre=
case $SANFLAGS in
  *address*) pre=$(${CC:-cc} -print-file-name=libasan.so);;
  *thread*) pre=$(${CC:-cc} -print-file-name=libtsan.so);;
esac
out=$(mktemp "${TMPDIR:-/tmp}/tenyo-py-XXXXXX")
trap 'rm -f "$out"' EXIT
TENYO_LIB="$B/libtenyo.so.0" TENYO="$B/tenyo" TENYO_ABI="$B/tests/abi" PYTHONPATH=python \
  PYTHONDONTWRITEBYTECODE=1 ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$pre" \
  "$PY" -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee "$out"
line=$(grep -E '^=* ?[0-9]+ (passed|failed)' "$out" | tail -n 1)
[ -z "$line" ] && line=$(grep -E '[0-9]+ (passed|failed)' "$out" | tail -n 1)
n() { echo "$line" | grep -o "[0-9][0-9]* $1" | grep -o '^[0-9]*'; }
p=$(n passed); f=$(n failed); e=$(n error)
p=${p:-0}; f=$((${f:-0} + ${e:-0}))
[ "$p" = 0 ] && [ "$f" = 0 ] && f=1
echo "$p passed, $f failed"
[ "$f" = 0 ]
