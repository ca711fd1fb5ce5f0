/*
 * abstracts.c — the optional section "abstracts" (store/): packed for the
 * writer (ty_abs_pack, and ty_abs_frame: packed and framed as the writer
 * stores it), and the ty_abs handle that reads it (ty_abs_get,
 * ty_abs_compose, ty_abs_bytes, ty_abs_free).
 *
 * Why a file of its own: unlike every other section, this one is not
 * decoded when the index is opened. The reader only locates it and hands
 * the handle a lazily read section (ty_lazysec, lazysec.c); the first
 * ty_abs_get reads the header and the block table once, under ty_once,
 * and each lookup then reads and decompresses one block of documents
 * (layout: format.h). The writer stores the section as a frame of stored
 * blocks (ty_store_frame_stored: its blocks are compressed frames of their
 * own), so a lookup reads that block's bytes in place: an answer that
 * quotes a few dozen abstracts reads a few dozen blocks, not the section
 * (11.6 MB at 60k documents, 241 MB at 1M). A caller going through the
 * documents in order (a rebuild; the keyword text folded on first use,
 * for an index without a keyword section) keeps a cursor (ty_abs_read,
 * ty_abs_cur): the block decompressed last, so each block is decompressed
 * once, not once for each of its documents (bench/HISTORY.md, "Each block
 * of abstracts decompressed once"). An index written before, whose
 * section is one compressed frame, is read whole by the first lookup, as
 * it always was. Each block's frame carries its checksum (checked by the
 * lookup that reads it); the section's own frame checksum is checked by
 * ty_abs_verify (check, info), which reads every block. A handle may
 * instead compose the handles of a base and its segments, by global
 * position, for an index with updates. Packing sits here too so the
 * section's inner layout is written and read in one place.
 */
#include "store/format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ty_abs {
    /* one file's section */
    ty_lazysec *sec;           /* the section, read in part or whole */
    char *path;                /* for messages */
    uint64_t stored, raw;      /* the section's frame */
    uint64_t ndocs;            /* documents it must hold */
    ty_once once;              /* header and table read and checked, once */
    unsigned char *tab;        /* the header and block table (ABS_HEAD + 16 NB) */
    uint64_t nb;               /* blocks */
    uint64_t pay;              /* offset of the frames in the content */
    uint32_t per_block;        /* B */
    char err[TY_ERRLEN];       /* why the section was refused */
    /* or a composition */
    ty_abs **parts;            /* nparts handles (entries may be NULL) */
    uint32_t nparts;
    uint64_t *first;           /* nparts + 1 first global positions */
    uint64_t *gpos;            /* document -> global position, or NULL */
};

/* The section's raw content (format.h). */
int ty_abs_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t n = m->ndocs, nb = (n + ABS_BLOCK - 1) / ABS_BLOCK;
    uint64_t head = ABS_HEAD + 16 * nb;
    ty_buf pay = {0};
    unsigned char *tab = NULL, *zb = NULL;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = TENYO_ERR_NOMEM;
    size_t zcap = ZSTD_compressBound(ABS_MAX_RAW);
    zb = ty_malloc(zcap);
    tab = ty_calloc(head, 1);
    if (!cc || !zb || !tab) goto done;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, STORE_LEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1))) {
        rc = TENYO_ERR_DEPENDENCY;
        ty_seterr(err, errlen, "zstd refused the abstracts' parameters");
        goto done;
    }
    put_le32(tab, ABS_BLOCK);
    put_le64(tab + 8, n);
    const char *p = m->abs_text, *end = m->abs_text + m->abs_text_len;
    for (uint64_t b = 0; b < nb; b++) {
        const char *s0 = p;
        uint64_t docs = b + 1 < nb ? ABS_BLOCK : n - b * ABS_BLOCK;
        for (uint64_t i = 0; i < docs; i++) {
            const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
            if (!z) {
                rc = TENYO_ERR_ARG;
                ty_seterr(err, errlen, "abstracts: %llu documents, fewer strings",
                          (unsigned long long)n);
                goto done;
            }
            p = z + 1;
        }
        size_t raw = (size_t)(p - s0);
        if (raw > ABS_MAX_RAW) { /* the builder caps each abstract */
            rc = TENYO_ERR_ARG;
            ty_seterr(err, errlen, "abstracts: block %llu holds %zu bytes (at most %u)",
                      (unsigned long long)b, raw, ABS_MAX_RAW);
            goto done;
        }
        size_t z = ZSTD_compress2(cc, zb, zcap, s0, raw);
        if (ZSTD_isError(z)) {
            rc = TENYO_ERR_DEPENDENCY;
            ty_seterr(err, errlen, "zstd: %s", ZSTD_getErrorName(z));
            goto done;
        }
        unsigned char *e = tab + ABS_HEAD + 16 * b;
        put_le64(e, pay.len);
        put_le32(e + 8, (uint32_t)z);
        put_le32(e + 12, (uint32_t)raw);
        if (ty_buf_append(&pay, zb, z)) goto done;
    }
    if (p != end) {
        rc = TENYO_ERR_ARG;
        ty_seterr(err, errlen, "abstracts: more strings than the %llu documents",
                  (unsigned long long)n);
        goto done;
    }
    out->len = 0;
    if (ty_buf_append(out, tab, head) || (pay.len && ty_buf_append(out, pay.p, pay.len)))
        goto done;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory packing the abstracts");
    ZSTD_freeCCtx(cc);
    ty_buf_free(&pay);
    free(tab);
    free(zb);
    return rc;
}

