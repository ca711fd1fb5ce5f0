/*
 * tenyo.h — public interface of libtenyo (転用: putting a technology to another use).
 *
 * tenyo reads patent records (JSONL, J-PlatPat CSV exports, JPO gazette XML),
 * turns their text into terms (MeCab for Japanese, ICU word break for the
 * rest), weights them with TF-IDF, reduces them with a randomized truncated SVD
 * (LSA) and stores everything in one zstd-compressed, checksummed index file.
 * Queries (an indexed patent or free text) are answered by an exact scan.
 *
 * Shape of the API (after MeCab and the Redis vector-set module):
 *   - opaque handles, each with a constructor and a *_free that accepts NULL;
 *   - an immutable index (tenyo_index) shared by threads, and a small
 *     per-thread context (tenyo_ctx) holding scratch space and the last error;
 *   - every call returns an int status (TENYO_OK or a negative TENYO_ERR_*,
 *     values pinned) or a count; details go to a per-handle message;
 *   - results are written to caller-owned arrays; returned strings are owned by
 *     the handle that returned them and live as long as that handle unless the
 *     comment says otherwise.
 * The library never prints to stdout and never calls exit().
 */
#ifndef TENYO_H
#define TENYO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TENYO_VERSION_MAJOR 0
#define TENYO_VERSION_MINOR 1
#define TENYO_VERSION_PATCH 0
#define TENYO_VERSION_STRING "0.1.0"

/* Run-time library version, e.g. "0.1.0". Static string. */
const char *tenyo_version(void);

/* ---------------------------------------------------------------- status */

/* Status codes. Values are pinned: never renumber, only append. */
enum {
    TENYO_OK = 0,
    TENYO_ERR_ARG = -1,        /* invalid argument or option value */
    TENYO_ERR_NOMEM = -2,      /* allocation failed or size overflow */
    TENYO_ERR_IO = -3,         /* file could not be opened, read or written */
    TENYO_ERR_INPUT = -4,      /* malformed input file or record */
    TENYO_ERR_CORRUPT = -5,    /* index file damaged or not an index */
    TENYO_ERR_VERSION = -6,    /* index written by a newer format version */
    TENYO_ERR_MISMATCH = -7,   /* tokenizer differs from the index's */
    TENYO_ERR_NOTFOUND = -8,   /* unknown patent id */
    TENYO_ERR_DEPENDENCY = -9, /* MeCab dictionary or ICU converter missing */
    TENYO_ERR_LIMIT = -10,     /* a size limit was exceeded */
    TENYO_ERR_EMPTY = -11,     /* nothing to index, or query without known terms */
    TENYO_ERR_UNSYNCED = -12,  /* committed and in place, but the directory could
                                  not be synced: durability unknown */
    TENYO_ERR_BUSY = -13,      /* another writer holds the index's lock */
    TENYO_ERR_STOPPED = -14    /* stopped on request (tenyo_read_opts.stop) */
};

/* Short English description of a status code. Static string. */
const char *tenyo_strerror(int status);

/* --------------------------------------------------------------- records */

/* One patent record as read from an input file. All strings are UTF-8 and
 * NUL-terminated; absent text fields are "" (never NULL). Owned by the reader
 * that produced it; valid until the next tenyo_reader_next() or _free(). */
typedef struct tenyo_doc {
    const char *id;          /* publication number, e.g. 特開2024-127407 */
    const char *title;       /* 発明の名称 */
    const char *abstract;    /* 要約 */
    const char *claims;      /* 特許請求の範囲 */
    const char *description; /* 明細書 */
    const char *applicant;   /* 出願人/権利者 */
    const char *date;        /* YYYY-MM-DD, or "" */
    const char *const *codes;/* classification codes as written (IPC, FI, CPC) */
    size_t ncodes;           /* number of entries in codes */
    int open;                /* 1 when the patent is offered for licence */
    const char *lang;        /* "ja", "en", or "" when unknown (detected later) */
    const char *source;      /* input file path */
    long line;               /* line (JSONL, CSV) or record number (XML) */
    const char *numbers;     /* the document's other numbers, one per line:
                                application (特願…, 出願番号), registration
                                (特許…, 登録番号), publication; NULL or ""
                                when none. tenyo_index_resolve finds the
                                document by them */
} tenyo_doc;

typedef enum {
    TENYO_FORMAT_AUTO = 0,   /* decide by content */
    TENYO_FORMAT_JSONL = 1,  /* one JSON object per line */
    TENYO_FORMAT_JPLATPAT = 2, /* J-PlatPat CSV export */
    TENYO_FORMAT_JPO_XML = 3 /* JPO official gazette XML */
} tenyo_format;

/* Callback for a bad or notable record: file, line/record number, message.
 * Called from the thread that calls tenyo_reader_next(). */
typedef void (*tenyo_report_fn)(void *ud, const char *file, long line,
                                const char *msg);

typedef struct tenyo_read_opts {
    tenyo_format format;     /* TENYO_FORMAT_AUTO by default */
    const char *encoding;    /* NULL: detect (UTF-8, BOM, Shift_JIS/CP932, EUC-JP) */
    int strict;              /* 1: any bad record is a fatal TENYO_ERR_INPUT */
    tenyo_report_fn report;  /* may be NULL */
    void *report_ud;         /* passed to report */
    uint64_t max_bytes;      /* 0: no limit; else a file whose content (a
                                zstd file's once decompressed) passes this
                                many bytes ends the read with
                                TENYO_ERR_LIMIT, naming the file */
    int (*stop)(void *ud);   /* may be NULL; asked before each chunk of the
                                file is read (at most 1 MiB): nonzero ends
                                the read with TENYO_ERR_STOPPED (a server
                                stopping while a long upload is read) */
    void *stop_ud;           /* passed to stop */
} tenyo_read_opts;

typedef struct tenyo_read_stats {
    uint64_t records;        /* good records returned */
    uint64_t skipped;        /* bad records reported and skipped */
    uint64_t empty;          /* good records without any text */
    uint64_t bytes_read;     /* bytes of the file read so far (the reader
                                reads ahead up to 1 MiB of what it has
                                handed out): progress of a long read */
    uint64_t bytes_total;    /* size of the file, 0 when unknown (a pipe) */
} tenyo_read_stats;

typedef struct tenyo_reader tenyo_reader;

/* Open an input file; path "-" is standard input ("<stdin>" in messages and
 * tenyo_doc.source). On failure returns a status and writes a message naming
 * the file into err (may be NULL). opts may be NULL for defaults. */
int tenyo_reader_open(const char *path, const tenyo_read_opts *opts,
                      tenyo_reader **out, char *err, size_t errlen);
/* Next good record: returns 1 and sets *doc, 0 at end of file, or a negative
 * status on a fatal error (message from tenyo_reader_error). */
int tenyo_reader_next(tenyo_reader *r, const tenyo_doc **doc);
/* Last fatal error message, "" if none. Owned by r. */
const char *tenyo_reader_error(const tenyo_reader *r);
/* Format and encoding in use ("jsonl", "jplatpat", "jpo-xml"; "UTF-8", ...). */
const char *tenyo_reader_format(const tenyo_reader *r);
const char *tenyo_reader_encoding(const tenyo_reader *r);
/* When opts->encoding was given and charset detection (the rules used when
 * it is not) picks a charset that reads the file's first 64 KiB differently,
 * the detected charset's name (static in r); NULL otherwise. A hint that the
 * given encoding is wrong: the reader still reads what was asked. */
const char *tenyo_reader_detected(const tenyo_reader *r);
void tenyo_reader_stats(const tenyo_reader *r, tenyo_read_stats *st);
void tenyo_reader_free(tenyo_reader *r);

/* Decode text bytes to UTF-8 with the readers' charset detection (UTF-8,
 * BOM, Shift_JIS/CP932, EUC-JP, ISO-2022-JP, UTF-16), or as `encoding` when
 * given. *out is malloc'd and NUL-terminated; the charset used goes to used
 * (may be NULL). TENYO_ERR_INPUT with the byte offset in err for bytes
 * invalid in that charset; TENYO_ERR_ARG for an unknown encoding name. */
int tenyo_text_to_utf8(const char *in, size_t len, const char *encoding,
                       char **out, size_t *outlen, char *used, size_t usedlen,
                       char *err, size_t errlen);

/* Display width of UTF-8 text on a terminal, in columns (text/icu.c): East
 * Asian Wide and Fullwidth characters (UAX #11, from ICU) count 2,
 * combining marks and control or format characters 0, everything else 1
 * (Ambiguous too); a byte that is not UTF-8 counts 1. */
size_t tenyo_text_width(const char *s, size_t len);
/* Bytes of the longest prefix of s[0..len) that is at most cols columns
 * wide (tenyo_text_width), never cutting a character. */
size_t tenyo_text_fit(const char *s, size_t len, size_t cols);
/* Bytes of the bidirectional control character that s starts with (ICU's
 * Bidi_Control: U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069),
 * else 0 (s NULL too). Such a character in a record (an unclosed U+202E in
 * an applicant) would reorder the rest of a printed line: the builder
 * leaves them out of every record it indexes, and the CLI's displays
 * (terminal, CSV, HTML report) out of what they show. */
size_t tenyo_text_bidi(const char *s);

/* ------------------------------------------------------------- tokenizer */

typedef struct tenyo_tok_opts {
    const char *mecab_dicdir; /* NULL: the system ipadic-utf8 dictionary */
    int keep_parts;           /* 1: keep compound-noun parts besides the compound */
    int stem;                 /* English stemming: 2 Snowball English (Porter2),
                                 1 Porter step 1 (the first engine's; indexes
                                 that recorded it are queried with it), 0 none */
} tenyo_tok_opts;

/* Defaults: system ipadic, keep_parts = 1, stem = 2 (chosen by measurement,
 * see README). */
void tenyo_tok_opts_default(tenyo_tok_opts *o);

typedef struct tenyo_tokenizer tenyo_tokenizer;

/* Load MeCab and ICU resources. Single-threaded handle (one per thread). */
int tenyo_tokenizer_new(const tenyo_tok_opts *opts, tenyo_tokenizer **out,
                        char *err, size_t errlen);
/* Tokenize UTF-8 text; emit(ud, term, len) is called for every term in order
 * (term is not NUL-terminated and lives only during the call). Returns the
 * number of terms or a negative status (invalid UTF-8: TENYO_ERR_INPUT). */
int tenyo_tokenizer_run(tenyo_tokenizer *t, const char *text, size_t len,
                        void (*emit)(void *ud, const char *term, size_t len),
                        void *ud);
/* Identity string recorded in indexes: dictionary, version, options. */
const char *tenyo_tokenizer_identity(const tenyo_tokenizer *t);
const char *tenyo_tokenizer_error(const tenyo_tokenizer *t);
void tenyo_tokenizer_free(tenyo_tokenizer *t);

/* --------------------------------------------------------------- builder */

typedef void (*tenyo_progress_fn)(void *ud, const char *stage, uint64_t done,
                                  uint64_t total);

typedef struct tenyo_build_opts {
    tenyo_tok_opts tok;       /* tokenizer options */
    int dim;                  /* LSA rank; 0 = 256, fewer for small corpora */
    int threads;              /* 0 = all online cores */
    int min_df;               /* drop terms in fewer docs (default 2) */
    double max_df_ratio;      /* drop terms in a larger share of docs (0.5) */
    uint64_t seed;            /* SVD seed (fixed default) */
    int oversample;           /* randomized SVD oversampling (default 16) */
    int power_iters;          /* randomized SVD power iterations (default 1) */
    tenyo_progress_fn progress; /* may be NULL */
    void *progress_ud;
    const char *const *ipc_titles; /* IPC scheme TSV files whose titles are
                                      recorded in the index (may be NULL) */
    size_t nipc_titles;       /* entries in ipc_titles */
    int ivf_lists;            /* > 0: also build approximate-search lists
                                 (IVF) with this many lists; -1: 4 sqrt(n);
                                 0: none (default) */
    int max_terms;            /* > 0: keep only this many terms per document,
                                 the highest TF-IDF weights (static pruning:
                                 a smaller index; 0: all, the default) */
    int no_abstracts;         /* 1: do not keep the records' abstracts (the
                                 optional section "abstracts", read by
                                 tenyo_doc_abstract and the "why" of
                                 ideas); 0: keep them, the default */
    int shards;               /* > 0: write a sharded index of this many
                                 shards of contiguous documents (a manifest
                                 at the path naming a shared part and the
                                 shard files beside it); 0: one file */
    int f16_vectors;          /* 1: also store the document vectors as
                                 float16 (section "docvec.f16", 2 bytes per
                                 dimension per document), which the
                                 approximate search re-ranks from (recall
                                 near the float vectors'); needs ivf_lists.
                                 0: none (default) */
    tenyo_report_fn report;   /* may be NULL: told, with the later record's
                                 file and line, when two records of one
                                 patent disagree on a field (both given,
                                 different: the longer is kept) or when a
                                 field of the earlier could not be kept */
    void *report_ud;          /* passed to report */
} tenyo_build_opts;

void tenyo_build_opts_default(tenyo_build_opts *o);

