/*
 * stages.h — the stages of the ideas engine and what they share (internal
 * to src/ideas/; the layer's public face is tenyo.h through ideas.h).
 *
 *   lexicon.c   what a term says: genericity over the fields, the field
 *               model and each field's characteristic terms, specificity,
 *               the content a query shares with evidence patents
 *   generate.c  the candidate generator: the query's nearest patents
 *               voting for their fields, portfolios and side codes weighed
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

/* Portfolio and side-code weights of a neighbour's vote (generate.c). */
#define IDEAS_OWN_WEIGHT 0.5
#define IDEAS_SIDE_WEIGHT 0.7
/* Evidence patents of one applicant shown for a field. */
#define IDEAS_EV_PER_APPLICANT 1
/* A shared word at least this specific (1 - genericity) counts toward a
 * card's band (score.c); IDEAS_SPECIFIC above is the looser bar of the
 * thin rule. */
#define IDEAS_BAND_SPECIFIC 0.4
/* Specific shared words a strong card needs, in one evidence patent
 * (score.c). */
#define IDEAS_BAND_WORDS 4
/* Below this confidence a card is TENYO_WEAK_LOW_CONFIDENCE. */
#define IDEAS_BAND_CONFIDENCE 0.03

/* A field's candidacy: the votes it got and its evidence. */
typedef struct ty_fvote {
    double vote;       /* weighted similarity sum */
    int support;       /* neighbours carrying the field */
    int nev;           /* evidence kept */
    tenyo_hit ev[TENYO_IDEA_EVIDENCE]; /* best neighbours, best first, at
                                          most IDEAS_EV_PER_APPLICANT of one
                                          applicant */
} ty_fvote;

/* --- generate.c --- */
/* The first applicant of document d (bytes in *len), or NULL. */
const char *ty_first_applicant(const ty_model *m, uint64_t d, size_t *len);
/* Neighbours nb[0..nn) (best first) vote for their fields f with ok[f]
 * into fv; self: the query document (UINT64_MAX for text). */
int ty_gen_neighbours(const tenyo_ctx *c, const tenyo_hit *nb, size_t nn, uint64_t self,
                      const uint8_t *ok, ty_fvote *fv);

/* --- lexicon.c --- */
const float *ty_term_generic(const tenyo_index *x);
const ty_fieldmodel *ty_field_model(const tenyo_index *x);
const uint32_t *ty_field_top(const tenyo_index *x, uint32_t f);
void ty_fold_ascii(char *dst, const char *src, size_t n);
int ty_fits_field(const tenyo_index *x, uint32_t f, const char *p, size_t n);
int ty_one_char(const char *s);
int ty_verb_like(const char *t);
int ty_title_only(const ty_model *m, uint64_t d);
/* The next term the query (c->qt) and row d share at or after query
 * index *i and row position *j (both sorted by term): 1 with *i, *j on it,
 * 0 at the end of either. Start at *i = 0, *j = rowptr[d]; step past a
 * match with (*i)++, (*j)++. */
int ty_shared_next(const tenyo_ctx *c, uint64_t d, size_t *i, uint64_t *j);
void ty_bridge_weights(const tenyo_ctx *c, const tenyo_hit *ev, int nev, double *w);
double ty_term_specificity(const tenyo_ctx *c, const float *gen, uint32_t t);
void ty_content_shape(const tenyo_ctx *c, const float *gen, const tenyo_hit *ev,
                      int nev, double *w, double *focus, double *generic,
                      double *nspecific);
int ty_query_english(const tenyo_ctx *c, size_t qn);

/* --- clean.c --- */
/* s[0..n) without markup and reference signs, in place (NUL-terminated
 * when shorter); returns the new length. */
size_t ty_clean_text(char *s, size_t n);
/* 1 when s[0..n) holds markup (a tag, (57), 【要約】, （修正有）, 【 or 】). */
int ty_has_markup(const char *s, size_t n);
/* 1 for an index term that is markup or a fragment of it ("br", "nbsp")
 * or a Latin fragment too short to read as a bridge ("co" of CO2). */
int ty_markup_term(const char *t);

/* --- score.c --- */
double ty_confidence_of(const tenyo_idea *id, double qbest);
double ty_usable_of(const tenyo_idea *id, int text, int english);
/* A card's specific content, band and weak reasons (tenyo_idea.content,
 * .band, .weak) from its evidence and the query's terms; w: scratch of
 * c->last_qn doubles; homes/nh: the home field ids (< 0: not indexed). */
void ty_card_band(const tenyo_ctx *c, const float *gen, const int64_t *homes, int nh,
                  tenyo_idea *id, double *w);

/* --- present.c --- */
/* The proposals all[0..cnt) left after the thresholds of o, in the order
 * shown, merged; returns the new count or TENYO_ERR_NOMEM. */
int ty_present(tenyo_ctx *c, const tenyo_ideas_opts *o, double minconf, double minuse,
               double mincontent, tenyo_idea *all, size_t cnt);

#endif /* TENYO_IDEAS_STAGES_H */
