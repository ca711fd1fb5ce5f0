/*
 * icu.c — the ICU adapter: charset detection and conversion, NFKC case
 * folding, word break. The only file of tenyo that includes ICU headers.
 *
 * Charset detection: a sample that is well-formed UTF-8 (a character cut at
 * the end of the sample is allowed) is UTF-8 — that covers pure ASCII and the
 * BOM case, and avoids ICU's detector guessing a Latin charset for short
 * ASCII files. Otherwise ICU's ucsdet picks among its recognisers; for
 * Japanese it tells Shift_JIS, EUC-JP and ISO-2022-JP apart by their byte
 * statistics. Shift_JIS is converted with ICU's "Shift_JIS" converter, which
 * is IBM-943 (a CP932 superset: NEC and IBM extensions, ①, ㈱ ...), since
 * files labelled Shift_JIS in the wild are CP932. The reader converts
 * large files chunk by chunk (ty_conv_*: ucnv_convertEx with flush = 0 and
 * the pivot kept in the handle, so a character cut between chunks, or the
 * shift state of ISO-2022-JP, carries over).
 *
 * Normalisation: NFKC with Unicode case folding (ICU's NFKC_Casefold, the
 * form UAX #31 recommends for identifier matching), so ＬＥＤ, LED and led
 * become one term, half-width katakana become full-width and ① becomes 1.
 * ICU normalises UTF-16, so text goes UTF-8 -> UTF-16 -> normalised UTF-16 ->
 * UTF-8 through two scratch arrays kept in the per-thread ty_icu: after the
 * first documents no call allocates. Input is processed in pieces of at
 * most TY_ICU_PIECE bytes cut just before an ASCII byte (no composition has
 * an ASCII second element, so that is always a normalisation boundary) or
 * before a character for which ICU reports a boundary; that bounds the
 * scratch size whatever the document length. Pure-ASCII pieces take a fast
 * path (NFKC_Casefold changes only A-Z in ASCII). Rejected: u_strToLower
 * after NFKC (two passes, and lower-casing is not case folding: ß, ſ), and
 * normalising the UTF-8 directly (Normalizer2::normalizeUTF8 exists only in
 * ICU's C++ API; this adapter stays C).
 *
 * Display width (tenyo_text_width, tenyo_text_fit: the terminal tables of
 * the CLI): a character takes 2 columns when its East_Asian_Width (UAX #11,
 * u_getIntPropertyValue UCHAR_EAST_ASIAN_WIDTH) is Wide or Fullwidth
 * (kanji, kana, ＡＢＣ, most emoji), 0 for combining marks, enclosing marks,
 * format and control characters, 1 otherwise: Ambiguous (…, ①, Greek)
 * counts 1, as terminals outside CJK locales draw it; half-width katakana
 * 1. Bytes that are not UTF-8 count 1 each (they print as one replacement
 * or escape). Rejected: wcwidth(3) (depends on the process locale and the C
 * library's Unicode version; a C locale gives -1 for every kanji).
 *
 * Bidirectional controls (tenyo_text_bidi, ty_text_unbidi): ICU's
 * Bidi_Control property, which records lose when indexed and displays
 * leave out, so that an unclosed U+202E cannot reverse a printed line.
 * Only a lead byte 0xD8 or 0xE2 can start one: other text is one compare
 * a byte.
 *
 * Word break: one UBreakIterator (UBRK_WORD, root locale) per ty_icu,
 * pointed at each text through a reused UText over the UTF-8 bytes
 * (ubrk_setUText instead of ubrk_setText), so boundaries come back as byte
 * offsets and nothing is converted. Only segments whose rule status says
 * "word" (letters, numbers, kana, ideographs) are reported; spaces and
 * punctuation are not.
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
#include <unicode/utypes.h>

/* ============================================================== UTF-8 */

int ty_utf8_valid(const char *p, size_t len, size_t *bad) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        else if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else goto fail;
        if (len - i <= n) goto fail;
        for (size_t j = 1; j <= n; j++) {
            if ((s[i + j] & 0xC0) != 0x80) goto fail;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            goto fail;
        i += n + 1;
    }
    return 1;
fail:
    if (bad) *bad = i;
    return 0;
}

/* ============================================================ charsets */

/* 1 when the invalid tail buf[bad..len) is a UTF-8 lead byte followed only
 * by continuation bytes, fewer than the lead announces: a character cut by
 * the end of a sample, not a foreign charset. */
