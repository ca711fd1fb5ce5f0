/*
 * openlist.c — licensable patents as data: a list of the
 * patents offered for licence, loaded beside an index from the file an
 * open-patent database gives (INPIT's export, a firm's own list), and
 * applied to the index each time it is opened.
 *
 * Why data beside the index, not a record field. The licensing workflow
 * (the Kawasaki model) starts from a catalogue of licensable patents that
 * changes on its own schedule, while J-PlatPat CSVs carry no such flag: a
 * record field alone (the JSONL "open" member) would mean indexing again
 * for each catalogue change, and would mark nothing in a J-PlatPat index.
 * `tenyo open INDEX --from FILE` resolves the file's numbers against the
 * index and stores the resulting ids as "<index>.upd/OPEN"
 * (store/manifest.c: JSON with a checksum, written atomically under the
 * writer lock). Ids, not document positions: the list holds through add,
 * delete, rebuild and check --repair untouched. The records' own flags
 * stay (open = record OR list); --clear removes only the list.
 *
 * Reading the list file. One number per line, or a CSV / TSV with a
 * header. The number column is the one whose first LIST_PROBE values
 * resolve best (an export has 出願番号, 公開番号 and 登録番号 side by side,
 * and only one of them is the kind the index stores), unless the caller
 * names it. A first line that is a number itself is data, and so is a
 * "header" whose cell in the chosen column resolves (a CSV without a
 * header). Charset: detected by ICU, a Japanese charset preferred as the
 * corpus reader prefers it (exports from Japanese Windows are Shift_JIS; a
 * short one is often guessed Latin, and its header came back garbled). Every number goes through tenyo_index_resolve, so
 * 特開２０２４－１２７４０７ and JP2024-127407A name the same patent;
 * a line that resolves to nothing is reported with file and line (and
 * "did you mean" for the first LIST_SUGGEST of them: suggestions cost a
 * pass over the keys each). One load (struct loader) runs in steps: the
 * rows read and the reading chosen (load_rows), the number column and the
 * first data row (choose_column), the numbers resolved (resolve_rows),
 * the ids written (load_locked).
 *
 * What is refused whole, the previous list kept (SQLite's rule: say why,
 * keep what was there): a NUL byte anywhere (the rows are C strings: a NUL
 * would end the list there in silence, and the shortened list would
 * replace the old one), and in a CSV a malformed row — a quote never closed (it swallows
 * the rest of the file), text after a closing quote, a row cut before the
 * number column — each named with file and line.
 *
 * Rejected: flags written into the base file (a list change would mean a
 * new base, and `rebuild` would have to tell listed from recorded flags);
 * positions in the MANIFEST (renumbered by every rebuild and repair, and
 * dropped with a stale manifest); failing the whole load on one unknown
 * number (exports hold patents of other years or kinds the index lacks:
 * they are reported and counted, the rest loads).
 */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LIST_MAX_BYTES ((size_t)256 << 20) /* list files larger are refused */
#define LIST_MAX_COLS 256                  /* cells read per row */
#define LIST_PROBE 1000                    /* rows tried per column */
#define LIST_SUGGEST 20                    /* unresolved lines given suggestions */
#define LIST_CELL 256                      /* bytes of a number cell kept */

/* ============================================================ the file */

/* One row of the list: its cells (NUL-terminated, trimmed, unquoted) and
 * the line it starts on. The cell pointers of all rows share one array
 * (rows.cells): a fixed LIST_MAX_COLS array per row would cost 2 KB a
 * line, 3.6 GB for a list of 1.77M numbers. */
typedef struct row {
    long line;                /* 1-based line of the row's start */
    int ncell;                /* cells used */
    size_t first;             /* its first cell in rows.cells */
    char **cell;              /* rows.cells + first, set once split */
} row;

/* The whole list as rows. */
typedef struct rows {
    row *r;                   /* rows, in order */
    size_t n, cap;            /* used / allocated */
    char **cells;             /* every row's cells, row after row (owned) */
    size_t ncells, cellcap;   /* used / allocated */
    char *text;               /* UTF-8 text the cells point into (owned) */
    long bad_line;            /* first malformed row (CSV), else 0 */
    const char *bad_why;      /* what is wrong with it */
} rows;

