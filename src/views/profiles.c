/*
 * profiles.c — the applicability profile of `tenyo profile` and GET
 * /api/profile: per patent, how many fields its proposals reach, how far
 * from its own, and its strongest evidence, as JSON lines or CSV rows
 * (cli_profile_cb, the tenyo_ideas_batch callback) or one object
 * (cli_profile_json). The ideas and match objects themselves come from the
 * library (tenyo_ideas_json, tenyo_match_json: ideas/answer.c).
 *
 * Who calls whom: called by serve/serve_api.c, cli/cmd_profile.c; calls
 * render.c, safe.c, say.c and the library (tenyo.h).
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* How far code is from the nearest of the comma-separated home fields:
 * 2 another section, 1 another class, 0 another subclass of a home class. */
static int far_level(const char *code, const char *home) {
    int best = 2;
    for (const char *h = home; *h;) {
        size_t l = strcspn(h, ",");
        int lv = l >= 1 && h[0] == code[0] ? (l >= 3 && !strncmp(h, code, 3) ? 0 : 1) : 2;
        if (lv < best) best = lv;
        h += l + (h[l] == ',');
    }
    return best;
}

/* One CSV cell (cli_csv_field, the writer of every CSV output), then a
 * comma or the end of the row. */
static void pcsv(const char *s, int last) { cli_csv_field(stdout, s, last ? "\r\n" : ","); }

void cli_profile_cb(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    cli_profile_run *p = ud;
    tenyo_doc_meta dm;
    tenyo_index_doc(p->x, p->docs[i], &dm);
    static const char *const levels[] = {"subclass", "class", "section"};
    char link[256], buf[64];
    tenyo_doc_link(dm.id, link, sizeof link);
    const char *failure = NULL;
    if (got < 0) {
        failure = tenyo_ctx_error(p->ctx);
        if (!p->out) cli_err("%s: %s\n", dm.id, failure);
        p->failed++;
        got = 0;
    }
    int far = -1, sections = 0;
    char seen[9] = ""; /* sections A-H seen, each once */
    double sum = 0, best = 0;
    const tenyo_hit *ev = NULL;
    const tenyo_idea *evi = NULL;
    for (int j = 0; j < got; j++) {
        const tenyo_idea *id = &ideas[j];
        int lv = far_level(id->code, dm.fields);
        if (lv > far) far = lv;
        if (!strchr(seen, id->code[0]) && strlen(seen) < 8) {
            size_t l = strlen(seen);
            seen[l] = id->code[0];
            seen[l + 1] = 0;
            sections++;
        }
        sum += id->confidence;
        if (id->confidence > best) best = id->confidence;
        for (int e = 0; e < id->nevidence; e++)
            if (!ev || id->evidence[e].score > ev->score) {
                ev = &id->evidence[e];
                evi = id;
            }
    }
    tenyo_doc_meta em;
    if (ev) tenyo_index_doc(p->x, ev->doc, &em);
    if (p->csv) {
        char props[4096] = "";
        for (int j = 0; j < got; j++) {
            size_t l = strlen(props);
            snprintf(props + l, sizeof props - l, "%s%s %s (%.2f)", j ? "; " : "", ideas[j].code,
                     tenyo_field_label(p->x, ideas[j].code, p->lang), ideas[j].confidence);
        }
        pcsv(dm.id, 0);
        pcsv(dm.title, 0);
        pcsv(dm.applicant, 0);
        pcsv(dm.date, 0);
        pcsv(dm.fields, 0);
        pcsv(dm.open ? "1" : "0", 0);
        snprintf(buf, sizeof buf, "%d", got);
        pcsv(buf, 0);
        snprintf(buf, sizeof buf, "%d", sections);
        pcsv(buf, 0);
        pcsv(far >= 0 ? levels[far] : "", 0);
        snprintf(buf, sizeof buf, "%.4f", best);
        pcsv(buf, 0);
        snprintf(buf, sizeof buf, "%.4f", sum);
        pcsv(buf, 0);
        pcsv(props, 0);
        pcsv(ev ? em.id : "", 0);
        snprintf(buf, sizeof buf, "%.4f", ev ? (double)ev->score : 0.0);
        pcsv(ev ? buf : "", 0);
        pcsv(ev ? em.applicant : "", 0);
        pcsv(evi ? evi->code : "", 0);
        pcsv(link, 1);
        return;
    }
    json_t *o = json_object(), *arr = json_array();
    json_object_set_new(o, "id", json_string(dm.id));
    json_object_set_new(o, "title", json_string(dm.title));
    json_object_set_new(o, "applicant", json_string(dm.applicant));
    json_object_set_new(o, "date", json_string(dm.date));
    json_object_set_new(o, "fields", cli_json_list(dm.fields));
    json_object_set_new(o, "open", json_boolean(dm.open));
    json_object_set_new(o, "link", json_string(link));
    json_object_set_new(o, "proposals", json_integer(got));
    json_object_set_new(o, "sections", json_integer(sections));
    json_object_set_new(o, "farthest", far >= 0 ? json_string(levels[far]) : json_null());
    json_object_set_new(o, "best_confidence", json_real(best));
    json_object_set_new(o, "applicability", json_real(sum));
    for (int j = 0; j < got; j++) {
        const char *bt[5];
        int nb = tenyo_idea_bridge(p->ctx, &ideas[j], 5, bt);
        json_t *it = json_object(), *b = json_array();
        json_object_set_new(it, "field", json_string(ideas[j].code));
        json_object_set_new(it, "label", json_string(tenyo_field_label(p->x, ideas[j].code, p->lang)));
        json_object_set_new(it, "confidence", json_real(ideas[j].confidence));
        json_object_set_new(it, "distance", json_string(levels[far_level(ideas[j].code, dm.fields)]));
        for (int k = 0; k < nb; k++) json_array_append_new(b, json_string(bt[k]));
        json_object_set_new(it, "bridge_terms", b);
        json_array_append_new(arr, it);
    }
    json_object_set_new(o, "uses", arr);
    if (ev) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(em.id));
        json_object_set_new(e, "title", json_string(em.title));
        json_object_set_new(e, "applicant", json_string(em.applicant));
        json_object_set_new(e, "date", json_string(em.date));
        json_object_set_new(e, "similarity", json_real((double)ev->score));
        json_object_set_new(e, "field", json_string(evi->code));
        json_object_set_new(o, "strongest_evidence", e);
    } else {
        json_object_set_new(o, "strongest_evidence", json_null());
    }
    if (failure) json_object_set_new(o, "error", json_string(failure));
    if (p->out) {
        json_array_append_new(p->out, o);
        return;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (s) puts(s);
    free(s);
    json_decref(o);
}

json_t *cli_profile_json(const tenyo_index *x, tenyo_ctx *ctx, const uint64_t *docs,
                         size_t nd, const tenyo_ideas_opts *io, size_t n, const char *lang,
                         int *status) {
    tenyo_query *q = calloc(nd ? nd : 1, sizeof *q);
    json_t *arr = json_array();
    *status = TENYO_ERR_NOMEM;
    if (!q || !arr) {
        free(q);
        json_decref(arr);
        return NULL;
    }
    for (size_t i = 0; i < nd; i++) q[i].doc = (int64_t)docs[i];
    cli_profile_run pr = {x, ctx, docs, lang, 0, 0, arr};
    int rc = nd ? tenyo_ideas_batch(ctx, q, nd, io, n, cli_profile_cb, &pr) : TENYO_OK;
    free(q);
    *status = rc;
    if (rc) {
        json_decref(arr);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "profiles", arr);
    return o;
}
