/*
 * serve_map.c — GET /api/map: the landscape of the index's fields (its
 * precomputed positions and sizes), with the field labels placed so that
 * they do not overlap, for the web page's map. Labels are laid out here,
 * not in the browser, so that every client shows the same map and a test
 * can read it: the largest fields first, each label's width estimated from
 * its characters, kept when it collides with none already placed; the
 * labels are assembled by views/map_labels.c, as the printed report's are.
 *
 * Who calls whom: called by serve_live.c, serve_route.c; calls
 * serve_api.c, serve_http.c, serve_parse.c, views/map_labels.c and the
 * library (tenyo.h).
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

/* The fields part of the map: variance shares and one entry per field. */
json_t *cli_serve_map_fields_json(const tenyo_index *x, const tenyo_map *m) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_t *o = json_object(), *fs = json_array(), *var = json_array();
    double sh[2], xy[2];
    tenyo_map_variance(m, sh);
    json_array_append_new(var, json_real(sh[0]));
    json_array_append_new(var, json_real(sh[1]));
    json_object_set_new(o, "variance", var);
    for (uint32_t j = 0; j < in.nfields; j++) {
        const char *code;
        uint64_t cnt;
        tenyo_index_field(x, j, &code, &cnt);
        tenyo_map_field(m, j, xy);
        json_t *f = json_object();
        json_object_set_new(f, "field", json_string(code));
        json_object_set_new(f, "label_ja", json_string(tenyo_field_label(x, code, "ja")));
        json_object_set_new(f, "label_en", json_string(tenyo_field_label(x, code, "en")));
        json_object_set_new(f, "documents", json_integer((json_int_t)cnt));
        json_object_set_new(f, "x", json_real(xy[0]));
        json_object_set_new(f, "y", json_real(xy[1]));
        json_array_append_new(fs, f);
    }
    json_object_set_new(o, "fields", fs);
    return o;
}

/* ---------------------------------------------------- labels of the map */

/*
 * The map's labels are placed here, not in the page: one implementation
 * (tenyo_map_place_labels, tested in C with the rest of the map), the
 * boxes sized by map_labels.c's rule (the printed report's map uses the
 * same), and the page stays a renderer. The page asks again after every
 * zoom or pan (a few milliseconds for a few hundred fields).
 */

/* Collects the repeated label= and mark= arguments of /api/map. */
typedef struct label_args {
    const char *labels[SRV_MAX_MAP_LABELS]; /* label= values (owned by MHD) */
    int nlabels;                /* used */
    const char *marks[SRV_MAX_MAP_LABELS];  /* mark= values */
    int nmarks;                 /* used */
    int over;                   /* more than SRV_MAX_MAP_LABELS of one */
} label_args;

static enum MHD_Result collect_label(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
    label_args *a = cls;
    (void)kind;
    int is_label = !strcmp(key, "label"), is_mark = !strcmp(key, "mark");
    if ((!is_label && !is_mark) || !value) return MHD_YES;
    int *n = is_label ? &a->nlabels : &a->nmarks;
    if (*n == SRV_MAX_MAP_LABELS) {
        a->over = 1;
        return MHD_NO;
    }
    (is_label ? a->labels : a->marks)[(*n)++] = value;
    return MHD_YES;
}

enum { ROLE_ASKED, ROLE_LARGEST, ROLE_MARK };

/* The labels part of /api/map: {"view", "size", "labels": [{field, text, x,
 * y, w, h, role}], "left_out": [codes]} for the picture va of the map, the
 * fields asked for (label=, in order; important: they may cover background
 * dots when nothing else is free) first, then the largest fields in view;
 * marks are obstacles, every other field in view a soft one (assembled by
 * views/map_labels.c, as the printed report's map is). 400 with msg for a
 * bad argument. */
