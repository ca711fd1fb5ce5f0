/*
 * serve.c — `tenyo serve INDEX`: a JSON API over HTTP and the analyst web
 * page (src/cli/web/, embedded into the binary at build time), on
 * libmicrohttpd.
 *
 *   GET  /healthz                      {"status": "ok", ...}
 *   GET  /api/info                     = tenyo info --json
 *   GET  /api/patent/{id}[?k=&mode=]   {"patent": {...}, "similar": <similar --json>}
 *   GET  /api/similar?id=|text=&k=&mode=   = tenyo similar --json
 *   POST /api/ideas  {"id"|"text", "home", "distance", "n", "open_only",
 *                     "lang", "mode"}   = tenyo ideas --json
 *   GET  /api/map[?id=|text=][&doc=ID...][&fields=0]   landscape map
 *   GET  /, /app.js, /app.css          the web page
 *
 * Same answers as the CLI. The JSON objects come from the builders the CLI
 * itself prints (render.c, ideas.c) and are serialised with the same
 * jansson flags plus the same trailing newline, so `tenyo ideas --json`
 * and POST /api/ideas are byte-identical for the same inputs (tests/api.sh
 * compares the bytes). Defaults follow the CLI (k 10, n 10, lang ja,
 * distance class, mode hybrid).
 *
 * Threads. MHD runs an internal polling thread pool (--threads, default the
 * number of cores); each request is answered entirely on one pool thread.
 * The index is immutable and shared; a tenyo_ctx (scratch + tokenizer) is
 * per thread, so the server keeps a mutex-protected free list of exactly
 * --threads contexts. A request takes one, runs, and puts it back; with one
 * context per pool thread the wait is never long, and a request that still
 * finds none within SRV_CTX_WAIT seconds is refused with 503 rather than
 * queued without bound. Rejected: a context per connection (a MeCab
 * tokenizer each, unbounded under load) and thread-local contexts created
 * on first use (no clean way to free them when MHD's threads end).
 *
 * Limits and errors. Bodies over 64 KiB get 413 (refused from the
 * Content-Length header before anything is read), query texts over 32 KiB
 * 413, k over 100 / n over 50 / malformed values 400, unknown ids 404,
 * unknown paths 404, wrong methods 405 with Allow. Work per request is
 * bounded by those caps (one exact scan of the index), idle connections
 * time out after SRV_CONN_TIMEOUT seconds, and the context wait above caps
 * queueing. Every error is JSON {"error": "..."}; 500 is kept for failures
 * of the server itself (memory), never for bad input. Strict parsing: an
 * unknown member in the ideas body is a 400, since a misspelt option
 * silently ignored gives a plausible but wrong answer.
 *
 * Safety. Bound to 127.0.0.1 by default. When bound to loopback, requests
 * whose Host header names another host are refused (403): that stops DNS
 * rebinding from letting a web page read the API through the analyst's
 * browser. The page is served with a Content-Security-Policy that allows
 * only its own script and style (no inline code), and the page builds all
 * text with textContent — patent titles are untrusted input.
 *
 * Shutdown: SIGINT/SIGTERM are blocked in every thread and taken with
 * sigwait() by the main thread, which stops the daemon (MHD_stop_daemon
 * finishes the requests in flight), frees everything and exits 0. One
 * access-log line per request goes to stderr when the request completes:
 * time (UTC), client, method, path (percent-encoded), status, bytes, ms.
 */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SRV_MAX_BODY (64 * 1024)  /* request body bytes */
#define SRV_MAX_TEXT (32 * 1024)  /* query text bytes */
#define SRV_MAX_K 100             /* similar results */
#define SRV_MAX_N 50              /* ideas */
#define SRV_MAX_HOME 64           /* home fields */
#define SRV_MAX_MAP_DOCS 200      /* documents placed by one /api/map call */
#define SRV_MAX_THREADS 64        /* --threads cap */
#define SRV_CONN_TIMEOUT 30       /* seconds an idle connection is kept */
#define SRV_CTX_WAIT 10           /* seconds to wait for a query context */
#define SRV_CONN_MEMORY (128 * 1024) /* MHD per-connection header/URL memory */
#define SRV_MSG 512               /* error message copies */

/* One embedded file of the web page (generated $(BUILD)/gen/web.c). */
struct cli_web_file {
    const char *path;           /* URL path, e.g. "/app.js" */
    const char *type;           /* Content-Type */
    const unsigned char *data;  /* bytes */
    size_t len;                 /* byte count */
};
extern const struct cli_web_file cli_web_files[];
extern const size_t cli_web_nfiles;

/* ============================================================ contexts */

/* Free list of per-thread query contexts. */
typedef struct ctx_pool {
    pthread_mutex_t mu;         /* guards nfree/free */
    pthread_cond_t cv;          /* signalled when a context is returned */
    tenyo_ctx **all;            /* every context (for freeing) */
    tenyo_ctx **free;           /* contexts not in use */
    int n;                      /* contexts in all */
    int nfree;                  /* entries used in free */
} ctx_pool;

