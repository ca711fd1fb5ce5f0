/*
 * test_model.c — tests of the model layer: TF-IDF weights, the sparse
 * products and the randomized SVD.
 *
 * References are independent of the code under test: weights are checked
 * against numbers worked out by hand (Python's math module), products
 * against a naive dense double loop, the SVD against LAPACK's dense dgesdd
 * on the densified matrix. Singular vectors are compared as subspaces
 * (the singular values of V_rand^T V_dense are the cosines of the principal
 * angles), never by sign. Determinism is checked bit for bit across the
 * library's thread counts (OpenBLAS's own thread count also changes the
 * bits, see svd.c; the test runner pins it with OPENBLAS_NUM_THREADS=1).
 */
#include "test.h"

#include "api/api.h"

#include <cblas.h>
#include <dirent.h>
#include <lapacke.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* ============================================================ helpers */

/* Deterministic test RNG (splitmix64), independent of svd.c's. */
static uint64_t trng_next(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double trng_unif(uint64_t *x) {
    return (double)(trng_next(x) >> 11) * 0x1.0p-53;
}
static double trng_normal(uint64_t *x) {
    double u1 = trng_unif(x), u2 = trng_unif(x);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Random CSR: each entry present with probability dens, every 7th row
 * empty when holes is set, values in [-1, 1). Returns 0 on success. */
static int rand_csr(ty_csr *a, uint64_t nr, uint64_t nc, double dens,
                    int holes, uint64_t seed) {
    memset(a, 0, sizeof *a);
    a->nrows = nr;
    a->ncols = nc;
    size_t cap = 16;
    a->rowptr = calloc(nr + 1, sizeof *a->rowptr);
    a->col = malloc(cap * sizeof *a->col);
    a->val = malloc(cap * sizeof *a->val);
    if (!a->rowptr || !a->col || !a->val) return -1;
    size_t nnz = 0;
    for (uint64_t i = 0; i < nr; i++) {
        if (!(holes && i % 7 == 3))
            for (uint64_t j = 0; j < nc; j++) {
                if (trng_unif(&seed) >= dens) continue;
                if (nnz == cap) {
                    cap *= 2;
                    a->col = realloc(a->col, cap * sizeof *a->col);
                    a->val = realloc(a->val, cap * sizeof *a->val);
                    if (!a->col || !a->val) return -1;
                }
                a->col[nnz] = (uint32_t)j;
                a->val[nnz++] = (float)(2 * trng_unif(&seed) - 1);
            }
        a->rowptr[i + 1] = nnz;
    }
    return 0;
}

/* CSR of a dense row-major matrix (zeros dropped). */
static int dense_to_csr(ty_csr *a, const double *d, uint64_t nr, uint64_t nc) {
    memset(a, 0, sizeof *a);
    a->nrows = nr;
    a->ncols = nc;
    a->rowptr = calloc(nr + 1, sizeof *a->rowptr);
    a->col = malloc((nr * nc + 1) * sizeof *a->col);
    a->val = malloc((nr * nc + 1) * sizeof *a->val);
    if (!a->rowptr || !a->col || !a->val) return -1;
    size_t nnz = 0;
    for (uint64_t i = 0; i < nr; i++) {
        for (uint64_t j = 0; j < nc; j++)
            if (d[i * nc + j] != 0) {
                a->col[nnz] = (uint32_t)j;
                a->val[nnz++] = (float)d[i * nc + j];
            }
        a->rowptr[i + 1] = nnz;
    }
    return 0;
}

/* Dense (double, row-major) copy of a CSR matrix. */
static double *csr_to_dense(const ty_csr *a) {
    double *d = calloc(a->nrows * a->ncols + 1, sizeof *d);
    if (!d) return NULL;
    for (uint64_t i = 0; i < a->nrows; i++)
        for (uint64_t p = a->rowptr[i]; p < a->rowptr[i + 1]; p++)
            d[i * a->ncols + a->col[p]] = a->val[p];
    return d;
}

/* A tf-idf-like sparse matrix: Zipfian term draws (the rank-r term has
 * probability ~ 1/(r+1)^1.07), ~per_row distinct terms a row, weighted
 * with ty_tfidf_row after a real idf. Term ids are shuffled so frequent
 * terms are spread over the columns. */
static int zipf_tfidf(ty_csr *a, uint64_t nr, uint64_t nc, int per_row,
                      uint64_t seed) {
    memset(a, 0, sizeof *a);
    int rc = -1;
    double *cdf = malloc(nc * sizeof *cdf);
    uint32_t *perm = malloc(nc * sizeof *perm);
    uint32_t *df = calloc(nc, sizeof *df);
    float *idf = malloc(nc * sizeof *idf);
    size_t cap = nr * (size_t)per_row + 1;
    a->nrows = nr;
    a->ncols = nc;
    a->rowptr = calloc(nr + 1, sizeof *a->rowptr);
    a->col = malloc(cap * sizeof *a->col);
    a->val = malloc(cap * sizeof *a->val);
    if (!cdf || !perm || !df || !idf || !a->rowptr || !a->col || !a->val)
        goto out;
    double acc = 0;
    for (uint64_t r = 0; r < nc; r++) {
        acc += 1.0 / pow((double)r + 1, 1.07);
        cdf[r] = acc;
        perm[r] = (uint32_t)r;
    }
    for (uint64_t r = nc; r-- > 1;) {
        uint64_t j = trng_next(&seed) % (r + 1);
        uint32_t t = perm[r];
        perm[r] = perm[j];
        perm[j] = t;
    }
    size_t nnz = 0;
    for (uint64_t i = 0; i < nr; i++) {
        size_t start = nnz;
        int draws = per_row + (int)(trng_next(&seed) % (per_row + 1)) - per_row / 2;
        for (int d = 0; d < draws; d++) {
            double u = trng_unif(&seed) * acc;
            uint64_t lo = 0, hi = nc - 1;
            while (lo < hi) {
                uint64_t mid = (lo + hi) / 2;
                if (cdf[mid] < u) lo = mid + 1;
                else hi = mid;
            }
            /* insert term perm[lo] with count 1, or bump its count */
            uint32_t t = perm[lo];
            size_t p = start;
            while (p < nnz && a->col[p] != t) p++;
            if (p < nnz) { a->val[p] += 1; continue; }
            if (nnz == cap) break;
            a->col[nnz] = t;
            a->val[nnz++] = 1;
            df[t]++;
        }
        a->rowptr[i + 1] = nnz;
    }
    ty_idf_compute(df, nc, nr, idf);
    for (uint64_t i = 0; i < nr; i++) {
        size_t s = a->rowptr[i], n = a->rowptr[i + 1] - s;
        ty_tfidf_row_n(a->col + s, a->val + s, &n, idf); /* sorts; n kept */
    }
    rc = 0;
out:
    free(cdf);
    free(perm);
    free(df);
    free(idf);
    return rc;
}

/* Singular values (descending) of a dense row-major m x n double matrix
 * (copied), and optionally the top-k right singular vectors as an n x k
 * row-major array. 0 on success. */
static int dense_svd(const double *d, int m, int n, double *sv, double *vk,
                     int k) {
    int mn = m < n ? m : n;
    double *c = malloc((size_t)m * n * sizeof *c);
    double *uu = malloc((size_t)m * mn * sizeof *uu);
    double *vt = malloc((size_t)mn * n * sizeof *vt);
    int rc = -1;
    if (!c || !uu || !vt) goto out;
    memcpy(c, d, (size_t)m * n * sizeof *c);
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, c, n, sv, uu, mn, vt, n))
        goto out;
    if (vk)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) vk[(size_t)i * k + j] = vt[(size_t)j * n + i];
    rc = 0;
out:
    free(c);
    free(uu);
    free(vt);
    return rc;
}

/* Smallest cosine of the principal angles between the spans of the first k
 * columns of two n-row row-major bases (leading dimensions ldx, ldy): the
 * smallest singular value of X^T Y. */
static double min_cos(const float *x, int ldx, const double *y, int ldy, int n,
                      int k) {
    double *g = calloc((size_t)k * k, sizeof *g), sv[512];
    if (!g || k > 512) { free(g); return -1; }
    for (int i = 0; i < n; i++)
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                g[a * k + b] += (double)x[(size_t)i * ldx + a] * y[(size_t)i * ldy + b];
    double *uu = malloc(sizeof(double) * k * k), *vt = malloc(sizeof(double) * k * k);
    double res = -1;
    if (uu && vt && LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', k, k, g, k, sv, uu, k,
                                   vt, k) == 0)
        res = sv[k - 1];
    free(uu);
    free(vt);
    free(g);
    return res;
}

/* Largest |X^T X - I| over the first k columns of a row-major n x ld array. */
static double orth_err(const float *x, uint64_t n, int ld, int k) {
    double worst = 0;
    for (int a = 0; a < k; a++)
        for (int b = a; b < k; b++) {
            double s = 0;
            for (uint64_t i = 0; i < n; i++)
                s += (double)x[i * ld + a] * x[i * ld + b];
            double e = fabs(s - (a == b));
            if (e > worst) worst = e;
        }
    return worst;
}

/* ============================================================= TF-IDF */

TY_TEST(model_tfidf_idf_formula) {
    uint32_t df[4] = {0, 1, 5, 10};
    float idf[4];
    ty_idf_compute(df, 4, 10, idf);
    /* ln((1+10)/(1+df)) + 1 */
    CHECK_NEAR(idf[0], 3.3978952727983707, 1e-6);
    CHECK_NEAR(idf[1], 2.7047480922384253, 1e-6);
    CHECK_NEAR(idf[2], 1.6061358035703155, 1e-6);
    CHECK_NEAR(idf[3], 1.0, 1e-7);
}

