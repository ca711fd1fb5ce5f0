/*
 * kwtext.c — the keyword text a keyword query reads (keywords.c): every
 * record's title and abstract folded (ty_kw_record, ty_kw_fold_append),
 * from the index's section "keywords" with its bigram postings when the
 * index has one (the builder packs it: ty_kw_build; each segment's part:
 * ty_kw_take_parts), else built in memory once from the titles and the
 * abstracts the index keeps (ty_kw_text, under the index's once). The
 * builder's folding runs on its threads, each over a contiguous range of
 * documents with an ICU state of its own, the pieces joined in order (the
 * same section for any thread count). The
 * design, and why, is keywords.c's opening comment. Below keywords.c:
 * the index's open and updates call this file, never the search.
 */
#include "api/api.h"
#include "search/kwindex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Append s[0..n) folded to out (NFKC case fold; not UTF-8: as given), its
 * white space runs one space, blanks at both ends dropped. 0 or NOMEM. */
int ty_kw_fold_append(ty_icu *u, ty_buf *tmp, const char *s, size_t n, ty_buf *out) {
    int rc = ty_icu_normalize(u, s, n, tmp);
    const char *p = tmp->p ? tmp->p : "";
    size_t len = tmp->len;
    if (rc == TENYO_ERR_INPUT) p = s, len = n, rc = 0;
    if (rc) return rc;
    /* the output is never longer than the folded text: room once, then
     * the bytes stored directly (a call per byte was a third of the
     * keyword index's build) */
    if (ty_buf_reserve(out, len)) return TENYO_ERR_NOMEM;
    char *o = out->p + out->len;
    int space = 0, any = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (is_blank(c) || !c) {
            space = 1;
            continue;
        }
        if (space && any) *o++ = ' ';
        *o++ = (char)c;
        space = 0;
        any = 1;
    }
    out->len = (size_t)(o - out->p);
    out->p[out->len] = 0;
    return TENYO_OK;
}

int ty_kw_record(ty_icu *u, ty_buf *tmp, ty_buf *raw, const char *title, const char *abs,
                 size_t alen, ty_buf *out) {
    int rc = TENYO_OK;
    raw->len = 0;
    if (ty_buf_append(raw, title, strlen(title))) return TENYO_ERR_NOMEM;
    raw->len = ty_clean_gazette_markup(raw->p, raw->len, 0);
    if ((rc = ty_kw_fold_append(u, tmp, raw->p, raw->len, out))) return rc;
    if (ty_buf_putc(out, '\n')) return TENYO_ERR_NOMEM;
    if (abs && alen) {
        raw->len = 0;
        if (ty_buf_append(raw, abs, alen)) return TENYO_ERR_NOMEM;
        raw->len = ty_clean_gazette_markup(raw->p, raw->len, 1);
        if ((rc = ty_kw_fold_append(u, tmp, raw->p, raw->len, out))) return rc;
    }
    return ty_buf_putc(out, 0) ? TENYO_ERR_NOMEM : TENYO_OK;
}

/* The little-endian u64 at p. */
static uint64_t ty_kw_le64(const char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | (unsigned char)p[i];
    return v;
}

/* The compressed bytes of m's section "keywords" (a sharded file's: their
 * sum), from its section table: nothing read. */
static uint64_t kw_sec_stored(const ty_model *m) {
    uint64_t st = 0;
    for (int k = 0; k < m->nsections; k++)
        if (!strcmp(m->sections[k].name, "keywords")) st += m->sections[k].stored;
    return st;
}

int ty_kw_take_parts(tenyo_index *x, ty_model *base, ty_model *seg, size_t n) {
    /* every part must have the section (its document count is checked
     * when they are read, kwtext_from_index); none is read here */
    int all = base->kw_sec != NULL;
    for (size_t i = 0; i < n; i++) all &= seg[i].kw_sec != NULL;
    if (!all) return TENYO_OK; /* a part without one: the scan serves all */
    x->kw_part = ty_calloc(n + 1, sizeof *x->kw_part);
    x->kw_pdocs = ty_calloc(n + 1, sizeof *x->kw_pdocs);
    if (!x->kw_part || !x->kw_pdocs) {
        free(x->kw_part);
        free(x->kw_pdocs);
        x->kw_part = NULL;
        x->kw_pdocs = NULL;
        return TENYO_ERR_NOMEM;
    }
    for (size_t i = 0; i <= n; i++) {
        ty_model *m = i ? &seg[i - 1] : base;
        x->kw_part[i] = m->kw_sec;
        x->kw_pdocs[i] = m->ndocs;
        x->kw_stored += kw_sec_stored(m);
        m->kw_sec = NULL;
    }
    x->kw_nparts = (uint32_t)n + 1;
    return TENYO_OK;
}

