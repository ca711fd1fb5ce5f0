/*
 * record.c — the record every input parser fills, and the helpers the
 * parsers share: classification-code lists, date normalisation, and the
 * bad-record / warning reports.
 *
 * A parser (jsonl.c, jplatpat.c, jpoxml.c) owns one ty_record and reuses it
 * for every record of a file: ty_record_clear() keeps the buffers' memory, so
 * the steady state allocates nothing per record except the code strings. The
 * reader's sink may instead move the contents out (leaving the record zeroed);
 * clear and free accept both states.
 *
 * Codes are deduplicated as they are added: a linear scan while a record
 * carries a handful (CODES_SCAN), a set of them (ty_strmap) past that, so a
 * record of N codes costs N, not N squared (one record of 160,000 codes took
 * 51 s scanning). This merges
 * a gazette's IPC and FI lists when they name the same group, which is what
 * the index wants: the codes are a set of labels, not a multiset.
 *
 * Reports go through two functions so that every parser words and counts them
 * alike: ty_parse_bad() for a record that is skipped (counted in env->bad)
 * and ty_parse_warn() for a record kept with something dropped (an invalid
 * date, a field of the wrong type). In strict mode ty_parse_bad() instead
 * ends the parse with TENYO_ERR_INPUT and "file:line: message" in env->err,
 * and does not also send it to the callback, so that a program printing
 * both does not print it twice. The messages start with "skipped: " or
 * "warning: " so a reader of the log can tell them apart without a separate
 * severity argument in the public callback.
 */
#include "io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================== record */

void ty_record_clear(ty_record *r) {
    if (!r) return;
    ty_buf *bufs[] = {&r->id,     &r->title,       &r->abstract,
                      &r->claims, &r->description, &r->applicant,
                      &r->date,   &r->lang,        &r->numbers};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        bufs[i]->len = 0;
        if (bufs[i]->p) bufs[i]->p[0] = 0;
    }
    for (size_t i = 0; i < r->ncodes; i++) free(r->codes[i]);
    r->ncodes = 0;
    ty_strmap_free(r->codeset);
    r->codeset = NULL;
    r->open = 0;
    r->line = 0;
}

void ty_record_free(ty_record *r) {
    if (!r) return;
    ty_record_clear(r);
    ty_buf_free(&r->id);
    ty_buf_free(&r->title);
    ty_buf_free(&r->abstract);
    ty_buf_free(&r->claims);
    ty_buf_free(&r->description);
    ty_buf_free(&r->applicant);
    ty_buf_free(&r->date);
    ty_buf_free(&r->lang);
    ty_buf_free(&r->numbers);
    free(r->codes);
    r->codes = NULL;
    r->capcodes = 0;
}

/* Length of the whitespace character at s[0..n) (ASCII space, tab, CR, LF,
 * VT, FF, or U+3000 IDEOGRAPHIC SPACE), 0 when there is none. */
static size_t space_at(const char *s, size_t n) {
    if (!n) return 0;
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) return 3;
    return 0;
}

/* Bytes of trailing whitespace (as space_at) at the end of s[0..n). */
static size_t space_before(const char *s, size_t n) {
    if (!n) return 0;
    unsigned char c = (unsigned char)s[n - 1];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0) return 3;
    return 0;
}

/* Codes a record holds before they are kept as a set too. */
#define CODES_SCAN 32

int ty_record_add_code(ty_record *r, const char *code, size_t n) {
    if (!r || (!code && n)) return TENYO_ERR_ARG;
    size_t k;
    while ((k = space_at(code, n)) != 0) code += k, n -= k;
    while ((k = space_before(code, n)) != 0) n -= k;
    if (!n || memchr(code, 0, n)) return TENYO_OK; /* nothing to add */
    if (!r->codeset && r->ncodes >= CODES_SCAN) { /* many: a set of them */
        if (!(r->codeset = ty_strmap_new())) return TENYO_ERR_NOMEM;
        for (size_t i = 0; i < r->ncodes; i++)
            if (ty_strmap_intern(r->codeset, r->codes[i], strlen(r->codes[i]), NULL) < 0)
                return TENYO_ERR_NOMEM;
    }
    if (r->codeset) {
        int is_new = 0;
        if (ty_strmap_intern(r->codeset, code, n, &is_new) < 0) return TENYO_ERR_NOMEM;
        if (!is_new) return TENYO_OK;
    } else {
        for (size_t i = 0; i < r->ncodes; i++)
            if (strlen(r->codes[i]) == n && memcmp(r->codes[i], code, n) == 0)
                return TENYO_OK;
    }
    if (r->ncodes == r->capcodes) {
        size_t cap = r->capcodes ? r->capcodes * 2 : 8;
        char **p = ty_reallocarray(r->codes, cap, sizeof *p);
        if (!p) return TENYO_ERR_NOMEM;
        r->codes = p;
        r->capcodes = cap;
    }
    char *c = ty_strndup(code, n);
    if (!c) return TENYO_ERR_NOMEM;
    r->codes[r->ncodes++] = c;
    return TENYO_OK;
}

