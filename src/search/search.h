/*
 * search.h — the search layer (search/): scoring documents for a query.
 *
 * search.c  exact scans: sparse TF-IDF (gathered or from postings), the
 *           fold-in of a query into the LSA space
 * quant.c   int8 document vectors and the SIMD kernels that scan them
 * prune.c   exact top-k with dynamic pruning (block maxima)
 * ivf.c     approximate search: an inverted file over the LSA vectors
 *           (its interface in ivf.h)
 *
 * Below: util, model. Above: api.
 */
#ifndef TENYO_SEARCH_H
#define TENYO_SEARCH_H

#include "model/model.h"

/* Cosine of a sparse, L2-normalised query (terms sorted, may be empty)
 * against every TF-IDF row: scores[ndocs]. qdense is nterms zeroed floats of
 * scratch, returned zeroed. */
/* The same scores from post, the TF-IDF matrix transposed (a row of
 * documents per term: ty_csr_transpose), walking only the query terms'
 * postings; bit-identical to ty_scan_tfidf. 0 or TENYO_ERR_NOMEM. */
int ty_scan_tfidf_postings(const ty_csr *post, uint64_t ndocs, const uint32_t *qt, const float *qw,
                           size_t qn, float *qdense, float *scores);
void ty_scan_tfidf(const ty_model *m, const uint32_t *qt, const float *qw,
                   size_t qn, float *qdense, float *scores);
/* The parts of those scans for the documents [d0, d1) alone (one worker
 * of a query split by document ranges, api/ctx.c), each document's
 * score the same bits as the whole scan gives it:
 *   - ty_query_terms: the query's distinct terms ascending into t, each
 *     with its last weight (w), as both scans count them; returns how
 *     many (qn at most); qdense returned zeroed;
 *   - the postings walk of those terms over scores[d0..d1) (each list's
 *     part found by binary search);
 *   - the row-wise gather with the query scattered in qdense. */
size_t ty_query_terms(const uint32_t *qt, const float *qw, size_t qn, float *qdense, uint32_t *t,
                      float *w);
void ty_scan_tfidf_postings_range(const ty_csr *post, const uint32_t *t, const float *w, size_t nt,
                                  uint64_t d0, uint64_t d1, float *scores);
void ty_scan_tfidf_range(const ty_model *m, const float *qdense, uint64_t d0, uint64_t d1,
                         float *scores);
/* The postings walk's kernel from now on, for tests: "c" (portable) or
 * "avx2"; 0, or -1 when unknown or this CPU lacks it (nothing changes).
 * Every kernel gives the same bits. */
int ty_postings_walk_set(const char *name);
/* Fold a sparse TF-IDF query into the LSA space: out[dim] = q V, then
 * L2-normalised (all zero when q has no weight). */
void ty_fold_in(const ty_model *m, const uint32_t *qt, const float *qw,
                size_t qn, float *out);

/* --- int8 document vectors (search/quant.c) --- */

/* Where a ty_q8's codes also lie in a file: fd, and the byte offset of
 * row 0 (rows of dim bytes, contiguous). */
typedef struct ty_q8_src {
    int fd;
    uint64_t off;
} ty_q8_src;

/* Rows quantised to int8 with a float scale each (x ~= scale * q). */
typedef struct ty_q8 {
    uint64_t n;               /* rows */
    size_t dim;               /* bytes per row (k) */
    int8_t *q;                /* n x dim, row-major */
    float *scale;             /* per row: max|x| / 127 */
    int32_t *sum;             /* per row: sum of its bytes (kernel offset) */
    int q_borrowed;           /* q is not this handle's (codes mapped from a
                                 file, owned by the model): ty_q8_free
                                 leaves it, and nothing writes it */
    int stats_pending;        /* scale and sum allocated but not yet filled
                                 (ty_q8_adopt_codes; read atomically): the
                                 row functions and ty_q8_scan_ids compute a
                                 row's own from its codes meanwhile, the
                                 same bits; whole scans need them filled */
    const ty_q8_src *src;     /* or NULL: the codes q maps, also read with
                                 pread into a reused buffer by
                                 ty_q8_scan_range, ty_q8_scan_ids and the row
                                 functions while the statistics are pending
                                 (no pass has touched the mapping yet): the
                                 same bytes, the same bits, without faulting
                                 in pages a one-query process reads once */
} ty_q8;
/* Quantise one vector of k floats: q, its scale and byte sum. */
void ty_q8_quantize(const float *x, size_t k, int8_t *q, float *scale,
                    int32_t *sum);
/* |x - x^| for x^ the vector x's own codes stand for (ty_q8_quantize: its
 * scale times its bytes), in double, and |x| into *norm: how far an int8
 * score of x can lie from x's float dot product, per unit of the other side
 * (the exact re-scoring bounds of api/query.c rank_cand and bench/ann_bench.c).
 * k > TY_MAX_DIM: infinity. */
