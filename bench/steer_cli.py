"""How long an analyst waits at the command line after each action: the
wall time of the whole `tenyo ideas INDEX ID ...` process (start, index
open, tokenizer, the list made with the decision, the terminal output),
for N patents drawn with a seed from IDS (one indexed id a line, or the
JSONL the index was built from), the action drawn in turn as
`tenyo bench -m steer` draws it (strike the first card's first bridge word,
keep its field, reject it, focus on sentences 1-2), the default list
(untimed) first. Prints the median, p95 and worst per action and over all,
and the same for the unsteered command beside it.

    python3 bench/steer_cli.py INDEX IDS [-n 40] [--seed 1] [--tenyo build/tenyo]
"""
import argparse, json, random, statistics, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument('index')
ap.add_argument('ids')
ap.add_argument('-n', type=int, default=40)
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--tenyo', default='build/tenyo')
a = ap.parse_args()
if a.n < 1:
    sys.exit('steer_cli.py: -n must be at least 1')

info = subprocess.run([a.tenyo, 'info', a.index, '--json'], capture_output=True, text=True)
if info.returncode:
    sys.exit(f'steer_cli.py: {a.index}: {info.stderr.strip()}')
ndocs = json.loads(info.stdout)['documents']
ids = []
for line in open(a.ids, encoding='utf-8'):
    line = line.strip()
    if line:
        ids.append(json.loads(line)['id'] if line.startswith('{') else line)
rng = random.Random(a.seed)
docs = rng.sample(ids, min(a.n, len(ids)))


def run(args):
    t0 = time.perf_counter()
    r = subprocess.run([a.tenyo, 'ideas', a.index] + args, capture_output=True, text=True)
    return time.perf_counter() - t0, r


times = {'none': [], 'strike': [], 'keep': [], 'reject': [], 'focus': []}
for i, pid in enumerate(docs):
    _, r = run([pid, '-n', '10', '--json'])
    if r.returncode:
        continue
    cards = json.loads(r.stdout)['ideas']
    if not cards:
        continue
    c = cards[0]
    kind = ('strike', 'keep', 'reject', 'focus')[i % 4]
    if kind == 'strike' and not c.get('bridge_terms'):
        kind = 'keep'
    extra = {'strike': ['--not', (c.get('bridge_terms') or [''])[0]], 'keep': ['--keep', c['field']],
             'reject': ['--reject', c['field']], 'focus': ['--focus', '1,2']}[kind]
    t, r = run([pid, '-n', '10'])
    times['none'].append(t)
    t, r = run([pid, '-n', '10'] + extra)
    if r.returncode == 0:
        times[kind].append(t)

print(f'# bench/steer_cli.py {a.index}: {ndocs} documents, {len(times["none"])} patents (seed {a.seed}), '
      f'whole `tenyo ideas` processes, ms')
print(f'{"action":8s} {"runs":>5s} {"median":>8s} {"p95":>8s} {"worst":>8s}')
every = []
for k, v in times.items():
    if k != 'none':
        every += v
    if not v:
        continue
    s = sorted(v)
    p95 = s[max(0, -(-len(s) * 95 // 100) - 1)]
    print(f'{k:8s} {len(s):5d} {1000 * statistics.median(s):8.1f} {1000 * p95:8.1f} {1000 * s[-1]:8.1f}')
if every:
    s = sorted(every)
    p95 = s[max(0, -(-len(s) * 95 // 100) - 1)]
    print(f'{"all":8s} {len(s):5d} {1000 * statistics.median(s):8.1f} {1000 * p95:8.1f} {1000 * s[-1]:8.1f}')
