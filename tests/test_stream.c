/*
 * test_stream.c — the streaming reader and builder: parsers fed in pieces
 * give what the whole text gives, the record size limit, chunked charset
 * conversion and its error lines, batches that do not change the index,
 * repeated ids, and the rebuild of an index from its stored counts.
 */
#include "api/api.h"
#include "test.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================= helpers */

/* What a parse produced: records, reports, status, message. */
typedef struct parse_out {
    ty_buf recs;          /* one line per record: @line, fields, codes */
    ty_buf reps;          /* "line|message\n" per report */
    int rc;               /* parse status */
    char err[256];        /* env.err at the end */
} parse_out;

static void out_free(parse_out *o) {
    ty_buf_free(&o->recs);
    ty_buf_free(&o->reps);
}

static int digest_sink(void *ud, ty_record *r) {
    ty_buf *d = ud;
    char head[64];
    snprintf(head, sizeof head, "@%ld open=%d|", r->line, r->open);
    ty_buf_append(d, head, strlen(head));
    const ty_buf *f[] = {&r->id,     &r->title, &r->abstract, &r->claims,
                         &r->description, &r->applicant, &r->date, &r->lang};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        ty_buf_append(d, f[i]->p ? f[i]->p : "", f[i]->len);
        ty_buf_putc(d, '\x1f');
    }
    for (size_t i = 0; i < r->ncodes; i++) {
        ty_buf_append(d, r->codes[i], strlen(r->codes[i]));
        ty_buf_putc(d, ';');
    }
    ty_buf_putc(d, '\n');
    return 0;
}

static void on_report(void *ud, const char *file, long line, const char *msg) {
    (void)file;
    ty_buf *b = ud;
    char tmp[700];
    int n = snprintf(tmp, sizeof tmp, "%ld|%s\n", line, msg);
    ty_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Parse text with format fmt fed in pieces of the sizes in steps[] (used
 * in turn; NULL or 0: the whole text at once through ty_parse_*). */
static void parse_pieces(tenyo_format fmt, const char *text, size_t len,
                         const size_t *steps, size_t nsteps, size_t max,
                         int strict, parse_out *o) {
    memset(o, 0, sizeof *o);
    ty_parse_env env = {.path = "t", .sink = digest_sink, .ud = &o->recs,
                        .report = on_report, .report_ud = &o->reps,
                        .strict = strict, .max_record = max};
    if (!nsteps) {
        o->rc = fmt == TENYO_FORMAT_JSONL      ? ty_parse_jsonl(&env, text, len)
                : fmt == TENYO_FORMAT_JPLATPAT ? ty_parse_jplatpat(&env, text, len)
                                               : ty_parse_jpoxml(&env, text, len);
    } else {
        ty_parser p;
        int rc = fmt == TENYO_FORMAT_JSONL      ? ty_parser_jsonl(&env, &p)
                 : fmt == TENYO_FORMAT_JPLATPAT ? ty_parser_jplatpat(&env, &p)
                                                : ty_parser_jpoxml(&env, &p);
        size_t pos = 0, k = 0;
        while (!rc && pos < len) {
            size_t n = steps[k++ % nsteps];
            if (n > len - pos) n = len - pos;
            rc = ty_parser_feed(&p, text + pos, n, 0);
            pos += n;
        }
        if (!rc) rc = ty_parser_feed(&p, "", 0, 1);
        ty_parser_free(&p);
        o->rc = rc;
    }
    snprintf(o->err, sizeof o->err, "%.200s", env.err);
}

static void puts_buf(ty_buf *b, const char *s) { ty_buf_append(b, s, strlen(s)); }


static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static const char *tmp_path(const char *name) {
    static char p[4][512];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 512, "%s/%s", ty_test_tmpdir(), name);
    return s;
}

/* in[0..n) converted from UTF-8 to charset to (malloc'd, *outn bytes). */
static char *iconv_to(const char *to, const char *in, size_t n, size_t *outn) {
    iconv_t cd = iconv_open(to, "UTF-8");
    if (cd == (iconv_t)-1) return NULL;
    size_t cap = n * 2 + 16, left = cap;
    char *out = malloc(cap), *o = out, *s = (char *)in;
    size_t r = iconv(cd, &s, &n, &o, &left);
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(out);
        return NULL;
    }
    *outn = cap - left;
    return out;
}

