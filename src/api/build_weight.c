/*
 * build_weight.c — document frequencies over the live documents, the
 * min_df / max_df cut (the dropped common terms kept for their own
 * message), and the sublinear TF-IDF rows, in one process or over the
 * processes of a shared build (each weighs its own block of rows, the
 * document frequencies summed).
 */
#include "api/api.h"
#include "api/build.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================== weight */

/* Most terms recorded as dropped by max_df (the "common" section). */
#define COMMON_MAX 4096

/* The weights of a build: document frequencies over the live documents,
 * the terms kept and their idf. A shared build's processes make the same
 * ones (df summed over the processes, share_df, then the same code). */
typedef struct weights {
    uint64_t ndocs;            /* live documents */
    uint32_t nraw, nt;         /* raw terms, kept terms */
    uint32_t *df;              /* per raw term */
    uint32_t *remap;           /* raw id -> kept id, or UINT32_MAX */
    uint32_t *kdf;             /* per kept term (the model's df) */
    float *idf;                /* per kept term */
} weights;

static void weights_free(weights *w) {
    free(w->df);
    free(w->remap);
    free(w->kdf);
    free(w->idf);
    memset(w, 0, sizeof *w);
}

/* The min_df / max_df_ratio filter over w->df (kept terms keep their
 * first-occurrence order), the kept terms' df and idf. */
static int weights_make(const tenyo_builder *b, weights *w) {
    double maxdf = b->o.max_df_ratio * (double)w->ndocs;
    w->remap = ty_mallocarray(w->nraw ? w->nraw : 1, sizeof *w->remap);
    if (!w->remap) return TENYO_ERR_NOMEM;
    uint32_t nt = 0;
    for (uint32_t t = 0; t < w->nraw; t++) {
        int keep = w->df[t] >= (uint32_t)b->o.min_df && (double)w->df[t] <= maxdf;
        /* tiny corpora: max_df would drop everything common; keep terms
         * when fewer than 10 documents */
        if (w->ndocs < 10) keep = w->df[t] >= 1;
        w->remap[t] = keep ? nt++ : UINT32_MAX;
    }
    w->nt = nt;
    w->kdf = ty_mallocarray(nt ? nt : 1, sizeof *w->kdf);
    w->idf = ty_mallocarray(nt ? nt : 1, sizeof *w->idf);
    if (!w->kdf || !w->idf) return TENYO_ERR_NOMEM;
    for (uint32_t t = 0; t < w->nraw; t++)
        if (w->remap[t] != UINT32_MAX) w->kdf[w->remap[t]] = w->df[t];
    ty_idf_compute(w->kdf, nt, w->ndocs, w->idf);
    return TENYO_OK;
}

/* Room for n entries in b->pk. */
static int pk_room(tenyo_builder *b, uint64_t n) {
    if (n <= b->cappk) return TENYO_OK;
    if (n > UINT32_MAX) return TENYO_ERR_LIMIT;
    uint64_t *pk = ty_reallocarray(b->pk, n, sizeof *pk);
    if (!pk) return TENYO_ERR_NOMEM;
    b->pk = pk;
    b->cappk = (uint32_t)n;
    return TENYO_OK;
}

/* Document d's pairs (raw ids, sorted: this process's arena) into b->pk
 * as (raw id << 32 | count); *n of them. */
static int doc_pk(tenyo_builder *b, const bdoc *d, uint32_t *n) {
    int rc = pk_room(b, d->nterms);
    if (rc) return rc;
    pair_it it = ty_bld_pairs_of(b, d);
    uint32_t id, c, k = 0;
    while (k < d->nterms && ty_bld_pair_next(&it, &id, &c)) b->pk[k++] = (uint64_t)id << 32 | c;
    *n = k;
    return TENYO_OK;
}

/* Rank != 0: its k-th record's pairs, local ids mapped to raw ids (b->lmap,
 * from process 0) and sorted, into b->pk; *n of them. */
