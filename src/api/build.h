/*
 * build.h — the builder's state (struct tenyo_builder) and what its files
 * share. builder.c: tenyo_builder_new / _free / _add and the write (the
 * extras, the SVD, after it, the file); build_docs.c: a record's metadata
 * and its document slot (the lowest); build_tok.c: tokenizing batches and
 * merging them, in one process or shared over processes, and documents
 * given as counts; build_fields.c: the field table and the documents'
 * metadata for the model; build_weight.c: document frequencies and the
 * TF-IDF rows, in one process or shared. builder.c's opening comment gives
 * the pipeline.
 */
#ifndef TENYO_API_BUILD_H
#define TENYO_API_BUILD_H

#include "api/api.h"

#include <stdint.h>

/* A batch is tokenized when it holds this many documents... */
#define BATCH_DOCS 4096
/* ...or this many bytes of text. */
#define BATCH_BYTES ((size_t)32 << 20)
/* Most application phrases kept per document. */
#define BUILD_DOC_PHRASES 8
/* Most tokenizer threads. */
#define MAX_THREADS TY_PAR_MAX

/* Metadata strings of a document, in this order in bdoc.meta. */
enum { BM_ID, BM_TITLE, BM_APPLICANT, BM_DATE, BM_CODES, BM_N };

/* Bytes of an abstract kept for reading (section "abstracts"); the
 * keyword index keeps the whole of a longer one (bdoc.abs_long). */
#define BUILD_ABS_MAX 4096

/* A document merged with records of its id until its codes and numbers
 * grew past GROW_AT bytes (build_merge.c): its codes and numbers as sets,
 * and room at the end of its meta and nums, so each later record of the id
 * costs what it brings, not what the document holds (32,000 records of one
 * id took 25 s rebuilding both each time). Dropped when the slot's meta is
 * replaced (ty_bld_grow_drop). */
typedef struct bgrow {
    size_t meta_len, meta_cap; /* bytes of bdoc.meta (with its last NUL),
                                  and allocated */
    size_t nums_len, nums_cap; /* of bdoc.nums (without its NUL; 0 cap:
                                  none allocated) */
    ty_strmap *codes, *nums;   /* its codes; its numbers' lines */
} bgrow;

/* One document (added record). */
typedef struct bdoc {
    char *meta;        /* BM_N NUL-terminated strings one after another
                          (freed once copied into the index) */
    uint64_t pairs;    /* offset of its encoded pairs in b->pairs */
    uint32_t pairs_len; /* bytes of them */
    uint32_t nterms;   /* distinct raw terms (0: the text had none) */
    uint64_t phr;      /* first of its phrase ids in b->phr */
    uint8_t nphr;      /* phrase ids (<= BUILD_DOC_PHRASES) */
    uint8_t open;      /* licensable */
    int8_t lang;       /* 0 ja, 1 en (set when its terms are merged) */
    char *abs;         /* its abstract, at most BUILD_ABS_MAX bytes (NULL:
                          none, or abstracts not kept) */
    uint8_t has_abs;   /* docs_elsewhere: it has one to keep (kept by the
                          shard's writer, not here) */
    uint64_t rec;      /* position of its current version's record (a
                          shared build: ty_builder_add_at's) */
    uint8_t remote;    /* shared build, process 0: that version's pairs
                          are another process's */
    char *nums;        /* its other numbers (tenyo_doc.numbers), or NULL;
                          not carried by a shared (tenyo-mpi) build */
    char *abs_long;    /* its whole abstract when longer than abs keeps
                          (for the keyword index), else NULL */
    uint32_t src;      /* file of the record that made it (b->srcs id;
                          UINT32_MAX: none named), for merge reports */
    long line;         /* its line or record number there */
    uint8_t text;      /* the text fields it has (BT_*) */
    bgrow *grow;       /* merged past GROW_AT bytes, or NULL */
} bdoc;

/* Drop d's bgrow (its meta or nums replaced, or the build done). */
void ty_bld_grow_drop(bdoc *d);

/* Text fields of a record (bdoc.text). */
enum { BT_TITLE = 1, BT_ABSTRACT = 2, BT_CLAIMS = 4, BT_DESCRIPTION = 8 };

