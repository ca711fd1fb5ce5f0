/*
 * test_map.c — the landscape map (src/ideas/map.c): an index built by hand
 * whose principal axes are known exactly, then the bundled sample checked
 * against a brute-force oracle (weighted covariance and power iteration in
 * the test), projections of documents and queries, determinism and the
 * argument errors.
 */
#include "api/api.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

#define SAMPLE "data/sample/sample.jsonl"

/* ------------------------------------------------------------ helpers */

/* A hand-made index: dim 3, fields A B C D, documents
 *   0,1: (1,0,0) in A     2,3: (-1,0,0) in B
 *   4: (0,1,0) in C       5: (0,-1,0) in D
 *   6: (0.6,0.8,0) in no field.
 * Unit centroids A=e1, B=-e1, C=e2, D=-e2 with weights 2,2,1,1: mean 0,
 * covariance diag(4/6, 2/6, 0), so axis 0 = e1 and axis 1 = e2. */
typedef struct synth {
    tenyo_index x;            /* the index (only ty_model parts set) */
    float vec[7 * 3];         /* document vectors */
    int8_t q[7 * 3];          /* ...as the index holds them (x.q8) */
    float qscale[7];
    int32_t qsum[7];
    uint64_t fptr[8];         /* field_ptr */
    uint16_t fids[6];         /* field_ids */
    char codes[4][8];         /* field codes */
    uint64_t counts[4];       /* field counts */
} synth;

static void synth_init(synth *s) {
    static const float v[7 * 3] = {1, 0, 0, 1, 0, 0, -1, 0, 0, -1, 0, 0,
                                   0, 1, 0, 0, -1, 0, 0.6f, 0.8f, 0};
    static const uint64_t fp[8] = {0, 1, 2, 3, 4, 5, 6, 6};
    static const uint16_t fi[6] = {0, 0, 1, 1, 2, 3};
    static const char cd[4][8] = {"A01B", "B01D", "C01B", "D01F"};
    static const uint64_t cn[4] = {2, 2, 1, 1};
    memset(s, 0, sizeof *s);
    memcpy(s->vec, v, sizeof v);
    memcpy(s->fptr, fp, sizeof fp);
    memcpy(s->fids, fi, sizeof fi);
    memcpy(s->codes, cd, sizeof cd);
    memcpy(s->counts, cn, sizeof cn);
    ty_model *m = &s->x.m;
    m->dim = 3;
    m->ndocs = 7;
    for (int d = 0; d < 7; d++)
        ty_q8_quantize(s->vec + 3 * d, 3, s->q + 3 * d, &s->qscale[d], &s->qsum[d]);
    s->x.q8 = (ty_q8){7, 3, s->q, s->qscale, s->qsum, 1, 0, NULL};
    m->field_ptr = s->fptr;
    m->field_ids = s->fids;
    m->nfields = 4;
    m->field_code = s->codes;
    m->field_count = s->counts;
}

/* Build the sample index into the test directory once; NULL on failure. */
static const char *sample_index(void) {
    static char path[512];
    static int state; /* 0 not tried, 1 built, -1 failed */
    if (state) return state > 0 ? path : NULL;
    state = -1;
    snprintf(path, sizeof path, "%s/map_sample.tny", ty_test_tmpdir());
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    tenyo_builder *b = NULL;
    tenyo_reader *r = NULL;
    char err[512];
    if (tenyo_builder_new(&bo, &b, err, sizeof err)) return NULL;
    int rc = tenyo_reader_open(SAMPLE, NULL, &r, err, sizeof err);
    const tenyo_doc *d;
    while (rc == 0 && (rc = tenyo_reader_next(r, &d)) == 1) rc = tenyo_builder_add(b, d);
    if (rc == 0) rc = tenyo_builder_write(b, path, NULL);
    tenyo_reader_free(r);
    tenyo_builder_free(b);
    if (rc == 0) state = 1;
    return rc == 0 ? path : NULL;
}

/* ------------------------------------------------------------- tests */

