/*
 * cmd_serve.c — `tenyo serve INDEX`: a JSON API over HTTP and the analyst web
 * page (src/cli/web/, embedded into the binary at build time), on
 * libmicrohttpd.
 *
 *   GET  /healthz                      {"status": "ok", ...}
 *   GET  /api/info                     = tenyo info --json
 *   GET  /api/patent/{id}[?k=&mode=]   {"patent": {..., "abstract"}, "similar": <similar --json>}
 *   GET  /api/similar?id=|text=&k=&mode=   = tenyo similar --json
 *        [&date_from=&date_to=&applicant=&exclude_applicant=&fields=
 *         &exclude_fields=&open_only=1]  the filters (applicant repeatable)
 *   POST /api/ideas  {"id"|"text", "home", "distance", "n", "open_only",
 *                     "lang", "mode", "min_confidence", "min_usable", "min_content",
 *                     "novelty", filters as members (arrays for
 *                     the repeatable ones)}   = tenyo ideas --json
 *   POST /api/match {"text", "home", "distance", "k", "lang", "mode",
 *                    "min_confidence", "min_usable", "min_content", filters}   the company query
 *                                      (Kawasaki model) = tenyo match --json
 *   GET  /api/map[?id=|text=][&doc=ID...][&fields=0]   landscape map
 *        [&view=X0,Y0,X1,Y1&size=WxH&label=CODE,R...&mark=X,Y,R...
 *         &largest=N&lang=]   with its labels placed for that picture
 *   GET  /api/search?q=QUERY&k=[&filters]   keyword search = tenyo search --json
 *   GET  /api/profile?id=ID[&id=...][&n=&min_confidence=&distance=&lang=]
 *                                      applicability profiles (= tenyo
 *                                      profile's objects), at most 20 ids
 *   GET  /api/resolve?q=TYPED          how typed reads: an indexed id, a
 *                                      (mistyped) number, or text
 *   GET  /, /app.js, /app.css          the web page
 *
 * Same answers as the CLI. The JSON objects come from the builders the CLI
 * itself prints (render.c, answers.c) and are serialised with the same
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
 * 413, k over 100 / n over 50 / malformed values 400, a query argument
 * holding %00 400, unknown ids 404, unknown paths 404, wrong methods 405
 * with Allow. An id is read as people type it (cli_resolve_id: exact,
 * then normalised; api/patno.c) wherever the API takes one; an unknown id
 * is 404 with "did you mean" and a "suggestions" array. Work per request is bounded by those caps (one exact scan of
 * the index), and the context wait above caps queueing. Every error is
 * JSON {"error": "..."}; 500 is kept for failures of the server itself
 * (memory), never for bad input. The checks of what the client sends live
 * in serve_parse.c (strings in, status and message out), where the HTTP
 * fuzzer reaches them; this file only looks values up and replies.
 *
 * Slow and broken clients. Idle connections time out after
 * SRV_CONN_TIMEOUT seconds; a request that trickles in (slowloris: a byte
 * a second is never idle) is cut when it is not complete within
 * SRV_RECV_DEADLINE seconds (the watchdog below); the connection limit
 * follows the descriptor limit, and one client address may hold at most
 * an eighth of it (--client-conns; libmicrohttpd's per-IP limit): 1,030
 * idle sockets of one client used to take every slot and lock everyone
 * else out until they timed out (tests/api.sh opens them and asks
 * /healthz from another address). Bound to loopback, every local client —
 * the analyst's browser too — is the one address 127.0.0.1, so there a
 * per-address limit would only lock the analyst out: none by default, and
 * instead, when more than 7/8 of the slots are open, the watchdog closes
 * the connections that have waited longest for a request (idle or
 * trickling, never one being answered) down to 3/4, so a newcomer finds a
 * slot within a second (tests/hostile.sh: 300 and 1,000 idle sockets). Two Content-Length headers that differ
 * are a 400 (RFC 9112 6.3: the body's length is unknown). libmicrohttpd polls with poll(), not
 * epoll: in epoll mode it misses the end-of-file of a client that
 * half-closes mid-request and holds the connection for the whole idle
 * timeout. bench/serve_chaos.sh runs all of this against wrk load.
 *
 * Safety. Bound to 127.0.0.1 by default. When bound to loopback, requests
 * whose Host header names another host than localhost, 127.0.0.1, [::1] or
 * the address bound (the URL printed at start) are refused (403): that
 * stops DNS rebinding from letting a web page read the API through the
 * analyst's browser. A GET argument its route does not read is a 400
 * naming the closest one (date_form= must not pass as no filter), as a
 * misspelt POST member is; /api/info names files without directories. A
 * Transfer-Encoding other than chunked is a 501 at once (its body's end is
 * unknown), and a URI of more than SRV_MAX_ARGS arguments a 414 (on_uri). The page is served with a Content-Security-Policy that allows
 * only its own script and style (no inline code), and the page builds all
 * text with textContent — patent titles are untrusted input.
 *
 * Over processes. `mpirun -np P tenyo-mpi serve` runs this very server on
 * process 0 (src/mpi/serve.c): cli_serve_share's opened() hands the
 * index's scans to the other processes before the first request, and
 * nothing here changes (the answers are the bytes of `tenyo serve`).
 *
 * Shutdown: SIGINT/SIGTERM are blocked in every thread and taken with
 * sigwait() by the main thread, which stops the daemon (MHD_stop_daemon
 * finishes the requests in flight), frees everything and exits 0. One
 * access-log line per request goes to stderr when the request completes:
 * time (UTC), client, method and path (both percent-encoded: an ESC or CR
 * from the client never reaches the log raw), status, bytes, ms.
 */
#include "cli.h"
#include "serve_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SRV_MAX_THREADS 64        /* --threads cap */
#define SRV_CONN_TIMEOUT 30       /* seconds an idle connection is kept */
#define SRV_RECV_DEADLINE 30      /* seconds to receive one whole request */
#define SRV_MAX_CONNS 1024        /* open connections (less when fds are few) */
#define SRV_SPARE_FDS 64          /* descriptors kept for the index, logs, ... */
#define SRV_CTX_WAIT 10           /* seconds to wait for a query context */
#define SRV_CONN_MEMORY (128 * 1024) /* MHD per-connection header/URL memory */
#define SRV_MSG 512               /* error message copies */
#define SRV_MAX_ARGS 640          /* query arguments (/api/map: 200 doc, label, mark) */

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

/* ========================================================== deadlines */

/*
 * libmicrohttpd's connection timeout counts idle time only: a client that
 * sends its request one byte a second (slowloris) is never idle and would
 * hold its connection slot for as long as it likes; enough of them fill
 * the connection limit and lock everyone else out. So every connection
 * also gets a receive deadline: the whole request — request line, headers
 * and body — must arrive within SRV_RECV_DEADLINE seconds of the
 * connection opening or of the previous response on it. A watchdog thread
 * checks once a second and shuts down (shutdown(2), not close: the
 * descriptor stays libmicrohttpd's) the sockets past their deadline;
 * libmicrohttpd then reads end-of-file and closes the connection itself.
 * No deadline runs while a request is being answered: its work is bounded
 * by the query caps, and sending is covered by the idle timeout.
 *
 * The race with descriptor reuse is closed by the lock: a watch entry is
 * unlinked under it by libmicrohttpd's "closed" notification, which comes
 * before libmicrohttpd closes the descriptor, and the watchdog only calls
 * shutdown() under the same lock.
 */

/* One open connection under watch. */
typedef struct conn_watch {
    int fd;                     /* the connection's socket */
    double deadline;            /* monotonic seconds; 0 while answering */
    int cut;                    /* shut down by the watchdog */
    char client[48];            /* client address for the log */
    struct conn_watch *prev;    /* list links (under watchdog.mu) */
    struct conn_watch *next;
} conn_watch;

