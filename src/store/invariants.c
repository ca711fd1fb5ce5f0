/*
 * invariants.c — the invariants of a model that the index file relies on
 * (store/): counts within TY_MAX_*, arrays present, rows and field lists
 * monotonic, columns and ids in range, floats finite, string blobs holding
 * exactly the strings their offsets say, field codes unique and in order.
 *
 * Why a file of its own: the writer (write.c) runs ty_model_check before
 * writing and the reader (read.c) after decoding, so "written" and
 * "loadable" stay the same set; the rules are the format's (format.h), not
 * either side's. Pure functions of the model: no I/O, no zstd.
 */
#include "store/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Check that blob[0..len) holds exactly n NUL-terminated strings. With
 * fill, store each string's start in off[]; otherwise compare with off[]
 * (the writer's model must agree with what the loader will recompute).
 * 0 ok, -1 with a reason in why. */
int ty_blob_index(const char *blob, uint64_t len, uint64_t n, uint64_t *off, int fill,
                  char *why, size_t whylen) {
    if (n == 0) {
        if (len != 0) {
            ty_seterr(why, whylen, "%llu bytes but no strings",
                      (unsigned long long)len);
            return -1;
        }
        return 0;
    }
    if (!blob || !off || len == 0 || blob[len - 1] != 0) {
        ty_seterr(why, whylen, "does not end with a NUL");
        return -1;
    }
    uint64_t k = 0, start = 0;
    for (;;) {
        const char *z = memchr(blob + start, 0, (size_t)(len - start));
        if (k == n) {
            ty_seterr(why, whylen, "holds more than %llu strings",
                      (unsigned long long)n);
            return -1;
        }
        if (fill)
            off[k] = start;
        else if (off[k] != start) {
            ty_seterr(why, whylen, "offset of string %llu is %llu, not %llu",
                      (unsigned long long)k, (unsigned long long)off[k],
                      (unsigned long long)start);
            return -1;
        }
        k++;
        start = (uint64_t)(z - blob) + 1;
        if (start == len) break;
    }
    if (k != n) {
        ty_seterr(why, whylen, "holds %llu strings, expected %llu",
                  (unsigned long long)k, (unsigned long long)n);
        return -1;
    }
    return 0;
}

/* Index of the first non-finite float in p[0..n), or n. Blocks are
 * scanned without branches (exponent bits all ones = Inf or NaN), which the
 * compiler vectorises; this check was 9% of a 42 MB load when written with
 * an early-exit isfinite() loop. */
static uint64_t first_nonfinite(const float *p, uint64_t n) {
    for (uint64_t b = 0; b < n; b += 4096) {
        uint64_t e = n - b < 4096 ? n : b + 4096;
        uint32_t bad = 0;
        for (uint64_t i = b; i < e; i++) {
            uint32_t u;
            memcpy(&u, &p[i], 4);
            bad |= ((u & 0x7f800000u) + 0x00800000u) >> 31;
        }
        if (bad)
            for (uint64_t i = b; i < e; i++)
                if (!isfinite(p[i])) return i;
    }
    return n;
}

/* The fields' codes ascending and unique: the index finds fields by
 * binary search. */
static int codes_check(const ty_model *m, char *why, size_t whylen) {
    for (uint32_t f = 1; f < m->nfields; f++) {
        int c = memcmp(m->field_code[f - 1], m->field_code[f], 8);
        if (c >= 0) {
            ty_seterr(why, whylen, c == 0 ? "fields: code '%.7s' appears twice"
                                          : "fields: code '%.7s' is out of order (after '%.7s')",
                      m->field_code[f], m->field_code[f - 1]);
            return -1;
        }
    }
    return 0;
}

/* lists_fields_check's rules without its messages, fast: 1 when every
 * list is sound and the fields' counts (into seen, nfields + 1 zeroed
 * entries) are the ones lists_fields_check would count, 0 at the first
 * doubt (it then runs, for the message of the first document at fault).
 * The ids counted in one branch-free pass (an id past the table into
 * seen[nfields]; four counters a field); per document, the lists' ends
 * rising and its ids distinct, pairwise, without a branch on a list of up
 * to four. At 1M documents: 6.2 ms of the one pass with per-field marks
 * -> 2.8. */
static int lists_sound(const ty_model *m, uint64_t *seen) {
    uint32_t nf = m->nfields;
    uint64_t nd = m->ndocs, all = nd ? m->field_ptr[nd] : 0;
    const uint16_t *ids = m->field_ids;
    if (all && !ids) return 0;
    /* four counts a field, a quarter of the ids each, so that runs of one
     * field do not wait on one counter */
    uint64_t *part = ty_calloc(4 * ((size_t)nf + 1), sizeof *part);
    if (!part) return 0;
    uint64_t j = 0;
    for (; j + 4 <= all; j += 4)
        for (int q = 0; q < 4; q++) part[(size_t)q * (nf + 1) + (ids[j + q] < nf ? ids[j + q] : nf)]++;
    for (; j < all; j++) part[ids[j] < nf ? ids[j] : nf]++;
    for (uint32_t f = 0; f <= nf; f++)
        for (int q = 0; q < 4; q++) seen[f] += part[(size_t)q * (nf + 1) + f];
    free(part);
    if (seen[nf]) return 0;
    unsigned bad = 0;
    for (uint64_t i = 0; i < nd; i++) {
        uint64_t s = m->field_ptr[i], e = m->field_ptr[i + 1], k = e - s;
        if (e < s || e > all) return 0;
        if (k <= 4 && s + 4 <= all) { /* most documents: no branch on k */
            unsigned a = ids[s], b = ids[s + 1], c = ids[s + 2], d = ids[s + 3];
            bad |= ((a == b) & (k > 1)) | (((a == c) | (b == c)) & (k > 2)) |
                   (((a == d) | (b == d) | (c == d)) & (k > 3));
        } else {
            for (uint64_t x = s; x + 1 < e; x++)
                for (uint64_t y = x + 1; y < e; y++) bad |= ids[x] == ids[y];
        }
    }
    return !bad;
}

/* fields_check's rules with the lists, in one pass over the documents (at
 * 1M documents a pass is several ms of an ideas query; lists_sound first,
 * this pass only for the message). */
static int lists_fields_check(const ty_model *m, char *why, size_t whylen) {
    uint32_t nf = m->nfields;
    uint64_t nd = m->ndocs;
    if (nd && m->field_ptr[0] != 0) {
        ty_seterr(why, whylen, "docfields: first list does not start at 0");
        return -1;
    }
    uint64_t *last = ty_calloc(nf ? nf : 1, sizeof *last); /* doc + 1 that listed f */
    uint64_t *seen = ty_calloc((size_t)nf + 1, sizeof *seen); /* documents listing f */
    int rc = -1;
    if (!last || !seen) {
        ty_seterr(why, whylen, "fields: out of memory checking %u fields", nf);
        goto done;
    }
    if (lists_sound(m, seen)) goto counts;
    memset(seen, 0, ((size_t)nf + 1) * sizeof *seen);
    for (uint64_t i = 0; i < nd; i++) {
        uint64_t s = m->field_ptr[i], e = m->field_ptr[i + 1];
        if (e < s || e - s > UINT32_MAX || (e > s && !m->field_ids)) {
            ty_seterr(why, whylen, "docfields: document %llu list is bad", (unsigned long long)i);
            goto done;
        }
        for (uint64_t j = s; j < e; j++) {
            uint16_t f = m->field_ids[j];
            if (f >= nf) {
                ty_seterr(why, whylen, "docfields: document %llu has field %u of %u",
                          (unsigned long long)i, f, nf);
                goto done;
            }
            if (last[f] == i + 1) {
                ty_seterr(why, whylen, "docfields: document %llu lists field %u twice",
                          (unsigned long long)i, f);
                goto done;
            }
            last[f] = i + 1;
            seen[f]++;
        }
    }
counts:
    for (uint32_t f = 0; f < nf && !m->partial; f++)
        if (seen[f] != m->field_count[f]) {
            ty_seterr(why, whylen, "fields: field %u counts %llu documents, %llu list it", f,
                      (unsigned long long)m->field_count[f], (unsigned long long)seen[f]);
            goto done;
        }
    rc = nf ? codes_check(m, why, whylen) : 0;
done:
    free(last);
    free(seen);
    return rc;
}

/* The field invariants: each document's list starts where the last ended,
 * its ids below nfields, a field listed at most once (the index's
 * co-classification counts assume it), each field's document count the
 * number of documents listing it, and no two fields share a code
 * (without lists: the last alone, the lists left for their need). 0 ok,
 * -1 with a reason in why. */
static int fields_check(const ty_model *m, int lists, char *why, size_t whylen) {
    if (lists) return lists_fields_check(m, why, whylen);
    return m->nfields ? codes_check(m, why, whylen) : 0;
}

/* The counts within their limits, the matrix of the model's shape, and
 * every array the counts require present. */
static int counts_check(const ty_model *m, int rows, int docmeta, int later, int flater,
                        char *why, size_t whylen) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim;
    if (nd > TY_MAX_DOCS || nt > TY_MAX_TERMS || k > TY_MAX_DIM ||
        m->nfields > TY_MAX_FIELDS) {
        ty_seterr(why, whylen,
                  "build: counts out of range (docs %llu, terms %llu, dim "
                  "%llu, fields %u)",
                  (unsigned long long)nd, (unsigned long long)nt,
                  (unsigned long long)k, m->nfields);
        return -1;
    }
    if (rows && (m->tfidf.nrows != nd || m->tfidf.ncols != nt)) {
        ty_seterr(why, whylen, "tfidf: matrix is %llux%llu, model %llux%llu",
                  (unsigned long long)m->tfidf.nrows,
                  (unsigned long long)m->tfidf.ncols, (unsigned long long)nd,
                  (unsigned long long)nt);
        return -1;
    }
    if (!isfinite(m->max_df_ratio)) {
        ty_seterr(why, whylen, "build: max_df_ratio is not finite");
        return -1;
    }
    if ((!later && nt && (!m->df || !m->idf)) || (!later && k && !m->sigma) ||
        (nt && k && !m->vec_deferred && !m->basis && !(m->basis_q && m->basis_qscale)) ||
        (rows && nd && k && !m->vec_deferred && !m->docvec && !(m->doc_q && m->doc_qscale)) ||
        (nd && ((rows && !later && !m->tfidf.rowptr) || !m->open || !m->lang ||
                (!flater && !m->field_ptr) ||
                (docmeta && !m->meta_off && !m->dm))) ||
        (m->nfields && (!m->field_code || !m->field_count))) {
        ty_seterr(why, whylen, "model: a required array is missing");
        return -1;
    }
    return 0;
}