int ty_abs_frame(const ty_model *m, ty_buf *frame, uint64_t *raw, char *err, size_t errlen) {
    ty_buf ab = {0};
    int rc = ty_abs_pack(m, &ab, err, errlen);
    if (!rc) rc = ty_store_frame_stored(ab.p, ab.len, frame, err, errlen);
    *raw = ab.len;
    ty_buf_free(&ab);
    return rc;
}

ty_abs *ty_abs_open(int fd, const char *path, uint64_t off, uint64_t stored, uint64_t raw,
                    uint64_t ndocs) {
    ty_abs *a = ty_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->sec = ty_lazysec_open(fd, path, "abstracts", off, stored, raw);
    a->path = ty_strdup(path);
    if (!a->sec || !a->path) {
        ty_lazysec_free(a->sec);
        free(a->path);
        free(a);
        return NULL;
    }
    a->stored = stored;
    a->raw = raw;
    a->ndocs = ndocs;
    ty_once_init(&a->once);
    return a;
}

/* Read and check the header and the block table (ty_once_run). */
static int abs_load(void *arg) {
    ty_abs *a = arg;
    unsigned char h[ABS_HEAD];
    const char *why = NULL;
    int rc = a->raw < ABS_HEAD ? TENYO_ERR_CORRUPT
                               : ty_lazysec_read(a->sec, 0, ABS_HEAD, h, a->err, sizeof a->err);
    if (rc && a->raw >= ABS_HEAD) return rc; /* the message is the section's */
    if (rc) {
        why = "its header is cut";
        goto bad;
    }
    uint32_t per = get_le32(h);
    uint64_t n = get_le64(h + 8);
    if (per == 0 || per > ABS_MAX_BLOCK || get_le32(h + 4) != 0 || n != a->ndocs) {
        why = "its header does not match the documents";
        goto bad;
    }
    uint64_t nb = (n + per - 1) / per;
    if (nb > (a->raw - ABS_HEAD) / 16) {
        why = "its table is cut";
        goto bad;
    }
    uint64_t head = ABS_HEAD + 16 * nb, pay = a->raw - head, at = 0;
    a->tab = ty_malloc((size_t)head);
    if (!a->tab) {
        ty_seterr(a->err, sizeof a->err, "%s: out of memory reading the abstracts", a->path);
        return TENYO_ERR_NOMEM;
    }
    memcpy(a->tab, h, ABS_HEAD);
    if ((rc = ty_lazysec_read(a->sec, ABS_HEAD, head - ABS_HEAD, a->tab + ABS_HEAD, a->err,
                              sizeof a->err)))
        goto fail;
    for (uint64_t i = 0; i < nb; i++) {
        const unsigned char *e = a->tab + ABS_HEAD + 16 * i;
        uint64_t o = get_le64(e);
        uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
        if (o != at || zs > pay - o || rs > ABS_MAX_RAW || rs < (i + 1 < nb ? per : n - i * per)) {
            why = "its block table is inconsistent";
            goto bad;
        }
        at += zs;
    }
    if (at != pay) {
        why = "bytes after its last block";
        goto bad;
    }
    a->per_block = per;
    a->nb = nb;
    a->pay = head;
    return TENYO_OK;
bad:
    ty_seterr(a->err, sizeof a->err, "%s: section 'abstracts' is damaged: %s", a->path, why);
    rc = TENYO_ERR_CORRUPT;
fail:
    free(a->tab);
    a->tab = NULL;
    return rc;
}

