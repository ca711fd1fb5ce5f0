/*
 * test_tpost.c — the stored TF-IDF postings (section "tfidf.post",
 * search/tpost.c): every list equal to the rows transposed, weight bits
 * included; TF-IDF and hybrid answers the same with and without the
 * section (an index of the layout before it), on one thread and split
 * over document ranges, without the rows decoded; the section made by
 * rebuild the same bytes as a build's; a damaged frame refused by the
 * query that reads it and by check, naming the section and the frame.
 * Both layouts: zstd frames (1) and blocks read in place (2), the latter
 * also cut small and walked in parts; every byte of a layout-2 section
 * changed in turn: check refuses each, and no walk reads outside; layout 2
 * packed from made-up lists whose gaps and counts take every path of the
 * block decode, walked bit for bit, a repeated document and a bad
 * exception refused.
 */
#include "api/api.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define SAMPLE "data/sample/sample.jsonl"

static const char *tp_index(const char *name) {
    static char path[8][512];
    static int slot;
    char *p = path[slot++ % 8];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    if (ty_test_build(SAMPLE, 1000000, NULL, p)) return NULL;
    return p;
}

/* The same, written in layout 1 (zstd frames: TENYO_TPOST_FORMAT=1), or in
 * layout 2 cut small (blocks of 3 postings, chunks of 16 documents: many
 * blocks astride chunks, a walk in many parts). */
static const char *tp_index_env(const char *name, const char *var, const char *val,
                                const char *var2, const char *val2) {
    setenv(var, val, 1);
    if (var2) setenv(var2, val2, 1);
    const char *p = tp_index(name);
    unsetenv(var);
    if (var2) unsetenv(var2);
    return p;
}
static const char *tp_index1(const char *name) {
    return tp_index_env(name, "TENYO_TPOST_FORMAT", "1", NULL, NULL);
}
static const char *tp_index_small(const char *name) {
    return tp_index_env(name, "TENYO_TPOST_BLOCK", "3", "TENYO_TPOST_CHUNK", "16");
}

static int tp_read_mem(void *ud, uint64_t off, uint64_t len, void *dst, char *err,
                       size_t errlen) {
    (void)err;
    (void)errlen;
    memcpy(dst, (const char *)ud + off, (size_t)len);
    return 0;
}

/* Every term's list walked alone against the rows transposed, bit for
 * bit (weight 1: each document's score is its weight, the others +0);
 * every term at once and a few terms, with uneven query weights, against
 * the transposed rows' walk (search/search.c), score bits equal. */
