/*
 * generate.c — the candidate generator: which fields could a proposal
 * name, and which patents back each.
 *
 * Neighbours (ty_gen_neighbours): the knn patents most similar to the
 * query vote for each of their fields far enough from every home, with
 * their similarity. Portfolios are weighed for what they are: among the
 * neighbours, the k-th patent of one applicant votes with 1/sqrt(k) (a
 * maker's twenty near-identical patents are one voice, not twenty), and a
 * patent of the query's own applicant with IDEAS_OWN_WEIGHT (where the
 * company already is, not a new use). A field that is only a side code of
 * a neighbour (not its first code) gets IDEAS_SIDE_WEIGHT of the vote.
 * Each field keeps its best neighbours as evidence, at most
 * IDEAS_EV_PER_APPLICANT of them from one applicant.
 *
 * A second generator, patents in distant fields stating the same function
 * as the query (an object and an action, 振動を抑制), was built, measured
 * and removed: docs/ideas-decisions.md.
 */
#include "stages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The first applicant of document d (up to the first comma): its bytes in
 * *len, or NULL when the record names none. */
const char *ty_first_applicant(const ty_model *m, uint64_t d, size_t *len) {
    *len = 0;
    if (!m->meta_blob || !m->meta_off || d >= m->ndocs) return NULL;
    const char *a = m->meta_blob + m->meta_off[d * TY_META_NSTR + TY_META_APPLICANT];
    size_t n = strcspn(a, ",");
    if (!n) return NULL;
    *len = n;
    return a;
}

static int same_applicant(const ty_model *m, uint64_t a, uint64_t b) {
    size_t la, lb;
    const char *pa = ty_first_applicant(m, a, &la);
    const char *pb = ty_first_applicant(m, b, &lb);
    return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
}

int ty_gen_neighbours(const tenyo_ctx *c, const tenyo_hit *nb, size_t nn, uint64_t self,
                      const uint8_t *ok, ty_fvote *fv) {
    const ty_model *m = &c->idx->m;
    double *w = ty_mallocarray(nn ? nn : 1, sizeof *w);
    const char **ap = ty_mallocarray(nn ? nn : 1, sizeof *ap);
    size_t *al = ty_mallocarray(nn ? nn : 1, sizeof *al);
    if (!w || !ap || !al) {
        free(w);
        free(ap);
        free(al);
        return TENYO_ERR_NOMEM;
    }
    /* portfolio weight of each neighbour: 1/sqrt(k) for the k-th of its
     * applicant, less for the query's own applicant (first applicants
     * found once: the pairs are nn^2/2) */
    for (size_t i = 0; i < nn; i++) ap[i] = ty_first_applicant(m, nb[i].doc, &al[i]);
    for (size_t i = 0; i < nn; i++) {
        int k = 1;
        for (size_t j = 0; j < i; j++)
            k += ap[i] && ap[j] && al[i] == al[j] && !memcmp(ap[i], ap[j], al[i]);
        w[i] = 1 / sqrt((double)k);
        if (self != UINT64_MAX && same_applicant(m, nb[i].doc, self)) w[i] *= IDEAS_OWN_WEIGHT;
    }
    free(ap);
    free(al);
    for (size_t i = 0; i < nn; i++) {
        float s = nb[i].score;
        if (!(s > 0)) break;
        uint64_t d = nb[i].doc;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
            uint16_t f = m->field_ids[j];
            if (!ok[f]) continue;
            double side = j == m->field_ptr[d] ? 1 : IDEAS_SIDE_WEIGHT;
            fv[f].vote += s * w[i] * side;
            fv[f].support++;
            if (fv[f].nev >= TENYO_IDEA_EVIDENCE) continue;
            int same = 0;
            for (int e = 0; e < fv[f].nev; e++) same += same_applicant(m, fv[f].ev[e].doc, d);
            if (same < IDEAS_EV_PER_APPLICANT) fv[f].ev[fv[f].nev++] = nb[i];
        }
    }
    free(w);
    return TENYO_OK;
}
