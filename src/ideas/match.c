/*
 * match.c — company matching, the Kawasaki-model query (issue 17): a
 * company describes its strengths in a few sentences; which licensable
 * patents could it use, and for what?
 *
 * The question is the reverse of `ideas` (a patent looking for fields),
 * and it is answered with the ideas engine, not beside it:
 *   1. the licensable patents nearest the company's text, within the
 *      context's filter (date, applicant, fields, keywords) AND licensable
 *      (a mask built once per call, applied before the top-k like every
 *      filter): what the company could take up, by closeness to what it
 *      already does;
 *   2. tenyo_ideas_text on the same text with open_only: the fields (IPC
 *      subclasses) away from the company's home fields that licensable
 *      patents open to it, each with the confidence, bridge terms, phrases
 *      and notes of the proposal-quality work — its evidence patents are
 *      licensable ones, the vehicles into that field;
 *   3. each patent of 1 and every evidence patent of 2 becomes a match:
 *      its uses are the proposals it is evidence for (best confidence
 *      first), and own_field says it already lies in the company's home
 *      fields (a use in its own products).
 * Matches are ranked by similarity to the company's text (what it could
 * use: a patent far from its strengths is hard to take up, however
 * surprising its field); the uses say for what. After the call the context
 * holds the ideas query, so tenyo_idea_bridge / _phrases / tenyo_ctx_notes
 * / tenyo_ctx_home explain the uses exactly as they explain `ideas`.
 *
 * Rejected: ranking by the best use's confidence (a patent would rank by
 * how common its field pairing is, not by whether the company can use it);
 * running ideas once per candidate patent (k ideas queries per request,
 * and each would answer "where else could this patent go", not "where
 * could this company go with it").
 */
#include "ideas/ideas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nearest licensable patents looked at beside the ideas' evidence. */
#define MATCH_NEAR_MAX 200

/* 1 when document d of x has a subclass among the comma-separated home. */
static int in_home(const tenyo_index *x, uint64_t d, const char *home) {
    const ty_model *m = &x->m;
    for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
        const char *fc = m->field_code[m->field_ids[j]];
        for (const char *h = home; *h;) {
            size_t l = strcspn(h, ",");
            if (l == strlen(fc) && !strncmp(h, fc, l)) return 1;
            h += l + (h[l] == ',');
        }
    }
    return 0;
}

static int cmp_match(const void *a, const void *b) {
    const tenyo_match *x = a, *y = b;
    if (x->similarity != y->similarity) return x->similarity > y->similarity ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Add idea i as a use of match mt (kept best confidence first). */
static void add_use(tenyo_match *mt, const tenyo_idea *ideas, int i) {
    for (int u = 0; u < mt->nuses; u++)
        if (mt->uses[u] == i) return;
    int at = mt->nuses;
    while (at > 0 && ideas[mt->uses[at - 1]].confidence < ideas[i].confidence) at--;
    if (at >= TENYO_MATCH_USES) return;
    int last = mt->nuses < TENYO_MATCH_USES ? mt->nuses : TENYO_MATCH_USES - 1;
    for (int u = last; u > at; u--) mt->uses[u] = mt->uses[u - 1];
    mt->uses[at] = i;
    if (mt->nuses < TENYO_MATCH_USES) mt->nuses++;
    mt->confidence = ideas[mt->uses[0]].confidence;
}

int tenyo_match_text(tenyo_ctx *c, const char *text, size_t len, const tenyo_ideas_opts *o,
                     size_t nideas, tenyo_idea *ideas, int *got_ideas, size_t k,
                     tenyo_match *out) {
    if (got_ideas) *got_ideas = 0;
    if (!c || (!text && len) || (nideas && !ideas) || (k && !out)) return TENYO_ERR_ARG;
    tenyo_ideas_opts io;
    if (o) io = *o;
    else tenyo_ideas_opts_default(&io);
    io.open_only = 1;
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    tenyo_filter *user = c->filter, *lic = NULL;
    tenyo_match *all = NULL;
    tenyo_hit *near = NULL;
    uint8_t *mask = NULL;
    int rc = TENYO_ERR_NOMEM;
    /* 1. the nearest licensable patents, within the caller's filter */
    const uint8_t *um = ty_ctx_mask(c, &rc);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    mask = ty_malloc(m->ndocs ? m->ndocs : 1);
    if (!mask || tenyo_filter_new(x, &lic)) goto done;
    uint64_t nlic = 0;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        mask[d] = m->open[d] && (!um || um[d]);
        nlic += mask[d];
    }
    ty_filter_set_keywords(lic, mask, NULL, 0); /* the filter owns the mask */
    mask = NULL;
    size_t nnear = k < MATCH_NEAR_MAX ? k : MATCH_NEAR_MAX;
    if (nnear > nlic) nnear = (size_t)nlic;
    near = ty_calloc(nnear ? nnear : 1, sizeof *near);
    all = ty_calloc(nnear + nideas * TENYO_IDEA_EVIDENCE + 1, sizeof *all);
    if (!near || !all) goto done;
    int nn = 0;
    if (nnear) {
        c->filter = lic;
        nn = tenyo_similar_text(c, text, len, io.mode, nnear, near);
        c->filter = user;
        if (nn < 0) {
            rc = nn;
            goto done;
        }
    }
    /* 2. the fields licensable patents open to the company */
    int got = tenyo_ideas_text(c, text, len, &io, nideas, ideas);
    if (got < 0) {
        rc = got;
        goto done;
    }
    if (got_ideas) *got_ideas = got;
    /* 3. matches: the nearest, then every evidence patent, with its uses */
    size_t na = 0;
    for (int i = 0; i < nn; i++) {
        if (!(near[i].score > 0)) break;
        all[na].doc = near[i].doc;
        all[na].similarity = near[i].score;
        na++;
    }
    for (int i = 0; i < got; i++)
        for (int e = 0; e < ideas[i].nevidence; e++) {
            uint64_t d = ideas[i].evidence[e].doc;
            size_t j = 0;
            while (j < na && all[j].doc != d) j++;
            if (j == na) {
                all[na].doc = d;
                all[na].similarity = ideas[i].evidence[e].score;
                na++;
            }
            add_use(&all[j], ideas, i);
        }
    const char *home = tenyo_ctx_home(c, NULL);
    for (size_t j = 0; j < na; j++) all[j].own_field = in_home(x, all[j].doc, home);
    qsort(all, na, sizeof *all, cmp_match);
    if (na > k) na = k;
    if (na) memcpy(out, all, na * sizeof *all);
    rc = (int)na;
done:
    c->filter = user;
    if (rc == TENYO_ERR_NOMEM) ty_seterr(c->err, sizeof c->err, "out of memory matching");
    free(mask);
    free(near);
    free(all);
    tenyo_filter_free(lic);
    return rc;
}
