#!/usr/bin/python3
"""matched_recall.py — compare tenyo's IVF and exact scan with the native peers
at equal recall, from the JSON lines bench/ann_peers.sh collects.

    /usr/bin/python3 bench/matched_recall.py RUNDIR [--at 0.95,0.99] [--tol 0.005]

RUNDIR holds r1.tenyo.jsonl, r1.hnsw.jsonl, r1.faiss.jsonl, r2...: one file per
side and round (the rounds alternate the sides' order). Per setting (tenyo:
nprobe + rerank; hnswlib: M + ef; faiss IVF-SQ8: nprobe) the QPS is the median
over the rounds; recall@10 is deterministic (the same every round).

Matched recall. For each method the settings are reduced to their Pareto
frontier (no other setting both as accurate and faster); at a target recall R
the QPS is interpolated between the two frontier points around R, linearly in
log QPS against recall (QPS falls roughly exponentially with recall over a
fine sweep). Beside it, "measured" is the setting whose recall is nearest R
within R +- tol (none if the sweep has no such point; the faster on a tie),
so every ratio compares equal recall either way. A method that never reaches R is reported as such, never
extrapolated. Memory: bytes per document of each side's structure (tenyo's
IVF re-ranks from its own codes; hnswlib's saved graph + floats; faiss's
written index).

Flat: tenyo's exact search as the library runs it (ann_bench exact_int8_lib)
vs faiss IndexFlatIP, single and batched, 1 and 2 threads, medians over rounds.
Prints one JSON line per comparison and a Markdown table.
"""
import glob
import json
import math
import os
import statistics
import sys


def load(rundir):
    rows = []
    for p in sorted(glob.glob(os.path.join(rundir, "r*.jsonl"))):
        rnd = os.path.basename(p).split(".")[0]
        for line in open(p):
            line = line.strip()
            if line.startswith("{"):
                o = json.loads(line)
                o["_round"] = rnd
                rows.append(o)
    return rows


def curves(rows):
    """method -> {setting: {recall, qps1, qpsb, bytes}} with medians over rounds."""
    acc = {}
    mem = {}
    for o in rows:
        m = o.get("measure")
        if m == "ivf_build" and "peer" not in o:
            mem["tenyo IVF"] = o["bytes_per_doc"]
            mem["tenyo IVF, float re-rank"] = o["bytes_per_doc_with_float_vectors"]
            if "bytes_per_doc_with_f16" in o:
                mem["tenyo IVF, f16 re-rank"] = o["bytes_per_doc_with_f16"]
        if m == "ivf_search" and "peer" not in o:
            rf = o.get("rerank_from") if o["rerank"] > 0 else "codes"
            meth = {"floats": "tenyo IVF, float re-rank",
                    "f16": "tenyo IVF, f16 re-rank"}.get(rf, "tenyo IVF")
            key = "nprobe %d, rerank %d" % (o["nprobe"], o["rerank"])
        elif o.get("peer") == "hnswlib-native" and m == "search":
            meth, key = "hnswlib M%d" % o["M"], "ef %d" % o["ef"]
            mem[meth] = o["bytes_per_doc"]
        elif o.get("peer") == "faiss-native" and m == "ivf_sq8_search":
            meth, key = "faiss IVF%d,SQ8" % o["nlist"], "nprobe %d" % o["nprobe"]
            mem[meth] = o["bytes_per_doc"]
        else:
            continue
        a = acc.setdefault(meth, {}).setdefault(key, {"recall": [], "qps1": [], "qpsb": []})
        a["recall"].append(o["recall_at_10"])
        a["qps1"].append(o["qps_1thread"])
        a["qpsb"].append(o["qps_batched"])
    out = {}
    for meth, d in acc.items():
        out[meth] = {k: {"recall": statistics.median(v["recall"]),
                         "qps1": statistics.median(v["qps1"]),
                         "qpsb": statistics.median(v["qpsb"]),
                         "rounds": len(v["qps1"])} for k, v in d.items()}
    return out, mem


