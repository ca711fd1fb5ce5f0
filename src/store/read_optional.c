/*
 * read_optional.c — the optional sections of an index file into a
 * ty_model (ty_rd_optional, one step of ty_rd_sections, read_rows.c): the
 * application phrases and their documents, the f16 vectors, the common
 * numbers, the abstracts, the keyword section, the field model, the term
 * facts, the stored postings and the applicants' column. Each is present
 * or not; a lazy read locates the big ones and leaves their bytes to
 * their first use (store/lazysec.c), a whole read (writers, check, a
 * sharded index) takes them as blobs; each bounded by the build record's
 * counts and checked where it is read or used.
 */
#include "store/format.h"
#include "store/reader.h"
#include <stdlib.h>
#include <string.h>

/* phrase.docs: u32 counts per document to phr_ptr, then phrase ids, each
 * below np (the phrases of phrase.text). */
static int rd_phrase_docs(reader *r, ty_model *m, uint64_t np) {
    uint64_t nd = m->ndocs, sz, raw;
    if (ty_rd_mul3(nd, 4, 1, &sz)) return ty_rd_toolarge(r);
    void *p = NULL;
    int rc = ty_rd_section(r, "phrase.docs", sz, UINT64_MAX, 0, &p, &raw);
    if (rc) return rc;
    rc = TENYO_ERR_CORRUPT;
    uint64_t nids = (raw - sz) / 4;
    if ((raw - sz) % 4) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'phrase.docs': %llu bytes after the counts "
                  "is not a multiple of 4 (u32 phrase ids)",
                  r->path, (unsigned long long)(raw - sz));
        goto done;
    }
    m->phr_ptr = ty_mallocarray(nd + 1, sizeof *m->phr_ptr);
    if (!m->phr_ptr) goto nomem;
    m->phr_ptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++)
        m->phr_ptr[i + 1] = m->phr_ptr[i] + get_le32((unsigned char *)p + 4 * i);
    if (m->phr_ptr[nd] != nids) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'phrase.docs': counts sum to %llu, section "
                  "holds %llu ids", r->path,
                  (unsigned long long)m->phr_ptr[nd], (unsigned long long)nids);
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
            goto done;
        }
    }
    rc = TENYO_OK;
    goto done;
nomem:
    rc = ty_rd_nomem(r);
done:
    free(p);
    return rc;
}

/* Optional: application phrases (both sections or neither). */
static int rd_phrases(reader *r, ty_model *m) {
    if (!ty_rd_has(r, "phrase.text") && !ty_rd_has(r, "phrase.docs")) return TENYO_OK;
    int rc = ty_rd_blob(r, "phrase.text", 0, UINT64_MAX, 1, &m->phr_blob, &m->phr_blob_len);
    if (rc) return rc;
    uint64_t np = 0;
    char why[256];
    for (uint64_t i = 0; i < m->phr_blob_len; i++) np += m->phr_blob[i] == 0;
    if (np > UINT32_MAX) return ty_rd_toolarge(r);
    m->nphrases = np;
    m->phr_off = ty_mallocarray(np ? np : 1, sizeof *m->phr_off);
    if (!m->phr_off) return ty_rd_nomem(r);
    if (ty_blob_index(m->phr_blob, m->phr_blob_len, np, m->phr_off, 1, why, sizeof why))
        return ty_rd_corrupt(r, "phrase.text", why);
    return rd_phrase_docs(r, m, np);
}

/* Optional: float16 document vectors (the IVF re-ranks from them):
 * exactly ndocs x dim, every value finite. */
