/*
 * rows.c — format 2's sparse rows decoded a block at a time, for a query
 * that reads a few hundred documents' rows (ideas: the query patent and
 * its neighbours) of an index opened for queries.
 *
 * The rows are two LEB128 streams, one value per non-zero (read_rows.c):
 * a row's values start at a known value number (rowptr) but at an unknown
 * byte. ty_rows_open reads both sections (one zstd frame each, as the
 * whole decode does), then finds in one pass over each stream the byte
 * where every block of ROWS_BLOCK rows starts (ty_rd_leb_offsets, which
 * the whole decode's split by threads uses too), and
 * maps the model's column and weight arrays zeroed (anonymous mappings,
 * m->rows_mapped: pages a query never decodes into are never touched,
 * whatever the heap's settings; at 60k a one-query heap of huge pages
 * had cleared both 7 MB arrays whole). A block is decoded by its first
 * reader (ty_rows_get: compare-and-swap of its state from NONE to BUSY,
 * decode with ty_rd_sp_run, release-store of DONE or BAD); a reader that
 * finds it BUSY waits for that store, so every reader of a row sees it
 * whole, and a block is written once. ty_rows_all decodes every block
 * left over the cores (parts of blocks claimed one at a time), as the
 * whole decode did, and hands the counts' stream to m->tf_leb.
 *
 * Damage: streams whose terminators do not fall where the blocks need
 * them (a value lost or added, bytes left over) are not read so (1 from
 * ty_rows_open: the whole decode in one piece names the damage as it
 * always has); a bad value inside a block makes that block BAD and its
 * readers get the message of ty_rd_sp_fail (row and entry), the lowest
 * damaged block's for ty_rows_all. The arrays stay allocated after a
 * damaged block (other blocks' readers may be reading them); the model's
 * free releases them.
 *
 * Cost at 60k documents (1.8M non-zeros): the two streams held (4.5 MB
 * raw at 60k, 362 MB at 1M) and 16 bytes of offsets per block
 * (60 KB at 60k, 1 MB at 1M); a query's few hundred rows decode in well
 * under a millisecond instead of every row's tens of milliseconds.
 *
 * The rows in frames (format.h): where both streams are runs of frames of
 * STORE_ROWS_FRAME documents behind a seek table, nothing is read at open
 * but the two tables (16 bytes a frame); a block is a frame, and its first
 * reader reads its two frames from the file, checks and decompresses them
 * (ty_rd_frame_decode: the frame's checks, zstd's checksum). A block is
 * then ROWS_SUB rows (one) of a frame: its first reader decompresses the
 * frame, finds where the row's values start and end in each stream by
 * counting values (ty_rd_leb_offsets) and decodes that row alone. At 1M
 * documents an `ideas` process no longer reads 190 MB, decompresses 362 MB
 * into fresh memory and walks it for offsets: it reads the frames of the
 * 298 blocks it needs (1,847 -> 1,539 ms, peak 788 -> 456 MiB;
 * bench/README.md); and it decodes the 300 rows it reads rather than their
 * frames' 19,000 (whole frames: 125 ms of a 1M ideas on two threads, the
 * model's arrays touched 64 rows at a time on a machine whose fresh pages
 * are dear). ty_rows_all decodes a frame at once where none of its rows
 * is taken, else the rows left around those taken (frame_all), and
 * assembles the counts' stream (m->tf_leb) from every frame. A damaged
 * frame refuses its rows' readers with the whole read's message (the
 * section and the frame); a bad value the reader of its row, with the
 * whole read's message (row and entry; a frame whose values do not fall
 * where its rows say is checked whole into scratch arrays for it,
 * frame_damage); the others read on.
 */
#include "store/format.h"
#include "store/reader.h"
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_BLOCK 16 /* rows per block (the streams read whole) */
#define ROWS_SUB 1    /* rows per block inside a frame (the streams in frames) */
_Static_assert(STORE_ROWS_FRAME % ROWS_SUB == 0 && STORE_ROWS_FRAME / ROWS_SUB <= 64,
               "a frame's blocks: whole, and one bit each in frame_all");

enum { BLK_NONE, BLK_BUSY, BLK_DONE, BLK_BAD };