static void walk_equals_rows(ty_test_state *ts_, const char *path, int layout) {
    CHECK(path);
    ty_model m;
    char err[512] = "";
    CHECK_EQ_INT(ty_store_read(path, &m, err, sizeof err), 0);
    CHECK(m.tp_sec != NULL);
    const char *raw;
    uint64_t n;
    CHECK_EQ_INT(ty_lazysec_get(m.tp_sec, &raw, &n, err, sizeof err), 0);
    ty_tpost *tp = NULL;
    uint64_t nnz = m.tfidf.rowptr[m.ndocs];
    CHECKF(ty_tpost_open(tp_read_mem, (void *)raw, n, path, m.nterms, m.ndocs, nnz, &tp, err,
                         sizeof err) == 0, "%s", err);
    CHECK_EQ_INT(ty_tpost_layout(tp), layout);
    ty_csr post;
    CHECK_EQ_INT(ty_csr_transpose(&m.tfidf, &post), 0);
    uint32_t *all = malloc(m.nterms * sizeof *all);
    float *w = malloc(m.nterms * sizeof *w);
    float *got = malloc(m.ndocs * sizeof *got), *want = malloc(m.ndocs * sizeof *want);
    CHECK(all && w && got && want);
    for (uint64_t t = 0; t < m.nterms; t++) {
        all[t] = (uint32_t)t;
        w[t] = 1.f / (float)(1 + t % 7);
    }
    const float one = 1.f;
    for (uint64_t t = 0; t < m.nterms; t++) {
        CHECKF(ty_tpost_walk(tp, all + t, &one, 1, m.idf, got, err, sizeof err) == 0, "%s", err);
        uint64_t j = post.rowptr[t];
        for (uint64_t d = 0; d < m.ndocs; d++) {
            float v = 0.f;
            if (j < post.rowptr[t + 1] && post.col[j] == d) v = post.val[j++];
            CHECKF(!memcmp(&got[d], &v, sizeof v), "term %llu doc %llu: %.9g != %.9g",
                   (unsigned long long)t, (unsigned long long)d, (double)got[d], (double)v);
        }
    }
    CHECKF(ty_tpost_walk(tp, all, w, m.nterms, m.idf, got, err, sizeof err) == 0, "%s", err);
    ty_scan_tfidf_postings_range(&post, all, w, m.nterms, 0, m.ndocs, want);
    CHECK(!memcmp(got, want, m.ndocs * sizeof *got));
    uint32_t few[3] = {0, (uint32_t)(m.nterms / 2), (uint32_t)(m.nterms - 1)};
    float fw[3] = {0.25f, 0.5f, 0.125f};
    CHECK_EQ_INT(ty_tpost_walk(tp, few, fw, 3, m.idf, got, err, sizeof err), 0);
    ty_scan_tfidf_postings_range(&post, few, fw, 3, 0, m.ndocs, want);
    CHECK(!memcmp(got, want, m.ndocs * sizeof *got));
    CHECK_EQ_INT(ty_tpost_verify(tp, &m.tfidf, m.tf, m.idf, err, sizeof err), 0);
    /* terms not rising are refused */
    uint32_t bad[2] = {3, 3};
    CHECK_EQ_INT(ty_tpost_walk(tp, bad, fw, 2, m.idf, got, err, sizeof err), TENYO_ERR_ARG);
    /* cut by documents into any number of parts: the same bits */
    uint32_t most = ty_tpost_nparts(tp, 64);
    CHECK(layout == 1 ? most == 1 : most >= 1);
    for (uint32_t np = 1; np <= most; np++) {
        for (uint64_t d = 0; d < m.ndocs; d++) got[d] = -1.f;
        for (uint32_t k = np; k-- > 0;) /* parts in any order */
            CHECKF(ty_tpost_walk_part(tp, all, w, m.nterms, m.idf, got, k, np, err,
                                      sizeof err) == 0, "%s", err);
        ty_scan_tfidf_postings_range(&post, all, w, m.nterms, 0, m.ndocs, want);
        CHECKF(!memcmp(got, want, m.ndocs * sizeof *got), "%u parts", np);
    }
    if (layout == 1) /* layout 1 is walked whole */
        CHECK_EQ_INT(ty_tpost_walk_part(tp, all, w, m.nterms, m.idf, got, 0, 2, err, sizeof err),
                     TENYO_ERR_ARG);
    ty_csr_free(&post);
    free(all);
    free(w);
    free(got);
    free(want);
    ty_tpost_free(tp);
    ty_model_free(&m);
}

TY_TEST(tpost_walk_equals_rows_transposed) {
    walk_equals_rows(ts_, tp_index("tp_rows.tny"), 2);
    walk_equals_rows(ts_, tp_index1("tp_rows1.tny"), 1);
    walk_equals_rows(ts_, tp_index_small("tp_rows_s.tny"), 2);
}

/* The same packing for any thread count. */
TY_TEST(tpost_pack_same_bytes_any_threads) {
    const char *path = tp_index("tp_threads.tny");
    CHECK(path);
    ty_model m;
    char err[512] = "";
    CHECK_EQ_INT(ty_store_read(path, &m, err, sizeof err), 0);
    CHECK_EQ_INT(ty_model_need_tf(&m, err, sizeof err), 0);
    ty_buf a = {0}, b = {0};
    CHECK_EQ_INT(ty_tpost_pack(&m.tfidf, m.tf, m.idf, m.nterms, 1, &a, err, sizeof err), 0);
    CHECK_EQ_INT(ty_tpost_pack(&m.tfidf, m.tf, m.idf, m.nterms, 3, &b, err, sizeof err), 0);
    const char *raw;
    uint64_t n;
    CHECK_EQ_INT(ty_lazysec_get(m.tp_sec, &raw, &n, err, sizeof err), 0);
    CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len));
    CHECK(a.len == n && !memcmp(a.p, raw, n)); /* the build's bytes */
    ty_buf_free(&a);
    ty_buf_free(&b);
    ty_model_free(&m);
}

static const char *const QUERIES[] = {"電池", "リチウムイオン電池の正極材料", "画像処理装置",
                                      "車両 制御 装置", "半導体 基板 エッチング", "燃料噴射"};

/* Hits of a query on x in mode, k of them, threads (0: auto, the
 * ranges' split forced from 1 document). */
