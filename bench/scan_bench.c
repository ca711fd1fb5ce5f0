/*
 * scan_bench.c — the exact LSA scan, measured against the machine's memory
 * bandwidth: float32 (cblas_sgemv, what `similar`/`ideas` ran until int8)
 * and int8 (search/quant.c, every kernel this CPU has), single query, on N
 * unit vectors of rank k, with recall@10 of the int8 scan after exact float
 * re-ranking of its top R candidates.
 *
 * Vectors: seeded Gaussian rows with LSA-like decaying variance per
 * dimension (sigma_i ~ 1/sqrt(1 + i/8)), L2-normalised; queries are noisy
 * copies of random rows, so each has true near neighbours (a uniform random
 * query would make every top 10 a coin toss and recall meaningless).
 *
 * Bandwidth: five read kernels (AVX2, AVX-512 one stream, four streams,
 * software prefetch, non-temporal loads; see bw_name) over a float array as
 * large as the fp32 matrix, on 1 thread and on -t threads, best of runs + 2
 * passes each; the ceiling is the best of them all. A scan's
 * share_of_bandwidth is its bytes read per second over that ceiling (so it
 * is <= 1 unless the scan reads faster than every read kernel, which the
 * output would then show), share_of_same_threads_read over the best read at
 * the scan's own thread count.
 *
 * --npy-out DIR writes base.npy and queries.npy (float32) so that
 * bench/scan_vs_faiss.sh times faiss IndexFlatIP on the very same vectors in
 * the same invocation. Medians of -r runs (default 5); threads -t (default
 * all cores) for the multi-threaded lines; OPENBLAS_NUM_THREADS is reported.
 *
 * Usage: scan_bench [-n N] [-k K] [-q QUERIES] [-r RUNS] [-t THREADS]
 *                   [--rerank R] [--npy-out DIR] [--seed S]
 */
#include "api/api.h"
#include "bench.h"

#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ threads */

typedef struct job {
    int kind;            /* 0 bandwidth sum, 1 int8 scan */
    int bwk;             /* bandwidth: which read kernel (bw_name) */
    const float *a;      /* bandwidth: the array */
    size_t lo, hi;       /* element or row range */
    const ty_q8 *q8;     /* int8 rows */
    const float *q;      /* query */
    float *scores;       /* output */
    double sum;          /* bandwidth result (keeps the loop alive) */
} job;

/* Read kernels for the ceiling. Each reads n floats once and returns a bit
 * of their XOR (integer, so no float add chain bounds the loop). The
 * ceiling is the best of all of them at each thread count: an AVX2 loop
 * alone was no ceiling (the int8 VNNI scan read faster than it on one core,
 * "1.21 of bandwidth"), so several ways of issuing loads compete:
 *   avx2          4 independent 256-bit chains, one stream (the old test)
 *   avx512        8 independent 512-bit chains, one stream
 *   avx512_4str   4 streams (the range cut in four, read in lock step):
 *                 more pages and prefetch streams open at once
 *   avx512_pf     one stream plus software prefetch 2 KiB ahead
 *   avx512_nt     non-temporal 512-bit loads (vmovntdqa) with prefetchnta
 *                 ahead: no cache pollution, the one kernel whose data
 *                 may skip the normal fill path (same as a load on
 *                 write-back memory on most parts, kept to find out) */
#define BW_KERNELS 5
static const char *const bw_name[BW_KERNELS] = {"avx2", "avx512", "avx512_4str", "avx512_pf",
                                                "avx512_nt"};
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2"))) static double xor_read_avx2(const float *a, size_t n) {
    __m256i x0 = _mm256_setzero_si256(), x1 = x0, x2 = x0, x3 = x0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        x0 = _mm256_xor_si256(x0, _mm256_loadu_si256((const __m256i *)(a + i)));
        x1 = _mm256_xor_si256(x1, _mm256_loadu_si256((const __m256i *)(a + i + 8)));
        x2 = _mm256_xor_si256(x2, _mm256_loadu_si256((const __m256i *)(a + i + 16)));
        x3 = _mm256_xor_si256(x3, _mm256_loadu_si256((const __m256i *)(a + i + 24)));
    }
    x0 = _mm256_xor_si256(_mm256_xor_si256(x0, x1), _mm256_xor_si256(x2, x3));
    return (double)(_mm256_extract_epi32(x0, 0) & 1);
}

