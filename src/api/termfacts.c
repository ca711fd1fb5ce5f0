/*
 * termfacts.c — the term facts of an index (TY_JF_* in api.h): for every
 * vocabulary term, what the judge (judge/terms.c, which names and fits
 * them) weighs of it that does not depend on a query. One code computes
 * them both ways: the builder for the whole vocabulary, stored as the
 * section "termfacts" (ty_tf_build), and the judge term by term on an
 * index without that section (ty_tf_lexical and the passes below). So the
 * stored facts are the ones the judge would compute; the unit test
 * termfacts_table_equals_lazy compares every term's, bit for bit.
 *
 * The facts:
 *   lexical    ipadic's analysis of the term (compound, morphemes, a verb
 *              or adjective, the head's part of speech), all katakana,
 *              Latin script, JUMAN's category, domain and 多義 of it
 *              (text/juman.c), and a Latin-script term's participle (its
 *              surface ends in -ed or -ing): ty_tf_lexical, one ipadic and
 *              one JUMAN analysis;
 *   idf        the model's, scaled to 0..1 (ty_tf_idf);
 *   genericity the field spread against random draws (ty_tf_genericity:
 *              a pass over every document's row, field bits per term);
 *   spread     the entropy of the per-field document rates, every field
 *              weighted alike (ty_tf_spread: the rows transposed);
 *   partness   the documents of the vocabulary's compounds credited to
 *              their members (ty_tf_partness: an ipadic pass over the
 *              vocabulary);
 *   English    en_spread and en_generic: a Latin-script term's spread and
 *              whether it reaches TY_JF_EN_GENERIC_SPREAD, on an index of
 *              mostly English documents (ty_tf_english), else 0.
 *
 * The section's raw content (little-endian; T = the vocabulary's terms):
 *   0       4   magic "TJF1"
 *   4       4   flags: TF_ENGLISH the English facts are set, TF_JUMAN
 *               JUMAN's are (its dictionary was installed at the build)
 *   8       8   T
 *   16      4T  u32 per term: bit TF_BIT(i) for each fact that is 0 or 1,
 *               bits TF_MORPHS_AT.. the morphs fact x 4 (1..4)
 *   16+4T   4T  f32 idf
 *   16+8T   4T  f32 genericity
 *   16+12T  4T  f32 spread
 *   16+16T  4T  f32 partness
 * 20 bytes a term raw (bias is 1, en_spread the spread where it is set);
 * zstd keeps 7-8 (docs/index-format.md). The builder packs every term's
 * facts and unpacks them again before writing: a fact the layout could
 * not hold exactly leaves the section out. A dictionary that is there but
 * does not load stops the build (under ulimit -v: out of memory), so that
 * the facts never depend on the memory a build had.
 *
 * Read: ty_index_termfacts, once, on the judge's first need (the section
 * read through store/lazysec.c, its size, flags, bits and values checked).
 * The judge then loads no dictionary and makes no pass over the rows. It
 * does without (computing as above) when the index has no section — one
 * written before it, a segment, a sharded index (tenyo-mpi's shards keep
 * their rows on their processes, and the one-process writer makes the
 * same files), an index whose updates are merged at open (its vocabulary
 * and counts are no longer those the section describes) — when the
 * section fails its checks (tenyo check names it: ty_tf_verify_model), and
 * when it was written without JUMAN on a machine that has it now (the
 * judge would know more).
 */
#include "api/api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define TF_MAGIC "TJF1"
#define TF_HEAD 16u
#define TF_RECORD 20u /* raw bytes a term */
#define TF_ENGLISH 1u
#define TF_JUMAN 2u
#define TF_MORPHS_AT 17 /* bits 17-19: the morphs fact x 4 */

/* Fields with fewer documents are not counted in the spread. */
#define TF_MIN_FIELD 10

/* The facts that are 0 or 1, by their bit in a term's word. */
static const int tf_bits[] = {
    TY_JF_COMPOUND,   TY_JF_LATIN,       TY_JF_KATAKANA,  TY_JF_VERB,       TY_JF_HEAD_SAHEN,
    TY_JF_HEAD_SUFFIX, TY_JF_HEAD_ADJNOUN, TY_JF_HEAD_PROPER, TY_JF_J_ABSTRACT, TY_JF_J_ARTIFACT,
    TY_JF_J_NATURAL,  TY_JF_J_OTHER,     TY_JF_J_NONE,    TY_JF_J_DOMAIN,   TY_JF_J_POLYSEMOUS,
    TY_JF_EN_GENERIC, TY_JF_EN_VERB};
