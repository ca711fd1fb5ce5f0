/*
 * test_clean.c — text fit to show in a card (src/ideas/clean.c): J-PlatPat
 * markup out of sentences, reference signs out and numbered things kept,
 * phrases with markup told, bridge terms that are markup fragments told
 * (tests/cli.sh checks the cards of an index of such records).
 */
#include "ideas/stages.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE "data/sample/sample.jsonl"

/* 1 when in cleans to want; else 0, saying what it gave */
static int cleans_to(const char *in, const char *want) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    size_t n = ty_clean_text(buf, strlen(buf));
    buf[n] = 0;
    if (!strcmp(buf, want)) return 1;
    fprintf(stderr, "clean(%s) = %s, want %s\n", in, buf, want);
    return 0;
}
#define clean_is(in, want) CHECK(cleans_to(in, want))

TY_TEST(clean_markup_out) {
    clean_is("ＣＯ2【吸収<BR>液】", "ＣＯ2【吸収液】");
    clean_is("吸収<br />液を用いる", "吸収液を用いる");
    clean_is("(57)【要約】（修正有）【課題】振動を抑える。", "【課題】振動を抑える。");
    clean_is("a < b かつ c > d", "a < b かつ c > d"); /* not a tag */
}

TY_TEST(clean_reference_signs) {
    clean_is("衝突部材５０に衝突させる", "衝突部材に衝突させる");
    clean_is("ケース1aを備える", "ケースを備える");
    clean_is("センサ１２、制御部１４とを有する。", "センサ、制御部とを有する。");
    /* numbered things and quantities keep their numbers */
    clean_is("請求項１に記載の装置", "請求項１に記載の装置");
    clean_is("第２の部材", "第２の部材");
    clean_is("図１に示す", "図１に示す");
    clean_is("２０±１０℃で固体", "２０±１０℃で固体");
    clean_is("重量部１００に対し", "重量部１００に対し");
}

TY_TEST(clean_markup_detect) {
    CHECK(ty_has_markup("吸収<BR>液用", strlen("吸収<BR>液用")));
    CHECK(ty_has_markup("【要約】洗浄用", strlen("【要約】洗浄用")));
    CHECK(!ty_has_markup("内視鏡装置に用いる", strlen("内視鏡装置に用いる")));
    CHECK(ty_markup_term("br") && ty_markup_term("co") && !ty_markup_term("battery"));
    CHECK(!ty_markup_term("振動"));
}
