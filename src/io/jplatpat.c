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
 *   要約 → abstract (the reader removes the gazette's markup: <BR>
 *   inside words, "(57)【要約】（修正有）", "【選択図】": io.h)
 *   出願番号, 登録番号, 公開番号, 公告番号 → the document's other numbers
 *   (tenyo_doc.numbers: 特願2021-080612 finds 特開2022-174662); the
 *   rest is ignored.
 * A header without 文献番号 is refused naming the column and the ones it
 * has. A file without 要約 (J-PlatPat lets the user pick the columns)
 * reads as records without abstract, which the program counts and reports
 * per file.
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
 * Streaming (ty_parser_jplatpat): libcsv is incremental by design, so
 * pieces of text cut anywhere go through the same line-at-a-time feed (a
 * line longer than 64 KiB in several pieces). A row whose fields pass
 * env->max_record (16 MiB) is reported at its line once and dropped: the
 * fields already copied are released, and the field libcsv is gathering is
 * emptied by lowering its entry_pos between csv_parse calls. That reads and
 * writes struct csv_parser, which csv.h declares in full for stack
 * allocation; csv_parse loads those members when it starts and stores them
 * when it returns, so a change between calls is seen, and it is the only
 * way to bound libcsv's buffer on a runaway quoted field (a realloc hook
 * that fails would leave the parser in its error state). libcsv 3.0 later
 * subtracts up to spaces + 1 from entry_pos (trailing blanks, and the
 * quote it stores before knowing whether it closes the field), so that
 * many bytes are kept; a row is judged too large from the bytes sure to
 * stay, which makes the verdict independent of where the text was cut.
 *
 * libcsv runs without CSV_STRICT: a stray quote inside an unquoted field is
 * kept as text, as spreadsheet programs do, instead of failing the file.
 * A quote left open inside a quoted field makes libcsv merge the rows
 * after it, up to the next quote, into one row with too many fields; that
 * row is reported with its line range and counted as the k records it
 * holds (k rows of h fields merge into exactly k * h - (k - 1)), not as
 * one; a row over several lines with any other count (an extra cell in a
 * record whose 要約 spans lines) is one bad record, with its line range.
 * Splitting it back was rejected: where the open quote should have closed
 * is a guess, and a guessed record is worse than a reported loss.
 */
#include "io/io.h"

#include <stdlib.h>
#include <string.h>

#include <csv.h>

/* Columns we use, by header name. */
enum { COL_ID, COL_FILED, COL_PUBLISHED, COL_TITLE, COL_APPLICANT, COL_FI,
       COL_ABSTRACT, COL_APPNO, COL_REGNO, COL_PUBNO, COL_EXAMNO, NCOL };

/* Header name of each column (a second spelling where exports differ). */
static const char *const col_names[NCOL][2] = {
    [COL_ID] = {"文献番号", NULL},
    [COL_FILED] = {"出願日", NULL},
    [COL_PUBLISHED] = {"公知日", NULL},
    [COL_TITLE] = {"発明の名称", NULL},
    [COL_APPLICANT] = {"出願人/権利者", "出願人"},
    [COL_FI] = {"FI", NULL},
    [COL_ABSTRACT] = {"要約", NULL},
    [COL_APPNO] = {"出願番号", NULL},
    [COL_REGNO] = {"登録番号", NULL},
    [COL_PUBNO] = {"公開番号", NULL},
    [COL_EXAMNO] = {"公告番号", NULL},
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
    struct csv_parser p; /* libcsv state, kept between pieces */
    size_t max;          /* longest row accepted (bytes of its fields) */
    size_t row_bytes;    /* bytes of the row's fields completed so far */
    int skip_row;        /* the row is over max: reported, dropped */
} csv_state;

/* ============================================================ callbacks */

/* The row being read is over st->max: report it once, drop its fields
 * and from now on the bytes libcsv gathers for it. */
static void too_big(csv_state *st) {
    st->skip_row = 1;
    st->nfields = 0;
    int rc = ty_parse_too_big(st->env, st->row_line);
    if (rc) st->rc = rc;
}

