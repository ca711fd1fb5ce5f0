/*
 * topk_bench.c — what dynamic pruning (search/prune.c) saves: the same
 * queries through a context that scans in full and one that prunes, on one
 * opened index, alternating, with every answer compared bit for bit.
 *
 * Measured per query on one thread (OpenBLAS pinned to 1 by the caller's
 * OPENBLAS_NUM_THREADS=1; the scans themselves are single-threaded):
 *   - similar (tenyo_similar_doc, k 10) in modes tfidf and hybrid, and lsa
 *     (not pruned: the floor of the hybrid query, its int8 scan);
 *   - title-tfidf, title-hybrid: the same documents' titles as free text
 *     (tenyo_similar_text, k 10; a few terms: a search-box query);
 *   - ideas (tenyo_ideas_doc, n 10, default options: hybrid, 300
 *     neighbours), without the bridge / phrase explanations that
 *     ideas_bench adds (they do not scan).
 * Queries are seeded random indexed documents, the same for both sides.
 * Each of -r rounds runs all queries full then pruned (or pruned then full
 * on odd rounds), so machine noise falls on both; latencies pool the rounds
 * and p50 / p99 are printed with the ratio full / pruned. The postings and
 * their block maxima are built before timing (tenyo_index_warm, as tenyo
 * serve does). "pruned" counts the queries the pruned scan answered (the
 * rest fell back to the full scan inside the same call, and are timed so);
 * "differ" counts answers not identical (must be 0).
 *
 * --threads N (issue 21): instead of full against pruned, full scans on 1
 * thread per query ("full" columns) against full scans split over N
 * threads (tenyo_ctx_set_threads; the "pruned" columns then hold the N
 * thread side, "pruned" counts 0), alternating the same way and compared
 * the same way. Without it both sides run one thread per query. --par-min
 * D: the N-thread side splits on indexes of D documents or more (default
 * TY_QPAR_MIN_DOCS: measures the threshold on smaller indexes).
 *
 * Reaches the context's prune switch through src/internal.h (the public API
 * has none: the answers are the same). Usage:
 *   topk_bench INDEX [-q QUERIES] [-r ROUNDS] [--seed S] [--threads N] [--par-min D] [--modes tfidf,hybrid,lsa,ideas,title-tfidf,title-hybrid]
 */
#include "api/api.h"
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_TFIDF, M_HYBRID, M_LSA, M_IDEAS, M_TTFIDF, M_THYBRID, NMODES };
static const char *mname[NMODES] = {"tfidf", "hybrid", "lsa", "ideas", "title-tfidf", "title-hybrid"};
static const tenyo_index *g_idx; /* for the title queries */

/* Whether name is one of the comma-separated list's entries. */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !strncmp(p, name, n)) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static int cmp_d(const void *a, const void *b) { return cmp_double(a, b); }

/* p-th percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p) {
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return v[i ? i - 1 : 0];
}

/* One query on c: its latency; its answer into hits / ideas. */
static double one(tenyo_ctx *c, int mode, uint64_t doc, tenyo_hit *hits, int *n, tenyo_idea *ideas) {
    double a = now();
    if (mode == M_IDEAS) *n = tenyo_ideas_doc(c, doc, NULL, 10, ideas);
    else if (mode == M_TTFIDF || mode == M_THYBRID) {
        tenyo_doc_meta m;
        tenyo_index_doc(g_idx, doc, &m);
        a = now();
        *n = tenyo_similar_text(c, m.title, strlen(m.title),
                                mode == M_TTFIDF ? TENYO_MODE_TFIDF : TENYO_MODE_HYBRID, 10, hits);
    } else {
        tenyo_mode m = mode == M_TFIDF ? TENYO_MODE_TFIDF
                       : mode == M_LSA ? TENYO_MODE_LSA
                                       : TENYO_MODE_HYBRID;
        *n = tenyo_similar_doc(c, doc, m, 10, hits);
    }
    return now() - a;
}

static int same(int mode, int na, int nb, const tenyo_hit *a, const tenyo_hit *b,
                const tenyo_idea *ia, const tenyo_idea *ib) {
    if (mode == M_IDEAS) return ideas_identical(na, ia, nb, ib);
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].doc != b[i].doc || memcmp(&a[i].score, &b[i].score, sizeof a[i].score)) return 0;
    return 1;
}

