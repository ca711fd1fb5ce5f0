/*
 * test_labels.c — IPC field labels (src/ideas/labels.c): built-in tables,
 * short-label derivation, the two scheme TSV formats (real files from
 * ../shared/data/ipc when present), fallbacks, the index blob, bad input.
 */
#include "test.h"

#include "model/model.h"

#include <pthread.h>
#include <stdlib.h>

/* ------------------------------------------------------------ helpers */

/* Write len bytes to a fresh file named name in the test tmpdir; returns
 * its path (static buffer, 4 slots) or NULL. */
static const char *lab_write(const char *name, const char *data, size_t len) {
    static char slots[4][512];
    static int next;
    char *p = slots[next++ % 4];
    snprintf(p, 512, "%s/%s", ty_test_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (!f) return NULL;
    size_t w = fwrite(data, 1, len, f);
    if (fclose(f) || w != len) return NULL;
    return p;
}

static const char *lab_write_str(const char *name, const char *s) {
    return lab_write(name, s, strlen(s));
}

/* Number of UTF-8 code points in s. */
static size_t lab_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Shorten title and compare with want (NULL: no label expected). Returns 1
 * when equal; *got receives the label for the message (caller frees). */
static int lab_short_is(const char *title, const char *lang, int level,
                        const char *want, char **got) {
    *got = NULL;
    if (ty_labels_shorten(title, lang, level, got) != TENYO_OK) return 0;
    if (!want || !*got) return !want && !*got;
    return strcmp(*got, want) == 0;
}

#define CHECK_SHORT(title, lang, level, want)                              \
    do {                                                                   \
        char *got_ = NULL;                                                 \
        int ok_ = lab_short_is(title, lang, level, want, &got_);           \
        char shown_[400];                                                  \
        snprintf(shown_, sizeof shown_, "%s", got_ ? got_ : "(null)");      \
        free(got_);                                                        \
        CHECKF(ok_, "shorten(\"%.120s\") = \"%.150s\", want \"%.150s\"",  \
               title, shown_, (want) ? (want) : "(null)");                 \
    } while (0)

/* --------------------------------------------------------- built-ins */

TY_TEST(labels_builtin_table) {
    const char *c, *prev = "";
    size_t n = 0;
    for (size_t i = 0; (c = ty_labels_builtin_class(i)); i++, n++) {
        CHECKF(strlen(c) == 3 && strcmp(prev, c) < 0,
               "class table not sorted/unique at %s", c);
        int lv = -1;
        const char *ja = ty_labels_get(NULL, c, "ja", &lv);
        CHECKF(ja && *ja && lv == 1, "no ja label for %s", c);
        CHECKF(lab_chars(ja) <= 20, "ja label of %s too long: %s", c, ja);
        const char *en = ty_labels_get(NULL, c, "en", &lv);
        CHECKF(en && *en && lv == 1, "no en label for %s", c);
        CHECKF(strlen(en) <= 60, "en label of %s too long: %s", c, en);
        prev = c;
    }
    CHECKF(n >= 131 && n <= 140, "%zu built-in classes", n);
    /* sections */
    static const char *const ja_sec[8] = {
        "生活必需品", "処理操作；運輸", "化学；冶金", "繊維；紙", "固定構造物",
        "機械工学；照明；加熱；武器；爆破", "物理学", "電気"};
    static const char *const en_sec[8] = {
        "Human necessities", "Performing operations; transporting",
        "Chemistry; metallurgy", "Textiles; paper", "Fixed constructions",
        "Mechanical engineering; lighting; heating; weapons; blasting",
        "Physics", "Electricity"};
    for (int s = 0; s < 8; s++) {
        char code[2] = {(char)('A' + s), 0};
        int lv = -1;
        CHECK_STR(ty_labels_get(NULL, code, "ja", &lv), ja_sec[s]);
        CHECK_EQ_INT(lv, 0);
        CHECK_STR(ty_labels_get(NULL, code, "en", &lv), en_sec[s]);
    }
    /* spot checks */
    CHECK_STR(ty_labels_get(NULL, "A61", "ja", NULL), "医学；獣医学；衛生学");
    CHECK_STR(ty_labels_get(NULL, "A61", "en", NULL),
              "Medical or veterinary science; hygiene");
    CHECK_STR(ty_labels_get(NULL, "B60", "ja", NULL), "車両一般");
    CHECK_STR(ty_labels_get(NULL, "B60", "en", NULL), "Vehicles in general");
    CHECK_STR(ty_labels_get(NULL, "G06", "ja", NULL), "計算；計数");
    CHECK_STR(ty_labels_get(NULL, "H01", "ja", NULL), "基本的電気素子");
    CHECK_STR(ty_labels_get(NULL, "H01", "en", NULL), "Basic electric elements");
    CHECK_STR(ty_labels_get(NULL, "G08", "en", NULL), "Signalling");
    CHECK_STR(ty_labels_get(NULL, "B25", "ja", NULL),
              "手工具；可搬式動力工具；マニプレータ");
}

/* The subclasses of H10 that the 2018 scheme predates are named as
 * subclasses (not by the class H10, "（クラス）半導体装置…"), in both
 * languages; a subclass no table knows still falls back to its class. */
TY_TEST(labels_newer_h10_subclasses) {
    int lv = -1;
    const char *codes[] = {"H10B", "H10D", "H10F", "H10H", "H10K", "H10N", "H10P", "H10W"};
    const char *cls = ty_labels_get(NULL, "H10", "ja", NULL);
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        const char *ja = ty_labels_get(NULL, codes[i], "ja", &lv);
        CHECKF(lv == 2 && ja && strcmp(ja, cls), "%s: level %d, %s", codes[i], lv, ja ? ja : "-");
        const char *en = ty_labels_get(NULL, codes[i], "en", &lv);
        CHECKF(lv == 2 && en && *en, "%s: level %d (en)", codes[i], lv);
    }
    CHECK_STR(ty_labels_get(NULL, "H10P", "ja", NULL), "H10 装置の製造・処理");
    CHECK_STR(ty_labels_get(NULL, "H10P", "en", NULL), "Manufacture or treatment of H10 devices");
    ty_labels_get(NULL, "H10X", "ja", &lv);
    CHECK_EQ_INT(lv, 1);
}

/* G06V (IPC 2022.01, image or video recognition, split from G06K and
 * G06T) is named by its own title, not by the class G06, in both
 * languages. */
