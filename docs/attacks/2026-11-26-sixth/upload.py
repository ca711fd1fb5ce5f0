#!/usr/bin/env python3
"""Area 3: uploads to `tenyo serve INDEX --writable` (POST /api/add).
Trickling bodies, Content-Length over the limit, chunked bodies over it,
zstd bombs, too many rows, concurrent uploads, SIGTERM mid-upload; after
each: the index's docs/generation, `tenyo check`, no temp file left.
usage: upload.py [WORKDIR]"""
import http.client, json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
S = ROOT + "/data/sample/sample.jsonl"
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/a6/upload"
shutil.rmtree(W, ignore_errors=True); os.makedirs(W)
TMP = os.path.join(W, "tmp"); os.makedirs(TMP)
res = []
def case(name, ok, detail=""):
    res.append((name, ok, detail))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:600]), flush=True)

lines = open(S).read().splitlines()
open(W + "/base.jsonl", "w").write("\n".join(lines[:150]) + "\n")
subprocess.run([T, "index", W + "/base.jsonl", "-o", W + "/x.tny", "-q"], check=True, capture_output=True)
X = W + "/x.tny"

def info():
    p = subprocess.run([T, "info", X, "-j"], capture_output=True, text=True)
    d = json.loads(p.stdout) if p.returncode == 0 else {}
    return d.get("documents"), (d.get("updates") or {}).get("generation")
def check():
    p = subprocess.run([T, "check", X], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr

srv = None; port = None
def start(*extra):
    global srv, port
    srv = subprocess.Popen([T, "serve", X, "--port", "0", "--writable", "-q", *extra],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=dict(os.environ, TMPDIR=TMP))
    t0 = time.time()
    while time.time() - t0 < 30:
        l = srv.stdout.readline()
        if "http://" in l:
            port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1]); break
    threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
def stop(sig=signal.SIGTERM):
    srv.send_signal(sig)
    try: return srv.wait(20)
    except subprocess.TimeoutExpired:
        srv.kill(); return "HANG"