static int hits_of(tenyo_index *x, const char *q, tenyo_mode mode, int threads, tenyo_hit *h,
                   size_t k, size_t *n) {
    char err[512];
    tenyo_ctx *c = NULL;
    if (tenyo_ctx_new(x, &c, err, sizeof err)) return -1;
    if (threads) {
        tenyo_ctx_set_threads(c, threads);
        c->par_min = 1;
    }
    int rc = tenyo_similar_text(c, q, strlen(q), mode, k, h);
    tenyo_ctx_free(c);
    if (rc < 0) return rc;
    *n = (size_t)rc;
    return 0;
}

/* Answers through the stored postings (rows never decoded) the same hits
 * and score bits as through the rows (the section dropped: the layout
 * before it), in TF-IDF and hybrid mode, on one thread and on three. */
TY_TEST(tpost_same_answers_as_rows) {
    const char *paths[3] = {tp_index("tp_same.tny"), tp_index1("tp_same1.tny"),
                            tp_index_small("tp_same_s.tny")};
    char err[512];
    for (int li = 0; li < 3; li++)
    for (int th = 1; th <= 3; th += 2)
        for (size_t qi = 0; qi < sizeof QUERIES / sizeof *QUERIES; qi++)
            for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode++) {
                if (mode == TENYO_MODE_LSA) continue;
                tenyo_index *a = NULL, *b = NULL;
                const char *path = paths[li];
                CHECK(path);
                CHECK_EQ_INT(tenyo_index_open(path, &a, err, sizeof err), 0);
                CHECK_EQ_INT(tenyo_index_open(path, &b, err, sizeof err), 0);
                CHECK(a->m.tp_sec != NULL);
                ty_lazysec_free(b->m.tp_sec);
                b->m.tp_sec = NULL;
                tenyo_hit ha[50], hb[50];
                size_t na = 0, nb = 0;
                CHECK_EQ_INT(hits_of(a, QUERIES[qi], (tenyo_mode)mode, th, ha, 50, &na), 0);
                CHECK_EQ_INT(hits_of(b, QUERIES[qi], (tenyo_mode)mode, th, hb, 50, &nb), 0);
                CHECK(a->tpost != NULL);       /* read through the section */
                CHECK(a->m.tfidf.col == NULL); /* the rows never decoded */
                CHECK(b->m.tfidf.col != NULL);
                CHECK_EQ_INT(na, nb);
                CHECK(na > 0);
                for (size_t i = 0; i < na; i++) {
                    CHECKF(ha[i].doc == hb[i].doc && !memcmp(&ha[i].score, &hb[i].score,
                                                              sizeof ha[i].score),
                           "%s mode %d hit %zu: %llu %.9g != %llu %.9g", QUERIES[qi], mode, i,
                           (unsigned long long)ha[i].doc, (double)ha[i].score,
                           (unsigned long long)hb[i].doc, (double)hb[i].score);
                }
                uint32_t pf, pd, nf, nd;
                uint64_t bl, bd;
                ty_tpost_frames(a->tpost, &pf, &pd, &nf, &nd);
                ty_tpost_blocks(a->tpost, &bl, &bd);
                CHECK_EQ_INT(ty_tpost_layout(a->tpost), li == 1 ? 1 : 2);
                if (li == 1) CHECK(pd >= 1 && pd <= pf && nd == nf && bl == 0);
                else CHECK(pf == 0 && bl > 0 && bd >= 1);
                tenyo_index_free(a);
                tenyo_index_free(b);
            }
}

/* rebuild --no-ivf of a copy of index `name` without section sec (a file
 * written before the section, made by dropping it; `lacks` says the copy
 * opens without it) puts it back: the copy is the build's, byte for byte.
 * The copy's path in old; *refitted as rebuild said. */
static void rebuild_puts_back(ty_test_state *ts_, const char *name, const char *sec,
                              int (*lacks)(const tenyo_index *), char *old, size_t oldlen,
                              int *refitted) {
    const char *path = tp_index(name);
    CHECK(path);
    char err[400];
    snprintf(old, oldlen, "%s/old_%s", ty_test_tmpdir(), name);
    size_t n = 0, n2 = 0;
    char *want = ty_test_slurp(path, &n);
    CHECK(want);
    FILE *o = fopen(old, "wb");
    CHECK(o && fwrite(want, 1, n, o) == n);
    fclose(o);
    const char *drop[] = {sec};
    CHECK_EQ_INT(ty_store_rewrite(old, drop, 1, NULL, 0, NULL, err, sizeof err), 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(old, &x, err, sizeof err), 0);
    int gone = lacks(x);
    tenyo_index_free(x);
    CHECK(gone);
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    CHECKF(tenyo_index_rebuild_ivf(old, &bo, NULL, refitted, err, sizeof err) == 0, "%s", err);
    char *got = ty_test_slurp(old, &n2);
    CHECK(got);
    int same = n == n2 && !memcmp(want, got, n);
    free(want);
    free(got);
    CHECK(same);
}

