/*
 * pool.c — the candidates of one query, keyed by field. Every generator
 * (generate.c's table) adds to the same pool: a vote and a supporting
 * patent per field, the set of generators that found the field (a bit
 * each), and up to TENYO_IDEA_EVIDENCE evidence patents, each tagged with
 * the generator that brought it. The card stage (ideas.c) reads one
 * candidacy per field with a vote. The pool lives on the context's ideas
 * state (state.c): allocated once, cleared per query, read after the call
 * by tenyo_idea_found_by. The applicant rule of evidence (one patent of
 * an applicant per field) reads first applicants here, which the
 * neighbour vote's portfolio weights use too.
 */
#include "stages.h"

#include <stdlib.h>
#include <string.h>

/* The first applicant of document d (up to the first comma): its bytes in
 * *len, or NULL when the record names none. */
const char *ty_first_applicant(const ty_model *m, uint64_t d, size_t *len) {
    *len = 0;
    if ((!m->meta_off && !m->dm) || d >= m->ndocs) return NULL;
    const char *a = ty_meta_str(m, d, TY_META_APPLICANT);
    size_t n = strcspn(a, ",");
    if (!n) return NULL;
    *len = n;
    return a;
}

int ty_same_applicant(const ty_model *m, uint64_t a, uint64_t b) {
    size_t la, lb;
    const char *pa = ty_first_applicant(m, a, &la);
    const char *pb = ty_first_applicant(m, b, &lb);
    return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
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