/* Read a file with the reader: digest of its records, reports, stats. */
typedef struct read_out {
    ty_buf recs;            /* records as digest_sink writes them */
    ty_buf reps;            /* reports */
    tenyo_read_stats st;    /* stats at the end */
    char err[256];          /* open or next error */
    int rc;                 /* open status, else the last next() status */
} read_out;

static void read_all(const char *path, const char *encoding, int strict,
                     read_out *o) {
    memset(o, 0, sizeof *o);
    tenyo_read_opts ro = {.encoding = encoding, .strict = strict,
                          .report = on_report, .report_ud = &o->reps};
    tenyo_reader *r = NULL;
    o->rc = tenyo_reader_open(path, &ro, &r, o->err, sizeof o->err);
    if (o->rc) return;
    const tenyo_doc *d;
    while ((o->rc = tenyo_reader_next(r, &d)) == 1) {
        char head[64];
        snprintf(head, sizeof head, "@%ld|%s|", d->line, d->id);
        ty_buf_append(&o->recs, head, strlen(head));
        ty_buf_append(&o->recs, d->title, strlen(d->title));
        ty_buf_putc(&o->recs, '|');
        ty_buf_append(&o->recs, d->abstract, strlen(d->abstract));
        ty_buf_putc(&o->recs, '\n');
    }
    tenyo_reader_stats(r, &o->st);
    snprintf(o->err, sizeof o->err, "%s", tenyo_reader_error(r));
    tenyo_reader_free(r);
}

static void read_free(read_out *o) {
    ty_buf_free(&o->recs);
    ty_buf_free(&o->reps);
}

#define S(b) ((b).p ? (b).p : "")

/* Feeding any text in pieces of any size gives the records, reports and
 * status of the whole text. */
static int same_in_pieces(tenyo_format fmt, const char *text, size_t len,
                          char *why, size_t whylen) {
    static const size_t steps[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7},
                                      {13, 1, 64, 4}, {4096, 1, 65536, 3}};
    parse_out whole;
    parse_pieces(fmt, text, len, NULL, 0, 0, 0, &whole);
    int ok = 1;
    for (size_t s = 0; s < sizeof steps / sizeof *steps && ok; s++) {
        parse_out p;
        parse_pieces(fmt, text, len, steps[s], 4, 0, 0, &p);
        if (p.rc != whole.rc || strcmp(S(p.recs), S(whole.recs)) ||
            strcmp(S(p.reps), S(whole.reps)) || strcmp(p.err, whole.err)) {
            snprintf(why, whylen, "steps %zu: rc %d/%d, %zu/%zu record bytes, "
                     "reports [%.60s] vs [%.60s], err [%.40s]/[%.40s]",
                     s, p.rc, whole.rc, p.recs.len, whole.recs.len, S(p.reps),
                     S(whole.reps), p.err, whole.err);
            ok = 0;
        }
        out_free(&p);
    }
    out_free(&whole);
    return ok;
}

/* ============================================================= parsers */

