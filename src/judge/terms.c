/*
 * terms.c — the term facts of an index and each term's worth as a bridge.
 *
 * What a shared word is worth to a link is decided here and nowhere else.
 * Each vocabulary term has one record of facts (below: where they come
 * from), then a worth: the logistic model of models/judge.tsv over those
 * facts, fitted by eval/fit_judge.py on
 * the readers' labels (terms they named as boilerplate, generic or puns
 * against the bridge terms of cards they kept) and judged on query sets
 * it never saw.
 *
 * The facts, in jf_names' order (tenyo_term_judge names them):
 *   unit       compound (two or more ipadic morphemes), morphemes,
 *              Latin script, all katakana, a verb or adjective base form
 *              (MeCab's part of speech, not a guess from trailing kana);
 *   head       the last morpheme's part of speech as ipadic gives it:
 *              サ変接続 (a noun of doing: 取得, 記憶, 回収), 接尾 (a claim
 *              element's head: 〜部, 〜性, 〜化), 形容動詞語幹, 固有名詞;
 *   JUMAN      the head's カテゴリ (抽象物, 人工物, 自然物, other), none
 *              (a word JUMAN does not know: most technical compounds),
 *              ドメイン, and 多義 on any morpheme (text/juman.c);
 *   spread     how evenly the term spreads over the fields with every field
 *              weighted alike: the normalised entropy of its per-field
 *              document rates df_f / N_f over fields of at least
 *              JF_MIN_FIELD documents. Counting documents instead lets one
 *              large field (vehicles, software) make its own boilerplate
 *              look concentrated, hence specific;
 *   idf        log((N + 1) / (df + 1)) / log(N + 1);
 *   partness   how much of the term's document frequency its compounds
 *              account for (金 of 金型, 型 of 型枠): the documents of the
 *              vocabulary's compounds holding it as a member, over its
 *              own, capped at 1; a word mostly seen inside longer words
 *              is a poor unit of a link;
 *   genericity the older measure (ideas' field spread against random
 *              draws), kept as a feature so the fit can weigh it;
 *   English    for Latin-script terms (the five Japanese analyses say
 *              nothing of them): en_spread, the spread above computed
 *              when the first such term is weighed on an index of mostly
 *              English documents (the English card judge needs it; 0 on
 *              others); en_generic, a generic head by rule, a term
 *              spread at least TY_JF_EN_GENERIC_SPREAD evenly over the
 *              fields weighted alike (member 0.88, housing 0.84, unit
 *              0.92, connected 0.94 on the English train side, against
 *              catheter 0.41, satellite 0.32); en_verb, a term the texts
 *              write mostly as a participle or gerund (the index's surface
 *              for it ends in -ed or -ing: connected, mounted, configured).
 * A Latin-script term's worth uses the "en." weights of models/judge.tsv
 * (fitted on English labels only) when the table has them.
 * Without the JUMAN dictionary its five facts are 0 and the worth is
 * computed all the same (the fit's weights for them then do nothing).
 * Where the facts come from (api/termfacts.c computes them all): an
 * index written with the section "termfacts" has every one, read on the
 * first need; the judge then loads no dictionary and makes no pass over
 * the rows. Without it (an older index, or updates merged at open) a
 * term's own facts are computed when a card first weighs it (ipadic and
 * JUMAN under the state's mutex: MeCab's taggers are not thread-safe),
 * genericity by a pass over the rows, and spread and partness (a MeCab
 * pass over the vocabulary) only when tenyo_term_judge asks: 0 until
 * then, as their weights, so the worth is the same either way.
 */
#include "judge/judge.h"
#include "text/text.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const jf_names[TY_JF_N + 1] = {
    "bias", "compound", "morphs", "latin", "katakana", "verb",
    "head_sahen", "head_suffix", "head_adjnoun", "head_proper",
    "j_abstract", "j_artifact", "j_natural", "j_other", "j_none",
    "j_domain", "j_polysemous", "spread", "idf", "partness", "genericity",
    "en_generic", "en_verb", "en_spread", NULL};

/* Every term's genericity (x->tgen): stored, or a pass over the rows
 * (api/termfacts.c), once per index, on first use. */
static int tgen_build(void *arg) {
    tenyo_index *x = arg;
    const ty_tf_table *tab = ty_index_termfacts(x);
    if (tab) return ty_tf_table_genericity(tab, &x->tgen);
    int rc = ty_model_need_sparse(&x->m, NULL, 0);
    return rc ? rc : ty_tf_genericity(&x->m, &x->tgen);
}

