/*
 * store.c — the index file: write a ty_model atomically, load it back from
 * an untrusted file. This is the only file that includes zstd.h.
 *
 * Design. The file is a small fixed header with a section table, followed
 * by sections that are each exactly one zstd frame (content size and
 * checksum on). One frame per section means the loader knows every
 * section's decompressed size before it allocates, can bound it, and can
 * decompress straight into the model's final array (no staging copy for the
 * big float matrices); zstd's frame checksum (XXH64) covers the content,
 * FNV-1a covers the header. Rejected: one frame for the whole file (no
 * per-array sizes up front, one giant staging buffer); mmap of a raw,
 * uncompressed layout (fastest open, but 2-3x larger files, and a file
 * truncated under a mapping turns into SIGBUS instead of an error); a
 * general container (HDF5, protobuf) — a heavy dependency for fourteen
 * arrays. The loader reads each section with pread into one reused buffer
 * rather than mapping the file, for the SIGBUS reason above; the extra copy
 * is of the compressed bytes only.
 *
 * Layout, version 1 (all integers little-endian, H = 40 + 48 * nsections):
 *
 *   offset      size  field
 *   0           8     magic "TENYOIDX"
 *   8           4     format_version (3; 1 and 2 are still read)
 *   12          4     flags (must be 0)
 *   16          4     nsections (1..TENYO_MAX_SECTIONS)
 *   20          1     updated: 1 once an update (tenyo add / delete) was
 *                     committed for this base, else 0 (format 3; 0 before)
 *   21          3     reserved (0)
 *   24          8     file_size: total bytes of the file
 *   32          48*n  section table, one entry per section:
 *                       +0   16  name, NUL-padded, [a-z0-9._], unique
 *                       +16   8  offset of the zstd frame in the file
 *                       +24   8  stored_size: bytes of the frame
 *                       +32   8  raw_size: decompressed bytes (= frame
 *                                content size)
 *                       +40   8  reserved (0)
 *   32+48*n     8     FNV-1a 64 of bytes [0, 32+48*n), byte 20 taken as 0
 *                     (format 3: the published offset basis
 *                     14695981039346656037; formats 1-2: 1469598103934665603,
 *                     a digit short, which outside tools cannot verify)
 *   H           ...   sections, in table order, contiguous, no overlap
 *
 * Sections (raw content; N = ndocs, T = nterms, K = dim, Z = nnz,
 * F = nfields, S = TY_META_NSTR):
 *
 *   name        raw bytes       content
 *   build       <= 1 MiB        text, "key=value\n" lines: tokenizer, writer,
 *                               mecab_dicdir (\\, \n, \r escaped), keep_parts,
 *                               stem, seed, min_df, max_df_ratio (%.17g, C
 *                               locale), oversample, power_iters, created,
 *                               dim, ndocs, nterms, nnz, nfields, and
 *                               max_terms when not 0 (optional). Unknown
 *                               keys are ignored (additive growth).
 *   vocab       >= T            T NUL-terminated terms (offsets recomputed)
 *   df          4T              u32 document frequency per term
 *   idf         4T              f32 per term
 *   sigma       4K              f32 singular values
 *   basis.q8    TK + 4T         int8 T x K row-major (x ~= scale * q), then
 *                               f32 scale per row (max|row| / 127); read
 *                               as codes and scales (basis_q: a fold-in
 *                               dequantises the rows it needs), written
 *                               back as they are
 *   docvec.q8   NK + 4N         the same for the N x K document vectors
 *                               (read as codes and scales, no floats: the
 *                               index takes the codes as its vectors,
 *                               quant.c's "rows as floats")
 *   tfidf.rows  4N              u32 non-zeros per row (rowptr = prefix sum)
 *   tfidf.cols  Z..5Z           per row: first column, then gaps to the
 *                               previous column, each as LEB128 (1-5 bytes)
 *   tfidf.tf    Z..5Z           term count per non-zero, LEB128 (format 2;
 *                               weights derived on load by ty_tfidf_row,
 *                               bit-identical to the builder's)
 *   tfidf.vals  4Z              f32 per non-zero (format 1, or a model
 *                               without counts)
 *   docmeta     >= S*N          S*N NUL-terminated strings, S per document
 *                               in TY_META_* order (offsets recomputed)
 *   docflags    2N              u8 open[N], then u8 lang[N] (0 ja, 1 en)
 *   docfields   4N + 2*sum      u32 count[N], then u16 field ids
 *   fields      16F             per field: char code[8] NUL-padded, u64
 *                               documents
 *
 * Column encoding, measured on a synthetic Zipf corpus (9,000 docs, 30,000
 * terms, 1.05M non-zeros, zstd level 3): raw u32 columns 4.19 MB -> 1.79 MB,
 * in-place u32 gaps 1.46 MB, LEB128 gaps 1.03 MB. LEB128 wins by 0.76 MB for
 * a 1.3 MB staging buffer and a decode loop that doubles as the
 * sorted/in-range check the loader must do anyway. Float byte-shuffling
 * (blosc style) would save ~7% on basis but needs a staging copy of the
 * largest array and a second pass on load: rejected. Level 3 throughout:
 * level 19 buys < 5% on these sections at ~30x the write time.
 *
 * Reading treats the file as hostile: the header checksum, counts bounded by
 * TY_MAX_*, every section inside the file, disjoint, the last one ending
 * the file, each raw size equal to the size the counts imply (checked with
 * overflow-checked products) and to the frame's content size, and no
 * larger than a zstd frame of that many bytes can expand to, all before
 * allocating; after decoding, the same invariant check the writer runs
 * (sorted columns, finite floats, singular values >= 0, blob string
 * counts, field ids in range and listed once per document, field counts
 * equal to the documents listing them, field codes unique). The writer
 * refusing what the reader would refuse keeps "written" and "loadable" the
 * same set. Nothing is allocated beyond a small multiple of the raw sizes
 * the table declares, each capped at STORE_MAX_RATIO times its frame's
 * stored bytes (the most a zstd frame can expand); the damaged variants in
 * tests/fixtures (tests/fixtures.sh) check every refusal and its message.
 *
 * Lazy rows. An index opened for queries (ty_store_read_lazy) checks every
 * section but tfidf.cols / tfidf.tf as above, and of those two only what
 * needs no read (present, sizes within the bounds the counts imply, no
 * more than their frames can expand to); the file stays open, and the rows
 * are decompressed, decoded, checked and weighted on all cores by the
 * first caller of ty_model_need_sparse (a TF-IDF or hybrid query, ideas, an
 * update, the writer, tenyo_index_load_all), once, under a mutex, with the
 * same messages as an eager read. On a 1M index that is 3.9 of the 5.2 s an
 * eager open took on 2 cores, and 1.36 of its 2.05 KB per document, which
 * an index used for LSA or approximate search never pays. Rejected:
 * decoding them on a background thread at open (the 2 cores are then
 * shared with the first queries, and the memory is paid anyway).
 * The document vectors are read on a second thread beside the basis, rows
 * and documents (each thread its own zstd context; damage is reported in
 * the order an eager one-thread read meets it).
 *
 * Optional sections (a reader skips what it does not know): surface (T
 * NUL-terminated words shown for stemmed terms), phrase.text (application
 * phrases "target\x1fexpression", NUL-terminated) with phrase.docs (u32
 * count[N], then u32 phrase ids), labels (IPC titles, labels.c's blob),
 * ivf (approximate-search lists, search/ivf.c's checksummed blob),
 * fieldmodel (the per-field linear classifiers ideas uses, model/linear.c's
 * checked blob), common (at most 4,096 NUL-terminated terms the build
 * dropped for being in more than max_df_ratio of the documents: a query of
 * only such words is told they are too common, not that they are absent).
 *
 * Format history:
 *   1  (tenyo 0.1.0) basis and docvec as f32 sections "basis", "docvec".
 *   2  basis.q8 / docvec.q8: int8 with a float scale per row, a quarter of
 *      the bytes, and tfidf.tf term counts instead of f32 weights (jp corpus
 *      20.66 MB -> 6.02 MB -> 5.39 MB); Protocol S P@10 and
 *      Protocol X recall/serendipity identical on both EVAL corpora to three
 *      decimals. The quantisation error (half a step, max|row|/254) is below
 *      what float32 SVD noise already is between machines. Version-1 files
 *      are still read (tests/data fixture).
 *   3  the header checksum is FNV-1a 64 as published (the offset basis of
 *      formats 1-2 dropped a digit); byte 20 is the "updated" flag, outside
 *      the checksum. Otherwise as 2; formats 1-2 are read as before (their
 *      byte 20 must be 0).
 * A reader refuses versions newer than it knows (TENYO_ERR_VERSION); an
 * older version would be read by filling defaults for what it lacks.
 * Sections a reader does not know are bounds-checked and skipped, so adding
 * one does not need a new version; changing one does.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#define STORE_MAGIC "TENYOIDX"
#define STORE_VERSION 3u
#define STORE_FIXED 32u            /* bytes before the section table */
#define STORE_ENTRY 48u            /* bytes per section table entry */
#define STORE_LEVEL 3              /* zstd level for every section */
#define STORE_BUILD_MAX (1u << 20) /* cap on the build section */
/* The most a zstd frame can expand: a block needs at least 4 bytes (3 of
 * header, 1 of RLE byte) and yields at most 128 KiB. */
#define STORE_MAX_RATIO ((uint64_t)(1u << ZSTD_BLOCKSIZELOG_MAX) / 4u)
#define STORE_STAGE (64u * 1024u)  /* write staging buffer */
#define STORE_NSEC 14              /* sections every version-1 file has */

/* The "updated" byte. The base file is immutable except for this one byte,
 * written in place once by the first update committed for it
 * (ty_store_mark_updated), so that a base copied or moved without its
 * "<path>.upd/" says that updates exist (tenyo info warns). One byte, outside
 * the checksum: a single-byte write cannot be torn, and a reader that meets
 * it half-way sees 0 or 1 under the same checksum. Rejected: a marker file
 * beside the base (it does not travel with a copy of the base either) and
 * rewriting the header with a recomputed checksum (a torn write there would
 * make the whole base unreadable). */
#define STORE_UPDATED_AT 20

/* Sections written for m: the 14 required ones and the optional ones. */
static size_t sections_of(const ty_model *m) {
    return STORE_NSEC + (m->surf_blob != NULL) + 2u * (m->phr_ptr != NULL) +
           (m->labels_blob != NULL) + (m->ivf_blob != NULL) + (m->fm_blob != NULL) +
           (m->common_blob != NULL) + (m->abs_text != NULL);
}

/* ================================================== little-endian bytes */

