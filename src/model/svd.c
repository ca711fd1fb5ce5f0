/*
 * svd.c — randomized truncated SVD of the sparse TF-IDF matrix (LSA); the
 * cblas/LAPACKE adapter of the model layer.
 *
 * Algorithm: Halko, Martinsson & Tropp (2011), algorithm 4.4 (randomized
 * subspace iteration) then 5.1 (direct SVD of the projected matrix). With
 * l = rank + oversample (capped by min(nrows, ncols)) and A nrows x ncols:
 *     Omega = Gaussian ncols x l               (own RNG, from opts.seed)
 *     Q = ty_svd_orth(A Omega)
 *     repeat power_iters times: Z = ty_svd_orth(A^T Q); Q = ty_svd_orth(A Z)
 *     Bt = A^T Q = Q2 R;  R = U_R S V_R^T      (LAPACK sgesdd, l x l)
 *     V = Q2 U_R,  U = Q V_R,  keep the first `rank` columns.
 * Every half step is re-orthonormalised (in float the columns of A^q Omega
 * collapse onto the top singular vector otherwise).
 *
 * Design:
 *   - Orthonormalisation by Cholesky-QR (ssyrk, Cholesky of the l x l Gram
 *     matrix in double, strsm): all level 3, split over row chunks. One
 *     pass between power iterations, two (CholeskyQR2) for the Q and Q2 the
 *     result is read from; a pivot below 1e-6 of its Gram diagonal sends
 *     the block to Householder QR (svd_qr.c), or on a row-split doc side,
 *     where no process holds the block, to SVQB.
 *   - Dense steps on fixed row chunks (TY_SVD_CHUNK), one single-threaded
 *     OpenBLAS call each; Gram partials summed in double in chunk order.
 *   - Float throughout but the l x l Cholesky and the Gram sums (double).
 *   - A^T Q in document order (svd_fixed.c, atqs_*) in bands of terms
 *     (one process: TY_SVD_BAND_BYTES; split: a reduce-scatter round's
 *     slices), else over the transpose of A: the same bits.
 *   - Rows may be split over processes (ty_svd_comm, src/mpi/mpicomm.c) in
 *     whole blocks of TY_SVD_BLOCK rows; the terms side is held whole. The
 *     two sums over documents (the doc side's Gram matrix, A^T Q) are
 *     fixed-point int64 sums over those blocks, exact in any order, so one
 *     process runs the same arithmetic and any split gives the same bytes.
 *     A^T Q's sum over processes is a reduce-scatter in rounds of 64 MiB
 *     (each round every process's next slice of its terms), so no process
 *     holds the int64 terms block whole; Q is freed once the projection
 *     no longer needs it (no U asked).
 *     Work every process would repeat (Omega's rows, the small
 *     factorisations, V's signs) is done once or shared out by chunks.
 *   - Rejected: Lanczos (SVDLIBC, ARPACK: hundreds of sparse mat-vecs);
 *     Householder everywhere (45% of the build, single-threaded); OpenBLAS's
 *     own threads (other bits per thread count).
 *
 * Determinism: Omega is one xoshiro256** stream for a seed (Box-Muller),
 * whatever the threads or the split; products and dense calls do not
 * depend on the thread count; each V column is signed so that its first
 * largest entry is positive, and the U column with it. The bytes depend on
 * the seed, not on opts.threads, OPENBLAS_NUM_THREADS or the process count
 * (they may differ between CPUs: OpenBLAS picks kernels at run time).
 *
 * Memory: two dense blocks of max(nrows, ncols) x l floats (a third when U
 * is wanted), one l x l Gram partial per chunk, and the transpose of A,
 * made by the first per-term A^T Q (docs/design.md, "The randomized SVD").
 *
 * The files (svd_run.h: their shared state): this one, the driver and the
 * public calls; svd_dense.c the dense steps; svd_fixed.c the fixed-point
 * sums; svd_qr.c the re-orthonormalisations. Grids, traffic, measurements
 * and every alternative weighed: docs/design.md, "The randomized SVD".
 */
#include "model/model.h"
#include "model/svd_run.h"

