/*
 * format.h — the index file's format (store/): the layout, the section
 * names, the limits and checksums, and what the store's files share. Only
 * the .c files of src/store/ include it; the rest of the library sees
 * store.h. zstd.h is included here: the store is the one adapter of zstd
 * (STYLE.md 1), and no file outside store/ includes it.
 *
 * The store's files, one job each:
 *   format.h      this: the format, its constants and the shared helpers
 *   write.c       a model to a file, atomically (ty_store_write), or raw
 *                 into memory (ty_store_encode_raw, for the shards; its
 *                 rows apart, ty_store_encode_meta / _rows), a file
 *                 rewritten with some sections replaced and the others'
 *                 frames copied as they are (ty_store_rewrite)
 *   read.c        a file to a model (ty_store_read, ty_store_read_lazy): the
 *                 header and table checks, every section's decode, the
 *                 sparse rows' parallel and lazy decode (all of them, or
 *                 some documents' blocks: ty_model_need_rows, with rows.c),
 *                 ty_model_free;
 *                 with reader.h, read_head.c (the header, the table, one
 *                 section's frame, the build record) and read_rows.c
 *                 (the sections into the model)
 *   load.c        a path to a model: one file or a sharded index
 *   invariants.c  the invariants a model holds to be written or loaded
 *   abstracts.c   the optional section "abstracts": packed by the writer,
 *                 read a block at a time by the ty_abs handle
 *   docmeta.c     the documents' strings: layout 2 of "docmeta" packed
 *                 and read a block at a time (ty_docmeta), and the one
 *                 accessor of a document's strings for either layout
 *   lazysec.c     a section read on first use ("keywords", "termfacts",
 *                 docmeta's layout 2), and the stored frame it reads in part
 *   manifest.c    updates beside an index (MANIFEST, deletions, the lock)
 *                 and the base's "updated" byte (ty_store_mark_updated)
 *   paths.c       file names, temporary files, the atomic replace
 *   shards.c      a sharded index: a manifest naming a shared file and
 *                 shard files of contiguous documents (layout below), and
 *                 what its reader and writer share (shards.h); reading it
 *                 in shards_read.c, writing it in shards_write.c
 *
 * Design. The file is a small fixed header with a section table, followed
 * by sections that are each exactly one zstd frame (content size and
 * checksum on; basis.q8 and docvec.q8 in a skippable one, "Sections stored
 * raw" below). One frame per section means the loader knows every
 * section's decompressed size before it allocates, can bound it, and can
 * decompress straight into the model's final array (no staging copy for the
 * big float matrices); zstd's frame checksum (XXH64) covers the content,
 * FNV-1a covers the header. Rejected: one frame for the whole file (no
 * per-array sizes up front, one giant staging buffer); a raw layout of
 * every section, mapped (2-3x larger files: only the int8 vectors, which
 * zstd shrinks least and a query reads most, are stored so); a general
 * container (HDF5, protobuf) — a heavy dependency for fourteen arrays. The
 * loader reads the other sections with pread into one reused buffer; the
 * extra copy is of the compressed bytes only.
 *
 * Sections stored raw. basis.q8 and docvec.q8 of a single file are each a
 * zstd skippable frame (RFC 8878 3.1.2; zstd(1) and ZSTD_decompressStream
 * skip it):
 *
 *   +0      4    magic STORE_RAW_MAGIC (0x184D2A5E), little-endian
 *   +4      4    u32 size: raw_size + 8
 *   +8      raw  the section's raw content as in the table below (the
 *                int8 codes, then the f32 scales)
 *   +8+raw  8    FNV-1a 64 (ty_fnv1a_std) of the content
 *
 * so stored_size = raw_size + 16 and the codes lie contiguous in the file.
 * An index opened for queries (a lazy read) maps them read-only (mmap of
 * the pages holding them, PROT_READ, MAP_SHARED; docvec.q8's populated at
 * once, basis.q8's paged in by the rows a fold-in reads) and reads only
 * the 8-byte head, checked against the table, and the scales (copied, each
 * checked finite and >= 0): opening a 60,620-document index no longer
 * faults 35 MB of fresh memory and decodes it (about a third of a `tenyo
 * similar`'s CPU). The content's checksum is not read by such an open;
 * every whole read (ty_store_read: tenyo check, a segment of updates; a
 * sharded index's parts) reads the content with pread and compares it,
 * and the rewrite compares it while copying. Any int8 is a
 * valid code, so damage there gives wrong scores, never a crash, until
 * check names the section. What it costs: at 60,620 documents and rank
 * 256, 35.3 MB against 20.2 MB compressed (docvec.q8 15.8 MB raw, 1.31x
 * smaller in zstd; basis.q8 19.6 MB, 2.42x), +28% of the file; at 1M
 * (330,788 terms) 346 MB against 264 MB, +7.6%. A file is never
 * truncated in place (every write is a new file renamed over the old,
 * and the "updated" byte is written inside the header), so a mapping
 * cannot outlive its bytes unless something outside tenyo truncates an
 * index being read (then SIGBUS, as for any mapped file). A section over
 * a skippable frame's 4 GiB, the pieces of a sharded index (each file's
 * frames made from raw sections in memory), and a writer run with
 * TENYO_Q8_FORMAT=1 (tests of old indexes) keep the zstd frame; older
 * files read as before (pread and decode). A reader from before this
 * layout refuses such a file as a damaged basis.q8, as it would docmeta's
 * layout 2; the format version is unchanged (3).
 *
 * The rows in frames. The sparse rows' two LEB128 streams (tfidf.cols,
 * tfidf.tf) of a single file are each a run of independent checksummed
 * zstd frames, one per STORE_ROWS_FRAME documents in order (the last
 * holding the rest; a run of documents without terms gives a frame of no
 * bytes), then zstd's seek table (the seekable format of zstd's contrib,
 * v0.1: a skippable frame of magic 0x184D2A5E holding, per frame, u32
 * stored and u32 raw bytes, then u32 frames, a descriptor byte 0 and the
 * u32 magic STORE_SEEK_MAGIC): so the section's raw content is the same
 * stream as before, zstd(1) and ZSTD_decompressStream read it whole (the
 * frames in turn, the table skipped), and a query that reads a few hundred
 * documents' rows (ideas, match, similar by id) reads and decompresses
 * their frames alone (store/rows.c) instead of both streams whole (at 1M
 * documents 362 MB raw; an `ideas` process 1,847 -> 1,539 ms). A whole
 * read (ty_rd_section) checks every frame as it checks a section's one
 * (magic, checksum flag, content size equal to the table's, exactly its
 * stored bytes, zstd's checksum) and the table against the section's
 * sizes. What it costs: 64 documents of a frame compress a little worse
 * than the stream whole, plus 8 bytes a frame of table: at 1M documents
 * (15,625 frames a stream) 190.5 -> 193.9 MB (+0.24% of the file); sizes
 * in docs/index-format.md. The pieces of a sharded index and a writer
 * run with TENYO_ROWS_FRAMES=0 keep one frame a stream; older files read
 * as before. A reader from before this layout refuses such a file as a
 * damaged tfidf.cols; the format version is unchanged (3).
 *
 * Layout, version 1 (all integers little-endian, H = 40 + 48 * nsections):
 *
 *   offset      size  field
 *   0           8     magic "TENYOIDX"
 *   8           4     format_version (3; 1 and 2 are still read)
 *   12          4     flags (must be 0)
 *   16          4     nsections (1..TENYO_MAX_SECTIONS)
 *   20          1     updated: 1 once an update (tenyo add / delete) was
 *                     committed for this base, else 0 (format 3; 0 before)
 *   21          3     reserved (0)
 *   24          8     file_size: total bytes of the file
 *   32          48*n  section table, one entry per section:
 *                       +0   16  name, NUL-padded, [a-z0-9._], unique
 *                       +16   8  offset of the zstd frame in the file
 *                       +24   8  stored_size: bytes of the frame
 *                       +32   8  raw_size: decompressed bytes (= frame
 *                                content size)
 *                       +40   8  reserved (0)
 *   32+48*n     8     FNV-1a 64 of bytes [0, 32+48*n), byte 20 taken as 0
 *                     (format 3: the published offset basis
 *                     14695981039346656037; formats 1-2: 1469598103934665603,
 *                     a digit short, which outside tools cannot verify)
 *   H           ...   sections, in table order, contiguous, no overlap
 *
 * Sections (raw content; N = ndocs, T = nterms, K = dim, Z = nnz,
 * F = nfields, S = TY_META_NSTR):
 *
 *   name        raw bytes       content
 *   build       <= 1 MiB        text, "key=value\n" lines: tokenizer, writer,
 *                               mecab_dicdir (\\, \n, \r escaped), keep_parts,
 *                               stem, seed, min_df, max_df_ratio (%.17g, C
 *                               locale), oversample, power_iters, created,
 *                               dim, ndocs, nterms, nnz, nfields, and
 *                               max_terms when not 0 (optional). Unknown
 *                               keys are ignored (additive growth).
 *   vocab       >= T            T NUL-terminated terms (offsets recomputed)
 *   df          4T              u32 document frequency per term
 *   idf         4T              f32 per term
 *   sigma       4K              f32 singular values
 *   basis.q8    TK + 4T         int8 T x K row-major (x ~= scale * q), then
 *                               f32 scale per row (max|row| / 127); read
 *                               as codes and scales (basis_q: a fold-in
 *                               dequantises the rows it needs), written
 *                               back as they are
 *   docvec.q8   NK + 4N         the same for the N x K document vectors
 *                               (read as codes and scales, no floats: the
 *                               index takes the codes as its vectors,
 *                               quant.c's "rows as floats")
 *   tfidf.rows  4N              u32 non-zeros per row (rowptr = prefix sum)
 *   tfidf.cols  Z..5Z           per row: first column, then gaps to the
 *                               previous column, each as LEB128 (1-5 bytes)
 *   tfidf.tf    Z..5Z           term count per non-zero, LEB128 (format 2;
 *                               weights derived on load by ty_tfidf_row,
 *                               bit-identical to the builder's)
 *   tfidf.vals  4Z              f32 per non-zero (format 1, or a model
 *                               without counts)
 *   docmeta     >= S*N          layout 1: S*N NUL-terminated strings, S per
 *                               document in TY_META_* order (offsets
 *                               recomputed); layout 2 (docmeta.c, magic
 *                               "\0TYDM2\0\0"): a table, frames of 256
 *                               ids, frames of 128 documents' other strings
 *   docflags    2N              u8 open[N], then u8 lang[N] (0 ja, 1 en)
 *   docfields   4N + 2*sum      u32 count[N], then u16 field ids
 *   fields      16F             per field: char code[8] NUL-padded, u64
 *                               documents
 *
 * Column encoding, measured on a synthetic Zipf corpus (9,000 docs, 30,000
 * terms, 1.05M non-zeros, zstd level 3): raw u32 columns 4.19 MB -> 1.79 MB,
 * in-place u32 gaps 1.46 MB, LEB128 gaps 1.03 MB. LEB128 wins by 0.76 MB for
 * a 1.3 MB staging buffer and a decode loop that doubles as the
 * sorted/in-range check the loader must do anyway. Float byte-shuffling
 * (blosc style) would save ~7% on basis but needs a staging copy of the
 * largest array and a second pass on load: rejected. Level 3 throughout:
 * level 19 buys < 5% on these sections at ~30x the write time.
 *
 * Optional sections (a reader skips what it does not know): vocab.map
 * (the vocabulary laid out to be looked up in place: slots, starts and the
 * terms again, stored raw and mapped by a query's open; vocabmap.c has
 * its layout; a single file's, checked against "vocab" by a whole read),
 * ids.map (the documents' ids' lookup table: slots naming documents,
 * compared with the ids in docmeta's frames; idmap.c has its layout;
 * with docmeta's layout 2), docapp (4N:
 * u32 per document, 0 no first applicant, else 1 + the rank of its first
 * applicant among the file's distinct ones; store/docapp.c; located at
 * open, read whole by ideas and match or by check; not in a segment nor a
 * sharded index), surface (T
 * NUL-terminated words shown for stemmed terms), phrase.text (application
 * phrases "target\x1fexpression", NUL-terminated) with phrase.docs (u32
 * count[N], then u32 phrase ids), labels (IPC titles, labels.c's blob),
 * ivf (approximate-search lists, search/ivf.c's checksummed blob),
 * fieldmodel (the per-field linear classifiers ideas uses, model/linear.c's
 * checked blob), common (at most 4,096 NUL-terminated terms the build
 * dropped for being in more than max_df_ratio of the documents: a query of
 * only such words is told they are too common, not that they are absent),
 * docvec.f16 (2NK bytes: the N x K document vectors as IEEE binary16, u16
 * little-endian each, row-major, rounded to nearest even from the build's
 * float vectors; written by `tenyo index --f16`, read when present, every
 * value finite; the approximate search re-ranks its candidates from it:
 * search/half.c. It is per-document: added documents get theirs at the
 * merge, deleted ones lose theirs, shards cut it like docvec.q8's codes),
 * numbers (the records' other numbers, api/patno.c), termfacts (every
 * term's facts for the judge, api/termfacts.c's layout, checked there on
 * first use and by check; located at open and read on first use like
 * keywords; not in a sharded index), tfidf.post (the rows' postings by
 * term with every row's inverse norm, search/tpost.c's layout: frames of
 * its own, so the section's frame is stored blocks, read in part by
 * TF-IDF and hybrid queries and whole by check; written by every build of
 * one file and by rebuild --no-ivf / --ivf; not in a sharded index nor a
 * segment), keywords (the keyword
 * index: every record's folded text, whole abstracts, with character
 * bigram postings; its inner layouts in search/kwindex.c and kwframes.c,
 * checked there on the first keyword query and by check; each segment
 * has its own; a sharded index keeps it whole in the shared part). Its layout 2 is made
 * of checksummed zstd frames of its own, so the section's frame is one of
 * stored blocks (ty_store_frame_stored: STORED_HEAD below; content size
 * and checksum as every section's), which lazysec.c reads a range of in
 * place; its own magic ("TKW1", "TKW2") says which layout it holds, so the
 * change needed no new file version: a reader that knows only layout 1
 * refuses a keyword query on it naming the section, and reads the rest.
 * "docmeta" has a layout 2 made the same way (docmeta.c: frames of ids and
 * frames of 128 documents, read a block at a time), told from layout 1 by
 * its magic; a reader that knows only layout 1 refuses the file as a
 * damaged docmeta. A sharded index's shards keep layout 1 (cut by
 * documents).
 *
 * Section "abstracts" (optional, abstracts.c): every document's abstract,
 * for reading (evidence, the "why" of a proposal), never scored. A section
 * is one zstd frame; decompressing all abstracts to show ten would cost
 * the whole raw text in memory (about 1.2 KB per Japanese document: 1.2 GB
 * at 1M), so the section holds blocks of ABS_BLOCK documents, each its own
 * checksummed frame, and a table; the store writes the section as a frame
 * of stored blocks (ty_store_frame_stored), so the first use reads the
 * header and table and every lookup reads and decompresses its block in
 * place (a section written before as one compressed frame is read whole
 * by its first use). Raw layout (little-endian):
 *
 *   0    4   documents per block B (1..ABS_MAX_BLOCK)
 *   4    4   reserved (0)
 *   8    8   documents N (the model's)
 *   16   16  per block (ceil(N / B) of them): u64 offset of its frame from
 *            the end of the table, u32 frame bytes, u32 raw bytes
 *   ...      the frames; block i holds documents iB .. min(N, (i+1)B) - 1
 *            as NUL-terminated strings ("" for none)
 *
 * Checked on first use: N, B, the table (frames inside the payload, in
 * order, raw sizes bounded), and per lookup the frame's checksum and its
 * string count; the section's frame checksum by tenyo check and info. Rejected: one string blob in the eager "docmeta" (paid by
 * every open, and a format change); a file beside the index (it would not
 * travel with it).
 *
 * A sharded index (shards.c, shards_read.c, shards_write.c: what a cluster
 * writes, each shard file by the process that owns it, the manifest
 * last). The path the user names holds a small text manifest, replaced
 * atomically by rename like any index file, naming files beside it:
 *
 *   tenyo-sharded 1
 *   generation G
 *   documents N
 *   shared NAME BYTES HSUM               the shared part
 *   shard NAME FIRST DOCS BYTES HSUM     one line per shard, in order
 *   end SUM                              FNV-1a 64 of the bytes before
 *
 * NAME is "<index's name>.G.shared" or "<index's name>.G.sNNN" in the
 * manifest's directory (no '/'), BYTES its size, HSUM (16 hex digits) the
 * header checksum stored in it: a file of another generation, another
 * index or a damaged header is refused naming the file. Every file is an
 * ordinary index file of this format (header, table, one checksummed zstd
 * frame per section): the shared one holds build (the whole index's
 * counts), vocab, df, idf, sigma, basis.q8, fields and the optional
 * shared sections (surface, phrase.text, labels, ivf, fieldmodel, common);
 * shard i holds section "shard" ("first=F\ndocs=D\nshard=i\nshards=S\n
 * shared=HSUM\n") and, for its documents F..F+D-1, each per-document
 * section cut so that concatenating the shards' pieces gives the single
 * file's content: docvec.q8 (codes, then scales: each part concatenated),
 * tfidf.rows, tfidf.cols, tfidf.tf (or tfidf.vals), docmeta, docflags (open
 * then lang), docfields and phrase.docs (counts, then ids), and its own
 * "abstracts" section packed for its documents. A shard of no documents
 * has every per-document section empty. Reading assembles the sections
 * and decodes them with read.c's one decoder (ty_store_read_mem), so a
 * sharded index loads into the same ty_model, byte for byte, as the file
 * it was cut from; the abstracts compose by position (ty_abs_compose).
 *
 * Format history:
 *   1  (tenyo 0.1.0) basis and docvec as f32 sections "basis", "docvec".
 *   2  basis.q8 / docvec.q8: int8 with a float scale per row, a quarter of
 *      the bytes, and tfidf.tf term counts instead of f32 weights (jp corpus
 *      20.66 MB -> 6.02 MB -> 5.39 MB); Protocol S P@10 and
 *      Protocol X recall/serendipity identical on both EVAL corpora to three
 *      decimals. The quantisation error (half a step, max|row|/254) is below
 *      what float32 SVD noise already is between machines. Version-1 files
 *      are still read (tests/data fixture).
 *   3  the header checksum is FNV-1a 64 as published (the offset basis of
 *      formats 1-2 dropped a digit); byte 20 is the "updated" flag, outside
 *      the checksum. Otherwise as 2; formats 1-2 are read as before (their
 *      byte 20 must be 0).
 * A reader refuses versions newer than it knows (TENYO_ERR_VERSION); an
 * older version would be read by filling defaults for what it lacks.
 * Sections a reader does not know are bounds-checked and skipped, so adding
 * one does not need a new version; changing one does. Added so, in format
 * 3: docvec.f16 (an older reader skips it and its IVF re-ranks from the
 * int8 codes, as before); keywords (an older reader skips it and scans
 * the text, as before). Changed so, in format 3 (new frames of a known
 * section, which an older reader refuses naming it): docmeta's layout 2;
 * basis.q8 and docvec.q8 stored raw.
 */
