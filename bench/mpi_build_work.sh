#!/bin/sh
# mpi_build_work.sh — the work overhead of a whole `tenyo-mpi index`
# (issue 20): every instruction of every rank (callgrind's Ir, the whole
# run: starting, reading, tokenizing, merging, weighting, the SVD, the
# IVF and field model when asked, writing), summed over the ranks, for
# each P given, split into what ran inside Open MPI's libraries (self cost
# by object: mostly its progress engine polling while a rank waits for
# another, its copies) and the rest ("work"), with the ratio of each to
# P = 1. bench/mpi_work.sh measures the SVD alone on a larger index; this
# one counts what a rank repeats or adds outside it too (each rank's
# start, MeCab's dictionary included; reading: every rank scans every
# input, parsing only its own records; the messages). This VM has no
# hardware counters (perf: "not supported"), so callgrind counts them, at
# ~50x native: a generated corpus of 10,000 documents takes ~5 minutes a
# P. OpenBLAS is pinned to its Sandybridge kernels as in mpi_work.sh
# (valgrind emulates FMA lanes in software).
#
# Usage: [TM=build/tenyo-mpi] [CORETYPE=Sandybridge] [KEEP=DIR]
#        sh bench/mpi_build_work.sh CORPUS "1 2 4" [index options...]
# Every rank runs -t 1 with OPENBLAS_NUM_THREADS=1; TENYO_MPI_CHUNK as in
# the environment (default 256 lines). Prints per rank its Ir, then
#   P=.. Ir_total=.. Ir_openmpi=.. Ir_work=.. total/P1=.. work/P1=..
set -u
SRC=$1 PS=$2
shift 2
TM=${TM:-build/tenyo-mpi}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
CORETYPE=${CORETYPE-Sandybridge}
[ -n "$CORETYPE" ] && export OPENBLAS_CORETYPE="$CORETYPE"
. "$(dirname "$0")/cg_ir.sh"
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-bwork-XXXXXX")
trap 'rm -rf "$D"' EXIT
t1=""; w1=""
for np in $PS; do
  rm -rf "$D"/cg.* "$D"/x.tny*
  if ! mpirun --oversubscribe -np "$np" valgrind --tool=callgrind \
       --callgrind-out-file="$D/cg.%p" "$TM" index -q -t 1 "$@" -o "$D/x.tny" "$SRC" \
       >"$D/out" 2>&1; then
    echo "P=$np: run failed: $(tail -n 3 "$D/out" | tr '\n' ' ')"
    continue
  fi
  [ -n "${KEEP:-}" ] && for f in "$D"/cg.*; do cp "$f" "$KEEP/B$np.$(basename "$f")"; done
  tot=0; comm=0
  for f in "$D"/cg.*; do
    t=$(cg_total "$f")
    c=$(cg_openmpi "$f")
    echo "  rank file $(basename "$f"): Ir $t, in Open MPI $c"
    tot=$(echo "$tot + $t" | bc); comm=$(echo "$comm + $c" | bc)
  done
  work=$(echo "$tot - $comm" | bc)
  [ -z "$t1" ] && { t1=$tot; w1=$work; }
  printf 'P=%s Ir_total=%s Ir_openmpi=%s Ir_work=%s total/P1=%.3f work/P1=%.3f\n' "$np" "$tot" \
    "$comm" "$work" "$(echo "$tot / $t1" | bc -l)" "$(echo "$work / $w1" | bc -l)"
done