static int lacks_tpost(const tenyo_index *x) { return x->m.tp_sec == NULL; }
static int lacks_termfacts(const tenyo_index *x) { return x->m.tf_sec == NULL; }

/* the stored postings: an index written before them gains them */
TY_TEST(tpost_rebuild_upgrades_old_layout) {
    char old[512];
    int refitted = -1;
    rebuild_puts_back(ts_, "tp_up.tny", "tfidf.post", lacks_tpost, old, sizeof old, &refitted);
    if (ts_->failed) return;
    CHECK_EQ_INT(refitted, 0);
}

/* the term facts: an index written without them gains them, and ideas
 * reads them instead of computing them */
TY_TEST(termfacts_rebuild_adds_section) {
    char old[512], err[400];
    int refitted = -1;
    rebuild_puts_back(ts_, "tf_up.tny", "termfacts", lacks_termfacts, old, sizeof old, &refitted);
    if (ts_->failed) return;
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(old, &x, err, sizeof err), 0);
    int has = x->m.tf_sec != NULL && ty_index_termfacts(x) != NULL;
    tenyo_index_free(x);
    CHECK(has);
}

static uint64_t raw_at(uint64_t r) { /* raw byte r's place in a stored frame */
    return 13 + r / 131072 * (131072 + 3) + 3 + r % 131072;
}

static uint64_t raw64(const unsigned char *sec, uint64_t r) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | sec[raw_at(r + (uint64_t)i)];
    return v;
}

/* Every posting frame (posts) or the first norm frame damaged in the
 * middle, into bad: the query that reads one is refused naming the
 * section and the frame, an LSA query is not, check finds it. */
static const char *damage(const char *path, const char *bad, int posts) {
    static char msg[256];
    size_t n = 0;
    unsigned char *b = (unsigned char *)ty_test_slurp(path, &n);
    if (!b) return "unreadable";
    uint32_t ns = (uint32_t)b[16] | (uint32_t)b[17] << 8;
    uint64_t off = 0;
    for (uint32_t i = 0; i < ns; i++)
        if (!strcmp((const char *)b + 32 + 48 * i, "tfidf.post"))
            for (int j = 7; j >= 0; j--) off = off << 8 | b[32 + 48 * i + 16 + j];
    if (!off || b[off + 4] != 0xE4) return "no section of stored blocks";
    const unsigned char *sec = b + off;
    uint64_t np = raw64(sec, 32) & 0xFFFFFFFFu, nn = raw64(sec, 32) >> 32;
    uint64_t head = 64 + 24 * (np + nn);
    for (uint64_t f = posts ? 0 : np; f < (posts ? np : np + 1); f++) {
        uint64_t fo = raw64(sec, 64 + 24 * f), zs = raw64(sec, 64 + 24 * f + 8) & 0xFFFFFFFFu;
        b[off + raw_at(head + fo + zs / 2)] ^= 0x55;
    }
    FILE *o = fopen(bad, "wb");
    int ok = o && fwrite(b, 1, n, o) == n;
    if (o) fclose(o);
    free(b);
    snprintf(msg, sizeof msg, "%s", ok ? "" : "cannot write");
    return msg;
}

TY_TEST(tpost_damaged_frame_refused_naming_it) {
    const char *path = tp_index1("tp_dmg.tny");
    CHECK(path);
    for (int posts = 0; posts <= 1; posts++) {
        char bad[512], err[400];
        snprintf(bad, sizeof bad, "%s/tp_dmg_%d.tny", ty_test_tmpdir(), posts);
        const char *w = damage(path, bad, posts);
        CHECKF(!*w, "%s", w);
        tenyo_index *x = NULL;
        CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), 0); /* located only */
        tenyo_ctx *c = NULL;
        CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), 0);
        tenyo_hit h[10];
        CHECK(tenyo_similar_text(c, "電池", strlen("電池"), TENYO_MODE_LSA, 10, h) > 0);
        int rc = tenyo_similar_text(c, "電池", strlen("電池"), TENYO_MODE_HYBRID, 10, h);
        CHECK_EQ_INT(rc, TENYO_ERR_CORRUPT);
        const char *msg = tenyo_ctx_error(c);
        CHECKF(strstr(msg, "section 'tfidf.post'") &&
                   strstr(msg, posts ? "posting frame " : "norm frame 0, documents 0-"),
               "%s", msg);
        CHECKF(strstr(msg, bad) != NULL, "%s", msg);
        tenyo_ctx_free(c);
        tenyo_index_free(x);
        tenyo_check_stats st;
        char line[1024] = "";
        int crc = tenyo_index_check(bad, 0, &st, NULL, NULL, err, sizeof err);
        CHECK(crc != TENYO_OK || st.problems > 0);
        (void)line;
        ty_model m;
        CHECK_EQ_INT(ty_store_read(bad, &m, err, sizeof err), 0);
        CHECK_EQ_INT(ty_tpost_verify_model(&m, bad, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, "tfidf.post"), "%s", err);
        ty_model_free(&m);
    }
}