/* The watchdog thread and its list. */
typedef struct watchdog {
    pthread_mutex_t mu;         /* guards everything below */
    pthread_cond_t cv;          /* wakes the thread to stop */
    conn_watch *head;           /* open connections */
    int stop;                   /* set to end the thread */
    int quiet;                  /* no log line per cut */
    unsigned long ncut;         /* connections cut so far */
    unsigned limit;             /* the connection limit (0: no shedding) */
    pthread_t th;               /* the thread */
    int running;                /* th was started */
} watchdog;

static double mono_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Set w's deadline to now + secs (0: none). */
static void watch_arm(watchdog *wd, conn_watch *w, double secs) {
    if (!w) return;
    pthread_mutex_lock(&wd->mu);
    w->deadline = secs > 0 ? mono_now() + secs : 0;
    pthread_mutex_unlock(&wd->mu);
}

/* Once a second: shut down the sockets of connections past their
 * deadline. */
static void *watchdog_main(void *arg) {
    watchdog *wd = arg;
    pthread_mutex_lock(&wd->mu);
    while (!wd->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&wd->cv, &wd->mu, &until);
        double now = mono_now();
        /* near the limit: shed the connections waiting longest for a request */
        unsigned open = 0;
        for (conn_watch *w = wd->head; w; w = w->next) open += !w->cut;
        if (wd->limit && open > wd->limit - wd->limit / 8) {
            unsigned shed = 0;
            while (open > wd->limit - wd->limit / 4) {
                conn_watch *old = NULL;
                for (conn_watch *w = wd->head; w; w = w->next)
                    if (!w->cut && w->deadline > 0 && (!old || w->deadline < old->deadline))
                        old = w;
                if (!old) break; /* all being answered */
                shutdown(old->fd, SHUT_RDWR);
                old->cut = 1;
                wd->ncut++;
                open--;
                shed++;
            }
            if (shed && !wd->quiet) {
                char line[160];
                snprintf(line, sizeof line, "tenyo serve: %u of %u connections open: closed the "
                         "%u waiting longest for a request\n", open + shed, wd->limit, shed);
                fputs(line, stderr);
            }
        }
        for (conn_watch *w = wd->head; w && !wd->stop; w = w->next) {
            if (w->cut || w->deadline <= 0 || now < w->deadline) continue;
            shutdown(w->fd, SHUT_RDWR);
            w->cut = 1;
            wd->ncut++;
            if (!wd->quiet) {
                char line[160];
                snprintf(line, sizeof line, "tenyo serve: %s: request not received within %d s, "
                         "connection closed\n", w->client, SRV_RECV_DEADLINE);
                fputs(line, stderr);
            }
        }
    }
    pthread_mutex_unlock(&wd->mu);
    return NULL;
}

/* MHD connection notice: put a new connection under watch (deadline
 * running), take a closed one off. Without memory the connection simply
 * goes unwatched. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    watchdog *wd = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = NULL;
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_watch *w = fi ? calloc(1, sizeof *w) : NULL;
        if (!w) return;
        w->fd = fi->connect_fd;
        snprintf(w->client, sizeof w->client, "-");
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                      w->client, sizeof w->client);
        else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6,
                      &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
                      w->client, sizeof w->client);
        pthread_mutex_lock(&wd->mu);
        w->deadline = mono_now() + SRV_RECV_DEADLINE;
        w->next = wd->head;
        if (wd->head) wd->head->prev = w;
        wd->head = w;
        pthread_mutex_unlock(&wd->mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_watch *w = *socket_context;
        if (!w) return;
        pthread_mutex_lock(&wd->mu);
        if (w->prev) w->prev->next = w->next;
        else wd->head = w->next;
        if (w->next) w->next->prev = w->prev;
        pthread_mutex_unlock(&wd->mu);
        free(w);
        *socket_context = NULL;
    }
}

/* The watch entry of conn, or NULL. */
static conn_watch *conn_watch_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
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
    watchdog wd;                /* receive deadlines of the connections */
    int loopback;               /* bound to a loopback address: check Host */
    const char *bind;           /* the address bound, as given (a Host it may be) */
    int quiet;                  /* no access log */
} server;

/* Per-request state, from the first callback to the completion notice. */
typedef struct request {
    struct timespec t0;         /* monotonic start */
    char client[64];            /* client address */
    char method[40];            /* request method, escaped as the path (truncated) */
    char path[256];             /* path, percent-encoded for the log */
    char *body;                 /* POST body received so far */
    size_t len;                 /* bytes in body */
    int too_large;              /* body exceeded SRV_MAX_BODY */
    int answered;               /* a response was queued */
    unsigned status;            /* HTTP status sent */
    size_t bytes;               /* response body bytes */
    conn_watch *watch;          /* the connection's deadline entry, or NULL */
    int begun;                  /* the access handler has seen it */
    size_t nargs;               /* query arguments in the URI (on_uri) */
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

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* MHD completion notice: write the access-log line, free the state. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    server *s = cls;
    request *rq = *con_cls;
    (void)conn;
    if (!rq) return;
    /* a kept-alive connection has SRV_RECV_DEADLINE for its next request */
    watch_arm(&s->wd, rq->watch, SRV_RECV_DEADLINE);
    if (!s->quiet && rq->begun) { /* begun: not a request libmicrohttpd refused itself */
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

/* ====================================================== input checks */

static const char *query_arg(struct MHD_Connection *conn, const char *key) {
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* The first refused query argument (collected by check_arg). */
typedef struct arg_verdict {
    serve_route_id route;       /* the route asked: the arguments it reads */
    unsigned status;            /* 0, or the HTTP status of the refusal */
    char msg[SRV_MSG];          /* its message */
    const char *seen[64];       /* the arguments met so far (MHD's strings) */
    int nseen;
} arg_verdict;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size) {
    arg_verdict *v = cls;
    (void)kind;
    v->status = serve_arg_check(key, key_size, value, value_size, v->msg, sizeof v->msg);
    if (!v->status) v->status = serve_arg_known(v->route, key, value, v->msg, sizeof v->msg);
    if (!v->status && *key && !serve_arg_repeatable(v->route, key)) {
        for (int i = 0; i < v->nseen; i++)
            if (!strcmp(v->seen[i], key)) {
                snprintf(v->msg, sizeof v->msg, "argument '%s' given twice", key);
                v->status = MHD_HTTP_BAD_REQUEST;
                break;
            }
        if (!v->status && v->nseen < 64) v->seen[v->nseen++] = key;
    }
    return v->status ? MHD_NO : MHD_YES;
}

/* Every query argument through serve_arg_check and serve_arg_known (the
 * route's own arguments only); replies and returns 0 on a refused one. */
static int args_ok(struct MHD_Connection *conn, request *rq, serve_route_id route,
                   enum MHD_Result *ret) {
    arg_verdict v = {.route = route, .status = 0};
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, check_arg, &v);
    if (v.status) *ret = reply_error(conn, rq, v.status, NULL, "%s", v.msg);
    return !v.status;
}

/* Shared k / mode arguments of /api/similar and /api/patent; replies and
 * returns 0 on a bad value. */
static int similar_args(struct MHD_Connection *conn, request *rq, long *k,
                        tenyo_mode *mode, enum MHD_Result *ret) {
    char msg[SRV_MSG];
    unsigned st = serve_similar_args(query_arg(conn, "k"), query_arg(conn, "mode"), k, mode,
                                     msg, sizeof msg);
    if (st) *ret = reply_error(conn, rq, st, NULL, "%s", msg);
    return !st;
}

/* ============================================================ handlers */

/* ======================================================== patent ids */

/* The document of an id as a person typed it (cli_resolve_id: the exact id,
 * then its canonical key), or -1 after queueing the reply: 404 {"error":
 * "no patent 'X' in the index; did you mean A, B?", "suggestions":
 * [{doc}...]} (cli_resolve_json's; no "suggestions" when there are none),
 * or 500 for the server's own failure. */
static int64_t resolve_id(server *s, struct MHD_Connection *conn, request *rq,
                          const char *typed, enum MHD_Result *ret) {
    int64_t doc = -1;
    char msg[SRV_MSG];
    int how = cli_resolve_id(s->x, typed, &doc, msg, sizeof msg);
    if (how > 0) return doc;
    if (how != TENYO_ERR_NOTFOUND) {
        *ret = reply_error(conn, rq, serve_http_status(how), NULL, "%s", msg);
        return -1;
    }
    int st;
    json_t *r = cli_resolve_json(s->x, typed, &st);
    json_t *m = json_string(msg);
    if (!r || !m) { /* typed is not UTF-8 (jansson refuses it) */
        json_decref(r);
        json_decref(m);
        *ret = reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no such patent in the index");
        return -1;
    }
    json_t *o = json_object();
    json_object_set_new(o, "error", m);
    json_t *sug = json_object_get(r, "suggestions");
    if (json_array_size(sug)) json_object_set(o, "suggestions", sug);
    json_decref(r);
    *ret = reply_json(conn, rq, MHD_HTTP_NOT_FOUND, o, NULL);
    return -1;
}

/* GET /api/resolve?q=: how the page must read what was typed (the same
 * rule as the CLI): {"query", "kind": "id" | "number" | "text", "match",
 * "key", "id", "suggestions"} (cli_resolve_json). */
static enum MHD_Result api_resolve(server *s, struct MHD_Connection *conn, request *rq) {
    const char *q = query_arg(conn, "q");
    if (!q) return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing q");
    if (strlen(q) > SRV_MAX_TEXT)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "q longer than %d bytes", SRV_MAX_TEXT);
    int st;
    json_t *r = cli_resolve_json(s->x, q, &st);
    if (!r) return reply_error(conn, rq, serve_http_status(st), NULL, "%s", tenyo_strerror(st));
    return reply_json(conn, rq, MHD_HTTP_OK, r, NULL);
}

