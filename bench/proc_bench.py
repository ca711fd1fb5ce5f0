#!/usr/bin/env python3
"""proc_bench.py — whole-process timings of tenyo commands, interleaved.

    python3 bench/proc_bench.py [-n ROUNDS] [--rt] LABEL=CMD ...

Each round runs every command once, in the order given (interleaved, so a
change in the machine's load falls on all of them alike), its output
thrown away; a command is a shell-free argument string split on spaces
(write a space inside an argument as %20). Per command: the median and the
spread of wall time, CPU time (user + system) and peak resident memory,
taken from wait4(2). --rt runs each under `chrt -f 50` (root), as the
1M figures in bench/README.md were. Prints one line per command and the
load average before and after.
"""
import os
import statistics
import subprocess
import sys
import time


def run(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed (%d): %s" % (os.waitstatus_to_exitcode(status), " ".join(argv)))
    return wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024


def main():
    args = sys.argv[1:]
    rounds, rt = 3, False
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-n":
            rounds = int(args.pop(0))
        elif a == "--rt":
            rt = True
        else:
            sys.exit(__doc__)
    cmds = []
    for a in args:
        label, _, cmd = a.partition("=")
        argv = [w.replace("%20", " ") for w in cmd.split(" ") if w]
        cmds.append((label, (["chrt", "-f", "50"] if rt else []) + argv))
    if not cmds:
        sys.exit(__doc__)
    got = {label: [] for label, _ in cmds}
    load0 = os.getloadavg()[0]
    for _ in range(rounds):
        for label, argv in cmds:
            got[label].append(run(argv))
    load1 = os.getloadavg()[0]
    for label, _ in cmds:
        w = [g[0] for g in got[label]]
        c = [g[1] for g in got[label]]
        m = [g[2] for g in got[label]]
        print("%-24s wall %8.1f ms (%.1f-%.1f)  cpu %8.1f ms  peak %7.1f MiB" %
              (label, statistics.median(w), min(w), max(w), statistics.median(c),
               statistics.median(m)))
    print("load %.1f -> %.1f, %d rounds" % (load0, load1, rounds))


if __name__ == "__main__":
    main()
