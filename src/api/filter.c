/*
 * filter.c — which documents a query may answer with: publication date
 * range, applicant include / exclude, fields include / exclude (and the
 * keyword query of api/keywords.c). A filter is applied BEFORE the top-k:
 * a filtered similar is the top-k of the matching documents, the same
 * ranking (same scores) as the index with every other document deleted.
 *
 * Shape. A tenyo_filter belongs to one index and collects criteria; the
 * first use compiles them into one byte per document (1: may answer),
 * kept until a criterion changes. tenyo_ctx_set_filter hands the filter to a
 * context (compiled, when it changed, at the next query): the scan (api/ctx.c ty_ctx_score) scores the other documents
 * -inf before anything is ranked or re-scored, so the top-k, the int8
 * re-scoring candidates and the neighbours that vote in ideas
 * (ideas/ideas.c, the same test as open_only) are drawn from the matching
 * documents only. Approximate search (IVF, --nprobe) is not used under a
 * filter: its candidate lists are cut before any filter could apply, so a
 * filtered query scans exactly. Rejected: filtering the k results after the
 * search (k asked, fewer given, and not the best matching ones), and
 * asking for k x some factor (no factor is right for a narrow filter).
 *
 * Criteria. Kinds are AND-ed; values of one include kind are OR-ed (two
 * --applicant values: either); excludes remove.
 *   dates      "YYYY", "YYYY-MM" or "YYYY-MM-DD" (also / or no separator),
 *              inclusive; a year or month is its whole span. A document
 *              without a date never passes a date criterion.
 *   applicant  a substring of the applicant, both sides NFKC case-folded
 *              (ICU, the text adapter): ｉ－ＰＲＯ, i-PRO and I-pro are
 *              one applicant, as are ㈱ and (株) and half- and full-width
 *              katakana. (トヨタ and Toyota stay different: that would be
 *              company matching, not normalisation.) The index's
 *              applicants are folded once, on the first applicant
 *              criterion (ty_once), and kept for later filters.
 *   fields     an IPC section, class or subclass ("G", "G06", "G06F"):
 *              a document passes when one of its subclasses starts with it.
 *   kind       application or grant, as the stored id says it
 *              (tenyo_id_kind: 特開 / 特許, JP…A / JP…B, US numbers);
 *              an id that says neither never passes.
 *   open only  licensable patents: the record's open member, or named by
 *              the index's licensable list (api/openlist.c), as m->open
 *              holds them once the index is open.
 */
#include "api/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_MAX_VALUES 64 /* values per criterion kind */

struct tenyo_filter {
    const tenyo_index *idx;        /* the index (outlives the filter) */
    char from[11], to[11];         /* inclusive date bounds, "" = open */
    int has_dates;                 /* a date criterion was given */
    char *appl[2][FILTER_MAX_VALUES]; /* folded applicant substrings:
                                        [0] include, [1] exclude */
    int nappl[2];                  /* how many of each */
    char field[2][FILTER_MAX_VALUES][5]; /* field prefixes, include/exclude */
    int nfield[2];                 /* how many of each */
    int open_only;                 /* licensable patents only */
    int kind;                      /* TENYO_KIND_* wanted, 0: any */
    uint8_t *kw;                   /* keyword matches (keywords.c), or NULL */
    uint32_t *kw_terms;            /* the keyword query's positive terms */
    size_t nkw_terms;              /* how many */
    float *kw_score;               /* keyword BM25 scores (keywords.c), or NULL */
    int kw_positive;               /* the query has a must-occur unit */
    char note[256];                /* keyword words the index lacks */
    uint8_t *mask;                 /* compiled: 1 per matching document */
    uint64_t nmatch;               /* matching documents */
    int dirty;                     /* criteria changed since compiling */
    char err[TY_ERRLEN];           /* last error */
};

int tenyo_filter_new(const tenyo_index *idx, tenyo_filter **out) {
    if (!idx || !out) return TENYO_ERR_ARG;
    *out = ty_calloc(1, sizeof **out);
    if (!*out) return TENYO_ERR_NOMEM;
    (*out)->idx = idx;
    (*out)->dirty = 1;
    return TENYO_OK;
}

void tenyo_filter_free(tenyo_filter *f) {
    if (!f) return;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < f->nappl[k]; i++) free(f->appl[k][i]);
    free(f->kw);
    free(f->kw_terms);
    free(f->kw_score);
    free(f->mask);
    free(f);
}

