/*
 * svd_qr.c — the re-orthonormalisation of every half step of the SVD:
 * Householder QR (LAPACK) on one process; Cholesky-QR with a second pass,
 * or SVQB when the Gram matrix is too ill-conditioned for Cholesky, where
 * the rows are split (one l x l reduction instead of a distributed QR),
 * the small factors computed once and broadcast so every process applies
 * the same bits.
 */
#include "model/model.h"
#include "model/svd_run.h"

#include "model/blas.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* =================================================================== QR */

/* Householder QR of the row-major rows x l block y in place (sgeqrf +
 * sorgqr on a column-major copy in w, which must hold rows x l floats; see
 * the top), on one OpenBLAS thread. rows >= l. When rt is given,
 * the l x l triangular factor R (y = Q R) is stored there row-major, zeros
 * below the diagonal. tau has l floats of scratch. */
static int orth_householder(const svd_run *r, float *y, uint64_t rows,
                            float *w, float *tau, double *rt,
                            const char *step) {
    int l = r->l;
    lapack_int ld = (lapack_int)rows;
    ty_svd_transpose(y, rows, (uint64_t)l, w); /* w = column-major y */
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, ld, l, w, ld, tau,
                                          r->work, r->lwork);
    if (info) return ty_svd_lapack_fail(r, "sgeqrf", step, info);
    if (rt)
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++)
                rt[(size_t)i * l + j] = i <= j ? w[(size_t)j * rows + i] : 0.0;
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, ld, l, l, w, ld, tau,
                               r->work, r->lwork);
    if (info) return ty_svd_lapack_fail(r, "sorgqr", step, info);
    ty_svd_transpose(w, (uint64_t)l, rows, y); /* back to row-major */
    return TENYO_OK;
}

/* Smallest pivot of the Cholesky factorisation, relative to its diagonal
 * entry of the Gram matrix, that a Cholesky-QR pass accepts: 1e-6 means
 * cond(Y) up to about 10^3, where one float pass still leaves Y R^-1
 * orthonormal to ~1e-4 and a second pass to rounding. Below it the block
 * goes to Householder. */
#define TY_SVD_CHOL_MIN_PIVOT 1e-6

/* One Cholesky-QR pass on the row-major rows x l block y: G = Y^T Y (per
 * chunk ssyrk, the partials summed in double in chunk order), G = R^T R
 * (Cholesky in double, serial: 272^3/3 flops, a few milliseconds),
 * Y = Y R^-1 (per chunk strsm). On success R (upper, row-major, double) is
 * left in r->chol and 0 is returned; 1 when a pivot is too small (y
 * untouched); a negative status when a reduction failed. split: y is the
 * row-split block, else the terms block every process holds whole, whose
 * chunks the processes share (Gram partials and strsm), the rows then
 * gathered to all. Both Gram matrices by gram_fixed. */
static int chol_pass(svd_run *r, float *y, uint64_t rows, int split) {
    int l = r->l;
    size_t ll = (size_t)l;
    float *g = r->gram;
    double *c = r->chol;
    int rc = ty_svd_gram_fixed(r, y, rows, split);
    if (rc) return rc;
    memcpy(r->gsave, c, ll * ll * sizeof *c);
    /* every process holds the same G: with a broadcast, process 0 alone
     * factors it and sends R (or the failure), the same bits */
    int one = r->comm && r->comm->size > 1 && r->comm->bcast_f64;
    double fail = 0;
    if (!one || r->comm->rank == 0) {
        for (size_t j = 0; j < ll; j++) r->diag[j] = c[j * ll + j];
        /* right-looking Cholesky on the upper triangle, row by row */
        for (size_t j = 0; j < ll && !fail; j++) {
            double d = c[j * ll + j];
            if (!(d > TY_SVD_CHOL_MIN_PIVOT * r->diag[j]) || !(r->diag[j] > 0)) {
                fail = 1;
                break;
            }
            double piv = sqrt(d), inv = 1.0 / piv;
            double *rj = c + j * ll;
            rj[j] = piv;
            for (size_t k = j + 1; k < ll; k++) rj[k] *= inv;
            for (size_t i = j + 1; i < ll; i++) {
                double f = rj[i];
                double *ri = c + i * ll;
                for (size_t k = i; k < ll; k++) ri[k] -= f * rj[k];
            }
        }
    }
    if (one) {
        rc = r->comm->bcast_f64(r->comm->ud, &fail, 1);
        if (!rc && !fail) rc = r->comm->bcast_f64(r->comm->ud, c, ll * ll);
        if (rc) {
            ty_seterr(r->err, r->errlen, "svd: broadcast over processes failed");
            return rc < 0 ? rc : TENYO_ERR_DEPENDENCY;
        }
    }
    if (fail) return 1;
    for (size_t i = 0; i < ll; i++)
        for (size_t j = 0; j < ll; j++)
            g[i * ll + j] = j >= i ? (float)c[i * ll + j] : 0.0f;
    if (split) {
        ty_svd_run_chunks(r, ty_svd_trsm_chunk, y, rows);
        return 0;
    }
    ty_svd_run_chunk_range(r, ty_svd_trsm_chunk, y, rows, r->tc_lo, r->tc_hi);
    return ty_svd_comm_gather(r, y, ll);
}

