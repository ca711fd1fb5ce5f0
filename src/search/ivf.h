/*
 * ivf.h — approximate nearest-neighbour search over the LSA document
 * vectors: an inverted file (IVF) of spherical k-means lists with int8
 * codes per list and exact float re-ranking (search/ivf.c).
 *
 * Part of search.h (included at its end, after ty_q8): ivf.c, the tests
 * and the benches include search/search.h.
 *
 * Ownership: a ty_ivf owns every array in it (ty_ivf_free). Searching only
 * reads it, so many threads may search one ty_ivf at once, each with its
 * own ty_ivf_scratch. Float rows x (n x dim, row-major) are borrowed, never
 * kept: at build, and at search when given to re-rank from; without them
 * search re-ranks from the codes the lists hold (an index's IVF: they are
 * the index's own vectors, quant.c's "rows as floats").
 */
#ifndef TENYO_IVF_H
#define TENYO_IVF_H

#include <stddef.h>
#include <stdint.h>

/* How to build an IVF. Zero fields take the defaults named. */
typedef struct ty_ivf_opts {
    uint32_t nlist;     /* lists (centroids); 0: 4 sqrt(n), at least 1,
                           at most n */
    uint64_t train;     /* k-means sample size; 0: min(n, 64 nlist) */
    int iters;          /* k-means iterations; 0: 10 */
    uint64_t seed;      /* sampling and initialisation seed */
    int threads;        /* assignment threads; 0 or 1: the calling thread
                           (OpenBLAS threads the sgemm itself); > 1: that
                           many threads each running its own sgemm (pin
                           OpenBLAS to 1 thread first, tenyo_set_blas_threads) */
} ty_ivf_opts;

/* The inverted file. Lists are stored back to back in list order: list l
 * holds members off[l] .. off[l+1]-1 of ids/q/scale/sum. */
typedef struct ty_ivf {
    uint64_t n;         /* documents indexed (< 2^32) */
    uint32_t dim;       /* vector length k */
    uint32_t nlist;     /* lists */
    uint64_t seed;      /* seed it was trained with (recorded) */
    uint64_t train;     /* sample size it was trained on (recorded) */
    uint32_t iters;     /* k-means iterations run (recorded) */
    float *cent;        /* nlist x dim centroids, unit rows */
    uint64_t *off;      /* nlist + 1 offsets into the member arrays */
    uint32_t *ids;      /* n document numbers, ascending within a list */
    int8_t *q;          /* n x dim int8 codes, list order (ty_q8 format),
                           or NULL: lists alone, their members scored
                           from the rows the query gives (ty_ivf_query.base) */
    float *scale;       /* n per-code scales */
    int32_t *sum;       /* n per-code byte sums (kernel offset) */
    uint64_t maxlist;   /* members of the largest list */
    ty_q8 cq;           /* int8 copy of cent: the probe order is chosen by
                           the int8 kernel (4x fewer bytes than sgemv) */
} ty_ivf;

/* Search knobs. */
typedef struct ty_ivf_query {
    uint32_t nprobe;    /* lists visited (clamped to 1..nlist) */
    size_t rerank;      /* best int8 candidates re-scored exactly in float
                           (at least k is used); 0: int8 scores returned */
    const uint16_t *f16; /* float16 rows (n x dim, document order; an
                           index's section "docvec.f16") to re-score from
                           when no float rows are given, or NULL: the
                           codes (half.c) */
    const ty_q8 *base;  /* the n rows in document order, for lists read
                           without codes (ty_ivf_read with neither x nor
                           q8): each probed member scored from its row
                           (ty_q8_scan_ids, the same bits as the list's own
                           codes); unused when the lists hold codes */
} ty_ivf_query;

/* Per-thread search scratch; grows on demand. Zero-initialise it (or
 * ty_ivf_scratch s = {0}), free it with ty_ivf_scratch_free. */
