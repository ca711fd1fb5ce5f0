/*
 * test_io.c — the input layer: JSONL, J-PlatPat CSV and JPO gazette XML
 * through the public reader; bad records, strict mode, charsets (EUC-JP and
 * Shift_JIS copies made at run time with iconv(3) from the UTF-8 fixtures in
 * tests/data/, so the committed fixtures stay readable), format detection,
 * and the real files of ../shared/data when present.
 */
#include "io/io.h"
#include "test.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <zstd.h>

#define FIX(name) "tests/data/" name

/* ============================================================ helpers */

/* Collected reports: "line|message\n" each. */
typedef struct reports {
    ty_buf all;   /* every report */
    long n;       /* reports received */
} reports;

static void on_report(void *ud, const char *file, long line, const char *msg) {
    (void)file;
    reports *r = ud;
    char tmp[700];
    int n = snprintf(tmp, sizeof tmp, "%ld|%s\n", line, msg);
    ty_buf_append(&r->all, tmp, (size_t)n);
    r->n++;
}

/* 1 when the report "line|<prefix>..." was received. */
static int reported(const reports *r, long line, const char *prefix) {
    char key[256];
    snprintf(key, sizeof key, "%s%ld|%s", "\n", line, prefix);
    ty_buf tmp = {0};
    ty_buf_putc(&tmp, '\n');
    ty_buf_append(&tmp, r->all.p ? r->all.p : "", r->all.len);
    int found = strstr(tmp.p, key) != NULL;
    ty_buf_free(&tmp);
    return found;
}

/* Append one record to a digest: every field, the codes, line and flags. */
static void digest_doc(ty_buf *d, const tenyo_doc *doc) {
    char head[64];
    snprintf(head, sizeof head, "@%ld open=%d\n", doc->line, doc->open);
    ty_buf_append(d, head, strlen(head));
    const char *f[] = {doc->id, doc->title, doc->abstract, doc->claims,
                       doc->description, doc->applicant, doc->date, doc->lang};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        ty_buf_append(d, f[i], strlen(f[i]));
        ty_buf_putc(d, '\x1f');
    }
    for (size_t i = 0; i < doc->ncodes; i++) {
        ty_buf_append(d, doc->codes[i], strlen(doc->codes[i]));
        ty_buf_putc(d, ';');
    }
    ty_buf_putc(d, '\n');
}

/* Read a whole file: digest of its records (may be NULL), stats, reports
 * (may be NULL), format/encoding names. Returns the open status, or the
 * final next() status (0 at a clean end). */
typedef struct readres {
    tenyo_read_stats st;  /* stats at the end */
    char format[16];      /* tenyo_reader_format */
    char encoding[64];    /* tenyo_reader_encoding */
    char err[512];        /* open or next error message */
} readres;

static int read_file_all(const char *path, const tenyo_read_opts *in,
                         ty_buf *digest, reports *rep, readres *res) {
    tenyo_read_opts o = {0};
    if (in) o = *in;
    if (rep) {
        o.report = on_report;
        o.report_ud = rep;
    }
    memset(res, 0, sizeof *res);
    tenyo_reader *r = NULL;
    int rc = tenyo_reader_open(path, &o, &r, res->err, sizeof res->err);
    if (rc) return rc;
    const tenyo_doc *d;
    while ((rc = tenyo_reader_next(r, &d)) == 1)
        if (digest) digest_doc(digest, d);
    tenyo_reader_stats(r, &res->st);
    snprintf(res->format, sizeof res->format, "%s", tenyo_reader_format(r));
    snprintf(res->encoding, sizeof res->encoding, "%s",
             tenyo_reader_encoding(r));
    snprintf(res->err, sizeof res->err, "%s", tenyo_reader_error(r));
    tenyo_reader_free(r);
    return rc;
}

/* Path of name in the test's temporary directory. */
static const char *tmp_path(const char *name) {
    static char p[4][512];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 512, "%s/%s", ty_test_tmpdir(), name);
    return s;
}

/* Write bytes to a file; 0 on success. */
static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}


/* Copy src to dst converted from UTF-8 to charset `to` (BOM dropped);
 * 0 on success. */
static int convert_file(const char *src, const char *dst, const char *to) {
    size_t n = 0;
    char *in = ty_test_slurp(src, &n);
    if (!in) return -1;
    char *s = in;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
    iconv_t cd = iconv_open(to, "UTF-8");
    if (cd == (iconv_t)-1) {
        free(in);
        return -1;
    }
    size_t cap = n * 2 + 16, left = cap;
    char *out = malloc(cap), *o = out;
    size_t r = iconv(cd, &s, &n, &o, &left);
    iconv_close(cd);
    int rc = r == (size_t)-1 ? -1 : write_file(dst, out, cap - left);
    free(out);
    free(in);
    return rc;
}

/* ======================================================== record helpers */

TY_TEST(io_date_normalize) {
    const char *ok[][2] = {{"2024-01-05", "2024-01-05"}, {"2024/1/05", NULL},
                           {"2024/01/05", "2024-01-05"}, {"20240229", "2024-02-29"},
                           {" 2000-02-29 ", "2000-02-29"}, {"19000229", NULL},
                           {"2024-13-01", NULL},         {"2024-04-31", NULL},
                           {"2024-01/05", NULL},         {"abcd-ef-gh", NULL},
                           {"", NULL},                   {"202401051", NULL}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ty_buf b = {0};
        ty_buf_append(&b, ok[i][0], strlen(ok[i][0]));
        int rc = ty_date_normalize(&b);
        if (ok[i][1]) {
            CHECKF(rc == 0, "date %s refused", ok[i][0]);
            CHECK_STR(b.p, ok[i][1]);
        } else {
            CHECKF(rc == -1, "date %s accepted", ok[i][0]);
            CHECK_STR(b.p, ok[i][0]); /* unchanged */
        }
        ty_buf_free(&b);
    }
}

TY_TEST(io_record_codes) {
    ty_record r = {0};
    const char *fi = " B23K9/12,331@L, H04N23/61,B23K9/12,331@L,,G06T7/00 ,101,"
                     "　A61B5/18　";
    CHECK_EQ_INT(ty_record_add_codes(&r, fi, strlen(fi)), 0);
    CHECK_EQ_INT(r.ncodes, 4);
    CHECK_STR(r.codes[0], "B23K9/12,331@L");
    CHECK_STR(r.codes[1], "H04N23/61");
    CHECK_STR(r.codes[2], "G06T7/00 ,101");
    CHECK_STR(r.codes[3], "A61B5/18");
    CHECK_EQ_INT(ty_record_add_code(&r, "H04N23/61", 9), 0); /* repeat */
    CHECK_EQ_INT(r.ncodes, 4);
    ty_record_clear(&r);
    CHECK_EQ_INT(r.ncodes, 0);
    CHECK_EQ_INT(ty_record_add_code(&r, "X", 1), 0);
    CHECK_EQ_INT(r.ncodes, 1);
    ty_record_free(&r);
    CHECK(r.codes == NULL);
}

/* ================================================================= JSONL */

