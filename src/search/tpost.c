/*
 * tpost.c — the TF-IDF postings stored beside the rows (section
 * "tfidf.post"), so that a TF-IDF or hybrid query reads the lists of its
 * own terms instead of decoding every row. Builds write layout 2 (blocks
 * read in place: search/tpblk.c); layout 1, below, is what older indexes
 * hold and TENYO_TPOST_FORMAT=1 writes. This file transposes the rows for
 * both, reads layout 1 and hands layout 2 to tpblk.c. Layout 1:
 *
 *   0   4  magic "TPS1"
 *   4   4  documents per norm frame B (TP_NORM_DOCS, 65536)
 *   8   8  terms T
 *   16  8  documents N
 *   24  8  non-zeros Z (the rows')
 *   32  4  posting frames NP
 *   36  4  norm frames NN = ceil(N / B)
 *   40  16 zero
 *   56  8  FNV-1a 64 (as published) of bytes 0 .. the table's end, these
 *          8 taken as 0
 *   64  24 per frame (NP + NN): u64 offset from the table's end, u32
 *          stored bytes, u32 raw bytes, u64 its first term (posting
 *          frames; frame 0's is 0) or document (norm frames, i B)
 *   ..     the frames, each a checksummed zstd frame, in table order
 *
 * A posting frame holds the terms from its first to the next frame's
 * first (the last: to T), whole terms, closed once it holds TP_FRAME raw
 * bytes: per term LEB128 n, n LEB128 document gaps (the first absolute,
 * documents ascending), n LEB128 term counts. A norm frame holds, per
 * document of its B, the inverse of the norm its row of weights is divided
 * by (f64, little-endian; 1.0 for an empty row). A weight is then
 * ty_tfidf_weight(count, idf, inverse norm): the value the rows' decode
 * gives the same entry (ty_tfidf_row_counts), bit for bit, so a query
 * walking these lists scores every document with the same floats, in the
 * same order (ascending terms), as the rows' gather or the postings a
 * server transposes from them.
 *
 * The store writes the section as one zstd frame of stored blocks, read in
 * place (store/lazysec.c, ty_lazysec_read). Opening reads the header and
 * table (checked against their sum and each other: offsets contiguous,
 * sizes adding up, first terms rising); a query reads and decodes the
 * frames of its terms (zstd's checksum; each frame's layout: every list's
 * length, then that many gaps and counts, the bytes used exactly, the
 * values skipped by counting their last bytes) and the norm frames of
 * their documents, kept for the handle's life; the walk checks the values
 * of the lists it reads as it adds them (documents rising and below N,
 * counts 1 to 2^32 - 1), so the other lists of a frame are never decoded:
 * checking every value first was a third of a 1M ideas query's walk
 * (90 of 283 ms for 92.6 MB of lists). A damaged frame is reported by
 * the query that reads it, naming the file, the section, the frame and
 * its terms or documents; tenyo check decodes every frame and compares
 * every posting with the rows. Written by every build of one file and by
 * `tenyo rebuild --no-ivf` / `--ivf` from an index without it (a copy of
 * the rows, transposed); an index without it reads its rows as before.
 * Sizes and timings: docs/index-format.md.
 *
 * Why stored postings and not the rows in frames: a TF-IDF or hybrid scan
 * scores every document, so rows in frames would still all be read for
 * one query; the postings of its terms are what it sums. Rejected: f32
 * weights in the lists (4 bytes a posting against about 1 for the count:
 * the norms, 8 bytes a document, restore them exactly).
 */
#include "search/tpost.h"
#include "search/tpblk.h"

#include "tenyo.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define TP_HEAD 64u
#define TP_ENTRY 24u
#define TP_FRAME 65536u      /* raw bytes a posting frame closes at */
#define TP_NORM_DOCS 65536u  /* documents per norm frame */
#define TP_LEVEL 3           /* zstd level (the store's) */
#define TP_MAX_RATIO 32768u  /* the most a zstd frame expands */

/* ================================================================ pack */

typedef struct tp_pack {
    uint64_t nterms, ndocs, nnz;
    const uint64_t *tptr;      /* nterms + 1 offsets into tdoc / ttf */
    const uint32_t *tdoc, *ttf;
    const double *inv;         /* per document */
    const uint64_t *first;     /* posting frames' first terms, NP + 1 */
    const uint64_t *raw;       /* every frame's raw bytes */
    uint32_t np, nn;
    ty_buf *z;                 /* the compressed frames, NP + NN */
    char (*err)[TY_ERRLEN];
} tp_pack;

