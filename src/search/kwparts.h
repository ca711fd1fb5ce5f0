/*
 * kwparts.h — what kwindex.c (the keyword index: packing, opening,
 * queries) and kwframes.c (its layout 2: frames packed, checked and
 * decoded on first use) share: the limits, a part's and the handle's
 * state, LEB128 and little-endian helpers. Not a public header: only
 * these two files include it; kwindex.c calls kwframes.c, never the other
 * way round.
 */
#ifndef TENYO_KWPARTS_H
#define TENYO_KWPARTS_H

#include "search/kwindex.h"

#include "tenyo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define KWX_MAGIC "TKW1"
#define KWX_HEAD 48u
#define KWX2_MAGIC "TKW2"
#define KWX2_HEAD 64u
#define KWX2_ENTRY 24u          /* bytes per frame table entry */
#define KWX_BLOCK 128u          /* records per text frame (layout 2) */
#define KWX_MAX_BLOCK 65536u    /* ... at most, read */
#define KWX_POST_FRAME 32768u   /* bytes of lists a posting frame closes at */
#define KWX_LEVEL 3             /* zstd level of the frames (the store's) */
#define KWX_MAX_RATIO 32768u    /* the most a zstd frame expands (128 KiB / 4 B) */
#define KWX_MAX_UNIT_CP 1024 /* bigrams looked up per unit, at most */

/* One part's decoded key table. */
typedef struct kwx_part {
    uint64_t ndocs;          /* records in the part */
    uint64_t first;          /* global position of its record 0 */
    uint64_t nkeys;          /* distinct bigrams */
    uint64_t *key;           /* nkeys keys, ascending */
    uint64_t *poff;          /* nkeys + 1 offsets into post */
    uint64_t *cnt;           /* nkeys records per list */
    const unsigned char *post; /* the lists (inside the blob, or postbuf) */
    uint64_t keybytes;       /* KB */
    int v2;                  /* layout 2: frames decoded on first use */
    unsigned char *tab;          /* layout 2: the frame table (a copy) */
    ty_kwx_read_fn rd;           /* ... reads the section's bytes */
    void *ud;                    /* ... with this */
    uint64_t fbase;              /* ... where its frames start */
    uint32_t npost, ntext, per;  /* posting frames, text frames, records per one */
    uint64_t *pfirst;        /* npost + 1: each posting frame's first key */
    unsigned char *postbuf;  /* PB bytes: the lists, frame by frame */
    char *text;              /* T + 1 bytes: the text, frame by frame */
    uint64_t *roff;          /* ndocs + 1 record offsets in text */
    uint32_t *rtl;           /* per record: its title's bytes */
    unsigned char *state;    /* per frame: 1 decoded (atomic) */
} kwx_part;

struct ty_kwx {
    kwx_part *part;          /* nparts parts */
    uint32_t nparts;
    uint64_t *pos2doc;       /* global position -> document (UINT64_MAX:
                                deleted), or NULL: the identity */
    uint64_t npos;           /* positions */
    uint64_t ndocs;          /* documents of the result */
    int borrowed;            /* the result's text is the one part's own
                                (inside its blob, or its frames' room), not
                                a copy */
    int lazy;                /* one layout-2 part, its frames decoded on
                                first use (ty_kwx_need_text, the lists) */
    pthread_mutex_t mu;      /* decoding a frame */
    ZSTD_DCtx *dc;           /* ... with this context */
    ty_buf z;                /* ... read into this */
};

static inline int put_leb(ty_buf *b, uint64_t v) {
    unsigned char t[10];
    int n = 0;
    do {
        t[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return ty_buf_append(b, t, (size_t)n);
}

/* Read a LEB128 value at *p (before end): 0, or -1 when truncated/long. */
static inline int get_leb(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    uint64_t r = 0;
    for (int s = 0; s < 64 && *p < end; s += 7) {
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7F) << s;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static inline void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ============================================== kwframes.c (layout 2) */

/* The raw content of a layout-2 section into out: the records' text
 * text[0..len) (n records), the key table keys (nkeys keys) and the lists
 * post, its frames compressed on up to threads threads (the same bytes
 * for any count). 0, or a status with the message in err. */
int ty_kwx_pack_frames(const char *text, uint64_t len, uint64_t n, int threads,
                       const ty_buf *keys, const ty_buf *post, uint64_t nkeys, ty_buf *out,
                       char *err, size_t errlen);
/* Part p's key table kt[0..kb) (nk keys over pb bytes of lists) into
 * p->key, p->cnt, p->poff (p->ndocs and p->v2 set): 0 or CORRUPT/NOMEM. */
int ty_kwx_keys_decode(kwx_part *p, const unsigned char *kt, uint64_t kb, uint64_t nk,
                       uint64_t pb, char *err, size_t errlen);
/* Part pi of k opened from a layout-2 section of len bytes read through
 * rd(ud): header and table checked, lengths and key table decoded, room
 * made for the rest. 0 or CORRUPT/NOMEM. */
int ty_kwx_part_open2(const ty_kwx *k, uint32_t pi, ty_kwx_read_fn rd, void *ud, uint64_t len,
                      char *err, size_t errlen);
/* Frame f of part pi decoded in place, once, from any thread; the
 * posting frame holding key i (a no-op for layout 1): 0 or a status. */
int ty_kwx_frame_need(const ty_kwx *k, uint32_t pi, uint64_t f, char *err, size_t errlen);
int ty_kwx_post_need(const ty_kwx *k, uint32_t pi, uint64_t i, char *err, size_t errlen);
/* ty_kwx_read_fn over a section in memory (ud: its bytes). */
int ty_kwx_blob_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                     size_t errlen);

#endif /* TENYO_KWPARTS_H */