static void rows_free(rows *t) {
    free(t->r);
    free(t->cells);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Trim spaces (ASCII and U+3000) and tabs around s in place. */
static char *trim(char *s) {
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r') s++;
        else if (!strncmp(s, "\xE3\x80\x80", 3)) s += 3;
        else break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
        else if (n >= 3 && !strncmp(s + n - 3, "\xE3\x80\x80", 3)) n -= 3;
        else break;
    }
    s[n] = 0;
    return s;
}

/* 1 when [a, b) holds only spaces and tabs (a cell's quote may follow). */
static int only_space(const char *a, const char *b) {
    for (; a < b; a++)
        if (*a != ' ' && *a != '\t') return 0;
    return 1;
}

/* Room for one more row in t. */
static int grow_rows(rows *t) {
    if (t->n < t->cap) return TENYO_OK;
    size_t c = t->cap ? 2 * t->cap : 256;
    row *r = ty_reallocarray(t->r, c, sizeof *r);
    if (!r) return TENYO_ERR_NOMEM;
    t->r = r;
    t->cap = c;
    return TENYO_OK;
}

/* Cell cs as the next cell of row r (cells past LIST_MAX_COLS are not
 * kept). */
static int add_cell(rows *t, row *r, char *cs) {
    if (r->ncell >= LIST_MAX_COLS) return TENYO_OK;
    if (t->ncells == t->cellcap) {
        size_t c = t->cellcap ? 2 * t->cellcap : 1024;
        char **cc = ty_reallocarray(t->cells, c, sizeof *cc);
        if (!cc) return TENYO_ERR_NOMEM;
        t->cells = cc;
        t->cellcap = c;
    }
    t->cells[t->ncells++] = cs;
    r->ncell++;
    return TENYO_OK;
}

/* Trim row r's cells (a lone cell of a one-per-line list "quoted" as a CSV
 * column is unquoted) and keep it, unless it is blank or a comment: then
 * its cells go with it. */
static void finish_row(rows *t, row *r, char delim) {
    char **cell = t->cells + r->first;
    for (int i = 0; i < r->ncell; i++) cell[i] = trim(cell[i]);
    if (!delim && r->ncell == 1) {
        size_t l = strlen(cell[0]);
        if (l >= 2 && cell[0][0] == '"' && cell[0][l - 1] == '"' &&
            !memchr(cell[0] + 1, '"', l - 2)) {
            cell[0][l - 1] = 0;
            cell[0] = trim(cell[0] + 1);
        }
    }
    int blank = 1;
    for (int i = 0; i < r->ncell && blank; i++) blank = !*cell[i];
    if (blank || cell[0][0] == '#') {
        t->ncells = r->first;
        return;
    }
    t->n++;
}

/* Split the text (modified in place) into rows of cells separated by
 * delim, with "quoted" cells ("" inside is one quote; a quoted cell may
 * hold delim and newlines). delim 0: one cell per line. Blank lines and
 * lines starting with '#' are skipped. The first malformed row — a quote
 * never closed (it would swallow the rest of the file), text after a
 * closing quote — is noted in t->bad_line / bad_why; the caller refuses
 * the list when it reads it as CSV. */
static int split_rows(rows *t, char delim) {
    char *p = t->text;
    long line = 1;
    while (*p) {
        if (grow_rows(t)) return TENYO_ERR_NOMEM;
        row *r = &t->r[t->n];
        r->line = line;
        r->ncell = 0;
        r->first = t->ncells;
        char *w = p; /* cells are rewritten in place, never longer */
        char *cs = w;
        int quoted = 0, any = 0;
        long qline = line; /* where the open quote started */
        for (;;) {
            char ch = *p;
            if (quoted) {
                if (!ch) { /* a quote left open: the cell ends with the file */
                    if (!t->bad_line) {
                        t->bad_line = qline;
                        t->bad_why = "a quoted cell is never closed";
                    }
                    quoted = 0;
                    continue;
                }
                if (ch == '"' && p[1] == '"') { *w++ = '"'; p += 2; continue; }
                if (ch == '"') {
                    quoted = 0;
                    p++;
                    const char *a = p; /* only blanks may follow, up to the cell's end */
                    while (*a == ' ' || *a == '\t' || *a == '\r') a++;
                    if (*a && *a != '\n' && *a != delim && !t->bad_line) {
                        t->bad_line = line;
                        t->bad_why = "text after a closing quote";
                    }
                    continue;
                }
                if (ch == '\n') line++;
                *w++ = ch;
                p++;
                continue;
            }
            if (ch == '"' && delim && only_space(cs, w)) {
                w = cs;
                quoted = 1;
                qline = line;
                p++;
                continue;
            }
            if (!ch || ch == '\n' || (delim && ch == delim)) {
                *w = 0;
                if (add_cell(t, r, cs)) return TENYO_ERR_NOMEM;
                any = 1;
                if (ch == '\n') {
                    line++;
                    p++;
                }
                if (!ch || ch == '\n') break;
                p++;
                w = p; /* the next cell starts here */
                cs = w;
                continue;
            }
            *w++ = ch;
            p++;
        }
        if (!any) break;
        finish_row(t, r, delim);
    }
    for (size_t i = 0; i < t->n; i++) t->r[i].cell = t->cells + t->r[i].first;
    return TENYO_OK;
}

