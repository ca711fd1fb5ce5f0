/*
 * ideas.c — cross-field proposals: where else could this patent apply?
 *
 * Method (kNN field voting, the shape the EVAL.md reference uses, refined by
 * measurement on the development split only):
 *   1. Score every indexed document against the query (TF-IDF, LSA or the
 *      hybrid of both, exact scan) and keep the knn nearest — restricted to
 *      licensable patents with open_only.
 *   2. Every neighbour votes for each of its fields that is far enough from
 *      all home fields (another section, class or subclass): the vote is its
 *      similarity. A field's relevance is its share of all votes (divided
 *      by count(field)^field_norm; measured best at 0) plus prior_weight
 *      (0.2) times P(field | home) from co-classification: the evidence of
 *      this patent's neighbours, steadied by what the whole index says
 *      about the home field (en recall@5 0.609 -> 0.627, serendipity@10
 *      0.484 -> 0.493; jp 0.885/0.679 -> 0.882/0.668).
 *   3. Surprise of a field f given the home fields H is
 *      -ln((co(h,f) + 0.5) / (n(h) + 1)) for the home h that makes f least
 *      surprising (the highest co-classification rate), from the index's own
 *      co-classification counts — the smoothing of EVAL.md's sw_recall.
 *   4. Ranking: the first serendipity_from proposals (default 5) are the
 *      fields with the most evidence. After them, "unexpected" fields —
 *      outside the top 10 that co-classification statistics alone would
 *      propose for the home fields — whose relevance reaches (1 - novelty)
 *      of the best come before expected ones. This keeps the obvious,
 *      well-supported applications on top and spends the rest of the list
 *      on applications a person would not easily think of. (Multiplying
 *      relevance by exp(novelty * surprise) was measured first: it lowered
 *      recall@5 long before it raised serendipity@10.)
 *   Evidence: the best-scoring neighbours that carry the field.
 * Free text without home fields: the home is predicted as the subclasses
 * with the largest similarity vote among the 10 nearest neighbours (those
 * within half of the best vote), and reported as predicted.
 *
 * Rejected so far: field centroids (one vector per field loses the
 * multi-field documents that carry the cross-field signal), plain vote
 * counts (a field with many weak neighbours beats one strong match).
 */
#include "internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tuned on the development split (README "Ideas"). */
#define IDEAS_KNN 100
#define IDEAS_ALPHA 0.0
#define IDEAS_NOVELTY 1.0
#define IDEAS_SERENDIPITY_FROM 5
#define IDEAS_PRIOR_TOP 10
#define IDEAS_PRIOR_WEIGHT 0.2

void tenyo_ideas_opts_default(tenyo_ideas_opts *o) {
    memset(o, 0, sizeof *o);
    o->distance = TENYO_DIST_CLASS;
    o->mode = TENYO_MODE_HYBRID;
    o->knn = 0;
    o->novelty = -1;    /* default */
    o->field_norm = -1; /* default */
    o->serendipity_from = -1; /* default */
    o->prior_weight = -1;     /* default */
}

static int valid_subclass(const char *c) {
    return strlen(c) == 4 && c[0] >= 'A' && c[0] <= 'H' &&
           isdigit((unsigned char)c[1]) && isdigit((unsigned char)c[2]) &&
           isupper((unsigned char)c[3]);
}

/* 1 when code differs from home at the distance level. */
static int far_from(const char *code, const char *home, tenyo_distance d) {
    size_t n = d == TENYO_DIST_SECTION ? 1 : d == TENYO_DIST_CLASS ? 3 : 4;
    return strncmp(code, home, n) != 0;
}

typedef struct fvote {
    double vote;       /* similarity sum */
    int nev;           /* evidence kept */
    tenyo_hit ev[TENYO_IDEA_EVIDENCE]; /* best neighbours, best first */
} fvote;

