/*
 * rewrite.c — ty_store_rewrite: a few sections of a single index file
 * replaced (an index's IVF lists set anew, the stored postings, the rows in
 * frames and the other sections `rebuild --no-ivf` makes, api/update.c;
 * check --repair dropping a damaged optional section), through the
 * writer's own start and finish (writer.h): the other sections' zstd
 * frames are copied as they are, each decompressed on the way into a small
 * buffer that is thrown away, so that its checksum and size are verified
 * without holding it; a section put in goes where write.c's order puts it
 * and is stored as the writer stores it (frames of stored blocks, raw
 * q8 sections, the rows' streams in frames). Rejected: reading the file
 * into a model and writing it whole (every array decoded and encoded
 * again, the lazily read sections loaded, and the bytes of sections nobody
 * changed at the mercy of the writer's version).
 */
#include "store/format.h"
#include "store/reader.h"
#include "store/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sections write_sections writes, in its order: where a section put
 * in by ty_store_rewrite goes among those it copies. */
static const char *const layout_order[] = {
    "build",     "vocab",       "vocab.map",   "df",          "idf",        "sigma",    "basis.q8",
    "docvec.q8", "tfidf.rows",  "tfidf.cols",  "tfidf.tf",   "tfidf.vals", "docmeta", "ids.map", "docapp",
    "docflags",  "docfields",   "fields",      "surface",    "phrase.text", "phrase.docs",
    "labels",    "ivf",         "docvec.f16",  "fieldmodel", "termfacts", "tfidf.post", "common", "numbers",
    "keywords",  "abstracts"};
#define LAYOUT_N (sizeof layout_order / sizeof layout_order[0])

/* Position of a section name in layout_order; one not there: after all. */
static size_t layout_rank(const char *name) {
    for (size_t i = 0; i < LAYOUT_N; i++)
        if (!strncmp(name, layout_order[i], 16)) return i;
    return LAYOUT_N;
}

/* Copy section s of the file r reads, its frame byte for byte, into w as
 * one section, checking it on the way: a zstd frame is decompressed (into
 * a small buffer, thrown away) so that its checksum and raw size are
 * checked; a section stored raw (format.h) has its content's checksum
 * compared. A damaged frame stops the rewrite instead of being carried on. */