/* Frame f's raw content into b (room for raw[f] bytes). */
static void tp_frame_raw(const tp_pack *k, uint32_t f, unsigned char *b) {
    size_t o = 0;
    if (f < k->np) {
        for (uint64_t t = k->first[f]; t < k->first[f + 1]; t++) {
            uint64_t a = k->tptr[t], e = k->tptr[t + 1], prev = 0;
            o += (size_t)ty_leb_put(b + o, e - a);
            for (uint64_t i = a; i < e; i++) {
                o += (size_t)ty_leb_put(b + o, i > a ? k->tdoc[i] - prev : k->tdoc[i]);
                prev = k->tdoc[i];
            }
            for (uint64_t i = a; i < e; i++) o += (size_t)ty_leb_put(b + o, k->ttf[i]);
        }
    } else {
        uint64_t d0 = (uint64_t)(f - k->np) * TP_NORM_DOCS, d1 = d0 + TP_NORM_DOCS;
        if (d1 > k->ndocs) d1 = k->ndocs;
        for (uint64_t d = d0; d < d1; d++, o += 8) {
            uint64_t bits;
            memcpy(&bits, &k->inv[d], 8);
            ty_put_le64(b + o, bits);
        }
    }
}

static int tp_pack_worker(void *ud, int t, int nt) {
    tp_pack *k = ud;
    uint32_t nf = k->np + k->nn;
    uint32_t f0 = (uint32_t)ty_split(nf, t, nt), f1 = (uint32_t)ty_split(nf, t + 1, nt);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ty_buf raw = {0};
    int rc = cc ? TENYO_OK : TENYO_ERR_NOMEM;
    if (!rc && (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, TP_LEVEL)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1)))) {
        ty_seterr(k->err[t], TY_ERRLEN, "zstd refused the postings' parameters");
        rc = TENYO_ERR_DEPENDENCY;
    }
    for (uint32_t f = f0; f < f1 && !rc; f++) {
        size_t n = (size_t)k->raw[f];
        raw.len = 0;
        if (ty_buf_reserve(&raw, n ? n : 1) || ty_buf_reserve(&k->z[f], ZSTD_compressBound(n))) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        tp_frame_raw(k, f, (unsigned char *)raw.p);
        size_t zn = ZSTD_compress2(cc, k->z[f].p, ZSTD_compressBound(n), raw.p, n);
        if (ZSTD_isError(zn)) {
            ty_seterr(k->err[t], TY_ERRLEN, "zstd: %s", ZSTD_getErrorName(zn));
            rc = TENYO_ERR_DEPENDENCY;
            break;
        }
        k->z[f].len = zn;
    }
    if (rc == TENYO_ERR_NOMEM) ty_seterr(k->err[t], TY_ERRLEN, "out of memory packing postings");
    ty_buf_free(&raw);
    ZSTD_freeCCtx(cc);
    return rc;
}

/* TENYO_TPOST_FORMAT=1: write layout 1 (tests, benches, older readers). */
static int tp_layout1(void) {
    const char *e = getenv("TENYO_TPOST_FORMAT");
    return e && !strcmp(e, "1");
}

