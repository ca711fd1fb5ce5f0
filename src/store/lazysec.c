/*
 * lazysec.c — a section located when the index is opened and read on first
 * use (ty_lazysec), whole or a range at a time: the keyword index
 * (section "keywords"), docmeta's layout 2 (docmeta.c) and the term facts
 * ("termfacts", read whole by the judge's first need); and the frame of
 * stored blocks a range of which it reads (ty_store_frame_stored).
 *
 * Why: the keyword index holds every record's folded title and abstract
 * plus its bigram postings, about 360 bytes a document stored and 1.2 KB
 * raw; read at every open it cost a 1M-document index ~360 MB of reading
 * and ~1.2 GB of memory for commands that never search keywords. The
 * reader therefore only locates the section (rd_locate's checks: size
 * bounds, ratio to its frame) and hands this handle a duplicate of the
 * file descriptor, its offset and sizes; the first ty_lazysec_get reads
 * the frame and decodes it with the same checks rd_section makes (zstd
 * magic, content size, checksum flag, one frame of exactly the stored
 * bytes, zstd's checksum while decoding), once, under ty_once, so any
 * thread may ask. A damaged section is thus reported by the first use
 * (and by check, which reads it), not by the open.
 * A handle may also wrap bytes already in memory (a sharded index, read
 * whole from its shards): it is then loaded from the start.
 * Rejected: decoding the section's header alone at open (a partial frame
 * decode) to check its document count early: kwindex.c checks it on load.
 * The abstracts keep their own handle (abstracts.c): they decode a block at
 * a time, this section whole.
 * ty_lazysec_read reads a range of the content: where the section's frame
 * is stored blocks (ty_store_frame_stored, at this file's end: the keyword
 * index and docmeta of layout 2, whose content is compressed frames of
 * its own), only the range is read, the header of each block holding
 * part of it checked, and the frame's checksum
 * is left to ty_lazysec_get (tenyo check), the content's frames carrying
 * their own; otherwise the content is read whole first. A range read
 * counts as a use (ty_lazysec_loaded) but does not load the section.
 * ty_lazysec_prefetch starts that first read on a thread of its own (a
 * reader that knows its caller's first query needs the section: a keyword
 * search), through the same once, so a get that comes meanwhile waits for
 * it (a section of stored blocks is not read whole: its user reads what
 * it needs); ty_lazysec_free joins the thread.
 */
#include "store/format.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ty_lazysec {
    int fd;                    /* the index file (dup'd at open), or -1 */
    char *path;                /* for messages (NULL when wrapped) */
    char name[17];             /* the section's name, for messages */
    uint64_t off, stored, raw; /* the section's frame */
    ty_once once;              /* blob read and checked, once */
    char *blob;                /* raw content + a NUL, or NULL until read */
    int loaded;                /* blob is set (atomic: read without the once) */
    char err[TY_ERRLEN];       /* why the section was refused */
    pthread_t pft;             /* ty_lazysec_prefetch's thread */
    int pf;                    /* ... started */
    int layout;                /* the frame: 0 not looked at, 1 stored blocks
                                  (read in part), 2 other (atomic) */
    int used;                  /* read in part (atomic) */
};

