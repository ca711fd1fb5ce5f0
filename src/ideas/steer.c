/*
 * steer.c — what an analyst decided about one query's list (tenyo_steer):
 * words struck ("not this sense here"), fields kept and fields rejected.
 * A context applies the steer set on it (tenyo_ctx_set_steer) to every
 * later ideas query, through the stages (stages.h): adjust the query
 * (a struck word's mask weight is 0: through the term hook it carries no
 * link, no content, no bridge, for any card), veto (a rejected field is
 * never a card) and pin (kept cards first, in their order, before the
 * rest). A card says which struck words it lost (tenyo_idea_struck).
 * A focus (sentence numbers of the query, tenyo_query_sentences, or the
 * analyst's own text of the technique) makes the query from those
 * sentences alone, before the stages: the product words of the other
 * sentences no longer vote (ty_steer_focus_build; ideas.c); the patent
 * stays the query for its home, its own applicant and the why.
 *
 * Words are kept NFKC case-folded, as the index's terms are; a word
 * matches a query term by the term or by the surface recorded for it (a
 * stemmed English term), so "Chips" strikes "chip", and a compound struck
 * takes its parts (ty_steer_term_is). Fields are kept as
 * upper-case subclasses. The steer owns copies of everything it is given;
 * the caller keeps it alive while it is set on a context.
 */
#include "stages.h"
#include "text/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Each item at most TY_STEER_WORD bytes (TY_STEER_MAX of a kind: stages.h). */
#define TY_STEER_WORD 255

/* Longest focus text (bytes). */
#define TY_STEER_FOCUS_TEXT (64u << 10)

struct tenyo_steer {
    char *item[3][TY_STEER_MAX]; /* TENYO_STEER_STRUCK, _KEPT, _REJECTED */
    size_t n[3];
    uint64_t focus;              /* bit i: sentence i + 1 holds the technique */
    char *focus_text;            /* or the analyst's own text of it */
};

int tenyo_steer_new(tenyo_steer **out) {
    if (!out) return TENYO_ERR_ARG;
    *out = ty_calloc(1, sizeof **out);
    return *out ? TENYO_OK : TENYO_ERR_NOMEM;
}

void tenyo_steer_free(tenyo_steer *s) {
    if (!s) return;
    free(s->focus_text);
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < s->n[k]; i++) free(s->item[k][i]);
    free(s);
}

/* v (owned) added to kind k unless there already: 0, or a status (v freed). */
static int add(tenyo_steer *s, int k, char *v) {
    for (size_t i = 0; i < s->n[k]; i++)
        if (!strcmp(s->item[k][i], v)) {
            free(v);
            return TENYO_OK;
        }
    if (s->n[k] == TY_STEER_MAX) {
        free(v);
        return TENYO_ERR_LIMIT;
    }
    s->item[k][s->n[k]++] = v;
    return TENYO_OK;
}

int ty_steer_word(const char *word, char **out) {
    size_t n = word ? strlen(word) : 0, bad;
    *out = NULL;
    if (!n || n > TY_STEER_WORD || !ty_utf8_valid(word, n, &bad)) return TENYO_ERR_ARG;
    if (strspn(word, " \t\r\n") == n) return TENYO_ERR_ARG; /* blank: no word */
    ty_icu *u = NULL;
    ty_buf b = {0};
    char err[128];
    int rc = ty_icu_new(&u, err, sizeof err);
    if (!rc) rc = ty_icu_normalize(u, word, n, &b);
    ty_icu_free(u);
    if (!rc && b.p && *b.p && strlen(b.p) <= TY_STEER_WORD && !(*out = ty_strdup(b.p)))
        rc = TENYO_ERR_NOMEM;
    ty_buf_free(&b);
    if (rc) return TENYO_ERR_NOMEM;
    return *out ? TENYO_OK : TENYO_ERR_ARG;
}

int tenyo_steer_strike(tenyo_steer *s, const char *word) {
    char *v = NULL;
    int rc = s ? ty_steer_word(word, &v) : TENYO_ERR_ARG;
    return rc ? rc : add(s, TENYO_STEER_STRUCK, v);
}

