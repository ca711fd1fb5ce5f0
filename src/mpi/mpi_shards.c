/*
 * mpi_shards.c — `tenyo-mpi index --shards N`: each shard's file written
 * by the rank that holds its rows (shard i by rank i % P), from the rows and
 * vectors where they are after the SVD, with the documents' metadata and
 * abstracts read again from the inputs by that rank (docs_read: the live
 * records' numbers, never text sent from rank 0), and the reports gathered
 * on rank 0 for the manifest. The opening comment of tenyo_mpi.c ("Sharded
 * output") gives the design and what was rejected.
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

/* ============================================================ the shards */

#define TAG_SHARD 15
#define TAG_SHARDREP 16

/* A file this rank wrote: counted, and said on stderr by the rank itself
 * (tests/mpi.sh checks, with mpirun --tag-output, that each shard file was
 * written by the rank it belongs to). */
static void wrote(share_state *st, const char *name, uint64_t bytes) {
    st->wrote_files++;
    st->wrote_bytes += bytes;
    fprintf(stderr, "tenyo-mpi: rank %d wrote %s (%llu bytes)\n", st->rank, name,
            (unsigned long long)bytes);
    fflush(stderr);
}

/* Rank 0 (ty_builder_share.nnz): every rank's non-zeros summed here
 * (integers: exact), for the shared part's build section. */