TY_TEST(io_jsonl_bad_records) {
    reports rep = {0};
    readres res;
    tenyo_reader *r = NULL;
    tenyo_read_opts o = {.report = on_report, .report_ud = &rep};
    char err[512];
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_bad.jsonl"), &o, &r, err, sizeof err),
                 0);
    CHECK_STR(tenyo_reader_format(r), "jsonl");
    CHECK_STR(tenyo_reader_encoding(r), "UTF-8");
    const tenyo_doc *d;
    const char *ids[] = {"G-1", "E-7", "12345", "US-10"};
    long lines[] = {1, 7, 8, 10};
    int n = 0, rc;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        CHECK(n < 4);
        CHECK_STR(d->id, ids[n]);
        CHECK_EQ_INT(d->line, lines[n]);
        CHECK_STR(d->source, FIX("io_bad.jsonl"));
        if (n == 0) {
            CHECK_STR(d->title, "画像処理装置");
            CHECK_STR(d->date, "2024-01-05");
            CHECK_EQ_INT(d->ncodes, 1);
            CHECK_STR(d->codes[0], "G06T7/00");
            CHECK_STR(d->lang, "");
            CHECK_EQ_INT(d->open, 0);
        } else if (n == 1) {
            CHECK_STR(d->title, "");
            CHECK_EQ_INT(d->ncodes, 2);
            CHECK_STR(d->codes[0], "H04N23/61");
            CHECK_STR(d->codes[1], "G06T7/00");
        } else if (n == 2) {
            CHECK_STR(d->title, "ロボットアーム");
            CHECK_STR(d->claims, "1. A robot.\n2. The robot of claim 1.");
            CHECK_STR(d->applicant, "ACME Corp.; Foo KK");
            CHECK_STR(d->date, ""); /* 2024-13-01 dropped */
            CHECK_STR(d->lang, "en");
            CHECK_EQ_INT(d->open, 1);
            /* ipc, fi, cpc order, repeats dropped, FI subdivision kept */
            CHECK_EQ_INT(d->ncodes, 3);
            CHECK_STR(d->codes[0], "B25J9/16,101@A");
            CHECK_STR(d->codes[1], "B25J13/08");
            CHECK_STR(d->codes[2], "B25J9/16");
        } else {
            CHECK_STR(d->abstract, "前後に空白のある要約"); /* trimmed */
            CHECK_STR(d->date, "2024-02-29");
            CHECK_EQ_INT(d->open, 0);
        }
        n++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(n, 4);
    CHECK_STR(tenyo_reader_error(r), "");
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    CHECK_EQ_INT(st.records, 4);
    CHECK_EQ_INT(st.skipped, 5);
    CHECK_EQ_INT(st.empty, 1);
    CHECK(reported(&rep, 2, "skipped: broken JSON at column "));
    CHECK(reported(&rep, 3, "skipped: no id"));
    CHECK(reported(&rep, 5, "skipped: invalid UTF-8 at byte column 25"));
    CHECK(reported(&rep, 6, "skipped: not a JSON object"));
    CHECK(reported(&rep, 7, "warning: empty text"));
    CHECK(reported(&rep, 8, "warning: \"date\" is not a date"));
    CHECK(reported(&rep, 9, "skipped: \"id\" is not a string or a number"));
    CHECK_EQ_INT(rep.n, 7);
    ty_buf_free(&rep.all);
    (void)res;
}

TY_TEST(io_jsonl_strict) {
    reports rep = {0};
    tenyo_read_opts o = {.strict = 1, .report = on_report, .report_ud = &rep};
    tenyo_reader *r = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_bad.jsonl"), &o, &r, err, sizeof err),
                 0);
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "G-1");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), TENYO_ERR_INPUT);
    CHECK(d == NULL);
    const char *e = tenyo_reader_error(r);
    CHECKF(strstr(e, "io_bad.jsonl:2: broken JSON") != NULL, "error: %s", e);
    CHECK_EQ_INT(tenyo_reader_next(r, &d), TENYO_ERR_INPUT); /* stays failed */
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    CHECK_EQ_INT(st.records, 1);
    CHECK_EQ_INT(st.skipped, 1);
    tenyo_reader_free(r);
    CHECK_EQ_INT(rep.n, 0); /* the fatal record is the error, not a report */
}

/* The sink's own check: an id that is blank after trimming. */
TY_TEST(io_jsonl_blank_id_and_types) {
    const char *text =
        "{\"id\": \"  \", \"title\": \"空白の番号\"}\n"
        "\n"
        "   \n"
        "{\"doc_id\": \"D-4\", \"title\": 42, \"claims\": \"請求項\", "
        "\"ipc\": 7, \"open\": \"maybe\", \"lang\": \"fr\", \"unknown\": [1]}\n"
        "{\"文献番号\": \"特開2099-000005\", \"abstract\": \"要約\", "
        "\"pub_date\": \"2099/01/02\", \"filing_date\": \"2098/01/02\"}\r\n"
        "{\"id\": \"F-6\", \"filing_date\": \"2098/03/04\", \"description\": "
        "\"説明\"}";
    const char *path = tmp_path("types.jsonl");
    CHECK(write_file(path, text, strlen(text)) == 0);
    reports rep = {0};
    ty_buf dig = {0};
    readres res;
    CHECK_EQ_INT(read_file_all(path, NULL, &dig, &rep, &res), 0);
    CHECK_EQ_INT(res.st.records, 3);
    CHECK_EQ_INT(res.st.skipped, 1);
    CHECK_EQ_INT(res.st.empty, 0);
    CHECK(reported(&rep, 1, "skipped: record without id"));
    CHECK(reported(&rep, 4, "warning: field \"title\" is not a string"));
    CHECK(reported(&rep, 4, "warning: field \"ipc\" is not a list"));
    CHECK(reported(&rep, 4, "warning: \"open\""));
    CHECK(reported(&rep, 4, "warning: \"lang\""));
    CHECKF(strstr(dig.p, "@4 open=0\nD-4\x1f\x1f\x1f請求項\x1f") != NULL,
           "%s", dig.p);
    CHECKF(strstr(dig.p, "特開2099-000005\x1f\x1f要約\x1f\x1f\x1f\x1f"
                         "2099-01-02\x1f") != NULL,
           "%s", dig.p);
    CHECKF(strstr(dig.p, "@6 open=0\nF-6\x1f\x1f\x1f\x1f説明\x1f\x1f"
                         "2098-03-04\x1f") != NULL,
           "%s", dig.p);
    ty_buf_free(&dig);
    ty_buf_free(&rep.all);
}

/* EUC-JP and Shift_JIS copies read exactly like the UTF-8 file, detected
 * or named; a wrong --encoding is noticed. */
