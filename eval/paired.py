#!/usr/bin/env python3
"""paired.py — two `tenyo eval --per-query` runs compared query by query.

For each protocol and mode both files hold, each metric of EVAL.md (a
ratio of sums over the queries: Protocol S P@10; Protocol X recall@5,
recall@10, sw_recall@10, serendipity@10) is printed for A and B with the
ratio B / A and its 95% paired bootstrap interval: the queries resampled
with replacement 1,000 times (fixed seed), the same resample for both
runs, the ratio of their sums over it; the 2.5th and 97.5th percentiles.
A ratio whose interval includes 1.0 is no difference.

The two runs must have the same queries (the same corpus and split):
rows are joined on (protocol, mode, query) and a query missing from one
side stops it.

Usage: python3 eval/paired.py A.tsv B.tsv [--boot N] [--json]
"""
import argparse
import json
import random
import sys

METRICS = {  # name: (protocol, numerator, denominator)
    "P@10": ("S", "hits10", "targets"),
    "recall@5": ("X", "hits5", "targets"),
    "recall@10": ("X", "hits10", "targets"),
    "sw_recall@10": ("X", "sw10", "swall"),
    "serendipity@10": ("X", "ser_hit", "ser_all"),
}


def load(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        if head[:3] != ["protocol", "mode", "query"]:
            sys.exit("%s: not a tenyo eval --per-query file" % path)
        for ln, line in enumerate(f, 2):
            v = line.rstrip("\n").split("\t")
            if len(v) != len(head):
                sys.exit("%s:%d: %d fields, want %d" % (path, ln, len(v), len(head)))
            r = dict(zip(head, v))
            key = (r["protocol"], r["mode"])
            rows.setdefault(key, {})[r["query"]] = {
                k: float(x) for k, x in r.items() if k not in ("protocol", "mode", "query") and x != ""}
    return rows


def main():
    ap = argparse.ArgumentParser(description="paired comparison of two eval --per-query files")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    o = ap.parse_args()
    A, B = load(o.a), load(o.b)
    out = []
    for key in sorted(set(A) & set(B)):
        qa, qb = A[key], B[key]
        if set(qa) != set(qb):
            sys.exit("%s %s: the two files have different queries (%d and %d)" %
                     (key[0], key[1], len(qa), len(qb)))
        qs = sorted(qa)
        for name, (proto, num, den) in METRICS.items():
            if proto != key[0]:
                continue
            an = [qa[q].get(num, 0.0) for q in qs]
            ad = [qa[q].get(den, 0.0) for q in qs]
            bn = [qb[q].get(num, 0.0) for q in qs]
            bd = [qb[q].get(den, 0.0) for q in qs]
            va = sum(an) / sum(ad) if sum(ad) else 0.0
            vb = sum(bn) / sum(bd) if sum(bd) else 0.0
            rng = random.Random(20261126)
            n = len(qs)
            rat = []
            for _ in range(o.boot):
                idx = [rng.randrange(n) for _ in range(n)]
                sa = sum(an[i] for i in idx) / max(sum(ad[i] for i in idx), 1e-300)
                sb = sum(bn[i] for i in idx) / max(sum(bd[i] for i in idx), 1e-300)
                rat.append(sb / sa if sa else float("nan"))
            rat.sort()
            lo, hi = rat[int(o.boot * 0.025)], rat[int(o.boot * 0.975) - 1]
            out.append({"protocol": key[0], "mode": key[1], "metric": name, "queries": n,
                        "a": va, "b": vb, "ratio": vb / va if va else float("nan"),
                        "lo": lo, "hi": hi})
    if o.json:
        print(json.dumps(out))
        return
    print("%-3s %-7s %-15s %7s %8s %8s %7s  %s" % ("", "mode", "metric", "queries", "A", "B",
                                                  "B/A", "95% paired bootstrap"))
    for r in out:
        print("%-3s %-7s %-15s %7d %8.4f %8.4f %6.3fx  (%.3f-%.3f)" % (
            r["protocol"], r["mode"], r["metric"], r["queries"], r["a"], r["b"], r["ratio"],
            r["lo"], r["hi"]))


if __name__ == "__main__":
    main()