struct ty_rows {
    unsigned char *cs, *ts; /* the columns' and counts' streams, raw (not
                               framed) */
    uint64_t clen, tlen;    /* their raw bytes */
    uint64_t nblk, per;     /* blocks, and rows a block */
    uint64_t *co, *to;      /* nblk + 1 byte offsets in each raw stream */
    int framed;             /* the streams in frames of fper rows: block k
                               is rows [k per, (k + 1) per) of frame
                               k per / fper */
    uint64_t fper, nfr;     /* framed: rows a frame, frames */
    int fd;                 /* framed: the file (the model's, open as long) */
    uint64_t csec, tsec;    /* framed: the sections' offsets in the file */
    uint64_t *cz, *tz;      /* framed: nblk + 1 offsets of the frames in
                               each section */
    uint8_t *st;            /* per block: BLK_*, atomic */
    pthread_mutex_t mu;     /* guards bad_blk, bad and bad_msg */
    uint64_t bad_blk;       /* the lowest damaged block, UINT64_MAX: none */
    ty_sp_job bad;          /* ... and its damage */
    char bad_msg[TY_ERRLEN]; /* ... or its frame's message (framed) */
    char *path;             /* for messages */
};

/* The byte where each block's values start in stream p (len bytes) into
 * off[0..nblk], off[nblk] = len: 0 when the stream holds exactly nnz
 * values and each block's first value starts where its row's rowptr says;
 * -1 otherwise (ty_rd_leb_offsets, off its own list of wanted values). */
static int blk_offsets(const unsigned char *p, uint64_t len, const uint64_t *rowptr,
                       uint64_t nd, uint64_t nblk, uint64_t *off) {
    for (uint64_t k = 0; k < nblk; k++) off[k] = rowptr[k * ROWS_BLOCK];
    off[nblk] = rowptr[nd]; /* the end of the last value: the stream's end */
    return ty_rd_leb_offsets(p, len, off, nblk + 1, off) || off[nblk] != len ? -1 : 0;
}

