/*
 * test_filter.c — filters before the top-k (api/filter.c): the matching
 * set against a brute-force reading of the metadata, the applicant NFKC
 * folding, the criteria's errors, and the property that defines them: a
 * filtered top-10 equals the top-10 of the same index with every
 * non-matching document deleted (same documents, same scores), for every
 * mode, for a patent and for text; and ideas whose evidence all matches.
 */
#include "api/api.h"
#include "test.h"

#include <stdlib.h>

#define SAMPLE "data/sample/sample.jsonl"

/* The sample plus three records with Latin / full-width applicants, built
 * into dir/name; returns the path (static per name). */
static const char *build_sample(const char *name) {
    static char path[2][512];
    static int slot;
    char *p = path[slot++ & 1];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    char extra[512];
    snprintf(extra, sizeof extra, "%s/filter_extra.jsonl", ty_test_tmpdir());
    FILE *f = fopen(extra, "w");
    if (!f) return NULL;
    fputs("{\"id\": \"X-1\", \"title\": \"運転者の眠気を検出するカメラ装置\", \"abstract\": \"運転者の顔画像から眠気を推定し警報する\", \"ipc\": [\"B60W40/08\"], \"applicant\": \"ｉ－ＰＲＯ株式会社\", \"date\": \"2023-06-15\"}\n"
          "{\"id\": \"X-2\", \"title\": \"眠気推定装置\", \"abstract\": \"まばたきの頻度から運転者の眠気を推定する\", \"ipc\": [\"A61B5/18\"], \"applicant\": \"i-PRO Co., Ltd.\", \"date\": \"2022-01-10\"}\n"
          "{\"id\": \"X-3\", \"title\": \"車両の警報装置\", \"abstract\": \"運転者に警報を出力する車両用装置\", \"ipc\": [\"G08B21/06\"], \"applicant\": \"\", \"date\": \"\"}\n", f);
    fclose(f);
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    tenyo_builder *b = NULL;
    char err[512];
    if (tenyo_builder_new(&bo, &b, err, sizeof err)) return NULL;
    const char *files[] = {SAMPLE, extra};
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        tenyo_reader *r = NULL;
        if ((rc = tenyo_reader_open(files[i], NULL, &r, err, sizeof err))) break;
        const tenyo_doc *d;
        while ((rc = tenyo_reader_next(r, &d)) == 1) tenyo_builder_add(b, d);
        tenyo_reader_free(r);
    }
    if (!rc) rc = tenyo_builder_write(b, p, NULL);
    tenyo_builder_free(b);
    return rc ? NULL : p;
}

TY_TEST(filter_matches_the_metadata) {
    const char *p = build_sample("filter_meta.tny");
    CHECK(p != NULL);
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), (int64_t)tenyo_index_ndocs(x)); /* no criteria */
    /* dates: 2020 to 2022-06, a year and a month as spans */
    CHECK_EQ_INT(tenyo_filter_dates(f, "2020", "2022-06"), TENYO_OK);
    int64_t want = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d++) {
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        int ok = *m.date && strcmp(m.date, "2020-01-01") >= 0 && strcmp(m.date, "2022-06-30") <= 0;
        want += ok;
        CHECK_EQ_INT(tenyo_filter_match(f, d), ok);
    }
    CHECK(want > 10 && want < 150);
    CHECK_EQ_INT(tenyo_filter_count(f), want);
    /* fields: class B60 or subclass A61B, never G08B; with the dates */
    CHECK_EQ_INT(tenyo_filter_field(f, "b60", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f, "A61B", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f, "G08B", 1), TENYO_OK);
    want = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d++) {
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        int ok = *m.date && strcmp(m.date, "2020-01-01") >= 0 && strcmp(m.date, "2022-06-30") <= 0 &&
                 (strstr(m.fields, "B60") || strstr(m.fields, "A61B")) && !strstr(m.fields, "G08B");
        want += ok;
        CHECK_EQ_INT(tenyo_filter_match(f, d), ok);
    }
    CHECK(want > 0);
    tenyo_filter_free(f);
    /* applicant: substring, NFKC case-folded on both sides */
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "I-pro", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 2); /* ｉ－ＰＲＯ株式会社 and i-PRO Co., Ltd. */
    CHECK_EQ_INT(tenyo_filter_match(f, (uint64_t)tenyo_index_find(x, "X-1")), 1);
    CHECK_EQ_INT(tenyo_filter_match(f, (uint64_t)tenyo_index_find(x, "X-2")), 1);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "ｃｏ．", 1), TENYO_OK); /* exclude "co." */
    CHECK_EQ_INT(tenyo_filter_count(f), 1);
    tenyo_filter_free(f);
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "富嶽建設", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "有明工業", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 25); /* 14 + 11: either */
    tenyo_filter_free(f);
    /* a document without a date never passes a date criterion */
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(f, NULL, "2100"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_match(f, (uint64_t)tenyo_index_find(x, "X-3")), 0);
    CHECK_EQ_INT(tenyo_filter_count(f), (int64_t)tenyo_index_ndocs(x) - 1);
    /* errors name what is wrong */
    CHECK_EQ_INT(tenyo_filter_dates(f, "2024-13", NULL), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_filter_error(f), "2024-13") != NULL);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2024-02-30", NULL), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_dates(f, "last year", NULL), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2024", "2023"), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_filter_error(f), "from after to") != NULL);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2024/02/29", "20240301"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f, "ZZZZ", 0), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_filter_error(f), "ZZZZ") != NULL);
    CHECK_EQ_INT(tenyo_filter_field(f, "G0", 0), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_field(f, "G06FX", 0), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "  ", 0), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "\xff", 0), TENYO_ERR_ARG);
    tenyo_filter_free(f);
    tenyo_index_free(x);
}

