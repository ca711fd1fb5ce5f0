/*
 * cmd_serve.c — `tenyo serve INDEX`: a JSON API over HTTP and the analyst web
 * page (src/cli/web/, embedded into the binary at build time), on
 * libmicrohttpd. The routes (serve_route, serve_parse.c) are listed in the
 * usage text below and in tenyo(1).
 *
 * Same answers as the CLI: the JSON comes from the builders the CLI prints
 * (render.c), so `tenyo ideas --json` and POST /api/ideas are the same bytes
 * (tests/api.sh); defaults follow the CLI. Worksheets in INDEX.worksheets/,
 * sense splits of INDEX.senses (read at start): serve_ws.c.
 *
 * Threads. MHD's internal polling thread pool (--threads) answers each
 * request on one thread; the index is shared, and a mutex-protected free
 * list holds exactly --threads contexts (serve_http.c). A request that
 * finds none within SRV_CTX_WAIT seconds gets 503, not a queue.
 *
 * Writes. The index is read-only unless --writable (worksheets are saved
 * either way, within --worksheets). A write from the page takes the
 * index's writer lock like `tenyo add`, is committed whole or not at all,
 * and the index is then opened again and swapped in under a read-write
 * lock (serve_live.c, serve_update.c).
 *
 * Limits and errors. Bodies over 64 KiB, texts over 32 KiB: 413; bad
 * values, %00, two differing Content-Lengths: 400; unknown ids (with
 * "did you mean") and paths: 404; wrong methods: 405; a Transfer-Encoding
 * other than chunked: 501; over SRV_MAX_ARGS arguments: 414. Every error
 * is JSON {"error": ...}; 500 only for the server's own failures. What the
 * client sends is checked in serve_parse.c, where the HTTP fuzzer reaches it.
 *
 * Slow and broken clients. Idle connections time out (SRV_CONN_TIMEOUT); a
 * request not complete within SRV_RECV_DEADLINE is cut by the watchdog;
 * connections are capped (SRV_MAX_CONNS, from the descriptor limit), per
 * client address at an eighth unless bound to loopback, where the watchdog
 * instead closes the longest-waiting idle ones once 7/8 of the slots are
 * open. libmicrohttpd polls with poll(), not epoll (epoll misses a
 * half-close mid-request).
 *
 * Safety. Bound to 127.0.0.1 by default; bound to loopback, a Host header
 * naming another host is 403 (DNS rebinding). An argument a route does not
 * read is 400 naming the closest one. The page has a Content-Security-Policy
 * allowing only its own script and style, and builds text with textContent.
 *
 * Shutdown: SIGINT/SIGTERM are blocked in every thread and taken by the
 * main thread's sigwait(), which stops the daemon (requests in flight
 * finish), frees everything and exits 0. One access-log line per request
 * on stderr (path and client percent-encoded); --quiet logs nothing after
 * the start. A libmicrohttpd 0.9.75 bug (a malformed Content-Length
 * answered with doubled headers) is answered with our JSON error instead
 * (answer_bad_length).
 *
 * The files. This one: the command (options, usage, start, shutdown), the
 * watchdog and the request's life (on_uri, on_request's routing, the log);
 * the handlers are serve_api.c's and serve_map.c's, the replies, argument
 * checks and context pool serve_http.c's (serve_http.h), the parsing
 * serve_parse.c's, what is built from the index (and again after a write)
 * serve_live.c's, the page's writes serve_update.c's. `tenyo-mpi serve`
 * runs this server on process 0 with the scans shared (src/mpi/serve.c).
 * The reasons and measurements in full: docs/web-and-api.md, "The server
 * in detail".
 */
#include "cli.h"
#include "serve_http.h"
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

/* One embedded file of the web page (generated $(BUILD)/gen/web.c). */
struct cli_web_file {
    const char *path;           /* URL path, e.g. "/app.js" */
    const char *type;           /* Content-Type */
    const unsigned char *data;  /* bytes */
    size_t len;                 /* byte count */
};
extern const struct cli_web_file cli_web_files[];
extern const size_t cli_web_nfiles;

/* The connection whose request line this thread parsed last (on_uri),
 * until its request reaches on_request or ends: the one a message of
 * libmicrohttpd's about a request's headers is about (answer_bad_length). */
static __thread struct MHD_Connection *tl_conn;

/* ============================================================ contexts */

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

static double mono_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Set w's deadline to now + secs (0: none); upload: what a cut answers
 * (conn_watch.upload). */
static void watch_arm_as(watchdog *wd, conn_watch *w, double secs, int upload) {
    if (!w) return;
    pthread_mutex_lock(&wd->mu);
    w->deadline = secs > 0 ? mono_now() + secs : 0;
    w->secs = secs;
    w->upload = upload;
    pthread_mutex_unlock(&wd->mu);
}

static void watch_arm(watchdog *wd, conn_watch *w, double secs) {
    watch_arm_as(wd, w, secs, 0);
}

/* The watchdog of s made ready to start: its lock and conditions, quiet
 * (no log line per cut), what it answers an upload it cuts (late). */
