/*
 * index.c — tenyo_index, the shared immutable index: opening it
 * (tenyo_index_open; ty_index_open_part for some shards of a sharded one)
 * and freeing it. Opening loads the ty_model (store/), builds the id ->
 * document table (on a thread of its own from IDS_THREAD_MIN documents,
 * beside the rest of the work) and reads the field model (on another;
 * a caller that names what it reads and not rows with ids, a keyword
 * search or similar, leaves it to its first need: ideas),
 * records the term -> term id table's keys, merges the updates made since
 * the base file (api/segment.c), applies the licensable list
 * (api/openapply.c) and checks that the pieces agree. A caller that names
 * what its queries read (tenyo_index_open_for) has its term table hashed
 * by the first lookup (ty_index_need_vocab: a keyword search makes none),
 * and its id table too unless it names TENYO_PREFETCH_IDS: at 60k
 * documents 11 and 10 ms of a keyword search's open that its query never
 * used; a caller naming a document or two (TENYO_PREFETCH_DOCS: similar
 * ID, ideas, match) finds them in the frames of ids (meta.c), where the
 * table cost a 1M ideas 70-140 ms of its open; the open without prefetch
 * hashes both and refuses a duplicate in either, as it always did.
 * Everything is read-only once it returns, so any number of contexts
 * (api/ctx.c) may search one index concurrently without locks.
 *
 * What the opened index says without a query is meta.c's; the contexts and
 * the scan are ctx.c's, the ranking and the queries query.c's; the
 * resolution of typed patent numbers is patno.c's. Sections that only
 * some commands need (the sparse rows, the co-classification lists) are
 * decoded on first use; tenyo_index_load_all decodes them all at once.
 */
#include "api/api.h"
#include "search/kwindex.h"

#include "model/blas.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The id -> document table of an index being opened. */
typedef struct ids_job {
    tenyo_index *x;
    uint64_t dup;              /* the document whose id came twice */
    int isdup;                 /* rc is for dup */
    int rc;                    /* 0, TENYO_ERR_NOMEM or TENYO_ERR_CORRUPT (dup,
                                  or a frame of ids damaged: err) */
    char err[TY_ERRLEN];
} ids_job;

/* From this many documents the id table is built on a thread of its own.
 * One thread beside the caller's other work (joined on every path out of
 * tenyo_index_open), not a fan-out of equal workers: it stays a plain
 * pthread rather than ty_parallel, whose workers all end before it
 * returns. At 60k documents the table takes about as long as the term
 * table beside it (7-8 ms each), so the thread pays from a few thousand
 * documents on; below, starting it costs more than it saves. */
#define IDS_THREAD_MIN 8192

static void *ids_run(void *arg) {
    ids_job *j = arg;
    const ty_model *m = &j->x->m;
    /* the ids stay in the model's strings (the table is freed first):
     * layout 2's frames of ids alone */
    const char *blob;
    const uint64_t *off;
    size_t stride;
    int rc = ty_meta_ids(m, &blob, &off, &stride, j->err, sizeof j->err);
    if (!rc) rc = ty_strmap_add_blob(j->x->ids, blob, off, stride, m->ndocs, &j->dup);
    j->isdup = rc == 1;
    j->rc = rc == 1 ? TENYO_ERR_CORRUPT : rc;
    return NULL;
}

/* The lazy id table's keys (ty_strmap_add_fill_lazy): the frames of ids read
 * by the first lookup. */
static int ids_fill(void *ud, const char **blob, const uint64_t **off, size_t *stride) {
    return ty_meta_ids(ud, blob, off, stride, NULL, 0);
}

/* The lazy term table's keys (ty_strmap_add_fill_lazy) where the terms
 * themselves wait for their first need (ty_model_need_terms). */
static int vocab_fill(void *ud, const char **blob, const uint64_t **off, size_t *stride) {
    const ty_model *m = ud;
    int rc = ty_model_need_terms(m, NULL, 0);
    if (rc) return rc < 0 ? rc : TENYO_ERR_CORRUPT;
    *blob = m->term_blob;
    *off = m->term_off;
    *stride = 1;
    return TENYO_OK;
}

/* What an open for prefetch asks of the vectors' read: read ahead when
 * named, and a one-query process on a large index reads the document
 * codes in blocks as its scans need them (quant.c, ty_q8_src), with no
 * pass over the mapped rows, whose first touch is the dearer on some
 * virtual machines; TENYO_CODES=read or map decides it (tests). */
static int stream_flags(unsigned pf_what) {
    if (!(pf_what & TENYO_PREFETCH_VECTORS)) return 0;
    const char *cm = getenv("TENYO_CODES");
    return 1 | (cm && !strcmp(cm, "read")  ? TY_READ_STREAM
                : cm && !strcmp(cm, "map") ? 0
                                           : TY_READ_STREAM_LARGE);
}

/* tenyo_index_open(_for), and ty_index_open_part with keep (some shards). */
static int index_open(const char *path, const uint8_t *keep, uint32_t nkeep, unsigned prefetch,
                      tenyo_index **out, char *err, size_t errlen);

int tenyo_index_open(const char *path, tenyo_index **out, char *err,
                     size_t errlen) {
    return index_open(path, NULL, 0, 0, out, err, errlen);
}