TY_TEST(stream_parsers_in_pieces) {
    static const struct { const char *file; tenyo_format fmt; } fx[] = {
        {"tests/data/io_bad.jsonl", TENYO_FORMAT_JSONL},
        {"tests/data/io_ja.jsonl", TENYO_FORMAT_JSONL},
        {"tests/data/io_jplatpat.csv", TENYO_FORMAT_JPLATPAT},
        {"tests/data/io_gazette_multi.xml", TENYO_FORMAT_JPO_XML},
    };
    char why[256];
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++) {
        size_t n = 0;
        char *t = ty_test_slurp(fx[i].file, &n);
        CHECKF(t, "%s missing", fx[i].file);
        int ok = same_in_pieces(fx[i].fmt, t, n, why, sizeof why);
        free(t);
        CHECKF(ok, "%s: %s", fx[i].file, why);
    }
    /* declarations cut anywhere: blanks before the first, "<?xmlfoo" (not
     * a declaration), a broken document between two good ones, no final
     * newline */
    const char *xml =
        "  \n<?xml version=\"1.0\"?>\n<jp-official-gazette kind-of-jp=\"A\">"
        "<bibliographic-data><publication-reference><document-id>"
        "<doc-number>2099000001</doc-number></document-id>"
        "</publication-reference><invention-title>一つ目</invention-title>"
        "</bibliographic-data><?xmlfoo x?></jp-official-gazette>\n"
        "<?xml version=\"1.0\"?>\n<jp-official-gazette><broken></jp-official-gazette>\n"
        "<?xml version=\"1.0\"?>\r\n<jp-official-gazette kind-of-jp=\"B\">"
        "<bibliographic-data><publication-reference><document-id>"
        "<doc-number>1234567</doc-number></document-id>"
        "</publication-reference><invention-title>三つ目</invention-title>"
        "</bibliographic-data></jp-official-gazette><?xml";
    parse_out w;
    parse_pieces(TENYO_FORMAT_JPO_XML, xml, strlen(xml), NULL, 0, 0, 0, &w);
    CHECKF(strstr(S(w.recs), "特開2099-000001") && strstr(S(w.recs), "特許1234567"),
           "%s", S(w.recs));
    CHECKF(strstr(S(w.reps), "2|skipped: XML error at line 5"), "%s", S(w.reps));
    out_free(&w);
    CHECKF(same_in_pieces(TENYO_FORMAT_JPO_XML, xml, strlen(xml), why, sizeof why),
           "xml: %s", why);
    /* CSV: quoted line breaks, CRLF, a short row, no final newline */
    const char *csv = "文献番号,発明の名称,要約\r\n\"特開2099-1\",\"a\",\"x\ny\"\r\n"
                      "\"特開2099-2\",\"b\"\r\n\"特開2099-3\",\"c\",\"z\"";
    CHECKF(same_in_pieces(TENYO_FORMAT_JPLATPAT, csv, strlen(csv), why, sizeof why),
           "csv: %s", why);
    /* real files when the shared data is there */
    const char *real[] = {"formats/jpo_gazette_JP2010000001A.xml",
                          "jp/jplatpat_csv/export_01.csv"};
    for (size_t i = 0; i < 2; i++) {
        const char *p = ty_test_shared(real[i]);
        if (!p) continue;
        size_t n = 0;
        char *t = ty_test_slurp(p, &n);
        CHECK(t);
        int ok = same_in_pieces(i ? TENYO_FORMAT_JPLATPAT : TENYO_FORMAT_JPO_XML,
                                t, n, why, sizeof why);
        free(t);
        CHECKF(ok, "%s: %s", real[i], why);
    }
}

/* A record over the limit is one bad record at its line, in every format
 * and however the text is cut; the records around it are kept. */
