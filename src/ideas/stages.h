/*
 * stages.h — the stages of the ideas engine and what they share (internal
 * to src/ideas/; the layer's public face is tenyo.h through ideas.h).
 *
 *   lexicon.c   what a term says: genericity over the fields, the field
 *               model and each field's characteristic terms, specificity,
 *               the content a query shares with evidence patents
 *   generate.c  candidate generators: the query's nearest patents voting
 *               for their fields (neighbours), and patents elsewhere that
 *               state the same function (an object and what is done to it)
 *   score.c     the two numbers of a card: how likely the field is a real
 *               use (confidence), how unexpected it is (surprise); the
 *               strength band and the reason a weak card is weak
 *   present.c   order, one idea one card (merging), the notes
 *   explain.c   bridge terms, application phrases, the why lines
 *   clean.c     text fit to show: no markup, reference signs or cut words
 *   ideas.c     the public entry points: one query through the stages
 */
#ifndef TENYO_IDEAS_STAGES_H
#define TENYO_IDEAS_STAGES_H

#include "ideas/ideas.h"

/* Tuned on the development split (README "Ideas"). */
#define IDEAS_KNN 300
#define IDEAS_ALPHA 0.0
#define IDEAS_NOVELTY 0.6
#define IDEAS_SERENDIPITY_FROM 5
#define IDEAS_PRIOR_TOP 10
#define IDEAS_PRIOR_WEIGHT 0.2
/* A proposal whose top word carries more than this share of the specific
 * shared content rests on one word (TENYO_IDEA_ONE_WORD). */
#define IDEAS_ONE_WORD 0.6
/* Generic words carrying more than this share: TENYO_IDEA_GENERIC. */
#define IDEAS_GENERIC 0.6
/* With a confidence threshold, proposals whose shared content is more than
 * this share generic (or single characters) are left out too. */
#define IDEAS_HOLLOW 0.95
/* A shared word at least this specific (1 - genericity) counts as a
 * bridge word; a proposal with fewer than two is thin. Low on purpose:
 * the genericity of this corpus's technical words is high (a third of jp
 * is vehicles: アクチュエータ 0.17, 駆動 0.16), and what it must catch is
 * the proposal that shares one word with the query at all (技術, 加工,
 * 均一 from a free-text description whose key words the index lacks). */
#define IDEAS_SPECIFIC 0.1
/* A nearest patent less similar than this: TENYO_NOTE_WEAK_QUERY. */
#define IDEAS_WEAK_QUERY 0.15
/* The transfer model applies to indexes of at least this many times knn
 * documents (3,000 for knn 300; the models were fitted on 8,861 and
 * 10,000). */
#define IDEAS_TRANSFER_DOCS 10
/* Evidence below this similarity is not shown (the first always is). */
#define IDEAS_MIN_EVIDENCE 0.05

/* --- lexicon.c --- */
const float *ty_term_generic(const tenyo_index *x);
const ty_fieldmodel *ty_field_model(const tenyo_index *x);
const uint32_t *ty_field_top(const tenyo_index *x, uint32_t f);
void ty_fold_ascii(char *dst, const char *src, size_t n);
int ty_fits_field(const tenyo_index *x, uint32_t f, const char *p, size_t n);
int ty_one_char(const char *s);
int ty_verb_like(const char *t);
int ty_title_only(const ty_model *m, uint64_t d);
void ty_bridge_weights(const tenyo_ctx *c, const tenyo_hit *ev, int nev, double *w);
double ty_term_specificity(const tenyo_ctx *c, const float *gen, uint32_t t);
void ty_content_shape(const tenyo_ctx *c, const float *gen, const tenyo_hit *ev,
                      int nev, double *w, double *focus, double *generic,
                      double *nspecific);
int ty_query_english(const tenyo_ctx *c, size_t qn);

/* --- score.c --- */
double ty_confidence_of(const tenyo_idea *id, double qbest);
double ty_usable_of(const tenyo_idea *id, int text, int english);
double ty_transfer_of(const tenyo_idea *id, int text, int english);

#endif /* TENYO_IDEAS_STAGES_H */