/* Create n contexts on x; returns 0, or a status with the message in err. */
static int pool_init(ctx_pool *p, const tenyo_index *x, int n, char *err,
                     size_t errlen) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->all = calloc((size_t)n, sizeof *p->all);
    p->free = calloc((size_t)n, sizeof *p->free);
    if (!p->all || !p->free) {
        snprintf(err, errlen, "out of memory for %d query contexts", n);
        return TENYO_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) {
        int rc = tenyo_ctx_new(x, &p->all[i], err, errlen);
        if (rc) return rc;
        p->n++;
        p->free[p->nfree++] = p->all[i];
    }
    return TENYO_OK;
}

static void pool_destroy(ctx_pool *p) {
    for (int i = 0; i < p->n; i++) tenyo_ctx_free(p->all[i]);
    free(p->all);
    free(p->free);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

/* Take a context, waiting at most SRV_CTX_WAIT seconds; NULL when none
 * became free (the caller answers 503). */
static tenyo_ctx *pool_get(ctx_pool *p) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SRV_CTX_WAIT;
    tenyo_ctx *c = NULL;
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) break;
    if (p->nfree > 0) c = p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return c;
}

static void pool_put(ctx_pool *p, tenyo_ctx *c) {
    if (!c) return;
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ============================================================== server */

/* Everything the request handler shares (read-only after start, except the
 * pool, which locks). */
typedef struct server {
    const tenyo_index *x;       /* the index */
    const char *path;           /* index path as given (for /api/info) */
    tenyo_map *map;             /* landscape map, NULL when the index has none */
    char *info_json;            /* /api/info body, built once */
    size_t info_len;            /* bytes of info_json */
    char *map_json;             /* /api/map body without parameters */
    size_t map_len;             /* bytes of map_json */
    ctx_pool pool;              /* query contexts */
    int loopback;               /* bound to a loopback address: check Host */
    int quiet;                  /* no access log */
} server;

/* Per-request state, from the first callback to the completion notice. */
typedef struct request {
    struct timespec t0;         /* monotonic start */
    char client[64];            /* client address */
    char method[12];            /* request method (truncated) */
    char path[256];             /* path, percent-encoded for the log */
    char *body;                 /* POST body received so far */
    size_t len;                 /* bytes in body */
    int too_large;              /* body exceeded SRV_MAX_BODY */
    int answered;               /* a response was queued */
    unsigned status;            /* HTTP status sent */
    size_t bytes;               /* response body bytes */
} request;

/* Append to the body (NUL-terminated); marks too_large past the limit. */
static void body_append(request *rq, const char *p, size_t n) {
    if (rq->too_large) return;
    if (n > SRV_MAX_BODY - rq->len) {
        rq->too_large = 1;
        return;
    }
    char *b = realloc(rq->body, rq->len + n + 1);
    if (!b) {
        rq->too_large = 1; /* answered as too large: nothing else is safe */
        return;
    }
    memcpy(b + rq->len, p, n);
    rq->len += n;
    b[rq->len] = 0;
    rq->body = b;
}

/* The path for the log: bytes outside printable ASCII (and '%') as %XX,
 * so that a hostile path cannot forge log lines; truncated with "...". */
static void log_path(char *out, size_t cap, const char *url) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (o + 4 >= cap) {
            memcpy(out + (o < cap - 4 ? o : cap - 4), "...", 4);
            return;
        }
        if (*p > 0x20 && *p < 0x7f && *p != '%') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
}

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* MHD completion notice: write the access-log line, free the state. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    const server *s = cls;
    request *rq = *con_cls;
    (void)conn;
    if (!rq) return;
    if (!s->quiet) {
        struct timespec now;
        struct tm tm;
        char when[40];
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        char line[640];
        snprintf(line, sizeof line, "%s.%03ldZ %s %s %s %u %zu %.1fms%s\n", when,
                 now.tv_nsec / 1000000, rq->client, rq->method, rq->path,
                 rq->answered ? rq->status : 0, rq->bytes, ms_since(&rq->t0),
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
        fputs(line, stderr); /* one call: lines of threads do not interleave */
    }
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

/* ============================================================ replies */

/* Queue a response; data is copied unless own (then malloc'd and taken). */
static enum MHD_Result reply(struct MHD_Connection *conn, request *rq,
                             unsigned status, const char *type, void *data,
                             size_t len, int own, const char *allow) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, data, own ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
    if (!r) {
        if (own) free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (!strncmp(type, "text/html", 9)) {
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    rq->answered = 1;
    rq->status = status;
    rq->bytes = len;
    return ret;
}

/* JSON reply: compact, insertion order, newline — the bytes the CLI
 * prints. Takes the reference to j; allow (may be NULL) for 405. */
static enum MHD_Result reply_json(struct MHD_Connection *conn, request *rq,
                                  unsigned status, json_t *j, const char *allow) {
    char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(j);
    size_t n = s ? strlen(s) : 0;
    char *t = s ? realloc(s, n + 2) : NULL;
    if (!t) {
        free(s);
        static const char oom[] = "{\"error\":\"out of memory\"}\n";
        return reply(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
                     (void *)oom, sizeof oom - 1, 0, NULL);
    }
    t[n] = '\n';
    t[n + 1] = 0;
    return reply(conn, rq, status, "application/json; charset=utf-8", t, n + 1, 1, allow);
}

/* {"error": msg} with the given status (and Allow for 405). */
static enum MHD_Result reply_error(struct MHD_Connection *conn, request *rq,
                                   unsigned status, const char *allow,
                                   const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static enum MHD_Result reply_error(struct MHD_Connection *conn, request *rq,
                                   unsigned status, const char *allow,
                                   const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    /* messages may quote user input that is not UTF-8: jansson refuses such
     * strings, so fall back to a generic text */
    json_t *m = json_string(msg);
    json_object_set_new(o, "error", m ? m : json_string("invalid request"));
    return reply_json(conn, rq, status, o, allow);
}

/* HTTP status for a failed library call: bad input 400, unknown id 404,
 * oversized 413, the server's own trouble 500. */
static unsigned http_status(int st) {
    switch (st) {
    case TENYO_ERR_ARG: case TENYO_ERR_INPUT: case TENYO_ERR_EMPTY:
        return MHD_HTTP_BAD_REQUEST;
    case TENYO_ERR_NOTFOUND: return MHD_HTTP_NOT_FOUND;
    case TENYO_ERR_LIMIT: return MHD_HTTP_CONTENT_TOO_LARGE;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ====================================================== input checks */

/* Parse a decimal integer in [lo, hi]; 0 ok, -1 otherwise. */
static int parse_long(const char *s, long lo, long hi, long *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* 1 when code is an IPC subclass as written by a user: letter A-H, two
 * digits, a letter (either case). */
static int home_code_ok(const char *c) {
    if (strlen(c) != 4) return 0;
    char a = (char)(c[0] & ~0x20), d = (char)(c[3] & ~0x20);
    return a >= 'A' && a <= 'H' && c[1] >= '0' && c[1] <= '9' && c[2] >= '0' &&
           c[2] <= '9' && d >= 'A' && d <= 'Z';
}

/* Split home codes on commas and spaces (as `ideas --home` does) into
 * homes (pointers into buf, which is modified); -1 when more than cap, -2
 * with the bad token in *bad when one is not a subclass. */
static int split_home(char *buf, const char **homes, int cap, const char **bad) {
    char *save = NULL;
    int n = 0;
    for (char *p = strtok_r(buf, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
        if (n >= cap) return -1;
        if (!home_code_ok(p)) {
            *bad = p;
            return -2;
        }
        homes[n++] = p;
    }
    return n;
}

static const char *query_arg(struct MHD_Connection *conn, const char *key) {
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Shared k / mode arguments of /api/similar and /api/patent; replies and
 * returns 0 on a bad value. */
static int similar_args(struct MHD_Connection *conn, request *rq, long *k,
                        tenyo_mode *mode, enum MHD_Result *ret) {
    const char *ks = query_arg(conn, "k"), *ms = query_arg(conn, "mode");
    *k = 10;
    *mode = TENYO_MODE_HYBRID;
    if (ks && parse_long(ks, 1, SRV_MAX_K, k)) {
        *ret = reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "k must be an integer between 1 and %d", SRV_MAX_K);
        return 0;
    }
    if (ms && cli_parse_mode(ms, mode)) {
        *ret = reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "unknown mode '%.64s' (tfidf, lsa, hybrid)", ms);
        return 0;
    }
    return 1;
}

/* ============================================================ handlers */

/* GET /api/similar?id=|text=&k=&mode= */
static enum MHD_Result api_similar(server *s, struct MHD_Connection *conn, request *rq) {
    const char *id = query_arg(conn, "id"), *text = query_arg(conn, "text");
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!similar_args(conn, rq, &k, &mode, &ret)) return ret;
    if ((id != NULL) == (text != NULL))
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "give exactly one of id and text");
    size_t len = text ? strlen(text) : 0;
    if (len > SRV_MAX_TEXT)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "text longer than %d bytes", SRV_MAX_TEXT);
    int64_t qdoc = id ? tenyo_index_find(s->x, id) : -1;
    if (id && qdoc < 0)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                           "no patent '%.200s' in the index", id);
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int n = qdoc >= 0 ? tenyo_similar_doc(c, (uint64_t)qdoc, mode, (size_t)k, hits)
                      : tenyo_similar_text(c, text, len, mode, (size_t)k, hits);
    if (n < 0) {
        char msg[SRV_MSG];
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        pool_put(&s->pool, c);
        return reply_error(conn, rq, http_status(n), NULL, "%s", msg);
    }
    pool_put(&s->pool, c);
    return reply_json(conn, rq, MHD_HTTP_OK,
                      cli_similar_json(s->x, qdoc, text, mode, k, hits, n), NULL);
}

/* GET /api/patent/{id}[?k=&mode=]: metadata, codes, map position and the
 * patent's own similar patents. */
static enum MHD_Result api_patent(server *s, struct MHD_Connection *conn, request *rq,
                                  const char *id) {
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!*id) return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing patent id");
    if (!similar_args(conn, rq, &k, &mode, &ret)) return ret;
    int64_t doc = tenyo_index_find(s->x, id);
    if (doc < 0)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                           "no patent '%.200s' in the index", id);
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int n = tenyo_similar_doc(c, (uint64_t)doc, mode, (size_t)k, hits);
    char msg[SRV_MSG];
    snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    pool_put(&s->pool, c);
    if (n < 0) return reply_error(conn, rq, http_status(n), NULL, "%s", msg);
    json_t *p = cli_doc_json(s->x, (uint64_t)doc);
    tenyo_doc_meta dm;
    tenyo_index_doc(s->x, (uint64_t)doc, &dm);
    json_t *codes = json_array();
    for (const char *q = dm.codes; q && *q;) { /* ";"-separated: FI codes hold commas */
        const char *e = strchr(q, ';');
        size_t l = e ? (size_t)(e - q) : strlen(q);
        if (l) json_array_append_new(codes, json_stringn(q, l));
        q += l + (e ? 1 : 0);
    }
    json_object_set_new(p, "codes", codes);
    json_object_set_new(p, "lang", json_string(dm.lang));
    double xy[2];
    if (s->map && tenyo_map_doc(s->map, (uint64_t)doc, xy) == TENYO_OK) {
        json_t *at = json_object();
        json_object_set_new(at, "x", json_real(xy[0]));
        json_object_set_new(at, "y", json_real(xy[1]));
        json_object_set_new(p, "map", at);
    }
    json_t *o = json_object();
    json_object_set_new(o, "patent", p);
    json_object_set_new(o, "similar", cli_similar_json(s->x, doc, NULL, mode, k, hits, n));
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* The parsed body of POST /api/ideas. */
typedef struct ideas_req {
    const char *id;             /* indexed patent, or NULL */
    const char *text;           /* free text, or NULL */
    size_t len;                 /* bytes of text */
    tenyo_ideas_opts io;        /* options */
    const char *homes[SRV_MAX_HOME]; /* home codes (into homebuf) */
    char *homebuf;              /* joined home codes, split in place */
    long n;                     /* proposals */
    const char *lang;           /* "ja" or "en" */
} ideas_req;

/* Validate the ideas body o into q; on failure a message in msg and the
 * HTTP status returned, else 0. */
static unsigned ideas_parse(json_t *o, ideas_req *q, char *msg, size_t msglen) {
    static const char *const known[] = {"id", "text", "home", "distance", "n",
                                        "open_only", "lang", "mode"};
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t i = 0;
        while (i < sizeof known / sizeof *known && strcmp(key, known[i])) i++;
        if (i == sizeof known / sizeof *known) {
            snprintf(msg, msglen, "unknown member '%.64s' (id, text, home, distance, n, "
                     "open_only, lang, mode)", key);
            return MHD_HTTP_BAD_REQUEST;
        }
    }
    tenyo_ideas_opts_default(&q->io);
    q->n = 10;
    q->lang = "ja";
    json_t *id = json_object_get(o, "id"), *text = json_object_get(o, "text");
    if ((id && !json_is_string(id)) || (text && !json_is_string(text))) {
        snprintf(msg, msglen, "id and text must be strings");
        return MHD_HTTP_BAD_REQUEST;
    }
    if (!id == !text) {
        snprintf(msg, msglen, "give exactly one of id and text");
        return MHD_HTTP_BAD_REQUEST;
    }
    q->id = json_string_value(id);
    q->text = json_string_value(text);
    q->len = text ? json_string_length(text) : 0;
    if (q->len > SRV_MAX_TEXT) {
        snprintf(msg, msglen, "text longer than %d bytes", SRV_MAX_TEXT);
        return MHD_HTTP_CONTENT_TOO_LARGE;
    }
    if (q->text && !*q->text) {
        snprintf(msg, msglen, "text is empty");
        return MHD_HTTP_BAD_REQUEST;
    }
    if ((v = json_object_get(o, "n"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > SRV_MAX_N) {
            snprintf(msg, msglen, "n must be an integer between 1 and %d", SRV_MAX_N);
            return MHD_HTTP_BAD_REQUEST;
        }
        q->n = (long)json_integer_value(v);
    }
    if ((v = json_object_get(o, "distance"))) {
        const char *d = json_string_value(v);
        if (d && !strcmp(d, "section")) q->io.distance = TENYO_DIST_SECTION;
        else if (d && !strcmp(d, "class")) q->io.distance = TENYO_DIST_CLASS;
        else if (d && !strcmp(d, "subclass")) q->io.distance = TENYO_DIST_SUBCLASS;
        else {
            snprintf(msg, msglen, "distance must be \"section\", \"class\" or \"subclass\"");
            return MHD_HTTP_BAD_REQUEST;
        }
    }
    if ((v = json_object_get(o, "open_only"))) {
        if (!json_is_boolean(v)) {
            snprintf(msg, msglen, "open_only must be true or false");
            return MHD_HTTP_BAD_REQUEST;
        }
        q->io.open_only = json_is_true(v);
    }
    if ((v = json_object_get(o, "lang"))) {
        const char *l = json_string_value(v);
        if (!l || (strcmp(l, "ja") && strcmp(l, "en"))) {
            snprintf(msg, msglen, "lang must be \"ja\" or \"en\"");
            return MHD_HTTP_BAD_REQUEST;
        }
        q->lang = l;
    }
    if ((v = json_object_get(o, "mode"))) {
        const char *m = json_string_value(v);
        if (!m || cli_parse_mode(m, &q->io.mode)) {
            snprintf(msg, msglen, "mode must be \"tfidf\", \"lsa\" or \"hybrid\"");
            return MHD_HTTP_BAD_REQUEST;
        }
    }
    if ((v = json_object_get(o, "home")) && !json_is_null(v)) {
        /* a string "B60W,G08G" or an array of such strings */
        size_t total = 1, i;
        json_t *e;
        if (json_is_string(v)) total += json_string_length(v);
        else if (json_is_array(v)) {
            json_array_foreach(v, i, e) {
                if (!json_is_string(e)) {
                    snprintf(msg, msglen, "home must be a string or an array of strings");
                    return MHD_HTTP_BAD_REQUEST;
                }
                total += json_string_length(e) + 1;
            }
        } else {
            snprintf(msg, msglen, "home must be a string or an array of strings");
            return MHD_HTTP_BAD_REQUEST;
        }
        q->homebuf = calloc(1, total);
        if (!q->homebuf) {
            snprintf(msg, msglen, "out of memory");
            return MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
        if (json_is_string(v)) {
            memcpy(q->homebuf, json_string_value(v), json_string_length(v));
        } else {
            size_t at = 0;
            json_array_foreach(v, i, e) {
                memcpy(q->homebuf + at, json_string_value(e), json_string_length(e));
                at += json_string_length(e);
                q->homebuf[at++] = ',';
            }
        }
        const char *bad = NULL;
        int nh = split_home(q->homebuf, q->homes, SRV_MAX_HOME, &bad);
        if (nh == -1) {
            snprintf(msg, msglen, "more than %d home fields", SRV_MAX_HOME);
            return MHD_HTTP_BAD_REQUEST;
        }
        if (nh == -2) {
            snprintf(msg, msglen, "home field '%.32s' is not an IPC subclass (like A61B)", bad);
            return MHD_HTTP_BAD_REQUEST;
        }
        if (nh > 0) {
            q->io.home = q->homes;
            q->io.nhome = (size_t)nh;
        }
    }
    return 0;
}

/* POST /api/ideas */
static enum MHD_Result api_ideas(server *s, struct MHD_Connection *conn, request *rq) {
    if (rq->too_large)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "request body larger than %d bytes", SRV_MAX_BODY);
    if (!rq->len)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "empty body: expected a JSON object");
    json_error_t je;
    json_t *o = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "invalid JSON body at line %d column %d: %s", je.line,
                           je.column, je.text);
    enum MHD_Result ret;
    ideas_req q;
    memset(&q, 0, sizeof q);
    char msg[512];
    unsigned st = json_is_object(o) ? ideas_parse(o, &q, msg, sizeof msg)
                                    : (snprintf(msg, sizeof msg, "the body must be a JSON object"),
                                       MHD_HTTP_BAD_REQUEST);
    int64_t qdoc = -1;
    if (!st && q.id && (qdoc = tenyo_index_find(s->x, q.id)) < 0) {
        snprintf(msg, sizeof msg, "no patent '%.200s' in the index", q.id);
        st = MHD_HTTP_NOT_FOUND;
    }
    if (st) {
        ret = reply_error(conn, rq, st, NULL, "%s", msg);
        goto done;
    }
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) {
        ret = reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
        goto done;
    }
    int lst = 0;
    json_t *res = cli_ideas_json(s->x, c, qdoc, q.text, q.len, &q.io, (size_t)q.n, q.lang, &lst);
    if (!res) snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    pool_put(&s->pool, c);
    ret = res ? reply_json(conn, rq, MHD_HTTP_OK, res, NULL)
              : reply_error(conn, rq, http_status(lst), NULL, "%s", msg);