typedef struct tenyo_build_stats {
    uint64_t docs;            /* documents in the index */
    uint64_t duplicates;      /* records whose id an earlier record had:
                                 merged into its document field by field
                                 (an empty field keeps the other, the
                                 fuller of two is kept, codes and numbers
                                 are joined) */
    uint64_t empty;           /* documents without any term */
    uint64_t terms;           /* vocabulary size after df filtering */
    uint64_t nnz;             /* non-zeros of the TF-IDF matrix */
    int dim;                  /* LSA rank actually used */
    double sec_tokenize;      /* wall seconds tokenizing */
    double sec_svd;           /* wall seconds in the SVD */
    double sec_total;         /* wall seconds from first add to file written */
    uint64_t file_bytes;      /* size of the index file */
    double sec_weight;        /* wall seconds building the TF-IDF matrix
                                 (vocabulary, df filter, weighting) */
    double sec_ivf;           /* wall seconds building the approximate-
                                 search lists (0 without them) */
    double sec_fieldmodel;    /* wall seconds training the field model */
    double sec_write;         /* wall seconds writing the index file(s) */
    double sec_read;          /* wall seconds from the first add to the
                                 write call not spent tokenizing: the
                                 caller reading and parsing its records */
    double sec_keywords;      /* wall seconds the write waited for the
                                 keyword index, made beside the SVD and
                                 the field model (0 without one: a
                                 sharded index) */
    double sec_termfacts;     /* wall seconds computing every term's facts
                                 (the section "termfacts"; 0 without it) */
} tenyo_build_stats;

typedef struct tenyo_builder tenyo_builder;

int tenyo_builder_new(const tenyo_build_opts *opts, tenyo_builder **out,
                      char *err, size_t errlen);
/* Add a record (copied). A repeated id is merged into the earlier
 * record's document field by field (tenyo_build_stats.duplicates; a
 * conflict goes to tenyo_build_opts.report); a build shared over
 * processes (tenyo-mpi) replaces the earlier record instead. */
int tenyo_builder_add(tenyo_builder *b, const tenyo_doc *doc);
/* Tokenize, weight, factorize and write the index atomically to path
 * (temporary file, fsync, rename). st may be NULL. Takes no lock: to
 * replace an index use tenyo_writer. TENYO_ERR_UNSYNCED: written and in
 * place (st filled), but the directory could not be synced. */
int tenyo_builder_write(tenyo_builder *b, const char *path,
                        tenyo_build_stats *st);
const char *tenyo_builder_error(const tenyo_builder *b);
void tenyo_builder_free(tenyo_builder *b);

/* A new base for the index at path (tenyo index), as one of its writers
 * (api/writer.c). Open takes the index's writer lock — the one add, delete,
 * rebuild and check --repair take — at once or not at all (TENYO_ERR_BUSY),
 * on the real path (symbolic links resolved; a link stays a link), and
 * collects what killed writers left. It refuses a path that is not a
 * regular file, and a non-empty file that is not a tenyo index unless
 * flags has TENYO_WRITE_FORCE (TENYO_ERR_ARG). Commit writes b there
 * atomically and drops the old base's updates; TENYO_ERR_UNSYNCED when the
 * new file is in place but its directory could not be synced (the updates
 * are then kept: stale for the new base, ignored). Free releases the lock;
 * tenyo_writer_path's string lives as long as w. */
typedef struct tenyo_writer tenyo_writer;
#define TENYO_WRITE_FORCE 1u
int tenyo_writer_open(const char *path, unsigned flags, tenyo_writer **out,
                      char *err, size_t errlen);
const char *tenyo_writer_path(const tenyo_writer *w);
int tenyo_writer_commit(tenyo_writer *w, tenyo_builder *b, tenyo_build_stats *st,
                        char *err, size_t errlen);
void tenyo_writer_free(tenyo_writer *w);
/* Whether a command may write a file that is not an index (a table, a
 * report, a picture) at path, by tenyo_writer_open's rule: TENYO_OK when
 * nothing is there, or it is not a regular file (a terminal, /dev/null, a
 * pipe: written to, never replaced), or an empty file, or one that begins
 * with own (the command's own kind: the first bytes of what it writes;
 * NULL: none), or any other regular file when flags has
 * TENYO_WRITE_FORCE. Never, force or not (TENYO_ERR_ARG): a tenyo index, a
 * sharded index's manifest, a file of an index's update directory, a
 * directory, a path whose index writer lock is held, or a file another
 * process holds a lock on. err names path and why. Whether path is one of
 * the command's inputs is the caller's to check. */
int tenyo_output_check(const char *path, const char *own, unsigned flags, char *err,
                       size_t errlen);

/* ----------------------------------------------------------------- index */

typedef struct tenyo_index tenyo_index;

#define TENYO_MAX_SECTIONS 32

typedef struct tenyo_section_info {
    char name[16];            /* section name, e.g. "vocab" */
    uint64_t stored;          /* compressed bytes in the file */
    uint64_t raw;             /* uncompressed bytes */
} tenyo_section_info;

typedef struct tenyo_index_info {
    uint32_t format_version;  /* on-disk format version */
    uint64_t ndocs;           /* documents */
    uint64_t nterms;          /* vocabulary size */
    uint64_t nnz;             /* TF-IDF non-zeros */
    int dim;                  /* LSA rank */
    uint32_t nfields;         /* distinct IPC subclasses */
    uint64_t nopen;           /* documents marked open */
    uint64_t seed;            /* SVD seed */
    int min_df;               /* df filter used */
    double max_df_ratio;      /* df filter used */
    int oversample;           /* SVD oversampling used */
    int power_iters;          /* SVD power iterations used */
    const char *tokenizer;    /* tokenizer identity string */
    const char *writer;       /* library version that wrote the file */
    int64_t created;          /* unix time of writing */
    uint64_t file_bytes;      /* file size */
    int nsections;            /* entries used in sections[] */
    tenyo_section_info sections[TENYO_MAX_SECTIONS];
    const char *scan_kernel;  /* int8 scan kernel of this CPU: "avx512vnni",
                                 "avx2" or "c" */
    uint64_t int8_min_docs;   /* AUTO scans int8 from this many documents */
    uint32_t ivf_lists;       /* approximate-search lists (0: none) */
    uint64_t nphrases;        /* distinct application phrases stored */
    uint32_t max_terms;       /* terms kept per document (0: all) */
    /* updates since the last full build (tenyo add / delete; see below) */
    uint64_t generation;      /* update generation (0: the base file only) */
    uint32_t nsegments;       /* segments of added documents */
    uint64_t update_bytes;    /* bytes of segment and deletion files */
    uint64_t docs_fit;        /* documents the vocabulary and LSA were fitted on */
    uint64_t docs_added;      /* live documents added since (folded in) */
    uint64_t docs_deleted;    /* fitted documents deleted or replaced since */
    uint64_t terms_new;       /* terms unknown to the fit (sparse part only) */
    double stale_docs;        /* share of live documents not in the fit */
    double stale_mass;        /* share of live term occurrences not in the fit:
                                 in added documents, or of terms the fit
                                 does not know */
    double new_term_mass;     /* share of live term occurrences of new terms */
    int rebuild_advised;      /* 1: stale enough that `tenyo rebuild` is advised */
    int updates_missing;      /* 1: the base records that updates were committed
                                 for it, but "<path>.upd/MANIFEST" is not there
                                 (copied or moved without it): only the base
                                 is shown */
    uint64_t abstract_bytes;  /* compressed bytes of the kept abstracts
                                 (section "abstracts" of the base and the
                                 segments; 0: none kept) */
    /* the licensable list (tenyo_open_load) */
    uint64_t open_listed;     /* patents it names (0: no list) */
    uint64_t open_found;      /* of them, in this index */
    uint64_t open_lines;      /* number lines of its file when loaded */
    uint64_t open_unresolved; /* of them, not resolved then */
    int64_t open_loaded;      /* unix time it was loaded */
    const char *open_source;  /* its file ("" when no list); lives as
                                 long as the index */
    uint64_t open_records;    /* documents whose record says open */
    /* a sharded index (tenyo index --shards, tenyo-mpi index --shards) */
    uint32_t nshards;         /* its shards (0: one file) */
    const uint64_t *shard_docs;  /* documents per shard (nshards entries;
                                    lives as long as the index) */
    const uint64_t *shard_bytes; /* bytes of each shard file (nshards) */
    uint64_t f16_bytes;       /* bytes of float16 document vectors held for
                                 the approximate search's re-rank (section
                                 "docvec.f16"; 0: none) */
    uint32_t docmeta_layout;  /* how the file holds the documents' strings
                                 (section "docmeta"): 1 whole, decoded at
                                 open; 2 in blocks of 128 documents, each
                                 decoded on first use; 0 not from a file */
    uint32_t rows_frame;      /* documents per frame of the documents' terms
                                 (sections "tfidf.cols" and "tfidf.tf"),
                                 read a frame at a time by ideas, match and
                                 similar by number; 0: one frame a section,
                                 decoded whole by them (an index written
                                 before the frames: tenyo rebuild --no-ivf
                                 gives it them), or not one file */
    uint32_t postings_layout; /* the stored TF-IDF postings (section
                                 "tfidf.post"): 2 blocks read in place, a
                                 query's walk shared by its threads; 1 zstd
                                 frames, each decoded whole by the one
                                 thread that walks (tenyo rebuild --no-ivf
                                 gives layout 2); 0 none */
} tenyo_index_info;

/* Load an index. The file is treated as untrusted: counts are bounded, sizes
 * and checksums verified; a newer version gives TENYO_ERR_VERSION. */
int tenyo_index_open(const char *path, tenyo_index **out, char *err,
                     size_t errlen);
/* What a caller's first queries will read, for tenyo_index_open_for (or-ed):
 * the keyword index (tenyo_search, keyword filters), the LSA vectors (every
 * similar, ideas and match query) and the sparse TF-IDF rows (TF-IDF and
 * hybrid queries, ideas, match; a caller naming no id on an index with
 * stored postings reads those of its terms instead, not the rows). */
#define TENYO_PREFETCH_KEYWORDS 1u
#define TENYO_PREFETCH_VECTORS 2u
#define TENYO_PREFETCH_ROWS 4u
/* ... and the id table (the caller looks documents up by id: similar ID,
 * ideas, match): built at open on a thread of its own. Without it, when
 * anything else is named, the table is made by the first lookup
 * (tenyo_index_find, tenyo_index_resolve), and a document id written twice
 * in a damaged file is not reported (the open without prefetch, and
 * tenyo check, refuse it); the records' other numbers (application,
 * registration) are then read by the first tenyo_index_resolve, which
 * returns TENYO_ERR_CORRUPT for a damaged section. */
#define TENYO_PREFETCH_IDS 8u
/* ... or the caller names one or two documents by id and reads them
 * (similar ID, ideas, match) without many lookups: read as for
 * TENYO_PREFETCH_IDS (with the rows: the field model and field lists at
 * open, the documents' rows a block at a time), but no id table at open:
 * tenyo_index_find reads the frames of ids for the first two lookups (at
 * 1M documents about 30 ms, against 70-140 ms for the table), the third
 * builds the table. A damaged frame of ids, or the id written twice, met
 * so makes tenyo_index_resolve return TENYO_ERR_CORRUPT, its message from
 * tenyo_index_damage. */
#define TENYO_PREFETCH_DOCS 16u
/* ... and the caller's queries go through the approximate-search lists
 * (tenyo_ctx_set_nprobe on an index that has them): with
 * TENYO_PREFETCH_VECTORS only the vectors' codes are read ahead, not the
 * pass over every document's codes that an exact scan needs (made by the
 * first query that scans, if one does). */
#define TENYO_PREFETCH_APPROX 32u
/* ... and the caller's queries propose fields (ideas, match): the stored
 * field model, the documents' field lists and the terms' facts are read
 * beside the open, on threads of their own (the first query that needs
 * them waits only for what is not read yet). Without it, a caller naming
 * TENYO_PREFETCH_DOCS (similar ID) has the field model and lists read by
 * their first need, as every caller naming what it reads but not both the
 * rows and the ids does. */
#define TENYO_PREFETCH_FIELDS 64u
/* tenyo_index_open, and what prefetch names read on a thread of its own,
 * started as soon as the file's sections are located, beside the rest of
 * the open and whatever the caller does before its first query (load a
 * tokenizer, parse a query); that query waits only for what is not read
 * yet. The answers are the same; a damaged section is reported by the
 * query that needs it, as it is without. With any prefetch named, the term
 * table is also made by the first query that looks a term up (a keyword
 * search looks none up), and a duplicate term in a damaged file is
 * reported by that query rather than by the open; unless the fields, or
 * both the rows and the ids, are named (ideas, match), so is the stored
 * field model: read and checked by the first ideas query, a damaged one
 * refused by it, and the documents' field lists (read by the first field
 * filter, ideas or match query; with the fields named, by the thread
 * that reads what prefetch names). Naming neither the vectors
 * nor the rows (a keyword search), the term tables and the rows' lengths
 * are read by the first query that needs them too (a text or TF-IDF
 * query, ideas, match, tenyo_index_load_all), which refuses a damaged one.
 * Prefetch 0: exactly tenyo_index_open; one core: no thread.
 * tenyo_index_free waits for the thread. */
