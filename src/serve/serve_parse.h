/*
 * serve_parse.h — the request-parameter checks of `tenyo serve`
 * (src/serve/serve_parse.c): routes, query arguments, the POST /api/ideas
 * body, the Host check and the access-log form of a path. They take plain
 * strings and bytes, not libmicrohttpd connections, so that serve_route.c stays
 * the only file that talks HTTP and the fuzz target
 * tests/fuzz/fuzz_http.c can feed them arbitrary input.
 *
 * Every check returns 0 when the input is acceptable, else the HTTP status
 * to answer (400, 413, ...) with a message for the {"error": ...} body in
 * msg (always terminated; msglen > 0).
 */
#ifndef TENYO_CLI_SERVE_PARSE_H
#define TENYO_CLI_SERVE_PARSE_H

#include "tenyo.h"
#include "views/views.h"

#include <jansson.h>
#include <stddef.h>

#define SRV_MAX_BODY (64 * 1024)  /* request body bytes */
#define SRV_MAX_TEXT (32 * 1024)  /* query text bytes */
#define SRV_MAX_K 100             /* similar results */
#define SRV_MAX_HOME 64           /* home fields */
#define SRV_MAX_MAP_DOCS 200      /* documents placed by one /api/map call */

/* HTTP statuses the checks return (numbers, so this header needs no
 * libmicrohttpd). */
enum { SRV_HTTP_BAD_REQUEST = 400, SRV_HTTP_FORBIDDEN = 403, SRV_HTTP_NOT_FOUND = 404,
       SRV_HTTP_TOO_LARGE = 413, SRV_HTTP_INTERNAL = 500 };

/* The API routes (the web page's static files are matched before these). */
typedef enum serve_route_id {
    SRV_ROUTE_NONE = 0,         /* no such path: 404 */
    SRV_ROUTE_HEALTH,           /* GET /healthz */
    SRV_ROUTE_INFO,             /* GET /api/info */
    SRV_ROUTE_IDEAS_CSV,        /* POST /api/ideas.csv */
    SRV_ROUTE_OPTIONS,          /* GET /api/ideas/options */
    SRV_ROUTE_SIMILAR,          /* GET /api/similar */
    SRV_ROUTE_MAP,              /* GET /api/map */
    SRV_ROUTE_PATENT,           /* GET /api/patent/{id} */
    SRV_ROUTE_IDEAS,            /* POST /api/ideas */
    SRV_ROUTE_RESOLVE,          /* GET /api/resolve */
    SRV_ROUTE_SEARCH,           /* GET /api/search */
    SRV_ROUTE_MATCH,            /* POST /api/match */
    SRV_ROUTE_PROFILE,          /* GET /api/profile */
    SRV_ROUTE_REPORT,           /* GET /api/report */
    SRV_ROUTE_ADD,              /* POST /api/add (tenyo serve --writable) */
    SRV_ROUTE_LICENSABLE,       /* POST /api/licensable (--writable) */
    SRV_ROUTE_UPDATES,          /* GET /api/updates */
    SRV_ROUTE_WORKSHEET,        /* POST, GET /api/worksheet */
    SRV_ROUTE_SENSES,           /* GET /api/senses */
    SRV_ROUTE_SENTENCES         /* GET /api/sentences */
} serve_route_id;

/* Parse a decimal integer in [lo, hi] (strtol syntax: leading blanks and a
 * sign allowed, nothing after the digits); 0 ok, -1 otherwise. s may be
 * NULL (then -1). */
int serve_parse_long(const char *s, long lo, long hi, long *out);

/* Route of the (already unescaped, NUL-terminated) path url. For
 * SRV_ROUTE_PATENT *rest points at the id inside url (may be empty). */
serve_route_id serve_route(const char *url, const char **rest);

/* 1 when the Host header value h names a loopback host (localhost,
 * 127.0.0.1 or [::1], with or without a port); NULL (HTTP/1.0, no header)
 * is accepted. */
