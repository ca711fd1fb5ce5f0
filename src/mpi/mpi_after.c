/*
 * mpi_after.c — `tenyo-mpi index` from the SVD on: every rank factors its
 * block of rows (tm_lsa_part, the row-split SVD of mpicomm.c); after the
 * SVD each rank keeps its
 * block's rows and their vectors; rank 0 asks for what it needs when it
 * needs it (the IVF's sample vectors, the field model's rows), has every
 * rank assign its own sample rows in each k-means step and then its vectors
 * to the IVF's lists, and gathers the whole matrix and the vectors last,
 * for the file. Each *_root function is the builder's callback on rank 0
 * (it broadcasts a JOB_* header first); the matching follow_* runs on the
 * other ranks, called from tenyo_mpi.c's loop of followers. Arrays larger
 * than PIECE go in pieces; every wait sleeps between polls (the opening
 * comment of tenyo_mpi.c, "Waiting").
 */
#include "api/api.h"
#include "cli/cli.h"
#include "mpi/index_mpi.h"
#include "mpi/mpicomm.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ============================================================ the SVD */

/* This rank's part of the SVD over its rows `mine` (global rows
 * [r0, r0 + mine->nrows) of nrows): s, v of the whole, docvec of its rows. */
int tm_lsa_part(share_state *st, const ty_csr *mine, uint64_t r0, uint64_t nrows,
                    const ty_svd_opts *o, float *s, float *v, float *dv, char *err,
                    size_t errlen) {
    ty_mpicomm mc = {.comm = MPI_COMM_WORLD};
    ty_svd_comm sc;
    ty_mpicomm_svd(&mc, &sc, r0, nrows);
    ty_svd_opts so = *o;
    so.block = TY_SVD_BLOCK;
    so.comm = &sc;
    if (st->rank != 0) so.progress = NULL;
    int rc = ty_svd_randomized(mine, &so, NULL, s, v, err, errlen);
    if (!rc && mine->nrows) ty_builder_docvecs(mine, v, (uint64_t)o->rank, dv, o->threads);
    st->svd_bytes += mc.bytes;
    st->svd_calls += mc.calls;
    return rc;
}

/* Rank 0 (ty_builder_share.lsa): every rank factors its block of rows
 * (each already holds it, from the weighting) and keeps its block's
 * document vectors. */
int tm_lsa_root(void *ud, const ty_csr *a, uint64_t nrows, const ty_svd_opts *o,
                    float *s, float *v, float *docvec, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_LSA, (int64_t)nrows, (int64_t)a->ncols, o->rank, o->oversample,
                         o->power_iters, (int64_t)o->seed, o->threads};
    if (tm_bcast_wait(h, HEAD_N)) {
        ty_seterr(err, errlen, "message passing failed sharing the SVD");
        return TENYO_ERR_DEPENDENCY;
    }
    return tm_lsa_part(st, a, 0, nrows, o, s, v, docvec, err, errlen);
}

/* ============================================================ after the SVD */

