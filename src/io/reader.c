/*
 * reader.c — the public tenyo_reader: one input file in, validated patent
 * records out, whatever the format and charset.
 *
 * tenyo_reader_open() reads the whole file into memory, settles its charset,
 * converts it to UTF-8 and decides its format; the first tenyo_reader_next()
 * runs the format's parser over the text, which queues every good record, and
 * each call then hands out the next one. Whole-file reading is a deliberate
 * first step: the parsers stay simple (libcsv, expat and the JSONL line loop
 * all take the text in one go), every message can carry an exact line, and
 * the corpora this tool is for (tens of thousands of patents, tens of MB) fit
 * easily. The price is memory proportional to the file (the text, then the
 * queued records); a later change makes the reader streaming (a parser
 * driven chunk by chunk, the queue bounded) without changing the public API.
 * Parsing is deferred to the first next() so that record reports reach the
 * callback from the thread that reads, as tenyo.h promises.
 *
 * Charset. opts->encoding wins when given (an unknown name is TENYO_ERR_ARG).
 * Otherwise the first 64 KiB decide, in this order:
 *   - a UTF-16 byte-order mark means UTF-16 (LE or BE);
 *   - ISO-2022-JP escapes (ESC $ B, ESC $ @) mean ISO-2022-JP (it is 7-bit,
 *     so it would pass for UTF-8);
 *   - a sample that is UTF-8, or *mostly* UTF-8, is UTF-8;
 *   - a file that starts with an XML declaration is in the charset it
 *     declares (UTF-8 when it declares none, as XML 1.0 says);
 *   - otherwise ICU's detector (Shift_JIS/CP932, EUC-JP, UTF-16), corrected
 *     towards Japanese charsets on short samples (prefer_japanese).
 * "Mostly" matters: a JSONL file with one damaged line must still be read as
 * UTF-8 so that the damaged line alone is reported (with its byte column)
 * instead of the whole file being taken for Shift_JIS. The test counts lines:
 * those with an invalid sequence must be outnumbered four to one by lines
 * with valid multi-byte characters and nothing invalid. In Shift_JIS and
 * EUC-JP nearly every line with Japanese in it holds invalid UTF-8 (a kana's
 * first byte is a UTF-8 continuation byte), so they never pass; on the 400
 * Shift_JIS Aozora texts of the shared data and their EUC-JP conversions the
 * detection picks right every time. UTF-8 text is not sent through ICU (the
 * parsers check it themselves, record by record; XML is checked whole, as
 * expat would stop at the first bad byte anyway); other charsets are
 * converted strictly, and a byte that is not valid in the charset fails the
 * file with its byte offset and line.
 *
 * Format (TENYO_FORMAT_AUTO): first non-blank character '{' → JSONL; '<' and
 * the text holds "jp-official-gazette" or "<bibliographic-data" → JPO XML;
 * first line holds 文献番号 and a comma → J-PlatPat CSV; otherwise the file
 * is refused by name. An empty file is an empty JSONL file (no records).
 *
 * Records. The queueing sink trims every text field (ASCII blanks and U+3000
 * at both ends), refuses a record whose id is empty (a bad record, like the
 * parsers' own), and reports a record without title, abstract, claims and
 * description as "empty text" (a warning: the record is kept, and counted in
 * stats.empty when handed out). The sink takes the record's buffers over
 * instead of copying them. A fatal parse status (strict mode, an unusable
 * file, no memory) is returned by next() after the records queued before it,
 * as a streaming reader would.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes of the file used to detect its charset. */
#define SAMPLE_BYTES (64u * 1024u)

struct tenyo_reader {
    char *path;              /* file name, for messages and doc.source */
    char *text;              /* UTF-8 text (freed once parsed) */
    size_t len;              /* bytes in text */
    tenyo_format format;     /* format in use (never AUTO after open) */
    char encoding[64];       /* charset the file was read as */
    int parsed;              /* the parser has run */
    int fatal;               /* status next() returns once the queue is done */
    ty_record *queue;        /* good records, in file order */
    size_t nq, capq;         /* records queued / allocated */
    size_t next;             /* next record to hand out */
    ty_parse_env env;        /* parser environment (report, strict, err) */
    tenyo_read_stats stats;  /* counts so far */
    tenyo_doc doc;           /* the record handed out last */
    char err[TY_ERRLEN];     /* last fatal error, "" if none */
};