int tenyo_index_open_for(const char *path, unsigned prefetch, tenyo_index **out, char *err,
                         size_t errlen);
void tenyo_index_free(tenyo_index *idx);
/* Opening leaves the sparse TF-IDF rows of a file for their first use (a
 * query in TF-IDF or hybrid mode, ideas, an update): an index used only for
 * LSA or approximate search never decodes them. This decodes and checks
 * them now, on all cores; thread-safe, and once: later calls, and queries,
 * return the same outcome. It also reads every block of the abstracts
 * and of the documents' strings (queries read only the blocks they show)
 * and the keyword index (queries read it at the first keyword query). `tenyo info` calls it to check
 * a whole file, a server before it takes queries. 0, or the error naming
 * file and section. */
int tenyo_index_load_all(tenyo_index *idx, char *err, size_t errlen);
/* tenyo_index_load_all, then what many queries use: the TF-IDF postings
 * (the rows transposed, 8 bytes per non-zero more), which TF-IDF and hybrid
 * scans otherwise build at their 4th scan; environment TENYO_POSTINGS=off
 * (never build them) or on (at the first scan). Answers do not change, only
 * their speed. A server calls it before it takes queries. 0, or
 * tenyo_index_load_all's error (postings that cannot be built for lack of
 * memory are not an error: scans then read every row). */
int tenyo_index_warm(tenyo_index *idx, char *err, size_t errlen);
/* Fill *info; its strings live as long as idx (idx NULL: counts 0,
 * strings ""; info NULL: nothing). */
void tenyo_index_info_get(const tenyo_index *idx, tenyo_index_info *info);

/* ------------------------------------------------------------- updates */

/* Incremental updates (api/segment.c). An index is its base file (written by
 * tenyo_builder) plus, in the directory "<path>.upd/", immutable segment files
 * of added documents, a deletion file, and a MANIFEST naming them, replaced
 * atomically (temporary file, fsync, rename): a reader sees the state before
 * or after an update, never between, and a crash leaves the previous state.
 * Added documents are tokenized like the base and folded into its LSA basis;
 * their new terms live in the sparse TF-IDF part until tenyo_index_rebuild.
 * One updater at a time (a lock file); readers need no lock. */
typedef struct tenyo_update tenyo_update;

typedef struct tenyo_update_stats {
    uint64_t added;           /* documents added */
    uint64_t replaced;        /* of those, ids that replaced a live document
                                 (with the record merged with it field by
                                 field, tenyo_update_add) */
    uint64_t deleted;         /* documents deleted by tenyo_update_delete */
    uint64_t docs;            /* live documents after the commit */
    uint64_t generation;      /* generation written (unchanged: nothing to do) */
    uint64_t segment_bytes;   /* bytes of the new segment file (0: none) */
    double seconds;           /* wall seconds from open to commit */
    uint64_t unchanged;       /* records whose id names a live document and
                                 that brought nothing new (merged field by
                                 field: an empty field keeps the
                                 document's): the document is left as it
                                 was, nothing added */
} tenyo_update_stats;

/* Lock the index at path for an update and load its current state. opts
 * gives threads and progress (tokenizer options come from the index; NULL:
 * defaults). The lock is the index's one writer lock (see tenyo_writer),
 * on its real path: TENYO_ERR_BUSY when another writer holds it,
 * TENYO_ERR_NOTFOUND when there is no file at path. */
int tenyo_update_open(const char *path, const tenyo_build_opts *opts,
                      tenyo_update **out, char *err, size_t errlen);
/* Queue a document (copied). An id already in the index, or added earlier
 * in this update, is replaced by this one. */
int tenyo_update_add(tenyo_update *u, const tenyo_doc *doc);
/* Delete the live document with this id: 1 when deleted, 0 when the index
 * has no such id. Documents added in this same update are not affected. */
int tenyo_update_delete(tenyo_update *u, const char *id);
/* Write the segment, the deletions and the new manifest (nothing when there
 * is nothing to do). Once it returns TENYO_OK the update is durable.
 * TENYO_ERR_UNSYNCED (st filled): committed — the new manifest is in place
 * and readers see the update — but the directory sync after its rename
 * failed, so whether it survives a crash is unknown. */
int tenyo_update_commit(tenyo_update *u, tenyo_update_stats *st);
const char *tenyo_update_error(const tenyo_update *u);
/* Records added so far that left a live document as it was (nothing new:
 * tenyo_update_stats.unchanged before the commit); a caller comparing it
 * before and after tenyo_update_add learns which record that was. */
uint64_t tenyo_update_unchanged(const tenyo_update *u);
/* Release the lock; an update not committed changes nothing. */
void tenyo_update_free(tenyo_update *u);

/* Refit vocabulary, idf and LSA over all live documents (from their stored
 * term counts: no source files needed), merge the segments into a new base
 * file (atomic), and drop the updates. opts: threads and progress (NULL:
 * defaults); the other options are those the base was built with (its IVF
 * list count and float16 vectors included). Under the
 * writer lock (TENYO_ERR_BUSY), on the real path; TENYO_ERR_UNSYNCED as for
 * tenyo_writer_commit. */
int tenyo_index_rebuild(const char *path, const tenyo_build_opts *opts,
                        tenyo_build_stats *st, char *err, size_t errlen);
/* tenyo_index_rebuild with the approximate-search lists set anew instead
 * of kept: opts->ivf_lists as for tenyo_builder (> 0: that many lists; -1:
 * 4 sqrt(n); 0: none, the lists and the float16 vectors dropped) and
 * opts->f16_vectors (float16 vectors beside the lists; needs ivf_lists,
 * else TENYO_ERR_ARG); threads and progress as tenyo_index_rebuild's, the
 * other options the base's. When the index has no updates (no added
 * documents, no deletions), its fit is already over exactly its live
 * documents and nothing is refitted: the lists are built from the document
 * vectors the index holds and the file is rewritten atomically with every
 * other section copied byte for byte (each checked on the way), so every
 * exact answer stays as it was. Float16 vectors are rounded from a fit's
 * float vectors, which an index does not keep: f16_vectors keeps those the
 * index has, and an index without them is refitted to make them. Any other
 * case is a refit, as tenyo_index_rebuild, with these lists. *refitted
 * (may be NULL): 1 refitted, 0 the lists alone. st (may be NULL): docs,
 * terms, nnz, dim, sec_ivf, sec_total, file_bytes (and the refit's other
 * times). Errors and the lock as tenyo_index_rebuild's; on any error but
 * TENYO_ERR_UNSYNCED the index is as it was. */
int tenyo_index_rebuild_ivf(const char *path, const tenyo_build_opts *opts,
                            tenyo_build_stats *st, int *refitted, char *err,
                            size_t errlen);
/* Remove the updates of the index at path ("<path>.upd/"), e.g. after the
 * base was written again from source. TENYO_OK when there were none. */
int tenyo_index_drop_updates(const char *path, char *err, size_t errlen);

/* Licensable patents as data (api/openlist.c): which patents are offered
 * for licence, loaded from a list file beside an index, without indexing
 * again. The file is one patent number per line (blank lines and lines
 * starting with '#' skipped), or a CSV / TSV with a header whose number
 * column is found by itself (the column, among those the header names,
 * whose first 1,000 values resolve best; column: its header name or
 * 1-based number forces one), as an open-patent database export gives;
 * UTF-8 (BOM or not), Shift_JIS or EUC-JP. Numbers are read as people
 * type them (tenyo_index_resolve). Each line that resolves to no patent
 * goes to report(ud, list, line, "'X' is not in the index; did you mean
 * A?"). The resolved patents' ids replace the index's list, stored as
 * "<path>.upd/OPEN" under the writer lock (TENYO_ERR_BUSY when another
 * writer holds it), atomically; the list holds through add, delete and
 * rebuild (ids, not positions) until replaced or cleared. A patent is
 * licensable when its record said so (the JSONL "open" member) or the
 * list names it. TENYO_ERR_INPUT ("FILE: no patent number resolved")
 * when nothing resolved, or the list cannot be read (TENYO_ERR_NOTFOUND
 * when it does not exist): the old list is kept; TENYO_ERR_IO when the
 * list beside the index cannot be written (a full disk). */
typedef struct tenyo_open_stats {
    uint64_t lines;           /* number lines read (header, blank and
                                 comment lines not counted) */
    uint64_t resolved;        /* of them, resolved to an indexed patent */
    uint64_t unresolved;      /* not resolved (each reported) */
    uint64_t duplicates;      /* resolved to a patent listed before */
    uint64_t listed;          /* patents the list now names */
    char column[64];          /* the column read ("" for one per line) */
} tenyo_open_stats;
int tenyo_open_load(const char *path, const char *list, const char *column,
                    tenyo_report_fn report, void *ud, tenyo_open_stats *st,
                    char *err, size_t errlen);
/* The list's file alone, before any index exists: read as tenyo_open_load
 * reads it (charset, NUL bytes, CSV rows), nothing resolved; 0, or the
 * error tenyo_open_load would give for the file with its line (tenyo index
 * --open-list checks the list before building, so that a bad list leaves
 * the index as it was). */
int tenyo_open_check(const char *list, char *err, size_t errlen);
/* The same under a writer already held (tenyo index --open-list: after
 * tenyo_writer_commit, before tenyo_writer_free). */
int tenyo_writer_open_list(tenyo_writer *w, const char *list, const char *column,
                           tenyo_report_fn report, void *ud, tenyo_open_stats *st,
                           char *err, size_t errlen);
/* Remove the index's licensable list (under the writer lock); *had (may be
 * NULL) is 1 when there was one. The records' own open flags stay. */
int tenyo_open_clear(const char *path, int *had, char *err, size_t errlen);

/* Check every file of the index at path (api/check.c), like Lucene's
 * CheckIndex: the base and every segment read whole, the deletion file and
 * MANIFEST matched with each other, the whole opened as a reader would;
 * leftovers of killed writers listed. Each finding is passed to say (may
 * be NULL) as one line, problem 1 for damage. TENYO_OK when consistent,
 * TENYO_ERR_CORRUPT when problems were found (and, with repair, remain).
 * repair (under the writer lock: TENYO_ERR_BUSY) keeps every readable
 * document and commits a new consistent state: damaged or missing segment,
 * deletion and manifest files are moved aside into "<path>.upd/damaged-
 * <time>/" (never deleted), the readable segments kept in order, deletion
 * positions renumbered, or, when the deletion file is lost, recomputed from
 * the ids (replacements; deletions by tenyo delete are then lost, counted).
 * A damaged base cannot be repaired (TENYO_ERR_CORRUPT). */
typedef struct tenyo_check_stats {
    int problems;             /* damaged, missing or inconsistent files */
    uint64_t base_docs;       /* documents in the base (0: unreadable) */
    uint32_t segments;        /* segment files looked at */
    uint32_t segments_bad;    /* of those, missing, damaged or not matching */
    uint64_t docs_readable;   /* live documents in readable files */
    uint64_t docs_lost;       /* documents the manifest puts in bad segments */
    uint32_t leftovers;       /* temporary files and files no manifest names */
    int repaired;             /* repair: 1 when a new state was committed */
    uint64_t docs_after;      /* repair: live documents the index now opens with */
    uint32_t moved;           /* repair: files moved aside */
    uint64_t deletions_lost;  /* repair: deletions that could not be recovered */
    int deletions_unknown;    /* repair: ... and how many is unknown (manifest lost) */
} tenyo_check_stats;
int tenyo_index_check(const char *path, int repair, tenyo_check_stats *st,
                      void (*say)(void *ud, int problem, const char *line), void *ud,
                      char *err, size_t errlen);

/* Stored metadata of one document; strings live as long as idx. */
typedef struct tenyo_doc_meta {
    const char *id;
    const char *title;
    const char *applicant;
    const char *date;         /* YYYY-MM-DD or "" */
    const char *codes;        /* classification codes, ";"-separated (FI codes contain commas) */
    const char *fields;       /* IPC subclasses, comma-separated, e.g. "B60W,G08G" */
    int open;                 /* licensable */
    const char *lang;         /* "ja" or "en" */
} tenyo_doc_meta;

uint64_t tenyo_index_ndocs(const tenyo_index *idx);
/* Document number of an id, or -1 when the id is not indexed. */
int64_t tenyo_index_find(const tenyo_index *idx, const char *id);
/* Patent numbers as people type them (api/patno.c). The canonical key of
 * typed (NUL-terminated, at most outlen bytes with the NUL) into out: NFKC
 * with case folding, separators (spaces, hyphens, slashes, commas, dashes)
 * dropped, 特開/特表/特許 → jp, 特公 → jp…b, 再表 → jpwo, 実登/実開/実全 →
 * jp…u, 実公 → jp…y, eras 昭/平/令 → s/h/r, kind codes (A, B2, A1) and a
 * trailing date dropped (but B and Y of an era number are 特公 and 実公:
 * JPH07012345B2 gives "jph07012345b", not 特開平7-012345's
 * "jph07012345"), US numbers without leading zeros: 特開２０２４－１２７４０７,
 * JP2024-127407A and 特開2024127407 all give "jp2024127407", US 6,836,996
 * B2 and US06836996-20050104 "us6836996". Returns 1 when typed has the
 * shape of a patent number (one of those forms, bare digits, or letters
 * then at least three digits: "SAMPLE-001"), 0 when not (free text; out
 * holds its compact form), or a negative status (TENYO_ERR_INPUT: not
 * UTF-8; TENYO_ERR_LIMIT: outlen too small). */