static void sec_copy(writer *w, reader *r, const rd_sec *s, ZSTD_DCtx *dctx,
                     unsigned char *buf, size_t cap, unsigned char *sink, size_t sinkcap) {
    if (w->rc) return;
    memset(w->sec[w->nsec].name, 0, 16);
    memcpy(w->sec[w->nsec].name, s->name, strnlen(s->name, 16));
    w->sec[w->nsec].off = w->off;
    w->sec[w->nsec].raw = s->raw;
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    uint64_t done = 0, raw = 0, end = STORE_RAW_HEAD + s->raw, sum = TY_FNV1A_BASIS;
    unsigned char tail[STORE_RAW_SUM];
    int kind = -2; /* store_raw_frame's, once the first bytes are read */
    size_t left = 1; /* zstd's hint: 0 once the frame is whole */
    while (done < s->stored && !w->rc) {
        size_t n = s->stored - done < cap ? (size_t)(s->stored - done) : cap;
        ssize_t k = pread(r->fd, buf, n, (off_t)(s->off + done));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || (kind == -2 && k < STORE_RAW_HEAD && (uint64_t)k < s->stored)) {
            ty_seterr(w->err, w->errlen, "%s: cannot read section '%s': %s", r->path,
                      s->name, k < 0 ? strerror(errno) : "file ends early");
            w->rc = TENYO_ERR_IO;
            return;
        }
        if (kind == -2) kind = k >= STORE_RAW_HEAD ? store_raw_frame(buf, s->stored, s->raw) : 0;
        if (kind < 0) {
            ty_seterr(w->err, w->errlen, "%s: section '%s': a raw frame of %llu bytes "
                      "cannot hold %llu", r->path, s->name, (unsigned long long)s->stored,
                      (unsigned long long)s->raw);
            w->rc = TENYO_ERR_CORRUPT;
            return;
        }
        ZSTD_inBuffer in = {buf, kind ? 0 : (size_t)k, 0};
        for (uint64_t i = done; kind && i < done + (uint64_t)k; i++)
            if (i >= end) tail[i - end] = buf[i - done]; /* the checksum's bytes */
        uint64_t a = done > STORE_RAW_HEAD ? done : STORE_RAW_HEAD;
        uint64_t b = done + (uint64_t)k < end ? done + (uint64_t)k : end;
        if (kind && a < b) sum = ty_fnv1a_add(sum, buf + (a - done), (size_t)(b - a));
        raw += kind && a < b ? b - a : 0;
        while (in.pos < in.size) {
            ZSTD_outBuffer out = {sink, sinkcap, 0};
            left = ZSTD_decompressStream(dctx, &out, &in);
            if (ZSTD_isError(left)) {
                ty_seterr(w->err, w->errlen, "%s: section '%s': %s", r->path, s->name,
                          ZSTD_getErrorName(left));
                w->rc = TENYO_ERR_CORRUPT;
                return;
            }
            raw += out.pos;
        }
        ty_wr_raw(w, buf, (size_t)k);
        done += (uint64_t)k;
    }
    if (w->rc) return;
    if (kind > 0 && get_le64(tail) != sum) {
        ty_seterr(w->err, w->errlen, "%s: section '%s' is damaged: checksum mismatch", r->path,
                  s->name);
        w->rc = TENYO_ERR_CORRUPT;
        return;
    }
    if ((!kind && left != 0) || raw != s->raw) {
        ty_seterr(w->err, w->errlen, "%s: section '%s': frame %s (%llu of %llu bytes)",
                  r->path, s->name, !kind && left ? "cut short" : "of the wrong size",
                  (unsigned long long)raw, (unsigned long long)s->raw);
        w->rc = TENYO_ERR_CORRUPT;
        return;
    }
    w->sec[w->nsec].stored = s->stored;
    w->nsec++;
}

/* 1 when name is one of drop[0..ndrop) or put[0..nput). */
static int rewrite_skips(const char *name, const char *const *drop, int ndrop,
                         const ty_secput *put, int nput) {
    for (int i = 0; i < ndrop; i++)
        if (!strncmp(name, drop[i], 16)) return 1;
    for (int i = 0; i < nput; i++)
        if (!strncmp(name, put[i].name, 16)) return 1;
    return 0;
}

/* The sections of r (those kept) merged with put (compressed here) by
 * layout_rank, each put section before the first kept one ranked after
 * it. */
static void rewrite_sections(writer *w, reader *r, const char *const *drop, int ndrop,
                             const ty_secput *put, int nput, ZSTD_DCtx *dctx,
                             unsigned char *buf, size_t cap, unsigned char *sink,
                             size_t sinkcap) {
    int np = 0;
    for (int i = 0; i <= r->nsec && !w->rc; i++) {
        int keep = i < r->nsec && !rewrite_skips(r->sec[i].name, drop, ndrop, put, nput);
        if (i < r->nsec && !keep) continue;
        size_t rank = i < r->nsec ? layout_rank(r->sec[i].name) : LAYOUT_N + 1;
        while (np < nput && layout_rank(put[np].name) < rank && !w->rc) {
            const ty_secput *p = &put[np];
            if ((!strncmp(p->name, "keywords", 16) && p->len >= 4 &&
                 !memcmp(p->data, "TKW2", 4)) ||
                (!strncmp(p->name, "docmeta", 16) && ty_dm_is_layout2(p->data, p->len)) ||
                !strncmp(p->name, "tfidf.post", 16) ||
                !strncmp(p->name, "abstracts", 16)) { /* frames inside: as the writer stores them */
                ty_wr_sec_stored(w, p->name, p->data, p->len);
            } else if (p->cut) { /* the rows in frames, as the writer stores them */
                ty_wr_sec_begin_framed(w, p->name, p->len);
                ty_wr_put_framed(w, p->data, p->cut, p->ncut);
                ty_wr_sec_end(w);
            } else if (!strncmp(p->name, "basis.q8", 16) || !strncmp(p->name, "docvec.q8", 16) ||
                       !strncmp(p->name, "vocab.map", 16) || !strncmp(p->name, "ids.map", 16)) {
                if (p->name[0] == 'v' || p->name[0] == 'i') ty_wr_raw_begin(w, p->name, p->len);
                else ty_wr_q8_begin(w, p->name, p->len); /* stored raw, as the writer stores them */
                ty_wr_put_bytes(w, p->data, (size_t)p->len);
                ty_wr_sec_end(w);
            } else {
                ty_wr_sec_begin(w, p->name, p->len);
                ty_wr_put_bytes(w, p->data, (size_t)p->len);
                ty_wr_sec_end(w);
            }
            np++;
        }
        if (i < r->nsec) sec_copy(w, r, &r->sec[i], dctx, buf, cap, sink, sinkcap);
    }
}

