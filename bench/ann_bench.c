/*
 * ann_bench.c — approximate search (search/ivf.c) measured against the
 * exact scan: recall@10, single-query QPS and latency percentiles, batched
 * QPS over threads, build time and memory per document, for a sweep of
 * nprobe (and re-rank depth), on N unit vectors of rank k.
 *
 * Vectors (--gen):
 *   lsa   (default) LSA-like: documents belong to fields of Zipfian
 *         popularity, each field has subtopics, about a third of the
 *         documents mix in a second field, plus noise; every direction has
 *         the decaying variance of LSA dimensions (sigma_i ~ 1/sqrt(1 +
 *         i/8), as bench/scan_bench.c). Queries are fresh documents from
 *         the same generator (a new patent asking for similar ones), not
 *         copies of indexed rows. The noise level is set so that the cosine
 *         of a document's 1st and 10th neighbours is close to what the real
 *         jp index (../shared/data jp/jplatpat.jsonl, 8,861 documents, rank
 *         256) shows; the "data" line prints these statistics for every run
 *         so the match can be checked (--index FILE.tny measures a real
 *         index the same way).
 *   gauss scan_bench's vectors: Gaussian rows, no cluster structure: the
 *         worst case for any partitioning index (neighbours 2..10 are
 *         nearly as far as random documents).
 *   --index FILE.tny: the document vectors of a real tenyo index; queries
 *         are indexed documents (what `tenyo similar ID` asks).
 *
 * Truth: exact top 10 by float dot product (blocked cblas_sgemm).
 * Single-query numbers run on one thread with OpenBLAS pinned to one thread
 * (the centroid sgemv); batched numbers split the queries over -t threads,
 * one scratch each. Medians of -r runs; the machine, cores and BLAS
 * threads are printed on the first line.
 *
 * --npy-out DIR writes base.npy, queries.npy (float32) and truth.npy
 * (int64, Q x 10) so bench/ann_vs_peers.sh runs hnswlib on the same
 * vectors against the same truth in the same invocation.
 *
 * Usage: ann_bench [-n N] [-k K] [-q Q] [-r RUNS] [-t THREADS]
 *                  [--nlist L] [--nprobe 1,2,4,...] [--rerank 0,100,...]
 *                  [--train M] [--iters I] [--seed S] [--gen lsa|gauss]
 *                  [--noise X] [--index FILE.tny] [--npy-out DIR]
 *                  [--rerank-from codes|floats|f16] [--exact-lib 0|1]
 *                  [--single-queries Q] [--skip-ivf]
 *
 * Exact references: exact_int8_scan_rerank100 and exact_fp32_sgemv (50
 * queries, one thread, a heap over every score) as before, and
 * exact_int8_lib (--exact-lib 1, the default): the exact search as the
 * library runs it (int8 scan, best 256 by ty_topk_array, exact float
 * re-scoring), single queries (the first --single-queries) and blocks of 32
 * queries per pass over the rows (ty_q8_scan_multi, as tenyo_similar_batch),
 * each on 1 and on -t threads: the side bench/ann_peers.sh puts next to
 * faiss IndexFlatIP. --skip-ivf builds no real IVF (a one-list token) and
 * runs no IVF search.
 *
 * Re-ranking (--rerank > 0) scores candidates from the lists' own int8
 * codes by default, as an index does (no float copy: memory per document
 * is the structure alone); --rerank-from f16 from a float16 copy, through
 * the library (ty_ivf_query.f16, search/half.c: what an index built with
 * --f16 re-ranks from; + 2k bytes per document, bytes_per_doc_with_f16);
 * --rerank-from floats uses the float vectors
 * (then add 4k bytes per document: bytes_per_doc_with_float_vectors).
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
#include <unistd.h>

/* p-th percentile (0..100) of v[n], sorted in place. */
static double pct(double *v, size_t n, double p) {
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return v[i ? i - 1 : 0];
}

/* ---------------------------------------------------------- generator */

/* LSA-like generator state: field and subtopic directions. */
typedef struct gen {
    size_t k;            /* rank */
    size_t nf, ns;       /* fields, subtopics per field */
    float *sig;          /* k per-dimension standard deviations */
    float *topic;        /* nf*ns x k unit subtopic directions */
    double *cdf;         /* nf cumulative Zipf field popularity */
    double noise;        /* weight of the per-document noise */
} gen;

/* A unit Gaussian direction with the LSA variance profile. */
static void gen_dir(const gen *g, float *x) {
    for (size_t i = 0; i < g->k; i++) x[i] = (float)gauss() * g->sig[i];
    normalize(x, g->k);
}