static void watch_init(server *s, int quiet) {
    pthread_mutex_init(&s->wd.mu, NULL);
    pthread_cond_init(&s->wd.cv, NULL);
    pthread_cond_init(&s->wd.room, NULL);
    s->wd.quiet = quiet;
    s->wd.upload_secs = s->upload_secs;
    for (int whole = 0; whole < 2; whole++) {
        char msg[256];
        cli_serve_upload_late(s, whole, msg, sizeof msg);
        cli_serve_raw_refusal(MHD_HTTP_REQUEST_TIMEOUT, msg, s->wd.late[whole],
                              sizeof s->wd.late[0]);
    }
}

/* Arm w for the rest of an upload's body: the receive deadline, never
 * past the whole body's (--upload-time), a cut answering 408 naming which. */
static void watch_arm_upload(server *s, conn_watch *w, const request *rq) {
    double left = cli_serve_upload_left(s, rq);
    if (left < SRV_RECV_DEADLINE) watch_arm_as(&s->wd, w, left, 2);
    else watch_arm_as(&s->wd, w, SRV_RECV_DEADLINE, 1);
}

/* qsort order of watch entries: the earliest deadline (the connection
 * that has waited longest for its request) first. */
static int by_deadline(const void *a, const void *b) {
    double x = (*(conn_watch *const *)a)->deadline, y = (*(conn_watch *const *)b)->deadline;
    return (x > y) - (x < y);
}

/* Near the connection limit (7/8 open or more): shut down the
 * connections waiting longest for a request (idle or trickling, never one
 * being answered) until 3/4 stay open, sorted once (a burst of thousands
 * is shed in one pass). Returns how many were shut down. Under wd->mu. */
static unsigned shed_oldest(watchdog *wd) {
    if (!wd->limit || wd->live < wd->limit - wd->limit / 8) return 0;
    size_t n = 0, i = 0;
    for (conn_watch *w = wd->head; w; w = w->next) n += !w->cut && w->deadline > 0;
    conn_watch **v = n ? malloc(n * sizeof *v) : NULL;
    if (!v) return 0;
    for (conn_watch *w = wd->head; w; w = w->next)
        if (!w->cut && w->deadline > 0) v[i++] = w;
    qsort(v, n, sizeof *v, by_deadline);
    unsigned shed = 0, open = wd->live, keep = wd->limit - wd->limit / 4;
    for (i = 0; i < n && wd->live > keep; i++) {
        shutdown(v[i]->fd, SHUT_RDWR);
        v[i]->cut = 1;
        wd->live--;
        wd->ncut++;
        shed++;
    }
    free(v);
    if (shed && !wd->quiet) {
        char line[160];
        snprintf(line, sizeof line, "tenyo serve: %u of %u connections open: closed the "
                 "%u waiting longest for a request\n", open, wd->limit, shed);
        fputs(line, stderr);
    }
    return shed;
}

/* Once a second, and at once when a new connection passes 7/8 of the
 * limit (on_connection signals): shed near the limit, then shut down the
 * sockets of connections past their deadline. */
