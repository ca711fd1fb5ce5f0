/*
 * api.h — the api layer (api/): the index and query context behind the
 * public entry points of tenyo.h, gluing the layers below.
 *
 * builder.c   tenyo_builder: add, factor, write (build.h; build_docs.c,
 *             build_tok.c tokenize and count, build_fields.c, build_weight.c)
 * index.c     tenyo_index (open); meta.c what an open index says; ctx.c
 *             tenyo_ctx and the scan; query.c ranking, queries, batches
 * segment.c   updates: segments applied at open, tenyo_update_*, rebuild
 * termfacts.c the term facts of every vocabulary term (the judge's),
 *             computed, stored as a section, read back
 * filter.c    tenyo_filter; keywords.c keyword queries; patno.c patent
 *             numbers as people type them; openlist.c the licensable list
 *             (openapply.c applies it at open);
 *             writer.c tenyo_writer; check.c tenyo_index_check; split.c
 *             the development / test split
 *
 * Below: every layer but ideas and cli. Above: ideas (proposals, the map,
 * company match use the context), cli.
 */
#ifndef TENYO_API_H
#define TENYO_API_H

#include "io/io.h"
#include "search/search.h"
#include "search/tpost.h"
#include "store/store.h"
#include "text/text.h"

/* Mark the listed patents of "<path>.upd/OPEN" licensable in x (at open,
 * api/openapply.c): x->m.open becomes records' flag OR listed, the records'
 * own flags are kept in x->open_rec (what a rebuild writes back). */
int ty_open_apply(tenyo_index *x, const char *path, char *err, size_t errlen);

/* --- updates applied to a loaded index (api/segment.c) --- */