/* Block i's frame, read into a new buffer (*out, *zs bytes). */
static int abs_block(ty_abs *a, uint64_t i, unsigned char **out, uint32_t *zs, uint32_t *rs,
                     char *err, size_t errlen) {
    const unsigned char *e = a->tab + ABS_HEAD + 16 * i;
    *zs = get_le32(e + 8);
    *rs = get_le32(e + 12);
    *out = ty_malloc(*zs ? *zs : 1);
    if (!*out) return TENYO_ERR_NOMEM;
    int rc = ty_lazysec_read(a->sec, a->pay + get_le64(e), *zs, *out, err, errlen);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Block i of one file's section decompressed into *raw (*rs bytes, the
 * last a NUL), checked. */
static int abs_block_raw(ty_abs *a, uint64_t i, char **raw, uint32_t *rs, char *err,
                         size_t errlen) {
    unsigned char *f = NULL;
    uint32_t zs;
    *raw = NULL;
    int rc = abs_block(a, i, &f, &zs, rs, err, errlen);
    if (rc) return rc;
    char *r = ty_malloc(*rs ? *rs : 1);
    if (!r) {
        free(f);
        return TENYO_ERR_NOMEM;
    }
    size_t d = ty_zstd_decompress(r, *rs, f, zs);
    free(f);
    if (ZSTD_isError(d) || d != *rs || (*rs && r[*rs - 1] != 0)) {
        ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu: %s", a->path,
                  (unsigned long long)i, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "cut");
        free(r);
        return TENYO_ERR_CORRUPT;
    }
    *raw = r;
    return TENYO_OK;
}

int ty_abs_get(ty_abs *a, uint64_t doc, ty_buf *out, char *err, size_t errlen) {
    return ty_abs_read(a, NULL, doc, out, err, errlen);
}

int ty_abs_read(ty_abs *a, ty_abs_cur *cur, uint64_t doc, ty_buf *out, char *err,
                size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    out->len = 0;
    if (ty_buf_putc(out, 0)) return TENYO_ERR_NOMEM;
    out->len = 0;
    if (!a) return TENYO_OK;
    if (a->parts) {
        if (doc >= a->ndocs) return TENYO_ERR_ARG;
        uint64_t g = a->gpos ? a->gpos[doc] : doc;
        uint32_t lo = 0, hi = a->nparts; /* the last part with first <= g */
        while (hi - lo > 1) {
            uint32_t mid = (lo + hi) / 2;
            if (a->first[mid] <= g) lo = mid;
            else hi = mid;
        }
        if (g < a->first[lo] || g >= a->first[a->nparts]) return TENYO_ERR_ARG;
        return ty_abs_read(a->parts[lo], cur, g - a->first[lo], out, err, errlen);
    }
    if (doc >= a->ndocs) return TENYO_ERR_ARG;
    int rc = ty_once_run(&a->once, abs_load, a);
    if (rc) {
        ty_seterr(err, errlen, "%s", a->err);
        return rc;
    }
    uint64_t i = doc / a->per_block;
    char *raw = NULL;
    uint32_t rs = 0;
    if (cur && cur->raw && cur->a == a && cur->block == i) { /* the block read last */
        raw = cur->raw;
        rs = cur->rs;
    } else if ((rc = abs_block_raw(a, i, &raw, &rs, err, errlen))) {
        return rc;
    } else if (cur) { /* kept for the next document */
        free(cur->raw);
        cur->a = a;
        cur->block = i;
        cur->raw = raw;
        cur->rs = rs;
    }
    rc = TENYO_ERR_CORRUPT;
    const char *p = raw, *end = raw + rs;
    for (uint64_t k = doc % a->per_block; k; k--) {
        const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        if (!z) {
            ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu holds "
                      "too few documents", a->path, (unsigned long long)i);
            goto done;
        }
        p = z + 1;
    }
    if (p >= end) {
        ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu holds too "
                  "few documents", a->path, (unsigned long long)i);
        goto done;
    }
    rc = ty_buf_append(out, p, strlen(p)) || ty_buf_putc(out, 0) ? TENYO_ERR_NOMEM : TENYO_OK;
    if (!rc) out->len--;
