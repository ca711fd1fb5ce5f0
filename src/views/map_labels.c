/*
 * map_labels.c — the text of a field's label on a map and the size of its
 * box, shared by the page's map (GET /api/map, serve_map.c) and the
 * printed report's (report.c), so that both place labels with one rule:
 * tenyo_map_place_labels over boxes sized here.
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
