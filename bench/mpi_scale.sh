#!/bin/sh
# mpi_scale.sh — a corpus larger than one process should hold, indexed by
# tenyo-mpi into shards, each rank held to a memory limit by a memory
# cgroup of its own: the build's wall time, every rank's peak resident
# memory (VmHWM, as tenyo-mpi reports it) and the cgroup's own count of
# reclaims at its limit and OOM kills, then the sharded index opened and
# asked (info, a search, a text query, ideas by a document's id), each as
# a whole process.
#
# Usage: sh bench/mpi_scale.sh CORPUS [P [GIB]]   (root: cgroups)
#   CORPUS  JSON Lines (e.g. build/tests/gen_corpus -n 4000000 -o g4m.jsonl)
#   P       ranks (default 4), each `-t 1` with OPENBLAS_NUM_THREADS=1
#   GIB     each rank's memory limit in GiB (default 6)
#   env: TM (tenyo-mpi, build/tenyo-mpi), T (tenyo, build/tenyo),
#        OUT (the index, default CORPUS with .tny), NICE (default 0).
# The limit is the cgroup's (v1 memory.limit_in_bytes or v2 memory.max):
# resident memory and the page cache a rank's reading fills are charged to
# it; at the limit the kernel reclaims the cache first, and a rank whose
# resident memory passes it is killed (the job then fails, and the line
# for that rank says oom_kill). Prints one RESULT line and one line per rank.
set -u
SRC=$1 P=${2:-4} GIB=${3:-6}
T=${T:-build/tenyo} TM=${TM:-build/tenyo-mpi}
OUT=${OUT:-${SRC%.jsonl}.tny}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  CGR=/sys/fs/cgroup LIM=memory.max PEAK=memory.peak
  echo +memory > "$CGR/cgroup.subtree_control" 2>/dev/null
elif [ -d /sys/fs/cgroup/memory ]; then
  CGR=/sys/fs/cgroup/memory LIM=memory.limit_in_bytes PEAK=memory.max_usage_in_bytes
else
  echo "mpi_scale: no memory cgroup here (/sys/fs/cgroup)"; exit 2
fi
TAG=tenyo-scale-$$
D=$(mktemp -d "${TMPDIR:-/tmp}/mpi-scale-XXXXXX")
trap 'for c in "$CGR/$TAG"-r*; do [ -d "$c" ] && rmdir "$c"; done; rm -rf "$D"' EXIT
# each rank puts itself in its own cgroup, then becomes tenyo-mpi
cat > "$D/rank.sh" <<SH
#!/bin/sh
c="$CGR/$TAG-r\${OMPI_COMM_WORLD_RANK:-0}"
mkdir -p "\$c" && echo $((GIB * 1024 * 1024 * 1024)) > "\$c/$LIM" && echo \$\$ > "\$c/cgroup.procs" || exit 97
exec nice -n ${NICE:-0} "$TM" "\$@"
SH
rm -rf "$OUT" "$OUT".*
t0=$(date +%s.%N)
mpirun --oversubscribe -np "$P" sh "$D/rank.sh" index ${QUIET--q} -t 1 --shards "$P" -o "$OUT" "$SRC" 2>"$D/err"
rc=$?
t1=$(date +%s.%N)
cat "$D/err" | grep -v '^$' | tail -n 20 | sed 's/^/  /'
printf 'RESULT P=%s limit=%sGiB rc=%s wall=%.1fs bytes=%s\n' "$P" "$GIB" "$rc" \
  "$(echo "$t1 - $t0" | bc)" "$(cat "$OUT" "$OUT".* 2>/dev/null | wc -c)"
for c in "$CGR/$TAG"-r*; do
  [ -d "$c" ] || continue
  oom=$(grep -s '^oom_kill ' "$c/memory.oom_control" "$c/memory.events" | awk '{print $2}' | head -n 1)
  printf '  %s: cgroup peak %s MiB (resident and page cache), at the limit %s times, oom_kill %s\n' \
    "${c##*-}" "$(( $(cat "$c/$PEAK" 2>/dev/null || echo 0) / 1048576 ))" \
    "$(cat "$c/memory.failcnt" 2>/dev/null || grep -s '^max ' "$c/memory.events" | awk '{print $2}')" "${oom:-0}"
done
[ $rc = 0 ] || exit 1
# the sharded index asked, each a whole process (wall, peak resident)
ask() {
  /usr/bin/time -f '%e s %M KiB' -o "$D/t" "$T" "$@" >"$D/o" 2>"$D/e"
  r=$?
  printf '  %-40s rc=%s %s\n' "$*" "$r" "$(tail -n 1 "$D/t")"
}
ask info "$OUT"
ask search "$OUT" 乾燥
ask similar "$OUT" --text 気体血圧構造体
ask ideas "$OUT" GEN0000000002