/* Collects the filter arguments of /api/similar (serve_filter_arg). */
typedef struct filter_args {
    cli_filter_opts fo;         /* values (owned by MHD) */
    unsigned status;            /* 0, or 400 for a bad value */
    char msg[SRV_MSG];          /* its message */
} filter_args;

static enum MHD_Result collect_filter(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
    filter_args *fa = cls;
    (void)kind;
    if (fa->status) return MHD_NO;
    int r = serve_filter_arg(&fa->fo, key, value, fa->msg, sizeof fa->msg);
    if (r > 0) {
        fa->status = (unsigned)r;
        return MHD_NO;
    }
    return MHD_YES;
}

/* The filter of fo on c (none when fo is empty): 0, or the HTTP status
 * with msg. The caller unsets it (tenyo_ctx_set_filter(c, NULL)) and frees
 * it before the context goes back to the pool. */
static unsigned use_filter(server *s, tenyo_ctx *c, const cli_filter_opts *fo,
                           tenyo_filter **f, char *msg, size_t cap) {
    int rc = cli_filter_build(s->x, c, fo, f, msg, cap);
    if (rc) return serve_http_status(rc);
    if (*f) tenyo_ctx_set_filter(c, *f);
    return 0;
}

/* GET /api/similar?id=|text=&k=&mode=[&date_from=&date_to=&applicant=...
 * &exclude_applicant=...&fields=&exclude_fields=] */
static enum MHD_Result api_similar(server *s, struct MHD_Connection *conn, request *rq) {
    const char *id = query_arg(conn, "id"), *text = query_arg(conn, "text");
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!similar_args(conn, rq, &k, &mode, &ret)) return ret;
    size_t len;
    char msg[SRV_MSG];
    unsigned st = serve_similar_query(id, text, &len, msg, sizeof msg);
    if (st) return reply_error(conn, rq, st, NULL, "%s", msg);
    filter_args fa;
    memset(&fa, 0, sizeof fa);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_filter, &fa);
    if (fa.status) return reply_error(conn, rq, fa.status, NULL, "%s", fa.msg);
    int64_t qdoc = -1;
    if (id && (qdoc = resolve_id(s, conn, rq, id, &ret)) < 0) return ret;
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    tenyo_filter *f = NULL;
    st = use_filter(s, c, &fa.fo, &f, msg, sizeof msg);
    int n = st ? 0
               : qdoc >= 0 ? tenyo_similar_doc(c, (uint64_t)qdoc, mode, (size_t)k, hits)
                           : tenyo_similar_text(c, text, len, mode, (size_t)k, hits);
    if (!st && n < 0) {
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        st = serve_http_status(n);
    }
    tenyo_ctx_set_filter(c, NULL);
    pool_put(&s->pool, c);
    if (st) {
        tenyo_filter_free(f);
        return reply_error(conn, rq, st, NULL, "%s", msg);
    }
    json_t *o = cli_similar_json(s->x, qdoc, text, mode, k, hits, n);
    if (f)
        json_object_set_new(json_object_get(o, "query"), "filter",
                            cli_filter_json(&fa.fo, f, s->x));
    tenyo_filter_free(f);
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /api/search?q=QUERY[&k=][&date_from=...]: the keyword search, =
 * tenyo search --json (q is the keyword query; the filter arguments as for
 * /api/similar). */
static enum MHD_Result api_search(server *s, struct MHD_Connection *conn, request *rq) {
    const char *q = query_arg(conn, "q");
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!similar_args(conn, rq, &k, &mode, &ret)) return ret;
    if (!q || !*q) return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing q");
    filter_args fa;
    memset(&fa, 0, sizeof fa);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_filter, &fa);
    if (fa.status) return reply_error(conn, rq, fa.status, NULL, "%s", fa.msg);
    if (fa.fo.keywords)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "give the keyword query as q, not keywords");
    if (strlen(q) > 4096)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "q longer than 4096 bytes");
    fa.fo.keywords = q;
    fa.fo.any = 1;
    tenyo_hit hits[SRV_MAX_K];
    char msg[SRV_MSG];
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    tenyo_filter *f = NULL;
    unsigned st = use_filter(s, c, &fa.fo, &f, msg, sizeof msg);
    int n = 0;
    if (!st && (n = tenyo_search(c, f, (size_t)k, hits)) < 0) {
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        st = serve_http_status(n);
    }
    tenyo_ctx_set_filter(c, NULL);
    pool_put(&s->pool, c);
    if (st) {
        tenyo_filter_free(f);
        return reply_error(conn, rq, st, NULL, "%s", msg);
    }
    json_t *o = cli_search_json(s->x, &fa.fo, f, k, hits, n);
    tenyo_filter_free(f);
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
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
    int64_t doc = resolve_id(s, conn, rq, id, &ret);
    if (doc < 0) return ret;
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int n = tenyo_similar_doc(c, (uint64_t)doc, mode, (size_t)k, hits);
    char msg[SRV_MSG];
    snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    /* the abstract as the index keeps it ("" without; a damaged section
     * is said in abstract_error, the rest of the answer stands) */
    const char *ab = NULL;
    size_t abl = 0;
    int arc = n < 0 ? 0 : tenyo_doc_abstract(c, (uint64_t)doc, &ab, &abl);
    json_t *abj = arc == 0 && ab ? json_stringn(ab, abl) : NULL;
    json_t *abe = arc ? json_string(tenyo_ctx_error(c)) : NULL;
    pool_put(&s->pool, c);
    if (n < 0) return reply_error(conn, rq, serve_http_status(n), NULL, "%s", msg);
    json_t *p = cli_doc_json(s->x, (uint64_t)doc);
    json_object_set_new(p, "abstract", abj ? abj : json_string(""));
    if (abe) json_object_set_new(p, "abstract_error", abe);
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

/* The answer of a parsed /api/ideas (match 0: qdoc or q->text) or
 * /api/match (match 1: the company text) request: a context from the
 * pool, the request's filter set on it, the CLI's JSON (so the API gives
 * the command's bytes), the context back. */
/* The printable report of an answer (report.c) as text/html with a policy
 * of its own: its inline style (one self-contained file to print or save)
 * and nothing else. Takes the reference to res. */
