#!/usr/bin/env python3
"""Card-level look at the judge's term facts: does what a card's bridge terms
are (their facts from `tenyo tokens --judge`) tell the cards readers kept
(a or b) from the rest, beyond the reader model the engine ships (the card's
"usable")? Fitted on training query sets, AUC on held-out sets (by set).

    python3 eval/judge_cards.py --index JP.tny --train 1,2,5,6,7,8,9,10 --test 11,12,13 SET=OUT/all.jsonl:L1.tsv,L2.tsv ...
"""
import argparse, json, math, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_confidence import fit, prob  # noqa: E402
from fit_judge import read_labels, judge, auc  # noqa: E402


def cards_of(arg):
    name, rest = arg.split('=', 1)
    path, labs = rest.split(':', 1)
    readers = [read_labels(p) for p in labs.split(',')]
    out = []
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n = o['protocol_a']['n']
        kind = o['protocol_a']['set']
        for p in o.get('ideas', []):
            for r in readers:
                lab = r.get((n, p['field']))
                if lab:
                    out.append((name, n, kind, p, lab[0]))
    return out


def feats(p, kind, facts, fn):
    bt = [t for t in p.get('bridge_terms', [])[:5] if t in facts]
    u = min(max(p['usable'], 1e-6), 1 - 1e-6)
    base = [1.0, math.log(u / (1 - u))]
    agg = []
    for name in ('genericity', 'compound', 'head_suffix', 'head_sahen', 'j_abstract', 'j_artifact', 'j_none', 'idf', 'spread', 'partness', 'katakana'):
        i = fn.index(name)
        v = [facts[t][1][i] for t in bt] or [0.0]
        agg += [sum(v) / len(v)]
    return base, agg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--index', required=True)
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', required=True)
    ap.add_argument('--target', default='usable', choices=['usable', 'c'])
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args()
    cards = [c for s in a.sets for c in cards_of(s)]
    terms = {t for c in cards for t in c[3].get('bridge_terms', [])}
    facts, fn = judge(a.index, terms)
    tr = [c for c in cards if c[0] in a.train.split(',')]
    te = [c for c in cards if c[0] in a.test.split(',')]
    y = (lambda lab: lab in 'ab') if a.target == 'usable' else (lambda lab: lab == 'c')
    for label, use in (('reader model alone', lambda b, g: b), ('reader model + bridge facts', lambda b, g: b + g), ('bridge facts alone', lambda b, g: b[:1] + g)):
        data = []
        for c in tr:
            b, g = feats(c[3], c[2], facts, fn)
            data.append((use(b, g), 1 if y(c[4]) else 0, 1.0))
        w = fit(data, lam=1.0)
        sc = []
        for c in te:
            b, g = feats(c[3], c[2], facts, fn)
            sc.append((prob(w, use(b, g)), 1 if y(c[4]) else 0))
        print('%-30s train %d cards, test %d cards (%d %s): AUC %.3f' % (label, len(tr), len(te), sum(v for _, v in sc), a.target, auc(sc)))


if __name__ == '__main__':
    main()
