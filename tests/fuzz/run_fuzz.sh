#!/bin/sh
# run_fuzz.sh — runs libFuzzer targets for a set time (`make fuzz`).
# Usage: sh tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS NAME...
#
# Each target runs BUILD/fuzz/bin/fuzz_NAME for SECONDS in total over a
# scratch corpus BUILD/fuzz/corpus/NAME (new inputs land there, kept between
# runs) seeded from tests/fuzz/corpus/NAME, with tests/fuzz/NAME.dict when
# there is one. libFuzzer stops at the first crash; the target is then
# started again for the time left (at most FUZZ_RESTARTS times, default 20),
# so one run counts every distinct failure it meets. Crashes, leaks,
# timeouts (-timeout=10) and out-of-memory (-rss_limit_mb=2048) inputs go to
# BUILD/fuzz/crashes/NAME/, logs to BUILD/fuzz/logs/NAME.log. Prints per
# target the seconds run, executions and failures found, then a total; exit
# status 1 when anything was found.
#
# -max_len per target: the parsers and the index loaders see whole files,
# the rest short strings. FUZZ_MAX_LEN overrides it for every target;
# FUZZ_ARGS adds libFuzzer options (not -jobs/-workers/-fork: the seconds
# and executions reported assume one fuzzing process).
B=$1
S=$2
shift 2
[ -n "$B" ] && [ -n "$S" ] || { echo "usage: run_fuzz.sh BUILD SECONDS NAME..." >&2; exit 2; }
restarts=${FUZZ_RESTARTS:-20}
total_found=0
printf '%-16s %8s %12s %8s\n' target seconds executions found
for name in "$@"; do
    bin="$B/fuzz/bin/fuzz_$name"
    if [ ! -x "$bin" ]; then
        echo "$name: no $bin (make fuzz-build)" >&2
        total_found=$((total_found + 1))
        continue
    fi
    case $name in
        index_sections) len=65536 ;;
        index|reader|jsonl|jplatpat|jpoxml) len=16384 ;;
        charset|tokenizer) len=8192 ;;
        *) len=4096 ;;
    esac
    [ -n "$FUZZ_MAX_LEN" ] && len=$FUZZ_MAX_LEN
    scratch="$B/fuzz/corpus/$name"
    crashes="$B/fuzz/crashes/$name"
    logdir="$B/fuzz/logs"
    mkdir -p "$scratch" "$crashes" "$logdir"
    log="$logdir/$name.log"
    : >"$log"
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    seeds=""
    [ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
    before=$(ls "$crashes" | wc -l)
    start=$(date +%s)
    left=$S
    execs=0
    n=0
    while [ "$left" -gt 0 ] && [ "$n" -le "$restarts" ]; do
        one="$logdir/$name.run"
        # shellcheck disable=SC2086
        "$bin" -max_total_time="$left" -max_len="$len" -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$crashes/" $dict $FUZZ_ARGS \
            "$scratch" $seeds >"$one" 2>&1
        rc=$?
        cat "$one" >>"$log"
        e=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$one" | tail -n 1)
        [ -z "$e" ] && e=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$one" | tail -n 1)
        execs=$((execs + ${e:-0}))
        [ "$rc" = 0 ] && break
        n=$((n + 1))
        left=$((S - ($(date +%s) - start)))
    done
    secs=$(($(date +%s) - start))
    found=$(($(ls "$crashes" | wc -l) - before))
    total_found=$((total_found + found))
    printf '%-16s %8d %12d %8d\n' "$name" "$secs" "$execs" "$found"
done
echo "fuzz: $total_found found (inputs in $B/fuzz/crashes/, logs in $B/fuzz/logs/)"
[ "$total_found" = 0 ]