int tm_nnz_root(void *ud, uint64_t own, uint64_t *all, char *err, size_t errlen) {
    (void)ud;
    int64_t h[HEAD_N] = {JOB_NNZ};
    MPI_Request r;
    if (tm_bcast_wait(h, HEAD_N) ||
        MPI_Ireduce(&own, all, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS)) {
        ty_seterr(err, errlen, "message passing failed counting the non-zeros");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Ranks other than 0, JOB_NNZ: its block's non-zeros, to the sum. */
int tm_follow_nnz(share_state *st, char *err, size_t errlen) {
    uint64_t own = st->rows.rowptr ? st->rows.rowptr[st->rows.nrows] : 0, all = 0;
    MPI_Request r;
    if (MPI_Ireduce(&own, &all, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD, &r) !=
            MPI_SUCCESS ||
        ty_mpicomm_wait(&r, POLL_NS)) {
        ty_seterr(err, errlen, "message passing failed counting the non-zeros");
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* The rows pieces of a JOB_SHARDS in flight from this rank: each a length
 * and the piece in messages of at most PIECE bytes (TAG_SHROWS), or kept
 * here for a shard this rank writes. */
typedef struct rows_out {
    uint32_t n;           /* shards */
    void **keep;          /* n: this rank's piece of each shard it writes, or NULL */
    size_t *keeplen;      /* their lengths */
    uint64_t *lens;       /* n: the lengths sent (buffers of the sends) */
    void **bufs;          /* n: the pieces sent, freed once sent */
    MPI_Request *q;       /* the sends */
    size_t nq, capq;      /* used / allocated */
} rows_out;

static void rows_out_free(rows_out *ro) {
    for (uint32_t i = 0; i < ro->n; i++) {
        if (ro->keep) free(ro->keep[i]);
        if (ro->bufs) free(ro->bufs[i]);
    }
    free(ro->keep);
    free(ro->keeplen);
    free(ro->lens);
    free(ro->bufs);
    free(ro->q);
    memset(ro, 0, sizeof *ro);
}

#define TAG_SHROWS 18

/* This rank's block [r0, r0 + a->nrows) of nrows documents, each shard's
 * part of it encoded (ty_shards_rows_piece: its rows' and vectors'
 * sections, float16 ones with f16) and sent to the shard's writer, rank
 * i % P, or kept when that is this rank. The sends are posted, not waited
 * for (rows_wait): every writer takes them in shard order, and in rank
 * order for one shard (the blocks are contiguous and ascending). */
static int rows_post(share_state *st, rows_out *ro, uint32_t n, uint64_t nrows,
                     const ty_csr *a, const uint32_t *tf, const float *vecs, uint32_t k,
                     int f16, uint64_t r0, char *err, size_t errlen) {
    uint32_t P = (uint32_t)st->size;
    int rc = TENYO_ERR_NOMEM;
    memset(ro, 0, sizeof *ro);
    ro->n = n;
    ro->keep = calloc(n, sizeof *ro->keep);
    ro->keeplen = calloc(n, sizeof *ro->keeplen);
    ro->lens = calloc(n, sizeof *ro->lens);
    ro->bufs = calloc(n, sizeof *ro->bufs);
    if (!ro->keep || !ro->keeplen || !ro->lens || !ro->bufs) goto nomem;
    uint64_t r1 = r0 + a->nrows;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t f0 = ty_shards_first(nrows, n, i), f1 = ty_shards_first(nrows, n, i + 1);
        uint64_t lo = f0 > r0 ? f0 : r0, hi = f1 < r1 ? f1 : r1;
        if (lo >= hi) continue;
        /* the rows lo..hi of this block as a matrix of their own */
        uint64_t d = hi - lo, base = a->rowptr[lo - r0];
        uint64_t *rp = malloc((d + 1) * sizeof *rp);
        uint16_t *h = f16 && k ? malloc(d * k * sizeof *h) : NULL;
        if (!rp || (f16 && k && !h)) {
            free(rp);
            free(h);
            goto nomem;
        }
        for (uint64_t j = 0; j <= d; j++) rp[j] = a->rowptr[lo - r0 + j] - base;
        ty_csr sub = {.nrows = d, .ncols = a->ncols, .rowptr = rp,
                      .col = a->col ? a->col + base : NULL,
                      .val = a->val ? a->val + base : NULL};
        const float *v = k ? vecs + (lo - r0) * k : NULL;
        if (h) ty_f16_from_floats(v, (size_t)(d * k), h);
        void *p = NULL;
        size_t len = 0;
        rc = ty_shards_rows_piece(&sub, tf ? tf + base : NULL, v, h, k, &p, &len, err, errlen);
        free(rp);
        free(h);
        if (rc) goto fail;
        int w = (int)(i % P);
        if (w == st->rank) {
            ro->keep[i] = p;
            ro->keeplen[i] = len;
            continue;
        }
        size_t need = ro->nq + 2 + len / PIECE;
        if (need > ro->capq) {
            size_t cap = 2 * need;
            MPI_Request *q = realloc(ro->q, cap * sizeof *q);
            if (!q) {
                free(p);
                goto nomem;
            }
            ro->q = q;
            ro->capq = cap;
        }
        ro->bufs[i] = p;
        ro->lens[i] = len;
        if (MPI_Isend(&ro->lens[i], 1, MPI_UINT64_T, w, TAG_SHROWS, MPI_COMM_WORLD,
                      &ro->q[ro->nq++]) != MPI_SUCCESS)
            goto mpi;
        for (size_t o = 0; o < len || o == 0; o += PIECE) { /* tm_recv_big's cuts */
            size_t m = len - o < PIECE ? len - o : PIECE;
            if (MPI_Isend((char *)p + o, (int)m, MPI_BYTE, w, TAG_SHROWS, MPI_COMM_WORLD,
                          &ro->q[ro->nq++]) != MPI_SUCCESS)
                goto mpi;
            if (len == 0) break;
        }
    }
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "out of memory sending the shards' rows");
    return TENYO_ERR_NOMEM;
mpi:
    ty_seterr(err, errlen, "message passing failed sending the shards' rows");
    return TENYO_ERR_DEPENDENCY;
fail:
    return rc;
}

/* Wait for this rank's rows sends without spinning. */
static int rows_wait(rows_out *ro) {
    for (;;) {
        int done = 0;
        if (ro->nq == 0) return TENYO_OK;
        if (MPI_Testall((int)ro->nq, ro->q, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS)
            return TENYO_ERR_DEPENDENCY;
        if (done) return TENYO_OK;
        tm_nap();
    }
}

/* Shard i's writer (this rank): its rows pieces, from every rank whose
 * block holds some of its documents, in rank order (kept here, or
 * received), into p[0..*np) and len; a shard of no documents gets one
 * piece of none, made here. */
static int rows_take(share_state *st, rows_out *ro, uint32_t i, uint32_t n, uint64_t nrows,
                     uint32_t k, int f16, void **p, size_t *len, int *np, char *err,
                     size_t errlen) {
    uint64_t f0 = ty_shards_first(nrows, n, i), f1 = ty_shards_first(nrows, n, i + 1);
    *np = 0;
    for (int r = 0; r < st->size; r++) {
        uint64_t r0, r1;
        ty_mpicomm_share(nrows, TY_SVD_BLOCK, r, st->size, &r0, &r1);
        if ((f0 > r0 ? f0 : r0) >= (f1 < r1 ? f1 : r1)) continue;
        if (r == st->rank) {
            if (!ro->keep[i]) goto bad;
            p[*np] = ro->keep[i];
            len[(*np)++] = ro->keeplen[i];
            ro->keep[i] = NULL;
            continue;
        }
        uint64_t l = 0;
        if (tm_recv_big(&l, sizeof l, r, TAG_SHROWS)) goto mpi;
        void *b = l < SIZE_MAX ? malloc(l ? (size_t)l : 1) : NULL;
        if (!b) {
            ty_seterr(err, errlen, "out of memory receiving shard %u's rows (%llu bytes)", i,
                      (unsigned long long)l);
            return TENYO_ERR_NOMEM;
        }
        p[*np] = b;
        len[(*np)++] = (size_t)l;
        if (tm_recv_big(b, (size_t)l, r, TAG_SHROWS)) goto mpi;
        if (st->rank == 0) st->got[POST_FILE] += l + sizeof l;
    }
    if (*np == 0) { /* no documents: the sections, empty */
        static const uint16_t none = 0;
        static const uint32_t no_tf = 0; /* counts (of none): tfidf.tf, as the others */
        uint64_t zero = 0;
        ty_csr e = {.nrows = 0, .ncols = 0, .rowptr = &zero};
        int rc = ty_shards_rows_piece(&e, &no_tf, NULL, f16 ? &none : NULL, k, &p[0], &len[0],
                                      err, errlen);
        if (rc) return rc;
        *np = 1;
    }
    return TENYO_OK;
bad:
    ty_seterr(err, errlen, "process %d holds none of shard %u's rows", st->rank, i);
    return TENYO_ERR_CORRUPT;
mpi:
    ty_seterr(err, errlen, "message passing failed receiving shard %u's rows", i);
    return TENYO_ERR_DEPENDENCY;
}

/* Write shard i here from piece pc[0..pl) and its rows pieces, and say so. */
static int write_shard(share_state *st, rows_out *ro, uint32_t i, uint32_t n, uint64_t nrows,
                       uint32_t k, int f16, const void *pc, size_t pl, const ty_buf *dm,
                       const ty_buf *ab, ty_shard_report *rep, char *err, size_t errlen) {
    int P = st->size, np = 0;
    void **p = calloc((size_t)P + 1, sizeof *p);
    size_t *len = calloc((size_t)P + 1, sizeof *len);
    int rc = TENYO_ERR_NOMEM;
    if (!p || !len) {
        ty_seterr(err, errlen, "out of memory writing shard %u", i);
        goto done;
    }
    rc = rows_take(st, ro, i, n, nrows, k, f16, p, len, &np, err, errlen);
    if (!rc)
        rc = ty_shards_write_parts(pc, pl, (const void *const *)p, len, np,
                                   dm ? (dm->p ? dm->p : "") : NULL, dm ? dm->len : 0,
                                   ab ? (ab->p ? ab->p : "") : NULL, ab ? ab->len : 0, rep, err,
                                   errlen);
    if (!rc) wrote(st, rep->name, rep->bytes);
done:
    for (int j = 0; p && j < np; j++) free(p[j]);
    free(p);
    free(len);
    return rc;
}

/* The documents of the shards this rank writes, their metadata made here
 * from the inputs read again (docs_elsewhere): k numbers them in shard
 * then document order; want lists them by live record. */
typedef struct doc_want {
    uint64_t rec;         /* its live record's position (read_add's) */
    uint64_t k;           /* its place among this rank's documents */
} doc_want;

typedef struct docs_in {
    doc_want *want;       /* nk, ascending by rec (live records differ) */
    uint64_t nk;          /* documents */
    uint64_t next;        /* the first of want not yet read */
    uint64_t seen;        /* records read so far (only wanted ones) */
    int file;             /* the input being read */
    int has_abs;          /* the index has abstracts: keep each one's */
    ty_buf meta, abs;     /* their docmeta strings and abstracts, in record
                             order */
    uint64_t *mo, *ao;    /* nk + 1... per k: where its strings start in
                             meta and abs */
    uint64_t *ml, *al;    /* per k: their bytes */
    int rc;               /* a failed add's status */
    char err[160];        /* and its message */
} docs_in;

static void docs_in_free(docs_in *x) {
    free(x->want);
    ty_buf_free(&x->meta);
    ty_buf_free(&x->abs);
    free(x->mo);
    free(x->ao);
    free(x->ml);
    free(x->al);
    memset(x, 0, sizeof *x);
}

static int cmp_want(const void *a, const void *b) {
    uint64_t x = ((const doc_want *)a)->rec, y = ((const doc_want *)b)->rec;
    return x < y ? -1 : x > y;
}

/* ty_want_fn of the second read: the records at wanted positions only
 * (the others' lines not even parsed, as in the first read). */
static int docs_want(void *ud, long line) {
    const docs_in *x = ud;
    doc_want key = {(uint64_t)x->file << LINE_BITS | (uint64_t)(line < 0 ? 0 : line), 0};
    return bsearch(&key, x->want, x->nk, sizeof *x->want, cmp_want) != NULL;
}

/* cli_sink.begin of the second read. */
static int docs_begin(void *ud, int file, tenyo_reader *r) {
    docs_in *x = ud;
    x->file = file;
    ty_reader_select(r, docs_want, x);
    return TENYO_OK;
}

/* cli_sink.add of the second read: kept when it is a wanted document's
 * live record; 1 (stop reading) once every one is (a shard's live records
 * are mostly its own stretch of the input, so the writer of an early
 * shard reads only the input up to it). */
static int docs_add(void *ud, const tenyo_doc *d) {
    docs_in *x = ud;
    uint64_t rec = (uint64_t)x->file << LINE_BITS | (uint64_t)(d->line < 0 ? 0 : d->line);
    x->seen++;
    if (x->next >= x->nk || x->want[x->next].rec != rec) return TENYO_OK;
    uint64_t k = x->want[x->next++].k;
    x->mo[k] = x->meta.len;
    x->ao[k] = x->abs.len;
    int rc = ty_builder_doc_meta(d, &x->meta, x->has_abs ? &x->abs : NULL);
    if (rc) {
        snprintf(x->err, sizeof x->err, "out of memory keeping record %llu's metadata",
                 (unsigned long long)rec);
        return x->rc = rc;
    }
    x->ml[k] = x->meta.len - x->mo[k];
    x->al[k] = x->abs.len - x->ao[k];
    return x->next == x->nk; /* all found: the rest of the input unread */
}

static const char *docs_error(void *ud) {
    return ((docs_in *)ud)->err;
}

/* Read the inputs again and keep the metadata of the documents whose live
 * records are recs[0..nk) (k order) into x (has_abs: their abstracts
 * too). Every one must be found: the inputs are the first read's. */
static int docs_read(share_state *st, const uint64_t *recs, uint64_t nk, int has_abs,
                     docs_in *x, char *err, size_t errlen) {
    memset(x, 0, sizeof *x);
    x->nk = nk;
    x->has_abs = has_abs;
    x->want = malloc((nk ? nk : 1) * sizeof *x->want);
    x->mo = malloc((nk ? nk : 1) * sizeof *x->mo);
    x->ao = malloc((nk ? nk : 1) * sizeof *x->ao);
    x->ml = malloc((nk ? nk : 1) * sizeof *x->ml);
    x->al = malloc((nk ? nk : 1) * sizeof *x->al);
    if (!x->want || !x->mo || !x->ao || !x->ml || !x->al) {
        ty_seterr(err, errlen, "out of memory for %llu documents' metadata",
                  (unsigned long long)nk);
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t k = 0; k < nk; k++) x->want[k] = (doc_want){recs[k], k};
    qsort(x->want, nk, sizeof *x->want, cmp_want);
    for (uint64_t k = 1; k < nk; k++)
        if (x->want[k].rec == x->want[k - 1].rec) {
            ty_seterr(err, errlen, "record %llu is the live version of two documents",
                      (unsigned long long)x->want[k].rec);
            return TENYO_ERR_CORRUPT;
        }
    if (!nk) return TENYO_OK;
    if (!st->files) {
        ty_seterr(err, errlen, "process %d was not given the inputs to read again", st->rank);
        return TENYO_ERR_ARG;
    }
    double t0 = ty_now();
    cli_sink sink = {docs_add, docs_error, x, NULL, NULL, docs_begin, NULL, 1};
    cli_read_totals tot = {0};
    int ec = cli_read_inputs(&sink, st->files, st->nfiles, &st->ro, 1, NULL, NULL, &tot);
    st->reread_s += ty_now() - t0;
    if (x->rc) {
        ty_seterr(err, errlen, "%s", x->err);
        return x->rc;
    }
    if (ec || x->next != nk) {
        ty_seterr(err, errlen, "reading the inputs again, process %d found %llu of its %llu "
                  "documents' records (%llu records taken): the inputs changed during the build",
                  st->rank, (unsigned long long)x->next, (unsigned long long)nk,
                  (unsigned long long)x->seen);
        return TENYO_ERR_INPUT;
    }
    return TENYO_OK;
}

/* The docmeta and abstracts' text of documents k0..k1 of x, in order,
 * into dm and ab (emptied first; ab only when x has abstracts). */
static int docs_cut(const docs_in *x, uint64_t k0, uint64_t k1, ty_buf *dm, ty_buf *ab) {
    dm->len = ab->len = 0;
    for (uint64_t k = k0; k < k1; k++)
        if (ty_buf_append(dm, x->meta.p + x->mo[k], x->ml[k]) ||
            (x->has_abs && x->al[k] && ty_buf_append(ab, x->abs.p + x->ao[k], x->al[k])))
            return TENYO_ERR_NOMEM;
    return TENYO_OK;
}

/* 1 when x's documents lie in x->meta and x->abs in document order with
 * nothing between them (records read in the documents' order: as docs_cut
 * of all of them would copy them). */
static int docs_in_order(const docs_in *x, uint64_t nk) {
    uint64_t mo = 0, ao = 0;
    for (uint64_t k = 0; k < nk; k++) {
        if (x->mo[k] != mo || (x->has_abs && x->al[k] && x->ao[k] != ao)) return 0;
        mo += x->ml[k];
        if (x->has_abs) ao += x->al[k];
    }
    return mo == x->meta.len && (!x->has_abs || ao == x->abs.len);
}

/* Write this rank's shards mine[0..nm) (ascending) from their pieces
 * pc/pl (rank 0's) and rows pieces, with recs (k order, NULL: the pieces
 * hold the metadata) their documents' live records: their metadata read
 * here first. rep[j] filled for each; each file said on stderr. After
 * each, report(st, j, rep) when given (0 or a status). */
static int write_mine(share_state *st, rows_out *ro, const uint32_t *mine, uint32_t nm,
                      uint32_t n, uint64_t nrows, uint32_t k, int f16, void **pc,
                      const size_t *pl, const uint64_t *recs, int has_abs,
                      int (*report)(share_state *, ty_shards_out *, const ty_shard_report *,
                                    char *, size_t),
                      ty_shards_out *o, char *err, size_t errlen) {
    docs_in x;
    ty_buf dm = {0}, ab = {0};
    uint64_t nk = 0;
    for (uint32_t j = 0; j < nm; j++)
        nk += ty_shards_first(nrows, n, mine[j] + 1) - ty_shards_first(nrows, n, mine[j]);
    int rc = recs ? docs_read(st, recs, nk, has_abs, &x, err, errlen) : TENYO_OK;
    if (!recs) memset(&x, 0, sizeof x);
    uint64_t k0 = 0;
    /* one shard whose documents were read in order: their text as read,
     * not a second copy of it (a shard of a million documents: about 1 GB) */
    int whole = !rc && recs && nm == 1 && docs_in_order(&x, nk);
    for (uint32_t j = 0; j < nm && !rc; j++) {
        uint32_t i = mine[j];
        uint64_t d = ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
        if (whole) {
            dm = x.meta;
            ab = x.abs;
            x.meta = x.abs = (ty_buf){0};
        } else if (recs && docs_cut(&x, k0, k0 + d, &dm, &ab)) {
            ty_seterr(err, errlen, "out of memory for shard %u's metadata", i);
            rc = TENYO_ERR_NOMEM;
            break;
        }
        k0 += d;
        ty_shard_report rep;
        rc = write_shard(st, ro, i, n, nrows, k, f16, pc[j], pl[j], recs ? &dm : NULL,
                         recs && has_abs ? &ab : NULL, &rep, err, errlen);
        free(pc[j]);
        pc[j] = NULL;
        if (!rc && report) rc = report(st, o, &rep, err, errlen);
    }
    ty_buf_free(&dm);
    ty_buf_free(&ab);
    docs_in_free(&x);
    return rc;
}

/* Rank 0's report of its own shard: checked at once. */
static int report_root(share_state *st, ty_shards_out *o, const ty_shard_report *rep,
                       char *err, size_t errlen) {
    (void)st;
    return ty_shards_done(o, rep, err, errlen);
}

/* TENYO_MPI_SHARD_PAUSE: seconds a rank other than 0 waits after writing
 * each shard file, before reporting it (tests: a rank killed there). */
static void shard_pause(void) {
    const char *e = getenv("TENYO_MPI_SHARD_PAUSE");
    long s = e && *e ? strtol(e, NULL, 10) : 0;
    if (s > 0 && s <= 600) {
        struct timespec ts = {s, 0};
        nanosleep(&ts, NULL);
    }
}

/* Another rank's report of its shard, sent to rank 0. */
static int report_follow(share_state *st, ty_shards_out *o, const ty_shard_report *rep,
                         char *err, size_t errlen) {
    (void)st;
    (void)o;
    shard_pause();
    if (tm_send_big(rep, sizeof *rep, 0, TAG_SHARDREP)) {
        ty_seterr(err, errlen, "message passing failed reporting shard %u", rep->shard);
        return TENYO_ERR_DEPENDENCY;
    }
    return TENYO_OK;
}

/* Rank 0 (ty_builder_share.shards): shard i is written by rank i % P.
 * Every rank first posts its block's part of each shard to the shard's
 * writer (rows_post: rank to rank, none through here); then every other
 * rank's pieces are sent (each rank compresses and writes while this one
 * goes on): with recs (docs_elsewhere), each the per-document pieces
 * made here (docflags, docfields, phrase.docs: a few bytes a document,
 * no text) and the shard's documents' live record numbers (8 bytes a
 * document), from which the writer makes their docmeta and abstracts'
 * text itself (write_mine); then this rank writes its own, then takes
 * the reports in shard order (each rank sends its own in order) and
 * checks each file (ty_shards_done). */
int tm_shards_root(void *ud, ty_shards_out *o, uint32_t n, uint64_t nrows,
                       ty_csr *own, uint32_t **own_tf, float **own_vecs,
                       uint32_t k, int f16, const uint64_t *recs, int has_abs, char *err,
                       size_t errlen) {
    share_state *st = ud;
    uint32_t P = (uint32_t)st->size, nm = 0;
    int64_t h[HEAD_N] = {JOB_SHARDS, (int64_t)n, (int64_t)nrows, k, f16, recs != NULL,
                         has_abs};
    uint64_t sb, r0, r1, nk = 0;
    rows_out ro;
    memset(&ro, 0, sizeof ro);
    uint32_t *mine = calloc(n / P + 1, sizeof *mine);
    void **pc = calloc(n / P + 1, sizeof *pc);
    size_t *pl = calloc(n / P + 1, sizeof *pl);
    uint64_t *mrec = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!mine || !pc || !pl) {
        ty_seterr(err, errlen, "out of memory for the shards");
        goto done;
    }
    const char *sn = ty_shards_shared(o, &sb);
    wrote(st, sn, sb);
    if (tm_bcast_wait(h, HEAD_N)) goto mpi;
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, 0, st->size, &r0, &r1);
    uint64_t held = own->nrows;
    rc = r1 - r0 == held
             ? rows_post(st, &ro, n, nrows, own, *own_tf, *own_vecs, k, f16, r0, err, errlen)
             : TENYO_ERR_CORRUPT;
    /* taken: encoded into the pieces, not held through the writes */
    ty_csr_free(own);
    free(*own_tf);
    free(*own_vecs);
    *own_tf = NULL;
    *own_vecs = NULL;
    if (rc == TENYO_ERR_CORRUPT)
        ty_seterr(err, errlen, "process 0 holds %llu rows, not its SVD block's %llu",
                  (unsigned long long)held, (unsigned long long)(r1 - r0));
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint64_t d0 = ty_shards_first(nrows, n, i), d1 = ty_shards_first(nrows, n, i + 1);
        void *p = NULL;
        size_t len = 0;
        rc = ty_shards_piece(o, i, &p, &len, err, errlen);
        if (rc) break;
        if (i % P == 0) { /* its own: written below */
            mine[nm] = i;
            pc[nm] = p;
            pl[nm++] = len;
            nk += d1 - d0;
            continue;
        }
        uint64_t l = len;
        int bad = tm_send_big(&l, sizeof l, (int)(i % P), TAG_SHARD) ||
                  tm_send_big(p, len, (int)(i % P), TAG_SHARD) ||
                  (recs && tm_send_big(recs + d0, (d1 - d0) * sizeof *recs, (int)(i % P),
                                    TAG_SHARD));
        free(p);
        if (bad) goto mpi;
        st->shard_sent += len + (recs ? (d1 - d0) * sizeof *recs : 0);
        st->shard_recs += recs ? (d1 - d0) * sizeof *recs : 0;
        st->shard_docs += d1 - d0;
    }
    if (!rc && recs && !(mrec = malloc((nk ? nk : 1) * sizeof *mrec))) {
        ty_seterr(err, errlen, "out of memory for the shards' record numbers");
        rc = TENYO_ERR_NOMEM;
    }
    uint64_t at = 0;
    for (uint32_t j = 0; !rc && recs && j < nm; j++) {
        uint64_t d0 = ty_shards_first(nrows, n, mine[j]);
        uint64_t d1 = ty_shards_first(nrows, n, mine[j] + 1);
        memcpy(mrec + at, recs + d0, (d1 - d0) * sizeof *mrec);
        at += d1 - d0;
    }
    if (!rc)
        rc = write_mine(st, &ro, mine, nm, n, nrows, k, f16, pc, pl, recs ? mrec : NULL, has_abs,
                        report_root, o, err, errlen);
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i % P == 0) continue;
        ty_shard_report rep;
        if (tm_recv_big(&rep, sizeof rep, (int)(i % P), TAG_SHARDREP)) goto mpi;
        rep.name[sizeof rep.name - 1] = 0;
        rc = ty_shards_done(o, &rep, err, errlen);
    }
    if (!rc && rows_wait(&ro)) goto mpi;
    goto done;