/* What the manifest added to the base at open, and how stale the fit is. */
typedef struct ty_upd {
    uint64_t fit;             /* fit id of the base file (ty_model_fit_id; 0
                                 until a manifest is matched or written) */
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

/* A scan shared out over processes (tenyo-mpi serve; the api
 * layer does no message passing). When an index has one, the full scan
 * of ty_ctx_score (not a batch's, not the IVF's) goes through it:
 * the query, packed by the context (ty_ctx_scan_part's message), is
 * handed to scan(), which must have every process score it over its own
 * document ranges with ty_ctx_scan_part (the caller's process with the
 * context c it passes) and return the answers of all of them
 * concatenated, in any order, malloc'd into *out (*outn bytes). The
 * context then merges those candidates into the same scores, for every
 * document that can rank, as one process's scan (api/ctx.c,
 * "A shared scan"). 0, or a status with err set: the query fails. */
typedef struct ty_scan_share {
    int (*scan)(void *ud, tenyo_ctx *c, const void *msg, size_t len, void **out,
                size_t *outn, char *err, size_t errlen);
    void *ud;             /* its first argument */
} ty_scan_share;

/* An internal prefetch (pf_what): the rows' streams read for decoding a
 * block at a time (ty_model_need_rows), for a caller that reads some
 * documents' rows by id while its scan reads the stored postings. */
#define TY_PF_ROW_BLOCKS 0x100u

struct tenyo_index {
    ty_model m;            /* everything stored in the file */
    ty_strmap *ids;        /* patent id -> document number */
    ty_strmap *vocab;      /* term -> term id: hashed by its first
                              lookup (ty_strmap_add_blob_lazy; a keyword
                              search looks none up), its duplicates
                              reported by ty_index_need_vocab */
    char *path;            /* the path opened (malloc'd), for messages */
    pthread_t voc_thread;  /* hashing vocab beside the open (a caller
                              that named the vectors: its query looks
                              terms up), joined by tenyo_index_free */
    int voc_started;
    tenyo_tok_opts tok;    /* tokenizer options recorded in the file */
    uint64_t *co_ptr;      /* nfields+1 offsets into co_f / co_n: field a's
                              co-classified fields, ascending (itself too) */
    uint32_t *co_f;        /* the fields b of each list */
    uint32_t *co_n;        /* documents classified in both a and b */
    ty_once co_once;       /* the three are built on first use; its
                              result 0 or TENYO_ERR_NOMEM */
    unsigned co_direct;    /* rows answered by a pass over the documents
                              before the lists were built (atomic:
                              ty_cooccur_row) */
    ty_csr post;           /* the TF-IDF rows transposed (postings per
                              term), built once TF-IDF scans repeat: */
    ty_once post_once;     /* result 0, or -1 (none: scans gather) */
    ty_tpost *tpost;       /* the stored postings (section "tfidf.post",
                              search/tpost.c), opened by the first TF-IDF
                              or hybrid scan of an index without updates
                              whose rows are not decoded (ty_index_tpost) */
    ty_once tp_once;       /* ... its result */
    char tp_err[TY_ERRLEN]; /* ... why it was refused */
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
    pthread_mutex_t lab_mu;   /* guards lab_map / lab_str */
    ty_strmap *lab_map;       /* "CODE:lang" -> composed label (a subclass
                                 known only by its class: api/meta.c) */
    char **lab_str;           /* those labels, by lab_map id; kept until
                                 the index is freed */
    pthread_mutex_t words_mu; /* guards words_map / words_str */
    ty_strmap *words_map;     /* words shown for stemmed bridge terms */
    char **words_str;         /* those words, by words_map id; kept until
                                 the index is freed (ty_index_word) */
    uint32_t words_n;         /* slots of words_str */
    uint32_t *phr_df;         /* documents per application phrase (NULL:
                                 no phrases) */
    float *tgen;              /* per term: how evenly it spreads over the
                                 fields (ideas.c ty_term_generic), built
                                 on first use */
    ty_once tgen_once;        /* its result */
    struct ty_judge_state *judge; /* the term facts computed so far and the
                                 analysers that compute them (judge/terms.c),
                                 made on first use */
    void (*judge_free)(struct ty_judge_state *); /* its release (set with it) */
    ty_once judge_once;       /* its result */
    struct ty_tf_table *tfacts; /* the section "termfacts" read and checked
                                 (api/termfacts.c), or NULL: none here */
    ty_once tfacts_once;      /* its result */
    ty_fieldmodel fm;         /* the field model (ideas): read at open
                                 from the section, else trained on first
                                 use */
    int fm_stored;            /* fm was read from the index */
    int ids_lazy;             /* the open's caller named no id table: the
                                 first lookups read the frames of ids
                                 (ty_meta_find_id), a later one builds it */
    int id_scans;             /* lookups answered so (atomic) */
    int id_damaged;           /* a lookup met damaged ids (atomic): a typed
                                 number not found is refused, not missed */
    pthread_mutex_t id_mu;    /* guards id_err */
    char id_err[TY_ERRLEN];   /* an id written twice, met by a lookup */
    int terms_lazy;           /* the open's caller reads neither vectors nor
                                 rows (a keyword search): the term tables
                                 and rows' lengths read on first need
                                 (ty_model_need_terms) */
    int fields_lazy;          /* ... and proposes no field (similar), or
                                 names the fields (ideas, match: read by
                                 the prefetch thread): the documents' field
                                 lists on first need */
    int numbers_lazy;         /* the open's caller named what it reads: the
                                 other numbers (section "numbers") wait for
                                 the first tenyo_index_resolve */
    ty_once fm_read_once;     /* the stored model read and checked
                                 (ty_index_need_fieldmodel) */
    char fm_err[TY_ERRLEN];   /* ... its refusal */
    uint32_t *fm_top;         /* per field, its TY_FM_TOP terms of largest
                                 positive weight (UINT32_MAX: none), built
                                 on first use (ideas.c) */
    ty_once fm_top_once;      /* its result */
    ty_once fm_once;          /* its result */
    pthread_t pf_thread;      /* reading what tenyo_index_open_for named */
    int pf_started;           /* ... started (joined by tenyo_index_free) */
    pthread_t dm_thread;      /* decoding every block of the documents'
                                 strings (ideas, match: ty_meta_warm) */
    int dm_started;           /* ... started (joined by tenyo_index_free) */
    unsigned pf_what;         /* TENYO_PREFETCH_*, and TY_PF_ROW_BLOCKS */
    ty_once codes_once;       /* q8's codes (and the model's vectors)
                                 ready, its rows' statistics maybe pending:
                                 ty_index_need_codes */
    ty_once vec_once;         /* q8 whole, statistics too, once:
                                 ty_index_need_vectors */
    char vec_err[TY_ERRLEN];  /* why they could not be read */
    uint64_t *short_doc;      /* documents with fewer than TY_SHORT_TERMS
                                 terms (a title without an abstract), built
                                 on the first TF-IDF or hybrid query */
    float *short_f;           /* their score factor terms / TY_SHORT_TERMS */
    uint64_t nshort;          /* how many */
    ty_once short_once;       /* result 0 or TENYO_ERR_NOMEM */
    ty_q8 q8;                 /* the document vectors: int8 codes as unit
                                 rows (scan, and dequantised for exact
                                 scores: quant.c) */
    ty_q8_src q8_src;         /* where q8.src points when the codes are
                                 read in blocks (stream_codes) */
    int stream_codes;         /* a one-query open of a large index (or
                                 TENYO_CODES=read): the first scan reads the
                                 codes with pread, no pass over the mapped
                                 rows (ty_index_need_scan) */
    int scans;                /* scans asked of ty_index_need_scan (atomic) */
    ty_ivf *ivf;              /* approximate search lists, or NULL */
    ty_upd upd;               /* updates applied at open (api/segment.c) */
    ty_patno patno;           /* ids as people type them (api/patno.c) */
    char *appl_blob;          /* applicants NFKC case-folded, NUL-separated
                                 (api/filter.c), built on the first
                                 applicant filter */
    uint64_t *appl_off;       /* ndocs+1 offsets into appl_blob */
    ty_once appl_once;        /* their result */
    ty_once patno_once;       /* its result */
    char *kw_text;            /* keyword text (api/keywords.c): per record
                                 its folded title, '\n', folded abstract,
                                 NUL; built on the first keyword query */
    uint64_t *kw_off;         /* ndocs+1 offsets into kw_text */
    uint32_t *kw_tlen;        /* bytes of each record's title there */
    double kw_seconds;        /* time its build took */
    ty_once kw_once;          /* its result */
    struct ty_kwx *kwx;       /* the keyword index over it (section
                                 "keywords", search/kwindex.c), or NULL:
                                 keyword queries scan kw_text */
    struct ty_lazysec **kw_part; /* after updates: the base's and each
                                 segment's section (owned; read on the
                                 first keyword query), kw_nparts of them,
                                 or NULL (ty_kw_take_parts) */
    uint64_t *kw_pdocs;       /* documents each part's file holds */
    uint32_t kw_nparts;       /* parts */
    uint64_t kw_stored;       /* compressed bytes of those sections */
    char kw_err[TY_ERRLEN];   /* why the keyword text could not be made */
    uint8_t *open_rec;        /* the records' own open flags when a
                                 licensable list applied (m.open then holds
                                 records OR list), else NULL */
    uint64_t open_listed;     /* ids in the licensable list (0: none) */
    uint64_t open_found;      /* of them, documents of this index */
    uint64_t open_lines;      /* number lines of its file when loaded */
    uint64_t open_unresolved; /* of them, not resolved then */
    int64_t open_loaded;      /* unix time it was loaded */
    char *open_source;        /* the file it came from (malloc'd) or NULL */
    ty_scan_share share;      /* scans shared out (share.scan NULL: none) */
};
/* The term table hashed (the first caller pays), and a duplicate term
 * (a damaged index) refused naming the file and the term: 0, or
 * TENYO_ERR_CORRUPT / NOMEM with the message in err. Every query that
 * looks terms up (text, document or terms) and tenyo_index_info call it;
 * the table is also hashed by any ty_strmap_get on it. */
int ty_index_need_vocab(const tenyo_index *x, char *err, size_t errlen);
/* Share x's scans (tenyo-mpi serve, before the first query; s NULL: stop
 * sharing). */
void ty_index_set_scan_share(tenyo_index *x, const ty_scan_share *s);
/* tenyo_index_open reading of a sharded index only the shards i < nkeep
 * with keep[i] (ty_store_read_part): the others' documents are empty
 * stand-ins (m.partial), there is no id table, and such an index may only
 * score the read shards' documents (ty_ctx_scan_part): what tenyo-mpi
 * serve's processes other than 0 open. A single file is opened whole. */
int ty_index_open_part(const char *path, const uint8_t *keep, uint32_t nkeep,
                       tenyo_index **out, char *err, size_t errlen);
/* One process's part of a shared scan: score the query packed in msg
 * (len bytes, as ty_scan_share.scan received it) over the documents
 * [ranges[2i], ranges[2i+1]) for i < nranges, on c's scratch, and append
 * its candidates to out: every document of the ranges that can be among
 * the best the merge needs (the re-scored set and the shown ones, ties
 * included), with its scores. 0, or a status with c->err set. */
int ty_ctx_scan_part(tenyo_ctx *c, const void *msg, size_t len, const uint64_t *ranges,
                     size_t nranges, ty_buf *out);

/* Records with fewer terms than this are titles without an abstract: their
 * TF-IDF and hybrid scores are scaled by terms / TY_SHORT_TERMS, so
 * that a word or two shared with a title does not outrank a full record
 * (api/ctx.c). */
#define TY_SHORT_TERMS 8

/* When the postings are built: TENYO_POSTINGS=off (never: every TF-IDF
 * scan gathers over all rows), on (at the first scan), or auto (default:
 * at the TY_POSTINGS_AFTER-th scan, so one-shot commands never pay the
 * transpose and its memory, a server or batch soon does). */
enum { TY_POSTINGS_AUTO, TY_POSTINGS_OFF, TY_POSTINGS_ON };
#define TY_POSTINGS_AFTER 4

/* Documents of field a also in each field: row[0..nfields) is set to the
 * co-classification counts of a (0 for fields never seen with it); 0, or
 * TENYO_ERR_NOMEM building the lists. The first CO_DIRECT_ROWS (32) rows
 * of an index whose lists are not built are counted by a pass over the
 * documents (api/meta.c), the same counts. */
int ty_cooccur_row(const tenyo_index *x, uint32_t a, uint32_t *row);
/* The rows of fields a[0..n) (-1: not in the index; its row stays 0) into
 * rows[i * nfields ..], from one pass over the documents while they count
 * as direct rows (ty_cooccur_row's), else from the lists. */
int ty_cooccur_rows(const tenyo_index *x, const int64_t *a, int n, uint32_t *rows);
/* ty_cooccur_rows with its pass over the documents on nt threads (the
 * same counts). */
int ty_cooccur_rows_nt(const tenyo_index *x, const int64_t *a, int n, uint32_t *rows, int nt);
/* The fewest documents a part of that pass takes (65,536; tests set it
 * lower to cut the sample in parts). */
extern size_t ty_cooc_part_min;
/* ty_cooccur_rows_nt on the context's threads (ctx.c). */
int ty_ctx_cooccur_rows(tenyo_ctx *c, const int64_t *a, int n, uint32_t *rows);
/* The characteristic terms of field f (TY_FM_TOP, UINT32_MAX-padded), or
 * NULL without a field model (meta.c; built once, from any thread, once
 * the model is read or trained). */
const uint32_t *ty_field_top(const tenyo_index *x, uint32_t f);
/* The co_* lists built, once, from any thread: 0 or TENYO_ERR_NOMEM. */
int ty_index_need_cooc(const tenyo_index *x);
/* The document vectors the scans read (x->q8) and the model's int8 basis
 * (fold-in), read on first use when the open left them (an index opened
 * from one file, without updates or IVF lists: ty_model_need_vectors),
 * once, from any thread; every reader of x->q8 or m->basis_q calls it
 * first. 0, or the status with the message (file and section) in err. */
int ty_index_need_vectors(const tenyo_index *x, char *err, size_t errlen);
/* The codes alone (ty_q8_adopt_codes): what a query through the IVF lists
 * and a row's own functions read, without the pass over every row that
 * ty_index_need_vectors makes for a whole scan. */
int ty_index_need_codes(const tenyo_index *x, char *err, size_t errlen);
/* What an exact scan of the vectors reads (ty_ctx_score, once a scan):
 * the codes alone for the first TY_STREAM_SCANS scans of an index that
 * streams them (ty_q8_scan_range reads them in blocks and computes each
 * row's statistics: a query of match scans a few times), else the vectors
 * whole: a process that goes on scanning (a batch) makes the pass over the
 * mapped rows once and scans memory. */
#define TY_STREAM_SCANS 8
int ty_index_need_scan(const tenyo_index *x, char *err, size_t errlen);
/* What a query's setting up reads (its own row, the tests of ty_ctx_scan_int8):
 * the codes alone where the index streams them, else the vectors whole. */
int ty_index_need_query(const tenyo_index *x, char *err, size_t errlen);
/* The stored field model read and checked (x->fm, x->fm_stored), once,
 * from any thread: at open unless the caller named what it reads and not
 * rows with ids, else by the first need (ideas). 0 (also when the index
 * stores none), or the status with the file and section named in err. */
int ty_index_need_fieldmodel(const tenyo_index *x, char *err, size_t errlen);
/* The stored postings a TF-IDF or hybrid scan of x may walk instead of
 * decoding the rows: 1 (x->tpost open), 0 (none: the index has no section
 * "tfidf.post" or has updates merged), or
 * the status of a refused section (header or table damaged) with its
 * message in err. */
int ty_index_tpost(const tenyo_index *x, char *err, size_t errlen);
/* The stored postings of m (read from path) checked whole against its
 * rows (api/check.c; tenyo check): 0 (also without them), or the status
 * with err naming the file, the section and the frame. */
int ty_tpost_verify_model(ty_model *m, const char *path, char *err, size_t errlen);
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


struct ty_tokmemo {            /* one sentence kept (ty_ctx_tokenize_memo) */
    uint64_t h;
    int used;
    ty_buf text;                /* its bytes */
    ty_buf terms;               /* each term a u32 length and its bytes */
};

struct tenyo_ctx {
    const tenyo_index *idx;  /* shared index */
    ty_tokenizer *tok;       /* created on the first text query */
    ty_tokctx *tc;           /* per-thread tokenizer state */
    float *qdense;           /* nterms scratch, kept zeroed */
    struct ty_tokmemo *tokmemo; /* TY_TOKMEMO_SLOTS, made on first use */
    float *s1, *s2;          /* ndocs score arrays */
    float *qlsa;             /* dim folded-in query */
    uint32_t *qt;            /* query term ids (sparse) */
    float *qw;               /* query weights */
    size_t qcap;             /* entries allocated in qt/qw */
    double hybrid_w;         /* TF-IDF weight in hybrid mode */
    char err[TY_ERRLEN];     /* last error */
    void *ideas;             /* the ideas layer's state (opaque here),
                                made by its first query */
    void (*ideas_free)(void *); /* how tenyo_ctx_free frees it */
    char unk[8][48];         /* query words unknown to the index (text),
                                none of their parts known either */
    size_t nunk;             /* how many there were */
    char part[8][48];        /* compounds unknown to the index searched by
                                their known parts (text) ... */
    char part_as[8][112];    /* ... and those parts, "精密 + プレス加工" */
    size_t npart;            /* how many compounds there were */
    const float *pre_lsa;    /* LSA scores of the current query computed
                                ahead by a batch, or NULL */
    int pre_approx;          /* 1: pre_lsa are int8 scan scores (re-scored
                                as the one-query scan's are) */
    const tenyo_hit *pre_cand; /* instead of pre_lsa (LSA mode, int8 scan,
                                no filter): the best pre_ncand documents by
                                int8 score, best first (ty_q8_topk_multi),
                                or NULL */
    size_t pre_ncand;        /* how many */
    int scan;                /* TY_SCAN_* */
    float *s2_q;             /* the folded query whose full LSA scan s2
                                holds (s2_kind), or NULL */
    int s2_kind;             /* 0 none; 1 the int8 scan's scores, 2 the
                                exact float scan's: a query of the same
                                vector reads them instead of scanning again
                                (match: its nearest patents, then ideas on
                                the same text) */
    uint64_t s2_reused;      /* scans so saved (tests) */
    uint32_t nprobe;         /* > 0: LSA queries probe this many IVF lists */
    size_t rerank;           /* > 0: IVF candidates re-scored (else the
                                defaults of score_ivf and rank_ivf) */
    ty_ivf_scratch ivs;      /* IVF search scratch */
    tenyo_filter *filter;    /* documents that may answer (api/filter.c),
                                or NULL: all */
    ty_buf qtext;            /* the last text query, as given (the why of
                                its proposals) */
    ty_buf abuf, qbuf;       /* abstracts read for tenyo_doc_abstract and
                                tenyo_idea_why */
    ty_abs_cur acur;         /* tenyo_doc_abstract's last block: a caller
                                going through the documents in order
                                decompresses each block once */
    ty_buf why_q, why_e;     /* the sentences tenyo_idea_why returned */
    int prune;               /* 1: prune when the index does (tests turn it
                                off to compare) */
    ty_prune_scratch ps;     /* its scratch */
    uint64_t npruned;        /* scans answered pruned (tests, benches) */
    int threads;             /* threads one query may use
                                (tenyo_ctx_set_threads; 0: auto) */
    int keep_open;           /* 1: the caller of the next ty_ctx_score
                                ranks the open documents only (ideas
                                open_only): a shared scan returns their
                                best too */
    uint64_t par_min;        /* indexes of fewer documents score a query on
                                one thread (TY_QPAR_MIN_DOCS; tests lower
                                it to run the split on a small index) */
};

/* Documents from which one query's scoring is split over threads: below,
 * the split did not pay on the shared 2-core machine (bench/README.md,
 * "One query on both cores": 100k documents 0.5-0.75x, 1M 1.0-1.4x p50). */
#define TY_QPAR_MIN_DOCS 500000
/* The k best of scores s[0..ndocs) but skip (UINT64_MAX: none) and the
 * documents d with keep[d] == 0 (keep NULL: none left out), best first, on
 * the threads c's query may use (ty_topk_ranges: the same hits for any
 * count); returns how many. */
size_t ty_ctx_topk(tenyo_ctx *c, const float *s, uint64_t skip, const uint8_t *keep, size_t k,
                   tenyo_hit *out);
/* ty_model_need_rows for documents docs[0..n) (stride bytes apart) on the
 * threads c's query may use; the message in c->err. */
int ty_ctx_need_rows(tenyo_ctx *c, const uint64_t *docs, size_t n, size_t stride);

/* The filter of c compiled (api/filter.c): one byte per document, 1 when
 * it may answer; NULL when c has no filter, or on failure (*rc, message
 * in c->err). */
const uint8_t *ty_ctx_mask(tenyo_ctx *c, int *rc);
/* Keyword matches (api/keywords.c) handed to a filter (owned by it): one
 * byte per document, and the query's positive term ids (ranked by
 * tenyo_search), n of them. */
int ty_filter_set_keywords(tenyo_filter *f, uint8_t *kw, uint32_t *terms, size_t n);
/* The keyword query's BM25 scores, one per document (owned by f), and
 * whether it has a must-occur unit. */
/* Keyword index (api/keywords.c). One record's keyword text appended to
 * out: title, '\n', abstract (alen bytes), each folded as keyword search
 * folds (NFKC case fold, markup removed, white space one space), NUL.
 * tmp and raw are scratch. 0 or a status. What the builder packs into the
 * section "keywords" and the scan folds at a first query. */
int ty_kw_record(ty_icu *u, ty_buf *tmp, ty_buf *raw, const char *title, const char *abs,
                 size_t alen, ty_buf *out);
/* Updates applied (segment.c): the base's and the n segments' sections
 * "keywords" (unread handles, m->kw_sec) taken into x (all of them, or none
 * when a part lacks one: keyword queries then scan); the models keep no
 * pointer to them. 0 or NOMEM. */
int ty_kw_take_parts(tenyo_index *x, ty_model *base, ty_model *seg, size_t n);
/* The section "keywords" for the m->ndocs documents (titles[d] each one's
 * title, abs[d] its whole abstract or NULL) into m->kw_blob, the folding on
 * up to threads threads (the same bytes for any count): 0, or a status
 * with the message in err. m's other members are not read. The builder's
 * one call (build_fields.c, beside the SVD). */
int ty_kw_build(ty_model *m, const char *const *titles, const char *const *abs, int threads,
                char *err, size_t errlen);
/* x's sections "keywords" read now, as the first keyword query would
 * (their frames' checksums, the layout; tenyo_index_load_all): 0 (also
 * without them), or the status with the message in err. */
/* Append s[0..n) folded to out (kwtext.c; NFKC case fold, white space
 * runs one space, blanks at both ends dropped): 0 or NOMEM. */
int ty_kw_fold_append(ty_icu *u, ty_buf *tmp, const char *s, size_t n, ty_buf *out);
/* x's keyword text, made once (kwtext.c): 0 or a status (x->kw_err). */
int ty_kw_text(tenyo_index *x);
/* x's keyword index opened as a first query opens it (ty_kw_load: a
 * layout-2 section's record lengths and key table; its lists and text
 * frames decoded as queries read them), or with every frame decoded and
 * checked (ty_kw_load_all: tenyo_index_load_all). 0 or a status with the
 * message in err. ty_kw_need: the text of documents [d0, d1) decoded in
 * x->kw_text (a no-op when it is all there): 0 or a status. */
int ty_kw_load(tenyo_index *x, char *err, size_t errlen);
int ty_kw_load_all(tenyo_index *x, char *err, size_t errlen);
int ty_kw_need(const tenyo_index *x, uint64_t d0, uint64_t d1, char *err, size_t errlen);
/* m's section "keywords" (none: 0) checked whole: layout, every posting
 * list. 0, or TENYO_ERR_CORRUPT with the message in err (NOMEM). */
int ty_kw_verify_model(const ty_model *m, char *err, size_t errlen);
void ty_filter_set_kw_scores(tenyo_filter *f, float *score, int positive);
/* Those scores (NULL when f has no keyword query). */
const float *ty_filter_kw_scores(const tenyo_filter *f, int *positive);
/* Words of the keyword query the index does not hold ("" none). */
void ty_filter_set_note(tenyo_filter *f, const char *note);
/* The positive keyword terms of f (NULL when it has no keyword query). */
const uint32_t *ty_filter_terms(const tenyo_filter *f, size_t *n);
/* The word w[0..n) as a string kept as long as x (one copy a word, from
 * any thread): a word to show that is no term of the index. NULL: out of
 * memory. */
const char *ty_index_word(const tenyo_index *x, const char *w, size_t n);
/* Tokenize text with c's tokenizer (the index's; TENYO_ERR_MISMATCH when
 * this machine's differs): emit gets each term. 0 or a status (c->err). */
int ty_ctx_tokenize(tenyo_ctx *c, const char *text, size_t len,
                    void (*emit)(void *ud, const char *t, size_t n), void *ud);
/* ty_ctx_tokenize of a sentence, its terms kept on c by its bytes
 * (direct-mapped by their hash; TY_TOKMEMO_MAX bytes at most) and replayed
 * to emit when the same bytes come again: the judge's sense stage and the
 * why lines read the same query and evidence sentences in turn. A
 * sentence's terms depend only on its bytes and c's tokenizer. */
#define TY_TOKMEMO_SLOTS 256
#define TY_TOKMEMO_MAX 8192
int ty_ctx_tokenize_memo(tenyo_ctx *c, const char *text, size_t len,
                         void (*emit)(void *ud, const char *t, size_t n), void *ud);
/* ty_ctx_tokenize with the members of each compound sent to part (the
 * tokenizer's ty_tok_sink.part) and every other term to emit. */
int ty_ctx_tokenize_parts(tenyo_ctx *c, const char *text, size_t len,
                          void (*emit)(void *ud, const char *t, size_t n),
                          void (*part)(void *ud, const char *t, size_t n), void *ud);
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
/* Many queries sharing the scan work (api/query.c): queries are prepared in
 * blocks of up to 32, the LSA scores of a block come from one pass over the
 * document vectors (mode LSA or hybrid: where a single query would scan
 * int8, panels of 32 rows met by every query of the block; else one
 * sgemm over the dequantised rows; each query's scores are what its own
 * scan gives), then step() runs for each query in order with c holding that query (terms, folded vector, c->pre_lsa set to
 * its scores; skip = its document or UINT64_MAX) or, when preparing it
 * failed, with status < 0 and the message in c->err. A non-zero return of
 * step, or running out of memory, stops the batch and is returned. terms:
 * queries by document take its sparse terms too (ty_ctx_query_doc).
 * cand > 0 (mode LSA, where the int8 scan serves and no filter is set):
 * no scores, but each query's best cand documents by int8 score in
 * c->pre_cand (what rank() needs when cand covers its re-scored set and k
 * + 1 more; see rank_cand). */
int ty_ctx_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq, tenyo_mode mode, int terms,
                 size_t cand,
                 int (*step)(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                             int status, void *ud),
                 void *ud);

