/*
 * jsonl.c — JSON Lines records (the jansson adapter; the only file of tenyo
 * that includes jansson.h).
 *
 * One object per physical line. The text is cut at '\n' (a '\r' before it is
 * dropped) and each line is parsed on its own, so a broken line costs
 * exactly one record and its number is the physical line number: a
 * streaming JSON tokenizer over the whole file was rejected because it would
 * have to resynchronise after an error, and JSONL's whole point is that a line
 * is the unit of failure. A line is parsed by simdjson (simdjson.cc) when it
 * takes it, else by json_loadb(); either fills the record's view (jview.h)
 * that fill() reads the fields from. simdjson leaves to jansson exactly the
 * lines jansson would refuse or read otherwise, so records, warnings and
 * messages are jansson's (simdjson.cc's opening comment).
 *
 * The parser is incremental (ty_parser_jsonl): text comes in pieces cut
 * anywhere; a line wholly inside a piece is parsed in place and only a
 * line cut by a piece's end is copied. A line longer than env->max_record
 * (16 MiB) is reported as a bad record as soon as it passes the limit and
 * its bytes are dropped up to the next '\n', so memory stays bounded by
 * the limit whatever the file holds: the view keeps the members fill
 * reads (ty_jview_read), so a line's other members, however many
 * elements their arrays hold, are parsed and dropped. ty_parse_jsonl() is the same parser
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

#include "io/jview.h"

#define NKEYS(a) (sizeof(a) / sizeof *(a))

int ty_jsonl_fast = 1;

/* First non-null value among keys[] in d, its key in *key; NULL if none. */
static const ty_jv *first_of(const ty_jdoc *d, const char *const *keys, size_t n,
                             const char **key) {
    for (size_t i = 0; i < n; i++) {
        const ty_jv *v = ty_jdoc_get(d, keys[i]);
        if (v && v->type != TY_JV_NULL) {
            *key = keys[i];
            return v;
        }
    }
    return NULL;
}

/* Append the string value under key (or, when sep is given, the strings of
 * an array there joined with sep) to b. A value of another type, or a
 * non-string array entry, is a warning naming the key. Returns 0 or
 * TENYO_ERR_NOMEM. */
static int get_text(ty_parse_env *env, long line, const ty_jdoc *d, const char *key,
                    const char *sep, ty_buf *b) {
    const ty_jv *v = ty_jdoc_get(d, key);
    if (!v || v->type == TY_JV_NULL) return TENYO_OK;
    if (v->type == TY_JV_STRING) return ty_buf_append(b, v->s, v->n);
    if (sep && v->type == TY_JV_ARRAY) {
        for (size_t i = 0; i < v->count; i++) {
            const ty_jv *e = &d->el[v->first + i];
            if (e->type == TY_JV_NULL) continue;
            if (e->type != TY_JV_STRING) {
                ty_parse_warn(env, line, "%s[%zu] is not a string, ignored",
                              key, i);
                continue;
            }
            if (b->len && ty_buf_append(b, sep, strlen(sep)))
                return TENYO_ERR_NOMEM;
            if (ty_buf_append(b, e->s, e->n)) return TENYO_ERR_NOMEM;
        }
        return TENYO_OK;
    }
    ty_parse_warn(env, line, "field \"%s\" is not a string%s, ignored", key,
                  sep ? " or an array of strings" : "");
    return TENYO_OK;
}

/* Add the codes under key (array of strings, or a comma-separated string). */
static int get_codes(ty_parse_env *env, long line, const ty_jdoc *d,
                     const char *key, ty_record *rec) {
    const ty_jv *v = ty_jdoc_get(d, key);
    if (!v || v->type == TY_JV_NULL) return TENYO_OK;
    if (v->type == TY_JV_STRING) return ty_record_add_codes(rec, v->s, v->n);
    if (v->type != TY_JV_ARRAY) {
        ty_parse_warn(env, line, "field \"%s\" is not a list of codes, ignored",
                      key);
        return TENYO_OK;
    }
    for (size_t i = 0; i < v->count; i++) {
        const ty_jv *e = &d->el[v->first + i];
        if (e->type != TY_JV_STRING) {
            if (e->type != TY_JV_NULL)
                ty_parse_warn(env, line, "%s[%zu] is not a string, ignored",
                              key, i);
            continue;
        }
        int rc = ty_record_add_codes(rec, e->s, e->n);
        if (rc) return rc;
    }
    return TENYO_OK;
}

/* The id of d into rec->id. 1 when present and usable, 0 when the record
 * is bad (reported; *rc holds the strict-mode status), <0 on OOM. */
