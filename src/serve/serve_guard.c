/*
 * serve_guard.c — the connection guard of `tenyo serve`: what stands
 * between the network and the requests. The door (our listening socket,
 * one thread accepting and handing each connection to libmicrohttpd), the
 * receive-deadline watchdog (a whole request within SRV_RECV_DEADLINE;
 * near the connection limit the connections waiting longest for a request
 * are shut down), the connection limit from the descriptor limit, and
 * libmicrohttpd's own messages (a malformed Content-Length answered with
 * our JSON error: answer_bad_length). The reasons and measurements:
 * serve_start.c's opening comment and docs/web-and-api.md, "The server in
 * detail".
 *
 * Who calls whom: serve_start.c starts and stops the door and the
 * watchdog and hands serve_on_connection and serve_on_mhd_log to
 * libmicrohttpd; serve_route.c arms a connection's deadline
 * (serve_watch_arm) as its request comes in and is answered. This file
 * calls views/ (cli_err) and the library through tenyo.h only.
 */
#include "serve_daemon.h"
#include "serve_mhd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* serve_daemon.h; read by answer_bad_length. */
__thread struct MHD_Connection *serve_tl_conn;

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
void serve_watch_arm_as(watchdog *wd, conn_watch *w, double secs, int upload) {
    if (!w) return;
    pthread_mutex_lock(&wd->mu);
    w->deadline = secs > 0 ? mono_now() + secs : 0;
    w->secs = secs;
    w->upload = upload;
    pthread_mutex_unlock(&wd->mu);
}

void serve_watch_arm(watchdog *wd, conn_watch *w, double secs) {
    serve_watch_arm_as(wd, w, secs, 0);
}

void serve_watch_init(server *s, int quiet) {
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

void serve_watch_arm_upload(server *s, conn_watch *w, const request *rq) {
    double left = cli_serve_upload_left(s, rq);
    if (left < SRV_RECV_DEADLINE) serve_watch_arm_as(&s->wd, w, left, 2);
    else serve_watch_arm_as(&s->wd, w, SRV_RECV_DEADLINE, 1);
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
 * limit (serve_on_connection signals): shed near the limit, then shut down the
 * sockets of connections past their deadline. */
void *serve_watchdog_main(void *arg) {
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
void serve_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    watchdog *wd = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = NULL;
        const union MHD_ConnectionInfo *fi =
            serve_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_watch *w = fi ? calloc(1, sizeof *w) : NULL;
        if (!w) return;
        w->fd = fi->connect_fd;
        snprintf(w->client, sizeof w->client, "-");
        const union MHD_ConnectionInfo *ci =
            serve_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
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
        if (serve_tl_conn == conn) serve_tl_conn = NULL; /* freed after this */
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
conn_watch *serve_conn_watch_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci =
        serve_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* ================================================================ door */

/* The listening socket on address a: its descriptor, or -1 with errno
 * set (EADDRINUSE: the port is taken). */
int serve_listen_on(const struct sockaddr *a, socklen_t alen) {
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
void *serve_door_main(void *arg) {
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
        if (serve_mhd.add_connection(dr->d, fd, (struct sockaddr *)&ss, len) != MHD_YES) {
            pthread_mutex_lock(&dr->wd->mu); /* refused, fd closed: no notice comes */
            dr->wd->nopen--;
            pthread_mutex_unlock(&dr->wd->mu);
        }
    }
    return NULL;
}

/* Stop the door's thread (a blocked accept returns once the socket is
 * shut down) and close the listening socket. */
void serve_door_stop(door *dr) {
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

/* The connection limit: SRV_MAX_CONNS, or fewer when the descriptor limit
 * (raised to its hard limit first) leaves less room — past it accept()
 * fails with EMFILE, and a listening socket that stays readable makes the
 * polling threads spin. */
unsigned serve_conn_limit(void) {
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
 * Only when the connection this thread parsed last (serve_tl_conn) holds such a
 * value: if another was parsed in between, libmicrohttpd's answer stands. */
static void answer_bad_length(int too_large) {
    struct MHD_Connection *c = serve_tl_conn;
    const char *v = c ? serve_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_LENGTH) : NULL;
    const union MHD_ConnectionInfo *fi =
        v && length_refused(v, too_large)
            ? serve_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD) : NULL;
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
    serve_tl_conn = NULL;
}

void serve_on_mhd_log(void *ud, const char *fmt, va_list ap) {
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

/* Stop the receive-deadline watchdog and free its list. */
void serve_watchdog_stop(watchdog *wd) {
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