int tenyo_index_open_for(const char *path, unsigned prefetch, tenyo_index **out, char *err,
                         size_t errlen) {
    return index_open(path, NULL, 0, prefetch, out, err, errlen);
}

int ty_index_open_part(const char *path, const uint8_t *keep, uint32_t nkeep,
                       tenyo_index **out, char *err, size_t errlen) {
    if (!keep) return TENYO_ERR_ARG;
    return index_open(path, keep, nkeep, 0, out, err, errlen);
}

/* The prefetch thread (tenyo_index_open_for): each part through the once
 * its queries take, so a query that comes first does it and this one
 * waits, or the other way round; outcomes (a damaged section) stay in the
 * once for the query to report. Vectors first: the open's caller needs
 * them first (a query's vector), the rows after its terms. */
static void *pf_run(void *arg) {
    tenyo_index *x = arg;
    if ((x->pf_what & TENYO_PREFETCH_VECTORS) &&
        (x->stream_codes || ((x->pf_what & TENYO_PREFETCH_APPROX) &&
                             x->m.ivf_blob))) /* the lists are read after this starts */
        (void)ty_index_need_codes(x, NULL, 0);
    else if (x->pf_what & TENYO_PREFETCH_VECTORS)
        (void)ty_index_need_vectors(x, NULL, 0);
    /* the queries' exact dot products open OpenBLAS (model/blas.c): here,
     * beside the open, rather than in the middle of the first query */
    if (x->pf_what & TENYO_PREFETCH_VECTORS) (void)ty_blas();
    if (x->pf_what & TENYO_PREFETCH_ROWS) (void)ty_model_need_sparse(&x->m, NULL, 0);
    if (x->pf_what & TY_PF_ROW_BLOCKS) (void)ty_model_need_rows(&x->m, NULL, 0, 0, NULL, 0);
    if (x->pf_what & TENYO_PREFETCH_KEYWORDS) (void)ty_kw_load(x, NULL, 0);
    /* a caller proposing fields reads them, and the terms' facts, after
     * its scan: read here, last */
    if (x->pf_what & TENYO_PREFETCH_FIELDS) {
        (void)ty_model_need_docfields(&x->m, NULL, 0);
        if (x->m.tf_sec) (void)ty_index_termfacts(x);
        /* and the fields' characteristic terms (the cards' bands), from
         * the stored model (one an index lacks is trained by the first
         * query that asks) */
        if (!ty_index_need_fieldmodel(x, NULL, 0) && x->fm_stored) (void)ty_field_top(x, 0);
    }
    return NULL;
}

/* Every block of the documents' strings decoded (ty_meta_warm; a damaged
 * one is reported by the query that reads it). */
static void *dm_run(void *arg) {
    ty_meta_warm(arg);
    return NULL;
}

/* A caller that reads rows and looks patents up by id (ideas, match)
 * compares the first applicants of its ~1,000 neighbours: from the column
 * of their numbers (store/docapp.c) where the index has one, read beside
 * the open; else from the strings, which touch most documents' blocks (338
 * of 475 for one ideas query at 60k): every block decoded beside the open
 * and the query (dm_run), as layout 1's whole decode was, instead of one
 * by one on the query's thread. */
static void applicants_ahead(tenyo_index *x, unsigned prefetch) {
    if (!(prefetch & TENYO_PREFETCH_ROWS) ||
        !(prefetch & (TENYO_PREFETCH_IDS | TENYO_PREFETCH_DOCS)) || ty_ncores() < 2)
        return;
    if (ty_docapp_has(&x->m)) ty_lazysec_prefetch(x->m.app_sec);
    else x->dm_started = x->m.dm && pthread_create(&x->dm_thread, NULL, dm_run, &x->m) == 0;
}

/* The term table hashed beside the rest of the open and the caller's
 * tokenizer load (its outcome stays in the map for ty_index_need_vocab). */
static void *voc_run(void *arg) {
    tenyo_index *x = arg;
    (void)ty_strmap_settle(x->vocab, NULL);
    return NULL;
}

/* The term table: the file's own slots looked up where they lie (its
 * "vocab.map" mapped by the read: nothing hashed, store/vocabmap.c); else
 * hashed by its first lookup (ty_index_need_vocab) when the caller named
 * what its queries read (a command of one query), else now, a duplicate
 * refusing the open as ever. */
static int vocab_table(tenyo_index *x, unsigned prefetch, char *err, size_t errlen) {
    size_t ns = 0;
    const void *starts = NULL, *slots = ty_vmap_slots(&x->m, &ns, &starts);
    uint64_t blen = 0;
    const char *blob = slots ? ty_vmap_blob(&x->m, &blen) : NULL;
    if (blob) return ty_strmap_adopt_stored(x->vocab, slots, ns, starts, blob, blen,
                                            (uint32_t)x->m.nterms);
    int rc = x->m.terms_deferred
                 ? ty_strmap_add_fill_lazy(x->vocab, x->m.nterms, vocab_fill, &x->m)
                 : ty_strmap_add_blob_lazy(x->vocab, x->m.term_blob, x->m.term_off, 1,
                                           x->m.nterms);
    if (!rc && !prefetch) rc = ty_index_need_vocab(x, err, errlen);
    if (rc) return rc;
    /* a caller whose queries read vectors looks terms up first (a text
     * query) or soon after (ideas): hashed on a thread of its own */
    x->voc_started = (prefetch & TENYO_PREFETCH_VECTORS) && !x->terms_lazy && ty_ncores() > 1 &&
                     pthread_create(&x->voc_thread, NULL, voc_run, x) == 0;
    return TENYO_OK;
}

