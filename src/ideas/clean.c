/*
 * clean.c — text fit to show in a card. Abstracts from raw J-PlatPat
 * exports carry markup (<BR> inside words, "(57)【要約】", "（修正有）"),
 * and patent abstracts carry reference signs ("衝突部材５０に", "ケース1a
 * を"). ty_clean_text takes them out of a sentence before the why quotes
 * it; ty_has_markup tells a phrase that must not be quoted at all.
 *
 * A reference sign is a run of up to four digits (ASCII or full-width),
 * optionally with one Latin letter, right after a kanji or katakana and
 * right before a particle (をにがとのはでやへも) or punctuation; after a
 * katakana name or with a letter, before any hiragana but the counter つ
 * (脱着ゾーン１０から, ポンプ３より; ゾーン２つ keeps it). Two signs joined by
 * a range mark (ヒータ１２ａ〜１２ｃ, ローラ２１～２４) go together, after a
 * katakana name or with letters in both (粒径１０〜２０の is an amount).
 * Numbered things (第１, 請求項１, 式１, 図１, 表１, 例１) and amounts (重量部
 * １００) keep their numbers.
 *
 * A cut word (ty_cut_seen, ty_cut_word) is an index term that MeCab cut
 * out of a longer word: 化合 of 化合物, アミ of アミノ酸. It is told by the
 * texts a card shows: the term occurs there at least TY_CUT_MIN times and
 * every time the same character follows that continues it (a kanji after a
 * kanji, a katakana or ー after a katakana). A word used as itself is
 * followed by different characters (運転支援, 運転を), or by a suffix that
 * makes a noun of a whole word (車室内, 運転者: is_kanji's list). Rejected:
 * a list of such fragments (every corpus has its own), and any one
 * continuing character as the test (車室 of 車室内 is a word); the whole
 * corpus's text as the judge (a pass over the keyword text for every
 * candidate word of every card, where the card's own texts are at hand).
 */
#include "stages.h"

#include <string.h>

/* The code point at s[i..n) and its length in *len (1 for a bad byte):
 * ty_utf8_at (stages.h). */
unsigned ty_utf8_at(const unsigned char *s, size_t i, size_t n, size_t *len) {
    unsigned c = s[i];
    size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + l > n) l = 1;
    *len = l;
    if (l == 1) return c;
    unsigned v = c & (0xFF >> (l + 1));
    for (size_t k = 1; k < l; k++) v = v << 6 | (s[i + k] & 0x3F);
    return v;
}

/* The code point that ends right before s[i] (0 at the start). */
static unsigned cp_before(const unsigned char *s, size_t i) {
    if (!i) return 0;
    size_t a = i - 1;
    while (a > 0 && (s[a] & 0xC0) == 0x80) a--;
    size_t l;
    return ty_utf8_at(s, a, i, &l);
}

static int is_digit(unsigned c) {
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
}

static int is_latin(unsigned c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xFF41 && c <= 0xFF5A) ||
           (c >= 0xFF21 && c <= 0xFF3A);
}

static int is_cjk_noun(unsigned c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC;
}

int ty_noun_char(unsigned c) { return is_cjk_noun(c) || is_latin(c) || is_digit(c); }

static int is_after_sign(unsigned c) {
    static const unsigned ok[] = {0x3092, 0x306B, 0x304C, 0x3068, 0x306E, 0x306F, 0x3067,
                                  0x3084, 0x3078, 0x3082, 0x3001, 0x3002, 0xFF0C, 0xFF0E,
                                  0xFF09, 0x0029, ',', '.'};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (c == ok[i]) return 1;
    return 0;
}

/* 1 when the code point before a number makes it a numbered thing. */
static int numbered(unsigned c) {
    static const unsigned keep[] = {0x7B2C /* 第 */, 0x9805 /* 項 */, 0x5F0F /* 式 */,
                                    0x56F3 /* 図 */, 0x8868 /* 表 */, 0x4F8B /* 例 */};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (c == keep[i]) return 1;
    return 0;
}

static int is_kata(unsigned c);

static int is_hira(unsigned c) { return c >= 0x3041 && c <= 0x3096; }

/* A range mark between two reference signs: 〜 ～ - － ‐ – —. */
static int is_range(unsigned c) {
    return c == 0x301C || c == 0xFF5E || c == '-' || c == 0xFF0D || (c >= 0x2010 && c <= 0x2014);
}

/* The end of the sign at s[i]: its digits (5 at most read) and one Latin
 * letter after them (*letter set). */
static size_t sign_end(const unsigned char *u, size_t i, size_t n, int *letter) {
    size_t j = i, nd = 0, jl;
    while (j < n && is_digit(ty_utf8_at(u, j, n, &jl)) && nd < 5) j += jl, nd++;
    if (j < n && is_latin(ty_utf8_at(u, j, n, &jl))) {
        j += jl;
        *letter = 1;
    }
    return j;
}

/* Digits of the sign s[i..j). */
static size_t sign_digits(const unsigned char *u, size_t i, size_t j, size_t n) {
    size_t nd = 0, jl;
    for (; i < j && is_digit(ty_utf8_at(u, i, n, &jl)); i += jl) nd++;
    return nd;
}

/* Markup strings taken out whole. */
static const char *const drop[] = {"(57)", "\xEF\xBC\x88\xEF\xBC\x95\xEF\xBC\x97\xEF\xBC\x89" /* （５７） */,
                                   "【要約】", "（修正有）", "(修正有)"};

