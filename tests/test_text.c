/*
 * test_text.c — tests of the text layer: ICU normalisation and word break,
 * the MeCab adapter, the tokenizer rules (compounds, stopwords, English
 * path, mixed text), its identity string, the golden file
 * (tests/golden/tokenizer_{input,expected}.txt), long inputs, threads, and
 * charset detection/conversion on real Shift_JIS (Aozora Bunko) and on
 * EUC-JP made with iconv(1).
 */
#include "test.h"
#include "text/text.h"

#include <pthread.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ helpers */

/* Terms joined by single spaces. */
typedef struct terms { ty_buf b; int n; } terms;

static void collect(void *ud, const char *t, size_t n) {
    terms *x = ud;
    if (x->b.len) ty_buf_putc(&x->b, ' ');
    ty_buf_append(&x->b, t, n);
    x->n++;
}

/* A tokenizer with the given options, or NULL (message in err). */
static ty_tokenizer *mk_tok(int keep_parts, int stem, char *err, size_t n) {
    tenyo_tok_opts o;
    tenyo_tok_opts_default(&o);
    o.keep_parts = keep_parts;
    o.stem = stem;
    ty_tokenizer *t = NULL;
    if (ty_tokenizer_new(&o, &t, err, n)) return NULL;
    return t;
}

/* Tokenize s with tokenizer t into out (reset first); returns the status. */
static int tok_str(const ty_tokenizer *t, const char *s, terms *out) {
    char err[TY_ERRLEN];
    ty_tokctx *c = NULL;
    out->b.len = 0;
    if (out->b.p) out->b.p[0] = 0;
    out->n = 0;
    int rc = ty_tokctx_new(t, &c, err, sizeof err);
    if (rc) return rc;
    rc = ty_tokenize(c, s, strlen(s), collect, out);
    ty_tokctx_free(c);
    if (!out->b.p) ty_buf_append(&out->b, "", 0);
    return rc;
}

/* 1 when the space-separated list has the word w. */
static int has_term(const char *list, const char *w) {
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

/* Position of word w in the list (index of the term), or -1. */
static int term_pos(const char *list, const char *w) {
    int i = 0;
    size_t n = strlen(w);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && memcmp(p, w, n) == 0) return i;
        i++;
        if (!e) break;
        p = e + 1;
    }
    return -1;
}

/* Read a whole command's output (popen); NULL on failure or no output. */
static char *read_cmd(const char *cmd, size_t *len) {
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    ty_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) ty_buf_append(&b, tmp, n);
    int st = pclose(f);
    if (st != 0 || !b.len) {
        ty_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    ty_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) ty_buf_append(&b, tmp, n);
    fclose(f);
    ty_buf_append(&b, "", 0);
    *len = b.len;
    return b.p;
}

/* ================================================================ ICU */

static int norm_eq(ty_icu *u, const char *in, const char *want) {
    ty_buf b = {0};
    int ok = ty_icu_normalize(u, in, strlen(in), &b) == TENYO_OK &&
             b.len == strlen(want) && memcmp(b.p, want, b.len) == 0 &&
             b.p[b.len] == 0;
    ty_buf_free(&b);
    return ok;
}

TY_TEST(text_icu_nfkc_casefold) {
    char err[TY_ERRLEN];
    ty_icu *u = NULL;
    CHECKF(ty_icu_new(&u, err, sizeof err) == TENYO_OK, "%.300s", err);
    CHECK(norm_eq(u, "ＬＥＤ照明", "led照明"));
    CHECK(norm_eq(u, "①の基板", "1の基板"));
    CHECK(norm_eq(u, "ｶﾒﾗﾓｼﾞｭｰﾙ", "カメラモジュール"));
    CHECK(norm_eq(u, "Straße ABC", "strasse abc"));
    CHECK(norm_eq(u, "Ｘ　Ｙ", "x y"));          /* ideographic space */
    CHECK(norm_eq(u, "か\xE3\x82\x99", "が"));   /* か + combining dakuten */
    CHECK(norm_eq(u, "㈱テスト", "(株)テスト"));
    CHECK(norm_eq(u, "", ""));
    /* not UTF-8 */
    ty_buf b = {0};
    CHECK_EQ_INT(ty_icu_normalize(u, "a\xff", 2, &b), TENYO_ERR_INPUT);
    ty_buf_free(&b);
    ty_icu_free(u);
    ty_icu_free(NULL);
}

/* Inputs far over the 64 KiB piece size: cutting into pieces must not
 * change the result (each unit normalises independently, so the result is
 * the unit's normal form repeated), including where no ASCII byte offers
 * an easy cut and a combining mark follows a kana. */