int ty_record_add_codes(ty_record *r, const char *s, size_t n) {
    if (!r || (!s && n)) return TENYO_ERR_ARG;
    /* [start, i) is the code being gathered; a comma ends it unless the
     * next piece starts with a digit (an FI subdivision such as ",331@L") */
    size_t start = 0, i = 0;
    while (i <= n) {
        if (i < n && s[i] != ',') {
            i++;
            continue;
        }
        if (i < n) {
            size_t j = i + 1;
            while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
            if (j < n && s[j] >= '0' && s[j] <= '9' && i > start) {
                i = j; /* continuation: keep gathering */
                continue;
            }
        }
        int rc = ty_record_add_code(r, s + start, i - start);
        if (rc) return rc;
        start = ++i;
    }
    return TENYO_OK;
}

/* ================================================================ dates */

/* Value of the n ASCII digits at s, or -1 when one is not a digit. */
static int digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Normalise "YYYY-MM-DD", "YYYY/MM/DD" or "YYYYMMDD" (surrounding
 * whitespace allowed) in place to "YYYY-MM-DD". The month must be 1..12 and
 * the day exist in that month (leap years counted), the year 1000..9999.
 * Returns 0, or -1 with the buffer unchanged. */
int ty_date_normalize(ty_buf *date) {
    if (!date || !date->p) return -1;
    const char *s = date->p;
    size_t n = date->len, k;
    while ((k = space_at(s, n)) != 0) s += k, n -= k;
    while ((k = space_before(s, n)) != 0) n -= k;
    int y, m, d;
    if (n == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
        y = digits(s, 4);
        m = digits(s + 5, 2);
        d = digits(s + 8, 2);
    } else if (n == 8) {
        y = digits(s, 4);
        m = digits(s + 4, 2);
        d = digits(s + 6, 2);
    } else {
        return -1;
    }
    if (y < 1000 || m < 1 || m > 12 || d < 1) return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return -1;
    if (ty_buf_reserve(date, 11 > date->len ? 11 - date->len : 0)) return -1;
    char out[10] = {(char)('0' + y / 1000), (char)('0' + y / 100 % 10),
                    (char)('0' + y / 10 % 10), (char)('0' + y % 10), '-',
                    (char)('0' + m / 10), (char)('0' + m % 10), '-',
                    (char)('0' + d / 10), (char)('0' + d % 10)};
    memcpy(date->p, out, 10);
    date->p[10] = 0;
    date->len = 10;
    return 0;
}

/* ============================================================== reports */

/* 1 when the record at line is another reader's (ty_want_fn). */
int ty_record_add_number(ty_record *r, const char *s, size_t n) {
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (!n || memchr(s, '\n', n)) return 0; /* none, or not one number */
    if ((r->numbers.len && ty_buf_putc(&r->numbers, '\n')) || ty_buf_append(&r->numbers, s, n))
        return TENYO_ERR_NOMEM;
    return 0;
}

/* ====================================================== gazette markup */

/* Bytes of a line-break tag at s[0..n) (<BR>, <br>, <br/>, <BR />), 0 when
 * none. */
static size_t br_tag(const char *s, size_t n) {
    if (n < 4 || s[0] != '<' || (s[1] != 'B' && s[1] != 'b') || (s[2] != 'R' && s[2] != 'r'))
        return 0;
    size_t i = 3;
    while (i < n && s[i] == ' ') i++;
    if (i < n && s[i] == '/') i++;
    return i < n && s[i] == '>' ? i + 1 : 0;
}

