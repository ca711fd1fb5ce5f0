/*
 * serve_ws.c — the analyst's work kept by `tenyo serve`: worksheets and
 * the remembered sense splits.
 *
 *   POST /api/worksheet[?version=V]  a worksheet (the JSON of
 *                                `ideas --worksheet`), checked by the
 *                                library and saved atomically in
 *                                INDEX.worksheets/KEY.json; {"id": KEY,
 *                                "worksheet": {...}, "version"}; with V,
 *                                only when the saved sheet is still the
 *                                one of version V ("" none), else 409
 *                                {"code": "worksheet_changed"}
 *   GET  /api/worksheet?id=KEY | ?patent=ID | ?company=NAME | ?text=TEXT
 *                                the saved worksheet and its version; for
 *                                a subject with none yet {"id",
 *                                "worksheet": null, "version": ""}, for an
 *                                id with none 404
 *   GET  /api/senses             {"file", "senses": [{word, field, other}]}
 *                                the splits every ideas query honours
 *   POST /api/senses {"word", "pairs": [[FIELD, OTHER], ...]}  the splits
 *                                remembered (INDEX.senses under its lock,
 *                                as ideas --not --remember), honoured from
 *                                the next request on; the GET answer and
 *                                "added"
 *
 * The page saves the worksheet as the analyst works and asks for it when
 * a patent is opened, so a reload, a server restart or another browser
 * finds it again; the files are the CLI's (`ideas --worksheet` reads
 * them). A worksheet is saved only for a patent the index has (or a
 * company with a patent in it; a text is anyone's), read-only server or
 * not (the analyst's files beside the index, never the index), within
 * --worksheets files and --worksheets-mb in all, counted under one mutex
 * and written under the file's lock (a CLI run on it waits or is
 * waited for). The body may be as large as a worksheet file
 * (TENYO_WORKSHEET_MAX). A saved file damaged on disk, or a directory in
 * its place, is 409 saying how to repair it.
 * KEY is the subject's kind and the subject, every byte outside
 * [A-Za-z0-9_-] written as ".XX" (hex), or a hash of the subject when that
 * is long: no path separator, no "..", one file per subject. A worksheet
 * that fails the library's check is 400 with its reason, and the saved
 * one is left as it was.
 *
 * The version is a hash of the saved sheet's JSON: the page sends the one
 * it loaded, so a decision `ideas --worksheet` (or another page) saved
 * meanwhile is never written over; the page loads the sheet again and
 * makes its decision on it (app.js wsDecide).
 *
 * The splits are read at start (INDEX.senses; a damaged file stops the
 * server with its file and line, as `ideas` refuses it), replaced whole by
 * a POST (senses_mu), and set on each context for the length of one
 * /api/ideas request.
 *
 * Who calls whom: called by serve_api.c, serve_route.c; calls
 * serve_http.c, views/ideas_ws.c and the library (tenyo.h).
 */
#include "views/views.h"
#include "serve_http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ws_store's status for a version that is not the saved one's. */
#define SRV_WS_CHANGED 1409
/* Longest key before the subject is hashed instead (cli_ws_key). */
#define WS_KEY_MAX CLI_WS_KEY_MAX
#define ws_key cli_ws_key

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

/* 1 when the index has the worksheet's subject: the patent indexed, or a
 * patent of the company (its applicant contains it, either case); a text
 * is anyone's (the limits alone bound it). */
static int ws_subject_known(const server *s, const char *kind, const char *subject) {
    if (!strcmp(kind, "patent")) return tenyo_index_find(s->x, subject) >= 0;
    if (strcmp(kind, "company")) return 1;
    tenyo_doc_meta dm;
    for (uint64_t d = 0; d < tenyo_index_ndocs(s->x); d++)
        if (!tenyo_index_doc(s->x, d, &dm) && dm.applicant && strcasestr(dm.applicant, subject))
            return 1;
    return 0;
}

/* The worksheets saved in dir ("*.json"): their count and bytes, less
 * those of the file named key.json (the one a POST replaces). */
static void ws_usage(const char *dir, const char *key, long *count, long long *bytes, int *own) {
    *count = 0;
    *bytes = 0;
    *own = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    size_t kl = strlen(key);
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") || e->d_name[0] == '.') continue;
        if (n == kl + 5 && !strncmp(e->d_name, key, kl)) {
            *own = 1;
            continue;
        }
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            continue;
        (*count)++;
        *bytes += st.st_size;
    }
    if (d) closedir(d);
}

/* The version of a saved sheet: FNV-1a 64 of its JSON, in hex ("" none). */
static void ws_version(const char *text, char out[17]) {
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)text; text && *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    if (text) snprintf(out, 17, "%016llx", (unsigned long long)h);
    else out[0] = 0;
}