TY_TEST(text_icu_long_pieces) {
    char err[TY_ERRLEN];
    ty_icu *u = NULL;
    CHECKF(ty_icu_new(&u, err, sizeof err) == TENYO_OK, "%.300s", err);
    const char *units[] = {"ＡＢｶﾞ漢字か\xE3\x82\x99。\n", "漢字か\xE3\x82\x99ｶﾞ①"};
    for (int k = 0; k < 2; k++) {
        ty_buf in = {0}, want = {0}, unit = {0}, got = {0};
        CHECK(ty_icu_normalize(u, units[k], strlen(units[k]), &unit) == 0);
        for (int i = 0; i < 20000; i++) {
            ty_buf_append(&in, units[k], strlen(units[k]));
            ty_buf_append(&want, unit.p, unit.len);
        }
        CHECK(in.len > 3 * 65536);
        CHECK(ty_icu_normalize(u, in.p, in.len, &got) == TENYO_OK);
        CHECK_EQ_INT(got.len, want.len);
        CHECK(memcmp(got.p, want.p, got.len) == 0);
        ty_buf_free(&in);
        ty_buf_free(&want);
        ty_buf_free(&unit);
        ty_buf_free(&got);
    }
    ty_icu_free(u);
}

static void add_word(void *ud, const char *w, size_t n) {
    terms *x = ud;
    if (x->b.len) ty_buf_putc(&x->b, '|');
    ty_buf_append(&x->b, w, n);
    x->n++;
}

TY_TEST(text_icu_words) {
    char err[TY_ERRLEN];
    ty_icu *u = NULL;
    CHECKF(ty_icu_new(&u, err, sizeof err) == TENYO_OK, "%.300s", err);
    terms t = {0};
    const char *s = "Café au lait, 3.5 mm; e-mail (don't) — ok!";
    CHECK(ty_icu_words(u, s, strlen(s), add_word, &t) == TENYO_OK);
    CHECKF(strcmp(t.b.p, "Café|au|lait|3.5|mm|e|mail|don't|ok") == 0, "%s",
           t.b.p);
    /* twice with the same iterator, and an empty text */
    t.b.len = 0;
    CHECK(ty_icu_words(u, "a b", 3, add_word, &t) == TENYO_OK);
    CHECK(strncmp(t.b.p, "a|b", 3) == 0 && t.b.len == 3);
    CHECK(ty_icu_words(u, "", 0, add_word, &t) == TENYO_OK);
    ty_buf_free(&t.b);
    ty_icu_free(u);
}

/* ============================================================== MeCab */

static void count_morph(void *ud, const ty_morph *m) {
    terms *x = ud;
    if (x->b.len) ty_buf_putc(&x->b, '|');
    ty_buf_append(&x->b, m->surface, m->surface_len);
    ty_buf_putc(&x->b, '/');
    ty_buf_append(&x->b, m->base, m->base_len);
    x->n++;
}

TY_TEST(text_mecab_parse_identity) {
    char err[TY_ERRLEN];
    ty_mecab *m = NULL;
    CHECKF(ty_mecab_new(NULL, &m, err, sizeof err) == TENYO_OK, "%.300s", err);
    const char *id = ty_mecab_identity(m);
    CHECKF(strstr(id, ";charset=UTF-8;version=") && strstr(id, ";size="),
           "%s", id);
    ty_mecab_ctx *c = NULL;
    CHECK(ty_mecab_ctx_new(m, &c) == TENYO_OK);
    terms t = {0};
    const char *s = "基板を洗浄した";
    CHECK(ty_mecab_parse(c, s, strlen(s), count_morph, &t) == TENYO_OK);
    CHECKF(strcmp(t.b.p, "基板/基板|を/を|洗浄/洗浄|し/する|た/た") == 0, "%s",
           t.b.p);
    ty_buf_free(&t.b);
    ty_mecab_ctx_free(c);
    ty_mecab_free(m);
}

TY_TEST(text_mecab_bad_dictionary) {
    char err[TY_ERRLEN] = "";
    ty_mecab *m = NULL;
    int rc = ty_mecab_new("/nonexistent/tenyo-dic", &m, err, sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_DEPENDENCY);
    CHECK(m == NULL);
    CHECKF(strstr(err, "/nonexistent/tenyo-dic") != NULL, "%.300s", err);
    /* the EUC-JP ipadic of Debian's mecab-ipadic package is refused */
    const char *euc = "/var/lib/mecab/dic/ipadic";
    FILE *f = fopen("/var/lib/mecab/dic/ipadic/sys.dic", "rb");
    if (!f) TY_SKIP("no EUC-JP dictionary at %s to test refusal", euc);
    fclose(f);
    err[0] = 0;
    rc = ty_mecab_new(euc, &m, err, sizeof err);
    if (rc == TENYO_OK) {
        int utf8 = strstr(ty_mecab_identity(m), "charset=UTF-8") != NULL;
        ty_mecab_free(m);
        if (utf8) TY_SKIP("%s is a UTF-8 dictionary here", euc);
        CHECK(!"a non-UTF-8 dictionary was accepted");
    }
    CHECK_EQ_INT(rc, TENYO_ERR_DEPENDENCY);
    CHECKF(strstr(err, "UTF-8") != NULL, "%.300s", err);
}

