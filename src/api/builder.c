/*
 * builder.c — tenyo_builder: records in, index file out.
 *
 * Pipeline (each stage a separate layer, glued here):
 *   1. add:      records are copied (metadata + the text to index); a repeated
 *                id replaces the earlier record in place and is counted.
 *   2. tokenize: documents are tokenized in parallel, one ty_tokctx (MeCab
 *                lattice + ICU state) per thread over one shared MeCab model;
 *                each worker writes the terms of its documents into per-
 *                document buffers, and the main thread interns them in
 *                document order, so term ids — and so the file — are the same
 *                whatever the thread count.
 *   3. weight:   document frequencies, min_df / max_df_ratio filtering (term
 *                ids stay in first-occurrence order), sublinear TF-IDF rows.
 *   4. factor:   randomized truncated SVD of the TF-IDF matrix (model/svd.c);
 *                the term basis V is stored for query fold-in and the document
 *                vectors are the L2-normalised rows of A V (= U S), so that a
 *                folded-in indexed document lands exactly on its own vector.
 *   5. store:    fields, metadata and everything above go to store/store.c,
 *                which writes the file atomically.
 *
 * Records without a title (abstract-only US data) get the first sentence of
 * the abstract as their displayed title, so result lists stay readable.
 *
 * Text indexed per record: title, abstract and claims; the description only
 * when the record has neither abstract nor claims (descriptions are long and
 * repetitive and drown the distinctive vocabulary of the abstract; EVAL.md's
 * protocols use title + abstract). Records without any term are kept (their
 * metadata is searchable by id) with zero vectors, and counted as empty.
 *
 * Rank: the requested rank (default 256) is reduced to half the smaller
 * matrix dimension for small corpora, since a rank near min(n, m) would just
 * reproduce TF-IDF with float noise.
 *
 * Rejected: tokenizing inside add() (it would serialize the expensive step on
 * the caller's thread), and keeping raw text after tokenization (the per-
 * document term buffers are all that the later stages need).
 */
#include "internal.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One added record. */
typedef struct bdoc {
    char *id;          /* publication number */
    char *title;       /* title */
    char *applicant;   /* applicant(s) */
    char *date;        /* YYYY-MM-DD or "" */
    char *codes;       /* classification codes, ';'-separated */
    char *text;        /* text to index (freed after tokenizing) */
    int open;          /* licensable */
    int lang;          /* 0 ja, 1 en, -1 detect */
} bdoc;

/* Most application phrases kept per document. */
#define BUILD_DOC_PHRASES 8

/* Terms of one document after tokenizing: NUL-separated strings. */
typedef struct dterms {
    ty_buf buf;        /* term bytes, each followed by NUL */
    uint32_t n;        /* number of terms */
    ty_buf surf;       /* "stem\x1fword\0" for each stemmed term */
    ty_buf phr;        /* "target\x1fexpression\0", distinct, in text order */
    uint32_t nphr;     /* phrases in phr */
    int status;        /* tokenizer status (< 0 on error) */
} dterms;

struct tenyo_builder {
    tenyo_build_opts o;        /* options (tok strings copied below) */
    char *dicdir;              /* copy of o.tok.mecab_dicdir */
    ty_tokenizer *tok;         /* shared tokenizer */
    ty_strmap *ids;            /* id -> slot in docs */
    bdoc *docs;                /* records in first-seen order */
    size_t n, cap;             /* used / allocated docs */
    uint64_t duplicates;       /* replaced records */
    double t0;                 /* time of the first add */
    int written;               /* write() ran: texts are consumed */
    char err[TY_ERRLEN];       /* last error */
};

void tenyo_build_opts_default(tenyo_build_opts *o) {
    memset(o, 0, sizeof *o);
    tenyo_tok_opts_default(&o->tok);
    o->dim = 0;
    o->threads = 0;
    o->min_df = 2;
    o->max_df_ratio = 0.5;
    o->seed = 0x74656e796f21ull; /* "tenyo!" */
    o->oversample = 16;
    o->power_iters = 4;
}

