/*
 * feedback.c — kept and rejected cards move the list (relevance feedback,
 * Rocchio-style), the second half of the stage "adjust query" (stages.h):
 * before the scan that chooses the neighbours, the query vector is pulled
 * toward the evidence of the cards the analyst kept and pushed from the
 * evidence of the cards rejected, on the two vectors the index has for it:
 *
 *   q' = ALPHA q + BETA mean(kept evidence) - GAMMA mean(rejected evidence)
 *
 * A card's evidence is what the card shows: the patents of its field
 * nearest the query, at most TENYO_IDEA_EVIDENCE (3) per field, found by
 * one exact scan of the query as it came (before this adjustment; the
 * filter and --open-only hold as for the cards). The dense (LSA) query is
 * moved whole. The sparse (TF-IDF) query is moved on its own terms only:
 * each query word's weight takes the kept evidence's weight of that word
 * and gives up the rejected evidence's, clipped at 0 (Rocchio's usual
 * rule for negative weights); words the query does not hold are not added.
 * Both are scaled back to the query's own length, so similarities stay on
 * the scale the thresholds were tuned on (IDEAS_WEAK_QUERY, bands).
 *
 * Weights: ALPHA 1, BETA 0.75, GAMMA 0.15, the values of Salton and
 * Buckley's experiments that the textbooks carry (Manning, Raghavan and
 * Schuetze, IR ch. 9): positive feedback worth most of the query, negative
 * feedback a light push, because a rejected card is often rejected for
 * its field (wrong market) while its evidence still shares the technique,
 * and a strong push would throw the technique away with it. Kept fields
 * are still pinned first and rejected ones never shown (steer.c): the
 * feedback moves the rest of the list, the cards after the pinned ones.
 *
 * Rejected: adding the evidence's own words to the sparse query (the
 * textbook form). The bridge words, the why and the struck-word bookkeeping
 * all read the query's terms as the patent's words; expanded, the list
 * would cite words the patent never says. Rejected too: a second scan
 * kept for the evidence (the cards' own, from the last list): the steer
 * holds fields, not lists, so that a worksheet or a command line replays
 * it on any later run; the scan is exact and costs one more pass (a few
 * ms on the jp corpus), paid only when a field is kept or rejected.
 * An unsteered query (no kept or rejected field) is not touched: its
 * answers are those of a build without this file.
 */
#include "stages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FB_ALPHA 1.0
#define FB_BETA 0.75
#define FB_GAMMA 0.15
/* Fields of each kind whose evidence is used (the first ones named). */
#define FB_FIELDS 64

/* The evidence of each steered field: slot k's best TENYO_IDEA_EVIDENCE
 * documents by the scan's score. */
typedef struct fb_slot {
    int sign;                          /* +1 kept, -1 rejected */
    int n;                             /* documents held */
    tenyo_hit ev[TENYO_IDEA_EVIDENCE]; /* best first */
} fb_slot;

/* Document d with score v offered to slot sl: kept when among its best. */
static void slot_offer(fb_slot *sl, uint64_t d, float v) {
    int at = sl->n;
    while (at > 0 && sl->ev[at - 1].score < v) at--;
    if (at >= TENYO_IDEA_EVIDENCE) return;
    int last = sl->n < TENYO_IDEA_EVIDENCE ? sl->n : TENYO_IDEA_EVIDENCE - 1;
    memmove(&sl->ev[at + 1], &sl->ev[at], (size_t)(last - at) * sizeof sl->ev[0]);
    sl->ev[at].doc = d;
    sl->ev[at].score = v;
    if (sl->n < TENYO_IDEA_EVIDENCE) sl->n++;
}

/* The steer's kept and rejected fields into slots (slot[f] per field:
 * its slot, or -1); returns how many. */
static int fb_slots(const tenyo_ctx *c, const tenyo_steer *s, int *slot, fb_slot *sl) {
    int ns = 0;
    for (int k = TENYO_STEER_KEPT; k <= TENYO_STEER_REJECTED; k++)
        for (size_t i = 0; i < tenyo_steer_count(s, k) && i < FB_FIELDS; i++) {
            int64_t f = tenyo_index_field_find(c->idx, tenyo_steer_item(s, k, i));
            if (f < 0 || slot[f] >= 0) continue;
            slot[f] = ns;
            sl[ns].sign = k == TENYO_STEER_KEPT ? 1 : -1;
            sl[ns++].n = 0;
        }
    return ns;
}

/* The evidence of every slot from the scan's scores (c->s1). */
static void fb_evidence(const tenyo_ctx *c, const tenyo_ideas_opts *o, uint64_t skip,
                        const int *slot, fb_slot *sl) {
    const ty_model *m = &c->idx->m;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        float v = c->s1[d];
        if (d == skip || !isfinite(v) || v <= 0) continue;
        if (o->open_only && (!m->open || !m->open[d])) continue;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++)
            if (slot[m->field_ids[j]] >= 0) slot_offer(&sl[slot[m->field_ids[j]]], d, v);
    }
}

