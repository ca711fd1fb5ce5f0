/*
 * score.c — the numbers of a card and its band.
 *
 * Confidence: the probability that the field is a real co-classification
 * of such a patent, a logistic model over the proposal's basis fitted on
 * the development split's Protocol X candidates (eval/fit_confidence.py).
 * Surprise (ideas.c): -ln P(field | home); unexpected = 1 - exp(-surprise/3).
 *
 * Content and band (ty_card_band): what the query shares with the card's
 * evidence, counted only where it is specific: a word at least
 * IDEAS_BAND_SPECIFIC specific (not spread evenly over the fields), not
 * one character nor a verb form, counted per evidence patent (the
 * concept-level overlap: several specific words one patent shares with
 * the query, a compound's parts once with it; a pun shares one word with
 * each of several patents). content = (1 - exp(-n/4)) x sqrt(1 - h/2),
 * n the best evidence patent's overlap, h the share of the specific
 * content on the home fields' characteristic words (what the query is,
 * which an obvious neighbour shares too). The field must be named by the
 * shared content (one of its characteristic words is shared) or be the
 * first code of an evidence patent; otherwise it is only a side code that
 * came along. The rule band: strong (有力) when nothing is weak; candidate
 * (候補) when two or more specific words are shared and the content is
 * neither generic, nor one word, nor a side code; reference (参考)
 * otherwise. The band a card shows is the judge's (judge/card.c), which
 * weighs the rule band with the reader model and the shared terms' facts;
 * the weak points stay the card's reasons. How
 * obvious the field is, is the other number (unexpected). The thresholds
 * are set by the rubric's patterns (cards on fewer than four specific
 * words were rarely usable), not fitted; eval/protocol_a/README.md shows
 * how the bands track readers' labels on queries the engine was not tuned
 * on. The band rule itself (ty_band_of) is one for every card: a match
 * card (ty_match_band, match.c) measures the same specific content
 * between the company's text and the one patent it shows (its weak
 * reasons: few words, generic, one word; match.c adds "no use found"),
 * and is banded by the same rule.
 *
 * The reader model (usable): an earlier model of readers' labels kept only
 * for the min_usable threshold, off by default.
 */
#include "stages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================================================== confidence model */

/* Calibrated confidence: a logistic model over the proposal's basis,
 * fitted on the development split's Protocol X candidates (every field
 * with a vote, label: the field is one of the query's other-section
 * classifications) by eval/fit_confidence.py; README "Ideas" shows its
 * reliability table. */
static const double CONF_W[] = {
    3.6494,  /* intercept */
    1.0477,  /* ln(vote share + 0.001) */
    0.4901,  /* ln(prior + 0.001) */
    -0.6641, /* ln(field share): a big field's votes say less (drift) */
    4.3548,  /* best evidence similarity */
    -0.2131, /* ln(support) */
    0.2613,  /* focus */
    -0.2095, /* generic share */
    0.7418,  /* title-only share of the evidence */
    -0.7668, /* expected */
    -3.1129, /* best similarity of the query's nearest patent */
    0.7940   /* ln(field model probability + 1e-4) */
};
#define CONF_NF 11

static void conf_features(const tenyo_idea *id, double qbest, double *f) {
    f[0] = log(id->basis.vote_share + 0.001);
    f[1] = log(id->basis.prior + 0.001);
    f[2] = log(id->basis.field_share + 1e-6);
    f[3] = id->nevidence ? id->evidence[0].score : 0;
    f[4] = log(id->support > 0 ? id->support : 1);
    f[5] = id->focus;
    f[6] = id->basis.generic_share;
    f[7] = id->basis.title_only;
    f[8] = id->expected;
    f[9] = qbest;
    f[10] = log(id->basis.model + 1e-4);
}

double ty_confidence_of(const tenyo_idea *id, double qbest) {
    double f[CONF_NF], z = CONF_W[0];
    conf_features(id, qbest, f);
    for (int i = 0; i < CONF_NF; i++) z += CONF_W[i + 1] * f[i];
    return 1 / (1 + exp(-z));
}

