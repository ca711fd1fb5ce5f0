#!/bin/bash
# fresh.sh — the README's two commands on a fresh Debian 12, as a new user
# meets them (`make fresh-check`; .ci/run runs it on every submission).
#
#   1. A minimal bookworm root: mmdebstrap --variant=minbase with git,
#      ca-certificates and make, nothing else. Made once per machine and
#      kept as a tarball in $FRESH_CACHE (default /var/cache/tenyo-fresh);
#      FRESH_REBUILD=1 makes it again.
#   2. Unpacked into a scratch folder; the current commit (HEAD, not the
#      working tree) cloned into it at /work/tenyo, and ../shared, when there
#      is one beside this checkout, mounted read-only at /work/shared.
#   3. /proc, /dev (with /dev/pts) and a /dev/shm of its own mounted for the
#      chroot, inside a private mount namespace (unshare) where the system
#      allows one, and unmounted by a trap whatever happens (INT/TERM first
#      end the command running in the chroot); the scratch folder is
#      removed only when nothing is mounted under it any more.
#   4. In the chroot, with a bare environment and no terminal: `make demo`
#      and `make test` as nobody (each must fail, printing the exact
#      apt-get line, having built nothing), then as root `make demo`, then
#      `make test`; each timed, its output kept in $FRESH_LOGS (default
#      build/fresh/).
#
# Passes only when the root runs both exit 0 and the tests' last line is
# "N passed, 0 failed". Needs root (mmdebstrap, chroot, mount) and the
# Debian mirror ($FRESH_MIRROR, default http://deb.debian.org/debian).
# Prints one line per step and a summary; on failure the log's last lines.
# Usage: bash tests/fresh.sh            (from anywhere in the checkout)
set -euo pipefail

# --------------------------------------------- inside: mount, chroot, run
if [ "${1:-}" = --inside ]; then
    R=$2 LOGS=$3 SHARED=${4:-}
    mounted=()
    umount_all() {
        local i
        for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
            umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
        done
        mounted=()
    }
    trap umount_all EXIT
    # On INT/TERM: end the command running in the chroot (its own session,
    # so a terminal's Ctrl-C does not reach it half-way), then unmount.
    child=
    stop() {
        local i
        if [ -n "$child" ]; then
            kill -TERM -- "-$child" 2>/dev/null || true
            for ((i = 0; i < 20; i++)); do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
            kill -KILL -- "-$child" 2>/dev/null || true
            wait "$child" || true
        fi
        exit 130
    }
    trap stop INT TERM
    # called as plain commands, so that set -e stops at a failed mount
    mnt() { mount "$@"; mounted+=("${!#}"); }
    # a bind made private: nothing mounted below it reaches the host
    bind() { mnt --bind "$1" "$2"; mount --make-private "$2"; }
    mnt -t proc proc "$R/proc"
    bind /dev "$R/dev"
    bind /dev/pts "$R/dev/pts"
    mnt -t tmpfs -o mode=1777,size=2g tmpfs "$R/dev/shm"
    if [ -n "$SHARED" ]; then
        mkdir -p "$R/work/shared"
        bind "$SHARED" "$R/work/shared"
        mount -o remount,bind,ro "$R/work/shared"
    fi
    # first as a user who cannot install (must print the apt-get line and
    # stop), then as root (must install, build, run)
    for run in "nobody|make demo" "nobody|make test" "root|make demo" "root|make test"; do
        user=${run%%|*} cmd=${run#*|}
        log="$LOGS/$user-${cmd// /-}.log"
        t0=$(date +%s)
        group=root home=/root
        [ "$user" = root ] || group=nogroup home=/nonexistent
        setsid chroot --userspec="$user:$group" "$R" /usr/bin/env -i HOME="$home" CI=true \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/bash -c "cd /work/tenyo && $cmd" </dev/null >"$log" 2>&1 &
        child=$!
        rc=0; wait "$child" || rc=$?
        child=
        built=no; [ -e "$R/work/tenyo/build/tenyo" ] && built=yes
        echo "$user|$cmd|$rc|$(($(date +%s) - t0))|$built" >>"$LOGS/results"
    done
    exit 0
fi

# ------------------------------------------------- outside: prepare, check
say() { echo "fresh-check: $*"; }
die() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot and mount); run it as root"
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top"
commit=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
    say "note: uncommitted changes are not checked (the check clones HEAD, $(git rev-parse --short HEAD))"
grep -q '^make demo' README.md && grep -q '^make test' README.md ||
    die "README.md no longer lists 'make demo' and 'make test'; update tests/fresh.sh with it"

