/*
 * sense.c — one sense on both sides: whether the query and a card's
 * evidence use the terms they share in one sense.
 *
 * A term's context on one side is the index terms of that side's
 * sentences that hold the term as a term (its title and abstract, split by
 * the caller; a string inside a longer word does not count), the term
 * itself and every term that holds it or that it holds left out (a
 * compound and its parts say nothing of the sense), each weighed by its
 * idf. The agreement of a term is the cosine of its two contexts; the
 * card's is the best of its shared terms' (パッド beside 汗・脇・衣服 on one
 * side and 吸着・薬品 on the other agrees with nothing: a sweat pad and a
 * suction pad). A term found in no sentence of one side has no say; a
 * card where no term has both contexts is unknown (-1) and keeps its band.
 *
 * A round (ty_judge_sense_open) tokenizes the query's sentences once and
 * each evidence patent's once (kept by document for the round's cards),
 * so a list's cards cost one MeCab pass over the texts they quote.
 *
 * The rule (ty_judge_sense_band): a card whose agreement is known and
 * below sense.split_below of models/judge.tsv reads as resting on words of
 * two senses: never strong (a strong card becomes a candidate, a candidate
 * a reference card) and TENYO_WEAK_TWO_SENSES says why. The threshold is
 * chosen on readers' labels (eval/fit_judge.py --sense) and judged on sets
 * that never chose it.
 */
#include "judge/judge.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One text's sentences as the index terms MeCab gives them: sentence k's
 * ids are ids[off[k] .. off[k + 1]) (terms the index does not know left
 * out). */
typedef struct stext {
    uint64_t doc;     /* the document (UINT64_MAX: not kept) */
    uint32_t *ids;
    size_t n, cap;
    size_t *off;      /* nsent + 1 */
    size_t nsent;
    int nomem;
    const tenyo_index *x;
} stext;

static void st_emit(void *ud, const char *t, size_t n) {
    stext *s = ud;
    int64_t id = ty_strmap_get(s->x->vocab, t, n);
    if (id < 0) return;
    if (ty_grow((void **)&s->ids, &s->cap, s->n, sizeof *s->ids, 64)) {
        s->nomem = 1;
        return;
    }
    s->ids[s->n++] = (uint32_t)id;
}

static void stext_free(stext *t) {
    free(t->ids);
    free(t->off);
    memset(t, 0, sizeof *t);
}

/* Tokenize sentences sp[0..ns) into t. 0, TENYO_ERR_NOMEM, or another
 * status when the tokenizer cannot run (another dictionary). */
static int stext_read(tenyo_ctx *c, const ty_judge_span *sp, size_t ns, uint64_t doc, stext *t) {
    memset(t, 0, sizeof *t);
    t->x = c->idx;
    t->doc = doc;
    if (!(t->off = malloc((ns + 1) * sizeof *t->off))) return TENYO_ERR_NOMEM;
    t->off[0] = 0;
    for (size_t k = 0; k < ns; k++) {
        int rc = ty_ctx_tokenize_memo(c, sp[k].p, sp[k].n, st_emit, t);
        if (t->nomem) return TENYO_ERR_NOMEM;
        if (rc < 0) return rc;
        t->off[++t->nsent] = t->n;
    }
    return TENYO_OK;
}

struct ty_judge_sense_ctx {
    tenyo_ctx *c;
    stext q;              /* the query's sentences */
    stext docs[32];       /* evidence texts read in this round (the
                             first 32; later ones are read per card) */
    size_t ndocs;
};

int ty_judge_sense_open(tenyo_ctx *c, const ty_judge_span *qs, size_t nq, ty_judge_sense_ctx **out) {
    *out = NULL;
    ty_judge_sense_ctx *s = calloc(1, sizeof *s);
    if (!s) return TENYO_ERR_NOMEM;
    s->c = c;
    int rc = stext_read(c, qs, nq, UINT64_MAX, &s->q);
    if (rc) {
        ty_judge_sense_close(s);
        return rc;
    }
    *out = s;
    return TENYO_OK;
}

