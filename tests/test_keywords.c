/*
 * test_keywords.c — keyword search (api/keywords.c): AND, OR, NOT / -,
 * quoted units, Japanese compounds, stemming as the index was built,
 * unknown words, syntax errors; the keyword mask against a brute-force
 * oracle (every sample document tokenized again with the public tokenizer);
 * tenyo_search ranked as the TF-IDF scan ranks; keywords as a filter on
 * similar.
 */
#include "api/api.h"
#include "test.h"

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
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    /* a Japanese compound typed as one word: only where it is joined */
    CHECK_STR(kw_match(x, c, "半導体基板"), "K-1");
    CHECK_STR(kw_match(x, c, "半導体 基板"), "K-1 K-2");
    CHECK_STR(kw_match(x, c, "半導体 AND 基板"), "K-1 K-2");
    /* stemmed as the index was: robots = robot */
    CHECK_STR(kw_match(x, c, "robot"), "K-3 K-4");
    CHECK_STR(kw_match(x, c, "ROBOTS"), "K-3 K-4");
    CHECK_STR(kw_match(x, c, "ｒｏｂｏｔ"), "K-3 K-4");
    /* NOT and - */
    CHECK_STR(kw_match(x, c, "robot -battery"), "K-3");
    CHECK_STR(kw_match(x, c, "robot NOT battery"), "K-3");
    /* OR (and |), binding tighter than AND */
    CHECK_STR(kw_match(x, c, "battery OR 電池"), "K-4 K-5 K-6");
    CHECK_STR(kw_match(x, c, "battery | 電池"), "K-4 K-5 K-6");
    CHECK_STR(kw_match(x, c, "gripper battery OR lithium"), "K-6");
    CHECK_STR(kw_match(x, c, "gripper OR battery NOT lithium"), "K-3");
    CHECK_STR(kw_match(x, c, "NOT robot OR battery"), "K-1 K-2 K-5");
    /* quoted units: all their terms (no positions: anywhere) */
    CHECK_STR(kw_match(x, c, "\"soft gripper\""), "K-3");
    CHECK_STR(kw_match(x, c, "gripper -\"soft robot\""), "K-6");
    CHECK_STR(kw_match(x, c, "gripper NOT “soft robot”"), "K-6");
    /* a word the index lacks matches nothing, and is named */
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
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot の"), TENYO_ERR_EMPTY);
    CHECK(strstr(tenyo_filter_error(f), "'の' gives no index term") != NULL);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "   "), TENYO_ERR_EMPTY);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "robot \xff"), TENYO_ERR_INPUT);
    tenyo_filter_free(f);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

TY_TEST(keywords_search_ranked_by_tfidf) {
    tenyo_index *x = kw_index();
    CHECK(x != NULL);
    tenyo_ctx *c = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "gripper OR battery -lithium"), TENYO_OK);
    tenyo_hit h[10], s[10];
    int n = tenyo_search(c, f, 10, h);
    CHECK_EQ_INT(n, 1); /* K-3 only: K-4 and K-6 hold lithium */
    /* the ranking is the TF-IDF scan of the positive terms, same scores */
    CHECK_EQ_INT(tenyo_filter_keywords(f, c, "gripper OR battery"), TENYO_OK);
    n = tenyo_search(c, f, 10, h);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(tenyo_ctx_set_filter(c, f), TENYO_OK);
    int m = tenyo_similar_text(c, "gripper battery", 15, TENYO_MODE_TFIDF, 10, s);
    CHECK_EQ_INT(m, 3);
    for (int i = 0; i < n; i++) {
        CHECK_EQ_INT(h[i].doc, s[i].doc);
        CHECK(fabsf(h[i].score - s[i].score) < 1e-6f);
        if (i) CHECK(h[i].score <= h[i - 1].score);
    }
    tenyo_doc_meta dm;
    tenyo_index_doc(x, h[0].doc, &dm);
    CHECK_STR(dm.id, "K-6"); /* both words */
    /* combined with another criterion of the same filter */
    CHECK_EQ_INT(tenyo_filter_field(f, "H01M", 1), TENYO_OK);
    CHECK_EQ_INT(tenyo_search(c, f, 10, h), 2);
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

/* Term collector for the oracle: the set of a document's terms. */
typedef struct termset { char terms[4096][48]; int n; } termset;
static void collect_term(void *ud, const char *t, size_t n) {
    termset *s = ud;
    if (n >= 48 || s->n == 4096) return;
    for (int i = 0; i < s->n; i++)
        if (strlen(s->terms[i]) == n && !memcmp(s->terms[i], t, n)) return;
    memcpy(s->terms[s->n], t, n);
    s->terms[s->n++][n] = 0;
}
static int has_term(const termset *s, const char *t) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->terms[i], t)) return 1;
    return 0;
}

/* The mask of single-term and NOT queries on the sample equals what the
 * public tokenizer finds in each record's title and abstract. */
TY_TEST(keywords_match_the_tokenizer_oracle) {
    char path[512];
    snprintf(path, sizeof path, "%s/kw_sample.tny", ty_test_tmpdir());
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    bo.min_df = 1;
    bo.max_df_ratio = 1.0;
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
    tenyo_tokenizer *tk = NULL;
    CHECK_EQ_INT(tenyo_tokenizer_new(&bo.tok, &tk, err, sizeof err), TENYO_OK);
    static termset docs[200];
    int nd = 0;
    CHECK_EQ_INT(tenyo_reader_open("data/sample/sample.jsonl", NULL, &r, err, sizeof err), TENYO_OK);
    while (tenyo_reader_next(r, &d) == 1 && nd < 200) {
        docs[nd].n = 0;
        char *t = malloc(strlen(d->title) + strlen(d->abstract) + strlen(d->claims) + 3);
        sprintf(t, "%s\n%s\n%s", d->title, d->abstract, d->claims);
        tenyo_tokenizer_run(tk, t, strlen(t), collect_term, &docs[nd]);
        free(t);
        CHECK_EQ_INT(tenyo_index_find(x, d->id), nd);
        nd++;
    }
    tenyo_reader_free(r);
    const char *words[] = {"カメラ", "眠気", "ロボット", "電池", "制御", "半導体基板", "センサ",
                           "sensor", "battery"};
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(x, &f), TENYO_OK);
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        termset q = {.n = 0};
        tenyo_tokenizer_run(tk, words[w], strlen(words[w]), collect_term, &q);
        CHECK(q.n >= 1);
        for (int neg = 0; neg < 2; neg++) {
            char query[128];
            snprintf(query, sizeof query, "%s%s", neg ? "-" : "", words[w]);
            CHECK_EQ_INT(tenyo_filter_keywords(f, c, query), TENYO_OK);
            int64_t count = 0;
            for (int i = 0; i < nd; i++) {
                int all = 1;
                for (int j = 0; j < q.n; j++) all &= has_term(&docs[i], q.terms[j]);
                int want = neg ? !all : all;
                CHECKF(tenyo_filter_match(f, (uint64_t)i) == want, "%s doc %d", query, i);
                count += want;
            }
            if (!neg) CHECKF(count > 0 && count < nd, "%s: %lld", query, (long long)count);
        }
    }
    tenyo_filter_free(f);
    tenyo_tokenizer_free(tk);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}
