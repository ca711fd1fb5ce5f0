#!/usr/bin/env python3
# chunked body over --upload-max on a raw socket: does the client get the 413?
import socket, subprocess, sys, time, json, os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"; X = sys.argv[1]
srv = subprocess.Popen([T, "serve", X, "--port", "0", "--writable", "--upload-max", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
l = srv.stdout.readline()
while "http://" not in l: l = srv.stdout.readline()
port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
s.sendall(b"POST /api/add?name=chunked.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
chunk = b"x" * 65536
sent = 0; err = None
try:
    for k in range(64):
        s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n"); sent += len(chunk)
    s.sendall(b"0\r\n\r\n")
except Exception as e: err = repr(e)
try: r = s.recv(4096).decode("utf-8", "replace")
except Exception as e: r = "recv: " + repr(e)
print("sent %d KiB, send error %s\nresponse: %s" % (sent >> 10, err, r[:400]))
srv.terminate(); srv.wait()
