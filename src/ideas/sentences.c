/*
 * sentences.c — a patent's text as sentences: its title and abstract
 * cleaned for reading (markup and reference signs out), and the split into
 * sentences that the why lines quote (explain.c) and that an analyst's
 * focus picks by number (steer.c). Sentences end at 。．！？, at ". ",
 * "; ", "? ", "! " and at line ends; a full-width ． between two digits
 * is a decimal point (濃度が０．５５ｇ／Ｌ), not an end; section marks
 * (【課題】) and leading spaces are dropped; a piece under 6 bytes is no
 * sentence.
 */
#include "stages.h"

#include <string.h>

/* Title and abstract of document d into buf ("title\nabstract"), cleaned;
 * from the ideas state's cache when it made them lately (one block of
 * abstracts decompressed per miss). */
int ty_doc_text(tenyo_ctx *c, uint64_t d, ty_buf *buf) {
    const ty_model *m = &c->idx->m; /* the model's own strings: no call up to api/ */
    if (d >= m->ndocs) return TENYO_ERR_ARG;
    ty_ideas *is = (ty_ideas *)ty_ideas_peek(c);
    struct ty_doctext *slot = is ? &is->dtext[d % TY_DOCTEXT_SLOTS] : NULL;
    if (slot && slot->text.p && slot->doc == d) {
        buf->len = 0;
        if (ty_buf_append(buf, slot->text.p, slot->text.len + 1)) return TENYO_ERR_NOMEM;
        buf->len = slot->text.len;
        return TENYO_OK;
    }
    const char *title = ty_meta_str(m, d, TY_META_TITLE);
    int rc = ty_abs_get(m->abs, d, &c->abuf, c->err, sizeof c->err);
    if (rc) return rc;
    buf->len = 0;
    if (ty_buf_append(buf, title, strlen(title)) || ty_buf_putc(buf, '\n') ||
        ty_buf_append(buf, c->abuf.p, c->abuf.len) || ty_buf_putc(buf, 0))
        return TENYO_ERR_NOMEM;
    buf->len = ty_clean_text(buf->p, buf->len - 1); /* markup, reference signs */
    if (slot) { /* kept for the next stage; a failed copy only misses later */
        slot->text.len = 0;
        if (ty_buf_append(&slot->text, buf->p, buf->len + 1) == 0) {
            slot->text.len = buf->len;
            slot->doc = d;
        } else {
            slot->text.len = 0;
            slot->doc = UINT64_MAX;
        }
    }
    return TENYO_OK;
}

/* 1 when the character at p is a digit, ASCII or full-width (０-９). */
static int digit_at(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return (u[0] >= '0' && u[0] <= '9') ||
           (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99);
}

/* 1 when q (a ．) stands between two digits of text: a decimal point. */
static int decimal_point(const char *text, const char *q) {
    int before = (q - text >= 1 && q[-1] >= '0' && q[-1] <= '9') ||
                 (q - text >= 3 && digit_at(q - 3));
    return before && digit_at(q + 3);
}

/* Split text into sentences (pointers into text); returns the count. */
size_t ty_sentences(const char *text, ty_sent *out, size_t cap) {
    static const char *const stops[] = {"。", "．", "！", "？", NULL};
    size_t n = 0;
    const char *p = text;
    while (*p && n < cap) {
        /* skip spaces, ideographic spaces and 【...】 marks */
        for (;;) {
            if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
            else if (!strncmp(p, "\xE3\x80\x80", 3)) p += 3;
            else if (!strncmp(p, "【", 3)) {
                const char *e = strstr(p, "】");
                if (!e || e - p > 40) break;
                p = e + 3;
            } else break;
        }
        if (!*p) break;
        const char *q = p, *end = NULL;
        while (*q && !end) {
            if (*q == '\n') { end = q; break; }
            for (int k = 0; stops[k]; k++)
                if (!strncmp(q, stops[k], 3) && !(k == 1 && decimal_point(text, q))) {
                    end = q + 3;
                    break;
                }
            if (end) break;
            if ((*q == '.' || *q == ';' || *q == '?' || *q == '!') &&
                (q[1] == ' ' || q[1] == '\n' || q[1] == 0)) {
                end = q + 1;
                break;
            }
            if (!strncmp(q, "【", 3) && q != p) { end = q; break; }
            q++;
        }
        if (!end) end = q;
        if (end - p >= 6) out[n++] = (ty_sent){p, (size_t)(end - p)};
        p = end;
    }
    return n;
}

