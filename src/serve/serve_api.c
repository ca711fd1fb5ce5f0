/*
 * serve_api.c — the handlers of the JSON API of `tenyo serve`: a typed
 * patent number resolved (/api/resolve), similar patents and keyword search
 * with their filters, one patent's record, ideas and match (as JSON or as
 * the printable report), profiles, and /healthz. Each reads its arguments
 * (serve_parse.c's rules), takes a query context from the pool, answers
 * through serve_http.c and gives the context back; the JSON shapes are
 * render.c's and answers.c's, the same as the command line's --json.
 *
 * Who calls whom: called by serve_map.c, serve_route.c; calls
 * serve_http.c, serve_parse.c, serve_ws.c, views/filters.c,
 * views/ideas_csv.c, views/ideas_ws.c, views/profiles.c, views/query.c,
 * views/render.c, views/report.c and the library (tenyo.h).
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

/* ============================================================ handlers */

/* ======================================================== patent ids */

/* The document of an id as a person typed it (cli_resolve_id: the exact id,
 * then its canonical key), or -1 after queueing the reply: 404 {"error":
 * "no patent 'X' in the index; did you mean A, B?", "suggestions":
 * [{doc}...]} (cli_resolve_json's; no "suggestions" when there are none),
 * or 500 for the server's own failure. */
int64_t cli_serve_resolve_id(server *s, struct MHD_Connection *conn, request *rq,
                          const char *typed, enum MHD_Result *ret) {
    int64_t doc = -1;
    char msg[SRV_MSG];
    int how = cli_resolve_id(s->x, typed, &doc, msg, sizeof msg);
    if (how > 0) return doc;
    if (how != TENYO_ERR_NOTFOUND) {
        *ret = cli_serve_reply_error(conn, rq, serve_http_status(how), NULL, "%s", msg);
        return -1;
    }
    int st;
    json_t *r = cli_resolve_json(s->x, typed, &st);
    json_t *m = json_string(msg);
    if (!r || !m) { /* typed is not UTF-8 (jansson refuses it) */
        json_decref(r);
        json_decref(m);
        *ret = cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no such patent in the index");
        return -1;
    }
    json_t *o = json_object();
    json_object_set_new(o, "error", m);
    json_t *sug = json_object_get(r, "suggestions");
    if (json_array_size(sug)) json_object_set(o, "suggestions", sug);
    json_decref(r);
    *ret = cli_serve_reply_json(conn, rq, MHD_HTTP_NOT_FOUND, o, NULL);
    return -1;
}

/* GET /api/resolve?q=: how the page must read what was typed (the same
 * rule as the CLI): {"query", "kind": "id" | "number" | "text", "match",
 * "key", "id", "suggestions"} (cli_resolve_json). */
enum MHD_Result cli_serve_api_resolve(server *s, struct MHD_Connection *conn, request *rq) {
    const char *q = cli_serve_query_arg(conn, "q");
    if (!q) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing q");
    if (strlen(q) > SRV_MAX_TEXT)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "q longer than %d bytes", SRV_MAX_TEXT);
    int st;
    json_t *r = cli_resolve_json(s->x, q, &st);
    if (!r) return cli_serve_reply_error(conn, rq, serve_http_status(st), NULL, "%s", tenyo_strerror(st));
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, r, NULL);
}

/* Collects the filter arguments of /api/similar (serve_filter_arg). */
typedef struct filter_args {
    cli_filter_opts fo;         /* values (owned by MHD) */
    unsigned status;            /* 0, or 400 for a bad value */
    char msg[SRV_MSG];          /* its message */
} filter_args;

static enum MHD_Result collect_filter(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
    filter_args *fa = cls;
    (void)kind;
    if (fa->status) return MHD_NO;
    int r = serve_filter_arg(&fa->fo, key, value, fa->msg, sizeof fa->msg);
    if (r > 0) {
        fa->status = (unsigned)r;
        return MHD_NO;
    }
    return MHD_YES;
}

/* The filter of fo on c (none when fo is empty): 0, or the HTTP status
 * with msg. The caller unsets it (tenyo_ctx_set_filter(c, NULL)) and frees
 * it before the context goes back to the pool. */
static unsigned use_filter(server *s, tenyo_ctx *c, const cli_filter_opts *fo,
                           tenyo_filter **f, char *msg, size_t cap) {
    int rc = cli_filter_build(s->x, c, fo, f, msg, cap);
    if (rc) return serve_http_status(rc);
    if (*f) tenyo_ctx_set_filter(c, *f);
    return 0;
}

