/*
 * chaos_client.c — malformed-request generator for `tenyo serve`, run by
 * bench/serve_chaos.sh beside a wrk load. For SECONDS it keeps sending, on
 * fresh connections from --workers threads, requests drawn from a fixed
 * table of hostile cases: truncated request lines and headers, garbage and
 * binary methods, huge and countless headers, bodies longer and shorter
 * than their Content-Length, broken chunked encoding, invalid UTF-8 and
 * JSON, JSON nested 30,000 deep, %-escapes (bad ones and %00), overlong
 * query strings, k / n out of range or not numbers, a foreign Host,
 * connections closed mid-body. At the same time one thread holds --slow
 * slowloris connections (half send headers one byte a second, half send a
 * body one byte a second) and probes the server once a second with a
 * fresh GET /healthz, so that slow clients eating the server's connection
 * slots or threads would show as failed probes.
 *
 * Each case names the answers it accepts (e.g. "400 404 none": a 400 or a
 * 404 status, or the server closing without a status line). What it
 * prints, one "CHAOS" line per item, is read by serve_chaos.sh:
 *   CHAOS sent=N aborted=N unexpected=N        totals
 *   CHAOS status 400=N 404=N ... none=N timeout=N   histogram of answers
 *   CHAOS case NAME n=N 400=N ... [UNEXPECTED]  per case
 *   CHAOS slow opened=N closed_by_server=N held_max_s=S
 *   CHAOS probe n=N failed=N max_ms=M
 * and exits 0 when no answer was unexpected, 1 otherwise.
 *
 * Plain blocking sockets with SO_RCVTIMEO, one request per connection:
 * the point is to reach the server's parsing states (mid-request-line,
 * mid-header, mid-body), which is exactly what a well-behaved client
 * library such as curl will not do. Rejected: a shell loop of printf | nc
 * (nc is not installed here, and one process per request would measure
 * fork speed, not the server).
 *
 * Usage: chaos_client HOST PORT SECONDS [--workers N] [--slow N] [--id ID]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CH_MAX_CODES 600          /* status codes 0..599 counted */
#define CH_NONE 600               /* closed without a status line */
#define CH_TIMEOUT 601            /* no answer within CH_RECV_TIMEOUT */
#define CH_CONNFAIL 602           /* connect() failed */
#define CH_NSLOTS 603             /* histogram slots */
#define CH_RECV_TIMEOUT 15        /* seconds to wait for an answer */
#define CH_MAX_SLOW 512           /* --slow cap */

/* How a case sends its bytes. */
enum ch_how {
    CH_SEND,        /* send everything, read the answer */
    CH_HALFCLOSE,   /* send, shut down writing (EOF to the server), read */
    CH_ABORT        /* send, close at once without reading */
};

/* One kind of hostile request. */
typedef struct ch_case {
    const char *name;           /* short name for the report */
    const char *accept;         /* accepted answers: " 400 404 none " */
    enum ch_how how;            /* send mode */
    char *req;                  /* request bytes (built at start) */
    size_t len;                 /* bytes in req */
    unsigned long hist[CH_NSLOTS]; /* answers seen (under ch_mu) */
    unsigned long n;            /* times sent (under ch_mu) */
} ch_case;

static ch_case ch_cases[128];
static int ch_ncases;
static pthread_mutex_t ch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sockaddr_in ch_addr;
static double ch_deadline;
static char ch_host[64];        /* "127.0.0.1:PORT" for Host headers */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift per thread: the choice of cases, not security. */
static unsigned rnd(unsigned *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ================================================== building cases */

/* Add a case whose request is the n bytes at p (copied). */
static void add_bytes(const char *name, const char *accept, enum ch_how how,
                      const char *p, size_t n) {
    if (ch_ncases == (int)(sizeof ch_cases / sizeof *ch_cases)) {
        fprintf(stderr, "chaos_client: too many cases\n");
        exit(2);
    }
    ch_case *c = &ch_cases[ch_ncases++];
    c->name = name;
    c->accept = accept;
    c->how = how;
    c->req = malloc(n + 1);
    if (!c->req) {
        fprintf(stderr, "chaos_client: out of memory\n");
        exit(2);
    }
    memcpy(c->req, p, n);
    c->req[n] = 0;
    c->len = n;
}

/* Add a case from a printf format ("%H" is not special: callers pass
 * ch_host themselves). */
static void add_fmt(const char *name, const char *accept, enum ch_how how,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_fmt(const char *name, const char *accept, enum ch_how how,
                    const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "chaos_client: out of memory\n");
        exit(2);
    }
    add_bytes(name, accept, how, s, (size_t)n);
    free(s);
}

