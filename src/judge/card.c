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
 *   English    the same average of the English facts of terms.c (a
 *              generic head by rule, a participle, the field-balanced
 *              spread), the share of the weight in Latin-script terms, and
 *              the mean spread of the card's first TY_CJ_TOP Latin-script
 *              terms in the order the bridge list weighs them (weight x
 *              (0.1 + specificity): the words a reader sees; on the
 *              English labels the spread of the words shown told usable
 *              cards apart better than the average over every term);
 *   evidence   the similarity to the query of the card's best evidence
 *              patent and the sum over its evidence patents (at most
 *              TENYO_IDEA_EVIDENCE): how close the patents the link
 *              rests on are, beside what the words are worth. Held out
 *              set by set (sets 60, 61, 62, 64, 66, fitted on the
 *              others), the two raised the AUC for usable by 0.00-0.02
 *              on every set (docs/ideas-decisions.md). The labels hold
 *              no query of fewer than seven words, and a text of two
 *              words is close to any patent that writes one of them: on
 *              a query of fewer than TY_CJ_FULL_QUERY terms both are
 *              scaled down in proportion.
 * The probability is the logistic of the "card." weights of
 * models/judge.tsv (eval/fit_judge.py --cards), fitted on the readers'
 * labels of some query sets and judged on others. A card whose weight is
 * mostly in Latin-script terms (an English card) is weighed instead, when
 * the table has "en.card." weights and its terms' spread is known (an
 * index of mostly English documents), by en.card.ja x the Japanese logit
 * plus the en.card. weights of the bias and the English facts
 * (eval/fit_judge.py --cards --en: fitted on English labels only, judged
 * by query held out); the Japanese weights never see the English facts.
 */
#include "judge/judge.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *const cj_names[TY_CJ_N + 1] = {
    "card.bias", "card.reader", "card.strong", "card.candidate", "card.genericity",
    "card.abstract", "card.sahen", "card.claim_element", "card.compound", "card.idf",
    "card.juman_unknown", "card.en_generic", "card.en_verb", "card.en_spread", "card.latin",
    "card.en_top_spread", "card.evidence_sim", "card.evidence_sum", NULL};

/* 1 for the facts the Japanese weights are fitted on (the English ones
 * are the en.card. weights' alone). */
static const unsigned char cj_ja[TY_CJ_N] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                             0, 0, 0, 0, 0, 1, 1};
/* The first of the two evidence facts (the term facts come before it). */
#define TY_CJ_EVIDENCE 16
/* Query terms from which the evidence's similarity counts in full. */
#define TY_CJ_FULL_QUERY 6
/* Latin-script terms the top spread averages (the bridge list shows five). */
#define TY_CJ_TOP 5

const char *const *ty_judge_card_names(void) { return cj_names; }

/* The card weights by fact and the band thresholds, looked up once: the
 * card stage weighs hundreds of cards a query. */
static double cj_w[TY_CJ_N], cj_wen[TY_CJ_N], cj_en_ja, cj_strong_at, cj_candidate_at;
static int cj_has_en;
static pthread_once_t cj_once = PTHREAD_ONCE_INIT;
static void cj_load(void) {
    for (int i = 0; i < TY_CJ_N; i++) {
        char en[40];
        snprintf(en, sizeof en, "en.%s", cj_names[i]);
        /* the Japanese weights: the facts they were fitted on only */
        cj_w[i] = cj_ja[i] ? ty_judge_weight(cj_names[i], 0) : 0;
        cj_wen[i] = ty_judge_weight(en, 0);
    }
    cj_has_en = !isnan(ty_judge_weight("en.card.bias", NAN));
    cj_en_ja = ty_judge_weight("en.card.ja", 1);
    /* without thresholds (no fit yet) every card is a reference card */
    cj_strong_at = ty_judge_weight("card.strong_at", 2);
    cj_candidate_at = ty_judge_weight("card.candidate_at", 2);
}

