"""The English query set of the judge's sixth read (queries70en.tsv),
fixed by rule before any output: choose62en.py's rule with salt "pa70en",
the patents of queries62en.tsv and queries64en.tsv left out; 24 patents, each asked by its
abstract with its own subclasses as the home (run38.sh --lang en on
en_train, the split's other side).

    python3 eval/protocol_a/choose70en.py EN.jsonl > eval/protocol_a/queries70en.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose62en import codes, pick  # noqa: E402

SALT = 'pa70en'


def main(path):
    here = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    for f in ('queries62en.tsv', 'queries64en.tsv'):
        for l in open(os.path.join(here, f), encoding='utf-8'):
            p = l.rstrip('\n').split('\t')
            if len(p) > 3:
                seen.add(p[3])
    out = pick(path, SALT, seen)
    print("# English Protocol A queries of the judge's sixth read, fixed before any output was read:")
    print('# eval/protocol_a/choose70en.py (query side of the development split). set<TAB>abstract<TAB>--home<TAB>id')
    for o in out:
        print('en\t%s\t%s\t%s' % (' '.join(o['abstract'].split()), ','.join(codes(o)), o['patent_id']))
    print('# sections: %s' % ''.join(sorted({codes(o)[0][0] for o in out})), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1])
