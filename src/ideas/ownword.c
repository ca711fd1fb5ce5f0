/*
 * ownword.c — the technical term as the unit of a link: a word the query
 * and a patent share counts only where each text uses it as a word of its
 * own, not only inside longer words. 電池 is no link between a lithium-ion
 * battery pack maker (リチウムイオン電池, 電池パック) and a fuel cell patent
 * (燃料電池): the index holds a compound's members as terms of their own,
 * so both rows have 電池, but neither text writes it alone; セル of 可逆セル
 * is no link to a battery's セル either.
 *
 * Which words a text uses on its own: the index's tokenizer run over it
 * with a part sink (text/tokenizer.c: a compound's content words after the
 * first go there, every other term as usual); a term the text writes only
 * that way is a piece of that text. The query's text is its title and abstract (an
 * indexed patent) or the text given; a patent's, its title and abstract as
 * the why lines read them (ty_doc_text). A term of the row the text does
 * not show (a record whose other fields were indexed) is not judged a
 * piece: nothing is taken away on a guess.
 *
 * When: the rule is a stage of the list (ideas.c, ideas_list), switched on
 * for the cards of the judge's pool once the engine has ordered them, so
 * the engine's order (what Protocol X measures) is not moved; from then on
 * every count of what a card shares — the bridge weights (the bridge list
 * shown, the content shape, the judge's facts), the specific words of the
 * band (score.c) — and match's band of each licensable patent and the
 * words its why line shows skip the pieces. The stage recomputes each
 * card's content shape, weak points, band and judge's probability; the
 * numbers the thresholds filter on (confidence, content, the reader model)
 * stay the engine's, and a kept card keeps its band.
 *
 * Cost: a shared term the patent's text writes where a noun run starts
 * (after a particle, a mark, the start) is a word of its own there, found
 * by a string search; where an occurrence follows a kanji, kana or letter,
 * the tokenizer reads that run alone (a few characters: 燃料電池スタック),
 * which cuts as it does in the sentence, since a run ends at a particle.
 * The answers are kept on the context by (patent, term), direct-mapped
 * (every card's bridge weights and band ask the same words of the same
 * evidence in turn: 906 asks of 178 pairs at 60k, piece_in 1.45 -> ~0.3
 * ms); an answer depends only on the patent's text and the term. The
 * query's text is read whole, once per query.
 */
#include "stages.h"

#include <stdlib.h>
#include <string.h>

/* Terms a text uses as words (own) and as members of compounds (part). */
typedef struct own_col {
    const tenyo_index *x;
    uint32_t *own, *part;
    size_t nown, npart, capown, cappart;
    int status;
} own_col;

static void col_put(own_col *k, uint32_t **a, size_t *n, size_t *cap, const char *t, size_t len) {
    if (k->status) return;
    int64_t id = ty_strmap_get(k->x->vocab, t, len);
    if (id < 0) return;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        uint32_t *na = ty_reallocarray(*a, nc, sizeof *na);
        if (!na) {
            k->status = TENYO_ERR_NOMEM;
            return;
        }
        *a = na;
        *cap = nc;
    }
    (*a)[(*n)++] = (uint32_t)id;
}
static void col_own(void *ud, const char *t, size_t n) {
    own_col *k = ud;
    col_put(k, &k->own, &k->nown, &k->capown, t, n);
}
static void col_part(void *ud, const char *t, size_t n) {
    own_col *k = ud;
    col_put(k, &k->part, &k->npart, &k->cappart, t, n);
}

