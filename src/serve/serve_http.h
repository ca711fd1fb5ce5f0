/*
 * serve_http.h — what the pieces of `tenyo serve` share: the server's
 * state (the index, its contexts, the connection watchdog), one request's
 * state, and the HTTP replies and argument checks every handler uses
 * (serve_http.c). The handlers are serve_api.c's (patents, similar,
 * search, ideas, match, report, profile, health) and serve_map.c's (the
 * field map); serve_route.c routes requests to them, serve_start.c runs
 * the server (serve_daemon.h).
 */
#ifndef TENYO_CLI_SERVE_HTTP_H
#define TENYO_CLI_SERVE_HTTP_H

#include "views/views.h"
#include "serve_parse.h"

#include <microhttpd.h>
#include <pthread.h>
#include <time.h>

#define SRV_MAX_THREADS 64        /* --threads cap */
#define SRV_CONN_TIMEOUT 30       /* seconds an idle connection is kept */
#define SRV_RECV_DEADLINE 30      /* seconds to receive one whole request */
#define SRV_MAX_CONNS 8192        /* open connections (less when fds are few) */
#define SRV_SPARE_FDS 64          /* descriptors kept for the index, logs, ... */
#define SRV_CTX_WAIT 10           /* seconds to wait for a query context */
#define SRV_CONN_MEMORY (128 * 1024) /* MHD per-connection header/URL memory */
#define SRV_MSG 512               /* error message copies */
#define SRV_MAX_ARGS 640          /* query arguments (/api/map: 200 doc, label, mark) */
#define SRV_UPLOAD_MB 32          /* --upload-max default (MiB) */
#define SRV_UPLOAD_MB_MAX 1024    /* --upload-max cap */
#define SRV_UPLOAD_ROWS 20000     /* --upload-rows default (records of one upload) */
#define SRV_UPLOAD_ROWS_MAX 10000000 /* --upload-rows cap */
#define SRV_UPLOAD_TIME 300       /* --upload-time default (seconds for a whole body) */
#define SRV_UPLOAD_TIME_MAX 86400 /* --upload-time cap */
#define SRV_UPLOAD_DEC_MB 256     /* --upload-decompressed default (MiB a zstd body
                                     may hold once decompressed) */
#define SRV_UPLOAD_DEC_MB_MAX 65536 /* --upload-decompressed cap */
#define SRV_WS_MAX 1000           /* --worksheets default (worksheets saved) */
#define SRV_WS_MAX_CAP 1000000    /* --worksheets cap */
#define SRV_WS_MB 256             /* --worksheets-mb default (MiB of them in all) */
#define SRV_WS_MB_CAP 65536       /* --worksheets-mb cap */
#define SRV_WS_WAIT_MS 2000       /* a POST waits this long for a CLI run's lock */
#define SRV_UPLOAD_SAID 50        /* skipped records / unresolved lines listed */
#define SRV_NEAR_CHECK 2000       /* added records checked for a near-identical patent */
#define SRV_NEAR_SAME 0.8         /* TF-IDF cosine of one text filed again (the
                                     fold of a company's list: match.c) */

/* Free list of per-thread query contexts. */
typedef struct ctx_pool {
    pthread_mutex_t mu;         /* guards nfree/free */
    pthread_cond_t cv;          /* signalled when a context is returned */
    tenyo_ctx **all;            /* every context (for freeing) */
    tenyo_ctx **free;           /* contexts not in use */
    int n;                      /* contexts in all */
    int nfree;                  /* entries used in free */
} ctx_pool;

/* One open connection under watch. */
typedef struct conn_watch {
    int fd;                     /* the connection's socket */
    double deadline;            /* monotonic seconds; 0 while answering */
    int cut;                    /* shut down by the watchdog */
    double secs;                /* seconds the deadline was armed for (the log) */
    int upload;                 /* 0: a request; an upload's body coming in,
                                   cut with watchdog.late answered: 1 at the
                                   receive deadline, 2 at --upload-time */
    char client[48];            /* client address for the log */
    struct conn_watch *prev;    /* list links (under watchdog.mu) */
    struct conn_watch *next;
} conn_watch;

/* The watchdog thread and its list. */
typedef struct watchdog {
    pthread_mutex_t mu;         /* guards everything below */
    pthread_cond_t cv;          /* wakes the thread: to stop, or to shed a burst */
    conn_watch *head;           /* open connections */
    unsigned live;              /* entries of head not cut */
    unsigned nopen;             /* connections handed to libmicrohttpd, not closed */
    pthread_cond_t room;        /* signalled when a connection closes (the door waits) */
    int stop;                   /* set to end the thread */
    int quiet;                  /* no log line per cut */
    unsigned long ncut;         /* connections cut so far */
    unsigned limit;             /* the connection limit (0: no shedding) */
    char late[2][768];          /* the 408 (raw HTTP) of an upload cut: stalled
                                   (conn_watch.upload 1), past --upload-time (2) */
    long upload_secs;           /* --upload-time, for the log */
    pthread_t th;               /* the thread */
    int running;                /* th was started */
} watchdog;

