/*
 * technique.c — the second candidate generator: patents in far fields that
 * use the same technique as the query, whatever product they put it in.
 *
 * What a patent does is read from its parts (text/parts.c): the terms of
 * its means (【解決手段】, or the sentences that are neither purpose nor
 * effect) and its functions (an object and an action, 振動を抑制; the
 * condition it responds to, 視線に応答) from its purpose and means. The
 * neighbour generator compares whole texts, where the product's words
 * (車両, 座席, 容器) and any word shared in another sense decide; this one
 * compares what is done and by what means.
 *
 * The table (tech_table, one per index, built on first use from every
 * patent's title and abstract as the index keeps them, under the index's
 * ty_once): postings from each means term (the index's vocabulary) and from
 * each function (interned "object\x1Faction") to the patents stating it,
 * and each patent's means norm.
 *
 * A query (ty_gen_technique): its parts read the same way (a patent's own
 * title and abstract, or the text asked). Its means terms are weighted
 * idf x specificity (1 - genericity over the fields), without the product
 * words of its home fields (each home's characteristic terms of the field
 * model) and, for a patent, of its title: those are context, never a
 * bridge. A patent's score is the cosine of the two means vectors plus
 * TECH_FN_WEIGHT x the share of the query's function weight (idf of each
 * function) it states too. The TECH_TOP best patents with a field far
 * from every home vote for those fields with their score (a side code at
 * IDEAS_SIDE_WEIGHT) and are their evidence; a patent needs a means
 * cosine of TECH_MIN_COS or a shared function to count at all.
 */
#include "stages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TECH_TOP 80
#define TECH_FN_WEIGHT 0.5
#define TECH_MIN_COS 0.05
#define TECH_MAX_TERMS 256 /* means terms kept per patent */
#define TECH_MAX_FNS 64    /* functions kept per patent */

typedef struct tech_table {
    ty_strmap *fmap;    /* function key -> id */
    uint64_t *fptr;     /* nfn + 1 offsets into fdoc */
    uint32_t *fdoc;     /* patents per function, ascending */
    uint64_t *mptr;     /* nterms + 1 offsets into mdoc */
    uint32_t *mdoc;     /* patents per means term, ascending */
    float *dnorm;       /* per patent: its means vector's norm (0: none) */
    uint32_t nfn;       /* functions */
    uint64_t ndocs;     /* patents */
    uint64_t nread;     /* patents with a means part read */
} tech_table;

/* What one text states: its means terms and its functions. */
typedef struct tech_read {
    const tenyo_ctx *c;
    uint32_t mt[TECH_MAX_TERMS]; /* means terms (vocabulary ids), distinct */
    size_t nmt;
    char fk[TECH_MAX_FNS][112];  /* function keys "object\x1Faction" */
    size_t nfk;
    int part;                    /* part of the span being read */
    ty_fn_reader fr;
} tech_read;

static void tech_free(void *p) {
    tech_table *t = p;
    if (!t) return;
    ty_strmap_free(t->fmap);
    free(t->fptr);
    free(t->fdoc);
    free(t->mptr);
    free(t->mdoc);
    free(t->dnorm);
    free(t);
}

static void on_fn(void *ud, const char *o, size_t on, const char *a, size_t an) {
    tech_read *r = ud;
    if (r->nfk == TECH_MAX_FNS || on + an + 2 > sizeof r->fk[0]) return;
    char *k = r->fk[r->nfk];
    memcpy(k, o, on);
    k[on] = 0x1F;
    memcpy(k + on + 1, a, an);
    k[on + 1 + an] = 0;
    for (size_t i = 0; i < r->nfk; i++)
        if (!strcmp(r->fk[i], k)) return;
    r->nfk++;
}

static void on_term(void *ud, const char *t, size_t n) {
    tech_read *r = ud;
    ty_fn_term(&r->fr, t, n);
    if (r->part != TY_PART_MEANS || r->nmt == TECH_MAX_TERMS) return;
    int64_t id = ty_strmap_get(r->c->idx->vocab, t, n);
    if (id < 0) return;
    for (size_t i = 0; i < r->nmt; i++)
        if (r->mt[i] == (uint32_t)id) return;
    r->mt[r->nmt++] = (uint32_t)id;
}

static void on_morph(void *ud, const ty_morph *m) {
    tech_read *r = ud;
    ty_fn_morph(&r->fr, m);
}

/* Read text[0..len) (a raw abstract, its marks kept) into r. */
static int tech_read_text(tenyo_ctx *c, const char *text, size_t len, tech_read *r) {
    ty_span sp[64];
    size_t ns = ty_parts_split(text, len, sp, 64);
    r->c = c;
    r->nmt = r->nfk = 0;
    ty_fn_begin(&r->fr, on_fn, r);
    ty_tok_sink sink = {on_term, NULL, NULL, r, on_morph};
    for (size_t i = 0; i < ns; i++) {
        if (!(sp[i].part & (TY_PART_MEANS | TY_PART_PURPOSE))) continue;
        r->part = sp[i].part;
        int rc = ty_ctx_tokenize_sink(c, sp[i].p, sp[i].n, &sink);
        ty_fn_end(&r->fr);
        if (rc) return rc;
    }
    return TENYO_OK;
}