TY_TEST(io_jsonl_charsets) {
    const char *euc = tmp_path("ja_euc.jsonl");
    const char *sjis = tmp_path("ja_sjis.jsonl");
    CHECK(convert_file(FIX("io_ja.jsonl"), euc, "EUC-JP") == 0);
    CHECK(convert_file(FIX("io_ja.jsonl"), sjis, "CP932") == 0);
    ty_buf a = {0}, b = {0}, c = {0}, e = {0};
    readres ra, rb, rc_, re;
    CHECK_EQ_INT(read_file_all(FIX("io_ja.jsonl"), NULL, &a, NULL, &ra), 0);
    CHECK_EQ_INT(ra.st.records, 5);
    CHECK_STR(ra.encoding, "UTF-8");
    CHECK_EQ_INT(read_file_all(euc, NULL, &b, NULL, &rb), 0);
    CHECK_STR(rb.encoding, "EUC-JP");
    CHECK_STR(rb.format, "jsonl");
    CHECK_EQ_INT(read_file_all(sjis, NULL, &c, NULL, &rc_), 0);
    CHECK_STR(rc_.encoding, "Shift_JIS");
    CHECK(a.len > 0 && a.len == b.len && !memcmp(a.p, b.p, a.len));
    CHECK(a.len == c.len && !memcmp(a.p, c.p, a.len));
    /* ISO-2022-JP and UTF-16 (with its byte-order mark) */
    const char *jis = tmp_path("ja_jis.jsonl");
    const char *u16 = tmp_path("ja_utf16.jsonl");
    CHECK(convert_file(FIX("io_ja.jsonl"), jis, "ISO-2022-JP") == 0);
    CHECK(convert_file(FIX("io_ja.jsonl"), u16, "UTF-16") == 0);
    ty_buf j = {0}, w = {0};
    CHECK_EQ_INT(read_file_all(jis, NULL, &j, NULL, &re), 0);
    CHECK_STR(re.encoding, "ISO-2022-JP");
    CHECK(a.len == j.len && !memcmp(a.p, j.p, a.len));
    CHECK_EQ_INT(read_file_all(u16, NULL, &w, NULL, &re), 0);
    CHECK(!strncmp(re.encoding, "UTF-16", 6));
    CHECK(a.len == w.len && !memcmp(a.p, w.p, a.len));
    ty_buf_free(&j);
    ty_buf_free(&w);
    /* named encoding */
    tenyo_read_opts o = {.encoding = "EUC-JP"};
    CHECK_EQ_INT(read_file_all(euc, &o, &e, NULL, &re), 0);
    CHECK_STR(re.encoding, "EUC-JP");
    CHECK(a.len == e.len && !memcmp(a.p, e.p, a.len));
    /* forcing UTF-8 on the EUC-JP file: every line is invalid UTF-8 */
    reports rep = {0};
    o.encoding = "UTF-8";
    CHECK_EQ_INT(read_file_all(euc, &o, NULL, &rep, &re), 0);
    CHECK_EQ_INT(re.st.records, 0);
    CHECK_EQ_INT(re.st.skipped, 5);
    CHECK(reported(&rep, 3, "skipped: invalid UTF-8 at byte column"));
    /* an unknown charset name is an argument error */
    o.encoding = "NO-SUCH-CHARSET";
    CHECK_EQ_INT(read_file_all(euc, &o, NULL, NULL, &re), TENYO_ERR_ARG);
    CHECKF(strstr(re.err, "NO-SUCH-CHARSET") && strstr(re.err, "ja_euc.jsonl"),
           "%.300s", re.err);
    ty_buf_free(&a);
    ty_buf_free(&b);
    ty_buf_free(&c);
    ty_buf_free(&e);
    ty_buf_free(&rep.all);
}

/* A byte that is not valid in the file's charset fails the file with its
 * name, line and byte offset. */
TY_TEST(io_charset_invalid_bytes) {
    const char *sjis = tmp_path("ja_sjis_bad.jsonl");
    CHECK(convert_file(FIX("io_ja.jsonl"), sjis, "CP932") == 0);
    size_t n = 0;
    char *p = ty_test_slurp(sjis, &n);
    CHECK(p);
    /* put 0x81 0x20 (a lead byte with an impossible trail) on line 3 */
    char *l3 = p;
    for (int k = 0; k < 2; k++) l3 = strchr(l3, '\n') + 1;
    size_t off = (size_t)(l3 - p) + 10;
    p[off] = '\x81';
    p[off + 1] = ' ';
    CHECK(write_file(sjis, p, n) == 0);
    free(p);
    readres res;
    tenyo_read_opts o = {.encoding = "Shift_JIS"};
    CHECK_EQ_INT(read_file_all(sjis, &o, NULL, NULL, &res), TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "ja_sjis_bad.jsonl:3:") && strstr(res.err, "offset"),
           "%.300s", res.err);
    /* detected rather than named: the same failure */
    CHECK_EQ_INT(read_file_all(sjis, NULL, NULL, NULL, &res), TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "ja_sjis_bad.jsonl:3:") && strstr(res.err, "Shift_JIS"),
           "%.300s", res.err);

    /* UTF-8 XML with a broken byte: refused with offset and line */
    const char *xml = "<?xml version=\"1.0\"?>\n<jp-official-gazette>\n"
                      "<bibliographic-data><invention-title>\xE3\x81\xFF"
                      "</invention-title></bibliographic-data>\n"
                      "</jp-official-gazette>\n";
    const char *xp = tmp_path("bad_utf8.xml");
    CHECK(write_file(xp, xml, strlen(xml)) == 0);
    CHECK_EQ_INT(read_file_all(xp, NULL, NULL, NULL, &res), TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "bad_utf8.xml:3:") && strstr(res.err, "offset 81"),
           "%.300s", res.err);
}

/* =================================================================== CSV */

TY_TEST(io_jplatpat_fixture) {
    reports rep = {0};
    tenyo_read_opts o = {.report = on_report, .report_ud = &rep};
    tenyo_reader *r = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_jplatpat.csv"), &o, &r, err,
                                   sizeof err),
                 0);
    CHECK_STR(tenyo_reader_format(r), "jplatpat");
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特開2099-000001");
    CHECK_EQ_INT(d->line, 2);
    CHECK_STR(d->title, "試験用撮像装置");
    CHECK_STR(d->applicant, "試験電機株式会社");
    CHECK_STR(d->date, "2099-07-01");
    /* the closing "【選択図】図１" line is the gazette's, not text: removed */
    CHECK_STR(d->abstract, "【課題】試験のための撮像装置を提供する。\n"
                           "【解決手段】撮像部と制御部とを備える。");
    CHECK_EQ_INT(d->ncodes, 2);
    CHECK_STR(d->codes[0], "H04N23/61");
    CHECK_STR(d->codes[1], "G06T7/00,300@A");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特開2099-000002");
    CHECK_EQ_INT(d->line, 7);
    CHECK_STR(d->date, "2098-02-10"); /* no 公知日: 出願日 */
    CHECK_STR(d->abstract, "");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特許9000004");
    CHECK_EQ_INT(d->line, 9);
    CHECK_STR(d->title, "改行を\n含む名称");
    CHECK_STR(d->abstract, "【課題】運転者の眠気を検出する。");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    CHECK_EQ_INT(st.records, 3);
    CHECK_EQ_INT(st.skipped, 1);
    CHECK(reported(&rep, 8, "skipped: 6 fields, the header has 9"));
    CHECK_EQ_INT(rep.n, 1);
    ty_buf_free(&rep.all);
}

TY_TEST(io_jplatpat_sjis) {
    const char *sjis = tmp_path("jplatpat_sjis.csv");
    CHECK(convert_file(FIX("io_jplatpat.csv"), sjis, "CP932") == 0);
    ty_buf a = {0}, b = {0};
    reports ra = {0}, rb = {0};
    readres xa, xb;
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat.csv"), NULL, &a, &ra, &xa), 0);
    CHECK_EQ_INT(read_file_all(sjis, NULL, &b, &rb, &xb), 0);
    CHECK_STR(xb.encoding, "Shift_JIS");
    CHECK_STR(xb.format, "jplatpat");
    CHECK(a.len > 0 && a.len == b.len && !memcmp(a.p, b.p, a.len));
    CHECK(ra.all.len == rb.all.len && !memcmp(ra.all.p, rb.all.p, ra.all.len));
    CHECK_EQ_INT(xb.st.records, 3);
    CHECK_EQ_INT(xb.st.skipped, 1);
    ty_buf_free(&a);
    ty_buf_free(&b);
    ty_buf_free(&ra.all);
    ty_buf_free(&rb.all);
}