void ty_judge_sense_close(ty_judge_sense_ctx *s) {
    if (!s) return;
    stext_free(&s->q);
    for (size_t i = 0; i < s->ndocs; i++) stext_free(&s->docs[i]);
    free(s);
}

/* One side's context entries: (term index, id, idf), sorted by term then
 * id, so that each term's context is a run and equal ids sit together. */
typedef struct sent3 { uint8_t ti; uint32_t id; double w; } sent3;
typedef struct side { sent3 *v; size_t n, cap; } side;

static int cmp3(const void *a, const void *b) {
    const sent3 *x = a, *y = b;
    if (x->ti != y->ti) return x->ti < y->ti ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* 1 when term a holds term b or b holds a (a compound and its parts). */
static int related(const ty_model *m, uint32_t a, uint32_t b) {
    const char *x = m->term_blob + m->term_off[a], *y = m->term_blob + m->term_off[b];
    return strstr(x, y) || strstr(y, x);
}

/* The contexts of terms tid[0..nt) in texts t[0..n) into out (the
 * sentences holding term i give its context: their other terms, but its
 * compounds and parts); bit i of *had when some sentence holds term i. */
static int side_of(const ty_model *m, const stext *const *t, size_t n, const uint32_t *tid, int nt,
                   side *out, unsigned *had) {
    *had = 0;
    for (size_t d = 0; d < n; d++)
        for (size_t k = 0; k < t[d]->nsent; k++) {
            const uint32_t *ids = t[d]->ids + t[d]->off[k];
            size_t ns = t[d]->off[k + 1] - t[d]->off[k];
            for (int i = 0; i < nt; i++) {
                size_t j = 0;
                while (j < ns && ids[j] != tid[i]) j++;
                if (j == ns) continue;
                *had |= 1u << i;
                for (j = 0; j < ns; j++) {
                    if (ids[j] >= m->nterms || related(m, ids[j], tid[i])) continue;
                    if (ty_grow((void **)&out->v, &out->cap, out->n, sizeof *out->v, 128))
                        return TENYO_ERR_NOMEM;
                    out->v[out->n++] = (sent3){(uint8_t)i, ids[j], m->idf ? m->idf[ids[j]] : 1.0};
                }
            }
        }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp3); /* qsort(NULL, 0) is undefined */
    return TENYO_OK;
}

/* The run of term i in v[0..n): [*lo, *hi). */
static void run_of(const sent3 *v, size_t n, int i, size_t *lo, size_t *hi) {
    size_t a = 0;
    while (a < n && v[a].ti < i) a++;
    size_t b = a;
    while (b < n && v[b].ti == i) b++;
    *lo = a, *hi = b;
}

/* Cosine of term i's contexts on the two sides (weights summed per id),
 * -1 when one is empty: a merge of the two sorted runs. */
static double term_cos(const side *a, const side *b, int i) {
    size_t p, pe, q, qe;
    run_of(a->v, a->n, i, &p, &pe);
    run_of(b->v, b->n, i, &q, &qe);
    double sa = 0, sb = 0, dot = 0;
    while (p < pe || q < qe) {
        uint32_t id = p < pe && (q >= qe || a->v[p].id <= b->v[q].id) ? a->v[p].id : b->v[q].id;
        double wa = 0, wb = 0;
        for (; p < pe && a->v[p].id == id; p++) wa += a->v[p].w;
        for (; q < qe && b->v[q].id == id; q++) wb += b->v[q].w;
        sa += wa * wa;
        sb += wb * wb;
        dot += wa * wb;
    }
    return sa > 0 && sb > 0 ? dot / sqrt(sa * sb) : -1;
}

/* The kept text of document doc, read now when not kept (es[0..ne) its
 * sentences); NULL when it cannot be read (*rc says why). */