#ifndef TENYO_STORE_FORMAT_H
#define TENYO_STORE_FORMAT_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#define STORE_MAGIC "TENYOIDX"
#define STORE_VERSION TY_STORE_FORMAT
#define STORE_FIXED 32u            /* bytes before the section table */
#define STORE_ENTRY 48u            /* bytes per section table entry */
#define STORE_LEVEL 3              /* zstd level for every section */
#define STORE_BUILD_MAX (1u << 20) /* cap on the build section */
/* The most a zstd frame can expand: a block needs at least 4 bytes (3 of
 * header, 1 of RLE byte) and yields at most 128 KiB. */
#define STORE_MAX_RATIO ((uint64_t)(1u << ZSTD_BLOCKSIZELOG_MAX) / 4u)
#define STORE_NSEC 14              /* sections every version-1 file has */

/* The "updated" byte. The base file is immutable except for this one byte,
 * written in place once by the first update committed for it, just after
 * its MANIFEST's rename (ty_store_mark_updated), so that a base copied or moved without its
 * "<path>.upd/" says that updates exist (tenyo info warns). One byte, outside
 * the checksum: a single-byte write cannot be torn, and a reader that meets
 * it half-way sees 0 or 1 under the same checksum. Rejected: a marker file
 * beside the base (it does not travel with a copy of the base either) and
 * rewriting the header with a recomputed checksum (a torn write there would
 * make the whole base unreadable). */
