/*
 * ivf.c — approximate nearest-neighbour search over the LSA document
 * vectors: an inverted file (IVF) of spherical k-means lists.
 *
 * A query is scored against the nlist centroids (their int8 copy), the
 * nprobe best lists are visited, their members scored with the int8 kernel
 * of search/quant.c, the best `rerank` of those re-scored exactly (from the
 * float vectors, or the float16 copy, search/half.c, when the index has
 * one: ty_ivf_query.f16), and the best k returned. At nlist = 4 sqrt(n) a
 * query reads nprobe / nlist of the int8 codes; the only error left is a
 * true neighbour in a list not probed (recall@k: bench/ann_bench.c).
 *
 * Design: spherical k-means trained on a sample (min(n, 64 nlist), Knuth's
 * selection sampling), random initial centroids, 10 iterations; the
 * assignment step is one cblas_sgemm per block of rows and an argmax (ties
 * to the lower list), the update a double sum in sample order, empty lists
 * refilled by splitting the largest: the centroids do not depend on the
 * thread count. Each list's int8 codes (ty_q8 rows) lie contiguous in list
 * order, so a probe streams through ty_q8_scan; the query is quantised
 * once. Ids are u32. The blob keeps only what training decided (centroids,
 * sizes, ids). An index reads the lists alone (no codes): a probe scores
 * its members from the index's own int8 rows by id (ty_q8_scan_ids, the
 * same bits as the list's codes), so an open copies nothing and reads no
 * row; lists remapped to the documents of updates, and callers that give
 * float rows (tests, bench), gather codes in list order.
 * Training in steps (ty_ivf_plan_new, ty_ivf_train_with and its assignment
 * callback, ty_ivf_assign, ty_ivf_lists) lets tenyo-mpi assign rows where
 * they live and get the same bytes as ty_ivf_build.
 * Rejected: HNSW (a graph of 2M links a document, slow to build, pointer
 * chasing int8 SIMD cannot stream); IVF-PQ (too coarse without a large
 * re-rank); k-means++ seeding (nlist passes over the sample); float list
 * scans (4x the bytes). Measurements and reasons: docs/design.md,
 * "Approximate search".
 *
 * Blob layout, version 1 (ty_ivf_write / ty_ivf_read; integers and IEEE
 * 754 binary32 floats little-endian):
 *
 *   offset        size        field
 *   0             8           magic "TENYOIVF"
 *   8             4           version (1)
 *   12            4           flags (must be 0)
 *   16            8           n: documents
 *   24            4           dim
 *   28            4           nlist (1..n)
 *   32            8           seed used in training
 *   40            8           train: sample size (nlist..n)
 *   48            4           iters run (<= TY_IVF_MAX_ITERS)
 *   52            4           reserved (0)
 *   56            4*nlist*dim centroids, row-major, finite
 *   C = 56+4*nlist*dim
 *   C             4*nlist     u32 members per list (sum = n)
 *   C+4*nlist     4*n         u32 document numbers, list by list,
 *                             ascending within a list, a permutation of
 *                             0..n-1
 *   end-8         8           FNV-1a 64 of every byte before it
 *
 * Format history: 1 (tenyo 0.1.0) this layout. A reader refuses newer
 * versions (TENYO_ERR_VERSION). Declarations: search/ivf.h.
 */
#include "search/search.h"

#include "model/blas.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IVF_MAGIC "TENYOIVF"
#define IVF_VERSION 1u
#define IVF_HEADER 56u               /* bytes before the centroids */
#define IVF_DEFAULT_ITERS 10
#define TY_IVF_MAX_ITERS 1000        /* cap on iterations (options, blobs) */
#define IVF_BLOCK_FLOATS (1u << 22)  /* score block of the assignment: 16 MiB */
#define IVF_MAX_THREADS TY_PAR_MAX   /* cap on assignment threads */

/* ============================================================== random */

