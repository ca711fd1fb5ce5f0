/*
 * query_bench.c — tenyo's query side, measured the way bench/peers.py
 * measures faiss, hnswlib, sklearn and gensim: index open time, single-query
 * latency p50/p95/p99 and batched throughput (QPS) over the same number of
 * seeded random query documents, as one JSON line per mode.
 *
 * Queries are indexed documents (tenyo_similar_doc, k = 10), the exact scan
 * of the public API; LSA mode is the one comparable to the peers' dense
 * rank-k vectors, TF-IDF and hybrid are printed for context. Single-query
 * latency is taken on one thread with one tenyo_ctx; "batched" runs all
 * queries over -t threads (default: online cores), one context each, taking
 * queries from an atomic counter (how a server batches); "batch_api" runs the
 * same queries through tenyo_similar_batch, each thread its contiguous share
 * (the LSA part of 32 queries per sgemm). Each measurement repeats -r times
 * (default 3); latencies pool all repeats, QPS is the median.
 *
 * Rejected: timing `tenyo similar` processes (index open would dominate every
 * query). Uses only include/tenyo.h.
 *
 * Usage: query_bench INDEX [-q QUERIES] [-r RUNS] [-t THREADS]
 *                          [--modes lsa,tfidf,hybrid] [--seed S]
 */
#include <tenyo.h>
#include "bench.h"

#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256

/* Shared state of one batched pass. */
typedef struct batch {
    const uint64_t *q;     /* query documents */
    size_t nq;             /* number of queries */
    tenyo_mode mode;       /* similarity mode */
    atomic_size_t next;    /* next query to take */
    atomic_int failed;     /* a query returned an error */
} batch;

/* One batch worker: its context and the shared pass. */
typedef struct bworker {
    batch *b;              /* shared pass */
    tenyo_ctx *ctx;        /* this thread's context */
} bworker;

static void *bwork(void *arg) {
    bworker *w = arg;
    tenyo_hit hits[10];
    for (;;) {
        size_t i = atomic_fetch_add(&w->b->next, 1);
        if (i >= w->b->nq) break;
        if (tenyo_similar_doc(w->ctx, w->b->q[i], w->b->mode, 10, hits) < 0)
            atomic_store(&w->b->failed, 1);
    }
    return NULL;
}

/* tenyo_similar_batch callback: count failures. */
static void batch_cb(void *ud, size_t i, int got, const tenyo_hit *hits) {
    (void)i;
    (void)hits;
    if (got < 0) atomic_store((atomic_int *)ud, 1);
}

/* One thread's contiguous share of the queries through the multi-query API
 * (the LSA part of 32 queries per sgemm). */
typedef struct aworker {
    tenyo_ctx *ctx;        /* this thread's context */
    tenyo_query *q;        /* its queries */
    size_t nq;             /* how many */
    tenyo_mode mode;       /* similarity mode */
    atomic_int *failed;    /* set on any error */
} aworker;

static void *awork(void *arg) {
    aworker *w = arg;
    if (tenyo_similar_batch(w->ctx, w->q, w->nq, w->mode, 10, batch_cb, w->failed))
        atomic_store(w->failed, 1);
    return NULL;
}

static const char *usage =
    "usage: query_bench INDEX [-q QUERIES] [-r RUNS] [-t THREADS]\n"
    "                   [--modes lsa,tfidf,hybrid] [--seed S]\n";