const float *ty_judge_genericity(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->tgen_once, tgen_build, x) ? NULL : x->tgen;
}

/* The judge's state of one index (x->judge): the stored facts, or the
 * facts computed so far and the analysers that compute a term's on
 * demand; the weights by fact. */
struct ty_judge_state {
    const ty_tf_table *tab; /* the index's stored facts, or NULL: computed */
    float *feat;            /* without them: nterms x TY_JF_N */
    uint8_t *done;          /* per term: 1 once its facts are in feat */
    pthread_mutex_t mu;     /* guards done, feat's lexical facts, the analysers */
    ty_tf_an an;            /* ipadic (the index's dictionary) and JUMAN */
    double w[TY_JF_N];      /* the weights of models/judge.tsv by fact */
    double wen[TY_JF_N];    /* the "en." weights, for Latin-script terms */
    int has_en;             /* 1 when the table has them */
    int english;            /* 1 when most documents are English */
    ty_once corpus_once;    /* spread and partness of every term, on request */
    ty_once spread_once;    /* spread of every term, for Latin-script terms */
    float *spread;          /* that spread (NULL until spread_once ran) */
};

static void jf_state_free(struct ty_judge_state *j) {
    if (!j) return;
    ty_tf_an_close(&j->an);
    pthread_mutex_destroy(&j->mu);
    ty_once_destroy(&j->corpus_once);
    ty_once_destroy(&j->spread_once);
    free(j->spread);
    free(j->feat);
    free(j->done);
    free(j);
}

static int jf_build(void *arg) {
    tenyo_index *x = arg;
    uint64_t nt = x->m.nterms;
    struct ty_judge_state *j = ty_calloc(1, sizeof *j);
    if (!j) return TENYO_ERR_NOMEM;
    pthread_mutex_init(&j->mu, NULL);
    ty_once_init(&j->corpus_once);
    ty_once_init(&j->spread_once);
    j->tab = ty_index_termfacts(x);
    if (!j->tab) { /* computed here, term by term */
        j->feat = ty_calloc(nt ? nt * TY_JF_N : 1, sizeof *j->feat);
        j->done = ty_calloc(nt ? nt : 1, 1);
        if (!j->feat || !j->done || ty_tf_an_open(&j->an, x->tok.mecab_dicdir, NULL, 0)) {
            jf_state_free(j);
            return TENYO_ERR_NOMEM;
        }
        j->english = ty_tf_english(&x->m);
    }
    for (int i = 0; i < TY_JF_N; i++) {
        char en[40];
        snprintf(en, sizeof en, "en.%s", jf_names[i]);
        j->w[i] = ty_judge_weight(jf_names[i], 0);
        j->wen[i] = ty_judge_weight(en, 0);
    }
    j->has_en = !isnan(ty_judge_weight("en.bias", NAN));
    x->judge = j;
    x->judge_free = jf_state_free;
    return TENYO_OK;
}

static struct ty_judge_state *jf_state(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->judge_once, jf_build, x) ? NULL : x->judge;
}

/* Term t's own facts into f (j->mu held): its analysis by ipadic and JUMAN,
 * the English facts, its rarity and genericity. */
static void jf_lexical(const tenyo_index *x, struct ty_judge_state *j, uint32_t t, float *f) {
    const ty_model *m = &x->m;
    ty_tf_lexical(m, &j->an, t, f);
    if (f[TY_JF_LATIN] > 0 && j->spread) ty_tf_english_facts(j->spread[t], f);
    f[TY_JF_IDF] = ty_tf_idf(m, t);
    const float *gen = ty_judge_genericity(x);
    f[TY_JF_GENERICITY] = gen ? gen[t] : 0;
}

/* Spread and partness of every term (the corpus-wide facts), computed
 * into feat. Run once, when a caller wants every fact. */