TY_TEST(stream_record_too_big) {
    ty_buf big = {0};
    for (int i = 0; i < 300; i++) ty_buf_append(&big, "長い", 6);
    /* JSONL: line 3 is too long (1800 bytes > 1000) */
    ty_buf j = {0};
    puts_buf(&j, "{\"id\":\"A\",\"title\":\"a\"}\n\n{\"id\":\"B\",\"title\":\"");
    ty_buf_append(&j, big.p, big.len);
    puts_buf(&j, "\"}\n{\"id\":\"C\",\"title\":\"c\"}");
    static const size_t steps[] = {1, 7, 100, 5000};
    for (size_t s = 0; s <= 4; s++) {
        parse_out o;
        parse_pieces(TENYO_FORMAT_JSONL, j.p, j.len, s < 4 ? &steps[s] : NULL,
                     s < 4 ? 1 : 0, 1000, 0, &o);
        CHECK_EQ_INT(o.rc, 0);
        CHECKF(!strcmp(S(o.reps), "3|skipped: record larger than 1000 bytes\n"),
               "%s", S(o.reps));
        CHECKF(strstr(S(o.recs), "@1 ") && strstr(S(o.recs), "@4 ") &&
                   !strstr(S(o.recs), "|B\x1f"),
               "%s", S(o.recs));
        out_free(&o);
    }
    parse_out o;
    parse_pieces(TENYO_FORMAT_JSONL, j.p, j.len, steps, 1, 1000, 1, &o);
    CHECK_EQ_INT(o.rc, TENYO_ERR_INPUT);
    CHECK_STR(o.err, "t:3: record larger than 1000 bytes");
    out_free(&o);
    /* CSV: the row of line 3 spans lines 3-4 */
    ty_buf c = {0};
    puts_buf(&c, "文献番号,要約\n\"X-1\",\"a\"\n\"X-2\",\"");
    ty_buf_append(&c, big.p, big.len);
    puts_buf(&c, "\n");
    ty_buf_append(&c, big.p, big.len);
    puts_buf(&c, "\"\n\"X-3\",\"c\"\n");
    for (size_t s = 0; s <= 4; s++) {
        parse_pieces(TENYO_FORMAT_JPLATPAT, c.p, c.len, s < 4 ? &steps[s] : NULL,
                     s < 4 ? 1 : 0, 1000, 0, &o);
        CHECK_EQ_INT(o.rc, 0);
        CHECKF(!strcmp(S(o.reps), "3|skipped: record larger than 1000 bytes\n"),
               "%s", S(o.reps));
        CHECKF(strstr(S(o.recs), "@2 ") && strstr(S(o.recs), "@5 ") &&
                   !strstr(S(o.recs), "X-2"),
               "%s", S(o.recs));
        out_free(&o);
    }
    /* XML: the second of three documents */
    ty_buf x = {0};
    const char *doc = "<?xml version=\"1.0\"?>\n<jp-official-gazette kind-of-jp=\"A\">"
                      "<bibliographic-data><publication-reference><document-id>"
                      "<doc-number>209900000%d</doc-number></document-id>"
                      "</publication-reference><invention-title>t</invention-title>"
                      "</bibliographic-data><abstract><p>%s</p></abstract>"
                      "</jp-official-gazette>\n";
    for (int d = 1; d <= 3; d++) {
        char *piece = malloc(strlen(doc) + big.len + 16);
        sprintf(piece, doc, d, d == 2 ? big.p : "短い");
        ty_buf_append(&x, piece, strlen(piece));
        free(piece);
    }
    for (size_t s = 0; s <= 4; s++) {
        parse_pieces(TENYO_FORMAT_JPO_XML, x.p, x.len, s < 4 ? &steps[s] : NULL,
                     s < 4 ? 1 : 0, 1000, 0, &o);
        CHECK_EQ_INT(o.rc, 0);
        CHECKF(!strcmp(S(o.reps), "2|skipped: record larger than 1000 bytes\n"),
               "%s", S(o.reps));
        CHECKF(strstr(S(o.recs), "特開2099-000001") &&
                   strstr(S(o.recs), "特開2099-000003") &&
                   !strstr(S(o.recs), "特開2099-000002"),
               "%s", S(o.recs));
        out_free(&o);
    }
    ty_buf_free(&big);
    ty_buf_free(&j);
    ty_buf_free(&c);
    ty_buf_free(&x);
}

/* ============================================================== reader */

/* The real limit through the reader: a 17 MiB line is skipped without the
 * reader failing, and named in strict mode; bytes read are counted. */
TY_TEST(stream_reader_record_limit) {
    const char *path = tmp_path("big_line.jsonl");
    FILE *f = fopen(path, "wb");
    CHECK(f);
    fputs("{\"id\":\"A\",\"title\":\"first\"}\n{\"id\":\"B\",\"title\":\"", f);
    static char blk[1 << 16];
    memset(blk, 'x', sizeof blk);
    for (int i = 0; i < 17 * 16; i++) fwrite(blk, 1, sizeof blk, f);
    fputs("\"}\n{\"id\":\"C\",\"title\":\"third\"}\n", f);
    long size = ftell(f);
    CHECK(fclose(f) == 0);
    read_out o;
    read_all(path, NULL, 0, &o);
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.st.records, 2);
    CHECK_EQ_INT(o.st.skipped, 1);
    CHECKF(!strcmp(S(o.reps), "2|skipped: record larger than 16 MiB\n"), "%s",
           S(o.reps));
    CHECKF(strstr(S(o.recs), "@1|A|first") && strstr(S(o.recs), "@3|C|third"),
           "%s", S(o.recs));
    CHECK_EQ_INT(o.st.bytes_total, size);
    CHECK_EQ_INT(o.st.bytes_read, size);
    read_free(&o);
    read_all(path, NULL, 1, &o);
    CHECK_EQ_INT(o.rc, TENYO_ERR_INPUT);
    CHECKF(strstr(o.err, "big_line.jsonl:2: record larger than 16 MiB"), "%s",
           o.err);
    CHECK_EQ_INT(o.st.records, 1);
    read_free(&o);
}

/* Text of n JSONL records with Japanese text (about 400 bytes each). */
static void ja_records(ty_buf *b, int n) {
    for (int i = 1; i <= n; i++) {
        char line[1024];
        snprintf(line, sizeof line,
                 "{\"id\":\"JA-%06d\",\"title\":\"画像処理装置%d\",\"abstract\":"
                 "\"カメラで撮影した画像から運転者の眠気を検出し、警報を出す。"
                 "第%d実施例では、車両の制御装置が速度を落とす。\"}\n",
                 i, i, i);
        ty_buf_append(b, line, strlen(line));
    }
}

