"""What each part of a generator holds of a read pool: for each variant
build, its first 30 fields per query (`ideas --generators technique`, as
pool.py asks), counted against the readers' labels of the pool (a field
outside the pool is unlabelled, and counted as such).

    python3 eval/gate/parts.py TRAIN.tny QUERY_SIDE.jsonl QUERIES.tsv POOLDIR LABELS1 LABELS2 NAME=TENYO...
"""
import csv, json, subprocess, sys

idx, side, qfile, pooldir = sys.argv[1:5]
labels = [f for f in sys.argv[5:] if '=' not in f]
variants = [v.split('=', 1) for v in sys.argv[5:] if '=' in v]
recs = {}
for l in open(side, encoding='utf-8'):
    o = json.loads(l)
    recs[o['id']] = o
queries = [l.rstrip('\n').split('\t') for l in open(qfile, encoding='utf-8') if l.strip() and not l.startswith('#')]
key = {}
for r in csv.DictReader(open(f'{pooldir}/key.tsv', encoding='utf-8'), delimiter='\t'):
    key[(r['query'], r['field'])] = r['card']
lab = []
for f in labels:
    lab.append({(r['query'], r['card']): r['label'].strip() for r in csv.DictReader(open(f, encoding='utf-8'), delimiter='\t')})
for name, tenyo in variants:
    has = [set() for _ in lab]
    acnt = [0] * len(lab)
    unl = 0
    tot = 0
    for n, q in enumerate(queries, 1):
        o = recs[q[1]]
        codes = []
        for c in (o.get('fi') or []) + (o.get('ipc') or []):
            if c[:4] not in codes:
                codes.append(c[:4])
        text = (o.get('title') or '') + '。' + (o.get('abstract') or '')
        r = subprocess.run([tenyo, 'ideas', idx, '--text', text, '--home', ','.join(codes), '-n', '30',
                            '--no-merge', '--json', '--generators', 'technique'], capture_output=True, text=True)
        for c in json.loads(r.stdout)['ideas']:
            tot += 1
            card = key.get((str(n), c['field']))
            if card is None:
                unl += 1
                continue
            for i, L in enumerate(lab):
                if L.get((str(n), card)) == 'a':
                    has[i].add(n)
                    acnt[i] += 1
    print(f'{name}: lists with an a ' + ' / '.join(f'{len(h)}' for h in has) + f' of {len(queries)}; a cards ' +
          ' / '.join(str(a) for a in acnt) + f'; {unl} of {tot} fields outside the read pool (unlabelled)')
