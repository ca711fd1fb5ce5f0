/*
 * serve_ws.c — the analyst's work kept by `tenyo serve`: worksheets and
 * the remembered sense splits.
 *
 *   POST /api/worksheet          a worksheet (the JSON of
 *                                `ideas --worksheet`), checked by the
 *                                library and saved atomically in
 *                                INDEX.worksheets/KEY.json; {"id": KEY,
 *                                "worksheet": {...}}
 *   GET  /api/worksheet?id=KEY | ?patent=ID   the saved worksheet (404:
 *                                none yet)
 *   GET  /api/senses             {"file", "senses": [{word, field, other}]}
 *                                the splits every ideas query honours
 *
 * The page saves the worksheet as the analyst works and asks for it when
 * a patent is opened, so a reload, a server restart or another browser
 * finds it again; the files are the CLI's (`ideas --worksheet` reads
 * them). KEY is the subject's kind and the subject, every byte outside
 * [A-Za-z0-9_-] written as ".XX" (hex), or a hash of the subject when that
 * is long: no path separator, no "..", one file per subject. A worksheet
 * that fails the library's check is 400 with its reason, and the saved
 * one is left as it was.
 *
 * The splits are read once, at start (INDEX.senses; a damaged file stops
 * the server with its file and line, as `ideas` refuses it), and set on
 * each context for the length of one /api/ideas request.
 */
#include "cli.h"
#include "serve_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longest key before the subject is hashed instead. */
#define WS_KEY_MAX 160

/* The key of a subject of kind into key[WS_KEY_MAX + 32]. */
static void ws_key(const char *kind, const char *subject, char *key) {
    size_t at = (size_t)snprintf(key, 16, "%s-", kind), n = strlen(subject);
    for (size_t i = 0; i < n && at < WS_KEY_MAX; i++) {
        unsigned char ch = (unsigned char)subject[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_')
            key[at++] = (char)ch;
        else
            at += (size_t)snprintf(key + at, 4, ".%02X", ch);
    }
    key[at] = 0;
    if (at >= WS_KEY_MAX) { /* long (a text): its FNV-1a hash */
        unsigned long long h = 1469598103934665603ull;
        for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)subject[i]) * 1099511628211ull;
        snprintf(key, WS_KEY_MAX + 32, "%s-h%016llx", kind, h);
    }
}

/* 1 when key is a key ws_key could make. */
static int key_ok(const char *key) {
    size_t n = key ? strlen(key) : 0;
    if (!n || n > WS_KEY_MAX + 24 || strstr(key, "..") || key[0] == '.') return 0;
    return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

/* INDEX.worksheets/KEY.json (malloc'd). */
static char *ws_path(const server *s, const char *key) {
    size_t n = strlen(s->path) + strlen(key) + sizeof ".worksheets/.json";
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s.worksheets/%s.json", s->path, key);
    return p;
}

enum MHD_Result cli_serve_api_worksheet_post(server *s, struct MHD_Connection *conn,
                                             request *rq) {
    if (rq->too_large)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                     "request body larger than %d bytes", SRV_MAX_BODY);
    tenyo_worksheet *w = NULL;
    char err[640], key[WS_KEY_MAX + 32];
    int rc = tenyo_worksheet_parse(rq->body ? rq->body : "", rq->len, &w, err, sizeof err);
    if (rc)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "worksheet: %s", err);
    const char *kind, *subject = tenyo_worksheet_subject(w, &kind);
    ws_key(kind, subject, key);
    size_t dl = strlen(s->path) + sizeof ".worksheets";
    char *dir = malloc(dl), *path = ws_path(s, key), *text = NULL;
    if (dir) snprintf(dir, dl, "%s.worksheets", s->path);
    rc = dir && path ? TENYO_OK : TENYO_ERR_NOMEM;
    if (!rc && mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, sizeof err, "%s: cannot make the folder: %s", dir, strerror(errno));
        rc = TENYO_ERR_IO;
    }
    if (!rc) rc = tenyo_worksheet_save(w, path, err, sizeof err);
    if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_OK;
    if (!rc) rc = tenyo_worksheet_json(w, &text);
    free(dir);
    free(path);
    tenyo_worksheet_free(w);
    if (rc) {
        tenyo_json_free(text);
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "%s",
                                     rc == TENYO_ERR_NOMEM ? "out of memory" : err);
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(key));
    json_object_set_new(o, "worksheet", json_loads(text, 0, NULL));
    tenyo_json_free(text);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

enum MHD_Result cli_serve_api_worksheet_get(server *s, struct MHD_Connection *conn,
                                            request *rq) {
    const char *id = cli_serve_query_arg(conn, "id"), *patent = cli_serve_query_arg(conn, "patent");
    char key[WS_KEY_MAX + 32], err[640];
    if (!id == !patent)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                                     "give id (the key POST /api/worksheet answered) or patent");
    if (patent) {
        if (strlen(patent) > 1024)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "patent too long");
        ws_key("patent", patent, key);
    } else if (key_ok(id)) {
        snprintf(key, sizeof key, "%s", id);
    } else {
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                                     "id is not a worksheet key");
    }
    char *path = ws_path(s, key);
    tenyo_worksheet *w = NULL;
    int rc = path ? tenyo_worksheet_load(path, &w, err, sizeof err) : TENYO_ERR_NOMEM;
    free(path);
    char *text = NULL;
    if (!rc) rc = tenyo_worksheet_json(w, &text);
    tenyo_worksheet_free(w);
    if (rc == TENYO_ERR_NOTFOUND)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no worksheet %s yet", key);
    if (rc) /* a file damaged on disk: said, and left for the analyst to see */
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "%s",
                                     rc == TENYO_ERR_NOMEM ? "out of memory" : err);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(key));
    json_object_set_new(o, "worksheet", json_loads(text, 0, NULL));
    tenyo_json_free(text);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

tenyo_worksheet *cli_serve_ws_of(const server *s, const char *patent) {
    char key[WS_KEY_MAX + 32], err[640];
    if (!patent || strlen(patent) > 1024) return NULL;
    ws_key("patent", patent, key);
    char *path = ws_path(s, key);
    tenyo_worksheet *w = NULL;
    if (path && tenyo_worksheet_load(path, &w, err, sizeof err)) w = NULL;
    free(path);
    return w;
}

enum MHD_Result cli_serve_api_senses(server *s, struct MHD_Connection *conn, request *rq) {
    json_t *o = json_object(), *a = json_array();
    const char *w, *f, *g;
    for (size_t i = 0; tenyo_senses_get(s->senses, i, &w, &f, &g) == TENYO_OK; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "word", json_string(w));
        json_object_set_new(e, "field", json_string(f));
        json_object_set_new(e, "other", json_string(g));
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "file", json_string(s->senses_path ? s->senses_path : ""));
    json_object_set_new(o, "senses", a);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}
