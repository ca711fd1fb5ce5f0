"""The pooled oracle's lists (../shared/EVAL.md, the gate for a new
candidate generator): for each query of a query file, the cards of both
generators (`ideas --generators similar` and `--generators technique`,
one card per field, the full ranked list), pooled by rank in turn (the
first generator alternating between queries) to the first 30 distinct
fields, shuffled with a seed, the generator not shown.

    python3 eval/gate/pool.py TRAIN.tny QUERY_SIDE.jsonl QUERIES.tsv OUTDIR [TENYO]

OUTDIR/read.txt is what a reader gets (with the rubric); OUTDIR/key.tsv
says, per query and card number, the field and which generators ranked it
where (rank in each list, 0: not in its first 30); OUTDIR/raw/ keeps the
answers. A query side patent is asked as Protocol X asks it: its title and
abstract as text, its own subclasses as home.
"""
import json, os, random, subprocess, sys

idx, side, qfile, out = sys.argv[1:5]
tenyo = sys.argv[5] if len(sys.argv) > 5 else os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'tenyo')
os.makedirs(os.path.join(out, 'raw'), exist_ok=True)
recs = {}
for l in open(side, encoding='utf-8'):
    o = json.loads(l)
    recs[o['id']] = o
queries = [l.rstrip('\n').split('\t') for l in open(qfile, encoding='utf-8') if l.strip() and not l.startswith('#')]
TOP = 30
read = open(os.path.join(out, 'read.txt'), 'w', encoding='utf-8')
key = open(os.path.join(out, 'key.tsv'), 'w', encoding='utf-8')
key.write('query\tcard\tfield\tsimilar_rank\ttechnique_rank\n')
for n, q in enumerate(queries, 1):
    o = recs[q[1]]
    codes = []
    for c in (o.get('fi') or []) + (o.get('ipc') or []):
        if c[:4] not in codes:
            codes.append(c[:4])
    text = (o.get('title') or '') + '。' + (o.get('abstract') or '')
    lists = {}
    for g in ('similar', 'technique'):
        r = subprocess.run([tenyo, 'ideas', idx, '--text', text, '--home', ','.join(codes), '-n', str(TOP),
                            '--no-merge', '--json', '--generators', g], capture_output=True, text=True)
        if r.returncode:
            sys.exit(f'query {n} {q[1]} {g}: exit {r.returncode}: {r.stderr}')
        open(os.path.join(out, 'raw', f'{n:02d}-{g}.json'), 'w', encoding='utf-8').write(r.stdout)
        lists[g] = json.loads(r.stdout)['ideas']
    order = ('similar', 'technique') if n % 2 else ('technique', 'similar')
    pool, seen = [], {}
    rank = {g: {c['field']: i + 1 for i, c in enumerate(lists[g])} for g in lists}
    for i in range(TOP):
        for g in order:
            if i < len(lists[g]) and len(pool) < TOP:
                c = lists[g][i]
                if c['field'] not in seen:
                    seen[c['field']] = c
                    pool.append(c)
    random.Random(f'gate50-{q[1]}').shuffle(pool)
    read.write(f'=== query {n}: {q[1]} {o.get("title", "")} (home {",".join(codes)})\n')
    read.write(f'{o.get("abstract", "")}\n\n')
    for k, c in enumerate(pool, 1):
        read.write(f'  card {n}.{k}: {c["field"]} {c.get("label_ja", "")} / {c.get("label_en", "")}\n')
        if c.get('bridge_terms'):
            read.write(f'    shared words: {", ".join(c["bridge_terms"])}\n')
        for e in c.get('evidence', [])[:3]:
            read.write(f'    evidence: {e["id"]} {e["title"]}\n')
        w = c.get('why') or {}
        if w.get('evidence'):
            read.write(f'    evidence text ({w.get("evidence_id", "")}): {w["evidence"]}\n')
        if w.get('query'):
            read.write(f'    query text: {w["query"]}\n')
        read.write('\n')
        key.write(f'{n}\t{k}\t{c["field"]}\t{rank["similar"].get(c["field"], 0)}\t{rank["technique"].get(c["field"], 0)}\n')
    read.write('\n')
print(f'{len(queries)} queries -> {out}/read.txt, {out}/key.tsv')