/* splitmix64: small, seedable, the same stream on every platform. */
static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unif(uint64_t *s) {
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Knuth's selection sampling (TAOCP 3.4.2, algorithm S): m distinct
 * indices of 0..N-1, uniformly, written ascending to out[m]. m <= N. */
static void sample_ascending(uint64_t N, uint64_t m, uint64_t *rng,
                             uint64_t *out) {
    uint64_t got = 0;
    for (uint64_t t = 0; got < m && t < N; t++) {
        /* select t with probability (m - got) / (N - t) */
        if ((double)(N - t) * rng_unif(rng) < (double)(m - got)) out[got++] = t;
    }
}

/* ============================================================= helpers */

/* Scale x[k] to unit length; a zero vector stays zero. */
static void unit(float *x, size_t k) {
    double s = 0;
    for (size_t i = 0; i < k; i++) s += (double)x[i] * x[i];
    if (!(s > 0)) return;
    float inv = (float)(1.0 / sqrt(s));
    for (size_t i = 0; i < k; i++) x[i] *= inv;
}

/* ========================================================== assignment */

/* An assignment, shared by its workers. */
typedef struct asg_job {
    const float *x;     /* rows, dim floats each */
    const float *c;     /* nlist x dim centroids */
    uint32_t dim;       /* vector length */
    uint32_t nlist;     /* centroids */
    uint64_t nrows;     /* rows of x */
    uint32_t *out;      /* nearest centroid per row (indexed from 0 = row 0) */
} asg_job;

/* ty_parallel worker t of nt: the nearest centroid (largest dot product,
 * lowest index on ties) of each row of its contiguous range, by blocks of
 * rows through cblas_sgemm. TENYO_OK or TENYO_ERR_NOMEM. */
static int asg_run(void *ud, int t, int nt) {
    const asg_job *j = ud;
    uint64_t lo = ty_split(j->nrows, t, nt), hi = ty_split(j->nrows, t + 1, nt);
    size_t bmax = IVF_BLOCK_FLOATS / j->nlist;
    if (bmax < 1) bmax = 1;
    if (bmax > hi - lo) bmax = (size_t)(hi - lo);
    float *sc = ty_mallocarray(bmax ? bmax : 1, (size_t)j->nlist * sizeof *sc);
    if (!sc) return TENYO_ERR_NOMEM;
    for (uint64_t r0 = lo; r0 < hi; r0 += bmax) {
        size_t b = hi - r0 < bmax ? (size_t)(hi - r0) : bmax;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)j->nlist,
                    (int)j->dim, 1.f, j->x + r0 * j->dim, (int)j->dim, j->c,
                    (int)j->dim, 0.f, sc, (int)j->nlist);
        for (size_t r = 0; r < b; r++) {
            const float *row = sc + r * j->nlist;
            uint32_t best = 0;
            float bs = row[0];
            for (uint32_t l = 1; l < j->nlist; l++)
                if (row[l] > bs) {
                    bs = row[l];
                    best = l;
                }
            j->out[r0 + r] = best;
        }
    }
    free(sc);
    return TENYO_OK;
}

/* out[i] = nearest of the nlist centroids c to row i of x (nrows x dim),
 * over `threads` workers (contiguous row ranges; fewer than 1 means 1).
 * The answer does not depend on threads or blocking. TENYO_OK or
 * TENYO_ERR_NOMEM. */
static int assign_rows(const float *x, uint64_t nrows, const float *c,
                       uint32_t nlist, uint32_t dim, int threads,
                       uint32_t *out) {
    asg_job j = {x, c, dim, nlist, nrows, out};
    /* no more threads than OpenBLAS has room for under ulimit -v */
    int w = ty_blas_room(ty_parallel_workers(threads < 1 ? 1 : threads, nrows, 1), 0, NULL, 0);
    return w < 1 ? TENYO_ERR_NOMEM : ty_parallel(w, asg_run, &j);
}

/* ============================================================= k-means */

/* The one-process assignment step of k-means (ty_ivf_train): every
 * sample row here, over the plan's threads. */
typedef struct sample_job {
    const float *s;     /* the sample, m x dim */
    int threads;        /* assignment threads */
} sample_job;

static int sample_assign(void *ud, const float *cent, uint32_t nlist, uint32_t dim,
                         uint64_t m, uint32_t *asg, char *err, size_t errlen) {
    const sample_job *j = ud;
    int rc = assign_rows(j->s, m, cent, nlist, dim, j->threads, asg);
    if (rc)
        ty_seterr(err, errlen, "ivf: out of memory assigning %llu sample rows to %u lists",
                  (unsigned long long)m, nlist);
    return rc;
}


/* Spherical k-means on the sample s (m x dim unit rows) into c (nlist x
 * dim, initialised by the caller), `iters` iterations. The assignment
 * step is fn(ud, ...) (sample_assign below in one process; tenyo-mpi's
 * callback has every process assign the sample rows it holds): asg[i] =
 * nearest centroid of sample row i, checked here (< nlist) before it
 * indexes anything. The update is here, over s in sample order. cnt
 * (nlist) is scratch; acc is nlist x dim doubles. Returns the iterations
 * run, or the callback's status (err set by it), or TENYO_ERR_CORRUPT for
 * an assignment out of range (err set). */
