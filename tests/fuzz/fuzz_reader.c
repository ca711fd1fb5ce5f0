/*
 * fuzz_reader.c — the public tenyo_reader over a whole file: charset
 * detection and conversion, format detection, every record parser and the
 * record checks of reader.c.
 *
 * The input is written to a memfd and opened as "/proc/self/fd/N", so the
 * reader runs exactly as on a file on disk (its read loop included) without
 * touching the disk per input. Two passes: format and charset detected,
 * lenient; then strict with the format picked from the input length
 * (automatic or one of the three), so each parser is reached behind the
 * reader even where detection would choose another.
 *
 * Properties: every record handed out keeps the tenyo_doc contract (all
 * strings non-NULL and well-formed UTF-8, an id, codes non-NULL); the stats
 * count what was handed out; a failure (open or next) comes with a message.
 */
#include "fuzz.h"

#include <fcntl.h>

/* Check one string of a document. */
static void check_str(const char *s) {
    FZ_ASSERT(s != NULL);
    FZ_ASSERT(ty_utf8_valid(s, strlen(s), NULL));
}

static void on_report(void *ud, const char *file, long line, const char *msg) {
    size_t *n = ud;
    FZ_ASSERT(file != NULL && msg != NULL && msg[0] != 0);
    *n += 1 + (line < 0);
}

/* Open path with opts and read every record, checking each. */
static void read_all(const char *path, tenyo_read_opts *o) {
    size_t reports = 0;
    o->report = on_report;
    o->report_ud = &reports;
    tenyo_reader *r = NULL;
    char err[TY_ERRLEN] = "";
    int rc = tenyo_reader_open(path, o, &r, err, sizeof err);
    if (rc) {
        FZ_ASSERT(rc < 0 && r == NULL && err[0] != 0);
        return;
    }
    FZ_ASSERT(tenyo_reader_format(r)[0] != 0 && tenyo_reader_encoding(r)[0] != 0);
    const tenyo_doc *d;
    uint64_t got = 0;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        got++;
        FZ_ASSERT(d != NULL && d->id && d->id[0] != 0);
        const char *s[] = {d->id,        d->title,     d->abstract,
                           d->claims,    d->description, d->applicant,
                           d->date,      d->lang,      d->source};
        for (size_t i = 0; i < sizeof s / sizeof *s; i++) check_str(s[i]);
        FZ_ASSERT(d->ncodes == 0 || d->codes != NULL);
        for (size_t i = 0; i < d->ncodes; i++) check_str(d->codes[i]);
        FZ_ASSERT(d->date[0] == 0 || strlen(d->date) == 10);
    }
    if (rc < 0) FZ_ASSERT(tenyo_reader_error(r)[0] != 0);
    else FZ_ASSERT(rc == 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    FZ_ASSERT(st.records == got && st.empty <= st.records);
    tenyo_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fz_memfd(data, size, path, sizeof path);
    if (fd < 0) return 0;
    tenyo_read_opts o;
    memset(&o, 0, sizeof o);
    read_all(path, &o);
    memset(&o, 0, sizeof o);
    o.format = (tenyo_format)(size % 4);
    o.strict = 1;
    read_all(path, &o);
    close(fd);
    return 0;
}
