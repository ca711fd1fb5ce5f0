/*
 * build_bench.c — tenyo's index build "tokens in": TF-IDF weighting and the
 * rank-k LSA from the same token file the peers read (bench/peers.py build),
 * through the library's own internal functions (ty_idf_compute,
 * ty_tfidf_row, ty_svd_randomized, ty_csr_mul_dense), the calls the builder
 * makes after tokenization.
 *
 *   build/bench/build_bench TOKENS [-k 256] [-r 3] [-t THREADS]
 *       [--power-iters 4] [--oversample 16] [--seed S] [--limit N]
 *       [--products N]
 *
 * TOKENS has one document per line, its terms separated by spaces (`tenyo
 * tokens --file` output). The file is read once before timing (the peers
 * exclude reading it too); each run then times
 *   weight: intern the terms, document frequencies, the min_df 2 / max_df
 *           0.5 filter, idf, the L2-normalised TF-IDF rows (the builder's
 *           build_tfidf, same order, same vocabulary);
 *   svd:    ty_svd_randomized (V and S) plus the document vectors A V,
 *           normalised (the builder's build_lsa).
 * Output: one line per run and a JSON line with medians, the machine, the
 * thread counts and an FNV-1a hash of S, V and the document vectors, so
 * that runs with different --threads / OPENBLAS_NUM_THREADS can be checked
 * for identical bytes.
 *
 * --products N times the SVD's sparse steps alone instead (N products
 * A B and A^T B with a block of k + oversample columns, and the transpose),
 * medians per step: the per-step profile in bench/README.md.
 *
 * Design choice: a C program on the internal header rather than a flag of
 * the CLI — "tokens in" is a benchmark mode, not a feature, and the CLI and
 * library keep one input path (text). Rejected: timing `tenyo index` minus
 * its tokenize stage (the stages overlap reading and include metadata work
 * the peers do not do).
 */
#include "api/api.h"
#include "bench.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The token file in memory: one NUL-terminated, space-split line per doc. */
typedef struct tokfile {
    char *buf;       /* the whole file (newlines replaced by NUL) */
    char **line;     /* start of each document line */
    size_t n;        /* documents */
} tokfile;

/* The options of one benchmark. */
typedef struct bopts {
    int k;           /* rank (clamped like the builder: <= min(m, n) / 2) */
    int runs;        /* repetitions; medians reported */
    int threads;     /* sparse-product threads (0: all cores) */
    int power_iters; /* SVD power iterations */
    int oversample;  /* SVD oversampling */
    uint64_t seed;   /* SVD seed */
    size_t limit;    /* first N documents only (0: all) */
    int products;    /* > 0: time this many sparse products instead */
} bopts;

static int read_tokens(const char *path, size_t limit, tokfile *t) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    ty_buf b = {0};
    char chunk[1 << 16];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ty_buf_append(&b, chunk, got)) {
            fclose(f);
            ty_buf_free(&b);
            return -1;
        }
    fclose(f);
    /* a last line without its newline still counts; no empty extra line */
    if ((b.len && b.p[b.len - 1] != '\n' && ty_buf_putc(&b, '\n')) ||
        ty_buf_putc(&b, 0))
        return -1;
    size_t cap = 1024, n = 0;
    char **line = malloc(cap * sizeof *line);
    char *p = b.p, *end = b.p + b.len - 1;
    while (line && p < end && (!limit || n < limit)) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        *nl = 0;
        if (n == cap) {
            char **nl2 = ty_reallocarray(line, cap * 2, sizeof *line);
            if (!nl2) break;
            line = nl2;
            cap *= 2;
        }
        line[n++] = p;
        p = nl + 1;
    }
    t->buf = b.p;
    t->line = line;
    t->n = n;
    return line ? 0 : -1;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The builder's weighting on token lines: vocabulary in first-seen order,
 * df filter, idf, TF-IDF CSR. Returns 0 or -1 (out of memory). */