/* Document d's abstract (raw) read into r; r empty without one. */
static int tech_read_doc(tenyo_ctx *c, uint64_t d, tech_read *r) {
    const ty_model *m = &c->idx->m;
    r->nmt = r->nfk = 0;
    if (!m->abs) return TENYO_OK;
    int rc = ty_abs_get(m->abs, d, &c->abuf, c->err, sizeof c->err);
    if (rc) return rc;
    if (!c->abuf.len) return TENYO_OK;
    ty_buf copy = {0};
    if (ty_buf_append(&copy, c->abuf.p, c->abuf.len)) return TENYO_ERR_NOMEM;
    rc = tech_read_text(c, copy.p, copy.len, r);
    ty_buf_free(&copy);
    return rc;
}

/* Pairs (key, doc) gathered while building, then turned into postings. */
typedef struct pairs { uint32_t *k, *d; size_t n, cap; } pairs;

static int pairs_add(pairs *p, uint32_t k, uint32_t d) {
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 4096;
        uint32_t *nk = ty_reallocarray(p->k, nc, sizeof *nk);
        if (!nk) return TENYO_ERR_NOMEM;
        p->k = nk;
        uint32_t *nd = ty_reallocarray(p->d, nc, sizeof *nd);
        if (!nd) return TENYO_ERR_NOMEM;
        p->d = nd;
        p->cap = nc;
    }
    p->k[p->n] = k;
    p->d[p->n++] = d;
    return TENYO_OK;
}

/* Postings (CSR over nkeys keys) of p: docs ascending within a key, as
 * they were added. */
static int pairs_csr(const pairs *p, size_t nkeys, uint64_t **ptr, uint32_t **doc) {
    *ptr = ty_calloc(nkeys + 1, sizeof **ptr);
    *doc = ty_mallocarray(p->n ? p->n : 1, sizeof **doc);
    if (!*ptr || !*doc) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < p->n; i++) (*ptr)[p->k[i] + 1]++;
    for (size_t k = 0; k < nkeys; k++) (*ptr)[k + 1] += (*ptr)[k];
    uint64_t *at = ty_mallocarray(nkeys ? nkeys : 1, sizeof *at);
    if (!at) return TENYO_ERR_NOMEM;
    memcpy(at, *ptr, nkeys * sizeof *at);
    for (size_t i = 0; i < p->n; i++) (*doc)[at[p->k[i]]++] = p->d[i];
    free(at);
    return TENYO_OK;
}

/* Build the table of c's index (under its ty_once). */
static int tech_build(void *arg) {
    tenyo_ctx *c = arg;
    tenyo_index *x = (tenyo_index *)c->idx; /* logically const, as its rows */
    const ty_model *m = &x->m;
    tech_table *t = ty_calloc(1, sizeof *t);
    tech_read *r = ty_calloc(1, sizeof *r);
    pairs pm = {0}, pf = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!t || !r || !(t->fmap = ty_strmap_new())) goto out;
    t->ndocs = m->ndocs;
    if (!(t->dnorm = ty_calloc(m->ndocs ? m->ndocs : 1, sizeof *t->dnorm))) goto out;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        if ((rc = tech_read_doc(c, d, r))) goto out;
        double nn = 0;
        for (size_t i = 0; i < r->nmt; i++) {
            nn += (double)m->idf[r->mt[i]] * m->idf[r->mt[i]];
            if ((rc = pairs_add(&pm, r->mt[i], (uint32_t)d))) goto out;
        }
        t->dnorm[d] = (float)sqrt(nn);
        t->nread += r->nmt > 0;
        for (size_t i = 0; i < r->nfk; i++) {
            int64_t id = ty_strmap_intern(t->fmap, r->fk[i], strlen(r->fk[i]), NULL);
            if (id < 0 || (rc = pairs_add(&pf, (uint32_t)id, (uint32_t)d))) {
                rc = rc ? rc : TENYO_ERR_NOMEM;
                goto out;
            }
        }
    }
    t->nfn = ty_strmap_size(t->fmap);
    if ((rc = pairs_csr(&pm, m->nterms, &t->mptr, &t->mdoc)) ||
        (rc = pairs_csr(&pf, t->nfn, &t->fptr, &t->fdoc)))
        goto out;
    x->tech = t;
    x->tech_free = tech_free;
    t = NULL;
    rc = TENYO_OK;
out:
    tech_free(t);
    free(r);
    free(pm.k);
    free(pm.d);
    free(pf.k);
    free(pf.d);
    return rc;
}

/* 1 when term id is a product word of the query: a home's characteristic
 * term, or a word of the query patent's title. */
static int product_word(const ty_iquery *q, uint32_t id, const uint32_t *title, size_t nt) {
    for (size_t i = 0; i < nt; i++)
        if (title[i] == id) return 1;
    for (int h = 0; h < q->nh; h++) {
        if (q->hid[h] < 0) continue;
        const uint32_t *top = ty_field_top(q->c->idx, (uint32_t)q->hid[h]);
        for (int k = 0; top && k < TY_FM_TOP && top[k] != UINT32_MAX; k++)
            if (top[k] == id) return 1;
    }
    return 0;
}