static int utf8_cut_tail(const char *buf, size_t len, size_t bad) {
    const unsigned char *s = (const unsigned char *)buf;
    if (len < 8 || bad >= len || len - bad > 3) return 0;
    unsigned c = s[bad];
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3
                : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (!need || len - bad >= need) return 0;
    for (size_t i = bad + 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return 1;
}

int ty_charset_detect(const char *buf, size_t len, char *name,
                      size_t namelen) {
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        ty_seterr(name, namelen, "UTF-8");
        return TENYO_OK;
    }
    if (len >= 2 && memcmp(buf, "\xFF\xFE", 2) == 0) {
        ty_seterr(name, namelen, "UTF-16LE");
        return TENYO_OK;
    }
    if (len >= 2 && memcmp(buf, "\xFE\xFF", 2) == 0) {
        ty_seterr(name, namelen, "UTF-16BE");
        return TENYO_OK;
    }
    size_t bad = 0;
    /* a character cut by the end of the sample is still UTF-8 */
    if (ty_utf8_valid(buf, len, &bad) || utf8_cut_tail(buf, len, bad)) {
        ty_seterr(name, namelen, "UTF-8");
        return TENYO_OK;
    }
    UErrorCode st = U_ZERO_ERROR;
    UCharsetDetector *d = ucsdet_open(&st);
    if (U_FAILURE(st)) return TENYO_ERR_DEPENDENCY;
    int32_t n = len > INT32_MAX ? INT32_MAX : (int32_t)len;
    ucsdet_setText(d, buf, n, &st);
    const UCharsetMatch *m = ucsdet_detect(d, &st);
    const char *nm = m && U_SUCCESS(st) ? ucsdet_getName(m, &st) : NULL;
    if (!nm || U_FAILURE(st)) nm = "Shift_JIS"; /* most likely for our users */
    ty_seterr(name, namelen, "%s", nm);
    ucsdet_close(d);
    return TENYO_OK;
}

int ty_charset_same(const char *a, const char *b) {
    if (!ucnv_compareNames(a, b)) return 1;
    UErrorCode sa = U_ZERO_ERROR, sb = U_ZERO_ERROR;
    UConverter *ca = ucnv_open(a, &sa), *cb = ucnv_open(b, &sb);
    int same = 0;
    if (U_SUCCESS(sa) && U_SUCCESS(sb)) {
        const char *na = ucnv_getName(ca, &sa), *nb = ucnv_getName(cb, &sb);
        same = U_SUCCESS(sa) && U_SUCCESS(sb) && !strcmp(na, nb);
    }
    if (ca) ucnv_close(ca);
    if (cb) ucnv_close(cb);
    return same;
}

int ty_charset_to_utf8(const char *from, const char *in, size_t inlen,
                       char **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    if (outlen) *outlen = 0;
    UErrorCode st = U_ZERO_ERROR;
    UConverter *src = ucnv_open(from, &st);
    if (U_FAILURE(st)) {
        ty_seterr(err, errlen, "unknown encoding '%s'", from);
        return TENYO_ERR_DEPENDENCY;
    }
    UConverter *dst = ucnv_open("UTF-8", &st);
    if (U_FAILURE(st)) {
        ucnv_close(src);
        ty_seterr(err, errlen, "ICU has no UTF-8 converter");
        return TENYO_ERR_DEPENDENCY;
    }
    /* Stop on bytes that are not valid in the source charset, rather than
     * silently substituting U+FFFD: a wrong --encoding must be noticed. */
    ucnv_setToUCallBack(src, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    size_t cap = inlen * 3 / 2 + 16, used = 0;
    char *buf = malloc(cap + 1);
    if (!buf) goto nomem;
    const char *s = in, *se = in + inlen;
    UChar pivot[4096], *ps = pivot, *pt = pivot;
    for (;;) {
        char *t = buf + used, *te = buf + cap;
        st = U_ZERO_ERROR;
        ucnv_convertEx(dst, src, &t, te, &s, se, pivot, &ps, &pt,
                       pivot + 4096, used == 0 && s == in, 1, &st);
        used = (size_t)(t - buf);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) goto nomem;
            buf = nb;
            cap = ncap;
            continue;
        }
        if (U_FAILURE(st)) {
            ty_seterr(err, errlen,
                      "bytes near offset %zu are not valid %s (%s)",
                      (size_t)(s - in), from, u_errorName(st));
            free(buf);
            ucnv_close(src);
            ucnv_close(dst);
            return TENYO_ERR_INPUT;
        }
        break;
    }
    buf[used] = 0;
    /* drop a byte-order mark */
    if (used >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, used - 2);
        used -= 3;
    }
    ucnv_close(src);
    ucnv_close(dst);
    *out = buf;
    if (outlen) *outlen = used;
    return TENYO_OK;
