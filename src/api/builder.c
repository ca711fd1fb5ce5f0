/*
 * builder.c — tenyo_builder: records in, index file out, in memory
 * proportional to the terms of the corpus, not to its text.
 *
 * Pipeline (each stage a separate layer, glued here):
 *   1. add:      the record's metadata is kept and its text to index (title,
 *                abstract, claims; the description only without abstract
 *                and claims; bidirectional controls left out) copied into a
 *                pending batch. A record without a title shows the first
 *                sentence of its abstract; one without terms is kept, with
 *                a zero vector, and counted as empty.
 *   2. tokenize: a full batch (BATCH_DOCS documents or BATCH_BYTES) goes to a
 *                background driver thread (ty_bld_tokenize_async) while the
 *                caller goes on adding; workers with one ty_tokctx each
 *                tokenize it, and the main thread merges it in add order:
 *                terms interned (raw ids in first-occurrence order), each
 *                document's (term id, count) pairs varint-encoded in one
 *                arena (about 3 bytes a pair), surface words voted,
 *                phrases interned. The raw text is then freed.
 *   3. weight:   at write, document frequencies, min_df / max_df_ratio,
 *                sublinear TF-IDF rows; the terms max_df dropped (at most
 *                4,096) are kept as the "common" section.
 *   4. factor:   randomized truncated SVD (model/svd.c), the rank cut to
 *                half the smaller dimension on small corpora; document
 *                vectors are the L2-normalised rows of A V.
 *   5. store:    everything goes to store/ (write.c), written atomically.
 * A shared build (tenyo-mpi index) runs the same stages with records and
 * rows spread over processes through ty_builder_share's callbacks; a
 * sharded one keeps no document text on process 0 (slim_meta) and has each
 * shard's writer make its documents' metadata (ty_builder_doc_meta).
 *
 * Determinism: term ids, phrase ids and surface votes depend only on the
 * order records were added, so the file is the same bytes for any
 * --threads and batch size. A repeated id replaces the earlier record in
 * place (metadata at once, pairs at its merge); every version is still
 * merged in add order, so term ids follow first occurrence including
 * replaced versions. ty_builder_add_counts() adds a document as counts
 * (rebuild) after merging the pending batch, keeping the order.
 *
 * Rejected: keeping every text until write (peak 2.1 GB for 200k patents
 * against 1.3 GB); tokenizing inside add() (serial) or while the caller
 * waits (a core idle); fixed-width pairs (8 bytes instead of about 3).
 * Measurements and the reasons in full: docs/design.md, "Building an index".
 *
 * The files (build.h: the state they share). This one: new, free, add and
 * the write (extras, the SVD and after it, the file); build_docs.c: a
 * record's metadata and document slot, and releasing (the lowest);
 * build_tok.c: tokenizing and merging, in one process or shared, and
 * documents as counts; build_fields.c: the field table and the model's
 * metadata; build_weight.c: document frequencies and TF-IDF rows.
 */
#include "api/api.h"
#include "api/build.h"
#include "search/tpost.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

void tenyo_build_opts_default(tenyo_build_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    tenyo_tok_opts_default(&o->tok);
    o->dim = 0;
    o->threads = 0;
    o->min_df = 2;
    o->max_df_ratio = 0.5;
    o->seed = 0x74656e796f21ull; /* "tenyo!" */
    o->oversample = 16;
    o->power_iters = 1;
}

int tenyo_builder_new(const tenyo_build_opts *opts, tenyo_builder **out,
                      char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_builder *b = calloc(1, sizeof *b);
    if (!b) return TENYO_ERR_NOMEM;
    b->t0 = ty_now(); /* the caller's reading of the first record counts */
    if (opts) b->o = *opts;
    else tenyo_build_opts_default(&b->o);
    int rc = TENYO_ERR_ARG;
    if ((b->o.dim < 0 && b->o.dim != TY_BUILD_NO_LSA) || b->o.dim > TY_MAX_DIM) {
        ty_seterr(err, errlen, "--dim must be between 1 and %d", TY_MAX_DIM);
        goto fail;
    }
    if (b->o.min_df < 1) b->o.min_df = 1;
    if (!(b->o.max_df_ratio > 0 && b->o.max_df_ratio <= 1)) {
        ty_seterr(err, errlen, "max_df_ratio must be in (0, 1]");
        goto fail;
    }
    if (b->o.max_terms < 0) {
        ty_seterr(err, errlen, "max_terms must not be negative");
        goto fail;
    }
    if (b->o.f16_vectors && !b->o.ivf_lists) {
        ty_seterr(err, errlen,
                  "float16 vectors (--f16) serve the approximate search's re-rank: "
                  "build the IVF lists too (--ivf)");
        goto fail;
    }
    if (b->o.oversample < 0 || b->o.power_iters < 0 || b->o.power_iters > 50) {
        ty_seterr(err, errlen, "invalid SVD options");
        goto fail;
    }
    if (b->o.threads <= 0) b->o.threads = ty_ncores();
    if (b->o.threads > MAX_THREADS) b->o.threads = MAX_THREADS;
    b->batch_docs = BATCH_DOCS;
    b->batch_max = BATCH_BYTES;
    rc = TENYO_ERR_NOMEM;
    if (b->o.tok.mecab_dicdir) {
        b->dicdir = ty_strdup(b->o.tok.mecab_dicdir);
        if (!b->dicdir) goto fail;
        b->o.tok.mecab_dicdir = b->dicdir;
    }
    /* the rule of a build shared over processes, for tests comparing one */
    const char *dups = getenv("TENYO_DUPLICATES");
    b->replace_dups = dups && !strcmp(dups, "replace");
    b->ids = ty_strmap_new();
    b->voc = ty_strmap_new();
    b->words = ty_strmap_new();
    b->phrases = ty_strmap_new();
    if (!b->ids || !b->voc || !b->words || !b->phrases) goto fail;
    rc = ty_tokenizer_new(&b->o.tok, &b->tok, err, errlen);
    if (rc) goto fail;
    *out = b;
    return TENYO_OK;
fail:
    tenyo_builder_free(b);
    return rc;
}

