/*
 * build_fields.c — the field table (every IPC subclass of the live
 * documents, sorted, with its document count), each document's fields,
 * its numbers, and the metadata strings and abstracts the model stores,
 * built at write from what build_docs.c kept; and the keyword index
 * (api/kwtext.c), made on a thread of its own from the titles and whole
 * abstracts while the SVD and the field model run (ty_bld_kw_start, as
 * soon as the last batch is merged), and taken at the metadata
 * (ty_bld_kw_finish). Those two leave a core partly idle on 2 cores (the
 * SVD's Cholesky and small products run on fewer threads than the sparse
 * ones), and the keyword index ran after them on about one. The section's
 * bytes are the same (the same function on the same inputs; its folding
 * gives the same bytes for any thread count). The thread also makes the
 * section's zstd frame (ty_store_frame: the write's largest compression)
 * and frees the raw section. The cost: the frame is in memory during the
 * SVD, not only at the write. The packing's peak (the text, the bigram
 * lists and their joined bytes) and a transpose of the rows by the SVD
 * would be a build's two largest transient allocations: the SVD waits for
 * this thread before it makes one (ty_bld_kw_wait, its before_at hook; the
 * wait counts in the keywords' seconds), so that they never meet (at 1M
 * documents they were the build's peak, 8.9 of 8.9 GiB). Since A^T Q
 * walks the rows in document order, in bands of 16 MiB, on one process
 * and on each tenyo-mpi rank, no build makes a transpose and the packing
 * runs beside the whole SVD (the 1M build's peak stayed 7,640 MiB).
 */
#include "api/api.h"
#include "api/build.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================== fields */