const char *tenyo_filter_error(const tenyo_filter *f) { return f ? f->err : ""; }

/* ================================================================ dates */

/* A date as typed (YYYY, YYYY-MM, YYYY-MM-DD; '-', '/' or nothing between)
 * into YYYY-MM-DD, the first (end = 0) or last (end = 1) day of the span;
 * 0, or -1 when it is not such a date. */
int tenyo_date_span(const char *s, int end, char out[11]) {
    if (!s || !out) return -1;
    unsigned y = 0, mo = 0, d = 0;
    int n = 0;
    char rest[2];
    size_t len = strlen(s);
    if (strspn(s, "0123456789") == len && len == 8)
        n = sscanf(s, "%4u%2u%2u%1s", &y, &mo, &d, rest) == 3 ? 3 : -1;
    else if (strspn(s, "0123456789") == len && len == 4)
        n = sscanf(s, "%4u%1s", &y, rest) == 1 ? 1 : -1;
    else if (len == 7 && strspn(s, "0123456789") == 4 && (s[4] == '-' || s[4] == '/') &&
             strspn(s + 5, "0123456789") == 2)
        n = sscanf(s, "%4u%*c%2u", &y, &mo) == 2 ? 2 : -1;
    else if (len == 10 && strspn(s, "0123456789") == 4 && (s[4] == '-' || s[4] == '/') &&
             s[7] == s[4] && strspn(s + 5, "0123456789") == 2 &&
             strspn(s + 8, "0123456789") == 2)
        n = sscanf(s, "%4u%*c%2u%*c%2u", &y, &mo, &d) == 3 ? 3 : -1;
    else
        return -1;
    if (n < 0 || y < 1000) return -1;
    if (n >= 2 && (mo < 1 || mo > 12)) return -1;
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n == 3 && (d < 1 || d > mdays[mo - 1])) return -1;
    if (n < 2) mo = end ? 12 : 1;
    if (n < 3) d = end ? 31 : 1; /* "2024-02-31" as an upper bound is still
                                    after every February date */
    snprintf(out, 11, "%04u-%02u-%02u", y % 10000, mo % 100, d % 100);
    return 0;
}

int tenyo_filter_dates(tenyo_filter *f, const char *from, const char *to) {
    if (!f) return TENYO_ERR_ARG;
    char a[11] = "", b[11] = "";
    if (from && *from && tenyo_date_span(from, 0, a)) {
        ty_seterr(f->err, sizeof f->err,
                  "date '%.40s' is not YYYY, YYYY-MM or YYYY-MM-DD", from);
        return TENYO_ERR_ARG;
    }
    if (to && *to && tenyo_date_span(to, 1, b)) {
        ty_seterr(f->err, sizeof f->err,
                  "date '%.40s' is not YYYY, YYYY-MM or YYYY-MM-DD", to);
        return TENYO_ERR_ARG;
    }
    if (*a && *b && strcmp(a, b) > 0) {
        ty_seterr(f->err, sizeof f->err, "date range %s to %s is empty (from after to)",
                  from, to);
        return TENYO_ERR_ARG;
    }
    memcpy(f->from, a, sizeof a);
    memcpy(f->to, b, sizeof b);
    f->has_dates = *a || *b;
    f->dirty = 1;
    return TENYO_OK;
}

/* ============================================================ applicant */

/* NFKC case folding of s (malloc'd), or NULL (message in err). */
static char *fold(ty_icu *u, const char *s, char *err, size_t errlen) {
    ty_buf b = {0};
    int rc = ty_icu_normalize(u, s, strlen(s), &b);
    if (rc) {
        ty_buf_free(&b);
        ty_seterr(err, errlen, rc == TENYO_ERR_INPUT ? "'%.60s' is not UTF-8"
                                                     : "cannot normalise '%.60s'", s);
        return NULL;
    }
    if (!b.p) return ty_strdup("");
    return b.p;
}

