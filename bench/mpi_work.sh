#!/bin/sh
# mpi_work.sh — the work overhead of the row-split SVD (issue 20):
# instructions (callgrind's Ir) inside ty_svd_randomized, summed over the
# ranks of `mpirun -np P build/tests/mpi_svd_work --split-only`, for each
# P given, split into the factorisation's own work and what ran inside
# Open MPI's libraries (self cost by object: the progress engine polling
# while a rank waits in a collective, its copies and reductions). This VM
# has no hardware counters (perf: "not supported"), so callgrind counts
# them.
#
# Two things make a 100k-document index fit (about 5 CPU-minutes per P
# instead of hours):
#   - build/tests/mpi_svd_work (make build/tests/mpi_svd_work) is
#     svd_check.c with callgrind's client requests around the SVD, run
#     with --instr-atstart=no: reading and decoding the index runs
#     uninstrumented;
#   - OpenBLAS is pinned to its Sandybridge kernels (AVX, no FMA):
#     valgrind emulates each lane of a fused multiply-add in software,
#     which made the Haswell/Zen kernels run ~600x slower than native
#     (a 2,000-document jp slice: 203 s against 14 s). The counts are
#     then those of the AVX kernels, for every P alike (set CORETYPE=
#     to keep OpenBLAS's own choice).
# Printed per P: Ir_total; Ir_openmpi, the self cost of Open MPI's
# objects (mostly its progress engine polling while a rank waits for the
# others), and Ir_work, the rest; Ir_collectives, the inclusive cost of
# the collectives of src/mpi/mpicomm.c (Open MPI and the libc copies it
# makes), and Ir_outside_collectives, the rest: the factorisation itself.
# Usage: [KEEP=DIR] [CORETYPE=Sandybridge] sh bench/mpi_work.sh INDEX BLOCK "1 2 4" [BINARY]
IDX=$1; BLOCK=${2:-4096}; PS=${3:-"1 2 4"}; CHECK=${4:-build/tests/mpi_svd_work}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
CORETYPE=${CORETYPE-Sandybridge}
[ -n "$CORETYPE" ] && export OPENBLAS_CORETYPE="$CORETYPE"
. "$(dirname "$0")/cg_ir.sh"
D=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-work-XXXXXX")
trap 'rm -rf "$D"' EXIT
for np in $PS; do
  rm -f "$D"/cg.*
  # a binary without the client requests needs the old toggle instead
  case "$CHECK" in
    *mpi_svd_work*) VG="--instr-atstart=no" ;;
    *) VG="--toggle-collect=ty_svd_randomized" ;;
  esac
  mpirun --oversubscribe -np "$np" valgrind --tool=callgrind $VG \
    --callgrind-out-file="$D/cg.%p" "$CHECK" --split-only --block "$BLOCK" "$IDX" >/dev/null 2>&1 ||
    { echo "P=$np: run failed"; continue; }
  tot=0; comm=0; coll=0
  # KEEP=DIR keeps the profiles (callgrind_annotate DIR/P2.cg.PID)
  [ -n "$KEEP" ] && for f in "$D"/cg.*; do cp "$f" "$KEEP/P$np.$(basename "$f")"; done
  for f in "$D"/cg.*; do
    t=$(cg_total "$f")
    # self cost by object: Open MPI's libraries (progress polling while a
    # rank waits, copies, reductions) against everything else
    c=$(cg_openmpi "$f")
    # inclusive cost of the collectives (src/mpi/mpicomm.c): Open MPI
    # and what it calls (libc's memcpy of the shared-memory copies)
    k=$(callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$f" 2>/dev/null |
        awk '/mpicomm\.c:(sum_i64|max_f64|gather_f32|sum_scatter_i64|bcast_f64) / {
               n = $1; gsub(",", "", n); s += n } END { printf "%.0f\n", s }')
    echo "  rank file $(basename "$f"): Ir $t, in Open MPI $c, in the collectives $k"
    tot=$(echo "$tot + $t" | bc); comm=$(echo "$comm + $c" | bc); coll=$(echo "$coll + $k" | bc)
  done
  # work: outside Open MPI's objects (as before), and outside the
  # collectives altogether (the factorisation's own instructions)
  echo "P=$np Ir_total=$tot Ir_openmpi=$comm Ir_work=$(echo "$tot - $comm" | bc)" \
       "Ir_collectives=$coll Ir_outside_collectives=$(echo "$tot - $coll" | bc)"
done