/* A document waiting in the batch to be tokenized. */
typedef struct pdoc {
    size_t slot;       /* the document it is the text of */
    char *text;        /* text to index (freed once merged) */
    size_t len;        /* its bytes */
    int lang;          /* 0 ja, 1 en; -1 until a worker detects it */
    uint64_t rec;      /* its position (a shared build's order) */
    uint64_t moff;     /* shared build, process != 0: its metadata part
                          in b->mbuf (share_add), mlen bytes */
    uint32_t mlen;
} pdoc;

/* Terms of one document after tokenizing: NUL-separated strings. */
typedef struct dterms {
    ty_buf buf;        /* term bytes, each followed by NUL */
    uint32_t n;        /* number of terms */
    ty_buf surf;       /* "stem\x1fword\0" for each stemmed term */
    ty_buf phr;        /* "target\x1fexpression\0", distinct, in text order */
    uint32_t nphr;     /* phrases in phr */
    int status;        /* tokenizer status (< 0 on error) */
} dterms;

/* Rank 0 of a shared build: another process's local ids mapped to ours. */
typedef struct share_map {
    uint32_t *term;            /* local term id -> raw term id */
    uint32_t nterm, capterm;   /* used / allocated */
    uint32_t *word;            /* local word id -> id in words */
    uint32_t nword, capword;   /* used / allocated */
    uint64_t *slot;            /* the process's records in record order:
                                  the document each one is a version of */
    uint64_t *rec;             /* and each one's position */
    uint64_t nslot, capslot;   /* used / allocated */
} share_map;

/* Rank != 0 of a shared build: one of its records' (local id, count)
 * pairs, varint-coded in b->pairs as a document's are. */
typedef struct lpairs {
    uint64_t off;              /* offset in b->pairs */
    uint32_t len;              /* bytes */
} lpairs;

struct tenyo_builder {
    tenyo_build_opts o;        /* options (tok strings copied below) */
    char *dicdir;              /* copy of o.tok.mecab_dicdir */
    ty_tokenizer *tok;         /* shared tokenizer */
    ty_tokctx *ctx[MAX_THREADS]; /* per-thread contexts, made on first use */
    ty_strmap *ids;            /* id -> slot in docs */
    bdoc *docs;                /* records in first-seen order */
    size_t n, cap;             /* used / allocated docs */
    pdoc *batch;               /* pending documents, in add order */
    size_t nbatch, capbatch;   /* used / allocated batch entries */
    size_t batch_bytes;        /* text bytes in the batch */
    size_t batch_docs;         /* documents that make a full batch */
    size_t batch_max;          /* text bytes that make a full batch */
    dterms *dt;                /* tokenizer output, one per batch entry */
    pdoc *fbatch;              /* the batch in flight (ty_bld_tokenize_async:
                                  tokenized in the background), its arrays
                                  swapped with batch's */
    dterms *fdt;               /* its tokenizer output */
    size_t nfbatch, capfbatch; /* its entries / allocated */
    void *fly;                 /* the background tokenizing (build_tok.c's
                                  tok_fly), or NULL */
    ty_strmap *voc;            /* raw vocabulary: term -> raw id */
    ty_buf pairs;              /* encoded (term, count) pairs of all docs */
    uint64_t dead_pairs;       /* bytes of replaced documents' pairs */
    uint32_t *scratch;         /* raw ids of one document (merge) */
    size_t capscratch;         /* entries allocated in scratch */
    ty_strmap *words;          /* surface words of stemmed terms */
    int64_t *cand;             /* per raw term: voted word id, -1 none */
    uint32_t *votes;           /* per raw term: the vote's counter */
    size_t capvote;            /* entries allocated in cand / votes */
    ty_strmap *phrases;        /* application phrases, first-seen order */
    uint32_t *phr;             /* phrase ids of all documents */
    uint64_t nphr, capphr;     /* used / allocated phr entries */
    uint64_t tokenized;        /* records tokenized or merged so far */
    uint64_t duplicates;       /* records merged into an earlier one of
                                  their id (build_merge.c) */
    ty_strmap *srcs;           /* input files named by records (bdoc.src) */
    int replace_dups;          /* a repeated id replaces the earlier record
                                  instead of merging with it (the rule of a
                                  shared build; TENYO_DUPLICATES=replace,
                                  for tests that compare with one) */
    double t0;                 /* time the builder was made: the reading
                                  of the first record is the build's too */
    double sec_tok;            /* seconds tokenizing and merging */
    double sec_kw;             /* seconds the write waited for the keyword
                                  index (made beside the SVD: kwfly) */
    void *kwfly;               /* the keyword index being made
                                  (build_fields.c's kw_fly), or NULL */
    char *labels;              /* IPC titles blob given by set_labels */
    size_t labels_len;         /* its bytes */
    char *common;              /* too-common terms given by set_common (a
                                  rebuild: the base's; NUL-terminated each) */
    size_t common_len;         /* its bytes */
    ty_builder_share sh;       /* shared tokenizing (sh.size > 1), else 0s */
    uint64_t added;            /* records added so far (their numbers) */
    ty_buf out;                /* rank != 0: the pending chunk, serialized */
    uint64_t out_nrec;         /* its records */
    uint64_t last_rec;         /* rank 0: the last remote record's position
                                  (UINT64_MAX: none yet) */
    double take_wait, take_merge; /* rank 0: seconds waiting for the others'
                                  chunks, and CPU seconds merging them (its
                                  thread's: the wall clock would count the
                                  time other processes had the core) */
    uint64_t take_recs;        /* rank 0: their records */
    ty_buf mbuf;               /* rank != 0: the batch's metadata parts */
    ty_strmap *lvoc;           /* rank != 0: its records' terms (local ids) */
    ty_strmap *lwords;         /* rank != 0: their surface words (local ids) */
    share_map *rmap;           /* rank 0: per process, local ids -> ours */
    uint64_t *pk;              /* (raw id << 32 | count) of a document */
    uint32_t cappk;            /* entries allocated in pk */
    lpairs *lp;                /* rank != 0: its records' pairs, in order */
    uint64_t nlp, caplp;       /* used / allocated */
    uint32_t *lmap;            /* rank != 0: local term id -> raw id (from 0) */
    uint64_t nlmap;            /* its entries */
    uint64_t *lslot;           /* rank != 0: per record of lp, its document
                                  (UINT64_MAX: replaced by a later record) */
    float *prune;              /* scratch of ty_tfidf_prune (max_terms) */
    uint64_t capprune;         /* entries allocated in prune */
    uint32_t *rcol, *rtf;      /* one weighted row (a shared build) */
    float *rval;               /* its values */
    uint64_t caprow;           /* entries allocated in each */
    int written;               /* write() ran: the builder is spent */
    char err[TY_ERRLEN];       /* last error */
};

