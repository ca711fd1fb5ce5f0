/*
 * ideas_ws.c — `tenyo ideas ... --worksheet FILE`: one pass of an
 * analyst's work on a worksheet (the library's tenyo_worksheet). The file
 * is read (a new one is started when it does not exist, for the query's
 * patent or text), refused with its reason when it is damaged or for
 * another subject, and nothing is written then; its decisions are applied
 * first and this run's flags after them (a field kept on the command line
 * that the worksheet rejected is kept: the later decision wins); the list
 * is made; this run's decisions and the notes of --note FIELD=TEXT are
 * recorded, and the worksheet is saved back atomically. Each card of the
 * answer carries its note ("note"). With --html the report is made from
 * the kept cards alone, with their notes: the page an analyst hands over.
 *
 * One writer at a time: the run holds the worksheet's lock
 * (tenyo_worksheet_lock_take) from its read to its save, so two runs on one
 * file queue (the second waits up to CLI_WS_WAIT_MS, then is refused)
 * and neither loses the other's decisions. The file must pass the output
 * rule (never an index or a file of its update folder); a symbolic link is
 * written through to its target.
 *
 * The CLI sees only tenyo.h: the worksheet's format, checks and atomic
 * write are the library's (src/ideas/worksheet.c), shared with the server
 * and the Python binding.
 *
 * Who calls whom: called by serve/serve_api.c, serve/serve_ws.c,
 * cli/cmd_ideas.c; calls render.c, say.c and the library (tenyo.h).
 */
#include "views.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_ws_key(const char *kind, const char *subject, char *key) {
    size_t at = (size_t)snprintf(key, 16, "%s-", kind), n = strlen(subject);
    for (size_t i = 0; i < n && at < CLI_WS_KEY_MAX; i++) {
        unsigned char ch = (unsigned char)subject[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_')
            key[at++] = (char)ch;
        else
            at += (size_t)snprintf(key + at, 4, ".%02X", ch);
    }
    key[at] = 0;
    if (at >= CLI_WS_KEY_MAX) { /* long (a text): its FNV-1a hash */
        unsigned long long h = 1469598103934665603ull;
        for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)subject[i]) * 1099511628211ull;
        snprintf(key, CLI_WS_KEY_MAX + 32, "%s-h%016llx", kind, h);
    }
}

/* 0 when a new worksheet of kind/subject may be started at path; else -1
 * after a message: path is in the index's INDEX.worksheets folder (the
 * server's, where the page looks a subject's sheet up by its name) under
 * a name the page would never find, which would start an empty sheet
 * beside the page's own. */
static int ws_new_name_ok(const char *path, const char *index, const char *kind,
                          const char *subject) {
    if (!index) return 0;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    char *rd = dir ? realpath(dir, NULL) : NULL, *ri = realpath(index, NULL);
    int bad = 0;
    if (rd && ri) {
        size_t n = strlen(ri);
        bad = !strncmp(rd, ri, n) && !strcmp(rd + n, ".worksheets");
    }
    char key[CLI_WS_KEY_MAX + 32], want[CLI_WS_KEY_MAX + 40];
    cli_ws_key(kind, subject, key);
    snprintf(want, sizeof want, "%s.json", key);
    if (bad && strcmp(slash ? slash + 1 : path, want)) {
        cli_err("%s: no such worksheet; the page keeps the worksheet of this %s in %s/%s (its "
                "name is the %s with every byte outside A-Z, a-z, 0-9, '_' and '-' written as "
                ".XX); give that file, or a file outside that folder for a sheet of your own\n",
                path, kind, dir, want, kind);
    } else {
        bad = 0;
    }
    free(dir);
    free(rd);
    free(ri);
    return bad ? -1 : 0;
}

/* The subject of a new worksheet for the query: the patent's id, or the
 * text; the kind into *kind. */