static int weight(const tokfile *tf, ty_csr *a, uint64_t *nterms) {
    int rc = -1;
    ty_strmap *voc = ty_strmap_new();
    uint32_t **ids = calloc(tf->n ? tf->n : 1, sizeof *ids);
    size_t *cnt = calloc(tf->n ? tf->n : 1, sizeof *cnt);
    uint32_t *df = NULL, *remap = NULL, *dfk = NULL;
    float *idf = NULL;
    uint64_t total = 0;
    if (!voc || !ids || !cnt) goto done;
    for (size_t i = 0; i < tf->n; i++) {
        const char *p = tf->line[i];
        size_t cap = 64, n = 0;
        ids[i] = malloc(cap * sizeof **ids);
        if (!ids[i]) goto done;
        while (*p) {
            while (*p == ' ') p++;
            const char *q = p;
            while (*q && *q != ' ') q++;
            if (q == p) break;
            int64_t id = ty_strmap_intern(voc, p, (size_t)(q - p), NULL);
            if (id < 0) goto done;
            if (n == cap) {
                uint32_t *g = ty_reallocarray(ids[i], cap * 2, sizeof **ids);
                if (!g) goto done;
                ids[i] = g;
                cap *= 2;
            }
            ids[i][n++] = (uint32_t)id;
            p = q;
        }
        qsort(ids[i], n, sizeof **ids, cmp_u32);
        cnt[i] = n;
        total += n;
    }
    uint32_t nraw = ty_strmap_size(voc);
    df = calloc(nraw ? nraw : 1, sizeof *df);
    remap = malloc((nraw ? nraw : 1) * sizeof *remap);
    if (!df || !remap) goto done;
    for (size_t i = 0; i < tf->n; i++)
        for (size_t k = 0; k < cnt[i]; k++)
            if (k == 0 || ids[i][k] != ids[i][k - 1]) df[ids[i][k]]++;
    double maxdf = 0.5 * (double)tf->n;
    uint32_t nt = 0;
    for (uint32_t t = 0; t < nraw; t++)
        remap[t] = df[t] >= 2 && (double)df[t] <= maxdf ? nt++ : UINT32_MAX;
    dfk = malloc((nt ? nt : 1) * sizeof *dfk);
    idf = malloc((nt ? nt : 1) * sizeof *idf);
    if (!dfk || !idf) goto done;
    for (uint32_t t = 0; t < nraw; t++)
        if (remap[t] != UINT32_MAX) dfk[remap[t]] = df[t];
    ty_idf_compute(dfk, nt, tf->n, idf);
    a->nrows = tf->n;
    a->ncols = nt;
    a->rowptr = calloc(tf->n + 1, sizeof *a->rowptr);
    a->col = malloc((total ? total : 1) * sizeof *a->col);
    a->val = malloc((total ? total : 1) * sizeof *a->val);
    if (!a->rowptr || !a->col || !a->val) goto done;
    uint64_t nnz = 0;
    for (size_t i = 0; i < tf->n; i++) {
        uint64_t start = nnz;
        for (size_t k = 0; k < cnt[i];) {
            uint32_t raw = ids[i][k], c = 0;
            while (k < cnt[i] && ids[i][k] == raw) { c++; k++; }
            if (remap[raw] == UINT32_MAX) continue;
            a->col[nnz] = remap[raw];
            a->val[nnz] = (float)c;
            nnz++;
        }
        ty_tfidf_row(a->col + start, a->val + start, nnz - start, idf);
        a->rowptr[i + 1] = nnz;
    }
    *nterms = nt;
    rc = 0;
done:
    if (ids)
        for (size_t i = 0; i < tf->n; i++) free(ids[i]);
    free(ids);
    free(cnt);
    free(df);
    free(remap);
    free(dfk);
    free(idf);
    ty_strmap_free(voc);
    return rc;
}

/* The builder's LSA: rank k from the SVD, then unit document vectors. */
static int lsa(const ty_csr *a, const bopts *o, int k, float *sigma,
               float *basis, float *docvec) {
    char err[256] = "";
    ty_svd_opts so = {.rank = k, .oversample = o->oversample,
                      .power_iters = o->power_iters, .seed = o->seed,
                      .threads = o->threads};
    int rc = ty_svd_randomized(a, &so, NULL, sigma, basis, err, sizeof err);
    if (rc) {
        fprintf(stderr, "build_bench: svd: %s\n", err);
        return rc;
    }
    ty_csr_mul_dense(a, basis, (size_t)k, docvec, o->threads);
    for (uint64_t i = 0; i < a->nrows; i++) normalize(docvec + i * k, (size_t)k);
    return 0;
}

/* CPU seconds of the whole process (all threads): less sensitive than the
 * wall clock to other jobs on a shared machine. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Median seconds of the SVD's sparse steps on a: A^T as CSR, C = A B and
 * C = A^T B (through the transpose, as svd.c does), l columns. */
