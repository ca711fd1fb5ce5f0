/*
 * term.c — terminal tables: columns aligned by display width, titles cut
 * to the terminal.
 *
 * Japanese ids and titles are two columns per character, so printf's
 * "%-18s" (bytes) misaligns them: 特開2024-127407 is 21 bytes but 15
 * columns. Every padded cell here is measured with tenyo_text_width (ICU's
 * East_Asian_Width, in the library's text adapter) and padded with spaces
 * to its display width. The last cell of a line (the title) is cut to what
 * the terminal has left, with "…", so that a result is one line: the width
 * is the terminal's (TIOCGWINSZ on standard output), else $COLUMNS when
 * set (tests, scripts), else no cut (output piped to a file keeps whole
 * titles; --json always does). Rejected: wcswidth(3) (the C library's
 * tables and the process locale decide; under LANG=C every kanji is -1).
 *
 * Who calls whom: called by cmd_ideas.c, cmd_match.c, cmd_search.c,
 * cmd_similar.c; calls views/safe.c and the library (tenyo.h).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cli_term_cols(void) {
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    char *end = NULL;
    long v = c ? strtol(c, &end, 10) : 0;
    return c && end != c && !*end && v >= 20 && v <= 10000 ? (int)v : 0;
}

/* Every cell passes cli_safe first (control characters escaped: ids and
 * titles come from untrusted records), and is measured as printed. */
size_t cli_width(const char *s) {
    if (!s) return 0;
    s = cli_safe(s);
    return tenyo_text_width(s, strlen(s));
}

void cli_pad(const char *s, size_t cols) {
    s = cli_safe(s);
    fputs(s, stdout);
    for (size_t w = cli_width(s); w < cols; w++) fputc(' ', stdout);
}

long cli_room(int cols, long used) {
    if (!cols) return 0;
    return cols - used > 1 ? cols - used : 1;
}

void cli_cut(const char *s, long room) {
    /* a title on one line (cli_one_line), then control characters escaped */
    size_t whole = s && strpbrk(s, "\n\r\t") ? strlen(s) + 1 : 0;
    char *folded = whole ? malloc(whole) : NULL;
    if (folded) s = cli_one_line(s, folded, whole);
    s = cli_safe(s);
    size_t len = strlen(s);
    if (room <= 0 || tenyo_text_width(s, len) <= (size_t)room) {
        fputs(s, stdout);
    } else {
        size_t n = room > 1 ? tenyo_text_fit(s, len, (size_t)room - 1) : 0;
        fwrite(s, 1, n, stdout);
        fputs("…", stdout); /* one column (East Asian Ambiguous) */
    }
    free(folded);
}

/* ==================================================== the hits table */

void cli_print_hits(const tenyo_index *x, const tenyo_hit *hits, int n) {
    /* id and fields columns as wide as their widest cell (at least 18 and
     * 16), by display width; the title gets what the terminal has left */
    size_t wid = 18, wf = 16;
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, hits[i].doc, &dm);
        size_t a = cli_width(dm.id), b = cli_width(dm.fields);
        if (a > wid) wid = a;
        if (b > wf) wf = b;
    }
    int cols = cli_term_cols();
    printf("%4s  %6s  ", "rank", "score");
    cli_pad("id", wid + 1);
    cli_pad("fields", wf + 1);
    printf("title\n");
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, hits[i].doc, &dm);
        printf("%4d  %6.3f  ", i + 1, (double)hits[i].score);
        cli_pad(dm.id, wid + 1);
        cli_pad(dm.fields[0] ? dm.fields : "-", wf + 1);
        cli_cut(dm.title,
                cli_room(cols, (long)(4 + 2 + 6 + 2 + wid + 1 + wf + 1) + (dm.open ? 8 : 0)));
        printf("%s\n", dm.open ? "  [open]" : "");
    }
}

