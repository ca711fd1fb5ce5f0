/*
 * csr.c — the sparse TF-IDF matrix and its products with dense blocks.
 *
 * The randomized SVD spends nearly all its time in two products of the
 * sparse document x term matrix A with a tall dense block of k columns
 * (k = rank + oversample, about 272): C = A B and C = A^T B. Both are done
 * here with plain C loops on ty_parallel's workers; no sparse BLAS is
 * involved (OpenBLAS has none, and MKL-style inspector/executor libraries
 * would be a second numeric dependency for two loops).
 *
 * Determinism is the design constraint. An index must come out byte for byte
 * the same whatever the thread count, so no floating-point sum may depend on
 * how work is split:
 *   - A B is partitioned by output row. Row i of C is computed by exactly one
 *     thread as C[i,:] = sum_j a_ij B[j,:] in the stored (column) order, so
 *     the arithmetic is identical for 1 or 64 threads. Row ranges are chosen
 *     by non-zero count (a binary search over rowptr), which balances work
 *     without affecting results.
 *   - A^T B is the same product over the transpose. The usual threaded form
 *     (each thread scatters its rows of A into a private C, then the partial
 *     C's are summed) was rejected: the reduction order changes the bits with
 *     the thread count. Instead the output rows (the columns of A) are
 *     partitioned: each thread walks all rows of A in order, but touches only
 *     the non-zeros whose column falls in its range (found by a binary search
 *     in each row, as columns are sorted within a row). Column j of A thus
 *     accumulates a_ij B[i,:] in increasing i on one thread — exactly the
 *     arithmetic of the product with an explicit transpose (CSC) and of the
 *     serial scatter loop, so all three give identical bits. This needs no
 *     copy of the matrix; the cost is one binary search per row per thread.
 *     ty_csr_transpose() is also provided: svd.c may keep a transpose for
 *     all its iterations, when memory allows, and then A^T B becomes the
 *     gather loop of A B, which streams C rows through L1 once instead of
 *     read-modify-writing them per non-zero.
 * A B (and so A^T B through a kept transpose) runs by column panels: for
 * each panel of 64 columns, every row of the thread's range accumulates
 * its 64 outputs in four 16-float SIMD registers over the row's non-zeros
 * and writes them once; the B rows of later non-zeros are prefetched. Why:
 * the product is a gather of random rows of B (hundreds of MB at 100k
 * documents). The plain loop (axpy of each whole 272-float B row into
 * the C row) read-modify-wrote C per non-zero and, compiled for baseline
 * x86-64, ran on SSE; on 30k documents the panel kernel takes about half
 * its CPU time per product (bench/build_bench --products -t 1, medians of
 * 3 on a shared VM: A B 0.40-0.59 s against 0.77-0.88 s, A^T B 0.54-0.83 s
 * against 1.26-1.30 s). What limits it now is memory: 4.25 panels x 4.7 M
 * non-zeros x 256 bytes in 0.42 s is ~12 GB/s of B rows per core.
 * Tried and rejected: panels of 16 or 32 columns (more passes over A, no
 * fewer misses: slower), renumbering the terms by document frequency so
 * that hot B rows share pages and lines (no gain, measured), and
 * target_clones on the plain axpy (no gain, measured).
 * The kernels are GCC vector extensions compiled as avx512f / avx2 /
 * baseline clones chosen at load time; each element is the same multiply
 * then add in the same order (ISO C mode, so no contraction into FMA), so
 * every clone and every panel width gives the bits of the scalar axpy
 * loop, which the scatter form still uses.
 *
 * Small products (fewer than TY_CSR_PAR_NNZ non-zeros) run on the calling
 * thread: creating threads costs tens of microseconds, more than the work.
 * The workers run through ty_parallel (util/parallel.c); the products
 * return nothing, so a thread that cannot be created is not reported:
 * ty_parallel runs that worker's range on the calling thread, which gives
 * the same result.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

/* Products with fewer non-zeros than this run single-threaded. */
#define TY_CSR_PAR_NNZ 65536

/* ============================================================== kernels */

/* c[0..k) += v * b[0..k). The inner loop of the scatter form of A^T B; the
 * gather kernels below perform the same float operations in the same order
 * per element.
 * Unrolled by eight so GCC vectorises it at -O2 (SLP); elements are
 * independent, so vectorised and scalar code give the same bits. */