int ty_tpost_pack(const ty_csr *rows, const uint32_t *tf, const float *idf, uint64_t nterms,
                  int threads, ty_buf *out, char *err, size_t errlen) {
    uint64_t nd = rows->nrows, nnz = nd ? rows->rowptr[nd] : 0;
    uint64_t *tptr = ty_calloc(nterms + 2, sizeof *tptr);
    uint32_t *tdoc = ty_mallocarray(nnz ? nnz : 1, sizeof *tdoc);
    uint32_t *ttf = ty_mallocarray(nnz ? nnz : 1, sizeof *ttf);
    double *inv = ty_mallocarray(nd ? nd : 1, sizeof *inv);
    uint64_t *first = NULL, *raw = NULL;
    ty_buf *z = NULL;
    char(*perr)[TY_ERRLEN] = NULL;
    uint32_t np = 0, nn = (uint32_t)((nd + TP_NORM_DOCS - 1) / TP_NORM_DOCS);
    int rc = TENYO_ERR_NOMEM;
    out->len = 0;
    if (!tptr || !tdoc || !ttf || !inv) goto done;
    if (nd > UINT32_MAX) {
        ty_seterr(err, errlen, "too many documents for stored postings");
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    /* the rows transposed: each term's documents ascending, with counts */
    for (uint64_t j = 0; j < nnz; j++) tptr[rows->col[j] + 2]++;
    for (uint64_t t = 0; t < nterms; t++) tptr[t + 2] += tptr[t + 1];
    for (uint64_t d = 0; d < nd; d++) {
        uint64_t a = rows->rowptr[d], e = rows->rowptr[d + 1];
        for (uint64_t j = a; j < e; j++) {
            uint64_t p = tptr[rows->col[j] + 1]++;
            tdoc[p] = (uint32_t)d;
            ttf[p] = tf[j];
        }
        double norm = ty_tfidf_counts_norm(rows->col + a, tf + a, (size_t)(e - a), idf);
        inv[d] = norm > 0 ? 1.0 / norm : 1.0;
    }
    if (!tp_layout1()) { /* layout 2 (tpblk.c), unless layout 1 is asked for */
        rc = ty_tpblk_pack(nterms, nd, nnz, tptr, tdoc, ttf, inv, out, err, errlen);
        goto done;
    }
    /* the posting frames: whole terms, closed at TP_FRAME raw bytes */
    first = ty_mallocarray(nterms + 2, sizeof *first);
    raw = ty_mallocarray(nterms + 1 + nn, sizeof *raw);
    if (!first || !raw) goto done;
    uint64_t fr = 0;
    first[0] = 0;
    for (uint64_t t = 0; t < nterms; t++) {
        uint64_t a = tptr[t], e = tptr[t + 1], b = (uint64_t)ty_leb_len(e - a);
        for (uint64_t i = a; i < e; i++)
            b += (uint64_t)ty_leb_len(i > a ? tdoc[i] - tdoc[i - 1] : tdoc[i]) +
                 (uint64_t)ty_leb_len(ttf[i]);
        fr += b;
        if (fr >= TP_FRAME || t + 1 == nterms) {
            if (fr > UINT32_MAX) {
                ty_seterr(err, errlen, "a posting list over 4 GiB");
                rc = TENYO_ERR_LIMIT;
                goto done;
            }
            raw[np] = fr;
            first[++np] = t + 1;
            fr = 0;
        }
    }
    if (!nterms) { /* one empty frame: every table has a frame 0 */
        raw[np] = 0;
        first[++np] = 0;
    }
    for (uint32_t i = 0; i < nn; i++) {
        uint64_t d0 = (uint64_t)i * TP_NORM_DOCS, d1 = d0 + TP_NORM_DOCS;
        raw[np + i] = 8 * ((d1 > nd ? nd : d1) - d0);
    }
    uint32_t nf = np + nn;
    z = ty_calloc(nf ? nf : 1, sizeof *z);
    int nt = ty_parallel_workers(threads, nf, 1);
    perr = ty_calloc((size_t)nt, sizeof *perr);
    if (!z || !perr) goto done;
    tp_pack k = {nterms, nd, nnz, tptr, tdoc, ttf, inv, first, raw, np, nn, z, perr};
    rc = ty_parallel(nt, tp_pack_worker, &k);
    if (rc) {
        ty_parallel_err(perr, nt, err, errlen);
        goto done;
    }
    /* header, table, frames */
    size_t tab = TP_HEAD + (size_t)TP_ENTRY * nf, total = tab;
    for (uint32_t f = 0; f < nf; f++) total += z[f].len;
    rc = TENYO_ERR_NOMEM;
    if (ty_buf_reserve(out, total)) goto done;
    unsigned char *h = (unsigned char *)out->p;
    memset(h, 0, tab);
    memcpy(h, TY_TPOST_MAGIC, 4);
    ty_put_le32(h + 4, TP_NORM_DOCS);
    ty_put_le64(h + 8, nterms);
    ty_put_le64(h + 16, nd);
    ty_put_le64(h + 24, nnz);
    ty_put_le32(h + 32, np);
    ty_put_le32(h + 36, nn);
    uint64_t off = 0;
    for (uint32_t f = 0; f < nf; f++) {
        unsigned char *e = h + TP_HEAD + (size_t)TP_ENTRY * f;
        ty_put_le64(e, off);
        ty_put_le32(e + 8, (uint32_t)z[f].len);
        ty_put_le32(e + 12, (uint32_t)raw[f]);
        ty_put_le64(e + 16, f < np ? first[f] : (uint64_t)(f - np) * TP_NORM_DOCS);
        memcpy(h + tab + off, z[f].p, z[f].len);
        off += z[f].len;
    }
    ty_put_le64(h + 56, ty_fnv1a_std(h, tab));
    out->len = total;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory packing postings");
    if (z)
        for (uint32_t f = 0; f < np + nn; f++) ty_buf_free(&z[f]);
    free(z);
    free(perr);
    free(first);
    free(raw);
    free(tptr);
    free(tdoc);
    free(ttf);
    free(inv);
    return rc;
}

/* ================================================================ read */

struct ty_tpost {
    ty_tpblk *blk;           /* layout 2: everything is its (tpblk.c) */
    ty_tpost_read_fn rd;
    void *ud;
    char *path;              /* for messages */
    uint64_t nterms, ndocs, nnz, len;
    uint32_t np, nn, ndec_post, ndec_norm;
    unsigned char *tab;      /* the table, TP_ENTRY a frame */
    uint64_t fbase;          /* where the frames start */
    pthread_mutex_t mu;      /* a walk at a time */
    ZSTD_DCtx *dc;
    ty_buf z, raw;           /* a frame read, and decoded */
    uint64_t *toff;          /* the decoded posting frame's terms' offsets */
    uint64_t *coff;          /* and where each term's counts start */
    int64_t cur;             /* which frame raw holds (-1: none) */
    int cur_full;            /* its values checked too, not only its layout */
    uint8_t *post_seen;      /* posting frames decoded once (stats) */
    double *inv;             /* inverse norms, per norm frame on first use */
    uint8_t *norm_ok;        /* norm frames decoded */
};

static uint64_t tab64(const ty_tpost *p, uint32_t f, int at) {
    return ty_get_le64(p->tab + (size_t)TP_ENTRY * f + at);
}
static uint32_t tab32(const ty_tpost *p, uint32_t f, int at) {
    return ty_get_le32(p->tab + (size_t)TP_ENTRY * f + at);
}

/* What frame f holds, for messages. */
static void frame_what(const ty_tpost *p, uint32_t f, char *w, size_t wl) {
    if (f < p->np) {
        uint64_t a = tab64(p, f, 16), e = f + 1 < p->np ? tab64(p, f + 1, 16) : p->nterms;
        snprintf(w, wl, "posting frame %u, terms %llu-%llu", f, (unsigned long long)a,
                 (unsigned long long)(e ? e - 1 : 0));
    } else {
        uint64_t a = tab64(p, f, 16), e = a + TP_NORM_DOCS;
        if (e > p->ndocs) e = p->ndocs;
        snprintf(w, wl, "norm frame %u, documents %llu-%llu", f - p->np, (unsigned long long)a,
                 (unsigned long long)(e ? e - 1 : 0));
    }
}

static int damaged(const ty_tpost *p, uint32_t f, const char *why, char *err, size_t errlen) {
    char w[96];
    frame_what(p, f, w, sizeof w);
    ty_seterr(err, errlen, "%s: section 'tfidf.post': %s is damaged: %s", p->path, w, why);
    return TENYO_ERR_CORRUPT;
}

int ty_tpost_open(ty_tpost_read_fn rd, void *ud, uint64_t len, const char *path,
                  uint64_t nterms, uint64_t ndocs, uint64_t nnz, ty_tpost **out, char *err,
                  size_t errlen) {
    *out = NULL;
    unsigned char h[TP_HEAD];
    const char *why = NULL;
    if (len < TP_HEAD) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post' is too short (%llu bytes)", path,
                  (unsigned long long)len);
        return TENYO_ERR_CORRUPT;
    }
    int rc = rd(ud, 0, TP_HEAD, h, err, errlen);
    if (rc) return rc;
    if (!memcmp(h, TY_TPBLK_MAGIC, 4)) {
        ty_tpost *p = ty_calloc(1, sizeof *p);
        if (!p) {
            ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", path);
            return TENYO_ERR_NOMEM;
        }
        rc = ty_tpblk_open(rd, ud, len, path, nterms, ndocs, nnz, &p->blk, err, errlen);
        if (rc) free(p);
        else *out = p;
        return rc;
    }
    uint32_t np = ty_get_le32(h + 32), nn = ty_get_le32(h + 36);
    uint64_t nf = (uint64_t)np + nn, tabn = TP_HEAD + TP_ENTRY * nf;
    if (memcmp(h, TY_TPOST_MAGIC, 4)) why = "not stored postings (magic)";
    else if (ty_get_le32(h + 4) != TP_NORM_DOCS) why = "documents per norm frame not 65536";
    else if (ty_get_le64(h + 8) != nterms || ty_get_le64(h + 16) != ndocs ||
             ty_get_le64(h + 24) != nnz)
        why = "its terms, documents or non-zeros are not the index's";
    else if (!np || nn != (ndocs + TP_NORM_DOCS - 1) / TP_NORM_DOCS || np > nterms + 1 ||
             tabn > len)
        why = "frame counts out of range";
    if (why) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post': %s", path, why);
        return TENYO_ERR_CORRUPT;
    }
    ty_tpost *p = ty_calloc(1, sizeof *p);
    unsigned char *t = ty_malloc((size_t)tabn);
    if (!p || !t) {
        free(p);
        free(t);
        ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", path);
        return TENYO_ERR_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->tab = t + TP_HEAD; /* owned from here: ty_tpost_free frees it */
    rc = rd(ud, 0, tabn, t, err, errlen);
    if (rc) {
        ty_tpost_free(p);
        return rc;
    }
    uint64_t sum = ty_get_le64(t + 56);
    memset(t + 56, 0, 8);
    if (ty_fnv1a_std(t, (size_t)tabn) != sum) why = "header or frame table checksum mismatch";
    p->rd = rd;
    p->ud = ud;
    p->nterms = nterms;
    p->ndocs = ndocs;
    p->nnz = nnz;
    p->len = len;
    p->np = np;
    p->nn = nn;
    p->fbase = tabn;
    p->cur = -1;
    uint64_t off = 0;
    for (uint32_t f = 0; f < nf && !why; f++) {
        uint64_t first = tab64(p, f, 16), zs = tab32(p, f, 8), rs = tab32(p, f, 12);
        if (tab64(p, f, 0) != off) why = "frames not contiguous";
        else if (f < np && (f == 0 ? first != 0 : first <= tab64(p, f - 1, 16) || first >= nterms))
            why = "posting frames' first terms not rising";
        else if (f >= np && (first != (uint64_t)(f - np) * TP_NORM_DOCS ||
                             rs != 8 * ((first + TP_NORM_DOCS > ndocs ? ndocs : first +
                                         TP_NORM_DOCS) - first)))
            why = "a norm frame's documents are not its own";
        else if (zs < 6 || rs > zs * (uint64_t)TP_MAX_RATIO)
            why = "a frame's sizes are impossible";
        off += zs;
    }
    if (!why && p->fbase + off != len) why = "the frames do not fill the section";
    if (why) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post': %s", path, why);
        ty_tpost_free(p);
        return TENYO_ERR_CORRUPT;
    }
    p->path = ty_strdup(path ? path : "");
    p->post_seen = ty_calloc(np, 1);
    p->norm_ok = ty_calloc(nn ? nn : 1, 1);
    p->inv = ty_malloc((size_t)(ndocs ? ndocs : 1) * sizeof *p->inv); /* faulted in when read */
    if (!p->path || !p->post_seen || !p->norm_ok || !p->inv) {
        ty_tpost_free(p);
        ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", path);
        return TENYO_ERR_NOMEM;
    }
    *out = p;
    return TENYO_OK;
}

