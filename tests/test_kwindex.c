/*
 * test_kwindex.c — the keyword index (search/kwindex.c, section
 * "keywords"): counts equal a brute-force substring count over the
 * records' whole text (high-df words, one-character units, Latin word
 * starts, phrases, words past 4 KiB of a long abstract); the indexed
 * answers and BM25 scores equal the scan's on the same text; NOT and -
 * exclude; segments after add and delete; an index without the section
 * scans; damaged postings and a flipped byte are caught; opening reads
 * no section "keywords" (base or segment) until the first keyword query.
 */
#include "api/api.h"
#include "search/kwindex.h"
#include "test.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Records of the test corpus: the sample, then three with long abstracts
 * (words only past their first 4 KiB: 終端語 and tailword). */
static const char *kw_corpus(void) {
    static char path[512];
    snprintf(path, sizeof path, "%s/kwx.jsonl", ty_test_tmpdir());
    size_t n = 0;
    char *s = ty_test_slurp(SAMPLE, &n);
    FILE *f = fopen(path, "w");
    if (!s || !f) {
        free(s);
        if (f) fclose(f);
        return NULL;
    }
    fwrite(s, 1, n, f);
    free(s);
    for (int i = 0; i < 3; i++) {
        fprintf(f, "{\"id\": \"LONG-%d\", \"title\": \"長い要約の制御装置 %d\", \"abstract\": \"", i, i);
        for (int j = 0; j < 200 * (i + 1); j++) fputs("車両の制御装置を説明する。", f); /* 36 B */
        fprintf(f, "最後に終端語%s打継目 tailword%d.\", \"ipc\": [\"B60W30/00\"]}\n",
                i == 2 ? "と水平" : "", i);
    }
    return fclose(f) == 0 ? path : NULL;
}

/* The folded title and whole abstract of a record, as the oracle reads
 * them ("title\nabstract"). */
static char *oracle_text(ty_icu *u, const tenyo_doc *d) {
    size_t n = strlen(d->title) + strlen(d->abstract) + 2;
    char *t = malloc(n);
    snprintf(t, n, "%s\n%s", d->title, d->abstract);
    ty_buf b = {0};
    ty_icu_normalize(u, t, strlen(t), &b);
    free(t);
    return b.p;
}

/* 1 when text holds w (folded), a Latin w at a word start. */
static int oracle_has(const char *text, const char *w) {
    int latin = isalnum((unsigned char)w[0]);
    for (const char *p = text; (p = strstr(p, w)); p++)
        if (!latin || p == text || !isalnum((unsigned char)p[-1])) return 1;
    return 0;
}

/* An index of path's records at out (threads 1, common words kept out of
 * the TF-IDF vocabulary as a real build does). */
static int kw_build(const char *path, int n, const char *out) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 1;
    bo.min_df = 1;
    bo.max_df_ratio = 0.05;
    tenyo_index_drop_updates(out, NULL, 0);
    return ty_test_build(path, n, &bo, out);
}

/* Drop x's keyword index before its first keyword query: it scans the
 * text the index keeps, as an index without the section does. */
static void kw_disable(tenyo_index *x) {
    ty_lazysec_free(x->m.kw_sec);
    x->m.kw_sec = NULL;
    for (uint32_t i = 0; i < x->kw_nparts; i++) ty_lazysec_free(x->kw_part[i]);
    free(x->kw_part);
    free(x->kw_pdocs);
    x->kw_part = NULL;
    x->kw_pdocs = NULL;
    x->kw_nparts = 0;
}

static const char *WORDS[] = {"車両", "制御装置", "装置", "する", "の", "カメラ", "眠気",
                              "ロボット", "電池", "半導体基板", "センサ", "sensor", "s",
                              "終端語", "tailword1", "打継目", "水平打継目", "zzqqx",
                              "を説明する。車両"};
#define NWORDS (sizeof WORDS / sizeof *WORDS)

