/*
 * shorten.c — the short display label of an IPC title, for a card heading
 * (ty_labels_shorten; labels.c derives one for every title it loads), and
 * the UTF-8 decoding and language names it and the loader share
 * (ty_utf8_next, ty_labels_lang).
 *
 * Official subclass titles are long: the JPO ones carry
 * parenthesised references ("…一般（播種…Ａ０１Ｃ５／００；…）") and edition
 * marks ("［８］"), the English ones are ALL CAPS. The display label is
 * derived from the full title by, in order:
 *   1. dropping parenthesised parts, （…） and (...), nested; markup tags
 *      such as <u>; bracketed edition marks ([8], ［２０１８．０１］; other
 *      brackets such as ［ＩＣＴ］ stay); full-width letters and digits become
 *      ASCII and the ideographic space a space;
 *   2. tidying spaces and the separators left next to each other;
 *   3. English: dropping the "SECTION A — " prefix of section titles,
 *      sentence case when the title is all caps (below), and joining words
 *      the scheme broke after a hyphen ("NON- METALS");
 *   4. when longer than 30 characters (Japanese) / 70 (English), keeping
 *      the leading "；"/";"/"："-separated segments that fit (at least one);
 *   5. when still longer, dropping example clauses: an English ", e.g. X,"
 *      aside followed by a function word ("means, e.g. batteries, for the
 *      direct …" -> "means for the direct …"), else an e.g. list to the end
 *      of its segment; a Japanese "，例．…" to the next "；";
 *   6. when longer than 40 / 90, cutting at a comma (Japanese) or word
 *      boundary in the second half, adding "…".
 * Step 4 keeps more than the first segment when it fits ("無線による方位
 * 測定；無線による航行") — cutting always at the first "；" was rejected as it
 * threw away headings that fit. Examples are kept in labels that are short
 * enough ("画像通信，例．テレビジョン"): they are often the most familiar
 * word. A title that shortens to nothing gets no label, and the lookup
 * falls back to the class.
 *
 * Sentence case. The English scheme is in capitals, and capitals cannot
 * tell an acronym from a word, so a rule decides: a title is converted
 * only when at least 80% of its letters are capitals (a mixed-case file is
 * trusted as written). Then every run of letters and digits is lowercased
 * except: runs holding a lowercase letter ("e.g."), IPC symbols ("A23J",
 * "B31"), a short list of acronyms that occur in patent titles (AC, DC,
 * DNA, RNA, ICT, UV, LED, …), and a single letter before a hyphen
 * ("X-ray", "V-belt"); the first letter is capitalised. Rejected: keeping
 * every short all-caps word (would keep "OR", "OF", "GAS"), and a
 * dictionary of English words (far too large for what it buys).
 *
 * Everything here works on code points (decoded once, a uint32_t each),
 * so the rules count characters, not bytes: 30 Japanese characters are 90
 * bytes. Invalid UTF-8 is TENYO_ERR_INPUT, never a cut inside a character.
 */
#include "model/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LAB_SOFT_JA 30  /* Japanese label: keep segments up to this length */
#define LAB_SOFT_EN 70  /* English label: the same */
#define LAB_HARD_JA 40  /* Japanese label: never longer than this */
#define LAB_HARD_EN 90  /* English label: the same */

/* ============================================================ language */

/* Language index of "ja"/"en" (any case): 0 ja, 1 en (labels.c's LANG_JA,
 * LANG_EN), -1 otherwise. */
int ty_labels_lang(const char *lang) {
    if (!lang) return -1;
    if ((lang[0] == 'j' || lang[0] == 'J') &&
        (lang[1] == 'a' || lang[1] == 'A') && !lang[2])
        return 0;
    if ((lang[0] == 'e' || lang[0] == 'E') &&
        (lang[1] == 'n' || lang[1] == 'N') && !lang[2])
        return 1;
    return -1;
}

/* ============================================================= UTF-8 */

/* Decode one code point of s[*i..n) into *cp and advance *i; -1 when the
 * bytes there are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF,
 * truncated). */
