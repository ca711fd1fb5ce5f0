/*
 * test_ivf.c — the IVF approximate search (search/ivf.c): exactness when
 * every list is probed, recall when few are, serialisation round trip,
 * damaged blobs refused, determinism for a seed and any thread count.
 *
 * Data: seeded clustered unit vectors (centres plus Gaussian noise), the
 * shape LSA document vectors have (documents of one field close together);
 * the oracle is the exact brute-force scan with cblas_sdot, the same
 * float dot product the IVF re-ranks with, so scores compare bit for bit.
 */
#include "api/api.h"
#include "test.h"

#include <fcntl.h>
#include <unistd.h>

#include <cblas.h>
#include <stdlib.h>

static uint64_t tiv_rng;
static uint64_t tiv_u64(void) { /* splitmix64 */
    uint64_t z = (tiv_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double tiv_gauss(void) {
    double u0 = ((double)(tiv_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u1 = ((double)(tiv_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    return sqrt(-2 * log(u0)) * cos(6.283185307179586 * u1);
}

static void tiv_unit(float *x, size_t k) {
    double s = 0;
    for (size_t i = 0; i < k; i++) s += (double)x[i] * x[i];
    for (size_t i = 0; i < k; i++) x[i] = (float)(x[i] / sqrt(s));
}

/* n clustered unit rows of dim (ncent centres, noise sd `noise`). */
static float *tiv_data(size_t n, size_t dim, size_t ncent, double noise, uint64_t seed) {
    tiv_rng = seed;
    float *c = malloc(ncent * dim * sizeof *c), *x = malloc(n * dim * sizeof *x);
    if (!c || !x) {
        free(c);
        free(x);
        return NULL;
    }
    for (size_t i = 0; i < ncent * dim; i++) c[i] = (float)tiv_gauss();
    for (size_t j = 0; j < ncent; j++) tiv_unit(c + j * dim, dim);
    for (size_t r = 0; r < n; r++) {
        size_t j = (size_t)(tiv_u64() % ncent);
        for (size_t i = 0; i < dim; i++)
            x[r * dim + i] = c[j * dim + i] + (float)(noise * tiv_gauss() / sqrt((double)dim));
        tiv_unit(x + r * dim, dim);
    }
    free(c);
    return x;
}

/* Exact top k of q over x by cblas_sdot. */
static size_t tiv_exact(const float *x, size_t n, size_t dim, const float *q, size_t k,
                        tenyo_hit *out) {
    ty_topk t;
    ty_topk_init(&t, out, k);
    for (size_t d = 0; d < n; d++)
        ty_topk_push(&t, d, cblas_sdot((int)dim, x + d * dim, 1, q, 1));
    return ty_topk_finish(&t);
}

static int tiv_same_ivf(const ty_ivf *a, const ty_ivf *b) {
    if (a->n != b->n || a->dim != b->dim || a->nlist != b->nlist || a->maxlist != b->maxlist)
        return 0;
    return !memcmp(a->cent, b->cent, (size_t)a->nlist * a->dim * sizeof *a->cent) &&
           !memcmp(a->off, b->off, ((size_t)a->nlist + 1) * sizeof *a->off) &&
           !memcmp(a->ids, b->ids, a->n * sizeof *a->ids) && !memcmp(a->q, b->q, a->n * a->dim) &&
           !memcmp(a->scale, b->scale, a->n * sizeof *a->scale) &&
           !memcmp(a->sum, b->sum, a->n * sizeof *a->sum);
}

/* Every list probed and every member re-ranked: the exact top k, bits and
 * order; lists partition the documents. */
TY_TEST(ivf_all_lists_equal_exact) {
    size_t n = 3000, dim = 48, k = 10;
    float *x = tiv_data(n, dim, 40, 0.8, 7);
    CHECK(x);
    ty_ivf v;
    ty_ivf_opts o = {0};
    o.seed = 1;
    char err[TY_ERRLEN] = "";
    int rc = ty_ivf_build(x, n, (uint32_t)dim, &o, &v, err, sizeof err);
    CHECKF(rc == 0, "%.200s", err);
    CHECK_EQ_INT(v.nlist, 219);              /* 4 sqrt(3000) */
    CHECK_EQ_INT(v.off[v.nlist], n);
    uint64_t nonempty = 0;
    for (uint32_t l = 0; l < v.nlist; l++) nonempty += v.off[l + 1] > v.off[l];
    CHECKF(nonempty > v.nlist / 2, "only %llu of %u lists used", (unsigned long long)nonempty,
           v.nlist);
    ty_ivf_scratch s = {0};
    ty_ivf_query qo = {v.nlist, n, NULL, NULL};
    tenyo_hit got[10], want[10];
    int bad = 0;
    for (size_t j = 0; j < 25; j++) {
        const float *q = x + (j * 97 % n) * dim;
        size_t nw = tiv_exact(x, n, dim, q, k, want);
        int ng = ty_ivf_search(&v, x, q, k, &qo, &s, got);
        if (ng != (int)nw) bad++;
        for (size_t i = 0; i < nw && ng == (int)nw; i++)
            if (got[i].doc != want[i].doc || got[i].score != want[i].score) bad++;
    }
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    free(x);
    CHECK_EQ_INT(bad, 0);
}

/* Without float rows (x NULL, an index's case) the re-ranking scores come
 * from the lists' own codes: every list probed and every candidate
 * re-ranked equals the exact scan of the dequantised rows (ty_q8_dot),
 * score for score, ids and tie order included. */
TY_TEST(ivf_rerank_from_codes_exact) {
    size_t n = 2000, dim = 32, k = 10;
    float *x = tiv_data(n, dim, 30, 0.8, 11);
    CHECK(x);
    ty_q8 q8;
    CHECK_EQ_INT(ty_q8_build(x, n, dim, &q8), TENYO_OK);
    ty_ivf v;
    ty_ivf_opts o = {0};
    o.seed = 3;
    char err[TY_ERRLEN] = "";
    ty_buf blob = {0};
    int rc = ty_ivf_build(x, n, (uint32_t)dim, &o, &v, err, sizeof err);
    CHECKF(rc == 0, "%.200s", err);
    CHECK_EQ_INT(ty_ivf_write(&v, &blob), TENYO_OK);
    ty_ivf_free(&v);
    /* read back over the codes only, as an index does */
    rc = ty_ivf_read(blob.p, blob.len, NULL, n, (uint32_t)dim, &q8, &v, err, sizeof err);
    CHECKF(rc == 0, "%.200s", err);
    ty_ivf_scratch s = {0};
    ty_ivf_query all = {v.nlist, n, NULL, NULL}, plain = {v.nlist, 0, NULL, NULL};
    float *sc = malloc(n * sizeof *sc);
    CHECK(sc);
    int bad = 0, badplain = 0;
    for (size_t j = 0; sc && j < 20; j++) {
        const float *q = x + (j * 131 % n) * dim;
        ty_q8_dots(&q8, q, sc);
        tenyo_hit want[10], got[10];
        ty_topk t;
        ty_topk_init(&t, want, k);
        for (uint64_t d = 0; d < n; d++) ty_topk_push(&t, d, sc[d]);
        size_t nw = ty_topk_finish(&t);
        int ng = ty_ivf_search(&v, NULL, q, k, &all, &s, got);
        if (ng != (int)nw) bad++;
        for (size_t i = 0; i < nw && ng == (int)nw; i++)
            if (got[i].doc != want[i].doc || got[i].score != want[i].score) bad++;
        /* int8 scores only: still documents (not list positions), in order */
        ng = ty_ivf_search(&v, NULL, q, k, &plain, &s, got);
        if (ng != (int)k) badplain++;
        for (int i = 0; i < ng; i++)
            if (got[i].doc >= n || (i && (got[i].score > got[i - 1].score ||
                                          (got[i].score == got[i - 1].score &&
                                           got[i].doc <= got[i - 1].doc))))
                badplain++;
        int found = 0; /* the query itself is a document: found first */
        for (int i = 0; i < ng; i++) found |= got[i].doc == j * 131 % n;
        if (!found) badplain++;
    }
    free(sc);
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    ty_buf_free(&blob);
    ty_q8_free(&q8);
    free(x);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(badplain, 0);
}

/* The codes of x (n x dim) twice: as unit rows with their statistics
 * (*ready) and with them pending (*pend), each owning a copy; b8 the
 * quantisation they came from. 0, or -1 when out of memory. */
static int tiv_ready_pending(const float *x, size_t n, size_t dim, ty_q8 *b8, ty_q8 *ready,
                             ty_q8 *pend) {
    if (ty_q8_build(x, n, dim, b8) != TENYO_OK) return -1;
    int8_t *c1 = malloc(n * dim), *c2 = malloc(n * dim);
    if (!c1 || !c2) {
        free(c1);
        free(c2);
        return -1;
    }
    memcpy(c1, b8->q, n * dim);
    memcpy(c2, b8->q, n * dim);
    if (ty_q8_adopt(ready, c1, n, dim) != TENYO_OK) {
        free(c1);
        free(c2);
        return -1;
    }
    if (ty_q8_adopt_codes(pend, c2, n, dim) != TENYO_OK) {
        free(c2);
        return -1;
    }
    return 0;
}

/* Lists read alone (no codes: an index's open) score their members from
 * the index's rows, ty_ivf_query.base: the same hits and score bits as
 * lists holding their own gathered codes, whether the rows' statistics
 * are pending (computed from each row's codes) or filled; ty_q8_scan_ids
 * and ty_q8_row agree with the whole scan bit for bit either way; lists
 * alone without rows are refused. */
TY_TEST(ivf_lists_alone_score_from_rows) {
    static const size_t dims[] = {40, 256};
    for (size_t t = 0; t < 2; t++) {
        size_t n = 1500, dim = dims[t], k = 10;
        float *x = tiv_data(n, dim, 25, 0.8, 5 + (unsigned)t);
        CHECK(x);
        ty_q8 b8, ready, pend;
        CHECK_EQ_INT(tiv_ready_pending(x, n, dim, &b8, &ready, &pend), 0);
        ty_ivf v;
        ty_ivf_opts o = {0};
        o.seed = 9;
        char err[TY_ERRLEN] = "";
        ty_buf blob = {0};
        CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &v, err, sizeof err) == 0, "%.200s", err);
        CHECK_EQ_INT(ty_ivf_write(&v, &blob), TENYO_OK);
        ty_ivf_free(&v);
        ty_ivf own, alone;
        CHECK_EQ_INT(ty_ivf_read(blob.p, blob.len, NULL, n, (uint32_t)dim, &ready, &own, err,
                                 sizeof err), 0);
        CHECK_EQ_INT(ty_ivf_read(blob.p, blob.len, NULL, n, (uint32_t)dim, NULL, &alone, err,
                                 sizeof err), 0);
        CHECK(own.q && !alone.q);
        ty_ivf_scratch s = {0};
        int bad = 0;
        float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        uint32_t *ids = malloc(n * sizeof *ids);
        CHECK(a && b && ids);
        for (size_t i = 0; i < n; i++) ids[i] = (uint32_t)((i * 7919) % n);
        for (size_t j = 0; j < 12; j++) {
            const float *q = x + (j * 211 % n) * dim;
            ty_q8_query qp;
            ty_q8_prepare(q, dim, &qp);
            ty_q8_scan_prepared(&ready, &qp, a);
            ty_q8_scan_ids(&pend, &qp, ids, n, b);
            for (size_t i = 0; i < n; i++) bad += memcmp(&a[ids[i]], &b[i], sizeof *b) != 0;
            ty_q8_scan_ids(&ready, &qp, ids, n, b);
            for (size_t i = 0; i < n; i++) bad += memcmp(&a[ids[i]], &b[i], sizeof *b) != 0;
            float ra[256], rb[256];
            ty_q8_row(&ready, j * 13 % n, ra);
            ty_q8_row(&pend, j * 13 % n, rb);
            bad += memcmp(ra, rb, dim * sizeof *ra) != 0;
            bad += ty_q8_dot(&ready, j, q) != ty_q8_dot(&pend, j, q);
            uint32_t probes[] = {1, 3, alone.nlist};
            size_t reranks[] = {0, 40};
            for (size_t pi = 0; pi < 3; pi++)
                for (size_t ri = 0; ri < 2; ri++) {
                    ty_ivf_query qo = {probes[pi], reranks[ri], NULL, NULL};
                    tenyo_hit want[10], got[10];
                    int nw = ty_ivf_search(&own, NULL, q, k, &qo, &s, want);
                    const ty_q8 *bases[] = {&pend, &ready};
                    for (int bi = 0; bi < 2; bi++) {
                        qo.base = bases[bi];
                        int ng = ty_ivf_search(&alone, NULL, q, k, &qo, &s, got);
                        if (ng != nw || nw <= 0) bad++;
                        for (int i = 0; i < nw && ng == nw; i++)
                            bad += got[i].doc != want[i].doc ||
                                   memcmp(&got[i].score, &want[i].score, sizeof got[i].score);
                    }
                    qo.base = NULL;
                    if (ty_ivf_search(&alone, NULL, q, k, &qo, &s, got) != TENYO_ERR_ARG) bad++;
                }
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(ty_q8_finish_stats(&pend, 2), TENYO_OK);
        CHECK(!memcmp(pend.scale, ready.scale, n * sizeof *pend.scale) &&
              !memcmp(pend.sum, ready.sum, n * sizeof *pend.sum));
        free(a);
        free(b);
        free(ids);
        ty_ivf_scratch_free(&s);
        ty_ivf_free(&own);
        ty_ivf_free(&alone);
        ty_buf_free(&blob);
        ty_q8_free(&ready);
        ty_q8_free(&pend);
        ty_q8_free(&b8);
        free(x);
    }
}

/* Codes read from a file (ty_q8.src: pread into a reused buffer) score,
 * dequantise and re-score bit for bit as the codes in memory, with the
 * rows' statistics pending (computed from each row) and, after
 * ty_q8_finish_stats, from the mapping again; a file cut short falls back
 * to the codes in memory. */
TY_TEST(q8_src_reads_same_bits) {
    size_t n = 3001, dim = 72;
    float *x = tiv_data(n, dim, 12, 0.7, 41);
    CHECK(x);
    ty_q8 b8, ready, pend;
    CHECK_EQ_INT(tiv_ready_pending(x, n, dim, &b8, &ready, &pend), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/q8src.bin", ty_test_tmpdir());
    FILE *f = fopen(path, "wb");
    CHECK(f);
    static const char pad[100] = {0};
    CHECK(fwrite(pad, 1, sizeof pad, f) == sizeof pad &&
          fwrite(ready.q, 1, n * dim, f) == n * dim);
    fclose(f);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ty_q8_src src = {fd, sizeof pad};
    pend.src = &src;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    CHECK(a && b);
    int bad = 0;
    for (int round = 0; round < 3; round++) {
        if (round == 1) CHECK(truncate(path, (off_t)(sizeof pad + n * dim / 2)) == 0);
        for (size_t j = 0; j < 6; j++) {
            const float *q = x + (j * 499 % n) * dim;
            ty_q8_query qp;
            ty_q8_prepare(q, dim, &qp);
            ty_q8_scan_prepared(&ready, &qp, a);
            ty_q8_scan_range(&pend, &qp, 0, n / 3, b);
            ty_q8_scan_range(&pend, &qp, n / 3, n, b);
            bad += memcmp(a, b, n * sizeof *a) != 0;
            ty_q8_dots_range(&ready, q, 0, n, a);
            ty_q8_dots_range(&pend, q, 0, n, b);
            bad += memcmp(a, b, n * sizeof *a) != 0;
            for (uint64_t d = j; d < n; d += 97)
                bad += ty_q8_dot(&ready, d, q) != ty_q8_dot(&pend, d, q);
        }
        if (round == 1) { /* the file whole again, then the pass made */
            close(fd);
            f = fopen(path, "wb");
            CHECK(f && fwrite(pad, 1, sizeof pad, f) == sizeof pad &&
                  fwrite(pend.q, 1, n * dim, f) == n * dim);
            fclose(f);
            fd = src.fd = open(path, O_RDONLY);
            CHECK(fd >= 0);
            CHECK_EQ_INT(ty_q8_finish_stats(&pend, 2), TENYO_OK);
        }
    }
    CHECK_EQ_INT(bad, 0);
    close(fd);
    free(a);
    free(b);
    ty_q8_free(&ready);
    ty_q8_free(&pend);
    ty_q8_free(&b8);
    free(x);
}

/* A quarter of the lists, re-ranking 50: recall@10 stays high on
 * clustered data; a single probe without re-ranking is clearly worse
 * (the knobs do something). */
TY_TEST(ivf_recall_few_lists) {
    size_t n = 4000, dim = 32, k = 10, nq = 40;
    float *x = tiv_data(n, dim, 30, 0.9, 11);
    CHECK(x);
    ty_ivf v;
    ty_ivf_opts o = {0};
    o.nlist = 64;
    o.seed = 3;
    char err[TY_ERRLEN] = "";
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &v, err, sizeof err) == 0, "%.200s", err);
    ty_ivf_scratch s = {0};
    ty_ivf_query wide = {16, 50, NULL, NULL}, one = {1, 0, NULL, NULL};
    tenyo_hit got[10], want[10];
    double hw = 0, h1 = 0;
    int maxdiff_ok = 1;
    for (size_t j = 0; j < nq; j++) {
        float q[32];
        for (size_t i = 0; i < dim; i++)
            q[i] = x[(j * 131 % n) * dim + i] + (float)(0.3 * tiv_gauss() / sqrt((double)dim));
        tiv_unit(q, dim);
        tiv_exact(x, n, dim, q, k, want);
        int ng = ty_ivf_search(&v, x, q, k, &wide, &s, got);
        for (int a = 0; a < ng; a++)
            for (size_t b = 0; b < k; b++) hw += got[a].doc == want[b].doc;
        ng = ty_ivf_search(&v, x, q, k, &one, &s, got);
        for (int a = 0; a < ng; a++) {
            for (size_t b = 0; b < k; b++) h1 += got[a].doc == want[b].doc;
            /* int8 scores approximate the cosine */
            float e = cblas_sdot((int)dim, x + got[a].doc * dim, 1, q, 1);
            if (fabsf(e - got[a].score) > 0.03f) maxdiff_ok = 0;
        }
    }
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    free(x);
    double rw = hw / (double)(k * nq), r1 = h1 / (double)(k * nq);
    CHECKF(rw >= 0.95, "recall@10 with 16/64 lists %.3f", rw);
    CHECKF(r1 < rw, "one list %.3f not below 16 lists %.3f", r1, rw);
    CHECK(maxdiff_ok);
}

/* Write, read back (codes from the floats and from an int8 copy): the same
 * structure and the same answers; same seed, same bytes, any thread count. */
TY_TEST(ivf_roundtrip_and_determinism) {
    size_t n = 1500, dim = 24;
    float *x = tiv_data(n, dim, 20, 0.8, 5);
    CHECK(x);
    ty_ivf a, b, c, d;
    ty_ivf_opts o = {0};
    o.seed = 42;
    o.train = 600;
    char err[TY_ERRLEN] = "";
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &a, err, sizeof err) == 0, "%.200s", err);
    o.threads = 2;
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &b, err, sizeof err) == 0, "%.200s", err);
    CHECK(tiv_same_ivf(&a, &b));
    ty_ivf_free(&b);
    o.threads = 0;
    o.seed = 43;
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &b, err, sizeof err) == 0, "%.200s", err);
    CHECK(!tiv_same_ivf(&a, &b)); /* the seed matters */
    ty_ivf_free(&b);

    ty_buf blob = {0}, blob2 = {0};
    CHECK_EQ_INT(ty_ivf_write(&a, &blob), 0);
    CHECK_EQ_INT(blob.len, 56 + 4 * a.nlist * dim + 4 * a.nlist + 4 * n + 8);
    CHECKF(ty_ivf_read(blob.p, blob.len, x, n, (uint32_t)dim, NULL, &c, err, sizeof err) == 0,
           "%.200s", err);
    CHECK(tiv_same_ivf(&a, &c));
    CHECK_EQ_INT(c.seed, 42);
    CHECK_EQ_INT(c.train, 600);
    CHECK_EQ_INT(c.iters, a.iters);
    ty_q8 q8;
    CHECK_EQ_INT(ty_q8_build(x, n, dim, &q8), 0);
    CHECKF(ty_ivf_read(blob.p, blob.len, x, n, (uint32_t)dim, &q8, &d, err, sizeof err) == 0,
           "%.200s", err);
    CHECK(tiv_same_ivf(&a, &d));
    CHECK_EQ_INT(ty_ivf_write(&d, &blob2), 0);
    CHECK(blob2.len == blob.len && !memcmp(blob.p, blob2.p, blob.len));
    ty_ivf_scratch s = {0};
    ty_ivf_query qo = {4, 30, NULL, NULL};
    tenyo_hit h1[10], h2[10];
    int same = 1;
    for (size_t j = 0; j < 10; j++) {
        const float *q = x + j * 13 * dim;
        int n1 = ty_ivf_search(&a, x, q, 10, &qo, &s, h1);
        int n2 = ty_ivf_search(&d, x, q, 10, &qo, &s, h2);
        if (n1 != 10 || n2 != n1) same = 0;
        for (int i = 0; i < n1 && same; i++) /* fields: tenyo_hit has padding */
            if (h1[i].doc != h2[i].doc || h1[i].score != h2[i].score) same = 0;
    }
    CHECK(same);
    /* the query's own document comes first with cosine 1 */
    CHECK_EQ_INT(h1[0].doc, 9 * 13);
    CHECK_NEAR(h1[0].score, 1.0, 1e-5);
    ty_ivf_scratch_free(&s);
    ty_q8_free(&q8);
    ty_buf_free(&blob);
    ty_buf_free(&blob2);
    ty_ivf_free(&a);
    ty_ivf_free(&c);
    ty_ivf_free(&d);
    free(x);
}

