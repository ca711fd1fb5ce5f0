#!/usr/bin/env python3
"""The readers' text for a before/after Protocol A read whose outputs are not
subsets of one another (different models): every card either output shows,
each subclass once, as `tenyo ideas` prints it.

    QUERIES=Q bash eval/protocol_a/run.sh JP EN before [options]   (old build: TENYO=...)
    QUERIES=Q bash eval/protocol_a/run.sh JP EN after
    QUERIES=Q bash eval/protocol_a/run.sh JP EN all --min-usable 0 --min-transfer 0 --no-merge -n 40
    python3 eval/protocol_a/union.py all union.txt before after
    python3 eval/protocol_a/union.py --score L1.tsv,L2.tsv before after

The cards come from ALL (thresholds off, --no-merge: one card per subclass, so
a subclass merged into another card in one output is labelled on its own) and
are kept when their subclass is shown by any of the given outputs, primary or
merged; warnings are dropped (they describe ALL's thresholds); cards are
renumbered per query. Each output is then scored on its own primary
subclasses (count of a/b/c/d over the cards it shows)."""
import json
import re
import sys

CARD = re.compile(r'^(\s*)(\d+)\. ([A-H]\d\d[A-Z])\b')


def shown(path):
    s = {}
    for line in open(path, encoding='utf-8'):
        o = json.loads(line)
        for p in o['ideas']:
            s.setdefault(o['protocol_a']['n'], set()).update([p['field']] + list(p.get('also_fields', [])))
    return s


def score(labels, dirs):
    """Per output and label file: a/b/c/d over the cards it shows (-n 10),
    by kind of query, and the usable and genuine shares."""
    for d in dirs:
        rows = []
        for line in open(d + '/all.jsonl', encoding='utf-8'):
            o = json.loads(line)
            rows += [(o['protocol_a']['n'], o['protocol_a']['set'], p['field']) for p in o['ideas'][:10]]
        for lf in labels:
            lab = {}
            for line in open(lf, encoding='utf-8'):
                if not line.startswith('#') and line.strip():
                    t = line.rstrip('\n').split('\t')
                    lab[(int(t[0]), t[1])] = t[2].strip()
            per, miss = {}, 0
            for n, kind, f in rows:
                x = lab.get((n, f))
                if not x:
                    miss += 1
                    continue
                for k in (kind, 'all'):
                    per.setdefault(k, dict.fromkeys('abcd', 0))[x] += 1
            t = per.get('all', dict.fromkeys('abcd', 0))
            tot = max(1, sum(t.values()))
            print('%s, %s: %d shown (%d unlabelled), a/b/c/d %s, usable %.1f%%, genuine %.1f%%; %s' % (
                d, lf.rsplit('/', 1)[-1], len(rows), miss, '/'.join(str(t[c]) for c in 'abcd'),
                100.0 * (t['a'] + t['b']) / tot, 100.0 * t['a'] / tot,
                ' '.join('%s %s' % (k, '/'.join(str(per[k][c]) for c in 'abcd'))
                         for k in ('jp', 'en', 'text') if k in per)))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--score':
        return score(sys.argv[2].split(','), sys.argv[3:])
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    alld, out_path = sys.argv[1], sys.argv[2]
    keep = {}
    for d in sys.argv[3:]:
        for n, f in shown(d + '/all.jsonl').items():
            keep.setdefault(n, set()).update(f)
    out, card, n, k, found = [], None, 0, 0, {}

    def flush():
        if card and card[0] in keep.get(n, ()):
            out.extend(card[1])
            found.setdefault(n, set()).add(card[0])

    for line in open(alld + '/all.txt', encoding='utf-8'):
        line = line.rstrip('\n')
        note = line.startswith(('* =', '注意', 'warning'))
        if line.startswith('=== query'):
            flush()
            card, n, k = None, int(line.split()[2]), 0
            out += ['', line]
            continue
        m = CARD.match(line)
        if m:
            flush()
            if m.group(3) in keep.get(n, ()):
                k += 1
            card = (m.group(3), ['%s%d.%s' % (m.group(1), k, line[m.end(2) + 1:])])
        elif card is not None and not note:
            card[1].append(line)
        elif note:
            flush()
            card = None
        elif line.strip() and not line.startswith(' '):
            out.append(line)  # the query's header lines
    flush()
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out).lstrip('\n') + '\n')
    missing = {q: sorted(keep[q] - found.get(q, set())) for q in keep if keep[q] - found.get(q, set())}
    print('%d cards -> %s%s' % (sum(len(v) for v in found.values()), out_path,
                                '; not in %s: %s' % (alld, missing) if missing else ''))


if __name__ == '__main__':
    main()
