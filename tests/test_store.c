/*
 * test_store.c — the index file (src/store/: format.h, write.c, read.c): round trips, byte
 * determinism, and a loader that refuses damaged or hostile files without
 * crashing, leaking or allocating what the file merely claims.
 *
 * Models are synthetic (fixed xorshift seed, Japanese and English strings)
 * so every member can be compared exactly. Hostile files are made by
 * editing a good one: truncation, bit flips, and headers whose checksum is
 * recomputed so that the deeper checks are the ones that must refuse. The
 * test includes zstd.h only to forge a "build" section with absurd counts
 * (the library keeps zstd inside store/).
 */
#include "test.h"
#include "api/api.h"
#include "store/format.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

/* Message buffers: short enough that CHECKF can quote them whole. */
#define ST_ERRLEN 256

/* ============================================================ fixtures */

static uint64_t st_rng;

static uint64_t st_rand(void) {
    st_rng ^= st_rng << 13;
    st_rng ^= st_rng >> 7;
    st_rng ^= st_rng << 17;
    return st_rng;
}

static float st_randf(void) {
    return (float)((double)(st_rand() >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static int st_cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int st_cmp_u16(const void *a, const void *b) {
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

/* Fill m with a consistent synthetic model; 0 ok. nt terms, nd docs, nf
 * fields (<= 8), rank k. Deterministic for a given seed. */
static int st_make(ty_model *m, uint64_t nd, uint64_t nt, uint32_t nf,
                   uint32_t k, uint64_t seed) {
    /* ascending, as the store requires; the first two as in the v1 fixture */
    static const char *codes[8] = {"A61B", "B60W", "B65D", "F16H",
                                   "G06F", "G06N", "G08G", "H04L"};
    memset(m, 0, sizeof *m);
    st_rng = seed ? seed : 88172645463325252ull;
    m->tokenizer = ty_strdup("mecab:ipadic-utf8 2.7.0;parts=1;stem=0;v=1");
    m->writer = ty_strdup("tenyo 0.1.0");
    m->mecab_dicdir = ty_strdup("");
    m->keep_parts = 1;
    m->stem = 0;
    m->seed = 0x123456789abcdefull;
    m->min_df = 2;
    m->max_df_ratio = 0.5 + 1e-9;
    m->oversample = 10;
    m->power_iters = 4;
    m->created = 1700000000;
    m->nterms = nt;
    m->ndocs = nd;
    m->dim = k;
    m->nfields = nf;
    /* vocabulary: alternate Japanese and English terms */
    ty_buf blob = {0};
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    m->df = ty_mallocarray(nt ? nt : 1, sizeof *m->df);
    m->idf = ty_mallocarray(nt ? nt : 1, sizeof *m->idf);
    if (!m->term_off || !m->df || !m->idf) return -1;
    for (uint64_t t = 0; t < nt; t++) {
        char w[64];
        snprintf(w, sizeof w, t % 2 ? "term%llu" : "車両制御装置%llu",
                 (unsigned long long)t);
        m->term_off[t] = blob.len;
        if (ty_buf_append(&blob, w, strlen(w) + 1)) return -1;
        m->df[t] = (uint32_t)(st_rand() % (nd + 1));
        m->idf[t] = 1.0f + (float)(st_rand() % 1000) / 100.0f;
    }
    m->term_blob = blob.p ? blob.p : ty_strdup("");
    m->term_blob_len = blob.len;
    /* LSA */
    m->sigma = ty_mallocarray(k ? k : 1, sizeof *m->sigma);
    m->basis = ty_mallocarray(nt * k + 1, sizeof *m->basis);
    m->docvec = ty_mallocarray(nd * k + 1, sizeof *m->docvec);
    if (!m->sigma || !m->basis || !m->docvec) return -1;
    for (uint32_t j = 0; j < k; j++) m->sigma[j] = 10.0f / (float)(j + 1);
    for (uint64_t i = 0; i < nt * k; i++) m->basis[i] = st_randf();
    for (uint64_t i = 0; i < nd * k; i++) m->docvec[i] = st_randf();
    /* sparse rows: up to 12 distinct sorted columns, some rows empty */
    ty_csr *a = &m->tfidf;
    a->nrows = nd;
    a->ncols = nt;
    a->rowptr = ty_calloc(nd + 1, sizeof *a->rowptr);
    a->col = ty_mallocarray(nd * 12 + 1, sizeof *a->col);
    a->val = ty_mallocarray(nd * 12 + 1, sizeof *a->val);
    if (!a->rowptr || !a->col || !a->val) return -1;
    uint64_t nnz = 0;
    for (uint64_t i = 0; i < nd; i++) {
        uint32_t n = nt ? (uint32_t)(st_rand() % 13) : 0, tmp[12];
        if (i % 7 == 3) n = 0;
        for (uint32_t j = 0; j < n; j++) tmp[j] = (uint32_t)(st_rand() % nt);
        qsort(tmp, n, sizeof *tmp, st_cmp_u32);
        for (uint32_t j = 0; j < n; j++)
            if (j == 0 || tmp[j] != tmp[j - 1]) {
                a->col[nnz] = tmp[j];
                a->val[nnz++] = (float)(st_rand() % 1000) / 999.0f;
            }
        a->rowptr[i + 1] = nnz;
    }
    /* documents */
    ty_buf meta = {0};
    m->meta_off = ty_mallocarray(nd * TY_META_NSTR + 1, sizeof *m->meta_off);
    m->open = ty_calloc(nd + 1, 1);
    m->lang = ty_calloc(nd + 1, 1);
    m->field_ptr = ty_calloc(nd + 1, sizeof *m->field_ptr);
    m->field_ids = ty_mallocarray(nd * (nf ? nf : 1) + 1, sizeof *m->field_ids);
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_calloc(nf ? nf : 1, sizeof *m->field_count);
    if (!m->meta_off || !m->open || !m->lang || !m->field_ptr ||
        !m->field_ids || !m->field_code || !m->field_count)
        return -1;
    for (uint32_t f = 0; f < nf; f++) memcpy(m->field_code[f], codes[f % 8], 4);
    uint64_t used = 0;
    for (uint64_t i = 0; i < nd; i++) {
        uint64_t start = used;
        uint32_t n = nf ? (uint32_t)(st_rand() % 4) : 0;
        for (uint32_t j = 0; j < n; j++) {
            uint16_t f = (uint16_t)(st_rand() % nf);
            int seen = 0;
            for (uint64_t q = start; q < used; q++) seen |= m->field_ids[q] == f;
            if (!seen) m->field_ids[used++] = f;
        }
        if (used - start > 2)
            qsort(m->field_ids + start + 1, used - start - 1, 2, st_cmp_u16);
        m->field_ptr[i + 1] = used;
        ty_buf fs = {0};
        for (uint64_t q = start; q < used; q++) {
            m->field_count[m->field_ids[q]]++;
            if ((q > start && ty_buf_putc(&fs, ',')) ||
                ty_buf_append(&fs, m->field_code[m->field_ids[q]], 4))
                return -1;
        }
        char s[TY_META_NSTR][96];
        snprintf(s[TY_META_ID], 96, "特開2024-%06llu", (unsigned long long)i);
        snprintf(s[TY_META_TITLE], 96, i % 5 ? "車両の運転支援装置 %llu" : "",
                 (unsigned long long)i);
        snprintf(s[TY_META_APPLICANT], 96, "%s", i % 2 ? "トヨタ自動車株式会社"
                                                       : "Acme, Inc.");
        snprintf(s[TY_META_DATE], 96, "2024-%02llu-%02llu",
                 (unsigned long long)(i % 12 + 1), (unsigned long long)(i % 28 + 1));
        snprintf(s[TY_META_CODES], 96, "B60W30/09,G08G1/16");
        snprintf(s[TY_META_FIELDS], 96, "%s", fs.p ? fs.p : "");
        ty_buf_free(&fs);
        for (int j = 0; j < TY_META_NSTR; j++) {
            m->meta_off[i * TY_META_NSTR + j] = meta.len;
            if (ty_buf_append(&meta, s[j], strlen(s[j]) + 1)) return -1;
        }
        m->open[i] = (uint8_t)(st_rand() % 2);
        m->lang[i] = (uint8_t)(i % 3 == 0);
    }
    m->meta_blob = meta.p ? meta.p : ty_strdup("");
    m->meta_blob_len = meta.len;
    return m->term_blob && m->meta_blob && m->tokenizer && m->writer &&
                   m->mecab_dicdir
               ? 0
               : -1;
}

/* 1 when b's rows are a's quantised to int8 (format 2 stores basis and
 * document vectors as int8 with a scale per row): every element within
 * half a step, max|row| / 254, of the float written. */
static int st_q8_close(const float *a, const float *b, uint64_t rows, uint64_t k) {
    for (uint64_t r = 0; r < rows; r++) {
        float mx = 0;
        for (uint64_t j = 0; j < k; j++) mx = fmaxf(mx, fabsf(a[r * k + j]));
        for (uint64_t j = 0; j < k; j++)
            if (fabsf(a[r * k + j] - b[r * k + j]) > mx / 254.f * 1.001f + 1e-30f) return 0;
    }
    return 1;
}

/* Row r (k wide) of a matrix as floats: from floats x, or else from stored
 * codes q times their scales s (a model read from format 2 keeps only
 * those, for the basis and the document vectors). */
static void st_row(const float *x, const int8_t *q, const float *s, uint64_t r, uint64_t k,
                   float *out) {
    for (uint64_t j = 0; j < k; j++) out[j] = x ? x[r * k + j] : s[r] * (float)q[r * k + j];
}

/* st_q8_close over the rows of a matrix held by a and b, whichever form
 * each has (floats ax/bx, else codes aq/bq with scales as/bs). */
static int st_rows_close(const float *ax, const int8_t *aq, const float *as, const float *bx,
                         const int8_t *bq, const float *bs, uint64_t rows, uint64_t k) {
    float ra[TY_MAX_DIM], rb[TY_MAX_DIM];
    if (!ax && !aq) return rows == 0 || k == 0;
    for (uint64_t r = 0; r < rows; r++) {
        st_row(ax, aq, as, r, k, ra);
        st_row(bx, bq, bs, r, k, rb);
        if (!st_q8_close(ra, rb, 1, k)) return 0;
    }
    return 1;
}

/* Basis row t of m as floats, whichever form m holds it in. */
static void st_basisrow(const ty_model *m, uint64_t t, float *out) {
    st_row(m->basis, m->basis_q, m->basis_qscale, t, m->dim, out);
}

/* "" when a and b are equal in every stored member, else what differs
 * (b is the model read back: int8 basis and vectors from format 2 on). */
static const char *st_diff(const ty_model *a, const ty_model *b) {
#define D(cond, what) do { if (!(cond)) return what; } while (0)
#define MEMEQ(p, q, n) ((n) == 0 || memcmp((p), (q), (n)) == 0)
    D(!strcmp(a->tokenizer, b->tokenizer), "tokenizer");
    D(!strcmp(a->writer, b->writer), "writer");
    D(!strcmp(a->mecab_dicdir, b->mecab_dicdir), "mecab_dicdir");
    D(a->keep_parts == b->keep_parts && a->stem == b->stem, "tok opts");
    D(a->seed == b->seed && a->min_df == b->min_df, "seed/min_df");
    D(a->max_df_ratio == b->max_df_ratio, "max_df_ratio");
    D(a->oversample == b->oversample && a->power_iters == b->power_iters,
      "svd opts");
    D(a->created == b->created, "created");
    D(a->nterms == b->nterms && a->ndocs == b->ndocs && a->dim == b->dim &&
          a->nfields == b->nfields, "counts");
    uint64_t nt = a->nterms, nd = a->ndocs, k = a->dim;
    D(a->term_blob_len == b->term_blob_len &&
          MEMEQ(a->term_blob, b->term_blob, a->term_blob_len), "term_blob");
    D(MEMEQ(a->term_off, b->term_off, nt * 8), "term_off");
    D(MEMEQ(a->df, b->df, nt * 4), "df");
    D(MEMEQ(a->idf, b->idf, nt * 4), "idf");
    D(MEMEQ(a->sigma, b->sigma, k * 4), "sigma");
    if (b->format_version >= 2) {
        D(!b->basis && (b->basis_q || nt == 0 || k == 0) &&
              st_rows_close(a->basis, a->basis_q, a->basis_qscale, b->basis, b->basis_q,
                            b->basis_qscale, nt, k),
          "basis");
        D(!b->docvec && (b->doc_q || nd == 0 || k == 0) &&
              st_rows_close(a->docvec, a->doc_q, a->doc_qscale, b->docvec, b->doc_q,
                            b->doc_qscale, nd, k),
          "docvec");
    } else {
        D(MEMEQ(a->basis, b->basis, nt * k * 4), "basis");
        D(MEMEQ(a->docvec, b->docvec, nd * k * 4), "docvec");
    }
    D(a->tfidf.nrows == b->tfidf.nrows && a->tfidf.ncols == b->tfidf.ncols,
      "tfidf shape");
    D(MEMEQ(a->tfidf.rowptr, b->tfidf.rowptr, (nd + 1) * 8), "rowptr");
    uint64_t nnz = a->tfidf.rowptr[nd];
    D(MEMEQ(a->tfidf.col, b->tfidf.col, nnz * 4), "col");
    D(MEMEQ(a->tfidf.val, b->tfidf.val, nnz * 4), "val");
    D(a->meta_blob_len == b->meta_blob_len &&
          MEMEQ(a->meta_blob, b->meta_blob, a->meta_blob_len), "meta_blob");
    D(MEMEQ(a->meta_off, b->meta_off, nd * TY_META_NSTR * 8), "meta_off");
    D(MEMEQ(a->open, b->open, nd), "open");
    D(MEMEQ(a->lang, b->lang, nd), "lang");
    D(MEMEQ(a->field_ptr, b->field_ptr, (nd + 1) * 8), "field_ptr");
    D(MEMEQ(a->field_ids, b->field_ids, a->field_ptr[nd] * 2), "field_ids");
    D(MEMEQ(a->field_code, b->field_code, (size_t)a->nfields * 8), "field_code");
    D(MEMEQ(a->field_count, b->field_count, (size_t)a->nfields * 8),
      "field_count");
    return "";
#undef D
#undef MEMEQ
}

/* Whole file into a malloc'd buffer; NULL on error. */
static unsigned char *st_slurp(const char *path, size_t *len) {
    return (unsigned char *)ty_test_slurp(path, len);
}

static int st_spit(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t k = n ? fwrite(p, 1, n, f) : 0;
    return (fclose(f) == 0 && k == n) ? 0 : -1;
}

static void st_path(char *buf, size_t len, const char *name) {
    snprintf(buf, len, "%s/%s", ty_test_tmpdir(), name);
}

/* Little-endian field access on a file image. */
static uint64_t st_le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void st_put_le(unsigned char *p, int n, uint64_t v) {
    for (int i = 0; i < n; i++, v >>= 8) p[i] = (unsigned char)v;
}

/* FNV-1a 64 as published (offset basis 0xcbf29ce484222325), written out
 * here rather than taken from the library: what an outside tool computes. */
static uint64_t st_fnv1a64(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Recompute the header checksum of a file image after an edit: format 3
 * with the published FNV-1a over the header with byte 20 (the "updated"
 * flag) as 0, formats 1-2 with the historic basis. */
static void st_rehash(unsigned char *img) {
    size_t n = 32 + 48 * (size_t)st_le(img + 16, 4);
    if (st_le(img + 8, 4) >= 3) {
        unsigned char u = img[20];
        img[20] = 0;
        st_put_le(img + n, 8, st_fnv1a64(img, n));
        img[20] = u;
    } else {
        st_put_le(img + n, 8, ty_fnv1a(img, n));
    }
}

/* Table entry of section name in img, or NULL. */
static unsigned char *st_entry(unsigned char *img, const char *name) {
    uint32_t n = (uint32_t)st_le(img + 16, 4);
    for (uint32_t i = 0; i < n && i < TENYO_MAX_SECTIONS; i++)
        if (!strcmp((char *)img + 32 + 48 * i, name)) return img + 32 + 48 * i;
    return NULL;
}

/* Load an image from a scratch file; the status, and m is left zeroed on
 * failure (checked). */
static int st_load_image(const unsigned char *img, size_t n, ty_model *m,
                         char *err, size_t errlen) {
    char p[512];
    st_path(p, sizeof p, "image.idx");
    if (st_spit(p, img, n)) return 99;
    int rc = ty_store_read(p, m, err, errlen);
    /* and what only check reads of a whole read: the first applicants'
     * numbers (store/docapp.c), located by the read */
    if (!rc && (rc = ty_docapp_verify(m, p, err, errlen)) != 0) ty_model_free(m);
    if (rc) {
        static const ty_model zero;
        if (memcmp(m, &zero, sizeof zero) != 0) return 98; /* not freed */
    }
    return rc;
}

/* Model written to name; path in path. 0 ok. */
static int st_write_model(ty_model *m, const char *name, char *path,
                          size_t plen, uint64_t nd, uint64_t nt) {
    st_path(path, plen, name);
    if (st_make(m, nd, nt, 6, 4, 7)) return -1;
    char err[ST_ERRLEN] = "";
    return ty_store_write(m, path, err, sizeof err);
}

/* =============================================================== tests */

TY_TEST(store_roundtrip) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "rt.idx", path, sizeof path, 40, 57) == 0);
    CHECK_EQ_INT(a.nsections, 17); /* the 14 required, "docapp", "vocab.map", "ids.map" */
    CHECK_EQ_INT(a.format_version, 3);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_INT(a.file_bytes, st.st_size);
    int rc = ty_store_read(path, &b, err, sizeof err);
    CHECKF(rc == 0, "read: %d %s", rc, err);
    const char *d = st_diff(&a, &b);
    CHECKF(!*d, "member differs after round trip: %s", d);
    CHECK_EQ_INT(b.format_version, 3);
    CHECK_EQ_INT(b.file_bytes, st.st_size);
    CHECK_EQ_INT(b.nsections, a.nsections);
    uint64_t sum = 0;
    for (int i = 0; i < b.nsections; i++) {
        CHECK_STR(b.sections[i].name, a.sections[i].name);
        CHECK_EQ_INT(b.sections[i].stored, a.sections[i].stored);
        CHECK_EQ_INT(b.sections[i].raw, a.sections[i].raw);
        sum += b.sections[i].stored;
    }
    CHECK_STR(b.sections[0].name, "build");
    CHECK_STR(b.sections[2].name, "vocab.map");
    CHECK_STR(b.sections[6].name, "basis.q8");
    CHECK_EQ_INT(b.sections[6].raw, 57 * 4 + 57 * 4); /* int8 rows + f32 scales */
    CHECK_EQ_INT(sum + 32 + 48 * 17 + 8, st.st_size);
    /* loaded strings are usable through the recomputed offsets */
    CHECK_STR(b.meta_blob + b.meta_off[3 * TY_META_NSTR + TY_META_ID],
              "特開2024-000003");
    CHECK_STR(b.term_blob + b.term_off[2], "車両制御装置2");
    ty_model_free(&a);
    ty_model_free(&b);
    ty_model_free(&b); /* freeing a zeroed model is fine */
}

TY_TEST(store_deterministic_bytes) {
    ty_model a, b;
    char p1[512], p2[512], p3[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "det1.idx", p1, sizeof p1, 30, 45) == 0);
    st_path(p2, sizeof p2, "det2.idx");
    CHECK(ty_store_write(&a, p2, err, sizeof err) == 0);
    /* a loaded model writes the same bytes again */
    CHECK(ty_store_read(p1, &b, err, sizeof err) == 0);
    st_path(p3, sizeof p3, "det3.idx");
    CHECK(ty_store_write(&b, p3, err, sizeof err) == 0);
    size_t n1, n2, n3;
    unsigned char *x = st_slurp(p1, &n1), *y = st_slurp(p2, &n2),
                  *z = st_slurp(p3, &n3);
    int same = x && y && z && n1 == n2 && n1 == n3 && !memcmp(x, y, n1) &&
               !memcmp(x, z, n1);
    free(x);
    free(y);
    free(z);
    ty_model_free(&a);
    ty_model_free(&b);
    CHECK(same);
}

TY_TEST(store_degenerate_models) {
    /* rank 0, no fields, no terms at all: empty sections are still frames */
    struct { uint64_t nd, nt; uint32_t nf, k; } cases[] = {
        {5, 9, 0, 0}, {1, 1, 1, 1}, {3, 0, 2, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ty_model a, b;
        char path[512], err[ST_ERRLEN] = "";
        st_path(path, sizeof path, "degen.idx");
        CHECK(st_make(&a, cases[c].nd, cases[c].nt, cases[c].nf, cases[c].k,
                      c + 1) == 0);
        int rc = ty_store_write(&a, path, err, sizeof err);
        CHECKF(rc == 0, "case %zu write: %s", c, err);
        rc = ty_store_read(path, &b, err, sizeof err);
        CHECKF(rc == 0, "case %zu read: %s", c, err);
        const char *d = st_diff(&a, &b);
        CHECKF(!*d, "case %zu: %s differs", c, d);
        ty_model_free(&a);
        ty_model_free(&b);
    }
}

TY_TEST(store_escaped_strings) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "esc.idx");
    CHECK(st_make(&a, 4, 6, 1, 2, 3) == 0);
    free(a.tokenizer);
    a.tokenizer = ty_strdup("mecab:辞書\\x;a=b\nline2\r\\n");
    free(a.mecab_dicdir);
    a.mecab_dicdir = ty_strdup("/usr/lib/x86_64-linux-gnu/mecab/dic/ipadic=utf8");
    a.max_df_ratio = 0.1; /* not exactly representable: must round-trip */
    a.created = -5;
    a.min_df = INT32_MIN;
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    CHECK(ty_store_read(path, &b, err, sizeof err) == 0);
    const char *d = st_diff(&a, &b);
    CHECKF(!*d, "%s differs", d);
    ty_model_free(&a);
    ty_model_free(&b);
}

