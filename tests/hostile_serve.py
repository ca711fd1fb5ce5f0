"""hostile_serve.py — `tenyo serve` against hostile clients, on loopback
only, every loop bounded: misspelt GET arguments, a bind address other than
127.0.0.1, absolute paths in /api/info, hundreds of idle sockets from the
analyst's own address (a burst of thousands answered at once), an unknown
Transfer-Encoding and thousands of query arguments. Prints "ok NAME" / "FAIL NAME (why)" lines for tests/hostile.sh.

Usage: python3 tests/hostile_serve.py TENYO INDEX
"""
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time

T, INDEX = sys.argv[1], sys.argv[2]
results = []


def check(name, cond, why=""):
    results.append(cond)
    print(("ok   %s" % name) if cond else ("FAIL %s (%s)" % (name, why)))
    sys.stdout.flush()


def start(*args, bind="127.0.0.1"):
    """The server on a free port; returns (process, port)."""
    log = open(os.path.join(os.path.dirname(INDEX), "serve-%s.log" % bind), "w+")
    p = subprocess.Popen([T, "serve", INDEX, "--port", "0", "--bind", bind, "--quiet", *args],
                         stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(200):
        log.seek(0)
        m = re.search(r"listening on http://[^:]+:(\d+)/", log.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    raise SystemExit("server did not start: " + open(log.name).read())


def raw(port, data, host="127.0.0.1", timeout=5.0):
    """Send data, read to the end; (status line, body, seconds)."""
    s = socket.create_connection((host, port), timeout=timeout)
    t0 = time.monotonic()
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        out += b"<timeout>"
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode("latin-1"), body, time.monotonic() - t0


def get(port, path, host="127.0.0.1", hosthdr=None):
    req = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
        path, hosthdr or "%s:%d" % (host, port))
    return raw(port, req.encode(), host=host)


p, port = start("--threads", "2")
try:
    # 12/14. the Host header as RFC 9112 has it: one, present on 1.1, a
    # port of digits; a name with a space is not a header to skip
    def hosts(lines):
        req = "GET /healthz HTTP/1.1\r\n" + "".join(l + "\r\n" for l in lines) + \
              "Connection: close\r\n\r\n"
        return raw(port, req.encode())[0]
    st = hosts(["Host: localhost:%d" % port, "Host: evil.example"])
    check("serve_host_twice_400", st.endswith("400 Bad Request"), st)
    st = hosts([])
    check("serve_host_missing_11_400", st.endswith("400 Bad Request"), st)
    st = hosts(["Host : evil.example"])
    check("serve_host_name_space_400", st.endswith("400 Bad Request"), st)
    st = hosts(["Host: 127.0.0.1:%d@evil.example" % port])
    check("serve_host_port_not_digits_403", st.endswith("403 Forbidden"), st)
    st = hosts(["Host: localhost:99999"])
    check("serve_host_port_too_big_403", st.endswith("403 Forbidden"), st)
    st = hosts(["Host: localhost:%d" % port])
    check("serve_host_localhost_port_200", st.endswith("200 OK"), st)
    st = raw(port, b"GET /healthz HTTP/1.0\r\n\r\n")[0]
    check("serve_host_missing_10_200", st.endswith("200 OK"), st)
    # 8. a misspelt argument is refused like a misspelt POST member
    st, body, _ = get(port, "/api/similar?id=SAMPLE-001&date_form=2024")
    check("serve_get_unknown_argument_400", st.endswith("400 Bad Request"), st)
    check("serve_get_unknown_argument_says_which", b"date_form" in body and b"date_from" in body,
          body[:200])
    for path in ("/api/search?q=robot&kk=3", "/api/patent/SAMPLE-001?mdoe=lsa",
                 "/api/resolve?q=SAMPLE-001&x=1", "/api/profile?id=SAMPLE-001&nn=3",
                 "/api/map?doc=SAMPLE-001&labell=x", "/api/info?verbose=1", "/healthz?x"):
        st, body, _ = get(port, path)
        check("serve_get_unknown_argument_400 %s" % path.split("?")[0],
              st.endswith("400 Bad Request") and b"unknown argument" in body, st)
    for path in ("/api/similar?id=SAMPLE-001&date_from=2020&k=3&mode=lsa",
                 "/api/search?q=%E8%BB%8A%E4%B8%A1&k=3&fields=B60W",
                 "/api/patent/SAMPLE-001?k=3&mode=lsa", "/api/resolve?q=SAMPLE-001",
                 "/api/profile?id=SAMPLE-001&n=3&lang=en", "/api/info", "/healthz",
                 "/api/similar?id=SAMPLE-001&"):
        st, body, _ = get(port, path)
        check("serve_get_known_arguments_200 %s" % path, st.endswith("200 OK"), st + " " +
              body[:200].decode("utf-8", "replace"))

    # 12. /api/info names files, not the analyst's directories
    st, body, _ = get(port, "/api/info")
    info = json.loads(body)
    check("serve_info_no_absolute_path", not info["path"].startswith("/") and
          "/" not in json.dumps(info.get("licensable", {})), info["path"])

    # 14. an unknown transfer coding is answered at once; 5,000 arguments too
    st, _, secs = raw(port, b"POST /api/ideas HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Transfer-Encoding: xchunked\r\nConnection: close\r\n\r\n{}", timeout=10)
    check("serve_xchunked_answered_at_once", st.startswith("HTTP/1.1 501") and secs < 2,
          "%s after %.1f s" % (st, secs))
    st, _, secs = raw(port, b"POST /api/ideas HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding:"
                      b" chunked\r\nConnection: close\r\n\r\n13\r\n{\"id\":\"SAMPLE-001\"}\r\n0"
                      b"\r\n\r\n", timeout=10)
    check("serve_chunked_still_read", st.endswith("200 OK"), st)
    for n in (641, 5000, 30000):
        q = "&".join("a%d=1" % i for i in range(n))
        st, body, _ = get(port, "/api/similar?" + q)
        check("serve_%d_arguments_answered" % n, st.startswith("HTTP/1.1 414"), st or "no response")
    q = "&".join("doc=SAMPLE-%03d" % (i % 200 + 1) for i in range(200))
    st, _, _ = get(port, "/api/map?" + q)
    check("serve_200_doc_arguments_200", st.endswith("200 OK"), st)

    # 10a. a Content-Length that is no byte count: one answer (JSON), its
    # headers sent once, not twice; --quiet keeps libmicrohttpd's line about
    # each bad request out of the log
    for name, v in (("minus1", b"-1"), ("1x", b"1x"), ("huge", b"9" * 24)):
        st, body, _ = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                          + v + b"\r\nConnection: close\r\n\r\n")
        try:
            err = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            err = None
        check("serve_content_length_%s_answered_once" % name,
              st.startswith("HTTP/1.1 4") and b"HTTP/1.1" not in body and bool(err),
              "%s, body %r" % (st, body[:160]))
    for r in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
              b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColon\r\n\r\n"):
        raw(port, r, timeout=2)
    time.sleep(0.3)
    with open(os.path.join(os.path.dirname(INDEX), "serve-127.0.0.1.log")) as f:
        lines = [l for l in f if "libmicrohttpd" in l]
    check("serve_quiet_no_library_lines", not lines, "%d lines, the first %r"
          % (len(lines), lines[:1]))

    # 10. idle sockets from 127.0.0.1 (every local client's address)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    for count in (300, 1100):
        idle = []
        refused = 0
        for _ in range(count):
            try:
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                refused += 1
        time.sleep(0.3)
        t0 = time.monotonic()
        ok = False
        while time.monotonic() - t0 < 5:  # bounded: 5 s
            try:
                st, _, _ = get(port, "/healthz")
                if st.endswith("200 OK"):
                    ok = True
                    break
            except OSError:
                pass
            time.sleep(0.2)
        waited = time.monotonic() - t0
        limit_ok = waited < (0.5 if count == 300 else 3)
        check("serve_%d_idle_sockets_healthz" % count, ok and limit_ok,
              "healthz %s after %.1f s (%d refused)" % ("ok" if ok else "failing", waited,
                                                         refused))
        for s in idle:
            s.close()
        time.sleep(0.5)
    st, _, _ = get(port, "/healthz")
    check("serve_after_idle_sockets", st.endswith("200 OK"), st)

    # 11. a burst of idle sockets from 127.0.0.1, then at once one /healthz
    # (no retries): answered in well under a second, not after the burst
    # has been accepted one pass over every socket at a time
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    for count in (1500, 4000):
        if count + 100 > min(hard, 8192):
            print("skip serve_%d_idle_burst_healthz_fast: descriptor limit %d" % (count, hard))
            continue
        idle = []
        for _ in range(count):
            try:
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        try:
            st, _, secs = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              b"Connection: close\r\n\r\n", timeout=20)
        except OSError as e:
            st, secs = "no answer (%s)" % e, 20.0
        check("serve_%d_idle_burst_healthz_fast" % count, st.endswith("200 OK") and secs < 0.5,
              "%s after %.3f s, %d sockets opened" % (st, secs, len(idle)))
        for s in idle:
            s.close()
        time.sleep(0.5)
    st, _, _ = get(port, "/healthz")
    check("serve_after_idle_burst", st.endswith("200 OK"), st)
finally:
    p.terminate()
    p.wait(timeout=20)

# 12. bound to 127.0.0.2: the URL it prints works
try:
    p, port = start(bind="127.0.0.2")
except SystemExit as e:
    print("skip serve_bind_127_0_0_2: %s" % e)
else:
    try:
        st, _, _ = get(port, "/healthz", host="127.0.0.2")
        check("serve_bind_127_0_0_2_answers", st.endswith("200 OK"), st)
        st, _, _ = get(port, "/healthz", host="127.0.0.2", hosthdr="evil.example:%d" % port)
        check("serve_bind_127_0_0_2_other_host_403", st.endswith("403 Forbidden"), st)
        st, _, _ = get(port, "/healthz", host="127.0.0.2", hosthdr="127.0.0.22:%d" % port)
        check("serve_bind_127_0_0_2_prefix_host_403", st.endswith("403 Forbidden"), st)
    finally:
        p.terminate()
        p.wait(timeout=20)

print("%d passed, %d failed" % (sum(results), len(results) - sum(results)))
