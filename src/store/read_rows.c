/*
 * read_rows.c — the sections of an index file into a ty_model: the sparse
 * rows (LEB128 pairs, decoded over threads by row ranges with the offsets
 * table), the int8 or float document vectors (big ones on a thread of
 * their own; a lazy read maps the codes of basis.q8 and docvec.q8 when
 * they are stored raw, format.h), and every other table (ty_rd_sections:
 * one step per group of sections, in the file's order), each bounded by
 * the counts of the build record and checked as it is read; with a lazy
 * read, the rows are left for their first use (ty_model_need_sparse,
 * read.c). The optional sections are read_optional.c's, the steps'
 * helpers read_head.c's.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

int ty_rd_sp_run(void *ud, int t, int nt) {
    ty_sp_job *j = (ty_sp_job *)ud + t;
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
                *j = (ty_sp_job){.bad = 1, .row = i, .entry = e - a->rowptr[i],
                              .stream = "tfidf.cols", .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->col[e] = (uint32_t)v;
            prev = v;
        }
    }
    if (pos != j->c1) {
        *j = (ty_sp_job){.bad = 2, .entry = j->c1 - pos, .stream = "tfidf.cols"};
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
                *j = (ty_sp_job){.bad = 1, .row = i, .entry = e, .stream = "tfidf.tf",
                              .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->val[e] = (float)v;
        }
        ty_tfidf_row_counts(a->col + a->rowptr[i], a->val + a->rowptr[i],
                            (size_t)(a->rowptr[i + 1] - a->rowptr[i]), m->idf);
    }
    if (pos != j->t1) {
        *j = (ty_sp_job){.bad = 2, .entry = j->t1 - pos, .stream = "tfidf.tf"};
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Terminator bytes (high bit clear) in p[0..16): SSE2 alone (a byte
 * >= 0 as signed gives 1, summed by psadbw); a popcount of the byte mask
 * is a libgcc call without -mpopcnt (1.5% of a 1M ideas process). */
static inline unsigned leb_ends16(const unsigned char *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i e = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-1)), _mm_set1_epi8(1));
    __m128i s = _mm_sad_epu8(e, _mm_setzero_si128());
    return (unsigned)(_mm_cvtsi128_si32(s) + _mm_extract_epi16(s, 4));
#else
    unsigned n = 0;
    for (int i = 0; i < 16; i++) n += !(p[i] & 0x80);
    return n;
#endif
}

int ty_rd_leb_offsets(const unsigned char *p, uint64_t len, const uint64_t *want, uint64_t n,
                      uint64_t *off) {
    uint64_t vals = 0, b = 0, w = 0;
    while (w < n) {
        /* whole sixteen-byte steps while they end before the wanted value */
        while (b + 16 <= len) {
            unsigned e = leb_ends16(p + b);
            if (vals + e >= want[w]) break;
            vals += e;
            b += 16;
        }
        while (vals < want[w] && b < len) vals += !(p[b++] & 0x80);
        if (vals != want[w]) return -1;
        /* want[w] read before off[w] is written: want may be off */
        while (w < n && want[w] == vals) off[w++] = b;
    }
    return 0;
}

int ty_store_rows_cuts(const uint64_t *rowptr, uint64_t nd, const unsigned char *p, uint64_t len,
                       uint64_t **cut, uint64_t *ncut) {
    uint64_t nf = (nd + STORE_ROWS_FRAME - 1) / STORE_ROWS_FRAME;
    uint64_t *c = ty_mallocarray(nf + 1, sizeof *c);
    *cut = NULL;
    *ncut = 0;
    if (!c) return TENYO_ERR_NOMEM;
    for (uint64_t f = 0; f < nf; f++) c[f] = rowptr[f * STORE_ROWS_FRAME];
    c[nf] = nd ? rowptr[nd] : 0;
    if (ty_rd_leb_offsets(p, len, c, nf + 1, c) || c[nf] != len) {
        free(c);
        return TENYO_ERR_CORRUPT;
    }
    *cut = c;
    *ncut = nf;
    return TENYO_OK;
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
    ty_sp_job job[RD_MAX_THREADS];
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
    if (nt > 1 && (ty_rd_leb_offsets(cp, clen, want, (uint64_t)nt - 1, co) ||
                   ty_rd_leb_offsets(tp, tlen, want, (uint64_t)nt - 1, to))) {
        nt = 1;
        rs[1] = nd;
    }
    for (int t = 0; t < nt; t++)
        job[t] = (ty_sp_job){.m = m, .cp = cp, .tp = tp, .r0 = rs[t], .r1 = rs[t + 1],
                          .c0 = t ? co[t - 1] : 0, .c1 = t + 1 < nt ? co[t] : clen,
                          .t0 = t ? to[t - 1] : 0, .t1 = t + 1 < nt ? to[t] : tlen};
    /* range t on worker t: ty_parallel runs each range whatever threads
     * start, so the ranges and the damage found are those above */
    if (ty_parallel(nt, ty_rd_sp_run, job) == TENYO_OK) return TENYO_OK;
    for (int t = 0; t < nt; t++) /* the lowest damaged range is reported */
        if (job[t].bad) return ty_rd_sp_fail(r, m, &job[t]);
    return TENYO_OK;
}

