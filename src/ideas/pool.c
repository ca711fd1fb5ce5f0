/*
 * pool.c — the candidates of one query, keyed by field. Every generator
 * (generate.c's table) adds to the same pool: a vote and a supporting
 * patent per field, the set of generators that found the field (a bit
 * each), and up to TENYO_IDEA_EVIDENCE evidence patents, each tagged with
 * the generator that brought it. The card stage (ideas.c) reads one
 * candidacy per field with a vote. The pool lives on the context's ideas
 * state (state.c): allocated once, cleared per query, read after the call
 * by tenyo_idea_found_by. The applicant rule of evidence (one patent of
 * an applicant per field) compares first applicants here
 * (ty_applicant_key: the index's column of their numbers, or the
 * strings), as the neighbour vote's portfolio weights and match do.
 */
#include "stages.h"

#include <stdlib.h>
#include <string.h>

/* The first applicant of document d is its applicant string up to the
 * first comma, none when that is empty: its number in the index's column
 * (store/docapp.c, numbered from exactly these bytes), or, for a model
 * without one covering its documents (an older file, updates merged), the
 * bytes themselves, read from its block of strings. */
ty_appkey ty_applicant_key(const ty_model *m, uint64_t d) {
    ty_appkey k = {0, 0, NULL};
    if (ty_docapp_key(m, d, &k.id)) return k;
    if ((!m->meta_off && !m->dm) || d >= m->ndocs) return k;
    const char *a = ty_meta_str(m, d, TY_META_APPLICANT);
    size_t n = strcspn(a, ",");
    if (n && n <= UINT32_MAX) {
        k.s = a;
        k.len = (uint32_t)n;
    }
    return k;
}

int ty_appkey_same(const ty_appkey *a, const ty_appkey *b) {
    if (a->id || b->id) return a->id == b->id;
    return a->s && b->s && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

int ty_same_applicant(const ty_model *m, uint64_t a, uint64_t b) {
    ty_appkey ka = ty_applicant_key(m, a), kb = ty_applicant_key(m, b);
    return ty_appkey_same(&ka, &kb);
}

int ty_pool_reset(ty_pool *p, uint32_t nfields) {
    size_t need = nfields ? nfields : 1;
    if (need > p->cap) {
        ty_cand *nc = ty_reallocarray(p->cand, need, sizeof *nc);
        if (!nc) return TENYO_ERR_NOMEM;
        p->cand = nc;
        p->cap = need;
    }
    memset(p->cand, 0, need * sizeof *p->cand);
    p->nfields = nfields;
    return TENYO_OK;
}

void ty_pool_free(ty_pool *p) {
    free(p->cand);
    memset(p, 0, sizeof *p);
}

void ty_pool_vote(ty_pool *p, uint32_t f, unsigned g, double v) {
    ty_cand *k = &p->cand[f];
    k->vote += v;
    k->support++;
    k->found |= 1u << g;
}

void ty_pool_evidence(ty_pool *p, const ty_model *m, uint32_t f, unsigned g, const tenyo_hit *h) {
    ty_cand *k = &p->cand[f];
    if (k->nev >= TENYO_IDEA_EVIDENCE) return;
    int same = 0;
    for (int e = 0; e < k->nev; e++) same += ty_same_applicant(m, k->ev[e].doc, h->doc);
    if (same >= IDEAS_EV_PER_APPLICANT) return;
    k->ev_by[k->nev] = (uint8_t)g;
    k->ev[k->nev++] = *h;
}

double ty_pool_total(const ty_pool *p) {
    double t = 0;
    for (uint32_t f = 0; f < p->nfields; f++) t += p->cand[f].vote;
    return t > 0 ? t : 1;
}
