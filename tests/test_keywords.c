/*
 * test_keywords.c — keyword search (api/keywords.c): AND, OR, NOT / -,
 * quoted phrases, words inside Japanese compounds, full-width forms, Latin
 * word starts, words no record holds, syntax errors; the keyword mask
 * against a brute-force oracle (every sample record's title and abstract
 * folded and searched with strstr); tenyo_search ranked by BM25 (both
 * words first), combined with other criteria; words above --max-df still
 * found.
 */
#include "api/api.h"
#include "test.h"

#include <ctype.h>
#include <stdlib.h>

static tenyo_index *kw_index(void) {
    char jpath[512], path[512];
    snprintf(jpath, sizeof jpath, "%s/kw.jsonl", ty_test_tmpdir());
    snprintf(path, sizeof path, "%s/kw.tny", ty_test_tmpdir());
    FILE *f = fopen(jpath, "w");
    if (!f) return NULL;
    fputs("{\"id\": \"K-1\", \"title\": \"ロボットハンドの把持装置\", \"abstract\": \"柔らかい指でワークを把持するロボットハンド。半導体基板を搬送する。\", \"ipc\": [\"B25J15/08\"]}\n"
          "{\"id\": \"K-2\", \"title\": \"半導体の製造方法\", \"abstract\": \"半導体と基板を洗浄する方法。\", \"ipc\": [\"H01L21/02\"]}\n"
          "{\"id\": \"K-3\", \"title\": \"Soft robot gripper\", \"abstract\": \"A soft gripper with compliant fingers for fragile objects handled by robots.\", \"ipc\": [\"B25J15/00\"]}\n"
          "{\"id\": \"K-4\", \"title\": \"Battery electrode\", \"abstract\": \"A lithium battery electrode made on a robot assembly line.\", \"ipc\": [\"H01M4/13\"]}\n"
          "{\"id\": \"K-5\", \"title\": \"電池の電極\", \"abstract\": \"リチウムイオン電池の正極と負極。\", \"ipc\": [\"H01M4/13\"]}\n"
          "{\"id\": \"K-6\", \"title\": \"Gripper for batteries\", \"abstract\": \"A gripper that holds battery cells without lithium leakage.\", \"ipc\": [\"B25J15/00\"]}\n", f);
    fclose(f);
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 1;
    bo.dim = 2;
    bo.min_df = 1;
    bo.max_df_ratio = 1.0;
    tenyo_builder *b = NULL;
    char err[512];
    if (tenyo_builder_new(&bo, &b, err, sizeof err)) return NULL;
    tenyo_reader *r = NULL;
    if (tenyo_reader_open(jpath, NULL, &r, err, sizeof err)) return NULL;
    const tenyo_doc *d;
    while (tenyo_reader_next(r, &d) == 1) tenyo_builder_add(b, d);
    tenyo_reader_free(r);
    int rc = tenyo_builder_write(b, path, NULL);
    tenyo_builder_free(b);
    tenyo_index *x = NULL;
    if (rc || tenyo_index_open(path, &x, err, sizeof err)) return NULL;
    return x;
}

/* The ids matching query, space-separated in document order, or "<rc>". */
static const char *kw_match(tenyo_index *x, tenyo_ctx *c, const char *query) {
    static char out[256];
    tenyo_filter *f = NULL;
    tenyo_filter_new(x, &f);
    int rc = tenyo_filter_keywords(f, c, query);
    if (rc) {
        snprintf(out, sizeof out, "<%d>", rc);
        tenyo_filter_free(f);
        return out;
    }
    out[0] = 0;
    for (uint64_t d = 0; d < tenyo_index_ndocs(x); d++) {
        if (tenyo_filter_match(f, d) != 1) continue;
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s", l ? " " : "", m.id);
    }
    tenyo_filter_free(f);
    return out;
}