/* The page's writes (serve_update.c): one at a time, its progress for
 * GET /api/updates. */
typedef struct serve_job {
    pthread_mutex_t mu;         /* guards everything below */
    int busy;                   /* an upload holds the slot (headers to end) */
    char task[16];              /* "add" or "licensable" */
    char file[128];             /* the upload's file name as sent */
    char stage[24];             /* receiving, read, tokenize, ..., reload */
    uint64_t done, total;       /* of the stage (total 0: unknown) */
    uint64_t records;           /* records read so far (add) */
    unsigned long jobs;         /* writes finished since the start */
    int running;                /* apply threads running (0 or 1) */
    int stopping;               /* the server stops: the apply under way gives
                                   up at its next record, nothing added */
} serve_job;

/* Everything the request handler shares. The index and what is built
 * from it (x, map, info_json, map_json, the pool's contexts) are read
 * under live's read lock and replaced under its write lock after the
 * page's write is committed (cli_serve_reload); the pool and job lock
 * themselves. */
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
    pthread_rwlock_t live;      /* read: a request using x; write: its swap */
    int writable;               /* --writable: the page may add records and
                                   load a licensable list */
    long upload_bytes;          /* --upload-max in bytes */
    long upload_rows;           /* --upload-rows */
    long upload_secs;           /* --upload-time: seconds for a whole body */
    long long upload_dec;       /* --upload-decompressed in bytes */
    long ws_max;                /* --worksheets: most worksheets saved (0: none) */
    long long ws_bytes;         /* --worksheets-mb in bytes: all of them at most */
    const char *const *titles;  /* --ipc-titles files (loaded again on reload) */
    int ntitles;                /* entries of titles */
    serve_job job;              /* the page's write in progress */
    tenyo_senses *senses;       /* INDEX.senses, read at start (may be empty) and
                                   replaced by POST /api/senses */
    char *senses_path;          /* its path */
    pthread_rwlock_t senses_mu; /* readers of senses hold it shared; a
                                   POST /api/senses replaces it exclusively */
} server;

/* Per-request state, from the first callback to the completion notice. */
typedef struct request {
    struct timespec t0;         /* monotonic start */
    char client[64];            /* client address */
    char method[40];            /* request method, escaped as the path (truncated) */
    char path[256];             /* path, percent-encoded for the log */
    char *body;                 /* POST body received so far */
    size_t len;                 /* bytes in body */
    size_t body_max;            /* the route's body limit: SRV_MAX_BODY, or
                                   TENYO_WORKSHEET_MAX for a worksheet */
    int too_large;              /* body exceeded body_max */
    int answered;               /* a response was queued */
    unsigned status;            /* HTTP status sent */
    size_t bytes;               /* response body bytes */
    conn_watch *watch;          /* the connection's deadline entry, or NULL */
    int begun;                  /* the access handler has seen it */
    size_t nargs;               /* query arguments in the URI (on_uri) */
    struct serve_upload *up;    /* an upload being received (serve_update.c) */
} request;

/* ========================================================== serve_http.c */

/* Every query argument through serve_arg_check and serve_arg_known (the
 * route's own arguments only); replies and returns 0 on a refused one. */
int cli_serve_args_ok(struct MHD_Connection *conn, request *rq, serve_route_id route,
                   enum MHD_Result *ret);
void cli_serve_pool_destroy(ctx_pool *p);
/* Take a context, waiting at most SRV_CTX_WAIT seconds; NULL when none
 * became free (the caller answers 503). */
tenyo_ctx *cli_serve_pool_get(ctx_pool *p);
/* Create n contexts on x; returns 0, or a status with the message in err. */
int cli_serve_pool_init(ctx_pool *p, const tenyo_index *x, int n, char *err,
                     size_t errlen);
void cli_serve_pool_put(ctx_pool *p, tenyo_ctx *c);
const char *cli_serve_query_arg(struct MHD_Connection *conn, const char *key);
/* Queue a response; data is copied unless own (then malloc'd and taken). */
enum MHD_Result cli_serve_reply(struct MHD_Connection *conn, request *rq,
                             unsigned status, const char *type, void *data,
                             size_t len, int own, const char *allow);
enum MHD_Result cli_serve_reply_error(struct MHD_Connection *conn, request *rq,
                                   unsigned status, const char *allow,
                                   const char *fmt, ...);
