/*
 * query.c — the query of a command: an indexed patent named as people type
 * it (cli_resolve_id: exact, normalised, else "did you mean"), or the text
 * of --text / --file (cli_slurp: any charset, decoded to UTF-8). Shared by
 * similar, ideas, match and the server (GET /api/resolve).
 *
 * Who calls whom: called by serve/serve_api.c, cli/'s commands (5);
 * calls render.c, say.c and the library (tenyo.h).
 */
#include "views.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================= query files */

/* Read a whole query file (at most 64 MiB) and decode it to UTF-8 with
 * charset detection; NULL with a message on failure. */
char *cli_slurp(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_err("%s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    while (p) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        if (cap >= ((size_t)64 << 20)) {
            cli_err("%s: query file larger than 64 MiB\n", path);
            free(p);
            p = NULL;
            break;
        }
        cap *= 2;
        char *q = realloc(p, cap + 1);
        if (!q) { free(p); p = NULL; }
        else p = q;
    }
    if (f != stdin) fclose(f);
    if (!p) return NULL;
    p[n] = 0;
    /* query files may be Shift_JIS / EUC-JP: decode like input files */
    char *u = NULL, used[64] = "", err[512] = "";
    int rc = tenyo_text_to_utf8(p, n, NULL, &u, len, used, sizeof used, err,
                                sizeof err);
    free(p);
    if (rc) {
        cli_err("%s: %s\n", path, err);
        return NULL;
    }
    return u;
}

/* ========================================================= patent ids */

int cli_resolve_id(const tenyo_index *x, const char *typed, int64_t *doc, char *msg,
                   size_t cap) {
    uint64_t sug[CLI_SUGGEST];
    size_t ns = 0;
    int how = tenyo_index_resolve(x, typed, doc, sug, CLI_SUGGEST, &ns);
    tenyo_doc_meta m;
    if (how >= 0) {
        tenyo_index_doc(x, (uint64_t)*doc, &m);
        snprintf(msg, cap, "%s", m.id);
        return how;
    }
    if (how != TENYO_ERR_NOTFOUND) {
        char why[512];
        if (how == TENYO_ERR_CORRUPT && tenyo_index_damage(x, why, sizeof why))
            snprintf(msg, cap, "looking up '%s': %s", typed, why);
        else
            snprintf(msg, cap, "looking up '%s': %s", typed, tenyo_strerror(how));
        return how;
    }
    int o = snprintf(msg, cap, "no patent '%s' in the index", typed);
    for (size_t i = 0; i < ns && o > 0 && (size_t)o < cap; i++) {
        tenyo_index_doc(x, sug[i], &m);
        /* the id with the start of its title (24 characters), so that the
         * analyst can tell which one was meant */
        size_t tl = 0;
        for (int ch = 0; m.title && m.title[tl] && ch < 24; ch++)
            do tl++; while ((m.title[tl] & 0xC0) == 0x80);
        int more = m.title && m.title[tl];
        o += snprintf(msg + o, cap - (size_t)o, "%s%s%s%.*s%s%s", i ? ", " : "; did you mean ",
                      m.id, tl ? " (" : "", (int)tl, m.title ? m.title : "", more ? "…" : "",
                      tl ? ")" : "");
    }
    if (ns && o > 0 && (size_t)o < cap) snprintf(msg + o, cap - (size_t)o, "?");
    return how;
}

json_t *cli_resolve_json(const tenyo_index *x, const char *typed, int *status) {
    uint64_t sug[CLI_SUGGEST];
    size_t ns = 0;
    int64_t doc = -1;
    char key[256];
    int shaped = tenyo_patno_key(typed, key, sizeof key);
    int how = tenyo_index_resolve(x, typed, &doc, sug, CLI_SUGGEST, &ns);
    *status = how;
    if (how < 0 && how != TENYO_ERR_NOTFOUND) return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "query", json_string(typed));
    /* the page's rule: an indexed id, else a number (mistyped), else text */
    json_object_set_new(o, "kind", json_string(how > 0 ? "id" : shaped == 1 ? "number"
                                                                            : "text"));
    json_object_set_new(o, "match", how == TENYO_ID_EXACT        ? json_string("exact")
                                    : how == TENYO_ID_NORMALISED ? json_string("normalised")
                                                                 : json_null());
    json_object_set_new(o, "key", shaped >= 0 ? json_string(key) : json_null());
    json_object_set_new(o, "id", how > 0 ? cli_doc_json(x, (uint64_t)doc) : json_null());
    json_t *a = json_array();
    for (size_t i = 0; i < ns; i++) json_array_append_new(a, cli_doc_json(x, sug[i]));
    json_object_set_new(o, "suggestions", a);
    return o;
}

int cli_resolve_query(const tenyo_index *x, const char *path, const char *id,
                      const char *file, const char **text, size_t *len,
                      char **buf, int64_t *doc) {
    *doc = -1;
    *len = 0;
    if (id) {
        char msg[1024];
        int how = cli_resolve_id(x, id, doc, msg, sizeof msg);
        if (how < 0) {
            cli_err("%s: %s\n", path, msg);
            return how == TENYO_ERR_NOTFOUND ? EXIT_INPUT : cli_exit_code(how);
        }
        if (how == TENYO_ID_NORMALISED) cli_err("'%s' read as %s\n", id, msg);
        return EXIT_OK;
    }
    if (file) {
        *buf = cli_slurp(file, len);
        if (!*buf) return EXIT_INPUT;
        *text = *buf;
    } else {
        *len = strlen(*text);
    }
    return EXIT_OK;
}

