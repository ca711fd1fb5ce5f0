/*
 * test_patno.c — patent numbers as people type them (api/patno.c): the
 * canonical key of every form the analysts type (tenyo_patno_key), the
 * "looks like a number" rule the page uses, and tenyo_index_resolve on a
 * small index holding Japanese, US, WO-republished, utility-model and other
 * ids: exact first, then normalised, bare numbers, ambiguity, and "did you
 * mean" for near misses.
 */
#include "api/api.h"
#include "test.h"

#include <stdlib.h>

/* key of typed, or "<rc>" when it fails; shaped in *shaped */
static const char *key(const char *typed, int *shaped) {
    static char out[256];
    int rc = tenyo_patno_key(typed, out, sizeof out);
    if (rc < 0) snprintf(out, sizeof out, "<%d>", rc);
    if (shaped) *shaped = rc;
    return out;
}

TY_TEST(patno_key_jp_forms) {
    int sh;
    const char *forms[] = {"特開2024-127407", "特開2024127407", "特開２０２４－１２７４０７",
                           " 特開2024-127407", "特開2024-127407 ", "JP2024-127407A",
                           "jp2024127407a", "JP 2024-127407 A", "ＪＰ２０２４－１２７４０７Ａ",
                           "特開2024−127407", "特開2024ー127407", "特開第2024-127407号",
                           "特開2024-127407号公報", "JP2024127407", "特開　2024‐127407"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        CHECKF(!strcmp(key(forms[i], &sh), "jp2024127407"), "%s -> %s", forms[i],
               key(forms[i], NULL));
        CHECKF(sh == 1, "%s not shaped", forms[i]);
    }
    /* 特表 (PCT national phase, A) and JP...A of it */
    CHECK_STR(key("特表2024-500123", NULL), "jp2024500123");
    CHECK_STR(key("JP2024500123A", NULL), "jp2024500123");
    /* 特許 (grant, B) and JP...B2 */
    CHECK_STR(key("特許7123456", NULL), "jp7123456");
    CHECK_STR(key("特許第7123456号", NULL), "jp7123456");
    CHECK_STR(key("JP7123456B2", NULL), "jp7123456");
    CHECK_STR(key("jp 7123456 b1", NULL), "jp7123456");
    /* 再表 (a WO number republished): JPWO...A1 */
    CHECK_STR(key("再表2018/123456", NULL), "jpwo2018123456");
    CHECK_STR(key("JPWO2018123456A1", NULL), "jpwo2018123456");
    CHECK_STR(key("WO2018/123456", NULL), "wo2018123456");
    /* eras: 平/昭/令, Latin H/S; one-digit era year padded */
    CHECK_STR(key("特開平11-123456", NULL), "jph11123456");
    CHECK_STR(key("JPH11-123456A", NULL), "jph11123456");
    CHECK_STR(key("JPH11123456A", NULL), "jph11123456");
    CHECK_STR(key("特開平7-123456", NULL), "jph07123456");
    CHECK_STR(key("特開昭62-012345", NULL), "jps62012345");
    /* utility models keep their class */
    CHECK_STR(key("実登3123456", NULL), "jp3123456u");
    CHECK_STR(key("JP3123456U", NULL), "jp3123456u");
    CHECK_STR(key("実全平03-012345", NULL), "jph03012345u");
    /* a utility model's registration written out */
    CHECK_STR(key("実用新案登録第3234843号", NULL), "jp3234843u");
    CHECK_STR(key("登録実用新案第3234843号", NULL), "jp3234843u");
    /* a Western year before 2000 where the number has an era's */
    CHECK_STR(key("特開1999-314709", NULL), "jph11314709");
    CHECK_STR(key("特開1999314709", NULL), "jph11314709");
    CHECK_STR(key("特開１９９９－３１４７０９", NULL), "jph11314709");
    CHECK_STR(key("特開1988-123456", NULL), "jps63123456");
    CHECK_STR(key("特願1999-123456", NULL), "jpah11123456");
    CHECK_STR(key("実開1995-012345", NULL), "jph07012345u");
    /* from 2000 the year is Western, and a serial number is no year */
    CHECK_STR(key("特開2012-197975", NULL), "jp2012197975");
    CHECK_STR(key("特許1999123", NULL), "jp1999123");
    /* an examined publication (特公, B of an era number) is another
     * application than the 特開 of its number; 実公 (Y) than the 実開 */
    CHECK_STR(key("特公平7-012345", NULL), "jph07012345b");
    CHECK_STR(key("JPH07012345B2", NULL), "jph07012345b");
    CHECK_STR(key("特公平07-012345号公報", NULL), "jph07012345b");
    CHECK_STR(key("特開平7-012345", NULL), "jph07012345");
    CHECK_STR(key("JPH07012345A", NULL), "jph07012345");
    CHECK_STR(key("実公昭63-012345", NULL), "jps63012345y");
    CHECK_STR(key("JPS63012345Y2", NULL), "jps63012345y");
    CHECK_STR(key("実開昭63-012345", NULL), "jps63012345u");
    /* without an era: B is the 特許 number, Y a registered utility model */
    CHECK_STR(key("JP2500000Y2", NULL), "jp2500000u");
    CHECK_STR(key("JP7123456B2", NULL), "jp7123456");
}