/* The vocabulary (a loaded blob's offsets were just computed from it),
 * document frequencies within the documents, the float tables finite
 * (a loaded format 2's int8 scales were checked as decoded), the
 * singular values not negative. */
static int terms_check(const ty_model *m, int loaded, int rows, char *why, size_t whylen) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim;
    char r[256];
    if (!loaded && ty_blob_index(m->term_blob, m->term_blob_len, nt, m->term_off, 0, r,
                                 sizeof r)) {
        ty_seterr(why, whylen, "vocab: %s", r);
        return -1;
    }
    for (uint64_t t = 0; t < nt; t++)
        if (m->df[t] > nd) {
            ty_seterr(why, whylen, "df: term %llu has df %u > %llu documents",
                      (unsigned long long)t, m->df[t], (unsigned long long)nd);
            return -1;
        }
    int q8 = loaded && m->format_version >= 2;
    struct { const char *name; const float *p; uint64_t n; } fl[] = {
        {"idf", m->idf, nt}, {"sigma", m->sigma, k},
        {"basis", m->basis, q8 || !m->basis ? 0 : nt * k},
        /* deferred vectors (being read on another thread): not looked at */
        {"basis.q8", m->vec_deferred ? NULL : m->basis_qscale,
         q8 || m->vec_deferred || !m->basis_qscale ? 0 : nt},
        {"docvec", m->docvec, q8 || !m->docvec || !rows ? 0 : nd * k},
        {"docvec.q8", m->vec_deferred ? NULL : m->doc_qscale,
         q8 || m->vec_deferred || !m->doc_qscale || !rows ? 0 : nd}};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        uint64_t bad = first_nonfinite(fl[i].p, fl[i].n);
        if (bad < fl[i].n) {
            ty_seterr(why, whylen, "%s: value %llu is not finite", fl[i].name,
                      (unsigned long long)bad);
            return -1;
        }
    }
    for (uint64_t j = 0; j < k; j++)
        if (m->sigma[j] < 0) {
            ty_seterr(why, whylen, "sigma: singular value %llu is negative",
                      (unsigned long long)j);
            return -1;
        }
    return 0;
}

