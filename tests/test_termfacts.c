/*
 * test_termfacts.c — the term facts an index stores (api/termfacts.c,
 * section "termfacts") against the ones the judge computes without them
 * (judge/terms.c): every term's, bit for bit, on a Japanese index and an
 * English one; the genericity array; the worth the ideas
 * path reads before any corpus-wide fact is asked for; a sharded index
 * (no section) computes the same facts; and a section that
 * fails its checks (size, a value out of range) is refused by check and
 * left aside by the judge, which computes the facts instead.
 */
#include "api/api.h"
#include "judge/judge.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Open path twice: *a as written (its section read), *b with the section
 * dropped before any use (the judge computes every fact). */
static int open_both(const char *path, tenyo_index **a, tenyo_index **b) {
    char err[256];
    *a = *b = NULL;
    if (tenyo_index_open(path, a, err, sizeof err) || tenyo_index_open(path, b, err, sizeof err))
        return -1;
    ty_lazysec_free((*b)->m.tf_sec);
    (*b)->m.tf_sec = NULL;
    return 0;
}

/* Every term's facts and worth from a (stored) and b (computed) equal,
 * bit for bit; the number of terms compared into *n. Returns the first
 * term that differs, or -1. */
static int64_t first_difference(tenyo_index *a, tenyo_index *b, uint64_t *n, int *fact) {
    *n = 0;
    *fact = -1;
    for (uint64_t t = 0; t < a->m.nterms; t++) {
        const char *s = a->m.term_blob + a->m.term_off[t];
        tenyo_term_judgement ja, jb;
        if (tenyo_term_judge(a, s, &ja) || tenyo_term_judge(b, s, &jb)) return (int64_t)t;
        for (int i = 0; i < TY_JF_N; i++)
            if (memcmp(&ja.features[i], &jb.features[i], sizeof(double))) {
                *fact = i;
                return (int64_t)t;
            }
        if (memcmp(&ja.worth, &jb.worth, sizeof(double)) || ja.juman != jb.juman)
            return (int64_t)t;
        (*n)++;
    }
    return -1;
}

/* The comparison of an index built at path from n records of src with
 * opts (NULL: defaults); *latin the Latin-script terms compared. */
static const char *compare_index(const char *src, int n, const tenyo_build_opts *opts,
                                 const char *name, uint64_t *terms, uint64_t *latin) {
    static char msg[512];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ty_test_tmpdir(), name);
    if (ty_test_build(src, n, opts, path)) return "build failed";
    tenyo_index *a, *b;
    if (open_both(path, &a, &b)) {
        tenyo_index_free(a);
        return "open failed";
    }
    const char *bad = NULL;
    int fact;
    *latin = 0;
    for (uint64_t t = 0; t < a->m.nterms; t++)
        *latin += (unsigned char)a->m.term_blob[a->m.term_off[t]] < 0x80;
    int64_t d = first_difference(a, b, terms, &fact);
    if (!ty_index_termfacts(a)) bad = "the index's section was not used";
    else if (ty_index_termfacts(b)) bad = "the section was used after it was dropped";
    else if (d >= 0) {
        tenyo_term_judgement ja, jb;
        const char *s = a->m.term_blob + a->m.term_off[d];
        tenyo_term_judge(a, s, &ja);
        tenyo_term_judge(b, s, &jb);
        snprintf(msg, sizeof msg, "term %lld (%s): fact %d stored %.9g computed %.9g", (long long)d,
                 s, fact, fact >= 0 ? ja.features[fact] : ja.worth,
                 fact >= 0 ? jb.features[fact] : jb.worth);
        bad = msg;
    } else {
        const float *ga = ty_judge_genericity(a), *gb = ty_judge_genericity(b);
        if (!ga || !gb || memcmp(ga, gb, a->m.nterms * sizeof *ga))
            bad = "the genericity arrays differ";
    }
    tenyo_index_free(a);
    tenyo_index_free(b);
    return bad;
}

TY_TEST(termfacts_table_equals_lazy) {
    uint64_t n, latin;
    const char *bad = compare_index(SAMPLE, 1000000, NULL, "tf_sample.tny", &n, &latin);
    CHECKF(!bad, "sample: %s", bad);
    CHECKF(n > 1000, "only %llu terms compared", (unsigned long long)n);
}