/* Iterator over a document's (raw term id, count) pairs. */
typedef struct pair_it {
    const unsigned char *p, *end; /* encoded pairs left */
    uint32_t id;                  /* last id (ids are delta-coded) */
} pair_it;


/* Append s (if non-empty) to text, separated by a newline. */
int ty_bld_add_text(ty_buf *t, const char *s);
/* The text record d is indexed on, appended to t: its title, abstract and
 * claims, its description only when it has neither of the two (each after
 * a line break). 0 or -1 when out of memory. */
int ty_bld_record_text(ty_buf *t, const tenyo_doc *d);
/* Room for one more document in the batch (and its term slot): 0 or
 * TENYO_ERR_NOMEM. */
int ty_bld_batch_room(tenyo_builder *b);
/* Whether a record of id may be added to b now: 0, or TENYO_ERR_ARG (the
 * builder written) / TENYO_ERR_INPUT (no id) with the message. */
int ty_bld_add_check(tenyo_builder *b, const char *id);
/* A record's metadata as the builder keeps it (process 0), into *meta and
 * *abs (NULL: none kept) and *has_abs: docs_elsewhere's slim block, else
 * the whole one and the abstract. 0 or TENYO_ERR_NOMEM. */
int ty_bld_doc_keep(const tenyo_builder *b, int slim, const tenyo_doc *d, char **meta,
                    char **abs, uint8_t *has_abs);
/* Process 0: record rec (id; meta and abs owned from the call on) takes
 * its document's place, as tenyo_builder_add does; its slot into *slot.
 * A replaced record still pending is tokenized all the same, and its
 * successor's merge replaces it: the terms seen, and so the ids, do not
 * depend on where batches are cut. */
int ty_bld_doc_place(tenyo_builder *b, const char *id, char *meta, char *abs, uint8_t has_abs,
                     int open, size_t *slot);
int ty_bld_docs_elsewhere(const tenyo_builder *b);
/* The distinct field subclasses of a ';'-joined code list, in the order a
 * document's field list keeps them (the first code's field first, the
 * "home" of EVAL.md, then the rest in code order, which is field id
 * order: the field table is sorted), 4 bytes each, into o (emptied
 * first). The one code behind docfields and the "fields" string. */