/* A POST /api/ideas with the given body and a correct Content-Length. */
static void add_post(const char *name, const char *accept, const char *body, size_t blen) {
    char *s = NULL;
    int n = asprintf(&s, "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n", ch_host, blen);
    if (n < 0) exit(2);
    char *r = malloc((size_t)n + blen);
    if (!r) exit(2);
    memcpy(r, s, (size_t)n);
    memcpy(r + n, body, blen);
    add_bytes(name, accept, CH_SEND, r, (size_t)n + blen);
    free(r);
    free(s);
}

/* A GET of path (which carries its query) with Connection: close. */
static void add_get(const char *name, const char *accept, const char *path) {
    add_fmt(name, accept, CH_SEND, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
            path, ch_host);
}

/* A string of n copies of unit (unit_len bytes), NUL-terminated. */
static char *repeat(const char *unit, size_t n) {
    size_t ul = strlen(unit);
    char *s = malloc(ul * n + 1);
    if (!s) exit(2);
    for (size_t i = 0; i < n; i++) memcpy(s + i * ul, unit, ul);
    s[ul * n] = 0;
    return s;
}

static void build_cases(const char *id) {
    char buf[4096];
    const char *H = ch_host;
    /* --- request line and framing */
    add_bytes("trunc_request_line", " none 400 ", CH_HALFCLOSE, "GET /api/simi", 13);
    snprintf(buf, sizeof buf, "GET /healthz HTTP/1.1\r\nHost: %s\r\nAcc", H);
    add_bytes("trunc_headers", " none 400 ", CH_HALFCLOSE, buf, strlen(buf));
    add_fmt("garbage_method", " 405 400 501 ", CH_SEND,
            "BREW /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", H);
    add_fmt("garbage_method_unknown_path", " 404 400 501 ", CH_SEND,
            "XYZZY /nowhere HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", H);
    snprintf(buf, sizeof buf, "\x01\xff\x7f / HTTP/1.1\r\nHost: %s\r\n\r\n", H);
    add_bytes("binary_method", " none 400 404 405 501 ", CH_SEND, buf, strlen(buf));
    {
        unsigned s = 12345;
        for (int i = 0; i < 512; i++) buf[i] = (char)(rnd(&s) & 0xff);
        add_bytes("random_bytes", " none 400 404 405 414 431 501 505 ", CH_HALFCLOSE, buf, 512);
    }
    add_bytes("no_version", " none 400 505 ", CH_HALFCLOSE, "GET /healthz\r\n\r\n", 16);
    add_fmt("bad_version", " 400 505 none ", CH_SEND,
            "GET /healthz HTTP/9.9\r\nHost: %s\r\nConnection: close\r\n\r\n", H);
    add_bytes("http2_preface", " none 400 505 ", CH_HALFCLOSE,
              "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    add_fmt("header_without_colon", " 400 none ", CH_SEND,
            "GET /healthz HTTP/1.1\r\nHost: %s\r\nThisIsNotAHeader\r\nConnection: close\r\n\r\n", H);
    add_fmt("ctl_in_path", " 400 404 none ", CH_SEND,
            "GET /api/\x01\x02patent HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", H);
    add_fmt("host_foreign", " 403 ", CH_SEND,
            "GET /api/info HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    /* libmicrohttpd (not strict) takes HTTP/1.1 without Host as 1.0 */
    add_fmt("host_missing_http11", " 400 200 ", CH_SEND,
            "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    /* --- huge request heads */
    {
        char *v = repeat("a", 200 * 1024);
        add_fmt("huge_header", " none 400 413 431 ", CH_SEND,
                "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n", H, v);
        free(v);
        v = repeat("X-Many: v\r\n", 20000);
        add_fmt("many_headers", " none 400 413 431 ", CH_SEND,
                "GET /healthz HTTP/1.1\r\nHost: %s\r\n%s\r\n", H, v);
        free(v);
        v = repeat("a", 300 * 1024);
        add_fmt("overlong_query", " none 400 413 414 431 ", CH_SEND,
                "GET /api/similar?text=%s HTTP/1.1\r\nHost: %s\r\n\r\n", v, H);
        free(v);
        /* 18 KB of escaped text (6 KB of katakana) is a fine query */
        v = repeat("%E3%83%AD%E3%83%9C%E3%83%83%E3%83%88", 500);
        snprintf(buf, sizeof buf, "/api/similar?k=3&text=");
        char *path = malloc(strlen(buf) + strlen(v) + 1);
        if (!path) exit(2);
        strcpy(path, buf);
        strcat(path, v);
        add_get("long_query_valid", " 200 ", path);
        free(path);
        free(v);
        v = repeat("a", 40 * 1024);
        char *body = malloc(strlen(v) + 32);
        if (!body) exit(2);
        sprintf(body, "{\"text\":\"%s\"}", v);
        add_post("text_over_limit", " 413 ", body, strlen(body));
        free(body);
        free(v);
    }
    /* --- bodies and Content-Length */
    add_fmt("body_too_large", " 413 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n{\"id\":", H);
    add_fmt("body_longer_than_cl", " 400 404 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n"
            "{\"id\":\"%s\"}GARBAGE / HTTP/1.1\r\n\r\n", H, id);
    add_fmt("body_shorter_than_cl", " none 400 ", CH_HALFCLOSE,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n{\"id\":\"%s\"}", H, id);
    add_fmt("closed_mid_body", " ", CH_ABORT,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n\r\n{\"text\":\"%s",
            H, "abcdefghijklmnopqrstuvwxyz");
    add_fmt("closed_after_headers", " ", CH_ABORT,
            "GET /api/similar?id=%s&k=100 HTTP/1.1\r\nHost: %s\r\n\r\n", id, H);
    add_fmt("cl_negative", " 400 413 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}", H);
    add_fmt("cl_huge", " 400 413 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 99999999999999999999999\r\n"
            "Connection: close\r\n\r\n{}", H);
    add_fmt("cl_not_number", " 400 413 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 1x\r\nConnection: close\r\n\r\n{}", H);
    add_fmt("cl_twice", " 400 413 none ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\nContent-Length: 30\r\n"
            "Connection: close\r\n\r\n{}", H);
    add_fmt("chunked_bad_size", " 400 none ", CH_HALFCLOSE,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", H);
    add_fmt("chunked_huge_size", " 400 413 none ", CH_HALFCLOSE,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
            "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", H);
    add_fmt("chunked_ok_json_bad", " 400 ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "3\r\n{\"i\r\n2\r\nd\"\r\n0\r\n\r\n", H);
    add_fmt("empty_body", " 400 ", CH_SEND,
            "POST /api/ideas HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", H);
    /* --- JSON bodies */
    add_post("json_invalid_utf8", " 400 ", "{\"text\":\"\xff\xfe\xfd\xc3\x28\"}", 15);
    add_post("json_nul_escape", " 400 200 ", "{\"text\":\"a\\u0000b\"}", 19);
    static const char *const bad_json[] = {
        "{\"id\": }", "{", "nul", "{\"id\":\"a\",}", "\"str\"", "[]", "{\"id\":1}",
        "{\"text\":\"\"}", "{\"id\":\"a\",\"text\":\"b\"}", "{\"id\":null}", "\x00\x01{}",
        "{\"text\":\"x\"} trailing", "{\"text\":\"\\ud800\"}", "1e999999"};
    for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++) {
        static char names[16][24];
        snprintf(names[i], sizeof names[i], "json_bad_%zu", i);
        add_post(names[i], " 400 ", bad_json[i], i == 10 ? 4 : strlen(bad_json[i]));
    }
    {
        char *deep = repeat("[", 30000);
        add_post("json_deep_array", " 400 ", deep, strlen(deep));
        free(deep);
        char *obj = repeat("{\"a\":", 10000);
        add_post("json_deep_object", " 400 ", obj, strlen(obj));
        free(obj);
        char *homes = repeat("\"B60W\",", 200);
        homes[strlen(homes) - 1] = 0;
        snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"home\":[%.3000s]}", id, homes);
        add_post("home_too_many", " 400 ", buf, strlen(buf));
        free(homes);
    }
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"bogus\":1}", id);
    add_post("json_unknown_member", " 400 ", buf, strlen(buf));
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"id\":\"%s\"}", id, id);
    add_post("json_duplicate_key", " 400 ", buf, strlen(buf));
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"home\":[\"ZZZZ\"]}", id);
    add_post("home_not_subclass", " 400 ", buf, strlen(buf));
    static const char *const bad_n[] = {"0", "51", "-1", "1e3", "\"10\"", "1.5",
                                        "99999999999999999999", "null", "true"};
    for (size_t i = 0; i < sizeof bad_n / sizeof *bad_n; i++) {
        static char names[16][24];
        snprintf(names[i], sizeof names[i], "n_bad_%zu", i);
        snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"n\":%s}", id, bad_n[i]);
        add_post(names[i], " 400 ", buf, strlen(buf));
    }
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"distance\":\"galaxy\",\"lang\":\"xx\"}", id);
    add_post("json_bad_enums", " 400 ", buf, strlen(buf));
    add_post("unknown_id", " 404 ", "{\"id\":\"NO-SUCH-PATENT\"}", 23);
    /* --- query strings and paths */
    static const char *const bad_k[] = {"0", "101", "-1", "abc", "1e2", "99999999999999999999",
                                        "%00", "", "10%00", "+5", "%20%31"};
    for (size_t i = 0; i < sizeof bad_k / sizeof *bad_k; i++) {
        static char names[16][24];
        snprintf(names[i], sizeof names[i], "k_bad_%zu", i);
        snprintf(buf, sizeof buf, "/api/similar?id=%s&k=%s", id, bad_k[i]);
        add_get(names[i], i >= 9 ? " 400 200 " : " 400 ", buf);
    }
    add_get("mode_bad", " 400 ", "/api/similar?text=abc&mode=%ff%fe");
    add_get("percent_bad_escapes", " 200 400 ", "/api/similar?text=%E3%81%82%ZZ%&k=%31%30");
    add_get("percent_nul_text", " 400 ", "/api/similar?text=%00%00");
    add_get("id_and_text", " 400 ", "/api/similar?id=a&text=b");
    add_get("patent_nul", " 404 400 ", "/api/patent/%00");
    add_get("patent_empty", " 400 ", "/api/patent/");
    add_get("path_traversal", " 404 ", "/../../etc/passwd");
    add_get("patent_traversal", " 404 ", "/api/patent/../../etc/passwd");
    add_get("map_fields_bad", " 400 404 ", "/api/map?fields=2");
    {
        char *docs = repeat("doc=X&", 300);
        char *path = malloc(strlen(docs) + 16);
        if (!path) exit(2);
        sprintf(path, "/api/map?%s", docs);
        add_get("map_too_many_docs", " 400 404 ", path);
        free(path);
        free(docs);
    }
    add_fmt("post_to_get_route", " 405 ", CH_SEND,
            "POST /api/similar HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", H);
    add_get("get_ideas", " 405 ", "/api/ideas");
    /* --- controls: well-formed requests must still work */
    add_get("control_healthz", " 200 ", "/healthz");
    snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"n\":3}", id);
    add_post("control_ideas", " 200 ", buf, strlen(buf));
}

