# cg_ir.sh — sourced by bench/mpi_work.sh and bench/mpi_build_work.sh: what
# they read from one callgrind profile (one rank's).
#
# cg_total FILE: every instruction the profile counted (its totals line).
cg_total() {
  sed -n 's/^totals: *//p' "$1" | awk '{ printf "%.0f\n", $1 }'
}
# cg_openmpi FILE: the self cost of Open MPI's libraries (and the
# libraries under it): its progress engine polling while a rank waits,
# its copies and reductions.
cg_openmpi() {
  callgrind_annotate --auto=no --threshold=100 "$1" 2>/dev/null |
    awk '/^ *[0-9,]+ .*\[/ { n = $1; gsub(",", "", n);
           if ($0 ~ /openmpi|libmpi|libopen-pal|libopen-rte|libpmix|libhwloc|libevent|mca_/) s += n }
         END { printf "%.0f\n", s }'
}