TY_TEST(store_missing_file) {
    ty_model m;
    char path[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "no-such.idx");
    CHECK_EQ_INT(ty_store_read(path, &m, err, sizeof err), TENYO_ERR_IO);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "No such file") != NULL);
    CHECK_EQ_INT(ty_store_read(ty_test_tmpdir(), &m, err, sizeof err),
                 TENYO_ERR_IO); /* a directory */
}

TY_TEST(store_truncated) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN];
    CHECK(st_write_model(&a, "trunc.idx", path, sizeof path, 25, 31) == 0);
    size_t n;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    size_t tried = 0;
    for (size_t len = 0; len < n; len += len < 200 ? 1 : 13) {
        int rc = st_load_image(img, len, &b, err, sizeof err);
        if (rc != TENYO_ERR_CORRUPT && rc != TENYO_ERR_IO) {
            free(img);
            ty_model_free(&a);
            ty_model_free(&b);
            CHECKF(0, "truncated at %zu of %zu: status %d", len, n, rc);
        }
        tried++;
    }
    free(img);
    ty_model_free(&a);
    CHECK(tried > 250);
}

/* A format-2 basis is held as its stored codes: written back byte for byte,
 * and a fold-in through them gives the very floats a fold-in through the
 * dequantised rows gives. */
TY_TEST(store_basis_codes_kept) {
    ty_model a, b, c;
    char path[512], p2[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "bq.idx", path, sizeof path, 30, 40) == 0);
    CHECKF(ty_store_read(path, &b, err, sizeof err) == 0, "%s", err);
    CHECK(!b.basis && b.basis_q && b.basis_qscale);
    st_path(p2, sizeof p2, "bq2.idx");
    CHECKF(ty_store_write(&b, p2, err, sizeof err) == 0, "%s", err);
    CHECKF(ty_store_read(p2, &c, err, sizeof err) == 0, "%s", err);
    uint64_t nt = b.nterms, k = b.dim;
    CHECK(memcmp(b.basis_q, c.basis_q, nt * k) == 0);
    CHECK(memcmp(b.basis_qscale, c.basis_qscale, nt * sizeof(float)) == 0);
    /* fold-in: codes vs the same rows as floats */
    float *rows = malloc(nt * k * sizeof *rows), o1[TY_MAX_DIM], o2[TY_MAX_DIM];
    CHECK(rows);
    for (uint64_t t = 0; t < nt; t++) st_basisrow(&b, t, rows + t * k);
    uint32_t qt[3] = {1, 7, (uint32_t)nt - 1};
    float qw[3] = {0.5f, 0.25f, 0.8f};
    ty_fold_in(&b, qt, qw, 3, o1);
    b.basis = rows;
    ty_fold_in(&b, qt, qw, 3, o2);
    b.basis = NULL;
    free(rows);
    CHECK(memcmp(o1, o2, k * sizeof *o1) == 0);
    ty_model_free(&a);
    ty_model_free(&b);
    ty_model_free(&c);
}

TY_TEST(store_bitflip_each_section) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "flip.idx", path, sizeof path, 30, 40) == 0);
    size_t n;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    for (int s = 0; s < a.nsections; s++) {
        unsigned char *e = st_entry(img, a.sections[s].name);
        CHECK(e != NULL);
        uint64_t off = st_le(e + 16, 8), sz = st_le(e + 24, 8);
        /* middle of the payload, last byte (the checksum), first byte */
        uint64_t at[3] = {off + sz / 2, off + sz - 1, off};
        for (int j = 0; j < 3; j++) {
            img[at[j]] ^= 0x10;
            int rc = st_load_image(img, n, &b, err, sizeof err);
            img[at[j]] ^= 0x10;
            if (rc != TENYO_ERR_CORRUPT) {
                free(img);
                CHECKF(0, "flip in '%s' at %llu: status %d", a.sections[s].name,
                       (unsigned long long)at[j], rc);
            }
            if (!strstr(err, a.sections[s].name)) {
                free(img);
                CHECKF(0, "message does not name '%s': %s", a.sections[s].name,
                       err);
            }
        }
    }
    /* the unmodified image still loads */
    int rc = st_load_image(img, n, &b, err, sizeof err);
    free(img);
    CHECKF(rc == 0, "%s", err);
    ty_model_free(&a);
    ty_model_free(&b);
}

TY_TEST(store_bitflip_every_byte) {
    /* every byte of a small file, one bit each: refused, or (a flip zstd
     * may legitimately not see, e.g. in a frame's window descriptor)
     * loaded with identical content */
    ty_model a, b;
    char path[512], err[ST_ERRLEN];
    st_path(path, sizeof path, "flipall.idx");
    CHECK(st_make(&a, 8, 12, 3, 2, 11) == 0);
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    size_t n, refused = 0;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    for (size_t i = 0; i < n; i++) {
        img[i] ^= (unsigned char)(1u << (i % 8));
        int rc = st_load_image(img, n, &b, err, sizeof err);
        img[i] ^= (unsigned char)(1u << (i % 8));
        if (rc == TENYO_ERR_CORRUPT || rc == TENYO_ERR_VERSION) {
            refused++;
            continue;
        }
        const char *d = rc == 0 ? st_diff(&a, &b) : "status";
        ty_model_free(&b);
        if (*d) {
            free(img);
            ty_model_free(&a);
            CHECKF(0, "flip at byte %zu: status %d, %s differs", i, rc, d);
        }
    }
    free(img);
    ty_model_free(&a);
    CHECKF(refused + 8 >= n, "only %zu of %zu flips refused", refused, n);
}

/* Format 3's header checksum is FNV-1a 64 as published (issue 16: the
 * offset basis had a digit dropped), so an outside tool can verify it. */
TY_TEST(store_header_published_fnv) {
    ty_model a;
    char path[512];
    CHECK(st_write_model(&a, "fnv.idx", path, sizeof path, 12, 20) == 0);
    ty_model_free(&a);
    size_t n;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    size_t t = 32 + 48 * (size_t)st_le(img + 16, 4);
    uint64_t stored = st_le(img + t, 8), want = st_fnv1a64(img, t);
    free(img);
    CHECK_EQ_INT(stored, want);
}

/* The "updated" byte: set in place by ty_store_mark_updated, outside the
 * checksum (the file still loads and says so); other values and the three
 * reserved bytes after it are refused. */
TY_TEST(store_updated_flag) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "upd.idx", path, sizeof path, 12, 20) == 0);
    ty_model_free(&a);
    CHECK_EQ_INT(ty_store_read(path, &b, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(b.updated, 0);
    ty_model_free(&b);
    CHECK_EQ_INT(ty_store_mark_updated(path, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_store_mark_updated(path, err, sizeof err), TENYO_OK); /* once */
    CHECK_EQ_INT(ty_store_read(path, &b, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(b.updated, 1);
    ty_model_free(&b);
    size_t n;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    CHECK_EQ_INT(img[20], 1);
    img[20] = 2;
    int rc = st_load_image(img, n, &b, err, sizeof err);
    img[20] = 1;
    img[21] = 1;
    st_rehash(img);
    int rc2 = st_load_image(img, n, &b, err, sizeof err);
    free(img);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(rc2, TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "reserved field"));
}

/* The optional "common" section (terms max_df dropped): written and read
 * back; one whose last term is not NUL-terminated is refused by name. */
TY_TEST(store_common_section) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_make(&a, 12, 20, 6, 4, 7) == 0);
    static const char ok[] = "car\0vehicle\0";
    a.common_blob = malloc(sizeof ok);
    CHECK(a.common_blob != NULL);
    memcpy(a.common_blob, ok, sizeof ok);
    a.common_len = sizeof ok - 1;
    st_path(path, sizeof path, "common.idx");
    CHECK_EQ_INT(ty_store_write(&a, path, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_store_read(path, &b, err, sizeof err), TENYO_OK);
    int same = b.common_len == a.common_len && !memcmp(b.common_blob, ok, a.common_len);
    ty_model_free(&b);
    CHECK(same);
    a.common_len = 3; /* "car" without its NUL */
    CHECK_EQ_INT(ty_store_write(&a, path, err, sizeof err), TENYO_OK);
    ty_model_free(&a);
    CHECK_EQ_INT(ty_store_read(path, &b, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "section 'common'"));
}

TY_TEST(store_bad_header) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "hdr.idx", path, sizeof path, 10, 20) == 0);
    ty_model_free(&a);
    size_t n;
    unsigned char *img = st_slurp(path, &n), *e;
    CHECK(img != NULL);
    unsigned char *orig = malloc(n);
    CHECK(orig != NULL);
    memcpy(orig, img, n);
    int rc;
