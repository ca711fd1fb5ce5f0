/*
 * svd_fixed.c — the sums of the SVD that must not depend on how rows are
 * split over threads or processes: A^T Q and the Gram products are
 * accumulated in 64-bit fixed point (each term scaled by a power of two
 * bounded from the inputs), so that any order of addition, and the sum
 * over processes (one reduction of int64), gives the same bits; the
 * AVX-512 / AVX2 kernels are picked at run time (target_clones). svd.c's
 * opening comment gives why fixed point rather than compensated floats.
 */
#include "model/model.h"
#include "model/svd_run.h"

#include "model/blas.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ======================================= fixed-point, split-free sums */

/* Exponent e with |x| < 2^e (frexp: x = f 2^e, 0.5 <= f < 1; 0 for 0). */
static int bound_exp(double x) {
    int e = 0;
    (void)frexp(x, &e);
    return e;
}

/* Smallest c with 2^c >= n. */
static int ceil_log2(uint64_t n) {
    int c = 0;
    while (c < 63 && ((uint64_t)1 << c) < n) c++;
    return c;
}

/* The collective reductions of the row split (identities with one
 * process). A failure becomes a tenyo status with a message. */
int ty_svd_comm_sum(const svd_run *r, int64_t *x, size_t n) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->sum_i64(r->comm->ud, x, n);
    if (rc) ty_seterr(r->err, r->errlen, "svd: sum over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

/* Every process's rows of the terms block (row_len floats each) to all. */
int ty_svd_comm_gather(const svd_run *r, float *x, size_t row_len) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->gather_f32(r->comm->ud, x, row_len, r->toff);
    if (rc) ty_seterr(r->err, r->errlen, "svd: gather over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

int ty_svd_comm_max(const svd_run *r, double *x, size_t n) {
    if (!r->comm) return TENYO_OK;
    int rc = r->comm->max_f64(r->comm->ud, x, n);
    if (rc) ty_seterr(r->err, r->errlen, "svd: maximum over processes failed");
    return rc ? (rc < 0 ? rc : TENYO_ERR_DEPENDENCY) : TENYO_OK;
}

/* Scale of term t's fixed-point row of A^T Q when |Q| <= maxq: 2^(61 - e)
 * with the bound df_t max|a_t| maxq < 2^e, so a sum of block partials
 * stays below 2^62 (one bit of slack for the partials' float rounding). */
static double atq_scale(const svd_run *r, uint64_t t, double maxq) {
    return ldexp(1.0, 61 - bound_exp(r->tbound[t] * maxq));
}

/* acc[0..k) += f[0..k) on the grid of scale sc (acc = when !add: a term's
 * first block writes its row, so the block need not be zeroed first). The
 * conversion truncates (an inline cvttsd2si; llrint is a libm call per
 * element): any rounding fixed per value gives the same bits for every
 * split, and truncation's error, under one grid step per block, is 2^-61
 * of the bound. */
static inline void atq_fix(int64_t *restrict acc, const float *restrict f,
                           double sc, size_t k, int add) {
    for (size_t j = 0; j < k; j++)
        acc[j] = (add ? acc[j] : 0) + (int64_t)((double)f[j] * sc);
}

/* Sixteen floats: one AVX-512 register, two AVX2 or four SSE ones. */
typedef float svd_v16 __attribute__((vector_size(64)));
/* Eight floats, doubles, int64: one conversion step of the grid. */
typedef float svd_f8 __attribute__((vector_size(32)));
typedef double svd_d8 __attribute__((vector_size(64)));
typedef int64_t svd_i8 __attribute__((vector_size(64)));

/* atq_fix for eight entries in vector registers: the same conversions as
 * the scalar casts (float to double exactly, the product by a power of two
 * exactly, truncation to int64), so the same bits; AVX-512DQ has the
 * packed double <-> int64 conversions (the x86-64-v4 clone), the other
 * clones convert element by element. */
static inline void atq_fix8(int64_t *acc, const float *f, double sc, int add) {
    svd_f8 x;
    svd_i8 a = {0};
    memcpy(&x, f, sizeof x);
    if (add) memcpy(&a, acc, sizeof a);
    svd_d8 d = __builtin_convertvector(x, svd_d8) * sc;
    a += __builtin_convertvector(d, svd_i8);
    memcpy(acc, &a, sizeof a);
}

/* z[0..k) = acc[0..k) / sc as floats (inv = 1 / sc, a power of two: the
 * product is the exact quotient of the int64 rounded to double). */
static inline void atq_unfix8(float *z, const int64_t *acc, double inv) {
    svd_i8 a;
    memcpy(&a, acc, sizeof a);
    svd_d8 d = __builtin_convertvector(a, svd_d8) * inv;
    svd_f8 x = __builtin_convertvector(d, svd_f8);
    memcpy(z, &x, sizeof x);
}

/* Not under AddressSanitizer or ThreadSanitizer: the clones' resolver
 * runs while the loader relocates, before the sanitizer's run time has
 * started, and is instrumented all the same (ThreadSanitizer: SIGSEGV
 * before main); there the default version serves. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SVD_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define SVD_CLONES
#endif

/* One term's row of A^T Q in fixed point: acc[0..l) = the sum of the grid
 * values of each block's float sum over the postings [p, pe) (col: local
 * documents, sorted; at least one: the first block writes acc, the others
 * add, so acc needs no zeroing). Each block's sum runs panel by
 * panel in registers, like csr.c's gather kernel: element j is
 * ((0 + a_1 q_1j) + a_2 q_2j) + ... in posting order, a multiply then an
 * add (ISO C: no contraction), so every clone and panel width gives the
 * bits of the scalar loop. With z, the row is then also written there as
 * floats (acc / sc: one process). */
/* One block of atq_term: the postings from p up to the block's end
 * (returned), each column's float sum by 64-, 16-column panels and the
 * tail, put on the grid into acc (acc = when !add, += when add). Inlined
 * into each clone with add a constant: a run-time flag in the grid step
 * cost 2% of a 100k factorisation's instructions (callgrind). */
static inline __attribute__((always_inline)) uint64_t
atq_block(const uint32_t *col, const float *val, uint64_t p, uint64_t pe, const float *q,
          size_t l, uint64_t block, double sc, int64_t *acc, int add) {
    float tmp[64];
    uint64_t end = (col[p] / block + 1) * block, e = p;
    while (e < pe && col[e] < end) e++;
    size_t c0 = 0;
    for (; c0 + 64 <= l; c0 += 64) {
        svd_v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (uint64_t x = p; x < e; x++) {
            const float *qp = q + (size_t)col[x] * l + c0;
            svd_v16 v = (svd_v16){0} + val[x], y0, y1, y2, y3;
            memcpy(&y0, qp, sizeof y0);
            memcpy(&y1, qp + 16, sizeof y1);
            memcpy(&y2, qp + 32, sizeof y2);
            memcpy(&y3, qp + 48, sizeof y3);
            a0 = a0 + v * y0;
            a1 = a1 + v * y1;
            a2 = a2 + v * y2;
            a3 = a3 + v * y3;
        }
        memcpy(tmp, &a0, sizeof a0);
        memcpy(tmp + 16, &a1, sizeof a1);
        memcpy(tmp + 32, &a2, sizeof a2);
        memcpy(tmp + 48, &a3, sizeof a3);
        for (int j = 0; j < 64; j += 8) atq_fix8(acc + c0 + j, tmp + j, sc, add);
    }
    for (; c0 + 16 <= l; c0 += 16) {
        svd_v16 a0 = {0};
        for (uint64_t x = p; x < e; x++) {
            svd_v16 v = (svd_v16){0} + val[x], y0;
            memcpy(&y0, q + (size_t)col[x] * l + c0, sizeof y0);
            a0 = a0 + v * y0;
        }
        memcpy(tmp, &a0, sizeof a0);
        atq_fix8(acc + c0, tmp, sc, add);
        atq_fix8(acc + c0 + 8, tmp + 8, sc, add);
    }
    if (c0 < l) {
        size_t w = l - c0;
        for (size_t j = 0; j < w; j++) tmp[j] = 0;
        for (uint64_t x = p; x < e; x++) {
            const float *qp = q + (size_t)col[x] * l + c0;
            for (size_t j = 0; j < w; j++) tmp[j] = tmp[j] + val[x] * qp[j];
        }
        atq_fix(acc + c0, tmp, sc, w, add);
    }
    return e;
}

SVD_CLONES static void atq_term(const uint32_t *col, const float *val,
                                uint64_t p, uint64_t pe, const float *q,
                                size_t l, uint64_t block, double sc,
                                int64_t *acc, float *z) {
    /* the first block writes acc, the others add */
    p = atq_block(col, val, p, pe, q, l, block, sc, acc, 0);
    while (p < pe) p = atq_block(col, val, p, pe, q, l, block, sc, acc, 1);
    if (z) {
        double inv = 1.0 / sc;
        size_t j = 0;
        for (; j + 8 <= l; j += 8) atq_unfix8(z + j, acc + j, inv);
        for (; j < l; j++) z[j] = (float)((double)acc[j] * inv);
    }
}

/* Arguments of atq_chunk. */
typedef struct atq_args {
    const float *q;      /* this process's rows x l block Q */
    float *z;            /* ncols x l: A^T Q (one process) */
    int64_t *zi;         /* or the fixed-point sums of terms t0.. (row
                            split), a row each from its start */
    uint64_t t0;         /* the first term of the chunks' range */
    double maxq;         /* max |Q| over all processes */
} atq_args;

/* Rows [i0, i1) of A^T Q's terms t0 + i over the transpose: term t's
 * postings are walked in document order and cut at block boundaries (the
 * blocks of whole processes' shares); each block's float sum is rounded to
 * the term's fixed-point grid (truncating) and added in int64, where order
 * cannot matter. A term without postings here gets a zero row (of zi, or
 * one process's of z). */
static void atq_chunk(const svd_run *r, void *ctx, uint64_t i0, uint64_t i1,
                      size_t c, int t) {
    const atq_args *g = ctx;
    const ty_csr *at = &r->at;
    size_t l = (size_t)r->l;
    (void)c;
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t term = g->t0 + i, p0 = at->rowptr[term], p1 = at->rowptr[term + 1];
        if (p0 == p1) {
            if (g->zi) memset(g->zi + i * l, 0, l * sizeof *g->zi);
            else memset(g->z + term * l, 0, l * sizeof *g->z);
            continue;
        }
        int64_t *acc = g->zi ? g->zi + i * l : r->iscr + (size_t)t * l;
        atq_term(at->col, at->val, p0, p1, g->q, l, r->block,
                 atq_scale(r, term, g->maxq), acc, g->zi ? NULL : g->z + term * l);
    }
}

/* ------------------------------- A^T Q in document order, one process */

/* The same sums as atq_term, walked the other way: documents in order,
 * each posting's Q row added to its term's float sum of the current block
 * (szb), the block's sums put on the grid when the block ends. Within a
 * block each term's sum takes its postings in document order with the same
 * operations ((0 + a_1 q_1j) + a_2 q_2j ...), so the bits are atq_term's;
 * what changes is the memory walk: a document's Q row is read once and
 * the term rows it meets are few and hot (Zipf), where the per-term walk
 * gathers a random Q row for every posting (15% of a 60,910-document
 * build's cycles, 13.5% of a 200k one's). Each worker owns a range of
 * terms (about equal postings) and walks every document for them: in each
 * row (its columns ascend) from its first term, found by binary search,
 * to its last, reading the Q rows of the documents that have one.
 *
 * Bands. The fixed-point rows (sacc) and the block sums (szb) take 12
 * bytes a term and column; the vocabulary is cut into bands of
 * consecutive terms whose rows take TY_SVD_BAND_BYTES (16 MiB: 5,140
 * terms at l = 272), and each band is one walk over every document with
 * the band's rows in sacc and szb (the same buffers for every band and
 * call). A term belongs to one band, so its sums are the same operations
 * in the same order whatever the bands: the same bits. Why bands of a
 * cache's size rather than the whole vocabulary: the rows a block's
 * postings add to are random within the band, and a band that stays in
 * the last-level cache (32 MiB on the benchmark machine) costs fewer
 * misses than the extra reads of Q's rows (a document's row is read once
 * per band that holds one of its terms) cost; and the blocks are written
 * fresh once per build, which a virtual machine charges for. Measured
 * (bench/build_bench, the SVD of 200k and 1M generated documents, two
 * threads): the whole vocabulary in bands of 256 MiB 11.8 / 54.0 s, of
 * 6,000 terms 8.7-9.2 s, of 5,000 38.0 s, of 3,000 9.5-9.8 s,
 * of 30,000 48.1 s (docs/design.md, bench/HISTORY.md).
 *
 * Rows split over processes with the reduce-scatter (atq_rounds): each
 * round's slice of each process's terms is a band, walked over this
 * process's rows, its fixed-point rows left in the round's block (zr) for
 * the sum (a term without postings here: a zero row); the blocks are the
 * same global blocks as the per-term walk's (a process's rows start on a
 * block boundary), so the same bits. Without the reduce-scatter (a comm
 * that sums whole), the per-term form over the transpose serves. */
typedef struct atqs_args {
    svd_run *r;
    const float *q;      /* rows x l */
    float *z;            /* ncols x l: the result, or NULL: the band's
                            rows stay in acc, in fixed point */
    int64_t *acc;        /* the band's fixed-point rows (r->sacc; a round's
                            slice of r->zr when rows are split) */
    double maxq;         /* max |Q| */
    uint32_t base;       /* blocks numbered before this call */
    uint64_t lo;         /* the band's first term (row 0 of acc, szb) */
    uint64_t range[TY_PAR_MAX + 1]; /* each worker's terms in the band */
} atqs_args;

/* The block's sums of terms touch[0..nt) onto the grid (acc written by a
 * term's first block of this call, added to after). */
SVD_CLONES static void atqs_flush(const svd_run *r, const atqs_args *g, const uint32_t *touch, size_t nt,
                       uint32_t blk) {
    size_t l = (size_t)r->l;
    (void)blk;
    for (size_t i = 0; i < nt; i++) {
        uint32_t t = touch[i];
        int64_t *acc = g->acc + (size_t)(t - g->lo) * l;
        const float *f = r->szb + (size_t)(t - g->lo) * l;
        double sc = atq_scale(r, t, g->maxq);
        int add = r->sstamp[t] >> 31; /* set once this call wrote acc */
        size_t j = 0;
        if (add) {
            for (; j + 8 <= l; j += 8) atq_fix8(acc + j, f + j, sc, 1);
            atq_fix(acc + j, f + j, sc, l - j, 1);
        } else {
            for (; j + 8 <= l; j += 8) atq_fix8(acc + j, f + j, sc, 0);
            atq_fix(acc + j, f + j, sc, l - j, 0);
        }
    }
}

static inline __attribute__((always_inline)) void
atqs_post(float *restrict zr, const float *restrict qd, float v, size_t l) {
    svd_v16 vv = (svd_v16){0} + v;
    size_t c = 0;
    for (; c + 16 <= l; c += 16) {
        svd_v16 x, y;
        memcpy(&x, zr + c, sizeof x);
        memcpy(&y, qd + c, sizeof y);
        x = x + vv * y;
        memcpy(zr + c, &x, sizeof x);
    }
    for (; c < l; c++) zr[c] = zr[c] + v * qd[c];
}

/* Documents [b0, b1) (block blk) for terms [t0, t1) of the band from lo:
 * each posting's Q row added to its term's sum; the terms first met in the
 * block listed in touch (their count returned). */
SVD_CLONES static size_t atqs_block(svd_run *r, const float *q, uint32_t base, uint32_t blk,
                                    uint64_t b0, uint64_t b1, uint64_t t0, uint64_t t1,
                                    uint64_t lo, uint32_t *touch) {
    const ty_csr *a = r->a;
    size_t l = (size_t)r->l, nt = 0;
    for (uint64_t d = b0; d < b1; d++) {
        const float *qd = q + (size_t)d * l;
        uint64_t pe = a->rowptr[d + 1];
        for (uint64_t p = t0 ? ty_csr_lower_bound(a, d, t0) : a->rowptr[d]; p < pe; p++) {
            uint32_t t = a->col[p];
            if (t >= t1) break; /* a row's columns ascend */
            float *zr = r->szb + (size_t)(t - lo) * l;
            uint32_t st = r->sstamp[t];
            if ((st & 0x7fffffffu) != blk) {
                /* first posting in this block: its previous block's sum
                 * is on the grid already */
                if ((st & 0x7fffffffu) <= base) st = 0; /* new this call */
                r->sstamp[t] = (st & 0x80000000u) | blk;
                touch[nt++] = t;
                memset(zr, 0, l * sizeof *zr);
            }
            atqs_post(zr, qd, a->val[p], l);
        }
    }
    return nt;
}

static int atqs_worker(void *ud, int w, int nw) {
    const atqs_args *g = ud;
    svd_run *r = g->r;
    const ty_csr *a = r->a;
    size_t l = (size_t)r->l;
    uint64_t t0 = g->range[w], t1 = g->range[w + 1];
    uint32_t *touch = r->stouch + t0; /* room for the worker's own terms */
    (void)nw;
    if (t0 == t1) return TENYO_OK; /* a band narrower than the workers */
    /* sstamp: low 31 bits the block whose sum szb holds, the top bit set
     * once this call wrote the term's acc row */
    for (uint64_t b0 = 0, k = 0; b0 < a->nrows; b0 += r->block, k++) {
        uint32_t blk = g->base + (uint32_t)k + 1;
        uint64_t b1 = b0 + r->block < a->nrows ? b0 + r->block : a->nrows;
        size_t nt = atqs_block(r, g->q, g->base, blk, b0, b1, t0, t1, g->lo, touch);
        /* onto the grid; the first flush of a term this call writes acc */
        atqs_flush(r, g, touch, nt, blk);
        for (size_t i = 0; i < nt; i++) r->sstamp[touch[i]] |= 0x80000000u;
    }
    /* the rows as floats (or left in fixed point); a term without
     * postings: zero */
    for (uint64_t t = t0; t < t1; t++) {
        uint32_t st = r->sstamp[t];
        int none = !(st >> 31) || (st & 0x7fffffffu) <= g->base;
        if (!g->z) {
            if (none) memset(g->acc + (size_t)(t - g->lo) * l, 0, l * sizeof *g->acc);
            continue;
        }
        float *zt = g->z + (size_t)t * l;
        if (none) {
            memset(zt, 0, l * sizeof *zt);
            continue;
        }
        const int64_t *acc = g->acc + (size_t)(t - g->lo) * l;
        double inv = 1.0 / atq_scale(r, t, g->maxq);
        size_t j = 0;
        for (; j + 8 <= l; j += 8) atq_unfix8(zt + j, acc + j, inv);
        for (; j < l; j++) zt[j] = (float)((double)acc[j] * inv);
    }
    return TENYO_OK;
}

static uint64_t round_lo(const svd_run *r, int p, uint64_t g);

int ty_svd_scatter_setup(svd_run *r, const int64_t *cnt) {
    uint64_t n = r->a->ncols;
    size_t l = (size_t)r->l;
    int split = r->comm && r->comm->size > 1;
    if (!n || !l || r->threads < 1) return 0;
    /* rows split over processes: only with the reduce-scatter's rounds,
     * whose slices are the bands */
    if (split && !r->zr) return 0;
    /* block numbers (31 bits) for every call of the run */
    if ((r->a->nrows / r->block + 1) * 1024 >= 0x7fffffffu) return 0;
    /* the band: split, the largest slice of a round; one process, the
     * terms whose blocks take TY_SVD_BAND_BYTES, at least 256
     * (TENYO_SVD_BAND=N, tests and benchmarks: N terms) */
    uint64_t band = 0;
    if (split) {
        for (uint32_t g = 0; g < r->nround; g++)
            for (int p = 0; p < r->comm->size; p++) {
                uint64_t c = round_lo(r, p, g + 1) - round_lo(r, p, g);
                if (c > band) band = c;
            }
        if (!band) band = 1;
    } else {
        band = (uint64_t)(TY_SVD_BAND_BYTES / ((double)l * 12));
        if (band < 256) band = 256;
        const char *e = getenv("TENYO_SVD_BAND");
        if (e && *e) {
            char *end;
            unsigned long long v = strtoull(e, &end, 10);
            if (!*end && v) band = v;
        }
    }
    if (band > n) band = n;
    r->sband = band;
    r->sacc = split ? NULL : ty_mallocarray((size_t)band * l, sizeof *r->sacc);
    r->szb = ty_mallocarray((size_t)band * l, sizeof *r->szb);
    r->sstamp = ty_calloc(n, sizeof *r->sstamp);
    r->stouch = ty_mallocarray(n, sizeof *r->stouch);
    r->spre = ty_mallocarray((size_t)n + 1, sizeof *r->spre);
    if ((!split && !r->sacc) || !r->szb || !r->sstamp || !r->stouch || !r->spre) {
        ty_svd_scatter_free(r); /* the per-term form serves */
        return 0;
    }
    /* the postings before each term: the workers' shares of a band */
    r->spre[0] = 0;
    for (uint64_t i = 0; i < n; i++) r->spre[i + 1] = r->spre[i] + (uint64_t)cnt[i];
    return 1;
}

/* The workers' terms of band [lo, hi): contiguous, about equal postings
 * (the first term whose postings before it, in the band, reach each
 * worker's share). */
static void atqs_ranges(const svd_run *r, uint64_t lo, uint64_t hi, uint64_t *rg) {
    int nw = r->threads;
    uint64_t tot = r->spre[hi] - r->spre[lo], t = lo;
    rg[0] = lo;
    for (int w = 1; w < nw; w++) {
        uint64_t want = r->spre[lo] + tot / (uint64_t)nw * (uint64_t)w;
        while (t < hi && r->spre[t] < want) t++;
        rg[w] = t;
    }
    rg[nw] = hi;
}

/* One band's pass: terms [lo, hi) of A^T Q in document order, their
 * fixed-point rows in acc (from lo), as floats in z when z is not NULL. */
static void atqs_band(svd_run *r, const float *q, float *z, int64_t *acc, double mq,
                      uint64_t lo, uint64_t hi) {
    atqs_args sg = {.r = r, .q = q, .z = z, .acc = acc, .maxq = mq, .base = r->sblk, .lo = lo};
    atqs_ranges(r, lo, hi, sg.range);
    ty_parallel(r->threads, atqs_worker, &sg);
}

void ty_svd_scatter_free(svd_run *r) {
    free(r->sacc);
    free(r->szb);
    free(r->sstamp);
    free(r->stouch);
    free(r->spre);
    r->sband = 0;
    r->sacc = NULL;
    r->szb = NULL;
    r->sstamp = NULL;
    r->stouch = NULL;
    r->spre = NULL;
}

/* ------------------------- the sum over processes, a round at a time */

/* Bytes of one round's packed rows (every process's slice): the sum over
 * processes moves the terms block (ncols x l int64: 1.3 GB at 600,000
 * terms) in rounds of this size instead of whole, so neither the block
 * nor the reduce-scatter's copies of it are ever held at once.
 * TENYO_SVD_ROUND_ROWS=N (tests) sets the rows of a round instead. */
#define SVD_ROUND_BYTES ((uint64_t)64 << 20)

/* First term of process p's slice of round g: its terms [toff[p],
 * toff[p+1]) cut into nround even slices. */
static uint64_t round_lo(const svd_run *r, int p, uint64_t g) {
    uint64_t c = r->toff[p + 1] - r->toff[p];
    return r->toff[p] + c * g / r->nround;
}

uint64_t ty_svd_rounds(svd_run *r) {
    uint64_t n = r->a->ncols, l = (uint64_t)r->l;
    int np = r->comm->size, me = r->comm->rank;
    uint64_t per = SVD_ROUND_BYTES / (l * sizeof(int64_t));
    const char *e = getenv("TENYO_SVD_ROUND_ROWS");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (!*end && v) per = v;
    }
    if (!per) per = 1;
    uint64_t g = (n + per - 1) / per;
    r->nround = (uint32_t)(g < 1 ? 1 : g > UINT32_MAX ? UINT32_MAX : g);
    uint64_t mine = 0;
    r->zr_rows = 0;
    for (uint64_t k = 0; k < r->nround; k++) {
        uint64_t tot = 0;
        for (int p = 0; p < np; p++) {
            uint64_t c = round_lo(r, p, k + 1) - round_lo(r, p, k);
            tot += c;
            if (p == me && c > mine) mine = c;
        }
        if (tot > r->zr_rows) r->zr_rows = tot;
    }
    return mine;
}

