/*
 * generate.c — the candidate generators: which fields could a proposal
 * name, and which patents back each. The table ty_generators is what a
 * query loops over (ideas.c, after the scan and the home): each row is a
 * name and a function that adds fields and evidence to the query's pool
 * (pool.c) as its own generator, so a card knows who found it
 * (tenyo_idea_found_by) and each evidence patent who brought it. A new
 * generator is one file with its function and one row here.
 *
 * Neighbours (ty_gen_neighbours, row 0): the knn patents most similar to
 * the query as a whole (the scan's q->nb) vote for each of their fields
 * far enough from every home, with their similarity. Portfolios are
 * weighed for what they are: among the neighbours, the k-th patent of one
 * applicant votes with 1/sqrt(k) (a maker's twenty near-identical patents
 * are one voice, not twenty), and a patent of the query's own applicant
 * with IDEAS_OWN_WEIGHT (where the company already is, not a new use). A
 * field that is only a side code of a neighbour (not its first code) gets
 * IDEAS_SIDE_WEIGHT of the vote. Each field keeps its best neighbours as
 * evidence, at most IDEAS_EV_PER_APPLICANT of them from one applicant.
 *
 * Two generators beside it were built, measured and removed
 * (docs/ideas-decisions.md): patents in distant fields stating the same
 * function as the query (an object and an action, 振動を抑制), and patents
 * in distant fields with the same means and functions read from the
 * parts of the text (the same technique in another product): two readers
 * found no genuine transfer in the second's candidates that the neighbour
 * vote's lacked (eval/gate/README.md).
 */
#include "stages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const ty_generator ty_generators[] = {
    {"neighbours", ty_gen_neighbours},
};
const size_t ty_ngenerators = sizeof ty_generators / sizeof ty_generators[0];

/* The portfolio weight of each neighbour nb[0..nn) into w: 1/sqrt(k) for
 * the k-th of its applicant, less for the query's own applicant (first
 * applicants found once: the pairs are nn^2/2). */
static int portfolio_weights(const ty_model *m, const tenyo_hit *nb, size_t nn, uint64_t self,
                             double *w) {
    ty_appkey *ap = ty_mallocarray(nn ? nn : 1, sizeof *ap);
    if (!ap) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < nn; i++) ap[i] = ty_applicant_key(m, nb[i].doc);
    ty_appkey own = ty_applicant_key(m, self != UINT64_MAX ? self : m->ndocs);
    for (size_t i = 0; i < nn; i++) {
        int k = 1;
        for (size_t j = 0; j < i; j++) k += ty_appkey_same(&ap[i], &ap[j]);
        w[i] = 1 / sqrt((double)k);
        if (self != UINT64_MAX && ty_appkey_same(&ap[i], &own)) w[i] *= IDEAS_OWN_WEIGHT;
    }
    free(ap);
    return TENYO_OK;
}

int ty_gen_neighbours(const ty_iquery *q, ty_pool *p, unsigned g) {
    const ty_model *m = q->m;
    const tenyo_hit *nb = q->nb;
    size_t nn = q->nn;
    double *w = ty_mallocarray(nn ? nn : 1, sizeof *w);
    if (!w) return TENYO_ERR_NOMEM;
    int rc = portfolio_weights(m, nb, nn, q->skip, w);
    if (rc) {
        free(w);
        return rc;
    }
    for (size_t i = 0; i < nn; i++) {
        float s = nb[i].score;
        if (!(s > 0)) break;
        uint64_t d = nb[i].doc;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
            uint16_t f = m->field_ids[j];
            if (!q->ok[f]) continue;
            double side = j == m->field_ptr[d] ? 1 : IDEAS_SIDE_WEIGHT;
            ty_pool_vote(p, f, g, s * w[i] * side);
            ty_pool_evidence(p, m, f, g, &nb[i]);
        }
    }
    free(w);
    return TENYO_OK;
}
