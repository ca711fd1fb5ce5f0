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
 * thread-count-independent loops; the dense steps are BLAS/LAPACK calls on
 * fixed row chunks spread over the same threads.
 *
 * Where the time goes (100k generated patents, 139,094 terms, 15.7 M
 * non-zeros, l = 272, 4 power iterations; bench/build_bench, bench/README.md):
 * 10 sparse products of about 8.5 GFlop each are memory-bound gathers of
 * random rows of a block of hundreds of MB; the orthonormalisations are
 * ~2 m l^2 flops per Cholesky-QR pass, all level 3. The previous version
 * spent ~45% of its samples in single-threaded Householder QR (level-2
 * panels, transposes) and ~33% in a scatter/axpy product.
 *
 * Choices, and what was rejected:
 *   - Randomized rather than Lanczos (SVDLIBC's las2, ARPACK): a fixed
 *     number of block passes over A, each a cache-friendly product with a
 *     272-column block, instead of hundreds of sparse matrix-vector
 *     products with reorthogonalisation; the result is reproducible for a
 *     seed and the accuracy is tunable (power_iters). For LSA ranks of a few
 *     hundred on 10^4-10^6 documents it is the standard choice (gensim,
 *     scikit-learn's TruncatedSVD default).
 *   - Cholesky-QR for orth(): G = Y^T Y (ssyrk), G = R^T R (Cholesky of the
 *     l x l matrix, in double), Y = Y R^-1 (strsm). All level 3, no
 *     transposes, about 4x cheaper than Householder (sgeqrf + sorgqr on a
 *     column-major copy), and it parallelises over row chunks. Its weakness
 *     is the squared condition number: a pass in float leaves Y R^-1
 *     orthonormal to ~u cond(Y)^2. Here Y = A Z with Z orthonormal, so
 *     cond(Y) ~ s_1 / s_l of A: ~12 for the 30k-document generated corpus
 *     (38.7 / 3.1), i.e. ~1e-5 after one pass and rounding after a second
 *     (CholeskyQR2, Yamamoto et al. 2015). Between power iterations one
 *     pass is enough (the next product only needs a well-conditioned
 *     basis; fbpca and sklearn use a mere LU there); the last Q and the
 *     projection's Q2, which the result is read from, get two. A pivot
 *     below 1e-6 of its Gram diagonal (cond beyond ~10^3: rank-deficient
 *     or degenerate blocks) sends that block to Householder QR, which is
 *     stable whatever the input; the jp corpus and the generated 30k
 *     corpus never take it (measured). Rejected: Householder everywhere (the old choice: 45% of
 *     the build, single-threaded); sklearn's LU normaliser (no stable final
 *     basis of its own; partial pivoting's row swaps make it awkward to
 *     split over row chunks); shifted Cholesky-QR3 (its shift bound,
 *     11 (m l + l(l+1)) u ||Y||^2, exceeds ||Y||^2 itself in float at
 *     m = 10^5, so it is no safety net here; Householder is).
 *   - Dense threading by fixed row chunks (TY_SVD_CHUNK rows): each chunk
 *     is one single-threaded OpenBLAS call (its Gram partial, its strsm
 *     rows, its rows of the final sgemm); the Gram partials are summed in
 *     double in chunk order. OpenBLAS's own threads were rejected: its
 *     ssyrk, strsm and sgemm give different bits with 1, 2 and 3 threads
 *     (measured, 0.3.21), and its spinning workers collapse when another
 *     process shares the cores.
 *   - Row-major blocks throughout. Only the Householder fallback still
 *     transposes to column-major for LAPACK (the LQ factorisation of the
 *     row-major view was measured 4-5x slower than transpose + sgeqrf +
 *     sorgqr + transpose back); the block whose contents are dead at that
 *     half step is its scratch. The LAPACKE _work entry points are used
 *     with one workspace (the plain ones allocate per call and scan every
 *     block for NaNs first).
 *   - Float throughout (sgemm, ssyrk, sgesdd), except the l x l Cholesky
 *     and the sums of the Gram partials (double: cheap, and the Gram
 *     matrix is where Cholesky-QR loses accuracy). Against a double
 *     eigensolver on a 5000 x 20000 TF-IDF matrix the leading singular
 *     value comes out within 2.3e-7; the error of the others is the
 *     randomized approximation's, orders of magnitude larger.
 *   - A^T Q runs over the transpose of A (built once, 8 bytes a
 *     non-zero), each term's postings cut at the block boundaries (below:
 *     rows split over processes); there is no fallback without it.
 *   - The dense blocks are 2 MiB aligned and madvise()d for transparent
 *     huge pages: the products gather random rows of them.
 *
 * Rows split over processes (MPI ranks through src/mpi/mpicomm.c;
 * ty_svd_comm), and why one
 * process computes the same way. The document rows of A, and so the rows
 * of Q and U, may be split over P processes in whole blocks of
 * opts.block rows (TY_SVD_BLOCK = 4096); the terms side (Omega, Z, Q2, V,
 * ncols x l) is held whole by every process. A Z and U = Q V_R are
 * row-local; two steps sum over documents, and a float sum whose order
 * depends on P cannot give the same bits for every P:
 *   - the doc side's Gram matrix Y^T Y (Cholesky-QR of Q);
 *   - A^T Q (terms x l), once per power iteration and once for the
 *     projection.
 * Both are summed over the fixed blocks in fixed point: each block's
 * partial is computed in float exactly as before (one ssyrk per chunk; the
 * postings of a term within a block in document order), then rounded to a
 * grid fixed by bounds every process knows (truncating: any rounding fixed
 * per value would do), and the int64 partials are
 * added, which is exact and so the same in any order: over blocks within a
 * process, over threads, over ranks (MPI_Allreduce with MPI_SUM). The
 * grids: entry (i, j) of the Gram matrix uses 2^(62 - c - e_i - e_j) with
 * max|Y_:i| < 2^e_i over all rows (a maximum, exact in any order) and
 * 2^c >= all rows, so the sum stays below 2^62 and the step is 2^-62 of
 * the bound (~2^-42 of a diagonal entry at 10^6 rows, near the double
 * sum it replaces and far below the float partials' own rounding); row t of A^T Q uses 2^(61 - e_t) with
 * df_t max|a_dt| max|Q| < 2^e_t (df and the maxima are exact over
 * processes). The terms side is held whole by every process but not
 * orthonormalised by every one: its chunks are shared out (each process
 * forms the Gram partials and applies strsm to its own chunks; the Gram
 * matrix goes through the same fixed-point sum, so one process computes
 * exactly as P do) and the rows are then gathered to all (floats copied,
 * not added); the same for V = Q2 U_R. A^T Q itself is summed by a
 * reduce-scatter when the communicator has one (sum_scatter_i64): each
 * process receives the sums of its own term chunks only, converts only
 * those to floats and orthonormalises them; the gather at the end of that
 * pass gives every process the whole block for the next A Z. (An
 * all-reduce, the fallback, moves about twice the bytes and has every
 * process convert every row.) Traffic per pass and process: terms x l x 8
 * bytes into the int64 reduce-scatter of A^T Q, plus its 1/P of the terms
 * block in floats per terms-side pass, l^2 x 8 per Gram matrix and a few
 * scalars (jp, l = 272: 26.6 MB of int64 per pass; 40.4 MB per pass in all
 * at P = 2, 34.3 MB at P = 4, as counted by src/mpi/mpicomm.c, which
 * counts what each rank hands in).
 *
 * Work done once, not per process (the work overhead: instructions summed
 * over P processes against one; bench/README.md "Work overhead at 100k").
 * What every process would compute alike is computed by one, or shared
 * out by the terms block's chunks, with the same bits:
 *   - Omega: one serial stream, so a process cannot start at its rows
 *     without walking the stream there; each walks to its first chunk row
 *     drawing only the uniforms (no log, sin, cos), draws its chunks' rows
 *     and stops; the rows are gathered to all (terms x l floats once).
 *     Before, every process drew the normals of every term its documents
 *     held (at 100k, P = 4: most of the 37.8 M normals, four times).
 *     Rejected: an xoshiro jump-ahead to the first row (a GF(2) 256 x 256
 *     matrix power; the walk costs (P - 1) / 2 of one stream's uniforms
 *     in all, under 1% here).
 *   - A^T Q in fixed point: the int64 block is zeroed once (calloc) and a
 *     term's row is written by its first block (atq_term), so no process
 *     zeroes terms x l x 8 bytes a pass; a term without postings here is
 *     skipped and its zero row stays, since the reduce-scatter is not in
 *     place (its sums go to zsum) and leaves the block as it was.
 *   - the Cholesky factor of each Cholesky-QR pass, the products of the R
 *     factors and the small SVD (sgesdd) on process 0, broadcast
 *     (bcast_f64: l x l doubles, 0.6 MB at l = 272; sv, U_R, V_R^T as
 *     doubles, floats widen exactly);
 *   - V's signs: each process looks at its own chunk rows of V and three
 *     reductions of kk values pick the first largest entry of each column
 *     (fix_signs), instead of every process walking all of V twice;
 *     V is not zeroed first when it is written whole.
 * What stays per process is small and fixed: the walk of Omega's stream
 * to its rows, the l x l conversions of each fixed-point Gram matrix, the
 * per-term loop of A^T Q over the terms its documents hold, the term
 * bounds. Instructions outside the collectives summed over the processes
 * (callgrind, OpenBLAS's Sandybridge kernels, bench/mpi_work.sh): on the
 * generated 100k, 1.007x one process's over 2 processes and 1.010x over 4;
 * on 2,000 jp records (4,105 terms, where fixed costs weigh most) 1.02x
 * and 1.05x (1.10x and 1.27x before these steps). Chosen over the
 * alternatives: a fixed reduction tree over fixed blocks (the same bits,
 * but every block's terms x l partial must reach its place in the tree:
 * P-dependent message patterns and buffering, or blocks x terms x l
 * floats of memory in one process); gathering every block's partial to
 * one rank (blocks x terms x l floats per pass); compensated or double
 * sums (more accurate, still order-dependent in the last bit); a Kulisch
 * (exact, ~300-bit) accumulator (exact for any inputs, but 5x the memory
 * and traffic for precision float results cannot use). One process runs
 * the same arithmetic (blocks, grids, integer sums) with the reductions
 * as identities, so `tenyo index` and a row-split run give the same bytes
 * (tests/mpi/svd_check.c under mpirun -np 1-4 compares them with what
 * `tenyo index` stored; a distributed `tenyo-mpi index` inherits it). Cost in one process, measured on the shared 2-core
 * machine at load ~8 (so CPU time, not wall): `tenyo index` of the jp
 * corpus, user CPU median of 3, 6.05 s before and 5.41 s after (with
 * the terms side shared out too: 4.63 s before, 4.65 s after; wall 9.92 s
 * and 9.83 s; the svd stage 1.4 s and 1.5 s);
 * build_bench on 15k generated documents (106k terms, -t 1), 4.38 / 5.27 s
 * before and 5.02 / 5.20 s after; perf: the fixed-block A^T Q kernel
 * (atq_term, by 64-column register panels like csr.c's) takes 6.4% of the
 * samples where the old gather took ~7.8%. A first version that
 * accumulated in memory and called llrint per element was 3x slower in
 * that step. Protocol S on the jp corpus is unchanged (P@10 0.908 / 0.910
 * / 0.915 for TF-IDF / LSA / hybrid, before and after).
 * The doc side can no longer fall back to Householder (no process holds
 * the whole block): a failed Cholesky pivot there takes SVQB (Stathopoulos
 * & Wu 2002) on the exact Gram matrix instead, dropping directions below
 * 1e-7 of the largest eigenvalue, and the terms side's Householder then
 * completes the basis. A^T Q always runs over the transpose (the
 * column-split scatter fallback is gone: its per-thread column ranges do
 * not follow the blocks).
 *
 * Determinism: the Gaussian block comes from xoshiro256** seeded by
 * splitmix64(seed) with Box-Muller, serially (the same Omega as every
 * earlier version; drawing it in parallel from per-chunk streams was tried
 * and dropped: it changes the draw, and EVAL.md's en serendipity@10 gate
 * (0.487) sits within the seed-to-seed spread, 0.475-0.493 over 4 seeds); the sparse products are bitwise independent of the
 * thread count; every dense call sees the same chunk whatever thread runs
 * it, and OpenBLAS is pinned to one thread for the duration of the call.
 * So the bytes depend on the seed, not on opts.threads nor on
 * OPENBLAS_NUM_THREADS (checked by the tests, and by build_bench's hash at
 * --threads 1-3 x OPENBLAS_NUM_THREADS 1-2). They may differ between CPUs
 * (OpenBLAS picks kernels at run time). Singular vectors are defined up to
 * sign, so each V column is flipped to make its entry of largest
 * magnitude (the first such) positive, and the U column with it.
 *
 * Memory: two dense blocks of max(nrows, ncols) x l floats (a third, of
 * ncols x l, only when U is wanted: Q must then outlive the last
 * projection), the transpose of A (when it fits), one l x l float Gram
 * partial per 4096-row chunk (9 MB at 139k rows) and O(l^2) for the small
 * factorisations; Omega lives in the second block. With rows split over
 * processes, nrows is this process's, an ncols x l int64 block holds
 * A^T Q before its reduction and 1/P of it its sums (zsum).
 */
#include "model/model.h"

#include <cblas.h>
#include <lapacke.h>
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

/* What one factorisation carries between its steps. */
typedef struct svd_run {
    const ty_csr *a;     /* the matrix */
    ty_csr at;           /* A^T as CSR when have_at */
    int have_at;         /* at was built (else column-split scatter) */
    int threads;         /* threads for the sparse products and for
                            OpenBLAS's level-3 calls (resolved, >= 1) */
    int l;               /* block width: rank + oversample, capped */
    uint64_t block;      /* rows per chunk (ty_svd_opts.block) */
    const ty_svd_comm *comm; /* the row split, or NULL (one process) */
    uint64_t mtot;       /* rows of A over all processes */
    double *tbound;      /* ncols: df_t * max |a_dt|, over all processes
                            (the bound of A^T Q's row t for |Q| <= 1) */
    int64_t *zi;         /* ncols x l: A^T Q in fixed point before the
                            reduction (only with comm); zeroed once, its
                            rows of terms without postings here stay 0 */
    int64_t *zsum;       /* this process's rows of zi's sum over processes
                            (with sum_scatter_i64) */
    int64_t *iscr;       /* threads x l: a term row's fixed-point sum */
    int64_t *iacc;       /* l x l: the row-split Gram in fixed point */
    double *gsave;       /* l x l: that Gram as double (the fallback's) */
    double *colmax;      /* l: column maxima of the row-split block */
    double *csc, *ctc;   /* l each: per-column scales of its Gram */
    size_t tc_lo, tc_hi; /* this process's chunks of the terms block (all
                            of them with one process) */
    uint64_t *toff;      /* size + 1: first term row of each process's
                            chunks (for gather_f32) */
    float *gram;         /* l x l: R as float, for strsm */
    float *part;         /* nchunk_max blocks of l x l: per-chunk Y^T Y */
    size_t nchunk_max;   /* chunks of the taller block */
    double *chol;        /* l x l: the Gram matrix, factored in place */
    double *racc;        /* l x l: product of the R factors of one orth() */
    double *rtmp;        /* l x l: scratch for that product */
    double *diag;        /* l: the Gram matrix's diagonal (pivot test) */
    int fallbacks;       /* orth() calls that needed Householder */
    float *work;         /* LAPACK workspace, lwork floats */
    lapack_int lwork;    /* its size (largest of the workspace queries) */
    lapack_int *iwork;   /* sgesdd's integer workspace, 8 l entries */
    char *err;           /* caller's message buffer */
    size_t errlen;       /* its size */
} svd_run;

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

/* ====================================================== dense threads */

/* Rows per chunk of the dense level-3 steps. The chunks are fixed by the
 * row count alone, and each is one single-threaded OpenBLAS call, so which
 * thread runs a chunk cannot change a bit. OpenBLAS's own threading was
 * rejected: its ssyrk, strsm and sgemm give different bits with 1, 2 and 3
 * threads (measured, 0.3.21, 5000-139000 x 272). 4096 rows (4.5 MB of a
 * 272-column block) keep each call efficient and give 2-16 threads enough
 * chunks to share at 10^5 rows. */
/* (The chunk is ty_svd_opts.block rows, TY_SVD_BLOCK = 4096 by default.)
 * One chunk step: rows [r0, r1) of the block, chunk number c, on worker t
 * (for per-worker scratch; never for what is computed). */
typedef void (*chunk_fn)(const svd_run *r, void *ctx, uint64_t r0,
                         uint64_t r1, size_t c, int t);

/* What the dense workers share. */
typedef struct chunk_job {
    const svd_run *r;    /* the run (sizes, scratch) */
    chunk_fn fn;         /* the step */
    void *ctx;           /* its arguments */
    uint64_t rows;       /* rows of the block */
    size_t c_lo, c_hi;   /* chunks [c_lo, c_hi) of r->block rows (the last
                            shorter) */
} chunk_job;

/* ty_parallel worker t of nt: chunks c_lo + t, + nt, ... */
static int chunk_main(void *ud, int t, int nt) {
    const chunk_job *j = ud;
    for (size_t c = j->c_lo + (size_t)t; c < j->c_hi; c += (size_t)nt) {
        uint64_t bk = j->r->block;
        uint64_t r0 = (uint64_t)c * bk;
        uint64_t r1 = r0 + bk < j->rows ? r0 + bk : j->rows;
        j->fn(j->r, j->ctx, r0, r1, c, t);
    }
    return 0;
}

static size_t chunk_count(const svd_run *r, uint64_t rows) {
    return (size_t)((rows + r->block - 1) / r->block);
}

/* Run fn over chunks [c_lo, c_hi) of a rows-row block on up to r->threads
 * workers (ty_parallel: a worker whose thread cannot be created runs on the
 * calling thread: same chunks, same bits). */
static void run_chunk_range(const svd_run *r, chunk_fn fn, void *ctx,
                            uint64_t rows, size_t c_lo, size_t c_hi) {
    chunk_job j = {r, fn, ctx, rows, c_lo, c_hi};
    ty_parallel(ty_parallel_workers(r->threads, c_hi > c_lo ? c_hi - c_lo : 0, 1),
                chunk_main, &j);
}

/* All chunks of the block. */
static void run_chunks(const svd_run *r, chunk_fn fn, void *ctx,
                       uint64_t rows) {
    run_chunk_range(r, fn, ctx, rows, 0, chunk_count(r, rows));
}

/* Partial Gram matrix of one chunk: part[c] = Y[r0:r1]^T Y[r0:r1], upper. */
static void gram_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    const float *y = ctx;
    int l = r->l;
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, l, (int)(r1 - r0),
                1.0f, y + r0 * (size_t)l, l, 0.0f,
                r->part + c * (size_t)l * l, l);
}

/* Y[r0:r1] = Y[r0:r1] R^-1, R = r->gram (upper, row-major). */
static void trsm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    float *y = ctx;
    int l = r->l;
    (void)c;
    cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans,
                CblasNonUnit, (int)(r1 - r0), l, 1.0f, r->gram, l,
                y + r0 * (size_t)l, l);
}

