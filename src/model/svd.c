/*
 * svd.c — randomized truncated SVD of the sparse TF-IDF matrix (LSA); the
 * cblas/LAPACKE adapter of the model layer.
 *
 * Algorithm: Halko, Martinsson & Tropp (2011), "Finding structure with
 * randomness", algorithm 4.4 (randomized subspace iteration) followed by
 * 5.1 (direct SVD of the projected matrix). With l = rank + oversample
 * (capped by min(nrows, ncols)) and A the nrows x ncols matrix:
 *     Omega = Gaussian ncols x l               (own RNG, from opts.seed)
 *     Q = orth(A Omega)
 *     repeat power_iters times: Z = orth(A^T Q); Q = orth(A Z)
 *     Bt = A^T Q = Q2 R                        (ncols x l, and l x l)
 *     R = U_R S V_R^T                          (LAPACK sgesdd, l x l)
 *     V = Q2 U_R,  U = Q V_R,  keep the first `rank` columns.
 * Every half step is re-orthonormalised: without it the columns of A^q Omega
 * collapse onto the top singular vector in float after a couple of steps and
 * the smaller triplets are lost. The sparse products are csr.c's threaded,
 * thread-count-independent loops; everything dense is BLAS/LAPACK.
 *
 * Choices, and what was rejected:
 *   - Randomized rather than Lanczos (SVDLIBC's las2, ARPACK): a fixed
 *     number of block passes over A, each a cache-friendly product with a
 *     272-column block, instead of hundreds of sparse matrix-vector
 *     products with reorthogonalisation; the result is reproducible for a
 *     seed and the accuracy is tunable (power_iters). For LSA ranks of a few
 *     hundred on 10^4-10^6 documents it is the standard choice (gensim,
 *     scikit-learn's TruncatedSVD default).
 *   - Householder QR for orth() (sgeqrf + sorgqr). Cholesky-QR
 *     (Y^T Y = R^T R, Q = Y R^-1: one ssyrk and one strsm, about 4x cheaper
 *     here) and sklearn's LU normaliser were rejected: Cholesky-QR squares
 *     the condition number, so in float (eps 6e-8) it loses orthogonality
 *     or breaks down once cond(Y) passes ~10^3, which a corpus with a few
 *     dominant topics reaches; Householder is stable whatever the input.
 *     Should QR ever dominate, shifted Cholesky-QR3 is the upgrade path.
 *   - QR on a column-major copy. The dense blocks are row-major (k
 *     contiguous, which the sparse products need); LAPACK wants columns
 *     contiguous. A first version ran the LQ factorisation on the
 *     column-major view instead (a row-major m x l array is the column-major
 *     l x m array Y^T, and Y^T = L Q' is Y's QR with no copy), but its panel
 *     steps walk rows with stride l, one cache line per element: measured
 *     4-5x slower than transpose + sgeqrf + sorgqr + transpose back (20000 x
 *     272: 0.82 s against 0.17 s). LAPACKE's row-major sgeqrf makes the same
 *     copy but allocates it and transposes twice per call; here one scratch
 *     is reused: both dense blocks are sized max(nrows, ncols) x l and the
 *     block whose contents are dead at that half step is the scratch. The
 *     LAPACKE _work entry points are used with one workspace (the plain ones
 *     allocate per call and scan every block for NaNs first).
 *   - Float throughout (sgemm, sgeqrf, sgesdd): A itself is float and the
 *     basis is stored as float. Against a double eigensolver on a 5000 x
 *     20000 TF-IDF matrix the leading singular value comes out within
 *     2.3e-7 (float rounding); the error of the others is the randomized
 *     approximation's, orders of magnitude larger. Doubles would double the
 *     memory and time of the two big blocks for no visible gain.
 *   - A^T B runs as a gather over the transpose of A (built once, 8 bytes a
 *     non-zero), 1.2-1.4x faster than csr.c's column-split scatter, which
 *     is the fallback when the transpose cannot be allocated; both give the
 *     same bits (see csr.c).
 *
 * Determinism: the Gaussian block comes from xoshiro256** seeded by
 * splitmix64(seed) with Box-Muller, serially, so it does not depend on
 * threads; the sparse products are bitwise independent of the thread count;
 * BLAS/LAPACK see the same inputs whatever opts.threads is. Singular vectors
 * are defined up to sign, so each V column is flipped to make its entry of
 * largest magnitude (the first such) positive, and the U column with it.
 * OpenBLAS's own thread count is another matter: its sgemm, sgeqrf and
 * sgesdd results change in the last bits between 1 and 2 OpenBLAS threads
 * (measured), so byte-identical output also needs the same OpenBLAS thread
 * count (and CPU kernel). The library sets nothing global in OpenBLAS:
 * that setting belongs to the application.
 *
 * Memory: two dense blocks of max(nrows, ncols) x l floats (a third, of
 * ncols x l, only when U is wanted: Q must then outlive the last
 * projection), the transpose of A (when it fits) and O(l^2) for the small
 * SVD; Omega lives in the second block.
 */
