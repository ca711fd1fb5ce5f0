/*
 * text.h — the text layer (text/): from bytes to index terms.
 *
 * icu.c        ICU adapter: charset detection and conversion (whole and
 *              streaming), NFKC + case folding, word break
 * mecab.c      MeCab adapter: morphemes of Japanese text
 * stem.c       Snowball adapter: English (Porter2) stems
 * juman.c      the JUMAN dictionary (through MeCab): category, domain, 多義
 * tokenizer.c  the core: runs of Japanese and other scripts, stopwords,
 *              terms; feeds phrases.c
 * phrases.c    application phrases (「…に用いる」, "for use in ...")
 *
 * Below: util. Above: io (charsets), api (query text, the builder).
 */
#ifndef TENYO_TEXT_H
#define TENYO_TEXT_H

#include "util/util.h"

/* --- ICU adapter (text/icu.c) --- */

/* Detect the charset of a byte sample: "UTF-8" (also with BOM, and pure
 * ASCII), "Shift_JIS", "EUC-JP", "ISO-2022-JP", "UTF-16LE/BE", or another
 * ICU name. The sample may end inside a character. */
int ty_charset_detect(const char *buf, size_t len, char *name, size_t namelen);
/* Convert bytes in charset `from` to UTF-8 (BOM dropped). *out is malloc'd
 * and NUL-terminated. Unmappable bytes are an error that names the byte
 * offset in err. TENYO_ERR_DEPENDENCY for an unknown charset name. */
int ty_charset_to_utf8(const char *from, const char *in, size_t inlen,
                       char **out, size_t *outlen, char *err, size_t errlen);
/* 1 when ICU takes charset names a and b for the same converter
 * ("latin9" and "ISO-8859-15", "CP932" and "windows-31j"). */
int ty_charset_same(const char *a, const char *b);
/* 1 when p[0..len) is well-formed UTF-8; else 0 and *bad = first bad offset. */
int ty_utf8_valid(const char *p, size_t len, size_t *bad);

/* s without its bidirectional controls (tenyo_text_bidi) into *out
 * (malloc'd), or *out NULL when s has none (or is NULL): TENYO_OK, or
 * TENYO_ERR_NOMEM. */
int ty_text_unbidi(const char *s, char **out);

/* s without its white space (ICU's White_Space property: ASCII blanks and
 * line ends, U+3000, no-break spaces...) into out (replaced,
 * NUL-terminated): two texts that differ only in spacing and line breaks
 * give the same bytes. Bytes that are not UTF-8 are kept. TENYO_OK or
 * TENYO_ERR_NOMEM. */
int ty_text_unspaced(const char *s, ty_buf *out);

/* Per-thread ICU state: normalizer, word-break iterator, UTF-16 scratch. */
typedef struct ty_icu ty_icu;
int ty_icu_new(ty_icu **out, char *err, size_t errlen);
void ty_icu_free(ty_icu *u);
/* NFKC + case folding of UTF-8 text into out (replaced, NUL-terminated). */
int ty_icu_normalize(ty_icu *u, const char *in, size_t len, ty_buf *out);
/* ICU word break over UTF-8 text; emit() gets each word-like segment
 * (letters or numbers, not punctuation/space) as a UTF-8 slice of text. */
int ty_icu_words(ty_icu *u, const char *text, size_t len,
                 void (*emit)(void *ud, const char *w, size_t n), void *ud);

/* --- MeCab adapter (text/mecab.c) --- */

/* Shared, immutable MeCab model (thread-safe to share). */
typedef struct ty_mecab ty_mecab;
/* One morpheme as the adapter reports it. Strings are slices valid only
 * during the callback. */
typedef struct ty_morph {
    const char *surface; size_t surface_len; /* text as written */
    const char *base; size_t base_len;       /* 原形 (base form) or surface */
    const char *pos;                         /* feature CSV, e.g. 名詞,一般,... */
    size_t pos_len;                          /* its bytes up to the base form's end */
} ty_morph;
int ty_mecab_new(const char *dicdir, ty_mecab **out, char *err, size_t errlen);
void ty_mecab_free(ty_mecab *m);
/* Dictionary identity: file, charset, version, size. Lives as long as m. */
const char *ty_mecab_identity(const ty_mecab *m);
/* Per-thread lattice/tagger. */
typedef struct ty_mecab_ctx ty_mecab_ctx;
int ty_mecab_ctx_new(const ty_mecab *m, ty_mecab_ctx **out);
void ty_mecab_ctx_free(ty_mecab_ctx *c);
/* Analyse UTF-8 text, calling emit for every morpheme in order. */
int ty_mecab_parse(ty_mecab_ctx *c, const char *text, size_t len,
                   void (*emit)(void *ud, const ty_morph *m), void *ud);