done:
    free(q.homebuf);
    json_decref(o);
    return ret;
}

/* Collects the repeated doc= arguments of /api/map. */
typedef struct doc_args {
    const char *ids[SRV_MAX_MAP_DOCS]; /* values (owned by MHD) */
    int n;                      /* used */
    int over;                   /* more than SRV_MAX_MAP_DOCS given */
} doc_args;

static enum MHD_Result collect_doc(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    doc_args *d = cls;
    (void)kind;
    if (strcmp(key, "doc") || !value) return MHD_YES;
    if (d->n == SRV_MAX_MAP_DOCS) {
        d->over = 1;
        return MHD_NO;
    }
    d->ids[d->n++] = value;
    return MHD_YES;
}

/* The fields part of the map: variance shares and one entry per field. */
static json_t *map_fields_json(const tenyo_index *x, const tenyo_map *m) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_t *o = json_object(), *fs = json_array(), *var = json_array();
    double sh[2], xy[2];
    tenyo_map_variance(m, sh);
    json_array_append_new(var, json_real(sh[0]));
    json_array_append_new(var, json_real(sh[1]));
    json_object_set_new(o, "variance", var);
    for (uint32_t j = 0; j < in.nfields; j++) {
        const char *code;
        uint64_t cnt;
        tenyo_index_field(x, j, &code, &cnt);
        tenyo_map_field(m, j, xy);
        json_t *f = json_object();
        json_object_set_new(f, "field", json_string(code));
        json_object_set_new(f, "label_ja", json_string(tenyo_field_label(x, code, "ja")));
        json_object_set_new(f, "label_en", json_string(tenyo_field_label(x, code, "en")));
        json_object_set_new(f, "documents", json_integer((json_int_t)cnt));
        json_object_set_new(f, "x", json_real(xy[0]));
        json_object_set_new(f, "y", json_real(xy[1]));
        json_array_append_new(fs, f);
    }
    json_object_set_new(o, "fields", fs);
    return o;
}

