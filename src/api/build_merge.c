/*
 * build_merge.c — records of one patent given more than once (the same id
 * in two exports, or twice in one) are merged field by field into the
 * document the first one made, instead of the later record replacing it.
 *
 * Each field of the later record is set against the document's:
 *   - title, abstract, claims, description, applicant, date: an empty value
 *     keeps the other; equal values, or one that contains the other (a cut
 *     abstract, an applicant list that names one more), keep the fuller
 *     one silently; two different values are a conflict: the longer is
 *     kept (the later one when both are as long) and the builder's report
 *     callback names the patent, the field, and the two records' files
 *     and lines;
 *   - codes and other numbers: the union, the document's first (its first
 *     code stays its home field);
 *   - licensable: either record's mark.
 * A later record that brings nothing new changes nothing: its text is not
 * tokenized again. One that does is added again as the merged record
 * (builder.c: its text replaces the slot's pairs when merged).
 *
 * What the builder keeps of a document, and so what can be merged: its
 * metadata and abstract (bdoc.meta, abs, abs_long), which fields its text
 * had (bdoc.text), and the file and line of the record that made it
 * (bdoc.src, bdoc.line: named in conflicts). Claims and descriptions are
 * not kept (the builder holds terms, not text: builder.c), nor abstracts
 * under no_abstracts: a later record that changes the text of such a
 * document but lacks that field replaces it, and the report says so.
 *
 * Many records of one id: once a document's codes and numbers pass GROW_AT
 * bytes, the builder keeps them as sets too, with room at the end of its
 * metadata (bgrow, build.h), and a later record that leaves the text as it
 * is brings only what it adds (merged.delta), appended in place: K records
 * of one id cost K, not K squared (32,000 took 25 s rebuilding the whole
 * document each time).
 *
 * Not merged: a shared (tenyo-mpi) build, whose records of one id may be
 * read by different processes; there the later record replaces the
 * earlier, as before.
 *
 * Rejected: merging in the CLI before the builder (every caller of
 * tenyo_builder_add — the server, Python, tenyo_update — would lose
 * abstracts again); keeping every record's text to merge claims too
 * (memory would grow with the corpus text, which builder.c refuses).
 */
#include "api/api.h"
#include "api/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A record merged with a document: the record to add (d) and what it
 * owns. */
typedef struct merged {
    tenyo_doc d;          /* the merged record (strings point into the
                             later record, the earlier's view or the
                             buffers below) */
    const char **codes;   /* its codes (malloc'd array) */
    char *oldcodes;       /* the document's codes split at ';' (malloc'd) */
    ty_buf nums;          /* the union of numbers */
    char *abs;            /* the document's abstract when kept (a copy: the
                             slot's is freed when the merged record takes
                             its place) */
    int changed;          /* a text field differs from the document's */
    int delta;            /* codes and nums hold only what the record adds
                             (ty_merge_old's sets given, text unchanged) */
    int meta_changed;     /* applicant, date, codes, numbers or mark differ */
    uint8_t text;         /* the text fields it has (BT_*) */
} merged;

static const char *field_name[] = {"titles", "abstracts", "claims", "descriptions",
                                   "applicants", "dates"};

static int empty(const char *s) { return !s || !*s; }

/* The fuller of o (the document's) and n (the later record's): 0 the
 * document's is kept, 1 the later one's, 2 a conflict that the later one's
 * length won, 3 a conflict that the document's length won. Spacing is not
 * a difference: texts equal, or one inside the other, once their white
 * space is dropped (ty_text_unspaced) are not in conflict, and the
 * document's is kept when they are equal so (J-PlatPat's CSV indents what
 * the JSON Lines of the same export does not: 442 of 490 documents were
 * replaced, called conflicts). */