int ty_bld_fields_of(const char *codes, ty_buf *o);
char *ty_bld_keep_abstract(int no_abstracts, const char *a, int *oom);
/* The language code of a record: 0 ja, 1 en, -1 unknown. */
int ty_bld_lang_code(const char *l);
/* The metadata block of a record: id, title (or the display title from the
 * abstract when use_abstract), applicant, date and the ';'-joined codes
 * (FI codes contain commas: B23K9/12,331@L). NULL when out of memory. */
char *ty_bld_make_meta(const tenyo_doc *d, int use_abstract);
/* build_merge.c: what is known of the earlier document of a repeated id
 * (the builder's slot, or an indexed document for tenyo_update_add). */
typedef struct ty_merge_old {
    const char *title, *abstract, *applicant, *date; /* its fields ("" or
                                                         NULL: none) */
    const char *codes;       /* its codes, ';'-joined */
    const char *numbers;     /* its other numbers, one a line, or NULL */
    ty_strmap *codeset, *numset; /* the same as sets, or NULL: when given
                                    and the text is unchanged, the merged
                                    record holds only the codes and numbers
                                    it adds (added to the sets) */
    int open;                /* its licensable mark */
    uint8_t text;            /* BT_* text fields it has */
    uint8_t known;           /* BT_* fields whose text is given above (the
                                others, when it has them, nothing kept) */
    const char *src;         /* file of the record that made it, or NULL */
    long line;               /* its line there; without src: -1 for an
                                indexed document, else an earlier record */
    tenyo_report_fn report;  /* conflicts and lost fields (may be NULL) */
    void *report_ud;
} ty_merge_old;
/* Record d merged field by field with the document o into *out (release
 * with ty_bld_merged_free; the record is ty_bld_merged_doc(*out)):
 * *changed 2 when its text differs from o's (to be tokenized again), 1
 * when only its other fields do, 0 when it brings nothing new. 0 or
 * TENYO_ERR_NOMEM. */
int ty_merge_record(const ty_merge_old *o, const tenyo_doc *d, void **out, int *changed);
/* update_merge.c: a record added to an index merged with the live
 * document of its id. */
typedef struct ty_upd_numidx ty_upd_numidx;
void ty_upd_numidx_free(ty_upd_numidx *n);
typedef struct ty_upd_merged {
    void *m;         /* the merged record (ty_bld_merged_doc) */
    int changed;     /* ty_merge_record's: 0 nothing new */
    ty_buf abs;      /* the document's abstract, read */
    ty_buf nums;     /* its other numbers, read */
} ty_upd_merged;
/* Record rec merged with document d of x into *out (*ni: the numbers
 * index, made on first use, the caller's to free). 0 or a status;
 * ty_upd_merged_free either way. */
int ty_upd_merge(const tenyo_index *x, uint64_t d, ty_upd_numidx **ni, const tenyo_doc *rec,
                 tenyo_report_fn report, void *ud, ty_upd_merged *out);
void ty_upd_merged_free(ty_upd_merged *m);
/* The other numbers of the documents of id in x, one a line, each once,
 * into out (NUL-terminated; "" for none); *ni as for ty_upd_merge. 0 or
 * TENYO_ERR_NOMEM. */
int ty_upd_numbers(const tenyo_index *x, ty_upd_numidx **ni, const char *id, ty_buf *out);
/* The text fields (BT_*) a merged record has. */
uint8_t ty_merged_text(const void *m);
/* build_merge.c: a record whose id has a document already, merged with
 * it field by field. *done = 1: nothing left to add (or an error); else
 * *out, when not NULL, is the merged record to add in its place
 * (ty_bld_merged_doc; released by ty_bld_merged_free). */
int ty_bld_merge(tenyo_builder *b, const tenyo_doc *d, void **out, int *done);
const tenyo_doc *ty_bld_merged_doc(const void *m);
void ty_bld_merged_free(void *m);
/* Which text fields record d has (BT_*). */
uint8_t ty_bld_text_fields(const tenyo_doc *d);
/* Notes the file and line of record d, which made slot s. 0 or
 * TENYO_ERR_NOMEM. */
int ty_bld_note_source(tenyo_builder *b, size_t s, const tenyo_doc *d);
/* The k-th metadata string (BM_*) of d. */
const char *ty_bld_meta_get(const bdoc *d, int k);
/* A sharded tenyo-mpi build whose shards' writers make the documents'
 * metadata (ty_builder_share.docs_elsewhere): process 0 keeps of a record
 * only what global decisions need (ty_bld_docs_elsewhere), which is all the
 * other processes send it of theirs. */