/* A new, empty index: its onces and mutex ready, the scan policies read
 * from the environment. NULL: out of memory. */
static tenyo_index *index_new(void) {
    tenyo_index *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    ty_once_init(&x->co_once);
    ty_once_init(&x->post_once);
    ty_once_init(&x->tp_once);
    ty_once_init(&x->tgen_once);
    ty_once_init(&x->judge_once);
    ty_once_init(&x->tfacts_once);
    ty_once_init(&x->fm_once);
    ty_once_init(&x->fm_read_once);
    ty_once_init(&x->codes_once);
    ty_once_init(&x->vec_once);
    ty_once_init(&x->fm_top_once);
    ty_once_init(&x->short_once);
    ty_once_init(&x->patno_once);
    ty_once_init(&x->appl_once);
    ty_once_init(&x->kw_once);
    pthread_mutex_init(&x->lab_mu, NULL);
    pthread_mutex_init(&x->id_mu, NULL);
    pthread_mutex_init(&x->words_mu, NULL);
    const char *pp = getenv("TENYO_POSTINGS");
    x->post_policy = pp && !strcmp(pp, "off")  ? TY_POSTINGS_OFF
                     : pp && !strcmp(pp, "on") ? TY_POSTINGS_ON
                                               : TY_POSTINGS_AUTO;
    /* dynamic pruning (search/prune.c): exact, but measured no faster than
     * the postings scan on generated patent-length queries (bench/README),
     * and its block maxima cost ~420 B a document: opt in with
     * TENYO_PRUNE=on */
    const char *pr = getenv("TENYO_PRUNE");
    x->prune = pr && !strcmp(pr, "on");
    return x;
}

/* x->m from the file at path (some shards: keep) with its updates merged
 * (real: path's target, where the updates live). An update or rebuild may
 * commit while we read: when a file the manifest named is gone, or the base
 * file changed under us, read again (a few times at most). *unread = 1 when
 * the file itself could not be read (x holds nothing to free then). */
static int read_merged(const char *path, const char *real, const uint8_t *keep, uint32_t nkeep,
                       tenyo_index *x, int *unread, char *err, size_t errlen) {
    int rc;
    for (int attempt = 0;; attempt++) {
        struct stat s1, s2;
        int have1 = stat(path, &s1) == 0;
        rc = keep ? ty_store_read_part(path, keep, nkeep, &x->m, err, errlen)
             : x->terms_lazy
                 ? ty_store_read_lazy_terms(path, (x->pf_what & TENYO_PREFETCH_KEYWORDS) != 0,
                                            x->numbers_lazy, &x->m, err, errlen)
                 : ty_store_read_lazy_for(path, (x->pf_what & TENYO_PREFETCH_KEYWORDS) != 0,
                                          stream_flags(x->pf_what),
                                          x->numbers_lazy, x->fields_lazy, &x->m, err, errlen);
        if (rc) {
            *unread = 1;
            return rc;
        }
        rc = ty_seg_apply(real ? real : path, x, err, errlen);
        int changed = !have1 || stat(path, &s2) != 0 || s1.st_ino != s2.st_ino ||
                      s1.st_size != s2.st_size || s1.st_mtim.tv_sec != s2.st_mtim.tv_sec ||
                      s1.st_mtim.tv_nsec != s2.st_mtim.tv_nsec;
        if (rc == TENYO_ERR_CORRUPT && err && !strstr(err, "--repair")) {
            /* a damaged update file (segment, deletions, manifest): the
             * repair's pointer, as a missing one has it */
            char why[TY_ERRLEN];
            snprintf(why, sizeof why, "%s", err);
            ty_seterr(err, errlen, "%s: its updates are damaged: %s; `tenyo check --repair %s` "
                      "keeps every readable document, or refuses when it cannot prove which "
                      "are deleted", path, why, path);
        }
        if (rc < 0) return rc;
        if ((rc > 1 || changed) && attempt < 4) { /* raced: again */
            ty_model_free(&x->m);
            ty_upd_free(&x->upd);
            continue;
        }
        if (rc > 1) {
            /* still gone after five reads: not a race but a file the
             * manifest names and the directory lacks */
            char why[TY_ERRLEN];
            snprintf(why, sizeof why, "%s", err ? err : "");
            ty_seterr(err, errlen, "%s: its updates are damaged: %s; `tenyo check --repair %s` "
                      "keeps every readable document", path, why, path);
            return TENYO_ERR_CORRUPT;
        }
        return TENYO_OK; /* rc == 1: stale updates (for another base), ignored */
    }
}

