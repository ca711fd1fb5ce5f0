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
            f.write('version %s: terms fit on Protocol A sets %s (%d terms; facts: %s), eval/fit_judge.py\n' % (
                datetime.date.today().isoformat(), ','.join(names_tr), len(tr), a.only or 'all'))
            f.write('# name<TAB>weight: the judge\'s term worth is sigmoid(sum of weight x fact);\n')
            f.write('# the facts are those of src/judge/terms.c (tenyo tokens --judge INDEX).\n')
            for n, wi in zip(fnames, w):
                f.write('%s\t%.6f\n' % (n, wi))
        print('wrote', a.write)



# ------------------------------------------------------------ the card judge

CARD_FACTS = ['reader', 'strong', 'candidate', 'genericity', 'abstract', 'sahen', 'claim_element',
              'compound', 'idf', 'juman_unknown', 'evidence_sim', 'evidence_sum']


def set_cards(arg):
    """Every card of a set NAME=OUTPUT.jsonl:LABELS,LABELS: (name, query
    number, card, the labels of the readers who labelled it)."""
    name, rest = arg.split('=', 1)
    path, labs = rest.split(':', 1)
    readers = [read_labels(p) for p in labs.split(',')]
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        n = o['protocol_a']['n']
        for p in o.get('ideas', []):
            got = [r.get((n, p['field'])) for r in readers]
            yield name, n, p, [lab[0] for lab in got if lab]


def load_cards(arg):
    """(set name, cards): each labelled card of a set as (query, facts, label)
    once per reader who labelled it, wherever the card stands in the answer
    (a set read to the end of its pool has labels below the first ten)."""
    out = []
    name = arg.split('=', 1)[0]
    for _, n, p, labs in set_cards(arg):
        if 'judge_facts' not in p:
            continue
        x = [1.0] + [float(p['judge_facts'][k]) for k in CARD_FACTS]
        out += [((name, n), x, lab, p) for lab in labs]
    return name, out


def pick_thresholds(scored, strong=0.85, candidate=0.65, min_cards=20):
    """The lowest p at which cards at or above it are usable >= strong, then
    the lowest below that at which the cards between are usable >= candidate
    (each over at least min_cards cards)."""
    s = sorted(scored, key=lambda t: -t[0])
    ts = 1.0
    for k in range(min_cards, len(s) + 1):
        if sum(y for _, y in s[:k]) / k >= strong:
            ts = s[k - 1][0]
    rest = [t for t in s if t[0] < ts]
    tc = ts
    for k in range(min_cards, len(rest) + 1):
        if sum(y for _, y in rest[:k]) / k >= candidate:
            tc = rest[k - 1][0]
    return ts, tc