void ty_tpost_free(ty_tpost *p) {
    if (!p) return;
    if (p->blk) {
        ty_tpblk_free(p->blk);
        free(p);
        return;
    }
    pthread_mutex_destroy(&p->mu);
    free(p->tab - TP_HEAD);
    free(p->path);
    free(p->toff);
    free(p->coff);
    free(p->post_seen);
    free(p->norm_ok);
    free(p->inv);
    ty_buf_free(&p->z);
    ty_buf_free(&p->raw);
    ZSTD_freeDCtx(p->dc);
    free(p);
}

/* Frame f read and decompressed into dst (tab's raw bytes). */
static int frame_read(ty_tpost *p, uint32_t f, void *dst, char *err, size_t errlen) {
    uint32_t zs = tab32(p, f, 8), rs = tab32(p, f, 12);
    if (!p->dc && !(p->dc = ZSTD_createDCtx())) goto nomem;
    p->z.len = 0;
    if (ty_buf_reserve(&p->z, zs)) goto nomem;
    int rc = p->rd(p->ud, p->fbase + tab64(p, f, 0), zs, p->z.p, err, errlen);
    if (rc) return rc;
    const unsigned char *c = (const unsigned char *)p->z.p;
    if (ty_get_le32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) ||
        ZSTD_getFrameContentSize(c, zs) != rs || ZSTD_findFrameCompressedSize(c, zs) != zs)
        return damaged(p, f, "not one checksummed zstd frame of its size", err, errlen);
    size_t d = ZSTD_decompressDCtx(p->dc, dst, rs, c, zs);
    if (ZSTD_isError(d) || d != rs)
        return damaged(p, f, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short", err, errlen);
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", p->path);
    return TENYO_ERR_NOMEM;
}