/* A section whose posting frame 0 holds a list with a value rewritten (the
 * frame compressed again with its checksum, the table and the header's
 * sum made anew: a file damaged by a writer, not by the disk): mutate
 * gets the frame's raw bytes and returns the term it spoiled, or -1. */
static int64_t spoil_frame0(const char *raw, uint64_t n, int64_t (*mutate)(unsigned char *, size_t),
                            ty_buf *out) {
    const unsigned char *s = (const unsigned char *)raw;
    uint32_t np = ty_get_le32(s + 32), nn = ty_get_le32(s + 36);
    uint64_t tabend = 64 + 24 * (uint64_t)(np + nn);
    uint64_t off0 = ty_get_le64(s + 64);
    uint32_t zs = ty_get_le32(s + 72), rs = ty_get_le32(s + 76);
    unsigned char *fr = malloc(rs);
    if (!fr || ZSTD_decompress(fr, rs, s + tabend + off0, zs) != rs) {
        free(fr);
        return -1;
    }
    int64_t t = mutate(fr, rs);
    size_t cap = ZSTD_compressBound(rs);
    unsigned char *z = malloc(cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    size_t nz = 0;
    if (t >= 0 && z && cc && !ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)))
        nz = ZSTD_compress2(cc, z, cap, fr, rs);
    ZSTD_freeCCtx(cc);
    free(fr);
    out->len = 0;
    if (t < 0 || !nz || ZSTD_isError(nz) || ty_buf_reserve(out, n + nz)) {
        free(z);
        return -1;
    }
    unsigned char *o = (unsigned char *)out->p;
    memcpy(o, s, tabend);
    int64_t delta = (int64_t)nz - (int64_t)zs;
    ty_put_le32(o + 72, (uint32_t)nz);
    for (uint32_t f = 1; f < np + nn; f++) {
        unsigned char *e = o + 64 + 24 * (uint64_t)f;
        ty_put_le64(e, (uint64_t)((int64_t)ty_get_le64(e) + delta));
    }
    memset(o + 56, 0, 8);
    ty_put_le64(o + 56, ty_fnv1a_std(o, tabend));
    uint64_t at = tabend;
    memcpy(o + at, z, nz);
    at += nz;
    uint64_t rest = n - (tabend + off0 + zs);
    memcpy(o + at, s + tabend + off0 + zs, rest);
    out->len = at + rest;
    free(z);
    return t;
}

/* Past k LEB128 values from fr[q] (at most to rs). */
static size_t leb_past(const unsigned char *fr, size_t rs, size_t q, uint64_t k) {
    for (; k && q < rs; q++)
        if (!(fr[q] & 0x80)) k--;
    return q;
}

/* Each list of a posting frame (rs raw bytes) in turn, its length and
 * where its gaps and its counts start, given to spoil until it changes
 * one: that list's term (its place in the frame), or -1. */
static int64_t spoil_first(unsigned char *fr, size_t rs,
                           int (*spoil)(unsigned char *fr, size_t rs, uint64_t len, size_t g,
                                        size_t c)) {
    size_t q = 0;
    for (int64_t t = 0; q < rs; t++) {
        uint64_t len = 0;
        int s = 0;
        while (q < rs && (fr[q] & 0x80)) len |= (uint64_t)(fr[q++] & 0x7F) << (s += 7, s - 7);
        if (q >= rs) return -1;
        len |= (uint64_t)fr[q++] << s;
        size_t g = q, c = leb_past(fr, rs, g, len);
        if (spoil(fr, rs, len, g, c)) return t;
        q = leb_past(fr, rs, c, len);
    }
    return -1;
}

/* A list of two or more documents whose first two gaps are one byte
 * each: its second gap made 0 (a document twice). */
static int repeat_doc_at(unsigned char *fr, size_t rs, uint64_t len, size_t g, size_t c) {
    (void)c;
    if (len < 2 || g + 1 >= rs || fr[g] >= 0x80 || fr[g + 1] >= 0x80 || !fr[g + 1]) return 0;
    fr[g + 1] = 0;
    return 1;
}

