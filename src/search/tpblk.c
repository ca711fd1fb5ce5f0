/*
 * tpblk.c — the TF-IDF postings stored in blocks that a query reads in
 * place (section "tfidf.post", layout 2, magic "TPS2"; layout 1, zstd
 * frames, is tpost.c's):
 *
 *   0   4  magic "TPS2"
 *   4   4  postings per block K (256)
 *   8   8  terms T
 *   16  8  documents N
 *   24  8  non-zeros Z
 *   32  8  blocks NB
 *   40  8  data bytes D
 *   48  4  documents per norm chunk C (65536: the unit a reader reads)
 *   52  4  zero
 *   56  8  FNV-1a 64 (as published) of bytes 0 .. 63, these 8 taken as 0
 *   64     terms: T + 1 entries of 16 bytes: u64 the term's first block
 *          (bits 0-39; the last entry's: NB) with its last block's
 *          postings less one in bits 40-63 (0 for a term without postings
 *          and for the last entry), u64 where its data starts (from the
 *          data's start; the last entry's: D)
 *   ..     blocks: NB entries of 8 bytes: u32 the block's first document,
 *          u32 where its data starts, from its term's
 *   ..     norms: N f64, each document's inverse norm (1.0 for an empty row)
 *   ..     data: per block of m postings (K; a term's last block: the rest),
 *          LEB128 the gaps between its documents (m - 1 of them, each >= 1:
 *          its first document is its entry's); its m term counts as 2-bit
 *          codes, four a byte, the first in the low bits (1-3: the count;
 *          0: the count is >= 4 and the next of the exceptions); then the
 *          exceptions, LEB128, in order
 *
 * A posting's weight is ty_tfidf_weight(count, idf, inverse norm), as in
 * layout 1: a walk adds w * (float)(unnormed * inv) per posting, terms
 * ascending, the same floats in the same order as the rows' gather.
 *
 * Reading. The open reads the header (magic, K, C, counts equal to the
 * index's, checksum, the parts' sizes filling the section). A walk reads
 * its terms' entries and block entries, then, chunk by chunk of C
 * documents, the chunk's norms and the data of every term's blocks that
 * reach it (through the read callback, up to 96 KiB at a time), each value
 * checked before it is used: entries rising and inside the section, a
 * block's gaps and counts filling its bytes exactly, its documents rising
 * and below the next block's first (the last: N), counts 1 to 2^32 - 1,
 * norms finite and > 0; damage is named by term and block, or by the
 * norms' documents. No checksum is verified by a walk (a changed count
 * changes one weight silently, as a byte of the mapped int8 codes does a
 * score): the section's frame carries zstd's, and tenyo check compares
 * every posting and every norm with the rows.
 *
 * A block is decoded whole (one-byte gaps eight at a time, codes sixteen
 * at a time, the exceptions found by their bits), then added. A walk cut
 * by documents: part k of n (whole chunks) zeroes and sums the scores of
 * its documents alone, reading of each term the blocks from the last
 * starting at or before its first document (a binary search); inside it,
 * per chunk, the terms in ascending order (a block astride two chunks is
 * decoded for each), so a chunk's norms and scores stay in the cache and
 * every document's sum is the one term-by-term walk's: the same bits,
 * however many threads take the parts.
 *
 * Why, and what was rejected: docs/index-format.md, "The postings in blocks".
 */
#include "search/tpblk.h"

#include "tenyo.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_HEAD 64u
#define TB_TERM 16u
#define TB_BLOCK 8u
#define TB_K 256u              /* postings per block, as written */
#define TB_CHUNK 65536u        /* documents per norm chunk, as written */
#define TB_KMAX 256u           /* the most postings per block a reader takes */
#define TB_READ (96u << 10)    /* data read at a time (at least a block) */
#define TB_FB_MASK ((1ull << 40) - 1)

/* A LEB128 value of a block [*q, e): one byte inline, else ty_leb_get. */
static inline int leb_next(const unsigned char **q, const unsigned char *e, uint64_t *v) {
    if (*q < e && **q < 0x80) {
        *v = *(*q)++;
        return 0;
    }
    return ty_leb_get(q, e, v);
}

/* ================================================================ pack */