static int gen_init(gen *g, size_t n, size_t k, double noise) {
    g->k = k;
    g->nf = n / 800 < 64 ? 64 : n / 800;
    g->ns = 16;
    g->noise = noise;
    g->sig = malloc(k * sizeof *g->sig);
    g->topic = malloc(g->nf * g->ns * k * sizeof *g->topic);
    g->cdf = malloc(g->nf * sizeof *g->cdf);
    float *f = malloc(k * sizeof *f), *t = malloc(k * sizeof *t);
    if (!g->sig || !g->topic || !g->cdf || !f || !t) return -1;
    for (size_t i = 0; i < k; i++) g->sig[i] = (float)(1 / sqrt(1 + i / 8.0));
    double tot = 0;
    for (size_t j = 0; j < g->nf; j++) tot += 1.0 / (double)(j + 1);
    double c = 0;
    for (size_t j = 0; j < g->nf; j++) {
        c += 1.0 / (double)(j + 1) / tot;
        g->cdf[j] = c;
        gen_dir(g, f);
        for (size_t s = 0; s < g->ns; s++) {
            float *o = g->topic + (j * g->ns + s) * k;
            gen_dir(g, t);
            for (size_t i = 0; i < k; i++) o[i] = f[i] + 0.7f * t[i];
            normalize(o, k);
        }
    }
    free(f);
    free(t);
    return 0;
}

static size_t gen_field(const gen *g) {
    double u = unif();
    size_t lo = 0, hi = g->nf - 1;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (g->cdf[m] < u) lo = m + 1; else hi = m;
    }
    return lo;
}

/* One document: a subtopic, sometimes a second field's, plus noise. */
static void gen_doc(const gen *g, float *x, float *tmp) {
    size_t k = g->k;
    const float *a = g->topic + (gen_field(g) * g->ns + rnd64() % g->ns) * k;
    int two = unif() < 0.35;
    const float *b = g->topic + (gen_field(g) * g->ns + rnd64() % g->ns) * k;
    double wb = two ? 0.4 + 0.4 * unif() : 0;
    gen_dir(g, tmp);
    for (size_t i = 0; i < k; i++)
        x[i] = a[i] + (float)wb * b[i] + (float)g->noise * tmp[i];
    normalize(x, k);
}

static void gen_free(gen *g) {
    free(g->sig);
    free(g->topic);
    free(g->cdf);
}

/* ---------------------------------------------------------------- npy */

static int write_npy(const char *path, const void *x, size_t rows, size_t cols,
                     const char *descr, size_t esz) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                     descr, rows, cols);
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    unsigned short hl = (unsigned short)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xFF, f);
    fputc(hl >> 8, f);
    fwrite(hdr, 1, (size_t)n, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    size_t w = fwrite(x, esz, rows * cols, f);
    return fclose(f) || w != rows * cols ? -1 : 0;
}

/* -------------------------------------------------------------- truth */

/* Exact top `kk` of each of nq queries over x (n x k) into t (nq x kk),
 * by blocks of documents through cblas_sgemm. */
static int exact_topk(const float *x, size_t n, size_t k, const float *q, size_t nq,
                      size_t kk, tenyo_hit *t) {
    size_t B = 16384;
    float *s = malloc(B * nq * sizeof *s);
    ty_topk *h = malloc(nq * sizeof *h);
    if (!s || !h) return -1;
    for (size_t j = 0; j < nq; j++) ty_topk_init(&h[j], t + j * kk, kk);
    for (size_t r0 = 0; r0 < n; r0 += B) {
        size_t b = n - r0 < B ? n - r0 : B;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq, (int)b, (int)k, 1.f, q,
                    (int)k, x + r0 * k, (int)k, 0.f, s, (int)b);
        for (size_t j = 0; j < nq; j++)
            for (size_t r = 0; r < b; r++)
                ty_topk_push(&h[j], r0 + r, s[j * b + r]);
    }
    for (size_t j = 0; j < nq; j++) ty_topk_finish(&h[j]);
    free(s);
    free(h);
    return 0;
}

/* ------------------------------------------------------------ batched */

typedef struct bjob {
    const ty_ivf *v;        /* index */
    const float *x, *q;     /* vectors, queries */
    size_t lo, hi, k;       /* query range, answers per query */
    ty_ivf_query o;         /* knobs */
} bjob;