/* GET /api/map[?id=|text=][&doc=ID...][&fields=0] */
static enum MHD_Result api_map(server *s, struct MHD_Connection *conn, request *rq) {
    if (!s->map)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                           "this index has no landscape map (no LSA vectors or no fields)");
    const char *id = query_arg(conn, "id"), *text = query_arg(conn, "text");
    const char *fields = query_arg(conn, "fields");
    doc_args d = {.n = 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_doc, &d);
    if (d.over)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "more than %d doc arguments", SRV_MAX_MAP_DOCS);
    if (id && text)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "give at most one of id and text");
    if (fields && strcmp(fields, "0") && strcmp(fields, "1"))
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "fields must be 0 or 1");
    if (!id && !text && !d.n && (!fields || !strcmp(fields, "1"))) {
        return reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->map_json,
                     s->map_len, 0, NULL);
    }
    size_t len = text ? strlen(text) : 0;
    if (len > SRV_MAX_TEXT)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "text longer than %d bytes", SRV_MAX_TEXT);
    double xy[2];
    json_t *o = fields && !strcmp(fields, "0") ? json_object() : map_fields_json(s->x, s->map);
    json_t *docs = json_array();
    for (int i = 0; i < d.n; i++) {
        int64_t doc = tenyo_index_find(s->x, d.ids[i]);
        if (doc < 0) {
            json_decref(o);
            json_decref(docs);
            return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                               "no patent '%.200s' in the index", d.ids[i]);
        }
        tenyo_map_doc(s->map, (uint64_t)doc, xy);
        json_t *p = json_object();
        json_object_set_new(p, "id", json_string(d.ids[i]));
        json_object_set_new(p, "x", json_real(xy[0]));
        json_object_set_new(p, "y", json_real(xy[1]));
        json_array_append_new(docs, p);
    }
    json_object_set_new(o, "docs", docs);
    if (id || text) {
        int64_t doc = id ? tenyo_index_find(s->x, id) : -1;
        if (id && doc < 0) {
            json_decref(o);
            return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                               "no patent '%.200s' in the index", id);
        }
        int ok = 0;
        if (doc >= 0) {
            ok = tenyo_map_doc(s->map, (uint64_t)doc, xy) == TENYO_OK;
        } else {
            tenyo_ctx *c = pool_get(&s->pool);
            if (!c) {
                json_decref(o);
                return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
            }
            tenyo_hit h;
            int n = tenyo_similar_text(c, text, len, TENYO_MODE_LSA, 1, &h);
            char msg[SRV_MSG];
            snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
            ok = n >= 0 && tenyo_map_query(s->map, c, xy) == TENYO_OK;
            pool_put(&s->pool, c);
            if (n < 0 && n != TENYO_ERR_EMPTY) {
                json_decref(o);
                return reply_error(conn, rq, http_status(n), NULL, "%s", msg);
            }
        }
        json_t *q = json_null();
        if (ok) {
            q = json_object();
            json_object_set_new(q, "x", json_real(xy[0]));
            json_object_set_new(q, "y", json_real(xy[1]));
        }
        json_object_set_new(o, "query", q);
    }
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /healthz */
static enum MHD_Result api_health(server *s, struct MHD_Connection *conn, request *rq) {
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "documents", json_integer((json_int_t)tenyo_index_ndocs(s->x)));
    json_object_set_new(o, "version", json_string(tenyo_version()));
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* 1 when the Host header (if any) names a loopback host. */
static int host_ok(struct MHD_Connection *conn) {
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!h) return 1; /* HTTP/1.0 */
    size_t n = strlen(h);
    if (h[0] == '[') { /* [::1]:port */
        return !strncmp(h, "[::1]", 5) && (h[5] == 0 || h[5] == ':');
    }
    const char *colon = strchr(h, ':');
    if (colon) n = (size_t)(colon - h);
    return (n == 9 && !strncasecmp(h, "localhost", 9)) || (n == 9 && !strncmp(h, "127.0.0.1", 9));
}