/* The sparse rows: starting at 0, monotonic, within the non-zeros, whose
 * columns (unless loaded: checked as decoded) are in range and rising in
 * each row, and whose values are finite. */
static int rows_check(const ty_model *m, int loaded, char *why, size_t whylen) {
    const ty_csr *a = &m->tfidf;
    uint64_t nd = m->ndocs, nt = m->nterms, nnz = nd ? a->rowptr[nd] : 0;
    if (nd && a->rowptr[0] != 0) {
        ty_seterr(why, whylen, "tfidf.rows: first row does not start at 0");
        return -1;
    }
    if (nnz > TY_MAX_NNZ || (nnz && !m->rows_deferred && (!a->col || !a->val))) {
        ty_seterr(why, whylen, "tfidf: %llu non-zeros", (unsigned long long)nnz);
        return -1;
    }
    for (uint64_t i = 0; i < nd; i++) {
        uint64_t s = a->rowptr[i], e = a->rowptr[i + 1];
        if (e < s || e > nnz) {
            ty_seterr(why, whylen, "tfidf.rows: row %llu ends at %llu",
                      (unsigned long long)i, (unsigned long long)e);
            return -1;
        }
        for (uint64_t j = s; j < e && !loaded; j++)
            if (a->col[j] >= nt || (j > s && a->col[j] <= a->col[j - 1])) {
                ty_seterr(why, whylen,
                          "tfidf.cols: row %llu: column %u out of range or "
                          "order",
                          (unsigned long long)i, a->col[j]);
                return -1;
            }
    }
    uint64_t nval = loaded && ty_model_has_tf(m) ? 0 : nnz;
    uint64_t bad = first_nonfinite(a->val, nval);
    if (bad < nval) {
        ty_seterr(why, whylen, "tfidf.vals: value %llu is not finite",
                  (unsigned long long)bad);
        return -1;
    }
    return 0;
}