/* GET /api/similar?id=|text=&k=&mode=[&date_from=&date_to=&applicant=...
 * &exclude_applicant=...&fields=&exclude_fields=] */
enum MHD_Result cli_serve_api_similar(server *s, struct MHD_Connection *conn, request *rq) {
    const char *id = cli_serve_query_arg(conn, "id"), *text = cli_serve_query_arg(conn, "text");
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!cli_serve_similar_args(conn, rq, &k, &mode, &ret)) return ret;
    size_t len;
    char msg[SRV_MSG];
    unsigned st = serve_similar_query(id, text, &len, msg, sizeof msg);
    if (st) return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    filter_args fa;
    memset(&fa, 0, sizeof fa);
    serve_mhd.get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_filter, &fa);
    if (fa.status) return cli_serve_reply_error(conn, rq, fa.status, NULL, "%s", fa.msg);
    int64_t qdoc = -1;
    if (id && (qdoc = cli_serve_resolve_id(s, conn, rq, id, &ret)) < 0) return ret;
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    tenyo_filter *f = NULL;
    st = use_filter(s, c, &fa.fo, &f, msg, sizeof msg);
    int n = st ? 0
               : qdoc >= 0 ? tenyo_similar_doc(c, (uint64_t)qdoc, mode, (size_t)k, hits)
                           : tenyo_similar_text(c, text, len, mode, (size_t)k, hits);
    if (!st && n < 0) {
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        st = serve_http_status(n);
    }
    tenyo_ctx_set_filter(c, NULL);
    cli_serve_pool_put(&s->pool, c);
    if (st) {
        tenyo_filter_free(f);
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    }
    json_t *o = cli_similar_json(s->x, qdoc, text, mode, k, hits, n);
    if (f)
        json_object_set_new(json_object_get(o, "query"), "filter",
                            cli_filter_json(&fa.fo, f, s->x));
    tenyo_filter_free(f);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /api/search?q=QUERY[&k=][&date_from=...]: the keyword search, =
 * tenyo search --json (q is the keyword query; the filter arguments as for
 * /api/similar). */
enum MHD_Result cli_serve_api_search(server *s, struct MHD_Connection *conn, request *rq) {
    const char *q = cli_serve_query_arg(conn, "q");
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!cli_serve_similar_args(conn, rq, &k, &mode, &ret)) return ret;
    if (!q || !*q) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing q");
    filter_args fa;
    memset(&fa, 0, sizeof fa);
    serve_mhd.get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_filter, &fa);
    if (fa.status) return cli_serve_reply_error(conn, rq, fa.status, NULL, "%s", fa.msg);
    if (fa.fo.keywords)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "give the keyword query as q, not keywords");
    if (strlen(q) > 4096)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "q longer than 4096 bytes");
    fa.fo.keywords = q;
    fa.fo.any = 1;
    tenyo_hit hits[SRV_MAX_K];
    char msg[SRV_MSG];
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    tenyo_filter *f = NULL;
    unsigned st = use_filter(s, c, &fa.fo, &f, msg, sizeof msg);
    int n = 0;
    if (!st && (n = tenyo_search(c, f, (size_t)k, hits)) < 0) {
        snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
        st = serve_http_status(n);
    }
    tenyo_ctx_set_filter(c, NULL);
    cli_serve_pool_put(&s->pool, c);
    if (st) {
        tenyo_filter_free(f);
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    }
    json_t *o = cli_search_json(s->x, &fa.fo, f, k, hits, n);
    tenyo_filter_free(f);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /api/patent/{id}[?k=&mode=]: metadata, codes, map position and the
 * patent's own similar patents. */