/* A^T Q summed over the processes in r->nround rounds: in round g every
 * process computes its fixed-point rows of each process's g-th slice,
 * packed in process order, and one reduce-scatter leaves the sums of its
 * own slice, which become its rows of z. The same int64 rows and the same
 * sums as one reduction of the whole block: integer addition in any
 * grouping. */
static int atq_rounds(svd_run *r, const float *q, float *z, double mq) {
    size_t l = (size_t)r->l;
    int np = r->comm->size, me = r->comm->rank, rc = TENYO_OK;
    uint64_t *ro = ty_mallocarray((size_t)np + 1, sizeof *ro);
    if (!ro) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for the sum's rounds");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t g = 0; g < r->nround && !rc; g++) {
        ro[0] = 0;
        for (int p = 0; p < np; p++) {
            uint64_t lo = round_lo(r, p, g), hi = round_lo(r, p, g + 1);
            int64_t *acc = r->zr + (size_t)ro[p] * l;
            if (r->szb) { /* in document order: the slice is a band */
                if (hi > lo) atqs_band(r, q, NULL, acc, mq, lo, hi);
            } else {
                atq_args sl = {.q = q, .zi = acc, .t0 = lo, .maxq = mq};
                ty_svd_run_chunks(r, atq_chunk, &sl, hi - lo);
            }
            ro[p + 1] = ro[p] + (hi - lo);
        }
        rc = r->comm->sum_scatter_i64(r->comm->ud, r->zr, r->zsum, l, ro);
        if (rc) {
            ty_seterr(r->err, r->errlen, "svd: sum over processes failed");
            rc = rc < 0 ? rc : TENYO_ERR_DEPENDENCY;
            break;
        }
        for (uint64_t i = round_lo(r, me, g), e = round_lo(r, me, g + 1), j = 0; i < e; i++, j++) {
            double inv = 1.0 / atq_scale(r, i, mq);
            const int64_t *si = r->zsum + (size_t)j * l;
            for (size_t k = 0; k < l; k++) z[i * l + k] = (float)((double)si[k] * inv);
        }
    }
    free(ro);
    return rc;
}

