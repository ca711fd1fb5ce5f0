#!/usr/bin/env python3
"""What a different choice of the shown proposals would do to the readers'
genuine share: selection rules replayed on the labels of earlier reads.

    QUERIES=eval/protocol_a/queries.tsv bash eval/protocol_a/run.sh JP.tny EN.tny d1 \\
        --min-confidence 0.001 --min-usable 0 --min-transfer 0 -n 30
    (the same for queries2, 5, 6, 7 into d2, d5, d6, d7)
    python3 eval/protocol_a/selections.py \\
        d1/all.jsonl:eval/protocol_a/labels/set1_reader1.tsv,eval/protocol_a/labels/set1_reader2.tsv ...

Each argument is run.sh's JSON of one query set with the thresholds off
(every candidate with the current ranker's numbers, 30 per query) and,
after a colon, two label files of that set (query number, subclass,
a/b/c/d). A rule picks, per query, up to 10 proposals in rank order; the
table gives per reader (first and second label file of each set, pooled
over the sets) the labelled proposals among those shown and their usable
(a + b) and genuine (a) shares. Proposals no reader labelled are shown but
not counted: on sets read in their default output (5, 6, 7) a rule that
shows other proposals is judged on fewer labels (the n column says how
many). The "genuine model" is fitted on usable labels only (a against b:
what tells a transfer from an obvious neighbour) over fit_usable.py's
features plus the reader model's log-odds and the rank, and predicted
cross-validated by query (10 folds), so no rule sees its own labels.
Pure Python, no numpy."""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from fit_confidence import fit, prob  # noqa: E402
from fit_usable import features  # noqa: E402