TY_TEST(map_synthetic_axes_exact) {
    synth s;
    synth_init(&s);
    tenyo_map *map = NULL;
    char err[512] = "";
    CHECKF(tenyo_map_new(&s.x, &map, err, sizeof err) == TENYO_OK, "%.300s", err);
    double sh[2], xy[2];
    tenyo_map_variance(map, sh);
    CHECK_NEAR(sh[0], 4.0 / 6.0, 1e-12);
    CHECK_NEAR(sh[1], 2.0 / 6.0, 1e-12);
    /* signs fixed: largest component of each axis positive */
    static const double want[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    for (uint32_t f = 0; f < 4; f++) {
        CHECK_EQ_INT(tenyo_map_field(map, f, xy), TENYO_OK);
        CHECK_NEAR(xy[0], want[f][0], 1e-12);
        CHECK_NEAR(xy[1], want[f][1], 1e-12);
    }
    /* a document lands where its vector, as the index holds it (int8),
     * points: (0.6, 0.8) within a quantisation step */
    CHECK_EQ_INT(tenyo_map_doc(map, 6, xy), TENYO_OK);
    float row[3];
    ty_q8_row(&s.x.q8, 6, row);
    CHECK_NEAR(xy[0], row[0], 1e-7);
    CHECK_NEAR(xy[1], row[1], 1e-7);
    CHECK_NEAR(xy[0], 0.6, 0.8 / 127);
    CHECK_NEAR(xy[1], 0.8, 0.8 / 127);
    /* a query vector is projected on the same axes */
    struct tenyo_ctx c;
    float q[3] = {0, 0, 0};
    memset(&c, 0, sizeof c);
    c.idx = &s.x;
    c.qlsa = q;
    CHECK_EQ_INT(tenyo_map_query(map, &c, xy), TENYO_ERR_ARG); /* no query yet */
    q[0] = -0.28f, q[1] = 0.96f;
    CHECK_EQ_INT(tenyo_map_query(map, &c, xy), TENYO_OK);
    CHECK_NEAR(xy[0], -0.28, 1e-7);
    CHECK_NEAR(xy[1], 0.96, 1e-7);
    /* out of range, foreign context, NULLs */
    CHECK_EQ_INT(tenyo_map_field(map, 4, xy), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_doc(map, 7, xy), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_doc(map, 0, NULL), TENYO_ERR_ARG);
    synth other;
    synth_init(&other);
    c.idx = &other.x;
    CHECK_EQ_INT(tenyo_map_query(map, &c, xy), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_query(NULL, &c, xy), TENYO_ERR_ARG);
    tenyo_map_free(map);
    tenyo_map_free(NULL);
}

TY_TEST(map_multi_field_doc_and_weights) {
    /* doc 4 joins A as well: A's centroid turns towards e2 and, being the
     * heaviest field, pulls the weighted mean with it */
    synth s;
    synth_init(&s);
    static const uint64_t fp[8] = {0, 1, 2, 3, 4, 6, 7, 7};
    static const uint16_t fi[7] = {0, 0, 1, 1, 0, 2, 3};
    uint16_t ids[7];
    memcpy(s.fptr, fp, sizeof fp);
    memcpy(ids, fi, sizeof fi);
    s.x.m.field_ids = ids;
    s.counts[0] = 3;
    tenyo_map *map = NULL;
    char err[512] = "";
    CHECKF(tenyo_map_new(&s.x, &map, err, sizeof err) == TENYO_OK, "%.300s", err);
    /* oracle: centroids and weighted mean by hand */
    double ca[3] = {2 / sqrt(5.0), 1 / sqrt(5.0), 0};
    double c[4][3] = {{ca[0], ca[1], 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}};
    double w[4] = {3, 2, 1, 1}, mu[3] = {0, 0, 0};
    for (int f = 0; f < 4; f++)
        for (int i = 0; i < 3; i++) mu[i] += w[f] / 7 * c[f][i];
    /* projected coordinates reproduce the weighted variance per axis and
     * are uncorrelated (principal axes), and the weighted mean maps to 0 */
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, tr = 0, xy[2];
    for (uint32_t f = 0; f < 4; f++) {
        CHECK_EQ_INT(tenyo_map_field(map, f, xy), TENYO_OK);
        sx += w[f] / 7 * xy[0];
        sy += w[f] / 7 * xy[1];
        sxx += w[f] / 7 * xy[0] * xy[0];
        syy += w[f] / 7 * xy[1] * xy[1];
        sxy += w[f] / 7 * xy[0] * xy[1];
        for (int i = 0; i < 3; i++) tr += w[f] / 7 * (c[f][i] - mu[i]) * (c[f][i] - mu[i]);
    }
    double sh[2];
    tenyo_map_variance(map, sh);
    CHECK_NEAR(sx, 0, 1e-12);
    CHECK_NEAR(sy, 0, 1e-12);
    CHECK_NEAR(sxy, 0, 1e-12);
    CHECK_NEAR(sxx / tr, sh[0], 1e-9);
    CHECK_NEAR(syy / tr, sh[1], 1e-9);
    CHECK(sh[0] >= sh[1] && sh[1] > 0);
    CHECK_NEAR(sh[0] + sh[1], 1.0, 1e-9); /* all points lie in the e1-e2 plane */
    tenyo_map_free(map);
}

TY_TEST(map_refuses_empty) {
    synth s;
    synth_init(&s);
    tenyo_map *map = (tenyo_map *)&s; /* must be reset to NULL */
    char err[512] = "";
    s.x.m.nfields = 0;
    CHECK_EQ_INT(tenyo_map_new(&s.x, &map, err, sizeof err), TENYO_ERR_EMPTY);
    CHECK(map == NULL);
    CHECK(strstr(err, "no fields") != NULL);
    synth_init(&s);
    s.x.m.dim = 0;
    s.x.q8.q = NULL;
    CHECK_EQ_INT(tenyo_map_new(&s.x, &map, err, sizeof err), TENYO_ERR_EMPTY);
    CHECK(strstr(err, "LSA") != NULL);
    CHECK_EQ_INT(tenyo_map_new(NULL, &map, err, sizeof err), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_new(&s.x, NULL, err, sizeof err), TENYO_ERR_ARG);
}

TY_TEST(map_sample_oracle) {
    const char *path = sample_index();
    CHECK(path != NULL);
    tenyo_index *x = NULL;
    tenyo_map *map = NULL, *map2 = NULL;
    tenyo_ctx *ctx = NULL;
    double *cent = NULL, *cov = NULL;
    char err[512] = "";
    CHECKF(tenyo_index_open(path, &x, err, sizeof err) == TENYO_OK, "%.300s", err);
    const ty_model *m = &x->m;
    const size_t k = m->dim, nf = m->nfields;
    CHECK(k > 1 && nf > 2);
    int rc = tenyo_map_new(x, &map, err, sizeof err);
    int rc2 = tenyo_map_new(x, &map2, err, sizeof err);
    int rc3 = tenyo_ctx_new(x, &ctx, err, sizeof err);
    cent = calloc(nf * k, sizeof *cent);
    cov = calloc(k * k, sizeof *cov);
    int ok = rc == 0 && rc2 == 0 && rc3 == 0 && cent && cov;
    double tr = 0, lambda = 0, sh[2] = {0, 0}, sxx = 0, sxy = 0, wsum = 0;
    int finite = 1, same = 1;
    if (ok) {
        /* oracle centroids, weights and covariance, naive loops */
        float row[TY_MAX_DIM];
        for (uint64_t d = 0; d < m->ndocs; d++) {
            ty_q8_row(&x->q8, d, row);
            for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++)
                for (size_t i = 0; i < k; i++) cent[m->field_ids[j] * k + i] += row[i];
        }
        double mu[TY_MAX_DIM] = {0};
        for (size_t f = 0; f < nf; f++) {
            double s = 0;
            for (size_t i = 0; i < k; i++) s += cent[f * k + i] * cent[f * k + i];
            for (size_t i = 0; i < k && s > 0; i++) cent[f * k + i] /= sqrt(s);
            wsum += (double)m->field_count[f];
        }
        for (size_t f = 0; f < nf; f++)
            for (size_t i = 0; i < k; i++)
                mu[i] += (double)m->field_count[f] / wsum * cent[f * k + i];
        for (size_t f = 0; f < nf; f++) {
            double w = (double)m->field_count[f] / wsum;
            for (size_t i = 0; i < k; i++) {
                tr += w * (cent[f * k + i] - mu[i]) * (cent[f * k + i] - mu[i]);
                for (size_t j = 0; j < k; j++)
                    cov[i * k + j] += w * (cent[f * k + i] - mu[i]) * (cent[f * k + j] - mu[j]);
            }
        }
        /* largest eigenvalue by power iteration */
        double v[TY_MAX_DIM], nv[TY_MAX_DIM];
        for (size_t i = 0; i < k; i++) v[i] = 1.0 / sqrt((double)k + i);
        for (int it = 0; it < 3000; it++) {
            double n2 = 0;
            for (size_t i = 0; i < k; i++) {
                nv[i] = 0;
                for (size_t j = 0; j < k; j++) nv[i] += cov[i * k + j] * v[j];
                n2 += nv[i] * nv[i];
            }
            lambda = sqrt(n2);
            for (size_t i = 0; i < k; i++) v[i] = nv[i] / lambda;
        }
        tenyo_map_variance(map, sh);
        for (uint32_t f = 0; f < nf; f++) {
            double a[2], b[2];
            tenyo_map_field(map, f, a);
            tenyo_map_field(map2, f, b);
            double w = (double)m->field_count[f] / wsum;
            sxx += w * a[0] * a[0];
            sxy += w * a[0] * a[1];
            finite &= isfinite(a[0]) && isfinite(a[1]);
            same &= a[0] == b[0] && a[1] == b[1];
        }
    }
    /* a document that is the only member of its only field sits on it */
    double fxy[2] = {0, 0}, dxy[2] = {0, 0}, qxy[2] = {0, 0}, d0[2] = {0, 0};
    int64_t lone = -1;
    for (uint64_t d = 0; ok && d < m->ndocs && lone < 0; d++)
        if (m->field_ptr[d + 1] - m->field_ptr[d] == 1 &&
            m->field_count[m->field_ids[m->field_ptr[d]]] == 1) {
            lone = (int64_t)d;
            tenyo_map_field(map, m->field_ids[m->field_ptr[d]], fxy);
            tenyo_map_doc(map, d, dxy);
        }
    /* the query of a similar call on document 0 lands on document 0 */
    tenyo_hit h[3];
    int qrc = -1;
    if (ok && tenyo_similar_doc(ctx, 0, TENYO_MODE_LSA, 3, h) > 0) {
        qrc = tenyo_map_query(map, ctx, qxy);
        tenyo_map_doc(map, 0, d0);
    }
    free(cent);
    free(cov);
    tenyo_ctx_free(ctx);
    tenyo_map_free(map);
    tenyo_map_free(map2);
    tenyo_index_free(x);
    CHECKF(ok, "map %d, map2 %d, ctx %d: %.300s", rc, rc2, rc3, err);
    CHECK(finite);
    CHECK(same); /* deterministic */
    CHECK(sh[0] > 0 && sh[0] <= 1 && sh[1] > 0 && sh[1] <= sh[0]);
    CHECK_NEAR(sh[0] * tr, lambda, 1e-6 * lambda); /* axis 0 is the top one */
    CHECK_NEAR(sxx / tr, sh[0], 1e-6);
    CHECK_NEAR(sxy, 0, 1e-6 * tr);
    if (lone >= 0) {
        CHECK_NEAR(dxy[0], fxy[0], 1e-5);
        CHECK_NEAR(dxy[1], fxy[1], 1e-5);
    }
    CHECK_EQ_INT(qrc, TENYO_OK);
    CHECK_NEAR(qxy[0], d0[0], 1e-9);
    CHECK_NEAR(qxy[1], d0[1], 1e-9);
}

