/*
 * juman.c — the JUMAN dictionary as a lexical resource: what JUMAN says of
 * a word (its category, whether it names a domain, whether it is marked
 * 多義), read through MeCab with Debian's mecab-jumandic-utf8
 * (/var/lib/mecab/dic/juman-utf8). The only file that knows JUMAN's
 * feature format: 名詞,普通名詞,*,*,運転,うんてん,代表表記:運転/うんてん
 * カテゴリ:抽象物 ドメイン:交通 — the seventh field holds space-separated
 * key:value items and the bare mark 多義.
 *
 * A word is analysed whole; its facts are those of its last morpheme (a
 * Japanese compound is head-final: 記憶部 is a kind of 部), except 多義,
 * which any morpheme carries to the word, and "known", which every
 * morpheme must be (a word JUMAN had to guess has no category).
 * Absent dictionary: ty_juman_new fails with TENYO_ERR_DEPENDENCY and a
 * message naming the package; callers then go without these facts.
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TY_JUMAN_DIC "/var/lib/mecab/dic/juman-utf8"

struct ty_juman {
    ty_mecab *mecab;
    ty_mecab_ctx *ctx;
};

int ty_juman_installed(void) { return access(TY_JUMAN_DIC "/sys.dic", R_OK) == 0; }

int ty_juman_new(ty_juman **out, char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    if (!ty_juman_installed()) {
        ty_seterr(err, errlen, "the JUMAN dictionary is not installed (%s; Debian package mecab-jumandic-utf8)",
                  TY_JUMAN_DIC);
        return TENYO_ERR_DEPENDENCY;
    }
    ty_juman *j = ty_calloc(1, sizeof *j);
    if (!j) return TENYO_ERR_NOMEM;
    int rc = ty_mecab_new(TY_JUMAN_DIC, &j->mecab, err, errlen);
    if (!rc) rc = ty_mecab_ctx_new(j->mecab, &j->ctx);
    if (rc) {
        ty_juman_free(j);
        return rc;
    }
    *out = j;
    return TENYO_OK;
}

void ty_juman_free(ty_juman *j) {
    if (!j) return;
    if (j->ctx) ty_mecab_ctx_free(j->ctx);
    if (j->mecab) ty_mecab_free(j->mecab);
    free(j);
}

typedef struct jm_walk {
    ty_juman_facts *f;
    int n;
} jm_walk;

/* The value of key (e.g. "カテゴリ:") in the seventh field s, or NULL;
 * *n its bytes. */
static const char *jm_item(const char *s, const char *key, size_t *n) {
    const char *p = strstr(s, key);
    if (!p) return NULL;
    p += strlen(key);
    size_t k = strcspn(p, " \t\"");
    *n = k;
    return p;
}

static void jm_emit(void *ud, const ty_morph *m) {
    jm_walk *w = ud;
    ty_juman_facts *f = w->f;
    const char *s = m->pos;
    int commas = 0;
    while (*s && commas < 6)
        if (*s++ == ',') commas++;
    w->n++;
    /* the head's facts: every morpheme overwrites them, the last stays */
    f->category = 0;
    f->domain = 0;
    f->noun = strncmp(m->pos, "名詞,", strlen("名詞,")) == 0;
    f->sahen = strncmp(m->pos, "名詞,サ変名詞", strlen("名詞,サ変名詞")) == 0;
    if (commas < 6 || strstr(s, "自動獲得") || !strstr(s, "代表表記:")) f->unknown = 1;
    if (strstr(s, "多義")) f->polysemous = 1;
    size_t n;
    const char *c = jm_item(s, "カテゴリ:", &n);
    if (c) {
        if (n >= strlen("抽象物") && !strncmp(c, "抽象物", strlen("抽象物"))) f->category = TY_JUMAN_ABSTRACT;
        else if (n >= strlen("人工物") && !strncmp(c, "人工物", strlen("人工物"))) f->category = TY_JUMAN_ARTIFACT;
        else if (n >= strlen("自然物") && !strncmp(c, "自然物", strlen("自然物"))) f->category = TY_JUMAN_NATURAL;
        else f->category = TY_JUMAN_OTHER;
    }
    if (jm_item(s, "ドメイン:", &n)) f->domain = 1;
}

int ty_juman_word(ty_juman *j, const char *w, size_t len, ty_juman_facts *out) {
    memset(out, 0, sizeof *out);
    if (!j || !len) return TENYO_OK;
    jm_walk walk = {out, 0};
    int rc = ty_mecab_parse(j->ctx, w, len, jm_emit, &walk);
    out->morphs = walk.n;
    out->known = walk.n > 0 && !out->unknown;
    return rc;
}