/* The folded applicants of every document, built once per index. */
static int appl_build(void *arg) {
    tenyo_index *x = arg;
    ty_icu *u = NULL;
    int rc = ty_icu_new(&u, NULL, 0);
    if (rc) return rc;
    ty_buf blob = {0}, one = {0};
    x->appl_off = ty_mallocarray(x->m.ndocs + 1, sizeof *x->appl_off);
    rc = x->appl_off ? TENYO_OK : TENYO_ERR_NOMEM;
    /* every document's applicant: the strings decoded whole */
    if (!rc) rc = ty_model_need_meta(&x->m, NULL, 0);
    for (uint64_t i = 0; i < x->m.ndocs && !rc; i++) {
        const char *a = ty_meta_str(&x->m, i, TY_META_APPLICANT);
        x->appl_off[i] = blob.len;
        int r = ty_icu_normalize(u, a, strlen(a), &one);
        if (r == TENYO_ERR_INPUT) { /* not UTF-8 (older files): as stored */
            one.len = 0;
            r = ty_buf_append(&one, a, strlen(a)) ? TENYO_ERR_NOMEM : 0;
        }
        if (r) rc = r;
        else if (ty_buf_append(&blob, one.p ? one.p : "", one.len) || ty_buf_putc(&blob, 0))
            rc = TENYO_ERR_NOMEM;
    }
    if (!rc) x->appl_off[x->m.ndocs] = blob.len;
    x->appl_blob = blob.p;
    if (rc) ty_buf_free(&blob), x->appl_blob = NULL;
    ty_buf_free(&one);
    ty_icu_free(u);
    return rc;
}

int tenyo_filter_applicant(tenyo_filter *f, const char *substr, int exclude) {
    if (!f || !substr) return TENYO_ERR_ARG;
    int k = exclude ? 1 : 0;
    if (f->nappl[k] == FILTER_MAX_VALUES) {
        ty_seterr(f->err, sizeof f->err, "more than %d applicant values", FILTER_MAX_VALUES);
        return TENYO_ERR_LIMIT;
    }
    ty_icu *u = NULL;
    int rc = ty_icu_new(&u, f->err, sizeof f->err);
    if (rc) return rc;
    char *s = fold(u, substr, f->err, sizeof f->err);
    ty_icu_free(u);
    if (!s) return TENYO_ERR_ARG;
    /* surrounding spaces are how it was typed, not what it names */
    size_t a = strspn(s, " "), n = strlen(s + a);
    while (n && s[a + n - 1] == ' ') n--;
    memmove(s, s + a, n);
    s[n] = 0;
    if (!*s) {
        free(s);
        ty_seterr(f->err, sizeof f->err, "empty applicant value");
        return TENYO_ERR_ARG;
    }
    f->appl[k][f->nappl[k]++] = s;
    f->dirty = 1;
    return TENYO_OK;
}

/* ================================================================ fields */

int tenyo_ipc_prefix(const char *code, char out[5]) {
    if (!code || !out) return 0;
    char c[5] = "";
    size_t n = 0;
    for (const char *p = code; *p; p++) {
        if (*p == ' ') continue;
        if (n == 4) return 0;
        c[n++] = (char)toupper((unsigned char)*p);
    }
    /* a section letter A-H, then two digits, then a letter: a prefix of a
     * subclass, cut at a whole part (G, G06, G06F) */
    int ok = (n == 1 || n == 3 || n == 4) && c[0] >= 'A' && c[0] <= 'H' &&
             (n < 3 || (isdigit((unsigned char)c[1]) && isdigit((unsigned char)c[2]))) &&
             (n < 4 || (c[3] >= 'A' && c[3] <= 'Z'));
    if (ok) memcpy(out, c, sizeof c);
    return ok;
}

int tenyo_filter_field(tenyo_filter *f, const char *code, int exclude) {
    if (!f || !code) return TENYO_ERR_ARG;
    int k = exclude ? 1 : 0;
    char c[5];
    if (!tenyo_ipc_prefix(code, c)) {
        ty_seterr(f->err, sizeof f->err,
                  "'%.20s' is not an IPC section, class or subclass (G, G06, G06F)", code);
        return TENYO_ERR_ARG;
    }
    if (f->nfield[k] == FILTER_MAX_VALUES) {
        ty_seterr(f->err, sizeof f->err, "more than %d field values", FILTER_MAX_VALUES);
        return TENYO_ERR_LIMIT;
    }
    memcpy(f->field[k][f->nfield[k]++], c, sizeof c);
    f->dirty = 1;
    return TENYO_OK;
}

/* ============================================================= licensable */

