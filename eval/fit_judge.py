#!/usr/bin/env python3
"""Fit the judge's term worth (src/judge/terms.c, models/judge.tsv): the
probability that a shared term carries a link an analyst would defend, a
logistic regression over the term facts the C code computes (`tenyo tokens
--judge INDEX`), fitted on the Protocol A readers' labels, and judged on
query sets it never saw.

    python3 eval/fit_judge.py --index JP.tny --train 1,2,5,6,7,8,9,10 --test 11,12,13 \\
        SET=OUT/all.jsonl:LABELS1.tsv,LABELS2.tsv ...
    python3 eval/fit_judge.py --index JP.tny --train all --write models/judge.tsv SET=... ...

Each SET=... argument names a query set (its number), run.sh's JSON of that
set with the thresholds off (every labelled card with the current engine's
bridge terms) and the set's label files (query number, subclass, label,
reason). The examples of a set:
  - bad terms: the Japanese words a reader's reason names on a card the
    reader called c (a generic word or a pun: 「Generic words 構造/固定/部材」);
  - good terms: the bridge terms shown on cards every reader of the set
    called a or b, less the set's bad terms.
A term is one example per set it occurs in. The test sets' terms are
scored twice: all of them, and only those no training set has (unseen).
Printed: the AUC of the fitted worth against the older measure (1 -
genericity) and against each single fact; with --write, the weights as
models/judge.tsv (a version line naming the training sets, then one
"name<TAB>weight" line per feature). Pure Python (fit_confidence's IRLS).
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_confidence import fit, prob  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TENYO = os.environ.get('TENYO', os.path.join(HERE, '..', 'build', 'tenyo'))
JWORD = re.compile(r'[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]{1,24}')
LAMBDA = 1.0


def read_labels(path):
    """(query number, subclass) -> (label, reason); any column layout whose
    first field is the query and whose label is the first a/b/c/d field."""
    out = {}
    for line in open(path, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        p = line.rstrip('\n').split('\t')
        k = next((i for i, v in enumerate(p) if v in ('a', 'b', 'c', 'd')), None)
        if k is None or k < 2:
            continue
        try:
            n = int(p[0])
        except ValueError:
            continue
        out[(n, p[k - 1])] = (p[k], '\t'.join(p[k + 1:]))
    return out


def load_set(arg):
    name, rest = arg.split('=', 1)
    path, labs = rest.split(':', 1)
    readers = [read_labels(p) for p in labs.split(',')]
    bad, good = set(), set()
    for r in readers:
        for (n, f), (lab, why) in r.items():
            if lab == 'c':
                bad.update(JWORD.findall(why))
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n = o['protocol_a']['n']
        for p in o.get('ideas', []):
            labs = [r.get((n, p['field'])) for r in readers]
            if labs and all(x and x[0] in 'ab' for x in labs):
                good.update(p.get('bridge_terms', []))
    good -= bad
    return name, bad, good


def judge(index, terms):
    """term -> (worth, features) for the terms the index has; names."""
    terms = sorted(terms)
    r = subprocess.run([TENYO, 'tokens', '--judge', index, '--file', '-'], input='\n'.join(terms) + '\n',
                       capture_output=True, text=True, check=True)
    want = set(terms)
    names, out = None, {}
    for line in r.stdout.splitlines():
        p = line.split('\t')
        if p[0] == 'term' and p[1] == 'worth':
            names = p[2:]
            continue
        if p[0] in want and len(p) > 2 and p[1] != '-':
            out[p[0]] = (float(p[1]), [float(v) for v in p[2:]])
    return out, names


def auc(scored):
    """scored: (score, label 0/1) pairs; ties count one half."""
    pos = [s for s, y in scored if y]
    neg = [s for s, y in scored if not y]
    if not pos or not neg:
        return float('nan')
    wins = 0.0
    for p in pos:
        for q in neg:
            wins += 1.0 if p > q else 0.5 if p == q else 0.0
    return wins / (len(pos) * len(neg))


def examples(sets, facts):
    ex = []
    for name, bad, good in sets:
        for t in bad:
            if t in facts:
                ex.append((t, 0, name))
        for t in good:
            if t in facts:
                ex.append((t, 1, name))
    return ex


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--index', required=True)
    ap.add_argument('--train', required=True, help='set names, or all')
    ap.add_argument('--test', default='')
    ap.add_argument('--write')
    ap.add_argument('--only', default='', help='comma-separated facts the fit may use (default: all)')
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args()
    sets = [load_set(s) for s in a.sets]
    names_tr = [s[0] for s in sets] if a.train == 'all' else a.train.split(',')
    names_te = [x for x in a.test.split(',') if x]
    allterms = set()
    for _, bad, good in sets:
        allterms |= bad | good
    facts, fnames = judge(a.index, allterms)
    tr = examples([s for s in sets if s[0] in names_tr], facts)
    te = examples([s for s in sets if s[0] in names_te], facts)
    gi = fnames.index('genericity')
    print('training sets %s: %d examples (%d good, %d bad terms)' % (
        ','.join(names_tr), len(tr), sum(y for _, y, _ in tr), sum(1 - y for _, y, _ in tr)))
    use = [i for i, n in enumerate(fnames) if n == 'bias' or not a.only or n in a.only.split(',')]
    def sel(v):
        return [v[i] if i in use else 0.0 for i in range(len(v))]
    # the classes weighed alike: a good term is as much evidence as a bad one
    npos = sum(y for _, y, _ in tr)
    nneg = len(tr) - npos
    data = [(sel(facts[t][1]), y, (len(tr) / (2.0 * npos)) if y else (len(tr) / (2.0 * nneg))) for t, y, _ in tr]
    w = fit(data, lam=LAMBDA)
    if te:
        seen = {t for t, _, _ in tr}
        for label, rows in (('all test terms', te), ('unseen test terms', [r for r in te if r[0] not in seen])):
            print('%s (sets %s): %d examples, %d good, %d bad' % (
                label, ','.join(names_te), len(rows), sum(y for _, y, _ in rows), sum(1 - y for _, y, _ in rows)))
            print('  AUC fitted worth          %.3f' % auc([(prob(w, facts[t][1]), y) for t, y, _ in rows]))
            print('  AUC 1 - genericity (old)  %.3f' % auc([(1 - facts[t][1][gi], y) for t, y, _ in rows]))
            for i, n in enumerate(fnames):
                if n == 'bias':
                    continue
                v = auc([(facts[t][1][i], y) for t, y, _ in rows])
                print('    single fact %-14s AUC %.3f' % (n, v))
    print('weights:')
    for n, wi in zip(fnames, w):
        print('  %-14s %+.4f' % (n, wi))
    if a.write:
        with open(a.write, 'w', encoding='utf-8') as f:
            f.write('version %s fit on Protocol A sets %s (%d terms), eval/fit_judge.py\n' % (
                datetime.date.today().isoformat(), ','.join(names_tr), len(tr)))
            f.write('# name<TAB>weight: the judge\'s term worth is sigmoid(sum of weight x fact);\n')
            f.write('# the facts are those of src/judge/terms.c (tenyo tokens --judge INDEX).\n')
            for n, wi in zip(fnames, w):
                f.write('%s\t%.6f\n' % (n, wi))
        print('wrote', a.write)


if __name__ == '__main__':
    main()
