#!/usr/bin/env python3
"""Choose a further Protocol A query set (../shared/EVAL.md) by rule, before
any output is seen, leaving out every record an earlier set drew (the rule
sets 12 and 13 used; choose.py's is the first sets').

Rule: records with an abstract and a classification code; a record's home is
the subclass of its first code; ids named by any earlier query file are left
out. Japanese: every home subclass outside B60/G08 with at least 5 records
and an undrawn one (all there are), then up to INSIDE subclasses inside
B60/G08, in md5 order of salt + subclass; within a subclass the undrawn
record with the smallest md5(salt + id). English: PER_SECTION patents per
section A..H, the smallest md5(salt + id) among undrawn records with two or
more classification subclasses. The free-text rows are written by hand.

    python3 eval/protocol_a/choose_unseen.py SHARED SALT EARLIER.tsv... > queriesN.tsv"""
import collections
import hashlib
import json
import sys

INSIDE = 6
PER_SECTION = 2


def h(s):
    return hashlib.md5(s.encode()).hexdigest()


def sub(code):
    c = code.replace(' ', '')[:4].upper()
    return c if len(c) == 4 and c[0] in 'ABCDEFGH' else None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shared, salt = sys.argv[1], sys.argv[2]
    seen = set()
    for path in sys.argv[3:]:
        for line in open(path, encoding='utf-8'):
            f = line.rstrip('\n').split('\t')
            if len(f) >= 2 and f[0] in ('jp', 'en'):
                seen.add(f[1])
    jp, total = collections.defaultdict(list), collections.Counter()
    for line in open(f'{shared}/jp/jplatpat.jsonl', encoding='utf-8'):
        d = json.loads(line)
        subs = [s for s in map(sub, d.get('fi') or []) if s]
        if d.get('abstract') and subs:
            total[subs[0]] += 1
            if d['id'] not in seen:
                jp[subs[0]].append(d['id'])
    order = sorted((s for s in jp if total[s] >= 5 and jp[s]), key=lambda s: h(salt + s))
    rest = [s for s in order if s[:3] not in ('B60', 'G08')]
    dom = [s for s in order if s[:3] in ('B60', 'G08')][:INSIDE]
    for s in rest + dom:
        print(f"jp\t{min(jp[s], key=lambda i: h(salt + i))}\t-\thome {s}")
    en = collections.defaultdict(list)
    for line in open(f'{shared}/en/uspto_random_10000.jsonl', encoding='utf-8'):
        d = json.loads(line)
        codes = [s for s in map(sub, d.get('cpc') or []) if s and s[0] != 'Y']
        if d.get('abstract') and len(set(codes)) >= 2 and d['patent_id'] not in seen:
            en[codes[0][0]].append(d['patent_id'])
    for sec in 'ABCDEFGH':
        for pid in sorted(en[sec], key=lambda i: h(salt + i))[:PER_SECTION]:
            print(f"en\t{pid}\t-")


if __name__ == '__main__':
    main()