/* ========================================================== tokenizer */

TY_TEST(text_tok_compound) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    CHECK(tok_str(t, "半導体基板を洗浄する。", &x) == 4);
    CHECK_STR(x.b.p, "半導体 基板 半導体基板 洗浄");
    /* leading 前記 stripped, suffix attached, reference numeral dropped */
    CHECK(tok_str(t, "前記制御部6は、記憶部に接続される。", &x) > 0);
    CHECK_STR(x.b.p, "制御 制御部 記憶 記憶部 接続");
    /* number + counter leads a compound; trailing 等 stripped */
    CHECK(tok_str(t, "3次元形状を計測するシステム等", &x) > 0);
    CHECK_STR(x.b.p, "形状 3次元形状 計測 システム");
    /* a run of 7 nouns keeps its rightmost 4 as the compound */
    CHECK(tok_str(t, "車両用電源供給回路制御装置", &x) > 0);
    CHECKF(has_term(x.b.p, "供給回路制御装置") &&
           !has_term(x.b.p, "車両用電源供給回路制御装置"), "%s", x.b.p);
    ty_tokenizer_free(t);

    t = mk_tok(0, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    CHECK(tok_str(t, "半導体基板を洗浄する。", &x) == 2);
    CHECK_STR(x.b.p, "半導体基板 洗浄");
    ty_buf_free(&x.b);
    ty_tokenizer_free(t);
}

TY_TEST(text_tok_stopwords_headings) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    CHECK(tok_str(t, "【課題】本発明は、前記基板を提供する。【選択図】図１",
                  &x) == 1);
    CHECK_STR(x.b.p, "基板");
    /* a heading word that is not a stopword is dropped as a heading only */
    CHECK(tok_str(t, "【選択図】選択図", &x) >= 1);
    CHECK(has_term(x.b.p, "選択"));
    CHECK(tok_str(t, "【選択図】", &x) == 0);
    /* boilerplate verbs and the only-stopword compound 本発明 */
    CHECK(tok_str(t, "本発明の装置は、センサを備え、信号を有する。", &x) == 2);
    CHECK_STR(x.b.p, "センサ 信号");
    ty_buf_free(&x.b);
    ty_tokenizer_free(t);
}

TY_TEST(text_tok_english) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    const char *s = "The present invention relates to Rotating SHAFTS and "
                    "the driver's sensors, e.g. 3.5 mm x 1,000 units.";
    CHECK(tok_str(t, s, &x) > 0);
    CHECK_STR(x.b.p, "rotating shafts driver sensors mm units");
    ty_tokenizer_free(t);
    t = mk_tok(1, 1, err, sizeof err);
    CHECKF(t, "%.300s", err);
    CHECK(tok_str(t, s, &x) > 0);
    CHECK_STR(x.b.p, "rotate shaft driver sensor mm unit");
    CHECK(tok_str(t, "hopping agreed batteries battery enabling caresses",
                  &x) > 0);
    CHECK_STR(x.b.p, "hop agree batteri batteri enable caress");
    ty_tokenizer_free(t);
    /* Snowball English (the default, stem = 2): Porter2's later steps too */
    t = mk_tok(1, 2, err, sizeof err);
    CHECKF(t, "%.300s", err);
    CHECK(tok_str(t, s, &x) > 0);
    CHECK_STR(x.b.p, "rotat shaft driver sensor mm unit");
    CHECK(tok_str(t, "hopping agreed batteries battery enabling caresses "
                     "communication communism generalization",
                  &x) > 0);
    CHECK_STR(x.b.p, "hop agre batteri batteri enabl caress communic communism general");
    ty_buf_free(&x.b);
    ty_tokenizer_free(t);
}

/* The inflection key: forms of one word share it, words Snowball joins
 * by derivation (fabric and fabrication: "fabric") do not. */
static const char *ikey(const char *w, char *buf) {
    size_t n = strlen(w);
    memcpy(buf, w, n);
    buf[ty_inflect_key(buf, n)] = 0;
    return buf;
}

