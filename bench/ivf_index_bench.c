/*
 * ivf_index_bench.c — the approximate search of an index, end to end:
 * tenyo_similar_doc in LSA mode through a context with nprobe (and
 * --rerank) set, on an index built with `tenyo index --ivf` (and --f16),
 * against two references computed here on the same index:
 *   - "exact": the exact scan (a context without nprobe), which ranks by
 *     the int8 document vectors the index searches with;
 *   - "f16": a brute-force scan of the float16 rows (section docvec.f16;
 *     the index's most precise vectors, ~5e-4 relative from the build's
 *     floats), ties by document number (only with --f16 indexes).
 * For each nprobe x rerank setting, one thread, Q seeded documents as
 * queries (the document itself left out, as similar does): recall@10
 * against each reference, QPS and p50 / p99. Each setting runs twice when
 * the index has float16 rows: re-ranked from them ("rerank_from": "f16")
 * and, with the rows hidden from the search, from the int8 codes
 * ("codes"), the two alternating per setting so noise falls on both.
 *
 * --rerank 0 is the library's default depth (max(4 (k + 1), 64) = 64).
 * Reaches the index's float16 rows through src/internal.h (api/api.h).
 * Usage: ivf_index_bench INDEX [-q QUERIES] [--seed S] [--nprobe LIST]
 *        [--rerank LIST]
 */
#include "api/api.h"
#include "bench.h"

#include <getopt.h>
#include <stdio.h>

enum { K = 10 };

/* Parse "1,2,4" into v (at most cap); returns the count. */
static size_t parse_list(const char *s, size_t *v, size_t cap) {
    size_t n = 0;
    while (s && *s && n < cap) {
        v[n++] = strtoul(s, NULL, 10);
        s = strchr(s, ',');
        if (s) s++;
    }
    return n;
}

/* Recall of got (ng) against want (nw). */
static double overlap(const tenyo_hit *got, int ng, const tenyo_hit *want, int nw) {
    int h = 0;
    for (int a = 0; a < ng; a++)
        for (int b = 0; b < nw; b++) h += got[a].doc == want[b].doc;
    return nw ? (double)h / nw : 1;
}

