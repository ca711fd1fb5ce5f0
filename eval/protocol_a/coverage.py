#!/usr/bin/env python3
"""Coverage (Protocol A): N random patents of the development split's query
side (md5("dev" + id) % 4 == 0, with a code), drawn with a fixed seed,
written as a query file for run38.sh; then, given its output, how many got
at least five cards shown.

    python3 eval/protocol_a/coverage.py draw JP_TEST.jsonl SEED [N] > Q.tsv
    bash eval/protocol_a/run38.sh TRAIN.tny JP_TEST.jsonl Q.tsv OUT
    python3 eval/protocol_a/coverage.py score OUT/all.jsonl
"""
import hashlib
import json
import random
import sys


def draw(path, seed, n):
    ids = []
    for l in open(path, encoding='utf-8'):
        o = json.loads(l)
        c = (o.get('fi') or []) + (o.get('ipc') or [])
        if int(hashlib.md5(('dev' + o['id']).encode()).hexdigest(), 16) % 4 == 0 and c:
            ids.append((o['id'], c[0][:4]))
    rnd = random.Random(seed)
    print('# %d random query-side patents, seed %d (coverage.py)' % (n, seed))
    for i, h in rnd.sample(sorted(ids), min(n, len(ids))):
        print('jp\t%s\t-\thome %s' % (i, h))


def score(path):
    rows = [json.loads(l) for l in open(path, encoding='utf-8')]
    short = []
    for r in rows:
        k = sum(1 for i in r.get('ideas', []) if i.get('shown', 0) > 0)
        if k < 5:
            short.append((r['protocol_a']['n'], k, (r.get('warnings') or [{}])[0].get('code', '')))
    print('%d queries, %d with at least five cards shown (%.1f%%)' % (len(rows), len(rows) - len(short),
                                                                       100.0 * (len(rows) - len(short)) / max(1, len(rows))))
    for s in short:
        print('  query %d: %d shown %s' % s)


if __name__ == '__main__':
    if sys.argv[1] == 'draw':
        draw(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 200)
    else:
        score(sys.argv[2])