TY_TEST(keywords_syntax_and_units) {
    tenyo_index *x = kw_index();
    CHECK(x != NULL);
    /* its size is known from the file, and nothing is read until a
     * keyword query (info and a server's start ask only this) */
    uint64_t st = 0, in = 1;
    CHECK_EQ_INT(tenyo_index_keyword_size(x, &st, &in), TENYO_OK);
    CHECK(st > 0);
    CHECK_EQ_INT(in, 0);
    CHECK_EQ_INT(tenyo_index_keyword_size(NULL, &st, &in), TENYO_ERR_ARG);
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    /* a word matches where the text contains it, inside compounds too */
    CHECK_STR(kw_match(x, c, "半導体基板"), "K-1");
    CHECK_STR(kw_match(x, c, "半導体 基板"), "K-1 K-2");
    CHECK_STR(kw_match(x, c, "半導体 AND 基板"), "K-1 K-2");
    CHECK_STR(kw_match(x, c, "導体基"), "K-1");
    CHECK_STR(kw_match(x, c, "ハンド"), "K-1");
    /* a Latin word must start a word: robot = robots, not "arobot" */
    CHECK_STR(kw_match(x, c, "robot"), "K-3 K-4");
    CHECK_STR(kw_match(x, c, "ROBOT"), "K-3 K-4");
    CHECK_STR(kw_match(x, c, "ｒｏｂｏｔ"), "K-3 K-4");
    CHECK_STR(kw_match(x, c, "ripper"), "");
    CHECK_STR(kw_match(x, c, "robots"), "K-3");
    /* NOT and - */
    CHECK_STR(kw_match(x, c, "robot -battery"), "K-3");
    CHECK_STR(kw_match(x, c, "robot NOT battery"), "K-3");
    /* OR (and |), binding tighter than AND */
    CHECK_STR(kw_match(x, c, "battery OR 電池"), "K-4 K-5 K-6");
    CHECK_STR(kw_match(x, c, "battery | 電池"), "K-4 K-5 K-6");
    CHECK_STR(kw_match(x, c, "gripper battery OR lithium"), "K-6");
    CHECK_STR(kw_match(x, c, "gripper OR battery NOT lithium"), "K-3");
    CHECK_STR(kw_match(x, c, "NOT robot OR battery"), "K-1 K-2 K-5");
    /* quoted: a phrase, the words adjacent and in order */
    CHECK_STR(kw_match(x, c, "\"soft gripper\""), "K-3");
    CHECK_STR(kw_match(x, c, "\"gripper soft\""), "");
    CHECK_STR(kw_match(x, c, "\"compliant  fingers\""), "K-3");
    CHECK_STR(kw_match(x, c, "gripper -\"soft robot\""), "K-6");
    CHECK_STR(kw_match(x, c, "gripper NOT “soft robot”"), "K-6");
    CHECK_STR(kw_match(x, c, "\"リチウムイオン電池\""), "K-5");
    /* a word no record holds matches nothing, and is named */
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot zzqqx"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 0);
    CHECK_STR(tenyo_filter_note(f), "zzqqx");
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot OR zzqqx"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_count(f), 2);
    /* errors name what is wrong */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "OR robot"), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_filter_error(f), "OR needs a term on each side") != NULL);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot OR"), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot OR OR battery"), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot NOT"), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot OR -battery"), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "\"soft gripper"), TENYO_ERR_ARG);
    CHECK(strstr(tenyo_filter_error(f), "unclosed quote") != NULL);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot \"  \""), TENYO_ERR_EMPTY);
    CHECK(strstr(tenyo_filter_error(f), "holds no text") != NULL);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "   "), TENYO_ERR_EMPTY);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot \xff"), TENYO_ERR_INPUT);
    uint64_t bytes = 0;
    double secs = -1;
    CHECK_EQ_INT(tenyo_index_keyword_stats(x, &bytes, &secs), TENYO_OK);
    CHECK(bytes > 300 && bytes < 1000 && secs >= 0);
    CHECK_EQ_INT(tenyo_index_keyword_size(x, NULL, &in), TENYO_OK);
    CHECK(in == bytes); /* read by the queries above */
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(keywords_search_ranked) {
    tenyo_index *x = kw_index();
    CHECK(x != NULL);
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "gripper OR battery -lithium"), TENYO_OK);
    tenyo_hit h[10];
    int n = tenyo_search(c, f, 10, h);
    CHECK_EQ_INT(n, 1); /* K-3 only: K-4 and K-6 hold lithium */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "gripper OR battery"), TENYO_OK);
    n = tenyo_search(c, f, 10, h);
    CHECK_EQ_INT(n, 3);
    for (int i = 1; i < n; i++) CHECK(h[i].score <= h[i - 1].score);
    tenyo_doc_meta dm;
    tenyo_index_doc(x, h[0].doc, &dm);
    CHECK_STR(dm.id, "K-6"); /* both words, both in its title */
    /* a word in one record's title only */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "電極"), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, f, 10, h), 1);
    /* combined with another criterion of the same filter */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "gripper OR battery"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f, "H01M", 1), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, f, 10, h), 2);
    /* k smaller than the matches: the best k */
    CHECK_EQ_INT(tenyo_search(c, f, 1, h), 1);
    /* only NOT: nothing to rank by */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "-robot"), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, f, 10, h), TENYO_ERR_EMPTY);
    CHECK(strstr(tenyo_ctx_error(c), "must occur") != NULL);
    /* only unknown words: nothing */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "zzqqx"), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, f, 10, h), 0);
    /* a filter without keywords cannot search */
    tenyo_filter *g = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &g), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, g, 10, h), TENYO_ERR_ARG);
    tenyo_filter_free(g);
    tenyo_ctx_set_filter(c, NULL);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The folded title and abstract of a record, as the oracle reads them. */
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

