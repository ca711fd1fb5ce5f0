/*
 * tpblk.h — the stored TF-IDF postings' second layout ("TPS2", layout and
 * reasons in tpblk.c): blocks of postings read in place, a query's walk cut
 * by documents. Used through search/tpost.h's handle alone (tpost.c hands
 * a section of this layout here); nothing else includes this header.
 */
#ifndef TENYO_TPBLK_H
#define TENYO_TPBLK_H

#include "search/tpost.h"

#include <stddef.h>
#include <stdint.h>

#define TY_TPBLK_MAGIC "TPS2"

/* The section's content from the rows transposed: term t's postings at
 * [tptr[t], tptr[t + 1]) of tdoc (documents ascending) and ttf (counts),
 * inv the documents' inverse norms; into out (replaced). 0, or the status
 * with err. */
int ty_tpblk_pack(uint64_t nterms, uint64_t ndocs, uint64_t nnz, const uint64_t *tptr,
                  const uint32_t *tdoc, const uint32_t *ttf, const double *inv, ty_buf *out,
                  char *err, size_t errlen);

typedef struct ty_tpblk ty_tpblk;
/* As ty_tpost_open, for a section whose magic is TY_TPBLK_MAGIC. */
int ty_tpblk_open(ty_tpost_read_fn rd, void *ud, uint64_t len, const char *path,
                  uint64_t nterms, uint64_t ndocs, uint64_t nnz, ty_tpblk **out, char *err,
                  size_t errlen);
/* Parts a walk can be cut into (1 .. want). */
uint32_t ty_tpblk_nparts(const ty_tpblk *p, uint32_t want);
/* As ty_tpost_walk_part. */
int ty_tpblk_walk_part(ty_tpblk *p, const uint32_t *t, const float *w, size_t nt,
                       const float *idf, float *s, uint32_t part, uint32_t nparts, char *err,
                       size_t errlen);
int ty_tpblk_verify(ty_tpblk *p, const ty_csr *rows, const uint32_t *tf, const float *idf,
                    char *err, size_t errlen);
/* Every inverse norm inv[0..rows->nrows) equal, bit for bit, to the one
 * rows and their counts tf give (no check without tf); path names the file
 * in the message. Shared by both layouts' verify. */
int ty_tpblk_norms_check(const char *path, const ty_csr *rows, const uint32_t *tf,
                         const float *idf, const double *inv, char *err, size_t errlen);
/* Blocks in all, and how many a walk has decoded (tests). */
void ty_tpblk_blocks(const ty_tpblk *p, uint64_t *blocks, uint64_t *decoded);
void ty_tpblk_free(ty_tpblk *p);

#endif