/* ============================================================ charsets */

/* 1 when s[0..n) is UTF-8 apart from a few damaged lines: every line with
 * an invalid sequence is outweighed four to one by lines that hold valid
 * multi-byte characters and nothing invalid. When the sample was cut from a
 * longer file (cut = 1), a character cut at its end does not count. */
static int mostly_utf8(const char *s, size_t n, int cut) {
    size_t good = 0, bad = 0, pos = 0;
    while (pos < n) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t m = nl ? (size_t)(nl - s - pos) : n - pos;
        const unsigned char *l = (const unsigned char *)s + pos;
        size_t at = 0;
        if (!ty_utf8_valid((const char *)l, m, &at)) {
            if (!(cut && !nl && m - at < 4)) {
                bad++;
                pos += m + (nl ? 1 : 0);
                continue;
            }
            m = at; /* only the cut character is wrong */
        }
        for (size_t j = 0; j < m; j++)
            if (l[j] >= 0xC2) {
                good++;
                break;
            }
        pos += m + (nl ? 1 : 0);
        if (!nl) break;
    }
    return bad == 0 || good >= 4 * bad;
}

/* 1 when s[0..n) starts (after blanks) with an XML declaration. */
static int xml_start(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    return n - i >= 6 && !memcmp(s + i, "<?xml", 5) &&
           isspace((unsigned char)s[i + 5]);
}

/* The encoding named by an XML declaration at the start of s, into name;
 * 1 when found. */
static int xml_declared(const char *s, size_t n, char *name, size_t cap) {
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (!xml_start(s, n)) return 0;
    size_t end = i;
    while (end < n && end < i + 256 && s[end] != '>') end++;
    const char *e = memmem(s + i, end - i, "encoding", 8);
    if (!e) return 0;
    e += 8;
    while (e < s + end && (*e == ' ' || *e == '=')) e++;
    if (e >= s + end || (*e != '"' && *e != '\'')) return 0;
    char q = *e++;
    size_t k = 0;
    while (e < s + end && *e != q && k + 1 < cap) name[k++] = *e++;
    name[k] = 0;
    return k > 0;
}

/* ICU's detector guesses from byte statistics and, on a short sample, may
 * name a Latin or Chinese/Korean charset for Japanese text. When its guess is
 * not a Japanese or Unicode charset, the sample (up to its last line break,
 * so that no character is cut) is tried strictly as EUC-JP, then as
 * Shift_JIS: Shift_JIS text is never valid EUC-JP (its lead bytes 0x81-0x9F
 * are not EUC), while EUC-JP text usually is valid Shift_JIS (as half-width
 * kana), hence the order. A Latin-1 text fails both (an accented letter
 * followed by a space or letter is not a double-byte character) and keeps
 * ICU's answer. */
static void prefer_japanese(const char *s, size_t n, int cut, char *name,
                            size_t cap) {
    static const char *const keep[] = {"Shift_JIS", "EUC-JP", "ISO-2022-JP",
                                       "UTF-16", "UTF-32", "UTF-8"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if (!strncasecmp(name, keep[i], strlen(keep[i]))) return;
    if (cut) {
        const char *nl = memrchr(s, '\n', n);
        if (nl) n = (size_t)(nl - s) + 1;
    }
    static const char *const try[] = {"EUC-JP", "Shift_JIS"};
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL, e[128];
        int rc = ty_charset_to_utf8(try[i], s, n, &out, NULL, e, sizeof e);
        free(out);
        if (rc == TENYO_OK) {
            ty_seterr(name, cap, "%s", try[i]);
            return;
        }
    }
}