static int pick(const char *o, const char *n) {
    if (empty(n)) return 0;
    if (empty(o)) return 1;
    if (!strcmp(o, n) || strstr(o, n)) return 0;
    if (strstr(n, o)) return 1;
    ty_buf a = {0}, b = {0};
    int w = strlen(n) >= strlen(o) ? 2 : 3;
    if (!ty_text_unspaced(o, &a) && !ty_text_unspaced(n, &b)) {
        if (!strcmp(a.p, b.p) || strstr(a.p, b.p)) w = 0;
        else if (strstr(b.p, a.p)) w = 1;
    }
    ty_buf_free(&a);
    ty_buf_free(&b);
    return w;
}

/* "the record at FILE:LINE" or "the indexed document" of o into buf. */
static const char *where(const ty_merge_old *o, char *buf, size_t n) {
    if (o->src) snprintf(buf, n, "the record at %s:%ld", o->src, o->line);
    else snprintf(buf, n, "%s", o->line < 0 ? "the indexed document" : "an earlier record");
    return buf;
}

/* The report of a conflict on field f of record d against the document o. */
static void conflict(const ty_merge_old *o, const tenyo_doc *d, int f, int w) {
    if (!o->report) return;
    char msg[640], at[400];
    snprintf(msg, sizeof msg, "%s: merged with %s; their %s differ: kept %s (the longer)",
             d->id, where(o, at, sizeof at), field_name[f],
             w == 2 ? "this record's" : "the earlier one's");
    o->report(o->report_ud, d->source ? d->source : "", d->line, msg);
}

/* The report of a field the document had but nothing kept, which the
 * merged record (adding new text) lacks. */
static void lost(const ty_merge_old *o, const tenyo_doc *d, int f) {
    if (!o->report) return;
    static const char *one[] = {"title", "abstract", "claims", "description"};
    char msg[640], at[400];
    snprintf(msg, sizeof msg, "%s: merged with %s; its %s could not be kept (not held while "
             "indexing): give the fuller record last", d->id, where(o, at, sizeof at), one[f]);
    o->report(o->report_ud, d->source ? d->source : "", d->line, msg);
}

/* The codes of the later record not in set (added to it), into m->codes:
 * the delta. 0 or TENYO_ERR_NOMEM. */
static int merge_codes_delta(merged *m, ty_strmap *set, const tenyo_doc *d) {
    if (!(m->codes = ty_mallocarray(d->ncodes + 1, sizeof *m->codes))) return TENYO_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < d->ncodes; i++) {
        if (empty(d->codes[i])) continue;
        int is_new = 0;
        if (ty_strmap_intern(set, d->codes[i], strlen(d->codes[i]), &is_new) < 0)
            return TENYO_ERR_NOMEM;
        if (is_new) m->codes[k++] = d->codes[i];
    }
    m->meta_changed |= k > 0;
    m->d.codes = m->codes;
    m->d.ncodes = k;
    return TENYO_OK;
}

/* The lines of nn not in set (added to it), '\n'-joined into m->nums: the
 * delta. 0 or TENYO_ERR_NOMEM. */
static int merge_numbers_delta(merged *m, ty_strmap *set, const char *nn) {
    for (const char *p = nn ? nn : ""; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int is_new = 0;
        if (len && ty_strmap_intern(set, p, len, &is_new) < 0) return TENYO_ERR_NOMEM;
        if (is_new && ((m->nums.len && ty_buf_putc(&m->nums, '\n')) ||
                       ty_buf_append(&m->nums, p, len)))
            return TENYO_ERR_NOMEM;
        p += len + (e ? 1 : 0);
    }
    m->meta_changed |= m->nums.len > 0;
    if (ty_buf_putc(&m->nums, 0)) return TENYO_ERR_NOMEM;
    m->nums.len--;
    m->d.numbers = m->nums.p;
    return TENYO_OK;
}

/* The codes of the document (';'-joined) then the later record's not
 * among them (set: the document's as a set, or NULL), into m->codes. 0 or
 * TENYO_ERR_NOMEM. */
