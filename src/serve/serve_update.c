/*
 * serve_update.c — the page's writes, on a server started with --writable:
 * POST /api/add (a J-PlatPat export, or any file `tenyo add` reads, as the
 * request's body) adds its records to the index, and POST
 * /api/licensable (an open-patent database export or a list of numbers)
 * loads the licensable list; GET /api/updates says whether the server
 * takes them, its limits and the write under way (the page polls it to
 * show progress while its upload is applied).
 *
 *   POST /api/add?name=FILE                     body: the file's bytes
 *                        (answer: "near_same", records alike another's text)
 *   POST /api/licensable?name=FILE[&column=C]   body: the list's bytes
 *                        (answer: "replaced" {"file", "listed"}, the old list)
 *   GET  /api/updates    {"writable", "max_bytes", "max_rows", "max_seconds",
 *                         "max_decompressed", "busy",
 *                         "task", "file", "stage", "done", "total",
 *                         "records", "jobs"}
 *
 * The same library calls as the commands: an add is tenyo_update_open /
 * _add / _commit over the records tenyo_reader reads (`tenyo add`), a
 * list is tenyo_open_load (`tenyo open --from`), so a page's write takes
 * the index's one writer lock (409 while `tenyo add`, delete, rebuild,
 * open or check --repair holds it) and is committed whole or not at all:
 * until the commit nothing of the index changes, and a server killed
 * mid-upload or mid-commit leaves the index as it was (tests/api.sh kills
 * one). After a commit the server opens the index again and swaps it in
 * under its live lock (cli_serve_reload): the requests in flight finish
 * on the old one, the next see the new.
 *
 * Limits, said in every refusal with the option that changes them: the
 * body at most --upload-max MiB (413 from Content-Length before anything
 * is read, or when a chunked body passes it), all of it within
 * --upload-time seconds of its headers (408 at the first piece past it;
 * the connection's receive deadline is never armed past it, so a client
 * that trickles a byte at a time holds the one write slot that long at
 * most, not for as long as it keeps sending), a zstd body at most
 * --upload-decompressed MiB once decompressed (413, nothing added: 68 kB
 * of zstd can hold 2 GiB of blank lines), at most --upload-rows records
 * (413, nothing added), one write at a time (409 naming the one under
 * way). A server told to stop (SIGTERM) gives up the apply under way at
 * its next record (nothing added) instead of finishing it. The body is received into a file of its own in a private
 * temporary directory ($TMPDIR or /tmp, mode 0700) named as the upload
 * (name=), so that every message names the analyst's file and line, and
 * is removed when the request ends, answered or aborted. Its directory is
 * named by the index and the server's process (tenyo-upload-DEV.INO-NAME-
 * PID-XXXXXX), so that a --writable server starting removes the bodies a
 * killed server of the same index left (its process gone), and no other
 * server's (cli_serve_upload_clean). Rejected:
 * multipart/form-data (a parser for what one fetch body carries), keeping
 * the body in memory (a large export twice in memory), and a job that
 * outlives its request (the answer is what the page shows; the progress
 * is what it polls).
 *
 * Read-only by default: a server another person can reach must not change
 * the index unless its operator said so.
 *
 * Who calls whom: called by serve_route.c, serve_start.c; calls
 * serve_http.c, serve_live.c, serve_parse.c, views/say.c and the library
 * (tenyo.h).
 */
#include "views/views.h"
#include "serve_http.h"
#include "serve_parse.h"
#include "serve_mhd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* One upload being received and applied. */
typedef struct serve_upload {
    serve_route_id route;       /* SRV_ROUTE_ADD or SRV_ROUTE_LICENSABLE */
    int fd;                     /* the file receiving the body (-1: closed) */
    char dir[PATH_MAX];         /* the private temporary directory */
    char path[PATH_MAX];        /* dir/name */
    char name[128];             /* the file's name as the page sent it */
    char column[64];            /* column= of a list ("" none) */
    uint64_t bytes;             /* body bytes received */
    struct timespec t0;         /* when its headers were in (CLOCK_MONOTONIC) */
    int over;                   /* the body passed --upload-max */
    int werr;                   /* errno of a failed write (0: none) */
    int released;               /* the job slot was given back */
    /* the apply runs on a thread of its own while the connection is
     * suspended, so that the polling thread it came on goes on answering
     * its other connections (the page's progress polls among them) */
    server *s;                  /* the server */
    struct MHD_Connection *conn;/* the connection, suspended meanwhile */
    pthread_t th;               /* the apply's thread */
    int started;                /* th was started (joined at the end) */
    int done;                   /* the apply finished (atomic): answer */
    json_t *answer;             /* its answer (NULL: out of memory) */
    unsigned status;            /* its status */
} serve_upload;

