/*
 * test_width.c — display width (text/icu.c tenyo_text_width and
 * tenyo_text_fit): East Asian Wide and Fullwidth count 2, half-width
 * katakana and Ambiguous 1, combining marks 0, bad bytes 1; fitting never
 * cuts a character.
 */
#include "api/api.h"
#include "test.h"

static size_t w(const char *s) { return tenyo_text_width(s, strlen(s)); }

TY_TEST(width_east_asian) {
    CHECK_EQ_INT(w(""), 0);
    CHECK_EQ_INT(w("abc"), 3);
    CHECK_EQ_INT(w("特開2024-127407"), 15);      /* 2 kanji + 11 ASCII */
    CHECK_EQ_INT(w("カメラ装置"), 10);
    CHECK_EQ_INT(w("ｶﾒﾗ"), 3);                   /* half-width katakana */
    CHECK_EQ_INT(w("ＡＢＣ１"), 8);              /* fullwidth forms */
    CHECK_EQ_INT(w("e\xcc\x81"), 1);             /* e + combining acute */
    CHECK_EQ_INT(w("①…"), 2);                    /* Ambiguous: 1 each */
    CHECK_EQ_INT(w("\xf0\x9f\x98\x80"), 2);      /* emoji: Wide */
    CHECK_EQ_INT(w("\xe3\x80\x80"), 2);          /* ideographic space */
    CHECK_EQ_INT(w("a\tb"), 2);                  /* control: 0 */
    CHECK_EQ_INT(w("\xff\xfe" "a"), 3);          /* bad bytes: 1 each */
    CHECK_EQ_INT(tenyo_text_width(NULL, 3), 0);
}

TY_TEST(width_fit_never_cuts_a_character) {
    const char *s = "特開2024";
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 0), 0);
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 1), 0);  /* 特 needs 2 */
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 2), 3);
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 3), 3);
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 4), 6);
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 5), 7);
    CHECK_EQ_INT(tenyo_text_fit(s, strlen(s), 100), strlen(s));
    /* a combining mark stays with its letter */
    const char *e = "ae\xcc\x81z";
    CHECK_EQ_INT(tenyo_text_fit(e, strlen(e), 2), 4);
    /* every fit of a long mixed title is a prefix of at most cols columns
     * that ends on a character boundary */
    const char *t = "車両の運転支援装置及び眠気推定方法 (driver assistance) ｶﾒﾗ①";
    for (size_t cols = 0; cols < 80; cols++) {
        size_t n = tenyo_text_fit(t, strlen(t), cols);
        CHECK(tenyo_text_width(t, n) <= cols);
        CHECK(n == strlen(t) || ((unsigned char)t[n] & 0xC0) != 0x80);
        if (n < strlen(t)) CHECK(tenyo_text_width(t, n + (size_t)(t[n] & 0x80 ? 3 : 1)) > cols ||
                                 ((unsigned char)t[n] < 0x80 && tenyo_text_width(t, n + 1) > cols));
    }
}