/* The IPC titles recorded at index time, when the file has them. */
static int open_labels(tenyo_index *x, const char *path, char *err, size_t errlen) {
    if (!x->m.labels_blob) return TENYO_OK;
    int rc = ty_labels_new(&x->labels);
    if (!rc) rc = ty_labels_deserialize(x->labels, x->m.labels_blob,
                                        (size_t)x->m.labels_len, err, errlen);
    if (rc) {
        if (rc != TENYO_ERR_NOMEM) {
            char why[TY_ERRLEN];
            snprintf(why, sizeof why, "%s", err ? err : "");
            ty_seterr(err, errlen, "%s: section 'labels': %s", path, why);
            rc = TENYO_ERR_CORRUPT;
        }
        return rc;
    }
    return TENYO_OK;
}

/* Document vectors: the int8 codes the file stores (format 2), or
 * codes made from the floats of a format-1 file, taken as unit rows
 * (quant.c, "rows as floats"): no float copy is kept, which is 1 KiB
 * per document at k = 256. The stored per-row scale cancels when a row
 * is put back to unit length, so it is dropped. Codes mapped from the
 * file (x->m.doc_qmap) are borrowed: the model keeps the mapping. */
static int open_codes(tenyo_index *x) {
    if (x->m.dim && x->m.ndocs) {
        if (x->m.doc_q) {
            if (ty_q8_adopt_codes(&x->q8, x->m.doc_q, x->m.ndocs, x->m.dim)) return TENYO_ERR_NOMEM;
            x->q8.q_borrowed = x->m.doc_qmap != NULL;
            if (x->m.doc_qstream && x->m.doc_qmap) { /* the file's bytes, read in blocks */
                x->q8_src.fd = x->m.doc_qfd;
                x->q8_src.off = x->m.doc_qoff;
                x->q8.src = &x->q8_src;
            }
            x->m.doc_q = NULL; /* taken over */
        } else {
            if (ty_q8_build(x->m.docvec, x->m.ndocs, x->m.dim, &x->q8) != TENYO_OK) return TENYO_ERR_NOMEM;
            free(x->m.docvec);
            x->m.docvec = NULL;
            /* codes of unit rows: make them unit again (the scales) */
            int8_t *q = x->q8.q;
            x->q8.q = NULL;
            ty_q8_free(&x->q8);
            if (ty_q8_adopt_codes(&x->q8, q, x->m.ndocs, x->m.dim)) {
                free(q);
                return TENYO_ERR_NOMEM;
            }
        }
    }
    if (!x->m.doc_qmap) free(x->m.doc_q); /* else unmapped with the model */
    x->m.doc_q = NULL;
    free(x->m.doc_qscale);
    x->m.doc_qscale = NULL;
    return TENYO_OK;
}

/* The rows' statistics (a pass over every code: the first touch of mapped
 * ones) on TENYO_QUERY_THREADS threads, else the cores. */
static int finish_vectors(tenyo_index *x) {
    const char *qt = getenv("TENYO_QUERY_THREADS");
    int nt = qt && atoi(qt) > 0 ? atoi(qt) : ty_ncores();
    return x->q8.q ? ty_q8_finish_stats(&x->q8, nt) : TENYO_OK;
}

static int open_vectors(tenyo_index *x) {
    int rc = open_codes(x);
    return rc ? rc : finish_vectors(x);
}

/* The codes' first use (ty_once_run): the model's vectors decoded, then
 * the index's codes made from them (an index whose open read them, or one
 * assembled in memory, has its codes already). */
static int codes_load(void *arg) {
    tenyo_index *x = arg;
    int rc = ty_model_need_vectors(&x->m, x->vec_err, sizeof x->vec_err);
    if (!rc && x->m.vec_deferred && !x->q8.q && open_codes(x)) {
        ty_seterr(x->vec_err, sizeof x->vec_err, "out of memory for the document vectors");
        rc = TENYO_ERR_NOMEM;
    }
    return rc;
}

/* The vectors' first whole use: the codes, then their statistics (an
 * open that read the vectors itself made both: open_vectors). */
static int vec_load(void *arg) {
    tenyo_index *x = arg;
    int rc = ty_once_run(&x->codes_once, codes_load, x);
    if (!rc && x->m.vec_deferred && finish_vectors(x)) {
        ty_seterr(x->vec_err, sizeof x->vec_err, "out of memory for the document vectors");
        rc = TENYO_ERR_NOMEM;
    }
    return rc;
}

int ty_index_need_vocab(const tenyo_index *x, char *err, size_t errlen) {
    uint64_t dup = 0;
    int rc = ty_model_need_terms(&x->m, err, errlen);
    if (rc) return rc;
    rc = ty_strmap_settle(x->vocab, &dup);
    if (rc == 1) {
        ty_seterr(err, errlen, "%s: duplicate term '%s' (damaged index)", x->path,
                  x->m.term_blob + x->m.term_off[dup]);
        return TENYO_ERR_CORRUPT;
    }
    if (rc) ty_seterr(err, errlen, "out of memory for the term table");
    return rc;
}

int ty_index_need_codes(const tenyo_index *cx, char *err, size_t errlen) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as below */
    int rc = ty_once_run(&x->codes_once, codes_load, x);
    if (rc) ty_seterr(err, errlen, "%s", x->vec_err);
    return rc;
}

