/*
 * test_parts.c — a patent's parts and functions (text/parts.c): the marks
 * of a Japanese abstract, unmarked sentences by what they say, and what is
 * done to what read from MeCab's morphemes (and English stems).
 */
#include "test.h"
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

/* The parts of s as "P:text|M:text|..." (P purpose, M means, E effect, O
 * other) into out. */
static void parts_of(const char *s, char *out, size_t cap) {
    ty_span sp[16];
    size_t n = ty_parts_split(s, strlen(s), sp, 16), at = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && at + 8 < cap; i++) {
        char k = sp[i].part == TY_PART_PURPOSE ? 'P' : sp[i].part == TY_PART_MEANS ? 'M'
               : sp[i].part == TY_PART_EFFECT  ? 'E' : 'O';
        at += (size_t)snprintf(out + at, cap - at, "%s%c:%.*s", i ? "|" : "", k, (int)sp[i].n,
                               sp[i].p);
    }
}

TY_TEST(parts_marks) {
    char b[1024];
    parts_of("【課題】振動を抑える。【解決手段】ばねとダンパを備える。【効果】静か。【選択図】図1", b,
             sizeof b);
    CHECKF(!strcmp(b, "P:振動を抑える。|M:ばねとダンパを備える。|E:静か。"), "%.200s", b);
    /* an unknown mark opens an "other" part; 【要約】 changes nothing */
    parts_of("【要約】【課題】Ａ。【図面】Ｂ。", b, sizeof b);
    CHECKF(!strcmp(b, "P:Ａ。|O:Ｂ。"), "%.200s", b);
    CHECK(ty_parts_split(NULL, 0, NULL, 0) == 0);
}

TY_TEST(parts_unmarked_sentences) {
    char b[1024];
    parts_of("本発明の目的は騒音の低減である。ばねを備える装置。これにより静かになる。", b,
             sizeof b);
    CHECKF(!strcmp(b, "P:本発明の目的は騒音の低減である。|M:ばねを備える装置。|E:これにより静かになる。"),
           "%.200s", b);
    parts_of("An object of the invention is quiet. A damper comprises a spring. "
             "The damper thereby lasts.",
             b, sizeof b);
    CHECKF(!strcmp(b, "P:An object of the invention is quiet.|M: A damper comprises a spring.|"
                      "E: The damper thereby lasts."),
           "%.200s", b);
    /* a span cap is honoured */
    ty_span one[1];
    CHECK(ty_parts_split("Ａ。Ｂ。これにより。", 30, one, 1) == 1);
}

typedef struct fns { char list[2048]; size_t at; } fns;

static void on_fn(void *ud, const char *o, size_t on, const char *a, size_t an) {
    fns *f = ud;
    f->at += (size_t)snprintf(f->list + f->at, sizeof f->list - f->at, "%.*s>%.*s;", (int)on, o,
                              (int)an, a);
}

static ty_fn_reader R;
static void fn_term(void *ud, const char *t, size_t n) { (void)ud; ty_fn_term(&R, t, n); }
static void fn_morph(void *ud, const ty_morph *m) { (void)ud; ty_fn_morph(&R, m); }

/* The functions read from s into f (with stemming for English). */
static int functions_of(const char *s, fns *f) {
    tenyo_tok_opts o;
    tenyo_tok_opts_default(&o);
    o.stem = 2;
    ty_tokenizer *t = NULL;
    ty_tokctx *c = NULL;
    char err[TY_ERRLEN];
    f->at = 0;
    f->list[0] = 0;
    if (ty_tokenizer_new(&o, &t, err, sizeof err)) return -1;
    int rc = ty_tokctx_new(t, &c, err, sizeof err);
    if (!rc) {
        ty_fn_begin(&R, on_fn, f);
        ty_tok_sink sink = {fn_term, NULL, NULL, NULL, fn_morph};
        rc = ty_tokenize_sink(c, s, strlen(s), &sink) < 0;
        ty_fn_end(&R);
    }
    ty_tokctx_free(c);
    ty_tokenizer_free(t);
    return rc;
}

TY_TEST(parts_functions_japanese) {
    fns f;
    CHECK(functions_of("車体の振動を抑制する。", &f) == 0);
    CHECKF(strstr(f.list, "振動>抑制;"), "%.200s", f.list);
    /* a verb with a known サ変 equivalent */
    CHECK(functions_of("排気ガスの漏れを防ぐ。", &f) == 0);
    CHECKF(strstr(f.list, ">防止;"), "%.200s", f.list);
    /* a light noun gives the object before の */
    CHECK(functions_of("渦の発生を抑える。", &f) == 0);
    CHECKF(strstr(f.list, "渦>抑制;"), "%.200s", f.list);
    /* the noun form counts the same */
    CHECK(functions_of("振動の抑制を図る。", &f) == 0);
    CHECKF(strstr(f.list, "振動>抑制;"), "%.200s", f.list);
    /* a condition: what the technique responds to */
    CHECK(functions_of("運転者の視線に基づいて前照灯を制御する。", &f) == 0);
    CHECKF(strstr(f.list, "視線>応答;") && strstr(f.list, "前照灯>制御;"), "%.200s", f.list);
    /* 前記 goes; the head of a longer object is reported too */
    CHECK(functions_of("前記車体振動を低減する。", &f) == 0);
    CHECKF(strstr(f.list, "車体振動>低減;") && strstr(f.list, "振動>低減;") &&
               !strstr(f.list, "前記"),
           "%.200s", f.list);
    /* structure verbs are no function */
    CHECK(functions_of("ばねとダンパとを備え、支持部材を有する。", &f) == 0);
    CHECKF(f.list[0] == 0, "%.200s", f.list);
}

TY_TEST(parts_functions_english) {
    fns f;
    CHECK(functions_of("A damper that reduces vibration of the frame.", &f) == 0);
    CHECKF(strstr(f.list, "vibrat>reduc;"), "%.200s", f.list);
    CHECK(functions_of("The frame holds the seat.", &f) == 0);
    CHECKF(f.list[0] == 0, "%.200s", f.list);
}