static int kmeans(const float *s, uint64_t m, uint32_t dim, uint32_t nlist,
                  int iters, ty_ivf_assign_fn fn, void *ud, uint64_t *rng, float *c,
                  uint32_t *asg, uint64_t *cnt, double *acc, char *err, size_t errlen) {
    int it;
    for (it = 0; it < iters; it++) {
        int rc = fn(ud, c, nlist, dim, m, asg, err, errlen);
        if (rc) return rc;
        for (uint64_t i = 0; i < m; i++)
            if (asg[i] >= nlist) {
                ty_seterr(err, errlen,
                          "ivf: k-means iteration %d put sample row %llu in list %u of %u",
                          it, (unsigned long long)i, asg[i], nlist);
                return TENYO_ERR_CORRUPT;
            }
        memset(acc, 0, (size_t)nlist * dim * sizeof *acc);
        memset(cnt, 0, (size_t)nlist * sizeof *cnt);
        for (uint64_t i = 0; i < m; i++) {
            double *a = acc + (size_t)asg[i] * dim;
            const float *row = s + i * dim;
            for (uint32_t d = 0; d < dim; d++) a[d] += row[d];
            cnt[asg[i]]++;
        }
        for (uint32_t l = 0; l < nlist; l++) {
            if (!cnt[l]) continue;
            float *cl = c + (size_t)l * dim;
            for (uint32_t d = 0; d < dim; d++) cl[d] = (float)acc[(size_t)l * dim + d];
            unit(cl, dim);
        }
        /* empty lists: split the largest list's centroid in two, pushed
         * apart along a random sign pattern */
        for (uint32_t l = 0; l < nlist; l++) {
            if (cnt[l]) continue;
            uint32_t big = 0;
            for (uint32_t j = 1; j < nlist; j++)
                if (cnt[j] > cnt[big]) big = j;
            if (cnt[big] < 2) break; /* nothing left to split */
            float *cl = c + (size_t)l * dim, *cb = c + (size_t)big * dim;
            for (uint32_t d = 0; d < dim; d++) {
                float e = (rng_next(rng) & 1) ? 1.f / 1024 : -1.f / 1024;
                cl[d] = cb[d] * (1 + e);
                cb[d] = cb[d] * (1 - e);
            }
            unit(cl, dim);
            unit(cb, dim);
            cnt[l] = cnt[big] / 2;
            cnt[big] -= cnt[l];
        }
    }
    return it;
}

/* =============================================================== build */

/* Group the documents by list (counting sort: ascending within a list)
 * and fill off, ids and maxlist from asg (n). */
static void group_lists(ty_ivf *v, const uint32_t *asg) {
    memset(v->off, 0, ((size_t)v->nlist + 1) * sizeof *v->off);
    for (uint64_t i = 0; i < v->n; i++) v->off[asg[i] + 1]++;
    v->maxlist = 0;
    for (uint32_t l = 0; l < v->nlist; l++) {
        if (v->off[l + 1] > v->maxlist) v->maxlist = v->off[l + 1];
        v->off[l + 1] += v->off[l];
    }
    /* off[l] is used as the fill cursor of list l, then restored */
    for (uint64_t i = 0; i < v->n; i++) v->ids[v->off[asg[i]]++] = (uint32_t)i;
    for (uint32_t l = v->nlist; l > 0; l--) v->off[l] = v->off[l - 1];
    v->off[0] = 0;
}

/* Fill the codes of v (list order) from q8 (rows in document order) when
 * given, else by quantising x. */
static void fill_codes(ty_ivf *v, const float *x, const ty_q8 *q8) {
    size_t k = v->dim;
    for (uint64_t p = 0; p < v->n; p++) {
        uint64_t d = v->ids[p];
        if (q8) {
            memcpy(v->q + p * k, q8->q + d * k, k);
            v->scale[p] = q8->scale[d];
            v->sum[p] = q8->sum[d];
        } else {
            ty_q8_quantize(x + d * k, k, v->q + p * k, &v->scale[p], &v->sum[p]);
        }
    }
}

/* Allocate the member arrays of v for v->n, v->dim, v->nlist. */
static int alloc_members(ty_ivf *v) {
    v->cent = ty_mallocarray((size_t)v->nlist * v->dim, sizeof *v->cent);
    v->off = ty_mallocarray((size_t)v->nlist + 1, sizeof *v->off);
    v->ids = ty_mallocarray(v->n, sizeof *v->ids);
    v->q = ty_mallocarray(v->n, v->dim);
    v->scale = ty_mallocarray(v->n, sizeof *v->scale);
    v->sum = ty_mallocarray(v->n, sizeof *v->sum);
    return v->cent && v->off && v->ids && v->q && v->scale && v->sum ? TENYO_OK
                                                                     : TENYO_ERR_NOMEM;
}