/* A field as kept: a subclass, upper case. Nothing changes on a refusal. */
static int field_item(tenyo_steer *s, int k, const char *field) {
    if (!s || !ty_ideas_home_ok(field)) return TENYO_ERR_ARG;
    char *v = ty_strdup(field);
    if (!v) return TENYO_ERR_NOMEM;
    for (char *p = v; *p; p++) *p = (char)toupper((unsigned char)*p);
    int there = 0;
    for (size_t i = 0; i < s->n[k] && !there; i++) there = !strcmp(s->item[k][i], v);
    if (!there && s->n[k] == TY_STEER_MAX) {
        free(v);
        return TENYO_ERR_LIMIT;
    }
    /* a field is kept or rejected, not both: the later decision wins */
    int other = k == TENYO_STEER_KEPT ? TENYO_STEER_REJECTED : TENYO_STEER_KEPT;
    for (size_t i = 0; i < s->n[other]; i++)
        if (!strcmp(s->item[other][i], v)) {
            free(s->item[other][i]);
            memmove(&s->item[other][i], &s->item[other][i + 1],
                    (s->n[other] - i - 1) * sizeof s->item[other][0]);
            s->n[other]--;
            break;
        }
    return add(s, k, v);
}

int tenyo_steer_fields(tenyo_steer *s, int what, char *list, const char **bad) {
    if (bad) *bad = NULL;
    if (!s || !list || (what != TENYO_STEER_KEPT && what != TENYO_STEER_REJECTED))
        return TENYO_ERR_ARG;
    char *save = NULL;
    int n = 0;
    for (char *p = strtok_r(list, ", ", &save); p; p = strtok_r(NULL, ", ", &save), n++) {
        int rc = field_item(s, what, p);
        if (rc) {
            if (bad) *bad = p;
            return rc;
        }
    }
    return n ? n : TENYO_ERR_ARG;
}

int tenyo_steer_keep(tenyo_steer *s, const char *field) {
    return field_item(s, TENYO_STEER_KEPT, field);
}

int tenyo_steer_reject(tenyo_steer *s, const char *field) {
    return field_item(s, TENYO_STEER_REJECTED, field);
}

int tenyo_steer_focus(tenyo_steer *s, const char *numbers) {
    if (!s || !numbers) return TENYO_ERR_ARG;
    uint64_t mask = 0;
    const char *p = numbers;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        char *end = NULL;
        long a = strtol(p, &end, 10), b = a;
        if (end == p) return TENYO_ERR_ARG;
        if (*end == '-') { /* a range, 2-4 */
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q) return TENYO_ERR_ARG;
        }
        if (a < 1 || b > TY_STEER_SENTENCES || b < a) return TENYO_ERR_ARG;
        for (long i = a; i <= b; i++) mask |= 1ull << (i - 1);
        p = end;
        if (*p && *p != ',' && *p != ' ') return TENYO_ERR_ARG;
    }
    if (!mask) return TENYO_ERR_ARG;
    s->focus = mask;
    free(s->focus_text);
    s->focus_text = NULL;
    return TENYO_OK;
}

int tenyo_steer_focus_text(tenyo_steer *s, const char *text) {
    size_t n = text ? strlen(text) : 0, bad;
    if (!s || !n || n > TY_STEER_FOCUS_TEXT || !ty_utf8_valid(text, n, &bad))
        return TENYO_ERR_ARG;
    char *t = ty_strdup(text);
    if (!t) return TENYO_ERR_NOMEM;
    free(s->focus_text);
    s->focus_text = t;
    s->focus = 0;
    return TENYO_OK;
}

uint64_t tenyo_steer_focus_get(const tenyo_steer *s, const char **text) {
    if (text) *text = s ? s->focus_text : NULL;
    return s ? s->focus : 0;
}

int ty_steer_focused(const tenyo_steer *s) {
    return s && (s->focus || s->focus_text);
}

/* The query's text into buf (document doc's title and abstract, or
 * text[0..len) when doc is UINT64_MAX), split into sentences st (at most
 * TY_STEER_SENTENCES): the count, or a status (a document out of range:
 * TENYO_ERR_NOTFOUND). */
/* 0 when doc is a document of c's index or UINT64_MAX (text), else
 * TENYO_ERR_NOTFOUND with c->err set. */
static int doc_known(tenyo_ctx *c, uint64_t doc) {
    if (doc == UINT64_MAX || doc < c->idx->m.ndocs) return TENYO_OK;
    ty_seterr(c->err, sizeof c->err, "document %llu out of range", (unsigned long long)doc);
    return TENYO_ERR_NOTFOUND;
}

static int query_sentences(tenyo_ctx *c, uint64_t doc, const char *text, size_t len,
                           ty_buf *buf, ty_sent *st) {
    int rc = doc_known(c, doc);
    if (rc) return rc;
    if (doc != UINT64_MAX) {
        rc = ty_doc_text(c, doc, buf);
    } else {
        buf->len = 0;
        if (ty_buf_append(buf, text, len) || ty_buf_putc(buf, 0)) rc = TENYO_ERR_NOMEM;
    }
    return rc ? rc : (int)ty_sentences(buf->p, st, TY_STEER_SENTENCES);
}

