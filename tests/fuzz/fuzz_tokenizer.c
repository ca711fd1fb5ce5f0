/*
 * fuzz_tokenizer.c — ty_tokenize_sink over arbitrary bytes, with the term,
 * surface and application-phrase sinks all attached (what the builder
 * uses), on one tokenizer and context made once in LLVMFuzzerInitialize
 * (loading MeCab's dictionary per input would leave no time to fuzz).
 *
 * Properties: invalid UTF-8 is refused with TENYO_ERR_INPUT before any term
 * is emitted; valid text gives a count equal to the terms emitted; every
 * term, surface word, phrase target and expression is non-empty,
 * well-formed UTF-8 (a cut inside a character would reach the index);
 * expressions stay under TY_PHRASE_MAX; and the same text tokenized twice on
 * the same context gives the same terms and phrases (no state leaks from one
 * call into the next). Reusing one context across inputs is deliberate:
 * that is how the builder's threads and a server's contexts run.
 */
#include "fuzz.h"

static ty_tokenizer *g_tok;  /* shared tokenizer (system dictionary) */
static ty_tokctx *g_ctx;     /* the one context, reused for every input */

/* What the sinks saw in one call. */
typedef struct seen {
    size_t terms;      /* term() calls */
    size_t last_term;  /* terms when surface() may follow (term count) */
    uint64_t hash;     /* FNV-1a over everything emitted, in order */
} seen;

/* Fold s[0..n) and a separator into h. */
static uint64_t mix(uint64_t h, const char *s, size_t n, unsigned char sep) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (h ^ sep) * 1099511628211ull;
}

static void on_term(void *ud, const char *t, size_t n) {
    seen *s = ud;
    FZ_ASSERT(n > 0 && ty_utf8_valid(t, n, NULL));
    s->terms++;
    s->hash = mix(s->hash, t, n, 1);
}

static void on_surface(void *ud, const char *t, size_t n, const char *w,
                       size_t wn) {
    seen *s = ud;
    FZ_ASSERT(s->terms > 0); /* right after its term */
    FZ_ASSERT(n > 0 && ty_utf8_valid(t, n, NULL));
    FZ_ASSERT(wn > 0 && ty_utf8_valid(w, wn, NULL));
    s->hash = mix(mix(s->hash, t, n, 2), w, wn, 3);
}

static void on_phrase(void *ud, const char *t, size_t tn, const char *e,
                      size_t en) {
    seen *s = ud;
    FZ_ASSERT(tn > 0 && ty_utf8_valid(t, tn, NULL));
    FZ_ASSERT(en > 0 && en < TY_PHRASE_MAX && ty_utf8_valid(e, en, NULL));
    s->hash = mix(mix(s->hash, t, tn, 4), e, en, 5);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    tenyo_tok_opts o;
    tenyo_tok_opts_default(&o);
    char err[TY_ERRLEN] = "";
    if (ty_tokenizer_new(&o, &g_tok, err, sizeof err) ||
        ty_tokctx_new(g_tok, &g_ctx, err, sizeof err)) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err);
        abort();
    }
    return 0;
}

/* Tokenize text[0..len) once; the status, what was seen into s. */
static int run(const char *text, size_t len, seen *s) {
    memset(s, 0, sizeof *s);
    s->hash = 1469598103934665603ull;
    ty_tok_sink sink = {on_term, on_surface, on_phrase, s, NULL};
    return ty_tokenize_sink(g_ctx, text, len, &sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1); /* exact size for ASan */
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    seen a, b;
    int rc = run(text, size, &a);
    if (!ty_utf8_valid(text, size, NULL)) {
        FZ_ASSERT(rc == TENYO_ERR_INPUT && a.terms == 0);
    } else {
        FZ_ASSERT(rc >= 0 && (size_t)rc == a.terms);
        int rc2 = run(text, size, &b);
        FZ_ASSERT(rc2 == rc && b.terms == a.terms && b.hash == a.hash);
    }
    free(text);
    return 0;
}