#define STORE_UPDATED_AT 20

/* A frame of stored blocks (ty_store_frame_stored): magic, a descriptor
 * (8-byte content size, single segment, checksum), the content size, then
 * blocks of ZSTD_BLOCKSIZE_MAX raw bytes each behind a 3-byte header (the
 * last one shorter), then the checksum. */
#define STORED_HEAD 13u
#define STORED_FHD 0xE4u

/* A section stored raw (format.h, "Sections stored raw"): a zstd
 * skippable frame of this magic, its u32 size (the content's bytes and the
 * checksum's), the content, then FNV-1a 64 (ty_fnv1a_std) of the content. */
#define STORE_RAW_MAGIC 0x184D2A5Eu
#define STORE_RAW_HEAD 8u
#define STORE_RAW_SUM 8u

/* The rows in frames (above): documents per frame, and the seek table's
 * skippable frame (STORE_RAW_MAGIC's value), entry and footer. */
#define STORE_ROWS_FRAME 64u
#define STORE_SEEK_MAGIC 0x8F92EAB1u
#define STORE_SEEK_ENTRY 8u
#define STORE_SEEK_FOOT 9u

/* The section "abstracts" (layout above). */
#define ABS_BLOCK 32u
#define ABS_MAX_BLOCK 4096u
#define ABS_HEAD 16u
#define ABS_MAX_RAW (8u << 20) /* raw bytes of one block */