/* 1 for the names of UTF-8 (case-insensitive, with or without the dash). */
static int is_utf8_name(const char *cs) {
    return !strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "UTF8");
}

/* 1 when '\n' is the byte 0x0A in charset cs (not UTF-16/32). */
static int ascii_lines(const char *cs) {
    return strncasecmp(cs, "UTF-16", 6) && strncasecmp(cs, "UTF16", 5) &&
           strncasecmp(cs, "UTF-32", 6) && strncasecmp(cs, "UTF32", 5) &&
           strncasecmp(cs, "UCS", 3);
}

/* The first line of raw[0..n) that does not convert from cs, 0 if none is
 * found (e.g. the failure is a character cut by the end of the file). Only
 * called on the error path. */
static long bad_line(const char *cs, const char *raw, size_t n) {
    size_t pos = 0;
    long line = 0;
    while (pos < n) {
        line++;
        const char *nl = memchr(raw + pos, '\n', n - pos);
        size_t m = nl ? (size_t)(nl - raw - pos) : n - pos;
        char *out = NULL;
        char e[64];
        int rc = ty_charset_to_utf8(cs, raw + pos, m, &out, NULL, e, sizeof e);
        free(out);
        if (rc) return line;
        pos += m + (nl ? 1 : 0);
    }
    return 0;
}

/* 1-based line of byte offset off in UTF-8 (or ASCII-compatible) text. */
static long line_of(const char *s, size_t off) {
    long line = 1;
    for (size_t i = 0; i < off; i++) line += s[i] == '\n';
    return line;
}

/* ============================================================== format */

/* Decide the format of UTF-8 text; TENYO_FORMAT_AUTO when unknown. */
static tenyo_format detect_format(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (i == n || s[i] == '{') return TENYO_FORMAT_JSONL;
    if (s[i] == '<') {
        if (memmem(s, n, "jp-official-gazette", 19) ||
            memmem(s, n, "<bibliographic-data", 19))
            return TENYO_FORMAT_JPO_XML;
        return TENYO_FORMAT_AUTO;
    }
    const char *nl = memchr(s + i, '\n', n - i);
    size_t m = nl ? (size_t)(nl - s - i) : n - i;
    if (memmem(s + i, m, "文献番号", strlen("文献番号")) && memchr(s + i, ',', m))
        return TENYO_FORMAT_JPLATPAT;
    return TENYO_FORMAT_AUTO;
}

static const char *format_name(tenyo_format f) {
    switch (f) {
    case TENYO_FORMAT_JSONL: return "jsonl";
    case TENYO_FORMAT_JPLATPAT: return "jplatpat";
    case TENYO_FORMAT_JPO_XML: return "jpo-xml";
    default: return "auto";
    }
}

/* ================================================================ file */

/* Read the whole file into *buf (malloc'd, NUL-terminated). */
static int read_file(const char *path, char **buf, size_t *len, char *err,
                     size_t errlen) {
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TENYO_ERR_IO;
    }
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    int rc = TENYO_ERR_NOMEM;
    if (!p) goto fail;
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 4) goto fail;
            char *q = realloc(p, cap * 2 + 1);
            if (!q) goto fail;
            p = q;
            cap *= 2;
        }
        size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        rc = TENYO_ERR_IO;
        ty_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    p[n] = 0;
    fclose(f);
    *buf = p;
    *len = n;
    return TENYO_OK;
fail:
    ty_seterr(err, errlen, "%s: out of memory reading the file", path);
out:
    free(p);
    fclose(f);
    return rc;
}

/* ================================================================ sink */

/* Trim ASCII blanks and U+3000 from both ends of b. */
static void trim(ty_buf *b) {
    if (!b->p) return;
    size_t s = 0, e = b->len;
    for (;;) {
        if (s < e && (b->p[s] == ' ' || (b->p[s] >= '\t' && b->p[s] <= '\r')))
            s++;
        else if (e - s >= 3 && !memcmp(b->p + s, "\xE3\x80\x80", 3))
            s += 3;
        else
            break;
    }
    for (;;) {
        if (e > s && (b->p[e - 1] == ' ' ||
                      (b->p[e - 1] >= '\t' && b->p[e - 1] <= '\r')))
            e--;
        else if (e - s >= 3 && !memcmp(b->p + e - 3, "\xE3\x80\x80", 3))
            e -= 3;
        else
            break;
    }
    if (s) memmove(b->p, b->p + s, e - s);
    b->len = e - s;
    b->p[b->len] = 0;
}

