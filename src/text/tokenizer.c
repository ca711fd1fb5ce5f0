/*
 * tokenizer.c — the tokenizer core: turns UTF-8 patent text into index
 * terms. It decides what a term is; icu.c and mecab.c only adapt libraries.
 *
 * Pipeline of ty_tokenize:
 *   1. reject malformed UTF-8 (TENYO_ERR_INPUT, with the byte offset);
 *   2. NFKC + case folding (ICU): ＬＥＤ -> led, ｶﾒﾗ -> カメラ, ① -> 1;
 *   3. blank 【...】 headings of up to TK_HEADING_MAX bytes (【課題】,
 *      【解決手段】, 【0001】): section labels of the gazette, not content;
 *   4. cut the text at white space into chunks; a chunk holding any kana or
 *      kanji is Japanese, any other chunk is not; consecutive chunks of one
 *      kind form a run, and runs are processed in text order;
 *   5. Japanese runs go to MeCab whole — letters and digits glued to kana or
 *      kanji included, because ipadic analyses 「LED照明」 or 「ロボット
 *      アーム3」 well (led + 照明, アーム + 3) and cutting them out would
 *      break its context; other runs go to ICU word break. Rejected: a
 *      per-character script split (it tears 「IoTゲートウェイ」 apart) and
 *      one MeCab call per sentence (more calls, same result).
 *
 * Japanese terms (ipadic features: POS,sub1,sub2,...; base form = field 7),
 * rules read off real J-PlatPat abstracts:
 *   - content nouns: 名詞 一般, 固有名詞, サ変接続, 形容動詞語幹,
 *     ナイ形容詞語幹. Not 非自立 (こと, もの), 代名詞, 副詞可能 (場合,
 *     時間), 数, 特殊, nor suffixes alone: they carry no subject matter;
 *   - 動詞,自立 and 形容詞,自立 in base form. Most actions in patent
 *     Japanese are サ変 nouns (押圧する -> 押圧) but native verbs such as
 *     締め付ける or 曲げる are technical; the boilerplate ones (備える,
 *     有する, 行う ...) are in the stopword list;
 *   - compound nouns (連接名詞): consecutive content nouns joined, with a
 *     leading 接頭詞,名詞接続 (非接触, 高精度), 名詞,接尾 of kinds 一般 /
 *     サ変接続 / 形容動詞語幹 (記憶部, 安定性, 最適化, 光学的), and at the
 *     front a number directly followed by a counter (3次元形状, 4輪車両).
 *     Any other number ends the run and is dropped: patent text is full of
 *     reference numerals (制御部6, 図1) that must not glue onto terms; so
 *     does a one-character Latin or kana noun (自車両V, 点P: labels).
 *     Stopword members and suffixes are stripped from the front (前記基板
 *     -> 基板, 所定値 -> nothing), stopword suffixes from the end (システム
 *     等, 車両用); what is left needs a content member that is not a
 *     stopword (本発明 gives nothing).
 *     Emission order is stable: the parts (content members that are terms
 *     on their own) in text order, then the compound — 半導体 基板
 *     半導体基板 (a part after the first goes to a sink's part callback
 *     when set). With keep_parts = 0 only the compound.
 *     Cap: a compound is at most TK_MAX_PARTS (4) members and TK_MAX_CHARS
 *     (24) characters; a longer run keeps its rightmost members that fit,
 *     not starting on a suffix or stopword (Japanese compounds are
 *     head-final: 車両用電源供給回路制御装置 -> 供給回路制御装置). Rejected:
 *     every sub-span of a run (quadratic in the run, floods the vocabulary)
 *     and no cap (enumerations of many nouns become document-unique terms
 *     that min_df drops anyway, after costing memory while building).
 *   - a term must hold a letter (kana, kanji, Latin, Greek, Cyrillic,
 *     Hangul) and, when one character long, be a kanji (熱, 軸, 光 are
 *     terms; single kana and single Latin letters are not).
 * Other-script terms (ICU word break, and ASCII morphemes inside Japanese
 * runs): at least 2 characters, holding a letter (3.5 and 1,000 are not
 * terms), possessive 's removed, not an English stopword. With stem = 2
 * (the default), a-z words get Snowball's English stemmer (Porter2,
 * libstemmer through stem.c: sensors -> sensor, rotating -> rotat,
 * batteries and battery -> batteri); with stem = 1, the first engine's
 * hand-written Porter step 1 (1a plurals, 1b -ed/-ing, 1c y -> i), kept
 * so that indexes that recorded it are still queried the way they were
 * built. A stem that is a stopword is dropped too. The original Porter's
 * later steps were rejected: they conflate words a patent searcher keeps
 * apart (general/generate, communism/communication); Porter2 does not.
 *
 * Stopwords come from models/stopwords_{ja,en}.txt, compiled into the
 * library as C arrays (build/gen/stopwords.c, made by the Makefile), so the
 * binary needs no data files. They are normalised through the same NFKC
 * case folding at load, so the list may be written in any width or case.
 * Their FNV-1a hash is part of the identity string recorded in indexes,
 * together with TK_RULES_VERSION, to be bumped whenever these rules change.
 *
 * Performance: one ty_tokctx per thread owns every buffer (normalised
 * text, the current noun run, the term being built); nothing is allocated
 * per token once the buffers have grown. Japanese runs longer than
 * TK_PIECE bytes are handed to MeCab in pieces cut after 。, a newline or
 * a full stop, so lattice memory stays small for whole descriptions.
 * Measured on the 6,091 J-PlatPat abstracts (5.4 MB), one thread: 1.3x
 * the CPU time of bare MeCab lattice parsing of the same text.
 */