/* ================================================== little-endian bytes */

static inline void put_le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void put_le64(unsigned char *p, uint64_t v) {
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const unsigned char *p) {
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* What the first STORE_RAW_HEAD bytes h of a section's frame say, the
 * table giving it stored bytes holding raw: 1 a section stored raw of
 * exactly those sizes, -1 one of other sizes (damaged), 0 not one (a zstd
 * frame, or damage the zstd checks name). */
static inline int store_raw_frame(const unsigned char *h, uint64_t stored, uint64_t raw) {
    if (get_le32(h) != STORE_RAW_MAGIC) return 0;
    return raw <= UINT32_MAX - STORE_RAW_SUM && get_le32(h + 4) == raw + STORE_RAW_SUM &&
                   stored == STORE_RAW_HEAD + raw + STORE_RAW_SUM
               ? 1
               : -1;
}

/* ====================================== shared between the store's files */

/* Check every invariant of a model that the file format relies on and the
 * rest of the library assumes (invariants.c). The writer runs it before
 * writing (loaded 0), the loader after decoding (loaded 1: what decoding
 * checked or derived is not checked again). 0 ok, -1 with a reason naming
 * the section in why. */
int ty_model_check(const ty_model *m, int loaded, char *why, size_t whylen);
/* ty_model_check's loaded for a model written without its rows and
 * vectors (ty_store_encode_meta): those are not checked, nor required. */
#define TY_CHECK_NO_ROWS 2
/* The same, and without the documents' metadata strings (docmeta: made
 * by the shards' writers, tenyo-mpi): m->meta_off and m->meta_blob are
 * neither required nor checked. */
#define TY_CHECK_NO_DOCS 3
/* As loaded 1, for a model whose term tables and rows' lengths are left
 * for ty_model_need_terms (m->terms_deferred) or whose field lists are
 * left for ty_model_need_docfields (m->fields_deferred): those are neither
 * required nor checked here, but by ty_model_check_terms and
 * ty_model_check_docfields when read. */
#define TY_CHECK_TERMS_LATER 4
/* The checks ty_model_check (loaded 1) makes of the term tables and the
 * rows' lengths, for those read by ty_model_need_terms. 0, or -1 with the
 * reason naming the section. */
int ty_model_check_terms(const ty_model *m, char *why, size_t whylen);
/* ... and of the documents' field lists, for ty_model_need_docfields. */
int ty_model_check_docfields(const ty_model *m, char *why, size_t whylen);
/* Check that blob[0..len) holds exactly n NUL-terminated strings
 * (invariants.c). With fill, store each string's start in off[]; otherwise
 * compare with off[] (the writer's model must agree with what the loader
 * will recompute). 0 ok, -1 with a reason in why. */
/* Raw content p[0..raw) of the section "vocab.map" (vocabmap.c) checked
 * against m's term tables: 0, or -1 with the reason in why. */
/* The open-addressed u32 slots of the lookup tables (slots.c): the
 * slots for n keys; whether s slots fit n keys (a power of two, 16 to
 * 2^33, under three quarters full); key i (len bytes) placed; and the
 * slots checked against every key (key(ud, i), NUL-terminated): each
 * slot empty or naming a key once, n of them used (*used), every key
 * found from its hash before an empty slot. 0, -1, or TENYO_ERR_NOMEM. */
uint64_t ty_slots_for(uint64_t n);
int ty_slots_fit(uint64_t s, uint64_t n);
void ty_slots_put(unsigned char *slot, uint64_t s, const char *key, size_t len, uint32_t i);
int ty_slots_verify(const unsigned char *slot, uint64_t s, uint64_t n,
                    const char *(*key)(const void *ud, uint64_t i), const void *ud,
                    uint64_t *used);
int ty_idmap_verify(const ty_model *m, const unsigned char *p, uint64_t raw, char *why,
                    size_t whylen);
int ty_vmap_verify(const ty_model *m, const unsigned char *p, uint64_t raw, char *why,
                   size_t whylen);
int ty_blob_index(const char *blob, uint64_t len, uint64_t n, uint64_t *off, int fill,
                  char *why, size_t whylen);
/* m's abstracts (m->abs_text: exactly m->ndocs strings) as the raw content
 * of the section "abstracts" into out (abstracts.c): 0, or the status with
 * the message in err. */
int ty_abs_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);
/* The section packed (ty_abs_pack) and framed as the writer stores it: a
 * frame of stored blocks (ty_store_frame_stored), *raw its content's
 * bytes. 0, or the status with err. */