TY_TEST(text_inflect_key) {
    char a[64], b[64];
    CHECK_STR(ikey("housings", a), ikey("housing", b));
    CHECK_STR(ikey("controlled", a), ikey("control", b));
    CHECK_STR(ikey("packaging", a), ikey("package", b));
    CHECK_STR(ikey("fabricated", a), ikey("fabricate", b));
    CHECK_STR(ikey("fabrics", a), ikey("fabric", b));
    CHECK(strcmp(ikey("fabric", a), ikey("fabrication", b)) != 0);
    CHECK(strcmp(ikey("fabric", a), ikey("fabricated", b)) != 0);
    CHECK(strcmp(ikey("product", a), ikey("production", b)) != 0);
}

TY_TEST(text_tok_mixed) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    const char *s = "ＬＥＤ照明 uses blue laser diodes と 温度センサ を備える。";
    CHECK(tok_str(t, s, &x) > 0);
    CHECK_STR(x.b.p, "led 照明 led照明 uses blue laser diodes 温度 センサ 温度センサ");
    /* order: terms come in text order across runs */
    CHECK(term_pos(x.b.p, "led照明") < term_pos(x.b.p, "laser"));
    CHECK(term_pos(x.b.p, "laser") < term_pos(x.b.p, "温度センサ"));
    /* empty and blank texts */
    CHECK(tok_str(t, "", &x) == 0);
    CHECK(tok_str(t, " \n\t 。、", &x) == 0);
    ty_buf_free(&x.b);
    ty_tokenizer_free(t);
}

TY_TEST(text_tok_invalid_utf8) {
    char err[TY_ERRLEN];
    tenyo_tokenizer *t = NULL;
    CHECKF(tenyo_tokenizer_new(NULL, &t, err, sizeof err) == TENYO_OK,
           "%.300s", err);
    terms x = {0};
    const char bad[] = "基板\xE3\x81を洗浄";
    CHECK_EQ_INT(tenyo_tokenizer_run(t, bad, sizeof bad - 1, collect, &x),
                 TENYO_ERR_INPUT);
    CHECK(x.n == 0);
    CHECKF(strstr(tenyo_tokenizer_error(t), "UTF-8") &&
           strstr(tenyo_tokenizer_error(t), "6"), "%s",
           tenyo_tokenizer_error(t));
    /* overlong encoding and a lone surrogate */
    CHECK_EQ_INT(tenyo_tokenizer_run(t, "\xC0\xAF", 2, collect, &x),
                 TENYO_ERR_INPUT);
    CHECK_EQ_INT(tenyo_tokenizer_run(t, "\xED\xA0\x80", 3, collect, &x),
                 TENYO_ERR_INPUT);
    /* the handle still works afterwards, and clears the message */
    CHECK(tenyo_tokenizer_run(t, "基板", strlen("基板"), collect, &x) == 1);
    CHECK_STR(tenyo_tokenizer_error(t), "");
    CHECK_EQ_INT(tenyo_tokenizer_run(t, NULL, 3, collect, &x), TENYO_ERR_ARG);
    ty_buf_free(&x.b);
    tenyo_tokenizer_free(t);
    tenyo_tokenizer_free(NULL);
}

TY_TEST(text_tok_identity) {
    char err[TY_ERRLEN];
    ty_tokenizer *a = mk_tok(1, 0, err, sizeof err);
    CHECKF(a, "%.300s", err);
    ty_tokenizer *b = mk_tok(1, 0, err, sizeof err);
    CHECKF(b, "%.300s", err);
    ty_tokenizer *c = mk_tok(0, 1, err, sizeof err);
    CHECKF(c, "%.300s", err);
    const char *ia = ty_tokenizer_identity(a);
    CHECK_STR(ia, ty_tokenizer_identity(b));
    CHECKF(strncmp(ia, "mecab:", 6) == 0 && strstr(ia, ";charset=UTF-8;") &&
           strstr(ia, ";parts=1;stem=0;stop=") &&
           strlen(ia) > 7 && strcmp(ia + strlen(ia) - 6, ";tok=1") == 0,
           "%s", ia);
    const char *ic = ty_tokenizer_identity(c);
    CHECKF(strstr(ic, ";parts=0;stem=1;stop="), "%s", ic);
    /* same stopword hash (16 hex digits) for both */
    const char *sa = strstr(ia, "stop="), *sc = strstr(ic, "stop=");
    CHECK(sa && sc && strncmp(sa, sc, 5 + 16) == 0 && sa[21] == ';');
    /* bad options */
    tenyo_tok_opts o;
    tenyo_tok_opts_default(&o);
    CHECK(o.keep_parts == 1 && o.stem == 2 && o.mecab_dicdir == NULL);
    o.keep_parts = 2;
    ty_tokenizer *d = NULL;
    CHECK_EQ_INT(ty_tokenizer_new(&o, &d, err, sizeof err), TENYO_ERR_ARG);
    CHECK(d == NULL);
    tenyo_tok_opts_default(&o);
    o.stem = 3;
    CHECK_EQ_INT(ty_tokenizer_new(&o, &d, err, sizeof err), TENYO_ERR_ARG);
    CHECK(d == NULL);
    tenyo_tokenizer *pub = NULL;
    tenyo_tok_opts_default(&o);
    o.stem = 0; /* a was made with stem = 0 */
    CHECK(tenyo_tokenizer_new(&o, &pub, err, sizeof err) == TENYO_OK);
    CHECK_STR(tenyo_tokenizer_identity(pub), ia);
    tenyo_tokenizer_free(pub);
    ty_tokenizer_free(a);
    ty_tokenizer_free(b);
    ty_tokenizer_free(c);
}

