#!/bin/sh
# crash.sh — crash safety of index updates: `tenyo index`, `add`, `delete`
# and `rebuild` (also `rebuild --ivf` of an index without updates: the
# lists alone) are killed with SIGKILL at random moments, many times, and
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
# The same kills with the index named through a symbolic link in another
# directory ("link-add" ...): the writer must change the file the link
# points to (same check of its signature), leave the link a link and start
# no second "<link>.upd". After each series a later `add` must work on the
# killed state and leave no temporary file of a killed writer behind (the
# next writer collects them under the lock).
#
# Races (issue 16): `index` over the path while an `add` (of all 200 sample
# records, to last longer) or a `rebuild` of it runs, started in either order at a random offset. Every writer takes
# the same lock, so each run ends one of three ways: one command refused at
# once ("another writer", exit 4) and the state exactly that of the other
# alone; or, when they did not overlap, both succeeded and the state is that
# of the two run in the order they ended. Anything else — both reporting
# success for a state that lacks the later one (an `add` that ended after
# the new base, reported and lost) — is a broken state.
#
# Usage: TENYO=build/tenyo sh tests/crash.sh   (CRASH_RUNS=N per command
# and race, default 15). Last line: "N passed, N failed".
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
        "$T" info --json "$1/x.tny" | grep -o '"ivf_lists": *[0-9]*'
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

mkdir "$W/r0"
"$T" index -q -t 1 -o "$W/r0/x.tny" "$W/base.jsonl" 2>/dev/null

# the command's arguments for the index file $1 (no spaces in $W: mktemp),
# run without a wrapper so that $! is tenyo itself
args() {
    case $2 in
    add) echo "add -q -t 1 $1 $W/add2r.jsonl" ;;
    addall) echo "add -q -t 1 $1 $S" ;; # longer: the races
    delete) echo "delete $1 SAMPLE-020 SAMPLE-160 SAMPLE-001" ;;
    rebuild) echo "rebuild -t 1 $1" ;;
    relist) echo "rebuild -t 1 --ivf=4 $1" ;; # no updates: the lists alone
    index) echo "index -q -t 1 -o $1 $W/reindex.jsonl" ;;
    esac
}

# leftovers DIR: temporary files of killed writers still in DIR
leftovers() { ls "$1" "$1/x.tny.upd" 2>/dev/null | grep '\.tmp\.'; }

