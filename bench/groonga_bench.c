/*
 * groonga_bench.c — Groonga's keyword search in process, the peer of
 * bench/kw_bench.c: one database opened through libgroonga (Debian's
 * libgroonga-dev), one grn_ctx, a fixed list of queries (one a line) run in
 * rounds through the `select` command as the groonga program runs it
 * (grn_ctx_send, grn_ctx_recv: the parse, the index search, the sort by
 * score, the top k and their JSON), latencies of every timed round pooled
 * into p50 / p95 / p99, and each query's count (select's hit count).
 *
 * The first round is a warm-up and is not timed (the files mapped, as
 * tenyo's first keyword query reads its keyword index). Every select says
 * --cache no: Groonga keeps the last answers to a repeated select and would
 * otherwise answer rounds 2-N from that cache, which is not a search.
 * The select matches MATCH_COLUMNS (bench/groonga_peer.sh: title * 2 ||
 * abstract, the title counted twice as tenyo's BM25 counts it).
 *
 * Not built by the Makefile (it needs libgroonga-dev, which tenyo does
 * not): bench/groonga_peer.sh compiles it with
 *   cc -std=c11 -D_GNU_SOURCE -O2 bench/groonga_bench.c $(pkg-config --cflags --libs groonga)
 *
 * Usage: groonga_bench DB QUERIES [-r ROUNDS] [-k K] [-t TABLE]
 *                      [-m MATCH_COLUMNS] [-l LABEL]
 * Prints one JSON object: {"engine":LABEL, "n":..., "p50_ms":...,
 * "p95_ms":..., "p99_ms":..., "counts":[...]} (counts in the list's order).
 */
#include <groonga.h>

#include "bench.h" /* the clock, quantiles, the query file (as kw_bench) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXQ 1024

/* s with ' and \ escaped for a single-quoted command argument, in out. */
static void quote(const char *s, char *out, size_t len) {
    size_t o = 0;
    for (; *s && o + 3 < len; s++) {
        if (*s == '\'' || *s == '\\') out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: groonga_bench DB QUERIES [-r ROUNDS] [-k K] [-t TABLE] "
                        "[-m MATCH_COLUMNS] [-l LABEL]\n");
        return 2;
    }
    int rounds = 5, k = 10;
    const char *table = "Docs", *match = "title * 2 || abstract", *label = "groonga";
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-r")) rounds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-k")) k = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-t")) table = argv[i + 1];
        else if (!strcmp(argv[i], "-m")) match = argv[i + 1];
        else if (!strcmp(argv[i], "-l")) label = argv[i + 1];
    }
    if (rounds < 1 || k < 1) {
        fprintf(stderr, "groonga_bench: -r and -k must be positive\n");
        return 2;
    }
    char *q[MAXQ];
    int nq = read_lines(argv[2], q, MAXQ);
    if (nq < 0) return 1;
    if (grn_init() != GRN_SUCCESS) {
        fprintf(stderr, "groonga_bench: grn_init failed\n");
        return 1;
    }
    grn_ctx ctx;
    grn_ctx_init(&ctx, 0);
    grn_obj *db = grn_db_open(&ctx, argv[1]);
    if (!db) {
        fprintf(stderr, "groonga_bench: %s: %s\n", argv[1], ctx.errbuf);
        return 1;
    }
    char **cmd = calloc((size_t)nq, sizeof *cmd);
    for (int i = 0; i < nq; i++) {
        char qq[4096];
        quote(q[i], qq, sizeof qq);
        size_t n = strlen(qq) + strlen(table) + strlen(match) + 256;
        cmd[i] = malloc(n);
        snprintf(cmd[i], n,
                 "select %s --match_columns '%s' --query '%s' --limit %d "
                 "--output_columns _key,_score --sort_keys -_score --cache no",
                 table, match, qq, k);
    }
    double *lat = malloc(sizeof *lat * (size_t)nq * (size_t)rounds);
    long *count = calloc((size_t)nq, sizeof *count);
    int nl = 0;
    for (int r = 0; r <= rounds; r++)
        for (int i = 0; i < nq; i++) {
            char *out = NULL;
            unsigned int olen = 0;
            int flags = 0;
            double t0 = now();
            grn_ctx_send(&ctx, cmd[i], (unsigned int)strlen(cmd[i]), 0);
            grn_ctx_recv(&ctx, &out, &olen, &flags);
            double t = now() - t0;
            if (ctx.rc != GRN_SUCCESS) {
                fprintf(stderr, "groonga_bench: query '%s': %s\n", q[i], ctx.errbuf);
                return 1;
            }
            if (r == 0) { /* the body starts [[[N], ... */
                char *b = malloc(olen + 1);
                memcpy(b, out, olen);
                b[olen] = 0;
                char *p = strstr(b, "[[[");
                count[i] = p ? strtol(p + 3, NULL, 10) : -1;
                free(b);
            } else {
                lat[nl++] = t * 1e3;
            }
        }
    qsort(lat, (size_t)nl, sizeof *lat, cmp_double);
    printf("{\"engine\":\"%s\",\"n\":%d,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,"
           "\"counts\":[",
           label, nl, quantile(lat, nl, 0.50), quantile(lat, nl, 0.95),
           quantile(lat, nl, 0.99));
    for (int i = 0; i < nq; i++) printf("%s%ld", i ? "," : "", count[i]);
    printf("]}\n");
    for (int i = 0; i < nq; i++) {
        free(q[i]);
        free(cmd[i]);
    }
    free(cmd);
    free(lat);
    free(count);
    grn_obj_close(&ctx, db);
    grn_ctx_fin(&ctx);
    grn_fin();
    return 0;
}