nomem:
    free(buf);
    ucnv_close(src);
    ucnv_close(dst);
    ty_seterr(err, errlen, "out of memory converting %zu bytes", inlen);
    return TENYO_ERR_NOMEM;
}

/* ---------------------------------------------------- streaming convert */

/* Streaming conversion for the reader: the same strict conversion as
 * ty_charset_to_utf8, but fed piece by piece. ucnv_convertEx with
 * flush = 0 keeps a character cut at the end of a piece (and the state of
 * a stateful charset such as ISO-2022-JP) inside the converters until the
 * next piece; the pivot buffer lives in the handle for the same reason.
 * Offsets in messages count from the start of the stream, so they are the
 * same as ty_charset_to_utf8 gives for the whole input. */
struct ty_conv {
    UConverter *src;          /* from the input charset (stop on bad bytes) */
    UConverter *dst;          /* to UTF-8 */
    UChar pivot[4096];        /* UTF-16 between the two, kept across calls */
    UChar *ps, *pt;           /* pivot source / target positions */
    int started;              /* a call has been made (reset only before) */
    int bom_checked;          /* the start of the output was looked at */
    uint64_t consumed;        /* input bytes consumed by earlier calls */
    uint64_t bad_at;          /* stream offset of the first invalid byte */
    char name[64];            /* charset name, for messages */
};

int ty_conv_open(const char *from, ty_conv **out, char *err, size_t errlen) {
    if (!from || !out) return TENYO_ERR_ARG;
    *out = NULL;
    ty_conv *c = calloc(1, sizeof *c);
    if (!c) {
        ty_seterr(err, errlen, "out of memory");
        return TENYO_ERR_NOMEM;
    }
    UErrorCode st = U_ZERO_ERROR;
    c->src = ucnv_open(from, &st);
    if (U_FAILURE(st)) {
        ty_seterr(err, errlen, "unknown encoding '%s'", from);
        ty_conv_free(c);
        return TENYO_ERR_DEPENDENCY;
    }
    c->dst = ucnv_open("UTF-8", &st);
    if (U_FAILURE(st)) {
        ty_seterr(err, errlen, "ICU has no UTF-8 converter");
        ty_conv_free(c);
        return TENYO_ERR_DEPENDENCY;
    }
    ucnv_setToUCallBack(c->src, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    c->ps = c->pt = c->pivot;
    ty_seterr(c->name, sizeof c->name, "%s", from);
    *out = c;
    return TENYO_OK;
}

void ty_conv_free(ty_conv *c) {
    if (!c) return;
    if (c->src) ucnv_close(c->src);
    if (c->dst) ucnv_close(c->dst);
    free(c);
}

uint64_t ty_conv_bad_offset(const ty_conv *c) {
    return c ? c->bad_at : 0;
}

int ty_conv_run(ty_conv *c, const char *in, size_t inlen, int flush,
                ty_buf *out, char *err, size_t errlen) {
    if (!c || !out || (!in && inlen)) return TENYO_ERR_ARG;
    const char *s = in ? in : "", *se = s + inlen;
    size_t start = out->len;
    /* UTF-8 is at most 3 bytes per UTF-16 unit, and a legacy byte gives
     * at most one unit: start with room for 3/2 and grow on overflow */
    size_t want = inlen / 2 * 3 + 64;
    for (;;) {
        if (ty_buf_reserve(out, want)) goto nomem;
        char *t = out->p + out->len, *te = out->p + out->cap - 1;
        UErrorCode st = U_ZERO_ERROR;
        ucnv_convertEx(c->dst, c->src, &t, te, &s, se, c->pivot, &c->ps,
                       &c->pt, c->pivot + 4096, !c->started, flush ? 1 : 0,
                       &st);
        c->started = 1;
        out->len = (size_t)(t - out->p);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            want = out->cap;
            continue;
        }
        if (U_FAILURE(st)) {
            char bytes[8];
            int8_t nb = sizeof bytes;
            UErrorCode e2 = U_ZERO_ERROR;
            ucnv_getInvalidChars(c->src, bytes, &nb, &e2);
            if (U_FAILURE(e2) || nb < 0) nb = 0;
            uint64_t at = c->consumed + (uint64_t)(s - in);
            c->bad_at = at >= (uint64_t)nb ? at - (uint64_t)nb : 0;
            ty_seterr(err, errlen,
                      "bytes near offset %llu are not valid %s (%s)",
                      (unsigned long long)at, c->name, u_errorName(st));
            out->len = start;
            out->p[out->len] = 0;
            return TENYO_ERR_INPUT;
        }
        break;
    }
    c->consumed += inlen;
    out->p[out->len] = 0;
    /* drop a byte-order mark at the start of the stream (the first call
     * that gives output: the reader's first piece is far longer) */
    if (!c->bom_checked && out->len > start) {
        c->bom_checked = 1;
        if (out->len - start >= 3 && !memcmp(out->p + start, "\xEF\xBB\xBF", 3)) {
            memmove(out->p + start, out->p + start + 3, out->len - start - 2);
            out->len -= 3;
        }
    }
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "out of memory converting %zu bytes", inlen);
    return TENYO_ERR_NOMEM;
}