/* What a posting frame's check (post_decode) and a walk's (walk_locked)
 * say of a list's bad documents and counts: the same words from both. */
static const char BAD_DOCS[] = "documents not rising or out of range";
static const char BAD_COUNT[] = "a term count unreadable, 0 or over 2^32";

/* Past the n-th LEB128 value from q (n terminating bytes, high bit
 * clear), or NULL when [q, end) holds fewer: eight bytes a step, their
 * terminators counted by a multiply, the values not decoded. */
static const unsigned char *leb_skip(const unsigned char *q, const unsigned char *end,
                                     uint64_t n) {
    while (n && end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        uint64_t t = (~w & 0x8080808080808080ull) >> 7;
        uint64_t c = (t * 0x0101010101010101ull) >> 56;
        if (c >= n) break; /* the n-th ends in these eight */
        n -= c;
        q += 8;
    }
    for (; n && q < end; q++)
        if (!(*q & 0x80)) n--;
    return n ? NULL : q;
}

/* Posting frame f into p->raw, each term's offset in p->toff and where
 * its counts start in p->coff (relative to the frame's first term). Its
 * layout is checked here (every list's length readable and at most N,
 * then that many gaps and counts, the bytes used exactly); full: its
 * values too (documents rising and below N, counts 1 to 2^32 - 1), as
 * tenyo check needs; a walk checks the values of the lists it reads as
 * it reads them (walk_locked), the others' are never read. */