typedef struct ty_ivf_scratch {
    float *cs;          /* centroid scores */
    size_t cs_cap;      /* floats in cs */
    tenyo_hit *probe;   /* lists to visit */
    size_t probe_cap;   /* entries in probe */
    float *s;           /* int8 scores of one list */
    size_t s_cap;       /* floats in s */
    tenyo_hit *cand;    /* candidate heap */
    size_t cand_cap;    /* entries in cand */
} ty_ivf_scratch;

/* Train lists on x (n unit rows of dim floats, borrowed) and fill out
 * (zeroed first; ty_ivf_free). Deterministic for a given seed, whatever
 * o->threads and OpenBLAS's thread count. TENYO_ERR_ARG for n = 0, dim
 * outside 1..TY_MAX_DIM, or bad options; TENYO_ERR_LIMIT for n >= 2^32;
 * TENYO_ERR_NOMEM; err says which. */
int ty_ivf_build(const float *x, uint64_t n, uint32_t dim,
                 const ty_ivf_opts *o, ty_ivf *out, char *err, size_t errlen);
void ty_ivf_free(ty_ivf *v);   /* frees members, not v; accepts NULL */

/* ty_ivf_build in steps, for vectors that are not all in one place
 * (tenyo-mpi index: each process holds its documents' vectors). The same
 * lists, bit for bit, as ty_ivf_build over all of them:
 *   ty_ivf_plan_new   the list count, sample size and sample (rows of x,
 *                     ascending; pick NULL: every row is the sample);
 *   ty_ivf_train      k-means on those rows, gathered in pick's order
 *                     (or all n), into v's centroids and header fields
 *                     (ty_ivf_train_with: its assignment step a callback,
 *                     run where the sample rows are);
 *   ty_ivf_assign     each row's nearest centroid, wherever the rows are
 *                     (per row: any split of the rows gives the same);
 *   ty_ivf_lists      v's lists from every row's assignment (n entries).
 * v then holds what ty_ivf_write writes (no codes: v is for writing, not
 * searching). */
typedef struct ty_ivf_plan {
    uint64_t n;         /* documents */
    uint32_t dim;       /* vector length */
    uint32_t nlist;     /* lists */
    uint64_t train;     /* sample size */
    int iters;          /* k-means iterations */
    uint64_t seed;      /* the options' seed (recorded) */
    int threads;        /* assignment threads */
    uint64_t rng;       /* the generator after the sample was drawn */
    uint64_t *pick;     /* train rows of x, ascending, or NULL: all n */
} ty_ivf_plan;
/* Check the options as ty_ivf_build does and fill p (zeroed first;
 * ty_ivf_plan_free). Errors as ty_ivf_build's. */
int ty_ivf_plan_new(uint64_t n, uint32_t dim, const ty_ivf_opts *o, ty_ivf_plan *p,
                    char *err, size_t errlen);
void ty_ivf_plan_free(ty_ivf_plan *p);   /* accepts NULL */
/* k-means on s (p->train rows of p->dim floats: the rows p->pick names,
 * in its order, or all of x) into v (zeroed first; centroids, n, dim,
 * nlist, seed, train, iters); advances p->rng. TENYO_ERR_NOMEM. */
int ty_ivf_train(ty_ivf_plan *p, const float *s, ty_ivf *v, char *err, size_t errlen);
/* The assignment step of k-means, for a sample whose rows are not all in
 * one place (tenyo-mpi index: each process assigns the sample rows of its
 * own block): asg[i] = the nearest of the nlist centroids cent (nlist x
 * dim, borrowed for the call) to sample row i, for all m = p->train rows
 * in the sample's order, ties to the lower list: ty_ivf_assign's answer,
 * which is per row, so any split of the rows gives the same. 0 ok, else
 * a status with err set; called once an iteration. */
typedef int (*ty_ivf_assign_fn)(void *ud, const float *cent, uint32_t nlist, uint32_t dim,
                                uint64_t m, uint32_t *asg, char *err, size_t errlen);