TY_TEST(io_jplatpat_strict_and_header) {
    readres res;
    tenyo_read_opts o = {.strict = 1};
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat.csv"), &o, NULL, NULL, &res),
                 TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "io_jplatpat.csv:8: 6 fields"), "%.300s", res.err);
    CHECK_EQ_INT(res.st.records, 2);
    /* no 文献番号 column: auto-detection sees a J-PlatPat header (two of its
     * names) and the CSV reader refuses the file naming the missing column
     * and the ones it has; so does the named format */
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat_noid.csv"), NULL, NULL, NULL,
                               &res),
                 TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "io_jplatpat_noid.csv:1:") && strstr(res.err, "文献番号") &&
               strstr(res.err, "番号,出願番号,発明の名称"),
           "%.300s", res.err);
    o = (tenyo_read_opts){.format = TENYO_FORMAT_JPLATPAT};
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat_noid.csv"), &o, NULL, NULL,
                               &res),
                 TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "io_jplatpat_noid.csv:1:") &&
               strstr(res.err, "文献番号"),
           "%.300s", res.err);
    CHECK_EQ_INT(res.st.records, 0);
}

/* =================================================================== XML */

TY_TEST(io_jpoxml_fixture) {
    reports rep = {0};
    ty_buf dig = {0};
    tenyo_read_opts o = {.report = on_report, .report_ud = &rep};
    tenyo_reader *r = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_gazette_multi.xml"), &o, &r, err,
                                   sizeof err),
                 0);
    CHECK_STR(tenyo_reader_format(r), "jpo-xml");
    CHECK_STR(tenyo_reader_encoding(r), "UTF-8"); /* despite encoding= */
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特開2099-000010");
    CHECK_EQ_INT(d->line, 1);
    CHECK_STR(d->title, "試験用の搬送装置");
    CHECK_STR(d->applicant, "試験搬送株式会社; 第二試験株式会社");
    CHECK_STR(d->date, "2099-01-05");
    CHECK_STR(d->lang, "ja");
    CHECK_STR(d->abstract, "【課題】物品を確実に搬送する。\n"
                           "【解決手段】把持部と移動部とを備える。");
    CHECK_STR(d->claims, "物品を把持する把持部と、\n"
                         "前記把持部を移動させる移動部とを備える搬送装置。\n"
                         "請求項１に記載の搬送装置であって、A&Bを含む。");
    CHECK_STR(d->description, "本発明は、物品を搬送する装置に関する。");
    CHECK_EQ_INT(d->ncodes, 3); /* FI B65G47/90 repeats the IPC */
    CHECK_STR(d->codes[0], "B65G47/90");
    CHECK_STR(d->codes[1], "B25J15/08");
    CHECK_STR(d->codes[2], "B25J15/08,300@A"); /* FI with subdivision */
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特許7000001"); /* kind from <kind>(B2)</kind> */
    CHECK_EQ_INT(d->line, 2);
    CHECK_STR(d->applicant, "試験電池株式会社"); /* one name per applicant */
    CHECK_EQ_INT(d->ncodes, 1);
    CHECK_STR(d->codes[0], "H01M10/44");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "JP2099000020S"); /* unknown kind: raw number */
    CHECK_EQ_INT(d->line, 4);
    CHECK_STR(d->date, "");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    CHECK_EQ_INT(st.records, 3);
    CHECK_EQ_INT(st.skipped, 1);
    CHECK(reported(&rep, 3, "skipped: XML error at line 60, column "));
    CHECK(reported(&rep, 4, "warning: publication date"));
    CHECK_EQ_INT(rep.n, 2);
    ty_buf_free(&dig);
    ty_buf_free(&rep.all);
}

TY_TEST(io_jpoxml_wrapper_and_errors) {
    const char *wrap =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<gazettes>\n"
        " <jp-official-gazette kind-of-jp=\"A\"><bibliographic-data>"
        "<publication-reference><document-id><doc-number>2099000031"
        "</doc-number><date>20990101</date></document-id>"
        "</publication-reference><invention-title>一つ目</invention-title>"
        "</bibliographic-data></jp-official-gazette>\n"
        " <jp-official-gazette kind-of-jp=\"T\"><bibliographic-data>"
        "<invention-title>番号なし</invention-title>"
        "</bibliographic-data></jp-official-gazette>\n"
        " <jp-official-gazette kind-of-jp=\"T\"><bibliographic-data>"
        "<publication-reference><document-id><doc-number>2099500032"
        "</doc-number></document-id></publication-reference>"
        "<invention-title>三つ目</invention-title>"
        "</bibliographic-data></jp-official-gazette>\n"
        "</gazettes>\n";
    const char *p = tmp_path("wrap.xml");
    CHECK(write_file(p, wrap, strlen(wrap)) == 0);
    ty_buf dig = {0};
    reports rep = {0};
    readres res;
    CHECK_EQ_INT(read_file_all(p, NULL, &dig, &rep, &res), 0);
    CHECK_STR(res.format, "jpo-xml");
    CHECK_EQ_INT(res.st.records, 2);
    CHECK_EQ_INT(res.st.skipped, 1);
    CHECK(reported(&rep, 2, "skipped: no publication-reference doc-number"));
    CHECKF(strstr(dig.p, "@1 open=0\n特開2099-000031\x1f一つ目") != NULL, "%s",
           dig.p);
    CHECKF(strstr(dig.p, "@3 open=0\n特表2099-500032\x1f三つ目") != NULL, "%s",
           dig.p);
    ty_buf_free(&dig);
    ty_buf_free(&rep.all);

    /* a bibliographic-data root, an external DTD that must not be fetched */
    const char *bib = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE bibliographic-data SYSTEM \"/nonexistent/x.dtd\">\n"
                      "<bibliographic-data><publication-reference><document-id>"
                      "<doc-number>2099000040</doc-number><kind>(A)</kind>"
                      "</document-id></publication-reference>"
                      "<invention-title>書誌だけ&undefined;</invention-title>"
                      "</bibliographic-data>\n";
    p = tmp_path("bib.xml");
    CHECK(write_file(p, bib, strlen(bib)) == 0);
    dig = (ty_buf){0};
    CHECK_EQ_INT(read_file_all(p, NULL, &dig, NULL, &res), 0);
    CHECK_STR(res.format, "jpo-xml");
    CHECK_EQ_INT(res.st.records, 1);
    CHECKF(strstr(dig.p, "特開2099-000040\x1f書誌だけ\x1f") != NULL, "%s", dig.p);
    ty_buf_free(&dig);

    /* XML with no gazette in it: the whole file is refused */
    const char *none = "<?xml version=\"1.0\"?><root><x>jp-official-gazette"
                       "</x></root>";
    p = tmp_path("none.xml");
    CHECK(write_file(p, none, strlen(none)) == 0);
    CHECK_EQ_INT(read_file_all(p, NULL, NULL, NULL, &res), TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "none.xml: no jp-official-gazette"), "%.300s", res.err);

    /* strict: the XML error is fatal */
    tenyo_read_opts o = {.strict = 1};
    CHECK_EQ_INT(read_file_all(FIX("io_gazette_multi.xml"), &o, NULL, NULL,
                               &res),
                 TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "io_gazette_multi.xml:3: XML error at line 60"),
           "%.300s", res.err);
    CHECK_EQ_INT(res.st.records, 2);
}

/* ====================================================== formats, errors */

