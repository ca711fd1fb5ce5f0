/*
 * kwframes.c — layout 2 of the keyword section (kwindex.c: the index, its
 * packing and queries): its frames packed, its header and table checked,
 * each frame decoded in place the first time a query reads it.
 *
 *   0   4  magic "TKW2"
 *   4   4  records per text frame B (KWX_BLOCK, 128)
 *   8   8  records N
 *   16  8  text bytes T (raw)
 *   24  8  distinct bigrams K
 *   32  8  key table bytes KB (raw)
 *   40  8  postings bytes P (raw)
 *   48  4  posting frames NP
 *   52  4  text frames NT = ceil(N / B)
 *   56  8  FNV-1a 64 (as published) of bytes 0 .. the table's end, these
 *          8 taken as 0
 *   64  24 per frame (2 + NP + NT): u64 offset from the table's end, u32
 *          stored bytes, u32 raw bytes, u64 its first key (posting frames)
 *          or record (text frames), 0 for the first two
 *   ..     the frames, each a checksummed zstd frame, in table order:
 *          record lengths (per record LEB128 bytes before its NUL, LEB128
 *          bytes before its '\n'), the key table (as layout 1), NP
 *          posting frames (the lists of whole keys, a frame closed once it
 *          holds KWX_POST_FRAME bytes), NT text frames (records iB ..
 *          (i+1)B - 1, NUL-terminated)
 *
 * A list is, per record, LEB128 gap then LEB128 c = abstract hits * 8 +
 * min(title hits, 7) (then LEB128 title hits - 7 when 7 or more); c = 0:
 * unknown (more than 1,023 title or 4,194,303 abstract hits, past what
 * the build counts in). The hits are what memmem finds left to right
 * without overlap (ああああ holds ああ twice), those starting in the title
 * apart: keywords.c's tf is 2 x title + abstract, so a two-character word
 * is answered from its list alone (ty_kwx_pair).
 *
 * The store writes the section as one zstd frame of stored blocks (its
 * frames are compressed already; store/lazysec.c reads a range of it in
 * place). Opening reads the header and table (checked against their sum
 * and each other: offsets contiguous, sizes adding up, first keys rising),
 * decodes the lengths and key table (stored, about half a byte a record
 * and 2.5 bytes a bigram) and makes room for the lists and text without
 * touching it (plain malloc: pages never read are never faulted in); a
 * posting frame is decoded when a query looks up one of its keys, a text
 * frame when a record of it is verified (its records' NULs and title
 * breaks checked where the lengths say), each once, under the handle's
 * mutex, from any thread. A damaged frame stays undecoded and is reported
 * by every use, naming the section, the frame and what it holds; tenyo
 * check decodes them all. Sizes on the 60k corpus: docs/index-format.md.
 */
#include "search/kwparts.h"

/* ============================================================ layout 2 */

/* The frames of layout 2 (layout above), compressed on the build's
 * threads, each frame by one worker with its own context: the same bytes
 * for any count. */
typedef struct kfr {
    const char *src;         /* raw bytes */
    uint64_t raw;            /* their length */
    uint64_t first;          /* first record or key, for the table */
    ty_buf z;                /* the compressed frame */
} kfr;

typedef struct kfr_job {
    kfr *fr;
    uint64_t n;
    char (*err)[TY_ERRLEN];
} kfr_job;

static int kfr_worker(void *ud, int t, int nt) {
    kfr_job *j = ud;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = cc ? TENYO_OK : TENYO_ERR_NOMEM;
    if (!rc && (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, KWX_LEVEL)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1)))) {
        rc = TENYO_ERR_DEPENDENCY;
        ty_seterr(j->err[t], TY_ERRLEN, "zstd refused the keyword index's parameters");
    }
    uint64_t f1 = ty_split(j->n, t + 1, nt);
    for (uint64_t f = ty_split(j->n, t, nt); f < f1 && !rc; f++) {
        kfr *x = &j->fr[f];
        size_t cap = ZSTD_compressBound((size_t)x->raw);
        if (ty_buf_reserve(&x->z, cap)) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        size_t z = ZSTD_compress2(cc, x->z.p, cap, x->src, (size_t)x->raw);
        if (ZSTD_isError(z)) {
            rc = TENYO_ERR_DEPENDENCY;
            ty_seterr(j->err[t], TY_ERRLEN, "zstd: %s", ZSTD_getErrorName(z));
            break;
        }
        x->z.len = z;
    }
    ZSTD_freeCCtx(cc);
    return rc;
}