/* The mask of single-word and NOT queries on the sample equals what strstr
 * finds in each record's folded title and abstract, with the words above
 * --max-df (left out of the TF-IDF vocabulary) found all the same. */
TY_TEST(keywords_match_the_text_oracle) {
    char path[512];
    snprintf(path, sizeof path, "%s/kw_sample.tny", ty_test_tmpdir());
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    bo.min_df = 1;
    bo.max_df_ratio = 0.05; /* common words out of the vocabulary */
    tenyo_builder *b = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_builder_new(&bo, &b, err, sizeof err), TENYO_OK);
    tenyo_reader *r = NULL;
    CHECK_EQ_INT(tenyo_reader_open("data/sample/sample.jsonl", NULL, &r, err, sizeof err), TENYO_OK);
    const tenyo_doc *d;
    while (tenyo_reader_next(r, &d) == 1) tenyo_builder_add(b, d);
    tenyo_reader_free(r);
    CHECK_EQ_INT(tenyo_builder_write(b, path, NULL), TENYO_OK);
    tenyo_builder_free(b);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    ty_icu *u = NULL;
    CHECK_EQ_INT(ty_icu_new(&u, NULL, 0), TENYO_OK);
    static char *docs[200];
    int nd = 0;
    CHECK_EQ_INT(tenyo_reader_open("data/sample/sample.jsonl", NULL, &r, err, sizeof err), TENYO_OK);
    while (tenyo_reader_next(r, &d) == 1 && nd < 200) {
        docs[nd] = oracle_text(u, d);
        CHECK_EQ_INT(tenyo_index_find(x, d->id), nd);
        nd++;
    }
    tenyo_reader_free(r);
    const char *words[] = {"カメラ", "眠気", "ロボット", "電池", "制御", "半導体基板", "センサ",
                           "sensor", "battery", "装置", "する"};
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    int above_max_df = 0;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        for (int neg = 0; neg < 2; neg++) {
            char query[128];
            snprintf(query, sizeof query, "%s%s", neg ? "-" : "", words[w]);
            CHECK_EQ_INT(tenyo_filter_keywords(f, c, query), TENYO_OK);
            int64_t count = 0;
            for (int i = 0; i < nd; i++) {
                int want = oracle_has(docs[i], words[w]) != neg;
                CHECKF(tenyo_filter_match(f, (uint64_t)i) == want, "%s doc %d", query, i);
                count += want;
            }
            if (!neg) {
                CHECKF(count > 0 && count < nd, "%s: %lld", query, (long long)count);
                above_max_df += count > nd / 20;
            }
        }
    }
    CHECK(above_max_df >= 2); /* words the TF-IDF vocabulary has not */
    for (int i = 0; i < nd; i++) free(docs[i]);
    ty_icu_free(u);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}