/* What a read or a list load reported, for the answer. */
typedef struct said {
    json_t *lines;              /* [{file, line, message}], the first SRV_UPLOAD_SAID */
    uint64_t more;              /* reported past those */
    const serve_upload *up;     /* whose temporary path to hide */
} said;

/* ============================================================ the slot */

/* Set the job's stage and counts (stage NULL: keep it). */
static void job_set(server *s, const char *stage, uint64_t done, uint64_t total) {
    pthread_mutex_lock(&s->job.mu);
    if (stage) snprintf(s->job.stage, sizeof s->job.stage, "%s", stage);
    s->job.done = done;
    s->job.total = total;
    pthread_mutex_unlock(&s->job.mu);
}

/* A tenyo_progress_fn for the update: its stages on the job. */
static void job_progress(void *ud, const char *stage, uint64_t done, uint64_t total) {
    job_set(ud, stage, done, total);
}

/* Give the job slot back (once per upload; up NULL: a begin that failed). */
static void job_release(server *s, serve_upload *up) {
    if (up && up->released) return;
    if (up) up->released = 1;
    pthread_mutex_lock(&s->job.mu);
    s->job.busy = 0;
    s->job.jobs++;
    snprintf(s->job.stage, sizeof s->job.stage, "done");
    pthread_mutex_unlock(&s->job.mu);
}

/* The upload's file and directory removed and the job slot given back:
 * before any refusal is answered, so that the next upload, sent as soon
 * as this one's answer is read, finds the slot free. */
static void upload_drop(server *s, serve_upload *up) {
    if (up->fd >= 0) close(up->fd);
    up->fd = -1;
    if (up->path[0]) unlink(up->path);
    if (up->dir[0]) rmdir(up->dir);
    up->path[0] = up->dir[0] = 0; /* a later mkdtemp may reuse the names */
    job_release(s, up);
}

/* msg with every occurrence of what names a place on the server cut
 * from it: the temporary directory and its '/' (so that it names the
 * analyst's file), and the index's folder, as given and as resolved (so
 * that the page says the index's file name, never the server's paths). */
static void hide_dir(char *msg, const serve_upload *up) {
    size_t dl = strlen(up->dir);
    char *p;
    while (dl && (p = strstr(msg, up->dir)) != NULL) {
        size_t cut = dl + (p[dl] == '/');
        memmove(p, p + cut, strlen(p + cut) + 1);
    }
    if (!up->s) return;
    char *real = realpath(up->s->path, NULL);
    const char *paths[2] = {real, up->s->path}; /* the longer first */
    for (int i = 0; i < 2; i++) {
        const char *slash = paths[i] ? strrchr(paths[i], '/') : NULL;
        if (!slash) continue;
        size_t fl = (size_t)(slash + 1 - paths[i]); /* the folder with its '/' */
        while ((p = strstr(msg, paths[i])) != NULL) memmove(p, p + fl, strlen(p + fl) + 1);
    }
    free(real);
}

/* ============================================================ leftovers */

/* The part of an upload directory's name that says whose it is:
 * "DEV.INO-NAME" of the index (its folder's device and inode, its file
 * name cut to 40 bytes of [A-Za-z0-9._]), into key[keylen]. */
static void upload_key(const char *index, char *key, size_t keylen) {
    char *real = realpath(index, NULL);
    const char *p = real ? real : index, *slash = strrchr(p, '/');
    char dir[PATH_MAX], name[41];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - p) : 1, slash ? p : ".");
    if (slash == p) snprintf(dir, sizeof dir, "/");
    struct stat st = {0};
    stat(dir, &st);
    size_t n = 0;
    for (const char *c = slash ? slash + 1 : p; *c && n < sizeof name - 1; c++)
        name[n++] = isalnum((unsigned char)*c) || *c == '.' || *c == '_' ? *c : '_';
    name[n] = 0;
    snprintf(key, keylen, "%llx.%llx-%s", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, name);
    free(real);
}