double ty_q8_error(const float *x, size_t k, double *norm);
/* Quantise n rows of k floats into out (allocated; ty_q8_free). */
int ty_q8_build(const float *x, uint64_t n, size_t k, ty_q8 *out);
void ty_q8_free(ty_q8 *v);
/* Approximate dot products of float query q (dim floats) with every row. */
void ty_q8_scan(const ty_q8 *v, const float *q, float *scores);
/* A query quantised once for many scans (IVF probes many lists). */
typedef struct ty_q8_query {
    uint8_t u[TY_MAX_DIM];    /* q + 128 per dimension */
    float scale;              /* the query's scale */
    size_t dim;               /* dimensions used */
} ty_q8_query;
void ty_q8_prepare(const float *q, size_t k, ty_q8_query *out);
void ty_q8_scan_prepared(const ty_q8 *v, const ty_q8_query *q, float *scores);
/* Rows [d0, d1) alone into scores[d0..d1): the bits the whole scan (int8,
 * or the exact ty_q8_dots) gives them (a query split by document ranges).
 * ty_q8_scan_range reads the rows from v->src when set, and computes the
 * rows' statistics while they are pending. */
void ty_q8_scan_range(const ty_q8 *v, const ty_q8_query *qp, uint64_t d0, uint64_t d1,
                      float *scores);
void ty_q8_dots_range(const ty_q8 *v, const float *x, uint64_t d0, uint64_t d1, float *scores);
/* nq prepared queries in one pass over the rows (sixteen at a time with
 * the AVX-512 VNNI kernel at k = 256): query j's scores to scores + j * ld,
 * bit for bit what ty_q8_scan_prepared gives it. */
void ty_q8_scan_multi(const ty_q8 *v, const ty_q8_query *qp, size_t nq, float *scores,
                      size_t ld);
/* The kc best rows by int8 score for each of nq prepared queries, query j
 * leaving out row skip[j] (skip NULL, or UINT64_MAX: none): its hits to
 * hits + j * kc, best first, their count to nhits[j] — exactly what
 * ty_topk_array gives over ty_q8_scan_multi's scores, ties included, but
 * without a score array (the scan runs in chunks that stay in cache).
 * 0 or TENYO_ERR_NOMEM. */
int ty_q8_topk_multi(const ty_q8 *v, const ty_q8_query *qp, size_t nq, const uint64_t *skip,
                     size_t kc, tenyo_hit *hits, size_t *nhits);
/* Rows as floats (the document vectors are their codes; quant.c): row d
 * dequantised (dim floats), n rows from d0, the exact dot product of row d
 * with x, and every row's (scores: v->n). */
void ty_q8_row(const ty_q8 *v, uint64_t d, float *out);
void ty_q8_rows(const ty_q8 *v, uint64_t d0, uint64_t n, float *out);
float ty_q8_dot(const ty_q8 *v, uint64_t d, const float *x);
void ty_q8_dots(const ty_q8 *v, const float *x, float *scores);
/* Take over the stored codes q (n x k; freed by ty_q8_free) as unit rows:
 * scale[d] = 1 / |q[d]| (the stored per-row scale cancels), byte sums.
 * TENYO_ERR_NOMEM (q not taken). */
int ty_q8_adopt(ty_q8 *out, int8_t *q, uint64_t n, size_t k);
/* The same with the statistics computed on up to nt threads
 * (ty_parallel_claim: the caller and parked helpers), the same bits. */
int ty_q8_adopt_nt(ty_q8 *out, int8_t *q, uint64_t n, size_t k, int nt);
/* The first half of ty_q8_adopt_nt: q taken over, scale and sum allocated
 * and left pending (no pass over the codes); ty_q8_finish_stats fills them
 * (on up to nt threads) and marks them ready. Until then only ty_q8_row,
 * ty_q8_rows, ty_q8_dot and ty_q8_scan_ids may read the rows.
 * TENYO_ERR_NOMEM (q not taken). */
int ty_q8_adopt_codes(ty_q8 *out, int8_t *q, uint64_t n, size_t k);
int ty_q8_finish_stats(ty_q8 *out, int nt);
/* Rows ids[0..n) of v scored against the prepared query: scores[i] is
 * bit for bit what ty_q8_scan_prepared gives row ids[i] (the rows gathered
 * a block at a time, read from v->src while v's statistics are pending;
 * each row's statistics computed from its codes). */
void ty_q8_scan_ids(const ty_q8 *v, const ty_q8_query *qp, const uint32_t *ids, size_t n,
                    float *scores);

/* --- exact top-k with dynamic pruning (search/prune.c) --- */

/* Documents per range of the block maxima. */
#define TY_PRUNE_SHIFT 7
#define TY_PRUNE_RANGE (1u << TY_PRUNE_SHIFT)
/* Block maxima of the postings: per term, its largest weight in each range
 * of TY_PRUNE_RANGE documents where it occurs, and overall. */