static unsigned map_labels(const server *s, const serve_map_view_args *va,
                           const label_args *la, json_t *o, char *msg, size_t cap) {
    const double *v = va->view, W = va->width, H = va->height;
    const cli_map_view view = {.x0 = v[0], .y1 = v[3], .sx = W / (v[2] - v[0]),
                               .sy = H / (v[3] - v[1]), .width = W, .height = H};
    cli_map_labels ml;
    if (cli_map_labels_init(&ml, s->x, s->map, &view, (size_t)la->nlabels + (size_t)la->nmarks,
                            va->lang)) {
        snprintf(msg, cap, "out of memory");
        return SRV_HTTP_INTERNAL;
    }
    unsigned st = 0;
    for (int i = 0; i < la->nlabels; i++) {
        char code[5];
        double r;
        if ((st = serve_map_label_arg(la->labels[i], code, &r, msg, cap))) goto done;
        int64_t j = tenyo_index_field_find(s->x, code);
        if (j < 0) {
            snprintf(msg, cap, "label: no field %s in the index", code);
            st = SRV_HTTP_BAD_REQUEST;
            goto done;
        }
        cli_map_labels_field(&ml, (uint32_t)j, r, NULL, 1, ROLE_ASKED);
    }
    cli_map_labels_largest(&ml, va->largest, ROLE_LARGEST);
    for (int i = 0; i < la->nmarks; i++) {
        double m[3];
        if ((st = serve_map_mark_arg(la->marks[i], m, msg, cap))) goto done;
        cli_map_labels_point(&ml, m, m[2], NULL, -1, 0, ROLE_MARK);
    }
    cli_map_labels_place(&ml);
    json_t *arr = json_array(), *left = json_array(), *vj = json_array(), *sz = json_array();
    for (int i = 0; i < 4; i++) json_array_append_new(vj, json_real(v[i]));
    json_array_append_new(sz, json_real(W));
    json_array_append_new(sz, json_real(H));
    for (size_t i = 0; i < ml.n; i++) {
        const tenyo_map_label *l = &ml.l[i];
        if (ml.it[i].field < 0 || !(l->w > 0)) continue;
        const char *code;
        tenyo_index_field(s->x, (uint32_t)ml.it[i].field, &code, NULL);
        if (!l->placed) {
            json_array_append_new(left, json_string(code));
            continue;
        }
        json_t *e = json_object();
        json_object_set_new(e, "field", json_string(code));
        json_object_set_new(e, "text", json_string(ml.it[i].text));
        json_object_set_new(e, "x", json_real(l->bx));
        json_object_set_new(e, "y", json_real(l->by));
        json_object_set_new(e, "w", json_real(l->w));
        json_object_set_new(e, "h", json_real(l->h));
        json_object_set_new(e, "role", json_string(ml.it[i].tag == ROLE_ASKED ? "asked" : "largest"));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "view", vj);
    json_object_set_new(o, "size", sz);
    json_object_set_new(o, "font_px", json_real(CLI_MAP_FONT_PX));
    json_object_set_new(o, "labels", arr);
    json_object_set_new(o, "left_out", left);
done:
    cli_map_labels_free(&ml);
    return st;
}

