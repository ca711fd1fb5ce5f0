/*
 * judge.h — the judge layer (judge/): what a link between two patents is
 * worth, decided in one place for ideas and match.
 *
 * terms.c    the term facts of an index (one record per term: its unit,
 *            its part of speech and head as MeCab sees them, what JUMAN
 *            says of it, its field-balanced spread, rarity and how often
 *            it is only a piece of a longer compound) and each term's
 *            worth as a bridge: the judge's probability that an analyst
 *            would defend a link resting on it
 * weights    models/judge.tsv, compiled in (build/gen/judge_weights.c):
 *            the one versioned table of weights the C code and
 *            eval/fit_judge.py both read
 *
 * Below: api (the index), text (MeCab, JUMAN), util. Above: ideas (every
 * stage that weighs a shared word asks here, through lexicon.c's hook).
 */
#ifndef TENYO_JUDGE_H
#define TENYO_JUDGE_H

#include "api/api.h"

/* The features of a term, in the order of ty_judge_feature_names. */
#define TY_JF_N 21

/* Names of the features (bias first), as models/judge.tsv names them. */
const char *const *ty_judge_feature_names(void);
/* The weights table's version (models/judge.tsv's "version" line). */
const char *ty_judge_version(void);

/* Per-term genericity: how evenly a term spreads over the fields against
 * random documents (制御, 部材 near 1; 歯車, 内視鏡 well below), built on
 * first use; NULL when it cannot be built. */
const float *ty_judge_genericity(const tenyo_index *x);
/* Per-term worth as a bridge (0..1), built on first use from any thread;
 * NULL when the table cannot be built (out of memory). */
const float *ty_judge_worth(const tenyo_index *x);
/* The features of term t of x (TY_JF_N values) and its worth. */
int ty_judge_term_features(const tenyo_index *x, uint32_t t, double *f, double *worth);
/* 1 when the JUMAN dictionary was found when the table was built. */
int ty_judge_has_juman(const tenyo_index *x);

#endif
