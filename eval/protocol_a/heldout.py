#!/usr/bin/env python3
"""How far any threshold on the ranker's own numbers can lift the genuine
share: precision curves of the reader labels, on query sets the reader
models never saw.

    for s in 11 12 13; do
        QUERIES=eval/protocol_a/queries$s.tsv bash eval/protocol_a/run.sh JP.tny EN.tny h$s \\
            --min-confidence 0.001 --min-usable 0 --min-transfer 0 -n 30
    done
    python3 eval/protocol_a/heldout.py \\
        h11/all.jsonl:eval/protocol_a/labels/set11_readerQ.tsv,eval/protocol_a/labels/set11_readerR.tsv \\
        h12/all.jsonl:...S.tsv,...T.tsv h13/all.jsonl:...U.tsv,...V.tsv

Each argument is run.sh's JSON of one query set with the thresholds off
(every candidate with the current ranker's numbers) and, after a colon, the
label files of that set (query number, subclass, a/b/c/d; two or more
readers). Only cards every reader of the set labelled are counted.

Printed: per set and reader, the labelled cards and their usable (a + b)
and genuine (a) shares (the base rates any selection starts from); then, for
each of the ranker's scores (usable x transfer, transfer, usable,
confidence), the cards pooled over the sets in that score's order and the
shares of the best k for k = 5, 10, 20, ... (the first and the second
reader of each set pooled as "first" and "second"); then the best any
threshold on each score achieves: the largest genuine share, for the
reader doing worse, among the prefixes of at least MIN_SHOWN cards (20
unless --min-shown) whose usable share is at least 60% for both.

With the models of src/ideas/ideas.c (fitted on sets 1, 2, 5-10) the sets
11-13 are held out: what a threshold shows there is what it would show a
new user. Pure Python."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selections import labels  # noqa: E402  (one reader of the label files)


def load(arg):
    path, labs = arg.split(':', 1)
    ls = [labels(p) for p in labs.split(',')]
    cards = []
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n = o['protocol_a']['n']
        for p in o.get('ideas', []):
            got = [lb.get((n, p['field'])) for lb in ls]
            if None in got:
                continue
            cards.append(dict(set=path, kind=o['protocol_a']['set'], usable=p['usable'],
                              transfer=p.get('transfer') or 0.0, confidence=p['confidence'],
                              labs=got))
    return cards


def shares(cards, r):
    n = len(cards)
    if not n:
        return 0, 0.0, 0.0
    a = sum(c['labs'][r] == 'a' for c in cards)
    ab = sum(c['labs'][r] in ('a', 'b') for c in cards)
    return n, 100.0 * ab / n, 100.0 * a / n


def main(argv):
    min_shown = 20
    if '--min-shown' in argv:
        i = argv.index('--min-shown')
        min_shown = int(argv[i + 1])
        del argv[i:i + 2]
    allc = []
    print('base rates (every labelled card of the thresholds-off list):')
    for arg in argv:
        cards = load(arg)
        allc += cards
        for r in range(len(cards[0]['labs']) if cards else 0):
            n, u, g = shares(cards, r)
            print('  %-40s reader %d: %4d cards, usable %5.1f%%, genuine %4.1f%%' % (arg.split(':')[0], r + 1, n, u, g))
    scores = [('usable x transfer', lambda c: c['usable'] * c['transfer']),
              ('transfer', lambda c: c['transfer']),
              ('usable', lambda c: c['usable']),
              ('confidence', lambda c: c['confidence'])]
    for name, key in scores:
        cs = sorted(allc, key=key, reverse=True)
        print('by %s (%d cards pooled; usable / genuine, first and second reader):' % (name, len(cs)))
        ks = [k for k in (5, 10, 20, 30, 50, 100, 200) if k < len(cs)] + [len(cs)]
        for k in ks:
            _, u0, g0 = shares(cs[:k], 0)
            _, u1, g1 = shares(cs[:k], 1)
            print('  best %4d: usable %5.1f / %5.1f%%, genuine %4.1f / %4.1f%%' % (k, u0, u1, g0, g1))
        best = None
        for k in range(min_shown, len(cs) + 1):
            _, u0, g0 = shares(cs[:k], 0)
            _, u1, g1 = shares(cs[:k], 1)
            if min(u0, u1) >= 60.0 and (best is None or min(g0, g1) > best[1]):
                best = (k, min(g0, g1), g0, g1, u0, u1)
        if best:
            print('  any threshold, >= %d shown and usable >= 60%% for both: at best %d shown, genuine %.1f / %.1f%%'
                  ' (usable %.1f / %.1f%%)' % (min_shown, best[0], best[2], best[3], best[4], best[5]))
        else:
            print('  no threshold shows >= %d cards with usable >= 60%% for both readers' % min_shown)


if __name__ == '__main__':
    main(sys.argv[1:])
