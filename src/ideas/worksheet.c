/*
 * worksheet.c — an analyst's worksheet (tenyo_worksheet): what was decided
 * about one patent's list (or one company's, or one text's) across the
 * passes of a piece of work: the words struck, the focus, the cards kept
 * and rejected, in the order decided, each with the analyst's note and
 * the evidence ids the card showed when it was last seen.
 * It is the steer (steer.c) made to last: a run applies a worksheet's
 * decisions to a steer (tenyo_worksheet_apply), then records its own
 * (tenyo_worksheet_record) and the worksheet is saved back.
 *
 * The file is JSON (jansson), so that a person can read it, mail it and
 * put it under version control:
 *
 *   {"tenyo_worksheet": 1,
 *    "patent": "JP2024-127407A"        (or "company": NAME, or "text": TEXT)
 *    "strike": ["チップ", ...],
 *    "focus": [2, 3]                    (or "focus_text": "...")
 *    "cards": [{"field": "G06T", "decision": "kept" | "rejected",
 *               "note": "...", "evidence": ["ID", ...]}]}
 *
 * In memory the worksheet is that object, checked member by member when it
 * is read (tenyo_worksheet_parse) and kept in that shape by every call
 * that changes it. A file is untrusted input: at most WS_FILE_MAX bytes,
 * UTF-8 (jansson refuses invalid bytes and NUL), no member twice, no
 * member the format does not know, every value of its type and within its
 * bound (the steer's own: 255-byte words, 256 of each, sentence numbers 1
 * to 64, subclasses), a version this build knows; a refusal names the file
 * and the member ("cards[3].note: longer than 16384 bytes") or jansson's
 * line and column. What a run takes is checked where the file is read (one
 * card a field, the steer's bounds tried on a scratch steer), so the
 * server and Python save only what every run applies. Saving is atomic
 * (the store's temporary file, fsync, rename, fsync of the folder) and
 * follows the output rule of every command (tenyo_output_check: never an
 * index, a file of an update folder, a locked path; over a worksheet
 * only), through a symbolic link to its target. One writer at a time: a
 * read-change-save holds "<real path>.lock" (flock, like the index's
 * writer lock; the file is left, since removing a lock file races), and
 * the temporary files a killed writer left are removed under it.
 *
 * Rejected: the worksheet as members of the steer (a second serialiser for
 * the steer and a steer that knows files); a TSV (notes hold tabs and
 * newlines, and cards are records with lists in them).
 */
#include "stages.h"
#include "store/format.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WS_VERSION 1
#define WS_FILE_MAX TENYO_WORKSHEET_MAX /* bytes of a worksheet file (tenyo.h) */
#define WS_NOTE_MAX 16384       /* bytes of a note */
#define WS_SUBJECT_MAX 65536    /* bytes of a subject (a text may be long) */
#define WS_CARDS_MAX (2 * TY_STEER_MAX) /* cards: a steer's kept and rejected */
#define WS_LIST_MAX 256         /* struck words, evidence ids */
#define WS_WORD_MAX 255         /* bytes of a word, an id, a label */

struct tenyo_worksheet {
    json_t *o; /* the checked object (the format above) */
};

/* ============================================================ checks */

/* 0 when s holds a string of 1..max bytes (else the reason in why). */
static int str_ok(const json_t *s, size_t max, char *why, size_t n) {
    if (!json_is_string(s)) return snprintf(why, n, "must be a string"), -1;
    size_t l = json_string_length(s);
    if (!l || strspn(json_string_value(s), " \t\r\n") == l)
        return snprintf(why, n, "is empty"), -1;
    if (l > max) return snprintf(why, n, "longer than %zu bytes", max), -1;
    return 0;
}

/* 0 when a is an array of at most max strings of 1..len bytes. */
static int list_ok(const json_t *a, size_t max, size_t len, const char *name, char *why,
                   size_t n) {
    if (!json_is_array(a)) return snprintf(why, n, "%s: must be an array of strings", name), -1;
    if (json_array_size(a) > max)
        return snprintf(why, n, "%s: more than %zu entries", name, max), -1;
    size_t i;
    json_t *e;
    char w[96];
    json_array_foreach(a, i, e) if (str_ok(e, len, w, sizeof w))
        return snprintf(why, n, "%s[%zu]: %s", name, i, w), -1;
    return 0;
}

