#!/usr/bin/env python3
"""Readers' labels against the ranker's numbers: usable (a + b) and genuine
(a) shares per slice of the proposals, all readers pooled.

    python3 eval/protocol_a/slices.py OUT/all.jsonl labels/set1_reader*.tsv

OUT/all.jsonl: eval/protocol_a/run.sh's JSON output for the labels' query
set (with --min-confidence 0.001 for the development labels, which were
given with the threshold off). Labels (labels/*.tsv: query number, proposed
subclass, a/b/c/d) are joined by query and subclass, so a ranker that
reorders the list still meets its labels; a proposal the labels do not
cover is left out and counted.
"""
import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cards = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        o = json.loads(line)
        n = o["protocol_a"]["n"]
        for p in o.get("ideas", []):
            cards[(n, p["field"])] = dict(
                set=o["protocol_a"]["set"], conf=p["confidence"], surprise=p["surprise"],
                expected=p["expected"], spec=p["basis"]["specific_words"],
                sim=p["evidence"][0]["similarity"] if p["evidence"] else 0.0)
    rows, missing = [], 0
    for path in sys.argv[2:]:
        seen = set()
        for line in open(path, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            n, field, lab = line.rstrip("\n").split("\t")[:3]
            key = (int(n), field)
            seen.add(key)
            if key in cards:
                rows.append(dict(cards[key], lab=lab))
        missing += sum(1 for k in cards if k not in seen)

    def rep(name, sel):
        s = [r for r in rows if sel(r)]
        a = sum(r["lab"] == "a" for r in s)
        b = sum(r["lab"] == "b" for r in s)
        k = max(len(s), 1)
        print("%-44s %5d  usable %5.1f%%  genuine %4.1f%%" % (name, len(s), 100 * (a + b) / k, 100 * a / k))

    print("%d labels joined, %d proposal-reader pairs without a label" % (len(rows), missing))
    rep("all", lambda r: True)
    rep("shown by default (>= 0.12, 2 specific words)", lambda r: r["conf"] >= 0.12 and r["spec"] >= 2)
    rep("patent queries", lambda r: r["set"] != "text")
    rep("free text", lambda r: r["set"] == "text")
    for lo, hi in ((0, 0.01), (0.01, 0.03), (0.03, 0.06), (0.06, 0.12), (0.12, 0.3), (0.3, 1.01)):
        rep("confidence %.2f-%.2f" % (lo, hi), lambda r: lo <= r["conf"] < hi)
    for lo, hi in ((0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 99)):
        rep("surprise %d-%d" % (lo, hi), lambda r: lo <= r["surprise"] < hi)
    rep("expected", lambda r: r["expected"])
    rep("unexpected", lambda r: not r["expected"])
    for t in (0.2, 0.25, 0.3):
        rep("best evidence similarity >= %.2f" % t, lambda r: r["sim"] >= t)


if __name__ == "__main__":
    main()