#include "model/blas.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Flip each of the first kk columns of V (leading dimension ld) so its
 * entry of largest magnitude (first on ties) is positive; flip the same U
 * column (when given) to keep A = U S V^T. This process holds the rows
 * [lo, hi) of V (all of them without a split) and all its rows of U. Rows
 * are walked in order, all columns at once (a column-by-column walk
 * strides through the whole block kk times: 8% of a build, measured).
 * With the rows split over processes (svd_run_all, before V's gather) the
 * entry of largest magnitude of a column, first on ties, is the first of
 * the first process holding the largest magnitude, so: each process finds
 * its own, the maximum of the magnitudes over processes, the first
 * process reaching it (the maximum of -rank over those that do), and its
 * sign (an integer sum to which only that process adds); then each flips
 * its own rows. The same flips as one process over the whole V, without
 * every process walking all of V twice (280 MB at 139k terms x 256).
 * Scratch: r->diag, r->csc, r->colmax (l doubles each) and r->iscr (l
 * int64), dead by then. */
static int fix_signs(svd_run *r, float *v, uint64_t lo, uint64_t hi, float *u,
                     uint64_t nu, int kk, int ld) {
    const ty_svd_comm *c = r->comm && r->comm->size > 1 ? r->comm : NULL;
    double *best = r->diag, *top = r->csc, *first = r->colmax;
    int64_t *neg = r->iscr;
    int rc;
    for (int k = 0; k < kk; k++) {
        best[k] = 0;
        neg[k] = 0;
    }
    for (uint64_t i = lo; i < hi; i++) {
        const float *vi = v + i * ld;
        for (int k = 0; k < kk; k++) {
            float ax = fabsf(vi[k]);
            if (ax > best[k]) {
                best[k] = ax;
                neg[k] = vi[k] < 0;
            }
        }
    }
    if (c) {
        memcpy(top, best, (size_t)kk * sizeof *top);
        if ((rc = ty_svd_comm_max(r, top, (size_t)kk))) return rc;
        for (int k = 0; k < kk; k++)
            first[k] = best[k] == top[k] ? -(double)c->rank : -(double)c->size;
        if ((rc = ty_svd_comm_max(r, first, (size_t)kk))) return rc;
        for (int k = 0; k < kk; k++)
            if (first[k] != -(double)c->rank) neg[k] = 0;
        if ((rc = ty_svd_comm_sum(r, neg, (size_t)kk))) return rc;
    }
    for (uint64_t i = lo; i < hi; i++)
        for (int k = 0; k < kk; k++)
            if (neg[k]) v[i * ld + k] = -v[i * ld + k];
    if (u)
        for (uint64_t i = 0; i < nu; i++)
            for (int k = 0; k < kk; k++)
                if (neg[k]) u[i * ld + k] = -u[i * ld + k];
    return TENYO_OK;
}

/* =============================================================== public */

/* Contract: see internal.h. Outputs keep the requested shape: when rank
 * exceeds min(nrows, ncols), the triplets past min(nrows, ncols) are zero
 * (S entries and U/V columns). An empty matrix gives all zeros and
 * TENYO_OK. Errors: TENYO_ERR_ARG (bad options, missing arrays),
 * _INPUT (malformed or non-finite matrix), _LIMIT (a dimension beyond
 * LAPACK's int), _NOMEM, _DEPENDENCY (LAPACK failed); err says which step.
 * Outputs are unspecified on error. */
/* The factorisation proper (below); ty_svd_randomized wraps it to manage
 * OpenBLAS's thread count. */
static int svd_run_all(const ty_csr *a, const ty_svd_opts *o, float *u,
                       float *s, float *v, char *err, size_t errlen);

/* OpenBLAS runs on one thread for the duration of the call (the previous
 * setting is restored): its threaded ssyrk/strsm/sgemm, sgeqrf and sgesdd
 * change the last bits with its thread count (measured), and its spinning
 * threads collapse when another process competes for the cores (measured
 * with them: 2.5 s -> 36.6 s for the jp corpus on 2 cores). The dense steps
 * get their cores from ty_svd_run_chunks() instead: fixed row chunks, one
 * single-threaded OpenBLAS call each, spread over opts.threads threads.
 * So the bytes depend neither on --threads nor on OPENBLAS_NUM_THREADS. A
 * concurrent OpenBLAS user in another thread of the same process would see
 * the changed setting meanwhile (tenyo never does that). */
int ty_svd_randomized(const ty_csr *a, const ty_svd_opts *o, float *u,
                      float *s, float *v, char *err, size_t errlen) {
    int prev = openblas_get_num_threads();
    openblas_set_num_threads(1);
    int rc = svd_run_all(a, o, u, s, v, err, errlen);
    openblas_set_num_threads(prev);
    return rc;
}

/* Rows [t0, t1) of Omega (ncols x l Gaussian, one serial stream from the
 * seed g) into z: the stream first walked to row t0, drawing only the
 * uniforms (no log, sin and cos), so the rows are the same bits as when
 * one stream draws them all; it stops after row t1 - 1. */
static void omega_rows(svd_rng *g, float *z, uint64_t t0, uint64_t t1, size_t l) {
    /* the normals before row t0: t0 l of them, two uniforms per pair */
    for (uint64_t k = 0, skip = t0 * l; k < skip;) {
        if (g->have_spare) {
            g->have_spare = 0;
            k++;
        } else if (k + 1 == skip) {
            (void)rng_normal(g); /* its second normal opens row t0 */
            k++;
        } else {
            (void)rng_next(g);
            (void)rng_next(g);
            k += 2;
        }
    }
    for (uint64_t t = t0; t < t1; t++) {
        float *zt = z + t * l;
        for (size_t j = 0; j < l; j++) zt[j] = (float)rng_normal(g);
    }
}

typedef struct omega_job {
    const svd_run *r;
    uint64_t seed;
    float *z;
} omega_job;

/* One thread's share of Omega's rows (a stream of its own, walked). */
static int omega_worker(void *ud, int w, int nw) {
    const omega_job *j = ud;
    uint64_t n = j->r->a->ncols;
    svd_rng g;
    rng_seed(&g, j->seed);
    omega_rows(&g, j->z, ty_split(n, w, nw), ty_split(n, w + 1, nw), (size_t)j->r->l);
    return TENYO_OK;
}

/* Omega (ncols x l Gaussian, one serial stream from the seed) into z.
 * With the rows split, each process draws only the rows of its chunks of
 * the terms block (r->toff) and the rows are then gathered to all (A Omega
 * reads the rows of every term its documents hold). One process draws its
 * rows over its threads the same way, each walking the stream to its
 * first row: the walk costs a share of one stream's uniforms, the normals
 * (log, sin, cos) are most of the cost (0.2 s of a 60,910-document build
 * on one thread). */
static int omega(const svd_run *r, uint64_t seed, float *z) {
    if (r->comm && r->comm->size > 1) {
        size_t l = (size_t)r->l;
        svd_rng g;
        rng_seed(&g, seed);
        omega_rows(&g, z, r->toff[r->comm->rank], r->toff[r->comm->rank + 1], l);
        return ty_svd_comm_gather(r, z, l);
    }
    omega_job j = {r, seed, z};
    return ty_parallel(ty_parallel_workers(r->threads, r->a->ncols, 1024), omega_worker, &j);
}

/* The blocks of one factorisation beside those svd_run holds. */
typedef struct svd_bufs {
    float *q;            /* Q (nrows x l); sized for either block */
    float *z;            /* Omega, then Z and Q2 (ncols x l); the same */
    float *w;            /* ncols x l: QR scratch while Q lives (with U) */
    float *tau;          /* l: Householder scalars */
    float *rt;           /* l x l: R of the projection, column-major */
    float *sv, *ur, *vt; /* the small SVD: l, l x l, l x l */
} svd_bufs;

/* The arguments checked, r's row split set (block, comm, mtot) and the
 * output sizes in bytes into *vsz and *usz: 0, or a status with err set. */
static int svd_check(const ty_csr *a, const ty_svd_opts *o, const float *s, const float *v,
                     svd_run *r, size_t *vsz, size_t *usz) {
    char *err = r->err;
    size_t errlen = r->errlen;
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
    const ty_svd_comm *cm = o->comm;
    r->block = o->block ? o->block : TY_SVD_BLOCK;
    r->comm = cm;
    r->mtot = cm ? cm->nrows_total : m;
    if (cm && (!cm->sum_i64 || !cm->max_f64 || !cm->gather_f32 ||
               cm->size < 1 || cm->rank < 0 || cm->rank >= cm->size ||
               (m && cm->row0 % r->block) ||
               cm->row0 > r->mtot || m > r->mtot - cm->row0)) {
        ty_seterr(err, errlen,
                  "svd: bad row split (first row %llu, %llu of %llu rows, block %llu)",
                  (unsigned long long)cm->row0, (unsigned long long)m,
                  (unsigned long long)r->mtot, (unsigned long long)r->block);
        return TENYO_ERR_ARG;
    }
    if (r->mtot > INT_MAX || n > INT_MAX) {
        ty_seterr(err, errlen,
                  "svd: matrix %llu x %llu exceeds LAPACK's int dimensions",
                  (unsigned long long)r->mtot, (unsigned long long)n);
        return TENYO_ERR_LIMIT;
    }
    if (ty_mul_overflow(n, rank, vsz) || ty_mul_overflow(m, rank, usz) ||
        ty_mul_overflow(*vsz, sizeof *v, vsz) || ty_mul_overflow(*usz, sizeof(float), usz)) {
        ty_seterr(err, errlen, "svd: output size overflows");
        return TENYO_ERR_LIMIT;
    }
    return check_csr(a, err, errlen);
}

/* The terms block's chunks, shared out over the processes in contiguous
 * runs: this process's chunks (tc_lo, tc_hi), every process's first row
 * (toff) and, for the reduce-scatter, its rows of the sum (zsum). */
static void svd_share_terms(svd_run *r) {
    const ty_svd_comm *cm = r->comm;
    uint64_t n = r->a->ncols;
    size_t l = (size_t)r->l;
    size_t nch = ty_svd_chunk_count(r, n), np = cm ? (size_t)cm->size : 1,
           me = cm ? (size_t)cm->rank : 0;
    r->tc_lo = nch * me / np;
    r->tc_hi = nch * (me + 1) / np;
    r->toff = ty_mallocarray(np + 1, sizeof *r->toff);
    for (size_t p = 0; r->toff && p <= np; p++) {
        uint64_t row = (uint64_t)(nch * p / np) * r->block;
        r->toff[p] = row < n ? row : n;
    }
    if (cm && cm->size > 1 && cm->sum_scatter_i64 && r->toff) {
        uint64_t mine = ty_svd_rounds(r);
        r->zsum = ty_mallocarray((size_t)(mine ? mine : 1) * l, sizeof *r->zsum);
        r->zr = ty_mallocarray((size_t)(r->zr_rows ? r->zr_rows : 1) * l, sizeof *r->zr);
    }
}

/* Every block and scratch of the factorisation (r->l and r->threads set):
 * 0, or TENYO_ERR_NOMEM with err set. WANT_U: U is asked for. */
static int svd_alloc(svd_run *r, svd_bufs *b, int want_u) {
    const ty_svd_comm *cm = r->comm;
    uint64_t m = r->a->nrows, n = r->a->ncols;
    int l = r->l;
    /* q holds Q (nrows x l), z holds Omega then Z and Q2 (ncols x l); each
     * is sized for either so that the one not live serves as QR scratch */
    uint64_t big = m > n ? m : n;
    b->q = ty_svd_alloc_block(big, (size_t)l);
    b->z = ty_svd_alloc_block(big, (size_t)l);
    b->w = want_u ? ty_svd_alloc_block(n, (size_t)l) : NULL;
    r->gram = ty_mallocarray((size_t)l * l, sizeof *r->gram);
    r->chol = ty_mallocarray((size_t)l * l, sizeof *r->chol);
    r->racc = ty_mallocarray((size_t)l * l, sizeof *r->racc);
    r->rtmp = ty_mallocarray((size_t)l * l, sizeof *r->rtmp);
    r->diag = ty_mallocarray((size_t)l, sizeof *r->diag);
    r->nchunk_max = ty_svd_chunk_count(r, big);
    r->part = ty_mallocarray(r->nchunk_max, (size_t)l * l * sizeof *r->part);
    r->tbound = ty_mallocarray(n, sizeof *r->tbound);
    /* one process (even through comm) writes A^T Q straight to floats;
     * a reduce-scatter takes the terms a round at a time (zr, zsum: from
     * svd_share_terms), a plain sum all of them at once */
    r->zi = cm && cm->size > 1 && !cm->sum_scatter_i64
                ? ty_calloc((size_t)n * l, sizeof *r->zi) : NULL;
    r->iscr = ty_mallocarray((size_t)r->threads * l, sizeof *r->iscr);
    r->iacc = ty_mallocarray((size_t)l * l, sizeof *r->iacc);
    r->gsave = ty_mallocarray((size_t)l * l, sizeof *r->gsave);
    r->colmax = ty_mallocarray((size_t)l, sizeof *r->colmax);
    r->csc = ty_mallocarray((size_t)l, sizeof *r->csc);
    r->ctc = ty_mallocarray((size_t)l, sizeof *r->ctc);
    svd_share_terms(r);
    b->tau = ty_mallocarray((size_t)l, sizeof *b->tau);
    b->rt = ty_mallocarray((size_t)l * l, sizeof *b->rt);
    b->sv = ty_mallocarray((size_t)l, sizeof *b->sv);
    b->ur = ty_mallocarray((size_t)l * l, sizeof *b->ur);
    b->vt = ty_mallocarray((size_t)l * l, sizeof *b->vt);
    if (!b->q || !b->z || (want_u && !b->w) || !b->tau || !b->rt || !b->sv || !b->ur ||
        !b->vt || !r->gram || !r->chol || !r->racc || !r->rtmp || !r->diag || !r->part ||
        !r->tbound || (cm && cm->size > 1 && (cm->sum_scatter_i64 ? !r->zsum || !r->zr : !r->zi)) ||
        !r->iscr || !r->iacc ||
        !r->gsave || !r->colmax || !r->csc || !r->ctc || !r->toff) {
        ty_seterr(r->err, r->errlen,
                  "svd: out of memory for blocks of %llu and %llu x %d floats",
                  (unsigned long long)m, (unsigned long long)n, l);
        return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

static void svd_free(svd_run *r, svd_bufs *b) {
    ty_csr_free(&r->at);
    free(b->q);
    free(b->z);
    free(b->w);
    free(r->gram);
    free(r->chol);
    free(r->racc);
    free(r->rtmp);
    free(r->diag);
    free(r->part);
    free(r->tbound);
    ty_svd_fixed_free(r); /* zi, zr, zsum, iscr, iacc, the document-order blocks */
    free(r->gsave);
    free(r->colmax);
    free(r->csc);
    free(r->ctc);
    free(r->toff);
    free(b->tau);
    free(b->rt);
    free(b->sv);
    free(b->ur);
    free(b->vt);
    free(r->work);
    free(r->iwork);
}

/* Progress: one step per product-and-orthonormalisation pass. */
static void svd_step(const ty_svd_opts *o, uint64_t *step, uint64_t steps) {
    if (o->progress) o->progress(o->progress_ud, ++*step, steps);
}

/* The range finder: Q = ty_svd_orth(A Omega) into b->q, then the subspace
 * iterations. After each product its input block is dead: it is the
 * scratch. One Cholesky-QR pass between products, two for the last Q. */
static int svd_range(svd_run *r, const ty_svd_opts *o, svd_bufs *b, uint64_t *step,
                     uint64_t steps) {
    const ty_csr *a = r->a;
    uint64_t m = a->nrows, n = a->ncols;
    size_t l = (size_t)r->l;
    float *q = b->q, *z = b->z;
    int rc;
    /* one serial stream: the same Omega for a seed whatever the split
     * (see the top: per-chunk streams would change the draw) */
    if ((rc = omega(r, o->seed, z))) return rc;
    ty_csr_mul_dense(a, z, l, q, r->threads);
    if ((rc = ty_svd_orth(r, q, m, 1, o->power_iters ? 1 : 2, z, b->tau, NULL, "range")))
        return rc;
    svd_step(o, step, steps);
    for (int it = 0; it < o->power_iters; it++) {
        int last = it + 1 == o->power_iters;
        if ((rc = ty_svd_at_mul(r, q, m, z))) return rc;
        if ((rc = ty_svd_orth(r, z, n, 0, 1, q, b->tau, NULL, "power iteration")))
            return rc;
        svd_step(o, step, steps);
        ty_csr_mul_dense(a, z, l, q, r->threads);
        if ((rc = ty_svd_orth(r, q, m, 1, last ? 2 : 1, z, b->tau, NULL,
                              "power iteration")))
            return rc;
        svd_step(o, step, steps);
    }
    return TENYO_OK;
}

/* The small SVD R = U_R S V_R^T (b->rt into b->sv, b->ur, b->vt): on
 * process 0 alone when it can broadcast (its R products too: orth), sent
 * with its status. */
static int svd_small(svd_run *r, svd_bufs *b, int want_u) {
    int l = r->l, rc;
    double st = 0;
    if (!ty_svd_small_on_zero(r) || r->comm->rank == 0)
        st = (double)LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'A', l, l, b->rt, l, b->sv, b->ur,
                                         l, b->vt, l, r->work, r->lwork, r->iwork);
    if (ty_svd_small_on_zero(r) &&
        (rc = ty_svd_bcast_small(r, &st, b->sv, b->ur, want_u ? b->vt : NULL)))
        return rc;
    if (st != 0) return ty_svd_lapack_fail(r, "sgesdd", "small SVD", (lapack_int)st);
    return TENYO_OK;
}

/* The projection: Bt = A^T Q = Q2 R, R = U_R S V_R^T, then the first KK
 * triplets: S, V = Q2 U_R and U = Q V_R (when asked), their signs fixed
 * and, split, V's rows gathered to all. */
static int svd_project(svd_run *r, const ty_svd_opts *o, svd_bufs *b, float *u, float *s,
                       float *v, int kk, uint64_t *step, uint64_t steps) {
    uint64_t m = r->a->nrows, n = r->a->ncols, rank = (uint64_t)o->rank;
    const ty_svd_comm *cm = r->comm;
    int l = r->l, rc;
    if ((rc = ty_svd_at_mul(r, b->q, m, b->z))) return rc;
    /* Q is still needed for U when U is wanted: then w is the scratch */
    if ((rc = ty_svd_orth(r, b->z, n, 0, 2, u ? b->w : b->q, b->tau, b->rt, "projection")))
        return rc;
    if (!u) { /* Q was that scratch, and nothing reads it now: its rows x l
               * floats (1 GB for a million rows) need not stay beside V */
        free(b->q);
        b->q = NULL;
    }
    svd_step(o, step, steps);
    if ((rc = svd_small(r, b, u != NULL))) return rc;
    for (int i = 0; i < kk; i++) {
        if (!isfinite(b->sv[i])) {
            ty_seterr(r->err, r->errlen, "svd: singular value %d is not finite", i);
            return TENYO_ERR_INPUT;
        }
        s[i] = b->sv[i];
    }
    /* V = Q2 U_R[:, :kk]: ur is column-major U_R, i.e. row-major U_R^T */
    gemm_args gv = {.y = b->z, .m = b->ur, .trans_m = 1, .ldm = l, .out = v,
                    .ncols = kk, .ldo = (int)rank};
    ty_svd_run_chunk_range(r, ty_svd_gemm_chunk, &gv, n, r->tc_lo, r->tc_hi);
    /* U = Q V_R[:, :kk]: vt is column-major V_R^T, i.e. row-major V_R */
    gemm_args gu = {.y = b->q, .m = b->vt, .trans_m = 0, .ldm = l, .out = u,
                    .ncols = kk, .ldo = (int)rank};
    if (u) ty_svd_run_chunks(r, ty_svd_gemm_chunk, &gu, m);
    if (cm && cm->size > 1) {
        /* signs from each process's rows of V, then the rows to all */
        if ((rc = fix_signs(r, v, r->toff[cm->rank], r->toff[cm->rank + 1], u, m, kk,
                            (int)rank)) ||
            (rc = ty_svd_comm_gather(r, v, (size_t)rank)))
            return rc;
    } else {
        fix_signs(r, v, 0, n, u, m, kk, (int)rank);
    }
    svd_step(o, step, steps);
    return TENYO_OK;
}

/* Bytes of A's transpose (ty_csr_transpose: row pointers, columns, values). */
static size_t csr_t_bytes(const ty_csr *a) {
    uint64_t nnz = a->rowptr ? a->rowptr[a->nrows] : 0;
    return (size_t)(a->ncols + 1) * sizeof(uint64_t) + (size_t)nnz * (sizeof(uint32_t) + sizeof(float));
}

static int svd_run_all(const ty_csr *a, const ty_svd_opts *o, float *u,
                       float *s, float *v, char *err, size_t errlen) {
    svd_run r = {.a = a, .err = err, .errlen = errlen, .before_at = o->before_at,
                 .before_at_ud = o->before_at_ud};
    size_t vsz, usz;
    int rc = svd_check(a, o, s, v, &r, &vsz, &usz);
    if (rc) return rc;
    uint64_t n = a->ncols, rank = (uint64_t)o->rank;
    memset(s, 0, rank * sizeof *s);
    uint64_t mn = r.mtot < n ? r.mtot : n;
    int kk = (int)(rank < mn ? rank : mn);
    /* V and U are written whole below when all `rank` triplets exist
     * (zeroing 140 MB of V first was every process's work at 100k) */
    if ((uint64_t)kk < rank) {
        memset(v, 0, vsz);
        if (u) memset(u, 0, usz);
    }
    if (mn == 0) return TENYO_OK;
    uint64_t l64 = (uint64_t)kk + (uint64_t)o->oversample;
    r.l = (int)(l64 < mn ? l64 : mn);
    r.threads = ty_parallel_workers(o->threads, UINT64_MAX, 1); /* <= 0: the cores */
    svd_bufs b = {0};
    uint64_t steps = 2 * (uint64_t)o->power_iters + 3, step = 0;
    if ((rc = svd_alloc(&r, &b, u != NULL)) ||
        (rc = ty_svd_alloc_work(&r, b.q, b.z, a->nrows, n, b.tau, b.rt, b.sv, b.ur, b.vt)))
        goto done;
    /* as many threads as OpenBLAS has room for, once the SVD's own memory
     * is taken, what A^T Q will hold counted in (before the terms are
     * shared out over them): rows split over processes without the
     * reduce-scatter, the transpose of A that the first product makes;
     * else the band's blocks (split: a round's slice of float sums) and
     * the per-term stamps and counts of the document-order form. The
     * chunks, and so the bits, do not depend on it */
    int split = r.comm && r.comm->size > 1;
    size_t atq_bytes = split && !r.zr ? csr_t_bytes(a)
                       : split        ? (size_t)r.zr_rows * (size_t)r.l * sizeof(float) + (size_t)n * 16
                                      : (size_t)TY_SVD_BAND_BYTES + (size_t)n * 16;
    if ((r.threads = ty_blas_room(r.threads, atq_bytes, err, errlen)) < 1) {
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    if ((rc = ty_svd_term_bounds(&r)) || (rc = svd_range(&r, o, &b, &step, steps)) ||
        (rc = svd_project(&r, o, &b, u, s, v, kk, &step, steps)))
        goto done;
    rc = TENYO_OK;
done:
    svd_free(&r, &b);
    return rc;
}

/* ============================================================ threads */

int tenyo_set_blas_threads(int n) {
    if (n < 1) return TENYO_ERR_ARG;
    /* now if OpenBLAS is loaded, else when it is (model/blas.c); one
     * thread also ends the workers it started when it was loaded (an idle
     * worker spins about 0.1 s before it sleeps: the whole life of a short
     * command, on the core its other threads could use; measured on 2
     * cores, nothing else running: tenyo search at 60k 144 -> 97 ms,
     * bench/HISTORY.md) */
    return ty_blas_threads(n);
}

/* First block of process r when process 0 weighs 3 and the others 4
 * (quarters of a share): nb blocks over 4 size - 1 quarters. */
static uint64_t share_light0(uint64_t nb, uint64_t r, uint64_t size) {
    uint64_t q = r == 0 ? 0 : 3 + 4 * (r - 1), w = 4 * size - 1;
    return (uint64_t)(((unsigned __int128)nb * q + w / 2) / w); /* nearest */
}

void ty_svd_share(uint64_t total, uint64_t block, int rank, int size,
                  uint64_t *r0, uint64_t *r1) {
    uint64_t nb = (total + block - 1) / block, per = nb / (uint64_t)size,
             extra = nb % (uint64_t)size, r = (uint64_t)rank, b0, b1;
    if (size > 1 && nb >= 4 * (uint64_t)size) {
        /* process 0 takes three quarters of a share: beside its block it
         * holds the build's document table, ids and merge state (about a
         * gigabyte at four million documents), so the processes' peaks
         * come out about even */
        b0 = share_light0(nb, r, (uint64_t)size);
        b1 = r + 1 == (uint64_t)size ? nb : share_light0(nb, r + 1, (uint64_t)size);
    } else {
        b0 = r * per + (r < extra ? r : extra);
        b1 = b0 + per + (r < extra ? 1 : 0);
    }
    *r0 = b0 * block < total ? b0 * block : total;
    *r1 = b1 * block < total ? b1 * block : total;
}
