/*
 * index.c — tenyo_index (shared, immutable) and tenyo_ctx (per thread):
 * loading, metadata access and exact similar-patent search.
 *
 * The index is the loaded ty_model plus two lookup tables built at open: id ->
 * document and term -> term id. Both are read-only afterwards, so any number
 * of contexts may search one index concurrently without locks.
 *
 * A context owns what a query needs to be fast and thread-private: the dense
 * scatter array for TF-IDF scoring, two score arrays for hybrid mode, the
 * folded-in LSA vector, and — created on the first free-text query — a
 * tokenizer configured like the one that built the index. Its identity
 * (dictionary file, version, size, options, stopword hash) must equal the one
 * recorded in the index; otherwise terms would be split differently from the
 * indexed documents and scores silently wrong, so the query is refused with
 * TENYO_ERR_MISMATCH.
 *
 * Hybrid scores are w * cos_tfidf + (1 - w) * cos_lsa with w = 0.7 by
 * default (best of 0.5 / 0.7 on the development split of both corpora,
 * Protocol S; see README): sparse TF-IDF
 * rewards exact technical terms, LSA recovers related vocabulary.
 *
 * A context may carry a filter (api/filter.c, tenyo_ctx_set_filter): the
 * scan scores the documents it leaves out -inf right after scoring, before
 * the int8 re-scoring picks its candidates and before any top-k, so every
 * ranking (similar, the ideas neighbours, keyword search) is drawn from the
 * matching documents only; filtered queries skip the IVF (its lists are cut
 * before a filter could apply). The id resolution of typed patent numbers
 * is in api/patno.c.
 */
#include "api/api.h"
#include "search/kwindex.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ================================================================ index */

/* Fill x->co_*: for each field a, through the documents of a (an inverted
 * list built first), count the fields of those documents in a dense scratch
 * row and keep the touched ones. Work is sum over documents of fields^2;
 * documents with more than TY_CO_MAX_FIELDS fields are left out. */
static int build_cooccur(tenyo_index *x) {
    const ty_model *m = &x->m;
    uint64_t nf = m->nfields, nd = m->ndocs;
    int rc = TENYO_ERR_NOMEM;
    uint64_t *fptr = ty_calloc(nf + 1, sizeof *fptr), *fill = NULL;
    uint32_t *fdocs = NULL, *cnt = NULL, *touched = NULL;
    ty_buf lf = {0}, ln = {0};
    x->co_ptr = ty_calloc(nf + 1, sizeof *x->co_ptr);
    if (!fptr || !x->co_ptr) goto done;
    uint64_t tot = 0;
    for (uint64_t d = 0; d < nd; d++) {
        uint64_t k = m->field_ptr[d + 1] - m->field_ptr[d];
        if (k > TY_CO_MAX_FIELDS) continue;
        for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++) fptr[m->field_ids[i] + 1]++;
        tot += k;
    }
    for (uint64_t f = 0; f < nf; f++) fptr[f + 1] += fptr[f];
    fdocs = ty_mallocarray(tot ? tot : 1, sizeof *fdocs);
    fill = ty_mallocarray(nf ? nf : 1, sizeof *fill);
    cnt = ty_calloc(nf ? nf : 1, sizeof *cnt);
    touched = ty_mallocarray(nf ? nf : 1, sizeof *touched);
    if (!fdocs || !fill || !cnt || !touched) goto done;
    memcpy(fill, fptr, nf * sizeof *fill);
    for (uint64_t d = 0; d < nd; d++) {
        if (m->field_ptr[d + 1] - m->field_ptr[d] > TY_CO_MAX_FIELDS) continue;
        for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++)
            fdocs[fill[m->field_ids[i]]++] = (uint32_t)d;
    }
    for (uint64_t a = 0; a < nf; a++) {
        size_t nt = 0;
        for (uint64_t j = fptr[a]; j < fptr[a + 1]; j++) {
            uint64_t d = fdocs[j];
            for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++) {
                uint32_t b = m->field_ids[i];
                if (!cnt[b]++) touched[nt++] = b;
            }
        }
        /* ascending (insertion sort: lists are short) */
        for (size_t i = 1; i < nt; i++) {
            uint32_t v = touched[i];
            size_t j = i;
            for (; j > 0 && touched[j - 1] > v; j--) touched[j] = touched[j - 1];
            touched[j] = v;
        }
        for (size_t i = 0; i < nt; i++) {
            if (ty_buf_append(&lf, &touched[i], sizeof touched[i]) ||
                ty_buf_append(&ln, &cnt[touched[i]], sizeof cnt[touched[i]]))
                goto done;
            cnt[touched[i]] = 0;
        }
        x->co_ptr[a + 1] = x->co_ptr[a] + nt;
    }
    x->co_f = lf.p ? (uint32_t *)(void *)lf.p : ty_malloc(4);
    x->co_n = ln.p ? (uint32_t *)(void *)ln.p : ty_malloc(4);
    lf = ln = (ty_buf){0};
    if (x->co_f && x->co_n) rc = TENYO_OK;
done:
    ty_buf_free(&lf);
    ty_buf_free(&ln);
    free(fptr);
    free(fill);
    free(fdocs);
    free(cnt);
    free(touched);
    return rc;
}

/* The co-classification lists, built on first use (surprise needs them,
 * similar does not: 0.25 s of opening a 1M index), from any thread. */
static int cooc_build(void *arg) { return build_cooccur(arg); }

int ty_index_need_cooc(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->co_once, cooc_build, x);
}

int ty_cooccur_row(const tenyo_index *x, uint32_t a, uint32_t *row) {
    memset(row, 0, x->m.nfields * sizeof *row);
    int rc = ty_index_need_cooc(x);
    if (rc || a >= x->m.nfields) return rc;
    for (uint64_t j = x->co_ptr[a]; j < x->co_ptr[a + 1]; j++) row[x->co_f[j]] = x->co_n[j];
    return TENYO_OK;
}

/* The id -> document table of an index being opened. */
typedef struct ids_job {
    tenyo_index *x;
    uint64_t dup;              /* the document whose id came twice */
    int rc;                    /* 0, TENYO_ERR_NOMEM or TENYO_ERR_CORRUPT (dup) */
} ids_job;

/* From this many documents the id table is built on a thread of its own.
 * One thread beside the caller's other work (joined on every path out of
 * tenyo_index_open), not a fan-out of equal workers: it stays a plain
 * pthread rather than ty_parallel, whose workers all end before it
 * returns. */
#define IDS_THREAD_MIN 65536

static void *ids_run(void *arg) {
    ids_job *j = arg;
    const ty_model *m = &j->x->m;
    /* the ids stay in the model's blob (the table is freed first) */
    int rc = ty_strmap_add_blob(j->x->ids, m->meta_blob, m->meta_off + TY_META_ID,
                                TY_META_NSTR, m->ndocs, &j->dup);
    j->rc = rc == 1 ? TENYO_ERR_CORRUPT : rc;
    return NULL;
}

/* tenyo_index_open, and ty_index_open_part with keep (some shards). */
static int index_open(const char *path, const uint8_t *keep, uint32_t nkeep,
                      tenyo_index **out, char *err, size_t errlen);

int tenyo_index_open(const char *path, tenyo_index **out, char *err,
                     size_t errlen) {
    return index_open(path, NULL, 0, out, err, errlen);
}

int ty_index_open_part(const char *path, const uint8_t *keep, uint32_t nkeep,
                       tenyo_index **out, char *err, size_t errlen) {
    if (!keep) return TENYO_ERR_ARG;
    return index_open(path, keep, nkeep, out, err, errlen);
}

static int index_open(const char *path, const uint8_t *keep, uint32_t nkeep,
                      tenyo_index **out, char *err, size_t errlen) {
    if (!path || !out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_index *x = calloc(1, sizeof *x);
    if (!x) return TENYO_ERR_NOMEM;
    ty_once_init(&x->co_once);
    ty_once_init(&x->post_once);
    ty_once_init(&x->tgen_once);
    ty_once_init(&x->fm_once);
    ty_once_init(&x->fm_top_once);
    ty_once_init(&x->short_once);
    ty_once_init(&x->patno_once);
    ty_once_init(&x->appl_once);
    ty_once_init(&x->kw_once);
    pthread_mutex_init(&x->lab_mu, NULL);
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
    ids_job ij = {0};
    pthread_t it;
    int istarted = 0;
    /* base file, then its updates (api/segment.c). An update or rebuild
     * may commit while we read: when a file the manifest named is gone, or
     * the base file changed under us, read again (a few times at most). */
    int rc = TENYO_OK;
    /* updates live beside the real file: through a symbolic link, the
     * link's target's "<real>.upd/" (the one every writer uses) */
    char *real = realpath(path, NULL);
    for (int attempt = 0;; attempt++) {
        struct stat s1, s2;
        int have1 = stat(path, &s1) == 0;
        rc = keep ? ty_store_read_part(path, keep, nkeep, &x->m, err, errlen)
                  : ty_store_read_lazy(path, &x->m, err, errlen);
        if (rc) {
            free(real);
            free(x);
            return rc;
        }
        rc = ty_seg_apply(real ? real : path, x, err, errlen);
        int changed = !have1 || stat(path, &s2) != 0 || s1.st_ino != s2.st_ino ||
                      s1.st_size != s2.st_size || s1.st_mtim.tv_sec != s2.st_mtim.tv_sec ||
                      s1.st_mtim.tv_nsec != s2.st_mtim.tv_nsec;
        if (rc < 0) goto fail;
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
            rc = TENYO_ERR_CORRUPT;
            goto fail;
        }
        break; /* rc == 1: stale updates (for another base), ignored */
    }
    free(real);
    real = NULL;
    rc = TENYO_ERR_NOMEM;
    x->ids = ty_strmap_new();
    x->vocab = ty_strmap_new();
    if (!x->ids || !x->vocab ||
        ty_strmap_reserve(x->ids, x->m.partial ? 1 : (uint32_t)x->m.ndocs) ||
        ty_strmap_reserve(x->vocab, (uint32_t)x->m.nterms))
        goto fail;
    /* the id table on a thread of its own (a large index), beside the term
     * table, the co-classification lists and the vectors below; none for
     * a partial read (its stand-ins have no ids, and its reader looks
     * none up) */
    ij.x = x;
    istarted = !x->m.partial && x->m.ndocs >= IDS_THREAD_MIN && ty_ncores() > 1 &&
                   pthread_create(&it, NULL, ids_run, &ij) == 0;
    if (!istarted && !x->m.partial) ids_run(&ij);
    rc = TENYO_ERR_NOMEM;
    uint64_t dupt = 0;
    int vr = ty_strmap_add_blob(x->vocab, x->m.term_blob, x->m.term_off, 1, x->m.nterms, &dupt);
    if (vr == 1) {
        ty_seterr(err, errlen, "%s: duplicate term '%s' (damaged index)", path,
                  x->m.term_blob + x->m.term_off[dupt]);
        rc = TENYO_ERR_CORRUPT;
        goto fail;
    }
    if (vr) {
        rc = vr;
        goto fail;
    }
    /* co-classification counts for surprise, as sorted sparse lists per
     * field (a dense nfields^2 table is 16 GiB at the 65,535 fields a file
     * may hold), are built on first use (ty_index_need_cooc); fields per
     * document are unique (store.c checks it) */
    if (x->m.phr_ptr) { /* phrase document frequencies, for their weight */
        x->phr_df = ty_calloc(x->m.nphrases ? x->m.nphrases : 1, sizeof *x->phr_df);
        if (!x->phr_df) goto fail;
        for (uint64_t j = 0; j < x->m.phr_ptr[x->m.ndocs]; j++) x->phr_df[x->m.phr_ids[j]]++;
    }
    if (x->m.labels_blob) { /* IPC titles recorded at index time */
        rc = ty_labels_new(&x->labels);
        if (!rc) rc = ty_labels_deserialize(x->labels, x->m.labels_blob,
                                            (size_t)x->m.labels_len, err, errlen);
        if (rc) {
            if (rc != TENYO_ERR_NOMEM) {
                char why[TY_ERRLEN];
                snprintf(why, sizeof why, "%s", err ? err : "");
                ty_seterr(err, errlen, "%s: section 'labels': %s", path, why);
                rc = TENYO_ERR_CORRUPT;
            }
            goto fail;
        }
        rc = TENYO_ERR_NOMEM;
    }
    /* Document vectors: the int8 codes the file stores (format 2), or
     * codes made from the floats of a format-1 file, taken as unit rows
     * (quant.c, "rows as floats"): no float copy is kept, which is 1 KiB
     * per document at k = 256. The stored per-row scale cancels when a row
     * is put back to unit length, so it is dropped. */
    if (x->m.dim && x->m.ndocs) {
        if (x->m.doc_q) {
            if (ty_q8_adopt(&x->q8, x->m.doc_q, x->m.ndocs, x->m.dim)) goto fail;
            x->m.doc_q = NULL; /* taken over */
        } else {
            if (ty_q8_build(x->m.docvec, x->m.ndocs, x->m.dim, &x->q8) != TENYO_OK) goto fail;
            free(x->m.docvec);
            x->m.docvec = NULL;
            /* codes of unit rows: make them unit again (the scales) */
            int8_t *q = x->q8.q;
            x->q8.q = NULL;
            ty_q8_free(&x->q8);
            if (ty_q8_adopt(&x->q8, q, x->m.ndocs, x->m.dim)) {
                free(q);
                goto fail;
            }
        }
    }
    free(x->m.doc_q);
    x->m.doc_q = NULL;
    free(x->m.doc_qscale);
    x->m.doc_qscale = NULL;
    if (istarted) pthread_join(it, NULL);
    istarted = 0;
    if (ij.rc) goto fail;
    if (x->m.ivf_blob && x->m.ndocs && x->m.dim) { /* approximate-search lists */
        x->ivf = ty_calloc(1, sizeof *x->ivf);
        if (!x->ivf) goto fail;
        char why[TY_ERRLEN] = "";
        if (x->upd.base_map) /* lists of the base, remapped to the merged documents */
            rc = ty_ivf_read_remap(x->m.ivf_blob, (size_t)x->m.ivf_len, x->upd.base_docs,
                                   x->upd.base_map, x->m.ndocs, x->m.dim, &x->q8,
                                   x->ivf, why, sizeof why);
        else
            rc = ty_ivf_read(x->m.ivf_blob, (size_t)x->m.ivf_len, NULL, x->m.ndocs,
                             x->m.dim, &x->q8, x->ivf, why, sizeof why);
        if (rc) {
            free(x->ivf);
            x->ivf = NULL;
            if (rc != TENYO_ERR_NOMEM) {
                ty_seterr(err, errlen, "%s: section 'ivf': %s", path, why);
                rc = TENYO_ERR_CORRUPT;
            }
            goto fail;
        }
        rc = TENYO_ERR_NOMEM;
    }
    free(x->upd.base_map);
    x->upd.base_map = NULL;
    if (x->m.fm_blob) { /* the field model, checked now like the lists */
        char why[TY_ERRLEN] = "";
        rc = ty_fieldmodel_read(x->m.fm_blob, (size_t)x->m.fm_len, &x->m, &x->fm, why,
                                sizeof why);
        if (rc) {
            if (rc != TENYO_ERR_NOMEM) ty_seterr(err, errlen, "%s: section 'fieldmodel': %s", path, why);
            goto fail;
        }
        free(x->m.fm_blob); /* read: the blob is no longer needed */
        x->m.fm_blob = NULL;
        x->m.fm_len = 0;
        x->fm_stored = 1;
    }
    x->tok.mecab_dicdir = x->m.mecab_dicdir && *x->m.mecab_dicdir
                              ? x->m.mecab_dicdir : NULL;
    x->tok.keep_parts = x->m.keep_parts;
    x->tok.stem = x->m.stem;
    /* the licensable list beside the index (api/openlist.c) */
    rc = ty_open_apply(x, path, err, errlen);
    if (rc) goto fail;
    *out = x;
    return TENYO_OK;
fail:
    free(real);
    if (istarted) pthread_join(it, NULL);
    if (ij.rc) /* the ids come first, as they always did */
        rc = ij.rc;
    if (ij.rc == TENYO_ERR_CORRUPT)
        ty_seterr(err, errlen, "%s: duplicate document id '%s' (damaged index)", path,
                  x->m.meta_blob + x->m.meta_off[ij.dup * TY_META_NSTR]);
    else if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "%s: out of memory loading index", path);
    tenyo_index_free(x);
    return rc;
}