int ty_utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp) {
    size_t k = *i;
    unsigned c = s[k];
    uint32_t v, min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        *i = k + 1;
        return 0;
    }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return -1;
    if (n - k < len) return -1;
    for (size_t j = 1; j < len; j++) {
        unsigned d = s[k + j];
        if ((d & 0xC0) != 0x80) return -1;
        v = (v << 6) | (d & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -1;
    *cp = v;
    *i = k + len;
    return 0;
}

/* Append code point cp as UTF-8 to b. */
static int utf8_put(ty_buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return ty_buf_append(b, t, n);
}

/* ====================================================== short labels */

static int starts_with(const uint32_t *v, size_t n, size_t i, const char *s);

/* Separator strength for tidying: 1 comma, 2 colon, 3 semicolon, 0 not a
 * separator. */
static int sep_rank(uint32_t c) {
    switch (c) {
    case ',': case 0xFF0C: case 0x3001: return 1;
    case ':': case 0xFF1A: return 2;
    case ';': case 0xFF1B: return 3;
    default: return 0;
    }
}

/* 1 for the separators between label segments (step 4). */
static int seg_sep(uint32_t c) { return sep_rank(c) >= 2; }

static int is_open_paren(uint32_t c) { return c == '(' || c == 0xFF08; }
static int is_close_paren(uint32_t c) { return c == ')' || c == 0xFF09; }
static int is_digitlike(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19) ||
           c == '.' || c == 0xFF0E || c == ',' || c == 0xFF0C || c == ' ' ||
           c == 0x3000;
}
static int is_alpha(uint32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Step 1: copy in[0..n) to out without parenthesised parts, tags and
 * edition marks, folding full-width alphanumerics and spaces; returns the
 * count written (out has room for n). */
static size_t strip_markup(const uint32_t *in, size_t n, uint32_t *out) {
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (is_open_paren(c)) { depth++; continue; }
        if (is_close_paren(c)) { if (depth > 0) depth--; continue; }
        if (depth > 0) continue;
        if (c == '<') { /* tag such as <u> or </u> */
            size_t j = i + 1, k;
            if (j < n && in[j] == '/') j++;
            for (k = j; k < n && k - j < 8 && is_alpha(in[k]); k++) {}
            if (k > j && k < n && in[k] == '>') { i = k; continue; }
        }
        if (c == '[' || c == 0xFF3B) { /* edition mark: digits only */
            size_t k;
            int digit = 0;
            for (k = i + 1; k < n && k - i < 32 && is_digitlike(in[k]); k++)
                digit |= (in[k] >= '0' && in[k] <= '9') ||
                         (in[k] >= 0xFF10 && in[k] <= 0xFF19);
            if (digit && k < n && (in[k] == ']' || in[k] == 0xFF3D)) {
                i = k;
                continue;
            }
        }
        if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
            (c >= 0xFF41 && c <= 0xFF5A))
            c -= 0xFEE0;
        else if (c == 0x3000 || c == '\t')
            c = ' ';
        out[o++] = c;
    }
    return o;
}

/* Step 2: collapse spaces, drop spaces before separators, merge adjacent
 * separators (keeping the strongest), trim both ends. In place. */
static size_t tidy(uint32_t *v, size_t n) {
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = v[i];
        if (c == ' ') { space = o > 0; continue; }
        int r = sep_rank(c);
        if (r) {
            space = 0;
            if (o == 0) continue;
            int pr = sep_rank(v[o - 1]);
            if (pr) {
                if (r > pr) v[o - 1] = c;
                continue;
            }
            v[o++] = c;
            continue;
        }
        if (space) v[o++] = ' ';
        space = 0;
        v[o++] = c;
    }
    while (o > 0 && (v[o - 1] == ' ' || sep_rank(v[o - 1]))) o--;
    return o;
}

/* Step 3a: drop "SECTION X — " from an English section title. */
static size_t strip_section_prefix(uint32_t *v, size_t n) {
    static const char word[] = "SECTION ";
    size_t w = sizeof word - 1, i;
    if (n < w + 2) return n;
    for (i = 0; i < w; i++) {
        uint32_t c = v[i];
        if (c >= 'a' && c <= 'z') c -= 32;
        if (c != (uint32_t)word[i]) return n;
    }
    if (!is_alpha(v[i])) return n;
    i++;
    while (i < n && v[i] == ' ') i++;
    if (i >= n || !(v[i] == 0x2014 || v[i] == 0x2013 || v[i] == '-' ||
                    v[i] == ':'))
        return n;
    i++;
    while (i < n && v[i] == ' ') i++;
    if (i >= n) return n;
    memmove(v, v + i, (n - i) * sizeof *v);
    return n - i;
}

/* Acronyms kept in capitals by sentence casing. */
static const char *const acronyms[] = {
    "AC", "CD", "CVD", "DC", "DNA", "DVD", "GPS", "IC", "ICT", "LCD", "LED",
    "MEMS", "OLED", "PCB", "PVD", "RF", "RNA", "TV", "USB", "UV", NULL};

/* 1 when v[s..e) (ASCII capitals/digits) is in acronyms[]. */
static int is_acronym(const uint32_t *v, size_t s, size_t e) {
    for (const char *const *a = acronyms; *a; a++) {
        size_t k = strlen(*a);
        if (k != e - s) continue;
        size_t j = 0;
        while (j < k && v[s + j] == (uint32_t)(unsigned char)(*a)[j]) j++;
        if (j == k) return 1;
    }
    return 0;
}