/* Home codes (validated, uppercased) into homes[][5]; returns count or <0. */
static int take_home(tenyo_ctx *c, const tenyo_ideas_opts *o, uint64_t doc,
                     char (*homes)[5], int cap, int *predicted) {
    const ty_model *m = &c->idx->m;
    int nh = 0;
    *predicted = 0;
    if (o->home && o->nhome > (size_t)cap) {
        ty_seterr(c->err, sizeof c->err, "too many home fields (at most %d)", cap);
        return TENYO_ERR_LIMIT;
    }
    if (o->home && o->nhome) {
        for (size_t i = 0; i < o->nhome && nh < cap; i++) {
            char code[5] = {0};
            const char *h = o->home[i];
            if (!h || strlen(h) < 4) goto bad;
            for (int k = 0; k < 4; k++) code[k] = (char)toupper((unsigned char)h[k]);
            if (!valid_subclass(code)) goto bad;
            memcpy(homes[nh++], code, 5);
            continue;
        bad:
            ty_seterr(c->err, sizeof c->err,
                      "home field '%s' is not an IPC subclass (like A61B)",
                      h ? h : "(null)");
            return TENYO_ERR_ARG;
        }
        return nh;
    }
    if (doc != UINT64_MAX) {
        for (uint64_t i = m->field_ptr[doc]; i < m->field_ptr[doc + 1] && nh < cap; i++) {
            memcpy(homes[nh], m->field_code[m->field_ids[i]], 4);
            homes[nh++][4] = 0;
        }
        if (nh) return nh;
    }
    return 0; /* predict */
}

/* Predict home subclasses from the 10 nearest neighbours in c->s1. */
static int predict_home(tenyo_ctx *c, uint64_t skip, char (*homes)[5], int cap) {
    const ty_model *m = &c->idx->m;
    tenyo_hit h[10];
    ty_topk t;
    ty_topk_init(&t, h, 10);
    for (uint64_t d = 0; d < m->ndocs; d++)
        if (d != skip) ty_topk_push(&t, d, c->s1[d]);
    size_t n = ty_topk_finish(&t);
    double *v = ty_calloc(m->nfields ? m->nfields : 1, sizeof *v);
    if (!v) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        for (uint64_t j = m->field_ptr[h[i].doc]; j < m->field_ptr[h[i].doc + 1]; j++)
            v[m->field_ids[j]] += h[i].score > 0 ? h[i].score : 0;
    double best = 0;
    for (uint32_t f = 0; f < m->nfields; f++) if (v[f] > best) best = v[f];
    int nh = 0;
    while (best > 0 && nh < cap) {
        double b = 0;
        int bf = -1;
        for (uint32_t f = 0; f < m->nfields; f++)
            if (v[f] > b) { b = v[f]; bf = (int)f; }
        if (bf < 0 || b < 0.5 * best) break;
        memcpy(homes[nh], m->field_code[bf], 4);
        homes[nh++][4] = 0;
        v[bf] = 0;
    }
    free(v);
    return nh;
}