/* 0 when c is a card: field, decision, note?, label?, evidence?. */
static int card_ok(json_t *c, size_t at, char *why, size_t n) {
    char w[160];
    if (!json_is_object(c)) return snprintf(why, n, "cards[%zu]: must be an object", at), -1;
    const char *k;
    json_t *v;
    json_object_foreach(c, k, v) {
        if (!strcmp(k, "field")) {
            if (!json_is_string(v) || !ty_ideas_home_ok(json_string_value(v)))
                return snprintf(why, n, "cards[%zu].field: must be an IPC subclass (like A61B)", at), -1;
        } else if (!strcmp(k, "decision")) {
            const char *d = json_string_value(v);
            if (!d || (strcmp(d, "kept") && strcmp(d, "rejected")))
                return snprintf(why, n, "cards[%zu].decision: must be \"kept\" or \"rejected\"", at), -1;
        } else if (!strcmp(k, "note")) {
            if (!json_is_string(v)) return snprintf(why, n, "cards[%zu].note: must be a string", at), -1;
            if (json_string_length(v) > WS_NOTE_MAX)
                return snprintf(why, n, "cards[%zu].note: longer than %d bytes", at, WS_NOTE_MAX), -1;
        } else if (!strcmp(k, "evidence")) {
            snprintf(w, sizeof w, "cards[%zu].evidence", at);
            if (list_ok(v, TENYO_IDEA_EVIDENCE, WS_WORD_MAX, w, why, n)) return -1;
        } else {
            return snprintf(why, n, "cards[%zu]: unknown member '%.40s' (field, decision, note, "
                            "evidence)", at, k), -1;
        }
    }
    if (!json_object_get(c, "field") || !json_object_get(c, "decision"))
        return snprintf(why, n, "cards[%zu]: needs \"field\" and \"decision\"", at), -1;
    return 0;
}

/* 0 when f is a focus: sentence numbers 1..TY_STEER_SENTENCES. */
static int focus_ok(const json_t *f, char *why, size_t n) {
    if (!json_is_array(f) || !json_array_size(f) || json_array_size(f) > TY_STEER_SENTENCES)
        return snprintf(why, n, "focus: must be an array of 1 to 64 sentence numbers"), -1;
    size_t i;
    json_t *e;
    json_array_foreach(f, i, e) if (!json_is_integer(e) || json_integer_value(e) < 1 ||
                                    json_integer_value(e) > TY_STEER_SENTENCES)
        return snprintf(why, n, "focus[%zu]: must be a sentence number from 1 to 64", i), -1;
    return 0;
}

/* 0 when o's decisions go into a steer as they stand (else the reason in
 * why): what a run applies, checked where the file is read, so that a
 * worksheet saved (by the server, by Python) is one every run takes. A
 * field has one card (kept or rejected, not both); the steer's own bounds
 * (TY_STEER_MAX of a kind, a struck word that is a word once normalised)
 * are tried on a scratch steer. */
static int ws_steerable(json_t *o, char *why, size_t n) {
    size_t i, j;
    json_t *c, *d, *cards = json_object_get(o, "cards");
    json_array_foreach(cards, i, c) json_array_foreach(cards, j, d) {
        if (j >= i) break;
        const char *f = json_string_value(json_object_get(c, "field"));
        if (!strcasecmp(f, json_string_value(json_object_get(d, "field"))))
            return snprintf(why, n, "cards[%zu].field: %s has a card already (cards[%zu]); a "
                            "field is kept or rejected, not both", i, f, j), -1;
    }
    tenyo_steer *s = NULL;
    if (tenyo_steer_new(&s)) return snprintf(why, n, "out of memory"), -1;
    int rc = TENYO_OK;
    json_array_foreach(json_object_get(o, "strike"), i, c) if (!rc) {
        rc = tenyo_steer_strike(s, json_string_value(c));
        if (rc) snprintf(why, n, "strike[%zu]: no word once normalised", i);
    }
    json_array_foreach(cards, i, c) if (!rc) {
        const char *f = json_string_value(json_object_get(c, "field"));
        int kept = !strcmp(json_string_value(json_object_get(c, "decision")), "kept");
        rc = kept ? tenyo_steer_keep(s, f) : tenyo_steer_reject(s, f);
        if (rc) snprintf(why, n, "cards[%zu]: more than %d %s cards (a run steers by at most "
                         "that many of a kind)", i, TY_STEER_MAX, kept ? "kept" : "rejected");
    }
    tenyo_steer_free(s);
    return rc ? -1 : 0;
}

