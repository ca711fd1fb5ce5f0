#!/usr/bin/env python3
"""How far a second reader gets: for a pool read whole by two readers, each
reader picks every query's five cards by their own labels (a, b, then d, c;
ties in the order the label files list the cards) and the other reader's
labels judge them; also the AUC, within each pool, of one reader's labels
for the other's usable (a or b). Label files only, no engine output.

    python3 eval/protocol_a/readers_agree.py X1.tsv+X2.tsv Y1.tsv+Y2.tsv

Each argument is one reader: label files joined by '+' (a pool read in
slices). Set 70: labels/set70_reader27.tsv+labels/set70_reader29.tsv
against labels/set70_reader28.tsv+labels/set70_reader30.tsv; set 66:
readers 17+23+25 against 18+24+26."""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from fit_judge import read_labels  # noqa: E402

RANK = {'a': 3, 'b': 2, 'd': 1, 'c': 0}


def reader(group):
    out = collections.OrderedDict()
    for f in group.split('+'):
        for k, (lab, _) in read_labels(f).items():
            out[k] = lab
    return out


def auc(pos, neg):
    s = sum(1 if p > n else 0.5 if p == n else 0 for p in pos for n in neg)
    return s / (len(pos) * len(neg))


def picked_by(picker, judge):
    """The judge's reading of the picker's five per query, and the mean
    within-pool AUC of the picker's labels for the judge's usable."""
    c = u = n = 0
    aucs = []
    for q in sorted({q for q, _ in judge}):
        keys = [k for k in judge if k[0] == q and k in picker]
        top = sorted(keys, key=lambda k: -RANK[picker[k]])[:5]
        n += len(top)
        c += sum(judge[k] == 'c' for k in top)
        u += sum(judge[k] in 'ab' for k in top)
        pos = [RANK[picker[k]] for k in keys if judge[k] in 'ab']
        neg = [RANK[picker[k]] for k in keys if judge[k] not in 'ab']
        if pos and neg:
            aucs.append(auc(pos, neg))
    return c / n, u / n, sum(aucs) / len(aucs), len(aucs)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    x, y = reader(sys.argv[1]), reader(sys.argv[2])
    for name, pick, judge in (('X picks, Y reads', x, y), ('Y picks, X reads', y, x)):
        c, u, a, n = picked_by(pick, judge)
        print(f"{name}: c {c:.0%}, usable {u:.0%}; within-pool AUC {a:.3f} ({n} pools)")
    for name, r in (('X', x), ('Y', y)):
        c, u, _, _ = picked_by(r, r)
        print(f"{name}'s own five: c {c:.0%}, usable {u:.0%}")


if __name__ == '__main__':
    main()