/* Arguments of gemm_chunk: C = Y M for a row-major rows x l block Y. */
typedef struct gemm_args {
    const float *y;      /* rows x l, leading dimension l */
    const float *m;      /* l x ncols (or its transpose, trans_m) */
    int trans_m;         /* M is stored transposed (ncols x l) */
    int ldm;             /* leading dimension of m as stored */
    float *out;          /* rows x ncols, leading dimension ldo */
    int ncols, ldo;      /* output columns and leading dimension */
} gemm_args;

static void gemm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    const gemm_args *g = ctx;
    (void)c;
    cblas_sgemm(CblasRowMajor, CblasNoTrans,
                g->trans_m ? CblasTrans : CblasNoTrans, (int)(r1 - r0),
                g->ncols, r->l, 1.0f, g->y + r0 * (size_t)r->l, r->l, g->m,
                g->ldm, 0.0f, g->out + r0 * (size_t)g->ldo, g->ldo);
}

/* ======================================= fixed-point, split-free sums */

/* Exponent e with |x| < 2^e (frexp: x = f 2^e, 0.5 <= f < 1; 0 for 0). */
static int bound_exp(double x) {
    int e = 0;
    (void)frexp(x, &e);
    return e;
}

/* Smallest c with 2^c >= n. */
static int ceil_log2(uint64_t n) {
    int c = 0;
    while (c < 63 && ((uint64_t)1 << c) < n) c++;
    return c;
}