/* Score every document for the query held in c (qt/qw[0..qn) and qlsa) into
 * c->s1 with the given mode. With the int8 scan, the LSA part is
 * approximate except for the best max(4 need, 256) documents, which are
 * re-scored exactly: the caller's top `need` are exact float scores.
 * 0, or the error (with c->err) of decoding the sparse rows on first use. */
int ty_ctx_score(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need);
/* Room for n query terms in c->qt / c->qw (grown, never shrunk): 0 or
 * TENYO_ERR_NOMEM (the arrays kept). */
int ty_ctx_reserve_query(tenyo_ctx *c, size_t n);
/* Whether the LSA scores of c's queries come from the int8 scan (then
 * re-scored exactly at the top) rather than the exact float scan. */
int ty_ctx_scan_int8(const tenyo_ctx *c);
/* Prepare c's query from indexed document doc (its sparse terms too when
 * terms is set: LSA needs only its vector), or from text; returns the
 * number of sparse query terms or a negative status. */
int ty_ctx_query_doc(tenyo_ctx *c, uint64_t doc, int terms);
int ty_ctx_query_text(tenyo_ctx *c, const char *text, size_t len);

/* Add a document given as terms and counts instead of text (rebuild of an
 * index from its stored counts, or a document whose metadata an update
 * changes). meta supplies id, title, abstract (kept for reading),
 * applicant, date, codes, other numbers, open and lang (its claims and
 * description are ignored). terms[i] occurs counts[i]
 * times (counts > 0; order is the term order used for first-occurrence ids).
 * surf: "term\x1fword\0" pairs (surf_len bytes, may be NULL/0); phr:
 * "target\x1fexpression\0" entries (may be NULL/0). Same replace rule. */