/* Bytes of the field libcsv is gathering that are sure to stay in it: its
 * buffer may end with blanks it trims and, after a quote in a quoted
 * field, that quote (libcsv 3.0's FIELD_MIGHT_HAVE_ENDED state). */
static size_t gathered(const struct csv_parser *p) {
    return p->entry_pos > p->spaces + 1 ? p->entry_pos - p->spaces - 1 : 0;
}

/* Empty what libcsv gathered of a dropped row's field, between two
 * csv_parse calls. libcsv later takes back up to spaces + 1 bytes (the
 * blanks and the quote above), so that many stay. */
static void drop_gathered(struct csv_parser *p) {
    if (p->entry_pos > p->spaces + 1) p->entry_pos = p->spaces + 1;
}

/* libcsv field callback: keep a copy of the field (NUL-terminated by
 * CSV_APPEND_NULL) in the row. */
static void on_field(void *s, size_t len, void *data) {
    csv_state *st = data;
    if (st->rc || st->skip_row) return;
    if (len > st->max - st->row_bytes) {
        too_big(st);
        return;
    }
    st->row_bytes += len;
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
        char have[160] = "";
        size_t l = 0;
        for (size_t i = 0; i < st->nfields && l + 8 < sizeof have; i++) {
            const char *name = st->fields[i].p;
            if (i == 0 && !strncmp(name, "\xEF\xBB\xBF", 3)) name += 3;
            int w = snprintf(have + l, sizeof have - l, "%s%s", i ? "," : "", name);
            if (w < 0 || (size_t)w >= sizeof have - l) {
                snprintf(have + (sizeof have - 5), 5, "...");
                break;
            }
            l += (size_t)w;
        }
        st->rc = TENYO_ERR_INPUT;
        ty_seterr(st->env->err, sizeof st->env->err,
                  "%s:%ld: J-PlatPat CSV header without the 文献番号 column (the "
                  "publication number each record needs); the header has: %s",
                  st->env->path, st->row_line, have);
        return;
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

/* The row's other numbers (application, registration, ...) into r; 0 or
 * NOMEM. A number equal to the id is left out. */
static int add_numbers(const csv_state *st, ty_record *r) {
    static const int cols[] = {COL_APPNO, COL_REGNO, COL_PUBNO, COL_EXAMNO};
    const ty_buf *id = field(st, COL_ID);
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        const ty_buf *f = field(st, cols[i]);
        if (!f->len || (f->len == id->len && !memcmp(f->p, id->p, f->len))) continue;
        if (ty_record_add_number(r, f->p, f->len)) return TENYO_ERR_NOMEM;
    }
    return 0;
}

