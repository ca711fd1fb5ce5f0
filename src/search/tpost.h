/*
 * tpost.h — the TF-IDF postings stored beside the rows (section
 * "tfidf.post"; layout 1 and reasons in tpost.c, layout 2 in tpblk.c):
 * packed by a build, opened from a read callback, a query's terms walked
 * (layout 2: in parts by documents, on several threads), checked whole
 * against the rows by tenyo check.
 */
#ifndef TENYO_TPOST_H
#define TENYO_TPOST_H

#include "model/model.h"
#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

#define TY_TPOST_MAGIC "TPS1"

/* The section's content for the rows (ndocs x nterms, columns strictly
 * increasing), their term counts tf (one per non-zero) and idf, into out
 * (replaced); frames compressed on up to threads workers (<= 0: the
 * cores), the same bytes for any count. 0, or the status with err. */
int ty_tpost_pack(const ty_csr *rows, const uint32_t *tf, const float *idf, uint64_t nterms,
                  int threads, ty_buf *out, char *err, size_t errlen);

/* Bytes [off, off + len) of the section's content into dst: 0, or a
 * status with the message (file and section) in err. */
typedef int (*ty_tpost_read_fn)(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                                size_t errlen);

/* LEB128, as both layouts store their gaps and counts: v into p (at most
 * 10 bytes; the count returned), its length, and a value read from *p
 * before end (at most 5 bytes: 0, or -1 when longer or cut). */
static inline int ty_leb_put(unsigned char *p, uint64_t v) {
    int n = 0;
    do {
        p[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}
static inline int ty_leb_len(uint64_t v) {
    int n = 1;
    while (v > 0x7F) {
        v >>= 7;
        n++;
    }
    return n;
}
static inline int ty_leb_get(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    uint64_t r = 0;
    for (int s = 0; s < 35 && *p < end; s += 7) {
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7F) << s;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

typedef struct ty_tpost ty_tpost;
/* The header and frame table of a section of len bytes read through rd,
 * checked (magic, counts equal to the index's, checksum, frames
 * contiguous and inside the section, first terms and documents rising);
 * path names the file in messages (copied). 0 with *out, or
 * TENYO_ERR_CORRUPT / NOMEM / the read's status with err. */
int ty_tpost_open(ty_tpost_read_fn rd, void *ud, uint64_t len, const char *path,
                  uint64_t nterms, uint64_t ndocs, uint64_t nnz, ty_tpost **out, char *err,
                  size_t errlen);
/* The TF-IDF scores of every document for the distinct query terms
 * t[0..nt) (ascending, each < nterms) of weights w into s (ndocs floats,
 * overwritten): s[d] = +0, then w[i] * (d's weight of t[i]) added for each
 * term d holds, in ascending term order — the same floats, summed in the
 * same order, as the rows' gather or the transposed rows' walk
 * (search/search.c), bit for bit. Each list is read once, never copied
 * out whole: no memory grows with the postings. Layout 1: the frames of
 * the terms are read and decoded now (each frame's layout checked, the
 * values of the lists read as they are added), the inverse norms of their
 * documents once for the handle, from any thread (one at a time, under
 * the handle's mutex). Layout 2: the blocks and norms a walk needs, read
 * by it and checked as they are read; walks run at once from any threads.
 * 0, or TENYO_ERR_CORRUPT naming the file, the section, the frame and its
 * terms or documents (layout 2: the term and block, or the norms'
 * documents; NOMEM, the read's status; TENYO_ERR_ARG for terms not
 * rising); s is then undefined. */
int ty_tpost_walk(ty_tpost *p, const uint32_t *t, const float *w, size_t nt, const float *idf,
                  float *s, char *err, size_t errlen);
/* Parts a walk of p can be cut into by documents, 1 .. want (layout 1:
 * one). */
uint32_t ty_tpost_nparts(const ty_tpost *p, uint32_t want);
/* Part `part` of nparts (nparts from ty_tpost_nparts) of ty_tpost_walk:
 * the scores of documents [N part / nparts, N (part + 1) / nparts) alone
 * (ty_split), zeroed and summed as the whole walk sums them, bit for bit;
 * the other documents' scores untouched. The parts of one walk may run on
 * several threads at once (layout 2; layout 1 has one part, walked under
 * the handle's mutex). Errors as ty_tpost_walk's. */
int ty_tpost_walk_part(ty_tpost *p, const uint32_t *t, const float *w, size_t nt,
                       const float *idf, float *s, uint32_t part, uint32_t nparts, char *err,
                       size_t errlen);
/* Every frame decoded and every posting compared with rows (ndocs x
 * nterms, values as a load derives them): the same documents, terms and
 * value bits, every row's entries all found; with tf (the rows' term
 * counts, one per non-zero), every stored inverse norm equal, bit for bit,
 * to the one the rows give (a norm's last bits may leave every weight's
 * float unchanged). 0, or TENYO_ERR_CORRUPT
 * naming what differs (NOMEM). */
int ty_tpost_verify(ty_tpost *p, const ty_csr *rows, const uint32_t *tf, const float *idf,
                    char *err, size_t errlen);
/* Posting and norm frames, and how many of them were decoded (tests). */
void ty_tpost_frames(const ty_tpost *p, uint32_t *post, uint32_t *post_decoded, uint32_t *norms,
                     uint32_t *norms_decoded);
/* The section's layout: 1 (zstd frames) or 2 (blocks read in place). */
int ty_tpost_layout(const ty_tpost *p);
/* Layout 2: blocks in all and how many walks have decoded (tests). */
void ty_tpost_blocks(const ty_tpost *p, uint64_t *blocks, uint64_t *decoded);
void ty_tpost_free(ty_tpost *p);

#endif