static const char *ws_subject(const tenyo_index *x, int64_t qdoc, const char *text,
                              const char **kind) {
    tenyo_doc_meta dm;
    int pat = qdoc >= 0 && tenyo_index_doc(x, (uint64_t)qdoc, &dm) == TENYO_OK;
    *kind = pat ? "patent" : "text";
    return pat ? dm.id : text ? text : "";
}

/* The worksheet of the query: path read, or a new one for the query when
 * there is no file (said); NULL after a message (*ec set). */
static tenyo_worksheet *ws_open(const char *path, const tenyo_index *x, int64_t qdoc,
                                const char *text, int *ec) {
    char err[512];
    tenyo_worksheet *w = NULL;
    int rc = tenyo_worksheet_load(path, &w, err, sizeof err);
    if (rc == TENYO_ERR_NOTFOUND) {
        const char *kind, *subject = ws_subject(x, qdoc, text, &kind);
        rc = tenyo_worksheet_new(kind, subject, &w);
        if (!rc) cli_err("worksheet %s: no such file yet, a new one started\n", path);
        snprintf(err, sizeof err, "%s: cannot start a worksheet for this query", path);
    }
    if (rc) {
        cli_err("%s (the file is left as it was)\n", err);
        *ec = rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        return NULL;
    }
    if (tenyo_worksheet_fits(w, x, qdoc, text, err, sizeof err)) {
        cli_err("%s: %s (the file is left as it was)\n", path, err);
        tenyo_worksheet_free(w);
        *ec = EXIT_INPUT;
        return NULL;
    }
    return w;
}

/* The decisions of from added to to (this run's after the worksheet's). */
static int steer_add(tenyo_steer *to, const tenyo_steer *from) {
    int rc = TENYO_OK;
    for (size_t i = 0; from && i < tenyo_steer_count(from, TENYO_STEER_STRUCK) && !rc; i++)
        rc = tenyo_steer_strike(to, tenyo_steer_item(from, TENYO_STEER_STRUCK, i));
    for (size_t i = 0; from && i < tenyo_steer_count(from, TENYO_STEER_KEPT) && !rc; i++)
        rc = tenyo_steer_keep(to, tenyo_steer_item(from, TENYO_STEER_KEPT, i));
    for (size_t i = 0; from && i < tenyo_steer_count(from, TENYO_STEER_REJECTED) && !rc; i++)
        rc = tenyo_steer_reject(to, tenyo_steer_item(from, TENYO_STEER_REJECTED, i));
    const char *ft = NULL;
    uint64_t bits = from ? tenyo_steer_focus_get(from, &ft) : 0;
    if (!rc && bits) {
        char buf[512];
        size_t at = 0;
        for (int i = 0; i < 64; i++)
            if (bits & (1ull << i))
                at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%d", at ? "," : "", i + 1);
        rc = tenyo_steer_focus(to, buf);
    } else if (!rc && ft) {
        rc = tenyo_steer_focus_text(to, ft);
    }
    return rc;
}

/* --note FIELD=TEXT, each, on w's cards: 0, or -1 after a message. */
static int ws_notes(tenyo_worksheet *w, char *const *notes, int nnotes) {
    for (int i = 0; i < nnotes; i++) {
        const char *eq = strchr(notes[i], '=');
        char field[16];
        size_t fl = eq ? (size_t)(eq - notes[i]) : 0;
        if (!eq || fl == 0 || fl >= sizeof field) {
            cli_err("--note must be FIELD=TEXT (like G06T=inspection of cast parts), not '%s'\n",
                    notes[i]);
            return -1;
        }
        memcpy(field, notes[i], fl);
        field[fl] = 0;
        int rc = tenyo_worksheet_note(w, field, eq + 1);
        if (rc == TENYO_ERR_NOTFOUND)
            cli_err("--note: %s is no card of the worksheet (keep or reject it first)\n", field);
        else if (rc)
            cli_err("--note for %s: at most 16 KiB of UTF-8 text\n", field);
        if (rc) return -1;
    }
    return 0;
}