int tenyo_patno_key(const char *typed, char *out, size_t outlen);

/* Levenshtein distance of the bytes a[0..na) and b[0..nb), or limit + 1
 * when it is larger than limit (the computation stops early); strings
 * longer than 128 bytes are never close (limit + 1). What "did you mean"
 * uses, for ids here and for commands and options in the CLI. */
int tenyo_edit_distance(const char *a, size_t na, const char *b, size_t nb, int limit);

/* How tenyo_index_resolve matched. */
enum {
    TENYO_ID_EXACT = 1,       /* typed is a stored id as it is */
    TENYO_ID_NORMALISED = 2   /* typed has the canonical key of one stored
                                 id (or, bare digits, its number) */
};
/* Document of an id as a person types it: the exact stored id first, then
 * the one document whose canonical key (tenyo_patno_key) equals typed's.
 * Returns TENYO_ID_EXACT or TENYO_ID_NORMALISED with *doc set; otherwise
 * TENYO_ERR_NOTFOUND with *doc = -1 and up to nsug "did you mean"
 * documents in sug (the closest keys by edit distance, at most a quarter
 * of the key's length away, closest first; or, when two documents share
 * the key, those), their count in *nsugged (may be NULL). The key tables
 * are built on the first call that needs them (thread-safe). */
int tenyo_index_resolve(const tenyo_index *idx, const char *typed, int64_t *doc,
                        uint64_t *sug, size_t nsug, size_t *nsugged);
/* TENYO_ERR_CORRUPT with the message of the first damage a lookup or a
 * document's strings met (an id written twice, a frame of ids or a block
 * of the strings; tenyo_index_resolve then returns TENYO_ERR_CORRUPT),
 * else TENYO_OK. */
int tenyo_index_damage(const tenyo_index *idx, char *err, size_t errlen);
/* Metadata of document i (0 <= i < ndocs); TENYO_ERR_ARG when out of range.
 * The strings are read from the index's block of them on first use (any
 * thread); when that block is damaged they are "" and the result
 * TENYO_ERR_CORRUPT (a query that answers with i is refused with the
 * message first). */
int tenyo_index_doc(const tenyo_index *idx, uint64_t i, tenyo_doc_meta *out);
/* Field table: code and document count of field j (0 <= j < nfields). */
int tenyo_index_field(const tenyo_index *idx, uint32_t j, const char **code,
                      uint64_t *count);

/* ---------------------------------------------------------------- search */

typedef enum {
    TENYO_MODE_TFIDF = 0,     /* cosine of sparse TF-IDF vectors */
    TENYO_MODE_LSA = 1,       /* cosine in the LSA space */
    TENYO_MODE_HYBRID = 2     /* weighted sum of both (default) */
} tenyo_mode;

typedef struct tenyo_hit {
    uint64_t doc;             /* document number */
    float score;              /* similarity, higher is closer */
} tenyo_hit;

/* Per-thread query context over a shared index. */
typedef struct tenyo_ctx tenyo_ctx;

int tenyo_ctx_new(const tenyo_index *idx, tenyo_ctx **out, char *err,
                  size_t errlen);
void tenyo_ctx_free(tenyo_ctx *c);
const char *tenyo_ctx_error(const tenyo_ctx *c);
/* Weight of TF-IDF in hybrid mode, in [0,1] (default tuned, see README). */
int tenyo_ctx_set_hybrid_weight(tenyo_ctx *c, double w);
/* Threads one query of c may use to score the documents (similar, search,
 * ideas, batches' per-query part), split by document ranges: answers are
 * the same bits for any count. 0 (default): auto, the cores less the
 * threads this process's other queries are scoring on at the time (a lone
 * query uses every core; busy server or batch threads one each), or the
 * environment's TENYO_QUERY_THREADS when set at tenyo_ctx_new. Indexes
 * under 500,000 documents always score on one thread. TENYO_ERR_ARG when
 * nthreads < 0. */
#define TENYO_CTX_THREADS 1 /* (programs test for the setter) */
int tenyo_ctx_set_threads(tenyo_ctx *c, int nthreads);

/* Run fn(ud, t, nt) for workers t = 0..nt-1 (nt = nthreads clamped to
 * [1, 256]): worker 0 on the calling thread, the others on threads of their
 * own; a worker whose thread cannot be created runs on the calling thread
 * afterwards, so the work done never depends on how many threads started.
 * What the library's own fan-outs use; for programs running one query
 * context per thread (a tenyo_ctx each). Returns the status of the
 * lowest-numbered worker that returned nonzero, else TENYO_OK;
 * TENYO_ERR_ARG when fn is NULL. */
int tenyo_parallel(int nthreads, int (*fn)(void *ud, int t, int nt), void *ud);

/* Threads OpenBLAS may use for one call (process-wide). A server that
 * already runs one query per thread should set 1: BLAS threads would only
 * compete with its own for the cores. 1 also ends the worker threads
 * OpenBLAS started when it was loaded (an idle one spins for about 0.1 s,
 * the whole life of a short query process; a later call with more threads
 * starts them again): call it before BLAS work, not during. Returns the
 * count now in effect. */
int tenyo_set_blas_threads(int n);

/* How the LSA part is scanned. AUTO: int8 vectors (one byte per dimension,
 * SIMD kernels chosen for the CPU) from 20,000 documents up, float below;
 * with int8 the best candidates are re-scored in float, so the top results
 * carry exact scores. */
typedef enum { TENYO_SCAN_AUTO = 0, TENYO_SCAN_FP32 = 1, TENYO_SCAN_INT8 = 2 } tenyo_scan;
int tenyo_ctx_set_scan(tenyo_ctx *c, tenyo_scan scan);

/* Approximate search: with nprobe > 0, queries in LSA or hybrid mode
 * (similar and ideas) visit only the nprobe closest lists of the index's IVF
 * (built with ivf_lists), take the best max(4k, 256) documents by LSA and
 * score those exactly (hybrid: with their TF-IDF cosine too); TF-IDF mode
 * and batches stay exact. 0 (default): exact scan. TENYO_ERR_ARG when the
 * index has no IVF. Number of lists: see tenyo_index_ivf_lists. */
int tenyo_ctx_set_nprobe(tenyo_ctx *c, uint32_t nprobe);
/* Re-rank depth of the approximate search: the best `rerank` documents by
 * the lists' int8 scores are re-scored (from the index's float16 vectors
 * when it has them, tenyo_build_opts.f16_vectors, else from the int8 codes)
 * and at least as many as the answer needs; 0 (default): max(4k, 256) in
 * hybrid mode and ideas, max(4 (k + 1), 64) for LSA similar. Deeper finds
 * more of the exact answers at the cost of one dot product each. */
int tenyo_ctx_set_rerank(tenyo_ctx *c, size_t rerank);
/* Lists of the index's IVF, 0 when it has none. */
uint32_t tenyo_index_ivf_lists(const tenyo_index *idx);

/* Exact k nearest documents to indexed document doc (doc itself excluded).
 * Writes up to k hits, best first, into hits[]; returns the count or a
 * negative status. */
int tenyo_similar_doc(tenyo_ctx *c, uint64_t doc, tenyo_mode mode, size_t k,
                      tenyo_hit *hits);
/* Same for free text, folded in with the index's own tokenizer (loaded on
 * first use; TENYO_ERR_MISMATCH when this machine's dictionary differs). */
int tenyo_similar_text(tenyo_ctx *c, const char *text, size_t len,
                       tenyo_mode mode, size_t k, tenyo_hit *hits);

/* Filters (api/filter.c): which documents may answer similar and ideas
 * queries on a context: a publication date range, applicant substrings
 * (NFKC case-folded) to include or exclude, IPC sections / classes /
 * subclasses to include or exclude, and a keyword query
 * (tenyo_filter_keywords). Kinds are AND-ed, values of one include kind
 * OR-ed, excludes remove. Applied before the top-k: a filtered query ranks
 * the matching documents only, with the same scores as the index holding
 * only them (the others deleted). A filter belongs to one index and is used
 * by one thread at a time. Approximate search (nprobe) is not used under
 * a filter: such queries scan exactly. */
typedef struct tenyo_filter tenyo_filter;
int tenyo_filter_new(const tenyo_index *idx, tenyo_filter **out);
void tenyo_filter_free(tenyo_filter *f);
/* Publication dates from..to inclusive, each "YYYY", "YYYY-MM" or
 * "YYYY-MM-DD" (a year or month is its whole span; NULL or "": open);
 * documents without a date do not pass. TENYO_ERR_ARG for a malformed
 * date or from after to (message: tenyo_filter_error). Replaces an earlier
 * range. */
int tenyo_filter_dates(tenyo_filter *f, const char *from, const char *to);
/* A substring the applicant must (exclude 0) or must not (exclude 1)
 * hold, compared NFKC case-folded (ｉ－ＰＲＯ = i-pro); several includes:
 * any of them. TENYO_ERR_ARG for an empty or non-UTF-8 value. */
int tenyo_filter_applicant(tenyo_filter *f, const char *substr, int exclude);
/* An IPC section, class or subclass ("G", "G06", "G06F") one of the
 * document's fields must (exclude 0) or must not (exclude 1) fall under;
 * several includes: any. TENYO_ERR_ARG for anything else. */
int tenyo_filter_field(tenyo_filter *f, const char *code, int exclude);
/* Document kinds, as the stored id says them (tenyo_id_kind). */
enum {
    TENYO_KIND_UNKNOWN = 0,       /* the id does not say (SAMPLE-001) */
    TENYO_KIND_APPLICATION = 1,   /* a published application: 特開, 特表,
                                     再表, 実開, JP…A, US with 11 digits or
                                     kind A1/A2 */
    TENYO_KIND_GRANT = 2          /* a granted patent or registered utility
                                     model: 特許, 特公, 実登, JP…B, US
                                     patent numbers (kind B1/B2 or up to 8
                                     digits) */
};
/* Kind of a stored id (TENYO_KIND_*). */
int tenyo_id_kind(const char *id);
/* Only documents of this kind (TENYO_KIND_APPLICATION or _GRANT; 0 lifts
 * it); documents whose id says no kind never pass. TENYO_ERR_ARG else. */
int tenyo_filter_kind(tenyo_filter *f, int kind);
/* Licensable patents only (on 1; 0 lifts it): those whose record says
 * open or that the index's licensable list names (tenyo_open_load). */
int tenyo_filter_open_only(tenyo_filter *f, int on);
/* A date as typed ("YYYY", "YYYY-MM", "YYYY-MM-DD"; '/' or no separator
 * also) as the first (end 0) or last (end 1) day of its span, "YYYY-MM-DD"
 * in out; 0, or -1 when it is not such a date (month 13, 2024-02-30). */
int tenyo_date_span(const char *typed, int end, char out[11]);
/* 1 when code is an IPC section, class or subclass ("g06f", "G 06", "H"),
 * its upper-case form (spaces dropped) in out; else 0. */
int tenyo_ipc_prefix(const char *code, char out[5]);
/* Keyword query (api/keywords.c): words and phrases that must / must not
 * occur, a b (AND), a OR b (also |; binds tighter than AND), NOT a or -a
 * (one clause), "quoted phrase" as one unit; a unit matches the records
 * whose title or abstract contains it (NFKC case-folded; a unit starting
 * with a Latin letter or digit must start a word), whatever its frequency
 * or tokenization. Replaces an earlier keyword query of f. TENYO_ERR_ARG
 * for bad syntax, TENYO_ERR_EMPTY for a unit without text; units no record
 * contains are named by tenyo_filter_note. The first keyword query of an
 * index builds its keyword text (tenyo_index_keyword_stats). c and f must
 * share the index. */
int tenyo_filter_keywords(tenyo_filter *f, tenyo_ctx *c, const char *query);
/* Units of f's keyword query that no record contains, comma-separated
 * ("" when none); lives as long as f. */
const char *tenyo_filter_note(const tenyo_filter *f);
/* Keyword search: the documents f passes (its keyword query, which must
 * have a term that must occur, and its other criteria), ranked by BM25
 * over the must-occur units (title counts double); up to k into hits,
 * best first; the count or a negative status. c's own filter is left as
 * it was. */
int tenyo_search(tenyo_ctx *c, tenyo_filter *f, size_t k, tenyo_hit *hits);
/* The keyword text that keyword queries search (built on first use, once
 * per index, thread-safe): its bytes and the seconds its build took. 0 or
 * a status. */
int tenyo_index_keyword_stats(tenyo_index *x, uint64_t *bytes, double *seconds);
/* The keyword index the index file holds (section "keywords": every
 * record's folded text, whole abstracts included, with character-bigram
 * postings; base and segments): its compressed bytes in the files, the raw
 * bytes of its postings and key tables, its distinct bigrams. 1 when the
 * index has one, 0 when not (built before it, or a segment without one:
 * keyword queries scan the text the index keeps, abstracts cut at 4 KiB),
 * or a negative status. Builds the keyword text as a first query would. */
