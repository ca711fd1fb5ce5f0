/*
 * explain.c — what a card says: its bridge terms (the shared words that
 * carry most specific content, a field's own words first; never a piece
 * MeCab cut from a longer word in the card's texts, clean.c), application
 * phrases quoted from its evidence (「…用」, 「…に用いる」) that name a use
 * in the field, and the why: the query's sentence and an evidence
 * sentence holding most bridge terms, marked.
 */
#include "stages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* =========================================================== explanation */

typedef struct bterm { uint32_t t; double w; } bterm;


static int cmp_bterm(const void *a, const void *b) {
    const bterm *x = a, *y = b;
    if (x->w != y->w) return x->w < y->w ? 1 : -1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The texts a card shows — the query's and its evidence's titles and
 * abstracts, cleaned — one after another, each NUL-terminated, into out
 * (for ty_cut_seen). 0 or a status. */
static int card_texts(tenyo_ctx *c, const tenyo_idea *idea, ty_buf *out) {
    ty_buf t = {0};
    int rc = TENYO_OK;
    const ty_ideas *st = ty_ideas_peek(c);
    uint64_t qdoc = st ? st->skip : UINT64_MAX;
    out->len = 0;
    if (qdoc != UINT64_MAX) {
        rc = ty_doc_text(c, qdoc, &t);
        if (!rc && ty_buf_append(out, t.p, t.len + 1)) rc = TENYO_ERR_NOMEM;
    } else if (c->qtext.p && ty_buf_append(out, c->qtext.p, strlen(c->qtext.p) + 1)) {
        rc = TENYO_ERR_NOMEM;
    }
    for (int e = 0; e < idea->nevidence && !rc; e++) {
        rc = ty_doc_text(c, idea->evidence[e].doc, &t);
        if (!rc && ty_buf_append(out, t.p, t.len + 1)) rc = TENYO_ERR_NOMEM;
    }
    ty_buf_free(&t);
    return rc;
}

/* 1 when term t is a piece cut from a longer word in the texts (card_texts'
 * texts[0..len)): in all of them together, or, a katakana piece, in any
 * one of them (that side never uses it alone: ボス of エンボス). */
static int cut_in(const char *t, const ty_buf *texts) {
    ty_cut k = {0};
    for (size_t at = 0; at < texts->len; at += strlen(texts->p + at) + 1) {
        if (ty_kata_piece(t, texts->p + at)) return 1;
        ty_cut_seen(&k, t, texts->p + at);
    }
    return ty_cut_word(&k);
}

/* The words the card's texts write stemmed terms as (English): one record
 * a word, "S\0stem\0key\0word\0" with S '0' for the query's text and '1'
 * for an evidence text, key the word's inflection key (ty_inflect_key).
 * The words are the texts' runs of ASCII letters, lowercased and stemmed
 * as the tokenizer stems them (Snowball English): a scan, not a second
 * tokenizer pass (the bridge list is asked several times a card). */
typedef struct sforms { ty_buf b; } sforms;

static int sforms_add(sforms *f, ty_stemmer *sb, int side, const char *w, size_t wn) {
    char st[64], key[64];
    memcpy(st, w, wn);
    memcpy(key, w, wn);
    size_t sn = ty_stem(sb, st, wn, sizeof st - 1);
    if (!sn) return TENYO_ERR_NOMEM;
    size_t kn = ty_inflect_key(key, wn);
    char c = side ? '1' : '0';
    if (ty_buf_append(&f->b, &c, 1) || ty_buf_putc(&f->b, 0) || ty_buf_append(&f->b, st, sn) ||
        ty_buf_putc(&f->b, 0) || ty_buf_append(&f->b, key, kn) || ty_buf_putc(&f->b, 0) ||
        ty_buf_append(&f->b, w, wn) || ty_buf_putc(&f->b, 0))
        return TENYO_ERR_NOMEM;
    return TENYO_OK;
}

/* The records of texts (card_texts': the query's first) into f. 0, or
 * TENYO_ERR_NOMEM. */
static int sforms_read(const ty_buf *texts, sforms *f) {
    ty_stemmer *sb = NULL;
    char err[TY_ERRLEN];
    if (ty_stemmer_new(&sb, err, sizeof err)) return TENYO_ERR_NOMEM;
    int rc = TENYO_OK, side = 0;
    for (size_t at = 0; at < texts->len && !rc; at += strlen(texts->p + at) + 1, side = 1) {
        const char *p = texts->p + at;
        while (*p && !rc) {
            if (!isalpha((unsigned char)*p)) {
                p++;
                continue;
            }
            const char *q = p;
            while (isalpha((unsigned char)*q)) q++;
            char w[64];
            size_t wn = (size_t)(q - p);
            /* a word, not a piece of a code or number (A61B, 3D) */
            int plain = wn >= 2 && wn < sizeof w - 1 && !isdigit((unsigned char)*q) &&
                        (p == texts->p + at || !isalnum((unsigned char)p[-1]));
            for (size_t k = 0; k < wn && plain; k++) w[k] = (char)tolower((unsigned char)p[k]);
            if (plain) rc = sforms_add(f, sb, side, w, wn);
            p = q;
        }
    }
    ty_stemmer_free(sb);
    return rc;
}

/* Whether stem t (a stemmed English term) is one word on both sides of the
 * card: 1 when a form the query writes it as and a form an evidence text
 * writes it as have one inflection key; *form is then the word to show:
 * show (the index's surface for t) when it has that key, else the query's
 * first word that has it (NULL: show show). 0 when the two sides only share
 * the stem (fabric and fabrication, both "fabric" to Snowball); -1 when a
 * side never writes it (nothing to compare: the term is kept as shown). */
static int one_word(const sforms *f, const char *t, const char *show, const char **form,
                    size_t *formlen) {
    char sk[64];
    size_t sn = strlen(show);
    *form = NULL;
    *formlen = 0;
    int plain = sn + 1 <= sizeof sk;
    for (size_t i = 0; i < sn && plain; i++) plain = show[i] >= 'a' && show[i] <= 'z';
    if (plain) {
        memcpy(sk, show, sn);
        sn = ty_inflect_key(sk, sn);
    }
    sk[plain ? sn : 0] = 0;
    int q = 0, e = 0, shared = 0, shared_show = 0;
    for (size_t at = 0; at < f->b.len;) { /* each query form against each evidence form */
        const char *side = f->b.p + at, *st = side + 2, *key = st + strlen(st) + 1,
                   *w = key + strlen(key) + 1;
        at = (size_t)(w + strlen(w) + 1 - f->b.p);
        if (strcmp(st, t)) continue;
        if (*side != '0') {
            e = 1;
            continue;
        }
        q = 1;
        for (size_t bt = 0; bt < f->b.len;) {
            const char *s2 = f->b.p + bt, *st2 = s2 + 2, *k2 = st2 + strlen(st2) + 1,
                       *w2 = k2 + strlen(k2) + 1;
            bt = (size_t)(w2 + strlen(w2) + 1 - f->b.p);
            if (*s2 == '0' || strcmp(st2, t) || strcmp(k2, key)) continue;
            if (plain && !strcmp(key, sk)) shared_show = 1;
            if (!shared) {
                *form = w;
                *formlen = strlen(w);
            }
            shared = 1;
            break;
        }
    }
    if (!q || !e) return -1;
    if (shared_show) *form = NULL, *formlen = 0;
    return shared;
}

/* 1 when term t of the card may be a bridge as English goes: a stem the
 * two sides write as one word (one_word), or one a side never writes;
 * *form then the word to show when it is not t's surface (NULL: the
 * surface), kept by the index. 0: the sides share only the stem, or the
 * word could not be kept (out of memory: not shown). */
static int english_form(const tenyo_ctx *c, const sforms *f, uint32_t t, const char **form) {
    const ty_model *m = &c->idx->m;
    const char *ti = m->term_blob + m->term_off[t];
    const char *sh = m->surf_blob[m->surf_off[t]] ? m->surf_blob + m->surf_off[t] : ti;
    size_t formlen = 0;
    if (!one_word(f, ti, sh, form, &formlen)) return 0;
    return !*form || (*form = ty_index_word(c->idx, *form, formlen)) != NULL;
}

int tenyo_idea_bridge(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                      const char **terms) {
    if (!c || !idea || (k && !terms)) return TENYO_ERR_ARG;
    const ty_model *m = &c->idx->m;
    size_t qn = ty_ideas_qn(c);
    if (qn == 0 || k == 0) return 0;
    /* its evidence's rows (decoded by the ideas call already) */
    int rc = ty_model_need_rows(m, &idea->evidence[0].doc, (size_t)idea->nevidence,
                                sizeof idea->evidence[0], NULL, 0);
    if (rc) return rc;
    const float *gen = ty_term_generic(c->idx);
    bterm *bt = ty_calloc(qn, sizeof *bt);
    double *w = ty_calloc(qn, sizeof *w);
    if (!bt || !w) {
        free(bt);
        free(w);
        return TENYO_ERR_NOMEM;
    }
    ty_bridge_weights(c, idea->evidence, idea->nevidence, idea->field, w);
    /* specific words first: a generic word (制御, 部材) sinks, a single
     * character (歯, 光) is never a bridge: its senses are too many */
    /* and words the target field's model weighs up (that field's own
     * vocabulary) before words it does not, by at most twice: a field's
     * commonest words (撮像, 検出) must not push out the compounds */
    const ty_fieldmodel *fm = ty_field_model(c->idx);
    for (size_t i = 0; i < qn; i++) {
        bt[i].t = c->qt[i];
        double sp = ty_term_worth(c, gen, i, idea->field);
        double fw = fm ? ty_fieldmodel_weight(fm, c->qt[i], idea->field) : 0;
        bt[i].w = !ty_term_bridgeable(c, i, idea->field)
                      ? 0 : w[i] * (0.1 + sp) * (1 + (fw > 1 ? 1 : fw > 0 ? fw : 0));
    }
    free(w);
    qsort(bt, qn, sizeof *bt, cmp_bterm);
    /* Readable bridges: Japanese terms ending in kana after a kanji are
     * verb/adjective base forms (受け付ける, 超える): skipped. A term is
     * skipped when a longer candidate containing it (its compound) has at
     * least half its weight, or when it overlaps a term already chosen. */
    size_t ncand = qn < 8 * k ? qn : 8 * k, n = 0;
    /* a piece MeCab cut from a longer word in the card's texts (化合 of
     * 化合物) is no word to show (clean.c) */
    ty_buf texts = {0};
    sforms forms = {{0}};
    const char **alt = NULL; /* the form to show of terms[q], when not its surface */
    if ((rc = card_texts((tenyo_ctx *)c, idea, &texts))) goto done; /* the context's scratch */
    if (m->surf_off && !(alt = ty_calloc(k, sizeof *alt))) {
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    /* the forms under each English stem, where the index stems with
     * Snowball (Porter's step 1 of older indexes joins no derived words) */
    if (alt && c->idx->tok.stem == 2 && (rc = sforms_read(&texts, &forms))) goto done;
    for (size_t i = 0; i < ncand && n < k && bt[i].w > 0; i++) {
        const char *ti = m->term_blob + m->term_off[bt[i].t], *form = NULL;
        if (ty_verb_like(ti) || cut_in(ti, &texts)) continue;
        if (forms.b.len && !english_form(c, &forms, bt[i].t, &form)) continue;
        int skip = 0;
        for (size_t j = 0; j < ncand && !skip; j++) {
            if (j == i || !(bt[j].w > 0)) continue;
            const char *tj = m->term_blob + m->term_off[bt[j].t];
            if (strlen(tj) > strlen(ti) && strstr(tj, ti) && bt[j].w >= 0.5 * bt[i].w &&
                !ty_verb_like(tj))
                skip = 1;
        }
        for (size_t q = 0; q < n && !skip; q++)
            if (strstr(terms[q], ti) || strstr(ti, terms[q])) skip = 1;
        if (!skip) {
            if (alt) alt[n] = form;
            terms[n++] = ti;
        }
    }
    /* show words, not stems: the surface recorded for a stemmed term, or
     * the form both sides write when that is another (one_word) */
    for (size_t q = 0; q < n && m->surf_off; q++) {
        int64_t t = ty_strmap_get(c->idx->vocab, terms[q], strlen(terms[q]));
        if (alt[q]) terms[q] = alt[q];
        else if (t >= 0 && m->surf_blob[m->surf_off[t]]) terms[q] = m->surf_blob + m->surf_off[t];
    }
    rc = (int)n;
done:
    free(alt);
    ty_buf_free(&forms.b);
    ty_buf_free(&texts);
    free(bt);
    return rc;
}

/* ================================================== application phrases */

/* Phrases come from the proposal's shown evidence only. The weight of a
 * phrase: the similarity of the best document it comes from x its kind
 * x its rarity in the index (idf) x (1 + log(documents)/2), x 0.2 when the
 * query itself names the target. */
/* Documents below this share of the field's best similarity give none. */
#define PHRASE_MIN_REL 0.25
/* Weight of a phrase whose target holds none of the field's characteristic
 * words (it is listed, after the others, but not quoted in the sentence). */
#define PHRASE_UNFIT 0.3

/* One candidate phrase of an idea. */
typedef struct pcand {
    uint32_t id;       /* phrase number */
    double w;          /* best single-document weight */
    int n;             /* documents it came from */
    uint64_t doc;      /* best document it came from */
    float best;        /* that document's similarity */
    int fit;           /* the target names a use in the field */
} pcand;

static int cmp_pcand(const void *a, const void *b) {
    const pcand *x = a, *y = b;
    if (x->w != y->w) return x->w < y->w ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Weight of a phrase's kind, read off its expression: an application
 * (に用いる, に適用, 用, for use in ...) 1, a composition (Xを備えたY) 0.7,
 * a purpose (のため) 0.5. */
static double kind_weight(const char *expr) {
    size_t n = strlen(expr);
    if (n >= 9 && strcmp(expr + n - 9, "のため") == 0) return 0.5;
    if (strstr(expr, "を備えた")) return 0.7;
    return 1.0;
}

/* 1 when buf holds a reference sign: digits right after a kanji or
 * katakana other than 第 and followed by a hiragana particle, punctuation
 * or the end (対象者2の頭部, 部材12と: the drawing's numerals, which say
 * nothing outside the patent; 第2の, 自動2輪車 and 3次元 are words). */
static int has_ref_sign(const char *buf) {
    const unsigned char *s = (const unsigned char *)buf;
    size_t n = strlen(buf);
    for (size_t i = 3; i < n; i++) {
        if (!isdigit(s[i]) || isdigit(s[i - 1])) continue;
        const unsigned char *c = s + i - 3; /* the character before, if 3 bytes */
        if (!(c[0] == 0xE3 && c[1] >= 0x82 && c[1] <= 0x83) &&  /* katakana */
            !(c[0] >= 0xE4 && c[0] <= 0xE9))                      /* CJK ideographs */
            continue;
        if (!memcmp(c, "第", 3)) continue;
        size_t j = i;
        while (isdigit(s[j])) j++;
        if (islower(s[j])) j++; /* 12a */
        const unsigned char *e = s + j;
        if (!*e || (e[0] == 0xE3 && (e[1] == 0x81 || (e[1] == 0x82 && e[2] <= 0x9F))) ||
            (e[0] == 0xE3 && e[1] == 0x80) || (e[0] == 0xEF && e[1] == 0xBC) || ispunct(*e))
            return 1;
    }
    return 0;
}

/* 1 when a phrase target can be quoted: brackets balanced, no leading
 * label such as (a) or （s7） nor a reference sign (対象者2の頭部), not a
 * generic word alone (車両, 期間, 装置, "vehicle"), at least two characters.
 * Phrases are found at index time; this check also guards indexes whose
 * phrase lists were written without it. */
static int whole_target(const char *p, size_t n) {
    static const char *const generic[] = {
        "車両", "期間", "装置", "部材", "構造", "作業", "方法", "システム", "もの", "用途",
        "機器", "部品", "本体", "物品", "製品", "対象", "場合", "自動車", "vehicle",
        "vehicles", "device", "devices", "apparatus", "system", "systems", "method",
        "use", "member", "structure", "conjunction", "part", "parts", NULL};
    int depth[3] = {0, 0, 0};
    char buf[256];
    if (n < 2 || n >= sizeof buf) return 0;
    memcpy(buf, p, n);
    buf[n] = 0;
    if (ty_one_char(buf) || has_ref_sign(buf)) return 0;
    for (int i = 0; generic[i]; i++)
        if (strcmp(buf, generic[i]) == 0) return 0;
    /* generic words joined by の name no use either (「車両の制御」: set 5's
     * readers): every part generic, or one of the generic heads below */
    static const char *const heads[] = {"制御", "処理", "情報", "技術", "管理", "動作", "状態", NULL};
    if (strstr(buf, "の")) {
        int all = 1;
        for (char *q = buf; all && *q;) {
            char *e = strstr(q, "の");
            size_t l = e ? (size_t)(e - q) : strlen(q);
            int g = 0;
            for (int i = 0; !g && generic[i]; i++) g = strlen(generic[i]) == l && !memcmp(q, generic[i], l);
            for (int i = 0; !g && heads[i]; i++) g = strlen(heads[i]) == l && !memcmp(q, heads[i], l);
            all = g;
            q = e ? e + strlen("の") : q + l;
        }
        if (all) return 0;
    }
    static const char *const open_[] = {"(", "（", "「", "[", "［", "『", NULL};
    static const char *const close_[] = {")", "）", "」", "]", "］", "』", NULL};
    for (size_t i = 0; i < n;) {
        int hit = 0;
        for (int k = 0; open_[k] && !hit; k++) {
            size_t l = strlen(open_[k]);
            if (i + l <= n && memcmp(buf + i, open_[k], l) == 0) {
                depth[k % 3]++;
                /* a label: (a), (s7), （１） right after the bracket */
                size_t j = i + l, al = 0;
                while (j < n && (isalnum((unsigned char)buf[j]))) j++, al++;
                for (int q = 0; close_[q]; q++) {
                    size_t cl = strlen(close_[q]);
                    if (al && al <= 3 && j + cl <= n && memcmp(buf + j, close_[q], cl) == 0) return 0;
                }
                i += l;
                hit = 1;
            }
        }
        for (int k = 0; close_[k] && !hit; k++) {
            size_t l = strlen(close_[k]);
            if (i + l <= n && memcmp(buf + i, close_[k], l) == 0) {
                if (--depth[k % 3] < 0) return 0;
                i += l;
                hit = 1;
            }
        }
        if (!hit) i++;
    }
    return depth[0] == 0 && depth[1] == 0 && depth[2] == 0;
}

int ty_phrase_quotable(const char *p, size_t n) { return whole_target(p, n); }

double ty_phrase_kind_weight(const char *expr) { return kind_weight(expr); }

/* 1 when term string t (n bytes) is one of the query's terms. */
static int in_query(const tenyo_ctx *c, const char *t, size_t n) {
    char low[128]; /* English targets keep their case; terms are folded */
    if (n < sizeof low) {
        ty_fold_ascii(low, t, n);
        t = low;
    }
    int64_t id = ty_strmap_get(c->idx->vocab, t, n);
    if (id < 0) return 0;
    size_t lo = 0, hi = ty_ideas_qn(c); /* qt is sorted */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->qt[mid] == (uint32_t)id) return 1;
        if (c->qt[mid] < (uint32_t)id) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int tenyo_idea_phrases(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                       tenyo_phrase *out) {
    if (!c || !idea || (k && !out)) return TENYO_ERR_ARG;
    const ty_model *m = &c->idx->m;
    if (!m->phr_ptr || k == 0 || idea->field >= m->nfields) return 0;
    /* only the proposal's shown evidence: a sentence quotes and cites
     * nothing the reader cannot see on the card */
    tenyo_hit top[TENYO_IDEA_EVIDENCE];
    size_t nd = 0, nc = 0;
    for (int e = 0; e < idea->nevidence && e < TENYO_IDEA_EVIDENCE; e++) {
        uint64_t d = idea->evidence[e].doc;
        if (d < m->ndocs && m->phr_ptr[d] != m->phr_ptr[d + 1]) top[nd++] = idea->evidence[e];
    }
    pcand cand[TENYO_IDEA_EVIDENCE * 8];
    float best = idea->nevidence ? idea->evidence[0].score : 0;
    for (size_t i = 0; i < nd; i++) {
        uint64_t d = top[i].doc;
        /* a faint match says nothing about this query's application */
        if (top[i].score < PHRASE_MIN_REL * best) break;
        for (uint64_t j = m->phr_ptr[d]; j < m->phr_ptr[d + 1]; j++) {
            const char *p = m->phr_blob + m->phr_off[m->phr_ids[j]];
            const char *sep = strchr(p, 0x1f);
            if (!sep || !whole_target(p, (size_t)(sep - p))) continue;
            /* rare phrases say more (車両用 is in every third vehicle
             * patent); a target the query already names is no new
             * application */
            uint32_t df = c->idx->phr_df[m->phr_ids[j]];
            double idf = log((double)m->ndocs / (df ? df : 1)) + 1;
            double w = top[i].score * kind_weight(sep + 1) * idf *
                       (in_query(c, p, (size_t)(sep - p)) ? 0.2 : 1.0);
            size_t q = 0;
            while (q < nc && cand[q].id != m->phr_ids[j]) q++;
            if (q == nc) {
                if (nc == sizeof cand / sizeof cand[0]) continue;
                cand[nc++] = (pcand){m->phr_ids[j], w, 0, d, top[i].score,
                                     ty_fits_field(c->idx, idea->field, p, (size_t)(sep - p))};
            }
            cand[q].n++;
        }
    }
    /* the best document's weight, a little more when several agree (a sum
     * let the field's most common phrase win everywhere: 車両用) */
    for (size_t q = 0; q < nc; q++) cand[q].w *= 1 + 0.5 * log((double)cand[q].n);
    /* a target holding the field's own vocabulary names a use in it: first */
    for (size_t q = 0; q < nc; q++) cand[q].w *= cand[q].fit ? 1 : PHRASE_UNFIT;
    qsort(cand, nc, sizeof *cand, cmp_pcand);
    size_t n = 0;
    for (size_t i = 0; i < nc && n < k; i++) {
        const char *p = m->phr_blob + m->phr_off[cand[i].id], *sep = strchr(p, 0x1f);
        size_t tl = (size_t)(sep - p);
        if (ty_has_markup(p, strlen(p))) continue; /* a raw export's <BR>, 【】 */
        int dup = 0; /* one expression per target, or per target nested in another */
        for (size_t q = 0; q < n && !dup; q++)
            dup = memmem(out[q].target, out[q].target_len, p, tl) != NULL ||
                  memmem(p, tl, out[q].target, out[q].target_len) != NULL;
        if (dup) continue;
        out[n].text = sep + 1;
        out[n].target = p;
        out[n].target_len = tl;
        out[n].weight = cand[i].w;
        out[n].doc = cand[i].doc;
        out[n].field_fit = cand[i].fit;
        n++;
    }
    return (int)n;
}

/* ===================================================================== why */

/* The why of a proposal: the sentence pair (query, one shown evidence
 * patent) sharing the most bridge terms, sentences as ty_sentences
 * (sentences.c) splits them. ASCII terms match without case, at a word start. */
#define WHY_MAX 240     /* longer sentences are cut around the first term */
#define WHY_BEFORE 60   /* bytes kept before that term */

/* Offset of term t in sentence s, or -1: ASCII without case at a word
 * start, other text as it is. */
static long why_find(const ty_sent *s, const char *t) {
    size_t tl = strlen(t);
    if (!tl || tl > s->n) return -1;
    int ascii = (unsigned char)t[0] < 0x80;
    for (size_t i = 0; i + tl <= s->n; i++) {
        if (ascii) {
            if (i && isalnum((unsigned char)s->p[i - 1])) continue;
            size_t k = 0;
            while (k < tl && tolower((unsigned char)s->p[i + k]) == tolower((unsigned char)t[k])) k++;
            if (k == tl) return (long)i;
        } else if (!memcmp(s->p + i, t, tl)) {
            return (long)i;
        }
    }
    return -1;
}

static unsigned why_mask(const ty_sent *s, const char *const *terms, int nt) {
    unsigned m = 0;
    for (int i = 0; i < nt; i++)
        if (why_find(s, terms[i]) >= 0) m |= 1u << i;
    return m;
}

/* The terms of one sentence as the tokenizer gives them. */
typedef struct wtoks {
    const char *const *terms; /* the bridge terms asked about */
    int nt;
    unsigned seen;            /* bit i: terms[i] is one of the sentence's */
} wtoks;

static void wtoks_emit(void *ud, const char *t, size_t n) {
    wtoks *w = ud;
    for (int i = 0; i < w->nt; i++)
        if (strlen(w->terms[i]) == n && !memcmp(w->terms[i], t, n)) w->seen |= 1u << i;
}

/* m (why_mask of s) less the Japanese terms found only as text: such a
 * term must also be one of the sentence's terms (加工 is in the text of
 * 追加工程 but not among its terms, 追加 and 追加工程, and a why pair marking
 * 追【加工】程 reads as a pun: set 10's readers). The sentence is tokenized
 * only when such a term matched, and once a context (ty_ctx_tokenize_memo
 * replays the terms of one seen before, by the sense stage most often). A
 * tokenizer that cannot load (another dictionary) leaves the text match. */
static unsigned why_tokens(tenyo_ctx *c, const ty_sent *s, const char *const *terms, int nt,
                           unsigned m) {
    unsigned ja = 0;
    for (int i = 0; i < nt; i++)
        if ((m >> i & 1) && (unsigned char)terms[i][0] >= 0x80) ja |= 1u << i;
    if (!ja) return m;
    wtoks w = {terms, nt, 0};
    if (ty_ctx_tokenize_memo(c, s->p, s->n, wtoks_emit, &w) < 0) return m;
    return m & (~ja | w.seen);
}

/* s into out, cut to about WHY_MAX bytes around offset at (character
 * boundaries, "…" where cut), NUL-terminated. */
static int why_put(ty_buf *out, const ty_sent *s, long at) {
    size_t a = 0, b = s->n;
    if (s->n > WHY_MAX) {
        a = at > WHY_BEFORE ? (size_t)at - WHY_BEFORE : 0;
        while (a > 0 && ((unsigned char)s->p[a] & 0xC0) == 0x80) a--;
        b = a + WHY_MAX < s->n ? a + WHY_MAX : s->n;
        while (b < s->n && ((unsigned char)s->p[b] & 0xC0) == 0x80) b--;
    }
    out->len = 0;
    if ((a && ty_buf_append(out, "\xE2\x80\xA6", 3)) || ty_buf_append(out, s->p + a, b - a) ||
        (b < s->n && ty_buf_append(out, "\xE2\x80\xA6", 3)) || ty_buf_putc(out, 0))
        return TENYO_ERR_NOMEM;
    out->len--;
    return TENYO_OK;
}


static int popcount8(unsigned m) {
    int n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}

int tenyo_idea_why(tenyo_ctx *c, const tenyo_idea *idea, tenyo_why *out) {
    if (!c || !idea || !out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    const char *terms[TENYO_WHY_TERMS];
    int nt = tenyo_idea_bridge(c, idea, TENYO_WHY_TERMS, terms);
    if (nt <= 0) return nt;
    /* the query's sentences */
    const char *qt;
    uint64_t qdoc = ty_ideas_peek(c)->skip; /* there is a state: nt > 0 */
    if (qdoc != UINT64_MAX) {
        if (!c->idx->m.abs) return 0; /* a title alone says too little */
        int rc = ty_doc_text(c, qdoc, &c->qbuf);
        if (rc) return rc;
        qt = c->qbuf.p;
    } else {
        qt = c->qtext.p ? c->qtext.p : "";
    }
    enum { MAXS = 64 };
    ty_sent qs[MAXS], es[MAXS];
    unsigned qm[MAXS];
    size_t nq = ty_sentences(qt, qs, MAXS);
    unsigned qall = 0;
    for (size_t i = 0; i < nq; i++)
        qall |= qm[i] = why_tokens(c, &qs[i], terms, nt, why_mask(&qs[i], terms, nt));
    if (!qall) return 0;
    int best = 0;
    size_t bq = 0, be = 0;
    unsigned bem = 0; /* the chosen evidence sentence's terms */
    int bev = -1;
    ty_buf eb = {0}, keep = {0};
    int rc = 0;
    for (int e = 0; e < idea->nevidence; e++) {
        rc = ty_doc_text(c, idea->evidence[e].doc, &eb);
        if (rc) goto done;
        size_t ne = ty_sentences(eb.p, es, MAXS);
        for (size_t j = 0; j < ne; j++) {
            unsigned em = why_mask(&es[j], terms, nt);
            if (!(em & qall)) continue;
            em = why_tokens(c, &es[j], terms, nt, em);
            if (!(em & qall)) continue;
            for (size_t i = 0; i < nq; i++) {
                int k = popcount8(qm[i] & em);
                if (k > best) { /* earlier evidence, then sentences, win ties */
                    best = k;
                    bq = i;
                    be = j;
                    bem = em;
                    bev = e;
                    keep.len = 0;
                    if (ty_buf_append(&keep, eb.p, eb.len + 1)) {
                        rc = TENYO_ERR_NOMEM;
                        goto done;
                    }
                }
            }
        }
    }
    if (bev < 0) goto done;
    /* the chosen evidence sentence, re-split from the kept text */
    size_t ne = ty_sentences(keep.p, es, MAXS);
    if (be >= ne) goto done;
    unsigned shared = qm[bq] & bem;
    long qa = -1, ea = -1;
    for (int i = 0; i < nt && (qa < 0 || ea < 0); i++)
        if (shared >> i & 1) {
            if (qa < 0) qa = why_find(&qs[bq], terms[i]);
            if (ea < 0) ea = why_find(&es[be], terms[i]);
        }
    rc = why_put(&c->why_q, &qs[bq], qa);
    if (!rc) rc = why_put(&c->why_e, &es[be], ea);
    if (rc) goto done;
    /* the terms both sentences still hold once cut */
    ty_sent cq = {c->why_q.p, c->why_q.len}, ce = {c->why_e.p, c->why_e.len};
    unsigned kept = shared & why_tokens(c, &cq, terms, nt, why_mask(&cq, terms, nt)) &
                    why_tokens(c, &ce, terms, nt, why_mask(&ce, terms, nt));
    for (int i = 0; i < nt; i++)
        if (kept >> i & 1) out->terms[out->nterms++] = terms[i];
    if (!out->nterms) { /* the cut lost them all: the first term leads both */
        rc = 0;
        goto done;
    }
    out->query = c->why_q.p;
    out->evidence = c->why_e.p;
    out->doc = idea->evidence[bev].doc;
    rc = 1;
done:
    ty_buf_free(&eb);
    ty_buf_free(&keep);
    if (rc < 0) memset(out, 0, sizeof *out);
    return rc;
}
