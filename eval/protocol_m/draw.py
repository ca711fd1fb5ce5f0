#!/usr/bin/env python3
"""Protocol M's licensable list: N patents of ../shared/data/jp/broad.jsonl
drawn with a fixed seed, one number per line (what `tenyo open INDEX --from`
reads).

Only records with an abstract are drawn (an adviser's licensable list names
patents with a text to read), and only the development split's index side
(md5("dev" + id) mod 4 != 0, ../shared/EVAL.md): the test side stays unseen.
The draw must cover at least 5 IPC sections (first FI code's letter); the
script says which and how many, and fails when it does not.

usage: python3 draw.py [--seed S] [--n N] [--data DIR] > licensable.txt
"""
import argparse
import collections
import hashlib
import json
import os
import random
import sys


def is_test(pid, salt="dev", mod=4):
    return int(hashlib.md5((salt + pid).encode()).hexdigest(), 16) % mod == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=52)
    ap.add_argument("--n", type=int, default=420)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    a = ap.parse_args()
    path = os.path.join(a.data, "jp/broad.jsonl")
    pool = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("abstract") and r.get("fi") and not is_test(r["id"]):
                pool.append((r["id"], r["fi"][0][0]))
    pool.sort()
    drawn = random.Random(a.seed).sample(pool, a.n)
    secs = collections.Counter(s for _, s in drawn)
    print(f"drew {len(drawn)} of {len(pool)} (seed {a.seed}); sections: "
          + ", ".join(f"{s} {n}" for s, n in sorted(secs.items())), file=sys.stderr)
    if len(secs) < 5:
        sys.exit("fewer than 5 sections drawn")
    for pid, _ in sorted(drawn):
        print(pid)


if __name__ == "__main__":
    main()