static enum MHD_Result reply_report(server *s, struct MHD_Connection *conn, request *rq,
                                    tenyo_ctx *c, json_t *res, int match, const char *lang) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int bad = !f || (match ? cli_report_match(f, s->x, c, res, s->path, lang)
                           : cli_report_ideas(f, s->x, c, res, s->path, lang));
    if (f && fclose(f)) bad = 1;
    json_decref(res);
    struct MHD_Response *r = bad ? NULL : MHD_create_response_from_buffer(len, buf,
                                                                           MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot write the report");
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    rq->answered = 1;
    rq->status = MHD_HTTP_OK;
    rq->bytes = len;
    return ret;
}

static enum MHD_Result answer_ideas_as(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_ideas_req *q, int64_t qdoc, int match, int html);

static enum MHD_Result answer_ideas(server *s, struct MHD_Connection *conn, request *rq,
                                    serve_ideas_req *q, int64_t qdoc, int match) {
    return answer_ideas_as(s, conn, rq, q, qdoc, match, 0);
}

/* The answer of /api/ideas or /api/match (html: as the printable report,
 * GET /api/report). */
static enum MHD_Result answer_ideas_as(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_ideas_req *q, int64_t qdoc, int match, int html) {
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    char msg[512];
    int lst = 0;
    tenyo_filter *f = NULL;
    json_t *res = NULL;
    if (match) q->filter.open_only = 0; /* the match's own */
    unsigned st = use_filter(s, c, &q->filter, &f, msg, sizeof msg);
    if (!st) {
        res = match ? cli_match_json(s->x, c, q->text, q->len, &q->io, (size_t)q->n, q->lang, &lst)
                    : cli_ideas_json(s->x, c, qdoc, q->text, q->len, &q->io, (size_t)q->n,
                                     q->lang, &lst);
        if (!res) {
            snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
            st = serve_http_status(lst);
        } else if (f) {
            json_object_set_new(json_object_get(res, "query"), "filter",
                                cli_filter_json(&q->filter, f, s->x));
        }
    }
    enum MHD_Result ret = MHD_NO;
    if (res && html) ret = reply_report(s, conn, rq, c, res, match, q->lang);
    tenyo_ctx_set_filter(c, NULL);
    pool_put(&s->pool, c);
    tenyo_filter_free(f);
    if (res && html) return ret;
    return res ? reply_json(conn, rq, MHD_HTTP_OK, res, NULL)
               : reply_error(conn, rq, st, NULL, "%s", msg);
}

/* GET /api/report?task=ideas|match&body=JSON: the printable report (HTML
 * for A4, as `tenyo ideas --html` / `tenyo match --html`) of the answer
 * POST /api/ideas or /api/match gives for that body. A link the page opens
 * in a new tab, to print or save. */
static enum MHD_Result api_report(server *s, struct MHD_Connection *conn, request *rq) {
    const char *task = query_arg(conn, "task"), *body = query_arg(conn, "body");
    if (!task || (strcmp(task, "ideas") && strcmp(task, "match")))
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "task must be ideas or match");
    if (!body) return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing body");
    if (strlen(body) > SRV_MAX_BODY)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "body longer than %d bytes", SRV_MAX_BODY);
    int match = !strcmp(task, "match");
    serve_ideas_req q;
    char msg[512];
    enum MHD_Result ret;
    unsigned st = match ? serve_match_parse(body, strlen(body), &q, msg, sizeof msg)
                        : serve_ideas_parse(body, strlen(body), &q, msg, sizeof msg);
    int64_t qdoc = -1;
    if (!st && match && q.io.min_confidence < 0) q.io.min_confidence = 0; /* as api_match */
    if (!st && !match && q.id && (qdoc = resolve_id(s, conn, rq, q.id, &ret)) < 0) goto done;
    ret = st ? reply_error(conn, rq, st, NULL, "%s", msg)
             : answer_ideas_as(s, conn, rq, &q, qdoc, match, 1);
done:
    serve_ideas_req_free(&q);
    return ret;
}

/* POST /api/ideas */
static enum MHD_Result api_ideas(server *s, struct MHD_Connection *conn, request *rq) {
    if (rq->too_large)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "request body larger than %d bytes", SRV_MAX_BODY);
    enum MHD_Result ret;
    serve_ideas_req q;
    char msg[512];
    unsigned st = serve_ideas_parse(rq->body, rq->len, &q, msg, sizeof msg);
    int64_t qdoc = -1;
    if (!st && q.id && (qdoc = resolve_id(s, conn, rq, q.id, &ret)) < 0) goto done;
    ret = st ? reply_error(conn, rq, st, NULL, "%s", msg) : answer_ideas(s, conn, rq, &q, qdoc, 0);
done:
    serve_ideas_req_free(&q);
    return ret;
}

/* POST /api/match: the company query (= tenyo match --json) */
static enum MHD_Result api_match(server *s, struct MHD_Connection *conn, request *rq) {
    if (rq->too_large)
        return reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "request body larger than %d bytes", SRV_MAX_BODY);
    serve_ideas_req q;
    char msg[512];
    unsigned st = serve_match_parse(rq->body, rq->len, &q, msg, sizeof msg);
    if (!st && q.io.min_confidence < 0) q.io.min_confidence = 0; /* tenyo match's default */
    enum MHD_Result ret = st ? reply_error(conn, rq, st, NULL, "%s", msg)
                             : answer_ideas(s, conn, rq, &q, -1, 1);
    serve_ideas_req_free(&q);
    return ret;
}

/* Collects the values of one repeated query argument (id= of
 * /api/profile, doc= of /api/map), at most cap of them. */
typedef struct rep_args {
    const char *key;            /* the argument's name */
    const char **ids;           /* room for cap values (owned by MHD) */
    int cap;                    /* room */
    int n;                      /* used */
    int over;                   /* more than cap given */
} rep_args;

static enum MHD_Result collect_rep(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    rep_args *a = cls;
    (void)kind;
    if (strcmp(key, a->key) || !value) return MHD_YES;
    if (a->n == a->cap) {
        a->over = 1;
        return MHD_NO;
    }
    a->ids[a->n++] = value;
    return MHD_YES;
}

/* GET /api/profile?id=ID[&id=...][&n=&min_confidence=&distance=&lang=]:
 * the applicability profile of each patent (= tenyo profile --ids, one
 * object per patent, in the order asked) as {"profiles": [...]}. At most
 * SRV_MAX_PROFILE patents a call: each is one ideas run. */
static enum MHD_Result api_profile(server *s, struct MHD_Connection *conn, request *rq) {
    const char *ids[SRV_MAX_PROFILE];
    rep_args a = {"id", ids, SRV_MAX_PROFILE, 0, 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_rep, &a);
    if (a.over)
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "more than %d id arguments", SRV_MAX_PROFILE);
    if (!a.n) return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing id");
    tenyo_ideas_opts io;
    long n;
    const char *lang;
    char msg[SRV_MSG];
    unsigned st = serve_profile_args(query_arg(conn, "n"), query_arg(conn, "min_confidence"),
                                     query_arg(conn, "distance"), query_arg(conn, "lang"), &io,
                                     &n, &lang, msg, sizeof msg);
    if (st) return reply_error(conn, rq, st, NULL, "%s", msg);
    uint64_t docs[SRV_MAX_PROFILE];
    for (int i = 0; i < a.n; i++) {
        enum MHD_Result ret;
        int64_t d = resolve_id(s, conn, rq, a.ids[i], &ret);
        if (d < 0) return ret;
        docs[i] = (uint64_t)d;
    }
    tenyo_ctx *c = pool_get(&s->pool);
    if (!c) return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int rc;
    json_t *o = cli_profile_json(s->x, c, docs, (size_t)a.n, &io, (size_t)n, lang, &rc);
    if (!o) snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    pool_put(&s->pool, c);
    if (!o) return reply_error(conn, rq, serve_http_status(rc), NULL, "%s", msg);
    return reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
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

/* ---------------------------------------------------- labels of the map */

