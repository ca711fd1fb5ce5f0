/*
 * internal.h — what the modules of libtenyo share and the tests reach.
 *
 * Layers (one folder each, the CLI sees only include/tenyo.h):
 *   util/    allocation with overflow checks, error messages, string map
 *   text/    icu.c (ICU adapter: charsets, NFKC, word break),
 *            mecab.c (MeCab adapter), tokenizer.c (core: runs, stopwords)
 *   io/      jsonl.c (jansson), jplatpat.c (libcsv), jpoxml.c (expat),
 *            reader.c (file, charset, format detection, record errors)
 *   model/   csr.c (sparse matrix, threaded CSR x dense), tfidf.c (weights),
 *            svd.c (cblas/LAPACKE adapter: randomized truncated SVD)
 *   store/   store.c (zstd adapter: the index file)
 *   search/  search.c (exact scan: sparse TF-IDF, LSA through cblas, hybrid)
 *   api/     public entry points gluing the layers (builder, index, ctx)
 *
 * Internal names use the prefix ty_. Functions returning int use the
 * TENYO_OK / TENYO_ERR_* codes of tenyo.h.
 */
#ifndef TENYO_INTERNAL_H
#define TENYO_INTERNAL_H

#include "tenyo.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ================================================================ util */

/* Error message buffer carried by handles. */
#define TY_ERRLEN 512

