#!/usr/bin/env python3
"""bench/proc_time.py — whole processes of several binaries, side by side.

Runs BIN ARGS... for every BIN, round by round (the binaries alternate in
each round, so the machine's load falls on all of them alike), and prints
per binary the wall time (min, median), the child's CPU time (user + sys,
from wait4: every thread of it) and its peak resident memory, with the load
average at the end. Output goes to /dev/null.

Usage: python3 bench/proc_time.py N BIN... -- ARGS...
  e.g. chrt -f 50 python3 bench/proc_time.py 8 old/tenyo build/tenyo -- search IDX 装置
"""
import os
import statistics as st
import subprocess
import sys
import time

if len(sys.argv) < 4 or "--" not in sys.argv:
    sys.exit(__doc__)
n = int(sys.argv[1])
i = sys.argv.index("--")
bins, args = sys.argv[2:i], sys.argv[i + 1:]
res = {b: [] for b in bins}
for _ in range(n):
    for b in bins:
        t0 = time.perf_counter()
        p = subprocess.Popen([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        res[b].append(((time.perf_counter() - t0) * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3,
                       ru.ru_maxrss / 1024))
for b in bins:
    w = [x[0] for x in res[b]]
    c = [x[1] for x in res[b]]
    m = [x[2] for x in res[b]]
    print("%-32s wall min %6.1f med %6.1f | cpu min %6.1f med %6.1f | rss %5.0f MB  load %.2f"
          % (b[-32:], min(w), st.median(w), min(c), st.median(c), st.median(m),
             os.getloadavg()[0]))