/* n bytes at p from rank 0 to every rank, in pieces, without spinning. */
static int bcast_big(void *p, size_t n) {
    for (size_t o = 0; o < n; o += PIECE) {
        size_t k = n - o < PIECE ? n - o : PIECE;
        MPI_Request r;
        if (MPI_Ibcast((char *)p + o, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
            ty_mpicomm_wait(&r, POLL_NS))
            return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* The first of d[0..n) (ascending) that is >= x, or n. */
static uint64_t lbound(const uint64_t *d, uint64_t n, uint64_t x) {
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (d[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Entries [*i0, *i1) of the list d[0..n) (NULL: every document) that fall
 * in rank r's block [*r0, *r1) of nrows documents. */
static void list_share(const uint64_t *d, uint64_t n, uint64_t nrows, int r, int P,
                       uint64_t *r0, uint64_t *r1, uint64_t *i0, uint64_t *i1) {
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, P, r0, r1);
    *i0 = d ? lbound(d, n, *r0) : *r0;
    *i1 = d ? lbound(d, n, *r1) : *r1;
}

/* Rank 0 and the others: the list of a JOB_VECS or JOB_PICK (h[2]
 * entries, -1: none, every document), broadcast; *d NULL for none. */
static int bcast_list(const int64_t *h, uint64_t **d, char *err, size_t errlen) {
    *d = NULL;
    if (h[2] < 0) return TENYO_OK;
    uint64_t n = (uint64_t)h[2];
    *d = malloc(n ? n * sizeof **d : 1);
    if (!*d) {
        ty_seterr(err, errlen, "out of memory for a list of %llu documents",
                  (unsigned long long)n);
        return TENYO_ERR_NOMEM;
    }
    if (bcast_big(*d, n * sizeof **d)) {
        free(*d);
        *d = NULL;
        ty_seterr(err, errlen, "message passing failed broadcasting a list of documents");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Rank 0 (ty_builder_share.vecs): the listed documents' vectors, each
 * rank's in rank order (its block is contiguous and the list ascending,
 * so they land in place). */
int tm_vecs_root(void *ud, const float *own, uint64_t own_rows, uint64_t nrows, uint32_t k,
                     const uint64_t *docs, uint64_t n, float *out, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_VECS, (int64_t)nrows, docs ? (int64_t)n : -1, k};
    uint64_t r0, r1, i0, i1;
    if (tm_bcast_wait(h, HEAD_N) || (docs && bcast_big((void *)docs, n * sizeof *docs))) goto mpi;
    for (int r = 0; r < st->size; r++) {
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        if (r == 0) {
            if (r1 - r0 != own_rows) goto mpi;
            for (uint64_t i = i0; i < i1; i++)
                memcpy(out + i * k, own + (docs ? docs[i] : i) * k, k * sizeof *out);
            continue;
        }
        if (tm_recv_big(out + i0 * k, (i1 - i0) * k * sizeof *out, r, TAG_VECS)) goto mpi;
        st->got[POST_VECS] += (i1 - i0) * k * sizeof *out;
    }
    st->ks_t0 = ty_now(); /* the IVF's k-means starts (ended by tm_assign_root) */
    st->ks_c0 = ty_cpu_now(0);
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed gathering document vectors");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_VECS: send rank 0 the listed vectors of its
 * block, in list order. */
int tm_follow_vecs(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], r0, r1, i0, i1, *docs;
    uint32_t k = (uint32_t)h[3];
    int rc = bcast_list(h, &docs, err, errlen);
    if (rc) return rc;
    uint64_t n = docs ? (uint64_t)h[2] : nrows;
    list_share(docs, n, nrows, st->rank, st->size, &r0, &r1, &i0, &i1);
    float *buf = st->vecs;
    if (k != st->k || r0 != st->row0 || r1 - r0 != st->rows.nrows) {
        free(docs);
        ty_seterr(err, errlen, "process %d holds other vectors than asked for", st->rank);
        return TENYO_ERR_CORRUPT;
    }
    if (docs) { /* the listed ones, together */
        buf = malloc(i1 > i0 ? (i1 - i0) * k * sizeof *buf : 1);
        if (!buf) {
            free(docs);
            ty_seterr(err, errlen, "out of memory sending document vectors");
            return TENYO_ERR_NOMEM;
        }
        for (uint64_t i = i0; i < i1; i++)
            memcpy(buf + (i - i0) * k, st->vecs + (docs[i] - r0) * k, k * sizeof *buf);
    }
    if (tm_send_big(buf, (i1 - i0) * k * sizeof *buf, 0, TAG_VECS)) {
        ty_seterr(err, errlen, "message passing failed sending document vectors");
        rc = TENYO_ERR_DEPENDENCY;
    }
    free(docs);
    if (rc) {
        if (docs) free(buf);
        return rc;
    }
    /* kept for the k-means steps that may follow (the list is the IVF's
     * sample): the rows stay here, only their assignments move */
    st->ksmp = buf;
    st->ks_owned = docs != NULL;
    st->ks_have = 1;
    st->ks_n = i1 - i0;
    st->ks_list = h[2];
    st->ks_nrows = nrows;
    return TENYO_OK;
}

/* Give back the sample rows kept from a JOB_VECS (any job but a k-means
 * step ends the k-means). */
void tm_ks_drop(share_state *st) {
    if (st->ks_owned) free(st->ksmp);
    st->ksmp = NULL;
    st->ks_have = st->ks_owned = 0;
    st->ks_n = 0;
}

/* Rank 0 (ty_builder_share.ksample), once a k-means iteration: the
 * centroids to every rank; each assigns the sample rows of its own block
 * (the others' kept from JOB_VECS, rank 0's own from smp, the first rows
 * of the sample: its block is the first) and sends the assignments, 4
 * bytes a row, received here in rank order into place (blocks contiguous,
 * the list ascending, as in tm_vecs_root). */
int tm_ksample_root(void *ud, const float *smp, const uint64_t *docs, uint64_t n,
                        uint64_t nrows, uint32_t k, const float *cent, uint32_t nlist,
                        int threads, uint32_t *asg, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_KSTEP, (int64_t)nrows, docs ? (int64_t)n : -1, k, nlist, threads};
    size_t cb = (size_t)nlist * k * sizeof *cent;
    uint64_t r0, r1, i0, i1;
    ty_ivf v;
    memset(&v, 0, sizeof v);
    v.cent = (float *)cent; /* read only: ty_ivf_assign's argument */
    v.nlist = nlist;
    v.dim = k;
    if (tm_bcast_wait(h, HEAD_N) || bcast_big(v.cent, cb)) goto mpi;
    st->ks_bcast += cb;
    st->ks_nlist = nlist;
    st->ks_steps++;
    double t = ty_now();
    list_share(docs, n, nrows, 0, st->size, &r0, &r1, &i0, &i1);
    int rc = ty_ivf_assign(&v, smp + i0 * k, i1 - i0, threads, asg + i0);
    if (rc) {
        ty_seterr(err, errlen, "out of memory assigning the k-means sample");
        return rc;
    }
    st->ks_rows += i1 - i0;
    st->ks_evals += (i1 - i0) * nlist;
    double t2 = ty_now();
    st->ks_own += t2 - t;
    for (int r = 1; r < st->size; r++) {
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        if (tm_recv_big(asg + i0, (i1 - i0) * sizeof *asg, r, TAG_KASG)) goto mpi;
        st->got[POST_KASG] += (i1 - i0) * sizeof *asg;
    }
    st->ks_wait += ty_now() - t2;
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed in a k-means step");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_KSTEP and JOB_ASSIGN: take the nlist x dim
 * centroids rank 0 broadcasts, assign the n rows of x (n x dim) to them
 * with ty_ivf_assign over `threads`, and send rank 0 the n assignments
 * under tag. match = 0 (the job does not fit what this rank holds) still
 * takes the broadcast, so that every rank completes it, then fails with
 * TENYO_ERR_CORRUPT; also TENYO_ERR_NOMEM, TENYO_ERR_DEPENDENCY (a
 * message failed). */
static int assign_for_root(uint32_t nlist, uint32_t dim, int match, const float *x,
                           uint64_t n, int threads, int tag) {
    ty_ivf v;
    memset(&v, 0, sizeof v);
    v.nlist = nlist;
    v.dim = dim;
    size_t cb = (size_t)nlist * dim * sizeof *v.cent;
    v.cent = malloc(cb + 1);
    uint32_t *asg = malloc(n ? n * sizeof *asg : 1);
    int rc = TENYO_ERR_NOMEM;
    if (!v.cent || !asg) goto done;
    rc = TENYO_ERR_DEPENDENCY;
    if (bcast_big(v.cent, cb)) goto done;
    rc = TENYO_ERR_CORRUPT;
    if (!match || !nlist) goto done;
    rc = ty_ivf_assign(&v, x, n, threads, asg);
    if (!rc && tm_send_big(asg, n * sizeof *asg, 0, tag)) rc = TENYO_ERR_DEPENDENCY;
done:
    free(v.cent);
    free(asg);
    return rc;
}

/* Ranks other than 0, JOB_KSTEP: the centroids, then the nearest of them
 * for each sample row it kept (JOB_VECS), to rank 0. */
int tm_follow_kstep(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t nlist = (uint32_t)h[4], dim = (uint32_t)h[3];
    int match = st->ks_have && st->ks_list == h[2] && st->ks_nrows == (uint64_t)h[1] &&
                (!st->ks_n || dim == st->k);
    int rc = assign_for_root(nlist, dim, match, st->ksmp, st->ks_n, (int)h[5], TAG_KASG);
    if (!rc) {
        st->ks_steps++;
        st->ks_rows += st->ks_n;
        st->ks_evals += st->ks_n * nlist;
    } else {
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory in a k-means step"
                               : rc == TENYO_ERR_CORRUPT ? "process holds another k-means "
                                                           "sample than asked for"
                                                         : "message passing failed in a "
                                                           "k-means step");
    }
    return rc;
}

/* Rank 0 (ty_builder_share.rows): the listed documents' rows (columns
 * and weights), each rank's lengths first, then its entries in place. */
int tm_pick_root(void *ud, const ty_csr *own, uint64_t nrows, const uint64_t *docs,
                     uint64_t n, ty_csr *out, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_PICK, (int64_t)nrows, (int64_t)n};
    uint64_t r0, r1, i0, i1;
    int rc = TENYO_ERR_DEPENDENCY;
    memset(out, 0, sizeof *out);
    if (tm_bcast_wait(h, HEAD_N) || bcast_big((void *)docs, n * sizeof *docs)) goto fail;
    rc = TENYO_ERR_NOMEM;
    uint64_t *rp = calloc(n + 1, sizeof *rp);
    out->rowptr = rp;
    out->nrows = n;
    out->ncols = own->ncols;
    if (!rp) goto fail;
    for (int r = 0; r < st->size; r++) { /* lengths */
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        rc = TENYO_ERR_DEPENDENCY;
        if (r == 0) {
            if (r1 - r0 != own->nrows) goto fail;
            for (uint64_t i = i0; i < i1; i++)
                rp[i + 1] = own->rowptr[docs[i] + 1] - own->rowptr[docs[i]];
        } else if (tm_recv_big(rp + i0 + 1, (i1 - i0) * sizeof *rp, r, TAG_ROWS)) {
            goto fail;
        } else {
            st->got[POST_ROWS] += (i1 - i0) * sizeof *rp;
        }
    }
    for (uint64_t i = 0; i < n; i++) rp[i + 1] += rp[i];
    uint64_t z = rp[n];
    rc = TENYO_ERR_NOMEM;
    out->col = malloc(z ? z * sizeof *out->col : 1);
    out->val = malloc(z ? z * sizeof *out->val : 1);
    if (!out->col || !out->val) goto fail;
    rc = TENYO_ERR_DEPENDENCY;
    for (int r = 0; r < st->size; r++) { /* entries */
        list_share(docs, n, nrows, r, st->size, &r0, &r1, &i0, &i1);
        uint64_t o = rp[i0], e = rp[i1] - o;
        if (r == 0) {
            for (uint64_t i = i0; i < i1; i++) {
                uint64_t a = own->rowptr[docs[i]], l = rp[i + 1] - rp[i];
                memcpy(out->col + rp[i], own->col + a, l * sizeof *out->col);
                memcpy(out->val + rp[i], own->val + a, l * sizeof *out->val);
            }
            continue;
        }
        if (tm_recv_big(out->col + o, e * sizeof *out->col, r, TAG_ROWS) ||
            tm_recv_big(out->val + o, e * sizeof *out->val, r, TAG_ROWS))
            goto fail;
        st->got[POST_ROWS] += e * (sizeof *out->col + sizeof *out->val);
    }
    return TENYO_OK;
fail:
    ty_csr_free(out);
    ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory gathering rows"
                                                 : "message passing failed gathering rows");
    return rc;
}

/* Ranks other than 0, JOB_PICK: the listed rows of its block, lengths
 * then columns then weights. */
int tm_follow_pick(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], r0, r1, i0, i1, *docs;
    int rc = bcast_list(h, &docs, err, errlen);
    if (rc) return rc;
    uint64_t n = (uint64_t)h[2];
    list_share(docs, n, nrows, st->rank, st->size, &r0, &r1, &i0, &i1);
    const ty_csr *a = &st->rows;
    uint64_t m = i1 - i0, z = 0;
    uint64_t *len = malloc(m ? m * sizeof *len : 1);
    uint32_t *col = NULL;
    float *val = NULL;
    rc = TENYO_ERR_CORRUPT;
    if (r0 != st->row0 || r1 - r0 != a->nrows) goto done;
    rc = TENYO_ERR_NOMEM;
    if (!len) goto done;
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t d = docs[i] - r0;
        len[i - i0] = a->rowptr[d + 1] - a->rowptr[d];
        z += len[i - i0];
    }
    col = malloc(z ? z * sizeof *col : 1);
    val = malloc(z ? z * sizeof *val : 1);
    if (!col || !val) goto done;
    for (uint64_t i = i0, o = 0; i < i1; i++) {
        uint64_t d = docs[i] - r0, b = a->rowptr[d], l = len[i - i0];
        memcpy(col + o, a->col + b, l * sizeof *col);
        memcpy(val + o, a->val + b, l * sizeof *val);
        o += l;
    }
    rc = tm_send_big(len, m * sizeof *len, 0, TAG_ROWS) ||
                 tm_send_big(col, z * sizeof *col, 0, TAG_ROWS) ||
                 tm_send_big(val, z * sizeof *val, 0, TAG_ROWS)
             ? TENYO_ERR_DEPENDENCY
             : TENYO_OK;
done:
    if (rc)
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory sending rows"
                               : rc == TENYO_ERR_CORRUPT ? "process holds other rows than asked for"
                                                         : "message passing failed sending rows");
    free(len);
    free(col);
    free(val);
    free(docs);
    return rc;
}