TY_TEST(labels_newer_g06v) {
    int lv = -1;
    CHECK_STR(ty_labels_get(NULL, "G06V", "ja", &lv), "画像又は映像の認識又は理解");
    CHECK_EQ_INT(lv, 2);
    CHECK_STR(ty_labels_get(NULL, "G06V", "en", &lv), "Image or video recognition or understanding");
    CHECK_EQ_INT(lv, 2);
}

/* Every class code of a scheme file has a built-in label in both
 * languages (read with plain stdio, independently of the loader). */
static int lab_classes_covered(const char *path, char *missing, size_t mlen,
                               size_t *nclasses) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    static char line[70000];
    *nclasses = 0;
    missing[0] = 0;
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t');
        if (!t1) continue;
        *t1 = 0;
        if (strncmp(t1 + 1, "class\t", 6) != 0) continue;
        (*nclasses)++;
        int lj = -1, le = -1;
        const char *ja = ty_labels_get(NULL, line, "ja", &lj);
        const char *en = ty_labels_get(NULL, line, "en", &le);
        if (!ja || !en || lj != 1 || le != 1) {
            size_t k = strlen(missing);
            snprintf(missing + k, mlen - k, " %s", line);
        }
    }
    fclose(f);
    return 0;
}

TY_TEST(labels_builtin_covers_ja_scheme) {
    const char *p = ty_test_shared("ipc/ipc2018_ja.tsv");
    if (!p) TY_SKIP("../shared/data/ipc/ipc2018_ja.tsv absent");
    char missing[512];
    size_t n = 0;
    CHECK(lab_classes_covered(p, missing, sizeof missing, &n) == 0);
    CHECK_EQ_INT(n, 131);
    CHECKF(!missing[0], "classes without a built-in label:%.300s", missing);
}

TY_TEST(labels_builtin_covers_en_scheme) {
    const char *p = ty_test_shared("ipc/ipc2006_en.tsv");
    if (!p) TY_SKIP("../shared/data/ipc/ipc2006_en.tsv absent");
    char missing[512];
    size_t n = 0;
    CHECK(lab_classes_covered(p, missing, sizeof missing, &n) == 0);
    CHECK_EQ_INT(n, 129);
    CHECKF(!missing[0], "classes without a built-in label:%.300s", missing);
}

/* ------------------------------------------------------ short labels */

TY_TEST(labels_shorten_japanese) {
    /* nested parentheses, full-width references, edition mark */
    CHECK_SHORT("診断；手術；個人識別（生物学的材料の分析Ｇ０１Ｎ，例．Ｇ０１Ｎ"
                "３３／４８（詳細Ａ））［８］",
                "ja", 2, "診断；手術；個人識別");
    /* a bracket that is not an edition mark stays; digits fold to ASCII */
    CHECK_SHORT("情報通信技術［ＩＣＴ］［２０１８．０１］", "ja", 2,
                "情報通信技術［ICT］");
    CHECK_SHORT("Ｘ線技術", "ja", 2, "X線技術");
    /* ideographic spaces normalised, separators left by a removal merged */
    CHECK_SHORT("いす（座席）；ソファー；寝台　（詰め物）", "ja", 2,
                "いす；ソファー；寝台");
    CHECK_SHORT("ばね，（緩衝）；減衰手段", "ja", 2, "ばね；減衰手段");
    /* long: keep the segments that fit in 30 characters */
    CHECK_SHORT("無線による方位測定；無線による航行；電波の使用による距離または"
                "速度の決定；その他の波を用いる類似の装置",
                "ja", 2, "無線による方位測定；無線による航行");
    CHECK_SHORT("農業または林業における土作業：農業機械または器具の部品，細部"
                "または附属具一般（播種Ａ０１Ｃ５／００）",
                "ja", 2, "農業または林業における土作業");
    /* long single segment: example clause dropped */
    CHECK_SHORT("食肉，魚，卵，果実，野菜，食用種子の保存，例．かん詰めによる"
                "もの",
                "ja", 2, "食肉，魚，卵，果実，野菜，食用種子の保存");
    /* short enough: example kept */
    CHECK_SHORT("画像通信，例．テレビジョン［４］", "ja", 2,
                "画像通信，例．テレビジョン");
    /* too long even alone: cut at a comma with an ellipsis */
    char *got = NULL;
    CHECK(ty_labels_shorten("管理目的，商用目的，金融目的，経営目的，監督目的"
                            "または予測目的に特に適合したデータ処理システム"
                            "または方法",
                            "ja", 2, &got) == TENYO_OK);
    CHECK(got != NULL);
    size_t n = lab_chars(got);
    int ends = strlen(got) >= 3 && !strcmp(got + strlen(got) - 3, "…");
    free(got);
    CHECKF(n <= 40 && ends, "cut label has %zu chars", n);
    /* only a parenthesis: no label */
    CHECK_SHORT("（削除）", "ja", 2, NULL);
}

