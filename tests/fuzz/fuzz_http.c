/*
 * fuzz_http.c — the request-parameter checks of `tenyo serve`
 * (src/serve/serve_parse.c) over arbitrary bytes. Each input is used three
 * ways:
 *   - as the body of POST /api/ideas (serve_ideas_parse), handed over as
 *     libmicrohttpd hands a body: an exact-size copy, not terminated;
 *   - as a request target "PATH?QUERY": the path and every key and value of
 *     the query unescaped with libmicrohttpd's own MHD_http_unescape and
 *     split on '&' and '=' as libmicrohttpd does, then routed (serve_route),
 *     written for the log (serve_log_path), checked (serve_arg_check) and
 *     read as the arguments of /api/similar, /api/map (with its label
 *     placement: view, size, largest, lang, label=, mark=) and
 *     /api/profile;
 *   - as a Host header (serve_host_ok) and as a number (serve_parse_long).
 * Properties: a refusal is a 4xx/500 status with a terminated, non-empty
 * message; an accepted body has exactly one of id and text, n in 1..50, a
 * text of at most 32 KiB, home codes that are IPC subclasses; an accepted
 * k is in 1..100; the log form of a path is printable ASCII, terminated and
 * within its buffer; an accepted Host names a loopback host.
 * Linked against the CLI objects (the HTTP parameters live in serve_parse.c)
 * and libmicrohttpd.
 */
#include "fuzz.h"
#include "serve/serve_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>
#include <strings.h>

#define FZ_MSG 256

/* A message buffer pre-filled so that an unterminated write shows. */
static void msg_reset(char *msg) { memset(msg, 'x', FZ_MSG); }

/* The contract of a check's result: 0, or a status with a message. */
static void check_verdict(unsigned st, const char *msg) {
    if (!st) return;
    FZ_ASSERT(st == SRV_HTTP_BAD_REQUEST || st == SRV_HTTP_NOT_FOUND ||
              st == SRV_HTTP_TOO_LARGE || st == SRV_HTTP_INTERNAL);
    FZ_ASSERT(memchr(msg, 0, FZ_MSG) != NULL && msg[0] != 0);
}

/* ------------------------------------------------------------ the body */

static void fuzz_body(const uint8_t *data, size_t size) {
    char *body = malloc(size ? size : 1);
    if (!body) return;
    if (size) memcpy(body, data, size);
    serve_ideas_req q;
    char msg[FZ_MSG];
    msg_reset(msg);
    unsigned st = serve_ideas_parse(body, size, &q, msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT(q.root != NULL);
        FZ_ASSERT((q.id != NULL) != (q.text != NULL));
        FZ_ASSERT(q.n >= 1 && q.n <= tenyo_ideas_opt_find("n")->max);
        FZ_ASSERT(q.len <= SRV_MAX_TEXT);
        if (q.text) FZ_ASSERT(q.len > 0 && q.len == strlen(q.text));
        FZ_ASSERT(!strcmp(q.lang, "ja") || !strcmp(q.lang, "en"));
        fz_check_home(&q.io, SRV_MAX_HOME);
    }
    serve_ideas_req_free(&q);
    FZ_ASSERT(q.root == NULL && q.homebuf == NULL);
    free(body);
}

/* ------------------------------------------------- the request target */

/* The first value of key among the n arguments, as
 * MHD_lookup_connection_value returns it (a C string), or NULL. */
static const char *arg_get(char **keys, char **vals, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(keys[i], key)) return vals[i];
    return NULL;
}

