/*
 * present.c — the list a user reads: the veto stage (thresholds), then the
 * present stage (order, one idea one card).
 *
 * Veto (ty_veto): thresholds hide proposals only when set (min_confidence, min_usable,
 * min_content; with a confidence threshold the thin rule too: nothing
 * specific shared, or fewer than two shared words not among the most
 * generic); what they hide is counted in the notes.
 * Order: by confidence weighed by the specific shared content,
 * confidence x (content + 0.05) — on the development split jp
 * serendipity@10 1.152x -> 1.189x the reference, en within noise
 * (docs/ideas-decisions.md); after the first round(10 (1 - novelty)),
 * fields outside the top ten co-classification alone would propose for
 * the home (not expected) come before expected ones. The band is a mark
 * on each card, not an order: ordering strong cards first cost jp
 * serendipity@10 0.11x and recall@5 fell below the reference.
 * One idea, one card: a field resting on the same evidence as an earlier
 * card (two of its evidence patents, or its only one, among that card's),
 * whatever its class, joins it (tenyo_idea.also).
 * score: confidence made decreasing down the list.
 */
#include "stages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_idea(const void *a, const void *b) {
    const tenyo_idea *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* Evidence documents two ideas share. */
static int shared_evidence(const tenyo_idea *a, const tenyo_idea *b) {
    int n = 0;
    for (int i = 0; i < a->nevidence; i++)
        for (int j = 0; j < b->nevidence; j++) n += a->evidence[i].doc == b->evidence[j].doc;
    return n;
}

/* all[from..cnt) reordered, stably, so that elements with key(e) = 1 come
 * first; tmp has room for cnt. */
static void stable_first(tenyo_idea *all, size_t from, size_t cnt, tenyo_idea *tmp,
                         int (*key)(const tenyo_idea *)) {
    size_t k = 0;
    for (size_t i = from; i < cnt; i++)
        if (key(&all[i])) tmp[k++] = all[i];
    for (size_t i = from; i < cnt; i++)
        if (!key(&all[i])) tmp[k++] = all[i];
    if (cnt > from) memcpy(all + from, tmp, (cnt - from) * sizeof *tmp);
}

static int unexpected_key(const tenyo_idea *a) {
    return !a->expected;
}

size_t ty_veto(tenyo_ideas_notes *nt, double minconf, double minuse, double mincontent,
               tenyo_idea *all, size_t cnt) {
    size_t kept = 0;
    for (size_t i = 0; i < cnt; i++) {
        const tenyo_idea *a = &all[i];
        int thin = minconf > 0 &&
                   (a->basis.generic_share > IDEAS_HOLLOW || a->basis.specific_words < 2);
        int low = a->confidence < minconf || a->usable < minuse || thin;
        if (!low && a->content >= mincontent) {
            all[kept++] = all[i];
            continue;
        }
        nt->hidden++;
        nt->hidden_thin += thin;
        nt->hidden_content += !low;
    }
    return kept;
}

int ty_present(const tenyo_ideas_opts *o, tenyo_idea *all, size_t cnt) {
    for (size_t i = 0; i < cnt; i++) all[i].score = all[i].confidence * (all[i].content + 0.05);
    qsort(all, cnt, sizeof *all, cmp_idea);
    tenyo_idea *tmp = ty_mallocarray(cnt ? cnt : 1, sizeof *tmp);
    if (!tmp) return TENYO_ERR_NOMEM;
    double novelty = o->novelty >= 0 ? o->novelty : IDEAS_NOVELTY;
    size_t keep = o->serendipity_from >= 0 ? (size_t)o->serendipity_from
                                           : (size_t)lround(10 * (1 - novelty));
    if (keep < cnt) stable_first(all, keep, cnt, tmp, unexpected_key);
    free(tmp);
    if (o->merge) {
        size_t w = 0;
        for (size_t i = 0; i < cnt; i++) {
            size_t j = 0;
            for (; j < w; j++) {
                int need = all[i].nevidence < 2 ? all[i].nevidence : 2;
                if (need && shared_evidence(&all[j], &all[i]) >= need) break;
            }
            if (j < w) {
                if (all[j].nalso < TENYO_IDEA_ALSO) all[j].also[all[j].nalso++] = all[i].code;
                continue;
            }
            all[w++] = all[i];
        }
        cnt = w;
    }
    for (size_t i = 0; i < cnt; i++) {
        all[i].score = all[i].confidence;
        if (i && all[i].score >= all[i - 1].score) all[i].score = all[i - 1].score * 0.999;
    }
    return (int)cnt;
}
