/*
 * store.h — the store layer (store/): a ty_model to and from files.
 *
 * format.h      the file format: header, section table, names, limits,
 *               checksums (included by the store's files only; the
 *               layout is in its opening comment)
 * write.c       a model to an index file, atomically; the "updated" byte
 * read.c        an index file to a model: every check, the sparse rows'
 *               parallel and lazy decode, ty_model_free
 * invariants.c  what a model must hold to be written or loaded
 * abstracts.c   the optional section "abstracts" and its ty_abs handle
 * docmeta.c     the documents' strings read a block at a time, and the
 *               accessor of a document's strings (ty_meta_*)
 * lazysec.c     a section read on first use (ty_lazysec: "keywords", "termfacts",
 *               docmeta's layout 2), and the stored frame it reads in part
 * manifest.c    updates beside an index: MANIFEST, deletion files, the
 *               writer lock, the licensable list
 * shards.c      a sharded index: the manifest naming a shared part and
 *               shard files, the per-document sections' cut (shards.h)
 * shards_read.c a sharded index read into the single file's model
 * shards_write.c  a sharded index written by cutting a single file's
 *               sections
 *
 * Below: util, model. Above: search (nothing), api.
 */
#ifndef TENYO_STORE_H
#define TENYO_STORE_H

#include "model/model.h"

#include <zstd.h>

void ty_model_free(ty_model *m);  /* frees members, not m itself */

/* Abstracts (optional section "abstracts", abstracts.c): kept for reading —
 * evidence, the "why" of a proposal — never scored. A handle reads one
 * file's section on first use (its descriptor kept from the open, so a file
 * replaced since still reads as it was), or composes several (an index with
 * updates: base and segments, by global position). */
typedef struct ty_abs ty_abs;
/* The abstract of document doc into out (replacing its content,
 * NUL-terminated; "" when the document has none). TENYO_ERR_CORRUPT with
 * the file named in err when the section is damaged. Thread-safe. */
int ty_abs_get(ty_abs *a, uint64_t doc, ty_buf *out, char *err, size_t errlen);
/* One reader's place in the section(s) behind a handle, kept by its
 * thread between ty_abs_read calls: the block decompressed last (its
 * file's handle and number), so that documents read in order decompress
 * each block once, not once a document (a rebuild, the keyword text
 * folded on first use: 32 documents a block). Zeroed to start;
 * ty_abs_cur_free after. */
typedef struct ty_abs_cur {
    const ty_abs *a;
    uint64_t block;
    char *raw;
    uint32_t rs;
} ty_abs_cur;
/* ty_abs_get through cur (NULL: none kept). Not thread-safe for one cur. */
int ty_abs_read(ty_abs *a, ty_abs_cur *cur, uint64_t doc, ty_buf *out, char *err,
                size_t errlen);
void ty_abs_cur_free(ty_abs_cur *cur);
/* Every block of the section(s) behind a decompressed and counted (each
 * block's frame checksum, its documents' strings): 0 (also for NULL), or
 * TENYO_ERR_CORRUPT naming file and block (NOMEM). What check and
 * tenyo_index_load_all run; queries only read the blocks they show. */
int ty_abs_verify(ty_abs *a, char *err, size_t errlen);
/* A handle over parts (taken over, NULL entries allowed: no abstracts
 * there): document d of the result is global position gpos[d] (NULL: d),
 * which lies in the part p with first[p] <= pos < first[p + 1] (first has
 * nparts + 1 entries). gpos is copied. NULL when out of memory (the parts
 * are freed then). */
ty_abs *ty_abs_compose(ty_abs **parts, const uint64_t *first, uint32_t nparts,
                       const uint64_t *gpos, uint64_t ndocs);
/* Compressed bytes of the section(s) behind a (0 for NULL). */
/* The section's raw content of a handle over one file's section (read
 * whole and its frame checked, owned by a): what a rewrite puts back
 * (bench/abs_relayout). 0, or a status with err. */
int ty_abs_content(ty_abs *a, const char **p, uint64_t *len, char *err, size_t errlen);
uint64_t ty_abs_bytes(const ty_abs *a);
void ty_abs_free(ty_abs *a);
/* A document's strings (docmeta.c), whichever layout the index holds:
 * layout 1's arrays (m->meta_blob, m->meta_off), or layout 2's frames, each
 * decoded by its first use, from any thread. */
typedef struct ty_docmeta ty_docmeta;
/* String `which` (TY_META_*) of document d; "" when d is out of range or
 * its frame is damaged (the damage kept for ty_meta_damage). Thread-safe;
 * the string lives as long as m. */
const char *ty_meta_str(const ty_model *m, uint64_t d, int which);
/* Document d's id into *id (alive as long as m): its frame of ids decoded
 * and kept (layout 2). 0; TENYO_ERR_CORRUPT with the frame named in err
 * (and kept for ty_meta_damage) when it cannot be read; TENYO_ERR_ARG for
 * d out of range or a model without strings. */