typedef struct ty_bmax {
    uint64_t *ptr;            /* nterms+1 offsets into rng / mx */
    uint32_t *rng;            /* range numbers (doc >> TY_PRUNE_SHIFT),
                                 ascending per term */
    float *mx;                /* the term's largest weight in that range */
    float *tmax;              /* per term: its largest weight */
    uint64_t nranges;         /* ranges covering ndocs */
    uint8_t *tgroup;          /* per term: its group (by document
                                 frequency, TY_PRUNE_GROUPS of about equal
                                 postings) */
    uint8_t *gnorm;           /* per document and group: the norm of its
                                 weights on the group's terms, in steps of
                                 1/254 rounded up (ndocs x TY_PRUNE_GROUPS:
                                 8 bytes a document, read by every
                                 candidate pass) */
} ty_bmax;
#define TY_PRUNE_GROUPS 8
/* Build from post (the TF-IDF rows transposed): 0 or TENYO_ERR_NOMEM (out
 * zeroed). ty_bmax_free accepts a zeroed one. */
int ty_bmax_build(const ty_csr *post, uint64_t ndocs, ty_bmax *out);
void ty_bmax_free(ty_bmax *b);
/* Per-context scratch of the pruned scan (grown on demand). */
typedef struct ty_prune_scratch {
    float *acc;               /* ndocs partial scores */
    uint32_t *cand;           /* candidates found */
    float *ca;                /* their exact scores */
    double *rb;               /* per range: bound of the terms not walked */
    tenyo_hit *pool;          /* theta's pool */
    uint64_t cap_docs, cap_ranges; /* capacities */
    size_t cap_pool;
    uint64_t st_cand, st_walked, st_total; /* sums over the pruned runs:
                                 candidates verified, postings walked, of
                                 the query terms' postings (benches) */
} ty_prune_scratch;
void ty_prune_scratch_free(ty_prune_scratch *s);
/* One pruned query. a(d) = tf(d) when lsa is NULL, else w tf(d) + v lsa(d),
 * each as the scan computes it. */
typedef struct ty_prune_query {
    const ty_csr *rows;       /* the TF-IDF rows (decoded) */
    const ty_csr *post;       /* the same transposed */
    const ty_bmax *bm;        /* its block maxima */
    const uint32_t *qt;       /* query terms (any order, repeats: last wins) */
    const float *qw;          /* their weights (>= 0) */
    size_t qn;                /* how many */
    float *qdense;            /* nterms zeroed scratch, returned zeroed */
    const float *lsa;         /* per document LSA score, or NULL */
    float w, v;               /* hybrid weights */
    const uint8_t *mask;      /* filter (0: left out), or NULL */
    size_t rank;              /* theta bounds the rank-th best */
    int shrink;               /* rank by the short-record-scaled score */
    float slack;              /* a final score may exceed a(d) by this
                                 (the int8 LSA part re-scored exactly):
                                 theta bounds the rank-th best a - slack,
                                 candidates reach theta - slack */
    const uint64_t *short_doc;/* short records (ascending) and */
    const float *short_f;     /* their factors */
    uint64_t nshort;          /* how many */
} ty_prune_query;
/* The candidates: every document (mask aside) whose a(d) may be >=
 * theta - slack, where theta <= the rank-th best a(d) - slack (scaled
 * when shrink),
 * with a(d) exact (the scan's bits): their count n, s->cand[0..n) (doc
 * ascending) and s->ca[0..n); theta in *theta. -1: pruning would not pay
 * (or fewer than rank documents): scan instead; TENYO_ERR_NOMEM. */
int64_t ty_prune_run(const ty_prune_query *q, ty_prune_scratch *s, float *theta);

/* Name of the kernel chosen for this CPU: "avx512vnni", "avx2" or "c". */
const char *ty_q8_kernel(void);
/* Force a kernel (tests, benchmarks; not while scans run): 0, or -1 when
 * this CPU lacks it. NULL: back to the best this CPU has. */
int ty_q8_set_kernel(const char *name);
/* --- float16 document vectors (search/half.c) --- */

/* x[n] to IEEE binary16 h[n], rounded to nearest even (the same bits on
 * every kernel); back to floats exactly. */
void ty_f16_from_floats(const float *x, size_t n, uint16_t *h);
void ty_f16_to_floats(const uint16_t *h, size_t n, float *x);
/* The dot product of float16 row h (k) with q (k floats): 16 fused lanes
 * summed by one fixed tree, the same bits on every kernel (half.c). */
float ty_f16_dot(const uint16_t *h, const float *q, size_t k);
/* Name of the float16 kernel in use: "avx512", "f16c" or "c" (TENYO_KERNEL
 * "avx512vnni" / "avx2" / "c" picks the matching one); force one by name
 * (tests, benchmarks): 0, or -1 when this CPU lacks it; NULL: the best. */
const char *ty_f16_kernel(void);
int ty_f16_set_kernel(const char *name);

/* --- approximate search: inverted file over the LSA vectors --- */
#include "search/ivf.h"

#endif /* TENYO_SEARCH_H */