TY_TEST(labels_shorten_english) {
    CHECK_SHORT("DIAGNOSIS; SURGERY; IDENTIFICATION", "en", 2,
                "Diagnosis; surgery; identification");
    CHECK_SHORT("SECTION A — HUMAN NECESSITIES", "en", 0, "Human necessities");
    /* acronyms, IPC symbols, X-ray, lowercase e.g. kept */
    CHECK_SHORT("APPARATUS FOR CONVERSION BETWEEN AC AND DC", "en", 2,
                "Apparatus for conversion between AC and DC");
    CHECK_SHORT("X-RAY TECHNIQUE", "en", 2, "X-ray technique");
    CHECK_SHORT("WORKING OF WOOD NOT PROVIDED FOR IN SUBCLASSES B27B to B27L",
                "en", 2,
                "Working of wood not provided for in subclasses B27B to B27L");
    CHECK_SHORT("PICTORIAL COMMUNICATION, e.g. TELEVISION", "en", 2,
                "Pictorial communication, e.g. television");
    CHECK_SHORT("CORSETS; BRASSIÈRES", "en", 2, "Corsets; brassières");
    /* markup and a hyphen broken by a space */
    CHECK_SHORT("LIBRARIES, e.g. <u>IN SILICO</u> LIBRARIES", "en", 2,
                "Libraries, e.g. in silico libraries");
    CHECK_SHORT("COMPOUNDS OR NON- METALS; GAMMA- OR X-RAY MICROSCOPES", "en",
                2, "Compounds or non-metals; gamma- or X-ray microscopes");
    /* mixed case is trusted as written */
    CHECK_SHORT("Fuel cells (details H01M 8/00) for NASA", "en", 2,
                "Fuel cells for NASA");
    /* long: segments within 70 characters */
    CHECK_SHORT("RADIO DIRECTION-FINDING; RADIO NAVIGATION; DETERMINING DISTANCE "
                "OR VELOCITY BY USE OF RADIO WAVES",
                "en", 2, "Radio direction-finding; radio navigation");
    /* an e.g. aside inside a long segment */
    CHECK_SHORT("PROCESSES OR MEANS, e.g. BATTERIES, FOR THE DIRECT CONVERSION "
                "OF CHEMICAL ENERGY INTO ELECTRICAL ENERGY",
                "en", 2,
                "Processes or means for the direct conversion of chemical "
                "energy into electrical energy");
    /* an e.g. list runs to the end of the segment */
    CHECK_SHORT("CHEMICAL TREATMENT OF HIDES, SKINS OR LEATHER, e.g. TANNING, "
                "IMPREGNATING, FINISHING",
                "en", 2, "Chemical treatment of hides, skins or leather");
    /* a single long segment: word-boundary cut, no trailing function word */
    char *got = NULL;
    CHECK(ty_labels_shorten("DATA PROCESSING SYSTEMS OR METHODS, SPECIALLY "
                            "ADAPTED FOR ADMINISTRATIVE, COMMERCIAL, FINANCIAL, "
                            "MANAGERIAL, SUPERVISORY OR FORECASTING PURPOSES",
                            "en", 2, &got) == TENYO_OK);
    CHECK(got != NULL);
    size_t n = lab_chars(got);
    int ends = strlen(got) >= 3 && !strcmp(got + strlen(got) - 3, "…");
    int bad_tail = strstr(got, " or…") || strstr(got, " for…") ||
                   strstr(got, ",…");
    CHECKF(n <= 90 && ends && !bad_tail && !strncmp(got, "Data processing", 15),
           "cut label \"%.200s\"", got);
    free(got);
    CHECK(ty_labels_shorten("X", "fr", 2, &got) == TENYO_ERR_ARG);
    CHECK(ty_labels_shorten("\xff", "en", 2, &got) == TENYO_ERR_INPUT);
}

/* ------------------------------------------------------- real files */

/* Labels every loaded subclass should satisfy. */
static int lab_label_ok(const char *s, const char *lang) {
    if (!s || !*s) return 0;
    if (strstr(s, "（") || strstr(s, "(") || strstr(s, "　") ||
        strstr(s, "  ") || strstr(s, "<"))
        return 0;
    return !strcmp(lang, "ja") ? lab_chars(s) <= 40 : lab_chars(s) <= 90;
}

TY_TEST(labels_load_ja_scheme) {
    const char *p = ty_test_shared("ipc/ipc2018_ja.tsv");
    if (!p) TY_SKIP("../shared/data/ipc/ipc2018_ja.tsv absent");
    ty_labels *l = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&l) == TENYO_OK);
    int rc = ty_labels_load(l, p, err, sizeof err);
    CHECKF(rc == TENYO_OK, "load: %d %.300s", rc, err);
    size_t ns = ty_labels_count(l, "ja", 0), nc = ty_labels_count(l, "ja", 1),
           nsub = ty_labels_count(l, "ja", 2);
    size_t nen = ty_labels_count(l, "en", 2);
    int lv = -1;
    const char *a61b = ty_labels_get(l, "A61B", "ja", &lv);
    int a61b_lv = lv;
    const char *b60w = ty_labels_get(l, "B60W", "ja", NULL);
    const char *g06f = ty_labels_get(l, "G06F", "ja", NULL);
    const char *h01m = ty_labels_get(l, "H01M", "ja", NULL);
    const char *full = ty_labels_full(l, "A61B", "ja");
    const char *en = ty_labels_get(l, "A61B", "en", &lv);
    int en_lv = lv;
    /* every loaded subclass has a clean short label */
    char bad[64] = "";
    for (char s = 'A'; s <= 'H' && !bad[0]; s++)
        for (int c = 0; c < 100 && !bad[0]; c++)
            for (char sc = 'A'; sc <= 'Z'; sc++) {
                char code[16];
                snprintf(code, sizeof code, "%c%02d%c", s, c, sc);
                if (!ty_labels_full(l, code, "ja")) continue;
                const char *g = ty_labels_get(l, code, "ja", &lv);
                if (!lab_label_ok(g, "ja") || lv != 2) {
                    snprintf(bad, sizeof bad, "%s", code);
                    break;
                }
            }
    int ok = ns == 8 && nc == 131 && nsub == 642 && nen == 0 && a61b &&
             !strcmp(a61b, "診断；手術；個人識別") && a61b_lv == 2 && b60w &&
             !strcmp(b60w, "異なる種類または異なる機能の車両用サブユニットの"
                           "関連制御") &&
             g06f && !strcmp(g06f, "電気的デジタルデータ処理") && h01m &&
             !strcmp(h01m, "化学的エネルギーを電気的エネルギーに直接変換する"
                           "ための方法または手段") &&
             full && !strncmp(full, "診断；手術；個人識別（", 33) &&
             en && !strcmp(en, "Medical or veterinary science; hygiene") &&
             en_lv == 1;
    ty_labels_free(l);
    CHECKF(!bad[0], "bad short label for %s", bad);
    CHECKF(ok, "counts %zu/%zu/%zu en %zu; A61B=%.100s", ns, nc, nsub, nen,
           a61b ? a61b : "(null)");
}

