/*
 * model.h — the model layer (model/): the index as numbers, in memory.
 *
 * ty_model    everything an index file holds (written and read by store/)
 * csr.c       sparse rows, threaded products with dense blocks, transpose
 * tfidf.c     idf, TF-IDF rows, static pruning of a row
 * svd.c       cblas/LAPACKE adapter: randomized truncated SVD, its rows
 *             optionally split over processes (ty_svd_comm)
 * linear.c    the field model: a logistic classifier per IPC field
 * q8code.c    the int8 code of a vector (what store/ writes, search/ scans)
 * labels.c    IPC field labels: built-in and loaded titles
 *
 * Below: util. Above: store, search, api.
 */
#ifndef TENYO_MODEL_H
#define TENYO_MODEL_H

#include "util/util.h"

/* Compressed sparse rows, float values, 32-bit column indices. */
typedef struct ty_csr {
    uint64_t nrows, ncols;
    uint64_t *rowptr;   /* nrows+1 offsets into col/val */
    uint32_t *col;      /* column index per non-zero, sorted within a row */
    float *val;         /* value per non-zero */
} ty_csr;
void ty_csr_free(ty_csr *m);
/* First position p of row i (its columns sorted) with col[p] >= c0, by
 * binary search: where a range of columns starts in a row (a query's
 * document range in a posting list, search/search.c). */
