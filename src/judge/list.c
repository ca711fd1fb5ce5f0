/*
 * list.c — the list a user sees by default, decided by the judge for
 * ideas and match alike (renderers follow it; none decides it).
 *
 * The engine's list keeps its order (confidence x specific content, the
 * order Protocol X measures); each card gets a position in the list shown
 * by default (tenyo_idea.shown, 1 first; 0 not shown by default):
 *   1. cards the analyst kept, in their order (a kept card is shown
 *      whatever its band, with the band it had when kept);
 *   2. strong (有力) and candidate (候補) cards — the bands are the
 *      judge's (card.c: its probability against the thresholds of
 *      models/judge.tsv; sense.c: one band down for two senses) — strong
 *      first, each band in the judge's order, probability down, at most
 *      show cards in all;
 *   3. reference (参考) cards, in the judge's order, only until
 *      TY_SHOWN_MIN cards are shown.
 * The caller may ask the engine for more cards than it shows (the pool:
 * tenyo_ideas_opts.show below n), so the judge picks from a longer list
 * than the one it shows; with show = n it reorders the n.
 * The others stay in the answer, marked not shown, counted, and shown on
 * request (tenyo ideas --all; the page's さらに表示). Why: readers found
 * about a quarter of reference cards usable against nine in ten strong
 * cards and about half of the candidate cards, and reference cards held
 * most first-five slots while candidates sat below rank 5.
 *
 * A card that can show no shared term (no specific word both texts write
 * as a word: the bridge terms of tenyo_idea_bridge) is never above
 * reference, whatever its probability (ty_judge_term_band, asked by the
 * sense stage with the terms it checks; TENYO_WEAK_NO_TERM says why): an
 * analyst cannot defend a link the card does not show.
 *
 * match (tenyo_match_json): a licensable patent is a card when its why line
 * can show a shared word (a card that shows nothing it rests on cannot be
 * defended) and its band is candidate or strong, or it shares a specific
 * word at a similarity the engine does not call weak; the rest is listed
 * apart ("nothing else fits") — ty_judge_match_card.
 */
#include "judge/judge.h"

/* 1 when card a goes before card b: its band higher (the sense stage may
 * have taken a card down below its probability's band), then its
 * probability. */
static int before(const tenyo_idea *a, const tenyo_idea *b) {
    return a->band != b->band ? a->band > b->band : a->judge > b->judge;
}

/* Cards in the judge's order: band, probability down, then the engine's
 * rank. */
static void by_judge(const tenyo_idea *v, size_t n, size_t *ord) {
    for (size_t i = 0; i < n; i++) ord[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion: n is at most a few dozen */
        for (size_t j = i; j > 0 && before(&v[ord[j]], &v[ord[j - 1]]); j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
}

size_t ty_judge_shown(tenyo_idea *v, size_t n, const unsigned char *kept, int first_page,
                      size_t show) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) v[i].shown = 0;
    if (!first_page) { /* a later page, asked for: every card in order */
        for (size_t i = 0; i < n; i++) v[i].shown = (int)++pos;
        return pos;
    }
    if (!show || show > n) show = n;
    size_t ord[TY_SHOWN_POOL];
    if (n > TY_SHOWN_POOL) n = TY_SHOWN_POOL;
    by_judge(v, n, ord);
    for (size_t i = 0; i < n; i++)
        if (kept && kept[i]) v[i].shown = (int)++pos;
    for (size_t k = 0; k < n && pos < show; k++)
        if (!v[ord[k]].shown && v[ord[k]].band >= TENYO_BAND_CANDIDATE) v[ord[k]].shown = (int)++pos;
    for (size_t k = 0; k < n && pos < TY_SHOWN_MIN && pos < show; k++)
        if (!v[ord[k]].shown) v[ord[k]].shown = (int)++pos;
    return pos;
}

int ty_judge_match_card(int band, int nspecific, int nwords, double similarity, double weak_query) {
    if (nwords <= 0) return 0; /* whatever its band: nothing shown to defend it by */
    if (band >= TENYO_BAND_CANDIDATE) return 1;
    return nspecific > 0 && similarity >= weak_query;
}

int ty_judge_term_band(int band, int nterms, unsigned *weak) {
    if (nterms > 0 || band <= TENYO_BAND_REFERENCE) return band;
    *weak |= TENYO_WEAK_NO_TERM;
    return TENYO_BAND_REFERENCE;
}