#define X512(p) _mm512_loadu_si512((const void *)(p))
__attribute__((target("avx512f"))) static double xor_fold512(__m512i a, __m512i b, __m512i c,
                                                             __m512i d) {
    a = _mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d));
    return (double)(_mm_cvtsi128_si32(_mm512_castsi512_si128(a)) & 1);
}

/* kind 1: one stream, 8 chains of 64 bytes (512 B per step); kind 3: the
 * same plus prefetcht0 2 KiB ahead; kind 4: aligned non-temporal loads with
 * prefetchnta ahead. */
__attribute__((target("avx512f"))) static double xor_read_avx512(const float *a, size_t n,
                                                                 int kind) {
    __m512i x[8];
    for (int j = 0; j < 8; j++) x[j] = _mm512_setzero_si512();
    size_t i = 0;
    if (kind == 4) { /* stream loads need 64-byte alignment: skip the head */
        while (i < n && ((uintptr_t)(a + i) & 63)) i++;
        for (; i + 128 <= n; i += 128) {
            _mm_prefetch((const char *)(a + i) + 2048, _MM_HINT_NTA);
            _mm_prefetch((const char *)(a + i) + 2048 + 256, _MM_HINT_NTA);
            for (int j = 0; j < 8; j++)
                x[j] = _mm512_xor_si512(x[j], _mm512_stream_load_si512((void *)(a + i + 16 * j)));
        }
    } else if (kind == 3) {
        for (; i + 128 <= n; i += 128) {
            _mm_prefetch((const char *)(a + i) + 2048, _MM_HINT_T0);
            _mm_prefetch((const char *)(a + i) + 2048 + 256, _MM_HINT_T0);
            for (int j = 0; j < 8; j++) x[j] = _mm512_xor_si512(x[j], X512(a + i + 16 * j));
        }
    } else {
        for (; i + 128 <= n; i += 128)
            for (int j = 0; j < 8; j++) x[j] = _mm512_xor_si512(x[j], X512(a + i + 16 * j));
    }
    return xor_fold512(_mm512_xor_si512(x[0], x[1]), _mm512_xor_si512(x[2], x[3]),
                       _mm512_xor_si512(x[4], x[5]), _mm512_xor_si512(x[6], x[7]));
}

/* kind 2: four streams, each a quarter of the range, two chains each. */
__attribute__((target("avx512f"))) static double xor_read_avx512_4(const float *a, size_t n) {
    size_t q = n / 4 / 32 * 32;
    const float *s0 = a, *s1 = a + q, *s2 = a + 2 * q, *s3 = a + 3 * q;
    __m512i x[8];
    for (int j = 0; j < 8; j++) x[j] = _mm512_setzero_si512();
    for (size_t i = 0; i + 32 <= q; i += 32) {
        x[0] = _mm512_xor_si512(x[0], X512(s0 + i));
        x[1] = _mm512_xor_si512(x[1], X512(s0 + i + 16));
        x[2] = _mm512_xor_si512(x[2], X512(s1 + i));
        x[3] = _mm512_xor_si512(x[3], X512(s1 + i + 16));
        x[4] = _mm512_xor_si512(x[4], X512(s2 + i));
        x[5] = _mm512_xor_si512(x[5], X512(s2 + i + 16));
        x[6] = _mm512_xor_si512(x[6], X512(s3 + i));
        x[7] = _mm512_xor_si512(x[7], X512(s3 + i + 16));
    }
    return xor_fold512(_mm512_xor_si512(x[0], x[1]), _mm512_xor_si512(x[2], x[3]),
                       _mm512_xor_si512(x[4], x[5]), _mm512_xor_si512(x[6], x[7]));
}
#endif