int main(int argc, char **argv) {
    static const struct option lo[] = {
        {"queries", required_argument, 0, 'q'}, {"runs", required_argument, 0, 'r'},
        {"threads", required_argument, 0, 't'}, {"modes", required_argument, 0, 'm'},
        {"seed", required_argument, 0, 's'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    size_t nq = 1000;
    int runs = 3, nt = (int)sysconf(_SC_NPROCESSORS_ONLN), c;
    unsigned long long seed = 1;
    char modes[64] = "lsa,tfidf,hybrid";
    while ((c = getopt_long(argc, argv, "q:r:t:h", lo, NULL)) != -1) {
        switch (c) {
        case 'q': nq = (size_t)atol(optarg); break;
        case 'r': runs = atoi(optarg); break;
        case 't': nt = atoi(optarg); break;
        case 'm': snprintf(modes, sizeof modes, "%s", optarg); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 1;
        }
    }
    if (optind != argc - 1 || nq < 1 || runs < 1 || runs > 101 || nt < 1 ||
        nt > MAX_THREADS) {
        fputs(usage, stderr);
        return 1;
    }
    const char *path = argv[optind];
    char err[512] = "";
    tenyo_index *idx = NULL;
    double t0 = now();
    int rc = tenyo_index_open(path, &idx, err, sizeof err);
    double topen = now() - t0;
    if (rc) {
        fprintf(stderr, "query_bench: %s\n", err);
        return 1;
    }
    tenyo_index_info info;
    tenyo_index_info_get(idx, &info);
    uint64_t n = info.ndocs;
    if (nq > n) nq = (size_t)n;

    /* Seeded query documents (splitmix64; the same on every machine). */
    uint64_t *q = malloc(nq * sizeof *q);
    double *lat = malloc(nq * (size_t)runs * sizeof *lat);
    bworker *ws = calloc((size_t)nt, sizeof *ws);
    if (!q || !lat || !ws) {
        fprintf(stderr, "query_bench: out of memory\n");
        return 1;
    }
    uint64_t x = seed;
    for (size_t i = 0; i < nq; i++) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        q[i] = (z ^ (z >> 31)) % n;
    }
    for (int i = 0; i < nt; i++)
        if (tenyo_ctx_new(idx, &ws[i].ctx, err, sizeof err)) {
            fprintf(stderr, "query_bench: %s\n", err);
            return 1;
        }

    char host[256] = "?";
    gethostname(host, sizeof host);
    char *save = NULL;
    for (char *m = strtok_r(modes, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        tenyo_mode mode = !strcmp(m, "lsa") ? TENYO_MODE_LSA
                        : !strcmp(m, "tfidf") ? TENYO_MODE_TFIDF
                                              : TENYO_MODE_HYBRID;
        tenyo_hit hits[10];
        for (size_t i = 0; i < nq && i < 10; i++) /* warm-up */
            tenyo_similar_doc(ws[0].ctx, q[i], mode, 10, hits);
        size_t nl = 0;
        double sum = 0;
        for (int r = 0; r < runs; r++)
            for (size_t i = 0; i < nq; i++) {
                double a = now();
                if (tenyo_similar_doc(ws[0].ctx, q[i], mode, 10, hits) < 0) {
                    fprintf(stderr, "query_bench: %s\n", tenyo_ctx_error(ws[0].ctx));
                    return 1;
                }
                lat[nl] = now() - a;
                sum += lat[nl++];
            }
        qsort(lat, nl, sizeof *lat, cmp_double);
#define PCT(p) lat[(size_t)ceil((p) / 100.0 * nl) - 1]
        double qps[101];
        for (int r = 0; r < runs; r++) {
            batch b = {.q = q, .nq = nq, .mode = mode};
            atomic_init(&b.next, 0);
            atomic_init(&b.failed, 0);
            pthread_t th[MAX_THREADS];
            for (int i = 0; i < nt; i++) ws[i].b = &b;
            double a = now();
            for (int i = 1; i < nt; i++) pthread_create(&th[i], NULL, bwork, &ws[i]);
            bwork(&ws[0]);
            for (int i = 1; i < nt; i++) pthread_join(th[i], NULL);
            qps[r] = nq / (now() - a);
            if (atomic_load(&b.failed)) {
                fprintf(stderr, "query_bench: a batched query failed\n");
                return 1;
            }
        }
        qsort(qps, (size_t)runs, sizeof *qps, cmp_double);
        /* the multi-query API: each thread its contiguous share */
        double qpa[101];
        tenyo_query *tq = calloc(nq ? nq : 1, sizeof *tq);
        if (!tq) return 4;
        for (size_t i = 0; i < nq; i++) tq[i].doc = (int64_t)q[i];
        for (int r = 0; r < runs; r++) {
            atomic_int failed;
            atomic_init(&failed, 0);
            aworker aw[MAX_THREADS];
            pthread_t th[MAX_THREADS];
            for (int i = 0; i < nt; i++)
                aw[i] = (aworker){ws[i].ctx, tq + nq * (size_t)i / (size_t)nt,
                                  nq * (size_t)(i + 1) / (size_t)nt - nq * (size_t)i / (size_t)nt,
                                  mode, &failed};
            double a = now();
            for (int i = 1; i < nt; i++) pthread_create(&th[i], NULL, awork, &aw[i]);
            awork(&aw[0]);
            for (int i = 1; i < nt; i++) pthread_join(th[i], NULL);
            qpa[r] = nq / (now() - a);
            if (atomic_load(&failed)) {
                fprintf(stderr, "query_bench: a multi-query batch failed\n");
                return 1;
            }
        }
        free(tq);
        qsort(qpa, (size_t)runs, sizeof *qpa, cmp_double);
        printf("{\"bench\":\"search\",\"peer\":\"tenyo exact %s\",\"docs\":%llu,"
               "\"k\":%d,\"terms\":%llu,\"queries\":%zu,\"runs\":%d,"
               "\"host\":\"%s\",\"cores\":%ld,\"threads_batch\":%d,"
               "\"sec_open\":%.4f,\"file_bytes\":%llu,\"p50_ms\":%.4f,"
               "\"p95_ms\":%.4f,\"p99_ms\":%.4f,\"qps_single\":%.1f,"
               "\"qps_batch\":%.1f,\"qps_batch_api\":%.1f,\"recall_at_10\":1.0}\n",
               m, (unsigned long long)n, info.dim,
               (unsigned long long)info.nterms, nq, runs, host,
               sysconf(_SC_NPROCESSORS_ONLN), nt, topen,
               (unsigned long long)info.file_bytes, PCT(50) * 1e3,
               PCT(95) * 1e3, PCT(99) * 1e3, nl / sum, qps[runs / 2], qpa[runs / 2]);
        fflush(stdout);
    }
    for (int i = 0; i < nt; i++) tenyo_ctx_free(ws[i].ctx);
    free(ws);
    free(lat);
    free(q);
    tenyo_index_free(idx);
    return 0;
}
