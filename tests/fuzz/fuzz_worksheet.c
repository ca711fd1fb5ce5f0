/*
 * fuzz_worksheet.c — a worksheet file (tenyo_worksheet_parse, the reader
 * of `ideas --worksheet` and POST /api/worksheet) over arbitrary bytes.
 * Properties: a refusal says why and gives no worksheet; an accepted one
 * has a subject, its cards each a field and a decision, applies to a steer
 * without a refusal, and reads back from its own text to the same text.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tenyo_worksheet *w = NULL, *r = NULL;
    char err[512] = "";
    int rc = tenyo_worksheet_parse((const char *)data, size, &w, err, sizeof err);
    if (rc) {
        FZ_ASSERT(!w && err[0]);
        return 0;
    }
    const char *kind = NULL, *f, *d, *note;
    FZ_ASSERT(tenyo_worksheet_subject(w, &kind) && kind);
    for (size_t i = 0; tenyo_worksheet_card(w, i, &f, &d, &note) == TENYO_OK; i++)
        FZ_ASSERT(f && d && (!strcmp(d, "kept") || !strcmp(d, "rejected")));
    tenyo_steer *s = NULL;
    FZ_ASSERT(tenyo_steer_new(&s) == 0);
    int ap = tenyo_worksheet_apply(w, s);
    FZ_ASSERT(ap == 0 || ap == TENYO_ERR_ARG); /* a word NFKC folds to nothing */
    char *a = NULL, *b = NULL;
    FZ_ASSERT(tenyo_worksheet_json(w, &a) == 0);
    FZ_ASSERT(tenyo_worksheet_parse(a, strlen(a), &r, err, sizeof err) == 0);
    FZ_ASSERT(tenyo_worksheet_json(r, &b) == 0 && !strcmp(a, b));
    tenyo_json_free(a);
    tenyo_json_free(b);
    tenyo_steer_free(s);
    tenyo_worksheet_free(r);
    tenyo_worksheet_free(w);
    return 0;
}