/* --------------------------------------------------- label placement */

/* 1 when the rectangles of two placed labels overlap. */
static int labels_overlap(const tenyo_map_label *a, const tenyo_map_label *b) {
    return a->bx < b->bx + b->w && b->bx < a->bx + a->w && a->by < b->by + b->h &&
           b->by < a->by + a->h;
}

/* 1 when the placed label a covers (part of) the marker of b. */
static int label_covers(const tenyo_map_label *a, const tenyo_map_label *b) {
    double nx = fmin(fmax(b->x, a->bx), a->bx + a->w);
    double ny = fmin(fmax(b->y, a->by), a->by + a->h);
    return (b->x - nx) * (b->x - nx) + (b->y - ny) * (b->y - ny) < b->r * b->r;
}

TY_TEST(map_labels_first_choice_and_fallbacks) {
    /* one marker alone: right of it, vertically centred */
    tenyo_map_label l[4];
    memset(l, 0, sizeof l);
    l[0] = (tenyo_map_label){.x = 100, .y = 100, .r = 5, .w = 40, .h = 12};
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 640, 520), 1);
    CHECK(l[0].placed);
    CHECK_NEAR(l[0].bx, 107, 1e-12);
    CHECK_NEAR(l[0].by, 94, 1e-12);
    /* near the right edge: left of it */
    l[0].x = 620;
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 640, 520), 1);
    CHECK_NEAR(l[0].bx, 620 - 5 - 2 - 40, 1e-12);
    /* two markers on one spot: the second label may not take the first's
     * place (right), and takes the next free one (left) */
    l[0] = (tenyo_map_label){.x = 300, .y = 200, .r = 3, .w = 40, .h = 12};
    l[1] = (tenyo_map_label){.x = 300, .y = 200, .r = 3, .w = 40, .h = 12};
    /* a marker without a label right of them blocks the right for both */
    l[2] = (tenyo_map_label){.x = 320, .y = 200, .r = 4, .w = 0, .h = 0};
    CHECK_EQ_INT(tenyo_map_place_labels(l, 3, 640, 520), 2);
    CHECK(l[0].placed && l[1].placed && !l[2].placed);
    CHECK(l[0].bx + l[0].w <= 300); /* left (right is blocked by marker 2) */
    CHECK(!labels_overlap(&l[0], &l[1]));
    CHECK(!label_covers(&l[0], &l[2]) && !label_covers(&l[1], &l[2]));
    /* a box larger than the picture is left out, not squeezed in */
    l[0] = (tenyo_map_label){.x = 10, .y = 10, .r = 1, .w = 700, .h = 12};
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 640, 520), 0);
    CHECK(!l[0].placed);
    /* not finite, no room, bad arguments */
    l[0] = (tenyo_map_label){.x = NAN, .y = 10, .r = 1, .w = 10, .h = 12};
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 640, 520), 0);
    CHECK_EQ_INT(tenyo_map_place_labels(NULL, 0, 640, 520), 0);
    CHECK_EQ_INT(tenyo_map_place_labels(NULL, 1, 640, 520), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 0, 520), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_place_labels(l, 1, 640, INFINITY), TENYO_ERR_ARG);
}

