/*
 * read_rows.c — the sections of an index file into a ty_model: the sparse
 * rows (LEB128 pairs, decoded over threads by row ranges with the offsets
 * table), the int8 or float document vectors, and every other table
 * (ty_rd_sections), each bounded by the counts of the build record and
 * checked as it is read; with a lazy read, the rows are left for their
 * first use (ty_model_need_sparse, read.c).
 */
#include "store/format.h"
#include "store/reader.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The LEB128 value at p[*pos] (at most 5 bytes, < 2^35), advancing *pos;
 * -1 when the bytes end first or run longer. */
int ty_rd_leb_get(const unsigned char *p, uint64_t len, uint64_t *pos, uint64_t *v) {
    *v = 0;
    for (int shift = 0;; shift += 7) {
        if (*pos == len || shift > 28) return -1;
        unsigned char b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
}

/* ---- format 2's sparse rows, decoded in parallel ----
 *
 * Columns and counts are two LEB128 streams, one value per non-zero, so a
 * row range's values start at known value numbers (rowptr) but unknown
 * bytes. One pass counting terminator bytes (high bit clear) finds the
 * byte where each range starts; then each thread decodes and checks its
 * rows' columns, then their counts and weights (a row's weights depend only
 * on its own counts, columns and idf, through ty_tfidf_row_counts, the
 * builder's arithmetic, so the bits are the builder's whatever the thread
 * count). The
 * damage in the lowest range is reported, so the message does not depend on
 * scheduling; an index small enough to decode in one piece (every fixture)
 * is checked in file order exactly as before. */

#define RD_MAX_THREADS 16

/* Non-zeros per decoding thread at least, and a forced thread count (0:
 * the cores): tests set both to take the parallel path on small files. */
uint64_t ty_store_nnz_per_thread = 65536;
int ty_store_threads = 0;

typedef struct sp_job {
    ty_model *m;
    const unsigned char *cp, *tp;    /* the two streams */
    uint64_t r0, r1;                 /* rows [r0, r1) */
    uint64_t c0, c1, t0, t1;         /* byte ranges of those rows */
    /* damage found: 1 a bad value (row, entry), 2 bytes left over (entry) */
    int bad;
    uint64_t row, entry;
    const char *stream, *what;
} sp_job;

/* Worker t of rd_sparse (ty_parallel): range t's columns, then its counts
 * and weights; on damage the job describes it and TENYO_ERR_CORRUPT. */
static int sp_run(void *ud, int t, int nt) {
    sp_job *j = (sp_job *)ud + t;
    ty_model *m = j->m;
    ty_csr *a = &m->tfidf;
    uint64_t pos = j->c0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* columns */
        uint64_t prev = 0;
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (ty_rd_leb_get(j->cp, j->c1, &pos, &v))
                what = pos == j->c1 ? "the section ends inside a number"
                                    : "a number longer than 5 bytes";
            else if (e > a->rowptr[i] && v == 0)
                what = "a column repeats (columns must increase)";
            else if (e > a->rowptr[i])
                v += prev;
            if (!what && v >= m->nterms) what = "column out of range or not increasing";
            if (what) {
                *j = (sp_job){.bad = 1, .row = i, .entry = e - a->rowptr[i],
                              .stream = "tfidf.cols", .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->col[e] = (uint32_t)v;
            prev = v;
        }
    }
    if (pos != j->c1) {
        *j = (sp_job){.bad = 2, .entry = j->c1 - pos, .stream = "tfidf.cols"};
        return TENYO_ERR_CORRUPT;
    }
    if (!j->tp) return TENYO_OK; /* format 1: weights are stored, no counts */
    pos = j->t0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* counts, then weights */
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (ty_rd_leb_get(j->tp, j->t1, &pos, &v))
                what = pos == j->t1 ? "the section ends inside a number"
                                    : "a number longer than 5 bytes";
            else if (v == 0)
                what = "a term count of 0";
            else if (v > UINT32_MAX)
                what = "a term count over 2^32";
            if (what) {
                *j = (sp_job){.bad = 1, .row = i, .entry = e, .stream = "tfidf.tf",
                              .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->val[e] = (float)v;
        }
        ty_tfidf_row_counts(a->col + a->rowptr[i], a->val + a->rowptr[i],
                            (size_t)(a->rowptr[i + 1] - a->rowptr[i]), m->idf);
    }
    if (pos != j->t1) {
        *j = (sp_job){.bad = 2, .entry = j->t1 - pos, .stream = "tfidf.tf"};
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Byte offsets in LEB128 stream p (len bytes) where values number
 * want[0] <= want[1] <= ... <= want[n-1] start; 0 when all were found. */
static int leb_offsets(const unsigned char *p, uint64_t len, const uint64_t *want, int n,
                       uint64_t *off) {
    uint64_t vals = 0;
    int w = 0;
    while (w < n && want[w] == 0) off[w++] = 0;
    for (uint64_t b = 0; b < len && w < n; b++)
        if (!(p[b] & 0x80) && ++vals == want[w])
            while (w < n && want[w] == vals) off[w++] = b + 1;
    return w == n ? 0 : -1;
}

/* Decode both streams into m->tfidf.col / val (allocated by the caller),
 * checking that each row's columns are strictly increasing and below
 * nterms and that the bytes hold exactly nnz values, with up to
 * RD_MAX_THREADS workers (ty_store_threads, else the cores); without counts
 * (tp NULL, format 1) only the columns, in one piece. */
static int rd_sparse(reader *r, ty_model *m, const unsigned char *cp, uint64_t clen,
                     const unsigned char *tp, uint64_t tlen) {
    ty_csr *a = &m->tfidf;
    uint64_t nd = m->ndocs, nnz = nd ? a->rowptr[nd] : 0;
    int nt = ty_store_threads > 0 ? ty_store_threads : ty_ncores();
    uint64_t per = ty_store_nnz_per_thread ? ty_store_nnz_per_thread : 1;
    if (nt > RD_MAX_THREADS) nt = RD_MAX_THREADS;
    if ((uint64_t)nt > nnz / per + 1) nt = (int)(nnz / per + 1); /* small: 1 */
    if (!tp) nt = 1;
    sp_job job[RD_MAX_THREADS];
    uint64_t rs[RD_MAX_THREADS + 1], want[RD_MAX_THREADS], co[RD_MAX_THREADS],
        to[RD_MAX_THREADS];
    /* rows split at about equal non-zeros */
    rs[0] = 0;
    for (int t = 1; t < nt; t++) {
        uint64_t goal = nnz / (uint64_t)nt * (uint64_t)t, lo = rs[t - 1], hi = nd;
        while (lo < hi) { /* the first row starting at or after goal */
            uint64_t mid = lo + (hi - lo) / 2;
            if (a->rowptr[mid] < goal) lo = mid + 1;
            else hi = mid;
        }
        rs[t] = lo;
        want[t - 1] = a->rowptr[lo];
    }
    rs[nt] = nd;
    /* a damaged stream may lack the values a split needs: decode it in
     * one piece then, which finds and names the damage */
    if (nt > 1 && (leb_offsets(cp, clen, want, nt - 1, co) ||
                   leb_offsets(tp, tlen, want, nt - 1, to))) {
        nt = 1;
        rs[1] = nd;
    }
    for (int t = 0; t < nt; t++)
        job[t] = (sp_job){.m = m, .cp = cp, .tp = tp, .r0 = rs[t], .r1 = rs[t + 1],
                          .c0 = t ? co[t - 1] : 0, .c1 = t + 1 < nt ? co[t] : clen,
                          .t0 = t ? to[t - 1] : 0, .t1 = t + 1 < nt ? to[t] : tlen};
    /* range t on worker t: ty_parallel runs each range whatever threads
     * start, so the ranges and the damage found are those above */
    if (ty_parallel(nt, sp_run, job) == TENYO_OK) return TENYO_OK;
    for (int t = 0; t < nt; t++) { /* the lowest damaged range is reported */
        const sp_job *j = &job[t];
        if (!j->bad) continue;
        if (j->bad == 2)
            ty_seterr(r->err, r->errlen, "%s: section '%s': %llu bytes left over", r->path,
                      j->stream, (unsigned long long)j->entry);
        else if (!strcmp(j->stream, "tfidf.tf"))
            ty_seterr(r->err, r->errlen, "%s: section 'tfidf.tf': entry %llu: %s", r->path,
                      (unsigned long long)j->entry, j->what);
        else
            ty_seterr(r->err, r->errlen,
                      "%s: section 'tfidf.cols': row %llu, entry %llu: %s (%llu terms)",
                      r->path, (unsigned long long)j->row, (unsigned long long)j->entry,
                      j->what, (unsigned long long)m->nterms);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* A q8 section (rows x k int8, then rows f32 scales): dequantised into a
 * new float matrix *out when out is given, else its codes and scales kept
 * as they are in *codes and *scales (the document vectors: the index uses
 * the codes themselves, quant.c). */
static int rd_q8(reader *r, const char *name, uint64_t rows, uint64_t k,
                 float **out, int8_t **codes, float **scales) {
    uint64_t sz, fl;
    void *p = NULL;
    if (out) *out = NULL;
    if (ty_rd_mul3(rows, k + 4, 1, &sz) || ty_rd_mul3(rows, k, 1, &fl)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' too large", r->path, name);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t raw;
    int rc = ty_rd_section(r, name, sz, sz, 0, &p, &raw);
    if (rc) return rc;
    float *x = out ? ty_mallocarray(fl ? fl : 1, sizeof *x) : NULL;
    if (out && !x) {
        free(p);
        ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s'", r->path, name);
        return TENYO_ERR_NOMEM;
    }
    const int8_t *q = p;
    const unsigned char *sc = (const unsigned char *)p + fl;
    for (uint64_t i = 0; i < rows; i++) {
        uint32_t bits = get_le32(sc + 4 * i);
        float s;
        memcpy(&s, &bits, sizeof s);
        if (!isfinite(s) || s < 0) {
            ty_seterr(r->err, r->errlen, "%s: section '%s': scale of row %llu is %g",
                      r->path, name, (unsigned long long)i, (double)s);
            free(p);
            free(x);
            return TENYO_ERR_CORRUPT;
        }
        if (x)
            for (uint64_t j = 0; j < k; j++) x[i * k + j] = s * (float)q[i * k + j];
    }
    if (!out) { /* keep the codes (the buffer starts with them) */
        float *sv = ty_mallocarray(rows ? rows : 1, sizeof *sv);
        if (!sv) {
            free(p);
            ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s'", r->path, name);
            return TENYO_ERR_NOMEM;
        }
        for (uint64_t i = 0; i < rows; i++) {
            uint32_t bits = get_le32(sc + 4 * i);
            memcpy(&sv[i], &bits, sizeof sv[i]);
        }
        int8_t *c = realloc(p, (size_t)(fl ? fl : 1)); /* drop the scales' bytes */
        *codes = c ? c : p;
        *scales = sv;
        return TENYO_OK;
    }
    free(p);
    *out = x;
    return TENYO_OK;
}

/* The sparse rows' columns and counts (or format 1's weights) into
 * m->tfidf.col / val, rowptr already set; the counts' bytes are kept in
 * m->tf_leb. */
int ty_rd_rows(reader *r, ty_model *m, uint64_t nnz) {
    ty_csr *a = &m->tfidf;
    void *p = NULL, *tp = NULL;
    uint64_t sz, raw, traw;
    int rc;
    if (ty_rd_mul3(nnz, 5, 1, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
        return TENYO_ERR_CORRUPT;
    }
    rc = ty_rd_section(r, "tfidf.cols", nnz, sz, 0, &p, &raw);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    a->col = ty_mallocarray(nnz ? nnz : 1, sizeof *a->col);
    if (!a->col) goto nomem;
    if (ty_rd_has(r, "tfidf.tf")) { /* format 2: columns and counts together */
        rc = ty_rd_section(r, "tfidf.tf", nnz, sz, 0, &tp, &traw);
        if (rc) goto done;
        a->val = ty_mallocarray(nnz ? nnz : 1, sizeof *a->val);
        if (!a->val) goto nomem;
        rc = rd_sparse(r, m, p, raw, tp, traw);
        if (rc) goto done;
        m->tf_leb = tp;
        m->tf_leb_len = traw;
        tp = NULL;
    } else {
        rc = rd_sparse(r, m, p, raw, NULL, 0);
        if (rc) goto done;
        free(p);
        p = NULL;
        rc = ty_rd_section(r, "tfidf.vals", 4 * nnz, 4 * nnz, 0, &p, &raw);
        if (rc) goto done;
        a->val = p;
        p = NULL;
        ty_rd_le_to_host(a->val, (size_t)nnz, 4);
    }
    rc = TENYO_OK;
    goto done;
nomem:
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
done:
    free(p);
    free(tp);
    return rc;
}

/* The document vectors, read by a thread of their own (ty_rd_sections). */
typedef struct vec_job {
    reader r;                  /* a copy: its own zstd context, buffer, message */
    ty_model *m;               /* writes doc_q, doc_qscale only */
    uint64_t nt, nd, k;
    int rc;
    char err[TY_ERRLEN];
} vec_job;

/* Below this many vector bytes, one thread reads everything. */
#define VEC_THREAD_MIN (4u << 20)

static void *vec_run(void *arg) {
    vec_job *j = arg;
    j->rc = rd_q8(&j->r, "docvec.q8", j->nd, j->k, NULL, &j->m->doc_q, &j->m->doc_qscale);
    return NULL;
}

/* Load every section into m (counts already set from build). */
int ty_rd_sections(reader *r, ty_model *m, uint64_t nnz) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim, sz, raw;
    vec_job *vj = NULL;
    pthread_t vt;
    int vstarted = 0, basis_bad = 0;
    uint64_t nstr = nd * TY_META_NSTR;
    void *p = NULL;
    char why[256];
    int rc;
    /* every product below is bounded by TY_MAX_* (< 2^48), checked anyway */
#define EXACT(name, n, size, dst)                                           \
    do {                                                                    \
        if (ty_rd_mul3(n, size, 1, &sz)) {                                        \
            ty_seterr(r->err, r->errlen, "%s: section '%s' too large",      \
                      r->path, name);                                       \
            rc = TENYO_ERR_CORRUPT;                                         \
            goto done;                                                      \
        }                                                                   \
        rc = ty_rd_section(r, name, sz, sz, 0, &p, &raw);                      \
        if (rc) goto done;                                                  \
        (dst) = p;                                                          \
        p = NULL;                                                           \
        ty_rd_le_to_host(dst, (size_t)(n), size);                                 \
    } while (0)

    rc = ty_rd_section(r, "vocab", nt, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->term_blob = p;
    m->term_blob[raw] = 0;
    m->term_blob_len = raw;
    p = NULL;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    if (!m->term_off) goto nomem;
    if (ty_blob_index(m->term_blob, raw, nt, m->term_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'vocab': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("df", nt, 4, m->df);
    EXACT("idf", nt, 4, m->idf);
    EXACT("sigma", k, 4, m->sigma);
    if (ty_rd_mul3(nt, k, 1, &sz)) goto toolarge;
    if (r->version >= 2) {
        /* the document vectors (most of the bytes left to decompress once
         * the rows wait for their first use) on a thread of their own,
         * beside the basis, rows and documents here: on a 1M index, 0.86 s
         * against 0.85 s */
        int two = ty_store_threads > 1 ||
                  (ty_store_threads == 0 && ty_ncores() > 1 && nd * k >= VEC_THREAD_MIN);
        if (two && !r->mem && (vj = ty_calloc(1, sizeof *vj)) != NULL) {
            vj->r = *r;
            vj->r.dctx = ZSTD_createDCtx();
            vj->r.cbuf = NULL;
            vj->r.ccap = 0;
            vj->r.err = vj->err;
            vj->r.errlen = sizeof vj->err;
            vj->m = m;
            vj->nt = nt;
            vj->nd = nd;
            vj->k = k;
            vstarted = vj->r.dctx && pthread_create(&vt, NULL, vec_run, vj) == 0;
            if (!vstarted) {
                ZSTD_freeDCtx(vj->r.dctx);
                free(vj);
                vj = NULL;
            }
        }
        rc = rd_q8(r, "basis.q8", nt, k, NULL, &m->basis_q, &m->basis_qscale);
        if (rc) {
            basis_bad = 1; /* before the vectors: its message wins */
            goto done;
        }
        if (!vstarted) {
            rc = rd_q8(r, "docvec.q8", nd, k, NULL, &m->doc_q, &m->doc_qscale);
            if (rc) goto done;
        }
    } else {
        EXACT("basis", sz, 4, m->basis);
        if (ty_rd_mul3(nd, k, 1, &sz)) goto toolarge;
        EXACT("docvec", sz, 4, m->docvec);
    }

    /* sparse rows: counts -> rowptr, then columns, then values */
    ty_csr *a = &m->tfidf;
    a->nrows = nd;
    a->ncols = nt;
    uint32_t *cnt = NULL;
    EXACT("tfidf.rows", nd, 4, cnt);
    a->rowptr = ty_mallocarray(nd + 1, sizeof *a->rowptr);
    if (!a->rowptr) {
        free(cnt);
        goto nomem;
    }
    a->rowptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++) a->rowptr[i + 1] = a->rowptr[i] + cnt[i];
    free(cnt);
    if (r->partial && a->rowptr[nd] <= nnz) nnz = a->rowptr[nd]; /* the rows read */
    if (a->rowptr[nd] != nnz) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'tfidf.rows': rows hold %llu non-zeros, build "
                  "says %llu",
                  r->path, (unsigned long long)a->rowptr[nd],
                  (unsigned long long)nnz);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    if (ty_rd_mul3(nnz, 5, 1, &sz)) goto toolarge;
    if (r->lazy && ty_rd_has(r, "tfidf.tf")) {
        /* format 2 opened for queries: the rows wait for their first use
         * (ty_model_need_sparse); what needs no read is checked now */
        if (!ty_rd_locate(r, "tfidf.cols", nnz, sz, 0) || !ty_rd_locate(r, "tfidf.tf", nnz, sz, 0)) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        r->deferred = 1;
    } else {
        rc = ty_rd_rows(r, m, nnz);
        if (rc) goto done;
    }

    /* documents */
    rc = ty_rd_section(r, "docmeta", nstr, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->meta_blob = p;
    m->meta_blob[raw] = 0;
    m->meta_blob_len = raw;
    p = NULL;
    m->meta_off = ty_mallocarray(nstr ? nstr : 1, sizeof *m->meta_off);
    if (!m->meta_off) goto nomem;
    if (ty_blob_index(m->meta_blob, raw, nstr, m->meta_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'docmeta': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("docflags", 2 * nd, 1, m->open); /* open[nd] then lang[nd] */
    m->lang = ty_malloc((size_t)nd);
    if (!m->lang) goto nomem;
    memcpy(m->lang, m->open + nd, (size_t)nd);

    /* docfields: u32 counts, then u16 ids moved to the front in place */
    if (ty_rd_mul3(nd, 4, 1, &sz)) goto toolarge;
    if (ty_rd_mul3(nd, 4 + 2ull * TY_MAX_FIELDS, 1, &raw)) goto toolarge;
    rc = ty_rd_section(r, "docfields", sz, raw, 0, &p, &raw);
    if (rc) goto done;
    if ((raw - sz) % 2) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'docfields': %llu bytes after the counts is "
                  "odd (u16 field ids)",
                  r->path, (unsigned long long)(raw - sz));
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->field_ptr = ty_mallocarray(nd + 1, sizeof *m->field_ptr);
    if (!m->field_ptr) goto nomem;
    m->field_ptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++)
        m->field_ptr[i + 1] = m->field_ptr[i] + get_le32((unsigned char *)p + 4 * i);
    if (m->field_ptr[nd] != (raw - sz) / 2) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'docfields': counts sum to %llu, section holds "
                  "%llu ids",
                  r->path, (unsigned long long)m->field_ptr[nd],
                  (unsigned long long)((raw - sz) / 2));
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    memmove(p, (unsigned char *)p + sz, (size_t)(raw - sz));
    ty_rd_le_to_host(p, (size_t)((raw - sz) / 2), 2);
    m->field_ids = p;
    p = NULL;
    if (raw > sz) { /* give back the counts' bytes */
        uint16_t *s = realloc(m->field_ids, (size_t)(raw - sz));
        if (s) m->field_ids = s;
    }

    /* fields */
    rc = ty_rd_section(r, "fields", 16ull * m->nfields, 16ull * m->nfields, 0, &p,
                    &raw);
    if (rc) goto done;
    uint32_t nf = m->nfields;
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_mallocarray(nf ? nf : 1, sizeof *m->field_count);
    if (!m->field_code || !m->field_count) goto nomem;
    for (uint32_t f = 0; f < nf; f++) {
        memcpy(m->field_code[f], (unsigned char *)p + 16 * (size_t)f, 8);
        m->field_count[f] = get_le64((unsigned char *)p + 16 * (size_t)f + 8);
    }
    free(p);
    p = NULL;

    /* optional: surface words of stemmed terms */
    if (ty_rd_has(r, "surface")) {
        rc = ty_rd_section(r, "surface", nt, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        m->surf_blob = p;
        m->surf_blob[raw] = 0;
        m->surf_blob_len = raw;
        p = NULL;
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto nomem;
        if (ty_blob_index(m->surf_blob, raw, nt, m->surf_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'surface': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
    }
    /* optional: application phrases (both sections or neither) */
    if (ty_rd_has(r, "phrase.text") || ty_rd_has(r, "phrase.docs")) {
        rc = ty_rd_section(r, "phrase.text", 0, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        m->phr_blob = p;
        m->phr_blob[raw] = 0;
        m->phr_blob_len = raw;
        p = NULL;
        uint64_t np = 0;
        for (uint64_t i = 0; i < raw; i++) np += m->phr_blob[i] == 0;
        if (np > UINT32_MAX) goto toolarge;
        m->nphrases = np;
        m->phr_off = ty_mallocarray(np ? np : 1, sizeof *m->phr_off);
        if (!m->phr_off) goto nomem;
        if (ty_blob_index(m->phr_blob, raw, np, m->phr_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'phrase.text': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (ty_rd_mul3(nd, 4, 1, &sz)) goto toolarge;
        rc = ty_rd_section(r, "phrase.docs", sz, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        if ((raw - sz) % 4) {
            ty_seterr(r->err, r->errlen,
                      "%s: section 'phrase.docs': %llu bytes after the counts "
                      "is not a multiple of 4 (u32 phrase ids)",
                      r->path, (unsigned long long)(raw - sz));
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->phr_ptr = ty_mallocarray(nd + 1, sizeof *m->phr_ptr);
        if (!m->phr_ptr) goto nomem;
        m->phr_ptr[0] = 0;
        for (uint64_t i = 0; i < nd; i++)
            m->phr_ptr[i + 1] = m->phr_ptr[i] + get_le32((unsigned char *)p + 4 * i);
        uint64_t nids = (raw - sz) / 4;
        if (m->phr_ptr[nd] != nids) {
            ty_seterr(r->err, r->errlen,
                      "%s: section 'phrase.docs': counts sum to %llu, section "
                      "holds %llu ids", r->path,
                      (unsigned long long)m->phr_ptr[nd], (unsigned long long)nids);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->phr_ids = ty_mallocarray(nids ? nids : 1, sizeof *m->phr_ids);
        if (!m->phr_ids) goto nomem;
        for (uint64_t j = 0; j < nids; j++) {
            m->phr_ids[j] = get_le32((unsigned char *)p + sz + 4 * j);
            if (m->phr_ids[j] >= np) {
                ty_seterr(r->err, r->errlen,
                          "%s: section 'phrase.docs': phrase id %u, but "
                          "'phrase.text' holds %llu phrases", r->path,
                          m->phr_ids[j], (unsigned long long)np);
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
        }
        free(p);
        p = NULL;
    }
    /* optional: IVF lists (parsed and checked by the index: search/ivf.c) */
    if (ty_rd_has(r, "ivf")) {
        rc = ty_rd_section(r, "ivf", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->ivf_blob = p;
        m->ivf_len = raw;
        p = NULL;
    }
    /* optional: float16 document vectors (the IVF re-ranks from them):
     * exactly ndocs x dim, every value finite */
    if (ty_rd_has(r, "docvec.f16") && nd && k) {
        if (ty_rd_mul3(nd, k, 2, &sz)) {
            ty_seterr(r->err, r->errlen, "%s: section 'docvec.f16' too large", r->path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        rc = ty_rd_section(r, "docvec.f16", sz, sz, 0, &p, &raw);
        if (rc) goto done;
        m->doc_h = p;
        p = NULL;
        ty_rd_le_to_host(m->doc_h, (size_t)(nd * k), 2);
        for (uint64_t i = 0; i < nd * k; i++)
            if ((m->doc_h[i] & 0x7c00u) == 0x7c00u) { /* exponent all ones */
                ty_seterr(r->err, r->errlen,
                          "%s: section 'docvec.f16': document %llu holds an infinity or NaN",
                          r->path, (unsigned long long)(i / k));
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
    }
    /* optional: the field model (parsed and checked by the index:
     * model/linear.c) */
    if (ty_rd_has(r, "fieldmodel")) {
        rc = ty_rd_section(r, "fieldmodel", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->fm_blob = p;
        m->fm_len = raw;
        p = NULL;
    }
    /* optional: IPC titles recorded at index time (parsed by the index) */
    if (ty_rd_has(r, "labels")) {
        rc = ty_rd_section(r, "labels", 0, 64ull << 20, 1, &p, &raw);
        if (rc) goto done;
        m->labels_blob = p;
        m->labels_blob[raw] = 0;
        m->labels_len = raw;
        p = NULL;
    }
    /* optional: abstracts, located now and read on first use (ty_abs_get) */
    if (!r->mem && ty_rd_has(r, "abstracts")) {
        const rd_sec *s = ty_rd_locate(r, "abstracts", ABS_HEAD, UINT64_MAX, 0);
        if (!s) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->abs = ty_abs_open(r->fd, r->path, s->off, s->stored, s->raw, nd);
        if (!m->abs) goto nomem;
    }
    /* optional: terms dropped by max_df (messages only) */
    if (ty_rd_has(r, "common")) {
        rc = ty_rd_section(r, "common", 0, 16ull << 20, 1, &p, &raw);
        if (rc) goto done;
        if (raw && ((const char *)p)[raw - 1] != 0) {
            ty_seterr(r->err, r->errlen, "%s: section 'common': the last term is not "
                      "NUL-terminated", r->path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->common_blob = p;
        m->common_blob[raw] = 0;
        m->common_len = raw;
        p = NULL;
    }
    /* optional: the documents' other numbers (api/patno.c reads the lines;
     * a malformed one is skipped there, so only the size is checked) */
    if (ty_rd_has(r, "numbers")) {
        rc = ty_rd_section(r, "numbers", 0, 256ull << 20, 1, &p, &raw);
        if (rc) goto done;
        m->numbers_blob = p;
        m->numbers_blob[raw] = 0;
        m->numbers_len = raw;
        p = NULL;
    }
    /* optional: the keyword index, located now and read (frame checksum
     * here, layout by search/kwindex.c) on the first keyword query or by
     * check (store/lazysec.c); a sharded index's, already in memory, is
     * wrapped as read */
    if (ty_rd_has(r, "keywords")) {
        const rd_sec *s = ty_rd_locate(r, "keywords", 48, 1ull << 40, 1);
        if (!s) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (r->mem) {
            rc = ty_rd_section(r, "keywords", 48, 1ull << 40, 1, &p, &raw);
            if (rc) goto done;
            ((char *)p)[raw] = 0;
            m->kw_sec = ty_lazysec_wrap(p, raw);
            if (!m->kw_sec) goto nomem;
        } else {
            m->kw_sec = ty_lazysec_open(r->fd, r->path, "keywords", s->off, s->stored, s->raw);
            if (!m->kw_sec) goto nomem;
        }
        p = NULL;
    }
    rc = TENYO_OK;
    goto done;
#undef EXACT
toolarge:
    ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
    rc = TENYO_ERR_CORRUPT;
    goto done;
nomem:
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
    rc = TENYO_ERR_NOMEM;
done:
    free(p);
    if (vstarted) { /* its damage comes before all but the basis' */
        pthread_join(vt, NULL);
        if (vj->rc && !basis_bad) {
            rc = vj->rc;
            ty_seterr(r->err, r->errlen, "%s", vj->err);
        }
        ZSTD_freeDCtx(vj->r.dctx);
        free(vj->r.cbuf);
        free(vj);
    }
    return rc;
}
