/*
 * matchuse.c — what a company would do with a matched patent, in the two
 * texts' own words: its own product or capability (a clause of its
 * description) joined to the patent's technique (a clause of the patent's
 * text), both holding the same shared technical term.
 *
 *   tenyo_match_why gives the pair of sentences (the company's, the
 *   patent's) sharing the most specific terms, and those terms, most
 *   specific first. ty_match_use takes the first term found in both
 *   sentences as the anchor and quotes, on each side, the clause that holds
 *   it:
 *     clause     the run between clause marks (、，,；;：:。．and line ends,
 *                and a 【…】 heading, which is dropped), reference signs and
 *                markup taken out first (clean.c);
 *     company    its predicate cut off, so what remains is the thing the
 *                company makes or does (鋳物砂の再生を得意とする → 鋳物砂の
 *                再生; 中大物が中心で → 中大物): trailing kana, then a closing
 *                "を/が + 得意・中心・主力・専門・強み" or a verb of the trade
 *                (を行・手が・設計・開発・製造・生産・販売・提供・加工・施工)
 *                and kana again; a leading "当社は" / "弊社では" dropped;
 *     technique  the clause as the patent says it, a closing link, a
 *                leading 本発明の or conjunction (及び) cut (設定するとともに
 *                → 設定する); labels in brackets ((Ｂ)界面活性剤) and a sign
 *                before …, the end or 内・側・上・下・外 (タンク２内) dropped;
 *     length     a clause over CLAUSE_MAX characters is quoted around the
 *                anchor with "…" where cut (Latin text at a space, never
 *                inside a word).
 *   English (the index term is a stem): the anchor is the first word of the
 *   sentence starting with the stem, case folded; clauses end at , ; : and
 *   sentence ends; no predicate cut.
 * The use reads 自社の「company」に、この特許の「technique」を取り入れる
 * ("apply the patent's "technique" to the company's "company""). Nothing
 * is guessed: no anchor in both sentences, or a clause that cuts down to
 * nothing, gives no use (0), and the card keeps the patent's own use
 * alone.
 *
 * Why clauses and not the title: readers of match cards called the use
 * line "not something this company would do" when it named the patented
 * product itself (a continuous caster offered to a sand foundry); the
 * company's own clause says what it would do, the patent's clause what it
 * would take from the patent.
 */
#include "stages.h"

#include <ctype.h>
#include <string.h>

/* Characters of a clause quoted whole; longer ones are cut around the
 * anchor. */
#define CLAUSE_MAX 44

/* The code point at str[i..n) and its length in *len (clean.c). */
static unsigned cp(const char *str, size_t i, size_t n, size_t *len) {
    return ty_utf8_at((const unsigned char *)str, i, n, len);
}

/* Start of the code point that ends at s[i] (i > 0). */
static size_t cp_start(const char *s, size_t i) {
    size_t a = i - 1;
    while (a > 0 && ((unsigned char)s[a] & 0xC0) == 0x80) a--;
    return a;
}

static int is_hira(unsigned c) { return c >= 0x3041 && c <= 0x309F; }

/* 1 for a mark that ends a clause. */
static int clause_mark(unsigned c) {
    return c == 0x3001 /* 、 */ || c == 0x3002 /* 。 */ || c == 0xFF0C /* ， */ ||
           c == 0xFF0E /* ． */ || c == 0xFF1B /* ； */ || c == 0xFF1A /* ： */ || c == ',' ||
           c == ';' || c == ':' || c == '\n' || c == 0x3010 /* 【 */ || c == 0x3011 /* 】 */;
}

/* The anchor: where term t occurs in s (a stem at a word start, case
 * folded, for Latin terms), or -1. */
static long find_term(const char *s, const char *t) {
    if ((unsigned char)t[0] >= 0x80) {
        const char *p = strstr(s, t);
        return p ? (long)(p - s) : -1;
    }
    size_t tl = strlen(t);
    for (size_t i = 0; s[i]; i++) {
        if (i && isalnum((unsigned char)s[i - 1])) continue;
        if (!strncasecmp(s + i, t, tl)) return (long)i;
    }
    return -1;
}

/* The clause of s[0..n) holding byte a: [*b, *e). A 【…】 heading is a
 * mark of its own (what is between the brackets is no clause). */
static void clause_at(const char *s, size_t n, size_t a, size_t *b, size_t *e) {
    size_t i = a, l;
    while (i > 0) {
        size_t p = cp_start(s, i);
        if (clause_mark(cp(s, p, n, &l))) break;
        i = p;
    }
    *b = i;
    for (i = a; i < n;) {
        unsigned c = cp(s, i, n, &l);
        if (clause_mark(c) || (c == '.' && (i + 1 == n || s[i + 1] == ' '))) break;
        i += l;
    }
    *e = i;
}