TY_TEST(labels_load_en_scheme) {
    const char *p = ty_test_shared("ipc/ipc2006_en.tsv");
    if (!p) TY_SKIP("../shared/data/ipc/ipc2006_en.tsv absent");
    ty_labels *l = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&l) == TENYO_OK);
    int rc = ty_labels_load(l, p, err, sizeof err);
    CHECKF(rc == TENYO_OK, "load: %d %.300s", rc, err);
    size_t ns = ty_labels_count(l, "en", 0), nc = ty_labels_count(l, "en", 1),
           nsub = ty_labels_count(l, "en", 2);
    char got[4][200];
    static const char *const codes[4] = {"A61B", "B60W", "G06F", "H01M"};
    static const char *const want[4] = {
        "Diagnosis; surgery; identification",
        "Conjoint control of vehicle sub-units of different type or "
        "different function",
        "Electric digital data processing",
        "Processes or means for the direct conversion of chemical energy "
        "into electrical energy"};
    int lv_all = 2;
    for (int i = 0; i < 4; i++) {
        int lv = -1;
        const char *g = ty_labels_get(l, codes[i], "en", &lv);
        snprintf(got[i], sizeof got[i], "%s", g ? g : "(null)");
        if (lv != 2) lv_all = lv;
    }
    const char *sec = ty_labels_full(l, "G", "en");
    char sec_full[100];
    snprintf(sec_full, sizeof sec_full, "%s", sec ? sec : "(null)");
    int lv = -1;
    const char *b33y = ty_labels_get(l, "B33Y", "en", &lv); /* not in 2006 */
    int b33y_ok = b33y && !strcmp(b33y, "Additive manufacturing technology") &&
                  lv == 1;
    ty_labels_free(l);
    CHECKF(ns == 8 && nc == 129 && nsub == 633, "counts %zu/%zu/%zu", ns, nc,
           nsub);
    for (int i = 0; i < 4; i++)
        CHECKF(!strcmp(got[i], want[i]), "%s: \"%.190s\"", codes[i], got[i]);
    CHECK_EQ_INT(lv_all, 2);
    CHECKF(!strcmp(sec_full, "SECTION G — PHYSICS"), "%.90s", sec_full);
    CHECK(b33y_ok);
}

/* ------------------------------------------------------- fallbacks */

#define LAB_SMALL_JA                                                       \
    "code\tlevel\tdots\ttitle_ja\n"                                       \
    "G\tsection\t0\t物理学\n"                                             \
    "G06\tclass\t0\t計算；計数\n"                                          \
    "G06F\tsubclass\t0\t電気的デジタルデータ処理（特定の計算モデルＧ０６Ｎ）\n" \
    "G06F 3/00\tgroup\t0\t入力装置\n"                                      \
    "G06F 3/01\tgroup\t1\t（対話）\n"
static const char lab_small_ja[] = LAB_SMALL_JA;
/* The same with a line 7 whose code is no IPC class. */
static const char lab_small_bad[] = LAB_SMALL_JA "Z98\tclass\t0\t架空のクラス\n";

TY_TEST(labels_fallback_levels) {
    ty_labels *l = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&l) == TENYO_OK);
    /* Z98 is not a valid IPC class: the whole file is refused */
    const char *p = lab_write_str("small_bad.tsv", lab_small_bad);
    CHECK(p);
    int rc = ty_labels_load(l, p, err, sizeof err);
    int lv = -1;
    const char *r = NULL;
    /* keep going only when the load was refused with line 7 named */
    if (rc != TENYO_ERR_INPUT || !strstr(err, ":7:")) goto out;
    p = lab_write("small.tsv", lab_small_ja, sizeof lab_small_ja - 1);
    rc = ty_labels_load(l, p, err, sizeof err);
    if (rc) goto out;
    r = ty_labels_get(l, "G06F", "ja", &lv);
    if (!r || strcmp(r, "電気的デジタルデータ処理") || lv != 2) goto out;
    /* no English subclass title: class label, level 1 */
    r = ty_labels_get(l, "G06F", "en", &lv);
    if (!r || strcmp(r, "Computing; calculating; counting") || lv != 1) goto out;
    /* unknown subclass: class label */
    r = ty_labels_get(l, "G06Z", "ja", &lv);
    if (!r || strcmp(r, "計算；計数") || lv != 1) goto out;
    /* unknown class: section label */
    r = ty_labels_get(l, "A02", "ja", &lv);
    if (!r || strcmp(r, "生活必需品") || lv != 0) goto out;
    r = ty_labels_get(l, "H98Q", "en", &lv);
    if (!r || strcmp(r, "Electricity") || lv != 0) goto out;
    /* built-ins only */
    r = ty_labels_get(NULL, "A61B", "ja", &lv);
    if (!r || strcmp(r, "医学；獣医学；衛生学") || lv != 1) goto out;
    /* full titles: exact code and language only */
    r = ty_labels_full(l, "G06F", "ja");
    if (!r || strcmp(r, "電気的デジタルデータ処理（特定の計算モデルＧ０６Ｎ）"))
        goto out;
    if (ty_labels_full(l, "G06F", "en") || ty_labels_full(l, "G06Z", "ja") ||
        ty_labels_full(NULL, "G06F", "ja"))
        goto out;
    /* malformed */
    static const char *const bad[] = {"", "I", "I01", "g06f", "G6F", "G06FF",
                                      "G06F 3/01", "G0", "G06f", "06F", NULL};
    for (const char *const *b = bad; *b; b++)
        if (ty_labels_get(l, *b, "ja", &lv) || lv != -1) {
            r = *b;
            goto out;
        }
    if (ty_labels_get(l, "G06F", "fr", NULL) ||
        ty_labels_get(l, "G06F", NULL, NULL) || ty_labels_get(l, NULL, "ja", NULL))
        goto out;
    if (!ty_labels_get(l, "G06F", "JA", NULL)) goto out;
    r = "done";
out:
    ty_labels_free(l);
    CHECKF(r && !strcmp(r, "done"), "rc %d err \"%.300s\" stopped at %.40s (level %d)",
           rc, err, r ? r : "(null)", lv);
}

/* ---------------------------------------------------- bad scheme files */

/* Load text as a file; return the status and copy the message to msg. */
static int lab_try(ty_labels *l, const char *text, size_t len, char *msg,
                   size_t mlen) {
    const char *p = lab_write("try.tsv", text, len);
    if (!p) return 1000;
    msg[0] = 0;
    return ty_labels_load(l, p, msg, mlen);
}