/* The reader models, one pair per kind of query: the probability that an
 * analyst finds the proposal usable (Protocol A label a or b: a transfer
 * or a sensible neighbour, not a pun or noise), and among usable ones the
 * probability that it is a genuine transfer (a) rather than an obvious
 * neighbour (b); logistic models over the same sixteen numbers
 * (reader_features), fitted by eval/fit_reader.py on every reader's
 * labels of the query sets 1, 2, 5-10 (eval/protocol_a/labels: 1,726
 * labels of patent queries, 760 of free text). By kind, because a
 * free-text query's home is predicted or stated rather than its own
 * classification, so the same numbers mean something else: one model for
 * both, held out a set at a time, told usable from pun on free text with
 * AUC 0.750 and a transfer from an obvious neighbour with 0.434 (worse than
 * chance: the free-text transfers go into the corpus's big fields, whose
 * vote share is large for any text, which is what a patent's obvious
 * neighbour looks like); by kind 0.778 and 0.641 (patents: 0.804 -> 0.812,
 * 0.710 -> 0.738). Patent queries: evidence similarity, specific shared
 * words and the field model up; generic shared content, big fields and
 * English queries (whose bridges readers found puns most often) down; a
 * transfer is a field many neighbours carry with a small share of their
 * votes, that co-classification does not pair with the home. Free text:
 * usable rests on the evidence (its similarity, support, specific words),
 * with a field carrying most of the votes down; a transfer there has
 * fewer, less similar evidence patents and more than one shared word. */
static const double USABLE_W[] = {
    3.3869,   /* intercept */
    -0.1395,  /* ln(confidence + 0.001) */
    -0.5141,  /* ln(support) */
    2.2917,   /* best evidence similarity */
    0.6585,   /* ln(1 + specific words) */
    -0.1556,  /* focus */
    -1.9526,  /* generic share */
    -0.6817,  /* ln(field share + 1e-6) */
    0.5767,   /* ln(field model probability + 1e-4) */
    0.2691,   /* ln(prior + 0.001) */
    0.8673,   /* ln(vote share + 0.001) */
    -0.9101,  /* title-only share of the evidence */
    -0.0478,  /* surprise */
    0.3915,   /* expected */
    0.0000,   /* free-text query */
    -1.2203,  /* English query */
    -0.0497   /* evidence patents shown */
};
static const double USABLE_TEXT_W[] = {
    -14.5571, /* intercept */
    1.6727,   /* ln(confidence + 0.001) */
    1.1936,   /* ln(support) */
    2.6691,   /* best evidence similarity */
    1.8649,   /* ln(1 + specific words) */
    1.0209,   /* focus */
    -0.1822,  /* generic share */
    -0.1276,  /* ln(field share + 1e-6) */
    -0.6412,  /* ln(field model probability + 1e-4) */
    -0.5736,  /* ln(prior + 0.001) */
    -1.9013,  /* ln(vote share + 0.001) */
    0.1603,   /* title-only share of the evidence */
    -0.2931,  /* surprise */
    0.9565,   /* expected */
    0.0000,   /* free-text query */
    0.0000,   /* English query */
    0.3394    /* evidence patents shown */
};
#define USABLE_NF 16

/* The sixteen numbers both reader models weigh, in USABLE_W's order. */
static void reader_features(const tenyo_idea *id, int text, int english, double *f) {
    const double v[USABLE_NF] = {
        log(id->confidence + 0.001),
        log(id->support > 0 ? id->support : 1),
        id->nevidence ? id->evidence[0].score : 0,
        log(1 + id->basis.specific_words),
        id->focus,
        id->basis.generic_share,
        log(id->basis.field_share + 1e-6),
        log(id->basis.model + 1e-4),
        log(id->basis.prior + 0.001),
        log(id->basis.vote_share + 0.001),
        id->basis.title_only,
        id->surprise,
        id->expected,
        text,
        english,
        id->nevidence};
    memcpy(f, v, sizeof v);
}

/* A reader model's probability: the logistic of weights w (intercept
 * first) over the proposal's sixteen numbers. */
static double reader_prob(const double *w, const tenyo_idea *id, int text, int english) {
    double f[USABLE_NF];
    reader_features(id, text, english, f);
    double z = w[0];
    for (int i = 0; i < USABLE_NF; i++) z += w[i + 1] * f[i];
    return 1 / (1 + exp(-z));
}