void cli_serve_upload_clean(const char *index) {
    const char *tmp = getenv("TMPDIR");
    tmp = tmp && *tmp ? tmp : "/tmp";
    char key[160], pre[200];
    upload_key(index, key, sizeof key);
    int pl = snprintf(pre, sizeof pre, "tenyo-upload-%s-", key);
    DIR *d = opendir(tmp);
    struct dirent *e;
    unsigned long dirs = 0;
    unsigned long long bytes = 0;
    while (d && (e = readdir(d)) != NULL) {
        /* tenyo-upload-KEY-PID-XXXXXX: this index's, of a process gone */
        char *end;
        if (strncmp(e->d_name, pre, (size_t)pl)) continue;
        long pid = strtol(e->d_name + pl, &end, 10);
        if (end == e->d_name + pl || *end != '-' || strlen(end + 1) != 6 || pid <= 0 ||
            (pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
            continue;
        int dfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *sub = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *f;
        struct stat st;
        while (sub && (f = readdir(sub)) != NULL)
            if (fstatat(dfd, f->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                unlinkat(dfd, f->d_name, 0) == 0)
                bytes += (unsigned long long)st.st_size;
        if (sub) closedir(sub);
        else if (dfd >= 0) close(dfd);
        dirs += unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0;
    }
    if (d) closedir(d);
    if (dirs)
        cli_err("removed %lu upload%s left in %s by a server of this index that was stopped "
                "(%.1f MB)\n", dirs, dirs == 1 ? "" : "s", tmp, (double)bytes / 1e6);
}

/* ============================================================ receiving */

enum MHD_Result cli_serve_upload_begin(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_route_id route, const char *length) {
    enum MHD_Result ret = MHD_NO;
    if (!cli_serve_args_ok(conn, rq, route, &ret)) return ret;
    if (!s->writable)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                                     "this server is read-only: start it with `tenyo serve "
                                     "--writable` to add records or load a licensable list "
                                     "from the page");
    long n;
    if (length && serve_parse_long(length, 0, s->upload_bytes, &n))
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                     "the file is larger than this server's limit of %ld MiB "
                                     "(tenyo serve --upload-max); nothing changed",
                                     s->upload_bytes / (1024 * 1024));
    char name[128], msg[SRV_MSG];
    const char *col = cli_serve_query_arg(conn, "column");
    unsigned st = serve_upload_name(cli_serve_query_arg(conn, "name"),
                                    route == SRV_ROUTE_ADD ? "upload.csv" : "licensable.csv",
                                    name, sizeof name, msg, sizeof msg);
    if (!st && col && (!*col || strlen(col) >= 64)) {
        snprintf(msg, sizeof msg, "column must be a header name or a number of 1 to 63 bytes");
        st = SRV_HTTP_BAD_REQUEST;
    }
    if (st) return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    pthread_mutex_lock(&s->job.mu);
    if (s->job.busy) {
        snprintf(msg, sizeof msg, "another upload (%s, %s) is being applied; try again when "
                 "it is done", s->job.file, s->job.task);
        pthread_mutex_unlock(&s->job.mu);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONFLICT, NULL, "%s", msg);
    }
    s->job.busy = 1;
    snprintf(s->job.task, sizeof s->job.task, "%s", route == SRV_ROUTE_ADD ? "add" : "licensable");
    snprintf(s->job.file, sizeof s->job.file, "%s", name);
    snprintf(s->job.stage, sizeof s->job.stage, "receiving");
    s->job.done = 0;
    s->job.total = length ? (uint64_t)n : 0;
    s->job.records = 0;
    pthread_mutex_unlock(&s->job.mu);
    serve_upload *up = calloc(1, sizeof *up);
    const char *tmp = getenv("TMPDIR");
    if (up) {
        up->fd = -1;
        up->route = route;
        snprintf(up->name, sizeof up->name, "%s", name);
        snprintf(up->column, sizeof up->column, "%s", col ? col : "");
        char key[160];
        upload_key(s->path, key, sizeof key); /* whose: cli_serve_upload_clean */
        snprintf(up->dir, sizeof up->dir, "%s/tenyo-upload-%s-%ld-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp", key, (long)getpid());
    }
    if (up && mkdtemp(up->dir)) {
        if (snprintf(up->path, sizeof up->path, "%s/%s", up->dir, name) >= (int)sizeof up->path)
            errno = ENAMETOOLONG;
        else
            up->fd = open(up->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (up->fd < 0) rmdir(up->dir);
    }
    if (!up || up->fd < 0) {
        int e = errno;
        job_release(s, NULL);
        free(up);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                     "cannot store the upload in %s: %s; nothing changed",
                                     tmp && *tmp ? tmp : "/tmp", strerror(e));
    }
    clock_gettime(CLOCK_MONOTONIC, &up->t0);
    rq->up = up;
    return MHD_YES;
}

/* Seconds since the upload's headers were in. */
static double upload_age(const serve_upload *up) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - up->t0.tv_sec) + (double)(t.tv_nsec - up->t0.tv_nsec) * 1e-9;
}

double cli_serve_upload_left(const server *s, const request *rq) {
    double left = (double)s->upload_secs - upload_age(rq->up);
    return left > 1 ? left : 1;
}

int cli_serve_upload_data(server *s, request *rq, const char *data, size_t n) {
    serve_upload *up = rq->up;
    if (up->over || up->werr) return -1;
    if (n > (uint64_t)s->upload_bytes - up->bytes) {
        up->over = 1;
        return -1;
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(up->fd, data + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            up->werr = errno;
            return -1;
        }
        off += (size_t)w;
    }
    up->bytes += n;
    pthread_mutex_lock(&s->job.mu);
    s->job.done = up->bytes;
    pthread_mutex_unlock(&s->job.mu);
    return 0;
}

