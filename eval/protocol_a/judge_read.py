#!/usr/bin/env python3
"""The judge's reads (sets 60, 61 and 62): the readers' cards, and the scores
of the list shown before (the engine's first ten) and after (the judge's list,
each card's "shown" position), from one read of the cards.

    bash eval/protocol_a/run38.sh TRAIN.tny QUERYSIDE.jsonl eval/protocol_a/queries61.tsv OUT
    python3 eval/protocol_a/judge_read.py cards OUT/all.jsonl > cards.txt
    python3 eval/protocol_a/judge_read.py score OUT/all.jsonl labels/set61_reader3.tsv labels/set61_reader4.tsv

With an earlier output beside it (set 62: the list before the pool and the
sense stage, `--old OLD.jsonl` to both commands), the cards read are the
first ten, the list shown of each output, and the scores are of the three
lists, all from one read.

    python3 eval/protocol_a/judge_read.py cards OUT/all.jsonl --old OLD/all.jsonl > cards.txt
    python3 eval/protocol_a/judge_read.py score OUT/all.jsonl --old OLD/all.jsonl LABELS...

cards: every card of the first ten in the engine's order, as content only
(field, bridge terms, phrases, evidence, idea, why; no band, no number of
the ranker), so one read labels both lists. score: per reader, the cards
shown, a/b/c/d, the c share, the usable share of the first five, the
lists with a genuine transfer, the patent lists with five or more shown,
the usable and c shares by band; then the AUC for usable and for not-c of
the judge's probability, the reader model and the engine's rank over the
ten cards of every list."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from fit_judge import read_labels, auc  # noqa: E402


def reader_labels(group):
    """One reader's labels: label files joined by '+' (a pool read in
    slices, each by its own reader)."""
    out = {}
    for f in group.split('+'):
        out.update(read_labels(f))
    return out


def shown(o):
    """The list shown of an answer, in its order."""
    return sorted([i for i in o['ideas'] if i.get('shown', 0) > 0], key=lambda i: i['shown'])


def to_read(r, old):
    """The cards of answer r to read: its first ten, its list shown and the
    list shown of the earlier answer old (may be None), once each, in the
    engine's order (r's, then old's for a card r lacks)."""
    want = {i['field'] for i in r.get('ideas', [])[:10]} | {i['field'] for i in shown(r)}
    if old:
        want |= {i['field'] for i in shown(old)}
    out = [i for i in r.get('ideas', []) if i['field'] in want]
    have = {i['field'] for i in out}
    if old:
        out += [i for i in old.get('ideas', []) if i['field'] in want and i['field'] not in have]
    return out


def cards(path, old_path=None, skip=None, part=None):
    """skip: (query, field) already read, left out; part (i, n): the queries
    of the i-th of n consecutive slices only. With skip, every card of the
    answer's pool (shown or not) that is not in skip is written."""
    w = sys.stdout.write
    olds = [json.loads(line) for line in open(old_path, encoding='utf-8')] if old_path else None
    lines = open(path, encoding='utf-8').readlines()
    for k, line in enumerate(lines):
        if part and not (part[0] - 1) * len(lines) // part[1] <= k < part[0] * len(lines) // part[1]:
            continue
        r = json.loads(line)
        pa, q = r['protocol_a'], r['query']
        w('=' * 72 + '\n')
        if pa['set'] == 'jp':
            w('QUERY %d (patent, asked by its title and abstract): %s\n' % (pa['n'], q.get('text', '')[:1500]))
        elif pa['set'] == 'en':
            w('QUERY %d (US patent, asked by its abstract): %s\n' % (pa['n'], q.get('text', '')[:1500]))
        else:
            w('QUERY %d (free text: an SME describes its technology): %s\n' % (pa['n'], q.get('text', '')))
        w('home fields: %s\n' % ','.join(q.get('home', [])))
        if skip is not None:
            ideas = [i for i in r.get('ideas', []) if (pa['n'], i['field']) not in skip]
        else:
            ideas = to_read(r, olds[k] if olds else None)
        if not ideas:
            w('(no proposals)\n')
        for k, p in enumerate(ideas):
            also = ' (also %s)' % ','.join(p['also_fields']) if p.get('also_fields') else ''
            w('\n  Q%d.%d  %s %s%s\n' % (pa['n'], k + 1, p['field'], p.get('label', ''), also))
            w('    bridge terms: %s\n' % ', '.join(p.get('bridge_terms', [])))
            if p.get('phrases'):
                w('    application phrases: %s\n' % '、'.join(
                    x if isinstance(x, str) else x.get('phrase', x.get('text', '')) for x in p['phrases']))
            for e in p.get('evidence', []):
                w('    evidence: %s %s\n' % (e['id'], e.get('title', '')))
            if p.get('idea'):
                w('    idea: %s\n' % p['idea'])
            y = p.get('why')
            if y:
                w('    why, query: %s\n' % y['query'])
                w('    why, %s: %s\n' % (y['evidence_id'], y['evidence']))
        w('\n')