/* Z = A^T Q for the row-split Q (this process's rows x l, orthonormal
 * columns over all processes): with one process all ncols x l; split,
 * only this process's chunk rows of the terms block (r->toff) are valid
 * afterwards (its orth pass reads only those, then gathers). Exact over
 * fixed blocks: see the top. */
int ty_svd_at_mul(svd_run *r, const float *q, uint64_t rows, float *z) {
    size_t l = (size_t)r->l;
    double mq = 0;
    for (size_t i = 0; i < (size_t)rows * l; i++) {
        double a = fabsf(q[i]);
        if (a > mq) mq = a;
    }
    int rc = ty_svd_comm_max(r, &mq, 1);
    if (rc) return rc;
    uint32_t nblk = (uint32_t)((rows + r->block - 1) / r->block);
    if (r->sacc) { /* one process, in document order, band by band */
        uint64_t n = r->a->ncols;
        for (uint64_t lo = 0; lo < n; lo += r->sband)
            atqs_band(r, q, z, r->sacc, mq, lo, lo + r->sband < n ? lo + r->sband : n);
        r->sblk += nblk;
        return TENYO_OK;
    }
    /* the per-term form walks A^T: made by its first product, not before
     * (a build's keyword index packs beside the SVD's first steps) */
    if (!r->szb && !r->have_at) {
        if (r->before_at) r->before_at(r->before_at_ud);
        r->before_at = NULL;
        if ((rc = ty_csr_transpose(r->a, &r->at))) {
            ty_seterr(r->err, r->errlen, "svd: cannot transpose the %llu x %llu matrix",
                      (unsigned long long)r->a->nrows, (unsigned long long)r->a->ncols);
            return rc;
        }
        r->have_at = 1;
    }
    if (r->zr) { /* split, reduce-scattered: a round's slices in document
                  * order (r->szb: the slices are the bands) or per term */
        rc = atq_rounds(r, q, z, mq);
        r->sblk += nblk;
        return rc;
    }
    atq_args g = {.q = q, .z = z, .zi = r->zi, .maxq = mq};
    ty_svd_run_chunks(r, atq_chunk, &g, r->a->ncols);
    if (!r->zi) return TENYO_OK; /* one process: z is written */
    /* split, summed whole in place (a comm without the reduce-scatter) */
    int me = r->comm->rank;
    if ((rc = ty_svd_comm_sum(r, r->zi, (size_t)r->toff[r->comm->size] * l))) return rc;
    for (uint64_t i = r->toff[me]; i < r->toff[me + 1]; i++) {
        double inv = 1.0 / atq_scale(r, i, mq);
        const int64_t *si = r->zi + (size_t)i * l;
        for (size_t j = 0; j < l; j++) z[i * l + j] = (float)((double)si[j] * inv);
    }
    return TENYO_OK;
}

