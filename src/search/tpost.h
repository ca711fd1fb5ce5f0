/*
 * tpost.h — the TF-IDF postings stored beside the rows (section
 * "tfidf.post"; layout and reasons in tpost.c): packed by a build, opened
 * from a read callback, a query's terms walked frame by frame, checked
 * whole against the rows by tenyo check.
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
 * (search/search.c), bit for bit. Each list is read once from its frame,
 * never copied out: no memory grows with the postings. The frames of the
 * terms are read and decoded now (each frame's layout checked, the values
 * of the lists read as they are added), the inverse norms of
 * their documents once for the handle; from any thread (one at a time,
 * under the handle's mutex). 0, or TENYO_ERR_CORRUPT naming the file, the
 * section, the frame and its terms or documents (NOMEM, the read's
 * status; TENYO_ERR_ARG for terms not rising); s is then undefined. */
int ty_tpost_walk(ty_tpost *p, const uint32_t *t, const float *w, size_t nt, const float *idf,
                  float *s, char *err, size_t errlen);
/* Every frame decoded and every posting compared with rows (ndocs x
 * nterms, values as a load derives them): the same documents, terms and
 * value bits, every row's entries all found. 0, or TENYO_ERR_CORRUPT
 * naming what differs (NOMEM). */
int ty_tpost_verify(ty_tpost *p, const ty_csr *rows, const float *idf, char *err,
                    size_t errlen);
/* Posting and norm frames, and how many of them were decoded (tests). */
void ty_tpost_frames(const ty_tpost *p, uint32_t *post, uint32_t *post_decoded, uint32_t *norms,
                     uint32_t *norms_decoded);
void ty_tpost_free(ty_tpost *p);

#endif
