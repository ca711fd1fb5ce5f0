/*
 * svd_check.c — the row-split SVD over real Open MPI ranks, checked bit
 * for bit against one process and against what `tenyo index` stored.
 *
 *   mpirun -np P build/tests/mpi_svd_check [--block B] [--blocks N,N,...] INDEX
 *
 * Every rank reads INDEX (built by `tenyo index`), keeps only its share of
 * the document rows of the TF-IDF matrix (whole blocks of B rows, B
 * default TY_SVD_BLOCK as in `tenyo index`; --blocks gives each rank but
 * the last its number of blocks, for uneven shares and empty ranks), and
 * runs svd.c's randomized SVD with the rows split: its reductions go
 * through MPI_Allreduce (src/mpi/mpicomm.c). Each rank then computes its
 * document vectors (the builder's normalised rows of A V). Rank 0 also
 * factors the whole matrix in one process; then
 *   - every rank's S and V must equal one process's, bit for bit;
 *   - the document vectors gathered from the ranks must equal one
 *     process's, bit for bit;
 *   - with the default block, S must equal the index's stored singular
 *     values and V and the document vectors, quantised as the store does,
 *     its stored int8 codes and scales: the same bits `tenyo index` wrote.
 * It prints the bytes each rank put into reductions (total and per SVD
 * pass), the CPU time of the factorisation outside the reductions summed
 * over ranks against one process's (the work overhead of the split: no
 * instruction counters in this VM), and exits 0 only when everything is
 * identical. --perturb R
 * corrupts rank R's first integer sum: the check must then fail.
 * --split-only runs the split factorisation and stops (for counting its
 * instructions under callgrind). Built with -DTY_SVD_CALLGRIND (make
 * build/tests/mpi_svd_work, bench/mpi_work.sh) it switches callgrind's
 * instrumentation on just before ty_svd_randomized and off just after
 * (valgrind client requests; run with --instr-atstart=no): reading and
 * decoding a 100k-document index then runs uninstrumented, at a few
 * times native speed instead of fifty. Without the flag, or without
 * valgrind's headers, the requests are not compiled in.
 *
 * This is the test and measuring program of the distributed SVD alone;
 * the whole distributed build is `tenyo-mpi index` (src/mpi/tenyo_mpi.c),
 * tested by tests/mpi.sh against `tenyo index` byte for byte.
 */
#include "api/api.h"
#include "mpi/mpicomm.h"

#include <math.h>
#include <time.h>
#if defined(TY_SVD_CALLGRIND) && defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define WORK_BEGIN() CALLGRIND_START_INSTRUMENTATION
#define WORK_END() CALLGRIND_STOP_INSTRUMENTATION
#endif
#endif
#ifndef WORK_BEGIN
#define WORK_BEGIN() ((void)0)
#define WORK_END() ((void)0)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --perturb R: rank R's first integer sum (the document frequencies of
 * the term bounds) gets 2^40 added to its first entry, which coarsens that
 * term's grid: the results must differ (the check's own test). */
static int perturb_rank = -1, my_rank, split_only;
static int (*real_sum)(void *, int64_t *, size_t);
static int (*real_max)(void *, double *, size_t);
/* CPU seconds of this thread spent inside the reductions (waiting and
 * MPI's own work), to be told apart from the factorisation's work. */
static double comm_cpu;

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int perturbed_sum(void *ud, int64_t *x, size_t n) {
    static int done;
    if (my_rank == perturb_rank && !done && n) {
        x[0] += (int64_t)1 << 40;
        done = 1;
    }
    double t = thread_cpu();
    int rc = real_sum(ud, x, n);
    comm_cpu += thread_cpu() - t;
    return rc;
}

static int (*real_scatter)(void *, const int64_t *, int64_t *, size_t, const uint64_t *);
static int (*real_gather)(void *, float *, size_t, const uint64_t *);

static int timed_scatter(void *ud, const int64_t *x, int64_t *sum, size_t row_len,
                         const uint64_t *off) {
    double t = thread_cpu();
    int rc = real_scatter(ud, x, sum, row_len, off);
    comm_cpu += thread_cpu() - t;
    return rc;
}

static int timed_gather(void *ud, float *x, size_t row_len, const uint64_t *off) {
    double t = thread_cpu();
    int rc = real_gather(ud, x, row_len, off);
    comm_cpu += thread_cpu() - t;
    return rc;
}

static int timed_max(void *ud, double *x, size_t n) {
    double t = thread_cpu();
    int rc = real_max(ud, x, n);
    comm_cpu += thread_cpu() - t;
    return rc;
}

static int fail(int rank, const char *what) {
    fprintf(stderr, "mpi_svd_check: rank %d: %s\n", rank, what);
    MPI_Abort(MPI_COMM_WORLD, 2);
    return 2;
}

/* The builder's document vectors (builder.c, build_lsa): A V, each row
 * L2-normalised. */