TY_TEST(model_tfidf_row_hand) {
    const float idf[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    uint32_t t[2] = {2, 0};    /* out of order on purpose */
    float v[2] = {1.0f, 3.0f}; /* counts */
    double norm = ty_tfidf_row(t, v, 2, idf);
    /* w0 = (1 + ln 3) * 1, w2 = (1 + ln 1) * 3 */
    CHECK_NEAR(norm, 3.6611710610334507, 1e-5);
    CHECK_EQ_INT(t[0], 0);
    CHECK_EQ_INT(t[1], 2);
    CHECK_NEAR(v[0], 0.5732079309279059, 1e-6);
    CHECK_NEAR(v[1], 0.8194099510753754, 1e-6);
    CHECK_NEAR((double)v[0] * v[0] + (double)v[1] * v[1], 1.0, 1e-6);
}

TY_TEST(model_tfidf_row_duplicates) {
    float idf[6] = {1, 1, 2.0f, 1, 1, 1.5f};
    uint32_t t[3] = {5, 2, 5};
    float v[3] = {1, 1, 2}; /* term 5 counted 1 + 2 = 3 */
    double norm = ty_tfidf_row(t, v, 3, idf);
    CHECK_NEAR(norm, 3.7295295227192944, 1e-5);
    CHECK_EQ_INT(t[0], 2);
    CHECK_EQ_INT(t[1], 5);
    CHECK_EQ_INT(t[2], 5);
    CHECK_NEAR(v[0], 0.5362606698288714, 1e-6);
    CHECK_NEAR(v[1], 0.8440524237241962, 1e-6);
    CHECK(v[2] == 0.0f);

    uint32_t t2[5] = {5, 2, 5, 9, 9};
    float v2[5] = {1, 1, 2, 0, 0}; /* term 9: zero count, dropped */
    float idf2[10] = {1, 1, 2.0f, 1, 1, 1.5f, 1, 1, 1, 1};
    size_t n = 5;
    norm = ty_tfidf_row_n(t2, v2, &n, idf2);
    CHECK_EQ_INT(n, 2);
    CHECK_NEAR(norm, 3.7295295227192944, 1e-5);
    CHECK_EQ_INT(t2[0], 2);
    CHECK_EQ_INT(t2[1], 5);
    CHECK_NEAR(v2[0], 0.5362606698288714, 1e-6);
    CHECK_NEAR(v2[1], 0.8440524237241962, 1e-6);
}

TY_TEST(model_tfidf_row_empty_and_long) {
    float idf[1] = {1};
    CHECK(ty_tfidf_row(NULL, NULL, 0, idf) == 0.0);
    size_t n = 0;
    CHECK(ty_tfidf_row_n(NULL, NULL, &n, idf) == 0.0);
    CHECK_EQ_INT(n, 0);
    /* a long reversed row exercises the heapsort; every weight equal */
    enum { N = 1000 };
    static uint32_t t[N];
    static float v[N], idf2[N];
    for (int i = 0; i < N; i++) {
        t[i] = (uint32_t)(N - 1 - i);
        v[i] = 2.0f;
        idf2[i] = 1.5f;
    }
    double norm = ty_tfidf_row(t, v, N, idf2);
    CHECK_NEAR(norm, sqrt((double)N) * (1 + log(2.0)) * 1.5, 1e-3);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(t[i], i);
        CHECK_NEAR(v[i], 1 / sqrt((double)N), 1e-7);
    }
}

/* ========================================================= products */

/* Check C = A B and C = A^T B against doubles, and bitwise equality across
 * thread counts and against the product with the explicit transpose. */
static int check_products(ty_test_state *ts_, const ty_csr *a, size_t k,
                          uint64_t seed) {
    int ok = 0;
    uint64_t nr = a->nrows, nc = a->ncols;
    float *b = malloc((nc * k + 1) * sizeof *b);
    float *bt = malloc((nr * k + 1) * sizeof *bt);
    float *c1 = malloc((nr * k + 1) * sizeof *c1);
    float *c2 = malloc((nr * k + 1) * sizeof *c2);
    float *d1 = malloc((nc * k + 1) * sizeof *d1);
    float *d2 = malloc((nc * k + 1) * sizeof *d2);
    double *ref = calloc(((nr > nc ? nr : nc) * k + 1), sizeof *ref);
    double *dense = csr_to_dense(a);
    ty_csr at = {0};
    if (!b || !bt || !c1 || !c2 || !d1 || !d2 || !ref || !dense) {
        snprintf(ts_->msg, sizeof ts_->msg, "out of memory");
        ts_->failed = 1;
        goto out;
    }
    for (size_t i = 0; i < nc * k; i++) b[i] = (float)(2 * trng_unif(&seed) - 1);
    for (size_t i = 0; i < nr * k; i++) bt[i] = (float)(2 * trng_unif(&seed) - 1);
    /* A B */
    for (uint64_t i = 0; i < nr; i++)
        for (uint64_t j = 0; j < nc; j++)
            for (size_t x = 0; x < k; x++)
                ref[i * k + x] += dense[i * nc + j] * b[j * k + x];
    ty_csr_mul_dense(a, b, k, c1, 1);
    for (size_t i = 0; i < nr * k; i++)
        if (fabs(c1[i] - ref[i]) > 1e-4 * (1 + fabs(ref[i]))) {
            snprintf(ts_->msg, sizeof ts_->msg,
                     "A B %llux%llu k=%zu: entry %zu %g vs %g",
                     (unsigned long long)nr, (unsigned long long)nc, k, i,
                     c1[i], ref[i]);
            ts_->failed = 1;
            goto out;
        }
    for (int th = 2; th <= 5; th++) {
        memset(c2, 0xff, (nr * k + 1) * sizeof *c2);
        ty_csr_mul_dense(a, b, k, c2, th);
        if (memcmp(c1, c2, nr * k * sizeof *c1)) {
            snprintf(ts_->msg, sizeof ts_->msg, "A B differs with %d threads", th);
            ts_->failed = 1;
            goto out;
        }
    }
    /* A^T B */
    memset(ref, 0, (nc * k + 1) * sizeof *ref);
    for (uint64_t i = 0; i < nr; i++)
        for (uint64_t j = 0; j < nc; j++)
            for (size_t x = 0; x < k; x++)
                ref[j * k + x] += dense[i * nc + j] * bt[i * k + x];
    ty_csr_tmul_dense(a, bt, k, d1, 1);
    for (size_t i = 0; i < nc * k; i++)
        if (fabs(d1[i] - ref[i]) > 1e-4 * (1 + fabs(ref[i]))) {
            snprintf(ts_->msg, sizeof ts_->msg,
                     "A^T B %llux%llu k=%zu: entry %zu %g vs %g",
                     (unsigned long long)nr, (unsigned long long)nc, k, i,
                     d1[i], ref[i]);
            ts_->failed = 1;
            goto out;
        }
    for (int th = 2; th <= 5; th++) {
        memset(d2, 0xff, (nc * k + 1) * sizeof *d2);
        ty_csr_tmul_dense(a, bt, k, d2, th);
        if (memcmp(d1, d2, nc * k * sizeof *d1)) {
            snprintf(ts_->msg, sizeof ts_->msg, "A^T B differs with %d threads", th);
            ts_->failed = 1;
            goto out;
        }
    }
    if (ty_csr_transpose(a, &at)) {
        snprintf(ts_->msg, sizeof ts_->msg, "transpose failed");
        ts_->failed = 1;
        goto out;
    }
    for (int th = 1; th <= 3; th++) {
        memset(d2, 0xff, (nc * k + 1) * sizeof *d2);
        ty_csr_mul_dense(&at, bt, k, d2, th);
        if (memcmp(d1, d2, nc * k * sizeof *d1)) {
            snprintf(ts_->msg, sizeof ts_->msg,
                     "(A^T) B differs from A^T B (%d threads)", th);
            ts_->failed = 1;
            goto out;
        }
    }
    ok = 1;
out:
    ty_csr_free(&at);
    free(b);
    free(bt);
    free(c1);
    free(c2);
    free(d1);
    free(d2);
    free(ref);
    free(dense);
    return ok;
}

TY_TEST(model_csr_products_small_shapes) {
    static const struct { uint64_t r, c; double dens; int holes; } sh[] = {
        {0, 5, 0.5, 0}, {6, 0, 0.5, 0}, {1, 1, 1.0, 0}, {1, 9, 0.5, 0},
        {50, 40, 0.2, 1}, {13, 77, 0.05, 1}, {20, 20, 0.0, 0}};
    static const size_t ks[] = {1, 7, 8, 33};
    for (size_t s = 0; s < sizeof sh / sizeof sh[0]; s++)
        for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
            ty_csr a;
            CHECK(rand_csr(&a, sh[s].r, sh[s].c, sh[s].dens, sh[s].holes,
                           100 + s) == 0);
            int ok = check_products(ts_, &a, ks[q], 7 + q);
            ty_csr_free(&a);
            if (!ok) return;
        }
}

TY_TEST(model_csr_products_threaded) {
    /* > 64k non-zeros so that several threads really run */
    ty_csr a;
    CHECK(rand_csr(&a, 400, 900, 0.25, 1, 42) == 0);
    CHECK(a.rowptr[a.nrows] > 65536);
    int ok = check_products(ts_, &a, 19, 3);
    ty_csr_free(&a);
    if (!ok) return;
    CHECK(rand_csr(&a, 2000, 300, 0.15, 0, 43) == 0);
    ok = check_products(ts_, &a, 8, 4);
    ty_csr_free(&a);
    if (!ok) return;
}

/* The gather kernels work in column panels of 64, 32 and 16 plus a scalar
 * tail: every width mix must agree with the reference and, bit for bit,
 * with the scatter form and the threaded runs (check_products). */