/* The collective reductions of the row split (identities with one
 * process). A failure becomes a tenyo status with a message. */
static int comm_sum(const svd_run *r, int64_t *x, size_t n) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->sum_i64(r->comm->ud, x, n);
    if (rc) ty_seterr(r->err, r->errlen, "svd: sum over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

/* The sum over processes of the int64 terms block x (row_len per row):
 * with sum_scatter_i64 the sums of this process's rows (r->toff) go to
 * sum (from its start) and x is left as it was, else all of x is summed
 * in place. */
static int comm_sum_scatter(const svd_run *r, int64_t *x, int64_t *sum,
                            size_t row_len) {
    if (!r->comm) return TENYO_OK;
    if (!r->comm->sum_scatter_i64)
        return comm_sum(r, x, (size_t)r->toff[r->comm->size] * row_len);
    int rc = r->comm->sum_scatter_i64(r->comm->ud, x, sum, row_len, r->toff);
    if (rc) ty_seterr(r->err, r->errlen, "svd: sum over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

/* Every process's rows of the terms block (row_len floats each) to all. */
static int comm_gather(const svd_run *r, float *x, size_t row_len) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->gather_f32(r->comm->ud, x, row_len, r->toff);
    if (rc) ty_seterr(r->err, r->errlen, "svd: gather over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

static int comm_max(const svd_run *r, double *x, size_t n) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->max_f64(r->comm->ud, x, n);
    if (rc) ty_seterr(r->err, r->errlen, "svd: maximum over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

/* Scale of term t's fixed-point row of A^T Q when |Q| <= maxq: 2^(61 - e)
 * with the bound df_t max|a_t| maxq < 2^e, so a sum of block partials
 * stays below 2^62 (one bit of slack for the partials' float rounding). */
static double atq_scale(const svd_run *r, uint64_t t, double maxq) {
    return ldexp(1.0, 61 - bound_exp(r->tbound[t] * maxq));
}

/* acc[0..k) += f[0..k) on the grid of scale sc (acc = when !add: a term's
 * first block writes its row, so the block need not be zeroed first). The
 * conversion truncates (an inline cvttsd2si; llrint is a libm call per
 * element): any rounding fixed per value gives the same bits for every
 * split, and truncation's error, under one grid step per block, is 2^-61
 * of the bound. */
static inline void atq_fix(int64_t *restrict acc, const float *restrict f,
                           double sc, size_t k, int add) {
    for (size_t j = 0; j < k; j++)
        acc[j] = (add ? acc[j] : 0) + (int64_t)((double)f[j] * sc);
}

/* Sixteen floats: one AVX-512 register, two AVX2 or four SSE ones. */
typedef float svd_v16 __attribute__((vector_size(64)));
/* Eight floats, doubles, int64: one conversion step of the grid. */
typedef float svd_f8 __attribute__((vector_size(32)));
typedef double svd_d8 __attribute__((vector_size(64)));
typedef int64_t svd_i8 __attribute__((vector_size(64)));

/* atq_fix for eight entries in vector registers: the same conversions as
 * the scalar casts (float to double exactly, the product by a power of two
 * exactly, truncation to int64), so the same bits; AVX-512DQ has the
 * packed double <-> int64 conversions (the x86-64-v4 clone), the other
 * clones convert element by element. */
static inline void atq_fix8(int64_t *acc, const float *f, double sc, int add) {
    svd_f8 x;
    svd_i8 a = {0};
    memcpy(&x, f, sizeof x);
    if (add) memcpy(&a, acc, sizeof a);
    svd_d8 d = __builtin_convertvector(x, svd_d8) * sc;
    a += __builtin_convertvector(d, svd_i8);
    memcpy(acc, &a, sizeof a);
}

/* z[0..k) = acc[0..k) / sc as floats (inv = 1 / sc, a power of two: the
 * product is the exact quotient of the int64 rounded to double). */
static inline void atq_unfix8(float *z, const int64_t *acc, double inv) {
    svd_i8 a;
    memcpy(&a, acc, sizeof a);
    svd_d8 d = __builtin_convertvector(a, svd_d8) * inv;
    svd_f8 x = __builtin_convertvector(d, svd_f8);
    memcpy(z, &x, sizeof x);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SVD_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define SVD_CLONES
#endif

/* One term's row of A^T Q in fixed point: acc[0..l) = the sum of the grid
 * values of each block's float sum over the postings [p, pe) (col: local
 * documents, sorted; at least one: the first block writes acc, the others
 * add, so acc needs no zeroing). Each block's sum runs panel by
 * panel in registers, like csr.c's gather kernel: element j is
 * ((0 + a_1 q_1j) + a_2 q_2j) + ... in posting order, a multiply then an
 * add (ISO C: no contraction), so every clone and panel width gives the
 * bits of the scalar loop. With z, the row is then also written there as
 * floats (acc / sc: one process). */
/* One block of atq_term: the postings from p up to the block's end
 * (returned), each column's float sum by 64-, 16-column panels and the
 * tail, put on the grid into acc (acc = when !add, += when add). Inlined
 * into each clone with add a constant: a run-time flag in the grid step
 * cost 2% of a 100k factorisation's instructions (callgrind). */
static inline __attribute__((always_inline)) uint64_t
atq_block(const uint32_t *col, const float *val, uint64_t p, uint64_t pe, const float *q,
          size_t l, uint64_t block, double sc, int64_t *acc, int add) {
    float tmp[64];
    uint64_t end = (col[p] / block + 1) * block, e = p;
    while (e < pe && col[e] < end) e++;
    size_t c0 = 0;
    for (; c0 + 64 <= l; c0 += 64) {
        svd_v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (uint64_t x = p; x < e; x++) {
            const float *qp = q + (size_t)col[x] * l + c0;
            svd_v16 v = (svd_v16){0} + val[x], y0, y1, y2, y3;
            memcpy(&y0, qp, sizeof y0);
            memcpy(&y1, qp + 16, sizeof y1);
            memcpy(&y2, qp + 32, sizeof y2);
            memcpy(&y3, qp + 48, sizeof y3);
            a0 = a0 + v * y0;
            a1 = a1 + v * y1;
            a2 = a2 + v * y2;
            a3 = a3 + v * y3;
        }
        memcpy(tmp, &a0, sizeof a0);
        memcpy(tmp + 16, &a1, sizeof a1);
        memcpy(tmp + 32, &a2, sizeof a2);
        memcpy(tmp + 48, &a3, sizeof a3);
        for (int j = 0; j < 64; j += 8) atq_fix8(acc + c0 + j, tmp + j, sc, add);
    }
    for (; c0 + 16 <= l; c0 += 16) {
        svd_v16 a0 = {0};
        for (uint64_t x = p; x < e; x++) {
            svd_v16 v = (svd_v16){0} + val[x], y0;
            memcpy(&y0, q + (size_t)col[x] * l + c0, sizeof y0);
            a0 = a0 + v * y0;
        }
        memcpy(tmp, &a0, sizeof a0);
        atq_fix8(acc + c0, tmp, sc, add);
        atq_fix8(acc + c0 + 8, tmp + 8, sc, add);
    }
    if (c0 < l) {
        size_t w = l - c0;
        for (size_t j = 0; j < w; j++) tmp[j] = 0;
        for (uint64_t x = p; x < e; x++) {
            const float *qp = q + (size_t)col[x] * l + c0;
            for (size_t j = 0; j < w; j++) tmp[j] = tmp[j] + val[x] * qp[j];
        }
        atq_fix(acc + c0, tmp, sc, w, add);
    }
    return e;
}

SVD_CLONES static void atq_term(const uint32_t *col, const float *val,
                                uint64_t p, uint64_t pe, const float *q,
                                size_t l, uint64_t block, double sc,
                                int64_t *acc, float *z) {
    /* the first block writes acc, the others add */
    p = atq_block(col, val, p, pe, q, l, block, sc, acc, 0);
    while (p < pe) p = atq_block(col, val, p, pe, q, l, block, sc, acc, 1);
    if (z) {
        double inv = 1.0 / sc;
        size_t j = 0;
        for (; j + 8 <= l; j += 8) atq_unfix8(z + j, acc + j, inv);
        for (; j < l; j++) z[j] = (float)((double)acc[j] * inv);
    }
}

/* Arguments of atq_chunk. */
typedef struct atq_args {
    const float *q;      /* this process's rows x l block Q */
    float *z;            /* ncols x l: A^T Q (one process) */
    int64_t *zi;         /* or ncols x l: its fixed-point sums (row split) */
    double maxq;         /* max |Q| over all processes */
} atq_args;

/* Rows [t0, t1) of A^T Q over the transpose: term t's postings are walked
 * in document order and cut at block boundaries (the blocks of whole
 * processes' shares); each block's float sum is rounded to the term's
 * fixed-point grid (truncating) and added in int64, where order cannot
 * matter. A term without postings here is skipped: its row of zi is zero
 * already (zeroed once; at_mul keeps it so), one process writes a zero
 * row of z. */
static void atq_chunk(const svd_run *r, void *ctx, uint64_t t0, uint64_t t1,
                      size_t c, int t) {
    const atq_args *g = ctx;
    const ty_csr *at = &r->at;
    size_t l = (size_t)r->l;
    (void)c;
    for (uint64_t i = t0; i < t1; i++) {
        uint64_t p0 = at->rowptr[i], p1 = at->rowptr[i + 1];
        if (p0 == p1) {
            if (!g->zi) memset(g->z + i * l, 0, l * sizeof *g->z);
            continue;
        }
        int64_t *acc = g->zi ? g->zi + i * l : r->iscr + (size_t)t * l;
        atq_term(at->col, at->val, p0, p1, g->q, l, r->block,
                 atq_scale(r, i, g->maxq), acc, g->zi ? NULL : g->z + i * l);
    }
}

/* Z = A^T Q for the row-split Q (this process's rows x l, orthonormal
 * columns over all processes): with one process all ncols x l; split,
 * only this process's chunk rows of the terms block (r->toff) are valid
 * afterwards (its orth pass reads only those, then gathers). Exact over
 * fixed blocks: see the top. */
static int at_mul(svd_run *r, const float *q, uint64_t rows, float *z) {
    size_t l = (size_t)r->l;
    double mq = 0;
    for (size_t i = 0; i < (size_t)rows * l; i++) {
        double a = fabsf(q[i]);
        if (a > mq) mq = a;
    }
    int rc = comm_max(r, &mq, 1);
    if (rc) return rc;
    atq_args g = {.q = q, .z = z, .zi = r->zi, .maxq = mq};
    run_chunks(r, atq_chunk, &g, r->a->ncols);
    if (!r->zi) return TENYO_OK; /* one process: z is written */
    int scatter = r->comm->sum_scatter_i64 != NULL, me = r->comm->rank;
    if ((rc = comm_sum_scatter(r, r->zi, r->zsum, l))) return rc;
    /* the sums of this process's rows: in zsum from its start, or (the
     * all-reduce) in place */
    const int64_t *sum = scatter ? r->zsum : r->zi + (size_t)r->toff[me] * l;
    for (uint64_t i = r->toff[me]; i < r->toff[me + 1]; i++) {
        double inv = 1.0 / atq_scale(r, i, mq);
        const int64_t *si = sum + (size_t)(i - r->toff[me]) * l;
        for (size_t j = 0; j < l; j++) z[i * l + j] = (float)((double)si[j] * inv);
    }
    if (!scatter) /* the all-reduce overwrote zi: its rows of terms
                   * without postings here must be zero again */
        for (uint64_t i = 0; i < r->a->ncols; i++)
            if (r->at.rowptr[i] == r->at.rowptr[i + 1])
                memset(r->zi + i * l, 0, l * sizeof *r->zi);
    return TENYO_OK;
}

/* tbound[t] = df_t * max_d |a_dt| over all processes (exact: an integer
 * sum and a maximum). */
static int term_bounds(svd_run *r) {
    uint64_t n = r->a->ncols;
    const ty_csr *at = &r->at;
    int64_t *cnt = ty_mallocarray(n, sizeof *cnt);
    double *mx = ty_mallocarray(n, sizeof *mx);
    int rc = TENYO_ERR_NOMEM;
    if (!cnt || !mx) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for term bounds");
        goto done;
    }
    for (uint64_t t = 0; t < n; t++) {
        cnt[t] = (int64_t)(at->rowptr[t + 1] - at->rowptr[t]);
        double m = 0;
        for (uint64_t p = at->rowptr[t]; p < at->rowptr[t + 1]; p++)
            if (fabsf(at->val[p]) > m) m = fabsf(at->val[p]);
        mx[t] = m;
    }
    if ((rc = comm_sum(r, cnt, n)) || (rc = comm_max(r, mx, n))) goto done;
    for (uint64_t t = 0; t < n; t++) r->tbound[t] = (double)cnt[t] * mx[t];
done:
    free(cnt);
    free(mx);
    return rc;
}

/* The Gram matrix Y^T Y of the row-split block y (split: this process's
 * rows x l), or of the terms block every process holds whole (its chunks
 * tc_lo..tc_hi here, the others' elsewhere), into r->chol (upper, double),
 * the same bits for any split: each
 * chunk's float partial (ssyrk) is rounded to a fixed-point grid whose
 * scale for entry (i, j) is 2^(62 - c - e_i - e_j), with max|Y_:i| < 2^e_i
 * over all processes and 2^c >= all rows, so |sum| < 2^62; the int64 sums
 * are reduced exactly and scaled back. The grid step is 2^-62 of that
 * bound: ~2^-42 of a diagonal entry at 10^6 rows, beyond double's. */
static int gram_fixed(svd_run *r, float *y, uint64_t rows, int split) {
    size_t ll = (size_t)r->l;
    /* the terms block is whole everywhere: its chunks are shared out */
    size_t c_lo = split ? 0 : r->tc_lo;
    size_t c_hi = split ? chunk_count(r, rows) : r->tc_hi;
    double *mx = r->colmax;
    int rc;
    run_chunk_range(r, gram_chunk, y, rows, c_lo, c_hi);
    for (size_t j = 0; j < ll; j++) mx[j] = 0;
    /* the maxima of this process's rows, then over all processes */
    uint64_t i1 = (uint64_t)c_hi * r->block < rows ? (uint64_t)c_hi * r->block : rows;
    for (uint64_t i = (uint64_t)c_lo * r->block; i < i1; i++) {
        const float *yi = y + i * ll;
        for (size_t j = 0; j < ll; j++)
            if (fabsf(yi[j]) > mx[j]) mx[j] = fabsf(yi[j]);
    }
    if ((rc = comm_max(r, mx, ll))) return rc;
    uint64_t all = split ? r->mtot : rows;
    int c = ceil_log2(all ? all : 1);
    for (size_t j = 0; j < ll; j++) {
        int e = bound_exp(mx[j]);
        r->csc[j] = ldexp(1.0, 62 - c - e);
        r->ctc[j] = ldexp(1.0, -e);
    }
    memset(r->iacc, 0, ll * ll * sizeof *r->iacc);
    for (size_t q = c_lo; q < c_hi; q++) {
        const float *pq = r->part + q * ll * ll;
        for (size_t i = 0; i < ll; i++)
            for (size_t j = i; j < ll; j++)
                r->iacc[i * ll + j] +=
                    (int64_t)((double)pq[i * ll + j] * r->csc[i] * r->ctc[j]);
    }
    if ((rc = comm_sum(r, r->iacc, ll * ll))) return rc;
    for (size_t i = 0; i < ll; i++)
        for (size_t j = 0; j < ll; j++)
            r->chol[i * ll + j] =
                j >= i ? (double)r->iacc[i * ll + j] / r->csc[i] / r->ctc[j] : 0.0;
    return TENYO_OK;
}

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
    transpose(y, rows, (uint64_t)l, w); /* w = column-major y */
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, ld, l, w, ld, tau,
                                          r->work, r->lwork);
    if (info) return lapack_fail(r, "sgeqrf", step, info);
    if (rt)
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++)
                rt[(size_t)i * l + j] = i <= j ? w[(size_t)j * rows + i] : 0.0;
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, ld, l, l, w, ld, tau,
                               r->work, r->lwork);
    if (info) return lapack_fail(r, "sorgqr", step, info);
    transpose(w, (uint64_t)l, rows, y); /* back to row-major */
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
    int rc = gram_fixed(r, y, rows, split);
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
        run_chunks(r, trsm_chunk, y, rows);
        return 0;
    }
    run_chunk_range(r, trsm_chunk, y, rows, r->tc_lo, r->tc_hi);
    return comm_gather(r, y, ll);
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
        rc = lapack_fail(r, "dsyev", step, info);
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
    run_chunks(r, gemm_chunk, &ga, rows);
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
static int small_on_zero(const svd_run *r) {
    return r->comm && r->comm->size > 1 && r->comm->bcast_f64;
}

/* Process 0's status st and, when it is 0, its small SVD to every
 * process: sv (l floats), ur and, unless NULL, vt (l x l floats each),
 * through the double broadcast (floats widen and narrow exactly);
 * r->diag and r->chol, dead by then, carry them. */
static int bcast_small(svd_run *r, double *st, float *sv, float *ur,
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
static int orth(svd_run *r, float *y, uint64_t rows, int split, int passes,
                float *w, float *tau, float *rt, const char *step) {
    size_t ll = (size_t)r->l;
    /* R only feeds the small SVD, which runs on process 0 alone when it
     * can broadcast (small_on_zero): the others skip the products */
    if (rt && small_on_zero(r) && r->comm->rank != 0) rt = NULL;
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
            int rc = p == 0 ? comm_gather(r, y, ll) : TENYO_OK;
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

/* A dense block of rows x cols floats for free(): aligned to 2 MiB and,
 * where the kernel offers it, backed by transparent huge pages. The sparse
 * products gather random rows of these blocks (hundreds of MB at 100k
 * documents): with 4 KiB pages nearly every gather also misses the TLB.
 * Rows of 16k floats stay 64-byte aligned, so a 64-column panel row is
 * exactly four cache lines. NULL on overflow or out of memory. */
static float *alloc_block(uint64_t rows, size_t cols) {
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
        if ((rc = comm_max(r, top, (size_t)kk))) return rc;
        for (int k = 0; k < kk; k++)
            first[k] = best[k] == top[k] ? -(double)c->rank : -(double)c->size;
        if ((rc = comm_max(r, first, (size_t)kk))) return rc;
        for (int k = 0; k < kk; k++)
            if (first[k] != -(double)c->rank) neg[k] = 0;
        if ((rc = comm_sum(r, neg, (size_t)kk))) return rc;
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
 * before: 2.5 s -> 36.6 s for the jp corpus on 2 cores). The dense steps
 * get their cores from run_chunks() instead: fixed row chunks, one
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

/* Omega (ncols x l Gaussian, one serial stream from the seed) into z.
 * With the rows split, each process draws only the rows of its chunks of
 * the terms block (r->toff) and the rows are then gathered to all (A Omega
 * reads the rows of every term its documents hold). The stream is serial:
 * a process first walks it to its first row, drawing the uniforms without
 * the log, sin and cos, so its rows are the same bits as when one process
 * draws them all; it stops after its last row. */
static int omega(const svd_run *r, svd_rng *g, float *z) {
    size_t l = (size_t)r->l;
    uint64_t n = r->a->ncols, t0 = 0, t1 = n;
    int split = r->comm && r->comm->size > 1;
    if (split) {
        t0 = r->toff[r->comm->rank];
        t1 = r->toff[r->comm->rank + 1];
    }
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
    return split ? comm_gather(r, z, l) : TENYO_OK;
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
    const ty_svd_comm *cm = o->comm;
    r.block = o->block ? o->block : TY_SVD_BLOCK;
    r.comm = cm;
    r.mtot = cm ? cm->nrows_total : m;
    if (cm && (!cm->sum_i64 || !cm->max_f64 || !cm->gather_f32 ||
               cm->size < 1 || cm->rank < 0 || cm->rank >= cm->size ||
               (m && cm->row0 % r.block) ||
               cm->row0 > r.mtot || m > r.mtot - cm->row0)) {
        ty_seterr(err, errlen,
                  "svd: bad row split (first row %llu, %llu of %llu rows, block %llu)",
                  (unsigned long long)cm->row0, (unsigned long long)m,
                  (unsigned long long)r.mtot, (unsigned long long)r.block);
        return TENYO_ERR_ARG;
    }
    if (r.mtot > INT_MAX || n > INT_MAX) {
        ty_seterr(err, errlen,
                  "svd: matrix %llu x %llu exceeds LAPACK's int dimensions",
                  (unsigned long long)r.mtot, (unsigned long long)n);
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
    int l = (int)(l64 < mn ? l64 : mn);
    r.l = l;
    r.threads = ty_parallel_workers(o->threads, UINT64_MAX, 1); /* <= 0: the cores */

    rc = TENYO_ERR_NOMEM;
    /* q holds Q (nrows x l), z holds Omega then Z and Q2 (ncols x l); each
     * is sized for either so that the one not live serves as QR scratch */
    uint64_t big = m > n ? m : n;
    q = alloc_block(big, (size_t)l);
    z = alloc_block(big, (size_t)l);
    w = u ? alloc_block(n, (size_t)l) : NULL;
    r.gram = ty_mallocarray((size_t)l * l, sizeof *r.gram);
    r.chol = ty_mallocarray((size_t)l * l, sizeof *r.chol);
    r.racc = ty_mallocarray((size_t)l * l, sizeof *r.racc);
    r.rtmp = ty_mallocarray((size_t)l * l, sizeof *r.rtmp);
    r.diag = ty_mallocarray((size_t)l, sizeof *r.diag);
    r.nchunk_max = chunk_count(&r, big);
    r.part = ty_mallocarray(r.nchunk_max, (size_t)l * l * sizeof *r.part);
    r.tbound = ty_mallocarray(n, sizeof *r.tbound);
    /* one process (even through comm) writes A^T Q straight to floats */
    r.zi = cm && cm->size > 1 ? ty_calloc((size_t)n * l, sizeof *r.zi) : NULL;
    r.iscr = ty_mallocarray((size_t)r.threads * l, sizeof *r.iscr);
    r.iacc = ty_mallocarray((size_t)l * l, sizeof *r.iacc);
    r.gsave = ty_mallocarray((size_t)l * l, sizeof *r.gsave);
    r.colmax = ty_mallocarray((size_t)l, sizeof *r.colmax);
    r.csc = ty_mallocarray((size_t)l, sizeof *r.csc);
    r.ctc = ty_mallocarray((size_t)l, sizeof *r.ctc);
    {
        /* the terms block's chunks, shared out in contiguous runs */
        size_t nch = chunk_count(&r, n), np = cm ? (size_t)cm->size : 1,
               me = cm ? (size_t)cm->rank : 0;
        r.tc_lo = nch * me / np;
        r.tc_hi = nch * (me + 1) / np;
        r.toff = ty_mallocarray(np + 1, sizeof *r.toff);
        for (size_t p = 0; r.toff && p <= np; p++) {
            uint64_t row = (uint64_t)(nch * p / np) * r.block;
            r.toff[p] = row < n ? row : n;
        }
        if (r.zi && cm->sum_scatter_i64 && r.toff) {
            uint64_t mine = r.toff[me + 1] - r.toff[me];
            r.zsum = ty_mallocarray((size_t)(mine ? mine : 1) * l, sizeof *r.zsum);
        }
    }
    tau = ty_mallocarray((size_t)l, sizeof *tau);
    rt = ty_mallocarray((size_t)l * l, sizeof *rt);
    sv = ty_mallocarray((size_t)l, sizeof *sv);
    ur = ty_mallocarray((size_t)l * l, sizeof *ur);
    vt = ty_mallocarray((size_t)l * l, sizeof *vt);
    if (!q || !z || (u && !w) || !tau || !rt || !sv || !ur || !vt ||
        !r.gram || !r.chol || !r.racc || !r.rtmp || !r.diag || !r.part ||
        !r.tbound || (cm && cm->size > 1 && (!r.zi || (cm->sum_scatter_i64 && !r.zsum))) ||
        !r.iscr || !r.iacc ||
        !r.gsave || !r.colmax || !r.csc || !r.ctc || !r.toff) {
        ty_seterr(err, errlen,
                  "svd: out of memory for blocks of %llu and %llu x %d floats",
                  (unsigned long long)m, (unsigned long long)n, l);
        goto done;
    }
    if ((rc = alloc_work(&r, q, z, m, n, tau, rt, sv, ur, vt))) goto done;
    /* A^T: the fixed-block form of A^T Q walks each term's postings */
    if ((rc = ty_csr_transpose(a, &r.at))) {
        ty_seterr(err, errlen, "svd: cannot transpose the %llu x %llu matrix",
                  (unsigned long long)m, (unsigned long long)n);
        goto done;
    }
    r.have_at = 1;
    if ((rc = term_bounds(&r))) goto done;

    /* range finder: Q = orth(A Omega), then subspace iterations */
    /* one serial stream: the same Omega as every earlier version for a
     * seed (see the top: per-chunk streams change the draw) */
    svd_rng g;
    rng_seed(&g, o->seed);
    if ((rc = omega(&r, &g, z))) goto done;
    /* progress: one step per product-and-orthonormalisation pass */
    uint64_t steps = 2 * (uint64_t)o->power_iters + 3, step = 0;
#define SVD_STEP()                                                          \
    do {                                                                    \
        if (o->progress) o->progress(o->progress_ud, ++step, steps);        \
    } while (0)
    ty_csr_mul_dense(a, z, (size_t)l, q, r.threads);
    /* after each product its input block is dead: it is the scratch */
    /* one Cholesky-QR pass between products, two for the last Q */
    if ((rc = orth(&r, q, m, 1, o->power_iters ? 1 : 2, z, tau, NULL, "range")))
        goto done;
    SVD_STEP();
    for (int it = 0; it < o->power_iters; it++) {
        int last = it + 1 == o->power_iters;
        if ((rc = at_mul(&r, q, m, z))) goto done;
        if ((rc = orth(&r, z, n, 0, 1, q, tau, NULL, "power iteration")))
            goto done;
        SVD_STEP();
        ty_csr_mul_dense(a, z, (size_t)l, q, r.threads);
        if ((rc = orth(&r, q, m, 1, last ? 2 : 1, z, tau, NULL,
                       "power iteration")))
            goto done;
        SVD_STEP();
    }

    /* projection: Bt = A^T Q = Q2 R, then R = U_R S V_R^T */
    if ((rc = at_mul(&r, q, m, z))) goto done;
    /* Q is still needed for U when U is wanted: then w is the scratch */
    if ((rc = orth(&r, z, n, 0, 2, u ? w : q, tau, rt, "projection"))) goto done;
    SVD_STEP();
    /* the small SVD: on process 0 alone when it can broadcast (its R
     * products too: orth), sent with its status */
    double st = 0;
    if (!small_on_zero(&r) || cm->rank == 0)
        st = (double)LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'A', l, l, rt, l, sv, ur,
                                         l, vt, l, r.work, r.lwork, r.iwork);
    if (small_on_zero(&r) && (rc = bcast_small(&r, &st, sv, ur, u ? vt : NULL)))
        goto done;
    if (st != 0) {
        rc = lapack_fail(&r, "sgesdd", "small SVD", (lapack_int)st);
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
    gemm_args gv = {.y = z, .m = ur, .trans_m = 1, .ldm = l, .out = v,
                    .ncols = kk, .ldo = (int)rank};
    run_chunk_range(&r, gemm_chunk, &gv, n, r.tc_lo, r.tc_hi);
    /* U = Q V_R[:, :kk]: vt is column-major V_R^T, i.e. row-major V_R */
    gemm_args gu = {.y = q, .m = vt, .trans_m = 0, .ldm = l, .out = u,
                    .ncols = kk, .ldo = (int)rank};
    if (u) run_chunks(&r, gemm_chunk, &gu, m);
    if (cm && cm->size > 1) {
        /* signs from each process's rows of V, then the rows to all */
        if ((rc = fix_signs(&r, v, r.toff[cm->rank], r.toff[cm->rank + 1], u, m, kk,
                            (int)rank)) ||
            (rc = comm_gather(&r, v, (size_t)rank)))
            goto done;
    } else {
        fix_signs(&r, v, 0, n, u, m, kk, (int)rank);
    }
    SVD_STEP();
#undef SVD_STEP
    rc = TENYO_OK;
done:
    ty_csr_free(&r.at);
    free(q);
    free(z);
    free(w);
    free(r.gram);
    free(r.chol);
    free(r.racc);
    free(r.rtmp);
    free(r.diag);
    free(r.part);
    free(r.tbound);
    free(r.zi);
    free(r.zsum);
    free(r.iscr);
    free(r.iacc);
    free(r.gsave);
    free(r.colmax);
    free(r.csc);
    free(r.ctc);
    free(r.toff);
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

void ty_svd_share(uint64_t total, uint64_t block, int rank, int size,
                  uint64_t *r0, uint64_t *r1) {
    uint64_t nb = (total + block - 1) / block, per = nb / (uint64_t)size,
             extra = nb % (uint64_t)size, r = (uint64_t)rank;
    uint64_t b0 = r * per + (r < extra ? r : extra);
    uint64_t b1 = b0 + per + (r < extra ? 1 : 0);
    *r0 = b0 * block < total ? b0 * block : total;
    *r1 = b1 * block < total ? b1 * block : total;
}
