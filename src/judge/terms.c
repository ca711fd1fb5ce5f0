/*
 * terms.c — the term facts of an index and each term's worth as a bridge.
 *
 * What a shared word is worth to a link is decided here and nowhere else.
 * Each vocabulary term gets one record of facts, computed when first
 * needed (from any thread), then a worth: the logistic model
 * of models/judge.tsv over those facts, fitted by eval/fit_judge.py on
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
 *
 * Cost: a term's own facts are computed the first time a card weighs it
 * (one ipadic and one JUMAN analysis of the term, under the state's
 * mutex: MeCab's taggers are not thread-safe) and kept; the corpus-wide
 * facts (spread, partness: a pass over the rows and a MeCab pass over the
 * vocabulary, about 0.2 s for 25k terms) only when tenyo_term_judge asks.
 * An ideas process pays about 20 MB of dictionary pages and milliseconds.
 */
#include "judge/judge.h"
#include "text/text.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields with fewer documents are not counted in the spread. */
#define JF_MIN_FIELD 10


static const char *const jf_names[TY_JF_N + 1] = {
    "bias", "compound", "morphs", "latin", "katakana", "verb",
    "head_sahen", "head_suffix", "head_adjnoun", "head_proper",
    "j_abstract", "j_artifact", "j_natural", "j_other", "j_none",
    "j_domain", "j_polysemous", "spread", "idf", "partness", "genericity",
    "en_generic", "en_verb", "en_spread", NULL};




/* One term's ipadic analysis. */
typedef struct jf_mc {
    int n;                 /* morphemes */
    int verb;              /* the last is a verb or adjective */
    char head[48];         /* the last morpheme's POS fields 1-2 */
    size_t member_len[8];  /* bytes of each morpheme, in order */
} jf_mc;

static void jf_emit(void *ud, const ty_morph *m) {
    jf_mc *a = ud;
    if (a->n < 8) a->member_len[a->n] = m->surface_len;
    a->n++;
    size_t k = 0, commas = 0;
    while (k < m->pos_len && k + 1 < sizeof a->head) {
        if (m->pos[k] == ',' && ++commas == 2) break;
        a->head[k] = m->pos[k];
        k++;
    }
    a->head[k] = 0;
    a->verb = !strncmp(m->pos, "動詞", strlen("動詞")) || !strncmp(m->pos, "形容詞", strlen("形容詞"));
}

static int all_katakana(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    if (!*p) return 0;
    while (*p) {
        /* U+30A0..U+30FF: E3 82 A0 .. E3 83 BF */
        if (p[0] != 0xE3 || !((p[1] == 0x82 && p[2] >= 0xA0) || p[1] == 0x83)) return 0;
        p += 3;
    }
    return 1;
}

/* A term is generic when it spreads over the fields as evenly as documents
 * drawn at random would: generic(t) = F(t) / E(df(t)) x df / (df + 20),
 * where F(t) is the number of fields among the documents holding t and
 * E(d) = sum over fields f of 1 - (1 - p_f)^d the number a random draw of d
 * documents would reach (p_f: the field's share of the documents). 制御,
 * 部材, 構造 come out near 1; 歯車 or 内視鏡 well below. The last factor
 * keeps rare terms specific (a term in three documents of three fields
 * says nothing about spread). Built once per index, on first use. */
