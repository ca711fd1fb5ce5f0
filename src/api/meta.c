/*
 * meta.c — what an opened index says about itself and its documents,
 * without a query: the counts and build record (tenyo_index_info_get), a
 * patent by id or position (tenyo_index_find, tenyo_index_doc), the field
 * table and its titles (tenyo_index_field*, tenyo_field_label), the
 * co-classification counts (tenyo_index_cooccur, ty_cooccur_row) and each
 * field's characteristic terms in the field model (ty_field_top).
 *
 * Every call reads tables that are immutable once tenyo_index_open has
 * returned, so any thread may call them at once; the two things built on
 * first use are built under a once (the co-classification lists, which
 * surprise needs and similar does not: 0.25 s of opening a 1M index) or a
 * mutex (the composed "a field of class H05" labels, kept by the index).
 *
 * A lower file of the api folder: the rest of it (the open list, typed
 * patent numbers, updates) looks documents up through here, and nothing
 * here opens, writes or searches.
 */
#include "api/api.h"
#include "search/tpblk.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==================================================== co-classification */

/* Fill x->co_*: for each field a, through the documents of a (an inverted
 * list built first), count the fields of those documents in a dense scratch
 * row and keep the touched ones. Work is sum over documents of fields^2;
 * documents with more than TY_CO_MAX_FIELDS fields are left out. */
static int build_cooccur(tenyo_index *x) {
    const ty_model *m = &x->m;
    uint64_t nf = m->nfields, nd = m->ndocs;
    int rc = TENYO_ERR_NOMEM;
    uint64_t *fptr = ty_calloc(nf + 1, sizeof *fptr), *fill = NULL;
    uint32_t *fdocs = NULL, *cnt = NULL, *touched = NULL;
    ty_buf lf = {0}, ln = {0};
    x->co_ptr = ty_calloc(nf + 1, sizeof *x->co_ptr);
    if (!fptr || !x->co_ptr) goto done;
    uint64_t tot = 0;
    for (uint64_t d = 0; d < nd; d++) {
        uint64_t k = m->field_ptr[d + 1] - m->field_ptr[d];
        if (k > TY_CO_MAX_FIELDS) continue;
        for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++) fptr[m->field_ids[i] + 1]++;
        tot += k;
    }
    for (uint64_t f = 0; f < nf; f++) fptr[f + 1] += fptr[f];
    fdocs = ty_mallocarray(tot ? tot : 1, sizeof *fdocs);
    fill = ty_mallocarray(nf ? nf : 1, sizeof *fill);
    cnt = ty_calloc(nf ? nf : 1, sizeof *cnt);
    touched = ty_mallocarray(nf ? nf : 1, sizeof *touched);
    if (!fdocs || !fill || !cnt || !touched) goto done;
    memcpy(fill, fptr, nf * sizeof *fill);
    for (uint64_t d = 0; d < nd; d++) {
        if (m->field_ptr[d + 1] - m->field_ptr[d] > TY_CO_MAX_FIELDS) continue;
        for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++)
            fdocs[fill[m->field_ids[i]]++] = (uint32_t)d;
    }
    for (uint64_t a = 0; a < nf; a++) {
        size_t nt = 0;
        for (uint64_t j = fptr[a]; j < fptr[a + 1]; j++) {
            uint64_t d = fdocs[j];
            for (uint64_t i = m->field_ptr[d]; i < m->field_ptr[d + 1]; i++) {
                uint32_t b = m->field_ids[i];
                if (!cnt[b]++) touched[nt++] = b;
            }
        }
        /* ascending (insertion sort: lists are short) */
        for (size_t i = 1; i < nt; i++) {
            uint32_t v = touched[i];
            size_t j = i;
            for (; j > 0 && touched[j - 1] > v; j--) touched[j] = touched[j - 1];
            touched[j] = v;
        }
        for (size_t i = 0; i < nt; i++) {
            if (ty_buf_append(&lf, &touched[i], sizeof touched[i]) ||
                ty_buf_append(&ln, &cnt[touched[i]], sizeof cnt[touched[i]]))
                goto done;
            cnt[touched[i]] = 0;
        }
        x->co_ptr[a + 1] = x->co_ptr[a] + nt;
    }
    x->co_f = lf.p ? (uint32_t *)(void *)lf.p : ty_malloc(4);
    x->co_n = ln.p ? (uint32_t *)(void *)ln.p : ty_malloc(4);
    lf = ln = (ty_buf){0};
    if (x->co_f && x->co_n) rc = TENYO_OK;