static int jf_corpus(void *arg) {
    tenyo_index *x = arg;
    struct ty_judge_state *j = x->judge;
    const ty_model *m = &x->m;
    int rc = ty_model_need_sparse(m, NULL, 0);
    if (rc) return rc;
    uint64_t nt = m->nterms;
    float *spread = ty_calloc(nt ? nt : 1, sizeof *spread);
    float *part = ty_calloc(nt ? nt : 1, sizeof *part);
    uint32_t *df = ty_calloc(nt ? nt : 1, sizeof *df);
    rc = !spread || !part || !df ? TENYO_ERR_NOMEM : ty_tf_spread(m, spread, df);
    pthread_mutex_lock(&j->mu);
    if (!rc) rc = ty_tf_partness(m, &j->an, x->vocab, df, part);
    for (uint64_t t = 0; t < nt && !rc; t++) {
        float *f = j->feat + t * TY_JF_N;
        f[TY_JF_PARTNESS] = part[t];
        f[TY_JF_SPREAD] = spread[t];
    }
    pthread_mutex_unlock(&j->mu);
    free(spread);
    free(part);
    free(df);
    return rc;
}

/* The spread of every term (j->spread), once, the first time a
 * Latin-script term is weighed: a pass over the rows (milliseconds for the
 * English corpus). */
static int jf_spread_all(void *arg) {
    tenyo_index *x = arg;
    struct ty_judge_state *j = x->judge;
    const ty_model *m = &x->m;
    int rc = ty_model_need_sparse(m, NULL, 0);
    if (rc) return rc;
    float *spread = ty_calloc(m->nterms ? m->nterms : 1, sizeof *spread);
    uint32_t *df = ty_calloc(m->nterms ? m->nterms : 1, sizeof *df);
    if (!spread || !df || (rc = ty_tf_spread(m, spread, df))) {
        free(spread);
        free(df);
        return rc ? rc : TENYO_ERR_NOMEM;
    }
    free(df);
    j->spread = spread;
    return TENYO_OK;
}

/* Term t's facts into tf, computed on first use (without stored ones). */
static int jf_facts(const tenyo_index *x, struct ty_judge_state *j, uint32_t t, int latin,
                    float *tf) {
    /* without it a Latin-script term's English facts are 0 (and said so
     * nowhere else: the worth is computed all the same); an index of
     * mostly Japanese documents does not pay for it (its cards are
     * Japanese: the English facts would weigh nothing) */
    if (latin && j->english && ty_once_run(&j->spread_once, jf_spread_all, (void *)x) == TENYO_ERR_NOMEM)
        return TENYO_ERR_NOMEM;
    float *f = j->feat + (size_t)t * TY_JF_N;
    pthread_mutex_lock(&j->mu);
    if (!j->done[t]) {
        jf_lexical(x, j, t, f);
        j->done[t] = 1;
    }
    memcpy(tf, f, TY_JF_N * sizeof *tf);
    pthread_mutex_unlock(&j->mu);
    return TENYO_OK;
}

int ty_judge_term_features(const tenyo_index *x, uint32_t t, double *f, double *worth) {
    struct ty_judge_state *j = jf_state(x);
    if (!j) return TENYO_ERR_NOMEM;
    if (t >= x->m.nterms) return TENYO_ERR_ARG;
    const char *s = x->m.term_blob + x->m.term_off[t];
    int latin = (unsigned char)s[0] < 0x80;
    float tf[TY_JF_N];
    if (j->tab) ty_tf_table_facts(j->tab, t, tf);
    else if (jf_facts(x, j, t, latin, tf)) return TENYO_ERR_NOMEM;
    const double *w = latin && j->has_en ? j->wen : j->w;
    double z = 0;
    for (int i = 0; i < TY_JF_N; i++) {
        f[i] = tf[i];
        z += w[i] * tf[i];
    }
    *worth = 1 / (1 + exp(-z));
    return TENYO_OK;
}

int tenyo_term_judge(const tenyo_index *x, const char *term, tenyo_term_judgement *out) {
    if (!x || !term || !out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    int64_t t = ty_strmap_get(x->vocab, term, strlen(term));
    if (t < 0) return TENYO_ERR_NOTFOUND;
    /* every fact: the corpus-wide ones too */
    struct ty_judge_state *j = jf_state(x);
    if (!j || (!j->tab && ty_once_run(&j->corpus_once, jf_corpus, (void *)x)))
        return TENYO_ERR_NOMEM;
    double f[TY_JF_N];
    int rc = ty_judge_term_features(x, (uint32_t)t, f, &out->worth);
    if (rc) return rc;
    out->nfeatures = TY_JF_N;
    out->names = jf_names;
    for (int i = 0; i < TY_JF_N; i++) out->features[i] = f[i];
    out->juman = j->tab ? ty_tf_table_juman(j->tab) : j->an.ju != NULL;
    out->version = ty_judge_version();
    return TENYO_OK;
}