/* GET /api/map[?id=|text=][&doc=ID...][&fields=0] */
enum MHD_Result cli_serve_api_map(server *s, struct MHD_Connection *conn, request *rq) {
    if (!s->map)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL,
                           "this index has no landscape map (no LSA vectors or no fields)");
    const char *id = cli_serve_query_arg(conn, "id"), *text = cli_serve_query_arg(conn, "text");
    const char *fields = cli_serve_query_arg(conn, "fields");
    const char *doc_ids[SRV_MAX_MAP_DOCS];
    rep_args d = {"doc", doc_ids, SRV_MAX_MAP_DOCS, 0, 0};
    serve_mhd.get_connection_values(conn, MHD_GET_ARGUMENT_KIND, cli_serve_collect_rep, &d);
    int with_fields;
    size_t len;
    char msg[SRV_MSG];
    unsigned st = serve_map_args(id, text, fields, d.over, &with_fields, &len, msg, sizeof msg);
    if (st) return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    const char *view = cli_serve_query_arg(conn, "view");
    label_args la = {.nlabels = 0};
    serve_map_view_args va;
    if (view) {
        serve_mhd.get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_label, &la);
        if (la.over)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                               "more than %d label or mark arguments", SRV_MAX_MAP_LABELS);
        st = serve_map_view(view, cli_serve_query_arg(conn, "size"), cli_serve_query_arg(conn, "largest"),
                            cli_serve_query_arg(conn, "lang"), &va, msg, sizeof msg);
        if (st) return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    } else if (cli_serve_query_arg(conn, "label") || cli_serve_query_arg(conn, "mark") || cli_serve_query_arg(conn, "size") ||
               cli_serve_query_arg(conn, "largest")) {
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                           "label, mark, size and largest go with view=X0,Y0,X1,Y1");
    }
    if (!id && !text && !d.n && with_fields && !view) {
        return cli_serve_reply(conn, rq, MHD_HTTP_OK, "application/json; charset=utf-8", s->map_json,
                     s->map_len, 0, NULL);
    }
    double xy[2];
    json_t *o = with_fields ? cli_serve_map_fields_json(s->x, s->map) : json_object();
    json_t *docs = json_array();
    for (int i = 0; i < d.n; i++) {
        enum MHD_Result ret;
        int64_t doc = cli_serve_resolve_id(s, conn, rq, d.ids[i], &ret);
        if (doc < 0) {
            json_decref(o);
            json_decref(docs);
            return ret;
        }
        tenyo_map_doc(s->map, (uint64_t)doc, xy);
        json_t *p = json_object();
        json_object_set_new(p, "id", json_string(d.ids[i]));
        json_object_set_new(p, "x", json_real(xy[0]));
        json_object_set_new(p, "y", json_real(xy[1]));
        json_array_append_new(docs, p);
    }
    json_object_set_new(o, "docs", docs);
    if (view && (st = map_labels(s, &va, &la, o, msg, sizeof msg))) {
        json_decref(o);
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    }
    if (id || text) {
        enum MHD_Result ret;
        int64_t doc = id ? cli_serve_resolve_id(s, conn, rq, id, &ret) : -1;
        if (id && doc < 0) {
            json_decref(o);
            return ret;
        }
        int ok = 0;
        tenyo_index_info in;
        tenyo_index_info_get(s->x, &in);
        double *sim = calloc(in.nfields ? in.nfields : 1, sizeof *sim);
        if (!sim) {
            json_decref(o);
            return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        }
        if (doc >= 0) {
            ok = tenyo_map_doc(s->map, (uint64_t)doc, xy) == TENYO_OK &&
                 tenyo_map_doc_similarity(s->map, (uint64_t)doc, sim, in.nfields) >= 0;
        } else {
            tenyo_ctx *c = cli_serve_pool_get(&s->pool);
            if (!c) {
                json_decref(o);
                return cli_serve_reply_error(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "server busy");
            }
            tenyo_hit h;
            int n = tenyo_similar_text(c, text, len, TENYO_MODE_LSA, 1, &h);
            snprintf(msg, sizeof msg, "%s", tenyo_ctx_error(c));
            ok = n >= 0 && tenyo_map_query(s->map, c, xy) == TENYO_OK &&
                 tenyo_map_query_similarity(s->map, c, sim, in.nfields) >= 0;
            cli_serve_pool_put(&s->pool, c);
            if (n < 0 && n != TENYO_ERR_EMPTY) {
                free(sim);
                json_decref(o);
                return cli_serve_reply_error(conn, rq, serve_http_status(n), NULL, "%s", msg);
            }
        }
        json_t *q = json_null();
        if (ok) {
            q = json_object();
            json_object_set_new(q, "x", json_real(xy[0]));
            json_object_set_new(q, "y", json_real(xy[1]));
            /* cosine with each field's centroid, in the order of "fields"
             * (rounded: a picture's table, not a computation's input) */
            json_t *sa = json_array();
            for (uint32_t j = 0; j < in.nfields; j++)
                json_array_append_new(sa, json_real(round(sim[j] * 1e4) / 1e4));
            json_object_set_new(q, "similarity", sa);
        }
        free(sim);
        json_object_set_new(o, "query", q);
    }
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