/* TENYO_ERR_INPUT naming path and line when the n bytes of text hold a NUL
 * (a binary file, or UTF-16 read as UTF-8): the rows are C strings, so a
 * NUL would end the list there in silence, and the shortened list would
 * replace the previous one. */
static int refuse_nul(const char *path, const char *text, size_t n, char *err,
                      size_t errlen) {
    const char *z = memchr(text, 0, n);
    if (!z) return TENYO_OK;
    long line = 1;
    for (const char *q = text; q < z; q++) line += *q == '\n';
    ty_seterr(err, errlen, "%s:%ld: a NUL byte (byte %zu): not a text list of patent "
              "numbers", path, line, (size_t)(z - text) + 1);
    return TENYO_ERR_INPUT;
}

/* Read path whole as UTF-8 (its charset detected) into t->text; a NUL
 * anywhere is refused (refuse_nul). */
static int read_list(const char *path, rows *t, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        int e = errno;
        if (f) fclose(f);
        /* an input that cannot be read: TENYO_ERR_IO is for what cannot
         * be written (the list beside the index) */
        return e == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_INPUT;
    }
    ty_buf b = {0};
    int rc = TENYO_OK;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > LIST_MAX_BYTES) {
            ty_seterr(err, errlen, "%s: larger than %zu MiB; not a list of patent numbers", path,
                      LIST_MAX_BYTES >> 20);
            rc = TENYO_ERR_LIMIT;
            break;
        }
        if (ty_buf_append(&b, chunk, n)) {
            rc = TENYO_ERR_NOMEM;
            break;
        }
    }
    if (!rc && ferror(f)) {
        ty_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = TENYO_ERR_INPUT;
    }
    fclose(f);
    if (rc) {
        ty_buf_free(&b);
        return rc;
    }
    char cs[64] = "UTF-8";
    size_t bad = 0;
    if (b.len && !ty_utf8_valid(b.p, b.len, &bad)) { /* as the corpus reader guesses */
        size_t sn = b.len < 65536 ? b.len : 65536;
        ty_charset_detect(b.p, sn, cs, sizeof cs);
        ty_charset_prefer_japanese(b.p, sn, sn < b.len, cs, sizeof cs);
    }
    if (strcmp(cs, "UTF-8")) {
        char *out = NULL;
        size_t outlen = 0;
        char why[TY_ERRLEN];
        rc = ty_charset_to_utf8(cs, b.p, b.len, &out, &outlen, why, sizeof why);
        ty_buf_free(&b);
        if (rc) {
            ty_seterr(err, errlen, "%s: neither UTF-8 nor %s: %s", path, cs, why);
            return TENYO_ERR_INPUT;
        }
        t->text = out;
        return refuse_nul(path, out, outlen, err, errlen);
    }
    if ((rc = refuse_nul(path, b.p, b.len, err, errlen))) {
        ty_buf_free(&b);
        return rc;
    }
    if (b.len >= 3 && !memcmp(b.p, "\xEF\xBB\xBF", 3)) { /* BOM */
        memmove(b.p, b.p + 3, b.len - 3);
        b.len -= 3;
    }
    if (ty_buf_putc(&b, 0)) {
        ty_buf_free(&b);
        return TENYO_ERR_NOMEM;
    }
    t->text = b.p;
    return TENYO_OK;
}

/* ============================================================ resolving */

/* Document of a cell as typed, or -1 (suggestions when sug is given). */
static int64_t resolve(const tenyo_index *x, const char *cell, uint64_t *sug, size_t nsug,
                       size_t *nsugged) {
    int64_t d = -1;
    if (nsugged) *nsugged = 0;
    if (!*cell || strlen(cell) >= LIST_CELL) return -1;
    int r = tenyo_index_resolve(x, cell, &d, sug, nsug, nsugged);
    return r > 0 ? d : -1;
}