/* 1 when the record has no text to index. */
static int no_text(const ty_record *r) {
    return !r->title.len && !r->abstract.len && !r->claims.len &&
           !r->description.len;
}

/* The parsers' sink: check the record and move it into the queue. */
static int queue_sink(void *ud, ty_record *rec) {
    tenyo_reader *r = ud;
    ty_buf *bufs[] = {&rec->id,     &rec->title,       &rec->abstract,
                      &rec->claims, &rec->description, &rec->applicant,
                      &rec->date,   &rec->lang};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) trim(bufs[i]);
    if (!rec->id.len) return ty_parse_bad(&r->env, rec->line, "record without id");
    if (no_text(rec))
        ty_parse_warn(&r->env, rec->line,
                      "empty text (no title, abstract, claims or description) "
                      "in %s",
                      rec->id.p);
    if (r->nq == r->capq) {
        size_t cap = r->capq ? r->capq * 2 : 256;
        ty_record *q = ty_reallocarray(r->queue, cap, sizeof *q);
        if (!q) {
            ty_seterr(r->env.err, sizeof r->env.err, "%s:%ld: out of memory",
                      r->path, rec->line);
            return TENYO_ERR_NOMEM;
        }
        r->queue = q;
        r->capq = cap;
    }
    r->queue[r->nq++] = *rec;
    memset(rec, 0, sizeof *rec);
    return TENYO_OK;
}

/* Run the parser over the text (once). */
static void run_parser(tenyo_reader *r) {
    r->parsed = 1;
    r->env.path = r->path;
    r->env.sink = queue_sink;
    r->env.ud = r;
    int rc;
    switch (r->format) {
    case TENYO_FORMAT_JSONL: rc = ty_parse_jsonl(&r->env, r->text, r->len); break;
    case TENYO_FORMAT_JPLATPAT:
        rc = ty_parse_jplatpat(&r->env, r->text, r->len);
        break;
    default: rc = ty_parse_jpoxml(&r->env, r->text, r->len); break;
    }
    r->stats.skipped = r->env.bad;
    if (rc < 0) {
        r->fatal = rc;
        if (r->env.err[0])
            ty_seterr(r->err, sizeof r->err, "%s", r->env.err);
        else
            ty_seterr(r->err, sizeof r->err, "%s: %s", r->path,
                      tenyo_strerror(rc));
    }
    free(r->text);
    r->text = NULL;
    r->len = 0;
}

/* ============================================================== public */

/* The charset of raw[0..rawlen): given (when not NULL), else detected from
 * the first SAMPLE_BYTES: UTF-16 BOM, ISO-2022-JP escapes, mostly UTF-8, an
 * XML declaration, then ICU's detector with a preference for Japanese
 * charsets. 0, or TENYO_ERR_DEPENDENCY when ICU cannot detect. */
static int pick_charset(const char *raw, size_t rawlen, const char *given,
                        char *enc, size_t cap) {
    size_t sn = rawlen < SAMPLE_BYTES ? rawlen : SAMPLE_BYTES;
    if (given) {
        ty_seterr(enc, cap, "%s", given);
    } else if (sn >= 2 && (!memcmp(raw, "\xFF\xFE", 2) ||
                           !memcmp(raw, "\xFE\xFF", 2))) {
        /* UTF-16 byte-order mark: ICU's detector names the byte order */
        if (ty_charset_detect(raw, sn, enc, cap)) return TENYO_ERR_DEPENDENCY;
    } else if (memmem(raw, sn, "\x1b$B", 3) || memmem(raw, sn, "\x1b$@", 3)) {
        ty_seterr(enc, cap, "ISO-2022-JP");
    } else if (mostly_utf8(raw, sn, sn < rawlen)) {
        ty_seterr(enc, cap, "UTF-8");
    } else if (xml_start(raw, sn)) {
        /* XML names its charset, UTF-8 when it does not (XML 1.0, 4.3.3) */
        if (!xml_declared(raw, sn, enc, cap)) ty_seterr(enc, cap, "UTF-8");
    } else {
        if (ty_charset_detect(raw, sn, enc, cap)) return TENYO_ERR_DEPENDENCY;
        prefer_japanese(raw, sn, sn < rawlen, enc, cap);
    }
    return TENYO_OK;
}