ty_lazysec *ty_lazysec_open(int fd, const char *path, const char *name, uint64_t off,
                            uint64_t stored, uint64_t raw) {
    ty_lazysec *s = ty_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    s->path = ty_strdup(path);
    if (s->fd < 0 || !s->path) {
        if (s->fd >= 0) close(s->fd);
        free(s->path);
        free(s);
        return NULL;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    s->off = off;
    s->stored = stored;
    s->raw = raw;
    ty_once_init(&s->once);
    return s;
}

ty_lazysec *ty_lazysec_wrap(char *blob, uint64_t raw) {
    ty_lazysec *s = ty_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fd = -1;
    s->blob = blob;
    s->raw = raw;
    s->loaded = 1;
    ty_once_init(&s->once);
    return s;
}

/* Read and check the frame (ty_once_run). */
static int lazysec_load(void *arg) {
    ty_lazysec *s = arg;
    unsigned char *c = ty_malloc(s->stored ? (size_t)s->stored : 1);
    char *b = ty_malloc((size_t)s->raw + 1);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    int rc = TENYO_ERR_NOMEM;
    if (!c || !b || !dc) {
        ty_seterr(s->err, sizeof s->err, "%s: out of memory for section '%s' (%llu bytes)",
                  s->path, s->name, (unsigned long long)s->raw);
        goto done;
    }
    for (uint64_t got = 0; got < s->stored;) {
        ssize_t k = pread(s->fd, c + got, (size_t)(s->stored - got), (off_t)(s->off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rc = k < 0 ? TENYO_ERR_IO : TENYO_ERR_CORRUPT;
            ty_seterr(s->err, sizeof s->err, "%s: section '%s': %s", s->path, s->name,
                      k < 0 ? strerror(errno) : "the file ends early");
            goto done;
        }
        got += (uint64_t)k;
    }
    rc = TENYO_ERR_CORRUPT;
    unsigned long long fcs = ZSTD_getFrameContentSize(c, (size_t)s->stored);
    size_t fsz = ZSTD_findFrameCompressedSize(c, (size_t)s->stored);
    if (s->stored < 6 || get_le32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) || fcs != s->raw ||
        ZSTD_isError(fsz) || fsz != s->stored) {
        ty_seterr(s->err, sizeof s->err,
                  "%s: section '%s' is not one checksummed zstd frame of %llu bytes holding "
                  "%llu", s->path, s->name, (unsigned long long)s->stored,
                  (unsigned long long)s->raw);
        goto done;
    }
    size_t d = ZSTD_decompressDCtx(dc, b, (size_t)s->raw, c, (size_t)s->stored);
    if (ZSTD_isError(d) || d != s->raw) {
        ty_seterr(s->err, sizeof s->err, "%s: section '%s' is damaged: %s", s->path, s->name,
                  ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame");
        goto done;
    }
    b[s->raw] = 0;
    s->blob = b;
    b = NULL;
    __atomic_store_n(&s->loaded, 1, __ATOMIC_RELEASE);
    rc = TENYO_OK;
done:
    ZSTD_freeDCtx(dc);
    free(c);
    free(b);
    return rc;
}

int ty_lazysec_get(ty_lazysec *s, const char **p, uint64_t *len, char *err, size_t errlen) {
    *p = NULL;
    *len = 0;
    if (!s) return TENYO_OK;
    if (!__atomic_load_n(&s->loaded, __ATOMIC_ACQUIRE)) {
        int rc = ty_once_run(&s->once, lazysec_load, s);
        if (rc) {
            ty_seterr(err, errlen, "%s", s->err);
            return rc;
        }
    }
    *p = s->blob;
    *len = s->raw;
    return TENYO_OK;
}

uint64_t ty_lazysec_size(const ty_lazysec *s) { return s ? s->raw : 0; }

/* Preads all of dst[0..n) at file offset off: 0, or a status (message). */
static int lz_pread(ty_lazysec *s, void *dst, size_t n, uint64_t off, char *err,
                    size_t errlen) {
    for (size_t got = 0; got < n;) {
        ssize_t k = pread(s->fd, (char *)dst + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ty_seterr(err, errlen, "%s: section '%s': %s", s->path, s->name,
                      k < 0 ? strerror(errno) : "the file ends early");
            return k < 0 ? TENYO_ERR_IO : TENYO_ERR_CORRUPT;
        }
        got += (size_t)k;
    }
    return TENYO_OK;
}

/* 1 when s's frame is stored blocks as ty_store_frame_stored writes them
 * (descriptor, content size and total size checked), else 0. */
static int stored_layout(ty_lazysec *s) {
    int l = __atomic_load_n(&s->layout, __ATOMIC_ACQUIRE);
    if (l) return l == 1;
    unsigned char h[STORED_HEAD];
    uint64_t nb = s->raw ? (s->raw + ZSTD_BLOCKSIZE_MAX - 1) / ZSTD_BLOCKSIZE_MAX : 1;
    l = s->fd >= 0 && s->stored == STORED_HEAD + 3 * nb + s->raw + 4 &&
                !lz_pread(s, h, sizeof h, s->off, NULL, 0) &&
                get_le32(h) == ZSTD_MAGICNUMBER && h[4] == STORED_FHD &&
                get_le64(h + 5) == s->raw
            ? 1
            : 2;
    __atomic_store_n(&s->layout, l, __ATOMIC_RELEASE);
    return l == 1;
}

int ty_lazysec_read(ty_lazysec *s, uint64_t off, uint64_t len, void *dst, char *err,
                    size_t errlen) {
    if (!s || off > s->raw || len > s->raw - off) {
        ty_seterr(err, errlen, "%s: section '%s': bytes %llu+%llu asked of %llu",
                  s && s->path ? s->path : "index", s ? s->name : "?",
                  (unsigned long long)off, (unsigned long long)len,
                  (unsigned long long)(s ? s->raw : 0));
        return TENYO_ERR_CORRUPT;
    }
    if (!len) return TENYO_OK;
    if (__atomic_load_n(&s->loaded, __ATOMIC_ACQUIRE) || !stored_layout(s)) {
        const char *p;
        uint64_t n;
        int rc = ty_lazysec_get(s, &p, &n, err, errlen);
        if (!rc) memcpy(dst, p + off, (size_t)len);
        return rc;
    }
    /* each block holding part of [off, off + len): its header read and
     * checked, then only that part, straight into dst (a frame of docmeta
     * or of the keyword index is a few KB of a 128 KiB block) */
    const uint64_t B = ZSTD_BLOCKSIZE_MAX;
    uint64_t nb = (s->raw + B - 1) / B, b0 = off / B, b1 = (off + len - 1) / B;
    int rc = TENYO_OK;
    for (uint64_t b = b0; b <= b1 && !rc; b++) {
        uint64_t at = s->off + STORED_HEAD + b * (B + 3);
        uint64_t sz = b + 1 < nb ? B : s->raw - b * B;
        uint64_t lo = b == b0 ? off - b * B : 0, hi = b == b1 ? off + len - b * B : sz;
        unsigned char q[3];
        rc = lz_pread(s, q, 3, at, err, errlen);
        if (rc) break;
        uint32_t bh = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16;
        if (bh != ((uint32_t)(sz << 3) | (b + 1 == nb))) {
            ty_seterr(err, errlen, "%s: section '%s' is damaged: block %llu of its frame",
                      s->path, s->name, (unsigned long long)b);
            rc = TENYO_ERR_CORRUPT;
            break;
        }
        rc = lz_pread(s, (char *)dst + (b * B + lo - off), (size_t)(hi - lo), at + 3 + lo, err,
                      errlen);
    }
    if (!rc) __atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
    return rc;
}

static void *lazysec_prefetch_run(void *arg) {
    ty_lazysec *s = arg;
    if (stored_layout(s)) return NULL; /* read in part by its user */
    (void)ty_once_run(&s->once, lazysec_load, s); /* the outcome stays in the once */
    return NULL;
}

void ty_lazysec_prefetch(ty_lazysec *s) {
    if (!s || s->pf || __atomic_load_n(&s->loaded, __ATOMIC_ACQUIRE) || ty_ncores() < 2) return;
    s->pf = pthread_create(&s->pft, NULL, lazysec_prefetch_run, s) == 0;
}

int ty_lazysec_loaded(const ty_lazysec *s) {
    return s && (__atomic_load_n(&s->loaded, __ATOMIC_ACQUIRE) ||
                 __atomic_load_n(&s->used, __ATOMIC_ACQUIRE));
}

void ty_lazysec_free(ty_lazysec *s) {
    if (!s) return;
    if (s->pf) pthread_join(s->pft, NULL);
    if (s->fd >= 0) close(s->fd);
    free(s->path);
    free(s->blob);
    ty_once_destroy(&s->once);
    free(s);
}

/* The writer's side: content as a frame of stored blocks (format.h
 * STORED_HEAD), so that ty_lazysec_read can take a range of it in place. */
int ty_store_dctx_wide(ZSTD_DCtx *d) {
    ZSTD_bounds b = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
    return ZSTD_isError(b.error) || ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, b.upperBound))
               ? TENYO_ERR_DEPENDENCY
               : TENYO_OK;
}

