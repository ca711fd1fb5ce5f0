/*
 * stages.h — the stages of the ideas engine and what they share (internal
 * to src/ideas/; the layer's public face is tenyo.h through ideas.h).
 *
 * One query runs these stages in order (ideas.c, ideas_run):
 *
 *   prepare        the query's sparse terms and weights (c->qt, c->qw):
 *                  a patent's own row or the text tokenized (api layer)
 *   adjust query   the term mask cleared (state.c), the analyst's struck
 *                  words marked in it (steer.c): the one hook
 *                  (ty_term_weight / ty_term_worth) through which every
 *                  later stage weighs a shared word; the query vector
 *                  moved toward kept cards' evidence and from rejected
 *                  ones' (feedback.c)
 *   scan and home  similarity to every patent; the home fields given,
 *                  the patent's own, or predicted from its 10 nearest;
 *                  then the remembered sense splits between a home and
 *                  another field marked in the term mask (senses.c)
 *   fields         the fields far enough from every home (q->ok), the
 *                  nearest patents (q->nb), the field model
 *   generators     each row of ty_generators (generate.c) adds fields and
 *                  evidence to the pool (pool.c), marked with who found
 *                  them; row 0 is the neighbour vote
 *   cards          per field with a vote: relevance, surprise, confidence,
 *                  content, band (ideas.c, score.c, lexicon.c)
 *   veto           thresholds hide cards, counted in the notes (present.c);
 *                  fields the analyst rejected are never cards (steer.c)
 *   present        order, novelty, one idea one card (present.c)
 *   pin            the fields the analyst kept first (steer.c)
 *   sense          each strong or candidate card not kept asked whether
 *                  its shown terms have one sense on both sides; one band
 *                  down when not (onesense.c, judge/sense.c)
 *   list           the list shown by default (judge/list.c)
 *
 * Files:
 *   options.c   the table of options (tenyo_opt) every surface reads,
 *               and the query's check of a tenyo_ideas_opts against it
 *   state.c     what a context keeps between calls (ty_ideas): the last
 *               query's home, notes, term mask and pool; the accessors
 *   pool.c      the candidates of one query, keyed by field
 *   generate.c  the table of generators and the neighbour vote
 *   lexicon.c   what a term says: genericity over the fields, the field
 *               model and each field's characteristic terms; the term hook;
 *               the content a query shares with evidence patents
 *   score.c     the numbers of a card: confidence, the reader model, the
 *               strength band and the reason a weak card is weak
 *   present.c   the veto and present stages
 *   steer.c     the analyst's decisions (tenyo_steer): struck words,
 *               kept and rejected fields, applied in adjust, veto, pin
 *   feedback.c  kept and rejected cards move the query (Rocchio)
 *   worksheet.c the analyst's decisions kept in a file across runs
 *   lock.c      the one writer of a worksheet or a senses file
 *   senses.c    remembered sense splits (word, field, field), applied
 *               through the term hook after the home is known
 *   explain.c   bridge terms, application phrases, the why lines
 *   sentences.c a patent's text as numbered sentences (why, focus), the
 *               texts of the last documents read kept on the context
 *   onesense.c  the sense stage: the sentences a card's check reads
 *   clean.c     text fit to show: no markup, reference signs or cut words
 *   answer.c    the one answer schema (JSON) of ideas and match
 *   ideas.c     the public entry points: one query through the stages
 */
#ifndef TENYO_IDEAS_STAGES_H
#define TENYO_IDEAS_STAGES_H

#include "ideas/ideas.h"

/* Tuned on the development split (README "Ideas"). */
#define IDEAS_KNN 300
/* Cards of one answer the judge places (the n of an ideas query is at
 * most 100, options.c). */
#define TY_IDEAS_MAX_SHOWN 128
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

/* ============================================================ the pool */

/* Generators a pool can tell apart (bits of ty_cand.found). */
#define TY_MAX_GENERATORS 8

/* One field's candidacy: the votes it got, from which generators, and its
 * evidence, each patent tagged with the generator that brought it. */
typedef struct ty_cand {
    double vote;       /* weighted similarity sum, all generators */
    int support;       /* patents carrying the field */
    unsigned found;    /* bit g: generator g (ty_generators[g]) voted */
    int nev;           /* evidence kept */
    tenyo_hit ev[TENYO_IDEA_EVIDENCE]; /* best first, at most
                                          IDEAS_EV_PER_APPLICANT of one
                                          applicant */
    uint8_t ev_by[TENYO_IDEA_EVIDENCE]; /* the generator of each */
} ty_cand;