def score(path, label_files, old_path=None):
    A = [json.loads(line) for line in open(path, encoding='utf-8')]
    lists = {'before (first ten)': lambda o, k: o['ideas'][:10]}
    if old_path:
        O = [json.loads(line) for line in open(old_path, encoding='utf-8')]
        lists['judge of the ten'] = lambda o, k: shown(O[k])
    lists['after (judge\'s list)'] = lambda o, k: shown(o)
    for lf in label_files:
        r = reader_labels(lf)
        print('+'.join(os.path.basename(f) for f in lf.split('+')))
        for name, pick in lists.items():
            n, f5, la, pat, cover, band = [0] * 4, [0, 0], 0, 0, 0, {}
            for k, o in enumerate(A):
                q, sh, has_a = o['protocol_a']['n'], pick(o, k), False
                for pos, i in enumerate(sh):
                    lab = r.get((q, i['field']), ('?',))[0]
                    if lab in 'abcd':
                        n['abcd'.index(lab)] += 1
                    if pos < 5:
                        f5[0] += 1
                        f5[1] += lab in 'ab'
                    has_a |= lab == 'a'
                    b = band.setdefault(i['band'], [0, 0, 0])
                    b[0] += 1
                    b[1] += lab in 'ab'
                    b[2] += lab == 'c'
                la += has_a
                if o['protocol_a']['set'] == 'jp':
                    pat += 1
                    cover += len(sh) >= 5
            t = max(1, sum(n))
            print('  %-22s shown %d, a/b/c/d %d/%d/%d/%d, c %.0f%%, first-5 usable %.0f%%, lists with a %d/%d, '
                  'patent lists with >= 5 shown %d/%d' % (name, sum(n), *n, 100.0 * n[2] / t,
                                                          100.0 * f5[1] / max(1, f5[0]), la, len(A), cover, pat))
            print('    by band: ' + ', '.join('%s %d, usable %.0f%%, c %.0f%%' % (
                k, v[0], 100.0 * v[1] / v[0], 100.0 * v[2] / v[0]) for k, v in sorted(band.items())))
        rows = [(i.get('judge', 0), i['usable'], -i['rank'], r[(o['protocol_a']['n'], i['field'])][0])
                for o in A for i in o['ideas'] if (o['protocol_a']['n'], i['field']) in r]
        for name, j in (('judge', 0), ('reader model', 1), ('engine rank', 2)):
            print('  AUC %-12s usable %.3f, not c %.3f' % (name, auc([(x[j], x[3] in 'ab') for x in rows]),
                                                           auc([(x[j], x[3] != 'c') for x in rows])))


def ceiling(path, groups):
    """A pool read to its end: per reader (a group of label files, joined
    by '+'), the best five cards of each answer by the reader's own labels
    (a and b first, then d, then c) against the judge's five (its
    probability down) and the list shown; the judge's AUC for usable within
    each answer's pool."""
    A = [json.loads(line) for line in open(path, encoding='utf-8')]
    pri = {'a': 0, 'b': 0, 'd': 1, 'c': 2, '?': 3}
    for g in groups:
        L = reader_labels(g)
        out = {}
        num = den = missing = 0
        for name, pick in (('oracle', lambda q, I: sorted(I, key=lambda i: pri[L.get((q, i['field']), ('?',))[0]])[:5]),
                           ('judge', lambda q, I: sorted(I, key=lambda i: -i.get('judge', 0))[:5]),
                           ('shown', lambda q, I: shown({'ideas': I}))):
            c = u = n = 0
            for o in A:
                q = o['protocol_a']['n']
                for i in pick(q, o['ideas']):
                    lab = L.get((q, i['field']), ('?',))[0]
                    c += lab == 'c'
                    u += lab in 'ab'
                    n += 1
            out[name] = (100.0 * c / max(1, n), 100.0 * u / max(1, n))
        for o in A:
            q = o['protocol_a']['n']
            labs = [(i.get('judge', 0), L.get((q, i['field']), ('?',))[0]) for i in o['ideas']]
            missing += sum(lab == '?' for _, lab in labs)
            for x, lx in labs:
                for y, ly in labs:
                    if lx in 'ab' and ly in 'cd':
                        den += 1
                        num += 1 if x > y else 0.5 if x == y else 0
        print('%s: cards unlabelled %d; best five by the labels: c %.0f%%, usable %.0f%%; the judge\'s five: '
              'c %.0f%%, usable %.0f%%; the list shown: c %.0f%%, usable %.0f%%; AUC for usable within answers %.3f' % (
                  g, missing, *out['oracle'], *out['judge'], *out['shown'], num / max(1, den)))


if __name__ == '__main__':
    argv, old = sys.argv[1:], None
    if '--old' in argv:
        k = argv.index('--old')
        old = argv[k + 1]
        del argv[k:k + 2]
    if len(argv) >= 3 and argv[0] == 'ceiling':
        # ceiling OUT/all.jsonl A1.tsv+A2.tsv B1.tsv+B2.tsv: a pool read to its end
        ceiling(argv[1], argv[2:])
    elif len(argv) >= 2 and argv[0] == 'pool':
        # pool OUT/all.jsonl I/N LABELS...: the pool's cards no label file has,
        # the I-th of N slices of the queries
        i, n = (int(x) for x in argv[2].split('/'))
        seen = set()
        for lf in argv[3:]:
            seen |= set(read_labels(lf))
        cards(argv[1], None, seen, (i, n))
    elif len(argv) >= 2 and argv[0] == 'cards':
        cards(argv[1], old)
    elif len(argv) >= 3 and argv[0] == 'score':
        score(argv[1], argv[2:], old)
    else:
        sys.exit(__doc__)