int ty_index_need_scan(const tenyo_index *cx, char *err, size_t errlen) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const: a count */
    return x->stream_codes &&
                   __atomic_fetch_add(&x->scans, 1, __ATOMIC_RELAXED) < TY_STREAM_SCANS
               ? ty_index_need_codes(x, err, errlen)
               : ty_index_need_vectors(x, err, errlen);
}

int ty_index_need_query(const tenyo_index *x, char *err, size_t errlen) {
    return x->stream_codes ? ty_index_need_codes(x, err, errlen)
                           : ty_index_need_vectors(x, err, errlen);
}

int ty_index_need_vectors(const tenyo_index *cx, char *err, size_t errlen) {
    /* logically const, as ty_model_need_sparse: the vectors were always
     * the index's, only not read yet */
    tenyo_index *x = (tenyo_index *)cx;
    int rc = ty_once_run(&x->vec_once, vec_load, x);
    if (rc) ty_seterr(err, errlen, "%s", x->vec_err);
    return rc;
}

static int tp_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err, size_t errlen) {
    return ty_lazysec_read(ud, off, len, dst, err, errlen);
}

static int tp_open(void *arg) {
    tenyo_index *x = arg;
    const ty_model *m = &x->m;
    int rc = ty_tpost_open(tp_read, m->tp_sec, ty_lazysec_size(m->tp_sec),
                           x->path ? x->path : "", m->nterms, m->ndocs,
                           m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0, &x->tpost, x->tp_err,
                           sizeof x->tp_err);
    return rc;
}

int ty_index_tpost(const tenyo_index *cx, char *err, size_t errlen) {
    /* logically const, as ty_index_need_vectors */
    tenyo_index *x = (tenyo_index *)cx;
    if (!x->m.tp_sec || x->upd.gpos || x->upd.nseg || x->upd.base_deleted) return 0;
    int rc = ty_once_run(&x->tp_once, tp_open, x);
    if (rc) {
        ty_seterr(err, errlen, "%s", x->tp_err);
        return rc;
    }
    return 1;
}

/* The approximate-search lists, checked now: the base's lists alone (a
 * query scores their members from the index's codes, ty_ivf_query.base),
 * or, when updates moved the documents, remapped to the merged documents
 * with the codes gathered in list order (the documents added since join
 * their nearest list). */
static int open_ivf(tenyo_index *x, const char *path, char *err, size_t errlen) {
    int rc;
    x->ivf = ty_calloc(1, sizeof *x->ivf);
    if (!x->ivf) return TENYO_ERR_NOMEM;
    char why[TY_ERRLEN] = "";
    if (x->upd.base_map) /* lists of the base, remapped to the merged documents */
        rc = ty_ivf_read_remap(x->m.ivf_blob, (size_t)x->m.ivf_len, x->upd.base_docs,
                               x->upd.base_map, x->m.ndocs, x->m.dim, &x->q8,
                               x->ivf, why, sizeof why);
    else
        rc = ty_ivf_read(x->m.ivf_blob, (size_t)x->m.ivf_len, NULL, x->m.ndocs,
                         x->m.dim, NULL, x->ivf, why, sizeof why);
    if (rc) {
        free(x->ivf);
        x->ivf = NULL;
        if (rc != TENYO_ERR_NOMEM) {
            ty_seterr(err, errlen, "%s: section 'ivf': %s", path, why);
            rc = TENYO_ERR_CORRUPT;
        }
        return rc;
    }
    return TENYO_OK;
}

/* The stored field model read and checked (ty_once_run): from the blob a
 * whole read left, or from the section located at open (read now); the
 * section's bytes freed once read. None stored: nothing to do (ideas
 * trains one on first use). */
static int fm_read(void *arg) {
    tenyo_index *x = arg;
    const char *blob = x->m.fm_blob;
    uint64_t len = x->m.fm_len;
    if (!blob && x->m.fm_sec &&
        ty_lazysec_get(x->m.fm_sec, &blob, &len, x->fm_err, sizeof x->fm_err))
        return TENYO_ERR_CORRUPT;
    if (!blob) return TENYO_OK;
    char why[TY_ERRLEN] = "";
    /* the section's frame carried zstd's checksum over these bytes */
    int rc = ty_fieldmodel_read_framed(blob, (size_t)len, &x->m, &x->fm, why, sizeof why);
    if (rc) {
        if (rc == TENYO_ERR_NOMEM)
            ty_seterr(x->fm_err, sizeof x->fm_err, "%s: out of memory loading index", x->path);
        else
            ty_seterr(x->fm_err, sizeof x->fm_err, "%s: section 'fieldmodel': %s", x->path, why);
        return rc;
    }
    free(x->m.fm_blob); /* read: the bytes are no longer needed */
    x->m.fm_blob = NULL;
    x->m.fm_len = 0;
    ty_lazysec_free(x->m.fm_sec);
    x->m.fm_sec = NULL;
    x->fm_stored = 1;
    return TENYO_OK;
}

int ty_index_need_fieldmodel(const tenyo_index *cx, char *err, size_t errlen) {
    /* logically const, as ty_index_need_vectors */
    tenyo_index *x = (tenyo_index *)cx;
    int rc = ty_once_run(&x->fm_read_once, fm_read, x);
    if (rc) ty_seterr(err, errlen, "%s", x->fm_err);
    return rc;
}

