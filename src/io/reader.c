/*
 * reader.c — the public tenyo_reader: one input file in, validated patent
 * records out, whatever the format and charset, in memory bounded by the
 * longest record, not by the file.
 *
 * Streaming. tenyo_reader_open() reads the first chunk (1 MiB), settles the
 * charset from its first 64 KiB and the format from the chunk. next() hands
 * out queued records; when the queue is empty it gives the format's
 * incremental parser (ty_parser: JSONL lines, libcsv, expat) the next slice
 * of at most 64 KiB of UTF-8 text, reading and converting the next chunk
 * when the text is used up. Memory is about one chunk, its text, one
 * slice's records and one record (refused past TY_MAX_RECORD, 16 MiB); the
 * file is read once, so pipes work. Line numbers and messages are those a
 * whole-file parse gives (parsers count lines across slices; ty_conv keeps
 * a character cut between chunks). Rejected: reading the whole file first
 * (2 GB for a 500 MB corpus); a reader thread (locking for little).
 *
 * Charset. opts->encoding wins when given; otherwise the first 64 KiB
 * decide: a UTF-16 BOM; ISO-2022-JP escapes; a sample that is UTF-8 or
 * *mostly* UTF-8 (lines with an invalid sequence outnumbered four to one
 * by lines with valid multi-byte characters, so one damaged line is
 * reported alone instead of the file being taken for Shift_JIS); an XML
 * declaration's charset; else ICU's detector, leaning to Japanese charsets
 * on short samples. UTF-8 goes to the parsers as it is (they check it);
 * other charsets are converted strictly, a bad byte failing the file with
 * its offset and line. With a given encoding the rules still run, and
 * tenyo_reader_detected() names a charset that would read other text. The
 * path "-" is standard input.
 *
 * Format (TENYO_FORMAT_AUTO): '{' first → JSONL; '<' with
 * "jp-official-gazette" or "<bibliographic-data" → JPO XML; a first line
 * with a comma and 文献番号, or two other J-PlatPat column names → J-PlatPat
 * CSV; anything else is refused by name. An empty file has no records.
 *
 * Selection (ty_reader_select, io.h): a reader may take only the records
 * starting at the lines (XML: record numbers) a callback accepts, for
 * tenyo-mpi's shares; a record not taken is dropped unreported (a JSONL
 * line unparsed).
 *
 * Records. The queueing sink trims every text field (ASCII blanks and
 * U+3000), refuses an empty id, warns when the id lost blanks, and reports
 * a record without any text as "empty text" (kept, counted in stats.empty);
 * it takes the record's buffers over. Measurements and reasons in full:
 * docs/design.md, "Reading input".
 */
#include "io/io.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of the file used to detect its charset. */
#define SAMPLE_BYTES (64u * 1024u)
/* Bytes read from the file at once (the first read also decides the
 * format). */
#define CHUNK_BYTES ((size_t)1 << 20)
/* Most UTF-8 text given to the parser at once: the records one slice
 * completes are all that is ever queued. */
#define SLICE_BYTES ((size_t)64 << 10)

