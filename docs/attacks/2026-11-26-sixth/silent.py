#!/usr/bin/env python3
# headers + 1 byte of an upload, then silence: when and how does the server end it?
import socket, subprocess, sys, time, os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
T = ROOT + "/build/tenyo"
srv = subprocess.Popen([T, "serve", sys.argv[1], "--port", "0", "--writable", "--upload-time", "4"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
l = srv.stdout.readline()
while "http://" not in l: l = srv.stdout.readline()
port = int(l.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(120)
s.sendall(b"POST /api/add?name=silent.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
t0 = time.time(); r = s.recv(4096); dt = time.time() - t0
print("after %.1fs: %r" % (dt, r[:120]))
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
s2 = socket.create_connection(("127.0.0.1", port)); s2.settimeout(10)
s2.sendall(b"POST /api/add?name=next.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\n{}\n")
print("next upload:", s2.recv(300)[:60])
srv.terminate(); out = srv.communicate()[0]; print(out[-600:])