/* Allocate the centroids, offsets and ids of v, no codes (lists read alone). */
static int alloc_lists(ty_ivf *v) {
    v->cent = ty_mallocarray((size_t)v->nlist * v->dim, sizeof *v->cent);
    v->off = ty_mallocarray((size_t)v->nlist + 1, sizeof *v->off);
    v->ids = ty_mallocarray(v->n, sizeof *v->ids);
    return v->cent && v->off && v->ids ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* Allocate the member arrays of v but the centroids (trained already). */
static int alloc_codes(ty_ivf *v) {
    v->off = ty_mallocarray((size_t)v->nlist + 1, sizeof *v->off);
    v->ids = ty_mallocarray(v->n, sizeof *v->ids);
    v->q = ty_mallocarray(v->n, v->dim);
    v->scale = ty_mallocarray(v->n, sizeof *v->scale);
    v->sum = ty_mallocarray(v->n, sizeof *v->sum);
    return v->off && v->ids && v->q && v->scale && v->sum ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* ==================================================== build in steps */

int ty_ivf_plan_new(uint64_t n, uint32_t dim, const ty_ivf_opts *o, ty_ivf_plan *p,
                    char *err, size_t errlen) {
    if (!p) return TENYO_ERR_ARG;
    memset(p, 0, sizeof *p);
    if (!o || n == 0 || dim == 0 || dim > TY_MAX_DIM) {
        ty_seterr(err, errlen, "ivf: bad arguments (n %llu, dim %u)",
                  (unsigned long long)n, dim);
        return TENYO_ERR_ARG;
    }
    if (n > UINT32_MAX) {
        ty_seterr(err, errlen, "ivf: %llu documents, at most %u",
                  (unsigned long long)n, UINT32_MAX);
        return TENYO_ERR_LIMIT;
    }
    uint64_t nlist = o->nlist;
    if (nlist == 0) {
        nlist = (uint64_t)llround(4.0 * sqrt((double)n));
        if (nlist < 1) nlist = 1;
        if (nlist > n) nlist = n;
    }
    int iters = o->iters ? o->iters : IVF_DEFAULT_ITERS;
    if (nlist > n) { /* a list is the cell of one centroid: it needs a document */
        ty_seterr(err, errlen, "%llu IVF lists asked for %llu documents: there cannot be "
                  "more lists than documents (at most %llu)", (unsigned long long)nlist,
                  (unsigned long long)n, (unsigned long long)n);
        return TENYO_ERR_ARG;
    }
    if (iters < 0 || iters > TY_IVF_MAX_ITERS || o->threads < 0 ||
        o->threads > IVF_MAX_THREADS || (uint64_t)nlist * dim > INT_MAX) {
        ty_seterr(err, errlen,
                  "ivf: bad options (nlist %llu for %llu documents, iters %d, threads %d)",
                  (unsigned long long)nlist, (unsigned long long)n, iters, o->threads);
        return TENYO_ERR_ARG;
    }
    uint64_t train = o->train ? o->train : (nlist * 64 < n ? nlist * 64 : n);
    if (train > n) train = n;
    if (train < nlist) train = nlist;
    p->n = n;
    p->dim = dim;
    p->nlist = (uint32_t)nlist;
    p->train = train;
    p->iters = iters;
    p->seed = o->seed;
    p->threads = o->threads;
    p->rng = o->seed ^ 0x74656e796f697666ull;
    if (train < n) { /* the sample: x itself when it is all of x */
        p->pick = ty_mallocarray(train, sizeof *p->pick);
        if (!p->pick) {
            ty_seterr(err, errlen, "ivf: out of memory (%llu x %u, %llu lists)",
                      (unsigned long long)n, dim, (unsigned long long)nlist);
            return TENYO_ERR_NOMEM;
        }
        sample_ascending(n, train, &p->rng, p->pick);
    }
    return TENYO_OK;
}

void ty_ivf_plan_free(ty_ivf_plan *p) {
    if (!p) return;
    free(p->pick);
    memset(p, 0, sizeof *p);
}

int ty_ivf_train(ty_ivf_plan *p, const float *s, ty_ivf *out, char *err, size_t errlen) {
    if (!p) return TENYO_ERR_ARG;
    sample_job j = {s, p->threads};
    return ty_ivf_train_with(p, s, sample_assign, &j, out, err, errlen);
}

int ty_ivf_train_with(ty_ivf_plan *p, const float *s, ty_ivf_assign_fn fn, void *ud,
                      ty_ivf *out, char *err, size_t errlen) {
    if (!p || !s || !fn || !out || !p->nlist) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    uint64_t train = p->train, nlist = p->nlist;
    uint32_t dim = p->dim;
    int rc = TENYO_ERR_NOMEM;
    uint64_t *pick = ty_mallocarray(nlist, sizeof *pick), *cnt = NULL;
    uint32_t *asg = ty_mallocarray(train, sizeof *asg);
    double *acc = NULL;
    out->n = p->n;
    out->dim = dim;
    out->nlist = p->nlist;
    out->seed = p->seed;
    out->train = train;
    out->cent = ty_mallocarray((size_t)nlist * dim, sizeof *out->cent);
    cnt = ty_mallocarray(nlist, sizeof *cnt);
    acc = ty_mallocarray(nlist, (size_t)dim * sizeof *acc);
    if (!pick || !asg || !out->cent || !cnt || !acc) {
        ty_seterr(err, errlen, "ivf: out of memory (%llu x %u, %llu lists)",
                  (unsigned long long)p->n, dim, (unsigned long long)nlist);
        goto cleanup;
    }
    /* initial centroids: nlist distinct sample rows */
    sample_ascending(train, nlist, &p->rng, pick);
    for (uint64_t l = 0; l < nlist; l++) {
        memcpy(out->cent + l * dim, s + pick[l] * dim, dim * sizeof *out->cent);
        unit(out->cent + l * dim, dim);
    }
    int it = kmeans(s, train, dim, (uint32_t)nlist, p->iters, fn, ud, &p->rng, out->cent, asg,
                    cnt, acc, err, errlen);
    if (it < 0) { /* err set by kmeans or the callback */
        rc = it;
        goto cleanup;
    }
    out->iters = (uint32_t)it;
    rc = TENYO_OK;
cleanup:
    if (rc) ty_ivf_free(out);
    free(pick);
    free(asg);
    free(cnt);
    free(acc);
    return rc;
}

int ty_ivf_assign(const ty_ivf *v, const float *x, uint64_t nrows, int threads,
                  uint32_t *out) {
    if (!v || !v->cent || (nrows && (!x || !out))) return TENYO_ERR_ARG;
    if (!nrows) return TENYO_OK;
    return assign_rows(x, nrows, v->cent, v->nlist, v->dim, threads, out);
}

int ty_ivf_lists(ty_ivf *v, const uint32_t *asg) {
    if (!v || !asg || !v->nlist) return TENYO_ERR_ARG;
    for (uint64_t i = 0; i < v->n; i++)
        if (asg[i] >= v->nlist) return TENYO_ERR_ARG;
    free(v->off);
    free(v->ids);
    v->off = ty_mallocarray((size_t)v->nlist + 1, sizeof *v->off);
    v->ids = ty_mallocarray(v->n ? v->n : 1, sizeof *v->ids);
    if (!v->off || !v->ids) return TENYO_ERR_NOMEM;
    group_lists(v, asg);
    return TENYO_OK;
}

int ty_ivf_build(const float *x, uint64_t n, uint32_t dim,
                 const ty_ivf_opts *o, ty_ivf *out, char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!x) {
        ty_seterr(err, errlen, "ivf: bad arguments (n %llu, dim %u)",
                  (unsigned long long)n, dim);
        return TENYO_ERR_ARG;
    }
    ty_ivf_plan p;
    int rc = ty_ivf_plan_new(n, dim, o, &p, err, errlen);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    float *smp = NULL;
    uint32_t *asg = NULL;
    /* the sample: x itself when it is all of x */
    const float *s = x;
    if (p.pick) {
        smp = ty_mallocarray(p.train, (size_t)dim * sizeof *smp);
        if (!smp) goto nomem;
        for (uint64_t i = 0; i < p.train; i++)
            memcpy(smp + i * dim, x + p.pick[i] * dim, dim * sizeof *smp);
        s = smp;
    }
    rc = ty_ivf_train(&p, s, out, err, errlen);
    if (rc) goto cleanup;
    free(smp);
    smp = NULL;
    rc = TENYO_ERR_NOMEM;
    asg = ty_mallocarray(n, sizeof *asg);
    if (!asg || alloc_codes(out)) goto nomem;
    /* every document to its nearest final centroid */
    rc = assign_rows(x, n, out->cent, out->nlist, dim, o->threads, asg);
    if (rc) goto nomem;
    group_lists(out, asg);
    fill_codes(out, x, NULL);
    rc = ty_q8_build(out->cent, out->nlist, dim, &out->cq);
    if (rc) goto nomem;
    goto cleanup;
nomem:
    ty_seterr(err, errlen, "ivf: out of memory (%llu x %u, %llu lists)",
              (unsigned long long)n, dim, (unsigned long long)p.nlist);
cleanup:
    if (rc) ty_ivf_free(out);
    ty_ivf_plan_free(&p);
    free(smp);
    free(asg);
    return rc;
}

void ty_ivf_free(ty_ivf *v) {
    if (!v) return;
    free(v->cent);
    free(v->off);
    free(v->ids);
    free(v->q);
    free(v->scale);
    free(v->sum);
    ty_q8_free(&v->cq);
    memset(v, 0, sizeof *v);
}

uint64_t ty_ivf_bytes(const ty_ivf *v) {
    if (!v) return 0;
    return (uint64_t)v->nlist * (v->dim * sizeof(float) + v->dim + 8) +
           ((uint64_t)v->nlist + 1) * sizeof(uint64_t) +
           v->n * (sizeof(uint32_t) + (v->q ? v->dim + sizeof(float) + sizeof(int32_t) : 0));
}

/* ============================================================== search */

/* Make scratch array s->F (capacity s->C) hold at least `want` entries;
 * returns TENYO_ERR_NOMEM from the enclosing function when it cannot. */
#define SCRATCH_GROW(s, F, C, want)                                         \
    do {                                                                  \
        size_t w_ = (want);                                               \
        if ((s)->C < w_) {                                                \
            void *t_ = ty_reallocarray((s)->F, w_, sizeof *(s)->F);        \
            if (!t_) return TENYO_ERR_NOMEM;                              \
            (s)->F = t_;                                                  \
            (s)->C = w_;                                                  \
        }                                                                 \
    } while (0)

int ty_ivf_search(const ty_ivf *v, const float *x, const float *q, size_t k,
                  const ty_ivf_query *o, ty_ivf_scratch *s, tenyo_hit *hits) {
    if (!v || !v->cent || !v->cq.q || !q || !o || !s || (k && !hits) || k > INT_MAX)
        return TENYO_ERR_ARG;
    /* lists read alone score their members from the rows given */
    const ty_q8 *base = v->q ? NULL : o->base;
    if (!v->q && (!base || base->n != v->n || base->dim != v->dim || !base->q))
        return TENYO_ERR_ARG;
    if (k == 0) return 0;
    uint32_t nprobe = o->nprobe < 1 ? 1 : o->nprobe > v->nlist ? v->nlist : o->nprobe;
    size_t r = o->rerank ? (o->rerank > k ? o->rerank : k) : k;
    if (r > v->n) r = (size_t)v->n;
    if (r < k) r = k;
    SCRATCH_GROW(s, cs, cs_cap, v->nlist);
    SCRATCH_GROW(s, probe, probe_cap, nprobe);
    SCRATCH_GROW(s, s, s_cap, v->maxlist ? (size_t)v->maxlist : 1);
    SCRATCH_GROW(s, cand, cand_cap, r);
    size_t dim = v->dim;
    /* centroid scores by the int8 kernel: they only order the probes */
    ty_q8_query qp; /* quantised once for the centroids and every list */
    ty_q8_prepare(q, dim, &qp);
    ty_q8_scan_prepared(&v->cq, &qp, s->cs);
    ty_topk pt;
    ty_topk_init(&pt, s->probe, nprobe);
    for (uint32_t l = 0; l < v->nlist; l++) ty_topk_push(&pt, l, s->cs[l]);
    /* a NaN query scores no centroid: nothing to probe */
    ty_topk ct;
    ty_topk_init(&ct, s->cand, r);
    for (size_t i = 0; i < pt.n; i++) {
        uint64_t l = pt.h[i].doc, a = v->off[l], b = v->off[l + 1];
        if (a == b) continue;
        if (base) {
            ty_q8_scan_ids(base, &qp, v->ids + a, (size_t)(b - a), s->s);
        } else {
            ty_q8 view = {b - a, dim, v->q + a * dim, v->scale + a, v->sum + a, 1, 0, NULL};
            ty_q8_scan_prepared(&view, &qp, s->s);
        }
        /* candidates by member position (ids ascend within a list, so
         * position order is document order there: ties break the same) */
        for (uint64_t j = 0; j < b - a; j++) ty_topk_push(&ct, a + j, s->s[j]);
    }
    if (o->rerank) {
        /* exact scores: from the float rows when given, else from the
         * float16 rows when given (2 bytes a component, ~5e-4 relative:
         * what lifts recall past the codes' ~1e-3; half.c), else from
         * the codes the lists hold (the index's own vectors: quant.c) */
        ty_q8 all = {v->n, dim, v->q, v->scale, v->sum, 1, 0, NULL};
        for (size_t i = 0; i < ct.n; i++) {
            uint64_t p = ct.h[i].doc;
            ct.h[i].doc = v->ids[p];
            ct.h[i].score = x        ? cblas_sdot((int)dim, x + ct.h[i].doc * dim, 1, q, 1)
                            : o->f16 ? ty_f16_dot(o->f16 + ct.h[i].doc * dim, q, dim)
                            : base   ? ty_q8_dot(base, ct.h[i].doc, q)
                                     : ty_q8_dot(&all, p, q);
        }
        ty_topk best;
        ty_topk_init(&best, hits, k);
        for (size_t i = 0; i < ct.n; i++) ty_topk_push(&best, ct.h[i].doc, ct.h[i].score);
        return (int)ty_topk_finish(&best);
    }
    size_t got = ty_topk_finish(&ct);
    /* positions to documents, equal scores by document (the order the
     * API promises; which of several equal scores at the k-th place were
     * kept followed list order) */
    ty_topk out;
    ty_topk_init(&out, hits, k);
    for (size_t i = 0; i < got; i++) ty_topk_push(&out, v->ids[ct.h[i].doc], ct.h[i].score);
    return (int)ty_topk_finish(&out);
}

void ty_ivf_scratch_free(ty_ivf_scratch *s) {
    if (!s) return;
    free(s->cs);
    free(s->probe);
    free(s->s);
    free(s->cand);
    memset(s, 0, sizeof *s);
}

/* ======================================================= serialisation */


/* Bytes of a version-1 blob for n documents, dim and nlist, or 0 when the
 * size overflows. */
static uint64_t blob_size(uint64_t n, uint32_t dim, uint32_t nlist) {
    size_t c, t;
    if (ty_mul_overflow((size_t)nlist, (size_t)dim, &c) || ty_mul_overflow(c, 4, &c))
        return 0;
    if (ty_mul_overflow((size_t)n, 4, &t)) return 0;
    uint64_t sz = (uint64_t)IVF_HEADER + c + 4ull * nlist;
    if (sz + t < sz || sz + t + 8 < sz + t) return 0;
    return sz + t + 8;
}

int ty_ivf_write(const ty_ivf *v, ty_buf *out) {
    if (!v || !out || !v->cent || !v->nlist) return TENYO_ERR_ARG;
    uint64_t sz = blob_size(v->n, v->dim, v->nlist);
    if (!sz || sz > SIZE_MAX) return TENYO_ERR_NOMEM;
    size_t start = out->len;
    if (ty_buf_reserve(out, (size_t)sz)) return TENYO_ERR_NOMEM;
    unsigned char *p = (unsigned char *)out->p + start, *b = p;
    memcpy(p, IVF_MAGIC, 8);
    ty_put_le32(p + 8, IVF_VERSION);
    ty_put_le32(p + 12, 0);
    ty_put_le64(p + 16, v->n);
    ty_put_le32(p + 24, v->dim);
    ty_put_le32(p + 28, v->nlist);
    ty_put_le64(p + 32, v->seed);
    ty_put_le64(p + 40, v->train);
    ty_put_le32(p + 48, v->iters);
    ty_put_le32(p + 52, 0);
    p += IVF_HEADER;
    for (size_t i = 0; i < (size_t)v->nlist * v->dim; i++, p += 4) {
        uint32_t u;
        memcpy(&u, &v->cent[i], 4);
        ty_put_le32(p, u);
    }
    for (uint32_t l = 0; l < v->nlist; l++, p += 4)
        ty_put_le32(p, (uint32_t)(v->off[l + 1] - v->off[l]));
    for (uint64_t i = 0; i < v->n; i++, p += 4) ty_put_le32(p, v->ids[i]);
    ty_put_le64(p, ty_fnv1a(b, (size_t)(p - b)));
    out->len = start + (size_t)sz;
    out->p[out->len] = '\0';
    return TENYO_OK;
}

/* Parse and check a blob for n x dim vectors into out: centroids, offsets
 * and ids; the member codes are allocated but not filled, cq not built. */
static int ivf_parse(const void *blob, size_t len, uint64_t n, uint32_t dim, int codes,
                     ty_ivf *out, char *err, size_t errlen) {
    const unsigned char *b = blob;
    int rc = TENYO_ERR_CORRUPT;
    unsigned char *seen = NULL;
    if (len < IVF_HEADER + 8 || memcmp(b, IVF_MAGIC, 8)) {
        ty_seterr(err, errlen, "ivf: not an IVF blob (%zu bytes, bad magic or too short)", len);
        goto cleanup;
    }
    uint32_t ver = ty_get_le32(b + 8);
    if (ver > IVF_VERSION) {
        ty_seterr(err, errlen, "ivf: blob version %u is newer than this reader (%u)", ver,
                  IVF_VERSION);
        rc = TENYO_ERR_VERSION;
        goto cleanup;
    }
    if (ver == 0) {
        ty_seterr(err, errlen, "ivf: blob version 0");
        goto cleanup;
    }
    if (ty_get_le64(b + len - 8) != ty_fnv1a(b, len - 8)) {
        ty_seterr(err, errlen, "ivf: checksum mismatch (damaged blob, %zu bytes)", len);
        goto cleanup;
    }
    uint64_t bn = ty_get_le64(b + 16), seed = ty_get_le64(b + 32), train = ty_get_le64(b + 40);
    uint32_t bdim = ty_get_le32(b + 24), nlist = ty_get_le32(b + 28), iters = ty_get_le32(b + 48);
    if (ty_get_le32(b + 12) || ty_get_le32(b + 52)) {
        ty_seterr(err, errlen, "ivf: nonzero flags or reserved field");
        goto cleanup;
    }
    if (bn != n || bdim != dim) {
        ty_seterr(err, errlen, "ivf: blob is for %llu x %u vectors, index has %llu x %u",
                  (unsigned long long)bn, bdim, (unsigned long long)n, dim);
        rc = TENYO_ERR_MISMATCH;
        goto cleanup;
    }
    if (nlist == 0 || nlist > n || (uint64_t)nlist * dim > INT_MAX || train < nlist ||
        train > n || iters > TY_IVF_MAX_ITERS) {
        ty_seterr(err, errlen, "ivf: bad header (nlist %u, train %llu, iters %u)", nlist,
                  (unsigned long long)train, iters);
        goto cleanup;
    }
    uint64_t want = blob_size(n, dim, nlist);
    if (!want || want != len) {
        ty_seterr(err, errlen, "ivf: blob is %zu bytes, its header implies %llu", len,
                  (unsigned long long)want);
        goto cleanup;
    }
    out->n = n;
    out->dim = dim;
    out->nlist = nlist;
    out->seed = seed;
    out->train = train;
    out->iters = iters;
    seen = calloc((size_t)n, 1);
    if (!seen || (codes ? alloc_members(out) : alloc_lists(out))) {
        rc = TENYO_ERR_NOMEM;
        ty_seterr(err, errlen, "ivf: out of memory reading %llu x %u", (unsigned long long)n,
                  dim);
        goto cleanup;
    }
    const unsigned char *p = b + IVF_HEADER;
    for (size_t i = 0; i < (size_t)nlist * dim; i++, p += 4) {
        uint32_t u = ty_get_le32(p);
        memcpy(&out->cent[i], &u, 4);
        if (!isfinite(out->cent[i])) {
            ty_seterr(err, errlen, "ivf: centroid %zu is not finite", i / dim);
            goto cleanup;
        }
    }
    out->off[0] = 0;
    for (uint32_t l = 0; l < nlist; l++, p += 4) {
        uint64_t c = ty_get_le32(p);
        if (c > n - out->off[l]) {
            ty_seterr(err, errlen, "ivf: list %u overruns the %llu documents", l,
                      (unsigned long long)n);
            goto cleanup;
        }
        out->off[l + 1] = out->off[l] + c;
        if (c > out->maxlist) out->maxlist = c;
    }
    if (out->off[nlist] != n) {
        ty_seterr(err, errlen, "ivf: lists hold %llu documents, not %llu",
                  (unsigned long long)out->off[nlist], (unsigned long long)n);
        goto cleanup;
    }
    for (uint32_t l = 0; l < nlist; l++) {
        for (uint64_t i = out->off[l]; i < out->off[l + 1]; i++, p += 4) {
            uint32_t d = ty_get_le32(p);
            if (d >= n || seen[d] || (i > out->off[l] && d <= out->ids[i - 1])) {
                ty_seterr(err, errlen,
                          "ivf: list %u member %llu: document %u out of range, repeated "
                          "or out of order",
                          l, (unsigned long long)(i - out->off[l]), d);
                goto cleanup;
            }
            seen[d] = 1;
            out->ids[i] = d;
        }
    }
    rc = TENYO_OK;
cleanup:
    if (rc) ty_ivf_free(out);
    free(seen);
    return rc;
}

int ty_ivf_read(const void *blob, size_t len, const float *x, uint64_t n,
                uint32_t dim, const ty_q8 *q8, ty_ivf *out, char *err,
                size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!blob || n == 0 || dim == 0 || dim > TY_MAX_DIM || n > UINT32_MAX ||
        (q8 && (q8->n != n || q8->dim != dim || !q8->q || !q8->scale || !q8->sum))) {
        ty_seterr(err, errlen, "ivf: bad arguments to read (n %llu, dim %u)",
                  (unsigned long long)n, dim);
        return TENYO_ERR_ARG;
    }
    int rc = ivf_parse(blob, len, n, dim, x || q8, out, err, errlen);
    if (rc) return rc;
    if (x || q8) fill_codes(out, x, q8);
    rc = ty_q8_build(out->cent, out->nlist, dim, &out->cq);
    if (rc) {
        ty_seterr(err, errlen, "ivf: out of memory reading %llu x %u",
                  (unsigned long long)n, dim);
        ty_ivf_free(out);
    }
    return rc;
}

