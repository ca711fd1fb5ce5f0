"""The English query set of the judge's third read (queries62en.tsv), fixed
by rule before any output: records of ../shared/data/en/uspto_random_10000
.jsonl on the development split's query side (md5("dev" + id) mod 4 == 0)
with an abstract and a code; home subclasses (the first four characters of
each code, in order) in md5("pa62en" + subclass) order, the sections taken
in turn so every section with such a record is present, the smallest
md5("pa62en" + id) record of each subclass; 24 patents. Each row is asked
as Protocol X asks a query-side patent: its abstract as text, its own
subclasses as the home (`run38.sh` with --lang en, on an index of the
split's other side, en_train below).

    python3 eval/protocol_a/choose62en.py EN.jsonl > eval/protocol_a/queries62en.tsv
    python3 eval/protocol_a/choose62en.py --train EN.jsonl > en_train.jsonl
"""
import hashlib
import os
import json
import sys


def md5(s):
    return int(hashlib.md5(s.encode()).hexdigest(), 16)


def codes(o):
    c = o.get('cpc') or o.get('ipc') or []
    if isinstance(c, str):
        c = [x.strip(" '\"") for x in c.strip('[]').split(',') if x.strip(" '\"")]
    out = []
    for x in c:  # Y: CPC's tagging scheme, no IPC subclass
        if x[:4] not in out and not x.startswith('Y'):
            out.append(x[:4])
    return out


def pick(path, salt, seen=frozenset(), n=24):
    """The rule above with salt, the patents in seen left out: n records."""
    by = {}
    for l in open(path, encoding='utf-8'):
        o = json.loads(l)
        if md5('dev' + o['patent_id']) % 4 or not (o.get('abstract') or '').strip() or not codes(o):
            continue
        if o['patent_id'] in seen:
            continue
        by.setdefault(codes(o)[0], []).append(o)
    subs = sorted(by, key=lambda h: md5(salt + h))
    secs = sorted({h[0] for h in subs})
    queues = {s: [h for h in subs if h[0] == s] for s in secs}
    out = []
    while len(out) < n and any(queues.values()):
        for s in secs:
            if len(out) >= n or not queues[s]:
                continue
            h = queues[s].pop(0)
            out.append(min(by[h], key=lambda o: md5(salt + o['patent_id'])))
    return out


def write_set(path, salt, seen_files, read, script):
    """Print a query set: the rule with salt, the patents of the query files
    seen_files (beside this script) left out; read names the read, script
    the file that drew it."""
    here = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    for f in seen_files:
        for l in open(os.path.join(here, f), encoding='utf-8'):
            p = l.rstrip('\n').split('\t')
            if len(p) > 3:
                seen.add(p[3])
    out = pick(path, salt, seen)
    print("# English Protocol A queries of the judge's %s, fixed before any output was read:" % read)
    print('# eval/protocol_a/%s (query side of the development split). set<TAB>abstract<TAB>--home<TAB>id' % script)
    for o in out:
        print('en\t%s\t%s\t%s' % (' '.join(o['abstract'].split()), ','.join(codes(o)), o['patent_id']))
    print('# sections: %s' % ''.join(sorted({codes(o)[0][0] for o in out})), file=sys.stderr)


def main(argv):
    if argv[0] == '--train':
        for l in open(argv[1], encoding='utf-8'):
            o = json.loads(l)
            if md5('dev' + o['patent_id']) % 4:
                sys.stdout.write(l)
        return
    out = pick(argv[0], 'pa62en')
    print('# English Protocol A queries of the judge\'s third read, fixed before any output was read:')
    print('# eval/protocol_a/choose62en.py (query side of the development split). set<TAB>abstract<TAB>--home<TAB>id')
    for o in out:
        t = ' '.join(o['abstract'].split())
        print('en\t%s\t%s\t%s' % (t, ','.join(codes(o)), o['patent_id']))
    print('# sections: %s' % ''.join(sorted({codes(o)[0][0] for o in out})), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])
