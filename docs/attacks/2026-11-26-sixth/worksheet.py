#!/usr/bin/env python3
"""Area 4: worksheets. CLI writers in parallel on one file, SIGKILL at each
rename/write/fsync of a save, the server's POST /api/worksheet with hostile
bodies and in parallel with CLI writers of the same file.
usage: worksheet.py INDEX (a copy of the sample index is made)"""
import http.client, json, os, shutil, signal, subprocess, sys, threading, time, urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
W = "/tmp/a6/ws"; shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
X = W + "/x.tny"; shutil.copy(sys.argv[1], X)
res = []
def case(name, ok, detail=""):
    res.append((name, ok, detail))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]), flush=True)
def run(*a):
    return subprocess.run([T, *a], capture_output=True, text=True, timeout=120)

p = run("ideas", X, "SAMPLE-001", "-n", "50", "--all", "-j")
F = [c["field"] for c in json.loads(p.stdout)["ideas"]]
def load(path):
    try: return json.load(open(path))
    except Exception as e: return {"ERR": repr(e)}
def decisions(path):
    d = load(path)
    return {c["field"]: c["decision"] for c in d.get("cards", [])} if "cards" in d else d

# 1 two CLI writers, 10 keeps and 10 rejects on different fields, interleaved
for rnd in range(3):
    wf = W + "/conc%d.json" % rnd
    keep, rej = F[:10], F[10:20]
    rcs = []
    def loop(flag, fields):
        for f in fields:
            q = run("ideas", X, "SAMPLE-001", "--worksheet", wf, flag, f)
            rcs.append((q.returncode, q.stderr.strip().splitlines()[-1:] if q.returncode else ""))
    a = threading.Thread(target=loop, args=("--keep", keep)); b = threading.Thread(target=loop, args=("--reject", rej))
    a.start(); b.start(); a.join(); b.join()
    d = decisions(wf)
    nz = [r for r in rcs if r[0] != 0]
    lost = [f for f in keep + rej if f not in d] if "ERR" not in d else "file unreadable"
    case("1.%d two CLI writers, 20 decisions, exit 0 ones all kept" % rnd,
         not lost or len(lost) <= len(nz), "lost %s, non-zero exits %s" % (lost, nz[:3]))
    print("   1.%d: %d of 20 kept, %d refused: %s" % (rnd, 20 - len(lost) if isinstance(lost, list) else -1, len(nz), nz[:2]), flush=True)

# 2 SIGKILL at the Nth rename/write/fsync/openat of a save over an existing sheet
base = W + "/base.json"
run("ideas", X, "SAMPLE-001", "--worksheet", base, "--keep", F[0], "--reject", F[1])
before = open(base).read()
for sc in ("rename", "fsync", "write", "openat", "unlink"):
    n = 1
    while n < 200:
        wf = W + "/k.json"; shutil.copy(base, wf)
        q = subprocess.run(["strace", "-f", "-o", "/dev/null", "-e", "trace=" + sc, "-e", "inject=%s:signal=KILL:when=%d" % (sc, n),
                            T, "ideas", X, "SAMPLE-001", "--worksheet", wf, "--keep", F[2], "--note", F[2] + "=メモ"],
                           capture_output=True, text=True)
        if q.returncode not in (137, -9): break
        now = open(wf).read() if os.path.exists(wf) else None
        d = decisions(wf) if now is not None else {"ERR": "missing"}
        ok = now == before or (isinstance(d, dict) and d.get(F[2]) == "kept" and d.get(F[0]) == "kept" and d.get(F[1]) == "rejected")
        case("2 %s#%d kill mid-save: old or new sheet" % (sc, n), ok, (now or "MISSING")[:200])
        left = [f for f in os.listdir(W) if f.startswith("k.json") and f != "k.json"]
        if left: case("2 %s#%d temp files beside the sheet" % (sc, n), False, left)
        n += 1 if n < 10 else 9