/* The candidates of one query, keyed by field (pool.c): allocated once per
 * context and cleared per query, so it outlives the call for the
 * accessors (tenyo_idea_found_by). */
typedef struct ty_pool {
    ty_cand *cand;     /* nfields entries */
    size_t cap;        /* entries allocated */
    uint32_t nfields;  /* entries in use */
} ty_pool;

/* Document d's first applicant as a key (pool.c): its number from the
 * index's column (id; store/docapp.c) where the model has one covering
 * it, else its bytes (s, len; s NULL: none). Two keys of one model are
 * compared by ty_appkey_same. */
typedef struct ty_appkey {
    uint32_t id;       /* the column's number (0: none, or no column) */
    uint32_t len;      /* without a column: bytes of s */
    const char *s;     /* ... the first applicant, or NULL */
} ty_appkey;
ty_appkey ty_applicant_key(const ty_model *m, uint64_t d);
/* 1 when keys a and b (of one model) name the same first applicant. */
int ty_appkey_same(const ty_appkey *a, const ty_appkey *b);
/* 1 when documents a and b name the same first applicant. */
int ty_same_applicant(const ty_model *m, uint64_t a, uint64_t b);
/* Empty candidacies for nfields fields (0 or TENYO_ERR_NOMEM). */
int ty_pool_reset(ty_pool *p, uint32_t nfields);
void ty_pool_free(ty_pool *p);
/* Generator g adds vote v and one more supporting patent to field f. */
void ty_pool_vote(ty_pool *p, uint32_t f, unsigned g, double v);
/* Generator g offers h as evidence of field f: kept when f has room and
 * fewer than IDEAS_EV_PER_APPLICANT patents of h's first applicant. */
void ty_pool_evidence(ty_pool *p, const ty_model *m, uint32_t f, unsigned g, const tenyo_hit *h);
/* The sum of every field's vote (1 when none). */
double ty_pool_total(const ty_pool *p);

/* ================================================= the ideas state */

/* The per-query term mask: what each query term (by its index in the
 * sparse query, c->qt) may carry. Every stage that weighs a shared word
 * reads it through ty_term_weight / ty_term_worth. */
#define TY_TERM_STRUCK 1u   /* struck: the word carries nothing */
#define TY_TERM_SPLIT 2u    /* split from some field by a sense (senses.c):
                               nothing for a card of that field */
typedef struct ty_termmask {
    float *w;          /* weight per query term (1: as is, 0: carries nothing) */
    uint8_t *flags;    /* TY_TERM_* per query term */
    size_t cap;        /* entries allocated */
    int any;           /* 0: every weight 1 and no flag (the fast path) */
} ty_termmask;

/* A remembered sense split applied to one query: query term i carries
 * nothing for a card of field f (senses.c). */
typedef struct ty_splitpair {
    uint32_t i, f;
} ty_splitpair;

/* Slots of the ideas state's cache of document texts (ty_doc_text). */
#define TY_DOCTEXT_SLOTS 256
/* Answers of the own-word rule kept, by (patent, term): direct-mapped
 * slots (a power of two). */
#define TY_OWN_MEMO 1024

/* What the ideas layer keeps on a context between calls (state.c): the
 * last query's home, notes, term mask and candidate pool. */
typedef struct ty_ideas {
    char home[512];          /* home fields of the last query, "B60W,G08G" */
    int home_predicted;      /* 1 when they were predicted */
    size_t qn;               /* sparse query terms of the last query */
    uint64_t skip;           /* its query document, UINT64_MAX for text */
    tenyo_ideas_notes notes; /* its notes */
    ty_termmask mask;        /* its term mask */
    ty_pool pool;            /* its candidates */
    const tenyo_steer *steer; /* the analyst's decisions (steer.c), or NULL */
    ty_buf sbuf;             /* the text tenyo_query_sentences points into */
    ty_buf fbuf;             /* the focused query text (steer.c) */
    const tenyo_senses *senses; /* remembered sense splits (senses.c), or NULL */
    ty_splitpair *split;     /* the last query's (term, field) pairs the
                                senses silence, sorted */
    size_t nsplit, capsplit; /* entries in use, allocated */
    /* the cleaned texts ty_doc_text made last, by document (direct-mapped:
     * the bridge, sense and why stages read the same evidence in turn,
     * and an index's texts never change under its context) */
    struct ty_doctext { uint64_t doc; ty_buf text; } dtext[TY_DOCTEXT_SLOTS];
    /* the words of their own (ownword.c): on for the list stage */
    struct {
        int on;              /* 1: shared terms count only as words of their own */
        uint32_t *qpiece;    /* the query text's pieces, sorted */
        size_t nq;
        uint64_t doc;        /* the patent whose text is in text */
        ty_buf text;
        /* the answers given, by patent and term (each card's bridge
         * weights, its band and match's passes ask the same words of the
         * same evidence in turn: 906 asks of 178 pairs for one ideas
         * query at 60k); an answer depends on the patent's text and the
         * term alone, which never change under the context */
        struct { uint64_t doc; uint32_t t; uint8_t r, used; } memo[TY_OWN_MEMO];
    } own;
} ty_ideas;