/* s[b..*e) without trailing hiragana. */
static void cut_kana(const char *s, size_t b, size_t *e) {
    size_t l;
    while (*e > b) {
        size_t p = cp_start(s, *e);
        if (!is_hira(cp(s, p, *e, &l))) break;
        *e = p;
    }
}

/* 1 when s[b..e) ends with suffix x (then *e moved before it). */
static int cut_suffix(const char *s, size_t b, size_t *e, const char *x) {
    size_t xl = strlen(x);
    if (*e - b <= xl || memcmp(s + *e - xl, x, xl)) return 0;
    *e -= xl;
    return 1;
}

/* The company's clause [*b, *e) as the thing it makes or does: the
 * predicate and a leading "we" cut. */
static void company_part(const char *s, size_t *b, size_t *e) {
    static const char *const pred[] = {"を得意", "が得意", "が中心", "を中心", "が主力", "を主力",
                                       "を専門", "が専門", "を行", "を手が", "を手掛", "に強み",
                                       "が強み", "を強み", "を設計", "を開発", "を製造", "を生産",
                                       "を販売", "を提供", "を加工", "を施工", NULL};
    static const char *const we[] = {"当社では", "当社は", "弊社では", "弊社は", "当社で", "弊社で",
                                     "自社で", NULL};
    for (int i = 0; we[i]; i++) {
        size_t l = strlen(we[i]);
        if (*e - *b > l && !memcmp(s + *b, we[i], l)) {
            *b += l;
            break;
        }
    }
    cut_kana(s, *b, e);
    for (int i = 0; pred[i]; i++)
        if (cut_suffix(s, *b, e, pred[i])) {
            cut_kana(s, *b, e);
            break;
        }
}

/* The patent's clause [*b, *e) without a leading "本発明の" / "本発明は"
 * (the patent naming itself), a leading conjunction (及び, 又は: the
 * clause is the second of two), a closing link to the next clause
 * (とともに, ており: the verb before it stays) or a closing particle after
 * a noun (システムは). */
static void technique_part(const char *s, size_t *b, size_t *e) {
    static const char *const self[] = {"本発明の", "本発明は", "本発明では", "この発明の", "及び",
                                       "並びに", "又は", "または", "若しくは", "および", NULL};
    for (int i = 0; self[i]; i++) {
        size_t l = strlen(self[i]);
        if (*e - *b > l && !memcmp(s + *b, self[i], l)) {
            *b += l;
            break;
        }
    }
    static const char *const link[] = {"とともに", "と共に", "ており", "であって", "であり", NULL};
    for (int i = 0; link[i]; i++)
        if (cut_suffix(s, *b, e, link[i])) break;
    /* a closing particle after a noun (システムは, 装置を) */
    static const char *const part[] = {"は", "が", "を", "に", "で", "と", "も", NULL};
    size_t l;
    for (int i = 0; part[i] && *e > *b; i++) {
        size_t pl = strlen(part[i]), p = *e - pl;
        if (*e - *b > pl && !memcmp(s + p, part[i], pl) && !is_hira(cp(s, cp_start(s, p), p, &l))) {
            *e = p;
            break;
        }
    }
}