int ty_steer_focus_build(tenyo_ctx *c, const tenyo_steer *s, uint64_t doc, const char *text,
                         size_t len, ty_buf *out) {
    out->len = 0;
    int known = doc_known(c, doc); /* the patent stays the query: it must be one */
    if (known) return known;
    if (s->focus_text)
        return ty_buf_append(out, s->focus_text, strlen(s->focus_text)) || ty_buf_putc(out, 0)
                   ? TENYO_ERR_NOMEM : TENYO_OK;
    ty_buf src = {0};
    ty_sent st[TY_STEER_SENTENCES];
    int n = query_sentences(c, doc, text, len, &src, st), rc = n < 0 ? n : TENYO_OK;
    for (int i = 0; i < n && !rc; i++)
        if (s->focus & (1ull << i))
            rc = ty_buf_append(out, st[i].p, st[i].n) || ty_buf_putc(out, '\n')
                     ? TENYO_ERR_NOMEM : TENYO_OK;
    if (!rc && ty_buf_putc(out, 0)) rc = TENYO_ERR_NOMEM;
    if (!rc) out->len--;
    ty_buf_free(&src);
    if (!rc && !out->len) {
        ty_seterr(c->err, sizeof c->err,
                  "the focus names no sentence of the query (it has %d)", n);
        rc = TENYO_ERR_ARG;
    }
    return rc;
}

int tenyo_query_sentences(tenyo_ctx *c, int64_t doc, const char *text, size_t k,
                          tenyo_sentence *out) {
    if (!c || (k && !out) || (doc < 0 && !text)) return TENYO_ERR_ARG;
    ty_ideas *is = ty_ideas_get(c);
    if (!is) return TENYO_ERR_NOMEM;
    ty_sent st[TY_STEER_SENTENCES];
    int n = query_sentences(c, doc < 0 ? UINT64_MAX : (uint64_t)doc, text,
                            doc < 0 ? strlen(text) : 0, &is->sbuf, st);
    for (int i = 0; i < n && (size_t)i < k; i++) {
        out[i].text = st[i].p;
        out[i].len = st[i].n;
    }
    return n < 0 || (size_t)n < k ? n : (int)k;
}

size_t tenyo_steer_count(const tenyo_steer *s, int what) {
    return s && what >= 0 && what < 3 ? s->n[what] : 0;
}

const char *tenyo_steer_item(const tenyo_steer *s, int what, size_t i) {
    return s && what >= 0 && what < 3 && i < s->n[what] ? s->item[what][i] : NULL;
}

int tenyo_ctx_set_steer(tenyo_ctx *c, const tenyo_steer *s) {
    if (!c) return TENYO_ERR_ARG;
    ty_ideas *is = ty_ideas_get(c);
    if (!is) return TENYO_ERR_NOMEM;
    is->steer = s;
    return TENYO_OK;
}

const tenyo_steer *tenyo_ctx_steer(const tenyo_ctx *c) {
    const ty_ideas *is = ty_ideas_peek(c);
    return is ? is->steer : NULL;
}

/* 1 when term t is the struck word w (by term or by surface) or one of
 * its parts: the index holds a compound and its parts as terms of their
 * own (内燃機関 with 内燃 and 機関), and a word struck in one sense takes
 * its parts with it, or they would carry the same link (and count as two
 * specific words where the compound was one). A part is at least two
 * characters. */
int ty_steer_term_is(const ty_model *m, uint32_t t, const char *w) {
    const char *term = m->term_blob + m->term_off[t];
    if (!strcmp(term, w)) return 1;
    if (m->surf_off && m->surf_blob[m->surf_off[t]] &&
        !strcasecmp(m->surf_blob + m->surf_off[t], w))
        return 1;
    return strlen(term) < strlen(w) && !ty_one_char(term) && strstr(w, term) != NULL;
}

int ty_steer_struck(const tenyo_ctx *c, uint32_t t) {
    const tenyo_steer *s = c ? tenyo_ctx_steer(c) : NULL;
    for (size_t j = 0; s && j < s->n[TENYO_STEER_STRUCK]; j++)
        if (ty_steer_term_is(&c->idx->m, t, s->item[TENYO_STEER_STRUCK][j])) return 1;
    return 0;
}