void tenyo_index_free(tenyo_index *x) {
    if (!x) return;
    ty_strmap_free(x->ids);
    ty_strmap_free(x->vocab);
    free(x->co_ptr);
    free(x->co_f);
    free(x->co_n);
    ty_once_destroy(&x->co_once);
    free(x->tgen);
    ty_once_destroy(&x->tgen_once);
    ty_fieldmodel_free(&x->fm);
    ty_once_destroy(&x->fm_once);
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
    free(x->open_rec);
    free(x->open_source);
    ty_csr_free(&x->post);
    ty_bmax_free(&x->bmax);
    ty_once_destroy(&x->post_once);
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
    if (!rc && (rc = ty_index_need_cooc(x)) != 0)
        ty_seterr(err, errlen, "out of memory counting co-classifications");
    if (!rc) rc = ty_abs_verify(x->m.abs, err, errlen);
    if (!rc) rc = ty_kw_load(x, err, errlen); /* queries read it on the first keyword one */
    return rc;
}

void tenyo_index_info_get(const tenyo_index *x, tenyo_index_info *info) {
    memset(info, 0, sizeof *info);
    const ty_model *m = &x->m;
    info->format_version = m->format_version;
    info->ndocs = m->ndocs;
    info->nterms = m->nterms;
    info->nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0;
    info->dim = (int)m->dim;
    info->nfields = m->nfields;
    for (uint64_t i = 0; i < m->ndocs; i++) info->nopen += m->open[i] != 0;
    for (uint64_t i = 0; i < m->ndocs; i++)
        info->open_records += (x->open_rec ? x->open_rec[i] : m->open[i]) != 0;
    info->open_listed = x->open_listed;
    info->open_found = x->open_found;
    info->open_lines = x->open_lines;
    info->open_unresolved = x->open_unresolved;
    info->open_loaded = x->open_loaded;
    info->open_source = x->open_source ? x->open_source : "";
    info->seed = m->seed;
    info->min_df = m->min_df;
    info->max_df_ratio = m->max_df_ratio;
    info->oversample = m->oversample;
    info->power_iters = m->power_iters;
    info->tokenizer = m->tokenizer ? m->tokenizer : "";
    info->writer = m->writer ? m->writer : "";
    info->created = m->created;
    info->file_bytes = m->file_bytes;
    info->nsections = m->nsections;
    info->nshards = m->nshards;
    info->shard_docs = m->shard_docs;
    info->shard_bytes = m->shard_bytes;
    memcpy(info->sections, m->sections, sizeof info->sections);
    info->scan_kernel = ty_q8_kernel();
    info->int8_min_docs = TY_INT8_MIN_DOCS;
    info->ivf_lists = x->ivf ? x->ivf->nlist : 0;
    info->f16_bytes = m->doc_h ? 2 * m->ndocs * m->dim : 0;
    info->nphrases = m->nphrases;
    info->abstract_bytes = ty_abs_bytes(m->abs);
    info->max_terms = m->max_terms;
    ty_upd_info(x, info);
}

uint64_t tenyo_index_ndocs(const tenyo_index *x) { return x ? x->m.ndocs : 0; }

int64_t tenyo_index_find(const tenyo_index *x, const char *id) {
    if (!x || !id) return -1;
    return ty_strmap_get(x->ids, id, strlen(id));
}

int tenyo_index_doc(const tenyo_index *x, uint64_t i, tenyo_doc_meta *out) {
    if (!x || !out || i >= x->m.ndocs) return TENYO_ERR_ARG;
    const char *b = x->m.meta_blob;
    const uint64_t *o = x->m.meta_off + i * TY_META_NSTR;
    out->id = b + o[TY_META_ID];
    out->title = b + o[TY_META_TITLE];
    out->applicant = b + o[TY_META_APPLICANT];
    out->date = b + o[TY_META_DATE];
    out->codes = b + o[TY_META_CODES];
    out->fields = b + o[TY_META_FIELDS];
    out->open = x->m.open[i];
    out->lang = x->m.lang[i] ? "en" : "ja";
    return TENYO_OK;
}

/* A subclass known only by its class (no subclass title loaded): the
 * class's title said as the class's, "クラスH05「他に分類されない電気技術」の一分野"
 * / "a field of class H05: Electric techniques not otherwise provided for",
 * so that H05K does not read as if that were its own title and G01B and
 * G01N do not read as one field. Composed once per code and language and
 * kept by the index (x NULL: the bare label). */
static const char *label_of_class(tenyo_index *x, const char *code, const char *lang,
                                  const char *l, int level) {
    if (!x) return l;
    char key[32];
    snprintf(key, sizeof key, "%.8s:%s", code, lang);
    const char *out = l;
    pthread_mutex_lock(&x->lab_mu);
    if (!x->lab_map) x->lab_map = ty_strmap_new();
    int is_new = 0;
    int64_t id = x->lab_map ? ty_strmap_intern(x->lab_map, key, strlen(key), &is_new) : -1;
    if (id >= 0 && is_new) {
        uint32_t n = ty_strmap_size(x->lab_map);
        char **p = ty_reallocarray(x->lab_str, n, sizeof *p);
        if (p) {
            x->lab_str = p;
            size_t cap = strlen(l) + 64;
            p[id] = ty_malloc(cap);
            if (p[id]) {
                if (!strcmp(lang, "en"))
                    snprintf(p[id], cap, "(%s) %s", level == 1 ? "class" : "section", l);
                else
                    snprintf(p[id], cap, "（%s）%s", level == 1 ? "クラス" : "セクション", l);
            }
        } else {
            id = -1; /* its slot could not be made: the bare label */
        }
    }
    if (id >= 0 && x->lab_str && (uint32_t)id < ty_strmap_size(x->lab_map) && x->lab_str[id])
        out = x->lab_str[id];
    pthread_mutex_unlock(&x->lab_mu);
    return out;
}

const char *tenyo_field_label(const tenyo_index *x, const char *code,
                              const char *lang) {
    if (!code) return "";
    const char *lg = lang && !strcmp(lang, "en") ? "en" : "ja";
    int level = -1;
    const char *l = ty_labels_get(x ? x->labels : NULL, code, lg, &level);
    if (!l || !*l) return code;
    if (strlen(code) == 4 && level >= 0 && level < 2) /* the index is only a cache here */
        return label_of_class((tenyo_index *)x, code, lg, l, level);
    return l;
}

int tenyo_index_load_titles(tenyo_index *x, const char *path, char *err,
                            size_t errlen) {
    if (!x || !path) return TENYO_ERR_ARG;
    if (!x->labels) {
        int rc = ty_labels_new(&x->labels);
        if (rc) return rc;
    }
    return ty_labels_load(x->labels, path, err, errlen);
}

