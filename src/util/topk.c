/*
 * topk.c — the k best (score, doc) pairs (util/).
 *
 * A min-heap over (score, doc) of capacity k; ties are broken by the
 * smaller document number so that results do not depend on scan order.
 * ty_topk_array selects from a whole score array through a sampled
 * threshold, as pushing every score would give. Used by the scans
 * (search/), the IVF, the pruned scan and the proposals (ideas/).
 */
#include "util/util.h"

#include <math.h>
#include <stdlib.h>

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

/* In place, by heapsort: the root (the worst) swapped to the end, the heap
 * shrunk and restored, n - 1 times, leaves the entries best first. "Worse"
 * is a strict total order (distinct documents), so the order is the one
 * qsort with cmp_best_first gave, without its indirect calls (it ends every
 * query of a batch; the gain was not measured apart on this shared
 * machine). */
size_t ty_topk_finish(ty_topk *t) {
    if (t->n < t->k || t->k == 0) { /* not a full heap: sort it whole */
        qsort(t->h, t->n, sizeof *t->h, cmp_best_first);
        return t->n;
    }
    for (size_t m = t->n; m > 1; m--) {
        tenyo_hit tmp = t->h[0];
        t->h[0] = t->h[m - 1];
        t->h[m - 1] = tmp;
        sift_down(t->h, m - 1, 0);
    }
    return t->n;
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

/* ============================================= by document ranges */

/* The k best of a score array split into contiguous ranges (4 per thread:
 * parts claimed by nt threads, ty_parallel_claim), each range's k best
 * found alone and the lists merged: the same hits, in the same order, as
 * one selection over the whole array.
 *
 * Why: "better" (higher score; at equal scores the smaller document) is a
 * strict total order on the eligible entries (NaN and -inf never rank;
 * document numbers are distinct), and the hits are the k first entries in
 * it. Take a global hit x, in range R: every entry of R better than x is
 * better than x overall, and fewer than k entries are, so x is among R's
 * k best, in R's list. The union U of the lists thus holds every global
 * hit and only eligible entries; an entry of U better than a global hit
 * is itself a global hit (fewer than k entries overall are better than
 * it), so U's k best in that order are exactly the global hits, and the
 * merge's sort gives them in the global order (tests/test_prune.c checks
 * 1 to 3 ranges bit for bit). */
typedef struct topk_par {
    const float *s;       /* the scores */
    uint64_t n, skip;     /* how many, the one left out (UINT64_MAX: none) */
    const uint8_t *keep;  /* per document: 0 left out, or NULL: all */
    size_t k;             /* hits wanted */
    tenyo_hit *part;      /* range t's hits at part + t k */
    size_t *np;           /* and their count */
} topk_par;

static int topk_par_worker(void *ud, int t, int nt) {
    topk_par *p = ud;
    uint64_t lo = ty_split(p->n, t, nt), hi = ty_split(p->n, t + 1, nt);
    tenyo_hit *out = p->part + (size_t)t * p->k;
    size_t n;
    if (p->keep) {
        ty_topk h;
        ty_topk_init(&h, out, p->k);
        for (uint64_t d = lo; d < hi; d++)
            if (p->keep[d] && d != p->skip) ty_topk_push(&h, d, p->s[d]);
        n = ty_topk_finish(&h);
    } else {
        uint64_t skip = p->skip >= lo && p->skip < hi ? p->skip - lo : UINT64_MAX;
        n = ty_topk_array(p->s + lo, hi - lo, skip, p->k, out);
        for (size_t i = 0; i < n; i++) out[i].doc += lo;
    }
    p->np[t] = n;
    return 0;
}

size_t ty_topk_ranges(const float *s, uint64_t n, uint64_t skip, const uint8_t *keep, size_t k,
                      int nt, tenyo_hit *out) {
    if (nt < 1 || k == 0) nt = 1;
    if (nt > 1) {
        nt = nt > TY_PAR_MAX ? 4 * TY_PAR_MAX : 4 * nt; /* the ranges */
        tenyo_hit *part = ty_mallocarray(k, (size_t)nt * sizeof *part);
        size_t *np = ty_mallocarray((size_t)nt, sizeof *np);
        if (part && np) {
            topk_par p = {s, n, skip, keep, k, part, np};
            ty_parallel_claim(nt / 4, nt, topk_par_worker, &p);
            ty_topk h; /* the merge: every list through one heap */
            ty_topk_init(&h, out, k);
            for (int t = 0; t < nt; t++)
                for (size_t i = 0; i < np[t]; i++)
                    ty_topk_push(&h, part[(size_t)t * k + i].doc, part[(size_t)t * k + i].score);
            free(part);
            free(np);
            return ty_topk_finish(&h);
        }
        free(part); /* no memory for the lists: one range */
        free(np);
    }
    size_t np1;
    tenyo_hit *o = out;
    topk_par p = {s, n, skip, keep, k, o, &np1};
    topk_par_worker(&p, 0, 1);
    return np1;
}