/* ======================================================== the workers */

/* A connected socket with send/receive timeouts, or -1. */
static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval tv = {.tv_sec = CH_RECV_TIMEOUT, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&ch_addr, sizeof ch_addr)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send one case on a fresh connection; the histogram slot of the answer,
 * or -1 for an aborted (client-closed) case. */
static int run_case(const ch_case *c) {
    int fd = dial();
    if (fd < 0) return CH_CONNFAIL;
    size_t off = 0;
    while (off < c->len) { /* the server may close first: then read what it said */
        ssize_t w = send(fd, c->req + off, c->len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (c->how == CH_ABORT) {
        close(fd);
        return -1;
    }
    if (c->how == CH_HALFCLOSE) shutdown(fd, SHUT_WR);
    char r[64];
    size_t got = 0;
    int slot = CH_NONE;
    while (got < sizeof r - 1) {
        ssize_t n = recv(fd, r + got, sizeof r - 1 - got, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            slot = CH_TIMEOUT;
            break;
        }
        if (n <= 0) break;
        got += (size_t)n;
        r[got] = 0;
        if (strchr(r, '\n')) break;
    }
    r[got] = 0;
    int code;
    if (slot == CH_NONE && got >= 12 && !strncmp(r, "HTTP/1.", 7) &&
        sscanf(r + 9, "%3d", &code) == 1 && code >= 100 && code < CH_MAX_CODES)
        slot = code;
    close(fd);
    return slot;
}

/* 1 when answer slot is among the case's accepted answers. */
static int accepted(const ch_case *c, int slot) {
    char tok[16];
    if (slot == CH_NONE) snprintf(tok, sizeof tok, " none ");
    else if (slot == CH_TIMEOUT) snprintf(tok, sizeof tok, " timeout ");
    else if (slot == CH_CONNFAIL) return 0;
    else snprintf(tok, sizeof tok, " %d ", slot);
    return strstr(c->accept, tok) != NULL;
}

static unsigned long ch_sent, ch_aborted;

static void *worker(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    while (now_s() < ch_deadline) {
        ch_case *c = &ch_cases[rnd(&seed) % (unsigned)ch_ncases];
        int slot = run_case(c);
        pthread_mutex_lock(&ch_mu);
        c->n++;
        ch_sent++;
        if (slot < 0) ch_aborted++;
        else c->hist[slot]++;
        pthread_mutex_unlock(&ch_mu);
    }
    return NULL;
}

/* ====================================================== slow clients */

static int ch_nslow;
static unsigned long slow_opened, slow_closed, probe_n, probe_failed;
static double slow_held_max, probe_max_ms;

/* One slowloris connection: fd, when opened, what it dribbles. */
typedef struct slow_conn {
    int fd;                     /* socket, -1 when closed */
    double t0;                  /* when opened */
    int body;                   /* 1: headers complete, body one byte a second */
} slow_conn;

/* Open a slow connection and send its fixed head. */
static void slow_open(slow_conn *s, int body) {
    char head[256];
    s->body = body;
    s->fd = dial();
    s->t0 = now_s();
    if (s->fd < 0) return;
    slow_opened++;
    if (body)
        snprintf(head, sizeof head, "POST /api/ideas HTTP/1.1\r\nHost: %s\r\n"
                 "Content-Length: 60000\r\n\r\n{\"text\":\"", ch_host);
    else
        snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: ", ch_host);
    if (send(s->fd, head, strlen(head), MSG_NOSIGNAL) < 0) {
        close(s->fd);
        s->fd = -1;
    }
}

/* GET /healthz on a fresh connection; milliseconds, or -1 on failure. */
static double probe(void) {
    static const char rq[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    double t0 = now_s();
    int fd = dial();
    if (fd < 0) return -1;
    char r[32] = "";
    ssize_t n = -1;
    if (send(fd, rq, sizeof rq - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof rq - 1))
        n = recv(fd, r, sizeof r - 1, 0);
    close(fd);
    if (n < 12 || strncmp(r + 8, " 200", 4)) return -1;
    return (now_s() - t0) * 1e3;
}

static void *slow_thread(void *arg) {
    (void)arg;
    slow_conn *sc = calloc((size_t)ch_nslow, sizeof *sc);
    if (!sc) return NULL;
    for (int i = 0; i < ch_nslow; i++) slow_open(&sc[i], i & 1);
    while (now_s() < ch_deadline) {
        for (int i = 0; i < ch_nslow; i++) {
            slow_conn *s = &sc[i];
            if (s->fd < 0) {
                slow_open(s, s->body);
                continue;
            }
            /* has the server answered or closed? then reopen */
            struct pollfd pf = {.fd = s->fd, .events = POLLIN};
            int dead = poll(&pf, 1, 0) > 0;
            if (!dead) dead = send(s->fd, "a", 1, MSG_NOSIGNAL) != 1;
            if (dead) {
                double held = now_s() - s->t0;
                if (held > slow_held_max) slow_held_max = held;
                slow_closed++;
                close(s->fd);
                s->fd = -1;
            }
        }
        double ms = probe();
        probe_n++;
        if (ms < 0) probe_failed++;
        else if (ms > probe_max_ms) probe_max_ms = ms;
        struct timespec one = {.tv_sec = 1, .tv_nsec = 0};
        nanosleep(&one, NULL);
    }
    for (int i = 0; i < ch_nslow; i++) {
        if (sc[i].fd < 0) continue;
        double held = now_s() - sc[i].t0;
        if (held > slow_held_max) slow_held_max = held;
        close(sc[i].fd);
    }
    free(sc);
    return NULL;
}

/* ============================================================== main */

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: chaos_client HOST PORT SECONDS [--workers N] [--slow N] [--id ID]\n");
        return 2;
    }
    int workers = 2;
    const char *id = "SAMPLE-001";
    ch_nslow = 16;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--workers")) workers = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--slow")) ch_nslow = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--id")) id = argv[i + 1];
        else {
            fprintf(stderr, "chaos_client: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (workers < 1 || workers > 64 || ch_nslow < 0 || ch_nslow > CH_MAX_SLOW ||
        strlen(id) > 200) {
        fprintf(stderr, "chaos_client: --workers 1..64, --slow 0..%d, --id at most 200 bytes\n",
                CH_MAX_SLOW);
        return 2;
    }
    memset(&ch_addr, 0, sizeof ch_addr);
    ch_addr.sin_family = AF_INET;
    ch_addr.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &ch_addr.sin_addr) != 1) {
        fprintf(stderr, "chaos_client: HOST must be an IPv4 address\n");
        return 2;
    }
    snprintf(ch_host, sizeof ch_host, "%s:%s", argv[1], argv[2]);
    build_cases(id);
    ch_deadline = now_s() + atof(argv[3]);
    pthread_t th[65];
    for (int i = 0; i < workers; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    if (ch_nslow) pthread_create(&th[workers], NULL, slow_thread, NULL);
    for (int i = 0; i < workers + (ch_nslow > 0); i++) pthread_join(th[i], NULL);

    /* report */
    unsigned long tot[CH_NSLOTS] = {0}, unexpected = 0;
    for (int i = 0; i < ch_ncases; i++)
        for (int s = 0; s < CH_NSLOTS; s++) {
            tot[s] += ch_cases[i].hist[s];
            if (ch_cases[i].hist[s] && !accepted(&ch_cases[i], s))
                unexpected += ch_cases[i].hist[s];
        }
    printf("CHAOS sent=%lu aborted=%lu unexpected=%lu cases=%d\n", ch_sent, ch_aborted,
           unexpected, ch_ncases);
    printf("CHAOS status");
    for (int s = 0; s < CH_NSLOTS; s++) {
        if (!tot[s]) continue;
        if (s == CH_NONE) printf(" none=%lu", tot[s]);
        else if (s == CH_TIMEOUT) printf(" timeout=%lu", tot[s]);
        else if (s == CH_CONNFAIL) printf(" connfail=%lu", tot[s]);
        else printf(" %d=%lu", s, tot[s]);
    }
    printf("\n");
    for (int i = 0; i < ch_ncases; i++) {
        const ch_case *c = &ch_cases[i];
        int bad = 0;
        printf("CHAOS case %s n=%lu", c->name, c->n);
        for (int s = 0; s < CH_NSLOTS; s++) {
            if (!c->hist[s]) continue;
            if (!accepted(c, s)) bad = 1;
            if (s == CH_NONE) printf(" none=%lu", c->hist[s]);
            else if (s == CH_TIMEOUT) printf(" timeout=%lu", c->hist[s]);
            else if (s == CH_CONNFAIL) printf(" connfail=%lu", c->hist[s]);
            else printf(" %d=%lu", s, c->hist[s]);
        }
        if (bad) printf("  UNEXPECTED (accepts:%s)", c->accept);
        printf("\n");
    }
    printf("CHAOS slow conns=%d opened=%lu closed_by_server=%lu held_max_s=%.0f\n", ch_nslow,
           slow_opened, slow_closed, slow_held_max);
    printf("CHAOS probe n=%lu failed=%lu max_ms=%.1f\n", probe_n, probe_failed, probe_max_ms);
    for (int i = 0; i < ch_ncases; i++) free(ch_cases[i].req);
    return unexpected || probe_failed ? 1 : 0;
}