TY_TEST(map_labels_never_collide) {
    /* 300 markers in a crowded picture, labels of random sizes: whatever is
     * placed lies inside, overlaps no other placed label and covers no
     * marker; the most important label is always placed; same twice */
    enum { N = 300 };
    static tenyo_map_label l[N], l2[N];
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        l[i].x = (double)(s >> 40 & 0xFFFF) / 65535.0 * 640;
        l[i].y = (double)(s >> 20 & 0xFFFF) / 65535.0 * 520;
        l[i].r = 2 + (double)(s >> 8 & 7);
        l[i].w = i % 4 == 3 ? 0 : 20 + (double)(s >> 12 & 63);
        l[i].h = 14;
    }
    l[0].x = 320, l[0].y = 260; /* room around the first */
    memcpy(l2, l, sizeof l);
    int got = tenyo_map_place_labels(l, N, 640, 520);
    CHECK(got > 20 && got < N);
    CHECK(l[0].placed);
    int bad_inside = 0, bad_overlap = 0, bad_cover = 0, count = 0;
    for (int i = 0; i < N; i++) {
        if (!l[i].placed) continue;
        count++;
        if (l[i].bx < 0 || l[i].by < 0 || l[i].bx + l[i].w > 640 || l[i].by + l[i].h > 520)
            bad_inside++;
        for (int j = 0; j < N; j++) {
            if (j != i && l[j].placed && labels_overlap(&l[i], &l[j])) bad_overlap++;
            if (j != i && label_covers(&l[i], &l[j])) bad_cover++;
        }
    }
    CHECK_EQ_INT(count, got);
    CHECK_EQ_INT(bad_inside, 0);
    CHECK_EQ_INT(bad_overlap, 0);
    CHECK_EQ_INT(bad_cover, 0);
    CHECK_EQ_INT(tenyo_map_place_labels(l2, N, 640, 520), got);
    CHECK(memcmp(l, l2, sizeof l) == 0); /* deterministic */
}