int tenyo_text_to_utf8(const char *in, size_t len, const char *encoding,
                       char **out, size_t *outlen, char *used, size_t usedlen,
                       char *err, size_t errlen) {
    if (!out || (!in && len)) return TENYO_ERR_ARG;
    *out = NULL;
    char enc[64];
    if (encoding && !*encoding) encoding = NULL;
    if (pick_charset(in ? in : "", len, encoding, enc, sizeof enc)) {
        ty_seterr(err, errlen, "cannot detect the charset (ICU)");
        return TENYO_ERR_DEPENDENCY;
    }
    if (used) ty_seterr(used, usedlen, "%s", enc);
    if (is_utf8_name(enc)) {
        size_t skip = len >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3) ? 3 : 0;
        size_t bad = 0;
        if (!ty_utf8_valid(in + skip, len - skip, &bad)) {
            ty_seterr(err, errlen, "invalid UTF-8 at byte %zu", bad + skip);
            return TENYO_ERR_INPUT;
        }
        *out = ty_strndup(in + skip, len - skip);
        if (!*out) return TENYO_ERR_NOMEM;
        if (outlen) *outlen = len - skip;
        return TENYO_OK;
    }
    int rc = ty_charset_to_utf8(enc, in, len, out, outlen, err, errlen);
    if (rc == TENYO_ERR_DEPENDENCY && encoding) rc = TENYO_ERR_ARG;
    return rc;
}