/* TENYO_TPOST_BLOCK / TENYO_TPOST_CHUNK: postings per block (1-256) and
 * documents per norm chunk (1-2^24) other than the written defaults, so
 * that tests cut a small index into many blocks and chunks. */
static uint32_t env_size(const char *name, uint32_t dflt, uint32_t max) {
    const char *e = getenv(name);
    long v = e ? atol(e) : 0;
    return v >= 1 && (unsigned long)v <= max ? (uint32_t)v : dflt;
}

int ty_tpblk_pack(uint64_t nterms, uint64_t nd, uint64_t nnz, const uint64_t *tptr,
                  const uint32_t *tdoc, const uint32_t *ttf, const double *inv, ty_buf *out,
                  char *err, size_t errlen) {
    const uint32_t K = env_size("TENYO_TPOST_BLOCK", TB_K, TB_KMAX);
    const uint32_t C = env_size("TENYO_TPOST_CHUNK", TB_CHUNK, 1u << 24);
    uint64_t nb = 0;
    for (uint64_t t = 0; t < nterms; t++) nb += (tptr[t + 1] - tptr[t] + K - 1) / K;
    unsigned char *terms = ty_mallocarray((size_t)(nterms + 1), TB_TERM);
    unsigned char *blocks = ty_mallocarray((size_t)(nb ? nb : 1), TB_BLOCK);
    ty_buf data = {0};
    int rc = TENYO_ERR_NOMEM;
    out->len = 0;
    if (!terms || !blocks) goto done;
    uint64_t b = 0;
    for (uint64_t t = 0; t < nterms; t++) {
        uint64_t a = tptr[t], e = tptr[t + 1], start = data.len;
        uint64_t last = e > a ? (e - a - 1) % K : 0;
        ty_put_le64(terms + TB_TERM * t, b | last << 40);
        ty_put_le64(terms + TB_TERM * t + 8, start);
        for (uint64_t i = a; i < e; i += K) {
            uint32_t m = (uint32_t)(e - i < K ? e - i : K);
            if (data.len - start > UINT32_MAX) {
                ty_seterr(err, errlen, "a posting list over 4 GiB");
                rc = TENYO_ERR_LIMIT;
                goto done;
            }
            ty_put_le32(blocks + TB_BLOCK * b, tdoc[i]);
            ty_put_le32(blocks + TB_BLOCK * b + 4, (uint32_t)(data.len - start));
            b++;
            if (ty_buf_reserve(&data, (size_t)10 * m)) goto done;
            unsigned char *o = (unsigned char *)data.p + data.len;
            size_t n = 0;
            for (uint32_t j = 1; j < m; j++) n += (size_t)ty_leb_put(o + n, tdoc[i + j] - tdoc[i + j - 1]);
            unsigned char *codes = o + n;
            memset(codes, 0, (m + 3u) / 4u);
            n += (m + 3u) / 4u;
            for (uint32_t j = 0; j < m; j++) {
                if (ttf[i + j] < 4) codes[j / 4] |= (unsigned char)(ttf[i + j] << (2 * (j % 4)));
                else n += (size_t)ty_leb_put(o + n, ttf[i + j]);
            }
            data.len += n;
        }
    }
    ty_put_le64(terms + TB_TERM * nterms, nb);
    ty_put_le64(terms + TB_TERM * nterms + 8, data.len);
    size_t total = TB_HEAD + (size_t)TB_TERM * (nterms + 1) + (size_t)TB_BLOCK * nb +
                   (size_t)8 * nd + data.len;
    if (ty_buf_reserve(out, total)) goto done;
    unsigned char *h = (unsigned char *)out->p;
    memset(h, 0, TB_HEAD);
    memcpy(h, TY_TPBLK_MAGIC, 4);
    ty_put_le32(h + 4, K);
    ty_put_le64(h + 8, nterms);
    ty_put_le64(h + 16, nd);
    ty_put_le64(h + 24, nnz);
    ty_put_le64(h + 32, nb);
    ty_put_le64(h + 40, data.len);
    ty_put_le32(h + 48, C);
    ty_put_le64(h + 56, ty_fnv1a_std(h, TB_HEAD));
    unsigned char *o = h + TB_HEAD;
    memcpy(o, terms, (size_t)TB_TERM * (nterms + 1));
    o += (size_t)TB_TERM * (nterms + 1);
    if (nb) memcpy(o, blocks, (size_t)TB_BLOCK * nb);
    o += (size_t)TB_BLOCK * nb;
    for (uint64_t d = 0; d < nd; d++, o += 8) {
        uint64_t bits;
        memcpy(&bits, &inv[d], 8);
        ty_put_le64(o, bits);
    }
    if (data.len) memcpy(o, data.p, data.len);
    out->len = total;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory packing postings");
    free(terms);
    free(blocks);
    ty_buf_free(&data);
    return rc;
}