int ty_ivf_read_remap(const void *blob, size_t len, uint64_t n0, const uint64_t *map,
                      uint64_t n, uint32_t dim, const ty_q8 *q8,
                      ty_ivf *out, char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!blob || !map || !q8 || n0 == 0 || n == 0 || dim == 0 || dim > TY_MAX_DIM ||
        n0 > UINT32_MAX || n > UINT32_MAX || q8->n != n || q8->dim != dim) {
        ty_seterr(err, errlen, "ivf: bad arguments to remap (n %llu -> %llu, dim %u)",
                  (unsigned long long)n0, (unsigned long long)n, dim);
        return TENYO_ERR_ARG;
    }
    int rc = ivf_parse(blob, len, n0, dim, 1, out, err, errlen);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    uint32_t *asg = ty_mallocarray(n, sizeof *asg), *fresh_asg = NULL;
    uint64_t *fresh = NULL;
    float *fx = NULL;
    if (!asg) goto done;
    for (uint64_t i = 0; i < n; i++) asg[i] = UINT32_MAX;
    for (uint32_t l = 0; l < out->nlist; l++)
        for (uint64_t i = out->off[l]; i < out->off[l + 1]; i++) {
            uint64_t d = map[out->ids[i]];
            if (d < n) asg[d] = l;
        }
    /* documents no base document maps to: the list of their nearest centroid */
    uint64_t nf = 0;
    for (uint64_t i = 0; i < n; i++) nf += asg[i] == UINT32_MAX;
    if (nf) {
        fresh = ty_mallocarray(nf, sizeof *fresh);
        fresh_asg = ty_mallocarray(nf, sizeof *fresh_asg);
        fx = ty_mallocarray(nf, (size_t)dim * sizeof *fx);
        if (!fresh || !fresh_asg || !fx) goto done;
        for (uint64_t i = 0, j = 0; i < n; i++)
            if (asg[i] == UINT32_MAX) {
                fresh[j] = i;
                ty_q8_row(q8, i, fx + j * dim);
                j++;
            }
        rc = assign_rows(fx, nf, out->cent, out->nlist, dim, 1, fresh_asg);
        if (rc) goto done;
        rc = TENYO_ERR_NOMEM;
        for (uint64_t j = 0; j < nf; j++) asg[fresh[j]] = fresh_asg[j];
    }
    /* members of the merged documents */
    free(out->ids);
    free(out->q);
    free(out->scale);
    free(out->sum);
    out->n = n;
    out->ids = ty_mallocarray(n, sizeof *out->ids);
    out->q = ty_mallocarray(n, dim);
    out->scale = ty_mallocarray(n, sizeof *out->scale);
    out->sum = ty_mallocarray(n, sizeof *out->sum);
    if (!out->ids || !out->q || !out->scale || !out->sum) goto done;
    group_lists(out, asg);
    fill_codes(out, NULL, q8);
    rc = ty_q8_build(out->cent, out->nlist, dim, &out->cq);
done:
    if (rc) {
        if (rc == TENYO_ERR_NOMEM)
            ty_seterr(err, errlen, "ivf: out of memory remapping %llu x %u",
                      (unsigned long long)n, dim);
        ty_ivf_free(out);
    }
    free(asg);
    free(fresh);
    free(fresh_asg);
    free(fx);
    return rc;
}