int ty_kwx_pack_frames(const char *text, uint64_t len, uint64_t n, int threads,
                       const ty_buf *keys, const ty_buf *post, uint64_t nkeys, ty_buf *out,
                       char *err, size_t errlen) {
    ty_buf lens = {0};
    kfr *fr = NULL;
    char (*perr)[TY_ERRLEN] = NULL;
    uint64_t nfr = 0, npost = 0, ntext = (n + KWX_BLOCK - 1) / KWX_BLOCK;
    int rc = TENYO_ERR_NOMEM;
    /* the records' lengths; each must hold its title break */
    const char *s = text, *end = text + len;
    for (uint64_t d = 0; d < n; d++) {
        const char *z = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
        const char *nl = z ? memchr(s, '\n', (size_t)(z - s)) : NULL;
        if (!nl) {
            ty_seterr(err, errlen, "keyword index: record %llu has no title break",
                      (unsigned long long)d);
            rc = TENYO_ERR_ARG;
            goto done;
        }
        if (put_leb(&lens, (uint64_t)(z - s)) || put_leb(&lens, (uint64_t)(nl - s))) goto done;
        s = z + 1;
    }
    if (s != end) {
        ty_seterr(err, errlen, "keyword index: more text than %llu records",
                  (unsigned long long)n);
        rc = TENYO_ERR_ARG;
        goto done;
    }
    /* posting frames: keys from the table, a frame closed at a key's end
     * once it holds KWX_POST_FRAME bytes */
    uint64_t *pfirst = ty_mallocarray(nkeys + 1, sizeof *pfirst), *pat = NULL;
    if (!pfirst) goto done;
    pat = ty_mallocarray(nkeys + 1, sizeof *pat);
    if (!pat) {
        free(pfirst);
        goto done;
    }
    {
        const unsigned char *k = (const unsigned char *)keys->p, *ke = k + keys->len;
        uint64_t at = 0;
        for (uint64_t i = 0; i < nkeys; i++) {
            uint64_t g = 0, c = 0, b = 0; /* (our own table: well formed) */
            (void)(get_leb(&k, ke, &g) || get_leb(&k, ke, &c) || get_leb(&k, ke, &b));
            if (i == 0 || at - pat[npost - 1] >= KWX_POST_FRAME) {
                pfirst[npost] = i;
                pat[npost++] = at;
            }
            at += b;
        }
        pat[npost] = at;
    }
    nfr = 2 + npost + ntext;
    fr = ty_calloc((size_t)nfr, sizeof *fr);
    if (!fr) {
        free(pfirst);
        free(pat);
        goto done;
    }
    fr[0] = (kfr){lens.p ? lens.p : "", lens.len, 0, {0}};
    fr[1] = (kfr){keys->p ? keys->p : "", keys->len, 0, {0}};
    for (uint64_t j = 0; j < npost; j++)
        fr[2 + j] = (kfr){post->p + pat[j], pat[j + 1] - pat[j], pfirst[j], {0}};
    free(pfirst);
    free(pat);
    s = text;
    for (uint64_t b = 0; b < ntext; b++) {
        const char *b0 = s;
        uint64_t e = b + 1 < ntext ? (b + 1) * KWX_BLOCK : n;
        for (uint64_t d = b * KWX_BLOCK; d < e; d++)
            s = (const char *)memchr(s, 0, (size_t)(end - s)) + 1;
        fr[2 + npost + b] = (kfr){b0, (uint64_t)(s - b0), b * KWX_BLOCK, {0}};
    }
    for (uint64_t f = 0; f < nfr; f++)
        if (fr[f].raw > UINT32_MAX / 2) { /* a frame's sizes are u32 */
            ty_seterr(err, errlen, "keyword index: frame %llu would hold %llu bytes",
                      (unsigned long long)f, (unsigned long long)fr[f].raw);
            rc = TENYO_ERR_LIMIT;
            goto done;
        }
    int nt = ty_parallel_workers(threads, len + post->len, (uint64_t)1 << 20);
    if ((uint64_t)nt > nfr) nt = (int)nfr;
    perr = ty_calloc((size_t)nt, sizeof *perr);
    if (!perr) goto done;
    kfr_job j = {fr, nfr, perr};
    rc = ty_parallel(nt, kfr_worker, &j);
    if (rc) {
        ty_parallel_err(perr, nt, err, errlen);
        goto done;
    }
    {
        rc = TENYO_ERR_NOMEM;
        uint64_t head = KWX2_HEAD + KWX2_ENTRY * nfr, o = 0;
        unsigned char *h = ty_calloc((size_t)head, 1);
        if (!h) goto done;
        memcpy(h, KWX2_MAGIC, 4);
        put32(h + 4, KWX_BLOCK);
        put64(h + 8, n);
        put64(h + 16, len);
        put64(h + 24, nkeys);
        put64(h + 32, keys->len);
        put64(h + 40, post->len);
        put32(h + 48, (uint32_t)npost);
        put32(h + 52, (uint32_t)ntext);
        for (uint64_t f = 0; f < nfr; f++) {
            unsigned char *e = h + KWX2_HEAD + KWX2_ENTRY * f;
            put64(e, o);
            put32(e + 8, (uint32_t)fr[f].z.len);
            put32(e + 12, (uint32_t)fr[f].raw);
            put64(e + 16, fr[f].first);
            o += fr[f].z.len;
        }
        put64(h + 56, ty_fnv1a_std(h, (size_t)head)); /* over all but itself (0 then) */
        out->len = 0;
        int bad = ty_buf_reserve(out, (size_t)(head + o)) || ty_buf_append(out, h, (size_t)head);
        for (uint64_t f = 0; f < nfr && !bad; f++) {
            bad = ty_buf_append(out, fr[f].z.p, fr[f].z.len);
            ty_buf_free(&fr[f].z); /* each frame held once: in out */
        }
        free(h);
        if (!bad) rc = TENYO_OK;
    }
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory building the keyword index");
    for (uint64_t f = 0; fr && f < nfr; f++) ty_buf_free(&fr[f].z);
    free(fr);
    free(perr);
    ty_buf_free(&lens);
    return rc;
}

