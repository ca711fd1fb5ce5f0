#!/usr/bin/env python3
"""Mechanical properties of `tenyo ideas --json` output (one JSON object per
line or one object): every idea sentence cites only a patent shown as the
proposal's evidence; no bridge term is a single character; a quoted target
has balanced brackets, no leading label like (a) and is not a generic word
alone; a "why" pair cites a shown evidence patent and every marked term is
in both of its sentences, and the idea sentence cites the patent the why
quotes (one card, one citation); with a minimum count of whys (third argument),
at least that many proposals have one; with --bridged, every proposal names a
bridge term; one idea, one card: no proposal rests on the evidence of one above
it in the same answer (two shared evidence patents, or its only one), unless
--no-merge (the output of `ideas --no-merge`). Exit 1 naming the first
violation.
Used by tests/cli.sh."""
import json, re, sys

GENERIC = {'車両', '期間', '装置', '部材', '構造', '作業', '方法', 'システム', 'もの', '用途',
           'vehicle', 'device', 'apparatus', 'system', 'method'}
HEADS = {'制御', '処理', '情報', '技術', '管理', '動作', '状態'}  # generic heads joined by の (車両の制御)
PAIRS = [('(', ')'), ('（', '）'), ('「', '」'), ('[', ']'), ('［', '］')]

def quoted(s):
    m = re.search(r'分野の「(.*)」に転用', s)
    if m: return m.group(1)
    m = re.search(r'e\.g\. "(.*?)" \(evidence', s)
    return m.group(1) if m else None

def main():
    # --bridged: every proposal names a bridge term (what the default output
    # shows; with --min-confidence 0 thin proposals may have none)
    bridged = '--bridged' in sys.argv
    if bridged: sys.argv.remove('--bridged')
    merged = '--no-merge' not in sys.argv
    if not merged: sys.argv.remove('--no-merge')
    text = open(sys.argv[1], encoding='utf-8').read()
    objs, dec, i = [], json.JSONDecoder(), 0
    while True:  # one or more objects, pretty-printed or one per line
        while i < len(text) and text[i].isspace(): i += 1
        if i >= len(text): break
        o, i = dec.raw_decode(text, i)
        objs.append(o)
    n = nwhy = 0
    for o in objs:
        above = []
        for it in o.get('ideas', []):
            n += 1
            ev = {e['id'] for e in it['evidence']}
            need = min(2, len(ev))
            for code, ev0 in above:
                if merged and need and len(ev & ev0) >= need:
                    sys.exit('%s: rests on the evidence of %s above it (%s): one idea, two cards'
                             % (it['field'], code, sorted(ev & ev0)))
            above.append((it['field'], ev))
            for c in re.findall(r'(?:根拠: |evidence: )([^\s「"]+)', it['idea']):
                if c not in ev:
                    sys.exit('%s: sentence cites %s, not among the evidence %s' % (it['field'], c, sorted(ev)))
            if bridged and not it['bridge_terms'] and it.get('band') != 'reference':
                sys.exit('%s: shown without a bridge term' % it['field'])
            for b in it['bridge_terms']:
                if len(b) < 2:
                    sys.exit('%s: single-character bridge term %r' % (it['field'], b))
            w = it.get('why')
            if w is not None:
                nwhy += 1
                if w['evidence_id'] not in ev:
                    sys.exit('%s: why cites %s, not among the evidence %s' % (it['field'], w['evidence_id'], sorted(ev)))
                if not w['terms']:
                    sys.exit('%s: why without a shared term' % it['field'])
                for t in w['terms']:
                    if t.lower() not in w['query'].lower() or t.lower() not in w['evidence'].lower():
                        sys.exit('%s: why term %r not in both sentences' % (it['field'], t))
                cited = re.findall(r'(?:根拠: |evidence: )([^\s「"]+)', it['idea'])
                if cited and cited != [w['evidence_id']]:
                    sys.exit('%s: sentence cites %s, the why quotes %s' % (it['field'], cited, w['evidence_id']))
            q = quoted(it['idea'])
            if q is not None:
                for a, b in PAIRS:
                    if q.count(a) != q.count(b):
                        sys.exit('%s: cut target %r' % (it['field'], q))
                if re.match(r'^[(（][A-Za-z0-9]{1,3}[)）]', q) or q in GENERIC or len(q) < 2 or \
                        ('の' in q and all(x in GENERIC | HEADS for x in q.split('の'))):
                    sys.exit('%s: label-like or generic target %r' % (it['field'], q))
    if len(sys.argv) > 2 and n < int(sys.argv[2]):
        sys.exit('only %d proposals checked, want >= %s' % (n, sys.argv[2]))
    if len(sys.argv) > 3 and nwhy < int(sys.argv[3]):
        sys.exit('only %d proposals with a why, want >= %s' % (nwhy, sys.argv[3]))
    print('%d proposals checked, %d with a why' % (n, nwhy))

main()