def cards_main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument('--cards', action='store_true')
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', default='')
    ap.add_argument('--write')
    ap.add_argument('--only', default='', help='comma-separated card facts the fit may use')
    # the bands' usable shares asked of the training labels: above the
    # targets (85% strong, 65% candidate) by a margin, because held-out sets
    # read lower (leave-one-set-out on sets 60, 61, 62: trained at 0.85 /
    # 0.65, strong 79-89% and candidate 53-70% usable; at 0.92 / 0.72,
    # 89-93% and 67-77%)
    ap.add_argument('--strong', type=float, default=0.92)
    ap.add_argument('--candidate', type=float, default=0.72)
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args(argv)
    sets = dict(load_cards(s) for s in a.sets)
    tr_names = list(sets) if a.train == 'all' else a.train.split(',')
    te_names = [x for x in a.test.split(',') if x]
    use = [0] + [i + 1 for i, n in enumerate(CARD_FACTS) if not a.only or n in a.only.split(',')]
    sel = lambda x: [x[i] if i in use else 0.0 for i in range(len(x))]
    tr = [c for s in tr_names for c in sets[s]]
    data = [(sel(x), 1 if lab in 'ab' else 0, 1.0) for _, x, lab, _ in tr]
    w = fit(data, lam=LAMBDA)
    ts, tc = pick_thresholds([(prob(w, sel(x)), 1 if lab in 'ab' else 0) for _, x, lab, _ in tr],
                             strong=a.strong, candidate=a.candidate)
    print('card judge fitted on sets %s: %d labels; bands at p >= %.3f (strong), >= %.3f (candidate)' % (
        ','.join(tr_names), len(tr), ts, tc))
    if te_names:
        te = [c for s in te_names for c in sets[s]]
        for what, y in (('usable (a or b)', lambda l: l in 'ab'), ('c', lambda l: l == 'c')):
            sj = [(prob(w, sel(x)) * (1 if what[0] == 'u' else -1), 1 if y(lab) else 0) for _, x, lab, _ in te]
            sr = [(x[1] * (1 if what[0] == 'u' else -1), 1 if y(lab) else 0) for _, x, lab, _ in te]
            print('held-out sets %s, %d labels: AUC for %s: judge %.3f, reader model alone %.3f' % (
                ','.join(te_names), len(te), what, auc(sj), auc(sr)))
        for lo, hi, band in ((ts, 2, 'strong'), (tc, ts, 'candidate'), (-1, tc, 'reference')):
            q = [lab for _, x, lab, _ in te if lo <= prob(w, sel(x)) < hi]
            if q:
                print('  judged %-9s %4d labels: usable %.0f%%, c %.0f%%' % (
                    band, len(q), 100.0 * sum(l in 'ab' for l in q) / len(q), 100.0 * sum(l == 'c' for l in q) / len(q)))
        for band in ('strong', 'candidate', 'reference'):
            q = [lab for _, x, lab, p in te if p['band'] == band]
            if q:
                print('  rule   %-9s %4d labels: usable %.0f%%, c %.0f%%' % (
                    band, len(q), 100.0 * sum(l in 'ab' for l in q) / len(q), 100.0 * sum(l == 'c' for l in q) / len(q)))
    print('weights:')
    names = ['bias'] + CARD_FACTS
    for n, wi in zip(names, w):
        print('  card.%-14s %+.4f' % (n, wi))
    if a.write:
        keep = [l for l in open(a.write, encoding='utf-8')
                if not l.startswith(('card.', 'version', "# the judge's bands", '# >= '))]
        old = [l for l in open(a.write, encoding='utf-8') if l.startswith('version')]
        with open(a.write, 'w', encoding='utf-8') as f:
            base = re.sub(r'; cards fit on sets [^;]*', '', old[0].rstrip('\n')) if old else 'version'
            f.write('%s; cards fit on sets %s (%d labels)\n' % (base, ','.join(tr_names), len(tr)))
            f.writelines(l for l in keep if not l.startswith(('sense.', '# one sense', '# below this', '# shown terms')))
            for n, wi in zip(names, w):
                f.write('card.%s\t%.6f\n' % (n, wi))
            f.write('# the judge\'s bands: strong at or above, candidate at or above (cards usable\n'
                    '# >= %.0f%% and >= %.0f%% of the time on the training labels)\n' % (100 * a.strong, 100 * a.candidate))
            f.write('card.strong_at\t%.6f\ncard.candidate_at\t%.6f\n' % (ts, tc))
            f.writelines(l for l in keep if l.startswith(('sense.', '# one sense', '# below this', '# shown terms')))
        print('wrote', a.write)


# ------------------------------------------------- the English term worth

EN_TERM_FACTS = ['idf', 'genericity', 'en_generic', 'en_verb', 'en_spread']


def stems(words):
    """word -> the index term the tokenizer makes of it (one a word; a
    stopword makes none)."""
    words = sorted(words)
    r = subprocess.run([TENYO, 'tokens', '--file', '-'], input='\n'.join(words) + '\n',
                       capture_output=True, text=True, check=True)
    out = {}
    for w, line in zip(words, r.stdout.split('\n')):
        t = line.split()
        if len(t) == 1:
            out[w] = t[0]
    return out