/* The subject members: exactly one of patent, company, text. */
static const char *const SUBJECTS[] = {"patent", "company", "text"};

/* 0 when o is a worksheet of this format (else the reason in why). */
static int ws_check(json_t *o, char *why, size_t n) {
    char w[160];
    if (!json_is_object(o)) return snprintf(why, n, "not a JSON object"), -1;
    json_t *ver = json_object_get(o, "tenyo_worksheet");
    if (!json_is_integer(ver) || json_integer_value(ver) < 1)
        return snprintf(why, n, "no \"tenyo_worksheet\": 1 (not a worksheet)"), -1;
    if (json_integer_value(ver) > WS_VERSION)
        return snprintf(why, n, "written by a newer tenyo (worksheet version %lld; this one "
                        "reads %d)", (long long)json_integer_value(ver), WS_VERSION), -1;
    int subjects = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int subj = !strcmp(k, "patent") || !strcmp(k, "company") || !strcmp(k, "text");
        if (!strcmp(k, "tenyo_worksheet")) continue;
        if (subj) {
            subjects++;
            if (str_ok(v, !strcmp(k, "text") ? WS_SUBJECT_MAX : 1024, w, sizeof w))
                return snprintf(why, n, "%s: %s", k, w), -1;
        } else if (!strcmp(k, "strike")) {
            if (list_ok(v, WS_LIST_MAX, WS_WORD_MAX, "strike", why, n)) return -1;
        } else if (!strcmp(k, "focus")) {
            if (focus_ok(v, why, n)) return -1;
        } else if (!strcmp(k, "focus_text")) {
            if (str_ok(v, 64u << 10, w, sizeof w)) return snprintf(why, n, "focus_text: %s", w), -1;
        } else if (!strcmp(k, "cards")) {
            if (!json_is_array(v)) return snprintf(why, n, "cards: must be an array"), -1;
            if (json_array_size(v) > WS_CARDS_MAX)
                return snprintf(why, n, "cards: more than %d", WS_CARDS_MAX), -1;
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c) if (card_ok(c, i, why, n)) return -1;
        } else {
            return snprintf(why, n, "unknown member '%.40s' (tenyo_worksheet, patent, company, "
                            "text, strike, focus, focus_text, cards)", k), -1;
        }
    }
    if (subjects != 1)
        return snprintf(why, n, "needs exactly one of \"patent\", \"company\", \"text\""), -1;
    if (json_object_get(o, "focus") && json_object_get(o, "focus_text"))
        return snprintf(why, n, "focus and focus_text: one or the other"), -1;
    return ws_steerable(o, why, n);
}

/* ============================================================ life */

int tenyo_worksheet_new(const char *kind, const char *subject, tenyo_worksheet **out) {
    if (out) *out = NULL;
    if (!kind || !subject || !out) return TENYO_ERR_ARG;
    int known = 0;
    for (int i = 0; i < 3; i++) known |= !strcmp(kind, SUBJECTS[i]);
    size_t bad, l = strlen(subject);
    if (!known || !l || l > WS_SUBJECT_MAX || !ty_utf8_valid(subject, l, &bad))
        return TENYO_ERR_ARG;
    tenyo_worksheet *w = ty_calloc(1, sizeof *w);
    json_t *o = json_pack("{s:i, s:s, s:[], s:[]}", "tenyo_worksheet", WS_VERSION, kind,
                          subject, "strike", "cards");
    if (!w || !o) {
        free(w);
        json_decref(o);
        return TENYO_ERR_NOMEM;
    }
    w->o = o;
    *out = w;
    return TENYO_OK;
}

void tenyo_worksheet_free(tenyo_worksheet *w) {
    if (!w) return;
    json_decref(w->o);
    free(w);
}