/* The version of the sheet saved at path ("" when there is none); 0, or
 * TENYO_ERR_* for a file that cannot be read. */
static int ws_saved_version(const char *path, char out[17]) {
    tenyo_worksheet *w = NULL;
    char err[640], *text = NULL;
    int rc = tenyo_worksheet_load(path, &w, err, sizeof err);
    if (rc == TENYO_ERR_NOTFOUND) {
        out[0] = 0;
        return TENYO_OK;
    }
    if (!rc) rc = tenyo_worksheet_json(w, &text);
    tenyo_worksheet_free(w);
    if (!rc) ws_version(text, out);
    tenyo_json_free(text);
    return rc;
}

/* One POST at a time: the limits are counted and the file written under
 * it (the file's own lock keeps out a CLI run on the same file). */
static pthread_mutex_t ws_post_mu = PTHREAD_MUTEX_INITIALIZER;

/* w saved as INDEX.worksheets/key.json within the server's limits: an HTTP
 * status (200 when saved) with the reason in err. */
static unsigned ws_store(server *s, const tenyo_worksheet *w, const char *key,
                         const char *expect, char *err, size_t errlen) {
    size_t dl = strlen(s->path) + sizeof ".worksheets";
    char *dir = malloc(dl), *path = ws_path(s, key), *text = NULL;
    unsigned st = dir && path && !tenyo_worksheet_json(w, &text) ? MHD_HTTP_OK
                                                                 : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (st != MHD_HTTP_OK) snprintf(err, errlen, "out of memory");
    else snprintf(dir, dl, "%s.worksheets", s->path);
    if (st == MHD_HTTP_OK && mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot make the folder: %s", dir, strerror(errno));
        st = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    pthread_mutex_lock(&ws_post_mu);
    long count;
    long long bytes;
    int own = 0;
    if (st == MHD_HTTP_OK) ws_usage(dir, key, &count, &bytes, &own);
    if (st != MHD_HTTP_OK) {
    } else if (!own && count >= s->ws_max) { /* a sheet replaced adds no file */
        snprintf(err, errlen, "this server keeps at most %ld worksheets (--worksheets); "
                 "remove some from %s to save more", s->ws_max, dir);
        st = MHD_HTTP_CONFLICT;
    } else if (bytes + (long long)strlen(text) + 1 > s->ws_bytes) {
        snprintf(err, errlen, "this server keeps at most %ld MiB of worksheets "
                 "(--worksheets-mb); remove some from %s to save more",
                 (long)(s->ws_bytes >> 20), dir);
        st = MHD_HTTP_CONFLICT;
    } else {
        tenyo_lock *lk = NULL;
        char now[17];
        int rc = tenyo_worksheet_lock_take(path, SRV_WS_WAIT_MS, &lk, err, errlen);
        /* the sheet the writer loaded is still the one saved (under the
         * lock: a CLI run cannot slip in between) */
        if (!rc && expect && !ws_saved_version(path, now) && strcmp(now, expect)) {
            snprintf(err, errlen, "the worksheet changed since it was loaded (another page or "
                     "ideas --worksheet saved it); load it again and decide on it");
            rc = TENYO_ERR_BUSY;
            st = MHD_HTTP_PRECONDITION_FAILED; /* marked below as a conflict */
        }
        if (!rc) rc = tenyo_worksheet_save(w, path, err, errlen);
        tenyo_lock_free(lk);
        /* refused by the output rule (a directory there, a damaged file) or
         * a writer at work: the request conflicts with what is on disk */
        if (st == MHD_HTTP_PRECONDITION_FAILED) st = SRV_WS_CHANGED;
        else if (rc && rc != TENYO_ERR_UNSYNCED)
            st = rc == TENYO_ERR_ARG || rc == TENYO_ERR_BUSY ? MHD_HTTP_CONFLICT
                                                             : MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    pthread_mutex_unlock(&ws_post_mu);
    tenyo_json_free(text);
    free(dir);
    free(path);
    return st;
}

enum MHD_Result cli_serve_api_worksheet_post(server *s, struct MHD_Connection *conn,
                                             request *rq) {
    if (rq->too_large)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                     "request body larger than %u bytes (a worksheet is at "
                                     "most that)", TENYO_WORKSHEET_MAX);
    if (s->ws_max == 0)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_FORBIDDEN, NULL,
                                     "this server saves no worksheets (--worksheets 0)");
    tenyo_worksheet *w = NULL;
    char err[640], key[WS_KEY_MAX + 32];
    int rc = tenyo_worksheet_parse(rq->body ? rq->body : "", rq->len, &w, err, sizeof err);
    if (rc)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "worksheet: %s", err);
    const char *kind, *subject = tenyo_worksheet_subject(w, &kind);
    if (!ws_subject_known(s, kind, subject)) {
        enum MHD_Result r = cli_serve_reply_error(
            conn, rq, MHD_HTTP_NOT_FOUND, NULL, "worksheet: %s %.200s is not in the index",
            !strcmp(kind, "patent") ? "patent" : "no patent of company", subject);
        tenyo_worksheet_free(w);
        return r;
    }
    ws_key(kind, subject, key);
    const char *expect = cli_serve_query_arg(conn, "version");
    unsigned st = ws_store(s, w, key, expect, err, sizeof err);
    char *text = NULL, ver[17];
    if (st == MHD_HTTP_OK && tenyo_worksheet_json(w, &text)) st = MHD_HTTP_INTERNAL_SERVER_ERROR;
    tenyo_worksheet_free(w);
    if (st == SRV_WS_CHANGED) {
        json_t *o = json_object();
        json_object_set_new(o, "error", json_string(err));
        json_object_set_new(o, "code", json_string("worksheet_changed"));
        return cli_serve_reply_json(conn, rq, MHD_HTTP_CONFLICT, o, NULL);
    }
    if (st != MHD_HTTP_OK)
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", err);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(key));
    json_object_set_new(o, "worksheet", json_loads(text, 0, NULL));
    ws_version(text, ver);
    json_object_set_new(o, "version", json_string(ver));
    tenyo_json_free(text);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

