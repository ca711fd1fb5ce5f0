/*
 * stem.c — English stemming: the libstemmer (Snowball) adapter; the only
 * file that includes libstemmer.h.
 *
 * The tokenizer stems lowercase a-z words with Snowball's "english"
 * algorithm (Porter2) by default (tenyo_tok_opts.stem = 2). Measured on
 * the development split against the first engine's hand-written Porter
 * step 1 (stem = 1, still applied to indexes that recorded it): en
 * vocabulary 7,515 -> 6,038 terms; Protocol S P@10 tfidf 0.218 / 0.218,
 * lsa 0.205 -> 0.208, hybrid 0.223 -> 0.224; Protocol X recall@5 and
 * serendipity@10 within noise of each other (README "Tokenizer").
 *
 * A Snowball stemmer keeps per-call state, so each tokenizer context (one
 * per thread) owns one. Words are passed as UTF-8 bytes; the result is
 * copied back into the caller's buffer, which already holds the word and
 * is never shorter than a stem (Porter2 never lengthens an a-z word by
 * more than the one byte callers reserve; checked).
 */
#include "text/text.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

struct ty_stemmer {
    struct sb_stemmer *sb;
};

int ty_stemmer_new(ty_stemmer **out, char *err, size_t errlen) {
    *out = NULL;
    ty_stemmer *s = ty_calloc(1, sizeof *s);
    if (!s) {
        ty_seterr(err, errlen, "out of memory creating the English stemmer");
        return TENYO_ERR_NOMEM;
    }
    s->sb = sb_stemmer_new("english", "UTF_8");
    if (!s->sb) {
        free(s);
        ty_seterr(err, errlen, "libstemmer has no \"english\" stemmer for UTF-8");
        return TENYO_ERR_DEPENDENCY;
    }
    *out = s;
    return TENYO_OK;
}

void ty_stemmer_free(ty_stemmer *s) {
    if (!s) return;
    sb_stemmer_delete(s->sb);
    free(s);
}

size_t ty_stem(ty_stemmer *s, char *w, size_t n, size_t cap) {
    const sb_symbol *o = sb_stemmer_stem(s->sb, (const sb_symbol *)w, (int)n);
    if (!o) return 0; /* out of memory inside libstemmer */
    int k = sb_stemmer_length(s->sb);
    if (k <= 0 || (size_t)k > cap) return n; /* leave the word as it is */
    memcpy(w, o, (size_t)k);
    return (size_t)k;
}
