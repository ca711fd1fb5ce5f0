/*
 * prune.c — exact TF-IDF and hybrid top-k with dynamic pruning: find the
 * documents that can reach the top of a ranking without walking every
 * posting of the query's terms, and score exactly those. Opt-in
 * (TENYO_PRUNE=on at open; its tables, ~420 B a document, are built only
 * then): measured, it gives identical answers but is not faster (tfidf
 * 0.6-0.8x, hybrid 0.9-1.0x; bench/topk_bench.c).
 *
 * The score (search.c, api/ctx.c ty_ctx_score): a(d) = tf(d), the TF-IDF
 * cosine, or w tf(d) + v lsa(d) in hybrid mode (lsa stays a full scan).
 * Term-at-a-time MaxScore with block maxima, each document's bound dense:
 *   1. Query terms sorted by ub(t) = q(t) max_d x(t, d) (ty_bmax.tmax),
 *      largest first.
 *   2. Their postings are added into acc[d] in that order. The terms not
 *      yet walked are bounded per document by the smaller of the block
 *      maxima rb[b] (ranges of TY_PRUNE_RANGE documents) and Cauchy-Schwarz
 *      over TY_PRUNE_GROUPS groups of terms by document frequency (gnorm:
 *      each document's norm on a group, a byte each): the bound that prunes
 *      a long query. bound(d) = w (acc[d] + rem(d)) + v lsa(d) >= a(d).
 *   3. At checkpoints (1/32 of the postings, then doubling) theta, the
 *      rank-th best exact score of a pool of rank + 32 documents by partial
 *      estimate, selects the candidates with bound >= theta - slack - eps;
 *      the walk stops when verifying them costs less than walking on.
 *   4. Each candidate is scored by a row gather that adds the same products
 *      in the same order as the scan: the same bits.
 * The caller (api/ctx.c score_pruned) finishes as the scan does and checks
 * the final need-th best is still >= theta, else runs the full scan: the
 * results are identical, ties included (tests/test_prune.c).
 *
 * The int8 LSA part re-scores its best max(4 need, 256) exactly; slack, v
 * times the largest move that re-scoring can make, widens the candidate
 * test so that theta bounds the need-th best. eps = 1e-6 + 8 FLT_EPSILON
 * (terms + 4) covers the different order of the float sums.
 *
 * Rejected: WAND over sorted cursors (the hybrid part gives every document
 * a score, so its skip does not hold); bounding the LSA part by norms (v
 * for everyone: prunes nothing). Measurements and reasons in full:
 * docs/design.md, "Dynamic pruning".
 */
#include "search/search.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================== block maxima */

void ty_bmax_free(ty_bmax *b) {
    if (!b) return;
    free(b->ptr);
    free(b->rng);
    free(b->mx);
    free(b->tmax);
    free(b->tgroup);
    free(b->gnorm);
    memset(b, 0, sizeof *b);
}

