#!/bin/sh
# crash.sh — crash safety of index updates: `tenyo index`, `add`, `delete`
# and `rebuild` are killed with SIGKILL at random moments, many times, and
# after each kill the index must open and answer exactly as it did before
# the command or exactly as it does after the command ran to the end —
# never anything in between, never an error.
#
# How: for each command a state S0 is made (a base of the first 150 sample
# records plus updates) and the command is run to the end once on a copy to
# get the state S1. A state's signature is what an analyst would see: the
# document count, the update generation, and the ranked results of three
# queries (one per kind of document: base, added, replaced). Then, RUNS
# times: copy S0, start the command, kill it after a random delay between 0
# and its full duration, and compare the signature with S0's and S1's.
#
# Usage: TENYO=build/tenyo sh tests/crash.sh   (CRASH_RUNS=N per command,
# default 15). Last line: "N passed, N failed".
T=${TENYO:-build/tenyo}
RUNS=${CRASH_RUNS:-15}
S=data/sample/sample.jsonl
W=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-crash-XXXXXX")
trap 'rm -rf "$W"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# random integer in [0, $1)
rnd() { od -An -N4 -tu4 /dev/urandom | awk -v m="$1" '{ print $1 % m }'; }

# signature of the index in directory $1 (file x.tny)
sig() {
    {
        "$T" info --json "$1/x.tny" | sed -n 's/.*"documents":\([0-9]*\).*"generation":\([0-9]*\).*/docs \1 gen \2/p'
        for q in SAMPLE-020 SAMPLE-170 SAMPLE-010; do
            "$T" similar "$1/x.tny" "$q" -k 5 --json 2>&1 | tr -d '\n' | sed "s|$1/||g"
            echo
        done
    } 2>&1
}

# milliseconds since the epoch
now_ms() { date +%s%3N; }

head -150 "$S" > "$W/base.jsonl"
sed -n '151,175p' "$S" > "$W/add1.jsonl"
sed -n '176,200p' "$S" > "$W/add2.jsonl"
# a replacement of SAMPLE-010 with another title (same id)
grep '"SAMPLE-010"' "$S" | sed 's/"title": "[^"]*"/"title": "置換された題名 replaced title"/' > "$W/repl.jsonl"
cat "$W/add2.jsonl" "$W/repl.jsonl" > "$W/add2r.jsonl"
head -120 "$S" > "$W/reindex.jsonl"

mkdir "$W/s0"
"$T" index -q -t 1 -o "$W/s0/x.tny" "$W/base.jsonl" 2>/dev/null &&
    "$T" add -q -t 1 "$W/s0/x.tny" "$W/add1.jsonl" 2>/dev/null &&
    "$T" delete "$W/s0/x.tny" SAMPLE-030 2>/dev/null
if [ ! -s "$W/s0/x.tny.upd/MANIFEST" ]; then
    echo "crash: could not prepare the starting index"
    echo "0 passed, 1 failed"
    exit 1
fi

for cmd in add delete rebuild index; do
    # the command's arguments for the index in directory $1 (no spaces in
    # $W: mktemp), run without a wrapper so that $! is tenyo itself
    args() {
        case $cmd in
        add) echo "add -q -t 1 $1/x.tny $W/add2r.jsonl" ;;
        delete) echo "delete $1/x.tny SAMPLE-020 SAMPLE-160 SAMPLE-001" ;;
        rebuild) echo "rebuild -t 1 $1/x.tny" ;;
        index) echo "index -q -t 1 -o $1/x.tny $W/reindex.jsonl" ;;
        esac
    }
    rm -rf "$W/a" "$W/b"
    cp -r "$W/s0" "$W/a"
    sig "$W/a" > "$W/sig0"
    cp -r "$W/s0" "$W/b"
    t0=$(now_ms)
    "$T" $(args "$W/b") 2>/dev/null
    t1=$(now_ms)
    sig "$W/b" > "$W/sig1"
    dur=$((t1 - t0 + 20))
    if cmp -s "$W/sig0" "$W/sig1"; then
        bad "$cmd: the command did not change the index"
        continue
    fi
    before=0 after=0 broken=0
    i=0
    while [ $i -lt "$RUNS" ]; do
        i=$((i + 1))
        rm -rf "$W/k"
        cp -r "$W/s0" "$W/k"
        delay=$(rnd "$dur")
        "$T" $(args "$W/k") >/dev/null 2>&1 &
        pid=$!
        sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        sig "$W/k" > "$W/sigk"
        if cmp -s "$W/sigk" "$W/sig0"; then before=$((before + 1))
        elif cmp -s "$W/sigk" "$W/sig1"; then after=$((after + 1))
        else
            broken=$((broken + 1))
            cp -r "$W/k" "$W/broken-$cmd-$i"
            echo "  $cmd run $i killed after $delay ms: neither before nor after"
            diff "$W/sig0" "$W/sigk" | head -5
        fi
    done
    echo "$cmd: $RUNS kills within ${dur} ms: $before as before, $after as after, $broken broken"
    if [ $broken -eq 0 ]; then ok; else bad "$cmd: $broken broken states"; fi
    # a later update still works on a killed state
    if "$T" add -q -t 1 "$W/k/x.tny" "$W/repl.jsonl" 2>/dev/null &&
        "$T" info "$W/k/x.tny" >/dev/null 2>&1; then ok
    else bad "$cmd: an add after the kill failed"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
