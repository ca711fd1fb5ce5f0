"""The query sets of the judge's reads (queries60.tsv; choose61.py calls
pick() for queries61.tsv), fixed by rule before any output is read.

Query side of the development split (md5("dev" + id) mod 4 == 0) of the jp
corpus (jplatpat.jsonl + broad.jsonl), records with an abstract and a code,
none drawn by an earlier set (eval/protocol_a/queries*.tsv, eval/gate).
Home subclasses (first code) in md5("pa60" + subclass) order, the sections
taken in turn (A, B, C, ... H, A, ...) so every section with such a record
is present; the smallest md5("pa60" + id) record of each subclass; at most
5 homes in B60 or G08; 32 patents. The 5 SME texts were written by hand
before any output (the file's text rows).

    python3 eval/protocol_a/choose60.py JP_TEST.jsonl > eval/protocol_a/queries60.tsv
"""
import glob, hashlib, json, os, sys

def md5(s):
    return int(hashlib.md5(s.encode()).hexdigest(), 16)

def pick(test_path, salt, own, texts, title):
    """Print the query set: 32 patents by the rule above (salt), the texts;
    own: the query files not yet written when the set was drawn."""
    here = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    for f in glob.glob(os.path.join(here, 'queries*.tsv')) + glob.glob(os.path.join(here, '..', 'gate', 'queries*.tsv')):
        if os.path.basename(f) in own:
            continue
        for l in open(f, encoding='utf-8'):
            p = l.rstrip('\n').split('\t')
            if len(p) > 1:
                seen.add(p[1])

    def home(o):
        c = (o.get("fi") or []) + (o.get("ipc") or [])
        return c[0][:4] if c else None

    by = {}
    for l in open(test_path, encoding='utf-8'):
        o = json.loads(l)
        if md5("dev" + o["id"]) % 4 or not o.get("abstract") or not home(o) or o["id"] in seen:
            continue
        by.setdefault(home(o), []).append(o)
    subs = sorted(by, key=lambda h: md5(salt + h))
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
            o = min(by[h], key=lambda o: md5(salt + o["id"]))
            out.append((o["id"], h))
    print("# Protocol A queries for %s (../shared/EVAL.md), fixed before any output was read:" % title)
    print("# jp rows by eval/protocol_a/choose60.py (query side of the development split, asked as text with --home by run38.sh);")
    print("# text rows: five SME descriptions written by hand before any output. set<TAB>query<TAB>--home (- = own/predicted)")
    for i, h in out:
        print("jp\t%s\t-\thome %s" % (i, h))
    for t in texts:
        print("text\t%s\t-" % t)
    print("# sections of the patents: %s; homes in B60/G08: %d" % ("".join(sorted({h[0] for _, h in out})), vehicles), file=sys.stderr)


TEXTS = [
    "当社はステンレスとアルミの精密板金加工を行う町工場です。レーザー切断、曲げ加工、TIG溶接で装置の筐体や架台を少量多品種で製作しています。",
    "当社は地元産の野菜を使った漬物と惣菜を製造する食品メーカーです。塩分を抑えた浅漬けの低温熟成と、真空包装による日持ち向上の技術を持っています。",
    "当社は綿とポリエステルの織物を染色・加工する工場です。撥水加工や抗菌加工の薬剤処理と、少量ロットの連続染色機の運転ノウハウがあります。",
    "当社は国産杉材を使った家具と内装材を製造しています。木材の乾燥と圧縮加工で硬さを高める技術、無垢材の反りを抑える接着・積層の技術があります。",
    "当社はプリント基板への電子部品の実装を請け負う企業です。はんだ付けの温度管理、外観検査装置による不良検出、小ロットの試作実装を得意とします。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa60", ("queries60.tsv", "queries61.tsv"), TEXTS, "the judge's first read")