/* Files of several chunks in Shift_JIS and EUC-JP read as the UTF-8 file
 * (characters cut between chunks are joined); a bad byte past the first
 * chunk fails the file at its line, after the records before it. */
TY_TEST(stream_reader_charsets_chunked) {
    ty_buf u = {0};
    ja_records(&u, 20000); /* about 5 MiB of UTF-8 */
    const char *up = tmp_path("many.jsonl");
    CHECK(write_file(up, u.p, u.len) == 0);
    read_out a;
    read_all(up, NULL, 0, &a);
    CHECK_EQ_INT(a.rc, 0);
    CHECK_EQ_INT(a.st.records, 20000);
    const char *cs[] = {"CP932", "EUC-JP"};
    const char *names[] = {"Shift_JIS", "EUC-JP"};
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        char *t = iconv_to(cs[k], u.p, u.len, &n);
        CHECK(t);
        CHECK(n > 2 * ((size_t)1 << 20));
        const char *p = tmp_path(k ? "many_euc.jsonl" : "many_sjis.jsonl");
        CHECK(write_file(p, t, n) == 0);
        read_out b;
        read_all(p, NULL, 0, &b);
        CHECK_EQ_INT(b.rc, 0);
        CHECKF(b.recs.len == a.recs.len && !memcmp(b.recs.p, a.recs.p, a.recs.len),
               "%s differs from UTF-8", cs[k]);
        CHECK_EQ_INT(b.st.bytes_read, n);
        read_free(&b);
        /* an invalid byte in the id of line 9000 (past the first MiB) */
        size_t off = 0;
        for (int l = 1; l < 9000; l++)
            off = (size_t)((char *)memchr(t + off, '\n', n - off) - t) + 1;
        t[off + 10] = k ? '\xFF' : '\x81';
        t[off + 11] = k ? '\xFF' : ' ';
        CHECK(write_file(p, t, n) == 0);
        free(t);
        read_all(p, NULL, 0, &b);
        CHECK_EQ_INT(b.rc, TENYO_ERR_INPUT);
        CHECKF(strstr(b.err, ":9000: bytes near offset ") &&
                   strstr(b.err, names[k]) && strstr(b.err, "detected"),
               "%s", b.err);
        CHECK(b.st.records > 3000 && b.st.records < 9000);
        read_free(&b);
    }
    read_free(&a);
    ty_buf_free(&u);
}

/* UTF-8 XML: an invalid byte after the first chunk is refused with its
 * line and file offset once the reader gets there. */
TY_TEST(stream_reader_xml_late_bad_byte) {
    ty_buf x = {0};
    const char *doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<jp-official-gazette kind-of-jp=\"A\">\n<bibliographic-data>"
                      "<publication-reference><document-id>"
                      "<doc-number>2099%06d</doc-number></document-id>"
                      "</publication-reference><invention-title>装置%d</invention-title>"
                      "</bibliographic-data>\n<abstract><p>%s</p></abstract>\n"
                      "</jp-official-gazette>\n";
    ty_buf body = {0};
    for (int i = 0; i < 100; i++) ty_buf_append(&body, "説明文", 9);
    size_t bad = 0;
    for (int d = 1; d <= 1500; d++) {
        char piece[4096];
        snprintf(piece, sizeof piece, doc, d, d, body.p);
        if (d == 1200) {
            /* break the first byte of the abstract's text */
            char *q = strstr(piece, "<p>") + 3;
            bad = x.len + (size_t)(q - piece);
            *q = '\xFF';
        }
        ty_buf_append(&x, piece, strlen(piece));
    }
    CHECK(bad > ((size_t)1 << 20));
    long bad_line = 1;
    for (size_t i = 0; i < bad; i++) bad_line += x.p[i] == '\n';
    const char *p = tmp_path("late_bad.xml");
    CHECK(write_file(p, x.p, x.len) == 0);
    read_out o;
    read_all(p, NULL, 0, &o);
    CHECK_EQ_INT(o.rc, TENYO_ERR_INPUT);
    char want[128];
    snprintf(want, sizeof want, "late_bad.xml:%ld: invalid UTF-8 at byte offset %zu",
             bad_line, bad);
    CHECKF(strstr(o.err, want), "%s (want %s)", o.err, want);
    CHECK(o.st.records > 100 && o.st.records < 1200);
    read_free(&o);
    ty_buf_free(&x);
    ty_buf_free(&body);
}