TY_TEST(labels_load_errors) {
    ty_labels *l = NULL;
    char err[TY_ERRLEN];
    CHECK(ty_labels_new(&l) == TENYO_OK);
    static const struct {
        const char *text;   /* file content */
        int rc;             /* expected status */
        const char *where;  /* expected in the message */
    } cases[] = {
        {"code\tlevel\ttitle\nA\tsection\tX\n", TENYO_ERR_INPUT, ":1: not an IPC"},
        {"", TENYO_ERR_INPUT, "empty file"},
        {"symbol\tlevel\ttitle\n", TENYO_ERR_INPUT, "no section"},
        {"symbol\tlevel\ttitle\nA\tsection\tHUMAN\nA01\tclass\n",
         TENYO_ERR_INPUT, ":3: expected 3 tab-separated fields, got 2"},
        {"symbol\tlevel\ttitle\nA\tsection\tHUMAN\tX\tY\tZ\n",
         TENYO_ERR_INPUT, ":2: expected 3 tab-separated fields, got more"},
        {"code\tlevel\tdots\ttitle_ja\r\nA\tsection\t0\tあ\r\nA01\tklass\t0\tい\r\n",
         TENYO_ERR_INPUT, ":3: unknown level \"klass\""},
        {"code\tlevel\tdots\ttitle_ja\nA01B\tclass\t0\tい\n", TENYO_ERR_INPUT,
         ":2: code \"A01B\" is not a valid IPC class"},
        {"code\tlevel\tdots\ttitle_ja\nA01B\tsubclass\tx\tい\n",
         TENYO_ERR_INPUT, ":2: dots"},
        {"code\tlevel\tdots\ttitle_ja\nA\tsection\t0\t\xe3\x81\n",
         TENYO_ERR_INPUT, ":2: invalid UTF-8"},
        {"code\tlevel\tdots\ttitle_ja\nA\tsection\t0\ta\x01\n",
         TENYO_ERR_INPUT, ":2: control character"},
        {"code\tlevel\tdots\ttitle_ja\nA\tsection\t0\t\n", TENYO_ERR_INPUT,
         ":2: empty title"},
        {"code\tlevel\tdots\ttitle_ja\nA\tsection\t0\tあ\n\nA\tsection\t0\tい\n",
         TENYO_ERR_INPUT, ":4: duplicate code"},
        {"symbol\tlevel\ttitle\nA\tsection\tX\n\tmain_group\tY\n",
         TENYO_ERR_INPUT, ":3: empty code"},
    };
    int failed = -1;
    char msg[TY_ERRLEN] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = lab_try(l, cases[i].text, strlen(cases[i].text), err,
                         sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].where)) {
            failed = (int)i;
            snprintf(msg, sizeof msg, "rc %d: %.300s", rc, err);
            break;
        }
    }
    /* NUL byte, over-long line */
    static const char nul_text[] = "symbol\tlevel\ttitle\nA\tsection\tX\0Y\n";
    int rc_nul = lab_try(l, nul_text, sizeof nul_text - 1, err, sizeof err);
    int nul_ok = rc_nul == TENYO_ERR_INPUT && strstr(err, ":2: NUL byte");
    size_t big = 70 * 1024;
    char *long_text = malloc(big + 64);
    int long_ok = 0;
    if (long_text) {
        int h = snprintf(long_text, 64, "symbol\tlevel\ttitle\nA\tsection\t");
        memset(long_text + h, 'X', big);
        long_text[h + big] = '\n';
        int rc_long = lab_try(l, long_text, (size_t)h + big + 1, err, sizeof err);
        long_ok = rc_long == TENYO_ERR_INPUT && strstr(err, ":2: line longer");
        free(long_text);
    }
    /* missing file */
    char miss[600];
    snprintf(miss, sizeof miss, "%s/no-such-file.tsv", ty_test_tmpdir());
    int rc_io = ty_labels_load(l, miss, err, sizeof err);
    int io_ok = rc_io == TENYO_ERR_IO && strstr(err, "no-such-file.tsv");
    /* nothing from the refused files was kept */
    size_t kept = ty_labels_count(l, "ja", 0) + ty_labels_count(l, "en", 0);
    ty_labels_free(l);
    CHECKF(failed < 0, "case %d: %.400s", failed, msg);
    CHECK(nul_ok);
    CHECK(long_ok);
    CHECK(io_ok);
    CHECK_EQ_INT(kept, 0);
    CHECK(ty_labels_load(NULL, "x", NULL, 0) == TENYO_ERR_ARG);
}

TY_TEST(labels_load_override_and_atomic) {
    ty_labels *l = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&l) == TENYO_OK);
    const char *a = "symbol\tlevel\ttitle\nG06F\tsubclass\tOLD TITLE\n";
    const char *b = "\xEF\xBB\xBFsymbol\tlevel\ttitle\nG06F\tsubclass\tNEW TITLE\n"
                    "G06N\tsubclass\tCOMPUTER SYSTEMS BASED ON MODELS\n";
    const char *bad = "symbol\tlevel\ttitle\nG06F\tsubclass\tBAD TITLE\n"
                      "G06Q\tsubclass\n";
    int r1 = lab_try(l, a, strlen(a), err, sizeof err);
    int r2 = lab_try(l, b, strlen(b), err, sizeof err); /* BOM accepted */
    int r3 = lab_try(l, bad, strlen(bad), err, sizeof err);
    const char *g = ty_labels_get(l, "G06F", "en", NULL);
    char got[100];
    snprintf(got, sizeof got, "%s", g ? g : "(null)");
    size_t n = ty_labels_count(l, "en", 2);
    /* a class the built-in tables lack answers from the file */
    const char *cls = "symbol\tlevel\ttitle\nA98\tclass\tNEW CLASS OF THINGS\n";
    int r4 = lab_try(l, cls, strlen(cls), err, sizeof err);
    int l1 = -1, l2 = -1, l3 = -1;
    const char *c1 = ty_labels_get(l, "A98", "en", &l1);
    const char *c2 = ty_labels_get(l, "A98Q", "en", &l2);
    const char *c3 = ty_labels_get(l, "A98", "ja", &l3);
    int cls_ok = r4 == TENYO_OK && c1 && !strcmp(c1, "New class of things") &&
                 l1 == 1 && c2 == c1 && l2 == 1 && c3 &&
                 !strcmp(c3, "生活必需品") && l3 == 0;
    ty_labels_free(l);
    CHECK(cls_ok);
    CHECK_EQ_INT(r1, TENYO_OK);
    CHECK_EQ_INT(r2, TENYO_OK);
    CHECK_EQ_INT(r3, TENYO_ERR_INPUT);
    CHECKF(!strcmp(got, "New title"), "%.90s", got);
    CHECK_EQ_INT(n, 2);
}

/* ------------------------------------------------------- index blob */