done:
    ty_buf_free(&lf);
    ty_buf_free(&ln);
    free(fptr);
    free(fill);
    free(fdocs);
    free(cnt);
    free(touched);
    return rc;
}

/* The co-classification lists, built on first use (surprise needs them,
 * similar does not: 0.25 s of opening a 1M index; ty_cooccur_row's first
 * rows come from a pass over the documents instead), from any thread. */
static int cooc_build(void *arg) {
    const tenyo_index *x = arg;
    int rc = ty_model_need_docfields(&x->m, NULL, 0);
    return rc ? rc : build_cooccur(arg);
}

int ty_index_need_cooc(const tenyo_index *cx) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    return ty_once_run(&x->co_once, cooc_build, x);
}

/* Rows ty_cooccur_rows answers by a pass over the documents before it
 * builds the lists: an ideas query asks for its homes' rows (one to a
 * few, in one pass), and one pass over the documents' fields (~0.3 ms at
 * 60k) costs a small part of building every field's list (~3 ms at 60k,
 * 0.25 s at 1M); a context that asks for more (a server's queries) gets
 * the lists. */
#define CO_DIRECT_ROWS 32
size_t ty_cooc_part_min = 65536; /* documents a part of that pass at least */

typedef struct cooc_job {
    const ty_model *m;
    const uint32_t *is; /* per field: the bits of the rows it is */
    int n;              /* rows */
    uint32_t *part;     /* nparts blocks of n rows of nfields, zeroed */
} cooc_job;

/* Part t of nt: its documents' counts into its block of rows. */
static int cooc_part(void *ud, int t, int nt) {
    const cooc_job *j = ud;
    const ty_model *m = j->m;
    const uint32_t *is = j->is;
    uint32_t *rows = j->part + (size_t)t * (size_t)j->n * m->nfields;
    const uint16_t *ids = m->field_ids;
    uint64_t all = m->field_ptr[m->ndocs];
    for (uint64_t d = ty_split(m->ndocs, t, nt); d < ty_split(m->ndocs, t + 1, nt); d++) {
        uint64_t lo = m->field_ptr[d], hi = m->field_ptr[d + 1], k = hi - lo;
        if (k > TY_CO_MAX_FIELDS) continue;
        uint32_t hit = 0;
        if (k <= 4 && lo + 4 <= all) { /* most documents: four lookups, no branch on k
                                          (ids past hi are the next ones', checked < nfields) */
            hit = (is[ids[lo]] & (0u - (k > 0))) | (is[ids[lo + 1]] & (0u - (k > 1))) |
                  (is[ids[lo + 2]] & (0u - (k > 2))) | (is[ids[lo + 3]] & (0u - (k > 3)));
        } else {
            for (uint64_t i = lo; i < hi; i++) hit |= is[ids[i]];
        }
        for (; hit; hit &= hit - 1) { /* each field of d once (fields_check) */
            uint32_t *row = rows + (size_t)__builtin_ctz(hit) * m->nfields;
            for (uint64_t x = lo; x < hi; x++) row[ids[x]]++;
        }
    }
    return TENYO_OK;
}

/* The co-classification rows of fields a[0..n) into rows (a row of
 * nfields each, zeroed; a field < 0 or past the table keeps its row of
 * zeros), counted as build_cooccur counts them, in one pass over the
 * documents: for each occurrence of a[i] in a document of at most
 * TY_CO_MAX_FIELDS fields, every field of that document in row i. The
 * documents in nt parts, on as many threads (a million documents' lists:
 * 3 ms on one), each part's counts apart, then added: the same counts for
 * any nt. */