void tenyo_builder_free(tenyo_builder *b) {
    if (!b) return;
    ty_bld_fly_drop(b); /* first: the batch in flight's workers read the builder */
    ty_bld_kw_drop(b);
    ty_bld_release(b);
    for (int t = 0; t < MAX_THREADS; t++) ty_tokctx_free(b->ctx[t]);
    ty_tokenizer_free(b->tok);
    free(b->dicdir);
    free(b->common);
    free(b->labels);
    free(b);
}

const char *tenyo_builder_error(const tenyo_builder *b) {
    return b ? b->err : "";
}

/* Record d into the batch, its document's metadata kept (a new slot, or
 * the slot of its id: merged is then the merged record of that id). */
static int add_one(tenyo_builder *b, const tenyo_doc *d, uint64_t rec, int merged) {
    ty_buf text = {0};
    int rc = TENYO_ERR_NOMEM;
    b->added++;
    if (ty_bld_record_text(&text, d)) goto fail;
    if (!text.p && !(text.p = ty_strdup(""))) goto fail;
    if (b->sh.size > 1 && b->sh.rank != 0) return ty_bld_share_add(b, rec, &text, ty_bld_lang_code(d->lang), d);
    char *meta, *ab;
    uint8_t has_abs;
    size_t slot;
    /* read before the slot takes the record: a merged record's title and
     * applicant point into the slot's earlier metadata, freed by the place */
    uint8_t fields = ty_bld_text_fields(d);
    if ((rc = ty_bld_doc_keep(b, ty_bld_docs_elsewhere(b), d, &meta, &ab, &has_abs)) ||
        (rc = ty_bld_doc_place(b, d->id, meta, ab, has_abs, d->open, &slot)))
        goto fail;
    free(b->docs[slot].nums); /* a record's numbers replace its earlier version's */
    b->docs[slot].nums = NULL;
    if (d->numbers && *d->numbers && !(b->docs[slot].nums = ty_strdup(d->numbers))) {
        rc = TENYO_ERR_NOMEM;
        goto fail;
    }
    b->docs[slot].text = fields;
    if (!merged && b->sh.size <= 1 && (rc = ty_bld_note_source(b, slot, d))) goto fail;
    free(b->docs[slot].abs_long); /* the keyword index reads the whole abstract */
    b->docs[slot].abs_long = NULL;
    if (b->docs[slot].abs && d->abstract && strlen(d->abstract) >= BUILD_ABS_MAX &&
        !(b->docs[slot].abs_long = ty_strdup(d->abstract))) {
        rc = TENYO_ERR_NOMEM;
        goto fail;
    }
    b->batch[b->nbatch++] = (pdoc){.slot = slot, .text = text.p, .len = text.len,
                                   .lang = ty_bld_lang_code(d->lang), .rec = rec};
    b->batch_bytes += text.len;
    if (b->nbatch >= b->batch_docs || b->batch_bytes >= b->batch_max)
        return ty_bld_tokenize_async(b);
    return TENYO_OK;
fail:
    ty_buf_free(&text);
    ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
    return rc;
}

/* Record d: merged with the document of its id when there is one (one
 * process: build_merge.c), else a new document. */
static int add_at(tenyo_builder *b, const tenyo_doc *d, uint64_t rec) {
    int rc = ty_bld_add_check(b, d->id);
    if (rc) return rc;
    void *mg = NULL;
    if (b->sh.size <= 1 && !b->replace_dups) {
        int done = 0;
        rc = ty_bld_merge(b, d, &mg, &done);
        if (done) {
            b->added++; /* its position, as add_one counts it */
            return rc;
        }
        if (mg) d = ty_bld_merged_doc(mg);
    }
    rc = add_one(b, d, rec, mg != NULL);
    ty_bld_merged_free(mg);
    return rc;
}

/* add_at with d's text without bidirectional controls (tenyo_text_bidi:
 * an unclosed U+202E in an applicant would reverse the rest of every line
 * that shows it), in a copy only when d has any. */
static int add_clean(tenyo_builder *b, const tenyo_doc *d, uint64_t rec) {
    enum { NT = 6 };
    const char **f[NT];
    tenyo_doc c = *d;
    f[0] = &c.id, f[1] = &c.title, f[2] = &c.abstract, f[3] = &c.claims;
    f[4] = &c.description, f[5] = &c.applicant;
    char *copy[NT] = {0};
    int rc = TENYO_OK, any = 0;
    for (int i = 0; i < NT && !rc; i++) {
        rc = ty_text_unbidi(*f[i], &copy[i]);
        if (copy[i]) *f[i] = copy[i], any = 1;
    }
    if (rc) ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
    else rc = add_at(b, any ? &c : d, rec);
    for (int i = 0; i < NT; i++) free(copy[i]);
    return rc;
}