/* --- the JUMAN dictionary as a lexical resource (text/juman.c) --- */

/* JUMAN's category of a word's head (カテゴリ). */
enum { TY_JUMAN_NONE = 0, TY_JUMAN_ABSTRACT, TY_JUMAN_ARTIFACT, TY_JUMAN_NATURAL, TY_JUMAN_OTHER };
typedef struct ty_juman_facts {
    int morphs;      /* JUMAN morphemes of the word */
    int known;       /* every morpheme a dictionary entry (not guessed) */
    int unknown;     /* some morpheme guessed or auto-acquired */
    int noun;        /* the head is a noun */
    int sahen;       /* the head is a サ変名詞 (a noun of doing) */
    int category;    /* TY_JUMAN_*: the head's category */
    int domain;      /* the head names a domain (ドメイン) */
    int polysemous;  /* a morpheme is marked 多義 */
} ty_juman_facts;
/* One analyser; not thread-safe. TENYO_ERR_DEPENDENCY (err names the
 * package) when the dictionary is not installed. */
typedef struct ty_juman ty_juman;
int ty_juman_new(ty_juman **out, char *err, size_t errlen);
/* 1 when the dictionary ty_juman_new opens is installed. */
int ty_juman_installed(void);
void ty_juman_free(ty_juman *j);
/* What JUMAN says of word w[0..len). */
int ty_juman_word(ty_juman *j, const char *w, size_t len, ty_juman_facts *out);

/* --- Snowball adapter (text/stem.c) --- */

/* One English (Porter2) stemmer; not thread-safe: one per tokenizer
 * context. */
typedef struct ty_stemmer ty_stemmer;
int ty_stemmer_new(ty_stemmer **out, char *err, size_t errlen);
void ty_stemmer_free(ty_stemmer *s);
/* Stem the lowercase word w[0..n) in place (w has room for cap bytes);
 * returns the stem's length, 0 when libstemmer ran out of memory. */
size_t ty_stem(ty_stemmer *s, char *w, size_t n, size_t cap);

/* --- tokenizer core (text/tokenizer.c) --- */

/* Shared part: MeCab model, stopword sets, options. Immutable once built. */
typedef struct ty_tokenizer ty_tokenizer;
/* Per-thread part: MeCab lattice, ICU state, scratch. */
typedef struct ty_tokctx ty_tokctx;

int ty_tokenizer_new(const tenyo_tok_opts *o, ty_tokenizer **out, char *err,
                     size_t errlen);
void ty_tokenizer_free(ty_tokenizer *t);
/* "mecab:<dictionary identity>;parts=1;stem=0;stop=<hash>;v=1" */
const char *ty_tokenizer_identity(const ty_tokenizer *t);
int ty_tokctx_new(const ty_tokenizer *t, ty_tokctx **out, char *err,
                  size_t errlen);
void ty_tokctx_free(ty_tokctx *c);
/* Normalize and tokenize UTF-8 text. Emits terms in order; returns count or
 * a negative status (TENYO_ERR_INPUT for invalid UTF-8). */
int ty_tokenize(ty_tokctx *c, const char *text, size_t len,
                void (*emit)(void *ud, const char *term, size_t n), void *ud);
/* Where ty_tokenize_sink reports. term is required; the others optional. */
typedef struct ty_tok_sink {
    void (*term)(void *ud, const char *term, size_t n);        /* index term */
    void (*surface)(void *ud, const char *term, size_t n,      /* a stemmed */
                    const char *word, size_t wn);              /* term's word,
                                                                  right after term() */
    void (*phrase)(void *ud, const char *target, size_t tn,    /* application */
                   const char *expr, size_t en);               /* phrase */
    void *ud;                                                  /* their argument */
    void (*part)(void *ud, const char *term, size_t n);        /* when set: a
                  term emitted only as a member of the compound emitted after
                  it (燃料 and 電池 before 燃料電池) comes here instead of
                  term(); a word on its own still goes to term() */
} ty_tok_sink;
/* Blank the short 【...】 headings (up to 48 bytes inside, no line break:
 * 【課題】, 【解決手段】) of normalised text s[0..n) in place, as the
 * tokenizer does before it reads a text. */