static int cmp_code8(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

/* The "fields" metadata string of a document whose ty_bld_fields_of list is f:
 * the codes ','-joined (malloc'd; NULL: out of memory). */
char *ty_bld_fields_string(const ty_buf *f) {
    ty_buf s = {0};
    for (size_t q = 0; q < f->len; q += 4)
        if ((q && ty_buf_putc(&s, ',')) || ty_buf_append(&s, f->p + q, 4)) {
            ty_buf_free(&s);
            return NULL;
        }
    return s.p ? s.p : ty_strdup("");
}

/* Build the field table and per-document field lists; also the "fields"
 * metadata string of each document into fstr[i] (malloc'd) unless fstr
 * is NULL. */
int ty_bld_build_fields(tenyo_builder *b, ty_model *m, char **fstr) {
    ty_buf fl = {0};
    ty_strmap *fm = ty_strmap_new();
    if (!fm) return TENYO_ERR_NOMEM;
    int rc = TENYO_ERR_NOMEM;
    char sc[5];
    /* pass 1: distinct codes */
    for (size_t i = 0; i < b->n; i++) {
        const char *p = ty_bld_meta_get(&b->docs[i], BM_CODES);
        while (ty_bld_next_subclass(&p, sc))
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
    /* pass 2: per-document unique field ids, in ty_bld_fields_of's order */
    size_t cap = 1024, used = 0;
    m->field_ids = ty_mallocarray(cap, sizeof *m->field_ids);
    if (!m->field_ids) goto done;
    for (size_t i = 0; i < b->n; i++) {
        size_t start = used;
        if (ty_bld_fields_of(ty_bld_meta_get(&b->docs[i], BM_CODES), &fl)) goto done;
        for (size_t q = 0; q < fl.len; q += 4) {
            if (used == cap) {
                cap *= 2;
                uint16_t *np = ty_reallocarray(m->field_ids, cap, sizeof *np);
                if (!np) goto done;
                m->field_ids = np;
            }
            m->field_ids[used++] = (uint16_t)ty_strmap_get(fm, fl.p + q, 4);
        }
        m->field_ptr[i + 1] = used;
        for (size_t q = start; q < used; q++) m->field_count[m->field_ids[q]]++;
        if (fstr && !(fstr[i] = ty_bld_fields_string(&fl))) goto done;
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&fl);
    ty_strmap_free(fm);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(b->err, sizeof b->err, "out of memory building fields");
    return rc;
}

/* Metadata blob: TY_META_NSTR strings per document. Each document's
 * metadata is freed as it is copied. ty_bld_docs_elsewhere (fstr NULL): the
 * flags only, no blob nor abstracts (the shards' writers make them);
 * *any_abs whether a document has an abstract to keep. */
/* The documents' other numbers as "number\tid\n" lines (section
 * "numbers"), in document order; their strings freed. The id from the
 * model's metadata when built, else from the id table (a shared build whose
 * metadata the shard writers make: slot = id number). 0 or NOMEM. */
static int build_numbers(tenyo_builder *b, ty_model *m) {
    ty_buf nb = {0};
    for (size_t i = 0; i < b->n; i++) {
        size_t idn = 0;
        const char *s = b->docs[i].nums, *id = NULL;
        if (s && m->meta_off) {
            id = ty_meta_str(m, i, TY_META_ID);
            idn = strlen(id);
        } else if (s) {
            id = ty_strmap_key(b->ids, (uint32_t)i, &idn);
        }
        while (s && *s && id) {
            size_t l = strcspn(s, "\n");
            if (l && !memchr(s, '\t', l) &&
                (ty_buf_append(&nb, s, l) || ty_buf_putc(&nb, '\t') ||
                 ty_buf_append(&nb, id, idn) || ty_buf_putc(&nb, '\n'))) {
                ty_buf_free(&nb);
                return TENYO_ERR_NOMEM;
            }
            s += l + (s[l] == '\n');
        }
        free(b->docs[i].nums);
        b->docs[i].nums = NULL;
    }
    if (nb.len) {
        m->numbers_blob = nb.p;
        m->numbers_len = nb.len;
    }
    return TENYO_OK;
}

/* ======================================================= keyword index */

/* The keyword index made beside the SVD and the field model (it needs only
 * the titles and abstracts, which nothing changes or frees before
 * ty_bld_build_meta, and that waits for it first): its inputs, its own
 * model for the result, its thread. */
typedef struct kw_fly {
    const char **titles;       /* per document: its title (in its meta) */
    const char **abs;          /* per document: its whole abstract, or NULL */
    ty_model km;               /* ndocs; kw_blob / kw_len once made,
                                  and on the thread its frame (kw_frame) */
    int threads;               /* the folding's threads */
    int threaded;              /* th runs (else made at finish) */
    int done;                  /* made (rc holds how) */
    int rc;                    /* ty_kw_build's status */
    double sec;                /* its wall seconds */
    pthread_t th;
    char err[TY_ERRLEN];       /* its message */
} kw_fly;

static void kw_make(kw_fly *k) {
    double t0 = ty_now();
    k->rc = ty_kw_build(&k->km, k->titles, k->abs, k->threads, k->err, sizeof k->err);
    k->sec = ty_now() - t0;
    k->done = 1;
}

/* On the thread: the section made, then its zstd frame (the write's
 * largest compression, here beside the SVD instead of after it), and the
 * raw section freed (the write needs only the frame and its raw size). */
static void *kw_main(void *ud) {
    kw_fly *k = ud;
    kw_make(k);
    if (!k->rc) {
        ty_buf f = {0};
        /* layout 2 holds compressed frames of its own: stored blocks, read
         * in place (store/lazysec.c) */
        int v2 = k->km.kw_len >= 4 && !memcmp(k->km.kw_blob, "TKW2", 4);
        k->rc = (v2 ? ty_store_frame_stored : ty_store_frame)(k->km.kw_blob, k->km.kw_len, &f,
                                                              k->err, sizeof k->err);
        k->km.kw_frame = (unsigned char *)f.p;
        k->km.kw_frame_len = f.len;
        if (!k->rc) {
            free(k->km.kw_blob);
            k->km.kw_blob = NULL;
        }
    }
    return NULL;
}

void ty_bld_kw_drop(tenyo_builder *b) {
    kw_fly *k = b->kwfly;
    if (!k) return;
    b->kwfly = NULL;
    if (k->threaded) pthread_join(k->th, NULL);
    for (size_t i = 0; k->abs && i < b->n; i++)
        if (k->abs[i] && k->abs[i] != b->docs[i].abs) free((char *)k->abs[i]);
    free(k->titles);
    free(k->abs);
    free(k->km.kw_blob);
    free(k->km.kw_frame);
    free(k);
}

int ty_bld_kw_start(tenyo_builder *b) {
    if (b->o.shards > 0 || ty_bld_docs_elsewhere(b) || b->kwfly) return TENYO_OK;
    kw_fly *k = ty_calloc(1, sizeof *k);
    if (!k) return TENYO_ERR_NOMEM;
    b->kwfly = k;
    k->titles = ty_mallocarray(b->n ? b->n : 1, sizeof *k->titles);
    k->abs = ty_calloc(b->n ? b->n : 1, sizeof *k->abs);
    if (!k->titles || !k->abs) return TENYO_ERR_NOMEM;
    for (size_t i = 0; i < b->n; i++) {
        k->titles[i] = ty_bld_meta_get(&b->docs[i], BM_TITLE);
        k->abs[i] = b->docs[i].abs_long ? b->docs[i].abs_long : b->docs[i].abs;
        b->docs[i].abs_long = NULL; /* k's now (freed by ty_bld_kw_drop) */
    }
    k->km.ndocs = b->n;
    k->threads = b->o.threads;
    if (b->o.threads > 1 && pthread_create(&k->th, NULL, kw_main, k) == 0) k->threaded = 1;
    return TENYO_OK;
}

void ty_bld_kw_wait(tenyo_builder *b) {
    kw_fly *k = b->kwfly;
    if (!k || !k->threaded) return;
    double t0 = ty_now();
    pthread_join(k->th, NULL);
    k->threaded = 0;
    b->sec_kw += ty_now() - t0;
}

int ty_bld_kw_finish(tenyo_builder *b, ty_model *m) {
    int rc = b->kwfly ? TENYO_OK : ty_bld_kw_start(b);
    kw_fly *k = b->kwfly;
    if (rc || !k) return rc ? rc : TENYO_ERR_NOMEM;
    double t0 = ty_now();
    if (k->threaded) pthread_join(k->th, NULL);
    k->threaded = 0;
    if (!k->done) kw_make(k);
    /* what the build waited for: all of it when made here (and what
     * the SVD waited before its transpose: ty_bld_kw_wait) */
    b->sec_kw += ty_now() - t0;
    rc = k->rc;
    if (rc) {
        ty_seterr(b->err, sizeof b->err, "%s", k->err);
    } else {
        m->kw_blob = k->km.kw_blob;
        m->kw_len = k->km.kw_len;
        m->kw_frame = k->km.kw_frame;
        m->kw_frame_len = k->km.kw_frame_len;
        k->km.kw_blob = NULL;
        k->km.kw_frame = NULL;
    }
    ty_bld_kw_drop(b);
    return rc;
}

int ty_bld_build_meta(tenyo_builder *b, ty_model *m, char **fstr, int *any_abs) {
    ty_buf blob = {0};
    *any_abs = 0;
    m->open = ty_calloc(b->n ? b->n : 1, 1);
    m->lang = ty_calloc(b->n ? b->n : 1, 1);
    if (!m->open || !m->lang) goto nomem;
    if (!fstr) {
        for (size_t i = 0; i < b->n; i++) {
            bdoc *d = &b->docs[i];
            m->open[i] = d->open;
            m->lang[i] = (uint8_t)(d->lang == 0 ? 0 : 1);
            *any_abs |= d->has_abs;
            free(d->meta);
            d->meta = NULL;
        }
        return build_numbers(b, m) ? TENYO_ERR_NOMEM : TENYO_OK;
    }
    if (b->o.shards <= 0) { /* the keyword index (section "keywords", api/kwtext.c),
                               first: it reads the titles in the metadata
                               freed below. A sharded index is written
                               without one (store/shards_write.c) */
        int rc = ty_bld_kw_finish(b, m);
        if (rc) return rc; /* the message in b->err; m owns what was made */
    }
    m->meta_off = ty_mallocarray(b->n ? b->n * TY_META_NSTR : 1, sizeof(uint64_t));
    if (!m->meta_off) goto nomem;
    for (size_t i = 0; i < b->n; i++) {
        bdoc *d = &b->docs[i];
        const char *s[TY_META_NSTR];
        s[TY_META_ID] = ty_bld_meta_get(d, BM_ID);
        s[TY_META_TITLE] = ty_bld_meta_get(d, BM_TITLE);
        s[TY_META_APPLICANT] = ty_bld_meta_get(d, BM_APPLICANT);
        s[TY_META_DATE] = ty_bld_meta_get(d, BM_DATE);
        s[TY_META_CODES] = ty_bld_meta_get(d, BM_CODES);
        s[TY_META_FIELDS] = fstr[i];
        for (int j = 0; j < TY_META_NSTR; j++) {
            m->meta_off[i * TY_META_NSTR + j] = blob.len;
            if (ty_buf_append(&blob, s[j], strlen(s[j]) + 1)) goto nomem;
        }
        m->open[i] = d->open;
        m->lang[i] = (uint8_t)(d->lang == 0 ? 0 : 1);
        free(d->meta);
        d->meta = NULL;
        free(fstr[i]);
        fstr[i] = NULL;
    }
    m->meta_blob = blob.p ? blob.p : ty_strdup("");
    m->meta_blob_len = blob.len;
    if (!m->meta_blob) goto nomem;
    if (build_numbers(b, m)) goto nomem;
    /* abstracts: a section when any document has one */
    size_t with = 0;
    for (size_t i = 0; i < b->n; i++) with += b->docs[i].abs != NULL;
    *any_abs = with > 0;
    if (with) {
        ty_buf ab = {0};
        for (size_t i = 0; i < b->n; i++) {
            const char *a = b->docs[i].abs ? b->docs[i].abs : "";
            if (ty_buf_append(&ab, a, strlen(a) + 1)) {
                ty_buf_free(&ab);
                goto nomem;
            }
            free(b->docs[i].abs);
            b->docs[i].abs = NULL;
        }
        m->abs_text = ab.p;
        m->abs_text_len = ab.len;
    }
    return TENYO_OK;
nomem:
    ty_buf_free(&blob);
    ty_seterr(b->err, sizeof b->err, "out of memory building metadata");
    return TENYO_ERR_NOMEM;
}