void cli_ideas_ws_mark(json_t *o, const tenyo_worksheet *w, int kept_only) {
    json_t *ideas = json_object_get(o, "ideas"), *keep = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(ideas, i, it) {
        const char *f, *d, *note;
        int kept = 0;
        for (size_t k = 0; tenyo_worksheet_card(w, k, &f, &d, &note) == TENYO_OK; k++)
            if (!strcmp(f, cli_jstr(it, "field"))) {
                if (note) json_object_set_new(it, "note", json_string(note));
                kept = !strcmp(d, "kept");
            }
        if (kept) json_array_append(keep, it);
    }
    if (kept_only && json_array_size(keep)) {
        json_object_set(o, "ideas", keep);
        /* the notes that count cards count these: "N rest on one patent" */
        json_t *warns = json_object_get(o, "warnings");
        for (size_t k = json_array_size(warns); k-- > 0;) {
            json_t *wv = json_array_get(warns, k);
            if (strcmp(cli_jstr(wv, "code"), "one_patent")) continue;
            int ja = (unsigned char)cli_jstr(wv, "message")[0] >= 0x80, one = 0;
            json_t *c, *u;
            size_t j, q;
            json_array_foreach(keep, j, c) json_array_foreach(json_object_get(c, "cautions"), q, u)
                one += !strcmp(json_string_value(u) ? json_string_value(u) : "", "one_patent");
            if (one) {
                char msg[160];
                snprintf(msg, sizeof msg, ja ? "示した提案のうち %d 件は根拠特許が 1 件だけです"
                                             : "%d of the proposals shown rest on one patent only", one);
                json_object_set_new(wv, "message", json_string(msg));
            } else
                json_array_remove(warns, k);
        }
    }
    json_decref(keep);
}

void cli_ideas_ws_report(json_t *o, const tenyo_worksheet *w) {
    cli_ideas_ws_mark(o, w, 0);
    json_t *ws = json_object(), *kept = json_array(), *rej = json_array(), *st = json_array();
    const char *f, *d, *note;
    for (size_t k = 0; tenyo_worksheet_card(w, k, &f, &d, &note) == TENYO_OK; k++) {
        if (!strcmp(d, "kept")) {
            json_array_append_new(kept, json_string(f));
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(o, "ideas"), i, it)
                if (!strcmp(f, cli_jstr(it, "field")))
                    json_object_set_new(it, "decision", json_string("kept"));
        } else {
            json_t *r = json_object();
            json_object_set_new(r, "field", json_string(f));
            if (note) json_object_set_new(r, "note", json_string(note));
            json_array_append_new(rej, r);
        }
    }
    tenyo_steer *s = NULL;
    if (!tenyo_steer_new(&s) && !tenyo_worksheet_apply(w, s)) {
        for (size_t i = 0; i < tenyo_steer_count(s, TENYO_STEER_STRUCK); i++)
            json_array_append_new(st, json_string(tenyo_steer_item(s, TENYO_STEER_STRUCK, i)));
        const char *ft = NULL;
        uint64_t bits = tenyo_steer_focus_get(s, &ft);
        char buf[256];
        size_t at = 0;
        for (int i = 0; i < 64 && at + 4 < sizeof buf; i++)
            if (bits & (1ull << i))
                at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%d", at ? "," : "", i + 1);
        if (at) json_object_set_new(ws, "focus", json_string(buf));
        else if (ft) json_object_set_new(ws, "focus_text", json_string(ft));
    }
    tenyo_steer_free(s);
    json_object_set_new(ws, "kept", kept);
    json_object_set_new(ws, "rejected", rej);
    json_object_set_new(ws, "strike", st);
    json_object_set_new(o, "worksheet", ws);
}

/* Kept cards of w. */
static size_t ws_kept(const tenyo_worksheet *w) {
    const char *f, *d;
    size_t n = 0;
    for (size_t k = 0; tenyo_worksheet_card(w, k, &f, &d, NULL) == TENYO_OK; k++)
        n += !strcmp(d, "kept");
    return n;
}