/* ================================================================ read */

struct ty_tpblk {
    ty_tpost_read_fn rd;
    void *ud;
    char *path;                  /* for messages */
    uint64_t nterms, ndocs, nnz, nblocks, dbytes;
    uint64_t o_blocks, o_norms, o_data; /* where each part starts */
    uint64_t nchunks;
    uint32_t k, chunk;           /* postings per block, documents per chunk */
    uint64_t decoded;            /* blocks decoded by walks (atomic; tests) */
};

/* One term as its entries give it, and where a walk is in it. */
typedef struct tb_term {
    uint64_t fb, nb;             /* first block, blocks */
    uint32_t last;               /* postings of its last block */
    uint64_t d0, d1;             /* its data, from the data's start */
    const uint32_t *be;          /* its block entries (first document, offset) */
    uint64_t cur;                /* the first block a walk has not finished */
} tb_term;

/* A walk's scratch: its terms, their block entries, data read, norms. */
typedef struct tb_scratch {
    tb_term *tm;
    uint32_t *be;                /* every term's block entries, two u32 a block */
    size_t becap;
    unsigned char *buf;          /* data read, TB_READ bytes or one block */
    size_t cap;
    double *inv;                 /* a chunk's inverse norms */
} tb_scratch;

static void scratch_free(tb_scratch *s) {
    free(s->tm);
    free(s->be);
    free(s->buf);
    free(s->inv);
}

static int corrupt(const ty_tpblk *p, const char *what, uint64_t t, uint64_t b, const char *why,
                   char *err, size_t errlen) {
    if (b == UINT64_MAX)
        ty_seterr(err, errlen, "%s: section 'tfidf.post': %s %llu is damaged: %s", p->path, what,
                  (unsigned long long)t, why);
    else
        ty_seterr(err, errlen, "%s: section 'tfidf.post': term %llu, block %llu is damaged: %s",
                  p->path, (unsigned long long)t, (unsigned long long)b, why);
    return TENYO_ERR_CORRUPT;
}

static int nomem(const ty_tpblk *p, char *err, size_t errlen) {
    ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", p->path);
    return TENYO_ERR_NOMEM;
}

int ty_tpblk_open(ty_tpost_read_fn rd, void *ud, uint64_t len, const char *path,
                  uint64_t nterms, uint64_t ndocs, uint64_t nnz, ty_tpblk **out, char *err,
                  size_t errlen) {
    *out = NULL;
    unsigned char h[TB_HEAD];
    const char *why = NULL;
    if (len < TB_HEAD) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post' is too short (%llu bytes)", path,
                  (unsigned long long)len);
        return TENYO_ERR_CORRUPT;
    }
    int rc = rd(ud, 0, TB_HEAD, h, err, errlen);
    if (rc) return rc;
    uint64_t sum = ty_get_le64(h + 56), nb = ty_get_le64(h + 32), db = ty_get_le64(h + 40);
    memset(h + 56, 0, 8);
    /* each part's size bounded by the section's before they are added */
    uint64_t room = len - TB_HEAD;
    if (memcmp(h, TY_TPBLK_MAGIC, 4)) why = "not stored postings (magic)";
    else if (ty_fnv1a_std(h, TB_HEAD) != sum) why = "header checksum mismatch";
    else if (ty_get_le32(h + 4) < 1 || ty_get_le32(h + 4) > TB_KMAX ||
             ty_get_le32(h + 48) < 1 || ty_get_le32(h + 48) > (1u << 24) || ty_get_le32(h + 52))
        why = "postings per block or documents per norm chunk out of range";
    else if (ty_get_le64(h + 8) != nterms || ty_get_le64(h + 16) != ndocs ||
             ty_get_le64(h + 24) != nnz)
        why = "its terms, documents or non-zeros are not the index's";
    else if (nterms >= room / TB_TERM || nb > room / TB_BLOCK || ndocs > room / 8 ||
             db > room || nb > TB_FB_MASK || ndocs > UINT32_MAX ||
             TB_TERM * (nterms + 1) + TB_BLOCK * nb + 8 * ndocs + db != room ||
             (nterms == 0 && (nb || db)))
        why = "its parts' sizes do not fill the section";
    if (why) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post': %s", path, why);
        return TENYO_ERR_CORRUPT;
    }
    ty_tpblk *p = ty_calloc(1, sizeof *p);
    if (!p) goto nomem;
    p->rd = rd;
    p->ud = ud;
    p->nterms = nterms;
    p->ndocs = ndocs;
    p->nnz = nnz;
    p->nblocks = nb;
    p->dbytes = db;
    p->o_blocks = TB_HEAD + TB_TERM * (nterms + 1);
    p->o_norms = p->o_blocks + TB_BLOCK * nb;
    p->o_data = p->o_norms + 8 * ndocs;
    p->k = ty_get_le32(h + 4);
    p->chunk = ty_get_le32(h + 48);
    p->nchunks = (ndocs + p->chunk - 1) / p->chunk;
    p->path = ty_strdup(path ? path : "");
    if (!p->path) {
        ty_tpblk_free(p);
        goto nomem;
    }
    *out = p;
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "%s: out of memory reading section 'tfidf.post'", path);
    return TENYO_ERR_NOMEM;
}