static int64_t repeat_doc(unsigned char *fr, size_t rs) { return spoil_first(fr, rs, repeat_doc_at); }

/* A list whose first count is one byte: made 0. */
static int zero_count_at(unsigned char *fr, size_t rs, uint64_t len, size_t g, size_t c) {
    (void)g;
    if (!len || c >= rs || fr[c] >= 0x80) return 0;
    fr[c] = 0;
    return 1;
}

static int64_t zero_count(unsigned char *fr, size_t rs) { return spoil_first(fr, rs, zero_count_at); }

/* Values a writer got wrong under a valid checksum: a walk reading the
 * spoilt list refuses it naming the section and the frame, a walk of
 * another list of the same frame answers as before (a query checks the
 * lists it reads), and tenyo check's verify refuses the frame. */
TY_TEST(tpost_walk_refuses_spoilt_values) {
    const char *path = tp_index1("tp_spoil.tny");
    CHECK(path);
    ty_model m;
    char err[512] = "";
    CHECK_EQ_INT(ty_store_read(path, &m, err, sizeof err), 0);
    const char *raw;
    uint64_t n;
    CHECK_EQ_INT(ty_lazysec_get(m.tp_sec, &raw, &n, err, sizeof err), 0);
    uint64_t nnz = m.tfidf.rowptr[m.ndocs];
    float *got = malloc(m.ndocs * sizeof *got), *want = malloc(m.ndocs * sizeof *want);
    CHECK(got && want);
    int64_t (*const how[2])(unsigned char *, size_t) = {repeat_doc, zero_count};
    const char *says[2] = {"documents not rising or out of range",
                           "a term count unreadable, 0 or over 2^32"};
    for (int h = 0; h < 2; h++) {
        ty_buf b = {0};
        int64_t t = spoil_frame0(raw, n, how[h], &b);
        CHECKF(t >= 0, "no list to spoil (%d)", h);
        ty_tpost *tp = NULL, *good = NULL;
        CHECKF(ty_tpost_open(tp_read_mem, b.p, b.len, path, m.nterms, m.ndocs, nnz, &tp, err,
                             sizeof err) == 0, "%s", err);
        CHECK_EQ_INT(ty_tpost_open(tp_read_mem, (void *)raw, n, path, m.nterms, m.ndocs, nnz,
                                   &good, err, sizeof err), 0);
        uint32_t qt = (uint32_t)t;
        const float one = 1.f;
        err[0] = 0;
        CHECK_EQ_INT(ty_tpost_walk(tp, &qt, &one, 1, m.idf, got, err, sizeof err),
                     TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, "tfidf.post") && strstr(err, "posting frame 0") && strstr(err, says[h]),
               "%s", err);
        /* another list of frame 0 (term 0 or 1, whichever is not spoilt) */
        uint32_t other = t == 0 ? 1u : 0u;
        CHECKF(ty_tpost_walk(tp, &other, &one, 1, m.idf, got, err, sizeof err) == 0, "%s", err);
        CHECK_EQ_INT(ty_tpost_walk(good, &other, &one, 1, m.idf, want, err, sizeof err), 0);
        CHECK(!memcmp(got, want, m.ndocs * sizeof *got));
        CHECK_EQ_INT(ty_tpost_verify(tp, &m.tfidf, m.tf, m.idf, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, says[h]) != NULL, "%s", err);
        ty_tpost_free(tp);
        ty_tpost_free(good);
        ty_buf_free(&b);
    }
    free(got);
    free(want);
    ty_model_free(&m);
}

/* Layout 2, its bytes changed in turn (a small index cut into blocks of 3
 * and chunks of 16; the header's every byte, then every 29th): an open either refuses it or opens,
 * a walk of every term in parts either refuses it naming the section or
 * answers (a count or a norm may change a weight silently: no checksum is
 * verified by a walk), and verify (tenyo check) refuses every one. */
