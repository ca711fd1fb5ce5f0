/*
 * fuzz.h — what the fuzz targets of tests/fuzz/ share: a record sink and a
 * driver for the in-memory record parsers, a memfd "file" for the targets
 * that open paths, and FZ_ASSERT, which aborts (a crash libFuzzer and the
 * replay driver both catch) when a property of the output does not hold.
 *
 * Every target is one file tests/fuzz/fuzz_<name>.c defining
 * LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize). It is built
 * two ways: with clang -fsanitize=fuzzer,address,undefined by `make fuzz`
 * (tests/fuzz/fuzz.mk), and with the normal compiler as
 * $(BUILD)/fuzz/replay_<name>, whose main() is tests/fuzz/replay.c and which
 * `make test` runs over the saved corpus.
 */
#ifndef TENYO_FUZZ_H
#define TENYO_FUZZ_H

#include "api/api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Abort with the failed property: a crash to the fuzzer. */
#define FZ_ASSERT(c)                                                       \
    do {                                                                   \
        if (!(c)) {                                                        \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__,  \
                    __LINE__, #c);                                         \
            abort();                                                       \
        }                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The home fields of an accepted ideas or match request (tenyo_ideas_opts):
 * at most max, a list exactly when there are any, each four characters: a
 * section letter A-H (either case) and two digits. */
static inline void fz_check_home(const tenyo_ideas_opts *io, size_t max) {
    FZ_ASSERT(io->nhome <= max);
    FZ_ASSERT((io->nhome == 0) == (io->home == NULL));
    for (size_t i = 0; i < io->nhome; i++) {
        const char *c = io->home[i];
        FZ_ASSERT(strlen(c) == 4 && strchr("ABCDEFGHabcdefgh", c[0]) &&
                  c[1] >= '0' && c[1] <= '9' && c[2] >= '0' && c[2] <= '9');
    }
}

/* ======================================================= record parsers */

/* What the sink of fz_parse saw. */
typedef struct fz_sink_state {
    size_t records;   /* records received */
    size_t stop_at;   /* > 0: ask the parser to stop at this record */
    size_t bytes;     /* text bytes seen (keeps the reads alive) */
} fz_sink_state;

/* Record sink: checks the shape of every record and touches its text, so a
 * record pointing at freed or unterminated memory shows up under ASan. */
static inline int fz_sink(void *ud, ty_record *rec) {
    fz_sink_state *st = ud;
    const ty_buf *b[] = {&rec->id,     &rec->title,       &rec->abstract,
                         &rec->claims, &rec->description, &rec->applicant,
                         &rec->date,   &rec->lang};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
        FZ_ASSERT(b[i]->len <= b[i]->cap);
        FZ_ASSERT(b[i]->len == 0 || b[i]->p != NULL);
        for (size_t k = 0; k < b[i]->len; k++) st->bytes += (unsigned char)b[i]->p[k];
    }
    FZ_ASSERT(rec->ncodes <= rec->capcodes);
    for (size_t i = 0; i < rec->ncodes; i++) {
        FZ_ASSERT(rec->codes[i] != NULL);
        st->bytes += strlen(rec->codes[i]);
    }
    st->records++;
    return st->stop_at && st->records >= st->stop_at;
}

/* Report callback: the message must be a terminated string. */
static inline void fz_report(void *ud, const char *file, long line, const char *msg) {
    size_t *n = ud;
    FZ_ASSERT(file != NULL && msg != NULL);
    *n += strlen(file) + strlen(msg) + (line < 0);
}

/* Run a parser over data as the reader hands text to it (a NUL after the
 * last byte, in an allocation of exactly size + 1 bytes so ASan sees any
 * read beyond), twice: lenient with a sink that takes everything, then
 * strict with a sink that stops at the second record. */
static inline int fz_parse(int (*parse)(ty_parse_env *, const char *, size_t),
                    const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    text[size] = 0;
    for (int pass = 0; pass < 2; pass++) {
        fz_sink_state st = {0, pass ? 2u : 0u, 0};
        size_t reported = 0;
        ty_parse_env env;
        memset(&env, 0, sizeof env);
        env.path = "fuzz-input";
        env.sink = fz_sink;
        env.ud = &st;
        env.report = fz_report;
        env.report_ud = &reported;
        env.strict = pass;
        int rc = parse(&env, text, size);
        FZ_ASSERT(rc <= 0);
        FZ_ASSERT(memchr(env.err, 0, sizeof env.err) != NULL);
        /* a failure the sink did not ask for says why (the contract of
         * ty_parse_env.err) */
        int stopped = st.stop_at && st.records >= st.stop_at;
        if (rc < 0 && rc != TENYO_ERR_NOMEM && !stopped)
            FZ_ASSERT(env.err[0] != 0);
    }
    free(text);
    return 0;
}

/* ============================================================== files */

/* Put data into an anonymous memory file and write its /proc path (which
 * open() accepts like any file) into path. Returns the descriptor (close it
 * after use), or -1. */
static inline int fz_memfd(const void *data, size_t size, char *path, size_t plen) {
    int fd = memfd_create("tenyo-fuzz", MFD_CLOEXEC);
    if (fd < 0) return -1;
    const char *p = data;
    size_t left = size;
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k <= 0) {
            close(fd);
            return -1;
        }
        p += k;
        left -= (size_t)k;
    }
    snprintf(path, plen, "/proc/self/fd/%d", fd);
    return fd;
}