#define RESET() memcpy(img, orig, n)
#define EXPECT(want, needle)                                                 \
    do {                                                                     \
        rc = st_load_image(img, n, &b, err, sizeof err);                     \
        if (rc != (want) || !strstr(err, needle)) {                          \
            free(img);                                                       \
            free(orig);                                                      \
            CHECKF(0, "status %d (want %d), message '%s' lacks '%s'", rc,     \
                   want, err, needle);                                       \
        }                                                                    \
        RESET();                                                             \
    } while (0)
    memcpy(img, "TENYOIDY", 8);
    EXPECT(TENYO_ERR_CORRUPT, "bad magic");
    st_put_le(img + 8, 4, 4);
    EXPECT(TENYO_ERR_VERSION, "index format 4 is newer than this program (reads up to 3)");
    st_put_le(img + 8, 4, 7);
    st_rehash(img);
    EXPECT(TENYO_ERR_VERSION, "index format 7 is newer");
    st_put_le(img + 12, 4, 1);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "flags");
    st_put_le(img + 12, 4, 1); /* without rehash: checksum catches it */
    EXPECT(TENYO_ERR_CORRUPT, "checksum");
    st_put_le(img + 16, 4, TENYO_MAX_SECTIONS + 1);
    char over[32];
    snprintf(over, sizeof over, "%d sections", TENYO_MAX_SECTIONS + 1);
    EXPECT(TENYO_ERR_CORRUPT, over);
    st_put_le(img + 16, 4, 0);
    EXPECT(TENYO_ERR_CORRUPT, "0 sections");
    st_put_le(img + 24, 8, n + 1);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "header says");
    /* absurd raw sizes with a valid header checksum: refused before any
     * allocation (the frame's content size disagrees, or the ratio cap) */
    e = st_entry(img, "basis.q8");
    st_put_le(e + 32, 8, 1ull << 60);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "basis");
    e = st_entry(img, "vocab");
    st_put_le(e + 32, 8, (1ull << 40));
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "vocab");
    e = st_entry(img, "docmeta");
    st_put_le(e + 32, 8, st_le(e + 32, 8) + 1);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "docmeta");
    e = st_entry(img, "df");
    st_put_le(e + 16, 8, UINT64_MAX - 3);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "outside the file");
    e = st_entry(img, "idf");
    st_put_le(e + 16, 8, st_le(st_entry(img, "df") + 16, 8) + 1);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "overlap");
    e = st_entry(img, "sigma");
    memcpy(e, "fields", 7);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "appears twice");
    e = st_entry(img, "sigma");
    memcpy(e, "sigmb", 6);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "section 'sigma' is missing");
    e = st_entry(img, "sigma");
    memcpy(e, "Sigma", 6);
    st_rehash(img);
    EXPECT(TENYO_ERR_CORRUPT, "bad name");
    free(img);
    free(orig);
#undef EXPECT
#undef RESET
}

/* Replace the build section of img (n bytes) by a frame holding text,
 * appended at the end; returns the new image (size in *outn). */
static unsigned char *st_forge_build(const unsigned char *img, size_t n,
                                     const char *text, size_t *outn) {
    size_t tl = strlen(text), cap = ZSTD_compressBound(tl);
    unsigned char *out = malloc(n + cap);
    if (!out) return NULL;
    memcpy(out, img, n);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t z = ZSTD_compress2(c, out + n, cap, text, tl);
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(z)) {
        free(out);
        return NULL;
    }
    unsigned char *e = st_entry(out, "build");
    st_put_le(e + 16, 8, n);
    st_put_le(e + 24, 8, z);
    st_put_le(e + 32, 8, tl);
    st_put_le(out + 24, 8, n + z);
    st_rehash(out);
    *outn = n + z;
    return out;
}

/* The build text of a written image with key's value replaced (or the key
 * dropped when value is NULL, or line appended when key is new). */
static char *st_build_edit(const char *orig, const char *key, const char *value) {
    size_t cap = strlen(orig) + 256;
    char *out = malloc(cap), *o = out;
    if (!out) return NULL;
    const char *p = orig;
    int found = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t kl = strlen(key);
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            found = 1;
            if (value) o += sprintf(o, "%s=%s\n", key, value);
        } else {
            memcpy(o, p, (size_t)(nl - p + 1));
            o += nl - p + 1;
        }
        p = nl + 1;
    }
    if (!found) o += sprintf(o, "%s=%s\n", key, value);
    *o = 0;
    return out;
}

TY_TEST(store_forged_build) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "forge.idx", path, sizeof path, 10, 20) == 0);
    ty_model_free(&a);
    size_t n;
    unsigned char *img = st_slurp(path, &n);
    CHECK(img != NULL);
    /* the original build text, decompressed by hand */
    unsigned char *e = st_entry(img, "build");
    size_t off = (size_t)st_le(e + 16, 8), sz = (size_t)st_le(e + 24, 8);
    size_t raw = (size_t)st_le(e + 32, 8);
    char *text = calloc(1, raw + 1);
    CHECK(text != NULL);
    CHECK(ZSTD_decompress(text, raw, img + off, sz) == raw);
    CHECK(strstr(text, "ndocs=10\n") != NULL);
    CHECK(strstr(text, "max_df_ratio=0.50000000099999997\n") != NULL);
    struct { const char *key, *value; int want; const char *needle; } cases[] = {
        {"ndocs", "8589934592", TENYO_ERR_CORRUPT, "'ndocs'"},   /* > TY_MAX */
        {"ndocs", "4294967296", TENYO_ERR_CORRUPT, "expected"},  /* sizes lie */
        {"nterms", "2147483648", TENYO_ERR_CORRUPT, "expected"},
        {"dim", "4097", TENYO_ERR_CORRUPT, "'dim'"},
        {"dim", "4096", TENYO_ERR_CORRUPT, "expected"},
        {"nnz", "68719476736", TENYO_ERR_CORRUPT, "build says"},
        {"nnz", "68719476737", TENYO_ERR_CORRUPT, "'nnz'"},
        {"nfields", "65536", TENYO_ERR_CORRUPT, "'nfields'"},
        {"ndocs", "-1", TENYO_ERR_CORRUPT, "'ndocs'"},
        {"ndocs", "10x", TENYO_ERR_CORRUPT, "'ndocs'"},
        {"max_df_ratio", "nan", TENYO_ERR_CORRUPT, "max_df_ratio"},
        {"min_df", "99999999999", TENYO_ERR_CORRUPT, "min_df"},
        {"seed", NULL, TENYO_ERR_CORRUPT, "'seed' is missing"},
        {"tokenizer", "bad\\escape", TENYO_ERR_CORRUPT, "escape"},
        {"later_key", "ignored", TENYO_OK, ""},                  /* additive */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *t = st_build_edit(text, cases[c].key, cases[c].value);
        size_t fn = 0;
        unsigned char *f = t ? st_forge_build(img, n, t, &fn) : NULL;
        free(t);
        int rc = f ? st_load_image(f, fn, &b, err, sizeof err) : 99;
        free(f);
        ty_model_free(&b);
        if (rc != cases[c].want || !strstr(err, cases[c].needle)) {
            free(text);
            free(img);
            CHECKF(0, "case %zu (%s=%s): status %d, '%s'", c, cases[c].key,
                   cases[c].value ? cases[c].value : "(dropped)", rc, err);
        }
        err[0] = 0;
    }
    /* a key twice */
    size_t tl = strlen(text);
    char *twice = malloc(2 * tl + 1);
    CHECK(twice != NULL);
    memcpy(twice, text, tl);
    memcpy(twice + tl, text, tl + 1);
    size_t fn = 0;
    unsigned char *f = st_forge_build(img, n, twice, &fn);
    free(twice);
    free(text);
    free(img);
    CHECK(f != NULL);
    int rc = st_load_image(f, fn, &b, err, sizeof err);
    free(f);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "twice") != NULL);
}

/* Names in the test directory containing ".tmp.". */
static int st_count_temps(void) {
    DIR *d = opendir(ty_test_tmpdir());
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

TY_TEST(store_atomic_replace) {
    ty_model a, big;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_write_model(&a, "atomic.idx", path, sizeof path, 6, 8) == 0);
    size_t n0;
    unsigned char *before = st_slurp(path, &n0);
    CHECK(before != NULL);
    CHECK(st_make(&big, 400, 3000, 8, 16, 5) == 0);
    /* 1: the file system refuses the bytes (RLIMIT_FSIZE, root-proof) */
    struct rlimit old;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {4096, old.rlim_max};
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = ty_store_write(&big, path, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK_EQ_INT(rc, TENYO_ERR_IO);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "too large") != NULL); /* strerror(EFBIG) */
    /* 2: an inconsistent model is refused before touching anything */
    big.tfidf.col[big.tfidf.rowptr[1] - 1] = 1u << 30;
    rc = ty_store_write(&big, path, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_ARG);
    CHECK(strstr(err, "tfidf.cols") != NULL);
    ty_model_free(&big);
    CHECK(st_make(&big, 10, 10, 2, 2, 9) == 0);
    big.basis[3] = NAN;
    rc = ty_store_write(&big, path, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_ARG);
    CHECK(strstr(err, "basis") != NULL);
    ty_model_free(&big);
    /* 3: a directory that does not exist */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no-such-dir/x.idx", ty_test_tmpdir());
    CHECK_EQ_INT(ty_store_write(&a, bad, err, sizeof err), TENYO_ERR_IO);
    CHECK(strstr(err, "no-such-dir") != NULL);
    size_t n1;
    unsigned char *after = st_slurp(path, &n1);
    int same = after && n1 == n0 && !memcmp(before, after, n0);
    free(before);
    free(after);
    CHECK(same);
    CHECK_EQ_INT(st_count_temps(), 0);
    /* and a successful replace still works afterwards */
    a.created = 42;
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    ty_model b;
    CHECK(ty_store_read(path, &b, err, sizeof err) == 0);
    CHECK_EQ_INT(b.created, 42);
    ty_model_free(&a);
    ty_model_free(&b);
    CHECK_EQ_INT(st_count_temps(), 0);
}

/* ============================================== format-version fixtures */

/* An index written by format version 1 (st_make(3 docs, 5 terms, 2 fields,
 * rank 2, seed 21)); it must load, equal to the model, for as long as this
 * program claims to read version 1. Do not regenerate it to make a failing
 * test pass: that would hide a format break. When a version 2 exists, add
 * its fixture beside this one (TENYO_STORE_FIXTURE_OUT=file writes the
 * current writer's bytes as C for pasting here). */
static const unsigned char st_fixture_v1[] = {
    0x54, 0x45, 0x4e, 0x59, 0x4f, 0x49, 0x44, 0x58, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xd9, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x62, 0x75, 0x69, 0x6c,
    0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc8, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc7, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x76, 0x6f, 0x63, 0x61,
    0x62, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x8f, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x66, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc4, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x69, 0x64, 0x66, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xe5, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x73, 0x69, 0x67, 0x6d,
    0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x62, 0x61, 0x73, 0x69,
    0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x1b, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x6f, 0x63, 0x76,
    0x65, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x74, 0x66, 0x69, 0x64,
    0x66, 0x2e, 0x72, 0x6f, 0x77, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x75, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x74, 0x66, 0x69, 0x64,
    0x66, 0x2e, 0x63, 0x6f, 0x6c, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x8e, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x74, 0x66, 0x69, 0x64,
    0x66, 0x2e, 0x76, 0x61, 0x6c, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xa4, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x6f, 0x63, 0x6d,
    0x65, 0x74, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xd5, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xad, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x6f, 0x63, 0x66,
    0x6c, 0x61, 0x67, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x82, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x6f, 0x63, 0x66,
    0x69, 0x65, 0x6c, 0x64, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x95, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x69, 0x65, 0x6c,
    0x64, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xb6, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4f, 0x2f, 0xee, 0x52,
    0x40, 0xba, 0x1b, 0xfd, 0x28, 0xb5, 0x2f, 0xfd, 0x64, 0x01, 0x00, 0xcd,
    0x05, 0x00, 0x62, 0x8d, 0x28, 0x1c, 0x60, 0x67, 0xea, 0x33, 0x88, 0x75,
    0xfa, 0xbd, 0x36, 0x60, 0xfb, 0x48, 0xd5, 0x1f, 0x86, 0x41, 0xaa, 0x6f,
    0xd3, 0x71, 0xa1, 0x2e, 0x5f, 0x81, 0x00, 0x1c, 0xe2, 0x4e, 0x8a, 0x56,
    0x32, 0xa2, 0x1d, 0x81, 0xba, 0x76, 0x01, 0xa1, 0xa6, 0x95, 0xef, 0x7b,
    0x42, 0x05, 0x58, 0xe9, 0x22, 0x43, 0x45, 0xfb, 0x9c, 0xd5, 0x38, 0xcb,
    0x3d, 0x5b, 0xbf, 0xd3, 0xc2, 0x4a, 0xf6, 0xad, 0x88, 0x89, 0x9a, 0xb3,
    0x8d, 0x48, 0x5e, 0x93, 0xdf, 0x89, 0xa8, 0xc6, 0x32, 0xa9, 0x98, 0x8d,
    0x3e, 0xdb, 0x33, 0x84, 0x19, 0x41, 0x7b, 0x8a, 0x16, 0x61, 0x06, 0xfd,
    0x69, 0x5a, 0xca, 0xa0, 0x0a, 0x86, 0x83, 0x16, 0x4a, 0x49, 0xad, 0xa3,
    0x96, 0xbb, 0xa5, 0x2a, 0x4b, 0xba, 0x0f, 0xba, 0xef, 0xec, 0x9c, 0x99,
    0x9a, 0x72, 0x8a, 0x19, 0xc4, 0x02, 0xd8, 0x73, 0xbf, 0xa7, 0xbf, 0x42,
    0xcf, 0x26, 0x0e, 0xb3, 0xaf, 0xa7, 0x3c, 0xce, 0xca, 0xf9, 0x2d, 0x39,
    0x4c, 0x31, 0x0a, 0x1a, 0x28, 0x64, 0x0e, 0x10, 0x9c, 0x73, 0x4b, 0x3c,
    0x40, 0xa0, 0xb9, 0x7e, 0xfb, 0xbd, 0x70, 0xd8, 0x87, 0x38, 0x03, 0x07,
    0x00, 0x5a, 0x49, 0x59, 0x98, 0xd0, 0x60, 0x5c, 0xc1, 0x65, 0x00, 0x83,
    0xe5, 0x9a, 0x8a, 0x04, 0x6d, 0x30, 0x03, 0xf6, 0x47, 0x9e, 0x00, 0x28,
    0xb5, 0x2f, 0xfd, 0x24, 0x48, 0x45, 0x01, 0x00, 0xf0, 0xe8, 0xbb, 0x8a,
    0xe4, 0xb8, 0xa1, 0xe5, 0x88, 0xb6, 0xe5, 0xbe, 0xa1, 0xe8, 0xa3, 0x85,
    0xe7, 0xbd, 0xae, 0x30, 0x00, 0x74, 0x65, 0x72, 0x6d, 0x31, 0x00, 0x32,
    0x33, 0x34, 0x00, 0x03, 0x00, 0x20, 0x05, 0x5c, 0xd7, 0xf6, 0xe6, 0x18,
    0xd3, 0xb7, 0xb2, 0x80, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x14, 0xa1, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x36, 0xc2,
    0x2c, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x14, 0xa1, 0x00, 0x00, 0x29, 0x5c,
    0x3f, 0x40, 0xa4, 0x70, 0x7d, 0x40, 0x85, 0xeb, 0x25, 0x41, 0x33, 0x33,
    0x73, 0x40, 0xd7, 0xa3, 0xb0, 0x3f, 0x0d, 0x13, 0x4a, 0xe1, 0x28, 0xb5,
    0x2f, 0xfd, 0x24, 0x08, 0x41, 0x00, 0x00, 0x00, 0x00, 0x20, 0x41, 0x00,
    0x00, 0xa0, 0x40, 0x7e, 0x00, 0x37, 0x2a, 0x28, 0xb5, 0x2f, 0xfd, 0x24,
    0x28, 0x41, 0x01, 0x00, 0xd5, 0x7d, 0x13, 0x3f, 0x60, 0x4b, 0x0e, 0xbf,
    0x6a, 0x7b, 0x22, 0xbf, 0xe7, 0x96, 0x3d, 0xbf, 0xe8, 0xa3, 0x62, 0x3f,
    0x01, 0x86, 0x7c, 0x3f, 0xff, 0xa0, 0x7c, 0x3f, 0x10, 0xf5, 0x59, 0x3f,
    0xff, 0xc7, 0x93, 0xbd, 0x50, 0xac, 0xe6, 0x3e, 0xba, 0xbb, 0x9a, 0xca,
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x18, 0xc1, 0x00, 0x00, 0xdd, 0xbe, 0x73,
    0xbf, 0xff, 0x25, 0x03, 0x3d, 0x7e, 0x96, 0x26, 0x3f, 0xf5, 0xea, 0x68,
    0x3f, 0xab, 0x60, 0x93, 0x3e, 0x03, 0x94, 0x07, 0xbf, 0xa0, 0x65, 0x97,
    0xfe, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x0c, 0x61, 0x00, 0x00, 0x03, 0x00,
    0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0xa2,
    0x59, 0x48, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x09, 0x49, 0x00, 0x00, 0x01,
    0x02, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00, 0xd7, 0x7d, 0x8d, 0x1a,
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x24, 0x21, 0x01, 0x00, 0x17, 0x93, 0x6e,
    0x3f, 0x6f, 0x82, 0x05, 0x3f, 0xde, 0xb2, 0x4a, 0x3f, 0xb3, 0x1c, 0x70,
    0x3f, 0xdd, 0x60, 0x0a, 0x3f, 0x6e, 0x07, 0x25, 0x3e, 0x62, 0x2e, 0x7d,
    0x3e, 0x41, 0xd7, 0x08, 0x3f, 0x58, 0x41, 0xd7, 0x3d, 0x5e, 0x7b, 0x50,
    0x4a, 0x28, 0xb5, 0x2f, 0xfd, 0x64, 0x16, 0x00, 0xfd, 0x04, 0x00, 0x44,
    0x08, 0xe7, 0x89, 0xb9, 0xe9, 0x96, 0x8b, 0x32, 0x30, 0x32, 0x34, 0x2d,
    0x30, 0x00, 0x00, 0x41, 0x63, 0x6d, 0x65, 0x2c, 0x20, 0x49, 0x6e, 0x63,
    0x2e, 0x00, 0x31, 0x2d, 0x30, 0x31, 0x00, 0x42, 0x36, 0x30, 0x57, 0x33,
    0x30, 0x2f, 0x30, 0x39, 0x2c, 0x47, 0x30, 0x38, 0x47, 0x31, 0x2f, 0x31,
    0x36, 0x00, 0x41, 0x36, 0x31, 0x42, 0x00, 0x31, 0x00, 0xe8, 0xbb, 0x8a,
    0xe4, 0xb8, 0xa1, 0xe3, 0x81, 0xae, 0xe9, 0x81, 0x8b, 0xe8, 0xbb, 0xa2,
    0xe6, 0x94, 0xaf, 0xe6, 0x8f, 0xb4, 0xe8, 0xa3, 0x85, 0xe7, 0xbd, 0xae,
    0x20, 0x31, 0x00, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xa8, 0xe3, 0x82, 0xbf,
    0xe8, 0x87, 0xaa, 0xe5, 0x8b, 0x95, 0xe8, 0xbb, 0x8a, 0xe6, 0xa0, 0xaa,
    0xe5, 0xbc, 0x8f, 0xe4, 0xbc, 0x9a, 0xe7, 0xa4, 0xbe, 0x32, 0x2d, 0x30,
    0x32, 0x32, 0x32, 0x33, 0x2d, 0x30, 0x33, 0x2c, 0x42, 0x36, 0x30, 0x57,
    0x00, 0x0a, 0x00, 0x00, 0xd2, 0xd4, 0x78, 0x07, 0x6e, 0x06, 0x63, 0x36,
    0xd9, 0x00, 0x94, 0x78, 0x1d, 0x2e, 0x8c, 0x08, 0xc8, 0xd9, 0x39, 0xff,
    0x02, 0x49, 0x06, 0xd7, 0x6d, 0x1e, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x06,
    0x31, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x41, 0x6e, 0xc9,
    0xb0, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x14, 0xa1, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x64, 0xa0, 0x84, 0x53, 0x28, 0xb5,
    0x2f, 0xfd, 0x24, 0x20, 0xb5, 0x00, 0x00, 0x70, 0x41, 0x36, 0x31, 0x42,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x42, 0x36, 0x30, 0x57, 0x02, 0x00,
    0x33, 0x39, 0x19, 0x00, 0x12, 0x50, 0xa7, 0x28, 0xb9,
};