void ty_rows_free(ty_rows *b) {
    if (!b) return;
    free(b->cs);
    free(b->ts);
    free(b->co);
    free(b->to);
    free(b->cz);
    free(b->tz);
    free(b->st);
    free(b->path);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* The frames' offsets of a framed section's table t (n frames) into z
 * (stored) and o (raw), n + 1 each. */
static void frame_offsets(const uint32_t *t, uint64_t n, uint64_t *z, uint64_t *o) {
    z[0] = o[0] = 0;
    for (uint64_t i = 0; i < n; i++) {
        z[i + 1] = z[i] + t[2 * i];
        o[i + 1] = o[i] + t[2 * i + 1];
    }
}

/* Both streams in frames of STORE_ROWS_FRAME documents (their seek tables
 * read and adding up): b set to read them a frame at a time, 1; 0 when
 * they are not (read them whole); or the status. */
static int open_framed(reader *r, ty_rows *b, uint64_t nd, uint64_t nnz, uint64_t sz) {
    const rd_sec *cs = ty_rd_locate(r, "tfidf.cols", nnz, sz, 0);
    const rd_sec *ts = cs ? ty_rd_locate(r, "tfidf.tf", nnz, sz, 0) : NULL;
    if (!ts) return TENYO_ERR_CORRUPT;
    uint32_t cn = 0, tn = 0, *ct = NULL, *tt = NULL;
    int rc = ty_rd_seek_table(r, cs, &cn, &ct);
    if (rc == 1) rc = ty_rd_seek_table(r, ts, &tn, &tt);
    uint64_t nf = (nd + STORE_ROWS_FRAME - 1) / STORE_ROWS_FRAME;
    if (rc == 1 && cn == nf && tn == nf) {
        b->nfr = nf;
        b->fper = STORE_ROWS_FRAME;
        b->per = ROWS_SUB;
        b->nblk = (nd + ROWS_SUB - 1) / ROWS_SUB;
        b->co = ty_mallocarray(nf + 1, sizeof *b->co);
        b->to = ty_mallocarray(nf + 1, sizeof *b->to);
        b->cz = ty_mallocarray(nf + 1, sizeof *b->cz);
        b->tz = ty_mallocarray(nf + 1, sizeof *b->tz);
        if (b->co && b->to && b->cz && b->tz) {
            frame_offsets(ct, nf, b->cz, b->co);
            frame_offsets(tt, nf, b->tz, b->to);
            b->clen = cs->raw;
            b->tlen = ts->raw;
            b->csec = cs->off;
            b->tsec = ts->off;
            b->fd = r->fd;
            b->framed = 1;
        } else {
            ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
            rc = TENYO_ERR_NOMEM;
        }
    } else if (rc == 1) {
        rc = 0; /* frames not of the documents' blocks: read whole */
    }
    free(ct);
    free(tt);
    return rc;
}

int ty_rows_open(reader *r, ty_model *m, ty_rows **out) {
    *out = NULL;
    if (!ty_rd_has(r, "tfidf.tf")) return 1; /* format 1: weights stored */
    ty_csr *a = &m->tfidf;
    uint64_t nd = m->ndocs, nnz = nd ? a->rowptr[nd] : 0, sz;
    if (ty_rd_mul3(nnz, 5, 1, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
        return TENYO_ERR_CORRUPT;
    }
    ty_rows *b = ty_calloc(1, sizeof *b);
    if (!b) goto nomem;
    pthread_mutex_init(&b->mu, NULL);
    b->bad_blk = UINT64_MAX;
    b->per = ROWS_BLOCK;
    b->fd = -1;
    int frc = r->mem || r->fd < 0 ? 0 : open_framed(r, b, nd, nnz, sz);
    if (frc < 0) {
        ty_rows_free(b);
        return frc;
    }
    if (frc == 1) {
        b->st = ty_calloc(b->nblk ? b->nblk : 1, 1);
        b->path = ty_strdup(r->path);
        if (!b->st || !b->path) {
            ty_rows_free(b);
            goto nomem;
        }
        goto arrays;
    }
    void *cp = NULL, *tp = NULL;
    int rc = ty_rd_section(r, "tfidf.cols", nnz, sz, 0, &cp, &b->clen);
    b->cs = cp;
    if (!rc) rc = ty_rd_section(r, "tfidf.tf", nnz, sz, 0, &tp, &b->tlen);
    b->ts = tp;
    if (rc) {
        ty_rows_free(b);
        return rc;
    }
    b->nblk = (nd + ROWS_BLOCK - 1) / ROWS_BLOCK;
    b->co = ty_mallocarray(b->nblk + 1, sizeof *b->co);
    b->to = ty_mallocarray(b->nblk + 1, sizeof *b->to);
    b->st = ty_calloc(b->nblk ? b->nblk : 1, 1);
    b->path = ty_strdup(r->path);
    if (!b->co || !b->to || !b->st || !b->path) {
        ty_rows_free(b);
        goto nomem;
    }
    if (blk_offsets(b->cs, b->clen, a->rowptr, nd, b->nblk, b->co) ||
        blk_offsets(b->ts, b->tlen, a->rowptr, nd, b->nblk, b->to)) {
        ty_rows_free(b); /* damaged: the whole decode names it */
        return 1;
    }
arrays:
    /* zeroed pages the kernel gives on first touch, whatever the heap
     * does: a small index's arrays would come from the one-query heap's
     * huge pages, cleared whole by calloc (two 7 MB arrays at 60k, for the
     * few hundred rows a query decodes) */
    {
        size_t bytes = (size_t)(nnz ? nnz : 1) * sizeof *a->col;
        _Static_assert(sizeof *a->col == sizeof *a->val, "one size for both arrays");
        a->col = ty_map_zeroed(bytes);
        a->val = ty_map_zeroed(bytes);
        if (!a->col || !a->val) {
            ty_map_free(a->col, bytes);
            ty_map_free(a->val, bytes);
            a->col = NULL;
            a->val = NULL;
            ty_rows_free(b);
            goto nomem;
        }
        m->rows_mapped = bytes;
    }
    *out = b;
    return TENYO_OK;
nomem:
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
    return TENYO_ERR_NOMEM;
}

/* The message of b's lowest damaged block into err. */
static int blk_fail(ty_rows *b, const ty_model *m, char *err, size_t errlen) {
    reader r = {.path = b->path, .err = err, .errlen = errlen};
    pthread_mutex_lock(&b->mu);
    ty_sp_job j = b->bad;
    if (b->bad_msg[0]) ty_seterr(err, errlen, "%s", b->bad_msg);
    int msg = b->bad_msg[0] != 0;
    pthread_mutex_unlock(&b->mu);
    return msg ? TENYO_ERR_CORRUPT : ty_rd_sp_fail(&r, m, &j);
}

/* Block k's damage (j, or the message msg) kept when it is the lowest. */
static void blk_bad(ty_rows *b, uint64_t k, const ty_sp_job *j, const char *msg) {
    pthread_mutex_lock(&b->mu);
    if (k < b->bad_blk) {
        b->bad_blk = k;
        if (j) b->bad = *j;
        snprintf(b->bad_msg, sizeof b->bad_msg, "%s", msg ? msg : "");
    }
    pthread_mutex_unlock(&b->mu);
}

/* Framed: frame k of one stream (counts: tf) read from the file,
 * checked and decompressed into dst (its raw bytes). 0, or the status
 * with msg set. */
static int frame_read(ty_rows *b, uint64_t k, int tf, unsigned char *dst, char *msg,
                      size_t msglen) {
    const uint64_t *z = tf ? b->tz : b->cz, *o = tf ? b->to : b->co;
    uint64_t zs = z[k + 1] - z[k], rs = o[k + 1] - o[k];
    const char *name = tf ? "tfidf.tf" : "tfidf.cols";
    unsigned char *c = ty_malloc((size_t)zs);
    if (!c) {
        snprintf(msg, msglen, "%s: out of memory reading section '%s'", b->path, name);
        return TENYO_ERR_NOMEM;
    }
    reader r = {.fd = b->fd, .path = b->path, .err = msg, .errlen = msglen};
    int rc = ty_rd_pread(&r, c, (size_t)zs, (tf ? b->tsec : b->csec) + z[k]);
    const char *why = rc ? NULL : ty_rd_frame_decode(NULL, c, (uint32_t)zs, (uint32_t)rs, dst);
    free(c);
    if (why) rc = ty_rd_frame_fail(msg, msglen, b->path, name, k, b->nfr, why);
    return rc;
}

/* Framed: frame f's two streams read and decompressed into one buffer
 * (*raw, columns then counts; cl and tl bytes), or the status with the
 * message kept as block k's damage. */
static int frame_pair(ty_rows *b, uint64_t f, uint64_t k, unsigned char **raw, uint64_t *cl,
                      uint64_t *tl) {
    char msg[TY_ERRLEN];
    *cl = b->co[f + 1] - b->co[f];
    *tl = b->to[f + 1] - b->to[f];
    *raw = ty_malloc((size_t)(*cl + *tl ? *cl + *tl : 1));
    int rc = *raw ? frame_read(b, f, 0, *raw, msg, sizeof msg) : TENYO_ERR_NOMEM;
    if (!rc) rc = frame_read(b, f, 1, *raw + *cl, msg, sizeof msg);
    if (rc) {
        if (!*raw) snprintf(msg, sizeof msg, "%s: out of memory loading the index", b->path);
        free(*raw);
        *raw = NULL;
        blk_bad(b, k, NULL, msg);
    }
    return rc;
}

/* Framed: every row of frame f (decompressed in raw) checked as the whole
 * frame's decode checks it, into scratch arrays (not the model's: other
 * blocks of the frame may be read meanwhile), so that a block whose values
 * do not fall where its rows say is refused with the message that decode
 * gives (the row and entry as the file numbers them); kept as block k's
 * damage. */
static void frame_damage(ty_rows *b, ty_model *m, uint64_t f, uint64_t k,
                         const unsigned char *raw, uint64_t cl, uint64_t tl) {
    const uint64_t *rp = m->tfidf.rowptr;
    uint64_t f0 = f * b->fper, f1 = f0 + b->fper < m->ndocs ? f0 + b->fper : m->ndocs;
    uint64_t nv = rp[f1] - rp[f0];
    ty_model tm = *m; /* the frame's rows alone, numbered from 0 */
    tm.tfidf.rowptr = ty_mallocarray(f1 - f0 + 1, sizeof *tm.tfidf.rowptr);
    tm.tfidf.col = ty_mallocarray(nv ? nv : 1, sizeof *tm.tfidf.col);
    tm.tfidf.val = ty_mallocarray(nv ? nv : 1, sizeof *tm.tfidf.val);
    ty_sp_job j = {.m = &tm, .cp = raw, .tp = raw + cl, .r0 = 0, .r1 = f1 - f0,
                   .c0 = 0, .c1 = cl, .t0 = 0, .t1 = tl};
    int rc = TENYO_ERR_NOMEM;
    if (tm.tfidf.rowptr && tm.tfidf.col && tm.tfidf.val) {
        for (uint64_t r = f0; r <= f1; r++) tm.tfidf.rowptr[r - f0] = rp[r] - rp[f0];
        rc = ty_rd_sp_run(&j, 0, 1);
    }
    free(tm.tfidf.rowptr);
    free(tm.tfidf.col);
    free(tm.tfidf.val);
    char msg[TY_ERRLEN];
    if (rc == TENYO_ERR_CORRUPT) {
        if (j.bad == 1) { /* as the file numbers rows and (counts) entries */
            j.row += f0;
            if (!strcmp(j.stream, "tfidf.tf")) j.entry += rp[f0];
        }
        j.m = m;
        blk_bad(b, k, &j, NULL);
        return;
    }
    if (rc) snprintf(msg, sizeof msg, "%s: out of memory loading the index", b->path);
    else
        (void)ty_rd_frame_fail(msg, sizeof msg, b->path, "tfidf.cols", f, b->nfr,
                               "its values do not fall where its rows need them");
    blk_bad(b, k, NULL, msg);
}

/* Framed: block k's rows alone decoded from its frame: the byte where
 * its first row starts and its last ends found in each stream by
 * counting values (ty_rd_leb_offsets), those bytes decoded and checked;
 * the frame's other rows are not. 0, or the status with the damage kept. */
static int sub_decode(ty_rows *b, ty_model *m, uint64_t k) {
    uint64_t r0 = k * b->per, r1 = r0 + b->per < m->ndocs ? r0 + b->per : m->ndocs;
    uint64_t f = r0 / b->fper, f0 = f * b->fper, cl, tl;
    unsigned char *raw;
    int rc = frame_pair(b, f, k, &raw, &cl, &tl);
    if (rc) return rc;
    const uint64_t *rp = m->tfidf.rowptr;
    uint64_t want[2] = {rp[r0] - rp[f0], rp[r1] - rp[f0]}, oc[2], ot[2];
    if (ty_rd_leb_offsets(raw, cl, want, 2, oc) || ty_rd_leb_offsets(raw + cl, tl, want, 2, ot)) {
        frame_damage(b, m, f, k, raw, cl, tl);
        free(raw);
        return TENYO_ERR_CORRUPT;
    }
    ty_sp_job j = {.m = m, .cp = raw, .tp = raw + cl, .r0 = r0, .r1 = r1,
                   .c0 = oc[0], .c1 = oc[1], .t0 = ot[0], .t1 = ot[1]};
    rc = ty_rd_sp_run(&j, 0, 1);
    free(raw);
    if (rc) blk_bad(b, k, &j, NULL);
    return rc;
}

/* Block k's rows decoded (the claimant's work): 0, or the status with the
 * damage kept in b. */
static int blk_decode(ty_rows *b, ty_model *m, uint64_t k) {
    if (b->framed) return sub_decode(b, m, k);
    uint64_t r0 = k * b->per, r1 = r0 + b->per;
    if (r1 > m->ndocs) r1 = m->ndocs;
    ty_sp_job j = {.m = m, .cp = b->cs, .tp = b->ts, .r0 = r0, .r1 = r1,
                   .c0 = b->co[k], .c1 = b->co[k + 1], .t0 = b->to[k], .t1 = b->to[k + 1]};
    int rc = ty_rd_sp_run(&j, 0, 1);
    if (rc) blk_bad(b, k, &j, NULL);
    return rc;
}

static int blk_get(ty_rows *b, ty_model *m, uint64_t k);

/* Framed: the blocks of frame f claimed where free and decoded (the
 * frame once, all its rows, when every block was free; else each claimed
 * block alone), then any other thread's claim waited for: 0, or
 * TENYO_ERR_CORRUPT with the damage kept. */
static int frame_all(ty_rows *b, ty_model *m, uint64_t f) {
    uint64_t k0 = f * b->fper / b->per, k1 = k0 + b->fper / b->per;
    if (k1 > b->nblk) k1 = b->nblk;
    uint64_t mine = 0; /* bit k - k0: claimed here */
    for (uint64_t k = k0; k < k1; k++) {
        uint8_t none = BLK_NONE;
        if (__atomic_compare_exchange_n(&b->st[k], &none, BLK_BUSY, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            mine |= 1ull << (k - k0);
    }
    int rc = TENYO_OK;
    if (mine == (k1 - k0 == 64 ? ~0ull : (1ull << (k1 - k0)) - 1)) {
        /* the whole frame, as the eager decode reads it */
        uint64_t cl, tl, f0 = f * b->fper, f1 = k1 * b->per < m->ndocs ? k1 * b->per : m->ndocs;
        unsigned char *raw;
        rc = frame_pair(b, f, k0, &raw, &cl, &tl);
        if (!rc) {
            ty_sp_job j = {.m = m, .cp = raw, .tp = raw + cl, .r0 = f0, .r1 = f1,
                           .c0 = 0, .c1 = cl, .t0 = 0, .t1 = tl};
            rc = ty_rd_sp_run(&j, 0, 1);
            if (rc) blk_bad(b, k0, &j, NULL);
            free(raw);
        }
        for (uint64_t k = k0; k < k1; k++)
            __atomic_store_n(&b->st[k], rc ? BLK_BAD : BLK_DONE, __ATOMIC_RELEASE);
        return rc ? TENYO_ERR_CORRUPT : TENYO_OK;
    }
    for (uint64_t k = k0; k < k1; k++) {
        if (mine >> (k - k0) & 1) {
            int r = sub_decode(b, m, k);
            __atomic_store_n(&b->st[k], r ? BLK_BAD : BLK_DONE, __ATOMIC_RELEASE);
            if (r) rc = TENYO_ERR_CORRUPT;
        } else if (blk_get(b, m, k)) {
            rc = TENYO_ERR_CORRUPT;
        }
    }
    return rc;
}

/* Block k decoded, by this call or the thread that claimed it first. */
static int blk_get(ty_rows *b, ty_model *m, uint64_t k) {
    uint8_t s = __atomic_load_n(&b->st[k], __ATOMIC_ACQUIRE);
    if (s == BLK_DONE) return TENYO_OK;
    uint8_t none = BLK_NONE;
    if (s == BLK_NONE && __atomic_compare_exchange_n(&b->st[k], &none, BLK_BUSY, 0,
                                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        int rc = blk_decode(b, m, k);
        __atomic_store_n(&b->st[k], rc ? BLK_BAD : BLK_DONE, __ATOMIC_RELEASE);
        return rc ? TENYO_ERR_CORRUPT : TENYO_OK;
    }
    while ((s = __atomic_load_n(&b->st[k], __ATOMIC_ACQUIRE)) == BLK_BUSY) sched_yield();
    return s == BLK_DONE ? TENYO_OK : TENYO_ERR_CORRUPT;
}

int ty_rows_get(ty_rows *b, ty_model *m, uint64_t d, char *err, size_t errlen) {
    if (d >= m->ndocs) return TENYO_OK;
    int rc = blk_get(b, m, d / b->per);
    return rc ? blk_fail(b, m, err, errlen) : TENYO_OK;
}

typedef struct {
    ty_rows *b;
    ty_model *m;
    unsigned char *tf;       /* framed: the counts' stream assembled */
} all_job;

#define ALL_PARTS 64 /* parts of blocks the workers claim */

static int all_part(void *ud, int t, int nt) {
    all_job *j = ud;
    ty_rows *b = j->b;
    uint64_t n = b->framed ? b->nfr : b->nblk; /* frames, or blocks */
    uint64_t k0 = ty_split(n, t, nt), k1 = ty_split(n, t + 1, nt);
    int rc = TENYO_OK;
    for (uint64_t k = k0; k < k1; k++) {
        if (!b->framed) {
            if (blk_get(b, j->m, k)) rc = TENYO_ERR_CORRUPT;
            continue;
        }
        if (frame_all(b, j->m, k)) {
            rc = TENYO_ERR_CORRUPT;
            continue;
        }
        char msg[TY_ERRLEN];
        if (frame_read(b, k, 1, j->tf + b->to[k], msg, sizeof msg)) {
            blk_bad(b, k * b->fper / b->per, NULL, msg);
            rc = TENYO_ERR_CORRUPT;
        }
    }
    return rc;
}

int ty_rows_all(ty_rows *b, ty_model *m, char *err, size_t errlen) {
    int nt = ty_store_threads > 0 ? ty_store_threads : ty_ncores();
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0;
    uint64_t per = ty_store_nnz_per_thread ? ty_store_nnz_per_thread : 1;
    if ((uint64_t)nt > nnz / per + 1) nt = (int)(nnz / per + 1); /* small: 1 */
    uint64_t units = b->framed ? b->nfr : b->nblk;
    int parts = units < ALL_PARTS ? (int)(units ? units : 1) : ALL_PARTS;
    all_job j = {b, m, NULL};
    if (b->framed && !(j.tf = ty_malloc((size_t)(b->tlen ? b->tlen : 1)))) {
        ty_seterr(err, errlen, "%s: out of memory loading the index", b->path);
        return TENYO_ERR_NOMEM;
    }
    if (ty_parallel_claim(nt, parts, all_part, &j)) {
        free(j.tf);
        return blk_fail(b, m, err, errlen);
    }
    /* every block is DONE: no reader touches the streams again */
    m->tf_leb = b->framed ? j.tf : b->ts;
    m->tf_leb_len = b->tlen;
    b->ts = NULL;
    free(b->cs);
    b->cs = NULL;
    return TENYO_OK;
}