static void docvecs(const ty_csr *a, const float *v, uint64_t k, float *dv) {
    ty_csr_mul_dense(a, v, k, dv, 1);
    for (uint64_t i = 0; i < a->nrows; i++) {
        float *x = dv + i * k;
        double n = 0;
        for (uint64_t j = 0; j < k; j++) n += (double)x[j] * x[j];
        if (n > 0) {
            float inv = (float)(1.0 / sqrt(n));
            for (uint64_t j = 0; j < k; j++) x[j] *= inv;
        }
    }
}

/* 1 when rows x k floats quantise to the stored codes and scales. */
static int same_q8(const float *x, uint64_t rows, uint64_t k, const int8_t *q,
                   const float *sc) {
    int8_t *c = malloc(k ? k : 1);
    int ok = c != NULL;
    for (uint64_t r = 0; ok && r < rows; r++) {
        float s;
        int32_t sum;
        ty_q8_quantize(x + r * k, k, c, &s, &sum);
        ok = memcmp(c, q + r * k, k) == 0 && memcmp(&s, &sc[r], sizeof s) == 0;
    }
    free(c);
    return ok;
}

int main(int argc, char **argv) {
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t block = TY_SVD_BLOCK;
    const char *path = NULL, *blocks = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--block") && i + 1 < argc) block = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--blocks") && i + 1 < argc) blocks = argv[++i];
        else if (!strcmp(argv[i], "--perturb") && i + 1 < argc) perturb_rank = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--split-only")) split_only = 1;
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else return fail(rank, "usage: mpi_svd_check [--block B] [--blocks N,N,...] INDEX");
    }
    if (!path || block == 0 || block > UINT32_MAX) return fail(rank, "usage: mpi_svd_check [--block B] [--blocks N,N,...] INDEX");
    tenyo_set_blas_threads(1);
    char err[TY_ERRLEN] = "";
    ty_model m;
    if (ty_store_read(path, &m, err, sizeof err)) return fail(rank, err);
    if (ty_model_need_sparse(&m, err, sizeof err)) return fail(rank, err);
    uint64_t n = m.ndocs, k = m.dim, nt = m.nterms;
    if (k == 0) return fail(rank, "index has no LSA");

    /* this rank's rows */
    uint64_t r0, r1;
    ty_mpicomm_share(n, block, rank, size, &r0, &r1);
    if (blocks) {
        const char *p = blocks;
        uint64_t row = 0;
        for (int r = 0; r <= rank; r++) {
            uint64_t take = n - row;
            if (r + 1 < size) {
                take = strtoull(p, (char **)&p, 10) * block;
                if (*p == ',') p++;
            }
            if (row + take > n) take = n - row;
            r0 = row;
            r1 = row + take;
            row += take;
        }
    }
    ty_csr mine = {.nrows = r1 - r0, .ncols = nt};
    mine.rowptr = malloc((mine.nrows + 1) * sizeof *mine.rowptr);
    if (!mine.rowptr) return fail(rank, "out of memory");
    for (uint64_t i = 0; i <= mine.nrows; i++)
        mine.rowptr[i] = m.tfidf.rowptr[r0 + i] - m.tfidf.rowptr[r0];
    mine.col = m.tfidf.col + m.tfidf.rowptr[r0];
    mine.val = m.tfidf.val + m.tfidf.rowptr[r0];

    ty_mpicomm mc = {.comm = MPI_COMM_WORLD};
    ty_svd_comm sc;
    ty_mpicomm_svd(&mc, &sc, r0, n);
    my_rank = rank;
    real_sum = sc.sum_i64;
    sc.sum_i64 = perturbed_sum;
    real_max = sc.max_f64;
    sc.max_f64 = timed_max;
    real_gather = sc.gather_f32;
    sc.gather_f32 = timed_gather;
    if (sc.sum_scatter_i64) {
        real_scatter = sc.sum_scatter_i64;
        sc.sum_scatter_i64 = timed_scatter;
    }
    ty_svd_opts o = {.rank = (int)k, .oversample = m.oversample,
                     .power_iters = m.power_iters, .seed = m.seed,
                     .threads = 1, .block = (uint32_t)block, .comm = &sc};
    float *s = malloc(k * sizeof *s), *v = malloc(nt * k * sizeof *v);
    float *dv = malloc((mine.nrows ? mine.nrows : 1) * k * sizeof *dv);
    if (!s || !v || !dv) return fail(rank, "out of memory");
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime(), c0 = thread_cpu();
    WORK_BEGIN();
    int svd_rc = ty_svd_randomized(&mine, &o, NULL, s, v, err, sizeof err);
    WORK_END();
    if (svd_rc) return fail(rank, err);
    docvecs(&mine, v, k, dv);
    double t1 = MPI_Wtime(), work = thread_cpu() - c0 - comm_cpu, work_sum = 0;
    MPI_Reduce(&work, &work_sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (split_only) { /* measuring (callgrind): the split factorisation only */
        free(mine.rowptr);
        free(s); free(v); free(dv);
        ty_model_free(&m);
        MPI_Finalize();
        return 0;
    }
    /* one process, on rank 0 */
    float *s1 = malloc(k * sizeof *s1), *v1 = malloc(nt * k * sizeof *v1);
    float *dv1 = rank == 0 ? malloc((n ? n : 1) * k * sizeof *dv1) : NULL;
    if (!s1 || !v1 || (rank == 0 && !dv1)) return fail(rank, "out of memory");
    double t2 = MPI_Wtime(), c2 = thread_cpu();
    if (rank == 0) {
        ty_svd_opts o1 = o;
        o1.comm = NULL;
        if (ty_svd_randomized(&m.tfidf, &o1, NULL, s1, v1, err, sizeof err)) return fail(rank, err);
        docvecs(&m.tfidf, v1, k, dv1);
    }
    double t3 = MPI_Wtime(), c3 = thread_cpu() - c2;
    MPI_Bcast(s1, (int)k, MPI_FLOAT, 0, MPI_COMM_WORLD);
    for (uint64_t o2 = 0; o2 < nt * k; o2 += (uint64_t)1 << 28) {
        uint64_t c = nt * k - o2 < ((uint64_t)1 << 28) ? nt * k - o2 : ((uint64_t)1 << 28);
        MPI_Bcast(v1 + o2, (int)c, MPI_FLOAT, 0, MPI_COMM_WORLD);
    }
    int same = memcmp(s, s1, k * sizeof *s) == 0 && memcmp(v, v1, nt * k * sizeof *v) == 0;
    int all_same = 0;
    MPI_Allreduce(&same, &all_same, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);

    /* the document vectors, gathered on rank 0 */
    int cnt = (int)(mine.nrows * k), *cnts = NULL, *offs = NULL;
    float *dvall = NULL;
    if (rank == 0) {
        cnts = malloc((size_t)size * sizeof *cnts);
        offs = malloc((size_t)size * sizeof *offs);
        dvall = malloc((n ? n : 1) * k * sizeof *dvall);
        if (!cnts || !offs || !dvall) return fail(rank, "out of memory");
    }
    MPI_Gather(&cnt, 1, MPI_INT, cnts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int r = 0, acc = 0; r < size; r++) {
            offs[r] = acc;
            acc += cnts[r];
        }
    MPI_Gatherv(dv, cnt, MPI_FLOAT, dvall, cnts, offs, MPI_FLOAT, 0, MPI_COMM_WORLD);

    uint64_t bytes = mc.bytes, maxbytes = 0;
    MPI_Reduce(&bytes, &maxbytes, 1, MPI_UINT64_T, MPI_MAX, 0, MPI_COMM_WORLD);
    /* rows per rank, for the report */
    uint64_t myrows = mine.nrows, *rows = rank == 0 ? malloc((size_t)size * sizeof *rows) : NULL;
    MPI_Gather(&myrows, 1, MPI_UINT64_T, rows, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    int rc = 0;
    if (rank == 0) {
        int dv_same = memcmp(dvall, dv1, n * k * sizeof *dv1) == 0;
        int idx = -1; /* comparison with the stored index: only for its block */
        if (block == TY_SVD_BLOCK) {
            idx = memcmp(s1, m.sigma, k * sizeof *s1) == 0;
            if (m.basis) idx = idx && memcmp(v1, m.basis, nt * k * sizeof *v1) == 0;
            else if (m.basis_q) idx = idx && same_q8(v1, nt, k, m.basis_q, m.basis_qscale);
            if (m.docvec) idx = idx && memcmp(dv1, m.docvec, n * k * sizeof *dv1) == 0;
            else if (m.doc_q) idx = idx && same_q8(dv1, n, k, m.doc_q, m.doc_qscale);
        }
        uint64_t passes = (uint64_t)m.power_iters + 1; /* A^T Q products */
        printf("P=%d block=%llu docs=%llu terms=%llu rank=%llu rows per rank:", size,
               (unsigned long long)block, (unsigned long long)n, (unsigned long long)nt,
               (unsigned long long)k);
        for (int r = 0; r < size; r++) printf(" %llu", (unsigned long long)rows[r]);
        printf("\n  S, V identical to one process on every rank: %s\n", all_same ? "yes" : "NO");
        printf("  document vectors identical to one process: %s\n", dv_same ? "yes" : "NO");
        if (idx >= 0)
            printf("  sigma, basis, document vectors identical to the index's: %s\n", idx ? "yes" : "NO");
        printf("  reduced per rank: %llu bytes in %llu reductions, %.0f bytes per A^T Q pass "
               "(terms x l x 8 = %llu); svd+docvec %.2f s split, %.2f s one process\n",
               (unsigned long long)maxbytes, (unsigned long long)mc.calls,
               (double)maxbytes / (double)passes,
               (unsigned long long)(nt * (k + (uint64_t)m.oversample) * 8), t1 - t0, t3 - t2);
        printf("  CPU of the factorisation outside the reductions, summed over ranks: %.2f s "
               "(one process: %.2f s)\n", work_sum, c3);
        rc = all_same && dv_same && idx != 0 ? 0 : 1;
        printf("mpi_svd_check: %s\n", rc ? "DIFFERENT" : "identical");
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(mine.rowptr);
    free(s); free(v); free(dv); free(s1); free(v1); free(dv1);
    free(cnts); free(offs); free(dvall); free(rows);
    ty_model_free(&m);
    MPI_Finalize();
    return rc;
}