/* The words of their own (ownword.c): ty_own_begin reads the query's
 * text (the query's own when focused, else an indexed patent's title and
 * abstract) and switches the rule on for c's last query; ty_own_piece says
 * whether shared query term i is, in the query's text or in document d's,
 * only a member of longer words (0 while the rule is off); ty_own_reset
 * switches it off (a new query). The state frees its part (state.c). */
int ty_own_begin(tenyo_ctx *c, int focused);
int ty_own_piece(const tenyo_ctx *c, uint64_t d, size_t i);
/* ty_own_piece of vocabulary term t (a piece of the query's text or of d's) */
int ty_own_piece_term(const tenyo_ctx *c, uint64_t d, uint32_t t);
/* Whatever the rule's state: 1 when document d's text uses term t only
 * inside longer words; the pieces of a text, sorted (malloc'd); whether
 * sorted a[0..n) holds t. */
int ty_own_doc_piece(const tenyo_ctx *c, uint64_t d, uint32_t t);
int ty_own_text_pieces(tenyo_ctx *c, const char *text, uint32_t **out, size_t *n);
int ty_own_has(const uint32_t *a, size_t n, uint32_t t);
void ty_own_reset(tenyo_ctx *c);

/* c's ideas state, made on first use (NULL: out of memory, c->err set). */
ty_ideas *ty_ideas_get(tenyo_ctx *c);
/* c's ideas state, or NULL before the first ideas query (inline: the
 * term hook reads it once per shared word). */
static inline const ty_ideas *ty_ideas_peek(const tenyo_ctx *c) {
    return c ? (const ty_ideas *)c->ideas : NULL;
}
/* Sparse query terms of c's last ideas query (0 before the first). */
static inline size_t ty_ideas_qn(const tenyo_ctx *c) {
    const ty_ideas *is = ty_ideas_peek(c);
    return is ? is->qn : 0;
}
/* The mask cleared for a query of qn terms (0 or TENYO_ERR_NOMEM). */
int ty_termmask_reset(ty_termmask *k, size_t qn);

/* ======================================================== the query */

/* What one query's stages share (ideas.c builds it, the generators and
 * the card stage read it). */
typedef struct ty_iquery {
    tenyo_ctx *c;
    ty_ideas *is;             /* c's ideas state */
    const ty_model *m;
    const tenyo_ideas_opts *o;
    uint64_t skip;            /* query document, UINT64_MAX for text */
    size_t qn;                /* sparse query terms */
    int text, english;        /* free-text query; its language is English */
    int nh;                   /* home fields */
    char homes[64][5];
    int64_t hid[64];          /* their ids, -1 when not in the index */
    uint32_t *corow;          /* nh rows of co-classification counts */
    uint8_t *ok;              /* fields far enough from every home */
    uint8_t *expected;        /* fields the prior ranks among its top */
    tenyo_hit *nb;            /* the nearest patents, best first */
    size_t nn;                /* how many */
    float *pm;                /* field model probabilities, or NULL */
    double *bw;               /* bridge weight scratch (qn) */
    const float *gen;         /* genericity per term */
    double qbest;             /* similarity of the nearest patent */
    double alpha, pw, vtotal; /* field-size norm, prior weight, all votes */
} ty_iquery;

/* ==================================================== the generators */

/* A candidate generator: adds the fields it finds (those with q->ok[f])
 * and their evidence to the pool as generator g. 0 or a TENYO_ERR_*. */
typedef struct ty_generator {
    const char *name;        /* as tenyo_idea_found_by names it */
    int (*run)(const ty_iquery *q, ty_pool *p, unsigned g);
} ty_generator;

/* The table the query loops over, in order (generate.c). */
extern const ty_generator ty_generators[];
extern const size_t ty_ngenerators;