/* JSON reply: compact, insertion order, newline — the bytes the CLI
 * prints. Takes the reference to j; allow (may be NULL) for 405. */
enum MHD_Result cli_serve_reply_json(struct MHD_Connection *conn, request *rq,
                                  unsigned status, json_t *j, const char *allow);
/* Shared k / mode arguments of /api/similar and /api/patent; replies and
 * returns 0 on a bad value. */
int cli_serve_similar_args(struct MHD_Connection *conn, request *rq, long *k,
                        tenyo_mode *mode, enum MHD_Result *ret);

/* Exchange the contexts of p and q (p's lock and condition stay p's);
 * only while no context of either is taken. */
void cli_serve_pool_swap(ctx_pool *p, ctx_pool *q);

/* ========================================== serve_start.c, serve_update.c */

/* After s->x is open: the titles files, the map, the bodies built once
 * (/api/info, /api/map), the contexts (*pool_ready once made, even half)
 * and their tokenizers loaded. EXIT_OK, or the exit code, said. */
int cli_serve_prepare(server *s, const char *const *titles, int ntitles, long threads,
                      int *pool_ready);
/* Open the index at s->path again and replace what the requests read
 * (index, map, bodies, contexts) under the write lock; the old are freed.
 * 0, or -1 with the reason in err (the server then goes on answering from
 * the index as it was). */
int cli_serve_reload(server *s, char *err, size_t errlen);
/* POST /api/add, /api/licensable when its headers are in: refused (403
 * read-only, 413 over --upload-max, 409 another write under way) or
 * begun (the job slot taken, a temporary file to receive the body). */
enum MHD_Result cli_serve_upload_begin(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_route_id route, const char *length);
/* A piece of the upload's body: written to its file (counted against
 * --upload-max). 0, or -1 when it cannot be kept (answered at the end). */
int cli_serve_upload_data(server *s, request *rq, const char *data, size_t n);
/* At the start of a --writable server: the upload directories a server of
 * the index at path left in $TMPDIR (or /tmp) when it was killed (named by
 * the index and a process that is gone) removed, with a line saying so. */
void cli_serve_upload_clean(const char *index);
/* A piece of the upload's body as cli_serve_upload_data takes it; when it
 * cannot be kept, the refusal (413 over --upload-max, 500) answered at
 * once with the file removed and the slot released. */
enum MHD_Result cli_serve_upload_piece(server *s, struct MHD_Connection *conn, request *rq,
                                       const char *data, size_t n);
/* The raw HTTP answer of a refusal written on the socket itself (status
 * line, headers with "Connection: close", {"error": msg} as
 * cli_serve_reply_error gives it) into out: its length, 0 when it does
 * not fit. */
size_t cli_serve_raw_refusal(unsigned code, const char *msg, char *out, size_t cap);
/* The message of an upload whose body did not arrive in time: whole 1
 * past --upload-time, 0 stalled past the receive deadline. */
void cli_serve_upload_late(const server *s, int whole, char *msg, size_t cap);
/* Seconds left of the upload's whole-body deadline (--upload-time), at
 * least 1: the most the connection's receive deadline may be armed for. */
double cli_serve_upload_left(const server *s, const request *rq);
/* The whole body is in: apply it (as tenyo add / tenyo open --from) and
 * answer what was done. */
enum MHD_Result cli_serve_upload_finish(server *s, struct MHD_Connection *conn, request *rq);
/* Wait until no write is being applied (before the daemon stops: its
 * connection is suspended meanwhile). */
void cli_serve_upload_drain(server *s);
/* The request ends (answered or aborted): its file removed, the slot freed. */
void cli_serve_upload_end(server *s, request *rq);
/* GET /api/updates: whether the page may write, the limits, and the
 * write in progress. */
enum MHD_Result cli_serve_api_updates(server *s, struct MHD_Connection *conn, request *rq);

/* ========================================= handlers (serve_api.c, serve_map.c) */

/* Collects the values of one repeated query argument (id= of
 * /api/profile, doc= of /api/map), at most cap of them. */
typedef struct rep_args {
    const char *key;            /* the argument's name */
    const char **ids;           /* room for cap values (owned by MHD) */
    int cap;                    /* room */
    int n;                      /* used */
    int over;                   /* more than cap given */
} rep_args;


