"""The English query set of the judge's fourth read (queries64en.tsv),
fixed by rule before any output: choose62en.py's rule with salt "pa64en",
the patents of queries62en.tsv left out; 24 patents, each asked by its
abstract with its own subclasses as the home (run38.sh --lang en on
en_train, the split's other side).

    python3 eval/protocol_a/choose64en.py EN.jsonl > eval/protocol_a/queries64en.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose62en import codes, pick  # noqa: E402

SALT = 'pa64en'


def main(path):
    here = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    for l in open(os.path.join(here, 'queries62en.tsv'), encoding='utf-8'):
        p = l.rstrip('\n').split('\t')
        if len(p) > 3:
            seen.add(p[3])
    out = pick(path, SALT, seen)
    print("# English Protocol A queries of the judge's fourth read, fixed before any output was read:")
    print('# eval/protocol_a/choose64en.py (query side of the development split). set<TAB>abstract<TAB>--home<TAB>id')
    for o in out:
        print('en\t%s\t%s\t%s' % (' '.join(o['abstract'].split()), ','.join(codes(o)), o['patent_id']))
    print('# sections: %s' % ''.join(sorted({codes(o)[0][0] for o in out})), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1])