/* The field model read at open on a thread of its own (6 ms at 60k
 * documents, the checksum and the weights), beside the id table and the
 * rest of the open; its outcome reported where the open reads it in
 * order. */
typedef struct fm_job {
    tenyo_index *x;
    int rc;
    char err[TY_ERRLEN];
} fm_job;

static void *fm_run(void *arg) {
    fm_job *j = arg;
    j->rc = ty_index_need_fieldmodel(j->x, j->err, sizeof j->err);
    return NULL;
}

/* 1 when the open leaves the field model to its first need: the caller
 * named what it reads and that is neither the fields (ideas, match) nor
 * rows with ids (a server's callers; a keyword search, similar never read
 * the model). */
static int fm_on_need(unsigned prefetch, int part) {
    int ids_rows = (prefetch & TENYO_PREFETCH_ROWS) && (prefetch & TENYO_PREFETCH_IDS);
    return prefetch && !(prefetch & TENYO_PREFETCH_FIELDS) && !ids_rows && !part;
}

/* What an open for prefetch (some shards: keep) reads now and what it
 * leaves for the first need (x->pf_what, ids_lazy, numbers_lazy,
 * terms_lazy). */
static void open_policy(tenyo_index *x, unsigned prefetch, const uint8_t *keep) {
    x->pf_what = prefetch & (TENYO_PREFETCH_KEYWORDS | TENYO_PREFETCH_VECTORS |
                             TENYO_PREFETCH_ROWS | TENYO_PREFETCH_APPROX);
    /* the id table made by the first lookup: a caller that named what it
     * reads and no id among it */
    x->ids_lazy = prefetch && !(prefetch & TENYO_PREFETCH_IDS) && !keep;
    /* the other numbers read by the first resolve of a typed number (an id
     * looked up as it is stored never reads them): 2.3 MB raw at 60k */
    x->numbers_lazy = prefetch && !keep;
    /* the term tables and the rows' lengths read by their first need: a
     * caller that reads neither vectors nor rows (a keyword search: at 1M
     * documents 45 of its 120 ms); TENYO_TERMS_ON_NEED=1 asks it of every
     * caller that named what it reads (tests/hostile.sh runs commands so) */
    const char *ton = getenv("TENYO_TERMS_ON_NEED");
    int forced = ton && !strcmp(ton, "1");
    x->terms_lazy = prefetch && !keep &&
                    (!(prefetch & (TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS)) || forced);
    /* the documents' field lists by their first need: a caller that
     * proposes no field (a keyword search, similar); a caller naming the
     * fields has the prefetch thread read them (pf_run) */
    x->fields_lazy = fm_on_need(prefetch, keep != NULL) || (prefetch && !keep && forced) ||
                     ((prefetch & TENYO_PREFETCH_FIELDS) && !keep);
    /* ... which then reads them beside the open (not under the switch:
     * there every reader shows it reads after its need) */
    if ((prefetch & TENYO_PREFETCH_FIELDS) && !keep && !forced)
        x->pf_what |= TENYO_PREFETCH_FIELDS;
}

