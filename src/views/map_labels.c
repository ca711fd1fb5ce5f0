/*
 * map_labels.c — the labels of a map picture, assembled once for the
 * page's map (GET /api/map, serve/serve_map.c) and the printed report's
 * (report.c): what goes on the picture (cli_map_labels_field, _point,
 * _largest: the largest fields in the picture named, the rest background
 * markers), the text of a field's label and the size of its box, and
 * their placement (tenyo_map_place_labels), so that both place labels
 * with one rule. Who calls whom: serve_map.c and report.c call these;
 * they call the library's map (tenyo.h).
 *
 * Text boxes are estimated, not measured (the server has no font
 * renderer): CLI_MAP_FONT_PX pixels high, CLI_MAP_NARROW_PX per narrow
 * column and CLI_MAP_WIDE_PX per wide character (East Asian Wide = 2
 * columns, the rule of the terminal output) — a little wider than Noto
 * Sans CJK or IPAGothic at 11 px, so that estimated boxes that do not
 * overlap hold drawn text that does not either (tests/e2e.sh measures the
 * page's drawn text with getBBox; the report draws each label with its
 * box's width as textLength, so its text never runs past the box).
 * Rejected: measuring in the browser (the page would place labels itself
 * and the report, a file without script, could not).
 */
#include "views.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pixel width of text's box as a map draws it at CLI_MAP_FONT_PX. The
 * ellipsis of a cut title (U+2026, one column to the terminal) is drawn as
 * wide as a kanji by the Japanese fonts: it counts as wide. */
double cli_map_label_px(const char *text) {
    size_t cols = tenyo_text_width(text, strlen(text)), chars = 0, ell = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        chars += (*p & 0xC0) != 0x80;
        ell += p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA6;
    }
    size_t wide = cols > chars ? cols - chars : 0, narrow = chars > wide ? chars - wide : 0;
    if (ell > narrow) ell = narrow;
    return (double)(narrow - ell) * CLI_MAP_NARROW_PX + (double)(wide + ell) * CLI_MAP_WIDE_PX + 4;
}

/* "CODE title" with the title cut to CLI_MAP_LABEL_COLS columns ("…"
 * where cut). A subclass named by its class ("（クラス）車両一般"): the
 * columns go to the title; the table or card beside the map says whose
 * it is. */
void cli_map_label_text(char *out, size_t cap, const char *code, const char *title) {
    static const char *const marks[] = {"（クラス）", "（セクション）", "(class) ", "(section) "};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (!strncmp(title, marks[i], strlen(marks[i]))) title += strlen(marks[i]);
    size_t tl = strlen(title), keep = tenyo_text_fit(title, tl, CLI_MAP_LABEL_COLS);
    if (keep < tl) keep = tenyo_text_fit(title, tl, CLI_MAP_LABEL_COLS - 1);
    snprintf(out, cap, "%s%s%.*s%s", code, *title ? " " : "", (int)keep, title,
             keep < tl ? "…" : "");
}

/* The radius of a field's marker (its documents and the largest field's):
 * 2 + 9 sqrt(documents / largest). */
double cli_map_field_radius(uint64_t docs, uint64_t most) {
    return 2 + 9 * sqrt((double)docs / (double)(most ? most : 1));
}

int cli_map_labels_init(cli_map_labels *ml, const tenyo_index *x, const tenyo_map *m,
                        const cli_map_view *v, size_t cap, const char *lang) {
    memset(ml, 0, sizeof *ml);
    ml->x = x;
    ml->m = m;
    ml->v = *v;
    ml->lang = lang;
    const char *code;
    uint64_t cnt;
    ml->most = 1;
    for (uint32_t j = 0; tenyo_index_field(x, j, &code, &cnt) == TENYO_OK; j++, ml->nf++)
        if (cnt > ml->most) ml->most = cnt;
    ml->cap = cap + ml->nf;
    ml->l = calloc(ml->cap ? ml->cap : 1, sizeof *ml->l);
    ml->it = calloc(ml->cap ? ml->cap : 1, sizeof *ml->it);
    ml->taken = calloc(ml->nf ? ml->nf : 1, 1);
    if (ml->l && ml->it && ml->taken) return 0;
    cli_map_labels_free(ml);
    return -1;
}