static int post_decode(ty_tpost *p, uint32_t f, int full, char *err, size_t errlen) {
    if (p->cur == (int64_t)f && (p->cur_full || !full)) return TENYO_OK;
    p->cur = -1;
    uint32_t rs = tab32(p, f, 12);
    uint64_t t0 = tab64(p, f, 16), t1 = f + 1 < p->np ? tab64(p, f + 1, 16) : p->nterms;
    p->raw.len = 0;
    uint64_t *to = realloc(p->toff, (size_t)(t1 - t0 + 1) * sizeof *to);
    if (to) p->toff = to;
    uint64_t *co = realloc(p->coff, (size_t)(t1 - t0 + 1) * sizeof *co);
    if (co) p->coff = co;
    if (!to || !co || ty_buf_reserve(&p->raw, rs ? rs : 1)) {
        ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", p->path);
        return TENYO_ERR_NOMEM;
    }
    int rc = frame_read(p, f, p->raw.p, err, errlen);
    if (rc) return rc;
    const unsigned char *b = (const unsigned char *)p->raw.p, *q = b, *end = b + rs;
    for (uint64_t t = t0; t < t1; t++) {
        uint64_t n, v, prev = 0;
        to[t - t0] = (uint64_t)(q - b);
        if (ty_leb_get(&q, end, &n) || n > p->ndocs)
            return damaged(p, f, "a list's length is unreadable or too long", err, errlen);
        if (!full) {
            const unsigned char *c = leb_skip(q, end, n);
            if (!c) return damaged(p, f, BAD_DOCS, err, errlen);
            co[t - t0] = (uint64_t)(c - b);
            if (!(q = leb_skip(c, end, n)))
                return damaged(p, f, BAD_COUNT, err, errlen);
            continue;
        }
        for (uint64_t i = 0; i < n; i++) {
            if (ty_leb_get(&q, end, &v) || (i && v == 0) || (v += prev) >= p->ndocs)
                return damaged(p, f, BAD_DOCS, err, errlen);
            prev = v;
        }
        co[t - t0] = (uint64_t)(q - b);
        for (uint64_t i = 0; i < n; i++)
            if (ty_leb_get(&q, end, &v) || v == 0 || v > UINT32_MAX)
                return damaged(p, f, BAD_COUNT, err, errlen);
    }
    to[t1 - t0] = (uint64_t)(q - b);
    if (q != end) return damaged(p, f, "bytes left over after its terms", err, errlen);
    p->cur = f;
    p->cur_full = full;
    if (!p->post_seen[f]) {
        p->post_seen[f] = 1;
        p->ndec_post++;
    }
    return TENYO_OK;
}

/* The inverse norms of documents [d0, d1) decoded (their norm frames). */
static int norms_need(ty_tpost *p, uint64_t d, char *err, size_t errlen) {
    uint64_t i = d / TP_NORM_DOCS;
    if (p->norm_ok[i]) return TENYO_OK;
    uint32_t f = p->np + (uint32_t)i;
    uint64_t d0 = i * TP_NORM_DOCS;
    unsigned char *b = (unsigned char *)(p->inv + d0); /* decoded in place, then swapped */
    int rc = frame_read(p, f, b, err, errlen);
    if (rc) return rc;
    uint32_t n = tab32(p, f, 12) / 8;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t bits = ty_get_le64(b + 8 * (size_t)k);
        double v;
        memcpy(&v, &bits, 8);
        if (!isfinite(v) || !(v > 0)) return damaged(p, f, "an inverse norm not finite and > 0",
                                                    err, errlen);
        p->inv[d0 + k] = v;
    }
    p->norm_ok[i] = 1;
    p->ndec_norm++;
    return TENYO_OK;
}

