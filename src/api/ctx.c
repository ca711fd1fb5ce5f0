/*
 * ctx.c — tenyo_ctx, the per-thread query context, and the scan that
 * scores every document for one query: the settings (hybrid weight, threads,
 * IVF probes, re-ranking, scan kernel), the sparse TF-IDF walk (postings or
 * rows, or the pruned scan), the LSA scan (float or int8 rows), the filter
 * applied right after scoring, and a query split over threads or over the
 * processes of a shared scan (tenyo-mpi serve). ty_ctx_score leaves the
 * scores in c->s1; query.c ranks them.
 *
 * A context owns what a query needs to be fast and thread-private: the dense
 * scatter array for TF-IDF scoring, two score arrays for hybrid mode, the
 * folded-in LSA vector, and — created on the first free-text query — a
 * tokenizer configured like the one that built the index. Contexts share
 * the index read-only, so any number of them may search one index
 * concurrently without locks.
 *
 * Hybrid scores are w * cos_tfidf + (1 - w) * cos_lsa with w = 0.7 by
 * default (best of 0.5 / 0.7 on the development split of both corpora,
 * Protocol S; see README): sparse TF-IDF rewards exact technical terms, LSA
 * recovers related vocabulary.
 *
 * A context may carry a filter (api/filter.c, tenyo_ctx_set_filter): the
 * scan scores the documents it leaves out -inf right after scoring, before
 * the int8 re-scoring picks its candidates and before any top-k, so every
 * ranking (similar, the ideas neighbours, keyword search) is drawn from the
 * matching documents only; filtered queries skip the IVF (its lists are cut
 * before a filter could apply).
 */
#include "api/api.h"

#include "model/blas.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    for (int i = 0; c->tokmemo && i < TY_TOKMEMO_SLOTS; i++) {
        ty_buf_free(&c->tokmemo[i].text);
        ty_buf_free(&c->tokmemo[i].terms);
    }
    free(c->tokmemo);
    free(c->qdense);
    free(c->s1);
    free(c->s2);
    free(c->s2_q);
    free(c->qlsa);
    ty_ivf_scratch_free(&c->ivs);
    ty_prune_scratch_free(&c->ps);
    free(c->qt);
    free(c->qw);
    ty_buf_free(&c->qtext);
    ty_buf_free(&c->abuf);
    ty_abs_cur_free(&c->acur);
    ty_buf_free(&c->qbuf);
    ty_buf_free(&c->why_q);
    ty_buf_free(&c->why_e);
    if (c->ideas_free) c->ideas_free(c->ideas);
    free(c);
}