TY_TEST(kwindex_counts_equal_substring_oracle) {
    const char *src = kw_corpus();
    CHECK(src != NULL);
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/kwx.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(src, 1000, path), 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    uint64_t stored = 0, post = 0, keys = 0;
    CHECK_EQ_INT(tenyo_index_keyword_index(x, &stored, &post, &keys), 1);
    CHECK(stored > 0 && post > 0 && keys > 1000);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    ty_icu *u = NULL;
    CHECK_EQ_INT(ty_icu_new(&u, NULL, 0), TENYO_OK);
    static char *docs[300];
    int nd = 0;
    tenyo_reader *r = NULL;
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_open(src, NULL, &r, err, sizeof err), TENYO_OK);
    while (tenyo_reader_next(r, &d) == 1 && nd < 300) {
        docs[nd] = oracle_text(u, d);
        CHECK_EQ_INT(tenyo_index_find(x, d->id), nd);
        nd++;
    }
    tenyo_reader_free(r);
    CHECK_EQ_INT(nd, 203);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    int high = 0, past4k = 0;
    for (size_t w = 0; w < NWORDS; w++) {
        for (int neg = 0; neg < 2; neg++) {
            char query[128];
            snprintf(query, sizeof query, neg ? "NOT %s" : "%s", WORDS[w]);
            CHECK_EQ_INT(tenyo_filter_keywords(f, c, query), TENYO_OK);
            int64_t want = 0;
            for (int i = 0; i < nd; i++) {
                int has = oracle_has(docs[i], WORDS[w]) != neg;
                CHECKF(tenyo_filter_match(f, (uint64_t)i) == has, "%s doc %d", query, i);
                want += has;
            }
            CHECK_EQ_INT(tenyo_filter_count(f), want);
            if (!neg) high += want > nd / 3;
        }
    }
    CHECKF(high >= 3, "%d words in a third of the records", high); /* の, する, 装置, ... */
    /* the words past 4 KiB, in the long records only */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "終端語"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 3);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "\"水平打継目\""), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 1);
    past4k = tenyo_filter_match(f, 202) == 1;
    CHECK(past4k);
    /* -word and NOT: none of the excluded; a phrase: only records with it */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "制御装置 -車両"), TENYO_OK);
    for (int i = 0; i < nd; i++)
        if (tenyo_filter_match(f, (uint64_t)i) == 1) CHECK(!strstr(docs[i], "車両"));
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "NOT 車両 制御装置"), TENYO_OK);
    int64_t notc = tenyo_filter_count(f);
    for (int i = 0; i < nd; i++)
        if (tenyo_filter_match(f, (uint64_t)i) == 1) CHECK(!strstr(docs[i], "車両"));
    CHECK(notc >= 0);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "\"を説明する。車両\""), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 3);
    for (int i = 0; i < nd; i++) free(docs[i]);
    ty_icu_free(u);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* x and y (y scanning) agree on every word: matches, and the ranked hits
 * with their scores, bit for bit. */
static int same_answers(tenyo_index *x, tenyo_index *y, char *why, size_t whylen) {
    tenyo_ctx *cx = NULL, *cy = NULL;
    tenyo_filter *fx = NULL, *fy = NULL;
    char err[512];
    int bad = tenyo_ctx_new(x, &cx, err, sizeof err) || tenyo_ctx_new(y, &cy, err, sizeof err) ||
              tenyo_filter_new(x, &fx) || tenyo_filter_new(y, &fy);
    static tenyo_hit hx[400], hy[400];
    for (size_t w = 0; w < NWORDS && !bad; w++) {
        const char *q = WORDS[w];
        if (tenyo_filter_keywords(fx, cx, q) || tenyo_filter_keywords(fy, cy, q)) {
            snprintf(why, whylen, "%s: refused", q);
            bad = 1;
            break;
        }
        int nx = tenyo_search(cx, fx, 400, hx), ny = tenyo_search(cy, fy, 400, hy);
        if (nx != ny || tenyo_filter_count(fx) != tenyo_filter_count(fy)) {
            snprintf(why, whylen, "%s: %d hits indexed, %d scanned", q, nx, ny);
            bad = 1;
        }
        for (int i = 0; i < nx && !bad; i++)
            if (hx[i].doc != hy[i].doc || hx[i].score != hy[i].score) {
                snprintf(why, whylen, "%s: hit %d differs", q, i);
                bad = 1;
            }
    }
    tenyo_ctx_set_filter(cx, NULL);
    tenyo_ctx_set_filter(cy, NULL);
    tenyo_filter_free(fx);
    tenyo_filter_free(fy);
    tenyo_ctx_free(cx);
    tenyo_ctx_free(cy);
    return bad;
}