TY_TEST(io_format_detection) {
    readres res;
    CHECK_EQ_INT(read_file_all(FIX("io_ja.jsonl"), NULL, NULL, NULL, &res), 0);
    CHECK_STR(res.format, "jsonl");
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat.csv"), NULL, NULL, NULL, &res),
                 0);
    CHECK_STR(res.format, "jplatpat");
    CHECK_EQ_INT(read_file_all(FIX("io_gazette_multi.xml"), NULL, NULL, NULL,
                               &res),
                 0);
    CHECK_STR(res.format, "jpo-xml");
    /* unknown content */
    const char *p = tmp_path("notes.txt");
    CHECK(write_file(p, "hello, world\n", 13) == 0);
    CHECK_EQ_INT(read_file_all(p, NULL, NULL, NULL, &res), TENYO_ERR_INPUT);
    CHECKF(strstr(res.err, "notes.txt") && strstr(res.err, "unknown input format"),
           "%.300s", res.err);
    p = tmp_path("other.xml");
    CHECK(write_file(p, "<html><body/></html>", 20) == 0);
    CHECK_EQ_INT(read_file_all(p, NULL, NULL, NULL, &res), TENYO_ERR_INPUT);
    /* a named format overrides detection: CSV read as JSONL is all bad */
    tenyo_read_opts o = {.format = TENYO_FORMAT_JSONL};
    CHECK_EQ_INT(read_file_all(FIX("io_jplatpat.csv"), &o, NULL, NULL, &res), 0);
    CHECK_STR(res.format, "jsonl");
    CHECK_EQ_INT(res.st.records, 0);
    CHECK(res.st.skipped > 0);
    /* an empty file is an empty JSONL file */
    p = tmp_path("empty.jsonl");
    CHECK(write_file(p, "", 0) == 0);
    CHECK_EQ_INT(read_file_all(p, NULL, NULL, NULL, &res), 0);
    CHECK_EQ_INT(res.st.records, 0);
    o.format = (tenyo_format)7;
    CHECK_EQ_INT(read_file_all(p, &o, NULL, NULL, &res), TENYO_ERR_ARG);
}

TY_TEST(io_missing_file) {
    readres res;
    CHECK_EQ_INT(read_file_all("tests/data/no-such-file.jsonl", NULL, NULL,
                               NULL, &res),
                 TENYO_ERR_IO);
    CHECKF(strstr(res.err, "no-such-file.jsonl"), "%.300s", res.err);
    CHECK_EQ_INT(read_file_all("tests/data", NULL, NULL, NULL, &res),
                 TENYO_ERR_IO); /* a directory */
    char err[64];
    tenyo_reader *r = (tenyo_reader *)1;
    CHECK_EQ_INT(tenyo_reader_open(NULL, NULL, &r, err, sizeof err),
                 TENYO_ERR_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(tenyo_reader_next(NULL, NULL), TENYO_ERR_ARG);
    tenyo_read_stats st = {1, 1, 1, 1, 1};
    tenyo_reader_stats(NULL, &st);
    CHECK_EQ_INT(st.records + st.skipped + st.empty, 0);
    CHECK_STR(tenyo_reader_error(NULL), "");
    tenyo_reader_free(NULL);
}

/* ============================================================ real data */

/* J-PlatPat's display markup out of titles and abstracts (io.h). */
static const char *cleaned(const char *in, int abstract) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    size_t n = ty_clean_gazette_markup(buf, strlen(buf), abstract);
    buf[n] = 0;
    return buf;
}

TY_TEST(io_gazette_markup) {
    CHECK_STR(cleaned("(57)【要約】      （修正有）\n【課題】加熱対象物を効率的に加熱するオ<BR>ー"
                      "ブントースタを提供する。\n【選択図】図７\n", 1),
              "【課題】加熱対象物を効率的に加熱するオーブントースタを提供する。\n");
    CHECK_STR(cleaned("【要約】\n【課題】在庫の<br/>適正化", 1), "【課題】在庫の適正化");
    CHECK_STR(cleaned("（５７）【要約】本発明は<BR />装置である。【選択図】なし", 1),
              "本発明は装置である。");
    /* a 【選択図】 with text after its line stays (not the closing line) */
    CHECK_STR(cleaned("A【選択図】図１\nB", 1), "A【選択図】図１\nB");
    /* a title: tags only; a lead-in is text there */
    CHECK_STR(cleaned("(57)オーブン<BR>トースタ", 0), "(57)オーブントースタ");
    CHECK_STR(cleaned("a <b>bold</b> <BRx>", 0), "a <b>bold</b> <BRx>");
    CHECK_STR(cleaned("", 1), "");
}

TY_TEST(io_real_jplatpat_csv) {
    const char *dir = ty_test_shared("jp/jplatpat_csv/export_01.csv");
    if (!dir) TY_SKIP("shared jp/jplatpat_csv absent");
    ty_strmap *ids = ty_strmap_new();
    CHECK(ids);
    uint64_t rows = 0, skipped = 0, with_abs = 0;
    int files_without_abs = 0, seen_spot = 0;
    double t0 = ty_now();
    for (int i = 1; i <= 19; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "jp/jplatpat_csv/export_%02d.csv", i);
        const char *path = ty_test_shared(rel);
        CHECKF(path, "%s missing", rel);
        tenyo_reader *r = NULL;
        char err[512];
        CHECKF(tenyo_reader_open(path, NULL, &r, err, sizeof err) == 0, "%.300s", err);
        CHECK_STR(tenyo_reader_format(r), "jplatpat");
        const tenyo_doc *d;
        int rc;
        uint64_t abs_here = 0;
        while ((rc = tenyo_reader_next(r, &d)) == 1) {
            CHECKF(d->id[0] && d->title[0], "%s:%ld: empty id or title", rel,
                   d->line);
            CHECK(ty_strmap_intern(ids, d->id, strlen(d->id), NULL) >= 0);
            if (d->abstract[0]) abs_here++;
            CHECKF(strncmp(d->abstract, "(57)", 4) != 0, "%s:%ld", rel,
                   d->line);
            CHECKF(!strstr(d->abstract, "<BR>") && !strstr(d->abstract, "（修正有）") &&
                       !strstr(d->abstract, "【要約】") && !strstr(d->title, "<BR>"),
                   "%s:%ld: markup left", rel, d->line);
            if (!strcmp(d->id, "特開2024-127407") && !seen_spot) {
                seen_spot = 1;
                CHECK_STR(d->title, "カメラ装置、システム、及びプログラム");
                CHECK_EQ_INT(d->ncodes, 2);
                CHECK_STR(d->codes[0], "B25J13/08@A");
                CHECK_STR(d->codes[1], "H04N23/61");
                CHECK(!strncmp(d->abstract, "【課題】作業機械のスループット",
                               strlen("【課題】作業機械のスループット")));
                CHECK_STR(d->date, "2024-09-20");
                CHECK_STR(d->applicant, "ｉ－ＰＲＯ株式会社");
            }
        }
        CHECKF(rc == 0, "%s: %s", rel, tenyo_reader_error(r));
        tenyo_read_stats st;
        tenyo_reader_stats(r, &st);
        tenyo_reader_free(r);
        rows += st.records;
        skipped += st.skipped;
        with_abs += abs_here;
        if (!abs_here) files_without_abs++;
    }
    double dt = ty_now() - t0;
    uint32_t distinct = ty_strmap_size(ids);
    ty_strmap_free(ids);
    CHECK_EQ_INT(rows, 7319);
    CHECK_EQ_INT(skipped, 0);
    CHECK_EQ_INT(distinct, 6888);
    CHECK(seen_spot);
    CHECK_EQ_INT(files_without_abs, 1); /* export_02 has no 要約 column */
    CHECK(with_abs > 5000);
    printf("     (19 J-PlatPat CSVs: %llu rows, %u distinct, %.3f s)\n",
           (unsigned long long)rows, distinct, dt);
}

