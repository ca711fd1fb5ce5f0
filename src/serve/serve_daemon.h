/*
 * serve_daemon.h — what the three files of the daemon share: the
 * connection guard (serve_guard.c: the door, the receive-deadline
 * watchdog, the connection limit, libmicrohttpd's messages), the routing
 * of one request (serve_route.c) and the start-up that wires them into
 * libmicrohttpd and stops them (serve_start.c).
 *
 *   cli/cmd_serve.c -> serve_run (serve_start.c) -> the guard's and the
 *   routing's entries below; libmicrohttpd -> serve_on_* -> the handlers
 *   (serve_api.c, serve_map.c, serve_ws.c, serve_update.c)
 */
#ifndef TENYO_SERVE_DAEMON_H
#define TENYO_SERVE_DAEMON_H

#include "serve.h"
#include "serve_http.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>

/* ============================================= serve_guard.c: the guard */

/* The connection whose request line this thread parsed last (serve_on_uri),
 * until its request reaches serve_on_request or ends: the one a message of
 * libmicrohttpd's about a request's headers is about. */
extern __thread struct MHD_Connection *serve_tl_conn;

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
 * which accepts in a loop but misses half-closes (serve_start.c).
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
int serve_listen_on(const struct sockaddr *a, socklen_t alen);
/* The door's thread (arg: a door): accept, make room, hand over, until
 * stopped. */
void *serve_door_main(void *arg);
/* Stop the door's thread and close the listening socket. */
void serve_door_stop(door *dr);

/* Set w's receive deadline to now + secs (0: none while answering). */
void serve_watch_arm(watchdog *wd, conn_watch *w, double secs);
/* The same, saying what a cut answers: upload 1 an upload's stalled
 * body, 2 one past --upload-time (conn_watch.upload; 0 a request). */
void serve_watch_arm_as(watchdog *wd, conn_watch *w, double secs, int upload);
/* Arm w for the rest of an upload's body: the receive deadline, never
 * past the whole body's (--upload-time), a cut answering 408 naming which. */
void serve_watch_arm_upload(server *s, conn_watch *w, const request *rq);
/* The watchdog of s made ready to start: its lock and conditions, quiet
 * (no log line per cut), what it answers an upload it cuts (late). */
void serve_watch_init(server *s, int quiet);
/* The watchdog's thread (arg: a watchdog): once a second, and at once
 * when a new connection passes 7/8 of the limit, shed near the limit and
 * shut down the sockets past their deadline. */
void *serve_watchdog_main(void *arg);
/* Stop the watchdog and free its list. */
void serve_watchdog_stop(watchdog *wd);
/* libmicrohttpd's connection notice (cls: the watchdog): a new
 * connection under watch, a closed one off. */
void serve_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe);
/* The watch entry of conn, or NULL. */
conn_watch *serve_conn_watch_of(struct MHD_Connection *conn);
/* The connection limit: SRV_MAX_CONNS, or fewer when the descriptor
 * limit leaves less room. */
unsigned serve_conn_limit(void);

/* libmicrohttpd's own messages, with our prefix (MHD_OPTION_EXTERNAL_LOGGER),
 * none with --quiet; the one of a failed start is replaced by ours with a
 * hint. */
typedef struct mhd_log {
    char last[256];   /* the last message, kept for the start error */
    int started;      /* 1 once the daemon runs (atomic): messages go to stderr */
    int quiet;        /* --quiet: none after the start */
} mhd_log;
/* The logger (ud: an mhd_log); a message about a malformed Content-Length
 * gets our JSON answer on that connection instead of libmicrohttpd's. */
void serve_on_mhd_log(void *ud, const char *fmt, va_list ap);

/* ============================================ serve_route.c: the routing */

/* libmicrohttpd's URI callback: the request's state begins. */
void *serve_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
/* libmicrohttpd's access handler (cls: the server): one request routed. */
enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls);
/* libmicrohttpd's completion notice (cls: the server): the access-log
 * line, the state freed. */
void serve_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe);

#endif