/* Rank 0 (ty_builder_share.assign): the centroids to every rank, which
 * assigns its block's vectors; the assignments back, in place. */
int tm_assign_root(void *ud, const ty_ivf *v, const float *own, uint64_t own_rows,
                       uint64_t nrows, int threads, uint32_t *asg, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_ASSIGN, (int64_t)nrows, v->nlist, v->dim, threads};
    if (st->ks_t0 > 0) { /* the k-means that followed the sample's gather */
        st->ks_wall += ty_now() - st->ks_t0;
        st->ks_cpu += ty_cpu_now(0) - st->ks_c0;
        st->ks_t0 = 0;
    }
    uint64_t r0, r1;
    if (tm_bcast_wait(h, HEAD_N) ||
        bcast_big(v->cent, (size_t)v->nlist * v->dim * sizeof *v->cent))
        goto mpi;
    int rc = ty_ivf_assign(v, own, own_rows, threads, asg);
    if (rc) {
        ty_seterr(err, errlen, "out of memory assigning vectors to lists");
        return rc;
    }
    for (int r = 1; r < st->size; r++) {
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        if (tm_recv_big(asg + r0, (r1 - r0) * sizeof *asg, r, TAG_ASG)) goto mpi;
        st->got[POST_ASG] += (r1 - r0) * sizeof *asg;
    }
    return TENYO_OK;