TY_TEST(io_real_gazette_xml) {
    const char *path = ty_test_shared("formats/jpo_gazette_JP2010000001A.xml");
    if (!path) TY_SKIP("shared formats/jpo_gazette_JP2010000001A.xml absent");
    tenyo_reader *r = NULL;
    char err[512];
    CHECKF(tenyo_reader_open(path, NULL, &r, err, sizeof err) == 0, "%.300s", err);
    CHECK_STR(tenyo_reader_format(r), "jpo-xml");
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "特開2010-000001");
    CHECK_STR(d->title, "バリカン式刈刃装置");
    CHECK(!strncmp(d->abstract, "【課題】刈刃体のメンテナンス性",
                   strlen("【課題】刈刃体のメンテナンス性")));
    CHECK(strstr(d->abstract, "\n【解決手段】本発明のバリカン式刈刃装置１は"));
    CHECK(!strstr(d->abstract, "【選択図】")); /* the gazette's figure line, removed */
    /* 7 claims: 2..7 refer back with 請求項 */
    CHECK(!strncmp(d->claims, "厚み方向に重ね合わせられ", 36));
    int refs = 0;
    for (const char *s = d->claims; (s = strstr(s, "\n請求項")); s++) refs++;
    CHECK_EQ_INT(refs, 6);
    CHECK(strstr(d->claims, "請求項１〜６のいずれか１項に記載のバリカン式刈刃装置"));
    CHECK(!strstr(d->claims, "\n\n"));
    CHECK(!strncmp(d->description, "本発明は、厚み方向に", 30));
    CHECK(strstr(d->description, "符号の説明"));
    CHECK_EQ_INT(d->ncodes, 2); /* IPC and FI name the same groups */
    CHECK_STR(d->codes[0], "A01D34/13");
    CHECK_STR(d->codes[1], "A01D34/10");
    CHECK_STR(d->applicant, "株式会社源平刃物工場");
    CHECK_STR(d->date, "2010-01-07");
    CHECK_STR(d->lang, "ja");
    CHECK_EQ_INT(d->line, 1);
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    CHECK_EQ_INT(st.records, 1);
    CHECK_EQ_INT(st.skipped, 0);
    tenyo_reader_free(r);
}

TY_TEST(io_real_jsonl) {
    const char *jp = ty_test_shared("jp/jplatpat.jsonl");
    const char *en = ty_test_shared("en/uspto_random_10000.jsonl");
    if (!jp || !en) TY_SKIP("shared jp/jplatpat.jsonl or en/ absent");
    tenyo_reader *r = NULL;
    char err[512];
    const tenyo_doc *d;
    int rc;
    double t0 = ty_now();
    CHECKF(tenyo_reader_open(jp, NULL, &r, err, sizeof err) == 0, "%.300s", err);
    uint64_t n = 0, abs = 0, spot = 0;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        n++;
        CHECK(d->id[0] && d->title[0]);
        if (d->abstract[0]) abs++;
        if (!strcmp(d->id, "特開2024-127407")) {
            spot++;
            CHECK_STR(d->title, "カメラ装置、システム、及びプログラム");
            CHECK_STR(d->date, "2024-09-20"); /* pub_date before filing_date */
            CHECK_EQ_INT(d->ncodes, 2);
            CHECK_STR(d->codes[1], "H04N23/61");
        }
    }
    CHECK_EQ_INT(rc, 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    double tjp = ty_now() - t0;
    CHECK_EQ_INT(n, 8861);
    CHECK_EQ_INT(st.records, 8861);
    CHECK_EQ_INT(st.skipped, 0);
    CHECK_EQ_INT(abs, 6082); /* 6,091 abstracts, 9 of them the string "null": missing */
    CHECK(spot >= 1);

    t0 = ty_now();
    CHECKF(tenyo_reader_open(en, NULL, &r, err, sizeof err) == 0, "%.300s", err);
    uint64_t withcodes = 0;
    n = 0;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        if (n == 0) {
            CHECK_STR(d->id, "US06836996-20050104");
            CHECK_STR(d->date, "2005-01-04");
            CHECK(!strncmp(d->abstract, "A modular hook assembly", 23));
        }
        n++;
        CHECK(!strncmp(d->id, "US", 2));
        if (d->ncodes) {
            withcodes++;
            CHECK(strlen(d->codes[0]) >= 4 && d->codes[0][0] >= 'A' &&
                  d->codes[0][0] <= 'Y');
        }
    }
    CHECK_EQ_INT(rc, 0);
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    double ten = ty_now() - t0;
    CHECK_EQ_INT(n, 10000);
    CHECK_EQ_INT(st.skipped, 0);
    CHECK_EQ_INT(withcodes, 9535);
    printf("     (jplatpat.jsonl 8861 in %.3f s; uspto 10000 in %.3f s)\n", tjp,
           ten);
}

/* ========================================================== zstd input */

/* A zstd-compressed corpus reads as the plain one: the same records, the
 * same bad line reported, in one frame or several (split inside a line),
 * across many 1 MiB chunks; progress counts bytes of the compressed file;
 * a truncated or damaged file is an error naming the file. */