done:
    if (!cur || cur->raw != raw) free(raw);
    return rc;
}

void ty_abs_cur_free(ty_abs_cur *cur) {
    if (!cur) return;
    free(cur->raw);
    memset(cur, 0, sizeof *cur);
}

int ty_abs_verify(ty_abs *a, char *err, size_t errlen) {
    if (!a) return TENYO_OK;
    if (a->parts) {
        for (uint32_t i = 0; i < a->nparts; i++) {
            int rc = ty_abs_verify(a->parts[i], err, errlen);
            if (rc) return rc;
        }
        return TENYO_OK;
    }
    if (!a->ndocs) return TENYO_OK;
    int rc = ty_once_run(&a->once, abs_load, a);
    if (rc) {
        ty_seterr(err, errlen, "%s", a->err);
        return rc;
    }
    const char *all; /* the whole content, its frame's checksum checked */
    uint64_t len;
    if ((rc = ty_lazysec_get(a->sec, &all, &len, err, errlen))) return rc;
    uint64_t nb = a->nb;
    const unsigned char *pay = (const unsigned char *)all + a->pay;
    char *raw = ty_malloc(ABS_MAX_RAW);
    if (!raw) return TENYO_ERR_NOMEM;
    rc = TENYO_OK;
    for (uint64_t i = 0; i < nb && !rc; i++) {
        const unsigned char *e = a->tab + ABS_HEAD + 16 * i;
        uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
        uint64_t want = i + 1 < nb ? a->per_block : a->ndocs - i * a->per_block, got = 0;
        size_t d = ty_zstd_decompress(raw, rs, pay + get_le64(e), zs);
        const char *why = NULL;
        if (ZSTD_isError(d)) why = ZSTD_getErrorName(d);
        else if (d != rs || (rs && raw[rs - 1] != 0)) why = "cut";
        for (uint32_t k = 0; !why && k < rs; k++) got += raw[k] == 0;
        if (!why && got != want) why = got < want ? "too few documents" : "too many documents";
        if (why) {
            ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu: %s",
                      a->path, (unsigned long long)i, why);
            rc = TENYO_ERR_CORRUPT;
        }
    }
    free(raw);
    return rc;
}

ty_abs *ty_abs_compose(ty_abs **parts, const uint64_t *first, uint32_t nparts,
                       const uint64_t *gpos, uint64_t ndocs) {
    ty_abs *a = ty_calloc(1, sizeof *a);
    ty_abs **p = ty_mallocarray(nparts ? nparts : 1, sizeof *p);
    uint64_t *f = ty_mallocarray(nparts + 1, sizeof *f);
    uint64_t *g = gpos ? ty_mallocarray(ndocs ? ndocs : 1, sizeof *g) : NULL;
    if (!a || !p || !f || (gpos && !g)) {
        for (uint32_t i = 0; i < nparts; i++) ty_abs_free(parts[i]);
        free(a);
        free(p);
        free(f);
        free(g);
        return NULL;
    }
    memcpy(p, parts, nparts * sizeof *p);
    memcpy(f, first, (nparts + 1) * sizeof *f);
    if (g) memcpy(g, gpos, ndocs * sizeof *g);
    a->parts = p;
    a->nparts = nparts;
    a->first = f;
    a->gpos = g;
    a->ndocs = ndocs;
    return a;
}

int ty_abs_content(ty_abs *a, const char **p, uint64_t *len, char *err, size_t errlen) {
    if (!a || a->parts) {
        ty_seterr(err, errlen, "abstracts: no single section to read");
        return TENYO_ERR_ARG;
    }
    return ty_lazysec_get(a->sec, p, len, err, errlen);
}

uint64_t ty_abs_bytes(const ty_abs *a) {
    if (!a) return 0;
    uint64_t n = a->parts ? 0 : a->stored;
    for (uint32_t i = 0; a->parts && i < a->nparts; i++) n += ty_abs_bytes(a->parts[i]);
    return n;
}

void ty_abs_free(ty_abs *a) {
    if (!a) return;
    for (uint32_t i = 0; a->parts && i < a->nparts; i++) ty_abs_free(a->parts[i]);
    free(a->parts);
    free(a->first);
    free(a->gpos);
    if (!a->parts) ty_once_destroy(&a->once);
    ty_lazysec_free(a->sec);
    free(a->path);
    free(a->tab);
    free(a);
}
