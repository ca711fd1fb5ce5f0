#!/usr/bin/env python3
"""Mechanical counts of Protocol A (../shared/EVAL.md) over run.sh's all.jsonl:
sentences citing a patent not among the proposal's shown evidence, single-
character bridge terms, proposals without a bridge term, quoted targets that are cut (unbalanced brackets),
labels like (a)/(s7), or generic words; plus proposals shown and queries that
got fewer than 10 (with the reason the output gives).
    python3 eval/protocol_a/count.py OUTDIR/all.jsonl"""
import json, re, sys

GENERIC = {'車両', '期間', '装置', '部材', '構造', '作業', '方法', 'システム', 'もの', '用途',
           'device', 'apparatus', 'system', 'method', 'vehicle', 'member', 'structure'}
PAIRS = [('(', ')'), ('（', '）'), ('「', '」'), ('[', ']'), ('［', '］'), ('"', '"')]

def cut(t):
    for o, c in PAIRS:
        if o == c:
            if t.count(o) % 2: return True
        elif t.count(o) != t.count(c):
            return True
    return False

def quoted(sent):
    m = re.search(r'分野の「(.*)」に転用', sent)
    if m: return m.group(1)
    m = re.search(r'e\.g\. "(.*?)" \(evidence', sent)
    return m.group(1) if m else None

def cited(sent):
    return re.findall(r'(?:根拠: |evidence: )([^\s「"]+)', sent)

tot = dict(queries=0, shown=0, cite_out=0, cite_why=0, single=0, nobridge=0, cut=0, labelish=0, generic=0)
short = []
for line in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(line)
    tot['queries'] += 1
    ideas = o.get('ideas', [])
    tot['shown'] += len(ideas)
    if len(ideas) < 10:
        why = '; '.join(w.get('message', str(w)) if isinstance(w, dict) else str(w)
                        for w in o.get('warnings', [])) or '(no reason given)'
        short.append((o['protocol_a']['n'], len(ideas), why))
    for it in ideas:
        ev = {e['id'] for e in it.get('evidence', [])}
        s = it.get('idea', '')
        for c in cited(s):
            if c not in ev: tot['cite_out'] += 1
        w = it.get('why')
        if w and cited(s) and cited(s) != [w['evidence_id']]: tot['cite_why'] += 1
        for b in it.get('bridge_terms', []):
            if len(b) == 1: tot['single'] += 1
        if not it.get('bridge_terms'): tot['nobridge'] += 1
        q = quoted(s)
        if q is not None:
            if cut(q): tot['cut'] += 1
            if re.search(r'\(([a-zA-Z]|[a-zA-Z]?\d+)\)|（([a-zA-Z]|[a-zA-Z]?\d+)）', q): tot['labelish'] += 1
            # a reference sign: digits after a kanji or katakana (not 第),
            # then a particle, punctuation or the end (対象者2の頭部)
            elif re.search(r'(?<!第)(?<=[\u30a0-\u30ff\u4e00-\u9fff])\d+[a-z]?(?=$|[\u3041-\u309f\u3000-\u303f\uff01-\uff0f、。,.;:)）」])', q.strip()): tot['labelish'] += 1
            if q.strip() in GENERIC: tot['generic'] += 1
print('queries %(queries)d, proposals shown %(shown)d' % tot)
print('sentences citing outside the shown evidence: %(cite_out)d' % tot)
print('sentences citing another patent than the why quotes: %(cite_why)d' % tot)
print('single-character bridge terms: %(single)d' % tot)
print('proposals without a bridge term: %(nobridge)d' % tot)
print('quoted targets cut (unbalanced brackets): %(cut)d' % tot)
print('quoted targets with labels like (a)/(s7) or reference signs (対象者2の): %(labelish)d' % tot)
print('quoted targets that are generic words: %(generic)d' % tot)
print('queries with fewer than 10 proposals: %d' % len(short))
for n, k, why in short:
    print('  query %d: %d shown: %s' % (n, k, why))