def post(path, body, headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", path, body=body, headers=headers or {})
    r = c.getresponse(); b = r.read(); c.close()
    return r.status, b.decode("utf-8", "replace")

def leftovers():
    out = []
    for dp, dn, fn in os.walk(TMP): out += [os.path.join(dp, f) for f in fn] + [os.path.join(dp, d) for d in dn]
    return out

def newrecs(a, b, tag="N"):
    return ("\n".join(json.dumps({"id": "%s-%05d" % (tag, i), "title": "搬送ロボットの制御装置 %d" % i,
                       "abstract": "搬送ロボットの把持部を制御する。番号%d" % i, "ipc": ["B25J9/16"]}, ensure_ascii=False)
                      for i in range(a, b)) + "\n").encode()

start("--upload-max", "1", "--upload-time", "5", "--upload-rows", "500", "--upload-decompressed", "2")
d0 = info()
# 1 Content-Length over the max: 413 before the body
t0 = time.time()
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
s.sendall(b"POST /api/add?name=big.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % (5 << 20))
try: r = s.recv(4096).decode("utf-8", "replace")
except socket.timeout: r = "TIMEOUT"
s.close()
case("1 Content-Length 5 MiB over --upload-max 1: 413 at once naming the option", r.startswith("HTTP/1.1 413") and "upload-max" in r and time.time()-t0 < 3, r[:400])

# 2 trickle: 1 byte/0.5 s; expect 408 after ~5 s
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(30)
body = newrecs(0, 3, "TR")
s.sendall(b"POST /api/add?name=trickle.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body))
t0 = time.time(); r = b""; i = 0
try:
    while time.time() - t0 < 25:
        s.sendall(body[i:i+1]); i += 1
        s.settimeout(0.5)
        try:
            chunk = s.recv(4096)
            if chunk: r += chunk; break
            else: break
        except socket.timeout: pass
except (BrokenPipeError, ConnectionResetError) as e: r += b"<" + str(e).encode() + b">"
dt = time.time() - t0; s.close()
r = r.decode("utf-8", "replace")
case("2 trickled body: 408 within ~5-8 s naming upload-time", "408" in r[:20] and dt < 9 and "upload-time" in r, "%.1fs %r" % (dt, r[:300]))
time.sleep(0.5)
case("2b index unchanged after trickle", info() == d0, info())

# 3 chunked body over the max (no Content-Length)
def chunked_post(path, gen):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("POST", path, body=gen, encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
        r = c.getresponse(); return r.status, r.read().decode("utf-8", "replace")
    except Exception as e: return "EXC", repr(e)
def fat(a, b, tag, kb):
    return ("\n".join(json.dumps({"id": "%s-%05d" % (tag, i), "title": "搬送装置",
        "abstract": "搬送ロボット" * (kb * 1024 // 18), "ipc": ["B25J9/16"]}, ensure_ascii=False) for i in range(a, b)) + "\n").encode()
def gen_big():
    for k in range(20): yield fat(k, k + 1, "CH", 300)
st, b = chunked_post("/api/add?name=chunked.jsonl", gen_big())
case("3 chunked body over --upload-max: 413 naming the option", st == 413 and "upload-max" in b, (st, b[:300]))
case("3b index unchanged", info() == d0, info())

# 4 zstd bomb: ~200 MB of JSONL in a small body
bomb = W + "/bomb.jsonl.zst"
with open(W + "/bomb.src", "wb") as f:
    rec = fat(0, 1, "BOMB", 500)
    f.write(rec * 400)
subprocess.run(["zstd", "-q", "-19", "-f", W + "/bomb.src", "-o", bomb], check=True)
os.remove(W + "/bomb.src")
zb = open(bomb, "rb").read()
t0 = time.time(); st, b = post("/api/add?name=bomb.jsonl.zst", zb)
case("4 zstd bomb (%d KB -> ~%d MB): 413 naming upload-decompressed, < 10 s" % (len(zb) // 1024, len(rec) * 400 >> 20),
     st == 413 and "upload-decompressed" in b and time.time() - t0 < 10, (st, b[:300], time.time() - t0))
case("4b index unchanged", info() == d0, info())
# 4c zstd stream that is many concatenated frames each under the limit
fr = subprocess.run(["zstd", "-q", "-c"], input=newrecs(0, 300, "FR"), capture_output=True).stdout
st, b = post("/api/add?name=frames.jsonl.zst", fr * 40)
case("4c 40 concatenated zstd frames over rows/decompressed: refused 413", st == 413, (st, b[:300]))
# 4d truncated zstd
st, b = post("/api/add?name=trunc.jsonl.zst", fr[: len(fr) // 2])
case("4d truncated zstd: 400, index unchanged", st == 400 and info() == d0, (st, b[:300]))
# 4e zstd with garbage after the frame
st, b = post("/api/add?name=garb.jsonl.zst", fr + b"\x00garbage" * 10)
case("4e zstd + trailing garbage: 400 (not half applied)", st == 400 and info() == d0, (st, b[:300], info()))

# 5 rows over --upload-rows 500
st, b = post("/api/add?name=rows.jsonl", newrecs(0, 501, "RW"))
case("5 501 rows over --upload-rows 500: 413 naming the option", st == 413 and "upload-rows" in b, (st, b[:300]))
case("5b index unchanged", info() == d0, info())
# 5c exactly 500 rows is fine
st, b = post("/api/add?name=rows500.jsonl", newrecs(0, 500, "R5"))
case("5c 500 rows accepted", st == 200, (st, b[:300]))
d1 = info()
case("5d docs +500", d1[0] == d0[0] + 500, (d0, d1))
# 5e 500 rows + 1 repeating an id (merged within file): rows counted as records?
st, b = post("/api/add?name=rows500b.jsonl", newrecs(1000, 1500, "R6") + newrecs(1000, 1001, "R6"))
print("   5e 501 records, 500 distinct:", st, b[:200], flush=True)

# 6 concurrent uploads: 6 at once, distinct ids; each either 200 or 409 (busy); all 200s present
d1 = info()
outs = [None] * 6
def up(k):
    try: outs[k] = post("/api/add?name=c%d.jsonl" % k, newrecs(0, 200, "CC%d" % k))
    except Exception as e: outs[k] = ("EXC", repr(e))
ths = [threading.Thread(target=up, args=(k,)) for k in range(6)]
[t.start() for t in ths]; [t.join() for t in ths]
okk = [k for k in range(6) if outs[k][0] == 200]
others = [outs[k] for k in range(6) if outs[k][0] != 200]
d2 = info()
case("6 concurrent: each 200 or 409", all(o[0] in (200, 409) for o in outs), outs)
case("6b docs = before + 200 x accepted", d2[0] == d1[0] + 200 * len(okk), (d1, d2, len(okk)))
print("   6: accepted %d, others %s" % (len(okk), [o[:1] + (o[1][:120],) for o in others]), flush=True)
# search one id per accepted upload through the server
for k in okk:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/api/search?q=" + "CC%d-00007" % k); r = c.getresponse(); bb = r.read().decode()
    case("6c upload %d visible through the server" % k, ("CC%d-00007" % k) in bb, bb[:200])
case("6d no temp files left", leftovers() == [], leftovers())
rc, o = check(); case("6e check clean", rc == 0, o[-400:])

# 7 SIGTERM while an upload trickles in
d3 = info()
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(30)
body = newrecs(0, 50, "TERM")
s.sendall(b"POST /api/add?name=term.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:len(body) // 2])
time.sleep(1)
t0 = time.time(); rc = stop(); dt = time.time() - t0
case("7 SIGTERM during upload: server exits within 20 s", rc != "HANG", (rc, dt))
print("   7: exit %s after %.1fs" % (rc, dt), flush=True)
s.close()
case("7b index unchanged", info() == d3, (d3, info()))
case("7c temp dir emptied", leftovers() == [], leftovers())
rc, o = check(); case("7d check clean", rc == 0, o[-400:])

# 8 SIGTERM/SIGKILL while a large upload is applied
start("--upload-max", "64", "--upload-rows", "20000")
d4 = info()
big = newrecs(0, 15000, "BIG")
res8 = [None]
def up8():
    try: res8[0] = post("/api/add?name=big.jsonl", big, timeout=120)
    except Exception as e: res8[0] = ("EXC", repr(e))
th = threading.Thread(target=up8); th.start()
time.sleep(1.5)
def stage():
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/api/updates")
        return c.getresponse().read().decode()[:200]
    except Exception as e: return repr(e)
print("   8: stage at kill:", stage(), flush=True)
t0 = time.time(); rc = stop(signal.SIGTERM); dt = time.time() - t0; th.join()
d5 = info()
print("   8: SIGTERM exit %s after %.1fs, client got %s, docs %s -> %s" % (rc, dt, str(res8[0])[:150], d4, d5), flush=True)
case("8 SIGTERM while applied: no hang", rc != "HANG", dt)
case("8b index all-or-nothing (and 200 iff committed)", (d5 == d4 and (res8[0] or [0])[0] != 200) or (d5[0] == d4[0] + 15000), (d4, d5, str(res8[0])[:200]))
case("8c temp dir emptied", leftovers() == [], leftovers())
rc, o = check(); case("8d check clean", rc == 0, o[-400:])
for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
    start("--upload-max", "64", "--upload-rows", "20000")
    dA = info()
    th = threading.Thread(target=up8); res8[0] = None; th.start(); time.sleep(delay)
    stg = stage(); srv.kill(); srv.wait(); th.join()
    dB = info()
    case("8e SIGKILL at %.1fs (%s): all or nothing" % (delay, stg[:60]), dB == dA or dB[0] == dA[0] + 15000, (dA, dB))
    rc, o = check(); case("8f check clean after SIGKILL at %.1fs" % delay, rc == 0, o[-300:])
    big = newrecs(0, 15000, "BIG%d" % int(delay * 10))
lo = leftovers()
print("   after SIGKILLs, temp leftovers (expected: a killed server cannot clean):", len(lo), flush=True)
start(); st, b = post("/api/add?name=after.jsonl", newrecs(0, 3, "AFT"))
case("9 upload after the kills works", st == 200, (st, b[:300]))
stop()
fails = [r for r in res if not r[1]]
print("\n%d cases, %d held, %d failed" % (len(res), len(res) - len(fails), len(fails)))