/* A rebuild: the document id just added keeps abs[0..len) (the old
 * keyword index's folded abstract, whole) for its keyword index when that
 * is longer than the abstract kept for reading (which is cut at 4 KiB);
 * else nothing. 0 or TENYO_ERR_NOMEM. */
int ty_builder_keep_long(tenyo_builder *b, const char *id, const char *abs, size_t len);
int ty_builder_add_counts(tenyo_builder *b, const tenyo_doc *meta,
                          const char *const *terms, const uint32_t *counts,
                          size_t n, const char *surf, size_t surf_len,
                          const char *phr, size_t phr_len);
/* Tokenizing and weighting shared out over processes (tenyo-mpi index).
 * The caller deals the records out in chunks (tenyo-mpi: by
 * the line each starts at) and gives each process only its own, with
 * their positions (ty_builder_add_at: any numbers increasing in reading
 * order). A process other than 0 tokenizes them, keeps a vocabulary of its
 * own and its records' (local id, count) pairs, and hands each chunk's
 * metadata and merge input (per record: its id, metadata, new local
 * terms, distinct-term count, votes, phrases; build_tok.c, "shared
 * tokenizing"), serialized, to put() when the caller ends the chunk
 * (ty_builder_share_end_chunk); process 0 tokenizes its own and takes the
 * others' chunks (ty_builder_share_take) in record order, mapping local
 * ids to its own; it alone holds every document's metadata (with
 * docs_elsewhere, below, no text). At write every process weighs its own
 * rows with the others (the collectives below; build_weight.c, "weight") and
 * holds the rows of its SVD block; process 0 factors with them (lsa) and
 * gathers what the rest of the write needs: the index it writes is the
 * bytes one process writes. The builder does no message passing itself. */