TY_TEST(io_zstd_input) {
    ty_buf j = {0};
    for (int i = 0; i < 4000; i++) {
        char line[1400];
        if (i == 2999) snprintf(line, sizeof line, "{\"id\": \"Z%d\", \"title\": broken\n", i);
        else {
            int n = snprintf(line, sizeof line,
                             "{\"id\": \"Z%d\", \"title\": \"圧縮された入力 %d\", \"abstract\": \"", i, i);
            for (int k = 0; k < 90; k++)
                n += snprintf(line + n, sizeof line - n, "%s%d ", k % 3 ? "歯車" : "gear", (i * 7 + k) % 97);
            snprintf(line + n, sizeof line - n, "\", \"ipc\": [\"F16H1/%d\"]}\n", i % 50);
        }
        CHECK_EQ_INT(ty_buf_append(&j, line, strlen(line)), 0);
    }
    CHECK(j.len > 3 * (1u << 20));
    const char *plain = tmp_path("z.jsonl"), *one = tmp_path("z1.jsonl.zst");
    const char *two = tmp_path("z2.zst"), *bad = tmp_path("zbad.zst");
    CHECK_EQ_INT(write_file(plain, j.p, j.len), 0);
    size_t cap = ZSTD_compressBound(j.len), half = j.len / 2 + 7;
    char *z = malloc(cap + ZSTD_compressBound(half));
    CHECK(z);
    size_t n1 = ZSTD_compress(z, cap, j.p, j.len, 1);
    CHECK(!ZSTD_isError(n1));
    CHECK_EQ_INT(write_file(one, z, n1), 0);
    /* two frames with checksums, as the zstd tool writes them */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    CHECK(cc && !ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    size_t a = ZSTD_compress2(cc, z, cap, j.p, half);
    CHECK(!ZSTD_isError(a));
    size_t b = ZSTD_compress2(cc, z + a, cap, j.p + half, j.len - half);
    ZSTD_freeCCtx(cc);
    CHECK(!ZSTD_isError(b));
    CHECK_EQ_INT(write_file(two, z, a + b), 0);
    ty_buf d0 = {0}, d1 = {0}, d2 = {0};
    reports r0 = {0}, r1 = {0}, r2 = {0};
    readres s0, s1, s2;
    CHECK_EQ_INT(read_file_all(plain, NULL, &d0, &r0, &s0), 0);
    CHECKF(read_file_all(one, NULL, &d1, &r1, &s1) == 0, "%.300s", s1.err);
    CHECKF(read_file_all(two, NULL, &d2, &r2, &s2) == 0, "%.300s", s2.err);
    CHECK_EQ_INT(s0.st.records, 3999);
    CHECK_EQ_INT(s1.st.records, 3999);
    CHECK_EQ_INT(s2.st.records, 3999);
    CHECK_EQ_INT(s1.st.skipped, 1);
    CHECK(reported(&r1, 3000, ""));
    CHECK(d0.len == d1.len && !memcmp(d0.p, d1.p, d0.len));
    CHECK(d0.len == d2.len && !memcmp(d0.p, d2.p, d0.len));
    CHECK(r0.all.len == r1.all.len && !memcmp(r0.all.p, r1.all.p, r0.all.len));
    CHECK_EQ_INT(s1.st.bytes_total, n1);
    CHECK_EQ_INT(s1.st.bytes_read, n1);
    CHECK_EQ_INT(s2.st.bytes_read, a + b);
    /* cut short, then one byte flipped inside the compressed data */
    CHECK_EQ_INT(write_file(bad, z, a + b / 2), 0);
    CHECK_EQ_INT(read_file_all(bad, NULL, NULL, NULL, &s0), TENYO_ERR_INPUT);
    CHECKF(strstr(s0.err, bad) && strstr(s0.err, "ends inside a frame"), "%.300s", s0.err);
    z[a / 2] ^= 0x55;
    CHECK_EQ_INT(write_file(bad, z, a + b), 0);
    int rc = read_file_all(bad, NULL, NULL, NULL, &s0);
    CHECKF(rc == TENYO_ERR_INPUT && strstr(s0.err, bad) && strstr(s0.err, "zstd"), "%d %.300s", rc, s0.err);
    free(z);
    ty_buf_free(&j);
    ty_buf_free(&d0);
    ty_buf_free(&d1);
    ty_buf_free(&d2);
    ty_buf_free(&r0.all);
    ty_buf_free(&r1.all);
    ty_buf_free(&r2.all);
}

/* ============================================================ selection */

/* ty_want_fn over a list of lines (ud: a 0-terminated long array). */
static int want_listed(void *ud, long line) {
    for (const long *p = ud; *p; p++)
        if (*p == line) return 1;
    return 0;
}

/* The (line, id) of every record of path, in order, into lines/ids. */
static int list_records(const char *path, long *lines, char ids[][64], int max) {
    tenyo_reader *r = NULL;
    char err[512];
    if (tenyo_reader_open(path, NULL, &r, err, sizeof err)) return -1;
    const tenyo_doc *d;
    int n = 0;
    while (n < max && tenyo_reader_next(r, &d) == 1) {
        lines[n] = d->line;
        snprintf(ids[n], 64, "%s", d->id);
        n++;
    }
    tenyo_reader_free(r);
    return n;
}

/* Only the records at the lines taken are handed out, reported or
 * counted; a bad line not taken is never looked at (line 5's invalid
 * UTF-8, line 2's broken JSON), and it does not stop a strict read. */
TY_TEST(io_select_jsonl) {
    long odd[] = {1, 3, 5, 7, 9, 0};
    reports rep = {0};
    tenyo_read_opts o = {.report = on_report, .report_ud = &rep};
    tenyo_reader *r = NULL;
    char err[512];
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_bad.jsonl"), &o, &r, err, sizeof err), 0);
    ty_reader_select(r, want_listed, odd);
    const tenyo_doc *d;
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "G-1");
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 1);
    CHECK_STR(d->id, "E-7");
    CHECK_EQ_INT(d->line, 7);
    CHECK_EQ_INT(tenyo_reader_next(r, &d), 0);
    tenyo_read_stats st;
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    CHECK_EQ_INT(st.records, 2);
    CHECK_EQ_INT(st.skipped, 3); /* lines 3, 5, 9 */
    CHECK(reported(&rep, 3, "skipped: no id"));
    CHECK(reported(&rep, 5, "skipped: invalid UTF-8"));
    CHECK(reported(&rep, 7, "warning: empty text"));
    CHECK(reported(&rep, 9, "skipped: \"id\" is not a string or a number"));
    CHECK_EQ_INT(rep.n, 4);
    ty_buf_free(&rep.all);

    /* strict, taking only good lines: every bad one is someone else's */
    long good[] = {7, 8, 10, 0};
    memset(&rep, 0, sizeof rep);
    o = (tenyo_read_opts){.strict = 1, .report = on_report, .report_ud = &rep};
    CHECK_EQ_INT(tenyo_reader_open(FIX("io_bad.jsonl"), &o, &r, err, sizeof err), 0);
    ty_reader_select(r, want_listed, good);
    const char *ids[] = {"E-7", "12345", "US-10"};
    int n = 0, rc;
    while ((rc = tenyo_reader_next(r, &d)) == 1) {
        CHECK(n < 3);
        if (n < 3) CHECK_STR(d->id, ids[n]);
        n++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(n, 3);
    tenyo_reader_stats(r, &st);
    tenyo_reader_free(r);
    CHECK_EQ_INT(st.skipped, 0);
    CHECK_EQ_INT(rep.n, 2); /* the warnings of lines 7 and 8 */
    ty_buf_free(&rep.all);
}

/* CSV and XML records are parsed and dropped when not taken: the same
 * records come out as a full read's at the lines (record numbers) taken. */
TY_TEST(io_select_csv_xml) {
    const char *files[] = {FIX("io_jplatpat.csv"), FIX("io_gazette_multi.xml")};
    for (int f = 0; f < 2; f++) {
        long lines[64];
        char ids[64][64];
        int n = list_records(files[f], lines, ids, 64);
        CHECKF(n >= 2, "%s: %d records", files[f], n);
        if (n < 2) continue;
        long take[64];
        int k = 0;
        for (int i = 1; i < n; i += 2) take[k++] = lines[i]; /* every second */
        take[k] = 0;
        tenyo_reader *r = NULL;
        char err[512];
        CHECK_EQ_INT(tenyo_reader_open(files[f], NULL, &r, err, sizeof err), 0);
        ty_reader_select(r, want_listed, take);
        const tenyo_doc *d;
        int got = 0;
        while (tenyo_reader_next(r, &d) == 1) {
            CHECKF(got < k && strcmp(d->id, ids[2 * got + 1]) == 0, "%s: record %d is %s",
                   files[f], got, d->id);
            got++;
        }
        CHECK_EQ_INT(got, k);
        tenyo_reader_free(r);
    }
}

/* ===================================================== two JSON parsers */

/* Every record, warning and message of the JSON Lines file path, read with
 * simdjson (fast 1) or jansson alone (0), as one string into out. */
