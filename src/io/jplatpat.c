/*
 * jplatpat.c — J-PlatPat CSV exports (the libcsv adapter; the only file of
 * tenyo that includes csv.h).
 *
 * J-PlatPat writes one header row in Japanese and then one row per
 * publication, every field quoted; the 要約 field holds the whole abstract,
 * line breaks included, so one record spans many physical lines. Columns
 * are found by header name, not position, because exports differ: some lack
 * 要約, some add ステージ and イベント詳細. Mapping:
 *   文献番号 → id (required: without it the whole file is refused)
 *   公知日 → date (publication), 出願日 when 公知日 is empty
 *   発明の名称 → title, 出願人/権利者 (or 出願人) → applicant
 *   FI → codes (comma-separated inside the quoted field)
 *   要約 → abstract, without its leading "(57)【要約】"
 *   出願番号 and the rest are ignored.
 *
 * Line numbers. libcsv reports fields and rows but no positions. Rather than
 * writing a CSV scanner of our own just to count lines (rejected: libcsv's
 * quote handling of real-world files is the reason to use it), the text is
 * fed to csv_parse() one physical line at a time; the line being fed when a
 * row's first byte arrives is that row's line. A row whose field count
 * differs from the header's is a bad record reported at that line, as is a
 * field that is not valid UTF-8 (possible when the reader took the file for
 * UTF-8 with a few broken bytes).
 *
 * libcsv runs without CSV_STRICT: a stray quote inside an unquoted field is
 * kept as text, as spreadsheet programs do, instead of failing the file.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <csv.h>

/* Columns we use, by header name. */
enum { COL_ID, COL_FILED, COL_PUBLISHED, COL_TITLE, COL_APPLICANT, COL_FI,
       COL_ABSTRACT, NCOL };

/* Header name of each column (a second spelling where exports differ). */
static const char *const col_names[NCOL][2] = {
    [COL_ID] = {"文献番号", NULL},
    [COL_FILED] = {"出願日", NULL},
    [COL_PUBLISHED] = {"公知日", NULL},
    [COL_TITLE] = {"発明の名称", NULL},
    [COL_APPLICANT] = {"出願人/権利者", "出願人"},
    [COL_FI] = {"FI", NULL},
    [COL_ABSTRACT] = {"要約", NULL},
};

/* Parser state shared with the libcsv callbacks. */
typedef struct csv_state {
    ty_parse_env *env;   /* where records and reports go */
    ty_buf *fields;      /* fields of the row being read */
    size_t nfields;      /* fields used in this row */
    size_t capfields;    /* entries allocated in fields */
    int have_header;     /* the header row has been read */
    size_t nheader;      /* fields in the header row */
    int col[NCOL];       /* field index of each column, -1 when absent */
    long line;           /* physical line being fed (1-based) */
    long row_line;       /* line where the current row started */
    int need_start;      /* the next non-blank line starts a row */
    ty_record rec;       /* record being filled (reused) */
    int rc;              /* status that stops the parse, 0 while going on */
} csv_state;

/* ============================================================ callbacks */

/* libcsv field callback: keep a copy of the field (NUL-terminated by
 * CSV_APPEND_NULL) in the row. */
static void on_field(void *s, size_t len, void *data) {
    csv_state *st = data;
    if (st->rc) return;
    if (st->nfields == st->capfields) {
        size_t cap = st->capfields ? st->capfields * 2 : 32;
        ty_buf *f = ty_reallocarray(st->fields, cap, sizeof *f);
        if (!f) goto nomem;
        memset(f + st->capfields, 0, (cap - st->capfields) * sizeof *f);
        st->fields = f;
        st->capfields = cap;
    }
    ty_buf *b = &st->fields[st->nfields];
    b->len = 0;
    if (ty_buf_append(b, s ? s : "", s ? len : 0)) goto nomem;
    st->nfields++;
    return;
nomem:
    st->rc = TENYO_ERR_NOMEM;
    ty_seterr(st->env->err, sizeof st->env->err, "%s:%ld: out of memory",
              st->env->path, st->row_line);
}

/* Map header names to columns; refuse a header without 文献番号. */
static void take_header(csv_state *st) {
    for (int c = 0; c < NCOL; c++) st->col[c] = -1;
    for (size_t i = 0; i < st->nfields; i++) {
        const char *name = st->fields[i].p;
        if (i == 0 && !strncmp(name, "\xEF\xBB\xBF", 3)) name += 3;
        for (int c = 0; c < NCOL; c++)
            for (int k = 0; k < 2; k++)
                if (col_names[c][k] && st->col[c] < 0 &&
                    !strcmp(name, col_names[c][k]))
                    st->col[c] = (int)i;
    }
    st->nheader = st->nfields;
    st->have_header = 1;
    if (st->col[COL_ID] < 0) {
        st->rc = TENYO_ERR_INPUT;
        ty_seterr(st->env->err, sizeof st->env->err,
                  "%s:%ld: not a J-PlatPat export: the header has no 文献番号 "
                  "column",
                  st->env->path, st->row_line);
    }
}