/* tbound[t] = df_t * max_d |a_dt| over all processes (exact: an integer
 * sum and a maximum), from A's rows: no transpose is needed for it. */
int ty_svd_term_bounds(svd_run *r) {
    const ty_csr *a = r->a;
    uint64_t n = a->ncols, nnz = a->rowptr ? a->rowptr[a->nrows] : 0;
    int64_t *cnt = ty_calloc(n ? n : 1, sizeof *cnt);
    double *mx = ty_calloc(n ? n : 1, sizeof *mx);
    int rc = TENYO_ERR_NOMEM;
    if (!cnt || !mx) {
        ty_seterr(r->err, r->errlen, "svd: out of memory for term bounds");
        goto done;
    }
    for (uint64_t p = 0; p < nnz; p++) {
        uint32_t t = a->col[p];
        double v = fabsf(a->val[p]);
        cnt[t]++;
        if (v > mx[t]) mx[t] = v;
    }
    if ((rc = ty_svd_comm_sum(r, cnt, n)) || (rc = ty_svd_comm_max(r, mx, n))) goto done;
    for (uint64_t t = 0; t < n; t++) r->tbound[t] = (double)cnt[t] * mx[t];
    (void)ty_svd_scatter_setup(r, cnt); /* the document-order form, when it fits */
done:
    free(cnt);
    free(mx);
    return rc;
}