static void *bjob_run(void *arg) {
    bjob *j = arg;
    ty_ivf_scratch s = {0};
    tenyo_hit h[10];
    for (size_t i = j->lo; i < j->hi; i++) {
        ty_ivf_search(j->v, j->x, j->q + i * j->v->dim, j->k, &j->o, &s, h);
    }
    ty_ivf_scratch_free(&s);
    return NULL;
}

/* --rerank-from f16: the library's float16 re-rank (search/half.c; an
 * index's section docvec.f16, tenyo index --f16): the IVF's best R
 * candidates by int8 code score re-scored from a float16 copy of the
 * vectors (2k bytes per document, not 4k: at k = 256, 284 + 512 = 796
 * bytes per document, under every hnswlib graph's 1,109-1,300). */

/* Parse "1,2,4" into v (at most cap); returns the count. */
/* ------------------------------------------------- exact, as a library */

/* The exact search the library runs (search.c: int8 scan of every row,
 * ty_topk_array keeps the best 256 = max(4k, 256), exact float re-scoring,
 * the k best of those), over queries [lo, hi): one query per scan (batch
 * 0) or blocks of 32 queries per pass over the rows (ty_q8_scan_multi, as
 * tenyo_similar_batch). Writes 10 ids per query; lat (single only) gets
 * each query's seconds. */
typedef struct xjob {
    const ty_q8 *q8;        /* int8 rows */
    const float *x, *qs;    /* float rows (re-scoring), queries */
    const float *ex, *xh;   /* per row: |x - x^| and |x^|, x^ its int8 codes
                               times their scale (rescore10's bound) */
    size_t lo, hi;          /* query range */
    int batch;              /* 0 one query per scan, 1 blocks of 32, 2 blocks of
                               32 through ty_q8_topk_multi */
    uint64_t *ids;          /* out: 10 per query (all queries' array) */
    double *lat;            /* out: seconds per query when single, or NULL */
    int fail;               /* out: allocation failed */
} xjob;

#define XB 32
#define XCAND 256

/* Exact float re-scoring of c candidates of query q (best first by int8
 * score), then its 10 best ids into ids. The candidates' rows are fetched
 * 8 ahead: each is 1 KiB somewhere in the float matrix, and waiting for
 * them one by one took as long as a batched scan. A candidate whose int8
 * score plus the largest error cannot reach the 10th best already held is
 * not re-scored, as the library's batch does (api/index.c rank_cand): with
 * x^, q^ the rows the codes stand for, x.q - x^.q^ = (x - x^).q +
 * x^.(q - q^), at most |x - x^||q| + |x^||q - q^| (plus float roundings,
 * counted generously), so its exact score is below that 10th too and the
 * ids are the same as re-scoring all. */
static void rescore10(const float *x, const float *ex, const float *xh, size_t k,
                      const float *q, tenyo_hit *cand, size_t c, uint64_t *ids) {
    tenyo_hit h[10];
    double qn, eq = ty_q8_error(q, k, &qn) * (1 + 1e-4);
    qn *= 1 + 1e-4;
    ty_topk t;
    ty_topk_init(&t, h, 10);
#define XBOUND(u) ((double)cand[u].score + ex[cand[u].doc] * qn + xh[cand[u].doc] * eq + \
                   1e-4 * (ex[cand[u].doc] + xh[cand[u].doc]) * qn + 1e-7)
    for (size_t u = 0; u < c; u++) {
        if (t.n == t.k && XBOUND(u) < (double)t.h[0].score) continue;
        if (u + 8 < c && !(t.n == t.k && XBOUND(u + 8) < (double)t.h[0].score)) {
            const char *p = (const char *)(x + cand[u + 8].doc * k);
            for (size_t l = 0; l < k * sizeof *x; l += 64) __builtin_prefetch(p + l);
        }
        ty_topk_push(&t, cand[u].doc, cblas_sdot((int)k, x + cand[u].doc * k, 1, q, 1));
    }
#undef XBOUND
    size_t got = ty_topk_finish(&t);
    for (size_t u = 0; u < 10; u++) ids[u] = u < got ? h[u].doc : UINT64_MAX;
}