/* 1 when a and b answer the same for every code in a's blob. */
static int lab_same(const ty_labels *a, const ty_labels *b) {
    static const char *const langs[2] = {"ja", "en"};
    char code[16];
    for (char s = 'A'; s <= 'H'; s++)
        for (int c = -1; c < 100; c++)
            for (int sc = -1; sc < 26; sc++) {
                if (c < 0 && sc >= 0) break;
                if (c < 0) snprintf(code, sizeof code, "%c", s);
                else if (sc < 0) snprintf(code, sizeof code, "%c%02d", s, c);
                else snprintf(code, sizeof code, "%c%02d%c", s, c, 'A' + sc);
                for (int g = 0; g < 2; g++) {
                    const char *x = ty_labels_full(a, code, langs[g]);
                    const char *y = ty_labels_full(b, code, langs[g]);
                    if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
                        return 0;
                    int la, lb;
                    x = ty_labels_get(a, code, langs[g], &la);
                    y = ty_labels_get(b, code, langs[g], &lb);
                    if (!x || !y || strcmp(x, y) || la != lb) return 0;
                }
            }
    return 1;
}

TY_TEST(labels_serialize_roundtrip) {
    ty_labels *a = NULL, *b = NULL;
    ty_buf s1 = {0}, s2 = {0};
    char err[TY_ERRLEN] = "";
    int ok = 0, real = 0;
    if (ty_labels_new(&a) || ty_labels_new(&b)) goto out;
    const char *p = lab_write("rt.tsv", lab_small_ja, sizeof lab_small_ja - 1);
    if (!p || ty_labels_load(a, p, err, sizeof err)) goto out;
    const char *ja = ty_test_shared("ipc/ipc2018_ja.tsv");
    const char *en = ty_test_shared("ipc/ipc2006_en.tsv");
    if (ja && ty_labels_load(a, ja, err, sizeof err)) goto out;
    if (en && ty_labels_load(a, en, err, sizeof err)) goto out;
    real = ja && en;
    if (ty_labels_serialize(a, &s1)) goto out;
    if (ty_labels_deserialize(b, s1.p, s1.len, err, sizeof err)) goto out;
    if (ty_labels_serialize(b, &s2)) goto out;
    ok = s1.len == s2.len && !memcmp(s1.p, s2.p, s1.len) && lab_same(a, b) &&
         !strncmp(s1.p, "tenyo-ipc-titles 1\n", 19) &&
         (!real || (ty_labels_count(b, "ja", 2) == 642 &&
                    ty_labels_count(b, "en", 2) == 633));
    /* an empty set round-trips to the header only */
    ty_labels_free(b);
    b = NULL;
    ty_buf_free(&s2);
    if (ty_labels_new(&b) || ty_labels_serialize(b, &s2)) ok = 0;
    else if (s2.len != 19 || ty_labels_deserialize(b, s2.p, s2.len, err,
                                                    sizeof err))
        ok = 0;
out:
    ty_labels_free(a);
    ty_labels_free(b);
    ty_buf_free(&s1);
    ty_buf_free(&s2);
    CHECKF(ok, "round trip failed (%.300s)", err);
}

TY_TEST(labels_deserialize_bad) {
    ty_labels *l = NULL;
    char err[TY_ERRLEN];
    CHECK(ty_labels_new(&l) == TENYO_OK);
    static const struct {
        const char *blob; int rc; const char *where;
    } cases[] = {
        {"", TENYO_ERR_CORRUPT, "empty"},
        {"tenyo-ipc-titles x\n", TENYO_ERR_CORRUPT, "bad header"},
        {"something else\n", TENYO_ERR_CORRUPT, "bad header"},
        {"tenyo-ipc-titles 2\n", TENYO_ERR_VERSION, "version 2"},
        {"tenyo-ipc-titles 1\nA01\tja\tX", TENYO_ERR_CORRUPT, "line 2: no newline"},
        {"tenyo-ipc-titles 1\nA01\tja\n", TENYO_ERR_CORRUPT, "line 2: expected 3"},
        {"tenyo-ipc-titles 1\nA1\tja\tX\n", TENYO_ERR_CORRUPT, "line 2: bad code"},
        {"tenyo-ipc-titles 1\nA01\tfr\tX\n", TENYO_ERR_CORRUPT, "line 2: bad language"},
        {"tenyo-ipc-titles 1\nA01\tja\tX\tY\n", TENYO_ERR_CORRUPT,
         "line 2: control character"},
        {"tenyo-ipc-titles 1\nA01\ten\tX\nA01\ten\tY\n", TENYO_ERR_CORRUPT,
         "line 3: duplicate code"},
    };
    int failed = -1;
    char msg[TY_ERRLEN] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = 0;
        int rc = ty_labels_deserialize(l, cases[i].blob, strlen(cases[i].blob),
                                       err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].where)) {
            failed = (int)i;
            snprintf(msg, sizeof msg, "rc %d: %.300s", rc, err);
            break;
        }
    }
    /* a NUL inside the blob */
    static const char nul[] = "tenyo-ipc-titles 1\nA01\ten\tX\0Y\n";
    int rc_nul = ty_labels_deserialize(l, nul, sizeof nul - 1, err, sizeof err);
    size_t kept = ty_labels_count(l, "en", 1) + ty_labels_count(l, "ja", 1);
    ty_labels_free(l);
    CHECKF(failed < 0, "case %d: %.400s", failed, msg);
    CHECK_EQ_INT(rc_nul, TENYO_ERR_CORRUPT);
    CHECK_EQ_INT(kept, 0);
}

/* ---------------------------------------------------------- threads */

typedef struct lab_thread_arg {
    const ty_labels *l;  /* shared, read-only */
    int bad;             /* lookups that disagreed */
} lab_thread_arg;

static void *lab_thread(void *p) {
    lab_thread_arg *a = p;
    for (int rep = 0; rep < 200; rep++) {
        const char *x = ty_labels_get(a->l, "G06F", "ja", NULL);
        const char *y = ty_labels_get(a->l, "G06Z", "en", NULL);
        const char *z = ty_labels_get(a->l, "B60W", "en", NULL);
        if (!x || strcmp(x, "電気的デジタルデータ処理") || !y ||
            strcmp(y, "Computing; calculating; counting") || !z ||
            strcmp(z, "Vehicles in general"))
            a->bad++;
    }
    return NULL;
}

/* fn on four threads over l at once (when go): the threads started into
 * *started, the lookups they found wrong returned. */
