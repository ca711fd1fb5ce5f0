/*
 * io.h — the io layer (io/): records out of patent files.
 *
 * record.c    the record being assembled, bad-record reports, dates, codes
 * jsonl.c     JSON lines (jansson)
 * jplatpat.c  J-PlatPat CSV exports (libcsv)
 * jpoxml.c    JPO gazette XML (expat)
 * reader.c    tenyo_reader: file, charset (text layer), format detection,
 *             the parsers fed in pieces
 *
 * Below: util, text. Above: api (the builder is fed tenyo_docs).
 */
#ifndef TENYO_IO_H
#define TENYO_IO_H

#include "text/text.h"

#include <stdio.h>

/* ICU's charset guess name[cap] for the sample s[0..n) (cut: the sample
 * ends inside the file) replaced by EUC-JP or Shift_JIS when it is not a
 * Japanese or Unicode charset and the sample reads strictly as one of them
 * (reader.c: a short Japanese sample is often guessed Latin). */
void ty_charset_prefer_japanese(const char *s, size_t n, int cut, char *name, size_t cap);

/* A record being assembled by a format parser (io/). The parser fills the
 * ty_buf fields; reader.c validates and exposes it as a tenyo_doc. */
typedef struct ty_record {
    ty_buf id, title, abstract, claims, description, applicant, date, lang;
    ty_buf numbers;     /* other numbers of the document, '\n'-separated */
    char **codes;       /* classification codes (malloc'd strings) */
    size_t ncodes, capcodes;
    struct ty_strmap *codeset; /* the codes as a set, once there are many
                                  (NULL until then; freed by clear) */
    int open;           /* open / licensable flag */
    long line;          /* line or record number of the record start */
} ty_record;
void ty_record_clear(ty_record *r);  /* empty it, keep allocations */
void ty_record_free(ty_record *r);
int ty_record_add_code(ty_record *r, const char *code, size_t n);
/* Add s[0..n) (blanks around it dropped; nothing when empty or several
 * lines) to the record's other numbers. 0 or TENYO_ERR_NOMEM. */
int ty_record_add_number(ty_record *r, const char *s, size_t n);

/* Remove the gazette's display markup from s[0..n) in place and return the
 * new length (no NUL is written): J-PlatPat's line-break tags (<BR>, cut
 * into words at the display width, so removed without a space) and, for an
 * abstract, the lead-ins "(57)", "【要約】", "（修正有）" at its start and
 * the closing "【選択図】図７" line. */
size_t ty_clean_gazette_markup(char *s, size_t n, int abstract);

/* Normalize a date "YYYY-MM-DD", "YYYY/MM/DD" or "YYYYMMDD" in place to
 * YYYY-MM-DD; 0 ok, -1 when it is not a date (then left unchanged). */
int ty_date_normalize(ty_buf *date);

/* Record parsers. Each takes UTF-8 text (in pieces: ty_parser below; or
 * whole: ty_parse_*) and calls sink(ud, rec) for each good record,
 * report(...) for bad ones (with line or record number). They return
 * TENYO_OK, or a negative status when the sink asked to stop (nonzero
 * return) or the whole input is unusable. */
/* The sink may move the contents out of rec (leaving it zeroed); parsers
 * only ty_record_clear() it afterwards. Nonzero return stops the parse. */
typedef int (*ty_record_sink)(void *ud, ty_record *rec);
/* Which records a reader is to hand out, by the line (JSONL, CSV) or record
 * number (XML) a record starts at: nonzero to take it. A record not taken
 * is someone else's (tenyo-mpi: each process parses its own records only):
 * it is not handed out, and nothing about it is reported or counted, even
 * when it is bad (its taker reports it), nor does it stop a strict read.
 * The JSONL parser does not even look inside a line not taken (no UTF-8
 * check, no JSON: finding its end is the whole cost); the other formats
 * parse it and drop it. */
typedef int (*ty_want_fn)(void *ud, long line);
typedef struct ty_parse_env {
    const char *path;        /* file name for messages */
    ty_record_sink sink;     /* receives good records */
    void *ud;                /* sink's argument */
    tenyo_report_fn report;  /* receives bad records (may be NULL) */
    void *report_ud;
    uint64_t bad;            /* incremented per reported bad record */
    char err[TY_ERRLEN];     /* message when the whole input is unusable */
    int strict;              /* 1: the first bad record stops the parse */
    size_t max_record;       /* longest record in bytes; 0 = TY_MAX_RECORD
                                (tests set less) */
    ty_want_fn want;         /* NULL: every record; else only the records
                                starting at a line want() accepts (below) */
    void *want_ud;           /* want's argument */
} ty_parse_env;