double ty_usable_of(const tenyo_idea *id, int text, int english) {
    return reader_prob(text ? USABLE_TEXT_W : USABLE_W, id, text, english);
}

/* 1 when term t is one of field f's characteristic terms. */
static int field_word(const tenyo_index *x, int64_t f, uint32_t t) {
    if (f < 0) return 0;
    const uint32_t *top = ty_field_top(x, (uint32_t)f);
    if (!top) return 0;
    for (int i = 0; i < TY_FM_TOP && top[i] != UINT32_MAX; i++)
        if (top[i] == t) return 1;
    return 0;
}

/* 1 when query term t counts as specific content: specific enough, not
 * a verb form. */
/* 1 when query term i counts toward the band of a card of field f: at
 * least IDEAS_BAND_SPECIFIC worth, not a verb form. */
static int specific_term(const tenyo_ctx *c, const float *gen, size_t i, uint32_t f) {
    const ty_model *m = &c->idx->m;
    const char *s = m->term_blob + m->term_off[c->qt[i]];
    return ty_term_worth(c, gen, i, f) >= IDEAS_BAND_SPECIFIC && !ty_verb_like(s);
}

/* 1 when t is a characteristic word of one of the home fields. */
static int home_word(const tenyo_index *x, const int64_t *homes, int nh, uint32_t t) {
    for (int h = 0; h < nh; h++)
        if (field_word(x, homes[h], t)) return 1;
    return 0;
}

/* Specific words query and evidence document d share, a compound's parts
 * counted once with it (界面活性剤 holds 界面 and 活性): the concept-level
 * overlap of one patent with the query. */
static int doc_overlap(const tenyo_ctx *c, const float *gen, uint64_t d, uint32_t f) {
    const ty_model *m = &c->idx->m;
    const char *sh[64];
    int ns = 0;
    if (ty_model_need_rows(m, &d, 1, sizeof d, NULL, 0)) return 0;
    size_t i = 0;
    for (uint64_t j = m->tfidf.rowptr[d]; ns < 64 && ty_shared_next(c, d, &i, &j); i++, j++)
        if (specific_term(c, gen, i, f) && !ty_own_piece(c, d, i))
            sh[ns++] = m->term_blob + m->term_off[c->qt[i]];
    int n = 0;
    for (int a = 0; a < ns; a++) {
        int part = 0;
        for (int b = 0; b < ns && !part; b++)
            part = b != a && strlen(sh[b]) > strlen(sh[a]) && strstr(sh[b], sh[a]);
        n += !part;
    }
    return n;
}

void ty_card_band(const tenyo_ctx *c, const float *gen, const int64_t *homes, int nh,
                  tenyo_idea *id, double *w) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    ty_bridge_weights(c, id->evidence, id->nevidence, id->field, w);
    double spec = 0, home = 0, top = 0;
    int named = 0;
    size_t qn = ty_ideas_qn(c);
    for (size_t i = 0; i < qn; i++) {
        if (!(w[i] > 0)) continue;
        uint32_t t = c->qt[i];
        if (!specific_term(c, gen, i, id->field)) continue;
        double v = w[i] * ty_term_worth(c, gen, i, id->field);
        spec += v;
        if (v > top) top = v;
        if (home_word(x, homes, nh, t)) home += v;
        named |= field_word(x, id->field, t);
    }
    int nspec = 0;
    for (int e = 0; e < id->nevidence; e++) {
        uint64_t d = id->evidence[e].doc;
        int k = doc_overlap(c, gen, d, id->field);
        if (k > nspec) nspec = k;
        named |= m->field_ptr[d] < m->field_ptr[d + 1] && m->field_ids[m->field_ptr[d]] == id->field;
    }
    id->content = (1 - exp(-nspec / 4.0)) * (spec > 0 ? sqrt(1 - 0.5 * home / spec) : 0);
    unsigned weak = 0;
    if (nspec < IDEAS_BAND_WORDS) weak |= TENYO_WEAK_FEW_WORDS;
    if (id->basis.generic_share > IDEAS_GENERIC) weak |= TENYO_WEAK_GENERIC;
    if (spec > 0 && top / spec > IDEAS_ONE_WORD) weak |= TENYO_WEAK_ONE_WORD;
    if (id->support <= 1) weak |= TENYO_WEAK_ONE_PATENT;
    else if (id->nevidence == 1) weak |= TENYO_WEAK_PORTFOLIO;
    if (!named) weak |= TENYO_WEAK_SIDE_CODE;
    if (id->confidence < IDEAS_BAND_CONFIDENCE) weak |= TENYO_WEAK_LOW_CONFIDENCE;
    id->weak = weak;
    id->band = ty_band_of(weak, nspec);
    /* the judge's record of the card, made once (judge/card.c) */
    double jf[TY_CJ_N];
    ty_judge_card_facts(x, id->usable, id->band, c->qt, w, qn, id->evidence, id->nevidence, jf);
    id->judge = ty_judge_card(jf);
    /* the band is the judge's: the rule's band above is one of its facts */
    id->band = ty_judge_band(id->judge);
    id->sense = -1; /* asked by the sense stage of the list (onesense.c) */
}