/*
 * The map's labels are placed here, not in the page: one implementation
 * (tenyo_map_place_labels, tested in C with the rest of the map), the
 * widths of Japanese labels measured by the rule the terminal output uses
 * (East Asian Wide = 2 columns), and the page stays a renderer. The page
 * asks again after every zoom or pan (a few milliseconds for a few hundred
 * fields). Text boxes are estimated, not measured: MAP_FONT_PX pixels high,
 * MAP_NARROW_PX per narrow column and MAP_WIDE_PX per wide character — a
 * little wider than Noto Sans CJK at 11 px, so that estimated boxes that do
 * not overlap hold drawn text that does not either (tests/e2e.sh measures
 * the drawn text with getBBox).
 */
#define MAP_FONT_PX 11.0      /* the page's label font size */
#define MAP_BOX_H 14.0        /* box height: the font and a little air */
#define MAP_NARROW_PX 6.6     /* per narrow column (Latin, digits) */
#define MAP_WIDE_PX 11.6      /* per wide character (kana, kanji) */
#define MAP_LABEL_COLS 16     /* display columns kept of a field's title */

/* Collects the repeated label= and mark= arguments of /api/map. */
typedef struct label_args {
    const char *labels[SRV_MAX_MAP_LABELS]; /* label= values (owned by MHD) */
    int nlabels;                /* used */
    const char *marks[SRV_MAX_MAP_LABELS];  /* mark= values */
    int nmarks;                 /* used */
    int over;                   /* more than SRV_MAX_MAP_LABELS of one */
} label_args;

static enum MHD_Result collect_label(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
    label_args *a = cls;
    (void)kind;
    int is_label = !strcmp(key, "label"), is_mark = !strcmp(key, "mark");
    if ((!is_label && !is_mark) || !value) return MHD_YES;
    int *n = is_label ? &a->nlabels : &a->nmarks;
    if (*n == SRV_MAX_MAP_LABELS) {
        a->over = 1;
        return MHD_NO;
    }
    (is_label ? a->labels : a->marks)[(*n)++] = value;
    return MHD_YES;
}

/* Pixel width of text as the page draws it (see above). */
static double label_px(const char *text) {
    size_t cols = tenyo_text_width(text, strlen(text)), chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    size_t wide = cols > chars ? cols - chars : 0, narrow = chars > wide ? chars - wide : 0;
    return (double)narrow * MAP_NARROW_PX + (double)wide * MAP_WIDE_PX + 4;
}

/* "CODE title" with the title cut to MAP_LABEL_COLS columns ("…" where cut). */
static void label_text(char *out, size_t cap, const char *code, const char *title) {
    /* a subclass named by its class ("（クラス）車両一般"): on the map the
     * 16 columns go to the title; the table beside it says whose it is */
    static const char *const marks[] = {"（クラス）", "（セクション）", "(class) ", "(section) "};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (!strncmp(title, marks[i], strlen(marks[i]))) title += strlen(marks[i]);
    size_t tl = strlen(title), keep = tenyo_text_fit(title, tl, MAP_LABEL_COLS);
    if (keep < tl) keep = tenyo_text_fit(title, tl, MAP_LABEL_COLS - 1);
    snprintf(out, cap, "%s%s%.*s%s", code, *title ? " " : "", (int)keep, title,
             keep < tl ? "…" : "");
}

/* The radius the page gives a field's marker (documents of the field and
 * of the largest one): 2 + 9 sqrt(documents / largest). */
static double field_radius(uint64_t docs, uint64_t most) {
    return 2 + 9 * sqrt((double)docs / (double)(most ? most : 1));
}

/* qsort_r order of field numbers: more documents first, then the lower
 * number (so the order is total and the same on every run). */
static int by_documents(const void *a, const void *b, void *ud) {
    const tenyo_index *x = ud;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const char *c;
    uint64_t ni, nj;
    tenyo_index_field(x, i, &c, &ni);
    tenyo_index_field(x, j, &c, &nj);
    return ni != nj ? (ni > nj ? -1 : 1) : (i > j) - (i < j);
}

/* The labels part of /api/map: {"view", "size", "labels": [{field, text, x,
 * y, w, h, role}], "left_out": [codes]} for the picture va of the map, the
 * fields asked for (label=, in order; important: they may cover background
 * dots when nothing else is free) first, then the largest fields in view;
 * marks are obstacles, every other field in view a soft one. 400 with msg
 * for a bad argument. */
static unsigned map_labels(const server *s, const serve_map_view_args *va,
                           const label_args *la, json_t *o, char *msg, size_t cap) {
    tenyo_index_info in;
    tenyo_index_info_get(s->x, &in);
    const uint32_t nf = in.nfields;
    const double *v = va->view, W = va->width, H = va->height;
    const double sx = W / (v[2] - v[0]), sy = H / (v[3] - v[1]);
    size_t n = 0, cap_l = (size_t)la->nlabels + (size_t)la->nmarks + nf;
    tenyo_map_label *l = calloc(cap_l ? cap_l : 1, sizeof *l);
    int32_t *field_of = calloc(cap_l ? cap_l : 1, sizeof *field_of); /* -1: a mark */
    uint8_t *taken = calloc(nf ? nf : 1, 1);
    uint32_t *order = calloc(nf ? nf : 1, sizeof *order);
    unsigned st = 0;
    if (!l || !field_of || !taken || !order) {
        snprintf(msg, cap, "out of memory");
        st = SRV_HTTP_INTERNAL;
        goto done;
    }
    uint64_t most = 1;
    for (uint32_t j = 0; j < nf; j++) {
        const char *code;
        uint64_t cnt;
        tenyo_index_field(s->x, j, &code, &cnt);
        if (cnt > most) most = cnt;
    }
    double xy[2];
#define PX(mx) ((mx - v[0]) * sx)
#define PY(my) ((v[3] - my) * sy)
    for (int i = 0; i < la->nlabels; i++) {
        char code[5];
        double r;
        if ((st = serve_map_label_arg(la->labels[i], code, &r, msg, cap))) goto done;
        int64_t j = tenyo_index_field_find(s->x, code);
        if (j < 0) {
            snprintf(msg, cap, "label: no field %s in the index", code);
            st = SRV_HTTP_BAD_REQUEST;
            goto done;
        }
        if (taken[j]) continue;
        taken[j] = 1;
        tenyo_map_field(s->map, (uint32_t)j, xy);
        l[n] = (tenyo_map_label){.x = PX(xy[0]), .y = PY(xy[1]), .r = r, .w = 1, .h = MAP_BOX_H,
                                 .important = 1};
        field_of[n++] = (int32_t)j;
    }
    size_t asked = n;
    /* the largest fields whose marker is in the picture: fields by
     * documents, most first, ties by field number (a stable sort) */
    for (uint32_t j = 0; j < nf; j++) order[j] = j;
    qsort_r(order, nf, sizeof *order, by_documents, (void *)s->x);
    long want = va->largest;
    for (uint32_t a = 0; a < nf; a++) {
        uint32_t j = order[a];
        const char *code;
        uint64_t cnt;
        tenyo_index_field(s->x, j, &code, &cnt);
        tenyo_map_field(s->map, j, xy);
        double px = PX(xy[0]), py = PY(xy[1]);
        if (taken[j] || px < 0 || py < 0 || px > W || py > H) continue;
        taken[j] = 1;
        /* a label when still wanted, else an obstacle */
        l[n] = (tenyo_map_label){.x = px, .y = py, .r = field_radius(cnt, most),
                                 .w = want > 0 ? 1 : 0, .h = MAP_BOX_H, .soft = want <= 0};
        field_of[n++] = want-- > 0 ? (int32_t)j : -2;
    }
    for (int i = 0; i < la->nmarks; i++) {
        double m[3];
        if ((st = serve_map_mark_arg(la->marks[i], m, msg, cap))) goto done;
        l[n] = (tenyo_map_label){.x = PX(m[0]), .y = PY(m[1]), .r = m[2]};
        field_of[n++] = -1;
    }
#undef PX
#undef PY
    /* texts and their boxes */
    char (*texts)[160] = calloc(n ? n : 1, sizeof *texts);
    if (!texts) {
        snprintf(msg, cap, "out of memory");
        st = SRV_HTTP_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (field_of[i] < 0 || !(l[i].w > 0)) continue;
        const char *code;
        uint64_t cnt;
        tenyo_index_field(s->x, (uint32_t)field_of[i], &code, &cnt);
        label_text(texts[i], sizeof texts[i], code, tenyo_field_label(s->x, code, va->lang));
        l[i].w = label_px(texts[i]);
    }
    tenyo_map_place_labels(l, n, W, H);
    json_t *arr = json_array(), *left = json_array(), *vj = json_array(), *sz = json_array();
    for (int i = 0; i < 4; i++) json_array_append_new(vj, json_real(v[i]));
    json_array_append_new(sz, json_real(W));
    json_array_append_new(sz, json_real(H));
    for (size_t i = 0; i < n; i++) {
        if (field_of[i] < 0 || !(l[i].w > 0)) continue;
        const char *code;
        uint64_t cnt;
        tenyo_index_field(s->x, (uint32_t)field_of[i], &code, &cnt);
        if (!l[i].placed) {
            json_array_append_new(left, json_string(code));
            continue;
        }
        json_t *e = json_object();
        json_object_set_new(e, "field", json_string(code));
        json_object_set_new(e, "text", json_string(texts[i]));
        json_object_set_new(e, "x", json_real(l[i].bx));
        json_object_set_new(e, "y", json_real(l[i].by));
        json_object_set_new(e, "w", json_real(l[i].w));
        json_object_set_new(e, "h", json_real(l[i].h));
        json_object_set_new(e, "role", json_string(i < asked ? "asked" : "largest"));
        json_array_append_new(arr, e);
    }
    free(texts);
    json_object_set_new(o, "view", vj);
    json_object_set_new(o, "size", sz);
    json_object_set_new(o, "font_px", json_real(MAP_FONT_PX));
    json_object_set_new(o, "labels", arr);
    json_object_set_new(o, "left_out", left);
done:
    free(l);
    free(field_of);
    free(taken);
    free(order);
    return st;
}