static int tgen_build(void *arg) {
    tenyo_index *x = arg;
    const ty_model *m = &x->m;
    int rc = ty_model_need_sparse(m, NULL, 0);
    if (rc) return rc;
    size_t words = (m->nfields + 63) / 64;
    if (!words) words = 1;
    uint64_t *bits = ty_calloc(m->nterms ? m->nterms * words : 1, sizeof *bits);
    float *g = ty_calloc(m->nterms ? m->nterms : 1, sizeof *g);
    double *pf = ty_calloc(m->nfields ? m->nfields : 1, sizeof *pf);
    uint32_t *nf = ty_calloc(m->nterms ? m->nterms : 1, sizeof *nf);
    uint32_t *dfl = ty_calloc(m->nterms ? m->nterms : 1, sizeof *dfl);
    if (!bits || !g || !pf || !nf || !dfl) {
        free(bits);
        free(g);
        free(pf);
        free(nf);
        free(dfl);
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t d = 0; d < m->ndocs; d++)
        for (uint64_t j = m->tfidf.rowptr[d]; j < m->tfidf.rowptr[d + 1]; j++) {
            uint32_t t = m->tfidf.col[j];
            dfl[t]++;
            for (uint64_t k = m->field_ptr[d]; k < m->field_ptr[d + 1]; k++) {
                uint16_t f = m->field_ids[k];
                uint64_t *w = &bits[(size_t)t * words + f / 64];
                if (!(*w >> (f % 64) & 1)) {
                    *w |= 1ull << (f % 64);
                    nf[t]++;
                }
            }
        }
    for (uint32_t f = 0; f < m->nfields; f++)
        pf[f] = m->ndocs ? (double)m->field_count[f] / (double)m->ndocs : 0;
    double memo[256];
    for (int i = 0; i < 256; i++) memo[i] = -1;
    for (uint64_t t = 0; t < m->nterms; t++) {
        uint32_t df = dfl[t];
        if (!df || !nf[t]) continue;
        double e;
        if (df < 256 && memo[df] >= 0) e = memo[df];
        else {
            e = 0;
            for (uint32_t f = 0; f < m->nfields; f++) e += 1 - pow(1 - pf[f], (double)df);
            if (df < 256) memo[df] = e;
        }
        double r = e > 0 ? nf[t] / e : 1;
        if (r > 1) r = 1;
        g[t] = (float)(r * df / (df + 20.0));
    }
    free(bits);
    free(pf);
    free(nf);
    free(dfl);
    x->tgen = g;
    return TENYO_OK;
}

const float *ty_judge_genericity(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->tgen_once, tgen_build, x) ? NULL : x->tgen;
}



/* Field-balanced spread and df of every term (spread[t], df[t]). */
static int jf_spread(const ty_model *m, float *spread, uint32_t *df) {
    uint64_t nt = m->nterms;
    ty_csr post; /* the rows transposed: each term's documents */
    int rc = ty_csr_transpose(&m->tfidf, &post);
    if (rc) return rc;
    double *cnt = ty_calloc(m->nfields ? m->nfields : 1, sizeof *cnt);
    uint32_t *touched = ty_mallocarray(m->nfields ? m->nfields : 1, sizeof *touched);
    if (!cnt || !touched) {
        ty_csr_free(&post);
        free(cnt);
        free(touched);
        return TENYO_ERR_NOMEM;
    }
    uint32_t big = 0;
    for (uint32_t f = 0; f < m->nfields; f++) big += m->field_count[f] >= JF_MIN_FIELD;
    double hmax = big > 1 ? log((double)big) : 1;
    for (uint64_t t = 0; t < nt; t++) {
        uint32_t nto = 0;
        df[t] = (uint32_t)(post.rowptr[t + 1] - post.rowptr[t]);
        for (uint64_t k = post.rowptr[t]; k < post.rowptr[t + 1]; k++) {
            uint64_t d = post.col[k];
            for (uint64_t q = m->field_ptr[d]; q < m->field_ptr[d + 1]; q++) {
                uint16_t f = m->field_ids[q];
                if (m->field_count[f] < JF_MIN_FIELD) continue;
                if (cnt[f] == 0) touched[nto++] = f;
                cnt[f] += 1;
            }
        }
        double tot = 0, h = 0;
        for (uint32_t i = 0; i < nto; i++) {
            uint32_t f = touched[i];
            cnt[f] /= (double)m->field_count[f];
            tot += cnt[f];
        }
        for (uint32_t i = 0; i < nto; i++) {
            uint32_t f = touched[i];
            double p = cnt[f] / tot;
            if (p > 0) h -= p * log(p);
            cnt[f] = 0;
        }
        spread[t] = nto > 1 ? (float)(h / hmax) : 0;
    }
    ty_csr_free(&post);
    free(cnt);
    free(touched);
    return TENYO_OK;
}

/* The judge's state of one index (x->judge): the facts computed so far,
 * the analysers that compute a term's on demand, the weights by fact. */
