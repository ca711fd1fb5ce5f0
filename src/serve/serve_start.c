/*
 * serve_start.c — starts (serve_run) and stops the server of `tenyo serve`:
 * a JSON API over HTTP and the analyst web page (src/serve/web/, embedded
 * at build time), on libmicrohttpd; its routes are in tenyo(1).
 *
 * Same answers as the CLI: the JSON comes from the builders the CLI prints
 * (src/views/), so `tenyo ideas --json` and POST /api/ideas are the same bytes
 * (tests/api.sh); defaults follow the CLI. Worksheets in INDEX.worksheets/,
 * sense splits of INDEX.senses (read at start, added to by POST
 * /api/senses): serve_ws.c.
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
 * the start.
 *
 * The files. cli/cmd_serve.c reads the options and calls serve_run
 * (here: open, warm, start, wait for the signal, stop); serve_guard.c is
 * the connection guard (door, watchdog, limits), serve_route.c one
 * request's life and its routing (serve_daemon.h between the three); the
 * handlers are serve_api.c's, serve_map.c's and serve_ws.c's, the replies,
 * argument checks and context pool serve_http.c's, the parsing
 * serve_parse.c's, what is built from the index serve_live.c's, the page's
 * writes serve_update.c's. `tenyo-mpi serve` runs it on process 0 with
 * the scans shared (src/mpi/serve.c, through cli_serve_share). In full:
 * docs/web-and-api.md, "The server in detail".
 */
#include "serve_daemon.h"
#include "serve_mhd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const cli_serve_dist *cli_serve_share;

const serve_limit serve_limits[SERVE_LIM_N] = {
    [SERVE_LIM_PORT] = {"--port", 0, 65535, 8080},
    [SERVE_LIM_THREADS] = {"--threads", 1, SRV_MAX_THREADS, 0},
    [SERVE_LIM_CLIENT_CONNS] = {"--client-conns", 1, SRV_MAX_CONNS, 0},
    [SERVE_LIM_UPLOAD_MB] = {"--upload-max", 1, SRV_UPLOAD_MB_MAX, SRV_UPLOAD_MB},
    [SERVE_LIM_UPLOAD_ROWS] = {"--upload-rows", 1, SRV_UPLOAD_ROWS_MAX, SRV_UPLOAD_ROWS},
    [SERVE_LIM_UPLOAD_SECS] = {"--upload-time", 1, SRV_UPLOAD_TIME_MAX, SRV_UPLOAD_TIME},
    [SERVE_LIM_UPLOAD_DEC_MB] = {"--upload-decompressed", 1, SRV_UPLOAD_DEC_MB_MAX,
                                 SRV_UPLOAD_DEC_MB},
    [SERVE_LIM_WS_MAX] = {"--worksheets", 0, SRV_WS_MAX_CAP, SRV_WS_MAX},
    [SERVE_LIM_WS_MB] = {"--worksheets-mb", 1, SRV_WS_MB_CAP, SRV_WS_MB}};

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

/* Listen on s->bind at dr->addr, start libmicrohttpd's polling threads
 * (no listening socket of their own) and the door that feeds them; *d the
 * daemon. EXIT_OK, or the exit code, said. */
