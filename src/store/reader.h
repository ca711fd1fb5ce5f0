/*
 * reader.h — the state of one read of an index file (reader: its file or
 * in-memory sections, the section table, the zstd context) shared by the
 * reading files: read_head.c (the header, the section table, one section's
 * frame, the build record), read_rows.c (the sections into the model: the
 * sparse rows, the vectors, every other table) and read.c (a file, lazily
 * or not, raw sections for the shards, freeing a model). read.c's opening
 * comment gives the file layout.
 */
#ifndef TENYO_STORE_READER_H
#define TENYO_STORE_READER_H

#include "store/format.h"
#include "store/store.h"

#include <zstd.h>

/* One section table entry as read. */
typedef struct rd_sec {
    char name[16];              /* NUL-terminated (checked) */
    uint64_t off, stored, raw;  /* frame offset, frame bytes, raw bytes */
} rd_sec;

/* State of one ty_store_read. */
typedef struct reader {
    int fd;                     /* the index file */
    const char *path;           /* for messages */
    uint64_t fsize;             /* bytes in the file */
    int nsec;                   /* entries in sec */
    rd_sec sec[TENYO_MAX_SECTIONS]; /* table */
    ZSTD_DCtx *dctx;            /* reused for every frame */
    unsigned char *cbuf;        /* compressed bytes of the current section */
    size_t ccap;                /* bytes allocated in cbuf */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
    uint32_t version;           /* format version of the file */
    int lazy;                   /* leave format 2's rows for their first use */
    int prefetch_kw;            /* start the keyword section's read first */
    int numbers_on_need;        /* "numbers" located, read by its first use */
    int deferred;               /* ... and they were left */
    int deferred_vec;           /* format 2's basis.q8 and docvec.q8 left for
                                   their first use (a lazy read of a file) */
    int stream_q8;              /* docvec.q8 stored raw: mapped unpopulated
                                   and its codes' file offset kept for reads
                                   in blocks (m->doc_qfd; ty_model_stream_codes) */
    int terms_on_need;          /* leave the term tables and the rows'
                                   lengths for their first use ... */
    int deferred_terms;         /* ... and they were left */
    int fields_on_need;         /* leave the documents' field lists for
                                   their first use ... */
    int deferred_fields;        /* ... and they were left */
    int updated;                /* header byte 20 (format 3) */
    uint64_t hsum;              /* the header checksum as stored */
    ty_rawsec *mem;             /* a sharded index: sec[i]'s raw content is
                                   mem[i].data, no file (shards_read.c); taken
                                   by the section's one read */
    int partial;                /* ... read in part: empty stand-ins for
                                   some documents (ty_store_read_mem) */
} reader;

/* Convert n little-endian elements of size 1, 2, 4 or 8 in place to host
 * order. A no-op on little-endian hosts, where the loader's arrays are
 * usable as decompressed. */
void ty_rd_le_to_host(void *p, size_t n, size_t size);
/* a*b*c, or -1 on overflow. */
int ty_rd_mul3(uint64_t a, uint64_t b, uint64_t c, uint64_t *out);
/* Load the build section into m's settings and counts. */
int ty_rd_build(reader *r, ty_model *m, uint64_t *nnz);
/* Read exactly n bytes of the file at off: 0, or TENYO_ERR_IO /
 * _CORRUPT (short), the message naming the file. */
int ty_rd_pread(reader *r, void *p, size_t n, uint64_t off);
/* The first len bytes of the content of section s (named name), stored
 * raw (format.h, "Sections stored raw"), mapped read-only from the file
 * (populate: faulted in now), its frame's head checked against the table.
 * 0 with the mapping *map of *maplen bytes and the content at *content; 1
 * when the section is not stored raw, len is 0 or past its content, or
 * the mapping cannot be made (read it whole instead); TENYO_ERR_CORRUPT
 * naming the section when its head disagrees with the table; or the
 * read's error. The int8 vectors' codes and the lookup tables. */
int ty_rd_map_raw(reader *r, const char *name, const rd_sec *s, uint64_t len, int populate,
                  void **map, size_t *maplen, const unsigned char **content);
/* A whole read's check of optional section name, when the file has one:
 * read whole (its checksum; at least lo bytes) and given to check with m;
 * its failure reported naming the file and the section. 0 or the error. */
int ty_rd_check_raw(reader *r, const ty_model *m, const char *name, uint64_t lo,
                    int (*check)(const ty_model *m, const unsigned char *p, uint64_t raw,
                                 char *why, size_t whylen));
/* 1 when the file has a section of this name. */
int ty_rd_has(const reader *r, const char *name);
/* Read and check the header and section table. */
int ty_rd_header(reader *r);
/* The table entry of section name after the checks that need no read: it
 * exists, its raw size is within [lo, hi] and no more than its frame can
 * expand to; NULL with the message set otherwise. */