/* The MHD access handler: routes one request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    server *s = cls;
    request *rq = *con_cls;
    (void)version;
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        snprintf(rq->method, sizeof rq->method, "%s", method);
        log_path(rq->path, sizeof rq->path, url);
        snprintf(rq->client, sizeof rq->client, "-");
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                          rq->client, sizeof rq->client);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                          rq->client, sizeof rq->client);
        }
        if (s->loopback && !host_ok(conn))
            return reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                               "host not allowed: this server answers localhost only");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        long n;
        if (cl && parse_long(cl, 0, SRV_MAX_BODY, &n))
            return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                               "request body larger than %d bytes", SRV_MAX_BODY);
        /* answer on a later call: MHD closes the connection after a reply
         * queued while only the headers are in (an early response) */
        return MHD_YES;
    }
    if (rq->answered) { /* early reply (403/413): drop whatever still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_append(rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    /* static files of the page */
    const char *file = !strcmp(url, "/") ? "/index.html" : url;
    for (size_t i = 0; i < cli_web_nfiles; i++) {
        if (strcmp(file, cli_web_files[i].path)) continue;
        if (!get)
            return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
                               "method %.16s not allowed here", method);
        return reply(conn, rq, MHD_HTTP_OK, cli_web_files[i].type,
                     (void *)cli_web_files[i].data, cli_web_files[i].len, 0, NULL);
    }
    if (!strcmp(url, "/api/ideas")) {
        if (!is_post)
            return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/ideas");
        return api_ideas(s, conn, rq);
    }
    int route = !strcmp(url, "/healthz") ? 1 : !strcmp(url, "/api/info") ? 2
              : !strcmp(url, "/api/similar") ? 3 : !strcmp(url, "/api/map") ? 4
              : !strncmp(url, "/api/patent/", 12) ? 5 : 0;
    if (!route)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no such path: %.200s", url);
    if (!get)
        return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
                           "method %.16s not allowed here", method);
    switch (route) {
    case 1: return api_health(s, conn, rq);
    case 2:
        return reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->info_json,
                     s->info_len, 0, NULL);
    case 3: return api_similar(s, conn, rq);
    case 4: return api_map(s, conn, rq);
    default: return api_patent(s, conn, rq, url + 12);
    }
}