TY_TEST(kwindex_ranks_as_the_scan) {
    char path[512], err[512], why[256] = "";
    snprintf(path, sizeof path, "%s/kwx_sample.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(SAMPLE, 200, path), 0);
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(path, &y, err, sizeof err), TENYO_OK);
    kw_disable(y);
    CHECK_EQ_INT(tenyo_index_keyword_index(y, NULL, NULL, NULL), 0);
    CHECK_EQ_INT(tenyo_index_keyword_index(x, NULL, NULL, NULL), 1);
    CHECKF(!same_answers(x, y, why, sizeof why), "%s", why);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

static int add_u(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }

TY_TEST(kwindex_segments_after_add_and_delete) {
    char path[512], err[512], why[256] = "";
    snprintf(path, sizeof path, "%s/kwx_upd.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(SAMPLE, 120, path), 0);
    for (int step = 0; step < 2; step++) { /* two segments */
        tenyo_update *u = NULL;
        CHECK_EQ_INT(tenyo_update_open(path, NULL, &u, err, sizeof err), TENYO_OK);
        CHECK(ty_test_feed(SAMPLE, 120 + 40 * step, 160 + 40 * step, add_u, u) > 0);
        if (step == 1) { /* a deletion in the base and in the first segment */
            CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-001"), 1);
            CHECK_EQ_INT(tenyo_update_delete(u, "SAMPLE-130"), 1);
        }
        CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
        tenyo_update_free(u);
    }
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), 198);
    CHECK_EQ_INT(tenyo_index_open(path, &y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_keyword_index(x, NULL, NULL, NULL), 1);
    CHECK_EQ_INT(x->kw_nparts, 3); /* base and two segments, each its own */
    kw_disable(y);
    CHECKF(!same_answers(x, y, why, sizeof why), "%s", why);
    /* the index of the merged documents, the deleted ones gone */
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "車両"), TENYO_OK);
    int64_t n = tenyo_filter_count(f);
    CHECK(n > 0);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    tenyo_index_free(y);
    tenyo_check_stats st;
    CHECK_EQ_INT(tenyo_index_check(path, 0, &st, NULL, NULL, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(st.problems, 0);
}

/* 1 when no part of x's keyword index has been read. */
static int kw_none_read(const tenyo_index *x) {
    if (ty_lazysec_loaded(x->m.kw_sec)) return 0;
    for (uint32_t i = 0; i < x->kw_nparts; i++)
        if (ty_lazysec_loaded(x->kw_part[i])) return 0;
    return 1;
}

TY_TEST(kwindex_read_on_first_keyword_query) {
    /* the section is located at open, not read: a similarity query leaves
     * it unread, the first keyword query reads it (base and segments) */
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/kwx_lazy.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(SAMPLE, 120, path), 0);
    for (int step = 0; step < 2; step++) {
        tenyo_index *x = NULL;
        CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
        CHECK(step ? x->kw_nparts == 2 && x->m.kw_sec == NULL : x->m.kw_sec != NULL);
        CHECK(kw_none_read(x));
        tenyo_ctx *c = NULL;
        tenyo_filter *f = NULL;
        CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
        tenyo_hit hits[5];
        CHECK(tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 5, hits) > 0);
        CHECK(kw_none_read(x));
        CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置"), TENYO_OK);
        CHECK(tenyo_filter_count(f) > 0);
        CHECK(!kw_none_read(x));
        if (step) {
            for (uint32_t i = 0; i < x->kw_nparts; i++) CHECK(ty_lazysec_loaded(x->kw_part[i]));
        }
        CHECK_EQ_INT(tenyo_index_keyword_index(x, NULL, NULL, NULL), 1);
        tenyo_filter_free(f);
        tenyo_ctx_free(c);
        tenyo_index_free(x);
        if (!step) { /* a segment of its own */
            tenyo_update *u = NULL;
            CHECK_EQ_INT(tenyo_update_open(path, NULL, &u, err, sizeof err), TENYO_OK);
            CHECK(ty_test_feed(SAMPLE, 120, 150, add_u, u) > 0);
            CHECK_EQ_INT(tenyo_update_commit(u, NULL), TENYO_OK);
            tenyo_update_free(u);
        }
    }
}

TY_TEST(kwindex_old_index_scans) {
    /* an index without the section (tests/fixtures/base.tny, written by
     * an older writer) is searched by the scan */
    char err[512];
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open("tests/fixtures/base.tny", &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_keyword_index(x, NULL, NULL, NULL), 0);
    CHECK(x->kwx == NULL);
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    tenyo_doc_meta m;
    CHECK_EQ_INT(tenyo_index_doc(x, 0, &m), TENYO_OK);
    char word[16] = ""; /* the first two characters of the first title */
    size_t l = 0;
    for (int k = 0; k < 2 && m.title[l]; k++)
        do l++;
        while (((unsigned char)m.title[l] & 0xC0) == 0x80);
    memcpy(word, m.title, l);
    CHECK(l > 0);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, word), TENYO_OK);
    CHECK(tenyo_filter_count(f) >= 1);
    CHECK_EQ_INT(tenyo_filter_match(f, 0), 1);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The keyword section read from the start of the open (tenyo_index_open_for
 * with TENYO_PREFETCH_KEYWORDS: store/lazysec.c's prefetch, then the index's
 * keyword text): the same counts and hits as an open without; a damaged
 * section refused by every keyword query, and by the keyword check with the
 * same message as without. */