static int is_sign_char(unsigned c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

/* s (NUL-terminated) without what clean.c leaves of reference signs in a
 * quote: a label in brackets of up to three letters or digits (（Ｂ）界面
 * 活性剤, システム（１）) and a sign cut off by the quote's end (コイル１８…).
 * In place. */
static void drop_signs(char *s) {
    size_t n = strlen(s), o = 0, l;
    for (size_t i = 0; i < n;) {
        unsigned c = cp(s, i, n, &l);
        if (c == 0xFF08 /* （ */ || c == '(') {
            size_t j = i + l, k = 0, m;
            while (j < n && k < 4 && is_sign_char(cp(s, j, n, &m))) j += m, k++;
            unsigned d = j < n ? cp(s, j, n, &m) : 0;
            if (k && k <= 3 && (d == 0xFF09 || d == ')')) {
                i = j + m;
                continue;
            }
        }
        if (is_sign_char(c) && c > 0x7F && o) { /* full-width run before … or the end */
            size_t j = i, m;
            while (j < n && is_sign_char(cp(s, j, n, &m))) j += m;
            unsigned d = j < n ? cp(s, j, n, &m) : 0;
            unsigned p = cp(s, cp_start(s, o), o, &m);
            /* before … or the end, or before 内・側・上・下・外 (タンク２内) */
            int place = d == 0x5185 || d == 0x5074 || d == 0x4E0A || d == 0x4E0B || d == 0x5916;
            if ((d == 0 || d == 0x2026 || place) && (p >= 0x30A1 || p == 0x30FC)) {
                i = j;
                continue;
            }
        }
        memmove(s + o, s + i, l);
        o += l;
        i += l;
    }
    s[o] = 0;
}

/* Characters in s[b..e). */
static size_t chars(const char *s, size_t b, size_t e) {
    size_t n = 0;
    for (size_t i = b; i < e; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte after k characters from s[i] (stopping at e). */
static size_t fwd(const char *s, size_t i, size_t e, size_t k) {
    size_t l;
    while (k-- && i < e) {
        cp(s, i, e, &l);
        i += l;
    }
    return i;
}

/* Byte k characters back from s[i] (stopping at b). */
static size_t back(const char *s, size_t i, size_t b, size_t k) {
    while (k-- && i > b) i = cp_start(s, i);
    return i < b ? b : i;
}

/* s[b..e) into out, quoted around byte a when longer than CLAUSE_MAX
 * characters ("…" where cut), NUL-terminated. 0 or TENYO_ERR_NOMEM. */
static int put_clause(ty_buf *out, const char *s, size_t b, size_t e, size_t a) {
    out->len = 0;
    while (b < e && (s[b] == ' ' || s[b] == '\t')) b++;
    size_t from = b, to = e;
    if (chars(s, b, e) > CLAUSE_MAX) {
        from = back(s, a, b, CLAUSE_MAX / 3);
        to = fwd(s, from, e, CLAUSE_MAX);
        /* Latin words are cut at a space, never inside a word */
        if (from > b && (unsigned char)s[from] < 0x80 && s[from - 1] != ' ') {
            size_t f = from;
            while (f < a && s[f] != ' ') f++;
            if (f < a) from = f + 1;
        }
        if (to < e && (unsigned char)s[to - 1] < 0x80 && s[to] != ' ') {
            size_t t = to;
            while (t > a && s[t - 1] != ' ') t--;
            if (t > a) to = t - 1;
        }
    }
    if ((from > b && ty_buf_append(out, "\xE2\x80\xA6", 3)) || ty_buf_append(out, s + from, to - from) ||
        (to < e && ty_buf_append(out, "\xE2\x80\xA6", 3)) || ty_buf_putc(out, 0))
        return TENYO_ERR_NOMEM;
    out->len--;
    return TENYO_OK;
}

int ty_match_use(const tenyo_why *w, ty_buf *company, ty_buf *technique, const char **term) {
    if (!w || !w->query || !w->evidence) return 0;
    ty_buf ev = {0};
    size_t en = strlen(w->evidence);
    if (ty_buf_append(&ev, w->evidence, en) || ty_buf_putc(&ev, 0)) {
        ty_buf_free(&ev);
        return TENYO_ERR_NOMEM;
    }
    en = ty_clean_text(ev.p, en); /* no reference signs, no markup */
    ev.p[en] = 0;
    int rc = 0;
    for (int t = 0; t < w->nterms && !rc; t++) {
        long qa = find_term(w->query, w->terms[t]), ea = find_term(ev.p, w->terms[t]);
        if (qa < 0 || ea < 0) continue;
        size_t qn = strlen(w->query), qb, qe, eb, ee;
        int ja = (unsigned char)w->terms[t][0] >= 0x80;
        clause_at(w->query, qn, (size_t)qa, &qb, &qe);
        clause_at(ev.p, en, (size_t)ea, &eb, &ee);
        if (ja) {
            company_part(w->query, &qb, &qe);
            technique_part(ev.p, &eb, &ee);
        }
        /* the anchor must survive the cuts (a clause cut down to its
         * predicate names nothing) */
        size_t tl = strlen(w->terms[t]);
        if ((size_t)qa < qb || (size_t)qa + tl > qe || (size_t)ea < eb || (size_t)ea + tl > ee) continue;
        if ((rc = put_clause(company, w->query, qb, qe, (size_t)qa)) ||
            (rc = put_clause(technique, ev.p, eb, ee, (size_t)ea)))
            break;
        drop_signs(company->p);
        drop_signs(technique->p);
        company->len = strlen(company->p);
        technique->len = strlen(technique->p);
        if (term) *term = w->terms[t];
        rc = 1;
    }
    ty_buf_free(&ev);
    return rc;
}
