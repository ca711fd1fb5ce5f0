#!/usr/bin/env python3
"""A list of varied words, simulated on pools read to their end: the
judge's five picked greedily, each card's probability lowered by lam times
how much of its first three bridge terms the cards already picked show
(share: the share of its terms already shown; top: its first term already
shown; count: the mean times its terms were shown), against lam = 0 (the
judge's five), scored by each reader's own labels (c share and usable
share of the cards labelled).

    python3 eval/protocol_a/diverse.py OUT66/all.jsonl A1.tsv+A2.tsv+A3.tsv B1.tsv+B2.tsv+B3.tsv \\
        -- OUT70/all.jsonl C1.tsv+C2.tsv D1.tsv+D2.tsv

(OUT: `run38.sh` of sets 66 and 70 with 30 cards a query, as for
`judge_read.py ceiling`.) An experiment outside the engine; nothing of it
was built (docs/ideas-decisions.md, "A list of varied words")."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge_read import reader_labels  # noqa: E402


def pick(ideas, lam, mode):
    rest = sorted(ideas, key=lambda i: -i.get('judge', 0))
    sel, seen = [], {}
    while rest and len(sel) < 5:
        best = None
        for i in rest:
            terms = i.get('bridge_terms', [])[:3]
            if mode == 'share':
                pen = sum(1 for t in terms if t in seen) / max(1, len(terms))
            elif mode == 'top':
                pen = 1.0 if terms and terms[0] in seen else 0.0
            else:
                pen = sum(seen.get(t, 0) for t in terms) / max(1, len(terms))
            v = i.get('judge', 0) - lam * pen
            if best is None or v > best[0]:
                best = (v, i)
        sel.append(best[1])
        rest.remove(best[1])
        for t in best[1].get('bridge_terms', [])[:3]:
            seen[t] = seen.get(t, 0) + 1
    return sel


def score(answers, labels, lam, mode):
    out = []
    for lab in labels:
        c = u = n = 0
        for o in answers:
            q = o['protocol_a']['n']
            for i in pick(o['ideas'], lam, mode):
                x = lab.get((q, i['field']), ('?',))[0]
                if x == '?':
                    continue
                c += x == 'c'
                u += x in 'ab'
                n += 1
        out.append((100.0 * c / max(1, n), 100.0 * u / max(1, n)))
    return out


def main(argv):
    sets, cur = [], []
    for a in argv + ['--']:
        if a == '--':
            if cur:
                sets.append(([json.loads(x) for x in open(cur[0], encoding='utf-8')],
                             [reader_labels(g) for g in cur[1:]], os.path.basename(os.path.dirname(cur[0]))))
            cur = []
        else:
            cur.append(a)
    for mode in ('share', 'top', 'count'):
        for lam in (0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0):
            print(mode, lam, '  '.join('%s: c %s usable %s' % (
                name, ' / '.join('%.0f%%' % r[0] for r in res), ' / '.join('%.0f%%' % r[1] for r in res))
                for name, res in ((n, score(A, L, lam, mode)) for A, L, n in sets)))


if __name__ == '__main__':
    main(sys.argv[1:])
