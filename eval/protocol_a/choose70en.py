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
from choose62en import write_set  # noqa: E402

if __name__ == '__main__':
    write_set(sys.argv[1], 'pa70en', ('queries62en.tsv', 'queries64en.tsv'), 'sixth read', 'choose70en.py')