void ty_steer_mask(const tenyo_ctx *c, ty_termmask *k, size_t qn) {
    const ty_ideas *is = ty_ideas_peek(c);
    const tenyo_steer *s = is ? is->steer : NULL;
    if (!s || !s->n[TENYO_STEER_STRUCK]) return;
    const ty_model *m = &c->idx->m;
    for (size_t i = 0; i < qn && i < k->cap; i++)
        for (size_t j = 0; j < s->n[TENYO_STEER_STRUCK]; j++)
            if (ty_steer_term_is(m, c->qt[i], s->item[TENYO_STEER_STRUCK][j])) {
                k->flags[i] |= TY_TERM_STRUCK;
                k->any = 1;
            }
}

/* 1 when code is in kind k of s. */
static int listed(const tenyo_steer *s, int k, const char *code) {
    for (size_t i = 0; s && i < s->n[k]; i++)
        if (!strcmp(s->item[k][i], code)) return 1;
    return 0;
}

size_t ty_steer_veto(const tenyo_steer *s, tenyo_idea *all, size_t cnt) {
    if (!s || !s->n[TENYO_STEER_REJECTED]) return cnt;
    size_t w = 0;
    for (size_t i = 0; i < cnt; i++)
        if (!listed(s, TENYO_STEER_REJECTED, all[i].code)) all[w++] = all[i];
    return w;
}

int ty_steer_pin(const tenyo_steer *s, tenyo_idea *all, size_t cnt) {
    if (!s || !s->n[TENYO_STEER_KEPT] || cnt < 2) return TENYO_OK;
    tenyo_idea *tmp = ty_mallocarray(cnt, sizeof *tmp);
    if (!tmp) return TENYO_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++)
        if (listed(s, TENYO_STEER_KEPT, all[i].code)) tmp[k++] = all[i];
    for (size_t i = 0; i < cnt; i++)
        if (!listed(s, TENYO_STEER_KEPT, all[i].code)) tmp[k++] = all[i];
    memcpy(all, tmp, cnt * sizeof *tmp);
    free(tmp);
    /* score decreasing down the list, as present leaves it */
    for (size_t i = 1; i < cnt; i++)
        if (all[i].score >= all[i - 1].score) all[i].score = all[i - 1].score * 0.999;
    return TENYO_OK;
}

int ty_steer_kept(const tenyo_steer *s, const char *code) {
    return s && listed(s, TENYO_STEER_KEPT, code);
}

int tenyo_idea_kept(const tenyo_ctx *c, const tenyo_idea *idea) {
    const ty_ideas *is = ty_ideas_peek(c);
    return idea && is && listed(is->steer, TENYO_STEER_KEPT, idea->code);
}

/* 1 when query term i is shared by one of the idea's evidence patents. */
static int evidence_shares(const tenyo_ctx *c, const tenyo_idea *idea, size_t i) {
    const ty_model *m = &c->idx->m;
    if (ty_model_need_rows(m, &idea->evidence[0].doc, (size_t)idea->nevidence,
                           sizeof idea->evidence[0], NULL, 0))
        return 0;
    for (int e = 0; e < idea->nevidence; e++) {
        uint64_t d = idea->evidence[e].doc;
        if (d >= m->ndocs) continue;
        size_t qi = 0;
        for (uint64_t j = m->tfidf.rowptr[d]; ty_shared_next(c, d, &qi, &j); qi++, j++)
            if (qi == i) return 1;
    }
    return 0;
}

int tenyo_idea_struck(const tenyo_ctx *c, const tenyo_idea *idea, size_t k,
                      const char **words) {
    if (!c || !idea || (k && !words)) return TENYO_ERR_ARG;
    const ty_ideas *is = ty_ideas_peek(c);
    if (!is || !is->mask.any || !is->steer) return 0;
    const tenyo_steer *s = is->steer;
    const ty_model *m = &c->idx->m;
    size_t n = 0;
    /* the analyst's words, as struck, whose terms the evidence shares */
    for (size_t w = 0; w < s->n[TENYO_STEER_STRUCK] && n < k; w++) {
        const char *word = s->item[TENYO_STEER_STRUCK][w];
        int lost = 0;
        for (size_t i = 0; i < is->qn && i < is->mask.cap && !lost; i++)
            lost = (is->mask.flags[i] & TY_TERM_STRUCK) && ty_steer_term_is(m, c->qt[i], word) &&
                   evidence_shares(c, idea, i);
        if (lost) words[n++] = word;
    }
    return (int)n;
}