static int get_id(ty_parse_env *env, long line, const ty_jdoc *d, ty_record *rec,
                  int *rc) {
    const char *key = NULL;
    const ty_jv *v = first_of(d, ty_jkeys_id, NKEYS(ty_jkeys_id), &key);
    char num[64];
    if (!v) {
        *rc = ty_parse_bad(env, line, "no id (keys id, patent_id, doc_id, "
                                      "文献番号)");
        return 0;
    }
    if (v->type == TY_JV_STRING) {
        if (ty_buf_append(&rec->id, v->s, v->n)) return TENYO_ERR_NOMEM;
        return 1;
    }
    if (v->type == TY_JV_INT)
        snprintf(num, sizeof num, "%lld", v->i);
    else if (v->type == TY_JV_REAL)
        snprintf(num, sizeof num, "%.17g", v->r);
    else {
        *rc = ty_parse_bad(env, line, "\"%s\" is not a string or a number",
                           key);
        return 0;
    }
    if (ty_buf_append(&rec->id, num, strlen(num))) return TENYO_ERR_NOMEM;
    return 1;
}

/* The open flag: 1/0, or -1 when the value is not understood. */
static int open_value(const ty_jv *v) {
    if (v->type == TY_JV_TRUE || v->type == TY_JV_FALSE) return v->type == TY_JV_TRUE;
    if (v->type == TY_JV_INT) return v->i == 0 || v->i == 1 ? (int)v->i : -1;
    if (v->type == TY_JV_STRING) {
        const char *s = v->s;
        if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"))
            return 1;
        if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
            !*s)
            return 0;
    }
    return -1;
}

/* The document's other numbers (app_no, reg_no, pub_no, numbers: a string
 * or an array of strings; the id itself left out) into rec. 0 or NOMEM. */
static int get_numbers(const ty_jdoc *d, ty_record *rec) {
    static const char *const num_keys[] = {"app_no", "reg_no", "pub_no", "numbers"};
    for (size_t i = 0; i < NKEYS(num_keys); i++) {
        const ty_jv *nv = ty_jdoc_get(d, num_keys[i]);
        if (!nv) continue;
        int arr = nv->type == TY_JV_ARRAY;
        size_t nn = arr ? nv->count : 1;
        for (size_t j = 0; j < nn; j++) {
            const ty_jv *e = arr ? &d->el[nv->first + j] : nv;
            if (e->type == TY_JV_STRING && strcmp(e->s, rec->id.p ? rec->id.p : "") &&
                ty_record_add_number(rec, e->s, e->n))
                return TENYO_ERR_NOMEM;
        }
    }
    return TENYO_OK;
}

/* Fill rec from the record d of line `line`. Returns 1 when rec is a
 * record to hand to the sink, 0 when the record was bad (reported; *bad_rc
 * holds the strict-mode status), or a negative status. */