/* GET /healthz */
enum MHD_Result cli_serve_api_health(server *s, struct MHD_Connection *conn, request *rq);
/* POST /api/ideas */
enum MHD_Result cli_serve_api_ideas(server *s, struct MHD_Connection *conn, request *rq);
/* POST /api/match: the company query (= tenyo match --json) */
enum MHD_Result cli_serve_api_match(server *s, struct MHD_Connection *conn, request *rq);
/* POST /api/ideas.csv: /api/ideas's body, answered as `ideas --csv --bom` */
enum MHD_Result cli_serve_api_ideas_csv(server *s, struct MHD_Connection *conn, request *rq);
/* GET /api/ideas/options: the table of ideas options */
enum MHD_Result cli_serve_api_options(struct MHD_Connection *conn, request *rq);
/* GET /api/patent/{id}[?k=&mode=]: metadata, codes, map position and the
 * patent's own similar patents. */
enum MHD_Result cli_serve_api_patent(server *s, struct MHD_Connection *conn, request *rq,
                                  const char *id);
/* GET /api/profile?id=ID[&id=...][&n=&min_confidence=&distance=&lang=]:
 * the applicability profile of each patent (= tenyo profile --ids, one
 * object per patent, in the order asked) as {"profiles": [...]}. At most
 * SRV_MAX_PROFILE patents a call: each is one ideas run. */
enum MHD_Result cli_serve_api_profile(server *s, struct MHD_Connection *conn, request *rq);
/* GET /api/report?task=ideas|match&body=JSON: the printable report (HTML
 * for A4, as `tenyo ideas --html` / `tenyo match --html`) of the answer
 * POST /api/ideas or /api/match gives for that body. A link the page opens
 * in a new tab, to print or save. */
enum MHD_Result cli_serve_api_report(server *s, struct MHD_Connection *conn, request *rq);
/* POST /api/worksheet, GET /api/worksheet?id=|patent=, GET /api/senses
 * (serve_ws.c): the analyst's worksheets, saved beside the index, and
 * the remembered sense splits. */
enum MHD_Result cli_serve_api_worksheet_post(server *s, struct MHD_Connection *conn,
                                             request *rq);
enum MHD_Result cli_serve_api_worksheet_get(server *s, struct MHD_Connection *conn,
                                            request *rq);
enum MHD_Result cli_serve_api_senses(server *s, struct MHD_Connection *conn, request *rq);
/* POST /api/senses {"word", "pairs": [[FIELD, OTHER], ...]}: the splits
 * remembered in INDEX.senses (as ideas --not --remember does) and honoured
 * by every later request. */
enum MHD_Result cli_serve_api_senses_post(server *s, struct MHD_Connection *conn,
                                          request *rq);
/* The saved worksheet of patent (its stored id), or NULL (none, or
 * unreadable). */
tenyo_worksheet *cli_serve_ws_of(const server *s, const char *patent);
/* The saved worksheet of subject of kind ("patent" or "text"), as the page
 * asks for it (GET /api/worksheet?KIND=SUBJECT), or NULL. */
tenyo_worksheet *cli_serve_ws_for(const server *s, const char *kind, const char *subject);
/* GET /api/sentences?id=ID: the patent's sentences, numbered as focus
 * numbers them (serve_api.c). */
enum MHD_Result cli_serve_api_sentences(server *s, struct MHD_Connection *conn, request *rq);
/* GET /api/resolve?q=: how the page must read what was typed (the same
 * rule as the CLI): {"query", "kind": "id" | "number" | "text", "match",
 * "key", "id", "suggestions"} (cli_resolve_json). */
enum MHD_Result cli_serve_api_resolve(server *s, struct MHD_Connection *conn, request *rq);
/* GET /api/search?q=QUERY[&k=][&date_from=...]: the keyword search, =
 * tenyo search --json (q is the keyword query; the filter arguments as for
 * /api/similar). */
enum MHD_Result cli_serve_api_search(server *s, struct MHD_Connection *conn, request *rq);
/* GET /api/similar?id=|text=&k=&mode=[&date_from=&date_to=&applicant=...
 * &exclude_applicant=...&fields=&exclude_fields=] */
enum MHD_Result cli_serve_api_similar(server *s, struct MHD_Connection *conn, request *rq);
enum MHD_Result cli_serve_collect_rep(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value);
/* The document of an id as a person typed it (cli_resolve_id: the exact id,
 * then its canonical key), or -1 after queueing the reply: 404 {"error":
 * "no patent 'X' in the index; did you mean A, B?", "suggestions":
 * [{doc}...]} (cli_resolve_json's; no "suggestions" when there are none),
 * or 500 for the server's own failure. */
int64_t cli_serve_resolve_id(server *s, struct MHD_Connection *conn, request *rq,
                          const char *typed, enum MHD_Result *ret);
/* GET /api/map[?id=|text=][&doc=ID...][&fields=0] */
enum MHD_Result cli_serve_api_map(server *s, struct MHD_Connection *conn, request *rq);
/* The fields part of the map: variance shares and one entry per field. */
json_t *cli_serve_map_fields_json(const tenyo_index *x, const tenyo_map *m);

#endif