typedef struct ty_builder_share {
    int rank, size;       /* this process, and how many (size >= 1) */
    /* rank != 0: chunk number `chunk` of this process, n bytes at p; the
     * callee owns p (malloc'd) from the call on. 0 ok, else a status. */
    int (*put)(void *ud, uint64_t chunk, void *p, size_t n);
    /* rank 0: chunk number `chunk` from process `owner`, malloc'd into *p
     * (the builder frees it). 0 ok, else a status (message in err). */
    int (*get)(void *ud, uint64_t chunk, int owner, void **p, size_t *n,
               char *err, size_t errlen);
    /* The weighting, every process at once (process 0 in write, the
     * others in ty_builder_share_weigh), collectives with err set on a
     * failure: bcast: n bytes at p from process 0 to every process. */
    int (*bcast)(void *ud, void *p, size_t n, char *err, size_t errlen);
    /* sum_u32: x[0..n) summed element-wise over the processes, in place,
     * on every process. */
    int (*sum_u32)(void *ud, uint32_t *x, size_t n, char *err, size_t errlen);
    /* exchange: out[r] to process r and in[r] (empty on entry) from
     * process r, for every r < size (the caller frees both). */
    int (*exchange)(void *ud, ty_buf *out, ty_buf *in, char *err, size_t errlen);
    /* rank 0: the SVD of the TF-IDF rows, shared over the processes: a is
     * its block, rows [0, a->nrows) of nrows (ty_svd_share's split in
     * TY_SVD_BLOCK rows; the others hold theirs from
     * ty_builder_share_weigh), options o; into s (rank), v (ncols x rank)
     * and docvec (a->nrows x rank: its own block's rows of A V, each
     * L2-normalised, as ty_builder_docvecs makes them; every process keeps
     * its block's vectors, for what follows). The same bits as one
     * process (svd.c's fixed-block sums). 0 ok, else a status with err
     * set. */
    int (*lsa)(void *ud, const ty_csr *a, uint64_t nrows, const ty_svd_opts *o, float *s,
               float *v, float *docvec, char *err, size_t errlen);
    /* rank 0, after the SVD (own: its block's k-float vectors, own_rows
     * of them): the vectors of documents docs[0..n) (ascending, < nrows;
     * docs NULL: every document, n = nrows) into out (n x k, in docs'
     * order). */
    int (*vecs)(void *ud, const float *own, uint64_t own_rows, uint64_t nrows, uint32_t k,
                const uint64_t *docs, uint64_t n, float *out, char *err, size_t errlen);
    /* rank 0, in the IVF's k-means, once an iteration, after vecs fetched
     * its sample (docs[0..n), ascending, < nrows; NULL: every document,
     * n = nrows; smp: their k-float vectors in docs' order): asg[0..n) =
     * each sample row's nearest of the nlist centroids cent (nlist x k,
     * ties to the lower list; ty_ivf_assign), every process assigning the
     * sample rows of its own block where the SVD left them (rank 0 its
     * own from smp), only the assignments coming back. 0 ok, else a
     * status with err set. */
    int (*ksample)(void *ud, const float *smp, const uint64_t *docs, uint64_t n, uint64_t nrows,
                   uint32_t k, const float *cent, uint32_t nlist, int threads, uint32_t *asg,
                   char *err, size_t errlen);
    /* rank 0, after the SVD (own: its block of rows): the TF-IDF rows of
     * documents docs[0..n) (ascending, < nrows) into out (zeroed on
     * entry; n rows, columns and weights, no counts; ty_csr_free). */
    int (*rows)(void *ud, const ty_csr *own, uint64_t nrows, const uint64_t *docs, uint64_t n,
                ty_csr *out, char *err, size_t errlen);
    /* rank 0, after the SVD: asg[0..nrows) = every document's IVF list
     * for v's centroids (ty_ivf_assign on each process over its block's
     * vectors; own: rank 0's, own_rows of them). */
    int (*assign)(void *ud, const ty_ivf *v, const float *own, uint64_t own_rows,
                  uint64_t nrows, int threads, uint32_t *asg, char *err, size_t errlen);
    /* rank 0, last, unsharded: a and tf (the counts of its entries) hold
     * its block and *docvec its block's k-float vectors (NULL when k is
     * 0); on return every process's rows and vectors, all nrows (for the
     * file), and the others have freed theirs. */
    int (*gather)(void *ud, ty_csr *a, uint32_t **tf, float **docvec, uint32_t k,
                  uint64_t nrows, char *err, size_t errlen);
    /* rank 0, --shards: *all = the sum over the processes of their blocks'
     * non-zeros (own: this one's), for the shared part, the rows staying
     * where they are. */
    int (*nnz)(void *ud, uint64_t own, uint64_t *all, char *err, size_t errlen);
    /* rank 0, --shards (NULL: process 0 writes every file): o is
     * ty_shards_begin_meta's (nrows documents), the shared part written;
     * own, own_tf and own_vecs (k floats a row) are this process's block
     * (rows [0, own->nrows)), every process holding its own; have each of
     * its nshards shards written (ty_shards_piece here, rows pieces
     * (ty_shards_rows_piece, with float16 vectors when f16) from the
     * processes whose blocks hold its documents, ty_shards_write_pieces
     * where it is written) and every one reported to o (ty_shards_done)
     * before returning, the processes' rows and vectors then freed (this
     * process's too: own, *own_tf and *own_vecs are taken, freed and left
     * empty and NULL once their pieces are made); the builder then
     * replaces the manifest. With docs_elsewhere (below)
     * recs[0..nrows) is each document's live record and has_abs whether
     * the index has abstracts: o holds neither docmeta nor abstracts, each
     * writer makes its documents' (ty_shards_write_parts); else recs is
     * NULL. 0 ok, else a status with err set. */
    int (*shards)(void *ud, ty_shards_out *o, uint32_t nshards, uint64_t nrows,
                  ty_csr *own, uint32_t **own_tf, float **own_vecs,
                  uint32_t k, int f16, const uint64_t *recs, int has_abs, char *err,
                  size_t errlen);
    /* --shards with shards and nnz: 1 when the shards' writers make their
     * documents' docmeta and abstracts' text themselves, from the inputs
     * read again (ty_builder_doc_meta over the records recs[d] the
     * shards callback is given: document d's live record, by the
     * position ty_builder_add_at was given; has_abs: whether the index
     * has abstracts;
     * ty_shards_write_parts): process 0 then keeps of each record only
     * what global decisions need (its codes' subclasses for the field
     * numbering, its flags), no text. 0: process 0 keeps every record's
     * metadata and abstract, recs is NULL. */
    int docs_elsewhere;
    void *ud;             /* their first argument */
} ty_builder_share;
/* Document metadata as a sharded index's writer makes it from its record
 * d (tenyo-mpi, docs_elsewhere): the TY_META_NSTR NUL-terminated strings
 * of its "docmeta" (id, title or the display title from the abstract,
 * applicant, date, codes, fields: the bytes the one-process build stores)
 * appended to meta and, when abs is not NULL, its abstract as kept (cut
 * below 4 KiB at a character boundary; "" for none), NUL-terminated,
 * appended to abs. 0, or TENYO_ERR_NOMEM. */
