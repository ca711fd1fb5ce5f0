#!/bin/sh
# mpi_identity.sh — issue 20's identity table for one corpus: `tenyo
# index` once, then `mpirun -np P tenyo-mpi index` with the same options
# for each P, every output compared with cmp (a sharded index: every file
# its manifest names, in name order, against the single process's; the
# manifests name their own files, so they are not compared themselves),
# and one line per P: identical or not, sha256 of the single file (or of
# the shards' concatenation), wall seconds, and what rank 0 prints about
# bytes received after the SVD and every rank's peak memory (VmHWM).
#
# Usage: sh bench/mpi_identity.sh CORPUS "1 2 3 4" [index options...]
#   env: T (tenyo, default build/tenyo), TM (tenyo-mpi, build/tenyo-mpi),
#        KEEP=1 keeps the scratch directory (printed).
# Every rank runs `-t 1` with OPENBLAS_NUM_THREADS=1 (the single process
# gets the options as given). Prints
# "RESULT P=.. identical|DIFFERENT sha256=.. wall=..s" per P and exits 1
# when any differs.
set -u
SRC=$1 PS=$2
shift 2
T=${T:-build/tenyo} TM=${TM:-build/tenyo-mpi}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
D=$(mktemp -d "${TMPDIR:-/tmp}/mpi-identity-XXXXXX")
[ "${KEEP:-}" = 1 ] && echo "scratch: $D" || trap 'rm -rf "$D"' EXIT
now() { date +%s.%N; }
# The files of an index at $1, in a fixed order: the file itself, or for a
# sharded index (a manifest) every file it names, generation stripped.
files() {
  if head -c 16 "$1" | grep -q '^tenyo-sharded'; then
    for f in "$1".*; do [ -f "$f" ] && echo "$f"; done | grep -v '\.upd$' | sort
  else
    echo "$1"
  fi
}
# Compare index $1 with the reference $2: every file in order, by content.
same() {
  a=$(files "$1") b=$(files "$2")
  [ "$(echo "$a" | wc -l)" = "$(echo "$b" | wc -l)" ] || return 1
  echo "$a" > "$D/la"; echo "$b" > "$D/lb"
  paste "$D/la" "$D/lb" | while read -r x y; do
    cmp -s "$x" "$y" || exit 1
  done
}
digest() { files "$1" | xargs cat | sha256sum | cut -c1-16; }
t0=$(now)
"$T" index -q "$@" -o "$D/ref.tny" "$SRC" || { echo "tenyo index failed"; exit 2; }
t1=$(now)
printf 'RESULT single wall=%.1fs sha256=%s\n' "$(echo "$t1 - $t0" | bc)" "$(digest "$D/ref.tny")"
bad=0
for p in $PS; do
  rm -rf "$D/p.tny"*
  t0=$(now)
  mpirun --oversubscribe -np "$p" "$TM" index -q -t 1 "$@" -o "$D/p.tny" "$SRC" 2>"$D/err$p"
  rc=$?
  t1=$(now)
  if [ $rc = 0 ] && same "$D/p.tny" "$D/ref.tny"; then r=identical; else r=DIFFERENT; bad=1; fi
  printf 'RESULT P=%s %s rc=%s wall=%.1fs sha256=%s\n' "$p" "$r" "$rc" "$(echo "$t1 - $t0" | bc)" "$(digest "$D/p.tny")"
  grep -h 'VmHWM\|received after the SVD' "$D/err$p" | sed 's/^/  /'
done
exit $bad