#include "internal.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on power iterations: more never helps in float. */
#define TY_SVD_MAX_POWER 100

/* ================================================================== rng */

/* xoshiro256** state (Blackman & Vigna), seeded through splitmix64. */
typedef struct svd_rng {
    uint64_t s[4];       /* generator state, never all zero */
    double spare;        /* second Box-Muller normal, when have_spare */
    int have_spare;      /* spare holds an unused normal */
} svd_rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void rng_seed(svd_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
    r->have_spare = 0;
    r->spare = 0;
}

static uint64_t rng_next(svd_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Standard normal by Box-Muller on two uniforms in (0, 1]. */
static double rng_normal(svd_rng *r) {
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    double u1 = (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
    double u2 = (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->have_spare = 1;
    return rad * cos(th);
}

/* ============================================================ the state */

/* What one factorisation carries between its steps. */
typedef struct svd_run {
    const ty_csr *a;     /* the matrix */
    ty_csr at;           /* A^T as CSR when have_at */
    int have_at;         /* at was built (else column-split scatter) */
    int threads;         /* threads for the sparse products */
    int l;               /* block width: rank + oversample, capped */
    float *work;         /* LAPACK workspace, lwork floats */
    lapack_int lwork;    /* its size (largest of the workspace queries) */
    lapack_int *iwork;   /* sgesdd's integer workspace, 8 l entries */
    char *err;           /* caller's message buffer */
    size_t errlen;       /* its size */
} svd_run;

/* C (ncols x l) = A^T B (nrows x l). */
static void at_mul(const svd_run *r, const float *b, float *c) {
    if (r->have_at) ty_csr_mul_dense(&r->at, b, (size_t)r->l, c, r->threads);
    else ty_csr_tmul_dense(r->a, b, (size_t)r->l, c, r->threads);
}

/* Map a LAPACKE status to a tenyo status with a message naming the step. */
static int lapack_fail(const svd_run *r, const char *fn, const char *step,
                       lapack_int info) {
    if (info == LAPACK_WORK_MEMORY_ERROR ||
        info == LAPACK_TRANSPOSE_MEMORY_ERROR) {
        ty_seterr(r->err, r->errlen, "svd: out of memory in %s (%s)", fn,
                  step);
        return TENYO_ERR_NOMEM;
    }
    ty_seterr(r->err, r->errlen, "svd: LAPACK %s failed in %s (info %d)", fn,
              step, (int)info);
    return TENYO_ERR_DEPENDENCY;
}

/* dst (cols x rows, row-major) = src (rows x cols, row-major) transposed,
 * in 32 x 32 tiles so both sides stay in cache. */
static void transpose(const float *src, uint64_t rows, uint64_t cols,
                      float *dst) {
    enum { T = 32 };
    for (uint64_t i0 = 0; i0 < rows; i0 += T)
        for (uint64_t j0 = 0; j0 < cols; j0 += T) {
            uint64_t i1 = i0 + T < rows ? i0 + T : rows;
            uint64_t j1 = j0 + T < cols ? j0 + T : cols;
            for (uint64_t i = i0; i < i1; i++)
                for (uint64_t j = j0; j < j1; j++)
                    dst[j * rows + i] = src[i * cols + j];
        }
}

/* Orthonormalise the columns of the row-major rows x l block y in place
 * (Householder QR: sgeqrf + sorgqr on a column-major copy in w, which must
 * hold rows x l floats; see the top). rows >= l. When rt is given, the
 * l x l triangular factor R (y = Q R) is stored there column-major, zeros
 * below the diagonal. tau has l floats of scratch. */
static int orth(const svd_run *r, float *y, uint64_t rows, float *w,
                float *tau, float *rt, const char *step) {
    int l = r->l;
    lapack_int ld = (lapack_int)rows;
    transpose(y, rows, (uint64_t)l, w); /* w = column-major y */
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, ld, l, w, ld, tau,
                                          r->work, r->lwork);
    if (info) return lapack_fail(r, "sgeqrf", step, info);
    if (rt)
        for (int j = 0; j < l; j++)
            for (int i = 0; i < l; i++)
                rt[(size_t)j * l + i] = i <= j ? w[(size_t)j * rows + i] : 0.0f;
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, ld, l, l, w, ld, tau,
                               r->work, r->lwork);
    if (info) return lapack_fail(r, "sorgqr", step, info);
    transpose(w, (uint64_t)l, rows, y); /* back to row-major */
    return TENYO_OK;
}

/* Query and allocate one LAPACK workspace large enough for sgeqrf and
 * sorgqr on both block heights and for sgesdd on the l x l factor. The
 * _work entry points are used because they call LAPACK directly: the plain
 * LAPACKE ones allocate per call and first scan the whole block for NaNs
 * (2% of the run time, measured; our blocks cannot hold NaNs from finite
 * input). Buffers are passed because queries must not see NULL arrays. */
static int alloc_work(svd_run *r, float *q, float *z, uint64_t m, uint64_t n,
                      float *tau, float *rt, float *sv, float *ur, float *vt) {
    int l = r->l;
    float best = 1, got;
    lapack_int info;
    r->iwork = ty_mallocarray((size_t)8 * l, sizeof *r->iwork);
    if (!r->iwork) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for LAPACK workspace");
        return TENYO_ERR_NOMEM;
    }
    uint64_t hs[2] = {m, n};
    float *bs[2] = {q, z};
    for (int h = 0; h < 2; h++) {
        lapack_int ld = (lapack_int)hs[h];
        info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, ld, l, bs[h], ld, tau,
                                   &got, -1);
        if (info) return lapack_fail(r, "sgeqrf", "workspace query", info);
        if (got > best) best = got;
        info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, ld, l, l, bs[h], ld, tau,
                                   &got, -1);
        if (info) return lapack_fail(r, "sorgqr", "workspace query", info);
        if (got > best) best = got;
    }
    info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'A', l, l, rt, l, sv, ur, l,
                               vt, l, &got, -1, r->iwork);
    if (info) return lapack_fail(r, "sgesdd", "workspace query", info);
    if (got > best) best = got;
    /* the size comes back as a float: round up, with a little slack */
    if (!(best < (float)INT_MAX / 2)) {
        ty_seterr(r->err, r->errlen, "svd: LAPACK workspace too large");
        return TENYO_ERR_LIMIT;
    }
    r->lwork = (lapack_int)best + 64;
    r->work = ty_mallocarray((size_t)r->lwork, sizeof *r->work);
    if (!r->work) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for LAPACK workspace");
        return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

