/*
 * search.c — exact nearest-neighbour scans over an index (the oracle).
 *
 * Two scorers share one top-k heap:
 *   - TF-IDF: the query is scattered into a dense term array once, then every
 *     CSR row is a gather-dot over its non-zeros. That needs no second copy
 *     of the matrix, so a one-shot query uses it; once TF-IDF scans repeat
 *     (api/index.c: the 4th scan, or tenyo_index_warm), the index keeps the
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
 * The top-k is a min-heap over (score, doc); ties are broken by the smaller
 * document number so that results do not depend on scan order.
 */
#include "internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ top-k */

/* a is worse than b: lower score, or same score and larger doc number. */
static int worse(const tenyo_hit *a, const tenyo_hit *b) {
    if (a->score != b->score) return a->score < b->score;
    return a->doc > b->doc;
}

void ty_topk_init(ty_topk *t, tenyo_hit *storage, size_t k) {
    t->k = k;
    t->n = 0;
    t->h = storage;
}

static void sift_down(tenyo_hit *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m])) m = l;
        if (r < n && worse(&h[r], &h[m])) m = r;
        if (m == i) return;
        tenyo_hit tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

void ty_topk_insert(ty_topk *t, uint64_t doc, float score) {
    /* NaN, and -inf (a document an approximate search did not reach), never rank */
    if (t->k == 0 || isnan(score) || score == -INFINITY) return;
    tenyo_hit x = {doc, score};
    if (t->n < t->k) {
        size_t i = t->n++;
        t->h[i] = x;
        while (i > 0) {               /* sift up: root is the worst */
            size_t p = (i - 1) / 2;
            if (!worse(&t->h[i], &t->h[p])) break;
            tenyo_hit tmp = t->h[i];
            t->h[i] = t->h[p];
            t->h[p] = tmp;
            i = p;
        }
        return;
    }
    if (!worse(&t->h[0], &x)) return;
    t->h[0] = x;
    sift_down(t->h, t->n, 0);
}

static int cmp_best_first(const void *a, const void *b) {
    const tenyo_hit *x = a, *y = b;
    if (worse(x, y)) return 1;
    if (worse(y, x)) return -1;
    return 0;
}

size_t ty_topk_finish(ty_topk *t) {
    qsort(t->h, t->n, sizeof *t->h, cmp_best_first);
    return t->n;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

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
    if (!t) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = qw[i];
    memcpy(t, qt, qn * sizeof *t);
    qsort(t, qn, sizeof *t, cmp_u32);
    memset(scores, 0, ndocs * sizeof *scores);
    for (size_t i = 0; i < qn; i++) {
        if (i > 0 && t[i] == t[i - 1]) continue;
        float w = qdense[t[i]];
        for (uint64_t p = post->rowptr[t[i]]; p < post->rowptr[t[i] + 1]; p++)
            scores[post->col[p]] += w * post->val[p];
    }
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = 0.f;
    free(t);
    return TENYO_OK;
}

/* The k best of a whole score array, as pushing every score (but skip's)
 * into a ty_topk gives, for far fewer heap operations. A strided sample of
 * TOPK_SAMPLE scores gives a threshold T expected to pass about 2k + 16
 * scores; only scores >= T reach the heap. If at least k documents (skip
 * aside) pass, every document below T has k better ones and cannot be among
 * the k best, so the hits are the heap's exactly, ties included; if fewer
 * pass (an unlucky sample), the whole array goes through the heap. On a
 * 100k index a query's two selections (256 to re-score, then the k shown)
 * took as long as the scan itself with the heap alone. Rejected: a
 * histogram of the scores (cosines crowd into a few bins, and the
 * increments of one counter serialise: slower than the heap). */
#define TOPK_SAMPLE 4096
#define TOPK_MIN 16384 /* below this many scores, the heap alone */

size_t ty_topk_array(const float *s, uint64_t n, uint64_t skip, size_t k, tenyo_hit *out) {
    ty_topk t;
    ty_topk_init(&t, out, k);
    if (k == 0) return 0;
    uint64_t want = 2 * (uint64_t)k * TOPK_SAMPLE / (n ? n : 1) + 16; /* rank in the sample */
    if (n >= TOPK_MIN && want < TOPK_SAMPLE / 4) {
        tenyo_hit samp[TOPK_SAMPLE / 4];
        ty_topk st;
        ty_topk_init(&st, samp, (size_t)want);
        uint64_t stride = n / TOPK_SAMPLE;
        for (uint64_t i = 0; i < TOPK_SAMPLE; i++) ty_topk_push(&st, i, s[i * stride]);
        if (st.n == st.k && st.h[0].score > -INFINITY) {
            float thr = st.h[0].score; /* the heap's root: its worst */
            uint64_t passed = 0, d = 0;
            for (; d < n; d += 16) { /* chunks with nothing >= thr: one vector test */
                uint64_t e = n - d < 16 ? n : d + 16;
                int any = 0;
                if (e == d + 16)
                    for (int j = 0; j < 16; j++) any |= s[d + j] >= thr;
                else
                    any = 1;
                if (!any) continue;
                for (uint64_t i = d; i < e; i++)
                    if (s[i] >= thr && i != skip) {
                        passed++;
                        ty_topk_push(&t, i, s[i]);
                    }
            }
            if (passed >= k) return ty_topk_finish(&t);
            ty_topk_init(&t, out, k); /* too few passed: all of them */
        }
    }
    for (uint64_t d = 0; d < n; d++)
        if (d != skip) ty_topk_push(&t, d, s[d]);
    return ty_topk_finish(&t);
}

/* =============================================================== scans */

void ty_scan_tfidf(const ty_model *m, const uint32_t *qt, const float *qw,
                   size_t qn, float *qdense, float *scores) {
    const ty_csr *a = &m->tfidf;
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = qw[i];
    for (uint64_t d = 0; d < a->nrows; d++) {
        float s = 0.f;
        for (uint64_t j = a->rowptr[d]; j < a->rowptr[d + 1]; j++)
            s += qdense[a->col[j]] * a->val[j];
        scores[d] = s;
    }
    for (size_t i = 0; i < qn; i++) qdense[qt[i]] = 0.f;
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
