/*
 * serve_parse.c — the checks `tenyo serve` (serve_route.c) applies to what a
 * client sends: the path, the query arguments, the Host header and the JSON
 * body of POST /api/ideas. Each takes strings and bytes and returns 0 or
 * the HTTP status of the refusal with its message; the server looks the values
 * up in libmicrohttpd and turns a refusal into the {"error": ...} reply.
 *
 * Why a file of its own: these are the only places where untrusted bytes
 * are interpreted by our code (libmicrohttpd splits the request and
 * unescapes the query; jansson parses the JSON), so they are the target of
 * the HTTP fuzzer (tests/fuzz/fuzz_http.c), which cannot drive serve_route.c's
 * handlers without a daemon and an index. Rejected: fuzzing through a real
 * daemon on a socket pair — slow (a thread hop per input) and mostly a test
 * of libmicrohttpd's parser, which is not ours to fix.
 *
 * Strictness is a choice made for the analyst: an unknown member in the
 * ideas body or a value of the wrong type is refused (400) rather than
 * ignored, since a misspelt option silently dropped gives a plausible but
 * wrong answer. Limits (SRV_MAX_* in serve_parse.h) bound the work of one
 * request: one exact scan of the index, at most 100 hits or 50 ideas.
 *
 * Who calls whom: called by serve_api.c, serve_http.c, serve_map.c,
 * serve_route.c, serve_update.c; calls views/filters.c, views/say.c and
 * the library (tenyo.h).
 */
#include "serve_parse.h"

#include "views/views.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ============================================================ scalars */