static inline uint64_t ty_csr_lower_bound(const ty_csr *a, uint64_t i, uint64_t c0) {
    uint64_t lo = a->rowptr[i], hi = a->rowptr[i + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a->col[mid] < c0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

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
/* The same model trained by `workers` processes (this one and forked
 * children sharing the results; the fields are independent). */
int ty_fieldmodel_train_workers(const struct ty_model *m, int workers, ty_fieldmodel *fm);
/* The training documents are 0, s, 2s, ... below ndocs: s for ndocs. */
uint64_t ty_fieldmodel_step(uint64_t ndocs);
/* ty_fieldmodel_train with the rows elsewhere: a's row r * astep is the
 * TF-IDF row of training document r * ty_fieldmodel_step(m->ndocs) (m's
 * own rows: a = &m->tfidf, astep = that step; only the training rows,
 * gathered: astep = 1); m gives the terms and fields. The same model.
 * TENYO_ERR_ARG when a has too few rows. workers: as in
 * ty_fieldmodel_train_workers (1: no process is forked). */
int ty_fieldmodel_train_rows(const struct ty_model *m, const struct ty_csr *a, uint64_t astep,
                             int workers, ty_fieldmodel *fm);
/* The model as a self-checking blob (the index section "fieldmodel"),
 * fields named by code so that it survives renumbering by updates. */
int ty_fieldmodel_write(const ty_fieldmodel *fm, const struct ty_model *m, ty_buf *out);
/* Read a blob back for model m (whose first terms are the ones it was
 * trained on; fields matched by code, those m lacks dropped); every count,
 * offset and float checked: why says what is wrong. */
int ty_fieldmodel_read(const char *blob, size_t len, const struct ty_model *m,
                       ty_fieldmodel *fm, char *why, size_t whylen);
/* ty_fieldmodel_read of bytes a zstd frame's checksum was verified over as
 * they were decoded (the index section, read whole or on need): the same
 * checks but the blob's own FNV-1a, which guards the same bytes (and stays
 * for blobs from anywhere else). */
int ty_fieldmodel_read_framed(const char *blob, size_t len, const struct ty_model *m,
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
/* One entry of ty_tfidf_row_counts' row without the row: the norm the row
 * of counts tf[0..n) over terms[0..n) is divided by (the same sum, the
 * same bits), and the weight of count tf with the term's idf in a row of
 * inverse norm inv (1 / that norm; 1.0 for a norm of 0): bit for bit the
 * value ty_tfidf_row_counts gives it (search/tpost.c's stored postings). */
double ty_tfidf_counts_norm(const uint32_t *terms, const uint32_t *tf, size_t n,
                            const float *idf);
float ty_tfidf_weight(uint32_t tf, float idf, double inv);
/* Its value before the row's norm: ty_tfidf_weight(tf, idf, inv) is
 * (float)(ty_tfidf_unnormed(tf, idf) * inv), bit for bit (a walk over
 * one term's postings computes this once per count). */
float ty_tfidf_unnormed(uint32_t tf, float idf);
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
     * of row_len int64, read and left as it is; process p receives the
     * element-wise sum over all processes (exact) of its rows
     * [row_off[p], row_off[p + 1]) in sum (those rows only, from its
     * start). Half an all-reduce's traffic, each process converts only its
     * rows (the terms side's chunks), and x keeps its zero rows from one
     * pass to the next (svd.c zeroes the block once, not per pass). */
    int (*sum_scatter_i64)(void *ud, const int64_t *x, int64_t *sum,
                           size_t row_len, const uint64_t *row_off);
    /* Optional (NULL: every process computes it): x[0..n) of process 0
     * to every process. What every process would compute alike from the
     * same reduced numbers (the Cholesky factor of each Cholesky-QR pass)
     * is then computed once, on process 0, and sent: the same bits,
     * without P copies of the l x l work. */
    int (*bcast_f64)(void *ud, double *x, size_t n);
    void *ud;             /* their first argument */
    int rank, size;       /* this process's number, and how many there are
                             (the terms side's chunks are shared out by
                             them) */
} ty_svd_comm;
/* Rows per block of the fixed-block reductions (svd.c's top): the default
 * of ty_svd_opts.block, and the unit in which rows are split over
 * processes. */
#define TY_SVD_BLOCK 4096
/* Rows of the split of `total` rows over `size` processes in whole blocks
 * of `block` rows: process `rank` gets [*r0, *r1), contiguous in process
 * order. From four blocks a process on, process 0 gets three quarters of
 * the others' share (it holds the build's shared state beside its rows);
 * below that shares differ by at most one block, and with fewer blocks
 * than processes the last get none.
 * The owner of a row in a shared build (api/build_weight.c, tenyo-mpi). */
void ty_svd_share(uint64_t total, uint64_t block, int rank, int size,
                  uint64_t *r0, uint64_t *r1);
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
    void (*before_at)(void *ud); /* once, before the per-term form's
                           transpose of A is made, or NULL: the caller
                           lets go of memory it holds beside the SVD (a
                           build waits for its keyword index's packing) */
    void *before_at_ud; /* its argument */
} ty_svd_opts;
/* Room in the address space for OpenBLAS's work buffers (TY_BLAS_BUFFER
 * each, one per thread calling it at once), what each worker thread but
 * the caller's maps besides (TY_BLAS_THREAD: its stack, its malloc arena)
 * and TY_BLAS_SPARE for what the caller allocates before its BLAS calls,
 * with `extra` bytes more that it will allocate later (the SVD's transpose,
 * made by its first A^T Q): the threads are sized as if they were taken. The most of
 * `workers` threads that the limit (ulimit -v, RLIMIT_AS) leaves room for,
 * found by mapping that much and giving it back, at least 1; 0 when not
 * even one fits, with a message naming the limit in err. Under a limit
 * OpenBLAS's allocator retries a failing allocation for ever (index and
 * rebuild never ended at 600-800 MB): its callers ask here first. */
#define TY_BLAS_BUFFER ((size_t)132 << 20)
#define TY_BLAS_THREAD ((size_t)76 << 20)
#define TY_BLAS_SPARE ((size_t)32 << 20)
int ty_blas_room(int workers, size_t extra, char *err, size_t errlen);
int ty_svd_randomized(const ty_csr *a, const ty_svd_opts *o, float *u,
                      float *s, float *v, char *err, size_t errlen);


/* The whole index in memory, as stored and loaded by store/ (write.c, read.c). */
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
    uint16_t *doc_h;          /* optional section "docvec.f16": the document
                                 vectors as IEEE binary16 (ndocs x k,
                                 row-major; built from docvec, or read,
                                 or merged), what the approximate search
                                 re-ranks from (search/half.c); NULL: none */

    /* sparse TF-IDF rows (L2-normalised) */
    ty_csr tfidf;             /* ndocs x nterms */
    size_t rows_mapped;       /* bytes of each of tfidf.col and .val when they
                                 are anonymous mappings (store/rows.c: the
                                 rows a query decodes a block at a time),
                                 else 0 (malloc'd) */
    uint32_t *tf;             /* raw term count of each non-zero (what
                                 format 2 stores; the weights are derived
                                 from it), or NULL when not known or not
                                 decoded yet (tf_leb: ty_model_need_tf) */
    struct ty_lazy *lazy;     /* read lazily: the rows not decoded yet
                                 (store/read.c; ty_model_need_sparse). It
                                 points back at this model: a lazily read
                                 model stays where it was read */
    int vec_deferred;         /* a lazy read left basis_q and doc_q for
                                 their first use (ty_model_need_vectors) */
    int rows_deferred;        /* a lazy read left the sparse rows for their
                                 first use (ty_model_need_sparse) */
    int terms_deferred;       /* ... and the term tables and the rows'
                                 lengths (ty_model_need_terms): set for
                                 the model's life, loaded or not */
    int fields_deferred;      /* ... and the documents' field lists
                                 (ty_model_need_docfields), likewise */
    uint64_t deferred_nnz;    /* ... the rows' non-zeros as the build
                                 record says (their lengths' sum, checked
                                 when read) */
    unsigned char *tf_leb;    /* loaded: the counts as stored (LEB128, one
                                 byte each for counts below 128), checked;
                                 decoded into tf only when needed */
    uint64_t tf_leb_len;      /* bytes in tf_leb */

    /* documents */
    uint64_t ndocs;           /* documents */
    char *meta_blob;          /* strings of all docs, NUL-terminated */
    uint64_t meta_blob_len;   /* bytes in meta_blob */
    uint64_t *meta_off;       /* ndocs x TY_META_NSTR offsets into meta_blob
                                 (layout 1, or decoded whole: NULL while
                                 a lazily read layout 2 is not; read a
                                 document's strings with store.h's
                                 ty_meta_str / ty_meta_doc) */
    struct ty_docmeta *dm;    /* read: the section "docmeta" of layout 2,
                                 a block decoded on first use
                                 (store/docmeta.c), or NULL */
    uint8_t docmeta_layout;   /* read: the file's layout of "docmeta" (1
                                 whole, 2 blocks; 0 not read from a file) */
    uint32_t rows_frame;      /* read: documents per frame of the rows'
                                 streams (store/format.h, "The rows in
                                 frames"); 0 one frame each, or not a file */
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
    struct ty_lazysec *fm_sec; /* read for queries (ty_store_read_lazy):
                                 the section "fieldmodel" located at open
                                 instead of fm_blob, read by the index's
                                 first need (api/index.c), or NULL */
    char *tf_blob;            /* to write: the term facts (section
                                 "termfacts", api/termfacts.c's raw
                                 content), or NULL: none */
    uint64_t tf_len;          /* bytes in tf_blob */
    struct ty_lazysec *tf_sec; /* read: the section "termfacts", located at
                                 open and read on the judge's first need
                                 or by check (store/lazysec.c), or NULL */
    char *tp_blob;            /* to write: the stored TF-IDF postings
                                 (section "tfidf.post", search/tpost.c's
                                 raw content), or NULL: none */
    uint64_t tp_len;          /* bytes in tp_blob */
    struct ty_lazysec *tp_sec; /* read: the section "tfidf.post", located
                                 at open, read in part by TF-IDF and
                                 hybrid queries (api/ctx.c) or whole by
                                 check, or NULL */
    char *labels_blob;        /* IPC titles given at index time
                                 (ty_labels_serialize), or NULL */
    uint64_t labels_len;      /* bytes in labels_blob */
    char *common_blob;        /* terms the build dropped for being in more
                                 than max_df_ratio of the documents,
                                 NUL-terminated each, or NULL */
    uint64_t common_len;      /* bytes in common_blob */
    char *numbers_blob;       /* documents' other numbers (application,
                                 registration): "number\tid\n" lines,
                                 NUL-terminated (section "numbers";
                                 api/patno.c), or NULL */
    uint64_t numbers_len;     /* bytes in numbers_blob */
    struct ty_lazysec *numbers_sec; /* read for a caller that looks no
                                 document up by id (ty_store_read_lazy_for,
                                 numbers): the section "numbers" located
                                 instead of numbers_blob, read by the first
                                 ty_model_numbers, or NULL */
    char *kw_blob;            /* to write: the keyword index (section
                                 "keywords", search/kwindex.c's raw
                                 content; ty_kw_build), or NULL (none,
                                 or only kw_frame) */
    uint64_t kw_len;          /* bytes in kw_blob */
    unsigned char *kw_frame;  /* to write: the section's zstd frame made
                                 ahead (ty_store_frame), written as it
                                 is (kw_blob then freed); or NULL */
    uint64_t kw_frame_len;    /* bytes in kw_frame */
    struct ty_lazysec *kw_sec; /* read: the section "keywords", located at
                                 open and read on the first keyword query
                                 or check (store/lazysec.c), or NULL */
    char *abs_text;           /* to write: every document's abstract,
                                 NUL-terminated, in document order (NULL:
                                 no section "abstracts") */
    uint64_t abs_text_len;    /* bytes in abs_text */
    int no_docapp;            /* to write: leave the section "docapp"
                                 out (a segment of updates, which the
                                 merge numbers none of) */
    struct ty_lazysec *app_sec; /* read: the section "docapp" (the first
                                 applicants' numbers, store/docapp.c),
                                 located at open, read whole by the
                                 first ty_docapp_key, or NULL */
    int write_threads;        /* to write: threads ty_store_write may use
                                 (above 1: the abstracts section packed
                                 and compressed on a second one) */
    struct ty_abs *abs;       /* read: the abstracts of the documents
                                 (store/abstracts.c, decoded on first use), or NULL */

    /* filled at load, not stored */
    int8_t *doc_q;            /* format 2: the stored int8 codes of the
                                 document vectors (ndocs x dim, row-major;
                                 taken over by tenyo_index_open as its
                                 vectors, ty_q8_adopt), or NULL */
    float *doc_qscale;        /* their stored per-row scales (ndocs), or
                                 NULL; written back as they are */
    void *doc_qmap;           /* doc_q's bytes mapped read-only from the
                                 file (a section stored raw, opened for
                                 queries: store/read_rows.c), or NULL:
                                 doc_q is malloc'd. Whoever takes doc_q
                                 over borrows it; ty_model_free unmaps */
    size_t doc_qmap_len;      /* bytes of that mapping */
    int doc_qstream;          /* doc_q's bytes may also be read with pread
                                 from doc_qfd (a file descriptor of its
                                 own, closed by ty_model_free) at doc_qoff:
                                 a one-query process scans them so
                                 (ty_model_stream_codes) */
    int doc_qfd;
    uint64_t doc_qoff;
    void *basis_qmap;         /* the same for basis_q */
    size_t basis_qmap_len;    /* bytes of that mapping */
    void *vmap;               /* the section "vocab.map" mapped read-only
                                 (store/vocabmap.c: a lazy read of a file
                                 that has it), or NULL; ty_model_free
                                 unmaps */
    size_t vmap_len;          /* bytes of that mapping */
    const unsigned char *vmap_raw; /* its content inside the mapping */
    uint64_t vmap_nslots;     /* its slots (a power of two) */
    int term_blob_mapped;     /* term_blob points into vmap: not freed */
    void *idmap;              /* the section "ids.map" mapped read-only
                                 (store/idmap.c: a lazy read of a file with
                                 docmeta's layout 2), or NULL; unmapped by
                                 ty_model_free */
    size_t idmap_len;         /* bytes of that mapping */
    const unsigned char *idmap_slots; /* its slots inside the mapping */
    uint64_t idmap_nslots;    /* how many (a power of two) */
    uint64_t file_bytes;      /* file size (a sharded index: all its files) */
    uint32_t nshards;         /* a sharded index: its shards, else 0 */
    uint64_t *shard_docs;     /* documents per shard (nshards, malloc'd) */
    uint64_t *shard_bytes;    /* bytes of each shard file (nshards) */
    uint64_t shard_ident;     /* a sharded index: a hash of its manifest
                                 (generation, documents, every file's size
                                 and checksum), the same for a partial read
                                 of it; 0 for one file */
    int partial;              /* a partial read of a sharded index
                                 (ty_shards_read_part: tenyo-mpi serve's
                                 processes other than 0): the documents of
                                 the shards left out are empty stand-ins,
                                 so only the read shards' documents may be
                                 scored; nothing else may use it */
    int nsections;            /* sections read/written */
    tenyo_section_info sections[TENYO_MAX_SECTIONS];
} ty_model;

/* Strings stored per document, in this order in meta_off. */
enum { TY_META_ID, TY_META_TITLE, TY_META_APPLICANT, TY_META_DATE,
       TY_META_CODES, TY_META_FIELDS, TY_META_NSTR };

/* Bounds accepted when loading (untrusted files). */
#define TY_MAX_DOCS   (1ull << 32)
#define TY_MAX_TERMS  (1ull << 31)
#define TY_MAX_DIM    4096
#define TY_MAX_FIELDS 65535
#define TY_MAX_NNZ    (1ull << 36)

/* Quantise one vector of k floats to int8 (model/q8code.c): codes q, their
 * scale max|x| / 127 and byte sum (the scan kernels' offset). */
void ty_q8_quantize(const float *x, size_t k, int8_t *q, float *scale,
                    int32_t *sum);

/* IPC field labels (ideas/labels.c): built-in Japanese and English labels
 * of the 8 sections and every IPC class, plus section/class/subclass titles
 * loaded from IPC scheme TSV files (JPO "code level dots title_ja" or
 * English "symbol level title"). Only read after loading, so lookups may
 * run in many threads at once. Strings returned live until the next
 * ty_labels_load/_deserialize on the set, or ty_labels_free. */
typedef struct ty_labels ty_labels;
/* An empty set (built-in labels only). */
int ty_labels_new(ty_labels **out);
/* An empty set that derives each short label on its first lookup rather
 * than at load (model/labels.c); lookups answer the same. */
int ty_labels_new_lazy(ty_labels **out);
/* The IPC titles built into the library (model/labels.c), or NULL when the
 * build had no scheme files; parsed once, shared, never freed. */
const ty_labels *ty_labels_builtin(void);
/* The set ty_labels_builtin makes of a blob of ty_labels_serialize's
 * format: lazy, its titles pointing into one copy of the blob when every
 * line is well-formed and unique (no UTF-8 check: the blob is the
 * build's), else as ty_labels_deserialize parses it; NULL when that
 * refuses it, or out of memory. */
ty_labels *ty_labels_builtin_parse(const char *blob, size_t len);
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
/* 0 for "ja", 1 for "en" (any case), -1 otherwise. */
int ty_labels_lang(const char *lang);
/* Decode one code point of s[*i..n) into *cp and advance *i; -1 when the
 * bytes there are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF,
 * truncated). */
int ty_utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp);
/* Code of the i-th built-in class (sorted), NULL past the end (tests). */
const char *ty_labels_builtin_class(size_t i);
/* 1 when code (a subclass, "C07K") starts with a class of the IPC scheme
 * (the built-in table): "A07K", a typo in a record, does not. */
int ty_labels_class_known(const char *code);

#endif /* TENYO_MODEL_H */