int tenyo_builder_add(tenyo_builder *b, const tenyo_doc *d) {
    if (!b || !d || !d->id) return TENYO_ERR_ARG;
    if (b->sh.size > 1) {
        ty_seterr(b->err, sizeof b->err, "a shared build takes records with their "
                  "positions (ty_builder_add_at)");
        return TENYO_ERR_ARG;
    }
    return add_clean(b, d, b->added);
}

int ty_builder_add_at(tenyo_builder *b, const tenyo_doc *d, uint64_t rec) {
    if (!b || !d || !d->id) return TENYO_ERR_ARG;
    return add_clean(b, d, rec);
}

/* ============================================================== extras */

/* Surface words of the kept stemmed terms (the word the majority vote in
 * document order chose) and the per-document application phrases,
 * renumbered by first use among the documents in order (so phrases of
 * replaced records disappear). */
static int build_extras(tenyo_builder *b, ty_model *m, const uint32_t *remap) {
    int rc = TENYO_ERR_NOMEM;
    uint64_t nt = m->nterms;
    uint32_t nraw = ty_strmap_size(b->voc);
    uint32_t nphr_all = ty_strmap_size(b->phrases);
    uint32_t *newid = ty_mallocarray(nphr_all ? nphr_all : 1, sizeof *newid);
    uint32_t *oldid = ty_mallocarray(nphr_all ? nphr_all : 1, sizeof *oldid);
    ty_buf blob = {0};
    if (!newid || !oldid) goto done;
    int any = 0;
    for (uint32_t r = 0; r < nraw && r < b->capvote; r++)
        if (remap[r] != UINT32_MAX && b->cand[r] >= 0) any = 1;
    if (any) {
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto done;
        for (uint32_t r = 0; r < nraw; r++) {
            if (remap[r] == UINT32_MAX) continue;
            uint32_t t = remap[r];
            size_t wl = 0;
            int64_t w = r < b->capvote ? b->cand[r] : -1;
            const char *ws = w >= 0 ? ty_strmap_key(b->words, (uint32_t)w, &wl) : "";
            const char *term = m->term_blob + m->term_off[t];
            if (strlen(term) == wl && memcmp(term, ws, wl) == 0) wl = 0; /* the term itself */
            m->surf_off[t] = blob.len;
            if (ty_buf_append(&blob, ws, wl) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->surf_blob = blob.p;
        m->surf_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    /* phrases */
    uint64_t nids = 0;
    for (size_t i = 0; i < b->n; i++) nids += b->docs[i].nphr;
    if (nids) {
        for (uint32_t p = 0; p < nphr_all; p++) newid[p] = UINT32_MAX;
        uint32_t used = 0;
        m->phr_ptr = ty_mallocarray(b->n + 1, sizeof *m->phr_ptr);
        m->phr_ids = ty_mallocarray(nids, sizeof *m->phr_ids);
        if (!m->phr_ptr || !m->phr_ids) goto done;
        m->phr_ptr[0] = 0;
        uint64_t k = 0;
        for (size_t i = 0; i < b->n; i++) {
            const bdoc *d = &b->docs[i];
            for (uint8_t j = 0; j < d->nphr; j++) {
                uint32_t p = b->phr[d->phr + j];
                if (newid[p] == UINT32_MAX) {
                    oldid[used] = p;
                    newid[p] = used++;
                }
                m->phr_ids[k++] = newid[p];
            }
            m->phr_ptr[i + 1] = k;
        }
        m->nphrases = used;
        m->phr_off = ty_mallocarray(used ? used : 1, sizeof *m->phr_off);
        if (!m->phr_off) goto done;
        for (uint32_t p = 0; p < used; p++) {
            size_t l;
            const char *q = ty_strmap_key(b->phrases, oldid[p], &l);
            m->phr_off[p] = blob.len;
            if (ty_buf_append(&blob, q, l) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->phr_blob = blob.p;
        m->phr_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&blob);
    free(newid);
    free(oldid);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory collecting phrases");
    return rc;
}

/* ============================================================== factor */

/* SVD passes as the builder's "svd" progress stage. */
static void svd_progress(void *ud, uint64_t done, uint64_t total) {
    tenyo_builder *b = ud;
    b->o.progress(b->o.progress_ud, "svd", done, total);
}

void ty_builder_tf_park(uint32_t **tf, uint64_t nnz, ty_buf *park) {
    if (!*tf || !nnz) return;
    for (uint64_t i = 0; i < nnz; i++) {
        if (park->len + 10 >= park->cap &&
            ty_buf_reserve(park, park->len ? park->len / 4 + 16 : (size_t)nnz + 16)) {
            ty_buf_free(park); /* no room: they stay */
            return;
        }
        park->len += (size_t)ty_leb_put((unsigned char *)park->p + park->len, (*tf)[i]);
    }
    free(*tf);
    *tf = NULL;
}

int ty_builder_tf_unpark(uint32_t **tf, uint64_t nnz, ty_buf *park, char *err, size_t errlen) {
    if (!park->p) return TENYO_OK;
    uint32_t *t = ty_mallocarray((size_t)nnz, sizeof *t);
    if (!t) {
        ty_seterr(err, errlen, "out of memory for the term counts of %llu non-zeros",
                  (unsigned long long)nnz);
        return TENYO_ERR_NOMEM;
    }
    const unsigned char *q = (const unsigned char *)park->p, *e = q + park->len;
    for (uint64_t i = 0; i < nnz; i++) {
        uint64_t v = 0;
        (void)ty_leb_get(&q, e, &v); /* our own bytes, well formed */
        t[i] = (uint32_t)v;
    }
    *tf = t;
    ty_buf_free(park);
    return TENYO_OK;
}

/* The SVD's hook before its transpose (ty_svd_opts.before_at). */
static void kw_wait(void *ud) { ty_bld_kw_wait(ud); }

static int build_lsa(tenyo_builder *b, ty_model *m) {
    uint64_t mn = m->ndocs < m->nterms ? m->ndocs : m->nterms;
    uint64_t k = b->o.dim > 0 ? (uint64_t)b->o.dim : 256;
    if (k > mn / 2) k = mn / 2;
    if (k == 0 && mn > 0) k = 1;
    if (b->o.dim == TY_BUILD_NO_LSA) k = 0; /* a segment: folded in later */
    m->dim = (uint32_t)k;
    if (k == 0) return TENYO_OK;
    m->sigma = ty_calloc(k, sizeof *m->sigma);
    m->basis = ty_mallocarray(m->nterms * k, sizeof *m->basis);
    /* shared: this process's block's vectors only (each keeps its own) */
    uint64_t here = b->sh.size > 1 ? m->tfidf.nrows : m->ndocs;
    m->docvec = ty_mallocarray(here ? here * k : 1, sizeof *m->docvec);
    if (!m->sigma || !m->basis || !m->docvec) {
        ty_seterr(b->err, sizeof b->err, "out of memory for LSA (rank %llu)",
                  (unsigned long long)k);
        return TENYO_ERR_NOMEM;
    }
    ty_svd_opts so = {.rank = (int)k, .oversample = b->o.oversample,
                      .power_iters = b->o.power_iters, .seed = b->o.seed,
                      .threads = b->o.threads, .progress = b->o.progress ? svd_progress : NULL,
                      .progress_ud = b, .before_at = kw_wait, .before_at_ud = b};
    if (b->sh.size > 1) /* shared: m->tfidf is this process's block */
        return b->sh.lsa(b->sh.ud, &m->tfidf, m->ndocs, &so, m->sigma, m->basis,
                         m->docvec, b->err, sizeof b->err);
    int rc = ty_svd_randomized(&m->tfidf, &so, NULL, m->sigma, m->basis,
                               b->err, sizeof b->err);
    if (rc) return rc;
    ty_builder_docvecs(&m->tfidf, m->basis, k, m->docvec, b->o.threads);
    return TENYO_OK;
}

void ty_builder_docvecs(const ty_csr *a, const float *v, uint64_t k,
                        float *docvec, int threads) {
    ty_csr_mul_dense(a, v, k, docvec, threads);
    for (uint64_t i = 0; i < a->nrows; i++) {
        float *x = docvec + i * k;
        double n = 0;
        for (uint64_t j = 0; j < k; j++) n += (double)x[j] * x[j];
        if (n > 0) {
            float inv = (float)(1.0 / sqrt(n));
            for (uint64_t j = 0; j < k; j++) x[j] *= inv;
        }
    }
}

/* ======================================================== after the SVD */

/* A shared build, process 0: each process holds its block's rows and
 * vectors after the SVD; what follows fetches only what it needs. */

/* The k-means assignment step of a shared build (ty_ivf_assign_fn): each
 * process assigns the sample rows of its own block (sh.ksample); the
 * update stays in ty_ivf_train_with, here, over the gathered sample. */
typedef struct ksample_job {
    tenyo_builder *b;     /* its sh.ksample and sh.ud */
    const float *smp;     /* the sample's vectors, in docs' order */
    const uint64_t *docs; /* the sample's documents (ascending), NULL: all */
    uint64_t nrows;       /* documents */
    int threads;          /* assignment threads per process */
} ksample_job;

static int ksample_step(void *ud, const float *cent, uint32_t nlist, uint32_t dim, uint64_t m,
                        uint32_t *asg, char *err, size_t errlen) {
    const ksample_job *j = ud;
    return j->b->sh.ksample(j->b->sh.ud, j->smp, j->docs, m, j->nrows, dim, cent, nlist,
                            j->threads, asg, err, errlen);
}

/* The IVF over every process's vectors (ty_ivf_build in steps): the
 * sample's vectors gathered here (train of them, or all when the sample
 * is the whole), k-means here with each iteration's assignment step on
 * the processes that hold the sample rows (only the assignments, 4 bytes
 * a sample row, come back; the update here in sample order), the
 * centroids to every process, which assigns its own vectors; the
 * assignments (4 bytes a document) make the lists. The same blob as
 * ty_ivf_build over all the vectors. */
static int share_ivf(tenyo_builder *b, ty_model *m, const ty_ivf_opts *io, ty_ivf *iv) {
    ty_ivf_plan p;
    float *smp = NULL;
    uint32_t *asg = NULL;
    int rc = ty_ivf_plan_new(m->ndocs, m->dim, io, &p, b->err, sizeof b->err);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    smp = ty_mallocarray(p.train, (size_t)m->dim * sizeof *smp);
    asg = ty_mallocarray(m->ndocs, sizeof *asg);
    if (!smp || !asg) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the IVF's sample");
        goto done;
    }
    rc = b->sh.vecs(b->sh.ud, m->docvec, m->tfidf.nrows, m->ndocs, m->dim, p.pick,
                    p.pick ? p.train : m->ndocs, smp, b->err, sizeof b->err);
    if (!rc) {
        ksample_job kj = {b, smp, p.pick, m->ndocs, io->threads};
        rc = ty_ivf_train_with(&p, smp, ksample_step, &kj, iv, b->err, sizeof b->err);
    }
    free(smp);
    smp = NULL;
    if (!rc)
        rc = b->sh.assign(b->sh.ud, iv, m->docvec, m->tfidf.nrows, m->ndocs, io->threads, asg,
                          b->err, sizeof b->err);
    if (!rc && (rc = ty_ivf_lists(iv, asg)))
        ty_seterr(b->err, sizeof b->err, rc == TENYO_ERR_NOMEM ? "out of memory for the IVF"
                                                               : "a process assigned a "
                                                                 "vector to no IVF list");
done:
    if (rc) ty_ivf_free(iv);
    ty_ivf_plan_free(&p);
    free(smp);
    free(asg);
    return rc;
}

/* The field model from its training rows only (every s-th document,
 * model/linear.c), gathered here: the same model as from every row. */
static int share_fieldmodel(tenyo_builder *b, ty_model *m, ty_fieldmodel *fm) {
    memset(fm, 0, sizeof *fm);
    uint64_t step = ty_fieldmodel_step(m->ndocs), n = (m->ndocs + step - 1) / step;
    uint64_t *docs = ty_mallocarray(n ? n : 1, sizeof *docs);
    ty_csr rows = {0};
    if (!docs) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the field model's rows");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < n; i++) docs[i] = i * step;
    int rc = b->sh.rows(b->sh.ud, &m->tfidf, m->ndocs, docs, n, &rows, b->err, sizeof b->err);
    free(docs);
    if (!rc) rc = ty_fieldmodel_train_rows(m, &rows, 1, 1, fm);
    ty_csr_free(&rows);
    return rc;
}

/* ================================================================ write */

/* m as a sharded index at path: every file here, or (rows_stay: m holds
 * this process's block of rows and vectors only, nnz non-zeros in all,
 * float16 vectors with f16) each shard where the share's shards callback
 * has it written (tenyo-mpi: by its process, with its rows and vectors
 * from the processes that hold them); the manifest last, here, once
 * every shard is reported. */
static int write_shards(tenyo_builder *b, ty_model *m, const char *path, int rows_stay,
                        uint64_t nnz, int f16, int any_abs) {
    uint32_t n = (uint32_t)b->o.shards;
    if (n > 1 && n > m->ndocs) { /* a file per shard, most of them empty */
        ty_seterr(b->err, sizeof b->err, "%s: %u shards for %llu documents: at most one shard "
                  "per document; nothing written", path, n, (unsigned long long)m->ndocs);
        return TENYO_ERR_ARG;
    }
    if (!rows_stay)
        return ty_store_write_shards(m, path, n, NULL, b->err, sizeof b->err);
    /* shared: m's rows and vectors are this process's block; each
     * shard's writer gets them from the processes that hold them, and
     * with ty_bld_docs_elsewhere makes its documents' metadata from their live
     * records (recs) */
    ty_shards_out *o = NULL;
    int slim = ty_bld_docs_elsewhere(b);
    uint64_t *recs = slim ? ty_mallocarray(b->n ? b->n : 1, sizeof *recs) : NULL;
    if (slim && !recs) {
        ty_seterr(b->err, sizeof b->err, "out of memory for the documents' record numbers");
        return TENYO_ERR_NOMEM;
    }
    for (size_t i = 0; slim && i < b->n; i++) recs[i] = b->docs[i].rec;
    int rc = ty_shards_begin_meta(m, path, n, nnz, slim, any_abs, &o, b->err, sizeof b->err);
    if (!rc)
        rc = b->sh.shards(b->sh.ud, o, n, m->ndocs, &m->tfidf, &m->tf, &m->docvec, m->dim, f16,
                          recs, any_abs, b->err, sizeof b->err);
    free(recs);
    if (!rc) rc = ty_shards_commit(o, b->err, sizeof b->err);
    ty_shards_out_free(o);
    return rc;
}

int ty_builder_doc_meta(const tenyo_doc *d, ty_buf *meta, ty_buf *abs) {
    if (!d || !d->id || !meta) return TENYO_ERR_ARG;
    char *mb = ty_bld_make_meta(d, 1), *fs = NULL;
    ty_buf fl = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!mb) goto done;
    bdoc one = {.meta = mb};
    if (ty_bld_fields_of(ty_bld_meta_get(&one, BM_CODES), &fl) || !(fs = ty_bld_fields_string(&fl))) goto done;
    /* ty_bld_build_meta's order: id, title, applicant, date, codes, fields */
    for (int k = 0; k < BM_N; k++) {
        const char *x = ty_bld_meta_get(&one, k);
        if (ty_buf_append(meta, x, strlen(x) + 1)) goto done;
    }
    if (ty_buf_append(meta, fs, strlen(fs) + 1)) goto done;
    if (abs) {
        int oom;
        char *a = ty_bld_keep_abstract(0, d->abstract, &oom);
        if (oom) goto done;
        int bad = ty_buf_append(abs, a ? a : "", a ? strlen(a) + 1 : 1);
        free(a);
        if (bad) goto done;
    }
    rc = TENYO_OK;
done:
    free(mb);
    free(fs);
    ty_buf_free(&fl);
    return rc;
}

/* The approximate-search lists over the document vectors, into m's ivf
 * section (shared: k-means over the processes). */
static int write_ivf(tenyo_builder *b, ty_model *m, int shared) {
    int rc;
    /* approximate-search lists over the document vectors */
    if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 0, 1);
    ty_ivf_opts io = {0};
    io.nlist = b->o.ivf_lists > 0 ? (uint32_t)b->o.ivf_lists : 0;
    io.seed = b->o.seed;
    ty_ivf iv;
    memset(&iv, 0, sizeof iv);
    ty_buf blob = {0};
    rc = shared ? share_ivf(b, m, &io, &iv)
                : ty_ivf_build(m->docvec, m->ndocs, m->dim, &io, &iv, b->err, sizeof b->err);
    if (!rc) rc = ty_ivf_write(&iv, &blob);
    ty_ivf_free(&iv);
    if (rc) {
        ty_buf_free(&blob);
        return rc;
    }
    m->ivf_blob = blob.p;
    m->ivf_len = blob.len;
    if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 1, 1);
    return TENYO_OK;
}

/* The field model ideas uses (model/linear.c), stored in m; its seconds
 * into *tfm. */
static int write_fieldmodel(tenyo_builder *b, ty_model *m, int shared, double *tfm) {
    int rc;
    /* the field model ideas uses (model/linear.c), stored */
    if (b->o.progress) b->o.progress(b->o.progress_ud, "fields", 0, 1);
    *tfm = ty_now();
    ty_fieldmodel fm;
    ty_buf blob = {0};
    rc = shared ? share_fieldmodel(b, m, &fm)
                : ty_fieldmodel_train_workers(m, b->o.threads, &fm);
    if (!rc) rc = ty_fieldmodel_write(&fm, m, &blob);
    ty_fieldmodel_free(&fm);
    if (rc) {
        ty_buf_free(&blob);
        return rc;
    }
    m->fm_blob = blob.p;
    m->fm_len = blob.len;
    *tfm = ty_now() - *tfm;
    if (b->o.progress) b->o.progress(b->o.progress_ud, "fields", 1, 1);
    return TENYO_OK;
}

/* Every term's facts (the section "termfacts", api/termfacts.c), stored
 * in m; its seconds into *ttf. Not for a segment (its facts are never
 * read: an index with updates has its judge compute them), nor for a
 * sharded index: tenyo-mpi's shards keep their rows on their processes,
 * and the one-process writer makes the same files as tenyo-mpi.
 *
 * Their first pass, an ipadic and a JUMAN analysis of every term (about
 * 10 us a term), reads only the vocabulary, final once the weighting has
 * numbered it: with more than one thread it runs on a thread of its own
 * from then (tf_lex_start) beside the SVD, whose Cholesky and small
 * products leave a core partly idle on two, and is taken before the field
 * model (tf_lex_join; the model's workers are forked, with no other thread
 * running); the corpus passes, which need the documents' fields, follow
 * here (ty_tf_finish). Under an address-space limit (ulimit -v) both run
 * here, as on one thread: the dictionaries' mappings would count beside
 * the SVD's. The same bytes either way (ty_tf_build is the two passes in
 * a row). */
typedef struct tf_fly {
    pthread_t th;
    const ty_model *m;
    const char *dicdir;
    ty_tf_lexed *lx; /* the pass's result */
    int rc, started;
    char err[TY_ERRLEN];
} tf_fly;

static int tf_wanted(const tenyo_builder *b) {
    return b->o.dim != TY_BUILD_NO_LSA && b->o.shards <= 0;
}

static void *tf_lex_main(void *arg) {
    tf_fly *f = arg;
    f->rc = ty_tf_lex(f->m, f->dicdir, &f->lx, f->err, sizeof f->err);
    return NULL;
}

/* Start the first pass on its own thread (m's vocabulary final), when
 * the build has threads to spare and will write the section. */
static void tf_lex_start(tenyo_builder *b, const ty_model *m, int shared, tf_fly *f) {
    memset(f, 0, sizeof *f);
    struct rlimit rl;
    if (!tf_wanted(b) || b->o.threads < 2 || shared) return;
    if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur != RLIM_INFINITY) return;
    f->m = m;
    f->dicdir = b->dicdir;
    f->started = pthread_create(&f->th, NULL, tf_lex_main, f) == 0;
}