int ty_meta_id(const ty_model *m, uint64_t d, const char **id, char *err, size_t errlen);
/* All TY_META_NSTR strings of document d into s (each "" where not read):
 * 0, TENYO_ERR_ARG (d out of range, or m holds no strings), or
 * TENYO_ERR_CORRUPT with the section, the frame and its documents named
 * in err. Thread-safe. */
int ty_meta_doc(const ty_model *m, uint64_t d, const char *s[TY_META_NSTR], char *err,
                size_t errlen);
/* Every document's id: document d's is *blob + (*off)[d * *stride]
 * (layout 2: its frames of ids alone, decoded once into one blob). 0, or
 * the status with err set. Thread-safe. */
int ty_meta_ids(const ty_model *m, const char **blob, const uint64_t **off, size_t *stride,
                char *err, size_t errlen);
/* The document whose id is id[0..len), found by reading layout 2's frames
 * of ids in order (each decoded, compared and dropped: no table, no
 * memory kept), every frame, so that an id written twice is seen: 0 with
 * *doc (-1: no document has it); 2 when a second document has it too (its
 * number in *twice: a damaged index); TENYO_ERR_CORRUPT when a frame is
 * damaged (kept for ty_meta_damage); or 1 when the strings are not in
 * layout 2 or the ids are already in one blob (look it up in the table).
 * What a process that looks one id up pays instead of the whole table (1M
 * documents: about 30 ms, against 70-140 for the table). Thread-safe. */
int ty_meta_find_id(const ty_model *m, const char *id, size_t len, int64_t *doc,
                    int64_t *twice);
/* The documents docs[i] (a uint64_t every stride_bytes: an array of hits)
 * readable: their frames decoded now. 0, or TENYO_ERR_CORRUPT naming the
 * frame: what a query calls before it answers with those documents. */
int ty_meta_ready(const ty_model *m, const uint64_t *docs, size_t n, size_t stride_bytes,
                  char *err, size_t errlen);
/* TENYO_ERR_CORRUPT with the first damaged frame's message once any use of
 * m's strings met one (ty_meta_str gave ""), else 0. */
int ty_meta_damage(const ty_model *m, char *err, size_t errlen);
/* Layout 1's arrays filled from layout 2 (every frame decoded, once, any
 * thread; a no-op for layout 1): what a user of every document's strings
 * calls first (filters by date or applicant, writers, merges). 0, or the
 * status with err set. */
int ty_model_need_meta(ty_model *m, char *err, size_t errlen);
/* Every frame of layout 2 decoded and kept, as each first use would (a
 * no-op for layout 1): what a reader of most documents' strings starts on
 * a thread of its own. A damaged frame is left to the use that reads it. */
void ty_meta_warm(const ty_model *m);
/* Layout 1's content size, and its first n bytes into buf (the count
 * copied): what an index's fit id hashes, the same for either layout. */
uint64_t ty_meta_len(const ty_model *m);
size_t ty_meta_prefix(const ty_model *m, char *buf, size_t n);
/* Every frame of layout 2 decoded and counted, and the section's own
 * checksum (tenyo check); 0 for layout 1 (decoded whole at open). */
int ty_meta_verify(const ty_model *m, char *err, size_t errlen);
/* 1 or 2: the layout m's strings were read from (1 for a built model). */
int ty_meta_layout(const ty_model *m);
void ty_dm_free(ty_docmeta *h);
/* m's strings (layout 1's arrays: ty_model_need_meta first) as layout 2's
 * raw content into out, what a single file's writer stores (and
 * ty_store_rewrite stores so when put in). 0, or the status with err. */
int ty_dm_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);
/* The documents' first applicants as numbers (docapp.c, section
 * "docapp"): m's column's raw content appended to out (u32 per document,
 * 0 none, else 1 + the rank of its first applicant among the distinct
 * ones). 0, or the status with err. */
int ty_docapp_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);
/* 1 when m holds a column covering its documents (read from one file, not
 * yet read: its use reads it). */
int ty_docapp_has(const ty_model *m);
/* Document d's number into *key (0: no first applicant) and 1; 0 when m
 * has no readable column covering its documents (read the strings then).
 * Reads the column on first use; thread-safe. */
int ty_docapp_key(const ty_model *m, uint64_t d, uint32_t *key);
/* The column read whole and every number compared with the one the
 * strings give (tenyo check): 0 (also without one), or the status with
 * err naming path and the section. */
int ty_docapp_verify(const ty_model *m, const char *path, char *err, size_t errlen);

/* A section located at open and read whole on first use (lazysec.c; the
 * keyword index). ty_lazysec_open dups fd (the handle keeps the file as it
 * was) and copies path and name; NULL when out of memory or descriptors.
 * ty_lazysec_wrap takes blob (raw bytes + a NUL, malloc'd) as already read;
 * NULL when out of memory (blob is not freed then). */