/* An index of mostly English documents: its Latin-script terms have the
 * English facts (en_spread, en_generic) in the section too. The shared US
 * records carry no codes: each is given one of eight subclasses in turn,
 * so that the spread over the fields is not 0. */
TY_TEST(termfacts_table_equals_lazy_english) {
    const char *en = ty_test_shared("en/uspto_random_10000.jsonl");
    if (!en) TY_SKIP("no ../shared/data/en/uspto_random_10000.jsonl");
    static const char *const sub[8] = {"A61B", "B60W", "G06F", "H01L",
                                       "F16H", "C08K", "B65D", "E04B"};
    char src[512];
    snprintf(src, sizeof src, "%s/tf_en.jsonl", ty_test_tmpdir());
    FILE *in = fopen(en, "r"), *out = fopen(src, "w");
    CHECK(in && out);
    char line[65536];
    int n = 0;
    while (n < 400 && fgets(line, sizeof line, in)) {
        char *c = strstr(line, "\"cpc\": []");
        if (!c) continue;
        fprintf(out, "%.*s\"cpc\": [\"%s\"]%s", (int)(c - line), line, sub[n % 8],
                c + strlen("\"cpc\": []"));
        n++;
    }
    fclose(in);
    CHECK(fclose(out) == 0 && n == 400);
    uint64_t terms, latin;
    const char *bad = compare_index(src, 400, NULL, "tf_en.tny", &terms, &latin);
    CHECKF(!bad, "English: %s", bad);
    CHECKF(latin > 1000, "only %llu Latin-script terms", (unsigned long long)latin);
    /* the English facts were there to compare */
    char path[512];
    snprintf(path, sizeof path, "%s/tf_en.tny", ty_test_tmpdir());
    tenyo_index *x = NULL;
    char err[256];
    CHECK(tenyo_index_open(path, &x, err, sizeof err) == 0);
    tenyo_term_judgement j;
    int any = tenyo_term_judge(x, "member", &j) == 0 && j.features[TY_JF_EN_SPREAD] > 0 &&
              j.features[TY_JF_EN_SPREAD] == j.features[TY_JF_SPREAD];
    tenyo_index_free(x);
    CHECK(any);
}

/* The sample indexed twice, with opts a (NULL: defaults) as name a and
 * with opts b as name b in the test directory (paths into pa, pb: 512
 * bytes): 0, or -1 when a build failed. */
static int build_two(const tenyo_build_opts *a, const char *na, char *pa,
                     const tenyo_build_opts *b, const char *nb, char *pb) {
    snprintf(pa, 512, "%s/%s", ty_test_tmpdir(), na);
    snprintf(pb, 512, "%s/%s", ty_test_tmpdir(), nb);
    return ty_test_build(SAMPLE, 1000000, a, pa) || ty_test_build(SAMPLE, 1000000, b, pb) ? -1 : 0;
}

/* A sharded index is written without the section (tenyo-mpi's shards
 * keep their rows where they are, and the one-process writer makes the
 * same files): its judge computes every term's facts, the same as the
 * single file's stored ones. */
TY_TEST(termfacts_sharded_computed_equal) {
    char one[512], sh[512], err[256];
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    o.shards = 3;
    CHECK(build_two(NULL, "tf_one.tny", one, &o, "tf_sharded.tny", sh) == 0);
    tenyo_index *a = NULL, *b = NULL;
    CHECK(tenyo_index_open(one, &a, err, sizeof err) == 0);
    CHECK(tenyo_index_open(sh, &b, err, sizeof err) == 0);
    CHECK(b->m.tf_sec == NULL && ty_index_termfacts(b) == NULL && ty_index_termfacts(a) != NULL);
    CHECK_EQ_INT(a->m.nterms, b->m.nterms);
    uint64_t n;
    int fact;
    int64_t d = first_difference(a, b, &n, &fact);
    tenyo_index_free(a);
    tenyo_index_free(b);
    CHECKF(d < 0, "term %lld, fact %d", (long long)d, fact);
    CHECK(n > 1000);
}