void ty_tpblk_free(ty_tpblk *p) {
    if (!p) return;
    free(p->path);
    free(p);
}

void ty_tpblk_blocks(const ty_tpblk *p, uint64_t *blocks, uint64_t *decoded) {
    *blocks = p ? p->nblocks : 0;
    *decoded = p ? __atomic_load_n(&p->decoded, __ATOMIC_RELAXED) : 0;
}

uint32_t ty_tpblk_nparts(const ty_tpblk *p, uint32_t want) {
    if (want < 1 || p->nchunks < 2) return 1;
    return p->nchunks < want ? (uint32_t)p->nchunks : want;
}

/* The inverse norms of documents [d0, d1) (inside one chunk) into inv. */
static int norms_read(ty_tpblk *p, uint64_t d0, uint64_t d1, double *inv, char *err,
                      size_t errlen) {
    unsigned char *b = (unsigned char *)inv; /* read in place, then swapped */
    int rc = p->rd(p->ud, p->o_norms + 8 * d0, 8 * (d1 - d0), b, err, errlen);
    for (uint64_t k = 0; k < d1 - d0 && !rc; k++) {
        uint64_t bits = ty_get_le64(b + 8 * k);
        double v;
        memcpy(&v, &bits, 8);
        if (!isfinite(v) || !(v > 0)) {
            ty_seterr(err, errlen, "%s: section 'tfidf.post': the norms of documents %llu-%llu "
                      "are damaged: an inverse norm not finite and > 0", p->path,
                      (unsigned long long)d0, (unsigned long long)(d1 - 1));
            rc = TENYO_ERR_CORRUPT;
        }
        inv[k] = v;
    }
    return rc;
}

/* Term t's entries into o, checked against each other and the section. */
static int term_get(ty_tpblk *p, uint64_t t, tb_term *o, char *err, size_t errlen) {
    unsigned char e[2 * TB_TERM];
    int rc = p->rd(p->ud, TB_HEAD + TB_TERM * t, sizeof e, e, err, errlen);
    if (rc) return rc;
    uint64_t a = ty_get_le64(e), a1 = ty_get_le64(e + TB_TERM) & TB_FB_MASK;
    o->fb = a & TB_FB_MASK;
    uint64_t lastm1 = a >> 40;
    o->d0 = ty_get_le64(e + 8);
    o->d1 = ty_get_le64(e + TB_TERM + 8);
    o->be = NULL;
    o->cur = 0;
    if (o->fb > a1 || a1 > p->nblocks || o->d0 > o->d1 || o->d1 > p->dbytes ||
        (t + 1 == p->nterms && (a1 != p->nblocks || o->d1 != p->dbytes)) ||
        (t == 0 && (o->fb != 0 || o->d0 != 0)))
        return corrupt(p, "term", t, UINT64_MAX, "its entry is out of range", err, errlen);
    o->nb = a1 - o->fb;
    if (o->nb == 0 ? (lastm1 || o->d0 != o->d1)
                   : (lastm1 >= p->k || lastm1 >= p->ndocs ||
                      o->nb - 1 > (p->ndocs - lastm1 - 1) / p->k))
        return corrupt(p, "term", t, UINT64_MAX, "its entry's postings are impossible", err,
                       errlen);
    o->last = (uint32_t)lastm1 + 1;
    return TENYO_OK;
}