static int cmp_idea(const void *a, const void *b) {
    const tenyo_idea *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* The query is prepared in c (qn sparse terms); skip = query document. */
static int ideas_run(tenyo_ctx *c, uint64_t skip, size_t qn,
                     const tenyo_ideas_opts *o, size_t n, tenyo_idea *out) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    tenyo_ideas_opts def;
    if (!o) {
        tenyo_ideas_opts_default(&def);
        o = &def;
    }
    if (o->distance > TENYO_DIST_SUBCLASS || o->knn < 0 ||
        (o->mode != TENYO_MODE_TFIDF && o->mode != TENYO_MODE_LSA &&
         o->mode != TENYO_MODE_HYBRID)) {
        ty_seterr(c->err, sizeof c->err, "invalid ideas options");
        return TENYO_ERR_ARG;
    }
    if (n > 0 && !out) return TENYO_ERR_ARG;
    char homes[64][5];
    int predicted = 0;
    int nh = take_home(c, o, skip, homes, 64, &predicted);
    if (nh < 0) return nh;
    int rc = ty_ctx_score(c, o->mode, qn, (o->knn > 0 ? (size_t)o->knn : IDEAS_KNN) + 1);
    if (rc) return rc;
    if (nh == 0) {
        nh = predict_home(c, skip, homes, 8);
        if (nh < 0) return nh;
        predicted = 1;
    }
    /* remember the home for the caller */
    c->home[0] = 0;
    for (int i = 0; i < nh; i++) {
        size_t l = strlen(c->home);
        if (l + 6 < sizeof c->home)
            snprintf(c->home + l, sizeof c->home - l, "%s%s", i ? "," : "", homes[i]);
    }
    c->home_predicted = predicted;
    c->last_skip = skip;
    c->last_open_only = o->open_only;
    /* neighbours */
    size_t knn = o->knn > 0 ? (size_t)o->knn : IDEAS_KNN;
    if (knn > m->ndocs) knn = m->ndocs;
    tenyo_hit *nb = ty_calloc(knn ? knn : 1, sizeof *nb);
    fvote *fv = ty_calloc(m->nfields ? m->nfields : 1, sizeof *fv);
    uint8_t *ok = ty_calloc(m->nfields ? m->nfields : 1, 1);
    uint32_t *corow = NULL; /* co-classification counts of each home */
    if (!nb || !fv || !ok) {
        free(nb);
        free(fv);
        free(ok);
        return TENYO_ERR_NOMEM;
    }
    for (uint32_t f = 0; f < m->nfields; f++) {
        int far = 1;
        for (int i = 0; i < nh && far; i++) far = far_from(m->field_code[f], homes[i], o->distance);
        ok[f] = (uint8_t)far;
    }
    ty_topk t;
    ty_topk_init(&t, nb, knn);
    for (uint64_t d = 0; d < m->ndocs; d++) {
        if (d == skip || (o->open_only && !m->open[d])) continue;
        ty_topk_push(&t, d, c->s1[d]);
    }
    size_t nn = ty_topk_finish(&t);
    for (size_t i = 0; i < nn; i++) {
        float s = nb[i].score;
        if (!(s > 0)) break;
        for (uint64_t j = m->field_ptr[nb[i].doc]; j < m->field_ptr[nb[i].doc + 1]; j++) {
            uint16_t f = m->field_ids[j];
            if (!ok[f]) continue;
            fv[f].vote += s;
            if (fv[f].nev < TENYO_IDEA_EVIDENCE) fv[f].ev[fv[f].nev++] = nb[i];
        }
    }
    /* home ids for surprise, and each home's co-classification counts */
    int64_t hid[64];
    for (int i = 0; i < nh; i++) hid[i] = tenyo_index_field_find(x, homes[i]);
    corow = ty_mallocarray(nh ? (size_t)nh : 1, (m->nfields ? m->nfields : 1) * sizeof *corow);
    if (!corow) goto nomem0;
    for (int i = 0; i < nh; i++)
        if (hid[i] >= 0 && ty_cooccur_row(x, (uint32_t)hid[i], corow + (size_t)i * m->nfields))
            goto nomem0;
    double novelty = o->novelty >= 0 ? o->novelty : IDEAS_NOVELTY;
    double alpha = o->field_norm >= 0 ? o->field_norm : IDEAS_ALPHA;
    double pw = o->prior_weight >= 0 ? o->prior_weight : IDEAS_PRIOR_WEIGHT;
    double vtotal = 0;
    for (uint32_t f = 0; f < m->nfields; f++) vtotal += fv[f].vote;
    if (vtotal <= 0) vtotal = 1;
    /* expected fields: the prior ranking's top IDEAS_PRIOR_TOP (far fields by
     * co-classification with any home) */
    uint8_t *expected = ty_calloc(m->nfields ? m->nfields : 1, 1);
    if (!expected) goto nomem0;
    for (int i = 0; i < nh; i++) {
        if (hid[i] < 0) continue;
        uint32_t top[IDEAS_PRIOR_TOP];
        uint32_t tc[IDEAS_PRIOR_TOP];
        int nt = 0;
        for (uint32_t f = 0; f < m->nfields; f++) {
            if (!ok[f]) continue;
            uint32_t cf = corow[(size_t)i * m->nfields + f];
            if (!cf) continue;
            int pos = nt;
            while (pos > 0 && tc[pos - 1] < cf) pos--;
            if (pos >= IDEAS_PRIOR_TOP) continue;
            int last = nt < IDEAS_PRIOR_TOP ? nt : IDEAS_PRIOR_TOP - 1;
            for (int q = last; q > pos; q--) { top[q] = top[q - 1]; tc[q] = tc[q - 1]; }
            top[pos] = f;
            tc[pos] = cf;
            if (nt < IDEAS_PRIOR_TOP) nt++;
        }
        for (int q = 0; q < nt; q++) expected[top[q]] = 1;
    }
    size_t cnt = 0, cap = 64;
    tenyo_idea *all = ty_mallocarray(cap, sizeof *all);
    if (!all) goto nomem;
    for (uint32_t f = 0; f < m->nfields; f++) {
        if (fv[f].vote <= 0) continue;
        double rate = -1, sur;
        for (int i = 0; i < nh; i++) {
            double co = 0, nhd = 0;
            if (hid[i] >= 0) {
                co = (double)corow[(size_t)i * m->nfields + f];
                nhd = (double)m->field_count[hid[i]];
            }
            double r = (co + 0.5) / (nhd + 1);
            if (r > rate) rate = r;
        }
        sur = nh ? -log(rate) : 0;
        double pri = 0; /* P(f | home), the best home */
        for (int i = 0; i < nh; i++)
            if (hid[i] >= 0 && m->field_count[hid[i]])
                pri = fmax(pri, (double)corow[(size_t)i * m->nfields + f] /
                                    (double)m->field_count[hid[i]]);
        double rel = fv[f].vote / vtotal /
                         pow((double)(m->field_count[f] ? m->field_count[f] : 1), alpha) +
                     pw * pri;
        if (cnt == cap) {
            cap *= 2;
            tenyo_idea *na = ty_reallocarray(all, cap, sizeof *na);
            if (!na) goto nomem;
            all = na;
        }
        tenyo_idea *id = &all[cnt++];
        memset(id, 0, sizeof *id);
        id->field = f;
        id->code = m->field_code[f];
        id->relevance = rel;
        id->surprise = sur;
        id->score = rel;
        id->surprise = sur;
        id->expected = expected[f];
        id->nevidence = fv[f].nev;
        memcpy(id->evidence, fv[f].ev, sizeof id->evidence);
    }
    qsort(all, cnt, sizeof *all, cmp_idea);
    /* serendipity slots: the first `keep` proposals are ranked by evidence
     * alone; after them, unexpected fields (outside the prior's top list)
     * whose relevance reaches (1 - novelty) of the best come first */
    {
        size_t keep = o->serendipity_from >= 0 ? (size_t)o->serendipity_from
                                               : IDEAS_SERENDIPITY_FROM;
        double minrel = (1.0 - (novelty > 1 ? 1 : novelty)) * (cnt ? all[0].relevance : 0);
        if (keep > 0 && cnt > keep) {
            tenyo_idea *tmp = ty_mallocarray(cnt, sizeof *tmp);
            if (!tmp) goto nomem;
            size_t k = 0;
            for (size_t i = keep; i < cnt; i++)
                if (!all[i].expected && all[i].relevance >= minrel) tmp[k++] = all[i];
            for (size_t i = keep; i < cnt; i++)
                if (all[i].expected || all[i].relevance < minrel) tmp[k++] = all[i];
            memcpy(all + keep, tmp, (cnt - keep) * sizeof *tmp);
            free(tmp);
        }
        /* score: relevance, made monotonic in the final order */
        for (size_t i = 0; i < cnt; i++) {
            all[i].score = all[i].relevance;
            if (i && all[i].score >= all[i - 1].score) all[i].score = all[i - 1].score * 0.999;
        }
    }
    if (cnt > n) cnt = n;
    if (cnt) memcpy(out, all, cnt * sizeof *out);
    free(all);
    free(expected);
    free(corow);
    free(nb);
    free(fv);
    free(ok);
    return (int)cnt;
nomem:
    free(all);
    free(expected);
nomem0:
    free(corow);
    free(nb);
    free(fv);
    free(ok);
    return TENYO_ERR_NOMEM;
}