static int rd_f16(reader *r, ty_model *m) {
    uint64_t nd = m->ndocs, k = m->dim, sz;
    if (!ty_rd_has(r, "docvec.f16") || !nd || !k) return TENYO_OK;
    if (ty_rd_mul3(nd, k, 2, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: section 'docvec.f16' too large", r->path);
        return TENYO_ERR_CORRUPT;
    }
    void *p = NULL;
    uint64_t raw;
    int rc = ty_rd_section(r, "docvec.f16", sz, sz, 0, &p, &raw);
    if (rc) return rc;
    m->doc_h = p;
    ty_rd_le_to_host(m->doc_h, (size_t)(nd * k), 2);
    for (uint64_t i = 0; i < nd * k; i++)
        if ((m->doc_h[i] & 0x7c00u) == 0x7c00u) { /* exponent all ones */
            ty_seterr(r->err, r->errlen,
                      "%s: section 'docvec.f16': document %llu holds an infinity or NaN",
                      r->path, (unsigned long long)(i / k));
            return TENYO_ERR_CORRUPT;
        }
    return TENYO_OK;
}

/* Optional: terms dropped by max_df (messages only), NUL-terminated. */
static int rd_common(reader *r, ty_model *m) {
    if (!ty_rd_has(r, "common")) return TENYO_OK;
    void *p = NULL;
    uint64_t raw;
    int rc = ty_rd_section(r, "common", 0, 16ull << 20, 1, &p, &raw);
    if (rc) return rc;
    if (raw && ((const char *)p)[raw - 1] != 0) {
        free(p);
        ty_seterr(r->err, r->errlen, "%s: section 'common': the last term is not "
                  "NUL-terminated", r->path);
        return TENYO_ERR_CORRUPT;
    }
    m->common_blob = p;
    m->common_blob[raw] = 0;
    m->common_len = raw;
    return TENYO_OK;
}

/* Optional: abstracts, located now and read on first use (ty_abs_get). */
static int rd_abstracts(reader *r, ty_model *m) {
    if (r->mem || !ty_rd_has(r, "abstracts")) return TENYO_OK;
    const rd_sec *s = ty_rd_locate(r, "abstracts", ABS_HEAD, UINT64_MAX, 0);
    if (!s) return TENYO_ERR_CORRUPT;
    m->abs = ty_abs_open(r->fd, r->path, s->off, s->stored, s->raw, m->ndocs);
    return m->abs ? TENYO_OK : ty_rd_nomem(r);
}

/* Optional: the keyword index, located now and read (frame checksum here,
 * layout by search/kwindex.c) on the first keyword query or by check
 * (store/lazysec.c); a sharded index's, already in memory, is wrapped as
 * read. */
int ty_rd_keywords(reader *r, ty_model *m) {
    if (!ty_rd_has(r, "keywords")) return TENYO_OK;
    const rd_sec *s = ty_rd_locate(r, "keywords", 48, 1ull << 40, 1);
    if (!s) return TENYO_ERR_CORRUPT;
    if (r->mem) {
        void *p = NULL;
        uint64_t raw;
        int rc = ty_rd_section(r, "keywords", 48, 1ull << 40, 1, &p, &raw);
        if (rc) return rc;
        ((char *)p)[raw] = 0;
        m->kw_sec = ty_lazysec_wrap(p, raw);
        if (!m->kw_sec) free(p);
    } else {
        m->kw_sec = ty_lazysec_open(r->fd, r->path, "keywords", s->off, s->stored, s->raw);
    }
    return m->kw_sec ? TENYO_OK : ty_rd_nomem(r);
}

/* Optional: the field model (model/linear.c checks its layout). Read for
 * queries (lazy), located now and read on the index's first need
 * (ty_index_need_fieldmodel: at open unless the caller named what it
 * reads, ideas and match do): 2.15 MB raw at 60k documents, its checksum
 * and weights, that a keyword search or similar never reads; read whole
 * (writers, check, a sharded index) as a blob. */
static int rd_fieldmodel(reader *r, ty_model *m) {
    if (!ty_rd_has(r, "fieldmodel")) return TENYO_OK;
    if (!r->lazy || r->mem)
        return ty_rd_blob(r, "fieldmodel", 1, UINT64_MAX, 0, &m->fm_blob, &m->fm_len);
    const rd_sec *s = ty_rd_locate(r, "fieldmodel", 1, UINT64_MAX, 0);
    if (!s) return TENYO_ERR_CORRUPT;
    m->fm_sec = ty_lazysec_open(r->fd, r->path, "fieldmodel", s->off, s->stored, s->raw);
    return m->fm_sec ? TENYO_OK : ty_rd_nomem(r);
}

/* Optional: the term facts (api/termfacts.c checks their layout), located
 * now and read on the judge's first need or by check (store/lazysec.c). A
 * sharded index is written without them. */
static int rd_termfacts(reader *r, ty_model *m) {
    if (r->mem || !ty_rd_has(r, "termfacts")) return TENYO_OK;
    const rd_sec *s = ty_rd_locate(r, "termfacts", 16, 1ull << 40, 1);
    if (!s) return TENYO_ERR_CORRUPT;
    m->tf_sec = ty_lazysec_open(r->fd, r->path, "termfacts", s->off, s->stored, s->raw);
    return m->tf_sec ? TENYO_OK : ty_rd_nomem(r);
}

/* Optional: the stored TF-IDF postings (search/tpost.c checks their
 * layout), located now and read in part by the queries that score terms
 * (api/ctx.c) or whole by check. A sharded index is written without them. */
static int rd_tpost(reader *r, ty_model *m) {
    if (r->mem || !ty_rd_has(r, "tfidf.post")) return TENYO_OK;
    const rd_sec *s = ty_rd_locate(r, "tfidf.post", 64, 1ull << 40, 1);
    if (!s) return TENYO_ERR_CORRUPT;
    m->tp_sec = ty_lazysec_open(r->fd, r->path, "tfidf.post", s->off, s->stored, s->raw);
    return m->tp_sec ? TENYO_OK : ty_rd_nomem(r);
}

/* Optional: the first applicants' numbers (store/docapp.c), 4 bytes a
 * document, located now and read whole by their first use or by check. A
 * sharded index is written without them. */
static int rd_docapp(reader *r, ty_model *m) {
    if (r->mem || !ty_rd_has(r, "docapp")) return TENYO_OK;
    const rd_sec *s = ty_rd_locate(r, "docapp", 4 * m->ndocs, 4 * m->ndocs, 1);
    if (!s) return TENYO_ERR_CORRUPT;
    m->app_sec = ty_lazysec_open(r->fd, r->path, "docapp", s->off, s->stored, s->raw);
    return m->app_sec ? TENYO_OK : ty_rd_nomem(r);
}

/* The optional sections after the documents', in the file's order. */
int ty_rd_optional(reader *r, ty_model *m) {
    int rc = rd_docapp(r, m);
    if (!rc && ty_rd_has(r, "surface"))
        rc = ty_rd_strings(r, "surface", m->nterms, m->nterms, &m->surf_blob, &m->surf_blob_len,
                        &m->surf_off);
    if (!rc) rc = rd_phrases(r, m);
    /* IVF lists (parsed and checked by the index: search/ivf.c) */
    if (!rc && ty_rd_has(r, "ivf"))
        rc = ty_rd_blob(r, "ivf", 1, UINT64_MAX, 0, &m->ivf_blob, &m->ivf_len);
    if (!rc) rc = rd_f16(r, m);
    /* the field model (parsed and checked by the index: model/linear.c);
     * read for queries, only located */
    if (!rc) rc = rd_fieldmodel(r, m);
    if (!rc) rc = rd_termfacts(r, m);
    if (!rc) rc = rd_tpost(r, m);
    /* IPC titles recorded at index time (parsed by the index) */
    if (!rc && ty_rd_has(r, "labels"))
        rc = ty_rd_blob(r, "labels", 0, 64ull << 20, 1, &m->labels_blob, &m->labels_len);
    if (!rc) rc = rd_abstracts(r, m);
    if (!rc) rc = rd_common(r, m);
    /* the documents' other numbers (api/patno.c reads the lines; a
     * malformed one is skipped there, so only the size is checked): for a
     * caller that named what it reads, located only (2.3 MB raw at 60k
     * documents that a query reads only to resolve a typed number) */
    if (!rc && ty_rd_has(r, "numbers")) {
        if (r->numbers_on_need && !r->mem) {
            const rd_sec *s = ty_rd_locate(r, "numbers", 0, 256ull << 20, 1);
            if (!s) return TENYO_ERR_CORRUPT;
            m->numbers_sec = ty_lazysec_open(r->fd, r->path, "numbers", s->off, s->stored, s->raw);
            if (!m->numbers_sec) rc = ty_rd_nomem(r);
        } else {
            rc = ty_rd_blob(r, "numbers", 0, 256ull << 20, 1, &m->numbers_blob, &m->numbers_len);
        }
    }
    if (!rc && !m->kw_sec) rc = ty_rd_keywords(r, m); /* else located first */
    return rc;
}