/* GET /api/map[?id=|text=][&doc=ID...][&fields=0] */
static enum MHD_Result api_map(server *s, struct MHD_Connection *conn, request *rq) {
    if (!s->map)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                           "this index has no landscape map (no LSA vectors or no fields)");
    const char *id = query_arg(conn, "id"), *text = query_arg(conn, "text");
    const char *fields = query_arg(conn, "fields");
    const char *doc_ids[SRV_MAX_MAP_DOCS];
    rep_args d = {"doc", doc_ids, SRV_MAX_MAP_DOCS, 0, 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_rep, &d);
    int with_fields;
    size_t len;
    char msg[SRV_MSG];
    unsigned st = serve_map_args(id, text, fields, d.over, &with_fields, &len, msg, sizeof msg);
    if (st) return reply_error(conn, rq, st, NULL, "%s", msg);
    const char *view = query_arg(conn, "view");
    label_args la = {.nlabels = 0};
    serve_map_view_args va;
    if (view) {
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_label, &la);
        if (la.over)
            return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "more than %d label or mark arguments", SRV_MAX_MAP_LABELS);
        st = serve_map_view(view, query_arg(conn, "size"), query_arg(conn, "largest"),
                            query_arg(conn, "lang"), &va, msg, sizeof msg);
        if (st) return reply_error(conn, rq, st, NULL, "%s", msg);
    } else if (query_arg(conn, "label") || query_arg(conn, "mark") || query_arg(conn, "size") ||
               query_arg(conn, "largest")) {
        return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "label, mark, size and largest go with view=X0,Y0,X1,Y1");
    }
    if (!id && !text && !d.n && with_fields && !view) {
        return reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->map_json,
                     s->map_len, 0, NULL);
    }
    double xy[2];
    json_t *o = with_fields ? map_fields_json(s->x, s->map) : json_object();
    json_t *docs = json_array();
    for (int i = 0; i < d.n; i++) {
        enum MHD_Result ret;
        int64_t doc = resolve_id(s, conn, rq, d.ids[i], &ret);
        if (doc < 0) {
            json_decref(o);
            json_decref(docs);
            return ret;
        }
        tenyo_map_doc(s->map, (uint64_t)doc, xy);
        json_t *p = json_object();
        json_object_set_new(p, "id", json_string(d.ids[i]));
        json_object_set_new(p, "x", json_real(xy[0]));
        json_object_set_new(p, "y", json_real(xy[1]));
        json_array_append_new(docs, p);
    }
    json_object_set_new(o, "docs", docs);
    if (view && (st = map_labels(s, &va, &la, o, msg, sizeof msg))) {
        json_decref(o);
        return reply_error(conn, rq, st, NULL, "%s", msg);
    }
    if (id || text) {
        enum MHD_Result ret;
        int64_t doc = id ? resolve_id(s, conn, rq, id, &ret) : -1;
        if (id && doc < 0) {
            json_decref(o);
            return ret;
        }
        int ok = 0;
        tenyo_index_info in;
        tenyo_index_info_get(s->x, &in);
        double *sim = calloc(in.nfields ? in.nfields : 1, sizeof *sim);
        if (!sim) {
            json_decref(o);
            return reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        }
        if (doc >= 0) {
            ok = tenyo_map_doc(s->map, (uint64_t)doc, xy) == TENYO_OK &&
                 tenyo_map_doc_similarity(s->map, (uint64_t)doc, sim, in.nfields) >= 0;
        } else {
            tenyo_ctx *c = pool_get(&s->pool);
            if (!c) {
                json_decref(o);
                return reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
            }
            tenyo_hit h;
            int n = tenyo_similar_text(c, text, len, TENYO_MODE_LSA, 1, &h);
            snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
            ok = n >= 0 && tenyo_map_query(s->map, c, xy) == TENYO_OK &&
                 tenyo_map_query_similarity(s->map, c, sim, in.nfields) >= 0;
            pool_put(&s->pool, c);
            if (n < 0 && n != TENYO_ERR_EMPTY) {
                free(sim);
                json_decref(o);
                return reply_error(conn, rq, serve_http_status(n), NULL, "%s", msg);
            }
        }
        json_t *q = json_null();
        if (ok) {
            q = json_object();
            json_object_set_new(q, "x", json_real(xy[0]));
            json_object_set_new(q, "y", json_real(xy[1]));
            /* cosine with each field's centroid, in the order of "fields"
             * (rounded: a picture's table, not a computation's input) */
            json_t *sa = json_array();
            for (uint32_t j = 0; j < in.nfields; j++)
                json_array_append_new(sa, json_real(round(sim[j] * 1e4) / 1e4));
            json_object_set_new(q, "similarity", sa);
        }
        free(sim);
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

/* Content-Length and Host headers seen so far (on_header). */
typedef struct cl_seen {
    const char *first;          /* the first Content-Length value */
    int conflict;               /* a later one differs */
    int hosts;                  /* Host headers */
    int bad_name;               /* a header name with a space or tab in it
                                   ("Host : x": not a Host header to the
                                   check, one to a proxy) */
} cl_seen;

/* MHD header iterator: Content-Length values that differ, Host headers
 * counted, header names that are not tokens. */
static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value) {
    cl_seen *cs = cls;
    (void)kind;
    if (key && strpbrk(key, " \t")) cs->bad_name = 1;
    if (key && !strcasecmp(key, MHD_HTTP_HEADER_HOST)) cs->hosts++;
    if (!key || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) return MHD_YES;
    if (!cs->first) cs->first = value ? value : "";
    else if (strcmp(cs->first, value ? value : "")) cs->conflict = 1;
    return MHD_YES;
}