/* v[0..n) scaled to length len (left as it is when it has none). */
static void scale_to(float *v, size_t n, double len) {
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)v[i] * v[i];
    if (ss <= 0 || len <= 0) return;
    double k = len / sqrt(ss);
    for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] * k);
}

static double length_of(const float *v, size_t n) {
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)v[i] * v[i];
    return sqrt(ss);
}

/* The move of the query: sparse weights on the query's own terms (acc:
 * qn scratch), the dense vector whole (row: dim scratch). */
static void fb_move(tenyo_ctx *c, size_t qn, const fb_slot *sl, int ns, double *acc,
                    float *row, double *dacc) {
    const ty_model *m = &c->idx->m;
    size_t dim = (size_t)m->dim;
    int npos = 0, nneg = 0;
    for (int k = 0; k < ns; k++) {
        if (sl[k].sign > 0) npos += sl[k].n;
        else nneg += sl[k].n;
    }
    if (!npos && !nneg) return;
    for (int k = 0; k < ns; k++) {
        double w = sl[k].sign > 0 ? FB_BETA / npos : -FB_GAMMA / nneg;
        for (int e = 0; e < sl[k].n; e++) {
            uint64_t d = sl[k].ev[e].doc;
            size_t i = 0;
            for (uint64_t j = m->tfidf.rowptr[d]; ty_shared_next(c, d, &i, &j); i++, j++)
                acc[i] += w * m->tfidf.val[j];
            if (!dim) continue;
            ty_q8_row(&c->idx->q8, d, row);
            for (size_t t = 0; t < dim; t++) dacc[t] += w * row[t];
        }
    }
    double slen = length_of(c->qw, qn), dlen = dim ? length_of(c->qlsa, dim) : 0;
    int any = 0;
    for (size_t i = 0; i < qn; i++) {
        double v = FB_ALPHA * c->qw[i] + acc[i];
        any |= v > 0;
        acc[i] = v > 0 ? v : 0;
    }
    if (any) { /* a query all pushed away keeps its words as they were */
        for (size_t i = 0; i < qn; i++) c->qw[i] = (float)acc[i];
        scale_to(c->qw, qn, slen);
    }
    for (size_t t = 0; t < dim; t++) c->qlsa[t] = (float)(FB_ALPHA * c->qlsa[t] + dacc[t]);
    scale_to(c->qlsa, dim, dlen);
}

int ty_feedback_moves(const tenyo_steer *s) {
    return tenyo_steer_count(s, TENYO_STEER_KEPT) || tenyo_steer_count(s, TENYO_STEER_REJECTED);
}

int ty_feedback_apply(tenyo_ctx *c, const tenyo_ideas_opts *o, uint64_t skip, size_t qn) {
    const ty_ideas *is = ty_ideas_peek(c);
    if (!is || !ty_feedback_moves(is->steer) || !c->idx->m.nfields) return TENYO_OK;
    const ty_model *m = &c->idx->m;
    int *slot = ty_mallocarray(m->nfields, sizeof *slot);
    fb_slot *sl = ty_calloc(2 * FB_FIELDS, sizeof *sl);
    double *acc = ty_calloc(qn ? qn : 1, sizeof *acc);
    double *dacc = ty_calloc(m->dim ? (size_t)m->dim : 1, sizeof *dacc);
    float *row = ty_calloc(m->dim ? (size_t)m->dim : 1, sizeof *row);
    int rc = slot && sl && acc && dacc && row ? TENYO_OK : TENYO_ERR_NOMEM;
    if (!rc) {
        for (uint32_t f = 0; f < m->nfields; f++) slot[f] = -1;
        int ns = fb_slots(c, is->steer, slot, sl);
        /* one exact scan of the query as it came: every document's score
         * (a pruned scan scores only those that can be among the best) */
        int prune = c->prune;
        c->prune = 0;
        rc = ns ? ty_ctx_score(c, o->mode, qn, (size_t)m->ndocs) : TENYO_OK;
        c->prune = prune;
        if (!rc && ns) rc = ty_model_need_docfields(m, c->err, sizeof c->err);
        if (!rc && ns) fb_evidence(c, o, skip, slot, sl);
        /* the rows of the documents the move reads */
        for (int k = 0; k < ns && !rc; k++)
            rc = ty_model_need_rows(m, &sl[k].ev[0].doc, (size_t)sl[k].n, sizeof sl[k].ev[0],
                                    c->err, sizeof c->err);
        if (!rc && ns) fb_move(c, qn, sl, ns, acc, row, dacc);
    }
    free(row);
    free(dacc);
    free(acc);
    free(sl);
    free(slot);
    return rc;
}