int ty_builder_doc_meta(const tenyo_doc *d, ty_buf *meta, ty_buf *abs);
/* docvec (a->nrows x k) = the rows of A V, each L2-normalised: the
 * builder's document vectors, the same bits wherever they are computed. */
void ty_builder_docvecs(const ty_csr *a, const float *v, uint64_t k,
                        float *docvec, int threads);
/* The rows' term counts (nnz of them at *tf: 4 bytes a non-zero, read by
 * nothing while the SVD runs) parked as LEB128 in *park, about a byte
 * each: *tf freed and NULL (without room to park them they stay and *park
 * stays empty). Unpark gives them back into *tf: 0, or TENYO_ERR_NOMEM
 * with err. At 1M documents 0.63 GB of counts held as about 0.16. */
void ty_builder_tf_park(uint32_t **tf, uint64_t nnz, ty_buf *park);
int ty_builder_tf_unpark(uint32_t **tf, uint64_t nnz, ty_buf *park, char *err, size_t errlen);
/* Set before the first add; TENYO_ERR_ARG after one or on bad values. */
int ty_builder_set_share(tenyo_builder *b, const ty_builder_share *s);
/* A record at position rec (a shared build: strictly increasing in
 * reading order over every process's records; tenyo_builder_add refuses
 * a shared build); otherwise tenyo_builder_add. */