int serve_host_ok(const char *h);

/* 1 when the Host header value h names the address the server is bound
 * to (bind as given to --bind, e.g. 127.0.0.2, or ::1 as [::1]), with or
 * without a port: the URL the server prints must work. An address literal
 * cannot be rebound by DNS. */
int serve_host_is(const char *h, const char *bind);

/* The path (and the method) for the access log: bytes outside printable ASCII (and '%') as
 * %XX, so that a hostile path cannot forge log lines; truncated with "..."
 * to fit cap (>= 8) bytes with its NUL. */
void serve_log_path(char *out, size_t cap, const char *url);

/* HTTP status for a failed library call: bad input 400, unknown id 404,
 * oversized 413, the server's own trouble 500. */
unsigned serve_http_status(int st);

/* One query argument as libmicrohttpd hands it over (unescaped, with its
 * length; val may be NULL for "?key"): refused when the key or the value
 * holds a NUL byte (%00), which would otherwise cut the value short without
 * a word ("k=10%00x" read as 10, a text losing its tail). */
unsigned serve_arg_check(const char *key, size_t klen, const char *val, size_t vlen,
                         char *msg, size_t msglen);

/* 0 when route (a GET route) reads the query argument key, else 400 with
 * "unknown argument" naming the path, the arguments it takes and the
 * closest one: a misspelt filter (date_form=) must not pass as no filter.
 * An empty key without a value ("?a=1&") is nothing given. */
/* 1 when route takes key more than once (applicant, exclude_applicant;
 * id on /api/profile; doc, label, mark on /api/map): a repeat of any other
 * argument is refused (400 "argument 'k' given twice"), as a POST body's
 * duplicate member is. */
int serve_arg_repeatable(serve_route_id route, const char *key);
unsigned serve_arg_known(serve_route_id route, const char *key, const char *val, char *msg,
                         size_t msglen);

/* The file name an upload (POST /api/add, /api/licensable) is given in
 * its name= argument, as its messages will name it: the part after the
 * last '/' or '\\', at most 100 bytes of UTF-8 without control
 * characters, not "." or ".."; dflt when name is NULL. */
unsigned serve_upload_name(const char *name, const char *dflt, char *out, size_t cap,
                           char *msg, size_t msglen);

/* The k and mode arguments of /api/similar and /api/patent (either may be
 * NULL: defaults 10 and hybrid). */
unsigned serve_similar_args(const char *ks, const char *ms, long *k, tenyo_mode *mode,
                            char *msg, size_t msglen);

/* The id / text arguments of /api/similar: exactly one, text at most
 * SRV_MAX_TEXT bytes (its strlen in *len, 0 for an id). */
unsigned serve_similar_query(const char *id, const char *text, size_t *len, char *msg,
                             size_t msglen);

/* The arguments of /api/map: at most one of id and text, fields absent, "0"
 * or "1", text at most SRV_MAX_TEXT bytes (*len), no more than
 * SRV_MAX_MAP_DOCS doc arguments (docs_over set by the caller when there
 * were more). *with_fields is 1 unless fields=0. */
unsigned serve_map_args(const char *id, const char *text, const char *fields, int docs_over,
                        int *with_fields, size_t *len, char *msg, size_t msglen);

#define SRV_MAP_WIDTH 640         /* picture of the map, pixels (default) */
#define SRV_MAP_HEIGHT 520
#define SRV_MAX_MAP_LARGEST 50    /* largest= of /api/map */
#define SRV_MAX_MAP_LABELS 200    /* label= and mark= arguments, each */

/* The label placement arguments of /api/map (serve_map_view). */
typedef struct serve_map_view_args {
    double view[4];             /* X0, Y0, X1, Y1: the map rectangle shown */
    double width, height;       /* picture size in pixels (default 640 x 520) */
    long largest;               /* label this many of the largest fields in view */
    const char *lang;           /* "ja" or "en" (default ja) */
} serve_map_view_args;