static void put_le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_le64(unsigned char *p, uint64_t v) {
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p) {
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static int host_is_le(void) {
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Convert n little-endian elements of size 1, 2, 4 or 8 in place to host
 * order. A no-op on little-endian hosts, where the loader's arrays are
 * usable as decompressed. */
static void le_to_host(void *p, size_t n, size_t size) {
    if (size < 2 || host_is_le()) return;
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += size) {
        if (size == 2) {
            uint16_t v = (uint16_t)(b[0] | b[1] << 8);
            memcpy(b, &v, 2);
        } else if (size == 4) {
            uint32_t v = get_le32(b);
            memcpy(b, &v, 4);
        } else {
            uint64_t v = get_le64(b);
            memcpy(b, &v, 8);
        }
    }
}

/* ============================================================ invariants */

/* Check that blob[0..len) holds exactly n NUL-terminated strings. With
 * fill, store each string's start in off[]; otherwise compare with off[]
 * (the writer's model must agree with what the loader will recompute).
 * 0 ok, -1 with a reason in why. */
static int blob_index(const char *blob, uint64_t len, uint64_t n, uint64_t *off,
                      int fill, char *why, size_t whylen) {
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

/* The field invariants that need scratch space: each document lists a
 * field at most once (the index's co-classification counts assume it),
 * each field's document count is the number of documents listing it, and
 * no two fields share a code. 0 ok, -1 with a reason in why. */
static int fields_check(const ty_model *m, char *why, size_t whylen) {
    uint32_t nf = m->nfields;
    if (nf == 0) return 0;
    uint64_t *last = ty_calloc(nf, sizeof *last); /* doc + 1 that listed f */
    uint64_t *seen = ty_calloc(nf, sizeof *seen); /* documents listing f */
    int rc = -1;
    if (!last || !seen) {
        ty_seterr(why, whylen, "fields: out of memory checking %u fields", nf);
        goto done;
    }
    for (uint64_t i = 0; i < m->ndocs; i++)
        for (uint64_t j = m->field_ptr[i]; j < m->field_ptr[i + 1]; j++) {
            uint16_t f = m->field_ids[j];
            if (last[f] == i + 1) {
                ty_seterr(why, whylen,
                          "docfields: document %llu lists field %u twice",
                          (unsigned long long)i, f);
                goto done;
            }
            last[f] = i + 1;
            seen[f]++;
        }
    for (uint32_t f = 0; f < nf; f++)
        if (seen[f] != m->field_count[f]) {
            ty_seterr(why, whylen,
                      "fields: field %u counts %llu documents, %llu list it", f,
                      (unsigned long long)m->field_count[f],
                      (unsigned long long)seen[f]);
            goto done;
        }
    /* ascending and unique: the index finds fields by binary search */
    for (uint32_t f = 1; f < nf; f++) {
        int c = memcmp(m->field_code[f - 1], m->field_code[f], 8);
        if (c >= 0) {
            ty_seterr(why, whylen, c == 0 ? "fields: code '%.7s' appears twice"
                                          : "fields: code '%.7s' is out of order (after '%.7s')",
                      m->field_code[f], m->field_code[f - 1]);
            goto done;
        }
    }
    rc = 0;
done:
    free(last);
    free(seen);
    return rc;
}

/* Check every invariant of a model that the file format relies on and the
 * rest of the library assumes: counts within TY_MAX_*, arrays present,
 * rowptr monotonic from 0, columns strictly increasing and < nterms,
 * floats finite, blobs holding exactly the expected strings at the recorded
 * offsets, singular values >= 0, languages 0/1, field lists monotonic with
 * ids < nfields, field codes NUL-terminated, and fields_check's rules.
 * The writer runs it before writing, the loader after decoding. 0 ok, -1
 * with a reason (naming the section) in why. */
/* loaded: the floats derived on load (basis and docvec from int8 codes
 * with scales already checked, TF-IDF weights computed from counts, which
 * are finite by construction) need no second pass. */
static int model_check(const ty_model *m, int loaded, char *why, size_t whylen) {
    char r[256];
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
    if (m->tfidf.nrows != nd || m->tfidf.ncols != nt) {
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
    if ((nt && (!m->df || !m->idf)) || (k && !m->sigma) ||
        (nt && k && !m->basis && !(m->basis_q && m->basis_qscale)) ||
        (nd && k && !m->docvec && !(m->doc_q && m->doc_qscale)) ||
        (nd && (!m->tfidf.rowptr || !m->open || !m->lang || !m->field_ptr ||
                !m->meta_off)) ||
        (m->nfields && (!m->field_code || !m->field_count))) {
        ty_seterr(why, whylen, "model: a required array is missing");
        return -1;
    }
    /* vocabulary (a loaded blob's offsets were just computed from it) */
    if (!loaded && blob_index(m->term_blob, m->term_blob_len, nt, m->term_off, 0, r,
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
        {"basis.q8", m->basis_qscale, q8 || !m->basis_qscale ? 0 : nt},
        {"docvec", m->docvec, q8 || !m->docvec ? 0 : nd * k},
        {"docvec.q8", m->doc_qscale, q8 || !m->doc_qscale ? 0 : nd}};
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
    /* sparse rows */
    const ty_csr *a = &m->tfidf;
    uint64_t nnz = nd ? a->rowptr[nd] : 0;
    if (nd && a->rowptr[0] != 0) {
        ty_seterr(why, whylen, "tfidf.rows: first row does not start at 0");
        return -1;
    }
    if (nnz > TY_MAX_NNZ || (nnz && !m->lazy && (!a->col || !a->val))) {
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
        /* loaded columns were checked as they were decoded */
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
    /* documents */
    if (!loaded && blob_index(m->meta_blob, m->meta_blob_len, nd * TY_META_NSTR,
                              m->meta_off, 0, r, sizeof r)) {
        ty_seterr(why, whylen, "docmeta: %s", r);
        return -1;
    }
    for (uint64_t i = 0; i < nd; i++)
        if (m->lang[i] > 1) {
            ty_seterr(why, whylen, "docflags: document %llu has language %u",
                      (unsigned long long)i, m->lang[i]);
            return -1;
        }
    if (nd && m->field_ptr[0] != 0) {
        ty_seterr(why, whylen, "docfields: first list does not start at 0");
        return -1;
    }
    for (uint64_t i = 0; i < nd; i++) {
        uint64_t s = m->field_ptr[i], e = m->field_ptr[i + 1];
        if (e < s || e - s > UINT32_MAX || (e > s && !m->field_ids)) {
            ty_seterr(why, whylen, "docfields: document %llu list is bad",
                      (unsigned long long)i);
            return -1;
        }
        for (uint64_t j = s; j < e; j++)
            if (m->field_ids[j] >= m->nfields) {
                ty_seterr(why, whylen,
                          "docfields: document %llu has field %u of %u",
                          (unsigned long long)i, m->field_ids[j], m->nfields);
                return -1;
            }
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
    return fields_check(m, why, whylen);
}

/* ================================================================ build */

/* Append "key=value\n" with value escaped (\\, \n, \r). */
static int build_put_str(ty_buf *b, const char *key, const char *v) {
    if (ty_buf_append(b, key, strlen(key)) || ty_buf_putc(b, '=')) return -1;
    for (const char *p = v ? v : ""; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
                        : *p == '\r' ? "\\r" : NULL;
        if (esc ? ty_buf_append(b, esc, 2) : ty_buf_putc(b, *p)) return -1;
    }
    return ty_buf_putc(b, '\n');
}

/* Append "key=" + formatted number + "\n" (numbers only, C locale). */
static int build_put_num(ty_buf *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int build_put_num(ty_buf *b, const char *key, const char *fmt, ...) {
    char v[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof v) return -1;
    return build_put_str(b, key, v);
}

/* The build section text of m. %.17g round-trips every double; it is
 * formatted under the C locale so a caller's LC_NUMERIC cannot turn the
 * point into a comma. */
static int build_text(const ty_model *m, ty_buf *b) {
    char ratio[64];
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) return -1;
    locale_t old = uselocale(c);
    snprintf(ratio, sizeof ratio, "%.17g", m->max_df_ratio);
    uselocale(old);
    freelocale(c);
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0;
    if (build_put_str(b, "tokenizer", m->tokenizer) ||
        build_put_str(b, "writer", m->writer) ||
        build_put_str(b, "mecab_dicdir", m->mecab_dicdir) ||
        build_put_num(b, "keep_parts", "%d", m->keep_parts) ||
        build_put_num(b, "stem", "%d", m->stem) ||
        build_put_num(b, "seed", "%llu", (unsigned long long)m->seed) ||
        build_put_num(b, "min_df", "%ld", (long)m->min_df) ||
        build_put_str(b, "max_df_ratio", ratio) ||
        build_put_num(b, "oversample", "%ld", (long)m->oversample) ||
        build_put_num(b, "power_iters", "%ld", (long)m->power_iters) ||
        build_put_num(b, "created", "%lld", (long long)m->created) ||
        build_put_num(b, "dim", "%u", m->dim) ||
        build_put_num(b, "ndocs", "%llu", (unsigned long long)m->ndocs) ||
        build_put_num(b, "nterms", "%llu", (unsigned long long)m->nterms) ||
        build_put_num(b, "nnz", "%llu", (unsigned long long)nnz) ||
        build_put_num(b, "nfields", "%u", m->nfields) ||
        (m->max_terms && build_put_num(b, "max_terms", "%u", m->max_terms)))
        return -1;
    return 0;
}

/* What the build section says, before it is moved into the model. */
typedef struct build_info {
    char *str[3];         /* tokenizer, writer, mecab_dicdir (malloc'd) */
    int64_t num[14];      /* signed fields, in build_keys order from 3 */
    uint64_t unum[14];    /* unsigned fields, same order */
    double ratio;         /* max_df_ratio */
    unsigned seen;        /* bit per key found */
} build_info;

/* Keys of the build section: name, kind ('s' string, 'i' signed, 'u'
 * unsigned, 'd' double), and bounds for integers. */
static const struct build_key {
    const char *name;     /* key */
    char kind;            /* s, i, u or d */
    int64_t lo;           /* minimum (i) */
    uint64_t hi;          /* maximum (i, u) */
} build_keys[] = {
    {"tokenizer", 's', 0, 0},
    {"writer", 's', 0, 0},
    {"mecab_dicdir", 's', 0, 0},
    {"keep_parts", 'i', INT_MIN, INT_MAX},
    {"stem", 'i', INT_MIN, INT_MAX},
    {"seed", 'u', 0, UINT64_MAX},
    {"min_df", 'i', INT32_MIN, INT32_MAX},
    {"max_df_ratio", 'd', 0, 0},
    {"oversample", 'i', INT32_MIN, INT32_MAX},
    {"power_iters", 'i', INT32_MIN, INT32_MAX},
    {"created", 'i', INT64_MIN, INT64_MAX},
    {"dim", 'u', 0, TY_MAX_DIM},
    {"ndocs", 'u', 0, TY_MAX_DOCS},
    {"nterms", 'u', 0, TY_MAX_TERMS},
    {"nnz", 'u', 0, TY_MAX_NNZ},
    {"nfields", 'u', 0, TY_MAX_FIELDS},
    {"max_terms", 'u', 0, UINT32_MAX}, /* optional: written when not 0 */
};
enum { BK_TOK, BK_WRITER, BK_DICDIR, BK_PARTS, BK_STEM, BK_SEED, BK_MINDF,
       BK_RATIO, BK_OVERS, BK_POWER, BK_CREATED, BK_DIM, BK_NDOCS, BK_NTERMS,
       BK_NNZ, BK_NFIELDS, BK_MAXTERMS, BK_N };
_Static_assert(BK_N - BK_PARTS == 14, "build_info's arrays hold one entry per numeric key");

/* Parse the build text (len bytes, not NUL-terminated in the file; the
 * caller put a NUL at text[len]). Fills bi; strings unescaped. 0 ok, -1
 * with a reason in why. */
static int build_parse(char *text, size_t len, build_info *bi, char *why,
                       size_t whylen) {
    int rc = -1;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) {
        ty_seterr(why, whylen, "no C locale");
        return -1;
    }
    if (memchr(text, 0, len)) {
        ty_seterr(why, whylen, "contains a NUL byte");
        goto done;
    }
    char *p = text, *end = text + len;
    long line = 0;
    while (p < end) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            ty_seterr(why, whylen, "line %ld has no newline", line);
            goto done;
        }
        *nl = 0;
        char *eq = strchr(p, '=');
        if (!eq) {
            ty_seterr(why, whylen, "line %ld has no '='", line);
            goto done;
        }
        *eq = 0;
        char *v = eq + 1;
        int k = 0;
        while (k < BK_N && strcmp(build_keys[k].name, p) != 0) k++;
        if (k == BK_N) { /* a later writer's key: ignore */
            p = nl + 1;
            continue;
        }
        const struct build_key *bk = &build_keys[k];
        if (bi->seen & (1u << k)) {
            ty_seterr(why, whylen, "key '%s' appears twice", bk->name);
            goto done;
        }
        bi->seen |= 1u << k;
        char *e = NULL;
        errno = 0;
        if (bk->kind == 's') {
            char *s = ty_strdup(v), *o = s;
            if (!s) {
                ty_seterr(why, whylen, "out of memory");
                goto done;
            }
            for (const char *q = v; *q; q++) {
                if (*q != '\\') {
                    *o++ = *q;
                    continue;
                }
                q++;
                if (*q == '\\') *o++ = '\\';
                else if (*q == 'n') *o++ = '\n';
                else if (*q == 'r') *o++ = '\r';
                else {
                    free(s);
                    ty_seterr(why, whylen, "bad escape in '%s'", bk->name);
                    goto done;
                }
            }
            *o = 0;
            bi->str[k] = s;
        } else if (bk->kind == 'd') {
            bi->ratio = strtod_l(v, &e, c);
            if (e == v || *e || errno || !isfinite(bi->ratio)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
        } else if (bk->kind == 'i') {
            long long x = strtoll(v, &e, 10);
            if (e == v || *e || errno || x < bk->lo || (x > 0 && (uint64_t)x > bk->hi)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
            bi->num[k - BK_PARTS] = x;
        } else {
            unsigned long long x = strtoull(v, &e, 10);
            if (e == v || *e || errno || *v == '-' || x > bk->hi) {
                ty_seterr(why, whylen, "bad value for '%s' (limit %llu)",
                          bk->name, (unsigned long long)bk->hi);
                goto done;
            }
            bi->unum[k - BK_PARTS] = x;
        }
        p = nl + 1;
    }
    for (int k = 0; k < BK_N; k++)
        if (!(bi->seen & (1u << k)) && k != BK_MAXTERMS) {
            ty_seterr(why, whylen, "key '%s' is missing", build_keys[k].name);
            goto done;
        }
    rc = 0;
done:
    freelocale(c);
    return rc;
}

/* ================================================================ write */

/* State of one ty_store_write. Errors are sticky: once rc is set, every
 * later call returns at once, so the section code reads straight. */
typedef struct writer {
    int fd;                     /* temp file */
    const char *path;           /* final path, for messages */
    ZSTD_CCtx *cctx;            /* one context, reset per section */
    unsigned char *out;         /* compressed output buffer */
    size_t outcap;              /* bytes in out */
    uint64_t off;               /* next file offset */
    int nsec;                   /* sections finished */
    struct {
        char name[16];          /* NUL-padded */
        uint64_t off, stored, raw; /* where, compressed, raw size */
    } sec[TENYO_MAX_SECTIONS];  /* table being built */
    uint64_t raw_want, raw_fed; /* pledged and given raw bytes */
    unsigned char stage[STORE_STAGE]; /* little-endian staging */
    size_t nstage;              /* bytes in stage */
    int rc;                     /* first error, TENYO_OK until then */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
} writer;

/* Write all of p[0..n) at the current end of the temp file. */
static void wr_raw(writer *w, const void *p, size_t n) {
    const unsigned char *b = p;
    while (n && !w->rc) {
        ssize_t k = write(w->fd, b, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ty_seterr(w->err, w->errlen, "%s: cannot write: %s", w->path,
                      k < 0 ? strerror(errno) : "no progress");
            w->rc = TENYO_ERR_IO;
            return;
        }
        b += k;
        n -= (size_t)k;
        w->off += (uint64_t)k;
    }
}

/* Feed raw bytes to the current frame; end finishes the frame. */
static void wr_feed(writer *w, const void *p, size_t n, int end) {
    if (w->rc) return;
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {w->out, w->outcap, 0};
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in,
                                           end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) {
            ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path,
                      ZSTD_getErrorName(left));
            w->rc = TENYO_ERR_IO;
            return;
        }
        wr_raw(w, w->out, out.pos);
        if (w->rc) return;
        if (end ? left == 0 : in.pos == in.size) break;
    }
    w->raw_fed += n;
}

static void wr_flush_stage(writer *w) {
    if (w->nstage) wr_feed(w, w->stage, w->nstage, 0);
    w->nstage = 0;
}

/* Start section `name` of raw bytes. */
static void sec_begin(writer *w, const char *name, uint64_t raw) {
    if (w->rc) return;
    w->raw_want = raw;
    w->raw_fed = 0;
    w->nstage = 0;
    memset(w->sec[w->nsec].name, 0, 16);
    memcpy(w->sec[w->nsec].name, name, strlen(name));
    w->sec[w->nsec].off = w->off;
    w->sec[w->nsec].raw = raw;
    size_t z = ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setPledgedSrcSize(w->cctx, raw);
    if (ZSTD_isError(z)) {
        ty_seterr(w->err, w->errlen, "%s: zstd: %s", w->path,
                  ZSTD_getErrorName(z));
        w->rc = TENYO_ERR_IO;
    }
}

/* Finish the current section; the fed size must match the pledge. */
static void sec_end(writer *w) {
    wr_flush_stage(w);
    wr_feed(w, NULL, 0, 1);
    if (w->rc) return;
    if (w->raw_fed != w->raw_want) { /* a bug in this file, not in input */
        ty_seterr(w->err, w->errlen, "%s: section '%s' wrote %llu of %llu bytes",
                  w->path, w->sec[w->nsec].name,
                  (unsigned long long)w->raw_fed,
                  (unsigned long long)w->raw_want);
        w->rc = TENYO_ERR_IO;
        return;
    }
    w->sec[w->nsec].stored = w->off - w->sec[w->nsec].off;
    w->nsec++;
}

/* Bytes into the stage, feeding it to zstd as it fills. */
static void put_bytes(writer *w, const void *p, size_t n) {
    const unsigned char *b = p;
    if (n >= STORE_STAGE) {
        wr_flush_stage(w);
        wr_feed(w, b, n, 0);
        return;
    }
    while (n && !w->rc) {
        size_t k = STORE_STAGE - w->nstage;
        if (k > n) k = n;
        memcpy(w->stage + w->nstage, b, k);
        w->nstage += k;
        b += k;
        n -= k;
        if (w->nstage == STORE_STAGE) wr_flush_stage(w);
    }
}

/* Make room for `need` (<= 16) bytes in the stage; pointer to them. */
static unsigned char *stage_room(writer *w, size_t need) {
    if (STORE_STAGE - w->nstage < need) wr_flush_stage(w);
    unsigned char *p = w->stage + w->nstage;
    w->nstage += need;
    return p;
}

static void put_u32s(writer *w, const uint32_t *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) put_le32(stage_room(w, 4), v[i]);
}

static void put_u16s(writer *w, const uint16_t *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) {
        unsigned char *p = stage_room(w, 2);
        p[0] = (unsigned char)v[i];
        p[1] = (unsigned char)(v[i] >> 8);
    }
}