TY_TEST(map_labels_soft_markers) {
    /* a marker ringed by background dots on every side: an ordinary label
     * finds no place; an important one covers background dots, never the
     * hard marker standing among them */
    tenyo_map_label l[1 + 24];
    memset(l, 0, sizeof l);
    l[0] = (tenyo_map_label){.x = 300, .y = 200, .r = 3, .w = 30, .h = 12};
    int k = 1;
    for (int i = 0; i < 24; i++, k++) {
        double a = 2 * M_PI * i / 24;
        l[k] = (tenyo_map_label){.x = 300 + 14 * cos(a), .y = 200 + 14 * sin(a), .r = 6,
                                 .soft = 1};
    }
    CHECK_EQ_INT(tenyo_map_place_labels(l, 25, 640, 520), 0);
    l[0].important = 1;
    CHECK_EQ_INT(tenyo_map_place_labels(l, 25, 640, 520), 1);
    CHECK_NEAR(l[0].bx, 305, 1e-12); /* its first choice, right */
    l[1].soft = 0;                   /* the dot to the right is hard: not there */
    CHECK_EQ_INT(tenyo_map_place_labels(l, 25, 640, 520), 1);
    CHECK(!label_covers(&l[0], &l[1]));
    CHECK(l[0].bx + l[0].w <= 300); /* left */
}

