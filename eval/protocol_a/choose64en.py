"""The English query set of the judge's fourth read (queries64en.tsv),
fixed by rule before any output: choose62en.py's rule with salt "pa64en",
the patents of queries62en.tsv left out; 24 patents, each asked by its
abstract with its own subclasses as the home (run38.sh --lang en on
en_train, the split's other side).

    python3 eval/protocol_a/choose64en.py EN.jsonl > eval/protocol_a/queries64en.tsv
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose62en import codes, md5  # noqa: E402

SALT = 'pa64en'


def main(path):
    here = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    for l in open(os.path.join(here, 'queries62en.tsv'), encoding='utf-8'):
        p = l.rstrip('\n').split('\t')
        if len(p) > 3:
            seen.add(p[3])
    by = {}
    for l in open(path, encoding='utf-8'):
        o = json.loads(l)
        if md5('dev' + o['patent_id']) % 4 or not (o.get('abstract') or '').strip() or not codes(o):
            continue
        if o['patent_id'] in seen:
            continue
        by.setdefault(codes(o)[0], []).append(o)
    subs = sorted(by, key=lambda h: md5(SALT + h))
    secs = sorted({h[0] for h in subs})
    queues = {s: [h for h in subs if h[0] == s] for s in secs}
    out = []
    while len(out) < 24 and any(queues.values()):
        for s in secs:
            if len(out) >= 24 or not queues[s]:
                continue
            h = queues[s].pop(0)
            out.append(min(by[h], key=lambda o: md5(SALT + o['patent_id'])))
    print("# English Protocol A queries of the judge's fourth read, fixed before any output was read:")
    print('# eval/protocol_a/choose64en.py (query side of the development split). set<TAB>abstract<TAB>--home<TAB>id')
    for o in out:
        print('en\t%s\t%s\t%s' % (' '.join(o['abstract'].split()), ','.join(codes(o)), o['patent_id']))
    print('# sections: %s' % ''.join(sorted({codes(o)[0][0] for o in out})), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1])