TY_TEST(patno_key_us_forms) {
    int sh;
    const char *forms[] = {"US06836996-20050104", "US6836996", "us6836996", "US 6,836,996",
                           "US 6,836,996 B2", "US6836996B1", "US06836996B1-20050104",
                           "ＵＳ６８３６９９６", "US-6836996-B2", "us 06836996"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        CHECKF(!strcmp(key(forms[i], &sh), "us6836996"), "%s -> %s", forms[i],
               key(forms[i], NULL));
        CHECKF(sh == 1, "%s not shaped", forms[i]);
    }
    CHECK_STR(key("USD0656296", NULL), "usd656296");
    CHECK_STR(key("US D656,296 S", NULL), "usd656296");
    /* an application publication: the year is part of the number */
    CHECK_STR(key("US 2005/0123456 A1", NULL), "us20050123456");
    CHECK_STR(key("US20050123456A1", NULL), "us20050123456");
    /* bare digits */
    CHECK_STR(key("6836996", &sh), "6836996");
    CHECK_EQ_INT(sh, 1);
    CHECK_STR(key("2024-127407", &sh), "2024127407");
    CHECK_EQ_INT(sh, 1);
}

TY_TEST(patno_key_shape_rule) {
    int sh;
    /* other ids: compact, case-folded; shaped as letters + digits */
    CHECK_STR(key("SAMPLE-001", &sh), "sample001");
    CHECK_EQ_INT(sh, 1);
    CHECK_STR(key("ｓａｍｐｌｅ　００１", &sh), "sample001");
    CHECK_EQ_INT(sh, 1);
    /* free text is not a number, whatever its length */
    key("運転支援", &sh);
    CHECK_EQ_INT(sh, 0);
    key("眠気推定装置", &sh);
    CHECK_EQ_INT(sh, 0);
    key("robot gripper with soft fingers", &sh);
    CHECK_EQ_INT(sh, 0);
    key("特開2024-127407の改良", &sh);
    CHECK_EQ_INT(sh, 0);
    key("特開", &sh);
    CHECK_EQ_INT(sh, 0);
    key("123", &sh); /* too short to be a number */
    CHECK_EQ_INT(sh, 0);
    key("led", &sh);
    CHECK_EQ_INT(sh, 0);
    /* errors */
    char small[4];
    CHECK_EQ_INT(tenyo_patno_key("特開2024-127407", small, sizeof small), TENYO_ERR_LIMIT);
    CHECK_EQ_INT(tenyo_patno_key("\xff\xfe", small, sizeof small), TENYO_ERR_INPUT);
    CHECK_EQ_INT(tenyo_patno_key(NULL, small, sizeof small), TENYO_ERR_ARG);
}

/* ---------------------------------------------------------- resolve */

static const char *const ids[] = {
    "特開2024-127407", "特開2024-127408", "特開2023-001234", "特表2024-500123",
    "特許7123456",     "再表2018/123456", "特開平11-123456", "実登3123456",
    "US06836996-20050104", "USD0656296", "SAMPLE-001", "SAMPLE-002",
    "特開2022-555555", "特表2022-555555"};