enum MHD_Result cli_serve_api_patent(server *s, struct MHD_Connection *conn, request *rq,
                                  const char *id) {
    long k;
    tenyo_mode mode;
    enum MHD_Result ret = MHD_NO;
    if (!*id) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing patent id");
    if (!cli_serve_similar_args(conn, rq, &k, &mode, &ret)) return ret;
    int64_t doc = cli_serve_resolve_id(s, conn, rq, id, &ret);
    if (doc < 0) return ret;
    tenyo_hit hits[SRV_MAX_K];
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int n = tenyo_similar_doc(c, (uint64_t)doc, mode, (size_t)k, hits);
    char msg[SRV_MSG];
    snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    /* the abstract as the index keeps it ("" without; a damaged section
     * is said in abstract_error, the rest of the answer stands) */
    const char *ab = NULL;
    size_t abl = 0;
    int arc = n < 0 ? 0 : tenyo_doc_abstract(c, (uint64_t)doc, &ab, &abl);
    json_t *abj = arc == 0 && ab ? json_stringn(ab, abl) : NULL;
    json_t *abe = arc ? json_string(tenyo_ctx_error(c)) : NULL;
    cli_serve_pool_put(&s->pool, c);
    if (n < 0) return cli_serve_reply_error(conn, rq, serve_http_status(n), NULL, "%s", msg);
    json_t *p = cli_doc_json(s->x, (uint64_t)doc);
    json_object_set_new(p, "abstract", abj ? abj : json_string(""));
    if (abe) json_object_set_new(p, "abstract_error", abe);
    tenyo_doc_meta dm;
    tenyo_index_doc(s->x, (uint64_t)doc, &dm);
    json_t *codes = json_array();
    for (const char *q = dm.codes; q && *q;) { /* ";"-separated: FI codes hold commas */
        const char *e = strchr(q, ';');
        size_t l = e ? (size_t)(e - q) : strlen(q);
        if (l) json_array_append_new(codes, json_stringn(q, l));
        q += l + (e ? 1 : 0);
    }
    json_object_set_new(p, "codes", codes);
    json_object_set_new(p, "lang", json_string(dm.lang));
    double xy[2];
    if (s->map && tenyo_map_doc(s->map, (uint64_t)doc, xy) == TENYO_OK) {
        json_t *at = json_object();
        json_object_set_new(at, "x", json_real(xy[0]));
        json_object_set_new(at, "y", json_real(xy[1]));
        json_object_set_new(p, "map", at);
    }
    json_t *o = json_object();
    json_object_set_new(o, "patent", p);
    json_object_set_new(o, "similar", cli_similar_json(s->x, doc, NULL, mode, k, hits, n));
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* The answer of a parsed /api/ideas (match 0: qdoc or q->text) or
 * /api/match (match 1: the company text) request: a context from the
 * pool, the request's filter set on it, the CLI's JSON (so the API gives
 * the command's bytes), the context back. */
/* The printable report of an answer (report.c) as text/html with a policy
 * of its own: its inline style (one self-contained file to print or save)
 * and nothing else. Takes the reference to res. */
static enum MHD_Result reply_report(server *s, struct MHD_Connection *conn, request *rq,
                                    tenyo_ctx *c, json_t *res, int match, const char *lang) {
    char *buf = NULL;
    size_t len = 0;
    const char *kept = cli_serve_query_arg(conn, "kept");
    if (!match) { /* the worksheet's decisions, as the page shows them */
        const json_t *qo = json_object_get(res, "query");
        const char *id = cli_jstr(qo, "id");
        tenyo_worksheet *w = *id ? cli_serve_ws_of(s, id)
                                 : cli_serve_ws_for(s, "text", cli_jstr(qo, "text"));
        if (w && kept && !strcmp(kept, "1")) cli_ideas_ws_mark(res, w, 1); /* the kept alone */
        else if (w) cli_ideas_ws_report(res, w);
        tenyo_worksheet_free(w);
    }
    FILE *f = open_memstream(&buf, &len);
    int bad = !f || (match ? cli_report_match(f, s->x, c, res, s->path, lang)
                           : cli_report_ideas(f, s->x, c, res, s->path, lang));
    if (f && fclose(f)) bad = 1;
    json_decref(res);
    struct MHD_Response *r = bad ? NULL : serve_mhd.create_response_from_buffer(len, buf,
                                                                           MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot write the report");
    }
    serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    serve_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    serve_mhd.add_response_header(r, "Referrer-Policy", "no-referrer");
    serve_mhd.add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    serve_mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = serve_mhd.queue_response(conn, MHD_HTTP_OK, r);
    serve_mhd.destroy_response(r);
    rq->answered = 1;
    rq->status = MHD_HTTP_OK;
    rq->bytes = len;
    return ret;
}

static enum MHD_Result answer_ideas_as(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_ideas_req *q, int64_t qdoc, int match, int html);

/* An ideas answer as `tenyo ideas --csv --bom` writes it (ideas_csv.c):
 * the page's CSV download. Takes the reference to res. */
static enum MHD_Result reply_csv(struct MHD_Connection *conn, request *rq, json_t *res) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) cli_ideas_csv(f, res, 1, 1, NULL, 0); /* in the answer's language: the list shown */
    int bad = !f || fclose(f);
    json_decref(res);
    if (bad) {
        free(buf);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                     "cannot write the CSV");
    }
    return cli_serve_reply(conn, rq, MHD_HTTP_OK, "text/csv; charset=utf-8", buf, len, 1, NULL);
}