uint64_t tenyo_index_cooccur(const tenyo_index *x, uint32_t a, uint32_t b) {
    if (!x || a >= x->m.nfields || b >= x->m.nfields || ty_index_need_cooc(x)) return 0;
    uint64_t lo = x->co_ptr[a], hi = x->co_ptr[a + 1];
    while (lo < hi) { /* binary search of b in a's sorted list */
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->co_f[mid] == b) return x->co_n[mid];
        if (x->co_f[mid] < b) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int64_t tenyo_index_field_find(const tenyo_index *x, const char *code) {
    if (!x || !code) return -1;
    uint32_t lo = 0, hi = x->m.nfields; /* field table is sorted by code */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strncmp(x->m.field_code[mid], code, 8);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

int tenyo_index_field(const tenyo_index *x, uint32_t j, const char **code,
                      uint64_t *count) {
    if (!x || j >= x->m.nfields) return TENYO_ERR_ARG;
    if (code) *code = x->m.field_code[j];
    if (count) *count = x->m.field_count[j];
    return TENYO_OK;
}

/* ================================================================== ctx */

int tenyo_ctx_new(const tenyo_index *x, tenyo_ctx **out, char *err,
                  size_t errlen) {
    if (!x || !out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_ctx *c = calloc(1, sizeof *c);
    if (!c) return TENYO_ERR_NOMEM;
    c->idx = x;
    c->hybrid_w = 0.7;
    c->prune = 1;
    c->par_min = TY_QPAR_MIN_DOCS;
    const char *qt = getenv("TENYO_QUERY_THREADS"); /* (a shared machine: 1) */
    if (qt && *qt) c->threads = atoi(qt) > 0 ? atoi(qt) : 0;
    /* TENYO_SCAN=int8|fp32: the LSA scan whatever the size (tests run the
     * int8 scan and its re-scoring on small indexes; default auto) */
    const char *sc = getenv("TENYO_SCAN");
    if (sc && !strcmp(sc, "int8")) c->scan = TY_SCAN_INT8;
    else if (sc && !strcmp(sc, "fp32")) c->scan = TY_SCAN_FP32;
    const ty_model *m = &x->m;
    c->qdense = ty_calloc(m->nterms ? m->nterms : 1, sizeof *c->qdense);
    c->s1 = ty_mallocarray(m->ndocs ? m->ndocs : 1, sizeof *c->s1);
    c->s2 = ty_mallocarray(m->ndocs ? m->ndocs : 1, sizeof *c->s2);
    c->qlsa = ty_calloc(m->dim ? m->dim : 1, sizeof *c->qlsa);
    if (!c->qdense || !c->s1 || !c->s2 || !c->qlsa) {
        tenyo_ctx_free(c);
        ty_seterr(err, errlen, "out of memory for a query context");
        return TENYO_ERR_NOMEM;
    }
    *out = c;
    return TENYO_OK;
}

void tenyo_ctx_free(tenyo_ctx *c) {
    if (!c) return;
    ty_tokctx_free(c->tc);
    ty_tokenizer_free(c->tok);
    free(c->qdense);
    free(c->s1);
    free(c->s2);
    free(c->qlsa);
    ty_ivf_scratch_free(&c->ivs);
    ty_prune_scratch_free(&c->ps);
    free(c->qt);
    free(c->qw);
    ty_buf_free(&c->qtext);
    ty_buf_free(&c->abuf);
    ty_buf_free(&c->qbuf);
    ty_buf_free(&c->why_q);
    ty_buf_free(&c->why_e);
    free(c);
}

int tenyo_doc_abstract(tenyo_ctx *c, uint64_t doc, const char **text, size_t *len) {
    if (!c || !text || doc >= c->idx->m.ndocs) return TENYO_ERR_ARG;
    int rc = ty_abs_get(c->idx->m.abs, doc, &c->abuf, c->err, sizeof c->err);
    if (rc) return rc;
    *text = c->abuf.p;
    if (len) *len = c->abuf.len;
    return TENYO_OK;
}

const char *tenyo_ctx_error(const tenyo_ctx *c) { return c ? c->err : ""; }

int tenyo_ctx_set_hybrid_weight(tenyo_ctx *c, double w) {
    if (!c || !(w >= 0 && w <= 1)) return TENYO_ERR_ARG;
    c->hybrid_w = w;
    return TENYO_OK;
}

/* Re-score exactly (float dot product) the best r documents of s1 whose
 * LSA part came from the int8 scan (its approximate scores in lsa: s2, or
 * a batch's). */
static void shrink_short(tenyo_ctx *c, float *s);

static void rescore_exact(tenyo_ctx *c, tenyo_mode mode, size_t r, const float *lsa) {
    const ty_model *m = &c->idx->m;
    if (r > m->ndocs) r = m->ndocs;
    tenyo_hit *top = ty_mallocarray(r ? r : 1, sizeof *top);
    if (!top) return; /* scores stay approximate: still a valid ranking */
    size_t n = ty_ctx_topk(c, c->s1, UINT64_MAX, NULL, r, top);
    float v = mode == TENYO_MODE_LSA ? 1.f : 1.f - (float)c->hybrid_w;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = top[i].doc;
        float exact = ty_q8_dot(&c->idx->q8, d, c->qlsa);
        c->s1[d] += v * (exact - lsa[d]);
    }
    free(top);
}

/* The approximate form of ty_ctx_score (c->nprobe set, the index has IVF
 * lists): the best max(4 need, 256) documents by LSA come from the probed
 * lists, re-scored exactly; in hybrid mode each of them gets its exact
 * TF-IDF cosine too. Every other document scores -inf, so rankings, field
 * votes and phrase evidence see the candidates only. A document whose
 * TF-IDF match is strong but whose LSA vector is far is missed: that is
 * the approximation (recall against the exact ranking: bench/ann_bench.c).
 * Returns 0, or -1 when the search could not run (the caller scans). */
static int score_ivf(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need) {
    const ty_model *m = &c->idx->m;
    size_t r = c->rerank ? (c->rerank > need ? c->rerank : need)
                         : need * 4 > 256 ? need * 4 : 256;
    if (r > m->ndocs) r = m->ndocs;
    tenyo_hit *cand = ty_mallocarray(r ? r : 1, sizeof *cand);
    if (!cand) return -1;
    ty_ivf_query q = {c->nprobe, r, m->doc_h};
    int n = ty_ivf_search(c->idx->ivf, NULL, c->qlsa, r, &q, &c->ivs, cand);
    if (n < 0) {
        free(cand);
        return -1;
    }
    for (uint64_t d = 0; d < m->ndocs; d++) c->s1[d] = -INFINITY;
    float w = (float)c->hybrid_w, v = 1.f - w;
    if (mode == TENYO_MODE_HYBRID)
        for (size_t i = 0; i < qn; i++) c->qdense[c->qt[i]] = c->qw[i];
    for (int i = 0; i < n; i++) {
        uint64_t d = cand[i].doc;
        if (mode == TENYO_MODE_LSA) {
            c->s1[d] = cand[i].score;
            continue;
        }
        float t = 0.f;
        for (uint64_t j = m->tfidf.rowptr[d]; j < m->tfidf.rowptr[d + 1]; j++)
            t += c->qdense[m->tfidf.col[j]] * m->tfidf.val[j];
        c->s1[d] = w * t + v * cand[i].score;
    }
    if (mode == TENYO_MODE_HYBRID)
        for (size_t i = 0; i < qn; i++) c->qdense[c->qt[i]] = 0.f;
    free(cand);
    if (mode != TENYO_MODE_LSA) shrink_short(c, c->s1);
    return 0;
}

/* The postings and, for pruning, their block maxima (without memory for
 * those, scans do not prune). */
static int post_build(void *arg) {
    tenyo_index *x = arg;
    if (ty_csr_transpose(&x->m.tfidf, &x->post) != TENYO_OK) return -1;
    if (x->prune && ty_bmax_build(&x->post, x->m.ndocs, &x->bmax) == TENYO_OK) {
        const ty_q8 *v = &x->q8;
        float mx = 0;
        for (uint64_t d = 0; d < v->n; d++) {
            int32_t l1 = 0;
            for (size_t j = 0; j < v->dim; j++) l1 += abs(v->q[d * v->dim + j]);
            float l = (float)l1 * v->scale[d];
            if (l > mx) mx = l;
        }
        x->q8_l1max = mx;
    }
    return 0;
}

/* The short records (TY_SHORT_TERMS), listed once per index. */
static int short_build(void *arg) {
    tenyo_index *x = arg;
    const ty_model *m = &x->m;
    uint64_t n = 0;
    for (uint64_t d = 0; d < m->ndocs; d++)
        n += m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d] < TY_SHORT_TERMS;
    x->short_doc = ty_malloc((n ? n : 1) * sizeof *x->short_doc);
    x->short_f = ty_malloc((n ? n : 1) * sizeof *x->short_f);
    if (!x->short_doc || !x->short_f) return TENYO_ERR_NOMEM;
    n = 0;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        uint64_t t = m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d];
        if (t < TY_SHORT_TERMS) {
            x->short_doc[n] = d;
            x->short_f[n++] = (float)t / TY_SHORT_TERMS;
        }
    }
    x->nshort = n;
    return TENYO_OK;
}

/* Scale the scores of short records in s (rows decoded; TF-IDF or hybrid
 * mode). Without memory for the list the scores stay as they are. */
static void shrink_short(tenyo_ctx *c, float *s) {
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as the rows */
    if (ty_once_run(&x->short_once, short_build, x)) return;
    for (uint64_t i = 0; i < x->nshort; i++) {
        float *v = &s[x->short_doc[i]];
        if (*v > 0) *v *= x->short_f[i];
    }
}

/* Whether c's TF-IDF scans walk the postings: once TF-IDF scans repeat
 * (TY_POSTINGS_AFTER; built once, for every thread); counts this scan. */
static int use_postings(tenyo_ctx *c) {
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as the rows */
    if (x->post_policy == TY_POSTINGS_OFF) return 0;
    unsigned n = __atomic_add_fetch(&x->tf_scans, 1, __ATOMIC_RELAXED);
    if (x->post_policy == TY_POSTINGS_ON || n >= TY_POSTINGS_AFTER)
        return ty_once_run(&x->post_once, post_build, x) == 0;
    return 0;
}

/* ======================================= one query on several threads
 *
 * The full scan of a query (ty_ctx_score below the IVF and the pruned
 * scan) is split by document ranges: part t of 4 nt, claimed by the
 * calling thread or one of nt - 1 helpers (ty_parallel_claim), scores the
 * documents [ty_split(n, t, 4 nt), ty_split(n, t + 1, 4 nt)) of s1 (and
 * s2): the LSA scan of its rows, the
 * TF-IDF cosine (the postings of every query term, each list from the
 * range's first document found by binary search, or the rows' gather),
 * the hybrid combination and the filter. Every document's score is the
 * same arithmetic in the same order as on one thread (the int8 and float
 * scans score each row alone; a document receives its query-term
 * products in ascending term order in either walk), so s1 is the same
 * bits whatever nt. The selections that follow (the r best re-scored, the
 * k shown, ideas' neighbours) take each range's best and merge them
 * (ty_topk_ranges: the same hits, ties included). What stays on the
 * calling thread: the query's preparation, the dynamic-pruning scan
 * (search/prune.c, opt-in), the IVF probe, the exact re-scoring of the
 * r <= 4k best and the short records' factors (a few thousand
 * operations).
 *
 * Why parts claimed rather than one fixed half per thread (ty_parallel):
 * on this shared 2-core machine the second core is often busy; a fixed
 * half waits until the system runs its thread (measured: 100k hybrid p50
 * 6.6 ms on one thread, 12.1 ms on two halves at load 3.7), while claimed
 * parts are done by whichever thread runs, and the caller never waits for
 * a helper that has not started. Four parts per thread, not more: each
 * part of the postings walk binary-searches every query term's list.
 *
 * Threads per query (tenyo_ctx_set_threads, or TENYO_QUERY_THREADS in
 * the environment at tenyo_ctx_new): a number, or 0 (the default), auto:
 * the cores less the threads the process's other queries are scoring on
 * now (at least 1), so a lone query (the CLI's similar and ideas) uses
 * every core, and N server or batch threads that are all busy score one
 * thread each rather than oversubscribe. Other processes are not counted:
 * where they hold the cores (this shared VM), a helper adds nothing, and
 * TENYO_QUERY_THREADS=1 keeps queries on one thread. Indexes under
 * c->par_min documents stay on one thread. Rejected: OpenMP (the project's
 * helper, util/parallel.c, keeps the first error by worker and runs
 * anywhere pthreads do), and a pool of parked threads (starting two
 * threads costs ~0.1 ms, under 1% of a 1M-document query, and a pool
 * would tie threads to every context). */

/* Threads of this process now scoring a query (the auto count). */
static int g_qbusy;