int tenyo_builder_new(const tenyo_build_opts *opts, tenyo_builder **out,
                      char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_builder *b = calloc(1, sizeof *b);
    if (!b) return TENYO_ERR_NOMEM;
    if (opts) b->o = *opts;
    else tenyo_build_opts_default(&b->o);
    int rc = TENYO_ERR_ARG;
    if (b->o.dim < 0 || b->o.dim > TY_MAX_DIM) {
        ty_seterr(err, errlen, "--dim must be between 1 and %d", TY_MAX_DIM);
        goto fail;
    }
    if (b->o.min_df < 1) b->o.min_df = 1;
    if (!(b->o.max_df_ratio > 0 && b->o.max_df_ratio <= 1)) {
        ty_seterr(err, errlen, "max_df_ratio must be in (0, 1]");
        goto fail;
    }
    if (b->o.oversample < 0 || b->o.power_iters < 0 || b->o.power_iters > 50) {
        ty_seterr(err, errlen, "invalid SVD options");
        goto fail;
    }
    if (b->o.threads <= 0) b->o.threads = ty_ncores();
    if (b->o.threads > 256) b->o.threads = 256;
    rc = TENYO_ERR_NOMEM;
    if (b->o.tok.mecab_dicdir) {
        b->dicdir = ty_strdup(b->o.tok.mecab_dicdir);
        if (!b->dicdir) goto fail;
        b->o.tok.mecab_dicdir = b->dicdir;
    }
    b->ids = ty_strmap_new();
    if (!b->ids) goto fail;
    rc = ty_tokenizer_new(&b->o.tok, &b->tok, err, errlen);
    if (rc) goto fail;
    *out = b;
    return TENYO_OK;
fail:
    tenyo_builder_free(b);
    return rc;
}

static void bdoc_free(bdoc *d) {
    free(d->id);
    free(d->title);
    free(d->applicant);
    free(d->date);
    free(d->codes);
    free(d->text);
    memset(d, 0, sizeof *d);
}

void tenyo_builder_free(tenyo_builder *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) bdoc_free(&b->docs[i]);
    free(b->docs);
    ty_strmap_free(b->ids);
    ty_tokenizer_free(b->tok);
    free(b->dicdir);
    free(b);
}

const char *tenyo_builder_error(const tenyo_builder *b) {
    return b ? b->err : "";
}

/* Append s (if non-empty) to text, separated by a newline. */
static int add_text(ty_buf *t, const char *s) {
    if (!s || !*s) return 0;
    if (t->len && ty_buf_putc(t, '\n')) return -1;
    return ty_buf_append(t, s, strlen(s));
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

int tenyo_builder_add(tenyo_builder *b, const tenyo_doc *d) {
    if (!b || !d || !d->id) return TENYO_ERR_ARG;
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (!*d->id) {
        ty_seterr(b->err, sizeof b->err, "record without id");
        return TENYO_ERR_INPUT;
    }
    if (b->n == 0 && b->t0 == 0) b->t0 = ty_now();
    bdoc nd = {0};
    ty_buf text = {0}, codes = {0};
    int rc = TENYO_ERR_NOMEM;
    if (add_text(&text, d->title) || add_text(&text, d->abstract) ||
        add_text(&text, d->claims))
        goto fail;
    if ((!d->abstract || !*d->abstract) && (!d->claims || !*d->claims) &&
        add_text(&text, d->description))
        goto fail;
    for (size_t i = 0; i < d->ncodes; i++) {
        if (!d->codes[i] || !*d->codes[i]) continue;
        /* ';' separates: FI codes contain commas (B23K9/12,331@L) */
        if (codes.len && ty_buf_putc(&codes, ';')) goto fail;
        if (ty_buf_append(&codes, d->codes[i], strlen(d->codes[i]))) goto fail;
    }
    nd.id = ty_strdup(d->id);
    nd.title = d->title && *d->title ? ty_strdup(d->title)
                                     : display_title(d->abstract);
    nd.applicant = ty_strdup(d->applicant ? d->applicant : "");
    nd.date = ty_strdup(d->date ? d->date : "");
    nd.codes = codes.p ? codes.p : ty_strdup("");
    codes.p = NULL;
    nd.text = text.p ? text.p : ty_strdup("");
    text.p = NULL;
    if (!nd.id || !nd.title || !nd.applicant || !nd.date || !nd.codes ||
        !nd.text)
        goto fail;
    nd.open = d->open ? 1 : 0;
    nd.lang = d->lang && strcmp(d->lang, "ja") == 0   ? 0
              : d->lang && strcmp(d->lang, "en") == 0 ? 1
                                                      : -1;
    int is_new = 0;
    int64_t slot = ty_strmap_intern(b->ids, d->id, strlen(d->id), &is_new);
    if (slot < 0) {
        rc = (int)slot;
        goto fail;
    }
    if (!is_new) {
        bdoc_free(&b->docs[slot]);
        b->docs[slot] = nd;
        b->duplicates++;
        return TENYO_OK;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        bdoc *p = ty_reallocarray(b->docs, cap, sizeof *p);
        if (!p) goto fail; /* the id stays interned: slot == n is reused */
        b->docs = p;
        b->cap = cap;
    }
    b->docs[b->n++] = nd;
    return TENYO_OK;
fail:
    ty_buf_free(&text);
    ty_buf_free(&codes);
    bdoc_free(&nd);
    ty_seterr(b->err, sizeof b->err, "out of memory adding %s", d->id);
    return rc;
}

/* ============================================================ tokenize */

typedef struct tok_job {
    tenyo_builder *b;          /* builder */
    dterms *out;               /* per-document terms */
    size_t end;                /* documents to do: [0, end) */
    atomic_size_t next;        /* next document to take */
    atomic_size_t done;        /* documents finished (progress) */
    int status;                /* first setup failure */
    pthread_mutex_t lock;      /* guards status and err */
    char err[TY_ERRLEN];       /* setup failure message */
} tok_job;

static void emit_term(void *ud, const char *t, size_t n) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->buf, t, n) || ty_buf_putc(&dt->buf, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->n++;
}