static int cooc_rows_scan(const ty_model *m, const int64_t *a, int n, uint32_t *rows, int nt) {
    size_t nf = m->nfields, cells = (size_t)n * nf;
    nt = ty_parallel_workers(nt < 1 ? 1 : nt, m->ndocs, ty_cooc_part_min);
    /* which of a each field is (n <= CO_DIRECT_ROWS: a bit each), so that a
     * document is passed over after one lookup per field */
    uint32_t *is = ty_calloc(nf ? nf : 1, sizeof *is);
    uint32_t *part = nt > 1 ? ty_calloc((size_t)nt * (cells ? cells : 1), sizeof *part) : rows;
    if (!is || !part) {
        free(is);
        if (part != rows) free(part);
        return TENYO_ERR_NOMEM;
    }
    for (int h = 0; h < n; h++)
        if (a[h] >= 0 && (uint64_t)a[h] < nf) is[a[h]] |= 1u << h;
    cooc_job j = {m, is, n, part};
    /* threads of its own, joined (not the query pool's: a pass of a few
     * ms, once a query) */
    int rc = nt > 1 ? ty_parallel(nt, cooc_part, &j) : cooc_part(&j, 0, 1);
    if (!rc && nt > 1)
        for (int t = 0; t < nt; t++)
            for (size_t i = 0; i < cells; i++) rows[i] += part[(size_t)t * cells + i];
    free(is);
    if (part != rows) free(part);
    return rc;
}

int ty_cooccur_rows(const tenyo_index *cx, const int64_t *a, int n, uint32_t *rows) {
    return ty_cooccur_rows_nt(cx, a, n, rows, 1);
}

int ty_cooccur_rows_nt(const tenyo_index *cx, const int64_t *a, int n, uint32_t *rows, int nt) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const, as the rows */
    uint32_t nf = x->m.nfields;
    if (n <= 0) return TENYO_OK;
    memset(rows, 0, (size_t)n * nf * sizeof *rows);
    int rc = ty_model_need_docfields(&x->m, NULL, 0);
    if (rc) return rc;
    if (!ty_once_done(&x->co_once) &&
        __atomic_fetch_add(&x->co_direct, (unsigned)n, __ATOMIC_RELAXED) + (unsigned)n <=
            CO_DIRECT_ROWS) {
        return cooc_rows_scan(&x->m, a, n, rows, nt);
    }
    rc = ty_index_need_cooc(x);
    if (rc) return rc;
    for (int h = 0; h < n; h++) {
        if (a[h] < 0 || (uint64_t)a[h] >= nf) continue;
        uint32_t *row = rows + (size_t)h * nf;
        for (uint64_t j = x->co_ptr[a[h]]; j < x->co_ptr[a[h] + 1]; j++) row[x->co_f[j]] = x->co_n[j];
    }
    return TENYO_OK;
}

int ty_cooccur_row(const tenyo_index *x, uint32_t a, uint32_t *row) {
    int64_t f = a;
    return ty_cooccur_rows(x, &f, 1, row);
}
/* ============================================ the fields' characteristic terms */

/* Characteristic terms of every field: its TY_FM_TOP terms of largest
 * positive weight in the field model (single characters and verb-like
 * terms skipped), for the ideas' bridge ranking and for telling whether an
 * application phrase names a use in the field. Built once, on first use
 * or by the open's prefetch thread for a caller naming the fields
 * (api/index.c: about 3 ms at 60k documents, off the query's thread); a
 * term's string is judged only when one of its weights could enter a list
 * (at 1M: 6.3 -> 2.6 ms, the strings of the mapped vocabulary mostly left
 * untouched). */
static int fm_top_build(void *arg) {
    tenyo_index *x = arg;
    const ty_fieldmodel *fm = &x->fm;
    const ty_model *m = &x->m;
    size_t nf = m->nfields;
    uint32_t *top = ty_mallocarray(nf ? nf : 1, TY_FM_TOP * sizeof *top);
    float *tw = ty_mallocarray(nf ? nf : 1, TY_FM_TOP * sizeof *tw);
    uint32_t *cnt = ty_calloc(nf ? nf : 1, sizeof *cnt);
    if (!top || !tw || !cnt) {
        free(top);
        free(tw);
        free(cnt);
        return TENYO_ERR_NOMEM;
    }
    for (size_t i = 0; i < nf * TY_FM_TOP; i++) top[i] = UINT32_MAX;
    for (uint64_t t = 0; t < fm->nterms && fm->nfields == nf; t++) {
        int word = -1; /* the term's string judged once, when a weight could enter */
        for (uint64_t j = fm->ptr[t]; j < fm->ptr[t + 1]; j++) {
            uint32_t f = fm->field[j];
            float w = fm->w[j];
            if (!(w > 0)) continue;
            /* insertion into the field's list, largest first */
            uint32_t *ft = top + (size_t)f * TY_FM_TOP;
            float *fw = tw + (size_t)f * TY_FM_TOP;
            uint32_t n = cnt[f];
            if (n == TY_FM_TOP && w <= fw[n - 1]) continue;
            if (word < 0) {
                const char *s = m->term_blob + m->term_off[t];
                word = !ty_one_char(s) && !ty_verb_like(s);
            }
            if (!word) break;
            uint32_t pos = n < TY_FM_TOP ? n : TY_FM_TOP - 1;
            while (pos > 0 && fw[pos - 1] < w) {
                ft[pos] = ft[pos - 1];
                fw[pos] = fw[pos - 1];
                pos--;
            }
            ft[pos] = (uint32_t)t;
            fw[pos] = w;
            if (n < TY_FM_TOP) cnt[f]++;
        }
    }
    free(tw);
    free(cnt);
    x->fm_top = top;
    return TENYO_OK;
}