/* The section's raw bytes of the index at path, malloc'd into *out. */
static int section_bytes(const char *path, char **out, uint64_t *len) {
    char err[256];
    tenyo_index *x = NULL;
    const char *p;
    *out = NULL;
    if (tenyo_index_open(path, &x, err, sizeof err) || !x->m.tf_sec ||
        ty_lazysec_get(x->m.tf_sec, &p, len, err, sizeof err) || !(*out = malloc(*len))) {
        tenyo_index_free(x);
        return -1;
    }
    memcpy(*out, p, *len);
    tenyo_index_free(x);
    return 0;
}

/* With more than one thread the builder runs the facts' first pass (the
 * dictionaries' analysis of each term) beside the SVD and the corpus
 * passes after the fields; with one, both in a row (ty_tf_build): the
 * same section, byte for byte, and the same as ty_tf_build on the model
 * the index holds. */
TY_TEST(termfacts_same_on_its_own_thread) {
    char p1[512], p3[512], err[256];
    tenyo_build_opts o1, o3;
    tenyo_build_opts_default(&o1);
    o1.threads = 1;
    o3 = o1;
    o3.threads = 3;
    CHECK(build_two(&o1, "tf_t1.tny", p1, &o3, "tf_t3.tny", p3) == 0);
    char *a = NULL, *b = NULL;
    uint64_t na = 0, nb = 0;
    CHECK(section_bytes(p1, &a, &na) == 0 && section_bytes(p3, &b, &nb) == 0);
    CHECKF(na == nb && !memcmp(a, b, na), "%llu and %llu bytes, or other bytes",
           (unsigned long long)na, (unsigned long long)nb);
    tenyo_index *x = NULL;
    ty_buf again = {0};
    CHECK(tenyo_index_open(p3, &x, err, sizeof err) == 0);
    CHECK(ty_tf_build(&x->m, NULL, &again, err, sizeof err) == 0);
    CHECKF(again.len == na && !memcmp(again.p, a, na), "ty_tf_build: %zu bytes against %llu",
           again.len, (unsigned long long)na);
    ty_buf_free(&again);
    tenyo_index_free(x);
    free(a);
    free(b);
}

/* The ideas path weighs terms without asking for the corpus-wide facts:
 * its worth is the same from the section as computed term by term. */
TY_TEST(termfacts_worth_same_without_corpus_facts) {
    char path[512];
    snprintf(path, sizeof path, "%s/tf_worth.tny", ty_test_tmpdir());
    CHECK(ty_test_build(SAMPLE, 1000000, NULL, path) == 0);
    tenyo_index *a, *b;
    CHECK(open_both(path, &a, &b) == 0);
    int same = 1;
    for (uint32_t t = 0; t < a->m.nterms && same; t++) {
        double fa[TY_JF_N], fb[TY_JF_N], wa, wb;
        same = !ty_judge_term_features(a, t, fa, &wa) && !ty_judge_term_features(b, t, fb, &wb) &&
               !memcmp(&wa, &wb, sizeof wa);
        for (int i = 0; i < TY_JF_N && same; i++)
            same = i == TY_JF_SPREAD || i == TY_JF_PARTNESS || !memcmp(&fa[i], &fb[i], sizeof fa[i]);
    }
    tenyo_index_free(a);
    tenyo_index_free(b);
    CHECK(same);
}

/* The sample indexed as name in the test folder, opened twice (open_both)
 * and the first one's stored term facts read into *p, *len: 0, or -1. */
static int tf_stored(const char *name, tenyo_index **a, tenyo_index **b, const char **p,
                     uint64_t *len) {
    char path[512], why[256] = "";
    snprintf(path, sizeof path, "%s/%s", ty_test_tmpdir(), name);
    if (ty_test_build(SAMPLE, 1000000, NULL, path) || open_both(path, a, b)) return -1;
    return ty_lazysec_get((*a)->m.tf_sec, p, len, why, sizeof why) == 0 ? 0 : -1;
}

/* A section that fails its checks: check names it, the judge computes the
 * facts instead (the same ones). */