typedef struct ty_lazysec ty_lazysec;
ty_lazysec *ty_lazysec_open(int fd, const char *path, const char *name, uint64_t off,
                            uint64_t stored, uint64_t raw);
ty_lazysec *ty_lazysec_wrap(char *blob, uint64_t raw);
/* The section's raw content (*p, *len bytes, NUL after them; owned by s,
 * alive while s is), read and checked on the first call, from any thread
 * (ty_once); every later call gets the same outcome. NULL s: *p NULL, 0.
 * TENYO_ERR_CORRUPT (or IO, NOMEM) with file and section named in err. */
int ty_lazysec_get(ty_lazysec *s, const char **p, uint64_t *len, char *err, size_t errlen);
/* Bytes [off, off + len) of s's raw content into dst, from any thread:
 * when the section's frame is stored blocks (ty_store_frame_stored), only
 * they are read (the headers of the blocks holding them checked; the content's
 * own checks are the caller's: the frame's checksum covers the whole and
 * is checked by ty_lazysec_get), else from the whole content
 * (ty_lazysec_get). 0, or a status with file and section named in err.
 * ty_lazysec_size: the raw bytes (0 for NULL). */
int ty_lazysec_read(ty_lazysec *s, uint64_t off, uint64_t len, void *dst, char *err,
                    size_t errlen);
uint64_t ty_lazysec_size(const ty_lazysec *s);
/* Whether s's content has been read, whole or in part (0 for NULL): for
 * tests and stats. */
int ty_lazysec_loaded(const ty_lazysec *s);
/* The first read (ty_lazysec_get's) started now on a thread of its own
 * (nothing on one core, or when read already); its outcome is the first
 * get's. */
void ty_lazysec_prefetch(ty_lazysec *s);
void ty_lazysec_free(ty_lazysec *s);
/* Whether m knows its term counts (layout 2), and m->tf decoded from the
 * bytes loading kept (tf_leb), once: 0, or TENYO_ERR_NOMEM. Opening keeps
 * the counts encoded (1 byte per non-zero instead of 4: 450 MB less at 1M
 * documents); updates and rebuild decode them. */
#define ty_model_has_tf(m) ((m)->tf != NULL || (m)->tf_leb != NULL || (m)->rows_deferred)
int ty_model_need_tf(ty_model *m, char *err, size_t errlen);
/* The sparse rows (m->tfidf.col / val, m->tf_leb) of a model read by
 * ty_store_read_lazy, decoded and checked on the first call (all cores),
 * from any thread; later calls return at once with the same outcome.
 * Every reader of those arrays calls it first. 0, or the error with the
 * message (file and section) in err. A model without m->lazy has them. */
int ty_model_need_sparse(const ty_model *m, char *err, size_t errlen);
/* The rows of documents docs[0..n) (each a uint64_t, stride bytes apart;
 * ids >= ndocs skipped) readable in m->tfidf: a lazily read model decodes
 * just their blocks of rows (store/rows.c), each once, from any thread,
 * where its rows can be read so, else all rows (ty_model_need_sparse).
 * Every reader of some documents' rows (not all) calls it first; 0, or
 * the error with the message in err. */
int ty_model_need_rows(const ty_model *m, const uint64_t *docs, size_t n, size_t stride,
                       char *err, size_t errlen);
/* The same on up to nt threads (the query's), each block still decoded
 * once; a failure's message the one thread's call would give. */
int ty_model_need_rows_nt(const ty_model *m, const uint64_t *docs, size_t n, size_t stride,
                          int nt, char *err, size_t errlen);
/* Whether m's sparse rows are decoded (read eagerly, or by a finished
 * ty_model_need_sparse); 0 while they wait for their first use. */
int ty_model_rows_decoded(const ty_model *m);
/* The int8 basis and document vectors (m->basis_q, basis_qscale, doc_q,
 * doc_qscale) of a model read by ty_store_read_lazy, decoded and checked
 * on the first call (the vectors on a second thread when big), from any
 * thread, once; m->vec_deferred says they were left. Every reader of those
 * arrays (the index's vectors, api/index.c) calls it first. 0, or the
 * error with the message (file and section) in err. */
int ty_model_need_vectors(const ty_model *m, char *err, size_t errlen);

/* Write atomically (temp + fsync + rename). Fills m->sections/file_bytes.
 * TENYO_ERR_UNSYNCED (with the message) when the file is in place but the
 * directory sync after the rename failed. */
int ty_store_write(ty_model *m, const char *path, char *err, size_t errlen);
/* The zstd frame ty_store_write would write for a section of raw bytes
 * p[0..n) (the same code, the same bytes) into out (replaced): made ahead
 * on another thread, a section's frame costs the write nothing
 * (ty_model.kw_frame). 0, or the status with the message. */