/* The refusal of a body that cannot be kept (over --upload-max, or not
 * written), the slot released first. */
static enum MHD_Result upload_refuse(server *s, struct MHD_Connection *conn, request *rq) {
    serve_upload *up = rq->up;
    upload_drop(s, up);
    if (up->over)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                     "the file is larger than this server's limit of %ld MiB "
                                     "(tenyo serve --upload-max); nothing changed",
                                     s->upload_bytes / (1024 * 1024));
    return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                 "cannot store the upload: %s; nothing changed",
                                 strerror(up->werr));
}

/* The 413 of a body that passed --upload-max while it is coming in,
 * written on the connection's socket itself, then the connection closed
 * (MHD_NO): libmicrohttpd 0.9.75 queues no response once a body has begun
 * (only before it or after its end), and waiting for the end reads an
 * endless chunked body for ever. The answer is the one
 * cli_serve_reply_error gives, with "Connection: close"; the client reads
 * it before the close (the rest of its body is never read). */
static enum MHD_Result upload_refuse_now(server *s, struct MHD_Connection *conn, request *rq) {
    serve_upload *up = rq->up;
    upload_drop(s, up);
    const union MHD_ConnectionInfo *ci =
        serve_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char msg[256], raw[768];
    unsigned code = up->over ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_REQUEST_TIMEOUT;
    if (up->over)
        snprintf(msg, sizeof msg, "the file is larger than this server's limit of %ld MiB "
                 "(tenyo serve --upload-max); nothing changed", s->upload_bytes / (1024 * 1024));
    else
        cli_serve_upload_late(s, 1, msg, sizeof msg);
    size_t n = cli_serve_raw_refusal(code, msg, raw, sizeof raw);
    if (ci && n) {
        (void)!send(ci->connect_fd, raw, n, MSG_NOSIGNAL); /* the socket's buffer takes it */
        shutdown(ci->connect_fd, SHUT_WR);
    }
    rq->answered = 1;
    rq->status = code;
    rq->bytes = n;
    return MHD_NO;
}

size_t cli_serve_raw_refusal(unsigned code, const char *msg, char *out, size_t cap) {
    json_t *o = json_pack("{s:s}", "error", msg);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!body) return 0;
    const char *reason = code == MHD_HTTP_CONTENT_TOO_LARGE ? "Content Too Large"
                         : code == MHD_HTTP_REQUEST_TIMEOUT ? "Request Timeout" : "Error";
    int n = snprintf(out, cap, "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\nCache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n\r\n%s\n",
                     code, reason, strlen(body) + 1, body);
    free(body);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void cli_serve_upload_late(const server *s, int whole, char *msg, size_t cap) {
    if (whole)
        snprintf(msg, cap, "the file did not arrive within this server's limit of %ld s "
                 "(tenyo serve --upload-time); nothing changed", s->upload_secs);
    else
        snprintf(msg, cap, "nothing more of the file arrived for %d s (the upload stalled); "
                 "nothing changed", SRV_RECV_DEADLINE);
}

enum MHD_Result cli_serve_upload_piece(server *s, struct MHD_Connection *conn, request *rq,
                                       const char *data, size_t n) {
    if (upload_age(rq->up) > (double)s->upload_secs) /* past --upload-time: 408 now */
        return upload_refuse_now(s, conn, rq);
    if (cli_serve_upload_data(s, rq, data, n) == 0) return MHD_YES;
    /* answered now, not after the rest of the body (a chunked body has no
     * length to refuse it by, and may never end) */
    if (rq->up->over) return upload_refuse_now(s, conn, rq);
    upload_drop(s, rq->up); /* a write error: answered when the body is in */
    return MHD_YES;
}

void cli_serve_upload_end(server *s, request *rq) {
    serve_upload *up = rq->up;
    if (up->started) pthread_join(up->th, NULL); /* never while suspended: done */
    json_decref(up->answer);
    upload_drop(s, up);
    free(up);
    rq->up = NULL;
}

/* ============================================================ applying */

/* A tenyo_report_fn: a skipped record or an unresolved line, kept for the
 * answer with the upload's name for the file. */
static void on_said(void *ud, const char *file, long line, const char *msg) {
    said *sd = ud;
    (void)file;
    if (json_array_size(sd->lines) >= SRV_UPLOAD_SAID) {
        sd->more++;
        return;
    }
    char m[SRV_MSG];
    snprintf(m, sizeof m, "%s", msg ? msg : "");
    hide_dir(m, sd->up);
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(sd->up->name));
    json_object_set_new(o, "line", json_integer(line));
    json_object_set_new(o, "message", json_string(m));
    json_array_append_new(sd->lines, o);
}