static int index_open(const char *path, const uint8_t *keep, uint32_t nkeep, unsigned prefetch,
                      tenyo_index **out, char *err, size_t errlen) {
    if (!path || !out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_index *x = index_new();
    if (!x) return TENYO_ERR_NOMEM;
    open_policy(x, prefetch, keep);
    int ids_lazy = x->ids_lazy;
    ids_job ij = {0};
    pthread_t it, ft;
    int istarted = 0, fstarted = 0;
    fm_job fj = {.x = x};
    int fm_lazy = fm_on_need(prefetch, keep != NULL);
    /* base file, then its updates (api/segment.c), which live beside the
     * real file: through a symbolic link, the link's target's "<real>.upd/"
     * (the one every writer uses) */
    char *real = realpath(path, NULL);
    int unread = 0;
    int rc = read_merged(path, real, keep, nkeep, x, &unread, err, errlen);
    if (rc && unread) {
        free(real);
        free(x);
        return rc;
    }
    if (rc) goto fail;
    free(real);
    real = NULL;
    /* the TF-IDF side of a scan sums the stored postings of the query's
     * terms where the index has them (ty_index_tpost), not every row; a
     * caller that looks documents up by id (ideas, match, similar ID)
     * reads their rows a block at a time (ty_model_need_rows): the
     * streams those blocks come from are read beside the open */
    if ((x->pf_what & TENYO_PREFETCH_ROWS) && x->m.tp_sec && !x->upd.gpos && !x->upd.nseg &&
        !x->upd.base_deleted) {
        x->pf_what &= ~TENYO_PREFETCH_ROWS;
        if (prefetch & (TENYO_PREFETCH_IDS | TENYO_PREFETCH_DOCS)) x->pf_what |= TY_PF_ROW_BLOCKS;
    }
    /* the terms' first need is the caller's own (what it reads ahead of
     * it would read them: only under TENYO_TERMS_ON_NEED=1) */
    if (x->terms_lazy) x->pf_what &= ~(TENYO_PREFETCH_ROWS | TY_PF_ROW_BLOCKS);
    /* what the caller named, read beside the rest of the open: everything
     * it reads (sections, updates merged) is in x->m and x->upd now */
    x->stream_codes = ty_model_codes_streamed(&x->m); /* as the read decided */
    /* (read before the prefetch thread starts: its field model's read
     * takes the section from x->m) */
    int has_fm = x->m.fm_blob || x->m.fm_sec;
    x->pf_started = (x->pf_what & ~TENYO_PREFETCH_APPROX) && ty_ncores() > 1 &&
                    pthread_create(&x->pf_thread, NULL, pf_run, x) == 0;
    applicants_ahead(x, prefetch);
    rc = TENYO_ERR_NOMEM;
    x->ids = ty_strmap_new();
    x->vocab = ty_strmap_new();
    x->path = ty_strdup(path);
    if (!x->ids || !x->vocab || !x->path)
        goto fail;
    if (ids_lazy && !x->m.partial) {
        rc = x->m.dm ? ty_strmap_add_fill_lazy(x->ids, x->m.ndocs, ids_fill, &x->m)
                     : ty_strmap_add_blob_lazy(x->ids, x->m.meta_blob,
                                               x->m.meta_off + TY_META_ID, TY_META_NSTR,
                                               x->m.ndocs);
        if (rc) goto fail;
        rc = TENYO_ERR_NOMEM;
    } else if (x->m.partial && ty_strmap_reserve(x->ids, 1)) {
        goto fail; /* (the others' table: ids_run's ty_strmap_add_blob, sized there) */
    }
    /* the id table on a thread of its own (a large index), beside the term
     * table, the co-classification lists and the vectors below; none for
     * a partial read (its stand-ins have no ids, and its reader looks
     * none up) */
    ij.x = x;
    istarted = !x->m.partial && !ids_lazy && x->m.ndocs >= IDS_THREAD_MIN &&
               ty_ncores() > 1 && pthread_create(&it, NULL, ids_run, &ij) == 0;
    if (!istarted && !x->m.partial && !ids_lazy) ids_run(&ij);
    fstarted = !fm_lazy && has_fm && ty_ncores() > 1 &&
               pthread_create(&ft, NULL, fm_run, &fj) == 0;
    if ((rc = vocab_table(x, prefetch, err, errlen))) goto fail;
    rc = TENYO_ERR_NOMEM;
    /* co-classification counts for surprise, as sorted sparse lists per
     * field (a dense nfields^2 table is 16 GiB at the 65,535 fields a file
     * may hold), are built on first use (ty_index_need_cooc); fields per
     * document are unique (store.c checks it) */
    if (x->m.phr_ptr) { /* phrase document frequencies, for their weight */
        x->phr_df = ty_calloc(x->m.nphrases ? x->m.nphrases : 1, sizeof *x->phr_df);
        if (!x->phr_df) goto fail;
        for (uint64_t j = 0; j < x->m.phr_ptr[x->m.ndocs]; j++) x->phr_df[x->m.phr_ids[j]]++;
    }
    rc = open_labels(x, path, err, errlen);
    if (rc) goto fail;
    /* the vectors now only where the open itself needs them (IVF lists
     * remapped to the documents of updates gather their codes) or a
     * format-1 or sharded read left no choice; else at the first query
     * that reads them */
    if (x->m.vec_deferred && x->m.ivf_blob && x->upd.base_map) {
        rc = ty_index_need_vectors(x, err, errlen);
        if (rc) goto fail;
    }
    rc = TENYO_ERR_NOMEM;
    if (!x->m.vec_deferred && open_vectors(x)) goto fail;
    if (istarted) pthread_join(it, NULL);
    istarted = 0;
    if (ij.rc) goto fail;
    if (x->m.ivf_blob && x->m.ndocs && x->m.dim) {
        rc = open_ivf(x, path, err, errlen);
        if (rc) goto fail;
        rc = TENYO_ERR_NOMEM;
    }
    free(x->upd.base_map);
    x->upd.base_map = NULL;
    if (fstarted) {
        pthread_join(ft, NULL);
        fstarted = 0;
        rc = fj.rc;
        if (rc) ty_seterr(err, errlen, "%s", fj.err);
    } else {
        rc = fm_lazy ? TENYO_OK : ty_index_need_fieldmodel(x, err, errlen);
    }
    if (rc) goto fail;
    x->tok.mecab_dicdir = x->m.mecab_dicdir && *x->m.mecab_dicdir
                              ? x->m.mecab_dicdir : NULL;
    x->tok.keep_parts = x->m.keep_parts;
    x->tok.stem = x->m.stem;
    /* the licensable list beside the index (api/openapply.c) */
    rc = ty_open_apply(x, path, err, errlen);
    if (rc) goto fail;
    *out = x;
    return TENYO_OK;
fail:
    free(real);
    if (istarted) pthread_join(it, NULL);
    if (fstarted) pthread_join(ft, NULL);
    if (ij.rc) /* the ids come first, as they always did */
        rc = ij.rc;
    if (ij.rc && ij.isdup)
        ty_seterr(err, errlen, "%s: duplicate document id '%s' (damaged index)", path,
                  ty_meta_str(&x->m, ij.dup, TY_META_ID));
    else if (ij.rc && ij.err[0])
        ty_seterr(err, errlen, "%s", ij.err);
    else if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "%s: out of memory loading index", path);
    tenyo_index_free(x);
    return rc;
}

