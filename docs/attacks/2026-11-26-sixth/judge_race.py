#!/usr/bin/env python3
"""Area 5b: the term facts are computed when a card first weighs them, under
the state's mutex (09c768d). A fresh server, 16 client threads firing 48
different patents at once (each first weighing), against each patent's
answer from a fresh `tenyo ideas -j` process. Fields compared: field,
judge, band, shown, judge_facts. Repeated ROUNDS times with fresh servers.
usage: judge_race.py INDEX IDS_FILE(jsonl) [ROUNDS]"""
import http.client, json, os, subprocess, sys, threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"; X = sys.argv[1]
ids = [json.loads(l)["id"] for l in open(sys.argv[2]).read().splitlines()[:2000:41]][:48]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
def key(d):
    return [(c["field"], round(c["judge"], 9), c["band"], c.get("shown"), json.dumps(c.get("judge_facts"), sort_keys=True)) for c in d["ideas"]]
ref = {}
for q in ids:
    p = subprocess.run([T, "ideas", X, q, "-j"], capture_output=True, text=True)
    if p.returncode == 0: ref[q] = key(json.loads(p.stdout))
fails = 0; tried = 0
for r in range(rounds):
    srv = subprocess.Popen([T, "serve", X, "--port", "0", "-q", "--threads", "16"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    l = srv.stdout.readline()
    while "http://" not in l: l = srv.stdout.readline()
    port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
    threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
    got = {}; errs = []; bar = threading.Barrier(16)
    def w(k):
        bar.wait()
        for q in ids[k::16]:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                c.request("POST", "/api/ideas", body=json.dumps({"id": q}), headers={"Content-Type": "application/json"})
                rr = c.getresponse(); b = rr.read().decode()
                if rr.status == 200: got[q] = key(json.loads(b))
                else: errs.append((q, rr.status, b[:100]))
            except Exception as e: errs.append((q, repr(e)))
    ths = [threading.Thread(target=w, args=(k,)) for k in range(16)]
    [t.start() for t in ths]; [t.join() for t in ths]
    alive = srv.poll() is None
    srv.terminate(); srv.wait()
    for q in ref:
        tried += 1
        if got.get(q) != ref[q]:
            fails += 1
            a, b = got.get(q), ref[q]
            diff = [(x, y) for x, y in zip(a or [], b) if x != y][:1]
            print("FAIL round %d %s: server answer differs from the CLI's: %s" % (r, q, diff if a else "no answer"))
    print("round %d: alive %s, errors %s" % (r, alive, errs[:3]), flush=True)
print("%d compared, %d held, %d failed" % (tried, tried - fails, fails))