TY_TEST(kwindex_prefetched_same_and_damage) {
    char path[512], bad[512], err[512], err2[512];
    snprintf(path, sizeof path, "%s/kwx_pf.tny", ty_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/kwx_pf_flip.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(SAMPLE, 60, path), 0);
    CHECK_EQ_INT(ty_test_damage(path, bad, "keywords", NULL), 0);
    const char *qs[] = {"装置", "制御 OR 車両", "\"運転者\""};
    for (int pass = 0; pass < 2; pass++) {
        const char *p = pass ? bad : path;
        tenyo_index *x = NULL, *y = NULL;
        CHECK_EQ_INT(tenyo_index_open_for(p, TENYO_PREFETCH_KEYWORDS, &x, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_index_open(p, &y, err, sizeof err), TENYO_OK);
        tenyo_ctx *c = NULL, *d = NULL;
        CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_new(y, &d, err, sizeof err), TENYO_OK);
        for (int i = 0; i < 3; i++) {
            tenyo_filter *f = NULL, *g = NULL;
            CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
            CHECK_EQ_INT(tenyo_filter_new(y, &g), TENYO_OK);
            int rf = tenyo_filter_keywords(f, c, qs[i]), rg = tenyo_filter_keywords(g, d, qs[i]);
            CHECK_EQ_INT(rf, rg);
            if (pass) {
                CHECK_EQ_INT(rf, TENYO_ERR_CORRUPT);
                CHECK_EQ_INT(tenyo_index_keyword_check(x, err, sizeof err), TENYO_ERR_CORRUPT);
                CHECK_EQ_INT(tenyo_index_keyword_check(y, err2, sizeof err2), TENYO_ERR_CORRUPT);
                CHECKF(strcmp(err, err2) == 0 && strstr(err2, "keywords"), "%.200s | %.200s",
                       err, err2);
            } else {
                tenyo_hit a[10], b[10];
                int na = tenyo_search(c, f, 10, a);
                CHECK_EQ_INT(na, tenyo_search(d, g, 10, b));
                CHECK(tenyo_filter_count(f) == tenyo_filter_count(g));
                for (int k = 0; k < na && k < 10; k++)
                    CHECK(a[k].doc == b[k].doc && memcmp(&a[k].score, &b[k].score, sizeof(float)) == 0);
            }
            tenyo_filter_free(f);
            tenyo_filter_free(g);
        }
        tenyo_ctx_free(c);
        tenyo_ctx_free(d);
        tenyo_index_free(x);
        tenyo_index_free(y);
    }
}

TY_TEST(kwindex_damage_detected) {
    char path[512], bad[512], err[512];
    snprintf(path, sizeof path, "%s/kwx_dmg.tny", ty_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/kwx_dmg_flip.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(SAMPLE, 60, path), 0);
    /* a flipped byte in the section: the frame checksum, on the first
     * keyword query (the open does not read it) and by check */
    CHECK_EQ_INT(ty_test_damage(path, bad, "keywords", NULL), 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_OK);
    CHECK(x->m.kw_sec != NULL && !ty_lazysec_loaded(x->m.kw_sec));
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置"), TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(tenyo_index_keyword_check(x, err, sizeof err), TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "keywords") != NULL);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    tenyo_check_stats st;
    int crc = tenyo_index_check(bad, 0, &st, NULL, NULL, err, sizeof err);
    CHECK(crc != TENYO_OK || st.problems > 0);
    /* damaged content under a good checksum: the layout checks (layout 1;
     * layout 2: kwindex_frame_damage_names_section) */
    const char *text = "ab\ncd\0ef\nabx\0";
    ty_buf blob = {0};
    CHECK_EQ_INT(ty_kwx_pack_version(text, 13, 2, 1, 1, &blob, err, sizeof err), TENYO_OK);
    const char *part[1] = {blob.p};
    uint64_t len[1] = {blob.len}, *off = NULL, *cand = NULL, nc = 0;
    ty_kwx *k = NULL;
    char *t = NULL;
    uint32_t *tl = NULL;
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 2, &k, &t, &off, &tl, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_kwx_candidates(k, "ab", 2, &cand, &nc, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(nc, 2); /* "ab" in both records */
    free(cand);
    CHECK_EQ_INT(ty_kwx_candidates(k, "bc", 2, &cand, &nc, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(nc, 0); /* "b\nc" spans the title break: no bigram */
    free(cand);
    CHECK_EQ_INT(ty_kwx_candidates(k, "a", 1, &cand, &nc, err, sizeof err), 1);
    CHECK_EQ_INT(tl[0], 2);
    CHECK_EQ_INT(off[2], 13);
    CHECK(ty_kwx_text_borrowed(k) && t == blob.p + 48); /* one part: its own text */
    ty_kwx_free(k);
    free(off);
    free(tl);
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 3, &k, &t, &off, &tl, err, sizeof err),
                 TENYO_ERR_CORRUPT); /* records for another number of documents */
    unsigned char *p = (unsigned char *)blob.p;
    p[blob.len - 1] ^= 0x7F; /* the last posting points past the records */
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 2, &k, &t, &off, &tl, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_kwx_verify(k, err, sizeof err), TENYO_ERR_CORRUPT);
    ty_kwx_free(k);
    free(off);
    free(tl);
    p[blob.len - 1] ^= 0x7F;
    p[16] ^= 1; /* text bytes */
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 2, &k, &t, &off, &tl, err, sizeof err),
                 TENYO_ERR_CORRUPT);
    ty_buf_free(&blob);
}