int ty_store_frame(const void *p, uint64_t n, ty_buf *out, char *err, size_t errlen);
/* The same content as one zstd frame of stored (uncompressed) blocks of
 * ZSTD_BLOCKSIZE_MAX bytes, content size and checksum on: for a section
 * whose content is compressed already, in frames of its own (the keyword
 * index, layout 2), so that a reader can read part of it in place
 * (ty_lazysec_read). 0, or the status with the message. */
int ty_store_frame_stored(const void *p, uint64_t n, ty_buf *out, char *err, size_t errlen);
/* Let d decode, a piece of input at a time, a section's frame whose window
 * is above zstd's default limit (128 MiB): a frame of stored blocks names
 * its whole content as its window (a 1M-document keyword section: 430
 * MB). The caller has bounded the content's size already. 0 or
 * TENYO_ERR_DEPENDENCY. */
int ty_store_dctx_wide(ZSTD_DCtx *d);
/* The index format this library writes (format.h's "Format history"). */
#define TY_STORE_FORMAT 3u

/* A section put in by ty_store_rewrite: its name and raw content. */
typedef struct ty_secput {
    const char *name;         /* [a-z0-9._], at most 15 bytes */
    const void *data;         /* len raw bytes (borrowed) */
    uint64_t len;
    const uint64_t *cut;      /* or NULL: written as a run of ncut frames
                                 [cut[i], cut[i + 1]) and a seek table
                                 (the rows in frames, ty_store_rows_cuts) */
    uint64_t ncut;
} ty_secput;
/* m's rows (decoded, with their counts m->tf) as ty_store_rewrite puts
 * the two streams in frames, as the writer stores them (store/format.h,
 * "The rows in frames"): put[0] "tfidf.cols", put[1] "tfidf.tf", their
 * data and cuts new (ty_store_rows_put_free). label names m in messages.
 * 0, or the status with the message. */
int ty_store_rows_put(const ty_model *m, const char *label, ty_secput put[2], char *err,
                      size_t errlen);
void ty_store_rows_put_free(ty_secput put[2]);
/* Rewrite the single index file at path (format 3) atomically, as
 * ty_store_write does (temporary file, fsync, rename, directory sync):
 * the sections named in drop[0..ndrop) and in put left out, put[0..nput)
 * (in the writer's section order, compressed here; a keyword section or
 * docmeta of layout 2, the stored postings and the abstracts stored as the
 * writer stores them, read in place) put in where the
 * writer puts them, every other section's frame copied byte for byte and
 * checked on the way (zstd checksum, raw size: a damaged one stops the
 * rewrite with the file and section named), the header's "updated" byte
 * kept. What the file held otherwise is unchanged, so a model read from
 * it answers as before. *bytes: the new file's size. On any error the old
 * file is as it was (TENYO_ERR_UNSYNCED: in place, directory not synced;
 * TENYO_ERR_VERSION: an older format, which this does not rewrite). */
int ty_store_rewrite(const char *path, const char *const *drop, int ndrop,
                     const ty_secput *put, int nput, uint64_t *bytes, char *err,
                     size_t errlen);
/* Set the "updated" byte of the base file at path (format 3; formats 1-2
 * are left as they are), fdatasync'd. Under the writer lock. */
int ty_store_mark_updated(const char *path, char *err, size_t errlen);
/* Load and validate; m is zeroed first and freed on failure. */
int ty_store_read(const char *path, ty_model *m, char *err, size_t errlen);
/* The single file at path (not a manifest): ty_store_read (lazy 0) or
 * ty_store_read_lazy (lazy 1) without the sharded case (load.c). */
int ty_store_read_file(const char *path, ty_model *m, char *err, size_t errlen, int lazy);
/* The same, but a layout-2 file's sparse rows are only located and
 * bounds-checked: decoded on first use (ty_model_need_sparse), the file
 * kept open until then. What an index opened for queries uses: a query
 * that needs no TF-IDF (LSA, IVF, metadata) never pays for them. */
int ty_store_read_lazy(const char *path, ty_model *m, char *err, size_t errlen);
/* ty_store_read_lazy, with the keyword section's read (ty_lazysec_prefetch)
 * and the vectors' (ty_model_need_vectors' once) started on threads of
 * their own as soon as the section table is read, beside the other
 * sections' (a single file; a sharded index reads them with the rest);
 * numbers: the section "numbers" only located (m->numbers_sec), read by
 * the first ty_model_numbers; fields: the documents' field lists only
 * located (m->fields_deferred), read by the first ty_model_need_docfields
 * (a caller that proposes no field: similar). */
int ty_store_read_lazy_for(const char *path, int keywords, int vectors, int numbers,
                           int fields, ty_model *m, char *err, size_t errlen);
/* vectors may add: docvec.q8, stored raw, mapped without faulting its
 * pages in and its codes' file offset kept (m->doc_qfd, doc_qoff) for
 * scans that read them in blocks with pread (a one-query process: on some
 * virtual machines touching freshly mapped pages costs several times
 * reading them) — always, or when the codes reach TY_STREAM_CODES_MIN
 * bytes (64 MiB: 256k documents at rank 256). ty_model_codes_streamed
 * says whether the read does so. */
