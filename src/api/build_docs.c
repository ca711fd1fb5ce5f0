/*
 * build_docs.c — a record as the builder keeps it: its metadata strings
 * in one allocation (ty_bld_make_meta; ty_bld_docs_elsewhere's slim block: id, field
 * subclasses, flags), the abstract kept (at most BUILD_ABS_MAX bytes), the
 * title shown for a record without one (the abstract's first sentence), and
 * its document slot (ty_bld_take_slot: a repeated id takes the earlier record's
 * place), the subclass of a classification code, and the release of
 * what the builder built (all of it, or the terms once the rows are made).
 * The lowest file of the builder: the adding, tokenizing and writing files
 * all call it and it calls none of them.
 */
#include "api/api.h"
#include "api/build.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void ty_bld_grow_drop(bdoc *d) {
    if (!d->grow) return;
    ty_strmap_free(d->grow->codes);
    ty_strmap_free(d->grow->nums);
    free(d->grow);
    d->grow = NULL;
}

/* The k-th metadata string (BM_*) of d. */
const char *ty_bld_meta_get(const bdoc *d, int k) {
    const char *s = d->meta;
    for (int i = 0; i < k; i++) s += strlen(s) + 1;
    return s;
}

/* The abstract kept for reading (section "abstracts"): NULL for none or
 * when abstracts are not kept, else a copy cut at a character boundary
 * below BUILD_ABS_MAX bytes. *oom set when out of memory. */
char *ty_bld_keep_abstract(int no_abstracts, const char *a, int *oom) {
    *oom = 0;
    if (no_abstracts || !a || !*a) return NULL;
    size_t n = strlen(a);
    if (n >= BUILD_ABS_MAX) {
        n = BUILD_ABS_MAX - 1;
        while (n && ((unsigned char)a[n] & 0xC0) == 0x80) n--;
    }
    char *c = ty_strndup(a, n);
    *oom = !c;
    return c;
}

/* Append s (if non-empty) to text, separated by a newline. */
int ty_bld_add_text(ty_buf *t, const char *s) {
    if (!s || !*s) return 0;
    if (t->len && ty_buf_putc(t, '\n')) return -1;
    return ty_buf_append(t, s, strlen(s));
}

int ty_bld_record_text(ty_buf *t, const tenyo_doc *d) {
    if (ty_bld_add_text(t, d->title) || ty_bld_add_text(t, d->abstract) ||
        ty_bld_add_text(t, d->claims))
        return -1;
    if ((!d->abstract || !*d->abstract) && (!d->claims || !*d->claims) &&
        ty_bld_add_text(t, d->description))
        return -1;
    return 0;
}

/* Title shown for a record without one (US abstracts-only data): the first
 * sentence of the abstract, cut at a character boundary near 90 bytes and
 * marked with "…" when cut. */
static char *display_title(const char *abs) {
    if (!abs) return ty_strdup("");
    size_t n = strlen(abs), cut = 0;
    for (size_t i = 0; i < n; i++) {
        if (abs[i] == '.' && (i + 1 == n || abs[i + 1] == ' ')) { cut = i + 1; break; }
        if (i >= 90 && ((unsigned char)abs[i] & 0xC0) != 0x80) { cut = i; break; }
    }
    if (!cut) return ty_strdup(abs);
    ty_buf t = {0};
    if (ty_buf_append(&t, abs, cut) ||
        (abs[cut - 1] != '.' && ty_buf_append(&t, "\xE2\x80\xA6", 3))) {
        ty_buf_free(&t);
        return NULL;
    }
    return t.p;
}

/* The metadata block of a record: id, title (or the display title from the
 * abstract when use_abstract), applicant, date and the ';'-joined codes
 * (FI codes contain commas: B23K9/12,331@L). NULL when out of memory. */