/* Field c of the row ("" when the column is absent). */
static const ty_buf *field(const csv_state *st, int c) {
    static const ty_buf none = {(char *)"", 0, 0};
    return st->col[c] < 0 ? &none : &st->fields[st->col[c]];
}

/* Copy field c into b. */
static int put(const csv_state *st, int c, ty_buf *b) {
    const ty_buf *f = field(st, c);
    return ty_buf_append(b, f->p, f->len);
}

/* Append the abstract without J-PlatPat's "(57)【要約】" lead-in. */
static int put_abstract(const csv_state *st, ty_buf *b) {
    const ty_buf *f = field(st, COL_ABSTRACT);
    const char *s = f->p;
    size_t n = f->len;
    static const char *const leads[] = {"(57)", "（５７）", "【要約】"};
    for (size_t k = 0; k < sizeof leads / sizeof *leads; k++) {
        while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
            s++, n--;
        size_t ln = strlen(leads[k]);
        if (n >= ln && !memcmp(s, leads[k], ln)) s += ln, n -= ln;
    }
    return ty_buf_append(b, s, n);
}

/* Turn the row into a record and hand it to the sink. */
static void take_row(csv_state *st) {
    ty_parse_env *env = st->env;
    long line = st->row_line;
    if (st->nfields != st->nheader) {
        st->rc = ty_parse_bad(env, line, "%zu fields, the header has %zu",
                              st->nfields, st->nheader);
        return;
    }
    for (size_t i = 0; i < st->nfields; i++) {
        size_t bad = 0;
        if (!ty_utf8_valid(st->fields[i].p, st->fields[i].len, &bad)) {
            st->rc = ty_parse_bad(env, line,
                                  "invalid UTF-8 in field %zu at byte %zu",
                                  i + 1, bad + 1);
            return;
        }
        if (memchr(st->fields[i].p, 0, st->fields[i].len)) {
            st->rc = ty_parse_bad(env, line, "NUL byte in field %zu", i + 1);
            return;
        }
    }
    ty_record *r = &st->rec;
    ty_record_clear(r);
    r->line = line;
    const ty_buf *fi = field(st, COL_FI);
    int c = field(st, COL_PUBLISHED)->len ? COL_PUBLISHED : COL_FILED;
    if (put(st, COL_ID, &r->id) || put(st, COL_TITLE, &r->title) ||
        put(st, COL_APPLICANT, &r->applicant) || put_abstract(st, &r->abstract) ||
        ty_record_add_codes(r, fi->p, fi->len) || put(st, c, &r->date)) {
        st->rc = TENYO_ERR_NOMEM;
        ty_seterr(env->err, sizeof env->err, "%s:%ld: out of memory",
                  env->path, line);
        return;
    }
    if (r->date.len && ty_date_normalize(&r->date)) {
        ty_parse_warn(env, line, "%s is not a date: \"%.40s\", ignored",
                      col_names[c][0], r->date.p);
        r->date.len = 0;
        r->date.p[0] = 0;
    }
    int rc = env->sink(env->ud, r);
    if (rc) st->rc = rc < 0 ? rc : TENYO_ERR_INPUT;
}

/* libcsv row callback: the header first, then records. */
static void on_row(int c, void *data) {
    (void)c;
    csv_state *st = data;
    if (!st->rc) {
        if (!st->have_header)
            take_header(st);
        else
            take_row(st);
    }
    st->nfields = 0;
    st->need_start = 1;
}

/* ================================================================ parse */

/* Parse a J-PlatPat CSV export text[0..len) (UTF-8). */
int ty_parse_jplatpat(ty_parse_env *env, const char *text, size_t len) {
    if (!env || !env->sink || (!text && len)) return TENYO_ERR_ARG;
    const char *path = env->path ? env->path : "";
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        ty_seterr(env->err, sizeof env->err, "%s: out of memory", path);
        return TENYO_ERR_NOMEM;
    }
    csv_state st = {.env = env, .need_start = 1};
    for (int c = 0; c < NCOL; c++) st.col[c] = -1;
    size_t pos = 0;
    while (pos < len && !st.rc) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) + 1 : len - pos;
        pos += n;
        st.line++;
        if (st.need_start) {
            for (size_t i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
                    s[i] != '\n') {
                    st.row_line = st.line;
                    st.need_start = 0;
                    break;
                }
        }
        if (csv_parse(&p, s, n, on_field, on_row, &st) != n && !st.rc) {
            st.rc = TENYO_ERR_NOMEM;
            ty_seterr(env->err, sizeof env->err, "%s:%ld: CSV parser: %s", path,
                      st.line, csv_strerror(csv_error(&p)));
        }
    }
    if (!st.rc) csv_fini(&p, on_field, on_row, &st);
    if (!st.rc && !st.have_header) {
        st.rc = TENYO_ERR_INPUT;
        ty_seterr(env->err, sizeof env->err,
                  "%s: empty file, no J-PlatPat header", path);
    }
    csv_free(&p);
    for (size_t i = 0; i < st.capfields; i++) ty_buf_free(&st.fields[i]);
    free(st.fields);
    ty_record_free(&st.rec);
    return st.rc;
}
