/*
 * test_docapp.c — the first applicants' numbers (section "docapp",
 * store/docapp.c): the same answers as the strings (every pair of the
 * sample's documents, ideas), a number a pure function of the strings
 * (their sorted order), no docmeta warm where the column is, an older file
 * (without it) opening and answering as before, check naming a damaged or
 * inconsistent column and repair dropping it, rebuild --no-ivf adding it.
 */
#include "api/api.h"
#include "ideas/stages.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define SAMPLE "data/sample/sample.jsonl"

/* The sample indexed once (with the column), and a copy without it (an
 * index as written before: the section dropped). */
static const char *da_index(const char *name, int without) {
    static char p[512], q[512];
    static int built;
    snprintf(p, sizeof p, "%s/docapp.tny", ty_test_tmpdir());
    if (!built) {
        if (ty_test_build(SAMPLE, 200, NULL, p)) return NULL;
        built = 1;
    }
    if (!without) return p;
    snprintf(q, sizeof q, "%s/%s", ty_test_tmpdir(), name);
    char err[256];
    const char *drop[] = {"docapp"};
    if (ty_test_copy(p, q) || ty_store_rewrite(q, drop, 1, NULL, 0, NULL, err, sizeof err))
        return NULL;
    return q;
}

static int da_sign(long long v) { return (v > 0) - (v < 0); }

/* Every proposal (threshold off) of document d on x into out. */
static int da_ideas(tenyo_ctx *c, uint64_t d, tenyo_idea *out, size_t cap) {
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    o.min_confidence = 0;
    return tenyo_ideas_doc(c, d, &o, cap, out);
}

/* The column and the strings agree on every pair of documents; the numbers
 * follow the strings' sorted order (1 the first, the distinct count the
 * last); ideas gives the same cards with and without it; the open that
 * ideas makes warms docmeta only without it. */
TY_TEST(docapp_answers_as_the_strings) {
    const char *p = da_index(NULL, 0), *q = da_index("docapp_old.tny", 1);
    CHECK(p && q);
    char err[400];
    tenyo_index *x = NULL, *y = NULL;
    unsigned pf = TENYO_PREFETCH_ROWS | TENYO_PREFETCH_IDS;
    CHECKF(tenyo_index_open_for(p, pf, &x, err, sizeof err) == 0, "%s", err);
    CHECKF(tenyo_index_open_for(q, pf, &y, err, sizeof err) == 0, "%s", err);
    CHECK(x->m.app_sec != NULL && y->m.app_sec == NULL);
    if (ty_ncores() > 1) CHECK(!x->dm_started && y->dm_started);
    uint64_t n = x->m.ndocs, same = 0, maxk = 0, distinct = 0;
    CHECK(n == 200 && y->m.ndocs == n);
    for (uint64_t a = 0; a < n; a++) {
        uint32_t ka;
        CHECK(ty_docapp_key(&x->m, a, &ka) == 1);
        ty_appkey sa = ty_applicant_key(&y->m, a);
        CHECK(sa.id == 0 && (ka == 0) == (sa.s == NULL));
        if (ka > maxk) maxk = ka;
        int first = sa.s != NULL;
        for (uint64_t b = 0; b < n; b++) {
            int sx = ty_same_applicant(&x->m, a, b), sy = ty_same_applicant(&y->m, a, b);
            CHECKF(sx == sy, "documents %llu and %llu: %d with the column, %d without",
                   (unsigned long long)a, (unsigned long long)b, sx, sy);
            same += sx && a != b;
            uint32_t kb;
            ty_appkey sb = ty_applicant_key(&y->m, b);
            CHECK(ty_docapp_key(&x->m, b, &kb) == 1);
            if (b < a && ty_appkey_same(&sa, &sb)) first = 0;
            if (!ka || !kb) continue;
            int c = memcmp(sa.s, sb.s, sa.len < sb.len ? sa.len : sb.len);
            if (!c) c = da_sign((long long)sa.len - (long long)sb.len);
            CHECK(da_sign((long long)ka - (long long)kb) == da_sign(c));
        }
        distinct += first;
    }
    CHECK(same > 0 && distinct > 1 && maxk == distinct);
    tenyo_ctx *c = NULL, *d = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), 0);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), 0);
    static tenyo_idea ia[64], ib[64];
    int cards = 0;
    for (uint64_t k = 0; k < n; k += 9) {
        int na = da_ideas(c, k, ia, 64), nb = da_ideas(d, k, ib, 64);
        CHECKF(na == nb && na >= 0, "document %llu: %d cards against %d",
               (unsigned long long)k, na, nb);
        cards += na;
        for (int i = 0; i < na; i++) {
            CHECK(ia[i].field == ib[i].field && ia[i].nevidence == ib[i].nevidence);
            CHECK(!memcmp(&ia[i].score, &ib[i].score, sizeof ia[i].score));
            CHECK(!memcmp(&ia[i].confidence, &ib[i].confidence, sizeof ia[i].confidence));
            for (int e = 0; e < ia[i].nevidence; e++)
                CHECK(ia[i].evidence[e].doc == ib[i].evidence[e].doc);
        }
    }
    CHECK(cards > 20);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

static void da_say(void *ud, int problem, const char *line) {
    if (problem && strstr(line, "docapp")) snprintf(ud, 400, "%s", line);
}

/* A damaged frame and a column whose numbers disagree with the strings:
 * check names the section, repair drops it, and the index answers as one
 * written before it; rebuild (the lists only) puts the column back, the
 * same bytes as the build's. */