int ty_bld_slim_docs(const tenyo_builder *b);
/* The slot of id: an existing one (*is_new = 0; its metadata is replaced by
 * the caller) or a new one at the end. <0 when out of memory. */
int64_t ty_bld_take_slot(tenyo_builder *b, const char *id, int *is_new);
/* Build the field table and per-document field lists; also the "fields"
 * metadata string of each document into fstr[i] (malloc'd) unless fstr
 * is NULL. */
int ty_bld_build_fields(tenyo_builder *b, ty_model *m, char **fstr);
int ty_bld_build_meta(tenyo_builder *b, ty_model *m, char **fstr, int *any_abs);
/* The keyword index started on a thread of its own (nothing without one:
 * sharded, or no document text here; made at finish with one thread):
 * 0 or NOMEM. Finish: waited for and put into m (m->kw_blob), b->sec_kw the
 * wait; 0, or the status with the message in b->err. Drop: waited for and
 * freed, unused (a failed write; before ty_bld_release). */
int ty_bld_kw_start(tenyo_builder *b);
/* The keyword index's thread waited for (its result kept for finish; the
 * wait added to b->sec_kw): the SVD's hook before it makes its transpose,
 * so that the two largest transient allocations of a build do not meet. */
void ty_bld_kw_wait(tenyo_builder *b);
int ty_bld_kw_finish(tenyo_builder *b, ty_model *m);
void ty_bld_kw_drop(tenyo_builder *b);
/* The "fields" metadata string of a document whose ty_bld_fields_of list is f:
 * the codes ','-joined (malloc'd; NULL: out of memory). */
char *ty_bld_fields_string(const ty_buf *f);
/* Next valid subclass of a ';'-separated code list: advances *p; 1 with the
 * subclass in sc, 0 at the end of the list. */
int ty_bld_next_subclass(const char **p, char sc[5]);
/* Read a varint at *p (written by put_varint) and advance *p. */
uint32_t ty_bld_get_varint(const unsigned char **p);
/* Next pair into *id, *count; 0 at the end. */
int ty_bld_pair_next(pair_it *it, uint32_t *id, uint32_t *count);
pair_it ty_bld_pairs_of(const tenyo_builder *b, const bdoc *d);
/* Rank != 0: one of its records queued, its metadata part (share_put_one's
 * layout) kept in b->mbuf until the batch is tokenized. */
int ty_bld_share_add(tenyo_builder *b, uint64_t rec, ty_buf *text, int lang,
                     const tenyo_doc *d);
/* Tokenize the pending batch with b->o.threads workers (progress from this
 * thread while they run), then merge it in order. */
int ty_bld_tokenize_batch(tenyo_builder *b);
/* A full batch from add: handed to a background driver thread whose
 * workers tokenize it while the caller adds the next; the batch before it
 * is waited for and merged here meanwhile (so merging keeps add order,
 * and the index its bytes). A shared build or one thread: ty_bld_tokenize_batch.
 * 0 or a status (b->err; the batch in flight's failure shows at the next
 * call). */
int ty_bld_tokenize_async(tenyo_builder *b);
/* Wait for the batch in flight, if any, and free it unmerged, and the
 * arrays that held it (releasing the builder: before ty_bld_release). */
void ty_bld_fly_drop(tenyo_builder *b);
/* Document frequencies over the documents' pairs, the min_df /
 * max_df_ratio filter (kept terms keep their first-occurrence order), the
 * vocabulary and the TF-IDF CSR into m; remap[raw id] is the kept term id
 * or UINT32_MAX (allocated here, the caller frees it). The pairs arena is
 * freed at the end. A shared build (process 0) weighs with the others
 * (share_df, share_rows) and m->tfidf holds its block of rows only, until
 * the gather after the SVD. */
int ty_bld_build_tfidf(tenyo_builder *b, ty_model *m, uint32_t **remap_out);
void ty_bld_dterms_free(dterms *d);
/* Free what the build keeps between adds (not the options or the
 * tokenizer). */
void ty_bld_release(tenyo_builder *b);

/* Free the term side of the build (vocabulary, pairs, votes, phrases):
 * after weighting, all of it is in the model. */
void ty_bld_release_terms(tenyo_builder *b);

#endif