static int merge_codes(merged *m, const char *oc, const ty_strmap *set, const tenyo_doc *d) {
    size_t n = d->ncodes + 1;
    for (const char *p = oc; *p; p++) n += *p == ';';
    if (!(m->oldcodes = ty_strdup(oc)) || !(m->codes = ty_mallocarray(n, sizeof *m->codes)))
        return TENYO_ERR_NOMEM;
    size_t k = 0;
    for (char *p = m->oldcodes; *p;) {
        char *e = strchr(p, ';');
        if (e) *e = 0;
        if (*p) m->codes[k++] = p;
        p = e ? e + 1 : p + strlen(p);
    }
    size_t nold = k;
    for (size_t i = 0; i < d->ncodes; i++) {
        if (empty(d->codes[i])) continue;
        int seen = set && ty_strmap_get(set, d->codes[i], strlen(d->codes[i])) >= 0;
        for (size_t j = 0; j < nold && !seen && !set; j++) seen = !strcmp(m->codes[j], d->codes[i]);
        if (!seen) m->codes[k++] = d->codes[i];
    }
    m->meta_changed |= k > nold;
    m->d.codes = m->codes;
    m->d.ncodes = k;
    return TENYO_OK;
}

/* The lines of the document's numbers, then the later record's not among
 * them, into m->nums. 0 or TENYO_ERR_NOMEM. */
static int merge_numbers(merged *m, const char *on, const ty_strmap *set, const char *nn) {
    if (!empty(on) && ty_buf_append(&m->nums, on, strlen(on))) return TENYO_ERR_NOMEM;
    size_t nold = m->nums.len;
    for (const char *p = nn ? nn : ""; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int seen = set && ty_strmap_get(set, p, len) >= 0;
        for (const char *q = on ? on : ""; *q && !seen && !set;) {
            const char *f = strchr(q, '\n');
            size_t ql = f ? (size_t)(f - q) : strlen(q);
            seen = ql == len && !memcmp(q, p, len);
            q += ql + (f ? 1 : 0);
        }
        if (len && !seen && ((m->nums.len && ty_buf_putc(&m->nums, '\n')) ||
                             ty_buf_append(&m->nums, p, len)))
            return TENYO_ERR_NOMEM;
        p += len + (e ? 1 : 0);
    }
    m->meta_changed |= m->nums.len > nold;
    if (ty_buf_putc(&m->nums, 0)) return TENYO_ERR_NOMEM;
    m->d.numbers = m->nums.p;
    return TENYO_OK;
}

/* The text fields of record d against the document o: the kept value of
 * each into m->d, m->changed when one differs from the document's, the
 * conflicts and lost fields reported. 0 or TENYO_ERR_NOMEM. */
static int merge_text(const ty_merge_old *o, const tenyo_doc *d, merged *m) {
    const char *old[4] = {o->title ? o->title : "", o->abstract ? o->abstract : "", "", ""};
    const char **out[4] = {&m->d.title, &m->d.abstract, &m->d.claims, &m->d.description};
    const char *nv[4] = {d->title, d->abstract, d->claims, d->description};
    int unknown_kept[4] = {0};
    for (int f = 0; f < 4; f++) {
        unsigned bit = 1u << f;
        if ((o->text & bit) && !(o->known & bit)) { /* it had one, nothing kept it */
            if (empty(nv[f])) unknown_kept[f] = 1;
            else m->changed = 1;
            *out[f] = nv[f];
            continue;
        }
        int w = pick(old[f], nv[f]);
        *out[f] = w == 0 || w == 3 ? old[f] : nv[f];
        if (f == 1 && *out[f] == old[f] && *old[f]) {
            if (!(m->abs = ty_strdup(old[f]))) return TENYO_ERR_NOMEM;
            *out[f] = m->abs;
        }
        if (w == 1 || w == 2) m->changed = 1;
        if (w >= 2) conflict(o, d, f, w);
    }
    m->text = 0;
    for (int f = 0; f < 4; f++)
        if (!empty(*out[f]) || unknown_kept[f]) m->text |= (uint8_t)(1u << f);
    for (int f = 0; f < 4 && m->changed; f++)
        if (unknown_kept[f]) lost(o, d, f);
    return TENYO_OK;
}

