#!/bin/sh
# mpi.sh — the row-split SVD over real Open MPI ranks (issue 20):
# build/tests/mpi_svd_check (tests/mpi/svd_check.c) under
# `mpirun --oversubscribe -np P`, P = 1..4, on the sample corpus (blocks of
# 16 rows: 13 blocks, so every P splits it; explicit uneven shares with an
# empty rank) and on the jp corpus (the default block of `tenyo index`:
# 3 blocks, so P = 4 has a rank with no documents; S, V and the document
# vectors also compared with what `tenyo index` stored). Each run must
# report "identical" and exit 0. Skips (0 passed, 0 failed) with the
# apt-get line when Open MPI is not installed.
# Usage: sh tests/mpi.sh BUILD_DIR   (TENYO: the tenyo binary)
B=${1:-build}
TENYO=${TENYO:-$B/tenyo}
CHECK=$B/tests/mpi_svd_check
pass=0
fail=0
if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1 || [ ! -x "$CHECK" ]; then
  echo "mpi: skipped: Open MPI is not installed (or $CHECK not built). To run these tests:"
  echo "  sudo apt-get update && sudo apt-get install -y openmpi-bin libopenmpi-dev && make test"
  echo "0 passed, 0 failed"
  exit 0
fi
# Open MPI refuses root without these (containers, CI)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
# In the sanitizer build (make SANITIZE=address,undefined test) LeakSanitizer
# reports what Open MPI itself keeps at exit (libmpi, and MCA components
# already unloaded, so no suppression can name them): no leak check for the
# MPI runs, the rest of AddressSanitizer stays on. The same split SVD is
# leak-checked in-process by the unit test model_svd_split_identical.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-mpi-XXXXXX")
trap 'rm -rf "$D"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# run NAME NP ARGS...: one mpirun, which must print "identical" and exit 0
run() {
  name=$1; np=$2; shift 2
  if timeout 300 mpirun --oversubscribe -np "$np" "$CHECK" "$@" >"$D/out" 2>&1 &&
     grep -q "^mpi_svd_check: identical" "$D/out"; then
    ok "$name"; sed -n 's/^P=/     P=/p; s/^  reduced/       reduced/p' "$D/out"
  else
    bad "$name ($(tail -n 5 "$D/out" | tr '\n' ' ' | head -c 400))"
  fi
}

if "$TENYO" index -q -t 2 -o "$D/sample.tny" data/sample/sample.jsonl >"$D/err" 2>&1; then
  for np in 1 2 3 4; do run "mpi_svd_sample_block16_np$np" $np --block 16 "$D/sample.tny"; done
  run mpi_svd_sample_uneven_empty_rank 4 --block 16 --blocks 5,0,3 "$D/sample.tny"
  # the default block: one block, so ranks 1.. are empty; compared with the index
  run mpi_svd_sample_index_np2 2 "$D/sample.tny"
else
  bad "mpi_index_sample ($(head -c 300 "$D/err"))"
fi

JP=${TENYO_SHARED_DATA:-../shared/data}/jp/jplatpat.jsonl
if [ -f "$JP" ]; then
  if "$TENYO" index -q -t 2 -o "$D/jp.tny" "$JP" >"$D/err" 2>&1; then
    for np in 1 2 3 4; do run "mpi_svd_jp_index_np$np" $np "$D/jp.tny"; done
    run mpi_svd_jp_uneven_empty_rank 3 --blocks 2,0 "$D/jp.tny"
  else
    bad "mpi_index_jp ($(head -c 300 "$D/err"))"
  fi
else
  echo "skip mpi_svd_jp: $JP not found"
fi

# the check must be able to fail: one rank's first integer sum corrupted
# (--perturb) must give "DIFFERENT" and exit 1
if [ -f "$D/sample.tny" ]; then
  timeout 120 mpirun --oversubscribe -np 2 "$CHECK" --block 16 --perturb 1 "$D/sample.tny" >"$D/out" 2>&1
  rc=$?
  if [ "$rc" != 0 ] && grep -q "^mpi_svd_check: DIFFERENT" "$D/out"; then
    ok mpi_svd_check_detects_a_difference
  else
    bad "mpi_svd_check_detects_a_difference (exit $rc: $(tail -n 3 "$D/out" | tr '\n' ' '))"
  fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
