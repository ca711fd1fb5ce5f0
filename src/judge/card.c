/*
 * card.c — the judge of a card: the probability that an analyst would
 * defend the link an ideas card proposes, from one record of the card's
 * facts, computed once when the card is made (ideas/score.c calls
 * ty_judge_card with the shared terms' weights it already has).
 *
 * The record (TY_CJ_N facts, names in ty_judge_card_names):
 *   reader     the logit of the reader model's probability (ideas'
 *              tenyo_idea.usable: the card's own numbers, fitted on
 *              earlier readers' labels);
 *   rule bands strong and candidate, as the band rule of ideas/score.c
 *              gives them (specific words in one evidence patent, generic,
 *              one word, side code, confidence);
 *   terms      the facts of the terms the query shares with the card's
 *              evidence (terms.c), averaged with the weight each carries
 *              in the card (query weight x evidence weight x similarity):
 *              genericity, JUMAN's 抽象物, a サ変 head, a claim element's
 *              head (a compound ending in 〜部 and the like), compound,
 *              rarity, unknown to JUMAN.
 * The probability is the logistic of the "card." weights of
 * models/judge.tsv (eval/fit_judge.py --cards), fitted on the readers'
 * labels of some query sets and judged on others.
 */
#include "judge/judge.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

static const char *const cj_names[TY_CJ_N + 1] = {
    "card.bias", "card.reader", "card.strong", "card.candidate", "card.genericity",
    "card.abstract", "card.sahen", "card.claim_element", "card.compound", "card.idf",
    "card.juman_unknown", NULL};

const char *const *ty_judge_card_names(void) { return cj_names; }

/* The card weights by fact and the band thresholds, looked up once: the
 * card stage weighs hundreds of cards a query. */
static double cj_w[TY_CJ_N], cj_strong_at, cj_candidate_at;
static pthread_once_t cj_once = PTHREAD_ONCE_INIT;
static void cj_load(void) {
    for (int i = 0; i < TY_CJ_N; i++) cj_w[i] = ty_judge_weight(cj_names[i], 0);
    /* without thresholds (no fit yet) every card is a reference card */
    cj_strong_at = ty_judge_weight("card.strong_at", 2);
    cj_candidate_at = ty_judge_weight("card.candidate_at", 2);
}

void ty_judge_card_facts(const tenyo_index *x, double usable, int band, const uint32_t *terms,
                         const double *w, size_t n, double *f) {
    for (int i = 0; i < TY_CJ_N; i++) f[i] = 0;
    double u = usable < 1e-6 ? 1e-6 : usable > 1 - 1e-6 ? 1 - 1e-6 : usable;
    f[0] = 1;
    f[1] = log(u / (1 - u));
    f[2] = band == TENYO_BAND_STRONG;
    f[3] = band == TENYO_BAND_CANDIDATE;
    double tot = 0, tf[TY_JF_N], worth;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0) || ty_judge_term_features(x, terms[i], tf, &worth)) continue;
        tot += w[i];
        f[4] += w[i] * tf[TY_JF_GENERICITY];
        f[5] += w[i] * tf[TY_JF_J_ABSTRACT];
        f[6] += w[i] * tf[TY_JF_HEAD_SAHEN];
        f[7] += w[i] * (tf[TY_JF_HEAD_SUFFIX] > 0 && tf[TY_JF_COMPOUND] > 0);
        f[8] += w[i] * tf[TY_JF_COMPOUND];
        f[9] += w[i] * tf[TY_JF_IDF];
        f[10] += w[i] * tf[TY_JF_J_NONE];
    }
    for (int i = 4; i < TY_CJ_N && tot > 0; i++) f[i] /= tot;
}

double ty_judge_card(const double *f) {
    pthread_once(&cj_once, cj_load);
    double z = 0;
    for (int i = 0; i < TY_CJ_N; i++) z += cj_w[i] * f[i];
    return 1 / (1 + exp(-z));
}

int ty_judge_band(double p) {
    pthread_once(&cj_once, cj_load);
    if (p >= cj_strong_at) return TENYO_BAND_STRONG;
    if (p >= cj_candidate_at) return TENYO_BAND_CANDIDATE;
    return TENYO_BAND_REFERENCE;
}