int tenyo_reader_open(const char *path, const tenyo_read_opts *opts,
                      tenyo_reader **out, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    if (out) *out = NULL;
    if (!path || !out) {
        ty_seterr(err, errlen, "tenyo_reader_open: path and out are required");
        return TENYO_ERR_ARG;
    }
    tenyo_read_opts o = {0};
    if (opts) o = *opts;
    if (o.format < TENYO_FORMAT_AUTO || o.format > TENYO_FORMAT_JPO_XML) {
        ty_seterr(err, errlen, "%s: unknown format code %d", path, (int)o.format);
        return TENYO_ERR_ARG;
    }
    if (o.encoding && !*o.encoding) o.encoding = NULL;

    char *raw = NULL;
    size_t rawlen = 0, skip = 0; /* skip: bytes of a UTF-8 BOM dropped */
    int rc = TENYO_ERR_NOMEM;
    tenyo_reader *r = ty_calloc(1, sizeof *r);
    if (!r || !(r->path = ty_strdup(path))) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    r->env.strict = o.strict ? 1 : 0;
    r->env.report = o.report;
    r->env.report_ud = o.report_ud;
    if ((rc = read_file(path, &raw, &rawlen, err, errlen))) goto fail;

    /* charset */
    if (pick_charset(raw, rawlen, o.encoding, r->encoding, sizeof r->encoding)) {
        ty_seterr(err, errlen, "%s: cannot detect the charset (ICU)", path);
        rc = TENYO_ERR_DEPENDENCY;
        goto fail;
    }

    /* to UTF-8 */
    if (is_utf8_name(r->encoding)) {
        skip = rawlen >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3) ? 3 : 0;
        if (skip) memmove(raw, raw + skip, rawlen - skip + 1);
        r->text = raw;
        r->len = rawlen - skip;
        raw = NULL;
    } else {
        char msg[256];
        rc = ty_charset_to_utf8(r->encoding, raw, rawlen, &r->text, &r->len,
                                msg, sizeof msg);
        if (rc == TENYO_ERR_DEPENDENCY && o.encoding) {
            ty_seterr(err, errlen, "%s: unknown encoding '%s'", path, o.encoding);
            rc = TENYO_ERR_ARG;
            goto fail;
        }
        if (rc == TENYO_ERR_INPUT) {
            long line = ascii_lines(r->encoding)
                            ? bad_line(r->encoding, raw, rawlen)
                            : 0;
            if (line)
                ty_seterr(err, errlen, "%s:%ld: %s (read as %s%s)", path, line,
                          msg, r->encoding, o.encoding ? "" : ", detected");
            else
                ty_seterr(err, errlen, "%s: %s (read as %s%s)", path, msg,
                          r->encoding, o.encoding ? "" : ", detected");
            goto fail;
        }
        if (rc) {
            ty_seterr(err, errlen, "%s: %s", path, msg);
            goto fail;
        }
        free(raw);
        raw = NULL;
    }

    /* format */
    r->format = o.format;
    if (r->format == TENYO_FORMAT_AUTO) {
        r->format = detect_format(r->text, r->len);
        if (r->format == TENYO_FORMAT_AUTO) {
            ty_seterr(err, errlen,
                      "%s: unknown input format (not JSON Lines, a J-PlatPat "
                      "CSV export or JPO gazette XML); name the format",
                      path);
            rc = TENYO_ERR_INPUT;
            goto fail;
        }
    }
    if (r->format == TENYO_FORMAT_JPO_XML) {
        size_t bad = 0;
        if (!ty_utf8_valid(r->text, r->len, &bad)) {
            ty_seterr(err, errlen, "%s:%ld: invalid UTF-8 at byte offset %zu",
                      path, line_of(r->text, bad), bad + skip);
            rc = TENYO_ERR_INPUT;
            goto fail;
        }
    }
    *out = r;
    return TENYO_OK;
fail:
    free(raw);
    tenyo_reader_free(r);
    return rc;
}

int tenyo_reader_next(tenyo_reader *r, const tenyo_doc **doc) {
    if (!r || !doc) return TENYO_ERR_ARG;
    *doc = NULL;
    if (!r->parsed) run_parser(r);
    /* the record handed out last is no longer needed */
    if (r->next > 0 && r->next <= r->nq) ty_record_free(&r->queue[r->next - 1]);
    if (r->next >= r->nq) return r->fatal ? r->fatal : 0;
    ty_record *q = &r->queue[r->next++];
    tenyo_doc *d = &r->doc;
#define S(b) ((b).p ? (const char *)(b).p : "")
    d->id = S(q->id);
    d->title = S(q->title);
    d->abstract = S(q->abstract);
    d->claims = S(q->claims);
    d->description = S(q->description);
    d->applicant = S(q->applicant);
    d->date = S(q->date);
    d->lang = S(q->lang);
#undef S
    d->codes = (const char *const *)q->codes;
    d->ncodes = q->ncodes;
    d->open = q->open;
    d->source = r->path;
    d->line = q->line;
    r->stats.records++;
    if (no_text(q)) r->stats.empty++;
    *doc = d;
    return 1;
}

const char *tenyo_reader_error(const tenyo_reader *r) {
    return r ? r->err : "";
}

const char *tenyo_reader_format(const tenyo_reader *r) {
    return r ? format_name(r->format) : "";
}

const char *tenyo_reader_encoding(const tenyo_reader *r) {
    return r ? r->encoding : "";
}

void tenyo_reader_stats(const tenyo_reader *r, tenyo_read_stats *st) {
    if (!st) return;
    memset(st, 0, sizeof *st);
    if (r) *st = r->stats;
}

void tenyo_reader_free(tenyo_reader *r) {
    if (!r) return;
    for (size_t i = 0; i < r->nq; i++) ty_record_free(&r->queue[i]);
    free(r->queue);
    free(r->text);
    free(r->path);
    free(r);
}
