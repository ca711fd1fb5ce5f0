/*
 * open_bench.c — what a large index costs to keep and to open: bytes per
 * document on disk (per section: the vectors, the sparse part, text), the
 * time tenyo_index_open takes (median of runs) and the resident memory it
 * adds per document, at N documents (default 1,000,000) and rank k 256.
 *
 * The index is synthetic but shaped like a patent index, so that sizes and
 * times mean something: Zipf term counts per document (the generated 100k
 * corpus of bench/gen_corpus has 157 distinct terms per document and 139k
 * terms; the defaults follow it), Gaussian document vectors with decaying
 * variance per dimension (bench.h), realistic id/title/applicant/date
 * strings and two to four IPC fields per document out of 600. It is built
 * directly as a ty_model and written by the library's own writer
 * (ty_store_write): tokenizing and factorising a million documents would
 * take most of an hour on two cores and is measured elsewhere
 * (bench/run_build.sh); here only the stored form matters.
 *
 * Opening leaves the sparse TF-IDF rows for their first use, so three
 * times are printed: tenyo_index_open; open plus the first LSA query by id
 * (what `tenyo similar --mode lsa` waits for); and open plus
 * tenyo_index_load_all (everything decoded and checked: what a hybrid query
 * or a server start waits for), with the resident memory after each.
 *
 * Usage: open_bench [-n DOCS] [-k RANK] [-z NNZ_PER_DOC] [-T TERMS] [-r RUNS]
 *                   [-o FILE] [--keep] [--reuse FILE]
 *   --reuse FILE: measure FILE (kept by an earlier --keep run) instead of
 *   generating one.
 */
