/*
 * serve_http.c — the lowest layer of `tenyo serve`: the pool of query
 * contexts (one per server thread, waited for up to SRV_CTX_WAIT seconds),
 * the replies (JSON bodies with their status, the error object every
 * failure answers with, the security headers on every response) and the
 * checks of a request's query arguments (known names, one value each,
 * numbers in range) that run before any handler works.
 *
 * Every handler (serve_api.c, serve_map.c) answers through reply_json or
 * cli_serve_reply_error, so a status, a body and the access log's byte count always
 * agree; nothing here knows a route's meaning.
 *
 * Who calls whom: called by serve_api.c, serve_live.c, serve_map.c,
 * serve_route.c, serve_start.c, serve_update.c, serve_ws.c; calls
 * serve_parse.c and the library (tenyo.h).
 */
#include "views/views.h"
#include "serve_http.h"
#include "serve_parse.h"
#include "serve_mhd.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Create n contexts on x; returns 0, or a status with the message in err. */
int cli_serve_pool_init(ctx_pool *p, const tenyo_index *x, int n, char *err,
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

void cli_serve_pool_destroy(ctx_pool *p) {
    for (int i = 0; i < p->n; i++) tenyo_ctx_free(p->all[i]);
    free(p->all);
    free(p->free);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

/* Take a context, waiting at most SRV_CTX_WAIT seconds; NULL when none
 * became free (the caller answers 503). */
tenyo_ctx *cli_serve_pool_get(ctx_pool *p) {
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

void cli_serve_pool_put(ctx_pool *p, tenyo_ctx *c) {
    if (!c) return;
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void cli_serve_pool_swap(ctx_pool *p, ctx_pool *q) {
    pthread_mutex_lock(&p->mu);
    tenyo_ctx **all = p->all, **fr = p->free;
    int n = p->n, nfree = p->nfree;
    p->all = q->all;
    p->free = q->free;
    p->n = q->n;
    p->nfree = q->nfree;
    q->all = all;
    q->free = fr;
    q->n = n;
    q->nfree = nfree;
    pthread_mutex_unlock(&p->mu);
}

/* ============================================================ replies */

/* Queue a response; data is copied unless own (then malloc'd and taken). */
enum MHD_Result cli_serve_reply(struct MHD_Connection *conn, request *rq,
                             unsigned status, const char *type, void *data,
                             size_t len, int own, const char *allow) {
    struct MHD_Response *r = serve_mhd.create_response_from_buffer(
        len, data, own ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
    if (!r) {
        if (own) free(data);
        return MHD_NO;
    }
    serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    serve_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    serve_mhd.add_response_header(r, "Referrer-Policy", "no-referrer");
    if (!strncmp(type, "text/html", 9)) {
        serve_mhd.add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        serve_mhd.add_response_header(r, "X-Frame-Options", "DENY");
    }
    serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow) serve_mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        serve_mhd.add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ret = serve_mhd.queue_response(conn, status, r);
    serve_mhd.destroy_response(r);
    rq->answered = 1;
    rq->status = status;
    rq->bytes = len;
    return ret;
}

/* JSON reply: compact, insertion order, newline — the bytes the CLI
 * prints. Takes the reference to j; allow (may be NULL) for 405. */
enum MHD_Result cli_serve_reply_json(struct MHD_Connection *conn, request *rq,
                                  unsigned status, json_t *j, const char *allow) {
    char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(j);
    size_t n = s ? strlen(s) : 0;
    char *t = s ? realloc(s, n + 2) : NULL;
    if (!t) {
        free(s);
        static const char oom[] = "{\"error\":\"out of memory\"}\n";
        return cli_serve_reply(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
                     (void *)oom, sizeof oom - 1, 0, NULL);
    }
    t[n] = '\n';
    t[n + 1] = 0;
    return cli_serve_reply(conn, rq, status, "application/json; charset=utf-8", t, n + 1, 1, allow);
}

/* {"error": msg} with the given status (and Allow for 405). */
enum MHD_Result cli_serve_reply_error(struct MHD_Connection *conn, request *rq,
                                   unsigned status, const char *allow,
                                   const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
enum MHD_Result cli_serve_reply_error(struct MHD_Connection *conn, request *rq,
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
    return cli_serve_reply_json(conn, rq, status, o, allow);
}

/* ====================================================== input checks */

const char *cli_serve_query_arg(struct MHD_Connection *conn, const char *key) {
    return serve_mhd.lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
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
int cli_serve_args_ok(struct MHD_Connection *conn, request *rq, serve_route_id route,
                   enum MHD_Result *ret) {
    arg_verdict v = {.route = route, .status = 0};
    serve_mhd.get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, check_arg, &v);
    if (v.status) *ret = cli_serve_reply_error(conn, rq, v.status, NULL, "%s", v.msg);
    return !v.status;
}

/* Shared k / mode arguments of /api/similar and /api/patent; replies and
 * returns 0 on a bad value. */
int cli_serve_similar_args(struct MHD_Connection *conn, request *rq, long *k,
                        tenyo_mode *mode, enum MHD_Result *ret) {
    char msg[SRV_MSG];
    unsigned st = serve_similar_args(cli_serve_query_arg(conn, "k"), cli_serve_query_arg(conn, "mode"), k, mode,
                                     msg, sizeof msg);
    if (st) *ret = cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    return !st;
}