/* MHD's URI callback, before it splits the query arguments: the request's
 * state starts here. A URI of more than SRV_MAX_ARGS arguments has its
 * query cut off in place (the buffer is the connection's own): splitting
 * thousands of them exhausts the connection's memory, and libmicrohttpd
 * then closes it with no response at all; cut, the handler answers 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)cls;
    (void)conn;
    request *rq = calloc(1, sizeof *rq);
    char *q = uri ? strchr(uri, '?') : NULL;
    if (!rq || !q) return rq;
    rq->nargs = 1;
    for (const char *p = q + 1; *p; p++) rq->nargs += *p == '&';
    if (rq->nargs > SRV_MAX_ARGS) q[1] = 0;
    return rq;
}

/* The MHD access handler: routes one request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    server *s = cls;
    request *rq = *con_cls;
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (!rq || !rq->begun) {
        if (!rq) rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        rq->begun = 1;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        serve_log_path(rq->method, sizeof rq->method, method); /* ESC, CR: not raw */
        serve_log_path(rq->path, sizeof rq->path, url);
        snprintf(rq->client, sizeof rq->client, "-");
        rq->watch = conn_watch_of(conn);
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
        /* RFC 9112 3.2: a 1.1 request without a Host header, or with more
         * than one, is a 400; so is a header name that is not a token
         * (field names end at the colon: "Host : x" would pass the check
         * below as no Host at all) */
        cl_seen cs = {NULL, 0, 0, 0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, on_header, &cs);
        if (cs.bad_name)
            return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "a header name with a space in it");
        if (cs.hosts > 1 || (!cs.hosts && version && !strcmp(version, MHD_HTTP_VERSION_1_1)))
            return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               cs.hosts ? "more than one Host header" : "no Host header");
        const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_HOST);
        if (s->loopback && !serve_host_ok(host) && !serve_host_is(host, s->bind))
            return reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                               "host not allowed: this server answers localhost only");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* two Content-Length headers that differ: which body is meant is
         * unknown (request smuggling); RFC 9112 6.3 says 400 */
        if (cs.conflict)
            return reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "conflicting Content-Length headers");
        /* a transfer coding libmicrohttpd does not decode: the body's end
         * is unknown, so the request would wait for the receive deadline
         * (RFC 9112 6.1: 501) */
        const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_TRANSFER_ENCODING);
        if (te && strcasecmp(te, "chunked"))
            return reply_error(conn, rq, MHD_HTTP_NOT_IMPLEMENTED, NULL,
                               "Transfer-Encoding '%.64s' not supported (chunked only)", te);
        if (rq->nargs > SRV_MAX_ARGS)
            return reply_error(conn, rq, MHD_HTTP_URI_TOO_LONG, NULL,
                               "%zu query arguments; at most %d", rq->nargs, SRV_MAX_ARGS);
        long n;
        if (cl && serve_parse_long(cl, 0, SRV_MAX_BODY, &n))
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
    watch_arm(&s->wd, rq->watch, 0); /* all in: no deadline while answering */

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
    const char *rest;
    serve_route_id route = serve_route(url, &rest);
    if (route == SRV_ROUTE_IDEAS) {
        if (!is_post)
            return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/ideas");
        return api_ideas(s, conn, rq);
    }
    if (route == SRV_ROUTE_MATCH) {
        if (!is_post)
            return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/match");
        return api_match(s, conn, rq);
    }
    if (route == SRV_ROUTE_NONE)
        return reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no such path: %.200s", url);
    if (route == SRV_ROUTE_REPORT && get) return api_report(s, conn, rq);
    if (!get)
        return reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
                           "method %.16s not allowed here", method);
    enum MHD_Result ret = MHD_NO;
    if (!args_ok(conn, rq, route, &ret)) return ret;
    switch (route) {
    case SRV_ROUTE_HEALTH: return api_health(s, conn, rq);
    case SRV_ROUTE_INFO:
        return reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->info_json,
                     s->info_len, 0, NULL);
    case SRV_ROUTE_SIMILAR: return api_similar(s, conn, rq);
    case SRV_ROUTE_MAP: return api_map(s, conn, rq);
    case SRV_ROUTE_RESOLVE: return api_resolve(s, conn, rq);
    case SRV_ROUTE_SEARCH: return api_search(s, conn, rq);
    case SRV_ROUTE_PROFILE: return api_profile(s, conn, rq);
    default: return api_patent(s, conn, rq, rest);
    }
}

/* ============================================================= command */

static const char *serve_usage =
    "usage: tenyo serve INDEX [--bind ADDR] [--port N] [--threads N] [--ipc-titles FILE]\n"
    "                         [--client-conns N] [--quiet]\n"
    "Serve the index over HTTP: a JSON API and the analyst web page.\n"
    "  -b, --bind ADDR      address to listen on (default 127.0.0.1; IPv4 or IPv6)\n"
    "  -p, --port N         TCP port (default 8080; 0 picks a free one)\n"
    "  -t, --threads N      worker threads = query contexts (default: cores, at most 64)\n"
    "  --ipc-titles FILE    IPC scheme TSV for subclass labels (repeatable; - for stdin)\n"
    "  --client-conns N     open connections one client address may hold (default an\n"
    "                       eighth of the connection limit, 128 of 1024; no limit\n"
    "                       when bound to loopback, where every client is one address)\n"
    "  -q, --quiet          no access log\n"
    "Endpoints (each answers with the JSON of the command named; filters as\n"
    "arguments or members: date_from, date_to, applicant, exclude_applicant, fields,\n"
    "exclude_fields, keywords, open_only, kind):\n"
    "  GET  /healthz                        {\"status\": \"ok\", ...}\n"
    "  GET  /api/info                       = tenyo info --json\n"
    "  GET  /api/patent/ID?k=&mode=         the patent, its abstract and its similar\n"
    "  GET  /api/similar?id=|text=&k=&mode= = tenyo similar --json\n"
    "  GET  /api/search?q=QUERY&k=          = tenyo search --json (keyword search)\n"
    "  GET  /api/resolve?q=TYPED            how typed text reads: an indexed id, a\n"
    "                                       (mistyped) number, or text\n"
    "  GET  /api/profile?id=ID&id=...&n=    = tenyo profile's objects (at most 20 ids)\n"
    "  GET  /api/map?id=|text=&doc=ID       the landscape map of the fields\n"
    "  GET  /api/report?task=ideas|match&body=JSON   the printable report (HTML)\n"
    "  POST /api/ideas {\"id\"|\"text\", \"home\", \"distance\", \"n\", \"lang\", \"mode\", ...}\n"
    "                                       = tenyo ideas --json\n"
    "  POST /api/match {\"text\", \"k\", \"home\", \"lang\", ...}   = tenyo match --json\n"
    "  GET  /, /app.js, /app.css            the web page\n"
    "Stops on SIGINT or SIGTERM (exit 0).\n";

/* The connection limit: SRV_MAX_CONNS, or fewer when the descriptor limit
 * (raised to its hard limit first) leaves less room — past it accept()
 * fails with EMFILE, and a listening socket that stays readable makes the
 * polling threads spin. */
static unsigned conn_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return SRV_MAX_CONNS;
    rlim_t want = SRV_MAX_CONNS + SRV_SPARE_FDS;
    if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
        if (setrlimit(RLIMIT_NOFILE, &rl)) getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return SRV_MAX_CONNS;
    if (rl.rlim_cur < SRV_SPARE_FDS + 16) return 16;
    return (unsigned)(rl.rlim_cur - SRV_SPARE_FDS);
}

/* libmicrohttpd's own messages, with our prefix (MHD_OPTION_EXTERNAL_LOGGER);
 * the one of a failed start is replaced by ours with a hint. */
typedef struct mhd_log {
    char last[256];   /* the last message, kept for the start error */
    int started;      /* 1 once the daemon runs: messages go to stderr */
} mhd_log;

static void on_mhd_log(void *ud, const char *fmt, va_list ap) {
    mhd_log *l = ud;
    char m[256];
    vsnprintf(m, sizeof m, fmt, ap);
    m[strcspn(m, "\n")] = 0;
    if (l->started) cli_err("libmicrohttpd: %s\n", m);
    else snprintf(l->last, sizeof l->last, "%s", m);
}

/* Dump j compactly with a newline into *out; 0 ok. */
/* /api/info for a client: the index and the licensable list's source by
 * file name only — absolute paths tell a web page about the analyst's
 * disk and nothing about the index. */
