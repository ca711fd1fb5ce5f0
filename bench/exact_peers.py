#!/usr/bin/python3
"""exact_peers.py — summarise bench/exact_peers.sh: tenyo's exact int8 search
vs native faiss IndexFlatIP, medians over rounds, ratios, per-round load.

    /usr/bin/python3 bench/exact_peers.py RUNDIR
"""
import glob
import json
import os
import statistics
import sys


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]


def main():
    d = sys.argv[1]
    meta = lines(os.path.join(d, "meta.json"))[0]
    t, f, loads = {}, {}, []
    for p in sorted(glob.glob(os.path.join(d, "r*.tenyo.jsonl"))):
        for x in lines(p):
            if x.get("side"):
                loads.append(("tenyo", x["round"], x["load"]))
            if x.get("measure") == "exact_int8_lib":
                key = (x["mode"], x["threads"])
                t.setdefault(key, []).append(x)
    for p in sorted(glob.glob(os.path.join(d, "r*.faiss.jsonl"))):
        for x in lines(p):
            if x.get("side"):
                loads.append(("faiss", x["round"], x["load"]))
            if x.get("measure") == "flat_ip":
                f.setdefault(("single", x["threads"]), []).append(
                    {"qps": x["single_qps"], "recall_at_10": x["recall_at_10"],
                     "p50_ms": x["single_p50_ms"]})
                f.setdefault(("batch", x["threads"]), []).append(
                    {"qps": x["batched_qps"], "recall_at_10": x["batched_recall_at_10"]})
    med = lambda v: statistics.median(e["qps"] for e in v)
    rec = lambda v: min(e["recall_at_10"] for e in v)
    print(f"n {meta['n']}, commit {meta['commit']}, {meta['rounds']} rounds, {meta['date']}, "
          f"cpu {meta['cpu']}, cores {meta['cores']}")
    print("loads: " + "; ".join(f"r{r} {s} {l}" for s, r, l in sorted(loads, key=lambda z: (z[1], z[0]))))
    print()
    print("| mode | threads | tenyo QPS (median; rounds) | recall | faiss QPS (median; rounds) | recall | tenyo / faiss |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for mode, fm in (("single", "single"), ("batch32", "batch"), ("batch32_topk", "batch")):
        for th in (1, 2):
            a, b = t.get((mode, th)), f.get((fm, th))
            if not a or not b:
                continue
            ra = ", ".join(f"{e['qps']:.0f}" for e in a)
            rb = ", ".join(f"{e['qps']:.0f}" for e in b)
            print(f"| {mode} | {th} | {med(a):,.0f} ({ra}) | {rec(a):.4f} | {med(b):,.0f} ({rb}) | "
                  f"{rec(b):.4f} | {med(a) / med(b):.2f}x |")
    for mode in ("batch32", "batch32_topk"):
        bt = max((med(t[(mode, th)]), th) for th in (1, 2) if (mode, th) in t)
        bf = max((med(f[("batch", th)]), th) for th in (1, 2) if ("batch", th) in f)
        print(f"| best {mode} vs best faiss batched | | {bt[0]:,.0f} ({bt[1]} thr) | | "
              f"{bf[0]:,.0f} ({bf[1]} thr) | | **{bt[0] / bf[0]:.2f}x** |")
    # per-round ratios, best vs best, so the spread shows
    rounds = sorted({e for e in range(1, meta["rounds"] + 1)})
    for mode in ("batch32", "batch32_topk"):
        rr = []
        for i in range(len(rounds)):
            try:
                bt = max(t[(mode, th)][i]["qps"] for th in (1, 2) if (mode, th) in t)
                bf = max(f[("batch", th)][i]["qps"] for th in (1, 2) if ("batch", th) in f)
                rr.append(f"{bt / bf:.2f}")
            except IndexError:
                pass
        print(f"per-round best {mode} / best faiss batched: {', '.join(rr)}")


if __name__ == "__main__":
    main()