CACHE=${FRESH_CACHE:-/var/cache/tenyo-fresh}
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
LOGS=${FRESH_LOGS:-$top/build/fresh}
INCLUDE=git,ca-certificates,make
BASE="$CACHE/bookworm-minbase-${INCLUDE//,/-}.tar"
mkdir -p "$CACHE" "$LOGS"
rm -f "$LOGS"/*.log "$LOGS/results"

if ! command -v mmdebstrap >/dev/null 2>&1; then
    say "installing mmdebstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
fi
if [ ! -s "$BASE" ] || [ "${FRESH_REBUILD:-0}" = 1 ]; then
    say "making the base root (mmdebstrap --variant=minbase --include=$INCLUDE bookworm)"
    t0=$(date +%s)
    mmdebstrap --quiet --format=tar --variant=minbase --include="$INCLUDE" bookworm "$BASE.tmp" "$MIRROR" \
        >"$LOGS/mmdebstrap.log" 2>&1 || { tail -n 20 "$LOGS/mmdebstrap.log"; rm -f "$BASE.tmp"; die "mmdebstrap failed"; }
    mv "$BASE.tmp" "$BASE"
    say "base root made in $(($(date +%s) - t0)) s: $BASE"
else
    say "base root from cache: $BASE ($(date -r "$BASE" +%F))"
fi

W=$(mktemp -d "${FRESH_TMP:-/var/tmp}/tenyo-fresh-XXXXXX")
R="$W/root"
# Nothing is deleted while anything is still mounted below $W.
cleanup() {
    if grep -q " $W/" /proc/self/mounts; then
        say "left $W in place: still mounted there:"
        grep " $W/" /proc/self/mounts | cut -d' ' -f2 >&2
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT
mkdir -p "$R"
tar -xf "$BASE" -C "$R"
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
git clone -q --no-hardlinks "$top" "$R/work/tenyo"
git -C "$R/work/tenyo" checkout -q "$commit"
SHARED=
[ -d "$top/../shared" ] && SHARED=$(cd "$top/../shared" && pwd -P)
say "commit $(git rev-parse --short HEAD) in a fresh Debian 12 root; ../shared: ${SHARED:-absent}${SHARED:+ (read-only at /work/shared)}"

# A private mount namespace where the system allows one: the mounts die
# with it even if this script is killed; the trap inside unmounts anyway.
NS=()
unshare --mount --propagation private true 2>/dev/null && NS=(unshare --mount --propagation private)
: >"$LOGS/results"
# In the background, so that a signal here is passed on and waited for:
# the scratch folder is cleaned up only after the inside has unmounted.
"${NS[@]}" bash "$0" --inside "$R" "$LOGS" "$SHARED" &
inner=$!
trap 'kill -TERM "$inner" 2>/dev/null; wait "$inner"; exit 130' INT TERM
wait "$inner" || true
trap - INT TERM

ok=1
apt_line="sudo apt-get update && sudo apt-get install -y build-essential pkg-config"
while IFS='|' read -r user cmd rc secs built; do
    log="$LOGS/$user-${cmd// /-}.log"
    good=1
    if [ "$user" != root ]; then
        # not root: the exact apt-get line, a failure, nothing built
        line="$cmd as $user: exit $rc in ${secs} s"
        if [ "$rc" != 0 ] && grep -qF -- "$apt_line" "$log" && [ "$built" = no ]; then
            line="$line, printed the apt-get line and stopped"
        else
            good=0 line="$line: expected a failure with the apt-get line and nothing built"
        fi
    else
        line="$cmd: exit $rc in ${secs} s"
        [ "$rc" = 0 ] || good=0
        if [ "$cmd" = "make test" ]; then
            summary=$(tail -n 1 "$log")
            line="$line; last line: $summary"
            [[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || good=0
        fi
    fi
    say "$line"
    [ "$user $cmd" = "root make test" ] && echo "$summary"   # the fresh machine's test summary
    if [ "$good" = 0 ]; then
        ok=0
        # the failing checks by name first (the suites print "FAIL name ..."
        # or "not ok ..."), then the log's last lines
        grep -E '^(FAIL|not ok|FAILED)' "$log" | head -n 20 | sed 's/^/  ! /' || true
        tail -n 30 "$log" | sed 's/^/  | /'
    fi
done <"$LOGS/results"
[ "$(wc -l <"$LOGS/results")" = 4 ] || ok=0
[ "$ok" = 1 ] || die "FAILED (logs: $LOGS)"
say "PASSED (logs: $LOGS)"