#include "text/text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from models/stopwords_*.txt (build/gen/stopwords.c). */
extern const char *const ty_stopwords_ja[];
extern const char *const ty_stopwords_en[];

/* Most members of a compound noun. */
#define TK_MAX_PARTS 4
/* Most characters (code points) of a compound noun. */
#define TK_MAX_CHARS 24
/* Longest term emitted (bytes); longer words are noise (hashes, base64). */
#define TK_TERM_MAX 96
/* Most members kept for one noun run; a longer run is cut there. */
#define TK_RUN_MAX 32
/* Japanese text is given to MeCab in pieces of at most this many bytes. */
#define TK_PIECE (16 * 1024)
/* Longest input accepted by ty_tokenize (bytes). */
#define TK_MAX_TEXT ((size_t)1 << 30)
/* Longest 【...】 heading blanked (bytes between the brackets). */
#define TK_HEADING_MAX 48
/* Version of the term rules; bump when output changes for the same text. */
#define TK_RULES_VERSION 1

/* ====================================================== shared part */

struct ty_tokenizer {
    ty_mecab *mecab;       /* shared MeCab model */
    ty_strmap *stop_ja;    /* Japanese stopwords (normalised) */
    ty_strmap *stop_en;    /* English stopwords (normalised) */
    int keep_parts;        /* emit compound parts besides the compound */
    int stem;              /* 0 none, 1 Porter step 1, 2 Snowball */
    char ident[TY_ERRLEN + 128]; /* identity string */
};

/* ====================================================== thread part */

/* Role of a morpheme in a noun run. */
enum { MK_CONTENT, MK_PREFIX, MK_SUFFIX, MK_NUMCTR };

/* One member of the noun run being assembled. */
typedef struct tk_member {
    uint32_t off;          /* start of its surface in ty_tokctx.runtext */
    uint32_t len;          /* bytes of the surface */
    uint16_t nchars;       /* code points of the surface */
    uint8_t kind;          /* MK_* */
    uint8_t stop;          /* 1 when the surface is a stopword */
} tk_member;

struct ty_tokctx {
    const ty_tokenizer *t; /* shared part */
    ty_icu *icu;           /* normaliser and word breaker */
    ty_mecab_ctx *mc;      /* tagger and lattice */
    ty_stemmer *sb;        /* Snowball English (stem = 2), else NULL */
    ty_buf norm;           /* normalised text */
    const char *orig;      /* the text being tokenized when it is ASCII
                              (same offsets as norm), else NULL */
    ty_buf runtext;        /* surfaces of the current noun run */
    ty_buf term;           /* a term being built (compound, stem) */
    tk_member mem[TK_RUN_MAX]; /* members of the current noun run */
    int nmem;              /* members used */
    char num[32];          /* a number waiting for a counter (3 + 次元) */
    size_t numlen;         /* bytes in num; 0 when none waits */
    void (*emit)(void *ud, const char *term, size_t n); /* caller's sink */
    void *ud;              /* caller's argument */
    const ty_tok_sink *sink; /* optional sinks (surface, phrase) or NULL */
    ty_phraser ph;         /* application phrase patterns (when sink->phrase) */
    const char *word_end;  /* end of the previous ICU word of the run */
    int in_part;           /* 1 while a compound's members are emitted */
    long count;            /* terms emitted by this call */
    int status;            /* first error inside a callback, else 0 */
    char err[TY_ERRLEN];   /* message of the last failed call */
};

/* ====================================================== characters */

/* Decode the code point at s[*i] (valid UTF-8) and advance *i. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i) {
    uint32_t c = s[*i];
    size_t k = 0;
    if (c < 0x80) { (*i)++; return c; }
    if (c >= 0xF0) { c &= 0x07; k = 3; }
    else if (c >= 0xE0) { c &= 0x0F; k = 2; }
    else { c &= 0x1F; k = 1; }
    (*i)++;
    while (k-- && *i < n) c = (c << 6) | (s[(*i)++] & 0x3F);
    return c;
}

static int is_kanji(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) ||
           c == 0x3005 || c == 0x3006 || c == 0x3007; /* 々 〆 〇 */
}