TY_TEST(termfacts_damaged_section_refused) {
    tenyo_index *a, *b;
    const char *p;
    uint64_t len;
    char why[256] = "";
    CHECK(tf_stored("tf_bad.tny", &a, &b, &p, &len) == 0);
    CHECK(ty_tf_verify_model(&a->m, why, sizeof why) == 0);
    uint64_t nt = a->m.nterms;
    CHECK_EQ_INT(len, 16 + 20 * nt);
    /* a genericity out of range, then a size one term short */
    char *bad = malloc(len + 1);
    CHECK(bad);
    memcpy(bad, p, len + 1);
    float nan = NAN;
    memcpy(bad + 16 + 8 * nt + 4 * 7, &nan, 4);
    ty_lazysec_free(a->m.tf_sec);
    a->m.tf_sec = ty_lazysec_wrap(bad, len);
    CHECK(a->m.tf_sec);
    CHECK_EQ_INT(ty_tf_verify_model(&a->m, why, sizeof why), TENYO_ERR_CORRUPT);
    CHECKF(strstr(why, "termfacts") && strstr(why, "term 7") && strstr(why, "genericity"), "%s",
           why);
    CHECK(ty_index_termfacts(a) == NULL); /* left aside: computed */
    tenyo_term_judgement ja, jb;
    const char *s = a->m.term_blob + a->m.term_off[7];
    CHECK(tenyo_term_judge(a, s, &ja) == 0 && tenyo_term_judge(b, s, &jb) == 0);
    CHECK(!memcmp(ja.features, jb.features, sizeof ja.features));
    ty_lazysec_free(b->m.tf_sec);
    char *shortb = malloc(len);
    CHECK(shortb);
    memcpy(shortb, bad, len - 20);
    shortb[len - 20] = 0;
    b->m.tf_sec = ty_lazysec_wrap(shortb, len - 20);
    CHECK_EQ_INT(ty_tf_verify_model(&b->m, why, sizeof why), TENYO_ERR_CORRUPT);
    CHECKF(strstr(why, "termfacts") && strstr(why, "20 a term"), "%s", why);
    tenyo_index_free(a);
    tenyo_index_free(b);
}

/* The checks of a stored table (made a column at a time) name the first
 * bad term in term order, whichever column holds it: an infinite
 * partness at term 3 before a NaN genericity at term 7 and bad bits at
 * term 9; bad bits at term 2 after an idf below 0 at term 1; the edges
 * -0 and 1.001 pass. */
TY_TEST(termfacts_first_bad_term_named) {
    tenyo_index *a, *b;
    const char *p;
    uint64_t len;
    char why[256] = "";
    CHECK(tf_stored("tf_first.tny", &a, &b, &p, &len) == 0);
    uint64_t nt = a->m.nterms;
    CHECK(nt > 10);
    static const struct {
        int col;     /* -1: the word of bits; 0 idf .. 3 partness */
        uint32_t t1; /* first damage */
        float v1;
        int col2;
        uint32_t t2; /* second */
        float v2;
        const char *want; /* in the message; NULL: accepted */
    } cases[] = {
        {3, 3, INFINITY, 1, 7, NAN, "term 3: partness"},
        {1, 7, NAN, -1, 9, 0, "term 7: genericity"},
        {-1, 2, 0, 0, 1, -0.5f, "term 1: idf"},
        {-1, 0, 0, 2, 5, 2.0f, "term 0: bad bits"},
        {0, 4, -0.0f, 2, 6, 1.001f, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *bad = malloc(len + 1);
        CHECK(bad);
        memcpy(bad, p, len + 1);
        for (int k = 0; k < 2; k++) {
            int col = k ? cases[i].col2 : cases[i].col;
            uint32_t t = k ? cases[i].t2 : cases[i].t1;
            float v = k ? cases[i].v2 : cases[i].v1;
            if (col < 0) memset(bad + 16 + 4 * t, 0, 4); /* morphs 0 */
            else memcpy(bad + 16 + 4 * nt * (uint64_t)(col + 1) + 4 * t, &v, 4);
        }
        ty_lazysec *keep = b->m.tf_sec;
        b->m.tf_sec = ty_lazysec_wrap(bad, len);
        CHECK(b->m.tf_sec);
        why[0] = 0;
        int rc = ty_tf_verify_model(&b->m, why, sizeof why);
        if (cases[i].want)
            CHECKF(rc == TENYO_ERR_CORRUPT && strstr(why, cases[i].want), "case %zu: %d %s", i,
                   rc, why);
        else
            CHECKF(rc == 0, "case %zu: %d %s", i, rc, why);
        ty_lazysec_free(b->m.tf_sec);
        b->m.tf_sec = keep;
    }
    tenyo_index_free(a);
    tenyo_index_free(b);
}