/* Patch a u32 into a blob and fix its checksum, so the structural checks
 * (not the checksum) must catch it. */
static void tiv_patch(unsigned char *p, size_t len, size_t off, uint32_t v) {
    for (int i = 0; i < 4; i++) p[off + i] = (unsigned char)(v >> (8 * i));
    uint64_t h = ty_fnv1a(p, len - 8);
    for (int i = 0; i < 8; i++) p[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

/* Truncated, extended, bit-flipped and structurally wrong blobs are refused
 * with the right code and leave the output zeroed; none crashes. */
TY_TEST(ivf_damaged_blobs_refused) {
    size_t n = 300, dim = 8;
    float *x = tiv_data(n, dim, 10, 0.8, 9);
    CHECK(x);
    ty_ivf a, r;
    ty_ivf_opts o = {0};
    char err[TY_ERRLEN] = "";
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &a, err, sizeof err) == 0, "%.200s", err);
    ty_buf blob = {0};
    CHECK_EQ_INT(ty_ivf_write(&a, &blob), 0);
    size_t len = blob.len;
    unsigned char *p = malloc(len + 16);
    CHECK(p);
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) { /* every truncation */
        memcpy(p, blob.p, cut);
        if (ty_ivf_read(p, cut, x, n, (uint32_t)dim, NULL, &r, err, sizeof err) !=
                TENYO_ERR_CORRUPT || r.cent)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    memcpy(p, blob.p, len);
    memset(p + len, 0, 16);
    CHECK_EQ_INT(ty_ivf_read(p, len + 16, x, n, (uint32_t)dim, NULL, &r, err, sizeof err),
                 TENYO_ERR_CORRUPT);
    for (size_t i = 0; i < len; i++) { /* every byte, one bit flipped */
        memcpy(p, blob.p, len);
        p[i] ^= (unsigned char)(1u << (i % 8));
        int rc = ty_ivf_read(p, len, x, n, (uint32_t)dim, NULL, &r, err, sizeof err);
        if (rc == 0) {
            bad++;
            ty_ivf_free(&r);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* consistent checksum, wrong content */
    size_t ids = 56 + 4 * a.nlist * dim + 4 * a.nlist, sizes = ids - 4 * a.nlist;
    struct { size_t off; uint32_t val; int want; } cases[] = {
        {8, 2, TENYO_ERR_VERSION},                     /* newer version */
        {8, 0, TENYO_ERR_CORRUPT},                     /* version 0 */
        {12, 1, TENYO_ERR_CORRUPT},                    /* flags */
        {16, (uint32_t)n + 1, TENYO_ERR_MISMATCH},     /* other n */
        {24, (uint32_t)dim * 2, TENYO_ERR_MISMATCH},   /* other dim */
        {28, (uint32_t)n + 1, TENYO_ERR_CORRUPT},      /* nlist > n */
        {28, 0, TENYO_ERR_CORRUPT},                    /* no lists */
        {28, a.nlist - 1, TENYO_ERR_CORRUPT},          /* size disagrees */
        {48, 100000, TENYO_ERR_CORRUPT},               /* iterations */
        {56, 0x7fc00000u, TENYO_ERR_CORRUPT},          /* NaN centroid */
        {sizes, 0xffffffffu, TENYO_ERR_CORRUPT},       /* list overruns */
        {sizes, (uint32_t)(a.off[1] + 1), TENYO_ERR_CORRUPT}, /* sum != n */
        {ids, (uint32_t)n, TENYO_ERR_CORRUPT},         /* id out of range */
        {ids + 4 * (n - 1), a.ids[0], TENYO_ERR_CORRUPT}, /* repeated id */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(p, blob.p, len);
        tiv_patch(p, len, cases[c].off, cases[c].val);
        int rc = ty_ivf_read(p, len, x, n, (uint32_t)dim, NULL, &r, err, sizeof err);
        CHECKF(rc == cases[c].want && !r.cent && !r.ids,
               "case %zu (offset %zu): rc %d, want %d (%.200s)", c, cases[c].off, rc,
               cases[c].want, err);
    }
    /* ids out of order within a list (swap the first two of a list of 2+) */
    for (uint32_t l = 0; l < a.nlist; l++) {
        if (a.off[l + 1] - a.off[l] < 2) continue;
        memcpy(p, blob.p, len);
        size_t at = ids + 4 * a.off[l];
        tiv_patch(p, len, at, a.ids[a.off[l] + 1]);
        tiv_patch(p, len, at + 4, a.ids[a.off[l]]);
        CHECK_EQ_INT(ty_ivf_read(p, len, x, n, (uint32_t)dim, NULL, &r, err, sizeof err),
                     TENYO_ERR_CORRUPT);
        break;
    }
    CHECK_EQ_INT(ty_ivf_read(blob.p, len, x, n, (uint32_t)dim, NULL, &r, err, sizeof err), 0);
    ty_ivf_free(&r);
    free(p);
    ty_buf_free(&blob);
    ty_ivf_free(&a);
    free(x);
}

/* Arguments are checked before any work. */
TY_TEST(ivf_bad_arguments) {
    float x[4 * 3] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0};
    ty_ivf v;
    ty_ivf_opts o = {0};
    char err[TY_ERRLEN] = "";
    CHECK_EQ_INT(ty_ivf_build(x, 0, 3, &o, &v, err, sizeof err), TENYO_ERR_ARG);
    CHECK_EQ_INT(ty_ivf_build(x, 4, 0, &o, &v, err, sizeof err), TENYO_ERR_ARG);
    CHECK_EQ_INT(ty_ivf_build(NULL, 4, 3, &o, &v, err, sizeof err), TENYO_ERR_ARG);
    o.nlist = 5;
    CHECK_EQ_INT(ty_ivf_build(x, 4, 3, &o, &v, err, sizeof err), TENYO_ERR_ARG);
    o.nlist = 2;
    o.iters = -1;
    CHECK_EQ_INT(ty_ivf_build(x, 4, 3, &o, &v, err, sizeof err), TENYO_ERR_ARG);
    o.iters = 0;
    CHECK_EQ_INT(ty_ivf_build(x, 4, 3, &o, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v.nlist, 2);
    ty_ivf_scratch s = {0};
    ty_ivf_query qo = {0, 0, NULL, NULL}; /* nprobe 0 is clamped to 1 */
    tenyo_hit h[8];
    CHECK_EQ_INT(ty_ivf_search(&v, x, x, 0, &qo, &s, h), 0);
    CHECK_EQ_INT(ty_ivf_search(&v, x, NULL, 2, &qo, &s, h), TENYO_ERR_ARG);
    qo.nprobe = 2;
    qo.rerank = 100;
    CHECK_EQ_INT(ty_ivf_search(&v, x, x, 8, &qo, &s, h), 4); /* only 4 docs */
    CHECK(h[0].doc == 0 || h[0].doc == 3);
    CHECK_NEAR(h[0].score, 1.0, 1e-6);
    CHECK_EQ_INT(ty_ivf_bytes(&v), 2 * (3 * 4 + 3 + 8) + 3 * 8 + 4 * (4 + 3 + 4 + 4));
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    ty_ivf_free(NULL);
    ty_ivf_scratch_free(NULL);
}

/* ------------------------------------------------------ float16 (half.c) */

/* Every float16 kernel this CPU has gives the portable kernel's bits:
 * float to half (round to nearest even, edges included), half to float
 * and back for every finite half, and the dot product at odd lengths. */
TY_TEST(ivf_f16_kernels_same_bits) {
    static const float edge[] = {0.f, -0.f, 1.f, -1.f, 65504.f, 65519.f, 65520.f, -70000.f,
                                 6.1035156e-05f, 6.0975552e-05f, 5.9604645e-08f,
                                 2.9802322e-08f, 2.9802326e-08f, 1e-10f, 0.33333334f,
                                 1.0009766f, 1.0004883f, 1.0014648f, INFINITY, -INFINITY};
    enum { NE = sizeof edge / sizeof edge[0], NR = 4096 };
    float *x = malloc((NE + NR) * sizeof *x), *q = malloc(NR * sizeof *q);
    uint16_t *hc = malloc((NE + NR) * sizeof *hc), *hk = malloc((NE + NR) * sizeof *hk);
    float *back = malloc(65536 * sizeof *back);
    uint16_t *all = malloc(65536 * sizeof *all), *again = malloc(65536 * sizeof *again);
    CHECK(x && q && hc && hk && back && all && again);
    memcpy(x, edge, sizeof edge);
    tiv_rng = 5;
    for (size_t i = 0; i < NR; i++) {
        x[NE + i] = (float)(tiv_gauss() * pow(2.0, (double)(int)(tiv_u64() % 40) - 28));
        q[i] = (float)tiv_gauss();
    }
    CHECK_EQ_INT(ty_f16_set_kernel("c"), 0);
    ty_f16_from_floats(x, NE + NR, hc);
    /* round to nearest even, the edges by hand */
    CHECK_EQ_INT(hc[2], 0x3c00);
    CHECK_EQ_INT(hc[4], 0x7bff);
    CHECK_EQ_INT(hc[5], 0x7bff); /* 65519 rounds down */
    CHECK_EQ_INT(hc[6], 0x7c00); /* 65520 rounds to infinity */
    CHECK_EQ_INT(hc[7], 0xfc00);
    CHECK_EQ_INT(hc[8], 0x0400); /* smallest normal */
    CHECK_EQ_INT(hc[10], 0x0001); /* smallest subnormal */
    CHECK_EQ_INT(hc[11], 0x0000); /* half of it: ties to even, 0 */
    CHECK_EQ_INT(hc[12], 0x0001);
    CHECK_EQ_INT(hc[15], 0x3c01); /* 1 + an ulp */
    CHECK_EQ_INT(hc[16], 0x3c00); /* 1 + half an ulp: even, down */
    CHECK_EQ_INT(hc[17], 0x3c02); /* 1 + 1.5 ulp: even, up */
    for (uint32_t i = 0; i < 65536; i++) all[i] = (uint16_t)i;
    ty_f16_to_floats(all, 65536, back);
    const size_t lens[] = {1, 15, 16, 17, 33, 256, 300, 4096};
    float dc[8];
    for (size_t l = 0; l < 8; l++) dc[l] = ty_f16_dot(hc + NE, q, lens[l]);
    static const char *const names[] = {"c", "f16c", "avx512"};
    int tried = 0;
    for (size_t kk = 0; kk < 3; kk++) {
        if (ty_f16_set_kernel(names[kk])) continue; /* not on this CPU */
        tried++;
        ty_f16_from_floats(x, NE + NR, hk);
        CHECKF(!memcmp(hc, hk, (NE + NR) * sizeof *hc), "kernel %s: other halves",
               names[kk]);
        /* every finite half survives half -> float -> half */
        size_t nf = 0;
        for (uint32_t i = 0; i < 65536; i++)
            if ((i & 0x7c00) != 0x7c00) back[nf] = back[i], all[nf++] = (uint16_t)i;
        ty_f16_from_floats(back, nf, again);
        CHECKF(!memcmp(all, again, nf * sizeof *all), "kernel %s: round trip", names[kk]);
        for (uint32_t i = 0; i < 65536; i++) all[i] = (uint16_t)i; /* the table again */
        ty_f16_to_floats(all, 65536, back);
        for (size_t l = 0; l < 8; l++) {
            float d = ty_f16_dot(hc + NE, q, lens[l]);
            CHECKF(!memcmp(&d, &dc[l], 4), "kernel %s, length %zu: %.9g vs %.9g", names[kk],
                   lens[l], d, dc[l]);
        }
    }
    ty_f16_set_kernel(NULL);
    CHECK(tried >= 1);
    /* the dot product is a dot product */
    double ref = 0;
    for (size_t i = 0; i < 300; i++) ref += (double)back[hc[NE + i]] * q[i];
    CHECK_NEAR(dc[6], ref, 1e-3 * (1 + fabs(ref)));
    free(x);
    free(q);
    free(hc);
    free(hk);
    free(back);
    free(all);
    free(again);
}

/* Re-ranking from float16 rows: with every list probed, the answers are
 * the float top k (recall 1 up to float16's rounding of near ties) with
 * scores within float16's error; from the int8 codes the recall against
 * the floats is lower on near ties, which is what the float16 copy is
 * for. Few lists: recall against the floats as ivf_recall_few_lists. */
TY_TEST(ivf_rerank_from_f16_recall) {
    size_t n = 4000, dim = 64, k = 10, nq = 60;
    float *x = tiv_data(n, dim, 8, 1.6, 21); /* broad clusters: many near ties */
    CHECK(x);
    uint16_t *xh = malloc(n * dim * sizeof *xh);
    CHECK(xh);
    ty_f16_from_floats(x, n * dim, xh);
    ty_q8 q8;
    CHECK_EQ_INT(ty_q8_build(x, n, dim, &q8), TENYO_OK);
    ty_ivf v;
    ty_ivf_opts o = {0};
    o.nlist = 32;
    o.seed = 3;
    char err[TY_ERRLEN] = "";
    ty_buf blob = {0};
    CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &v, err, sizeof err) == 0, "%.200s", err);
    CHECK_EQ_INT(ty_ivf_write(&v, &blob), TENYO_OK);
    ty_ivf_free(&v);
    CHECK_EQ_INT(ty_ivf_read(blob.p, blob.len, NULL, n, (uint32_t)dim, &q8, &v, err, sizeof err),
                 0);
    ty_ivf_scratch s = {0};
    ty_ivf_query f16all = {v.nlist, 100, xh, NULL}, codes = {v.nlist, 100, NULL, NULL},
                 f16few = {8, 100, xh, NULL};
    double hf = 0, hc = 0, hw = 0, maxerr = 0;
    for (size_t j = 0; j < nq; j++) {
        float q[64];
        for (size_t i = 0; i < dim; i++)
            q[i] = x[(j * 131 % n) * dim + i] + (float)(0.5 * tiv_gauss() / sqrt((double)dim));
        tiv_unit(q, dim);
        tenyo_hit want[10], got[10];
        tiv_exact(x, n, dim, q, k, want);
        int ng = ty_ivf_search(&v, NULL, q, k, &f16all, &s, got);
        CHECK_EQ_INT(ng, (int)k);
        for (int a = 0; a < ng; a++) {
            for (size_t b = 0; b < k; b++) hf += got[a].doc == want[b].doc;
            float e = cblas_sdot((int)dim, x + got[a].doc * dim, 1, q, 1);
            if (fabs(e - got[a].score) > maxerr) maxerr = fabs(e - got[a].score);
            /* the score is the float16 row's dot product, bit for bit */
            float h = ty_f16_dot(xh + got[a].doc * dim, q, dim);
            CHECK(!memcmp(&h, &got[a].score, 4));
        }
        ng = ty_ivf_search(&v, NULL, q, k, &codes, &s, got);
        for (int a = 0; a < ng; a++)
            for (size_t b = 0; b < k; b++) hc += got[a].doc == want[b].doc;
        ng = ty_ivf_search(&v, NULL, q, k, &f16few, &s, got);
        for (int a = 0; a < ng; a++)
            for (size_t b = 0; b < k; b++) hw += got[a].doc == want[b].doc;
    }
    double rf = hf / (double)(k * nq), rc = hc / (double)(k * nq), rw = hw / (double)(k * nq);
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    ty_buf_free(&blob);
    ty_q8_free(&q8);
    free(xh);
    free(x);
    CHECKF(rf >= 0.995, "recall@10, all lists, float16 re-rank %.4f", rf);
    CHECKF(rf >= rc, "float16 %.4f below the codes' %.4f", rf, rc);
    CHECKF(maxerr < 2e-3, "float16 score off the float cosine by %.2g", maxerr);
    CHECKF(rw >= 0.9, "recall@10, 8 of 32 lists, float16 re-rank %.4f", rw);
}