/* Record d merged with the document o into *m: m->changed when its text
 * must be tokenized again, m->meta_changed when anything else differs. 0
 * or TENYO_ERR_NOMEM (*m to be released by merged_free either way). */
static int merge_with(const ty_merge_old *o, const tenyo_doc *d, merged *m) {
    m->d = *d;
    if (merge_text(o, d, m)) return TENYO_ERR_NOMEM;
    const char *oa = o->applicant ? o->applicant : "", *od = o->date ? o->date : "";
    int w = pick(oa, d->applicant);
    m->d.applicant = w == 0 || w == 3 ? oa : d->applicant;
    if (w >= 2) conflict(o, d, 4, w);
    m->meta_changed |= w == 1 || w == 2;
    w = pick(od, d->date);
    m->d.date = w == 0 || w == 3 ? od : d->date;
    if (w >= 2) conflict(o, d, 5, w);
    m->meta_changed |= w == 1 || w == 2;
    m->d.open = d->open || o->open;
    m->meta_changed |= m->d.open != (o->open != 0);
    if (o->codeset && o->numset && !m->changed) { /* the text stays: what it adds */
        m->delta = 1;
        int rc = merge_codes_delta(m, o->codeset, d);
        return rc ? rc : merge_numbers_delta(m, o->numset, d->numbers);
    }
    int rc = merge_codes(m, o->codes ? o->codes : "", o->codeset, d);
    return rc ? rc : merge_numbers(m, o->numbers, o->numset, d->numbers);
}

static void merged_free(merged *m) {
    free(m->codes);
    free(m->oldcodes);
    free(m->abs);
    ty_buf_free(&m->nums);
}

int ty_merge_record(const ty_merge_old *o, const tenyo_doc *d, void **out, int *changed) {
    *out = NULL;
    *changed = 0;
    merged *m = ty_calloc(1, sizeof *m);
    int rc = !m ? TENYO_ERR_NOMEM : merge_with(o, d, m);
    if (rc) {
        ty_bld_merged_free(m);
        return rc;
    }
    *changed = m->changed ? 2 : m->meta_changed ? 1 : 0;
    *out = m;
    return TENYO_OK;
}

/* Which text fields record d has (BT_*). */
uint8_t ty_bld_text_fields(const tenyo_doc *d) {
    return (uint8_t)((empty(d->title) ? 0 : BT_TITLE) | (empty(d->abstract) ? 0 : BT_ABSTRACT) |
                     (empty(d->claims) ? 0 : BT_CLAIMS) |
                     (empty(d->description) ? 0 : BT_DESCRIPTION));
}

/* Notes the file and line of the record that made slot s. 0 or
 * TENYO_ERR_NOMEM. */
int ty_bld_note_source(tenyo_builder *b, size_t s, const tenyo_doc *d) {
    bdoc *bd = &b->docs[s];
    bd->src = UINT32_MAX;
    bd->line = d->line;
    if (empty(d->source)) return TENYO_OK;
    if (!b->srcs && !(b->srcs = ty_strmap_new())) return TENYO_ERR_NOMEM;
    int is_new = 0;
    int64_t id = ty_strmap_intern(b->srcs, d->source, strlen(d->source), &is_new);
    if (id < 0) return TENYO_ERR_NOMEM;
    bd->src = (uint32_t)id;
    return TENYO_OK;
}

/* Bytes of codes and numbers past which a merged document keeps them as
 * sets (bgrow). */
#define GROW_AT 4096

/* Room for extra more bytes in *p (len used, *cap allocated), doubling. 0
 * or TENYO_ERR_NOMEM. */