/* Bytes of white space at s[0..n) (ASCII blanks and U+3000), 0 when none. */
static size_t blank_at(const char *s, size_t n) {
    if (n && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) return 1;
    if (n >= 3 && !memcmp(s, "\xE3\x80\x80", 3)) return 3;
    return 0;
}

/* The gazette's lead-ins an abstract may start with, in any order. */
static const char *const lead_ins[] = {
    "(57)", "（５７）", "（57）", "【要約】", "（修正有）", "(修正有)", "【課題・解決手段】",
};

size_t ty_clean_gazette_markup(char *s, size_t n, int abstract) {
    size_t w = 0;
    for (size_t r = 0; r < n;) {
        size_t t = br_tag(s + r, n - r);
        if (t) {
            r += t;
            continue;
        }
        s[w++] = s[r++];
    }
    n = w;
    if (!abstract) return n;
    /* the lead-ins, with the blanks around them */
    size_t a = 0;
    for (int again = 1; again;) {
        again = 0;
        size_t b;
        while ((b = blank_at(s + a, n - a))) a += b;
        for (size_t k = 0; k < sizeof lead_ins / sizeof *lead_ins; k++) {
            size_t ln = strlen(lead_ins[k]);
            if (n - a >= ln && !memcmp(s + a, lead_ins[k], ln)) {
                a += ln;
                again = 1;
            }
        }
    }
    /* the selected-figure line at the end ("【選択図】図７", "【選択図】なし") */
    static const char fig[] = "【選択図】";
    const char *f = NULL;
    for (const char *p = s + a; (p = memmem(p, n - (size_t)(p - s), fig, sizeof fig - 1));
         p += sizeof fig - 1)
        f = p;
    if (f) { /* only when nothing but blanks follows its line */
        const char *nl = memchr(f, '\n', n - (size_t)(f - s));
        size_t i = nl ? (size_t)(nl - s) : n, b;
        while (i < n && (b = blank_at(s + i, n - i))) i += b;
        if (i == n) n = (size_t)(f - s);
    }
    if (a) memmove(s, s + a, n - a);
    n -= a;
    return n;
}

static int not_wanted(const ty_parse_env *env, long line) {
    return env->want && !env->want(env->want_ud, line);
}

int ty_parse_bad(ty_parse_env *env, long line, const char *fmt, ...) {
    if (!env) return TENYO_ERR_ARG;
    if (not_wanted(env, line)) return TENYO_OK;
    char msg[TY_ERRLEN];
    int o = snprintf(msg, sizeof msg, "skipped: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + o, sizeof msg - (size_t)o, fmt, ap);
    va_end(ap);
    env->bad++;
    if (!env->strict) {
        if (env->report)
            env->report(env->report_ud, env->path ? env->path : "", line, msg);
        return TENYO_OK;
    }
    /* strict: the message becomes the fatal error, reported once */
    ty_seterr(env->err, sizeof env->err, "%s:%ld: %s",
              env->path ? env->path : "", line, msg + o);
    return TENYO_ERR_INPUT;
}

void ty_parse_warn(ty_parse_env *env, long line, const char *fmt, ...) {
    if (!env || !env->report || not_wanted(env, line)) return;
    char msg[TY_ERRLEN];
    int o = snprintf(msg, sizeof msg, "warning: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + o, sizeof msg - (size_t)o, fmt, ap);
    va_end(ap);
    env->report(env->report_ud, env->path ? env->path : "", line, msg);
}

int ty_parse_too_big(ty_parse_env *env, long line) {
    if (!env) return TENYO_ERR_ARG;
    size_t max = env->max_record ? env->max_record : TY_MAX_RECORD;
    if (max % ((size_t)1 << 20) == 0)
        return ty_parse_bad(env, line, "record larger than %zu MiB", max >> 20);
    return ty_parse_bad(env, line, "record larger than %zu bytes", max);
}

/* ============================================================= parsers */

int ty_parser_feed(ty_parser *p, const char *text, size_t len, int final) {
    if (!p || !p->feed || (!text && len)) return TENYO_ERR_ARG;
    if (p->rc || p->done) return p->rc;
    p->rc = p->feed(p->impl, text ? text : "", len, final);
    if (final) p->done = 1;
    return p->rc;
}

void ty_parser_free(ty_parser *p) {
    if (!p) return;
    if (p->free) p->free(p->impl);
    memset(p, 0, sizeof *p);
}