#define TF_NBITS ((int)(sizeof tf_bits / sizeof tf_bits[0]))
/* The facts stored as f32 columns, in the section's order. */
static const int tf_cols[] = {TY_JF_IDF, TY_JF_GENERICITY, TY_JF_SPREAD, TY_JF_PARTNESS};
#define TF_NCOLS 4

struct ty_tf_table {
    uint32_t flags;
    uint64_t n;
    const unsigned char *word; /* n u32 */
    const unsigned char *col[TF_NCOLS]; /* n f32 each */
};

/* ============================================================ analysis */

int ty_tf_an_open(ty_tf_an *a, const char *dicdir, char *why, size_t whylen) {
    memset(a, 0, sizeof *a);
    if (ty_mecab_new(dicdir, &a->mc, why, whylen) == 0 && ty_mecab_ctx_new(a->mc, &a->mx)) {
        ty_mecab_free(a->mc);
        a->mc = NULL;
        return TENYO_ERR_NOMEM;
    }
    int rc = ty_juman_new(&a->ju, a->mc ? why : NULL, whylen);
    if (rc == TENYO_ERR_NOMEM) return TENYO_ERR_NOMEM;
    if (rc) a->ju = NULL;
    return TENYO_OK;
}

void ty_tf_an_close(ty_tf_an *a) {
    if (!a) return;
    ty_juman_free(a->ju);
    if (a->mx) ty_mecab_ctx_free(a->mx);
    if (a->mc) ty_mecab_free(a->mc);
    memset(a, 0, sizeof *a);
}

/* One term's ipadic analysis. */
typedef struct tf_mc {
    int n;                 /* morphemes */
    int verb;              /* the last is a verb or adjective */
    char head[48];         /* the last morpheme's POS fields 1-2 */
    size_t member_len[8];  /* bytes of each morpheme, in order */
} tf_mc;