static void *watchdog_main(void *arg) {
    watchdog *wd = arg;
    pthread_mutex_lock(&wd->mu);
    while (!wd->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&wd->cv, &wd->mu, &until);
        double now = mono_now();
        shed_oldest(wd);
        for (conn_watch *w = wd->head; w && !wd->stop; w = w->next) {
            if (w->cut || w->deadline <= 0 || now < w->deadline) continue;
            /* an upload's body is told why (408, as the page shows errors):
             * nothing is sent on its connection while the body comes in */
            const char *late = w->upload ? wd->late[w->upload - 1] : "";
            if (*late) (void)!send(w->fd, late, strlen(late), MSG_NOSIGNAL | MSG_DONTWAIT);
            shutdown(w->fd, SHUT_RDWR);
            w->cut = 1;
            wd->live--;
            wd->ncut++;
            if (!wd->quiet) {
                char line[200];
                if (w->upload == 2)
                    snprintf(line, sizeof line, "tenyo serve: %s: upload not received within "
                             "%ld s (--upload-time), answered 408, connection closed\n",
                             w->client, wd->upload_secs);
                else if (w->upload)
                    snprintf(line, sizeof line, "tenyo serve: %s: upload stalled (nothing for "
                             "%.0f s), answered 408, connection closed\n", w->client, w->secs);
                else
                    snprintf(line, sizeof line, "tenyo serve: %s: request not received within "
                             "%.0f s, connection closed\n", w->client, w->secs);
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
        w->secs = SRV_RECV_DEADLINE;
        w->next = wd->head;
        if (wd->head) wd->head->prev = w;
        wd->head = w;
        wd->live++;
        /* a burst: shed now, not at the next second (the sockets queued
         * behind it wait in the kernel's accept queue until slots free) */
        if (wd->limit && wd->live >= wd->limit - wd->limit / 8) pthread_cond_signal(&wd->cv);
        pthread_mutex_unlock(&wd->mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (tl_conn == conn) tl_conn = NULL; /* freed after this */
        conn_watch *w = *socket_context; /* NULL: went unwatched */
        pthread_mutex_lock(&wd->mu);
        if (w) {
            if (w->prev) w->prev->next = w->next;
            else wd->head = w->next;
            if (w->next) w->next->prev = w->prev;
            if (!w->cut) wd->live--;
        }
        wd->nopen--; /* counted by the door, watched or not */
        pthread_cond_signal(&wd->room); /* the door may wait for a slot */
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

/* ================================================================ door */

/*
 * The door: the listening socket is ours, and one thread accepts on it
 * and hands each connection to libmicrohttpd (MHD_add_connection), which
 * spreads them over its polling threads. libmicrohttpd's own poll() loop
 * accepts one connection per pass over all its sockets, so a burst of N
 * idle sockets cost O(N^2) before a newcomer queued behind them in the
 * kernel's accept queue was even accepted (4,000 sockets: 0.4 s with a slot
 * for each; 11.5 s when the slots were full and shed once a second). The
 * door accepts as fast as the kernel hands connections over. When every
 * slot is taken it sheds the connections waiting longest for a request
 * and waits (at most a second) for libmicrohttpd to close them, so the
 * newcomer gets a slot rather than a closed socket. Rejected: epoll mode,
 * which accepts in a loop but misses half-closes (see the top comment).
 */
typedef struct door {
    struct sockaddr_storage addr; /* where to listen (from --bind, --port) */
    unsigned port;              /* the port bound (--port 0: the kernel's pick) */
    int fd;                     /* the listening socket */
    struct MHD_Daemon *d;       /* where accepted connections go */
    watchdog *wd;               /* the connections open (nopen, room) */
    int stop;                   /* set (atomically) to end the thread */
    pthread_t th;               /* the thread */
    int running;                /* th was started */
} door;

/* The listening socket on address a: its descriptor, or -1 with errno
 * set (EADDRINUSE: the port is taken). */
static int listen_on(const struct sockaddr *a, socklen_t alen) {
    int fd = socket(a->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->sa_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, a, alen) || listen(fd, SOMAXCONN)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Count a connection about to be handed over (nopen: from hand-over to
 * the closed notice, so a burst is counted before libmicrohttpd's threads
 * get to it), first waiting until fewer than 7/8 of the limit are open:
 * libmicrohttpd counts a connection until its cleanup, a little after the
 * closed notice, and refuses one past its limit with a closed socket, so
 * the last eighth is its margin. Sheds the connections waiting longest
 * first; waits at most a second (a server answering on every slot then
 * refuses it). */
static void door_wait_room(door *dr) {
    watchdog *wd = dr->wd;
    pthread_mutex_lock(&wd->mu);
    unsigned room = wd->limit - wd->limit / 8;
    if (wd->limit && wd->nopen >= room) {
        shed_oldest(wd);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (wd->nopen >= room && !__atomic_load_n(&dr->stop, __ATOMIC_ACQUIRE))
            if (pthread_cond_timedwait(&wd->room, &wd->mu, &until)) break;
    }
    wd->nopen++;
    pthread_mutex_unlock(&wd->mu);
}

/* The door's thread: accept, make room, hand over, until stopped. */
static void *door_main(void *arg) {
    door *dr = arg;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(dr->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int e = errno;
        if (__atomic_load_n(&dr->stop, __ATOMIC_ACQUIRE)) {
            if (fd >= 0) close(fd);
            break;
        }
        if (fd < 0) {
            if (e == EBADF || e == EINVAL || e == ENOTSOCK) break;
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                struct timespec t = {0, 10 * 1000 * 1000}; /* until some close */
                nanosleep(&t, NULL);
            }
            continue; /* EINTR, ECONNABORTED, ... */
        }
        door_wait_room(dr);
        if (MHD_add_connection(dr->d, fd, (struct sockaddr *)&ss, len) != MHD_YES) {
            pthread_mutex_lock(&dr->wd->mu); /* refused, fd closed: no notice comes */
            dr->wd->nopen--;
            pthread_mutex_unlock(&dr->wd->mu);
        }
    }
    return NULL;
}

/* Stop the door's thread (a blocked accept returns once the socket is
 * shut down) and close the listening socket. */
static void door_stop(door *dr) {
    if (dr->running) {
        __atomic_store_n(&dr->stop, 1, __ATOMIC_RELEASE);
        shutdown(dr->fd, SHUT_RDWR);
        pthread_mutex_lock(&dr->wd->mu);
        pthread_cond_broadcast(&dr->wd->room);
        pthread_mutex_unlock(&dr->wd->mu);
        pthread_join(dr->th, NULL);
        dr->running = 0;
    }
    if (dr->fd >= 0) close(dr->fd);
    dr->fd = -1;
}

/* ============================================================== server */

/* Append to the body (NUL-terminated); marks too_large past the limit. */
static void body_append(request *rq, const char *p, size_t n) {
    if (rq->too_large) return;
    size_t max = rq->body_max ? rq->body_max : SRV_MAX_BODY;
    if (n > max - rq->len) {
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
    if (tl_conn == conn) tl_conn = NULL; /* it ends: freed after this */
    if (!rq) return;
    if (rq->up) cli_serve_upload_end(s, rq); /* answered or aborted: file and slot freed */
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
    tl_conn = conn;
    request *rq = calloc(1, sizeof *rq);
    char *q = uri ? strchr(uri, '?') : NULL;
    if (!rq || !q) return rq;
    rq->nargs = 1;
    for (const char *p = q + 1; *p; p++) rq->nargs += *p == '&';
    if (rq->nargs > SRV_MAX_ARGS) q[1] = 0;
    return rq;
}

static enum MHD_Result answer(server *s, struct MHD_Connection *conn, request *rq,
                              const char *url, const char *method, int is_post);

/* The MHD access handler: routes one request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    server *s = cls;
    request *rq = *con_cls;
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (tl_conn == conn) tl_conn = NULL; /* its headers passed libmicrohttpd */
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
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "a header name with a space in it");
        if (cs.hosts > 1 || (!cs.hosts && version && !strcmp(version, MHD_HTTP_VERSION_1_1)))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               cs.hosts ? "more than one Host header" : "no Host header");
        const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_HOST);
        if (s->loopback && !serve_host_ok(host) && !serve_host_is(host, s->bind))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                               "host not allowed: this server answers localhost only");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* two Content-Length headers that differ: which body is meant is
         * unknown (request smuggling); RFC 9112 6.3 says 400 */
        if (cs.conflict)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "conflicting Content-Length headers");
        /* a transfer coding libmicrohttpd does not decode: the body's end
         * is unknown, so the request would wait for the receive deadline
         * (RFC 9112 6.1: 501) */
        const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_TRANSFER_ENCODING);
        if (te && strcasecmp(te, "chunked"))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_IMPLEMENTED, NULL,
                               "Transfer-Encoding '%.64s' not supported (chunked only)", te);
        if (rq->nargs > SRV_MAX_ARGS)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_URI_TOO_LONG, NULL,
                               "%zu query arguments; at most %d", rq->nargs, SRV_MAX_ARGS);
        const char *rest0;
        serve_route_id r0 = serve_route(url, &rest0);
        if (is_post && (r0 == SRV_ROUTE_ADD || r0 == SRV_ROUTE_LICENSABLE)) {
            enum MHD_Result ret = cli_serve_upload_begin(s, conn, rq, r0, cl); /* its own limits */
            if (rq->up && !rq->answered) watch_arm_upload(s, rq->watch, rq); /* its body's time */
            return ret;
        }
        long n;
        /* a worksheet takes as much as its file may hold (tenyo.h) */
        rq->body_max = is_post && r0 == SRV_ROUTE_WORKSHEET ? TENYO_WORKSHEET_MAX : SRV_MAX_BODY;
        if (cl && serve_parse_long(cl, 0, (long)rq->body_max, &n))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                               "request body larger than %zu bytes", rq->body_max);
        /* answer on a later call: MHD closes the connection after a reply
         * queued while only the headers are in (an early response) */
        return MHD_YES;
    }
    if (rq->answered) { /* early cli_serve_reply (403/413): drop whatever still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->up) {
            enum MHD_Result ret = cli_serve_upload_piece(s, conn, rq, upload_data,
                                                         *upload_data_size);
            *upload_data_size = 0;
            if (rq->answered) return ret; /* refused: answered at once */
            /* coming in: more time, never past the whole body's deadline */
            watch_arm_upload(s, rq->watch, rq);
        } else {
            body_append(rq, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    watch_arm(&s->wd, rq->watch, 0); /* all in: no deadline while answering */
    if (rq->up) return cli_serve_upload_finish(s, conn, rq); /* takes live itself */
    pthread_rwlock_rdlock(&s->live); /* the index is not replaced while in use */
    enum MHD_Result ret = answer(s, conn, rq, url, method, is_post);
    pthread_rwlock_unlock(&s->live);
    return ret;
}

/* Answer a request whose body is in (under live's read lock): the page's
 * files, then the API routes. */
static enum MHD_Result answer(server *s, struct MHD_Connection *conn, request *rq,
                              const char *url, const char *method, int is_post) {

    int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    /* static files of the page */
    const char *file = !strcmp(url, "/") ? "/index.html" : url;
    for (size_t i = 0; i < cli_web_nfiles; i++) {
        if (strcmp(file, cli_web_files[i].path)) continue;
        if (!get)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
                               "method %.16s not allowed here", method);
        return cli_serve_reply(conn, rq, MHD_HTTP_OK, cli_web_files[i].type,
                     (void *)cli_web_files[i].data, cli_web_files[i].len, 0, NULL);
    }
    const char *rest;
    serve_route_id route = serve_route(url, &rest);
    if (route == SRV_ROUTE_IDEAS) {
        if (!is_post)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/ideas");
        return cli_serve_api_ideas(s, conn, rq);
    }
    if (route == SRV_ROUTE_IDEAS_CSV) {
        if (!is_post)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/ideas.csv");
        return cli_serve_api_ideas_csv(s, conn, rq);
    }
    if (route == SRV_ROUTE_MATCH) {
        if (!is_post)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                               "use POST with a JSON body for /api/match");
        return cli_serve_api_match(s, conn, rq);
    }
    if (route == SRV_ROUTE_WORKSHEET && is_post) return cli_serve_api_worksheet_post(s, conn, rq);
    if (route == SRV_ROUTE_NONE)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no such path: %.200s", url);
    if (route == SRV_ROUTE_REPORT && get) return cli_serve_api_report(s, conn, rq);
    if (route == SRV_ROUTE_ADD || route == SRV_ROUTE_LICENSABLE)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
                           "use POST with the file as the body for %s", url);
    if (!get)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
                           "method %.16s not allowed here", method);
    enum MHD_Result ret = MHD_NO;
    if (!cli_serve_args_ok(conn, rq, route, &ret)) return ret;
    switch (route) {
    case SRV_ROUTE_HEALTH: return cli_serve_api_health(s, conn, rq);
    case SRV_ROUTE_OPTIONS: return cli_serve_api_options(conn, rq);
    case SRV_ROUTE_INFO:
        return cli_serve_reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->info_json,
                     s->info_len, 0, NULL);
    case SRV_ROUTE_SIMILAR: return cli_serve_api_similar(s, conn, rq);
    case SRV_ROUTE_MAP: return cli_serve_api_map(s, conn, rq);
    case SRV_ROUTE_RESOLVE: return cli_serve_api_resolve(s, conn, rq);
    case SRV_ROUTE_SEARCH: return cli_serve_api_search(s, conn, rq);
    case SRV_ROUTE_PROFILE: return cli_serve_api_profile(s, conn, rq);
    case SRV_ROUTE_UPDATES: return cli_serve_api_updates(s, conn, rq);
    case SRV_ROUTE_WORKSHEET: return cli_serve_api_worksheet_get(s, conn, rq);
    case SRV_ROUTE_SENSES: return cli_serve_api_senses(s, conn, rq);
    case SRV_ROUTE_SENTENCES: return cli_serve_api_sentences(s, conn, rq);
    default: return cli_serve_api_patent(s, conn, rq, rest);
    }
}