TY_TEST(store_fixture_v1) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    CHECK(st_make(&a, 3, 5, 2, 2, 21) == 0);
    const char *out = getenv("TENYO_STORE_FIXTURE_OUT");
    if (out && *out) {
        st_path(path, sizeof path, "fixture.idx");
        CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
        size_t n;
        unsigned char *img = st_slurp(path, &n);
        FILE *f = fopen(out, "w");
        CHECK(img && f);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "0x%02x,%s", img[i], i % 12 == 11 ? "\n" : " ");
        fprintf(f, "\n");
        fclose(f);
        free(img);
        ty_model_free(&a);
        TY_SKIP("wrote the fixture to %s", out);
    }
    int rc = st_load_image(st_fixture_v1, sizeof st_fixture_v1, &b, err,
                           sizeof err);
    CHECKF(rc == 0, "version 1 fixture: %d %s", rc, err);
    const char *d = st_diff(&a, &b);
    CHECKF(!*d, "version 1 fixture: %s differs", d);
    CHECK_EQ_INT(b.format_version, 1);
    ty_model_free(&a);
    ty_model_free(&b);
}

/* Format 2 stores term counts, not weights: the loader derives the weights
 * with the builder's function, bit for bit, and keeps the counts. */
/* Term counts for a's non-zeros (1 + (j * mul) % mod), the weights made
 * from them as a build makes them: what a written file stores. 0, or -1
 * out of memory. */
static int st_set_tf(ty_model *a, uint32_t mul, uint32_t mod) {
    uint64_t nnz = a->tfidf.rowptr[a->ndocs];
    a->tf = malloc((nnz ? nnz : 1) * sizeof *a->tf);
    if (!a->tf) return -1;
    for (uint64_t j = 0; j < nnz; j++) {
        a->tf[j] = (uint32_t)(1 + (j * mul) % mod);
        a->tfidf.val[j] = (float)a->tf[j];
    }
    for (uint64_t i = 0; i < a->ndocs; i++)
        ty_tfidf_row(a->tfidf.col + a->tfidf.rowptr[i], a->tfidf.val + a->tfidf.rowptr[i],
                     (size_t)(a->tfidf.rowptr[i + 1] - a->tfidf.rowptr[i]), a->idf);
    return 0;
}

TY_TEST(store_tf_counts_roundtrip) {
    ty_model a, b;
    char path[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "tf.idx");
    CHECK(st_make(&a, 9, 14, 3, 2, 5) == 0);
    uint64_t nnz = a.tfidf.rowptr[a.ndocs];
    CHECK(st_set_tf(&a, 7, 300) == 0); /* > 127: two LEB bytes */
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    int has = 0;
    for (int i = 0; i < a.nsections; i++) has |= !strcmp(a.sections[i].name, "tfidf.tf");
    CHECK(has);
    int rc = ty_store_read(path, &b, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    const char *d = st_diff(&a, &b);
    CHECKF(!*d, "%s differs", d);
    /* loading keeps the counts encoded; decoded on demand, they are a's */
    CHECK(b.tf == NULL && b.tf_leb != NULL);
    CHECK_EQ_INT(ty_model_need_tf(&b, NULL, 0), 0);
    CHECK(b.tf != NULL && b.tf_leb == NULL && memcmp(a.tf, b.tf, nnz * sizeof *a.tf) == 0);
    ty_model_free(&a);
    ty_model_free(&b);
}

/* The sparse rows decode in parallel ranges on large files: any thread
 * count gives the very same columns, weights and counts as one. */
TY_TEST(store_sparse_parallel_same) {
    ty_model a, b[4];
    char path[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "par.idx");
    CHECK(st_make(&a, 400, 60, 3, 2, 7) == 0);
    uint64_t nnz = a.tfidf.rowptr[a.ndocs];
    a.tf = malloc((nnz ? nnz : 1) * sizeof *a.tf);
    CHECK(a.tf != NULL);
    for (uint64_t j = 0; j < nnz; j++) {
        a.tf[j] = (uint32_t)(1 + (j * 13) % 200);
        a.tfidf.val[j] = (float)a.tf[j];
    }
    for (uint64_t i = 0; i < a.ndocs; i++)
        ty_tfidf_row(a.tfidf.col + a.tfidf.rowptr[i], a.tfidf.val + a.tfidf.rowptr[i],
                     (size_t)(a.tfidf.rowptr[i + 1] - a.tfidf.rowptr[i]), a.idf);
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    static const int threads[4] = {1, 2, 3, 16};
    uint64_t per = ty_store_nnz_per_thread;
    ty_store_nnz_per_thread = 1;
    for (int t = 0; t < 4; t++) {
        ty_store_threads = threads[t];
        int rc = ty_store_read(path, &b[t], err, sizeof err);
        CHECKF(rc == 0, "%d threads: %s", threads[t], err);
        const char *d = rc ? "status" : st_diff(&a, &b[t]);
        CHECKF(!*d, "%d threads: %s differs", threads[t], d);
        CHECK(rc == 0 && memcmp(b[t].tfidf.val, b[0].tfidf.val, nnz * 4) == 0 &&
              b[t].tf_leb_len == b[0].tf_leb_len &&
              memcmp(b[t].tf_leb, b[0].tf_leb, b[0].tf_leb_len) == 0);
    }
    ty_store_threads = 0;
    ty_store_nnz_per_thread = per;
    ty_model_free(&a);
    for (int t = 0; t < 4; t++) ty_model_free(&b[t]);
}

/* The document vectors are read on a thread of their own beside the rest
 * (ty_store_threads > 1 forces it on a small file): the same message for
 * damage whatever the threads, the basis' before the vectors', and theirs
 * before a later section's. */
TY_TEST(store_vector_thread_same_errors) {
    ty_model a, b;
    char path[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(path, sizeof path, "vt.idx");
    st_path(bad, sizeof bad, "vt_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    ty_model_free(&a);
    static const char *dmg[][2] = {{"docvec.q8", NULL}, {"basis.q8", "docvec.q8"},
                                   {"docvec.q8", "docmeta"}, {"docmeta", NULL}};
    static const char *want[] = {"'docvec.q8'", "'basis.q8'", "'docvec.q8'", "'docmeta'"};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(ty_test_damage(path, bad, dmg[i][0], dmg[i][1]), 0);
        ty_store_threads = 1;
        CHECK(ty_store_read(bad, &b, err1, sizeof err1) == TENYO_ERR_CORRUPT);
        ty_store_threads = 2;
        int rc = ty_store_read(bad, &b, err, sizeof err);
        ty_store_threads = 0;
        CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err1) == 0, "%.200s | %.200s", err, err1);
        CHECKF(strstr(err, want[i]) != NULL, "case %d: %s", i, err);
    }
}

/* The damaged file bad read whole and lazily by one thread and by two
 * (ty_store_threads): 0 when every read refuses it (TENYO_ERR_CORRUPT)
 * with the same message, one holding want; else -1, what differs in why. */
static int threads_same_error(const char *bad, const char *want, char *why, size_t whylen) {
    ty_model b;
    char err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    for (int lazy = 0; lazy < 2; lazy++) {
        ty_store_threads = 1;
        int rc1 = lazy ? ty_store_read_lazy(bad, &b, err1, sizeof err1)
                       : ty_store_read(bad, &b, err1, sizeof err1);
        ty_store_threads = 2;
        int rc = lazy ? ty_store_read_lazy(bad, &b, err, sizeof err)
                      : ty_store_read(bad, &b, err, sizeof err);
        ty_store_threads = 0;
        if (rc1 != TENYO_ERR_CORRUPT || rc != TENYO_ERR_CORRUPT || strcmp(err, err1) ||
            !strstr(err, want)) {
            snprintf(why, whylen, "lazy %d: status %d / %d, %.80s | %.80s", lazy, rc1, rc, err1, err);
            return -1;
        }
    }
    return 0;
}

/* The documents' strings (docmeta) are read on a thread of their own
 * beside the other sections (ty_store_threads > 1 forces it on a small
 * file): a sound file reads into the same strings; damage gives the same
 * message whatever the threads, a section before docmeta's first, docmeta's
 * before a later one's; eager and lazy reads alike. Layout 1 of docmeta
 * (one blob: what the thread reads; layout 2 is read by blocks,
 * store_docmeta_layouts). */
TY_TEST(store_docmeta_thread_same_errors) {
    ty_model a, b, c;
    char path[512], bad[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "mt.idx");
    st_path(bad, sizeof bad, "mt_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    setenv("TENYO_DOCMETA_FORMAT", "1", 1);
    setenv("TENYO_VOCAB_MAP", "0", 1); /* the terms decoded by every read */
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    unsetenv("TENYO_DOCMETA_FORMAT");
    unsetenv("TENYO_VOCAB_MAP");
    ty_model_free(&a);
    ty_store_threads = 1;
    CHECK(ty_store_read(path, &b, err, sizeof err) == TENYO_OK);
    ty_store_threads = 2;
    CHECK(ty_store_read_lazy(path, &c, err, sizeof err) == TENYO_OK);
    ty_store_threads = 0;
    CHECK(b.meta_blob_len == c.meta_blob_len &&
          memcmp(b.meta_blob, c.meta_blob, (size_t)b.meta_blob_len) == 0 &&
          memcmp(b.meta_off, c.meta_off, (size_t)b.ndocs * TY_META_NSTR * sizeof *b.meta_off) == 0);
    ty_model_free(&b);
    ty_model_free(&c);
    static const char *dmg[][2] = {{"docmeta", NULL},     {"vocab", "docmeta"},
                                   {"tfidf.rows", "docmeta"}, {"docmeta", "docflags"},
                                   {"docmeta", "docfields"}, {"docfields", NULL}};
    static const char *want[] = {"'docmeta'", "'vocab'", "'tfidf.rows'", "'docmeta'", "'docmeta'",
                                 "'docfields'"};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(ty_test_damage(path, bad, dmg[i][0], dmg[i][1]), 0);
        CHECKF(threads_same_error(bad, want[i], err, sizeof err) == 0, "case %d: %s", i, err);
    }
}

/* The rows' lengths (tfidf.rows) are read on a thread of their own beside
 * the term tables (ty_store_threads > 1 forces it on a small file): the
 * same offsets whatever the threads, eager and lazy reads; damage gives the
 * same message as one thread: the lengths' alone, the term tables' before
 * them (the lengths' thread then joined unheard), the lengths' before a
 * later section's. */