/* The threads c's next fan-out uses (counted busy until ctx_leave). */
static int ctx_enter(const tenyo_ctx *c) {
    uint64_t n = c->idx->m.ndocs;
    int nt = c->threads;
    if (n < c->par_min) nt = 1;
    else if (nt <= 0) {
        static int cores; /* (sysconf reads a file: once) */
        int nc = __atomic_load_n(&cores, __ATOMIC_RELAXED);
        if (!nc) __atomic_store_n(&cores, nc = ty_ncores(), __ATOMIC_RELAXED);
        nt = nc - __atomic_load_n(&g_qbusy, __ATOMIC_RELAXED);
        if (nt < 1) nt = 1;
    }
    nt = ty_parallel_workers(nt, n, 1);
    __atomic_add_fetch(&g_qbusy, nt, __ATOMIC_RELAXED);
    return nt;
}

static void ctx_leave(int nt) { __atomic_sub_fetch(&g_qbusy, nt, __ATOMIC_RELAXED); }

size_t ty_ctx_topk(tenyo_ctx *c, const float *s, uint64_t skip, const uint8_t *keep, size_t k,
                   tenyo_hit *out) {
    int nt = ctx_enter(c);
    size_t n = ty_topk_ranges(s, c->idx->m.ndocs, skip, keep, k, nt, out);
    ctx_leave(nt);
    return n;
}

int tenyo_ctx_set_threads(tenyo_ctx *c, int nthreads) {
    if (!c || nthreads < 0) return TENYO_ERR_ARG;
    c->threads = nthreads > TY_PAR_MAX ? TY_PAR_MAX : nthreads;
    return TENYO_OK;
}

/* One query's full scan, split by document ranges (score_range). */
typedef struct score_job {
    tenyo_ctx *c;
    tenyo_mode mode;
    int lsa_scan;            /* 1: scan the LSA scores into s2 */
    int int8;                /* that scan: 1 the int8 one, 0 the exact
                                float scan of the dequantised rows */
    const ty_q8_query *qp;   /* the query, prepared for the int8 scan */
    int rest;                /* 1: TF-IDF, combination and filter too */
    const float *lsa;        /* the LSA scores (s2, or a batch's) */
    int post;                /* 1: walk the postings of t/w, else gather
                                (query scattered in c->qdense) */
    const uint32_t *t;       /* distinct query terms ascending */
    const float *w;          /* their weights */
    size_t nt;               /* how many */
    const uint8_t *mask;     /* the filter, or NULL */
} score_job;

/* The TF-IDF side of j (not for LSA alone): the postings of the distinct
 * query terms (ascending, last weight) when post, else (no postings, no
 * memory for the list) the query scattered into c->qdense for the gather.
 * terms_end undoes it. */
static void terms_begin(tenyo_ctx *c, score_job *j, size_t qn, int post) {
    if (post) {
        uint32_t *tt = ty_mallocarray(qn ? qn : 1, sizeof *tt);
        float *tw = ty_mallocarray(qn ? qn : 1, sizeof *tw);
        if (tt && tw) {
            j->post = 1;
            j->nt = ty_query_terms(c->qt, c->qw, qn, c->qdense, tt, tw);
            j->t = tt;
            j->w = tw;
        } else {
            free(tt);
            free(tw);
        }
    }
    if (j->mode != TENYO_MODE_LSA && !j->post)
        for (size_t i = 0; i < qn; i++) c->qdense[c->qt[i]] = c->qw[i];
}

static void terms_end(tenyo_ctx *c, score_job *j, size_t qn) {
    if (j->mode != TENYO_MODE_LSA && !j->post)
        for (size_t i = 0; i < qn; i++) c->qdense[c->qt[i]] = 0.f;
    if (j->post) {
        free((void *)j->t);
        free((void *)j->w);
    }
}

/* The job over documents [d0, d1). */
static void score_docs(score_job *j, uint64_t d0, uint64_t d1) {
    tenyo_ctx *c = j->c;
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    if (j->lsa_scan) {
        if (j->int8) ty_q8_scan_range(&x->q8, j->qp, d0, d1, c->s2);
        else ty_q8_dots_range(&x->q8, c->qlsa, d0, d1, c->s2);
    }
    if (!j->rest) return;
    float *s = c->s1;
    if (j->mode == TENYO_MODE_LSA) {
        memcpy(s + d0, j->lsa + d0, (d1 - d0) * sizeof *s);
    } else {
        if (j->post) ty_scan_tfidf_postings_range(&x->post, j->t, j->w, j->nt, d0, d1, s);
        else ty_scan_tfidf_range(m, c->qdense, d0, d1, s);
        if (j->mode == TENYO_MODE_HYBRID) {
            float w = (float)c->hybrid_w, v = 1.f - w;
            for (uint64_t d = d0; d < d1; d++) s[d] = w * s[d] + v * j->lsa[d];
        }
    }
    if (j->mask)
        for (uint64_t d = d0; d < d1; d++)
            if (!j->mask[d]) s[d] = -INFINITY;
}

static int score_range(void *ud, int t, int nt) {
    score_job *j = ud;
    uint64_t n = j->c->idx->m.ndocs;
    score_docs(j, ty_split(n, t, nt), ty_split(n, t + 1, nt));
    return 0;
}

/* Run job on c's threads: QPAR_PARTS ranges per thread, claimed by the
 * caller and nt - 1 helpers (ty_parallel_claim; one thread: the whole
 * range on the caller, no thread started). */
#define QPAR_PARTS 4
static void score_split(tenyo_ctx *c, score_job *j) {
    int nt = ctx_enter(c);
    if (nt > 1) ty_parallel_claim(nt, QPAR_PARTS * nt, score_range, j);
    else score_range(j, 0, 1);
    ctx_leave(nt);
}

/* The scan of ty_ctx_score (TF-IDF or hybrid) with dynamic pruning
 * (search/prune.c): the same s1 for every document that can rank among
 * the best need, -inf for the others. lsa: the LSA scores (hybrid), approx:
 * they come from the int8 scan and the best r are re-scored exactly, as
 * rescore_exact does. Exactness, as the full scan's ranking:
 *   - every document with a >= theta is a candidate, scored exactly;
 *     theta <= the need-th best final score (or, approx, <= the r-th best
 *     a, so that the re-scored set R is the scan's);
 *   - a document left out has a < theta, and its final score is at most a
 *     (the short-record factor only lowers a positive score; only R's are
 *     re-scored), so it is below the need-th best final score phi, checked
 *     here (phi >= theta), and cannot enter any top-need, ties included.
 * Returns 0 (done), 1 (not done: scan in full; s1 may be overwritten), or
 * TENYO_ERR_NOMEM. */
static int score_pruned(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need,
                        const float *lsa, int approx, const uint8_t *mask) {
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as the rows */
    const ty_model *m = &x->m;
    if (!c->prune || !x->prune || !x->bmax.ptr || need == 0 || m->ndocs > UINT32_MAX) return 1;
    if (ty_once_run(&x->short_once, short_build, x)) return 1;
    size_t r = need * 4 > 256 ? need * 4 : 256;
    if (r > m->ndocs) r = m->ndocs;
    /* approx: how far re-scoring may move a score. The int8 scan differs
     * from the exact dot product (the query against the same dequantised
     * row) only by the query's rounding, at most half its scale per
     * dimension (round to nearest; 0.51 for the float steps), times the
     * row's L1 norm; plus the rounding of both sums (3e-5 covers 256
     * products of unit vectors) */
    float slack = 0;
    if (approx) {
        float mq = 0;
        for (size_t j = 0; j < m->dim; j++) mq = fabsf(c->qlsa[j]) > mq ? fabsf(c->qlsa[j]) : mq;
        float delta = 0.51f * (mq / 127.f) * x->q8_l1max * 1.0001f + 3e-5f;
        slack = (1.f - (float)c->hybrid_w) * delta;
    }
    ty_prune_query q = {&m->tfidf, &x->post, &x->bmax, c->qt, c->qw, qn, c->qdense,
                        mode == TENYO_MODE_HYBRID ? lsa : NULL, (float)c->hybrid_w,
                        1.f - (float)c->hybrid_w, mask, need, 1, slack,
                        x->short_doc, x->short_f, x->nshort};
    float theta;
    int64_t nc = ty_prune_run(&q, &c->ps, &theta);
    if (nc < 0) return nc == -1 ? 1 : (int)nc;
    float *s = c->s1;
    for (uint64_t d = 0; d < m->ndocs; d++) s[d] = -INFINITY;
    const uint32_t *cand = c->ps.cand;
    for (int64_t i = 0; i < nc; i++) s[cand[i]] = c->ps.ca[i];
    tenyo_hit *h = ty_mallocarray(r > need ? r : need, sizeof *h);
    if (!h) return TENYO_ERR_NOMEM;
    ty_topk t;
    if (approx) { /* rescore_exact on the candidates: the same r best */
        float v = 1.f - (float)c->hybrid_w;
        ty_topk_init(&t, h, r);
        for (int64_t i = 0; i < nc; i++) ty_topk_push(&t, cand[i], s[cand[i]]);
        for (size_t i = 0; i < t.n; i++) {
            uint64_t d = h[i].doc;
            float exact = ty_q8_dot(&x->q8, d, c->qlsa);
            s[d] += v * (exact - lsa[d]);
        }
    }
    shrink_short(c, s);
    ty_topk_init(&t, h, need);
    for (int64_t i = 0; i < nc; i++) ty_topk_push(&t, cand[i], s[cand[i]]);
    int ok = t.n == need && t.h[0].score >= theta; /* the root: the need-th best */
    free(h);
    c->npruned += ok;
    return ok ? 0 : 1;
}
int tenyo_index_warm(tenyo_index *x, char *err, size_t errlen) {
    int rc = tenyo_index_load_all(x, err, errlen);
    if (!rc && x->post_policy != TY_POSTINGS_OFF) ty_once_run(&x->post_once, post_build, x);
    return rc;
}

/* Whether the LSA scores of c's queries come from the int8 scan (then
 * re-scored exactly at the top) rather than the exact float scan. */
static int scan_int8(const tenyo_ctx *c) {
    const ty_model *m = &c->idx->m;
    return c->idx->q8.n == m->ndocs && m->dim > 0 &&
           (c->scan == TY_SCAN_INT8 || (c->scan == TY_SCAN_AUTO && m->ndocs >= TY_INT8_MIN_DOCS));
}

/* ========================================================= a shared scan
 *
 * tenyo-mpi serve (src/mpi/serve.c) shares the full scan of ty_ctx_score
 * over processes (ty_scan_share), each scoring its own document ranges
 * (its shards) with ty_ctx_scan_part. A process sends back not its
 * scores but its candidates, chosen so that the merge is exact:
 *   A. with the int8 scan, its best r = max(4 need, 256) by the scan's
 *      score: the r best of all documents, which rescore_exact re-scores
 *      (the set R), are among the union of the processes' r best (the
 *      order is total: score, then the smaller document; ty_topk);
 *   B. its best need + r by the score after the short-record factor
 *      (shrink_short, TF-IDF and hybrid): a document outside R keeps that
 *      score, and the need best outside R are, in each process, among its
 *      need + |R in it| best of its own;
 *   C. with keep_open (ideas --open-only ranks the open documents only),
 *      B again among its open documents.
 * Each candidate comes with its scan scores (s1, and s2: the LSA part
 * rescore_exact corrects), computed by score_docs, the one-process
 * arithmetic, document by document. The merge sets every other document
 * to -inf (never ranked: ty_topk) and runs the one-process steps that
 * follow the scan on the whole array (rescore_exact, shrink_short): every
 * document that can be among the need best has its one-process score,
 * so what is ranked from s1 afterwards — rank's k + 1, ideas' neighbours
 * and predict_home's 10, all within need — is the same, ties included.
 * The filter's mask travels with the query; the IVF (score_ivf, rank_ivf)
 * and a batch's scores (pre_lsa) are not shared (the server uses
 * neither).
 *
 * The message, in the byte order of the processes (one job, one
 * architecture): SH_N int64 (below), hybrid_w as a double, qt[qn] (u32),
 * qw[qn], qlsa[dim] (float), then the mask (ndocs bytes) when masked. A
 * part's answer: an int64 count, then count shared_cand records.
 */
