#!/usr/bin/env python3
"""Fit the reader models of `tenyo ideas` by kind of query (src/ideas/ideas.c
USABLE_W, TRANSFER_W for a patent query; USABLE_TEXT_W, TRANSFER_TEXT_W for
free text): P(an analyst finds the proposal usable: Protocol A label a or b)
and P(a genuine transfer | usable: a against b), logistic regressions over
fit_usable.py's sixteen numbers, and the leave-one-set-out table of what the
thresholds on both would show, from which the defaults are chosen.

    for s in 1 2 5 6 7 8 9 10; do   # queries.tsv for set 1
        QUERIES=eval/protocol_a/queries$s.tsv bash eval/protocol_a/run.sh JP.tny EN.tny d$s \\
            --min-confidence 0.001 --min-usable 0 --min-transfer 0 -n 30
    done
    python3 eval/fit_reader.py d1/all.jsonl:eval/protocol_a/labels/set1_reader1.tsv,... ...

Each argument is run.sh's JSON of one query set with the thresholds off and,
after a colon, every label file of that set (query number, subclass,
a/b/c/d); each label is one example. Why by kind: one model for every query
(fit_usable.py, fit_genuine.py, with a free-text indicator) told usable from
pun on free text with a leave-one-set-out AUC of 0.750 and a transfer from
an obvious neighbour with 0.434 (worse than chance: what makes a patent's
proposal an obvious neighbour — a field many neighbours vote for, close to
the home — is what the free-text transfers into the corpus's big fields look
like); fitted on the free-text labels alone, 0.778 and 0.641. A free-text
query's home is predicted or stated, not its own classification, so its
neighbours and votes mean something else. The table holds each set out in
turn (fitted on the other sets), and pools the first and the second label
file of every set as "first reader" and "second reader".
Pure Python (fit_confidence.py's IRLS), no numpy."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'protocol_a'))
from fit_confidence import fit, prob  # noqa: E402
from fit_usable import features, print_weights  # noqa: E402
from selections import auc, labels  # noqa: E402

LAMBDA = 1.0
KINDS = (('patent', ('jp', 'en'), 'USABLE_W', 'TRANSFER_W'),
         ('text', ('text',), 'USABLE_TEXT_W', 'TRANSFER_TEXT_W'))
GRID = {'patent': ((0.5, 0.6), (0, 0.06, 0.08, 0.10, 0.12, 0.15)),
        'text': ((0.4, 0.5, 0.6, 0.7), (0, 0.06, 0.08, 0.10, 0.12, 0.15, 0.2))}


def load(arg, set_no):
    path, labs = arg.split(':', 1)
    ls = [labels(p) for p in labs.split(',')]
    cards = []
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n, kind = o['protocol_a']['n'], o['protocol_a']['set']
        for p in o.get('ideas', []):
            cards.append(dict(s=set_no, kind=kind, p=p, x=features(p, kind),
                              labs=[lb.get((n, p['field'])) for lb in ls]))
    return cards


def usable_rows(cards):
    return [(c['x'], 1.0 if lab in 'ab' else 0.0, 1.0) for c in cards for lab in c['labs'] if lab]


def transfer_rows(cards):
    return [(c['x'], 1.0 if lab == 'a' else 0.0, 1.0)
            for c in cards for lab in c['labs'] if lab and lab in 'ab']


def hold_out(cards, nsets, u, t):
    """c[u], c[t]: the usable and transfer models' probabilities, each set
    predicted by models fitted on the other sets."""
    for s in range(nsets):
        rest = [c for c in cards if c['s'] != s]
        ku, kt = fit(usable_rows(rest), lam=LAMBDA), fit(transfer_rows(rest), lam=LAMBDA)
        for c in cards:
            if c['s'] == s:
                c[u], c[t] = prob(ku, c['x']), prob(kt, c['x'])


def cell(cards, r):
    labs = [c['labs'][r] for c in cards if len(c['labs']) > r and c['labs'][r]]
    n = len(labs)
    return '%d, %.1f%% / %.1f%%' % (n, 100.0 * sum(x in 'ab' for x in labs) / max(1, n),
                                    100.0 * sum(x == 'a' for x in labs) / max(1, n))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cards = [c for i, a in enumerate(sys.argv[1:]) for c in load(a, i)]
    nsets = len(sys.argv) - 1
    # the one model for every kind, held out the same way, to compare
    hold_out(cards, nsets, 'uj', 'tj')
    for name, kinds, uname, tname in KINDS:
        cs = [c for c in cards if c['kind'] in kinds]
        wu, wt = fit(usable_rows(cs), lam=LAMBDA), fit(transfer_rows(cs), lam=LAMBDA)
        print('/* %s queries: fitted by eval/fit_reader.py on %d labels (usable) and %d a/b labels'
              ' (transfer) of %d query sets */' % (name, len(usable_rows(cs)), len(transfer_rows(cs)), nsets))
        print_weights(uname, wu)
        print_weights(tname, wt)
        hold_out(cs, nsets, 'u', 't')
        lab = [(c, x) for c in cs for x in c['labs'] if x]
        print('\n%s, leave one set out: AUC usable %.3f (one model for every kind: %.3f), '
              'a against b %.3f (%.3f)' % (
                  name, auc([(c['u'], x in 'ab') for c, x in lab]),
                  auc([(c['uj'], x in 'ab') for c, x in lab]),
                  auc([(c['t'], x == 'a') for c, x in lab if x in 'ab']),
                  auc([(c['tj'], x == 'a') for c, x in lab if x in 'ab'])))
        print('\n| %s: rule (confidence >= 0.03) | cards | first reader: n, usable / genuine | second reader |'
              % name)
        print('|---|---|---|---|')
        base = [c for c in cs if c['p']['confidence'] >= 0.03]
        for u in GRID[name][0]:
            for t in GRID[name][1]:
                sel = [c for c in base if c['u'] >= u and c['t'] >= t]
                print('| usable >= %.2f, transfer >= %.2f | %d | %s | %s |' %
                      (u, t, len(sel), cell(sel, 0), cell(sel, 1)))
        print()


if __name__ == '__main__':
    main()