static void emit_surface(void *ud, const char *t, size_t n, const char *w,
                         size_t wn) {
    dterms *dt = ud;
    if (dt->status) return;
    if (ty_buf_append(&dt->surf, t, n) || ty_buf_putc(&dt->surf, 0x1f) ||
        ty_buf_append(&dt->surf, w, wn) || ty_buf_putc(&dt->surf, 0))
        dt->status = TENYO_ERR_NOMEM;
}

/* Keep the first BUILD_DOC_PHRASES distinct phrases of a document. */
static void emit_phrase(void *ud, const char *t, size_t tn, const char *e,
                        size_t en) {
    dterms *dt = ud;
    if (dt->status || dt->nphr >= BUILD_DOC_PHRASES || memchr(e, 0, en) ||
        memchr(t, 0x1f, tn) || memchr(e, 0x1f, en))
        return;
    /* distinct: compare with the ones kept */
    for (size_t at = 0; at < dt->phr.len;) {
        const char *q = dt->phr.p + at, *sep = strchr(q, 0x1f);
        size_t ql = strlen(q);
        if (sep && (size_t)(q + ql - sep - 1) == en && memcmp(sep + 1, e, en) == 0) return;
        at += ql + 1;
    }
    if (ty_buf_append(&dt->phr, t, tn) || ty_buf_putc(&dt->phr, 0x1f) ||
        ty_buf_append(&dt->phr, e, en) || ty_buf_putc(&dt->phr, 0)) {
        dt->status = TENYO_ERR_NOMEM;
        return;
    }
    dt->nphr++;
}

static void *tok_worker(void *arg) {
    tok_job *j = arg;
    ty_tokctx *c = NULL;
    char err[TY_ERRLEN];
    int rc = ty_tokctx_new(j->b->tok, &c, err, sizeof err);
    if (rc) {
        pthread_mutex_lock(&j->lock);
        if (!j->status) {
            j->status = rc;
            memcpy(j->err, err, sizeof err);
        }
        pthread_mutex_unlock(&j->lock);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->end) break;
        bdoc *d = &j->b->docs[i];
        dterms *dt = &j->out[i];
        ty_tok_sink sink = {emit_term, emit_surface, emit_phrase, dt};
        int r = ty_tokenize_sink(c, d->text, strlen(d->text), &sink);
        if (r < 0 && !dt->status) dt->status = r;
        if (d->lang < 0) {
            const char *l = ty_detect_lang(d->text, strlen(d->text));
            d->lang = l && strcmp(l, "ja") == 0 ? 0 : 1;
        }
        free(d->text);
        d->text = NULL;
        atomic_fetch_add(&j->done, 1);
    }
    ty_tokctx_free(c);
    return NULL;
}