int cli_ideas_worksheet(const cli_ws_run *r, json_t **out) {
    int ec = EXIT_OK;
    *out = NULL;
    char err[512];
    tenyo_lock *lk = NULL;
    const char *kind, *subject = ws_subject(r->x, r->qdoc, r->text, &kind);
    /* before the lock, whose file would be left beside the refused name */
    if (access(r->path, F_OK) && errno == ENOENT && ws_new_name_ok(r->path, r->index, kind, subject))
        return EXIT_USAGE;
    int rc = tenyo_worksheet_lock_take(r->path, CLI_WS_WAIT_MS, &lk, err, sizeof err);
    if (rc) {
        cli_err("--worksheet: %s (the file is left as it was)\n", err);
        return rc == TENYO_ERR_NOMEM || rc == TENYO_ERR_BUSY ? EXIT_RESOURCE : EXIT_INPUT;
    }
    tenyo_worksheet *w = ws_open(r->path, r->x, r->qdoc, r->text, &ec);
    if (!w) {
        tenyo_lock_free(lk);
        return ec;
    }
    tenyo_steer *s = NULL;
    rc = tenyo_steer_new(&s);
    if (!rc) rc = tenyo_worksheet_apply(w, s);
    if (!rc) rc = steer_add(s, r->flags);
    tenyo_idea ideas[CLI_IDEAS_MAX];
    size_t n = r->n, kept = ws_kept(w);
    if (r->html && kept > n) n = kept < CLI_IDEAS_MAX ? kept : CLI_IDEAS_MAX;
    tenyo_ideas_opts po = *r->io;
    size_t pool = tenyo_ideas_pool(&po, n);
    int got = rc;
    if (!rc) {
        tenyo_ctx_set_steer(r->ctx, s);
        got = r->qdoc >= 0 ? tenyo_ideas_doc(r->ctx, (uint64_t)r->qdoc, &po, pool, ideas)
                           : tenyo_ideas_text(r->ctx, r->text, r->len, &po, pool, ideas);
    }
    if (rc) {
        if (rc == TENYO_ERR_NOMEM) cli_err("out of memory\n");
        else cli_err("%s: a decision the steer refuses (a struck word that is no word once "
                     "normalised, or more than 256 of a kind); the file is left as it was\n",
                     r->path);
        ec = rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        goto done;
    }
    if (got < 0) {
        cli_err("%s\n", tenyo_ctx_error(r->ctx));
        ec = got == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(got);
        goto done;
    }
    json_t *o = cli_ideas_render(r->x, r->ctx, r->qdoc, r->text, r->len, ideas, got, n, r->lang);
    rc = o ? tenyo_worksheet_record(w, s, r->ctx, ideas, (size_t)got) : TENYO_ERR_NOMEM;
    if (rc || ws_notes(w, r->notes, r->nnotes)) {
        if (rc) cli_err("%s: %s\n", r->path, rc == TENYO_ERR_LIMIT ? "the worksheet is full"
                                                                   : "out of memory");
        json_decref(o);
        ec = rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_USAGE;
        goto done;
    }
    cli_ideas_ws_mark(o, w, r->html);
    rc = tenyo_worksheet_save(w, r->path, err, sizeof err);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        cli_err("%s (the file is left as it was)\n", err);
        json_decref(o);
        /* not written (a full disk): a resource (4); refused: input (2) */
        ec = rc == TENYO_ERR_IO || rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        goto done;
    }
    size_t ncards = tenyo_steer_count(s, TENYO_STEER_KEPT) + tenyo_steer_count(s, TENYO_STEER_REJECTED);
    cli_err("worksheet %s: %zu kept, %zu card%s in all\n", r->path, ws_kept(w), ncards,
            ncards == 1 ? "" : "s");
    *out = o;
done:
    tenyo_ctx_set_steer(r->ctx, r->flags);
    tenyo_steer_free(s);
    tenyo_worksheet_free(w);
    tenyo_lock_free(lk);
    return ec;
}