TY_TEST(model_csr_products_panel_widths) {
    static const size_t ks[] = {16, 48, 64, 85, 112, 272};
    ty_csr a;
    CHECK(rand_csr(&a, 90, 130, 0.12, 1, 61) == 0);
    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++)
        if (!check_products(ts_, &a, ks[q], 70 + q)) {
            ty_csr_free(&a);
            return;
        }
    ty_csr_free(&a);
}

TY_TEST(model_csr_transpose_layout) {
    ty_csr a, t = {0};
    CHECK(rand_csr(&a, 30, 20, 0.3, 1, 5) == 0);
    int rc = ty_csr_transpose(&a, &t);
    CHECK_EQ_INT(rc, TENYO_OK);
    CHECK_EQ_INT(t.nrows, 20);
    CHECK_EQ_INT(t.ncols, 30);
    CHECK_EQ_INT(t.rowptr[20], a.rowptr[30]);
    int bad = 0;
    for (uint64_t j = 0; j < t.nrows; j++)
        for (uint64_t p = t.rowptr[j]; p < t.rowptr[j + 1]; p++) {
            if (p > t.rowptr[j] && t.col[p] <= t.col[p - 1]) bad = 1;
            uint64_t i = t.col[p];
            float x = 0;
            for (uint64_t q = a.rowptr[i]; q < a.rowptr[i + 1]; q++)
                if (a.col[q] == j) x = a.val[q];
            if (x != t.val[p]) bad = 1;
        }
    ty_csr_free(&a);
    ty_csr_free(&t);
    CHECK(!bad);
}

/* ============================================================== SVD */

/* 300 x 200 (or nr x nc) dense matrix with singular values 10/(1+i) for
 * i < 10, then a noise floor ~0.05: a clear gap after 10. */
static double *gapped_matrix(int nr, int nc, uint64_t seed) {
    double *d = calloc((size_t)nr * nc, sizeof *d);
    double *x = malloc(sizeof(double) * nr), *y = malloc(sizeof(double) * nc);
    if (!d || !x || !y) { free(d); free(x); free(y); return NULL; }
    for (int r = 0; r < 10; r++) {
        /* random unit vectors: near-orthogonal in these dimensions */
        double nx = 0, ny = 0;
        for (int i = 0; i < nr; i++) { x[i] = trng_normal(&seed); nx += x[i] * x[i]; }
        for (int j = 0; j < nc; j++) { y[j] = trng_normal(&seed); ny += y[j] * y[j]; }
        double s = 10.0 / (1 + r) / sqrt(nx * ny);
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < nc; j++) d[(size_t)i * nc + j] += s * x[i] * y[j];
    }
    double noise = 0.05 / sqrt((double)(nr > nc ? nr : nc));
    for (size_t i = 0; i < (size_t)nr * nc; i++) d[i] += noise * trng_normal(&seed);
    free(x);
    free(y);
    return d;
}

TY_TEST(model_svd_dense_gapped) {
    enum { NR = 300, NC = 200, K = 10 };
    double *d = gapped_matrix(NR, NC, 11);
    CHECK(d);
    ty_csr a;
    CHECK(dense_to_csr(&a, d, NR, NC) == 0);
    static double sv[NC], vk[NC * K];
    CHECK(dense_svd(d, NR, NC, sv, vk, K) == 0);
    free(d);
    static float s[K], v[NC * K], u[NR * K];
    char err[TY_ERRLEN] = "";
    ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 4,
                     .seed = 1, .threads = 2};
    int rc = ty_svd_randomized(&a, &o, u, s, v, err, sizeof err);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    for (int i = 0; i < K; i++)
        CHECKF(fabs(s[i] - sv[i]) <= 1e-3 * sv[i], "s[%d] %g vs %g", i, s[i],
               sv[i]);
    double c = min_cos(v, K, vk, K, NC, K);
    CHECKF(c >= 0.99, "principal cosine %g", c);
    CHECKF(orth_err(v, NC, K, K) < 1e-4, "V not orthonormal: %g",
           orth_err(v, NC, K, K));
    CHECKF(orth_err(u, NR, K, K) < 1e-4, "U not orthonormal: %g",
           orth_err(u, NR, K, K));
    /* A v_i = s_i u_i */
    float *av = malloc(sizeof(float) * NR * K);
    CHECK(av);
    ty_csr_mul_dense(&a, v, K, av, 1);
    double worst = 0;
    for (int i = 0; i < NR * K; i++) {
        double e = fabs(av[i] - s[i % K] * u[i]);
        if (e > worst) worst = e;
    }
    free(av);
    ty_csr_free(&a);
    CHECKF(worst < 1e-3, "A V != U S: %g", worst);
}

TY_TEST(model_svd_tfidf_like) {
    enum { NR = 400, NC = 700, K = 20 };
    ty_csr a;
    CHECK(zipf_tfidf(&a, NR, NC, 30, 21) == 0);
    double *d = csr_to_dense(&a);
    CHECK(d);
    static double sv[NR], vk[NC * 5];
    CHECK(dense_svd(d, NR, NC, sv, vk, 5) == 0);
    free(d);
    /* A flat sparse spectrum: the leading value is well separated
     * (sv0/sv1 ~ 2) and must be exact; the tail converges with the power
     * iterations (measured: 20th value -2.2% at 4, -0.5% at 7) and is
     * never overestimated (Rayleigh-Ritz values lie below the truth). */
    static float s[2][K], v[2][NC * K];
    char err[TY_ERRLEN] = "";
    static const int pw[2] = {2, 7};
    double errsum[2] = {0, 0};
    for (int r = 0; r < 2; r++) {
        ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = pw[r],
                         .seed = 9, .threads = 1};
        int rc = ty_svd_randomized(&a, &o, NULL, s[r], v[r], err, sizeof err);
        CHECKF(rc == TENYO_OK, "svd: %.200s", err);
        for (int i = 0; i < K; i++) {
            double rel = (sv[i] - s[r][i]) / sv[i];
            CHECKF(rel >= -1e-5, "p=%d s[%d] %g above %g", pw[r], i, s[r][i],
                   sv[i]);
            CHECKF(rel <= (i == 0 ? 1e-4 : r ? 1e-2 : 8e-2),
                   "p=%d s[%d] %g vs %g", pw[r], i, s[r][i], sv[i]);
            if (i) CHECK(s[r][i] <= s[r][i - 1]);
            errsum[r] += rel;
        }
    }
    ty_csr_free(&a);
    CHECKF(errsum[1] < 0.25 * errsum[0], "no convergence: %g vs %g",
           errsum[1], errsum[0]);
    /* the top singular vector */
    double c = min_cos(v[1], K, vk, 5, NC, 1);
    CHECKF(c >= 0.9999, "top vector cosine %g", c);
    CHECKF(orth_err(v[1], NC, K, K) < 1e-4, "V not orthonormal");
}

TY_TEST(model_svd_rank_clamped) {
    enum { NR = 30, NC = 10, R = 15 };
    ty_csr a;
    CHECK(rand_csr(&a, NR, NC, 0.6, 0, 77) == 0);
    double *d = csr_to_dense(&a);
    CHECK(d);
    double sv[NC];
    CHECK(dense_svd(d, NR, NC, sv, NULL, 0) == 0);
    free(d);
    float s[R], v[NC * R], u[NR * R];
    char err[TY_ERRLEN] = "";
    ty_svd_opts o = {.rank = R, .oversample = 5, .power_iters = 1,
                     .seed = 3, .threads = 1};
    memset(v, 0x7f, sizeof v);
    memset(u, 0x7f, sizeof u);
    int rc = ty_svd_randomized(&a, &o, u, s, v, err, sizeof err);
    ty_csr_free(&a);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    for (int i = 0; i < NC; i++)
        CHECKF(fabs(s[i] - sv[i]) <= 1e-4 * sv[0], "s[%d] %g vs %g", i, s[i],
               sv[i]);
    for (int i = NC; i < R; i++) CHECK(s[i] == 0.0f);
    for (int r = 0; r < NC; r++)
        for (int c = NC; c < R; c++) CHECK(v[r * R + c] == 0.0f);
    for (int r = 0; r < NR; r++)
        for (int c = NC; c < R; c++) CHECK(u[r * R + c] == 0.0f);
    CHECK(orth_err(v, NC, R, NC) < 1e-4);
}

/* Same seed: the same bytes for 1, 2 and 3 threads (the matrix is big
 * enough for the products to use them). OpenBLAS's own thread count is left
 * alone: its sgemm/sgelqf results change in the last bits with it (measured),
 * which is the application's setting, not ours. Another seed: other bytes,
 * same leading subspace and values. */
TY_TEST(model_svd_deterministic) {
    enum { NR = 420, NC = 260, K = 10 };
    double *d = gapped_matrix(NR, NC, 12);
    CHECK(d);
    ty_csr a;
    CHECK(dense_to_csr(&a, d, NR, NC) == 0);
    free(d);
    CHECK(a.rowptr[NR] > 65536);
    static float s[3][K], v[3][NC * K], u[3][NR * K];
    char err[TY_ERRLEN] = "";
    int bad = 0;
    for (int t = 0; t < 3 && !bad; t++) {
        ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 3,
                         .seed = 2024, .threads = t + 1};
        if (ty_svd_randomized(&a, &o, u[t], s[t], v[t], err, sizeof err))
            bad = 1;
    }
    CHECKF(!bad, "svd: %.200s", err);
    for (int t = 1; t < 3; t++) {
        CHECKF(memcmp(s[0], s[t], sizeof s[0]) == 0, "S differs (run %d)", t);
        CHECKF(memcmp(v[0], v[t], sizeof v[0]) == 0, "V differs (run %d)", t);
        CHECKF(memcmp(u[0], u[t], sizeof u[0]) == 0, "U differs (run %d)", t);
    }
    ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 3,
                     .seed = 7, .threads = 2};
    int rc = ty_svd_randomized(&a, &o, NULL, s[1], v[1], err, sizeof err);
    ty_csr_free(&a);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    CHECK(memcmp(v[0], v[1], sizeof v[0]) != 0);
    static double vd[NC * K];
    for (int i = 0; i < NC * K; i++) vd[i] = v[0][i];
    double c = min_cos(v[1], K, vd, K, NC, K);
    CHECKF(c >= 0.999, "seeds disagree: cosine %g", c);
    for (int i = 0; i < K; i++) CHECK_NEAR(s[0][i], s[1][i], 1e-4 * s[0][0]);
}