/* ============================================================= command */

static const char *serve_usage =
    "usage: tenyo serve INDEX [--bind ADDR] [--port N] [--threads N] [--ipc-titles FILE]\n"
    "                         [--client-conns N] [--writable [--upload-max MB]\n"
    "                         [--upload-rows N] [--upload-time S]\n"
    "                         [--upload-decompressed MB]] [--worksheets N]\n"
    "                         [--worksheets-mb MB] [--quiet]\n"
    "Serve the index over HTTP: a JSON API and the analyst web page. Read-only\n"
    "unless --writable: then the page can add a J-PlatPat export to the index and\n"
    "load the licensable list, as tenyo add and tenyo open --from do (the same\n"
    "writer lock; all of a file or nothing). The analysts' worksheets are saved\n"
    "beside the index (INDEX.worksheets/) writable or not, within the limits below.\n"
    "  -b, --bind ADDR      address to listen on (default 127.0.0.1; IPv4 or IPv6)\n"
    "  -p, --port N         TCP port (default 8080; 0 picks a free one)\n"
    "  -t, --threads N      worker threads = query contexts (default: cores, at most 64)\n"
    "  --ipc-titles FILE    IPC scheme TSV for subclass labels (repeatable; - for stdin)\n"
    "  --client-conns N     open connections one client address may hold (default an\n"
    "                       eighth of the connection limit, 1024 of 8192; no limit\n"
    "                       when bound to loopback, where every client is one address)\n"
    "  --writable           let the page (POST /api/add, /api/licensable) change the\n"
    "                       index; without it those answer 403\n"
    "  --upload-max MB      largest file the page may send (default 32, at most 1024)\n"
    "  --upload-rows N      most records one file may hold (default 20000)\n"
    "  --upload-time S      seconds a whole file may take to arrive (default 300)\n"
    "  --upload-decompressed MB  most a zstd-compressed file may hold once\n"
    "                       decompressed (default 256)\n"
    "  --worksheets N       most worksheets the page may save, for patents (or\n"
    "                       companies) of the index (default 1000; 0: none)\n"
    "  --worksheets-mb MB   most MiB they may take in all (default 256)\n"
    "  -q, --quiet          no access log, no line about bad requests or closed\n"
    "                       connections (errors at start still shown)\n"
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
    "  GET  /api/report?task=ideas|match&body=JSON[&kept=1]   the printable report\n"
    "                                       (HTML; kept=1: the worksheet's kept cards)\n"
    "  POST /api/worksheet                  save a worksheet (ideas --worksheet's JSON,\n"
    "                                       up to 4 MiB) in INDEX.worksheets/\n"
    "  GET  /api/worksheet?id=|patent=      a saved worksheet\n"
    "  GET  /api/senses                     the remembered sense splits (INDEX.senses)\n"
    "  GET  /api/sentences?id=ID            the patent's sentences, numbered for focus\n"
    "  POST /api/ideas {\"id\"|\"text\", \"home\", \"distance\", \"n\", \"lang\", \"mode\", ...}\n"
    "                                       = tenyo ideas --json\n"
    "  POST /api/ideas.csv (the same body)  = tenyo ideas --csv --bom\n"
    "  GET  /api/ideas/options              the ideas options: names, types, bounds\n"
    "  POST /api/match {\"text\", \"k\", \"home\", \"lang\", ...}   = tenyo match --json\n"
    "  POST /api/add?name=FILE (the file as the body)   = tenyo add (--writable)\n"
    "  POST /api/licensable?name=FILE[&column=C]        = tenyo open --from (--writable)\n"
    "  GET  /api/updates                    writable or not, the limits, the write\n"
    "                                       under way (its stage and progress)\n"
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

