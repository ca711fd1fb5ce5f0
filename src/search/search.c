/*
 * search.c — exact nearest-neighbour scans over an index (the oracle).
 *
 * Two scorers share one top-k heap:
 *   - TF-IDF: the query is scattered into a dense term array once, then every
 *     CSR row is a gather-dot over its non-zeros. That needs no second copy
 *     of the matrix, so a one-shot query uses it; once TF-IDF scans repeat
 *     (api/ctx.c: the 4th scan, or tenyo_index_warm), the index keeps the
 *     matrix transposed (postings per term, 8 bytes per non-zero) and a scan
 *     walks only the query terms' postings (ty_scan_tfidf_postings): 22% of
 *     the non-zeros for a patent-length generated document, 7% on the jp
 *     corpus; hybrid p50 at 100k 33 -> 10.5 ms. Same bits either way (the
 *     additions per document happen in the same order).
 *   - LSA: one cblas_sgemv of the row-major document matrix with the folded-in
 *     query vector — memory-bandwidth bound, which BLAS already handles well.
 * Hybrid scoring is a convex combination done by the caller (api/), since
 * both cosines live on the same [-1, 1] scale. search/prune.c scores the
 * same bits for only the documents that can reach the top (dynamic
 * pruning, opt-in: measured no faster here; see its opening comment).
 *
 * The top-k heap the scans fill is a utility (util/topk.c).
 *
 * The postings walk adds w * val to scores[col] for every posting of a
 * query term: per posting a column and a weight streamed, one score read
 * and written. Its kernel (walk_avx2, chosen once at run time; walk_c
 * elsewhere, or with TENYO_KERNEL=c) multiplies eight weights with one
 * vector instruction, reads the column ids two at a time as one 64-bit
 * load, adds each product to its score with the scalar add the C loop
 * uses (no fused multiply-add: the same product, rounded, then the same
 * sum) and prefetches the lists 512 bytes ahead; each list's part is cut
 * to [d0, d1) by binary search once, not by a test per posting. It takes
 * about 1.2x the time of a plain read of the same 8 bytes per posting
 * (bench/HISTORY.md, "The hybrid query against the LSA query").
 *
 * Both TF-IDF scans also come in parts for a range of documents (one
 * worker of a query split over threads, api/ctx.c): the gather over the
 * range's rows, and the postings walk over the part of each query term's
 * list that falls in the range, found by binary search (the lists are in
 * document order). A document's score is the same sum, in the same term
 * order, whichever range scores it. Rejected: walking a range in blocks
 * of 64k documents (every term's postings in the block, then the next:
 * the 256 KiB of scores written stay in L2), bit-identical but no faster
 * at 1M (bench/HISTORY.md, "Where one hybrid query's time goes at 1M").
 */
#include "search/search.h"

#include "model/blas.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TY_X86 1
#endif

/* ty_scan_tfidf's scores, bit for bit, from the postings of the query's
 * terms (post: the TF-IDF matrix transposed, a row per term listing its
 * documents in order): every score starts at +0 and receives the products
 * of its document's query terms in ascending term order, exactly the
 * non-zero additions the row-wise gather makes (which adds +0 for every
 * other column of the row: weights are >= 0, so no sum is -0 and adding
 * +0 changes nothing). A repeated query term counts once, with its last
 * weight, as the gather's scatter has it. Cost: the postings of the query
 * terms (22% of the non-zeros for a generated patent-length document,
 * 7% on the jp corpus) instead of all of them. */
int ty_scan_tfidf_postings(const ty_csr *post, uint64_t ndocs, const uint32_t *qt, const float *qw,
                           size_t qn, float *qdense, float *scores) {
    uint32_t *t = ty_mallocarray(qn ? qn : 1, sizeof *t);
    float *w = ty_mallocarray(qn ? qn : 1, sizeof *w);
    if (!t || !w) {
        free(t);
        free(w);
        return TENYO_ERR_NOMEM;
    }
    size_t nt = ty_query_terms(qt, qw, qn, qdense, t, w);
    ty_scan_tfidf_postings_range(post, t, w, nt, 0, ndocs, scores);
    free(t);
    free(w);
    return TENYO_OK;
}

size_t ty_query_terms(const uint32_t *qt, const float *qw, size_t qn, float *qdense, uint32_t *t,
                      float *w) {
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = qw[i];
    memcpy(t, qt, qn * sizeof *t);
    qsort(t, qn, sizeof *t, ty_cmp_u32);
    size_t n = 0;
    for (size_t i = 0; i < qn; i++) {
        if (i > 0 && t[i] == t[i - 1]) continue;
        t[n] = t[i];
        w[n++] = qdense[t[i]];
    }
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = 0.f;
    return n;
}

/* s[col[p]] += wi * val[p] for p in [p, e): the postings of one term (its
 * documents distinct), in order. */
typedef void (*walk_fn)(const uint32_t *col, const float *val, uint64_t p, uint64_t e, float wi,
                        float *s);

static void walk_c(const uint32_t *restrict col, const float *restrict val, uint64_t p, uint64_t e,
                   float wi, float *restrict s) {
    for (; p < e; p++) s[col[p]] += wi * val[p];
}