enum { SH_VER, SH_MODE, SH_INT8, SH_KEEP, SH_NEED, SH_R, SH_QN, SH_DIM, SH_NDOCS, SH_MASKED,
       SH_N };
#define SH_VERSION 1

typedef struct shared_cand {
    uint64_t doc;            /* document */
    float s1, s2;            /* its scan scores (s2: LSA part, 0 in TF-IDF) */
} shared_cand;

static int reserve_query(tenyo_ctx *c, size_t n);

void ty_index_set_scan_share(tenyo_index *x, const ty_scan_share *s) {
    if (!x) return;
    if (s) x->share = *s;
    else memset(&x->share, 0, sizeof x->share);
}

/* A part's scan on several threads: piece t of nt of its ranges laid end
 * to end (each document scored alone: the same bits on any thread). */
typedef struct part_job {
    score_job *j;            /* the query */
    const uint64_t *ranges;  /* the part's ranges, [from, to) pairs */
    size_t nranges;          /* how many */
    uint64_t total;          /* their documents */
} part_job;

static int part_range(void *ud, int t, int nt) {
    part_job *p = ud;
    uint64_t a = ty_split(p->total, t, nt), b = ty_split(p->total, t + 1, nt), off = 0;
    for (size_t i = 0; i < p->nranges && off < b; i++) {
        uint64_t lo = p->ranges[2 * i], len = p->ranges[2 * i + 1] - lo;
        uint64_t s0 = a > off ? a : off, s1 = b < off + len ? b : off + len;
        if (s0 < s1) score_docs(p->j, lo + (s0 - off), lo + (s1 - off));
        off += len;
    }
    return 0;
}

/* Score s as shrink_short leaves it for document d (TF-IDF, hybrid). */
static float shrunk(const ty_model *m, uint64_t d, float s) {
    uint64_t t = m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d];
    return t < TY_SHORT_TERMS && s > 0 ? s * ((float)t / TY_SHORT_TERMS) : s;
}

/* Into t (initialised with its k), the k best documents of the ranges
 * (those with keep[d] when keep is set) by c->s1, or with shr by that
 * score after the short-record factor, as pushing every one would give.
 * As ty_topk_array: a strided sample sets a threshold expected to pass
 * about 2k + 16 documents, only those reach the heap, and when fewer than
 * k pass the whole ranges go through it. The factor only lowers a
 * positive score, so a score below the threshold is turned away before
 * the factor is looked up. */
#define PART_SAMPLE 4096
static void part_select(const tenyo_ctx *c, const uint64_t *ranges, size_t nranges, int shr,
                        const uint8_t *keep, ty_topk *t) {
    const ty_model *m = &c->idx->m;
    const float *s = c->s1;
    size_t k = t->k;
    uint64_t total = 0;
    for (size_t i = 0; i < nranges; i++) total += ranges[2 * i + 1] - ranges[2 * i];
    if (k == 0 || total == 0) return;
    float thr = -INFINITY;
    uint64_t want = 2 * (uint64_t)k * PART_SAMPLE / total + 16;
    if (total >= 16384 && want < PART_SAMPLE / 4) {
        tenyo_hit samp[PART_SAMPLE / 4];
        ty_topk st;
        ty_topk_init(&st, samp, (size_t)want);
        uint64_t stride = total / PART_SAMPLE;
        for (size_t i = 0; i < nranges; i++)
            for (uint64_t d = ranges[2 * i]; d < ranges[2 * i + 1]; d += stride)
                if (!keep || keep[d]) ty_topk_push(&st, d, shr ? shrunk(m, d, s[d]) : s[d]);
        if (st.n == st.k) thr = st.h[0].score;
    }
    for (int full = thr == -INFINITY;; full = 1) {
        uint64_t passed = 0;
        for (size_t i = 0; i < nranges; i++)
            for (uint64_t d = ranges[2 * i]; d < ranges[2 * i + 1]; d++) {
                float v = s[d];
                if (!(v >= thr) || (keep && !keep[d])) continue;
                if (shr) v = shrunk(m, d, v);
                if (!(v >= thr)) continue;
                passed++;
                ty_topk_push(t, d, v);
            }
        if (full || passed >= k) return;
        ty_topk_init(t, t->h, k); /* too few passed: all of them */
        thr = -INFINITY;
    }
}

static int cmp_hit_doc(const void *a, const void *b) {
    uint64_t x = ((const tenyo_hit *)a)->doc, y = ((const tenyo_hit *)b)->doc;
    return x < y ? -1 : x > y;
}

int ty_ctx_scan_part(tenyo_ctx *c, const void *msg, size_t len, const uint64_t *ranges,
                     size_t nranges, ty_buf *out) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    int64_t h[SH_N];
    double w;
    const char *p = msg;
    if (!msg || len < sizeof h + sizeof w) goto bad;
    memcpy(h, p, sizeof h);
    memcpy(&w, p + sizeof h, sizeof w);
    p += sizeof h + sizeof w;
    if (h[SH_VER] != SH_VERSION || h[SH_NDOCS] != (int64_t)m->ndocs ||
        h[SH_DIM] != (int64_t)m->dim || h[SH_QN] < 0 || h[SH_QN] > (int64_t)(len / 8) ||
        h[SH_NEED] < 0 || h[SH_R] < 0 || h[SH_NEED] > (int64_t)m->ndocs + 1 ||
        h[SH_R] > (int64_t)m->ndocs ||
        (h[SH_MODE] != TENYO_MODE_TFIDF && h[SH_MODE] != TENYO_MODE_LSA &&
         h[SH_MODE] != TENYO_MODE_HYBRID))
        goto bad;
    size_t qn = (size_t)h[SH_QN], dim = m->dim;
    if (len != sizeof h + sizeof w + qn * 8 + dim * 4 + (h[SH_MASKED] ? m->ndocs : 0)) goto bad;
    for (size_t i = 0; i < nranges; i++)
        if (ranges[2 * i] > ranges[2 * i + 1] || ranges[2 * i + 1] > m->ndocs) goto bad;
    tenyo_mode mode = (tenyo_mode)h[SH_MODE];
    if (reserve_query(c, qn + 1)) return TENYO_ERR_NOMEM;
    memcpy(c->qt, p, qn * sizeof *c->qt);
    p += qn * sizeof *c->qt;
    memcpy(c->qw, p, qn * sizeof *c->qw);
    p += qn * sizeof *c->qw;
    if (dim) memcpy(c->qlsa, p, dim * sizeof *c->qlsa);
    p += dim * sizeof *c->qlsa;
    for (size_t i = 0; i < qn; i++)
        if (c->qt[i] >= m->nterms) goto bad;
    c->hybrid_w = w;
    if (mode != TENYO_MODE_LSA) {
        int rc = ty_model_need_sparse(m, c->err, sizeof c->err);
        if (rc) return rc;
    }
    score_job j = {c, mode, mode != TENYO_MODE_TFIDF, (int)h[SH_INT8], NULL, 1,
                   mode != TENYO_MODE_TFIDF ? c->s2 : NULL, 0, NULL, NULL, 0,
                   h[SH_MASKED] ? (const uint8_t *)p : NULL};
    if (j.int8 && (x->q8.n != m->ndocs || !dim)) goto bad;
    ty_q8_query qp;
    if (j.lsa_scan && j.int8) ty_q8_prepare(c->qlsa, x->q8.dim, &qp);
    j.qp = &qp;
    terms_begin(c, &j, qn, mode != TENYO_MODE_LSA && use_postings(c));
    part_job pj = {&j, ranges, nranges, 0};
    for (size_t i = 0; i < nranges; i++) pj.total += ranges[2 * i + 1] - ranges[2 * i];
    int nth = ctx_enter(c); /* the ranges on c's threads, as score_split */
    if (nth > 1) ty_parallel_claim(nth, QPAR_PARTS * nth, part_range, &pj);
    else part_range(&pj, 0, 1);
    ctx_leave(nth);
    terms_end(c, &j, qn);
    /* the candidates A, B, C */
    size_t need = (size_t)h[SH_NEED], r = (size_t)h[SH_R];
    int keep = h[SH_KEEP] && m->open;
    size_t cap = r + (need + r) * (keep ? 2 : 1);
    tenyo_hit *hh = ty_mallocarray(cap ? cap : 1, sizeof *hh);
    if (!hh) return TENYO_ERR_NOMEM;
    size_t nh = 0;
    for (int pass = 0; pass < 3; pass++) {
        ty_topk t;
        ty_topk_init(&t, hh + nh, pass == 0 ? r : pass == 1 || keep ? need + r : 0);
        part_select(c, ranges, nranges, pass && mode != TENYO_MODE_LSA,
                    pass == 2 ? m->open : NULL, &t);
        nh += t.n;
    }
    qsort(hh, nh, sizeof *hh, cmp_hit_doc);
    int64_t cnt = 0;
    for (size_t i = 0; i < nh; i++) cnt += !i || hh[i].doc != hh[i - 1].doc;
    int rc = ty_buf_append(out, &cnt, sizeof cnt);
    for (size_t i = 0; i < nh && !rc; i++) {
        if (i && hh[i].doc == hh[i - 1].doc) continue;
        uint64_t d = hh[i].doc;
        shared_cand e = {d, c->s1[d], mode != TENYO_MODE_TFIDF ? c->s2[d] : 0.f};
        rc = ty_buf_append(out, &e, sizeof e);
    }
    free(hh);
    return rc ? TENYO_ERR_NOMEM : TENYO_OK;
bad:
    ty_seterr(c->err, sizeof c->err, "shared scan: a malformed query message");
    return TENYO_ERR_CORRUPT;
}

/* ty_ctx_score through x->share: the candidates of every process merged
 * into c->s1 (and s2), then the one-process steps after the scan. */
static int score_shared(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need,
                        const uint8_t *mask) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    int approx = mode != TENYO_MODE_TFIDF && scan_int8(c);
    size_t r = approx ? (need * 4 > 256 ? need * 4 : 256) : 0;
    if (r > m->ndocs) r = m->ndocs;
    if (need > m->ndocs + 1) need = m->ndocs + 1;
    int64_t h[SH_N] = {SH_VERSION, mode, approx, c->keep_open, (int64_t)need, (int64_t)r,
                       (int64_t)qn, (int64_t)m->dim, (int64_t)m->ndocs, mask != NULL};
    double w = c->hybrid_w;
    ty_buf b = {0};
    int rc = ty_buf_append(&b, h, sizeof h) || ty_buf_append(&b, &w, sizeof w) ||
             ty_buf_append(&b, c->qt, qn * sizeof *c->qt) ||
             ty_buf_append(&b, c->qw, qn * sizeof *c->qw) ||
             (m->dim && ty_buf_append(&b, c->qlsa, m->dim * sizeof *c->qlsa)) ||
             (mask && ty_buf_append(&b, mask, m->ndocs));
    if (rc) {
        ty_buf_free(&b);
        return TENYO_ERR_NOMEM;
    }
    void *out = NULL;
    size_t outn = 0;
    c->err[0] = 0;
    rc = x->share.scan(x->share.ud, c, b.p, b.len, &out, &outn, c->err, sizeof c->err);
    ty_buf_free(&b);
    if (rc) {
        free(out);
        if (!c->err[0]) ty_seterr(c->err, sizeof c->err, "shared scan failed");
        return rc;
    }
    for (uint64_t d = 0; d < m->ndocs; d++) c->s1[d] = -INFINITY;
    if (mode != TENYO_MODE_TFIDF) memset(c->s2, 0, m->ndocs * sizeof *c->s2);
    const char *p = out, *e = p + outn;
    while (p < e) {
        int64_t n;
        if ((size_t)(e - p) < sizeof n) goto bad;
        memcpy(&n, p, sizeof n);
        p += sizeof n;
        if (n < 0 || (uint64_t)n > (size_t)(e - p) / sizeof(shared_cand)) goto bad;
        for (int64_t i = 0; i < n; i++, p += sizeof(shared_cand)) {
            shared_cand s;
            memcpy(&s, p, sizeof s);
            if (s.doc >= m->ndocs) goto bad;
            c->s1[s.doc] = s.s1;
            if (mode != TENYO_MODE_TFIDF) c->s2[s.doc] = s.s2;
        }
    }
    free(out);
    if (approx) rescore_exact(c, mode, r, c->s2);
    if (mode != TENYO_MODE_LSA) shrink_short(c, c->s1);
    return TENYO_OK;