/* libmicrohttpd's own messages, with our prefix (MHD_OPTION_EXTERNAL_LOGGER),
 * none with --quiet; the one of a failed start is replaced by ours with a
 * hint. */
typedef struct mhd_log {
    char last[256];   /* the last message, kept for the start error */
    int started;      /* 1 once the daemon runs (atomic): messages go to stderr */
    int quiet;        /* --quiet: none after the start */
} mhd_log;

/* Whether Content-Length value v is what libmicrohttpd refused: no
 * decimal number (too_large 0), or one past 64 bits (too_large 1). */
static int length_refused(const char *v, int too_large) {
    size_t n = strspn(v, "0123456789");
    return too_large ? !v[n] && n >= 19 : !n || v[n];
}

/* libmicrohttpd 0.9.75 answers a Content-Length that is no number (-1,
 * 1x) or past 64 bits with a 400/413 of its own and then, its state
 * machine running on, builds the response's headers a second time: the
 * client reads them as the body. Its message about the header comes
 * before it builds anything, on the thread parsing that request; there
 * the request gets our JSON answer written on its socket, which is then
 * shut down, so libmicrohttpd's sends fail and it closes the connection.
 * Only when the connection this thread parsed last (tl_conn) holds such a
 * value: if another was parsed in between, libmicrohttpd's answer stands. */