def en_terms_main(argv):
    """The English term worth (terms.c's "en." weights). Examples, by
    query: bad terms, the bridge words a reader's reason names on a card the
    reader called c ("generic words member/housing/connected"); good terms,
    the bridge words of cards every reader called a or b, less the bad ones.
    Judged by term held out (five folds by md5 of the term: no term is both
    fitted and scored), against 1 - genericity; --write puts the weights in
    the English block at the end of models/judge.tsv."""
    import hashlib
    ap = argparse.ArgumentParser()
    ap.add_argument('--en', action='store_true')
    ap.add_argument('--index', required=True)
    ap.add_argument('--write')
    ap.add_argument('--only', default='', help='comma-separated facts (default: chosen held-out)')
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args(argv)
    bad, good = set(), set()
    for arg in a.sets:
        name, rest = arg.split('=', 1)
        path, labs = rest.split(':', 1)
        readers = [read_labels(p) for p in labs.split(',')]
        for line in open(path, encoding='utf-8'):
            o = json.loads(line)
            n = o['protocol_a']['n']
            for p in o.get('ideas', []):
                labs_ = [r.get((n, p['field'])) for r in readers]
                bt = p.get('bridge_terms', [])
                for x in labs_:
                    if x and x[0] == 'c':
                        why = set(re.findall(r'[a-z]+', x[1].lower()))
                        bad.update(b for b in bt if b in why)
                if labs_ and all(x and x[0] in 'ab' for x in labs_):
                    good.update(bt)
    st = stems(bad | good)
    badt = {st[w] for w in bad if w in st}
    goodt = {st[w] for w in good if w in st} - badt
    facts, fnames = judge(a.index, badt | goodt)
    ex = [(t, 0) for t in sorted(badt) if t in facts] + [(t, 1) for t in sorted(goodt) if t in facts]
    print('English terms: %d good, %d bad' % (sum(y for _, y in ex), sum(1 - y for _, y in ex)))
    fold = lambda t: int(hashlib.md5(t.encode()).hexdigest(), 16) % 5
    gi = fnames.index('genericity')

    def fitw(rows, names):
        use = [i for i, n in enumerate(fnames) if n == 'bias' or n in names]
        npos = sum(y for _, y in rows)
        nneg = len(rows) - npos
        data = [([facts[t][1][i] if i in use else 0.0 for i in range(len(fnames))], y,
                 len(rows) / (2.0 * npos) if y else len(rows) / (2.0 * nneg)) for t, y in rows]
        return fit(data, lam=LAMBDA)

    def held(names):
        sc = []
        for k in range(5):
            w = fitw([r for r in ex if fold(r[0]) != k], names)
            sc += [(prob(w, facts[t][1]), y) for t, y in ex if fold(t) == k]
        return auc(sc)

    print('  1 - genericity (the Japanese fit\'s main fact)  AUC %.3f' % auc([(1 - facts[t][1][gi], y) for t, y in ex]))
    print('  the worth of the weights before                  AUC %.3f' % auc([(facts[t][0], y) for t, y in ex]))
    for n in EN_TERM_FACTS:
        print('    single fact %-12s AUC %.3f' % (n, auc([(facts[t][1][fnames.index(n)], y) for t, y in ex])))
    chosen = a.only.split(',') if a.only else ['idf', 'genericity']
    best = held(chosen)
    print('  held out, %-34s AUC %.3f' % (','.join(chosen), best))
    if not a.only:
        for extra in ('en_generic', 'en_verb', 'en_spread'):
            r = held(chosen + [extra])
            print('  held out, + %-32s AUC %.3f' % (extra, r))
            if r > best:
                chosen, best = chosen + [extra], r
    print('  held out, chosen %-27s AUC %.3f' % (','.join(chosen), best))
    w = fitw(ex, chosen)
    for n, wi in zip(fnames, w):
        if wi:
            print('  en.%-14s %+.4f' % (n, wi))
    if a.write:
        keep = [l for l in open(a.write, encoding='utf-8')
                if not (l.startswith('en.') and not l.startswith('en.card.')) and not l.startswith('# English terms')]
        with open(a.write, 'w', encoding='utf-8') as f:
            f.writelines(keep)
            f.write('# English terms (src/judge/terms.c: a Latin-script term\'s worth), fitted on English\n'
                    '# labels only (%s: %d terms); held out by term, AUC %.3f\n' % (
                        ','.join(s_.split('=')[0] for s_ in a.sets), len(ex), best))
            for n, wi in zip(fnames, w):
                if n == 'bias' or n in chosen:
                    f.write('en.%s\t%.6f\n' % (n, wi))
        print('wrote', a.write)