void ty_text_blank_headings(char *s, size_t n);
/* The inflection key of the lowercase a-z word w[0..n): Porter's step 1
 * (plurals, -ed, -ing, y -> i) in place (w has room for one more byte),
 * then a final e and a doubled final consonant dropped (package and
 * packaging, control and controlled); the new length. Words of one key are forms of one word (housing and
 * housings, fabricated and fabricate), unlike a Snowball stem, which also
 * joins derived words (fabric and fabrication). */
size_t ty_inflect_key(char *w, size_t n);
/* ty_tokenize with every sink of s. */
int ty_tokenize_sink(ty_tokctx *c, const char *text, size_t len,
                     const ty_tok_sink *s);

/* --- application phrases (text/phrases.c), fed by the tokenizer --- */

#define TY_PHRASE_MAX 192   /* longest expression (bytes) */
#define TY_NP_MEMBERS 12    /* most morphemes kept for one noun phrase */

/* A noun phrase being assembled from morphemes. */
typedef struct ty_np {
    char text[96];                   /* surfaces of the members */
    uint32_t off[TY_NP_MEMBERS + 1]; /* member i is text[off[i], off[i+1]) */
    uint8_t kind[TY_NP_MEMBERS];     /* morpheme kind of each member */
    int nmem;                        /* members used */
} ty_np;

/* Pattern state over one text (phrases.c); zero-initialise, set emit/ud. */
typedef struct ty_phraser {
    void (*emit)(void *ud, const char *target, size_t tn, const char *expr,
                 size_t en);         /* sink (slices valid during the call) */
    void *ud;                        /* its argument */
    ty_np cur;                       /* noun phrase being read */
    ty_np last;                      /* the one that ended just before */
    int cur_has_no;                  /* cur already holds one の */
    int prev;                        /* kind of the previous morpheme */
    const char *prev_end;            /* end of its surface in the text */
    int sonae;                       /* >0: a 「NPを備えた」 waits for its NP */
    char sonae_np[96];               /* the NP before を */
    size_t sonae_len;                /* its bytes */
    int paren;                       /* >0: morphemes read inside ( ) */
    const char *title0, *title1;     /* the text's first line (its title:
                                        title1 NULL while it is read) */
    int en_state;                    /* 2: reading an English target */
    int en_nw;                       /* words in en_w */
    int en_tw;                       /* words in en_target */
    int en_of;                       /* en_target holds an "of" */
    int en_use;                      /* skipped "use" after the trigger */
    char en_w[3][24];                /* the last three words */
    char en_trig[32];                /* trigger of the target being read */
    char en_target[128];             /* the target being read */
    size_t en_tlen;                  /* its bytes */
} ty_phraser;
void ty_phr_reset(ty_phraser *p);
/* One morpheme of a Japanese run, in order. */
void ty_phr_morph(ty_phraser *p, const ty_morph *m);
/* One word of a non-Japanese run (case-folded, matched against the
 * triggers); orig: the same bytes in their original case, or NULL (the
 * target is then quoted folded); punct_before: punctuation since the
 * previous word (ends a target). */
void ty_phr_word(ty_phraser *p, const char *w, size_t n, const char *orig,
                 int punct_before);
/* End of a run: report what is pending, reset. */
void ty_phr_end(ty_phraser *p);

/* Language guess for UTF-8 text: "ja" when kana/kanji dominate, else "en". */
const char *ty_detect_lang(const char *text, size_t len);


/* Streaming charset conversion to UTF-8 (implemented in text/icu.c, the
 * ICU adapter): the strict conversion of ty_charset_to_utf8 fed piece by
 * piece; a character cut between pieces is completed by the next one. */
typedef struct ty_conv ty_conv;
/* TENYO_ERR_DEPENDENCY with "unknown encoding 'x'" for an unknown name. */
int ty_conv_open(const char *from, ty_conv **out, char *err, size_t errlen);
/* Convert the next in[0..inlen) of the stream, appending UTF-8 to out
 * (NUL-terminated); flush = 1 with the last piece. A leading byte-order
 * mark of the stream is dropped. A byte invalid in the charset is
 * TENYO_ERR_INPUT with "bytes near offset N are not valid CS (ICU error)"
 * in err (N counted from the start of the stream) and out unchanged. */
int ty_conv_run(ty_conv *c, const char *in, size_t inlen, int flush,
                ty_buf *out, char *err, size_t errlen);
/* Stream offset of the first byte of the invalid sequence that stopped the
 * last ty_conv_run (for the line number of a message). */
uint64_t ty_conv_bad_offset(const ty_conv *c);
void ty_conv_free(ty_conv *c);  /* accepts NULL */

#endif /* TENYO_TEXT_H */