static void put_f32s(writer *w, const float *v, uint64_t n) {
    for (uint64_t i = 0; i < n && !w->rc; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_le32(stage_room(w, 4), u);
    }
}

/* LEB128 bytes of v. */
static size_t leb_len(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) { v >>= 7; n++; }
    return n;
}

static void put_leb(writer *w, uint32_t v) {
    unsigned char *p = stage_room(w, leb_len(v));
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p = (unsigned char)v;
}

/* A matrix (rows x k) as a q8 section: int8 rows (x ~= scale * q, scale =
 * max|row| / 127), then one f32 scale per row. Codes and scales the model
 * holds (loaded, or merged from updates) are written as they are; else the
 * float rows x are quantised (ty_q8_quantize). */
static void put_q8(writer *w, const char *name, const float *x, const int8_t *codes,
                   const float *scales, uint64_t rows, uint64_t k) {
    sec_begin(w, name, rows * k + 4 * rows);
    if (codes && scales) {
        put_bytes(w, codes, (size_t)(rows * k));
        put_f32s(w, scales, rows);
        sec_end(w);
        return;
    }
    int8_t q[TY_MAX_DIM];
    float *sc = ty_mallocarray(rows ? rows : 1, sizeof *sc);
    if (!sc) {
        if (!w->rc) {
            w->rc = TENYO_ERR_NOMEM;
            ty_seterr(w->err, w->errlen, "%s: out of memory writing '%s'", w->path, name);
        }
        return;
    }
    for (uint64_t r = 0; r < rows && !w->rc; r++) {
        int32_t sum;
        ty_q8_quantize(x + r * k, (size_t)k, q, &sc[r], &sum);
        put_bytes(w, q, (size_t)k);
    }
    put_f32s(w, sc, rows);
    free(sc);
    sec_end(w);
}

/* Write every section of m, in the order of the layout table. */
static int abs_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen);