void ty_svd_fixed_free(svd_run *r) {
    free(r->zi);
    free(r->zr);
    r->zr = NULL;
    free(r->zsum);
    free(r->iscr);
    free(r->iacc);
    r->zi = r->zsum = r->iscr = r->iacc = NULL;
    ty_svd_scatter_free(r);
}

/* The Gram matrix Y^T Y of the row-split block y (split: this process's
 * rows x l), or of the terms block every process holds whole (its chunks
 * tc_lo..tc_hi here, the others' elsewhere), into r->chol (upper, double),
 * the same bits for any split: each
 * chunk's float partial (ssyrk) is rounded to a fixed-point grid whose
 * scale for entry (i, j) is 2^(62 - c - e_i - e_j), with max|Y_:i| < 2^e_i
 * over all processes and 2^c >= all rows, so |sum| < 2^62; the int64 sums
 * are reduced exactly and scaled back. The grid step is 2^-62 of that
 * bound: ~2^-42 of a diagonal entry at 10^6 rows, beyond double's. */
int ty_svd_gram_fixed(svd_run *r, float *y, uint64_t rows, int split) {
    size_t ll = (size_t)r->l;
    /* the terms block is whole everywhere: its chunks are shared out */
    size_t c_lo = split ? 0 : r->tc_lo;
    size_t c_hi = split ? ty_svd_chunk_count(r, rows) : r->tc_hi;
    double *mx = r->colmax;
    int rc;
    ty_svd_run_chunk_range(r, ty_svd_gram_chunk, y, rows, c_lo, c_hi);
    for (size_t j = 0; j < ll; j++) mx[j] = 0;
    /* the maxima of this process's rows, then over all processes */
    uint64_t i1 = (uint64_t)c_hi * r->block < rows ? (uint64_t)c_hi * r->block : rows;
    for (uint64_t i = (uint64_t)c_lo * r->block; i < i1; i++) {
        const float *yi = y + i * ll;
        for (size_t j = 0; j < ll; j++)
            if (fabsf(yi[j]) > mx[j]) mx[j] = fabsf(yi[j]);
    }
    if ((rc = ty_svd_comm_max(r, mx, ll))) return rc;
    uint64_t all = split ? r->mtot : rows;
    int c = ceil_log2(all ? all : 1);
    for (size_t j = 0; j < ll; j++) {
        int e = bound_exp(mx[j]);
        r->csc[j] = ldexp(1.0, 62 - c - e);
        r->ctc[j] = ldexp(1.0, -e);
    }
    memset(r->iacc, 0, ll * ll * sizeof *r->iacc);
    for (size_t q = c_lo; q < c_hi; q++) {
        const float *pq = r->part + q * ll * ll;
        for (size_t i = 0; i < ll; i++)
            for (size_t j = i; j < ll; j++)
                r->iacc[i * ll + j] +=
                    (int64_t)((double)pq[i * ll + j] * r->csc[i] * r->ctc[j]);
    }
    if ((rc = ty_svd_comm_sum(r, r->iacc, ll * ll))) return rc;
    for (size_t i = 0; i < ll; i++)
        for (size_t j = 0; j < ll; j++)
            r->chol[i * ll + j] =
                j >= i ? (double)r->iacc[i * ll + j] / r->csc[i] / r->ctc[j] : 0.0;
    return TENYO_OK;
}
