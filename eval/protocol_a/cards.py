#!/usr/bin/env python3
"""Protocol A cards for readers who label content only.

    python3 eval/protocol_a/cards.py OUT/all.jsonl CORPUS.jsonl... > cards.txt

OUT/all.jsonl: eval/protocol_a/run.sh's JSON output (typically with
--min-confidence 0.001, the threshold off, so that the labels cover what the
default hides too). Each proposal becomes a card numbered Q<query>.<rank>
with its field, bridge terms, evidence, idea sentence and why pair, and
nothing of the ranker's own numbers (confidence, surprise, cautions, the
unexpected mark): the labels must judge the content, so that any feature can
be measured against them afterwards (label.py). A patent query's abstract is
added from the corpora named (jp: "id"/"abstract", en: "patent_id").
"""
import json
import sys


def load_abstracts(paths, want):
    out = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                i = r.get("id") or r.get("patent_id")
                if i in want:
                    out[i] = (r.get("abstract") or "").strip()
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    want = {r["query"].get("id") for r in rows if r["query"].get("id")}
    abstracts = load_abstracts(sys.argv[2:], want)
    w = sys.stdout.write
    for r in rows:
        pa = r["protocol_a"]
        q = r["query"]
        w("=" * 72 + "\n")
        if q.get("id"):
            w("QUERY %d (patent %s): %s\n" % (pa["n"], q["id"], q.get("title", "")))
            w("home fields: %s\n" % ",".join(q.get("home", [])))
            if abstracts.get(q["id"]):
                w("abstract: %s\n" % abstracts[q["id"]].replace("\n", " ")[:1200])
        else:
            w("QUERY %d (free text%s): %s\n" % (pa["n"], ", home given" if pa["home_given"] else "",
                                               q.get("text", "")))
            w("home fields%s: %s\n" % ("" if pa["home_given"] else " (predicted)",
                                        ",".join(q.get("home", []))))
        ideas = r.get("ideas", [])
        if not ideas:
            w("(no proposals)\n")
        for p in ideas:
            w("\n  Q%d.%d  %s %s%s\n" % (pa["n"], p["rank"], p["field"], p.get("label", ""),
                                         " (also %s)" % ",".join(p["also_fields"]) if p.get("also_fields") else ""))
            w("    bridge terms: %s\n" % ", ".join(p.get("bridge_terms", [])))
            for e in p.get("evidence", []):
                w("    evidence: %s %s\n" % (e["id"], e.get("title", "")))
            if p.get("idea"):
                w("    idea: %s\n" % p["idea"])
            y = p.get("why")
            if y:
                w("    why, query: %s\n" % y["query"])
                w("    why, %s: %s\n" % (y["evidence_id"], y["evidence"]))
        w("\n")


if __name__ == "__main__":
    main()