/* Letter case over ASCII and Latin-1 (the English scheme writes
 * "BRASSIÈRES"). */
static int is_upper(uint32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
static int is_lower(uint32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
static int is_word(uint32_t c) {
    return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9');
}

/* Step 3b: sentence case for an all-caps English title (rules in the
 * opening comment). In place. */
static void sentence_case(uint32_t *v, size_t n) {
    size_t up = 0, lo = 0;
    for (size_t i = 0; i < n; i++) {
        up += is_upper(v[i]);
        lo += is_lower(v[i]);
    }
    if (up == 0 || up * 5 < (up + lo) * 4) return;
    size_t i = 0;
    while (i < n) {
        if (!is_word(v[i])) { i++; continue; }
        size_t s = i, e = i;
        int has_lower = 0;
        while (e < n && is_word(v[e])) has_lower |= is_lower(v[e++]);
        size_t len = e - s;
        int keep = has_lower;
        if (!keep && (len == 3 || len == 4) && v[s] >= 'A' && v[s] <= 'H' &&
            v[s + 1] >= '0' && v[s + 1] <= '9' && v[s + 2] >= '0' &&
            v[s + 2] <= '9' && (len == 3 || (v[s + 3] >= 'A' && v[s + 3] <= 'Z')))
            keep = 1; /* IPC symbol */
        if (!keep && is_acronym(v, s, e)) keep = 1;
        if (!keep && len == 1 && e < n && v[e] == '-') keep = 1; /* X-ray */
        if (!keep)
            for (size_t k = s; k < e; k++)
                if (is_upper(v[k])) v[k] += 32;
        i = e;
    }
    for (size_t k = 0; k < n; k++) {
        if (!is_word(v[k])) continue;
        if (is_lower(v[k]) && v[k] != 0xDF && v[k] != 0xFF) v[k] -= 32;
        break;
    }
}

/* Step 3c: join a word broken after its hyphen ("NON- METALS" ->
 * "NON-METALS"); a suspended hyphen before "or"/"and"/"to"/"nor"
 * ("GAMMA- OR X-RAY") keeps its space. In place. */
static size_t join_hyphens(uint32_t *v, size_t n) {
    static const char *const keep[] = {"or ", "and ", "to ", "nor ", NULL};
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        v[o++] = v[i];
        if (v[i] != '-' || i == 0 || !is_word(v[i - 1]) || i + 2 >= n ||
            v[i + 1] != ' ' || !is_word(v[i + 2]))
            continue;
        int suspended = 0;
        for (const char *const *w = keep; *w && !suspended; w++)
            suspended = starts_with(v, n, i + 2, *w);
        if (!suspended) i++; /* skip the space */
    }
    return o;
}

/* Step 4: keep the leading segments that fit in soft (at least one). */
static size_t fit_segments(const uint32_t *v, size_t n, size_t soft) {
    if (n <= soft) return n;
    size_t keep = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !seg_sep(v[i])) continue;
        if (keep == 0 || i <= soft) keep = i;
        else break;
        if (i > soft) break;
    }
    return keep ? keep : n;
}