bad:
    free(out);
    ty_seterr(c->err, sizeof c->err, "shared scan: a malformed answer");
    return TENYO_ERR_CORRUPT;
}

int ty_ctx_score(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need) {
    const ty_model *m = &c->idx->m;
    if (mode != TENYO_MODE_LSA) { /* the sparse rows, decoded on first use */
        int rc = ty_model_need_sparse(m, c->err, sizeof c->err);
        if (rc) return rc;
    }
    /* a filter (api/filter.c): the documents it leaves out score -inf
     * before anything is ranked or re-scored; the IVF's candidate lists
     * would be cut before it, so a filtered query scans exactly */
    int frc;
    const uint8_t *mask = ty_ctx_mask(c, &frc);
    if (frc) return frc;
    if (mode != TENYO_MODE_TFIDF && !mask && !c->pre_lsa && c->nprobe && c->idx->ivf && m->dim &&
        score_ivf(c, mode, qn, need) == 0)
        return TENYO_OK;
    /* LSA scores: computed ahead by a batch (one pass for many queries),
     * else the int8 scan (large indexes, or forced) or the exact float
     * scan of the dequantised rows (quant.c) now, in the same split as the
     * rest unless the pruned scan needs them first */
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as the rows */
    if (x->share.scan && !c->pre_lsa) return score_shared(c, mode, qn, need, mask);
    score_job j = {c, mode, 0, 0, NULL, 1, c->pre_lsa, 0, NULL, NULL, 0, mask};
    ty_q8_query qp;
    int approx = j.lsa ? c->pre_approx : 0;
    if (mode != TENYO_MODE_TFIDF && !j.lsa) {
        j.lsa_scan = 1;
        j.int8 = approx = scan_int8(c);
        if (j.int8) ty_q8_prepare(c->qlsa, x->q8.dim, &qp);
        j.qp = &qp;
        j.lsa = c->s2;
    }
    int post = mode != TENYO_MODE_LSA && use_postings(c);
    if (post && c->prune && x->prune && x->bmax.ptr) {
        if (j.lsa_scan) { /* the pruned scan reads them */
            j.rest = 0;
            score_split(c, &j);
            j.lsa_scan = 0;
            j.rest = 1;
        }
        int prc = score_pruned(c, mode, qn, need, j.lsa, approx, mask);
        if (prc <= 0) return prc;
    }
    terms_begin(c, &j, qn, post);
    score_split(c, &j);
    terms_end(c, &j, qn);
    if (approx) rescore_exact(c, mode, need * 4 > 256 ? need * 4 : 256, j.lsa);
    if (mode != TENYO_MODE_LSA) shrink_short(c, c->s1);
    return TENYO_OK;
}

int tenyo_ctx_set_nprobe(tenyo_ctx *c, uint32_t nprobe) {
    if (!c) return TENYO_ERR_ARG;
    if (nprobe && !c->idx->ivf) {
        ty_seterr(c->err, sizeof c->err,
                  "the index has no approximate-search lists (build it with --ivf)");
        return TENYO_ERR_ARG;
    }
    c->nprobe = nprobe;
    return TENYO_OK;
}

int tenyo_ctx_set_rerank(tenyo_ctx *c, size_t rerank) {
    if (!c || rerank > (size_t)1 << 30) return TENYO_ERR_ARG;
    c->rerank = rerank;
    return TENYO_OK;
}

uint32_t tenyo_index_ivf_lists(const tenyo_index *x) {
    return x && x->ivf ? x->ivf->nlist : 0;
}

int tenyo_ctx_set_scan(tenyo_ctx *c, tenyo_scan scan) {
    if (!c || (scan != TENYO_SCAN_AUTO && scan != TENYO_SCAN_FP32 && scan != TENYO_SCAN_INT8))
        return TENYO_ERR_ARG;
    c->scan = (int)scan;
    return TENYO_OK;
}

/* LSA ranking through the IVF lists (c->nprobe > 0): the best k + 1
 * candidates re-scored exactly, the skipped document removed. */
static int rank_ivf(tenyo_ctx *c, size_t k, uint64_t skip, tenyo_hit *hits) {
    tenyo_hit *tmp = ty_mallocarray(k + 1, sizeof *tmp);
    if (!tmp) return TENYO_ERR_NOMEM;
    ty_ivf_query q = {c->nprobe, c->rerank ? c->rerank : 4 * (k + 1) > 64 ? 4 * (k + 1) : 64,
                      c->idx->m.doc_h};
    int n = ty_ivf_search(c->idx->ivf, NULL, c->qlsa, k + 1, &q, &c->ivs, tmp);
    int out = 0;
    for (int i = 0; i < n && (size_t)out < k; i++)
        if (tmp[i].doc != skip) hits[out++] = tmp[i];
    free(tmp);
    return n < 0 ? n : out;
}

/* The documents rank_cand needs for k hits: the re-scored set of
 * ty_ctx_score (max(4 need, 256), need = k + 1) and k + 1 more; 0 (the
 * batch keeps scores) when that is beyond a few thousand. */
static size_t rank_cand_count(const tenyo_ctx *c, size_t k) {
    size_t need = k + 1, r = need * 4 > 256 ? need * 4 : 256;
    size_t nc = r + k + 1;
    if (nc > c->idx->m.ndocs) nc = (size_t)c->idx->m.ndocs;
    return k < 1024 ? nc : 0;
}

/* How far a document's exact LSA score (ty_q8_dot of its row, the codes
 * over their length, with the float query x) can lie from its int8 score
 * (the integer dot of the codes with the query's codes, times both
 * scales): the row is c/|c| and the query's codes stand for q^, so
 * exact - int8 = (c/|c|) . (x - q^), at most |x - q^| (Cauchy-Schwarz,
 * the row being unit; ty_q8_error); plus the float roundings of both sides
 * (the 1/|c| scale, the dot's 256 products and sums, the int8 score's two
 * scalings: a few units in the last place of |x| and of the score),
 * counted generously. */
static double q8_query_error(const float *x, size_t k) {
    double n, e = ty_q8_error(x, k, &n);
    return e * (1 + 1e-4) + 1e-4 * n + 1e-7;
}

/* rank() in LSA mode from a batch's candidates (c->pre_cand: the best by
 * int8 score, best first), the same hits bit for bit as scoring all:
 * ty_ctx_score would re-score the best r = max(4 need, 256) exactly (its
 * expression below, the same float operations) and leave every other
 * document at its int8 score; the candidates hold those r and the next
 * k + 1 by int8 score, which keep theirs. A document beyond them is worse
 * (score, then number) than each of those k + 1, at most one of which is
 * skipped, so it cannot be among the k best; ties break by document number
 * in the heap as in ty_ctx_topk. A candidate of the r is not re-scored
 * when even its int8 score plus the largest error (q8_query_error) is
 * below the k-th best score already held: its exact score, which scoring
 * all would give it, is below that too, so it is not among the k best
 * either way (the held k-th only rises). Fetching each row for its exact
 * dot was a fifth of a batched query at 100k; most of the 256 candidates
 * of a top 10 fall below the bound. */
static int rank_cand(tenyo_ctx *c, size_t k, uint64_t skip, tenyo_hit *hits) {
    const ty_model *m = &c->idx->m;
    size_t need = k + 1, r = need * 4 > 256 ? need * 4 : 256;
    if (r > m->ndocs) r = m->ndocs;
    float v = 1.f; /* rescore_exact's weight in LSA mode */
    ty_topk t;
    ty_topk_init(&t, hits, k);
    const ty_q8 *q8 = &c->idx->q8;
    double err = q8_query_error(c->qlsa, q8->dim);
    for (size_t i = 0; i < c->pre_ncand; i++) {
        uint64_t d = c->pre_cand[i].doc;
        float s = c->pre_cand[i].score;
        if (i < r && t.n == t.k && t.k &&
            (double)s + err + 1e-6 * fabs((double)s) < (double)t.h[0].score)
            continue; /* cannot reach the k best, exact or not */
        if (i + 8 < r && i + 8 < c->pre_ncand) { /* the row re-scored 8 later, meanwhile */
            const int8_t *p = q8->q + c->pre_cand[i + 8].doc * q8->dim;
            for (size_t l = 0; l < q8->dim; l += 64) __builtin_prefetch(p + l);
        }
        if (i < r) {
            float exact = ty_q8_dot(&c->idx->q8, d, c->qlsa);
            s += v * (exact - c->pre_cand[i].score);
        }
        if (d != skip) ty_topk_push(&t, d, s);
    }
    return (int)ty_topk_finish(&t);
}

/* Score all documents and keep the k best in hits, skipping document `skip`
 * (UINT64_MAX: none); LSA mode goes through the IVF lists when nprobe is set,
 * or from a batch's candidates when it has them. */
static int rank(tenyo_ctx *c, tenyo_mode mode, size_t k, uint64_t skip,
                size_t qn, tenyo_hit *hits) {
    const ty_model *m = &c->idx->m;
    if (mode == TENYO_MODE_LSA && c->pre_cand && !c->filter) return rank_cand(c, k, skip, hits);
    if (mode == TENYO_MODE_LSA && c->nprobe && c->idx->ivf && m->dim && !c->filter)
        return rank_ivf(c, k, skip, hits);
    int rc = ty_ctx_score(c, mode, qn, k + 1);
    if (rc) return rc;
    size_t n = ty_ctx_topk(c, c->s1, skip, NULL, k, hits);
    /* under a filter, fewer documents than k may match: the rest are the
     * left-out ones at -inf, not answers */
    while (c->filter && n && hits[n - 1].score == -INFINITY) n--;
    return (int)n;
}

static int check_query(tenyo_ctx *c, tenyo_mode mode, size_t k,
                       tenyo_hit *hits) {
    if (mode != TENYO_MODE_TFIDF && mode != TENYO_MODE_LSA &&
        mode != TENYO_MODE_HYBRID) {
        ty_seterr(c->err, sizeof c->err, "unknown search mode %d", (int)mode);
        return TENYO_ERR_ARG;
    }
    if (k > 0 && !hits) return TENYO_ERR_ARG;
    if (k > INT32_MAX) {
        ty_seterr(c->err, sizeof c->err, "k too large");
        return TENYO_ERR_LIMIT;
    }
    return TENYO_OK;
}

static int reserve_query(tenyo_ctx *c, size_t n) {
    if (n <= c->qcap) return TENYO_OK;
    uint32_t *t = ty_reallocarray(c->qt, n, sizeof *t);
    if (!t) return TENYO_ERR_NOMEM;
    c->qt = t;
    float *w = ty_reallocarray(c->qw, n, sizeof *w);
    if (!w) return TENYO_ERR_NOMEM;
    c->qw = w;
    c->qcap = n;
    return TENYO_OK;
}

int ty_ctx_set_query(tenyo_ctx *c, const uint32_t *qt, const float *qw,
                     size_t qn, const float *qlsa) {
    c->nunk = 0; /* a batch does not keep each query's unknown words */
    c->npart = 0;
    if (reserve_query(c, qn + 1)) return TENYO_ERR_NOMEM;
    memcpy(c->qt, qt, qn * sizeof *c->qt);
    memcpy(c->qw, qw, qn * sizeof *c->qw);
    if (c->idx->m.dim && qlsa != c->qlsa)
        memcpy(c->qlsa, qlsa, c->idx->m.dim * sizeof *c->qlsa);
    return TENYO_OK;
}