int tenyo_index_keyword_index(tenyo_index *x, uint64_t *stored, uint64_t *postings,
                              uint64_t *bigrams);
/* What keyword search will read, without reading anything (for `info`,
 * a server's start): *stored the compressed bytes of the keyword index the
 * index's files hold (0: none — keyword queries will scan a text built from
 * the titles and abstracts), *loaded the bytes of the keyword text when a
 * keyword query has already read or built it, else 0. Either may be NULL.
 * 0 or TENYO_ERR_ARG. */
int tenyo_index_keyword_size(const tenyo_index *x, uint64_t *stored, uint64_t *loaded);
/* Every posting list of the keyword index decoded and bounds-checked
 * (what tenyo check runs): 0 (also without one), or TENYO_ERR_CORRUPT with
 * the message in err. */
int tenyo_index_keyword_check(tenyo_index *x, char *err, size_t errlen);
/* Matching documents (the criteria compiled once until they change), or a
 * negative status. */
int64_t tenyo_filter_count(tenyo_filter *f);
/* 1 when document doc matches, 0 when not, or a negative status. */
int tenyo_filter_match(tenyo_filter *f, uint64_t doc);
/* Message of the last failed call on f. */
const char *tenyo_filter_error(const tenyo_filter *f);
/* Use f (NULL: none) for the following queries on c; f must outlive that
 * use and belong to c's index. Criteria changed later apply from the next
 * query. */
int tenyo_ctx_set_filter(tenyo_ctx *c, tenyo_filter *f);

/* Called for each query of tenyo_similar_batch, in input order: got hits
 * (best first) or a negative status (message in tenyo_ctx_error). */
typedef void (*tenyo_similar_cb)(void *ud, size_t i, int got,
                                 const tenyo_hit *hits);
struct tenyo_query;
/* Many similar queries sharing the scan work: the LSA part of up to 32
 * queries comes from one pass over the document vectors (where one query
 * would scan int8, panels of 32 documents met by every query; else one
 * sgemm); the same results as one tenyo_similar_doc/_text call each.
 * The queries' home fields are ignored. */
int tenyo_similar_batch(tenyo_ctx *c, const struct tenyo_query *q, size_t nq,
                        tenyo_mode mode, size_t k, tenyo_similar_cb cb, void *ud);

/* ----------------------------------------------------------------- ideas */

/* How far a proposed field must be from every home field. */
typedef enum {
    TENYO_DIST_SECTION = 0,   /* another IPC section (first letter) */
    TENYO_DIST_CLASS = 1,     /* another class (first 3 characters; default) */
    TENYO_DIST_SUBCLASS = 2   /* another subclass (first 4 characters) */
} tenyo_distance;

typedef struct tenyo_ideas_opts {
    const char *const *home;  /* home subclasses ("B60W"); NULL: the query
                                 patent's own fields, or predicted for text */
    size_t nhome;             /* entries in home */
    tenyo_distance distance;  /* default TENYO_DIST_CLASS */
    int open_only;            /* 1: evidence only from licensable patents */
    tenyo_mode mode;          /* similarity for evidence (default hybrid) */
    int knn;                  /* neighbours that vote (default 0 = tuned) */
    double novelty;           /* 0..1 (< 0: default 0.6): how far the list
                                 leans to fields co-classification alone
                                 would not propose. The first
                                 round(10 (1 - novelty)) proposals are the
                                 most confident; after them unexpected
                                 fields come first. 0: by confidence only;
                                 1: every unexpected field first */
    double field_norm;        /* votes divided by field size^field_norm
                                 (< 0: default 0) */
    double prior_weight;      /* weight of the co-classification prior
                                 P(field | home) added to the vote share
                                 (< 0: default) */
    int serendipity_from;     /* >= 0: overrides the novelty's count of
                                 proposals ranked by confidence alone */
    double min_confidence;    /* proposals below this confidence are left
                                 out (< 0: default TENYO_IDEAS_MIN_CONFIDENCE;
                                 0: none; evaluation ranks the full list) */
    int merge;                /* 1 (default): subclasses proposed on the
                                 same evidence (two shared patents, or a
                                 field's only one), of any class, become
                                 one proposal (tenyo_idea.also); 0: one per
                                 field */
    double min_usable;        /* proposals whose reader model probability
                                 (tenyo_idea.usable) is below this are left
                                 out (<= 0, the default: none) */
    double min_content;       /* proposals whose specific shared content
                                 (tenyo_idea.content) is below this are left
                                 out (<= 0, the default: none) */
    int offset;               /* cards of the list passed over before the
                                 first returned (0, the default: from the
                                 first; 10 with n 20: cards 11-30); kept
                                 cards are first in the list, so on the
                                 first page */
    int show;                 /* the most cards the list shown by default
                                 holds (tenyo_idea.shown); the n returned
                                 are the pool the judge picks them from
                                 (0, the default: n) */
} tenyo_ideas_opts;

void tenyo_ideas_opts_default(tenyo_ideas_opts *o);
/* The list a user asked n cards of is picked by the judge from a pool
 * TENYO_IDEAS_POOL times longer: sets o->show to n and returns the pool's
 * size, the n to pass to tenyo_ideas_doc / _text (at most 100). A later
 * page (o->offset > 0) or a show already set keeps n: returns n. What the
 * CLI, the server and the Python binding ask. */
#define TENYO_IDEAS_POOL 3
size_t tenyo_ideas_pool(tenyo_ideas_opts *o, size_t n);

/* The options of an ideas query as data: one table, read by every surface
 * (the CLI's flags, the server's members, the Python keywords, the page's
 * form), so that each option is named, typed and bounded in one place. An
 * entry's name is the API member and Python keyword ("min_confidence"); cli
 * is its command-line spelling ("--min-confidence"). Entries whose member
 * is 0 in TENYO_OPT_STORED are the request's, not tenyo_ideas_opts's (n:
 * how many proposals, lang: the language of the answer). */
typedef enum tenyo_opt_type {
    TENYO_OPT_NUMBER = 0,  /* a real number in [min, max] */
    TENYO_OPT_INTEGER = 1, /* an integer in [min, max] */
    TENYO_OPT_BOOL = 2,    /* true or false (as text: true/false, 1/0) */
    TENYO_OPT_CHOICE = 3,  /* one of choices (its index is the value) */
    TENYO_OPT_CODES = 4,   /* IPC subclasses, comma- or space-separated */
    TENYO_OPT_WORDS = 5    /* words (a steer's struck words) */
} tenyo_opt_type;

#define TENYO_OPT_STORED 1u  /* a member of tenyo_ideas_opts */
#define TENYO_OPT_TUNING 2u  /* for evaluation and tuning, not a form's */
#define TENYO_OPT_STEER 4u   /* the analyst's steer (tenyo_steer), not the
                                options' struct */

typedef struct tenyo_opt {
    const char *name;      /* "novelty" */
    const char *cli;       /* "--novelty" */
    tenyo_opt_type type;
    double min, max;       /* NUMBER, INTEGER: the bounds */
    const char *choices;   /* CHOICE: the names, comma-separated */
    const char *def;       /* the default as text ("0.6", "class"; "" none) */
    unsigned flags;        /* TENYO_OPT_* */
    const char *help;      /* one line, English */
    const char *help_ja;   /* one line, Japanese */
} tenyo_opt;

/* The table: entries 0 .. tenyo_ideas_opt_count() - 1 (NULL beyond), and
 * an entry by name or command-line spelling (NULL: no such option). */
size_t tenyo_ideas_opt_count(void);
const tenyo_opt *tenyo_ideas_opt(size_t i);
const tenyo_opt *tenyo_ideas_opt_find(const char *name);
/* Bound v for option name (a CHOICE's index, a BOOL's 0 or 1): 0, or
 * TENYO_ERR_ARG with the reason in err ("must be a number from 0 to 1":
 * the caller puts the option's name, in its own spelling, before it). */
int tenyo_ideas_opt_check(const char *name, double v, char *err, size_t errlen);
/* Read option name from text as typed ("0.3", "section", "true") into *v,
 * bounded as tenyo_ideas_opt_check: 0 or TENYO_ERR_ARG with err. CODES
 * options are split by tenyo_ideas_home_split instead. */
int tenyo_ideas_opt_parse(const char *name, const char *text, double *v, char *err,
                          size_t errlen);
/* Set member name of o to v, bounded (0 or TENYO_ERR_ARG with err; an
 * entry that is not TENYO_OPT_STORED is TENYO_ERR_ARG too). */
int tenyo_ideas_opts_set(tenyo_ideas_opts *o, const char *name, double v, char *err,
                         size_t errlen);
/* Split home codes typed as "B60W,G08G" or "B60W G08G" in buf (modified)
 * into homes[0..cap) (a query takes at most 64): the count; TENYO_ERR_LIMIT
 * with err when there are more than cap, TENYO_ERR_ARG naming the first
 * code that is not an IPC subclass (a letter A-H, two digits, a letter;
 * either case), the rule the query holds a tenyo_ideas_opts to as well. */
int tenyo_ideas_home_split(char *buf, const char **homes, size_t cap, char *err,
                           size_t errlen);

#define TENYO_IDEA_EVIDENCE 3
#define TENYO_IDEA_ALSO 4
/* The list is full by default: every field with evidence, up to the
 * number asked, each with its strength band (tenyo_idea.band); the
 * thresholds of tenyo_ideas_opts hide proposals only when set. A
 * suggested confidence threshold for a short list: */
#define TENYO_IDEAS_MIN_CONFIDENCE 0.03

/* Strength bands (tenyo_idea.band), strongest first. */
enum {
    TENYO_BAND_REFERENCE = 0,  /* 参考: for the record; weak (tenyo_idea.weak
                                  says why) */
    TENYO_BAND_CANDIDATE = 1,  /* 候補: specific content shared, worth a read */
    TENYO_BAND_STRONG = 2      /* 有力: rests on several specific shared words
                                  in more than one way, likely a real use */
};

/* Why a card is not in a stronger band (tenyo_idea.weak, a bit set). */
enum {
    TENYO_WEAK_FEW_WORDS = 1,     /* fewer than 4 specific words shared */
    TENYO_WEAK_GENERIC = 2,       /* the shared content is mostly generic words */
    TENYO_WEAK_ONE_WORD = 4,      /* most of the shared content is one word */
    TENYO_WEAK_ONE_PATENT = 8,    /* one evidence patent only */
    TENYO_WEAK_PORTFOLIO = 16,    /* the evidence is one applicant's patents */
    TENYO_WEAK_SIDE_CODE = 64,    /* the field is only a side code of the
                                     evidence, not named by the shared words */
    TENYO_WEAK_LOW_CONFIDENCE = 128, /* the field is rarely a real use of such
                                     a patent (confidence below 3%) */
    TENYO_WEAK_NO_USE = 256,      /* a match card: no credible use found in
                                     the patent's text nor in evidence that
                                     shares its content (tenyo_match_apply) */
    TENYO_WEAK_TWO_SENSES = 512,  /* the shared words stand among other words
                                     on each side: likely two senses of one
                                     word (never strong) */
    TENYO_WEAK_NO_TERM = 1024     /* no specific word that both texts write
                                     as a word: the card has nothing to show
                                     it rests on (never above reference) */
};

/* Why a proposal is weak (tenyo_idea.flags). */
enum {
    TENYO_IDEA_ONE_PATENT = 1,     /* one evidence patent only */
    TENYO_IDEA_ONE_WORD = 2,       /* the shared content is one word */
    TENYO_IDEA_GENERIC = 4,        /* shared words are generic (spread
                                      evenly over the index's fields) */
    TENYO_IDEA_TITLE_ONLY = 8      /* every evidence patent is a title
                                      without an abstract */
};

