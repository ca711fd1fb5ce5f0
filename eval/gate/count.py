"""Counts of the pooled oracle's read: per reader, lists with a genuine
transfer (a) anywhere in the pool, and what each generator alone holds
(a card counts for a generator when that generator ranked its field in its
own first 30).

    python3 eval/gate/count.py KEY.tsv LABELS1.tsv [LABELS2.tsv ...]
"""
import csv, sys

key = {}
for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'), delimiter='\t'):
    key[(r['query'], r['card'])] = (int(r['similar_rank']), int(r['technique_rank']))
nq = len({q for q, _ in key})
for f in sys.argv[2:]:
    lab = {}
    for r in csv.DictReader(open(f, encoding='utf-8'), delimiter='\t'):
        lab[(r['query'], r['card'])] = r['label'].strip()
    missing = len(set(key) - set(lab))
    cnt = {}
    for k, l in lab.items():
        cnt[l] = cnt.get(l, 0) + 1
    has = {'pool': set(), 'similar': set(), 'technique': set(), 'technique only': set(), 'similar only': set()}
    acount = {g: 0 for g in has}
    share = {g: [0, 0] for g in ('similar', 'technique')}  # [c, all]
    for k, l in lab.items():
        s, t = key.get(k, (0, 0))
        for g, ok in (('similar', s), ('technique', t)):
            if ok:
                share[g][1] += 1
                share[g][0] += l == 'c'
        if l != 'a':
            continue
        for g, ok in (('pool', True), ('similar', s > 0), ('technique', t > 0),
                      ('technique only', t > 0 and s == 0), ('similar only', s > 0 and t == 0)):
            if ok:
                has[g].add(k[0])
                acount[g] += 1
    print(f'{f}: {len(lab)} labels ({missing} missing), ' + ' '.join(f'{l}={n}' for l, n in sorted(cnt.items())))
    for g in has:
        print(f'  lists with an a, {g:15s} {len(has[g]):2d} / {nq} ({100 * len(has[g]) / nq:.0f}%), a cards {acount[g]}')
    for g in share:
        print(f'  c share of the cards {g} ranked in its 30: {share[g][0]} / {share[g][1]} ({100 * share[g][0] / max(1, share[g][1]):.0f}%)')