# 3 server: hostile bodies
srv = subprocess.Popen([T, "serve", X, "--port", "0", "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
l = srv.stdout.readline()
while "http://" not in l: l = srv.stdout.readline()
port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
def req(m, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(m, path, body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse(); return r.status, r.read().decode("utf-8", "replace")
    except Exception as e: return "EXC", repr(e)
good = {"tenyo_worksheet": 1, "patent": "SAMPLE-001", "strike": [], "cards": [{"field": F[0], "decision": "kept", "evidence": []}]}
st, b = req("POST", "/api/worksheet", json.dumps(good))
case("3a good worksheet saved", st == 200, (st, b[:200]))
key = json.loads(b)["id"] if st == 200 else None
hostile = {
    "deep nesting": "[" * 100000 + "]" * 100000,
    "deep object": '{"a":' * 50000 + "1" + "}" * 50000,
    "NUL in field": json.dumps(dict(good, cards=[{"field": "G08B\u0000X", "decision": "kept"}])),
    "invalid utf-8": b'{"tenyo_worksheet":1,"patent":"SAMPLE-001","strike":["\xff\xfe"],"cards":[]}',
    "huge strike list": json.dumps(dict(good, strike=["語%d" % i for i in range(200000)])),
    "decision bogus": json.dumps(dict(good, cards=[{"field": F[0], "decision": "maybe"}])),
    "duplicate cards": json.dumps(dict(good, cards=[{"field": F[0], "decision": "kept"}, {"field": F[0], "decision": "rejected"}])),
    "patent path traversal": json.dumps(dict(good, patent="../../etc/passwd")),
    "patent not in index": json.dumps(dict(good, patent="NOPE-1")),
    "version 2": json.dumps(dict(good, tenyo_worksheet=2)),
    "version 1e400": '{"tenyo_worksheet":1e400,"patent":"SAMPLE-001","strike":[],"cards":[]}',
    "field 10k chars": json.dumps(dict(good, cards=[{"field": "G" * 10000, "decision": "kept"}])),
    "note 5 MiB": json.dumps(dict(good, cards=[{"field": F[0], "decision": "kept", "note": "x" * (5 << 20)}])),
    "empty": "",
    "not json": "hello",
    "array": "[]",
    "duplicate keys": '{"tenyo_worksheet":1,"patent":"SAMPLE-001","patent":"SAMPLE-002","strike":[],"cards":[]}',
    "trailing garbage": json.dumps(good) + "xyz",
    "two objects": json.dumps(good) + json.dumps(good),
    "control chars in note": json.dumps(dict(good, cards=[{"field": F[0], "decision": "kept", "note": "a\u0001\u001b[31mb\u2028"}])),
}
for name, body in hostile.items():
    st, b = req("POST", "/api/worksheet", body)
    alive = req("GET", "/healthz")[0] == 200
    case("3 hostile body '%s': 4xx or 200, server alive" % name, st in (200, 400, 404, 409, 413) and alive, (st, b[:200], alive))
    if st == 200 and name not in ("control chars in note", "duplicate keys"):
        print("   3 '%s' accepted: %s" % (name, b[:200]), flush=True)
st, b = req("GET", "/api/worksheet?patent=SAMPLE-001")
d = json.loads(b).get("worksheet") if st == 200 else None
print("   3 saved sheet after the hostile bodies:", json.dumps(d, ensure_ascii=False)[:300], flush=True)
for k in ("..%2F..%2Fetc%2Fpasswd", "%00", "a" * 5000, "SAMPLE-001%0A", "..", "."):
    st, b = req("GET", "/api/worksheet?id=" + k)
    case("3 GET id=%s: 4xx, alive" % k[:20], st in (400, 404, 414) and req("GET", "/healthz")[0] == 200, (st, b[:200]))
# 4 server POSTs and CLI writers on the same sheet in parallel
sheet = X + ".worksheets/%s.json" % key
errs = []
def srvloop():
    for i in range(20):
        cur = req("GET", "/api/worksheet?patent=SAMPLE-001")
        ws = json.loads(cur[1])["worksheet"]
        ws["cards"].append({"field": F[20 + i], "decision": "kept", "evidence": []})
        st, b = req("POST", "/api/worksheet", json.dumps(ws))
        if st != 200: errs.append((st, b[:150]))
def cliloop():
    for i in range(10):
        q = run("ideas", X, "SAMPLE-001", "--worksheet", sheet, "--reject", F[40 + i])
        if q.returncode: errs.append(("cli", q.stderr[-150:]))
a = threading.Thread(target=srvloop); b = threading.Thread(target=cliloop); a.start(); b.start(); a.join(); b.join()
d = decisions(sheet)
lost = [f for f in F[20:40] + F[40:50] if f not in d]
case("4 server + CLI writers on one sheet: no decision lost silently", len(lost) <= len(errs), "lost %d (%s), errors %d %s" % (len(lost), lost[:5], len(errs), errs[:2]))
srv.terminate(); srv.wait()
fails = [r for r in res if not r[1]]
print("\n%d cases, %d held, %d failed" % (len(res), len(res) - len(fails), len(fails)))