for cmd in add delete rebuild relist index link-add link-delete link-rebuild link-relist link-index; do
    c=${cmd#link-}
    src=s0 # the starting state; relist: a base without updates
    [ "$c" = relist ] && src=r0
    # target KDIR: the path the command names for the index in KDIR
    target() { if [ "$c" = "$cmd" ]; then echo "$1/x.tny"; else echo "$W/L/x.tny"; fi; }
    rm -rf "$W/a" "$W/b" "$W/L"
    mkdir "$W/L"
    cp -r "$W/$src" "$W/a"
    sig "$W/a" > "$W/sig0"
    cp -r "$W/$src" "$W/b"
    t0=$(now_ms)
    "$T" $(args "$W/b/x.tny" "$c") 2>/dev/null
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
        cp -r "$W/$src" "$W/k"
        rm -f "$W/L/x.tny" && ln -s ../k/x.tny "$W/L/x.tny"
        delay=$(rnd "$dur")
        "$T" $(args "$(target "$W/k")" "$c") >/dev/null 2>&1 &
        pid=$!
        sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        sig "$W/k" > "$W/sigk"
        why=
        if [ "$c" != "$cmd" ]; then
            [ -L "$W/L/x.tny" ] || why="the link was replaced"
            [ -e "$W/L/x.tny.upd" ] && why="$why; a second update directory beside the link"
        fi
        if [ -z "$why" ] && cmp -s "$W/sigk" "$W/sig0"; then before=$((before + 1))
        elif [ -z "$why" ] && cmp -s "$W/sigk" "$W/sig1"; then after=$((after + 1))
        else
            broken=$((broken + 1))
            cp -r "$W/k" "$W/broken-$cmd-$i"
            echo "  $cmd run $i killed after $delay ms: neither before nor after $why"
            diff "$W/sig0" "$W/sigk" | head -5
        fi
    done
    echo "$cmd: $RUNS kills within ${dur} ms: $before as before, $after as after, $broken broken"
    if [ $broken -eq 0 ]; then ok; else bad "$cmd: $broken broken states"; fi
    # a later update still works on a killed state, and collects leftovers
    if "$T" add -q -t 1 "$(target "$W/k")" "$W/repl.jsonl" 2>/dev/null &&
        "$T" info "$W/k/x.tny" >/dev/null 2>&1; then ok
    else bad "$cmd: an add after the kill failed"; fi
    if [ -z "$(leftovers "$W/k")" ]; then ok
    else bad "$cmd: leftovers after the next writer: $(leftovers "$W/k" | tr '\n' ' ')"; fi
done

# The commit point of an update is its MANIFEST's rename, as SQLite means
# it: the first update of a base, killed at each rename before it (strace
# fault injection: the deletion file's, the segment's, the MANIFEST's) or
# failing there (ENOSPC), is rolled back by every reader, by check (clean,
# the files noted as leftovers) and by check --repair (removed, never
# applied); killed after it, before the base's "updated" byte is set, it
# stands, and the next update sets the byte.
if command -v strace >/dev/null 2>&1 && strace -qq -o /dev/null true 2>/dev/null; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; export ASAN_OPTIONS
    docs() { "$T" info --json "$1" 2>/dev/null | sed -n 's/^{[^{]*"documents":\([0-9]*\).*/\1/p'; }
    for spec in delete:1:KILL delete:2:KILL add:1:KILL add:2:KILL add:3:KILL add:3:ENOSPC \
                delete:2:ENOSPC; do
        c=${spec%%:*} rest=${spec#*:} n=${rest%%:*} how=${rest#*:}
        name="first-$c-rename$n-$how"
        rm -rf "$W/f"
        cp -r "$W/r0" "$W/f"
        if [ "$how" = KILL ]; then inj="signal=KILL"; else inj="error=ENOSPC"; fi
        strace -f -qq -o /dev/null -e trace=rename -e inject=rename:$inj:when=$n \
            "$T" $(args "$W/f/x.tny" "$c") >/dev/null 2>"$W/err"
        rc=$?
        if [ "$how" = ENOSPC ]; then
            if [ $rc = 4 ] && grep -q "nothing committed" "$W/err"; then ok
            else bad "$name: exit $rc, want 4 and 'nothing committed': $(head -c 300 "$W/err")"; fi
        fi
        [ "$(docs "$W/f/x.tny")" = 150 ] && ok || bad "$name: readers see $(docs "$W/f/x.tny") documents, not 150"
        "$T" check "$W/f/x.tny" >"$W/out" 2>&1
        rc=$?
        if [ $rc = 0 ] && ! grep -q DAMAGED "$W/out" && grep -q "leftover" "$W/out"; then ok
        else bad "$name: check exit $rc: $(tr '\n' ' ' <"$W/out" | head -c 400)"; fi
        "$T" check --repair "$W/f/x.tny" >"$W/out" 2>&1
        rc=$?
        left=$(ls "$W/f/x.tny.upd" | grep -E '^(seg|del)-|\.tmp\.' | tr '\n' ' ')
        if [ $rc = 0 ] && [ "$(docs "$W/f/x.tny")" = 150 ] && [ -z "$left" ]; then ok
        else bad "$name: check --repair exit $rc, $(docs "$W/f/x.tny") documents, left: $left $(tr '\n' ' ' <"$W/out" | head -c 300)"; fi
        # the next update starts from the state before
        "$T" delete "$W/f/x.tny" SAMPLE-002 >/dev/null 2>&1
        [ "$(docs "$W/f/x.tny")" = 149 ] && ok || bad "$name: after the next delete: $(docs "$W/f/x.tny") documents, not 149"
    done
    # killed after the MANIFEST's rename, before the base is marked (its
    # one pwrite): committed; check is clean; the next update marks it
    rm -rf "$W/f"
    cp -r "$W/r0" "$W/f"
    strace -f -qq -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when=1 \
        "$T" delete "$W/f/x.tny" SAMPLE-020 SAMPLE-001 >/dev/null 2>&1
    [ "$(docs "$W/f/x.tny")" = 148 ] && ok || bad "committed-unmarked: readers see $(docs "$W/f/x.tny") documents, not 148"
    "$T" check "$W/f/x.tny" >"$W/out" 2>&1 && ! grep -q "marked as updated" "$W/out" && ok ||
        bad "committed-unmarked: check: $(tr '\n' ' ' <"$W/out" | head -c 300)"
    "$T" delete "$W/f/x.tny" SAMPLE-002 >/dev/null 2>&1
    "$T" check "$W/f/x.tny" >"$W/out" 2>&1 && grep -q "marked as updated" "$W/out" && [ "$(docs "$W/f/x.tny")" = 147 ] && ok ||
        bad "committed-unmarked: the next update: $(tr '\n' ' ' <"$W/out" | head -c 300)"
    echo "commit point: the first update failed or killed at each rename before it, and after it"
    ASAN_OPTIONS=${ASAN_OPTIONS%detect_leaks=0}; ASAN_OPTIONS=${ASAN_OPTIONS%:}
else
    echo "skip the commit point: no strace"
fi

# signature of running $2 then $3 (each may be "-") on a copy of S0
sig_of() {
    rm -rf "$W/q"
    cp -r "$W/s0" "$W/q"
    for x in "$2" "$3"; do
        [ "$x" = - ] || "$T" $(args "$W/q/x.tny" "$x") >/dev/null 2>&1
    done
    sig "$W/q" > "$1"
}

for pair in addall:index index:addall rebuild:index index:rebuild; do
    pa=${pair%:*} pb=${pair#*:} # (sig uses $q)
    sig_of "$W/sig_p" "$pa" -
    sig_of "$W/sig_q" "$pb" -
    sig_of "$W/sig_pq" "$pa" "$pb"
    sig_of "$W/sig_qp" "$pb" "$pa"
    rm -rf "$W/q"
    cp -r "$W/s0" "$W/q"
    t0=$(now_ms)
    "$T" $(args "$W/q/x.tny" "$pa") >/dev/null 2>&1
    dur=$(($(now_ms) - t0 + 20))
    refused=0 both=0 broken=0
    i=0
    while [ $i -lt "$RUNS" ]; do
        i=$((i + 1))
        rm -rf "$W/r"
        cp -r "$W/s0" "$W/r"
        delay=$(rnd "$dur")
        { "$T" $(args "$W/r/x.tny" "$pa") >/dev/null 2>"$W/err_p"; echo $? >"$W/rc_p"
          now_ms >"$W/end_p"; } &
        pid=$!
        sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
        "$T" $(args "$W/r/x.tny" "$pb") >/dev/null 2>"$W/err_q"
        rq=$?
        end_q=$(now_ms)
        wait "$pid"
        rp=$(cat "$W/rc_p")
        end_p=$(cat "$W/end_p")
        sig "$W/r" > "$W/sigr"
        good=0
        if [ $rp = 0 ] && [ $rq = 4 ] && grep -q "another writer" "$W/err_q"; then
            cmp -s "$W/sigr" "$W/sig_p" && good=1 && refused=$((refused + 1))
        elif [ $rp = 4 ] && [ $rq = 0 ] && grep -q "another writer" "$W/err_p"; then
            cmp -s "$W/sigr" "$W/sig_q" && good=1 && refused=$((refused + 1))
        elif [ $rp = 0 ] && [ $rq = 0 ]; then
            # both succeeded: the state of the two in the order they ended
            # (the later one's changes must be there)
            if [ "$end_p" -lt "$end_q" ]; then cmp -s "$W/sigr" "$W/sig_pq" && good=1
            elif [ "$end_p" -gt "$end_q" ]; then cmp -s "$W/sigr" "$W/sig_qp" && good=1
            else { cmp -s "$W/sigr" "$W/sig_pq" || cmp -s "$W/sigr" "$W/sig_qp"; } && good=1; fi
            [ $good = 1 ] && both=$((both + 1))
        fi
        if [ $good = 0 ]; then
            broken=$((broken + 1))
            cp -r "$W/r" "$W/broken-race-$pa-$pb-$i"
            echo "  $pa then $pb after $delay ms: exit $rp and $rq, state not theirs:" \
                "$(head -c 200 "$W/err_p") $(head -c 200 "$W/err_q")"
        fi
    done
    echo "race $pa, then $pb within ${dur} ms: $RUNS runs: $refused one refused, $both both" \
         "(one after the other), $broken broken"
    if [ $broken -eq 0 ]; then ok; else bad "race $pa $pb: $broken broken states"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