/* Bytes of an HTML-like tag at s[i] (<BR>, <br/>, </sub>), or 0. */
static size_t tag_len(const char *s, size_t i, size_t n) {
    if (s[i] != '<' || i + 2 >= n) return 0;
    size_t j = i + 1;
    if (s[j] == '/') j++;
    if (!((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) return 0;
    for (size_t k = j; k < n && k < i + 24; k++) {
        if (s[k] == '>') return k + 1 - i;
        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
              (s[k] >= '0' && s[k] <= '9') || s[k] == ' ' || s[k] == '/'))
            return 0;
    }
    return 0;
}

size_t ty_clean_text(char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t t = tag_len(s, i, n);
        if (t) {
            i += t;
            continue;
        }
        int dropped = 0;
        for (size_t k = 0; k < sizeof drop / sizeof drop[0] && !dropped; k++) {
            size_t l = strlen(drop[k]);
            if (l <= n - i && !memcmp(s + i, drop[k], l)) {
                i += l;
                dropped = 1;
            }
        }
        if (dropped) continue;
        size_t l;
        unsigned c = ty_utf8_at(u, i, n, &l);
        if (is_digit(c)) {
            /* a reference sign? the run of digits (and one letter), or a
             * range of two (ヒータ１２ａ〜１２ｃ, ローラ２１～２４) */
            unsigned prev = cp_before((const unsigned char *)s, o);
            int letter = 0;
            size_t j = sign_end(u, i, n, &letter), jl;
            size_t nd = sign_digits(u, i, j, n);
            unsigned next = j < n ? ty_utf8_at(u, j, n, &jl) : 0;
            if (is_range(next) && j + jl < n && is_digit(ty_utf8_at(u, j + jl, n, &jl))) {
                int letter2 = 0;
                size_t r = j;
                ty_utf8_at(u, r, n, &jl);
                r += jl;
                size_t k = sign_end(u, r, n, &letter2);
                /* a range of signs: after a katakana name or with letters
                 * (粒径１０〜２０の is an amount) */
                if (sign_digits(u, r, k, n) <= 4 && (is_kata(prev) || (letter && letter2))) {
                    j = k;
                    next = j < n ? ty_utf8_at(u, j, n, &jl) : 0;
                }
            }
            int amount = o >= 6 && !memcmp(s + o - 6, "量部", 6); /* 重量部１００ */
            /* after a katakana name or a sign with a letter, any particle
             * (脱着ゾーン１０から, ポンプ３より), not a counter (ゾーン２つ) */
            int after = is_after_sign(next) ||
                        ((is_kata(prev) || letter) && is_hira(next) && next != 0x3064 /* つ */);
            if (nd <= 4 && is_cjk_noun(prev) && !numbered(prev) && !amount && after) {
                i = j;
                continue;
            }
        }
        memmove(s + o, s + i, l);
        o += l;
        i += l;
    }
    if (o < n) s[o] = 0;
    return o;
}

int ty_has_markup(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (tag_len(s, i, n)) return 1;
    for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++)
        if (memmem(s, n, drop[k], strlen(drop[k]))) return 1;
    return memmem(s, n, "【", 3) || memmem(s, n, "】", 3);
}

int ty_markup_term(const char *t) {
    size_t n = strlen(t);
    if (!strcmp(t, "br") || !strcmp(t, "nbsp") || !strcmp(t, "sub") || !strcmp(t, "sup"))
        return 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] >= 0x80) return 0;
    return n < 3;
}

/* ============================================================ cut words */

/* A kanji that goes on a word: not one starting a conjunction after it
 * (及び, 又は, 並びに, 若しくは, 乃至, 或いは) nor a suffix that makes a noun
 * of a whole word (車室内, 運転者, 吸収剤, 検出器, 冷却用: the word before
 * it stands as itself). 物 is no such suffix here: 化合物's 化合 is not
 * used alone. */
static int is_kanji(unsigned c) {
    static const char *const skip = "及又並若乃或等"
                                    "内外上下中用的性化部者側面時後前間式型系率量値度数器機剤室";
    if (c < 0x4E00 || c > 0x9FFF) return 0;
    char u[4] = {(char)(0xE0 | (c >> 12)), (char)(0x80 | ((c >> 6) & 0x3F)),
                 (char)(0x80 | (c & 0x3F)), 0};
    return strstr(skip, u) == NULL;
}
static int is_kata(unsigned c) { return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC; }

void ty_cut_seen(ty_cut *k, const char *t, const char *text) {
    size_t tn = strlen(t);
    if (!tn || !text) return;
    size_t l;
    unsigned last = cp_before((const unsigned char *)t, tn);
    for (const char *p = strstr(text, t); p; p = strstr(p + tn, t)) {
        const unsigned char *q = (const unsigned char *)p + tn;
        unsigned nx = *q ? ty_utf8_at(q, 0, strlen((const char *)q), &l) : 0;
        int cont = (is_kanji(last) && is_kanji(nx)) || (is_kata(last) && is_kata(nx));
        if (!cont || (k->n && nx != k->next)) k->open = 1;
        k->next = nx;
        k->n++;
    }
}

int ty_kata_piece(const char *t, const char *text) {
    size_t tn = strlen(t), l;
    if (!tn || !text || !is_kata(ty_utf8_at((const unsigned char *)t, 0, tn, &l))) return 0;
    int seen = 0;
    for (const char *p = strstr(text, t); p; p = strstr(p + tn, t)) {
        if (p == text || !is_kata(cp_before((const unsigned char *)text, (size_t)(p - text))))
            return 0; /* used on its own here */
        seen = 1;
    }
    return seen;
}

int ty_cut_word(const ty_cut *k) {
    return k->n >= TY_CUT_MIN && !k->open;
}