/* An exactly rank-3 matrix asked for rank 8: the sample block is rank
 * deficient, Cholesky-QR meets a zero pivot and svd.c falls back to
 * Householder QR. The three values must be exact, the rest zero, V
 * orthonormal all the same. */
TY_TEST(model_svd_low_rank_fallback) {
    enum { NR = 120, NC = 90, K = 8 };
    double *d = calloc((size_t)NR * NC, sizeof *d);
    CHECK(d);
    uint64_t seed = 5;
    for (int r = 0; r < 3; r++) {
        double x[NR], y[NC];
        for (int i = 0; i < NR; i++) x[i] = trng_normal(&seed);
        for (int j = 0; j < NC; j++) y[j] = trng_normal(&seed);
        for (int i = 0; i < NR; i++)
            for (int j = 0; j < NC; j++)
                d[(size_t)i * NC + j] += (3 - r) * x[i] * y[j] / 10.0;
    }
    ty_csr a;
    int ok = dense_to_csr(&a, d, NR, NC) == 0;
    static double sv[NC], vk[NC * 3];
    ok = ok && dense_svd(d, NR, NC, sv, vk, 3) == 0;
    free(d);
    CHECK(ok);
    static float s[K], v[NC * K], u[NR * K];
    char err[TY_ERRLEN] = "";
    ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 2,
                     .seed = 4, .threads = 2};
    int rc = ty_svd_randomized(&a, &o, u, s, v, err, sizeof err);
    ty_csr_free(&a);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    for (int i = 0; i < 3; i++)
        CHECKF(fabs(s[i] - sv[i]) <= 1e-4 * sv[0], "s[%d] %g vs %g", i, s[i],
               sv[i]);
    for (int i = 3; i < K; i++)
        CHECKF(s[i] <= 1e-4 * sv[0], "s[%d] %g not ~0", i, s[i]);
    double c = min_cos(v, K, vk, 3, NC, 3);
    CHECKF(c >= 0.9999, "leading subspace cosine %g", c);
    CHECKF(orth_err(v, NC, K, 3) < 1e-4, "V not orthonormal");
}

/* Tall enough for several 4096-row chunks in svd.c's dense steps (Gram
 * partials, strsm, the final sgemm) and for threaded sparse products:
 * the bytes must not depend on the thread count, V must be orthonormal
 * (two Cholesky-QR passes) and the values must agree with the dense SVD. */
TY_TEST(model_svd_chunked_dense_steps) {
    enum { NR = 9000, NC = 600, K = 12 };
    ty_csr a;
    CHECK(zipf_tfidf(&a, NR, NC, 12, 31) == 0);
    CHECK(a.rowptr[NR] > 65536);
    static float s[3][K], v[3][NC * K];
    char err[TY_ERRLEN] = "";
    for (int t = 0; t < 3; t++) {
        ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 3,
                         .seed = 77, .threads = t + 1};
        int rc = ty_svd_randomized(&a, &o, NULL, s[t], v[t], err, sizeof err);
        if (rc) ty_csr_free(&a);
        CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    }
    double *d = csr_to_dense(&a);
    ty_csr_free(&a);
    CHECK(d);
    static double sv[NC];
    int ok = dense_svd(d, NR, NC, sv, NULL, 0) == 0;
    free(d);
    CHECK(ok);
    for (int t = 1; t < 3; t++) {
        CHECKF(memcmp(s[0], s[t], sizeof s[0]) == 0, "S differs (%d threads)",
               t + 1);
        CHECKF(memcmp(v[0], v[t], sizeof v[0]) == 0, "V differs (%d threads)",
               t + 1);
    }
    CHECKF(fabs(s[0][0] - sv[0]) <= 1e-4 * sv[0], "s[0] %g vs %g", s[0][0],
           sv[0]);
    for (int i = 0; i < K; i++)
        CHECKF(s[0][i] <= sv[i] * (1 + 1e-5) && s[0][i] >= 0.9 * sv[i],
               "s[%d] %g vs %g", i, s[0][i], sv[i]);
    CHECKF(orth_err(v[0], NC, K, K) < 1e-5, "V not orthonormal: %g",
           orth_err(v[0], NC, K, K));
}

TY_TEST(model_svd_errors_and_edges) {
    float s[4], v[40], u[40];
    char err[TY_ERRLEN] = "";
    ty_csr a;
    CHECK(rand_csr(&a, 10, 10, 0.5, 0, 1) == 0);
    ty_svd_opts o = {.rank = 0, .oversample = 4, .power_iters = 1, .seed = 1,
                     .threads = 1};
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err),
                 TENYO_ERR_ARG);
    o.rank = 4;
    o.power_iters = -1;
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err),
                 TENYO_ERR_ARG);
    o.power_iters = 1;
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, NULL, v, err, sizeof err),
                 TENYO_ERR_ARG);
    /* non-finite value */
    float keep = a.val[3];
    a.val[3] = NAN;
    err[0] = 0;
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err),
                 TENYO_ERR_INPUT);
    CHECK(strstr(err, "row ") != NULL);
    a.val[3] = keep;
    /* columns out of order in row 0 */
    CHECK(a.rowptr[1] >= 2);
    uint32_t c0 = a.col[0];
    a.col[0] = a.col[1];
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err),
                 TENYO_ERR_INPUT);
    a.col[0] = c0;
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, u, s, v, err, sizeof err), TENYO_OK);
    ty_csr_free(&a);
    /* all-zero matrix: zeros out, no error */
    CHECK(rand_csr(&a, 10, 10, 0.0, 0, 1) == 0);
    memset(s, 0x7f, sizeof s);
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, u, s, v, err, sizeof err), TENYO_OK);
    for (int i = 0; i < 4; i++) CHECK(s[i] == 0.0f);
    ty_csr_free(&a);
    /* no rows at all */
    CHECK(rand_csr(&a, 0, 10, 0.5, 0, 1) == 0);
    memset(s, 0x7f, sizeof s);
    memset(v, 0x7f, sizeof v);
    CHECK_EQ_INT(ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err), TENYO_OK);
    for (int i = 0; i < 4; i++) CHECK(s[i] == 0.0f);
    for (int i = 0; i < 40; i++) CHECK(v[i] == 0.0f);
    ty_csr_free(&a);
}

/* The realistic shape: a Zipfian TF-IDF matrix of 5000 documents x 20000
 * terms, ~60 non-zeros a row, rank 256 with the default options. Checks
 * structure (finite, positive, descending, orthonormal V)
 * and the leading value against a double power iteration; prints the time
 * (no timing assertion). */
TY_TEST(model_svd_zipf_realistic) {
    enum { NR = 5000, NC = 20000, K = 256 };
    ty_csr a;
    CHECK(zipf_tfidf(&a, NR, NC, 84, 5) == 0);
    float *s = malloc(sizeof(float) * K), *v = malloc(sizeof(float) * NC * K);
    float *g = malloc(sizeof(float) * K * K);
    double *x = malloc(sizeof(double) * NC), *y = malloc(sizeof(double) * NR);
    char err[TY_ERRLEN] = "";
    int rc = -1;
    double t0 = ty_now(), el = 0;
    if (s && v && g && x && y) {
        ty_svd_opts o = {.rank = K, .oversample = 16, .power_iters = 4,
                         .seed = 1, .threads = 2};
        rc = ty_svd_randomized(&a, &o, NULL, s, v, err, sizeof err);
        el = ty_now() - t0;
    }
    double lam = 0, worst = 0;
    if (rc == 0) {
        /* V^T V = I through BLAS (the naive double loop would be slow) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, K, NC, 1.0f,
                    v, K, v, K, 0.0f, g, K);
        for (int i = 0; i < K * K; i++) {
            double e = fabs(g[i] - (i / K == i % K));
            if (e > worst) worst = e;
        }
        /* s_1^2 = largest eigenvalue of A^T A, by power iteration */
        for (int j = 0; j < NC; j++) x[j] = 1.0 / (1 + j % 13);
        for (int it = 0; it < 300; it++) {
            memset(y, 0, sizeof(double) * NR);
            for (int i = 0; i < NR; i++)
                for (uint64_t p = a.rowptr[i]; p < a.rowptr[i + 1]; p++)
                    y[i] += a.val[p] * x[a.col[p]];
            memset(x, 0, sizeof(double) * NC);
            for (int i = 0; i < NR; i++)
                for (uint64_t p = a.rowptr[i]; p < a.rowptr[i + 1]; p++)
                    x[a.col[p]] += a.val[p] * y[i];
            double nx = 0;
            for (int j = 0; j < NC; j++) nx += x[j] * x[j];
            nx = sqrt(nx);
            lam = nx; /* |A^T A x| with |x| = 1 from the 2nd step on */
            for (int j = 0; j < NC; j++) x[j] /= nx;
        }
    }
    unsigned long long nnz = a.rowptr[NR];
    ty_csr_free(&a);
    int desc = 1, fin = 1;
    if (rc == 0)
        for (int i = 0; i < K; i++) {
            if (!isfinite(s[i]) || s[i] <= 0) fin = 0;
            if (i && s[i] > s[i - 1]) desc = 0;
        }
    double s0 = rc == 0 ? s[0] : 0, sl = rc == 0 ? s[K - 1] : 0;
    free(s);
    free(v);
    free(g);
    free(x);
    free(y);
    CHECKF(rc == 0, "svd: %.200s", err);
    CHECK(fin);
    CHECK(desc);
    CHECKF(worst < 1e-4, "V^T V - I: %g", worst);
    CHECKF(fabs(s0 - sqrt(lam)) <= 1e-4 * s0, "s1 %g vs power %g", s0,
           sqrt(lam));
    printf("     (%dx%d, %llu nnz, rank %d: %.2f s; s1 %.4f s%d %.4f)\n", NR,
           NC, nnz, K, el, s0, K, sl);
}