int ty_store_rewrite(const char *path, const char *const *drop, int ndrop,
                     const ty_secput *put, int nput, uint64_t *bytes, char *err,
                     size_t errlen) {
    if (!path || ndrop < 0 || nput < 0 || (nput && !put) || (ndrop && !drop))
        return TENYO_ERR_ARG;
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.err = err;
    r.errlen = errlen;
    writer *w = NULL;
    char *tmp = NULL;
    ZSTD_DCtx *dctx = NULL;
    unsigned char *buf = NULL, *sink = NULL;
    size_t cap = 1u << 20, sinkcap = ZSTD_DStreamOutSize();
    unsigned char hdr[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    int rc = TENYO_ERR_IO;
    struct stat st;
    r.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (r.fd < 0 || fstat(r.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path,
                  r.fd < 0 ? strerror(errno) : "not a regular file");
        goto done;
    }
    r.fsize = (uint64_t)st.st_size;
    rc = ty_rd_header(&r);
    if (rc) goto done;
    if (r.version != STORE_VERSION) {
        ty_seterr(err, errlen, "%s: index format %u: only format %u is rewritten in place",
                  path, r.version, STORE_VERSION);
        rc = TENYO_ERR_VERSION;
        goto done;
    }
    int n = 0;
    for (int i = 0; i < r.nsec; i++) n += !rewrite_skips(r.sec[i].name, drop, ndrop, put, nput);
    rc = TENYO_ERR_LIMIT;
    if (n + nput > TENYO_MAX_SECTIONS) {
        ty_seterr(err, errlen, "%s: more than %d sections", path, TENYO_MAX_SECTIONS);
        goto done;
    }
    rc = TENYO_ERR_NOMEM;
    w = ty_wr_new(path, err, errlen);
    dctx = ZSTD_createDCtx();
    buf = ty_malloc(cap);
    sink = ty_malloc(sinkcap);
    if (!w || !dctx || !buf || !sink) goto done;
    rc = ty_store_dctx_wide(dctx); /* a section of stored blocks is copied too */
    if (rc) {
        ty_seterr(err, errlen, "%s: zstd refused a window to copy the sections", path);
        goto done;
    }
    w->updated = (unsigned char)r.updated;
    size_t hlen = STORE_FIXED + STORE_ENTRY * (size_t)(n + nput) + 8;
    rc = ty_wr_start(w, hdr, hlen, &tmp);
    if (rc) goto done;
    rewrite_sections(w, &r, drop, ndrop, put, nput, dctx, buf, cap, sink, sinkcap);
    rc = ty_wr_finish(w, hdr, hlen, &tmp);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done;
    if (bytes) *bytes = w->off;
done:
    ty_wr_end(w, tmp, rc, path, err, errlen);
    if (r.fd >= 0) close(r.fd);
    ZSTD_freeDCtx(dctx);
    free(buf);
    free(sink);
    return rc;
}