/* view "X0,Y0,X1,Y1" (finite, X0 < X1, Y0 < Y1; required), size "WxH"
 * (50..4000 each, NULL for 640x520), largest 0..SRV_MAX_MAP_LARGEST (NULL:
 * 0), lang ja|en (NULL: ja) into out. */
unsigned serve_map_view(const char *view, const char *size, const char *largest,
                        const char *lang, serve_map_view_args *out, char *msg, size_t msglen);
/* One label= argument "SUBCLASS,RADIUS" (an upper-case IPC subclass and the
 * radius of its marker in pixels, 0..100) into code and *r. */
unsigned serve_map_label_arg(const char *v, char code[5], double *r, char *msg,
                             size_t msglen);
/* One mark= argument "X,Y,RADIUS" (a marker at map coordinates X, Y that
 * labels must not cover; radius in pixels, 0..100) into xyr. */
unsigned serve_map_mark_arg(const char *v, double xyr[3], char *msg, size_t msglen);

#define SRV_MAX_PROFILE 20        /* id= of one /api/profile call */

/* The options of GET /api/profile (tenyo profile's): n proposals per
 * patent (1..100, default 10), min_confidence (0..1, default the engine's),
 * distance section|class|subclass, lang ja|en; any may be NULL. */
unsigned serve_profile_args(const char *n, const char *min_confidence, const char *distance,
                            const char *lang, tenyo_ideas_opts *io, long *nout,
                            const char **lang_out, char *msg, size_t msglen);

/* The parsed body of POST /api/ideas. Strings point into root, the parsed
 * JSON, or into homebuf; both are released by serve_ideas_req_free. */
typedef struct serve_ideas_req {
    json_t *root;               /* the parsed body (owned) */
    const char *id;             /* indexed patent, or NULL */
    const char *text;           /* free text, or NULL */
    size_t len;                 /* bytes of text */
    tenyo_ideas_opts io;        /* options; io.home points at homes */
    tenyo_steer *steer;         /* strike, keep, reject, or NULL */
    const char *homes[SRV_MAX_HOME]; /* home codes (into homebuf) */
    char *homebuf;              /* joined home codes, split in place (owned) */
    long n;                     /* proposals (the table's n) */
    const char *lang;           /* "ja" or "en" */
    cli_filter_opts filter;     /* date_from, date_to, applicant,
                                   exclude_applicant, fields,
                                   exclude_fields (strings into root) */
} serve_ideas_req;

/* Parse and check the body body[0..len) (need not be terminated) of POST
 * /api/ideas into q (zeroed first): a JSON object with only the members
 * id | text (exactly one), home, distance, n, open_only, lang, mode,
 * min_confidence, min_usable, novelty, and the filters (serve_filter_member).
 * Strict: unknown members, duplicate keys and wrong types are 400, since a
 * misspelt option silently ignored gives a plausible but wrong answer.
 * Always release q with serve_ideas_req_free, also after a failure. */
unsigned serve_ideas_parse(const char *body, size_t len, serve_ideas_req *q, char *msg,
                           size_t msglen);

/* The body of POST /api/match (the company query, tenyo match --json):
 * text (required), home, distance, k (1..SRV_MAX_K, into q->n; default
 * 10), open_only (always on), lang, mode, min_confidence, min_usable and the
 * filters;
 * strict as serve_ideas_parse. */
unsigned serve_match_parse(const char *body, size_t len, serve_ideas_req *q, char *msg,
                           size_t msglen);

/* One filter value of a request (a /api/similar argument or an ideas body
 * member): name is date_from, date_to, applicant, exclude_applicant,
 * fields or exclude_fields; 0 when taken into fo, 400 with msg naming the
 * value when it is bad, or -1 when name is not a filter's. */
int serve_filter_arg(cli_filter_opts *fo, const char *name, const char *value, char *msg,
                     size_t msglen);

/* Release what q holds and zero it; accepts NULL. */
void serve_ideas_req_free(serve_ideas_req *q);

#endif
