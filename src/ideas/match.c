/*
 * match.c — company matching, the Kawasaki-model query: a company
 * describes its strengths in a few sentences; which licensable patents
 * could it use, and for what? It is the reverse of `ideas` (a patent
 * looking for fields) and is answered with the ideas engine:
 *   1. the licensable patents nearest the company's text, within the
 *      context's filter and the licensable mask (applied before the top-k
 *      like every filter): what the company could take up;
 *   2. tenyo_ideas_text on the same text with open_only: the fields away
 *      from the company's home that licensable patents open to it, with
 *      the confidence, bridge terms and phrases of an ideas card;
 *   3. each patent of 1 and every evidence patent of 2 is a match; its
 *      uses are the proposals it is evidence for, and own_field says it
 *      lies in the company's home fields already.
 * After the call the context holds the ideas query, so tenyo_idea_bridge,
 * _phrases, tenyo_ctx_notes and tenyo_ctx_home explain the uses as they
 * explain `ideas`.
 *
 * One card per invention: after ordering, a candidate whose text is
 * near-identical to one listed before it (TF-IDF cosine >= 0.8, or the same
 * title and applicant: a divisional, a sister filing) is named under that
 * one (tenyo_match.same) instead of taking a slot of its own.
 *
 * Which patents and how strong: each candidate (the nearest k x 4, at
 * least 40, and every evidence patent) is banded by the rule of an ideas
 * card (score.c: ty_match_band, ty_band_of): the specific words the
 * company's text shares with the patent (compound parts once; a word
 * either text writes only inside longer words not at all: ownword.c),
 * and whether
 * the shared weight is mostly generic words (加工, 製造, システム: the
 * index's genericity per term) or one word. Order: band, then sharing a
 * specific word, then similarity. The JSON (answer.c) shows as cards the
 * candidate and strong matches and the reference ones sharing a specific
 * word at a similarity the engine does not call weak; the rest is listed
 * apart under "nothing else fits". Licensable: the index's list or the
 * records' flag; an index marking none is matched over all its patents,
 * licence status unknown (the caller says so, and how to load a list).
 *
 * Why a patent fits (tenyo_match_why): the patent's sentence sharing the
 * most specific (idf-weighted) terms with the company's text, and the
 * company's sentence sharing the most of those.
 *
 * What the company could make (tenyo_match_apply): one use per match,
 * first from the patent's own text: an application phrase stating a use
 * (に用いる, に適用, 向け; X用 and Xを備えたY in its own text mostly name its
 * parts), else its title (the claimed object: what a licensee makes), with
 * no confidence (stated, not estimated). Only where neither can be quoted:
 * the field-fit application phrases of the patent's own proposals and of
 * the company query's candidate or strong cards, weighed by the engine's
 * confidence (floored), the company's fields, the evidence's closeness and
 * the phrase's weight, moved at most 3x by the evidence's shared content.
 * Evidence titles are never a use (鶏卵 for a charcoal kiln); none found is
 * said, not guessed.
 *
 * Rejected: ranking by the best use's confidence (a patent would rank by
 * how common its field pairing is), and one ideas query per candidate
 * patent (it answers "where else could this patent go", not "where could
 * this company go with it").
 */
#include "ideas/stages.h"
#include "judge/judge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nearest licensable patents looked at beside the ideas' evidence: k x
 * MATCH_NEAR_FACTOR, at least MATCH_NEAR_MIN, at most MATCH_NEAR_MAX. */
#define MATCH_NEAR_MAX 200
#define MATCH_NEAR_FACTOR 4
#define MATCH_NEAR_MIN 40
/* Two patents whose TF-IDF rows have at least this cosine are one
 * invention to a reader (a divisional, a sister filing). */
#define MATCH_SAME_COSINE 0.8
/* Proposals of one patent's own ideas query weighed for its application. */
#define MATCH_APP_IDEAS 8

/* 1 when document d of x has a subclass among the comma-separated home. */
static int in_home(const tenyo_index *x, uint64_t d, const char *home) {
    const ty_model *m = &x->m;
    for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
        const char *fc = m->field_code[m->field_ids[j]];
        for (const char *h = home; *h;) {
            size_t l = strcspn(h, ",");
            if (l == strlen(fc) && !strncmp(h, fc, l)) return 1;
            h += l + (h[l] == ',');
        }
    }
    return 0;
}