int ty_abs_frame(const ty_model *m, ty_buf *frame, uint64_t *raw, char *err, size_t errlen);
/* A handle on the section "abstracts" of the file open as fd (dup'd: the
 * handle keeps the file as it was when opened) at off (stored bytes of its
 * frame, raw decompressed), for ndocs documents; path is copied, for
 * messages. Read and checked on first use (ty_abs_get). NULL when out of
 * memory or out of descriptors. */
ty_abs *ty_abs_open(int fd, const char *path, uint64_t off, uint64_t stored, uint64_t raw,
                    uint64_t ndocs);

/* The section "docmeta" (docmeta.c: its layout 2): 1 when p[0..len)
 * starts as layout 2 does. */
int ty_dm_is_layout2(const void *p, uint64_t len);
/* 1 when the 8 bytes at p are layout 2's magic. */
int ty_dm_is_magic(const void *p);
/* The layout a single file's writer gives "docmeta": 2, or 1 when the
 * environment says TENYO_DOCMETA_FORMAT=1 (tests of old indexes). */
int ty_dm_write_layout(void);
/* A handle on layout 2 read through sec (taken over, freed on failure)
 * for ndocs documents: its header and table read and checked. 0, or the
 * status naming path. */
int ty_dm_open(ty_lazysec *sec, const char *path, uint64_t ndocs, ty_docmeta **out, char *err,
               size_t errlen);