static void jsonl_read_all(const char *path, int fast, ty_buf *out) {
    reports rep = {0};
    tenyo_read_opts o = {.report = on_report, .report_ud = &rep};
    tenyo_reader *r = NULL;
    char err[512];
    ty_jsonl_fast = fast;
    if (tenyo_reader_open(path, &o, &r, err, sizeof err) == 0) {
        const tenyo_doc *d;
        while (tenyo_reader_next(r, &d) == 1) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%ld|%d|", d->line, d->open);
            ty_buf_append(out, tmp, strlen(tmp));
            const char *f[] = {d->id, d->title, d->abstract, d->claims, d->description,
                               d->applicant, d->date, d->lang, d->numbers};
            for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
                if (f[i]) ty_buf_append(out, f[i], strlen(f[i]));
                ty_buf_append(out, "|", 1);
            }
            for (size_t i = 0; i < d->ncodes; i++) {
                ty_buf_append(out, d->codes[i], strlen(d->codes[i]));
                ty_buf_append(out, ",", 1);
            }
            ty_buf_append(out, "\n", 1);
        }
        tenyo_reader_free(r);
    }
    ty_jsonl_fast = 1;
    if (rep.all.len) ty_buf_append(out, rep.all.p, rep.all.len);
    ty_buf_free(&rep.all);
    ty_buf_putc(out, 0);
}

/* simdjson reads every line as jansson does: the same records, warnings
 * and messages, on the lines simdjson leaves to jansson too (a key twice
 * in a nested or a large object, a NUL, an integer above INT64_MAX, a
 * root that is not an object, broken JSON) and on the ones it takes
 * (numbers as ids, -0, arrays of mixed types, surrogate pairs). */
TY_TEST(io_jsonl_simdjson_as_jansson) {
    char path[512];
    snprintf(path, sizeof path, "%s/two_parsers.jsonl", ty_test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"id\":\"A-1\",\"title\":\"t\",\"abstract\":\"振動を抑える\",\"ipc\":[\"B60K 1/00\",null,3],"
          "\"claims\":[\"c1\",null,2,\"c2\"],\"applicant\":[\"x\",\"y\"],\"date\":\"2024/01/02\","
          "\"open\":\"yes\",\"lang\":\"ja\",\"app_no\":\"特願2023-1\",\"numbers\":[\"A-1\",\"P-9\"]}\n", f);
    fputs("{\"id\":12345,\"abstract\":\"a\",\"open\":1,\"fi\":\"G06F3/01,331@A\"}\n", f);
    fputs("{\"id\":-0,\"abstract\":\"a\",\"open\":-0}\n", f);
    fputs("{\"id\":1.5e3,\"abstract\":\"a\",\"open\":0.0,\"lang\":\"de\"}\n", f);
    fputs("{\"id\":\"D-1\",\"abstract\":\"a\",\"x\":{\"k\":1,\"k\":2}}\n", f);
    fputs("{\"id\":\"D-2\",\"abstract\":\"a\",\"id\":\"D-3\"}\n", f);
    fputs("{\"k01\":1,\"k02\":1,\"k03\":1,\"k04\":1,\"k05\":1,\"k06\":1,\"k07\":1,\"k08\":1,"
          "\"k09\":1,\"k10\":1,\"k11\":1,\"k12\":1,\"k13\":1,\"k14\":1,\"k15\":1,\"k16\":1,"
          "\"k17\":1,\"k03\":2,\"id\":\"D-4\",\"abstract\":\"a\"}\n", f);
    fputs("{\"k01\":1,\"k02\":1,\"k03\":1,\"k04\":1,\"k05\":1,\"k06\":1,\"k07\":1,\"k08\":1,"
          "\"k09\":1,\"k10\":1,\"k11\":1,\"k12\":1,\"k13\":1,\"k14\":1,\"k15\":1,\"k16\":1,"
          "\"k17\":1,\"k18\":2,\"id\":\"L-1\",\"abstract\":\"a\"}\n", f);
    fputs("{\"id\":\"N-1\",\"abstract\":\"a\\u0000b\"}\n", f);
    fputs("{\"id\":\"N-2\",\"abstract\":\"a\",\"x\\u0000\":1}\n", f);
    fputs("{\"id\":\"U-1\",\"abstract\":\"a\",\"n\":18446744073709551615}\n", f);
    fputs("{\"id\":\"U-2\",\"abstract\":\"a\",\"n\":[9223372036854775808]}\n", f);
    fputs("{\"id\":\"U-3\",\"abstract\":\"a\",\"n\":9223372036854775807}\n", f);
    fputs("[{\"id\":\"R-1\"}]\n", f);
    fputs("\"just a string\"\n", f);
    fputs("{\"id\":\"B-1\",\"abstract\":\"a\"} trailing\n", f);
    fputs("{\"id\":\"B-2\",\"abstract\":\"\\ud800\"}\n", f);
    fputs("{\"id\":\"S-1\",\"abstract\":\"\\ud83d\\ude00 and \\\"q\\\" \\/ \\t\"}\n", f);
    fputs("{\"id\":\"T-1\",\"abstract\":\"a\",\"title\":5,\"date\":7,\"ipc\":{\"a\":1},\"lang\":null,"
          "\"open\":[1],\"claims\":{\"c\":1}}\n", f);
    fputs("{\"id\":\"T-2\",\"abstract\":\"a\",\"date\":\"someday\",\"open\":\"maybe\",\"n\":1e400}\n", f);
    fputs("{\"id\":null,\"patent_id\":\"P-1\",\"abstract\":\"a\",\"pub_date\":\"20240102\"}\n", f);
    fputs("{\"id\":true,\"abstract\":\"a\"}\n", f);
    fputs("{\"abstract\":\"no id\"}\n", f);
    fputs("{\"id\":\"E-1\",\"abstract\":\"a\",\"deep\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}\n", f);
    fclose(f);
    ty_buf fast = {0}, slow = {0};
    jsonl_read_all(path, 1, &fast);
    jsonl_read_all(path, 0, &slow);
    CHECK(fast.p && slow.p);
    CHECKF(fast.p && slow.p && !strcmp(fast.p, slow.p), "simdjson:\n%s\njansson:\n%s",
           fast.p ? fast.p : "", slow.p ? slow.p : "");
    /* and what jansson says is what the user is told */
    CHECK(fast.p && strstr(fast.p, "duplicate key") != NULL);
    CHECK(fast.p && strstr(fast.p, "A-1|") != NULL && strstr(fast.p, "12345|") != NULL);
    CHECK(fast.p && strstr(fast.p, "L-1|") != NULL && strstr(fast.p, "U-3|") != NULL);
    CHECK(fast.p && strstr(fast.p, "N-1|") == NULL && strstr(fast.p, "U-1|") == NULL);
    ty_buf_free(&fast);
    ty_buf_free(&slow);
}

/* A stop asked while the reader walks 8 MiB of blank lines after its one
 * record ends the read at the next chunk with TENYO_ERR_STOPPED (before:
 * the whole file was read first). */
static int stop_after(void *ud) { return --*(int *)ud < 0; }

TY_TEST(io_reader_stop_between_chunks) {
    const char *p = tmp_path("stop.jsonl");
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    fputs("{\"id\":\"S-1\",\"title\":\"robot gripper\"}\n", f);
    for (int i = 0; i < 8 * 1024; i++) {
        char nl[1024];
        memset(nl, '\n', sizeof nl);
        fwrite(nl, 1, sizeof nl, f);
    }
    fclose(f);
    int left = 2;
    tenyo_read_opts o = {.stop = stop_after, .stop_ud = &left};
    readres res;
    CHECK_EQ_INT(read_file_all(p, &o, NULL, NULL, &res), TENYO_ERR_STOPPED);
    CHECK(strstr(res.err, "stopped") != NULL);
    CHECK(res.st.bytes_read < 4u << 20);
    int never = 1 << 30;
    o.stop_ud = &never;
    CHECK_EQ_INT(read_file_all(p, &o, NULL, NULL, &res), 0);
    CHECK_EQ_INT(res.st.records, 1);
}