/* Delimiter of a CSV reading of text: tab when the first line holds one
 * and no comma, else comma; 0 when the first line holds neither. */
static char pick_delim(const char *text) {
    size_t n = strcspn(text, "\n");
    const char *tab = memchr(text, '\t', n), *comma = memchr(text, ',', n);
    if (!tab && !comma) return 0;
    return tab && !comma ? '\t' : ',';
}

/* Rows of the first LIST_PROBE of t that resolve as whole lines. */
static size_t probe_lines(const tenyo_index *x, const rows *t) {
    size_t got = 0;
    for (size_t i = 0; i < t->n && i <= LIST_PROBE; i++)
        got += t->r[i].ncell && resolve(x, t->r[i].cell[0], NULL, 0, NULL) >= 0;
    return got;
}

/* Index of the column named by column (its header or a 1-based number). */
static int named_column(const row *h, const char *column) {
    for (int i = 0; h && i < h->ncell; i++)
        if (!strcmp(h->cell[i], column)) return i;
    char *end = NULL;
    long v = strtol(column, &end, 10);
    if (end != column && !*end && v >= 1 && v <= LIST_MAX_COLS) return (int)v - 1;
    return -1;
}

/* One load of a list file into an index's list: the list as read, the
 * index its numbers are resolved against, and what was found. */
typedef struct loader {
    const char *path;         /* the index */
    const char *list;         /* the list file */
    const char *column;       /* the number column the caller named, or NULL */
    tenyo_report_fn report;   /* unresolved lines go here (may be NULL) */
    void *ud;                 /* its argument */
    tenyo_index *x;           /* the index, opened */
    rows t;                   /* the list's rows (owned) */
    char delim;               /* their CSV delimiter; 0: one number per line */
    int col;                  /* the number column */
    size_t first;             /* the first data row (1 after a header) */
    tenyo_open_stats s;       /* the counts */
} loader;

/* The column of t whose cells in rows from..LIST_PROBE resolve most (the
 * first of equals; -1 when no row has a cell), that count in *most.
 * Columns are tried while a probed row, or the header hdr when given, has
 * them. */
static int probe_columns(const tenyo_index *x, const rows *t, size_t from, const row *hdr,
                         size_t *most) {
    int best = -1;
    *most = 0;
    for (int c = 0; c < LIST_MAX_COLS; c++) {
        size_t got = 0, had = 0;
        for (size_t i = from; i < t->n && i <= LIST_PROBE; i++)
            if (c < t->r[i].ncell) {
                had = 1;
                got += resolve(x, t->r[i].cell[c], NULL, 0, NULL) >= 0;
            }
        if (hdr && c < hdr->ncell) had = 1;
        if (!had) break;
        if (best < 0 || got > *most) {
            best = c;
            *most = got;
        }
    }
    return best;
}

/* Read the list file into ld->t and open the index: one number per line,
 * or a CSV, whichever reading resolves more of the first rows ("US
 * 6,836,996 B2" is one number with commas). A list without rows, or a
 * malformed CSV row, is refused. */
static int load_rows(loader *ld, char *err, size_t errlen) {
    rows lines = {0};
    int rc = read_list(ld->list, &ld->t, err, errlen);
    if (rc) return rc;
    rc = tenyo_index_open(ld->path, &ld->x, err, errlen);
    if (rc) return rc;
    ld->delim = pick_delim(ld->t.text);
    if (ld->delim) {
        rc = TENYO_ERR_NOMEM;
        if (!(lines.text = ty_strdup(ld->t.text))) goto done;
        rc = split_rows(&lines, 0);
        if (rc) goto done;
    }
    rc = split_rows(&ld->t, ld->delim);
    if (rc) goto done;
    if (ld->t.n == 0) {
        ty_seterr(err, errlen, "%s: no patent number in the file", ld->list);
        rc = TENYO_ERR_INPUT;
        goto done;
    }
    if (ld->delim && !ld->column) {
        size_t best;
        size_t whole = probe_lines(ld->x, &lines);
        probe_columns(ld->x, &ld->t, 0, NULL, &best);
        if (whole > 0 && whole >= best) { /* one per line after all */
            rows_free(&ld->t);
            ld->t = lines;
            memset(&lines, 0, sizeof lines);
            ld->delim = 0;
        }
    }
    if (ld->delim && ld->t.bad_line) {
        ty_seterr(err, errlen, "%s:%ld: malformed CSV row: %s; nothing loaded", ld->list,
                  ld->t.bad_line, ld->t.bad_why);
        rc = TENYO_ERR_INPUT;
    }
done:
    rows_free(&lines);
    return rc;
}