/* An error answer: {"error": msg (the temporary directory hidden), the
 * lines said so far}, with status in *status. */
static json_t *refusal(unsigned *status, unsigned code, const serve_upload *up, said *sd,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *refusal(unsigned *status, unsigned code, const serve_upload *up, said *sd,
                       const char *fmt, ...) {
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    hide_dir(m, up);
    json_t *o = json_object();
    json_object_set_new(o, "error", json_string(m));
    if (sd && json_array_size(sd->lines)) json_object_set(o, "said", sd->lines);
    *status = code;
    return o;
}

/* Status of a writer that could not start or finish: another writer 409,
 * else the server's own trouble (the index missing or damaged, memory,
 * disk) 500. */
static unsigned writer_status(int rc) {
    return rc == TENYO_ERR_BUSY ? MHD_HTTP_CONFLICT : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* The reader's stop: the server is stopping (tenyo_read_opts.stop, asked
 * between chunks, so a long upload of blank lines ends at once too). */
static int job_stopping(void *ud) {
    server *s = ud;
    pthread_mutex_lock(&s->job.mu);
    int stopping = s->job.stopping;
    pthread_mutex_unlock(&s->job.mu);
    return stopping;
}

/* Read up's records into update u; 0, or the refusal in *out. */
static int add_read(server *s, const serve_upload *up, tenyo_update *u, said *sd,
                    json_t **out, unsigned *status, uint64_t *records, uint64_t *skipped,
                    uint64_t *no_abstract, json_t *res) {
    tenyo_read_opts ro = {.format = TENYO_FORMAT_AUTO, .report = on_said, .report_ud = sd,
                          .max_bytes = (uint64_t)s->upload_dec, .stop = job_stopping,
                          .stop_ud = s};
    tenyo_reader *r = NULL;
    char err[512] = "";
    int rc = tenyo_reader_open(up->path, &ro, &r, err, sizeof err);
    if (rc) {
        *out = refusal(status, rc == TENYO_ERR_NOMEM ? 500 : 400, up, sd, "%s; nothing added",
                       err[0] ? err : tenyo_strerror(rc));
        return -1;
    }
    json_object_set_new(res, "format", json_string(tenyo_reader_format(r)));
    json_object_set_new(res, "encoding", json_string(tenyo_reader_encoding(r)));
    const tenyo_doc *d;
    tenyo_read_stats rs;
    job_set(s, "read", 0, 0);
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        if (job_stopping(s)) {
            *out = refusal(status, MHD_HTTP_SERVICE_UNAVAILABLE, up, sd, "the server is "
                           "stopping; nothing added");
            tenyo_reader_free(r);
            return -1;
        }
        if (++*records > (uint64_t)s->upload_rows) {
            *out = refusal(status, MHD_HTTP_CONTENT_TOO_LARGE, up, sd,
                           "%s holds more than %ld records, this server's limit (tenyo serve "
                           "--upload-rows); nothing added", up->name, s->upload_rows);
            tenyo_reader_free(r);
            return -1;
        }
        if (!*d->abstract) ++*no_abstract;
        json_t *rd = json_object_get(res, "read_ids"); /* for near_same, after the reload */
        if (json_array_size(rd) < SRV_NEAR_CHECK)
            json_array_append_new(rd, json_pack("{s:s, s:I}", "id", d->id, "line", (json_int_t)d->line));
        tenyo_doc dd = *d;
        dd.source = up->name; /* not the temporary path */
        uint64_t unchanged = tenyo_update_unchanged(u);
        if ((rc = tenyo_update_add(u, &dd)) != TENYO_OK) {
            *out = refusal(status, rc == TENYO_ERR_NOMEM ? 500 : 400, up, sd,
                           "%s:%ld: %s; nothing added", up->name, d->line, tenyo_update_error(u));
            tenyo_reader_free(r);
            return -1;
        }
        if (tenyo_update_unchanged(u) > unchanged) { /* which record changed nothing */
            size_t last = json_array_size(rd); /* and is no new text */
            if (last && !strcmp(json_string_value(json_object_get(json_array_get(rd, last - 1), "id")), d->id))
                json_array_remove(rd, last - 1);
            json_t *ul = json_object_get(res, "unchanged_records");
            if (json_array_size(ul) < SRV_UPLOAD_SAID) {
                json_t *o = json_object();
                json_object_set_new(o, "file", json_string(up->name));
                json_object_set_new(o, "line", json_integer(d->line));
                json_object_set_new(o, "id", json_string(d->id));
                json_array_append_new(ul, o);
            }
        }
        if ((*records & 63) == 0) { /* done/total: the tokenizer's (job_progress) */
            pthread_mutex_lock(&s->job.mu);
            s->job.records = *records;
            pthread_mutex_unlock(&s->job.mu);
        }
    }
    tenyo_reader_stats(r, &rs);
    *skipped = rs.skipped;
    if (rc == TENYO_ERR_STOPPED) {
        tenyo_reader_free(r);
        *out = refusal(status, MHD_HTTP_SERVICE_UNAVAILABLE, up, sd, "the server is "
                       "stopping; nothing added");
        return -1;
    }
    if (rc == TENYO_ERR_LIMIT) { /* past --upload-decompressed */
        tenyo_reader_free(r);
        *out = refusal(status, MHD_HTTP_CONTENT_TOO_LARGE, up, sd, "%s holds more than %lld MiB "
                       "once decompressed, this server's limit (tenyo serve "
                       "--upload-decompressed); nothing added", up->name, s->upload_dec >> 20);
        return -1;
    }
    if (rc < 0) {
        char m[SRV_MSG];
        snprintf(m, sizeof m, "%s", tenyo_reader_error(r));
        tenyo_reader_free(r);
        *out = refusal(status, rc == TENYO_ERR_NOMEM ? 500 : 400, up, sd, "%s; nothing added", m);
        return -1;
    }
    tenyo_reader_free(r);
    if (!*records) {
        *out = refusal(status, MHD_HTTP_BAD_REQUEST, up, sd, "%s: no patent record read (%llu "
                       "skipped); nothing added", up->name, (unsigned long long)*skipped);
        return -1;
    }
    return 0;
}