/* One proposed field. code lives as long as the index. */
typedef struct tenyo_idea {
    uint32_t field;           /* field number (tenyo_index_field) */
    const char *code;         /* IPC subclass, e.g. "A61B" */
    double score;             /* ranking score (decreasing down the list) */
    double confidence;        /* calibrated probability that the field is a
                                 real co-classification of such a patent
                                 (fitted on the development split) */
    double relevance;         /* similarity-weighted vote share + prior */
    double surprise;          /* -ln P(field | home), smoothed by the
                                 field's share of the index */
    int expected;             /* 1: among the fields co-classification
                                 statistics alone would propose */
    int support;              /* neighbours carrying the field */
    double focus;             /* share of the shared content (specificity-
                                 weighted bridge weight) on the top word */
    struct {                  /* what confidence is computed from: */
        double vote_share;    /* the field's share of the neighbours' votes */
        double prior;         /* P(field | home) by co-classification */
        double field_share;   /* share of the index's documents in the field */
        double generic_share; /* share of the bridge weight on generic words */
        double title_only;    /* share of the evidence that is title only */
        double model;         /* the field model's P(field | text) (0: no
                                 model for the field) */
        double specific_words; /* query words shared with the evidence that
                                 are not among the most generic (specificity
                                 >= 0.1) nor one character */
    } basis;
    unsigned flags;           /* TENYO_IDEA_* */
    int nalso;                /* subclasses merged in (same evidence) */
    const char *also[TENYO_IDEA_ALSO]; /* their codes */
    int nevidence;            /* entries used in evidence */
    tenyo_hit evidence[TENYO_IDEA_EVIDENCE]; /* best supporting patents */
    double usable;            /* the reader model's probability that an
                                 analyst finds the proposal usable (a
                                 transfer or a sensible neighbour, not a pun
                                 or noise), fitted on readers' labels of
                                 earlier query sets (Protocol A); used only
                                 by the min_usable threshold */
    double content;           /* specific shared content, 0..1: how much of
                                 what the query shares with the evidence is
                                 specific to both (not generic, not the
                                 query's own home-field words, not one
                                 word), saturating at about eight specific
                                 words */
    int band;                 /* TENYO_BAND_* */
    unsigned weak;            /* TENYO_WEAK_*: why not a stronger band */
    double unexpected;        /* 0..1: surprise scaled (1 - exp(-surprise/3)):
                                 how unexpected the field is for a patent of
                                 the home fields */
    double judge;             /* the judge's probability that an analyst
                                 would defend the card (its facts: the
                                 reader model, the band rule, the shared
                                 terms' facts; fitted on readers' labels) */
    int shown;                /* position in the list a user sees by
                                 default (1 first): kept cards, then strong,
                                 then candidate cards, reference cards only
                                 to reach five; 0: shown only on request.
                                 The array keeps the engine's order. */
    double sense;             /* 0..1: how much the words beside the shared
                                 terms agree between the query's sentences
                                 and the evidence's (one sense on both
                                 sides); below the judge's bar the card is
                                 one band down (TENYO_WEAK_TWO_SENSES); -1:
                                 unknown, or not asked (a reference card) */
} tenyo_idea;

/* What the last ideas call on a context has to say about its answer
 * (tenyo_ctx_notes), each a reason to read the proposals with care. */
enum {
    TENYO_NOTE_NO_CODES = 1,         /* the index has no classification codes:
                                        nothing can be proposed */
    TENYO_NOTE_HOME_PREDICTED = 2,   /* home fields predicted from the text */
    TENYO_NOTE_UNKNOWN_WORDS = 4,    /* query words unknown to the index */
    TENYO_NOTE_TITLE_ONLY_QUERY = 8, /* the query patent has a title only */
    TENYO_NOTE_OPEN_ONLY_EMPTY = 16, /* open_only: no licensable patent is
                                        near the query */
    TENYO_NOTE_LOW_CONFIDENCE = 32,  /* proposals left out below
                                        min_confidence, min_usable or
                                        min_content, or thin */
    TENYO_NOTE_FEW_FIELDS = 64,      /* fewer fields had any evidence than
                                        asked for */
    TENYO_NOTE_WEAK_QUERY = 128,     /* the nearest patent is a weak match:
                                        every proposal rests on little */
    TENYO_NOTE_PARTIAL_WORDS = 256   /* compound words of the query unknown
                                        to the index were searched by their
                                        parts the index knows */
};

typedef struct tenyo_ideas_notes {
    unsigned flags;           /* TENYO_NOTE_* */
    size_t hidden;            /* proposals left out below min_confidence,
                                 min_usable or min_content, or thin */
    size_t hidden_thin;       /* of them, left out (whatever their
                                 confidence) for sharing fewer than two
                                 words that are not among the most generic,
                                 or nothing specific at all */
    double min_confidence;    /* the threshold used */
    size_t candidates;        /* fields with any evidence */
    float best_similarity;    /* of the nearest patent */
    size_t nunknown;          /* query words unknown to the index that were
                                 not used (no part of them known either) */
    const char *unknown[8];   /* the first of them (live until the next
                                 query on the context) */
    double min_usable;        /* the reader model threshold used (0: none) */
    double min_content;       /* the content threshold used (0: none) */
    size_t hidden_content;    /* of hidden, left out only below min_content */
    size_t nbands[3];         /* proposals returned per band (TENYO_BAND_*) */
    size_t npartial;          /* query compounds unknown to the index that
                                 were searched by their known parts */
    const char *partial[8];   /* the first of them ... */
    const char *partial_as[8];/* ... and the parts each was searched by,
                                 joined by " + " (longest known sub-compounds
                                 first: 精密プレス加工 -> "精密 + プレス加工");
                                 live until the next query on the context */
    size_t offset;            /* cards passed over before the first returned
                                 (tenyo_ideas_opts.offset): the first card
                                 is rank offset + 1 */
} tenyo_ideas_notes;

/* Notes of the last ideas call on c (zeroed before each call). */
const tenyo_ideas_notes *tenyo_ctx_notes(const tenyo_ctx *c);

/* Propose up to n other fields for indexed document doc (itself excluded
 * from the evidence) or for free text; returns the count or a negative
 * status. Home codes must look like IPC subclasses (TENYO_ERR_ARG). */
int tenyo_ideas_doc(tenyo_ctx *c, uint64_t doc, const tenyo_ideas_opts *o,
                    size_t n, tenyo_idea *out);
int tenyo_ideas_text(tenyo_ctx *c, const char *text, size_t len,
                     const tenyo_ideas_opts *o, size_t n, tenyo_idea *out);
/* What the judge says of an index term: its worth as a term a link between
 * two patents may rest on (0..1: the fitted probability that an analyst
 * would defend such a link, from the term's facts: its unit and head as
 * MeCab sees them, JUMAN's category, domain and 多義, its spread over the
 * fields with every field weighted alike, its rarity, how often it is only
 * a piece of longer compounds), and those facts, named. */
#define TENYO_JUDGE_FEATURES 32
typedef struct tenyo_term_judgement {
    double worth;             /* 0..1 */
    int nfeatures;            /* facts in features and names */
    const char *const *names; /* their names (static) */
    double features[TENYO_JUDGE_FEATURES];
    int juman;                /* 1: JUMAN's dictionary was there */
    const char *version;      /* the weights' version (static) */
} tenyo_term_judgement;
/* The judgement of term (as the index spells it: NFKC, folded; see
 * tenyo_tokenizer_run). TENYO_ERR_NOTFOUND when the index lacks it. */
int tenyo_term_judge(const tenyo_index *x, const char *term, tenyo_term_judgement *out);

/* Bridge terms of an idea from the last ideas call on c: the query terms
 * that weigh most in the idea's evidence patents (query weight x evidence
 * weight x similarity x (0.1 + specificity)); never a single character. Writes up to k term strings (living as long as the
 * index) into terms, best first; returns the count. */
int tenyo_idea_bridge(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                      const char **terms);
/* Steering: what an analyst decided about a query's list. Words struck
 * ("not this sense here": the word carries no link for any card, so a card
 * resting on it loses its content and its band, and the list is made
 * again without it), fields kept (their cards first, in order) and fields
 * rejected (never a card). A steer set on a context (tenyo_ctx_set_steer;
 * NULL: none) applies to every later ideas query on it; the caller keeps
 * it alive meanwhile. Words are compared NFKC case-folded with the query's
 * terms (or a stemmed term's surface); fields are IPC subclasses. Each
 * adding call: 0, TENYO_ERR_ARG (an empty word, one over 255 bytes or not
 * UTF-8, a field that is not a subclass), TENYO_ERR_LIMIT (256 of a kind).
 * Keeping a rejected field takes it off the rejected list, and the other
 * way round. */
typedef struct tenyo_steer tenyo_steer;
#define TENYO_STEER_STRUCK 0
#define TENYO_STEER_KEPT 1
#define TENYO_STEER_REJECTED 2
int tenyo_steer_new(tenyo_steer **out);
void tenyo_steer_free(tenyo_steer *s);
int tenyo_steer_strike(tenyo_steer *s, const char *word);
int tenyo_steer_keep(tenyo_steer *s, const char *field);
int tenyo_steer_reject(tenyo_steer *s, const char *field);
/* Fields typed as one list ("G06T, B60W" or "G06T B60W") in list
 * (modified) kept (what TENYO_STEER_KEPT) or rejected (TENYO_STEER_REJECTED),
 * in order: how many (at least one), or the status of the first refused
 * code with *bad at it (bad may be NULL; *bad NULL when the list names no
 * code: TENYO_ERR_ARG). The codes before it stay added. */
int tenyo_steer_fields(tenyo_steer *s, int what, char *list, const char **bad);
/* The entries of one kind (TENYO_STEER_*), as kept (normalised). */
/* The focus: the query is made from these sentences alone (numbers as
 * tenyo_query_sentences counts them, "2,3" or "2-4", 1 to 64), or from the
 * analyst's own text of the technique (up to 64 KiB of UTF-8); the patent
 * stays the query for its home fields, its applicant and the why. One
 * replaces the other. 0 or TENYO_ERR_ARG. tenyo_steer_focus_get: the
 * sentence bits (bit i: sentence i + 1) and the text (or NULL). */
int tenyo_steer_focus(tenyo_steer *s, const char *numbers);
int tenyo_steer_focus_text(tenyo_steer *s, const char *text);
uint64_t tenyo_steer_focus_get(const tenyo_steer *s, const char **text);
/* One sentence of a query: text[0..len), not NUL-terminated. */
typedef struct tenyo_sentence {
    const char *text;
    size_t len;
} tenyo_sentence;
/* The sentences of patent doc's title and abstract (doc < 0: of text), as
 * a focus numbers them (the first is 1): up to k into out, valid until
 * the next call on c; the count or a status. */
int tenyo_query_sentences(tenyo_ctx *c, int64_t doc, const char *text, size_t k,
                          tenyo_sentence *out);
size_t tenyo_steer_count(const tenyo_steer *s, int what);
const char *tenyo_steer_item(const tenyo_steer *s, int what, size_t i);
int tenyo_ctx_set_steer(tenyo_ctx *c, const tenyo_steer *s);
/* The steer set on c, or NULL. */
const tenyo_steer *tenyo_ctx_steer(const tenyo_ctx *c);
/* The struck words an idea of the last ideas call on c lost (words its
 * evidence shares with the query that the steer struck): up to k into
 * words, the count. tenyo_idea_kept: 1 when the steer keeps its field. */
int tenyo_idea_struck(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                      const char **words);
int tenyo_idea_kept(const tenyo_ctx *c, const tenyo_idea *idea);

/* A worksheet: an analyst's decisions about one patent's list (or one
 * company's, or one text's) kept across runs, as a JSON file: the words
 * struck, the focus, the cards kept and rejected in the order decided,
 * each with a note and the evidence ids it last showed. A run applies a
 * worksheet to a steer, then records its own decisions and saves it back.
 * tenyo_worksheet_new: an empty one whose subject is kind "patent" (an
 * indexed id as tenyo_index_doc gives it), "company" (part of the
 * applicant) or "text" (the query text); 0 or TENYO_ERR_ARG.
 * tenyo_worksheet_load / _parse: a file (or its bytes) read and checked:
 * TENYO_ERR_INPUT with the member or the line and column in err for one
 * that is damaged (wrong types, unknown members, invalid UTF-8, over a
 * bound: TENYO_WORKSHEET_MAX a file, 16 KiB a note, the steer's limits),
 * TENYO_ERR_LIMIT for a file over TENYO_WORKSHEET_MAX, TENYO_ERR_NOTFOUND when the file does not exist.
 * A worksheet's decisions are what a run takes: a field has one card, at
 * most 256 kept and 256 rejected, each struck word a word (the steer's
 * bounds). tenyo_worksheet_save: written atomically (temporary file,
 * fsync, rename: a crash leaves the old file or the new one), through a
 * symbolic link to its target (a link to nothing: TENYO_ERR_IO), by the
 * output rule (tenyo_output_check: never an index, a file of an update
 * directory, a directory, a locked path: TENYO_ERR_ARG), and over a file
 * that is a worksheet only (another or a damaged one: TENYO_ERR_ARG).
 * tenyo_worksheet_lock_take: the one writer of the worksheet at path, for a
 * read, change and save: an exclusive flock on "<real path>.lock" (made
 * beside it and left there), waited for up to wait_ms, then
 * TENYO_ERR_BUSY naming it; the same rule as save first; under it the
 * temporary files a killed writer left are removed. Held until
 * tenyo_lock_free (NULL: no-op). tenyo_worksheet_json: the
 * file's text, malloc'd (tenyo_json_free). tenyo_worksheet_subject: the
 * subject (the kind in *kind), living as long as w is unchanged.
 * tenyo_worksheet_fits: 0 when w is for the query (document doc, or text
 * when doc < 0), TENYO_ERR_MISMATCH saying whose it is in err.
 * tenyo_worksheet_apply: w's decisions added to s. tenyo_worksheet_record:
 * s's decisions added to w (a card decided again takes the later
 * decision), with the evidence ids of those of ideas[0..n) (the last
 * query on c; n 0: none) that w has cards for. tenyo_worksheet_note: the
 * note of field's card (empty: none); TENYO_ERR_NOTFOUND when w has no
 * card of field. tenyo_worksheet_card: card i (0 ..), its field, decision
 * ("kept" or "rejected") and note (NULL: none), living as long as w is
 * unchanged; TENYO_ERR_NOTFOUND past the last. */