/* Decode part p's key table kt[0..kb) (nk keys over pb bytes of lists)
 * into p->key, p->cnt, p->poff: 0 or CORRUPT/NOMEM with the message. */
int ty_kwx_keys_decode(kwx_part *p, const unsigned char *kt, uint64_t kb, uint64_t nk,
                       uint64_t pb, char *err, size_t errlen) {
    uint64_t n = p->ndocs, least = p->v2 ? 2 : 1; /* bytes a posting takes at least */
    if (nk > kb) {
        ty_seterr(err, errlen, "section 'keywords': %llu keys in %llu bytes",
                  (unsigned long long)nk, (unsigned long long)kb);
        return TENYO_ERR_CORRUPT;
    }
    p->nkeys = nk;
    p->keybytes = kb;
    p->key = ty_mallocarray(nk ? nk : 1, sizeof *p->key);
    p->poff = ty_mallocarray(nk + 1, sizeof *p->poff);
    p->cnt = ty_mallocarray(nk ? nk : 1, sizeof *p->cnt);
    if (!p->key || !p->poff || !p->cnt) {
        ty_seterr(err, errlen, "out of memory opening the keyword index");
        return TENYO_ERR_NOMEM;
    }
    const unsigned char *k = kt, *kend = k + kb;
    uint64_t key = 0, at = 0;
    for (uint64_t i = 0; i < nk; i++) {
        uint64_t gap, c, bytes;
        if (get_leb(&k, kend, &gap) || get_leb(&k, kend, &c) || get_leb(&k, kend, &bytes) ||
            (i && !gap) || gap > (1ull << 42) - key || !c || c > n || bytes / least < c ||
            bytes > pb - at) {
            ty_seterr(err, errlen, "section 'keywords': key table entry %llu is damaged",
                      (unsigned long long)i);
            return TENYO_ERR_CORRUPT;
        }
        key += gap;
        p->key[i] = key;
        p->cnt[i] = c;
        p->poff[i] = at;
        at += bytes;
    }
    p->poff[nk] = at;
    if (k != kend || at != pb) {
        ty_seterr(err, errlen, "section 'keywords': the key table does not cover the postings");
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* What frame f of a layout-2 part holds, for messages. */
static void frame_what(const kwx_part *p, uint64_t f, char *w, size_t wl) {
    if (f == 0) {
        snprintf(w, wl, "record lengths");
    } else if (f == 1) {
        snprintf(w, wl, "key table");
    } else if (f < 2 + (uint64_t)p->npost) {
        snprintf(w, wl, "postings of bigrams %llu-%llu", (unsigned long long)p->pfirst[f - 2],
                 (unsigned long long)p->pfirst[f - 1] - 1);
    } else {
        uint64_t b = f - 2 - p->npost, r0 = b * p->per, r1 = r0 + p->per;
        snprintf(w, wl, "text of records %llu-%llu", (unsigned long long)r0,
                 (unsigned long long)(r1 < p->ndocs ? r1 : p->ndocs) - 1);
    }
}

/* Decode frame f of layout-2 part pi into dst (its raw bytes; dctx
 * reused): 0 or CORRUPT with a message naming the section and frame. */
static int frame_decode(const ty_kwx *k, uint32_t pi, uint64_t f, void *dst, char *err,
                        size_t errlen) {
    const kwx_part *p = &k->part[pi];
    ty_kwx *m = (ty_kwx *)k; /* its decoding context and buffer */
    ZSTD_DCtx *dc = m->dc;
    const unsigned char *e = p->tab + KWX2_ENTRY * f;
    uint32_t zs = get32(e + 8), rs = get32(e + 12);
    const char *why = NULL;
    if (!dc && !(dc = m->dc = ZSTD_createDCtx())) {
        ty_seterr(err, errlen, "out of memory reading the keyword index");
        return TENYO_ERR_NOMEM;
    }
    m->z.len = 0;
    if (ty_buf_reserve(&m->z, zs ? zs : 1)) {
        ty_seterr(err, errlen, "out of memory reading the keyword index");
        return TENYO_ERR_NOMEM;
    }
    int rc = p->rd(p->ud, p->fbase + get64(e), zs, m->z.p, err, errlen);
    if (rc) return rc;
    const unsigned char *c = (const unsigned char *)m->z.p;
    if (zs < 6 || get32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) ||
        ZSTD_getFrameContentSize(c, zs) != rs || ZSTD_findFrameCompressedSize(c, zs) != zs) {
        why = "not one checksummed zstd frame of its size";
    } else {
        size_t d = ZSTD_decompressDCtx(dc, dst, rs, c, zs);
        if (ZSTD_isError(d) || d != rs) why = ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short";
    }
    if (!why) return TENYO_OK;
    char w[96];
    frame_what(p, f, w, sizeof w);
    ty_seterr(err, errlen, "section 'keywords': frame %llu (%s) of part %u is damaged: %s",
              (unsigned long long)f, w, pi, why);
    return TENYO_ERR_CORRUPT;
}

/* Check the records [r0, r1) of a decoded text frame: each ends with its
 * NUL and has its title break where the lengths say, none before. */
static int text_check(const kwx_part *p, uint32_t pi, uint64_t r0, uint64_t r1, char *err,
                      size_t errlen) {
    for (uint64_t r = r0; r < r1; r++) {
        const char *s = p->text + p->roff[r];
        uint64_t l = p->roff[r + 1] - p->roff[r] - 1, tl = p->rtl[r];
        if (s[l] || s[tl] != '\n' || memchr(s, '\n', (size_t)tl) || memchr(s, 0, (size_t)l)) {
            ty_seterr(err, errlen, "section 'keywords': record %llu of part %u is damaged",
                      (unsigned long long)r, pi);
            return TENYO_ERR_CORRUPT;
        }
    }
    return TENYO_OK;
}

/* Frame f of layout-2 part pi decoded in place (once, from any thread:
 * under k's mutex; a damaged frame stays undecoded and is reported by
 * every use). 0 or CORRUPT/NOMEM with the message in err. */
int ty_kwx_frame_need(const ty_kwx *k, uint32_t pi, uint64_t f, char *err, size_t errlen) {
    const kwx_part *p = &k->part[pi];
    if (__atomic_load_n(&p->state[f], __ATOMIC_ACQUIRE)) return TENYO_OK;
    ty_kwx *m = (ty_kwx *)k; /* the decoding state, not the answers */
    pthread_mutex_lock(&m->mu);
    int rc = TENYO_OK;
    if (!p->state[f]) {
        if (f < 2 + (uint64_t)p->npost) { /* postings */
            rc = frame_decode(k, pi, f, p->postbuf + p->poff[p->pfirst[f - 2]], err, errlen);
        } else {
            uint64_t b = f - 2 - p->npost, r0 = b * p->per, r1 = r0 + p->per;
            if (r1 > p->ndocs) r1 = p->ndocs;
            rc = frame_decode(k, pi, f, p->text + p->roff[r0], err, errlen);
            if (!rc) rc = text_check(p, pi, r0, r1, err, errlen);
        }
        if (!rc) __atomic_store_n(&p->state[f], 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* The posting frame of key i of part pi decoded: 0 or a status. */
int ty_kwx_post_need(const ty_kwx *k, uint32_t pi, uint64_t i, char *err, size_t errlen) {
    const kwx_part *p = &k->part[pi];
    if (!p->v2) return TENYO_OK;
    uint64_t lo = 0, hi = p->npost; /* the last frame whose first key <= i */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (p->pfirst[mid] <= i) lo = mid;
        else hi = mid;
    }
    return ty_kwx_frame_need(k, pi, 2 + lo, err, errlen);
}

/* Every frame of every layout-2 part decoded: 0 or a status. */
int ty_kwx_need_all(const ty_kwx *k, char *err, size_t errlen) {
    for (uint32_t pi = 0; k && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        for (uint64_t f = 2; p->v2 && f < 2 + (uint64_t)p->npost + p->ntext; f++) {
            int rc = ty_kwx_frame_need(k, pi, f, err, errlen);
            if (rc) return rc;
        }
    }
    return TENYO_OK;
}

/* Check a layout-2 part's header and frame table, decode its record
 * lengths and key table, and make room for its postings and text (filled
 * frame by frame on first use: frame_need). 0 or CORRUPT/NOMEM. */
int ty_kwx_part_open2(const ty_kwx *k, uint32_t pi, ty_kwx_read_fn rd, void *ud, uint64_t len,
                      char *err, size_t errlen) {
    kwx_part *p = &k->part[pi];
    unsigned char hb[KWX2_HEAD];
    const unsigned char *b = hb;
    const char *why = NULL;
    unsigned char *tmp = NULL;
    int rc = TENYO_ERR_CORRUPT;
    p->v2 = 1;
    p->rd = rd;
    p->ud = ud;
    if (len < KWX2_HEAD) {
        why = "its header is cut";
        goto bad;
    }
    if ((rc = rd(ud, 0, KWX2_HEAD, hb, err, errlen))) return rc;
    rc = TENYO_ERR_CORRUPT;
    uint64_t n = get64(b + 8), t = get64(b + 16), nk = get64(b + 24), kb = get64(b + 32),
             pb = get64(b + 40);
    uint32_t per = get32(b + 4), npost = get32(b + 48), ntext = get32(b + 52);
    if (!per || per > KWX_MAX_BLOCK || ntext != (n + per - 1) / per || (nk == 0) != (npost == 0) ||
        npost > nk || 2 + (uint64_t)npost + ntext > (len - KWX2_HEAD) / KWX2_ENTRY || n > t) {
        why = "its header does not add up";
        goto bad;
    }
    uint64_t nfr = 2 + (uint64_t)npost + ntext, head = KWX2_HEAD + KWX2_ENTRY * nfr, at = 0;
    /* the header and table, checked against the sum the header holds */
    if (!(tmp = ty_malloc((size_t)head))) goto nomem;
    if ((rc = rd(ud, 0, head, tmp, err, errlen))) goto out;
    rc = TENYO_ERR_CORRUPT;
    uint64_t sum = get64(tmp + 56);
    put64(tmp + 56, 0);
    if (ty_fnv1a_std(tmp, (size_t)head) != sum) {
        why = "its header or frame table does not match its checksum";
        goto bad;
    }
    p->tab = tmp + KWX2_HEAD; /* (tmp kept: freed with the part) */
    tmp = NULL;
    p->fbase = head;
    p->npost = npost;
    p->ntext = ntext;
    p->per = per;
    p->ndocs = n;
    uint64_t tsum = 0, psum = 0;
    for (uint64_t f = 0; f < nfr; f++) {
        const unsigned char *e = p->tab + KWX2_ENTRY * f;
        uint64_t o = get64(e), first = get64(e + 16);
        uint32_t zs = get32(e + 8), rs = get32(e + 12);
        int okfirst = f < 2 ? first == 0
                      : f < 2 + (uint64_t)npost
                          ? (f == 2 ? first == 0 : first > get64(e - KWX2_ENTRY + 16)) && first < nk
                          : first == (f - 2 - npost) * per;
        if (o != at || zs > len - head - o || !okfirst || (f == 1 && rs != kb) ||
            (f == 0 && rs > 20 * n) || rs > (uint64_t)zs * KWX_MAX_RATIO) {
            why = "its frame table is inconsistent";
            goto bad;
        }
        if (f >= 2 + (uint64_t)npost) tsum += rs;
        else if (f >= 2) psum += rs;
        at += zs;
    }
    if (at != len - head || tsum != t || psum != pb) {
        why = "its frames do not cover the section";
        goto bad;
    }
    rc = TENYO_ERR_NOMEM;
    p->state = ty_calloc((size_t)nfr, 1);
    p->pfirst = ty_mallocarray((size_t)npost + 1, sizeof *p->pfirst);
    p->roff = ty_mallocarray(n + 1, sizeof *p->roff);
    p->rtl = ty_mallocarray(n ? n : 1, sizeof *p->rtl);
    if (!p->state || !p->pfirst || !p->roff || !p->rtl) goto nomem;
    for (uint32_t j = 0; j < npost; j++) p->pfirst[j] = get64(p->tab + KWX2_ENTRY * (2 + j) + 16);
    p->pfirst[npost] = nk;
    /* the record lengths */
    uint32_t lraw = get32(p->tab + 12);
    if (!(tmp = ty_malloc((size_t)lraw + 1))) goto nomem;
    if ((rc = frame_decode(k, pi, 0, tmp, err, errlen))) goto out;
    {
        const unsigned char *s = tmp, *se = tmp + lraw;
        uint64_t o = 0;
        for (uint64_t r = 0; r < n; r++) {
            uint64_t l, tl;
            if (get_leb(&s, se, &l) || get_leb(&s, se, &tl) || tl >= l ||
                l >= t - o || tl > UINT32_MAX) {
                why = "its record lengths are damaged";
                goto bad;
            }
            p->roff[r] = o;
            p->rtl[r] = (uint32_t)tl;
            o += l + 1;
            if ((r + 1) % per == 0 || r + 1 == n) { /* a text frame's end */
                uint64_t b0 = r / per;
                if (get32(p->tab + KWX2_ENTRY * (2 + npost + b0) + 12) != o - p->roff[b0 * per]) {
                    why = "its record lengths do not match its text frames";
                    goto bad;
                }
            }
        }
        p->roff[n] = o;
        if (s != se || o != t) {
            why = "its record lengths do not cover its text";
            goto bad;
        }
    }
    free(tmp);
    /* the key table */
    if (!(tmp = ty_malloc((size_t)kb + 1))) goto nomem;
    if ((rc = frame_decode(k, pi, 1, tmp, err, errlen))) goto out;
    if ((rc = ty_kwx_keys_decode(p, tmp, kb, nk, pb, err, errlen))) goto out;
    for (uint32_t j = 0; j < npost; j++)
        if (get32(p->tab + KWX2_ENTRY * (2 + j) + 12) !=
            p->poff[p->pfirst[j + 1]] - p->poff[p->pfirst[j]]) {
            why = "its posting frames do not match its key table";
            rc = TENYO_ERR_CORRUPT;
            goto bad;
        }
    /* room for the lists and the text, touched as frames are decoded
     * (plain malloc: pages the query never reads are never faulted in) */
    p->postbuf = malloc(pb ? (size_t)pb : 1);
    p->text = malloc((size_t)t + 1);
    if (!p->postbuf || !p->text) goto nomem;
    p->text[t] = 0;
    p->post = p->postbuf;
    free(tmp);
    return TENYO_OK;
nomem:
    rc = TENYO_ERR_NOMEM;
    ty_seterr(err, errlen, "out of memory opening the keyword index");
    goto out;
bad:
    rc = TENYO_ERR_CORRUPT;
    ty_seterr(err, errlen, "section 'keywords' of part %u is damaged: %s", pi, why);
out:
    free(tmp);
    return rc;
}

/* A part's section in memory: ud is its bytes. */
int ty_kwx_blob_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                     size_t errlen) {
    (void)err;
    (void)errlen;
    memcpy(dst, (const char *)ud + off, (size_t)len);
    return TENYO_OK;
}

int ty_kwx_need_text(const ty_kwx *k, uint64_t d0, uint64_t d1, char *err, size_t errlen) {
    if (!k || !k->lazy || d0 >= d1) return TENYO_OK;
    const kwx_part *p = &k->part[0];
    for (uint64_t b = d0 / p->per; b <= (d1 - 1) / p->per; b++) {
        int rc = ty_kwx_frame_need(k, 0, 2 + (uint64_t)p->npost + b, err, errlen);
        if (rc) return rc;
    }
    return TENYO_OK;
}


void ty_kwx_text_dense(const ty_kwx *k) {
    for (uint32_t pi = 0; k && k->lazy && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        if (p->v2 && p->text) ty_advise_huge(p->text, (size_t)p->roff[p->ndocs]);
    }
}

void ty_kwx_frames(const ty_kwx *k, uint64_t *text, uint64_t *text_decoded, uint64_t *post,
                   uint64_t *post_decoded) {
    *text = *text_decoded = *post = *post_decoded = 0;
    for (uint32_t pi = 0; k && pi < k->nparts; pi++) {
        const kwx_part *p = &k->part[pi];
        if (!p->v2) continue;
        *post += p->npost;
        *text += p->ntext;
        for (uint64_t f = 2; f < 2 + (uint64_t)p->npost + p->ntext; f++)
            if (__atomic_load_n(&p->state[f], __ATOMIC_ACQUIRE))
                ++*(f < 2 + (uint64_t)p->npost ? post_decoded : text_decoded);
    }
}