static int fill(ty_parse_env *env, long line, const ty_jdoc *d, ty_record *rec,
                int *bad_rc) {
    int rc = get_id(env, line, d, rec, bad_rc);
    if (rc <= 0) return rc;
    if ((rc = get_text(env, line, d, "title", NULL, &rec->title)) ||
        (rc = get_text(env, line, d, "abstract", NULL, &rec->abstract)) ||
        (rc = get_text(env, line, d, "claims", "\n", &rec->claims)) ||
        (rc = get_text(env, line, d, "description", NULL,
                       &rec->description)) ||
        (rc = get_text(env, line, d, "applicant", "; ", &rec->applicant)))
        return rc;
    for (size_t i = 0; i < NKEYS(ty_jkeys_code); i++)
        if ((rc = get_codes(env, line, d, ty_jkeys_code[i], rec))) return rc;
    if ((rc = get_numbers(d, rec))) return rc;

    const char *key = NULL;
    const ty_jv *v = first_of(d, ty_jkeys_date, NKEYS(ty_jkeys_date), &key);
    if (v && v->type == TY_JV_STRING && v->n) {
        if (ty_buf_append(&rec->date, v->s, v->n)) return TENYO_ERR_NOMEM;
        if (ty_date_normalize(&rec->date)) {
            ty_parse_warn(env, line, "\"%s\" is not a date: \"%.40s\", ignored",
                          key, v->s);
            rec->date.len = 0;
            rec->date.p[0] = 0;
        }
    } else if (v && v->type != TY_JV_STRING) {
        ty_parse_warn(env, line, "\"%s\" is not a string, ignored", key);
    }

    v = ty_jdoc_get(d, "open");
    if (v && v->type != TY_JV_NULL) {
        int o = open_value(v);
        if (o < 0)
            ty_parse_warn(env, line, "\"open\" is not true or false, ignored");
        else
            rec->open = o;
    }

    v = ty_jdoc_get(d, "lang");
    if (v && v->type != TY_JV_NULL) {
        const char *s = v->type == TY_JV_STRING ? v->s : NULL;
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

/* jansson's value v into the view's v (arrays and objects typed only). */
static void jv_of(json_t *j, ty_jv *v) {
    switch (json_typeof(j)) {
    case JSON_NULL: v->type = TY_JV_NULL; break;
    case JSON_TRUE: v->type = TY_JV_TRUE; break;
    case JSON_FALSE: v->type = TY_JV_FALSE; break;
    case JSON_INTEGER: v->type = TY_JV_INT; v->i = (long long)json_integer_value(j); break;
    case JSON_REAL: v->type = TY_JV_REAL; v->r = json_real_value(j); break;
    case JSON_STRING:
        v->type = TY_JV_STRING;
        v->s = json_string_value(j);
        v->n = json_string_length(j);
        break;
    case JSON_ARRAY: v->type = TY_JV_ARRAY; break;
    default: v->type = TY_JV_OBJECT; break;
    }
}

/* jansson's object obj into the view d (its strings borrowed from obj).
 * 0 or NOMEM. */
static int view_of(json_t *obj, ty_jdoc *d) {
    ty_jdoc_clear(d);
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        if (!ty_jview_read(key)) continue; /* never read: not kept */
        ty_jmember *m = ty_jdoc_member(d);
        if (!m) return TENYO_ERR_NOMEM;
        m->key = key;
        jv_of(val, &m->v);
        if (m->v.type != TY_JV_ARRAY) continue;
        m->v.first = d->nel;
        size_t i;
        json_t *e;
        json_array_foreach(val, i, e) {
            ty_jv *v = ty_jdoc_element(d);
            if (!v) return TENYO_ERR_NOMEM;
            jv_of(e, v);
            m->v.count++;
        }
    }
    return TENYO_OK;
}

/* The line s[0..n) into the view d: by simdjson when it takes the line
 * (fast, NULL: jansson only), else by jansson (*obj then holds the parse,
 * for the caller to release after reading d). 1 with d filled, 0 when the
 * line was bad (reported; *rc its strict-mode status), or NOMEM. */
static int parse_view(ty_parse_env *env, ty_jfast *fast, ty_jdoc *d, const char *s,
                      size_t n, long line, json_t **obj, int *rc) {
    int took = fast ? ty_jfast_parse(fast, s, n, d) : 0;
    if (took) return took;
    json_error_t jerr;
    *obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!*obj && json_error_code(&jerr) == json_error_duplicate_key) {
        /* jansson's text: "duplicate object key near '"id"'" */
        const char *k = strstr(jerr.text, "near ");
        *rc = ty_parse_bad(env, line, "duplicate key %s at column %d: which value is "
                           "meant is unknown", k ? k + 5 : "(unnamed)", jerr.column);
        return 0;
    }
    if (!*obj) {
        *rc = ty_parse_bad(env, line, "broken JSON at column %d: %s", jerr.column,
                           jerr.text);
        return 0;
    }
    if (!json_is_object(*obj)) {
        *rc = ty_parse_bad(env, line, "not a JSON object (%s)", type_name(*obj));
        return 0;
    }
    return view_of(*obj, d) ? TENYO_ERR_NOMEM : 1;
}

/* Parse one non-blank line. Returns 0 to go on, or a negative status that
 * ends the parse (strict mode, OOM, sink stop). */
static int parse_line(ty_parse_env *env, ty_jfast *fast, ty_jdoc *d, ty_record *rec,
                      const char *s, size_t n, long line) {
    size_t badpos = 0;
    if (!ty_utf8_valid(s, n, &badpos))
        return ty_parse_bad(env, line, "invalid UTF-8 at byte column %zu",
                            badpos + 1);
    json_t *obj = NULL;
    int rc = TENYO_OK, bad_rc = TENYO_OK;
    int f = parse_view(env, fast, d, s, n, line, &obj, &rc);
    if (f > 0) {
        ty_record_clear(rec);
        rec->line = line;
        f = fill(env, line, d, rec, &bad_rc);
        if (f == 0) rc = bad_rc;
    }
    if (f < 0) {
        rc = f;
        ty_seterr(env->err, sizeof env->err, "%s:%ld: out of memory",
                  env->path ? env->path : "", line);
    } else if (f > 0) {
        rc = env->sink(env->ud, rec);
        if (rc > 0) rc = TENYO_ERR_INPUT;
    }
    json_decref(obj);
    return rc;
}

/* ========================================================== incremental */

/* State of an incremental JSONL parse. */
typedef struct jsonl_state {
    ty_parse_env *env;   /* where records and reports go */
    ty_record rec;       /* record being filled (reused) */
    ty_buf part;         /* start of a line cut by the end of a piece */
    ty_jfast *fast;      /* simdjson's parser (NULL: jansson alone) */
    ty_jdoc doc;         /* the line's record as read (reused) */
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
    return parse_line(st->env, st->fast, &st->doc, &st->rec, s, n, st->line);
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
    ty_jfast_free(st->fast);
    ty_jdoc_free(&st->doc);
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
    st->fast = ty_jsonl_fast ? ty_jfast_new() : NULL; /* NULL: every line by jansson */
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