/* The characteristic terms of field f (TY_FM_TOP, UINT32_MAX-padded), or
 * NULL without a field model. */
const uint32_t *ty_field_top(const tenyo_index *cx, uint32_t f) {
    tenyo_index *x = (tenyo_index *)cx;
    if (!x->fm.nfields || f >= x->m.nfields) return NULL;
    if (ty_once_run(&x->fm_top_once, fm_top_build, x)) return NULL;
    return x->fm_top + (size_t)f * TY_FM_TOP;
}

/* The stored postings' layout, from their section's magic (one read of
 * four bytes; 0: no section, or unreadable: a query will say why). */
static uint32_t postings_layout(ty_lazysec *sec) {
    char mg[4];
    char err[TY_ERRLEN];
    if (!sec || ty_lazysec_read(sec, 0, 4, mg, err, sizeof err)) return 0;
    return !memcmp(mg, TY_TPBLK_MAGIC, 4) ? 2 : !memcmp(mg, TY_TPOST_MAGIC, 4) ? 1 : 0;
}

void tenyo_index_info_get(const tenyo_index *x, tenyo_index_info *info) {
    if (!info) return;
    memset(info, 0, sizeof *info);
    info->tokenizer = info->writer = info->scan_kernel = "";
    if (!x) return; /* no index: counts 0, strings "" */
    const ty_model *m = &x->m;
    info->format_version = m->format_version;
    info->ndocs = m->ndocs;
    info->nterms = m->nterms;
    info->nnz = m->terms_deferred ? m->deferred_nnz : m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0;
    info->dim = (int)m->dim;
    info->nfields = m->nfields;
    for (uint64_t i = 0; i < m->ndocs; i++) info->nopen += m->open[i] != 0;
    for (uint64_t i = 0; i < m->ndocs; i++)
        info->open_records += (x->open_rec ? x->open_rec[i] : m->open[i]) != 0;
    info->open_listed = x->open_listed;
    info->open_found = x->open_found;
    info->open_lines = x->open_lines;
    info->open_unresolved = x->open_unresolved;
    info->open_loaded = x->open_loaded;
    info->open_source = x->open_source ? x->open_source : "";
    info->seed = m->seed;
    info->min_df = m->min_df;
    info->max_df_ratio = m->max_df_ratio;
    info->oversample = m->oversample;
    info->power_iters = m->power_iters;
    info->tokenizer = m->tokenizer ? m->tokenizer : "";
    info->writer = m->writer ? m->writer : "";
    info->created = m->created;
    info->file_bytes = m->file_bytes;
    info->nsections = m->nsections;
    info->nshards = m->nshards;
    info->shard_docs = m->shard_docs;
    info->shard_bytes = m->shard_bytes;
    memcpy(info->sections, m->sections, sizeof info->sections);
    info->scan_kernel = ty_q8_kernel();
    info->int8_min_docs = TY_INT8_MIN_DOCS;
    info->ivf_lists = x->ivf ? x->ivf->nlist : 0;
    info->f16_bytes = m->doc_h ? 2 * m->ndocs * m->dim : 0;
    info->docmeta_layout = m->docmeta_layout;
    info->rows_frame = m->rows_frame;
    info->postings_layout = postings_layout(m->tp_sec);
    info->nphrases = m->nphrases;
    info->abstract_bytes = ty_abs_bytes(m->abs);
    info->max_terms = m->max_terms;
    ty_upd_info(x, info);
}