/* The packing shares the keys out over threads: the same section for any
 * thread count (a text of over 1 MiB, so that two and three workers run). */
TY_TEST(kwindex_pack_same_bytes_any_threads) {
    static const char *const w[] = {"装置", "車両", "制御", "ab", "xyz", "電池", "歯車", "音"};
    ty_buf text = {0};
    uint64_t n = 0, s = 12345;
    while (text.len < ((size_t)3 << 19)) { /* records of pseudo-random words */
        for (int i = 0; i < 12; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            CHECK_EQ_INT(ty_buf_append(&text, w[(s >> 33) % 8], strlen(w[(s >> 33) % 8])), 0);
            if (i == 3) CHECK_EQ_INT(ty_buf_putc(&text, '\n'), 0);
        }
        CHECK_EQ_INT(ty_buf_putc(&text, 0), 0);
        n++;
    }
    char err[256];
    ty_buf one = {0}, more = {0};
    CHECK_EQ_INT(ty_kwx_pack(text.p, text.len, n, 1, &one, err, sizeof err), TENYO_OK);
    for (int th = 2; th <= 3; th++) {
        more.len = 0;
        CHECK_EQ_INT(ty_kwx_pack(text.p, text.len, n, th, &more, err, sizeof err), TENYO_OK);
        CHECK(more.len == one.len && memcmp(more.p, one.p, one.len) == 0);
    }
    ty_buf_free(&one);
    ty_buf_free(&more);
    ty_buf_free(&text);
}

/* An index written with the keyword section of layout 1 (TENYO_KW_FORMAT=1:
 * one blob, as indexes made before layout 2 hold it) opens and answers
 * every query word the same as layout 2 on the same records: counts, hits
 * and scores bit for bit; its section is layout 1 and the other's is 2. */