enum MHD_Result cli_serve_api_worksheet_get(server *s, struct MHD_Connection *conn,
                                            request *rq) {
    /* the subject as the page knows it: a patent, a company or a text
     * (the key made here as POST /api/worksheet makes it), or the key */
    static const char *const kinds[] = {"patent", "company", "text"};
    const char *id = cli_serve_query_arg(conn, "id"), *patent = NULL, *kind = NULL;
    int given = id != NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const char *v = cli_serve_query_arg(conn, kinds[i]);
        if (v) given++, patent = v, kind = kinds[i];
    }
    char key[WS_KEY_MAX + 32], err[640];
    if (given != 1)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL,
                                     "give one of id (the key POST /api/worksheet answered), "
                                     "patent, company, text");
    if (patent) {
        if (strlen(patent) > TENYO_WORKSHEET_MAX)
            return cli_serve_reply_error(conn, rq, MHD_HTTP_BAD_REQUEST, NULL, "%s too long", kind);
        ws_key(kind, patent, key);
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
    if (rc == TENYO_ERR_NOTFOUND && patent) { /* a subject not worked on yet: no sheet, no error */
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(key));
        json_object_set_new(o, "worksheet", json_null());
        json_object_set_new(o, "version", json_string(""));
        return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
    }
    if (rc == TENYO_ERR_NOTFOUND)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_NOT_FOUND, NULL, "no worksheet %s yet", key);
    if (rc == TENYO_ERR_NOMEM)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                     "out of memory");
    if (rc) /* a file damaged on disk (or no file): said, left for the analyst to see */
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONFLICT, NULL,
                                     "the saved worksheet is damaged: %s; repair the file by "
                                     "hand, or remove it (its decisions are lost) and save "
                                     "the worksheet again", err);
    json_t *o = json_object();
    char ver[17];
    ws_version(text, ver);
    json_object_set_new(o, "id", json_string(key));
    json_object_set_new(o, "worksheet", json_loads(text, 0, NULL));
    json_object_set_new(o, "version", json_string(ver));
    tenyo_json_free(text);
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, o, NULL);
}

tenyo_worksheet *cli_serve_ws_of(const server *s, const char *patent) {
    return cli_serve_ws_for(s, "patent", patent);
}

tenyo_worksheet *cli_serve_ws_for(const server *s, const char *kind, const char *subject) {
    char key[WS_KEY_MAX + 32], err[640];
    if (!subject || !*subject || (!strcmp(kind, "patent") && strlen(subject) > 1024)) return NULL;
    ws_key(kind, subject, key);
    char *path = ws_path(s, key);
    tenyo_worksheet *w = NULL;
    if (path && tenyo_worksheet_load(path, &w, err, sizeof err)) w = NULL;
    free(path);
    return w;
}

/* {"file", "senses": [{word, field, other}]} of the splits the server
 * holds (under senses_mu, shared). */
static json_t *senses_json(server *s) {
    json_t *o = json_object(), *a = json_array();
    pthread_rwlock_rdlock(&s->senses_mu);
    const char *w, *f, *g;
    for (size_t i = 0; tenyo_senses_get(s->senses, i, &w, &f, &g) == TENYO_OK; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "word", json_string(w));
        json_object_set_new(e, "field", json_string(f));
        json_object_set_new(e, "other", json_string(g));
        json_array_append_new(a, e);
    }
    pthread_rwlock_unlock(&s->senses_mu);
    json_object_set_new(o, "file", json_string(s->senses_path ? s->senses_path : ""));
    json_object_set_new(o, "senses", a);
    return o;
}