/* One section of a file as read whole (ty_store_raw_read) or given to a
 * writer (ty_store_write_raw). */
typedef struct ty_rawsec {
    char name[16];            /* NUL-padded */
    unsigned char *data;      /* raw content (malloc'd, NUL after it), or
                                 NULL: located only (abstracts) */
    uint64_t off, stored, raw; /* frame offset and bytes, raw bytes */
} ty_rawsec;
/* A file's checked header and sections (read.c). */
typedef struct ty_rawfile {
    char *path;               /* malloc'd */
    int fd;                   /* open on the file, or -1 */
    uint64_t fsize, hsum;     /* bytes, stored header checksum */
    int nsec;                 /* entries in sec */
    ty_rawsec sec[TENYO_MAX_SECTIONS];
} ty_rawfile;
/* Check path's header and table and decompress every section (with_abs 0:
 * "abstracts" only located), each frame checked; the file kept open. 0, or
 * the error naming the file (f freed). */
int ty_store_raw_read(const char *path, ty_rawfile *f, int with_abs, char *err,
                      size_t errlen);
void ty_rawfile_free(ty_rawfile *f);
/* Decode sections sec[0..nsec) as read.c decodes a file's (every check,
 * the invariants at the end), label naming them in messages; no
 * "abstracts". Each data buffer (raw + 1 bytes, malloc'd) is taken by the
 * model or freed (set to NULL) as it is read. m zeroed first and freed on
 * failure. partial: some documents are empty stand-ins (a partial read of
 * a sharded index): the rows' count is theirs, not the build section's,
 * and the fields' document counts are not compared (m->partial). */