/* ty_ivf_build in steps, the way tenyo-mpi index runs it: the plan's
 * sample gathered by its rows, k-means on it, the rows assigned in
 * uneven pieces (one of them empty), the lists from the assignments: the
 * same blob as ty_ivf_build, with a strict sample and with the whole. */
TY_TEST(ivf_steps_equal_build) {
    size_t n = 1200, dim = 20;
    float *x = tiv_data(n, dim, 15, 0.8, 9);
    CHECK(x);
    for (int whole = 0; whole < 2; whole++) {
        ty_ivf_opts o = {0};
        o.seed = 7;
        o.nlist = whole ? 40 : 8; /* 64 x 8 = 512 < n: a sample; 64 x 40 > n: all */
        char err[TY_ERRLEN] = "";
        ty_ivf a, b;
        CHECKF(ty_ivf_build(x, n, (uint32_t)dim, &o, &a, err, sizeof err) == 0, "%.200s", err);
        ty_ivf_plan p;
        CHECKF(ty_ivf_plan_new(n, (uint32_t)dim, &o, &p, err, sizeof err) == 0, "%.200s", err);
        CHECK(whole ? p.pick == NULL : p.pick != NULL && p.train == 512);
        float *s = malloc(p.train * dim * sizeof *s);
        uint32_t *asg = malloc(n * sizeof *asg);
        CHECK(s && asg);
        for (uint64_t i = 0; i < p.train; i++)
            memcpy(s + i * dim, x + (p.pick ? p.pick[i] : i) * dim, dim * sizeof *s);
        CHECKF(ty_ivf_train(&p, s, &b, err, sizeof err) == 0, "%.200s", err);
        uint64_t cut[] = {0, 333, 333, 1000, n}; /* rows in four pieces, one empty */
        for (int k = 0; k < 4; k++)
            CHECK_EQ_INT(ty_ivf_assign(&b, x + cut[k] * dim, cut[k + 1] - cut[k], k % 2,
                                       asg + cut[k]), 0);
        CHECK_EQ_INT(ty_ivf_lists(&b, asg), 0);
        ty_buf ba = {0}, bb = {0};
        CHECK_EQ_INT(ty_ivf_write(&a, &ba), 0);
        CHECK_EQ_INT(ty_ivf_write(&b, &bb), 0);
        CHECK(ba.len == bb.len && !memcmp(ba.p, bb.p, ba.len));
        asg[5] = b.nlist; /* a bad assignment is refused */
        CHECK_EQ_INT(ty_ivf_lists(&b, asg), TENYO_ERR_ARG);
        ty_buf_free(&ba);
        ty_buf_free(&bb);
        ty_ivf_free(&a);
        ty_ivf_free(&b);
        ty_ivf_plan_free(&p);
        free(s);
        free(asg);
    }
    free(x);
}