/* Whether read kernel kind runs on this CPU. */
static int xor_has(int kind) {
#if defined(__x86_64__)
    if (kind == 0) return __builtin_cpu_supports("avx2");
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

static double xor_read(const float *a, size_t n, int kind) {
#if defined(__x86_64__)
    if (xor_has(kind)) {
        if (kind == 0) return xor_read_avx2(a, n);
        if (kind == 2) return xor_read_avx512_4(a, n);
        return xor_read_avx512(a, n, kind);
    }
#endif
    const uint64_t *w = (const uint64_t *)(const void *)a;
    uint64_t x = 0;
    for (size_t i = 0; i < n / 2; i++) x ^= w[i];
    return (double)(x & 1);
}

static void *run_job(void *arg) {
    job *j = arg;
    if (j->kind == 0) {
        /* XOR of the words: integer, so the compiler vectorises it and the
         * loop is bound by loads, not by a float add chain */
        j->sum = xor_read(j->a + j->lo, j->hi - j->lo, j->bwk);
    } else {
        ty_q8 part = *j->q8;
        part.n = j->hi - j->lo;
        part.q = j->q8->q + j->lo * j->q8->dim;
        part.scale = j->q8->scale + j->lo;
        part.sum = j->q8->sum + j->lo;
        ty_q8_scan(&part, j->q, j->scores + j->lo);
    }
    return NULL;
}

/* The read kernel par() runs for kind 0. */
static int g_bwk;

/* Run kind over [0, n) split across t threads. */
static double par(int kind, int t, size_t n, const float *a, const ty_q8 *q8,
                  const float *q, float *scores) {
    pthread_t th[64];
    job jobs[64];
    if (t > 64) t = 64;
    double sum = 0;
    for (int i = 0; i < t; i++) {
        jobs[i] = (job){kind, g_bwk, a, n * (size_t)i / (size_t)t, n * (size_t)(i + 1) / (size_t)t,
                        q8, q, scores, 0};
        if (t > 1) pthread_create(&th[i], NULL, run_job, &jobs[i]);
        else run_job(&jobs[i]);
    }
    for (int i = 0; i < t; i++) {
        if (t > 1) pthread_join(th[i], NULL);
        sum += jobs[i].sum;
    }
    return sum;
}

/* ---------------------------------------------------------------- npy */

static int write_npy(const char *path, const float *x, size_t rows, size_t cols) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                     rows, cols);
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    unsigned short hl = (unsigned short)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xFF, f);
    fputc(hl >> 8, f);
    fwrite(hdr, 1, (size_t)n, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    size_t w = fwrite(x, sizeof *x, rows * cols, f);
    return fclose(f) || w != rows * cols ? -1 : 0;
}

/* ------------------------------------------------------------- top-k */

static void top_of(const float *s, size_t n, size_t k, tenyo_hit *out) {
    ty_topk t;
    ty_topk_init(&t, out, k);
    for (size_t d = 0; d < n; d++) ty_topk_push(&t, d, s[d]);
    ty_topk_finish(&t);
}

