/*
 * serve_route.c — one request's life in `tenyo serve`: its state begins
 * at the request line (serve_on_uri: over SRV_MAX_ARGS arguments, the
 * query is cut and the answer is 414), its headers are checked
 * (serve_on_request: one Host, loopback's Host names, one Content-Length,
 * chunked only), its body gathered, and then it is routed: the page's
 * files (src/serve/web/, embedded at build time), then the API routes
 * (serve_route, serve_parse.c) to their handlers; serve_on_completed
 * writes the access-log line and frees the state.
 *
 * Who calls whom: libmicrohttpd calls the three serve_on_* (serve_start.c
 * hands them over); they call the handlers of serve_api.c, serve_map.c,
 * serve_ws.c and serve_update.c, the replies of serve_http.c and the
 * guard's deadlines (serve_watch_arm, serve_guard.c). A request is
 * answered under the live lock's read side (a write from the page swaps
 * the index under its write side, serve_live.c).
 */
#include "serve_daemon.h"
#include "serve_mhd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* One embedded file of the web page (generated $(BUILD)/gen/web.c). */
struct cli_web_file {
    const char *path;           /* URL path, e.g. "/app.js" */
    const char *type;           /* Content-Type */
    const unsigned char *data;  /* bytes */
    size_t len;                 /* byte count */
};
extern const struct cli_web_file cli_web_files[];
extern const size_t cli_web_nfiles;

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
void serve_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    server *s = cls;
    request *rq = *con_cls;
    if (serve_tl_conn == conn) serve_tl_conn = NULL; /* it ends: freed after this */
    if (!rq) return;
    if (rq->up) cli_serve_upload_end(s, rq); /* answered or aborted: file and slot freed */
    /* a kept-alive connection has SRV_RECV_DEADLINE for its next request */
    serve_watch_arm(&s->wd, rq->watch, SRV_RECV_DEADLINE);
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
void *serve_on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)cls;
    serve_tl_conn = conn;
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
enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    server *s = cls;
    request *rq = *con_cls;
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (serve_tl_conn == conn) serve_tl_conn = NULL; /* its headers passed libmicrohttpd */
    if (!rq || !rq->begun) {
        if (!rq) rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        rq->begun = 1;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        serve_log_path(rq->method, sizeof rq->method, method); /* ESC, CR: not raw */
        serve_log_path(rq->path, sizeof rq->path, url);
        snprintf(rq->client, sizeof rq->client, "-");
        rq->watch = serve_conn_watch_of(conn);
        const union MHD_ConnectionInfo *ci =
            serve_mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
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
        serve_mhd.get_connection_values(conn, MHD_HEADER_KIND, on_header, &cs);
        if (cs.bad_name)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "a header name with a space in it");
        if (cs.hosts > 1 || (!cs.hosts && version && !strcmp(version, MHD_HTTP_VERSION_1_1)))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               cs.hosts ? "more than one Host header" : "no Host header");
        const char *host = serve_mhd.lookup_connection_value(conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_HOST);
        if (s->loopback && !serve_host_ok(host) && !serve_host_is(host, s->bind))
            return cli_serve_reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                               "host not allowed: this server answers localhost only");
        const char *cl = serve_mhd.lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* two Content-Length headers that differ: which body is meant is
         * unknown (request smuggling); RFC 9112 6.3 says 400 */
        if (cs.conflict)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "conflicting Content-Length headers");
        /* a transfer coding libmicrohttpd does not decode: the body's end
         * is unknown, so the request would wait for the receive deadline
         * (RFC 9112 6.1: 501) */
        const char *te = serve_mhd.lookup_connection_value(conn, MHD_HEADER_KIND,
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
            if (rq->up && !rq->answered) serve_watch_arm_upload(s, rq->watch, rq); /* its body's time */
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
            serve_watch_arm_upload(s, rq->watch, rq);
        } else {
            body_append(rq, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    serve_watch_arm(&s->wd, rq->watch, 0); /* all in: no deadline while answering */
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
    if (route == SRV_ROUTE_SENSES && is_post) return cli_serve_api_senses_post(s, conn, rq);
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