static int lab_threads(void *(*fn)(void *), const ty_labels *l, int go, int *started) {
    lab_thread_arg args[4];
    pthread_t th[4];
    int bad = 0;
    *started = 0;
    for (int i = 0; i < 4 && go; i++) {
        args[i] = (lab_thread_arg){l, 0};
        if (pthread_create(&th[i], NULL, fn, &args[i])) break;
        ++*started;
    }
    for (int i = 0; i < *started; i++) {
        pthread_join(th[i], NULL);
        bad += args[i].bad;
    }
    return bad;
}

TY_TEST(labels_concurrent_lookups) {
    ty_labels *l = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&l) == TENYO_OK);
    const char *p = lab_write("thr.tsv", lab_small_ja, sizeof lab_small_ja - 1);
    int rc = p ? ty_labels_load(l, p, err, sizeof err) : -1;
    int started, bad = lab_threads(lab_thread, l, rc == 0, &started);
    ty_labels_free(l);
    CHECKF(rc == 0, "load: %.300s", err);
    CHECK_EQ_INT(started, 4);
    CHECK_EQ_INT(bad, 0);
}

/* The IPC titles built into the library (models/ipc_titles.sh, when the
 * build had scheme files): they parse, and different subclasses of one
 * class get different titles (G06T and G06N both read 「計算；計数」 when
 * named by their class; A01K and A01B 「農業」), in both languages; an index
 * without titles of its own names its fields by them. */