/* ty_ivf_train_with's assignment step the way tenyo-mpi index runs it:
 * the sample rows split over "processes" (uneven pieces, one empty, each
 * with its own thread count, assigned by ty_ivf_assign against the
 * centroids it is handed), the update left to ivf.c. */
typedef struct tiv_split {
    const float *s;     /* the sample, m x dim */
    uint64_t cut[5];    /* piece p: rows cut[p] .. cut[p+1]-1 */
    int calls;          /* iterations seen */
    int bad_at;         /* >= 0: on this call put row 3 in list nlist */
    int fail_at;        /* >= 0: on this call fail with TENYO_ERR_DEPENDENCY */
} tiv_split;

static int tiv_split_assign(void *ud, const float *cent, uint32_t nlist, uint32_t dim,
                            uint64_t m, uint32_t *asg, char *err, size_t errlen) {
    tiv_split *j = ud;
    ty_ivf v;
    memset(&v, 0, sizeof v);
    v.cent = (float *)cent;
    v.nlist = nlist;
    v.dim = dim;
    if (j->fail_at == j->calls++) {
        ty_seterr(err, errlen, "split: process 2 went away");
        return TENYO_ERR_DEPENDENCY;
    }
    j->cut[4] = m;
    for (int p = 0; p < 4; p++) {
        int rc = ty_ivf_assign(&v, j->s + j->cut[p] * dim, j->cut[p + 1] - j->cut[p], p % 3,
                               asg + j->cut[p]);
        if (rc) return rc;
    }
    if (j->bad_at == j->calls - 1) asg[3] = nlist;
    return TENYO_OK;
}

