#!/usr/bin/env python3
"""Fit the confidence model of `tenyo ideas` (src/ideas/ideas.c CONF_W): a
logistic regression over each proposal's basis, on the development split's
Protocol X candidates, and print its reliability table.

    tenyo eval --protocol X --dump-candidates jp.tsv ../shared/data/jp/jplatpat.jsonl
    tenyo eval --protocol X --dump-candidates en.tsv ../shared/data/en/uspto_random_10000.jsonl
    python3 eval/fit_confidence.py jp.tsv en.tsv

A candidate is every field with a neighbour vote (other section than the
home, as Protocol X asks); its label is 1 when the field is one of the
query's own other-section classifications. Both corpora are fitted together
(one model for the product), each weighted to the same total so that the
larger jp corpus does not decide alone. Pure Python (IRLS with a small L2
penalty): no numpy on a fresh machine."""
import math, sys

NAMES = ['ln(vote share + 0.001)', 'ln(prior + 0.001)', 'ln(field share)',
         'best evidence similarity', 'ln(support)', 'focus', 'generic share',
         'title-only share of the evidence', 'expected',
         "best similarity of the query's nearest patent",
         'ln(field model probability + 1e-4)']

def features(r):
    return [1.0, math.log(float(r['vote_share']) + 0.001), math.log(float(r['prior']) + 0.001),
            math.log(float(r['field_share']) + 1e-6), float(r['best_similarity']),
            math.log(max(1, int(r['support']))), float(r['focus']), float(r['generic_share']),
            float(r['title_only']), float(r['expected']), float(r['query_best']),
            math.log(float(r.get('model', 0)) + 1e-4)]

def load(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            r = dict(zip(head, line.rstrip('\n').split('\t')))
            rows.append((features(r), int(r['target'])))
    return rows

def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1): m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]

def fit(data, lam=1e-3, iters=25):
    d = len(data[0][0])
    w = [0.0] * d
    for _ in range(iters):
        g = [0.0] * d
        h = [[0.0] * d for _ in range(d)]
        for x, y, wt in data:
            z = sum(wi * xi for wi, xi in zip(w, x))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            for i in range(d):
                g[i] += wt * (p - y) * x[i]
                s = wt * p * (1 - p) * x[i]
                for j in range(i, d): h[i][j] += s * x[j]
        for i in range(d):
            g[i] += lam * w[i] * (i > 0)
            h[i][i] += lam * (i > 0)
            for j in range(i): h[i][j] = h[j][i]
        step = solve(h, g)
        w = [wi - si for wi, si in zip(w, step)]
        if max(abs(s) for s in step) < 1e-7: break
    return w

def prob(w, x):
    z = sum(wi * xi for wi, xi in zip(w, x))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))

def main():
    sets = [(p, load(p)) for p in sys.argv[1:]]
    data = []
    for p, rows in sets:
        wt = 10000.0 / len(rows)
        data += [(x, y, wt) for x, y in rows]
    w = fit(data)
    print('/* fitted by eval/fit_confidence.py on %s */' % ', '.join(p for p, _ in sets))
    print('static const double CONF_W[] = {')
    print('    %.4f,  /* intercept */' % w[0])
    for i, name in enumerate(NAMES):
        print('    %.4f%s  /* %s */' % (w[i + 1], ',' if i + 1 < len(NAMES) else '', name))
    print('};')
    bins = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.01]
    for p, rows in sets:
        print('\nreliability on %s (%d candidates):' % (p, len(rows)))
        print('| confidence | proposals | predicted | observed |')
        print('|---|---|---|---|')
        ll = 0
        for lo, hi in zip(bins, bins[1:]):
            sel = [(prob(w, x), y) for x, y in rows if lo <= prob(w, x) < hi]
            if sel:
                print('| %.2f-%.2f | %d | %.3f | %.3f |' % (lo, min(hi, 1), len(sel),
                      sum(q for q, _ in sel) / len(sel), sum(y for _, y in sel) / len(sel)))
        for x, y in rows:
            q = min(1 - 1e-9, max(1e-9, prob(w, x)))
            ll -= y * math.log(q) + (1 - y) * math.log(1 - q)
        print('log loss %.4f' % (ll / len(rows)))
    print('\nTENYO_CONF_W=' + ','.join('%.4f' % v for v in w))

if __name__ == '__main__':
    main()
