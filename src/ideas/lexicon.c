/*
 * lexicon.c — what a term says about a proposal. Genericity: how evenly a
 * term spreads over the fields compared with random documents (制御, 部材
 * near 1, 歯車 or 内視鏡 well below). The field model (model/linear.c; each
 * field's characteristic terms are api/meta.c's). The content a query shares with a
 * field's evidence patents, term by term, and its shape (focus on one
 * word, generic share, specific words). The term hook (ty_term_weight,
 * ty_term_worth, ty_term_bridgeable): the one place that says what a
 * shared word is worth to a card, reading the query's term mask (state.c)
 * — every stage that weighs a shared word goes through it. Tables are
 * built once per index, on first use, from any thread.
 */
#include "stages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================= term genericity */

/* Genericity is one of the judge's term facts (judge/terms.c). */
const float *ty_term_generic(const tenyo_index *x) { return ty_judge_genericity(x); }

/* A model for an index written without one (section "fieldmodel"). */
static int fm_build(void *arg) {
    tenyo_index *x = arg;
    int rc = ty_model_need_sparse(&x->m, NULL, 0);
    if (!rc) rc = ty_model_need_docfields(&x->m, NULL, 0);
    if (rc) return rc;
    return ty_fieldmodel_train(&x->m, &x->fm);
}

/* The field model of the index (stored, or trained on first use), or NULL
 * when the index has no fields to model. */
const ty_fieldmodel *ty_field_model(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx;
    if (ty_index_need_fieldmodel(x, NULL, 0)) return NULL; /* damaged: ideas says so */
    if (!x->fm_stored && ty_once_run(&x->fm_once, fm_build, x)) return NULL;
    return x->fm.nfields ? &x->fm : NULL;
}

/* dst[0..n) = src[0..n) with A-Z folded to a-z: English phrase targets keep
 * their case, the terms they are matched against are folded. */
void ty_fold_ascii(char *dst, const char *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] + 32) : src[i];
}

/* 1 when target p[0..n) holds one of field f's characteristic terms
 * (ASCII compared without case: English terms are folded stems). */
int ty_fits_field(const tenyo_index *x, uint32_t f, const char *p, size_t n) {
    const uint32_t *top = ty_field_top(x, f);
    if (!top) return 0;
    char low[256];
    if (n >= sizeof low) n = sizeof low - 1;
    ty_fold_ascii(low, p, n);
    low[n] = 0;
    for (int i = 0; i < TY_FM_TOP && top[i] != UINT32_MAX; i++)
        if (strstr(low, x->m.term_blob + x->m.term_off[top[i]])) return 1;
    return 0;
}

/* A title without an abstract: the rule search scores by (TY_SHORT_TERMS). */
int ty_title_only(const ty_model *m, uint64_t d) {
    return m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d] < TY_SHORT_TERMS;
}

int ty_shared_next(const tenyo_ctx *c, uint64_t d, size_t *i, uint64_t *j) {
    const ty_model *m = &c->idx->m;
    uint64_t je = m->tfidf.rowptr[d + 1];
    size_t qn = ty_ideas_qn(c);
    while (*i < qn && *j < je) { /* both sorted by term */
        if (c->qt[*i] == m->tfidf.col[*j]) return 1;
        if (c->qt[*i] < m->tfidf.col[*j]) (*i)++;
        else (*j)++;
    }
    return 0;
}

/* ------------------------------------------------------- the term hook */

/* How specific term t is as a bridge: 0 for a single character, else
 * 1 - genericity. */
static double term_specificity(const ty_model *m, const float *gen, uint32_t t) {
    if (ty_one_char(m->term_blob + m->term_off[t])) return 0;
    return gen ? 1.0 - gen[t] : 1.0;
}

double ty_term_worth(const tenyo_ctx *c, const float *gen, size_t i, uint32_t f) {
    return term_specificity(&c->idx->m, gen, c->qt[i]) * ty_term_weight(c, i, f);
}

int ty_term_bridgeable(const tenyo_ctx *c, size_t i, uint32_t f) {
    const ty_model *m = &c->idx->m;
    const char *t = m->term_blob + m->term_off[c->qt[i]];
    return !ty_one_char(t) && !ty_markup_term(t) && ty_term_weight(c, i, f) > 0;
}

void ty_bridge_weights(const tenyo_ctx *c, const tenyo_hit *ev, int nev, uint32_t f, double *w) {
    const ty_model *m = &c->idx->m;
    size_t qn = ty_ideas_qn(c);
    for (size_t i = 0; i < qn; i++) w[i] = 0;
    if (nev > 0 && ty_model_need_rows(m, &ev[0].doc, (size_t)nev, sizeof *ev, NULL, 0)) return;
    for (int e = 0; e < nev; e++) {
        uint64_t d = ev[e].doc;
        if (d >= m->ndocs) continue;
        double sim = ev[e].score > 0 ? ev[e].score : 0;
        size_t i = 0;
        for (uint64_t j = m->tfidf.rowptr[d]; ty_shared_next(c, d, &i, &j); i++, j++)
            if (!ty_own_piece(c, d, i))
                w[i] += sim * c->qw[i] * m->tfidf.val[j] * ty_term_weight(c, i, f);
    }
}

/* Focus and generic share of a proposal's evidence (tenyo_idea). */
void ty_content_shape(const tenyo_ctx *c, const float *gen, const tenyo_hit *ev,
                      int nev, uint32_t f, double *w, double *focus, double *generic,
                      double *nspecific) {
    ty_bridge_weights(c, ev, nev, f, w);
    double tot = 0, spec = 0, top = 0;
    int ns = 0;
    size_t qn = ty_ideas_qn(c);
    for (size_t i = 0; i < qn; i++) {
        if (!(w[i] > 0)) continue;
        double sp = ty_term_worth(c, gen, i, f);
        double s = w[i] * sp;
        tot += w[i];
        spec += s;
        if (s > top) top = s;
        /* counted as the bridge list (tenyo_idea_bridge) could show it: a
         * verb or adjective base form (揺れる, 組み込む) is never a bridge,
         * so a proposal resting on such words alone is thin (it showed an
         * empty bridge list before: Protocol A set 6) */
        ns += sp >= IDEAS_SPECIFIC && !ty_verb_like(c->idx->m.term_blob + c->idx->m.term_off[c->qt[i]]);
    }
    *focus = spec > 0 ? top / spec : 1;
    *generic = tot > 0 ? 1 - spec / tot : 1;
    *nspecific = ns;
}

/* 1 when most of the query's terms are Latin-script (an English query). */
int ty_query_english(const tenyo_ctx *c, size_t qn) {
    const ty_model *m = &c->idx->m;
    size_t latin = 0;
    for (size_t i = 0; i < qn; i++)
        latin += (unsigned char)m->term_blob[m->term_off[c->qt[i]]] < 0x80;
    return qn && 2 * latin > qn;
}