TY_TEST(tpblk_bytes_damaged_in_turn) {
    const char *path = tp_index_small("tp_flip.tny");
    CHECK(path);
    ty_model m;
    char err[512] = "";
    CHECK_EQ_INT(ty_store_read(path, &m, err, sizeof err), 0);
    const char *raw;
    uint64_t n;
    CHECK_EQ_INT(ty_lazysec_get(m.tp_sec, &raw, &n, err, sizeof err), 0);
    CHECK(n > 64 && !memcmp(raw, "TPS2", 4));
    CHECK_EQ_INT(ty_model_need_tf(&m, err, sizeof err), 0);
    CHECK(m.tf != NULL); /* verify compares the norms with the rows' */
    uint64_t nnz = m.tfidf.rowptr[m.ndocs];
    unsigned char *b = malloc(n);
    uint32_t *all = malloc(m.nterms * sizeof *all);
    float *w = malloc(m.nterms * sizeof *w), *got = malloc(m.ndocs * sizeof *got);
    CHECK(b && all && w && got);
    for (uint64_t t = 0; t < m.nterms; t++) {
        all[t] = (uint32_t)t;
        w[t] = 1.f;
    }
    /* every byte of the header, then every 29th (every part, each byte
     * of an 8-byte value in turn), the last byte */
    int refused = 0, walked = 0;
    for (uint64_t i = 0; i < n; i = i < 64 ? i + 1 : i + 29 < n || i == n - 1 ? i + 29 : n - 1) {
        memcpy(b, raw, n);
        b[i] ^= (i & 1) ? 0x80 : 0x01;
        ty_tpost *tp = NULL;
        if (ty_tpost_open(tp_read_mem, b, n, path, m.nterms, m.ndocs, nnz, &tp, err,
                          sizeof err)) {
            CHECKF(strstr(err, "tfidf.post") != NULL, "byte %llu: %s", (unsigned long long)i, err);
            refused++;
            continue;
        }
        uint32_t np = ty_tpost_nparts(tp, 5);
        int wrc = 0;
        for (uint32_t k = 0; k < np && !wrc; k++)
            wrc = ty_tpost_walk_part(tp, all, w, m.nterms, m.idf, got, k, np, err, sizeof err);
        CHECKF(wrc == 0 || (wrc == TENYO_ERR_CORRUPT && strstr(err, "tfidf.post")),
               "byte %llu: %d %s", (unsigned long long)i, wrc, err);
        walked += wrc == 0;
        CHECKF(ty_tpost_verify(tp, &m.tfidf, m.tf, m.idf, err, sizeof err) == TENYO_ERR_CORRUPT,
               "byte %llu not found by verify (T %llu NB %llu N %llu n %llu)", (unsigned long long)i, (unsigned long long)m.nterms, (unsigned long long)ty_get_le64((const unsigned char *)raw + 32), (unsigned long long)m.ndocs, (unsigned long long)n);
        ty_tpost_free(tp);
        if (ts_->failed) break;
    }
    CHECK(refused > 0 && walked > 0);
    free(b);
    free(all);
    free(w);
    free(got);
    ty_model_free(&m);
}

/* Layout 2 packed from made-up lists at the written block size (256):
 * runs of one-byte gaps longer and shorter than eight (read eight at a
 * time) between gaps of two to four bytes, counts of 1-3 with exceptions
 * (>= 4, past the weight table's 64, up to 2^32 - 1) at every place of a
 * group of sixteen codes, lists of 1, 7-9, 255-257 and thousands of
 * postings, blocks ending in part groups; the walk in 1, 2 and 3 parts
 * against the weights summed one posting at a time, bit for bit. Then a
 * document repeated inside a run of one-byte gaps, and an exception
 * written as 2, each refused naming the block. */
#include "search/tpblk.h"

static uint64_t tb_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