char *ty_bld_make_meta(const tenyo_doc *d, int use_abstract) {
    ty_buf m = {0};
    char *title = d->title && *d->title ? NULL
                  : use_abstract        ? display_title(d->abstract)
                                        : ty_strdup("");
    const char *t = d->title && *d->title ? d->title : title;
    int bad = !t || ty_buf_append(&m, d->id, strlen(d->id) + 1) ||
              ty_buf_append(&m, t, strlen(t) + 1);
    const char *app = d->applicant ? d->applicant : "";
    const char *date = d->date ? d->date : "";
    bad = bad || ty_buf_append(&m, app, strlen(app) + 1) ||
          ty_buf_append(&m, date, strlen(date) + 1);
    int first = 1;
    for (size_t i = 0; i < d->ncodes && !bad; i++) {
        if (!d->codes[i] || !*d->codes[i]) continue;
        bad = (!first && ty_buf_putc(&m, ';')) ||
              ty_buf_append(&m, d->codes[i], strlen(d->codes[i]));
        first = 0;
    }
    bad = bad || ty_buf_putc(&m, 0);
    free(title);
    if (bad) {
        ty_buf_free(&m);
        return NULL;
    }
    return m.p;
}


static int cmp_code4(const void *a, const void *b) {
    return memcmp(a, b, 4);
}

/* A sharded tenyo-mpi build whose shards' writers make the documents'
 * metadata (ty_builder_share.docs_elsewhere): process 0 keeps of a record
 * only what global decisions need (ty_bld_docs_elsewhere), which is all the
 * other processes send it of theirs. */
int ty_bld_slim_docs(const tenyo_builder *b) {
    return b->o.shards > 0 && b->sh.size > 1 && b->sh.shards && b->sh.nnz &&
           b->sh.docs_elsewhere;
}

int ty_bld_docs_elsewhere(const tenyo_builder *b) {
    return ty_bld_slim_docs(b) && b->sh.rank == 0;
}

/* The distinct field subclasses of a ';'-joined code list, in the order a
 * document's field list keeps them (the first code's field first, the
 * "home" of EVAL.md, then the rest in code order, which is field id
 * order: the field table is sorted), 4 bytes each, into o (emptied
 * first). The one code behind docfields and the "fields" string. */
int ty_bld_fields_of(const char *codes, ty_buf *o) {
    char sc[5];
    o->len = 0;
    while (ty_bld_next_subclass(&codes, sc)) {
        int seen = 0;
        for (size_t q = 0; q < o->len && !seen; q += 4) seen = !memcmp(o->p + q, sc, 4);
        if (!seen && ty_buf_append(o, sc, 4)) return TENYO_ERR_NOMEM;
    }
    if (o->len > 8) qsort(o->p + 4, o->len / 4 - 1, 4, cmp_code4);
    return TENYO_OK;
}

/* A record's metadata block as ty_bld_docs_elsewhere keeps it: four empty
 * strings (id, title, applicant, date) and its codes reduced to their
 * distinct field subclasses in their list order, ';'-joined (ty_bld_build_fields
 * reads the same fields from it as from the codes). NULL: out of memory. */
static char *slim_meta(const tenyo_doc *d) {
    ty_buf c = {0}, f = {0}, m = {0};
    int bad = 0;
    for (size_t i = 0; i < d->ncodes && !bad; i++) {
        if (!d->codes[i] || !*d->codes[i]) continue;
        bad = (c.len && ty_buf_putc(&c, ';')) ||
              ty_buf_append(&c, d->codes[i], strlen(d->codes[i]));
    }
    bad = bad || ty_buf_putc(&c, 0) || ty_bld_fields_of(c.p, &f) || ty_buf_append(&m, "\0\0\0\0", 4);
    for (size_t q = 0; q < f.len && !bad; q += 4)
        bad = (q && ty_buf_putc(&m, ';')) || ty_buf_append(&m, f.p + q, 4);
    bad = bad || ty_buf_putc(&m, 0);
    ty_buf_free(&c);
    ty_buf_free(&f);
    if (bad) ty_buf_free(&m);
    return bad ? NULL : m.p;
}

/* The language code of a record: 0 ja, 1 en, -1 unknown. */
int ty_bld_lang_code(const char *l) {
    return l && strcmp(l, "ja") == 0   ? 0
           : l && strcmp(l, "en") == 0 ? 1
                                       : -1;
}

