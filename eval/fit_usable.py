#!/usr/bin/env python3
"""Fit the reader model of `tenyo ideas` (src/ideas/ideas.c USABLE_W): the
probability that an analyst finds a proposal usable (Protocol A label a or
b), a logistic regression over the proposal's numbers, fitted on the readers'
labels of the development query sets, and print a cross-validated table of
what a threshold on it would show.

    QUERIES=eval/protocol_a/queries.tsv bash eval/protocol_a/run.sh JP.tny EN.tny d1 --min-confidence 0.001 --min-usable 0 --min-transfer 0
    (the same for queries2, 5, 6 into d2, d5, d6)
    python3 eval/fit_usable.py d1/all.jsonl:eval/protocol_a/labels/set1_reader1.tsv,eval/protocol_a/labels/set1_reader2.tsv ...

Each argument is run.sh's JSON of one query set (threshold off, so every
labelled proposal is there with the current ranker's numbers) and, after a
colon, the label files of that set (query number, subclass, a/b/c/d), joined
by query and subclass; every label is one example (two readers: two
examples). The confidence (src/ideas/ideas.c CONF_W) predicts a real
co-classification, which is an obvious neighbour as often as a use; this
model predicts what readers keep, from the same basis plus the kind of
query. Pure Python (eval/fit_confidence.py's IRLS), no numpy.
Superseded: the weights ideas.c ships (one pair of models per kind of query,
patent or free text) come from eval/fit_reader.py; this script is kept for
the tables of the sessions that used it (eval/protocol_a/README.md)."""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_confidence import fit, prob  # noqa: E402

NAMES = ['ln(confidence + 0.001)', 'ln(support)', 'best evidence similarity',
         'ln(1 + specific words)', 'focus', 'generic share', 'ln(field share + 1e-6)',
         'ln(field model probability + 1e-4)', 'ln(prior + 0.001)',
         'ln(vote share + 0.001)', 'title-only share of the evidence', 'surprise',
         'expected', 'free-text query', 'English query', 'evidence patents shown']
LAMBDA = 1.0


def features(p, kind):
    b = p['basis']
    ev = p.get('evidence', [])
    return [1.0, math.log(p['confidence'] + 0.001), math.log(max(1, p['support'])),
            ev[0]['similarity'] if ev else 0.0, math.log(1 + b['specific_words']),
            b['focus'], b['generic_share'], math.log(b['field_share'] + 1e-6),
            math.log(b['model'] + 1e-4), math.log(b['prior'] + 0.001),
            math.log(b['vote_share'] + 0.001), b['title_only'], p['surprise'],
            1.0 if p['expected'] else 0.0, 1.0 if kind == 'text' else 0.0,
            1.0 if kind == 'en' else 0.0, float(len(ev))]


def print_weights(name, w):
    """w as the C array src/ideas/ideas.c holds, one commented line a weight."""
    print('static const double %s[] = {' % name)
    print('    %.4f,  /* intercept */' % w[0])
    for i, n in enumerate(NAMES):
        print('    %.4f%s  /* %s */' % (w[i + 1], ',' if i + 1 < len(NAMES) else '', n))
    print('};')


def query_folds(queries, k=10, seed=7):
    """query -> fold number: k folds by query, in a fixed shuffled order."""
    qs = sorted(set(queries))
    random.Random(seed).shuffle(qs)
    return {q: i % k for i, q in enumerate(qs)}


def load(arg):
    path, labs = arg.split(':', 1)
    cards = {}
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n, kind = o['protocol_a']['n'], o['protocol_a']['set']
        for p in o.get('ideas', []):
            cards[(n, p['field'])] = (features(p, kind), p)
    rows = []
    for lf in labs.split(','):
        for line in open(lf, encoding='utf-8'):
            if line.startswith('#') or not line.strip():
                continue
            n, field, lab = line.rstrip('\n').split('\t')[:3]
            key = (int(n), field)
            if key in cards:
                x, p = cards[key]
                rows.append(dict(q=(path, int(n)), x=x, y=1.0 if lab in 'ab' else 0.0,
                                 a=lab == 'a', conf=p['confidence'],
                                 spw=p['basis']['specific_words']))
    return path, rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sets = [load(a) for a in sys.argv[1:]]
    allr = [r for _, rows in sets for r in rows]
    w = fit([(r['x'], r['y'], 1.0) for r in allr], lam=LAMBDA)
    print('/* fitted by eval/fit_usable.py on %d labels of %s */' %
          (len(allr), ', '.join(p for p, _ in sets)))
    print_weights('USABLE_W', w)
    # 10-fold cross-validation by query: each label predicted by a model
    # that did not see its query
    fold = query_folds(r['q'] for r in allr)
    for k in range(10):
        wk = fit([(r['x'], r['y'], 1.0) for r in allr if fold[r['q']] != k], lam=LAMBDA)
        for r in allr:
            if fold[r['q']] == k:
                r['p'] = prob(wk, r['x'])
    print('\ncross-validated by query (10 folds), labels shown and their shares:')
    print('| set | rule | labels | usable | genuine |')
    print('|---|---|---|---|---|')
    rules = [('confidence >= 0.12 (before)', lambda r: r['conf'] >= 0.12)]
    for u in (0.4, 0.45, 0.5, 0.55, 0.6):
        rules.append(('usable >= %.2f, confidence >= 0.03' % u,
                      lambda r, u=u: r['p'] >= u and r['conf'] >= 0.03))
    for path, rows in sets + [('all', allr)]:
        for name, rule in rules:
            sel = [r for r in rows if rule(r) and r['spw'] >= 2]
            if sel:
                print('| %s | %s | %d | %.1f%% | %.1f%% |' % (
                    path, name, len(sel), 100 * sum(r['y'] for r in sel) / len(sel),
                    100 * sum(r['a'] for r in sel) / len(sel)))
    print('\nreliability (cross-validated by query):')
    print('| usable | labels | predicted | observed usable | observed genuine |')
    print('|---|---|---|---|---|')
    bins = [0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.01]
    for lo, hi in zip(bins, bins[1:]):
        sel = [r for r in allr if lo <= r['p'] < hi]
        if sel:
            print('| %.2f-%.2f | %d | %.3f | %.3f | %.3f |' % (
                lo, min(hi, 1), len(sel), sum(r['p'] for r in sel) / len(sel),
                sum(r['y'] for r in sel) / len(sel), sum(r['a'] for r in sel) / len(sel)))
    pos = [r['p'] for r in allr if r['y']]
    neg = [r['p'] for r in allr if not r['y']]
    auc = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / len(pos) / len(neg)
    posc = [r['conf'] for r in allr if r['y']]
    negc = [r['conf'] for r in allr if not r['y']]
    aucc = sum((p > q) + 0.5 * (p == q) for p in posc for q in negc) / len(posc) / len(negc)
    print('\nAUC for usable: reader model (cross-validated) %.3f, confidence %.3f' % (auc, aucc))
    print('\nTENYO_USABLE_W=' + ','.join('%.4f' % v for v in w))


if __name__ == '__main__':
    main()