int ty_ctx_query_doc(tenyo_ctx *c, uint64_t doc, int terms) {
    const ty_model *m = &c->idx->m;
    if (doc >= m->ndocs) {
        ty_seterr(c->err, sizeof c->err, "document %llu out of range",
                  (unsigned long long)doc);
        return TENYO_ERR_NOTFOUND;
    }
    c->nunk = 0;
    c->npart = 0;
    if (terms) {
        int rc = ty_model_need_sparse(m, c->err, sizeof c->err);
        if (rc) return rc;
    }
    uint64_t a = terms ? m->tfidf.rowptr[doc] : 0, e = terms ? m->tfidf.rowptr[doc + 1] : 0;
    if (reserve_query(c, e - a + 1)) return TENYO_ERR_NOMEM;
    if (e > a) {
        memcpy(c->qt, m->tfidf.col + a, (e - a) * sizeof *c->qt);
        memcpy(c->qw, m->tfidf.val + a, (e - a) * sizeof *c->qw);
    }
    if (m->dim) ty_q8_row(&c->idx->q8, doc, c->qlsa);
    return (int)(e - a);
}

int tenyo_similar_doc(tenyo_ctx *c, uint64_t doc, tenyo_mode mode, size_t k,
                      tenyo_hit *hits) {
    if (!c) return TENYO_ERR_ARG;
    int rc = check_query(c, mode, k, hits);
    if (rc) return rc;
    int qn = ty_ctx_query_doc(c, doc, mode != TENYO_MODE_LSA);
    if (qn < 0) return qn;
    return rank(c, mode, k, doc, (size_t)qn, hits);
}

/* Tokenizer callback: collect the ids of terms the index knows.
 *
 * A compound noun of the query the index does not know (精密プレス加工: no
 * indexed document wrote it, or too few did) is searched by its parts. The
 * tokenizer emits a compound's parts (keep_parts) just before the compound,
 * so the last tokens seen, when they are pieces of it in order, are its
 * parts; they are already in the query. Added to them: the longest
 * sub-compounds the index does know (プレス加工), chosen greedily, longest
 * first, never overlapping, as a document that wrote them would hold them.
 * The compound is then noted as searched by those pieces; a word with no
 * known piece is noted as unknown (not used). */
#define COL_RECENT 8
typedef struct collect {
    tenyo_ctx *c;
    size_t n;
    int oom;
    char common[64]; /* the first too-common word met, for the error */
    char recent[COL_RECENT][48]; /* the last tokens, newest at (nrecent-1) % COL_RECENT */
    int64_t recent_id[COL_RECENT]; /* their ids, -1 unknown */
    size_t nrecent;
} collect;

/* 1 when t[0..n) is a term max_df dropped as too common (the "common"
 * section): known to the index, only not kept. */
static int common_term(const ty_model *m, const char *t, size_t n) {
    for (const char *s = m->common_blob; s && s < m->common_blob + m->common_len; s += strlen(s) + 1)
        if (strlen(s) == n && !memcmp(s, t, n)) return 1;
    return 0;
}

static void collect_add(collect *col, int64_t id) {
    tenyo_ctx *c = col->c;
    if (col->oom) return;
    if (col->n == c->qcap &&
        reserve_query(c, c->qcap ? c->qcap * 2 : 256)) {
        col->oom = 1;
        return;
    }
    c->qt[col->n++] = (uint32_t)id;
}

static void collect_remember(collect *col, const char *t, size_t n, int64_t id) {
    size_t r = col->nrecent++ % COL_RECENT;
    if (n >= sizeof col->recent[r]) n = 0; /* too long to be a part: kept empty */
    memcpy(col->recent[r], t, n);
    col->recent[r][n] = 0;
    col->recent_id[r] = id;
}

/* A compound t[0..n) unknown to the index: its parts among the last tokens
 * (those right before it that are pieces of it, in order); adds the known
 * sub-compounds to the query and writes the pieces searched, " + " between,
 * to as. Returns how many pieces known to the index it was searched by. */
static int collect_backoff(collect *col, const char *t, size_t n, char *as, size_t aslen) {
    enum { MAXP = COL_RECENT };
    size_t st[MAXP], en[MAXP];
    int64_t pid[MAXP];
    int np = 0;
    /* walk back over the last tokens while each is a piece of t ending
     * before the previous piece's start */
    size_t limit = n;
    for (size_t b = 0; b < col->nrecent && b < COL_RECENT && np < MAXP; b++) {
        size_t r = (col->nrecent - 1 - b) % COL_RECENT;
        size_t pl = strlen(col->recent[r]);
        if (!pl || pl >= n || pl > limit) break;
        /* the last occurrence of the piece ending at or before limit */
        size_t at = SIZE_MAX;
        for (size_t o = limit - pl + 1; o-- > 0;)
            if (!memcmp(t + o, col->recent[r], pl)) { at = o; break; }
        if (at == SIZE_MAX) break;
        memmove(st + 1, st, (size_t)np * sizeof *st);
        memmove(en + 1, en, (size_t)np * sizeof *en);
        memmove(pid + 1, pid, (size_t)np * sizeof *pid);
        st[0] = at;
        en[0] = at + pl;
        pid[0] = col->recent_id[r];
        np++;
        limit = at;
    }
    if (np < 2) return 0; /* one word, or not seen as pieces: not a compound */
    /* candidate sub-compounds: from piece a's start to piece b's end, to
     * the next piece's start (a suffix between: 金型 of 金 型 設計) or, for
     * the last piece, to t's end (部品向け); longer than one piece alone,
     * shorter than t; tried longest first, kept when the index knows them
     * and they overlap no piece already covered */
    struct span { int a, b; size_t start, end; } cand[MAXP * MAXP * 4];
    int ncand = 0;
    for (int a = 0; a < np; a++)
        for (int b = a; b < np; b++) {
            size_t starts[2] = {st[a], a ? en[a - 1] : 0};
            size_t ends[2] = {en[b], b + 1 < np ? st[b + 1] : n};
            for (int f = 0; f < 2; f++)
                for (int e = 0; e < 2; e++) {
                    if ((f == 1 && starts[1] >= starts[0]) || (e == 1 && ends[1] <= ends[0]))
                        continue;
                    size_t sl = ends[e] - starts[f];
                    if (sl >= n || (a == b && f == 0 && e == 0)) continue;
                    cand[ncand++] = (struct span){a, b, starts[f], ends[e]};
                }
        }
    int cover[MAXP], from[MAXP], to[MAXP], nspan = 0;
    int64_t spanid[MAXP];
    size_t spanstart[MAXP], spanend[MAXP];
    for (int k = 0; k < np; k++) cover[k] = -1;
    while (nspan < MAXP) {
        int best = -1;
        for (int i = 0; i < ncand; i++) {
            if (cand[i].a < 0) continue;
            if (best < 0 || cand[i].end - cand[i].start > cand[best].end - cand[best].start) best = i;
        }
        if (best < 0) break;
        struct span sp = cand[best];
        cand[best].a = -1;
        int free_ = 1;
        for (int k = sp.a; k <= sp.b; k++) free_ &= cover[k] < 0;
        if (!free_) continue;
        int64_t id = ty_strmap_get(col->c->idx->vocab, t + sp.start, sp.end - sp.start);
        if (id < 0) continue;
        from[nspan] = sp.a;
        to[nspan] = sp.b;
        spanid[nspan] = id;
        spanstart[nspan] = sp.start;
        spanend[nspan] = sp.end;
        for (int k = sp.a; k <= sp.b; k++) cover[k] = nspan;
        nspan++;
    }
    int used = 0;
    size_t al = 0;
    as[0] = 0;
    for (int k = 0; k < np; k++) {
        const char *w;
        size_t wl;
        if (cover[k] >= 0) {
            int sp = cover[k];
            if (k != from[sp]) continue;
            collect_add(col, spanid[sp]);
            w = t + spanstart[sp];
            wl = spanend[sp] - spanstart[sp];
            k = to[sp];
        } else {
            if (pid[k] < 0) continue; /* a piece the index does not know */
            w = t + st[k];
            wl = en[k] - st[k];
        }
        int wrote = snprintf(as + al, aslen - al, "%s%.*s", used ? " + " : "", (int)wl, w);
        if (wrote < 0 || (size_t)wrote >= aslen - al) { as[al] = 0; break; }
        al += (size_t)wrote;
        used++;
    }
    return used;
}

static void collect_cb(void *ud, const char *t, size_t n) {
    collect *col = ud;
    tenyo_ctx *c = col->c;
    int64_t id = ty_strmap_get(c->idx->vocab, t, n);
    /* a word in most documents (車両 in the jp corpus) is no unknown word:
     * the ideas notes must not say "not in the index" of it */
    if (id < 0 && common_term(&c->idx->m, t, n)) {
        if (!col->common[0] && n < sizeof col->common) {
            memcpy(col->common, t, n);
            col->common[n] = 0;
        }
        collect_remember(col, t, n, -1);
        return;
    }
    if (id < 0) {
        char as[sizeof c->part_as[0]];
        int pieces = collect_backoff(col, t, n, as, sizeof as);
        collect_remember(col, t, n, -1);
        /* remembered for the notes: distinct, first 8 */
        char (*list)[48] = pieces ? c->part : c->unk;
        size_t *cnt = pieces ? &c->npart : &c->nunk;
        int seen = n >= sizeof c->unk[0];
        for (size_t i = 0; i < *cnt && i < 8 && !seen; i++)
            seen = strlen(list[i]) == n && memcmp(list[i], t, n) == 0;
        if (!seen) {
            if (*cnt < 8) {
                memcpy(list[*cnt], t, n);
                list[*cnt][n] = 0;
                if (pieces) memcpy(c->part_as[*cnt], as, sizeof as);
            }
            (*cnt)++;
        }
        return;
    }
    collect_remember(col, t, n, id);
    collect_add(col, id);
}

static int ensure_tokenizer(tenyo_ctx *c) {
    if (c->tc) return TENYO_OK;
    const tenyo_index *x = c->idx;
    char err[TY_ERRLEN] = "";
    int rc = ty_tokenizer_new(&x->tok, &c->tok, err, sizeof err);
    if (rc) {
        ty_seterr(c->err, sizeof c->err, "cannot load the tokenizer: %s", err);
        return rc;
    }
    const char *have = ty_tokenizer_identity(c->tok);
    if (strcmp(have, x->m.tokenizer ? x->m.tokenizer : "") != 0) {
        ty_seterr(c->err, sizeof c->err,
                  "the index was built with tokenizer \"%s\" but this machine "
                  "has \"%s\"; rebuild the index or install the same dictionary",
                  x->m.tokenizer ? x->m.tokenizer : "", have);
        ty_tokenizer_free(c->tok);
        c->tok = NULL;
        return TENYO_ERR_MISMATCH;
    }
    rc = ty_tokctx_new(c->tok, &c->tc, err, sizeof err);
    if (rc) {
        ty_seterr(c->err, sizeof c->err, "cannot start the tokenizer: %s", err);
        ty_tokenizer_free(c->tok);
        c->tok = NULL;
    }
    return rc;
}

int ty_ctx_query_text(tenyo_ctx *c, const char *text, size_t len) {
    if (len > TY_MAX_QUERY) {
        ty_seterr(c->err, sizeof c->err, "query text of %zu bytes is longer than %u MiB", len,
                  TY_MAX_QUERY >> 20);
        return TENYO_ERR_LIMIT;
    }
    int rc = ensure_tokenizer(c);
    if (rc) return rc;
    c->qtext.len = 0; /* kept for the why of ideas */
    if ((len && ty_buf_append(&c->qtext, text, len)) || ty_buf_putc(&c->qtext, 0))
        return TENYO_ERR_NOMEM;
    c->qtext.len--;
    collect col = {.c = c};
    c->nunk = 0;
    c->npart = 0;
    rc = ty_tokenize(c->tc, text ? text : "", len, collect_cb, &col);
    if (rc < 0) {
        ty_seterr(c->err, sizeof c->err, "query text: %s",
                  rc == TENYO_ERR_INPUT ? "not valid UTF-8" : tenyo_strerror(rc));
        return rc;
    }
    if (col.oom) return TENYO_ERR_NOMEM;
    if (col.n == 0) {
        /* the vocabulary lost both the rare and the common terms: say so
         * (a word in most documents is not "absent from the index") */
        const ty_model *m = &c->idx->m;
        if (col.common[0]) {
            ty_seterr(c->err, sizeof c->err,
                      "\"%s\" is in more than %g%% of the indexed documents "
                      "(max_df): too common to tell them apart, so the index does "
                      "not keep it, and the query has no other indexed term",
                      col.common, 100 * m->max_df_ratio);
            return TENYO_ERR_EMPTY;
        }
        ty_seterr(c->err, sizeof c->err,
                  "none of the query's terms is in the index's vocabulary, which keeps "
                  "only terms found in at least %d documents and in at most %g%% of them "
                  "(min_df, max_df: a word too rare or too common is not indexed)",
                  c->idx->m.min_df > 1 ? c->idx->m.min_df : 1, 100 * c->idx->m.max_df_ratio);
        return TENYO_ERR_EMPTY;
    }
    /* (term, count) pairs, then TF-IDF weights */
    qsort(c->qt, col.n, sizeof *c->qt, ty_cmp_u32);
    size_t n = 0;
    for (size_t i = 0; i < col.n;) {
        uint32_t t = c->qt[i];
        float cnt = 0;
        while (i < col.n && c->qt[i] == t) { cnt += 1; i++; }
        c->qt[n] = t;
        c->qw[n] = cnt;
        n++;
    }
    const ty_model *m = &c->idx->m;
    ty_tfidf_row(c->qt, c->qw, n, m->idf);
    if (m->dim) ty_fold_in(m, c->qt, c->qw, n, c->qlsa);
    return (int)n;
}