int main(int argc, char **argv) {
    size_t n = 1000000, k = 256, nq = 50, rerank = 100;
    int runs = 5, threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    const char *npy = NULL;
    uint64_t seed = 42;
    static const struct option lo[] = {{"rerank", required_argument, 0, 'R'},
                                       {"npy-out", required_argument, 0, 'N'},
                                       {"seed", required_argument, 0, 'S'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:k:q:r:t:", lo, NULL)) != -1) {
        switch (c) {
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'k': k = strtoull(optarg, NULL, 10); break;
        case 'q': nq = strtoull(optarg, NULL, 10); break;
        case 'r': runs = atoi(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'R': rerank = strtoull(optarg, NULL, 10); break;
        case 'N': npy = optarg; break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: scan_bench [-n N] [-k K] [-q Q] [-r RUNS] [-t THREADS] "
                            "[--rerank R] [--npy-out DIR] [--seed S]\n");
            return 1;
        }
    }
    if (n < 100 || k < 8 || k > TY_MAX_DIM || nq < 1 || runs < 1 || threads < 1) {
        fprintf(stderr, "scan_bench: bad sizes\n");
        return 1;
    }
    rng_state = seed;
    float *x = malloc(n * k * sizeof *x), *qs = malloc(nq * k * sizeof *qs);
    float *s_f = malloc(n * sizeof *s_f), *s_q = malloc(n * sizeof *s_q);
    float *sig = malloc(k * sizeof *sig);
    if (!x || !qs || !s_f || !s_q || !sig) {
        fprintf(stderr, "scan_bench: out of memory\n");
        return 4;
    }
    for (size_t i = 0; i < k; i++) sig[i] = (float)(1 / sqrt(1 + i / 8.0));
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < k; i++) x[r * k + i] = (float)gauss() * sig[i];
        normalize(x + r * k, k);
    }
    for (size_t j = 0; j < nq; j++) {
        size_t r = (size_t)(rnd64() % n);
        for (size_t i = 0; i < k; i++)
            qs[j * k + i] = x[r * k + i] + 0.05f * (float)gauss() * sig[i];
        normalize(qs + j * k, k);
    }
    if (npy) {
        char p[1024];
        snprintf(p, sizeof p, "%s/base.npy", npy);
        if (write_npy(p, x, n, k)) { fprintf(stderr, "scan_bench: cannot write %s\n", p); return 2; }
        snprintf(p, sizeof p, "%s/queries.npy", npy);
        if (write_npy(p, qs, nq, k)) { fprintf(stderr, "scan_bench: cannot write %s\n", p); return 2; }
    }
    ty_q8 q8;
    double t0 = now();
    if (ty_q8_build(x, n, k, &q8)) { fprintf(stderr, "scan_bench: out of memory\n"); return 4; }
    double tquant = now() - t0;
    const char *blas = getenv("OPENBLAS_NUM_THREADS");
    printf("{\"bench\":\"scan\",\"n\":%zu,\"k\":%zu,\"queries\":%zu,\"runs\":%d,\"threads\":%d,"
           "\"openblas_threads\":\"%s\",\"cores\":%ld,\"quantize_s\":%.3f}\n",
           n, k, nq, runs, threads, blas ? blas : "default", sysconf(_SC_NPROCESSORS_ONLN), tquant);

    /* memory read bandwidth */
    double fbytes = (double)n * k * sizeof(float), qbytes = (double)n * (k + 8);
    double *tv = malloc((size_t)(runs > 8 ? runs : 8) * sizeof *tv);
    double bw[2] = {0, 0};
    const char *bwbest[2] = {"none", "none"};
    for (int kk = 0; kk < BW_KERNELS; kk++) {
        if (!xor_has(kk)) continue;
        g_bwk = kk;
        for (int t = 1; t <= 2; t++) {
            int nt = t == 1 ? 1 : threads;
            double best = 1e30, sink = 0;
            for (int r = 0; r < runs + 2; r++) {
                double a = now();
                sink += par(0, nt, n * k, x, NULL, NULL, NULL);
                double e = now() - a;
                if (e < best) best = e;
            }
            double g = fbytes / best / 1e9;
            if (g > bw[t - 1]) { bw[t - 1] = g; bwbest[t - 1] = bw_name[kk]; }
            printf("{\"measure\":\"read_kernel\",\"kernel\":\"%s\",\"threads\":%d,\"GBps\":%.2f,"
                   "\"sink\":%d}\n", bw_name[kk], nt, g, sink > 0);
            fflush(stdout);
        }
    }
    for (int t = 1; t <= 2; t++)
        printf("{\"measure\":\"read_bandwidth\",\"threads\":%d,\"GBps\":%.2f,\"best_kernel\":\"%s\"}\n",
               t == 1 ? 1 : threads, bw[t - 1], bwbest[t - 1]);
    /* a scan on one thread is compared with the best single-thread read and
     * with the best read at any thread count (the machine's ceiling) */
    double bwmax = bw[0] > bw[1] ? bw[0] : bw[1];

    /* fp32 sgemv, single query (BLAS threads as configured) */
    for (int r = 0; r < runs; r++) {
        double a = now();
        for (size_t j = 0; j < nq; j++)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.f, x, (int)k, qs + j * k, 1,
                        0.f, s_f, 1);
        tv[r] = (now() - a) / (double)nq;
    }
    double tf = median(tv, runs);
    printf("{\"measure\":\"fp32_sgemv\",\"blas_threads\":\"%s\",\"ms_per_query\":%.3f,\"GBps\":%.2f,"
           "\"share_of_bandwidth\":%.2f}\n",
           blas ? blas : "default", tf * 1e3, fbytes / tf / 1e9, fbytes / tf / 1e9 / bwmax);

    /* int8 scans: each kernel, 1 thread and all threads */
    const char *kernels[] = {"c", "avx2", "avx512vnni"};
    double tbest = 0;
    for (int kk = 0; kk < 3; kk++) {
        setenv("TENYO_KERNEL", kernels[kk], 1);
        /* the kernel is picked once per process: run each in a child */
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            if (strcmp(ty_q8_kernel(), kernels[kk])) _exit(3); /* not on this CPU */
            for (int t = 1; t <= 2; t++) {
                int nt = t == 1 ? 1 : threads;
                for (int r = 0; r < runs; r++) {
                    double a = now();
                    for (size_t j = 0; j < nq; j++) par(1, nt, n, NULL, &q8, qs + j * k, s_q);
                    tv[r] = (now() - a) / (double)nq;
                }
                double tq = median(tv, runs);
                printf("{\"measure\":\"int8_scan\",\"kernel\":\"%s\",\"threads\":%d,\"ms_per_query\":%.3f,"
                       "\"GBps\":%.2f,\"share_of_same_threads_read\":%.2f,\"share_of_bandwidth\":%.2f,"
                       "\"speedup_vs_fp32_sgemv\":%.2f}\n",
                       kernels[kk], nt, tq * 1e3, qbytes / tq / 1e9, qbytes / tq / 1e9 / bw[nt > 1],
                       qbytes / tq / 1e9 / bwmax, tf / tq);
                fflush(stdout);
            }
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
    }
    unsetenv("TENYO_KERNEL");
    (void)tbest;

    /* recall@10 of int8 + exact re-ranking of the top R, vs the fp32 top 10 */
    tenyo_hit *tf10 = malloc(10 * sizeof *tf10), *cand = malloc(rerank * sizeof *cand);
    double hit = 0, hit_raw = 0;
    for (size_t j = 0; j < nq; j++) {
        const float *q = qs + j * k;
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.f, x, (int)k, q, 1, 0.f, s_f, 1);
        top_of(s_f, n, 10, tf10);
        ty_q8_scan(&q8, q, s_q);
        top_of(s_q, n, rerank, cand);
        for (size_t i = 0; i < 10 && i < rerank; i++)
            for (int t = 0; t < 10; t++) hit_raw += cand[i].doc == tf10[t].doc;
        for (size_t i = 0; i < rerank; i++)
            cand[i].score = cblas_sdot((int)k, x + cand[i].doc * k, 1, q, 1);
        ty_topk t;
        tenyo_hit best[10];
        ty_topk_init(&t, best, 10);
        for (size_t i = 0; i < rerank; i++) ty_topk_push(&t, cand[i].doc, cand[i].score);
        ty_topk_finish(&t);
        for (int i = 0; i < 10; i++)
            for (int u = 0; u < 10; u++) hit += best[i].doc == tf10[u].doc;
    }
    printf("{\"measure\":\"default_kernel\",\"kernel\":\"%s\"}\n", ty_q8_kernel());
    printf("{\"measure\":\"int8_recall\",\"recall_at_10_raw\":%.4f,\"rerank\":%zu,\"recall_at_10\":%.4f}\n",
           hit_raw / (10.0 * nq), rerank, hit / (10.0 * nq));
    ty_q8_free(&q8);
    free(x);
    free(qs);
    free(s_f);
    free(s_q);
    free(sig);
    free(tv);
    free(tf10);
    free(cand);
    return 0;
}