/* ty_ivf_train with the assignment step fn(ud, ...) instead of its own
 * over s (ty_ivf_train is this with a callback assigning s's rows here);
 * s is still every sample row (the initial centroids and the update, in
 * sample order, are made here). Any fn that answers as above gives
 * ty_ivf_train's centroids, bit for bit. Errors: ty_ivf_train's, fn's
 * status, TENYO_ERR_CORRUPT for an assignment >= nlist. */
int ty_ivf_train_with(ty_ivf_plan *p, const float *s, ty_ivf_assign_fn fn, void *ud,
                      ty_ivf *v, char *err, size_t errlen);
/* out[i] = the list of row i of x (nrows x v->dim) for v's centroids;
 * any threads, any split of the rows: the same answer. */
int ty_ivf_assign(const ty_ivf *v, const float *x, uint64_t nrows, int threads,
                  uint32_t *out);
/* v's lists (off, ids, maxlist) from asg (v->n entries, each < nlist):
 * TENYO_ERR_ARG on a bad entry, TENYO_ERR_NOMEM. */
int ty_ivf_lists(ty_ivf *v, const uint32_t *asg);

/* Bytes of memory the structure holds (centroids, offsets, ids, codes),
 * not counting the float vectors x it borrows. */
uint64_t ty_ivf_bytes(const ty_ivf *v);

/* The k best documents for unit query q (dim floats) into hits (caller's,
 * k entries), best first (score desc, doc asc), scored exactly when
 * o->rerank > 0: against x (the n x dim float rows the IVF was built or
 * read with) when given, else against the float16 rows o->f16 when given
 * (ty_f16_dot), else against the dequantised codes of the lists
 * (NULL: no float copy needed, the way an index searches). Returns the count (<= k; fewer when the probed lists hold fewer
 * documents) or a negative status (TENYO_ERR_ARG, TENYO_ERR_NOMEM). */
int ty_ivf_search(const ty_ivf *v, const float *x, const float *q, size_t k,
                  const ty_ivf_query *o, ty_ivf_scratch *s, tenyo_hit *hits);
void ty_ivf_scratch_free(ty_ivf_scratch *s);   /* accepts NULL */

/* Append the serialised IVF to out: little-endian, versioned, checksummed
 * (layout at the top of ivf.c). Codes are not written: the reader rebuilds
 * them from the float vectors. TENYO_ERR_NOMEM. */
int ty_ivf_write(const ty_ivf *v, ty_buf *out);
/* Read a blob written by ty_ivf_write for the n x dim vectors x (borrowed;
 * the codes are gathered from q8 when given (the index's int8 rows, n rows
 * of dim), else quantised from x). x may be NULL when q8 is given; with
 * neither, the lists are read alone (no codes: a search scores members
 * from ty_ivf_query.base, and nothing is read of the rows at open). The blob is untrusted: every
 * size is bounded before allocating, the ids must be a permutation of
 * 0..n-1. out is zeroed first and freed on failure. TENYO_ERR_CORRUPT with
 * the reason in err, TENYO_ERR_VERSION for a newer format,
 * TENYO_ERR_MISMATCH when the blob was built for another n or dim,
 * TENYO_ERR_NOMEM. */
int ty_ivf_read(const void *blob, size_t len, const float *x, uint64_t n,
                uint32_t dim, const ty_q8 *q8, ty_ivf *out, char *err,
                size_t errlen);

/* The same blob, written for n0 base vectors, remapped to the n int8 rows
 * q8 of an index with updates: base document d becomes document
 * map[d] (UINT64_MAX: deleted), and every document no base document maps
 * to (added since) joins the list of its nearest centroid. Codes come from
 * q8 (n rows). Errors as ty_ivf_read. */
int ty_ivf_read_remap(const void *blob, size_t len, uint64_t n0, const uint64_t *map,
                      uint64_t n, uint32_t dim, const ty_q8 *q8,
                      ty_ivf *out, char *err, size_t errlen);

#endif /* TENYO_IVF_H */