TY_TEST(tpblk_runs_and_exceptions_walk_exact) {
    enum { ND = 200000, NT = 12 };
    static const uint32_t len[NT] = {1, 7, 8, 9, 255, 256, 257, 513, 3000, 20000, 1, 40000};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint64_t tptr[NT + 1] = {0};
    for (int t = 0; t < NT; t++) tptr[t + 1] = tptr[t] + len[t];
    uint64_t nnz = tptr[NT];
    uint32_t *tdoc = malloc(nnz * sizeof *tdoc), *ttf = malloc(nnz * sizeof *ttf);
    double *inv = malloc(ND * sizeof *inv);
    float *idf = malloc(NT * sizeof *idf), *w = malloc(NT * sizeof *w);
    float *got = malloc(ND * sizeof *got), *want = calloc(ND, sizeof *want);
    uint32_t *qt = malloc(NT * sizeof *qt);
    CHECK(tdoc && ttf && inv && idf && w && got && want && qt);
    for (uint64_t d = 0; d < ND; d++) inv[d] = 0.01 + (double)(tb_rand(&seed) % 1000) / 997.0;
    for (int t = 0; t < NT; t++) {
        idf[t] = 0.5f + (float)t / 3.f;
        w[t] = 0.25f + (float)(t % 5) / 7.f;
        qt[t] = (uint32_t)t;
        /* gaps: mostly 1-3, one in 23 of two or three bytes while the
         * list still fits (each gap left at most 3) */
        uint64_t d = tb_rand(&seed) % 50;
        for (uint64_t i = tptr[t]; i < tptr[t + 1]; i++) {
            uint64_t r = tb_rand(&seed), left = tptr[t + 1] - i;
            uint64_t big = 128 + (r >> 20) % 30000, small = 1 + (r >> 8) % 3;
            if (i > tptr[t]) d += r % 23 == 0 && d + big + 3 * left < ND ? big : small;
            tdoc[i] = (uint32_t)d;
            uint32_t c = (r >> 32) % 5 == 0 ? 4 + (uint32_t)((r >> 40) % 200)
                                            : 1 + (uint32_t)((r >> 36) % 3);
            if ((r >> 50) % 97 == 0) c = 0xffffffffu - (uint32_t)((r >> 8) % 7);
            ttf[i] = c;
        }
        for (uint64_t i = tptr[t] + 1; i < tptr[t + 1]; i++) CHECK(tdoc[i] > tdoc[i - 1]);
        CHECK(tdoc[tptr[t + 1] - 1] < ND);
    }
    if (ts_->failed) return;
    for (int t = 0; t < NT; t++)
        for (uint64_t i = tptr[t]; i < tptr[t + 1]; i++)
            want[tdoc[i]] += w[t] * ty_tfidf_weight(ttf[i], idf[t], inv[tdoc[i]]);
    ty_buf b = {0};
    char err[512] = "";
    CHECKF(ty_tpblk_pack(NT, ND, nnz, tptr, tdoc, ttf, inv, &b, err, sizeof err) == 0, "%s", err);
    for (uint32_t np = 1; np <= 3; np++) {
        ty_tpblk *p = NULL;
        CHECKF(ty_tpblk_open(tp_read_mem, b.p, b.len, "made.tny", NT, ND, nnz, &p, err,
                             sizeof err) == 0, "%s", err);
        uint32_t n = ty_tpblk_nparts(p, np);
        for (uint32_t k = 0; k < n; k++)
            CHECKF(ty_tpblk_walk_part(p, qt, w, NT, idf, got, k, n, err, sizeof err) == 0, "%s",
                   err);
        CHECK(!memcmp(got, want, ND * sizeof *got));
        ty_tpblk_free(p);
    }
    /* a document twice inside a run of one-byte gaps (term 9, its 21st
     * posting: block 0), then an exception of 2 (term 0's only posting:
     * its data is gaps none, one code byte, the exception) */
    for (int h = 0; h < 2; h++) {
        ty_buf bad = {0};
        uint32_t keep = 0;
        if (h == 0) {
            uint64_t i = tptr[9] + 20;
            keep = tdoc[i];
            tdoc[i] = tdoc[i - 1];
            for (uint64_t j = i + 1; j < tptr[10]; j++) CHECK(tdoc[j] > tdoc[j - 1]);
            CHECK(ty_tpblk_pack(NT, ND, nnz, tptr, tdoc, ttf, inv, &bad, err, sizeof err) == 0);
            tdoc[i] = keep;
        } else {
            keep = ttf[0];
            ttf[0] = 1000;
            CHECK(ty_tpblk_pack(NT, ND, nnz, tptr, tdoc, ttf, inv, &bad, err, sizeof err) == 0);
            ttf[0] = keep;
            unsigned char *q = (unsigned char *)bad.p;
            uint64_t nb = ty_get_le64(q + 32);
            uint64_t at = 64 + 16ull * (NT + 1) + 8 * nb + 8ull * ND + 1; /* after the code byte */
            CHECK(q[at] == (1000 & 0x7f) + 0x80);
            q[at] = 2; /* one byte: 2 */
            q[at + 1] = 0x80; /* ... leaving a byte over (refused either way) */
        }
        ty_tpblk *p = NULL;
        CHECKF(ty_tpblk_open(tp_read_mem, bad.p, bad.len, "made.tny", NT, ND, nnz, &p, err,
                             sizeof err) == 0, "%s", err);
        err[0] = 0;
        CHECK_EQ_INT(ty_tpblk_walk_part(p, qt, w, NT, idf, got, 0, 1, err, sizeof err),
                     TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, h ? "term 0, block 0" : "term 9, block") &&
                   strstr(err, h ? "count" : "documents not rising"),
               "%s", err);
        ty_tpblk_free(p);
        ty_buf_free(&bad);
    }
    ty_buf_free(&b);
    free(tdoc);
    free(ttf);
    free(inv);
    free(idf);
    free(w);
    free(got);
    free(want);
    free(qt);
}