/* Longest record accepted: bytes of one JSONL line, one CSV row or the text
 * of one gazette document. A longer one is a bad record ("record larger
 * than 16 MiB") and is skipped without ever being held whole. */
#define TY_MAX_RECORD ((size_t)16 << 20)
/* Report a bad record at line (io/record.c): counts env->bad and calls
 * env->report with the message; returns 0 to go on. In strict mode it puts
 * "path:line: message" in env->err instead and returns TENYO_ERR_INPUT (the
 * parser stops). */
int ty_parse_bad(ty_parse_env *env, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report a notable but kept record ("warning: ..."); not counted, never
 * fatal. */
void ty_parse_warn(ty_parse_env *env, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report the record at line as larger than env->max_record ("record
 * larger than 16 MiB"), as ty_parse_bad does. */
int ty_parse_too_big(ty_parse_env *env, long line);
/* Add the comma-separated codes of s[0..n) (each trimmed, empty ones and
 * repeats dropped) to r. A piece that starts with a digit continues
 * the code before it: J-PlatPat writes FI subdivisions as "B23K9/12,331@L". */
int ty_record_add_codes(ty_record *r, const char *s, size_t n);
/* Whole-text parsers: one incremental parser fed text[0..len) as its only
 * and final piece. */
int ty_parse_jsonl(ty_parse_env *env, const char *text, size_t len);
int ty_parse_jplatpat(ty_parse_env *env, const char *text, size_t len);
int ty_parse_jpoxml(ty_parse_env *env, const char *text, size_t len);

/* An incremental record parser (one per file): UTF-8 text is fed in pieces
 * cut anywhere (inside a line, a character, a tag); each record goes to
 * env->sink as soon as it is complete, so memory is bounded by the longest
 * record (env->max_record), not by the file. Line and record numbers and
 * every message are those the whole-text parse gives. */
typedef struct ty_parser {
    int (*feed)(void *impl, const char *text, size_t len, int final);
                             /* the format's feed (returns a status) */
    void (*free)(void *impl); /* the format's destructor */
    void *impl;              /* the format's state */
    int rc;                  /* status that ended the parse, 0 going on */
    int done;                /* the final piece has been fed */
} ty_parser;
/* 0: every JSON Lines record parsed by jansson alone (tests compare the
 * two parsers); 1, the default: by simdjson when it takes the line. */
extern int ty_jsonl_fast;
/* Set p up for one format; env must outlive p. 0 or TENYO_ERR_NOMEM (with
 * the message in env->err). */
int ty_parser_jsonl(ty_parse_env *env, ty_parser *p);
int ty_parser_jplatpat(ty_parse_env *env, ty_parser *p);
int ty_parser_jpoxml(ty_parse_env *env, ty_parser *p);
/* Feed text[0..len); final = 1 with the last piece (len may be 0). Returns
 * TENYO_OK, or the negative status that ended the parse (strict mode, an
 * unusable file, no memory, the sink); later calls return it again. */
int ty_parser_feed(ty_parser *p, const char *text, size_t len, int final);
/* Only the records starting at lines want(ud, line) takes (ty_want_fn);
 * call before the first tenyo_reader_next(). NULL: every record again. */
void ty_reader_select(tenyo_reader *r, ty_want_fn want, void *ud);
/* Free the format's state (not p itself); accepts a zeroed p. */
void ty_parser_free(ty_parser *p);

/* zstd-compressed input (io/zstdin.c). ty_zin_is_frame: 1 when the first
 * n bytes start a zstd frame. ty_zin_new: a decompressor that takes the
 * n bytes at head (already read from the file) first, then reads the
 * file. ty_zin_read: up to cap decompressed bytes into dst (*got; fewer
 * only at the end, *eof 1 then); a damaged or truncated stream is
 * TENYO_ERR_INPUT naming path and the compressed offset. ty_zin_consumed:
 * compressed bytes used so far. ty_zin_free accepts NULL. */
typedef struct ty_zin ty_zin;
int ty_zin_is_frame(const void *p, size_t n);
int ty_zin_new(const void *head, size_t n, ty_zin **out);
int ty_zin_read(ty_zin *z, FILE *f, void *dst, size_t cap, size_t *got, int *eof,
                const char *path, char *err, size_t errlen);
uint64_t ty_zin_consumed(const ty_zin *z);
void ty_zin_free(ty_zin *z);

#endif /* TENYO_IO_H */
