/*
 * writer.h — the writer's state and section code, shared by write.c (a
 * model's sections into a file, into memory raw, or a frame made ahead)
 * and rewrite.c (a file's sections copied, a few put in anew). Errors are
 * sticky in the state (rc), so the sections read as straight code. Not
 * part of the store's interface (store.h, format.h).
 */
#ifndef TENYO_STORE_WRITER_H
#define TENYO_STORE_WRITER_H

#include "store/format.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_STAGE (64u * 1024u) /* write staging buffer */

/* State of one ty_store_write. Errors are sticky: once rc is set, every
 * later call returns at once, so the section code reads straight. */
typedef struct writer {
    int fd;                     /* temp file */
    const char *path;           /* final path, for messages */
    ZSTD_CCtx *cctx;            /* one context, reset per section */
    unsigned char *out;         /* compressed output buffer */
    size_t outcap;              /* bytes in out */
    uint64_t off;               /* next file offset */
    int nsec;                   /* sections finished */
    struct {
        char name[16];          /* NUL-padded */
        uint64_t off, stored, raw; /* where, compressed, raw size */
    } sec[TENYO_MAX_SECTIONS];  /* table being built */
    uint64_t raw_want, raw_fed; /* pledged and given raw bytes */
    unsigned char stage[STORE_STAGE]; /* little-endian staging */
    size_t nstage;              /* bytes in stage */
    int rc;                     /* first error, TENYO_OK until then */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
    ty_rawsec *mem;             /* ty_store_encode_raw: each section's raw
                                   bytes kept here (no file, no zstd) */
    int no_abs;                 /* leave the section "abstracts" out */
    int no_rows;                /* leave the rows' and vectors' sections
                                   out (ty_store_encode_meta) */
    int no_docmeta;             /* and "docmeta" (ty_store_encode_meta
                                   with its text at the shards' writers) */
    unsigned char updated;      /* the header's "updated" byte (0, or kept
                                   by ty_store_rewrite) */
    ty_buf *sink;               /* ty_store_frame: the frame's bytes go
                                   here, not to a file */
    int rawframe;               /* the current section is stored raw, not
                                   compressed (sec_begin_raw) */
    uint64_t rsum;              /* ... the FNV-1a of its content so far */
    int framed;                 /* the current section is a run of frames
                                   and a seek table (sec_begin_framed) */
    uint32_t *ftab;             /* ... its table: stored, raw per frame */
    size_t nf, fcap;            /* ... frames, and room in ftab */
    uint64_t f_off, f_raw;      /* where the current frame began: file
                                   offset and raw bytes fed */
} writer;

/* A writer for path (messages into err), no file yet; NULL: no memory. */
writer *ty_wr_new(const char *path, char *err, size_t errlen);
/* The temporary file beside w's path, its header placeholder of hlen bytes
 * (hdr) written: 0, or the status with the message. */
int ty_wr_start(writer *w, unsigned char *hdr, size_t hlen, char **tmp);
/* The header over the placeholder, fsync, rename over the path (*tmp NULL
 * then), the directory synced: 0, TENYO_ERR_UNSYNCED, or the status. */
int ty_wr_finish(writer *w, unsigned char *hdr, size_t hlen, char **tmp);
/* Free w and its temporary file (tmp, NULL once renamed); a bare NOMEM
 * gets its message. */
void ty_wr_end(writer *w, char *tmp, int rc, const char *path, char *err, size_t errlen);
/* Write all of p[0..n) at the current end of the temporary file (or the
 * frame's sink). */
void ty_wr_raw(writer *w, const void *p, size_t n);
/* Start section name of raw bytes: one zstd frame, fed by ty_wr_put_bytes
 * and ended by ty_wr_sec_end, the fed size checked against raw. */
void ty_wr_sec_begin(writer *w, const char *name, uint64_t raw);
/* The same as a run of frames and a seek table (format.h, "The rows in
 * frames"): each frame between ty_wr_frame_begin (its raw bytes) and
 * ty_wr_frame_end; in memory, into a frame made ahead, for no bytes (no
 * documents) or with TENYO_ROWS_FRAMES=0 one frame (the frame calls do
 * nothing). */
void ty_wr_sec_begin_framed(writer *w, const char *name, uint64_t raw);
void ty_wr_frame_begin(writer *w, uint64_t raw);
void ty_wr_frame_end(writer *w);
/* data[cut[0] .. cut[n]) into the framed section begun, frame f holding
 * [cut[f], cut[f + 1]). */
void ty_wr_put_framed(writer *w, const unsigned char *data, const uint64_t *cut, uint64_t n);
/* A q8 section begun stored raw, to be mapped (format.h, "Sections stored
 * raw"), where it can be. */
void ty_wr_q8_begin(writer *w, const char *name, uint64_t n);
/* Any other section begun stored raw where it can be (a file's, under a
 * skippable frame's 4 GiB): "vocab.map" (vocabmap.c). */
void ty_wr_raw_begin(writer *w, const char *name, uint64_t n);
/* Bytes into the current section. */
void ty_wr_put_bytes(writer *w, const void *p, size_t n);
/* Finish the current section (its table entry); the fed size must match. */
void ty_wr_sec_end(writer *w);
/* Section name of raw content p[0..n) as one frame of stored blocks. */
void ty_wr_sec_stored(writer *w, const char *name, const void *p, uint64_t n);

#endif