/* ============================================================= command */

static const char *serve_usage =
    "usage: tenyo serve INDEX [--bind ADDR] [--port N] [--threads N] [--ipc-titles FILE] [--quiet]\n"
    "Serve the index over HTTP: a JSON API and the analyst web page.\n"
    "  --bind ADDR          address to listen on (default 127.0.0.1; IPv4 or IPv6)\n"
    "  --port N             TCP port (default 8080; 0 picks a free one)\n"
    "  --threads N          worker threads = query contexts (default: cores, at most 64)\n"
    "  --ipc-titles FILE    IPC scheme TSV for subclass labels (repeatable)\n"
    "  --quiet              no access log\n"
    "API: GET /healthz, /api/info, /api/patent/ID, /api/similar?id=|text=&k=&mode=,\n"
    "     /api/map; POST /api/ideas {\"id\"|\"text\", \"home\", \"distance\", \"n\",\n"
    "     \"open_only\", \"lang\", \"mode\"}. Stops on SIGINT/SIGTERM (exit 0).\n";

/* Dump j compactly with a newline into *out; 0 ok. */
static int dump_json(json_t *j, char **out, size_t *len) {
    char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return -1;
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return -1;
    }
    t[n] = '\n';
    t[n + 1] = 0;
    *out = t;
    *len = n + 1;
    return 0;
}