static inline void axpy(float *restrict c, float v, const float *restrict b,
                        size_t k) {
    size_t j = 0;
    for (; j + 8 <= k; j += 8) {
        c[j + 0] += v * b[j + 0];
        c[j + 1] += v * b[j + 1];
        c[j + 2] += v * b[j + 2];
        c[j + 3] += v * b[j + 3];
        c[j + 4] += v * b[j + 4];
        c[j + 5] += v * b[j + 5];
        c[j + 6] += v * b[j + 6];
        c[j + 7] += v * b[j + 7];
    }
    for (; j < k; j++) c[j] += v * b[j];
}

/* --- the gather kernels of C = A B ---------------------------------------
 *
 * Row i of C, columns [c0, c0 + W), is sum_p a_ip B[col_p, c0 .. c0 + W)
 * over row i's non-zeros in stored order, accumulated in registers from
 * zero: acc = acc + a * b, a multiply then an add per element (no fused
 * multiply-add: the build is ISO C, -ffp-contract=off), exactly the
 * arithmetic of axpy() into a zeroed row, whatever the panel width or the
 * instruction set of the clone that runs. */

/* Floats per SIMD accumulator: 16 (one AVX-512 register, two AVX2 or four
 * SSE registers in the other clones). Loads go through memcpy: the rows of
 * B need not be aligned. */
typedef float csr_v16 __attribute__((vector_size(64)));

/* How far ahead (in non-zeros) the B row of a later non-zero is prefetched:
 * the gathers are random rows of a block far larger than L2, and the
 * out-of-order window alone keeps too few of them in flight. */
#define TY_CSR_PREFETCH 12

/* The clones the gather kernels are compiled for, picked at load time. */
/* Not under AddressSanitizer or ThreadSanitizer: the clones' resolver
 * runs while the loader relocates, before the sanitizer's run time has
 * started, and is instrumented all the same (ThreadSanitizer: SIGSEGV
 * before main); there the default version serves. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define CSR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CSR_CLONES
#endif

/* Rows [r0, r1) of C = A B restricted to columns [c0, c0 + 16 NV) (NV =
 * 1, 2 or 4 accumulators), B and C row-major with k columns. pend is the
 * total non-zero count (prefetches stay inside col[]). */
#define CSR_PANEL_KERNEL(NAME, NV)                                            \
    CSR_CLONES static void NAME(const ty_csr *a, const float *b, size_t k,   \
                                float *c, uint64_t r0, uint64_t r1,          \
                                size_t c0, uint64_t pend) {                  \
        const uint64_t *rp = a->rowptr;                                      \
        const uint32_t *col = a->col;                                        \
        const float *val = a->val;                                           \
        const float *bc = b + c0;                                            \
        for (uint64_t i = r0; i < r1; i++) {                                 \
            csr_v16 acc[NV];                                                 \
            for (int v = 0; v < NV; v++) acc[v] = (csr_v16){0};              \
            for (uint64_t p = rp[i]; p < rp[i + 1]; p++) {                   \
                if (p + TY_CSR_PREFETCH < pend) {                            \
                    const float *f =                                         \
                        bc + (size_t)col[p + TY_CSR_PREFETCH] * k;           \
                    for (int v = 0; v < NV; v++)                             \
                        __builtin_prefetch(f + 16 * v, 0, 3);                \
                }                                                            \
                const float *bp = bc + (size_t)col[p] * k;                   \
                csr_v16 x = (csr_v16){0} + val[p];                           \
                for (int v = 0; v < NV; v++) {                               \
                    csr_v16 y;                                               \
                    memcpy(&y, bp + 16 * v, sizeof y);                       \
                    acc[v] = acc[v] + x * y;                                 \
                }                                                            \
            }                                                                \
            memcpy(c + i * k + c0, acc, sizeof acc);                         \
        }                                                                    \
    }
CSR_PANEL_KERNEL(panel64, 4)
CSR_PANEL_KERNEL(panel32, 2)
CSR_PANEL_KERNEL(panel16, 1)

/* The last w < 16 columns from c0: scalar, same arithmetic. */
static void panel_tail(const ty_csr *a, const float *b, size_t k, float *c,
                       uint64_t r0, uint64_t r1, size_t c0, size_t w) {
    for (uint64_t i = r0; i < r1; i++) {
        float acc[16] = {0};
        for (uint64_t p = a->rowptr[i]; p < a->rowptr[i + 1]; p++) {
            const float *bp = b + (size_t)a->col[p] * k + c0;
            for (size_t j = 0; j < w; j++) acc[j] = acc[j] + a->val[p] * bp[j];
        }
        memcpy(c + i * k + c0, acc, w * sizeof *acc);
    }
}

