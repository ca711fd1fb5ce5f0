/*
 * fuzz_jsonl.c — ty_parse_jsonl, the parser of JSON Lines (io/jsonl.c), over arbitrary bytes.
 *
 * The input goes to the parser the way reader.c hands it over (text in
 * memory with a NUL after it), once lenient and once strict with a sink that
 * stops early (fz_parse in fuzz.h). Raw bytes, not only valid UTF-8: the
 * reader converts to UTF-8 first, but a parser must not depend on that for
 * its memory safety, and a crash that needs invalid UTF-8 would still be a
 * bug in the parser (each such finding says so in its report). Rejected:
 * going through tenyo_reader (fuzz_reader.c does that) — the charset and
 * format detection in front would spend most inputs before the parser.
 *
 * Then the two parsers against each other: the input read with simdjson
 * (the default) and with jansson alone (ty_jsonl_fast 0) must give the same
 * records, warnings and messages, byte for byte (simdjson.cc leaves to
 * jansson every line jansson would read otherwise).
 */
#include "fuzz.h"

/* Every record and report of a parse, as one string. */
static int dj_sink(void *ud, ty_record *rec) {
    ty_buf *o = ud;
    const ty_buf *b[] = {&rec->id,        &rec->title,     &rec->abstract, &rec->claims,
                         &rec->description, &rec->applicant, &rec->date,     &rec->lang,
                         &rec->numbers};
    char tmp[64];
    int k = snprintf(tmp, sizeof tmp, "R%ld|%d|", rec->line, rec->open);
    ty_buf_append(o, tmp, (size_t)k);
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
        if (b[i]->len) ty_buf_append(o, b[i]->p, b[i]->len);
        ty_buf_putc(o, 0x1f);
    }
    for (size_t i = 0; i < rec->ncodes; i++) {
        ty_buf_append(o, rec->codes[i], strlen(rec->codes[i]));
        ty_buf_putc(o, ',');
    }
    ty_buf_putc(o, '\n');
    return 0;
}

static void dj_report(void *ud, const char *file, long line, const char *msg) {
    ty_buf *o = ud;
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, "M%ld|", line);
    ty_buf_append(o, tmp, (size_t)k);
    ty_buf_append(o, msg, strlen(msg));
    ty_buf_putc(o, '\n');
}

static void dj_parse(const char *text, size_t size, int fast, ty_buf *o) {
    ty_parse_env env;
    memset(&env, 0, sizeof env);
    env.path = "fuzz-input";
    env.sink = dj_sink;
    env.ud = o;
    env.report = dj_report;
    env.report_ud = o;
    ty_jsonl_fast = fast;
    int rc = ty_parse_jsonl(&env, text, size);
    ty_jsonl_fast = 1;
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, "rc %d\n", rc);
    ty_buf_append(o, tmp, (size_t)k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_parse(ty_parse_jsonl, data, size);
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    text[size] = 0;
    ty_buf a = {0}, b = {0};
    dj_parse(text, size, 1, &a);
    dj_parse(text, size, 0, &b);
    FZ_ASSERT(a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len)));
    ty_buf_free(&a);
    ty_buf_free(&b);
    free(text);
    return 0;
}