/* racc = f racc for upper triangular l x l row-major f and racc. */
static void rmul_upper(const svd_run *r, const double *f) {
    size_t ll = (size_t)r->l;
    double *t = r->rtmp, *acc = r->racc;
    for (size_t i = 0; i < ll; i++)
        for (size_t j = 0; j < ll; j++) {
            double x = 0;
            for (size_t k = i; k <= j; k++) x += f[i * ll + k] * acc[k * ll + j];
            t[i * ll + j] = j >= i ? x : 0.0;
        }
    memcpy(acc, t, ll * ll * sizeof *acc);
}

/* The fallback of the row-split block, which no process holds whole (so
 * no Householder): SVQB (Stathopoulos & Wu 2002) from the exact Gram
 * matrix in r->gsave. With D = diag(G)^-1/2 and D G D = W L W^T (LAPACK
 * dsyev in double, the same on every process), Y = Y D W L^-1/2, columns
 * whose eigenvalue is below 1e-7 of the largest set to zero (the block's
 * rank is smaller than l: tiny or degenerate corpora; the next half step's
 * Householder on the whole block completes the basis). w: rows x l
 * floats of scratch. */
static int orth_svqb(svd_run *r, float *y, uint64_t rows, float *w,
                     const char *step) {
    size_t ll = (size_t)r->l;
    int rc = TENYO_ERR_NOMEM;
    double *g = ty_mallocarray(ll * ll, sizeof *g);
    double *ev = ty_mallocarray(ll, sizeof *ev);
    double *d = ty_mallocarray(ll, sizeof *d);
    float *mf = ty_mallocarray(ll * ll, sizeof *mf);
    if (!g || !ev || !d || !mf) {
        ty_seterr(r->err, r->errlen, "svd: out of memory in %s", step);
        goto done;
    }
    for (size_t i = 0; i < ll; i++) {
        double gi = r->gsave[i * ll + i];
        d[i] = gi > 0 ? 1.0 / sqrt(gi) : 0.0;
    }
    for (size_t i = 0; i < ll; i++)
        for (size_t j = i; j < ll; j++)
            g[i * ll + j] = g[j * ll + i] = r->gsave[i * ll + j] * d[i] * d[j];
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)ll,
                                    g, (lapack_int)ll, ev);
    if (info) {
        rc = ty_svd_lapack_fail(r, "dsyev", step, info);
        goto done;
    }
    double top = ev[ll - 1];
    for (size_t k = 0; k < ll; k++) ev[k] = top > 0 && ev[k] > 1e-7 * top ? 1.0 / sqrt(ev[k]) : 0.0;
    /* M = D W L^-1/2, row-major; W's columns are the eigenvectors */
    for (size_t i = 0; i < ll; i++)
        for (size_t k = 0; k < ll; k++)
            mf[i * ll + k] = (float)(d[i] * g[i * ll + k] * ev[k]);
    gemm_args ga = {.y = y, .m = mf, .trans_m = 0, .ldm = (int)ll, .out = w,
                    .ncols = (int)ll, .ldo = (int)ll};
    ty_svd_run_chunks(r, ty_svd_gemm_chunk, &ga, rows);
    memcpy(y, w, (size_t)rows * ll * sizeof *y);
    rc = TENYO_OK;
done:
    free(g);
    free(ev);
    free(d);
    free(mf);
    return rc;
}

/* 1 when the l x l steps that every process would compute alike from the
 * same reduced numbers (the products of R factors, the small SVD) run on
 * process 0 alone and are broadcast (the same bits, without P copies of
 * the work). */
int ty_svd_small_on_zero(const svd_run *r) {
    return r->comm && r->comm->size > 1 && r->comm->bcast_f64;
}

/* Process 0's status st and, when it is 0, its small SVD to every
 * process: sv (l floats), ur and, unless NULL, vt (l x l floats each),
 * through the double broadcast (floats widen and narrow exactly);
 * r->diag and r->chol, dead by then, carry them. */
int ty_svd_bcast_small(svd_run *r, double *st, float *sv, float *ur,
                       float *vt) {
    const ty_svd_comm *c = r->comm;
    size_t ll = (size_t)r->l;
    float *fs[3] = {sv, ur, vt};
    size_t ns[3] = {ll, ll * ll, ll * ll};
    int rc = c->bcast_f64(c->ud, st, 1);
    for (int k = 0; k < 3 && !rc && *st == 0; k++) {
        if (!fs[k]) continue;
        double *d = k ? r->chol : r->diag;
        if (c->rank == 0)
            for (size_t i = 0; i < ns[k]; i++) d[i] = fs[k][i];
        rc = c->bcast_f64(c->ud, d, ns[k]);
        if (!rc && c->rank != 0)
            for (size_t i = 0; i < ns[k]; i++) fs[k][i] = (float)d[i];
    }
    if (!rc) return TENYO_OK;
    ty_seterr(r->err, r->errlen, "svd: broadcast over processes failed");
    return rc < 0 ? rc : TENYO_ERR_DEPENDENCY;
}