#define TY_READ_STREAM 2
#define TY_READ_STREAM_LARGE 4
#define TY_STREAM_CODES_MIN (64ull << 20)
int ty_model_codes_streamed(const ty_model *m);
/* The section "vocab.map" of model m as mapped by a lazy read
 * (store/vocabmap.c), for a term table looked up in place
 * (ty_strmap_adopt_stored): its slots, *nslots of them, and in *starts
 * the terms' starts; NULL when m has no such mapping. ty_vmap_blob: the
 * terms themselves, *len bytes, the last a NUL. Alive as long as m. */
/* Whether a single file written from model m gets the section
 * "vocab.map" (its term tables there; not under TENYO_VOCAB_MAP=0), and
 * its raw content made from them into out (0, or the status with err):
 * the writer's, and `tenyo rebuild`'s for an index written before it. */
int ty_vmap_want(const ty_model *m);
int ty_vmap_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);
/* The section "ids.map" (store/idmap.c): whether a single file written
 * from m gets it (docmeta's layout 2; not under TENYO_IDS_MAP=0), and its
 * raw content made from m's ids into out (0, or the status with err). */
int ty_idmap_want(const ty_model *m);
int ty_idmap_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);
/* The document whose id is id[0..len) found through m's mapped "ids.map":
 * 0 with *doc its number or -1 (none); 1 when m has no such mapping (look
 * it up otherwise); TENYO_ERR_CORRUPT with err when a frame of ids the
 * lookup compares with cannot be read. */
int ty_idmap_find(const ty_model *m, const char *id, size_t len, int64_t *doc, char *err,
                  size_t errlen);
const void *ty_vmap_slots(const ty_model *m, size_t *nslots, const void **starts);
const char *ty_vmap_blob(const ty_model *m, uint64_t *len);
/* The same with the term tables (vocab, df, idf, sigma), the rows'
 * lengths (tfidf.rows, hence m->tfidf.rowptr) and the documents' field
 * lists (ty_model_need_docfields) only located and
 * bounds-checked where the file allows it (a single file of layout 2
 * with its term counts), read and checked by the first
 * ty_model_need_terms: what a keyword search never reads (at 1M
 * documents 13 MB raw and 45 ms of a 120 ms process). */
int ty_store_read_lazy_terms(const char *path, int keywords, int numbers, ty_model *m,
                             char *err, size_t errlen);
/* The term tables and the rows' lengths of a model read by
 * ty_store_read_lazy_terms (m->terms_deferred), read and checked on the
 * first call, from any thread, once, with the open's messages; later calls
 * return at once with the same outcome. ty_model_need_sparse, _rows and
 * _tf call it first (the vectors need no term table); every other reader of m->term_blob,
 * term_off, df, idf, sigma or tfidf.rowptr calls it (or one of those)
 * first. 0, or the error with the message in err. A model read any other
 * way has them. */
int ty_model_need_terms(const ty_model *m, char *err, size_t errlen);
/* The same for the documents' field lists (m->field_ptr, field_ids) that
 * ty_store_read_lazy_terms or _for left (m->fields_deferred): a keyword
 * search without a field filter and similar never read them (the fields
 * they print are the documents' strings). Every reader of them calls it
 * first. */
int ty_model_need_docfields(const ty_model *m, char *err, size_t errlen);
/* The documents' other numbers ("number\tid" lines, NUL after them): *p
 * and *len from numbers_blob, or read from numbers_sec on the first call
 * (from any thread; owned by m); *p NULL when the index has none. 0, or
 * the status with the file and section named in err. */
int ty_model_numbers(const ty_model *m, const char **p, uint64_t *len, char *err,
                     size_t errlen);
/* ty_store_read_lazy, but of a sharded index only the shards i < nkeep
 * with keep[i] (ty_shards_read_part: the others' documents empty,
 * m->partial); a single file is read whole. */
int ty_store_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                       char *err, size_t errlen);
/* Sparse rows are decoded by up to ty_store_threads threads (0: the
 * cores), each with at least ty_store_nnz_per_thread non-zeros (tests). */
extern uint64_t ty_store_nnz_per_thread;
extern int ty_store_threads;

/* --- a sharded index (shards.c, shards_read.c, shards_write.c; layout in
 *     format.h) --- */

/* At most this many shards. */
#define TY_MAX_SHARDS 4096
/* 1 when path holds a sharded index's manifest, 0 when not (or unreadable). */
int ty_shards_sniff(const char *path);
/* What a writer of updates (add, delete, rebuild, check --repair) calls
 * first: TENYO_ERR_ARG with the message when path is a sharded index
 * (updates to one are not written: rebuild it as one file or re-run the
 * sharded build), else 0. */
