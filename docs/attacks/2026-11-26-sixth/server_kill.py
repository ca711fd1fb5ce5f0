#!/usr/bin/env python3
"""Areas 3/4: the server SIGKILLed (strace) at its Nth rename / fsync / write
while saving a worksheet (POST /api/worksheet): the saved sheet is the old
one or the new one, and the server restarted serves it; a CLI `tenyo add`
racing a page upload: one refused (exit 4 / 409), the other whole.
usage: server_kill.py INDEX (a copy of the sample index)"""
import http.client, json, os, shutil, subprocess, sys, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
W = "/tmp/a6/srvkill"; shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
res = []
def case(name, ok, detail=""):
    res.append((name, ok, detail))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:500]), flush=True)
def start(x, pre=(), extra=()):
    p = subprocess.Popen([*pre, T, "serve", x, "--port", "0", "-q", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    l = p.stdout.readline()
    while "http://" not in l:
        l = p.stdout.readline()
        if not l and p.poll() is not None: return p, None
    port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, port
def kill_all(p):
    # under strace, killing strace leaves the traced server running: kill its child too
    kids = []
    try:
        for t in os.listdir("/proc/%d/task" % p.pid):
            kids += open("/proc/%d/task/%s/children" % (p.pid, t)).read().split()
    except OSError: pass
    p.kill(); p.wait()
    for k in kids:
        try: os.kill(int(k), 9)
        except OSError: pass
def req(port, m, path, body=None, timeout=20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(m, path, body=body); r = c.getresponse(); return r.status, r.read().decode("utf-8", "replace")
    except Exception as e: return "EXC", repr(e)
old = {"tenyo_worksheet": 1, "patent": "SAMPLE-001", "strike": [], "cards": [{"field": "G08B", "decision": "kept"}]}
new = {"tenyo_worksheet": 1, "patent": "SAMPLE-001", "strike": ["運転"], "cards": [{"field": "G08B", "decision": "kept"}, {"field": "G07C", "decision": "rejected"}]}
for sc in ("rename", "fsync", "write", "openat"):
    for n in list(range(1, 9)) + [15, 30, 60]:
        x = W + "/x.tny"; shutil.rmtree(W + "/x.tny.worksheets", ignore_errors=True); shutil.copy(sys.argv[1], x)
        p, port = start(x)
        st, b = req(port, "POST", "/api/worksheet", json.dumps(old)); p.terminate(); p.wait()
        sheet = W + "/x.tny.worksheets/patent-SAMPLE-001.json"
        before = open(sheet).read()
        # the server under strace: the Nth call of sc after start-up is counted from the start, so skip
        # the calls start-up makes by injecting only after the first request line (when= counts all)
        p, port = start(x, pre=("strace", "-f", "-o", "/dev/null", "-e", "trace=" + sc, "-e", "inject=%s:signal=KILL:when=%d" % (sc, n)))
        if port is None:
            kill_all(p)
            case("%s#%d: killed during start-up (not a save)" % (sc, n), True); continue
        st, b = req(port, "POST", "/api/worksheet", json.dumps(new))
        killed = p.poll() is not None or (time.sleep(0.3) or p.poll() is not None)
        kill_all(p)
        now = open(sheet).read() if os.path.exists(sheet) else None
        try: d = json.loads(now) if now else None
        except Exception: d = "CORRUPT"
        ok = now == before or (isinstance(d, dict) and d.get("strike") == ["運転"] and len(d.get("cards", [])) == 2)
        case("%s#%d (server %s, POST %s): sheet old or new" % (sc, n, "killed" if killed else "alive", st), ok and not (st == 200 and now == before), (st, (now or "MISSING")[:150]))
        if killed:
            p, port = start(x)
            st2, b2 = req(port, "GET", "/api/worksheet?patent=SAMPLE-001")
            case("%s#%d restarted server serves the sheet" % (sc, n), st2 == 200 and '"worksheet":{' in b2.replace(" ", ""), (st2, b2[:150]))
            p.terminate(); p.wait()
# CLI add racing a page upload
x = W + "/x.tny"; shutil.copy(sys.argv[1], x); shutil.rmtree(x + ".upd", ignore_errors=True)
p, port = start(x, extra=("--writable",))
def recs(tag, n):
    return "\n".join(json.dumps({"id": "%s-%04d" % (tag, i), "title": "搬送装置", "abstract": "把持部を制御する。%d" % i, "ipc": ["B25J9/16"]}, ensure_ascii=False) for i in range(n)) + "\n"
open(W + "/cli.jsonl", "w").write(recs("CLI", 8000))
for r in range(4):
    d0 = json.loads(subprocess.run([T, "info", x, "-j"], capture_output=True, text=True).stdout)["documents"]
    out = {}
    def cli(): out["cli"] = subprocess.run([T, "add", x, W + "/cli.jsonl", "-q"], capture_output=True, text=True).returncode
    def page(): out["page"] = req(port, "POST", "/api/add?name=p%d.jsonl" % r, recs("PG%d" % r, 8000).encode(), timeout=120)[0]
    a = threading.Thread(target=cli); b = threading.Thread(target=page)
    if r % 2: a, b = b, a
    a.start(); time.sleep(0.05 * r); b.start(); a.join(); b.join()
    d1 = json.loads(subprocess.run([T, "info", x, "-j"], capture_output=True, text=True).stdout)["documents"]
    exp = d0 + (8000 if out["page"] == 200 else 0) + (8000 if out["cli"] == 0 and r == 0 else 0)
    okk = out["cli"] in (0, 4) and out["page"] in (200, 409) and (d1 == exp or (r > 0 and out["cli"] == 0 and d1 == d0 + (8000 if out["page"] == 200 else 0)))
    case("race %d: cli exit %s, page %s, docs %d -> %d" % (r, out["cli"], out["page"], d0, d1), okk, exp)
st, b = req(port, "GET", "/api/search?q=" + "PG0-0007")
case("page's upload visible through the server after the race", st == 200, b[:150])
p.terminate(); p.wait()
c = subprocess.run([T, "check", x], capture_output=True, text=True)
case("check clean after the races", c.returncode == 0, c.stdout[-300:])
fails = [r for r in res if not r[1]]
print("\n%d cases, %d held, %d failed" % (len(res), len(res) - len(fails), len(fails)))