struct tenyo_reader {
    char *path;              /* file name, for messages and doc.source */
    FILE *f;                 /* the file, closed once read to its end */
    int eof;                 /* the whole file has been read */
    char *raw;               /* CHUNK_BYTES of raw input */
    ty_conv *conv;           /* charset converter; NULL for UTF-8 input */
    int user_enc;            /* the caller named the encoding */
    int ascii_nl;            /* '\n' is the byte 0x0A in the charset */
    long raw_lines;          /* '\n' bytes in the raw input converted */
    ty_buf text;             /* UTF-8 text read, from the first byte not
                                yet given to the parser */
    size_t tpos;             /* bytes of text given to the parser */
    size_t checked;          /* bytes of text checked as UTF-8 (XML) */
    int check_utf8;          /* UTF-8 XML: check the text before parsing */
    uint64_t text_off;       /* offset in the UTF-8 stream of text.p[0] */
    long text_lines;         /* '\n' in the UTF-8 stream before text.p[0]
                                (kept only when check_utf8) */
    size_t skip;             /* bytes of a UTF-8 byte-order mark dropped */
    uint64_t raw_at;         /* file offset of the chunk in raw (for a
                                compressed file: offset in its
                                decompressed bytes) */
    uint64_t raw_end;        /* offset of the end of the chunk in raw */
    ty_zin *zin;             /* decompressor of a zstd-compressed file,
                                else NULL */
    size_t raw_len;          /* bytes in raw */
    tenyo_format format;     /* format in use (never AUTO after open) */
    char encoding[64];       /* charset the file was read as */
    char detected[64];       /* what detection picks when it disagrees with
                                a given encoding (tenyo_reader_detected) */
    ty_parser parser;        /* incremental parser of the format */
    int done;                /* parsing has ended (file end or fatal) */
    int fatal;               /* status next() returns once the queue is done */
    ty_record *queue;        /* good records of the last slice, in order */
    size_t nq, capq;         /* records queued / allocated */
    size_t next;             /* next record to hand out */
    ty_parse_env env;        /* parser environment (report, strict, err) */
    tenyo_read_stats stats;  /* counts so far */
    uint64_t max_bytes;      /* tenyo_read_opts.max_bytes (0: none) */
    int (*stop)(void *);     /* tenyo_read_opts.stop (may be NULL) */
    void *stop_ud;
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
void ty_charset_prefer_japanese(const char *s, size_t n, int cut, char *name, size_t cap) {
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
    /* J-PlatPat's header: 文献番号, or (a wrong or edited export, refused
     * by the CSV reader naming the missing column) two of its other names */
    static const char *const names[] = {"出願番号", "発明の名称", "出願人/権利者",
                                        "公知日", "要約", "出願日"};
    int known = 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        known += memmem(s + i, m, names[k], strlen(names[k])) != NULL;
    if ((memmem(s + i, m, "文献番号", strlen("文献番号")) || known >= 2) &&
        memchr(s + i, ',', m))
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

/* 1 when text field b holds only a spreadsheet's or a script's word for
 * "no value" (null, NULL, None, nan, N/A, #N/A): an export written through
 * pandas or a CSV tool puts it where the abstract was missing, and indexed
 * as text it becomes a term every such record shares. */
static int placeholder(const ty_buf *b) {
    static const char *const none[] = {"null", "none", "nan", "n/a", "#n/a", "nil"};
    if (!b->len || b->len > 4) return 0;
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        if (strlen(none[i]) == b->len && !strncasecmp(b->p, none[i], b->len)) return 1;
    return 0;
}

/* 1 when the record has no text to index. */
static int no_text(const ty_record *r) {
    return !r->title.len && !r->abstract.len && !r->claims.len &&
           !r->description.len;
}

/* The parsers' sink: check the record and move it into the queue. */
static int queue_sink(void *ud, ty_record *rec) {
    tenyo_reader *r = ud;
    if (r->env.want && !r->env.want(r->env.want_ud, rec->line))
        return TENYO_OK; /* another reader's record (CSV, XML: parsed, dropped) */
    ty_buf *bufs[] = {&rec->id,     &rec->title,       &rec->abstract,
                      &rec->claims, &rec->description, &rec->applicant,
                      &rec->date,   &rec->lang};
    size_t idlen = rec->id.len;
    ty_buf *marked[] = {&rec->title, &rec->abstract, &rec->claims, &rec->description};
    for (size_t i = 0; i < sizeof marked / sizeof *marked; i++)
        if (marked[i]->len) {
            marked[i]->len = ty_clean_gazette_markup(marked[i]->p, marked[i]->len,
                                                     marked[i] == &rec->abstract);
            marked[i]->p[marked[i]->len] = 0;
        }
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) trim(bufs[i]);
    for (size_t i = 0; i < sizeof marked / sizeof *marked; i++)
        if (placeholder(marked[i])) { /* "abstract": "null": missing, not text */
            marked[i]->len = 0;
            marked[i]->p[0] = 0;
        }
    if (!rec->id.len) return ty_parse_bad(&r->env, rec->line, "record without id");
    /* an id is a key: "X " and "X" become one document, so say so */
    if (rec->id.len != idlen)
        ty_parse_warn(&r->env, rec->line, "id \"%s\" trimmed of the blanks around it "
                      "(%zu bytes)", rec->id.p, idlen - rec->id.len);
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
    ty_strmap_free(rec->codeset); /* its codes are deduplicated: the set is done */
    rec->codeset = NULL;
    r->queue[r->nq++] = *rec;
    memset(rec, 0, sizeof *rec);
    return TENYO_OK;
}


/* ============================================================ streaming */

/* Number of '\n' bytes in s[0..n). */
static long count_lines(const char *s, size_t n) {
    long k = 0;
    for (const char *e = s + n; (s = memchr(s, '\n', (size_t)(e - s))); s++)
        k++;
    return k;
}

/* The message of a byte invalid in the charset, in err: "path:LINE: why
 * (read as CS[, detected])"; chunk[0..n) is the raw piece being converted,
 * which starts at stream offset at. The line is that of the first byte of
 * the invalid sequence (none for UTF-16/32, whose '\n' is not one byte). */
static void conv_error(tenyo_reader *r, const char *chunk, size_t n,
                       uint64_t at, const char *why, char *err,
                       size_t errlen) {
    const char *how = r->user_enc ? "" : ", detected";
    if (!r->ascii_nl) {
        ty_seterr(err, errlen, "%s: %s (read as %s%s)", r->path, why,
                  r->encoding, how);
        return;
    }
    uint64_t bad = ty_conv_bad_offset(r->conv);
    size_t upto = bad <= at ? 0 : bad - at > n ? n : (size_t)(bad - at);
    long line = r->raw_lines + 1 + count_lines(chunk, upto);
    ty_seterr(err, errlen, "%s:%ld: %s (read as %s%s)", r->path, line, why,
              r->encoding, how);
}

/* Check the new text of UTF-8 XML, up to the last whole character unless
 * the file has ended. 0, or TENYO_ERR_INPUT with "path:LINE: invalid UTF-8
 * at byte offset N" (N in the file) in err. */
static int check_text(tenyo_reader *r, char *err, size_t errlen) {
    const unsigned char *t = (const unsigned char *)r->text.p;
    size_t from = r->checked, end = r->text.len;
    if (!r->eof) {
        /* a character cut by the end of the chunk waits for the next */
        size_t k = end, back = 0;
        while (back < 3 && k > from && (t[k - 1] & 0xC0) == 0x80) k--, back++;
        if (k > from && t[k - 1] >= 0xC0) {
            size_t need = t[k - 1] >= 0xF0 ? 4 : t[k - 1] >= 0xE0 ? 3 : 2;
            if (end - (k - 1) < need) end = k - 1;
        }
    }
    size_t bad = 0;
    if (!ty_utf8_valid(r->text.p + from, end - from, &bad)) {
        long line = r->text_lines + 1 + count_lines(r->text.p, from + bad);
        ty_seterr(err, errlen, "%s:%ld: invalid UTF-8 at byte offset %llu",
                  r->path, line,
                  (unsigned long long)(r->text_off + from + bad + r->skip));
        return TENYO_ERR_INPUT;
    }
    r->checked = end;
    return TENYO_OK;
}

/* Read the next chunk of the file into r->raw (r->raw_len bytes, starting
 * at file offset r->raw_at); sets r->eof at the end of the file. */
static int read_chunk(tenyo_reader *r, char *err, size_t errlen) {
    size_t n;
    if (r->stop && r->stop(r->stop_ud)) {
        ty_seterr(err, errlen, "%s: reading stopped on request", r->path);
        return TENYO_ERR_STOPPED;
    }
    if (r->zin) {
        int eof = 0;
        int rc = ty_zin_read(r->zin, r->f, r->raw, CHUNK_BYTES, &n, &eof, r->path, err, errlen);
        if (rc) return rc;
        r->eof = eof;
        r->stats.bytes_read = ty_zin_consumed(r->zin); /* progress: of the file */
    } else {
        n = fread(r->raw, 1, CHUNK_BYTES, r->f);
        if (n < CHUNK_BYTES) {
            if (ferror(r->f)) {
                ty_seterr(err, errlen, "%s: cannot read: %s", r->path,
                          strerror(errno));
                return TENYO_ERR_IO;
            }
            r->eof = 1;
        }
        if (r->raw_end == 0 && ty_zin_is_frame(r->raw, n)) {
            /* a zstd-compressed file: what was read goes to the
             * decompressor first, the chunk is its output */
            int rc = ty_zin_new(r->raw, n, &r->zin);
            if (rc) {
                ty_seterr(err, errlen, "%s: out of memory for zstd", r->path);
                return rc;
            }
            r->eof = 0;
            return read_chunk(r, err, errlen);
        }
        r->stats.bytes_read += n;
    }
    r->raw_at = r->raw_end;
    r->raw_end += n;
    r->raw_len = n;
    if (r->max_bytes && r->raw_end > r->max_bytes) { /* a zstd bomb ends here */
        ty_seterr(err, errlen, "%s: more than %llu bytes%s", r->path,
                  (unsigned long long)r->max_bytes, r->zin ? " once decompressed" : "");
        return TENYO_ERR_LIMIT;
    }
    return TENYO_OK;
}

/* Append the raw chunk to r->text as UTF-8: converted (or, for UTF-8
 * input, copied without a leading byte-order mark), then checked when the
 * input is UTF-8 XML. */
static int take_chunk(tenyo_reader *r, char *err, size_t errlen) {
    const char *in = r->raw;
    size_t n = r->raw_len;
    if (r->raw_at == 0 && !r->conv && n >= 3 &&
        !memcmp(in, "\xEF\xBB\xBF", 3)) {
        r->skip = 3; /* UTF-8 byte-order mark */
        in += 3;
        n -= 3;
    }
    if (r->conv) {
        char why[256];
        int rc = ty_conv_run(r->conv, in, n, r->eof, &r->text, why, sizeof why);
        if (rc == TENYO_ERR_INPUT) {
            conv_error(r, in, n, r->raw_at, why, err, errlen);
            return rc;
        }
        if (rc) {
            ty_seterr(err, errlen, "%s: %s", r->path, why);
            return rc;
        }
        if (r->ascii_nl) r->raw_lines += count_lines(in, n);
    } else if (ty_buf_append(&r->text, in, n)) {
        ty_seterr(err, errlen, "%s: out of memory reading the file", r->path);
        return TENYO_ERR_NOMEM;
    }
    if (r->check_utf8) return check_text(r, err, errlen);
    return TENYO_OK;
}

/* Drop the text already given to the parser, then read and append the
 * next chunk of the file. */
static int refill(tenyo_reader *r, char *err, size_t errlen) {
    if (r->tpos) {
        if (r->check_utf8) r->text_lines += count_lines(r->text.p, r->tpos);
        r->text_off += r->tpos;
        memmove(r->text.p, r->text.p + r->tpos, r->text.len - r->tpos);
        r->text.len -= r->tpos;
        r->checked -= r->tpos;
        r->tpos = 0;
        r->text.p[r->text.len] = 0;
    }
    int rc = read_chunk(r, err, errlen);
    return rc ? rc : take_chunk(r, err, errlen);
}

/* Parsing has ended: give back the file, the buffers and the parser (the
 * queued records stay). */
static void finish(tenyo_reader *r) {
    r->done = 1;
    r->stats.skipped = r->env.bad;
    ty_parser_free(&r->parser);
    if (r->f) fclose(r->f);
    r->f = NULL;
    ty_zin_free(r->zin);
    r->zin = NULL;
    ty_conv_free(r->conv);
    r->conv = NULL;
    free(r->raw);
    r->raw = NULL;
    ty_buf_free(&r->text);
    r->tpos = r->checked = 0;
}

/* A fatal status: next() returns it after the records queued before. */
static void fail_with(tenyo_reader *r, int rc) {
    r->fatal = rc;
    if (!r->err[0]) ty_seterr(r->err, sizeof r->err, "%s: %s", r->path,
                              tenyo_strerror(rc));
    finish(r);
}

/* One step of the parse: give the parser the next slice of text, or read
 * the next chunk, or tell the parser the file has ended. */
static void pump(tenyo_reader *r) {
    size_t ready = r->check_utf8 ? r->checked : r->text.len;
    int rc;
    if (ready > r->tpos) {
        size_t n = ready - r->tpos;
        if (n > SLICE_BYTES) n = SLICE_BYTES;
        rc = ty_parser_feed(&r->parser, r->text.p + r->tpos, n, 0);
        r->tpos += n;
    } else if (!r->eof) {
        rc = refill(r, r->err, sizeof r->err);
        if (rc) {
            fail_with(r, rc);
            return;
        }
        return;
    } else {
        rc = ty_parser_feed(&r->parser, "", 0, 1);
        if (!rc) {
            finish(r);
            return;
        }
    }
    r->stats.skipped = r->env.bad;
    if (rc < 0) {
        if (r->env.err[0]) ty_seterr(r->err, sizeof r->err, "%s", r->env.err);
        fail_with(r, rc);
    }
}

/* ============================================================== public */

/* The charset of raw[0..rawlen) (more: the file goes on after it): given
 * (when not NULL), else detected from the first SAMPLE_BYTES: UTF-16 BOM,
 * ISO-2022-JP escapes, mostly UTF-8, an XML declaration, then ICU's
 * detector with a preference for Japanese charsets. 0, or
 * TENYO_ERR_DEPENDENCY when ICU cannot detect. */
static int pick_charset(const char *raw, size_t rawlen, int more,
                        const char *given, char *enc, size_t cap) {
    size_t sn = rawlen < SAMPLE_BYTES ? rawlen : SAMPLE_BYTES;
    int cut = sn < rawlen || more;
    if (given) {
        ty_seterr(enc, cap, "%s", given);
    } else if (sn >= 2 && (!memcmp(raw, "\xFF\xFE", 2) ||
                           !memcmp(raw, "\xFE\xFF", 2))) {
        /* UTF-16 byte-order mark: ICU's detector names the byte order */
        if (ty_charset_detect(raw, sn, enc, cap)) return TENYO_ERR_DEPENDENCY;
    } else if (memmem(raw, sn, "\x1b$B", 3) || memmem(raw, sn, "\x1b$@", 3)) {
        ty_seterr(enc, cap, "ISO-2022-JP");
    } else if (mostly_utf8(raw, sn, cut)) {
        ty_seterr(enc, cap, "UTF-8");
    } else if (xml_start(raw, sn)) {
        /* XML names its charset, UTF-8 when it does not (XML 1.0, 4.3.3) */
        if (!xml_declared(raw, sn, enc, cap)) ty_seterr(enc, cap, "UTF-8");
    } else {
        if (ty_charset_detect(raw, sn, enc, cap)) return TENYO_ERR_DEPENDENCY;
        ty_charset_prefer_japanese(raw, sn, cut, enc, cap);
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
    if (pick_charset(in ? in : "", len, 0, encoding, enc, sizeof enc)) {
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

/* A given encoding that detection disagrees with: what detection would
 * pick goes to r->detected, unless both read the sample to the same text
 * (plain ASCII read as Latin-9 is harmless). The reader still reads what
 * the caller asked for; the caller decides what a doubt means. */
static void doubt_encoding(tenyo_reader *r) {
    char det[64];
    if (pick_charset(r->raw, r->raw_len, !r->eof, NULL, det, sizeof det)) return;
    if (ty_charset_same(det, r->encoding)) return;
    size_t sn = r->raw_len < SAMPLE_BYTES ? r->raw_len : SAMPLE_BYTES;
    char *a = NULL, *b = NULL, e[64];
    size_t na = 0, nb = 0;
    int ra = ty_charset_to_utf8(r->encoding, r->raw, sn, &a, &na, e, sizeof e);
    int rb = ty_charset_to_utf8(det, r->raw, sn, &b, &nb, e, sizeof e);
    int same = !ra && !rb && na == nb && !memcmp(a, b, na);
    free(a);
    free(b);
    if (!same) ty_seterr(r->detected, sizeof r->detected, "%s", det);
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

    int rc = TENYO_ERR_NOMEM;
    tenyo_reader *r = ty_calloc(1, sizeof *r);
    if (!r || !(r->path = ty_strdup(path)) ||
        !(r->raw = ty_malloc(CHUNK_BYTES))) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    r->env.strict = o.strict ? 1 : 0;
    r->max_bytes = o.max_bytes;
    r->stop = o.stop;
    r->stop_ud = o.stop_ud;
    r->env.report = o.report;
    r->env.report_ud = o.report_ud;
    r->env.path = r->path;
    r->env.sink = queue_sink;
    r->env.ud = r;
    r->user_enc = o.encoding != NULL;
    if (!strcmp(path, "-")) { /* standard input, named so in messages */
        int fd = dup(0);
        r->f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (!r->f && fd >= 0) close(fd);
        free(r->path);
        if (!(r->path = ty_strdup("<stdin>"))) {
            ty_seterr(err, errlen, "%s: out of memory", path);
            goto fail;
        }
        r->env.path = r->path;
    } else {
        r->f = fopen(path, "rb");
    }
    if (!r->f) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = TENYO_ERR_IO;
        goto fail;
    }
    struct stat sb;
    if (!fstat(fileno(r->f), &sb) && S_ISREG(sb.st_mode))
        r->stats.bytes_total = (uint64_t)sb.st_size;

    /* the first chunk decides the charset (its first 64 KiB) */
    if ((rc = read_chunk(r, err, errlen))) goto fail;
    if (pick_charset(r->raw, r->raw_len, !r->eof, o.encoding, r->encoding,
                     sizeof r->encoding)) {
        ty_seterr(err, errlen, "%s: cannot detect the charset (ICU)", path);
        rc = TENYO_ERR_DEPENDENCY;
        goto fail;
    }
    if (o.encoding) doubt_encoding(r);
    if (!is_utf8_name(r->encoding)) {
        char msg[256];
        rc = ty_conv_open(r->encoding, &r->conv, msg, sizeof msg);
        if (rc == TENYO_ERR_DEPENDENCY && o.encoding) {
            ty_seterr(err, errlen, "%s: unknown encoding '%s'", path, o.encoding);
            rc = TENYO_ERR_ARG;
            goto fail;
        }
        if (rc) {
            ty_seterr(err, errlen, "%s: %s", path, msg);
            goto fail;
        }
        r->ascii_nl = ascii_lines(r->encoding);
    }
    if ((rc = take_chunk(r, err, errlen))) goto fail;

    /* format, from the first chunk */
    r->format = o.format;
    if (r->format == TENYO_FORMAT_AUTO) {
        r->format = detect_format(r->text.p ? r->text.p : "", r->text.len);
        if (r->format == TENYO_FORMAT_AUTO) {
            ty_seterr(err, errlen,
                      "%s: unknown input format (not JSON Lines, a J-PlatPat "
                      "CSV export or JPO gazette XML); name the format",
                      path);
            rc = TENYO_ERR_INPUT;
            goto fail;
        }
    }
    if (r->format == TENYO_FORMAT_JPO_XML && !r->conv) {
        /* expat would stop at the first bad byte anyway: say where */
        r->check_utf8 = 1;
        rc = check_text(r, err, errlen);
        if (rc) goto fail;
    }
    switch (r->format) {
    case TENYO_FORMAT_JSONL: rc = ty_parser_jsonl(&r->env, &r->parser); break;
    case TENYO_FORMAT_JPLATPAT:
        rc = ty_parser_jplatpat(&r->env, &r->parser);
        break;
    default: rc = ty_parser_jpoxml(&r->env, &r->parser); break;
    }
    if (rc) {
        ty_seterr(err, errlen, "%s", r->env.err);
        goto fail;
    }
    *out = r;
    return TENYO_OK;
fail:
    tenyo_reader_free(r);
    return rc;
}

int tenyo_reader_next(tenyo_reader *r, const tenyo_doc **doc) {
    if (!r || !doc) return TENYO_ERR_ARG;
    *doc = NULL;
    /* the record handed out last is no longer needed */
    if (r->next > 0 && r->next <= r->nq) ty_record_free(&r->queue[r->next - 1]);
    if (r->next >= r->nq) r->next = r->nq = 0;
    while (r->nq == 0 && !r->done) pump(r);
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
    d->numbers = S(q->numbers);
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

const char *tenyo_reader_detected(const tenyo_reader *r) {
    return r && r->detected[0] ? r->detected : NULL;
}

void ty_reader_select(tenyo_reader *r, ty_want_fn want, void *ud) {
    if (!r) return;
    r->env.want = want;
    r->env.want_ud = ud;
}

void tenyo_reader_stats(const tenyo_reader *r, tenyo_read_stats *st) {
    if (!st) return;
    memset(st, 0, sizeof *st);
    if (r) *st = r->stats;
}

void tenyo_reader_free(tenyo_reader *r) {
    if (!r) return;
    finish(r);
    for (size_t i = 0; i < r->nq; i++) ty_record_free(&r->queue[i]);
    free(r->queue);
    free(r->path);
    free(r);
}