typedef struct title_terms { const tenyo_ctx *c; uint32_t id[64]; size_t n; } title_terms;

static void on_title(void *ud, const char *t, size_t n) {
    title_terms *tt = ud;
    int64_t id = ty_strmap_get(tt->c->idx->vocab, t, n);
    if (id >= 0 && tt->n < 64) tt->id[tt->n++] = (uint32_t)id;
}

/* The query read: a patent's own abstract, or the text asked. */
static int tech_read_query(const ty_iquery *q, tech_read *r, title_terms *tt) {
    tenyo_ctx *c = q->c;
    tt->c = c;
    tt->n = 0;
    if (q->skip == UINT64_MAX) return tech_read_text(c, c->qtext.p, c->qtext.len, r);
    const ty_model *m = q->m;
    const char *title = m->meta_blob + m->meta_off[q->skip * TY_META_NSTR + TY_META_TITLE];
    int rc = ty_ctx_tokenize(c, title, strlen(title), on_title, tt);
    return rc ? rc : tech_read_doc(c, q->skip, r);
}

/* Scores of every patent into s (ndocs, zeroed): means cosine plus the
 * shared share of the query's functions. */
static void tech_score(const ty_iquery *q, const tech_table *t, const tech_read *r,
                       const title_terms *tt, float *s, float *cosv) {
    const ty_model *m = q->m;
    double qn = 0;
    for (size_t i = 0; i < r->nmt; i++) {
        uint32_t id = r->mt[i];
        if (product_word(q, id, tt->id, tt->n)) continue;
        double w = m->idf[id] * (q->gen ? 1 - q->gen[id] : 1);
        if (!(w > 0)) continue;
        qn += w * w;
        for (uint64_t j = t->mptr[id]; j < t->mptr[id + 1]; j++)
            cosv[t->mdoc[j]] += (float)(w * m->idf[id]);
    }
    qn = sqrt(qn);
    for (uint64_t d = 0; d < t->ndocs; d++)
        cosv[d] = qn > 0 && t->dnorm[d] > 0 ? (float)(cosv[d] / (qn * t->dnorm[d])) : 0;
    double fq = 0;
    for (size_t i = 0; i < r->nfk; i++) {
        int64_t f = ty_strmap_get(t->fmap, r->fk[i], strlen(r->fk[i]));
        if (f < 0) continue;
        uint64_t df = t->fptr[f + 1] - t->fptr[f];
        double w = log((double)(t->ndocs + 1) / (double)(df + 1));
        fq += w;
        for (uint64_t j = t->fptr[f]; j < t->fptr[f + 1]; j++) s[t->fdoc[j]] += (float)w;
    }
    for (uint64_t d = 0; d < t->ndocs; d++) {
        double fn = fq > 0 ? s[d] / fq : 0;
        s[d] = cosv[d] >= TECH_MIN_COS || fn > 0 ? (float)(cosv[d] + TECH_FN_WEIGHT * fn)
                                                 : -INFINITY;
    }
}

int ty_gen_technique(const ty_iquery *q, ty_pool *p, unsigned g) {
    tenyo_ctx *c = q->c;
    const ty_model *m = q->m;
    tenyo_index *x = (tenyo_index *)c->idx;
    int rc = ty_once_run(&x->tech_once, tech_build, c);
    if (rc) return rc;
    const tech_table *t = x->tech;
    tech_read *r = ty_calloc(1, sizeof *r);
    title_terms *tt = ty_calloc(1, sizeof *tt);
    float *s = ty_calloc(t->ndocs ? t->ndocs : 1, sizeof *s);
    float *cosv = ty_calloc(t->ndocs ? t->ndocs : 1, sizeof *cosv);
    tenyo_hit *top = ty_mallocarray(TECH_TOP, sizeof *top);
    rc = TENYO_ERR_NOMEM;
    if (!r || !tt || !s || !cosv || !top) goto out;
    if ((rc = tech_read_query(q, r, tt))) goto out;
    tech_score(q, t, r, tt, s, cosv);
    for (uint64_t d = 0; d < t->ndocs; d++) {
        int far = 0;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1] && !far; j++)
            far = q->ok[m->field_ids[j]];
        if (!far || (m->open && q->o->open_only && !m->open[d])) s[d] = -INFINITY;
    }
    size_t n = ty_topk_array(s, t->ndocs, q->skip, TECH_TOP, top);
    for (size_t i = 0; i < n; i++) {
        uint64_t d = top[i].doc;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
            uint16_t f = m->field_ids[j];
            if (!q->ok[f]) continue;
            double side = j == m->field_ptr[d] ? 1 : IDEAS_SIDE_WEIGHT;
            ty_pool_vote(p, f, g, top[i].score * side);
            tenyo_hit ev = {d, top[i].score < 1 ? top[i].score : 1};
            ty_pool_evidence(p, m, f, g, &ev);
        }
    }
    rc = TENYO_OK;
out:
    free(r);
    free(tt);
    free(s);
    free(cosv);
    free(top);
    return rc;
}