int ty_shards_refuse(const char *path, char *err, size_t errlen);
/* Write m as a sharded index at path: nshards (1..TY_MAX_SHARDS) shards of
 * contiguous documents, shard i starting at document first[i] (first
 * non-decreasing from 0; NULL: an even split), the shared part, then the
 * manifest atomically; then the shard files of earlier generations are
 * removed. Fills m->file_bytes (all files). Take the writer lock first. */
int ty_store_write_shards(ty_model *m, const char *path, uint32_t nshards,
                          const uint64_t *first, char *err, size_t errlen);
/* The same in steps, for a writer whose shards are written elsewhere
 * (tenyo-mpi index --shards: each process writes its own). The caller
 * holds the writer lock, and every writer sees the manifest's directory.
 * ty_store_write_shards is these steps with every shard written here. */
typedef struct ty_shards_out ty_shards_out;
/* What the writer of a shard reports (ty_shards_write_piece), for the
 * manifest: the manifest pins each file by these. */
typedef struct ty_shard_report {
    uint32_t shard;           /* its number */
    uint64_t bytes;           /* the file's size */
    uint64_t hsum;            /* the header checksum stored in it */
    char name[256];           /* its file name, in the manifest's directory */
} ty_shard_report;
/* Begin writing m as a sharded index at path (nshards, first: as
 * ty_store_write_shards): every section encoded raw, the cuts found, the
 * shared part written. *o (free with ty_shards_out_free) keeps m, which
 * must live until commit. 0, or the status with err set (nothing named by
 * a manifest was written). */
int ty_shards_begin(ty_model *m, const char *path, uint32_t nshards, const uint64_t *first,
                    ty_shards_out **o, char *err, size_t errlen);
/* The same for a model whose TF-IDF rows and document vectors are not
 * here (tenyo-mpi: they stay on the processes that hold them): m's rows
 * and vectors are neither read nor checked, the build section counts nnz
 * non-zeros (every process's), the shards are cut evenly
 * (ty_shards_first), and each shard's rows and vectors come to its writer
 * as rows pieces (ty_shards_rows_piece, to ty_shards_write_pieces).
 * With docs_elsewhere, m has no docmeta nor abstracts' text either (its
 * meta_off, meta_blob and abs_text unused): each shard's writer makes
 * its documents' from the inputs and gives them to ty_shards_write_parts
 * (has_abs: whether the index has abstracts, then every shard's). */
int ty_shards_begin_meta(ty_model *m, const char *path, uint32_t nshards, uint64_t nnz,
                         int docs_elsewhere, int has_abs, ty_shards_out **o, char *err,
                         size_t errlen);
/* The first document of shard i of nshards even shards of ndocs
 * documents (i == nshards: ndocs). */
uint64_t ty_shards_first(uint64_t ndocs, uint32_t nshards, uint32_t i);
/* The rows' and vectors' sections of consecutive documents (a->nrows
 * rows with counts tf, vectors docvec of dim floats, their float16 copy
 * doc_h or NULL: none), encoded raw by the store's one section code, as
 * one message for ty_shards_write_pieces: *p malloc'd (the caller frees
 * it), *len bytes. 0, or the status with err set. */
int ty_shards_rows_piece(const ty_csr *a, const uint32_t *tf, const float *docvec,
                         const uint16_t *doc_h, uint32_t dim, void **p, size_t *len,
                         char *err, size_t errlen);
/* The shared part's file name (valid while o lives) and its bytes. */
const char *ty_shards_shared(const ty_shards_out *o, uint64_t *bytes);
/* Shard i's raw per-document pieces, its "shard" section and its
 * abstracts' text, as one message for ty_shards_write_piece: *p malloc'd
 * (the caller frees it), *len bytes. 0, or the status with err set. */
int ty_shards_piece(const ty_shards_out *o, uint32_t i, void **p, size_t *len, char *err,
                    size_t errlen);
/* Write the shard file of piece p[0..len) (its path is in it), on any
 * process: its abstracts packed, every section compressed (the store's
 * one writer), fsync'd and renamed into place; *rep filled. 0, or the
 * status with err set (the file not in place). */
int ty_shards_write_piece(const void *p, size_t len, ty_shard_report *rep, char *err,
                          size_t errlen);
/* The same for a piece of ty_shards_begin_meta's, with the rows pieces
 * rows[0..nrows) (lengths rowlen) of the shard's documents, in document
 * order, that together hold all of them (none with nrows 0: the piece has
 * every section). */
int ty_shards_write_pieces(const void *p, size_t len, const void *const *rows,
                           const size_t *rowlen, int nrows, ty_shard_report *rep, char *err,
                           size_t errlen);
/* The same, and for a piece of ty_shards_begin_meta's with docs_elsewhere
 * the shard's docmeta section's raw bytes docmeta[0..dmlen) (TY_META_NSTR
 * NUL-terminated strings a document, in document order: the cut of the
 * whole file's) and, when the index has abstracts, their text
 * abs[0..abslen) (one NUL-terminated string a document; else abs NULL),
 * both made by the caller; NULL for a piece that holds them. */
