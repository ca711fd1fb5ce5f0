#!/usr/bin/env python3
"""Protocol M scores of one read: per reader, the cards shown, fit yes or
partly, use yes, by band, and the patents listed apart that the reader
found fitting (misses).

    python3 eval/protocol_m/score.py OUT LABELS...

OUT: run.sh's output folder (NAME.json per company: match --json);
LABELS: one TSV per reader: company, patent, card|apart, fit, use, reason.
"""
import collections
import glob
import json
import os
import sys


def bands(out):
    b = {}
    for f in glob.glob(os.path.join(out, '*.json')):
        name = os.path.basename(f)[:-5]
        o = json.load(open(f, encoding='utf-8'))
        for m in o.get('matches', []):
            b[(name, m['id'])] = m['band']
        for m in o.get('reference', []):
            b[(name, m['id'])] = 'apart'
    return b


def main(out, labels):
    b = bands(out)
    for path in labels:
        rows = [l.rstrip('\n').split('\t') for l in open(path, encoding='utf-8') if l.strip()]
        cards = [r for r in rows if r[2] == 'card']
        apart = [r for r in rows if r[2] == 'apart']
        fit = sum(r[3] in ('yes', 'partly') for r in cards)
        use = sum(r[4] == 'yes' for r in cards)
        miss = [r for r in apart if r[3] in ('yes', 'partly')]
        n = max(1, len(cards))
        print('%s: %d cards over %d companies, fit yes or partly %d (%.0f%%), use yes %d (%.0f%%); '
              'listed apart %d, misses %d' % (os.path.basename(path), len(cards), len({r[0] for r in cards}),
                                              fit, 100.0 * fit / n, use, 100.0 * use / n, len(apart), len(miss)))
        by = collections.defaultdict(list)
        for r in cards:
            by[b.get((r[0], r[1]), '?')].append(r)
        for band in ('strong', 'candidate', 'reference', '?'):
            if by[band]:
                k = len(by[band])
                print('  %-9s %2d cards: fit %.0f%%, use %.0f%%' % (
                    band, k, 100.0 * sum(r[3] in ('yes', 'partly') for r in by[band]) / k,
                    100.0 * sum(r[4] == 'yes' for r in by[band]) / k))
        for r in miss:
            print('  miss: %s %s (%s)' % (r[0], r[1], r[3]))


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