/* ============================================================ int8 scan */

/* Every int8 kernel gives the same scores bit for bit (exact integer
 * arithmetic), the scores approximate the float dot products to 1e-2 on
 * unit vectors, and a byte sum / scale round trip holds. */
TY_TEST(model_q8_kernels_agree) {
    const size_t n = 517, k = 256; /* n not a multiple of the block or of 2 */
    float *x = malloc(n * k * sizeof *x), q[256];
    float *s0 = malloc(n * sizeof *s0), *s1 = malloc(n * sizeof *s1);
    CHECK(x && s0 && s1);
    uint64_t st = 7;
    for (size_t i = 0; i < n * k + k; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        float v = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
        if (i < n * k) x[i] = v; else q[i - n * k] = v;
    }
    for (size_t r = 0; r <= n; r++) {
        float *v = r < n ? x + r * k : q;
        double nn = 0;
        for (size_t i = 0; i < k; i++) nn += (double)v[i] * v[i];
        for (size_t i = 0; i < k; i++) v[i] = (float)(v[i] / sqrt(nn));
    }
    ty_q8 q8;
    CHECK_EQ_INT(ty_q8_build(x, n, k, &q8), TENYO_OK);
    CHECK_EQ_INT(ty_q8_set_kernel("c"), 0);
    ty_q8_scan(&q8, q, s0);
    for (size_t r = 0; r < n; r++) {
        double exact = 0;
        for (size_t i = 0; i < k; i++) exact += (double)x[r * k + i] * q[i];
        CHECK_NEAR(s0[r], exact, 1e-2);
    }
    /* the dequantised rows (every exact score: fp32 scan, re-ranking, IVF)
     * are the same bits with every kernel, a tail of fewer than 8 too */
    float *r0 = malloc(n * k * sizeof *r0), *r1 = malloc(n * k * sizeof *r1);
    CHECK(r0 && r1);
    ty_q8_rows(&q8, 0, n, r0);
    ty_q8 q7 = q8;
    q7.dim = 7; /* rows of 7 bytes over the same codes */
    float t0[7], t1[7];
    ty_q8_row(&q7, 3, t0);
    const char *names[] = {"avx2", "avx512vnni"};
    for (int i = 0; i < 2; i++) {
        if (ty_q8_set_kernel(names[i])) continue; /* not on this CPU */
        ty_q8_scan(&q8, q, s1);
        CHECKF(memcmp(s0, s1, n * sizeof *s0) == 0, "kernel %s differs from c", names[i]);
        ty_q8_rows(&q8, 0, n, r1);
        CHECKF(memcmp(r0, r1, n * k * sizeof *r0) == 0, "rows with %s differ from c", names[i]);
        ty_q8_row(&q7, 3, t1);
        CHECKF(memcmp(t0, t1, sizeof t0) == 0, "a 7-byte row with %s differs", names[i]);
    }
    free(r0);
    free(r1);
    /* zero vector: scale 0, scores 0 */
    memset(x, 0, k * sizeof *x);
    ty_q8_free(&q8);
    CHECK_EQ_INT(ty_q8_build(x, 1, k, &q8), TENYO_OK);
    CHECK(q8.scale[0] == 0.f && q8.sum[0] == 0);
    ty_q8_scan(&q8, q, s1);
    CHECK(s1[0] == 0.f);
    ty_q8_free(&q8);
    CHECK_EQ_INT(ty_q8_set_kernel(NULL), 0); /* back to this CPU's best */
    free(x);
    free(s0);
    free(s1);
}

/* ty_q8_adopt's row statistics (byte sum, 1 / sqrt of the sum of squares:
 * what an open computes over every mapped row) equal the plain sums, bit
 * for bit, whatever the row length: multiples of 16 bytes and not, the
 * extremes -128 and 127 included. */
TY_TEST(model_q8_adopt_row_stats) {
    const size_t ks[] = {1, 7, 16, 100, 256, 257};
    for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
        size_t k = ks[t], n = 37;
        int8_t *q = malloc(n * k);
        CHECK(q);
        uint64_t st = 11 + t;
        for (size_t i = 0; i < n * k; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            q[i] = (int8_t)(int)((st >> 33) % 256 - 128);
        }
        memset(q, -128, k);     /* row 0: the extreme */
        memset(q + k, 127, k);  /* row 1 */
        memset(q + 2 * k, 0, k); /* row 2: zero, scale 0 */
        ty_q8 v;
        CHECK_EQ_INT(ty_q8_adopt(&v, q, n, k), TENYO_OK);
        for (size_t d = 0; d < n; d++) {
            int64_t s1 = 0, s2 = 0;
            for (size_t j = 0; j < k; j++) {
                s1 += q[d * k + j];
                s2 += (int64_t)q[d * k + j] * q[d * k + j];
            }
            float sc = s2 > 0 ? (float)(1.0 / sqrt((double)s2)) : 0.f;
            CHECKF(v.sum[d] == s1 && memcmp(&v.scale[d], &sc, sizeof sc) == 0,
                   "k %zu row %zu: sum %d / %lld", k, d, v.sum[d], (long long)s1);
        }
        ty_q8_free(&v); /* frees q: adopted */
    }
    /* on threads (parts of 16,384 rows claimed by the caller and helpers):
     * the same bits as one thread, for a row count that ends mid-part; in a
     * child, so that this process keeps no parked helper (the null-argument
     * test forks it, and ThreadSanitizer refuses threads in a child of a
     * threaded process) */
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid) {
        int st = 0;
        waitpid(pid, &st, 0);
        CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the threaded pass differs (status %d)",
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return;
    }
    size_t k = 24, n = 3 * 16384 + 77;
    int8_t *q = malloc(n * k), *q2 = malloc(n * k);
    if (!q || !q2) _exit(3);
    uint64_t st = 5;
    for (size_t i = 0; i < n * k; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        q[i] = (int8_t)(int)((st >> 33) % 256 - 128);
    }
    memcpy(q2, q, n * k);
    ty_q8 one, par;
    if (ty_q8_adopt(&one, q, n, k) || ty_q8_adopt_nt(&par, q2, n, k, 3)) _exit(2);
    int same = memcmp(one.sum, par.sum, n * sizeof *one.sum) == 0 &&
               memcmp(one.scale, par.scale, n * sizeof *one.scale) == 0;
    ty_q8_free(&one);
    ty_q8_free(&par);
    _exit(same ? 0 : 1);
}

/* The batched scan gives each query exactly what the one-query scan gives
 * it, with every kernel, for query counts around the register block of 8
 * and the block of 32, row counts around the panel of 32 and the block, and
 * at k = 64, 256, 512 (the VNNI panel kernel) and 100 (not). */
TY_TEST(model_q8_scan_multi_matches_single) {
    const size_t ks[] = {256, 100, 64, 512}, ns[] = {1, 257, 600}, nqs[] = {1, 5, 16, 17, 33};
    const size_t NMAX = 600, QMAX = 33, KMAX = 512;
    float *x = malloc(NMAX * KMAX * sizeof *x), *q = malloc(QMAX * KMAX * sizeof *q);
    float *one = malloc(NMAX * sizeof *one), *all = malloc(QMAX * (NMAX + 3) * sizeof *all);
    ty_q8_query *qp = malloc(QMAX * sizeof *qp);
    CHECK(x && q && one && all && qp);
    uint64_t st = 11;
    for (size_t i = 0; i < NMAX * KMAX + QMAX * KMAX; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        float v = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
        if (i < NMAX * KMAX) x[i] = v; else q[i - NMAX * KMAX] = v;
    }
    const char *names[] = {"c", "avx2", "avx512vnni"};
    int ran = 0;
    for (int kn = 0; kn < 3; kn++) {
        if (ty_q8_set_kernel(names[kn])) continue; /* not on this CPU */
        for (size_t a = 0; a < 4; a++)
            for (size_t b = 0; b < 3; b++) {
                size_t k = ks[a], n = ns[b], ld = n + 3;
                ty_q8 q8;
                CHECK_EQ_INT(ty_q8_build(x, n, k, &q8), TENYO_OK);
                for (size_t j = 0; j < QMAX; j++) ty_q8_prepare(q + j * k, k, &qp[j]);
                for (size_t c = 0; c < 5; c++) {
                    size_t nq = nqs[c];
                    ty_q8_scan_multi(&q8, qp, nq, all, ld);
                    for (size_t j = 0; j < nq; j++) {
                        ty_q8_scan_prepared(&q8, &qp[j], one);
                        CHECKF(memcmp(one, all + j * ld, n * sizeof *one) == 0,
                               "kernel %s k %zu n %zu nq %zu: query %zu differs", names[kn], k,
                               n, nq, j);
                    }
                    ran++;
                }
                ty_q8_free(&q8);
            }
    }
    CHECK_EQ_INT(ty_q8_set_kernel(NULL), 0);
    CHECK(ran >= 60);
    free(x);
    free(q);
    free(one);
    free(all);
    free(qp);
}

/* ty_q8_topk_multi gives each query exactly the hits ty_topk_array gives
 * over its one-query scan (same rows, scores and order, ties included),
 * with every kernel: k at the panel kernel's sizes and not, n around the
 * panel and the chunk and past the sampled bound's minimum, kc from 1 to
 * more than n, rows left out, rows repeated (ties everywhere), and rows
 * ordered so that the sampled bound is too high (the fallback). */