TY_TEST(map_similarity_exact) {
    /* document 6 (0.6, 0.8, 0) against the unit centroids A = e1, B = -e1,
     * C = e2, D = -e2: its cosines are its own coordinates (to int8) */
    synth s;
    synth_init(&s);
    tenyo_map *map = NULL;
    char err[512] = "";
    CHECKF(tenyo_map_new(&s.x, &map, err, sizeof err) == TENYO_OK, "%.300s", err);
    double sim[4] = {9, 9, 9, 9};
    CHECK_EQ_INT(tenyo_map_doc_similarity(map, 6, sim, 4), 4);
    CHECK_NEAR(sim[0], 0.6, 0.01);
    CHECK_NEAR(sim[1], -0.6, 0.01);
    CHECK_NEAR(sim[2], 0.8, 0.01);
    CHECK_NEAR(sim[3], -0.8, 0.01);
    CHECK_NEAR(sim[0] * sim[0] + sim[2] * sim[2], 1.0, 1e-9); /* a unit direction */
    /* fewer asked, fewer written */
    sim[1] = 9;
    CHECK_EQ_INT(tenyo_map_doc_similarity(map, 6, sim, 1), 1);
    CHECK(sim[1] == 9);
    /* a query vector, not normalised: cosines all the same */
    struct tenyo_ctx c;
    float q[3] = {0, -3, 4};
    memset(&c, 0, sizeof c);
    c.idx = &s.x;
    c.qlsa = q;
    CHECK_EQ_INT(tenyo_map_query_similarity(map, &c, sim, 9), 4);
    CHECK_NEAR(sim[0], 0, 1e-12);
    CHECK_NEAR(sim[2], -0.6, 1e-7);
    CHECK_NEAR(sim[3], 0.6, 1e-7);
    q[1] = q[2] = 0;
    CHECK_EQ_INT(tenyo_map_query_similarity(map, &c, sim, 4), TENYO_ERR_ARG); /* no query */
    CHECK_EQ_INT(tenyo_map_doc_similarity(map, 7, sim, 4), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_doc_similarity(map, 0, NULL, 4), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_map_doc_similarity(NULL, 0, sim, 4), TENYO_ERR_ARG);
    tenyo_map_free(map);
}
