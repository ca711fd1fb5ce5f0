/*
 * svd_run.h — the state one randomized SVD carries between its steps
 * (svd_run) and what the files of the SVD share. svd.c: the algorithm's
 * driver (random start, power iterations, the small SVD, signs) and the
 * public calls; svd_dense.c: the dense steps spread over threads in fixed
 * row chunks and the LAPACK status mapping (the lowest); svd_fixed.c: A^T Q
 * and the Gram products as fixed-point sums that do not depend on how rows
 * are split; svd_qr.c: the re-orthonormalisations (Householder,
 * Cholesky-QR, SVQB). svd.c's opening comment gives the method.
 */
#ifndef TENYO_MODEL_SVD_RUN_H
#define TENYO_MODEL_SVD_RUN_H

#include "model/model.h"

#include "model/blas.h"
#include <stdint.h>

/* What one factorisation carries between its steps. */
typedef struct svd_run {
    const ty_csr *a;     /* the matrix */
    void (*before_at)(void *ud); /* ty_svd_opts's, called before at is made */
    void *before_at_ud;
    ty_csr at;           /* A^T as CSR when have_at */
    int have_at;         /* at was built (by the first per-term A^T Q;
                            never in the document-order form) */
    int threads;         /* threads for the sparse products and for
                            OpenBLAS's level-3 calls (resolved, >= 1) */
    int l;               /* block width: rank + oversample, capped */
    uint64_t block;      /* rows per chunk (ty_svd_opts.block) */
    const ty_svd_comm *comm; /* the row split, or NULL (one process) */
    uint64_t mtot;       /* rows of A over all processes */
    double *tbound;      /* ncols: df_t * max |a_dt|, over all processes
                            (the bound of A^T Q's row t for |Q| <= 1) */
    int64_t *zi;         /* ncols x l: A^T Q in fixed point before the
                            reduction (comm without sum_scatter_i64);
                            each product writes every row */
    int64_t *zr;         /* with sum_scatter_i64: one round's fixed-point
                            rows, every process's slice packed in process
                            order (zr_rows x l at most) */
    uint64_t zr_rows;    /* rows of the largest round */
    uint32_t nround;     /* rounds of A^T Q's reduce-scatter (ty_svd_rounds) */
    int64_t *zsum;       /* this process's rows of a round's sum over
                            processes (with sum_scatter_i64) */
    int64_t *iscr;       /* threads x l: a term row's fixed-point sum */
    int64_t *sacc;       /* one process: sband x l, A^T Q's fixed-point
                            rows of the document-order form's band being
                            walked (svd_fixed.c); split, NULL: a band is a
                            round's slice, its rows in zr */
    float *szb;          /* sband x l: each term's float sum in the block
                            being walked; NULL: the per-term form */
    uint32_t *sstamp;    /* ncols: the last block (numbered across calls,
                            from 1) whose sum szb holds; 0 none */
    uint32_t *stouch;    /* ncols: the terms of the block being walked */
    uint64_t *spre;      /* ncols + 1: the postings before each term (over
                            all processes), for the workers' shares */
    uint64_t sband;      /* terms a band: one process, its width; split,
                            the largest slice of a round */
    uint32_t sblk;       /* blocks numbered so far */
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

/* One chunk step: rows [r0, r1) of the block, chunk number c, on worker t
 * (for per-worker scratch; never for what is computed). */
typedef void (*chunk_fn)(const svd_run *r, void *ctx, uint64_t r0,
                         uint64_t r1, size_t c, int t);

/* Arguments of ty_svd_gemm_chunk: C = Y M for a row-major rows x l block Y. */
typedef struct gemm_args {
    const float *y;      /* rows x l, leading dimension l */
    const float *m;      /* l x ncols (or its transpose, trans_m) */
    int trans_m;         /* M is stored transposed (ncols x l) */
    int ldm;             /* leading dimension of m as stored */
    float *out;          /* rows x ncols, leading dimension ldo */
    int ncols, ldo;      /* output columns and leading dimension */
} gemm_args;

size_t ty_svd_chunk_count(const svd_run *r, uint64_t rows);
void ty_svd_gemm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t);
/* Partial Gram matrix of one chunk: part[c] = Y[r0:r1]^T Y[r0:r1], upper. */
void ty_svd_gram_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t);
/* Map a LAPACKE status to a tenyo status with a message naming the step. */
int ty_svd_lapack_fail(const svd_run *r, const char *fn, const char *step,
                       lapack_int info);
/* Run fn over chunks [c_lo, c_hi) of a rows-row block on up to r->threads
 * workers (ty_parallel: a worker whose thread cannot be created runs on the
 * calling thread: same chunks, same bits). */
void ty_svd_run_chunk_range(const svd_run *r, chunk_fn fn, void *ctx,
                            uint64_t rows, size_t c_lo, size_t c_hi);
/* All chunks of the block. */
void ty_svd_run_chunks(const svd_run *r, chunk_fn fn, void *ctx,
                       uint64_t rows);
/* dst (cols x rows, row-major) = src (rows x cols, row-major) transposed,
 * in 32 x 32 tiles so both sides stay in cache. */
void ty_svd_transpose(const float *src, uint64_t rows, uint64_t cols,
                      float *dst);
