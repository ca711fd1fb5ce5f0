#!/usr/bin/env python3
"""Area 3b: uploads cut off (client closes mid-body), many slow uploads at
once (the one-write slot), /api/licensable bombs, names with paths, and a
server SIGTERMed while one upload trickles and another is applied.
usage: upload2.py INDEX"""
import http.client, json, os, shutil, signal, socket, subprocess, sys, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
W = "/tmp/a6/upload2"; shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
TMP = W + "/tmp"; os.makedirs(TMP)
X = W + "/x.tny"; shutil.copy(sys.argv[1], X)
res = []
def case(name, ok, detail=""):
    res.append((name, ok, detail))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]), flush=True)
def info():
    p = subprocess.run([T, "info", X, "-j"], capture_output=True, text=True)
    d = json.loads(p.stdout) if p.returncode == 0 else {}
    return d.get("documents"), (d.get("updates") or {}).get("generation")
def leftovers():
    return [os.path.join(dp, f) for dp, dn, fn in os.walk(TMP) for f in fn + dn]
srv = None; port = None
def start(*extra):
    global srv, port
    srv = subprocess.Popen([T, "serve", X, "--port", "0", "--writable", "-q", *extra], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=dict(os.environ, TMPDIR=TMP))
    l = srv.stdout.readline()
    while "http://" not in l: l = srv.stdout.readline()
    port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
    threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
def post(path, body, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", path, body=body); r = c.getresponse(); return r.status, r.read().decode("utf-8", "replace")
def recs(a, b, tag):
    return ("\n".join(json.dumps({"id": "%s-%05d" % (tag, i), "title": "搬送ロボットの制御装置", "abstract": "把持部を制御する。%d" % i,
                                  "ipc": ["B25J9/16"]}, ensure_ascii=False) for i in range(a, b)) + "\n").encode()
start("--upload-time", "6")
d0 = info()
# 1 client closes mid-body, 10 times
for i in range(10):
    s = socket.create_connection(("127.0.0.1", port)); body = recs(0, 100, "CUT%d" % i)
    s.sendall(b"POST /api/add?name=cut.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body[: len(body) * i // 10])
    s.close()
time.sleep(1)
case("1 10 uploads cut mid-body: index unchanged", info() == d0, (d0, info()))
case("1b temp dir empty", leftovers() == [], leftovers())
st, b = post("/api/add?name=ok.jsonl", recs(0, 5, "OK1"))
case("1c an upload after them works (slot free)", st == 200, (st, b[:200]))
d0 = info()
# 2 eight slow uploads at once: each holds a body slot? after --upload-time all 408, a normal one then works
socks = []
for i in range(8):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(15)
    s.sendall(b"POST /api/add?name=slow%d.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nx" % i)
    socks.append(s)
time.sleep(0.5)
t0 = time.time()
try: st, b = post("/api/add?name=during.jsonl", recs(0, 5, "DUR"), timeout=30)
except Exception as e: st, b = "EXC", repr(e)
print("   2: a normal upload while 8 trickle: %s %s after %.1fs" % (st, b[:150], time.time() - t0), flush=True)
case("2 a normal upload while 8 others trickle: answered (200 or 409) within 10 s", st in (200, 409) and time.time() - t0 < 10, (st, b[:200]))
outs = []
for s in socks:
    try: outs.append(s.recv(200).decode("utf-8", "replace")[:12])
    except Exception as e: outs.append(repr(e)[:30])
    s.close()
case("2b the 8 trickling uploads ended by 408", all("408" in o for o in outs), outs)
time.sleep(0.5)
case("2c temp dir empty", leftovers() == [], leftovers())
# 3 licensable: bomb and many lines
with open(W + "/lic.src", "wb") as f: f.write(b"SAMPLE-001\n" * 30000000)
subprocess.run(["zstd", "-q", "-19", "-f", W + "/lic.src", "-o", W + "/lic.zst"], check=True); os.remove(W + "/lic.src")
t0 = time.time(); st, b = post("/api/licensable?name=lic.txt.zst", open(W + "/lic.zst", "rb").read())
case("3 licensable zstd bomb (330 MB): refused 413 in < 10 s", st == 413 and time.time() - t0 < 10, (st, b[:200], time.time() - t0))
st, b = post("/api/licensable?name=lic.txt", b"SAMPLE-001\n" * 100000)
print("   3b 100,000 lines of one id:", st, b[:200], flush=True)
case("3b licensable of 100,000 lines: answered", st in (200, 400, 413), (st, b[:200]))
# 4 names
for nm in ("../../etc/passwd", "%2F..%2Fx.jsonl", "a" * 4000 + ".jsonl", "x%00.jsonl", "", "..", "con.jsonl", "%E2%80%AE.jsonl"):
    try: st, b = post("/api/add?name=" + nm, recs(0, 2, "NM"))
    except Exception as e: st, b = "EXC", repr(e)
    case("4 name=%s: answered, no file outside the temp dir" % nm[:30], st in (200, 400, 413, 414) and not os.path.exists("/etc/passwd.tenyo"), (st, b[:200]))
case("4b temp dir empty", leftovers() == [], leftovers())
# 5 SIGTERM while one applies and one trickles
big = recs(0, 15000, "BIG")
r5 = [None]
def up(): 
    try: r5[0] = post("/api/add?name=big.jsonl", big, timeout=120)
    except Exception as e: r5[0] = ("EXC", repr(e))
d1 = info()
th = threading.Thread(target=up); th.start(); time.sleep(0.4)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /api/add?name=t.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
time.sleep(0.2)
t0 = time.time(); srv.send_signal(signal.SIGTERM)
try: rc = srv.wait(30)
except subprocess.TimeoutExpired: rc = "HANG"; srv.kill()
th.join(); s.close()
d2 = info()
case("5 SIGTERM with an upload applied and one trickling: exits", rc != "HANG", (rc, time.time() - t0))
case("5b all or nothing, and 200 iff committed", (d2 == d1 and (r5[0] or [0])[0] != 200) or (d2[0] == d1[0] + 15000 and r5[0][0] == 200), (d1, d2, str(r5[0])[:200]))
case("5c temp dir empty", leftovers() == [], leftovers())
p = subprocess.run([T, "check", X], capture_output=True, text=True)
case("5d check clean", p.returncode == 0, p.stdout[-300:])
print("   5: exit %s after %.1fs, client %s" % (rc, time.time() - t0, str(r5[0])[:120]))
fails = [r for r in res if not r[1]]
print("\n%d cases, %d held, %d failed" % (len(res), len(res) - len(fails), len(fails)))