/* An index of ids[] (each a short text of its own) at a temporary path. */
static tenyo_index *small_index(void) {
    static char path[512];
    snprintf(path, sizeof path, "%s/patno.tny", ty_test_tmpdir());
    char jpath[512];
    snprintf(jpath, sizeof jpath, "%s/patno.jsonl", ty_test_tmpdir());
    FILE *f = fopen(jpath, "w");
    if (!f) return NULL;
    const char *words[] = {"robot gripper finger", "battery electrode lithium",
                           "camera image sensor", "vehicle brake control"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        fprintf(f, "{\"id\": \"%s\", \"title\": \"%s %s\", \"ipc\": [\"B25J\"]}\n", ids[i],
                words[i % 4], words[(i + 1) % 4]);
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
    if (tenyo_reader_open(jpath, NULL, &r, err, sizeof err)) {
        tenyo_builder_free(b);
        return NULL;
    }
    const tenyo_doc *d;
    int rc;
    while ((rc = tenyo_reader_next(r, &d)) == 1) tenyo_builder_add(b, d);
    tenyo_reader_free(r);
    rc = tenyo_builder_write(b, path, NULL);
    if (rc) fprintf(stderr, "%s\n", tenyo_builder_error(b));
    tenyo_builder_free(b);
    tenyo_index *x = NULL;
    if (rc || tenyo_index_open(path, &x, err, sizeof err)) return NULL;
    return x;
}

/* the stored id typed resolves to, "" when not found */
static const char *resolved(tenyo_index *x, const char *typed, int *how) {
    int64_t d;
    *how = tenyo_index_resolve(x, typed, &d, NULL, 0, NULL);
    tenyo_doc_meta m;
    if (d < 0 || tenyo_index_doc(x, (uint64_t)d, &m)) return "";
    return m.id;
}

TY_TEST(patno_resolve_exact_then_normalised) {
    tenyo_index *x = small_index();
    CHECK(x != NULL);
    int how;
    CHECK_STR(resolved(x, "特開2024-127407", &how), "特開2024-127407");
    CHECK_EQ_INT(how, TENYO_ID_EXACT);
    const char *typed[][2] = {
        {"特開２０２４－１２７４０７", "特開2024-127407"}, {"特開2024127407", "特開2024-127407"},
        {"JP2024-127407A", "特開2024-127407"}, {" 特開2024-127407", "特開2024-127407"},
        {"jp2024127408a", "特開2024-127408"}, {"2024-127407", "特開2024-127407"},
        {"JP2024500123A", "特表2024-500123"}, {"JP7123456B2", "特許7123456"},
        {"特許第7123456号", "特許7123456"}, {"JPWO2018123456A1", "再表2018/123456"},
        {"JPH11-123456A", "特開平11-123456"}, {"JP3123456U", "実登3123456"},
        {"特開1999-123456", "特開平11-123456"}, {"実用新案登録第3123456号", "実登3123456"},
        {"US 6,836,996 B2", "US06836996-20050104"}, {"us6836996", "US06836996-20050104"},
        {"6836996", "US06836996-20050104"}, {"US D656,296", "USD0656296"},
        {"sample-001", "SAMPLE-001"}, {"ｓａｍｐｌｅ００２", "SAMPLE-002"}};
    for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
        const char *got = resolved(x, typed[i][0], &how);
        CHECKF(!strcmp(got, typed[i][1]), "%s -> '%s', not %s", typed[i][0], got, typed[i][1]);
        CHECKF(how == TENYO_ID_NORMALISED, "%s: how %d", typed[i][0], how);
    }
    tenyo_index_free(x);
}

