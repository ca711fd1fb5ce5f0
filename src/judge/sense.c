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

/* The terms of one sentence: ids, and which asked terms it holds. */
typedef struct sterms {
    const tenyo_index *x;
    const char *const *terms; /* the shared terms asked about */
    int nt;
    unsigned held;            /* bit i: terms[i] is one of the sentence's terms */
    uint32_t *ids;            /* the sentence's term ids (known to the index) */
    size_t n, cap;
    int nomem;
} sterms;

static void st_emit(void *ud, const char *t, size_t n) {
    sterms *s = ud;
    for (int i = 0; i < s->nt; i++)
        if (strlen(s->terms[i]) == n && !memcmp(s->terms[i], t, n)) s->held |= 1u << i;
    int64_t id = ty_strmap_get(s->x->vocab, t, n);
    if (id < 0) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        uint32_t *p = realloc(s->ids, cap * sizeof *p);
        if (!p) {
            s->nomem = 1;
            return;
        }
        s->ids = p;
        s->cap = cap;
    }
    s->ids[s->n++] = (uint32_t)id;
}

/* One side's contexts: ctx[i] accumulates, per term id, the idf of the
 * terms beside terms[i] in the side's sentences; *had bit i when a
 * sentence of the side holds terms[i]. */
typedef struct side {
    uint32_t *id;   /* (id, term index) pairs, idf in w */
    uint8_t *ti;
    double *w;
    size_t n, cap;
} side;

static int side_add(side *s, uint32_t id, int ti, double w) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        uint32_t *a = realloc(s->id, cap * sizeof *a);
        if (!a) return TENYO_ERR_NOMEM;
        s->id = a;
        uint8_t *b = realloc(s->ti, cap);
        if (!b) return TENYO_ERR_NOMEM;
        s->ti = b;
        double *c = realloc(s->w, cap * sizeof *c);
        if (!c) return TENYO_ERR_NOMEM;
        s->w = c;
        s->cap = cap;
    }
    s->id[s->n] = id;
    s->ti[s->n] = (uint8_t)ti;
    s->w[s->n++] = w;
    return TENYO_OK;
}

/* 1 when term a holds term b or b holds a (a compound and its parts). */
static int related(const char *a, const char *b) {
    return strstr(a, b) || strstr(b, a);
}

static int side_read(tenyo_ctx *c, const ty_judge_span *sp, size_t ns, const char *const *terms,
                     int nt, side *out, unsigned *had) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    sterms st = {x, terms, nt, 0, NULL, 0, 0, 0};
    int rc = TENYO_OK;
    *had = 0;
    for (size_t k = 0; k < ns && !rc; k++) {
        int any = 0; /* tokenize only a sentence whose text holds a term */
        for (int i = 0; i < nt && !any; i++) any = memmem(sp[k].p, sp[k].n, terms[i], strlen(terms[i])) != NULL;
        if (!any) continue;
        st.held = 0;
        st.n = 0;
        if (ty_ctx_tokenize(c, sp[k].p, sp[k].n, st_emit, &st) < 0) break; /* another dictionary */
        if (st.nomem) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
        for (int i = 0; i < nt && !rc; i++) {
            if (!(st.held >> i & 1)) continue;
            *had |= 1u << i;
            for (size_t j = 0; j < st.n && !rc; j++) {
                uint32_t t = st.ids[j];
                if (t >= m->nterms || related(m->term_blob + m->term_off[t], terms[i])) continue;
                rc = side_add(out, t, i, m->idf ? m->idf[t] : 1.0);
            }
        }
    }
    free(st.ids);
    return rc;
}

/* Cosine of term i's contexts on the two sides (sums per id). */
static double term_cos(const side *a, const side *b, int i) {
    double na = 0, nb = 0, dot = 0;
    /* contexts are a few dozen ids: quadratic sums are cheaper than maps */
    for (size_t p = 0; p < a->n; p++) {
        if (a->ti[p] != i) continue;
        int first = 1;
        for (size_t q = 0; q < p && first; q++) first = !(a->ti[q] == i && a->id[q] == a->id[p]);
        if (!first) continue;
        double wa = 0, wb = 0;
        for (size_t q = p; q < a->n; q++)
            if (a->ti[q] == i && a->id[q] == a->id[p]) wa += a->w[q];
        for (size_t q = 0; q < b->n; q++)
            if (b->ti[q] == i && b->id[q] == a->id[p]) wb += b->w[q];
        na += wa * wa;
        dot += wa * wb;
    }
    for (size_t p = 0; p < b->n; p++) {
        if (b->ti[p] != i) continue;
        int first = 1;
        for (size_t q = 0; q < p && first; q++) first = !(b->ti[q] == i && b->id[q] == b->id[p]);
        if (!first) continue;
        double wb = 0;
        for (size_t q = p; q < b->n; q++)
            if (b->ti[q] == i && b->id[q] == b->id[p]) wb += b->w[q];
        nb += wb * wb;
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : -1;
}

double ty_judge_sense(tenyo_ctx *c, const ty_judge_span *qs, size_t nq, const ty_judge_span *es,
                      size_t ne, const char *const *terms, int nt) {
    if (nt > 8) nt = 8;
    side q = {0}, e = {0};
    unsigned qh = 0, eh = 0;
    double best = -1;
    if (nt > 0 && !side_read(c, qs, nq, terms, nt, &q, &qh) &&
        !side_read(c, es, ne, terms, nt, &e, &eh))
        for (int i = 0; i < nt; i++) {
            if (!((qh & eh) >> i & 1)) continue;
            double v = term_cos(&q, &e, i);
            if (v > best) best = v;
        }
    free(q.id), free(q.ti), free(q.w);
    free(e.id), free(e.ti), free(e.w);
    return best;
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
