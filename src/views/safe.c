/*
 * safe.c — untrusted text out. Ids, titles and labels come from untrusted
 * records, so text output shares two rules with the web page: cli_safe shows
 * control characters (C0, DEL, C1) as \xNN / \u00NN, so a newline in an id
 * cannot break a table and an ESC cannot reach the terminal, and the
 * bidirectional controls (tenyo_text_bidi) as \u202e, so an unclosed
 * right-to-left override cannot reverse the rest of the line; cli_csv_risky
 * names a cell that a spreadsheet would run as a formula (first character
 * = + - @, tab or CR), which the writers prefix with an apostrophe (app.js's
 * csvCell rule). cli_csv_field is the one CSV cell writer of every CSV
 * output: the apostrophe goes inside the cell, then libcsv quotes the
 * whole (RFC 4180), so a reader sees one cell whatever the text holds.
 * cli_one_line folds a text onto one line for tables.
 *
 * The lowest file of the program's rooms: it calls nothing of them, so the
 * messages (say.c, whose text goes through cli_safe_lines), the JSON and
 * text renderers (render.c) and the commands' tables (cli/term.c) all call
 * down to it. The escaped copies live in
 * eight rotating static buffers, so several fields can go into one printf;
 * rejected: caller-owned buffers at every call (the CLI prints from one
 * thread, and every print site would grow a buffer).
 *
 * Who calls whom: called by cli/term.c, cli/writer.c, ideas_csv.c,
 * profiles.c, render.c, say.c, cli/'s commands (9); calls the library
 * (tenyo.h).
 */
#include "views.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================== untrusted text out */

/* A control character cli_safe shows escaped (lines: not \n nor \t). */
static int ctl(const unsigned char *p, int lines) {
    if (lines && (*p == '\n' || *p == '\t')) return 0;
    return *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
}

/* The code point of the bidirectional control of nb bytes at p (2 or 3:
 * tenyo_text_bidi). */
static unsigned bidi_cp(const unsigned char *p, size_t nb) {
    return nb == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                   : (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
}

static const char *safe(const char *s, int lines) {
    static char *buf[8];     /* rotating: several fields in one printf */
    static size_t cap[8];
    static int next;
    if (!s) return "";
    size_t n = 0, bad = 0;   /* bad: at most 6 bytes out for each shown escaped */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        bad += ctl(p, lines) || tenyo_text_bidi((const char *)p);
    if (!bad) return s;
    int b = next;
    next = (next + 1) % 8;
    if (cap[b] < n + 6 * bad + 1) {
        char *q = realloc(buf[b], n + 6 * bad + 1);
        if (!q) return "?";
        buf[b] = q;
        cap[b] = n + 6 * bad + 1;
    }
    char *o = buf[b];
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t nb = tenyo_text_bidi((const char *)p);
        if (nb) { /* a bidirectional control: shown, never obeyed */
            o += sprintf(o, "\\u%04x", bidi_cp(p, nb));
            p += nb - 1;
        } else if (!ctl(p, lines)) *o++ = (char)*p;
        else if (*p == 0xc2) o += sprintf(o, "\\u00%02x", *++p);
        else o += sprintf(o, "\\x%02x", *p);
    }
    *o = 0;
    return buf[b];
}

const char *cli_safe(const char *s) { return safe(s, 0); }
const char *cli_safe_lines(const char *s) { return safe(s, 1); }

char *cli_one_line(const char *s, char *out, size_t cap) {
    size_t n = 0;
    const char *p = s ? s : "";
    for (; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            if (n && out[n - 1] != ' ') out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    if (((unsigned char)*p & 0xC0) == 0x80) { /* cut inside a character: drop its start */
        while (n && ((unsigned char)out[n - 1] & 0xC0) == 0x80) n--;
        if (n) n--;
    }
    out[n] = 0;
    return out;
}

int cli_csv_risky(const char *s) {
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}


/* s without its bidirectional controls (tenyo_text_bidi) in *copy
 * (malloc'd) when it has any: a spreadsheet shows them, obeyed. s itself
 * when none, or out of memory ("" then: nothing unsafe is written). */
static const char *unbidi(const char *s, char **copy) {
    size_t n = 0, cut = 0;
    *copy = NULL;
    for (const char *p = s; *p; p++, n++) cut += tenyo_text_bidi(p);
    if (!cut) return s;
    char *o = *copy = malloc(n - cut + 1);
    if (!o) return "";
    for (const char *p = s; *p;) {
        size_t b = tenyo_text_bidi(p);
        if (b) p += b;
        else *o++ = *p++;
    }
    *o = 0;
    return *copy;
}

void cli_csv_field(FILE *f, const char *s, const char *end) {
    char *num = NULL, *copy;
    s = unbidi(s ? s : "", &copy);
    /* a number (a negative score) is no formula: left alone */
    if (cli_csv_risky(s) && !(strtod(s, &num), num > s && *num == 0)) {
        size_t n = strlen(s);
        char *t = malloc(n + 2);
        if (t) {
            t[0] = '\'';
            memcpy(t + 1, s, n + 1);
            csv_fwrite(f, t, n + 1);
            free(t);
        } else {
            csv_fwrite(f, "'", 1); /* no memory: the cell is still defused */
        }
    } else {
        csv_fwrite(f, s, strlen(s));
    }
    fputs(end, f);
    free(copy);
}