uint64_t tenyo_index_ndocs(const tenyo_index *x) { return x ? x->m.ndocs : 0; }

/* The id table is the index's answer to many lookups; a process that
 * looks up one or two ids (a command naming a patent) reads the frames of
 * ids instead (ty_meta_find_id: at 1M documents about 30 ms, where the
 * table costs 70-140 ms of fresh memory and hashing). A damaged frame, or
 * the id written twice, is kept for tenyo_index_damage and the id not
 * found; so is any id written twice that a lazily built table meets (the
 * open that builds it refuses the file so). */
#define ID_SCANS 2

/* A lookup's damage: an id written twice (twice: its text) or ids that
 * could not be read (NULL), kept for tenyo_index_damage. */
static void id_damage(const tenyo_index *cx, const char *twice) {
    tenyo_index *x = (tenyo_index *)cx; /* logically const: what it met */
    pthread_mutex_lock(&x->id_mu);
    if (twice && !x->id_err[0])
        ty_seterr(x->id_err, sizeof x->id_err, "%s: duplicate document id '%s' (damaged index)",
                  x->path, twice);
    pthread_mutex_unlock(&x->id_mu);
    __atomic_store_n(&x->id_damaged, 1, __ATOMIC_RELEASE);
}

int64_t tenyo_index_find(const tenyo_index *x, const char *id) {
    if (!x || !id) return -1;
    size_t len = strlen(id);
    if (x->ids_lazy && !ty_strmap_built(x->ids) && !x->upd.nseg && !x->upd.base_deleted) {
        /* the file's own lookup table (store/idmap.c): a slot or two, the
         * frames of ids they name */
        int64_t d;
        char msg[TY_ERRLEN];
        int rc = ty_idmap_find(&x->m, id, len, &d, msg, sizeof msg);
        if (rc < 0) id_damage(x, NULL);
        if (rc <= 0) return rc ? -1 : d;
    }
    if (x->ids_lazy && !ty_strmap_built(x->ids) && !x->upd.nseg && !x->upd.base_deleted &&
        __atomic_fetch_add(&((tenyo_index *)x)->id_scans, 1, __ATOMIC_RELAXED) < ID_SCANS) {
        int64_t d, twice;
        int rc = ty_meta_find_id(&x->m, id, len, &d, &twice);
        if (rc < 0 || rc == 2) id_damage(x, rc == 2 ? id : NULL);
        if (rc <= 0 || rc == 2) return rc ? -1 : d;
    }
    int64_t d = ty_strmap_get(x->ids, id, len);
    uint64_t dup = 0;
    int st = x->ids_lazy ? ty_strmap_settle(x->ids, &dup) : 0;
    if (st == 1) { /* a lazy table met an id twice: as the open refuses it */
        const char *twice = ty_strmap_key(x->ids, (uint32_t)dup, NULL);
        id_damage(x, twice ? twice : id);
        return -1;
    }
    if (d < 0 && st < 0) id_damage(x, NULL); /* its ids could not be read */
    return d;
}