static int products(const ty_csr *a, const bopts *o) {
    size_t l = (size_t)o->k + (size_t)o->oversample;
    uint64_t big = a->nrows > a->ncols ? a->nrows : a->ncols;
    float *b = NULL, *c = NULL;
    size_t bytes = big * l * sizeof *b;
    if (posix_memalign((void **)&b, 1 << 21, bytes) ||
        posix_memalign((void **)&c, 1 << 21, bytes))
        return -1;
#ifdef MADV_HUGEPAGE
    if (getenv("HUGE")) {
        madvise(b, bytes, MADV_HUGEPAGE);
        madvise(c, bytes, MADV_HUGEPAGE);
    }
#endif
    double *tt = calloc((size_t)o->products, sizeof *tt);
    double *tab = calloc((size_t)o->products, sizeof *tab);
    double *tat = calloc((size_t)o->products, sizeof *tat);
    double *cab = calloc((size_t)o->products, sizeof *cab);
    double *cat = calloc((size_t)o->products, sizeof *cat);
    if (!b || !c || !tt || !tab || !tat || !cab || !cat) return -1;
    rng_state = o->seed;
    for (size_t i = 0; i < big * l; i++) b[i] = (float)gauss();
    for (int r = 0; r < o->products; r++) {
        ty_csr t;
        double t0 = now();
        if (ty_csr_transpose(a, &t)) return -1;
        double t1 = now(), u1 = cpu_now();
        ty_csr_mul_dense(a, b, l, c, o->threads);
        double t2 = now(), u2 = cpu_now();
        ty_csr_mul_dense(&t, c, l, b, o->threads);
        double t3 = now(), u3 = cpu_now();
        cab[r] = u2 - u1;
        cat[r] = u3 - u2;
        ty_csr_free(&t);
        tt[r] = t1 - t0;
        tab[r] = t2 - t1;
        tat[r] = t3 - t2;
        /* keep the block's scale bounded between rounds */
        for (size_t i = 0; i < big * l; i++) b[i] *= 1e-3f;
    }
    double gf = 2.0 * (double)a->rowptr[a->nrows] * (double)l * 1e-9;
    double mab = median(tab, o->products), mat = median(tat, o->products);
    printf("{\"bench\":\"build-products\",\"docs\":%llu,\"terms\":%llu,"
           "\"nnz\":%llu,\"l\":%zu,\"threads\":%d,\"runs\":%d,"
           "\"sec_transpose\":%.3f,\"sec_ab\":%.3f,\"sec_atb\":%.3f,"
           "\"gflops_ab\":%.2f,\"gflops_atb\":%.2f,\"cpu_ab\":%.3f,"
           "\"cpu_atb\":%.3f}\n",
           (unsigned long long)a->nrows, (unsigned long long)a->ncols,
           (unsigned long long)a->rowptr[a->nrows], l, o->threads,
           o->products, median(tt, o->products), mab, mat, gf / mab, gf / mat,
           median(cab, o->products), median(cat, o->products));
    free(cab);
    free(cat);
    free(b);
    free(c);
    free(tt);
    free(tab);
    free(tat);
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: build_bench TOKENS [-k 256] [-r 3] [-t THREADS] "
                    "[--power-iters 4] [--oversample 16] [--seed S] "
                    "[--limit N] [--products N]\n");
    exit(2);
}

