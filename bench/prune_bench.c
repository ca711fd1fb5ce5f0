/*
 * prune_bench.c — what static pruning (`tenyo index --max-terms N`) costs in
 * ranking quality for what it saves in bytes: two indexes of the same
 * corpus, one full and one pruned, are queried with the same Q indexed
 * documents (every N/Q-th), and the mean overlap of their top-k similar lists
 * (by id) is printed per mode, with each index's bytes per document
 * (sections by part, as open_bench reports them). Overlap 1.0 means the
 * pruned index ranks exactly as the full one.
 *
 * Usage: prune_bench FULL.tny PRUNED.tny [-q QUERIES] [-k K]
 */
#include "tenyo.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per document of an index without its text and fixed parts. */
static double per_doc(const tenyo_index *x, double *sparse) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    double vec = 0, sp = 0, other = 0;
    for (int i = 0; i < in.nsections; i++) {
        const char *s = in.sections[i].name;
        double b = (double)in.sections[i].stored;
        if (!strcmp(s, "docvec.q8")) vec += b;
        else if (!strncmp(s, "tfidf.", 6)) sp += b;
        else if (!strcmp(s, "docflags") || !strcmp(s, "docfields") || !strcmp(s, "phrase.docs"))
            other += b;
    }
    *sparse = sp / (double)in.ndocs;
    return (vec + sp + other) / (double)in.ndocs;
}

int main(int argc, char **argv) {
    int q = 500, k = 10, c;
    while ((c = getopt(argc, argv, "q:k:")) != -1) {
        if (c == 'q') q = atoi(optarg);
        else if (c == 'k') k = atoi(optarg);
        else return 1;
    }
    if (argc - optind != 2 || q < 1 || k < 1 || k > 1000) {
        fprintf(stderr, "usage: prune_bench FULL.tny PRUNED.tny [-q QUERIES] [-k K]\n");
        return 1;
    }
    tenyo_index *a = NULL, *b = NULL;
    tenyo_ctx *ca = NULL, *cb = NULL;
    char err[512];
    if (tenyo_index_open(argv[optind], &a, err, sizeof err) ||
        tenyo_index_open(argv[optind + 1], &b, err, sizeof err) ||
        tenyo_ctx_new(a, &ca, err, sizeof err) || tenyo_ctx_new(b, &cb, err, sizeof err)) {
        fprintf(stderr, "prune_bench: %s\n", err);
        return 1;
    }
    tenyo_index_info ia, ib;
    tenyo_index_info_get(a, &ia);
    tenyo_index_info_get(b, &ib);
    double sa, sb, pa = per_doc(a, &sa), pb = per_doc(b, &sb);
    printf("full:   %s: %llu docs, %.1f non-zeros per document, %.0f B per document "
           "(sparse %.0f B)\n", argv[optind], (unsigned long long)ia.ndocs,
           (double)ia.nnz / (double)ia.ndocs, pa, sa);
    printf("pruned: %s: at most %u terms, %.1f non-zeros per document, %.0f B per document "
           "(sparse %.0f B)\n", argv[optind + 1], ib.max_terms,
           (double)ib.nnz / (double)ib.ndocs, pb, sb);
    tenyo_hit *ha = malloc((size_t)k * sizeof *ha), *hb = malloc((size_t)k * sizeof *hb);
    if (!ha || !hb) return 1;
    const tenyo_mode modes[3] = {TENYO_MODE_TFIDF, TENYO_MODE_LSA, TENYO_MODE_HYBRID};
    const char *names[3] = {"tfidf", "lsa", "hybrid"};
    uint64_t n = ia.ndocs, step = n / (uint64_t)q ? n / (uint64_t)q : 1;
    for (int mi = 0; mi < 3; mi++) {
        double sum = 0;
        int nq = 0;
        for (uint64_t d = 0; d < n && nq < q; d += step) {
            tenyo_doc_meta m;
            tenyo_index_doc(a, d, &m);
            int64_t db = tenyo_index_find(b, m.id);
            if (db < 0) continue;
            int na = tenyo_similar_doc(ca, d, modes[mi], (size_t)k, ha);
            int nb = tenyo_similar_doc(cb, (uint64_t)db, modes[mi], (size_t)k, hb);
            if (na <= 0 || nb < 0) continue;
            int same = 0;
            for (int i = 0; i < na; i++) {
                tenyo_doc_meta x;
                tenyo_index_doc(a, ha[i].doc, &x);
                for (int j = 0; j < nb; j++) {
                    tenyo_doc_meta y;
                    tenyo_index_doc(b, hb[j].doc, &y);
                    if (!strcmp(x.id, y.id)) {
                        same++;
                        break;
                    }
                }
            }
            sum += (double)same / na;
            nq++;
        }
        printf("%-6s top-%d overlap with the full index: %.3f (%d queries)\n", names[mi], k,
               nq ? sum / nq : 0.0, nq);
    }
    free(ha);
    free(hb);
    tenyo_ctx_free(ca);
    tenyo_ctx_free(cb);
    tenyo_index_free(a);
    tenyo_index_free(b);
    return 0;
}