/* Wait for the first pass (if started), the wait added to *wait. */
static void tf_lex_join(tf_fly *f, double *wait) {
    if (!f->started) return;
    double t0 = ty_now();
    pthread_join(f->th, NULL);
    f->started = 0;
    *wait += ty_now() - t0;
}

static int write_termfacts(tenyo_builder *b, ty_model *m, tf_fly *f, double *ttf) {
    if (!tf_wanted(b)) return TENYO_OK;
    double t0 = ty_now();
    ty_buf blob = {0};
    int rc;
    if (f->lx || f->rc) { /* the first pass ran on its thread */
        rc = f->rc;
        if (rc) ty_seterr(b->err, sizeof b->err, "%s", f->err);
        else rc = ty_tf_finish(m, f->lx, &blob, b->err, sizeof b->err);
    } else {
        rc = ty_tf_build(m, b->dicdir, &blob, b->err, sizeof b->err);
    }
    if (rc) return rc;
    m->tf_blob = blob.p;
    m->tf_len = blob.len;
    *ttf += ty_now() - t0;
    return TENYO_OK;
}

/* The stored TF-IDF postings (section "tfidf.post", search/tpost.c), in
 * m. Not for a segment (an index with updates reads its merged rows) nor
 * a sharded index (as the term facts), nor without the term counts. */