TY_TEST(patno_resolve_did_you_mean) {
    tenyo_index *x = small_index();
    CHECK(x != NULL);
    int64_t d;
    uint64_t sug[5];
    size_t ns = 99;
    /* one digit off: the two 2024-1274xx are the closest */
    CHECK_EQ_INT(tenyo_index_resolve(x, "特開2024-127409", &d, sug, 5, &ns), TENYO_ERR_NOTFOUND);
    CHECK_EQ_INT(d, -1);
    CHECK(ns >= 2);
    tenyo_doc_meta m0, m1;
    CHECK_EQ_INT(tenyo_index_doc(x, sug[0], &m0), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_doc(x, sug[1], &m1), TENYO_OK);
    CHECK_STR(m0.id, "特開2024-127407");
    CHECK_STR(m1.id, "特開2024-127408");
    /* a transposition in a US number */
    CHECK_EQ_INT(tenyo_index_resolve(x, "US6863996", &d, sug, 5, &ns), TENYO_ERR_NOTFOUND);
    CHECK(ns >= 1);
    CHECK_EQ_INT(tenyo_index_doc(x, sug[0], &m0), TENYO_OK);
    CHECK_STR(m0.id, "US06836996-20050104");
    /* far from everything: no suggestion */
    CHECK_EQ_INT(tenyo_index_resolve(x, "特開1999-999999", &d, sug, 5, &ns), TENYO_ERR_NOTFOUND);
    CHECK_EQ_INT(ns, 0);
    /* free text: not found, nothing close */
    CHECK_EQ_INT(tenyo_index_resolve(x, "眠気推定装置", &d, sug, 5, &ns), TENYO_ERR_NOTFOUND);
    CHECK_EQ_INT(ns, 0);
    /* a number two documents share (特開 and 特表 of one number): both
     * offered, neither guessed */
    CHECK_EQ_INT(tenyo_index_resolve(x, "JP2022-555555A", &d, sug, 5, &ns), TENYO_ERR_NOTFOUND);
    CHECK_EQ_INT(ns, 2);
    CHECK_EQ_INT(tenyo_index_doc(x, sug[0], &m0), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_doc(x, sug[1], &m1), TENYO_OK);
    CHECK_STR(m0.id, "特開2022-555555");
    CHECK_STR(m1.id, "特表2022-555555");
    /* typed exactly, each is still itself */
    CHECK_EQ_INT(tenyo_index_resolve(x, "特表2022-555555", &d, sug, 5, &ns), TENYO_ID_EXACT);
    CHECK_EQ_INT(tenyo_index_resolve(NULL, "x", &d, sug, 5, &ns), TENYO_ERR_ARG);
    /* the 特公 of a 特開's number is another application: not that 特開 */
    const char *kokoku[] = {"特公平11-123456", "JPH11123456B2", "JPH11-123456B"};
    for (size_t i = 0; i < sizeof kokoku / sizeof *kokoku; i++) {
        CHECKF(tenyo_index_resolve(x, kokoku[i], &d, NULL, 0, NULL) == TENYO_ERR_NOTFOUND,
               "%s resolved to document %lld", kokoku[i], (long long)d);
        CHECK_EQ_INT(d, -1);
    }
    tenyo_index_free(x);
}

/* Every id of the real corpora has a key of its own (the normalised match
 * never has to choose), and the JP...A / US...B form of each id gives the
 * same key as the stored id. */
TY_TEST(patno_key_real_ids) {
    const char *files[] = {ty_test_shared("jp/jplatpat.jsonl"),
                           ty_test_shared("en/uspto_random_10000.jsonl")};
    if (!files[0] || !files[1]) TY_SKIP("../shared/data/jp and en not present");
    ty_strmap *seen = ty_strmap_new();
    CHECK(seen != NULL);
    size_t n = 0, jpa = 0, us = 0;
    for (int f = 0; f < 2; f++) {
        tenyo_reader *r = NULL;
        char err[512], k[256], k2[256], alt[256];
        CHECK_EQ_INT(tenyo_reader_open(files[f], NULL, &r, err, sizeof err), TENYO_OK);
        const tenyo_doc *d;
        while (tenyo_reader_next(r, &d) == 1) {
            CHECK_EQ_INT(tenyo_patno_key(d->id, k, sizeof k), 1);
            int is_new = 0;
            ty_strmap_intern(seen, k, strlen(k), &is_new);
            CHECKF(is_new, "%s: key %s shared with another id", d->id, k);
            n++;
            unsigned y, num;
            /* 特開YYYY-NNNNNN typed as JPYYYY-NNNNNNA */
            if (sscanf(d->id, "特開%4u-%6u", &y, &num) == 2) {
                snprintf(alt, sizeof alt, "JP%04u%06uA", y, num);
                CHECK_EQ_INT(tenyo_patno_key(alt, k2, sizeof k2), 1);
                CHECKF(!strcmp(k, k2), "%s: %s vs %s", d->id, k, k2);
                jpa++;
            }
            /* USNNNNNNNN-YYYYMMDD typed as US N,NNN,NNN B2 */
            if (sscanf(d->id, "US%8u-", &num) == 1 && num >= 1000000) {
                snprintf(alt, sizeof alt, "US %u,%03u,%03u B2", num / 1000000,
                         num / 1000 % 1000, num % 1000);
                CHECK_EQ_INT(tenyo_patno_key(alt, k2, sizeof k2), 1);
                CHECKF(!strcmp(k, k2), "%s: %s vs %s", d->id, k, k2);
                us++;
            }
        }
        tenyo_reader_free(r);
    }
    ty_strmap_free(seen);
    CHECKF(n > 18000 && jpa > 6000 && us > 5000, "%zu ids, %zu JP...A, %zu US", n, jpa, us);
}