int tenyo_worksheet_parse(const char *json, size_t len, tenyo_worksheet **out, char *err,
                          size_t errlen) {
    if (out) *out = NULL;
    if (!json || !out) return TENYO_ERR_ARG;
    if (len > WS_FILE_MAX) {
        ty_seterr(err, errlen, "larger than %u bytes (a worksheet is at most that)", WS_FILE_MAX);
        return TENYO_ERR_LIMIT;
    }
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    char why[256];
    if (!o) {
        ty_seterr(err, errlen, "line %d, column %d: %s", je.line, je.column, je.text);
        return TENYO_ERR_INPUT;
    }
    if (ws_check(o, why, sizeof why)) {
        ty_seterr(err, errlen, "%s", why);
        json_decref(o);
        return TENYO_ERR_INPUT;
    }
    tenyo_worksheet *w = ty_calloc(1, sizeof *w);
    if (!w) {
        json_decref(o);
        return TENYO_ERR_NOMEM;
    }
    w->o = o;
    *out = w;
    return TENYO_OK;
}

int tenyo_worksheet_load(const char *path, tenyo_worksheet **out, char *err, size_t errlen) {
    if (out) *out = NULL;
    if (!path || !out) return TENYO_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return errno == ENOENT ? TENYO_ERR_NOTFOUND : TENYO_ERR_IO;
    }
    char *buf = ty_malloc(WS_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, WS_FILE_MAX + 1, f) : 0;
    int rd = buf && ferror(f) ? errno : 0;
    fclose(f);
    int rc = !buf ? TENYO_ERR_NOMEM : rd ? TENYO_ERR_IO : TENYO_OK;
    char why[400];
    snprintf(why, sizeof why, "cannot read: %s", strerror(rd));
    if (!rc) rc = tenyo_worksheet_parse(buf, n, out, why, sizeof why);
    if (rc) ty_seterr(err, errlen, "%s: %s", path, why);
    free(buf);
    return rc;
}