/* 1 when v[i..) starts with the ASCII text s (case-insensitive). */
static int starts_with(const uint32_t *v, size_t n, size_t i, const char *s) {
    for (; *s; s++, i++) {
        if (i >= n) return 0;
        uint32_t c = v[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        if (c != (uint32_t)(unsigned char)*s) return 0;
    }
    return 1;
}

/* First position of the segment holding v[i]: just after the last
 * "；"/";"/"：" before i, or 0. */
static size_t segment_start(const uint32_t *v, size_t i) {
    while (i > 0 && !seg_sep(v[i - 1])) i--;
    return i;
}

/* Step 5a: drop example clauses from a label still longer than the soft
 * limit. English ", e.g. X, for …" (a function word after the closing
 * comma, other than the first word of X) is an aside: ", e.g. X," goes and
 * "for …" joins the head ("means, e.g. batteries, for the direct …" ->
 * "means for the direct …"). Any other ", e.g." starts a list that runs to
 * the end of the segment ("leather, e.g. tanning, impregnating" ->
 * "leather"). Japanese "，例．…" runs to the next "；" or the end. A clause
 * is kept when removing it would leave a segment of one word (English) or
 * fewer than 4 characters (Japanese). */
static size_t drop_examples(uint32_t *v, size_t n, int ja) {
    static const char *const fw[] = {"for ", "of ", "in ", "with ", "by ",
                                     "to ", "from ", "or ", "and ", NULL};
    size_t i = 0;
    while (i < n) {
        size_t s = i, body, e;
        if (ja) {
            if (!((v[i] == 0xFF0C || v[i] == ',' || v[i] == 0x3001) &&
                  i + 2 < n && v[i + 1] == 0x4F8B && v[i + 2] == 0xFF0E)) {
                i++;
                continue;
            }
            body = i + 3;
        } else {
            if (!(v[i] == ',' && starts_with(v, n, i + 1, " e.g. "))) {
                i++;
                continue;
            }
            body = i + 7;
        }
        int aside = 0;
        for (e = body; e < n && !seg_sep(v[e]) && (ja || v[e] != ','); e++) {}
        if (!ja && e < n && v[e] == ',')
            for (const char *const *w = fw; *w && !aside; w++)
                aside = starts_with(v, n, e + 1, " ") &&
                        starts_with(v, n, e + 2, *w) &&
                        !starts_with(v, n, body, *w);
        if (aside) {
            e++; /* drop the closing comma too */
        } else {
            size_t seg = segment_start(v, s), spaces = 0;
            for (size_t k = seg; k < s; k++) spaces += v[k] == ' ';
            if (ja ? s - seg < 4 : spaces == 0) {
                i = body;
                continue;
            }
            while (e < n && !seg_sep(v[e])) e++;
        }
        memmove(v + s, v + e, (n - e) * sizeof *v);
        n -= e - s;
        i = s;
    }
    return n;
}

/* Step 5b: cut to at most hard characters ending in "…", at a word (or,
 * for Japanese, comma) boundary when one lies in the second half. v has
 * room for n entries; the result is never longer than n. */
static size_t hard_cut(uint32_t *v, size_t n, int ja, size_t hard) {
    static const char *const tail[] = {"or", "and", "of", "for", "the", "in",
                                       "by", "to", "with", "e.g.", NULL};
    if (n <= hard) return n;
    size_t cut = hard - 1;
    for (size_t i = hard - 1; i > hard / 2; i--) {
        if (ja ? sep_rank(v[i]) == 1 : v[i] == ' ') {
            cut = i;
            break;
        }
    }
    n = tidy(v, cut);
    if (!ja) { /* do not end on a function word */
        for (int again = 1; again;) {
            again = 0;
            size_t s = n;
            while (s > 0 && v[s - 1] != ' ') s--;
            for (const char *const *w = tail; *w && s > 0; w++) {
                if (strlen(*w) == n - s && starts_with(v, n, s, *w)) {
                    n = tidy(v, s);
                    again = 1;
                    break;
                }
            }
        }
    }
    v[n++] = 0x2026;
    return n;
}

/* Derive the display label of a full title (steps 1-6 of the opening
 * comment). *out is malloc'd, NULL when nothing is left. TENYO_ERR_INPUT
 * for invalid UTF-8, TENYO_ERR_ARG for a bad argument or language. */
int ty_labels_shorten(const char *title, const char *lang, int level,
                      char **out) {
    if (!title || !out) return TENYO_ERR_ARG;
    *out = NULL;
    int g = ty_labels_lang(lang);
    if (g < 0) return TENYO_ERR_ARG;
    size_t n = strlen(title);
    uint32_t *a = ty_mallocarray(n + 1, sizeof *a);
    uint32_t *b = ty_mallocarray(n + 1, sizeof *b);
    ty_buf o = {0};
    int rc = TENYO_ERR_NOMEM;
    if (!a || !b) goto done;
    size_t m = 0, i = 0;
    while (i < n)
        if (ty_utf8_next((const unsigned char *)title, n, &i, &a[m++])) {
            rc = TENYO_ERR_INPUT;
            goto done;
        }
    int ja = g == 0; /* ty_labels_lang: 0 ja, 1 en */
    m = strip_markup(a, m, b);
    m = tidy(b, m);
    if (!ja) {
        if (level == 0) m = strip_section_prefix(b, m);
        sentence_case(b, m);
        m = join_hyphens(b, m);
    }
    m = fit_segments(b, m, ja ? LAB_SOFT_JA : LAB_SOFT_EN);
    m = tidy(b, m);
    if (m > (ja ? LAB_SOFT_JA : LAB_SOFT_EN))
        m = tidy(b, drop_examples(b, m, ja));
    size_t hard = ja ? LAB_HARD_JA : LAB_HARD_EN;
    m = hard_cut(b, m, ja, hard);
    rc = TENYO_OK;
    if (m == 0) goto done; /* nothing left: no label */
    for (size_t k = 0; k < m && rc == TENYO_OK; k++) rc = utf8_put(&o, b[k]);
    if (rc) goto done;
    *out = o.p;
    o.p = NULL;
done:
    free(a);
    free(b);
    ty_buf_free(&o);
    return rc;
}