/* --- generate.c --- */
/* The neighbour vote: q->nb[0..nn) vote for their fields. */
int ty_gen_neighbours(const ty_iquery *q, ty_pool *p, unsigned g);

/* --- lexicon.c --- */
const float *ty_term_generic(const tenyo_index *x);
const ty_fieldmodel *ty_field_model(const tenyo_index *x);
void ty_fold_ascii(char *dst, const char *src, size_t n);
int ty_fits_field(const tenyo_index *x, uint32_t f, const char *p, size_t n);
int ty_title_only(const ty_model *m, uint64_t d);
/* The next term the query (c->qt, ty_ideas_qn terms) and row d share at or after query
 * index *i and row position *j (both sorted by term): 1 with *i, *j on it,
 * 0 at the end of either. Start at *i = 0, *j = rowptr[d]; step past a
 * match with (*i)++, (*j)++. */
int ty_shared_next(const tenyo_ctx *c, uint64_t d, size_t *i, uint64_t *j);
/* The term hook, the one place that says what a shared word is worth to a
 * card of field f (UINT32_MAX: to no field in particular); i is the
 * word's index in the sparse query (c->qt[i]).
 * ty_term_weight: the query's mask weight (0 when struck, else the weight
 * the mask gives, 1 by default). ty_term_worth: the word's specificity as
 * a bridge (0 for a single character, else 1 - genericity) x that weight.
 * ty_term_bridgeable: 1 when the word may be shown as a bridge at all (not
 * a single character, not markup, not struck). */
/* 1 when the last query's sense splits silence query term i for a card
 * of field f (a binary search of is->split; inline: the hook runs once per
 * shared word, and senses.c stays out of the hook's callers). */
static inline int ty_senses_split(const ty_ideas *is, size_t i, uint32_t f) {
    size_t lo = 0, hi = is->nsplit;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const ty_splitpair *p = &is->split[mid];
        if (p->i == i && p->f == f) return 1;
        if (p->i < i || (p->i == i && p->f < f)) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}
static inline double ty_term_weight(const tenyo_ctx *c, size_t i, uint32_t f) {
    const ty_ideas *is = ty_ideas_peek(c);
    if (!is || !is->mask.any || i >= is->mask.cap) return 1.0;
    uint8_t fl = is->mask.flags[i];
    if (fl & TY_TERM_STRUCK) return 0.0;
    /* a sense split: nothing between a home and that one field */
    if ((fl & TY_TERM_SPLIT) && f != UINT32_MAX && ty_senses_split(is, i, f)) return 0.0;
    return is->mask.w[i];
}
double ty_term_worth(const tenyo_ctx *c, const float *gen, size_t i, uint32_t f);
int ty_term_bridgeable(const tenyo_ctx *c, size_t i, uint32_t f);
/* The shared content of evidence ev[0..nev) with the query, per query
 * term, for a card of field f: sum of similarity x query weight x evidence
 * weight x ty_term_weight. */
void ty_bridge_weights(const tenyo_ctx *c, const tenyo_hit *ev, int nev, uint32_t f, double *w);
void ty_content_shape(const tenyo_ctx *c, const float *gen, const tenyo_hit *ev,
                      int nev, uint32_t f, double *w, double *focus, double *generic,
                      double *nspecific);
int ty_query_english(const tenyo_ctx *c, size_t qn);

/* --- matchuse.c --- */
/* What a company would do with a matched patent: of why w (tenyo_match_why),
 * the company's clause and the patent's clause holding the most specific
 * shared term found in both, into company and technique (NUL-terminated),
 * that term in *term. 1 when found, 0 when not, or TENYO_ERR_NOMEM. */
int ty_match_use(const tenyo_why *w, ty_buf *company, ty_buf *technique, const char **term);

/* --- clean.c --- */
/* The code point at s[i..n) and its length in *len (1 for a bad byte). */
unsigned ty_utf8_at(const unsigned char *s, size_t i, size_t n, size_t *len);
/* 1 for a character a noun run goes on through: a kanji, katakana (ー, not
 * ・), a Latin letter or a digit, ASCII or full-width (clean.c). */
int ty_noun_char(unsigned c);
/* s[0..n) without markup and reference signs, in place (NUL-terminated
 * when shorter); returns the new length. */
size_t ty_clean_text(char *s, size_t n);
/* 1 when s[0..n) holds markup (a tag, (57), 【要約】, （修正有）, 【 or 】). */
int ty_has_markup(const char *s, size_t n);
/* 1 for an index term that is markup or a fragment of it ("br", "nbsp")
 * or a Latin fragment too short to read as a bridge ("co" of CO2). */
