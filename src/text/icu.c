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
 * files labelled Shift_JIS in the wild are CP932.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
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
    if (ty_utf8_valid(buf, len, &bad) || (len > 4 && bad + 4 > len)) {
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