#include "api/api.h"
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Resident memory now, bytes (/proc/self/statm). */
static uint64_t rss_now(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%llu %llu", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A Zipf-distributed term (rank r has weight 1/(r+10)^0.9), by inversion of a
 * precomputed cumulative table. */
static uint32_t zipf_term(const double *cum, uint32_t T) {
    double u = unif() * cum[T - 1];
    uint32_t lo = 0, hi = T - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (cum[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int build(ty_model *m, uint64_t N, uint32_t K, uint32_t T, uint32_t Z) {
    memset(m, 0, sizeof *m);
    m->format_version = 2;
    m->tokenizer = ty_strdup("mecab:synthetic;open_bench");
    m->writer = ty_strdup("tenyo " TENYO_VERSION_STRING " open_bench");
    m->mecab_dicdir = ty_strdup("");
    m->keep_parts = 1;
    m->stem = 1;
    m->seed = 1;
    m->min_df = 2;
    m->max_df_ratio = 0.5;
    m->oversample = 16;
    m->power_iters = 4;
    m->ndocs = N;
    m->nterms = T;
    m->dim = K;
    /* vocabulary */
    ty_buf tb = {0};
    m->term_off = ty_mallocarray(T, sizeof *m->term_off);
    m->df = ty_calloc(T, sizeof *m->df);
    m->idf = ty_mallocarray(T, sizeof *m->idf);
    double *cum = ty_mallocarray(T, sizeof *cum);
    if (!m->term_off || !m->df || !m->idf || !cum) return -1;
    for (uint32_t t = 0; t < T; t++) {
        char w[32];
        int n = snprintf(w, sizeof w, "語%u", t);
        m->term_off[t] = tb.len;
        if (ty_buf_append(&tb, w, (size_t)n + 1)) return -1;
        cum[t] = (t ? cum[t - 1] : 0) + 1.0 / pow(t + 10.0, 0.9);
    }
    m->term_blob = tb.p;
    m->term_blob_len = tb.len;
    /* sparse rows: Z distinct Zipf terms per document (+-50%), counts 1-4 */
    ty_csr *a = &m->tfidf;
    a->nrows = N;
    a->ncols = T;
    a->rowptr = ty_calloc(N + 1, sizeof *a->rowptr);
    uint64_t cap = N * (uint64_t)Z * 3 / 2 + 16;
    a->col = ty_mallocarray(cap, sizeof *a->col);
    a->val = ty_mallocarray(cap, sizeof *a->val);
    m->tf = ty_mallocarray(cap, sizeof *m->tf);
    uint32_t *row = ty_mallocarray(2 * (size_t)Z + 2, sizeof *row);
    if (!a->rowptr || !a->col || !a->val || !m->tf || !row) return -1;
    uint64_t z = 0;
    for (uint64_t d = 0; d < N; d++) {
        uint32_t want = Z / 2 + (uint32_t)(rnd64() % (Z + 1)), n = 0;
        for (uint32_t i = 0; i < want; i++) row[n++] = zipf_term(cum, T);
        qsort(row, n, sizeof *row, cmp_u32);
        for (uint32_t i = 0; i < n; i++) {
            if (i && row[i] == row[i - 1]) continue;
            a->col[z] = row[i];
            m->tf[z] = 1 + (uint32_t)(rnd64() % 4 == 0) + (uint32_t)(rnd64() % 16 == 0);
            m->df[row[i]]++;
            z++;
        }
        a->rowptr[d + 1] = z;
    }
    ty_idf_compute(m->df, T, N, m->idf);
    for (uint64_t d = 0; d < N; d++) {
        uint64_t s = a->rowptr[d], e = a->rowptr[d + 1];
        for (uint64_t j = s; j < e; j++) a->val[j] = (float)m->tf[j];
        ty_tfidf_row(a->col + s, a->val + s, e - s, m->idf);
    }
    free(row);
    free(cum);
    /* LSA */
    m->sigma = ty_mallocarray(K, sizeof *m->sigma);
    m->basis = ty_mallocarray((size_t)T * K, sizeof *m->basis);
    m->docvec = ty_mallocarray(N * K, sizeof *m->docvec);
    if (!m->sigma || !m->basis || !m->docvec) return -1;
    for (uint32_t j = 0; j < K; j++) m->sigma[j] = 100.f / (1 + j);
    for (uint64_t i = 0; i < (uint64_t)T * K; i++) m->basis[i] = (float)(gauss() * 0.01);
    for (uint64_t d = 0; d < N; d++) {
        float *v = m->docvec + d * K;
        for (uint32_t j = 0; j < K; j++) v[j] = (float)(gauss() / sqrt(1.0 + j / 8.0));
        normalize(v, K);
    }
    /* documents and fields */
    m->nfields = 600;
    m->field_code = ty_calloc(600, sizeof *m->field_code);
    m->field_count = ty_calloc(600, sizeof *m->field_count);
    m->meta_off = ty_mallocarray(N, TY_META_NSTR * sizeof *m->meta_off);
    m->open = ty_calloc(N, 1);
    m->lang = ty_calloc(N, 1);
    m->field_ptr = ty_calloc(N + 1, sizeof *m->field_ptr);
    m->field_ids = ty_mallocarray(N * 4, sizeof *m->field_ids);
    if (!m->field_code || !m->field_count || !m->meta_off || !m->open || !m->lang ||
        !m->field_ptr || !m->field_ids)
        return -1;
    for (uint32_t f = 0; f < 600; f++)
        snprintf(m->field_code[f], 8, "%c%02u%c", 'A' + f % 8, 1 + (f / 8) % 99,
                 'A' + (f / 8 / 99 + f) % 26);
    qsort(m->field_code, 600, 8, (int (*)(const void *, const void *))strcmp);
    ty_buf mb = {0};
    uint64_t fz = 0;
    for (uint64_t d = 0; d < N; d++) {
        char s[6][96];
        uint32_t nf = 2 + (uint32_t)(rnd64() % 3), f0 = (uint32_t)(rnd64() % 597);
        snprintf(s[0], 96, "特開20%02u-%06u", (unsigned)(10 + d % 15), (unsigned)(d % 1000000));
        snprintf(s[1], 96, "合成文書%llu の発明の名称（装置及び方法）", (unsigned long long)d);
        snprintf(s[2], 96, "株式会社合成%u", (unsigned)(rnd64() % 5000));
        snprintf(s[3], 96, "20%02u-%02u-%02u", (unsigned)(10 + d % 15), 1 + (unsigned)(d % 12),
                 1 + (unsigned)(d % 28));
        snprintf(s[4], 96, "%s1/00;%s3/12", m->field_code[f0], m->field_code[f0 + 1]);
        s[5][0] = 0;
        for (uint32_t i = 0; i < nf; i++) {
            m->field_ids[fz++] = (uint16_t)(f0 + i);
            m->field_count[f0 + i]++;
            size_t l = strlen(s[5]);
            snprintf(s[5] + l, 96 - l, "%s%s", i ? "," : "", m->field_code[f0 + i]);
        }
        m->field_ptr[d + 1] = fz;
        m->open[d] = rnd64() % 10 == 0;
        for (int i = 0; i < TY_META_NSTR; i++) {
            m->meta_off[d * TY_META_NSTR + i] = mb.len;
            if (ty_buf_append(&mb, s[i], strlen(s[i]) + 1)) return -1;
        }
    }
    m->meta_blob = mb.p;
    m->meta_blob_len = mb.len;
    return 0;
}

int main(int argc, char **argv) {
    uint64_t N = 1000000;
    uint32_t K = 256, T = 139000, Z = 157;
    int runs = 3, keep = 0;
    const char *out = NULL, *reuse = NULL;
    static const struct option lo[] = {{"keep", no_argument, 0, 'K'},
                                       {"reuse", required_argument, 0, 'R'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:k:z:T:r:o:", lo, NULL)) != -1) {
        switch (c) {
        case 'n': N = strtoull(optarg, NULL, 10); break;
        case 'k': K = (uint32_t)atoi(optarg); break;
        case 'z': Z = (uint32_t)atoi(optarg); break;
        case 'T': T = (uint32_t)atoi(optarg); break;
        case 'r': runs = atoi(optarg); break;
        case 'o': out = optarg; break;
        case 'K': keep = 1; break;
        case 'R': reuse = optarg; break;
        default:
            fprintf(stderr, "usage: open_bench [-n DOCS] [-k RANK] [-z NNZ] [-T TERMS] [-r RUNS] "
                            "[-o FILE] [--keep] [--reuse FILE]\n");
            return 1;
        }
    }
    if (!N || !K || K > TY_MAX_DIM || !T || !Z || runs < 1 || runs > 50) return 1;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s", reuse ? reuse : out ? out : "/tmp/tenyo-open-bench.tny");
    if (reuse) {
        keep = 1;
        goto measure;
    }
    rng_state = 42;
    printf("open_bench: %llu documents, rank %u, %u terms, ~%u terms per document\n",
           (unsigned long long)N, K, T, Z);
    double t0 = now();
    ty_model m;
    if (build(&m, N, K, T, Z)) {
        fprintf(stderr, "open_bench: out of memory building the model\n");
        return 1;
    }
    double t1 = now();
    if (ty_store_write(&m, path, err, sizeof err)) {
        fprintf(stderr, "open_bench: %s\n", err);
        return 1;
    }
    double t2 = now();
    uint64_t nnz = m.tfidf.rowptr[N];
    printf("generated in %.1f s, written in %.1f s: %llu non-zeros (%.1f per document), "
           "%.1f MB\n", t1 - t0, t2 - t1, (unsigned long long)nnz,
           (double)nnz / (double)N, m.file_bytes / 1e6);
    /* bytes per document by part */
    uint64_t vec = 0, sparse = 0, other = 0, text = 0, fixed = 0;
    for (int i = 0; i < m.nsections; i++) {
        const char *s = m.sections[i].name;
        uint64_t b = m.sections[i].stored;
        if (!strcmp(s, "docvec.q8")) vec += b;
        else if (!strncmp(s, "tfidf.", 6)) sparse += b;
        else if (!strcmp(s, "docmeta")) text += b;
        else if (!strcmp(s, "docflags") || !strcmp(s, "docfields") || !strcmp(s, "phrase.docs"))
            other += b;
        else fixed += b;
    }
    printf("on disk per document: vectors %.0f B + sparse TF-IDF %.0f B + flags/fields %.0f B "
           "= %.0f B without text; text (id, title, applicant, date, codes) %.0f B; fixed "
           "(vocabulary, basis, ...) %.1f MB\n",
           (double)vec / N, (double)sparse / N, (double)other / N,
           (double)(vec + sparse + other) / N, (double)text / N, fixed / 1e6);
    ty_model_free(&m);
measure:;
    /* three steps per run: open, first LSA query by id, load all */
    double ts[3][50];
    uint64_t rss0 = rss_now(), rss[3] = {0}, docs = 0;
    for (int r = 0; r < runs; r++) {
        tenyo_index *x = NULL;
        tenyo_ctx *cx = NULL;
        tenyo_hit hits[10];
        double a = now();
        int rc = tenyo_index_open(path, &x, err, sizeof err);
        ts[0][r] = now() - a;
        if (!rc) rc = tenyo_ctx_new(x, &cx, err, sizeof err);
        if (!rc) {
            docs = tenyo_index_ndocs(x);
            rc = tenyo_similar_doc(cx, docs / 2, TENYO_MODE_LSA, 10, hits);
            if (rc < 0) snprintf(err, sizeof err, "%s", tenyo_ctx_error(cx));
            else rc = 0;
        }
        ts[1][r] = now() - a;
        if (r == 0) rss[0] = rss_now();
        if (!rc) rc = tenyo_index_load_all(x, err, sizeof err);
        ts[2][r] = now() - a;
        if (r == 0) rss[1] = rss_now();
        if (rc) {
            fprintf(stderr, "open_bench: %s\n", err);
            return 1;
        }
        tenyo_ctx_free(cx);
        tenyo_index_free(x);
    }
    if (!docs) docs = 1;
    static const char *what[3] = {"tenyo_index_open", "+ first LSA query by id",
                                  "+ tenyo_index_load_all"};
    for (int i = 0; i < 3; i++) {
        double mn = ts[i][0], hi = ts[i][0];
        for (int r = 1; r < runs; r++) {
            if (ts[i][r] < mn) mn = ts[i][r];
            if (ts[i][r] > hi) hi = ts[i][r];
        }
        printf("%-24s median %.2f s of %d (min %.2f, max %.2f)", what[i], median(ts[i], runs),
               runs, mn, hi);
        if (i == 1 || i == 2)
            printf("; resident +%.0f MB = %.0f B per document", (double)(rss[i - 1] - rss0) / 1e6,
                   (double)(rss[i - 1] - rss0) / (double)docs);
        putchar('\n');
    }
    if (!keep) unlink(path);
    return 0;
}