static size_t sort_unique(uint32_t *a, size_t n) {
    if (!n) return 0;
    qsort(a, n, sizeof *a, ty_cmp_u32);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

int ty_own_has(const uint32_t *a, size_t n, uint32_t t) {
    return n && bsearch(&t, a, n, sizeof *a, ty_cmp_u32) != NULL;
}

/* The pieces of text (terms only ever members of a compound), sorted,
 * into *out (*n of them, malloc'd). 0 or a negative status. */
int ty_own_text_pieces(tenyo_ctx *c, const char *text, uint32_t **out, size_t *n) {
    own_col k = {.x = c->idx};
    *out = NULL;
    *n = 0;
    int rc = ty_ctx_tokenize_parts(c, text, strlen(text), col_own, col_part, &k);
    if (!rc) rc = k.status;
    if (!rc) {
        k.nown = sort_unique(k.own, k.nown);
        k.npart = sort_unique(k.part, k.npart);
        size_t w = 0;
        for (size_t i = 0; i < k.npart; i++)
            if (!ty_own_has(k.own, k.nown, k.part[i])) k.part[w++] = k.part[i];
        *out = k.part;
        *n = w;
        k.part = NULL;
    }
    free(k.own);
    free(k.part);
    return rc;
}

void ty_own_reset(tenyo_ctx *c) {
    ty_ideas *is = (ty_ideas *)ty_ideas_peek(c);
    if (!is) return;
    is->own.on = 0;
    free(is->own.qpiece);
    is->own.qpiece = NULL;
    is->own.nq = 0;
}

int ty_own_begin(tenyo_ctx *c, int focused) {
    ty_ideas *is = (ty_ideas *)ty_ideas_peek(c);
    if (!is) return TENYO_OK; /* no ideas query yet: the rule stays off */
    ty_own_reset(c);
    ty_buf qt = {0};
    int rc = TENYO_OK;
    /* an indexed patent's own text, unless a focus made the query of
     * some of its sentences (then the query's text is those) */
    const char *text = c->qtext.p;
    if (is->skip != UINT64_MAX && !focused) {
        rc = ty_doc_text(c, is->skip, &qt);
        text = qt.p;
    }
    if (!rc && text) rc = ty_own_text_pieces(c, text, &is->own.qpiece, &is->own.nq);
    ty_buf_free(&qt);
    if (rc == TENYO_ERR_NOMEM) return rc;
    /* a text that cannot be read or tokenized judges nothing a piece */
    is->own.on = 1;
    return TENYO_OK;
}

int ty_own_piece(const tenyo_ctx *c, uint64_t d, size_t i) {
    const ty_ideas *ci = ty_ideas_peek(c);
    if (!ci || !ci->own.on || i >= ci->qn) return 0;
    return ty_own_piece_term(c, d, c->qt[i]);
}

int ty_own_piece_term(const tenyo_ctx *c, uint64_t d, uint32_t t) {
    const ty_ideas *is = ty_ideas_peek(c);
    if (!is || !is->own.on) return 0;
    return ty_own_has(is->own.qpiece, is->own.nq, t) || ty_own_doc_piece(c, d, t);
}

/* Term t (string w) in one noun run: collects whether the tokenizer,
 * reading the run alone, sends t to term() (a word of its own) or to the
 * part sink. */
typedef struct run_seen {
    const char *w;
    size_t wn;
    int own, part;
} run_seen;
static void rs_own(void *ud, const char *t, size_t n) {
    run_seen *r = ud;
    r->own |= n == r->wn && !memcmp(t, r->w, n);
}
static void rs_part(void *ud, const char *t, size_t n) {
    run_seen *r = ud;
    r->part |= n == r->wn && !memcmp(t, r->w, n);
}

/* 1 when the text uses w only inside longer words: at every occurrence,
 * w follows a character a noun run goes on through, and the tokenizer,
 * reading that run (the glued characters around it) alone, gives w to the
 * part sink. 0 when w is written where a run starts, when the tokenizer
 * gives it as a term at any occurrence, or when w does not occur as
 * written (the normalised term: then nothing is judged). */
static int piece_in(tenyo_ctx *c, const char *text, const char *w) {
    size_t wn = strlen(w), tn = strlen(text);
    if (!wn) return 0;
    const unsigned char *u = (const unsigned char *)text;
    int seen = 0;
    for (const char *p = strstr(text, w); p; p = strstr(p + wn, w)) {
        size_t a = (size_t)(p - text), b = a + wn, l;
        /* the run: back and forward over the glued characters */
        int glued = 0;
        while (a > 0) {
            size_t k = a - 1;
            while (k > 0 && (u[k] & 0xC0) == 0x80) k--;
            if (!ty_noun_char(ty_utf8_at(u, k, a, &l))) break;
            a = k;
            glued = 1;
        }
        if (!glued) return 0; /* a run starts here: a word of its own */
        while (b < tn && ty_noun_char(ty_utf8_at(u, b, tn, &l))) b += l;
        run_seen r = {w, wn, 0, 0};
        if (ty_ctx_tokenize_parts(c, text + a, b - a, rs_own, rs_part, &r)) return 0;
        if (r.own || !r.part) return 0; /* a word here, or not the tokenizer's term */
        seen = 1;
    }
    return seen;
}

int ty_own_doc_piece(const tenyo_ctx *cc, uint64_t d, uint32_t t) {
    if (d >= cc->idx->m.ndocs) return 0;
    tenyo_ctx *c = (tenyo_ctx *)cc; /* logically const: reads the texts */
    ty_ideas *is = (ty_ideas *)ty_ideas_peek(c);
    if (!is) return 0; /* no ideas state: nothing judged a piece */
    uint64_t h = (d * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)t * 0xC2B2AE3D27D4EB4Full);
    __typeof__(&is->own.memo[0]) slot = &is->own.memo[(h >> 32) & (TY_OWN_MEMO - 1)];
    if (slot->used && slot->doc == d && slot->t == t) return slot->r;
    /* the shared terms of one patent are asked in a row: its text kept */
    if (!is->own.text.p || is->own.doc != d) {
        is->own.doc = UINT64_MAX;
        if (ty_doc_text(c, d, &is->own.text) || !is->own.text.p) return 0;
        is->own.doc = d;
    }
    int r = piece_in(c, is->own.text.p, c->idx->m.term_blob + c->idx->m.term_off[t]);
    slot->doc = d;
    slot->t = t;
    slot->r = (uint8_t)r;
    slot->used = 1;
    return r;
}