TY_TEST(kwindex_format1_opens_same_answers) {
    char p1[512], p2[512], err[512], why[256] = "";
    snprintf(p1, sizeof p1, "%s/kwx_f1.tny", ty_test_tmpdir());
    snprintf(p2, sizeof p2, "%s/kwx_f2.tny", ty_test_tmpdir());
    setenv("TENYO_KW_FORMAT", "1", 1);
    int rc1 = kw_build(kw_corpus(), 1000, p1);
    unsetenv("TENYO_KW_FORMAT");
    CHECK_EQ_INT(rc1, 0);
    CHECK_EQ_INT(kw_build(kw_corpus(), 1000, p2), 0);
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(p1, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(p2, &y, err, sizeof err), TENYO_OK);
    const char *b1 = NULL, *b2 = NULL;
    uint64_t l1 = 0, l2 = 0;
    CHECK_EQ_INT(ty_lazysec_get(x->m.kw_sec, &b1, &l1, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_lazysec_get(y->m.kw_sec, &b2, &l2, err, sizeof err), TENYO_OK);
    CHECK(b1 && l1 > 4 && memcmp(b1, "TKW1", 4) == 0);
    CHECK(b2 && l2 > 4 && memcmp(b2, "TKW2", 4) == 0);
    CHECKF(!same_answers(y, x, why, sizeof why), "%s", why);
    CHECK_EQ_INT(tenyo_index_keyword_check(x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_keyword_check(y, err, sizeof err), TENYO_OK);
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* Layout 2 reads what a query needs: a two-character word decodes one
 * posting frame and no text; a longer one the text frames of its
 * candidates; a one-character one (a scan) every text frame. */
TY_TEST(kwindex_lazy_frames_read_on_use) {
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/kwx_lazyfr.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(kw_corpus(), 1000, path), 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    uint64_t nt, td, np, pd;
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "装置"), TENYO_OK);
    CHECK(tenyo_filter_count(f) > 0);
    ty_kwx_frames(x->kwx, &nt, &td, &np, &pd);
    CHECKF(nt >= 2 && td == 0 && pd == 1, "text %llu/%llu, postings %llu/%llu",
           (unsigned long long)td, (unsigned long long)nt, (unsigned long long)pd,
           (unsigned long long)np);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "終端語"), TENYO_OK); /* the long records */
    CHECK_EQ_INT(tenyo_filter_count(f), 3);
    ty_kwx_frames(x->kwx, &nt, &td, &np, &pd);
    CHECKF(td >= 1 && td < nt, "text %llu/%llu", (unsigned long long)td, (unsigned long long)nt);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "の"), TENYO_OK);
    ty_kwx_frames(x->kwx, &nt, &td, &np, &pd);
    CHECK_EQ_INT(td, nt);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The counts a two-character word takes from its postings are memmem's:
 * left to right without overlap (ああああ holds ああ twice), title hits
 * apart; a count past the build's room (over 1,023 title hits) is unknown
 * and the caller verifies. */