/* Turn the row into a record and hand it to the sink. */
static void take_row(csv_state *st) {
    ty_parse_env *env = st->env;
    long line = st->row_line;
    if (st->nfields > st->nheader && st->nheader > 1 && st->line > line &&
        (st->nfields - 1) % (st->nheader - 1) == 0) {
        /* a quote left open swallows the rows after it up to the next
         * quote: k rows merged give k * h - (k - 1) fields, exactly. Every
         * one of them is lost, so every one is counted. Any other count
         * over several lines (an extra cell in a record whose 要約 spans
         * lines) is one bad record, reported below */
        size_t k = (st->nfields - 1) / (st->nheader - 1);
        st->rc = ty_parse_bad(env, line, "%zu fields over lines %ld-%ld, the header has %zu: "
                              "a quote left open seems to have merged %zu records; all "
                              "skipped (counted as %zu)", st->nfields, line, st->line,
                              st->nheader, k, k);
        if (!st->rc) env->bad += k - 1;
        return;
    }
    if (st->nfields != st->nheader) {
        if (st->line > line)
            st->rc = ty_parse_bad(env, line, "%zu fields over lines %ld-%ld, the header has "
                                  "%zu", st->nfields, line, st->line, st->nheader);
        else
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
        put(st, COL_APPLICANT, &r->applicant) || put(st, COL_ABSTRACT, &r->abstract) ||
        ty_record_add_codes(r, fi->p, fi->len) || put(st, c, &r->date) ||
        add_numbers(st, r)) {
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
    if (!st->rc && !st->skip_row) {
        if (!st->have_header)
            take_header(st);
        else
            take_row(st);
    }
    st->nfields = 0;
    st->need_start = 1;
    st->row_bytes = 0;
    st->skip_row = 0;
}

/* ================================================================ parse */

/* Longest piece given to csv_parse at once: a line longer than this is
 * fed in several pieces so that an over-long row is noticed early. */
#define CSV_PIECE ((size_t)64 << 10)

/* Feed text[0..len): one physical line (or CSV_PIECE bytes of a longer
 * one) at a time, so that the line of each row's first byte is known. */
static int csv_feed(void *impl, const char *text, size_t len, int final) {
    csv_state *st = impl;
    ty_parse_env *env = st->env;
    const char *path = env->path ? env->path : "";
    while (len && !st->rc) {
        const char *nl = memchr(text, '\n', len < CSV_PIECE ? len : CSV_PIECE);
        size_t n = nl ? (size_t)(nl - text) + 1 : (len < CSV_PIECE ? len : CSV_PIECE);
        if (st->need_start) {
            for (size_t i = 0; i < n; i++)
                if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
                    text[i] != '\n') {
                    st->row_line = st->line;
                    st->need_start = 0;
                    break;
                }
        }
        if (csv_parse(&st->p, text, n, on_field, on_row, st) != n && !st->rc) {
            st->rc = TENYO_ERR_NOMEM;
            ty_seterr(env->err, sizeof env->err, "%s:%ld: CSV parser: %s", path,
                      st->line, csv_strerror(csv_error(&st->p)));
        }
        /* the field libcsv is gathering counts towards the row too (only
         * the bytes sure to stay, so that the verdict is the one the
         * complete field would get, wherever the text was cut) */
        if (!st->rc && !st->skip_row && gathered(&st->p) > st->max - st->row_bytes)
            too_big(st);
        if (st->skip_row) drop_gathered(&st->p);
        if (nl) st->line++;
        text += n;
        len -= n;
    }
    if (final && !st->rc) {
        csv_fini(&st->p, on_field, on_row, st);
        if (!st->rc && !st->have_header) {
            st->rc = TENYO_ERR_INPUT;
            ty_seterr(env->err, sizeof env->err,
                      "%s: empty file, no J-PlatPat header", path);
        }
    }
    return st->rc;
}

static void csv_state_free(void *impl) {
    csv_state *st = impl;
    if (!st) return;
    csv_free(&st->p);
    for (size_t i = 0; i < st->capfields; i++) ty_buf_free(&st->fields[i]);
    free(st->fields);
    ty_record_free(&st->rec);
    free(st);
}

int ty_parser_jplatpat(ty_parse_env *env, ty_parser *p) {
    if (!env || !env->sink || !p) return TENYO_ERR_ARG;
    memset(p, 0, sizeof *p);
    csv_state *st = calloc(1, sizeof *st);
    if (!st || csv_init(&st->p, CSV_APPEND_NULL) != 0) {
        free(st);
        ty_seterr(env->err, sizeof env->err, "%s: out of memory",
                  env->path ? env->path : "");
        return TENYO_ERR_NOMEM;
    }
    st->env = env;
    st->need_start = 1;
    st->line = 1;
    st->max = env->max_record ? env->max_record : TY_MAX_RECORD;
    for (int c = 0; c < NCOL; c++) st->col[c] = -1;
    p->feed = csv_feed;
    p->free = csv_state_free;
    p->impl = st;
    return TENYO_OK;
}

/* Parse a J-PlatPat CSV export text[0..len) (UTF-8). */
int ty_parse_jplatpat(ty_parse_env *env, const char *text, size_t len) {
    if (!env || !env->sink || (!text && len)) return TENYO_ERR_ARG;
    ty_parser p;
    int rc = ty_parser_jplatpat(env, &p);
    if (rc) return rc;
    rc = ty_parser_feed(&p, text, len, 1);
    ty_parser_free(&p);
    return rc;
}
