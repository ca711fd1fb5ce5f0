/*
 * kw_bench.c — tenyo's keyword search in process, measured the way
 * bench/groonga_bench.c measures Groonga's `select`: one index opened, one
 * context, a fixed list of queries (one a line) run in rounds, k results
 * each; latencies of every timed round pooled into p50 / p95 / p99, and each
 * query's count (how many records match: what tenyo_search returns).
 *
 * The first round is a warm-up and is not timed: it reads the keyword index
 * (the first keyword query of an index does), as the peer's first select
 * maps its files. Each query is timed from the filter's creation to the
 * ranked hits (tenyo_filter_new, tenyo_filter_keywords, tenyo_search):
 * what one `tenyo search` does after opening the index.
 * Uses only include/tenyo.h.
 *
 * Usage: kw_bench INDEX QUERIES [-r ROUNDS] [-k K]
 * Prints one JSON object: {"engine":"tenyo", "n":..., "p50_ms":...,
 * "p95_ms":..., "p99_ms":..., "counts":[...]} (counts in the list's order).
 */
#include <tenyo.h>
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXQ 1024

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: kw_bench INDEX QUERIES [-r ROUNDS] [-k K]\n");
        return 2;
    }
    int rounds = 5;
    size_t k = 10;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-r")) rounds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-k")) k = (size_t)atoi(argv[i + 1]);
    }
    if (rounds < 1 || k < 1) {
        fprintf(stderr, "kw_bench: -r and -k must be positive\n");
        return 2;
    }
    char *q[MAXQ];
    int nq = read_lines(argv[2], q, MAXQ);
    if (nq < 0) return 1;
    char err[512];
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    if (tenyo_index_open(argv[1], &x, err, sizeof err) ||
        tenyo_ctx_new(x, &c, err, sizeof err)) {
        fprintf(stderr, "kw_bench: %s\n", err);
        return 1;
    }
    tenyo_hit *hits = calloc(k, sizeof *hits);
    double *lat = malloc(sizeof *lat * (size_t)nq * (size_t)rounds);
    int64_t *count = calloc((size_t)nq, sizeof *count);
    int nl = 0;
    for (int r = 0; r <= rounds; r++)
        for (int i = 0; i < nq; i++) {
            double t0 = now();
            tenyo_filter *fl = NULL;
            int rc = tenyo_filter_new(x, &fl);
            if (!rc) rc = tenyo_filter_keywords(fl, c, q[i]);
            if (!rc) rc = tenyo_search(c, fl, k, hits);
            double t = now() - t0;
            int64_t matching = rc >= 0 ? tenyo_filter_count(fl) : 0;
            tenyo_filter_free(fl);
            if (rc < 0 && rc != TENYO_ERR_EMPTY) {
                fprintf(stderr, "kw_bench: query '%s': %s\n", q[i], tenyo_strerror(rc));
                return 1;
            }
            if (r == 0) count[i] = matching;
            else lat[nl++] = t * 1e3;
        }
    qsort(lat, (size_t)nl, sizeof *lat, cmp_double);
    printf("{\"engine\":\"tenyo\",\"n\":%d,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,"
           "\"counts\":[",
           nl, quantile(lat, nl, 0.50), quantile(lat, nl, 0.95), quantile(lat, nl, 0.99));
    for (int i = 0; i < nq; i++) printf("%s%lld", i ? "," : "", (long long)count[i]);
    printf("]}\n");
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    for (int i = 0; i < nq; i++) free(q[i]);
    free(hits);
    free(lat);
    free(count);
    return 0;
}