/* POST /api/add: the records of up added as `tenyo add` adds them. The
 * answer's object, and its status in *status. */
static json_t *apply_add(server *s, const serve_upload *up, unsigned *status) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.progress = job_progress;
    bo.progress_ud = s;
    tenyo_update *u = NULL;
    char err[512] = "";
    said sd = {json_array(), 0, up};
    /* the merge's notes (two records of a patent disagreeing on a field:
     * which value was kept), as tenyo add prints them */
    said notes = {json_array(), 0, up};
    bo.report = on_said;
    bo.report_ud = &notes;
    json_t *out = NULL, *res = json_object();
    json_object_set_new(res, "task", json_string("add"));
    json_object_set_new(res, "file", json_string(up->name));
    json_object_set_new(res, "unchanged_records", json_array());
    json_object_set_new(res, "read_ids", json_array());
    job_set(s, "lock", 0, 0);
    int rc = tenyo_update_open(s->path, &bo, &u, err, sizeof err);
    if (rc) {
        out = refusal(status, writer_status(rc), up, &sd, "%s; nothing added", err);
        goto done;
    }
    uint64_t records = 0, skipped = 0, no_abstract = 0;
    if (add_read(s, up, u, &sd, &out, status, &records, &skipped, &no_abstract, res)) goto done;
    tenyo_update_stats st;
    job_set(s, "commit", 0, 0);
    rc = tenyo_update_commit(u, &st);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        out = refusal(status, writer_status(rc), up, &sd, "%s; nothing committed, the index is "
                      "unchanged", tenyo_update_error(u));
        goto done;
    }
    json_object_set_new(res, "records", json_integer((json_int_t)records));
    json_object_set_new(res, "added", json_integer((json_int_t)st.added));
    json_object_set_new(res, "replaced", json_integer((json_int_t)st.replaced));
    json_object_set_new(res, "unchanged", json_integer((json_int_t)st.unchanged));
    json_object_set_new(res, "unchanged_more", json_integer(
        (json_int_t)(st.unchanged - json_array_size(json_object_get(res, "unchanged_records")))));
    json_object_set_new(res, "skipped", json_integer((json_int_t)skipped));
    json_object_set_new(res, "without_abstract", json_integer((json_int_t)no_abstract));
    json_object_set_new(res, "documents", json_integer((json_int_t)st.docs));
    json_object_set_new(res, "generation", json_integer((json_int_t)st.generation));
    json_object_set_new(res, "seconds", json_real(st.seconds));
    json_object_set(res, "skipped_records", sd.lines);
    json_object_set_new(res, "skipped_more", json_integer((json_int_t)sd.more));
    json_object_set(res, "notes", notes.lines);
    json_object_set_new(res, "notes_more", json_integer((json_int_t)notes.more));
    if (rc == TENYO_ERR_UNSYNCED)
        json_object_set_new(res, "warning", json_string("committed, but the directory could not "
                                                        "be synced: durability unknown"));
    *status = MHD_HTTP_OK;
    out = res;
    res = NULL;
done:
    tenyo_update_free(u); /* the lock released; not committed: nothing changed */
    json_decref(res);
    json_decref(sd.lines);
    json_decref(notes.lines);
    return out;
}