int ty_shards_write_parts(const void *p, size_t len, const void *const *rows,
                          const size_t *rowlen, int nrows, const char *docmeta, size_t dmlen,
                          const char *abs, size_t abslen, ty_shard_report *rep, char *err,
                          size_t errlen);
/* Record the report of a shard written: the file is checked as this
 * process sees it (size, header checksum). 0, or the status with err set. */
int ty_shards_done(ty_shards_out *o, const ty_shard_report *rep, char *err, size_t errlen);
/* Every shard reported: replace the manifest atomically, set the model's
 * file_bytes, collect the files no manifest names. 0 (or
 * TENYO_ERR_UNSYNCED: in place, the directory not synced), or the status
 * with err set (the previous manifest in place). */
int ty_shards_commit(ty_shards_out *o, char *err, size_t errlen);
void ty_shards_out_free(ty_shards_out *o);
/* The documents of the shards of the sharded index at path: *n shards,
 * shard i holding documents [(*first)[i], (*first)[i+1]) ((*first)
 * malloc'd, n + 1 entries). 0, or a status with err set. */
int ty_shards_layout(const char *path, uint32_t *n, uint64_t **first, char *err,
                     size_t errlen);
/* Remove the shard files beside path that the manifest at path does not
 * name (all of them when path is a single index file or missing; none when
 * a manifest there is unreadable); the number removed. Under the lock. */
int ty_shards_collect(const char *path);

/* --- updates: manifest, deletion file, lock (store/manifest.c) --- */

/* One segment named by a manifest. */
typedef struct ty_manifest_seg {
    char file[64];            /* "seg-NNNNNN.tys" in the update directory */
    uint64_t docs;            /* documents in it */
    uint64_t bytes;           /* its file size */
} ty_manifest_seg;

/* The MANIFEST of "<index>.upd/". */
typedef struct ty_manifest {
    uint64_t generation;      /* increases by one per committed update */
    uint64_t fit;             /* fit id of the base file it applies to */
    uint64_t base_docs;       /* documents of that base */
    size_t nseg;              /* segments, oldest first */
    ty_manifest_seg *seg;     /* nseg entries (malloc'd) */
    char del[64];             /* deletion file, "" when none */
    uint64_t ndel;            /* positions in it */
} ty_manifest;

/* "<path>.upd" (malloc'd), and dir/name (malloc'd). */
char *ty_upd_dir(const char *path);
char *ty_upd_path(const char *dir, const char *name);
/* Read dir/MANIFEST: TENYO_ERR_NOTFOUND when there is none (no message),
 * TENYO_ERR_CORRUPT / _VERSION / _IO with "path: why". */
int ty_manifest_read(const char *dir, ty_manifest *mf, char *err, size_t errlen);
/* Replace dir/MANIFEST atomically (temporary file, fsync, rename, fsync dir). */
int ty_manifest_write(const char *dir, const ty_manifest *mf, char *err, size_t errlen);
void ty_manifest_free(ty_manifest *mf);
/* A deletion file as read (store/manifest.c has the layout). Version 2
 * also records the state its positions count (generation, base, segments
 * in order) and each deleted document's id, so that it places its
 * deletions without the MANIFEST; version 1 holds positions only. */
typedef struct ty_dels {
    uint32_t version;         /* 1 or 2 */
    uint64_t generation;      /* v2: the commit that wrote it */
    uint64_t fit;             /* v2: fit id of the base it applies to */
    uint64_t base_docs;       /* v2: documents of that base */
    size_t nseg;              /* v2: segments the positions count, oldest first */
    ty_manifest_seg *seg;     /* nseg entries (malloc'd; file, docs, bytes) */
    uint64_t n;               /* deletions */
    uint64_t *pos;            /* n sorted unique global positions (malloc'd) */
    const char **ids;         /* v2: n ids, in pos's order ("" = not known:
                               * carried over from a version-1 file); NULL for v1 */
    char *idblob;             /* the ids' bytes (malloc'd) */
} ty_dels;
void ty_dels_free(ty_dels *d);
/* Read dir/name whole (magic, version, checksum, bounds, order):
 * TENYO_ERR_NOTFOUND when there is none, _CORRUPT / _VERSION / _IO with
 * "path: why". */
int ty_dels_load(const char *dir, const char *name, ty_dels *d, char *err, size_t errlen);
/* Deletion file dir/name: sorted unique global positions, each < total. */
int ty_dels_read(const char *dir, const char *name, uint64_t total, uint64_t **pos,
                 uint64_t *n, char *err, size_t errlen);
/* Write dir/name (version 2, atomically): the state st (generation, fit,
 * base_docs, segments; its del members are ignored) and n sorted unique
 * positions with their ids (NULL or "" entries: not known). */