# ------------------------------------------------- the English card judge

EN_CARD_FACTS = ['en_generic', 'en_verb', 'en_spread', 'en_top_spread']


def ja_card_weights(path):
    """The Japanese card weights of a judge.tsv (card.*, less the bands)."""
    w = {}
    for line in open(path, encoding='utf-8'):
        p = line.rstrip('\n').split('\t')
        if len(p) == 2 and p[0].startswith('card.') and not p[0].endswith('_at'):
            w[p[0][len('card.'):]] = float(p[1])
    return w


def load_en_cards(arg, jw):
    """Every labelled English card of a set (the cards of the judge's pool
    the readers read too, not only the first ten): (query, facts, label,
    card) once per reader, facts = [1, the Japanese judge's logit, the
    English facts]; a card is English when most of its terms' weight is in
    Latin script (the C code's rule)."""
    out = []
    for name, n, p, labs in set_cards(arg):
        f = p.get('judge_facts')
        if not f or f.get('latin', 0) < 0.5:
            continue
        zja = jw.get('bias', 0) + sum(jw.get(k, 0) * float(v) for k, v in f.items())
        x = [1.0, zja] + [float(f.get(k, 0)) for k in EN_CARD_FACTS]
        out += [((name, n), x, lab, p, zja) for lab in labs]
    return out


def loqo(cards, use, what):
    """Held-out scores: each query's cards scored by a fit on the others'."""
    sel = lambda x: [x[i] if i in use else 0.0 for i in range(len(x))]
    out = []
    for q in sorted({c[0] for c in cards}):
        tr = [(sel(c[1]), 1 if what(c[2]) else 0, 1.0) for c in cards if c[0] != q]
        w = fit(tr, lam=LAMBDA)
        out += [(prob(w, sel(c[1])), 1 if what(c[2]) else 0, q) for c in cards if c[0] == q]
    return out


def within(scored):
    """The mean over queries of the AUC among each query's own cards
    (blind to how a fit's level moves from fold to fold); queries with
    one class only left out."""
    qs = {}
    for s_, y, q in scored:
        qs.setdefault(q, []).append((s_, y))
    v = [auc(r) for r in qs.values() if 0 < sum(y for _, y in r) < len(r)]
    return sum(v) / len(v)