int ty_markup_term(const char *t);
/* Occurrences of a term in the texts a card shows, for ty_cut_word
 * (zeroed first, then ty_cut_seen over each text). */
typedef struct ty_cut {
    unsigned n;    /* occurrences seen */
    unsigned next; /* the code point after the last one */
    int open;      /* one was followed by anything but the one character
                      that continues it */
} ty_cut;
/* Occurrences needed before a term is judged cut. */
#define TY_CUT_MIN 3
/* Counts the occurrences of term t in text into k. */
void ty_cut_seen(ty_cut *k, const char *t, const char *text);
/* 1 when the term seen into k is a piece cut from a longer word (化合 of
 * 化合物, アミ of アミノ酸): at least TY_CUT_MIN occurrences, each followed
 * by the same character that continues it. */
int ty_cut_word(const ty_cut *k);
/* 1 when katakana term t occurs in text only as the tail of a longer
 * katakana word (ボス of エンボス, キャスト of プレキャスト): a piece MeCab
 * cut from a word it did not know, which that text never uses alone. */
int ty_kata_piece(const char *t, const char *text);

/* --- explain.c --- */
/* 1 when phrase target p[0..n) can be quoted as a use (tenyo_idea_phrases'
 * rule: whole, balanced, no reference sign, not a generic word alone). */
int ty_phrase_quotable(const char *p, size_t n);
/* An expression's kind weight: an application 1, a composition (Xを備えた
 * Y) 0.7, a purpose (のため) 0.5. */
double ty_phrase_kind_weight(const char *expr);

/* --- score.c --- */
double ty_confidence_of(const tenyo_idea *id, double qbest);
double ty_usable_of(const tenyo_idea *id, int text, int english);
/* A card's specific content, band and weak reasons (tenyo_idea.content,
 * .band, .weak) from its evidence and the query's terms; w: scratch of
 * c->last_qn doubles; homes/nh: the home field ids (< 0: not indexed). */
void ty_card_band(const tenyo_ctx *c, const float *gen, const int64_t *homes, int nh,
                  tenyo_idea *id, double *w);
/* The band of a card from its weak reasons (TENYO_WEAK_*) and the specific
 * words its best evidence patent shares with the query: strong when
 * nothing is weak; candidate when two or more are shared and the content
 * is neither generic, nor one word, nor a side code; else reference. */
int ty_band_of(unsigned weak, int nspec);
/* The judge's facts of card id of c's last query (TY_CJ_N), as
 * ty_card_band computed them. */
int ty_card_facts(const tenyo_ctx *c, const tenyo_idea *id, double *f);
/* What the query on c (a company's text) shares with one patent d, as a
 * card's band counts it: specific words (compound parts once), the
 * generic share of the shared weight, content (as tenyo_idea.content,
 * without the home discount) and the weak reasons of that content
 * (TENYO_WEAK_FEW_WORDS, _GENERIC: no specific word or mostly generic,
 * _ONE_WORD). */
typedef struct ty_match_content {
    int nspecific;
    double generic_share, content;
    unsigned weak;
} ty_match_content;
void ty_match_band(const tenyo_ctx *c, const float *gen, uint64_t d, ty_match_content *out);

/* --- options.c --- */
/* o against the option table's bounds (a number left below its minimum is
 * the tuned default): 0, or TENYO_ERR_ARG naming the option in err. */
int ty_ideas_opts_check(const tenyo_ideas_opts *o, char *err, size_t errlen);
/* 1 when code is an IPC subclass as a user writes it: a letter A-H, two
 * digits, a letter (either case), nothing more. */
int ty_ideas_home_ok(const char *code);

/* --- sentences.c --- */
/* One sentence: bytes p[0..n) of a text. */
typedef struct ty_sent { const char *p; size_t n; } ty_sent;
/* The title and abstract of document d, cleaned (no markup, no reference
 * signs), into buf (NUL-terminated; buf->len without the NUL). */
int ty_doc_text(tenyo_ctx *c, uint64_t d, ty_buf *buf);
/* The sense stage (onesense.c): each strong or candidate card of v[0..n)
 * not kept (kept[i] 0; kept may be NULL) asked whether its shown terms
 * have one sense on both sides (tenyo_idea.sense), one band down when
 * not. 0 or a status. */
int ty_onesense(tenyo_ctx *c, tenyo_idea *v, size_t n, const unsigned char *kept);
/* The sentences of text (NUL-terminated, split as ty_sentences splits)
 * appended to sp[*n..cap): what the sense checks read (onesense.c, match.c). */