/* One worker's share of ty_kw_build's folding: documents
 * [ty_split(n, t, nt), ty_split(n, t + 1, nt)) into text[t], with an ICU
 * state of its own; a failure's message into err[t]. */
typedef struct kwb_job {
    const ty_model *m;          /* its ndocs */
    const char *const *titles;  /* per document: its title */
    const char *const *abs;     /* whole abstracts (NULL: none) */
    ty_buf *text;               /* per worker: its documents' records */
    char (*err)[TY_ERRLEN];     /* per worker: its failure's message */
} kwb_job;

static int kwb_worker(void *ud, int t, int nt) {
    kwb_job *j = ud;
    const ty_model *m = j->m;
    ty_icu *u = NULL;
    ty_buf tmp = {0}, raw = {0};
    int rc = ty_icu_new(&u, j->err[t], TY_ERRLEN);
    uint64_t d1 = ty_split(m->ndocs, t + 1, nt);
    for (uint64_t d = ty_split(m->ndocs, t, nt); d < d1 && !rc; d++) {
        const char *a = j->abs[d];
        rc = ty_kw_record(u, &tmp, &raw, j->titles[d], a, a ? strlen(a) : 0, &j->text[t]);
    }
    if (rc == TENYO_ERR_NOMEM) ty_seterr(j->err[t], TY_ERRLEN, "out of memory building the "
                                                              "keyword index");
    ty_buf_free(&tmp);
    ty_buf_free(&raw);
    ty_icu_free(u);
    return rc;
}

int ty_kw_build(ty_model *m, const char *const *titles, const char *const *abs, int threads,
                char *err, size_t errlen) {
    /* the folding (ICU) over threads in contiguous document ranges, the
     * pieces joined in document order: the same text for any count */
    int nt = ty_parallel_workers(threads, m->ndocs, 1024);
    ty_buf *part = ty_calloc((size_t)nt, sizeof *part), out = {0};
    char (*perr)[TY_ERRLEN] = ty_calloc((size_t)nt, sizeof *perr);
    int rc = TENYO_ERR_NOMEM;
    if (!part || !perr) goto done;
    kwb_job j = {m, titles, abs, part, perr};
    rc = ty_parallel(nt, kwb_worker, &j);
    if (rc) {
        ty_parallel_err(perr, nt, err, errlen);
        goto done;
    }
    for (int t = 1; t < nt && !rc; t++)
        if (part[t].len && ty_buf_append(&part[0], part[t].p, part[t].len)) rc = TENYO_ERR_NOMEM;
    for (int t = 1; t < nt; t++) ty_buf_free(&part[t]);
    /* TENYO_KW_FORMAT=1 writes the section as indexes made before format
     * 2 hold it (tests of the reader's compatibility) */
    const char *kf = getenv("TENYO_KW_FORMAT");
    if (!rc)
        rc = ty_kwx_pack_version(part[0].p ? part[0].p : "", part[0].len, m->ndocs, threads,
                                 kf && !strcmp(kf, "1") ? 1 : 2, &out, err, errlen);
    if (!rc) {
        m->kw_blob = out.p;
        m->kw_len = out.len;
        out.p = NULL;
    }
done:
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "out of memory building the keyword index");
    for (int t = 0; part && t < nt; t++) ty_buf_free(&part[t]);
    free(part);
    free(perr);
    ty_buf_free(&out);
    return rc;
}

int ty_kw_verify_model(const ty_model *m, char *err, size_t errlen) {
    const char *part[1] = {m->kw_blob};
    uint64_t len[1] = {m->kw_len}, *off = NULL;
    if (!m->kw_blob) {
        int rc = ty_lazysec_get(m->kw_sec, &part[0], &len[0], err, errlen); /* read now */
        if (rc || !part[0]) return rc;
    }
    ty_kwx *k = NULL;
    char *text = NULL;
    uint32_t *tlen = NULL;
    int rc = ty_kwx_open(part, len, 1, NULL, m->ndocs, &k, &text, &off, &tlen, err, errlen);
    if (!rc) rc = ty_kwx_verify(k, err, errlen);
    if (!ty_kwx_text_borrowed(k)) free(text);
    ty_kwx_free(k);
    free(off);
    free(tlen);
    return rc;
}