/* ============================================================= builder */

#define SAMPLE "data/sample/sample.jsonl"

/* Build an index of SAMPLE (and extra records, added after it) into path
 * with the given threads and batch size (0: default). */
static int build_sample(const char *path, int threads, size_t batch,
                        const tenyo_doc *extra, size_t nextra) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    tenyo_builder *b = NULL;
    tenyo_reader *r = NULL;
    char err[512];
    int rc = tenyo_builder_new(&bo, &b, err, sizeof err);
    if (rc) return rc;
    ty_builder_set_batch(b, batch, 0);
    rc = tenyo_reader_open(SAMPLE, NULL, &r, err, sizeof err);
    const tenyo_doc *d;
    while (rc == 0 && (rc = tenyo_reader_next(r, &d)) == 1)
        rc = tenyo_builder_add(b, d);
    for (size_t i = 0; rc == 0 && i < nextra; i++)
        rc = tenyo_builder_add(b, &extra[i]);
    if (rc == 0) rc = tenyo_builder_write(b, path, NULL);
    tenyo_reader_free(r);
    tenyo_builder_free(b);
    return rc;
}

static int same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    char *x = ty_test_slurp(a, &na), *y = ty_test_slurp(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

/* Batches cut anywhere and any thread count give the same bytes. */
TY_TEST(stream_builder_batches_same_bytes) {
    const char *a = tmp_path("b_default.tny");
    const char *b = tmp_path("b_small.tny");
    CHECK_EQ_INT(build_sample(a, 1, 0, NULL, 0), 0);
    CHECK_EQ_INT(build_sample(b, 3, 7, NULL, 0), 0);
    CHECK(same_file(a, b));
    CHECK_EQ_INT(build_sample(b, 2, 1, NULL, 0), 0);
    CHECK(same_file(a, b));
}

/* A repeated id is merged into the record in place, field by field: a
 * later abstract that differs and is longer wins, the longer original
 * title stays; a term only a superseded version had disappears; a
 * record that brings nothing new changes nothing; the result does not
 * depend on threads or batches, and a pending record merged before its
 * batch ran gives the same index as one merged after. */
TY_TEST(stream_builder_replace) {
    tenyo_doc x[3] = {
        {.id = "SAMPLE-003", .title = "ゾルゲン装置",
         .abstract = "ゾルゲン反応で発電する。ゾルゲン反応で発電する。ゾルゲン反応で発電する。"
                     "ゾルゲン反応で発電する。ゾルゲン反応で発電する。ゾルゲン反応で発電する。"
                     "ゾルゲン反応で発電する。ゾルゲン反応で発電する。ゾルゲン反応で発電する。"
                     "ゾルゲン反応で発電する。ゾルゲン反応で発電する。ゾルゲン反応で発電する。"},
        {.id = "SAMPLE-003", .title = "ゾルゲン装置"},
        {.id = "SAMPLE-003", .title = "ロボットハンド",
         .abstract = "柔らかい食品を把持するロボットハンド。柔らかい食品を把持するロボットハンド。"
                     "柔らかい食品を把持するロボットハンド。柔らかい食品を把持するロボットハンド。"
                     "柔らかい食品を把持するロボットハンド。柔らかい食品を把持するロボットハンド。"
                     "柔らかい食品を把持するロボットハンド。柔らかい食品を把持するロボットハンド。"
                     "柔らかい食品を把持するロボットハンド。柔らかい食品を把持するロボットハンド。"}};
    const char *p1 = tmp_path("r1.tny"), *p2 = tmp_path("r2.tny");
    CHECK_EQ_INT(build_sample(p1, 1, 0, x, 3), 0);
    CHECK_EQ_INT(build_sample(p2, 2, 3, x, 3), 0);
    CHECK(same_file(p1, p2));
    ty_model m;
    char err[512];
    CHECK_EQ_INT(ty_store_read(p1, &m, err, sizeof err), 0);
    CHECK_EQ_INT(m.ndocs, 200);
    int found = 0, hand = 0;
    for (uint64_t t = 0; t < m.nterms; t++) {
        found |= !strcmp(m.term_blob + m.term_off[t], "ゾルゲン");
        hand |= !strcmp(m.term_blob + m.term_off[t], "ロボットハンド") ||
                !strcmp(m.term_blob + m.term_off[t], "ロボット");
    }
    CHECK(!found);
    CHECK(hand);
    /* the record's position, its original (longer) title and its codes */
    CHECK_STR(m.meta_blob + m.meta_off[2 * TY_META_NSTR + TY_META_ID], "SAMPLE-003");
    CHECK_STR(m.meta_blob + m.meta_off[2 * TY_META_NSTR + TY_META_TITLE],
              "鋼構造物の防食塗装方法");
    CHECK(strstr(m.meta_blob + m.meta_off[2 * TY_META_NSTR + TY_META_CODES], "C09D5/10") != NULL);
    ty_model_free(&m);
}

static void on_progress(void *ud, const char *stage, uint64_t done,
                        uint64_t total) {
    ty_buf *b = ud;
    if (strcmp(stage, "tokenize")) return;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%llu/%llu\n", (unsigned long long)done,
             (unsigned long long)total);
    ty_buf_append(b, tmp, strlen(tmp));
}