/* The frame holding term t (the last whose first term is <= t). */
static uint32_t frame_of(const ty_tpost *p, uint64_t t) {
    uint32_t lo = 0, hi = p->np;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tab64(p, mid, 16) <= t) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Term t's list in the decoded frame: its length, and q at its gaps. */
static uint64_t list_at(const ty_tpost *p, uint64_t t, const unsigned char **q,
                        const unsigned char **end) {
    uint64_t t0 = tab64(p, (uint32_t)p->cur, 16), n = 0;
    const unsigned char *b = (const unsigned char *)p->raw.p;
    *q = b + p->toff[t - t0];
    *end = b + p->toff[t - t0 + 1];
    (void)ty_leb_get(q, *end, &n); /* checked by post_decode */
    return n;
}

/* A LEB128 value of a list whose layout post_decode checked (it ends
 * inside the list: no bound on the bytes needed), or UINT64_MAX when it is
 * longer than five bytes (above 2^35: no gap or count is). */
static inline uint64_t leb_walk(const unsigned char **p) {
    const unsigned char *q = *p;
    uint64_t v = q[0];
    if (v < 0x80) {
        *p = q + 1;
        return v;
    }
    v &= 0x7F;
    int s = 7;
    for (q++;; q++, s += 7) {
        if (s > 28) return UINT64_MAX;
        v |= (uint64_t)(*q & 0x7F) << s;
        if (!(*q & 0x80)) break;
    }
    *p = q + 1;
    return v;
}

#define TP_VTAB 64 /* counts whose weight before the norm is tabled per term */

static int walk_locked(ty_tpost *p, const uint32_t *t, const float *w, size_t nt,
                       const float *idf, float *s, char *err, size_t errlen) {
    float vt[TP_VTAB];
    for (size_t i = 0; i < nt; i++) {
        if (t[i] >= p->nterms || (i && t[i] <= t[i - 1])) {
            ty_seterr(err, errlen, "query terms not distinct, rising and in the index");
            return TENYO_ERR_ARG;
        }
        uint32_t f = frame_of(p, t[i]);
        int rc = post_decode(p, f, 0, err, errlen);
        if (rc) return rc;
        const unsigned char *q, *end;
        uint64_t len = list_at(p, t[i], &q, &end);
        const unsigned char *qc = (const unsigned char *)p->raw.p +
                                  p->coff[t[i] - tab64(p, (uint32_t)p->cur, 16)];
        float fi = idf[t[i]], wi = w[i];
        for (uint32_t c = 1; c < TP_VTAB; c++) vt[c] = ty_tfidf_unnormed(c, fi);
        uint64_t d = 0, next = 0; /* norms decoded below next */
        for (uint64_t k = 0; k < len; k++) {
            uint64_t g = leb_walk(&q);
            if ((k && g == 0) || g >= p->ndocs || (d = k ? d + g : g) >= p->ndocs)
                return damaged(p, f, BAD_DOCS, err, errlen);
            uint64_t c = leb_walk(&qc);
            if (c == 0 || c > UINT32_MAX)
                return damaged(p, f, BAD_COUNT, err, errlen);
            if (d >= next) {
                rc = norms_need(p, d, err, errlen);
                if (rc) return rc;
                next = (d / TP_NORM_DOCS + 1) * TP_NORM_DOCS;
            }
            float v = c < TP_VTAB ? vt[c] : ty_tfidf_unnormed((uint32_t)c, fi);
            s[d] += wi * (float)(v * p->inv[d]);
        }
    }
    return TENYO_OK;
}

uint32_t ty_tpost_nparts(const ty_tpost *p, uint32_t want) {
    return p->blk ? ty_tpblk_nparts(p->blk, want) : 1;
}

int ty_tpost_walk_part(ty_tpost *p, const uint32_t *t, const float *w, size_t nt,
                       const float *idf, float *s, uint32_t part, uint32_t nparts, char *err,
                       size_t errlen) {
    if (p->blk) return ty_tpblk_walk_part(p->blk, t, w, nt, idf, s, part, nparts, err, errlen);
    if (part || nparts != 1) {
        ty_seterr(err, errlen, "stored postings of layout 1 are walked in one part");
        return TENYO_ERR_ARG;
    }
    return ty_tpost_walk(p, t, w, nt, idf, s, err, errlen);
}