/* Senses remembered: a word split from a pair of fields (運転 between
 * B60W and F24F: a pun, not a link) carries no link between those two
 * fields in any later query on a context they are set on
 * (tenyo_ctx_set_senses; NULL: none; the caller keeps them alive): a card
 * of the one field, for a query whose home is the other, either way
 * round. The index never changes; the splits are kept in a TSV file (word,
 * field, other field a line; tenyo_senses_tsv: the file's text, with a
 * header line, malloc'd: tenyo_json_free). tenyo_senses_add: 0, 1 when the
 * split is there already (either order), TENYO_ERR_ARG (a word that is
 * not 1..255 bytes of UTF-8, fields that are not two different
 * subclasses), TENYO_ERR_LIMIT (100000 splits). tenyo_senses_remove: 0 or
 * TENYO_ERR_NOTFOUND. tenyo_senses_get: split i's word (NFKC case-folded)
 * and fields, living until the set changes; TENYO_ERR_NOTFOUND past the
 * last. tenyo_senses_load: the splits of a file added, all or nothing:
 * TENYO_ERR_INPUT naming the file and line at fault (columns, a line over
 * 4096 bytes, a NUL byte, invalid UTF-8, a bad field), TENYO_ERR_LIMIT
 * when they would bring the set over 100000 (nothing of the file taken),
 * TENYO_ERR_NOTFOUND when there is no file. tenyo_senses_save: written
 * atomically at the file's real path (a symbolic link stays a link), by
 * the output rule (tenyo_output_check): never a tenyo index,
 * a file of an index's update directory, a locked path or a directory, and
 * an existing file only when it is empty or a senses file (TENYO_ERR_ARG
 * naming path and why; a corpus or a list is never replaced).
 * tenyo_senses_lock_take: the one writer of the senses file at path for a
 * load, change and save (two commands changing it at once lose no split):
 * the lock tenyo_worksheet_lock_take takes, without its rule, waited for
 * up to wait_ms (UINT_MAX: without end); held until tenyo_lock_free. */
typedef struct tenyo_lock tenyo_lock;
typedef struct tenyo_senses tenyo_senses;
int tenyo_senses_new(tenyo_senses **out);
void tenyo_senses_free(tenyo_senses *s);
int tenyo_senses_add(tenyo_senses *s, const char *word, const char *field, const char *other);
int tenyo_senses_remove(tenyo_senses *s, const char *word, const char *field,
                        const char *other);
size_t tenyo_senses_count(const tenyo_senses *s);
int tenyo_senses_get(const tenyo_senses *s, size_t i, const char **word, const char **field,
                     const char **other);
int tenyo_senses_load(tenyo_senses *s, const char *path, char *err, size_t errlen);
int tenyo_senses_save(const tenyo_senses *s, const char *path, char *err, size_t errlen);
int tenyo_senses_tsv(const tenyo_senses *s, char **out);
int tenyo_ctx_set_senses(tenyo_ctx *c, const tenyo_senses *s);
int tenyo_senses_lock_take(const char *path, unsigned wait_ms, tenyo_lock **out, char *err,
                           size_t errlen);

typedef struct tenyo_worksheet tenyo_worksheet;
#define TENYO_WORKSHEET_MAX (4u << 20) /* bytes of a worksheet file, and of its POST */
int tenyo_worksheet_new(const char *kind, const char *subject, tenyo_worksheet **out);
void tenyo_worksheet_free(tenyo_worksheet *w);
int tenyo_worksheet_load(const char *path, tenyo_worksheet **out, char *err, size_t errlen);
int tenyo_worksheet_parse(const char *json, size_t len, tenyo_worksheet **out, char *err,
                          size_t errlen);
int tenyo_worksheet_save(const tenyo_worksheet *w, const char *path, char *err,
                         size_t errlen);
int tenyo_worksheet_lock_take(const char *path, unsigned wait_ms, tenyo_lock **out,
                         char *err, size_t errlen);
void tenyo_lock_free(tenyo_lock *l);
int tenyo_worksheet_json(const tenyo_worksheet *w, char **out);
const char *tenyo_worksheet_subject(const tenyo_worksheet *w, const char **kind);
int tenyo_worksheet_fits(const tenyo_worksheet *w, const tenyo_index *x, int64_t doc,
                         const char *text, char *err, size_t errlen);
int tenyo_worksheet_apply(const tenyo_worksheet *w, tenyo_steer *s);
int tenyo_worksheet_record(tenyo_worksheet *w, const tenyo_steer *s, const tenyo_ctx *c,
                           const tenyo_idea *ideas, size_t n);
int tenyo_worksheet_note(tenyo_worksheet *w, const char *field, const char *note);
int tenyo_worksheet_card(const tenyo_worksheet *w, size_t i, const char **field,
                         const char **decision, const char **note);

/* The candidate generators that found an idea's field in the last ideas
 * call on c ("neighbours": the patents most similar to the query as a
 * whole), in the order the engine runs them: up to k static names into
 * names; returns the count (0 for an idea of no such call). */
int tenyo_idea_found_by(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                        const char **names);

/* An application phrase found in a proposal's evidence patents. */
typedef struct tenyo_phrase {
    const char *text;         /* the expression, e.g. "内視鏡装置に用いる",
                                 "for use in medical imaging" */
    const char *target;       /* what it names (内視鏡装置); NOT
                                 NUL-terminated: target_len bytes */
    size_t target_len;        /* bytes of target */
    double weight;            /* similarity-weighted support */
    uint64_t doc;             /* best document it came from */
    int field_fit;            /* 1 when the target holds a word that is
                                 characteristic of the proposal's field (among
                                 the largest weights of its field model): a
                                 use in that field, fit to quote */
} tenyo_phrase;

/* Application phrases of an idea from the last ideas call on c: drawn from
 * the idea's shown evidence only (so a sentence never cites a patent the
 * card does not show), applications before compositions before purposes,
 * targets the query itself names weighed down, whole targets only (no
 * unbalanced brackets, (a) labels or lone generic words), one expression
 * per target. Writes
 * up to k into out (strings live as long as the index); returns the count,
 * 0 for an index built without phrases. */
int tenyo_idea_phrases(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                       tenyo_phrase *out);

/* Why a proposal holds: the sentence of the query and the sentence of one
 * of the proposal's shown evidence patents that share the most of its
 * bridge terms (tenyo_idea_bridge, the 5 a card shows), so a reader sees each word in
 * use on both sides: the same sense, or a pun. Sentences come from the
 * title and abstract (the index's optional section "abstracts"; a text
 * query from its own text); one longer than about 240 bytes is cut around
 * its first shared word, with "…" where cut. */
#define TENYO_WHY_TERMS 5
typedef struct tenyo_why {
    const char *query;        /* the query's sentence, NUL-terminated */
    const char *evidence;     /* the evidence patent's sentence */
    uint64_t doc;             /* that patent: one of idea->evidence */
    const char *terms[TENYO_WHY_TERMS]; /* bridge terms in both sentences,
                                 as the bridge list spells them */
    int nterms;               /* entries in terms */
} tenyo_why;
/* The why of an idea from the last ideas call on c: 1 with *out filled, 0
 * when no sentence pair shares a bridge term (or the index keeps no
 * abstracts and the query is a patent), or a negative status (a damaged
 * "abstracts" section: TENYO_ERR_CORRUPT, message in tenyo_ctx_error).
 * Strings live until the next tenyo_idea_why or query on c. */
int tenyo_idea_why(tenyo_ctx *c, const tenyo_idea *idea, tenyo_why *out);
/* The abstract of document doc as the index keeps it (section
 * "abstracts"): *text "" when the document has none or the index keeps no
 * abstracts. *text lives until the next call on c that reads abstracts
 * (this one, tenyo_idea_why). TENYO_ERR_ARG for a document out of range,
 * TENYO_ERR_CORRUPT for a damaged section (message in tenyo_ctx_error). */
int tenyo_doc_abstract(tenyo_ctx *c, uint64_t doc, const char **text, size_t *len);

/* One query of tenyo_ideas_batch: an indexed document or a text. */
typedef struct tenyo_query {
    int64_t doc;              /* indexed document number, or -1 for text */
    const char *text;         /* UTF-8 text when doc < 0 */
    size_t len;               /* bytes of text */
    const char *const *home;  /* home subclasses (NULL: own / predicted) */
    size_t nhome;             /* entries in home */
} tenyo_query;

/* Called for each query of a batch, in input order, while c holds that
 * query's state: tenyo_idea_bridge, tenyo_idea_phrases, tenyo_ctx_home and
 * (when got < 0) tenyo_ctx_error answer for it. ideas: got proposals. */
typedef void (*tenyo_ideas_cb)(void *ud, size_t i, int got,
                               const tenyo_idea *ideas);

/* Ideas for many queries that share the scan work: the LSA scores of up to
 * 32 queries come from one pass over the document vectors (the int8 tile
 * scan, or one sgemm on small indexes) instead of one pass each; everything
 * else is as tenyo_ideas_doc/_text with the
 * query's home (the same results up to float rounding). Per-query failures
 * go to cb; the return value is TENYO_OK or what stopped the whole batch. */
int tenyo_ideas_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq,
                      const tenyo_ideas_opts *o, size_t n, tenyo_ideas_cb cb,
                      void *ud);

/* Company matching, the Kawasaki-model query (ideas/match.c): a company's
 * description of its strengths (text) in, the licensable patents it could
 * use out, each with the uses the ideas engine proposes for it. The
 * licensable patents nearest the text (within c's filter, and licensable:
 * tenyo_open_load or the records' open member) and the evidence patents
 * of tenyo_ideas_text(text, o with open_only) become matches, ranked by
 * similarity to the text; a match's uses are the proposals it is evidence
 * for (indexes into ideas[0..*got_ideas), best confidence first), and
 * own_field says it lies in the company's home fields (tenyo_ctx_home).
 * The ideas (up to nideas) go to ideas; afterwards c holds that ideas
 * query: tenyo_idea_bridge, tenyo_idea_phrases, tenyo_ctx_notes and
 * tenyo_ctx_home explain the uses. Each match is banded as an ideas card
 * is (band, weak: what the text shares with the patent, specific words
 * only); matches come strongest band first, then by similarity, so the
 * reference ones (generic words only, or one word) come last. Up to k
 * matches into out; returns their count (0 when no licensable patent is
 * near) or a negative status. */
#define TENYO_MATCH_USES 4
#define TENYO_MATCH_SAME 4
typedef struct tenyo_match {
    uint64_t doc;             /* the licensable patent */
    float similarity;         /* its similarity to the text (o's mode) */
    double confidence;        /* confidence of its best use (0: none) */
    int own_field;            /* 1: in one of the company's home fields */
    int nuses;                /* entries used in uses */
    int uses[TENYO_MATCH_USES]; /* proposals it is evidence for: indexes
                                 into ideas[], best confidence first */
    int band;                 /* TENYO_BAND_*, by the rule of an ideas
                                 card: the specific content the company's
                                 text shares with this patent */
    unsigned weak;            /* TENYO_WEAK_*: why not a stronger band
                                 (few words, generic, one word; no use is
                                 added by tenyo_match_json) */
    int nspecific;            /* specific words shared (compound parts once) */
    double content;           /* 0..1: specific shared content, as
                                 tenyo_idea.content */
    int nsame;                /* entries used in same */
    uint64_t same[TENYO_MATCH_SAME]; /* near-identical patents folded under
                                 this one (one invention filed again, a
                                 divisional, a sister filing): their texts
                                 share 80% of their weight or their title
                                 and applicant */
} tenyo_match;
int tenyo_match_text(tenyo_ctx *c, const char *text, size_t len, const tenyo_ideas_opts *o,
                     size_t nideas, tenyo_idea *ideas, int *got_ideas, size_t k,
                     tenyo_match *out);

/* Why licensable patent doc fits a company described by text: the
 * patent's sentence (title, abstract) sharing the most specific index terms
 * with the text, in out->evidence, the company's sentence sharing the most
 * of those in out->query, the shared terms most specific first in
 * out->terms (index terms: a stem for English). 1 with *out filled, 0 when
 * nothing specific is shared, or a negative status. Strings live until the
 * next tenyo_match_why, tenyo_idea_why or query on c. */
int tenyo_match_why(tenyo_ctx *c, const char *text, size_t len, uint64_t doc, tenyo_why *out);

/* What a company could make with a matched patent (tenyo_match_apply):
 * one concrete use, named in the patents' own text. Strings are the
 * index's (they live as long as it). */