static const stext *doc_text(ty_judge_sense_ctx *s, uint64_t doc, const ty_judge_span *es,
                             size_t ne, stext *scratch, int *rc) {
    for (size_t i = 0; doc != UINT64_MAX && i < s->ndocs; i++)
        if (s->docs[i].doc == doc) return &s->docs[i];
    stext t;
    *rc = stext_read(s->c, es, ne, doc, &t);
    if (*rc) {
        stext_free(&t);
        return NULL;
    }
    if (doc == UINT64_MAX || s->ndocs == 32) { /* not kept: the caller frees it */
        *scratch = t;
        return scratch;
    }
    s->docs[s->ndocs] = t;
    return &s->docs[s->ndocs++];
}

double ty_judge_sense_card(ty_judge_sense_ctx *s, const uint64_t *docs, const ty_judge_span *const *es,
                           const size_t *ne, int ndocs, const char *const *terms, int nt,
                           int *status) {
    const ty_model *m = &s->c->idx->m;
    *status = TENYO_OK;
    if (nt > 8) nt = 8;
    if (ndocs > TENYO_IDEA_EVIDENCE) ndocs = TENYO_IDEA_EVIDENCE;
    uint32_t tid[8];
    int k = 0;
    for (int i = 0; i < nt; i++) { /* a bridge term the index does not know holds nothing */
        int64_t id = ty_strmap_get(s->c->idx->vocab, terms[i], strlen(terms[i]));
        if (id >= 0) tid[k++] = (uint32_t)id;
    }
    const stext *et[TENYO_IDEA_EVIDENCE];
    stext scratch[TENYO_IDEA_EVIDENCE];
    int nscratch = 0, ne_ok = 0;
    for (int d = 0; d < ndocs; d++) {
        int rc = TENYO_OK;
        const stext *t = doc_text(s, docs ? docs[d] : UINT64_MAX, es[d], ne[d], &scratch[nscratch], &rc);
        if (t == &scratch[nscratch]) nscratch++;
        if (!t) {
            *status = rc;
            break;
        }
        et[ne_ok++] = t;
    }
    double best = -1;
    side q = {0}, e = {0};
    unsigned qh = 0, eh = 0;
    const stext *qt[1] = {&s->q};
    if (!*status && k > 0) {
        int rc = side_of(m, qt, 1, tid, k, &q, &qh);
        if (!rc) rc = side_of(m, et, (size_t)ne_ok, tid, k, &e, &eh);
        if (rc) *status = rc;
        for (int i = 0; !rc && i < k; i++) {
            if (!((qh & eh) >> i & 1)) continue;
            double v = term_cos(&q, &e, i);
            if (v > best) best = v;
        }
    }
    free(q.v);
    free(e.v);
    for (int i = 0; i < nscratch; i++) stext_free(&scratch[i]);
    return best;
}

double ty_judge_sense(tenyo_ctx *c, const ty_judge_span *qs, size_t nq, const ty_judge_span *es,
                      size_t ne, const char *const *terms, int nt) {
    ty_judge_sense_ctx *s = NULL;
    if (ty_judge_sense_open(c, qs, nq, &s)) return -1;
    int st;
    double v = ty_judge_sense_card(s, NULL, &es, &ne, 1, terms, nt, &st);
    ty_judge_sense_close(s);
    return st ? -1 : v;
}

static double split_below;
static pthread_once_t split_once = PTHREAD_ONCE_INIT;
static void split_load(void) { split_below = ty_judge_weight("sense.split_below", 0); }

int ty_judge_sense_band(int band, double agreement, unsigned *weak) {
    pthread_once(&split_once, split_load);
    if (agreement < 0 || agreement >= split_below) return band;
    *weak |= TENYO_WEAK_TWO_SENSES;
    return band == TENYO_BAND_STRONG ? TENYO_BAND_CANDIDATE : TENYO_BAND_REFERENCE;
}