int ty_builder_add_at(tenyo_builder *b, const tenyo_doc *d, uint64_t rec);
/* rank != 0: the records added since the last call are chunk `chunk`
 * (none: an empty one); tokenize them and put() the chunk, with counts[3]
 * (may be NULL: zeros) for process 0 (ty_builder_share_take). Every chunk
 * dealt to this process, in order. 0 or a status. */
int ty_builder_share_end_chunk(tenyo_builder *b, uint64_t chunk, const uint64_t counts[3]);
/* rank 0: merge what is pending of its own, then chunk `chunk` of process
 * owner (get()), its records after every record added or taken before;
 * the sender's counts into counts (may be NULL). 0 or a status. */
int ty_builder_share_take(tenyo_builder *b, uint64_t chunk, int owner, uint64_t counts[3]);
/* rank 0: the other processes' records taken so far, the seconds spent
 * waiting for their chunks, and the CPU seconds merging them. */
void ty_builder_share_took(const tenyo_builder *b, uint64_t *recs, double *wait,
                           double *merge);
/* rank != 0: tokenize what is pending (the end of input): an error when
 * records were added after the last chunk ended. */
int ty_builder_share_flush(tenyo_builder *b);
/* rank != 0, after flush and once its sends are done: the weighting with
 * the others (collective); its block of TF-IDF rows, documents [*row0,
 * *row0 + rows->nrows), into rows and tf (the counts; the caller frees
 * both). The builder's memory is given back. 0, or a status with
 * tenyo_builder_error set. */