/* GET /api/ideas/options: the library's table of ideas options (what the
 * page's form is built from): {"options": [{name, flag, type, min, max,
 * choices, default, stored, tuning, help, help_ja}]}. */
enum MHD_Result cli_serve_api_options(struct MHD_Connection *conn, request *rq) {
    static const char *const types[] = {"number", "integer", "bool", "choice", "codes", "words"};
    json_t *arr = json_array();
    for (size_t i = 0; i < tenyo_ideas_opt_count(); i++) {
        const tenyo_opt *d = tenyo_ideas_opt(i);
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(d->name));
        json_object_set_new(e, "flag", json_string(d->cli));
        json_object_set_new(e, "type", json_string(types[d->type]));
        if (d->type == TENYO_OPT_NUMBER || d->type == TENYO_OPT_INTEGER) {
            json_object_set_new(e, "min", json_real(d->min));
            json_object_set_new(e, "max", json_real(d->max));
        }
        json_t *ch = json_array();
        for (const char *p = d->choices; p && *p;) {
            size_t l = strcspn(p, ",");
            json_array_append_new(ch, json_stringn(p, l));
            p += l + (p[l] == ',');
        }
        json_object_set_new(e, "choices", ch);
        json_object_set_new(e, "default", json_string(d->def));
        json_object_set_new(e, "stored", json_boolean(d->flags & TENYO_OPT_STORED));
        json_object_set_new(e, "tuning", json_boolean(d->flags & TENYO_OPT_TUNING));
        json_object_set_new(e, "steer", json_boolean(d->flags & TENYO_OPT_STEER));
        json_object_set_new(e, "help", json_string(d->help));
        json_object_set_new(e, "help_ja", json_string(d->help_ja));
        json_array_append_new(arr, e);
    }
    json_t *o = json_object();
    json_object_set_new(o, "options", arr);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

static enum MHD_Result answer_ideas(server *s, struct MHD_Connection *conn, request *rq,
                                    serve_ideas_req *q, int64_t qdoc, int match) {
    return answer_ideas_as(s, conn, rq, q, qdoc, match, 0);
}

/* The answer of /api/ideas or /api/match (html 1: as the printable
 * report, GET /api/report; 2: as CSV, POST /api/ideas.csv). */
static enum MHD_Result answer_ideas_as(server *s, struct MHD_Connection *conn, request *rq,
                                       serve_ideas_req *q, int64_t qdoc, int match, int html) {
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    char msg[512];
    int lst = 0;
    tenyo_filter *f = NULL;
    json_t *res = NULL;
    if (match) q->filter.open_only = 0; /* the match's own */
    tenyo_ctx_set_steer(c, q->steer);
    pthread_rwlock_rdlock(&s->senses_mu); /* not replaced during the query */
    tenyo_ctx_set_senses(c, s->senses);
    unsigned st = use_filter(s, c, &q->filter, &f, msg, sizeof msg);
    if (!st) {
        res = match ? cli_match_json(s->x, c, q->text, q->len, &q->io, (size_t)q->n, q->lang, &lst)
                    : cli_ideas_json(s->x, c, qdoc, q->text, q->len, &q->io, (size_t)q->n,
                                     q->lang, &lst);
        if (!res) {
            snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
            st = serve_http_status(lst);
        } else if (f) {
            json_object_set_new(json_object_get(res, "query"), "filter",
                                cli_filter_json(&q->filter, f, s->x));
        }
    }
    enum MHD_Result ret = MHD_NO;
    if (res && html == 1) ret = reply_report(s, conn, rq, c, res, match, q->lang);
    tenyo_ctx_set_filter(c, NULL);
    tenyo_ctx_set_steer(c, NULL);
    tenyo_ctx_set_senses(c, NULL);
    pthread_rwlock_unlock(&s->senses_mu);
    cli_serve_pool_put(&s->pool, c);
    tenyo_filter_free(f);
    if (res && html == 1) return ret;
    if (res && html == 2) return reply_csv(conn, rq, res);
    return res ? cli_serve_reply_json(conn, rq, MHD_HTTP_OK, res, NULL)
               : cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
}