static int room(char **p, size_t len, size_t *cap, size_t extra) {
    if (len + extra <= *cap) return TENYO_OK;
    size_t c = *cap ? *cap : 64;
    while (c < len + extra) c *= 2;
    char *q = realloc(*p, c);
    if (!q) return TENYO_ERR_NOMEM;
    *p = q;
    *cap = c;
    return TENYO_OK;
}

/* Slot s's bgrow, when its codes and numbers are past GROW_AT bytes and it
 * has none: its sets made once. 0 or TENYO_ERR_NOMEM. */
static int grow_start(bdoc *s) {
    const char *codes = ty_bld_meta_get(s, BM_CODES);
    size_t clen = strlen(codes), nlen = s->nums ? strlen(s->nums) : 0;
    if (s->grow || clen + nlen <= GROW_AT) return TENYO_OK;
    bgrow *g = ty_calloc(1, sizeof *g);
    if (!g) return TENYO_ERR_NOMEM;
    s->grow = g;
    g->meta_len = g->meta_cap = (size_t)(codes - s->meta) + clen + 1;
    g->nums_len = g->nums_cap = nlen;
    if (s->nums) g->nums_cap++;
    if (!(g->codes = ty_strmap_new()) || !(g->nums = ty_strmap_new())) goto nomem;
    for (const char *p = codes; *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && ty_strmap_intern(g->codes, p, len, NULL) < 0) goto nomem;
        p += len + (e ? 1 : 0);
    }
    for (const char *p = s->nums ? s->nums : ""; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && ty_strmap_intern(g->nums, p, len, NULL) < 0) goto nomem;
        p += len + (e ? 1 : 0);
    }
    return TENYO_OK;
nomem:
    ty_bld_grow_drop(s);
    return TENYO_ERR_NOMEM;
}

/* The delta m (merged.delta: the codes and numbers it adds) applied to slot
 * s in place, its applicant and date when they changed. 0 or
 * TENYO_ERR_NOMEM. */
static int grow_apply(bdoc *s, const merged *m, const ty_merge_old *o) {
    bgrow *g = s->grow;
    if (m->d.applicant != o->applicant || m->d.date != o->date) { /* the middle changes */
        const char *codes = ty_bld_meta_get(s, BM_CODES);
        size_t head = (size_t)(ty_bld_meta_get(s, BM_APPLICANT) - s->meta);
        size_t al = strlen(m->d.applicant) + 1, dl = strlen(m->d.date) + 1;
        size_t cl = g->meta_len - (size_t)(codes - s->meta);
        size_t cap = (head + al + dl + cl) * 2;
        char *nm = malloc(cap);
        if (!nm) return TENYO_ERR_NOMEM;
        memcpy(nm, s->meta, head);
        memcpy(nm + head, m->d.applicant, al);
        memcpy(nm + head + al, m->d.date, dl);
        memcpy(nm + head + al + dl, codes, cl);
        free(s->meta);
        s->meta = nm;
        g->meta_len = head + al + dl + cl;
        g->meta_cap = cap;
    }
    size_t add = 0;
    for (size_t i = 0; i < m->d.ncodes; i++) add += strlen(m->d.codes[i]) + 1;
    if (add) {
        if (room(&s->meta, g->meta_len, &g->meta_cap, add)) return TENYO_ERR_NOMEM;
        char *at = s->meta + g->meta_len - 1; /* the codes' NUL */
        int first = at[-1] == 0;              /* no codes yet */
        for (size_t i = 0; i < m->d.ncodes; i++) {
            size_t l = strlen(m->d.codes[i]);
            if (!first) *at++ = ';';
            memcpy(at, m->d.codes[i], l);
            at += l;
            first = 0;
        }
        *at++ = 0;
        g->meta_len = (size_t)(at - s->meta);
    }
    if (m->nums.len) {
        int sep = g->nums_len > 0;
        if (room(&s->nums, g->nums_len, &g->nums_cap, m->nums.len + 2)) return TENYO_ERR_NOMEM;
        if (sep) s->nums[g->nums_len++] = '\n';
        memcpy(s->nums + g->nums_len, m->nums.p, m->nums.len);
        g->nums_len += m->nums.len;
        s->nums[g->nums_len] = 0;
    }
    return TENYO_OK;
}