static void tf_emit(void *ud, const ty_morph *m) {
    tf_mc *a = ud;
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

/* Term t's lexical facts into f (the rest untouched) and, for a Japanese
 * term analysed by ipadic, its analysis into *mo (n 0 otherwise). */
static void tf_lexical(const ty_model *m, ty_tf_an *a, uint32_t t, float *f, tf_mc *mo) {
    const char *s = m->term_blob + m->term_off[t];
    size_t len = strlen(s);
    memset(mo, 0, sizeof *mo);
    f[TY_JF_BIAS] = 1;
    if ((unsigned char)s[0] < 0x80) {
        f[TY_JF_LATIN] = 1;
        f[TY_JF_MORPHS] = 0.25f;
        const char *w = m->surf_off && m->surf_blob[m->surf_off[t]] ? m->surf_blob + m->surf_off[t] : s;
        size_t wn = strlen(w);
        f[TY_JF_EN_VERB] = (wn > 4 && !strcmp(w + wn - 2, "ed")) || (wn > 5 && !strcmp(w + wn - 3, "ing"));
        return;
    }
    if (a->mx) ty_mecab_parse(a->mx, s, len, tf_emit, mo);
    int n = mo->n ? mo->n : 1;
    f[TY_JF_COMPOUND] = n >= 2;
    f[TY_JF_MORPHS] = (float)(n > 4 ? 4 : n) / 4;
    f[TY_JF_KATAKANA] = (float)all_katakana(s);
    f[TY_JF_VERB] = (float)mo->verb;
    f[TY_JF_HEAD_SAHEN] = strstr(mo->head, "サ変接続") != NULL && !mo->verb;
    f[TY_JF_HEAD_SUFFIX] = strstr(mo->head, "接尾") != NULL;
    f[TY_JF_HEAD_ADJNOUN] = strstr(mo->head, "形容動詞語幹") != NULL;
    f[TY_JF_HEAD_PROPER] = strstr(mo->head, "固有名詞") != NULL;
    ty_juman_facts jf;
    if (a->ju && ty_juman_word(a->ju, s, len, &jf) == 0) {
        f[TY_JF_J_ABSTRACT] = jf.category == TY_JUMAN_ABSTRACT;
        f[TY_JF_J_ARTIFACT] = jf.category == TY_JUMAN_ARTIFACT;
        f[TY_JF_J_NATURAL] = jf.category == TY_JUMAN_NATURAL;
        f[TY_JF_J_OTHER] = jf.category == TY_JUMAN_OTHER;
        f[TY_JF_J_NONE] = jf.category == TY_JUMAN_NONE;
        f[TY_JF_J_DOMAIN] = (float)jf.domain;
        f[TY_JF_J_POLYSEMOUS] = (float)jf.polysemous;
    }
}

void ty_tf_lexical(const ty_model *m, ty_tf_an *a, uint32_t t, float *f) {
    tf_mc mo;
    tf_lexical(m, a, t, f, &mo);
}

float ty_tf_idf(const ty_model *m, uint32_t t) {
    /* smoothed idf = ln((1 + N) / (1 + df)) + 1 (model/tfidf.c), scaled */
    double lnn = log((double)m->ndocs + 1);
    return (float)(lnn > 0 && m->idf ? (m->idf[t] - 1) / lnn : 0);
}

void ty_tf_english_facts(float spread, float *f) {
    f[TY_JF_EN_SPREAD] = spread;
    f[TY_JF_EN_GENERIC] = spread >= TY_JF_EN_GENERIC_SPREAD;
}

int ty_tf_english(const ty_model *m) {
    uint64_t en = 0;
    for (uint64_t d = 0; d < m->ndocs && m->lang; d++) en += m->lang[d] == 1;
    return 2 * en > m->ndocs;
}

/* ======================================================== corpus passes */

/* A term is generic when it spreads over the fields as evenly as documents
 * drawn at random would: generic(t) = F(t) / E(df(t)) x df / (df + 20),
 * where F(t) is the number of fields among the documents holding t and
 * E(d) = sum over fields f of 1 - (1 - p_f)^d the number a random draw of d
 * documents would reach (p_f: the field's share of the documents). 制御,
 * 部材, 構造 come out near 1; 歯車 or 内視鏡 well below. The last factor
 * keeps rare terms specific (a term in three documents of three fields
 * says nothing about spread). */
int ty_tf_genericity(const ty_model *m, float **out) {
    *out = NULL;
    int nrc = ty_model_need_docfields(m, NULL, 0);
    if (nrc) return nrc;
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
    *out = g;
    return TENYO_OK;
}

int ty_tf_spread(const ty_model *m, float *spread, uint32_t *df) {
    uint64_t nt = m->nterms;
    ty_csr post; /* the rows transposed: each term's documents */
    int rc = ty_model_need_docfields(m, NULL, 0);
    if (!rc) rc = ty_csr_transpose(&m->tfidf, &post);
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
    for (uint32_t f = 0; f < m->nfields; f++) big += m->field_count[f] >= TF_MIN_FIELD;
    double hmax = big > 1 ? log((double)big) : 1;
    for (uint64_t t = 0; t < nt; t++) {
        uint32_t nto = 0;
        df[t] = (uint32_t)(post.rowptr[t + 1] - post.rowptr[t]);
        for (uint64_t k = post.rowptr[t]; k < post.rowptr[t + 1]; k++) {
            uint64_t d = post.col[k];
            for (uint64_t q = m->field_ptr[d]; q < m->field_ptr[d + 1]; q++) {
                uint16_t f = m->field_ids[q];
                if (m->field_count[f] < TF_MIN_FIELD) continue;
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

/* Term t's members (tf_mc) that are terms of vocab, other than t itself,
 * appended to mem; their number. */
static int lex_members(const ty_model *m, const ty_strmap *vocab, uint32_t t, const tf_mc *mo,
                       uint32_t *mem) {
    const char *s = m->term_blob + m->term_off[t];
    size_t len = strlen(s), off = 0;
    int k = 0;
    if (mo->n < 2 || mo->n > 8) return 0;
    for (int i = 0; i < mo->n; i++) {
        size_t l = mo->member_len[i];
        if (off + l <= len) {
            int64_t u = ty_strmap_get(vocab, s + off, l);
            if (u >= 0 && (uint64_t)u != t) mem[k++] = (uint32_t)u;
        }
        off += l;
    }
    return k;
}

/* Credit term t's documents df[t] to its members in compdf: the
 * substrings at its morpheme boundaries (mo) that are terms themselves. */
static void tf_credit(const ty_model *m, const ty_strmap *vocab, uint32_t t, const tf_mc *mo,
                      const uint32_t *df, double *compdf) {
    uint32_t mem[8];
    int k = lex_members(m, vocab, t, mo, mem);
    for (int i = 0; i < k; i++) compdf[mem[i]] += df[t];
}

/* partness[t] from the credited documents. */
static void tf_part(uint64_t nt, const double *compdf, const uint32_t *df, float *part) {
    for (uint64_t t = 0; t < nt; t++) {
        double p = df[t] ? compdf[t] / df[t] : 0;
        part[t] = (float)(p > 1 ? 1 : p);
    }
}

int ty_tf_partness(const ty_model *m, ty_tf_an *a, const ty_strmap *vocab, const uint32_t *df,
                   float *part) {
    uint64_t nt = m->nterms;
    double *compdf = ty_calloc(nt ? nt : 1, sizeof *compdf);
    if (!compdf) return TENYO_ERR_NOMEM;
    for (uint64_t t = 0; t < nt && a->mx; t++) {
        const char *s = m->term_blob + m->term_off[t];
        if ((unsigned char)s[0] < 0x80) continue;
        tf_mc mo = {0};
        ty_mecab_parse(a->mx, s, strlen(s), tf_emit, &mo);
        tf_credit(m, vocab, (uint32_t)t, &mo, df, compdf);
    }
    tf_part(nt, compdf, df, part);
    free(compdf);
    return TENYO_OK;
}

/* ============================================================ the table */

static float tf_f32(const unsigned char *p) {
    uint32_t u = ty_get_le32(p);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* f's 0/1 facts and morphemes as the section's word (a term's u32). */
static uint32_t lex_word(const float *f) {
    uint32_t word = 0;
    for (int b = 0; b < TF_NBITS; b++) word |= (uint32_t)(f[tf_bits[b]] > 0) << b;
    return word | (uint32_t)lrintf(f[TY_JF_MORPHS] * 4) << TF_MORPHS_AT;
}

/* A word's lexical facts into f (zeroed first): bias, bits and morphs. */
static void lex_unpack(uint32_t w, float *f) {
    for (int i = 0; i < TY_JF_N; i++) f[i] = 0;
    f[TY_JF_BIAS] = 1;
    for (int b = 0; b < TF_NBITS; b++) f[tf_bits[b]] = (float)(w >> b & 1);
    f[TY_JF_MORPHS] = (float)(w >> TF_MORPHS_AT & 7) / 4;
}

/* Term t's facts from the section's content (the table's pointers). */
static void tf_unpack(const ty_tf_table *tab, uint64_t t, float *f) {
    lex_unpack(ty_get_le32(tab->word + 4 * t), f);
    for (int c = 0; c < TF_NCOLS; c++) f[tf_cols[c]] = tf_f32(tab->col[c] + 4 * t);
    if ((tab->flags & TF_ENGLISH) && f[TY_JF_LATIN] > 0) f[TY_JF_EN_SPREAD] = f[TY_JF_SPREAD];
}

void ty_tf_table_facts(const ty_tf_table *tab, uint32_t t, float *f) { tf_unpack(tab, t, f); }

int ty_tf_table_juman(const ty_tf_table *tab) { return (tab->flags & TF_JUMAN) != 0; }

int ty_tf_table_genericity(const ty_tf_table *tab, float **out) {
    *out = ty_mallocarray(tab->n ? tab->n : 1, sizeof **out);
    if (!*out) return TENYO_ERR_NOMEM;
    for (uint64_t t = 0; t < tab->n; t++) (*out)[t] = tf_f32(tab->col[1] + 4 * t);
    return TENYO_OK;
}

/* 1 when every term's word has a morphs count of 1..4 and every column
 * value is in 0..1.001 (a NaN fails both comparisons, an infinity one):
 * tf_parse's checks, a column at a time, so the loops run straight
 * through memory (the check of a 75k-term table, term by term across the
 * five arrays, was ~1 ms of an ideas query). */
static int tf_all_good(const ty_tf_table *tab, uint64_t nterms) {
    int bad = 0;
    for (uint64_t t = 0; t < nterms; t++) {
        uint32_t k = ty_get_le32(tab->word + 4 * t) >> TF_MORPHS_AT;
        bad |= k < 1 || k > 4;
    }
    for (int c = 0; c < TF_NCOLS; c++)
        for (uint64_t t = 0; t < nterms; t++) {
            float v = tf_f32(tab->col[c] + 4 * t);
            bad |= !(v >= 0 && v <= 1.001f);
        }
    return !bad;
}

/* The section's content p[0..len) as a table of nterms terms, every value
 * checked: 0, or -1 with the reason in why (the first bad term's). */
static int tf_parse(const char *p, uint64_t len, uint64_t nterms, ty_tf_table *tab, char *why,
                    size_t whylen) {
    const unsigned char *u = (const unsigned char *)p;
    if (len < TF_HEAD || memcmp(p, TF_MAGIC, 4)) {
        ty_seterr(why, whylen, "not a table of term facts (no magic %s)", TF_MAGIC);
        return -1;
    }
    tab->flags = ty_get_le32(u + 4);
    tab->n = ty_get_le64(u + 8);
    if (tab->flags & ~(TF_ENGLISH | TF_JUMAN)) {
        ty_seterr(why, whylen, "unknown flags 0x%x", tab->flags);
        return -1;
    }
    if (tab->n != nterms || (len - TF_HEAD) / TF_RECORD != nterms || (len - TF_HEAD) % TF_RECORD) {
        ty_seterr(why, whylen, "%llu bytes for %llu terms (the index has %llu: %u + %u a term)",
                  (unsigned long long)len, (unsigned long long)tab->n,
                  (unsigned long long)nterms, TF_HEAD, TF_RECORD);
        return -1;
    }
    tab->word = u + TF_HEAD;
    for (int c = 0; c < TF_NCOLS; c++) tab->col[c] = u + TF_HEAD + 4 * nterms * (uint64_t)(c + 1);
    if (tf_all_good(tab, nterms)) return 0;
    /* a bad value somewhere: the first, term by term, named */
    for (uint64_t t = 0; t < nterms; t++) {
        uint32_t w = ty_get_le32(tab->word + 4 * t), k = w >> TF_MORPHS_AT;
        if (k < 1 || k > 4) {
            ty_seterr(why, whylen, "term %llu: bad bits 0x%x", (unsigned long long)t, w);
            return -1;
        }
        for (int c = 0; c < TF_NCOLS; c++) {
            float v = tf_f32(tab->col[c] + 4 * t);
            if (!isfinite(v) || v < 0 || v > 1.001f) { /* 0..1, up to rounding */
                ty_seterr(why, whylen, "term %llu: %s %g out of range", (unsigned long long)t,
                          c == 0 ? "idf" : c == 1 ? "genericity" : c == 2 ? "spread" : "partness",
                          (double)v);
                return -1;
            }
        }
    }
    return 0;
}

/* Pack term t's facts f into the section (words w, columns c): 0, or -1
 * when the layout cannot hold them exactly (checked by unpacking). */
static int tf_pack(const float *f, unsigned char *w, unsigned char *const *c, uint64_t t,
                   const ty_tf_table *tab) {
    ty_put_le32(w + 4 * t, lex_word(f));
    for (int k = 0; k < TF_NCOLS; k++) {
        uint32_t u;
        memcpy(&u, &f[tf_cols[k]], 4);
        ty_put_le32(c[k] + 4 * t, u);
    }
    float g[TY_JF_N];
    tf_unpack(tab, t, g);
    return memcmp(f, g, sizeof g) ? -1 : 0;
}

/* The vocabulary's lexical pass (ty_tf_lex): what it learns of each term
 * without the rows or the fields, kept until the corpus passes. */
struct ty_tf_lexed {
    uint64_t nt;
    uint32_t *word;  /* each term's lexical facts, packed as the section's word */
    uint64_t *mptr;  /* nt + 1: term t's members are mem[mptr[t] .. mptr[t + 1]) */
    uint32_t *mem;   /* a compound's members that are terms (tf_credit's) */
    int juman;       /* JUMAN's dictionary was there (TF_JUMAN) */
    int exact;       /* every term's lexical facts fit the word exactly */
};

void ty_tf_lexed_free(ty_tf_lexed *lx) {
    if (!lx) return;
    free(lx->word);
    free(lx->mptr);
    free(lx->mem);
    free(lx);
}

/* A dictionary the build has (the tokenizer's ipadic; JUMAN's, installed)
 * that does not load (why): under an address-space limit, out of memory
 * (the facts must not depend on the limit); else the dictionary is
 * broken. The status, with err set. */
static int tf_no_dictionary(const char *which, const char *why, char *err, size_t errlen) {
    struct rlimit rl;
    if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) {
        ty_seterr(err, errlen, "out of memory: the address-space limit (ulimit -v %llu KiB) leaves "
                  "no room for the %s dictionary of the term facts: raise the limit",
                  (unsigned long long)(rl.rlim_cur / 1024), which);
        return TENYO_ERR_NOMEM;
    }
    ty_seterr(err, errlen, "term facts: the %s dictionary does not load: %s", which, why);
    return TENYO_ERR_DEPENDENCY;
}

int ty_tf_lex(const ty_model *m, const char *dicdir, ty_tf_lexed **out, char *err, size_t errlen) {
    *out = NULL;
    uint64_t nt = m->nterms;
    char why[TY_ERRLEN] = "";
    ty_tf_an an;
    ty_strmap *vocab = NULL;
    int rc = ty_tf_an_open(&an, dicdir, why, sizeof why);
    if (!rc && (!an.mx || (!an.ju && ty_juman_installed())))
        rc = tf_no_dictionary(!an.mx ? "MeCab" : "JUMAN", why, err, errlen);
    ty_tf_lexed *lx = rc ? NULL : ty_calloc(1, sizeof *lx);
    if (!rc) {
        rc = TENYO_ERR_NOMEM;
        if (!lx) goto done;
        lx->nt = nt;
        lx->juman = an.ju != NULL;
        lx->exact = 1;
        lx->word = ty_mallocarray(nt ? nt : 1, sizeof *lx->word);
        lx->mptr = ty_mallocarray(nt + 1, sizeof *lx->mptr);
        vocab = ty_strmap_new();
        if (!lx->word || !lx->mptr || !vocab || ty_strmap_reserve(vocab, (uint32_t)nt)) goto done;
        uint64_t dup = 0;
        rc = ty_strmap_add_blob(vocab, m->term_blob, m->term_off, 1, nt, &dup);
        if (rc == 1) rc = TENYO_ERR_ARG; /* a vocabulary of unique terms */
        if (rc) goto done;
        rc = TENYO_ERR_NOMEM;
        size_t cap = 0, n = 0;
        lx->mptr[0] = 0;
        for (uint64_t t = 0; t < nt; t++) {
            float f[TY_JF_N] = {0}, g[TY_JF_N];
            tf_mc mo;
            tf_lexical(m, &an, (uint32_t)t, f, &mo);
            lx->word[t] = lex_word(f);
            lex_unpack(lx->word[t], g);
            if (memcmp(f, g, sizeof g)) lx->exact = 0; /* the section cannot hold it */
            if (n + 8 > cap) {
                size_t nc = cap ? 2 * cap : 4096;
                uint32_t *nm = realloc(lx->mem, nc * sizeof *nm);
                if (!nm) goto done;
                lx->mem = nm;
                cap = nc;
            }
            n += (size_t)lex_members(m, vocab, (uint32_t)t, &mo, lx->mem + n);
            lx->mptr[t + 1] = n;
        }
        rc = TENYO_OK;
    }
done:
    ty_tf_an_close(&an);
    ty_strmap_free(vocab);
    if (rc) {
        ty_tf_lexed_free(lx);
        if (rc == TENYO_ERR_NOMEM && !*err) ty_seterr(err, errlen, "out of memory for the term facts");
        return rc;
    }
    *out = lx;
    return TENYO_OK;
}

int ty_tf_finish(const ty_model *m, const ty_tf_lexed *lx, ty_buf *out, char *err,
                 size_t errlen) {
    memset(out, 0, sizeof *out);
    uint64_t nt = m->nterms;
    if (lx->nt != nt) {
        ty_seterr(err, errlen, "the term facts' lexical pass saw %llu terms, the index has %llu",
                  (unsigned long long)lx->nt, (unsigned long long)nt);
        return TENYO_ERR_ARG;
    }
    float *spread = NULL, *gen = NULL, *part = NULL;
    uint32_t *df = NULL;
    double *compdf = NULL;
    int rc = ty_model_need_sparse(m, err, errlen);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    spread = ty_calloc(nt ? nt : 1, sizeof *spread);
    part = ty_calloc(nt ? nt : 1, sizeof *part);
    df = ty_calloc(nt ? nt : 1, sizeof *df);
    compdf = ty_calloc(nt ? nt : 1, sizeof *compdf);
    if (!spread || !part || !df || !compdf) goto done;
    rc = ty_tf_spread(m, spread, df);
    if (!rc) rc = ty_tf_genericity(m, &gen);
    if (rc) goto done;
    size_t len = TF_HEAD + TF_RECORD * (size_t)nt;
    int english = ty_tf_english(m), fits = lx->exact;
    ty_tf_table tab = {(english ? TF_ENGLISH : 0) | (lx->juman ? TF_JUMAN : 0), nt, NULL, {NULL}};
    rc = TENYO_ERR_NOMEM;
    if (ty_buf_reserve(out, len)) goto done;
    rc = TENYO_OK;
    unsigned char *u = (unsigned char *)out->p, *col[TF_NCOLS];
    memcpy(u, TF_MAGIC, 4);
    ty_put_le32(u + 4, tab.flags);
    ty_put_le64(u + 8, nt);
    tab.word = u + TF_HEAD;
    for (int c = 0; c < TF_NCOLS; c++) tab.col[c] = col[c] = u + TF_HEAD + 4 * nt * (c + 1);
    /* each term's facts packed (partness 0 until every compound has
     * credited its members, in term order) */
    for (uint64_t t = 0; t < nt && fits; t++) {
        float f[TY_JF_N];
        lex_unpack(lx->word[t], f);
        for (uint64_t k = lx->mptr[t]; k < lx->mptr[t + 1]; k++) compdf[lx->mem[k]] += df[t];
        f[TY_JF_IDF] = ty_tf_idf(m, (uint32_t)t);
        f[TY_JF_GENERICITY] = gen[t];
        f[TY_JF_SPREAD] = spread[t];
        if (english && f[TY_JF_LATIN] > 0) ty_tf_english_facts(spread[t], f);
        fits = tf_pack(f, u + TF_HEAD, col, t, &tab) == 0;
    }
    tf_part(nt, compdf, df, part);
    for (uint64_t t = 0; t < nt && fits; t++) {
        uint32_t v;
        memcpy(&v, &part[t], 4);
        ty_put_le32(col[3] + 4 * t, v);
    }
    /* what a reader will check, checked: else the judge computes them */
    char why[TY_ERRLEN];
    if (fits && tf_parse(out->p, len, nt, &tab, why, sizeof why) == 0) out->len = len;
done:
    free(spread);
    free(gen);
    free(part);
    free(df);
    free(compdf);
    if (rc || !out->len) ty_buf_free(out);
    if (rc == TENYO_ERR_NOMEM && !*err) ty_seterr(err, errlen, "out of memory for the term facts");
    return rc;
}

int ty_tf_build(const ty_model *m, const char *dicdir, ty_buf *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    ty_tf_lexed *lx = NULL;
    int rc = ty_tf_lex(m, dicdir, &lx, err, errlen);
    if (!rc) rc = ty_tf_finish(m, lx, out, err, errlen);
    ty_tf_lexed_free(lx);
    return rc;
}

/* =============================================================== reading */

static int tf_open(void *arg) {
    tenyo_index *x = arg;
    if (!x->m.tf_sec) return TENYO_OK;
    const char *p;
    uint64_t n;
    char why[TY_ERRLEN];
    if (ty_lazysec_get(x->m.tf_sec, &p, &n, why, sizeof why)) return TENYO_OK;
    ty_tf_table *tab = ty_calloc(1, sizeof *tab);
    if (!tab) return TENYO_OK; /* the judge computes them */
    if (tf_parse(p, n, x->m.nterms, tab, why, sizeof why) ||
        (!(tab->flags & TF_JUMAN) && ty_juman_installed())) {
        free(tab);
        return TENYO_OK;
    }
    x->tfacts = tab;
    return TENYO_OK;
}

const ty_tf_table *ty_index_termfacts(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    (void)ty_once_run(&x->tfacts_once, tf_open, x);
    return x->tfacts;
}

void ty_tf_table_free(ty_tf_table *tab) { free(tab); }

int ty_tf_verify_model(const ty_model *m, char *why, size_t whylen) {
    if (!m->tf_sec) return TENYO_OK;
    const char *p;
    uint64_t n;
    int rc = ty_lazysec_get(m->tf_sec, &p, &n, why, whylen);
    if (rc) return rc;
    ty_tf_table tab;
    char w[TY_ERRLEN];
    if (tf_parse(p, n, m->nterms, &tab, w, sizeof w)) {
        ty_seterr(why, whylen, "section 'termfacts': %s", w);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}
