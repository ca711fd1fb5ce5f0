/*
 * jsonl.c — JSON Lines records (the jansson adapter; the only file of tenyo
 * that includes jansson.h).
 *
 * One object per physical line. The text is cut at '\n' (a '\r' before it is
 * dropped) and each line goes to json_loadb() on its own, so a broken line
 * costs exactly one record and its number is the physical line number: a
 * streaming JSON tokenizer over the whole file was rejected because it would
 * have to resynchronise after an error, and JSONL's whole point is that a line
 * is the unit of failure.
 *
 * The parser is incremental (ty_parser_jsonl): text comes in pieces cut
 * anywhere; a line wholly inside a piece is parsed in place and only a
 * line cut by a piece's end is copied. A line longer than env->max_record
 * (16 MiB) is reported as a bad record as soon as it passes the limit and
 * its bytes are dropped up to the next '\n', so memory stays bounded by
 * the limit whatever the file holds. ty_parse_jsonl() is the same parser
 * fed the whole text at once.
 *
 * Before jansson sees a line it is checked with ty_utf8_valid(): jansson
 * rejects invalid UTF-8 too, but only with "unable to decode byte", while the
 * user needs the byte column to find it. Blank lines are skipped silently.
 * A line that env->want does not take (io.h, ty_want_fn: tenyo-mpi's other
 * processes' records) is skipped at the same cost as a blank one: its end
 * found, nothing checked or parsed.
 *
 * Fields (unknown keys are ignored, JSON null counts as absent):
 *   id          also patent_id, doc_id, 文献番号 (first present wins);
 *               a string or a number, required
 *   title, abstract, description      strings
 *   claims      string, or an array of strings joined with '\n'
 *   ipc, fi, cpc   arrays of strings or one comma-separated string; all go
 *               into codes in that order, repeats dropped
 *   applicant   string, or an array joined with "; "
 *   date        also pub_date, publication_date, filing_date (first present
 *               wins); normalised to YYYY-MM-DD, an invalid one is a warning
 *               and left empty
 *   open        true/false, 1/0, "true"/"false", "1"/"0", "yes"/"no"
 *   lang        "ja" or "en"
 *   app_no, reg_no, pub_no, numbers   the document's other numbers
 *               (application, registration, publication): strings, or an
 *               array of strings for numbers
 * A field of the wrong type is a warning and dropped, not a bad record: the
 * record's text is still worth indexing. Bad records (skipped): invalid UTF-8,
 * broken JSON (jansson's message and character column), a key given twice in
 * one object (JSON_REJECT_DUPLICATES: "id":"A",...,"id":"B" is reported
 * with its line and the key, not the last kept silently), a value that is
 * not an object, no id, an id that is not a string or number.
 */
#include "io/io.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/* Keys accepted for the id, in order of preference. */
static const char *const id_keys[] = {"id", "patent_id", "doc_id", "文献番号"};
/* Keys accepted for the date, in order of preference. */
static const char *const date_keys[] = {"date", "pub_date", "publication_date",
                                        "filing_date"};
/* Keys whose values are classification codes, in the order they are added. */
static const char *const code_keys[] = {"ipc", "fi", "cpc"};

#define NKEYS(a) (sizeof(a) / sizeof *(a))

/* First non-null value among keys[] in obj, its key in *key; NULL if none. */
static json_t *first_of(json_t *obj, const char *const *keys, size_t n,
                        const char **key) {
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (v && !json_is_null(v)) {
            *key = keys[i];
            return v;
        }
    }
    return NULL;
}

/* Append the string value v (or, when sep is given, the strings of the array
 * v joined with sep) to b. A value of another type, or a non-string array
 * entry, is a warning naming the key. Returns 0 or TENYO_ERR_NOMEM. */