/* POST /api/licensable: up loaded as `tenyo open --from` loads a list. */
static json_t *apply_list(server *s, const serve_upload *up, unsigned *status) {
    tenyo_open_stats os;
    char err[512] = "";
    said sd = {json_array(), 0, up};
    json_t *out;
    /* the list it replaces: its file's name (never its place on the
     * server) and how many patents it named */
    tenyo_index_info in;
    char was[256] = "";
    pthread_rwlock_rdlock(&s->live);
    tenyo_index_info_get(s->x, &in);
    uint64_t was_listed = in.open_listed;
    if (was_listed && in.open_source) {
        const char *b = strrchr(in.open_source, '/');
        snprintf(was, sizeof was, "%s", b ? b + 1 : in.open_source);
    }
    pthread_rwlock_unlock(&s->live);
    job_set(s, "resolve", 0, 0);
    int rc = tenyo_open_load(s->path, up->path, *up->column ? up->column : NULL, on_said, &sd,
                             &os, err, sizeof err);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        unsigned code = rc == TENYO_ERR_INPUT || rc == TENYO_ERR_ARG ? MHD_HTTP_BAD_REQUEST
                                                                     : writer_status(rc);
        out = refusal(status, code, up, &sd, "%s%s", err,
                      code == MHD_HTTP_BAD_REQUEST ? "" : "; the list is unchanged");
    } else {
        out = json_object();
        json_object_set_new(out, "task", json_string("licensable"));
        json_object_set_new(out, "file", json_string(up->name));
        json_object_set_new(out, "column", json_string(os.column));
        json_object_set_new(out, "lines", json_integer((json_int_t)os.lines));
        json_object_set_new(out, "resolved", json_integer((json_int_t)os.resolved));
        json_object_set_new(out, "unresolved", json_integer((json_int_t)os.unresolved));
        json_object_set_new(out, "duplicates", json_integer((json_int_t)os.duplicates));
        json_object_set_new(out, "listed", json_integer((json_int_t)os.listed));
        if (was_listed) {
            json_t *r = json_object();
            json_object_set_new(r, "file", json_string(was));
            json_object_set_new(r, "listed", json_integer((json_int_t)was_listed));
            json_object_set_new(out, "replaced", r);
        }
        json_object_set(out, "unresolved_lines", sd.lines);
        json_object_set_new(out, "unresolved_more", json_integer((json_int_t)sd.more));
        if (rc == TENYO_ERR_UNSYNCED)
            json_object_set_new(out, "warning", json_string("committed, but the directory "
                                                            "could not be synced: durability "
                                                            "unknown"));
        *status = MHD_HTTP_OK;
    }
    json_decref(sd.lines);
    return out;
}

/* The records of an add (o's "read_ids", taken out of o) that are
 * near-identical to another patent of the reloaded index, indexed before
 * or uploaded with them: their TF-IDF texts share SRV_NEAR_SAME of their
 * weight (cosine, tenyo_similar_doc's TF-IDF mode), the rule by which a
 * company's list folds one invention filed under several numbers. Said in
 * o as "near_same": [{file, line, id, like, similarity}] (a pair once) and
 * "near_same_more"; the first SRV_NEAR_CHECK records are checked
 * ("near_checked"). */
static void near_same(server *s, const serve_upload *up, json_t *o) {
    json_t *ids = json_incref(json_object_get(o, "read_ids")), *near = json_array(), *e;
    json_object_del(o, "read_ids");
    uint64_t more = 0;
    size_t i;
    pthread_rwlock_rdlock(&s->live);
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    json_array_foreach(ids, i, e) {
        if (!c) break;
        const char *id = json_string_value(json_object_get(e, "id"));
        int64_t doc = id ? tenyo_index_find(s->x, id) : -1;
        tenyo_hit h;
        if (doc < 0 || tenyo_similar_doc(c, (uint64_t)doc, TENYO_MODE_TFIDF, 1, &h) != 1 ||
            h.score < SRV_NEAR_SAME)
            continue;
        tenyo_doc_meta dm;
        if (tenyo_index_doc(s->x, h.doc, &dm) != TENYO_OK) continue;
        size_t k;
        json_t *p;
        int seen = 0; /* two uploaded records alike: said once */
        json_array_foreach(near, k, p) seen |= !strcmp(json_string_value(json_object_get(p, "id")), dm.id) &&
                                               !strcmp(json_string_value(json_object_get(p, "like")), id);
        if (seen) continue;
        if (json_array_size(near) >= SRV_UPLOAD_SAID) {
            more++;
            continue;
        }
        json_array_append_new(near, json_pack("{s:s, s:O, s:s, s:s, s:f}", "file", up->name, "line",
                                              json_object_get(e, "line"), "id", id, "like", dm.id,
                                              "similarity", (double)h.score));
    }
    if (c) cli_serve_pool_put(&s->pool, c);
    pthread_rwlock_unlock(&s->live);
    json_object_set_new(o, "near_same", near);
    json_object_set_new(o, "near_same_more", json_integer((json_int_t)more));
    json_object_set_new(o, "near_checked", json_integer((json_int_t)json_array_size(ids)));
    json_decref(ids);
}

