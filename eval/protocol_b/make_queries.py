"""The steered read's query file (pb.sh reads it): each query of a query
file (eval/gate/queries.tsv) as Protocol X asks it — number, id, its own
subclasses as home, title and abstract as text.

    python3 eval/protocol_b/make_queries.py QUERY_SIDE.jsonl eval/gate/queries.tsv > DIR/queries.tsv
"""
import json, sys

recs = {}
for l in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(l)
    recs[o['id']] = o
qs = [l.rstrip('\n').split('\t') for l in open(sys.argv[2], encoding='utf-8') if l.strip() and not l.startswith('#')]
for n, q in enumerate(qs, 1):
    o = recs[q[1]]
    codes = []
    for c in (o.get('fi') or []) + (o.get('ipc') or []):
        if c[:4] not in codes:
            codes.append(c[:4])
    text = ((o.get('title') or '') + '。' + (o.get('abstract') or '')).replace('\t', ' ').replace('\n', ' ')
    print(f"{n}\t{q[1]}\t{','.join(codes)}\t{text}")