int main(int argc, char **argv) {
    bopts o = {.k = 256, .runs = 3, .threads = 0, .power_iters = 4,
               .oversample = 16, .seed = 0x74656e796f21ull, .limit = 0};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "-k") && v) o.k = atoi(argv[++i]);
        else if (!strcmp(s, "-r") && v) o.runs = atoi(argv[++i]);
        else if (!strcmp(s, "-t") && v) o.threads = atoi(argv[++i]);
        else if (!strcmp(s, "--power-iters") && v) o.power_iters = atoi(argv[++i]);
        else if (!strcmp(s, "--oversample") && v) o.oversample = atoi(argv[++i]);
        else if (!strcmp(s, "--seed") && v) o.seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(s, "--limit") && v) o.limit = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(s, "--products") && v) o.products = atoi(argv[++i]);
        else if (s[0] != '-' && !path) path = s;
        else usage();
    }
    if (!path || o.k < 1 || o.runs < 1 || o.runs > 100) usage();
    if (o.threads <= 0) o.threads = ty_ncores();
    tokfile tf = {0};
    double t0 = now();
    if (read_tokens(path, o.limit, &tf)) {
        fprintf(stderr, "build_bench: cannot read %s\n", path);
        return 1;
    }
    double tread = now() - t0;
    double *tw = calloc((size_t)o.runs, sizeof *tw);
    double *ts = calloc((size_t)o.runs, sizeof *ts);
    double *tt = calloc((size_t)o.runs, sizeof *tt);
    uint64_t nterms = 0, nnz = 0, hash = 0;
    int k = 0;
    if (!tw || !ts || !tt) return 1;
    if (o.products > 0) {
        ty_csr a = {0};
        if (weight(&tf, &a, &nterms) || products(&a, &o)) {
            fprintf(stderr, "build_bench: out of memory\n");
            return 1;
        }
        ty_csr_free(&a);
        free(tw);
        free(ts);
        free(tt);
        free(tf.line);
        free(tf.buf);
        return 0;
    }
    for (int r = 0; r < o.runs; r++) {
        ty_csr a = {0};
        double a0 = now();
        if (weight(&tf, &a, &nterms)) {
            fprintf(stderr, "build_bench: out of memory weighting\n");
            return 1;
        }
        double a1 = now();
        uint64_t mn = a.nrows < a.ncols ? a.nrows : a.ncols;
        k = o.k;
        if ((uint64_t)k > mn / 2) k = (int)(mn / 2);
        if (k < 1) {
            fprintf(stderr, "build_bench: corpus too small for rank 1\n");
            return 1;
        }
        float *sigma = calloc((size_t)k, sizeof *sigma);
        float *basis = ty_mallocarray(a.ncols * (size_t)k, sizeof *basis);
        float *docvec = ty_mallocarray(a.nrows * (size_t)k, sizeof *docvec);
        if (!sigma || !basis || !docvec) return 1;
        if (lsa(&a, &o, k, sigma, basis, docvec)) return 1;
        double a2 = now();
        nnz = a.rowptr[a.nrows];
        uint64_t h = ty_fnv1a(sigma, (size_t)k * sizeof *sigma);
        h ^= ty_fnv1a(basis, a.ncols * (size_t)k * sizeof *basis) * 31;
        h ^= ty_fnv1a(docvec, a.nrows * (size_t)k * sizeof *docvec) * 131;
        if (r && h != hash)
            fprintf(stderr, "build_bench: run %d gave different bytes\n", r + 1);
        hash = h;
        tw[r] = a1 - a0;
        ts[r] = a2 - a1;
        tt[r] = a2 - a0;
        printf("# run %d: %.3f s (weight %.3f s, svd %.3f s), sigma[0] %.6g, "
               "sigma[%d] %.6g\n", r + 1, tt[r], tw[r], ts[r], sigma[0], k - 1,
               sigma[k - 1]);
        fflush(stdout);
        free(sigma);
        free(basis);
        free(docvec);
        ty_csr_free(&a);
    }
    double mt = median(tt, o.runs), mw = median(tw, o.runs),
           ms = median(ts, o.runs);
    char cpu[128] = "?";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) snprintf(cpu, sizeof cpu, "%s", c + 2);
                cpu[strcspn(cpu, "\n")] = 0;
                break;
            }
        fclose(ci);
    }
    printf("{\"bench\":\"build\",\"peer\":\"tenyo-tokens\",\"tokens\":\"%s\","
           "\"docs\":%zu,\"terms\":%llu,\"nnz\":%llu,\"k\":%d,\"runs\":%d,"
           "\"sec_read_tokens\":%.3f,\"sec_median\":%.3f,\"sec_weight\":%.3f,"
           "\"sec_svd\":%.3f,\"threads\":%d,\"blas_threads\":%d,"
           "\"power_iters\":%d,\"oversample\":%d,\"hash\":\"%016llx\","
           "\"machine\":{\"cores\":%d,\"cpu\":\"%s\"}}\n",
           path, tf.n, (unsigned long long)nterms, (unsigned long long)nnz, k,
           o.runs, tread, mt, mw, ms, o.threads, openblas_get_num_threads(),
           o.power_iters, o.oversample, (unsigned long long)hash, ty_ncores(),
           cpu);
    free(tw);
    free(ts);
    free(tt);
    free(tf.line);
    free(tf.buf);
    return 0;
}