/* Term t's block entries into be (room for m->nb), checked: the first at
 * offset 0, first documents rising and below N, offsets rising inside its
 * data. */
static int blocks_get(ty_tpblk *p, uint64_t t, const tb_term *m, uint32_t *be, char *err,
                      size_t errlen) {
    size_t n = (size_t)m->nb;
    unsigned char *r = (unsigned char *)be;
    int rc = p->rd(p->ud, p->o_blocks + TB_BLOCK * m->fb, TB_BLOCK * (uint64_t)n, r, err, errlen);
    if (rc) return rc;
    uint64_t size = m->d1 - m->d0;
    for (size_t b = 0; b < n; b++) {
        uint32_t f = ty_get_le32(r + TB_BLOCK * b), o = ty_get_le32(r + TB_BLOCK * b + 4);
        be[2 * b] = f;
        be[2 * b + 1] = o;
        if (f >= p->ndocs || o > size ||
            (b == 0 ? o != 0 : f <= be[2 * b - 2] || o <= be[2 * b - 1]))
            return corrupt(p, "term", t, m->fb + b, "its entry is out of order or range", err,
                           errlen);
    }
    return TENYO_OK;
}

/* Where block b's data starts and ends, from its term's. */
static uint64_t blk_at(const tb_term *m, uint64_t b) { return m->be[2 * b + 1]; }
static uint64_t blk_end(const tb_term *m, uint64_t b) {
    return b + 1 < m->nb ? m->be[2 * b + 3] : m->d1 - m->d0;
}

/* Block b of term t (at q, len bytes) decoded into docs and counts and
 * checked; its documents below the next block's first document, or N. */
static int block_decode(ty_tpblk *p, uint64_t t, const tb_term *m, uint64_t b,
                        const unsigned char *q, uint64_t len, uint32_t *docs, uint32_t *cnt,
                        uint32_t *mout, char *err, size_t errlen) {
    uint32_t k = b + 1 < m->nb ? p->k : m->last;
    uint64_t end = b + 1 < m->nb ? m->be[2 * b + 2] : p->ndocs, d = m->be[2 * b], v;
    const unsigned char *e = q + len;
    uint64_t zero = 0; /* a gap of 0 seen */
    docs[0] = (uint32_t)d;
    for (uint32_t i = 1; i < k;) {
        /* eight gaps of one byte at once: no top bit (a longer LEB128) in
         * the eight, then none zero (a byte of 0 is the only one whose
         * top bit subtracting 1 sets) */
        if (k - i >= 8 && e - q >= 8) {
            uint64_t x = ty_get_le64(q);
            if (!(x & 0x8080808080808080ull)) {
                zero |= (x - 0x0101010101010101ull) & 0x8080808080808080ull;
#pragma GCC unroll 8
                for (int y = 0; y < 8; y++) {
                    d += (x >> (8 * y)) & 0xffu;
                    docs[i + y] = (uint32_t)d;
                }
                q += 8;
                i += 8;
                continue;
            }
        }
        if (q < e && *q < 0x80) v = *q++;
        else if (ty_leb_get(&q, e, &v)) goto bad_docs;
        zero |= v == 0;
        d += v; /* at most 255 gaps below 2^35 each: no overflow */
        docs[i++] = (uint32_t)d;
    }
    if (zero || d >= end) goto bad_docs;
    const unsigned char *codes = q;
    if ((uint64_t)(e - q) < (k + 3u) / 4u) goto bad_count;
    q += (k + 3u) / 4u;
    /* sixteen codes at a time written as they are, then the exceptions
     * (codes of 0) read in order, found by their bits: no branch per code */
    for (uint32_t i = 0; i < k; i += 16) {
        uint32_t n = k - i < 16 ? k - i : 16, c = 0;
        if (n == 16) c = ty_get_le32(codes + i / 4);
        else
            for (uint32_t y = 0; y < (n + 3u) / 4u; y++) c |= (uint32_t)codes[i / 4 + y] << (8 * y);
#pragma GCC unroll 16
        for (int y = 0; y < 16; y++) cnt[i + y] = (c >> (2 * y)) & 3u; /* (room for 256) */
        uint32_t z = ~(c | c >> 1) & 0x55555555u;
        if (n < 16) z &= (1u << (2 * n)) - 1u;
        while (z) {
            uint32_t y = (uint32_t)__builtin_ctz(z) / 2u;
            z &= z - 1u;
            if (leb_next(&q, e, &v) || v < 4 || v > UINT32_MAX) goto bad_count;
            cnt[i + y] = (uint32_t)v;
        }
    }
    if (k % 4 && codes[k / 4] >> (2 * (k % 4))) goto bad_count; /* the last byte's spare codes */
    if (q != e)
        return corrupt(p, "term", t, m->fb + b, "bytes left over after its counts", err, errlen);
    *mout = k;
    return TENYO_OK;
bad_docs:
    return corrupt(p, "term", t, m->fb + b, "documents not rising or out of range", err,
                   errlen);
bad_count:
    return corrupt(p, "term", t, m->fb + b, "a term count unreadable or out of range", err,
                   errlen);
}

