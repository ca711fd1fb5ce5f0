/*
 * ideas_bench.c — what an analyst waits for in `tenyo ideas`: latency of
 * one ideas query with its explanation, on one thread, over seeded random
 * indexed documents as queries.
 *
 * One query = tenyo_ideas_doc (n = 10, default options, home = the
 * document's own fields) + for every proposal returned its bridge terms
 * (tenyo_idea_bridge, 5) and application phrases (tenyo_idea_phrases, 3):
 * what the CLI and the server compute before they print a card; with --why
 * also the why pair (tenyo_idea_why: abstracts read and split, on indexes
 * that keep them; compiled only where tenyo.h has it). Output
 * text rendering is not timed. The first query of a fresh index also builds
 * the lazily made tables (co-classification lists, term genericity): its
 * time is printed apart as "first_ms" and the warm-up queries are not in
 * the percentiles.
 *
 * Uses only include/tenyo.h, so the same source measures an older commit
 * (the before/after of issue 15).
 *
 * --threads LIST (where tenyo.h has tenyo_ctx_set_threads; default 1):
 * one context per listed count of threads per query (e.g. 1,2), every
 * query run on each in turn, the order rotating from query to query so
 * machine noise falls on all; their proposals are compared field by field
 * (bits of the scores, evidence) and "differ" counts the queries whose
 * answers are not identical to the first context's (must be 0).
 *
 * --min-transfer T (where tenyo.h has it): the transfer model's threshold
 * (0 shows the obvious neighbours it leaves out, so every usable proposal
 * gets its explanation timed, as before the model).
 *
 * Usage: ideas_bench INDEX [-q QUERIES] [-w WARMUP] [--seed S] [--why] [--threads LIST]
 *        [--min-transfer T]
 * Prints one JSON line per context: queries, threads, first_ms, p50_ms,
 * p95_ms, p99_ms, mean_ms, proposals_per_query, differ.
 */
#include <tenyo.h>
#include "bench.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXC 4 /* contexts */

int main(int argc, char **argv) {
    size_t nq = 200, warm = 5;
    uint64_t seed = 1;
    int why = 0;
    int nthr[MAXC] = {1}, nc = 1;
    double min_transfer = -1; /* the default */
    static const struct option lo[] = {{"seed", required_argument, 0, 's'},
                                       {"why", no_argument, 0, 'y'},
                                       {"threads", required_argument, 0, 't'},
                                       {"min-transfer", required_argument, 0, 'm'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "q:w:", lo, NULL)) != -1) {
        switch (c) {
        case 'q': nq = strtoul(optarg, NULL, 10); break;
        case 'w': warm = strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'y': why = 1; break;
        case 'm': min_transfer = strtod(optarg, NULL); break;
        case 't':
            nc = 0;
            for (char *p = optarg; *p && nc < MAXC; p += *p == ',') nthr[nc++] = (int)strtol(p, &p, 10);
            if (nc == 0) nc = 1;
            break;
        default:
            fprintf(stderr, "usage: ideas_bench INDEX [-q QUERIES] [-w WARMUP] [--seed S]\n");
            return 2;
        }
    }
    if (optind >= argc || nq == 0) {
        fprintf(stderr, "usage: ideas_bench INDEX [-q QUERIES] [-w WARMUP] [--seed S]\n");
        return 2;
    }
    char err[512];
    tenyo_index *idx = NULL;
    tenyo_ctx *cs[MAXC] = {NULL};
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
#ifdef TENYO_IDEAS_MIN_TRANSFER
    io.min_transfer = min_transfer;
#else
    if (min_transfer >= 0) fprintf(stderr, "ideas_bench: this tenyo.h has no transfer model\n");
#endif
    if (tenyo_index_open(argv[optind], &idx, err, sizeof err)) {
        fprintf(stderr, "ideas_bench: %s\n", err);
        return 1;
    }
    for (int j = 0; j < nc; j++) {
        if (tenyo_ctx_new(idx, &cs[j], err, sizeof err)) {
            fprintf(stderr, "ideas_bench: %s\n", err);
            return 1;
        }
#ifdef TENYO_CTX_THREADS
        tenyo_ctx_set_threads(cs[j], nthr[j]);
#endif
    }
    uint64_t n = tenyo_index_ndocs(idx);
    double *lats = calloc(nq * (size_t)nc, sizeof *lats);
    if (!lats || n == 0) return 1;
    uint64_t x = seed;
    double first[MAXC] = {0}, sum[MAXC] = {0};
    size_t props[MAXC] = {0}, differ = 0;
    static tenyo_idea res[MAXC][10];
    int got_[MAXC];
    for (size_t i = 0; i < warm + nq; i++) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        uint64_t doc = (z ^ (z >> 31)) % n;
        for (int r = 0; r < nc; r++) {
            int j = (int)((i + (size_t)r) % (size_t)nc); /* rotating order */
            tenyo_ctx *ctx = cs[j];
            tenyo_idea *ideas = res[j];
            double *lat = lats + (size_t)j * nq;
            double a = now();
            int got = tenyo_ideas_doc(ctx, doc, &io, 10, ideas);
            if (got < 0) {
                fprintf(stderr, "ideas_bench: %s\n", tenyo_ctx_error(ctx));
                return 1;
            }
            for (int k = 0; k < got; k++) {
                const char *bt[5];
                tenyo_phrase ph[3];
                tenyo_idea_bridge(ctx, &ideas[k], 5, bt);
                tenyo_idea_phrases(ctx, &ideas[k], 3, ph);
    #ifdef TENYO_WHY_TERMS
                tenyo_why w;
                if (why && tenyo_idea_why(ctx, &ideas[k], &w) < 0) {
                    fprintf(stderr, "ideas_bench: %s\n", tenyo_ctx_error(ctx));
                    return 1;
                }
    #endif
            }
            double t = now() - a;
            got_[j] = got;
            if (i == 0) first[j] = t;
            if (i < warm) continue;
            lat[i - warm] = t;
            sum[j] += t;
            props[j] += (size_t)got;
        }
        for (int j = 1; j < nc; j++) differ += !ideas_identical(got_[0], res[0], got_[j], res[j]);
    }
    for (int j = 0; j < nc; j++) {
        double *lat = lats + (size_t)j * nq;
        qsort(lat, nq, sizeof *lat, cmp_double);
#define PCT(p) lat[(size_t)ceil((p) / 100.0 * (double)nq) - 1]
        printf("{\"index\": \"%s\", \"docs\": %llu, \"queries\": %zu, \"threads\": %d, "
               "\"first_ms\": %.1f, \"p50_ms\": %.1f, \"p95_ms\": %.1f, \"p99_ms\": %.1f, "
               "\"mean_ms\": %.1f, \"proposals_per_query\": %.2f, \"why\": %d, \"differ\": %zu}\n",
               argv[optind], (unsigned long long)n, nq, nthr[j], first[j] * 1e3, PCT(50) * 1e3,
               PCT(95) * 1e3, PCT(99) * 1e3, sum[j] / (double)nq * 1e3,
               (double)props[j] / (double)nq, why, differ);
        tenyo_ctx_free(cs[j]);
    }
    tenyo_index_free(idx);
    free(lats);
    return differ != 0;
}
