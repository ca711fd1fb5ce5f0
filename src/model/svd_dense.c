/*
 * svd_dense.c — the dense steps of the SVD over threads: a step's rows are
 * cut into fixed chunks (ty_svd_chunk_count: independent of the thread count), each
 * chunk one BLAS call, the chunks shared by ty_parallel workers, so the
 * result is the same bits for any --threads; the Gram partials, the
 * triangular solves and the block products are such steps. Also the small
 * helpers every step uses: a LAPACKE status as a tenyo status and message,
 * a cache-friendly transpose. The lowest file of the SVD.
 */
#include "model/model.h"
#include "model/svd_run.h"

#include "model/blas.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* The most workers whose buffers were found room for (they stay mapped:
 * OpenBLAS keeps its buffers once made). */
static int blas_fits;

int ty_blas_room(int workers, size_t extra, char *err, size_t errlen) {
    if (workers < 1) workers = 1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY) return workers;
    int known = __atomic_load_n(&blas_fits, __ATOMIC_ACQUIRE);
    if (workers <= known) return workers;
    for (int w = workers; w > known; w--) {
        size_t need = (size_t)(w - known) * TY_BLAS_BUFFER +
                      (size_t)(w - (known ? known : 1)) * TY_BLAS_THREAD + TY_BLAS_SPARE + extra;
        void *p = mmap(NULL, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) continue;
        munmap(p, need);
        __atomic_store_n(&blas_fits, w, __ATOMIC_RELEASE);
        return w;
    }
    if (known) return known;
    char beside[64] = "";
    if (extra) snprintf(beside, sizeof beside, " beside the %zu MiB still to take", extra >> 20);
    ty_seterr(err, errlen, "out of memory: the address-space limit (ulimit -v %llu KiB) leaves "
              "no room for OpenBLAS's work buffer (%zu MiB)%s: raise the limit",
              (unsigned long long)(rl.rlim_cur / 1024), (TY_BLAS_BUFFER + TY_BLAS_SPARE) >> 20,
              beside);
    return 0;
}

/* Map a LAPACKE status to a tenyo status with a message naming the step. */
int ty_svd_lapack_fail(const svd_run *r, const char *fn, const char *step,
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
void ty_svd_transpose(const float *src, uint64_t rows, uint64_t cols,
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
/* (The chunk is ty_svd_opts.block rows, TY_SVD_BLOCK = 4096 by default;
 * chunk_fn, one chunk step, is in svd_run.h.) */

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

size_t ty_svd_chunk_count(const svd_run *r, uint64_t rows) {
    return (size_t)((rows + r->block - 1) / r->block);
}

/* Run fn over chunks [c_lo, c_hi) of a rows-row block on up to r->threads
 * workers (ty_parallel: a worker whose thread cannot be created runs on the
 * calling thread: same chunks, same bits). */
void ty_svd_run_chunk_range(const svd_run *r, chunk_fn fn, void *ctx,
                            uint64_t rows, size_t c_lo, size_t c_hi) {
    chunk_job j = {r, fn, ctx, rows, c_lo, c_hi};
    ty_parallel(ty_parallel_workers(r->threads, c_hi > c_lo ? c_hi - c_lo : 0, 1),
                chunk_main, &j);
}

/* All chunks of the block. */
void ty_svd_run_chunks(const svd_run *r, chunk_fn fn, void *ctx,
                       uint64_t rows) {
    ty_svd_run_chunk_range(r, fn, ctx, rows, 0, ty_svd_chunk_count(r, rows));
}

/* Partial Gram matrix of one chunk: part[c] = Y[r0:r1]^T Y[r0:r1], upper. */
void ty_svd_gram_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    const float *y = ctx;
    int l = r->l;
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, l, (int)(r1 - r0),
                1.0f, y + r0 * (size_t)l, l, 0.0f,
                r->part + c * (size_t)l * l, l);
}

/* Y[r0:r1] = Y[r0:r1] R^-1, R = r->gram (upper, row-major). */
void ty_svd_trsm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    float *y = ctx;
    int l = r->l;
    (void)c;
    cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans,
                CblasNonUnit, (int)(r1 - r0), l, 1.0f, r->gram, l,
                y + r0 * (size_t)l, l);
}

void ty_svd_gemm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t) {
    (void)t;
    const gemm_args *g = ctx;
    (void)c;
    cblas_sgemm(CblasRowMajor, CblasNoTrans,
                g->trans_m ? CblasTrans : CblasNoTrans, (int)(r1 - r0),
                g->ncols, r->l, 1.0f, g->y + r0 * (size_t)r->l, r->l, g->m,
                g->ldm, 0.0f, g->out + r0 * (size_t)g->ldo, g->ldo);
}