/* The next piece of term m's blocks from b0 below b1 to read at once: up
 * to TB_READ bytes, at least one block; its data into s->buf. Returns the
 * block after the piece (0 on failure, *rc set). */
static uint64_t piece_get(ty_tpblk *p, const tb_term *m, tb_scratch *s, uint64_t b0,
                          uint64_t b1, int *rc, char *err, size_t errlen) {
    uint64_t a = blk_at(m, b0), e = b0 + 1;
    while (e < b1 && blk_end(m, e) - a <= TB_READ) e++;
    size_t n = (size_t)(blk_end(m, e - 1) - a);
    if (n > s->cap) {
        unsigned char *nb = realloc(s->buf, n);
        if (!nb) {
            *rc = nomem(p, err, errlen);
            return 0;
        }
        s->buf = nb;
        s->cap = n;
    }
    *rc = p->rd(p->ud, p->o_data + m->d0 + a, n, s->buf, err, errlen);
    return *rc ? 0 : e;
}

/* The terms t[0..nt) read into s: their entries and block entries. */
static int terms_read(ty_tpblk *p, const uint32_t *t, size_t nt, tb_scratch *s, char *err,
                      size_t errlen) {
    s->tm = ty_calloc(nt ? nt : 1, sizeof *s->tm);
    if (!s->tm) return nomem(p, err, errlen);
    uint64_t all = 0;
    for (size_t i = 0; i < nt; i++) {
        if (t[i] >= p->nterms || (i && t[i] <= t[i - 1])) {
            ty_seterr(err, errlen, "query terms not distinct, rising and in the index");
            return TENYO_ERR_ARG;
        }
        int rc = term_get(p, t[i], &s->tm[i], err, errlen);
        if (rc) return rc;
        all += s->tm[i].nb;
    }
    s->be = ty_mallocarray((size_t)(all ? all : 1), TB_BLOCK);
    if (!s->be) return nomem(p, err, errlen);
    uint64_t at = 0;
    for (size_t i = 0; i < nt; i++) {
        int rc = blocks_get(p, t[i], &s->tm[i], s->be + 2 * at, err, errlen);
        if (rc) return rc;
        s->tm[i].be = s->be + 2 * at;
        at += s->tm[i].nb;
    }
    return TENYO_OK;
}

#define TB_VTAB 64 /* counts whose weight before the norm is tabled per term */

/* The walk, chunk by chunk of documents: per chunk its norms, then every
 * term's blocks that reach it, in ascending term order (each document's
 * sum in the order of a walk term by term: the same bits), the chunk's
 * scores and norms staying in the cache while the terms pass over them. A
 * block astride two chunks is decoded for each. */