/* ty_kwx_read_fn over a section located at open (ud: its ty_lazysec). */
static int kw_sec_read(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                       size_t errlen) {
    return ty_lazysec_read(ud, off, len, dst, err, errlen);
}

/* The keyword text from the index's sections "keywords" (with their
 * postings, x->kwx), read now (ty_lazysec_get; under x->kw_once): 0, 1
 * when the index has none (or a part's section holds other than its file's
 * documents: the scan serves all), or a status. */
static int kwtext_from_index(tenyo_index *x, char *err, size_t errlen) {
    const ty_model *m = &x->m;
    ty_lazysec *one[1] = {m->kw_sec};
    ty_lazysec **sec = x->kw_part;
    uint32_t n = x->kw_nparts;
    if (!n && m->kw_sec && !x->upd.gpos) {
        sec = one;
        n = 1;
        x->kw_stored = kw_sec_stored(m);
    }
    if (!n) return 1;
    if (n == 1 && !x->kw_part) { /* one section of layout 2: read in place, a frame at a time */
        char magic[4] = {0};
        uint64_t len = ty_lazysec_size(sec[0]);
        int rc = len >= 64 ? ty_lazysec_read(sec[0], 0, 4, magic, err, errlen) : 0;
        if (rc) return rc;
        if (!memcmp(magic, "TKW2", 4))
            return ty_kwx_open_read(kw_sec_read, sec[0], len, m->ndocs, &x->kwx, &x->kw_text,
                                    &x->kw_off, &x->kw_tlen, err, errlen);
    }
    const char **parts = ty_calloc(n, sizeof *parts);
    uint64_t *plen = ty_calloc(n, sizeof *plen);
    int rc = parts && plen ? TENYO_OK : TENYO_ERR_NOMEM;
    if (rc) ty_seterr(err, errlen, "out of memory reading the keyword index");
    for (uint32_t i = 0; i < n && !rc; i++) {
        rc = ty_lazysec_get(sec[i], &parts[i], &plen[i], err, errlen);
        /* after updates each part must hold its file's documents (bytes
         * 8..15 of the layout, search/kwindex.c); kwindex.c checks the rest */
        if (!rc && x->kw_pdocs && (plen[i] < 16 || ty_kw_le64(parts[i] + 8) != x->kw_pdocs[i]))
            rc = 1;
    }
    if (!rc)
        rc = ty_kwx_open(parts, plen, n, x->kw_part ? x->upd.gpos : NULL, m->ndocs, &x->kwx,
                         &x->kw_text, &x->kw_off, &x->kw_tlen, err, errlen);
    free(parts);
    free(plen);
    return rc;
}

/* Build x's keyword text (once: ty_once_run): from the keyword index when
 * the index has one, else per record its folded title, a newline, its
 * folded abstract (markup removed, for indexes built before the reader
 * removed it), a NUL (ty_kw_record), from the 4 KiB the index keeps. */