static void *xjob_run(void *arg) {
    xjob *j = arg;
    size_t n = j->q8->n, k = j->q8->dim, nb = j->batch ? XB : 1;
    float *sc = j->batch == 2 ? NULL : malloc(nb * n * sizeof *sc);
    ty_q8_query *qp = malloc(nb * sizeof *qp);
    tenyo_hit *cand = malloc(nb * XCAND * sizeof *cand);
    size_t nh[XB];
    if ((!sc && j->batch != 2) || !qp || !cand) { j->fail = 1; goto done; }
    for (size_t a = j->lo; a < j->hi; a += nb) {
        size_t m = j->hi - a < nb ? j->hi - a : nb;
        double t0 = now();
        for (size_t i = 0; i < m; i++) ty_q8_prepare(j->qs + (a + i) * k, k, &qp[i]);
        if (j->batch == 2) { /* the best 256 of each without score arrays */
            if (ty_q8_topk_multi(j->q8, qp, m, NULL, XCAND, cand, nh)) { j->fail = 1; goto done; }
        } else {
            if (j->batch) ty_q8_scan_multi(j->q8, qp, m, sc, n);
            else ty_q8_scan_prepared(j->q8, qp, sc);
            for (size_t i = 0; i < m; i++)
                nh[i] = ty_topk_array(sc + i * n, n, UINT64_MAX, XCAND, cand + i * XCAND);
        }
        for (size_t i = 0; i < m; i++)
            rescore10(j->x, j->ex, j->xh, k, j->qs + (a + i) * k, cand + i * XCAND, nh[i],
                      j->ids + (a + i) * 10);
        if (j->lat) j->lat[a] = now() - t0;
    }
done:
    free(sc);
    free(qp);
    free(cand);
    return NULL;
}

/* Seconds for queries [0, nq) split over t threads (batch as xjob). */
static double xrun(const ty_q8 *q8, const float *x, const float *ex, const float *xh,
                   const float *qs, size_t nq, int t, int batch,
                   uint64_t *ids, double *lat) {
    pthread_t th[256];
    xjob jb[256];
    double t0 = now();
    for (int i = 0; i < t; i++) {
        jb[i] = (xjob){q8, x, qs, ex, xh, nq * (size_t)i / (size_t)t, nq * (size_t)(i + 1) / (size_t)t,
                       batch, ids, lat, 0};
        if (t > 1) pthread_create(&th[i], NULL, xjob_run, &jb[i]);
        else xjob_run(&jb[i]);
    }
    int fail = 0;
    for (int i = 0; i < t; i++) {
        if (t > 1) pthread_join(th[i], NULL);
        fail |= jb[i].fail;
    }
    return fail ? -1 : now() - t0;
}

static size_t parse_list(const char *s, size_t *v, size_t cap) {
    size_t n = 0;
    while (*s && n < cap) {
        char *e;
        v[n++] = strtoull(s, &e, 10);
        if (*e != ',') break;
        s = e + 1;
    }
    return n;
}