int ty_bmax_build(const ty_csr *post, uint64_t ndocs, ty_bmax *out) {
    memset(out, 0, sizeof *out);
    uint64_t nt = post->nrows;
    out->nranges = (ndocs >> TY_PRUNE_SHIFT) + 1;
    out->ptr = ty_calloc(nt + 1, sizeof *out->ptr);
    out->tmax = ty_calloc(nt ? nt : 1, sizeof *out->tmax);
    if (!out->ptr || !out->tmax) goto nomem;
    /* count the distinct ranges of each term (postings ascend by document) */
    for (uint64_t t = 0; t < nt; t++) {
        uint64_t n = 0, last = UINT64_MAX;
        for (uint64_t p = post->rowptr[t]; p < post->rowptr[t + 1]; p++) {
            uint64_t b = post->col[p] >> TY_PRUNE_SHIFT;
            n += b != last;
            last = b;
        }
        out->ptr[t + 1] = out->ptr[t] + n;
    }
    uint64_t tot = out->ptr[nt];
    out->rng = ty_mallocarray(tot ? tot : 1, sizeof *out->rng);
    out->mx = ty_mallocarray(tot ? tot : 1, sizeof *out->mx);
    if (!out->rng || !out->mx) goto nomem;
    for (uint64_t t = 0; t < nt; t++) {
        uint64_t j = out->ptr[t], last = UINT64_MAX;
        float tm = 0;
        for (uint64_t p = post->rowptr[t]; p < post->rowptr[t + 1]; p++) {
            uint64_t b = post->col[p] >> TY_PRUNE_SHIFT;
            float x = post->val[p];
            if (b != last) {
                out->rng[j] = (uint32_t)b;
                out->mx[j++] = x;
                last = b;
            } else if (x > out->mx[j - 1])
                out->mx[j - 1] = x;
            if (x > tm) tm = x;
        }
        out->tmax[t] = tm;
    }
    /* term groups: terms by ascending document frequency cut into
     * TY_PRUNE_GROUPS runs of about equal postings; then each document's
     * norm on each group */
    out->tgroup = ty_mallocarray(nt ? nt : 1, sizeof *out->tgroup);
    out->gnorm = ty_mallocarray(ndocs ? ndocs : 1, TY_PRUNE_GROUPS * sizeof *out->gnorm);
    float *g2 = ty_calloc(ndocs ? ndocs : 1, TY_PRUNE_GROUPS * sizeof *g2);
    uint64_t *ord = ty_mallocarray(nt ? nt : 1, sizeof *ord);
    if (!out->tgroup || !out->gnorm || !g2 || !ord) {
        free(ord);
        free(g2);
        goto nomem;
    }
    uint64_t nnz = post->rowptr[nt];
    {
        for (uint64_t t = 0; t < nt; t++) ord[t] = (post->rowptr[t + 1] - post->rowptr[t]) << 32 | t;
        qsort(ord, nt, sizeof *ord, ty_cmp_u64);
        uint64_t run = 0;
        for (uint64_t i = 0; i < nt; i++) {
            uint64_t t = ord[i] & 0xffffffffu;
            uint64_t g = nnz ? run * TY_PRUNE_GROUPS / nnz : 0;
            out->tgroup[t] = (uint8_t)(g < TY_PRUNE_GROUPS ? g : TY_PRUNE_GROUPS - 1);
            run += post->rowptr[t + 1] - post->rowptr[t];
        }
    }
    free(ord);
    for (uint64_t t = 0; t < nt; t++)
        for (uint64_t p = post->rowptr[t]; p < post->rowptr[t + 1]; p++) {
            float x = post->val[p];
            g2[(uint64_t)post->col[p] * TY_PRUNE_GROUPS + out->tgroup[t]] += x * x;
        }
    /* steps of 1/254 rounded up, capped at 255 (rows are unit vectors, so
     * no group norm exceeds 1 + rounding < 255/254) */
    for (uint64_t i = 0; i < ndocs * TY_PRUNE_GROUPS; i++) {
        double u = ceil(sqrt((double)g2[i]) * (1 + 1e-5) * 254);
        out->gnorm[i] = (uint8_t)(u < 255 ? u : 255);
    }
    free(g2);
    return TENYO_OK;
nomem:
    ty_bmax_free(out);
    return TENYO_ERR_NOMEM;
}

/* ============================================================ scratch */

void ty_prune_scratch_free(ty_prune_scratch *s) {
    if (!s) return;
    free(s->acc);
    free(s->cand);
    free(s->ca);
    free(s->rb);
    free(s->pool);
    memset(s, 0, sizeof *s);
}