/* Record d when its id has a document already (one process): merged with
 * it. *done = 1 when nothing is left to add (the document's metadata
 * updated in place, or an error returned); else *done = 0 and, when the
 * id was known, *out holds the merged record to add in d's place (release
 * with ty_bld_merged_free). */
int ty_bld_merge(tenyo_builder *b, const tenyo_doc *d, void **out, int *done) {
    *done = 0;
    *out = NULL;
    int64_t slot = ty_strmap_get(b->ids, d->id, strlen(d->id));
    if (slot < 0) return TENYO_OK;
    bdoc *s = &b->docs[slot];
    size_t sl = 0;
    const char *src = s->src != UINT32_MAX && b->srcs ? ty_strmap_key(b->srcs, s->src, &sl) : NULL;
    char srcbuf[320];
    if (src) snprintf(srcbuf, sizeof srcbuf, "%.*s", (int)sl, src);
    ty_merge_old o = {
        .title = s->text & BT_TITLE ? ty_bld_meta_get(s, BM_TITLE) : "",
        .abstract = s->abs_long ? s->abs_long : s->abs,
        .applicant = ty_bld_meta_get(s, BM_APPLICANT), .date = ty_bld_meta_get(s, BM_DATE),
        .codes = ty_bld_meta_get(s, BM_CODES), .numbers = s->nums, .open = s->open,
        .text = s->text,
        .known = (uint8_t)(BT_TITLE | (s->abs || !(s->text & BT_ABSTRACT) ? BT_ABSTRACT : 0)),
        .src = src ? srcbuf : NULL, .line = src ? s->line : 0,
        .report = b->o.report, .report_ud = b->o.report_ud,
        .codeset = s->grow ? s->grow->codes : NULL, .numset = s->grow ? s->grow->nums : NULL};
    void *mv = NULL;
    int changed = 0;
    int rc = ty_merge_record(&o, d, &mv, &changed);
    if (!rc && changed == 2) {
        *out = mv;
        return TENYO_OK;
    }
    *done = 1;
    merged *m = mv;
    if (!rc && m->delta) { /* what it adds, appended */
        rc = grow_apply(s, m, &o);
        if (!rc) {
            s->open = (uint8_t)(m->d.open ? 1 : 0);
            s->text = m->text;
            b->duplicates++;
        }
        ty_bld_merged_free(mv);
        if (rc) ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
        return rc;
    }
    char *meta = rc ? NULL : ty_bld_make_meta(&m->d, 1);
    char *nums = rc || empty(m->d.numbers) ? NULL : ty_strdup(m->d.numbers);
    if (!rc && (!meta || (!empty(m->d.numbers) && !nums))) rc = TENYO_ERR_NOMEM;
    if (!rc) { /* the same text: the document's pairs stay, its metadata is the merged one */
        ty_bld_grow_drop(s);
        free(s->meta);
        s->meta = meta;
        free(s->nums);
        s->nums = nums;
        s->open = (uint8_t)(m->d.open ? 1 : 0);
        s->text = m->text;
        b->duplicates++;
        meta = nums = NULL;
        rc = grow_start(s); /* grown large: as sets from now on */
    }
    free(meta);
    free(nums);
    ty_bld_merged_free(mv);
    if (rc) ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
    return rc;
}

/* The merged record of ty_bld_merge's *out. */
const tenyo_doc *ty_bld_merged_doc(const void *m) {
    return &((const merged *)m)->d;
}

void ty_bld_merged_free(void *m) {
    if (!m) return;
    merged_free(m);
    free(m);
}

uint8_t ty_merged_text(const void *m) {
    return ((const merged *)m)->text;
}