static json_t *info_public(json_t *o) {
    json_t *p = json_object_get(o, "path");
    if (json_is_string(p)) {
        const char *v = json_string_value(p), *b = strrchr(v, '/');
        if (b) json_object_set_new(o, "path", json_string(b + 1));
    }
    json_t *src = json_object_get(json_object_get(json_object_get(o, "licensable"), "list"),
                                  "source");
    if (json_is_string(src)) {
        const char *v = json_string_value(src), *b = strrchr(v, '/');
        if (b) json_string_set(src, b + 1);
    }
    return o;
}

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
        {"client-conns", required_argument, 0, 'C'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *bind = "127.0.0.1", *titles[4];
    int ntitles = 0, c, bad = 0, quiet = 0;
    long port = 8080, threads = sysconf(_SC_NPROCESSORS_ONLN), per_client = 0;
    if (threads < 1) threads = 1;
    if (threads > SRV_MAX_THREADS) threads = SRV_MAX_THREADS;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "b:p:t:qh", lo)) != -1) {
        switch (c) {
        case 'b': bind = optarg; break;
        case 'p': bad |= cli_long("--port", optarg, 0, 65535, &port) != 0; break;
        case 'C': bad |= cli_long("--client-conns", optarg, 1, SRV_MAX_CONNS, &per_client) != 0; break;
        case 't': bad |= cli_long("--threads", optarg, 1, SRV_MAX_THREADS, &threads) != 0; break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = cli_input_path(optarg);
            else { cli_err("at most 4 --ipc-titles files\n"); bad = 1; }
            break;
        case 'q': quiet = 1; break;
        case 'h': return cli_help(serve_usage);
        default: bad = 1;
        }
    }
    if (bad || argc - optind != 1) {
        if (!bad) cli_err(argc - optind < 1 ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(serve_usage);
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
        cli_err("--bind '%s' is not an IPv4 or IPv6 address\n", bind);
        return EXIT_USAGE;
    }
    server s;
    memset(&s, 0, sizeof s);
    s.path = argv[optind];
    s.bind = bind;
    s.quiet = quiet;
    s.loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&a6.sin6_addr)
                    : (ntohl(a4.sin_addr.s_addr) >> 24) == 127;
    int ec = EXIT_OK, pool_ready = 0, wd_ready = 0;
    struct MHD_Daemon *d = NULL;
    tenyo_index *x = NULL;
    char err[512] = "";
    int rc = tenyo_index_open(s.path, &x, err, sizeof err);
    /* everything decoded and checked before the first request: no query
     * pays for it, and a damaged file is refused at start */
    if (!rc) rc = tenyo_index_warm(x, err, sizeof err);
    /* tenyo-mpi serve: the scans shared over its processes from here on */
    if (!rc && cli_serve_share)
        rc = cli_serve_share->opened(cli_serve_share->ud, x, s.path, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        tenyo_index_free(x);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    s.x = x;
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) {
            cli_err("%s\n", err);
            ec = EXIT_INPUT;
            goto done;
        }
    }
    rc = tenyo_map_new(x, &s.map, err, sizeof err);
    if (rc == TENYO_ERR_EMPTY) {
        cli_err("%s; /api/map is not available\n", err);
    } else if (rc) {
        cli_err("%s\n", err);
        ec = EXIT_RESOURCE;
        goto done;
    }
    if (dump_json(info_public(cli_info_json(x, s.path)), &s.info_json, &s.info_len) ||
        (s.map && dump_json(map_fields_json(x, s.map), &s.map_json, &s.map_len))) {
        cli_err("out of memory\n");
        ec = EXIT_RESOURCE;
        goto done;
    }
    rc = pool_init(&s.pool, x, (int)threads, err, sizeof err);
    pool_ready = 1;
    if (rc) {
        cli_err("%s\n", err);
        ec = EXIT_RESOURCE;
        goto done;
    }
    /* load each context's tokenizer now: the first text query is then as
     * fast as the rest, and a dictionary mismatch shows at start */
    for (int i = 0; i < s.pool.n; i++) {
        tenyo_hit h;
        rc = tenyo_similar_text(s.pool.all[i], "warm up", 7, TENYO_MODE_TFIDF, 1, &h);
        if (rc < 0 && rc != TENYO_ERR_EMPTY) {
            cli_err("warning: text queries will fail: %s\n",
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
    /* the receive-deadline watchdog (started after the mask: it inherits it) */
    pthread_mutex_init(&s.wd.mu, NULL);
    pthread_cond_init(&s.wd.cv, NULL);
    s.wd.quiet = quiet;
    wd_ready = 1;
    if (pthread_create(&s.wd.th, NULL, watchdog_main, &s.wd)) {
        cli_err("cannot start a thread\n");
        ec = EXIT_RESOURCE;
        goto done;
    }
    s.wd.running = 1;
    unsigned conns = conn_limit();
    /* one client (address) may hold at most per_client of the conns: idle
     * sockets of one client used to take every slot until they timed out */
    if (per_client <= 0) per_client = s.loopback ? (long)conns : conns / 8 > 4 ? (long)conns / 8 : 4;
    if ((unsigned long)per_client > conns) per_client = conns;
    pthread_mutex_lock(&s.wd.mu);
    s.wd.limit = conns; /* shedding near the limit (watchdog_main) */
    pthread_mutex_unlock(&s.wd.mu);
    /* poll(), not epoll: in epoll mode libmicrohttpd 0.9.75 misses the
     * end-of-file of a client that half-closes mid-request and keeps the
     * connection for the whole idle timeout (bench/serve_chaos.sh,
     * trunc_headers); poll() costs nothing at these connection counts */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (v6) flags |= MHD_USE_IPv6;
    static mhd_log mlog;
    errno = 0;
    d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, &s,
        MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SRV_CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_client,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s.wd,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &mlog,
        MHD_OPTION_END);
    if (!d) {
        int busy = errno == EADDRINUSE || strstr(mlog.last, "in use");
        cli_err("cannot listen on %s port %ld: %s\n", bind, port,
                busy ? "the port is in use"
                     : errno ? strerror(errno) : mlog.last[0] ? mlog.last
                                                          : "libmicrohttpd failed to start");
        if (busy)
            cli_err("hint: another program (another tenyo serve?) listens there; choose "
                    "another --port, or --port 0 for a free one\n");
        ec = EXIT_RESOURCE;
        goto done;
    }
    mlog.started = 1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned actual = di ? di->port : (unsigned)port;
    cli_err("listening on http://%s%s%s:%u/ (%s, %llu documents, %ld threads)\n",
            v6 ? "[" : "", bind, v6 ? "]" : "", actual, s.path,
            (unsigned long long)tenyo_index_ndocs(x), threads);
    /* one query per server thread already fills the cores: BLAS threads
     * would only compete with them (measured: 220 -> 288 req/s, p99 75 ->
     * 50 ms, bench/README.md); OPENBLAS_NUM_THREADS still decides if set */
    if (threads > 1 && !getenv("OPENBLAS_NUM_THREADS")) tenyo_set_blas_threads(1);
    fflush(stderr);
    int sig = 0;
    sigwait(&sigs, &sig);
    cli_err("%s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
done:
    if (d) MHD_stop_daemon(d); /* waits for the requests in flight */
    if (wd_ready) {
        pthread_mutex_lock(&s.wd.mu);
        s.wd.stop = 1;
        pthread_cond_signal(&s.wd.cv);
        pthread_mutex_unlock(&s.wd.mu);
        if (s.wd.running) pthread_join(s.wd.th, NULL);
        /* every connection was notified closed by MHD_stop_daemon: the list
         * is empty; free what a failed start may have left */
        while (s.wd.head) {
            conn_watch *w = s.wd.head;
            s.wd.head = w->next;
            free(w);
        }
        pthread_cond_destroy(&s.wd.cv);
        pthread_mutex_destroy(&s.wd.mu);
    }
    if (pool_ready) pool_destroy(&s.pool);
    free(s.info_json);
    free(s.map_json);
    tenyo_map_free(s.map);
    tenyo_index_free(x);
    return ec;
}