typedef struct tenyo_match_app {
    int found;                /* 1: a use below; 0: none found */
    const char *code;         /* IPC subclass of the use */
    double confidence;        /* the ideas engine's confidence (0..1) that
                                 the field is a real use of such a patent */
    int from_company;         /* 1: a proposal of the company's own query
                                 (tenyo_match.uses); 0: of the patent's */
    int in_home;              /* 1: code is one of the company's home fields */
    const char *phrase;       /* application expression from the evidence
                                 patent's text ("内視鏡装置に用いる"), or
                                 NULL: the evidence patent's title names
                                 the use */
    const char *target;       /* what phrase names; NOT NUL-terminated */
    size_t target_len;        /* bytes of target */
    uint64_t evidence;        /* the evidence patent phrase or title is from */
    float evidence_similarity; /* its similarity to the query that found it
                                 (the patent, or the company's text) */
    double affinity;          /* its shared content with the company's text:
                                 sum of query x document tf-idf weight x
                                 specificity over shared terms */
    int own;                  /* 1: the patent's own text names the use
                                 (evidence is the patent itself: phrase is
                                 one of its application phrases, or NULL:
                                 its title, the claimed object); confidence
                                 is then -1 (stated, not estimated) */
    /* The judge's decision on the match as a card (judge/list.c), with
     * the use known: */
    int band;                 /* TENYO_BAND_*: the match's band, a strong
                                 one with no use found a candidate */
    unsigned weak;            /* TENYO_WEAK_*: the match's, with
                                 TENYO_WEAK_NO_USE when no use was found */
    int nwords;               /* shared words its why shows (tenyo_match_why
                                 on the company's text; 0: none) */
    int card;                 /* 1: a card of the list; 0: listed apart as
                                 not fitting (no word shown, generic words
                                 only, or one word of a far patent) */
} tenyo_match_app;
/* The use a company could make of each of the n matches mt (from the last
 * tenyo_match_text on c, whose ideas and got it takes, c holding that
 * query still) into out[0..n): first the patent's own text (own = 1: an
 * application phrase of its own stating a use, else its title, the
 * claimed object); else the patent's own proposals (its ideas, as one
 * tenyo_ideas_batch in a context of its own, with o's mode) and the
 * company query's proposals it is evidence for, candidate or strong cards
 * only: each field-fit application phrase of their shown evidence,
 * weighed by the proposal's confidence, whether the field is one of the
 * company's (or its class), the evidence's closeness and the phrase's own
 * weight, then moved at most 3x by the evidence's shared content with the
 * company's text. With the use known, the judge decides each match's band
 * and whether it is a card (band, weak, nwords, card: what tenyo_match_json
 * prints, decided here). Returns how many have a use
 * (out[i].found 1; 0 where none was found), or a negative status (message
 * in tenyo_ctx_error(c)). */
int tenyo_match_apply(tenyo_ctx *c, const tenyo_match *mt, size_t n, const tenyo_idea *ideas,
                      int got, const tenyo_ideas_opts *o, tenyo_match_app *out);

/* Home fields used by the last ideas call, comma-separated, and whether they
 * were predicted from the neighbours. Lives until the next call on c. */
const char *tenyo_ctx_home(const tenyo_ctx *c, int *predicted);

/* Display label of an IPC code (section "G", class "G06" or subclass
 * "G06F") in lang "ja" or "en": the most specific title known (built-in
 * section and class titles; subclass titles when loaded, else the IPC
 * subclass titles built into the library when its build had them). Never
 * NULL: the code itself when nothing is known. Static or index-owned
 * string. */
const char *tenyo_field_label(const tenyo_index *idx, const char *code,
                              const char *lang);

/* Load IPC titles (JPO Japanese TSV or English TSV scheme file) used by
 * tenyo_field_label. Call before sharing idx between threads. */
int tenyo_index_load_titles(tenyo_index *idx, const char *path, char *err,
                            size_t errlen);

/* IPC subclass of a classification code (IPC, FI or CPC): its first four
 * characters, spaces removed and upper-cased, when they form a subclass
 * (section A-H, two digits, a letter; CPC section Y is not one). 1 with the
 * subclass in out, else 0. The rule the index uses for fields. */
int tenyo_code_subclass(const char *code, char out[5]);

/* Co-classification: documents having field a, and having both a and b. */
uint64_t tenyo_index_cooccur(const tenyo_index *idx, uint32_t a, uint32_t b);
/* Field number of a subclass code, or -1. */
int64_t tenyo_index_field_find(const tenyo_index *idx, const char *code);

/* ------------------------------------------------------------ result JSON */

/* The results of ideas, match, similar and search as JSON text (ideas/
 * answer.c): the one schema that `tenyo ideas|match|similar|search --json`
 * prints, the HTTP server answers with and the Python binding returns, so
 * an embedder gets the idea sentences, the why, the evidence with links,
 * the warnings and the hidden counts without rebuilding them. Each call
 * renders an answer already computed on c (the last ideas or match call
 * on c: its bridge terms, phrases and notes), in lang "ja" or "en" (NULL:
 * "ja"; labels, sentences and warning messages). *out is one line of
 * compact JSON, malloc'd: release it with tenyo_json_free (or free()).
 * Returns TENYO_OK, TENYO_ERR_ARG (a NULL argument, a bad lang, a use index
 * out of range) or TENYO_ERR_NOMEM; *out is NULL on failure. The members
 * are listed in libtenyo(3) and tenyo(1) ("JSON output"); new members may
 * be added, none is renamed or removed without a version bump. */

/* {"query": {id, title | text, home, home_predicted, lang}, "ideas": [{rank,
 * field, label, label_ja, label_en, score, confidence, ..., bridge_terms,
 * phrases, evidence: [{id, title, similarity, open, applicant, date,
 * link}], idea, why?}], "warnings": [{code, message}], "hidden",
 * "hidden_thin", "hidden_content", "bands", "legend"} of ideas[0..got) just
 * returned by tenyo_ideas_doc / tenyo_ideas_text (or a batch callback) on
 * c for query q (q->doc >= 0: that document; else q->text, q->len) and a
 * request of asked proposals (fewer got than asked is a warning). Calls
 * tenyo_idea_why, so strings of an earlier why on c are invalidated. */
int tenyo_ideas_json(tenyo_ctx *c, const tenyo_query *q, const tenyo_idea *ideas, int got,
                     size_t asked, const char *lang, char **out);
/* tenyo_ideas_json for a reader of the list shown by default (the
 * terminal's list, `tenyo ideas` without --all): the cards outside it
 * (tenyo_idea.shown 0) are written without what explains them — their
 * bridge_terms, phrases and evidence empty, idea "", no why and no
 * judge_facts, "explained": false — and the why stage is not run for
 * them; the shown cards, the notes and the warnings are tenyo_ideas_json's.
 * Explaining the cards a reader does not see was about a tenth of an
 * ideas query at 60k documents. */
int tenyo_ideas_json_shown(tenyo_ctx *c, const tenyo_query *q, const tenyo_idea *ideas, int got,
                           size_t asked, const char *lang, char **out);
/* The ideas object of tenyo_ideas_json for the company text plus
 * "matches": [{rank, id, title, applicant, date, fields, link, similarity,
 * confidence, confidence_text, own_field, band, band_label, weak,
 * weak_reason, specific_words, content, application | application_none,
 * uses: [{idea, field, label, confidence, expected, bridge_terms, cautions,
 * phrase?, phrase_from?, use}], why?: {company, patent, terms}}] (the
 * cards), "reference": the matches that do not fit (generic words only, or
 * one word of a far patent; same members, no rank) with a
 * "nothing_else_fits" warning, and query {k, licensable, licence_known}, of what
 * tenyo_match_text(c, text, len, ...) just returned: got_ideas proposals
 * in ideas, n matches in m, for a request of k. */
int tenyo_match_json(tenyo_ctx *c, const char *text, size_t len, const tenyo_idea *ideas,
                     int got_ideas, const tenyo_match *m, int n, size_t k, const char *lang,
                     char **out);
/* {"query": {id, title, fields | text, mode, k}, "results": [{rank, id,
 * score, title, fields, applicant, date, open, link}], "warnings": []} of
 * hits[0..n) of tenyo_similar_doc / _text in mode for query q and k. */
int tenyo_similar_json(const tenyo_index *idx, const tenyo_query *q, tenyo_mode mode,
                       size_t k, const tenyo_hit *hits, int n, char **out);
/* The same shape for tenyo_search(c, f, k, hits) (query {mode: "keywords",
 * k}); warnings "unknown_words" (words no record contains:
 * tenyo_filter_note) and "no_match" (nothing matches f). f may be NULL. */
int tenyo_search_json(const tenyo_index *idx, tenyo_filter *f, size_t k,
                      const tenyo_hit *hits, int n, char **out);
/* Release a string of tenyo_*_json; accepts NULL. */
void tenyo_json_free(char *s);

/* The idea sentence of a proposal of the last ideas call on c, in lang
 * ("ja" | "en"; NULL: "ja"), as the "idea" member gives it: its first bridge
 * terms, the field and its label, the best application phrase in that
 * language that names a use in the field (tenyo_idea_phrases) and the
 * evidence patent it came from (else the one tenyo_idea_why quotes, else
 * the best): "画像・撮像に関する本技術を、医療（A61B）分野の「内視鏡装置」
 * に転用できる可能性（根拠: 特開2024-000001「…」）". Written into out (cap
 * bytes, cut if longer; 2048 is always enough); returns its length or
 * TENYO_ERR_ARG. Calls tenyo_idea_why (earlier why strings on c end). */
int tenyo_idea_sentence(tenyo_ctx *c, const tenyo_idea *idea, const char *lang, char *out,
                        size_t cap);
/* The public page of patent id: J-PlatPat's fixed address for 特開, 特許 and
 * 実登 numbers (and JP…A forms), Google Patents for 特表, 再表, older
 * Japanese and US numbers; "" when id is no patent number. Written into buf
 * (cap bytes; 256 is enough); returns buf. */
const char *tenyo_doc_link(const char *id, char *buf, size_t cap);
/* One line of the legend of an ideas answer (the "legend" member) by key
 * ("confidence", "unexpected", "bands") and lang ("ja" | "en"); "" for an
 * unknown key. Static string. */
const char *tenyo_idea_legend(const char *key, const char *lang);

/* --------------------------------------------------------- landscape map */

/* A 2-D map of the technical fields for display: the centroid of each
 * field's documents in the LSA space (L2-normalised) projected on the first
 * two principal axes of the centroids (PCA weighted by field size, computed
 * with LAPACK). Documents and queries are projected on the same axes, so a
 * patent lands near the fields whose vocabulary it shares. Immutable once
 * built: threads may share one map. */
typedef struct tenyo_map tenyo_map;

/* Build the map of idx, which must outlive it. TENYO_ERR_EMPTY when the
 * index has no LSA vectors or no fields. */
int tenyo_map_new(const tenyo_index *idx, tenyo_map **out, char *err,
                  size_t errlen);
void tenyo_map_free(tenyo_map *m);
/* Share of the centroids' weighted variance carried by axis 0 and axis 1
 * (share[0] >= share[1], both in [0, 1]). */
void tenyo_map_variance(const tenyo_map *m, double share[2]);
/* Coordinates of field j (0 <= j < nfields) into xy; TENYO_ERR_ARG when out
 * of range. */
int tenyo_map_field(const tenyo_map *m, uint32_t j, double xy[2]);
/* Coordinates of indexed document doc; TENYO_ERR_ARG when out of range. */
int tenyo_map_doc(const tenyo_map *m, uint64_t doc, double xy[2]);
/* Coordinates of the last query prepared on c (a similar or ideas call on
 * the map's index); TENYO_ERR_ARG before any query, for a query without
 * LSA weight, or for a context of another index. */
int tenyo_map_query(const tenyo_map *m, const tenyo_ctx *c, double xy[2]);

/* What the picture only suggests, exactly: the cosine similarity in the
 * full LSA space of document doc (or of the last query on c) with each
 * field's centroid, into sim[j] for the fields j < n (n = the number of
 * fields for all). Returns the count written, or TENYO_ERR_ARG as
 * tenyo_map_doc / tenyo_map_query. */
int tenyo_map_doc_similarity(const tenyo_map *m, uint64_t doc, double *sim, size_t n);
int tenyo_map_query_similarity(const tenyo_map *m, const tenyo_ctx *c, double *sim,
                               size_t n);

/* One label (or a bare marker) for tenyo_map_place_labels, in the units of
 * the picture (pixels, y growing downwards). */
typedef struct tenyo_map_label {
    double x, y;     /* in: centre of the marker the label names */
    double r;        /* in: marker radius (>= 0); every marker is an obstacle */
    double w, h;     /* in: size of the label's box; w <= 0: a marker only */
    int soft;        /* in: 1: a background marker that an important label
                        may cover when nothing else is free */
    int important;   /* in: 1: a label that may cover soft markers as a last
                        resort (never another label or a hard marker) */
    double bx, by;   /* out: top-left corner of the placed box */
    int placed;      /* out: 1 when placed, 0 when every position collided */
} tenyo_map_label;

/* Place the labels of l[0..n) in array order (most important first) inside
 * the picture [0, width] x [0, height]: each box goes to the first of eight
 * positions around its marker (right, left, above, below, then the four
 * diagonals) that stays in the picture and overlaps neither a box already
 * placed nor any marker of l (for an important label, when no position is
 * free, the first that overlaps only soft markers); a label with no such
 * position is left out (placed 0), never drawn over another. Deterministic, O(n^2); returns the
 * number placed, or TENYO_ERR_ARG (l NULL with n > 0, a size that is not
 * finite and positive). */
int tenyo_map_place_labels(tenyo_map_label *l, size_t n, double width, double height);

/* ------------------------------------------------------------ evaluation */

/* Split rule of `tenyo eval` (its --help says the protocols): 1 when
 * md5(salt + id) mod modulus == 0 (the md5 read as a 128-bit big-endian
 * integer), i.e. the document is a test query. */
int tenyo_split_is_test(const char *id, const char *salt, unsigned modulus);

#ifdef __cplusplus
}
#endif
#endif /* TENYO_H */