/* The apply's thread: the write, the reload, then the connection resumed
 * (on_request calls cli_serve_upload_finish again, which answers). */
static void *apply_main(void *arg) {
    serve_upload *up = arg;
    server *s = up->s;
    up->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    json_t *o = up->route == SRV_ROUTE_ADD ? apply_add(s, up, &up->status)
                                           : apply_list(s, up, &up->status);
    if (o && up->status == MHD_HTTP_OK) {
        char err[512] = "";
        job_set(s, "reload", 0, 0);
        if (cli_serve_reload(s, err, sizeof err)) {
            char m[700];
            snprintf(m, sizeof m, "the index was changed, but this server still answers from "
                     "it as it was (%s): restart tenyo serve", err);
            hide_dir(m, up);
            json_object_set_new(o, "warning", json_string(m));
        } else if (up->route == SRV_ROUTE_ADD) {
            near_same(s, up, o);
        }
    }
    if (o) json_object_del(o, "read_ids");
    up->answer = o;
    __atomic_store_n(&up->done, 1, __ATOMIC_RELEASE);
    serve_mhd.resume_connection(up->conn);
    pthread_mutex_lock(&s->job.mu);
    s->job.running--;
    pthread_mutex_unlock(&s->job.mu);
    return NULL;
}

enum MHD_Result cli_serve_upload_finish(server *s, struct MHD_Connection *conn, request *rq) {
    serve_upload *up = rq->up;
    if (up->started) { /* resumed: the apply is done */
        if (!__atomic_load_n(&up->done, __ATOMIC_ACQUIRE)) return MHD_YES;
        pthread_join(up->th, NULL);
        up->started = 0;
        job_release(s, up);
        json_t *o = up->answer;
        up->answer = NULL;
        if (!o)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                         "out of memory");
        return cli_serve_reply_json(conn, rq, up->status, o, NULL);
    }
    if (up->fd >= 0) close(up->fd);
    up->fd = -1;
    if (up->over || up->werr) return upload_refuse(s, conn, rq);
    if (!up->bytes) {
        upload_drop(s, up);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                                     "%s is empty; nothing changed", up->name);
    }
    up->s = s;
    up->conn = conn;
    pthread_mutex_lock(&s->job.mu);
    s->job.running++; /* the shutdown waits for it (cli_serve_upload_drain) */
    pthread_mutex_unlock(&s->job.mu);
    serve_mhd.suspend_connection(conn);
    if (pthread_create(&up->th, NULL, apply_main, up)) {
        serve_mhd.resume_connection(conn);
        pthread_mutex_lock(&s->job.mu);
        s->job.running--;
        pthread_mutex_unlock(&s->job.mu);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                     "cannot start a thread; nothing changed");
    }
    up->started = 1;
    return MHD_YES;
}

void cli_serve_upload_drain(server *s) {
    pthread_mutex_lock(&s->job.mu);
    s->job.stopping = 1; /* the apply under way gives up at its next record */
    pthread_mutex_unlock(&s->job.mu);
    for (;;) {
        pthread_mutex_lock(&s->job.mu);
        int n = s->job.running;
        pthread_mutex_unlock(&s->job.mu);
        if (!n) return;
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
}

/* ============================================================ progress */

enum MHD_Result cli_serve_api_updates(server *s, struct MHD_Connection *conn, request *rq) {
    json_t *o = json_object();
    json_object_set_new(o, "writable", json_boolean(s->writable));
    json_object_set_new(o, "max_bytes", json_integer((json_int_t)s->upload_bytes));
    json_object_set_new(o, "max_rows", json_integer((json_int_t)s->upload_rows));
    json_object_set_new(o, "max_seconds", json_integer((json_int_t)s->upload_secs));
    json_object_set_new(o, "max_decompressed", json_integer((json_int_t)s->upload_dec));
    pthread_mutex_lock(&s->job.mu);
    json_object_set_new(o, "busy", json_boolean(s->job.busy));
    json_object_set_new(o, "task", json_string(s->job.task));
    json_object_set_new(o, "file", json_string(s->job.file));
    json_object_set_new(o, "stage", json_string(s->job.stage));
    json_object_set_new(o, "done", json_integer((json_int_t)s->job.done));
    json_object_set_new(o, "total", json_integer((json_int_t)s->job.total));
    json_object_set_new(o, "records", json_integer((json_int_t)s->job.records));
    json_object_set_new(o, "jobs", json_integer((json_int_t)s->job.jobs));
    pthread_mutex_unlock(&s->job.mu);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}
