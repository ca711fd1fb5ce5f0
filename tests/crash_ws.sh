#!/bin/sh
# crash_ws.sh — crash safety of a worksheet (`ideas --worksheet FILE`):
# the command is killed with SIGKILL at random moments, many times, and
# after each kill the file must be byte for byte the worksheet before the
# command or the one the command writes when it runs to the end — never
# half of one — and a later run must read it. The pattern of crash.sh:
# a state S0 (a worksheet of 200 kept cards with 8 KiB notes, so that the
# write is long enough to be hit), the end state S1 from one run to the
# end on a copy, then RUNS copies of S0 each killed after a random delay
# between 0 and the command's full duration.
# Usage: TENYO=build/tenyo sh tests/crash_ws.sh   (CRASH_RUNS=N, default 30)
# Last line: "N passed, N failed".
T=${TENYO:-build/tenyo}
RUNS=${CRASH_RUNS:-30}
W=$(mktemp -d "${TMPDIR:-/tmp}/tenyo-crashws-XXXXXX")
trap 'rm -rf "$W"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
rnd() { od -An -N4 -tu4 /dev/urandom | awk -v m="$1" '{ print $1 % m }'; }

"$T" index -q -o "$W/s.tny" data/sample/sample.jsonl 2>/dev/null || { echo "FAIL crash_ws_index"; echo "0 passed, 1 failed"; exit 1; }
python3 - "$W/s0.json" <<'P'
import json, sys
codes = [f"{s}{n:02d}{l}" for s in "ABCDEFGH" for n in (1, 2, 3) for l in "ABCDEFGHJK"][:200]
cards = [{"field": c, "decision": "kept", "note": c * 2048} for c in codes]
json.dump({"tenyo_worksheet": 1, "patent": "SAMPLE-001", "strike": [], "cards": cards},
          open(sys.argv[1], "w"))
P
run() { "$T" ideas "$W/s.tny" SAMPLE-001 -n 3 --worksheet "$1" --reject G07C --note "G07C=not ours" >/dev/null 2>&1; }
cp "$W/s0.json" "$W/s1.json"
t0=$(date +%s%N)
run "$W/s1.json" || bad "crash_ws_end_state (the command failed)"
dur=$(( ($(date +%s%N) - t0) / 1000000 ))
cmp -s "$W/s0.json" "$W/s1.json" && bad "crash_ws_end_state (the command changed nothing)"
i=0
while [ "$i" -lt "$RUNS" ]; do
    cp "$W/s0.json" "$W/k.json"
    d=$(rnd $((dur + 1)))
    run "$W/k.json" &
    pid=$!
    sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if cmp -s "$W/k.json" "$W/s0.json" || cmp -s "$W/k.json" "$W/s1.json"; then ok
    else bad "crash_ws_old_or_new (killed after ${d} ms: neither the old file nor the new)"; fi
    if run "$W/k.json"; then ok; else bad "crash_ws_readable_after_kill (killed after ${d} ms)"; fi
    rm -f "$W"/k.json.tmp.*
    i=$((i + 1))
done
echo "$pass passed, $fail failed"