int main(int argc, char **argv) {
    size_t nq = 1000, np[32] = {4, 8, 16, 32, 64}, rr[8] = {0}, nnp = 5, nrr = 1;
    uint64_t seed = 1;
    static const struct option lo[] = {{"seed", 1, 0, 's'}, {"nprobe", 1, 0, 'P'},
                                       {"rerank", 1, 0, 'R'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "q:", lo, NULL)) != -1) {
        if (ch == 'q') nq = strtoul(optarg, NULL, 10);
        else if (ch == 's') seed = strtoull(optarg, NULL, 10);
        else if (ch == 'P') nnp = parse_list(optarg, np, 32);
        else if (ch == 'R') nrr = parse_list(optarg, rr, 8);
        else return 2;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: ivf_index_bench INDEX [-q Q] [--seed S] [--nprobe LIST] "
                        "[--rerank LIST]\n");
        return 2;
    }
    char err[512];
    tenyo_index *x = NULL;
    double t0 = now();
    if (tenyo_index_open(argv[optind], &x, err, sizeof err)) {
        fprintf(stderr, "ivf_index_bench: %s\n", err);
        return 1;
    }
    double topen = now() - t0;
    uint64_t n = tenyo_index_ndocs(x);
    uint32_t nl = tenyo_index_ivf_lists(x), k = x->m.dim;
    uint16_t *xh = x->m.doc_h;
    if (!nl || !n || !k) {
        fprintf(stderr, "ivf_index_bench: the index has no IVF lists (tenyo index --ivf)\n");
        return 1;
    }
    tenyo_ctx *ex = NULL, *c = NULL;
    if (tenyo_ctx_new(x, &ex, err, sizeof err) || tenyo_ctx_new(x, &c, err, sizeof err)) return 1;
    tenyo_ctx_set_threads(ex, 1);
    tenyo_ctx_set_threads(c, 1);
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    printf("{\"bench\":\"ivf_index\",\"index\":\"%s\",\"docs\":%llu,\"dim\":%u,\"lists\":%u,"
           "\"f16_bytes_per_doc\":%.1f,\"queries\":%zu,\"open_sec\":%.2f}\n",
           argv[optind], (unsigned long long)n, k, nl, (double)in.f16_bytes / (double)n, nq,
           topen);
    uint64_t *qd = malloc(nq * sizeof *qd);
    tenyo_hit *tx = malloc(nq * K * sizeof *tx), *tf = malloc(nq * K * sizeof *tf);
    int *ntx = malloc(nq * sizeof *ntx), *ntf = malloc(nq * sizeof *ntf);
    double *lat = malloc(nq * sizeof *lat);
    float *q = malloc(k * sizeof *q);
    if (!qd || !tx || !tf || !ntx || !ntf || !lat || !q) return 4;
    rng_state = seed;
    for (size_t i = 0; i < nq; i++) qd[i] = rnd64() % n;
    /* references: the exact scan, and the float16 rows scanned in full */
    t0 = now();
    for (size_t i = 0; i < nq; i++) {
        ntx[i] = tenyo_similar_doc(ex, qd[i], TENYO_MODE_LSA, K, tx + i * K);
        if (!xh) continue;
        ty_f16_to_floats(xh + qd[i] * k, k, q);
        normalize(q, k);
        ty_topk t;
        ty_topk_init(&t, tf + i * K, K);
        for (uint64_t d = 0; d < n; d++)
            if (d != qd[i]) ty_topk_push(&t, d, ty_f16_dot(xh + d * k, q, k));
        ntf[i] = (int)ty_topk_finish(&t);
    }
    /* how far the two references are apart: the exact scan's top 10
     * against the float16 brute force's */
    double agree = 0;
    for (size_t i = 0; xh && i < nq; i++) agree += overlap(tx + i * K, ntx[i], tf + i * K, ntf[i]);
    printf("{\"measure\":\"references\",\"sec\":%.1f,\"exact_vs_f16_recall\":%.4f}\n",
           now() - t0, xh ? agree / nq : 1.0);
    fflush(stdout);
    for (size_t b = 0; b < nnp; b++) {
        for (size_t a = 0; a < nrr; a++) {
            tenyo_ctx_set_nprobe(c, (uint32_t)np[b]);
            tenyo_ctx_set_rerank(c, rr[a]);
            for (int side = 0; side < (xh ? 2 : 1); side++) {
                int codes = xh ? (side ^ (int)(b & 1)) : 1; /* alternate which goes first */
                x->m.doc_h = codes ? NULL : xh;
                double rx = 0, rf = 0, tot = 0;
                for (size_t i = 0; i < nq; i++) {
                    tenyo_hit h[K];
                    double ta = now();
                    int g = tenyo_similar_doc(c, qd[i], TENYO_MODE_LSA, K, h);
                    lat[i] = now() - ta;
                    tot += lat[i];
                    rx += overlap(h, g, tx + i * K, ntx[i]);
                    if (xh) rf += overlap(h, g, tf + i * K, ntf[i]);
                }
                x->m.doc_h = xh;
                qsort(lat, nq, sizeof *lat, cmp_double);
                char vf[32] = "null"; /* no float16 rows: no such reference */
                if (xh) snprintf(vf, sizeof vf, "%.4f", rf / nq);
                printf("{\"measure\":\"index_ivf\",\"nprobe\":%zu,\"rerank\":%zu,"
                       "\"rerank_from\":\"%s\",\"recall_vs_exact\":%.4f,\"recall_vs_f16\":%s,"
                       "\"qps_1thread\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
                       np[b], rr[a], codes ? "codes" : "f16", rx / nq, vf, nq / tot,
                       lat[nq / 2] * 1e6, lat[(size_t)(0.99 * (nq - 1))] * 1e6);
                fflush(stdout);
            }
        }
    }
    /* the exact scan's own speed, for scale */
    double tot = 0;
    for (size_t i = 0; i < nq; i++) {
        tenyo_hit h[K];
        double ta = now();
        tenyo_similar_doc(ex, qd[i], TENYO_MODE_LSA, K, h);
        tot += now() - ta;
    }
    printf("{\"measure\":\"exact_scan\",\"qps_1thread\":%.0f}\n", nq / tot);
    free(qd);
    free(tx);
    free(tf);
    free(ntx);
    free(ntf);
    free(lat);
    free(q);
    tenyo_ctx_free(ex);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    return 0;
}