int tenyo_worksheet_json(const tenyo_worksheet *w, char **out) {
    if (out) *out = NULL;
    if (!w || !out) return TENYO_ERR_ARG;
    *out = json_dumps(w->o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    return *out ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* 0 when real path real may take a worksheet (else the reason in err,
 * named as path): the output rule every command follows
 * (tenyo_output_check: never an index, a manifest, a file of an update
 * directory, a directory, a locked path), and a file there already must be
 * a worksheet (a damaged one is the analyst's to repair or remove, never
 * replaced unseen). */
static int ws_writable(const char *path, const char *real, char *err, size_t errlen) {
    int rc = tenyo_output_check(path, NULL, TENYO_WRITE_FORCE, err, errlen);
    struct stat st;
    if (rc || stat(real, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return rc;
    tenyo_worksheet *old = NULL;
    char why[400];
    rc = tenyo_worksheet_load(real, &old, why, sizeof why);
    tenyo_worksheet_free(old);
    if (rc == TENYO_ERR_INPUT || rc == TENYO_ERR_LIMIT) {
        ty_seterr(err, errlen, "%s: exists and is not a worksheet (%s); refusing to overwrite "
                  "it (repair it or remove it first)", path, why);
        return TENYO_ERR_ARG;
    }
    if (rc) ty_seterr(err, errlen, "%s", why);
    return rc;
}

int tenyo_worksheet_save(const tenyo_worksheet *w, const char *path, char *err,
                         size_t errlen) {
    if (!w || !path) return TENYO_ERR_ARG;
    if (!*path) {
        ty_seterr(err, errlen, "an empty file name; name the worksheet's file");
        return TENYO_ERR_ARG;
    }
    char *text = NULL, *real = NULL;
    /* a symbolic link is written through: its target is the worksheet */
    int rc = ty_real_path(path, &real, err, errlen);
    if (!rc) rc = ws_writable(path, real, err, errlen);
    if (!rc && tenyo_worksheet_json(w, &text)) rc = TENYO_ERR_NOMEM;
    if (!rc) {
        /* the folder and the name: the store writes a file into a folder
         * (real is absolute: its folder is before the last slash) */
        char *slash = strrchr(real, '/');
        char *name = ty_strdup(slash + 1);
        if (slash == real) slash[1] = 0; /* "/ws.json" */
        else *slash = 0;
        size_t l = strlen(text);
        text[l] = '\n'; /* a file ends with a newline: dumps left room for the NUL */
        rc = name ? ty_store_write_atomic(real, name, text, l + 1, err, errlen)
                  : TENYO_ERR_NOMEM;
        free(name);
    }
    free(real);
    free(text);
    return rc;
}

/* ============================================================ lock */

int tenyo_worksheet_lock_take(const char *path, unsigned wait_ms, tenyo_lock **out,
                              char *err, size_t errlen) {
    if (out) *out = NULL;
    if (!path || !out) return TENYO_ERR_ARG;
    char *real = NULL;
    /* the rule first: no lock file is made where no worksheet may be */
    int rc = *path ? ty_real_path(path, &real, err, errlen) : TENYO_ERR_ARG;
    if (!*path) ty_seterr(err, errlen, "an empty file name; name the worksheet's file");
    if (!rc) rc = ws_writable(path, real, err, errlen);
    if (!rc) rc = ty_lock_take(path, real, wait_ms, "worksheet", out, err, errlen);
    free(real);
    return rc;
}

/* ============================================================ subject */

const char *tenyo_worksheet_subject(const tenyo_worksheet *w, const char **kind) {
    if (kind) *kind = NULL;
    if (!w) return NULL;
    for (int i = 0; i < 3; i++) {
        const char *s = json_string_value(json_object_get(w->o, SUBJECTS[i]));
        if (s) {
            if (kind) *kind = SUBJECTS[i];
            return s;
        }
    }
    return NULL;
}

int tenyo_worksheet_fits(const tenyo_worksheet *w, const tenyo_index *x, int64_t doc,
                         const char *text, char *err, size_t errlen) {
    if (!w || !x || (doc < 0 && !text)) return TENYO_ERR_ARG;
    const char *kind, *s = tenyo_worksheet_subject(w, &kind);
    tenyo_doc_meta dm;
    int isdoc = doc >= 0 && tenyo_index_doc(x, (uint64_t)doc, &dm) == TENYO_OK;
    if (!strcmp(kind, "patent") && isdoc && !strcmp(s, dm.id)) return TENYO_OK;
    if (!strcmp(kind, "text") && !isdoc && !strcmp(s, text)) return TENYO_OK;
    if (!strcmp(kind, "company") && (!isdoc || (dm.applicant && strcasestr(dm.applicant, s))))
        return TENYO_OK;
    if (!strcmp(kind, "company"))
        ty_seterr(err, errlen, "the worksheet is company %.200s's; patent %s is %.200s's", s,
                  dm.id, dm.applicant ? dm.applicant : "(no applicant)");
    else
        ty_seterr(err, errlen, "the worksheet is for %s %.200s, not for %s %.200s", kind, s,
                  isdoc ? "patent" : "this text", isdoc ? dm.id : "");
    return TENYO_ERR_MISMATCH;
}

/* ============================================================ decisions */

int tenyo_worksheet_apply(const tenyo_worksheet *w, tenyo_steer *s) {
    if (!w || !s) return TENYO_ERR_ARG;
    size_t i;
    json_t *e;
    int rc = TENYO_OK;
    json_array_foreach(json_object_get(w->o, "strike"), i, e) if (!rc)
        rc = tenyo_steer_strike(s, json_string_value(e));
    json_t *f = json_object_get(w->o, "focus");
    if (!rc && f) {
        char buf[512];
        size_t at = 0;
        json_array_foreach(f, i, e) at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%lld",
                                                           i ? "," : "",
                                                           (long long)json_integer_value(e));
        rc = tenyo_steer_focus(s, buf);
    }
    const char *ft = json_string_value(json_object_get(w->o, "focus_text"));
    if (!rc && ft) rc = tenyo_steer_focus_text(s, ft);
    json_array_foreach(json_object_get(w->o, "cards"), i, e) if (!rc) {
        const char *field = json_string_value(json_object_get(e, "field"));
        rc = !strcmp(json_string_value(json_object_get(e, "decision")), "kept")
                 ? tenyo_steer_keep(s, field)
                 : tenyo_steer_reject(s, field);
    }
    return rc;
}

/* The card of field (either case) in w, or NULL. */
static json_t *card_of(const tenyo_worksheet *w, const char *field) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(w->o, "cards"), i, e)
        if (!strcasecmp(json_string_value(json_object_get(e, "field")), field)) return e;
    return NULL;
}

/* Field's card in w set to decision d (appended when new): 0 or NOMEM. */
static int decide(tenyo_worksheet *w, const char *field, const char *d) {
    json_t *c = card_of(w, field);
    if (c) return json_object_set_new(c, "decision", json_string(d)) ? TENYO_ERR_NOMEM : TENYO_OK;
    json_t *cards = json_object_get(w->o, "cards");
    if (json_array_size(cards) >= WS_CARDS_MAX) return TENYO_ERR_LIMIT;
    c = json_pack("{s:s, s:s}", "field", field, "decision", d);
    return c && !json_array_append_new(cards, c) ? TENYO_OK : TENYO_ERR_NOMEM;
}

/* The steer's struck words and focus into w. */
static int record_words(tenyo_worksheet *w, const tenyo_steer *s) {
    json_t *st = json_object_get(w->o, "strike");
    if (!st) {
        st = json_array();
        if (json_object_set_new(w->o, "strike", st)) return TENYO_ERR_NOMEM;
    }
    for (size_t i = 0; i < tenyo_steer_count(s, TENYO_STEER_STRUCK); i++) {
        const char *word = tenyo_steer_item(s, TENYO_STEER_STRUCK, i);
        size_t j;
        json_t *e;
        int there = 0;
        json_array_foreach(st, j, e) there |= !strcmp(json_string_value(e), word);
        if (there) continue;
        if (json_array_size(st) >= WS_LIST_MAX) return TENYO_ERR_LIMIT;
        if (json_array_append_new(st, json_string(word))) return TENYO_ERR_NOMEM;
    }
    const char *ft = NULL;
    uint64_t bits = tenyo_steer_focus_get(s, &ft);
    if (bits) {
        json_t *a = json_array();
        for (int i = 0; i < 64; i++)
            if (bits & (1ull << i)) json_array_append_new(a, json_integer(i + 1));
        json_object_del(w->o, "focus_text");
        if (json_object_set_new(w->o, "focus", a)) return TENYO_ERR_NOMEM;
    } else if (ft) {
        json_object_del(w->o, "focus");
        if (json_object_set_new(w->o, "focus_text", json_string(ft))) return TENYO_ERR_NOMEM;
    }
    return TENYO_OK;
}

int tenyo_worksheet_record(tenyo_worksheet *w, const tenyo_steer *s, const tenyo_ctx *c,
                           const tenyo_idea *ideas, size_t n) {
    if (!w || !s || (n && (!c || !ideas))) return TENYO_ERR_ARG;
    int rc = record_words(w, s);
    for (int k = TENYO_STEER_KEPT; k <= TENYO_STEER_REJECTED && !rc; k++)
        for (size_t i = 0; i < tenyo_steer_count(s, k) && !rc; i++)
            rc = decide(w, tenyo_steer_item(s, k, i), k == TENYO_STEER_KEPT ? "kept" : "rejected");
    /* what a decided card showed this time: its evidence, by id */
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *card = card_of(w, ideas[i].code), *ev = json_array();
        for (int e = 0; card && e < ideas[i].nevidence; e++) {
            tenyo_doc_meta dm;
            if (!tenyo_index_doc(c->idx, ideas[i].evidence[e].doc, &dm) && dm.id && *dm.id &&
                strlen(dm.id) <= WS_WORD_MAX)
                json_array_append_new(ev, json_string(dm.id));
        }
        if (card && json_object_set_new(card, "evidence", ev)) rc = TENYO_ERR_NOMEM;
        else if (!card) json_decref(ev);
    }
    return rc;
}

