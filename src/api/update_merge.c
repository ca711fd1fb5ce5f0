/*
 * update_merge.c — a record added to an index (tenyo_update_add) whose id
 * names a live document is merged field by field with that document, as
 * the builder merges two records of one id (build_merge.c: an empty field
 * keeps the other, the fuller kept, codes and numbers joined, conflicts
 * reported). A record that brings nothing new leaves the document as it
 * is (nothing added, nothing deleted); any other is added as the merged
 * record and replaces the document.
 *
 * What the index keeps of a document, and so what can be merged: its
 * metadata (tenyo_index_doc), its abstract (section "abstracts", when the
 * index keeps them) and its other numbers (section "numbers", found
 * through ty_upd_numidx: one pass over the section on the first merge,
 * then per id). Claims and descriptions are not kept: update.c adds a
 * record that changes only other fields from the document's stored terms,
 * and refuses one whose new text would lose what they gave. The mark
 * merged is the record's own (x->open_rec), never a loaded list's.
 */
#include "api/api.h"
#include "api/build.h"

#include <stdlib.h>
#include <string.h>

/* The index's other numbers by document id: the lines of the section
 * "numbers" ("number\tid") grouped per id. */
struct ty_upd_numidx {
    ty_strmap *ids;     /* id -> k */
    uint64_t *ptr;      /* per k: first of its lines in line (k + 1 entries) */
    uint64_t *line;     /* offsets of lines in the section, grouped by k */
};

void ty_upd_numidx_free(ty_upd_numidx *n) {
    if (!n) return;
    ty_strmap_free(n->ids);
    free(n->ptr);
    free(n->line);
    free(n);
}

/* The numbers index of x: 0 or TENYO_ERR_NOMEM. */
static int numidx_build(const tenyo_index *x, ty_upd_numidx **out) {
    ty_upd_numidx *n = ty_calloc(1, sizeof *n);
    const char *s = x->m.numbers_blob, *end = s ? s + x->m.numbers_len : NULL;
    uint64_t nl = 0, cap = 0, *at = NULL;
    uint32_t *key = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!n || !(n->ids = ty_strmap_new())) goto fail;
    for (const char *p = s; p && p < end;) { /* pass 1: each line's id */
        const char *nlp = memchr(p, '\n', (size_t)(end - p)), *e = nlp ? nlp : end;
        const char *tab = memchr(p, '\t', (size_t)(e - p));
        if (tab && e > tab + 1) {
            if (nl == cap) {
                cap = cap ? 2 * cap : 1024;
                uint64_t *a = ty_reallocarray(at, cap, sizeof *a);
                uint32_t *k = a ? ty_reallocarray(key, cap, sizeof *k) : NULL;
                if (a) at = a;
                if (!k) goto fail;
                key = k;
            }
            int64_t k = ty_strmap_intern(n->ids, tab + 1, (size_t)(e - tab - 1), NULL);
            if (k < 0) goto fail;
            at[nl] = (uint64_t)(p - s);
            key[nl++] = (uint32_t)k;
        }
        p = e + 1;
    }
    uint32_t nk = ty_strmap_size(n->ids);
    n->ptr = ty_calloc((size_t)nk + 1, sizeof *n->ptr);
    n->line = ty_mallocarray(nl ? nl : 1, sizeof *n->line);
    if (!n->ptr || !n->line) goto fail;
    for (uint64_t i = 0; i < nl; i++) n->ptr[key[i] + 1]++; /* counting sort by id */
    for (uint32_t k = 0; k < nk; k++) n->ptr[k + 1] += n->ptr[k];
    for (uint64_t i = 0; i < nl; i++) n->line[n->ptr[key[i]]++] = at[i];
    for (uint32_t k = nk; k > 0; k--) n->ptr[k] = n->ptr[k - 1];
    n->ptr[0] = 0;
    rc = TENYO_OK;
fail:
    free(at);
    free(key);
    if (rc) ty_upd_numidx_free(n);
    else *out = n;
    return rc;
}

/* 1 when the '\n'-separated lines s[0..n) hold the line l[0..ln). */
static int has_line(const char *s, size_t n, const char *l, size_t ln) {
    for (size_t at = 0; at < n;) {
        const char *e = memchr(s + at, '\n', n - at);
        size_t len = e ? (size_t)(e - s - at) : n - at;
        if (len == ln && !memcmp(s + at, l, ln)) return 1;
        at += len + 1;
    }
    return 0;
}

/* The other numbers of document id, one a line, each once (a replaced
 * document's lines are in the base and in the segment that replaced it),
 * into out (emptied first; NUL-terminated). 0 or TENYO_ERR_NOMEM. */
static int numbers_of(const tenyo_index *x, const ty_upd_numidx *n, const char *id,
                      ty_buf *out) {
    out->len = 0;
    int64_t k = ty_strmap_get(n->ids, id, strlen(id));
    for (uint64_t i = k < 0 ? 0 : n->ptr[k]; k >= 0 && i < n->ptr[k + 1]; i++) {
        const char *p = x->m.numbers_blob + n->line[i];
        const char *tab = strchr(p, '\t');
        if (!tab || has_line(out->p, out->len, p, (size_t)(tab - p))) continue;
        if ((out->len && ty_buf_putc(out, '\n')) || ty_buf_append(out, p, (size_t)(tab - p)))
            return TENYO_ERR_NOMEM;
    }
    return ty_buf_putc(out, 0) ? TENYO_ERR_NOMEM : (out->len--, TENYO_OK);
}

int ty_upd_numbers(const tenyo_index *x, ty_upd_numidx **ni, const char *id, ty_buf *out) {
    int rc = *ni ? TENYO_OK : numidx_build(x, ni);
    return rc ? rc : numbers_of(x, *ni, id, out);
}

int ty_upd_merge(const tenyo_index *x, uint64_t d, ty_upd_numidx **ni, const tenyo_doc *rec,
                 tenyo_report_fn report, void *ud, ty_upd_merged *out) {
    memset(out, 0, sizeof *out);
    tenyo_doc_meta dm;
    int rc = tenyo_index_doc(x, d, &dm);
    if (rc) return rc;
    if (!*ni && (rc = numidx_build(x, ni))) return rc;
    if ((rc = numbers_of(x, *ni, dm.id, &out->nums))) return rc;
    char err[TY_ERRLEN];
    if (x->m.abs && (rc = ty_abs_get(x->m.abs, d, &out->abs, err, sizeof err))) return rc;
    int had_abs = x->m.abs ? out->abs.len > 0 : 1; /* not kept: it may have had one */
    ty_merge_old o = {.title = dm.title, .abstract = x->m.abs ? out->abs.p : NULL,
                      .applicant = dm.applicant, .date = dm.date, .codes = dm.codes,
                      .numbers = out->nums.p,
                      /* the record's own mark: a loaded list's stays the
                       * list's (api/openlist.c), never becomes the record's */
                      .open = x->open_rec ? x->open_rec[d] : dm.open,
                      .text = (uint8_t)((*dm.title ? BT_TITLE : 0) | (had_abs ? BT_ABSTRACT : 0)),
                      .known = (uint8_t)(BT_TITLE | (x->m.abs ? BT_ABSTRACT : 0)),
                      .src = NULL, .line = -1, .report = report, .report_ud = ud};
    return ty_merge_record(&o, rec, &out->m, &out->changed);
}

void ty_upd_merged_free(ty_upd_merged *m) {
    ty_bld_merged_free(m->m);
    ty_buf_free(&m->abs);
    ty_buf_free(&m->nums);
    memset(m, 0, sizeof *m);
}