#ifdef TY_X86
#define WALK_AHEAD 128 /* postings prefetched ahead: 512 bytes of each array */
__attribute__((target("avx2"))) static void walk_avx2(const uint32_t *restrict col,
                                                      const float *restrict val, uint64_t p,
                                                      uint64_t e, float wi, float *restrict s) {
    __m256 wv = _mm256_set1_ps(wi);
    for (; p + 8 <= e; p += 8) {
        __builtin_prefetch(col + p + WALK_AHEAD);
        __builtin_prefetch(val + p + WALK_AHEAD);
        __m256 pr = _mm256_mul_ps(wv, _mm256_loadu_ps(val + p));
        __m128 lo = _mm256_castps256_ps128(pr), hi = _mm256_extractf128_ps(pr, 1);
        uint64_t a, b, c, d; /* column ids two by two */
        memcpy(&a, col + p, 8);
        memcpy(&b, col + p + 2, 8);
        memcpy(&c, col + p + 4, 8);
        memcpy(&d, col + p + 6, 8);
        s[(uint32_t)a] += _mm_cvtss_f32(lo);
        s[a >> 32] += _mm_cvtss_f32(_mm_movehdup_ps(lo));
        s[(uint32_t)b] += _mm_cvtss_f32(_mm_unpackhi_ps(lo, lo));
        s[b >> 32] += _mm_cvtss_f32(_mm_shuffle_ps(lo, lo, 3));
        s[(uint32_t)c] += _mm_cvtss_f32(hi);
        s[c >> 32] += _mm_cvtss_f32(_mm_movehdup_ps(hi));
        s[(uint32_t)d] += _mm_cvtss_f32(_mm_unpackhi_ps(hi, hi));
        s[d >> 32] += _mm_cvtss_f32(_mm_shuffle_ps(hi, hi, 3));
    }
    for (; p < e; p++) s[col[p]] += wi * val[p];
}
#endif

static walk_fn g_walk = walk_c;
static pthread_once_t walk_once = PTHREAD_ONCE_INIT;

static void pick_walk(void) {
#ifdef TY_X86
    const char *k = getenv("TENYO_KERNEL");
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && !(k && !strcmp(k, "c"))) g_walk = walk_avx2;
#endif
}

int ty_postings_walk_set(const char *name) {
    pthread_once(&walk_once, pick_walk);
    if (!strcmp(name, "c")) {
        g_walk = walk_c;
        return 0;
    }
#ifdef TY_X86
    if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2")) {
        g_walk = walk_avx2;
        return 0;
    }
#endif
    return -1;
}

void ty_scan_tfidf_postings_range(const ty_csr *post, const uint32_t *t, const float *w, size_t nt,
                                  uint64_t d0, uint64_t d1, float *scores) {
    pthread_once(&walk_once, pick_walk);
    walk_fn walk = g_walk;
    memset(scores + d0, 0, (d1 - d0) * sizeof *scores);
    for (size_t i = 0; i < nt; i++) {
        /* the range's part of the list: its documents in [d0, d1) */
        uint64_t p = d0 ? ty_csr_lower_bound(post, t[i], d0) : post->rowptr[t[i]];
        uint64_t e = post->rowptr[t[i] + 1];
        if (e > p && post->col[e - 1] >= d1) e = ty_csr_lower_bound(post, t[i], d1);
        walk(post->col, post->val, p, e, w[i], scores);
    }
}

/* =============================================================== scans */

void ty_scan_tfidf(const ty_model *m, const uint32_t *qt, const float *qw,
                   size_t qn, float *qdense, float *scores) {
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = qw[i];
    ty_scan_tfidf_range(m, qdense, 0, m->tfidf.nrows, scores);
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = 0.f;
}

void ty_scan_tfidf_range(const ty_model *m, const float *qdense, uint64_t d0, uint64_t d1,
                         float *scores) {
    const ty_csr *a = &m->tfidf;
    for (uint64_t d = d0; d < d1; d++) {
        float s = 0.f;
        for (uint64_t j = a->rowptr[d]; j < a->rowptr[d + 1]; j++)
            s += qdense[a->col[j]] * a->val[j];
        scores[d] = s;
    }
}

void ty_fold_in(const ty_model *m, const uint32_t *qt, const float *qw,
                size_t qn, float *out) {
    size_t k = m->dim;
    memset(out, 0, k * sizeof *out);
    for (size_t i = 0; i < qn; i++) {
        if (m->basis) {
            const float *v = m->basis + (size_t)qt[i] * k;
            for (size_t j = 0; j < k; j++) out[j] += qw[i] * v[j];
        } else { /* the stored codes: the same floats the row would hold */
            const int8_t *q = m->basis_q + (size_t)qt[i] * k;
            float s = m->basis_qscale[qt[i]];
            for (size_t j = 0; j < k; j++) out[j] += qw[i] * (s * (float)q[j]);
        }
    }
    double n = 0;
    for (size_t j = 0; j < k; j++) n += (double)out[j] * out[j];
    if (n > 0) {
        float inv = (float)(1.0 / sqrt(n));
        for (size_t j = 0; j < k; j++) out[j] *= inv;
    }
}