int ty_card_facts(const tenyo_ctx *c, const tenyo_idea *id, double *f) {
    size_t qn = ty_ideas_qn(c);
    double *w = ty_calloc(qn ? qn : 1, sizeof *w);
    if (!w) return TENYO_ERR_NOMEM;
    ty_bridge_weights(c, id->evidence, id->nevidence, id->field, w);
    /* the rule's band, as ty_card_band gave it to the judge (id->band is
     * the judge's by now, and the sense stage's) */
    const float *gen = ty_term_generic(c->idx);
    int nspec = 0;
    for (int e = 0; e < id->nevidence; e++) {
        int k = doc_overlap(c, gen, id->evidence[e].doc, id->field);
        if (k > nspec) nspec = k;
    }
    int band = ty_band_of(id->weak & ~(unsigned)TENYO_WEAK_TWO_SENSES, nspec);
    ty_judge_card_facts(c->idx, id->usable, band, c->qt, w, qn, id->evidence, id->nevidence, f);
    free(w);
    return TENYO_OK;
}

int ty_band_of(unsigned weak, int nspec) {
    if (!weak) return TENYO_BAND_STRONG;
    if (nspec >= 2 && !(weak & (TENYO_WEAK_GENERIC | TENYO_WEAK_SIDE_CODE | TENYO_WEAK_ONE_WORD)))
        return TENYO_BAND_CANDIDATE;
    return TENYO_BAND_REFERENCE;
}

void ty_match_band(const tenyo_ctx *c, const float *gen, uint64_t d, ty_match_content *out) {
    const ty_model *m = &c->idx->m;
    double tot = 0, spec = 0, top = 0;
    size_t i = 0;
    memset(out, 0, sizeof *out);
    if (ty_model_need_rows(m, &d, 1, sizeof d, NULL, 0)) return;
    for (uint64_t j = m->tfidf.rowptr[d]; ty_shared_next(c, d, &i, &j); i++, j++) {
        if (ty_own_piece(c, d, i)) continue; /* a piece of a longer word on one side */
        double v = c->qw[i] * m->tfidf.val[j] * ty_term_weight(c, i, UINT32_MAX);
        tot += v;
        if (!specific_term(c, gen, i, UINT32_MAX)) continue;
        v *= ty_term_worth(c, gen, i, UINT32_MAX);
        spec += v;
        if (v > top) top = v;
    }
    out->nspecific = doc_overlap(c, gen, d, UINT32_MAX);
    out->generic_share = tot > 0 ? 1 - spec / tot : 1;
    out->content = (1 - exp(-out->nspecific / 4.0)) * (1 - out->generic_share);
    unsigned weak = 0;
    if (out->nspecific < IDEAS_BAND_WORDS) weak |= TENYO_WEAK_FEW_WORDS;
    if (out->generic_share > IDEAS_GENERIC || out->nspecific == 0) weak |= TENYO_WEAK_GENERIC;
    if (spec > 0 && top / spec > IDEAS_ONE_WORD) weak |= TENYO_WEAK_ONE_WORD;
    out->weak = weak;
}