int tenyo_filter_open_only(tenyo_filter *f, int on) {
    if (!f) return TENYO_ERR_ARG;
    f->open_only = on != 0;
    f->dirty = 1;
    return TENYO_OK;
}

int tenyo_filter_kind(tenyo_filter *f, int kind) {
    if (!f || kind < 0 || kind > TENYO_KIND_GRANT) return TENYO_ERR_ARG;
    f->kind = kind;
    f->dirty = 1;
    return TENYO_OK;
}

/* 1 when s starts with prefix. */
static int starts(const char *s, const char *prefix) {
    return !strncmp(s, prefix, strlen(prefix));
}

int tenyo_id_kind(const char *id) {
    if (!id) return TENYO_KIND_UNKNOWN;
    while (*id == ' ') id++;
    static const char *const appl[] = {"特開", "特表", "再表", "実開", "公開", NULL};
    static const char *const grant[] = {"特許", "特公", "実登", "実公", "登録", NULL};
    for (int i = 0; appl[i]; i++)
        if (starts(id, appl[i])) return TENYO_KIND_APPLICATION;
    for (int i = 0; grant[i]; i++)
        if (starts(id, grant[i])) return TENYO_KIND_GRANT;
    size_t n = strlen(id);
    char last = n ? (char)toupper((unsigned char)id[n - 1]) : 0;
    char before = n > 1 ? (char)toupper((unsigned char)id[n - 2]) : 0;
    char kc = isdigit((unsigned char)last) ? before : last; /* A, A1, B2 */
    if ((id[0] == 'J' || id[0] == 'j') && (id[1] == 'P' || id[1] == 'p')) {
        if (kc == 'A') return TENYO_KIND_APPLICATION;
        if (kc == 'B') return TENYO_KIND_GRANT;
        return TENYO_KIND_UNKNOWN;
    }
    if ((id[0] == 'U' || id[0] == 'u') && (id[1] == 'S' || id[1] == 's')) {
        /* "US 2005/0123456 A1", "US06836996-20050104", "US 6,836,996 B2" */
        if (kc == 'A' && n > 2 && isdigit((unsigned char)last)) return TENYO_KIND_APPLICATION;
        if (kc == 'B' && n > 2 && isdigit((unsigned char)last)) return TENYO_KIND_GRANT;
        char key[64];
        if (tenyo_patno_key(id, key, sizeof key) != 1 || strncmp(key, "us", 2))
            return TENYO_KIND_UNKNOWN;
        size_t nd = strspn(key + 2, "0123456789");
        if (nd != strlen(key + 2) || !nd) return TENYO_KIND_UNKNOWN;
        return nd == 11 ? TENYO_KIND_APPLICATION : nd <= 8 ? TENYO_KIND_GRANT
                                                           : TENYO_KIND_UNKNOWN;
    }
    return TENYO_KIND_UNKNOWN;
}

/* ============================================================= keywords */

int ty_filter_set_keywords(tenyo_filter *f, uint8_t *kw, uint32_t *terms, size_t n) {
    free(f->kw);
    free(f->kw_terms);
    free(f->kw_score);
    f->kw_score = NULL;
    f->kw_positive = 0;
    f->kw = kw;
    f->kw_terms = terms;
    f->nkw_terms = n;
    f->dirty = 1;
    return TENYO_OK;
}

void ty_filter_set_kw_scores(tenyo_filter *f, float *score, int positive) {
    free(f->kw_score);
    f->kw_score = score;
    f->kw_positive = positive;
}

const float *ty_filter_kw_scores(const tenyo_filter *f, int *positive) {
    *positive = f->kw && f->kw_score ? f->kw_positive : 0;
    return f->kw ? f->kw_score : NULL;
}

void ty_filter_set_note(tenyo_filter *f, const char *note) {
    snprintf(f->note, sizeof f->note, "%s", note);
}

const char *tenyo_filter_note(const tenyo_filter *f) { return f ? f->note : ""; }

const uint32_t *ty_filter_terms(const tenyo_filter *f, size_t *n) {
    *n = f->kw ? f->nkw_terms : 0;
    return f->kw ? f->kw_terms : NULL;
}

char *ty_filter_errbuf(tenyo_filter *f) { return f->err; }
const tenyo_index *ty_filter_index(const tenyo_filter *f) { return f->idx; }

/* ============================================================== compile */