static int write_tpost(tenyo_builder *b, ty_model *m) {
    if (b->o.dim == TY_BUILD_NO_LSA || b->o.shards > 0 || !m->tf || !m->idf) return TENYO_OK;
    ty_buf blob = {0};
    int rc = ty_tpost_pack(&m->tfidf, m->tf, m->idf, m->nterms, b->o.threads, &blob, b->err,
                           sizeof b->err);
    if (rc) {
        ty_buf_free(&blob);
        return rc;
    }
    m->tp_blob = blob.p;
    m->tp_len = blob.len;
    return TENYO_OK;
}

/* How the index was made, recorded in m (tokenizer identity, writer,
 * options) so that a mismatched query is refused, and the IPC titles:
 * those given as a blob, then the files, read (and so checked) now. */
static int record_build(tenyo_builder *b, ty_model *m) {
    m->tokenizer = ty_strdup(ty_tokenizer_identity(b->tok));
    m->writer = ty_strdup("tenyo " TENYO_VERSION_STRING);
    m->mecab_dicdir = ty_strdup(b->dicdir ? b->dicdir : "");
    if (!m->tokenizer || !m->writer || !m->mecab_dicdir) return TENYO_ERR_NOMEM;
    m->keep_parts = b->o.tok.keep_parts;
    m->stem = b->o.tok.stem;
    m->seed = b->o.seed;
    m->min_df = b->o.min_df;
    m->max_df_ratio = b->o.max_df_ratio;
    m->oversample = b->o.oversample;
    m->power_iters = b->o.power_iters;
    m->max_terms = b->o.max_terms > 0 ? (uint32_t)b->o.max_terms : 0;
    m->created = 0; /* not stored: identical input gives identical bytes */
    if (b->o.nipc_titles || b->labels) {
        /* IPC titles recorded in the index: those given as a blob, then
         * the files, read (and so checked) now */
        ty_labels *lab = NULL;
        ty_buf lb = {0};
        int rc = ty_labels_new(&lab);
        if (!rc && b->labels)
            rc = ty_labels_deserialize(lab, b->labels, b->labels_len, b->err,
                                       sizeof b->err);
        for (size_t i = 0; i < b->o.nipc_titles && !rc; i++)
            rc = ty_labels_load(lab, b->o.ipc_titles[i], b->err, sizeof b->err);
        if (!rc) rc = ty_labels_serialize(lab, &lb);
        ty_labels_free(lab);
        if (rc) {
            ty_buf_free(&lb);
            return rc;
        }
        m->labels_blob = lb.p;
        m->labels_len = lb.len;
    }
    return TENYO_OK;
}