int ty_rd_sp_fail(reader *r, const ty_model *m, const ty_sp_job *j) {
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


/* rows f32 scales, little-endian at sc, checked (finite, >= 0) into sv. */
static int q8_scales(reader *r, const char *name, const unsigned char *sc, uint64_t rows,
                     float *sv) {
    for (uint64_t i = 0; i < rows; i++) {
        uint32_t bits = get_le32(sc + 4 * i);
        memcpy(&sv[i], &bits, sizeof sv[i]);
        if (!isfinite(sv[i]) || sv[i] < 0) {
            ty_seterr(r->err, r->errlen, "%s: section '%s': scale of row %llu is %g",
                      r->path, name, (unsigned long long)i, (double)sv[i]);
            return TENYO_ERR_CORRUPT;
        }
    }
    return TENYO_OK;
}

/* The codes of q8 section s (fl bytes of them, then rows scales) when it
 * is stored raw (format.h, "Sections stored raw"): its head checked
 * against the table, the pages holding the codes mapped read-only
 * (populate: faulted in now), the scales read, checked and copied. 0 with
 * *codes inside the mapping *map of *maplen bytes; 1 when the section is
 * not stored raw or cannot be mapped (read it whole); or the error. */
static int q8_map(reader *r, const char *name, const rd_sec *s, uint64_t rows, uint64_t fl,
                  int populate, int8_t **codes, float **scales, void **map, size_t *maplen) {
    const unsigned char *c = NULL;
    int rc = ty_rd_map_raw(r, name, s, fl, populate, map, maplen, &c);
    if (rc) return rc;
    float *sv = ty_mallocarray(rows ? rows : 1, sizeof *sv);
    unsigned char *sc = ty_malloc(rows ? (size_t)rows * 4 : 1);
    rc = sv && sc ? ty_rd_pread(r, sc, (size_t)rows * 4, s->off + STORE_RAW_HEAD + fl)
                  : ty_rd_nomem(r);
    if (!rc) rc = q8_scales(r, name, sc, rows, sv);
    free(sc);
    if (rc) {
        free(sv);
        munmap(*map, *maplen);
        *map = NULL;
        *maplen = 0;
        return rc;
    }
    *codes = (int8_t *)(uintptr_t)c;
    *scales = sv;
    return TENYO_OK;
}

/* A q8 section (rows x k int8, then rows f32 scales) into m: the basis'
 * (doc 0: basis.q8, into basis_q and basis_qscale) or the documents'
 * (docvec.q8, doc_q and doc_qscale), codes and scales kept as they are
 * (the index uses the document codes themselves, quant.c). An index
 * opened for queries (a lazy read of a file) maps the codes of a section
 * stored raw (q8_map; the documents' faulted in at once, every one is
 * scanned); otherwise the section is read whole, its checksum checked. */
static int rd_q8(reader *r, ty_model *m, int doc) {
    const char *name = doc ? "docvec.q8" : "basis.q8";
    uint64_t rows = doc ? m->ndocs : m->nterms, k = m->dim, sz, fl;
    int8_t **codes = doc ? &m->doc_q : &m->basis_q;
    float **scales = doc ? &m->doc_qscale : &m->basis_qscale;
    void *p = NULL;
    if (ty_rd_mul3(rows, k + 4, 1, &sz) || ty_rd_mul3(rows, k, 1, &fl)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' too large", r->path, name);
        return TENYO_ERR_CORRUPT;
    }
    int rc = 1;
    if (r->lazy && !r->mem && r->fd >= 0) {
        const rd_sec *s = ty_rd_locate(r, name, sz, sz, 0);
        if (!s) return TENYO_ERR_CORRUPT;
        int stream = doc && r->stream_q8;
        rc = q8_map(r, name, s, rows, fl, doc && !stream, codes, scales,
                    doc ? &m->doc_qmap : &m->basis_qmap,
                    doc ? &m->doc_qmap_len : &m->basis_qmap_len);
        if (rc == 0 && stream) { /* read in blocks by a one-query process's scans */
            int fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
            if (fd >= 0) {
                m->doc_qfd = fd;
                m->doc_qoff = s->off + STORE_RAW_HEAD;
                m->doc_qstream = 1;
            }
        }
        if (rc <= 0) return rc;
    }
    uint64_t raw;
    rc = ty_rd_section(r, name, sz, sz, 0, &p, &raw);
    if (rc) return rc;
    float *sv = ty_mallocarray(rows ? rows : 1, sizeof *sv);
    if (!sv) {
        free(p);
        return ty_rd_nomem(r);
    }
    rc = q8_scales(r, name, (const unsigned char *)p + fl, rows, sv);
    if (rc) {
        free(p);
        free(sv);
        return rc;
    }
    int8_t *c = realloc(p, (size_t)(fl ? fl : 1)); /* drop the scales' bytes */
    *codes = c ? c : p;
    *scales = sv;
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
    pthread_t thread;          /* running vec_run */
} vec_job;

/* Below this many vector bytes, one thread reads everything. */
#define VEC_THREAD_MIN (4u << 20)

static void *vec_run(void *arg) {
    vec_job *j = arg;
    j->rc = rd_q8(&j->r, j->m, 1);
    return NULL;
}

/* ---- the sections, one step each (ty_rd_sections) ----
 *
 * Each step reads its sections into m as it goes (what it has set is
 * freed with m on failure) and returns 0 or the status with r's message
 * set; the steps run in the file's order, so the first damage met is the
 * one reported. */

/* Section name: exactly n elements of size bytes, little-endian, into
 * *out (malloc'd, host order). */
static int rd_exact(reader *r, const char *name, uint64_t n, size_t size, void **out) {
    uint64_t sz, raw;
    *out = NULL;
    if (ty_rd_mul3(n, size, 1, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' too large", r->path, name);
        return TENYO_ERR_CORRUPT;
    }
    int rc = ty_rd_section(r, name, sz, sz, 0, out, &raw);
    if (!rc) ty_rd_le_to_host(*out, (size_t)n, size);
    return rc;
}

/* The vocabulary and the per-term and per-dimension tables. */
int ty_rd_terms(reader *r, ty_model *m) {
    uint64_t nt = m->nterms;
    void *p;
    /* mapped "vocab.map" (a lazy read): the terms in place; a whole read
     * decodes "vocab" and checks "vocab.map" against it */
    int rc = m->vmap ? ty_vmap_terms(r, m)
                     : ty_rd_strings(r, "vocab", nt, nt, &m->term_blob, &m->term_blob_len,
                                  &m->term_off);
    if (!rc && !m->vmap && !r->lazy)
        rc = ty_rd_check_raw(r, m, "vocab.map", 32, ty_vmap_verify);
    if (rc) return rc;
    if ((rc = rd_exact(r, "df", nt, 4, &p))) return rc;
    m->df = p;
    if ((rc = rd_exact(r, "idf", nt, 4, &p))) return rc;
    m->idf = p;
    if ((rc = rd_exact(r, "sigma", m->dim, 4, &p))) return rc;
    m->sigma = p;
    return TENYO_OK;
}

/* The document vectors on a thread of their own when they are big enough
 * (most of the bytes left to decompress once the rows wait for their
 * first use), beside the basis, rows and documents read here: on a 1M
 * index, 0.86 s against 0.85 s. NULL: none started (read them here). */
static vec_job *vec_start(reader *r, ty_model *m) {
    uint64_t nd = m->ndocs, k = m->dim;
    int two = ty_store_threads > 1 ||
              (ty_store_threads == 0 && ty_ncores() > 1 && nd * k >= VEC_THREAD_MIN);
    vec_job *vj = two && !r->mem ? ty_calloc(1, sizeof *vj) : NULL;
    if (!vj) return NULL;
    if (ty_rd_side(r, &vj->r, vj->err, sizeof vj->err)) {
        free(vj);
        return NULL;
    }
    vj->m = m;
    vj->nt = m->nterms;
    vj->nd = nd;
    vj->k = k;
    pthread_t t;
    if (pthread_create(&t, NULL, vec_run, vj) == 0) {
        vj->thread = t;
        return vj;
    }
    ty_rd_side_done(&vj->r);
    free(vj);
    return NULL;
}

/* Wait for the vectors' thread: its damage comes before all but the
 * basis' (rc: the status so far). */
static int vec_finish(reader *r, vec_job *vj, int rc, int basis_bad) {
    if (!vj) return rc;
    pthread_join(vj->thread, NULL);
    if (vj->rc && !basis_bad) {
        rc = vj->rc;
        ty_seterr(r->err, r->errlen, "%s", vj->err);
    }
    ty_rd_side_done(&vj->r);
    free(vj);
    return rc;
}

/* Format 1's float basis and document vectors. */
static int rd_f32_vectors(reader *r, ty_model *m) {
    uint64_t n;
    void *p;
    if (ty_rd_mul3(m->nterms, m->dim, 1, &n)) return ty_rd_toolarge(r);
    int rc = rd_exact(r, "basis", n, 4, &p);
    if (rc) return rc;
    m->basis = p;
    if (ty_rd_mul3(m->ndocs, m->dim, 1, &n)) return ty_rd_toolarge(r);
    if ((rc = rd_exact(r, "docvec", n, 4, &p))) return rc;
    m->docvec = p;
    return TENYO_OK;
}

/* The rows' lengths (section tfidf.rows) to m->tfidf.rowptr, their sum
 * against the build record's non-zeros. */
int ty_rd_rowptr(reader *r, ty_model *m, uint64_t nnz) {
    uint64_t nd = m->ndocs;
    ty_csr *a = &m->tfidf;
    void *p;
    int rc = rd_exact(r, "tfidf.rows", nd, 4, &p);
    if (rc) return rc;
    uint32_t *cnt = p;
    a->rowptr = ty_mallocarray(nd + 1, sizeof *a->rowptr);
    if (!a->rowptr) {
        free(cnt);
        return ty_rd_nomem(r);
    }
    a->rowptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++) a->rowptr[i + 1] = a->rowptr[i] + cnt[i];
    free(cnt);
    if (r->partial && a->rowptr[nd] <= nnz) nnz = a->rowptr[nd]; /* the rows read */
    if (a->rowptr[nd] != nnz) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'tfidf.rows': rows hold %llu non-zeros, build "
                  "says %llu",
                  r->path, (unsigned long long)a->rowptr[nd], (unsigned long long)nnz);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Whether the rows' streams are in frames (m->rows_frame, for tenyo info):
 * the columns' footer read. */
static void rd_rows_frame(reader *r, ty_model *m) {
    const rd_sec *cs = ty_rd_has(r, "tfidf.tf") ? ty_rd_find(r, "tfidf.cols") : NULL;
    m->rows_frame = cs && ty_rd_framed(r, cs) ? STORE_ROWS_FRAME : 0;
}

/* The rows' columns and counts left for their first use (a lazy read of
 * format 2): what needs no read checked now (present, sizes within what
 * nnz implies, no more than their frames can expand to). */
static int rd_rows_defer(reader *r, uint64_t nnz) {
    uint64_t sz;
    if (ty_rd_mul3(nnz, 5, 1, &sz)) return ty_rd_toolarge(r);
    if (!ty_rd_locate(r, "tfidf.cols", nnz, sz, 0) || !ty_rd_locate(r, "tfidf.tf", nnz, sz, 0))
        return TENYO_ERR_CORRUPT;
    r->deferred = 1;
    return TENYO_OK;
}

/* The terms and the rows' lengths left for ty_model_need_terms (a lazy
 * read of a single file of layout 2 whose caller reads neither): their
 * sections located and their sizes checked against the counts, as the
 * rows' columns and counts are; the whole read and its checks come with
 * the first need. 1 when the file does not allow it (read them now). */
static int rd_terms_defer(reader *r, ty_model *m, uint64_t nnz) {
    uint64_t nt = m->nterms, nd = m->ndocs, b;
    if (!r->terms_on_need || !r->lazy || r->mem || r->version < 2 || !ty_rd_has(r, "tfidf.tf"))
        return 1;
    if (ty_rd_mul3(nt, 4, 1, &b)) return ty_rd_toolarge(r);
    if (!ty_rd_locate(r, "vocab", nt, UINT64_MAX, 1) || !ty_rd_locate(r, "df", b, b, 0) ||
        !ty_rd_locate(r, "idf", b, b, 0) ||
        !ty_rd_locate(r, "sigma", (uint64_t)m->dim * 4, (uint64_t)m->dim * 4, 0) ||
        !ty_rd_locate(r, "tfidf.rows", nd * 4, nd * 4, 0))
        return TENYO_ERR_CORRUPT;
    int rc = rd_rows_defer(r, nnz);
    if (rc) return rc;
    rd_rows_frame(r, m);
    m->tfidf.nrows = nd;
    m->tfidf.ncols = nt;
    m->terms_deferred = 1;
    m->deferred_nnz = nnz;
    r->deferred_terms = 1;
    return TENYO_OK;
}

/* The sparse rows: the counts to rowptr, their sum against the build
 * record's non-zeros, then the columns and values now or, for a lazy
 * read of format 2, at their first use (ty_model_need_sparse). */
/* The rows' lengths (rowptr) on a thread of their own from RP_THREAD_MIN
 * documents, beside the term tables: at 1M documents 4 MB of counts
 * decompressed and 8 MB of offsets written, about 7 ms of an open's 16 on
 * the thread that opens, while the other core waits for the open to end.
 * Its outcome is taken where the rows are read, in the file's order. */
#define RP_THREAD_MIN 131072

typedef struct rp_job {
    reader r;        /* a copy: its own zstd context, buffer, message */
    ty_model *m;     /* writes tfidf.rowptr only */
    uint64_t nnz;
    int rc;
    char err[TY_ERRLEN];
    pthread_t thread;
} rp_job;

static void *rp_run(void *arg) {
    rp_job *j = arg;
    j->rc = ty_rd_rowptr(&j->r, j->m, j->nnz);
    return NULL;
}

/* The lengths' thread started, or NULL: rd_sparse_rows reads them. */
static rp_job *rp_start(reader *r, ty_model *m, uint64_t nnz) {
    int two = ty_store_threads > 1 ||
              (ty_store_threads == 0 && ty_ncores() > 1 && m->ndocs >= RP_THREAD_MIN);
    if (!two || r->mem || !ty_rd_has(r, "tfidf.rows")) return NULL;
    rp_job *j = ty_calloc(1, sizeof *j);
    if (!j) return NULL;
    if (ty_rd_side(r, &j->r, j->err, sizeof j->err)) {
        free(j);
        return NULL;
    }
    j->m = m;
    j->nnz = nnz;
    if (pthread_create(&j->thread, NULL, rp_run, j) == 0) return j;
    ty_rd_side_done(&j->r);
    free(j);
    return NULL;
}

/* Wait for the lengths' thread (NULL: none): its status, its message
 * into r's when say. */
static int rp_finish(reader *r, rp_job *j, int say) {
    if (!j) return TENYO_OK;
    pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc && say) ty_seterr(r->err, r->errlen, "%s", j->err);
    ty_rd_side_done(&j->r);
    free(j);
    return rc;
}