/* ======================================================= normalisation */

/* Largest piece of input normalised in one go (bytes); bounds the UTF-16
 * scratch of a ty_icu at a few times this size. */
#define TY_ICU_PIECE (64 * 1024)
/* Longest text ty_icu_words accepts: ICU break iterators report int32_t
 * native offsets. */
#define TY_ICU_MAX_WORDS_TEXT ((size_t)1 << 30)

struct ty_icu {
    const UNormalizer2 *nfkc;  /* NFKC_Casefold singleton (owned by ICU) */
    UBreakIterator *words;     /* word-break iterator, re-pointed per call */
    UText *ut;                 /* UTF-8 UText reused by ty_icu_words */
    UChar *u16;                /* scratch: a piece of input in UTF-16 */
    int32_t u16cap;            /* UChars allocated in u16 */
    UChar *n16;                /* scratch: the normalised piece */
    int32_t n16cap;            /* UChars allocated in n16 */
};

int ty_icu_new(ty_icu **out, char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    int rc = TENYO_ERR_DEPENDENCY;
    UErrorCode st = U_ZERO_ERROR;
    ty_icu *u = ty_calloc(1, sizeof *u);
    if (!u) {
        ty_seterr(err, errlen, "out of memory for ICU state");
        return TENYO_ERR_NOMEM;
    }
    u->nfkc = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) {
        ty_seterr(err, errlen, "ICU NFKC_Casefold data unavailable (%s)",
                  u_errorName(st));
        goto fail;
    }
    u->words = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st)) {
        ty_seterr(err, errlen, "ICU word break iterator unavailable (%s)",
                  u_errorName(st));
        goto fail;
    }
    *out = u;
    return TENYO_OK;
fail:
    ty_icu_free(u);
    return rc;
}

void ty_icu_free(ty_icu *u) {
    if (!u) return;
    if (u->words) ubrk_close(u->words);
    if (u->ut) utext_close(u->ut);
    free(u->u16);
    free(u->n16);
    free(u);
}

/* Grow a UTF-16 scratch array to at least need UChars. 0 or NOMEM. */
static int grow16(UChar **p, int32_t *cap, size_t need) {
    if (need <= (size_t)*cap) return TENYO_OK;
    if (need > INT32_MAX / 2) return TENYO_ERR_LIMIT;
    size_t ncap = (size_t)*cap * 2;
    if (ncap < need) ncap = need;
    if (ncap < 256) ncap = 256;
    if (ncap > INT32_MAX) ncap = INT32_MAX;
    UChar *np = ty_reallocarray(*p, ncap, sizeof *np);
    if (!np) return TENYO_ERR_NOMEM;
    *p = np;
    *cap = (int32_t)ncap;
    return TENYO_OK;
}

/* Length of the next piece of s[0..len) (len > TY_ICU_PIECE) to normalise
 * alone: it ends just before a character where normalisation cannot look
 * across (an ASCII byte, else a character with a boundary before it), and
 * never inside a UTF-8 sequence. */
