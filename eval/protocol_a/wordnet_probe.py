#!/usr/bin/env python3
"""Do WordNet's senses tell the English cards readers keep from the others?
An experiment outside the engine (Debian's wordnet-base, read from
/usr/share/wordnet; the engine does not use it), on the English pools read
(sets 62en and 64en, and 70en whole: every card of 30 a query):

    bash eval/protocol_a/run38.sh EN_TRAIN.tny EN_QUERYSIDE.jsonl eval/protocol_a/queries70en.tsv OUT70EN --all
    python3 eval/protocol_a/wordnet_probe.py OUT62EN OUT64EN OUT70EN

Per card, over its first three bridge words (lemmas by WordNet's exception
lists and its detachment rules, as morphy finds them): not in WordNet, the
log of its senses over all parts of speech (mean, and the most), the share
of verb senses, the share of senses that are concrete nouns (artifact,
substance, body, object, plant, animal, food, phenomenon, shape), and
whether its commonest noun sense is one. Printed: within-pool AUC (per
query and reader) of each alone, for usable and for not-c, then the
judge's logit with each beside it in a logistic model fitted on 62en+64en
and judged on 70en, and back.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from evidence_modes import alone, heldout, labels, logit  # noqa: E402

W = '/usr/share/wordnet/'
LEX = {3: 'Tops', 4: 'act', 5: 'animal', 6: 'artifact', 7: 'attribute', 8: 'body',
       9: 'cognition', 10: 'communication', 11: 'event', 12: 'feeling', 13: 'food',
       14: 'group', 15: 'location', 16: 'motive', 17: 'object', 18: 'person',
       19: 'phenomenon', 20: 'plant', 21: 'possession', 22: 'process', 23: 'quantity',
       24: 'relation', 25: 'shape', 26: 'state', 27: 'substance', 28: 'time'}
CONCRETE = {'artifact', 'substance', 'body', 'object', 'plant', 'animal', 'food',
            'phenomenon', 'shape'}
READERS = {'62en': [9, 10], '64en': [13, 14], '70en': [31, 32, 33, 34]}
NAMES = ['judge', 'wn_unk', 'wn_senses', 'wn_maxsenses', 'wn_verb', 'wn_concrete',
         'wn_first_concrete']
# morphy's detachment rules: suffix -> ending, per part of speech
SUF = {'noun': [('s', ''), ('ses', 's'), ('xes', 'x'), ('zes', 'z'), ('ches', 'ch'),
                ('shes', 'sh'), ('men', 'man'), ('ies', 'y')],
       'verb': [('s', ''), ('ies', 'y'), ('es', 'e'), ('es', ''), ('ed', 'e'), ('ed', ''),
                ('ing', 'e'), ('ing', '')],
       'adj': [('er', ''), ('est', ''), ('er', 'e'), ('est', 'e')]}


def load():
    """lemma -> {part of speech: synset offsets, commonest first}; a noun
    synset's offset -> its lexicographer file; word -> exception bases."""
    idx, lexof, exc = {}, {}, {}
    for line in open(W + 'data.noun', encoding='latin-1'):
        if not line.startswith('  '):
            p = line.split(' ')
            lexof[p[0]] = int(p[1])
    for pos in ('noun', 'verb', 'adj', 'adv'):
        for line in open(W + 'index.' + pos, encoding='latin-1'):
            if line.startswith('  '):
                continue
            p = line.split()
            idx.setdefault(p[0], {})[pos] = p[4 + int(p[3]) + 2:]
        for line in open(W + pos + '.exc', encoding='latin-1'):
            a = line.split()
            if len(a) >= 2:
                exc.setdefault(a[0], []).append(a[1])
    return idx, lexof, exc


IDX, LEXOF, EXC = load()


def lemmas(w):
    w = w.lower()
    out = {w} if w in IDX else set()
    out.update(b for b in EXC.get(w, []) if b in IDX)
    for pos, rules in SUF.items():
        for a, b in rules:
            c = w[:len(w) - len(a)] + b
            if w.endswith(a) and c in IDX and pos in IDX[c]:
                out.add(c)
    return sorted(out)


def concrete(off):
    return LEX.get(LEXOF.get(off)) in CONCRETE


def word_facts(word):
    L = lemmas(word)
    if not L:
        return dict(unk=1.0, senses=0.0, verb=0.0, concrete=0.0, first_concrete=0.0)
    ns = sum(len(o) for lm in L for o in IDX[lm].values())
    nn = [o for lm in L for o in IDX[lm].get('noun', [])]
    nv = sum(len(IDX[lm].get('verb', [])) for lm in L)
    return dict(unk=0.0, senses=math.log1p(ns), verb=nv / max(1, ns),
                concrete=sum(1 for o in nn if concrete(o)) / max(1, ns),
                first_concrete=1.0 if nn and concrete(nn[0]) else 0.0)


def card_facts(c, k=3):
    fs = [word_facts(t) for t in c['bridge_terms'][:k] or ['']]
    f = {'wn_' + n: sum(x[n] for x in fs) / len(fs) for n in fs[0]}
    f['wn_maxsenses'] = max(x['senses'] for x in fs)
    f['judge'] = logit(c['judge'])
    return f


def main():
    out = dict(zip(READERS, sys.argv[1:4]))
    lab = labels(READERS)
    rows = []
    for s in READERS:
        for line in open(os.path.join(out[s], 'all.jsonl'), encoding='utf-8'):
            o = json.loads(line)
            n = o['protocol_a']['n']
            for c in o['ideas']:
                f = card_facts(c)
                for r, y in lab.get((s, n, c['field']), []):
                    rows.append((s, n, r, f, int(y in 'ab'), int(y == 'c')))
    alone(rows, READERS, NAMES)
    for extra in (['wn_senses'], ['wn_maxsenses'], ['wn_unk'], ['wn_concrete'],
                  ['wn_first_concrete'], ['wn_unk', 'wn_senses', 'wn_concrete'],
                  ['wn_unk', 'wn_senses', 'wn_verb', 'wn_concrete', 'wn_first_concrete']):
        for tr, te in ((('62en', '64en'), ('70en',)), (('70en',), ('62en', '64en'))):
            heldout(rows, extra, tr, te)


if __name__ == '__main__':
    main()