int main(int argc, char **argv) {
    size_t n = 100000, k = 256, nq = 1000, nlist = 0, train = 0;
    int runs = 3, threads = (int)sysconf(_SC_NPROCESSORS_ONLN), iters = 0;
    size_t nprobe[32] = {2, 4, 6, 8, 12, 16, 24, 32, 64}, nnp = 9;
    size_t rerank[8] = {0, 20}, nrr = 2;
    const char *npy = NULL, *genname = "lsa", *index = NULL;
    int from_codes = 1; /* re-rank from the lists' codes, as an index does */
    int from_f16 = 0;   /* --rerank-from f16: from a float16 copy */
    int exact_lib = 1;  /* time the library's exact search (single, batch) */
    int skip_ivf = 0;   /* --skip-ivf: only the exact references */
    size_t nsingle = 1000; /* queries for the single-query exact lines */
    double noise = 0.9;
    uint64_t seed = 42;
    static const struct option lo[] = {{"nlist", required_argument, 0, 'L'},
                                       {"nprobe", required_argument, 0, 'P'},
                                       {"rerank", required_argument, 0, 'R'},
                                       {"train", required_argument, 0, 'T'},
                                       {"iters", required_argument, 0, 'I'},
                                       {"seed", required_argument, 0, 'S'},
                                       {"gen", required_argument, 0, 'G'},
                                       {"noise", required_argument, 0, 'Z'},
                                       {"index", required_argument, 0, 'X'},
                                       {"npy-out", required_argument, 0, 'N'},
                                       {"rerank-from", required_argument, 0, 'F'},
                                       {"exact-lib", required_argument, 0, 'E'},
                                       {"single-queries", required_argument, 0, 'U'},
                                       {"skip-ivf", no_argument, 0, 'K'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:k:q:r:t:", lo, NULL)) != -1) {
        switch (c) {
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'k': k = strtoull(optarg, NULL, 10); break;
        case 'q': nq = strtoull(optarg, NULL, 10); break;
        case 'r': runs = atoi(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'L': nlist = strtoull(optarg, NULL, 10); break;
        case 'P': nnp = parse_list(optarg, nprobe, 32); break;
        case 'R': nrr = parse_list(optarg, rerank, 8); break;
        case 'T': train = strtoull(optarg, NULL, 10); break;
        case 'I': iters = atoi(optarg); break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        case 'G': genname = optarg; break;
        case 'Z': noise = atof(optarg); break;
        case 'X': index = optarg; break;
        case 'N': npy = optarg; break;
        case 'F':
            from_f16 = strcmp(optarg, "f16") == 0;
            from_codes = strcmp(optarg, "floats") != 0 && !from_f16;
            break;
        case 'E': exact_lib = atoi(optarg); break;
        case 'U': nsingle = strtoull(optarg, NULL, 10); break;
        case 'K': skip_ivf = 1; break;
        default:
            fprintf(stderr, "usage: ann_bench [-n N] [-k K] [-q Q] [-r RUNS] [-t THREADS] "
                            "[--nlist L] [--nprobe LIST] [--rerank LIST] [--train M] "
                            "[--iters I] [--seed S] [--gen lsa|gauss] [--noise X] "
                            "[--index FILE.tny] [--npy-out DIR] "
                            "[--rerank-from codes|floats|f16] [--exact-lib 0|1] [--single-queries Q] [--skip-ivf]\n");
            return 1;
        }
    }
    if (runs < 1 || threads < 1 || threads > 256 || nq < 1 || nnp < 1 || nrr < 1 ||
        (!index && (n < 100 || k < 8 || k > TY_MAX_DIM)) ||
        (strcmp(genname, "lsa") && strcmp(genname, "gauss"))) {
        fprintf(stderr, "ann_bench: bad options\n");
        return 1;
    }
    rng_state = seed;
    float *x = NULL, *qs = NULL;
    ty_model m;
    memset(&m, 0, sizeof m);
    if (index) { /* a real index: queries are indexed documents */
        char err[TY_ERRLEN];
        if (ty_store_read(index, &m, err, sizeof err)) {
            fprintf(stderr, "ann_bench: %s\n", err);
            return 2;
        }
        n = m.ndocs;
        k = m.dim;
        /* the index's rows as the index uses them: its codes as unit rows */
        ty_q8 rows;
        if (!m.doc_q || ty_q8_adopt(&rows, m.doc_q, n, k)) {
            fprintf(stderr, "ann_bench: %s: no int8 document vectors\n", index);
            return 2;
        }
        m.doc_q = NULL;
        x = malloc(n * k * sizeof *x);
        if (!x) { fprintf(stderr, "ann_bench: out of memory\n"); return 4; }
        ty_q8_rows(&rows, 0, n, x);
        ty_q8_free(&rows);
        if (nq > n) nq = n;
        genname = "index";
    } else {
        x = malloc(n * k * sizeof *x);
        if (!x) { fprintf(stderr, "ann_bench: out of memory\n"); return 4; }
    }
    qs = malloc(nq * k * sizeof *qs);
    float *tmp = malloc(k * sizeof *tmp);
    if (!qs || !tmp) { fprintf(stderr, "ann_bench: out of memory\n"); return 4; }
    double t0 = now();
    if (index) {
        for (size_t j = 0; j < nq; j++) {
            memcpy(qs + j * k, x + (rnd64() % n) * k, k * sizeof *qs);
        }
    } else if (!strcmp(genname, "lsa")) {
        gen g;
        if (gen_init(&g, n, k, noise)) { fprintf(stderr, "ann_bench: out of memory\n"); return 4; }
        for (size_t r = 0; r < n; r++) gen_doc(&g, x + r * k, tmp);
        for (size_t j = 0; j < nq; j++) {
            gen_doc(&g, qs + j * k, tmp);
        }
        gen_free(&g);
    } else {
        for (size_t r = 0; r < n; r++) {
            for (size_t i = 0; i < k; i++) x[r * k + i] = (float)(gauss() / sqrt(1 + i / 8.0));
            normalize(x + r * k, k);
        }
        for (size_t j = 0; j < nq; j++) {
            for (size_t i = 0; i < k; i++) qs[j * k + i] = (float)(gauss() / sqrt(1 + i / 8.0));
            normalize(qs + j * k, k);
        }
    }
    double tgen = now() - t0;

    /* truth: exact top 10 (and the statistics of the data) */
    /* 11 so that, for indexed queries, the statistics can skip the query
     * document itself (it is its own first answer for every method, and
     * counts in recall like any other) */
    const size_t K10 = 10, KT = 11;
    tenyo_hit *t11 = malloc(nq * KT * sizeof *t11), *truth = malloc(nq * K10 * sizeof *truth);
    if (!t11 || !truth || exact_topk(x, n, k, qs, nq, KT, t11)) {
        fprintf(stderr, "ann_bench: out of memory\n");
        return 4;
    }
    double c1 = 0, c10 = 0, crand = 0;
    for (size_t j = 0; j < nq; j++) {
        memcpy(truth + j * K10, t11 + j * KT, K10 * sizeof *truth);
        size_t first = index ? 1 : 0; /* skip the query document itself */
        c1 += t11[j * KT + first].score;
        c10 += t11[j * KT + first + 9].score;
        crand += cblas_sdot((int)k, qs + j * k, 1, x + (rnd64() % n) * k, 1);
    }
    free(t11);
    const char *blas = getenv("OPENBLAS_NUM_THREADS");
    char host[128] = "?", cpu[160] = "?";
    gethostname(host, sizeof host);
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
                cpu[strcspn(cpu, "\n")] = 0;
                break;
            }
        fclose(ci);
    }
    printf("{\"bench\":\"ann\",\"n\":%zu,\"k\":%zu,\"queries\":%zu,\"runs\":%d,\"threads\":%d,"
           "\"gen\":\"%s\",\"noise\":%.2f,\"seed\":%llu,\"cores\":%ld,\"cpu\":\"%s\","
           "\"openblas_threads\":\"%s\",\"blas_threads_build\":%d,\"int8_kernel\":\"%s\","
           "\"gen_s\":%.2f}\n",
           n, k, nq, runs, threads, genname, noise, (unsigned long long)seed,
           sysconf(_SC_NPROCESSORS_ONLN), cpu, blas ? blas : "default",
           openblas_get_num_threads(), ty_q8_kernel(), tgen);
    printf("{\"measure\":\"data\",\"mean_cos_top1\":%.4f,\"mean_cos_top10\":%.4f,"
           "\"mean_cos_random\":%.4f}\n",
           c1 / (double)nq, c10 / (double)nq, crand / (double)nq);
    fflush(stdout);
    if (npy) {
        char p[1024];
        int64_t *tid = malloc(nq * K10 * sizeof *tid);
        if (!tid) return 4;
        for (size_t i = 0; i < nq * K10; i++) tid[i] = (int64_t)truth[i].doc;
        snprintf(p, sizeof p, "%s/base.npy", npy);
        int bad = write_npy(p, x, n, k, "<f4", 4);
        snprintf(p, sizeof p, "%s/queries.npy", npy);
        bad |= write_npy(p, qs, nq, k, "<f4", 4);
        snprintf(p, sizeof p, "%s/truth.npy", npy);
        bad |= write_npy(p, tid, nq, K10, "<i8", 8);
        free(tid);
        if (bad) { fprintf(stderr, "ann_bench: cannot write %s\n", npy); return 2; }
    }

    /* build (BLAS threads as configured; assignment on the calling thread) */
    ty_ivf v;
    ty_ivf_opts o = {0};
    o.nlist = (uint32_t)nlist;
    o.train = train;
    o.iters = iters;
    o.seed = seed;
    if (skip_ivf) { /* a token one-list IVF, no searches: the exact lines only */
        o.nlist = 1;
        o.train = n < 256 ? n : 256;
        nnp = 0;
    }
    char err[TY_ERRLEN];
    t0 = now();
    if (ty_ivf_build(x, n, (uint32_t)k, &o, &v, err, sizeof err)) {
        fprintf(stderr, "ann_bench: %s\n", err);
        return 4;
    }
    double tbuild = now() - t0;
    ty_buf blob = {0};
    ty_ivf_write(&v, &blob);
    uint64_t empty = 0;
    for (uint32_t l = 0; l < v.nlist; l++) empty += v.off[l + 1] == v.off[l];
    printf("{\"measure\":\"ivf_build\",\"nlist\":%u,\"train\":%llu,\"iters\":%u,\"sec\":%.2f,"
           "\"bytes_per_doc\":%.1f,\"bytes_per_doc_with_float_vectors\":%.1f,"
           "\"bytes_per_doc_with_f16\":%.1f,"
           "\"blob_bytes_per_doc\":%.1f,\"largest_list\":%llu,\"mean_list\":%.1f,"
           "\"empty_lists\":%llu}\n",
           v.nlist, (unsigned long long)v.train, v.iters, tbuild,
           (double)ty_ivf_bytes(&v) / (double)n,
           (double)ty_ivf_bytes(&v) / (double)n + 4.0 * (double)k,
           (double)ty_ivf_bytes(&v) / (double)n + 2.0 * (double)k,
           (double)blob.len / (double)n, (unsigned long long)v.maxlist,
           (double)n / v.nlist, (unsigned long long)empty);
    fflush(stdout);
    ty_buf_free(&blob);

    /* the float16 copy (--rerank-from f16), rounded to nearest */
    uint16_t *xh = NULL;
    if (from_f16 && nnp) {
        xh = malloc(n * k * sizeof *xh);
        if (!xh) return 4;
        ty_f16_from_floats(x, n * k, xh);
    }
    /* searches: single query on one thread, then batched over threads */
    int blas_prev = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double *lat = malloc((size_t)runs * nq * sizeof *lat), *tv = malloc((size_t)runs * sizeof *tv);
    tenyo_hit h[10];
    ty_ivf_scratch s = {0};
    if (!lat || !tv) return 4;
    for (size_t a = 0; a < nrr; a++) {
        for (size_t b = 0; b < nnp; b++) {
            if (nprobe[b] > v.nlist) continue;
            ty_ivf_query qo = {(uint32_t)nprobe[b], rerank[a], xh, NULL};
            const float *xr = from_codes || xh ? NULL : x; /* float rows to re-rank from */
            double hit = 0;
            for (int r = 0; r < runs; r++) {
                double ta = now();
                for (size_t j = 0; j < nq; j++) {
                    double tq = now();
                    int got = ty_ivf_search(&v, xr, qs + j * k, K10, &qo, &s, h);
                    lat[(size_t)r * nq + j] = now() - tq;
                    if (r == 0)
                        for (int i = 0; i < got; i++)
                            for (size_t u = 0; u < K10; u++) hit += h[i].doc == truth[j * K10 + u].doc;
                }
                tv[r] = (now() - ta) / (double)nq;
            }
            double tq = median(tv, runs);
            /* batched: -t threads, each its own share of the queries */
            double tb[16];
            int rb = runs < 16 ? runs : 16;
            for (int r = 0; r < rb; r++) {
                pthread_t th[256];
                bjob jb[256];
                double ta = now();
                for (int t = 0; t < threads; t++) {
                    jb[t] = (bjob){&v, xr, qs, nq * (size_t)t / (size_t)threads,
                                   nq * (size_t)(t + 1) / (size_t)threads, K10, qo};
                    pthread_create(&th[t], NULL, bjob_run, &jb[t]);
                }
                for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
                tb[r] = now() - ta;
            }
            double tbm = median(tb, rb);
            size_t nl = (size_t)runs * nq;
            printf("{\"measure\":\"ivf_search\",\"nlist\":%u,\"nprobe\":%zu,\"rerank\":%zu,"
                   "\"rerank_from\":\"%s\","
                   "\"recall_at_10\":%.4f,\"qps_1thread\":%.0f,\"p50_us\":%.1f,\"p95_us\":%.1f,"
                   "\"p99_us\":%.1f,\"qps_batched\":%.0f,\"batch_threads\":%d,"
                   "\"share_scanned\":%.4f}\n",
                   v.nlist, nprobe[b], rerank[a], xh ? "f16" : from_codes ? "codes" : "floats",
                   hit / (double)(K10 * nq), 1.0 / tq,
                   pct(lat, nl, 50) * 1e6, pct(lat, nl, 95) * 1e6, pct(lat, nl, 99) * 1e6,
                   (double)nq / tbm, threads, (double)nprobe[b] / v.nlist);
            fflush(stdout);
        }
    }

    /* exact references on one thread: int8 full scan + re-rank, fp32 sgemv */
    ty_q8 q8;
    float *sc = malloc(n * sizeof *sc);
    tenyo_hit *cand = malloc(100 * sizeof *cand);
    if (!sc || !cand || ty_q8_build(x, n, k, &q8)) return 4;
    size_t nqe = nq < 50 ? nq : 50;
    for (int kind = 0; kind < 2; kind++) {
        double hit = 0;
        for (int r = 0; r < runs; r++) {
            double ta = now();
            for (size_t j = 0; j < nqe; j++) {
                const float *q = qs + j * k;
                ty_topk t;
                if (kind == 0) {
                    ty_q8_scan(&q8, q, sc);
                    ty_topk_init(&t, cand, 100);
                    for (size_t d = 0; d < n; d++) ty_topk_push(&t, d, sc[d]);
                    for (size_t i = 0; i < t.n; i++)
                        cand[i].score = cblas_sdot((int)k, x + cand[i].doc * k, 1, q, 1);
                    ty_topk best;
                    ty_topk_init(&best, h, K10);
                    for (size_t i = 0; i < t.n; i++) ty_topk_push(&best, cand[i].doc, cand[i].score);
                    ty_topk_finish(&best);
                } else {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.f, x, (int)k, q, 1,
                                0.f, sc, 1);
                    ty_topk_init(&t, h, K10);
                    for (size_t d = 0; d < n; d++) ty_topk_push(&t, d, sc[d]);
                    ty_topk_finish(&t);
                }
                if (r == 0)
                    for (size_t i = 0; i < K10; i++)
                        for (size_t u = 0; u < K10; u++) hit += h[i].doc == truth[j * K10 + u].doc;
            }
            tv[r] = (now() - ta) / (double)nqe;
        }
        printf("{\"measure\":\"%s\",\"recall_at_10\":%.4f,\"qps_1thread\":%.1f,"
               "\"bytes_per_doc\":%zu}\n",
               kind == 0 ? "exact_int8_scan_rerank100" : "exact_fp32_sgemv",
               hit / (double)(K10 * nqe), 1.0 / median(tv, runs),
               kind == 0 ? k + 8 + 4 * k : 4 * k);
        fflush(stdout);
    }
    /* the exact search as the library runs it (int8 + top 256 re-scored):
     * single queries and blocks of 32, on 1 and on -t threads */
    if (exact_lib) {
        uint64_t *ids = malloc(nq * K10 * sizeof *ids);
        double *xl = malloc(nq * sizeof *xl), *xt = malloc((size_t)runs * sizeof *xt);
        float *ex = malloc(n * sizeof *ex), *xn = malloc(n * sizeof *xn);
        if (!ids || !xl || !xt || !ex || !xn) return 4;
        for (size_t d = 0; d < n; d++) { /* rescore10's bound: |x - x^|, |x^| */
            double e = 0, a = 0;
            for (size_t i = 0; i < k; i++) {
                double r = (double)q8.scale[d] * q8.q[d * k + i];
                e += (x[d * k + i] - r) * (x[d * k + i] - r);
                a += r * r;
            }
            ex[d] = (float)(sqrt(e) * (1 + 1e-4));
            xn[d] = (float)(sqrt(a) * (1 + 1e-4));
        }
        for (int batch = 0; batch < 3; batch++) {
            for (int tt = 0; tt < 2; tt++) {
                int nt = tt ? threads : 1;
                if (tt && nt == 1) continue;
                size_t mq = batch ? nq : (nq < nsingle ? nq : nsingle);
                for (int r = 0; r < runs; r++) {
                    xt[r] = xrun(&q8, x, ex, xn, qs, mq, nt, batch, ids, batch || tt ? NULL : xl);
                    if (xt[r] < 0) return 4;
                }
                double hit = 0;
                for (size_t j = 0; j < mq; j++)
                    for (size_t i = 0; i < K10; i++)
                        for (size_t u = 0; u < K10; u++) hit += ids[j * K10 + i] == truth[j * K10 + u].doc;
                printf("{\"measure\":\"exact_int8_lib\",\"mode\":\"%s\",\"threads\":%d,\"queries\":%zu,"
                       "\"recall_at_10\":%.4f,\"qps\":%.1f,\"p50_ms\":%.3f,\"bytes_per_doc\":%zu}\n",
                       batch == 2 ? "batch32_topk" : batch ? "batch32" : "single", nt, mq, hit / (double)(K10 * mq),
                       (double)mq / median(xt, runs),
                       batch || tt ? 0.0 : pct(xl, mq, 50) * 1e3, k + 8 + 4 * k);
                fflush(stdout);
            }
        }
        free(ids);
        free(xl);
        free(xt);
        free(ex);
        free(xn);
    }
    openblas_set_num_threads(blas_prev);
    free(xh);
    ty_q8_free(&q8);
    ty_ivf_scratch_free(&s);
    ty_ivf_free(&v);
    free(sc);
    free(cand);
    free(lat);
    free(tv);
    free(truth);
    free(qs);
    free(tmp);
    if (index) ty_model_free(&m);
    free(x);
    return 0;
}