int ty_tpblk_walk_part(ty_tpblk *p, const uint32_t *t, const float *w, size_t nt,
                       const float *idf, float *s, uint32_t part, uint32_t nparts, char *err,
                       size_t errlen) {
    uint64_t lo = ty_split(p->nchunks, (int)part, (int)nparts) * p->chunk;
    uint64_t hi = ty_split(p->nchunks, (int)part + 1, (int)nparts) * p->chunk;
    if (hi > p->ndocs) hi = p->ndocs;
    if (lo > hi) lo = hi;
    memset(s + lo, 0, (size_t)(hi - lo) * sizeof *s);
    tb_scratch sc = {0};
    uint32_t docs[TB_KMAX], cnt[TB_KMAX];
    uint64_t ndec = 0; /* blocks decoded (counted once, not per block: threads share p) */
    int rc = terms_read(p, t, nt, &sc, err, errlen);
    double (*vt)[TB_VTAB] = NULL; /* the floats of ty_tfidf_unnormed, as doubles */
    if (!rc && lo < hi) {
        sc.inv = ty_mallocarray(p->chunk, sizeof *sc.inv);
        vt = ty_mallocarray(nt ? nt : 1, sizeof *vt);
        if (!sc.inv || !vt) rc = nomem(p, err, errlen);
    }
    for (size_t i = 0; i < nt && !rc && lo < hi; i++) {
        tb_term *m = &sc.tm[i];
        vt[i][0] = 0;
        for (uint32_t c = 1; c < TB_VTAB; c++) vt[i][c] = (double)ty_tfidf_unnormed(c, idf[t[i]]);
        uint64_t a = 0, e = m->nb; /* the last block starting at or before lo */
        while (e - a > 1) {
            uint64_t mid = a + (e - a) / 2;
            if (m->be[2 * mid] <= lo) a = mid;
            else e = mid;
        }
        m->cur = a;
    }
    for (uint64_t c0 = lo; c0 < hi && !rc; c0 += p->chunk) {
        uint64_t c1 = c0 + p->chunk < hi ? c0 + p->chunk : hi;
        if ((rc = norms_read(p, c0, c1, sc.inv, err, errlen))) break;
        const double *inv = sc.inv - c0;
        for (size_t i = 0; i < nt && !rc; i++) {
            tb_term *m = &sc.tm[i];
            uint64_t b1 = m->cur; /* the blocks starting below c1 */
            while (b1 < m->nb && m->be[2 * b1] < c1) b1++;
            float fi = idf[t[i]], wi = w[i];
            for (uint64_t pb = m->cur, pe; pb < b1 && !rc; pb = pe) {
                if (!(pe = piece_get(p, m, &sc, pb, b1, &rc, err, errlen))) break;
                for (uint64_t b = pb; b < pe && !rc; b++) {
                    uint32_t k = 0;
                    rc = block_decode(p, t[i], m, b, sc.buf + (blk_at(m, b) - blk_at(m, pb)),
                                      blk_end(m, b) - blk_at(m, b), docs, cnt, &k, err, errlen);
                    ndec++;
                    if (rc) break;
                    uint32_t j0 = 0, j1 = k; /* the block's postings inside the chunk */
                    if (docs[0] < c0)
                        while (j0 < k && docs[j0] < c0) j0++;
                    if (docs[k - 1] >= c1)
                        while (j1 > j0 && docs[j1 - 1] >= c1) j1--;
                    const double *vd = vt[i];
                    for (uint32_t j = j0; j < j1; j++) {
                        uint32_t d = docs[j], n = cnt[j];
                        double v = n < TB_VTAB ? vd[n] : (double)ty_tfidf_unnormed(n, fi);
                        s[d] += wi * (float)(v * inv[d]);
                    }
                }
            }
            /* a block reaching past c1 is walked again for the next chunk */
            if (b1 > m->cur) m->cur = (b1 < m->nb ? m->be[2 * b1] > c1 : c1 < p->ndocs) ? b1 - 1 : b1;
        }
    }
    __atomic_add_fetch(&p->decoded, ndec, __ATOMIC_RELAXED);
    free(vt);
    scratch_free(&sc);
    return rc;
}

int ty_tpblk_norms_check(const char *path, const ty_csr *rows, const uint32_t *tf,
                         const float *idf, const double *inv, char *err, size_t errlen) {
    for (uint64_t d = 0; tf && d < rows->nrows; d++) {
        uint64_t a = rows->rowptr[d], e = rows->rowptr[d + 1];
        double norm = ty_tfidf_counts_norm(rows->col + a, tf + a, (size_t)(e - a), idf);
        double want = norm > 0 ? 1.0 / norm : 1.0;
        if (memcmp(&want, &inv[d], sizeof want)) {
            ty_seterr(err, errlen, "%s: section 'tfidf.post': document %llu's inverse norm is "
                      "not its row's", path, (unsigned long long)d);
            return TENYO_ERR_CORRUPT;
        }
    }
    return TENYO_OK;
}