/* Tokenize all documents with b->o.threads workers into out[]. */
static int tokenize_all(tenyo_builder *b, dterms *out) {
    tok_job j = {.b = b, .out = out, .end = b->n};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    pthread_mutex_init(&j.lock, NULL);
    int nt = b->o.threads;
    if ((size_t)nt > b->n) nt = b->n ? (int)b->n : 1;
    pthread_t th[256];
    int started = 0;
    for (int t = 0; t < nt; t++) {
        if (pthread_create(&th[t], NULL, tok_worker, &j)) break;
        started++;
    }
    if (!started) tok_worker(&j);
    /* report progress from this thread while workers run */
    if (b->o.progress && started) {
        size_t last = (size_t)-1;
        for (;;) {
            size_t d = atomic_load(&j.done);
            if (d != last) b->o.progress(b->o.progress_ud, "tokenize", d, b->n);
            last = d;
            if (d >= b->n || j.status) break;
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&j.lock);
    if (j.status) {
        ty_seterr(b->err, sizeof b->err, "tokenizer: %s", j.err);
        return j.status;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (out[i].status == TENYO_ERR_NOMEM) {
            ty_seterr(b->err, sizeof b->err, "out of memory tokenizing");
            return TENYO_ERR_NOMEM;
        }
        /* invalid text was reported by the reader; index it as empty */
        if (out[i].status < 0) {
            ty_buf_free(&out[i].buf);
            ty_buf_free(&out[i].surf);
            ty_buf_free(&out[i].phr);
            out[i].n = 0;
            out[i].nphr = 0;
        }
    }
    return TENYO_OK;
}

/* ============================================================== fields */

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
static int next_subclass(const char **p, char sc[5]) {
    while (**p) {
        const char *e = strchr(*p, ';');
        size_t len = e ? (size_t)(e - *p) : strlen(*p);
        int ok = code_subclass(*p, len, sc);
        *p += len + (e ? 1 : 0);
        if (ok) return 1;
    }
    return 0;
}

static int cmp_code8(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

static int cmp_u16(const void *a, const void *b) {
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

/* Build the field table and per-document field lists; also the "fields"
 * metadata string of each document into fstr[i] (malloc'd). */
static int build_fields(tenyo_builder *b, ty_model *m, char **fstr) {
    ty_strmap *fm = ty_strmap_new();
    if (!fm) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_NOMEM;
    char sc[5];
    /* pass 1: distinct codes */
    for (size_t i = 0; i < b->n; i++) {
        const char *p = b->docs[i].codes;
        while (next_subclass(&p, sc))
            if (ty_strmap_intern(fm, sc, 4, NULL) < 0) goto done;
    }
    uint32_t nf = ty_strmap_size(fm);
    if (nf > TY_MAX_FIELDS) {
        ty_seterr(b->err, sizeof b->err, "too many distinct fields (%u)", nf);
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    m->nfields = nf;
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_calloc(nf ? nf : 1, sizeof *m->field_count);
    m->field_ptr = ty_calloc(b->n + 1, sizeof *m->field_ptr);
    if (!m->field_code || !m->field_count || !m->field_ptr) goto done;
    for (uint32_t f = 0; f < nf; f++)
        memcpy(m->field_code[f], ty_strmap_key(fm, f, NULL), 4);
    qsort(m->field_code, nf, sizeof *m->field_code, cmp_code8); /* sorted */
    ty_strmap_free(fm);
    fm = ty_strmap_new();
    if (!fm) goto done;
    for (uint32_t f = 0; f < nf; f++)
        if (ty_strmap_intern(fm, m->field_code[f], 4, NULL) < 0) goto done;
    /* pass 2: per-document sorted unique field ids */
    size_t cap = 1024, used = 0;
    m->field_ids = ty_mallocarray(cap, sizeof *m->field_ids);
    if (!m->field_ids) goto done;
    for (size_t i = 0; i < b->n; i++) {
        size_t start = used;
        const char *p = b->docs[i].codes;
        while (next_subclass(&p, sc)) {
            uint16_t f = (uint16_t)ty_strmap_get(fm, sc, 4);
            int seen = 0;
            for (size_t q = start; q < used; q++) seen |= m->field_ids[q] == f;
            if (seen) continue;
            if (used == cap) {
                cap *= 2;
                uint16_t *np = ty_reallocarray(m->field_ids, cap, sizeof *np);
                if (!np) goto done;
                m->field_ids = np;
            }
            m->field_ids[used++] = f;
        }
        /* keep the first code's field first (the "home" of EVAL.md), then
         * the rest sorted */
        if (used - start > 2)
            qsort(m->field_ids + start + 1, used - start - 1, sizeof(uint16_t), cmp_u16);
        m->field_ptr[i + 1] = used;
        ty_buf s = {0};
        for (size_t q = start; q < used; q++) {
            m->field_count[m->field_ids[q]]++;
            if ((q > start && ty_buf_putc(&s, ',')) ||
                ty_buf_append(&s, m->field_code[m->field_ids[q]], 4)) {
                ty_buf_free(&s);
                goto done;
            }
        }
        fstr[i] = s.p ? s.p : ty_strdup("");
        if (!fstr[i]) goto done;
    }
    rc = TENYO_OK;
done:
    ty_strmap_free(fm);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory building fields");
    return rc;
}

/* Metadata blob: TY_META_NSTR strings per document. */
static int build_meta(tenyo_builder *b, ty_model *m, char **fstr) {
    ty_buf blob = {0};
    m->meta_off = ty_mallocarray(b->n ? b->n * TY_META_NSTR : 1, sizeof(uint64_t));
    m->open = ty_calloc(b->n ? b->n : 1, 1);
    m->lang = ty_calloc(b->n ? b->n : 1, 1);
    if (!m->meta_off || !m->open || !m->lang) goto nomem;
    for (size_t i = 0; i < b->n; i++) {
        const bdoc *d = &b->docs[i];
        const char *s[TY_META_NSTR];
        s[TY_META_ID] = d->id;
        s[TY_META_TITLE] = d->title;
        s[TY_META_APPLICANT] = d->applicant;
        s[TY_META_DATE] = d->date;
        s[TY_META_CODES] = d->codes;
        s[TY_META_FIELDS] = fstr[i];
        for (int j = 0; j < TY_META_NSTR; j++) {
            m->meta_off[i * TY_META_NSTR + j] = blob.len;
            if (ty_buf_append(&blob, s[j], strlen(s[j]) + 1)) goto nomem;
        }
        m->open[i] = (uint8_t)d->open;
        m->lang[i] = (uint8_t)(d->lang == 0 ? 0 : 1);
    }
    m->meta_blob = blob.p ? blob.p : ty_strdup("");
    m->meta_blob_len = blob.len;
    return m->meta_blob ? TENYO_OK : TENYO_ERR_NOMEM;
nomem:
    ty_buf_free(&blob);
    ty_seterr(b->err, sizeof b->err, "out of memory building metadata");
    return TENYO_ERR_NOMEM;
}

/* ============================================================== weight */

typedef struct tc_pair { uint32_t t; float c; } tc_pair;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Intern terms in document order, count df, filter the vocabulary and
 * build the TF-IDF CSR into m. */
static int build_tfidf(tenyo_builder *b, dterms *dt, ty_model *m) {
    int rc = TENYO_ERR_NOMEM;
    ty_strmap *voc = ty_strmap_new();
    uint32_t *df = NULL, *remap = NULL;
    uint32_t **dids = ty_calloc(b->n ? b->n : 1, sizeof *dids);
    if (!voc || !dids) goto done;
    uint64_t total = 0;
    /* intern: per doc, the sorted list of raw term ids (with repeats) */
    for (size_t i = 0; i < b->n; i++) {
        dids[i] = ty_mallocarray(dt[i].n ? dt[i].n : 1, sizeof(uint32_t));
        if (!dids[i]) goto done;
        const char *p = dt[i].buf.p;
        for (uint32_t k = 0; k < dt[i].n; k++) {
            size_t len = strlen(p);
            int64_t id = ty_strmap_intern(voc, p, len, NULL);
            if (id < 0) { rc = (int)id; goto done; }
            dids[i][k] = (uint32_t)id;
            p += len + 1;
        }
        ty_buf_free(&dt[i].buf);
        qsort(dids[i], dt[i].n, sizeof(uint32_t), cmp_u32);
        total += dt[i].n;
    }
    uint32_t nraw = ty_strmap_size(voc);
    df = ty_calloc(nraw ? nraw : 1, sizeof *df);
    remap = ty_mallocarray(nraw ? nraw : 1, sizeof *remap);
    if (!df || !remap) goto done;
    for (size_t i = 0; i < b->n; i++)
        for (uint32_t k = 0; k < dt[i].n; k++)
            if (k == 0 || dids[i][k] != dids[i][k - 1]) df[dids[i][k]]++;
    double maxdf = b->o.max_df_ratio * (double)b->n;
    uint32_t nt = 0;
    for (uint32_t t = 0; t < nraw; t++) {
        int keep = df[t] >= (uint32_t)b->o.min_df && (double)df[t] <= maxdf;
        /* tiny corpora: max_df would drop everything common; keep terms
         * when fewer than 10 documents */
        if (b->n < 10) keep = df[t] >= 1;
        remap[t] = keep ? nt++ : UINT32_MAX;
    }
    /* vocabulary arrays */
    m->nterms = nt;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    m->df = ty_mallocarray(nt ? nt : 1, sizeof *m->df);
    m->idf = ty_mallocarray(nt ? nt : 1, sizeof *m->idf);
    if (!m->term_off || !m->df || !m->idf) goto done;
    ty_buf blob = {0};
    for (uint32_t t = 0; t < nraw; t++) {
        if (remap[t] == UINT32_MAX) continue;
        size_t len;
        const char *key = ty_strmap_key(voc, t, &len);
        m->term_off[remap[t]] = blob.len;
        m->df[remap[t]] = df[t];
        if (ty_buf_append(&blob, key, len + 1)) {
            ty_buf_free(&blob);
            goto done;
        }
    }
    m->term_blob = blob.p ? blob.p : ty_strdup("");
    m->term_blob_len = blob.len;
    if (!m->term_blob) goto done;
    ty_idf_compute(m->df, nt, b->n, m->idf);
    /* CSR rows */
    ty_csr *a = &m->tfidf;
    a->nrows = b->n;
    a->ncols = nt;
    a->rowptr = ty_calloc(b->n + 1, sizeof *a->rowptr);
    uint64_t cap = total ? total : 1;
    a->col = ty_mallocarray(cap, sizeof *a->col);
    a->val = ty_mallocarray(cap, sizeof *a->val);
    m->tf = ty_mallocarray(cap, sizeof *m->tf);
    if (!a->rowptr || !a->col || !a->val || !m->tf) goto done;
    uint64_t nnz = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t start = nnz;
        for (uint32_t k = 0; k < dt[i].n;) {
            uint32_t raw = dids[i][k], c = 0;
            while (k < dt[i].n && dids[i][k] == raw) { c++; k++; }
            if (remap[raw] == UINT32_MAX) continue;
            a->col[nnz] = remap[raw];
            a->val[nnz] = (float)c;
            m->tf[nnz] = c;
            nnz++;
        }
        /* remap preserves order, so columns are already sorted */
        ty_tfidf_row(a->col + start, a->val + start, nnz - start, m->idf);
        a->rowptr[i + 1] = nnz;
        free(dids[i]);
        dids[i] = NULL;
    }
    rc = TENYO_OK;
done:
    if (dids)
        for (size_t i = 0; i < b->n; i++) free(dids[i]);
    free(dids);
    free(df);
    free(remap);
    ty_strmap_free(voc);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory weighting terms");
    return rc;
}

/* ============================================================== extras */

/* Surface words of stemmed terms (the most frequent word per kept term, by
 * a majority vote in document order: deterministic, one candidate per
 * term) and the per-document application phrases, interned in document
 * order. Consumes dt[].surf and dt[].phr. */
static int build_extras(tenyo_builder *b, dterms *dt, ty_model *m) {
    int rc = TENYO_ERR_NOMEM;
    uint64_t nt = m->nterms;
    ty_strmap *voc = ty_strmap_new(), *words = ty_strmap_new(), *phr = ty_strmap_new();
    int64_t *cand = ty_mallocarray(nt ? nt : 1, sizeof *cand);
    uint32_t *votes = ty_calloc(nt ? nt : 1, sizeof *votes);
    ty_buf blob = {0};
    if (!voc || !words || !phr || !cand || !votes) goto done;
    for (uint64_t t = 0; t < nt; t++) {
        const char *k = m->term_blob + m->term_off[t];
        if (ty_strmap_intern(voc, k, strlen(k), NULL) < 0) goto done;
        cand[t] = -1;
    }
    int any = 0;
    for (size_t i = 0; i < b->n; i++) {
        for (size_t at = 0; at < dt[i].surf.len;) {
            const char *q = dt[i].surf.p + at, *sep = strchr(q, 0x1f);
            size_t ql = strlen(q);
            at += ql + 1;
            if (!sep) continue;
            int64_t t = ty_strmap_get(voc, q, (size_t)(sep - q));
            if (t < 0) continue;
            int64_t w = ty_strmap_intern(words, sep + 1, strlen(sep + 1), NULL);
            if (w < 0) goto done;
            if (cand[t] == w) votes[t]++;
            else if (votes[t] == 0) { cand[t] = w; votes[t] = 1; any = 1; }
            else votes[t]--;
        }
        ty_buf_free(&dt[i].surf);
    }
    if (any) {
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto done;
        for (uint64_t t = 0; t < nt; t++) {
            size_t wl = 0;
            const char *w = cand[t] >= 0 ? ty_strmap_key(words, (uint32_t)cand[t], &wl) : "";
            const char *term = m->term_blob + m->term_off[t];
            if (strlen(term) == wl && memcmp(term, w, wl) == 0) wl = 0; /* the term itself */
            m->surf_off[t] = blob.len;
            if (ty_buf_append(&blob, w, wl) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->surf_blob = blob.p;
        m->surf_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    /* phrases */
    uint64_t nids = 0;
    for (size_t i = 0; i < b->n; i++) nids += dt[i].nphr;
    if (nids) {
        m->phr_ptr = ty_mallocarray(b->n + 1, sizeof *m->phr_ptr);
        m->phr_ids = ty_mallocarray(nids, sizeof *m->phr_ids);
        if (!m->phr_ptr || !m->phr_ids) goto done;
        m->phr_ptr[0] = 0;
        uint64_t k = 0;
        for (size_t i = 0; i < b->n; i++) {
            for (size_t at = 0; at < dt[i].phr.len;) {
                const char *q = dt[i].phr.p + at;
                size_t ql = strlen(q);
                at += ql + 1;
                int64_t id = ty_strmap_intern(phr, q, ql, NULL);
                if (id < 0) goto done;
                m->phr_ids[k++] = (uint32_t)id;
            }
            m->phr_ptr[i + 1] = k;
            ty_buf_free(&dt[i].phr);
        }
        m->nphrases = ty_strmap_size(phr);
        m->phr_off = ty_mallocarray(m->nphrases, sizeof *m->phr_off);
        if (!m->phr_off) goto done;
        for (uint64_t p = 0; p < m->nphrases; p++) {
            size_t l;
            const char *q = ty_strmap_key(phr, (uint32_t)p, &l);
            m->phr_off[p] = blob.len;
            if (ty_buf_append(&blob, q, l) || ty_buf_putc(&blob, 0)) goto done;
        }
        m->phr_blob = blob.p;
        m->phr_blob_len = blob.len;
        blob = (ty_buf){0};
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&blob);
    ty_strmap_free(voc);
    ty_strmap_free(words);
    ty_strmap_free(phr);
    free(cand);
    free(votes);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory collecting phrases");
    return rc;
}

/* ============================================================== factor */

static int build_lsa(tenyo_builder *b, ty_model *m) {
    uint64_t mn = m->ndocs < m->nterms ? m->ndocs : m->nterms;
    uint64_t k = b->o.dim > 0 ? (uint64_t)b->o.dim : 256;
    if (k > mn / 2) k = mn / 2;
    if (k == 0 && mn > 0) k = 1;
    m->dim = (uint32_t)k;
    if (k == 0) return TENYO_OK;
    m->sigma = ty_calloc(k, sizeof *m->sigma);
    m->basis = ty_mallocarray(m->nterms * k, sizeof *m->basis);
    m->docvec = ty_mallocarray(m->ndocs * k, sizeof *m->docvec);
    if (!m->sigma || !m->basis || !m->docvec) {
        ty_seterr(b->err, sizeof b->err, "out of memory for LSA (rank %llu)",
                  (unsigned long long)k);
        return TENYO_ERR_NOMEM;
    }
    ty_svd_opts so = {.rank = (int)k, .oversample = b->o.oversample,
                      .power_iters = b->o.power_iters, .seed = b->o.seed,
                      .threads = b->o.threads};
    int rc = ty_svd_randomized(&m->tfidf, &so, NULL, m->sigma, m->basis,
                               b->err, sizeof b->err);
    if (rc) return rc;
    ty_csr_mul_dense(&m->tfidf, m->basis, k, m->docvec, b->o.threads);
    for (uint64_t i = 0; i < m->ndocs; i++) {
        float *v = m->docvec + i * k;
        double n = 0;
        for (uint64_t j = 0; j < k; j++) n += (double)v[j] * v[j];
        if (n > 0) {
            float inv = (float)(1.0 / sqrt(n));
            for (uint64_t j = 0; j < k; j++) v[j] *= inv;
        }
    }
    return TENYO_OK;
}

/* ================================================================ write */

int tenyo_builder_write(tenyo_builder *b, const char *path,
                        tenyo_build_stats *st) {
    if (!b || !path) return TENYO_ERR_ARG;
    if (st) memset(st, 0, sizeof *st);
    if (b->written) {
        ty_seterr(b->err, sizeof b->err, "builder already written");
        return TENYO_ERR_ARG;
    }
    if (b->n == 0) {
        ty_seterr(b->err, sizeof b->err, "no documents to index");
        return TENYO_ERR_EMPTY;
    }
    if (b->t0 == 0) b->t0 = ty_now();
    ty_model m = {0};
    char **fstr = NULL;
    dterms *dt = ty_calloc(b->n, sizeof *dt);
    int rc = TENYO_ERR_NOMEM;
    if (!dt) goto done;
    double t1 = ty_now();
    b->written = 1;
    rc = tokenize_all(b, dt);
    if (rc) goto done;
    double t2 = ty_now();
    uint64_t empty = 0;
    for (size_t i = 0; i < b->n; i++) empty += dt[i].n == 0;
    m.ndocs = b->n;
    rc = build_tfidf(b, dt, &m);
    if (rc) goto done;
    rc = build_extras(b, dt, &m);
    if (rc) goto done;
    if (b->o.progress) b->o.progress(b->o.progress_ud, "svd", 0, 1);
    double t3 = ty_now();
    rc = build_lsa(b, &m);
    if (rc) goto done;
    if (b->o.ivf_lists != 0 && m.dim > 0 && m.ndocs > 0) {
        /* approximate-search lists over the document vectors */
        if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 0, 1);
        ty_ivf_opts io = {0};
        io.nlist = b->o.ivf_lists > 0 ? (uint32_t)b->o.ivf_lists : 0;
        io.seed = b->o.seed;
        ty_ivf iv;
        memset(&iv, 0, sizeof iv);
        ty_buf blob = {0};
        rc = ty_ivf_build(m.docvec, m.ndocs, m.dim, &io, &iv, b->err, sizeof b->err);
        if (!rc) rc = ty_ivf_write(&iv, &blob);
        ty_ivf_free(&iv);
        if (rc) {
            ty_buf_free(&blob);
            goto done;
        }
        m.ivf_blob = blob.p;
        m.ivf_len = blob.len;
        if (b->o.progress) b->o.progress(b->o.progress_ud, "ivf", 1, 1);
    }
    double t4 = ty_now();
    if (b->o.progress) b->o.progress(b->o.progress_ud, "svd", 1, 1);
    rc = TENYO_ERR_NOMEM;
    fstr = ty_calloc(b->n, sizeof *fstr);
    if (!fstr) goto done;
    rc = build_fields(b, &m, fstr);
    if (rc) goto done;
    rc = build_meta(b, &m, fstr);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    m.tokenizer = ty_strdup(ty_tokenizer_identity(b->tok));
    m.writer = ty_strdup("tenyo " TENYO_VERSION_STRING);
    m.mecab_dicdir = ty_strdup(b->dicdir ? b->dicdir : "");
    if (!m.tokenizer || !m.writer || !m.mecab_dicdir) goto done;
    m.keep_parts = b->o.tok.keep_parts;
    m.stem = b->o.tok.stem;
    m.seed = b->o.seed;
    m.min_df = b->o.min_df;
    m.max_df_ratio = b->o.max_df_ratio;
    m.oversample = b->o.oversample;
    m.power_iters = b->o.power_iters;
    m.created = 0; /* not stored: identical input gives identical bytes */
    if (b->o.nipc_titles) {
        /* IPC titles recorded in the index: read (and so checked) now */
        ty_labels *lab = NULL;
        ty_buf lb = {0};
        rc = ty_labels_new(&lab);
        for (size_t i = 0; i < b->o.nipc_titles && !rc; i++)
            rc = ty_labels_load(lab, b->o.ipc_titles[i], b->err, sizeof b->err);
        if (!rc) rc = ty_labels_serialize(lab, &lb);
        ty_labels_free(lab);
        if (rc) {
            ty_buf_free(&lb);
            goto done;
        }
        m.labels_blob = lb.p;
        m.labels_len = lb.len;
    }
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 0, 1);
    rc = ty_store_write(&m, path, b->err, sizeof b->err);
    if (rc) goto done;
    if (b->o.progress) b->o.progress(b->o.progress_ud, "write", 1, 1);
    if (st) {
        st->docs = m.ndocs;
        st->duplicates = b->duplicates;
        st->empty = empty;
        st->terms = m.nterms;
        st->nnz = m.tfidf.rowptr[m.ndocs];
        st->dim = (int)m.dim;
        st->sec_tokenize = t2 - t1;
        st->sec_svd = t4 - t3;
        st->sec_total = ty_now() - b->t0;
        st->file_bytes = m.file_bytes;
    }
done:
    if (fstr)
        for (size_t i = 0; i < b->n; i++) free(fstr[i]);
    free(fstr);
    if (dt)
        for (size_t i = 0; i < b->n; i++) {
            ty_buf_free(&dt[i].buf);
            ty_buf_free(&dt[i].surf);
            ty_buf_free(&dt[i].phr);
        }
    free(dt);
    ty_model_free(&m);
    if (rc == TENYO_ERR_NOMEM && !b->err[0])
        ty_seterr(b->err, sizeof b->err, "out of memory");
    return rc;
}