int tenyo_builder_write(tenyo_builder *b, const char *path,
                        tenyo_build_stats *st) {
    if (!b || !path) return TENYO_ERR_ARG;
    if (st) memset(st, 0, sizeof *st);
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (b->n == 0) {
        ty_seterr(b->err, sizeof b->err, "no documents to index");
        return TENYO_ERR_EMPTY;
    }
    if (b->t0 == 0) b->t0 = ty_now();
    ty_model m = {0};
    ty_buf tfpark = {0}; /* the counts while the SVD runs (ty_builder_tf_park) */
    tf_fly tfly = {0};   /* the term facts' first pass on its thread */
    double ttf = 0;      /* the term facts' seconds (write_termfacts) */
    char **fstr = NULL;
    uint32_t *remap = NULL;
    int shared = b->sh.size > 1; /* rank 0 of tenyo-mpi index */
    b->written = 1;
    /* between the first add and now, what was not tokenizing: the
     * caller reading and parsing its records, and copying them in */
    double tread = ty_now() - b->t0 - b->sec_tok;
    /* the last batch; its progress ends the stage (done == total) */
    int rc = ty_bld_tokenize_batch(b);
    if (rc) goto done;
    if (b->o.progress)
        b->o.progress(b->o.progress_ud, "tokenize", b->tokenized, b->tokenized);
    rc = ty_bld_kw_start(b); /* beside the weighting, the SVD and the field model */
    if (rc) goto done;
    uint64_t empty = 0;
    for (size_t i = 0; i < b->n; i++) empty += b->docs[i].nterms == 0;
    m.ndocs = b->n;
    double tw0 = ty_now();
    rc = ty_bld_build_tfidf(b, &m, &remap);
    if (rc) goto done;
    rc = build_extras(b, &m, remap);
    if (rc) goto done;
    tf_lex_start(b, &m, shared, &tfly); /* the term facts' first pass, beside the SVD */
    ty_bld_release_terms(b); /* all in m now: lower the peak before the SVD */
    if (b->o.progress)
        b->o.progress(b->o.progress_ud, "svd", 0, 2 * (uint64_t)b->o.power_iters + 3);
    double t3 = ty_now();
    /* the counts, read by nothing while the SVD runs, parked (api.h) */
    uint64_t nnz_here = m.tfidf.rowptr ? m.tfidf.rowptr[m.tfidf.nrows] : 0;
    ty_builder_tf_park(&m.tf, nnz_here, &tfpark);
    rc = build_lsa(b, &m);
    if (!rc) rc = ty_builder_tf_unpark(&m.tf, nnz_here, &tfpark, b->err, sizeof b->err);
    if (rc) goto done;
    double t3s = ty_now();
    int ivf = b->o.ivf_lists != 0 && m.dim > 0 && m.ndocs > 0;
    if (ivf) {
        rc = write_ivf(b, &m, shared);
        if (rc) goto done;
    }
    double t4 = ty_now(), tfm = 0;
    rc = TENYO_ERR_NOMEM;
    int any_abs = 0, slim = ty_bld_docs_elsewhere(b); /* slim: no document text here */
    fstr = slim ? NULL : ty_calloc(b->n, sizeof *fstr);
    if (!slim && !fstr) goto done;
    rc = ty_bld_build_fields(b, &m, fstr);
    if (rc) goto done;
    rc = ty_bld_build_meta(b, &m, fstr, &any_abs);
    if (rc) goto done;
    tf_lex_join(&tfly, &ttf); /* before the field model forks its workers */
    if (m.dim > 0 && m.nfields > 1) {
        rc = write_fieldmodel(b, &m, shared, &tfm);
        if (rc) goto done;
    }
    /* sharded with a share (tenyo-mpi, any P): the rows and vectors stay
     * on their processes, each shard's writer gets its own from them
     * (write_shards); else shared, every process's rows and vectors come
     * here, for the file */
    int rows_stay = b->o.shards > 0 && b->sh.shards && b->sh.nnz;
    uint64_t nnz = 0;
    if (rows_stay) {
        uint64_t own = m.tfidf.rowptr ? m.tfidf.rowptr[m.tfidf.nrows] : 0;
        rc = b->sh.nnz(b->sh.ud, own, &nnz, b->err, sizeof b->err);
        if (rc) goto done;
    } else if (shared) {
        rc = b->sh.gather(b->sh.ud, &m.tfidf, &m.tf, &m.docvec, m.dim, m.ndocs, b->err,
                          sizeof b->err);
        if (rc) goto done;
    }
    if (!rows_stay) nnz = m.tfidf.rowptr[m.ndocs];
    /* every term's facts (every row is here: not sharded) */
    rc = write_termfacts(b, &m, &tfly, &ttf);
    if (rc) goto done;
    rc = write_tpost(b, &m);
    if (rc) goto done;
    if (ivf && b->o.f16_vectors && !rows_stay) {
        /* the float16 copy the IVF re-ranks from (section docvec.f16),
         * rounded from the float vectors before they are quantised */
        m.doc_h = ty_mallocarray((size_t)m.ndocs * m.dim, sizeof *m.doc_h);
        if (!m.doc_h) {
            rc = TENYO_ERR_NOMEM;
            ty_seterr(b->err, sizeof b->err, "out of memory for the float16 vectors");
            goto done;
        }
        ty_f16_from_floats(m.docvec, (size_t)m.ndocs * m.dim, m.doc_h);
    }
    rc = record_build(b, &m);
    if (rc) goto done;
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 0, 1);
    double t5 = ty_now();
    m.write_threads = b->o.threads;
    m.no_docapp = b->o.dim == TY_BUILD_NO_LSA; /* a segment: the merge numbers none */
    rc = b->o.shards > 0 ? write_shards(b, &m, path, rows_stay, nnz,
                                        ivf && b->o.f16_vectors, any_abs)
                         : ty_store_write(&m, path, b->err, sizeof b->err);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto done; /* unsynced: written, stats too */
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 1, 1);
    if (st) {
        st->docs = m.ndocs;
        st->duplicates = b->duplicates;
        st->empty = empty;
        st->terms = m.nterms;
        st->nnz = nnz;
        st->dim = (int)m.dim;
        st->sec_tokenize = b->sec_tok;
        st->sec_svd = t3s - t3;
        st->sec_total = ty_now() - b->t0;
        st->sec_weight = t3 - tw0;
        st->sec_ivf = ivf ? t4 - t3s : 0;
        st->sec_fieldmodel = tfm;
        st->sec_termfacts = ttf;
        st->sec_write = ty_now() - t5;
        st->sec_read = tread > 0 ? tread : 0;
        st->sec_keywords = b->sec_kw;
        st->file_bytes = m.file_bytes;
    }
done:
    tf_lex_join(&tfly, &ttf); /* reads m: before it is freed */
    ty_tf_lexed_free(tfly.lx);
    ty_buf_free(&tfpark);
    if (fstr)
        for (size_t i = 0; i < b->n; i++) free(fstr[i]);
    free(fstr);
    free(remap);
    ty_model_free(&m);
    ty_bld_kw_drop(b); /* taken at the metadata, unless the write failed before */
    ty_bld_fly_drop(b); /* landed at the start; its arrays */
    ty_bld_release(b); /* the builder is spent: give its memory back now */
    if (rc == TENYO_ERR_NOMEM && !b->err[0])
        ty_seterr(b->err, sizeof b->err, "out of memory");
    return rc;
}
