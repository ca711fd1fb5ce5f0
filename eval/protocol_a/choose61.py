"""The query set of the judge's second read (its bands and list) (queries61.tsv), fixed by rule
before any output is read.

Query side of the development split (md5("dev" + id) mod 4 == 0) of the jp
corpus (jplatpat.jsonl + broad.jsonl), records with an abstract and a code,
none drawn by an earlier set (eval/protocol_a/queries*.tsv, eval/gate).
Home subclasses (first code) in md5("pa61" + subclass) order, the sections
taken in turn (A, B, C, ... H, A, ...) so every section with such a record
is present; the smallest md5("pa61" + id) record of each subclass; at most
5 homes in B60 or G08; 32 patents. The 5 SME texts were written by hand
before any output (the file's text rows).

    python3 eval/protocol_a/choose60.py JP_TEST.jsonl > eval/protocol_a/queries61.tsv
"""
import glob, hashlib, json, os, sys

def md5(s):
    return int(hashlib.md5(s.encode()).hexdigest(), 16)

here = os.path.dirname(os.path.abspath(__file__))
seen = set()
for f in glob.glob(os.path.join(here, 'queries*.tsv')) + glob.glob(os.path.join(here, '..', 'gate', 'queries*.tsv')):
    if f.endswith('queries61.tsv'):
        continue
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
    if md5("dev" + o["id"]) % 4 or not o.get("abstract") or not home(o) or o["id"] in seen:
        continue
    by.setdefault(home(o), []).append(o)
subs = sorted(by, key=lambda h: md5("pa61" + h))
secs = sorted({h[0] for h in subs})
queues = {s: [h for h in subs if h[0] == s] for s in secs}
out, vehicles = [], 0
while len(out) < 32 and any(queues.values()):
    for s in secs:
        if len(out) >= 32 or not queues[s]:
            continue
        h = queues[s].pop(0)
        if h.startswith(('B60', 'G08')):
            if vehicles >= 5:
                continue
            vehicles += 1
        o = min(by[h], key=lambda o: md5("pa61" + o["id"]))
        out.append((o["id"], h))
print("# Protocol A queries for the judge's second read (its bands and list) (../shared/EVAL.md), fixed before any output was read:")
print("# jp rows by eval/protocol_a/choose60.py (query side of the development split, asked as text with --home by run38.sh);")
print("# text rows: five SME descriptions written by hand before any output. set<TAB>query<TAB>--home (- = own/predicted)")
for i, h in out:
    print("jp\t%s\t-\thome %s" % (i, h))
for t in [
    "当社は金属部品のめっき加工を行う中小企業です。無電解ニッケルめっきと硬質クロムめっきの膜厚管理、前処理の脱脂と酸洗いの工程管理を得意としています。",
    "当社は農業用ハウスの環境制御装置を作っています。温度・湿度・二酸化炭素濃度のセンサと、換気窓とカーテンを自動で開閉する制御盤が主力製品です。",
    "当社はプラスチックの射出成形メーカーで、金型の温度制御と、ガラス繊維入り樹脂の成形品の反りを抑える技術を持っています。",
    "当社は介護施設向けの見守りセンサを開発しています。ベッドに設置した圧力センサで離床や呼吸の異常を検知し、職員のスマートフォンに通知します。",
    "当社は醸造所で、日本酒の麹づくりと発酵温度の管理、酒粕を使った食品の開発を行っています。",
]:
    print("text\t%s\t-" % t)
print("# sections of the patents: %s; homes in B60/G08: %d" % ("".join(sorted({h[0] for _, h in out})), vehicles), file=sys.stderr)
