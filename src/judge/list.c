/*
 * list.c — the list a user sees by default, decided by the judge for
 * ideas and match alike (renderers follow it; none decides it).
 *
 * The engine's list keeps its order (confidence x specific content, the
 * order Protocol X measures); each card gets a position in the list shown
 * by default (tenyo_idea.shown, 1 first; 0 not shown by default):
 *   1. cards the analyst kept, in their order (a kept card is shown
 *      whatever its band, with the band it had when kept);
 *   2. strong (有力) cards, then candidate (候補) cards, each in the
 *      engine's order: what the judge trusts comes first;
 *   3. reference (参考) cards, in the engine's order, only until
 *      TY_SHOWN_MIN cards are shown.
 * The others stay in the answer, marked not shown, counted, and shown on
 * request (tenyo ideas --all; the page's さらに表示). Why: readers found
 * about a quarter of reference cards usable against nine in ten strong
 * cards and about half of the candidate cards, and reference cards held
 * most first-five slots while candidates sat below rank 5.
 *
 * match (tenyo_match_json): a licensable patent is a card when its band is
 * candidate or strong, or when it shares a specific word at a similarity
 * the engine does not call weak; the rest is listed apart ("nothing else
 * fits") — ty_judge_match_card.
 */
#include "judge/judge.h"

size_t ty_judge_shown(tenyo_idea *v, size_t n, const unsigned char *kept, int first_page) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) v[i].shown = 0;
    if (!first_page) { /* a later page, asked for: every card in order */
        for (size_t i = 0; i < n; i++) v[i].shown = (int)++pos;
        return pos;
    }
    for (size_t i = 0; i < n; i++)
        if (kept && kept[i]) v[i].shown = (int)++pos;
    static const int order[] = {TENYO_BAND_STRONG, TENYO_BAND_CANDIDATE};
    for (size_t b = 0; b < sizeof order / sizeof order[0]; b++)
        for (size_t i = 0; i < n; i++)
            if (!v[i].shown && v[i].band == order[b]) v[i].shown = (int)++pos;
    for (size_t i = 0; i < n && pos < TY_SHOWN_MIN; i++)
        if (!v[i].shown) v[i].shown = (int)++pos;
    return pos;
}

int ty_judge_match_card(int band, int nspecific, double similarity, double weak_query) {
    if (band >= TENYO_BAND_CANDIDATE) return 1;
    return nspecific > 0 && similarity >= weak_query;
}