/* Orthonormalise the columns of the row-major rows x l block y in place
 * (rows >= l): `passes` Cholesky-QR passes (1 between power iterations,
 * where a basis orthonormal to ~1e-4 is all the next product needs; 2 for
 * the blocks the result is read from), or Householder QR when a pass meets
 * a tiny pivot (rank-deficient or very ill-conditioned blocks: tests,
 * degenerate corpora). w: rows x l floats of scratch for Householder; tau:
 * l floats. When rt is given, the triangular R with y_in = y_out R is
 * stored there column-major (float), as sgesdd wants it. split: y is the
 * row-split block (documents: exact Gram reductions, SVQB fallback, no
 * rt), else the block every process holds whole (terms). */
int ty_svd_orth(svd_run *r, float *y, uint64_t rows, int split, int passes,
                float *w, float *tau, float *rt, const char *step) {
    size_t ll = (size_t)r->l;
    /* R only feeds the small SVD, which runs on process 0 alone when it
     * can broadcast (ty_svd_small_on_zero): the others skip the products */
    if (rt && ty_svd_small_on_zero(r) && r->comm->rank != 0) rt = NULL;
    if (rt) {
        memset(r->racc, 0, ll * ll * sizeof *r->racc);
        for (size_t i = 0; i < ll; i++) r->racc[i * ll + i] = 1.0;
    }
    for (int p = 0; p < passes; p++) {
        int fail = chol_pass(r, y, rows, split);
        if (fail < 0) return fail;
        if (fail && split) {
            r->fallbacks++;
            return orth_svqb(r, y, rows, w, step);
        }
        if (fail) {
            r->fallbacks++;
            /* Householder needs the whole terms block: before a first
             * pass only this process's chunk rows are current */
            int rc = p == 0 ? ty_svd_comm_gather(r, y, ll) : TENYO_OK;
            if (rc) return rc;
            rc = orth_householder(r, y, rows, w, tau,
                                  rt ? r->chol : NULL, step);
            if (rc) return rc;
            if (rt) rmul_upper(r, r->chol);
            break;
        }
        if (rt) rmul_upper(r, r->chol);
    }
    if (rt)
        for (size_t j = 0; j < ll; j++)
            for (size_t i = 0; i < ll; i++)
                rt[j * ll + i] = (float)r->racc[i * ll + j];
    return TENYO_OK;
}

/* Query and allocate one LAPACK workspace large enough for sgeqrf and
 * sorgqr on both block heights and for sgesdd on the l x l factor. The
 * _work entry points are used because they call LAPACK directly: the plain
 * LAPACKE ones allocate per call and first scan the whole block for NaNs
 * (2% of the run time, measured; our blocks cannot hold NaNs from finite
 * input). Buffers are passed because queries must not see NULL arrays. */
int ty_svd_alloc_work(svd_run *r, float *q, float *z, uint64_t m, uint64_t n,
                      float *tau, float *rt, float *sv, float *ur, float *vt) {
    int l = r->l;
    float best = 1, got;
    lapack_int info;
    r->iwork = ty_mallocarray((size_t)8 * l, sizeof *r->iwork);
    if (!r->iwork) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for LAPACK workspace");
        return TENYO_ERR_NOMEM;
    }
    /* Householder only ever runs on the ncols x l block (the row-split
     * one falls back to SVQB) */
    uint64_t hs[1] = {n};
    float *bs[1] = {z};
    (void)m;
    (void)q;
    for (int h = 0; h < 1; h++) {
        lapack_int ld = (lapack_int)hs[h];
        info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, ld, l, bs[h], ld, tau,
                                   &got, -1);
        if (info) return ty_svd_lapack_fail(r, "sgeqrf", "workspace query", info);
        if (got > best) best = got;
        info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, ld, l, l, bs[h], ld, tau,
                                   &got, -1);
        if (info) return ty_svd_lapack_fail(r, "sorgqr", "workspace query", info);
        if (got > best) best = got;
    }
    info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'A', l, l, rt, l, sv, ur, l,
                               vt, l, &got, -1, r->iwork);
    if (info) return ty_svd_lapack_fail(r, "sgesdd", "workspace query", info);
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

/* A dense block of rows x cols floats for free(): aligned to 2 MiB and,
 * where the kernel offers it, backed by transparent huge pages. The sparse
 * products gather random rows of these blocks (hundreds of MB at 100k
 * documents): with 4 KiB pages nearly every gather also misses the TLB.
 * Rows of 16k floats stay 64-byte aligned, so a 64-column panel row is
 * exactly four cache lines. NULL on overflow or out of memory. */
float *ty_svd_alloc_block(uint64_t rows, size_t cols) {
    size_t bytes;
    void *p = NULL;
    if (ty_mul_overflow(rows, cols, &bytes) ||
        ty_mul_overflow(bytes, sizeof(float), &bytes))
        return NULL;
    if (posix_memalign(&p, (size_t)1 << 21, bytes ? bytes : 1)) return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= ((size_t)4 << 20)) (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}