def frontier(pts, field):
    """Pareto frontier on (recall up, field up), sorted by recall."""
    ps = sorted(pts.items(), key=lambda kv: (-kv[1]["recall"], -kv[1][field]))
    f, best = [], -1.0
    for k, p in ps:
        if p[field] > best:
            f.append((k, p))
            best = p[field]
    return sorted(f, key=lambda kv: kv[1]["recall"])


def at_recall(pts, field, want, tol):
    f = frontier(pts, field)
    res = {"interp": None, "measured": None, "max_recall": max(p["recall"] for p in pts.values()),
           "min_recall": min(p["recall"] for p in pts.values())}
    band = [(k, p) for k, p in pts.items() if abs(p["recall"] - want) <= tol]
    if band:
        k, p = min(band, key=lambda kv: (abs(kv[1]["recall"] - want), -kv[1][field]))
        res["measured"] = {"setting": k, "recall": p["recall"], "qps": p[field]}
    for (k0, p0), (k1, p1) in zip(f, f[1:]):
        if p0["recall"] <= want <= p1["recall"]:
            if p1["recall"] == p0["recall"]:
                q = max(p0[field], p1[field])
            else:
                t = (want - p0["recall"]) / (p1["recall"] - p0["recall"])
                q = math.exp((1 - t) * math.log(p0[field]) + t * math.log(p1[field]))
            res["interp"] = {"between": [k0, k1], "recalls": [p0["recall"], p1["recall"]],
                             "qps": q}
            break
    else:
        if f and f[-1][1]["recall"] >= want and f[0][1]["recall"] >= want:
            # every frontier point is above the target: the fastest of them
            k, p = f[0]
            if abs(p["recall"] - want) <= tol:
                res["interp"] = {"between": [k, k], "recalls": [p["recall"]] * 2, "qps": p[field]}
    return res


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: matched_recall.py RUNDIR [--at 0.95,0.99] [--tol 0.005]")
    rundir = sys.argv[1]
    targets, tol = [0.95, 0.99], 0.005
    a = sys.argv[2:]
    for i in range(0, len(a) - 1, 2):
        if a[i] == "--at":
            targets = [float(x) for x in a[i + 1].split(",")]
        elif a[i] == "--tol":
            tol = float(a[i + 1])
    rows = load(rundir)
    cv, mem = curves(rows)
    md = []
    if "tenyo IVF" in cv:
        mine = sorted(m for m in cv if m.startswith("tenyo"))
        peers = sorted(m for m in cv if not m.startswith("tenyo"))
        md.append("| recall@10 | method | QPS 1 thread (interpolated) | between | measured in ±%.3f "
                  "(setting, recall, QPS) | QPS %s threads (interpolated) | bytes/doc | tenyo / it, "
                  "1 thread | tenyo / it, batched | memory it / tenyo |" % (tol, "2"))
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for want in targets:
          for me in mine:
            t1 = at_recall(cv[me], "qps1", want, tol)
            tb = at_recall(cv[me], "qpsb", want, tol)
            for meth in [me] + peers:
                r1 = at_recall(cv[meth], "qps1", want, tol)
                rb = at_recall(cv[meth], "qpsb", want, tol)
                o = {"measure": "matched_recall", "at": want, "tenyo_side": me, "method": meth,
                     "qps_1thread": r1,
                     "qps_batched": rb, "bytes_per_doc": mem.get(meth)}
                if meth != me and t1["interp"] and r1["interp"]:
                    o["tenyo_over_it_1thread"] = round(t1["interp"]["qps"] / r1["interp"]["qps"], 2)
                if meth != me and tb["interp"] and rb["interp"]:
                    o["tenyo_over_it_batched"] = round(tb["interp"]["qps"] / rb["interp"]["qps"], 2)
                if (meth != me and t1["measured"] and r1["measured"] and
                        abs(t1["measured"]["recall"] - r1["measured"]["recall"]) <= tol):
                    o["tenyo_over_it_1thread_measured"] = round(
                        t1["measured"]["qps"] / r1["measured"]["qps"], 2)
                print(json.dumps(o))
                i1 = r1["interp"]
                ms = r1["measured"]
                md.append("| %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    want, meth,
                    "%.0f" % i1["qps"] if i1 else
                    ("not reached (max %.4f)" % r1["max_recall"] if r1["max_recall"] < want
                     else "sweep starts above (lowest %.4f)" % r1["min_recall"]),
                    "%s (%.4f) – %s (%.4f)" % (i1["between"][0], i1["recalls"][0], i1["between"][1],
                                               i1["recalls"][1]) if i1 else "–",
                    "%s, %.4f, %.0f" % (ms["setting"], ms["recall"], ms["qps"]) if ms else "none",
                    "%.0f" % rb["interp"]["qps"] if rb["interp"] else "–",
                    mem.get(meth, "–"),
                    o.get("tenyo_over_it_1thread", "–") if meth != me else "–",
                    o.get("tenyo_over_it_batched", "–") if meth != me else "–",
                    "%.2f" % (mem[meth] / mem[me]) if meth in mem and me in mem
                    and meth != me else "–"))
    # flat
    fl = {}
    for o in rows:
        if o.get("measure") == "exact_int8_lib":
            fl.setdefault(("tenyo int8 exact", o["mode"], o["threads"]), []).append(o)
        if o.get("peer") == "faiss-native" and o.get("measure") == "flat_ip":
            fl.setdefault(("faiss IndexFlatIP", "single", o["threads"]), []).append(
                {"qps": o["single_qps"], "recall_at_10": o["recall_at_10"],
                 "p50_ms": o["single_p50_ms"]})
            fl.setdefault(("faiss IndexFlatIP", "batch", o["threads"]), []).append(
                {"qps": o["batched_qps"], "recall_at_10": o["batched_recall_at_10"], "p50_ms": 0})
    if fl:
        md.append("")
        md.append("| exact | mode | threads | QPS (median of rounds) | p50 ms | recall@10 | rounds |")
        md.append("|---|---|---|---|---|---|---|")
        med = {}
        for key in sorted(fl):
            v = fl[key]
            q = statistics.median(x["qps"] for x in v)
            mode = "batch" if key[1].startswith("batch") else "single"
            med[(key[0], mode, key[2])] = q
            md.append("| %s | %s | %d | %.1f | %s | %.4f | %d |" % (
                key[0], key[1], key[2], q,
                "%.3f" % statistics.median(x["p50_ms"] for x in v) if v[0]["p50_ms"] else "–",
                min(x["recall_at_10"] for x in v), len(v)))
        for mode in ("single", "batch"):
            for th in sorted({k[2] for k in med}):
                a_, b_ = med.get(("tenyo int8 exact", mode, th)), med.get(("faiss IndexFlatIP", mode, th))
                if a_ and b_:
                    print(json.dumps({"measure": "flat_ratio", "mode": mode, "threads": th,
                                      "tenyo_qps": round(a_, 1), "faiss_qps": round(b_, 1),
                                      "ratio": round(a_ / b_, 2)}))
            ta = max((v for k, v in med.items() if k[0] == "tenyo int8 exact" and k[1] == mode),
                     default=None)
            fb = max((v for k, v in med.items() if k[0] == "faiss IndexFlatIP" and k[1] == mode),
                     default=None)
            if ta and fb:
                print(json.dumps({"measure": "flat_ratio_best_vs_best", "mode": mode,
                                  "tenyo_best_qps": round(ta, 1), "faiss_best_qps": round(fb, 1),
                                  "ratio": round(ta / fb, 2)}))
    print("\n".join(md))


if __name__ == "__main__":
    main()