/* GET /api/report?task=ideas|match&body=JSON: the printable report (HTML
 * for A4, as `tenyo ideas --html` / `tenyo match --html`) of the answer
 * POST /api/ideas or /api/match gives for that body. A link the page opens
 * in a new tab, to print or save. The subject's worksheet (the patent's,
 * or the text's) is the list the page shows: its decisions steer the list
 * when the body carries none, its kept cards are marked with their notes
 * and its rejections and struck words are listed. &kept=1: the kept cards
 * of the worksheet alone, with their notes. */
enum MHD_Result cli_serve_api_report(server *s, struct MHD_Connection *conn, request *rq) {
    const char *task = cli_serve_query_arg(conn, "task"), *body = cli_serve_query_arg(conn, "body");
    if (!task || (strcmp(task, "ideas") && strcmp(task, "match")))
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "task must be ideas or match");
    if (!body) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing body");
    if (strlen(body) > SRV_MAX_BODY)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "body longer than %d bytes", SRV_MAX_BODY);
    int match = !strcmp(task, "match");
    serve_ideas_req q;
    char msg[512];
    enum MHD_Result ret;
    unsigned st = match ? serve_match_parse(body, strlen(body), &q, msg, sizeof msg)
                        : serve_ideas_parse(body, strlen(body), &q, msg, sizeof msg);
    int64_t qdoc = -1;
    if (!st && match && q.io.min_confidence < 0) q.io.min_confidence = 0; /* as api_match */
    if (!st && !match && q.id && (qdoc = cli_serve_resolve_id(s, conn, rq, q.id, &ret)) < 0) goto done;
    if (!st && !match && !q.steer) { /* a body without decisions: the saved sheet's */
        tenyo_doc_meta dm;
        tenyo_worksheet *w = qdoc >= 0 ? (tenyo_index_doc(s->x, (uint64_t)qdoc, &dm) == TENYO_OK
                                              ? cli_serve_ws_of(s, dm.id) : NULL)
                                       : cli_serve_ws_for(s, "text", q.text);
        if (w && !tenyo_steer_new(&q.steer) && tenyo_worksheet_apply(w, q.steer)) {
            tenyo_steer_free(q.steer);
            q.steer = NULL;
        }
        tenyo_worksheet_free(w);
    }
    ret = st ? cli_serve_reply_error(conn, rq, st, NULL, "%s", msg)
             : answer_ideas_as(s, conn, rq, &q, qdoc, match, 1);
done:
    serve_ideas_req_free(&q);
    return ret;
}

/* POST /api/ideas (as 0: JSON) or /api/ideas.csv (as 2: the CSV of
 * `ideas --csv --bom`): the body parsed, the id resolved, the answer. */
static enum MHD_Result api_ideas_as(server *s, struct MHD_Connection *conn, request *rq,
                                    int as) {
    if (rq->too_large)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "request body larger than %d bytes", SRV_MAX_BODY);
    enum MHD_Result ret;
    serve_ideas_req q;
    char msg[512];
    unsigned st = serve_ideas_parse(rq->body, rq->len, &q, msg, sizeof msg);
    int64_t qdoc = -1;
    if (!st && q.id && (qdoc = cli_serve_resolve_id(s, conn, rq, q.id, &ret)) < 0) goto done;
    ret = st ? cli_serve_reply_error(conn, rq, st, NULL, "%s", msg)
             : answer_ideas_as(s, conn, rq, &q, qdoc, 0, as);
done:
    serve_ideas_req_free(&q);
    return ret;
}

enum MHD_Result cli_serve_api_ideas(server *s, struct MHD_Connection *conn, request *rq) {
    return api_ideas_as(s, conn, rq, 0);
}

enum MHD_Result cli_serve_api_ideas_csv(server *s, struct MHD_Connection *conn, request *rq) {
    return api_ideas_as(s, conn, rq, 2);
}