int ty_tpost_walk(ty_tpost *p, const uint32_t *t, const float *w, size_t nt, const float *idf,
                  float *s, char *err, size_t errlen) {
    if (p->blk) return ty_tpblk_walk_part(p->blk, t, w, nt, idf, s, 0, 1, err, errlen);
    memset(s, 0, (size_t)p->ndocs * sizeof *s);
    pthread_mutex_lock(&p->mu);
    int rc = walk_locked(p, t, w, nt, idf, s, err, errlen);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int ty_tpost_verify(ty_tpost *p, const ty_csr *rows, const uint32_t *tf, const float *idf,
                    char *err, size_t errlen) {
    if (p->blk) return ty_tpblk_verify(p->blk, rows, tf, idf, err, errlen);
    uint64_t nd = p->ndocs;
    if (rows->nrows != nd || (nd ? rows->rowptr[nd] : 0) != p->nnz) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post': not the rows' documents or non-zeros",
                  p->path);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t *cur = ty_mallocarray(nd ? nd : 1, sizeof *cur);
    if (!cur) {
        ty_seterr(err, errlen, "out of memory checking section 'tfidf.post'");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t d = 0; d < nd; d++) cur[d] = rows->rowptr[d];
    pthread_mutex_lock(&p->mu);
    int rc = TENYO_OK;
    for (uint32_t i = 0; i < p->nn && !rc; i++) rc = norms_need(p, (uint64_t)i * TP_NORM_DOCS,
                                                                 err, errlen);
    for (uint32_t f = 0; f < p->np && !rc; f++) {
        rc = post_decode(p, f, 1, err, errlen);
        uint64_t t1 = f + 1 < p->np ? tab64(p, f + 1, 16) : p->nterms;
        for (uint64_t t = tab64(p, f, 16); t < t1 && !rc; t++) {
            const unsigned char *q, *end, *qc;
            uint64_t len = list_at(p, t, &q, &end), d = 0, g = 0, c = 0;
            qc = q;
            for (uint64_t k = 0; k < len; k++) (void)ty_leb_get(&qc, end, &g); /* to the counts */
            for (uint64_t k = 0; k < len && !rc; k++) {
                (void)ty_leb_get(&q, end, &g);
                (void)ty_leb_get(&qc, end, &c);
                d = k ? d + g : g;
                float w = ty_tfidf_weight((uint32_t)c, idf[t], p->inv[d]);
                uint64_t e = cur[d];
                if (e >= rows->rowptr[d + 1] || rows->col[e] != t ||
                    memcmp(&w, &rows->val[e], sizeof w)) {
                    char wh[96];
                    frame_what(p, f, wh, sizeof wh);
                    ty_seterr(err, errlen,
                              "%s: section 'tfidf.post': %s: term %llu, document %llu is not "
                              "the rows' entry", p->path, wh, (unsigned long long)t,
                              (unsigned long long)d);
                    rc = TENYO_ERR_CORRUPT;
                }
                cur[d] = e + 1;
            }
        }
    }
    for (uint64_t d = 0; d < nd && !rc; d++)
        if (cur[d] != rows->rowptr[d + 1]) {
            ty_seterr(err, errlen, "%s: section 'tfidf.post': document %llu's row has terms "
                      "no list holds", p->path, (unsigned long long)d);
            rc = TENYO_ERR_CORRUPT;
        }
    if (!rc) rc = ty_tpblk_norms_check(p->path, rows, tf, idf, p->inv, err, errlen);
    pthread_mutex_unlock(&p->mu);
    free(cur);
    return rc;
}

int ty_tpost_layout(const ty_tpost *p) { return p && p->blk ? 2 : 1; }

void ty_tpost_blocks(const ty_tpost *p, uint64_t *blocks, uint64_t *decoded) {
    ty_tpblk_blocks(p ? p->blk : NULL, blocks, decoded);
}

void ty_tpost_frames(const ty_tpost *p, uint32_t *post, uint32_t *post_decoded, uint32_t *norms,
                     uint32_t *norms_decoded) {
    if (p && p->blk) p = NULL; /* layout 2 has no frames */
    *post = p ? p->np : 0;
    *post_decoded = p ? p->ndec_post : 0;
    *norms = p ? p->nn : 0;
    *norms_decoded = p ? p->ndec_norm : 0;
}