/* ========================================================== validation */

/* The matrix must be well formed before threads index with it: rowptr
 * starts at 0 and never decreases, columns are < ncols and strictly
 * increasing within a row (csr.c's column split needs sorted rows), values
 * are finite. */
static int check_csr(const ty_csr *a, char *err, size_t errlen) {
    if (a->nrows && !a->rowptr) {
        ty_seterr(err, errlen, "svd: matrix has rows but no row offsets");
        return TENYO_ERR_ARG;
    }
    if (a->nrows && a->rowptr[0] != 0) {
        ty_seterr(err, errlen, "svd: row offsets do not start at 0");
        return TENYO_ERR_INPUT;
    }
    uint64_t nnz = a->nrows ? a->rowptr[a->nrows] : 0;
    if (nnz && (!a->col || !a->val)) {
        ty_seterr(err, errlen, "svd: matrix has no column/value arrays");
        return TENYO_ERR_ARG;
    }
    for (uint64_t i = 0; i < a->nrows; i++) {
        uint64_t p0 = a->rowptr[i], p1 = a->rowptr[i + 1];
        if (p1 < p0 || p1 > nnz) {
            ty_seterr(err, errlen, "svd: row %llu: bad row offsets",
                      (unsigned long long)i);
            return TENYO_ERR_INPUT;
        }
        for (uint64_t p = p0; p < p1; p++) {
            if (a->col[p] >= a->ncols || (p > p0 && a->col[p] <= a->col[p - 1])) {
                ty_seterr(err, errlen,
                          "svd: row %llu: column %u out of range or order",
                          (unsigned long long)i, a->col[p]);
                return TENYO_ERR_INPUT;
            }
            if (!isfinite(a->val[p])) {
                ty_seterr(err, errlen, "svd: row %llu: value is not finite",
                          (unsigned long long)i);
                return TENYO_ERR_INPUT;
            }
        }
    }
    return TENYO_OK;
}

/* ================================================================ signs */