const rd_sec *ty_rd_locate(reader *r, const char *name, uint64_t lo, uint64_t hi,
                               size_t extra);
/* Load section `name`, whose raw size must lie in [lo, hi], into a fresh
 * allocation of raw + extra bytes (*out, size in *raw). The frame is
 * checked (zstd magic, content size equal to the table's, checksum present,
 * exactly stored bytes) and its size bounded before anything is allocated;
 * zstd verifies the checksum while decompressing. */
int ty_rd_section(reader *r, const char *name, uint64_t lo, uint64_t hi,
                      size_t extra, void **out, uint64_t *raw);
/* Whether section s is a run of frames behind a seek table (format.h,
 * "The rows in frames"): 1 with *nf frames and *tab (new: u32 stored and
 * raw bytes per frame) when its table reads and adds up to the section's
 * sizes; 0 when not (one frame: ty_rd_section's checks judge it; a file
 * read from memory); or a read's status. */
int ty_rd_seek_table(reader *r, const rd_sec *s, uint32_t *nf, uint32_t **tab);
/* Whether section s ends in a seek table's footer (9 bytes read; what
 * tenyo info says; the readers check the whole table). */
int ty_rd_framed(reader *r, const rd_sec *s);
/* Frame c of stored bytes, checked (a checksummed zstd frame holding raw
 * bytes, exactly stored long) and decompressed into dst (raw bytes) with
 * dc (NULL: a context of its own): NULL, or what is wrong (zstd's checksum
 * included). */
const char *ty_rd_frame_decode(ZSTD_DCtx *dc, const unsigned char *c, uint32_t stored,
                               uint32_t raw, void *dst);
/* The message of frame i of n of a damaged framed section name in file
 * path (why: ty_rd_frame_decode's) into err, the same for every reader:
 * TENYO_ERR_CORRUPT. */
int ty_rd_frame_fail(char *err, size_t errlen, const char *path, const char *name, uint64_t i,
                     uint64_t n, const char *why);
/* Section name's table entry, or NULL. */
const rd_sec *ty_rd_find(const reader *r, const char *name);
/* Where each frame of a rows' stream p (len bytes; tfidf.cols or
 * tfidf.tf of the rows rowptr over nd documents) starts, for ty_secput's
 * cut: *cut (new) holds ceil(nd / STORE_ROWS_FRAME) + 1 byte offsets, the
 * last len. 0, TENYO_ERR_CORRUPT when the stream does not hold the rows'
 * values, or TENYO_ERR_NOMEM. */
int ty_store_rows_cuts(const uint64_t *rowptr, uint64_t nd, const unsigned char *p, uint64_t len,
                       uint64_t **cut, uint64_t *ncut);
/* The LEB128 value at p[*pos] (at most 5 bytes, < 2^35), advancing *pos;
 * -1 when the bytes end first or run longer. */
int ty_rd_leb_get(const unsigned char *p, uint64_t len, uint64_t *pos, uint64_t *v);
/* The bytes of LEB128 stream p (len bytes) where values number want[0] <=
 * want[1] <= ... <= want[n-1] start (want n: the end of the n-th value)
 * into off[0..n) (off may be want itself), counting the values'
 * terminator bytes sixteen at a time (SSE2); 0 when all were found. */
int ty_rd_leb_offsets(const unsigned char *p, uint64_t len, const uint64_t *want, uint64_t n,
                      uint64_t *off);
/* The sparse rows' columns and counts (or format 1's weights) into
 * m->tfidf.col / val, rowptr already set; the counts' bytes are kept in
 * m->tf_leb. */
int ty_rd_rows(reader *r, ty_model *m, uint64_t nnz);
/* The vocabulary, df, idf and sigma into m, each checked as read. */
int ty_rd_terms(reader *r, ty_model *m);
/* The rows' lengths (section tfidf.rows) into m->tfidf.rowptr, their sum
 * checked against nnz, the build record's (a partial read: at most). */
int ty_rd_rowptr(reader *r, ty_model *m, uint64_t nnz);
/* The documents' field lists (section docfields) into m->field_ptr and
 * field_ids, checked as read; with r->fields_on_need (a lazy read of a
 * file) only located (m->fields_deferred) for ty_model_need_docfields. */
int ty_rd_docfields(reader *r, ty_model *m);
/* One range of rows of format 2's two LEB128 streams (read_rows.c):
 * rows [r0, r1) whose columns are the bytes [c0, c1) of cp and counts the
 * bytes [t0, t1) of tp, decoded into m->tfidf.col / val by ty_rd_sp_run
 * (worker t of an array of jobs), every value checked; on damage the job
 * describes it (bad 1: a bad value at row, entry; 2: entry bytes left
 * over) for ty_rd_sp_fail's message. */