/* Y[r0:r1] = Y[r0:r1] R^-1, R = r->gram (upper, row-major). */
void ty_svd_trsm_chunk(const svd_run *r, void *ctx, uint64_t r0, uint64_t r1,
                       size_t c, int t);
/* Z = A^T Q for the row-split Q (this process's rows x l, orthonormal
 * columns over all processes): with one process all ncols x l; split,
 * only this process's chunk rows of the terms block (r->toff) are valid
 * afterwards (its orth pass reads only those, then gathers). Exact over
 * fixed blocks: see the top. */
int ty_svd_at_mul(svd_run *r, const float *q, uint64_t rows, float *z);
/* Bytes of the document-order form's blocks for one band of terms (sacc,
 * szb: 12 bytes a term and column): the vocabulary is walked in bands of
 * terms that fit (svd_fixed.c, "Bands"). */
#define TY_SVD_BAND_BYTES ((double)16 * 1024 * 1024)
/* The blocks and bands of the document-order form of A^T Q (after
 * r->threads is set, and split, the reduce-scatter's rounds; cnt: each
 * term's postings over all processes; from ty_svd_term_bounds): one
 * process, or rows split with the reduce-scatter (its rounds' slices the
 * bands); 1 when it is used, 0 when not (no error: the per-term form
 * serves, over the transpose its first product makes). */
int ty_svd_scatter_setup(svd_run *r, const int64_t *cnt);
void ty_svd_scatter_free(svd_run *r);
/* The rounds of A^T Q's reduce-scatter over the processes of r->comm
 * (r->toff set): r->nround, r->zr_rows and the rows zsum needs (returned);
 * every process computes the same from ncols, l and toff. */
uint64_t ty_svd_rounds(svd_run *r);
/* Free the fixed-point sums' blocks of r (zi, zr, zsum, iscr, iacc and the
 * document-order form's), setting them NULL. */
void ty_svd_fixed_free(svd_run *r);
/* Every process's rows of the terms block (row_len floats each) to all. */
int ty_svd_comm_gather(const svd_run *r, float *x, size_t row_len);
int ty_svd_comm_max(const svd_run *r, double *x, size_t n);
/* The collective reductions of the row split (identities with one
 * process). A failure becomes a tenyo status with a message. */
int ty_svd_comm_sum(const svd_run *r, int64_t *x, size_t n);
/* The Gram matrix Y^T Y of the row-split block y (split: this process's
 * rows x l), or of the terms block every process holds whole (its chunks
 * tc_lo..tc_hi here, the others' elsewhere), into r->chol (upper, double),
 * the same bits for any split: each
 * chunk's float partial (ssyrk) is rounded to a fixed-point grid whose
 * scale for entry (i, j) is 2^(62 - c - e_i - e_j), with max|Y_:i| < 2^e_i
 * over all processes and 2^c >= all rows, so |sum| < 2^62; the int64 sums
 * are reduced exactly and scaled back. The grid step is 2^-62 of that
 * bound: ~2^-42 of a diagonal entry at 10^6 rows, beyond double's. */
int ty_svd_gram_fixed(svd_run *r, float *y, uint64_t rows, int split);
/* tbound[t] = df_t * max_d |a_dt| over all processes (exact: an integer
 * sum and a maximum); then the document-order form's blocks when they fit
 * (ty_svd_scatter_setup). */
int ty_svd_term_bounds(svd_run *r);
/* A dense block of rows x cols floats for free(): aligned to 2 MiB and,
 * where the kernel offers it, backed by transparent huge pages. The sparse
 * products gather random rows of these blocks (hundreds of MB at 100k
 * documents): with 4 KiB pages nearly every gather also misses the TLB.
 * Rows of 16k floats stay 64-byte aligned, so a 64-column panel row is
 * exactly four cache lines. NULL on overflow or out of memory. */
float *ty_svd_alloc_block(uint64_t rows, size_t cols);
/* Query and allocate one LAPACK workspace large enough for sgeqrf and
 * sorgqr on both block heights and for sgesdd on the l x l factor. The
 * _work entry points are used because they call LAPACK directly: the plain
 * LAPACKE ones allocate per call and first scan the whole block for NaNs
 * (2% of the run time, measured; our blocks cannot hold NaNs from finite
 * input). Buffers are passed because queries must not see NULL arrays. */
int ty_svd_alloc_work(svd_run *r, float *q, float *z, uint64_t m, uint64_t n,
                      float *tau, float *rt, float *sv, float *ur, float *vt);
/* Process 0's status st and, when it is 0, its small SVD to every
 * process: sv (l floats), ur and, unless NULL, vt (l x l floats each),
 * through the double broadcast (floats widen and narrow exactly);
 * r->diag and r->chol, dead by then, carry them. */
int ty_svd_bcast_small(svd_run *r, double *st, float *sv, float *ur,
                       float *vt);
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
                float *w, float *tau, float *rt, const char *step);
/* 1 when the l x l steps that every process would compute alike from the
 * same reduced numbers (the products of R factors, the small SVD) run on
 * process 0 alone and are broadcast (the same bits, without P copies of
 * the work). */
int ty_svd_small_on_zero(const svd_run *r);

#endif