static int is_kana(uint32_t c) {
    return (c >= 0x3041 && c <= 0x309F) || (c >= 0x30A1 && c <= 0x30FA) ||
           (c >= 0x30FC && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF);
}

/* Japanese letter: decides which chunks go to MeCab. */
static int is_jp(uint32_t c) { return is_kanji(c) || is_kana(c); }

/* A letter of any script we index (digits and symbols are not). */
static int is_letter(uint32_t c) {
    if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
           (c >= 0x370 && c <= 0x3FF) || (c >= 0x400 && c <= 0x4FF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || is_jp(c);
}

/* Shape of a candidate term. */
typedef struct tk_shape {
    size_t nchars;         /* code points */
    int letters;           /* any letter */
    int ascii;             /* only ASCII bytes */
    int kanji1;            /* a single kanji */
} tk_shape;

static tk_shape shape_of(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    tk_shape sh = {0, 0, 1, 0};
    uint32_t first = 0;
    for (size_t i = 0; i < n;) {
        if (u[i] >= 0x80) sh.ascii = 0;
        uint32_t c = next_cp(u, n, &i);
        if (!sh.nchars) first = c;
        sh.nchars++;
        if (!sh.letters && is_letter(c)) sh.letters = 1;
    }
    sh.kanji1 = sh.nchars == 1 && is_kanji(first);
    return sh;
}

/* ====================================================== stopwords */

static int is_stop(const ty_strmap *m, const char *s, size_t n) {
    return ty_strmap_get(m, s, n) >= 0;
}

/* Load a NULL-terminated list into a new map through the normaliser, and
 * feed it to the identity hash buffer h. */
static int load_stop(ty_icu *icu, const char *const *list, ty_strmap **out,
                     ty_buf *h, char *err, size_t errlen) {
    ty_buf nb = {0};
    int rc = TENYO_ERR_NOMEM;
    ty_strmap *m = ty_strmap_new();
    if (!m) goto done;
    for (size_t i = 0; list[i]; i++) {
        size_t n = strlen(list[i]);
        rc = ty_icu_normalize(icu, list[i], n, &nb);
        if (rc) {
            ty_seterr(err, errlen, "stopword %zu (\"%s\") is not UTF-8",
                      i + 1, list[i]);
            goto done;
        }
        rc = TENYO_ERR_NOMEM;
        if (ty_strmap_intern(m, nb.p, nb.len, NULL) < 0) goto done;
        if (ty_buf_append(h, nb.p, nb.len) || ty_buf_putc(h, '\n'))
            goto done;
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&nb);
    if (rc) {
        if (rc == TENYO_ERR_NOMEM)
            ty_seterr(err, errlen, "out of memory loading stopwords");
        ty_strmap_free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}

/* ====================================================== tokenizer */

int ty_tokenizer_new(const tenyo_tok_opts *o, ty_tokenizer **out, char *err,
                     size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_tok_opts def;
    if (!o) {
        tenyo_tok_opts_default(&def);
        o = &def;
    }
    if ((o->keep_parts != 0 && o->keep_parts != 1) ||
        (o->stem < 0 || o->stem > 2)) {
        ty_seterr(err, errlen, "tokenizer options keep_parts must be 0 or 1 "
                  "and stem 0, 1 or 2 (got %d, %d)", o->keep_parts, o->stem);
        return TENYO_ERR_ARG;
    }
    ty_icu *icu = NULL;
    ty_buf h = {0};
    int rc;
    ty_tokenizer *t = ty_calloc(1, sizeof *t);
    if (!t) {
        ty_seterr(err, errlen, "out of memory creating the tokenizer");
        return TENYO_ERR_NOMEM;
    }
    t->keep_parts = o->keep_parts;
    t->stem = o->stem;
    rc = ty_mecab_new(o->mecab_dicdir, &t->mecab, err, errlen);
    if (rc) goto done;
    rc = ty_icu_new(&icu, err, errlen);
    if (rc) goto done;
    rc = load_stop(icu, ty_stopwords_ja, &t->stop_ja, &h, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    if (ty_buf_putc(&h, '\x01')) goto done; /* list separator */
    rc = load_stop(icu, ty_stopwords_en, &t->stop_en, &h, err, errlen);
    if (rc) goto done;
    int n = snprintf(t->ident, sizeof t->ident,
                     "mecab:%s;parts=%d;stem=%d;stop=%016llx;tok=%d",
                     ty_mecab_identity(t->mecab), t->keep_parts, t->stem,
                     (unsigned long long)ty_fnv1a(h.p, h.len),
                     TK_RULES_VERSION);
    if (n < 0 || (size_t)n >= sizeof t->ident) {
        ty_seterr(err, errlen, "tokenizer identity too long");
        rc = TENYO_ERR_LIMIT;
        goto done;
    }
    rc = TENYO_OK;
done:
    ty_buf_free(&h);
    ty_icu_free(icu);
    if (rc) {
        ty_tokenizer_free(t);
        return rc;
    }
    *out = t;
    return TENYO_OK;
}

void ty_tokenizer_free(ty_tokenizer *t) {
    if (!t) return;
    ty_mecab_free(t->mecab);
    ty_strmap_free(t->stop_ja);
    ty_strmap_free(t->stop_en);
    free(t);
}

const char *ty_tokenizer_identity(const ty_tokenizer *t) {
    return t ? t->ident : "";
}

int ty_tokctx_new(const ty_tokenizer *t, ty_tokctx **out, char *err,
                  size_t errlen) {
    if (!t || !out) return TENYO_ERR_ARG;
    *out = NULL;
    int rc;
    ty_tokctx *c = ty_calloc(1, sizeof *c);
    if (!c) {
        ty_seterr(err, errlen, "out of memory creating a tokenizer context");
        return TENYO_ERR_NOMEM;
    }
    c->t = t;
    rc = ty_icu_new(&c->icu, err, errlen);
    if (rc) goto fail;
    rc = ty_mecab_ctx_new(t->mecab, &c->mc);
    if (rc) {
        ty_seterr(err, errlen, "cannot create a MeCab tagger (%s)",
                  tenyo_strerror(rc));
        goto fail;
    }
    if (t->stem == 2) {
        rc = ty_stemmer_new(&c->sb, err, errlen);
        if (rc) goto fail;
    }
    *out = c;
    return TENYO_OK;
fail:
    ty_tokctx_free(c);
    return rc;
}

void ty_tokctx_free(ty_tokctx *c) {
    if (!c) return;
    ty_icu_free(c->icu);
    ty_mecab_ctx_free(c->mc);
    ty_stemmer_free(c->sb);
    ty_buf_free(&c->norm);
    ty_buf_free(&c->runtext);
    ty_buf_free(&c->term);
    free(c);
}

/* ====================================================== emission */

static void put(ty_tokctx *c, const char *s, size_t n) {
    if (c->status || n == 0 || n > TK_TERM_MAX) return;
    if (c->in_part && c->sink && c->sink->part) c->sink->part(c->ud, s, n);
    else c->emit(c->ud, s, n);
    c->count++;
}

/* ---- Porter (1980) step 1: 1a plurals, 1b -ed/-ing, 1c y -> i ---- */

static int cons(const char *w, size_t i) {
    switch (w[i]) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 0;
    case 'y': return i == 0 ? 1 : !cons(w, i - 1);
    default: return 1;
    }
}

/* Porter's m: the number of vowel-consonant sequences in w[0..n). */
static int measure(const char *w, size_t n) {
    size_t i = 0;
    int m = 0;
    while (i < n && cons(w, i)) i++;
    while (i < n) {
        while (i < n && !cons(w, i)) i++;
        if (i >= n) break;
        m++;
        while (i < n && cons(w, i)) i++;
    }
    return m;
}

static int has_vowel(const char *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!cons(w, i)) return 1;
    return 0;
}

/* consonant-vowel-consonant ending, the last not w, x or y */
static int cvc(const char *w, size_t n) {
    return n >= 3 && cons(w, n - 3) && !cons(w, n - 2) && cons(w, n - 1) &&
           w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y';
}

static int ends(const char *w, size_t n, const char *suf) {
    size_t k = strlen(suf);
    return n >= k && memcmp(w + n - k, suf, k) == 0;
}

/* Stem the lowercase a-z word w in place (its buffer has room for one more
 * byte); returns the new length. */
static size_t porter1(char *w, size_t n) {
    if (n <= 2) return n;
    /* 1a */
    if (ends(w, n, "sses") || ends(w, n, "ies")) n -= 2;
    else if (!ends(w, n, "ss") && w[n - 1] == 's') n -= 1;
    /* 1b */
    int again = 0;
    if (ends(w, n, "eed")) {
        if (measure(w, n - 3) > 0) n -= 1;
    } else if (ends(w, n, "ed") && has_vowel(w, n - 2)) {
        n -= 2;
        again = 1;
    } else if (ends(w, n, "ing") && has_vowel(w, n - 3)) {
        n -= 3;
        again = 1;
    }
    if (again) {
        if (ends(w, n, "at") || ends(w, n, "bl") || ends(w, n, "iz")) {
            w[n++] = 'e';
        } else if (n >= 2 && w[n - 1] == w[n - 2] && cons(w, n - 1) &&
                   w[n - 1] != 'l' && w[n - 1] != 's' && w[n - 1] != 'z') {
            n -= 1;
        } else if (measure(w, n) == 1 && cvc(w, n)) {
            w[n++] = 'e';
        }
    }
    /* 1c */
    if (n >= 2 && w[n - 1] == 'y' && has_vowel(w, n - 1)) w[n - 1] = 'i';
    return n;
}

size_t ty_inflect_key(char *w, size_t n) {
    n = porter1(w, n);
    /* package and packag(ing), control and controll(ed): one key */
    if (n > 3 && w[n - 1] == 'e') n--;
    if (n > 3 && w[n - 1] == w[n - 2] && cons(w, n - 1)) n--;
    return n;
}

/* Emit a Latin-script (or other non-Japanese) word: filters, stemming. */
static void emit_latin(ty_tokctx *c, const char *w, size_t n) {
    if (n >= 2 && w[n - 2] == '\'' && w[n - 1] == 's') n -= 2;
    while (n && w[n - 1] == '\'') n--;
    if (n < 2 || n > TK_TERM_MAX) return;
    tk_shape sh = shape_of(w, n);
    if (sh.nchars < 2 || !sh.letters) return;
    if (is_stop(c->t->stop_en, w, n)) return;
    if (!c->t->stem || !sh.ascii) {
        put(c, w, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z') { /* digits, apostrophes: as is */
            put(c, w, n);
            return;
        }
    c->term.len = 0;
    if (ty_buf_reserve(&c->term, n + 1)) {
        c->status = TENYO_ERR_NOMEM;
        return;
    }
    memcpy(c->term.p, w, n);
    size_t k = c->sb ? ty_stem(c->sb, c->term.p, n, n + 1) : porter1(c->term.p, n);
    if (c->sb && !k) {
        c->status = TENYO_ERR_NOMEM;
        return;
    }
    if (k < 2 || is_stop(c->t->stop_en, c->term.p, k)) return;
    put(c, c->term.p, k);
    /* every stemmed word votes for its term's displayed form, unchanged
     * ones too (else "vehicles" would outvote a more frequent "vehicle") */
    if (c->sink && c->sink->surface && !c->status)
        c->sink->surface(c->ud, c->term.p, k, w, n);
}

/* Emit a Japanese-run word (a noun part, a verb's base form) that passed
 * the part-of-speech rules: shape and stopword filters. */
static void emit_word(ty_tokctx *c, const char *w, size_t n) {
    tk_shape sh = shape_of(w, n);
    if (sh.ascii) {
        emit_latin(c, w, n);
        return;
    }
    if (!sh.letters || (sh.nchars < 2 && !sh.kanji1)) return;
    if (is_stop(c->t->stop_ja, w, n)) return;
    put(c, w, n);
}

/* ====================================================== noun runs */

/* Is member m a term on its own (a content noun, not a stopword)? */
static int member_is_part(const tk_member *m) {
    return m->kind == MK_CONTENT && !m->stop;
}

/* Emit the parts and the compound of the current noun run, then empty it.
 * See the opening comment for the rules. */
static void flush_run(ty_tokctx *c) {
    int n = c->nmem;
    tk_member *m = c->mem;
    const char *txt = c->runtext.p;
    c->nmem = 0;
    if (n == 0 || c->status) goto done;
    int i = 0, j = n;
    while (i < j && (m[i].stop || m[i].kind == MK_SUFFIX)) i++;
    while (j > i && (m[j - 1].kind == MK_PREFIX || m[j - 1].kind == MK_NUMCTR ||
                     (m[j - 1].kind == MK_SUFFIX && m[j - 1].stop)))
        j--;
    int content = 0;
    for (int k = i; k < j; k++) content += member_is_part(&m[k]);
    if (!content) goto done;
    /* compound window: rightmost members within the caps */
    int s = j - TK_MAX_PARTS > i ? j - TK_MAX_PARTS : i;
    size_t chars = 0;
    for (int k = s; k < j; k++) chars += m[k].nchars;
    while (s < j && chars > TK_MAX_CHARS) chars -= m[s++].nchars;
    while (s < j && (m[s].kind == MK_SUFFIX || m[s].stop)) s++;
    int wcontent = 0;
    for (int k = s; k < j; k++) wcontent += member_is_part(&m[k]);
    int compound = j - s >= 2 && wcontent > 0;
    if (c->t->keep_parts || !compound) {
        /* a content word that another one comes before in the compound
         * goes to sink->part: 電池 of 燃料電池 (or of 燃料電池モード) is a
         * kind of battery the word alone does not name; the first stays a
         * word of its own (二酸化炭素 of 二酸化炭素ガス, 電池 of 電池パック),
         * as does the one content word of a compound made with a suffix
         * (蝶番 of 蝶番部) */
        int before = 0;
        for (int k = i; k < j; k++)
            if (member_is_part(&m[k])) {
                c->in_part = compound && before++;
                emit_word(c, txt + m[k].off, m[k].len);
            }
        c->in_part = 0;
    }
    if (compound) {
        c->term.len = 0;
        for (int k = s; k < j; k++)
            if (ty_buf_append(&c->term, txt + m[k].off, m[k].len)) {
                c->status = TENYO_ERR_NOMEM;
                goto done;
            }
        if (!is_stop(c->t->stop_ja, c->term.p, c->term.len))
            put(c, c->term.p, c->term.len);
    }
done:
    c->runtext.len = 0;
}

/* Append a member (surface s[0..n), shape sh) to the run, flushing a
 * full run first. */
static void add_member(ty_tokctx *c, const char *s, size_t n,
                       const tk_shape *sh, int kind) {
    if (c->nmem == TK_RUN_MAX) flush_run(c);
    if (c->status) return;
    if (n > TK_TERM_MAX || c->runtext.len > UINT32_MAX - n) {
        flush_run(c); /* an over-long word ends the run and is dropped */
        return;
    }
    tk_member *m = &c->mem[c->nmem];
    m->off = (uint32_t)c->runtext.len;
    m->len = (uint32_t)n;
    if (ty_buf_append(&c->runtext, s, n)) {
        c->status = TENYO_ERR_NOMEM;
        return;
    }
    m->nchars = (uint16_t)sh->nchars; /* <= TK_TERM_MAX */
    m->kind = (uint8_t)kind;
    m->stop = (uint8_t)is_stop(sh->ascii ? c->t->stop_en : c->t->stop_ja,
                               s, n);
    c->nmem++;
}

/* Morpheme classes of the ipadic feature string. */
enum { K_BREAK, K_CONTENT, K_PREFIX, K_SUFFIX, K_NUM, K_COUNTER, K_VERB,
       K_ADJ };

/* Does the feature start with the fields lit (k bytes), e.g. "名詞,一般"? */
static int feat_is_n(const ty_morph *m, const char *lit, size_t k) {
    return m->pos_len >= k && memcmp(m->pos, lit, k) == 0 &&
           (m->pos_len == k || m->pos[k] == ',');
}
#define feat_is(m, lit) feat_is_n((m), (lit), sizeof(lit) - 1)

static int classify(const ty_morph *m) {
    if (feat_is(m, "名詞")) {
        if (feat_is(m, "名詞,一般") || feat_is(m, "名詞,固有名詞") ||
            feat_is(m, "名詞,サ変接続") || feat_is(m, "名詞,形容動詞語幹") ||
            feat_is(m, "名詞,ナイ形容詞語幹"))
            return K_CONTENT;
        if (feat_is(m, "名詞,数")) return K_NUM;
        if (feat_is(m, "名詞,接尾,助数詞")) return K_COUNTER;
        if (feat_is(m, "名詞,接尾,一般") || feat_is(m, "名詞,接尾,サ変接続") ||
            feat_is(m, "名詞,接尾,形容動詞語幹"))
            return K_SUFFIX;
        return K_BREAK;
    }
    if (feat_is(m, "接頭詞,名詞接続")) return K_PREFIX;
    if (feat_is(m, "動詞,自立")) return K_VERB;
    if (feat_is(m, "形容詞,自立")) return K_ADJ;
    return K_BREAK;
}

/* MeCab callback: one morpheme of a Japanese run. */
static void on_morph(void *ud, const ty_morph *m) {
    ty_tokctx *c = ud;
    if (c->status) return;
    if (c->sink && c->sink->phrase) ty_phr_morph(&c->ph, m);
    int k = classify(m);
    tk_shape sh = {0, 0, 0, 0};
    if (k == K_CONTENT || k == K_SUFFIX || k == K_PREFIX || k == K_COUNTER) {
        sh = shape_of(m->surface, m->surface_len);
        if (!sh.letters)
            k = K_BREAK; /* symbols MeCab calls nouns: ', +, = */
        else if (k == K_CONTENT && sh.nchars < 2 && !sh.kanji1)
            k = K_BREAK; /* labels: 車両V, 点P; single kana */
    }
    if (k == K_NUM) {
        if (!c->numlen) flush_run(c);
        if (c->numlen + m->surface_len < sizeof c->num) {
            memcpy(c->num + c->numlen, m->surface, m->surface_len);
            c->numlen += m->surface_len;
        } else {
            c->numlen = sizeof c->num; /* too long: no counter will join */
        }
        return;
    }
    size_t numlen = c->numlen;
    c->numlen = 0;
    switch (k) {
    case K_COUNTER:
        if (numlen && numlen + m->surface_len < sizeof c->num) {
            char nc[sizeof c->num];
            memcpy(nc, c->num, numlen);
            memcpy(nc + numlen, m->surface, m->surface_len);
            tk_shape ns = shape_of(nc, numlen + m->surface_len);
            add_member(c, nc, numlen + m->surface_len, &ns, MK_NUMCTR);
        } else {
            add_member(c, m->surface, m->surface_len, &sh, MK_SUFFIX);
        }
        break;
    case K_CONTENT:
        add_member(c, m->surface, m->surface_len, &sh, MK_CONTENT);
        break;
    case K_PREFIX:
        add_member(c, m->surface, m->surface_len, &sh, MK_PREFIX);
        break;
    case K_SUFFIX:
        add_member(c, m->surface, m->surface_len, &sh, MK_SUFFIX);
        break;
    case K_VERB:
    case K_ADJ:
        flush_run(c);
        emit_word(c, m->base, m->base_len);
        break;
    default:
        flush_run(c);
        break;
    }
}

/* ====================================================== runs */

/* Length of the next MeCab piece of s[0..n) (n > TK_PIECE): just after
 * the last 。, newline or ". " in the window, else after the last space,
 * else at a character start. */
static size_t cut_piece(const char *s, size_t n) {
    size_t lim = n < TK_PIECE ? n : TK_PIECE;
    for (size_t i = lim; i > lim / 4; i--) {
        const char *p = s + i;
        if (p[-1] == '\n' || (p[-1] == ' ' && i >= 2 && p[-2] == '.'))
            return i;
        if (i >= 3 && memcmp(p - 3, "\xE3\x80\x82", 3) == 0) return i;
    }
    for (size_t i = lim; i > lim / 4; i--)
        if (s[i - 1] == ' ') return i;
    size_t i = lim;
    while (i > 1 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    return i;
}

static void run_ja(ty_tokctx *c, const char *s, size_t n) {
    while (n && !c->status) {
        size_t k = n > TK_PIECE ? cut_piece(s, n) : n;
        int rc = ty_mecab_parse(c->mc, s, k, on_morph, c);
        c->numlen = 0;
        flush_run(c);
        if (c->sink && c->sink->phrase) ty_phr_end(&c->ph);
        if (rc && !c->status) {
            c->status = rc;
            ty_seterr(c->err, sizeof c->err,
                      "MeCab could not analyse the text near byte %zu (%s)",
                      (size_t)(s - c->norm.p), tenyo_strerror(rc));
        }
        s += k;
        n -= k;
    }
}

static void on_word(void *ud, const char *w, size_t n) {
    ty_tokctx *c = ud;
    if (c->status) return;
    if (c->sink && c->sink->phrase) {
        int punct = 0; /* sentence or clause punctuation since the last word */
        for (const char *q = c->word_end; q && q < w && !punct; q++)
            punct = strchr(",.;:()[]!?\"", *q) != NULL && *q;
        const char *orig = c->orig ? c->orig + (w - c->norm.p) : NULL;
        ty_phr_word(&c->ph, w, n, orig, punct);
        c->word_end = w + n;
    }
    emit_latin(c, w, n);
}

static void run_other(ty_tokctx *c, const char *s, size_t n) {
    c->word_end = s;
    int rc = ty_icu_words(c->icu, s, n, on_word, c);
    if (c->sink && c->sink->phrase) ty_phr_end(&c->ph);
    if (rc && !c->status) {
        c->status = rc;
        ty_seterr(c->err, sizeof c->err, "ICU word break failed (%s)",
                  tenyo_strerror(rc));
    }
}

static int is_space(unsigned char b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' ||
           b == '\v';
}

void ty_text_blank_headings(char *s, size_t n) {
    static const char open[] = "\xE3\x80\x90", close[] = "\xE3\x80\x91";
    for (char *p = s, *e = s + n; p + 6 <= e;) {
        p = memmem(p, (size_t)(e - p), open, 3);
        if (!p) break;
        size_t lim = (size_t)(e - p - 3);
        if (lim > TK_HEADING_MAX + 3) lim = TK_HEADING_MAX + 3;
        char *q = memmem(p + 3, lim, close, 3);
        if (!q || memchr(p + 3, '\n', (size_t)(q - p - 3))) {
            p += 3;
            continue;
        }
        memset(p, ' ', (size_t)(q + 3 - p));
        p = q + 3;
    }
}

int ty_tokenize(ty_tokctx *c, const char *text, size_t len,
                void (*emit)(void *ud, const char *term, size_t n), void *ud) {
    ty_tok_sink s = {emit, NULL, NULL, ud, NULL};
    return ty_tokenize_sink(c, text, len, &s);
}

int ty_tokenize_sink(ty_tokctx *c, const char *text, size_t len,
                     const ty_tok_sink *sink) {
    if (!c || !sink || !sink->term || (!text && len)) return TENYO_ERR_ARG;
    void (*emit)(void *ud, const char *term, size_t n) = sink->term;
    void *ud = sink->ud;
    c->err[0] = 0;
    if (len > TK_MAX_TEXT) {
        ty_seterr(c->err, sizeof c->err,
                  "text of %zu bytes is over the %zu-byte limit", len,
                  TK_MAX_TEXT);
        return TENYO_ERR_LIMIT;
    }
    size_t bad = 0;
    if (!ty_utf8_valid(text, len, &bad)) {
        ty_seterr(c->err, sizeof c->err,
                  "invalid UTF-8 at byte offset %zu", bad);
        return TENYO_ERR_INPUT;
    }
    int rc = ty_icu_normalize(c->icu, text, len, &c->norm);
    if (rc) {
        ty_seterr(c->err, sizeof c->err, "cannot normalise the text (%s)",
                  tenyo_strerror(rc));
        return rc;
    }
    ty_text_blank_headings(c->norm.p, c->norm.len);
    /* ASCII text normalises byte for byte (A-Z -> a-z): phrases can quote
     * the original case at the same offsets */
    c->orig = NULL;
    if (sink && sink->phrase && c->norm.len == len) {
        size_t k = 0;
        while (k < len && (unsigned char)text[k] < 0x80) k++;
        if (k == len) c->orig = text;
    }
    c->emit = emit;
    c->ud = ud;
    c->sink = sink;
    memset(&c->ph, 0, sizeof c->ph);
    c->ph.emit = sink->phrase;
    c->ph.ud = ud;
    c->count = 0;
    c->status = 0;
    c->in_part = 0;
    c->nmem = 0;
    c->numlen = 0;
    c->runtext.len = 0;

    const unsigned char *s = (const unsigned char *)c->norm.p;
    size_t n = c->norm.len, i = 0;
    size_t run_start = 0, run_end = 0;
    int run_kind = -1; /* -1 none, 0 other, 1 Japanese */
    while (i < n && !c->status) {
        while (i < n && is_space(s[i])) i++;
        if (i >= n) break;
        size_t cs = i;
        int jp = 0;
        while (i < n && !is_space(s[i])) {
            if (s[i] < 0x80) { i++; continue; }
            uint32_t cp = next_cp(s, n, &i);
            if (!jp && is_jp(cp)) jp = 1;
        }
        if (jp != run_kind) {
            if (run_kind == 1) run_ja(c, c->norm.p + run_start, run_end - run_start);
            else if (run_kind == 0) run_other(c, c->norm.p + run_start, run_end - run_start);
            run_kind = jp;
            run_start = cs;
        }
        run_end = i;
    }
    if (!c->status) {
        if (run_kind == 1) run_ja(c, c->norm.p + run_start, run_end - run_start);
        else if (run_kind == 0) run_other(c, c->norm.p + run_start, run_end - run_start);
    }
    c->emit = NULL;
    c->ud = NULL;
    c->sink = NULL;
    c->orig = NULL;
    if (c->status) {
        if (!c->err[0])
            ty_seterr(c->err, sizeof c->err, "tokenizer failed (%s)",
                      tenyo_strerror(c->status));
        return c->status;
    }
    return c->count > INT_MAX ? INT_MAX : (int)c->count;
}

/* ====================================================== language */

const char *ty_detect_lang(const char *text, size_t len) {
    if (!text) return "en";
    const unsigned char *s = (const unsigned char *)text;
    size_t jp = 0, other = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            if (is_letter(s[i])) other++;
            i++;
            continue;
        }
        uint32_t cp = next_cp(s, len, &i);
        if (is_jp(cp)) jp++;
        else if (is_letter(cp)) other++;
    }
    /* a kana or kanji carries about a word's worth of a Latin word's 5
     * letters: a fifth of the letters being Japanese makes the text ja */
    return jp > 0 && jp * 5 >= jp + other ? "ja" : "en";
}

/* ====================================================== public API */

struct tenyo_tokenizer {
    ty_tokenizer *t;       /* shared part, owned */
    ty_tokctx *c;          /* the one context of this handle */
};

void tenyo_tok_opts_default(tenyo_tok_opts *o) {
    if (!o) return;
    o->mecab_dicdir = NULL;
    o->keep_parts = 1;
    o->stem = 2; /* Snowball English; measured (stem.c, README) */
}

int tenyo_tokenizer_new(const tenyo_tok_opts *opts, tenyo_tokenizer **out,
                        char *err, size_t errlen) {
    if (!out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_tokenizer *h = ty_calloc(1, sizeof *h);
    if (!h) {
        ty_seterr(err, errlen, "out of memory creating the tokenizer");
        return TENYO_ERR_NOMEM;
    }
    int rc = ty_tokenizer_new(opts, &h->t, err, errlen);
    if (rc == TENYO_OK) rc = ty_tokctx_new(h->t, &h->c, err, errlen);
    if (rc) {
        tenyo_tokenizer_free(h);
        return rc;
    }
    *out = h;
    return TENYO_OK;
}

int tenyo_tokenizer_run(tenyo_tokenizer *t, const char *text, size_t len,
                        void (*emit)(void *ud, const char *term, size_t len),
                        void *ud) {
    if (!t) return TENYO_ERR_ARG;
    int rc = ty_tokenize(t->c, text, len, emit, ud);
    if (rc == TENYO_ERR_ARG)
        ty_seterr(t->c->err, sizeof t->c->err,
                  "tenyo_tokenizer_run: NULL text or callback");
    return rc;
}

const char *tenyo_tokenizer_identity(const tenyo_tokenizer *t) {
    return t ? ty_tokenizer_identity(t->t) : "";
}

const char *tenyo_tokenizer_error(const tenyo_tokenizer *t) {
    return t && t->c ? t->c->err : "";
}

void tenyo_tokenizer_free(tenyo_tokenizer *t) {
    if (!t) return;
    ty_tokctx_free(t->c);
    ty_tokenizer_free(t->t);
    free(t);
}