int ty_store_read_mem(const char *label, ty_rawsec *sec, int nsec, int partial,
                      ty_model *m, char *err, size_t errlen);
/* m's sections encoded raw into f by write.c's one section code (every
 * invariant checked first, as ty_store_write does; no file, no zstd):
 * f->sec[0..f->nsec) in a whole file's order, each data malloc'd with a
 * NUL after it, f->fd -1; with_abs 0: without the section "abstracts".
 * label names m in messages. 0, or the status with the message (f freed). */
int ty_store_encode_raw(ty_model *m, const char *label, int with_abs, ty_rawfile *f,
                        char *err, size_t errlen);
/* The same without the rows' and vectors' sections (docvec.q8, tfidf.*,
 * docvec.f16: m's rows and vectors may be a part or none, they are neither
 * checked nor read), the build text counting nnz non-zeros: the shared
 * part and the other per-document sections of a sharded index whose rows
 * are encoded where they are (ty_store_encode_rows). With no_docmeta,
 * "docmeta" is left out too (m has none: the shards' writers make it,
 * ty_shards_write_parts). */
int ty_store_encode_meta(ty_model *m, const char *label, uint64_t nnz, int no_docmeta,
                         ty_rawfile *f, char *err, size_t errlen);
/* The rows' and vectors' sections of the documents a holds (a->nrows rows,
 * their counts tf, vectors docvec of dim floats, float16 ones doc_h or
 * NULL: none; docvec.f16 is written whenever doc_h and dim, even for no
 * documents) encoded raw into f by write.c's same code, in the file's
 * order: each is the cut of the whole file's section at those documents
 * (part A then part B, format.h "A sharded index"). Nothing is checked
 * beyond the arguments. 0, or the status with the message (f freed). */