def en_cards_main(argv):
    """The English card judge (card.c's "en.card." weights): the Japanese
    judge's logit (models/judge.tsv's card.* weights over the same facts)
    scaled and shifted, plus English facts, fitted on English labels only.
    Each fact set is judged leave-one-query-out (every query scored by a
    model that never saw its labels), pooled and within each query, against
    the Japanese judge alone (no fit) and refitted alone; an English fact is
    kept only when it raises both pooled held-out AUCs (usable and not c)
    and lowers neither within-query one (pooled AUCs of fits move with each
    fold's level; the within-query ones do not). --write puts the weights fitted on every label
    in a block of their own at the end of models/judge.tsv (replacing an
    earlier one); without a kept fact nothing is written."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--cards', action='store_true')
    ap.add_argument('--en', action='store_true')
    ap.add_argument('--write')
    ap.add_argument('--weights', default=os.path.join(HERE, '..', 'models', 'judge.tsv'),
                    help='the table whose Japanese card weights are the base')
    ap.add_argument('--only', default='', help='comma-separated English facts (default: chosen held out)')
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args(argv)
    jw = ja_card_weights(a.weights)
    cards = [c for s_ in a.sets for c in load_en_cards(s_, jw)]
    usable = lambda l: l in 'ab'
    notc = lambda l: l != 'c'
    nq = len({c[0] for c in cards})
    print('English cards: %d labels over %d queries, usable %.0f%%, c %.0f%%' % (
        len(cards), nq, 100.0 * sum(usable(c[2]) for c in cards) / len(cards),
        100.0 * sum(c[2] == 'c' for c in cards) / len(cards)))
    for nm, k in (('the Japanese judge (no fit)', 4), ('the reader model', None)):
        sc = lambda y: [((c[4] if k else c[3]['usable']), y(c[2]), c[0]) for c in cards]
        print('  %-30s AUC usable %.3f, not c %.3f; within queries %.3f, %.3f' % (
            nm, auc([r[:2] for r in sc(usable)]), auc([r[:2] for r in sc(notc)]), within(sc(usable)), within(sc(notc))))
    idx = lambda names: [0, 1] + [EN_CARD_FACTS.index(n) + 2 for n in names]

    def score(names):
        u, c = loqo(cards, idx(names), usable), loqo(cards, idx(names), notc)
        return auc([r[:2] for r in u]), auc([r[:2] for r in c]), within(u), within(c)

    base = score([])
    print('  held out, the Japanese judge refitted   AUC usable %.3f, not c %.3f; within %.3f, %.3f' % base)
    chosen = a.only.split(',') if a.only else []
    best = base
    if not a.only:
        for extra in EN_CARD_FACTS:
            r = score(chosen + [extra])
            print('  held out, + %-28s AUC usable %.3f, not c %.3f; within %.3f, %.3f' % (extra, *r))
            if r[0] > best[0] and r[1] > best[1] and r[2] >= best[2] and r[3] >= best[3]:
                chosen, best = chosen + [extra], r
    fin = score(chosen)
    print('  held out, chosen %-23s AUC usable %.3f, not c %.3f; within %.3f, %.3f' % (','.join(chosen) or '-', *fin))
    use = idx(chosen)
    sel = lambda x: [x[i] if i in use else 0.0 for i in range(len(x))]
    w = fit([(sel(c[1]), 1 if usable(c[2]) else 0, 1.0) for c in cards], lam=LAMBDA)
    names = ['bias', 'ja'] + EN_CARD_FACTS
    print('weights (every label):')
    for n, wi in zip(names, w):
        if wi:
            print('  en.card.%-14s %+.4f' % (n, wi))
    if a.write and chosen:
        keep, block = [], False  # the earlier English block: its comment lines too
        for l in open(a.write, encoding='utf-8'):
            block = l.startswith('# English cards') or (block and l.startswith('#'))
            if not block and not l.startswith('en.card.'):
                keep.append(l)
        with open(a.write, 'w', encoding='utf-8') as f:
            f.writelines(keep)
            f.write('# English cards (src/judge/card.c: a card mostly in Latin-script terms): the Japanese\n'
                    '# judge\'s logit x en.card.ja plus English facts, fitted on English labels only (%s:\n'
                    '# %d labels, %d queries); held out by query, AUC usable %.3f / not c %.3f against\n'
                    '# %.3f / %.3f for the Japanese judge refitted alone\n' % (
                        ','.join(s_.split('=')[0] for s_ in a.sets), len(cards), nq, fin[0], fin[1], base[0], base[1]))
            for n, wi in zip(names, w):
                if n in ('bias', 'ja') or n in chosen:
                    f.write('en.card.%s\t%.6f\n' % (n, wi))
        print('wrote', a.write)
    elif a.write:
        print('no English fact beat the Japanese judge held out: nothing written')


# ------------------------------------------------------ one sense (sense.c)

def sense_main(argv):
    """The bar of src/judge/sense.c: the threshold on a card's agreement
    (JSON "sense", asked for strong and candidate cards) below which it reads
    as two senses. Chosen on the training sets' labels among a grid: the one
    that most separates the usable share of the strong and candidate cards
    below it from those above (at least 20 labels below); printed with what
    it does on the test sets."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--sense', action='store_true')
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', default='')
    ap.add_argument('--write')
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args(argv)
    sets = dict(load_cards(s) for s in a.sets)
    tr_names = list(sets) if a.train == 'all' else a.train.split(',')
    te_names = [x for x in a.test.split(',') if x]
    # the band before the sense stage: the judge's probability
    ts, tc = None, None
    for l in open(os.path.join(HERE, '..', 'models', 'judge.tsv'), encoding='utf-8'):
        p = l.rstrip('\n').split('\t')
        if p[0] == 'card.strong_at':
            ts = float(p[1])
        elif p[0] == 'card.candidate_at':
            tc = float(p[1])

    def rows(names):
        return [(c[3].get('sense', -1), 1 if c[2] in 'ab' else 0, 'strong' if c[3]['judge'] >= ts else 'candidate')
                for s in names for c in sets[s] if c[3]['judge'] >= tc]

    def split(rs, t):
        lo = [y for v, y, _ in rs if 0 <= v < t]
        hi = [y for v, y, _ in rs if not 0 <= v < t]
        return lo, hi

    tr = rows(tr_names)
    best, bt = -1, 0.0
    for t in (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        lo, hi = split(tr, t)
        if len(lo) < 20 or not hi:
            continue
        d = sum(hi) / len(hi) - sum(lo) / len(lo)
        print('train sets %s: agreement < %.2f: %d labels usable %.0f%%, the rest %d usable %.0f%%' % (
            ','.join(tr_names), t, len(lo), 100.0 * sum(lo) / len(lo), len(hi), 100.0 * sum(hi) / len(hi)))
        if d > best:
            best, bt = d, t
    print('chosen: sense.split_below %.2f' % bt)
    if te_names:
        te = rows(te_names)
        for band in ('strong', 'candidate'):
            lo, hi = split([r for r in te if r[2] == band], bt)
            if lo and hi:
                print('held-out sets %s, %s: below %d labels usable %.0f%%, the rest %d usable %.0f%%' % (
                    ','.join(te_names), band, len(lo), 100.0 * sum(lo) / len(lo), len(hi), 100.0 * sum(hi) / len(hi)))
    if a.write:
        lines = [l for l in open(a.write, encoding='utf-8')
                 if not l.startswith(('sense.', '# one sense', '# below this', '# shown terms'))]
        with open(a.write, 'w', encoding='utf-8') as f:
            f.writelines(lines)
            f.write('# one sense on both sides (src/judge/sense.c): a strong or candidate card whose\n'
                    '# shown terms agree below this with their context on the other side is one band down\n')
            f.write('sense.split_below\t%.6f\n' % bt)
        print('wrote', a.write)


if __name__ == '__main__' and '--sense' in sys.argv:
    sense_main(sys.argv[1:])
    sys.exit(0)


if __name__ == '__main__' and '--en' in sys.argv and '--cards' not in sys.argv:
    en_terms_main(sys.argv[1:])
    sys.exit(0)


if __name__ == '__main__' and '--cards' in sys.argv and '--en' in sys.argv:
    en_cards_main(sys.argv[1:])
    sys.exit(0)


if __name__ == '__main__' and '--cards' in sys.argv:
    cards_main(sys.argv[1:])
    sys.exit(0)


if __name__ == '__main__':
    main()