int tenyo_ideas_doc(tenyo_ctx *c, uint64_t doc, const tenyo_ideas_opts *o,
                    size_t n, tenyo_idea *out) {
    if (!c) return TENYO_ERR_ARG;
    int qn = ty_ctx_query_doc(c, doc, 1);
    if (qn < 0) return qn;
    c->last_qn = (size_t)qn;
    return ideas_run(c, doc, (size_t)qn, o, n, out);
}

int tenyo_ideas_text(tenyo_ctx *c, const char *text, size_t len,
                     const tenyo_ideas_opts *o, size_t n, tenyo_idea *out) {
    if (!c || (!text && len)) return TENYO_ERR_ARG;
    int qn = ty_ctx_query_text(c, text, len);
    if (qn < 0) return qn;
    c->last_qn = (size_t)qn;
    return ideas_run(c, UINT64_MAX, (size_t)qn, o, n, out);
}

const char *tenyo_ctx_home(const tenyo_ctx *c, int *predicted) {
    if (!c) return "";
    if (predicted) *predicted = c->home_predicted;
    return c->home;
}

/* =========================================================== explanation */

typedef struct bterm { uint32_t t; double w; } bterm;

/* 1 for a Japanese term that ends in hiragana after other characters: the
 * base form of a verb or adjective (受け付ける, 速い), not a noun. */