enum MHD_Result cli_serve_api_senses(server *s, struct MHD_Connection *conn, request *rq) {
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, senses_json(s), NULL);
}

/* The word and pairs of a POST /api/senses body: 0, or 400 with msg. */
static unsigned senses_body(const json_t *o, const char **word, const json_t **pairs, char *msg,
                            size_t cap) {
    const char *k;
    json_t *v;
    if (!json_is_object(o)) return snprintf(msg, cap, "the body must be a JSON object {\"word\", "
                                            "\"pairs\": [[FIELD, OTHER], ...]}"), 400;
    json_object_foreach((json_t *)o, k, v)
        if (strcmp(k, "word") && strcmp(k, "pairs"))
            return snprintf(msg, cap, "unknown member '%.40s' (word, pairs)", k), 400;
    *word = json_string_value(json_object_get(o, "word"));
    *pairs = json_object_get(o, "pairs");
    if (!*word) return snprintf(msg, cap, "word must be a string"), 400;
    size_t n = json_array_size(*pairs), i;
    if (!json_is_array(*pairs) || !n || n > 256)
        return snprintf(msg, cap, "pairs must be 1 to 256 [FIELD, OTHER] pairs of subclasses"), 400;
    json_array_foreach(*pairs, i, v)
        if (json_array_size(v) != 2 || !json_is_string(json_array_get(v, 0)) ||
            !json_is_string(json_array_get(v, 1)))
            return snprintf(msg, cap, "pairs[%zu] must be [FIELD, OTHER], two subclasses", i), 400;
    return 0;
}

enum MHD_Result cli_serve_api_senses_post(server *s, struct MHD_Connection *conn, request *rq) {
    if (rq->too_large)
        return cli_serve_reply_error(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                     "request body larger than %d bytes", SRV_MAX_BODY);
    char msg[640] = "";
    json_error_t je;
    json_t *o = rq->body ? json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &je) : NULL;
    const char *word = NULL;
    const json_t *pairs = NULL;
    unsigned st = o ? senses_body(o, &word, &pairs, msg, sizeof msg)
                    : (snprintf(msg, sizeof msg, "invalid JSON body"), 400);
    if (st) {
        json_decref(o);
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    }
    /* as ideas --remember: under the file's lock, the file read again (a
     * command may have changed it), the splits added, the file saved */
    tenyo_lock *lk = NULL;
    tenyo_senses *now = NULL;
    size_t added = 0, i;
    json_t *v;
    int rc = tenyo_senses_lock_take(s->senses_path, SRV_WS_WAIT_MS, &lk, msg, sizeof msg);
    if (rc) st = MHD_HTTP_CONFLICT;
    else if (tenyo_senses_new(&now)) st = MHD_HTTP_INTERNAL_SERVER_ERROR, snprintf(msg, sizeof msg, "out of memory");
    else if ((rc = tenyo_senses_load(now, s->senses_path, msg, sizeof msg)) && rc != TENYO_ERR_NOTFOUND)
        st = MHD_HTTP_CONFLICT;
    json_array_foreach(pairs, i, v) {
        if (st) break;
        rc = tenyo_senses_add(now, word, json_string_value(json_array_get(v, 0)),
                              json_string_value(json_array_get(v, 1)));
        if (rc == TENYO_ERR_ARG)
            st = MHD_HTTP_BAD_REQUEST, snprintf(msg, sizeof msg, "pairs[%zu]: '%s' must be a word "
                                                "and two different subclasses (like A61B)", i, word);
        else if (rc == TENYO_ERR_LIMIT)
            st = MHD_HTTP_CONFLICT, snprintf(msg, sizeof msg, "%s holds 100000 splits already",
                                             s->senses_path);
        else if (rc < 0)
            st = MHD_HTTP_INTERNAL_SERVER_ERROR, snprintf(msg, sizeof msg, "out of memory");
        added += rc == 0;
    }
    if (!st && (rc = tenyo_senses_save(now, s->senses_path, msg, sizeof msg)) &&
        rc != TENYO_ERR_UNSYNCED)
        st = MHD_HTTP_INTERNAL_SERVER_ERROR;
    tenyo_lock_free(lk);
    json_decref(o);
    if (st) {
        tenyo_senses_free(now);
        return cli_serve_reply_error(conn, rq, st, NULL, "%s", msg);
    }
    /* every later request honours them (one in flight keeps its own) */
    pthread_rwlock_wrlock(&s->senses_mu);
    tenyo_senses *old = s->senses;
    s->senses = now;
    pthread_rwlock_unlock(&s->senses_mu);
    tenyo_senses_free(old);
    json_t *r = senses_json(s);
    json_object_set_new(r, "added", json_integer((json_int_t)added));
    return cli_serve_reply_json(conn, rq, MHD_HTTP_OK, r, NULL);
}
