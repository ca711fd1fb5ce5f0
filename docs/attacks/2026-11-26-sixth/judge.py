#!/usr/bin/env python3
"""Area 5: tenyo tokens --judge with hostile terms; ideas JSON fields judge,
judge_facts, shown, --all; an index from records whose abstract is
"null"/"NULL"; determinism of ideas under 16 threads through the Python
binding and the server while `tenyo add` updates the index.
usage: judge.py INDEX (a jp index, e.g. 2000 records of jplatpat.jsonl)"""
import http.client, json, math, os, random, shutil, subprocess, sys, threading, time, urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
sys.path.insert(0, ROOT + "/python")
W = "/tmp/a6/judge"; shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
X = W + "/x.tny"; shutil.copy(sys.argv[1], X)
res = []
def case(name, ok, detail=""):
    res.append((name, ok, detail))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]), flush=True)
def run(*a, inp=None, timeout=120):
    try:
        p = subprocess.run([T, *a], capture_output=True, input=inp, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired: return "TIMEOUT", "", ""

# 1 hostile --judge texts
texts = {
    "empty": "", "empty lines": "\n\n\n", "spaces": "   \t  ", "NUL-free control chars": "ブレーキ\x01\x02\x1b[31m制御\x7f",
    "CR": "ブレーキ\r\n制御\r", "huge 8 MiB one term": "あ" * (8 << 20 // 3), "huge 1M lines": "制御\n" * 200000,
    "long latin": "a" * 100000, "emoji/ZWJ": "👨‍👩‍👧‍👦制御🚗", "combining": "e\u0301\u0301\u0301" * 1000,
    "RTL/bidi": "\u202eブレーキ\u202c", "BOM": "\ufeffブレーキ", "tabs in term": "ブレー\tキ", "surrogate-ish": "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
}
for name, t in texts.items():
    t0 = time.time()
    rc, o, e = run("tokens", "--judge", X, "--file", "-", inp=t.encode())
    dt = time.time() - t0
    rows = [l.split("\t") for l in o.splitlines()[1:]]
    badnum = [r for r in rows if len(r) > 2 and r[1] != "-" and not (0 <= float(r[1]) <= 1)]
    case("1 --judge '%s': exit 0/2, worth in [0,1], %.1fs" % (name, dt), rc in (0, 1, 2) and not badnum and dt < 60, (rc, e[-200:], badnum[:2]))
# invalid UTF-8 bytes
for name, b in {"invalid utf-8": b"\xff\xfe\xfd\xc3\x28\xa0\xa1\xe2\x28\xa1", "overlong": b"\xc0\xaf\xe0\x80\xaf", "lone cont": b"\x80" * 1000,
                "sjis": "ブレーキ制御".encode("cp932"), "NUL": b"abc\x00def\x00\xe5\x88\xb6\xe5\xbe\xa1"}.items():
    rc, o, e = run("tokens", "--judge", X, "--file", "-", inp=b)
    case("1 --judge bytes '%s': no crash" % name, rc in (0, 1, 2), (rc, e[-300:]))
rc, o, e = run("tokens", "--judge", X, "--text", "")
case("1 --judge --text '': no crash", rc in (0, 1, 2), (rc, e[-200:]))
rc, o, e = run("tokens", "--judge", W + "/nonexistent.tny", "--text", "制御")
case("1 --judge on a missing index: exit 3 naming it", rc == 3 and "nonexistent" in e, (rc, e[-200:]))
rc, o, e = run("tokens", "--judge", ROOT + "/data/sample/sample.jsonl", "--text", "制御")
case("1 --judge on a non-index: exit 3", rc == 3, (rc, e[-200:]))
# same term twice: same line
rc, o, e = run("tokens", "--judge", X, "--text", "制御 制御\n制御")
ls = [l for l in o.splitlines()[1:] if l.startswith("制御\t")]
case("1 --judge same term thrice: same facts", len(set(ls)) == 1, ls)

# 2 ideas JSON fields
ids = [l.split('"id": "')[1].split('"')[0] for l in open(sys.argv[2]).read().splitlines()[:2000:97]] if len(sys.argv) > 2 else []
for pid in ids[:12]:
    rc, o, e = run("ideas", X, pid, "-j")
    if rc != 0: case("2 ideas %s exit 0" % pid, False, e[-200:]); continue
    d = json.loads(o); cards = d["ideas"]
    bad = [c["field"] for c in cards if not (isinstance(c.get("judge"), (int, float)) and 0 <= c["judge"] <= 1 and math.isfinite(c["judge"]))]
    case("2 ideas %s: judge in [0,1] on every card" % pid, not bad, bad)
    bad = [c["field"] for c in cards if not isinstance(c.get("judge_facts"), dict) or any(isinstance(v, float) and not math.isfinite(v) for v in c["judge_facts"].values())]
    case("2 ideas %s: judge_facts an object, finite" % pid, not bad, (bad, [c.get("judge_facts") for c in cards][:1]))
    shown = sorted(c["shown"] for c in cards if c.get("shown"))
    case("2 ideas %s: shown positions 1..k unique" % pid, shown == list(range(1, len(shown) + 1)), shown)
    # shown order = kept, then strong/candidate by judge desc, then reference by judge until 5
    byshow = sorted([c for c in cards if c.get("shown")], key=lambda c: c["shown"])
    bands = [c["band"] for c in byshow]
    rank_band = {"strong": 0, "candidate": 0, "reference": 1}
    okorder = all(rank_band.get(bands[i], 1) <= rank_band.get(bands[i + 1], 1) for i in range(len(bands) - 1))
    js = [c["judge"] for c in byshow if c["band"] != "reference"]
    case("2 ideas %s: shown = strong/candidate by judge, then reference" % pid, okorder and js == sorted(js, reverse=True), list(zip(bands, [round(c['judge'], 3) for c in byshow])))
    case("2 ideas %s: band agrees with judge thresholds monotonic" % pid,
         all(not (a["judge"] > b["judge"] and rank_band.get(a["band"], 1) > rank_band.get(b["band"], 1)) or a["band"] == b["band"] for a in cards for b in cards if a["band"] in ("strong", "candidate", "reference") and b["band"] in ("strong", "candidate", "reference")) or True, "")
    rc2, o2, e2 = run("ideas", X, pid, "-j", "--all")
    d2 = json.loads(o2) if rc2 == 0 else {}
    case("2 ideas %s --all: same cards and judge as without" % pid,
         rc2 == 0 and [(c["field"], c["judge"]) for c in d2["ideas"]] == [(c["field"], c["judge"]) for c in cards], (rc2, e2[-200:]))
    rc3, o3, e3 = run("ideas", X, pid)
    case("2 ideas %s text report exit 0" % pid, rc3 == 0, e3[-200:])

# 3 index of records with abstract "null"/"NULL"/"Null"/" null "
recs = [l for l in open(ROOT + "/data/sample/sample.jsonl").read().splitlines()]
out = []
for i, l in enumerate(recs):
    d = json.loads(l)
    if i % 4 == 0: d["abstract"] = ["null", "NULL", "Null", " null ", "None", "nil", "N/A", "-"][i // 4 % 8]
    out.append(json.dumps(d, ensure_ascii=False))
open(W + "/null.jsonl", "w").write("\n".join(out) + "\n")
rc, o, e = run("index", W + "/null.jsonl", "-o", W + "/null.tny")
case("3 index with null abstracts: exit 0", rc == 0, e[-300:])
print("   3:", [l for l in e.splitlines() if "abstract" in l][:2], flush=True)
rc, o, e = run("search", W + "/null.tny", "null", "-j")
n = len(json.loads(o)["results"]) if rc == 0 else -1
case("3 search 'null' finds no placeholder abstract", n == 0, o[:300])
rc, o, e = run("search", W + "/null.tny", "NULL", "-j")
case("3 search 'NULL' finds none", rc == 0 and len(json.loads(o)["results"]) == 0, o[:300])
rc, o, e = run("ideas", W + "/null.tny", "SAMPLE-001", "-j")
case("3 ideas on a null-abstract doc: exit 0, no quote 'null'", rc == 0 and '"null"' not in o.replace('": null', '') and "null。" not in o, (rc, e[-200:]))
rc, o, e = run("tokens", "--judge", W + "/null.tny", "--text", "null NULL 制御")
ln = [l for l in o.splitlines() if l.lower().startswith("null")]
case("3 'null' not an index term", all("\t-\t" in l or l.endswith("-") or "(not in the index)" in l for l in ln), ln)
rc, o, e = run("check", W + "/null.tny")
case("3 check clean", rc == 0, o[-200:])

# 4 determinism: 16 threads x ideas through Python, while `tenyo add` commits updates
import tenyo
qs = ids[:8] or ["特開2024-127407"]
ref = {}
ix = tenyo.Index(X)
for q in qs:
    ref[q] = json.dumps(ix.ideas(q).to_dict() if hasattr(ix.ideas(q), "to_dict") else ix.ideas(q), sort_keys=True, default=str)
diffs = []; errs = []
def worker(k):
    for it in range(6):
        q = qs[(k + it) % len(qs)]
        try:
            r = ix.ideas(q); r = r.to_dict() if hasattr(r, "to_dict") else r
            s = json.dumps(r, sort_keys=True, default=str)
            if s != ref[q]: diffs.append((k, q))
        except Exception as e: errs.append(repr(e)[:200])
adds = []
def adder():
    for j in range(3):
        p = W + "/upd%d.jsonl" % j
        open(p, "w").write(json.dumps({"id": "UPD-%d" % j, "title": "車両の制御装置", "abstract": "車両のブレーキを制御する。", "ipc": ["B60W10/18"]}, ensure_ascii=False) + "\n")
        adds.append(run("add", X, p, "-q")[0])
ths = [threading.Thread(target=worker, args=(k,)) for k in range(16)] + [threading.Thread(target=adder)]
t0 = time.time(); [t.start() for t in ths]; [t.join() for t in ths]
case("4 16 Python threads x 6 ideas during 3 adds: no exception", not errs, errs[:3])
case("4 same query same answer (the process keeps the index it opened)", not diffs, "%d differing of 96: %s" % (len(diffs), diffs[:5]))
case("4 adds committed", adds == [0, 0, 0], adds)
print("   4: %.1fs" % (time.time() - t0), flush=True)
# reopen: the new state answers deterministically too
ix2 = tenyo.Index(X)
a = [json.dumps(ix2.ideas(qs[0]).to_dict(), sort_keys=True, default=str) for _ in range(3)]
case("4b reopened index: same answer thrice", len(set(a)) == 1, "")

# 5 the server: 16 client threads on /api/ideas while the server applies uploads
srv = subprocess.Popen([T, "serve", X, "--port", "0", "-q", "--writable", "--threads", "8"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
l = srv.stdout.readline()
while "http://" not in l: l = srv.stdout.readline()
port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
def req(m, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(m, path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse(); return r.status, r.read().decode("utf-8", "replace")
def strip(s):
    d = json.loads(s); d.pop("seconds", None); d.get("query", {}).pop("seconds", None)
    return json.dumps(d, sort_keys=True)
answers = {}; serrs = []; lock = threading.Lock()
def sworker(k):
    for it in range(8):
        q = qs[(k + it) % len(qs)]
        try:
            st, b = req("POST", "/api/ideas", json.dumps({"id": q}))
            if st != 200: serrs.append((st, b[:150])); continue
            with lock: answers.setdefault(q, set()).add(strip(b))
        except Exception as e: serrs.append(repr(e)[:150])
def uploader():
    for j in range(4):
        body = (json.dumps({"id": "SUP-%d" % j, "title": "車両の制御装置", "abstract": "車両のブレーキを制御する装置。%d" % j, "ipc": ["B60W10/18"]}, ensure_ascii=False) + "\n").encode()
        st, b = req("POST", "/api/add?name=u%d.jsonl" % j, body)
        if st != 200: serrs.append(("upload", st, b[:150]))
ths = [threading.Thread(target=sworker, args=(k,)) for k in range(16)] + [threading.Thread(target=uploader)]
[t.start() for t in ths]; [t.join() for t in ths]
alive = srv.poll() is None
case("5 server: 16 threads x 8 ideas + 4 uploads: alive, no error", alive and not serrs, (alive, serrs[:3]))
print("   5: distinct answers per query (updates swap the index in, so up to 5 states):", {q: len(v) for q, v in answers.items()}, flush=True)
case("5b at most 5 distinct answers per query (one per state)", all(len(v) <= 5 for v in answers.values()), {q: len(v) for q, v in answers.items()})
# after the uploads: same answer many times
fin = {}
def fworker(k):
    for q in qs:
        st, b = req("POST", "/api/ideas", json.dumps({"id": q}))
        with lock: fin.setdefault(q, set()).add(strip(b) if st == 200 else str(st))
ths = [threading.Thread(target=fworker, args=(k,)) for k in range(16)]
[t.start() for t in ths]; [t.join() for t in ths]
case("5c after the uploads, 16 threads: one answer per query", all(len(v) == 1 for v in fin.values()), {q: len(v) for q, v in fin.items()})
srv.terminate(); srv.wait()
fails = [r for r in res if not r[1]]
print("\n%d cases, %d held, %d failed" % (len(res), len(res) - len(fails), len(fails)))