struct ty_judge_state {
    float *feat;            /* nterms x TY_JF_N */
    uint8_t *done;          /* per term: 1 once its facts are in feat */
    pthread_mutex_t mu;     /* guards done, feat's lexical facts, the analysers */
    ty_mecab *mc;           /* ipadic (the index's dictionary) */
    ty_mecab_ctx *mx;
    ty_juman *ju;           /* NULL without the JUMAN dictionary */
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
    ty_juman_free(j->ju);
    if (j->mx) ty_mecab_ctx_free(j->mx);
    if (j->mc) ty_mecab_free(j->mc);
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
    j->feat = ty_calloc(nt ? nt * TY_JF_N : 1, sizeof *j->feat);
    j->done = ty_calloc(nt ? nt : 1, 1);
    if (!j->feat || !j->done) {
        jf_state_free(j);
        return TENYO_ERR_NOMEM;
    }
    char err[TY_ERRLEN];
    if (ty_mecab_new(x->tok.mecab_dicdir, &j->mc, err, sizeof err) == 0) ty_mecab_ctx_new(j->mc, &j->mx);
    if (ty_juman_new(&j->ju, err, sizeof err)) j->ju = NULL;
    for (int i = 0; i < TY_JF_N; i++) {
        char en[40];
        snprintf(en, sizeof en, "en.%s", jf_names[i]);
        j->w[i] = ty_judge_weight(jf_names[i], 0);
        j->wen[i] = ty_judge_weight(en, 0);
    }
    j->has_en = !isnan(ty_judge_weight("en.bias", NAN));
    uint64_t en = 0;
    for (uint64_t d = 0; d < x->m.ndocs && x->m.lang; d++) en += x->m.lang[d] == 1;
    j->english = 2 * en > x->m.ndocs;
    x->judge = j;
    x->judge_free = jf_state_free;
    return TENYO_OK;
}

static struct ty_judge_state *jf_state(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->judge_once, jf_build, x) ? NULL : x->judge;
}

/* Term t's own facts into f (j->mu held): its analysis by ipadic and JUMAN,
 * its rarity and genericity. */
static void jf_lexical(const tenyo_index *x, struct ty_judge_state *j, uint32_t t, float *f) {
    const ty_model *m = &x->m;
    const char *s = m->term_blob + m->term_off[t];
    size_t len = strlen(s);
    f[TY_JF_BIAS] = 1;
    if ((unsigned char)s[0] < 0x80) {
        f[TY_JF_LATIN] = 1;
        f[TY_JF_MORPHS] = 0.25f;
        if (j->spread) {
            f[TY_JF_EN_SPREAD] = j->spread[t];
            f[TY_JF_EN_GENERIC] = j->spread[t] >= TY_JF_EN_GENERIC_SPREAD;
        }
        const char *w = m->surf_off && m->surf_blob[m->surf_off[t]] ? m->surf_blob + m->surf_off[t] : s;
        size_t wn = strlen(w);
        f[TY_JF_EN_VERB] = (wn > 4 && !strcmp(w + wn - 2, "ed")) || (wn > 5 && !strcmp(w + wn - 3, "ing"));
    } else {
        jf_mc a = {0};
        if (j->mx) ty_mecab_parse(j->mx, s, len, jf_emit, &a);
        int n = a.n ? a.n : 1;
        f[TY_JF_COMPOUND] = n >= 2;
        f[TY_JF_MORPHS] = (float)(n > 4 ? 4 : n) / 4;
        f[TY_JF_KATAKANA] = (float)all_katakana(s);
        f[TY_JF_VERB] = (float)a.verb;
        f[TY_JF_HEAD_SAHEN] = strstr(a.head, "サ変接続") != NULL && !a.verb;
        f[TY_JF_HEAD_SUFFIX] = strstr(a.head, "接尾") != NULL;
        f[TY_JF_HEAD_ADJNOUN] = strstr(a.head, "形容動詞語幹") != NULL;
        f[TY_JF_HEAD_PROPER] = strstr(a.head, "固有名詞") != NULL;
        ty_juman_facts jf;
        if (j->ju && ty_juman_word(j->ju, s, len, &jf) == 0) {
            f[TY_JF_J_ABSTRACT] = jf.category == TY_JUMAN_ABSTRACT;
            f[TY_JF_J_ARTIFACT] = jf.category == TY_JUMAN_ARTIFACT;
            f[TY_JF_J_NATURAL] = jf.category == TY_JUMAN_NATURAL;
            f[TY_JF_J_OTHER] = jf.category == TY_JUMAN_OTHER;
            f[TY_JF_J_NONE] = jf.category == TY_JUMAN_NONE;
            f[TY_JF_J_DOMAIN] = (float)jf.domain;
            f[TY_JF_J_POLYSEMOUS] = (float)jf.polysemous;
        }
    }
    /* smoothed idf = ln((1 + N) / (1 + df)) + 1 (model/tfidf.c), scaled */
    double lnn = log((double)m->ndocs + 1);
    f[TY_JF_IDF] = (float)(lnn > 0 && m->idf ? (m->idf[t] - 1) / lnn : 0);
    const float *gen = ty_judge_genericity(x);
    f[TY_JF_GENERICITY] = gen ? gen[t] : 0;
}

