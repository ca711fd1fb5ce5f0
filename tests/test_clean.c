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
    /* after a katakana name or with a letter any particle ends a sign, and
     * a range of signs goes whole; a counter, an amount's range and a
     * kanji word's number before から keep theirs */
    clean_is("脱着ゾーン１０から出た空気", "脱着ゾーンから出た空気");
    clean_is("ヒータ１２ａ〜１２ｃを制御する", "ヒータを制御する");
    clean_is("ローラ２１～２４により搬送する", "ローラにより搬送する");
    clean_is("ポンプ３より送る", "ポンプより送る");
    clean_is("弁3a-3bまで開く", "弁まで開く");
    clean_is("ゾーン２つを設ける", "ゾーン２つを設ける");
    clean_is("粒径１０〜２０の粒子", "粒径１０〜２０の粒子");
    clean_is("温度１００から下げる", "温度１００から下げる");
}

TY_TEST(clean_markup_detect) {
    CHECK(ty_has_markup("吸収<BR>液用", strlen("吸収<BR>液用")));
    CHECK(ty_has_markup("【要約】洗浄用", strlen("【要約】洗浄用")));
    CHECK(!ty_has_markup("内視鏡装置に用いる", strlen("内視鏡装置に用いる")));
    CHECK(ty_markup_term("br") && ty_markup_term("co") && !ty_markup_term("battery"));
    CHECK(!ty_markup_term("振動"));
}

/* 1 when term t reads as cut from a longer word in the texts (NULL-ended) */
static int cut_of(const char *t, const char *const *texts) {
    ty_cut k = {0};
    for (size_t i = 0; texts[i]; i++) ty_cut_seen(&k, t, texts[i]);
    return ty_cut_word(&k);
}

/* Cut words: a piece MeCab cut from a longer word (化合 of 化合物, アミ of
 * アミノ酸) is told by the texts; a word used as itself (運転 of 運転者,
 * 運転支援, 運転を), one followed by a conjunction (及び), or one seen too
 * rarely to judge is not. */
TY_TEST(clean_cut_words) {
    const char *chem[] = {"化合物を含む組成物。", "この化合物は", "化合物及び塩", NULL};
    CHECK(cut_of("化合", chem));
    CHECK(!cut_of("化合物", chem));
    const char *amino[] = {"アミノ酸を含む。", "アミノ酸及びアミノ酸塩", NULL};
    CHECK(cut_of("アミ", amino));
    CHECK(!cut_of("アミノ酸", amino));
    const char *drive[] = {"運転者の顔", "運転支援装置", "運転を続ける", "運転者", NULL};
    CHECK(!cut_of("運転", drive));
    const char *cabin[] = {"車室内のカメラ", "車室内に", "車室内の映像", NULL};
    CHECK(!cut_of("車室", cabin));
    const char *conj[] = {"アミノカプロン酸及びトラネキサム酸", "アミノカプロン酸及び塩",
                          "アミノカプロン酸及び水", NULL};
    CHECK(!cut_of("アミノカプロン酸", conj));
    const char *rare[] = {"化合物", "化合物", NULL};
    CHECK(!cut_of("化合", rare));
    const char *kata[] = {"カメラユニット", "カメラで撮像", "カメラユニット", NULL};
    CHECK(!cut_of("カメラ", kata));
}

/* a katakana term a text uses only as the tail of a longer katakana word */
TY_TEST(clean_kata_piece) {
    CHECK(ty_kata_piece("ボス", "シート本体にエンボス凹部を形成した。エンボスの間隔。"));
    CHECK(ty_kata_piece("キャスト", "プレキャストの床版"));
    CHECK(!ty_kata_piece("ボス", "樹脂成形品のボスにねじを締結する。"));
    CHECK(!ty_kata_piece("ボス", "エンボスとボスを備える")); /* once alone: a word here */
    CHECK(!ty_kata_piece("ボス", "ボスはエンボスの一部ではない"));
    CHECK(!ty_kata_piece("凹部", "エンボス凹部"));           /* not katakana */
    CHECK(!ty_kata_piece("ボス", "ねじの穴"));               /* not in the text */
    CHECK(!ty_kata_piece("", "エンボス"));
}
