#!/usr/bin/env python3
"""Area 5c: one tenyo.Index in a Python process, 16 threads querying it
(ideas, similar, search) while other processes rebuild, add, delete,
check --repair and index over the same path. Any SIGBUS/SIGSEGV (the
process dies), exception, or an answer that differs from the first one
for the same query (the process keeps the index it opened) is a failure.
usage: py_writers.py INDEX BASE.jsonl [SECONDS]"""
import json, os, shutil, subprocess, sys, threading, time
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
sys.path.insert(0, ROOT + "/python"); import tenyo
T = ROOT + "/build/tenyo"
W = "/tmp/a6/pyw"; shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
X = W + "/x.tny"; shutil.copy(sys.argv[1], X)
secs = float(sys.argv[3]) if len(sys.argv) > 3 else 25
L = open(sys.argv[2]).read().splitlines()
ids = [json.loads(l)["id"] for l in L[:400:50]]
ix = tenyo.Index(X)
def q(k, i):
    pid = ids[(k + i) % len(ids)]
    m = (k + i) % 3
    if m == 0: r = ix.ideas(pid)
    elif m == 1: r = ix.similar(pid, k=10)
    else: r = ix.search("制御 車両", k=10)
    r = r.to_dict() if hasattr(r, "to_dict") else r
    if isinstance(r, dict): r.pop("seconds", None)
    return (pid, m), json.dumps(r, sort_keys=True, default=str)
ref = {}
for k in range(len(ids) * 3):
    key, s = q(k, 0); ref[key] = s
stop = time.time() + secs; diffs = []; errs = []; n = [0]
def worker(k):
    i = 0
    while time.time() < stop:
        try:
            key, s = q(k, i)
            if s != ref[key]: diffs.append(key)
            n[0] += 1
        except Exception as e: errs.append(repr(e)[:200])
        i += 1
open(W + "/more.jsonl", "w").write("\n".join(L[400:600]) + "\n")
open(W + "/src.jsonl", "w").write("\n".join(L[:300]) + "\n")
wr = []
def writer():
    cmds = [["add", X, W + "/more.jsonl", "-q"], ["delete", X, ids[1]], ["rebuild", X], ["check", X, "--repair"],
            ["add", X, W + "/more.jsonl", "-q"], ["index", W + "/src.jsonl", "-o", X, "-q"], ["rebuild", X, "--ivf=4"]]
    i = 0
    while time.time() < stop:
        p = subprocess.run([T, *cmds[i % len(cmds)]], capture_output=True, text=True)
        wr.append((cmds[i % len(cmds)][0], p.returncode)); i += 1
ths = [threading.Thread(target=worker, args=(k,)) for k in range(16)] + [threading.Thread(target=writer)]
[t.start() for t in ths]; [t.join() for t in ths]
print("queries %d, writer runs %s" % (n[0], wr))
print("exceptions %d %s" % (len(errs), errs[:3]))
print("answers differing from the first %d %s" % (len(diffs), sorted(set(diffs))[:5]))
print("FAIL" if errs or diffs else "ok", "(process alive)")