static int get_text(ty_parse_env *env, long line, json_t *obj, const char *key,
                    const char *sep, ty_buf *b) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return TENYO_OK;
    if (json_is_string(v))
        return ty_buf_append(b, json_string_value(v), json_string_length(v));
    if (sep && json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (json_is_null(e)) continue;
            if (!json_is_string(e)) {
                ty_parse_warn(env, line, "%s[%zu] is not a string, ignored",
                              key, i);
                continue;
            }
            if (b->len && ty_buf_append(b, sep, strlen(sep)))
                return TENYO_ERR_NOMEM;
            if (ty_buf_append(b, json_string_value(e), json_string_length(e)))
                return TENYO_ERR_NOMEM;
        }
        return TENYO_OK;
    }
    ty_parse_warn(env, line, "field \"%s\" is not a string%s, ignored", key,
                  sep ? " or an array of strings" : "");
    return TENYO_OK;
}

/* Add the codes under key (array of strings, or a comma-separated string). */
static int get_codes(ty_parse_env *env, long line, json_t *obj,
                     const char *key, ty_record *rec) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return TENYO_OK;
    if (json_is_string(v))
        return ty_record_add_codes(rec, json_string_value(v),
                                   json_string_length(v));
    if (!json_is_array(v)) {
        ty_parse_warn(env, line, "field \"%s\" is not a list of codes, ignored",
                      key);
        return TENYO_OK;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            if (!json_is_null(e))
                ty_parse_warn(env, line, "%s[%zu] is not a string, ignored",
                              key, i);
            continue;
        }
        int rc = ty_record_add_codes(rec, json_string_value(e),
                                     json_string_length(e));
        if (rc) return rc;
    }
    return TENYO_OK;
}

/* The id of obj into rec->id. 1 when present and usable, 0 when the record
 * is bad (reported; *rc holds the strict-mode status), <0 on OOM. */
static int get_id(ty_parse_env *env, long line, json_t *obj, ty_record *rec,
                  int *rc) {
    const char *key = NULL;
    json_t *v = first_of(obj, id_keys, NKEYS(id_keys), &key);
    char num[64];
    if (!v) {
        *rc = ty_parse_bad(env, line, "no id (keys id, patent_id, doc_id, "
                                      "文献番号)");
        return 0;
    }
    if (json_is_string(v)) {
        if (ty_buf_append(&rec->id, json_string_value(v), json_string_length(v)))
            return TENYO_ERR_NOMEM;
        return 1;
    }
    if (json_is_integer(v))
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
    else if (json_is_real(v))
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
    else {
        *rc = ty_parse_bad(env, line, "\"%s\" is not a string or a number",
                           key);
        return 0;
    }
    if (ty_buf_append(&rec->id, num, strlen(num))) return TENYO_ERR_NOMEM;
    return 1;
}

/* The open flag: 1/0, or -1 when the value is not understood. */
static int open_value(json_t *v) {
    if (json_is_boolean(v)) return json_is_true(v);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i == 0 || i == 1 ? (int)i : -1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"))
            return 1;
        if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
            !*s)
            return 0;
    }
    return -1;
}

/* Fill rec from the object obj of line `line`. Returns 1 when rec is a
 * record to hand to the sink, 0 when the record was bad (reported; *bad_rc
 * holds the strict-mode status), or a negative status. */
