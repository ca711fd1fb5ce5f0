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
 * card.c     a card's facts, computed once, and the judge's probability
 *            that an analyst would defend it
 * sense.c    one sense on both sides: the agreement of the contexts a
 *            card's shared terms have in the query's sentences and in its
 *            evidence's, and the rule that a card of two senses is never
 *            strong
 * list.c     the list a user sees by default: what the judge trusts
 *            first, reference cards only to reach five (ideas), which
 *            licensable patents are cards (match)
 * weights.c  models/judge.tsv, compiled in (build/gen/judge_weights.c):
 *            the one versioned table of weights the C code and
 *            eval/fit_judge.py both read, by name
 *
 * Below: api (the index), text (MeCab, JUMAN), util. Above: ideas (every
 * stage that weighs a shared word asks here, through lexicon.c's hook).
 */
#ifndef TENYO_JUDGE_H
#define TENYO_JUDGE_H

#include "api/api.h"

/* The facts of a term (TY_JF_N, the TY_JF_* indexes): api.h, computed and
 * stored by api/termfacts.c, named and weighed by terms.c. */

/* The weights table's version (models/judge.tsv's "version" line). */
const char *ty_judge_version(void);
/* The weight called name in models/judge.tsv, or dflt (weights.c). */
double ty_judge_weight(const char *name, double dflt);

/* Per-term genericity: how evenly a term spreads over the fields against
 * random documents (制御, 部材 near 1; 歯車, 内視鏡 well below), built on
 * first use; NULL when it cannot be built. */
const float *ty_judge_genericity(const tenyo_index *x);
/* The facts of term t of x (TY_JF_N values) and its worth as a bridge
 * (0..1): the index's stored ones, else computed on first use of the
 * term, from any thread. Computed, the corpus-wide facts (spread,
 * partness) are 0 until tenyo_term_judge has needed them; nothing the
 * engine decides reads them. */
int ty_judge_term_features(const tenyo_index *x, uint32_t t, double *f, double *worth);

/* --- the judge of a card (card.c) --- */

/* The facts of a card, in the order of ty_judge_card_names. */
#define TY_CJ_N 18
/* The fact of a card that is the share of its terms' weight in Latin
 * script: at 0.5 or more the card is weighed by the English weights
 * ("en.card." of models/judge.tsv) when the table has them. */
#define TY_CJ_LATIN 14
const char *const *ty_judge_card_names(void);
/* The card's facts into f (TY_CJ_N): the reader model's probability
 * usable, the rule band, the facts of the n shared terms terms[i]
 * averaged with the weights w[i] they carry in the card, and the
 * similarity to the query of its nev evidence patents ev. */
void ty_judge_card_facts(const tenyo_index *x, double usable, int band, const uint32_t *terms,
                         const double *w, size_t n, const tenyo_hit *ev, int nev, double *f);
/* The judge's probability that an analyst would defend the card. */
double ty_judge_card(const double *f);
/* The band of a card the judge gives probability p (TENYO_BAND_*): the
 * card.strong_at and card.candidate_at thresholds of models/judge.tsv
 * (fitted: the usable share of the cards above each on the labels). */
int ty_judge_band(double p);

/* --- one sense on both sides (sense.c) --- */

/* A sentence: text bytes (not NUL-terminated). */
typedef struct ty_judge_span { const char *p; size_t n; } ty_judge_span;
/* A round of sense checks against one query: its sentences qs[0..nq)
 * tokenized once with c's tokenizer, and the evidence texts the cards
 * name kept by document. 0, or a status (another dictionary: the caller
 * asks nothing). */
typedef struct ty_judge_sense_ctx ty_judge_sense_ctx;
int ty_judge_sense_open(tenyo_ctx *c, const ty_judge_span *qs, size_t nq, ty_judge_sense_ctx **out);
void ty_judge_sense_close(ty_judge_sense_ctx *s);
/* The agreement (0..1) of the contexts the terms terms[0..nt) have in the
 * query's sentences and in the card's evidence (document docs[d], its
 * sentences es[d][0..ne[d]), read once a round; docs NULL: not kept):
 * the best over the terms that have both; -1 when none has (unknown).
 * *status: 0, or why a text could not be read. */
double ty_judge_sense_card(ty_judge_sense_ctx *s, const uint64_t *docs, const ty_judge_span *const *es,
                           const size_t *ne, int ndocs, const char *const *terms, int nt,
                           int *status);
/* The same for one query and one evidence text, in a round of its own. */
double ty_judge_sense(tenyo_ctx *c, const ty_judge_span *qs, size_t nq, const ty_judge_span *es,
                      size_t ne, const char *const *terms, int nt);
/* The band of a card of band band and agreement agreement: one step down,
 * TENYO_WEAK_TWO_SENSES added to *weak, when the agreement is known and
 * below sense.split_below of models/judge.tsv; else band. */
int ty_judge_sense_band(int band, double agreement, unsigned *weak);

/* --- the list shown by default (list.c) --- */

/* Cards a default list shows at least, reference cards filling up to it. */
#define TY_SHOWN_MIN 5
/* Most cards the judge places in one answer (n is at most 100). */
#define TY_SHOWN_POOL 128
/* Set v[i].shown (1-based position in the default list, 0: shown only on
 * request) for the n cards of one answer; kept[i] 1 for a card the
 * analyst kept (NULL: none). first_page 0 (a later page): every card in
 * order. Returns the cards shown. */
size_t ty_judge_shown(tenyo_idea *v, size_t n, const unsigned char *kept, int first_page,
                      size_t show);
/* 1 when a licensable patent is a card of match's list (else listed apart
 * as not fitting); nwords: the shared words its why line shows (none: no
 * card, whatever the band). */
int ty_judge_match_card(int band, int nspecific, int nwords, double similarity, double weak_query);
/* The band of a card of band band that shows nterms shared terms: a strong
 * or candidate card showing none is a reference card, TENYO_WEAK_NO_TERM
 * added to *weak; else band. */
int ty_judge_term_band(int band, int nterms, unsigned *weak);

#endif