def labels(path):
    out = {}
    for line in open(path, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        n, field, lab = line.rstrip('\n').split('\t')[:3]
        out[(int(n), field)] = lab
    return out


def load(arg):
    path, labs = arg.split(':', 1)
    ls = [labels(p) for p in labs.split(',')][:2]
    cards = []
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n, kind = o['protocol_a']['n'], o['protocol_a']['set']
        for p in o.get('ideas', []):
            u = min(max(p['usable'], 1e-6), 1 - 1e-6)
            x = features(p, kind) + [math.log(u / (1 - u)), p['rank'] / 10.0]
            cards.append(dict(q=(path, n), p=p, x=x, labs=[lb.get((n, p['field'])) for lb in ls],
                              tov=title_overlap(o['query'].get('title') or '', p.get('evidence', []))))
    return cards


TITLE_STOP = ('及び', 'および', '並びに', '方法', '装置', 'システム', 'プログラム', '記録媒体',
              '用', 'の', '、', ',', '・')


def bigrams(s):
    for w in TITLE_STOP:
        s = s.replace(w, ' ')
    return {s[i:i + 2] for i in range(len(s) - 1) if ' ' not in s[i:i + 2]}


def title_overlap(qtitle, evidence):
    """Mean Jaccard of character bigrams between the query's title and each
    shown evidence title, generic title words left out: the same product
    (作業車両 and 作業車両) rather than another use."""
    q = bigrams(qtitle)
    ov = [len(q & bigrams(e['title'])) / max(1, len(q | bigrams(e['title']))) for e in evidence]
    return sum(ov) / len(ov) if ov else 0.0


def cross_validate(cards, folds=10, seed=7):
    """p['g']: P(a | a or b), predicted for each card by a model not fitted on its query."""
    qs = sorted(set(c['q'] for c in cards))
    random.Random(seed).shuffle(qs)
    fold = {q: i % folds for i, q in enumerate(qs)}
    for k in range(folds):
        data = [(c['x'], 1.0 if lab == 'a' else 0.0, 1.0) for c in cards if fold[c['q']] != k
                for lab in c['labs'] if lab and lab in 'ab']
        w = fit(data, lam=1.0)
        for c in cards:
            if fold[c['q']] == k:
                c['g'] = prob(w, c['x'])


def auc(pairs):
    pos = [s for s, y in pairs if y]
    neg = [s for s, y in pairs if not y]
    if not pos or not neg:
        return float('nan')
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / len(pos) / len(neg)


def shown(cards, keep, order=None, cap=10):
    by = {}
    for c in cards:
        by.setdefault(c['q'], []).append(c)
    out = []
    for cs in by.values():
        cs = sorted(cs, key=order or (lambda c: c['p']['rank']))
        out += [c for c in cs if keep(c)][:cap]
    return out


def row(name, cs):
    cells = []
    for r in range(2):
        labs = [c['labs'][r] for c in cs if c['labs'][r]]
        n = len(labs)
        u = sum(x in 'ab' for x in labs)
        a = sum(x == 'a' for x in labs)
        cells.append('%d, %.1f%% / %.1f%%' % (n, 100.0 * u / max(1, n), 100.0 * a / max(1, n)))
    print('| %s | %d | %s | %s |' % (name, len(cs), cells[0], cells[1]))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cards = [c for a in sys.argv[1:] for c in load(a)]
    cross_validate(cards)
    lab = [(c, x) for c in cards for x in c['labs'] if x]
    print('labelled proposals: %d (%d labels); genuine %.1f%%' %
          (sum(1 for c in cards if any(c['labs'])), len(lab),
           100.0 * sum(x == 'a' for _, x in lab) / len(lab)))
    print('genuine model, cross-validated AUC: a against b %.3f, a against the rest (x usable) %.3f' %
          (auc([(c['g'], x == 'a') for c, x in lab if x in 'ab']),
           auc([(c['g'] * c['p']['usable'], x == 'a') for c, x in lab])))
    base = lambda c: c['p']['confidence'] >= 0.03 and c['p']['usable'] >= 0.5  # noqa: E731
    app = set('ABCDE')
    print('\n| rule | shown | first reader: n, usable / genuine | second reader |')
    print('|---|---|---|---|')
    row('default (usable >= 0.5, confidence >= 0.03)', shown(cards, base))
    for g in (0.06, 0.08, 0.10, 0.12, 0.15):
        row('default and genuine model >= %.2f' % g, shown(cards, lambda c, g=g: base(c) and c['g'] >= g))
    for cap in (2, 3, 5):
        row('default, at most %d per query (by usable)' % cap,
            shown(cards, base, order=lambda c: -c['p']['usable'], cap=cap))
    ph = lambda c: bool(c['p'].get('phrases'))  # noqa: E731
    row('default, with an application phrase only', shown(cards, lambda c: base(c) and ph(c)))
    row('default, without one only', shown(cards, lambda c: base(c) and not ph(c)))
    for ut in (0.7, 0.8):
        row('phrase: usable >= 0.4; none: usable >= %.1f' % ut,
            shown(cards, lambda c, ut=ut: c['p']['confidence'] >= 0.03 and
                  c['p']['usable'] >= (0.4 if ph(c) else ut)))
    # fields co-classified with the home (P(field | home) > p) are obvious
    # neighbours: at most m of them, every other usable field
    def few_obvious(p, m):
        def keep(c, seen={}):
            if not base(c):
                return False
            if c['p']['basis']['prior'] <= p:
                return True
            seen[c['q']] = seen.get(c['q'], 0) + 1
            return seen[c['q']] <= m
        return keep
    for p, m in ((0.05, 0), (0.05, 1), (0.05, 2), (0.1, 0), (0.1, 1)):
        row('default, at most %d with P(field | home) > %.2f' % (m, p), shown(cards, few_obvious(p, m)))
    for t in (0.3, 0.25, 0.2):
        row('default, evidence titles sharing < %.2f with the query\'s' % t,
            shown(cards, lambda c, t=t: base(c) and c['tov'] < t))
    for ut in (0.7, 0.8):
        row('sections A-E: usable >= 0.4; F-H: usable >= %.1f' % ut,
            shown(cards, lambda c, ut=ut: c['p']['confidence'] >= 0.03 and
                  c['p']['usable'] >= (0.4 if c['p']['field'][0] in app else ut)))


if __name__ == '__main__':
    main()