int tenyo_index_damage(const tenyo_index *x, char *err, size_t errlen) {
    if (!x) return TENYO_ERR_ARG;
    if (__atomic_load_n(&x->id_damaged, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock((pthread_mutex_t *)&x->id_mu);
        int have = x->id_err[0] != 0;
        if (have) ty_seterr(err, errlen, "%s", x->id_err);
        pthread_mutex_unlock((pthread_mutex_t *)&x->id_mu);
        if (have) return TENYO_ERR_CORRUPT;
    }
    return ty_meta_damage(&x->m, err, errlen);
}

int tenyo_index_doc(const tenyo_index *x, uint64_t i, tenyo_doc_meta *out) {
    if (!x || !out || i >= x->m.ndocs) return TENYO_ERR_ARG;
    const char *s[TY_META_NSTR];
    /* "" for strings of a damaged frame (TENYO_ERR_CORRUPT; the query that
     * chose i was refused with the message: ty_meta_ready) */
    int rc = ty_meta_doc(&x->m, i, s, NULL, 0);
    out->id = s[TY_META_ID];
    out->title = s[TY_META_TITLE];
    out->applicant = s[TY_META_APPLICANT];
    out->date = s[TY_META_DATE];
    out->codes = s[TY_META_CODES];
    out->fields = s[TY_META_FIELDS];
    out->open = x->m.open[i];
    out->lang = x->m.lang[i] ? "en" : "ja";
    return rc == TENYO_ERR_ARG ? TENYO_OK : rc;
}

/* A subclass known only by its class (no subclass title loaded): the
 * class's title said as the class's, "クラスH05「他に分類されない電気技術」の一分野"
 * / "a field of class H05: Electric techniques not otherwise provided for",
 * so that H05K does not read as if that were its own title and G01B and
 * G01N do not read as one field. Composed once per code and language and
 * kept by the index (x NULL: the bare label). */
static const char *label_of_class(tenyo_index *x, const char *code, const char *lang,
                                  const char *l, int level) {
    if (!x) return l;
    char key[32];
    snprintf(key, sizeof key, "%.8s:%s", code, lang);
    const char *out = l;
    pthread_mutex_lock(&x->lab_mu);
    if (!x->lab_map) x->lab_map = ty_strmap_new();
    int is_new = 0;
    int64_t id = x->lab_map ? ty_strmap_intern(x->lab_map, key, strlen(key), &is_new) : -1;
    if (id >= 0 && is_new) {
        uint32_t n = ty_strmap_size(x->lab_map);
        char **p = ty_reallocarray(x->lab_str, n, sizeof *p);
        if (p) {
            x->lab_str = p;
            size_t cap = strlen(l) + 64;
            p[id] = ty_malloc(cap);
            if (p[id]) {
                if (!strcmp(lang, "en"))
                    snprintf(p[id], cap, "(%s) %s", level == 1 ? "class" : "section", l);
                else
                    snprintf(p[id], cap, "（%s）%s", level == 1 ? "クラス" : "セクション", l);
            }
        } else {
            id = -1; /* its slot could not be made: the bare label */
        }
    }
    if (id >= 0 && x->lab_str && (uint32_t)id < ty_strmap_size(x->lab_map) && x->lab_str[id])
        out = x->lab_str[id];
    pthread_mutex_unlock(&x->lab_mu);
    return out;
}

const char *tenyo_field_label(const tenyo_index *x, const char *code,
                              const char *lang) {
    if (!code) return "";
    const char *lg = lang && !strcmp(lang, "en") ? "en" : "ja";
    int level = -1;
    const char *l = ty_labels_get(x ? x->labels : NULL, code, lg, &level);
    if (l && level >= 0 && level < 2 && strlen(code) == 4) {
        /* no subclass title of the index's own: the library's built-in one */
        int bl = -1;
        const char *b = ty_labels_get(ty_labels_builtin(), code, lg, &bl);
        if (b && bl == 2) return b;
    }
    if (!l || !*l) return code;
    if (strlen(code) == 4 && level >= 0 && level < 2) /* the index is only a cache here */
        return label_of_class((tenyo_index *)x, code, lg, l, level);
    return l;
}

int tenyo_index_load_titles(tenyo_index *x, const char *path, char *err,
                            size_t errlen) {
    if (!x || !path) return TENYO_ERR_ARG;
    if (!x->labels) {
        int rc = ty_labels_new(&x->labels);
        if (rc) return rc;
    }
    return ty_labels_load(x->labels, path, err, errlen);
}

uint64_t tenyo_index_cooccur(const tenyo_index *x, uint32_t a, uint32_t b) {
    if (!x || a >= x->m.nfields || b >= x->m.nfields || ty_index_need_cooc(x)) return 0;
    uint64_t lo = x->co_ptr[a], hi = x->co_ptr[a + 1];
    while (lo < hi) { /* binary search of b in a's sorted list */
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->co_f[mid] == b) return x->co_n[mid];
        if (x->co_f[mid] < b) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int64_t tenyo_index_field_find(const tenyo_index *x, const char *code) {
    if (!x || !code) return -1;
    uint32_t lo = 0, hi = x->m.nfields; /* field table is sorted by code */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strncmp(x->m.field_code[mid], code, 8);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

int tenyo_index_field(const tenyo_index *x, uint32_t j, const char **code,
                      uint64_t *count) {
    if (!x || j >= x->m.nfields) return TENYO_ERR_ARG;
    if (code) *code = x->m.field_code[j];
    if (count) *count = x->m.field_count[j];
    return TENYO_OK;
}