TY_TEST(store_rows_lengths_thread_same) {
    ty_model a, b, c;
    char path[512], bad[512], err[ST_ERRLEN] = "";
    st_path(path, sizeof path, "rl.idx");
    st_path(bad, sizeof bad, "rl_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    setenv("TENYO_VOCAB_MAP", "0", 1); /* the terms decoded by every read */
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    unsetenv("TENYO_VOCAB_MAP");
    for (int lazy = 0; lazy < 2; lazy++) {
        ty_store_threads = 1;
        CHECK((lazy ? ty_store_read_lazy(path, &b, err, sizeof err)
                    : ty_store_read(path, &b, err, sizeof err)) == TENYO_OK);
        ty_store_threads = 2;
        CHECK((lazy ? ty_store_read_lazy(path, &c, err, sizeof err)
                    : ty_store_read(path, &c, err, sizeof err)) == TENYO_OK);
        ty_store_threads = 0;
        CHECK(b.tfidf.rowptr && c.tfidf.rowptr &&
              memcmp(b.tfidf.rowptr, a.tfidf.rowptr, (a.ndocs + 1) * sizeof *a.tfidf.rowptr) == 0 &&
              memcmp(c.tfidf.rowptr, a.tfidf.rowptr, (a.ndocs + 1) * sizeof *a.tfidf.rowptr) == 0);
        ty_model_free(&b);
        ty_model_free(&c);
    }
    ty_model_free(&a);
    static const char *dmg[][2] = {{"tfidf.rows", NULL}, {"vocab", "tfidf.rows"},
                                   {"tfidf.rows", "docflags"}};
    static const char *want[] = {"'tfidf.rows'", "'vocab'", "'tfidf.rows'"};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(ty_test_damage(path, bad, dmg[i][0], dmg[i][1]), 0);
        CHECKF(threads_same_error(bad, want[i], err, sizeof err) == 0, "case %d: %s", i, err);
    }
}

/* docmeta's layout 2 (store/docmeta.c) against layout 1: every document's
 * strings the same through the accessors (a block decoded at a time, the
 * ids from their own frame), the same bytes once decoded whole, the same
 * fit id; a lazy open reads only its table, so a damaged block is refused
 * by the lookup that reads it, naming the section, the block and its
 * documents, while the other blocks answer, and by check (verify) and a
 * whole read; a damaged table refuses the open. */