int tenyo_doc_abstract(tenyo_ctx *c, uint64_t doc, const char **text, size_t *len) {
    if (!c || !text || doc >= c->idx->m.ndocs) return TENYO_ERR_ARG;
    int rc = ty_abs_read(c->idx->m.abs, &c->acur, doc, &c->abuf, c->err, sizeof c->err);
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
 * TF-IDF cosine too (their rows read, a block of rows at a time where the
 * index reads them lazily). Every other document scores -inf, so rankings,
 * field votes and phrase evidence see the candidates only. A document
 * whose TF-IDF match is strong but whose LSA vector is far is missed: that
 * is the approximation (recall against the exact ranking:
 * bench/ann_bench.c). Returns 0, 1 when the search could not run (the
 * caller scans), or a negative error (a damaged row). */
static int score_ivf(tenyo_ctx *c, tenyo_mode mode, size_t qn, size_t need) {
    const ty_model *m = &c->idx->m;
    size_t r = c->rerank ? (c->rerank > need ? c->rerank : need)
                         : need * 4 > 256 ? need * 4 : 256;
    if (r > m->ndocs) r = m->ndocs;
    tenyo_hit *cand = ty_mallocarray(r ? r : 1, sizeof *cand);
    if (!cand) return 1;
    ty_ivf_query q = {c->nprobe, r, m->doc_h, &c->idx->q8};
    int n = ty_ivf_search(c->idx->ivf, NULL, c->qlsa, r, &q, &c->ivs, cand);
    if (n < 0) {
        free(cand);
        return 1;
    }
    if (mode == TENYO_MODE_HYBRID && n > 0) {
        int rc = ty_model_need_rows(m, &cand[0].doc, (size_t)n, sizeof *cand, c->err,
                                    sizeof c->err);
        if (rc) {
            free(cand);
            return rc;
        }
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
 * operations). The stored postings' walk (score_stored) is one part of
 * its own beside the LSA scan's ranges: a list read from its frame cannot
 * be cut by documents without reading it to the range.
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

int ty_ctx_need_rows(tenyo_ctx *c, const uint64_t *docs, size_t n, size_t stride) {
    int nt = ctx_enter(c);
    int rc = ty_model_need_rows_nt(&c->idx->m, docs, n, stride, nt, c->err, sizeof c->err);
    ctx_leave(nt);
    return rc;
}

int ty_ctx_cooccur_rows(tenyo_ctx *c, const int64_t *a, int n, uint32_t *rows) {
    int nt = ctx_enter(c);
    int rc = ty_cooccur_rows_nt(c->idx, a, n, rows, nt);
    ctx_leave(nt);
    return rc;
}

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
    int tf_done;             /* 1: s1 holds the TF-IDF scores already (the
                                stored postings' walk, score_stored) */
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
        if (j->tf_done)
            ; /* s1 holds them (score_stored) */
        else if (j->post)
            ty_scan_tfidf_postings_range(&x->post, j->t, j->w, j->nt, d0, d1, s);
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

/* The stored postings' scan (ty_index_tpost, open): the TF-IDF scores of
 * every document walked into s1 from the lists of the distinct query terms
 * (ty_tpost_walk_part: each list read from the section, in ascending term
 * order, so every score is the float the transposed rows' walk sums, bit
 * for bit), in the first parts of a claim whose other parts are the LSA
 * scan's ranges. Stored postings in blocks (layout 2) are walked in parts
 * cut by documents (QPAR_PARTS a thread, ty_tpost_nparts), each adding
 * into its own documents' scores: the threads share the walk, and then
 * the scan; layout 1's frames are walked by one thread while the others
 * scan. Then the combination and the filter by ranges (score_split,
 * tf_done). Why not copy the lists out and walk them by ranges as the
 * transposed rows are: a patent's 200-odd terms hold 46 million postings
 * at 1M documents, 370 MB written and read again. 0, or the status with
 * c->err set (the first failing part's message). */
typedef struct stored_job {
    score_job *j;            /* its distinct terms and weights: j->t, j->w */
    int wparts;              /* the walk's parts (0 .. wparts - 1) */
    int parts;               /* the LSA scan's ranges (the parts after) */
    char (*werr)[TY_ERRLEN]; /* each walk part's message */
} stored_job;

static int stored_part(void *ud, int t, int nparts) {
    (void)nparts;
    stored_job *sj = ud;
    score_job *j = sj->j;
    tenyo_ctx *c = j->c;
    const tenyo_index *x = c->idx;
    if (t < sj->wparts)
        return ty_tpost_walk_part(x->tpost, j->t, j->w, j->nt, x->m.idf, c->s1,
                                  (uint32_t)t, (uint32_t)sj->wparts, sj->werr[t], TY_ERRLEN);
    t -= sj->wparts;
    uint64_t n = x->m.ndocs;
    score_docs(j, ty_split(n, t, sj->parts), ty_split(n, t + 1, sj->parts));
    return 0;
}

/* The query's terms as terms_begin makes them for the postings (freed by
 * terms_end, also on failure here). */
static int score_stored(tenyo_ctx *c, score_job *j, size_t qn) {
    terms_begin(c, j, qn, 1);
    if (!j->post) {
        ty_seterr(c->err, sizeof c->err, "out of memory for a query's terms");
        terms_end(c, j, qn);
        return TENYO_ERR_NOMEM;
    }
    stored_job sj = {j, 1, 0, NULL};
    int rest = j->rest;
    j->rest = 0; /* the first pass: the LSA scan alone beside the walk */
    int nt = ctx_enter(c);
    sj.wparts = (int)ty_tpost_nparts(c->idx->tpost, (uint32_t)(nt > 1 ? QPAR_PARTS * nt : 1));
    sj.parts = j->lsa_scan ? QPAR_PARTS * nt : 0;
    sj.werr = ty_calloc((size_t)sj.wparts, sizeof *sj.werr);
    int rc = TENYO_ERR_NOMEM;
    if (sj.werr)
        rc = nt > 1 || sj.parts || sj.wparts > 1
                 ? ty_parallel_claim(nt, sj.wparts + sj.parts, stored_part, &sj)
                 : stored_part(&sj, 0, 1);
    ctx_leave(nt);
    if (rc) {
        if (!sj.werr) ty_seterr(c->err, sizeof c->err, "out of memory for a query's walk");
        for (int i = 0; sj.werr && i < sj.wparts; i++)
            if (sj.werr[i][0]) {
                ty_seterr(c->err, sizeof c->err, "%s", sj.werr[i]);
                break;
            }
        free(sj.werr);
        terms_end(c, j, qn);
        return rc;
    }
    free(sj.werr);
    j->lsa_scan = 0;
    j->rest = rest;
    j->tf_done = 1;
    return TENYO_OK;
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
int ty_ctx_scan_int8(const tenyo_ctx *c) {
    const ty_model *m = &c->idx->m;
    if (ty_index_need_query(c->idx, NULL, 0)) return 0; /* the query says why */
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

/* Room for n query terms in c->qt / c->qw (grown, never shrunk). */
int ty_ctx_reserve_query(tenyo_ctx *c, size_t n) {
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
    int vrc = ty_index_need_vectors(x, c->err, sizeof c->err);
    if (vrc) return vrc;
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
    if (ty_ctx_reserve_query(c, qn + 1)) return TENYO_ERR_NOMEM;
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
                   h[SH_MASKED] ? (const uint8_t *)p : NULL, 0};
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
    int approx = mode != TENYO_MODE_TFIDF && ty_ctx_scan_int8(c);
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
    int had = c->s2_kind; /* s2's scan, if this query's (below) */
    c->s2_kind = 0;       /* every path may write s2 */
    /* through the IVF lists (nprobe set, the index has them, no filter:
     * the lists would be cut before it): the codes alone, the probed
     * lists' members scored from them, the candidates' own rows read */
    int vrc, ivf = mode != TENYO_MODE_TFIDF && !c->pre_lsa && c->nprobe && c->idx->ivf && m->dim;
    if (ivf) {
        int frc;
        const uint8_t *fmask = ty_ctx_mask(c, &frc);
        if (frc) return frc;
        vrc = ty_index_need_codes(c->idx, c->err, sizeof c->err);
        if (vrc) return vrc;
        if (!fmask) {
            int irc = score_ivf(c, mode, qn, need);
            if (irc <= 0) return irc; /* 0 done, an error; 1: scan */
        }
    }
    /* a pruned or shared scan reads the rows' statistics whole */
    tenyo_index *xv = (tenyo_index *)c->idx; /* logically const, as the rows */
    vrc = xv->prune || xv->share.scan ? ty_index_need_vectors(xv, c->err, sizeof c->err)
                                      : ty_index_need_scan(xv, c->err, sizeof c->err);
    if (vrc) return vrc;
    /* the TF-IDF side: the stored postings of the query's terms where the
     * index has them, its rows are not all decoded (ideas, match and
     * similar ID decode the blocks of the rows they read: ty_model_need_rows;
     * a caller that decoded every row gathers from them, as without the
     * section) and the
     * full scan below walks them (postings built from the rows when scans
     * repeat, TY_POSTINGS_AFTER, as without them; no IVF probe, no shared
     * scan), else the sparse rows, decoded on first use */
    tenyo_index *xs = (tenyo_index *)c->idx; /* logically const, as the rows */
    int stored = 0;
    if (mode != TENYO_MODE_LSA && xs->post_policy == TY_POSTINGS_AUTO &&
        !ty_model_rows_decoded(m) &&
        !ty_once_done(&xs->post_once) && !(c->nprobe && xs->ivf) && !xs->share.scan &&
        __atomic_load_n(&xs->tf_scans, __ATOMIC_RELAXED) + 1 < TY_POSTINGS_AFTER) {
        stored = ty_index_tpost(xs, c->err, sizeof c->err);
        if (stored < 0) return stored;
        if (stored) __atomic_add_fetch(&xs->tf_scans, 1, __ATOMIC_RELAXED);
    }
    if (mode != TENYO_MODE_LSA && !stored) {
        int rc = ty_model_need_sparse(m, c->err, sizeof c->err);
        if (rc) return rc;
    }
    /* a filter (api/filter.c): the documents it leaves out score -inf
     * before anything is ranked or re-scored; the IVF's candidate lists
     * would be cut before it, so a filtered query scans exactly */
    int frc;
    const uint8_t *mask = ty_ctx_mask(c, &frc);
    if (frc) return frc;
    /* LSA scores: computed ahead by a batch (one pass for many queries),
     * else the int8 scan (large indexes, or forced) or the exact float
     * scan of the dequantised rows (quant.c) now, in the same split as the
     * rest unless the pruned scan needs them first */
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as the rows */
    if (x->share.scan && !c->pre_lsa) return score_shared(c, mode, qn, need, mask);
    score_job j = {c, mode, 0, 0, NULL, 1, c->pre_lsa, 0, NULL, NULL, 0, mask, 0};
    ty_q8_query qp;
    int approx = j.lsa ? c->pre_approx : 0;
    /* s2 holds the scan of this very vector already (the same bits:
     * the scan reads nothing but it and the codes): read, not scanned */
    int kind = mode != TENYO_MODE_TFIDF && !j.lsa ? 2 - ty_ctx_scan_int8(c) : 0;
    int again = kind && had == kind && c->s2_q &&
                !memcmp(c->s2_q, c->qlsa, (size_t)m->dim * sizeof *c->qlsa);
    if (kind) {
        j.lsa_scan = !again;
        j.int8 = approx = kind == 1;
        if (j.int8 && !again) ty_q8_prepare(c->qlsa, x->q8.dim, &qp);
        j.qp = &qp;
        j.lsa = c->s2;
        c->s2_reused += (uint64_t)again;
    }
    int post = mode != TENYO_MODE_LSA && !stored && use_postings(c);
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
    if (stored) {
        int rc = score_stored(c, &j, qn);
        if (rc) return rc;
    } else {
        terms_begin(c, &j, qn, post);
    }
    score_split(c, &j);
    terms_end(c, &j, qn);
    if (kind && (c->s2_q || (c->s2_q = ty_mallocarray(m->dim ? m->dim : 1, sizeof *c->s2_q)))) {
        memcpy(c->s2_q, c->qlsa, (size_t)m->dim * sizeof *c->qlsa); /* s2: every document's */
        c->s2_kind = kind;
    }
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