/* The golden file: every input line tokenized with the default options
 * gives exactly the expected line. */
TY_TEST(text_tok_golden) {
    size_t ni = 0, ne = 0;
    char *in = read_file("tests/golden/tokenizer_input.txt", &ni);
    char *ex = read_file("tests/golden/tokenizer_expected.txt", &ne);
    if (!in || !ex) {
        free(in);
        free(ex);
        CHECK(!"tests/golden/tokenizer_{input,expected}.txt not readable");
    }
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    char *ip = in, *ep = ex;
    int line = 0, fail = 0;
    char msg[400] = "";
    while (*ip) {
        line++;
        char *ie = strchr(ip, '\n'), *ee = strchr(ep, '\n');
        if (ie) *ie = 0;
        if (ee) *ee = 0;
        if (tok_str(t, ip, &x) < 0 || strcmp(x.b.p, ep) != 0) {
            if (!fail)
                snprintf(msg, sizeof msg, "line %d: got \"%s\" want \"%s\"",
                         line, x.b.p, ep);
            fail++;
        }
        ip = ie ? ie + 1 : ip + strlen(ip);
        ep = ee ? ee + 1 : ep + strlen(ep);
    }
    int extra = *ep != 0;
    ty_buf_free(&x.b);
    ty_tokenizer_free(t);
    free(in);
    free(ex);
    CHECKF(!fail, "%d golden lines differ; first %s", fail, msg);
    CHECK(line >= 10);
    CHECK(!extra);
}

/* A text much longer than one MeCab piece and one ICU piece gives the
 * terms of its sentence repeated. */
TY_TEST(text_tok_long_input) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    const char *sent = "半導体基板を洗浄する洗浄装置は、ノズルを有する。";
    terms one = {0}, all = {0};
    int n1 = tok_str(t, sent, &one);
    CHECK(n1 == 7); /* 半導体 基板 半導体基板 洗浄 洗浄 洗浄装置 ノズル */
    ty_buf big = {0};
    for (int i = 0; i < 4000; i++) ty_buf_append(&big, sent, strlen(sent));
    CHECK(big.len > 250000);
    int n = tok_str(t, big.p, &all);
    CHECK_EQ_INT(n, 4000 * n1);
    /* spot check: the last sentence's terms end the list */
    CHECK(all.b.len > one.b.len &&
          strcmp(all.b.p + all.b.len - one.b.len, one.b.p) == 0);
    /* the same without any 。: cut at a character boundary instead */
    big.len = 0;
    for (int i = 0; i < 3000; i++) ty_buf_append(&big, "基板", strlen("基板"));
    n = tok_str(t, big.p, &all);
    CHECK(n > 0);
    ty_buf_free(&big);
    ty_buf_free(&one.b);
    ty_buf_free(&all.b);
    ty_tokenizer_free(t);
}

typedef struct thr_arg {
    const ty_tokenizer *t;   /* shared tokenizer */
    const char *text;        /* text to tokenize */
    terms out;               /* result */
    int rc;                  /* status */
} thr_arg;

static void *thr_run(void *p) {
    thr_arg *a = p;
    for (int i = 0; i < 20; i++) a->rc = tok_str(a->t, a->text, &a->out);
    return NULL;
}

/* One shared tokenizer, a context per thread: same terms as alone. */
TY_TEST(text_tok_threads) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    CHECKF(t, "%.300s", err);
    const char *text = "ロボットアームの先端に取り付けたカメラで把持対象物を"
                       "撮影する。The gripper uses suction cups.";
    terms ref = {0};
    int nref = tok_str(t, text, &ref);
    CHECK(nref > 5);
    thr_arg a[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thr_arg){t, text, {{0}, 0}, 0};
        CHECK(pthread_create(&th[i], NULL, thr_run, &a[i]) == 0);
    }
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ok &= a[i].rc == nref && strcmp(a[i].out.b.p, ref.b.p) == 0;
        ty_buf_free(&a[i].out.b);
    }
    ty_buf_free(&ref.b);
    ty_tokenizer_free(t);
    CHECK(ok);
}