static int cmp_match(const void *a, const void *b) {
    const tenyo_match *x = a, *y = b;
    if (x->band != y->band) return x->band > y->band ? -1 : 1; /* the strongest band first */
    if ((x->nspecific > 0) != (y->nspecific > 0)) return x->nspecific > 0 ? -1 : 1;
    if (x->similarity != y->similarity) return x->similarity > y->similarity ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Cosine of the TF-IDF rows of documents a and b. */
static double row_cosine(const ty_model *m, uint64_t a, uint64_t b) {
    uint64_t i = m->tfidf.rowptr[a], ie = m->tfidf.rowptr[a + 1];
    uint64_t j = m->tfidf.rowptr[b], je = m->tfidf.rowptr[b + 1];
    double dot = 0, na = 0, nb = 0;
    for (uint64_t k = i; k < ie; k++) na += (double)m->tfidf.val[k] * m->tfidf.val[k];
    for (uint64_t k = j; k < je; k++) nb += (double)m->tfidf.val[k] * m->tfidf.val[k];
    while (i < ie && j < je) {
        if (m->tfidf.col[i] == m->tfidf.col[j]) dot += (double)m->tfidf.val[i++] * m->tfidf.val[j++];
        else if (m->tfidf.col[i] < m->tfidf.col[j]) i++;
        else j++;
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

/* 1 when documents a and b are one invention as a reader sees it: texts
 * sharing MATCH_SAME_COSINE of their weight, or the same title from the
 * same first applicant. */
static int same_invention(const ty_model *m, uint64_t a, uint64_t b) {
    const char *ta = ty_meta_str(m, a, TY_META_TITLE);
    const char *tb = ty_meta_str(m, b, TY_META_TITLE);
    if (*ta && !strcmp(ta, tb) && ty_same_applicant(m, a, b)) return 1;
    return row_cosine(m, a, b) >= MATCH_SAME_COSINE;
}

/* One card per invention: a match near-identical to one kept before it
 * (the list is in its final order) is named under that one and leaves the
 * list. Returns the matches left. */
static size_t fold_same(const ty_model *m, tenyo_match *all, size_t na) {
    size_t kept = 0;
    for (size_t j = 0; j < na; j++) {
        size_t h = 0;
        while (h < kept && !same_invention(m, all[h].doc, all[j].doc)) h++;
        if (h < kept) {
            if (all[h].nsame < TENYO_MATCH_SAME) all[h].same[all[h].nsame++] = all[j].doc;
            continue;
        }
        if (kept != j) all[kept] = all[j];
        kept++;
    }
    return kept;
}

/* Add idea i as a use of match mt (kept best confidence first). */
static void add_use(tenyo_match *mt, const tenyo_idea *ideas, int i) {
    for (int u = 0; u < mt->nuses; u++)
        if (mt->uses[u] == i) return;
    int at = mt->nuses;
    while (at > 0 && ideas[mt->uses[at - 1]].confidence < ideas[i].confidence) at--;
    if (at >= TENYO_MATCH_USES) return;
    int last = mt->nuses < TENYO_MATCH_USES ? mt->nuses : TENYO_MATCH_USES - 1;
    for (int u = last; u > at; u--) mt->uses[u] = mt->uses[u - 1];
    mt->uses[at] = i;
    if (mt->nuses < TENYO_MATCH_USES) mt->nuses++;
    mt->confidence = ideas[mt->uses[0]].confidence;
}

static int match_sense(tenyo_ctx *c, const char *text, size_t len, tenyo_match *all, size_t na);

int tenyo_match_text(tenyo_ctx *c, const char *text, size_t len, const tenyo_ideas_opts *o,
                     size_t nideas, tenyo_idea *ideas, int *got_ideas, size_t k,
                     tenyo_match *out) {
    if (got_ideas) *got_ideas = 0;
    if (!c || (!text && len) || (nideas && !ideas) || (k && !out)) return TENYO_ERR_ARG;
    tenyo_ideas_opts io;
    if (o) io = *o;
    else tenyo_ideas_opts_default(&io);
    io.open_only = 1;
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    int any_open = 0; /* an index that marks none: all patents, status unknown */
    for (uint64_t d = 0; d < m->ndocs && !any_open; d++) any_open = m->open[d] != 0;
    if (!any_open) io.open_only = 0;
    tenyo_filter *user = c->filter, *lic = NULL;
    tenyo_match *all = NULL;
    tenyo_hit *near = NULL;
    uint8_t *mask = NULL;
    int rc = TENYO_ERR_NOMEM;
    /* 1. the nearest licensable patents, within the caller's filter */
    const uint8_t *um = ty_ctx_mask(c, &rc);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    mask = ty_malloc(m->ndocs ? m->ndocs : 1);
    if (!mask || tenyo_filter_new(x, &lic)) goto done;
    uint64_t nlic = 0;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        mask[d] = (m->open[d] || !any_open) && (!um || um[d]);
        nlic += mask[d];
    }
    ty_filter_set_keywords(lic, mask, NULL, 0); /* the filter owns the mask */
    mask = NULL;
    /* more than k: the banded list fills with specific matches before
     * generic ones, however close those are by overall similarity */
    size_t nnear = k * MATCH_NEAR_FACTOR > MATCH_NEAR_MIN ? k * MATCH_NEAR_FACTOR : MATCH_NEAR_MIN;
    if (nnear > MATCH_NEAR_MAX) nnear = MATCH_NEAR_MAX;
    if (nnear > nlic) nnear = (size_t)nlic;
    near = ty_calloc(nnear ? nnear : 1, sizeof *near);
    all = ty_calloc(nnear + nideas * TENYO_IDEA_EVIDENCE + 1, sizeof *all);
    if (!near || !all) goto done;
    int nn = 0;
    if (nnear) {
        c->filter = lic;
        nn = tenyo_similar_text(c, text, len, io.mode, nnear, near);
        c->filter = user;
        if (nn < 0) {
            rc = nn;
            goto done;
        }
    }
    /* 2. the fields licensable patents open to the company */
    int got = tenyo_ideas_text(c, text, len, &io, nideas, ideas);
    if (got < 0) {
        rc = got;
        goto done;
    }
    if (got_ideas) *got_ideas = got;
    /* the documents' fields (homes, bands): after the scans, which a caller
     * naming them (TENYO_PREFETCH_FIELDS) runs while they are read */
    if ((rc = ty_model_need_docfields(m, c->err, sizeof c->err))) goto done;
    /* 3. matches: the nearest, then every evidence patent, with its uses */
    size_t na = 0;
    for (int i = 0; i < nn; i++) {
        if (!(near[i].score > 0)) break;
        all[na].doc = near[i].doc;
        all[na].similarity = near[i].score;
        na++;
    }
    for (int i = 0; i < got; i++)
        for (int e = 0; e < ideas[i].nevidence; e++) {
            uint64_t d = ideas[i].evidence[e].doc;
            size_t j = 0;
            while (j < na && all[j].doc != d) j++;
            if (j == na) {
                all[na].doc = d;
                all[na].similarity = ideas[i].evidence[e].score;
                na++;
            }
            add_use(&all[j], ideas, i);
        }
    const char *home = tenyo_ctx_home(c, NULL);
    const float *gen = ty_term_generic(x);
    /* what a patent shares with the company: words both texts use on
     * their own (ownword.c) */
    if ((rc = ty_own_begin(c, 0))) goto done;
    /* the rows of every match (bands, one card per invention) */
    if ((rc = ty_model_need_rows(m, &all[0].doc, na, sizeof *all, c->err, sizeof c->err)))
        goto done;
    for (size_t j = 0; j < na; j++) {
        all[j].own_field = in_home(x, all[j].doc, home);
        ty_match_content mc;
        ty_match_band(c, gen, all[j].doc, &mc);
        all[j].nspecific = mc.nspecific;
        all[j].content = mc.content;
        all[j].weak = mc.weak;
        all[j].band = ty_band_of(mc.weak, mc.nspecific);
    }
    if ((rc = match_sense(c, text, len, all, na))) goto done;
    qsort(all, na, sizeof *all, cmp_match);
    na = fold_same(m, all, na);
    if (na > k) na = k;
    if (na) memcpy(out, all, na * sizeof *all);
    rc = (int)na;
    /* the patents' strings readable, and none read above was damaged
     * (store/docmeta.c: the answer is refused, naming the frame) */
    if ((na && ty_meta_ready(m, &out[0].doc, na, sizeof *out, c->err, sizeof c->err)) ||
        ty_meta_damage(m, c->err, sizeof c->err))
        rc = TENYO_ERR_CORRUPT;
done:
    c->filter = user;
    if (rc == TENYO_ERR_NOMEM) ty_seterr(c->err, sizeof c->err, "out of memory matching");
    free(mask);
    free(near);
    free(all);
    tenyo_filter_free(lic);
    return rc;
}

/* ============================================================ one sense */

/* The sense stage of match, as of an ideas card (onesense.c, judge/
 * sense.c): each strong or candidate match whose shared terms (those of
 * tenyo_match_why) stand among other words in the company's sentences
 * than in the patent's is one band down, TENYO_WEAK_TWO_SENSES saying why. */
static int match_sense(tenyo_ctx *c, const char *text, size_t len, tenyo_match *all, size_t na) {
    enum { MAXS = 64 };
    ty_buf qt = {0}, pt = {0};
    ty_judge_span qs[MAXS], ps[MAXS];
    ty_judge_sense_ctx *round = NULL;
    int rc = TENYO_OK;
    for (size_t j = 0; j < na && !rc; j++) {
        if (all[j].band < TENYO_BAND_CANDIDATE) continue;
        if (!round) { /* the company's sentences, once */
            if (ty_buf_append(&qt, text, len) || ty_buf_putc(&qt, 0)) {
                rc = TENYO_ERR_NOMEM;
                break;
            }
            size_t nq = 0;
            ty_sense_spans(qt.p, qs, &nq, MAXS);
            int r = ty_judge_sense_open(c, qs, nq, &round);
            if (r == TENYO_ERR_NOMEM) rc = r;
            if (r) break; /* another dictionary: nothing asked */
        }
        tenyo_why w;
        int r = tenyo_match_why(c, text, len, all[j].doc, &w);
        if (r == 0) continue; /* nothing specific shared */
        if (r > 0) r = ty_doc_text(c, all[j].doc, &pt);
        if (r == TENYO_ERR_NOMEM) {
            rc = r;
            break;
        }
        if (r) continue; /* unreadable texts (a damaged abstracts section): not asked */
        size_t np = 0;
        ty_sense_spans(pt.p, ps, &np, MAXS);
        const ty_judge_span *pp = ps;
        double a = ty_judge_sense_card(round, NULL, &pp, &np, 1, w.terms, w.nterms, &r);
        if (r == TENYO_ERR_NOMEM) rc = r;
        if (r) continue;
        all[j].band = ty_judge_sense_band(all[j].band, a, &all[j].weak);
    }
    ty_judge_sense_close(round);
    ty_buf_free(&qt);
    ty_buf_free(&pt);
    return rc;
}

/* ================================================================= why */

/* Distinct index terms of a text (ids into the vocabulary). */
typedef struct mw_set {
    const tenyo_index *x;
    const tenyo_ctx *c;         /* its steer's struck words are left out */
    uint32_t id[256];
    int n;
} mw_set;

static void mw_emit(void *ud, const char *t, size_t n) {
    mw_set *s = ud;
    int64_t id = ty_strmap_get(s->x->vocab, t, n);
    if (id < 0 || s->n == 256 || ty_steer_struck(s->c, (uint32_t)id)) return;
    for (int i = 0; i < s->n; i++)
        if (s->id[i] == (uint32_t)id) return;
    s->id[s->n++] = (uint32_t)id;
}

static int mw_has(const mw_set *s, uint32_t id) {
    for (int i = 0; i < s->n; i++)
        if (s->id[i] == id) return 1;
    return 0;
}

/* Sentences of s (。．！？ and line ends close one), at most max. */
typedef struct mw_sent {
    const char *p;
    size_t n;
} mw_sent;

static size_t mw_split(const char *s, size_t len, mw_sent *out, size_t max) {
    size_t n = 0, a = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        size_t cut = 0; /* bytes of the closing mark */
        if (i == len || s[i] == '\n') cut = i < len;
        else if (!strncmp(s + i, "。", 3) || !strncmp(s + i, "．", 3) || !strncmp(s + i, "！", 3) ||
                 !strncmp(s + i, "？", 3))
            cut = 3;
        else if (s[i] == '.' && (i + 1 == len || s[i + 1] == ' '))
            cut = 1;
        else
            continue;
        size_t e = i + (s[i] == '\n' ? 0 : cut);
        while (a < e && (s[a] == ' ' || s[a] == '\t')) a++;
        if (e > a) out[n++] = (mw_sent){s + a, e - a};
        a = i + cut;
        if (cut) i += cut - 1;
    }
    return n;
}

/* s into out, at most about 240 bytes (a character boundary, "…" where
 * cut), NUL-terminated. */
static int mw_put(ty_buf *out, const mw_sent *s) {
    size_t b = s->n;
    if (b > 240) {
        b = 240;
        while (b > 0 && ((unsigned char)s->p[b] & 0xC0) == 0x80) b--;
    }
    out->len = 0;
    if (ty_buf_append(out, s->p, b) || (b < s->n && ty_buf_append(out, "\xE2\x80\xA6", 3)) ||
        ty_buf_putc(out, 0))
        return TENYO_ERR_NOMEM;
    out->len--;
    return TENYO_OK;
}

int tenyo_match_why(tenyo_ctx *c, const char *text, size_t len, uint64_t doc, tenyo_why *out) {
    if (!c || (!text && len) || !out) return TENYO_ERR_ARG;
    memset(out, 0, sizeof *out);
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    if (doc >= m->ndocs) return TENYO_ERR_ARG;
    int frc = ty_model_need_docfields(m, c->err, sizeof c->err);
    if (frc) return frc;
    enum { MAXS = 64 };
    mw_sent ps[MAXS], qs[MAXS];
    mw_set *q = ty_calloc(1, sizeof *q), *t = ty_calloc(1, sizeof *t), *best = ty_calloc(1, sizeof *best);
    ty_buf pt = {0};
    uint32_t *qp = NULL; /* the company text's pieces (ownword.c) */
    size_t nqp = 0;
    int rc = q && t && best ? TENYO_OK : TENYO_ERR_NOMEM;
    /* the company's terms */
    if (!rc) {
        q->x = x;
        q->c = t->c = c; /* a word struck is no shared word (tenyo_ctx_set_steer) */
        rc = ty_ctx_tokenize(c, text, len, mw_emit, q);
    }
    /* a word either text writes only inside longer words is no shared
     * word (ownword.c; asked after the tokenizer is done: it tokenizes) */
    if (!rc && !(rc = ty_own_text_pieces(c, text, &qp, &nqp))) {
        int w = 0;
        for (int i = 0; i < q->n; i++)
            if (!ty_own_has(qp, nqp, q->id[i]) && !ty_own_doc_piece(c, doc, q->id[i]))
                q->id[w++] = q->id[i];
        q->n = w;
    }
    /* the patent's title and abstract */
    const char *title = ty_meta_str(m, doc, TY_META_TITLE);
    if (!rc && m->abs) rc = ty_abs_get(m->abs, doc, &c->abuf, c->err, sizeof c->err);
    if (!rc && (ty_buf_append(&pt, title, strlen(title)) || ty_buf_putc(&pt, '\n') ||
                (m->abs && ty_buf_append(&pt, c->abuf.p, c->abuf.len)) || ty_buf_putc(&pt, 0)))
        rc = TENYO_ERR_NOMEM;
    if (rc) goto done;
    /* the patent's sentence with the most shared weight */
    size_t np = mw_split(pt.p, pt.len - 1, ps, MAXS), bp = 0;
    double bw = 0;
    for (size_t i = 0; i < np; i++) {
        t->x = x;
        t->n = 0;
        if ((rc = ty_ctx_tokenize(c, ps[i].p, ps[i].n, mw_emit, t))) goto done;
        double w = 0;
        for (int j = 0; j < t->n; j++)
            if (mw_has(q, t->id[j])) w += m->idf[t->id[j]];
        if (w > bw) {
            bw = w;
            bp = i;
            *best = *t;
        }
    }
    if (!(bw > 0)) goto done; /* nothing specific in common */
    /* the company's sentence sharing the most of it */
    size_t nq = mw_split(text, len, qs, MAXS), bq = 0;
    double qw = 0;
    for (size_t i = 0; i < nq; i++) {
        t->x = x;
        t->n = 0;
        if ((rc = ty_ctx_tokenize(c, qs[i].p, qs[i].n, mw_emit, t))) goto done;
        double w = 0;
        for (int j = 0; j < t->n; j++)
            if (mw_has(best, t->id[j])) w += m->idf[t->id[j]];
        if (w > qw) {
            qw = w;
            bq = i;
            q->n = 0; /* from here: the shared terms of the two sentences */
            for (int k = 0; k < t->n; k++)
                if (mw_has(best, t->id[k])) q->id[q->n++] = t->id[k];
        }
    }
    if (!(qw > 0)) goto done;
    /* the shared terms, most specific first */
    for (int i = 1; i < q->n; i++)
        for (int j = i; j > 0 && m->idf[q->id[j]] > m->idf[q->id[j - 1]]; j--) {
            uint32_t s = q->id[j];
            q->id[j] = q->id[j - 1];
            q->id[j - 1] = s;
        }
    if ((rc = mw_put(&c->why_q, &qs[bq])) || (rc = mw_put(&c->why_e, &ps[bp]))) goto done;
    /* terms as an analyst reads them: never a single character, never a
     * piece of a longer shared word (金 and 型 of 金型: the compound is
     * shown), never a piece MeCab cut from a longer word in either
     * sentence (設 of 建設, ボス of エンボス) */
    for (int i = 0; i < q->n && out->nterms < TENYO_WHY_TERMS; i++) {
        size_t tl;
        const char *ti = ty_strmap_key(x->vocab, q->id[i], &tl);
        if (ty_one_char(ti) || ty_own_has(qp, nqp, q->id[i]) || ty_own_doc_piece(c, doc, q->id[i]))
            continue;
        int piece = 0;
        for (int j = 0; j < q->n && !piece; j++) {
            size_t ul;
            const char *tj = ty_strmap_key(x->vocab, q->id[j], &ul);
            piece = j != i && ul > tl && strstr(tj, ti) != NULL;
        }
        ty_cut k = {0};
        ty_cut_seen(&k, ti, c->why_q.p);
        ty_cut_seen(&k, ti, c->why_e.p);
        if (piece || ty_cut_word(&k) || ty_kata_piece(ti, c->why_q.p) || ty_kata_piece(ti, c->why_e.p))
            continue;
        out->terms[out->nterms++] = ti;
    }
    out->query = c->why_q.p;
    out->evidence = c->why_e.p;
    out->doc = doc;
    rc = 1;
done:
    if (rc < 0) memset(out, 0, sizeof *out);
    free(qp);
    free(q);
    free(t);
    free(best);
    ty_buf_free(&pt);
    return rc;
}

/* ========================================================= application */

/* How much the company's text (c's last query, the match's ideas query)
 * shares with document d: the sum over shared terms of query weight x
 * document weight x specificity (a cosine of unit rows, leaning away from
 * generic words). 0 when nothing is shared. */
static double company_affinity(const tenyo_ctx *c, const float *gen, uint64_t d) {
    const ty_model *m = &c->idx->m;
    if (d >= m->ndocs || !m->tfidf.rowptr || ty_model_need_rows(m, &d, 1, sizeof d, NULL, 0))
        return 0;
    double a = 0;
    size_t i = 0;
    for (uint64_t j = m->tfidf.rowptr[d]; ty_shared_next(c, d, &i, &j); i++, j++)
        a += c->qw[i] * m->tfidf.val[j] * ty_term_worth(c, gen, i, UINT32_MAX);
    return a;
}

/* 1 when code is one of the comma-separated home fields, 0.5 when it
 * shares a class with one, else 0. */
static double home_fit(const char *code, const char *home) {
    double best = 0;
    for (const char *h = home; *h;) {
        size_t l = strcspn(h, ",");
        if (l == strlen(code) && !strncmp(h, code, l)) return 1;
        if (l >= 3 && !strncmp(h, code, 3)) best = 0.5;
        h += l + (h[l] == ',');
    }
    return best;
}

/* A candidate use: the application it would be and its weight before the
 * company's shared content is counted in. */
typedef struct app_cand {
    tenyo_match_app a;  /* the use, as it would be returned */
    double base;        /* confidence (floored) x the company's fields x
                           closeness of the evidence x the phrase's weight */
} app_cand;
#define APP_CANDS 160

/* The candidate uses of idea id (phrases from ctx q, which holds the query
 * id came from) appended to cand (*n of them); from_company says which
 * query. Returns a negative status or 0. */
static int app_collect(const tenyo_ctx *q, const tenyo_ctx *company, const float *gen,
                       const char *home, const tenyo_idea *id, uint64_t self, int from_company,
                       app_cand *cand, size_t *n) {
    tenyo_phrase ph[8];
    /* a proposal resting on generic words or one word (a reference card)
     * names no use of this patent: its evidence shares no technique */
    if (id->band < TENYO_BAND_CANDIDATE) return 0;
    int np = tenyo_idea_phrases(q, id, 8, ph);
    if (np < 0) return np;
    double hf = home_fit(id->code, home);
    /* the engine's confidence that the patent applies in the field leads
     * (floored, so a field the calibration puts near 0 still ranks by its
     * company fit); a field of the company's own doubles it */
    double lead = (id->confidence + 0.02) * (1 + hf);
    for (int p = 0; p < np && *n < APP_CANDS; p++) {
        if (!ph[p].field_fit) continue; /* not a use in the field */
        double sim = 0; /* the phrase's patent as evidence: how close */
        for (int e = 0; e < id->nevidence; e++)
            if (id->evidence[e].doc == ph[p].doc) sim = id->evidence[e].score;
        /* the engine's own weight of the phrase (its kind, rarity, fit to
         * the field) relative to the proposal's best */
        double pw = ph[0].weight > 0 ? ph[p].weight / ph[0].weight : 1.0 / (1 + p);
        cand[(*n)++] = (app_cand){{1, id->code, id->confidence, from_company, hf == 1, ph[p].text,
                                   ph[p].target, ph[p].target_len, ph[p].doc, (float)sim,
                                   company_affinity(company, gen, ph[p].doc), 0, 0, 0, 0, 0},
                                  lead * sim * pw};
    }
    return 0;
}

/* The title as the claimed object: 1 when it can be quoted as a thing
 * made (not empty, not a generic word alone, no markup). */
static int title_use(const char *t) {
    size_t n = strlen(t);
    return n && ty_phrase_quotable(t, n) && !ty_has_markup(t, n);
}

/* 1 when the words after a phrase's target state a use (に用いる, に適用,
 * に利用, に応用, に使用, に好適, に最適, に適する, 向け; English: the
 * expression is the use). X用, Xのため and Xを備えたY in a patent's own
 * text mostly name its parts (サーマルヘッド用, 傾斜面を備えた傾斜部). */
static int use_verb(const char *rest) {
    static const char *const verbs[] = {"に用い", "にも用い", "に適用", "にも適用", "に利用",
                                        "に応用", "に使用", "に好適", "に最適", "に適し",
                                        "に適す", "向け", NULL};
    if ((unsigned char)rest[0] < 0x80) return 1;
    for (int i = 0; verbs[i]; i++)
        if (!strncmp(rest, verbs[i], strlen(verbs[i]))) return 1;
    return 0;
}

/* The use patent d's own text names (tenyo_match_app.own): its best
 * application phrase (kind weight x rarity; a target already in the title
 * says nothing new, nor one inside the company's own words), else its
 * title, the claimed object. 1 with *out filled, 0 when neither can be
 * quoted. */
static int own_use(const tenyo_ctx *c, const char *home, uint64_t d, tenyo_match_app *out) {
    const tenyo_index *x = c->idx;
    const ty_model *m = &x->m;
    const char *title = ty_meta_str(m, d, TY_META_TITLE);
    const char *code = m->field_ptr[d] < m->field_ptr[d + 1]
                           ? m->field_code[m->field_ids[m->field_ptr[d]]] : "";
    double bw = 0;
    const char *bp = NULL, *bs = NULL;
    for (uint64_t j = m->phr_ptr ? m->phr_ptr[d] : 0; m->phr_ptr && j < m->phr_ptr[d + 1]; j++) {
        const char *p = m->phr_blob + m->phr_off[m->phr_ids[j]], *sep = strchr(p, 0x1f);
        if (!sep || !ty_phrase_quotable(p, (size_t)(sep - p)) || ty_has_markup(p, strlen(p))) continue;
        size_t tl = (size_t)(sep - p);
        if (memmem(title, strlen(title), p, tl)) continue; /* the title again */
        if (!use_verb(sep + 1 + tl)) continue; /* a part of it (X用, Xを備えた), not a use */
        uint32_t df = x->phr_df[m->phr_ids[j]];
        double w = ty_phrase_kind_weight(sep + 1) * (log((double)m->ndocs / (df ? df : 1)) + 1);
        if (w > bw) {
            bw = w;
            bp = p;
            bs = sep;
        }
    }
    if (!bp && !title_use(title)) return 0;
    *out = (tenyo_match_app){1, code, -1, 0, *code && home_fit(code, home) == 1, NULL, NULL, 0, d,
                             1.0f, 0, 1, 0, 0, 0, 0};
    if (bp) {
        out->phrase = bs + 1;
        out->target = bp;
        out->target_len = (size_t)(bs - bp);
    }
    return 1;
}

/* State of tenyo_match_apply's batch over the matched patents. */
typedef struct app_run {
    const tenyo_ctx *company;  /* the company's query (c) */
    const float *gen;          /* term genericity */
    const char *home;          /* the company's home fields */
    const tenyo_match *mt;     /* the matches */
    app_cand *cand;            /* APP_CANDS per match */
    size_t *nc;                /* candidates per match */
    tenyo_ctx *p;              /* the context of the patents' queries */
    size_t *at;                /* the batch's query i is match at[i] */
    int rc;                    /* first failure */
} app_run;

/* tenyo_ideas_batch's callback: the proposals of matched patent i. */
static void app_patent(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    app_run *r = ud;
    if (got < 0 && !r->rc) r->rc = got;
    i = r->at[i];
    for (int j = 0; j < got && !r->rc; j++)
        r->rc = app_collect(r->p, r->company, r->gen, r->home, &ideas[j], r->mt[i].doc, 0,
                            r->cand + i * APP_CANDS, &r->nc[i]);
}

/* The judge's decision on each of the n matches mt with its use out[i]
 * known (judge/list.c): the band (a strong match with no use found is a
 * candidate), the weak points (no use added), the shared words its why
 * line shows on the company's text (c's last text query) and whether it
 * is a card. 0 or a status. */
static int match_judge(tenyo_ctx *c, const tenyo_match *mt, size_t n, tenyo_match_app *out) {
    const char *text = c->qtext.p ? c->qtext.p : "";
    for (size_t i = 0; i < n; i++) {
        tenyo_match_app *a = &out[i];
        a->band = !a->found && mt[i].band == TENYO_BAND_STRONG ? TENYO_BAND_CANDIDATE : mt[i].band;
        a->weak = mt[i].weak | (a->found ? 0u : (unsigned)TENYO_WEAK_NO_USE);
        tenyo_why w;
        int rc = tenyo_match_why(c, text, strlen(text), mt[i].doc, &w);
        if (rc < 0) return rc;
        a->nwords = rc == 1 ? w.nterms : 0;
        a->card = ty_judge_match_card(a->band, mt[i].nspecific, a->nwords, mt[i].similarity,
                                      IDEAS_WEAK_QUERY);
    }
    return TENYO_OK;
}

int tenyo_match_apply(tenyo_ctx *c, const tenyo_match *mt, size_t n, const tenyo_idea *ideas,
                      int got, const tenyo_ideas_opts *o, tenyo_match_app *out) {
    if (!c || (n && (!mt || !out)) || (got > 0 && !ideas)) return TENYO_ERR_ARG;
    const tenyo_index *x = c->idx;
    int frc = ty_model_need_docfields(&x->m, c->err, sizeof c->err); /* homes */
    if (frc) return frc;
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        if (mt[i].doc >= x->m.ndocs) return TENYO_ERR_ARG;
    }
    if (!n) return 0;
    app_run r = {c, ty_term_generic(x), tenyo_ctx_home(c, NULL), mt,
                 ty_calloc(n * APP_CANDS, sizeof *r.cand), ty_calloc(n, sizeof *r.nc), NULL,
                 ty_calloc(n, sizeof *r.at), 0};
    tenyo_query *q = ty_calloc(n, sizeof *q);
    char err[256] = "out of memory";
    int rc = r.cand && r.nc && r.at && q ? TENYO_OK : TENYO_ERR_NOMEM;
    /* first the patent's own text; the evidence only for the others */
    uint8_t *own = ty_calloc(n, 1);
    if (!own) rc = TENYO_ERR_NOMEM;
    size_t nq = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        own[i] = (uint8_t)own_use(c, r.home, mt[i].doc, &out[i]);
        if (!own[i]) r.at[nq++] = i;
    }
    /* the uses the company's own query found for each patent */
    for (size_t i = 0; i < n && !rc; i++)
        for (int u = 0; u < mt[i].nuses && !rc && !own[i]; u++)
            if (mt[i].uses[u] >= 0 && mt[i].uses[u] < got)
                rc = app_collect(c, c, r.gen, r.home, &ideas[mt[i].uses[u]], mt[i].doc, 1,
                                 r.cand + i * APP_CANDS, &r.nc[i]);
    /* the patents' own: their neighbours in fields away from their homes,
     * one batch (one pass over the document vectors per 32 patents) in a
     * context of their own, so c keeps the company's query */
    if (!rc && nq && !(rc = tenyo_ctx_new(x, &r.p, err, sizeof err))) {
        tenyo_ideas_opts po;
        tenyo_ideas_opts_default(&po);
        po.min_confidence = 0;
        if (o) po.mode = o->mode;
        for (size_t i = 0; i < nq; i++)
            q[i] = (tenyo_query){(int64_t)mt[r.at[i]].doc, NULL, 0, NULL, 0};
        rc = tenyo_ideas_batch(r.p, q, nq, &po, MATCH_APP_IDEAS, app_patent, &r);
        if (!rc) rc = r.rc;
    }
    int found = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (own[i]) {
            found++;
            continue;
        }
        const app_cand *cd = r.cand + i * APP_CANDS;
        /* the company's shared content, relative to the card's best, moves
         * a candidate by at most 3x (0.5..1.5): it picks among uses the
         * engine holds likely, it does not outvote the engine (a pun on one
         * of the company's words would) */
        double amax = 0, bw = 0;
        for (size_t j = 0; j < r.nc[i]; j++)
            if (cd[j].a.affinity > amax) amax = cd[j].a.affinity;
        for (size_t j = 0; j < r.nc[i]; j++) {
            double w = cd[j].base * (amax > 0 ? 0.5 + cd[j].a.affinity / amax : 1);
            if (w > bw) {
                bw = w;
                out[i] = cd[j].a;
            }
        }
        found += out[i].found;
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) memset(&out[i], 0, sizeof out[i]);
        if (r.p) ty_seterr(c->err, sizeof c->err, "%s", tenyo_ctx_error(r.p));
        else ty_seterr(c->err, sizeof c->err, "%s", err);
    }
    free(r.cand);
    free(r.nc);
    free(r.at);
    free(own);
    free(q);
    tenyo_ctx_free(r.p);
    /* the judge's decision (its why's message, if it fails, in c) */
    if (!rc && (rc = match_judge(c, mt, n, out)))
        for (size_t i = 0; i < n; i++) memset(&out[i], 0, sizeof out[i]);
    return rc ? rc : found;
}