struct ty_judge_span;
void ty_sense_spans(const char *text, struct ty_judge_span *sp, size_t *n, size_t cap);
/* text split into sentences (pointers into text), at most cap; the count. */
size_t ty_sentences(const char *text, ty_sent *out, size_t cap);

/* --- steer.c --- */
/* Sentences a focus may name (1 .. this). */
#define TY_STEER_SENTENCES 64
/* Items of each kind (struck, kept, rejected) a steer holds at most. */
#define TY_STEER_MAX 256
/* --- lock.c --- */
/* The one writer of the file at path (real: its real path; what names it
 * in messages) into *out: ty_file_lock, then the temporary files a killed
 * writer left removed. 0 or a status said in err. */
int ty_lock_take(const char *path, const char *real, unsigned wait_ms, const char *what,
                 tenyo_lock **out, char *err, size_t errlen);

/* A word as the analyst's decisions keep it (a struck word, a sense
 * split's): 1 to 255 bytes of UTF-8, not blank, NFKC case-folded, at most
 * 255 bytes folded; malloc'd into *out. 0, TENYO_ERR_ARG or
 * TENYO_ERR_NOMEM. */
int ty_steer_word(const char *word, char **out);
/* 1 when s focuses the query. */
int ty_steer_focused(const tenyo_steer *s);
/* The focused query text of s into out (NUL-terminated, out->len without
 * it): the analyst's text, or the named sentences of document doc's title
 * and abstract (doc UINT64_MAX: of text[0..len)). 0, or a status with
 * c->err set (TENYO_ERR_ARG: no sentence named exists). */
int ty_steer_focus_build(tenyo_ctx *c, const tenyo_steer *s, uint64_t doc, const char *text,
                         size_t len, ty_buf *out);
/* 1 when index term t is word w (by term or surface) or a part of it. */
int ty_steer_term_is(const ty_model *m, uint32_t t, const char *w);
/* The struck words of c's steer marked in the mask (qn query terms). */
void ty_steer_mask(const tenyo_ctx *c, ty_termmask *k, size_t qn);
/* 1 when term t is one of the words struck by the steer set on c (or a
 * part of one, ty_steer_term_is); 0 without a steer. */
int ty_steer_struck(const tenyo_ctx *c, uint32_t t);
/* Stage veto, the analyst's part: the cards of fields s rejects left out
 * of all[0..cnt), in place; returns how many remain. */
size_t ty_steer_veto(const tenyo_steer *s, tenyo_idea *all, size_t cnt);
/* Stage pin: the cards of fields s keeps first, in order, then the rest
 * (0 or TENYO_ERR_NOMEM). */
int ty_steer_pin(const tenyo_steer *s, tenyo_idea *all, size_t cnt);
/* 1 when the analyst kept field code. */
int ty_steer_kept(const tenyo_steer *s, const char *code);

/* --- senses.c --- */
/* The remembered splits of c's senses that join a home (homes[0..nh))
 * to another field, on the query's terms (qn): pairs into c's ideas state
 * and TY_TERM_SPLIT in its mask. 0 or TENYO_ERR_NOMEM. */
int ty_senses_mask(tenyo_ctx *c, const char (*homes)[5], int nh, size_t qn);
/* (ty_senses_split, inline above the term hook: 1 when the pair (i, f)
 * is split.) */

/* --- feedback.c --- */
/* 1 when s keeps or rejects a field (the query will be moved). */
int ty_feedback_moves(const tenyo_steer *s);
/* Stage adjust, feedback: c's prepared query (qn terms, document skip)
 * moved toward the evidence of the fields its steer keeps and from that
 * of the fields it rejects; nothing when it does neither. 0 or a status. */
int ty_feedback_apply(tenyo_ctx *c, const tenyo_ideas_opts *o, uint64_t skip, size_t qn);

/* --- present.c --- */
/* Stage veto: the cards all[0..cnt) the thresholds keep, in place, counted
 * into the notes as hidden; returns how many are kept. */
size_t ty_veto(tenyo_ideas_notes *nt, double minconf, double minuse, double mincontent,
               tenyo_idea *all, size_t cnt);
/* Stage present: all[0..cnt) in the order shown, merged; returns the new
 * count or TENYO_ERR_NOMEM. */
int ty_present(const tenyo_ideas_opts *o, tenyo_idea *all, size_t cnt);

#endif /* TENYO_IDEAS_STAGES_H */