TY_TEST(text_detect_lang) {
    const char *ja = "【課題】車両の運転者の眠気を検出する。ECU と CAN バスを用いる。";
    const char *en = "A vehicle controller detects driver drowsiness (眠気).";
    CHECK_STR(ty_detect_lang(ja, strlen(ja)), "ja");
    CHECK_STR(ty_detect_lang(en, strlen(en)), "en");
    CHECK_STR(ty_detect_lang("LED照明", strlen("LED照明")), "ja");
    CHECK_STR(ty_detect_lang("", 0), "en");
    CHECK_STR(ty_detect_lang("12345 !!", 8), "en");
}

/* ============================================================ charsets */

/* A real Shift_JIS (CP932) Aozora Bunko text: detected, converted without
 * replacement characters, and tokenized into plausible Japanese words. */
TY_TEST(text_charset_aozora_sjis) {
    const char *tar = ty_test_shared("text/aozora_sjis_400.tar.zst");
    if (!tar) TY_SKIP("text/aozora_sjis_400.tar.zst absent");
    const char *member = "aozora_sjis/0184_3271_ruby_10933.txt";
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "zstd -dc '%s' 2>/dev/null | tar -xOf - '%s' 2>/dev/null", tar,
             member);
    size_t n = 0;
    char *sj = read_cmd(cmd, &n);
    if (!sj) TY_SKIP("could not extract %s (zstd or tar missing?)", member);
    char name[64], err[TY_ERRLEN];
    CHECK(ty_charset_detect(sj, n, name, sizeof name) == TENYO_OK);
    int sjis = strcasecmp(name, "Shift_JIS") == 0 ||
               strcasecmp(name, "windows-31j") == 0 ||
               strcasecmp(name, "cp932") == 0 ||
               strncasecmp(name, "ibm-943", 7) == 0;
    if (!sjis) free(sj);
    CHECKF(sjis, "detected %s", name);
    char *u8 = NULL;
    size_t ulen = 0;
    int rc = ty_charset_to_utf8(name, sj, n, &u8, &ulen, err, sizeof err);
    free(sj);
    CHECKF(rc == TENYO_OK, "%.300s", err);
    CHECK(ty_utf8_valid(u8, ulen, NULL));
    CHECK(memmem(u8, ulen, "\xEF\xBF\xBD", 3) == NULL); /* no U+FFFD */
    CHECK(strstr(u8, "宮本百合子") != NULL);
    ty_tokenizer *t = mk_tok(1, 0, err, sizeof err);
    if (!t) free(u8);
    CHECKF(t, "%.300s", err);
    terms x = {0};
    int nt = tok_str(t, u8, &x);
    free(u8);
    ty_tokenizer_free(t);
    int found = has_term(x.b.p, "生活") + has_term(x.b.p, "自分") +
                has_term(x.b.p, "社会") + has_term(x.b.p, "日本") +
                has_term(x.b.p, "憲法");
    ty_buf_free(&x.b);
    CHECK(nt > 500);
    CHECKF(found == 5, "%d of 5 common words found", found);
}

/* UTF-8 -> EUC-JP with iconv(1), then detect and convert back. */
TY_TEST(text_charset_eucjp_roundtrip) {
    const char *text =
        "本発明は、車両の運転者の状態を推定する運転支援装置に関する。"
        "カメラで撮影した顔画像から視線の方向と瞼の開度を求め、眠気の程度を"
        "判定する。判定結果に応じて、警報を出力し、または自動運転モードに"
        "切り替える。ハンドルの把持状態も考慮される。\n";
    char path[512];
    snprintf(path, sizeof path, "%s/euc_src.txt", ty_test_tmpdir());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t EUC-JP '%s' 2>/dev/null",
             path);
    size_t n = 0;
    char *euc = read_cmd(cmd, &n);
    if (!euc) TY_SKIP("iconv(1) with EUC-JP not available");
    CHECK(n > 100 && !ty_utf8_valid(euc, n, NULL));
    char name[64], err[TY_ERRLEN];
    CHECK(ty_charset_detect(euc, n, name, sizeof name) == TENYO_OK);
    int ok = strcasecmp(name, "EUC-JP") == 0;
    if (!ok) free(euc);
    CHECKF(ok, "detected %s", name);
    char *u8 = NULL;
    size_t ulen = 0;
    int rc = ty_charset_to_utf8(name, euc, n, &u8, &ulen, err, sizeof err);
    free(euc);
    CHECKF(rc == TENYO_OK, "%.300s", err);
    ok = ulen == strlen(text) && memcmp(u8, text, ulen) == 0;
    free(u8);
    CHECK(ok);
    /* a wrong charset is reported with an offset, not papered over */
    rc = ty_charset_to_utf8("EUC-JP", "\x8E\xFF\xFF", 3, &u8, &ulen, err,
                            sizeof err);
    CHECK_EQ_INT(rc, TENYO_ERR_INPUT);
    CHECK(u8 == NULL && strstr(err, "offset") != NULL);
    CHECK_EQ_INT(ty_charset_to_utf8("no-such-charset", "a", 1, &u8, &ulen,
                                    err, sizeof err),
                 TENYO_ERR_DEPENDENCY);
}

