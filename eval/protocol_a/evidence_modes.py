#!/usr/bin/env python3
"""Does the evidence's closeness by LSA against its closeness by TF-IDF tell
the cards readers keep from the others? An experiment outside the engine,
on the pools read whole (sets 66 and 70, every card of 30 a query):

    bash eval/protocol_a/run38.sh TRAIN.tny QUERYSIDE.jsonl eval/protocol_a/queries66.tsv OUT66 --all
    bash eval/protocol_a/run38.sh TRAIN.tny QUERYSIDE.jsonl eval/protocol_a/queries70.tsv OUT70 --all
    python3 eval/protocol_a/evidence_modes.py TRAIN.tny QUERYSIDE.jsonl OUT66 OUT70

For each query (a patent of the query side as title + abstract, or the
free text) `tenyo similar --text -m lsa` and `-m tfidf` over the train
index (k 10,000); each card's first three evidence patents get both
scores. Printed: within-pool AUC (per query and reader) of each number
alone for usable (a/b) and for not-c, then the judge's logit with each
set of numbers beside it in a logistic model fitted on one set and judged
on the other (fit_confidence's IRLS), against the judge alone.
"""
import collections
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from fit_confidence import fit, prob  # noqa: E402
from fit_judge import read_labels  # noqa: E402

TENYO = os.environ.get('TENYO', os.path.join(HERE, '..', '..', 'build', 'tenyo'))
READERS = {'66': [17, 18, 23, 24, 25, 26], '70': [27, 28, 29, 30]}
NAMES = ['judge', 'lsa1', 'tf1', 'hyb1', 'd1', 'lsam', 'tfm', 'dm', 'ratio']


def qtext(side, qid):
    for line in open(side, encoding='utf-8'):
        o = json.loads(line)
        if o['id'] != qid:
            continue
        ab = o.get('abstract') or ''
        if ab.strip().lower() in ('null', 'none', 'nan', 'n/a', '#n/a', 'nil'):
            ab = ''
        return (o.get('title') or '') + '。' + ab
    return None


def sims(idx, text, mode):
    r = subprocess.run([TENYO, 'similar', idx, '--text', text, '-m', mode, '-k', '10000',
                        '--json'], capture_output=True, text=True)
    return {} if r.returncode else {x['id']: x['score'] for x in json.loads(r.stdout)['results']}


def cards(idx, side, outs):
    got = []
    for s, out in outs.items():
        rows = [l.rstrip('\n').split('\t')
                for l in open(os.path.join(HERE, 'queries%s.tsv' % s), encoding='utf-8')
                if l.strip() and not l.startswith('#')]
        js = [json.loads(l) for l in open(os.path.join(out, 'all.jsonl'), encoding='utf-8')]
        for row, o in zip(rows, js):
            text = qtext(side, row[1]) if row[0] == 'jp' else row[1]
            lsa, tf = sims(idx, text, 'lsa'), sims(idx, text, 'tfidf')
            for c in o['ideas']:
                ev = [e['id'] for e in c['evidence']][:3]
                got.append(dict(set=s, n=o['protocol_a']['n'], field=c['field'], judge=c['judge'],
                                hyb=[e['similarity'] for e in c['evidence']][:3],
                                lsa=[lsa.get(e, 0.0) for e in ev], tf=[tf.get(e, 0.0) for e in ev]))
    return got


def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def feats(c):
    l, t, h = c['lsa'] + [0] * 3, c['tf'] + [0] * 3, c['hyb'] + [0] * 3
    k = max(1, len(c['lsa']))
    return dict(judge=logit(c['judge']), lsa1=l[0], tf1=t[0], hyb1=h[0], d1=l[0] - t[0],
                lsam=sum(c['lsa']) / k, tfm=sum(c['tf']) / k,
                dm=(sum(c['lsa']) - sum(c['tf'])) / k, ratio=l[0] / (t[0] + 0.05))


def wauc(rows, score, yi):
    """AUC over the pairs of one query and one reader: rows are (set, query,
    reader, facts, usable, c); yi 4 for usable, 5 for c."""
    g = collections.defaultdict(list)
    for x in rows:
        g[(x[0], x[1], x[2])].append((score(x), x[yi]))
    num = den = 0
    for v in g.values():
        pos = [s for s, y in v if y]
        neg = [s for s, y in v if not y]
        for p in pos:
            for q in neg:
                den += 1
                num += 1 if p > q else 0.5 if p == q else 0
    return num / den if den else float('nan')


def labels(sets):
    """(set, query, subclass) -> [(reader, label)] of every reader of each
    set (READERS' numbering: labels/setS_readerR.tsv)."""
    lab = collections.defaultdict(list)
    for s, rs in sets.items():
        for r in rs:
            for (n, f), (y, _) in read_labels(os.path.join(HERE, 'labels',
                                                           'set%s_reader%d.tsv' % (s, r))).items():
                lab[(s, n, f)].append((r, y))
    return lab


def alone(rows, sets, names):
    """Each fact's within-pool AUC alone, per set."""
    for s in sets:
        rs = [x for x in rows if x[0] == s]
        print(s, 'usable', ' '.join('%s=%.3f' % (n, wauc(rs, lambda x, n=n: x[3][n], 4))
                                    for n in names))
        print(s, 'not-c ', ' '.join('%s=%.3f' % (n, 1 - wauc(rs, lambda x, n=n: x[3][n], 5))
                                    for n in names))


def heldout(rows, extra, tr, te):
    """The judge's logit with the facts extra beside it, fitted on the sets
    tr and judged on te, against the judge alone (within-pool AUC)."""
    def xv(x):
        return [1.0] + [x[3][n] for n in ['judge'] + extra]
    a = [x for x in rows if x[0] in tr]
    b = [x for x in rows if x[0] in te]
    w = fit([(xv(x), x[4], 1.0) for x in a])
    bb = [x + (prob(w, xv(x)),) for x in b]
    print(extra, '+'.join(tr), '->', '+'.join(te),
          'judge alone %.3f' % wauc(b, lambda x: x[3]['judge'], 4),
          'with %.3f' % wauc(bb, lambda x: x[6], 4),
          '| not-c judge %.3f with %.3f' % (1 - wauc(b, lambda x: x[3]['judge'], 5),
                                            1 - wauc(bb, lambda x: x[6], 5)))


def main():
    idx, side, out66, out70 = sys.argv[1:5]
    lab = labels(READERS)
    rows = []
    for c in cards(idx, side, {'66': out66, '70': out70}):
        f = feats(c)
        for r, y in lab.get((c['set'], c['n'], c['field']), []):
            rows.append((c['set'], c['n'], r, f, int(y in 'ab'), int(y == 'c')))
    print('labels', {s: sum(1 for x in rows if x[0] == s) for s in READERS})
    alone(rows, READERS, NAMES)
    for extra in (['d1'], ['dm'], ['lsa1', 'tf1'], ['lsam', 'tfm'], ['ratio'],
                  ['lsa1', 'tf1', 'lsam', 'tfm']):
        for tr, te in ((('66',), ('70',)), (('70',), ('66',))):
            heldout(rows, extra, tr, te)


if __name__ == '__main__':
    main()