TY_TEST(labels_builtin_subclasses) {
    extern const size_t ty_ipc_titles_len;
    const ty_labels *b = ty_labels_builtin();
    if (!ty_ipc_titles_len) {
        fprintf(stderr, "labels_builtin_subclasses: skipped: built without IPC scheme files "
                        "(models/README.md)\n");
        CHECK(b == NULL);
        return;
    }
    CHECK(b != NULL);
    static const char *const pairs[][2] = {{"G06T", "G06N"}, {"A01K", "A01B"}, {"H04N", "H04L"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        for (int g = 0; g < 2; g++) {
            const char *lg = g ? "en" : "ja";
            int la = -1, lb = -1;
            const char *x = ty_labels_get(b, pairs[i][0], lg, &la);
            const char *y = ty_labels_get(b, pairs[i][1], lg, &lb);
            CHECKF(x && y && la == 2 && lb == 2 && strcmp(x, y), "%s %s (%s): %s / %s",
                   pairs[i][0], pairs[i][1], lg, x ? x : "-", y ? y : "-");
            /* the index's labels: tenyo_field_label without an index */
            const char *fx = tenyo_field_label(NULL, pairs[i][0], lg);
            const char *fy = tenyo_field_label(NULL, pairs[i][1], lg);
            CHECKF(strcmp(fx, fy) && !strcmp(fx, x), "%s / %s", fx, fy);
        }
    CHECK(ty_labels_count(b, "ja", 2) > 600 || ty_labels_count(b, "en", 2) > 600);
}

/* Every code's label from the lazy built-in set (derived on first lookup)
 * is the one an eager set parsed from the same blob gives: every section,
 * every built-in class and each of its 26 possible subclasses, in both
 * languages, with the same answering level; tenyo_field_label without an
 * index agrees too. */
TY_TEST(labels_builtin_lazy_same) {
    extern const char ty_ipc_titles_blob[];
    extern const size_t ty_ipc_titles_len;
    if (!ty_ipc_titles_len) TY_SKIP("built without IPC scheme files");
    const ty_labels *b = ty_labels_builtin();
    ty_labels *e = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(b != NULL);
    CHECK(ty_labels_new(&e) == TENYO_OK);
    CHECKF(ty_labels_deserialize(e, ty_ipc_titles_blob, ty_ipc_titles_len, err,
                                 sizeof err) == TENYO_OK, "%s", err);
    size_t ncodes = 0, nsub = 0, bad = 0;
    const char *c;
    for (size_t i = 0; (c = ty_labels_builtin_class(i)) && b; i++)
        for (int k = -2; k < 26; k++) {
            char code[5] = {0};
            if (k == -2) code[0] = c[0]; /* its section (repeats are fine) */
            else memcpy(code, c, 3);
            if (k >= 0) code[3] = (char)('A' + k);
            for (int g = 0; g < 2; g++) {
                const char *lg = g ? "en" : "ja";
                int la = -1, lb = -1;
                const char *x = ty_labels_get(e, code, lg, &la);
                const char *y = ty_labels_get(b, code, lg, &lb);
                const char *fx = ty_labels_full(e, code, lg);
                const char *fy = ty_labels_full(b, code, lg);
                ncodes++;
                if (lb == 2) nsub++;
                if (!x || !y || strcmp(x, y) || la != lb ||
                    (fx ? !fy || strcmp(fx, fy) : fy != NULL)) {
                    if (bad++ < 5)
                        fprintf(stderr, "  %s %s: eager %s (%d) lazy %s (%d)\n", code, lg,
                                x ? x : "-", la, y ? y : "-", lb);
                }
            }
        }
    ty_labels_free(e);
    CHECK(ncodes > 7000);
    CHECK(nsub > 600);
    CHECK_EQ_INT(bad, 0);
}

/* A lazy set answers as an eager one: a title that shortens to nothing
 * falls back to the class in both (and stays so on a second lookup), a
 * later load replaces a label already derived, and four threads deriving
 * the same labels at once all get the same strings. */
static void *lab_lazy_thread(void *p) {
    lab_thread_arg *a = p;
    for (int rep = 0; rep < 50; rep++) {
        const char *x = ty_labels_get(a->l, "G06F", "ja", NULL);
        const char *z = ty_labels_get(a->l, "B60W", "en", NULL);
        if (!x || strcmp(x, "電気的デジタルデータ処理") || !z ||
            strcmp(z, "Vehicles in general"))
            a->bad++;
    }
    return NULL;
}

TY_TEST(labels_lazy_same_as_eager) {
    static const char blob[] =
        "tenyo-ipc-titles 1\n"
        "A01B\tja\t（土作業；Ａ０１Ｃ参照）\n"
        "B60W\ten\tVEHICLES IN GENERAL\n"
        "G06F\tja\t電気的デジタルデータ処理（計算機Ｇ０６Ｎ）［８］\n"
        "H04N\ten\tPICTORIAL COMMUNICATION, e.g. TELEVISION\n";
    static const char *const codes[] = {"A01B", "B60W", "G06F", "H04N", "G06", "A"};
    ty_labels *e = NULL, *z = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(ty_labels_new(&e) == TENYO_OK);
    CHECK(ty_labels_new_lazy(&z) == TENYO_OK);
    CHECK(ty_labels_deserialize(e, blob, sizeof blob - 1, err, sizeof err) == TENYO_OK);
    CHECK(ty_labels_deserialize(z, blob, sizeof blob - 1, err, sizeof err) == TENYO_OK);
    int lv = -1;
    const char *a1 = ty_labels_get(z, "A01B", "ja", &lv);
    CHECKF(a1 && lv == 1, "A01B shortens to nothing: the class answers (level %d)", lv);
    for (int rep = 0; rep < 2; rep++)
        for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
            for (int g = 0; g < 2; g++) {
                const char *lg = g ? "en" : "ja";
                int la = -1, lb = -1;
                const char *x = ty_labels_get(e, codes[i], lg, &la);
                const char *y = ty_labels_get(z, codes[i], lg, &lb);
                CHECKF(x && y && !strcmp(x, y) && la == lb, "%s %s: %s (%d) / %s (%d)",
                       codes[i], lg, x ? x : "-", la, y ? y : "-", lb);
            }
    /* a later load replaces a derived label */
    static const char blob2[] = "tenyo-ipc-titles 1\nG06F\tja\t計算機（一般）\n";
    CHECK(ty_labels_deserialize(z, blob2, sizeof blob2 - 1, err, sizeof err) == TENYO_OK);
    const char *g6 = ty_labels_get(z, "G06F", "ja", &lv);
    CHECKF(g6 && !strcmp(g6, "計算機") && lv == 2, "G06F after reload: %s", g6 ? g6 : "-");
    ty_labels_free(z);
    ty_labels_free(e);
    /* concurrent first lookups */
    z = NULL;
    CHECK(ty_labels_new_lazy(&z) == TENYO_OK);
    CHECK(ty_labels_deserialize(z, blob, sizeof blob - 1, err, sizeof err) == TENYO_OK);
    int started, bad = lab_threads(lab_lazy_thread, z, 1, &started);
    const char *p1 = ty_labels_get(z, "G06F", "ja", NULL);
    const char *p2 = ty_labels_get(z, "G06F", "ja", NULL);
    CHECK(p1 == p2); /* derived once, kept */
    ty_labels_free(z);
    CHECK_EQ_INT(started, 4);
    CHECK_EQ_INT(bad, 0);
}

/* The built-in blob's parse (titles indexed in place) gives the set the
 * checked parse gives, and refuses what it refuses: a duplicate, a bad
 * code, a blank line, no header, a missing newline at the end; a set so
 * made takes a later load like any other. */
TY_TEST(labels_builtin_parse_same) {
    static const char good[] =
        "tenyo-ipc-titles 1\n"
        "A\tja\t生活必需品\n"
        "A01\tja\t農業；林業；畜産；狩猟；捕獲；漁業\n"
        "A01B\tja\t（土作業；Ａ０１Ｃ参照）\n"
        "A01B\ten\tSOIL WORKING IN AGRICULTURE OR FORESTRY\n"
        "G06F\tja\t電気的デジタルデータ処理（計算機Ｇ０６Ｎ）［８］\n"
        "G06F\ten\tELECTRIC DIGITAL DATA PROCESSING\n";
    static const char *const codes[] = {"A", "A01", "A01B", "G06F", "G06", "H04N"};
    ty_labels *f = ty_labels_builtin_parse(good, sizeof good - 1), *e = NULL;
    char err[TY_ERRLEN] = "";
    CHECK(f != NULL);
    CHECK(ty_labels_new(&e) == TENYO_OK);
    CHECK(ty_labels_deserialize(e, good, sizeof good - 1, err, sizeof err) == TENYO_OK);
    for (size_t i = 0; f && i < sizeof codes / sizeof *codes; i++)
        for (int g = 0; g < 2; g++) {
            const char *lg = g ? "en" : "ja";
            int la = -1, lb = -1;
            const char *x = ty_labels_get(e, codes[i], lg, &la);
            const char *y = ty_labels_get(f, codes[i], lg, &lb);
            const char *fx = ty_labels_full(e, codes[i], lg), *fy = ty_labels_full(f, codes[i], lg);
            CHECKF(x && y && !strcmp(x, y) && la == lb, "%s %s: %s / %s", codes[i], lg,
                   x ? x : "-", y ? y : "-");
            CHECKF(fx ? fy && !strcmp(fx, fy) : !fy, "%s %s full", codes[i], lg);
        }
    CHECK(f && ty_labels_count(f, "ja", 2) == 2 && ty_labels_count(f, "en", 2) == 2);
    /* a later load over titles in place */
    static const char more[] = "tenyo-ipc-titles 1\nG06F\tja\t計算機（一般）\n";
    CHECK(f && ty_labels_deserialize(f, more, sizeof more - 1, err, sizeof err) == TENYO_OK);
    const char *g6 = f ? ty_labels_get(f, "G06F", "ja", NULL) : NULL;
    CHECKF(g6 && !strcmp(g6, "計算機"), "%s", g6 ? g6 : "-");
    ty_labels_free(f);
    ty_labels_free(e);
    static const char *const bad[] = {
        "tenyo-ipc-titles 1\nA01B\tja\tx\nA01B\tja\ty\n", /* duplicate */
        "tenyo-ipc-titles 1\nA1B\tja\tx\n",               /* bad code */
        "tenyo-ipc-titles 1\n\nA01B\tja\tx\n",            /* blank line */
        "A01B\tja\tx\n",                                  /* no header */
        "tenyo-ipc-titles 1\nA01B\tja\tx",                /* no newline at the end */
        "tenyo-ipc-titles 1\nA01B\tfr\tx\n",              /* bad language */
        "tenyo-ipc-titles 1\nA01B\tja\t\n",               /* empty title */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ty_labels *z = ty_labels_builtin_parse(bad[i], strlen(bad[i]));
        ty_labels *s = NULL;
        CHECK(ty_labels_new(&s) == TENYO_OK);
        int strict = ty_labels_deserialize(s, bad[i], strlen(bad[i]), err, sizeof err);
        ty_labels_free(s);
        CHECKF(!z && strict != TENYO_OK, "case %zu: parsed %d, checked parse %d", i, z != NULL,
               strict);
        ty_labels_free(z);
    }
}