static size_t piece_len(const ty_icu *u, const unsigned char *s, size_t len) {
    size_t lim = len < TY_ICU_PIECE ? len : TY_ICU_PIECE;
    for (size_t i = lim; i > lim / 2; i--)
        if (s[i] < 0x80) return i;
    /* no ASCII in the second half: look for an ICU boundary */
    for (size_t i = lim; i > lim / 2; i--) {
        if ((s[i] & 0xC0) == 0x80) continue; /* not a lead byte */
        int32_t k = 0;
        UChar32 c;
        int32_t n = (int32_t)(len - i < 4 ? len - i : 4);
        U8_NEXT(s + i, k, n, c);
        if (c >= 0 && unorm2_hasBoundaryBefore(u->nfkc, c)) return i;
    }
    /* pathological: half a piece of combining marks; any character start */
    size_t i = lim;
    while (i > 0 && (s[i] & 0xC0) == 0x80) i--;
    return i ? i : lim;
}

/* Normalise one piece s[0..n) and append it to out. */
static int normalize_piece(ty_icu *u, const char *s, size_t n, ty_buf *out) {
    size_t i = 0;
    while (i < n && (unsigned char)s[i] < 0x80) i++;
    if (i == n) { /* ASCII: NFKC_Casefold is A-Z -> a-z */
        if (ty_buf_reserve(out, n + 1)) return TENYO_ERR_NOMEM;
        char *d = out->p + out->len;
        for (size_t k = 0; k < n; k++) {
            char c = s[k];
            d[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        out->len += n;
        return TENYO_OK;
    }
    int rc = grow16(&u->u16, &u->u16cap, n + 1);
    if (rc) return rc;
    UErrorCode st = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(u->u16, u->u16cap, &ulen, s, (int32_t)n, &st);
    if (U_FAILURE(st)) return TENYO_ERR_INPUT; /* not UTF-8 */
    int32_t nlen;
    for (;;) {
        st = U_ZERO_ERROR;
        nlen = unorm2_normalize(u->nfkc, u->u16, ulen, u->n16, u->n16cap, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            rc = grow16(&u->n16, &u->n16cap, (size_t)nlen + 1);
            if (rc) return rc;
            continue;
        }
        if (U_FAILURE(st)) return TENYO_ERR_INPUT;
        break;
    }
    /* a UTF-16 unit becomes at most 3 UTF-8 bytes (a pair becomes 4) */
    size_t need;
    if (ty_mul_overflow((size_t)nlen, 3, &need) || need > INT32_MAX)
        return TENYO_ERR_LIMIT;
    if (ty_buf_reserve(out, need + 1)) return TENYO_ERR_NOMEM;
    int32_t blen = 0;
    st = U_ZERO_ERROR;
    u_strToUTF8(out->p + out->len, (int32_t)need, &blen, u->n16, nlen, &st);
    if (U_FAILURE(st) && st != U_STRING_NOT_TERMINATED_WARNING)
        return TENYO_ERR_INPUT;
    out->len += (size_t)blen;
    return TENYO_OK;
}

/* NFKC_Casefold of in[0..len) into out (replacing its contents). Returns
 * TENYO_ERR_INPUT for bytes that are not UTF-8, NOMEM or LIMIT otherwise;
 * out is NUL-terminated on success. */
int ty_icu_normalize(ty_icu *u, const char *in, size_t len, ty_buf *out) {
    if (!u || !out || (!in && len)) return TENYO_ERR_ARG;
    out->len = 0;
    if (ty_buf_reserve(out, len + 1)) return TENYO_ERR_NOMEM;
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (n > TY_ICU_PIECE)
            n = piece_len(u, (const unsigned char *)in + pos, n);
        int rc = normalize_piece(u, in + pos, n, out);
        if (rc) return rc;
        pos += n;
    }
    if (ty_buf_reserve(out, 1)) return TENYO_ERR_NOMEM;
    out->p[out->len] = 0;
    return TENYO_OK;
}

/* ========================================================== word break */

/* Report every word-like segment of text[0..len) (UTF-8) to emit, in order.
 * Returns TENYO_OK, TENYO_ERR_LIMIT for texts over 1 GiB, or
 * TENYO_ERR_DEPENDENCY when ICU refuses the text. */
int ty_icu_words(ty_icu *u, const char *text, size_t len,
                 void (*emit)(void *ud, const char *w, size_t n), void *ud) {
    if (!u || !emit || (!text && len)) return TENYO_ERR_ARG;
    if (len == 0) return TENYO_OK;
    if (len > TY_ICU_MAX_WORDS_TEXT) return TENYO_ERR_LIMIT;
    UErrorCode st = U_ZERO_ERROR;
    UText *ut = utext_openUTF8(u->ut, text, (int64_t)len, &st);
    if (U_FAILURE(st)) return TENYO_ERR_DEPENDENCY;
    u->ut = ut;
    ubrk_setUText(u->words, ut, &st);
    if (U_FAILURE(st)) return TENYO_ERR_DEPENDENCY;
    int32_t prev = ubrk_first(u->words);
    for (int32_t b = ubrk_next(u->words); b != UBRK_DONE;
         prev = b, b = ubrk_next(u->words)) {
        if (ubrk_getRuleStatus(u->words) >= UBRK_WORD_NONE_LIMIT &&
            b > prev && (size_t)b <= len)
            emit(ud, text + prev, (size_t)(b - prev));
    }
    /* do not keep a pointer to the caller's text past the call */
    static const UChar empty[1] = {0};
    st = U_ZERO_ERROR;
    ubrk_setText(u->words, empty, 0, &st);
    return TENYO_OK;
}

/* ======================================================= display width */

/* Columns of code point c on a terminal (see the opening comment). */
static int char_width(UChar32 c) {
    int8_t t = u_charType(c);
    if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_FORMAT_CHAR ||
        t == U_CONTROL_CHAR)
        return 0;
    int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

size_t tenyo_text_width(const char *s, size_t len) {
    if (!s) return 0;
    size_t w = 0;
    int32_t i = 0, n = len > INT32_MAX ? INT32_MAX : (int32_t)len;
    while (i < n) {
        UChar32 c;
        U8_NEXT((const uint8_t *)s, i, n, c);
        w += c < 0 ? 1 : (size_t)char_width(c);
    }
    return w;
}

size_t tenyo_text_bidi(const char *s) {
    if (!s || ((uint8_t)*s != 0xD8 && (uint8_t)*s != 0xE2)) return 0;
    int32_t i = 0, n = s[1] && s[2] ? 3 : s[1] ? 2 : 1;
    UChar32 c;
    U8_NEXT((const uint8_t *)s, i, n, c);
    return c >= 0 && u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL) ? (size_t)i : 0;
}

