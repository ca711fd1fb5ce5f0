/*
 * sparse_export.c — a tenyo index's TF-IDF rows and a query set, for a
 * sparse peer (bench/xapian_bench.cc) fed the same terms with the same
 * weights: what tenyo's TF-IDF cosine is computed from, so the peer ranks
 * the same vectors (quantised: its term frequencies are integers).
 *
 * Output (binary, little-endian, this machine's): "TYSX", u32 ndocs,
 * u32 nterms, then per document u32 n and n pairs (u32 term, f32 weight);
 * then u32 nq and per query u32 doc and tenyo's TF-IDF top-10 of it (the
 * document itself left out, as similar does): u32 count, count u32 docs.
 * Queries are the seeded random documents topk_bench draws (same seed,
 * same generator: bench.h).
 *
 * Reaches the rows through src/internal.h. Usage:
 *   sparse_export INDEX OUT [-q QUERIES] [--seed S]
 */
#include "api/api.h"
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }

int main(int argc, char **argv) {
    size_t nq = 200;
    uint64_t seed = 1;
    static const struct option lo[] = {{"seed", 1, 0, 's'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "q:", lo, NULL)) != -1) {
        if (ch == 'q') nq = strtoul(optarg, NULL, 10);
        else if (ch == 's') seed = strtoull(optarg, NULL, 10);
        else return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: sparse_export INDEX OUT [-q QUERIES] [--seed S]\n");
        return 2;
    }
    char err[512];
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    if (tenyo_index_open(argv[optind], &x, err, sizeof err) ||
        tenyo_index_load_all(x, err, sizeof err) || tenyo_ctx_new(x, &c, err, sizeof err)) {
        fprintf(stderr, "sparse_export: %s\n", err);
        return 1;
    }
    const ty_model *m = &x->m;
    if (ty_model_need_sparse(m, err, sizeof err)) {
        fprintf(stderr, "sparse_export: %s\n", err);
        return 1;
    }
    FILE *f = fopen(argv[optind + 1], "wb");
    if (!f) {
        perror(argv[optind + 1]);
        return 1;
    }
    fwrite("TYSX", 4, 1, f);
    put32(f, (uint32_t)m->ndocs);
    put32(f, (uint32_t)m->nterms);
    for (uint64_t d = 0; d < m->ndocs; d++) {
        uint64_t a = m->tfidf.rowptr[d], e = m->tfidf.rowptr[d + 1];
        put32(f, (uint32_t)(e - a));
        for (uint64_t j = a; j < e; j++) {
            put32(f, m->tfidf.col[j]);
            fwrite(&m->tfidf.val[j], 4, 1, f);
        }
    }
    put32(f, (uint32_t)nq);
    rng_state = seed;
    for (size_t i = 0; i < nq; i++) {
        uint64_t d = rnd64() % m->ndocs;
        tenyo_hit h[10];
        int n = tenyo_similar_doc(c, d, TENYO_MODE_TFIDF, 10, h);
        if (n < 0) n = 0;
        put32(f, (uint32_t)d);
        put32(f, (uint32_t)n);
        for (int j = 0; j < n; j++) put32(f, (uint32_t)h[j].doc);
    }
    if (fclose(f)) {
        perror(argv[optind + 1]);
        return 1;
    }
    fprintf(stderr, "sparse_export: %llu documents, %llu non-zeros, %zu queries\n",
            (unsigned long long)m->ndocs, (unsigned long long)m->tfidf.rowptr[m->ndocs], nq);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return 0;
}