int ty_store_encode_rows(const ty_csr *a, const uint32_t *tf, const float *docvec,
                         const uint16_t *doc_h, uint32_t dim, const char *label, ty_rawfile *f,
                         char *err, size_t errlen);
/* Write a file of sections sec[0..n) (raw content) atomically at path
 * (write.c); its size and header checksum in *bytes, *hsum. */
int ty_store_write_raw(const char *path, const ty_rawsec *sec, int n, uint64_t *bytes,
                       uint64_t *hsum, char *err, size_t errlen);
/* Write p[0..n) to dir/name atomically (manifest.c: temporary file, fsync,
 * rename, fsync of dir; TENYO_ERR_UNSYNCED when only the last failed). */
int ty_store_write_atomic(const char *dir, const char *name, const void *p, size_t n,
                          char *err, size_t errlen);
/* Read the sharded index whose manifest is path into m (shards_read.c), as
 * ty_store_read would the single file; every file checked. */
int ty_shards_read(const char *path, ty_model *m, char *err, size_t errlen);
/* The same with only the shards i < nkeep with keep[i] read (keep NULL:
 * all); the others' documents are there but empty (no vector, terms,
 * strings, fields: m->partial, see model.h). No shard kept reads shard
 * 0. Their files are not opened; the manifest pins them as ever. */
int ty_shards_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                        char *err, size_t errlen);

/* ZSTD_decompress's answer for one whole frame, with a decompression
 * context kept per thread (read_head.c) instead of one made and freed a
 * call: a frame of a few KB costs about three times its decoding in
 * making the context (the 3,907 frames of a 1M index's ids: 81 against
 * 27 ms). Falls back to ZSTD_decompress when no context can be made. */
size_t ty_zstd_decompress(void *dst, size_t cap, const void *src, size_t n);

#endif /* TENYO_STORE_FORMAT_H */