/* The number column (named, or the one that resolves best) and the first
 * data row: a CSV header whose cell in that column resolves is a row of
 * data (no header); in a list of one number per line, a first line that is
 * no number is a header. */
static int choose_column(loader *ld, char *err, size_t errlen) {
    const rows *t = &ld->t;
    tenyo_open_stats *s = &ld->s;
    ld->col = 0;
    ld->first = 0;
    if (ld->delim) {
        const row *h = &t->r[0];
        if (ld->column) {
            ld->col = named_column(h, ld->column);
            if (ld->col < 0) {
                ty_seterr(err, errlen, "%s:%ld: no column '%s' in the header", ld->list,
                          h->line, ld->column);
                return TENYO_ERR_ARG;
            }
        } else {
            size_t most;
            int best = probe_columns(ld->x, t, 1, h, &most);
            ld->col = best < 0 ? 0 : best;
        }
        int col = ld->col;
        ld->first = col < h->ncell && resolve(ld->x, h->cell[col], NULL, 0, NULL) >= 0 ? 0 : 1;
        if (ld->first == 1 && col < h->ncell)
            snprintf(s->column, sizeof s->column, "%s", h->cell[col]);
        else
            snprintf(s->column, sizeof s->column, "%d", col + 1);
    } else if (ld->column && strcmp(ld->column, "1")) {
        ty_seterr(err, errlen, "%s: one number per line: there is no column '%s'", ld->list,
                  ld->column);
        return TENYO_ERR_ARG;
    } else {
        char key[LIST_CELL];
        if (t->n > 1 && tenyo_patno_key(t->r[0].cell[0], key, sizeof key) == 0 &&
            resolve(ld->x, t->r[0].cell[0], NULL, 0, NULL) < 0)
            ld->first = 1;
    }
    return TENYO_OK;
}

/* Tell the caller that row r's cell resolves to nothing, with the ns
 * suggestions sug ("did you mean"). */
static void report_unresolved(const loader *ld, const row *r, const char *cell,
                              const uint64_t *sug, size_t ns) {
    char msg[600];
    int o;
    if (!*cell) o = snprintf(msg, sizeof msg, "no patent number in column %s",
                             *ld->s.column ? ld->s.column : "1");
    else o = snprintf(msg, sizeof msg, "'%.200s' is not in the index", cell);
    for (size_t j = 0; j < ns && o > 0 && (size_t)o < sizeof msg; j++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(ld->x, sug[j], &dm);
        o += snprintf(msg + o, sizeof msg - (size_t)o, "%s%.60s", j ? ", " : "; did you mean ",
                      dm.id);
    }
    ld->report(ld->ud, ld->list, r->line, msg);
}

/* The stored ids of the data rows' numbers, each document once, into
 * ol->ids (allocated here); the counts into ld->s. A CSV row cut before
 * the number column refuses the whole list. */
static int resolve_rows(loader *ld, ty_openlist *ol, char *err, size_t errlen) {
    const rows *t = &ld->t;
    tenyo_open_stats *s = &ld->s;
    int col = ld->col, rc = TENYO_ERR_NOMEM;
    uint8_t *seen = ty_calloc(ld->x->m.ndocs ? ld->x->m.ndocs : 1, 1);
    ol->ids = ty_calloc(t->n, sizeof *ol->ids);
    if (!seen || !ol->ids) goto done;
    for (size_t i = ld->first; i < t->n; i++) {
        const row *r = &t->r[i];
        if (ld->delim && col >= r->ncell) { /* a cut row: its number cannot be read */
            ty_seterr(err, errlen, "%s:%ld: malformed CSV row: %d cell%s, the number column "
                      "'%s' is cell %d; nothing loaded", ld->list, r->line, r->ncell,
                      r->ncell == 1 ? "" : "s", *s->column ? s->column : "1", col + 1);
            rc = TENYO_ERR_INPUT;
            goto done;
        }
        const char *cell = col < r->ncell ? r->cell[col] : "";
        s->lines++;
        uint64_t sug[3];
        size_t ns = 0;
        int give = s->unresolved < LIST_SUGGEST;
        int64_t d = resolve(ld->x, cell, give ? sug : NULL, give ? 3 : 0, &ns);
        if (d < 0) {
            s->unresolved++;
            if (ld->report) report_unresolved(ld, r, cell, sug, ns);
            continue;
        }
        s->resolved++;
        if (seen[d]) {
            s->duplicates++;
            continue;
        }
        seen[d] = 1;
        tenyo_doc_meta dm;
        tenyo_index_doc(ld->x, (uint64_t)d, &dm);
        if (!(ol->ids[ol->n] = ty_strdup(dm.id))) goto done;
        ol->n++;
    }
    rc = TENYO_OK;
done:
    free(seen);
    return rc;
}

