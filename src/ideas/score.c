/*
 * score.c — the numbers of a card. Confidence: the probability that the
 * field is a real co-classification of such a patent, a logistic model
 * over the proposal's basis fitted on the development split's Protocol X
 * candidates (bench/fit_confidence.py).
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
 * classifications) by bench/fit_confidence.py; README "Ideas" shows its
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
 * (reader_features), fitted by bench/fit_reader.py on every reader's
 * labels of the query sets 1, 2, 5-10 (bench/protocol_a/labels: 1,726
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

/* The transfer models (above): P(a genuine transfer | usable). */
static const double TRANSFER_W[] = {
    -11.0774, /* intercept */
    0.6440,   /* ln(confidence + 0.001) */
    0.6711,   /* ln(support) */
    -0.1022,  /* best evidence similarity */
    -0.4956,  /* ln(1 + specific words) */
    0.1636,   /* focus */
    -0.2318,  /* generic share */
    0.2245,   /* ln(field share + 1e-6) */
    -0.6735,  /* ln(field model probability + 1e-4) */
    -1.1240,  /* ln(prior + 0.001) */
    -1.3971,  /* ln(vote share + 0.001) */
    -0.6242,  /* title-only share of the evidence */
    -0.5571,  /* surprise */
    0.6498,   /* expected */
    0.0000,   /* free-text query */
    -0.8745,  /* English query */
    0.7425    /* evidence patents shown */
};
static const double TRANSFER_TEXT_W[] = {
    2.3909,   /* intercept */
    0.6795,   /* ln(confidence + 0.001) */
    0.5701,   /* ln(support) */
    -1.0323,  /* best evidence similarity */
    -0.0311,  /* ln(1 + specific words) */
    -1.7171,  /* focus */
    -1.3599,  /* generic share */
    0.4868,   /* ln(field share + 1e-6) */
    -1.0938,  /* ln(field model probability + 1e-4) */
    -0.1413,  /* ln(prior + 0.001) */
    -0.2441,  /* ln(vote share + 0.001) */
    -1.0846,  /* title-only share of the evidence */
    0.1954,   /* surprise */
    0.1414,   /* expected */
    0.0000,   /* free-text query */
    0.0000,   /* English query */
    -1.8637   /* evidence patents shown */
};

double ty_transfer_of(const tenyo_idea *id, int text, int english) {
    return reader_prob(text ? TRANSFER_TEXT_W : TRANSFER_W, id, text, english);
}