TY_TEST(store_docmeta_layouts) {
    ty_model a, o, n;
    char p1[512], p2[512], bad[512], err[ST_ERRLEN] = "";
    st_path(p1, sizeof p1, "dm1.idx");
    st_path(p2, sizeof p2, "dm2.idx");
    st_path(bad, sizeof bad, "dm2_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    setenv("TENYO_DOCMETA_FORMAT", "1", 1);
    CHECK(ty_store_write(&a, p1, err, sizeof err) == 0);
    unsetenv("TENYO_DOCMETA_FORMAT");
    CHECK(ty_store_write(&a, p2, err, sizeof err) == 0);
    ty_model_free(&a);
    CHECKF(ty_store_read_lazy(p1, &o, err, sizeof err) == 0, "%s", err);
    CHECKF(ty_store_read_lazy(p2, &n, err, sizeof err) == 0, "%s", err);
    CHECK(o.dm == NULL && o.meta_off != NULL);
    CHECK(n.dm != NULL && n.meta_off == NULL); /* only its table read */
    CHECK_EQ_INT(ty_meta_layout(&o), 1);
    CHECK_EQ_INT(ty_meta_layout(&n), 2);
    const char *blob;
    const uint64_t *off;
    size_t stride = 0;
    CHECK(ty_meta_ids(&n, &blob, &off, &stride, err, sizeof err) == 0);
    CHECK_EQ_INT(stride, 1);
    for (uint64_t d = 0; d < o.ndocs; d++) {
        const char *so[TY_META_NSTR], *sn[TY_META_NSTR];
        CHECK(ty_meta_doc(&o, d, so, err, sizeof err) == 0);
        CHECK(ty_meta_doc(&n, d, sn, err, sizeof err) == 0);
        for (int s = 0; s < TY_META_NSTR; s++) {
            CHECKF(!strcmp(so[s], sn[s]), "document %llu string %d: '%s' / '%s'",
                   (unsigned long long)d, s, so[s], sn[s]);
            CHECK(!strcmp(ty_meta_str(&n, d, s), so[s]));
        }
        CHECK(!strcmp(blob + off[d], so[TY_META_ID]));
    }
    CHECK_STR(ty_meta_str(&n, o.ndocs, TY_META_ID), ""); /* out of range */
    CHECK_EQ_INT(ty_meta_len(&n), o.meta_blob_len);
    CHECK(ty_model_fit_id(&n) == ty_model_fit_id(&o));
    CHECK(n.meta_off == NULL);
    CHECK(ty_meta_verify(&n, err, sizeof err) == 0);
    CHECK(ty_model_need_meta(&n, err, sizeof err) == 0);
    CHECK(n.meta_blob_len == o.meta_blob_len &&
          !memcmp(n.meta_blob, o.meta_blob, (size_t)o.meta_blob_len) &&
          !memcmp(n.meta_off, o.meta_off, (size_t)o.ndocs * TY_META_NSTR * sizeof *o.meta_off));
    ty_model_free(&o);
    ty_model_free(&n);
    /* block 1 (documents 128..255) damaged: the frame's middle byte */
    size_t len = 0;
    unsigned char *img = st_slurp(p2, &len);
    CHECK(img != NULL);
    unsigned char *e = st_entry(img, "docmeta");
    CHECK(e != NULL);
    unsigned char *c = img + st_le(e + 16, 8) + 16; /* one stored block */
    CHECK(!memcmp(c, "\0TYDM2\0\0", 8));
    CHECK_EQ_INT(st_le(c + 8, 4), 128);
    uint64_t nb = st_le(c + 12, 4), ni = st_le(c + 44, 4), head = 48 + 16 * (ni + nb);
    CHECK_EQ_INT(nb, 3);
    CHECK_EQ_INT(ni, 2); /* ids in frames of 256 */
    unsigned char *f2 = c + 48 + 16 * (ni + 1);
    c[head + st_le(f2, 8) + st_le(f2 + 8, 4) / 2] ^= 0x55;
    CHECK(st_spit(bad, img, len) == 0);
    CHECKF(ty_store_read_lazy(bad, &n, err, sizeof err) == 0, "%s", err);
    const char *sn[TY_META_NSTR];
    CHECK(ty_meta_doc(&n, 5, sn, err, sizeof err) == 0);
    CHECK(ty_meta_damage(&n, err, sizeof err) == 0);
    CHECK(ty_meta_doc(&n, 130, sn, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, "section 'docmeta' is damaged: block 1 (documents 128..255)") != NULL,
           "%s", err);
    CHECK(*sn[TY_META_ID]); /* the frame of ids is whole */
    CHECK(ty_meta_ids(&n, &blob, &off, &stride, err, sizeof err) == 0); /* ids alone */
    CHECK_STR(blob + off[130], sn[TY_META_ID]);
    CHECK_STR(ty_meta_str(&n, 131, TY_META_TITLE), "");
    CHECK(ty_meta_damage(&n, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "block 1 (documents 128..255)") != NULL);
    CHECK(ty_meta_doc(&n, 299, sn, err, sizeof err) == 0);
    CHECK(ty_model_need_meta(&n, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECK(ty_meta_verify(&n, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, "block 1 (documents 128..255)") != NULL, "%s", err);
    ty_model_free(&n);
    CHECK(ty_store_read(bad, &n, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, "'docmeta'") != NULL, "%s", err);
    /* the table damaged: the open refuses it */
    c[head + st_le(f2, 8) + st_le(f2 + 8, 4) / 2] ^= 0x55;
    c[48 + 16 * 1 + 8] ^= 1;
    CHECK(st_spit(bad, img, len) == 0);
    CHECK(ty_store_read_lazy(bad, &n, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, "section 'docmeta' is damaged: its table's checksum") != NULL, "%s", err);
    free(img);
}

/* ======================================================== sharded index */

/* st_make's model of nd documents with an abstract each. 0 or -1. */
static int st_make_abs(ty_model *m, uint64_t nd) {
    if (st_make(m, nd, 57, 6, 4, 7)) return -1;
    ty_buf ab = {0};
    for (uint64_t i = 0; i < nd; i++) {
        char s[64];
        int k = snprintf(s, sizeof s, "abstract of document %llu", (unsigned long long)i);
        if (ty_buf_append(&ab, s, (size_t)k + 1)) {
            free(ab.p);
            ty_model_free(m);
            return -1;
        }
    }
    m->abs_text = ab.p;
    m->abs_text_len = ab.len;
    return 0;
}

/* Sections made ahead write the same bytes as sections made in turn: the
 * abstracts on the write's second thread (write_threads 2), the keyword
 * section given only as its frame (ty_store_frame, the raw blob freed,
 * as the builder's keyword thread leaves it); and a model holding only
 * the frame cannot be encoded raw. */
TY_TEST(store_frames_made_ahead_same_bytes) {
    ty_model m;
    char p1[512], p2[512], p3[512], err[ST_ERRLEN] = "";
    CHECK(st_make_abs(&m, 300) == 0);
    ty_buf kw = {0};
    for (int i = 0; i < 2000; i++) {
        char s[48];
        int k = snprintf(s, sizeof s, "keyword text %d %d|", i, i * 7919 % 1000);
        CHECK(ty_buf_append(&kw, s, (size_t)k) == 0);
    }
    m.kw_blob = kw.p;
    m.kw_len = kw.len;
    st_path(p1, sizeof p1, "ahead1.idx");
    CHECK(ty_store_write(&m, p1, err, sizeof err) == 0);
    m.write_threads = 2;
    st_path(p2, sizeof p2, "ahead2.idx");
    CHECK(ty_store_write(&m, p2, err, sizeof err) == 0);
    ty_buf f = {0};
    CHECK(ty_store_frame(m.kw_blob, m.kw_len, &f, err, sizeof err) == 0);
    CHECK(f.len > 0 && f.len < m.kw_len);
    free(m.kw_blob);
    m.kw_blob = NULL;
    m.kw_frame = (unsigned char *)f.p;
    m.kw_frame_len = f.len;
    st_path(p3, sizeof p3, "ahead3.idx");
    CHECK(ty_store_write(&m, p3, err, sizeof err) == 0);
    size_t n1 = 0, n2 = 0, n3 = 0;
    unsigned char *x = st_slurp(p1, &n1), *y = st_slurp(p2, &n2), *z = st_slurp(p3, &n3);
    CHECK(x && y && z);
    CHECKF(n1 == n2 && n1 == n3 && !memcmp(x, y, n1) && !memcmp(x, z, n1),
           "%zu %zu %zu bytes", n1, n2, n3);
    free(x);
    free(y);
    free(z);
    ty_model b;
    CHECK(ty_store_read(p3, &b, err, sizeof err) == 0);
    CHECK(b.kw_sec != NULL);
    ty_model_free(&b);
    char p4[512];
    st_path(p4, sizeof p4, "ahead4.idx");
    CHECK(ty_store_write_shards(&m, p4, 2, NULL, err, sizeof err) != 0);
    CHECKF(strstr(err, "held only compressed") != NULL, "%s", err);
    CHECK(ty_store_frame(NULL, 5, &f, err, sizeof err) == TENYO_ERR_ARG);
    ty_model_free(&m);
}

/* Write st_make_abs's model as a sharded index at path: nshards shards
 * starting at first[] (NULL: even). */
static int st_write_sharded(const char *path, uint64_t nd, uint32_t nshards,
                            const uint64_t *first, char *err, size_t errlen) {
    ty_model m;
    if (st_make_abs(&m, nd)) return -1;
    int rc = ty_store_write_shards(&m, path, nshards, first, err, errlen);
    ty_model_free(&m);
    return rc;
}

/* 0 when a and b (both loaded) hold the same bytes everywhere a query
 * reads, abstracts included. */
static const char *st_same_loaded(const ty_model *a, const ty_model *b) {
    const char *d = st_diff(a, b);
    if (*d) return d;
    uint64_t nd = a->ndocs, k = a->dim, nt = a->nterms;
    if (memcmp(a->doc_q, b->doc_q, nd * k) || memcmp(a->doc_qscale, b->doc_qscale, nd * 4))
        return "doc_q";
    if (memcmp(a->basis_q, b->basis_q, nt * k)) return "basis_q";
    if (a->tf_leb_len != b->tf_leb_len ||
        (a->tf_leb_len && memcmp(a->tf_leb, b->tf_leb, a->tf_leb_len)))
        return "tf_leb";
    ty_buf x = {0}, y = {0};
    char e[ST_ERRLEN];
    for (uint64_t i = 0; i < nd; i++) {
        if (ty_abs_get(a->abs, i, &x, e, sizeof e) || ty_abs_get(b->abs, i, &y, e, sizeof e) ||
            x.len != y.len || memcmp(x.p, y.p, x.len)) {
            ty_buf_free(&x);
            ty_buf_free(&y);
            return "abstracts";
        }
    }
    ty_buf_free(&x);
    ty_buf_free(&y);
    return "";
}

TY_TEST(store_shards_identical_to_one_file) {
    char one[512], sh[512], err[ST_ERRLEN] = "";
    ty_model a, b;
    st_path(one, sizeof one, "shone.idx");
    ty_model m;
    CHECK(st_make_abs(&m, 30) == 0);
    CHECKF(ty_store_write(&m, one, err, sizeof err) == 0, "%s", err);
    ty_model_free(&m);
    CHECKF(ty_store_read(one, &a, err, sizeof err) == 0, "%s", err);
    st_path(sh, sizeof sh, "sh.idx");
    static const uint64_t uneven[4] = {0, 3, 3, 29}; /* a shard of no documents */
    static const uint64_t empty_first[2] = {0, 0};
    struct { uint32_t n; const uint64_t *first; } cases[] = {
        {1, NULL}, {2, NULL}, {3, NULL}, {4, NULL}, {4, uneven}, {2, empty_first}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int rc = st_write_sharded(sh, 30, cases[c].n, cases[c].first, err, sizeof err);
        CHECKF(rc == 0, "case %zu: write: %d %s", c, rc, err);
        CHECK(ty_shards_sniff(sh) == 1);
        rc = ty_store_read_lazy(sh, &b, err, sizeof err);
        CHECKF(rc == 0, "case %zu: read: %d %s", c, rc, err);
        CHECK_EQ_INT(b.nshards, cases[c].n);
        uint64_t docs = 0;
        for (uint32_t i = 0; i < b.nshards; i++) docs += b.shard_docs[i];
        CHECK_EQ_INT(docs, 30);
        if (cases[c].first == uneven) CHECK_EQ_INT(b.shard_docs[1], 0);
        const char *d = st_same_loaded(&a, &b);
        CHECKF(!*d, "case %zu: %s differs from the single file's", c, d);
        /* the single file's sections but the first applicants' numbers
         * (store/docapp.c) and the vocabulary's and the ids' lookup
         * tables (store/vocabmap.c, idmap.c): a sharded index is written
         * without them */
        CHECK_EQ_INT(b.nsections + 3, a.nsections);
        for (int i = 0, j = 0; i < b.nsections; i++, j++) {
            while (!strcmp(a.sections[j].name, "docapp") || !strcmp(a.sections[j].name, "vocab.map") ||
                   !strcmp(a.sections[j].name, "ids.map"))
                j++;
            CHECK_STR(b.sections[i].name, a.sections[j].name);
            /* the abstracts packed per shard; docmeta's layout 2 is a
             * single file's (a shard's is layout 1, cut from the whole) */
            if (strcmp(a.sections[j].name, "abstracts") && strcmp(a.sections[j].name, "docmeta"))
                CHECK_EQ_INT(b.sections[i].raw, a.sections[j].raw);
        }
        ty_model_free(&b);
    }
    /* only the last generation's files are left beside it */
    DIR *dir = opendir(ty_test_tmpdir());
    struct dirent *e;
    int files = 0;
    while (dir && (e = readdir(dir)))
        files += !strncmp(e->d_name, "sh.idx.", 7) && strstr(e->d_name, ".upd") == NULL;
    if (dir) closedir(dir);
    CHECK_EQ_INT(files, 3); /* shared + 2 shards */
    ty_model_free(&a);
}

/* The sharded write with the rows and vectors elsewhere, as tenyo-mpi
 * --shards runs it: the shared part and the other per-document sections
 * from a model whose rows are not read (ty_shards_begin_meta, the
 * non-zeros given), each shard's rows, counts, vectors and float16
 * vectors encoded by two "processes" holding rows [0, 7) and [7, 20)
 * (ty_shards_rows_piece; shard 1 straddles them) and joined by its writer
 * (ty_shards_write_pieces): every file the bytes of the sharded write of
 * the whole model; rows pieces that do not cover
 * the shard's documents are refused. Then the same with the documents'
 * text elsewhere too (ty_shards_begin_meta's docs_elsewhere: the model
 * has no docmeta nor abstracts, each shard's writer gives its documents'
 * strings to ty_shards_write_parts): the same bytes again; a piece
 * without its docmeta, or with one document's strings short, is
 * refused. */
TY_TEST(store_shards_rows_elsewhere) {
    char ref[512], out[512], err[ST_ERRLEN] = "";
    st_path(ref, sizeof ref, "shr.idx");
    ty_model m;
    CHECK(st_make_abs(&m, 20) == 0);
    uint64_t nd = m.ndocs, k = m.dim, nnz = m.tfidf.rowptr[nd];
    m.tf = ty_mallocarray(nnz + 1, sizeof *m.tf);
    m.doc_h = ty_mallocarray(nd * k + 1, sizeof *m.doc_h);
    CHECK(m.tf && m.doc_h);
    for (uint64_t j = 0; j < nnz; j++) m.tf[j] = 1 + (uint32_t)(j * 37 % 200);
    for (uint64_t j = 0; j < nd * k; j++) m.doc_h[j] = (uint16_t)(j * 7919);
    CHECKF(ty_store_write_shards(&m, ref, 4, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(m.abs_text != NULL);
    for (int ew = 0; ew < 2 && !ts_->failed; ew++) {
        st_path(out, sizeof out, ew ? "shd.idx" : "shm.idx");
        /* the metadata's model: rows and vectors gone (not read); with ew
         * its documents' text too */
        ty_model meta = m;
        meta.tfidf.nrows = 0;
        meta.docvec = NULL;
        meta.doc_h = NULL;
        if (ew) {
            meta.meta_off = NULL;
            meta.meta_blob = NULL;
            meta.meta_blob_len = 0;
            meta.abs_text = NULL;
            meta.abs_text_len = 0;
        }
        ty_shards_out *o = NULL;
        CHECKF(ty_shards_begin_meta(&meta, out, 4, nnz, ew, ew, &o, err, sizeof err) == 0, "%s",
               err);
        const uint64_t blk[] = {0, 7, 20}; /* the two processes' blocks */
        for (uint32_t i = 0; i < 4 && !ts_->failed; i++) {
            uint64_t f0 = ty_shards_first(nd, 4, i), f1 = ty_shards_first(nd, 4, i + 1);
            CHECK_EQ_INT((int)f0, (int)(5 * i));
            void *rp[2] = {NULL, NULL};
            size_t rl[2] = {0, 0};
            int np = 0;
            for (int r = 0; r < 2; r++) {
                uint64_t lo = f0 > blk[r] ? f0 : blk[r], hi = f1 < blk[r + 1] ? f1 : blk[r + 1];
                if (lo >= hi) continue;
                uint64_t base = m.tfidf.rowptr[lo], rows[32];
                for (uint64_t j = 0; j <= hi - lo; j++) rows[j] = m.tfidf.rowptr[lo + j] - base;
                ty_csr sub = {.nrows = hi - lo, .ncols = m.tfidf.ncols, .rowptr = rows,
                              .col = m.tfidf.col + base, .val = m.tfidf.val + base};
                CHECKF(ty_shards_rows_piece(&sub, m.tf + base, m.docvec + lo * k, m.doc_h + lo * k,
                                            (uint32_t)k, &rp[np], &rl[np], err, sizeof err) == 0,
                       "%s", err);
                np++;
            }
            void *p = NULL;
            size_t len = 0;
            ty_shard_report rep;
            CHECKF(ty_shards_piece(o, i, &p, &len, err, sizeof err) == 0, "%s", err);
            /* with ew, the writer's docmeta and abstracts of documents f0..f1,
             * cut from the whole model's */
            const char *dm = NULL, *ab = NULL;
            size_t dl = 0, al = 0;
            if (ew) {
                uint64_t a = m.meta_off[f0 * TY_META_NSTR];
                uint64_t z = f1 < nd ? m.meta_off[f1 * TY_META_NSTR] : m.meta_blob_len;
                dm = m.meta_blob + a;
                dl = (size_t)(z - a);
                const char *q = m.abs_text;
                for (uint64_t d = 0; d < f0; d++) q += strlen(q) + 1;
                ab = q;
                for (uint64_t d = f0; d < f1; d++) q += strlen(q) + 1;
                al = (size_t)(q - ab);
                CHECK(ty_shards_write_pieces(p, len, (const void *const *)rp, rl, np, &rep, err,
                                             sizeof err) == TENYO_ERR_CORRUPT); /* no docmeta */
                if (dl > 1)
                    CHECK(ty_shards_write_parts(p, len, (const void *const *)rp, rl, np, dm,
                                                dl - 1, ab, al, &rep, err,
                                                sizeof err) == TENYO_ERR_CORRUPT);
            }
            if (np == 2) /* one process's rows only: not the shard's documents */
                CHECK(ty_shards_write_parts(p, len, (const void *const *)rp, rl, 1, dm, dl, ab, al,
                                            &rep, err, sizeof err) == TENYO_ERR_CORRUPT);
            CHECKF(ty_shards_write_parts(p, len, (const void *const *)rp, rl, np, dm, dl, ab, al,
                                         &rep, err, sizeof err) == 0,
                   "%s", err);
            CHECKF(ty_shards_done(o, &rep, err, sizeof err) == 0, "%s", err);
            free(p);
            free(rp[0]);
            free(rp[1]);
        }
        CHECKF(ty_shards_commit(o, err, sizeof err) == 0, "%s", err);
        ty_shards_out_free(o);
        /* every file the same bytes (the names aside) */
        const char *parts[] = {"shared", "s000", "s001", "s002", "s003"};
        for (size_t q = 0; q < sizeof parts / sizeof parts[0]; q++) {
            char a[600], b[600];
            snprintf(a, sizeof a, "%s.1.%s", ref, parts[q]);
            snprintf(b, sizeof b, "%s.1.%s", out, parts[q]);
            size_t la = 0, lb = 0;
            unsigned char *x = st_slurp(a, &la), *y = st_slurp(b, &lb);
            CHECKF(x && y && la == lb && memcmp(x, y, la) == 0, "%s differs (text elsewhere: %d)",
                   parts[q], ew);
            free(x);
            free(y);
        }
    }
    ty_model_free(&m);
}

/* The sharded write in steps, as tenyo-mpi runs it with the shards written
 * by other processes: a malformed piece is refused; a report that is not
 * the file (size, header checksum), of a shard not asked for, or twice, is
 * refused; the manifest is not replaced while a shard is unreported (the
 * previous one stays, byte for byte); with every report in, the index
 * loads as the single file. */
TY_TEST(store_shards_steps_checked) {
    char one[512], sh[512], err[ST_ERRLEN] = "";
    st_path(sh, sizeof sh, "shs.idx");
    st_path(one, sizeof one, "shs1.idx");
    CHECKF(st_write_sharded(sh, 20, 2, NULL, err, sizeof err) == 0, "%s", err);
    size_t mlen;
    unsigned char *prev = st_slurp(sh, &mlen);
    CHECK(prev != NULL);
    ty_model m, a, b;
    CHECK(st_make_abs(&m, 20) == 0);
    CHECKF(ty_store_write(&m, one, err, sizeof err) == 0, "%s", err);
    ty_shards_out *o = NULL;
    CHECKF(ty_shards_begin(&m, sh, 3, NULL, &o, err, sizeof err) == 0, "%s", err);
    ty_shard_report rep[3];
    for (uint32_t i = 0; i < 3; i++) {
        void *p = NULL;
        size_t len = 0;
        CHECKF(ty_shards_piece(o, i, &p, &len, err, sizeof err) == 0, "%s", err);
        if (i == 1) { /* cut short, or not a piece: refused, nothing written */
            CHECK(ty_shards_write_piece(p, len - 1, &rep[i], err, sizeof err) ==
                  TENYO_ERR_CORRUPT);
            ((unsigned char *)p)[0] ^= 1;
            CHECK(ty_shards_write_piece(p, len, &rep[i], err, sizeof err) ==
                  TENYO_ERR_CORRUPT);
            ((unsigned char *)p)[0] ^= 1;
        }
        CHECKF(ty_shards_write_piece(p, len, &rep[i], err, sizeof err) == 0, "%s", err);
        free(p);
        CHECK_EQ_INT(rep[i].shard, i);
    }
    CHECKF(ty_shards_done(o, &rep[0], err, sizeof err) == 0, "%s", err);
    CHECK(ty_shards_done(o, &rep[0], err, sizeof err) == TENYO_ERR_CORRUPT); /* twice */
    ty_shard_report r = rep[1];
    r.hsum ^= 1;
    CHECK(ty_shards_done(o, &r, err, sizeof err) == TENYO_ERR_IO);
    CHECKF(strstr(err, "its writer reported") != NULL, "%s", err);
    r = rep[1];
    r.bytes++;
    CHECK(ty_shards_done(o, &r, err, sizeof err) == TENYO_ERR_IO);
    r = rep[1];
    r.shard = 7;
    CHECK(ty_shards_done(o, &r, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(ty_shards_done(o, &rep[2], err, sizeof err) == 0, "%s", err);
    CHECK(ty_shards_commit(o, err, sizeof err) == TENYO_ERR_ARG); /* shard 1 unreported */
    CHECKF(strstr(err, "shard 1 was not written") != NULL, "%s", err);
    size_t nlen;
    unsigned char *now = st_slurp(sh, &nlen);
    CHECK(now != NULL && nlen == mlen && memcmp(now, prev, mlen) == 0);
    free(now);
    free(prev);
    CHECKF(ty_shards_done(o, &rep[1], err, sizeof err) == 0, "%s", err);
    CHECKF(ty_shards_commit(o, err, sizeof err) == 0, "%s", err);
    ty_shards_out_free(o);
    ty_model_free(&m);
    CHECKF(ty_store_read(one, &a, err, sizeof err) == 0, "%s", err);
    CHECKF(ty_store_read_lazy(sh, &b, err, sizeof err) == 0, "%s", err);
    CHECK_EQ_INT(b.nshards, 3);
    const char *d = st_same_loaded(&a, &b);
    CHECKF(!*d, "%s differs from the single file's", d);
    ty_model_free(&a);
    ty_model_free(&b);
}

/* Copy file a over b. */
static int st_copy(const char *a, const char *b) {
    size_t n;
    unsigned char *p = st_slurp(a, &n);
    int rc = p ? st_spit(b, p, n) : -1;
    free(p);
    return rc;
}

TY_TEST(store_shards_damage_named) {
    char sh[512], f1[600], save[512], old[512], err[ST_ERRLEN] = "";
    ty_model b;
    st_path(sh, sizeof sh, "shd.idx");
    static const uint64_t other[3] = {0, 5, 9};
    CHECKF(st_write_sharded(sh, 20, 3, other, err, sizeof err) == 0, "%s", err);
    st_path(old, sizeof old, "shd-old.s001");
    snprintf(f1, sizeof f1, "%s.1.s001", sh);
    CHECK(st_copy(f1, old) == 0); /* generation 1's shard 1, for later */
    CHECKF(st_write_sharded(sh, 20, 3, NULL, err, sizeof err) == 0, "%s", err);
    snprintf(f1, sizeof f1, "%s.2.s001", sh);
    st_path(save, sizeof save, "shd-save");
    CHECK(st_copy(f1, save) == 0);
    size_t n;
    unsigned char *img = st_slurp(f1, &n);
    CHECK(img != NULL);
    /* truncated */
    CHECK(st_spit(f1, img, n - 10) == 0);
    int rc = ty_store_read_lazy(sh, &b, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, f1) && strstr(err, "truncated"), "%s", err);
    /* a byte of the first frame (section "shard") flipped */
    img[32 + 48 * st_le(img + 16, 4) + 8 + 20] ^= 0x40;
    CHECK(st_spit(f1, img, n) == 0);
    rc = ty_store_read_lazy(sh, &b, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, f1) != NULL, "%s", err);
    free(img);
    /* the shard of another generation in its place */
    CHECK(st_copy(old, f1) == 0);
    rc = ty_store_read_lazy(sh, &b, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, f1) != NULL, "%s", err);
    /* missing */
    CHECK(unlink(f1) == 0);
    rc = ty_store_read_lazy(sh, &b, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, f1) && strstr(err, "missing"), "%s", err);
    CHECK(st_copy(save, f1) == 0);
    CHECKF(ty_store_read_lazy(sh, &b, err, sizeof err) == 0, "%s", err);
    ty_model_free(&b);
    /* the manifest damaged */
    img = st_slurp(sh, &n);
    CHECK(img != NULL);
    img[30] ^= 1;
    CHECK(st_spit(sh, img, n) == 0);
    free(img);
    rc = ty_store_read_lazy(sh, &b, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
    CHECKF(strstr(err, sh) != NULL, "%s", err);
    /* updates refuse a sharded index */
    CHECK_EQ_INT(ty_shards_refuse(sh, err, sizeof err), TENYO_ERR_ARG);
    CHECKF(strstr(err, "sharded index: rebuild it as one file"), "%s", err);
    CHECK_EQ_INT(ty_shards_refuse(save, err, sizeof err), 0);
}

TY_TEST(store_shards_collect) {
    char sh[512], junk[600], err[ST_ERRLEN] = "";
    st_path(sh, sizeof sh, "shc.idx");
    CHECKF(st_write_sharded(sh, 12, 2, NULL, err, sizeof err) == 0, "%s", err);
    /* what a writer killed before its manifest leaves */
    snprintf(junk, sizeof junk, "%s.7.s003", sh);
    CHECK(st_spit(junk, "x", 1) == 0);
    CHECK_EQ_INT(ty_shards_collect(sh), 1);
    CHECK(access(junk, F_OK) != 0);
    /* a single file written over it: every shard file goes */
    ty_model m;
    CHECK(st_make(&m, 12, 57, 6, 4, 7) == 0);
    CHECKF(ty_store_write(&m, sh, err, sizeof err) == 0, "%s", err);
    ty_model_free(&m);
    CHECK_EQ_INT(ty_shards_collect(sh), 3);
}

/* The sparse rows a block at a time (store/rows.c): a lazy read decodes
 * the blocks of the documents asked (ty_model_need_rows) into the same
 * columns and weights as an eager read, leaves the other blocks
 * undecoded, then decodes the rest on the first whole use, the counts'
 * bytes handed on as the whole decode does; four threads asking for rows
 * at once read the same; a bad value inside one block refuses that
 * block's readers with the whole read's message and not the others. */
static int st_rows_same(const ty_model *a, const ty_model *b, uint64_t d) {
    uint64_t s = a->tfidf.rowptr[d], e = a->tfidf.rowptr[d + 1];
    if (s != b->tfidf.rowptr[d] || e != b->tfidf.rowptr[d + 1]) return 0;
    return e == s || (!memcmp(a->tfidf.col + s, b->tfidf.col + s, (e - s) * 4) &&
                      !memcmp(a->tfidf.val + s, b->tfidf.val + s, (e - s) * 4));
}

typedef struct {
    ty_model *m;
    uint64_t seed;
    int rc;
} st_rows_job;

static void *st_rows_thread(void *arg) {
    st_rows_job *j = arg;
    uint64_t x = j->seed;
    for (int i = 0; i < 200 && !j->rc; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t d = (x >> 33) % j->m->ndocs;
        j->rc = ty_model_need_rows(j->m, &d, 1, sizeof d, NULL, 0);
    }
    return NULL;
}

/* framed 0: the streams written as one frame each (TENYO_ROWS_FRAMES=0,
 * an index written before the rows in frames), else in frames */
static void rows_by_block(ty_test_state *ts_, int framed) {
    ty_model a, e, z;
    char path[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(path, sizeof path, framed ? "rows.idx" : "rows1.idx");
    st_path(bad, sizeof bad, framed ? "rows_bad.idx" : "rows1_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 5) == 0);
    uint64_t nnz = a.tfidf.rowptr[300];
    a.tf = ty_mallocarray(nnz + 1, sizeof *a.tf);
    CHECK(a.tf != NULL);
    for (uint64_t j = 0; j < nnz; j++) a.tf[j] = 1 + (uint32_t)(j % 5);
    if (!framed) setenv("TENYO_ROWS_FRAMES", "0", 1);
    int wrc = ty_store_write(&a, path, err, sizeof err);
    unsetenv("TENYO_ROWS_FRAMES");
    CHECKF(wrc == 0, "%s", err);
    ty_model_free(&a);
    CHECKF(ty_store_read(path, &e, err, sizeof err) == 0, "%s", err);
    CHECKF(ty_store_read_lazy(path, &z, err, sizeof err) == 0, "%s", err);
    uint64_t docs[4] = {0, 17, 299, 150};
    CHECKF(ty_model_need_rows(&z, docs, 4, sizeof *docs, err, sizeof err) == 0, "%s", err);
    CHECK(!ty_model_rows_decoded(&z));
    for (int i = 0; i < 4; i++) CHECKF(st_rows_same(&e, &z, docs[i]), "doc %d", (int)docs[i]);
    int undecoded = 0; /* blocks of 16 rows, or frames of 64: rows 64-127 not asked for */
    for (uint64_t d = 64; d < 128; d++)
        undecoded += z.tfidf.rowptr[d + 1] > z.tfidf.rowptr[d] && !st_rows_same(&e, &z, d);
    CHECK(undecoded > 0);
    CHECKF(ty_model_need_sparse(&z, err, sizeof err) == 0, "%s", err);
    CHECK(ty_model_rows_decoded(&z));
    for (uint64_t d = 0; d < 300; d++) CHECKF(st_rows_same(&e, &z, d), "doc %d", (int)d);
    CHECK(z.tf_leb_len == e.tf_leb_len && z.tf_leb && e.tf_leb &&
          !memcmp(z.tf_leb, e.tf_leb, (size_t)e.tf_leb_len));
    ty_model_free(&z);
    /* four threads at once */
    CHECKF(ty_store_read_lazy(path, &z, err, sizeof err) == 0, "%s", err);
    pthread_t th[4];
    st_rows_job jb[4];
    for (int t = 0; t < 4; t++) {
        jb[t] = (st_rows_job){&z, 11 + (uint64_t)t, 0};
        CHECK(pthread_create(&th[t], NULL, st_rows_thread, &jb[t]) == 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        CHECK_EQ_INT(jb[t].rc, 0);
    }
    CHECK(ty_model_need_sparse(&z, err, sizeof err) == 0);
    for (uint64_t d = 0; d < 300; d++) CHECKF(st_rows_same(&e, &z, d), "doc %d", (int)d);
    ty_model_free(&z);
    /* four threads asking for rows while the whole decode runs beside them
     * (a frame some of whose rows are taken is decoded around them) */
    for (int round = 0; round < 3; round++) {
        CHECKF(ty_store_read_lazy(path, &z, err, sizeof err) == 0, "%s", err);
        for (int t = 0; t < 4; t++) {
            jb[t] = (st_rows_job){&z, 101 + (uint64_t)(t + 4 * round), 0};
            CHECK(pthread_create(&th[t], NULL, st_rows_thread, &jb[t]) == 0);
        }
        CHECKF(ty_model_need_sparse(&z, err, sizeof err) == 0, "%s", err);
        for (int t = 0; t < 4; t++) {
            pthread_join(th[t], NULL);
            CHECK_EQ_INT(jb[t].rc, 0);
        }
        for (uint64_t d = 0; d < 300; d++) CHECKF(st_rows_same(&e, &z, d), "doc %d", (int)d);
        CHECK(z.tf_leb_len == e.tf_leb_len && !memcmp(z.tf_leb, e.tf_leb, (size_t)e.tf_leb_len));
        ty_model_free(&z);
    }
    /* one bad column in row r's block: the columns' stream rewritten
     * with r's first column (a one-byte number, nterms 50) made 127 */
    uint64_t r = 0;
    for (uint64_t d = 100; d < 300 && !r; d++)
        if (e.tfidf.rowptr[d + 1] > e.tfidf.rowptr[d]) r = d;
    CHECK(r > 0);
    unsigned char *cs = ty_malloc(nnz * 5 + 1);
    CHECK(cs != NULL);
    size_t n = 0;
    for (uint64_t d = 0; d < 300; d++)
        for (uint64_t j = e.tfidf.rowptr[d]; j < e.tfidf.rowptr[d + 1]; j++) {
            uint32_t v = j == e.tfidf.rowptr[d] ? e.tfidf.col[j]
                                                : e.tfidf.col[j] - e.tfidf.col[j - 1];
            if (d == r && j == e.tfidf.rowptr[d]) v = 127;
            CHECK(v < 128);
            cs[n++] = (unsigned char)v;
        }
    ty_secput put = {"tfidf.cols", cs, n, NULL, 0};
    CHECK_EQ_INT(ty_test_copy(path, bad), 0);
    CHECKF(ty_store_rewrite(bad, NULL, 0, &put, 1, NULL, err, sizeof err) == 0, "%s", err);
    free(cs);
    CHECK(ty_store_read(bad, &a, err1, sizeof err1) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err1, "'tfidf.cols': row ") != NULL, "%s", err1);
    CHECKF(ty_store_read_lazy(bad, &z, err, sizeof err) == 0, "%s", err);
    uint64_t fine = 0;
    CHECKF(ty_model_need_rows(&z, &fine, 1, sizeof fine, err, sizeof err) == 0, "%s", err);
    CHECK(st_rows_same(&e, &z, 0));
    CHECK(ty_model_need_rows(&z, &r, 1, sizeof r, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, err1) == 0, "%s | %s", err, err1);
    if (framed) { /* rows are read alone from their frame: r's neighbours read */
        uint64_t nb = 0;
        for (uint64_t d = r / 64 * 64; d < r / 64 * 64 + 64 && d < 300 && !nb; d++)
            if (d != r && e.tfidf.rowptr[d + 1] > e.tfidf.rowptr[d]) nb = d;
        CHECK(nb > 0);
        CHECKF(ty_model_need_rows(&z, &nb, 1, sizeof nb, err, sizeof err) == 0, "%s", err);
        CHECK(st_rows_same(&e, &z, nb));
    }
    CHECK(ty_model_need_sparse(&z, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, err1) == 0, "%s | %s", err, err1);
    ty_model_free(&z);
    ty_model_free(&e);
}

TY_TEST(store_rows_by_block) { rows_by_block(ts_, 1); }

TY_TEST(store_rows_by_block_one_frame) { rows_by_block(ts_, 0); }

/* The rows in frames (store/format.h): the same raw streams as one frame
 * each, the sections read whole by zstd itself (the frames in turn, the
 * seek table skipped); a byte flipped in one frame of tfidf.cols refuses
 * that frame's documents (lazy: the others read) and every whole read,
 * with one message naming the section and the frame. */
static int rows_sec(const char *path, const char *name, uint64_t *off, uint64_t *stored,
                    uint64_t *raw) {
    unsigned char h[32 + 48 * 64] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    const unsigned char *e = n > 32 ? st_entry(h, name) : NULL;
    if (!e) return -1;
    *off = st_le(e + 16, 8);
    *stored = st_le(e + 24, 8);
    *raw = st_le(e + 32, 8);
    return 0;
}

TY_TEST(store_rows_in_frames) {
    ty_model a, e, z;
    char one[512], fr[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(one, sizeof one, "rf_one.idx");
    st_path(fr, sizeof fr, "rf.idx");
    st_path(bad, sizeof bad, "rf_bad.idx");
    CHECK(st_make(&a, 1000, 80, 6, 2, 9) == 0);
    CHECK(st_set_tf(&a, 1, 7) == 0);
    setenv("TENYO_ROWS_FRAMES", "0", 1);
    int wrc = ty_store_write(&a, one, err, sizeof err);
    unsetenv("TENYO_ROWS_FRAMES");
    CHECKF(wrc == 0, "%s", err);
    CHECKF(ty_store_write(&a, fr, err, sizeof err) == 0, "%s", err);
    ty_model_free(&a);
    const char *names[2] = {"tfidf.cols", "tfidf.tf"};
    for (int s = 0; s < 2; s++) {
        uint64_t o1, s1, r1, o2, s2, r2;
        CHECK(rows_sec(one, names[s], &o1, &s1, &r1) == 0);
        CHECK(rows_sec(fr, names[s], &o2, &s2, &r2) == 0);
        CHECK(r1 == r2 && s2 > s1);
        unsigned char *b1 = malloc(s1), *b2 = malloc(s2), *d1 = malloc(r1 + 1),
                      *d2 = malloc(r2 + 1);
        CHECK(b1 && b2 && d1 && d2);
        FILE *f = fopen(one, "rb");
        CHECK(f && fseek(f, (long)o1, SEEK_SET) == 0 && fread(b1, 1, s1, f) == s1);
        fclose(f);
        f = fopen(fr, "rb");
        CHECK(f && fseek(f, (long)o2, SEEK_SET) == 0 && fread(b2, 1, s2, f) == s2);
        fclose(f);
        /* zstd itself: one frame, and the frames in turn with the table skipped */
        CHECK(ZSTD_decompress(d1, r1 + 1, b1, s1) == r1);
        CHECK(ZSTD_decompress(d2, r2 + 1, b2, s2) == r2);
        CHECK(!memcmp(d1, d2, r1));
        free(b1);
        free(b2);
        free(d1);
        free(d2);
    }
    /* both layouts read to the same rows, eagerly and a block at a time */
    CHECKF(ty_store_read(one, &e, err, sizeof err) == 0, "%s", err);
    CHECKF(ty_store_read_lazy(fr, &z, err, sizeof err) == 0, "%s", err);
    uint64_t ask[3] = {999, 0, 640};
    CHECKF(ty_model_need_rows(&z, ask, 3, sizeof *ask, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < 3; i++) CHECK(st_rows_same(&e, &z, ask[i]));
    CHECKF(ty_model_need_sparse(&z, err, sizeof err) == 0, "%s", err);
    for (uint64_t d = 0; d < 1000; d++) CHECKF(st_rows_same(&e, &z, d), "doc %d", (int)d);
    CHECK(z.tf_leb_len == e.tf_leb_len && !memcmp(z.tf_leb, e.tf_leb, (size_t)e.tf_leb_len));
    ty_model_free(&z);
    /* a rewrite (check --repair, the lists set anew) copies the frames as
     * they are, each checked on the way: the same bytes */
    char cp[512];
    st_path(cp, sizeof cp, "rf_copy.idx");
    CHECK_EQ_INT(ty_test_copy(fr, cp), 0);
    CHECKF(ty_store_rewrite(cp, NULL, 0, NULL, 0, NULL, err, sizeof err) == 0, "%s", err);
    {
        FILE *f1 = fopen(fr, "rb"), *f2 = fopen(cp, "rb");
        CHECK(f1 && f2);
        int c1, c2, same = 1;
        do {
            c1 = fgetc(f1);
            c2 = fgetc(f2);
            same &= c1 == c2;
        } while (c1 != EOF && c2 != EOF);
        fclose(f1);
        fclose(f2);
        CHECK(same);
    }
    /* a byte flipped inside frame 2 of tfidf.cols (documents 128-191) */
    uint64_t o, st, r;
    CHECK(rows_sec(fr, "tfidf.cols", &o, &st, &r) == 0);
    unsigned char t[STORE_SEEK_FOOT + 8 + 16 * STORE_SEEK_ENTRY];
    FILE *f = fopen(fr, "rb");
    uint64_t nf = 16; /* 1000 documents: 16 frames */
    uint64_t tab = o + st - (8 + nf * STORE_SEEK_ENTRY + STORE_SEEK_FOOT);
    CHECK(f && fseek(f, (long)tab, SEEK_SET) == 0 &&
          fread(t, 1, 8 + nf * STORE_SEEK_ENTRY + STORE_SEEK_FOOT, f) ==
              8 + nf * STORE_SEEK_ENTRY + STORE_SEEK_FOOT);
    fclose(f);
    CHECK(get_le32(t + 8 + nf * STORE_SEEK_ENTRY) == nf);
    uint64_t at = get_le32(t + 8) + get_le32(t + 16) + get_le32(t + 24) / 2;
    CHECK(ty_test_damage_at(fr, bad, "tfidf.cols", NULL, (int64_t)at, 0x5a) == 0);
    CHECK(ty_store_read(bad, &a, err1, sizeof err1) == TENYO_ERR_CORRUPT);
    CHECKF(strstr(err1, "'tfidf.cols' is damaged: frame 2 of 16") != NULL, "%s", err1);
    CHECKF(ty_store_read_lazy(bad, &z, err, sizeof err) == 0, "%s", err);
    uint64_t fine[2] = {0, 999}, hurt = 150;
    CHECKF(ty_model_need_rows(&z, fine, 2, sizeof *fine, err, sizeof err) == 0, "%s", err);
    CHECK(st_rows_same(&e, &z, 0) && st_rows_same(&e, &z, 999));
    for (int i = 0; i < 2; i++) {
        CHECK(ty_model_need_rows(&z, &hurt, 1, sizeof hurt, err, sizeof err) == TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err1) == 0, "%s | %s", err, err1);
    }
    CHECK(ty_model_need_sparse(&z, err, sizeof err) == TENYO_ERR_CORRUPT);
    CHECKF(strcmp(err, err1) == 0, "%s | %s", err, err1);
    ty_model_free(&z);
    ty_model_free(&e);
}

/* ty_store_read_lazy_terms leaves the term tables, the rows' lengths and
 * the documents' field lists located but unread (sizes checked);
 * ty_model_need_terms and ty_model_need_docfields read them into exactly
 * the arrays an eager read has, once; the rows then decode as ever. A
 * damaged one opens, and is refused by its need (the terms' also by the
 * rows' need after it), every time, with the eager read's message. */
TY_TEST(store_terms_on_need) {
    ty_model a, b, c;
    char path[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(path, sizeof path, "tn.idx");
    st_path(bad, sizeof bad, "tn_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    CHECK(st_set_tf(&a, 1, 5) == 0); /* term counts: the rows left for their use */
    setenv("TENYO_VOCAB_MAP", "0", 1); /* the terms decoded from "vocab" */
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    unsetenv("TENYO_VOCAB_MAP");
    ty_model_free(&a);
    CHECKF(ty_store_read(path, &b, err, sizeof err) == TENYO_OK, "%s", err);
    CHECKF(ty_store_read_lazy_terms(path, 0, 0, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(c.terms_deferred && !c.df && !c.idf && !c.sigma && !c.term_blob && !c.tfidf.rowptr);
    CHECK(c.deferred_nnz == b.tfidf.rowptr[b.ndocs]);
    CHECK(c.fields_deferred && !c.field_ptr && !c.field_ids);
    for (int i = 0; i < 2; i++) CHECK_EQ_INT(ty_model_need_docfields(&c, err, sizeof err), TENYO_OK);
    CHECK(!memcmp(c.field_ptr, b.field_ptr, (size_t)(b.ndocs + 1) * sizeof *b.field_ptr) &&
          !memcmp(c.field_ids, b.field_ids, (size_t)b.field_ptr[b.ndocs] * sizeof *b.field_ids));
    for (int i = 0; i < 2; i++) CHECK_EQ_INT(ty_model_need_terms(&c, err, sizeof err), TENYO_OK);
    CHECK(c.term_blob_len == b.term_blob_len &&
          !memcmp(c.term_blob, b.term_blob, (size_t)b.term_blob_len) &&
          !memcmp(c.term_off, b.term_off, (size_t)b.nterms * sizeof *b.term_off) &&
          !memcmp(c.df, b.df, (size_t)b.nterms * sizeof *b.df) &&
          !memcmp(c.idf, b.idf, (size_t)b.nterms * sizeof *b.idf) &&
          !memcmp(c.sigma, b.sigma, (size_t)b.dim * sizeof *b.sigma) &&
          !memcmp(c.tfidf.rowptr, b.tfidf.rowptr, (size_t)(b.ndocs + 1) * sizeof(uint64_t)));
    CHECK_EQ_INT(ty_model_need_sparse(&c, err, sizeof err), TENYO_OK);
    uint64_t nnz = b.tfidf.rowptr[b.ndocs];
    CHECK(!memcmp(c.tfidf.col, b.tfidf.col, (size_t)nnz * sizeof *b.tfidf.col) &&
          !memcmp(c.tfidf.val, b.tfidf.val, (size_t)nnz * sizeof *b.tfidf.val));
    ty_model_free(&b);
    ty_model_free(&c);
    static const char *dmg[] = {"vocab", "df", "idf", "sigma", "tfidf.rows"};
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(ty_test_damage(path, bad, dmg[i], NULL), 0);
        CHECK(ty_store_read(bad, &b, err1, sizeof err1) == TENYO_ERR_CORRUPT);
        CHECKF(ty_store_read_lazy_terms(bad, 0, 0, &c, err, sizeof err) == TENYO_OK,
               "%s: %s", dmg[i], err);
        CHECK_EQ_INT(ty_model_need_terms(&c, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err1) == 0, "%.200s | %.200s", err, err1);
        CHECK(!c.term_blob && !c.df && !c.idf && !c.sigma && !c.tfidf.rowptr);
        err[0] = 0;
        CHECK_EQ_INT(ty_model_need_sparse(&c, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err1) == 0, "%.200s | %.200s", err, err1);
        uint64_t d = 0;
        CHECK_EQ_INT(ty_model_need_rows(&c, &d, 1, sizeof d, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECK_EQ_INT(ty_model_need_docfields(&c, err, sizeof err), TENYO_OK); /* sound */
        ty_model_free(&c);
    }
    /* damaged field lists: refused by their need alone */
    CHECK_EQ_INT(ty_test_damage(path, bad, "docfields", NULL), 0);
    CHECK(ty_store_read(bad, &b, err1, sizeof err1) == TENYO_ERR_CORRUPT);
    CHECK(strstr(err1, "'docfields'") != NULL);
    CHECKF(ty_store_read_lazy_terms(bad, 0, 0, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK_EQ_INT(ty_model_need_terms(&c, err, sizeof err), TENYO_OK);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(ty_model_need_docfields(&c, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strcmp(err, err1) == 0, "%.200s | %.200s", err, err1);
    }
    CHECK(!c.field_ptr && !c.field_ids);
    ty_model_free(&c);
}

/* The section "vocab.map" (store/vocabmap.c): a lazy read takes the terms
 * from it in place and a map over its slots finds every term at its number
 * and nothing else; a whole read checks it against "vocab"; damage to its
 * head or to a term's start is refused by the lazy read naming it, damage
 * to a slot gives wrong lookups at worst (the whole read names it); a
 * writer told TENYO_VOCAB_MAP=0 writes none, and rebuild's rewrite puts
 * one in. */
TY_TEST(store_vocab_map) {
    ty_model a, b, c;
    char path[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(path, sizeof path, "vm.idx");
    st_path(bad, sizeof bad, "vm_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    ty_model_free(&a);
    CHECKF(ty_store_read(path, &b, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(!b.vmap && !b.term_blob_mapped);
    CHECKF(ty_store_read_lazy(path, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(c.vmap && c.term_blob_mapped);
    CHECK(c.term_blob_len == b.term_blob_len &&
          !memcmp(c.term_blob, b.term_blob, (size_t)b.term_blob_len) &&
          !memcmp(c.term_off, b.term_off, (size_t)b.nterms * sizeof *b.term_off));
    size_t ns = 0;
    const void *starts = NULL, *slots = ty_vmap_slots(&c, &ns, &starts);
    uint64_t blen = 0;
    const char *blob = ty_vmap_blob(&c, &blen);
    CHECK(slots && blob && ns > b.nterms && (ns & (ns - 1)) == 0 && blen == b.term_blob_len);
    ty_strmap *sm = ty_strmap_new();
    CHECK(sm);
    CHECK_EQ_INT(ty_strmap_adopt_stored(sm, slots, ns, starts, blob, blen, (uint32_t)c.nterms), 0);
    CHECK_EQ_INT(ty_strmap_size(sm), c.nterms);
    for (uint64_t t = 0; t < b.nterms; t++) {
        const char *k = b.term_blob + b.term_off[t];
        size_t kl = 0;
        CHECK_EQ_INT(ty_strmap_get(sm, k, strlen(k)), (int64_t)t);
        CHECK_STR(ty_strmap_key(sm, (uint32_t)t, &kl), k);
        CHECK_EQ_INT(kl, strlen(k));
        if (strlen(k) > 1) CHECK_EQ_INT(ty_strmap_get(sm, k, strlen(k) - 1) == (int64_t)t, 0);
    }
    CHECK_EQ_INT(ty_strmap_get(sm, "no such term", 12), -1);
    CHECK_EQ_INT(ty_strmap_get(sm, b.term_blob, strlen(b.term_blob) + 1), -1); /* a NUL in it */
    CHECK(ty_strmap_key(sm, (uint32_t)c.nterms, NULL) == NULL);
    CHECK(ty_strmap_intern(sm, "new", 3, NULL) < 0); /* read-only */
    ty_strmap_free(sm);
    ty_model_free(&c);
    /* the frame: 8 bytes of head, then 32 of the section's, 4T of starts,
     * 4S of slots, the terms */
    int64_t head = 8, starts_at = head + 32, slots_at = starts_at + 4 * (int64_t)b.nterms;
    struct { int64_t at; unsigned char mask; int lazy_refuses; } dmg[] = {
        {head + 8, 0x01, 1},          /* T */
        {head + 16, 0x01, 1},         /* S: not a power of two */
        {head + 2, 0x20, 1},          /* magic */
        {starts_at + 4 + 3, 0x80, 1}, /* term 1 starts far out */
        {slots_at + 3, 0x80, 0},      /* a slot's number far out */
        {slots_at + 4 * 5, 0xff, 0}}; /* another slot's */
    for (size_t i = 0; i < sizeof dmg / sizeof dmg[0]; i++) {
        CHECK_EQ_INT(ty_test_damage_at(path, bad, "vocab.map", NULL, dmg[i].at, dmg[i].mask), 0);
        CHECK_EQ_INT(ty_store_read(bad, &a, err1, sizeof err1), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err1, "vocab.map") != NULL, "case %zu: %s", i, err1);
        int rc = ty_store_read_lazy(bad, &c, err, sizeof err);
        if (dmg[i].lazy_refuses) {
            CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
            CHECKF(strstr(err, "'vocab.map'") && strstr(err, bad), "case %zu: %s", i, err);
            continue;
        }
        CHECKF(rc == TENYO_OK, "case %zu: %s", i, err);
        slots = ty_vmap_slots(&c, &ns, &starts);
        blob = ty_vmap_blob(&c, &blen);
        sm = ty_strmap_new();
        CHECK(sm && !ty_strmap_adopt_stored(sm, slots, ns, starts, blob, blen,
                                           (uint32_t)c.nterms));
        uint64_t found = 0;
        for (uint64_t t = 0; t < b.nterms; t++) {
            const char *k = b.term_blob + b.term_off[t];
            int64_t id = ty_strmap_get(sm, k, strlen(k));
            CHECK(id == -1 || id == (int64_t)t);
            found += id == (int64_t)t;
        }
        CHECK(found + 1 >= b.nterms); /* at most the damaged slot's term lost */
        ty_strmap_free(sm);
        ty_model_free(&c);
    }
    /* none written when told so; put in by a rewrite as rebuild does */
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    setenv("TENYO_VOCAB_MAP", "0", 1);
    CHECK(ty_store_write(&a, bad, err, sizeof err) == 0);
    unsetenv("TENYO_VOCAB_MAP");
    CHECKF(ty_store_read_lazy(bad, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(!c.vmap && !c.term_blob_mapped);
    ty_model_free(&c);
    ty_buf vm = {0};
    CHECK_EQ_INT(ty_vmap_pack(&a, &vm, err, sizeof err), 0);
    ty_secput put = {"vocab.map", vm.p, vm.len, NULL, 0};
    CHECKF(ty_store_rewrite(bad, NULL, 0, &put, 1, NULL, err, sizeof err) == TENYO_OK, "%s", err);
    ty_buf_free(&vm);
    ty_model_free(&a);
    CHECKF(ty_store_read(bad, &a, err, sizeof err) == TENYO_OK, "%s", err); /* checked */
    ty_model_free(&a);
    CHECKF(ty_store_read_lazy(bad, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(c.vmap && !memcmp(c.term_blob, b.term_blob, (size_t)b.term_blob_len));
    ty_model_free(&c);
    ty_model_free(&b);
}

/* The section "ids.map" (store/idmap.c): a lazy read maps it and every
 * document's id is found at its number, nothing else is; damage to its
 * head is refused by the lazy read naming it, damage to a slot at worst
 * loses that slot's document (the whole read names the section); none is
 * written when told so. */
TY_TEST(store_ids_map) {
    ty_model a, b, c;
    char path[512], bad[512], err[ST_ERRLEN] = "", err1[ST_ERRLEN] = "";
    st_path(path, sizeof path, "im.idx");
    st_path(bad, sizeof bad, "im_bad.idx");
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    CHECK(ty_store_write(&a, path, err, sizeof err) == 0);
    ty_model_free(&a);
    CHECKF(ty_store_read(path, &b, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(!b.idmap);
    CHECKF(ty_store_read_lazy(path, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(c.idmap && c.dm);
    int64_t d = -2;
    for (uint64_t i = 0; i < b.ndocs; i++) {
        const char *id = ty_meta_str(&b, i, TY_META_ID);
        CHECK_EQ_INT(ty_idmap_find(&c, id, strlen(id), &d, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(d, (int64_t)i);
    }
    CHECK_EQ_INT(ty_idmap_find(&c, "no such id", 10, &d, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(d, -1);
    ty_model_free(&c);
    int64_t head = 8, slots = head + 24;
    struct { int64_t at; unsigned char mask; int lazy_refuses; } dmg[] = {
        {head + 8, 0x01, 1}, {head + 16, 0x01, 1}, {head + 1, 0x20, 1},
        {slots + 3, 0x80, 0}, {slots + 4 * 7 + 1, 0xff, 0}};
    for (size_t i = 0; i < sizeof dmg / sizeof dmg[0]; i++) {
        CHECK_EQ_INT(ty_test_damage_at(path, bad, "ids.map", NULL, dmg[i].at, dmg[i].mask), 0);
        CHECK_EQ_INT(ty_store_read(bad, &a, err1, sizeof err1), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err1, "ids.map") != NULL, "case %zu: %s", i, err1);
        int rc = ty_store_read_lazy(bad, &c, err, sizeof err);
        if (dmg[i].lazy_refuses) {
            CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
            CHECKF(strstr(err, "'ids.map'") && strstr(err, bad), "case %zu: %s", i, err);
            continue;
        }
        CHECKF(rc == TENYO_OK, "case %zu: %s", i, err);
        uint64_t found = 0;
        for (uint64_t k = 0; k < b.ndocs; k++) {
            const char *id = ty_meta_str(&b, k, TY_META_ID);
            CHECK_EQ_INT(ty_idmap_find(&c, id, strlen(id), &d, err, sizeof err), TENYO_OK);
            CHECK(d == -1 || d == (int64_t)k);
            found += d == (int64_t)k;
        }
        CHECK(found + 1 >= b.ndocs);
        ty_model_free(&c);
    }
    CHECK(st_make(&a, 300, 50, 4, 2, 3) == 0);
    setenv("TENYO_IDS_MAP", "0", 1);
    CHECK(ty_store_write(&a, bad, err, sizeof err) == 0);
    unsetenv("TENYO_IDS_MAP");
    ty_model_free(&a);
    CHECKF(ty_store_read_lazy(bad, &c, err, sizeof err) == TENYO_OK, "%s", err);
    CHECK(!c.idmap);
    CHECK_EQ_INT(ty_idmap_find(&c, "x", 1, &d, err, sizeof err), 1);
    ty_model_free(&c);
    ty_model_free(&b);
}

/* The documents' field lists checked as they always were, whichever path
 * finds it (a fast pass for sound lists, the per-document pass for the
 * message): sound lists of 0-4 fields pass; a field twice in a list of two,
 * of three (first and last) and of four, an id past the table, a list
 * ending before it starts and counts that disagree are each refused naming
 * the first document at fault, with the same message as before. */
TY_TEST(store_docfields_rules_and_messages) {
    ty_model m;
    memset(&m, 0, sizeof m);
    char codes[4][8] = {"A01B", "B60W", "G06F", "H04N"};
    uint64_t count[4];
    m.nfields = 4;
    m.field_code = codes;
    m.field_count = count;
    enum { ND = 6 };
    m.ndocs = ND;
    uint64_t ptr[ND + 1];
    uint16_t ids[32];
    m.field_ptr = ptr;
    m.field_ids = ids;
    /* lists: {0} {} {1,2} {0,2,3} {3,1,2,0} {2} */
    static const uint16_t good[] = {0, 1, 2, 0, 2, 3, 3, 1, 2, 0, 2};
    static const uint64_t gptr[ND + 1] = {0, 1, 1, 3, 6, 10, 11};
    char why[256];
#define RESET()                                                                        \
    do {                                                                               \
        memcpy(ids, good, sizeof good);                                                \
        memcpy(ptr, gptr, sizeof gptr);                                                \
        count[0] = 3, count[1] = 2, count[2] = 4, count[3] = 2;                         \
        why[0] = 0;                                                                    \
    } while (0)
    RESET();
    CHECKF(ty_model_check_docfields(&m, why, sizeof why) == 0, "%s", why);
    RESET();
    ids[2] = 1; /* {1,1} */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 2 lists field 1 twice");
    RESET();
    ids[5] = 0; /* {0,2,0} */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 3 lists field 0 twice");
    RESET();
    ids[9] = 1; /* {3,1,2,1} */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 4 lists field 1 twice");
    RESET();
    ids[10] = 7; /* an id past the four fields */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 5 has field 7 of 4");
    RESET();
    ids[9] = 9, ids[2] = 1; /* two faults: the first document's is told */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 2 lists field 1 twice");
    RESET();
    ptr[3] = 0; /* document 2's list ends before it starts */
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "docfields: document 2 list is bad");
    RESET();
    count[2] = 5;
    CHECK(ty_model_check_docfields(&m, why, sizeof why) != 0);
    CHECK_STR(why, "fields: field 2 counts 5 documents, 4 list it");
#undef RESET
}