/* Rows [r0, r1) of C = A B, by column panels: for each panel of 64 columns
 * all the rows, so that the panel of B the rows gather from (ncols x 64
 * floats: 36 MB for 139k terms, against 151 MB for all 272 columns) stays
 * in the last-level cache, while each output row's panel sits in
 * registers and is written once. A's arrays stream once per panel. */
static void mul_rows(const ty_csr *a, const float *b, size_t k, float *c,
                     uint64_t r0, uint64_t r1) {
    uint64_t pend = a->rowptr[a->nrows];
    size_t c0 = 0;
    for (; c0 + 64 <= k; c0 += 64) panel64(a, b, k, c, r0, r1, c0, pend);
    if (c0 + 32 <= k) {
        panel32(a, b, k, c, r0, r1, c0, pend);
        c0 += 32;
    }
    if (c0 + 16 <= k) {
        panel16(a, b, k, c, r0, r1, c0, pend);
        c0 += 16;
    }
    if (c0 < k) panel_tail(a, b, k, c, r0, r1, c0, k - c0);
}

/* Rows [c0, c1) of C = A^T B, i.e. columns [c0, c1) of A, scattered in
 * increasing row order of A (C rows zeroed first). */
static void tmul_cols(const ty_csr *a, const float *b, size_t k, float *c,
                      uint64_t c0, uint64_t c1) {
    if (c0 >= c1) return;
    memset(c + c0 * k, 0, (size_t)(c1 - c0) * k * sizeof *c);
    int whole = c0 == 0 && c1 == a->ncols;
    for (uint64_t i = 0; i < a->nrows; i++) {
        uint64_t p = whole ? a->rowptr[i] : ty_csr_lower_bound(a, i, c0);
        uint64_t end = a->rowptr[i + 1];
        const float *bi = b + i * k;
        for (; p < end && a->col[p] < c1; p++)
            axpy(c + (size_t)a->col[p] * k, a->val[p], bi, k);
    }
}

/* ============================================================ threading */

/* One worker's share of a product. */
typedef struct csr_job {
    const ty_csr *a;   /* the sparse matrix */
    const float *b;    /* dense input, row-major, k columns */
    float *c;          /* dense output, row-major, k columns */
    size_t k;          /* dense columns */
    uint64_t lo, hi;   /* output rows [lo, hi) of this job */
    int transposed;    /* 0: C = A B, 1: C = A^T B */
} csr_job;

/* ty_parallel worker t: job t of the array ud. Output ranges are
 * disjoint, so the order of completion does not matter. */
static int job_main(void *ud, int t, int nt) {
    (void)nt;
    const csr_job *j = (const csr_job *)ud + t;
    if (j->transposed) tmul_cols(j->a, j->b, j->k, j->c, j->lo, j->hi);
    else mul_rows(j->a, j->b, j->k, j->c, j->lo, j->hi);
    return 0;
}

/* Worker count for a product: threads clamped to [1, TY_PAR_MAX] (0 or
 * less means all cores), 1 for small work, never more than the output
 * rows. */
static int worker_count(int threads, uint64_t nnz, uint64_t outrows) {
    if (nnz < TY_CSR_PAR_NNZ) return 1;
    return ty_parallel_workers(threads, outrows, 1);
}

/* =============================================================== public */