/* ========================================================= phrases */

/* "target<-expression" pairs and stem=word surfaces joined by " | ". */
static void collect_phrase(void *ud, const char *t, size_t tn, const char *e,
                           size_t en) {
    ty_buf *b = ud;
    if (b->len) ty_buf_append(b, " | ", 3);
    ty_buf_append(b, t, tn);
    ty_buf_append(b, "<-", 2);
    ty_buf_append(b, e, en);
}

static void collect_surface(void *ud, const char *t, size_t tn, const char *w,
                            size_t wn) {
    ty_buf *b = ud;
    if (b->len) ty_buf_append(b, " | ", 3);
    ty_buf_append(b, t, tn);
    ty_buf_putc(b, '=');
    ty_buf_append(b, w, wn);
}

static void drop_term(void *ud, const char *t, size_t n) {
    (void)ud; (void)t; (void)n;
}

/* Phrases (or surfaces with surf = 1) of s, into out. */
static int phrases_of(const ty_tokenizer *t, const char *s, int surf, ty_buf *out) {
    char err[TY_ERRLEN];
    ty_tokctx *c = NULL;
    out->len = 0;
    int rc = ty_tokctx_new(t, &c, err, sizeof err);
    if (rc) return rc;
    ty_tok_sink sink = {drop_term, surf ? collect_surface : NULL,
                        surf ? NULL : collect_phrase, out, NULL};
    rc = ty_tokenize_sink(c, s, strlen(s), &sink);
    ty_tokctx_free(c);
    ty_buf_putc(out, 0);
    out->len--;
    return rc;
}

/* Terms of s into own (term()) and part (the part sink), "|"-joined. */
static void own_cb(void *ud, const char *t, size_t n) {
    ty_buf *b = ud;
    ty_buf_append(b, t, n);
    ty_buf_putc(b, '|');
}
static void part_cb(void *ud, const char *t, size_t n) {
    ty_buf *b = (ty_buf *)ud + 1;
    ty_buf_append(b, t, n);
    ty_buf_putc(b, '|');
}

/* The part sink: a content word another one comes before in a compound
 * (電池 of 燃料電池, モード of 燃料電池モード) goes there instead of term();
 * the first content word of a compound (電池 of 電池パック, 燃料) and the one
 * content word of a compound with a suffix (蝶番 of 蝶番部) stay terms, as do
 * the compounds; without the sink, every term goes to term() as before. */
TY_TEST(text_part_sink_members_after_the_first) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 1, err, sizeof err);
    CHECKF(t != NULL, "%.200s", err);
    ty_tokctx *c = NULL;
    CHECK_EQ_INT(ty_tokctx_new(t, &c, err, sizeof err), 0);
    const char *s = "燃料電池と電池パック。蝶番部を備える。";
    ty_buf b[2] = {{0}};
    ty_tok_sink sink = {.term = own_cb, .part = part_cb, .ud = b};
    CHECK(ty_tokenize_sink(c, s, strlen(s), &sink) > 0);
    ty_buf_putc(&b[0], 0);
    ty_buf_putc(&b[1], 0);
    CHECKF(!strcmp(b[1].p, "電池|パック|"), "parts: %s", b[1].p);
    CHECKF(strstr(b[0].p, "|電池|電池パック|") && strstr(b[0].p, "燃料|燃料電池|") &&
               strstr(b[0].p, "蝶番|蝶番部|"),
           "terms: %s", b[0].p);
    /* no sink: the same terms, parts included, in the same order */
    ty_buf all = {0};
    CHECK(ty_tokenize(c, s, strlen(s), own_cb, &all) > 0);
    ty_buf_putc(&all, 0);
    CHECKF(!strcmp(all.p, "燃料|電池|燃料電池|電池|パック|電池パック|蝶番|蝶番部|"), "all: %s", all.p);
    ty_buf_free(&b[0]);
    ty_buf_free(&b[1]);
    ty_buf_free(&all);
    ty_tokctx_free(c);
    ty_tokenizer_free(t);
}