int ty_builder_share_weigh(tenyo_builder *b, ty_csr *rows, uint32_t **tf, uint64_t *row0);
/* Tests: tokenize in batches of this many documents or text bytes (0: the
 * default, 4096 documents or 32 MiB). Output does not depend on it. */
void ty_builder_set_batch(tenyo_builder *b, size_t docs, size_t bytes);

/* --- the term facts of an index (api/termfacts.c) --- */

/* The facts of a term, in this order (the judge's names: judge/terms.c). */
#define TY_JF_N 24
enum {
    TY_JF_BIAS, TY_JF_COMPOUND, TY_JF_MORPHS, TY_JF_LATIN, TY_JF_KATAKANA, TY_JF_VERB,
    TY_JF_HEAD_SAHEN, TY_JF_HEAD_SUFFIX, TY_JF_HEAD_ADJNOUN, TY_JF_HEAD_PROPER,
    TY_JF_J_ABSTRACT, TY_JF_J_ARTIFACT, TY_JF_J_NATURAL, TY_JF_J_OTHER, TY_JF_J_NONE,
    TY_JF_J_DOMAIN, TY_JF_J_POLYSEMOUS, TY_JF_SPREAD, TY_JF_IDF, TY_JF_PARTNESS, TY_JF_GENERICITY,
    TY_JF_EN_GENERIC, TY_JF_EN_VERB, TY_JF_EN_SPREAD
};
/* A Latin-script term spread over the fields at least this evenly (its
 * en_spread) is a generic head (en_generic): member, housing, unit. */
#define TY_JF_EN_GENERIC_SPREAD 0.8
/* The analysers of a term's lexical facts: ipadic (the index's
 * dictionary) and JUMAN; each NULL when its dictionary is missing or does
 * not load (why: the last dictionary's reason, may be NULL). Not
 * thread-safe. ty_tf_an_open: 0, or TENYO_ERR_NOMEM. */
typedef struct ty_tf_an {
    ty_mecab *mc;
    ty_mecab_ctx *mx;
    ty_juman *ju;
} ty_tf_an;
int ty_tf_an_open(ty_tf_an *a, const char *dicdir, char *why, size_t whylen);
void ty_tf_an_close(ty_tf_an *a);
/* Term t's lexical facts into f (bias, unit, head, JUMAN, Latin script,
 * en_verb; the other facts untouched): one ipadic and one JUMAN analysis. */
void ty_tf_lexical(const ty_model *m, ty_tf_an *a, uint32_t t, float *f);
/* Term t's idf fact: the model's idf scaled to 0..1. */
float ty_tf_idf(const ty_model *m, uint32_t t);
/* 1 when most of m's documents are English: its Latin-script terms then
 * have the English facts (ty_tf_english_facts of their spread). */
int ty_tf_english(const ty_model *m);
void ty_tf_english_facts(float spread, float *f);
/* Every term's genericity (malloc'd into *out), a pass over the rows
 * (decoded: ty_model_need_sparse first). 0, or TENYO_ERR_NOMEM. */
int ty_tf_genericity(const ty_model *m, float **out);
/* Every term's field-balanced spread and document frequency (the rows
 * transposed). 0, or TENYO_ERR_NOMEM. */
int ty_tf_spread(const ty_model *m, float *spread, uint32_t *df);
/* Every term's partness from the documents df (ty_tf_spread's) of the
 * compounds holding it, vocab mapping m's terms to their ids: an ipadic
 * pass over the vocabulary. 0, or TENYO_ERR_NOMEM. */
int ty_tf_partness(const ty_model *m, ty_tf_an *a, const ty_strmap *vocab, const uint32_t *df,
                   float *part);
/* The section "termfacts" of m (every fact of every term, computed with
 * the dictionaries of dicdir and JUMAN) into out, malloc'd; out empty when
 * the layout could not hold a fact exactly (the judge computes them). A
 * dictionary that is there but does not load is an error (the facts must
 * not depend on it): TENYO_ERR_NOMEM under an address-space limit, else
 * TENYO_ERR_DEPENDENCY. 0, or the status with err set. */
int ty_tf_build(const ty_model *m, const char *dicdir, ty_buf *out, char *err, size_t errlen);
/* ty_tf_build in two passes, so that the first can run beside other work:
 * ty_tf_lex reads only m's vocabulary (its terms and surfaces: final once
 * the weighting has numbered them), analysing each term with the
 * dictionaries (errors as ty_tf_build's); ty_tf_finish then makes the
 * section from it with the corpus passes (the rows and the documents'
 * fields). The same bytes as ty_tf_build. */
typedef struct ty_tf_lexed ty_tf_lexed;
int ty_tf_lex(const ty_model *m, const char *dicdir, ty_tf_lexed **out, char *err, size_t errlen);
int ty_tf_finish(const ty_model *m, const ty_tf_lexed *lx, ty_buf *out, char *err,
                 size_t errlen);
void ty_tf_lexed_free(ty_tf_lexed *lx);
/* The section of x read and checked, once (from any thread), or NULL: the
 * judge computes the facts (no section, damaged, or written without JUMAN
 * where it is installed now). */
typedef struct ty_tf_table ty_tf_table;
const ty_tf_table *ty_index_termfacts(const tenyo_index *x);
/* Term t's facts (TY_JF_N) as stored. */
void ty_tf_table_facts(const ty_tf_table *tab, uint32_t t, float *f);
/* 1 when the stored facts have JUMAN's. */
int ty_tf_table_juman(const ty_tf_table *tab);
/* Every term's genericity as stored, malloc'd into *out: 0 or NOMEM. */
int ty_tf_table_genericity(const ty_tf_table *tab, float **out);
void ty_tf_table_free(ty_tf_table *tab);
/* tenyo check: m's section read and every value checked (0; else the
 * status, why naming the section). */
int ty_tf_verify_model(const ty_model *m, char *why, size_t whylen);

#endif /* TENYO_API_H */