static void write_sections(writer *w, const ty_model *m, const ty_buf *build) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim;
    const ty_csr *a = &m->tfidf;
    uint64_t nnz = nd ? a->rowptr[nd] : 0;

    sec_begin(w, "build", build->len);
    put_bytes(w, build->p, build->len);
    sec_end(w);

    sec_begin(w, "vocab", m->term_blob_len);
    put_bytes(w, m->term_blob, m->term_blob_len);
    sec_end(w);

    sec_begin(w, "df", 4 * nt);
    put_u32s(w, m->df, nt);
    sec_end(w);

    sec_begin(w, "idf", 4 * nt);
    put_f32s(w, m->idf, nt);
    sec_end(w);

    sec_begin(w, "sigma", 4 * k);
    put_f32s(w, m->sigma, k);
    sec_end(w);

    put_q8(w, "basis.q8", m->basis, m->basis_q, m->basis_qscale, nt, k);
    put_q8(w, "docvec.q8", m->docvec, m->doc_q, m->doc_qscale, nd, k);

    sec_begin(w, "tfidf.rows", 4 * nd);
    for (uint64_t i = 0; i < nd && !w->rc; i++)
        put_le32(stage_room(w, 4), (uint32_t)(a->rowptr[i + 1] - a->rowptr[i]));
    sec_end(w);

    uint64_t colbytes = 0;
    for (uint64_t i = 0; i < nd; i++)
        for (uint64_t j = a->rowptr[i]; j < a->rowptr[i + 1]; j++)
            colbytes += leb_len(j > a->rowptr[i] ? a->col[j] - a->col[j - 1]
                                                 : a->col[j]);
    sec_begin(w, "tfidf.cols", colbytes);
    for (uint64_t i = 0; i < nd && !w->rc; i++)
        for (uint64_t j = a->rowptr[i]; j < a->rowptr[i + 1]; j++)
            put_leb(w, j > a->rowptr[i] ? a->col[j] - a->col[j - 1] : a->col[j]);
    sec_end(w);

    if (m->tf) { /* counts: the weights follow from them and idf */
        uint64_t tfbytes = 0;
        for (uint64_t j = 0; j < nnz; j++) tfbytes += leb_len(m->tf[j]);
        sec_begin(w, "tfidf.tf", tfbytes);
        for (uint64_t j = 0; j < nnz && !w->rc; j++) put_leb(w, m->tf[j]);
        sec_end(w);
    } else if (m->tf_leb) { /* loaded and not decoded: the same bytes */
        sec_begin(w, "tfidf.tf", m->tf_leb_len);
        put_bytes(w, m->tf_leb, (size_t)m->tf_leb_len);
        sec_end(w);
    } else {
        sec_begin(w, "tfidf.vals", 4 * nnz);
        put_f32s(w, a->val, nnz);
        sec_end(w);
    }

    sec_begin(w, "docmeta", m->meta_blob_len);
    put_bytes(w, m->meta_blob, m->meta_blob_len);
    sec_end(w);

    sec_begin(w, "docflags", 2 * nd);
    put_bytes(w, m->open, nd);
    put_bytes(w, m->lang, nd);
    sec_end(w);

    uint64_t nids = nd ? m->field_ptr[nd] : 0;
    sec_begin(w, "docfields", 4 * nd + 2 * nids);
    for (uint64_t i = 0; i < nd && !w->rc; i++)
        put_le32(stage_room(w, 4), (uint32_t)(m->field_ptr[i + 1] - m->field_ptr[i]));
    put_u16s(w, m->field_ids, nids);
    sec_end(w);

    sec_begin(w, "fields", 16 * (uint64_t)m->nfields);
    for (uint32_t f = 0; f < m->nfields && !w->rc; f++) {
        unsigned char *p = stage_room(w, 16);
        memcpy(p, m->field_code[f], 8);
        put_le64(p + 8, m->field_count[f]);
    }
    sec_end(w);

    /* optional sections (format 1 readers before them skip them) */
    if (m->surf_blob) {
        sec_begin(w, "surface", m->surf_blob_len);
        put_bytes(w, m->surf_blob, m->surf_blob_len);
        sec_end(w);
    }
    if (m->phr_ptr) {
        uint64_t nph = m->phr_ptr[nd];
        sec_begin(w, "phrase.text", m->phr_blob_len);
        put_bytes(w, m->phr_blob, m->phr_blob_len);
        sec_end(w);
        sec_begin(w, "phrase.docs", 4 * nd + 4 * nph);
        for (uint64_t i = 0; i < nd && !w->rc; i++)
            put_le32(stage_room(w, 4), (uint32_t)(m->phr_ptr[i + 1] - m->phr_ptr[i]));
        put_u32s(w, m->phr_ids, nph);
        sec_end(w);
    }
    if (m->labels_blob) {
        sec_begin(w, "labels", m->labels_len);
        put_bytes(w, m->labels_blob, m->labels_len);
        sec_end(w);
    }
    if (m->ivf_blob) {
        sec_begin(w, "ivf", m->ivf_len);
        put_bytes(w, m->ivf_blob, m->ivf_len);
        sec_end(w);
    }
    if (m->fm_blob) {
        sec_begin(w, "fieldmodel", m->fm_len);
        put_bytes(w, m->fm_blob, m->fm_len);
        sec_end(w);
    }
    if (m->common_blob) {
        sec_begin(w, "common", m->common_len);
        put_bytes(w, m->common_blob, m->common_len);
        sec_end(w);
    }
    if (m->abs_text && !w->rc) {
        ty_buf ab = {0};
        int rc = abs_pack(m, &ab, w->err, w->errlen);
        if (rc) {
            w->rc = rc;
        } else {
            sec_begin(w, "abstracts", ab.len);
            put_bytes(w, ab.p, ab.len);
            sec_end(w);
        }
        ty_buf_free(&ab);
    }
}

/* Header bytes for the finished table; returns its size. */
static size_t header_bytes(const writer *w, unsigned char *h) {
    size_t n = STORE_FIXED + STORE_ENTRY * (size_t)w->nsec;
    memset(h, 0, n + 8);
    memcpy(h, STORE_MAGIC, 8);
    put_le32(h + 8, STORE_VERSION);
    put_le32(h + 12, 0);
    put_le32(h + 16, (uint32_t)w->nsec);
    put_le32(h + 20, 0);
    put_le64(h + 24, w->off);
    for (int i = 0; i < w->nsec; i++) {
        unsigned char *e = h + STORE_FIXED + STORE_ENTRY * (size_t)i;
        memcpy(e, w->sec[i].name, 16);
        put_le64(e + 16, w->sec[i].off);
        put_le64(e + 24, w->sec[i].stored);
        put_le64(e + 32, w->sec[i].raw);
    }
    put_le64(h + n, ty_fnv1a_std(h, n)); /* byte 20 (updated) is 0 here */
    return n + 8;
}

/* fsync the directory holding path so the rename is durable. */
static int sync_dir(const char *path, char *err, size_t errlen) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? ty_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : ty_strdup(".");
    if (!dir) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        return TENYO_ERR_NOMEM;
    }
    int rc = TENYO_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        ty_seterr(err, errlen, "%s: cannot sync directory %s: %s", path, dir,
                  strerror(errno));
        rc = TENYO_ERR_IO;
    }
    if (fd >= 0) close(fd);
    free(dir);
    return rc;
}

int ty_store_write(ty_model *m, const char *path, char *err, size_t errlen) {
    if (!m || !path || !*path) return TENYO_ERR_ARG;
    int rc0 = ty_model_need_sparse(m, err, errlen);
    if (rc0) return rc0;
    char why[TY_ERRLEN];
    if (model_check(m, 0, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: refusing to write an inconsistent model: %s",
                  path, why);
        return TENYO_ERR_ARG;
    }
    writer *w = ty_calloc(1, sizeof *w);
    ty_buf build = {0};
    char *tmp = NULL;
    int rc = TENYO_ERR_NOMEM;
    if (!w) goto done;
    w->fd = -1;
    w->path = path;
    w->err = err;
    w->errlen = errlen;
    if (build_text(m, &build)) goto done;
    if (build.len > STORE_BUILD_MAX) {
        ty_seterr(err, errlen, "%s: build strings too long (%zu bytes)", path,
                  build.len);
        rc = TENYO_ERR_ARG;
        goto done;
    }
    w->cctx = ZSTD_createCCtx();
    w->outcap = ZSTD_CStreamOutSize();
    w->out = ty_malloc(w->outcap);
    if (!w->cctx || !w->out) goto done;
    size_t z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, STORE_LEVEL);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(z)) z = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_nbWorkers, 0);
    if (ZSTD_isError(z)) {
        ty_seterr(err, errlen, "%s: zstd: %s", path, ZSTD_getErrorName(z));
        rc = TENYO_ERR_DEPENDENCY;
        goto done;
    }
    /* an existing file's permissions, else 0666 less the umask */
    free(tmp);
    tmp = NULL;
    rc = ty_file_tmp(path, &w->fd, &tmp, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    /* header placeholder, sections, then the real header over it */
    unsigned char hdr[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    size_t hlen = STORE_FIXED + STORE_ENTRY * sections_of(m) + 8;
    memset(hdr, 0, sizeof hdr);
    wr_raw(w, hdr, hlen);
    write_sections(w, m, &build);
    if (w->rc) {
        rc = w->rc;
        goto done;
    }
    if (header_bytes(w, hdr) != hlen) { /* section count changed: a bug */
        ty_seterr(err, errlen, "%s: header size mismatch", path);
        rc = TENYO_ERR_IO;
        goto done;
    }
    for (size_t put = 0; put < hlen;) {
        ssize_t k = pwrite(w->fd, hdr + put, hlen - put, (off_t)put);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ty_seterr(err, errlen, "%s: cannot write header: %s", path,
                      k < 0 ? strerror(errno) : "no progress");
            rc = TENYO_ERR_IO;
            goto done;
        }
        put += (size_t)k;
    }
    if (fsync(w->fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot sync %s: %s", path, tmp,
                  strerror(errno));
        rc = TENYO_ERR_IO;
        goto done;
    }
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot close %s: %s", path, tmp,
                  strerror(errno));
        rc = TENYO_ERR_IO;
        goto done;
    }
    if (rename(tmp, path) != 0) {
        ty_seterr(err, errlen, "%s: cannot rename %s over it: %s", path, tmp,
                  strerror(errno));
        rc = TENYO_ERR_IO;
        goto done;
    }
    free(tmp);
    tmp = NULL; /* renamed: nothing to unlink */
    /* the file is in place whatever happens now: a failed directory sync
     * is reported as such (committed, durability unknown), not as a failure
     * that left the old file */
    rc = sync_dir(path, err, errlen);
    if (rc) rc = TENYO_ERR_UNSYNCED;
    m->format_version = STORE_VERSION;
    m->updated = 0;
    m->file_bytes = w->off;
    m->nsections = w->nsec;
    memset(m->sections, 0, sizeof m->sections);
    for (int i = 0; i < w->nsec; i++) {
        memcpy(m->sections[i].name, w->sec[i].name, 16);
        m->sections[i].stored = w->sec[i].stored;
        m->sections[i].raw = w->sec[i].raw;
    }
done:
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(err, errlen, "%s: out of memory writing the index", path);
    if (w && w->fd >= 0) close(w->fd);
    if (tmp) unlink(tmp);
    free(tmp);
    if (w) {
        ZSTD_freeCCtx(w->cctx);
        free(w->out);
    }
    free(w);
    ty_buf_free(&build);
    return rc;
}

int ty_store_mark_updated(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    unsigned char h[STORE_FIXED];
    struct stat st;
    int rc = TENYO_ERR_IO;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) {
        ty_seterr(err, errlen, "%s: cannot mark the base as updated: %s", path,
                  fd < 0 || errno ? strerror(errno) : "short read");
        goto done;
    }
    rc = TENYO_OK;
    if (memcmp(h, STORE_MAGIC, 8) || get_le32(h + 8) < 3 || h[STORE_UPDATED_AT] == 1)
        goto done; /* formats 1-2 have no such byte; or already marked */
    unsigned char one = 1;
    if (pwrite(fd, &one, 1, STORE_UPDATED_AT) != 1 || fdatasync(fd) != 0) {
        ty_seterr(err, errlen, "%s: cannot mark the base as updated: %s", path,
                  strerror(errno));
        rc = TENYO_ERR_IO;
    }
done:
    if (fd >= 0) close(fd);
    return rc;
}