int ty_ctx_tokenize(tenyo_ctx *c, const char *text, size_t len,
                    void (*emit)(void *ud, const char *t, size_t n), void *ud) {
    if (len > TY_MAX_QUERY) {
        ty_seterr(c->err, sizeof c->err, "query of %zu bytes is longer than %u MiB", len,
                  TY_MAX_QUERY >> 20);
        return TENYO_ERR_LIMIT;
    }
    int rc = ensure_tokenizer(c);
    if (rc) return rc;
    rc = ty_tokenize(c->tc, text ? text : "", len, emit, ud);
    if (rc < 0)
        ty_seterr(c->err, sizeof c->err, "query: %s",
                  rc == TENYO_ERR_INPUT ? "not valid UTF-8" : tenyo_strerror(rc));
    return rc < 0 ? rc : TENYO_OK;
}

int ty_ctx_rank_terms(tenyo_ctx *c, const uint32_t *terms, size_t n, size_t k,
                      tenyo_hit *hits) {
    int rc = check_query(c, TENYO_MODE_TFIDF, k, hits);
    if (rc) return rc;
    if (reserve_query(c, n + 1)) return TENYO_ERR_NOMEM;
    memcpy(c->qt, terms, n * sizeof *c->qt);
    qsort(c->qt, n, sizeof *c->qt, ty_cmp_u32);
    size_t q = 0;
    for (size_t i = 0; i < n;) { /* (term, count) pairs, then TF-IDF weights */
        uint32_t t = c->qt[i];
        float cnt = 0;
        while (i < n && c->qt[i] == t) { cnt += 1; i++; }
        c->qt[q] = t;
        c->qw[q++] = cnt;
    }
    const ty_model *m = &c->idx->m;
    ty_tfidf_row(c->qt, c->qw, q, m->idf);
    if (m->dim) ty_fold_in(m, c->qt, c->qw, q, c->qlsa);
    c->nunk = 0;
    c->npart = 0;
    return rank(c, TENYO_MODE_TFIDF, k, UINT64_MAX, q, hits);
}

int tenyo_similar_text(tenyo_ctx *c, const char *text, size_t len,
                       tenyo_mode mode, size_t k, tenyo_hit *hits) {
    if (!c || (!text && len)) return TENYO_ERR_ARG;
    int rc = check_query(c, mode, k, hits);
    if (rc) return rc;
    int qn = ty_ctx_query_text(c, text, len);
    if (qn < 0) return qn;
    return rank(c, mode, k, UINT64_MAX, (size_t)qn, hits);
}

/* =============================================================== batches */

/* Most queries whose LSA scores one pass computes together. */
#define BATCH_MAX 32
/* Cap on the score block (floats): B x ndocs stays under 64 MiB. */
#define BATCH_BLOCK_FLOATS ((size_t)16 << 20)
/* Document rows dequantised per sgemm of a batch (1 MiB at k = 256). */
#define BATCH_ROWS 1024

/* One prepared query of a batch block. */
typedef struct bquery {
    uint32_t *qt;        /* sparse query terms (copy) */
    float *qw;           /* their weights */
    size_t qn;           /* terms */
    int status;          /* < 0: preparing failed */
    char err[TY_ERRLEN]; /* its message */
} bquery;

int ty_ctx_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq, tenyo_mode mode, int terms,
                 size_t cand, int (*step)(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                             int status, void *ud),
                 void *ud) {
    if (!c || (nq && !q) || !step) return TENYO_ERR_ARG;
    const ty_model *m = &c->idx->m;
    size_t k = m->dim, nd = m->ndocs;
    size_t B = BATCH_MAX;
    if (nd && B > BATCH_BLOCK_FLOATS / nd) B = BATCH_BLOCK_FLOATS / nd;
    if (B < 1) B = 1;
    int share = mode != TENYO_MODE_TFIDF && k > 0 && nd > 0;
    int int8 = share && scan_int8(c);
    /* candidates instead of scores: no score block, so no cap on B */
    int fused = int8 && mode == TENYO_MODE_LSA && cand > 0 && !c->filter;
    if (cand > nd) cand = (size_t)nd;
    if (fused) B = BATCH_MAX;
    int rc = TENYO_ERR_NOMEM;
    float *qv = share ? ty_mallocarray(B * k, sizeof *qv) : NULL;
    float *blk = share && !fused ? ty_mallocarray(B * nd, sizeof *blk) : NULL;
    float *rows = share && !int8 ? ty_mallocarray(BATCH_ROWS, k * sizeof *rows) : NULL;
    ty_q8_query *qp = int8 ? ty_mallocarray(B, sizeof *qp) : NULL;
    tenyo_hit *cb = fused ? ty_mallocarray(B, cand * sizeof *cb) : NULL;
    size_t *cn = fused ? ty_mallocarray(B, sizeof *cn) : NULL;
    bquery *bq = ty_calloc(B, sizeof *bq);
    if ((share && (!qv || (!blk && !fused) || (!rows && !qp))) || (fused && (!cb || !cn)) || !bq)
        goto done;
    for (size_t start = 0; start < nq; start += B) {
        size_t nb = nq - start < B ? nq - start : B;
        /* 1. prepare every query of the block: terms, weights, fold-in */
        for (size_t j = 0; j < nb; j++) {
            const tenyo_query *qq = &q[start + j];
            bquery *b = &bq[j];
            int r = qq->doc >= 0 ? ty_ctx_query_doc(c, (uint64_t)qq->doc, terms)
                                 : ty_ctx_query_text(c, qq->text, qq->len);
            b->status = r < 0 ? r : 0;
            b->qn = 0;
            if (r < 0) {
                snprintf(b->err, sizeof b->err, "%s", c->err);
                continue;
            }
            b->qn = (size_t)r;
            free(b->qt);
            free(b->qw);
            b->qt = ty_mallocarray(b->qn ? b->qn : 1, sizeof *b->qt);
            b->qw = ty_mallocarray(b->qn ? b->qn : 1, sizeof *b->qw);
            if (!b->qt || !b->qw) goto done;
            memcpy(b->qt, c->qt, b->qn * sizeof *b->qt);
            memcpy(b->qw, c->qw, b->qn * sizeof *b->qw);
            if (share) memcpy(qv + j * k, c->qlsa, k * sizeof *qv);
        }
        /* 2. the shared scan: LSA scores of the whole block in one pass
         *    over the document vectors: the int8 scan of all its queries
         *    (what each query's own scan gives), or blk = qv * rows^T with
         *    the rows dequantised BATCH_ROWS at a time */
        if (fused) {
            for (size_t j = 0; j < nb; j++) ty_q8_prepare(qv + j * k, k, &qp[j]);
            if (ty_q8_topk_multi(&c->idx->q8, qp, nb, NULL, cand, cb, cn)) goto nomem;
        } else if (int8) {
            for (size_t j = 0; j < nb; j++) ty_q8_prepare(qv + j * k, k, &qp[j]);
            ty_q8_scan_multi(&c->idx->q8, qp, nb, blk, nd);
        } else if (share)
            for (size_t d0 = 0; d0 < nd; d0 += BATCH_ROWS) {
                size_t n = nd - d0 < BATCH_ROWS ? nd - d0 : BATCH_ROWS;
                ty_q8_rows(&c->idx->q8, d0, n, rows);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)k,
                            1.f, qv, (int)k, rows, (int)k, 0.f, blk + d0, (int)nd);
            }
        /* 3. per query, in order */
        for (size_t j = 0; j < nb; j++) {
            const tenyo_query *qq = &q[start + j];
            bquery *b = &bq[j];
            uint64_t skip = qq->doc >= 0 ? (uint64_t)qq->doc : UINT64_MAX;
            if (b->status < 0) {
                snprintf(c->err, sizeof c->err, "%s", b->err);
                rc = step(c, start + j, skip, 0, b->status, ud);
                if (rc) goto done;
                continue;
            }
            if (ty_ctx_set_query(c, b->qt, b->qw, b->qn, share ? qv + j * k : c->qlsa))
                goto nomem;
            c->pre_lsa = share && !fused ? blk + j * nd : NULL;
            c->pre_approx = int8 && !fused;
            c->pre_cand = fused ? cb + j * cand : NULL;
            c->pre_ncand = fused ? cn[j] : 0;
            rc = step(c, start + j, skip, b->qn, 0, ud);
            c->pre_lsa = NULL;
            c->pre_approx = 0;
            c->pre_cand = NULL;
            c->pre_ncand = 0;
            if (rc) goto done;
        }
    }
    rc = TENYO_OK;
    goto done;
nomem:
    rc = TENYO_ERR_NOMEM;
done:
    c->pre_lsa = NULL;
    c->pre_approx = 0;
    c->pre_cand = NULL;
    c->pre_ncand = 0;
    free(cb);
    free(cn);
    if (bq)
        for (size_t j = 0; j < B; j++) {
            free(bq[j].qt);
            free(bq[j].qw);
        }
    free(bq);
    free(qv);
    free(blk);
    free(rows);
    free(qp);
    if (rc == TENYO_ERR_NOMEM) ty_seterr(c->err, sizeof c->err, "out of memory in a batch");
    return rc;
}

/* State of one tenyo_similar_batch call. */
typedef struct sbatch {
    tenyo_mode mode;     /* scoring */
    size_t k;            /* results per query */
    tenyo_hit *hits;     /* results of the current query */
    tenyo_similar_cb cb; /* caller's callback */
    void *ud;            /* its argument */
} sbatch;

static int similar_step(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn,
                        int status, void *ud) {
    sbatch *b = ud;
    if (status < 0) {
        b->cb(b->ud, i, status, NULL);
        return TENYO_OK;
    }
    int n = rank(c, b->mode, b->k, skip, qn, b->hits);
    b->cb(b->ud, i, n, n >= 0 ? b->hits : NULL);
    return TENYO_OK;
}

int tenyo_similar_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq,
                        tenyo_mode mode, size_t k, tenyo_similar_cb cb, void *ud) {
    if (!c || (nq && !q) || !cb) return TENYO_ERR_ARG;
    sbatch b = {mode, k, ty_mallocarray(k ? k : 1, sizeof(tenyo_hit)), cb, ud};
    if (!b.hits) return TENYO_ERR_NOMEM;
    int rc = check_query(c, mode, k, b.hits);
    if (rc) {
        free(b.hits);
        return rc;
    }
    /* the IVF path (nprobe) scores its own lists: no shared block then */
    int share_mode = mode == TENYO_MODE_LSA && c->nprobe && c->idx->ivf ? TENYO_MODE_TFIDF : mode;
    rc = ty_ctx_batch(c, q, nq, (tenyo_mode)share_mode, mode != TENYO_MODE_LSA,
                      share_mode == TENYO_MODE_LSA ? rank_cand_count(c, k) : 0, similar_step, &b);
    free(b.hits);
    return rc;
}
