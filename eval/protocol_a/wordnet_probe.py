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
import collections
import json
import math
import os
import sys
HERE=os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0,os.path.join(HERE,'..'))
OUT=dict(zip(['62en','64en','70en'],sys.argv[1:4]))
from fit_confidence import fit, prob
W='/usr/share/wordnet/'
LEX={3:'Tops',4:'act',5:'animal',6:'artifact',7:'attribute',8:'body',9:'cognition',10:'communication',11:'event',12:'feeling',13:'food',14:'group',15:'location',16:'motive',17:'object',18:'person',19:'phenomenon',20:'plant',21:'possession',22:'process',23:'quantity',24:'relation',25:'shape',26:'state',27:'substance',28:'time'}
CONCRETE={'artifact','substance','body','object','plant','animal','food','phenomenon','shape'}
idx={}; lexof={}
for pos in ['noun','verb','adj','adv']:
    if pos=='noun':
        for l in open(W+'data.noun',encoding='latin-1'):
            if l.startswith('  '): continue
            p=l.split(' '); lexof[p[0]]=int(p[1])
    for l in open(W+'index.'+pos,encoding='latin-1'):
        if l.startswith('  '): continue
        p=l.split(); lem=p[0]; n=int(p[2]); pc=int(p[3])
        offs=p[4+pc+2:]
        idx.setdefault(lem,{})[pos]=offs
exc={}
for pos in ['noun','verb','adj','adv']:
    for l in open(W+pos+'.exc',encoding='latin-1'):
        a=l.split()
        if len(a)>=2: exc.setdefault(a[0],[]).append(a[1])
SUF={'noun':[('s',''),('ses','s'),('xes','x'),('zes','z'),('ches','ch'),('shes','sh'),('men','man'),('ies','y')],
     'verb':[('s',''),('ies','y'),('es','e'),('es',''),('ed','e'),('ed',''),('ing','e'),('ing','')],
     'adj':[('er',''),('est',''),('er','e'),('est','e')]}
def lemmas(w):
    w=w.lower(); out=set()
    if w in idx: out.add(w)
    for b in exc.get(w,[]):
        if b in idx: out.add(b)
    for pos,rules in SUF.items():
        for a,b in rules:
            if w.endswith(a):
                c=w[:len(w)-len(a)]+b
                if c in idx and pos in idx[c]: out.add(c)
    return out
def wf(word):
    L=sorted(lemmas(word))
    if not L: return dict(unk=1.0,senses=0.0,verb=0.0,concrete=0.0,first_concrete=0.0)
    ns=sum(len(o) for l in L for o in idx[l].values())
    nn=[o for l in L for o in idx[l].get('noun',[])]
    nv=sum(len(idx[l].get('verb',[])) for l in L)
    conc=sum(1 for o in nn if LEX.get(lexof.get(o)) in CONCRETE)
    first=nn[0] if nn else None
    return dict(unk=0.0,senses=math.log1p(ns),verb=nv/max(1,ns),concrete=conc/max(1,ns),
                first_concrete=1.0 if first and LEX.get(lexof.get(first)) in CONCRETE else 0.0)
def logit(p): p=min(max(p,1e-6),1-1e-6); return math.log(p/(1-p))
def card_feats(c, k=3):
    ts=c['bridge_terms'][:k] or ['']
    fs=[wf(t) for t in ts]
    f={('wn_'+n):sum(x[n] for x in fs)/len(fs) for n in fs[0]}
    f['wn_maxsenses']=max(x['senses'] for x in fs)
    f['judge']=logit(c['judge'])
    return f
READ={'62en':[9,10],'64en':[13,14],'70en':[31,32,33,34]}
rows=[]
for s,rs in READ.items():
    lab=collections.defaultdict(list)
    for r in rs:
        for l in open(os.path.join(HERE,'labels','set%s_reader%d.tsv'%(s,r)),encoding='utf-8'):
            p=l.rstrip('\n').split('\t')
            if len(p)>=3 and p[0].isdigit(): lab[(int(p[0]),p[1].split(',')[0])].append((r,p[2]))
    for l in open(os.path.join(OUT[s],'all.jsonl'),encoding='utf-8'):
        o=json.loads(l); n=o['protocol_a']['n']
        for c in o['ideas']:
            f=card_feats(c)
            for r,y in lab.get((n,c['field']),[]):
                if y in 'abcd': rows.append((s,n,r,f,int(y in 'ab'),int(y=='c')))
def wauc(rs, score, yi):
    g=collections.defaultdict(list)
    for x in rs: g[(x[0],x[1],x[2])].append((score(x),x[yi]))
    num=den=0
    for v in g.values():
        pos=[s for s,y in v if y]; neg=[s for s,y in v if not y]
        for p in pos:
            for q in neg: den+=1; num+=1 if p>q else 0.5 if p==q else 0
    return num/den if den else float('nan')
names=['judge','wn_unk','wn_senses','wn_maxsenses','wn_verb','wn_concrete','wn_first_concrete']
for s in READ:
    rs=[x for x in rows if x[0]==s]
    print(s,len(rs),'usable',' '.join('%s=%.3f'%(n,wauc(rs,lambda x,n=n:x[3][n],4)) for n in names))
    print(s,len(rs),'not-c ',' '.join('%s=%.3f'%(n,1-wauc(rs,lambda x,n=n:x[3][n],5)) for n in names))
for extra in [['wn_senses'],['wn_maxsenses'],['wn_unk'],['wn_concrete'],['wn_first_concrete'],['wn_unk','wn_senses','wn_concrete'],['wn_unk','wn_senses','wn_verb','wn_concrete','wn_first_concrete']]:
    xv=lambda x:[1.0]+[x[3][n] for n in ['judge']+extra]
    for tr,te in [(('62en','64en'),('70en',)),(('70en',),('62en','64en'))]:
        a=[x for x in rows if x[0] in tr]; b=[x for x in rows if x[0] in te]
        w=fit([(xv(x),x[4],1.0) for x in a])
        bb=[x+(prob(w,xv(x)),) for x in b]
        print(extra,'+'.join(tr),'->','+'.join(te),'judge %.3f'%wauc(b,lambda x:x[3]['judge'],4),'with %.3f'%wauc(bb,lambda x:x[6],4),
              '| not-c judge %.3f with %.3f'%(1-wauc(b,lambda x:x[3]['judge'],5),1-wauc(bb,lambda x:x[6],5)))