/* The callback-driven k-means gives ty_ivf_train's centroids bit for bit
 * (a strict sample and the whole), one call an iteration; its failure and
 * an out-of-range assignment are reported, not used. */
TY_TEST(ivf_train_with_split_assignments_equal_train) {
    size_t n = 1500, dim = 24;
    float *x = tiv_data(n, dim, 12, 0.9, 21);
    CHECK(x);
    for (int whole = 0; whole < 2; whole++) {
        ty_ivf_opts o = {0};
        o.seed = 11;
        o.nlist = whole ? 30 : 9; /* 64 x 9 = 576 < n: a sample; 64 x 30 > n: all */
        o.iters = 6;
        char err[TY_ERRLEN] = "";
        ty_ivf_plan pa, pb;
        CHECKF(ty_ivf_plan_new(n, (uint32_t)dim, &o, &pa, err, sizeof err) == 0, "%.200s", err);
        CHECKF(ty_ivf_plan_new(n, (uint32_t)dim, &o, &pb, err, sizeof err) == 0, "%.200s", err);
        float *s = malloc(pa.train * dim * sizeof *s);
        CHECK(s);
        for (uint64_t i = 0; i < pa.train; i++)
            memcpy(s + i * dim, x + (pa.pick ? pa.pick[i] : i) * dim, dim * sizeof *s);
        ty_ivf a, b;
        CHECKF(ty_ivf_train(&pa, s, &a, err, sizeof err) == 0, "%.200s", err);
        uint64_t m = pb.train;
        tiv_split j = {s, {0, m / 3, m / 3, m - 7, m}, 0, -1, -1};
        CHECKF(ty_ivf_train_with(&pb, s, tiv_split_assign, &j, &b, err, sizeof err) == 0,
               "%.200s", err);
        CHECK_EQ_INT(j.calls, 6);
        CHECK(a.nlist == b.nlist && a.iters == b.iters && a.iters == 6 && a.train == b.train);
        CHECK(!memcmp(a.cent, b.cent, (size_t)a.nlist * dim * sizeof *a.cent));
        CHECK(pa.rng == pb.rng); /* the same draws (empty-list splits included) */
        ty_ivf_free(&b);
        ty_ivf_plan_free(&pb);
        /* a failing step: its status and message, nothing kept */
        CHECKF(ty_ivf_plan_new(n, (uint32_t)dim, &o, &pb, err, sizeof err) == 0, "%.200s", err);
        tiv_split jf = {s, {0, m / 3, m / 3, m - 7, m}, 0, -1, 2};
        CHECK_EQ_INT(ty_ivf_train_with(&pb, s, tiv_split_assign, &jf, &b, err, sizeof err),
                     TENYO_ERR_DEPENDENCY);
        CHECK(strstr(err, "went away") != NULL && b.cent == NULL);
        ty_ivf_plan_free(&pb);
        /* an assignment out of range: refused before it indexes anything */
        CHECKF(ty_ivf_plan_new(n, (uint32_t)dim, &o, &pb, err, sizeof err) == 0, "%.200s", err);
        tiv_split jb = {s, {0, m / 3, m / 3, m - 7, m}, 0, 1, -1};
        CHECK_EQ_INT(ty_ivf_train_with(&pb, s, tiv_split_assign, &jb, &b, err, sizeof err),
                     TENYO_ERR_CORRUPT);
        CHECK(strstr(err, "sample row 3") != NULL && b.cent == NULL);
        CHECK_EQ_INT(ty_ivf_train_with(&pb, s, NULL, NULL, &b, err, sizeof err), TENYO_ERR_ARG);
        ty_ivf_plan_free(&pb);
        ty_ivf_free(&a);
        ty_ivf_plan_free(&pa);
        free(s);
    }
    free(x);
}