mpi:
    ty_seterr(err, errlen, "message passing failed sharing the shards' writing");
    rc = TENYO_ERR_DEPENDENCY;
done:
    rows_out_free(&ro);
    for (uint32_t j = 0; pc && j < nm; j++) free(pc[j]);
    free(pc);
    free(pl);
    free(mine);
    free(mrec);
    return rc;
}

/* Ranks other than 0, JOB_SHARDS: post its block's part of every shard
 * to the shard's writer (rows_post), then receive its shards' pieces
 * from rank 0 (i with i % P == rank, in order; with h[5] each followed by
 * its documents' live record numbers), read the inputs again for those
 * documents' metadata (write_mine), write and report each, with the rows
 * pieces of the ranks that hold its documents; its rows and vectors are
 * given back at the end. */
int tm_follow_shards(share_state *st, const int64_t *h, char *err, size_t errlen) {
    uint32_t n = (uint32_t)h[1], P = (uint32_t)st->size, k = (uint32_t)h[3], nm = 0;
    uint64_t nrows = (uint64_t)h[2], r0, r1, nk = 0;
    int f16 = (int)h[4], with_recs = (int)h[5], has_abs = (int)h[6], rc;
    rows_out ro;
    memset(&ro, 0, sizeof ro);
    ty_mpicomm_share(nrows, TY_SVD_BLOCK, st->rank, st->size, &r0, &r1);
    if (r0 != st->row0 || r1 - r0 != st->rows.nrows || (k && r1 > r0 && (k != st->k || !st->vecs))) {
        ty_seterr(err, errlen, "process %d holds rows %llu..%llu of vectors of %u floats, not "
                  "the shards' %llu..%llu of %u", st->rank, (unsigned long long)st->row0,
                  (unsigned long long)(st->row0 + st->rows.nrows), st->k,
                  (unsigned long long)r0, (unsigned long long)r1, k);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t *mine = calloc(n / P + 1, sizeof *mine);
    void **pc = calloc(n / P + 1, sizeof *pc);
    size_t *pl = calloc(n / P + 1, sizeof *pl);
    for (uint32_t i = (uint32_t)st->rank; i < n; i += P)
        nk += ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
    uint64_t *recs = with_recs ? malloc((nk ? nk : 1) * sizeof *recs) : NULL;
    if (!mine || !pc || !pl || (with_recs && !recs)) {
        ty_seterr(err, errlen, "out of memory for the shards");
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    rc = rows_post(st, &ro, n, nrows, &st->rows, st->tf, st->vecs, k, f16, r0, err, errlen);
    /* its pieces are encoded copies: the rows, counts and vectors (at a
     * million rows about 2.8 GB) are not held through the shards' writes */
    ty_csr_free(&st->rows);
    free(st->tf);
    free(st->vecs);
    st->tf = NULL;
    st->vecs = NULL;
    uint64_t at = 0;
    for (uint32_t i = (uint32_t)st->rank; i < n && !rc; i += P) {
        uint64_t l = 0, d = ty_shards_first(nrows, n, i + 1) - ty_shards_first(nrows, n, i);
        if (tm_recv_big(&l, sizeof l, 0, TAG_SHARD)) goto mpi;
        void *p = l < SIZE_MAX ? malloc(l ? (size_t)l : 1) : NULL;
        if (!p) {
            ty_seterr(err, errlen, "out of memory receiving shard %u (%llu bytes)", i,
                      (unsigned long long)l);
            rc = TENYO_ERR_NOMEM;
            break;
        }
        mine[nm] = i;
        pc[nm] = p;
        pl[nm++] = (size_t)l;
        if (tm_recv_big(p, (size_t)l, 0, TAG_SHARD) ||
            (with_recs && tm_recv_big(recs + at, d * sizeof *recs, 0, TAG_SHARD)))
            goto mpi;
        at += d;
    }
    if (!rc)
        rc = write_mine(st, &ro, mine, nm, n, nrows, k, f16, pc, pl, recs, has_abs,
                        report_follow, NULL, err, errlen);
    if (!rc && rows_wait(&ro)) goto mpi;
    goto done;
mpi:
    ty_seterr(err, errlen, "message passing failed receiving or reporting a shard");
    rc = TENYO_ERR_DEPENDENCY;
done:
    rows_out_free(&ro);
    for (uint32_t j = 0; pc && j < nm; j++) free(pc[j]);
    free(pc);
    free(pl);
    free(mine);
    free(recs);
    ty_csr_free(&st->rows);
    free(st->tf);
    free(st->vecs);
    st->tf = NULL;
    st->vecs = NULL;
    return rc;
}