TY_TEST(model_q8_topk_multi_matches_array) {
    const size_t NMAX = 20000, QMAX = 33;
    const size_t ks[] = {256, 64, 100};
    const size_t ns[] = {1, 31, 600, 2081, 20000};
    float *x = malloc(NMAX * 256 * sizeof *x), *q = malloc(QMAX * 256 * sizeof *q);
    float *one = malloc(NMAX * sizeof *one);
    tenyo_hit *ref = malloc((NMAX + 8) * sizeof *ref), *got = malloc(QMAX * 2100 * sizeof *got);
    size_t *nh = malloc(QMAX * sizeof *nh);
    uint64_t *skip = malloc(QMAX * sizeof *skip);
    ty_q8_query *qp = malloc(QMAX * sizeof *qp);
    CHECK(x && q && one && ref && got && nh && skip && qp);
    const char *names[] = {"c", "avx2", "avx512vnni"};
    int ran = 0;
    for (int kn = 0; kn < 3; kn++) {
        if (ty_q8_set_kernel(names[kn])) continue; /* not on this CPU */
        for (size_t a = 0; a < 3; a++)
            for (size_t b = 0; b < 5; b++)
                for (int shape = 0; shape < 3; shape++) {
                    size_t k = ks[a], n = ns[b];
                    if (kn < 2 && n == NMAX && (a > 0 || shape == 1)) continue; /* time */
                    uint64_t st = 7 + 31 * (uint64_t)shape;
                    for (size_t i = 0; i < n * k + QMAX * k; i++) {
                        st = st * 6364136223846793005ull + 1442695040888963407ull;
                        float v = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
                        if (i < n * k) x[i] = v; else q[i - n * k] = v;
                    }
                    if (shape == 1) /* 40 distinct rows: ties everywhere */
                        for (size_t i = 40; i < n; i++) memcpy(x + i * k, x + (i % 40) * k, k * 4);
                    if (shape == 2 && n >= 16384) /* half the sampled rows copy query 0 */
                        for (size_t i = 0; i < 2048; i += 2)
                            memcpy(x + i * (n / 2048) * k, q, k * sizeof *x);
                    ty_q8 q8;
                    CHECK_EQ_INT(ty_q8_build(x, n, k, &q8), TENYO_OK);
                    size_t nq = b % 2 ? QMAX : 9;
                    for (size_t j = 0; j < nq; j++) {
                        ty_q8_prepare(q + j * k, k, &qp[j]);
                        skip[j] = j % 3 ? UINT64_MAX : (j * 7) % n;
                    }
                    const size_t kcs[] = {1, 10, 256, n + 5, 2000};
                    for (size_t c = 0; c < 5; c++) {
                        size_t kc = kcs[c];
                        if (kc > 2100 || (c == 4 && shape != 2)) continue;
                        CHECK_EQ_INT(ty_q8_topk_multi(&q8, qp, nq, skip, kc, got, nh), TENYO_OK);
                        for (size_t j = 0; j < nq; j++) {
                            ty_q8_scan_prepared(&q8, &qp[j], one);
                            size_t nr = ty_topk_array(one, n, skip[j], kc, ref);
                            int same = nh[j] == nr; /* field by field: hits have padding */
                            for (size_t i = 0; same && i < nr; i++)
                                same = ref[i].doc == got[j * kc + i].doc &&
                                       memcmp(&ref[i].score, &got[j * kc + i].score, 4) == 0;
                            CHECKF(same,
                                   "kernel %s k %zu n %zu shape %d kc %zu: query %zu differs",
                                   names[kn], k, n, shape, kc, j);
                        }
                        ran++;
                    }
                    ty_q8_free(&q8);
                }
    }
    CHECK_EQ_INT(ty_q8_set_kernel(NULL), 0);
    CHECK(ran >= 100);
    free(x);
    free(q);
    free(one);
    free(ref);
    free(got);
    free(nh);
    free(skip);
    free(qp);
}

/* Static pruning keeps the highest weights (ties to the lower term), in
 * term order, with their counts, renormalised as the loader derives them. */
TY_TEST(model_tfidf_prune_hand) {
    float idf[8] = {1, 1, 1, 1, 1, 1, 1, 1}, scratch[4];
    uint32_t t[4] = {1, 2, 3, 4}, tf[4] = {1, 3, 1, 2};
    float v[4] = {1, 3, 1, 2};
    ty_tfidf_row(t, v, 4, idf);
    size_t n = ty_tfidf_prune(t, v, tf, 4, 2, idf, scratch);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(t[0], 2);
    CHECK_EQ_INT(t[1], 4);
    CHECK_EQ_INT(tf[0], 3);
    CHECK_EQ_INT(tf[1], 2);
    double a = 1 + log(3.0), b = 1 + log(2.0), norm = sqrt(a * a + b * b);
    CHECK_NEAR(v[0], a / norm, 1e-6);
    CHECK_NEAR(v[1], b / norm, 1e-6);
    /* ties: of the two weight-1 terms, the lower one is kept */
    uint32_t t2[4] = {1, 2, 3, 4}, tf2[4] = {1, 3, 1, 2};
    float v2[4] = {1, 3, 1, 2};
    ty_tfidf_row(t2, v2, 4, idf);
    n = ty_tfidf_prune(t2, v2, tf2, 4, 3, idf, scratch);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(t2[0], 1);
    CHECK_EQ_INT(t2[1], 2);
    CHECK_EQ_INT(t2[2], 4);
    /* nothing to prune */
    CHECK_EQ_INT(ty_tfidf_prune(t2, v2, tf2, 3, 3, idf, scratch), 3);
}

/* ============================================= rows split over processes */

/* The collective reductions of ty_svd_comm between threads of this
 * process, standing in for MPI ranks: every participant adds (or maxes)
 * its vector into a shared one under a mutex, waits at a barrier, copies
 * the result out and waits again. Integer addition in whatever order the
 * threads arrive: the point of svd.c's design is that this order cannot
 * matter. */
typedef struct tcomm_shared {
    pthread_barrier_t bar;   /* all participants */
    pthread_mutex_t mu;      /* guards the buffers */
    int64_t *ib;             /* the sum being formed */
    double *db;              /* the maximum being formed */
    float *fb;               /* the block being gathered */
    size_t cap;              /* entries of each */
    uint64_t calls;          /* reductions (participant 0 counts) */
} tcomm_shared;

typedef struct tcomm_part {
    tcomm_shared *sh;        /* the shared state */
    int rank;                /* participant number */
    ty_svd_comm comm;        /* what ty_svd_randomized gets */
    const ty_csr *a;         /* the whole matrix */
    uint64_t r0, r1;         /* this participant's rows */
    ty_csr mine;             /* view of them (own rowptr) */
    ty_svd_opts o;           /* options (comm set) */
    float *u, *s, *v;        /* outputs: its U rows, S, V */
    int rc;                  /* ty_svd_randomized's status */
    char err[TY_ERRLEN];     /* its message */
} tcomm_part;