void ty_judge_card_facts(const tenyo_index *x, double usable, int band, const uint32_t *terms,
                         const double *w, size_t n, const tenyo_hit *ev, int nev, double *f) {
    for (int i = 0; i < TY_CJ_N; i++) f[i] = 0;
    double u = usable < 1e-6 ? 1e-6 : usable > 1 - 1e-6 ? 1 - 1e-6 : usable;
    f[0] = 1;
    f[1] = log(u / (1 - u));
    f[2] = band == TENYO_BAND_STRONG;
    f[3] = band == TENYO_BAND_CANDIDATE;
    double tot = 0, tf[TY_JF_N], worth;
    double topk[TY_CJ_TOP], tops[TY_CJ_TOP]; /* the best TY_CJ_TOP: key, spread */
    int ntop = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0) || ty_judge_term_features(x, terms[i], tf, &worth)) continue;
        if (tf[TY_JF_LATIN] > 0) {
            double key = w[i] * (1.1 - tf[TY_JF_GENERICITY]);
            int at = ntop < TY_CJ_TOP ? ntop++ : TY_CJ_TOP;
            while (at > 0 && topk[at - 1] < key) {
                if (at < TY_CJ_TOP) topk[at] = topk[at - 1], tops[at] = tops[at - 1];
                at--;
            }
            if (at < TY_CJ_TOP) topk[at] = key, tops[at] = tf[TY_JF_EN_SPREAD];
        }
        tot += w[i];
        f[4] += w[i] * tf[TY_JF_GENERICITY];
        f[5] += w[i] * tf[TY_JF_J_ABSTRACT];
        f[6] += w[i] * tf[TY_JF_HEAD_SAHEN];
        f[7] += w[i] * (tf[TY_JF_HEAD_SUFFIX] > 0 && tf[TY_JF_COMPOUND] > 0);
        f[8] += w[i] * tf[TY_JF_COMPOUND];
        f[9] += w[i] * tf[TY_JF_IDF];
        f[10] += w[i] * tf[TY_JF_J_NONE];
        f[11] += w[i] * tf[TY_JF_EN_GENERIC];
        f[12] += w[i] * tf[TY_JF_EN_VERB];
        f[13] += w[i] * tf[TY_JF_EN_SPREAD];
        f[TY_CJ_LATIN] += w[i] * tf[TY_JF_LATIN];
    }
    for (int i = 4; i < TY_CJ_EVIDENCE && tot > 0; i++) f[i] /= tot;
    for (int k = 0; k < ntop; k++) f[15] += tops[k] / ntop;
    double full = n < TY_CJ_FULL_QUERY ? (double)n / TY_CJ_FULL_QUERY : 1;
    for (int e = 0; e < nev && e < TENYO_IDEA_EVIDENCE; e++) {
        double sim = ev[e].score > 0 ? full * ev[e].score : 0;
        if (sim > f[TY_CJ_EVIDENCE]) f[TY_CJ_EVIDENCE] = sim;
        f[TY_CJ_EVIDENCE + 1] += sim;
    }
}

double ty_judge_card(const double *f) {
    pthread_once(&cj_once, cj_load);
    double z = 0;
    for (int i = 0; i < TY_CJ_N; i++) z += cj_w[i] * f[i];
    /* an English card, its English facts known (terms.c computes them on
     * an index of mostly English documents only) */
    if (cj_has_en && f[TY_CJ_LATIN] >= 0.5 && f[13] > 0) {
        z *= cj_en_ja;
        for (int i = 0; i < TY_CJ_N; i++) z += cj_wen[i] * f[i];
    }
    return 1 / (1 + exp(-z));
}

int ty_judge_band(double p) {
    pthread_once(&cj_once, cj_load);
    if (p >= cj_strong_at) return TENYO_BAND_STRONG;
    if (p >= cj_candidate_at) return TENYO_BAND_CANDIDATE;
    return TENYO_BAND_REFERENCE;
}