/* Loads the list file into the list of the index at path, whose update
 * directory is dir (under the writer lock): rows read, column chosen,
 * numbers resolved, and the ids written as dir/OPEN; nothing is written
 * when no number resolves (the old list is kept). */
static int load_locked(const char *path, const char *dir, const char *list,
                       const char *column, tenyo_report_fn report, void *ud,
                       tenyo_open_stats *st, char *err, size_t errlen) {
    loader ld = {.path = path, .list = list, .column = column, .report = report, .ud = ud};
    ty_openlist ol = {0};
    int rc = load_rows(&ld, err, errlen);
    if (!rc) rc = choose_column(&ld, err, errlen);
    if (!rc) rc = resolve_rows(&ld, &ol, err, errlen);
    if (rc) goto done;
    if (ol.n == 0) {
        ty_seterr(err, errlen, "%s: no patent number resolved to a patent of %s "
                  "(%llu lines read); the old list is kept", list, path,
                  (unsigned long long)ld.s.lines);
        rc = TENYO_ERR_INPUT;
        goto done;
    }
    rc = TENYO_ERR_NOMEM;
    char *rl = realpath(list, NULL);
    ol.source = rl ? rl : ty_strdup(list);
    if (!ol.source) goto done;
    ol.loaded = (int64_t)time(NULL);
    ol.lines = ld.s.lines;
    ol.unresolved = ld.s.unresolved;
    ld.s.listed = ol.n;
    rc = ty_openlist_write(dir, &ol, err, errlen);
done:
    if (st) *st = ld.s;
    ty_openlist_free(&ol);
    tenyo_index_free(ld.x);
    rows_free(&ld.t);
    return rc;
}

int tenyo_open_load(const char *path, const char *list, const char *column,
                    tenyo_report_fn report, void *ud, tenyo_open_stats *st, char *err,
                    size_t errlen) {
    if (!path || !list) return TENYO_ERR_ARG;
    if (st) memset(st, 0, sizeof *st);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    ty_wlock lk;
    int rc = ty_wlock_take(path, &lk, err, errlen);
    if (rc) return rc;
    ty_wlock_collect(&lk);
    rc = load_locked(lk.path, lk.dir, list, column, report, ud, st, err, errlen);
    ty_wlock_release(&lk);
    return rc;
}

int tenyo_open_clear(const char *path, int *had, char *err, size_t errlen) {
    if (had) *had = 0;
    if (!path) return TENYO_ERR_ARG;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ty_seterr(err, errlen, "%s: cannot open the index: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    ty_wlock lk;
    int rc = ty_wlock_take(path, &lk, err, errlen);
    if (rc) return rc;
    rc = ty_openlist_remove(lk.dir, err, errlen);
    ty_wlock_release(&lk);
    if (rc >= 0) {
        if (had) *had = rc;
        rc = TENYO_OK;
    }
    return rc;
}

int tenyo_open_check(const char *list, char *err, size_t errlen) {
    if (!list) return TENYO_ERR_ARG;
    rows t = {0};
    int rc = read_list(list, &t, err, errlen);
    if (!rc) rc = split_rows(&t, pick_delim(t.text));
    if (!rc && t.n == 0) {
        ty_seterr(err, errlen, "%s: no patent number in the file", list);
        rc = TENYO_ERR_INPUT;
    }
    rows_free(&t);
    return rc;
}

int tenyo_writer_open_list(tenyo_writer *w, const char *list, const char *column,
                           tenyo_report_fn report, void *ud, tenyo_open_stats *st, char *err,
                           size_t errlen) {
    if (!w || !list) return TENYO_ERR_ARG;
    if (st) memset(st, 0, sizeof *st);
    const char *path = tenyo_writer_path(w);
    char *dir = ty_upd_dir(path);
    if (!dir) return TENYO_ERR_NOMEM;
    int rc = load_locked(path, dir, list, column, report, ud, st, err, errlen);
    free(dir);
    return rc;
}