void cli_map_labels_free(cli_map_labels *ml) {
    free(ml->l);
    free(ml->it);
    free(ml->taken);
    ml->l = NULL;
    ml->it = NULL;
    ml->taken = NULL;
    ml->n = 0;
}

/* The picture's coordinates of map point xy. */
static void to_px(const cli_map_view *v, const double *xy, double *px, double *py) {
    *px = v->pad + (xy[0] - v->x0) * v->sx;
    *py = v->pad + (v->y1 - xy[1]) * v->sy;
}

/* Entry n: a marker at picture point (px, py) of radius r, labelled text
 * (NULL: a marker only), for field j (-1: none). */
static int add(cli_map_labels *ml, double px, double py, double r, const char *text, int64_t j,
               int soft, int important, int tag) {
    if (ml->n >= ml->cap) return -1;
    size_t n = ml->n++;
    ml->l[n] = (tenyo_map_label){.x = px, .y = py, .r = r, .h = CLI_MAP_BOX_H, .soft = soft,
                                 .important = important};
    cli_map_item *it = &ml->it[n];
    it->field = (int32_t)j;
    it->tag = tag;
    it->text[0] = 0;
    if (text) {
        snprintf(it->text, sizeof it->text, "%s", text);
        ml->l[n].w = cli_map_label_px(it->text);
    }
    if (j >= 0 && (uint64_t)j < ml->nf) ml->taken[j] = 1;
    return 0;
}

int cli_map_labels_field(cli_map_labels *ml, uint32_t j, double r, const char *text,
                         int important, int tag) {
    double xy[2], px, py;
    const char *code;
    uint64_t cnt;
    if (j >= ml->nf || ml->taken[j] || tenyo_map_field(ml->m, j, xy) != TENYO_OK ||
        tenyo_index_field(ml->x, j, &code, &cnt) != TENYO_OK)
        return 0;
    char t[160];
    if (!text) {
        cli_map_label_text(t, sizeof t, code, tenyo_field_label(ml->x, code, ml->lang));
        text = t;
    }
    to_px(&ml->v, xy, &px, &py);
    return add(ml, px, py, r, text, j, 0, important, tag) ? -1 : 1;
}

int cli_map_labels_point(cli_map_labels *ml, const double *xy, double r, const char *text,
                         int64_t field, int important, int tag) {
    double px, py;
    to_px(&ml->v, xy, &px, &py);
    return add(ml, px, py, r, text, field, 0, important, tag);
}

/* qsort_r order of field numbers: more documents first, then the lower
 * number (a total order, the same on every run). */
static int by_documents(const void *a, const void *b, void *ud) {
    const tenyo_index *x = ud;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const char *c;
    uint64_t ni = 0, nj = 0;
    tenyo_index_field(x, i, &c, &ni);
    tenyo_index_field(x, j, &c, &nj);
    return ni != nj ? (ni > nj ? -1 : 1) : (i > j) - (i < j);
}

int cli_map_labels_largest(cli_map_labels *ml, long named, int tag) {
    uint32_t *order = malloc((ml->nf ? ml->nf : 1) * sizeof *order);
    if (!order) return -1;
    for (uint32_t j = 0; j < ml->nf; j++) order[j] = j;
    qsort_r(order, ml->nf, sizeof *order, by_documents, (void *)ml->x);
    int rc = 0;
    for (uint32_t a = 0; a < ml->nf && !rc; a++) {
        uint32_t j = order[a];
        const char *code;
        uint64_t cnt;
        double xy[2], px, py;
        if (ml->taken[j] || tenyo_index_field(ml->x, j, &code, &cnt) != TENYO_OK ||
            tenyo_map_field(ml->m, j, xy) != TENYO_OK)
            continue;
        to_px(&ml->v, xy, &px, &py);
        if (px < 0 || py < 0 || px > ml->v.width || py > ml->v.height) continue;
        char t[160];
        int label = named-- > 0; /* else a background marker */
        if (label) cli_map_label_text(t, sizeof t, code, tenyo_field_label(ml->x, code, ml->lang));
        rc = add(ml, px, py, cli_map_field_radius(cnt, ml->most), label ? t : NULL, j, !label, 0,
                 tag);
    }
    free(order);
    return rc;
}

size_t cli_map_labels_place(cli_map_labels *ml) {
    int n = tenyo_map_place_labels(ml->l, ml->n, ml->v.width, ml->v.height);
    return n > 0 ? (size_t)n : 0;
}
