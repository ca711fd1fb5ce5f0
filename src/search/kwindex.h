/*
 * kwindex.h — the keyword index (search/kwindex.c): the optional index
 * section "keywords", every record's folded text with character-bigram
 * postings over it, so that a keyword unit's candidate records come from
 * the postings and are verified against the text (api/keywords.c).
 *
 * Below: util. Above: api (keywords.c queries it, builder.c packs it,
 * segment.c hands it the parts of an index with updates).
 */
#ifndef TENYO_KWINDEX_H
#define TENYO_KWINDEX_H

#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ty_kwx ty_kwx;
typedef int (*ty_kwx_read_fn)(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                              size_t errlen);

/* The raw content of section "keywords" for the n records of
 * text[0..len) (each "title\nabstract" folded, NUL-terminated: the layout
 * keywords.c scans) into out, on up to threads threads (the same bytes for
 * any count): 0, or a status with the message in err. */
int ty_kwx_pack(const char *text, uint64_t len, uint64_t n, int threads, ty_buf *out,
                char *err, size_t errlen);
/* The same in a given layout: 2 (ty_kwx_pack's: frames read on first use,
 * each posting with its counts) or 1 (one blob, as indexes made before
 * layout 2 hold it; kept so that tests make such sections). */
int ty_kwx_pack_version(const char *text, uint64_t len, uint64_t n, int threads, int version,
                        ty_buf *out, char *err, size_t errlen);

/* A handle over the sections blob[0..nparts) (blob[p] of len[p] bytes,
 * raw content; they must outlive the handle). Part p's documents are the
 * global positions after those of parts 0..p-1; gpos (NULL: the identity)
 * gives each of the ndocs documents of the result its global position,
 * increasing (the live documents of an index with updates). Every
 * section's structure is checked (postings are bounds-checked as they are
 * read). The result's text (*text: the documents' records in result order,
 * NUL-terminated each, *off its ndocs + 1 offsets, *tlen the bytes of
 * each record's title) is malloc'd for the caller, except *text when
 * ty_kwx_text_borrowed (one part, gpos NULL: the part's own text inside
 * blob[0], or of layout 2 the room its text frames are decoded into, owned
 * by the handle: not to be freed). A lone layout-2 part decodes only its
 * record lengths and key table here; a record's text is there once
 * ty_kwx_need_text covered it, a list's frame when a query reads it.
 * Parts to be joined are decoded whole. 0, or
 * TENYO_ERR_CORRUPT / NOMEM with the message in err. */
int ty_kwx_open(const char *const *blob, const uint64_t *len, uint32_t nparts,
                const uint64_t *gpos, uint64_t ndocs, ty_kwx **out, char **text,
                uint64_t **off, uint32_t **tlen, char *err, size_t errlen);

/* ty_kwx_read_fn (above) reads bytes [off, off + len) of a section into
 * dst, from any thread: 0, or a status with the message in err.
 * ty_kwx_open of one part of layout 2 (its first bytes "TKW2"), len bytes
 * read through rd(ud, ...) as they are needed (the section is never held
 * whole: its header and table, record lengths and key table now, each
 * frame on first use). ud must outlive the handle. */
int ty_kwx_open_read(ty_kwx_read_fn rd, void *ud, uint64_t len, uint64_t ndocs, ty_kwx **out,
                     char **text, uint64_t **off, uint32_t **tlen, char *err, size_t errlen);

/* The documents (ascending, *docs malloc'd, *n of them) whose records hold
 * every character bigram of the unit u[0..len): a superset of those that
 * contain u. 0; 1 when u has fewer than two characters (no bigram: the
 * caller scans); TENYO_ERR_CORRUPT (damaged postings, message in err) or
 * NOMEM. */
int ty_kwx_candidates(const ty_kwx *k, const char *u, size_t len, uint64_t **docs,
                      uint64_t *n, char *err, size_t errlen);

/* The text of documents [d0, d1) decoded (a lone layout-2 part's text
 * frames; a no-op otherwise), from any thread: 0, or CORRUPT naming the
 * section and frame / NOMEM with the message in err. ty_kwx_need_all: every
 * frame of every part. */
int ty_kwx_need_text(const ty_kwx *k, uint64_t d0, uint64_t d1, char *err, size_t errlen);
int ty_kwx_need_all(const ty_kwx *k, char *err, size_t errlen);
/* A query is about to decode most of the text frames (a unit in many
 * records): the text's memory not yet touched is advised for transparent
 * huge pages (madvise, a hint: nothing else changes), so that its faults
 * come 2 MiB at a time. Not for a few records: a 2 MiB page cleared for
 * one frame of 128 records costs more than that frame's 4 KiB pages. */
void ty_kwx_text_dense(const ty_kwx *k);

/* A unit of exactly two characters counted from its bigram's postings
 * alone (layout 2 holds each posting's counts: the hits memmem finds left
 * to right, those in the title apart): tf[d] = title hits * 2 + abstract
 * hits for each document holding it (tf zero before; others untouched),
 * *df their number. 0; 1 when the postings cannot say (not two valid
 * characters, a part of layout 1, a count past the build's room: the
 * caller verifies against the text instead, tf to be cleared); or
 * CORRUPT/NOMEM with the message in err. A unit that must start a word is
 * the caller's to keep away (the postings do not know the character
 * before). */
int ty_kwx_pair(const ty_kwx *k, const char *u, size_t len, uint32_t *tf, uint64_t *df,
                char *err, size_t errlen);

/* Format-2 frames behind k (text, posting lists) and how many of each
 * are decoded so far (what the tests and tenyo info look at). */
void ty_kwx_frames(const ty_kwx *k, uint64_t *text, uint64_t *text_decoded, uint64_t *post,
                   uint64_t *post_decoded);

/* Decode every frame and posting list (what tenyo check runs): 0 or
 * TENYO_ERR_CORRUPT with the message in err. */
int ty_kwx_verify(const ty_kwx *k, char *err, size_t errlen);

/* Bytes of the postings and key tables (raw) behind k; distinct bigrams. */
uint64_t ty_kwx_postings_bytes(const ty_kwx *k);
uint64_t ty_kwx_keys(const ty_kwx *k);

/* 1 when ty_kwx_open's *text lies inside the part's blob (not malloc'd). */
int ty_kwx_text_borrowed(const ty_kwx *k);

void ty_kwx_free(ty_kwx *k);

#endif /* TENYO_KWINDEX_H */