mpi:
    ty_seterr(err, errlen, "message passing failed assigning vectors to lists");
    return TENYO_ERR_DEPENDENCY;
}

/* Ranks other than 0, JOB_ASSIGN: its vectors' lists, to rank 0. */
int tm_follow_assign(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t dim = (uint32_t)h[3];
    int rc = assign_for_root((uint32_t)h[2], dim, dim == st->k, st->vecs, st->rows.nrows,
                             (int)h[4], TAG_ASG);
    if (rc)
        ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory assigning vectors"
                               : rc == TENYO_ERR_CORRUPT ? "centroids of another rank"
                                                         : "message passing failed assigning "
                                                           "vectors");
    return rc;
}

/* Rank 0 (ty_builder_share.gather), last: every rank's block of rows
 * after its own, in rank order (the blocks are contiguous): the rows'
 * lengths first, so that the entries are received in place; then the
 * vectors, in place. */
int tm_gather_root(void *ud, ty_csr *a, uint32_t **tf, float **docvec, uint32_t k,
                       uint64_t nrows, char *err, size_t errlen) {
    share_state *st = ud;
    int64_t h[HEAD_N] = {JOB_GATHER, (int64_t)nrows, k};
    uint64_t r0, r1;
    int rc = TENYO_ERR_DEPENDENCY;
    if (tm_bcast_wait(h, HEAD_N)) goto fail;
    rc = TENYO_ERR_NOMEM;
    uint64_t *rp = ty_reallocarray(a->rowptr, nrows + 1, sizeof *rp);
    if (!rp) goto fail;
    a->rowptr = rp;
    for (int r = 1; r < st->size; r++) { /* lengths, then offsets after ours */
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        uint64_t base = rp[r0];
        rc = TENYO_ERR_DEPENDENCY;
        if (tm_recv_big(rp + r0, (r1 - r0 + 1) * sizeof *rp, r, TAG_ROWS)) goto fail;
        st->got[POST_FILE] += (r1 - r0 + 1) * sizeof *rp;
        if (rp[r0] != 0) goto fail;
        for (uint64_t i = r0; i <= r1; i++) rp[i] += base;
    }
    uint64_t z = rp[nrows];
    rc = TENYO_ERR_NOMEM;
    uint32_t *col = ty_reallocarray(a->col, z ? z : 1, sizeof *col);
    if (col) a->col = col;
    float *val = ty_reallocarray(a->val, z ? z : 1, sizeof *val);
    if (val) a->val = val;
    uint32_t *t = ty_reallocarray(*tf, z ? z : 1, sizeof *t);
    if (t) *tf = t;
    float *dv = k ? ty_reallocarray(*docvec, nrows, (size_t)k * sizeof *dv) : NULL;
    if (dv) *docvec = dv;
    if (!col || !val || !t || (k && !dv)) goto fail;
    rc = TENYO_ERR_DEPENDENCY;
    for (int r = 1; r < st->size; r++) {
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        uint64_t o = rp[r0], n = rp[r1] - o;
        if (tm_recv_big(a->col + o, n * sizeof *a->col, r, TAG_ROWS) ||
            tm_recv_big(a->val + o, n * sizeof *a->val, r, TAG_ROWS) ||
            tm_recv_big(*tf + o, n * sizeof **tf, r, TAG_ROWS) ||
            (k && tm_recv_big(dv + r0 * k, (r1 - r0) * k * sizeof *dv, r, TAG_VECS)))
            goto fail;
        st->got[POST_FILE] += n * (sizeof *a->col + sizeof *a->val + sizeof **tf) +
                              (r1 - r0) * k * sizeof *dv;
    }
    a->nrows = nrows;
    return TENYO_OK;
fail:
    ty_seterr(err, errlen, rc == TENYO_ERR_NOMEM ? "out of memory gathering the rows"
                                                 : "message passing failed gathering the rows");
    return rc;
}