/* POST /api/match: the company query (= tenyo match --json) */
enum MHD_Result cli_serve_api_match(server *s, struct MHD_Connection *conn, request *rq) {
    if (rq->too_large)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                           "request body larger than %d bytes", SRV_MAX_BODY);
    serve_ideas_req q;
    char msg[512];
    unsigned st = serve_match_parse(rq->body, rq->len, &q, msg, sizeof msg);
    if (!st && q.io.min_confidence < 0) q.io.min_confidence = 0; /* tenyo match's default */
    enum MHD_Result ret = st ? cli_serve_reply_error(conn, rq, st, NULL, "%s", msg)
                             : answer_ideas(s, conn, rq, &q, -1, 1);
    serve_ideas_req_free(&q);
    return ret;
}

enum MHD_Result cli_serve_collect_rep(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    rep_args *a = cls;
    (void)kind;
    if (strcmp(key, a->key) || !value) return MHD_YES;
    if (a->n == a->cap) {
        a->over = 1;
        return MHD_NO;
    }
    a->ids[a->n++] = value;
    return MHD_YES;
}

/* GET /api/profile?id=ID[&id=...][&n=&min_confidence=&distance=&lang=]:
 * the applicability profile of each patent (= tenyo profile --ids, one
 * object per patent, in the order asked) as {"profiles": [...]}. At most
 * SRV_MAX_PROFILE patents a call: each is one ideas run. */
enum MHD_Result cli_serve_api_profile(server *s, struct MHD_Connection *conn, request *rq) {
    const char *ids[SRV_MAX_PROFILE];
    rep_args a = {"id", ids, SRV_MAX_PROFILE, 0, 0};
    serve_mhd.get_connection_values(conn, MHD_GET_ARGUMENT_KIND, cli_serve_collect_rep, &a);
    if (a.over)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "more than %d id arguments", SRV_MAX_PROFILE);
    if (!a.n) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing id");
    tenyo_ideas_opts io;
    long n;
    const char *lang;
    char msg[SRV_MSG];
    unsigned st = serve_profile_args(cli_serve_query_arg(conn, "n"), cli_serve_query_arg(conn, "min_confidence"),
                                     cli_serve_query_arg(conn, "distance"), cli_serve_query_arg(conn, "lang"), &io,
                                     &n, &lang, msg, sizeof msg);
    if (st) return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    uint64_t docs[SRV_MAX_PROFILE];
    for (int i = 0; i < a.n; i++) {
        enum MHD_Result ret;
        int64_t d = cli_serve_resolve_id(s, conn, rq, a.ids[i], &ret);
        if (d < 0) return ret;
        docs[i] = (uint64_t)d;
    }
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    int rc;
    json_t *o = cli_profile_json(s->x, c, docs, (size_t)a.n, &io, (size_t)n, lang, &rc);
    if (!o) snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
    cli_serve_pool_put(&s->pool, c);
    if (!o) return cli_serve_reply_error(conn, rq, serve_http_status(rc), NULL, "%s", msg);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /healthz */
enum MHD_Result cli_serve_api_health(server *s, struct MHD_Connection *conn, request *rq) {
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "documents", json_integer((json_int_t)tenyo_index_ndocs(s->x)));
    json_object_set_new(o, "version", json_string(tenyo_version()));
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

/* GET /api/sentences?id=ID: {"id", "sentences": [...]}, the patent's
 * sentences as "focus" numbers them (the page's choice of the technique). */
enum MHD_Result cli_serve_api_sentences(server *s, struct MHD_Connection *conn, request *rq) {
    const char *id = cli_serve_query_arg(conn, "id");
    enum MHD_Result ret = MHD_NO;
    if (!id) return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "missing id");
    int64_t doc = cli_serve_resolve_id(s, conn, rq, id, &ret);
    if (doc < 0) return ret;
    tenyo_ctx *c = cli_serve_pool_get(&s->pool);
    if (!c) return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
    tenyo_sentence st[64];
    int n = tenyo_query_sentences(c, doc, NULL, 64, st);
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_stringn(st[i].text, st[i].len));
    char msg[SRV_MSG];
    snprintf(msg, sizeof msg, "%s", n < 0 ? tenyo_ctx_error(c) : "");
    cli_serve_pool_put(&s->pool, c);
    if (n < 0) {
        json_decref(a);
        return cli_serve_reply_error(conn, rq, serve_http_status(n), NULL, "%s", msg);
    }
    tenyo_doc_meta dm;
    tenyo_index_doc(s->x, (uint64_t)doc, &dm);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(dm.id));
    json_object_set_new(o, "sentences", a);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}