/* Flip each of the first kk columns of V (leading dimension ld) so its entry of largest
 * magnitude (first on ties) is positive; flip the same U column (when
 * given) to keep A = U S V^T. */
static void fix_signs(float *v, uint64_t nv, float *u, uint64_t nu, int kk,
                      int ld) {
    for (int c = 0; c < kk; c++) {
        float best = 0.0f;
        int neg = 0;
        for (uint64_t i = 0; i < nv; i++) {
            float x = v[i * ld + c], ax = fabsf(x);
            if (ax > best) {
                best = ax;
                neg = x < 0;
            }
        }
        if (!neg) continue;
        for (uint64_t i = 0; i < nv; i++) v[i * ld + c] = -v[i * ld + c];
        if (u)
            for (uint64_t i = 0; i < nu; i++) u[i * ld + c] = -u[i * ld + c];
    }
}

/* =============================================================== public */

/* Contract: see internal.h. Outputs keep the requested shape: when rank
 * exceeds min(nrows, ncols), the triplets past min(nrows, ncols) are zero
 * (S entries and U/V columns). An empty matrix gives all zeros and
 * TENYO_OK. Errors: TENYO_ERR_ARG (bad options, missing arrays),
 * _INPUT (malformed or non-finite matrix), _LIMIT (a dimension beyond
 * LAPACK's int), _NOMEM, _DEPENDENCY (LAPACK failed); err says which step.
 * Outputs are unspecified on error. */
/* The factorisation proper (below); ty_svd_randomized wraps it to pin
 * OpenBLAS to one thread. */
static int svd_run_all(const ty_csr *a, const ty_svd_opts *o, float *u,
                       float *s, float *v, char *err, size_t errlen);

/* OpenBLAS's sgemm/sgeqrf/sgesdd give different last bits with different
 * OpenBLAS thread counts, and its spinning threads collapse when another
 * process competes for the cores (measured: 2.5 s -> 36.6 s for the jp
 * corpus on 2 cores). The dense steps here are small (l x l, or n x l panels)
 * and the heavy sparse products use our own threads, so OpenBLAS runs on one
 * thread for the duration of the call: identical bytes whatever
 * OPENBLAS_NUM_THREADS and --threads say. The previous setting is restored;
 * a concurrent OpenBLAS user in another thread of the same process would see
 * the change meanwhile (tenyo never does that). */
int ty_svd_randomized(const ty_csr *a, const ty_svd_opts *o, float *u,
                      float *s, float *v, char *err, size_t errlen) {
    int prev = openblas_get_num_threads();
    openblas_set_num_threads(1);
    int rc = svd_run_all(a, o, u, s, v, err, errlen);
    openblas_set_num_threads(prev);
    return rc;
}