TY_TEST(docapp_checked_and_rebuilt) {
    const char *p = da_index(NULL, 0);
    CHECK(p);
    char err[400], said[400] = "", r[512], s[512];
    snprintf(r, sizeof r, "%s/docapp_flip.tny", ty_test_tmpdir());
    snprintf(s, sizeof s, "%s/docapp_swap.tny", ty_test_tmpdir());
    tenyo_check_stats st;
    CHECK_EQ_INT(tenyo_index_check(p, 0, &st, da_say, said, err, sizeof err), 0);
    CHECK(ty_test_damage(p, r, "docapp", NULL) == 0);
    CHECK_EQ_INT(tenyo_index_check(r, 0, &st, da_say, said, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strstr(said, "section 'docapp' is damaged"), "%s", said);
    /* a query reads the strings instead: the same cards */
    tenyo_index *x = NULL, *y = NULL;
    CHECKF(tenyo_index_open(p, &x, err, sizeof err) == 0, "%s", err);
    CHECKF(tenyo_index_open(r, &y, err, sizeof err) == 0, "%s", err);
    uint32_t k;
    CHECK(ty_docapp_key(&x->m, 0, &k) == 1 && ty_docapp_key(&y->m, 0, &k) == 0);
    tenyo_ctx *c = NULL, *d = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), 0);
    CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), 0);
    static tenyo_idea ia[64], ib[64];
    int na = da_ideas(c, 0, ia, 64);
    CHECK(na > 0 && na == da_ideas(d, 0, ib, 64));
    for (int i = 0; i < na; i++) CHECK(ia[i].field == ib[i].field);
    tenyo_ctx_free(c);
    tenyo_ctx_free(d);
    tenyo_index_free(y);
    y = NULL;
    said[0] = 0;
    CHECK_EQ_INT(tenyo_index_check(r, 1, &st, da_say, said, err, sizeof err), 0);
    CHECKF(tenyo_index_open(r, &y, err, sizeof err) == 0, "%s", err);
    CHECK(y->m.app_sec == NULL);
    tenyo_index_free(y);
    CHECK_EQ_INT(tenyo_index_check(r, 0, &st, NULL, NULL, err, sizeof err), 0);
    /* two documents of different first applicants with their numbers
     * swapped: a sound frame, numbers the strings do not give */
    const char *col;
    uint64_t len;
    CHECK_EQ_INT(ty_lazysec_get(x->m.app_sec, &col, &len, err, sizeof err), 0);
    CHECK(len == 4 * x->m.ndocs);
    char *bad = malloc(len);
    CHECK(bad);
    memcpy(bad, col, len);
    uint64_t b = 1;
    while (b < x->m.ndocs && !memcmp(bad, bad + 4 * b, 4)) b++;
    CHECK(b < x->m.ndocs);
    char t[4];
    memcpy(t, bad, 4);
    memcpy(bad, bad + 4 * b, 4);
    memcpy(bad + 4 * b, t, 4);
    tenyo_index_free(x);
    CHECK(ty_test_copy(p, s) == 0);
    ty_secput put = {"docapp", bad, len, NULL, 0};
    CHECK_EQ_INT(ty_store_rewrite(s, NULL, 0, &put, 1, NULL, err, sizeof err), 0);
    free(bad);
    said[0] = 0;
    CHECK_EQ_INT(tenyo_index_check(s, 0, &st, da_say, said, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECKF(strstr(said, "section 'docapp' is inconsistent with docmeta: document 0"), "%s", said);
    /* rebuild of the lists puts the column in an index without it: the
     * file is the build's, byte for byte */
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    int refitted = -1;
    CHECKF(tenyo_index_rebuild_ivf(r, &bo, NULL, &refitted, err, sizeof err) == 0, "%s", err);
    CHECK_EQ_INT(refitted, 0);
    size_t n1 = 0, n2 = 0;
    char *want = ty_test_slurp(p, &n1), *got = ty_test_slurp(r, &n2);
    CHECK(want && got);
    CHECK(n1 == n2 && !memcmp(want, got, n1));
    free(want);
    free(got);
}

static int da_add(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }

/* An index with updates merged at open compares the strings: the base's
 * numbers cover its own documents only (the merged model carries none; its
 * strings are whole, as the merge made them); a segment is written without
 * the section. */
TY_TEST(docapp_not_used_with_updates) {
    char p[512], err[400];
    snprintf(p, sizeof p, "%s/docapp_upd.tny", ty_test_tmpdir());
    CHECK(ty_test_build(SAMPLE, 180, NULL, p) == 0);
    tenyo_update *u = NULL;
    CHECKF(tenyo_update_open(p, NULL, &u, err, sizeof err) == 0, "%s", err);
    CHECK(ty_test_feed(SAMPLE, 180, 200, da_add, u) >= 0);
    CHECK_EQ_INT(tenyo_update_commit(u, NULL), 0);
    tenyo_update_free(u);
    tenyo_index *x = NULL;
    CHECKF(tenyo_index_open_for(p, TENYO_PREFETCH_ROWS | TENYO_PREFETCH_IDS, &x, err,
                                sizeof err) == 0, "%s", err);
    CHECK_EQ_INT(x->m.ndocs, 200);
    uint32_t k;
    CHECK(x->m.app_sec == NULL && ty_docapp_key(&x->m, 0, &k) == 0);
    ty_appkey a = ty_applicant_key(&x->m, 190);
    CHECK(a.id == 0);
    tenyo_index_free(x);
    char seg[600];
    snprintf(seg, sizeof seg, "%s.upd/seg-000001.tys", p);
    ty_model m;
    CHECKF(ty_store_read(seg, &m, err, sizeof err) == 0, "%s", err);
    CHECK(m.app_sec == NULL && m.ndocs == 20);
    ty_model_free(&m);
}