/* The defining property: filtered top-10 = top-10 of the index holding
 * only the matching documents (a copy with the others deleted: the same
 * fit, so the same scores). */
TY_TEST(filter_topk_equals_index_of_matching_docs) {
    const char *p = build_sample("filter_full.tny");
    CHECK(p != NULL);
    char q[600];
    snprintf(q, sizeof q, "%s/filter_only.tny", ty_test_tmpdir());
    CHECK_EQ_INT(ty_test_copy(p, q), 0);
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2018", NULL), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f, "G08B", 1), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(f, "星川電装", 1), TENYO_OK);
    int64_t nm = tenyo_filter_count(f);
    CHECK(nm > 20 && nm < (int64_t)tenyo_index_ndocs(x) - 20);
    /* the index of the matching documents: delete the others */
    tenyo_update *u = NULL;
    CHECK_EQ_INT(tenyo_update_open(q, NULL, &u, err, sizeof err), TENYO_OK);
    uint64_t deleted = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d++) {
        if (tenyo_filter_match(f, d)) continue;
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        CHECK_EQ_INT(tenyo_update_delete(u, m.id), 1);
        deleted++;
    }
    CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
    tenyo_update_free(u);
    tenyo_index *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(q, &y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(y), (uint64_t)nm);
    tenyo_ctx *cx = NULL, *cy = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &cx, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(y, &cy, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_filter(cx, f), TENYO_OK);
    const char *text = "運転者の顔画像から眠気を推定する装置";
    /* queries: matching patents, a patent the filter leaves out, text */
    const char *qids[] = {"SAMPLE-001", "SAMPLE-050", "X-1", NULL};
    for (int mode = 0; mode < 3; mode++) {
        for (int qi = 0; qi < 4; qi++) {
            tenyo_hit hx[10], hy[10];
            int nx, ny;
            if (qids[qi]) {
                int64_t dx = tenyo_index_find(x, qids[qi]);
                CHECK(dx >= 0);
                nx = tenyo_similar_doc(cx, (uint64_t)dx, (tenyo_mode)mode, 10, hx);
                int64_t dy = tenyo_index_find(y, qids[qi]);
                if (dy < 0) continue; /* left out: no query document there */
                ny = tenyo_similar_doc(cy, (uint64_t)dy, (tenyo_mode)mode, 10, hy);
            } else {
                nx = tenyo_similar_text(cx, text, strlen(text), (tenyo_mode)mode, 10, hx);
                ny = tenyo_similar_text(cy, text, strlen(text), (tenyo_mode)mode, 10, hy);
            }
            CHECKF(nx == 10 && ny == 10, "mode %d query %d: %d and %d", mode, qi, nx, ny);
            for (int i = 0; i < 10; i++) {
                tenyo_doc_meta mx, my;
                tenyo_index_doc(x, hx[i].doc, &mx);
                tenyo_index_doc(y, hy[i].doc, &my);
                CHECKF(!strcmp(mx.id, my.id), "mode %d query %d rank %d: %s vs %s", mode, qi,
                       i, mx.id, my.id);
                CHECKF(fabsf(hx[i].score - hy[i].score) < 1e-6f, "mode %d rank %d: %g vs %g",
                       mode, i, hx[i].score, hy[i].score);
                CHECK_EQ_INT(tenyo_filter_match(f, hx[i].doc), 1);
            }
        }
    }
    /* the same query unfiltered answers differently (the filter did work) */
    CHECK_EQ_INT(tenyo_ctx_set_filter(cx, NULL), TENYO_OK);
    tenyo_hit all[10];
    int na = tenyo_similar_text(cx, text, strlen(text), TENYO_MODE_HYBRID, 10, all);
    CHECK_EQ_INT(na, 10);
    int outside = 0;
    for (int i = 0; i < 10; i++) outside += tenyo_filter_match(f, all[i].doc) == 0;
    CHECK(outside > 0);
    /* fewer matching than k: all of them, no padding */
    tenyo_filter *g = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &g), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(g, "i-pro", 0), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_filter(cx, g), TENYO_OK);
    CHECK_EQ_INT(tenyo_similar_text(cx, text, strlen(text), TENYO_MODE_HYBRID, 10, all), 2);
    /* and a filter of another index is refused */
    CHECK_EQ_INT(tenyo_ctx_set_filter(cy, g), TENYO_ERR_ARG);
    tenyo_filter_free(g);
    tenyo_ctx_free(cx);
    tenyo_ctx_free(cy);
    tenyo_filter_free(f);
    tenyo_index_free(y);
    tenyo_index_free(x);
}