/* ================================================================= read */

/* One section table entry as read. */
typedef struct rd_sec {
    char name[16];              /* NUL-terminated (checked) */
    uint64_t off, stored, raw;  /* frame offset, frame bytes, raw bytes */
} rd_sec;

/* State of one ty_store_read. */
typedef struct reader {
    int fd;                     /* the index file */
    const char *path;           /* for messages */
    uint64_t fsize;             /* bytes in the file */
    int nsec;                   /* entries in sec */
    rd_sec sec[TENYO_MAX_SECTIONS]; /* table */
    ZSTD_DCtx *dctx;            /* reused for every frame */
    unsigned char *cbuf;        /* compressed bytes of the current section */
    size_t ccap;                /* bytes allocated in cbuf */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
    uint32_t version;           /* format version of the file */
    int lazy;                   /* leave format 2's rows for their first use */
    int deferred;               /* ... and they were left */
    int updated;                /* header byte 20 (format 3) */
} reader;

/* Read exactly n bytes at off: 0, or TENYO_ERR_IO / _CORRUPT (short). */
static int rd_pread(reader *r, void *p, size_t n, uint64_t off) {
    unsigned char *b = p;
    while (n) {
        ssize_t k = pread(r->fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            ty_seterr(r->err, r->errlen, "%s: cannot read: %s", r->path,
                      strerror(errno));
            return TENYO_ERR_IO;
        }
        if (k == 0) {
            ty_seterr(r->err, r->errlen,
                      "%s: file ended at byte %llu (truncated while reading?)",
                      r->path, (unsigned long long)off);
            return TENYO_ERR_CORRUPT;
        }
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return TENYO_OK;
}

/* Read and check the header and section table. */
static int rd_header(reader *r) {
    unsigned char h[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    if (r->fsize < STORE_FIXED + STORE_ENTRY + 8) {
        ty_seterr(r->err, r->errlen,
                  "%s: %llu bytes is too short for a tenyo index", r->path,
                  (unsigned long long)r->fsize);
        return TENYO_ERR_CORRUPT;
    }
    int rc = rd_pread(r, h, STORE_FIXED, 0);
    if (rc) return rc;
    if (memcmp(h, STORE_MAGIC, 8) != 0) {
        ty_seterr(r->err, r->errlen, "%s: not a tenyo index (bad magic)",
                  r->path);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t version = get_le32(h + 8), flags = get_le32(h + 12);
    uint32_t nsec = get_le32(h + 16);
    if (version == 0) {
        ty_seterr(r->err, r->errlen, "%s: index format 0 is invalid", r->path);
        return TENYO_ERR_CORRUPT;
    }
    if (version > STORE_VERSION) {
        ty_seterr(r->err, r->errlen,
                  "%s: index format %u is newer than this program (reads up "
                  "to %u)",
                  r->path, version, STORE_VERSION);
        return TENYO_ERR_VERSION;
    }
    r->version = version;
    if (nsec == 0 || nsec > TENYO_MAX_SECTIONS) {
        ty_seterr(r->err, r->errlen, "%s: header claims %u sections (1..%d)",
                  r->path, nsec, TENYO_MAX_SECTIONS);
        return TENYO_ERR_CORRUPT;
    }
    size_t tlen = STORE_FIXED + STORE_ENTRY * (size_t)nsec;
    if (r->fsize < tlen + 8) {
        ty_seterr(r->err, r->errlen,
                  "%s: file ends inside the section table (%llu bytes, the "
                  "header of %u sections needs %llu: truncated?)",
                  r->path, (unsigned long long)r->fsize, nsec,
                  (unsigned long long)tlen + 8);
        return TENYO_ERR_CORRUPT;
    }
    rc = rd_pread(r, h + STORE_FIXED, tlen + 8 - STORE_FIXED, STORE_FIXED);
    if (rc) return rc;
    unsigned char updated = h[STORE_UPDATED_AT];
    if (version >= 3) h[STORE_UPDATED_AT] = 0; /* outside the checksum */
    uint64_t sum = version >= 3 ? ty_fnv1a_std(h, tlen) : ty_fnv1a(h, tlen);
    h[STORE_UPDATED_AT] = updated;
    if (get_le64(h + tlen) != sum) {
        ty_seterr(r->err, r->errlen,
                  "%s: header checksum mismatch (header or section table "
                  "damaged)",
                  r->path);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t reserved = get_le32(h + 20) & (version >= 3 ? 0xffffff00u : 0xffffffffu);
    if (flags != 0 || reserved != 0 || updated > 1) {
        ty_seterr(r->err, r->errlen,
                  "%s: unknown header flags 0x%x (reserved field 0x%x)",
                  r->path, flags, get_le32(h + 20));
        return TENYO_ERR_CORRUPT;
    }
    r->updated = updated;
    if (get_le64(h + 24) != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: header says %llu bytes but the file has %llu "
                  "(truncated or damaged)",
                  r->path, (unsigned long long)get_le64(h + 24),
                  (unsigned long long)r->fsize);
        return TENYO_ERR_CORRUPT;
    }
    /* Sections lie after the header, disjoint, and the last one ends the
     * file (trailing bytes no section owns mean a table that lost entries).
     * The writer lays them out contiguously in table order; gaps between
     * sections are tolerated because tests/test_store.c forges sections by
     * appending a frame and repointing the entry. */
    int order[TENYO_MAX_SECTIONS];
    for (uint32_t i = 0; i < nsec; i++) {
        const unsigned char *e = h + STORE_FIXED + STORE_ENTRY * (size_t)i;
        rd_sec *s = &r->sec[i];
        memcpy(s->name, e, 16);
        size_t nl = strnlen(s->name, 16);
        int ok = nl > 0 && nl < 16;
        for (size_t j = 0; j < 16 && ok; j++) {
            char c = s->name[j];
            ok = j < nl ? ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '_')
                        : c == 0;
        }
        if (!ok) {
            ty_seterr(r->err, r->errlen,
                      "%s: section %u has a bad name (names are 1 to 15 of "
                      "[a-z0-9._], NUL-padded to 16 bytes)",
                      r->path, i);
            return TENYO_ERR_CORRUPT;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(r->sec[j].name, s->name) == 0) {
                ty_seterr(r->err, r->errlen, "%s: section '%s' appears twice",
                          r->path, s->name);
                return TENYO_ERR_CORRUPT;
            }
        s->off = get_le64(e + 16);
        s->stored = get_le64(e + 24);
        s->raw = get_le64(e + 32);
        if (get_le64(e + 40) != 0) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' has a non-zero reserved field", r->path,
                      s->name);
            return TENYO_ERR_CORRUPT;
        }
        if (s->off < tlen + 8) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' starts at byte %llu, inside the header "
                      "(which ends at %llu)",
                      r->path, s->name, (unsigned long long)s->off,
                      (unsigned long long)tlen + 8);
            return TENYO_ERR_CORRUPT;
        }
        if (s->stored == 0 || s->off > r->fsize ||
            s->stored > r->fsize - s->off) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' (offset %llu, %llu bytes) lies outside "
                      "the file",
                      r->path, s->name, (unsigned long long)s->off,
                      (unsigned long long)s->stored);
            return TENYO_ERR_CORRUPT;
        }
        /* insertion sort by offset, for the overlap check */
        int j = (int)i;
        while (j > 0 && r->sec[order[j - 1]].off > s->off) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (int)i;
    }
    for (uint32_t i = 1; i < nsec; i++) {
        const rd_sec *p = &r->sec[order[i - 1]], *q = &r->sec[order[i]];
        if (p->off + p->stored > q->off) {
            ty_seterr(r->err, r->errlen,
                      "%s: sections '%s' and '%s' overlap (bytes %llu..%llu "
                      "and %llu..%llu)",
                      r->path, p->name, q->name, (unsigned long long)p->off,
                      (unsigned long long)(p->off + p->stored - 1),
                      (unsigned long long)q->off,
                      (unsigned long long)(q->off + q->stored - 1));
            return TENYO_ERR_CORRUPT;
        }
    }
    const rd_sec *last = &r->sec[order[nsec - 1]];
    uint64_t next = last->off + last->stored;
    if (next != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: bytes %llu..%llu belong to no section (a damaged "
                  "section table?)",
                  r->path, (unsigned long long)next,
                  (unsigned long long)r->fsize - 1);
        return TENYO_ERR_CORRUPT;
    }
    r->nsec = (int)nsec;
    return TENYO_OK;
}

/* Load section `name`, whose raw size must lie in [lo, hi], into a fresh
 * allocation of raw + extra bytes (*out, size in *raw). The frame is
 * checked (zstd magic, content size equal to the table's, checksum present,
 * exactly stored bytes) and its size bounded before anything is allocated;
 * zstd verifies the checksum while decompressing. */
/* 1 when the file has a section of this name. */
static int rd_has(const reader *r, const char *name) {
    for (int i = 0; i < r->nsec; i++)
        if (strcmp(r->sec[i].name, name) == 0) return 1;
    return 0;
}

/* The table entry of section name after the checks that need no read: it
 * exists, its raw size is within [lo, hi] and no more than its frame can
 * expand to; NULL with the message set otherwise. */
static const rd_sec *rd_locate(reader *r, const char *name, uint64_t lo, uint64_t hi,
                               size_t extra) {
    const rd_sec *s = NULL;
    for (int i = 0; i < r->nsec && !s; i++)
        if (strcmp(r->sec[i].name, name) == 0) s = &r->sec[i];
    if (!s) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is missing", r->path,
                  name);
        return NULL;
    }
    if (s->raw < lo || s->raw > hi) {
        /* every bound but the build section's own follows from its counts */
        const char *from = strcmp(name, "build") == 0
                               ? ""
                               : " (from the counts in section 'build')";
        if (lo == hi)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else if (hi == UINT64_MAX)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected at least "
                      "%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu..%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, (unsigned long long)hi, from);
        return NULL;
    }
    if (s->stored < 6 || s->raw / STORE_MAX_RATIO > s->stored ||
        s->raw > SIZE_MAX - extra) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' claims %llu bytes from a %llu-byte frame",
                  r->path, name, (unsigned long long)s->raw,
                  (unsigned long long)s->stored);
        return NULL;
    }
    return s;
}