int tenyo_worksheet_note(tenyo_worksheet *w, const char *field, const char *note) {
    if (!w || !field || !note) return TENYO_ERR_ARG;
    size_t l = strlen(note), bad;
    if (l > WS_NOTE_MAX || !ty_utf8_valid(note, l, &bad)) return TENYO_ERR_ARG;
    json_t *c = card_of(w, field);
    if (!c) return TENYO_ERR_NOTFOUND;
    if (!l) return json_object_del(c, "note"), TENYO_OK;
    return json_object_set_new(c, "note", json_string(note)) ? TENYO_ERR_NOMEM : TENYO_OK;
}

int tenyo_worksheet_card(const tenyo_worksheet *w, size_t i, const char **field,
                         const char **decision, const char **note) {
    if (field) *field = NULL;
    if (decision) *decision = NULL;
    if (note) *note = NULL;
    if (!w) return TENYO_ERR_ARG;
    json_t *c = json_array_get(json_object_get(w->o, "cards"), i);
    if (!c) return TENYO_ERR_NOTFOUND;
    if (field) *field = json_string_value(json_object_get(c, "field"));
    if (decision) *decision = json_string_value(json_object_get(c, "decision"));
    if (note) *note = json_string_value(json_object_get(c, "note"));
    return TENYO_OK;
}