static int reserve(ty_prune_scratch *s, uint64_t nd, uint64_t nr, size_t np) {
    if (s->cap_docs < nd) {
        free(s->acc);
        free(s->cand);
        free(s->ca);
        s->acc = ty_mallocarray(nd, sizeof *s->acc);
        s->cand = ty_mallocarray(nd, sizeof *s->cand);
        s->ca = ty_mallocarray(nd, sizeof *s->ca);
        s->cap_docs = s->acc && s->cand && s->ca ? nd : 0;
        if (!s->cap_docs) return TENYO_ERR_NOMEM;
    }
    if (s->cap_ranges < nr) {
        free(s->rb);
        s->rb = ty_mallocarray(nr, sizeof *s->rb);
        s->cap_ranges = s->rb ? nr : 0;
        if (!s->rb) return TENYO_ERR_NOMEM;
    }
    if (s->cap_pool < np) {
        free(s->pool);
        s->pool = ty_mallocarray(np, sizeof *s->pool);
        s->cap_pool = s->pool ? np : 0;
        if (!s->pool) return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

/* ============================================================== scoring */

/* a(d) exactly as the scan computes it: the row gather (qdense holds the
 * query), then the hybrid combination. */
static float exact_score(const ty_prune_query *q, const uint64_t *bits, uint64_t d) {
    const ty_csr *a = q->rows;
    float t = 0.f;
    /* only the query's terms (bits: a bitmap that stays in L1 where
     * qdense does not): the others add +0, which leaves a sum that is
     * not -0 unchanged, so the bits are the full gather's */
    for (uint64_t j = a->rowptr[d]; j < a->rowptr[d + 1]; j++) {
        uint32_t c = a->col[j];
        if (bits[c >> 6] >> (c & 63) & 1) t += q->qdense[c] * a->val[j];
    }
    if (!q->lsa) return t;
    return q->w * t + q->v * q->lsa[d];
}

/* Rows fetched ahead of their verification: candidates lie far apart, so
 * each row is a miss the hardware prefetcher cannot foresee. */
#define PREFETCH 4
static void prefetch_row(const ty_csr *a, uint64_t d) {
    uint64_t j = a->rowptr[d], e = a->rowptr[d + 1];
    for (uint64_t o = j; o < e; o += 16) {
        __builtin_prefetch(a->col + o);
        __builtin_prefetch(a->val + o);
    }
}

/* The short-record factor applied to a (api/ctx.c shrink_short). */
static float shrunk(const ty_prune_query *q, uint64_t d, float a) {
    if (!(a > 0) || !q->nshort) return a;
    uint64_t lo = 0, hi = q->nshort;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (q->short_doc[mid] < d) lo = mid + 1;
        else hi = mid;
    }
    if (lo < q->nshort && q->short_doc[lo] == d) return a * q->short_f[lo];
    return a;
}

/* Order of terms: larger upper bound first, then term id (deterministic). */
typedef struct tsort {
    double ub;
    uint32_t t;
    float w;
} tsort;

static int cmp_tsort(const void *a, const void *b) {
    const tsort *x = a, *y = b;
    if (x->ub != y->ub) return x->ub < y->ub ? 1 : -1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int cmp_desc(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* theta from a pool: the np best documents by the partial estimate
 * w acc + v lsa (filtered documents left out), scored exactly; the rank-th
 * best of their scores less q->slack (shrunk when q->shrink), or -inf
 * when the pool has fewer than rank documents. */
static float pool_theta(const ty_prune_query *q, ty_prune_scratch *s, const uint64_t *bits,
                        uint64_t nd, size_t np) {
    ty_topk t;
    ty_topk_init(&t, s->pool, np);
    for (uint64_t d = 0; d < nd; d++) {
        if (q->mask && !q->mask[d]) continue;
        float e = q->lsa ? q->w * s->acc[d] + q->v * q->lsa[d] : s->acc[d];
        ty_topk_push(&t, d, e);
    }
    if (t.n < q->rank) return -INFINITY;
    float *v = (float *)(void *)s->ca; /* free until the candidates */
    for (size_t i = 0; i < t.n; i++) {
        uint64_t d = s->pool[i].doc;
        float a = exact_score(q, bits, d) - q->slack;
        v[i] = q->shrink ? shrunk(q, d, a) : a;
    }
    qsort(v, t.n, sizeof *v, cmp_desc);
    return v[q->rank - 1];
}

/* Cost of verifying one non-zero of a candidate's row against walking one
 * posting (random rows and their cache misses; measured at 100k). */
#define VERIFY_COST 8.0


int64_t ty_prune_run(const ty_prune_query *q, ty_prune_scratch *s, float *theta_out) {
    const ty_csr *post = q->post;
    const ty_bmax *bm = q->bm;
    uint64_t nd = q->rows->nrows, nr = bm->nranges;
    if (!nd || q->rank == 0 || q->rank > nd) return -1;
    size_t np = q->rank + 32;
    if (np > nd) np = nd;
    if (reserve(s, nd, nr, np)) return TENYO_ERR_NOMEM;
    /* the query scattered (a repeated term keeps its last weight, as the
     * scan's scatter does), then its distinct terms of weight > 0 */
    for (size_t i = 0; i < q->qn; i++) q->qdense[q->qt[i]] = q->qw[i];
    tsort *ts = ty_mallocarray(q->qn ? q->qn : 1, sizeof *ts);
    if (!ts) {
        for (size_t i = 0; i < q->qn; i++) q->qdense[q->qt[i]] = 0.f;
        return TENYO_ERR_NOMEM;
    }
    uint64_t nbits = (q->rows->ncols + 63) / 64;
    uint64_t *bits = ty_calloc(nbits ? nbits : 1, sizeof *bits);
    if (!bits) {
        free(ts);
        for (size_t i = 0; i < q->qn; i++) q->qdense[q->qt[i]] = 0.f;
        return TENYO_ERR_NOMEM;
    }
    size_t nt = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < q->qn; i++) {
        uint32_t t = q->qt[i];
        float w = q->qdense[t];
        if (!(w > 0) || w != w) continue;
        int dup = 0;
        for (size_t j = 0; j < nt && !dup; j++) dup = ts[j].t == t;
        if (dup) continue; /* (qn is small: a few hundred terms) */
        ts[nt++] = (tsort){(double)w * bm->tmax[t], t, w};
        bits[t >> 6] |= 1ull << (t & 63);
        total += post->rowptr[t + 1] - post->rowptr[t];
    }
    qsort(ts, nt, sizeof *ts, cmp_tsort);
    int64_t ret = -1;
    /* rb: every term's block maxima; a term walked is taken out of it */
    for (uint64_t b = 0; b < nr; b++) s->rb[b] = 0;
    for (size_t i = 0; i < nt; i++)
        for (uint64_t j = bm->ptr[ts[i].t]; j < bm->ptr[ts[i].t + 1]; j++)
            s->rb[bm->rng[j]] += (double)ts[i].w * bm->mx[j];
    memset(s->acc, 0, nd * sizeof *s->acc);
    const float eps = 1e-6f + 8 * FLT_EPSILON * (float)(nt + 4);
    double avgrow = (double)q->rows->rowptr[nd] / (double)nd + 1;
    float theta = -INFINITY;
    uint64_t walked = 0, cp = total / 32;
    size_t i = 0;
    uint64_t nc = 0;
    int redrawn = 0;
    for (;;) {
        for (; i < nt && (walked < cp || walked == 0); i++) { /* walk the next terms */
            uint32_t t = ts[i].t;
            float w = ts[i].w;
            for (uint64_t p = post->rowptr[t]; p < post->rowptr[t + 1]; p++)
                s->acc[post->col[p]] += w * post->val[p];
            for (uint64_t j = bm->ptr[t]; j < bm->ptr[t + 1]; j++)
                s->rb[bm->rng[j]] -= (double)w * bm->mx[j];
            walked += post->rowptr[t + 1] - post->rowptr[t];
        }
        /* checkpoint: raise theta, then gather the candidates while their
         * verification stays cheaper than the postings left */
        /* (the pool costs a pass and np row gathers: drawn at the first
         * checkpoint and once more past a quarter of the postings) */
        if (theta == -INFINITY || (!redrawn && walked * 4 >= total)) {
            float th = pool_theta(q, s, bits, nd, np);
            if (th > theta) theta = th;
            redrawn = theta != -INFINITY && walked * 4 >= total;
        }
        if (theta == -INFINITY) goto out;
        double left = (double)(total - walked);
        uint64_t cap = i < nt ? (uint64_t)(left / (VERIFY_COST * avgrow)) : nd / 4;
        float cut = theta - q->slack - 2 * eps;
        float qg[TY_PRUNE_GROUPS] = {0};
        {
            double g2[TY_PRUNE_GROUPS] = {0};
            for (size_t j = i; j < nt; j++) g2[bm->tgroup[ts[j].t]] += (double)ts[j].w * ts[j].w;
            for (int g = 0; g < TY_PRUNE_GROUPS; g++) qg[g] = (float)(sqrt(g2[g]) * (1 + 1e-5) / 254);
        }
        nc = 0;
        for (uint64_t b = 0; b < nr && nc <= cap; b++) {
            uint64_t d0 = b << TY_PRUNE_SHIFT, d1 = d0 + TY_PRUNE_RANGE < nd ? d0 + TY_PRUNE_RANGE : nd;
            float r = (float)(s->rb[b] * (1 + 1e-6)) + eps;
            for (uint64_t d = d0; d < d1; d++) {
                const uint8_t *gn = bm->gnorm + d * TY_PRUNE_GROUPS;
                float cs = eps;
                for (int g = 0; g < TY_PRUNE_GROUPS; g++) cs += qg[g] * (float)gn[g];
                float rd = cs < r ? cs : r;
                float bound = q->lsa ? q->w * (s->acc[d] + rd) + q->v * q->lsa[d] : s->acc[d] + rd;
                if (bound >= cut && (!q->mask || q->mask[d])) s->cand[nc++] = (uint32_t)d;
            }
        }
        if (nc <= cap) break;
        if (i == nt) goto out; /* too many at the end: the full scan is cheaper */
        cp = cp * 2 > walked ? cp * 2 : walked + 1; /* (walks at least one more term) */
    }
    for (uint64_t j = 0; j < nc; j++) {
        if (j + PREFETCH < nc) prefetch_row(q->rows, s->cand[j + PREFETCH]);
        s->ca[j] = exact_score(q, bits, s->cand[j]);
    }
    s->st_cand += nc;
    s->st_walked += walked;
    s->st_total += total;
    *theta_out = theta;
    ret = (int64_t)nc;
out:
    for (size_t j = 0; j < q->qn; j++) q->qdense[q->qt[j]] = 0.f;
    free(ts);
    free(bits);
    return ret;
}