/* Spread and partness of every term (the corpus-wide facts): the spread
 * over the fields, and the documents of the vocabulary's compounds
 * credited to their members. Run once, when a caller wants every fact. */
static int jf_corpus(void *arg) {
    tenyo_index *x = arg;
    struct ty_judge_state *j = x->judge;
    const ty_model *m = &x->m;
    int rc = ty_model_need_sparse(m, NULL, 0);
    if (rc) return rc;
    uint64_t nt = m->nterms;
    float *spread = ty_calloc(nt ? nt : 1, sizeof *spread);
    uint32_t *df = ty_calloc(nt ? nt : 1, sizeof *df);
    double *compdf = ty_calloc(nt ? nt : 1, sizeof *compdf);
    if (!spread || !df || !compdf || (rc = jf_spread(m, spread, df))) {
        free(spread);
        free(df);
        free(compdf);
        return rc ? rc : TENYO_ERR_NOMEM;
    }
    pthread_mutex_lock(&j->mu);
    for (uint64_t t = 0; t < nt; t++) {
        const char *s = m->term_blob + m->term_off[t];
        size_t len = strlen(s);
        if ((unsigned char)s[0] < 0x80 || !j->mx) continue;
        jf_mc a = {0};
        ty_mecab_parse(j->mx, s, len, jf_emit, &a);
        if (a.n < 2 || a.n > 8) continue;
        size_t off = 0; /* members: substrings at morpheme boundaries that are terms */
        for (int i = 0; i < a.n; i++) {
            size_t l = a.member_len[i];
            if (off + l <= len) {
                int64_t u = ty_strmap_get(x->vocab, s + off, l);
                if (u >= 0 && (uint64_t)u != t) compdf[u] += df[t];
            }
            off += l;
        }
    }
    for (uint64_t t = 0; t < nt; t++) {
        float *f = j->feat + t * TY_JF_N;
        double p = df[t] ? compdf[t] / df[t] : 0;
        f[TY_JF_PARTNESS] = (float)(p > 1 ? 1 : p);
        f[TY_JF_SPREAD] = spread[t];
    }
    pthread_mutex_unlock(&j->mu);
    free(spread);
    free(df);
    free(compdf);
    return TENYO_OK;
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
    if (!spread || !df || (rc = jf_spread(m, spread, df))) {
        free(spread);
        free(df);
        return rc ? rc : TENYO_ERR_NOMEM;
    }
    free(df);
    j->spread = spread;
    return TENYO_OK;
}

int ty_judge_term_features(const tenyo_index *x, uint32_t t, double *f, double *worth) {
    struct ty_judge_state *j = jf_state(x);
    if (!j) return TENYO_ERR_NOMEM;
    if (t >= x->m.nterms) return TENYO_ERR_ARG;
    const char *s = x->m.term_blob + x->m.term_off[t];
    int latin = (unsigned char)s[0] < 0x80;
    /* without it a Latin-script term's English facts are 0 (and said so
     * nowhere else: the worth is computed all the same); an index of
     * mostly Japanese documents does not pay for it (its cards are
     * Japanese: the English facts would weigh nothing) */
    if (latin && j->english && ty_once_run(&j->spread_once, jf_spread_all, (void *)x) == TENYO_ERR_NOMEM)
        return TENYO_ERR_NOMEM;
    float *tf = j->feat + (size_t)t * TY_JF_N;
    const double *w = latin && j->has_en ? j->wen : j->w;
    double z = 0;
    pthread_mutex_lock(&j->mu);
    if (!j->done[t]) {
        jf_lexical(x, j, t, tf);
        j->done[t] = 1;
    }
    for (int i = 0; i < TY_JF_N; i++) {
        f[i] = tf[i];
        z += w[i] * tf[i];
    }
    pthread_mutex_unlock(&j->mu);
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
    if (!j || ty_once_run(&j->corpus_once, jf_corpus, (void *)x)) return TENYO_ERR_NOMEM;
    double f[TY_JF_N];
    int rc = ty_judge_term_features(x, (uint32_t)t, f, &out->worth);
    if (rc) return rc;
    out->nfeatures = TY_JF_N;
    out->names = jf_names;
    for (int i = 0; i < TY_JF_N; i++) out->features[i] = f[i];
    out->juman = j->ju != NULL;
    out->version = ty_judge_version();
    return TENYO_OK;
}