typedef struct ty_sp_job {
    ty_model *m;
    const unsigned char *cp, *tp;
    uint64_t r0, r1;
    uint64_t c0, c1, t0, t1;
    int bad;
    uint64_t row, entry;
    const char *stream, *what;
} ty_sp_job;
int ty_rd_sp_run(void *ud, int t, int nt);
/* The message of damaged job j into r's buffer; TENYO_ERR_CORRUPT. */
int ty_rd_sp_fail(reader *r, const ty_model *m, const ty_sp_job *j);
/* The rows a block at a time (rows.c): both streams read and each block's
 * byte offsets found once (ty_rows_open), then any block decoded by its
 * first reader, the others waiting for it (ty_rows_get), or every block
 * (ty_rows_all). */
typedef struct ty_rows ty_rows;
/* 0 with *out, m->tfidf.col / val allocated (zeroed) for the blocks;
 * 1 when the rows cannot be read so (format 1's stored weights, streams
 * that do not hold the values the blocks need: ty_rd_rows then, which
 * names the damage); or the status with r's message. r is used only
 * during the call. */
int ty_rows_open(reader *r, ty_model *m, ty_rows **out);
/* Row d's block decoded (by this call or another thread's): 0, or
 * TENYO_ERR_CORRUPT with the damage's message. */
int ty_rows_get(ty_rows *b, ty_model *m, uint64_t d, char *err, size_t errlen);
/* Every block decoded, over the cores: 0, or the lowest damaged block's
 * message. On success the counts' stream is handed to m->tf_leb. */
int ty_rows_all(ty_rows *b, ty_model *m, char *err, size_t errlen);
void ty_rows_free(ty_rows *b);
/* The int8 basis and document vectors (basis.q8, docvec.q8) into
 * m->basis_q / basis_qscale and m->doc_q / doc_qscale, the vectors on a
 * thread of their own when they are big enough; a lazy read maps the
 * codes of a section stored raw (m->basis_qmap, doc_qmap). */
int ty_rd_vectors(reader *r, ty_model *m);
/* A lazy read of format 2's vectors: both sections located and their sizes
 * checked now (r->deferred_vec, m->vec_deferred set), decoded by the first
 * ty_model_need_vectors. */
int ty_rd_vectors_defer(reader *r, ty_model *m);
/* The section "vocab.map" (vocabmap.c) of a lazy read of a file mapped
 * into m (m->vmap), its head checked against m: 0 mapped, 1 none to map
 * (absent, compressed, a whole read, no mapping to be had), or the
 * error. */
int ty_rd_vmap(reader *r, ty_model *m);
/* m's term tables (term_blob, term_off) from its mapped "vocab.map":
 * the terms in place, their starts checked and copied. 0 or the error. */
int ty_vmap_terms(reader *r, ty_model *m);

/* The section "ids.map" (idmap.c) of a lazy read of a file mapped into m
 * (m->idmap), its head checked: 0 mapped, 1 none, or the error. */
int ty_rd_idmap(reader *r, ty_model *m);
/* Load every section into m (counts already set from build). */
int ty_rd_sections(reader *r, ty_model *m, uint64_t nnz);
/* The optional sections (read_optional.c), ty_rd_sections' step after the
 * fields. */
int ty_rd_optional(reader *r, ty_model *m);
/* The keyword section alone (read_optional.c): located, or read as a
 * blob; ty_rd_sections takes it first for a caller searching keywords. */
int ty_rd_keywords(reader *r, ty_model *m);
/* The steps' helpers (read_head.c): r's message for running out of
 * memory, for counts whose product overflows, for section name's damage
 * why; a section of n NUL-terminated strings (at least lo raw bytes) into
 * *blob (NUL after it), *len and their offsets *off; an optional section
 * kept as it is (raw size in [lo, hi], a NUL after it when nul). */
int ty_rd_nomem(reader *r);
int ty_rd_toolarge(reader *r);
int ty_rd_corrupt(reader *r, const char *name, const char *why);
int ty_rd_strings(reader *r, const char *name, uint64_t n, uint64_t lo, char **blob,
                  uint64_t *len, uint64_t **off);
int ty_rd_blob(reader *r, const char *name, uint64_t lo, uint64_t hi, int nul, char **blob,
               uint64_t *len);
/* A reader beside r (a thread of the read, or a later read of what a lazy
 * read left): r's file and section table, its own zstd context and buffer,
 * its messages into err. 0, or TENYO_ERR_NOMEM said in err;
 * ty_rd_side_done gives its context and buffer back. */
int ty_rd_side(const reader *r, reader *out, char *err, size_t errlen);
void ty_rd_side_done(reader *r);

#endif
