"""The gate's query set (../shared/EVAL.md, the pooled oracle), fixed by rule
before any output is read.

Query side of the development split (md5("dev" + id) mod 4 == 0) of the jp
corpus (jplatpat.jsonl + broad.jsonl), records with an abstract, none asked
in an earlier read (eval/protocol_a/queries*.tsv). Subclasses in md5("gate50"
+ subclass) order, sections taken in turn so that every section with such a
record is present; the smallest-md5 record of each subclass: 27 patents of
broad.jsonl, then 5 of jplatpat.jsonl outside B60/G08.

    python3 eval/gate/choose.py JP_TEST.jsonl > eval/gate/queries.tsv
"""
import glob, hashlib, json, os, sys

def md5(s):
    return int(hashlib.md5(s.encode()).hexdigest(), 16)

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, '..', '..', '..', 'shared', 'data', 'jp')
broad = set(json.loads(l)["id"] for l in open(os.path.join(data, 'broad.jsonl'), encoding='utf-8'))
seen = set()
for f in glob.glob(os.path.join(here, '..', 'protocol_a', 'queries*.tsv')):
    for l in open(f, encoding='utf-8'):
        p = l.rstrip('\n').split('\t')
        if len(p) > 1:
            seen.add(p[1])

def home(o):
    c = (o.get("fi") or []) + (o.get("ipc") or [])
    return c[0][:4] if c else None

by = {}
for l in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(l)
    if not o.get("abstract") or not home(o) or o["id"] in seen:
        continue
    src = 'broad' if o["id"] in broad else 'jplatpat'
    by.setdefault((src, home(o)), []).append(o)

def pick(src, n, keep):
    subs = sorted([h for (s, h) in by if s == src and keep(h)], key=lambda h: md5("gate50" + h))
    secs = {}
    for h in subs:
        secs.setdefault(h[0], []).append(h)
    order, i = [], 0
    while len(order) < n and any(secs.values()):
        for s in sorted(secs, key=lambda s: md5("gate50" + s)):
            if secs[s] and len(order) < n:
                order.append(secs[s].pop(0))
    return [min(by[(src, h)], key=lambda o: md5("gate50" + o["id"])) for h in order]

out = pick('broad', 27, lambda h: True)
out += pick('jplatpat', 5, lambda h: not h.startswith(('B60', 'G08')))
print("# sections:", "".join(sorted(set(home(o)[0] for o in out))), len(out), "queries", file=sys.stderr)
for o in out:
    print(f"jp\t{o['id']}\t-\t{home(o)}")