static void answer_bad_length(int too_large) {
    struct MHD_Connection *c = tl_conn;
    const char *v = c ? MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_LENGTH) : NULL;
    const union MHD_ConnectionInfo *fi =
        v && length_refused(v, too_large)
            ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD) : NULL;
    if (!fi) return;
    char body[128], all[512];
    int bl = too_large ? snprintf(body, sizeof body, "{\"error\":\"request body larger than %d "
                                  "bytes\"}\n", SRV_MAX_BODY)
                       : snprintf(body, sizeof body, "{\"error\":\"Content-Length is not a "
                                  "byte count\"}\n");
    int n = snprintf(all, sizeof all, "HTTP/1.1 %s\r\nContent-Type: application/json; "
                     "charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: "
                     "no-store\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
                     too_large ? "413 Content Too Large" : "400 Bad Request", bl, body);
    if (send(fi->connect_fd, all, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) { /* closed */ }
    shutdown(fi->connect_fd, SHUT_RDWR);
    tl_conn = NULL;
}

static void on_mhd_log(void *ud, const char *fmt, va_list ap) {
    mhd_log *l = ud;
    char m[256];
    vsnprintf(m, sizeof m, fmt, ap);
    m[strcspn(m, "\n")] = 0;
    if (!strncmp(m, "Failed to parse `Content-Length'", 32)) answer_bad_length(0);
    else if (!strncmp(m, "Too large value of 'Content-Length'", 35)) answer_bad_length(1);
    if (!__atomic_load_n(&l->started, __ATOMIC_ACQUIRE))
        snprintf(l->last, sizeof l->last, "%s", m);
    else if (!l->quiet)
        cli_err("libmicrohttpd: %s\n", m);
}

/* The listening address: bind (IPv4 or IPv6) and port into *a4 or *a6
 * (*v6 says which); EXIT_USAGE, said, when bind is neither. */