int ty_tpblk_verify(ty_tpblk *p, const ty_csr *rows, const uint32_t *tf, const float *idf,
                    char *err, size_t errlen) {
    uint64_t nd = p->ndocs;
    if (rows->nrows != nd || (nd ? rows->rowptr[nd] : 0) != p->nnz) {
        ty_seterr(err, errlen, "%s: section 'tfidf.post': not the rows' documents or non-zeros",
                  p->path);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t *cur = ty_mallocarray(nd ? nd : 1, sizeof *cur);
    double *inv = ty_mallocarray(nd ? nd : 1, sizeof *inv);
    tb_scratch sc = {0};
    uint32_t docs[TB_KMAX], cnt[TB_KMAX];
    int rc = TENYO_OK;
    if (!cur || !inv) rc = nomem(p, err, errlen);
    for (uint64_t d = 0; d < nd && !rc; d++) cur[d] = rows->rowptr[d];
    for (uint64_t d = 0; d < nd && !rc; d += p->chunk)
        rc = norms_read(p, d, d + p->chunk < nd ? d + p->chunk : nd, inv + d, err, errlen);
    if (!rc) { /* the last entry's spare bits, which no walk reads */
        unsigned char e[8];
        rc = p->rd(p->ud, TB_HEAD + TB_TERM * p->nterms, 8, e, err, errlen);
        if (!rc && ty_get_le64(e) >> 40)
            rc = corrupt(p, "term", p->nterms, UINT64_MAX, "the last entry's spare bits are set",
                         err, errlen);
    }
    for (uint64_t t = 0; t < p->nterms && !rc; t++) {
        tb_term m;
        if ((rc = term_get(p, t, &m, err, errlen)) || !m.nb) continue;
        if (m.nb > sc.becap) {
            uint32_t *be = realloc(sc.be, (size_t)m.nb * TB_BLOCK);
            if (!be) {
                rc = nomem(p, err, errlen);
                break;
            }
            sc.be = be;
            sc.becap = (size_t)m.nb;
        }
        if ((rc = blocks_get(p, t, &m, sc.be, err, errlen))) break;
        m.be = sc.be;
        for (uint64_t pb = 0, pe; pb < m.nb && !rc; pb = pe) {
            if (!(pe = piece_get(p, &m, &sc, pb, m.nb, &rc, err, errlen))) break;
            for (uint64_t b = pb; b < pe && !rc; b++) {
                uint32_t k = 0;
                rc = block_decode(p, t, &m, b, sc.buf + (blk_at(&m, b) - blk_at(&m, pb)),
                                  blk_end(&m, b) - blk_at(&m, b), docs, cnt, &k, err, errlen);
                for (uint32_t j = 0; j < k && !rc; j++) {
                    uint64_t d = docs[j], e = cur[d];
                    float v = ty_tfidf_weight(cnt[j], idf[t], inv[d]);
                    if (e >= rows->rowptr[d + 1] || rows->col[e] != t ||
                        memcmp(&v, &rows->val[e], sizeof v)) {
                        ty_seterr(err, errlen, "%s: section 'tfidf.post': term %llu, block "
                                  "%llu: document %llu is not the rows' entry", p->path,
                                  (unsigned long long)t, (unsigned long long)(m.fb + b),
                                  (unsigned long long)d);
                        rc = TENYO_ERR_CORRUPT;
                    }
                    cur[d] = e + 1;
                }
            }
        }
    }
    for (uint64_t d = 0; d < nd && !rc; d++)
        if (cur[d] != rows->rowptr[d + 1]) {
            ty_seterr(err, errlen, "%s: section 'tfidf.post': document %llu's row has terms "
                      "no list holds", p->path, (unsigned long long)d);
            rc = TENYO_ERR_CORRUPT;
        }
    if (!rc) rc = ty_tpblk_norms_check(p->path, rows, tf, idf, inv, err, errlen);
    scratch_free(&sc);
    free(cur);
    free(inv);
    return rc;
}