static int lrec_pk(tenyo_builder *b, uint64_t k, uint32_t *n) {
    const unsigned char *p = (const unsigned char *)b->pairs.p + b->lp[k].off;
    const unsigned char *end = p + b->lp[k].len;
    uint32_t m = 0, id = 0;
    for (const unsigned char *q = p; q < end; m++) { /* count */
        ty_bld_get_varint(&q);
        ty_bld_get_varint(&q);
    }
    int rc = pk_room(b, m);
    if (rc) return rc;
    for (uint32_t j = 0; j < m; j++) {
        id += ty_bld_get_varint(&p);
        uint32_t c = ty_bld_get_varint(&p);
        if (id >= b->nlmap) {
            ty_seterr(b->err, sizeof b->err, "process 0 sent a term map of %llu terms, "
                      "short of local term %u (its record %llu)", (unsigned long long)b->nlmap,
                      id, (unsigned long long)k);
            return TENYO_ERR_CORRUPT;
        }
        b->pk[j] = (uint64_t)b->lmap[id] << 32 | c;
    }
    if (m > 1) qsort(b->pk, m, sizeof *b->pk, ty_cmp_u64);
    *n = m;
    return TENYO_OK;
}

/* The rows this process may hold: every document on process 0 (and in a
 * build of one process), every record of its own on the others. */
static uint64_t own_count(const tenyo_builder *b) {
    return b->sh.rank == 0 ? b->n : b->nlp;
}

/* Its idx-th: the document in *slot (UINT64_MAX: none, the record was
 * replaced or the document's pairs are another process's) and its pairs
 * in b->pk (*n). */
static int own_row(tenyo_builder *b, uint64_t idx, uint64_t *slot, uint32_t *n) {
    *n = 0;
    if (b->sh.rank == 0) {
        const bdoc *d = &b->docs[idx];
        *slot = d->remote ? UINT64_MAX : idx;
        return *slot == UINT64_MAX ? TENYO_OK : doc_pk(b, d, n);
    }
    *slot = b->lslot[idx];
    return *slot == UINT64_MAX ? TENYO_OK : lrec_pk(b, idx, n);
}

/* Document frequencies of this process's rows added into df. */
static int own_df(tenyo_builder *b, uint32_t *df, uint32_t nraw) {
    for (uint64_t i = 0; i < own_count(b); i++) {
        uint64_t slot;
        uint32_t n;
        int rc = own_row(b, i, &slot, &n);
        if (rc) return rc;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t id = (uint32_t)(b->pk[k] >> 32);
            if (id >= nraw) {
                ty_seterr(b->err, sizeof b->err, "document %llu has term %u of %u",
                          (unsigned long long)slot, id, nraw);
                return TENYO_ERR_CORRUPT;
            }
            df[id]++;
        }
    }
    return TENYO_OK;
}

/* One row: b->pk[0..n) a document's sorted (raw id << 32 | count); its
 * kept terms' sublinear TF-IDF weights and counts into col, val, tf (room
 * for n), the highest max_terms only when set; *kept entries. */
static int weigh_row(tenyo_builder *b, const weights *w, uint32_t n, uint32_t *col,
                     float *val, uint32_t *tf, uint64_t *kept) {
    uint64_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t raw = (uint32_t)(b->pk[j] >> 32), c = (uint32_t)b->pk[j];
        if (w->remap[raw] == UINT32_MAX) continue;
        col[k] = w->remap[raw]; /* remap keeps the order: columns sorted */
        val[k] = (float)c;
        tf[k] = c;
        k++;
    }
    ty_tfidf_row(col, val, k, w->idf);
    if (b->o.max_terms > 0 && k > (uint64_t)b->o.max_terms) {
        /* static pruning: the row's highest weights only */
        if (k > b->capprune) {
            float *ns = ty_reallocarray(b->prune, k, sizeof *ns);
            if (!ns) return TENYO_ERR_NOMEM;
            b->prune = ns;
            b->capprune = k;
        }
        k = ty_tfidf_prune(col, val, tf, k, (size_t)b->o.max_terms, w->idf, b->prune);
    }
    *kept = k;
    return TENYO_OK;
}