/* ============================================================== index */

/* Use an index that opened: metadata of every document (up to 64), the
 * field table, similar in each mode, ideas with bridges and phrases, the
 * IVF when there is one, the landscape map. What loads must be safe to use:
 * the loader's checks are the only guard these calls have. */
static inline void fz_use_index(tenyo_index *x) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    uint64_t n = tenyo_index_ndocs(x);
    FZ_ASSERT(in.ndocs == n && in.tokenizer && in.writer);
    for (uint64_t d = 0; d < n && d < 64; d++) {
        tenyo_doc_meta m;
        FZ_ASSERT(tenyo_index_doc(x, d, &m) == TENYO_OK);
        FZ_ASSERT(m.id && m.title && m.applicant && m.date && m.codes &&
                  m.fields && m.lang);
        FZ_ASSERT(tenyo_index_find(x, m.id) == (int64_t)d);
    }
    for (uint32_t f = 0; f < in.nfields && f < 256; f++) {
        const char *code = NULL;
        uint64_t cnt = 0;
        FZ_ASSERT(tenyo_index_field(x, f, &code, &cnt) == TENYO_OK && code);
        FZ_ASSERT(tenyo_index_field_find(x, code) == (int64_t)f);
        (void)tenyo_field_label(x, code, "ja");
    }
    if (n == 0) return;
    tenyo_ctx *c = NULL;
    char err[TY_ERRLEN];
    if (tenyo_ctx_new(x, &c, err, sizeof err)) return;
    tenyo_hit hits[8];
    for (int mode = 0; mode < 3; mode++) {
        int got = tenyo_similar_doc(c, 0, (tenyo_mode)mode, 8, hits);
        FZ_ASSERT(got <= 8);
        for (int i = 0; i < got; i++) FZ_ASSERT(hits[i].doc < n && hits[i].doc != 0);
    }
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    tenyo_idea ideas[4];
    int got = tenyo_ideas_doc(c, 0, &io, 4, ideas);
    FZ_ASSERT(got <= 4);
    for (int i = 0; i < got; i++) {
        FZ_ASSERT(ideas[i].field < in.nfields && ideas[i].code);
        const char *bt[4];
        tenyo_phrase ph[3];
        int nb = tenyo_idea_bridge(c, &ideas[i], 4, bt);
        for (int k = 0; k < nb; k++) FZ_ASSERT(bt[k] != NULL);
        int np = tenyo_idea_phrases(c, &ideas[i], 3, ph);
        for (int k = 0; k < np; k++) FZ_ASSERT(ph[k].text && ph[k].doc < n);
    }
    if (in.ivf_lists && tenyo_ctx_set_nprobe(c, 1) == TENYO_OK) {
        got = tenyo_similar_doc(c, n - 1, TENYO_MODE_LSA, 8, hits);
        for (int i = 0; i < got; i++) FZ_ASSERT(hits[i].doc < n);
    }
    /* keyword search: the section "keywords" (or the scan), its postings
     * read for units of two characters and more, every list by the check */
    tenyo_filter *kf = NULL;
    if (tenyo_filter_new(x, &kf) == TENYO_OK) {
        const char *kq[] = {"装置", "車両 -内視鏡", "\"撮像部\"", "の", "ロボットハンド"};
        for (size_t i = 0; i < sizeof kq / sizeof *kq; i++) {
            int krc = tenyo_filter_keywords(kf, c, kq[i]);
            if (krc) {
                FZ_ASSERT(krc < 0 && tenyo_filter_error(kf)[0]);
                continue;
            }
            FZ_ASSERT(tenyo_filter_count(kf) <= (int64_t)n);
            got = tenyo_search(c, kf, 8, hits);
            for (int j = 0; j < got; j++) FZ_ASSERT(hits[j].doc < n);
        }
        tenyo_ctx_set_filter(c, NULL);
        tenyo_filter_free(kf);
    }
    (void)tenyo_index_keyword_check(x, err, sizeof err);
    tenyo_map *map = NULL;
    if (tenyo_map_new(x, &map, err, sizeof err) == TENYO_OK) {
        double xy[2];
        FZ_ASSERT(tenyo_map_doc(map, 0, xy) == TENYO_OK);
        tenyo_map_free(map);
    }
    tenyo_ctx_free(c);
}

/* Open the index file at path; use it when it opens. A refusal must come
 * with a message and one of the statuses of a bad file. */
static inline void fz_open_index(const char *path) {
    tenyo_index *x = NULL;
    char err[TY_ERRLEN] = "";
    int rc = tenyo_index_open(path, &x, err, sizeof err);
    static int verbose = -1; /* TENYO_FUZZ_VERBOSE: print each outcome */
    if (verbose < 0) verbose = getenv("TENYO_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "open: %d %s\n", rc, rc ? err : "ok");
    if (rc == TENYO_OK) {
        FZ_ASSERT(x != NULL);
        fz_use_index(x);
        tenyo_index_free(x);
        return;
    }
    FZ_ASSERT(x == NULL);
    FZ_ASSERT(rc == TENYO_ERR_CORRUPT || rc == TENYO_ERR_VERSION ||
              rc == TENYO_ERR_NOMEM || rc == TENYO_ERR_IO ||
              rc == TENYO_ERR_LIMIT);
    FZ_ASSERT(rc == TENYO_ERR_NOMEM || err[0] != 0);
}

#endif