static int tcomm_sum(void *ud, int64_t *x, size_t n) {
    tcomm_part *p = ud;
    tcomm_shared *sh = p->sh;
    if (n > sh->cap) return TENYO_ERR_ARG; /* every participant sees the same n */
    if (p->rank == 0) {
        memset(sh->ib, 0, n * sizeof *sh->ib);
        sh->calls++;
    }
    pthread_barrier_wait(&sh->bar);
    pthread_mutex_lock(&sh->mu);
    for (size_t i = 0; i < n; i++) sh->ib[i] += x[i];
    pthread_mutex_unlock(&sh->mu);
    pthread_barrier_wait(&sh->bar);
    memcpy(x, sh->ib, n * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    return 0;
}

static int tcomm_max(void *ud, double *x, size_t n) {
    tcomm_part *p = ud;
    tcomm_shared *sh = p->sh;
    if (n > sh->cap) return TENYO_ERR_ARG;
    if (p->rank == 0)
        for (size_t i = 0; i < n; i++) sh->db[i] = -INFINITY;
    pthread_barrier_wait(&sh->bar);
    pthread_mutex_lock(&sh->mu);
    for (size_t i = 0; i < n; i++)
        if (x[i] > sh->db[i]) sh->db[i] = x[i];
    pthread_mutex_unlock(&sh->mu);
    pthread_barrier_wait(&sh->bar);
    memcpy(x, sh->db, n * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    return 0;
}

static int tcomm_gather(void *ud, float *x, size_t row_len, const uint64_t *off) {
    tcomm_part *p = ud;
    tcomm_shared *sh = p->sh;
    size_t n = (size_t)off[p->comm.size] * row_len;
    if (n > sh->cap) return TENYO_ERR_ARG;
    memcpy(sh->fb + off[p->rank] * row_len, x + off[p->rank] * row_len,
           (size_t)(off[p->rank + 1] - off[p->rank]) * row_len * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    memcpy(x, sh->fb, n * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    return 0;
}

/* The sum-scatter: the sum as tcomm_sum of a copy of x (which must stay
 * as it was: svd.c keeps its zero rows from pass to pass), then only this
 * participant's rows copied out to sum. */
static int tcomm_sum_scatter(void *ud, const int64_t *x, int64_t *sum, size_t row_len,
                             const uint64_t *off) {
    tcomm_part *p = ud;
    size_t n = (size_t)off[p->comm.size] * row_len;
    int64_t *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) return TENYO_ERR_NOMEM; /* (the others then wait: a test failure anyway) */
    memcpy(t, x, n * sizeof *t);
    int rc = tcomm_sum(ud, t, n);
    if (!rc)
        memcpy(sum, t + off[p->rank] * row_len,
               (size_t)(off[p->rank + 1] - off[p->rank]) * row_len * sizeof *sum);
    free(t);
    return rc;
}

/* The broadcast: participant 0's x to every participant. */
static int tcomm_bcast(void *ud, double *x, size_t n) {
    tcomm_part *p = ud;
    tcomm_shared *sh = p->sh;
    if (n > sh->cap) return TENYO_ERR_ARG;
    if (p->rank == 0) memcpy(sh->db, x, n * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    if (p->rank != 0) memcpy(x, sh->db, n * sizeof *x);
    pthread_barrier_wait(&sh->bar);
    return 0;
}

static void *tcomm_main(void *arg) {
    tcomm_part *p = arg;
    p->rc = ty_svd_randomized(&p->mine, &p->o, p->u, p->s, p->v, p->err,
                              sizeof p->err);
    return NULL;
}

/* Factor a split into np participants with the given row shares (in
 * blocks of `block` rows; the last participant takes the rest), and
 * compare S, V and every U row bit for bit with s1, v1, u1 (the unsplit
 * factorisation). Returns NULL when identical, else a static message. */
static const char *split_compare(const ty_csr *a, ty_svd_opts o, int np,
                                 const int *blocks, const float *s1,
                                 const float *v1, const float *u1, int scatter) {
    static char msg[256];
    tcomm_shared sh = {0};
    tcomm_part p[8];
    pthread_t tid[8];
    size_t K = (size_t)o.rank, l = K + (size_t)o.oversample;
    const char *res = NULL;
    sh.cap = (size_t)(a->ncols > l ? a->ncols : l) * l + 16;
    sh.ib = malloc(sh.cap * sizeof *sh.ib);
    sh.db = malloc(sh.cap * sizeof *sh.db);
    sh.fb = malloc(sh.cap * sizeof *sh.fb);
    if (!sh.ib || !sh.db || !sh.fb) { free(sh.ib); free(sh.db); free(sh.fb); return "out of memory"; }
    pthread_barrier_init(&sh.bar, NULL, (unsigned)np);
    pthread_mutex_init(&sh.mu, NULL);
    uint64_t row = 0;
    memset(p, 0, sizeof p);
    for (int r = 0; r < np; r++) {
        uint64_t take = r + 1 < np ? (uint64_t)blocks[r] * o.block : a->nrows - row;
        if (row + take > a->nrows) take = a->nrows - row;
        p[r].sh = &sh;
        p[r].rank = r;
        p[r].a = a;
        p[r].r0 = row;
        p[r].r1 = row + take;
        p[r].comm = (ty_svd_comm){.row0 = row, .nrows_total = a->nrows,
                                  .sum_i64 = tcomm_sum, .max_f64 = tcomm_max,
                                  .gather_f32 = tcomm_gather,
                                  .sum_scatter_i64 = (scatter ? tcomm_sum_scatter : NULL),
                                  /* with the scatter, the Cholesky factors
                                   * come from participant 0 too (the test
                                   * fails when the others do not take them) */
                                  .bcast_f64 = (scatter ? tcomm_bcast : NULL),
                                  .ud = &p[r],
                                  .rank = r, .size = np};
        p[r].o = o;
        p[r].o.comm = &p[r].comm;
        p[r].mine.nrows = take;
        p[r].mine.ncols = a->ncols;
        p[r].mine.rowptr = malloc((take + 1) * sizeof(uint64_t));
        for (uint64_t i = 0; p[r].mine.rowptr && i <= take; i++)
            p[r].mine.rowptr[i] = a->rowptr[row + i] - a->rowptr[row];
        p[r].mine.col = a->col + a->rowptr[row];
        p[r].mine.val = a->val + a->rowptr[row];
        p[r].s = malloc(K * sizeof(float));
        p[r].v = malloc(a->ncols * K * sizeof(float));
        p[r].u = malloc((take ? take : 1) * K * sizeof(float));
        row += take;
    }
    for (int r = 0; r < np; r++)
        if (!p[r].mine.rowptr || !p[r].s || !p[r].v || !p[r].u) res = "out of memory";
    if (!res) {
        for (int r = 1; r < np; r++) pthread_create(&tid[r], NULL, tcomm_main, &p[r]);
        tcomm_main(&p[0]);
        for (int r = 1; r < np; r++) pthread_join(tid[r], NULL);
    }
    for (int r = 0; r < np && !res; r++) {
        if (p[r].rc) {
            snprintf(msg, sizeof msg, "P=%d rank %d: rc %d: %.150s", np, r, p[r].rc, p[r].err);
            res = msg;
        } else if (memcmp(p[r].s, s1, K * sizeof(float))) {
            snprintf(msg, sizeof msg, "P=%d rank %d: S differs", np, r);
            res = msg;
        } else if (memcmp(p[r].v, v1, a->ncols * K * sizeof(float))) {
            snprintf(msg, sizeof msg, "P=%d rank %d: V differs", np, r);
            res = msg;
        } else if (p[r].r1 > p[r].r0 &&
                   memcmp(p[r].u, u1 + p[r].r0 * K, (p[r].r1 - p[r].r0) * K * sizeof(float))) {
            snprintf(msg, sizeof msg, "P=%d rank %d: U rows differ", np, r);
            res = msg;
        }
    }
    for (int r = 0; r < np; r++) {
        free(p[r].mine.rowptr);
        free(p[r].s);
        free(p[r].v);
        free(p[r].u);
    }
    pthread_barrier_destroy(&sh.bar);
    pthread_mutex_destroy(&sh.mu);
    free(sh.ib);
    free(sh.db);
    free(sh.fb);
    return res;
}

/* The whole point of svd.c's fixed-block, fixed-point reductions: the
 * factorisation of rows split over P processes (here threads with a
 * barrier-and-mutex allreduce that sums in arrival order) is bit-identical
 * to the unsplit one for P = 1..4, uneven shares and a process with no
 * rows, for any thread count inside each; and a rank-deficient matrix
 * (the SVQB fallback of the row-split block) too. */
TY_TEST(model_svd_split_identical) {
    tenyo_set_blas_threads(1); /* one OpenBLAS setting for every thread */
    for (int mat = 0; mat < 2; mat++) {
        enum { NR = 700, NC = 900, K = 12 };
        ty_csr a;
        if (mat == 0) {
            CHECK(zipf_tfidf(&a, NR, NC, 30, 77) == 0);
        } else {
            /* rank 5 < l = 20: the Cholesky pivots fail on the doc side */
            uint64_t sd = 5;
            double *d = calloc((size_t)NR * 60, sizeof *d), x[5][60];
            CHECK(d);
            for (int k = 0; k < 5; k++)
                for (int j = 0; j < 60; j++) x[k][j] = trng_normal(&sd);
            for (int i = 0; i < NR; i++)
                for (int k = 0; k < 5; k++) {
                    double w = trng_normal(&sd);
                    for (int j = 0; j < 60; j++) d[(size_t)i * 60 + j] += w * x[k][j];
                }
            int rc = dense_to_csr(&a, d, NR, 60);
            free(d);
            CHECK(rc == 0);
        }
        static float s1[K], v1[NC * K], u1[NR * K];
        char err[TY_ERRLEN] = "";
        ty_svd_opts o = {.rank = K, .oversample = 8, .power_iters = 3,
                         .seed = 9, .threads = 2, .block = 64};
        int rc = ty_svd_randomized(&a, &o, u1, s1, v1, err, sizeof err);
        CHECKF(rc == TENYO_OK, "svd: %.200s", err);
        CHECKF(s1[0] > 0, "s[0] %g", s1[0]);
        /* 11 blocks of 64 rows: shares in blocks, the last takes the rest */
        static const int one[] = {0}, two[] = {6}, three[] = {2, 7},
                         four[] = {5, 0, 4}, four2[] = {1, 1, 1};
        const struct { int np; const int *b; } sp[] = {
            {1, one}, {2, two}, {3, three}, {4, four}, {4, four2}};
        for (size_t t = 0; t < sizeof sp / sizeof *sp; t++) {
            ty_svd_opts ot = o;
            ot.threads = 1 + (int)(t % 2);
            /* all-reduce, then sum-scatter: in one round, in rounds of 7
             * rows (uneven slices, some empty) and of one row */
            static const char *const rounds[] = {NULL, NULL, "7", "1"};
            for (int sc = 0; sc < 4; sc++) {
                if (rounds[sc]) setenv("TENYO_SVD_ROUND_ROWS", rounds[sc], 1);
                const char *why = split_compare(&a, ot, sp[t].np, sp[t].b, s1, v1, u1, sc > 0);
                unsetenv("TENYO_SVD_ROUND_ROWS");
                if (why) ty_csr_free(&a);
                CHECKF(!why, "matrix %d, %s (rounds of %s rows): %s", mat,
                       sc ? "sum-scatter" : "all-reduce", rounds[sc] ? rounds[sc] : "any", why);
            }
        }
        /* a block size is part of the result: a row0 off the blocks is refused */
        ty_svd_comm bad = {.row0 = 10, .nrows_total = NR + 10,
                           .sum_i64 = tcomm_sum, .max_f64 = tcomm_max,
                           .gather_f32 = tcomm_gather, .rank = 0, .size = 1};
        ty_svd_opts ob = o;
        ob.comm = &bad;
        rc = ty_svd_randomized(&a, &ob, NULL, s1, v1, err, sizeof err);
        ty_csr_free(&a);
        CHECKF(rc == TENYO_ERR_ARG && strstr(err, "row split"), "rc %d: %s", rc, err);
    }
}


/* The transpose of A is made by the first per-term A^T Q, after the hook
 * the caller gave (a build lets its keyword index finish there), once per
 * factorisation; the document-order form (one process, or rows split with
 * the reduce-scatter) makes none and never calls it; the answers are the
 * same bits with and without it. */
static int before_at_calls;
static void count_before_at(void *ud) {
    (void)ud;
    __atomic_fetch_add(&before_at_calls, 1, __ATOMIC_RELAXED);
}

/* One factorisation of the 700 x 900 matrices below, rank 12. */
typedef struct svd_out { float s[12], v[900 * 12], u[700 * 12]; } svd_out;

/* The reference the forms of A^T Q are compared with: a 700 x 900 Zipf
 * TF-IDF matrix from mseed (a) and its factorisation by one process
 * (rank 12, 8 oversampled, 2 power iterations, two threads, blocks of 64)
 * from seed, with its options in o. 0, or the status (a freed). */
static int svd_reference(ty_csr *a, uint64_t mseed, uint64_t seed, ty_svd_opts *o, svd_out *r,
                         char *err, size_t errlen) {
    if (zipf_tfidf(a, 700, 900, 30, mseed) != 0) return TENYO_ERR_NOMEM;
    *o = (ty_svd_opts){.rank = 12, .oversample = 8, .power_iters = 2,
                       .seed = seed, .threads = 2, .block = 64};
    int rc = ty_svd_randomized(a, o, r->u, r->s, r->v, err, errlen);
    if (rc) ty_csr_free(a);
    return rc;
}

/* Whether two factorisations are the same bits. */
static int svd_same(const svd_out *x, const svd_out *y) {
    return !memcmp(x->s, y->s, sizeof x->s) && !memcmp(x->v, y->v, sizeof x->v) &&
           !memcmp(x->u, y->u, sizeof x->u);
}

TY_TEST(model_svd_transpose_on_need) {
    tenyo_set_blas_threads(1);
    ty_csr a;
    static svd_out r1, r2;
    char err[TY_ERRLEN] = "";
    ty_svd_opts o;
    int rc = svd_reference(&a, 78, 5, &o, &r1, err, sizeof err);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    ty_svd_opts oh = o;
    oh.before_at = count_before_at;
    before_at_calls = 0;
    rc = ty_svd_randomized(&a, &oh, r2.u, r2.s, r2.v, err, sizeof err);
    CHECKF(rc == TENYO_OK, "svd with the hook: %.200s", err);
    CHECKF(before_at_calls == 0, "the document-order form called the hook %d times",
           before_at_calls);
    CHECK(svd_same(&r1, &r2));
    /* two participants split the rows with an all-reduce: each walks the
     * transpose (three A^T Q products each), made once after its hook;
     * with the reduce-scatter, in document order: no transpose, no hook */
    static const int two[] = {6};
    before_at_calls = 0;
    const char *why = split_compare(&a, oh, 2, two, r1.s, r1.v, r1.u, 0);
    if (why) ty_csr_free(&a);
    CHECKF(!why, "split with the hook: %s", why);
    CHECKF(before_at_calls == 2, "hook called %d times for two participants", before_at_calls);
    before_at_calls = 0;
    why = split_compare(&a, oh, 2, two, r1.s, r1.v, r1.u, 1);
    ty_csr_free(&a);
    CHECKF(!why, "split, reduce-scattered, with the hook: %s", why);
    CHECKF(before_at_calls == 0, "hook called %d times for two participants reduce-scattering",
           before_at_calls);
}

/* The document-order form of one process walks a vocabulary too large
 * for its blocks in bands of consecutive terms: any band width, with any
 * thread count, gives the bits of the one-band walk (a term's sums are
 * the same operations in the same order, whatever band holds it), makes
 * no transpose and calls no hook; a band of one term and one wider than
 * the vocabulary included. */
TY_TEST(model_svd_bands_identical) {
    tenyo_set_blas_threads(1);
    ty_csr a;
    static svd_out r1, r2;
    char err[TY_ERRLEN] = "";
    ty_svd_opts o;
    unsetenv("TENYO_SVD_BAND");
    int rc = svd_reference(&a, 79, 11, &o, &r1, err, sizeof err);
    CHECKF(rc == TENYO_OK, "svd: %.200s", err);
    static const char *const bands[] = {"1", "7", "100", "449", "899", "900", "5000"};
    for (size_t b = 0; b < sizeof bands / sizeof *bands; b++)
        for (int th = 1; th <= 3; th++) {
            ty_svd_opts ob = o;
            ob.threads = th;
            ob.before_at = count_before_at;
            before_at_calls = 0;
            setenv("TENYO_SVD_BAND", bands[b], 1);
            memset(r2.s, 0, sizeof r2.s);
            rc = ty_svd_randomized(&a, &ob, r2.u, r2.s, r2.v, err, sizeof err);
            unsetenv("TENYO_SVD_BAND");
            if (rc != TENYO_OK) ty_csr_free(&a);
            CHECKF(rc == TENYO_OK, "band %s, %d threads: %.200s", bands[b], th, err);
            int same = svd_same(&r1, &r2);
            if (!same || before_at_calls) ty_csr_free(&a);
            CHECKF(same, "band of %s terms, %d threads: other bits than one band", bands[b], th);
            CHECKF(before_at_calls == 0, "band of %s terms: the hook called %d times", bands[b],
                   before_at_calls);
        }
    ty_csr_free(&a);
}

/* The row split: contiguous, every row once, whole blocks; process 0
 * three quarters of a share from four blocks a process on (its peak
 * memory beside the others'), else even to a block. */
TY_TEST(model_svd_share_blocks) {
    const uint64_t B = 4096;
    for (int size = 1; size <= 9; size++)
        for (uint64_t nb = 0; nb <= 4000; nb = nb < 80 ? nb + 1 : nb * 3 + 7) {
            uint64_t total = nb ? nb * B - (nb % 3) * 7 : 0, prev = 0, mn = UINT64_MAX, mx = 0,
                     first = 0;
            for (int r = 0; r < size; r++) {
                uint64_t r0, r1;
                ty_svd_share(total, B, r, size, &r0, &r1);
                CHECKF(r0 == prev && r1 >= r0 && (r0 % B == 0 || r0 == total),
                       "size %d nb %llu rank %d: [%llu, %llu) after %llu", size,
                       (unsigned long long)nb, r, (unsigned long long)r0,
                       (unsigned long long)r1, (unsigned long long)prev);
                uint64_t blocks = (r1 - r0 + B - 1) / B;
                if (r == 0) first = blocks;
                else {
                    if (blocks < mn) mn = blocks;
                    if (blocks > mx) mx = blocks;
                }
                prev = r1;
            }
            CHECKF(prev == total, "size %d nb %llu: ends at %llu of %llu", size,
                   (unsigned long long)nb, (unsigned long long)prev, (unsigned long long)total);
            if (size == 1) continue;
            CHECKF(mx - mn <= 1, "size %d nb %llu: others %llu..%llu blocks", size,
                   (unsigned long long)nb, (unsigned long long)mn, (unsigned long long)mx);
            if (nb >= 4 * (uint64_t)size) /* 3/4 of a share, to a block */
                CHECKF(4 * first + 4 >= 3 * mn && 4 * first <= 3 * mx + 4 && first <= mn &&
                           (nb < 16 * (uint64_t)size || first < mn),
                       "size %d nb %llu: process 0 %llu blocks, others %llu..%llu", size,
                       (unsigned long long)nb, (unsigned long long)first,
                       (unsigned long long)mn, (unsigned long long)mx);
            else
                CHECKF(first + 1 >= mx && first <= mn + 1, "size %d nb %llu: process 0 %llu, others %llu..%llu",
                       size, (unsigned long long)nb, (unsigned long long)first,
                       (unsigned long long)mn, (unsigned long long)mx);
        }
}

/* Threads of this process now (/proc/self/task), or -1. */
static int task_count(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* tenyo_set_blas_threads(1) ends the worker threads OpenBLAS started (an
 * idle one spins for ~0.1 s, the whole life of a short query process), and
 * a later call with more threads starts them again: the same product, bit
 * for bit, before, with one thread and after. */
TY_TEST(model_blas_one_thread_ends_idle_workers) {
    if (ty_ncores() < 2 || task_count() < 1) TY_SKIP("one core or no /proc/self/task");
    enum { N = 384 };
    float *a = malloc(sizeof *a * N * N), *b = malloc(sizeof *b * N * N);
    float *c0 = malloc(sizeof *c0 * N * N), *c1 = malloc(sizeof *c1 * N * N);
    float *c2 = malloc(sizeof *c2 * N * N);
    CHECK(a && b && c0 && c1 && c2);
    for (int i = 0; i < N * N; i++) {
        a[i] = (float)(i % 13) * 0.25f - 1.5f;
        b[i] = (float)(i % 7) * 0.5f - 1.0f;
    }
    tenyo_set_blas_threads(2);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c0, N);
    int pool = task_count();
    /* where this OpenBLAS started no worker for the product there is none
     * to end: said, not failed */
    int workers = pool >= 2;
    if (workers) {
        CHECK_EQ_INT(tenyo_set_blas_threads(1), 1);
        /* a joined thread leaves /proc/self/task a moment after the join
         * returns (the kernel reaps it after clearing its tid): look again
         * for up to a second before calling it still there */
        int after = task_count();
        for (int i = 0; i < 200 && after >= pool; i++) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
            after = task_count();
        }
        CHECKF(after < pool, "threads %d before, %d after", pool, after);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c1, N);
        CHECK_EQ_INT(tenyo_set_blas_threads(2), 2);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c2, N);
        CHECK(task_count() >= pool); /* the workers again */
        CHECK(memcmp(c0, c1, sizeof *c0 * N * N) == 0 && memcmp(c0, c2, sizeof *c0 * N * N) == 0);
    }
    tenyo_set_blas_threads(1);
    free(a);
    free(b);
    free(c0);
    free(c1);
    free(c2);
    if (!workers) TY_SKIP("OpenBLAS started no worker thread");
}