/* Ranks other than 0, JOB_LSA: factor its block with the others and keep
 * the document vectors of its rows. */
int tm_follow_lsa(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint64_t nrows = (uint64_t)h[1], ncols = (uint64_t)h[2], k = (uint64_t)h[3], r0, r1;
    ty_svd_opts o = {.rank = (int)h[3], .oversample = (int)h[4], .power_iters = (int)h[5],
                     .seed = (uint64_t)h[6], .threads = (int)h[7]};
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, st->rank, st->size, &r0, &r1);
    if (r0 != st->row0 || r1 - r0 != st->rows.nrows || ncols != st->rows.ncols) {
        ty_seterr(err, errlen, "process %d holds rows %llu..%llu of %llu columns, not the "
                  "SVD's %llu..%llu of %llu", st->rank, (unsigned long long)st->row0,
                  (unsigned long long)(st->row0 + st->rows.nrows),
                  (unsigned long long)st->rows.ncols, (unsigned long long)r0,
                  (unsigned long long)r1, (unsigned long long)ncols);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t n = r1 - r0;
    float *s = malloc(k * sizeof *s), *v = malloc((ncols ? ncols : 1) * k * sizeof *v);
    float *dv = malloc((n ? n : 1) * k * sizeof *dv);
    int rc = TENYO_ERR_NOMEM;
    if (!s || !v || !dv) {
        ty_seterr(err, errlen, "out of memory for the SVD");
        goto out;
    }
    /* the counts parked while the SVD runs (read again by the shards or
     * the gather after it) */
    ty_buf park = {0};
    uint64_t nnz = st->rows.rowptr ? st->rows.rowptr[st->rows.nrows] : 0;
    ty_builder_tf_park(&st->tf, nnz, &park);
    rc = tm_lsa_part(st, &st->rows, r0, nrows, &o, s, v, dv, err, errlen);
    int urc = ty_builder_tf_unpark(&st->tf, nnz, &park, err, errlen);
    ty_buf_free(&park);
    if (!rc) rc = urc;
    if (!rc) { /* kept for what follows (JOB_VECS, JOB_ASSIGN, JOB_GATHER) */
        free(st->vecs);
        st->vecs = dv;
        st->k = (uint32_t)k;
        dv = NULL;
    }
out:
    free(s);
    free(v);
    free(dv);
    return rc;
}