static int fill(ty_parse_env *env, long line, json_t *obj, ty_record *rec,
                int *bad_rc) {
    int rc = get_id(env, line, obj, rec, bad_rc);
    if (rc <= 0) return rc;
    if ((rc = get_text(env, line, obj, "title", NULL, &rec->title)) ||
        (rc = get_text(env, line, obj, "abstract", NULL, &rec->abstract)) ||
        (rc = get_text(env, line, obj, "claims", "\n", &rec->claims)) ||
        (rc = get_text(env, line, obj, "description", NULL,
                       &rec->description)) ||
        (rc = get_text(env, line, obj, "applicant", "; ", &rec->applicant)))
        return rc;
    for (size_t i = 0; i < NKEYS(code_keys); i++)
        if ((rc = get_codes(env, line, obj, code_keys[i], rec))) return rc;
    static const char *const num_keys[] = {"app_no", "reg_no", "pub_no", "numbers"};
    for (size_t i = 0; i < NKEYS(num_keys); i++) {
        json_t *nv = json_object_get(obj, num_keys[i]);
        size_t nn = json_is_array(nv) ? json_array_size(nv) : 1;
        for (size_t j = 0; j < nn; j++) {
            json_t *e = json_is_array(nv) ? json_array_get(nv, j) : nv;
            if (json_is_string(e) && strcmp(json_string_value(e), rec->id.p ? rec->id.p : "") &&
                ty_record_add_number(rec, json_string_value(e), json_string_length(e)))
                return TENYO_ERR_NOMEM;
        }
    }

    const char *key = NULL;
    json_t *v = first_of(obj, date_keys, NKEYS(date_keys), &key);
    if (v && json_is_string(v) && json_string_length(v)) {
        if (ty_buf_append(&rec->date, json_string_value(v),
                          json_string_length(v)))
            return TENYO_ERR_NOMEM;
        if (ty_date_normalize(&rec->date)) {
            ty_parse_warn(env, line, "\"%s\" is not a date: \"%.40s\", ignored",
                          key, json_string_value(v));
            rec->date.len = 0;
            rec->date.p[0] = 0;
        }
    } else if (v && !json_is_string(v)) {
        ty_parse_warn(env, line, "\"%s\" is not a string, ignored", key);
    }

    v = json_object_get(obj, "open");
    if (v && !json_is_null(v)) {
        int o = open_value(v);
        if (o < 0)
            ty_parse_warn(env, line, "\"open\" is not true or false, ignored");
        else
            rec->open = o;
    }

    v = json_object_get(obj, "lang");
    if (v && !json_is_null(v)) {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (s && (!strcmp(s, "ja") || !strcmp(s, "en"))) {
            if (ty_buf_append(&rec->lang, s, 2)) return TENYO_ERR_NOMEM;
        } else if (!s || *s) {
            ty_parse_warn(env, line, "\"lang\" is not \"ja\" or \"en\", ignored");
        }
    }
    return 1;
}

/* Name of a JSON value's type for messages. */
static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    default: return "not an object";
    }
}

/* Parse one non-blank line. Returns 0 to go on, or a negative status that
 * ends the parse (strict mode, OOM, sink stop). */
static int parse_line(ty_parse_env *env, ty_record *rec, const char *s,
                      size_t n, long line) {
    size_t badpos = 0;
    if (!ty_utf8_valid(s, n, &badpos))
        return ty_parse_bad(env, line, "invalid UTF-8 at byte column %zu",
                            badpos + 1);
    json_error_t jerr;
    json_t *obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj && json_error_code(&jerr) == json_error_duplicate_key) {
        /* jansson's text: "duplicate object key near '"id"'" */
        const char *k = strstr(jerr.text, "near ");
        return ty_parse_bad(env, line, "duplicate key %s at column %d: which value is "
                            "meant is unknown", k ? k + 5 : "(unnamed)", jerr.column);
    }
    if (!obj)
        return ty_parse_bad(env, line, "broken JSON at column %d: %s",
                            jerr.column, jerr.text);
    int rc = TENYO_OK;
    if (!json_is_object(obj)) {
        rc = ty_parse_bad(env, line, "not a JSON object (%s)", type_name(obj));
        goto out;
    }
    ty_record_clear(rec);
    rec->line = line;
    int bad_rc = TENYO_OK;
    int f = fill(env, line, obj, rec, &bad_rc);
    if (f < 0) {
        rc = f;
        ty_seterr(env->err, sizeof env->err, "%s:%ld: out of memory",
                  env->path ? env->path : "", line);
    } else if (f == 0) {
        rc = bad_rc;
    } else {
        rc = env->sink(env->ud, rec);
        if (rc > 0) rc = TENYO_ERR_INPUT;
    }
out:
    json_decref(obj);
    return rc;
}

/* ========================================================== incremental */

