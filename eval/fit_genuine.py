#!/usr/bin/env python3
"""Fit the transfer model of `tenyo ideas` (src/ideas/ideas.c TRANSFER_W):
among proposals readers find usable, the probability that a proposal is a
genuine transfer (Protocol A label a) rather than a sensible but obvious
neighbour (b). A logistic regression over the reader model's sixteen
features (fit_usable.py), fitted on the a and b labels of the development
query sets, then the cross-validated table of what thresholds on both models
would show, and the same thresholds on held-out sets (labels the fit never
saw).
    QUERIES=eval/protocol_a/queries.tsv bash eval/protocol_a/run.sh JP.tny EN.tny d1 --min-confidence 0.001 --min-usable 0 --min-transfer 0 -n 30
    (the same for queries2, 5, 6, 7 into d2, d5, d6, d7; queries8 into d8)
    python3 eval/fit_genuine.py d1/all.jsonl:L1,L2 ... [-- d8/all.jsonl:L1,L2]
Arguments before "--" are fitted on (development), after it only scored
(held out). Each is run.sh's JSON of one query set with the thresholds off
and, after a colon, its two label files (query number, subclass, a/b/c/d).
Why a second model: the reader model predicts usable (a or b), and the b
labels are most of them, so it learns what makes a field an obvious
neighbour as much as what makes it credible; on the labels of sets 1-7 no
one feature tells a from b (P(field | home), the evidence titles against the
query's, field closeness: selections.py), but the sixteen together do
(cross-validated by query). Pure Python (fit_confidence.py's IRLS).
Superseded: the weights ideas.c ships (one pair of models per kind of query,
patent or free text) come from eval/fit_reader.py; this script is kept for
the tables of the sessions that used it (eval/protocol_a/README.md)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'protocol_a'))
from fit_confidence import fit, prob  # noqa: E402
from fit_usable import NAMES, print_weights, query_folds  # noqa: E402
import selections  # noqa: E402

LAMBDA = 1.0
GRID_U = (0.5, 0.55, 0.6)
GRID_T = (0.06, 0.08, 0.10)


def xs(c):
    """The reader model's features (selections.load appends two more)."""
    return c['x'][:len(NAMES) + 1]


def ab(cards):
    return [(xs(c), 1.0 if lab == 'a' else 0.0, 1.0)
            for c in cards for lab in c['labs'] if lab and lab in 'ab']


def table(name, cards):
    base = lambda c: c['p']['confidence'] >= 0.03  # noqa: E731
    selections.row('%s: usable >= 0.50 (before)' % name,
                   selections.shown(cards, lambda c: base(c) and c['p']['usable'] >= 0.5))
    for u in GRID_U:
        for t in GRID_T:
            selections.row('%s: usable >= %.2f, transfer >= %.2f' % (name, u, t),
                           selections.shown(cards, lambda c, u=u, t=t: base(c) and
                                            c['p']['usable'] >= u and c['t'] >= t))


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    held = args[args.index('--') + 1:] if '--' in args else []
    dev_args = args[:args.index('--')] if '--' in args else args
    dev = [c for a in dev_args for c in selections.load(a)]
    out = [c for a in held for c in selections.load(a)]
    w = fit(ab(dev), lam=LAMBDA)
    print('/* fitted by eval/fit_genuine.py on the a and b labels (%d) of %s */' %
          (len(ab(dev)), ', '.join(a.split(':')[0] for a in dev_args)))
    print_weights('TRANSFER_W', w)
    # 10-fold cross-validation by query on the development sets
    fold = query_folds(c['q'] for c in dev)
    for k in range(10):
        wk = fit(ab([c for c in dev if fold[c['q']] != k]), lam=LAMBDA)
        for c in dev:
            if fold[c['q']] == k:
                c['t'] = prob(wk, xs(c))
    for c in out:
        c['t'] = prob(w, xs(c))
    pairs = [(c['t'], lab == 'a') for c in dev for lab in c['labs'] if lab and lab in 'ab']
    print('\ncross-validated AUC, a against b: %.3f' % selections.auc(pairs))
    print('\n| rule | shown | first reader: n, usable / genuine | second reader |')
    print('|---|---|---|---|')
    table('development, cross-validated', dev)
    if out:
        table('held out', out)


if __name__ == '__main__':
    main()