int ty_text_unbidi(const char *s, char **out) {
    *out = NULL;
    size_t n = 0, cut = 0;
    for (const char *p = s; p && *p; p++, n++) cut += tenyo_text_bidi(p);
    if (!cut) return TENYO_OK;
    char *o = malloc(n - cut + 1), *q = o;
    if (!o) return TENYO_ERR_NOMEM;
    for (const char *p = s; *p;) {
        size_t b = tenyo_text_bidi(p);
        if (b) p += b;
        else *q++ = *p++;
    }
    *q = 0;
    *out = o;
    return TENYO_OK;
}

int ty_text_unspaced(const char *s, ty_buf *out) {
    out->len = 0;
    size_t n = s ? strlen(s) : 0;
    if (ty_buf_reserve(out, n + 1)) return TENYO_ERR_NOMEM;
    if (n > INT32_MAX) { /* beyond ICU's offsets: as it is */
        memcpy(out->p, s, n + 1);
        out->len = n;
        return TENYO_OK;
    }
    int32_t i = 0;
    while ((size_t)i < n) {
        int32_t at = i;
        UChar32 c;
        U8_NEXT(s, i, (int32_t)n, c);
        if (c >= 0 && u_isUWhiteSpace(c)) continue;
        memcpy(out->p + out->len, s + at, (size_t)(i - at));
        out->len += (size_t)(i - at);
    }
    out->p[out->len] = 0;
    return TENYO_OK;
}

size_t tenyo_text_fit(const char *s, size_t len, size_t cols) {
    if (!s) return 0;
    size_t w = 0;
    int32_t i = 0, n = len > INT32_MAX ? INT32_MAX : (int32_t)len;
    while (i < n) {
        int32_t at = i;
        UChar32 c;
        U8_NEXT((const uint8_t *)s, i, n, c);
        size_t cw = c < 0 ? 1 : (size_t)char_width(c);
        if (w + cw > cols) return (size_t)at;
        w += cw;
    }
    /* zero-width marks that follow stay with their character */
    return (size_t)i;
}