int cli_cmd_serve(int argc, char **argv) {
    static const struct option lo[] = {
        {"bind", required_argument, 0, 'b'}, {"port", required_argument, 0, 'p'},
        {"threads", required_argument, 0, 't'}, {"ipc-titles", required_argument, 0, 'I'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *bind = "127.0.0.1", *titles[4];
    int ntitles = 0, c, bad = 0, quiet = 0;
    long port = 8080, threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > SRV_MAX_THREADS) threads = SRV_MAX_THREADS;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:p:t:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'b': bind = optarg; break;
        case 'p':
            if (parse_long(optarg, 0, 65535, &port)) {
                fprintf(stderr, "tenyo: --port must be between 0 and 65535\n");
                bad = 1;
            }
            break;
        case 't':
            if (parse_long(optarg, 1, SRV_MAX_THREADS, &threads)) {
                fprintf(stderr, "tenyo: --threads must be between 1 and %d\n", SRV_MAX_THREADS);
                bad = 1;
            }
            break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = optarg;
            else { fprintf(stderr, "tenyo: at most 4 --ipc-titles files\n"); bad = 1; }
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(serve_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (bad || argc - optind != 1) {
        fputs(serve_usage, stderr);
        return EXIT_USAGE;
    }
    /* the listening address */
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    int v6 = 0;
    if (inet_pton(AF_INET, bind, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, bind, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        v6 = 1;
    } else {
        fprintf(stderr, "tenyo: --bind '%s' is not an IPv4 or IPv6 address\n", bind);
        return EXIT_USAGE;
    }
    server s;
    memset(&s, 0, sizeof s);
    s.path = argv[optind];
    s.quiet = quiet;
    s.loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&a6.sin6_addr)
                    : (ntohl(a4.sin_addr.s_addr) >> 24) == 127;
    int ec = EXIT_OK, pool_ready = 0;
    struct MHD_Daemon *d = NULL;
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(s.path, &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    s.x = x;
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) {
            fprintf(stderr, "tenyo: %s\n", err);
            ec = EXIT_INPUT;
            goto done;
        }
    }
    rc = tenyo_map_new(x, &s.map, err, sizeof err);
    if (rc == TENYO_ERR_EMPTY) {
        fprintf(stderr, "tenyo: %s; /api/map is not available\n", err);
    } else if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        ec = EXIT_RESOURCE;
        goto done;
    }
    if (dump_json(cli_info_json(x, s.path), &s.info_json, &s.info_len) ||
        (s.map && dump_json(map_fields_json(x, s.map), &s.map_json, &s.map_len))) {
        fprintf(stderr, "tenyo: out of memory\n");
        ec = EXIT_RESOURCE;
        goto done;
    }
    rc = pool_init(&s.pool, x, (int)threads, err, sizeof err);
    pool_ready = 1;
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        ec = EXIT_RESOURCE;
        goto done;
    }
    /* load each context's tokenizer now: the first text query is then as
     * fast as the rest, and a dictionary mismatch shows at start */
    for (int i = 0; i < s.pool.n; i++) {
        tenyo_hit h;
        rc = tenyo_similar_text(s.pool.all[i], "warm up", 7, TENYO_MODE_TFIDF, 1, &h);
        if (rc < 0 && rc != TENYO_ERR_EMPTY) {
            fprintf(stderr, "tenyo: warning: text queries will fail: %s\n",
                    tenyo_ctx_error(s.pool.all[i]));
            break;
        }
    }
    /* SIGINT/SIGTERM blocked here, before MHD starts its threads, so that
     * only sigwait below receives them; SIGPIPE ignored */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (v6) flags |= MHD_USE_IPv6;
    d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, &s,
        MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SRV_CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "tenyo: cannot listen on %s port %ld: %s\n", bind, port,
                errno ? strerror(errno) : "libmicrohttpd failed to start");
        ec = EXIT_RESOURCE;
        goto done;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned actual = di ? di->port : (unsigned)port;
    fprintf(stderr, "tenyo serve: listening on http://%s%s%s:%u/ (%s, %llu documents, %ld threads)\n",
            v6 ? "[" : "", bind, v6 ? "]" : "", actual, s.path,
            (unsigned long long)tenyo_index_ndocs(x), threads);
    /* one query per server thread already fills the cores: BLAS threads
     * would only compete with them (measured: 220 -> 288 req/s, p99 75 ->
     * 50 ms, bench/README.md); OPENBLAS_NUM_THREADS still decides if set */
    if (threads > 1 && !getenv("OPENBLAS_NUM_THREADS")) tenyo_set_blas_threads(1);
    fflush(stderr);
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "tenyo serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
done:
    if (d) MHD_stop_daemon(d); /* waits for the requests in flight */
    if (pool_ready) pool_destroy(&s.pool);
    free(s.info_json);
    free(s.map_json);
    tenyo_map_free(s.map);
    tenyo_index_free(x);
    return ec;
}