TY_TEST(kwindex_pair_counts_as_memmem) {
    ty_buf text = {0};
    const char *r0 = "ああああ\nあああxああ";
    CHECK_EQ_INT(ty_buf_append(&text, r0, strlen(r0) + 1), 0);
    for (int i = 0; i < 1100; i++) CHECK_EQ_INT(ty_buf_append(&text, "いい", 6), 0);
    CHECK_EQ_INT(ty_buf_append(&text, "\nいい", 8), 0);
    char err[256];
    ty_buf blob = {0};
    CHECK_EQ_INT(ty_kwx_pack(text.p, text.len, 2, 1, &blob, err, sizeof err), TENYO_OK);
    const char *part[1] = {blob.p};
    uint64_t len[1] = {blob.len}, *off = NULL, df = 0;
    ty_kwx *k = NULL;
    char *t = NULL;
    uint32_t *tl = NULL, tf[2] = {0, 0};
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 2, &k, &t, &off, &tl, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(ty_kwx_pair(k, "ああ", strlen("ああ"), tf, &df, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(df, 1);
    CHECK_EQ_INT(tf[0], 2 * 2 + 1 + 1); /* title 2, abstract あああ 1 and ああ 1 */
    CHECK_EQ_INT(tf[1], 0);
    CHECK_EQ_INT(ty_kwx_pair(k, "いい", strlen("いい"), tf, &df, err, sizeof err), 1);
    CHECK_EQ_INT(ty_kwx_pair(k, "あ", strlen("あ"), tf, &df, err, sizeof err), 1);
    CHECK_EQ_INT(ty_kwx_pair(k, "ああx", strlen("ああx"), tf, &df, err, sizeof err), 1);
    ty_kwx_free(k);
    free(off);
    free(tl);
    ty_buf_free(&blob);
    ty_buf_free(&text);
}

/* A damaged frame of layout 2 (under the section's good checksum) is
 * reported by the first use that reads it and by the check, naming the
 * section and the frame; the open (lengths, key table) still succeeds. */
TY_TEST(kwindex_frame_damage_names_section) {
    ty_buf text = {0};
    for (int r = 0; r < 300; r++) { /* three text frames of 128 */
        char rec[128];
        int n = snprintf(rec, sizeof rec, "題名%d\n本文の装置と制御装置%d", r, r % 7);
        CHECK_EQ_INT(ty_buf_append(&text, rec, (size_t)n + 1), 0);
    }
    char err[512];
    ty_buf blob = {0};
    CHECK_EQ_INT(ty_kwx_pack(text.p, text.len, 300, 1, &blob, err, sizeof err), TENYO_OK);
    CHECK(memcmp(blob.p, "TKW2", 4) == 0);
    unsigned char *b = (unsigned char *)blob.p;
    uint32_t npost = (uint32_t)b[48] | (uint32_t)b[49] << 8, ntext = b[52];
    uint32_t per = (uint32_t)b[4] | (uint32_t)b[5] << 8;
    CHECK_EQ_INT(ntext, (300 + per - 1) / per);
    CHECK(ntext >= 2);
    for (int which = 0; which < 2; which++) { /* the last text frame, then the first postings */
        uint64_t f = which ? 2 : 2 + npost + ntext - 1;
        const unsigned char *e = b + 64 + 24 * f;
        uint64_t o = 0;
        for (int i = 7; i >= 0; i--) o = o << 8 | e[i];
        uint32_t zs = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16;
        uint64_t at = 64 + 24 * (2 + npost + ntext) + o + zs / 2;
        b[at] ^= 0x55;
        const char *part[1] = {blob.p};
        uint64_t len[1] = {blob.len}, *off = NULL, *cand = NULL, nc = 0, df = 0;
        ty_kwx *k = NULL;
        char *t = NULL;
        uint32_t *tl = NULL, tf[300];
        CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 300, &k, &t, &off, &tl, err, sizeof err),
                     TENYO_OK);
        if (!which) { /* the first frames' records read; the last one's refused */
            CHECK_EQ_INT(ty_kwx_need_text(k, 0, per, err, sizeof err), TENYO_OK);
            err[0] = 0;
            CHECK_EQ_INT(ty_kwx_need_text(k, 299, 300, err, sizeof err), TENYO_ERR_CORRUPT);
            char want[64];
            snprintf(want, sizeof want, "text of records %u-299", (ntext - 1) * per);
            CHECKF(strstr(err, "section 'keywords'") && strstr(err, want), "%s", err);
            CHECK_EQ_INT(ty_kwx_need_text(k, 299, 300, err, sizeof err), TENYO_ERR_CORRUPT);
        } else {
            memset(tf, 0, sizeof tf);
            err[0] = 0;
            int rp = ty_kwx_pair(k, "装置", strlen("装置"), tf, &df, err, sizeof err);
            CHECK_EQ_INT(rp, TENYO_ERR_CORRUPT);
            CHECKF(strstr(err, "section 'keywords'") && strstr(err, "postings of bigrams"), "%s",
                   err);
            CHECK_EQ_INT(ty_kwx_candidates(k, "制御装置", strlen("制御装置"), &cand, &nc, err,
                                           sizeof err), TENYO_ERR_CORRUPT);
        }
        err[0] = 0;
        CHECK_EQ_INT(ty_kwx_verify(k, err, sizeof err), TENYO_ERR_CORRUPT);
        CHECKF(strstr(err, "section 'keywords'") && strstr(err, "frame"), "%s", err);
        ty_kwx_free(k);
        free(off);
        free(tl);
        b[at] ^= 0x55;
    }
    /* the frame table or the lengths damaged: refused at open */
    b[64 + 24 * 2 + 16] ^= 1; /* the first posting frame's first key */
    const char *part[1] = {blob.p};
    uint64_t len[1] = {blob.len}, *off = NULL;
    ty_kwx *k = NULL;
    char *t = NULL;
    uint32_t *tl = NULL;
    CHECK_EQ_INT(ty_kwx_open(part, len, 1, NULL, 300, &k, &t, &off, &tl, err, sizeof err),
                 TENYO_ERR_CORRUPT);
    CHECK(strstr(err, "keywords") != NULL);
    ty_buf_free(&blob);
    ty_buf_free(&text);
}

/* First use from several threads at once: each searches the same words on
 * its own context of one freshly opened layout-2 index (frames decoded by
 * whichever thread comes first); every answer equals the one-thread
 * answer of a second index, opened whole (tenyo_index_load_all). */
typedef struct kw_conc {
    tenyo_index *x;
    int bad;
    uint64_t count[NWORDS];
    tenyo_hit hit[NWORDS][20];
    int n[NWORDS];
} kw_conc;

static void *kw_conc_run(void *arg) {
    kw_conc *j = arg;
    char err[512];
    tenyo_ctx *c = NULL;
    tenyo_filter *f = NULL;
    if (tenyo_ctx_new(j->x, &c, err, sizeof err) || tenyo_filter_new(j->x, &f)) {
        j->bad = 1;
        return NULL;
    }
    for (size_t w = 0; w < NWORDS && !j->bad; w++) {
        if (tenyo_filter_keywords(f, c, WORDS[w])) j->bad = 1;
        j->count[w] = tenyo_filter_count(f);
        j->n[w] = tenyo_search(c, f, 20, j->hit[w]);
    }
    tenyo_ctx_set_filter(c, NULL);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    return NULL;
}