int main(int argc, char **argv) {
    size_t nq = 200;
    int rounds = 3, threads = 0;
    uint64_t par_min = 0; /* 0: the library's TY_QPAR_MIN_DOCS */
    uint64_t seed = 1;
    const char *modes = "tfidf,hybrid,lsa,ideas,title-tfidf,title-hybrid";
    static const struct option lo[] = {{"seed", 1, 0, 's'}, {"modes", 1, 0, 'm'}, {"threads", 1, 0, 't'},
                                       {"par-min", 1, 0, 'p'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "q:r:", lo, NULL)) != -1) {
        switch (ch) {
        case 'q': nq = strtoul(optarg, NULL, 10); break;
        case 'r': rounds = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'm': modes = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'p': par_min = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: topk_bench INDEX [-q QUERIES] [-r ROUNDS] [--seed S] [--threads N] "
                            "[--modes tfidf,hybrid,lsa,ideas,title-tfidf,title-hybrid]\n");
            return 2;
        }
    }
    if (optind >= argc || nq == 0 || rounds < 1) {
        fprintf(stderr, "usage: topk_bench INDEX [-q QUERIES] [-r ROUNDS] [--seed S] [--threads N] "
                        "[--modes tfidf,hybrid,lsa,ideas,title-tfidf,title-hybrid]\n");
        return 2;
    }
    char err[512];
    tenyo_index *idx = NULL;
    tenyo_ctx *cf = NULL, *cp = NULL;
    double t0 = now();
    setenv("TENYO_PRUNE", "on", 1); /* (opt-in: the block maxima are built) */
    if (tenyo_index_open(argv[optind], &idx, err, sizeof err) ||
        tenyo_index_warm(idx, err, sizeof err) || tenyo_ctx_new(idx, &cf, err, sizeof err) ||
        tenyo_ctx_new(idx, &cp, err, sizeof err)) {
        fprintf(stderr, "topk_bench: %s\n", err);
        return 1;
    }
    cf->prune = 0;
    tenyo_ctx_set_threads(cf, 1);
    tenyo_ctx_set_threads(cp, threads > 0 ? threads : 1);
    if (threads > 0) cp->prune = 0; /* full against full */
    if (par_min) cp->par_min = par_min;
    g_idx = idx;
    double topen = now() - t0;
    char sides[96];
    if (threads > 0)
        snprintf(sides, sizeof sides, "full = 1 thread per query, pruned = full on %d threads",
                 threads);
    else
        snprintf(sides, sizeof sides, "1 thread per query");
    uint64_t n = tenyo_index_ndocs(idx);
    tenyo_index_info info;
    tenyo_index_info_get(idx, &info);
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    printf("# index %s: %llu docs, %llu terms, %.1f non-zeros per doc, rank %u; open + warm %.1f s; "
           "block maxima %.1f B per doc; OPENBLAS_NUM_THREADS=%s; %zu queries x %d rounds; %s\n",
           argv[optind], (unsigned long long)n, (unsigned long long)info.nterms,
           (double)info.nnz / (double)n, (unsigned)info.dim, topen,
           idx->bmax.ptr ? (double)idx->bmax.ptr[idx->bmax.ptr ? idx->m.nterms : 0] * 8 / (double)n : 0.0,
           bt ? bt : "(unset)", nq, rounds, sides);
    uint64_t *docs = malloc(nq * sizeof *docs);
    double *lf = malloc(nq * (size_t)rounds * sizeof *lf), *lp = malloc(nq * (size_t)rounds * sizeof *lp);
    if (!docs || !lf || !lp) return 1;
    rng_state = seed;
    for (size_t i = 0; i < nq; i++) docs[i] = rnd64() % n;
    static tenyo_hit ha[10], hb[10];
    static tenyo_idea ia[10], ib[10];
    int status = 0;
    for (int mode = 0; mode < NMODES; mode++) {
        if (!listed(modes, mname[mode])) continue;
        /* warm-up: the lazily built tables (ideas) on both contexts */
        for (int w = 0; w < 3; w++) {
            int x;
            one(cf, mode, docs[w % nq], ha, &x, ia);
            one(cp, mode, docs[w % nq], hb, &x, ib);
        }
        size_t differ = 0, m = 0;
        uint64_t p0 = cp->npruned, c0 = cp->ps.st_cand, w0 = cp->ps.st_walked, t0s = cp->ps.st_total;
        for (int r = 0; r < rounds; r++)
            for (size_t i = 0; i < nq; i++, m++) {
                int na = 0, nb = 0;
                if (r % 2 == 0) {
                    lf[m] = one(cf, mode, docs[i], ha, &na, ia);
                    lp[m] = one(cp, mode, docs[i], hb, &nb, ib);
                } else {
                    lp[m] = one(cp, mode, docs[i], hb, &nb, ib);
                    lf[m] = one(cf, mode, docs[i], ha, &na, ia);
                }
                if (na == TENYO_ERR_EMPTY && nb == na) { /* a title of no indexed term: not counted */
                    m--;
                    continue;
                }
                if (na < 0 || nb < 0) {
                    fprintf(stderr, "topk_bench: %s / %s\n", tenyo_ctx_error(cf), tenyo_ctx_error(cp));
                    return 1;
                }
                differ += !same(mode, na, nb, ha, hb, ia, ib);
            }
        qsort(lf, m, sizeof *lf, cmp_d);
        qsort(lp, m, sizeof *lp, cmp_d);
        double f50 = pct(lf, m, 50), f99 = pct(lf, m, 99), p50 = pct(lp, m, 50), p99 = pct(lp, m, 99);
        printf("{\"mode\": \"%s\", \"docs\": %llu, \"queries\": %zu, \"full_p50_ms\": %.2f, "
               "\"full_p99_ms\": %.2f, \"pruned_p50_ms\": %.2f, \"pruned_p99_ms\": %.2f, "
               "\"ratio_p50\": %.2f, \"ratio_p99\": %.2f, \"pruned\": %llu, \"candidates_per_query\": %.0f, "
               "\"postings_walked\": %.3f, \"differ\": %zu}\n",
               mname[mode], (unsigned long long)n, m, f50 * 1e3, f99 * 1e3, p50 * 1e3, p99 * 1e3,
               f50 / p50, f99 / p99, (unsigned long long)(cp->npruned - p0),
               (double)(cp->ps.st_cand - c0) / (double)(cp->npruned - p0 ? cp->npruned - p0 : 1),
               (double)(cp->ps.st_walked - w0) / (double)(cp->ps.st_total - t0s ? cp->ps.st_total - t0s : 1),
               differ);
        fflush(stdout);
        if (differ) status = 1;
    }
    free(docs);
    free(lf);
    free(lp);
    tenyo_ctx_free(cf);
    tenyo_ctx_free(cp);
    tenyo_index_free(idx);
    return status;
}