/* ideas under a filter: neighbours and evidence are matching documents */
TY_TEST(filter_ideas_evidence_matches) {
    const char *p = build_sample("filter_ideas.tny");
    CHECK(p != NULL);
    tenyo_index *x = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_index_open(p, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_confidence = 0;
    tenyo_idea ideas[10];
    int64_t q = tenyo_index_find(x, "SAMPLE-001");
    int n0 = tenyo_ideas_doc(c, (uint64_t)q, &o, 10, ideas);
    CHECK(n0 > 0);
    /* leave out the best evidence patent of the unfiltered first idea */
    tenyo_doc_meta m;
    tenyo_index_doc(x, ideas[0].evidence[0].doc, &m);
    char first[64];
    snprintf(first, sizeof first, "%s", m.id);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2019", NULL), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_applicant(f, m.applicant, 1), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_filter(c, f), TENYO_OK);
    int n = tenyo_ideas_doc(c, (uint64_t)q, &o, 10, ideas);
    CHECK(n > 0);
    for (int i = 0; i < n; i++)
        for (int e = 0; e < ideas[i].nevidence; e++) {
            CHECK_EQ_INT(tenyo_filter_match(f, ideas[i].evidence[e].doc), 1);
            tenyo_index_doc(x, ideas[i].evidence[e].doc, &m);
            CHECK(strcmp(m.id, first) != 0);
        }
    tenyo_ctx_free(c);
    tenyo_filter_free(f);
    tenyo_index_free(x);
}

/* The kind a stored id says (issue 17's kind filter). */
TY_TEST(filter_id_kind) {
    CHECK(tenyo_id_kind("特開2024-127407") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("特表2018-514840") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("再表2017/187622") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("特開平10-123456") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("特許7243802") == TENYO_KIND_GRANT);
    CHECK(tenyo_id_kind("実登3244847") == TENYO_KIND_GRANT);
    CHECK(tenyo_id_kind("JP2024-127407A") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("JP7243802B2") == TENYO_KIND_GRANT);
    CHECK(tenyo_id_kind("US06836996-20050104") == TENYO_KIND_GRANT);
    CHECK(tenyo_id_kind("US 6,836,996 B2") == TENYO_KIND_GRANT);
    CHECK(tenyo_id_kind("US 2005/0123456 A1") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("US20050123456") == TENYO_KIND_APPLICATION);
    CHECK(tenyo_id_kind("SAMPLE-001") == TENYO_KIND_UNKNOWN);
    CHECK(tenyo_id_kind("") == TENYO_KIND_UNKNOWN);
    CHECK(tenyo_id_kind(NULL) == TENYO_KIND_UNKNOWN);
}