TY_TEST(text_phrases_ja) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 1, err, sizeof err);
    CHECKF(t != NULL, "%.200s", err);
    ty_buf b = {0};
    /* every pattern once, with the noun-phrase rules: determiner (前記)
     * and reference numeral (1) dropped, の joining nouns kept, one verbal
     * noun before 用 (表示用) is a function, not a use */
    int rc = phrases_of(t,
        "前記車両の運転支援に用いることができる。医療用の内視鏡装置1に好適である。"
        "撮像部を備えた車両。本発明は監視システムに適用される。表示用の画面。"
        "ロボット向けの制御。衝突回避のための装置。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "車両の運転支援<-車両の運転支援に用いる | 医療<-医療用 | "
                   "医療用の内視鏡装置<-医療用の内視鏡装置に好適 | "
                   "車両<-撮像部を備えた車両 | 監視システム<-監視システムに適用 | "
                   "ロボット<-ロボット向け | 衝突回避<-衝突回避のため") == 0, "got %.300s", b.p);
    /* nothing spans a line break (title / abstract boundary), generic
     * targets (装置) are no application */
    rc = phrases_of(t, "制御装置を備えた車両\n車線維持装置。装置に用いる。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "車両<-制御装置を備えた車両") == 0, "got %.300s", b.p);
    /* the document speaking of itself is no part of the use: 本発明の抗菌用
     * names 抗菌 (not 発明の抗菌), 本実施形態の照明装置に用いる 照明装置 */
    rc = phrases_of(t, "本発明の抗菌用の組成物。本実施形態の照明装置に用いる。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "抗菌<-抗菌用 | 照明装置<-照明装置に用いる") == 0, "got %.300s", b.p);
    /* a parenthesis is read past: no half of it in a use */
    rc = phrases_of(t, "固体電解質型燃料電池（ＳＯＦＣ）を備えたプラント。移動体（車両等）に用いる。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "プラント<-固体電解質型燃料電池を備えたプラント | 移動体<-移動体に用いる") == 0,
           "got %.300s", b.p);
    /* one verbal noun before のため is an action, not a use; a noun (or a
     * phrase naming what is acted on) is */
    rc = phrases_of(t, "搬送のためのローラ。冷却のための流路。農業機械のための駆動装置。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "農業機械<-農業機械のため") == 0, "got %.300s", b.p);
    /* NP1を備えたNP2 is a use when the title names NP1 (the invention in
     * something larger); not when NP1 is one of its parts (the title names
     * another thing) or NP2 carries a reference sign (an element) */
    rc = phrases_of(t, "給湯装置\n燃焼器を備えた循環路に湯を流す。本給湯装置を備えた住宅。", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "住宅<-給湯装置を備えた住宅") == 0, "got %.300s", b.p);
    rc = phrases_of(t, "撹拌機を備えた反応槽２０に原料を供給する。", 0, &b);
    CHECKF(rc == 0 || !strstr(b.p ? b.p : "", "反応槽"), "got %.300s", b.p);
    ty_buf_free(&b);
    ty_tokenizer_free(t);
}

TY_TEST(text_phrases_en) {
    char err[TY_ERRLEN];
    ty_tokenizer *t = mk_tok(1, 1, err, sizeof err);
    CHECKF(t != NULL, "%.200s", err);
    ty_buf b = {0};
    int rc = phrases_of(t,
        "The sensor is suitable for use in medical imaging systems, and "
        "applicable to the automotive industry. Batteries are used in "
        "electric vehicles for the treatment of water.", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "medical imaging systems<-suitable for use in medical imaging systems | "
                   "automotive industry<-applicable to automotive industry | "
                   "electric vehicles<-used in electric vehicles") == 0, "got %.300s", b.p);
    /* a noun phrase longer than the target's words is cut back to its head
     * before "of", or dropped: never a fragment */
    rc = phrases_of(t,
        "A powder suitable for administration of a stable dry powder formulation. "
        "Tubes useful for tubes of a large shell type heat exchanger unit. "
        "A film suitable for large flat panel liquid crystal display screens of phones.", 0, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "administration<-suitable for administration | tubes<-useful for tubes") == 0,
           "got %.300s", b.p);
    /* surfaces of stemmed terms, right after the stem */
    rc = phrases_of(t, "Batteries, battery and rotating sensors", 1, &b);
    CHECK_EQ_INT(rc > 0, 1);
    CHECKF(strcmp(b.p, "batteri=batteries | batteri=battery | rotate=rotating | sensor=sensors") == 0, "got %.300s", b.p);
    ty_buf_free(&b);
    ty_tokenizer_free(t);
}