static int rd_section(reader *r, const char *name, uint64_t lo, uint64_t hi,
                      size_t extra, void **out, uint64_t *raw) {
    *out = NULL;
    const rd_sec *s = rd_locate(r, name, lo, hi, extra);
    if (!s) return TENYO_ERR_CORRUPT;
    if (s->stored > r->ccap) {
        unsigned char *b = realloc(r->cbuf, (size_t)s->stored);
        if (!b) {
            ty_seterr(r->err, r->errlen, "%s: out of memory reading section '%s'",
                      r->path, name);
            return TENYO_ERR_NOMEM;
        }
        r->cbuf = b;
        r->ccap = (size_t)s->stored;
    }
    int rc = rd_pread(r, r->cbuf, (size_t)s->stored, s->off);
    if (rc) return rc;
    const unsigned char *f = r->cbuf;
    unsigned long long fcs = ZSTD_getFrameContentSize(f, (size_t)s->stored);
    size_t fsz = ZSTD_findFrameCompressedSize(f, (size_t)s->stored);
    if (get_le32(f) != ZSTD_MAGICNUMBER || !(f[4] & 0x04) ||
        fcs != s->raw || ZSTD_isError(fsz) || fsz != s->stored) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' is not one checksummed zstd frame of %llu "
                  "bytes holding %llu",
                  r->path, name, (unsigned long long)s->stored,
                  (unsigned long long)s->raw);
        return TENYO_ERR_CORRUPT;
    }
    void *dst = ty_malloc((size_t)s->raw + extra);
    if (!dst) {
        ty_seterr(r->err, r->errlen,
                  "%s: out of memory for section '%s' (%llu bytes)", r->path,
                  name, (unsigned long long)s->raw);
        return TENYO_ERR_NOMEM;
    }
    size_t d = ZSTD_decompressDCtx(r->dctx, dst, (size_t)s->raw, f,
                                   (size_t)s->stored);
    if (ZSTD_isError(d) || d != s->raw) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is damaged: %s", r->path,
                  name, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame");
        free(dst);
        return TENYO_ERR_CORRUPT;
    }
    *out = dst;
    *raw = s->raw;
    return TENYO_OK;
}

/* a*b*c, or -1 on overflow. */
static int mul3(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
    uint64_t t;
    if (__builtin_mul_overflow(a, b, &t) || __builtin_mul_overflow(t, c, out))
        return -1;
    return 0;
}

/* Load the build section into m's settings and counts. */
static int rd_build(reader *r, ty_model *m, uint64_t *nnz) {
    void *p = NULL;
    uint64_t raw = 0;
    build_info bi;
    memset(&bi, 0, sizeof bi);
    int rc = rd_section(r, "build", 0, STORE_BUILD_MAX, 1, &p, &raw);
    if (rc) goto done;
    char why[256];
    ((char *)p)[raw] = 0;
    if (build_parse(p, (size_t)raw, &bi, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'build': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->tokenizer = bi.str[BK_TOK];
    m->writer = bi.str[BK_WRITER];
    m->mecab_dicdir = bi.str[BK_DICDIR];
    memset(bi.str, 0, sizeof bi.str);
    m->keep_parts = (int)bi.num[BK_PARTS - BK_PARTS];
    m->stem = (int)bi.num[BK_STEM - BK_PARTS];
    m->seed = bi.unum[BK_SEED - BK_PARTS];
    m->min_df = (int32_t)bi.num[BK_MINDF - BK_PARTS];
    m->max_df_ratio = bi.ratio;
    m->oversample = (int32_t)bi.num[BK_OVERS - BK_PARTS];
    m->power_iters = (int32_t)bi.num[BK_POWER - BK_PARTS];
    m->created = bi.num[BK_CREATED - BK_PARTS];
    m->dim = (uint32_t)bi.unum[BK_DIM - BK_PARTS];
    m->ndocs = bi.unum[BK_NDOCS - BK_PARTS];
    m->nterms = bi.unum[BK_NTERMS - BK_PARTS];
    *nnz = bi.unum[BK_NNZ - BK_PARTS];
    m->nfields = (uint32_t)bi.unum[BK_NFIELDS - BK_PARTS];
    m->max_terms = (uint32_t)bi.unum[BK_MAXTERMS - BK_PARTS];
done:
    for (int i = 0; i < 3; i++) free(bi.str[i]);
    free(p);
    return rc;
}

/* Decode LEB128 gaps into m->tfidf.col, checking that each row's columns
 * are strictly increasing and below nterms and that the bytes hold exactly
 * nnz values. */
/* The LEB128 value at p[*pos] (at most 5 bytes, < 2^35), advancing *pos;
 * -1 when the bytes end first or run longer. */
static int leb_get(const unsigned char *p, uint64_t len, uint64_t *pos, uint64_t *v) {
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

static void *sp_run(void *arg) {
    sp_job *j = arg;
    ty_model *m = j->m;
    ty_csr *a = &m->tfidf;
    uint64_t pos = j->c0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* columns */
        uint64_t prev = 0;
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (leb_get(j->cp, j->c1, &pos, &v))
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
                return NULL;
            }
            a->col[e] = (uint32_t)v;
            prev = v;
        }
    }
    if (pos != j->c1) {
        *j = (sp_job){.bad = 2, .entry = j->c1 - pos, .stream = "tfidf.cols"};
        return NULL;
    }
    if (!j->tp) return NULL; /* format 1: weights are stored, no counts */
    pos = j->t0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* counts, then weights */
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (leb_get(j->tp, j->t1, &pos, &v))
                what = pos == j->t1 ? "the section ends inside a number"
                                    : "a number longer than 5 bytes";
            else if (v == 0)
                what = "a term count of 0";
            else if (v > UINT32_MAX)
                what = "a term count over 2^32";
            if (what) {
                *j = (sp_job){.bad = 1, .row = i, .entry = e, .stream = "tfidf.tf",
                              .what = what};
                return NULL;
            }
            a->val[e] = (float)v;
        }
        ty_tfidf_row_counts(a->col + a->rowptr[i], a->val + a->rowptr[i],
                            (size_t)(a->rowptr[i + 1] - a->rowptr[i]), m->idf);
    }
    if (pos != j->t1) *j = (sp_job){.bad = 2, .entry = j->t1 - pos, .stream = "tfidf.tf"};
    return NULL;
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