static int start_daemon(server *s, door *dr, long per_client, long threads,
                        struct MHD_Daemon **d) {
    static mhd_log mlog;
    mlog.quiet = s->quiet;
    char why[300];
    if (serve_mhd_open(why, sizeof why)) { /* the library: loaded by this command only */
        cli_err("cannot start the server: %s\n", why);
        return EXIT_RESOURCE;
    }
    const struct sockaddr *a = (const struct sockaddr *)&dr->addr;
    int v6 = a->sa_family == AF_INET6;
    socklen_t alen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    dr->fd = serve_listen_on(a, alen);
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
    unsigned conns = serve_conn_limit();
    /* one client (address) may hold at most per_client of the conns, so
     * its idle sockets cannot take every slot until they time out */
    if (per_client <= 0) per_client = s->loopback ? (long)conns : conns / 8 > 4 ? (long)conns / 8 : 4;
    if ((unsigned long)per_client > conns) per_client = conns;
    pthread_mutex_lock(&s->wd.mu);
    s->wd.limit = conns; /* shedding near the limit (serve_watchdog_main, the door) */
    pthread_mutex_unlock(&s->wd.mu);
    /* poll(), not epoll: in epoll mode libmicrohttpd 0.9.75 misses the
     * end-of-file of a client that half-closes mid-request and keeps the
     * connection for the whole idle timeout (bench/serve_chaos.sh,
     * trunc_headers); the door accepts, so poll()'s passes stay few */
    errno = 0;
    *d = serve_mhd.start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, serve_on_request, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SRV_CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_client,
        MHD_OPTION_NOTIFY_COMPLETED, serve_on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, serve_on_uri, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, serve_on_connection, &s->wd,
        MHD_OPTION_EXTERNAL_LOGGER, serve_on_mhd_log, &mlog,
        MHD_OPTION_END);
    if (!*d) {
        cli_err("cannot start the server: %s\n", errno ? strerror(errno) : mlog.last[0]
                                                   ? mlog.last : "libmicrohttpd failed to start");
        return EXIT_RESOURCE;
    }
    __atomic_store_n(&mlog.started, 1, __ATOMIC_RELEASE);
    dr->d = *d;
    if (pthread_create(&dr->th, NULL, serve_door_main, dr)) {
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
    pthread_rwlock_destroy(&s->senses_mu);
    tenyo_map_free(s->map);
    tenyo_index_free((tenyo_index *)s->x); /* the last one loaded */
    pthread_rwlock_destroy(&s->live);
    pthread_mutex_destroy(&s->job.mu);
}

int serve_run(const serve_config *c) {
    const char *bind = c->bind;
    long port = c->lim[SERVE_LIM_PORT], threads = c->lim[SERVE_LIM_THREADS],
         per_client = c->lim[SERVE_LIM_CLIENT_CONNS];
    int quiet = c->quiet, writable = c->writable;
    if (threads < 1) threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > SRV_MAX_THREADS) threads = SRV_MAX_THREADS;
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    int v6;
    if (listen_addr(bind, port, &a4, &a6, &v6) != EXIT_OK) return EXIT_USAGE;
    server s;
    memset(&s, 0, sizeof s);
    s.path = c->path;
    s.bind = bind;
    s.quiet = quiet;
    s.loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&a6.sin6_addr)
                    : (ntohl(a4.sin_addr.s_addr) >> 24) == 127;
    s.writable = writable;
    if (writable) cli_serve_upload_clean(s.path);
    s.upload_bytes = c->lim[SERVE_LIM_UPLOAD_MB] * 1024 * 1024;
    s.upload_rows = c->lim[SERVE_LIM_UPLOAD_ROWS];
    s.upload_secs = c->lim[SERVE_LIM_UPLOAD_SECS];
    s.upload_dec = (long long)c->lim[SERVE_LIM_UPLOAD_DEC_MB] << 20;
    s.ws_max = c->lim[SERVE_LIM_WS_MAX];
    s.ws_bytes = (long long)c->lim[SERVE_LIM_WS_MB] << 20;
    s.titles = c->titles;
    s.ntitles = c->ntitles;
    /* a reload waits for the requests in flight, and new ones wait for it */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s.live, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&s.job.mu, NULL);
    pthread_rwlock_init(&s.senses_mu, NULL);
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
    ec = cli_serve_prepare(&s, s.titles, s.ntitles, threads, &pool_ready);
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
    serve_watch_init(&s, quiet);
    wd_ready = 1;
    if (pthread_create(&s.wd.th, NULL, serve_watchdog_main, &s.wd)) {
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
    serve_door_stop(&dr); /* no connection added once the daemon stops */
    cli_serve_upload_drain(&s); /* a write under way finishes (or not) whole */
    if (d) serve_mhd.stop_daemon(d); /* waits for the requests in flight */
    if (wd_ready) serve_watchdog_stop(&s.wd);
    if (pool_ready) cli_serve_pool_destroy(&s.pool);
    serve_free(&s);
    return ec;
}
