/*
 * zstdin.c — zstd-compressed input for the corpus reader (io/reader.c):
 * the streaming decompressor of libzstd behind three calls, so that the
 * reader reads a .zst corpus as it reads a plain one, a chunk at a time.
 *
 * What it does: ty_zin_read fills the reader's chunk with decompressed
 * bytes, reading the compressed file in ZIN_IN_BYTES pieces and calling
 * ZSTD_decompressStream until the chunk is full or the file ends. Several
 * frames one after another (zstd -T, pzstd, cat a.zst b.zst) are one
 * stream, as the zstd tool reads them. Memory: one input piece and the
 * decompression context (zstd's window, at most ZIN_MAX_WINDOW_LOG; a
 * frame asking for more is refused instead of allocating what a damaged
 * or hostile header says). The frames' checksums are verified by zstd as
 * it goes; a damaged frame, or a file that ends inside a frame, is an
 * error naming the compressed byte offset.
 *
 * How input is recognised: by the zstd frame magic (28 B5 2F FD) at the
 * start of the file, not by the name, so a pipe (`zstdcat | tenyo index -`
 * is not needed: `tenyo index -` reads compressed standard input too) and
 * a misnamed file work; ty_zin_is_frame checks the first bytes the reader
 * has read anyway, which are then handed to the decompressor first.
 *
 * Rejected: decompressing to a temporary file (disk and time for every
 * large corpus), fopencookie (glibc-only, and the reader's own chunk loop
 * is the one place that reads), a reader thread for decompression (zstd
 * decompresses at ~1 GB/s a core, tokenizing runs at ~8 MB/s: it would
 * save well under 1% of a build).
 *
 * This is the only file outside store/ that includes zstd.h: the store
 * adapts zstd's frame API for the index file; this adapts its streaming
 * API for input files, a different job in a lower layer (io is below
 * store, so it cannot call the store).
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* Compressed bytes read from the file at once. */
#define ZIN_IN_BYTES ((size_t)128 << 10)
/* Largest window a frame may ask for (2^27 = 128 MiB, zstd --long's). */
#define ZIN_MAX_WINDOW_LOG 27

struct ty_zin {
    ZSTD_DCtx *dc;           /* decompression context */
    unsigned char *in;       /* ZIN_IN_BYTES of compressed input */
    ZSTD_inBuffer ib;        /* what of in is not yet decompressed */
    uint64_t consumed;       /* compressed bytes decompressed so far */
    int file_eof;            /* the compressed file is read to its end */
    size_t last;             /* ZSTD_decompressStream's last hint: 0 at
                                the end of a frame */
};

int ty_zin_is_frame(const void *p, size_t n) {
    static const unsigned char magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    return n >= 4 && !memcmp(p, magic, 4);
}

int ty_zin_new(const void *head, size_t n, ty_zin **out) {
    *out = NULL;
    ty_zin *z = calloc(1, sizeof *z);
    if (!z) return TENYO_ERR_NOMEM;
    z->dc = ZSTD_createDCtx();
    z->in = malloc(ZIN_IN_BYTES > n ? ZIN_IN_BYTES : n);
    if (!z->dc || !z->in ||
        ZSTD_isError(ZSTD_DCtx_setParameter(z->dc, ZSTD_d_windowLogMax, ZIN_MAX_WINDOW_LOG))) {
        ty_zin_free(z);
        return TENYO_ERR_NOMEM;
    }
    memcpy(z->in, head, n);
    z->ib = (ZSTD_inBuffer){z->in, n, 0};
    z->last = 1;
    *out = z;
    return TENYO_OK;
}

int ty_zin_read(ty_zin *z, FILE *f, void *dst, size_t cap, size_t *got, int *eof,
                const char *path, char *err, size_t errlen) {
    ZSTD_outBuffer ob = {dst, cap, 0};
    *eof = 0;
    while (ob.pos < ob.size) {
        if (z->ib.pos == z->ib.size) {
            if (z->file_eof) break;
            size_t n = fread(z->in, 1, ZIN_IN_BYTES, f);
            if (n < ZIN_IN_BYTES) {
                if (ferror(f)) {
                    ty_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
                    return TENYO_ERR_IO;
                }
                z->file_eof = 1;
            }
            z->ib = (ZSTD_inBuffer){z->in, n, 0};
            if (n == 0) break;
        }
        size_t before = z->ib.pos;
        size_t r = ZSTD_decompressStream(z->dc, &ob, &z->ib);
        z->consumed += z->ib.pos - before;
        if (ZSTD_isError(r)) {
            ty_seterr(err, errlen, "%s: zstd: %s (compressed byte offset %llu)", path,
                      ZSTD_getErrorName(r), (unsigned long long)z->consumed);
            return TENYO_ERR_INPUT;
        }
        z->last = r;
    }
    *got = ob.pos;
    if (ob.pos < ob.size) { /* the compressed file is used up */
        if (z->last != 0) {
            ty_seterr(err, errlen, "%s: zstd: the file ends inside a frame "
                      "(truncated? compressed byte offset %llu)", path,
                      (unsigned long long)z->consumed);
            return TENYO_ERR_INPUT;
        }
        *eof = 1;
    }
    return TENYO_OK;
}

uint64_t ty_zin_consumed(const ty_zin *z) { return z ? z->consumed : 0; }

void ty_zin_free(ty_zin *z) {
    if (!z) return;
    ZSTD_freeDCtx(z->dc);
    free(z->in);
    free(z);
}