static int listen_addr(const char *bind, long port, struct sockaddr_in *a4,
                       struct sockaddr_in6 *a6, int *v6) {
    memset(a4, 0, sizeof *a4);
    memset(a6, 0, sizeof *a6);
    *v6 = 0;
    if (inet_pton(AF_INET, bind, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = 1;
    } else {
        cli_err("--bind '%s' is not an IPv4 or IPv6 address\n", bind);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The remembered sense splits (INDEX.senses), as `ideas` reads them:
 * read once at the start (a write from the page does not change them).
 * EXIT_OK, or the exit code, said. */
static int serve_senses(server *s) {
    if (!(s->senses_path = cli_senses_path(s->path, NULL))) return EXIT_RESOURCE;
    return cli_senses_open(s->senses_path, 0, &s->senses);
}

/* Stop the receive-deadline watchdog and free its list. */
static void watchdog_stop(watchdog *wd) {
    pthread_mutex_lock(&wd->mu);
    wd->stop = 1;
    pthread_cond_signal(&wd->cv);
    pthread_mutex_unlock(&wd->mu);
    if (wd->running) pthread_join(wd->th, NULL);
    /* every connection was notified closed by MHD_stop_daemon: the list
     * is empty; free what a failed start may have left */
    while (wd->head) {
        conn_watch *w = wd->head;
        wd->head = w->next;
        free(w);
    }
    pthread_cond_destroy(&wd->cv);
    pthread_cond_destroy(&wd->room);
    pthread_mutex_destroy(&wd->mu);
}

/* Listen on s->bind at dr->addr, start libmicrohttpd's polling threads
 * (no listening socket of their own) and the door that feeds them; *d the
 * daemon. EXIT_OK, or the exit code, said. */
static int start_daemon(server *s, door *dr, long per_client, long threads,
                        struct MHD_Daemon **d) {
    static mhd_log mlog;
    mlog.quiet = s->quiet;
    const struct sockaddr *a = (const struct sockaddr *)&dr->addr;
    int v6 = a->sa_family == AF_INET6;
    socklen_t alen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    dr->fd = listen_on(a, alen);
    if (dr->fd < 0) {
        int busy = errno == EADDRINUSE;
        cli_err("cannot listen on %s port %u: %s\n", s->bind, dr->port,
                busy ? "the port is in use" : strerror(errno));
        if (busy)
            cli_err("hint: another program (another tenyo serve?) listens there; choose "
                    "another --port, or --port 0 for a free one\n");
        return EXIT_RESOURCE;
    }
    struct sockaddr_storage got;
    socklen_t glen = sizeof got;
    if (!getsockname(dr->fd, (struct sockaddr *)&got, &glen))
        dr->port = ntohs(v6 ? ((struct sockaddr_in6 *)(void *)&got)->sin6_port
                            : ((struct sockaddr_in *)(void *)&got)->sin_port);
    unsigned conns = conn_limit();
    /* one client (address) may hold at most per_client of the conns, so
     * its idle sockets cannot take every slot until they time out */
    if (per_client <= 0) per_client = s->loopback ? (long)conns : conns / 8 > 4 ? (long)conns / 8 : 4;
    if ((unsigned long)per_client > conns) per_client = conns;
    pthread_mutex_lock(&s->wd.mu);
    s->wd.limit = conns; /* shedding near the limit (watchdog_main, the door) */
    pthread_mutex_unlock(&s->wd.mu);
    /* poll(), not epoll: in epoll mode libmicrohttpd 0.9.75 misses the
     * end-of-file of a client that half-closes mid-request and keeps the
     * connection for the whole idle timeout (bench/serve_chaos.sh,
     * trunc_headers); the door accepts, so poll()'s passes stay few */
    errno = 0;
    *d = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SRV_CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_client,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s->wd,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &mlog,
        MHD_OPTION_END);
    if (!*d) {
        cli_err("cannot start the server: %s\n", errno ? strerror(errno) : mlog.last[0]
                                                   ? mlog.last : "libmicrohttpd failed to start");
        return EXIT_RESOURCE;
    }
    __atomic_store_n(&mlog.started, 1, __ATOMIC_RELEASE);
    dr->d = *d;
    if (pthread_create(&dr->th, NULL, door_main, dr)) {
        cli_err("cannot start a thread\n");
        return EXIT_RESOURCE;
    }
    dr->running = 1;
    return EXIT_OK;
}

/* What the server holds, freed once no request runs. */
static void serve_free(server *s) {
    free(s->info_json);
    free(s->map_json);
    tenyo_senses_free(s->senses);
    free(s->senses_path);
    tenyo_map_free(s->map);
    tenyo_index_free((tenyo_index *)s->x); /* the last one loaded */
    pthread_rwlock_destroy(&s->live);
    pthread_mutex_destroy(&s->job.mu);
}

/* The numeric limits of serve's options, by their short code. */
enum { LIM_UPLOAD_MB, LIM_UPLOAD_ROWS, LIM_UPLOAD_SECS, LIM_UPLOAD_DEC_MB, LIM_WS_MAX, LIM_WS_MB,
       LIM_N };
static const struct {
    int c;
    const char *name;
    long lo, hi, def;
} serve_limits[LIM_N] = {
    {'U', "--upload-max", 1, SRV_UPLOAD_MB_MAX, SRV_UPLOAD_MB},
    {'R', "--upload-rows", 1, SRV_UPLOAD_ROWS_MAX, SRV_UPLOAD_ROWS},
    {'T', "--upload-time", 1, SRV_UPLOAD_TIME_MAX, SRV_UPLOAD_TIME},
    {'Z', "--upload-decompressed", 1, SRV_UPLOAD_DEC_MB_MAX, SRV_UPLOAD_DEC_MB},
    {'S', "--worksheets", 0, SRV_WS_MAX_CAP, SRV_WS_MAX},
    {'M', "--worksheets-mb", 1, SRV_WS_MB_CAP, SRV_WS_MB}};

/* Option c with argument arg into lim[] when it is a limit: 0 taken, 1
 * taken but refused (said), -1 not a limit. */
static int limit_opt(int c, const char *arg, long *lim) {
    for (int i = 0; i < LIM_N; i++)
        if (serve_limits[i].c == c)
            return cli_long(serve_limits[i].name, arg, serve_limits[i].lo, serve_limits[i].hi,
                            &lim[i]) != 0;
    return -1;
}

int cli_cmd_serve(int argc, char **argv) {
    static const struct option lo[] = {
        {"bind", required_argument, 0, 'b'}, {"port", required_argument, 0, 'p'},
        {"threads", required_argument, 0, 't'}, {"ipc-titles", required_argument, 0, 'I'},
        {"client-conns", required_argument, 0, 'C'}, {"writable", no_argument, 0, 'W'},
        {"upload-max", required_argument, 0, 'U'}, {"upload-rows", required_argument, 0, 'R'},
        {"upload-time", required_argument, 0, 'T'},
        {"upload-decompressed", required_argument, 0, 'Z'},
        {"worksheets", required_argument, 0, 'S'}, {"worksheets-mb", required_argument, 0, 'M'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *bind = "127.0.0.1", *titles[4];
    int ntitles = 0, c, bad = 0, quiet = 0, writable = 0;
    long port = 8080, threads = sysconf(_SC_NPROCESSORS_ONLN), per_client = 0;
    long lim[LIM_N];
    for (int i = 0; i < LIM_N; i++) lim[i] = serve_limits[i].def;
    if (threads < 1) threads = 1;
    if (threads > SRV_MAX_THREADS) threads = SRV_MAX_THREADS;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "b:p:t:qh", lo)) != -1) {
        int l = limit_opt(c, optarg, lim);
        if (l >= 0) {
            bad |= l;
            continue;
        }
        switch (c) {
        case 'b': bind = optarg; break;
        case 'p': bad |= cli_long("--port", optarg, 0, 65535, &port) != 0; break;
        case 'C': bad |= cli_long("--client-conns", optarg, 1, SRV_MAX_CONNS, &per_client) != 0; break;
        case 't': bad |= cli_long("--threads", optarg, 1, SRV_MAX_THREADS, &threads) != 0; break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = cli_input_path(optarg);
            else { cli_err("at most 4 --ipc-titles files\n"); bad = 1; }
            break;
        case 'W': writable = 1; break;
        case 'q': quiet = 1; break;
        case 'h': return cli_help(serve_usage);
        default: bad = 1;
        }
    }
    if (bad || argc - optind != 1) {
        if (!bad) cli_err(argc - optind < 1 ? "no INDEX\n" : "one INDEX only\n");
        return cli_usage_error(serve_usage);
    }
    if (writable && cli_serve_share) {
        cli_err("--writable: not with tenyo-mpi serve (its processes hold the index as it "
                "was); use tenyo serve\n");
        return EXIT_USAGE;
    }
    for (int i = 0; writable && i < ntitles; i++)
        if (!strcmp(titles[i], "/dev/stdin")) {
            cli_err("--writable: --ipc-titles - cannot be read again when the index is "
                    "reloaded; give a file\n");
            return EXIT_USAGE;
        }
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    int v6;
    if (listen_addr(bind, port, &a4, &a6, &v6) != EXIT_OK) return EXIT_USAGE;
    server s;
    memset(&s, 0, sizeof s);
    s.path = argv[optind];
    s.bind = bind;
    s.quiet = quiet;
    s.loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&a6.sin6_addr)
                    : (ntohl(a4.sin_addr.s_addr) >> 24) == 127;
    s.writable = writable;
    if (writable) cli_serve_upload_clean(s.path);
    s.upload_bytes = lim[LIM_UPLOAD_MB] * 1024 * 1024;
    s.upload_rows = lim[LIM_UPLOAD_ROWS];
    s.upload_secs = lim[LIM_UPLOAD_SECS];
    s.upload_dec = (long long)lim[LIM_UPLOAD_DEC_MB] << 20;
    s.ws_max = lim[LIM_WS_MAX];
    s.ws_bytes = (long long)lim[LIM_WS_MB] << 20;
    s.titles = titles;
    s.ntitles = ntitles;
    /* a reload waits for the requests in flight, and new ones wait for it */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s.live, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&s.job.mu, NULL);
    int ec = EXIT_OK, pool_ready = 0, wd_ready = 0;
    struct MHD_Daemon *d = NULL;
    door dr = {.fd = -1, .wd = &s.wd, .port = (unsigned)port};
    if (v6) memcpy(&dr.addr, &a6, sizeof a6);
    else memcpy(&dr.addr, &a4, sizeof a4);
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
    if ((ec = serve_senses(&s)) != EXIT_OK) goto done;
    ec = cli_serve_prepare(&s, titles, ntitles, threads, &pool_ready);
    if (ec != EXIT_OK) goto done;
    /* SIGINT/SIGTERM blocked here, before MHD starts its threads, so that
     * only sigwait below receives them; SIGPIPE ignored */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* the receive-deadline watchdog (started after the mask: it inherits it) */
    watch_init(&s, quiet);
    wd_ready = 1;
    if (pthread_create(&s.wd.th, NULL, watchdog_main, &s.wd)) {
        cli_err("cannot start a thread\n");
        ec = EXIT_RESOURCE;
        goto done;
    }
    s.wd.running = 1;
    /* read before the daemon starts: a write from the page may swap x out */
    unsigned long long ndocs = (unsigned long long)tenyo_index_ndocs(x);
    ec = start_daemon(&s, &dr, per_client, threads, &d);
    if (ec != EXIT_OK) goto done;
    cli_err("listening on http://%s%s%s:%u/ (%s, %llu documents, %ld threads%s)\n",
            v6 ? "[" : "", bind, v6 ? "]" : "", dr.port, s.path, ndocs, threads,
            writable ? "; writable: the page may add records and load a licensable list"
                     : "; read-only");
    /* one query per server thread already fills the cores: BLAS threads
     * would only compete with them (measured: 220 -> 288 req/s, p99 75 ->
     * 50 ms, bench/README.md); OPENBLAS_NUM_THREADS still decides if set */
    if (threads > 1 && !getenv("OPENBLAS_NUM_THREADS")) tenyo_set_blas_threads(1);
    fflush(stderr);
    int sig = 0;
    sigwait(&sigs, &sig);
    cli_err("%s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
done:
    door_stop(&dr); /* no connection added once the daemon stops */
    cli_serve_upload_drain(&s); /* a write under way finishes (or not) whole */
    if (d) MHD_stop_daemon(d); /* waits for the requests in flight */
    if (wd_ready) watchdog_stop(&s.wd);
    if (pool_ready) cli_serve_pool_destroy(&s.pool);
    serve_free(&s);
    return ec;
}