void tenyo_index_free(tenyo_index *x) {
    if (!x) return;
    if (x->pf_started) pthread_join(x->pf_thread, NULL);
    if (x->dm_started) pthread_join(x->dm_thread, NULL);
    if (x->voc_started) pthread_join(x->voc_thread, NULL);
    ty_strmap_free(x->ids);
    ty_strmap_free(x->vocab);
    free(x->path);
    free(x->co_ptr);
    free(x->co_f);
    free(x->co_n);
    ty_once_destroy(&x->co_once);
    free(x->tgen);
    ty_once_destroy(&x->tgen_once);
    if (x->judge && x->judge_free) x->judge_free(x->judge);
    ty_once_destroy(&x->judge_once);
    ty_tf_table_free(x->tfacts);
    ty_once_destroy(&x->tfacts_once);
    ty_fieldmodel_free(&x->fm);
    ty_once_destroy(&x->fm_once);
    ty_once_destroy(&x->fm_read_once);
    ty_once_destroy(&x->codes_once);
    ty_once_destroy(&x->vec_once);
    free(x->fm_top);
    ty_once_destroy(&x->fm_top_once);
    free(x->short_doc);
    free(x->short_f);
    ty_once_destroy(&x->short_once);
    ty_patno_free(&x->patno);
    ty_once_destroy(&x->patno_once);
    free(x->appl_blob);
    free(x->appl_off);
    ty_once_destroy(&x->appl_once);
    if (!ty_kwx_text_borrowed(x->kwx)) free(x->kw_text); /* else inside a kw_sec */
    free(x->kw_off);
    free(x->kw_tlen);
    ty_once_destroy(&x->kw_once);
    ty_kwx_free(x->kwx);
    for (uint32_t i = 0; i < x->kw_nparts; i++) ty_lazysec_free(x->kw_part[i]);
    free(x->kw_part);
    free(x->kw_pdocs);
    if (x->lab_map)
        for (uint32_t i = 0; i < ty_strmap_size(x->lab_map); i++) free(x->lab_str[i]);
    free(x->lab_str);
    ty_strmap_free(x->lab_map);
    pthread_mutex_destroy(&x->lab_mu);
    pthread_mutex_destroy(&x->id_mu);
    for (uint32_t i = 0; i < x->words_n; i++) free(x->words_str[i]);
    free(x->words_str);
    ty_strmap_free(x->words_map);
    pthread_mutex_destroy(&x->words_mu);
    free(x->open_rec);
    free(x->open_source);
    ty_csr_free(&x->post);
    ty_bmax_free(&x->bmax);
    ty_once_destroy(&x->post_once);
    ty_tpost_free(x->tpost);
    ty_once_destroy(&x->tp_once);
    free(x->phr_df);
    ty_q8_free(&x->q8);
    if (x->ivf) ty_ivf_free(x->ivf);
    free(x->ivf);
    ty_labels_free(x->labels);
    ty_model_free(&x->m);
    ty_upd_free(&x->upd);
    free(x);
}

int tenyo_index_load_all(tenyo_index *x, char *err, size_t errlen) {
    if (!x) return TENYO_ERR_ARG;
    int rc = ty_model_need_sparse(&x->m, err, errlen);
    if (!rc) rc = ty_model_need_docfields(&x->m, err, errlen);
    if (!rc) rc = ty_index_need_vectors(x, err, errlen);
    if (!rc) rc = ty_index_need_fieldmodel(x, err, errlen);
    const char *nb; /* the other numbers, when the open only located them */
    uint64_t nl;
    if (!rc) rc = ty_model_numbers(&x->m, &nb, &nl, err, errlen);
    if (!rc && (rc = ty_index_need_cooc(x)) != 0)
        ty_seterr(err, errlen, "out of memory counting co-classifications");
    if (!rc) rc = ty_abs_verify(x->m.abs, err, errlen);
    /* docmeta of layout 2: every frame checked, each then decoded by its
     * first use (not held twice) */
    if (!rc) rc = ty_meta_verify(&x->m, err, errlen);
    if (!rc) rc = ty_kw_load_all(x, err, errlen); /* queries read it on the first keyword one */
    return rc;
}

const char *ty_index_word(const tenyo_index *cx, const char *w, size_t n) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the labels */
    const char *out = NULL;
    pthread_mutex_lock(&x->words_mu);
    if (!x->words_map) x->words_map = ty_strmap_new();
    int is_new = 0;
    int64_t id = x->words_map ? ty_strmap_intern(x->words_map, w, n, &is_new) : -1;
    /* a slot for every id up to this one (NULL until its word is copied) */
    while (id >= 0 && (uint32_t)id >= x->words_n) {
        char **p = ty_reallocarray(x->words_str, (size_t)id + 1, sizeof *p);
        if (!p) break;
        x->words_str = p;
        while (x->words_n <= (uint32_t)id) p[x->words_n++] = NULL;
    }
    if (id >= 0 && (uint32_t)id < x->words_n) {
        if (!x->words_str[id] && (x->words_str[id] = ty_malloc(n + 1))) {
            memcpy(x->words_str[id], w, n);
            x->words_str[id][n] = 0;
        }
        out = x->words_str[id];
    }
    pthread_mutex_unlock(&x->words_mu);
    return out;
}