/* The slot of id: an existing one (*is_new = 0; its metadata is replaced by
 * the caller) or a new one at the end. <0 when out of memory. */
int64_t ty_bld_take_slot(tenyo_builder *b, const char *id, int *is_new) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        bdoc *p = ty_reallocarray(b->docs, cap, sizeof *p);
        if (!p) return TENYO_ERR_NOMEM;
        b->docs = p;
        b->cap = cap;
    }
    int64_t slot = ty_strmap_intern(b->ids, id, strlen(id), is_new);
    if (slot < 0) return slot;
    if (*is_new) {
        memset(&b->docs[b->n], 0, sizeof b->docs[b->n]);
        b->n++;
    } else {
        b->duplicates++;
    }
    return slot;
}

/* Room for one more document in the batch (and its term slot): 0 or
 * TENYO_ERR_NOMEM. */
int ty_bld_batch_room(tenyo_builder *b) {
    if (b->nbatch < b->capbatch) return TENYO_OK;
    size_t cap = b->capbatch ? b->capbatch * 2 : 256;
    pdoc *p = ty_reallocarray(b->batch, cap, sizeof *p);
    if (!p) return TENYO_ERR_NOMEM;
    b->batch = p;
    dterms *q = ty_reallocarray(b->dt, cap, sizeof *q);
    if (!q) return TENYO_ERR_NOMEM;
    memset(q + b->capbatch, 0, (cap - b->capbatch) * sizeof *q);
    b->dt = q;
    b->capbatch = cap;
    return TENYO_OK;
}


/* A record's metadata as the builder keeps it (process 0), into *meta and
 * *abs (NULL: none kept) and *has_abs: ty_bld_docs_elsewhere's slim block, else
 * the whole one and the abstract. 0 or TENYO_ERR_NOMEM. */
int ty_bld_doc_keep(const tenyo_builder *b, int slim, const tenyo_doc *d, char **meta,
                    char **abs, uint8_t *has_abs) {
    int oom = 0;
    *abs = NULL;
    if (!(*meta = slim ? slim_meta(d) : ty_bld_make_meta(d, 1))) return TENYO_ERR_NOMEM;
    if (!slim) *abs = ty_bld_keep_abstract(b->o.no_abstracts, d->abstract, &oom);
    if (oom) {
        free(*meta);
        *meta = NULL;
        return TENYO_ERR_NOMEM;
    }
    *has_abs = slim && !b->o.no_abstracts && d->abstract && *d->abstract;
    return TENYO_OK;
}

/* Process 0: record rec (id; meta and abs owned from the call on) takes
 * its document's place, as tenyo_builder_add does; its slot into *slot.
 * A replaced record still pending is tokenized all the same, and its
 * successor's merge replaces it: the terms seen, and so the ids, do not
 * depend on where batches are cut. */
int ty_bld_doc_place(tenyo_builder *b, const char *id, char *meta, char *abs, uint8_t has_abs,
                     int open, size_t *slot) {
    if (b->n == 0 && b->t0 == 0) b->t0 = ty_now();
    int is_new = 0;
    int64_t s = ty_bld_batch_room(b) ? TENYO_ERR_NOMEM : ty_bld_take_slot(b, id, &is_new);
    if (s < 0) {
        free(meta);
        free(abs);
        return (int)s;
    }
    bdoc *bd = &b->docs[s];
    ty_bld_grow_drop(bd);
    free(bd->meta);
    bd->meta = meta;
    free(bd->abs);
    bd->abs = abs;
    bd->has_abs = has_abs;
    bd->open = open ? 1 : 0;
    *slot = (size_t)s;
    return TENYO_OK;
}

/* ============================================================ releasing */

void ty_bld_dterms_free(dterms *d) {
    ty_buf_free(&d->buf);
    ty_buf_free(&d->surf);
    ty_buf_free(&d->phr);
    memset(d, 0, sizeof *d);
}

/* Free the term side of the build (vocabulary, pairs, votes, phrases):
 * after weighting, all of it is in the model. */