/* State of an incremental JSONL parse. */
typedef struct jsonl_state {
    ty_parse_env *env;   /* where records and reports go */
    ty_record rec;       /* record being filled (reused) */
    ty_buf part;         /* start of a line cut by the end of a piece */
    long line;           /* number of the line being read (1-based) */
    size_t max;          /* longest line accepted (bytes, without '\n') */
    int skipping;        /* the current line is over max: drop to '\n' */
} jsonl_state;

/* One complete line s[0..n) (without its '\n'), numbered st->line. */
static int take_line(jsonl_state *st, const char *s, size_t n) {
    if (n && s[n - 1] == '\r') n--;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
    if (i == n) return TENYO_OK; /* blank line */
    if (st->env->want && !st->env->want(st->env->want_ud, st->line))
        return TENYO_OK; /* another reader's line: not even looked into */
    return parse_line(st->env, &st->rec, s, n, st->line);
}

/* Feed text[0..len). Lines wholly inside the piece are parsed in place;
 * only a line cut by the end of the piece is copied (to st->part). A line
 * that grows past st->max is reported at once and its bytes are dropped up
 * to the next '\n', so no more than max bytes of it are ever held. */
static int jsonl_feed(void *impl, const char *text, size_t len, int final) {
    jsonl_state *st = impl;
    int rc = TENYO_OK;
    while (len && rc == TENYO_OK) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        if (st->skipping) {
            /* reported already: nothing of this line is kept */
        } else if (st->part.len + n > st->max) {
            st->skipping = 1;
            ty_buf_free(&st->part); /* give the memory back */
            rc = ty_parse_too_big(st->env, st->line);
        } else if (!nl) {
            if (ty_buf_append(&st->part, text, n)) rc = TENYO_ERR_NOMEM;
        } else if (st->part.len) {
            if (ty_buf_append(&st->part, text, n)) rc = TENYO_ERR_NOMEM;
            else rc = take_line(st, st->part.p, st->part.len);
            st->part.len = 0;
        } else {
            rc = take_line(st, text, n);
        }
        if (nl && rc == TENYO_OK) {
            st->line++;
            st->skipping = 0;
        }
        text += n + (nl ? 1 : 0);
        len -= n + (nl ? 1 : 0);
    }
    if (rc == TENYO_OK && final && st->part.len) {
        rc = take_line(st, st->part.p, st->part.len); /* no '\n' at the end */
        st->part.len = 0;
    }
    if (rc == TENYO_ERR_NOMEM && !st->env->err[0])
        ty_seterr(st->env->err, sizeof st->env->err, "%s:%ld: out of memory",
                  st->env->path ? st->env->path : "", st->line);
    return rc;
}

static void jsonl_free(void *impl) {
    jsonl_state *st = impl;
    if (!st) return;
    ty_record_free(&st->rec);
    ty_buf_free(&st->part);
    free(st);
}

int ty_parser_jsonl(ty_parse_env *env, ty_parser *p) {
    if (!env || !env->sink || !p) return TENYO_ERR_ARG;
    memset(p, 0, sizeof *p);
    jsonl_state *st = calloc(1, sizeof *st);
    if (!st) {
        ty_seterr(env->err, sizeof env->err, "%s: out of memory",
                  env->path ? env->path : "");
        return TENYO_ERR_NOMEM;
    }
    st->env = env;
    st->line = 1;
    st->max = env->max_record ? env->max_record : TY_MAX_RECORD;
    p->feed = jsonl_feed;
    p->free = jsonl_free;
    p->impl = st;
    return TENYO_OK;
}

/* Parse JSON Lines text[0..len) (UTF-8 expected, checked per line). */
int ty_parse_jsonl(ty_parse_env *env, const char *text, size_t len) {
    if (!env || !env->sink || (!text && len)) return TENYO_ERR_ARG;
    ty_parser p;
    int rc = ty_parser_jsonl(env, &p);
    if (rc) return rc;
    rc = ty_parser_feed(&p, text, len, 1);
    ty_parser_free(&p);
    return rc;
}