static int svd_run_all(const ty_csr *a, const ty_svd_opts *o, float *u,
                       float *s, float *v, char *err, size_t errlen) {
    int rc = TENYO_ERR_NOMEM;
    float *q = NULL, *z = NULL, *w = NULL, *tau = NULL, *rt = NULL,
          *sv = NULL, *ur = NULL, *vt = NULL;
    svd_run r = {.a = a, .err = err, .errlen = errlen};
    if (!a || !o || !s || !v) {
        ty_seterr(err, errlen, "svd: missing matrix, options or output");
        return TENYO_ERR_ARG;
    }
    if (o->rank < 1 || o->oversample < 0 || o->power_iters < 0 ||
        o->power_iters > TY_SVD_MAX_POWER) {
        ty_seterr(err, errlen,
                  "svd: bad options (rank %d, oversample %d, power_iters %d)",
                  o->rank, o->oversample, o->power_iters);
        return TENYO_ERR_ARG;
    }
    uint64_t m = a->nrows, n = a->ncols, rank = (uint64_t)o->rank;
    if (m > INT_MAX || n > INT_MAX) {
        ty_seterr(err, errlen,
                  "svd: matrix %llu x %llu exceeds LAPACK's int dimensions",
                  (unsigned long long)m, (unsigned long long)n);
        return TENYO_ERR_LIMIT;
    }
    size_t vsz, usz;
    if (ty_mul_overflow(n, rank, &vsz) || ty_mul_overflow(m, rank, &usz) ||
        ty_mul_overflow(vsz, sizeof *v, &vsz) ||
        ty_mul_overflow(usz, sizeof *u, &usz)) {
        ty_seterr(err, errlen, "svd: output size overflows");
        return TENYO_ERR_LIMIT;
    }
    rc = check_csr(a, err, errlen);
    if (rc) return rc;
    memset(s, 0, rank * sizeof *s);
    memset(v, 0, vsz);
    if (u) memset(u, 0, usz);
    uint64_t mn = m < n ? m : n;
    if (mn == 0) return TENYO_OK;
    int kk = (int)(rank < mn ? rank : mn);
    uint64_t l64 = (uint64_t)kk + (uint64_t)o->oversample;
    int l = (int)(l64 < mn ? l64 : mn);
    r.l = l;
    r.threads = o->threads;

    rc = TENYO_ERR_NOMEM;
    /* q holds Q (nrows x l), z holds Omega then Z and Q2 (ncols x l); each
     * is sized for either so that the one not live serves as QR scratch */
    uint64_t big = m > n ? m : n;
    q = ty_mallocarray(big, (size_t)l * sizeof *q);
    z = ty_mallocarray(big, (size_t)l * sizeof *z);
    w = u ? ty_mallocarray(n, (size_t)l * sizeof *w) : NULL;
    tau = ty_mallocarray((size_t)l, sizeof *tau);
    rt = ty_mallocarray((size_t)l * l, sizeof *rt);
    sv = ty_mallocarray((size_t)l, sizeof *sv);
    ur = ty_mallocarray((size_t)l * l, sizeof *ur);
    vt = ty_mallocarray((size_t)l * l, sizeof *vt);
    if (!q || !z || (u && !w) || !tau || !rt || !sv || !ur || !vt) {
        ty_seterr(err, errlen,
                  "svd: out of memory for blocks of %llu and %llu x %d floats",
                  (unsigned long long)m, (unsigned long long)n, l);
        goto done;
    }
    if ((rc = alloc_work(&r, q, z, m, n, tau, rt, sv, ur, vt))) goto done;
    /* A^T for the gather form of A^T B; without it the scatter form */
    r.have_at = ty_csr_transpose(a, &r.at) == TENYO_OK;

    /* range finder: Q = orth(A Omega), then subspace iterations */
    svd_rng g;
    rng_seed(&g, o->seed);
    for (size_t i = 0; i < (size_t)n * l; i++) z[i] = (float)rng_normal(&g);
    ty_csr_mul_dense(a, z, (size_t)l, q, r.threads);
    /* after each product its input block is dead: it is the scratch */
    if ((rc = orth(&r, q, m, z, tau, NULL, "range"))) goto done;
    for (int it = 0; it < o->power_iters; it++) {
        at_mul(&r, q, z);
        if ((rc = orth(&r, z, n, q, tau, NULL, "power iteration"))) goto done;
        ty_csr_mul_dense(a, z, (size_t)l, q, r.threads);
        if ((rc = orth(&r, q, m, z, tau, NULL, "power iteration"))) goto done;
    }

    /* projection: Bt = A^T Q = Q2 R, then R = U_R S V_R^T */
    at_mul(&r, q, z);
    /* Q is still needed for U when U is wanted: then w is the scratch */
    if ((rc = orth(&r, z, n, u ? w : q, tau, rt, "projection"))) goto done;
    lapack_int info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'A', l, l, rt, l,
                                          sv, ur, l, vt, l, r.work, r.lwork,
                                          r.iwork);
    if (info) {
        rc = lapack_fail(&r, "sgesdd", "small SVD", info);
        goto done;
    }
    for (int i = 0; i < kk; i++) {
        if (!isfinite(sv[i])) {
            ty_seterr(err, errlen, "svd: singular value %d is not finite", i);
            rc = TENYO_ERR_INPUT;
            goto done;
        }
        s[i] = sv[i];
    }
    /* V = Q2 U_R[:, :kk]: ur is column-major U_R, i.e. row-major U_R^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, kk, l, 1.0f,
                z, l, ur, l, 0.0f, v, (int)rank);
    /* U = Q V_R[:, :kk]: vt is column-major V_R^T, i.e. row-major V_R */
    if (u)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, kk, l,
                    1.0f, q, l, vt, l, 0.0f, u, (int)rank);
    fix_signs(v, n, u, m, kk, (int)rank);
    rc = TENYO_OK;
done:
    ty_csr_free(&r.at);
    free(q);
    free(z);
    free(w);
    free(tau);
    free(rt);
    free(sv);
    free(ur);
    free(vt);
    free(r.work);
    free(r.iwork);
    return rc;
}

/* ============================================================ threads */

int tenyo_set_blas_threads(int n) {
    if (n < 1) return TENYO_ERR_ARG;
    openblas_set_num_threads(n);
    return openblas_get_num_threads();
}