/* "tokenize" progress comes while records are added: done below total
 * until write(), which ends with done == total. */
TY_TEST(stream_builder_progress) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    ty_buf prog = {0};
    bo.progress = on_progress;
    bo.progress_ud = &prog;
    bo.threads = 2;
    tenyo_builder *b = NULL;
    tenyo_reader *r = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_builder_new(&bo, &b, err, sizeof err), 0);
    ty_builder_set_batch(b, 50, 0);
    CHECK_EQ_INT(tenyo_reader_open(SAMPLE, NULL, &r, err, sizeof err), 0);
    const tenyo_doc *d;
    int rc;
    while ((rc = tenyo_reader_next(r, &d)) == 1) CHECK_EQ_INT(tenyo_builder_add(b, d), 0);
    tenyo_reader_free(r);
    size_t before = prog.len;
    CHECK(before > 0);
    /* every report so far is below its total */
    for (const char *s = prog.p; s && *s; s = strchr(s, '\n') + 1) {
        unsigned long long dn, tt;
        CHECK(sscanf(s, "%llu/%llu", &dn, &tt) == 2);
        CHECKF(dn < tt, "%.200s", prog.p);
    }
    CHECK_EQ_INT(tenyo_builder_write(b, tmp_path("prog.tny"), NULL), 0);
    tenyo_builder_free(b);
    CHECKF(prog.len > before && strstr(prog.p + before, "200/200\n"), "%s", prog.p);
    ty_buf_free(&prog);
}

/* An index rebuilt from its own stored counts (ty_builder_add_counts)
 * answers like the one built from text: same top 10 for 20 documents in
 * TF-IDF mode, same vocabulary and weights. */