static int kwtext_build(void *arg) {
    tenyo_index *x = arg;
    const ty_model *m = &x->m;
    double t0 = ty_now();
    char err[TY_ERRLEN];
    int rc = kwtext_from_index(x, err, sizeof err);
    if (rc <= 0) {
        if (!rc) x->kw_seconds = ty_now() - t0;
        if (rc) ty_seterr(x->kw_err, sizeof x->kw_err, "%s", err);
        return rc;
    }
    ty_icu *u = NULL;
    ty_buf blob = {0}, tmp = {0}, ab = {0}, raw = {0};
    /* every record's title: the strings decoded whole */
    rc = ty_model_need_meta(&x->m, x->kw_err, sizeof x->kw_err);
    if (rc) return rc;
    rc = ty_icu_new(&u, NULL, 0);
    if (rc) return rc;
    ty_abs_cur cur = {0}; /* in document order: each block of abstracts decompressed once */
    x->kw_off = ty_mallocarray(m->ndocs + 1, sizeof *x->kw_off);
    x->kw_tlen = ty_mallocarray(m->ndocs ? m->ndocs : 1, sizeof *x->kw_tlen);
    rc = x->kw_off && x->kw_tlen ? TENYO_OK : TENYO_ERR_NOMEM;
    for (uint64_t d = 0; d < m->ndocs && !rc; d++) {
        x->kw_off[d] = blob.len;
        const char *t = ty_meta_str(m, d, TY_META_TITLE);
        ab.len = 0;
        if (m->abs && !m->partial) rc = ty_abs_read(m->abs, &cur, d, &ab, err, sizeof err);
        if (!rc) rc = ty_kw_record(u, &tmp, &raw, t, ab.p, ab.len, &blob);
        if (!rc) {
            const char *r = blob.p + x->kw_off[d];
            x->kw_tlen[d] = (uint32_t)((const char *)memchr(r, '\n', blob.len - x->kw_off[d]) - r);
        }
    }
    if (!rc) {
        x->kw_off[m->ndocs] = blob.len;
        x->kw_text = blob.p ? blob.p : ty_strdup("");
        x->kw_seconds = ty_now() - t0;
        if (!x->kw_text) rc = TENYO_ERR_NOMEM;
    } else {
        ty_buf_free(&blob);
    }
    ty_abs_cur_free(&cur);
    ty_buf_free(&tmp);
    ty_buf_free(&ab);
    ty_buf_free(&raw);
    ty_icu_free(u);
    return rc;
}

/* x's keyword text, built on first use: 0 or a status. */
int ty_kw_text(tenyo_index *x) { return ty_once_run(&x->kw_once, kwtext_build, x); }

int ty_kw_need(const tenyo_index *x, uint64_t d0, uint64_t d1, char *err, size_t errlen) {
    return ty_kwx_need_text(x->kwx, d0, d1, err, errlen);
}

int ty_kw_load_all(tenyo_index *x, char *err, size_t errlen) {
    int rc = ty_kw_load(x, err, errlen);
    if (!rc && x->kwx) rc = ty_kwx_need_all(x->kwx, err, errlen);
    return rc;
}

int ty_kw_load(tenyo_index *x, char *err, size_t errlen) {
    if (!x->m.kw_sec && !x->kw_nparts) return TENYO_OK; /* none: no scan text made */
    int rc = ty_kw_text(x);
    if (rc) ty_seterr(err, errlen, "%s", x->kw_err[0] ? x->kw_err : tenyo_strerror(rc));
    return rc;
}

int tenyo_index_keyword_stats(tenyo_index *x, uint64_t *bytes, double *seconds) {
    if (!x) return TENYO_ERR_ARG;
    int rc = ty_kw_text(x);
    if (rc) return rc;
    if (bytes) *bytes = x->kw_off[x->m.ndocs];
    if (seconds) *seconds = x->kw_seconds;
    return TENYO_OK;
}

int tenyo_index_keyword_size(const tenyo_index *x, uint64_t *stored, uint64_t *loaded) {
    if (!x) return TENYO_ERR_ARG;
    uint64_t st = 0;
    if (x->kw_nparts) {
        st = x->kw_stored; /* every part has its section (ty_kw_take_parts) */
    } else if (x->m.kw_sec && !x->upd.gpos) {
        st = kw_sec_stored(&x->m);
    } else if (x->kwx) {
        st = x->kw_stored; /* read already */
    }
    if (stored) *stored = st;
    if (loaded) *loaded = ty_once_done(&x->kw_once) && x->kw_off ? x->kw_off[x->m.ndocs] : 0;
    return TENYO_OK;
}

int tenyo_index_keyword_index(tenyo_index *x, uint64_t *stored, uint64_t *postings,
                              uint64_t *bigrams) {
    if (!x) return TENYO_ERR_ARG;
    int rc = ty_kw_text(x);
    if (rc) return rc;
    if (stored) *stored = x->kwx ? x->kw_stored : 0;
    if (postings) *postings = ty_kwx_postings_bytes(x->kwx);
    if (bigrams) *bigrams = ty_kwx_keys(x->kwx);
    return x->kwx ? 1 : 0;
}

int tenyo_index_keyword_check(tenyo_index *x, char *err, size_t errlen) {
    if (!x) return TENYO_ERR_ARG;
    int rc = ty_kw_text(x);
    if (rc) {
        ty_seterr(err, errlen, "%s", x->kw_err[0] ? x->kw_err : tenyo_strerror(rc));
        return rc;
    }
    return ty_kwx_verify(x->kwx, err, errlen);
}

/* ============================================================== parsing */