static void fuzz_target(const char *target) {
    char *t = strdup(target);
    if (!t) return;
    char *query = strchr(t, '?');
    if (query) *query++ = 0;
    /* the path: unescaped, routed, written for the log */
    MHD_http_unescape(t);
    const char *rest = NULL;
    serve_route_id r = serve_route(t, &rest);
    FZ_ASSERT(r >= SRV_ROUTE_NONE && r <= SRV_ROUTE_UPDATES);
    /* an upload's name= as the path's bytes: a file name or a 400 */
    char nm[128], nmsg[256];
    if (serve_upload_name(t, "u.csv", nm, sizeof nm, nmsg, sizeof nmsg) == 0)
        FZ_ASSERT(*nm && strlen(nm) <= 100 && !strchr(nm, '/') && !strchr(nm, '\\'));
    else
        FZ_ASSERT(*nmsg);
    if (r == SRV_ROUTE_PATENT) FZ_ASSERT(rest == t + 12);
    else FZ_ASSERT(rest == NULL);
    static const size_t caps[] = {8, 9, 16, 256};
    for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
        char out[256 + 8];
        memset(out, 'x', sizeof out);
        serve_log_path(out, caps[c], t);
        size_t l = strnlen(out, caps[c]);
        FZ_ASSERT(l < caps[c]);
        for (size_t i = 0; i < l; i++)
            FZ_ASSERT(out[i] > 0x20 && out[i] < 0x7f);
        FZ_ASSERT(out[caps[c]] == 'x'); /* nothing written past the cap */
    }
    /* the query: split on '&' and '=', both sides unescaped */
    enum { MAXARGS = 256 };
    char *keys[MAXARGS], *vals[MAXARGS];
    size_t n = 0, ndocs = 0;
    char msg[FZ_MSG];
    char *save = NULL;
    for (char *a = query ? strtok_r(query, "&", &save) : NULL; a && n < MAXARGS;
         a = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(a, '=');
        if (eq) *eq++ = 0;
        size_t kl = MHD_http_unescape(a);
        size_t vl = eq ? MHD_http_unescape(eq) : 0;
        msg_reset(msg);
        unsigned st = serve_arg_check(a, kl, eq, vl, msg, sizeof msg);
        check_verdict(st, msg);
        if (st == 0) FZ_ASSERT(strlen(a) == kl && (!eq || strlen(eq) == vl));
        keys[n] = a;
        vals[n] = eq; /* MHD gives NULL for "?key" */
        if (!strcmp(a, "doc") && eq) ndocs++;
        n++;
    }
    /* /api/similar and /api/patent */
    long k = -1;
    tenyo_mode mode = (tenyo_mode)-1;
    msg_reset(msg);
    unsigned st = serve_similar_args(arg_get(keys, vals, n, "k"), arg_get(keys, vals, n, "mode"),
                                     &k, &mode, msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT(k >= 1 && k <= SRV_MAX_K);
        FZ_ASSERT(mode == TENYO_MODE_TFIDF || mode == TENYO_MODE_LSA ||
                  mode == TENYO_MODE_HYBRID);
    }
    const char *id = arg_get(keys, vals, n, "id"), *text = arg_get(keys, vals, n, "text");
    size_t len = 1;
    msg_reset(msg);
    st = serve_similar_query(id, text, &len, msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT((id != NULL) != (text != NULL));
        FZ_ASSERT(len <= SRV_MAX_TEXT && len == (text ? strlen(text) : 0));
    }
    /* /api/map */
    int with_fields = -1;
    msg_reset(msg);
    st = serve_map_args(id, text, arg_get(keys, vals, n, "fields"), ndocs > SRV_MAX_MAP_DOCS,
                        &with_fields, &len, msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT(with_fields == 0 || with_fields == 1);
        FZ_ASSERT(!(id && text) && len <= SRV_MAX_TEXT);
    }
    /* /api/map's labels: the picture, each label= and mark= */
    serve_map_view_args va;
    msg_reset(msg);
    st = serve_map_view(arg_get(keys, vals, n, "view"), arg_get(keys, vals, n, "size"),
                        arg_get(keys, vals, n, "largest"), arg_get(keys, vals, n, "lang"), &va,
                        msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT(isfinite(va.view[0]) && isfinite(va.view[3]));
        FZ_ASSERT(va.view[0] < va.view[2] && va.view[1] < va.view[3]);
        FZ_ASSERT(isfinite(va.view[2] - va.view[0]) && isfinite(va.view[3] - va.view[1]));
        FZ_ASSERT(va.width >= 50 && va.width <= 4000 && va.height >= 50 && va.height <= 4000);
        FZ_ASSERT(va.largest >= 0 && va.largest <= SRV_MAX_MAP_LARGEST);
        FZ_ASSERT(!strcmp(va.lang, "ja") || !strcmp(va.lang, "en"));
    }
    for (size_t i = 0; i < n; i++) {
        if (!vals[i]) continue;
        if (!strcmp(keys[i], "label")) {
            char code[5];
            double rad = -1;
            msg_reset(msg);
            st = serve_map_label_arg(vals[i], code, &rad, msg, sizeof msg);
            check_verdict(st, msg);
            if (st == 0) {
                FZ_ASSERT(strlen(code) == 4 && code[0] >= 'A' && code[0] <= 'H');
                FZ_ASSERT(!strncmp(vals[i], code, 4) && vals[i][4] == ',');
                FZ_ASSERT(rad >= 0 && rad <= 100);
            }
        } else if (!strcmp(keys[i], "mark")) {
            double m[3];
            msg_reset(msg);
            st = serve_map_mark_arg(vals[i], m, msg, sizeof msg);
            check_verdict(st, msg);
            if (st == 0) FZ_ASSERT(isfinite(m[0]) && isfinite(m[1]) && m[2] >= 0 && m[2] <= 100);
        }
    }
    /* /api/profile */
    tenyo_ideas_opts io;
    long pn = -1;
    const char *plang = NULL;
    msg_reset(msg);
    st = serve_profile_args(arg_get(keys, vals, n, "n"), arg_get(keys, vals, n, "min_confidence"),
                            arg_get(keys, vals, n, "distance"), arg_get(keys, vals, n, "lang"),
                            &io, &pn, &plang, msg, sizeof msg);
    check_verdict(st, msg);
    if (st == 0) {
        FZ_ASSERT(pn >= 1 && pn <= 100);
        FZ_ASSERT(io.min_confidence <= 1);
        FZ_ASSERT(!strcmp(plang, "ja") || !strcmp(plang, "en"));
    }
    free(t);
}

/* ---------------------------------------------------- Host and numbers */

static void fuzz_scalars(const char *s) {
    if (serve_host_ok(s)) {
        FZ_ASSERT(!strncasecmp(s, "localhost", 9) || !strncmp(s, "127.0.0.1", 9) ||
                  !strncmp(s, "[::1]", 5));
        FZ_ASSERT(strchr(":", s[s[0] == '[' ? 5 : 9]) != NULL); /* ':' or the end */
    }
    FZ_ASSERT(serve_host_ok(NULL) == 1);
    static const long bounds[][2] = {{1, SRV_MAX_K}, {0, 65535}, {-5, 5}};
    for (size_t b = 0; b < sizeof bounds / sizeof *bounds; b++) {
        long v = bounds[b][0] - 1;
        if (serve_parse_long(s, bounds[b][0], bounds[b][1], &v) == 0)
            FZ_ASSERT(v >= bounds[b][0] && v <= bounds[b][1]);
        else
            FZ_ASSERT(v == bounds[b][0] - 1); /* untouched on failure */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_body(data, size);
    if (size > 256 * 1024) return 0; /* a request head is at most 128 KiB */
    char *s = malloc(size + 1);
    if (!s) return 0;
    if (size) memcpy(s, data, size);
    s[size] = 0; /* a C string ends at its first NUL, as libmicrohttpd's do */
    fuzz_target(s);
    fuzz_scalars(s);
    free(s);
    return 0;
}