TY_TEST(kwindex_lazy_concurrent_first_use) {
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/kwx_conc.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(kw_corpus(), 1000, path), 0);
    tenyo_index *x = NULL, *y = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(path, &y, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_load_all(y, err, sizeof err), TENYO_OK);
    static kw_conc want, got[4];
    want.x = y;
    kw_conc_run(&want);
    CHECK(!want.bad);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        got[i].x = x;
        CHECK_EQ_INT(pthread_create(&th[i], NULL, kw_conc_run, &got[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        CHECK(!got[i].bad);
        for (size_t w = 0; w < NWORDS; w++) {
            CHECKF(got[i].count[w] == want.count[w] && got[i].n[w] == want.n[w], "%s: %llu / %llu",
                   WORDS[w], (unsigned long long)got[i].count[w],
                   (unsigned long long)want.count[w]);
            for (int h = 0; h < want.n[w] && h < 20; h++)
                CHECK(got[i].hit[w][h].doc == want.hit[w][h].doc &&
                      memcmp(&got[i].hit[w][h].score, &want.hit[w][h].score, sizeof(float)) == 0);
        }
    }
    tenyo_index_free(x);
    tenyo_index_free(y);
}

/* The section of layout 2 is a frame of stored blocks, read in place: a
 * byte flipped inside one text frame of the file (the last records') is
 * not read by a two-character word (answered from its postings), is
 * reported by the first query that reads that frame, naming the section,
 * the frame and its records, and by tenyo_index_check (the whole frame's
 * checksum); a query never reads the section whole. */
static uint64_t kw_raw_at(uint64_t r) { /* raw byte r's place */
    return 13 + r / 131072 * (131072 + 3) + 3 + r % 131072;
}

static uint64_t kw_raw64(const unsigned char *sec, uint64_t r) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | sec[kw_raw_at(r + (uint64_t)i)];
    return v;
}

TY_TEST(kwindex_file_frame_damage_reported_on_use) {
    char path[512], bad[512], err[512];
    snprintf(path, sizeof path, "%s/kwx_fdmg.tny", ty_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/kwx_fdmg_flip.tny", ty_test_tmpdir());
    CHECK_EQ_INT(kw_build(kw_corpus(), 1000, path), 0);
    size_t n = 0;
    unsigned char *b = (unsigned char *)ty_test_slurp(path, &n);
    CHECK(b != NULL && n > 64);
    uint32_t ns = (uint32_t)b[16] | (uint32_t)b[17] << 8;
    uint64_t off = 0;
    for (uint32_t i = 0; i < ns; i++)
        if (!strcmp((const char *)b + 32 + 48 * i, "keywords"))
            for (int j = 7; j >= 0; j--) off = off << 8 | b[32 + 48 * i + 16 + j];
    CHECK(off > 0 && b[off + 4] == 0xE4); /* stored blocks */
    const unsigned char *sec = b + off;
    CHECK(sec[kw_raw_at(0)] == 'T' && sec[kw_raw_at(3)] == '2');
    uint64_t nd = kw_raw64(sec, 8), per = kw_raw64(sec, 0) >> 32;
    uint32_t npost = (uint32_t)kw_raw64(sec, 48), ntext = (uint32_t)(kw_raw64(sec, 48) >> 32);
    uint64_t nfr = 2 + (uint64_t)npost + ntext, head = 64 + 24 * nfr, f = nfr - 1;
    uint64_t fo = kw_raw64(sec, 64 + 24 * f), zs = kw_raw64(sec, 64 + 24 * f + 8) & 0xFFFFFFFFu;
    b[off + kw_raw_at(head + fo + zs / 2)] ^= 0x55;
    FILE *o = fopen(bad, "wb");
    CHECK(o && fwrite(b, 1, n, o) == n);
    if (o) fclose(o);
    free(b);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(bad, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    tenyo_filter *fl = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(x, &fl), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(fl, c, "装置"), TENYO_OK);
    CHECK(tenyo_filter_count(fl) > 0);
    CHECK_EQ_INT(tenyo_filter_keywords(fl, c, "の"), TENYO_ERR_CORRUPT); /* reads every record */
    const char *msg = tenyo_filter_error(fl);
    char want[64];
    snprintf(want, sizeof want, "text of records %llu-%llu", (unsigned long long)((ntext - 1) * per),
             (unsigned long long)nd - 1);
    CHECKF(msg && strstr(msg, "section 'keywords'") && strstr(msg, want), "%s", msg ? msg : "");
    tenyo_filter_free(fl);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
    tenyo_check_stats st;
    int crc = tenyo_index_check(bad, 0, &st, NULL, NULL, err, sizeof err);
    CHECK(crc != TENYO_OK || st.problems > 0);
}