void ty_csr_free(ty_csr *m) {
    if (!m) return;
    free(m->rowptr);
    free(m->col);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* C = A B. Threads split the rows of A into ranges of about equal
 * (non-zeros + rows), each found by binary search over rowptr. */
void ty_csr_mul_dense(const ty_csr *a, const float *b, size_t k, float *c,
                      int threads) {
    if (!a || !c || k == 0 || a->nrows == 0) return;
    if (!a->rowptr || (a->rowptr[a->nrows] && (!a->col || !a->val || !b))) {
        memset(c, 0, (size_t)a->nrows * k * sizeof *c);
        return;
    }
    uint64_t nnz = a->rowptr[a->nrows];
    int nt = worker_count(threads, nnz, a->nrows);
    csr_job jobs[TY_PAR_MAX];
    /* weight of the first r rows: rowptr[r] + r, increasing in r */
    uint64_t total = nnz + a->nrows, prev = 0;
    for (int t = 0; t < nt; t++) {
        uint64_t hi = a->nrows;
        if (t + 1 < nt) {
            uint64_t target = ty_split(total, t + 1, nt);
            uint64_t lo = prev;
            hi = a->nrows;
            while (lo < hi) { /* first r with weight(r) >= target */
                uint64_t mid = lo + (hi - lo) / 2;
                if (a->rowptr[mid] + mid < target) lo = mid + 1;
                else hi = mid;
            }
        }
        jobs[t] = (csr_job){a, b, c, k, prev, hi, 0};
        prev = hi;
    }
    ty_parallel(nt, job_main, jobs);
}

/* C = A^T B. Threads split the columns of A into ranges of about equal
 * non-zero count (a column histogram; an even split when it cannot be
 * allocated) and each scans all rows for its columns (see the top). */
void ty_csr_tmul_dense(const ty_csr *a, const float *b, size_t k, float *c,
                       int threads) {
    if (!a || !c || k == 0 || a->ncols == 0) return;
    uint64_t nnz = a->nrows && a->rowptr ? a->rowptr[a->nrows] : 0;
    if (nnz && (!a->col || !a->val || !b)) nnz = 0;
    if (nnz == 0) {
        memset(c, 0, (size_t)a->ncols * k * sizeof *c);
        return;
    }
    int nt = worker_count(threads, nnz, a->ncols);
    csr_job jobs[TY_PAR_MAX];
    uint64_t *cnt = nt > 1 ? ty_calloc(a->ncols, sizeof *cnt) : NULL;
    if (cnt)
        for (uint64_t p = 0; p < nnz; p++) cnt[a->col[p]]++;
    uint64_t prev = 0, acc = 0, col = 0;
    uint64_t total = nnz + a->ncols;
    for (int t = 0; t < nt; t++) {
        uint64_t hi = a->ncols;
        if (t + 1 < nt) {
            if (cnt) { /* columns until (non-zeros + columns) reach target */
                uint64_t target = ty_split(total, t + 1, nt);
                while (col < a->ncols && acc + cnt[col] + 1 <= target)
                    acc += cnt[col++] + 1;
                hi = col;
            } else {
                hi = ty_split(a->ncols, t + 1, nt);
            }
        }
        jobs[t] = (csr_job){a, b, c, k, prev, hi, 1};
        prev = hi;
    }
    free(cnt);
    ty_parallel(nt, job_main, jobs);
}

/* T = A^T as CSR (the CSC form of A): a counting sort of the non-zeros by
 * column. Rows of A are visited in order, so every row of T lists its
 * columns sorted. On failure t is left zeroed. */
int ty_csr_transpose(const ty_csr *a, ty_csr *t) {
    if (!t) return TENYO_ERR_ARG;
    memset(t, 0, sizeof *t);
    if (!a || (a->nrows && !a->rowptr)) return TENYO_ERR_ARG;
    if (a->nrows > UINT32_MAX) return TENYO_ERR_LIMIT; /* rows become col */
    uint64_t nnz = a->nrows ? a->rowptr[a->nrows] : 0;
    if (nnz && (!a->col || !a->val)) return TENYO_ERR_ARG;
    int rc = TENYO_ERR_NOMEM;
    ty_csr r = {.nrows = a->ncols, .ncols = a->nrows};
    if (a->ncols == UINT64_MAX) return TENYO_ERR_LIMIT;
    r.rowptr = ty_calloc(a->ncols + 1, sizeof *r.rowptr);
    r.col = ty_mallocarray(nnz, sizeof *r.col);
    r.val = ty_mallocarray(nnz, sizeof *r.val);
    if (!r.rowptr || !r.col || !r.val) goto done;
    for (uint64_t p = 0; p < nnz; p++) {
        if (a->col[p] >= a->ncols) {
            rc = TENYO_ERR_ARG;
            goto done;
        }
        r.rowptr[a->col[p] + 1]++;
    }
    for (uint64_t j = 0; j < a->ncols; j++) r.rowptr[j + 1] += r.rowptr[j];
    /* rowptr[j] is the next free slot of row j while filling ... */
    for (uint64_t i = 0; i < a->nrows; i++)
        for (uint64_t p = a->rowptr[i]; p < a->rowptr[i + 1]; p++) {
            uint64_t q = r.rowptr[a->col[p]]++;
            r.col[q] = (uint32_t)i;
            r.val[q] = a->val[p];
        }
    /* ... and ends as the start of row j+1: shift back by one row */
    memmove(r.rowptr + 1, r.rowptr, a->ncols * sizeof *r.rowptr);
    r.rowptr[0] = 0;
    *t = r;
    return TENYO_OK;
done:
    ty_csr_free(&r);
    return rc;
}