/* Decode both streams into m->tfidf.col / val (allocated by the caller)
 * with up to ty_ncores() threads; without counts (tp NULL, format 1) only
 * the columns, in one piece. */
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
    pthread_t th[RD_MAX_THREADS];
    int started[RD_MAX_THREADS] = {0};
    for (int t = 1; t < nt; t++) started[t] = pthread_create(&th[t], NULL, sp_run, &job[t]) == 0;
    for (int t = 0; t < nt; t++) /* range 0, and any whose thread did not start */
        if (t == 0 || !started[t]) sp_run(&job[t]);
    for (int t = 1; t < nt; t++)
        if (started[t]) pthread_join(th[t], NULL);
    for (int t = 0; t < nt; t++) {
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

/* Load every section into m (counts already set from build). */
/* A q8 section (rows x k int8, then rows f32 scales): dequantised into a
 * new float matrix *out when out is given, else its codes and scales kept
 * as they are in *codes and *scales (the document vectors: the index uses
 * the codes themselves, quant.c). */
static int rd_q8(reader *r, const char *name, uint64_t rows, uint64_t k,
                 float **out, int8_t **codes, float **scales) {
    uint64_t sz, fl;
    void *p = NULL;
    if (out) *out = NULL;
    if (mul3(rows, k + 4, 1, &sz) || mul3(rows, k, 1, &fl)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' too large", r->path, name);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t raw;
    int rc = rd_section(r, name, sz, sz, 0, &p, &raw);
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
static int rd_rows(reader *r, ty_model *m, uint64_t nnz) {
    ty_csr *a = &m->tfidf;
    void *p = NULL, *tp = NULL;
    uint64_t sz, raw, traw;
    int rc;
    if (mul3(nnz, 5, 1, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
        return TENYO_ERR_CORRUPT;
    }
    rc = rd_section(r, "tfidf.cols", nnz, sz, 0, &p, &raw);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    a->col = ty_mallocarray(nnz ? nnz : 1, sizeof *a->col);
    if (!a->col) goto nomem;
    if (rd_has(r, "tfidf.tf")) { /* format 2: columns and counts together */
        rc = rd_section(r, "tfidf.tf", nnz, sz, 0, &tp, &traw);
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
        rc = rd_section(r, "tfidf.vals", 4 * nnz, 4 * nnz, 0, &p, &raw);
        if (rc) goto done;
        a->val = p;
        p = NULL;
        le_to_host(a->val, (size_t)nnz, 4);
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

/* The document vectors, read by a thread of their own (rd_sections). */
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

/* ============================================================ abstracts */

/* Section "abstracts" (optional): every document's abstract, for reading
 * (evidence, the "why" of a proposal), never scored. A section is one zstd
 * frame; decompressing all abstracts to show ten would cost the whole raw
 * text in memory (about 1.2 KB per Japanese document: 1.2 GB at 1M), so the
 * section holds blocks of ABS_BLOCK documents, each its own checksummed
 * frame, and a table: the first use reads the section (its compressed
 * blocks, about a third of the raw text) and every lookup decompresses one
 * block. Raw layout (little-endian):
 *
 *   0    4   documents per block B (1..ABS_MAX_BLOCK)
 *   4    4   reserved (0)
 *   8    8   documents N (the model's)
 *   16   16  per block (ceil(N / B) of them): u64 offset of its frame from
 *            the end of the table, u32 frame bytes, u32 raw bytes
 *   ...      the frames; block i holds documents iB .. min(N, (i+1)B) - 1
 *            as NUL-terminated strings ("" for none)
 *
 * Checked on first use: N, B, the table (frames inside the payload, in
 * order, raw sizes bounded), and per lookup the frame's checksum and its
 * string count. Rejected: one string blob in the eager "docmeta" (paid by
 * every open, and a format change); a file beside the index (it would not
 * travel with it). */
#define ABS_BLOCK 32u
#define ABS_MAX_BLOCK 4096u
#define ABS_HEAD 16u
#define ABS_MAX_RAW (8u << 20) /* raw bytes of one block */

struct ty_abs {
    /* one file's section */
    int fd;                    /* the index file (dup'd at open), or -1 */
    char *path;                /* for messages */
    uint64_t off, stored, raw; /* the section's frame */
    uint64_t ndocs;            /* documents it must hold */
    ty_once once;              /* blob read and checked, once */
    unsigned char *blob;       /* the section's raw content */
    uint32_t per_block;        /* B */
    char err[TY_ERRLEN];       /* why the section was refused */
    /* or a composition */
    ty_abs **parts;            /* nparts handles (entries may be NULL) */
    uint32_t nparts;
    uint64_t *first;           /* nparts + 1 first global positions */
    uint64_t *gpos;            /* document -> global position, or NULL */
};

/* m's abstracts (abs_text: exactly ndocs strings) as the section's raw
 * content. */
static int abs_pack(const ty_model *m, ty_buf *out, char *err, size_t errlen) {
    uint64_t n = m->ndocs, nb = (n + ABS_BLOCK - 1) / ABS_BLOCK;
    uint64_t head = ABS_HEAD + 16 * nb;
    ty_buf pay = {0};
    unsigned char *tab = NULL, *zb = NULL;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = TENYO_ERR_NOMEM;
    size_t zcap = ZSTD_compressBound(ABS_MAX_RAW);
    zb = ty_malloc(zcap);
    tab = ty_calloc(head, 1);
    if (!cc || !zb || !tab) goto done;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, STORE_LEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1))) {
        rc = TENYO_ERR_DEPENDENCY;
        ty_seterr(err, errlen, "zstd refused the abstracts' parameters");
        goto done;
    }
    put_le32(tab, ABS_BLOCK);
    put_le64(tab + 8, n);
    const char *p = m->abs_text, *end = m->abs_text + m->abs_text_len;
    for (uint64_t b = 0; b < nb; b++) {
        const char *s0 = p;
        uint64_t docs = b + 1 < nb ? ABS_BLOCK : n - b * ABS_BLOCK;
        for (uint64_t i = 0; i < docs; i++) {
            const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
            if (!z) {
                rc = TENYO_ERR_ARG;
                ty_seterr(err, errlen, "abstracts: %llu documents, fewer strings",
                          (unsigned long long)n);
                goto done;
            }
            p = z + 1;
        }
        size_t raw = (size_t)(p - s0);
        if (raw > ABS_MAX_RAW) { /* the builder caps each abstract */
            rc = TENYO_ERR_ARG;
            ty_seterr(err, errlen, "abstracts: block %llu holds %zu bytes (at most %u)",
                      (unsigned long long)b, raw, ABS_MAX_RAW);
            goto done;
        }
        size_t z = ZSTD_compress2(cc, zb, zcap, s0, raw);
        if (ZSTD_isError(z)) {
            rc = TENYO_ERR_DEPENDENCY;
            ty_seterr(err, errlen, "zstd: %s", ZSTD_getErrorName(z));
            goto done;
        }
        unsigned char *e = tab + ABS_HEAD + 16 * b;
        put_le64(e, pay.len);
        put_le32(e + 8, (uint32_t)z);
        put_le32(e + 12, (uint32_t)raw);
        if (ty_buf_append(&pay, zb, z)) goto done;
    }
    if (p != end) {
        rc = TENYO_ERR_ARG;
        ty_seterr(err, errlen, "abstracts: more strings than the %llu documents",
                  (unsigned long long)n);
        goto done;
    }
    out->len = 0;
    if (ty_buf_append(out, tab, head) || (pay.len && ty_buf_append(out, pay.p, pay.len)))
        goto done;
    rc = TENYO_OK;
done:
    if (rc == TENYO_ERR_NOMEM) ty_seterr(err, errlen, "out of memory packing the abstracts");
    ZSTD_freeCCtx(cc);
    ty_buf_free(&pay);
    free(tab);
    free(zb);
    return rc;
}

/* A handle on the section s of the file r reads (nd documents). */
static ty_abs *abs_file(reader *r, const rd_sec *s, uint64_t nd) {
    ty_abs *a = ty_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
    a->path = ty_strdup(r->path);
    if (a->fd < 0 || !a->path) {
        if (a->fd >= 0) close(a->fd);
        free(a->path);
        free(a);
        return NULL;
    }
    a->off = s->off;
    a->stored = s->stored;
    a->raw = s->raw;
    a->ndocs = nd;
    ty_once_init(&a->once);
    return a;
}

/* Read and check the section (ty_once_run). */
static int abs_load(void *arg) {
    ty_abs *a = arg;
    unsigned char *c = ty_malloc(a->stored ? (size_t)a->stored : 1);
    unsigned char *b = ty_malloc(a->raw ? (size_t)a->raw : 1);
    const char *why = "out of memory";
    int rc = TENYO_ERR_NOMEM;
    if (!c || !b) goto bad;
    rc = TENYO_ERR_CORRUPT;
    for (uint64_t got = 0; got < a->stored;) {
        ssize_t k = pread(a->fd, c + got, (size_t)(a->stored - got), (off_t)(a->off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            why = k < 0 ? strerror(errno) : "the file ends early";
            rc = k < 0 ? TENYO_ERR_IO : TENYO_ERR_CORRUPT;
            goto bad;
        }
        got += (uint64_t)k;
    }
    if (get_le32(c) != ZSTD_MAGICNUMBER || !(c[4] & 0x04) ||
        ZSTD_getFrameContentSize(c, (size_t)a->stored) != a->raw) {
        why = "not one checksummed zstd frame";
        goto bad;
    }
    size_t d = ZSTD_decompress(b, (size_t)a->raw, c, (size_t)a->stored);
    if (ZSTD_isError(d) || d != a->raw) {
        why = ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame";
        goto bad;
    }
    uint32_t per = get_le32(b);
    uint64_t n = get_le64(b + 8);
    if (per == 0 || per > ABS_MAX_BLOCK || get_le32(b + 4) != 0 || n != a->ndocs) {
        why = "its header does not match the documents";
        goto bad;
    }
    uint64_t nb = (n + per - 1) / per;
    if (nb > (a->raw - ABS_HEAD) / 16) {
        why = "its table is cut";
        goto bad;
    }
    uint64_t head = ABS_HEAD + 16 * nb, pay = a->raw - head, at = 0;
    for (uint64_t i = 0; i < nb; i++) {
        const unsigned char *e = b + ABS_HEAD + 16 * i;
        uint64_t o = get_le64(e);
        uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
        if (o != at || zs > pay - o || rs > ABS_MAX_RAW || rs < (i + 1 < nb ? per : n - i * per)) {
            why = "its block table is inconsistent";
            goto bad;
        }
        at += zs;
    }
    if (at != pay) {
        why = "bytes after its last block";
        goto bad;
    }
    free(c);
    a->blob = b;
    a->per_block = per;
    return TENYO_OK;
bad:
    ty_seterr(a->err, sizeof a->err, "%s: section 'abstracts' is damaged: %s", a->path, why);
    if (rc == TENYO_ERR_NOMEM)
        ty_seterr(a->err, sizeof a->err, "%s: out of memory reading the abstracts", a->path);
    free(c);
    free(b);
    return rc;
}

int ty_abs_get(ty_abs *a, uint64_t doc, ty_buf *out, char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    out->len = 0;
    if (ty_buf_putc(out, 0)) return TENYO_ERR_NOMEM;
    out->len = 0;
    if (!a) return TENYO_OK;
    if (a->parts) {
        if (doc >= a->ndocs) return TENYO_ERR_ARG;
        uint64_t g = a->gpos ? a->gpos[doc] : doc;
        uint32_t lo = 0, hi = a->nparts; /* the last part with first <= g */
        while (hi - lo > 1) {
            uint32_t mid = (lo + hi) / 2;
            if (a->first[mid] <= g) lo = mid;
            else hi = mid;
        }
        if (g < a->first[lo] || g >= a->first[a->nparts]) return TENYO_ERR_ARG;
        return ty_abs_get(a->parts[lo], g - a->first[lo], out, err, errlen);
    }
    if (doc >= a->ndocs) return TENYO_ERR_ARG;
    int rc = ty_once_run(&a->once, abs_load, a);
    if (rc) {
        ty_seterr(err, errlen, "%s", a->err);
        return rc;
    }
    uint64_t i = doc / a->per_block;
    const unsigned char *e = a->blob + ABS_HEAD + 16 * i;
    uint64_t nb = (a->ndocs + a->per_block - 1) / a->per_block;
    const unsigned char *f = a->blob + ABS_HEAD + 16 * nb + get_le64(e);
    uint32_t zs = get_le32(e + 8), rs = get_le32(e + 12);
    char *raw = ty_malloc(rs ? rs : 1);
    if (!raw) return TENYO_ERR_NOMEM;
    size_t d = ZSTD_decompress(raw, rs, f, zs);
    rc = TENYO_ERR_CORRUPT;
    if (ZSTD_isError(d) || d != rs || (rs && raw[rs - 1] != 0)) {
        ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu: %s", a->path,
                  (unsigned long long)i, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "cut");
        goto done;
    }
    const char *p = raw, *end = raw + rs;
    for (uint64_t k = doc % a->per_block; k; k--) {
        const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        if (!z) {
            ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu holds "
                      "too few documents", a->path, (unsigned long long)i);
            goto done;
        }
        p = z + 1;
    }
    if (p >= end) {
        ty_seterr(err, errlen, "%s: section 'abstracts' is damaged: block %llu holds too "
                  "few documents", a->path, (unsigned long long)i);
        goto done;
    }
    rc = ty_buf_append(out, p, strlen(p)) || ty_buf_putc(out, 0) ? TENYO_ERR_NOMEM : TENYO_OK;
    if (!rc) out->len--;
done:
    free(raw);
    return rc;
}

ty_abs *ty_abs_compose(ty_abs **parts, const uint64_t *first, uint32_t nparts,
                       const uint64_t *gpos, uint64_t ndocs) {
    ty_abs *a = ty_calloc(1, sizeof *a);
    ty_abs **p = ty_mallocarray(nparts ? nparts : 1, sizeof *p);
    uint64_t *f = ty_mallocarray(nparts + 1, sizeof *f);
    uint64_t *g = gpos ? ty_mallocarray(ndocs ? ndocs : 1, sizeof *g) : NULL;
    if (!a || !p || !f || (gpos && !g)) {
        for (uint32_t i = 0; i < nparts; i++) ty_abs_free(parts[i]);
        free(a);
        free(p);
        free(f);
        free(g);
        return NULL;
    }
    memcpy(p, parts, nparts * sizeof *p);
    memcpy(f, first, (nparts + 1) * sizeof *f);
    if (g) memcpy(g, gpos, ndocs * sizeof *g);
    a->fd = -1;
    a->parts = p;
    a->nparts = nparts;
    a->first = f;
    a->gpos = g;
    a->ndocs = ndocs;
    return a;
}

uint64_t ty_abs_bytes(const ty_abs *a) {
    if (!a) return 0;
    uint64_t n = a->parts ? 0 : a->stored;
    for (uint32_t i = 0; a->parts && i < a->nparts; i++) n += ty_abs_bytes(a->parts[i]);
    return n;
}

void ty_abs_free(ty_abs *a) {
    if (!a) return;
    for (uint32_t i = 0; a->parts && i < a->nparts; i++) ty_abs_free(a->parts[i]);
    free(a->parts);
    free(a->first);
    free(a->gpos);
    if (!a->parts) ty_once_destroy(&a->once);
    if (a->fd >= 0) close(a->fd);
    free(a->path);
    free(a->blob);
    free(a);
}

static int rd_sections(reader *r, ty_model *m, uint64_t nnz) {
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
        if (mul3(n, size, 1, &sz)) {                                        \
            ty_seterr(r->err, r->errlen, "%s: section '%s' too large",      \
                      r->path, name);                                       \
            rc = TENYO_ERR_CORRUPT;                                         \
            goto done;                                                      \
        }                                                                   \
        rc = rd_section(r, name, sz, sz, 0, &p, &raw);                      \
        if (rc) goto done;                                                  \
        (dst) = p;                                                          \
        p = NULL;                                                           \
        le_to_host(dst, (size_t)(n), size);                                 \
    } while (0)

    rc = rd_section(r, "vocab", nt, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->term_blob = p;
    m->term_blob[raw] = 0;
    m->term_blob_len = raw;
    p = NULL;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    if (!m->term_off) goto nomem;
    if (blob_index(m->term_blob, raw, nt, m->term_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'vocab': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("df", nt, 4, m->df);
    EXACT("idf", nt, 4, m->idf);
    EXACT("sigma", k, 4, m->sigma);
    if (mul3(nt, k, 1, &sz)) goto toolarge;
    if (r->version >= 2) {
        /* the document vectors (most of the bytes left to decompress once
         * the rows wait for their first use) on a thread of their own,
         * beside the basis, rows and documents here: on a 1M index, 0.86 s
         * against 0.85 s */
        int two = ty_store_threads > 1 ||
                  (ty_store_threads == 0 && ty_ncores() > 1 && nd * k >= VEC_THREAD_MIN);
        if (two && (vj = ty_calloc(1, sizeof *vj)) != NULL) {
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
        if (mul3(nd, k, 1, &sz)) goto toolarge;
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
    if (a->rowptr[nd] != nnz) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'tfidf.rows': rows hold %llu non-zeros, build "
                  "says %llu",
                  r->path, (unsigned long long)a->rowptr[nd],
                  (unsigned long long)nnz);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    if (mul3(nnz, 5, 1, &sz)) goto toolarge;
    if (r->lazy && rd_has(r, "tfidf.tf")) {
        /* format 2 opened for queries: the rows wait for their first use
         * (ty_model_need_sparse); what needs no read is checked now */
        if (!rd_locate(r, "tfidf.cols", nnz, sz, 0) || !rd_locate(r, "tfidf.tf", nnz, sz, 0)) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        r->deferred = 1;
    } else {
        rc = rd_rows(r, m, nnz);
        if (rc) goto done;
    }

    /* documents */
    rc = rd_section(r, "docmeta", nstr, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->meta_blob = p;
    m->meta_blob[raw] = 0;
    m->meta_blob_len = raw;
    p = NULL;
    m->meta_off = ty_mallocarray(nstr ? nstr : 1, sizeof *m->meta_off);
    if (!m->meta_off) goto nomem;
    if (blob_index(m->meta_blob, raw, nstr, m->meta_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'docmeta': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("docflags", 2 * nd, 1, m->open); /* open[nd] then lang[nd] */
    m->lang = ty_malloc((size_t)nd);
    if (!m->lang) goto nomem;
    memcpy(m->lang, m->open + nd, (size_t)nd);

    /* docfields: u32 counts, then u16 ids moved to the front in place */
    if (mul3(nd, 4, 1, &sz)) goto toolarge;
    if (mul3(nd, 4 + 2ull * TY_MAX_FIELDS, 1, &raw)) goto toolarge;
    rc = rd_section(r, "docfields", sz, raw, 0, &p, &raw);
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
    le_to_host(p, (size_t)((raw - sz) / 2), 2);
    m->field_ids = p;
    p = NULL;
    if (raw > sz) { /* give back the counts' bytes */
        uint16_t *s = realloc(m->field_ids, (size_t)(raw - sz));
        if (s) m->field_ids = s;
    }

    /* fields */
    rc = rd_section(r, "fields", 16ull * m->nfields, 16ull * m->nfields, 0, &p,
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
    if (rd_has(r, "surface")) {
        rc = rd_section(r, "surface", nt, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        m->surf_blob = p;
        m->surf_blob[raw] = 0;
        m->surf_blob_len = raw;
        p = NULL;
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto nomem;
        if (blob_index(m->surf_blob, raw, nt, m->surf_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'surface': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
    }
    /* optional: application phrases (both sections or neither) */
    if (rd_has(r, "phrase.text") || rd_has(r, "phrase.docs")) {
        rc = rd_section(r, "phrase.text", 0, UINT64_MAX, 1, &p, &raw);
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
        if (blob_index(m->phr_blob, raw, np, m->phr_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'phrase.text': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (mul3(nd, 4, 1, &sz)) goto toolarge;
        rc = rd_section(r, "phrase.docs", sz, UINT64_MAX, 0, &p, &raw);
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
    if (rd_has(r, "ivf")) {
        rc = rd_section(r, "ivf", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->ivf_blob = p;
        m->ivf_len = raw;
        p = NULL;
    }
    /* optional: the field model (parsed and checked by the index:
     * model/linear.c) */
    if (rd_has(r, "fieldmodel")) {
        rc = rd_section(r, "fieldmodel", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->fm_blob = p;
        m->fm_len = raw;
        p = NULL;
    }
    /* optional: IPC titles recorded at index time (parsed by the index) */
    if (rd_has(r, "labels")) {
        rc = rd_section(r, "labels", 0, 64ull << 20, 1, &p, &raw);
        if (rc) goto done;
        m->labels_blob = p;
        m->labels_blob[raw] = 0;
        m->labels_len = raw;
        p = NULL;
    }
    /* optional: abstracts, located now and read on first use (ty_abs_get) */
    if (rd_has(r, "abstracts")) {
        const rd_sec *s = rd_locate(r, "abstracts", ABS_HEAD, UINT64_MAX, 0);
        if (!s) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->abs = abs_file(r, s, nd);
        if (!m->abs) goto nomem;
    }
    /* optional: terms dropped by max_df (messages only) */
    if (rd_has(r, "common")) {
        rc = rd_section(r, "common", 0, 16ull << 20, 1, &p, &raw);
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

/* The rows a lazy read left: the reader, its file still open. */
struct ty_lazy {
    ty_once once;              /* decoded or refused, once */
    ty_model *m;               /* the model whose rows these are */
    char err[TY_ERRLEN];       /* the refusal's message */
    reader r;                  /* path and fd its own */
};

static void lazy_free(ty_lazy *z) {
    if (!z) return;
    if (z->r.fd >= 0) close(z->r.fd);
    ZSTD_freeDCtx(z->r.dctx);
    free(z->r.cbuf);
    free((char *)z->r.path);
    ty_once_destroy(&z->once);
    free(z);
}

static int store_read(const char *path, ty_model *m, char *err, size_t errlen, int lazy) {
    if (!path || !m) return TENYO_ERR_ARG;
    memset(m, 0, sizeof *m);
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.err = err;
    r.errlen = errlen;
    r.lazy = lazy;
    int rc = TENYO_ERR_IO;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
     * forever; it has no effect on the regular file read afterwards */
    r.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (r.fd < 0) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(r.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ty_seterr(err, errlen, "%s: not a regular file", path);
        goto done;
    }
    r.fsize = (uint64_t)st.st_size;
    rc = rd_header(&r);
    if (rc) goto done;
    r.dctx = ZSTD_createDCtx();
    if (!r.dctx) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    uint64_t nnz = 0;
    rc = rd_build(&r, m, &nnz);
    if (rc) goto done;
    rc = rd_sections(&r, m, nnz);
    if (rc) goto done;
    if (r.deferred) { /* keep the reader (and the file open) for the rows */
        ty_lazy *z = ty_calloc(1, sizeof *z);
        char *pc = z ? strdup(path) : NULL;
        if (!pc) {
            free(z);
            ty_seterr(err, errlen, "%s: out of memory loading the index", path);
            rc = TENYO_ERR_NOMEM;
            goto done;
        }
        ty_once_init(&z->once);
        z->m = m;
        z->r = r;
        z->r.path = pc;
        z->r.err = z->err;
        z->r.errlen = sizeof z->err;
        z->r.dctx = NULL; /* made again when needed; the buffer goes now */
        z->r.cbuf = NULL;
        z->r.ccap = 0;
        r.fd = -1;
        m->lazy = z;
    }
    char why[TY_ERRLEN];
    m->format_version = r.version;
    if (model_check(m, 1, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: section %s", path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->format_version = r.version;
    m->updated = r.updated;
    m->file_bytes = r.fsize;
    m->nsections = r.nsec;
    for (int i = 0; i < r.nsec; i++) {
        memcpy(m->sections[i].name, r.sec[i].name, 16);
        m->sections[i].stored = r.sec[i].stored;
        m->sections[i].raw = r.sec[i].raw;
    }
    rc = TENYO_OK;
done:
    if (r.fd >= 0) close(r.fd);
    ZSTD_freeDCtx(r.dctx);
    free(r.cbuf);
    if (rc) ty_model_free(m);
    return rc;
}

int ty_store_read(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 0);
}

int ty_store_read_lazy(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 1);
}

/* The rows' first use (ty_once_run): decode them, or leave none behind. */
static int lazy_decode(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    int rc;
    z->r.dctx = ZSTD_createDCtx();
    if (z->r.dctx) {
        rc = rd_rows(&z->r, m, m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0);
    } else {
        ty_seterr(z->err, sizeof z->err, "%s: out of memory", z->r.path);
        rc = TENYO_ERR_NOMEM;
    }
    if (rc) { /* nothing half-made is left to read */
        free(m->tfidf.col);
        free(m->tfidf.val);
        free(m->tf_leb);
        m->tfidf.col = NULL;
        m->tfidf.val = NULL;
        m->tf_leb = NULL;
        m->tf_leb_len = 0;
    }
    close(z->r.fd);
    z->r.fd = -1;
    ZSTD_freeDCtx(z->r.dctx);
    z->r.dctx = NULL;
    free(z->r.cbuf);
    z->r.cbuf = NULL;
    z->r.ccap = 0;
    return rc;
}

int ty_model_need_sparse(const ty_model *m, char *err, size_t errlen) {
    /* The model is logically const: its rows were always its own, only not
     * decoded yet; readers see them after ty_once_run's release store, and
     * none reads them before. */
    ty_lazy *z = m->lazy;
    if (!z) return TENYO_OK;
    int rc = ty_once_run(&z->once, lazy_decode, z);
    if (rc) ty_seterr(err, errlen, "%s", z->err);
    return rc;
}

int ty_model_need_tf(ty_model *m, char *err, size_t errlen) {
    int rc = ty_model_need_sparse(m, err, errlen);
    if (rc) return rc;
    if (m->tf || !m->tf_leb) return TENYO_OK;
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0, pos = 0;
    uint32_t *tf = ty_mallocarray(nnz ? nnz : 1, sizeof *tf);
    if (!tf) {
        ty_seterr(err, errlen, "out of memory decoding the term counts");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t j = 0; j < nnz; j++) { /* checked when loaded */
        uint64_t v = 0;
        if (leb_get(m->tf_leb, m->tf_leb_len, &pos, &v)) v = 0;
        tf[j] = (uint32_t)v;
    }
    m->tf = tf;
    free(m->tf_leb);
    m->tf_leb = NULL;
    m->tf_leb_len = 0;
    return TENYO_OK;
}

/* ================================================================= free */

void ty_model_free(ty_model *m) {
    if (!m) return;
    free(m->tokenizer);
    free(m->writer);
    free(m->mecab_dicdir);
    free(m->term_blob);
    free(m->term_off);
    free(m->df);
    free(m->idf);
    free(m->sigma);
    free(m->basis);
    free(m->basis_q);
    free(m->basis_qscale);
    free(m->docvec);
    free(m->doc_q);
    free(m->doc_qscale);
    free(m->tfidf.rowptr); /* not ty_csr_free: the store needs no model/ */
    free(m->tfidf.col);
    free(m->tfidf.val);
    free(m->meta_blob);
    free(m->meta_off);
    free(m->open);
    free(m->lang);
    free(m->field_ptr);
    free(m->field_ids);
    free(m->field_code);
    free(m->field_count);
    free(m->tf);
    free(m->tf_leb);
    free(m->surf_blob);
    free(m->surf_off);
    free(m->phr_blob);
    free(m->phr_off);
    free(m->phr_ptr);
    free(m->phr_ids);
    free(m->labels_blob);
    free(m->common_blob);
    free(m->ivf_blob);
    free(m->fm_blob);
    free(m->abs_text);
    ty_abs_free(m->abs);
    lazy_free(m->lazy);
    memset(m, 0, sizeof *m);
}