/* Format a message into buf (size TY_ERRLEN or len); never overflows. */
void ty_seterr(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation helpers: NULL on overflow or failure. ty_calloc zeroes. */
void *ty_malloc(size_t n);
void *ty_calloc(size_t n, size_t size);
void *ty_mallocarray(size_t n, size_t size);
void *ty_reallocarray(void *p, size_t n, size_t size);
char *ty_strdup(const char *s);
char *ty_strndup(const char *s, size_t n);
/* a*b without overflow: 0 ok, -1 overflow. */
int ty_mul_overflow(size_t a, size_t b, size_t *out);

/* Wall-clock seconds (monotonic). */
double ty_now(void);
/* Number of online cores (>= 1). */
int ty_ncores(void);

/* Growable byte buffer. */
typedef struct ty_buf {
    char *p;      /* bytes, NUL-terminated when len < cap */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
} ty_buf;
int ty_buf_reserve(ty_buf *b, size_t extra);
int ty_buf_append(ty_buf *b, const void *p, size_t n);
int ty_buf_putc(ty_buf *b, char c);
void ty_buf_free(ty_buf *b);

/* String -> uint32 map (open addressing, FNV-1a). Keys are copied into an
 * internal arena; ids are dense 0..n-1 in insertion order. */
typedef struct ty_strmap ty_strmap;
ty_strmap *ty_strmap_new(void);
void ty_strmap_free(ty_strmap *m);
/* Id of key, inserting it when absent (*is_new set when given). <0 on OOM. */
int64_t ty_strmap_intern(ty_strmap *m, const char *key, size_t len, int *is_new);
/* Room for n keys without growing: 0, TENYO_ERR_NOMEM or _LIMIT. */
int ty_strmap_reserve(ty_strmap *m, uint32_t n);
/* Keys n strings of a loaded blob, blob + off[i * stride] (NUL-terminated),
 * as ids m->n .. m->n + n - 1, in order, without copying them: the blob must
 * outlive the map and not move. Hashes run ahead of the inserts so the
 * slots' cache misses overlap (a 1M-document id table). 0; 1 when a key
 * was already there (its number i in *dup; the keys before it are in);
 * TENYO_ERR_NOMEM or _LIMIT. */
int ty_strmap_add_blob(ty_strmap *m, const char *blob, const uint64_t *off,
                       size_t stride, uint64_t n, uint64_t *dup);
/* Id of key or -1. */
int64_t ty_strmap_get(const ty_strmap *m, const char *key, size_t len);
uint32_t ty_strmap_size(const ty_strmap *m);
/* Key of id (NUL-terminated, lives as long as m), length in *len if given. */
const char *ty_strmap_key(const ty_strmap *m, uint32_t id, size_t *len);

/* FNV-1a 64 with the offset basis this project has always used,
 * 1469598103934665603: a digit short of the published 14695981039346656037.
 * Kept because stored values depend on it (format-1/2 header checksums, the
 * MANIFEST "check", deletion files, fit ids, the IVF blob); not verifiable
 * with outside FNV tools. New stored checksums use ty_fnv1a_std. */
uint64_t ty_fnv1a(const void *p, size_t n);
/* FNV-1a 64 as published (offset basis 14695981039346656037): format-3
 * header checksums. */
uint64_t ty_fnv1a_std(const void *p, size_t n);

/* Little-endian integers in serialised blobs (ivf.c, linear.c). */
static inline void ty_put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void ty_put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t ty_get_le32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static inline uint64_t ty_get_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Something built on first use, once, from any thread (the lazily decoded
 * rows, the co-classification lists): the first caller of ty_once_run runs
 * fn(arg) under the mutex; every caller, then and later, gets its result
 * without taking the mutex again (acquire load of done, release store). */
typedef struct ty_once {
    pthread_mutex_t mu;
    int done; /* atomic */
    int rc;   /* fn's result */
} ty_once;
void ty_once_init(ty_once *o);
void ty_once_destroy(ty_once *o);
int ty_once_run(ty_once *o, int (*fn)(void *arg), void *arg);

/* ================================================================ text */

/* --- ICU adapter (text/icu.c) --- */

/* Detect the charset of a byte sample: "UTF-8" (also with BOM, and pure
 * ASCII), "Shift_JIS", "EUC-JP", "ISO-2022-JP", "UTF-16LE/BE", or another
 * ICU name. The sample may end inside a character. */
int ty_charset_detect(const char *buf, size_t len, char *name, size_t namelen);
/* Convert bytes in charset `from` to UTF-8 (BOM dropped). *out is malloc'd
 * and NUL-terminated. Unmappable bytes are an error that names the byte
 * offset in err. TENYO_ERR_DEPENDENCY for an unknown charset name. */
int ty_charset_to_utf8(const char *from, const char *in, size_t inlen,
                       char **out, size_t *outlen, char *err, size_t errlen);
/* 1 when ICU takes charset names a and b for the same converter
 * ("latin9" and "ISO-8859-15", "CP932" and "windows-31j"). */
int ty_charset_same(const char *a, const char *b);
/* 1 when p[0..len) is well-formed UTF-8; else 0 and *bad = first bad offset. */
int ty_utf8_valid(const char *p, size_t len, size_t *bad);

/* Per-thread ICU state: normalizer, word-break iterator, UTF-16 scratch. */
typedef struct ty_icu ty_icu;
int ty_icu_new(ty_icu **out, char *err, size_t errlen);
void ty_icu_free(ty_icu *u);
/* NFKC + case folding of UTF-8 text into out (replaced, NUL-terminated). */
int ty_icu_normalize(ty_icu *u, const char *in, size_t len, ty_buf *out);
/* ICU word break over UTF-8 text; emit() gets each word-like segment
 * (letters or numbers, not punctuation/space) as a UTF-8 slice of text. */
int ty_icu_words(ty_icu *u, const char *text, size_t len,
                 void (*emit)(void *ud, const char *w, size_t n), void *ud);

/* --- MeCab adapter (text/mecab.c) --- */

/* Shared, immutable MeCab model (thread-safe to share). */
typedef struct ty_mecab ty_mecab;
/* One morpheme as the adapter reports it. Strings are slices valid only
 * during the callback. */
typedef struct ty_morph {
    const char *surface; size_t surface_len; /* text as written */
    const char *base; size_t base_len;       /* 原形 (base form) or surface */
    const char *pos;                         /* feature CSV, e.g. 名詞,一般,... */
    size_t pos_len;                          /* bytes of the feature string */
} ty_morph;
int ty_mecab_new(const char *dicdir, ty_mecab **out, char *err, size_t errlen);
void ty_mecab_free(ty_mecab *m);
/* Dictionary identity: file, charset, version, size. Lives as long as m. */
const char *ty_mecab_identity(const ty_mecab *m);
/* Per-thread lattice/tagger. */
typedef struct ty_mecab_ctx ty_mecab_ctx;
int ty_mecab_ctx_new(const ty_mecab *m, ty_mecab_ctx **out);
void ty_mecab_ctx_free(ty_mecab_ctx *c);
/* Analyse UTF-8 text, calling emit for every morpheme in order. */
int ty_mecab_parse(ty_mecab_ctx *c, const char *text, size_t len,
                   void (*emit)(void *ud, const ty_morph *m), void *ud);

/* --- Snowball adapter (text/stem.c) --- */

/* One English (Porter2) stemmer; not thread-safe: one per tokenizer
 * context. */
typedef struct ty_stemmer ty_stemmer;
int ty_stemmer_new(ty_stemmer **out, char *err, size_t errlen);
void ty_stemmer_free(ty_stemmer *s);
/* Stem the lowercase word w[0..n) in place (w has room for cap bytes);
 * returns the stem's length, 0 when libstemmer ran out of memory. */
size_t ty_stem(ty_stemmer *s, char *w, size_t n, size_t cap);

/* --- tokenizer core (text/tokenizer.c) --- */

/* Shared part: MeCab model, stopword sets, options. Immutable once built. */
typedef struct ty_tokenizer ty_tokenizer;
/* Per-thread part: MeCab lattice, ICU state, scratch. */
typedef struct ty_tokctx ty_tokctx;

int ty_tokenizer_new(const tenyo_tok_opts *o, ty_tokenizer **out, char *err,
                     size_t errlen);
void ty_tokenizer_free(ty_tokenizer *t);
/* "mecab:<dictionary identity>;parts=1;stem=0;stop=<hash>;v=1" */
const char *ty_tokenizer_identity(const ty_tokenizer *t);
int ty_tokctx_new(const ty_tokenizer *t, ty_tokctx **out, char *err,
                  size_t errlen);
void ty_tokctx_free(ty_tokctx *c);
/* Normalize and tokenize UTF-8 text. Emits terms in order; returns count or
 * a negative status (TENYO_ERR_INPUT for invalid UTF-8). */
int ty_tokenize(ty_tokctx *c, const char *text, size_t len,
                void (*emit)(void *ud, const char *term, size_t n), void *ud);
/* Where ty_tokenize_sink reports. term is required; the others optional. */
typedef struct ty_tok_sink {
    void (*term)(void *ud, const char *term, size_t n);        /* index term */
    void (*surface)(void *ud, const char *term, size_t n,      /* a stemmed */
                    const char *word, size_t wn);              /* term's word,
                                                                  right after term() */
    void (*phrase)(void *ud, const char *target, size_t tn,    /* application */
                   const char *expr, size_t en);               /* phrase */
    void *ud;                                                  /* their argument */
} ty_tok_sink;
/* ty_tokenize with every sink of s. */
int ty_tokenize_sink(ty_tokctx *c, const char *text, size_t len,
                     const ty_tok_sink *s);

/* --- application phrases (text/phrases.c), fed by the tokenizer --- */

#define TY_PHRASE_MAX 192   /* longest expression (bytes) */
#define TY_NP_MEMBERS 12    /* most morphemes kept for one noun phrase */

/* A noun phrase being assembled from morphemes. */
typedef struct ty_np {
    char text[96];                   /* surfaces of the members */
    uint32_t off[TY_NP_MEMBERS + 1]; /* member i is text[off[i], off[i+1]) */
    uint8_t kind[TY_NP_MEMBERS];     /* morpheme kind of each member */
    int nmem;                        /* members used */
} ty_np;

/* Pattern state over one text (phrases.c); zero-initialise, set emit/ud. */
typedef struct ty_phraser {
    void (*emit)(void *ud, const char *target, size_t tn, const char *expr,
                 size_t en);         /* sink (slices valid during the call) */
    void *ud;                        /* its argument */
    ty_np cur;                       /* noun phrase being read */
    ty_np last;                      /* the one that ended just before */
    int cur_has_no;                  /* cur already holds one の */
    int prev;                        /* kind of the previous morpheme */
    const char *prev_end;            /* end of its surface in the text */
    int sonae;                       /* >0: a 「NPを備えた」 waits for its NP */
    char sonae_np[96];               /* the NP before を */
    size_t sonae_len;                /* its bytes */
    int en_state;                    /* 2: reading an English target */
    int en_nw;                       /* words in en_w */
    int en_tw;                       /* words in en_target */
    int en_of;                       /* en_target holds an "of" */
    int en_use;                      /* skipped "use" after the trigger */
    char en_w[3][24];                /* the last three words */
    char en_trig[32];                /* trigger of the target being read */
    char en_target[128];             /* the target being read */
    size_t en_tlen;                  /* its bytes */
} ty_phraser;
void ty_phr_reset(ty_phraser *p);
/* One morpheme of a Japanese run, in order. */
void ty_phr_morph(ty_phraser *p, const ty_morph *m);
/* One word of a non-Japanese run (case-folded, matched against the
 * triggers); orig: the same bytes in their original case, or NULL (the
 * target is then quoted folded); punct_before: punctuation since the
 * previous word (ends a target). */
void ty_phr_word(ty_phraser *p, const char *w, size_t n, const char *orig,
                 int punct_before);
/* End of a run: report what is pending, reset. */
void ty_phr_end(ty_phraser *p);

/* Language guess for UTF-8 text: "ja" when kana/kanji dominate, else "en". */
const char *ty_detect_lang(const char *text, size_t len);

/* ================================================================== io */

/* A record being assembled by a format parser (io/). The parser fills the
 * ty_buf fields; reader.c validates and exposes it as a tenyo_doc. */
typedef struct ty_record {
    ty_buf id, title, abstract, claims, description, applicant, date, lang;
    char **codes;       /* classification codes (malloc'd strings) */
    size_t ncodes, capcodes;
    int open;           /* open / licensable flag */
    long line;          /* line or record number of the record start */
} ty_record;
void ty_record_clear(ty_record *r);  /* empty it, keep allocations */
void ty_record_free(ty_record *r);
int ty_record_add_code(ty_record *r, const char *code, size_t n);

/* Normalize a date "YYYY-MM-DD", "YYYY/MM/DD" or "YYYYMMDD" in place to
 * YYYY-MM-DD; 0 ok, -1 when it is not a date (then left unchanged). */
int ty_date_normalize(ty_buf *date);

/* Record parsers. Each takes UTF-8 text (in pieces: ty_parser below; or
 * whole: ty_parse_*) and calls sink(ud, rec) for each good record,
 * report(...) for bad ones (with line or record number). They return
 * TENYO_OK, or a negative status when the sink asked to stop (nonzero
 * return) or the whole input is unusable. */
/* The sink may move the contents out of rec (leaving it zeroed); parsers
 * only ty_record_clear() it afterwards. Nonzero return stops the parse. */
typedef int (*ty_record_sink)(void *ud, ty_record *rec);
typedef struct ty_parse_env {
    const char *path;        /* file name for messages */
    ty_record_sink sink;     /* receives good records */
    void *ud;                /* sink's argument */
    tenyo_report_fn report;  /* receives bad records (may be NULL) */
    void *report_ud;
    uint64_t bad;            /* incremented per reported bad record */
    char err[TY_ERRLEN];     /* message when the whole input is unusable */
    int strict;              /* 1: the first bad record stops the parse */
    size_t max_record;       /* longest record in bytes; 0 = TY_MAX_RECORD
                                (tests set less) */
} ty_parse_env;

/* Longest record accepted: bytes of one JSONL line, one CSV row or the text
 * of one gazette document. A longer one is a bad record ("record larger
 * than 16 MiB") and is skipped without ever being held whole. */
#define TY_MAX_RECORD ((size_t)16 << 20)
/* Report a bad record at line (io/record.c): counts env->bad and calls
 * env->report with the message; returns 0 to go on. In strict mode it puts
 * "path:line: message" in env->err instead and returns TENYO_ERR_INPUT (the
 * parser stops). */
int ty_parse_bad(ty_parse_env *env, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report a notable but kept record ("warning: ..."); not counted, never
 * fatal. */
void ty_parse_warn(ty_parse_env *env, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report the record at line as larger than env->max_record ("record
 * larger than 16 MiB"), as ty_parse_bad does. */
int ty_parse_too_big(ty_parse_env *env, long line);
/* Add the comma-separated codes of s[0..n) (each trimmed, empty ones and
 * repeats dropped) to r. A piece that starts with a digit continues
 * the code before it: J-PlatPat writes FI subdivisions as "B23K9/12,331@L". */
int ty_record_add_codes(ty_record *r, const char *s, size_t n);
/* Whole-text parsers: one incremental parser fed text[0..len) as its only
 * and final piece. */
int ty_parse_jsonl(ty_parse_env *env, const char *text, size_t len);
int ty_parse_jplatpat(ty_parse_env *env, const char *text, size_t len);
int ty_parse_jpoxml(ty_parse_env *env, const char *text, size_t len);

/* An incremental record parser (one per file): UTF-8 text is fed in pieces
 * cut anywhere (inside a line, a character, a tag); each record goes to
 * env->sink as soon as it is complete, so memory is bounded by the longest
 * record (env->max_record), not by the file. Line and record numbers and
 * every message are those the whole-text parse gives. */
typedef struct ty_parser {
    int (*feed)(void *impl, const char *text, size_t len, int final);
                             /* the format's feed (returns a status) */
    void (*free)(void *impl); /* the format's destructor */
    void *impl;              /* the format's state */
    int rc;                  /* status that ended the parse, 0 going on */
    int done;                /* the final piece has been fed */
} ty_parser;
/* Set p up for one format; env must outlive p. 0 or TENYO_ERR_NOMEM (with
 * the message in env->err). */
int ty_parser_jsonl(ty_parse_env *env, ty_parser *p);
int ty_parser_jplatpat(ty_parse_env *env, ty_parser *p);
int ty_parser_jpoxml(ty_parse_env *env, ty_parser *p);
/* Feed text[0..len); final = 1 with the last piece (len may be 0). Returns
 * TENYO_OK, or the negative status that ended the parse (strict mode, an
 * unusable file, no memory, the sink); later calls return it again. */
int ty_parser_feed(ty_parser *p, const char *text, size_t len, int final);
/* Free the format's state (not p itself); accepts a zeroed p. */
void ty_parser_free(ty_parser *p);

/* Streaming charset conversion to UTF-8 (implemented in text/icu.c, the
 * ICU adapter): the strict conversion of ty_charset_to_utf8 fed piece by
 * piece; a character cut between pieces is completed by the next one. */
typedef struct ty_conv ty_conv;
/* TENYO_ERR_DEPENDENCY with "unknown encoding 'x'" for an unknown name. */
int ty_conv_open(const char *from, ty_conv **out, char *err, size_t errlen);
/* Convert the next in[0..inlen) of the stream, appending UTF-8 to out
 * (NUL-terminated); flush = 1 with the last piece. A leading byte-order
 * mark of the stream is dropped. A byte invalid in the charset is
 * TENYO_ERR_INPUT with "bytes near offset N are not valid CS (ICU error)"
 * in err (N counted from the start of the stream) and out unchanged. */
int ty_conv_run(ty_conv *c, const char *in, size_t inlen, int flush,
                ty_buf *out, char *err, size_t errlen);
/* Stream offset of the first byte of the invalid sequence that stopped the
 * last ty_conv_run (for the line number of a message). */
uint64_t ty_conv_bad_offset(const ty_conv *c);
void ty_conv_free(ty_conv *c);  /* accepts NULL */

/* ================================================================ model */

/* Compressed sparse rows, float values, 32-bit column indices. */
typedef struct ty_csr {
    uint64_t nrows, ncols;
    uint64_t *rowptr;   /* nrows+1 offsets into col/val */
    uint32_t *col;      /* column index per non-zero, sorted within a row */
    float *val;         /* value per non-zero */
} ty_csr;
void ty_csr_free(ty_csr *m);

/* The field model (model/linear.c): one logistic classifier per field over
 * the TF-IDF rows, its largest weights kept term-major. */
typedef struct ty_fieldmodel {
    uint64_t nterms;
    uint32_t nfields;
    uint64_t *ptr;     /* nterms+1 offsets into field/w */
    uint32_t *field;   /* field of each kept weight */
    float *w;          /* the weight */
    float *bias;       /* per field */
    uint8_t *trained;  /* per field: 1 when it has a model */
} ty_fieldmodel;
struct ty_model;
/* Train on m's TF-IDF rows (decoded); deterministic. */
int ty_fieldmodel_train(const struct ty_model *m, ty_fieldmodel *fm);
/* The model as a self-checking blob (the index section "fieldmodel"),
 * fields named by code so that it survives renumbering by updates. */
int ty_fieldmodel_write(const ty_fieldmodel *fm, const struct ty_model *m, ty_buf *out);
/* Read a blob back for model m (whose first terms are the ones it was
 * trained on; fields matched by code, those m lacks dropped); every count,
 * offset and float checked: why says what is wrong. */
int ty_fieldmodel_read(const char *blob, size_t len, const struct ty_model *m,
                       ty_fieldmodel *fm, char *why, size_t whylen);
/* z[f] = the decision value of field f for the query (qt, qw)[0..qn). */
void ty_fieldmodel_score(const ty_fieldmodel *fm, const uint32_t *qt, const float *qw, size_t qn,
                         float *z);
void ty_fieldmodel_free(ty_fieldmodel *fm);
/* Weight of term t for field f (0 when not kept). */
float ty_fieldmodel_weight(const ty_fieldmodel *fm, uint32_t t, uint32_t f);
/* Terms per field kept as characteristic (tenyo_index.fm_top). */
#define TY_FM_TOP 48
/* C (nrows x k, row-major) = A * B (ncols x k, row-major), threads >= 1. */
void ty_csr_mul_dense(const ty_csr *a, const float *b, size_t k, float *c,
                      int threads);
/* C (ncols x k, row-major) = A^T * B (nrows x k, row-major). */
void ty_csr_tmul_dense(const ty_csr *a, const float *b, size_t k, float *c,
                       int threads);
/* T = A^T as CSR (A's CSC form; rows of T sorted). t is zeroed first and
 * owned by the caller (ty_csr_free). ty_csr_mul_dense(T, ...) gives the same
 * bits as ty_csr_tmul_dense(A, ...). TENYO_ERR_NOMEM, _LIMIT, _ARG. */
int ty_csr_transpose(const ty_csr *a, ty_csr *t);

/* TF-IDF weighting (model/tfidf.c): smoothed idf = ln((1+n)/(1+df)) + 1,
 * tf = 1 + ln(count), rows L2-normalised. */
void ty_idf_compute(const uint32_t *df, uint64_t nterms, uint64_t ndocs,
                    float *idf);
/* Weight a row of (term, count) pairs in place into (term, weight), sorted by
 * term; returns the L2 norm before normalisation (0 for an empty row). */
double ty_tfidf_row(uint32_t *terms, float *vals, size_t n, const float *idf);
/* ty_tfidf_row for a row whose terms strictly increase and whose values are
 * whole counts >= 1 (a row being loaded): the same bits, faster. */
double ty_tfidf_row_counts(const uint32_t *terms, float *vals, size_t n, const float *idf);
/* The same, but duplicate terms (summed) and non-positive counts are
 * removed: *n is updated to the entries kept. ty_tfidf_row keeps n entries,
 * a duplicate after the first of its term staying with weight 0. */
double ty_tfidf_row_n(uint32_t *terms, float *vals, size_t *n,
                      const float *idf);
/* Static pruning of one row of n sorted terms with their weights (vals,
 * from ty_tfidf_row) and counts (tf): keep the `keep` highest weights (ties
 * to the lower term), in term order, and weigh the kept counts again (the
 * row is renormalised, as the loader will derive it). scratch holds n
 * floats. Returns the entries kept (n when n <= keep). */
size_t ty_tfidf_prune(uint32_t *terms, float *vals, uint32_t *tf, size_t n, size_t keep,
                      const float *idf, float *scratch);

/* Randomized truncated SVD (model/svd.c; Halko, Martinsson, Tropp 2011).
 * A = U S V^T; returns the top `rank` triplets. V is ncols x rank row-major
 * (the term basis), S has rank entries (descending), U (optional, may be
 * NULL) nrows x rank row-major. Deterministic for a given seed and any
 * thread count, and for any split of the rows over processes (comm).
 *
 * Rows split over processes: each process passes its own contiguous rows
 * of A (all ncols columns) starting at global row `row0`, a multiple of the
 * block; every process gets the same S and V (and its own rows of U), the
 * same bits as one process holding all rows. The library does no message
 * passing itself: the caller supplies the two collective reductions
 * (tenyo-mpi maps them on MPI_Allreduce). Every process must call with the
 * same options, nrows_total and ncols. */
typedef struct ty_svd_comm {
    uint64_t row0;        /* global index of this process's first row (a
                             multiple of the block; 0 with one process) */
    uint64_t nrows_total; /* rows of A over all processes */
    /* x[0..n) = the sum over all processes, element-wise, exact (integer
     * addition: any order gives the same result). 0 ok, else a tenyo
     * status. */
    int (*sum_i64)(void *ud, int64_t *x, size_t n);
    /* x[0..n) = the maximum over all processes, element-wise. */
    int (*max_f64)(void *ud, double *x, size_t n);
    /* x is a block of rows of row_len floats; process p has filled rows
     * [row_off[p], row_off[p + 1]) (size + 1 offsets); afterwards every
     * process holds all of them. */
    int (*gather_f32)(void *ud, float *x, size_t row_len,
                      const uint64_t *row_off);
    /* Optional (NULL: sum_i64 over the whole block): x is a block of rows
     * of row_len int64; afterwards process p's rows [row_off[p],
     * row_off[p + 1]) hold the element-wise sum over all processes (exact);
     * its other rows hold anything. Half an all-reduce's traffic, and
     * each process converts only its rows (the terms side's chunks). */
    int (*sum_scatter_i64)(void *ud, int64_t *x, size_t row_len,
                           const uint64_t *row_off);
    void *ud;             /* their first argument */
    int rank, size;       /* this process's number, and how many there are
                             (the terms side's chunks are shared out by
                             them) */
} ty_svd_comm;
/* Rows per block of the fixed-block reductions (svd.c's top): the default
 * of ty_svd_opts.block, and the unit in which rows are split over
 * processes. */
#define TY_SVD_BLOCK 4096
typedef struct ty_svd_opts {
    int rank;           /* wanted rank (<= min(nrows, ncols)) */
    int oversample;     /* extra sample vectors */
    int power_iters;    /* subspace iterations */
    uint64_t seed;      /* random seed */
    int threads;        /* threads for the CSR products */
    void (*progress)(void *ud, uint64_t done, uint64_t total); /* after each
                           of the 2 power_iters + 3 passes, or NULL */
    void *progress_ud;  /* its argument */
    uint32_t block;     /* rows per reduction block (0: TY_SVD_BLOCK);
                           part of the result: every process and every
                           build compared must use the same */
    const ty_svd_comm *comm; /* rows split over processes, or NULL: this
                           process holds all rows */
} ty_svd_opts;
int ty_svd_randomized(const ty_csr *a, const ty_svd_opts *o, float *u,
                      float *s, float *v, char *err, size_t errlen);

/* ================================================================ index */

/* The whole index in memory, as stored and loaded by store/store.c. */
typedef struct ty_lazy ty_lazy;
typedef struct ty_model {
    /* how it was made */
    uint32_t format_version;  /* version read or written */
    int updated;              /* header flag: an update was committed for
                                 this base (format 3) */
    char *tokenizer;          /* tokenizer identity string */
    char *writer;             /* "tenyo 0.1.0" */
    char *mecab_dicdir;       /* dictionary directory used ("" = default) */
    int keep_parts, stem;     /* tokenizer options */
    uint64_t seed;            /* SVD seed */
    int32_t min_df;           /* df filter */
    double max_df_ratio;      /* df filter */
    int32_t oversample, power_iters; /* SVD options */
    uint32_t max_terms;       /* terms kept per document (0: all) */
    int64_t created;          /* unix time written */

    /* vocabulary */
    uint64_t nterms;          /* terms */
    char *term_blob;          /* all terms, each NUL-terminated */
    uint64_t term_blob_len;   /* bytes in term_blob */
    uint64_t *term_off;       /* nterms offsets into term_blob */
    uint32_t *df;             /* document frequency per term */
    float *idf;               /* idf per term */

    /* LSA */
    uint32_t dim;             /* rank k */
    float *sigma;             /* k singular values, descending */
    float *basis;             /* nterms x k row-major: V (term basis), as
                                 floats (built, or read from format 1;
                                 NULL when read from format 2: basis_q) */
    int8_t *basis_q;          /* format 2: the stored int8 codes of the
                                 basis (nterms x k) and their per-row */
    float *basis_qscale;      /* scales; a row is basis_qscale[t] *
                                 basis_q[t k + j], dequantised only for the
                                 terms a fold-in needs (ty_fold_in); written
                                 back as they are */
    float *docvec;            /* ndocs x k row-major, rows L2-normalised
                                 (built, or read from format 1; NULL when
                                 read from format 2 or merged: doc_q) */

    /* sparse TF-IDF rows (L2-normalised) */
    ty_csr tfidf;             /* ndocs x nterms */
    uint32_t *tf;             /* raw term count of each non-zero (what
                                 format 2 stores; the weights are derived
                                 from it), or NULL when not known or not
                                 decoded yet (tf_leb: ty_model_need_tf) */
    struct ty_lazy *lazy;     /* read lazily: the rows not decoded yet
                                 (store.c; ty_model_need_sparse). It
                                 points back at this model: a lazily read
                                 model stays where it was read */
    unsigned char *tf_leb;    /* loaded: the counts as stored (LEB128, one
                                 byte each for counts below 128), checked;
                                 decoded into tf only when needed */
    uint64_t tf_leb_len;      /* bytes in tf_leb */

    /* documents */
    uint64_t ndocs;           /* documents */
    char *meta_blob;          /* strings of all docs, NUL-terminated */
    uint64_t meta_blob_len;   /* bytes in meta_blob */
    uint64_t *meta_off;       /* ndocs x TY_META_NSTR offsets into meta_blob */
    uint8_t *open;            /* open flag per doc */
    uint8_t *lang;            /* 0 = ja, 1 = en per doc */
    uint64_t *field_ptr;      /* ndocs+1 offsets into field_ids */
    uint16_t *field_ids;      /* field (subclass) numbers per doc */

    /* fields (IPC subclasses) */
    uint32_t nfields;         /* distinct subclasses */
    char (*field_code)[8];    /* code per field, NUL-padded ("A61B") */
    uint64_t *field_count;    /* documents per field */

    /* explanation aids (optional sections; NULL / 0 when absent) */
    char *surf_blob;          /* nterms NUL-terminated surface words of
                                 stemmed terms ("" = the term itself) */
    uint64_t surf_blob_len;   /* bytes in surf_blob */
    uint64_t *surf_off;       /* nterms offsets into surf_blob */
    uint64_t nphrases;        /* distinct application phrases */
    char *phr_blob;           /* phrases "target\x1fexpression", NUL-terminated */
    uint64_t phr_blob_len;    /* bytes in phr_blob */
    uint64_t *phr_off;        /* nphrases offsets into phr_blob */
    uint64_t *phr_ptr;        /* ndocs+1 offsets into phr_ids (NULL: none) */
    uint32_t *phr_ids;        /* phrase numbers per document */
    char *ivf_blob;           /* approximate-search lists (ty_ivf_write),
                                 or NULL */
    uint64_t ivf_len;         /* bytes in ivf_blob */
    char *fm_blob;            /* the field model (ty_fieldmodel_write), or
                                 NULL: trained on first use instead */
    uint64_t fm_len;          /* bytes in fm_blob */
    char *labels_blob;        /* IPC titles given at index time
                                 (ty_labels_serialize), or NULL */
    uint64_t labels_len;      /* bytes in labels_blob */
    char *common_blob;        /* terms the build dropped for being in more
                                 than max_df_ratio of the documents,
                                 NUL-terminated each, or NULL */
    uint64_t common_len;      /* bytes in common_blob */
    char *abs_text;           /* to write: every document's abstract,
                                 NUL-terminated, in document order (NULL:
                                 no section "abstracts") */
    uint64_t abs_text_len;    /* bytes in abs_text */
    struct ty_abs *abs;       /* read: the abstracts of the documents
                                 (store.c, decoded on first use), or NULL */

    /* filled at load, not stored */
    int8_t *doc_q;            /* format 2: the stored int8 codes of the
                                 document vectors (ndocs x dim, row-major;
                                 taken over by tenyo_index_open as its
                                 vectors, ty_q8_adopt), or NULL */
    float *doc_qscale;        /* their stored per-row scales (ndocs), or
                                 NULL; written back as they are */
    uint64_t file_bytes;      /* file size */
    int nsections;            /* sections read/written */
    tenyo_section_info sections[TENYO_MAX_SECTIONS];
} ty_model;

/* Strings stored per document, in this order in meta_off. */
enum { TY_META_ID, TY_META_TITLE, TY_META_APPLICANT, TY_META_DATE,
       TY_META_CODES, TY_META_FIELDS, TY_META_NSTR };

void ty_model_free(ty_model *m);  /* frees members, not m itself */

/* Abstracts (optional section "abstracts", store.c): kept for reading —
 * evidence, the "why" of a proposal — never scored. A handle reads one
 * file's section on first use (its descriptor kept from the open, so a file
 * replaced since still reads as it was), or composes several (an index with
 * updates: base and segments, by global position). */
typedef struct ty_abs ty_abs;
/* The abstract of document doc into out (replacing its content,
 * NUL-terminated; "" when the document has none). TENYO_ERR_CORRUPT with
 * the file named in err when the section is damaged. Thread-safe. */
int ty_abs_get(ty_abs *a, uint64_t doc, ty_buf *out, char *err, size_t errlen);
/* A handle over parts (taken over, NULL entries allowed: no abstracts
 * there): document d of the result is global position gpos[d] (NULL: d),
 * which lies in the part p with first[p] <= pos < first[p + 1] (first has
 * nparts + 1 entries). gpos is copied. NULL when out of memory (the parts
 * are freed then). */
ty_abs *ty_abs_compose(ty_abs **parts, const uint64_t *first, uint32_t nparts,
                       const uint64_t *gpos, uint64_t ndocs);
/* Compressed bytes of the section(s) behind a (0 for NULL). */
uint64_t ty_abs_bytes(const ty_abs *a);
void ty_abs_free(ty_abs *a);
/* Whether m knows its term counts (format 2), and m->tf decoded from the
 * bytes loading kept (tf_leb), once: 0, or TENYO_ERR_NOMEM. Opening keeps
 * the counts encoded (1 byte per non-zero instead of 4: 450 MB less at 1M
 * documents); updates and rebuild decode them. */
#define ty_model_has_tf(m) ((m)->tf != NULL || (m)->tf_leb != NULL || (m)->lazy != NULL)
int ty_model_need_tf(ty_model *m, char *err, size_t errlen);
/* The sparse rows (m->tfidf.col / val, m->tf_leb) of a model read by
 * ty_store_read_lazy, decoded and checked on the first call (all cores),
 * from any thread; later calls return at once with the same outcome.
 * Every reader of those arrays calls it first. 0, or the error with the
 * message (file and section) in err. A model without m->lazy has them. */
int ty_model_need_sparse(const ty_model *m, char *err, size_t errlen);

/* Write atomically (temp + fsync + rename). Fills m->sections/file_bytes.
 * TENYO_ERR_UNSYNCED (with the message) when the file is in place but the
 * directory sync after the rename failed. */
int ty_store_write(ty_model *m, const char *path, char *err, size_t errlen);
/* Set the "updated" byte of the base file at path (format 3; formats 1-2
 * are left as they are), fdatasync'd. Under the writer lock. */
int ty_store_mark_updated(const char *path, char *err, size_t errlen);
/* Load and validate; m is zeroed first and freed on failure. */
int ty_store_read(const char *path, ty_model *m, char *err, size_t errlen);
/* The same, but a format-2 file's sparse rows are only located and
 * bounds-checked: decoded on first use (ty_model_need_sparse), the file
 * kept open until then. What an index opened for queries uses: a query
 * that needs no TF-IDF (LSA, IVF, metadata) never pays for them. */
int ty_store_read_lazy(const char *path, ty_model *m, char *err, size_t errlen);
/* Sparse rows are decoded by up to ty_store_threads threads (0: the
 * cores), each with at least ty_store_nnz_per_thread non-zeros (tests). */
extern uint64_t ty_store_nnz_per_thread;
extern int ty_store_threads;

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
/* Deletion file dir/name: sorted unique global positions, each < total. */
int ty_dels_read(const char *dir, const char *name, uint64_t total, uint64_t **pos,
                 uint64_t *n, char *err, size_t errlen);
int ty_dels_write(const char *dir, const char *name, const uint64_t *pos, uint64_t n,
                  char *err, size_t errlen);
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
/* Mark the listed patents of "<path>.upd/OPEN" licensable in x (at open,
 * api/openlist.c): x->m.open becomes records' flag OR listed, the records'
 * own flags are kept in x->open_rec (what a rebuild writes back). */
int ty_open_apply(tenyo_index *x, const char *path, char *err, size_t errlen);

/* Bounds accepted when loading (untrusted files). */
#define TY_MAX_DOCS   (1ull << 32)
#define TY_MAX_TERMS  (1ull << 31)
#define TY_MAX_DIM    4096
#define TY_MAX_FIELDS 65535
#define TY_MAX_NNZ    (1ull << 36)

/* =============================================================== search */

/* Keep the k best (score, doc) pairs: a min-heap of size k. */
typedef struct ty_topk {
    size_t k, n;              /* capacity, used */
    tenyo_hit *h;             /* heap storage (caller-owned, k entries) */
} ty_topk;
void ty_topk_init(ty_topk *t, tenyo_hit *storage, size_t k);
void ty_topk_insert(ty_topk *t, uint64_t doc, float score);
/* Offer (doc, score): a full heap turns away a score below its worst here,
 * without a call (most of a scan's documents); ties, NaN and the rest go to
 * ty_topk_insert. */
static inline void ty_topk_push(ty_topk *t, uint64_t doc, float score) {
    if (t->n == t->k && t->k && score < t->h[0].score) return;
    ty_topk_insert(t, doc, score);
}
/* Sort best-first (score desc, doc asc) and return the count. */
size_t ty_topk_finish(ty_topk *t);
/* The k best of s[0..n) but document skip (UINT64_MAX: none) into out,
 * best first, as pushing each into a ty_topk would give; returns the count.
 * Only the scores above a sampled threshold reach the heap. */
size_t ty_topk_array(const float *s, uint64_t n, uint64_t skip, size_t k, tenyo_hit *out);

/* Cosine of a sparse, L2-normalised query (terms sorted, may be empty)
 * against every TF-IDF row: scores[ndocs]. qdense is nterms zeroed floats of
 * scratch, returned zeroed. */
/* The same scores from post, the TF-IDF matrix transposed (a row of
 * documents per term: ty_csr_transpose), walking only the query terms'
 * postings; bit-identical to ty_scan_tfidf. 0 or TENYO_ERR_NOMEM. */
int ty_scan_tfidf_postings(const ty_csr *post, uint64_t ndocs, const uint32_t *qt, const float *qw,
                           size_t qn, float *qdense, float *scores);
void ty_scan_tfidf(const ty_model *m, const uint32_t *qt, const float *qw,
                   size_t qn, float *qdense, float *scores);
/* Fold a sparse TF-IDF query into the LSA space: out[dim] = q V, then
 * L2-normalised (all zero when q has no weight). */
void ty_fold_in(const ty_model *m, const uint32_t *qt, const float *qw,
                size_t qn, float *out);


/* ================================================================== api */

/* --- int8 document vectors (search/quant.c) --- */

/* Rows quantised to int8 with a float scale each (x ~= scale * q). */
typedef struct ty_q8 {
    uint64_t n;               /* rows */
    size_t dim;               /* bytes per row (k) */
    int8_t *q;                /* n x dim, row-major */
    float *scale;             /* per row: max|x| / 127 */
    int32_t *sum;             /* per row: sum of its bytes (kernel offset) */
} ty_q8;
/* Quantise one vector of k floats: q, its scale and byte sum. */
void ty_q8_quantize(const float *x, size_t k, int8_t *q, float *scale,
                    int32_t *sum);
/* Quantise n rows of k floats into out (allocated; ty_q8_free). */
int ty_q8_build(const float *x, uint64_t n, size_t k, ty_q8 *out);
void ty_q8_free(ty_q8 *v);
/* Approximate dot products of float query q (dim floats) with every row. */
void ty_q8_scan(const ty_q8 *v, const float *q, float *scores);
/* A query quantised once for many scans (IVF probes many lists). */
typedef struct ty_q8_query {
    uint8_t u[TY_MAX_DIM];    /* q + 128 per dimension */
    float scale;              /* the query's scale */
    size_t dim;               /* dimensions used */
} ty_q8_query;
void ty_q8_prepare(const float *q, size_t k, ty_q8_query *out);
void ty_q8_scan_prepared(const ty_q8 *v, const ty_q8_query *q, float *scores);
/* nq prepared queries in one pass over the rows (sixteen at a time with
 * the AVX-512 VNNI kernel at k = 256): query j's scores to scores + j * ld,
 * bit for bit what ty_q8_scan_prepared gives it. */
void ty_q8_scan_multi(const ty_q8 *v, const ty_q8_query *qp, size_t nq, float *scores,
                      size_t ld);
/* Rows as floats (the document vectors are their codes; quant.c): row d
 * dequantised (dim floats), n rows from d0, the exact dot product of row d
 * with x, and every row's (scores: v->n). */
void ty_q8_row(const ty_q8 *v, uint64_t d, float *out);
void ty_q8_rows(const ty_q8 *v, uint64_t d0, uint64_t n, float *out);
float ty_q8_dot(const ty_q8 *v, uint64_t d, const float *x);
void ty_q8_dots(const ty_q8 *v, const float *x, float *scores);
/* Take over the stored codes q (n x k; freed by ty_q8_free) as unit rows:
 * scale[d] = 1 / |q[d]| (the stored per-row scale cancels), byte sums.
 * TENYO_ERR_NOMEM (q not taken). */
int ty_q8_adopt(ty_q8 *out, int8_t *q, uint64_t n, size_t k);

/* --- exact top-k with dynamic pruning (search/prune.c) --- */

/* Documents per range of the block maxima. */
#define TY_PRUNE_SHIFT 7
#define TY_PRUNE_RANGE (1u << TY_PRUNE_SHIFT)
/* Block maxima of the postings: per term, its largest weight in each range
 * of TY_PRUNE_RANGE documents where it occurs, and overall. */
typedef struct ty_bmax {
    uint64_t *ptr;            /* nterms+1 offsets into rng / mx */
    uint32_t *rng;            /* range numbers (doc >> TY_PRUNE_SHIFT),
                                 ascending per term */
    float *mx;                /* the term's largest weight in that range */
    float *tmax;              /* per term: its largest weight */
    uint64_t nranges;         /* ranges covering ndocs */
    uint8_t *tgroup;          /* per term: its group (by document
                                 frequency, TY_PRUNE_GROUPS of about equal
                                 postings) */
    uint8_t *gnorm;           /* per document and group: the norm of its
                                 weights on the group's terms, in steps of
                                 1/254 rounded up (ndocs x TY_PRUNE_GROUPS:
                                 8 bytes a document, read by every
                                 candidate pass) */
} ty_bmax;
#define TY_PRUNE_GROUPS 8
/* Build from post (the TF-IDF rows transposed): 0 or TENYO_ERR_NOMEM (out
 * zeroed). ty_bmax_free accepts a zeroed one. */
int ty_bmax_build(const ty_csr *post, uint64_t ndocs, ty_bmax *out);
void ty_bmax_free(ty_bmax *b);
/* Per-context scratch of the pruned scan (grown on demand). */
typedef struct ty_prune_scratch {
    float *acc;               /* ndocs partial scores */
    uint32_t *cand;           /* candidates found */
    float *ca;                /* their exact scores */
    double *rb;               /* per range: bound of the terms not walked */
    tenyo_hit *pool;          /* theta's pool */
    uint64_t cap_docs, cap_ranges; /* capacities */
    size_t cap_pool;
    uint64_t st_cand, st_walked, st_total; /* sums over the pruned runs:
                                 candidates verified, postings walked, of
                                 the query terms' postings (benches) */
} ty_prune_scratch;
void ty_prune_scratch_free(ty_prune_scratch *s);
/* One pruned query. a(d) = tf(d) when lsa is NULL, else w tf(d) + v lsa(d),
 * each as the scan computes it. */
typedef struct ty_prune_query {
    const ty_csr *rows;       /* the TF-IDF rows (decoded) */
    const ty_csr *post;       /* the same transposed */
    const ty_bmax *bm;        /* its block maxima */
    const uint32_t *qt;       /* query terms (any order, repeats: last wins) */
    const float *qw;          /* their weights (>= 0) */
    size_t qn;                /* how many */
    float *qdense;            /* nterms zeroed scratch, returned zeroed */
    const float *lsa;         /* per document LSA score, or NULL */
    float w, v;               /* hybrid weights */
    const uint8_t *mask;      /* filter (0: left out), or NULL */
    size_t rank;              /* theta bounds the rank-th best */
    int shrink;               /* rank by the short-record-scaled score */
    float slack;              /* a final score may exceed a(d) by this
                                 (the int8 LSA part re-scored exactly):
                                 theta bounds the rank-th best a - slack,
                                 candidates reach theta - slack */
    const uint64_t *short_doc;/* short records (ascending) and */
    const float *short_f;     /* their factors */
    uint64_t nshort;          /* how many */
} ty_prune_query;
/* The candidates: every document (mask aside) whose a(d) may be >=
 * theta - slack, where theta <= the rank-th best a(d) - slack (scaled
 * when shrink),
 * with a(d) exact (the scan's bits): their count n, s->cand[0..n) (doc
 * ascending) and s->ca[0..n); theta in *theta. -1: pruning would not pay
 * (or fewer than rank documents): scan instead; TENYO_ERR_NOMEM. */
int64_t ty_prune_run(const ty_prune_query *q, ty_prune_scratch *s, float *theta);

/* --- approximate search: inverted file over the LSA vectors --- */
#include "search/ivf.h"
/* Name of the kernel chosen for this CPU: "avx512vnni", "avx2" or "c". */
const char *ty_q8_kernel(void);
/* Force a kernel (tests, benchmarks; not while scans run): 0, or -1 when
 * this CPU lacks it. NULL: back to the best this CPU has. */
int ty_q8_set_kernel(const char *name);

/* --- updates applied to a loaded index (api/segment.c) --- */

/* What the manifest added to the base at open, and how stale the fit is. */
typedef struct ty_upd {
    uint64_t fit;             /* fit id of the base file (ty_model_fit_id) */
    uint64_t generation;      /* manifest generation applied (0: none) */
    uint32_t nseg;            /* segments applied */
    uint64_t bytes;           /* bytes of their files and the deletion file */
    uint64_t base_docs;       /* documents of the base file (the fit) */
    uint64_t positions;       /* base documents + segment documents */
    uint64_t base_deleted;    /* base documents deleted or replaced */
    uint64_t added;           /* live documents from segments */
    uint64_t fit_terms;       /* terms of the fit (ids below are fitted) */
    uint64_t mass;            /* term occurrences of the live documents */
    uint64_t mass_added;      /* of those, in documents from segments */
    uint64_t mass_new;        /* of those, of terms the fit does not know */
    uint64_t *gpos;           /* document -> global position (NULL: the
                                 identity, no update applied) */
    uint64_t *base_map;       /* base document -> document or UINT64_MAX
                                 (kept until the IVF is remapped, then NULL) */
    int missing;              /* the base is marked updated, but there is no
                                 manifest beside it */
} ty_upd;

/* FNV-1a identity of a base model's fitted content (manifest "fit"). */
uint64_t ty_model_fit_id(const ty_model *m);
/* Apply the updates of "<path>.upd/" (if any, and if they are for this
 * base) to x->m, which holds the base as read: the model is replaced by the
 * merged one (live documents only) and x->upd filled. TENYO_OK when there
 * is nothing to apply. */
int ty_seg_apply(const char *path, tenyo_index *x, char *err, size_t errlen);
void ty_upd_free(ty_upd *u);
/* Remove the MANIFEST of update directory dir and the files it named, then
 * sync dir: the updates of a replaced base. Under the writer lock. */
int ty_upd_drop(const char *dir, char *err, size_t errlen);
/* The update and staleness fields of tenyo_index_info. */
void ty_upd_info(const tenyo_index *x, tenyo_index_info *in);

/* tenyo_build_opts.dim for a build without LSA (the segments of added
 * documents: they are folded into their base's basis when opened). */
#define TY_BUILD_NO_LSA (-1)
/* Record IPC titles (a ty_labels_serialize blob, copied) in the index the
 * builder writes, as if they had been loaded from files (rebuild). */
int ty_builder_set_labels(tenyo_builder *b, const char *blob, size_t len);
/* Terms a previous build dropped for max_df (a rebuild passes the base's
 * "common" blob: the counts it refits from no longer hold them). */
int ty_builder_set_common(tenyo_builder *b, const char *blob, size_t len);
/* Identity of the builder's tokenizer (ty_tokenizer_identity). */
const char *ty_builder_tokenizer(const tenyo_builder *b);

/* Shared by api/ and ideas/: the loaded index and the per-thread context. */
/* Canonical keys of the indexed ids (api/patno.c), built on the first
 * lookup that is not an exact id. */
typedef struct ty_patno {
    ty_strmap *keys;       /* canonical key -> key number */
    int64_t *key_doc;      /* per key: its document, -2 when several */
    ty_strmap *nums;       /* number part of a key (digits) -> number */
    int64_t *num_doc;      /* per number: its document, -2 when several */
    uint32_t *doc_key;     /* per document: its key number */
} ty_patno;
void ty_patno_free(ty_patno *pn);

struct tenyo_index {
    ty_model m;            /* everything stored in the file */
    ty_strmap *ids;        /* patent id -> document number */
    ty_strmap *vocab;      /* term -> term id */
    tenyo_tok_opts tok;    /* tokenizer options recorded in the file */
    uint64_t *co_ptr;      /* nfields+1 offsets into co_f / co_n: field a's
                              co-classified fields, ascending (itself too) */
    uint32_t *co_f;        /* the fields b of each list */
    uint32_t *co_n;        /* documents classified in both a and b */
    ty_once co_once;       /* the three are built on first use; its
                              result 0 or TENYO_ERR_NOMEM */
    ty_csr post;           /* the TF-IDF rows transposed (postings per
                              term), built once TF-IDF scans repeat: */
    ty_once post_once;     /* result 0, or -1 (none: scans gather) */
    ty_bmax bmax;          /* block maxima of post (search/prune.c), built
                              with it; bmax.ptr NULL: no pruning */
    float q8_l1max;        /* largest L1 norm of a document vector as the
                              int8 codes give it (bounds the int8 scan's
                              error), with bmax */
    int prune;             /* 1: TF-IDF and hybrid scans prune
                              (TENYO_PRUNE=on at open; default off) */
    int post_policy;       /* TY_POSTINGS_* (TENYO_POSTINGS at open) */
    unsigned tf_scans;     /* TF-IDF scans so far (atomic) */
    struct ty_labels *labels; /* loaded IPC titles (NULL: built-ins only) */
    uint32_t *phr_df;         /* documents per application phrase (NULL:
                                 no phrases) */
    float *tgen;              /* per term: how evenly it spreads over the
                                 fields (ideas.c ty_term_generic), built
                                 on first use */
    ty_once tgen_once;        /* its result */
    ty_fieldmodel fm;         /* the field model (ideas): read at open
                                 from the section, else trained on first
                                 use */
    int fm_stored;            /* fm was read from the index */
    uint32_t *fm_top;         /* per field, its TY_FM_TOP terms of largest
                                 positive weight (UINT32_MAX: none), built
                                 on first use (ideas.c) */
    ty_once fm_top_once;      /* its result */
    ty_once fm_once;          /* its result */
    uint64_t *short_doc;      /* documents with fewer than TY_SHORT_TERMS
                                 terms (a title without an abstract), built
                                 on the first TF-IDF or hybrid query */
    float *short_f;           /* their score factor terms / TY_SHORT_TERMS */
    uint64_t nshort;          /* how many */
    ty_once short_once;       /* result 0 or TENYO_ERR_NOMEM */
    ty_q8 q8;                 /* the document vectors: int8 codes as unit
                                 rows (scan, and dequantised for exact
                                 scores: quant.c) */
    ty_ivf *ivf;              /* approximate search lists, or NULL */
    ty_upd upd;               /* updates applied at open (api/segment.c) */
    ty_patno patno;           /* ids as people type them (api/patno.c) */
    char *appl_blob;          /* applicants NFKC case-folded, NUL-separated
                                 (api/filter.c), built on the first
                                 applicant filter */
    uint64_t *appl_off;       /* ndocs+1 offsets into appl_blob */
    ty_once appl_once;        /* their result */
    ty_once patno_once;       /* its result */
    uint8_t *open_rec;        /* the records' own open flags when a
                                 licensable list applied (m.open then holds
                                 records OR list), else NULL */
    uint64_t open_listed;     /* ids in the licensable list (0: none) */
    uint64_t open_found;      /* of them, documents of this index */
    uint64_t open_lines;      /* number lines of its file when loaded */
    uint64_t open_unresolved; /* of them, not resolved then */
    int64_t open_loaded;      /* unix time it was loaded */
    char *open_source;        /* the file it came from (malloc'd) or NULL */
};

/* Records with fewer terms than this are titles without an abstract: their
 * TF-IDF and hybrid scores are scaled by terms / TY_SHORT_TERMS, so
 * that a word or two shared with a title does not outrank a full record
 * (api/index.c). */
#define TY_SHORT_TERMS 8

/* When the postings are built: TENYO_POSTINGS=off (never: every TF-IDF
 * scan gathers over all rows), on (at the first scan), or auto (default:
 * at the TY_POSTINGS_AFTER-th scan, so one-shot commands never pay the
 * transpose and its memory, a server or batch soon does). */
enum { TY_POSTINGS_AUTO, TY_POSTINGS_OFF, TY_POSTINGS_ON };
#define TY_POSTINGS_AFTER 4

/* Documents of field a also in each field: row[0..nfields) is set to the
 * co-classification counts of a (0 for fields never seen with it); 0, or
 * TENYO_ERR_NOMEM building the lists on first use. */
int ty_cooccur_row(const tenyo_index *x, uint32_t a, uint32_t *row);
/* The co_* lists built, once, from any thread: 0 or TENYO_ERR_NOMEM. */
int ty_index_need_cooc(const tenyo_index *x);
/* Documents listing more fields than this are left out of co-classification
 * counts (their pairs grow with the square; real patents list a handful). */
#define TY_CO_MAX_FIELDS 64

/* Longest query text (bytes) a context tokenizes; longer is TENYO_ERR_LIMIT
 * (the CLI reads query files of up to 64 MiB, the server 32 KiB). */
#define TY_MAX_QUERY (64u << 20)

/* Scan choice of a context (tenyo_ctx_set_scan). */
enum { TY_SCAN_AUTO = 0, TY_SCAN_FP32 = 1, TY_SCAN_INT8 = 2 };
/* From this many documents up, AUTO scans the int8 vectors (below, the
 * float scan takes well under a millisecond and stays bit-exact). */
#define TY_INT8_MIN_DOCS 20000

struct tenyo_ctx {
    const tenyo_index *idx;  /* shared index */
    ty_tokenizer *tok;       /* created on the first text query */
    ty_tokctx *tc;           /* per-thread tokenizer state */
    float *qdense;           /* nterms scratch, kept zeroed */
    float *s1, *s2;          /* ndocs score arrays */
    float *qlsa;             /* dim folded-in query */
    uint32_t *qt;            /* query term ids (sparse) */
    float *qw;               /* query weights */
    size_t qcap;             /* entries allocated in qt/qw */
    double hybrid_w;         /* TF-IDF weight in hybrid mode */
    char err[TY_ERRLEN];     /* last error */
    char home[512];          /* home fields of the last ideas call */
    int home_predicted;      /* 1 when home was predicted */
    size_t last_qn;          /* sparse query terms of the last ideas call */
    uint64_t last_skip;      /* query document of the last ideas call, or
                                UINT64_MAX for text */
    int last_open_only;      /* open_only of the last ideas call */
    tenyo_ideas_notes notes; /* notes of the last ideas call */
    char unk[8][48];         /* query words unknown to the index (text) */
    size_t nunk;             /* how many there were */
    const float *pre_lsa;    /* LSA scores of the current query computed
                                ahead by a batch, or NULL */
    int pre_approx;          /* 1: pre_lsa are int8 scan scores (re-scored
                                as the one-query scan's are) */
    int scan;                /* TY_SCAN_* */
    uint32_t nprobe;         /* > 0: LSA queries probe this many IVF lists */
    ty_ivf_scratch ivs;      /* IVF search scratch */
    tenyo_filter *filter;    /* documents that may answer (api/filter.c),
                                or NULL: all */
    ty_buf qtext;            /* the last text query, as given (the why of
                                its proposals) */
    ty_buf abuf, qbuf;       /* abstracts read for tenyo_doc_abstract and
                                tenyo_idea_why */
    ty_buf why_q, why_e;     /* the sentences tenyo_idea_why returned */
    int prune;               /* 1: prune when the index does (tests turn it
                                off to compare) */
    ty_prune_scratch ps;     /* its scratch */
    uint64_t npruned;        /* scans answered pruned (tests, benches) */
};

/* The filter of c compiled (api/filter.c): one byte per document, 1 when
 * it may answer; NULL when c has no filter, or on failure (*rc, message
 * in c->err). */
const uint8_t *ty_ctx_mask(tenyo_ctx *c, int *rc);
/* Keyword matches (api/keywords.c) handed to a filter (owned by it): one
 * byte per document, and the query's positive term ids (ranked by
 * tenyo_search), n of them. */
int ty_filter_set_keywords(tenyo_filter *f, uint8_t *kw, uint32_t *terms, size_t n);
/* Words of the keyword query the index does not hold ("" none). */
void ty_filter_set_note(tenyo_filter *f, const char *note);
/* The positive keyword terms of f (NULL when it has no keyword query). */
const uint32_t *ty_filter_terms(const tenyo_filter *f, size_t *n);
/* Tokenize text with c's tokenizer (the index's; TENYO_ERR_MISMATCH when
 * this machine's differs): emit gets each term. 0 or a status (c->err). */
int ty_ctx_tokenize(tenyo_ctx *c, const char *text, size_t len,
                    void (*emit)(void *ud, const char *t, size_t n), void *ud);
/* Rank the documents by TF-IDF cosine with the query of terms[0..n)
 * (repeats count), through c's filter; the k best into hits. */
int ty_ctx_rank_terms(tenyo_ctx *c, const uint32_t *terms, size_t n, size_t k,
                      tenyo_hit *hits);
char *ty_filter_errbuf(tenyo_filter *f);
const tenyo_index *ty_filter_index(const tenyo_filter *f);
int ty_filter_compile(tenyo_filter *f);

/* Set c's query from saved parts (a batch restoring one of its queries). */
int ty_ctx_set_query(tenyo_ctx *c, const uint32_t *qt, const float *qw,
                     size_t qn, const float *qlsa);
/* Many queries sharing the scan work (api/index.c): queries are prepared in
 * blocks of up to 32, the LSA scores of a block come from one pass over the
 * document vectors (mode LSA or hybrid: where a single query would scan
 * int8, tiles of sixteen rows met by every query of the block; else one
 * sgemm over the dequantised rows; each query's scores are what its own
 * scan gives), then step() runs for each query in order with c holding that query (terms, folded vector, c->pre_lsa set to
 * its scores; skip = its document or UINT64_MAX) or, when preparing it
 * failed, with status < 0 and the message in c->err. A non-zero return of
 * step, or running out of memory, stops the batch and is returned. terms:
 * queries by document take its sparse terms too (ty_ctx_query_doc). */
int ty_ctx_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq, tenyo_mode mode, int terms,
                 int (*step)(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                             int status, void *ud),
                 void *ud);

/* Score every document for the query held in c (qt/qw[0..qn) and qlsa) into
 * c->s1 with the given mode. With the int8 scan, the LSA part is
 * approximate except for the best max(4 need, 256) documents, which are
 * re-scored exactly: the caller's top `need` are exact float scores.
 * 0, or the error (with c->err) of decoding the sparse rows on first use. */
int ty_ctx_score(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need);
/* Prepare c's query from indexed document doc (its sparse terms too when
 * terms is set: LSA needs only its vector), or from text; returns the
 * number of sparse query terms or a negative status. */
int ty_ctx_query_doc(tenyo_ctx *c, uint64_t doc, int terms);
int ty_ctx_query_text(tenyo_ctx *c, const char *text, size_t len);

/* Add a document given as terms and counts instead of text (rebuild of an
 * index from its stored counts). meta supplies id, title, applicant, date,
 * codes, open and lang (text fields are ignored). terms[i] occurs counts[i]
 * times (counts > 0; order is the term order used for first-occurrence ids).
 * surf: "term\x1fword\0" pairs (surf_len bytes, may be NULL/0); phr:
 * "target\x1fexpression\0" entries (may be NULL/0). Same replace rule. */
int ty_builder_add_counts(tenyo_builder *b, const tenyo_doc *meta,
                          const char *const *terms, const uint32_t *counts,
                          size_t n, const char *surf, size_t surf_len,
                          const char *phr, size_t phr_len);
/* Tokenizing shared out over processes (tenyo-mpi index, issue 20). Every
 * process reads the same records in the same order and adds them all;
 * record r belongs to process (r / chunk) % size. A process other than 0
 * keeps nothing of the records it does not own, tokenizes its own and
 * hands each chunk's tokenizer output, serialized, to put(); process 0
 * keeps every record's metadata, tokenizes its own chunks and takes the
 * others' output from get() when it merges them, in record order, through
 * the same merge as one process: the index it writes is the bytes one
 * process writes. The builder does no message passing itself. */
typedef struct ty_builder_share {
    int rank, size;       /* this process, and how many (size >= 1) */
    uint32_t chunk;       /* records per chunk (>= 1) */
    /* rank != 0: chunk number `chunk` of this process, n bytes at p; the
     * callee owns p (malloc'd) from the call on. 0 ok, else a status. */
    int (*put)(void *ud, uint64_t chunk, void *p, size_t n);
    /* rank 0: chunk number `chunk` from process `owner`, malloc'd into *p
     * (the builder frees it). 0 ok, else a status (message in err). */
    int (*get)(void *ud, uint64_t chunk, int owner, void **p, size_t *n,
               char *err, size_t errlen);
    /* rank 0, optional (NULL: this process factors alone): the SVD of
     * the TF-IDF rows a with options o, shared over the processes, into s
     * (rank), v (ncols x rank) and docvec (nrows x rank: the rows of A V,
     * each L2-normalised, as ty_builder_docvecs makes them). The same bits
     * as one process (svd.c's fixed-block sums). 0 ok, else a status with
     * err set. */
    int (*lsa)(void *ud, const ty_csr *a, const ty_svd_opts *o, float *s,
               float *v, float *docvec, char *err, size_t errlen);
    void *ud;             /* their first argument */
} ty_builder_share;
/* docvec (a->nrows x k) = the rows of A V, each L2-normalised: the
 * builder's document vectors, the same bits wherever they are computed. */
void ty_builder_docvecs(const ty_csr *a, const float *v, uint64_t k,
                        float *docvec, int threads);
/* Set before the first add; TENYO_ERR_ARG after one or on bad values. */
int ty_builder_set_share(tenyo_builder *b, const ty_builder_share *s);
/* rank != 0: tokenize and put() what is pending (the end of input). */
int ty_builder_share_flush(tenyo_builder *b);
/* Tests: tokenize in batches of this many documents or text bytes (0: the
 * default, 4096 documents or 32 MiB). Output does not depend on it. */
void ty_builder_set_batch(tenyo_builder *b, size_t docs, size_t bytes);

/* ================================================ ideas: field labels */

/* IPC field labels (ideas/labels.c): built-in Japanese and English labels
 * of the 8 sections and every IPC class, plus section/class/subclass titles
 * loaded from IPC scheme TSV files (JPO "code level dots title_ja" or
 * English "symbol level title"). Only read after loading, so lookups may
 * run in many threads at once. Strings returned live until the next
 * ty_labels_load/_deserialize on the set, or ty_labels_free. */
typedef struct ty_labels ty_labels;
/* An empty set (built-in labels only). */
int ty_labels_new(ty_labels **out);
void ty_labels_free(ty_labels *l);  /* accepts NULL */
/* Add the section, class and subclass titles of a scheme file (format from
 * its header line; groups are skipped); a later load replaces titles of
 * the same code and language. All or nothing: TENYO_ERR_IO when it cannot
 * be read, TENYO_ERR_INPUT with "path:line: why" in err for a bad line. */
int ty_labels_load(ty_labels *l, const char *path, char *err, size_t errlen);
/* Short label of a section ("G"), class ("G06") or subclass ("G06F") in
 * lang "ja" or "en": the loaded subclass title, else the class label
 * (built-in, or loaded for a class the tables lack), else the section
 * label; never NULL or "" for a well-formed code. *level_out (may be NULL)
 * is the level that answered: 0 section, 1 class, 2 subclass. NULL for a
 * malformed code (not [A-H], [A-H]NN or [A-H]NN[A-Z]) or another lang.
 * l may be NULL (built-ins only). */
const char *ty_labels_get(const ty_labels *l, const char *code,
                          const char *lang, int *level_out);
/* The loaded title of exactly this code as the file has it, or NULL. */
const char *ty_labels_full(const ty_labels *l, const char *code,
                           const char *lang);
/* Number of loaded titles of a level (0..2) in lang. */
size_t ty_labels_count(const ty_labels *l, const char *lang, int level);
/* Append the loaded titles to out as a text blob for the index (sorted,
 * deterministic; short labels are derived again when read back). */
int ty_labels_serialize(const ty_labels *l, ty_buf *out);
/* Add the titles of a blob written by ty_labels_serialize (all or
 * nothing). TENYO_ERR_CORRUPT for a damaged blob, TENYO_ERR_VERSION for a
 * newer format. */
int ty_labels_deserialize(ty_labels *l, const char *blob, size_t len,
                          char *err, size_t errlen);
/* The short display label the loader derives from a full title (level 0..2
 * as for codes); *out is malloc'd, or NULL when nothing is left. */
int ty_labels_shorten(const char *title, const char *lang, int level,
                      char **out);
/* Code of the i-th built-in class (sorted), NULL past the end (tests). */
const char *ty_labels_builtin_class(size_t i);
/* 1 when code (a subclass, "C07K") starts with a class of the IPC scheme
 * (the built-in table): "A07K", a typo in a record, does not. */
int ty_labels_class_known(const char *code);

#endif /* TENYO_INTERNAL_H */