TY_TEST(stream_builder_counts_rebuild) {
    const char *a = tmp_path("text.tny"), *b = tmp_path("counts.tny");
    CHECK_EQ_INT(build_sample(a, 2, 0, NULL, 0), 0);
    ty_model m;
    char err[512];
    CHECK_EQ_INT(ty_store_read(a, &m, err, sizeof err), 0);
    CHECK_EQ_INT(ty_model_need_tf(&m, NULL, 0), 0);
    CHECK(m.tf);
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    tenyo_builder *bl = NULL;
    CHECK_EQ_INT(tenyo_builder_new(&bo, &bl, err, sizeof err), 0);
    const char **terms = ty_mallocarray(m.nterms ? m.nterms : 1, sizeof *terms);
    CHECK(terms);
    ty_buf surf = {0}, phr = {0};
    int rc = 0;
    for (uint64_t d = 0; d < m.ndocs && !rc; d++) {
        uint64_t s = m.tfidf.rowptr[d], e = m.tfidf.rowptr[d + 1];
        surf.len = phr.len = 0;
        for (uint64_t k = s; k < e; k++) {
            terms[k - s] = m.term_blob + m.term_off[m.tfidf.col[k]];
            const char *w = m.surf_off ? m.surf_blob + m.surf_off[m.tfidf.col[k]] : "";
            if (*w) {
                ty_buf_append(&surf, terms[k - s], strlen(terms[k - s]));
                ty_buf_putc(&surf, 0x1f);
                ty_buf_append(&surf, w, strlen(w) + 1);
            }
        }
        if (m.phr_ptr)
            for (uint64_t k = m.phr_ptr[d]; k < m.phr_ptr[d + 1]; k++) {
                const char *q = m.phr_blob + m.phr_off[m.phr_ids[k]];
                ty_buf_append(&phr, q, strlen(q) + 1);
            }
        const char *codes[64];
        char cbuf[1024];
        size_t nc = 0;
        snprintf(cbuf, sizeof cbuf, "%s", m.meta_blob + m.meta_off[d * TY_META_NSTR + TY_META_CODES]);
        for (char *sv = NULL, *t = strtok_r(cbuf, ";", &sv); t && nc < 64;
             t = strtok_r(NULL, ";", &sv))
            codes[nc++] = t;
        tenyo_doc doc = {
            .id = m.meta_blob + m.meta_off[d * TY_META_NSTR + TY_META_ID],
            .title = m.meta_blob + m.meta_off[d * TY_META_NSTR + TY_META_TITLE],
            .applicant = m.meta_blob + m.meta_off[d * TY_META_NSTR + TY_META_APPLICANT],
            .date = m.meta_blob + m.meta_off[d * TY_META_NSTR + TY_META_DATE],
            .abstract = "ignored text", .codes = codes, .ncodes = nc,
            .open = m.open[d], .lang = m.lang[d] ? "en" : "ja"};
        rc = ty_builder_add_counts(bl, &doc, terms, m.tf + s, (size_t)(e - s),
                                   surf.p, surf.len, phr.p, phr.len);
    }
    CHECKF(rc == 0, "%s", tenyo_builder_error(bl));
    /* arguments are checked */
    const char *bad_terms[] = {"x"};
    uint32_t zero = 0;
    tenyo_doc bd = {.id = "BAD"};
    CHECK_EQ_INT(ty_builder_add_counts(bl, &bd, bad_terms, &zero, 1, NULL, 0, NULL, 0),
                 TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_builder_write(bl, b, NULL), 0);
    tenyo_builder_free(bl);
    free(terms);
    ty_buf_free(&surf);
    ty_buf_free(&phr);
    ty_model n;
    CHECK_EQ_INT(ty_store_read(b, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n.ndocs, m.ndocs);
    CHECK_EQ_INT(n.nterms, m.nterms);
    CHECK(n.term_blob_len == m.term_blob_len &&
          !memcmp(n.term_blob, m.term_blob, m.term_blob_len));
    CHECK(!memcmp(n.tfidf.rowptr, m.tfidf.rowptr, (m.ndocs + 1) * sizeof *m.tfidf.rowptr));
    uint64_t nnz = m.tfidf.rowptr[m.ndocs];
    CHECK(!memcmp(n.tfidf.col, m.tfidf.col, nnz * sizeof *m.tfidf.col));
    CHECK(!memcmp(n.tfidf.val, m.tfidf.val, nnz * sizeof *m.tfidf.val));
    CHECK(n.meta_blob_len == m.meta_blob_len &&
          !memcmp(n.meta_blob, m.meta_blob, m.meta_blob_len));
    CHECK_EQ_INT(n.nphrases, m.nphrases);
    ty_model_free(&n);
    ty_model_free(&m);
    /* the same answers, document for document */
    tenyo_index *ia = NULL, *ib = NULL;
    tenyo_ctx *ca = NULL, *cb = NULL;
    CHECK_EQ_INT(tenyo_index_open(a, &ia, err, sizeof err), 0);
    CHECK_EQ_INT(tenyo_index_open(b, &ib, err, sizeof err), 0);
    CHECK_EQ_INT(tenyo_ctx_new(ia, &ca, err, sizeof err), 0);
    CHECK_EQ_INT(tenyo_ctx_new(ib, &cb, err, sizeof err), 0);
    for (uint64_t d = 0; d < 200; d += 10) {
        tenyo_hit ha[10], hb[10];
        int na = tenyo_similar_doc(ca, d, TENYO_MODE_TFIDF, 10, ha);
        int nb = tenyo_similar_doc(cb, d, TENYO_MODE_TFIDF, 10, hb);
        CHECK_EQ_INT(na, nb);
        CHECK(na > 0);
        for (int k = 0; k < na; k++) {
            CHECK_EQ_INT(ha[k].doc, hb[k].doc);
            CHECK(ha[k].score == hb[k].score);
        }
    }
    tenyo_ctx_free(ca);
    tenyo_ctx_free(cb);
    tenyo_index_free(ia);
    tenyo_index_free(ib);
}