/* Ranks other than 0, JOB_GATHER: send rank 0 its block of rows (lengths
 * first, then columns, weights, counts) and its vectors, and give them
 * back. */
int tm_follow_gather(share_state *st, const int64_t *h, char *err, size_t errlen) {
    const ty_csr *a = &st->rows;
    uint64_t z = a->rowptr[a->nrows], k = (uint64_t)h[2];
    int rc = TENYO_OK;
    if (k && (k != st->k || !st->vecs)) {
        ty_seterr(err, errlen, "process %d holds no vectors of %llu floats", st->rank,
                  (unsigned long long)k);
        rc = TENYO_ERR_CORRUPT;
    } else if (tm_send_big(a->rowptr, (a->nrows + 1) * sizeof *a->rowptr, 0, TAG_ROWS) ||
               tm_send_big(a->col, z * sizeof *a->col, 0, TAG_ROWS) ||
               tm_send_big(a->val, z * sizeof *a->val, 0, TAG_ROWS) ||
               tm_send_big(st->tf, z * sizeof *st->tf, 0, TAG_ROWS) ||
               (k && tm_send_big(st->vecs, a->nrows * k * sizeof *st->vecs, 0, TAG_VECS))) {
        ty_seterr(err, errlen, "message passing failed sending rows to process 0");
        rc = TENYO_ERR_DEPENDENCY;
    }
    ty_csr_free(&st->rows);
    free(st->tf);
    free(st->vecs);
    st->tf = NULL;
    st->vecs = NULL;
    return rc;
}