void ty_bld_release_terms(tenyo_builder *b) {
    ty_buf_free(&b->pairs);
    free(b->scratch);
    b->scratch = NULL;
    b->capscratch = 0;
    free(b->cand);
    free(b->votes);
    b->cand = NULL;
    b->votes = NULL;
    b->capvote = 0;
    free(b->phr);
    b->phr = NULL;
    b->nphr = b->capphr = 0;
    ty_strmap_free(b->voc);
    ty_strmap_free(b->words);
    ty_strmap_free(b->phrases);
    b->voc = b->words = b->phrases = NULL;
}

/* Free what the build keeps between adds (not the options or the
 * tokenizer). */
void ty_bld_release(tenyo_builder *b) {
    for (size_t i = 0; i < b->n; i++) {
        ty_bld_grow_drop(&b->docs[i]);
        free(b->docs[i].meta);
        free(b->docs[i].abs);
        free(b->docs[i].nums);
        free(b->docs[i].abs_long);
    }
    free(b->docs);
    b->docs = NULL;
    b->n = b->cap = 0;
    for (size_t i = 0; i < b->nbatch; i++) free(b->batch[i].text);
    free(b->batch);
    b->batch = NULL;
    if (b->dt)
        for (size_t i = 0; i < b->capbatch; i++) ty_bld_dterms_free(&b->dt[i]);
    free(b->dt);
    b->dt = NULL;
    b->nbatch = b->capbatch = b->batch_bytes = 0;
    ty_bld_release_terms(b);
    ty_strmap_free(b->ids);
    b->ids = NULL;
    ty_strmap_free(b->srcs);
    b->srcs = NULL;
    ty_buf_free(&b->out);
    ty_strmap_free(b->lvoc);
    ty_strmap_free(b->lwords);
    b->lvoc = b->lwords = NULL;
    for (int r = 0; b->rmap && r < b->sh.size; r++) {
        free(b->rmap[r].term);
        free(b->rmap[r].word);
        free(b->rmap[r].slot);
        free(b->rmap[r].rec);
    }
    free(b->rmap);
    b->rmap = NULL;
    free(b->pk);
    b->pk = NULL;
    b->cappk = 0;
    free(b->lp);
    b->lp = NULL;
    b->nlp = b->caplp = 0;
    free(b->lmap);
    free(b->lslot);
    b->lmap = NULL;
    b->lslot = NULL;
    b->nlmap = 0;
    free(b->prune);
    free(b->rcol);
    free(b->rtf);
    free(b->rval);
    b->prune = b->rval = NULL;
    b->rcol = b->rtf = NULL;
    b->capprune = b->caprow = 0;
    ty_buf_free(&b->mbuf);
}

/* ======================================================= code subclasses */

/* Subclass of a classification code: first 4 characters after removing
 * spaces, when they look like an IPC subclass (section A-H, two digits, a
 * letter). CPC section Y (tagging) and malformed codes give 0. */
static int code_subclass(const char *code, size_t len, char out[5]) {
    size_t k = 0;
    for (size_t i = 0; i < len && k < 4; i++) {
        unsigned char c = (unsigned char)code[i];
        if (c == ' ' || c == '\t') continue;
        out[k++] = (char)toupper(c);
    }
    out[k] = 0;
    if (k < 4) return 0;
    if (out[0] < 'A' || out[0] > 'H') return 0;
    if (!isdigit((unsigned char)out[1]) || !isdigit((unsigned char)out[2]))
        return 0;
    if (!isupper((unsigned char)out[3])) return 0;
    return 1;
}

int tenyo_code_subclass(const char *code, char out[5]) {
    if (!code || !out) return 0;
    return code_subclass(code, strlen(code), out);
}

/* Next valid subclass of a ';'-separated code list: advances *p; 1 with the
 * subclass in sc, 0 at the end of the list. */
int ty_bld_next_subclass(const char **p, char sc[5]) {
    while (**p) {
        const char *e = strchr(*p, ';');
        size_t len = e ? (size_t)(e - *p) : strlen(*p);
        int ok = code_subclass(*p, len, sc);
        *p += len + (e ? 1 : 0);
        if (ok) return 1;
    }
    return 0;
}