/* 1 when one of document d's subclasses starts with one of the n codes. */
static int field_any(const ty_model *m, uint64_t d, char (*codes)[5], int n) {
    for (uint64_t j = m->field_ptr[d]; j < m->field_ptr[d + 1]; j++) {
        const char *fc = m->field_code[m->field_ids[j]];
        for (int i = 0; i < n; i++)
            if (!strncmp(fc, codes[i], strlen(codes[i]))) return 1;
    }
    return 0;
}

/* Compile the criteria into f->mask when they changed. */
int ty_filter_compile(tenyo_filter *f) {
    if (!f->dirty) return TENYO_OK;
    tenyo_index *x = (tenyo_index *)f->idx; /* the folded applicants: once */
    const ty_model *m = &x->m;
    if (f->nappl[0] || f->nappl[1]) {
        int rc = ty_once_run(&x->appl_once, appl_build, x);
        if (rc) {
            ty_seterr(f->err, sizeof f->err, "cannot fold the applicants: %s",
                      tenyo_strerror(rc));
            return rc;
        }
    }
    if (f->has_dates) { /* every document's date: the strings decoded whole */
        int rc = ty_model_need_meta(&x->m, f->err, sizeof f->err);
        if (rc) return rc;
    }
    if (f->nfield[0] || f->nfield[1]) { /* every document's fields */
        int rc = ty_model_need_docfields(&x->m, f->err, sizeof f->err);
        if (rc) return rc;
    }
    uint8_t *mask = realloc(f->mask, m->ndocs ? m->ndocs : 1);
    if (!mask) return TENYO_ERR_NOMEM;
    f->mask = mask;
    uint64_t nm = 0;
    for (uint64_t d = 0; d < m->ndocs; d++) {
        int ok = !f->kw || f->kw[d];
        if (ok && f->has_dates) {
            const char *dt = ty_meta_str(m, d, TY_META_DATE);
            ok = strlen(dt) == 10 && (!*f->from || strcmp(dt, f->from) >= 0) &&
                 (!*f->to || strcmp(dt, f->to) <= 0);
        }
        if (ok && (f->nappl[0] || f->nappl[1])) {
            const char *a = x->appl_blob + x->appl_off[d];
            int any = !f->nappl[0];
            for (int i = 0; i < f->nappl[0] && !any; i++) any = strstr(a, f->appl[0][i]) != NULL;
            for (int i = 0; i < f->nappl[1] && any; i++) any = !strstr(a, f->appl[1][i]);
            ok = any;
        }
        if (ok && f->open_only) ok = m->open[d] != 0;
        if (ok && f->kind)
            ok = tenyo_id_kind(ty_meta_str(m, d, TY_META_ID)) == f->kind; /* the frames of ids */
        if (ok && f->nfield[0]) ok = field_any(m, d, f->field[0], f->nfield[0]);
        if (ok && f->nfield[1]) ok = !field_any(m, d, f->field[1], f->nfield[1]);
        mask[d] = (uint8_t)ok;
        nm += (uint64_t)ok;
    }
    f->nmatch = nm;
    f->dirty = 0;
    return TENYO_OK;
}

int64_t tenyo_filter_count(tenyo_filter *f) {
    if (!f) return TENYO_ERR_ARG;
    int rc = ty_filter_compile(f);
    return rc ? rc : (int64_t)f->nmatch;
}

int tenyo_filter_match(tenyo_filter *f, uint64_t doc) {
    if (!f || doc >= f->idx->m.ndocs) return TENYO_ERR_ARG;
    int rc = ty_filter_compile(f);
    return rc ? rc : f->mask[doc];
}

int tenyo_ctx_set_filter(tenyo_ctx *c, tenyo_filter *f) {
    if (!c) return TENYO_ERR_ARG;
    if (f && f->idx != c->idx) {
        ty_seterr(c->err, sizeof c->err, "the filter belongs to another index");
        return TENYO_ERR_ARG;
    }
    c->filter = f;
    return TENYO_OK;
}

const uint8_t *ty_ctx_mask(tenyo_ctx *c, int *rc) {
    *rc = TENYO_OK;
    if (!c->filter) return NULL;
    *rc = ty_filter_compile(c->filter);
    if (*rc) {
        ty_seterr(c->err, sizeof c->err, "%s", c->filter->err);
        return NULL;
    }
    return c->filter->mask;
}
