/*
 * onesense.c — the sense stage of the list, after present and pin and
 * before the judge places the cards (ideas.c, ideas_list): each card the
 * judge bands strong or candidate, not kept by the analyst (a kept card
 * keeps its band), is asked whether the terms it shows (tenyo_idea_bridge)
 * have one sense in the query and in its evidence. This file gathers the
 * sentences — the query's title and abstract (or its text) and each
 * evidence patent's, split as the why lines split them (sentences.c) —
 * and the judge decides (judge/sense.c): the agreement goes to
 * tenyo_idea.sense, and a card of two senses goes one band down with
 * TENYO_WEAK_TWO_SENSES. A card that can show no shared term at all is
 * a reference card (ty_judge_term_band, TENYO_WEAK_NO_TERM). Reference
 * cards are not asked (nothing to take down): their sense stays -1, as
 * does a card whose texts cannot be read (a damaged abstracts section: the
 * list is answered, the why says it).
 */
#include "stages.h"

#include "judge/judge.h"

#include <string.h>

enum { ONESENSE_MAX = 64 }; /* sentences read per text */

void ty_sense_spans(const char *text, ty_judge_span *sp, size_t *n, size_t cap) {
    ty_sent s[ONESENSE_MAX];
    size_t k = ty_sentences(text, s, ONESENSE_MAX);
    for (size_t i = 0; i < k && *n < cap; i++) sp[(*n)++] = (ty_judge_span){s[i].p, s[i].n};
}

int ty_onesense(tenyo_ctx *c, tenyo_idea *v, size_t n, const unsigned char *kept) {
    const ty_ideas *is = ty_ideas_peek(c);
    uint64_t qdoc = is ? is->skip : UINT64_MAX;
    ty_buf qt = {0}, et[TENYO_IDEA_EVIDENCE] = {{0}};
    ty_judge_span qs[ONESENSE_MAX], es[TENYO_IDEA_EVIDENCE][ONESENSE_MAX];
    ty_judge_sense_ctx *ss = NULL;
    int rc = TENYO_OK, asked = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (v[i].band < TENYO_BAND_CANDIDATE || (kept && kept[i])) continue;
        const char *terms[TENYO_WHY_TERMS];
        int nt = tenyo_idea_bridge(c, &v[i], TENYO_WHY_TERMS, terms);
        if (nt < 0) {
            if (nt == TENYO_ERR_NOMEM) rc = nt;
            continue; /* unreadable texts: not asked */
        }
        if (nt == 0) { /* nothing to show it rests on: a reference card */
            v[i].band = ty_judge_term_band(v[i].band, 0, &v[i].weak);
            continue;
        }
        if (!asked++) { /* the query's sentences, once */
            int r = TENYO_OK;
            if (qdoc != UINT64_MAX)
                r = ty_doc_text(c, qdoc, &qt);
            else if (c->qtext.p && ty_buf_append(&qt, c->qtext.p, strlen(c->qtext.p) + 1))
                r = TENYO_ERR_NOMEM;
            size_t nq = 0;
            if (!r && qt.p) ty_sense_spans(qt.p, qs, &nq, ONESENSE_MAX);
            if (!r) r = ty_judge_sense_open(c, qs, nq, &ss);
            if (r == TENYO_ERR_NOMEM) rc = r;
            if (r) break; /* no text, or another dictionary: nothing asked */
        }
        const ty_judge_span *ep[TENYO_IDEA_EVIDENCE];
        size_t ne[TENYO_IDEA_EVIDENCE];
        uint64_t docs[TENYO_IDEA_EVIDENCE];
        int nd = v[i].nevidence < TENYO_IDEA_EVIDENCE ? v[i].nevidence : TENYO_IDEA_EVIDENCE, r = TENYO_OK;
        for (int e = 0; e < nd && !r; e++) {
            docs[e] = v[i].evidence[e].doc;
            ne[e] = 0;
            ep[e] = es[e];
            r = ty_doc_text(c, docs[e], &et[e]);
            if (!r) ty_sense_spans(et[e].p, es[e], &ne[e], ONESENSE_MAX);
        }
        if (r == TENYO_ERR_NOMEM) rc = r;
        if (r) continue;
        double a = ty_judge_sense_card(ss, docs, ep, ne, nd, terms, nt, &r);
        if (r == TENYO_ERR_NOMEM) rc = r;
        if (r) continue;
        v[i].sense = a;
        v[i].band = ty_judge_sense_band(v[i].band, a, &v[i].weak);
    }
    ty_judge_sense_close(ss);
    ty_buf_free(&qt);
    for (int e = 0; e < TENYO_IDEA_EVIDENCE; e++) ty_buf_free(&et[e]);
    return rc;
}