int serve_parse_long(const char *s, long lo, long hi, long *out) {
    if (!s || !*s || !out) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

unsigned serve_http_status(int st) {
    switch (st) {
    case TENYO_ERR_ARG: case TENYO_ERR_INPUT: case TENYO_ERR_EMPTY:
        return SRV_HTTP_BAD_REQUEST;
    case TENYO_ERR_NOTFOUND: return SRV_HTTP_NOT_FOUND;
    case TENYO_ERR_LIMIT: return SRV_HTTP_TOO_LARGE;
    default: return SRV_HTTP_INTERNAL;
    }
}

/* ============================================================ paths */

serve_route_id serve_route(const char *url, const char **rest) {
    if (rest) *rest = NULL;
    if (!url) return SRV_ROUTE_NONE;
    if (!strcmp(url, "/api/ideas")) return SRV_ROUTE_IDEAS;
    if (!strcmp(url, "/api/match")) return SRV_ROUTE_MATCH;
    if (!strcmp(url, "/healthz")) return SRV_ROUTE_HEALTH;
    if (!strcmp(url, "/api/info")) return SRV_ROUTE_INFO;
    if (!strcmp(url, "/api/ideas.csv")) return SRV_ROUTE_IDEAS_CSV;
    if (!strcmp(url, "/api/ideas/options")) return SRV_ROUTE_OPTIONS;
    if (!strcmp(url, "/api/similar")) return SRV_ROUTE_SIMILAR;
    if (!strcmp(url, "/api/map")) return SRV_ROUTE_MAP;
    if (!strcmp(url, "/api/resolve")) return SRV_ROUTE_RESOLVE;
    if (!strcmp(url, "/api/search")) return SRV_ROUTE_SEARCH;
    if (!strcmp(url, "/api/profile")) return SRV_ROUTE_PROFILE;
    if (!strcmp(url, "/api/report")) return SRV_ROUTE_REPORT;
    if (!strcmp(url, "/api/add")) return SRV_ROUTE_ADD;
    if (!strcmp(url, "/api/licensable")) return SRV_ROUTE_LICENSABLE;
    if (!strcmp(url, "/api/updates")) return SRV_ROUTE_UPDATES;
    if (!strcmp(url, "/api/worksheet")) return SRV_ROUTE_WORKSHEET;
    if (!strcmp(url, "/api/senses")) return SRV_ROUTE_SENSES;
    if (!strcmp(url, "/api/sentences")) return SRV_ROUTE_SENTENCES;
    if (!strncmp(url, "/api/patent/", 12)) {
        if (rest) *rest = url + 12;
        return SRV_ROUTE_PATENT;
    }
    return SRV_ROUTE_NONE;
}

/* 1 when p is empty or ":" and 1 to 5 digits of a port (0..65535). */
static int port_ok(const char *p) {
    if (!*p) return 1;
    if (*p != ':') return 0;
    size_t n = strspn(p + 1, "0123456789");
    return n >= 1 && n <= 5 && p[1 + n] == 0 && atol(p + 1) <= 65535;
}

int serve_host_ok(const char *h) {
    if (!h) return 1; /* HTTP/1.0 (a 1.1 request without one is refused before) */
    if (h[0] == '[') /* [::1]:port */
        return !strncmp(h, "[::1]", 5) && port_ok(h + 5);
    if (!strncasecmp(h, "localhost", 9)) return port_ok(h + 9);
    return !strncmp(h, "127.0.0.1", 9) && port_ok(h + 9);
}

int serve_host_is(const char *h, const char *bind) {
    if (!h || !bind || !*bind) return 0;
    size_t bl = strlen(bind);
    if (h[0] == '[') /* [v6]:port */
        return !strncasecmp(h + 1, bind, bl) && h[1 + bl] == ']' && port_ok(h + 2 + bl);
    return !strncmp(h, bind, bl) && port_ok(h + bl) && !strchr(bind, ':');
}

void serve_log_path(char *out, size_t cap, const char *url) {
    static const char hex[] = "0123456789ABCDEF";
    if (!out || cap < 8) return;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(url ? url : ""); *p; p++) {
        if (o + 4 >= cap) {
            memcpy(out + (o < cap - 4 ? o : cap - 4), "...", 4);
            return;
        }
        if (*p > 0x20 && *p < 0x7f && *p != '%') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
}

/* ==================================================== query arguments */

unsigned serve_arg_check(const char *key, size_t klen, const char *val, size_t vlen,
                         char *msg, size_t msglen) {
    if ((key && memchr(key, 0, klen)) || (val && memchr(val, 0, vlen))) {
        snprintf(msg, msglen, "query argument '%.64s' holds a NUL byte (%%00)",
                 key ? key : "");
        return SRV_HTTP_BAD_REQUEST;
    }
    return 0;
}

/* The query arguments each GET route reads (NULL-terminated lists). */
static const char *const args_none[] = {NULL};
static const char *const args_similar[] = {"id", "text", "k", "mode", "date_from", "date_to",
                                           "applicant", "exclude_applicant", "fields",
                                           "exclude_fields", "keywords", "open_only", "kind",
                                           NULL};
static const char *const args_search[] = {"q", "k", "mode", "date_from", "date_to",
                                          "applicant", "exclude_applicant", "fields",
                                          "exclude_fields", "open_only", "kind", NULL};
static const char *const args_patent[] = {"k", "mode", NULL};
static const char *const args_resolve[] = {"q", NULL};
static const char *const args_worksheet[] = {"id", "patent", "company", "text", NULL};
static const char *const args_resolve_id[] = {"id", NULL};
static const char *const args_profile[] = {"id", "n", "min_confidence", "distance", "lang",
                                           NULL};
static const char *const args_map[] = {"id", "text", "fields", "doc", "view", "size",
                                       "largest", "lang", "label", "mark", NULL};

static const char *const args_add[] = {"name", NULL};
static const char *const args_licensable[] = {"name", "column", NULL};

int serve_arg_repeatable(serve_route_id route, const char *key) {
    if (!strcmp(key, "applicant") || !strcmp(key, "exclude_applicant")) return 1;
    if (route == SRV_ROUTE_PROFILE) return !strcmp(key, "id");
    if (route == SRV_ROUTE_MAP)
        return !strcmp(key, "doc") || !strcmp(key, "label") || !strcmp(key, "mark");
    return 0;
}

unsigned serve_arg_known(serve_route_id route, const char *key, const char *val, char *msg,
                         size_t msglen) {
    const char *const *names = args_none;
    const char *path = "this path";
    switch (route) {
    case SRV_ROUTE_HEALTH: path = "/healthz"; break;
    case SRV_ROUTE_INFO: path = "/api/info"; break;
    case SRV_ROUTE_OPTIONS: path = "/api/ideas/options"; break;
    case SRV_ROUTE_SIMILAR: names = args_similar; path = "/api/similar"; break;
    case SRV_ROUTE_SEARCH: names = args_search; path = "/api/search"; break;
    case SRV_ROUTE_PATENT: names = args_patent; path = "/api/patent"; break;
    case SRV_ROUTE_RESOLVE: names = args_resolve; path = "/api/resolve"; break;
    case SRV_ROUTE_WORKSHEET: names = args_worksheet; path = "/api/worksheet"; break;
    case SRV_ROUTE_SENSES: path = "/api/senses"; break;
    case SRV_ROUTE_SENTENCES: names = args_resolve_id; path = "/api/sentences"; break;
    case SRV_ROUTE_PROFILE: names = args_profile; path = "/api/profile"; break;
    case SRV_ROUTE_MAP: names = args_map; path = "/api/map"; break;
    case SRV_ROUTE_ADD: names = args_add; path = "/api/add"; break;
    case SRV_ROUTE_LICENSABLE: names = args_licensable; path = "/api/licensable"; break;
    case SRV_ROUTE_UPDATES: path = "/api/updates"; break;
    default: return 0; /* POST routes: their bodies are checked member by member */
    }
    if (!key || (!*key && (!val || !*val))) return 0; /* "?a=1&" or "?&": nothing given */
    size_t n = 0;
    for (; names[n]; n++)
        if (!strcmp(key, names[n])) return 0;
    char list[256] = "";
    for (size_t i = 0; i < n && strlen(list) + strlen(names[i]) + 3 < sizeof list; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 names[i]);
    const char *near = NULL;
    for (size_t i = 0; i < n && !near; i++) /* "ID" for id */
        if (!strcasecmp(key, names[i])) near = names[i];
    if (!near && n) near = cli_suggest(key, names, n);
    if (near)
        snprintf(msg, msglen, "unknown argument '%.64s' for %s; did you mean '%s'? (%s)", key,
                 path, near, list);
    else if (n)
        snprintf(msg, msglen, "unknown argument '%.64s' for %s (%s)", key, path, list);
    else
        snprintf(msg, msglen, "unknown argument '%.64s': %s takes none", key, path);
    return SRV_HTTP_BAD_REQUEST;
}

unsigned serve_upload_name(const char *name, const char *dflt, char *out, size_t cap,
                           char *msg, size_t msglen) {
    const char *b = name ? name : dflt;
    for (const char *p = b; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    size_t n = strlen(b);
    json_t *utf8 = json_stringn(b, n); /* NULL: not UTF-8 */
    int bad = !n || n > 100 || n >= cap || !strcmp(b, ".") || !strcmp(b, "..") || !utf8;
    json_decref(utf8);
    for (size_t i = 0; i < n && !bad; i++)
        bad = (unsigned char)b[i] < 0x20 || b[i] == 0x7f;
    if (bad) {
        snprintf(msg, msglen, "name must be a file name of 1 to 100 bytes of UTF-8 without "
                 "control characters");
        return SRV_HTTP_BAD_REQUEST;
    }
    memcpy(out, b, n + 1);
    return 0;
}

unsigned serve_similar_args(const char *ks, const char *ms, long *k, tenyo_mode *mode,
                            char *msg, size_t msglen) {
    *k = 10;
    *mode = TENYO_MODE_HYBRID;
    if (ks && serve_parse_long(ks, 1, SRV_MAX_K, k)) {
        snprintf(msg, msglen, "k must be an integer between 1 and %d", SRV_MAX_K);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (ms && cli_parse_mode(ms, mode)) {
        snprintf(msg, msglen, "unknown mode '%.64s' (tfidf, lsa, hybrid)", ms);
        return SRV_HTTP_BAD_REQUEST;
    }
    return 0;
}

unsigned serve_similar_query(const char *id, const char *text, size_t *len, char *msg,
                             size_t msglen) {
    *len = 0;
    if ((id != NULL) == (text != NULL)) {
        snprintf(msg, msglen, "give exactly one of id and text");
        return SRV_HTTP_BAD_REQUEST;
    }
    *len = text ? strlen(text) : 0;
    if (*len > SRV_MAX_TEXT) {
        snprintf(msg, msglen, "text longer than %d bytes", SRV_MAX_TEXT);
        return SRV_HTTP_TOO_LARGE;
    }
    return 0;
}

unsigned serve_map_args(const char *id, const char *text, const char *fields, int docs_over,
                        int *with_fields, size_t *len, char *msg, size_t msglen) {
    *with_fields = 1;
    *len = 0;
    if (docs_over) {
        snprintf(msg, msglen, "more than %d doc arguments", SRV_MAX_MAP_DOCS);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (id && text) {
        snprintf(msg, msglen, "give at most one of id and text");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (fields && strcmp(fields, "0") && strcmp(fields, "1")) {
        snprintf(msg, msglen, "fields must be 0 or 1");
        return SRV_HTTP_BAD_REQUEST;
    }
    *with_fields = !fields || !strcmp(fields, "1");
    *len = text ? strlen(text) : 0;
    if (*len > SRV_MAX_TEXT) {
        snprintf(msg, msglen, "text longer than %d bytes", SRV_MAX_TEXT);
        return SRV_HTTP_TOO_LARGE;
    }
    return 0;
}

/* A distance's name (section, class, subclass) into *d: 0, or -1 for any
 * other string or NULL (*d unchanged). */
/* Up to n comma-separated finite numbers of s into v; the count read, or -1
 * when s holds anything else (an empty item, trailing text, more than n). */
static int parse_numbers(const char *s, double *v, int n) {
    int got = 0;
    if (!s || !*s) return -1;
    for (;;) {
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(d) || got == n) return -1;
        v[got++] = d;
        if (!*end) return got;
        if (*end != ',') return -1;
        s = end + 1;
    }
}

unsigned serve_map_view(const char *view, const char *size, const char *largest,
                        const char *lang, serve_map_view_args *out, char *msg, size_t msglen) {
    memset(out, 0, sizeof out[0]);
    out->width = SRV_MAP_WIDTH;
    out->height = SRV_MAP_HEIGHT;
    out->lang = "ja";
    double v[4];
    if (parse_numbers(view, v, 4) != 4 || !(v[0] < v[2]) || !(v[1] < v[3]) ||
        !isfinite(v[2] - v[0]) || !isfinite(v[3] - v[1])) {
        snprintf(msg, msglen, "view must be X0,Y0,X1,Y1 (map coordinates, X0 < X1, Y0 < Y1)");
        return SRV_HTTP_BAD_REQUEST;
    }
    memcpy(out->view, v, sizeof v);
    if (size) {
        char *x = strchr(size, 'x');
        long w, h;
        char ws[16];
        size_t wl = x ? (size_t)(x - size) : 0;
        if (!x || wl == 0 || wl >= sizeof ws) w = -1;
        else {
            memcpy(ws, size, wl);
            ws[wl] = 0;
            if (serve_parse_long(ws, 50, 4000, &w)) w = -1;
        }
        if (w < 0 || serve_parse_long(x + 1, 50, 4000, &h)) {
            snprintf(msg, msglen, "size must be WIDTHxHEIGHT in pixels, each 50 to 4000");
            return SRV_HTTP_BAD_REQUEST;
        }
        out->width = (double)w;
        out->height = (double)h;
    }
    if (largest && serve_parse_long(largest, 0, SRV_MAX_MAP_LARGEST, &out->largest)) {
        snprintf(msg, msglen, "largest must be an integer between 0 and %d",
                 SRV_MAX_MAP_LARGEST);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (lang && strcmp(lang, "ja") && strcmp(lang, "en")) {
        snprintf(msg, msglen, "lang must be ja or en");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (lang) out->lang = lang;
    return 0;
}

unsigned serve_map_label_arg(const char *v, char code[5], double *r, char *msg,
                             size_t msglen) {
    const char *comma = v ? strchr(v, ',') : NULL;
    double rr = -1;
    char c[5];
    size_t l = comma ? (size_t)(comma - v) : 0;
    if (l == 4) {
        memcpy(c, v, 4);
        c[4] = 0;
    }
    if (l != 4 || !tenyo_code_subclass(c, code) || strcmp(c, code) ||
        parse_numbers(comma + 1, &rr, 1) != 1 || rr < 0 || rr > 100) {
        snprintf(msg, msglen, "label must be SUBCLASS,RADIUS (e.g. B60W,12.5; radius 0 to "
                 "100 pixels)");
        return SRV_HTTP_BAD_REQUEST;
    }
    *r = rr;
    return 0;
}

unsigned serve_map_mark_arg(const char *v, double xyr[3], char *msg, size_t msglen) {
    if (parse_numbers(v, xyr, 3) != 3 || xyr[2] < 0 || xyr[2] > 100) {
        snprintf(msg, msglen, "mark must be X,Y,RADIUS (map coordinates, radius 0 to 100 "
                 "pixels)");
        return SRV_HTTP_BAD_REQUEST;
    }
    return 0;
}

/* Query-string argument name (text) of the ideas table into io (a stored
 * member) or *v; 0, or a 400 with the table's reason. */
static unsigned table_arg(const char *name, const char *text, tenyo_ideas_opts *io, double *v,
                          char *msg, size_t msglen) {
    char err[160];
    double x;
    if (tenyo_ideas_opt_parse(name, text, &x, err, sizeof err)) {
        snprintf(msg, msglen, "%s %s", name, err);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (io && tenyo_ideas_opt_find(name)->flags & TENYO_OPT_STORED)
        tenyo_ideas_opts_set(io, name, x, err, sizeof err);
    if (v) *v = x;
    return 0;
}

unsigned serve_profile_args(const char *n, const char *min_confidence, const char *distance,
                            const char *lang, tenyo_ideas_opts *io, long *nout,
                            const char **lang_out, char *msg, size_t msglen) {
    tenyo_ideas_opts_default(io);
    *nout = 10;
    *lang_out = "ja";
    double v;
    unsigned st = 0;
    if (n && !(st = table_arg("n", n, NULL, &v, msg, msglen))) *nout = (long)v;
    if (!st && min_confidence) st = table_arg("min_confidence", min_confidence, io, NULL, msg, msglen);
    if (!st && distance) st = table_arg("distance", distance, io, NULL, msg, msglen);
    if (!st && lang) st = table_arg("lang", lang, NULL, NULL, msg, msglen);
    if (!st && lang) *lang_out = lang;
    return st;
}

/* ================================================= POST /api/ideas */

/* The "home" member v (a string "B60W,G08G" or an array of such strings)
 * into q->homebuf / q->homes / q->io.home. */
static unsigned ideas_home(json_t *v, serve_ideas_req *q, char *msg, size_t msglen) {
    size_t total = 1, i;
    json_t *e;
    if (json_is_string(v)) {
        total += json_string_length(v);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (!json_is_string(e)) {
                snprintf(msg, msglen, "home must be a string or an array of strings");
                return SRV_HTTP_BAD_REQUEST;
            }
            total += json_string_length(e) + 1; /* the body caps this sum at 64 KiB */
        }
    } else {
        snprintf(msg, msglen, "home must be a string or an array of strings");
        return SRV_HTTP_BAD_REQUEST;
    }
    q->homebuf = calloc(1, total);
    if (!q->homebuf) {
        snprintf(msg, msglen, "out of memory");
        return SRV_HTTP_INTERNAL;
    }
    if (json_is_string(v)) {
        memcpy(q->homebuf, json_string_value(v), json_string_length(v));
    } else {
        size_t at = 0;
        json_array_foreach(v, i, e) {
            memcpy(q->homebuf + at, json_string_value(e), json_string_length(e));
            at += json_string_length(e);
            q->homebuf[at++] = ',';
        }
    }
    /* a string holding "\u0000" ends at the NUL here; jansson refuses such
     * strings anyway (no JSON_ALLOW_NUL) */
    int nh = tenyo_ideas_home_split(q->homebuf, q->homes, SRV_MAX_HOME, msg, msglen);
    if (nh < 0) return SRV_HTTP_BAD_REQUEST;
    if (nh > 0) {
        q->io.home = q->homes;
        q->io.nhome = (size_t)nh;
    }
    return 0;
}

/* Optional member key of o, a number in [0, 1], into *out (left as it is
 * when absent). 0, or -1 with the message in msg. */
/* Validate the members of the object o into q. */
/* ============================================================ filters */

int serve_filter_arg(cli_filter_opts *fo, const char *name, const char *value, char *msg,
                     size_t msglen) {
    static const char *const names[] = {"date_from", "date_to", "applicant",
                                        "exclude_applicant", "fields", "exclude_fields",
                                        "keywords", "open_only", "kind"};
    for (int i = 0; i < 9; i++) {
        if (strcmp(name, names[i])) continue;
        if (!value) {
            snprintf(msg, msglen, "%s needs a value", name);
            return SRV_HTTP_BAD_REQUEST;
        }
        if (strlen(value) > 4096) {
            snprintf(msg, msglen, "%s longer than 4096 bytes", name);
            return SRV_HTTP_BAD_REQUEST;
        }
        return cli_filter_add(fo, i == 8 ? OPT_KIND : OPT_DATE_FROM + i, value, msg, msglen) < 0
                   ? SRV_HTTP_BAD_REQUEST : 0;
    }
    return -1;
}

/* The filter members of an ideas body: a string each, or (applicant,
 * exclude_applicant, fields, exclude_fields) an array of strings. */
static unsigned filter_members(json_t *o, cli_filter_opts *fo, char *msg, size_t msglen) {
    static const char *const names[] = {"date_from", "date_to", "applicant",
                                        "exclude_applicant", "fields", "exclude_fields",
                                        "keywords", "kind"};
    for (int i = 0; i < 8; i++) {
        json_t *v = json_object_get(o, names[i]);
        if (!v || json_is_null(v)) continue;
        if (json_is_array(v) && i >= 2 && i < 6) {
            size_t j;
            json_t *e;
            json_array_foreach(v, j, e) {
                if (!json_is_string(e)) {
                    snprintf(msg, msglen, "%s must be a string or an array of strings", names[i]);
                    return SRV_HTTP_BAD_REQUEST;
                }
                int r = serve_filter_arg(fo, names[i], json_string_value(e), msg, msglen);
                if (r) return (unsigned)r;
            }
        } else if (json_is_string(v)) {
            int r = serve_filter_arg(fo, names[i], json_string_value(v), msg, msglen);
            if (r) return (unsigned)r;
        } else {
            snprintf(msg, msglen, i < 2 ? "%s must be a string (YYYY, YYYY-MM or YYYY-MM-DD)"
                                  : i >= 6 ? "%s must be a string"
                                           : "%s must be a string or an array of strings",
                     names[i]);
            return SRV_HTTP_BAD_REQUEST;
        }
    }
    return 0;
}

/* The members a body may hold besides the table's: the query, match's k,
 * the filters. */
static const char *const FILTER_MEMBERS[] = {"date_from", "date_to", "applicant",
                                             "exclude_applicant", "fields", "exclude_fields",
                                             "keywords", "kind"};
#define NFILTER_MEMBERS (sizeof FILTER_MEMBERS / sizeof *FILTER_MEMBERS)

/* 1 when d is a member of the body of /api/ideas (match 0) or /api/match
 * (match 1: k patents, no n). */
static int table_member(const tenyo_opt *d, int match) {
    return !(match && !strcmp(d->name, "n"));
}

/* "unknown member" with every member the body may hold. */
static unsigned unknown_member(const char *key, int match, char *msg, size_t msglen) {
    char list[1024];
    size_t at = (size_t)snprintf(list, sizeof list, "%s", match ? "text, k" : "id, text");
    for (size_t i = 0; i < tenyo_ideas_opt_count(); i++) {
        const tenyo_opt *d = tenyo_ideas_opt(i);
        if (table_member(d, match) && at < sizeof list)
            at += (size_t)snprintf(list + at, sizeof list - at, ", %s", d->name);
    }
    for (size_t i = 0; i < NFILTER_MEMBERS && at < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, ", %s", FILTER_MEMBERS[i]);
    snprintf(msg, msglen, "unknown member '%.64s' (%s)", key, list);
    return SRV_HTTP_BAD_REQUEST;
}

static int known_member(const char *key, int match) {
    if (!strcmp(key, "text") || !strcmp(key, match ? "k" : "id")) return 1;
    const tenyo_opt *d = tenyo_ideas_opt_find(key);
    if (d && !strcmp(d->name, key)) return table_member(d, match);
    for (size_t i = 0; i < NFILTER_MEMBERS; i++)
        if (!strcmp(key, FILTER_MEMBERS[i])) return 1;
    return 0;
}

/* Member v of the table's entry d into q: its JSON type, then the table's
 * bounds (the message names the member). */
static unsigned table_member_value(const tenyo_opt *d, json_t *v, serve_ideas_req *q,
                                   char *msg, size_t msglen) {
    char err[160];
    double x = 0;
    int typed = d->type == TENYO_OPT_NUMBER    ? json_is_number(v)
                : d->type == TENYO_OPT_INTEGER ? json_is_integer(v)
                : d->type == TENYO_OPT_BOOL    ? json_is_boolean(v)
                                               : json_is_string(v);
    int rc = TENYO_ERR_ARG;
    if (typed && d->type == TENYO_OPT_CHOICE)
        rc = tenyo_ideas_opt_parse(d->name, json_string_value(v), &x, err, sizeof err);
    else if (typed)
        rc = tenyo_ideas_opt_check(d->name, x = d->type == TENYO_OPT_BOOL ? json_is_true(v)
                                                                         : json_number_value(v),
                                   err, sizeof err);
    if (rc) {
        if (!typed) tenyo_ideas_opt_check(d->name, NAN, err, sizeof err);
        snprintf(msg, msglen, "%s %s", d->name, err);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (!strcmp(d->name, "n")) q->n = (long)x;
    else if (!strcmp(d->name, "lang")) q->lang = json_string_value(v);
    else tenyo_ideas_opts_set(&q->io, d->name, x, err, sizeof err);
    return 0;
}

/* The query members: id or text (match: text and k). */
static unsigned query_members(json_t *o, serve_ideas_req *q, int match, char *msg,
                              size_t msglen) {
    json_t *v;
    if (match && !json_object_get(o, "text")) {
        snprintf(msg, msglen, "text is required: the company's strengths");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (match && (v = json_object_get(o, "k"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > SRV_MAX_K) {
            snprintf(msg, msglen, "k must be an integer between 1 and %d", SRV_MAX_K);
            return SRV_HTTP_BAD_REQUEST;
        }
        q->n = (long)json_integer_value(v);
    }
    unsigned fst = filter_members(o, &q->filter, msg, msglen);
    if (fst) return fst;
    json_t *id = json_object_get(o, "id"), *text = json_object_get(o, "text");
    if ((id && !json_is_string(id)) || (text && !json_is_string(text))) {
        snprintf(msg, msglen, "id and text must be strings");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (!id == !text) {
        snprintf(msg, msglen, "give exactly one of id and text");
        return SRV_HTTP_BAD_REQUEST;
    }
    q->id = json_string_value(id);
    q->text = json_string_value(text);
    q->len = text ? json_string_length(text) : 0;
    if (q->len > SRV_MAX_TEXT) {
        snprintf(msg, msglen, "text longer than %d bytes", SRV_MAX_TEXT);
        return SRV_HTTP_TOO_LARGE;
    }
    if (q->text && !*q->text) {
        snprintf(msg, msglen, "text is empty");
        return SRV_HTTP_BAD_REQUEST;
    }
    return 0;
}

/* The focus members: "focus" (sentence numbers, "2,3" or [2, 3]) or
 * "focus_text" (a string) into q->steer. */
static unsigned focus_value(const tenyo_opt *d, json_t *v, serve_ideas_req *q, char *msg,
                            size_t msglen) {
    char buf[512] = "";
    int rc = TENYO_ERR_ARG;
    if (!strcmp(d->name, "focus_text")) {
        if (json_is_string(v)) rc = tenyo_steer_focus_text(q->steer, json_string_value(v));
        if (!rc) return 0;
        snprintf(msg, msglen, "focus_text must be a string of 1 byte to 64 KiB");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (json_is_string(v)) {
        rc = tenyo_steer_focus(q->steer, json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) <= 64) { /* 64 sentences at most */
        size_t i, at = 0;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_integer(e) || json_integer_value(e) < 1 || json_integer_value(e) > 64) {
                buf[0] = 0;
                break;
            }
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%lld", i ? "," : "",
                                   (long long)json_integer_value(e));
        }
        if (buf[0]) rc = tenyo_steer_focus(q->steer, buf);
    }
    if (!rc) return 0;
    snprintf(msg, msglen, "focus must be sentence numbers from 1 to 64 (\"2,3\", \"2-4\" or "
             "[2, 3])");
    return SRV_HTTP_BAD_REQUEST;
}

/* One string of a steering member into q->steer: a word (strike) or
 * comma- or space-separated subclasses (keep, reject; at least one). */
static unsigned steer_item(const tenyo_opt *d, const char *item, serve_ideas_req *q, char *msg,
                           size_t msglen) {
    char *buf = strdup(item);
    if (!buf) {
        snprintf(msg, msglen, "out of memory");
        return SRV_HTTP_INTERNAL;
    }
    const char *bad = NULL;
    int rc = d->type == TENYO_OPT_WORDS ? tenyo_steer_strike(q->steer, item)
             : tenyo_steer_fields(q->steer, !strcmp(d->name, "keep") ? TENYO_STEER_KEPT
                                                                      : TENYO_STEER_REJECTED,
                                  buf, &bad);
    if (rc < 0) {
        char err[128];
        if (!bad) bad = item;
        tenyo_ideas_opt_check(d->name, 0, err, sizeof err);
        int shown = (int)tenyo_text_fit(bad, strlen(bad), 64); /* whole characters */
        if (rc == TENYO_ERR_LIMIT) snprintf(msg, msglen, "%s: more than 256 entries", d->name);
        else snprintf(msg, msglen, "%s %s, not '%.*s'", d->name, err, shown, bad);
    }
    free(buf);
    return rc < 0 ? SRV_HTTP_BAD_REQUEST : 0;
}

/* One steering member's value (a string, or an array of strings; fields
 * also comma-separated) into q->steer: 0 or a 400 naming the member. */
static unsigned steer_value(const tenyo_opt *d, json_t *v, serve_ideas_req *q, char *msg,
                            size_t msglen) {
    if (!strcmp(d->name, "focus") || !strcmp(d->name, "focus_text"))
        return focus_value(d, v, q, msg, msglen);
    size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
    for (i = 0; i < n; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e)) {
            snprintf(msg, msglen, "%s must be a string or an array of strings", d->name);
            return SRV_HTTP_BAD_REQUEST;
        }
        unsigned st = steer_item(d, json_string_value(e), q, msg, msglen);
        if (st) return st;
    }
    return 0;
}

/* The steering members (the table's TENYO_OPT_STEER entries): a steer for
 * the request when any is given. */
static unsigned steer_members(json_t *o, serve_ideas_req *q, char *msg, size_t msglen) {
    for (size_t i = 0; i < tenyo_ideas_opt_count(); i++) {
        const tenyo_opt *d = tenyo_ideas_opt(i);
        json_t *v;
        if (!(d->flags & TENYO_OPT_STEER) || !(v = json_object_get(o, d->name)) ||
            json_is_null(v))
            continue;
        if (!q->steer && tenyo_steer_new(&q->steer)) {
            snprintf(msg, msglen, "out of memory");
            return SRV_HTTP_INTERNAL;
        }
        unsigned st = steer_value(d, v, q, msg, msglen);
        if (st) return st;
    }
    return 0;
}

/* Validate the members of the object o into q: every key known, the
 * query, then each option of the table present, then the home. */
static unsigned ideas_members(json_t *o, serve_ideas_req *q, int match, char *msg,
                              size_t msglen) {
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (!known_member(key, match)) return unknown_member(key, match, msg, msglen);
    }
    unsigned st = query_members(o, q, match, msg, msglen);
    if (st) return st;
    for (size_t i = 0; i < tenyo_ideas_opt_count(); i++) {
        const tenyo_opt *d = tenyo_ideas_opt(i);
        if (d->type == TENYO_OPT_CODES || (d->flags & TENYO_OPT_STEER) ||
            !(v = json_object_get(o, d->name)))
            continue;
        if ((st = table_member_value(d, v, q, msg, msglen))) return st;
    }
    if ((st = steer_members(o, q, msg, msglen))) return st;
    if ((v = json_object_get(o, "home")) && !json_is_null(v))
        return ideas_home(v, q, msg, msglen);
    return 0;
}

static unsigned parse_body(const char *body, size_t len, serve_ideas_req *q, int match,
                           char *msg, size_t msglen);

unsigned serve_ideas_parse(const char *body, size_t len, serve_ideas_req *q, char *msg,
                           size_t msglen) {
    return parse_body(body, len, q, 0, msg, msglen);
}

unsigned serve_match_parse(const char *body, size_t len, serve_ideas_req *q, char *msg,
                           size_t msglen) {
    return parse_body(body, len, q, 1, msg, msglen);
}

static unsigned parse_body(const char *body, size_t len, serve_ideas_req *q, int match,
                           char *msg, size_t msglen) {
    memset(q, 0, sizeof *q);
    tenyo_ideas_opts_default(&q->io);
    q->n = 10;
    q->lang = "ja";
    if (!body || !len) {
        snprintf(msg, msglen, "empty body: expected a JSON object");
        return SRV_HTTP_BAD_REQUEST;
    }
    if (len > SRV_MAX_BODY) {
        snprintf(msg, msglen, "request body larger than %d bytes", SRV_MAX_BODY);
        return SRV_HTTP_TOO_LARGE;
    }
    json_error_t je;
    q->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!q->root) {
        snprintf(msg, msglen, "invalid JSON body at line %d column %d: %s", je.line,
                 je.column, je.text);
        return SRV_HTTP_BAD_REQUEST;
    }
    if (!json_is_object(q->root)) {
        snprintf(msg, msglen, "the body must be a JSON object");
        return SRV_HTTP_BAD_REQUEST;
    }
    return ideas_members(q->root, q, match, msg, msglen);
}

void serve_ideas_req_free(serve_ideas_req *q) {
    if (!q) return;
    free(q->homebuf);
    tenyo_steer_free(q->steer);
    json_decref(q->root);
    memset(q, 0, sizeof *q);
}