static int verb_like(const char *t) {
    size_t n = strlen(t);
    if (n < 6) return n == 3 && (unsigned char)t[0] == 0xE3 &&
                      ((unsigned char)t[1] == 0x81 || (unsigned char)t[1] == 0x82);
    const unsigned char *e = (const unsigned char *)t + n - 3;
    /* hiragana U+3041..U+309F: E3 81 81 .. E3 82 9F */
    return e[0] == 0xE3 && (e[1] == 0x81 || (e[1] == 0x82 && e[2] <= 0x9F));
}

static int cmp_bterm(const void *a, const void *b) {
    const bterm *x = a, *y = b;
    if (x->w != y->w) return x->w < y->w ? 1 : -1;
    return x->t < y->t ? -1 : x->t > y->t;
}

int tenyo_idea_bridge(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                      const char **terms) {
    if (!c || !idea || (k && !terms)) return TENYO_ERR_ARG;
    const ty_model *m = &c->idx->m;
    size_t qn = c->last_qn;
    if (qn == 0 || k == 0) return 0;
    int rc = ty_model_need_sparse(m, NULL, 0); /* decoded by the ideas call already */
    if (rc) return rc;
    bterm *bt = ty_calloc(qn, sizeof *bt);
    if (!bt) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < qn; i++) bt[i].t = c->qt[i];
    for (int e = 0; e < idea->nevidence && e < TENYO_IDEA_EVIDENCE; e++) {
        uint64_t d = idea->evidence[e].doc;
        if (d >= m->ndocs) continue;
        double sim = idea->evidence[e].score > 0 ? idea->evidence[e].score : 0;
        uint64_t j = m->tfidf.rowptr[d], je = m->tfidf.rowptr[d + 1];
        size_t i = 0;
        while (i < qn && j < je) { /* both sorted by term */
            if (c->qt[i] == m->tfidf.col[j]) {
                bt[i].w += sim * c->qw[i] * m->tfidf.val[j];
                i++;
                j++;
            } else if (c->qt[i] < m->tfidf.col[j]) {
                i++;
            } else {
                j++;
            }
        }
    }
    qsort(bt, qn, sizeof *bt, cmp_bterm);
    /* Readable bridges: Japanese terms ending in kana after a kanji are
     * verb/adjective base forms (受け付ける, 超える): skipped. A term is
     * skipped when a longer candidate containing it (its compound) has at
     * least half its weight, or when it overlaps a term already chosen. */
    size_t ncand = qn < 8 * k ? qn : 8 * k, n = 0;
    for (size_t i = 0; i < ncand && n < k && bt[i].w > 0; i++) {
        const char *ti = m->term_blob + m->term_off[bt[i].t];
        if (verb_like(ti)) continue;
        int skip = 0;
        for (size_t j = 0; j < ncand && !skip; j++) {
            if (j == i || !(bt[j].w > 0)) continue;
            const char *tj = m->term_blob + m->term_off[bt[j].t];
            if (strlen(tj) > strlen(ti) && strstr(tj, ti) && bt[j].w >= 0.5 * bt[i].w &&
                !verb_like(tj))
                skip = 1;
        }
        for (size_t q = 0; q < n && !skip; q++)
            if (strstr(terms[q], ti) || strstr(ti, terms[q])) skip = 1;
        if (!skip) terms[n++] = ti;
    }
    /* show words, not stems: the surface recorded for a stemmed term */
    for (size_t q = 0; q < n && m->surf_off; q++) {
        int64_t t = ty_strmap_get(c->idx->vocab, terms[q], strlen(terms[q]));
        if (t >= 0 && m->surf_blob[m->surf_off[t]]) terms[q] = m->surf_blob + m->surf_off[t];
    }
    free(bt);
    return (int)n;
}

/* ================================================== application phrases */

/* Documents of a field searched for phrases, best-scoring first. The weight
 * of a phrase: the similarity of the best document it comes from x its kind
 * x its rarity in the index (idf) x (1 + log(documents)/2), x 0.2 when the
 * query itself names the target. */
#define PHRASE_DOCS 12
/* Documents below this share of the field's best similarity give none. */
#define PHRASE_MIN_REL 0.25