/* The documents: their strings (unless loaded or made elsewhere), their
 * languages and every field's code and count (their field lists:
 * fields_check). */
static int docs_check(const ty_model *m, int loaded, int docmeta, char *why, size_t whylen) {
    uint64_t nd = m->ndocs;
    char r[256];
    if (!loaded && docmeta &&
        ty_blob_index(m->meta_blob, m->meta_blob_len, nd * TY_META_NSTR, m->meta_off, 0, r,
                      sizeof r)) {
        ty_seterr(why, whylen, "docmeta: %s", r);
        return -1;
    }
    for (uint64_t i = 0; i < nd; i++)
        if (m->lang[i] > 1) {
            ty_seterr(why, whylen, "docflags: document %llu has language %u",
                      (unsigned long long)i, m->lang[i]);
            return -1;
        }
    for (uint32_t f = 0; f < m->nfields; f++)
        if (m->field_code[f][0] == 0 || m->field_code[f][7] != 0 ||
            m->field_count[f] > nd) {
            ty_seterr(why, whylen, "fields: field %u %s", f,
                      m->field_code[f][0] == 0    ? "has an empty code"
                      : m->field_code[f][7] != 0 ? "has a code of 8 bytes "
                                                    "without a NUL"
                                                  : "counts more documents "
                                                    "than the index has");
            return -1;
        }
    return 0;
}

/* Check every invariant of a model that the file format relies on and the
 * rest of the library assumes: counts within TY_MAX_*, arrays present,
 * rowptr monotonic from 0, columns strictly increasing and < nterms,
 * floats finite, blobs holding exactly the expected strings at the recorded
 * offsets, singular values >= 0, languages 0/1, field lists monotonic with
 * ids < nfields, field codes NUL-terminated, and fields_check's rules.
 * The writer runs it before writing, the loader after decoding. 0 ok, -1
 * with a reason (naming the section) in why. With loaded, the floats
 * derived on load (basis and docvec from int8 codes with scales already
 * checked, TF-IDF weights computed from counts, which are finite by
 * construction) need no second pass. One check per part of the model,
 * in the order the file holds them, so the first broken rule is named. */
int ty_model_check(const ty_model *m, int loaded, char *why, size_t whylen) {
    int rows = loaded != TY_CHECK_NO_ROWS && loaded != TY_CHECK_NO_DOCS; /* else written
                                                                         elsewhere */
    int docmeta = loaded != TY_CHECK_NO_DOCS; /* else made by the shards' writers */
    /* what the open left for its need: checked when read */
    int later = loaded == TY_CHECK_TERMS_LATER && m->terms_deferred;
    int lists = !(loaded == TY_CHECK_TERMS_LATER && m->fields_deferred);
    if (loaded == TY_CHECK_TERMS_LATER) loaded = 1;
    if (!rows) loaded = 0;
    if (counts_check(m, rows, docmeta, later, !lists, why, whylen) ||
        (!later && terms_check(m, loaded, rows, why, whylen)) ||
        (rows && !later && rows_check(m, loaded, why, whylen)) ||
        docs_check(m, loaded, docmeta, why, whylen))
        return -1;
    return fields_check(m, lists, why, whylen);
}

int ty_model_check_terms(const ty_model *m, char *why, size_t whylen) {
    return terms_check(m, 1, 1, why, whylen) || rows_check(m, 1, why, whylen) ? -1 : 0;
}

int ty_model_check_docfields(const ty_model *m, char *why, size_t whylen) {
    return lists_fields_check(m, why, whylen);
}