static int rd_sparse_rows(reader *r, ty_model *m, uint64_t nnz, rp_job *rj) {
    uint64_t nd = m->ndocs, sz;
    ty_csr *a = &m->tfidf;
    a->nrows = nd;
    a->ncols = m->nterms;
    int rc = rj ? rp_finish(r, rj, 1) : ty_rd_rowptr(r, m, nnz);
    if (rc) return rc;
    rd_rows_frame(r, m);
    if (r->partial && a->rowptr[nd] <= nnz) nnz = a->rowptr[nd];
    if (ty_rd_mul3(nnz, 5, 1, &sz)) return ty_rd_toolarge(r);
    if (!r->lazy || !ty_rd_has(r, "tfidf.tf")) return ty_rd_rows(r, m, nnz);
    return rd_rows_defer(r, nnz);
}

/* 1 when the frame of section s is stored blocks (ty_store_frame_stored)
 * holding docmeta's layout 2 (store/docmeta.c): its first 24 bytes read. */
static int dm_stored_layout2(reader *r, const rd_sec *s) {
    unsigned char h[STORED_HEAD + 3 + 8];
    if (s->stored < sizeof h + 4 || s->raw < 40) return 0;
    for (size_t got = 0; got < sizeof h;) {
        ssize_t k = pread(r->fd, h + got, sizeof h - got, (off_t)(s->off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return 0; /* the whole read below reports it */
        got += (size_t)k;
    }
    return get_le32(h) == ZSTD_MAGICNUMBER && h[4] == STORED_FHD &&
           get_le64(h + 5) == s->raw && ty_dm_is_magic(h + STORED_HEAD + 3);
}

/* The documents' strings (section "docmeta"): layout 1 decoded whole into
 * meta_blob / meta_off; layout 2 (store/docmeta.c) stored in blocks is,
 * for a lazy read (an index opened for queries), only located here, its
 * header and table read (m->dm), its frames decoded on first use; read
 * whole (ty_store_read: check, writers), its frames are all checked and
 * decoded now, as layout 1 is; so is layout 2 in any other frame (a
 * sharded index's, or put in raw). */
static int rd_docmeta(reader *r, ty_model *m) {
    uint64_t nstr = m->ndocs * TY_META_NSTR;
    if (!r->mem) {
        const rd_sec *s = ty_rd_locate(r, "docmeta", 0, UINT64_MAX, 1);
        if (s && dm_stored_layout2(r, s)) {
            m->docmeta_layout = 2;
            ty_lazysec *ls = ty_lazysec_open(r->fd, r->path, "docmeta", s->off, s->stored,
                                             s->raw);
            if (!ls) return ty_rd_nomem(r);
            int rc = ty_dm_open(ls, r->path, m->ndocs, &m->dm, r->err, r->errlen);
            if (rc || r->lazy) return rc;
            /* read whole: every frame checked (naming the first damaged
             * one), then the section's checksum, then decoded whole */
            rc = ty_meta_verify(m, r->err, r->errlen);
            return rc ? rc : ty_model_need_meta(m, r->err, r->errlen);
        }
    }
    void *p = NULL;
    uint64_t raw;
    int rc = ty_rd_section(r, "docmeta", nstr < 40 ? nstr : 40, UINT64_MAX, 1,
                           &p, &raw);
    if (rc) return rc;
    if (!ty_dm_is_layout2(p, raw)) {
        char why[256];
        if (raw < nstr) {
            free(p);
            return ty_rd_corrupt(r, "docmeta", "fewer bytes than strings");
        }
        m->docmeta_layout = 1;
        m->meta_blob = p;
        m->meta_blob[raw] = 0;
        m->meta_blob_len = raw;
        m->meta_off = ty_mallocarray(nstr ? nstr : 1, sizeof *m->meta_off);
        if (!m->meta_off) return ty_rd_nomem(r);
        if (ty_blob_index(m->meta_blob, raw, nstr, m->meta_off, 1, why, sizeof why))
            return ty_rd_corrupt(r, "docmeta", why);
        return TENYO_OK;
    }
    ((char *)p)[raw] = 0;
    m->docmeta_layout = 2;
    ty_lazysec *ls = ty_lazysec_wrap(p, raw);
    if (!ls) {
        free(p);
        return ty_rd_nomem(r);
    }
    rc = ty_dm_open(ls, r->path, m->ndocs, &m->dm, r->err, r->errlen);
    if (!rc) rc = ty_model_need_meta(m, r->err, r->errlen);
    return rc;
}

/* The documents' strings on a thread of their own, from META_THREAD_MIN
 * documents: the largest section an open decodes (13 MB raw at 60k
 * documents, 217 bytes a document; about a third of a keyword search's
 * open), read beside the term tables, rows, flags, fields and optional
 * sections, which together take about as long. */
#define META_THREAD_MIN 8192

typedef struct meta_job {
    reader r;                  /* a copy: its own zstd context, buffer, message */
    ty_model *m;               /* writes meta_blob, meta_blob_len, meta_off,
                                  dm and docmeta_layout only */
    int rc;
    char err[TY_ERRLEN];
    pthread_t thread;
} meta_job;

static void *meta_run(void *arg) {
    meta_job *j = arg;
    j->rc = rd_docmeta(&j->r, j->m);
    return NULL;
}

/* The strings' thread started, or NULL: read them in rd_docs. */
static meta_job *meta_start(reader *r, ty_model *m) {
    int two = ty_store_threads > 1 ||
              (ty_store_threads == 0 && ty_ncores() > 1 && m->ndocs >= META_THREAD_MIN);
    if (!two || r->mem || !ty_rd_has(r, "docmeta")) return NULL;
    const rd_sec *s = ty_rd_locate(r, "docmeta", 0, UINT64_MAX, 1);
    if (!s || (r->lazy && dm_stored_layout2(r, s))) return NULL; /* its table only */
    meta_job *j = ty_calloc(1, sizeof *j);
    if (!j) return NULL;
    if (ty_rd_side(r, &j->r, j->err, sizeof j->err)) {
        free(j);
        return NULL;
    }
    j->m = m;
    if (pthread_create(&j->thread, NULL, meta_run, j) == 0) return j;
    ty_rd_side_done(&j->r);
    free(j);
    return NULL;
}

/* Wait for the strings' thread. rc: the status of the steps so far, each
 * of the file's order; before: 1 when the failing step came before
 * docmeta's (its damage is reported, as a one-thread read meets it
 * first), 0 when after (docmeta's damage, if any, is). */
static int meta_finish(reader *r, meta_job *j, int rc, int before) {
    if (!j) return rc;
    pthread_join(j->thread, NULL);
    if (j->rc && !(rc && before)) {
        rc = j->rc;
        ty_seterr(r->err, r->errlen, "%s", j->err);
    }
    ty_rd_side_done(&j->r);
    free(j);
    return rc;
}

/* The documents' strings (unless a thread reads them: meta) and flags
 * (open[nd] then lang[nd]). */
static int rd_docs(reader *r, ty_model *m, int meta) {
    uint64_t nd = m->ndocs;
    int rc = meta ? TENYO_OK : rd_docmeta(r, m);
    if (rc) return rc;
    void *p;
    if ((rc = rd_exact(r, "docflags", 2 * nd, 1, &p))) return rc;
    m->open = p;
    m->lang = ty_malloc((size_t)nd);
    if (!m->lang) return ty_rd_nomem(r);
    memcpy(m->lang, m->open + nd, (size_t)nd);
    return TENYO_OK;
}

/* docfields: u32 counts to field_ptr, then the u16 ids moved to the front
 * in place. */
int ty_rd_docfields(reader *r, ty_model *m) {
    uint64_t nd = m->ndocs, sz, hi, raw;
    if (ty_rd_mul3(nd, 4, 1, &sz)) return ty_rd_toolarge(r);
    if (ty_rd_mul3(nd, 4 + 2ull * TY_MAX_FIELDS, 1, &hi)) return ty_rd_toolarge(r);
    if (r->fields_on_need && r->lazy && !r->mem && !m->fields_deferred) {
        /* left for ty_model_need_docfields: located, its size bounded */
        if (!ty_rd_locate(r, "docfields", sz, hi, 0)) return TENYO_ERR_CORRUPT;
        m->fields_deferred = 1;
        r->deferred_fields = 1;
        return TENYO_OK;
    }
    void *p = NULL;
    int rc = ty_rd_section(r, "docfields", sz, hi, 0, &p, &raw);
    if (rc) return rc;
    if ((raw - sz) % 2) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'docfields': %llu bytes after the counts is "
                  "odd (u16 field ids)",
                  r->path, (unsigned long long)(raw - sz));
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->field_ptr = ty_mallocarray(nd + 1, sizeof *m->field_ptr);
    if (!m->field_ptr) {
        rc = ty_rd_nomem(r);
        goto done;
    }
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
done:
    free(p);
    return rc;
}

/* fields: each field's code (8 bytes) and document count (u64). */
static int rd_fields(reader *r, ty_model *m) {
    uint32_t nf = m->nfields;
    void *p = NULL;
    uint64_t raw;
    int rc = ty_rd_section(r, "fields", 16ull * nf, 16ull * nf, 0, &p, &raw);
    if (rc) return rc;
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_mallocarray(nf ? nf : 1, sizeof *m->field_count);
    if (!m->field_code || !m->field_count) {
        free(p);
        return ty_rd_nomem(r);
    }
    for (uint32_t f = 0; f < nf; f++) {
        memcpy(m->field_code[f], (unsigned char *)p + 16 * (size_t)f, 8);
        m->field_count[f] = get_le64((unsigned char *)p + 16 * (size_t)f + 8);
    }
    free(p);
    return TENYO_OK;
}

int ty_rd_vectors(reader *r, ty_model *m) {
    vec_job *vj = vec_start(r, m);
    int rc = rd_q8(r, m, 0);
    int basis_bad = rc != 0; /* before the vectors: its message wins */
    if (!rc && !vj) rc = rd_q8(r, m, 1);
    return vec_finish(r, vj, rc, basis_bad);
}

/* A lazy read of format 2's vectors: both sections located and their
 * sizes checked (rows x (k + 4) bytes each) now, decoded by the first
 * ty_model_need_vectors. */
int ty_rd_vectors_defer(reader *r, ty_model *m) {
    uint64_t sb, sd;
    if (ty_rd_mul3(m->nterms, (uint64_t)m->dim + 4, 1, &sb) ||
        ty_rd_mul3(m->ndocs, (uint64_t)m->dim + 4, 1, &sd))
        return ty_rd_toolarge(r);
    if (!ty_rd_locate(r, "basis.q8", sb, sb, 0) || !ty_rd_locate(r, "docvec.q8", sd, sd, 0))
        return TENYO_ERR_CORRUPT;
    r->deferred_vec = 1;
    m->vec_deferred = 1;
    return TENYO_OK;
}

/* The ids' lookup table "ids.map" (idmap.c): mapped by a lazy read of
 * layout 2's strings, checked against the ids by a whole read. */
static int rd_idmap(reader *r, ty_model *m) {
    if (!r->lazy) return ty_rd_check_raw(r, m, "ids.map", 24, ty_idmap_verify);
    int rc = m->dm ? ty_rd_idmap(r, m) : 1;
    return rc < 0 ? rc : TENYO_OK;
}

/* Load every section into m (counts already set from build). */
int ty_rd_sections(reader *r, ty_model *m, uint64_t nnz) {
    vec_job *vj = NULL;
    meta_job *mj = NULL;
    if (r->prefetch_kw && !r->mem && ty_rd_has(r, "keywords")) {
        /* located and its read started before every other section's; a
         * refusal here is left for rd_optional to make in its order */
        int msg = r->err && r->errlen;
        char keep = msg ? r->err[0] : 0;
        if (ty_rd_keywords(r, m) == TENYO_OK) ty_lazysec_prefetch(m->kw_sec);
        else if (msg) r->err[0] = keep;
    }
    mj = meta_start(r, m);
    int later = rd_terms_defer(r, m, nnz), basis_bad = 0;
    rp_job *rj = later == 1 ? rp_start(r, m, nnz) : NULL;
    if (later == 1) { /* the terms read now: from "vocab.map" where mapped */
        int vm = ty_rd_vmap(r, m);
        if (vm < 0) later = vm;
    }
    int rc = later == 1 ? ty_rd_terms(r, m) : later;
    uint64_t sz;
    /* every product is bounded by TY_MAX_* (< 2^48), checked anyway */
    if (!rc && ty_rd_mul3(m->nterms, m->dim, 1, &sz)) rc = ty_rd_toolarge(r);
    if (!rc && r->version >= 2 && r->lazy && !r->mem) {
        rc = ty_rd_vectors_defer(r, m); /* read on first use */
    } else if (!rc && r->version >= 2) {
        vj = vec_start(r, m);
        rc = rd_q8(r, m, 0);
        basis_bad = rc != 0; /* before the vectors: its message wins */
        if (!rc && !vj)
            rc = rd_q8(r, m, 1);
    } else if (!rc) {
        rc = rd_f32_vectors(r, m);
    }
    if (!rc && later == 1) {
        rc = rd_sparse_rows(r, m, nnz, rj);
        rj = NULL;
    }
    (void)rp_finish(r, rj, 0); /* a step before failed: its message stands */
    int before = rc != 0; /* failed before docmeta */
    if (!rc) rc = rd_docs(r, m, mj != NULL);
    if (!rc) rc = ty_rd_docfields(r, m);
    if (!rc) rc = rd_fields(r, m);
    if (!rc) rc = ty_rd_optional(r, m);
    rc = meta_finish(r, mj, rc, before);
    if (!rc) rc = rd_idmap(r, m);
    return vec_finish(r, vj, rc, basis_bad);
}