/* One process's rows: every document's, in document order, into a and tf. */
static int local_rows(tenyo_builder *b, const weights *w, ty_csr *a, uint32_t **tf) {
    uint64_t total = 0;
    for (size_t i = 0; i < b->n; i++) total += b->docs[i].nterms;
    a->nrows = b->n;
    a->ncols = w->nt;
    a->rowptr = ty_calloc(b->n + 1, sizeof *a->rowptr);
    uint64_t cap = total ? total : 1;
    a->col = ty_mallocarray(cap, sizeof *a->col);
    a->val = ty_mallocarray(cap, sizeof *a->val);
    *tf = ty_mallocarray(cap, sizeof **tf);
    if (!a->rowptr || !a->col || !a->val || !*tf) return TENYO_ERR_NOMEM;
    uint64_t nnz = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t n;
        uint64_t k;
        int rc = doc_pk(b, &b->docs[i], &n);
        if (!rc) rc = weigh_row(b, w, n, a->col + nnz, a->val + nnz, *tf + nnz, &k);
        if (rc) return rc;
        nnz += k;
        a->rowptr[i + 1] = nnz;
    }
    return TENYO_OK;
}

/* A shared build's weighting, every process at once (process 0 from
 * write(), the others from ty_builder_share_weigh), in the same sequence
 * of collectives: the header (raw terms, documents) from process 0; each
 * process's term map and the documents of its records from process 0
 * (exchange); the document frequencies of each process's rows, summed
 * (sum_u32); then every process makes the same weights (weights_make) and
 * weighs its rows, which go to the owners of their blocks (share_rows). */

/* Process 0: what process r needs to weigh its records, appended to o:
 * u64 terms, its map (u32 each: local id -> raw id), u64 records, per
 * record the document it is the live version of (u64; UINT64_MAX:
 * replaced by a later record). */