int ty_store_frame_stored(const void *p, uint64_t n, ty_buf *out, char *err, size_t errlen) {
    if ((!p && n) || !out) return TENYO_ERR_ARG;
    /* the checksum (XXH64's low 32 bits of the content) is zstd's: the
     * last 4 bytes of the frame it makes of the content at its fastest */
    size_t cap = ZSTD_compressBound((size_t)n);
    char *z = ty_malloc(cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = TENYO_ERR_NOMEM;
    size_t zn = 0;
    if (!z || !cc) goto done;
    rc = TENYO_ERR_DEPENDENCY;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ZSTD_minCLevel())) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(zn = ZSTD_compress2(cc, z, cap, p ? p : "", (size_t)n)) || zn < 4) {
        ty_seterr(err, errlen, "zstd could not frame a section of %llu bytes",
                  (unsigned long long)n);
        goto done;
    }
    rc = TENYO_ERR_NOMEM;
    uint64_t nb = n ? (n + ZSTD_BLOCKSIZE_MAX - 1) / ZSTD_BLOCKSIZE_MAX : 1;
    out->len = 0;
    if (ty_buf_reserve(out, (size_t)(STORED_HEAD + 3 * nb + n + 4))) goto done;
    unsigned char h[STORED_HEAD];
    put_le32(h, ZSTD_MAGICNUMBER);
    h[4] = STORED_FHD;
    put_le64(h + 5, n);
    ty_buf_append(out, h, sizeof h);
    for (uint64_t b = 0; b < nb; b++) {
        uint64_t at = b * ZSTD_BLOCKSIZE_MAX, sz = n - at < ZSTD_BLOCKSIZE_MAX ? n - at
                                                                              : ZSTD_BLOCKSIZE_MAX;
        uint32_t bh = (uint32_t)(sz << 3) | (b + 1 == nb); /* raw block, last flag */
        unsigned char t[3] = {(unsigned char)bh, (unsigned char)(bh >> 8),
                              (unsigned char)(bh >> 16)};
        ty_buf_append(out, t, 3);
        if (sz) ty_buf_append(out, (const char *)p + at, (size_t)sz);
    }
    ty_buf_append(out, z + zn - 4, 4);
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory framing a section");
    ZSTD_freeCCtx(cc);
    free(z);
    return rc;
}
