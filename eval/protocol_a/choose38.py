import json, hashlib, sys
def md5(s): return int(hashlib.md5(s.encode()).hexdigest(), 16)
broad = set(json.loads(l)["id"] for l in open('/work/shared/data/jp/broad.jsonl'))
recs = [json.loads(l) for l in open('jp_test.jsonl')]
def home(o):
    c = (o.get("fi") or []) + (o.get("ipc") or [])
    return c[0][:4] if c else None
by = {}
for o in recs:
    if not o.get("abstract") or not home(o): continue
    src = 'broad' if o["id"] in broad else 'jplatpat'
    by.setdefault((src, home(o)), []).append(o)
out = []
# 22 broad patents: subclasses in md5 order, smallest-md5 record of each, max 1 per subclass
subs = sorted([h for (s, h) in by if s == 'broad'], key=lambda h: md5("pa38" + h))
secs = set()
for h in subs:
    if len(out) >= 22: break
    o = min(by[('broad', h)], key=lambda o: md5("pa38" + o["id"]))
    out.append(('jp', o["id"], '-')); secs.add(h[0])
subs = sorted([h for (s, h) in by if s == 'jplatpat' and not h.startswith(('B60', 'G08'))], key=lambda h: md5("pa38" + h))
for h in subs[:5]:
    o = min(by[('jplatpat', h)], key=lambda o: md5("pa38" + o["id"]))
    out.append(('jp', o["id"], '-'))
print("# sections of the broad patents:", "".join(sorted(secs)), file=sys.stderr)
for s, q, h in out: print(f"{s}\t{q}\t{h}")