/* One candidate phrase of an idea. */
typedef struct pcand {
    uint32_t id;       /* phrase number */
    double w;          /* best single-document weight */
    int n;             /* documents it came from */
    uint64_t doc;      /* best document it came from */
    float best;        /* that document's similarity */
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

/* 1 when term string t (n bytes) is one of the query's terms. */
static int in_query(const tenyo_ctx *c, const char *t, size_t n) {
    int64_t id = ty_strmap_get(c->idx->vocab, t, n);
    if (id < 0) return 0;
    size_t lo = 0, hi = c->last_qn; /* qt is sorted */
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
    /* the field's best-scoring documents under the last query (c->s1) */
    tenyo_hit top[PHRASE_DOCS];
    ty_topk t;
    ty_topk_init(&t, top, PHRASE_DOCS);
    for (uint64_t d = 0; d < m->ndocs; d++) {
        if (d == c->last_skip || (c->last_open_only && !m->open[d])) continue;
        if (!(c->s1[d] > 0) || m->phr_ptr[d] == m->phr_ptr[d + 1]) continue;
        for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++)
            if (m->field_ids[j] == idea->field) {
                ty_topk_push(&t, d, c->s1[d]);
                break;
            }
    }
    size_t nd = ty_topk_finish(&t), nc = 0;
    pcand cand[PHRASE_DOCS * 8];
    /* the field's best similarity: its best evidence, or the best document
     * with phrases when the idea carries no evidence */
    float best = idea->nevidence ? idea->evidence[0].score : nd ? top[0].score : 0;
    for (size_t i = 0; i < nd; i++) {
        uint64_t d = top[i].doc;
        /* a faint match says nothing about this query's application */
        if (top[i].score < PHRASE_MIN_REL * best) break;
        for (uint64_t j = m->phr_ptr[d]; j < m->phr_ptr[d + 1]; j++) {
            const char *p = m->phr_blob + m->phr_off[m->phr_ids[j]];
            const char *sep = strchr(p, 0x1f);
            if (!sep) continue;
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
                cand[nc++] = (pcand){m->phr_ids[j], w, 0, d, top[i].score};
            }
            cand[q].n++;
        }
    }
    /* the best document's weight, a little more when several agree (a sum
     * let the field's most common phrase win everywhere: 車両用) */
    for (size_t q = 0; q < nc; q++) cand[q].w *= 1 + 0.5 * log((double)cand[q].n);
    qsort(cand, nc, sizeof *cand, cmp_pcand);
    size_t n = 0;
    for (size_t i = 0; i < nc && n < k; i++) {
        const char *p = m->phr_blob + m->phr_off[cand[i].id], *sep = strchr(p, 0x1f);
        size_t tl = (size_t)(sep - p);
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
        n++;
    }
    return (int)n;
}

/* ================================================================ batch */

/* State of one tenyo_ideas_batch call for its per-query step. */
typedef struct ibatch {
    const tenyo_query *q;        /* the queries */
    const tenyo_ideas_opts *o;   /* options (home per query) */
    size_t n;                    /* proposals per query */
    tenyo_idea *out;             /* proposals of the current query */
    tenyo_ideas_cb cb;           /* caller's callback */
    void *ud;                    /* its argument */
} ibatch;

static int ideas_step(tenyo_ctx *c, size_t i, uint64_t skip, size_t qn, int status,
                      void *ud) {
    ibatch *b = ud;
    if (status < 0) {
        b->cb(b->ud, i, status, NULL);
        return TENYO_OK;
    }
    tenyo_ideas_opts oj = *b->o;
    if (b->q[i].home && b->q[i].nhome) {
        oj.home = b->q[i].home;
        oj.nhome = b->q[i].nhome;
    }
    c->last_qn = qn;
    int got = ideas_run(c, skip, qn, &oj, b->n, b->out);
    b->cb(b->ud, i, got, got >= 0 ? b->out : NULL);
    return TENYO_OK;
}

int tenyo_ideas_batch(tenyo_ctx *c, const tenyo_query *q, size_t nq,
                      const tenyo_ideas_opts *o, size_t n, tenyo_ideas_cb cb,
                      void *ud) {
    if (!c || (nq && !q) || !cb) return TENYO_ERR_ARG;
    tenyo_ideas_opts def;
    if (!o) {
        tenyo_ideas_opts_default(&def);
        o = &def;
    }
    ibatch b = {q, o, n, ty_mallocarray(n ? n : 1, sizeof(tenyo_idea)), cb, ud};
    if (!b.out) return TENYO_ERR_NOMEM;
    int rc = ty_ctx_batch(c, q, nq, o->mode, 1, ideas_step, &b);
    free(b.out);
    return rc;
}