static int share_map_out(const tenyo_builder *b, int r, ty_buf *o) {
    const share_map *rm = &b->rmap[r];
    uint64_t nt = rm->nterm, ns = rm->nslot;
    if (ty_buf_reserve(o, 16 + 4 * nt + 8 * ns) || ty_buf_append(o, &nt, 8) ||
        ty_buf_append(o, rm->term, 4 * nt) || ty_buf_append(o, &ns, 8))
        return TENYO_ERR_NOMEM;
    for (uint64_t k = 0; k < ns; k++) {
        uint64_t s = rm->slot[k];
        if (b->docs[s].rec != rm->rec[k]) s = UINT64_MAX;
        if (ty_buf_append(o, &s, 8)) return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

/* Rank != 0: share_map_out's message into b->lmap and b->lslot. */
static int share_map_in(tenyo_builder *b, const ty_buf *in) {
    const char *p = in->p;
    uint64_t nt, ns;
    if (in->len < 16) goto bad;
    memcpy(&nt, p, 8);
    if (nt != ty_strmap_size(b->lvoc) || in->len < 16 + 4 * nt) goto bad;
    memcpy(&ns, p + 8 + 4 * nt, 8);
    if (ns != b->nlp || in->len != 16 + 4 * nt + 8 * ns) goto bad;
    b->lmap = ty_mallocarray(nt ? nt : 1, sizeof *b->lmap);
    b->lslot = ty_mallocarray(ns ? ns : 1, sizeof *b->lslot);
    if (!b->lmap || !b->lslot) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the term map");
        return TENYO_ERR_NOMEM;
    }
    memcpy(b->lmap, p + 8, 4 * nt);
    memcpy(b->lslot, p + 16 + 4 * nt, 8 * ns);
    b->nlmap = nt;
    return TENYO_OK;
bad:
    ty_seterr(b->err, sizeof b->err, "process 0's term map does not fit process %d's "
              "%u terms and %llu records", b->sh.rank, ty_strmap_size(b->lvoc),
              (unsigned long long)b->nlp);
    return TENYO_ERR_CORRUPT;
}

/* size empty buffers (one per process), or NULL. */
static ty_buf *bufs_new(int size) {
    return ty_calloc((size_t)size, sizeof(ty_buf));
}

static void bufs_free(ty_buf *v, int size) {
    for (int r = 0; v && r < size; r++) ty_buf_free(&v[r]);
    free(v);
}

/* Collective: the weights' header, the maps, w->df summed (every process;
 * w->ndocs and w->nraw set on process 0, set here on the others). */
static int share_df(tenyo_builder *b, weights *w) {
    int P = b->sh.size, rc = TENYO_ERR_NOMEM;
    uint64_t h[2] = {w->nraw, w->ndocs};
    ty_buf *out = bufs_new(P), *in = bufs_new(P);
    if (!out || !in) goto done;
    rc = b->sh.bcast(b->sh.ud, h, sizeof h, b->err, sizeof b->err);
    if (rc) goto done;
    w->nraw = (uint32_t)h[0];
    w->ndocs = h[1];
    for (int r = 1; r < P && b->sh.rank == 0; r++)
        if ((rc = share_map_out(b, r, &out[r]))) goto done;
    rc = b->sh.exchange(b->sh.ud, out, in, b->err, sizeof b->err);
    if (!rc && b->sh.rank != 0) rc = share_map_in(b, &in[0]);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    w->df = ty_calloc(w->nraw ? w->nraw : 1, sizeof *w->df);
    if (!w->df) goto done;
    rc = own_df(b, w->df, w->nraw);
    if (!rc) rc = b->sh.sum_u32(b->sh.ud, w->df, w->nraw, b->err, sizeof b->err);
done:
    bufs_free(out, P);
    bufs_free(in, P);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory sharing document frequencies");
    return rc;
}

/* Room for n entries in the row scratch (rcol, rval, rtf). */
static int row_room(tenyo_builder *b, uint64_t n) {
    if (n <= b->caprow) return TENYO_OK;
    uint32_t *c = ty_reallocarray(b->rcol, n, sizeof *c);
    if (c) b->rcol = c;
    float *v = ty_reallocarray(b->rval, n, sizeof *v);
    if (v) b->rval = v;
    uint32_t *t = ty_reallocarray(b->rtf, n, sizeof *t);
    if (t) b->rtf = t;
    if (!c || !v || !t) return TENYO_ERR_NOMEM;
    b->caprow = n;
    return TENYO_OK;
}

/* The process whose block of rows (ty_svd_share over bound[0..P]) holds
 * document slot. */
static int block_owner(const uint64_t *bound, int P, uint64_t slot) {
    int lo = 0, hi = P - 1; /* the last r with bound[r] <= slot */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (bound[mid] <= slot) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* A row message: u64 document, u32 entries n, then n u32 columns, n f32
 * weights, n u32 counts. */
static int row_put(ty_buf *o, uint64_t slot, const tenyo_builder *b, uint64_t n) {
    uint32_t n32 = (uint32_t)n;
    return ty_buf_append(o, &slot, 8) || ty_buf_append(o, &n32, 4) ||
                   ty_buf_append(o, b->rcol, 4 * n) || ty_buf_append(o, b->rval, 4 * n) ||
                   ty_buf_append(o, b->rtf, 4 * n)
               ? TENYO_ERR_NOMEM
               : TENYO_OK;
}

/* The rows of in[0..P) (row_put's messages) for documents [r0, r1) into
 * blk (ncols columns) and tf: every document exactly once. */
static int rows_take(tenyo_builder *b, const ty_buf *in, uint64_t r0, uint64_t r1,
                     uint64_t ncols, ty_csr *blk, uint32_t **tf) {
    uint64_t nr = r1 - r0;
    blk->nrows = nr;
    blk->ncols = ncols;
    blk->rowptr = ty_mallocarray(nr + 1, sizeof *blk->rowptr);
    if (!blk->rowptr) return TENYO_ERR_NOMEM;
    for (uint64_t i = 0; i <= nr; i++) blk->rowptr[i] = UINT64_MAX;
    for (int src = 0; src < b->sh.size; src++) { /* the entries of each row */
        for (size_t at = 0; at < in[src].len;) {
            uint64_t slot;
            uint32_t n;
            if (in[src].len - at < 12) goto bad;
            memcpy(&slot, in[src].p + at, 8);
            memcpy(&n, in[src].p + at + 8, 4);
            if (slot < r0 || slot >= r1 || blk->rowptr[slot - r0 + 1] != UINT64_MAX ||
                (in[src].len - at - 12) / 12 < n) {
                ty_seterr(b->err, sizeof b->err, "process %d sent a damaged or repeated row "
                          "(document %llu)", src, (unsigned long long)slot);
                return TENYO_ERR_CORRUPT;
            }
            blk->rowptr[slot - r0 + 1] = n;
            at += 12 + 12 * (size_t)n;
        }
    }
    blk->rowptr[0] = 0;
    for (uint64_t i = 0; i < nr; i++) {
        if (blk->rowptr[i + 1] == UINT64_MAX) {
            ty_seterr(b->err, sizeof b->err, "no process sent the row of document %llu",
                      (unsigned long long)(r0 + i));
            return TENYO_ERR_CORRUPT;
        }
        blk->rowptr[i + 1] += blk->rowptr[i];
    }
    uint64_t z = blk->rowptr[nr];
    blk->col = ty_mallocarray(z ? z : 1, sizeof *blk->col);
    blk->val = ty_mallocarray(z ? z : 1, sizeof *blk->val);
    *tf = ty_mallocarray(z ? z : 1, sizeof **tf);
    if (!blk->col || !blk->val || !*tf) return TENYO_ERR_NOMEM;
    for (int src = 0; src < b->sh.size; src++) {
        for (size_t at = 0; at < in[src].len;) {
            uint64_t slot, o;
            uint32_t n;
            memcpy(&slot, in[src].p + at, 8);
            memcpy(&n, in[src].p + at + 8, 4);
            o = blk->rowptr[slot - r0];
            const char *q = in[src].p + at + 12;
            memcpy(blk->col + o, q, 4 * (size_t)n);
            memcpy(blk->val + o, q + 4 * (size_t)n, 4 * (size_t)n);
            memcpy(*tf + o, q + 8 * (size_t)n, 4 * (size_t)n);
            at += 12 + 12 * (size_t)n;
        }
    }
    return TENYO_OK;
bad:
    ty_seterr(b->err, sizeof b->err, "a process sent a truncated row message");
    return TENYO_ERR_CORRUPT;
}

/* Collective: this process's rows weighed and sent to the owners of their
 * blocks (ty_svd_share over the documents in TY_SVD_BLOCK rows: the
 * SVD's split), and its own block [*row0, *row0 + blk->nrows) taken from
 * every process's. */
static int share_rows(tenyo_builder *b, const weights *w, ty_csr *blk, uint32_t **tf,
                      uint64_t *row0) {
    int P = b->sh.size, rc = TENYO_ERR_NOMEM;
    ty_buf *out = bufs_new(P), *in = bufs_new(P);
    uint64_t *bound = ty_mallocarray((size_t)P + 1, sizeof *bound), r1;
    if (!out || !in || !bound) goto done;
    for (int r = 0; r < P; r++) ty_svd_share(w->ndocs, TY_SVD_BLOCK, r, P, &bound[r], &r1);
    bound[P] = w->ndocs;
    for (uint64_t i = 0; i < own_count(b); i++) {
        uint64_t slot, k;
        uint32_t n;
        if ((rc = own_row(b, i, &slot, &n))) goto done;
        if (slot == UINT64_MAX) continue;
        if (slot >= w->ndocs) {
            ty_seterr(b->err, sizeof b->err, "process 0 named document %llu of %llu",
                      (unsigned long long)slot, (unsigned long long)w->ndocs);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if ((rc = row_room(b, n)) || (rc = weigh_row(b, w, n, b->rcol, b->rval, b->rtf, &k)) ||
            (rc = row_put(&out[block_owner(bound, P, slot)], slot, b, k)))
            goto done;
    }
    rc = b->sh.exchange(b->sh.ud, out, in, b->err, sizeof b->err);
    bufs_free(out, P);
    out = NULL;
    if (rc) goto done;
    ty_svd_share(w->ndocs, TY_SVD_BLOCK, b->sh.rank, P, row0, &r1);
    rc = rows_take(b, in, *row0, r1, w->nt, blk, tf);
done:
    bufs_free(out, P);
    bufs_free(in, P);
    free(bound);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory sharing the rows");
    return rc;
}

int ty_builder_share_weigh(tenyo_builder *b, ty_csr *blk, uint32_t **tf, uint64_t *row0) {
    if (!b || !blk || !tf || !row0 || b->sh.size <= 1 || b->sh.rank == 0 || !b->lvoc)
        return TENYO_ERR_ARG;
    memset(blk, 0, sizeof *blk);
    *tf = NULL;
    weights w = {0};
    int rc = share_df(b, &w);
    if (!rc && (rc = weights_make(b, &w)) == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory weighting terms");
    if (!rc) rc = share_rows(b, &w, blk, tf, row0);
    weights_free(&w);
    ty_bld_release(b); /* the rows are all this process needs from here */
    if (rc) {
        ty_csr_free(blk);
        free(*tf);
        *tf = NULL;
    }
    return rc;
}

/* Document frequencies over the documents' pairs, the min_df /
 * max_df_ratio filter (kept terms keep their first-occurrence order), the
 * vocabulary and the TF-IDF CSR into m; remap[raw id] is the kept term id
 * or UINT32_MAX (allocated here, the caller frees it). The pairs arena is
 * freed at the end. A shared build (process 0) weighs with the others
 * (share_df, share_rows) and m->tfidf holds its block of rows only, until
 * the gather after the SVD. */
int ty_bld_build_tfidf(tenyo_builder *b, ty_model *m, uint32_t **remap_out) {
    int shared = b->sh.size > 1;
    weights w = {.ndocs = b->n, .nraw = ty_strmap_size(b->voc)};
    uint64_t row0 = 0;
    int rc = TENYO_ERR_NOMEM;
    *remap_out = NULL;
    if (shared) {
        rc = share_df(b, &w);
        if (rc) goto done;
    } else {
        w.df = ty_calloc(w.nraw ? w.nraw : 1, sizeof *w.df);
        if (!w.df) goto done;
        if ((rc = own_df(b, w.df, w.nraw))) goto done;
    }
    rc = weights_make(b, &w);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    /* vocabulary arrays */
    uint32_t nt = w.nt, nraw = w.nraw;
    double maxdf = b->o.max_df_ratio * (double)b->n;
    m->nterms = nt;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    if (!m->term_off) goto done;
    ty_buf blob = {0};
    for (uint32_t t = 0; t < nraw; t++) {
        if (w.remap[t] == UINT32_MAX) continue;
        size_t len;
        const char *key = ty_strmap_key(b->voc, t, &len);
        m->term_off[w.remap[t]] = blob.len;
        if (ty_buf_append(&blob, key, len + 1)) {
            ty_buf_free(&blob);
            goto done;
        }
    }
    m->term_blob = blob.p ? blob.p : ty_strdup("");
    m->term_blob_len = blob.len;
    if (!m->term_blob) goto done;
    /* the terms max_df dropped (too common), so that a query made of them
     * is told so rather than "not in the index"; at most COMMON_MAX */
    ty_buf com = {0};
    uint32_t ncom = 0;
    for (const char *t = b->common; t && t < b->common + b->common_len && ncom < COMMON_MAX;
         t += strlen(t) + 1, ncom++)
        if (ty_buf_append(&com, t, strlen(t) + 1)) {
            ty_buf_free(&com);
            goto done;
        }
    for (uint32_t t = 0; t < nraw && b->n >= 10 && ncom < COMMON_MAX; t++) {
        if (w.remap[t] != UINT32_MAX || (double)w.df[t] <= maxdf) continue;
        size_t len;
        const char *key = ty_strmap_key(b->voc, t, &len);
        if (ty_buf_append(&com, key, len + 1)) {
            ty_buf_free(&com);
            goto done;
        }
        ncom++;
    }
    m->common_blob = com.p;
    m->common_len = com.len;
    /* CSR rows */
    rc = shared ? share_rows(b, &w, &m->tfidf, &m->tf, &row0)
                : local_rows(b, &w, &m->tfidf, &m->tf);
    if (rc) goto done;
    ty_buf_free(&b->pairs);
    m->df = w.kdf;
    m->idf = w.idf;
    *remap_out = w.remap;
    w.kdf = w.remap = NULL;
    w.idf = NULL;
    rc = TENYO_OK;
done:
    weights_free(&w);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory weighting terms");
    return rc;
}
