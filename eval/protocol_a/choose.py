#!/usr/bin/env python3
"""Choose the Protocol A patent queries of ../shared/EVAL.md, by rule, before
any output is seen (run once; its output is eval/protocol_a/queries.tsv).

Rule: records with an abstract and a classification code; a record's home is
the subclass of its first code. Order candidates by md5("protocol-a" + id).
Japanese: 13 home subclasses outside B60/G08 and 3 inside them (the corpus's
dominant fields), each with at least 5 records, taken in md5 order of the
subclass name; within a subclass the record with the smallest md5.
English: one patent per section A..H, the smallest md5 among records of that
section with at least two classification subclasses.
The 8 free-text SME descriptions are written by hand in queries.tsv.
A second set (queries2.tsv, for a read after a change was tuned on the
first): the same rule with the salt given as the second argument
("protocol-a2"), text rows written by hand before any output was read.

    python3 eval/protocol_a/choose.py [SHARED [SALT]]"""
import hashlib, json, sys, collections

def h(s):
    return hashlib.md5(s.encode()).hexdigest()

def sub(code):
    c = code.replace(' ', '')[:4].upper()
    return c if len(c) == 4 and c[0] in 'ABCDEFGH' else None

shared = sys.argv[1] if len(sys.argv) > 1 else '../shared/data'
salt = sys.argv[2] if len(sys.argv) > 2 else 'protocol-a'
jp = collections.defaultdict(list)
for line in open(f'{shared}/jp/jplatpat.jsonl', encoding='utf-8'):
    d = json.loads(line)
    subs = [s for s in map(sub, d.get('fi') or []) if s]
    if d.get('abstract') and subs:
        jp[subs[0]].append(d['id'])
order = sorted((s for s in jp if len(jp[s]) >= 5), key=lambda s: h(salt + s))
dom = [s for s in order if s[:3] in ('B60', 'G08')][:3]
rest = [s for s in order if s[:3] not in ('B60', 'G08')][:13]
for s in rest + dom:
    print(f"jp\t{min(jp[s], key=lambda i: h(salt + i))}\t-\thome {s}")
en = collections.defaultdict(list)
for line in open(f'{shared}/en/uspto_random_10000.jsonl', encoding='utf-8'):
    d = json.loads(line)
    subs = sorted({s for s in map(sub, d.get('cpc') or []) if s and s[0] != 'Y'})
    first = [s for s in map(sub, d.get('cpc') or []) if s and s[0] != 'Y']
    if d.get('abstract') and len(subs) >= 2:
        en[first[0][0]].append(d['patent_id'])
for sec in 'ABCDEFGH':
    print(f"en\t{min(en[sec], key=lambda i: h(salt + i))}\t-")