int ty_dels_write(const char *dir, const char *name, const ty_manifest *st,
                  const uint64_t *pos, const char *const *ids, uint64_t n, char *err,
                  size_t errlen);
/* The highest generation named by a segment or deletion file of dir (0:
 * none), its name in file. A manifest older by two or more generations
 * than that is an older copy put back (api/segment.c refuses it). */
uint64_t ty_upd_newest(const char *dir, char *file, size_t filelen);
/* Create dir if needed and take its update lock (flock, non-blocking):
 * TENYO_ERR_BUSY naming the lock when another writer holds it. */
int ty_upd_lock(const char *dir, int *fd, char *err, size_t errlen);
void ty_upd_unlock(int fd);
/* The real path of an index (malloc'd): every symbolic link resolved
 * (realpath), or for a file not there yet its directory's real path and its
 * name. A link to a missing file is refused (TENYO_ERR_IO). */
int ty_real_path(const char *path, char **out, char *err, size_t errlen);
/* The one writer lock of an index: every writer (tenyo index over an
 * existing path, add, delete, rebuild, check --repair) takes it on the real
 * path, so a second writer is refused at once (TENYO_ERR_BUSY), whatever
 * link or name it came through. */
typedef struct ty_wlock {
    char *path;               /* the index's real path (malloc'd) */
    char *dir;                /* path + ".upd": the lock's directory */
    int fd;                   /* dir/LOCK, flock'd; -1 when not held */
} ty_wlock;
int ty_wlock_take(const char *path, ty_wlock *w, char *err, size_t errlen);
void ty_wlock_release(ty_wlock *w); /* w zeroed or released: no-op */
/* Under the lock: remove what killed writers left, the base's
 * "<path>.tmp.XXXXXX" files and the update directory's temporary files,
 * and the segment / deletion files a readable manifest does not name (as
 * Lucene's deleter does at IndexWriter open). The number removed. */
int ty_wlock_collect(const ty_wlock *w);
/* Remove the "<path>.tmp.XXXXXX" files beside real path path that killed
 * writers left (ty_file_tmp's names): under the lock that writers of path
 * take. The number removed. */
int ty_file_tmp_collect(const char *path);
/* The one writer of the file at real path real (path as the user named it,
 * for messages; what: "worksheet", "senses file"): an exclusive flock on
 * "<real>.lock", made beside it (never through a symbolic link) and left
 * there, waited for up to wait_ms (UINT_MAX: without end), its descriptor
 * into *fd (closing it drops the lock). 0, TENYO_ERR_IO (the lock cannot be
 * opened), TENYO_ERR_BUSY (held past wait_ms) or TENYO_ERR_NOMEM, said in
 * err. */
int ty_file_lock(const char *path, const char *real, unsigned wait_ms, const char *what,
                 int *fd, char *err, size_t errlen);
/* Create "<path>.tmp.XXXXXX" (O_EXCL), mode: path's when it is a regular
 * file, else 0666 less the umask. *tmp malloc'd. */
int ty_file_tmp(const char *path, int *fd, char **tmp, char *err, size_t errlen);
/* Delete segment, deletion and temporary files of dir that keep (may be
 * NULL: all of them) does not name; the number removed. Under the lock. */
int ty_upd_gc(const char *dir, const ty_manifest *keep);
int ty_sync_dir(const char *dir, char *err, size_t errlen);

/* --- the licensable list "<index>.upd/OPEN" (store/manifest.c) --- */

/* Which patents are offered for licence, as data beside the index: the
 * stored ids of the patents a list file resolved to (api/openlist.c), so
 * that it holds whatever the documents' numbering (add, rebuild). */
typedef struct ty_openlist {
    char **ids;               /* stored ids (malloc'd each), n of them */
    size_t n;                 /* listed ids */
    char *source;             /* the list file it was loaded from (malloc'd) */
    int64_t loaded;           /* unix time of loading */
    uint64_t lines;           /* number lines the file had then */
    uint64_t unresolved;      /* of them, not resolved to a patent then */
} ty_openlist;
/* Read dir/OPEN: TENYO_ERR_NOTFOUND when there is none (no message),
 * TENYO_ERR_CORRUPT / _VERSION / _IO with "path: why". */
int ty_openlist_read(const char *dir, ty_openlist *ol, char *err, size_t errlen);
/* Replace dir/OPEN atomically (temporary file, fsync, rename, fsync dir);
 * TENYO_ERR_UNSYNCED when only the directory sync failed. */
int ty_openlist_write(const char *dir, const ty_openlist *ol, char *err, size_t errlen);
/* Remove dir/OPEN (and sync dir); 1 when there was one, 0 when not, or a
 * negative status. */
int ty_openlist_remove(const char *dir, char *err, size_t errlen);
void ty_openlist_free(ty_openlist *ol);

#endif /* TENYO_STORE_H */
