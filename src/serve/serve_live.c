/*
 * serve_live.c — what `tenyo serve` builds from its index before it takes
 * requests (cli_serve_prepare: the titles files, the map, the /api/info and
 * /api/map bodies, the query contexts with their tokenizers loaded), and
 * the same again when the page's write has changed the index
 * (cli_serve_reload): the new index opened and prepared beside the old,
 * then swapped in under the server's live lock, for writing, which waits
 * for the requests in flight (each holds it for reading) and holds the
 * next ones only for the swap itself. The old is freed after. Rejected:
 * reference counts on the index (every handler would count), and
 * answering from the old index until a restart (what the page just added
 * would not be found).
 *
 * Who calls whom: called by serve_start.c, serve_update.c; calls
 * serve_http.c, serve_map.c, views/render.c, views/say.c and the library
 * (tenyo.h).
 */
#include "views/views.h"
#include "serve_http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /api/info for a client: the index and the licensable list's source by
 * file name only — absolute paths tell a web page about the analyst's
 * disk and nothing about the index. */
static json_t *info_public(json_t *o) {
    json_t *p = json_object_get(o, "path");
    if (json_is_string(p)) {
        const char *v = json_string_value(p), *b = strrchr(v, '/');
        if (b) json_object_set_new(o, "path", json_string(b + 1));
    }
    json_t *src = json_object_get(json_object_get(json_object_get(o, "licensable"), "list"),
                                  "source");
    if (json_is_string(src)) {
        const char *v = json_string_value(src), *b = strrchr(v, '/');
        if (b) json_string_set(src, b + 1);
    }
    return o;
}

/* Dump j (reference taken) compactly with a newline into *out; 0 ok. */
static int dump_json(json_t *j, char **out, size_t *len) {
    char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return -1;
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return -1;
    }
    t[n] = '\n';
    t[n + 1] = 0;
    *out = t;
    *len = n + 1;
    return 0;
}

/* After the index is open: the titles files, the map, the bodies built
 * once (/api/info, /api/map), the contexts (*pool_ready once made, even
 * half) and their tokenizers loaded. EXIT_OK, or the exit code, said. */
int cli_serve_prepare(server *s, const char *const *titles, int ntitles, long threads,
                      int *pool_ready) {
    char err[512] = "";
    int rc;
    tenyo_index *x = (tenyo_index *)s->x;
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) {
            cli_err("%s\n", err);
            return EXIT_INPUT;
        }
    }
    rc = tenyo_map_new(x, &s->map, err, sizeof err);
    if (rc == TENYO_ERR_EMPTY) {
        cli_err("%s; /api/map is not available\n", err);
    } else if (rc) {
        cli_err("%s\n", err);
        return EXIT_RESOURCE;
    }
    if (dump_json(info_public(cli_info_json(x, s->path)), &s->info_json, &s->info_len) ||
        (s->map && dump_json(cli_serve_map_fields_json(x, s->map), &s->map_json, &s->map_len))) {
        cli_err("out of memory\n");
        return EXIT_RESOURCE;
    }
    rc = cli_serve_pool_init(&s->pool, x, (int)threads, err, sizeof err);
    *pool_ready = 1;
    if (rc) {
        cli_err("%s\n", err);
        return EXIT_RESOURCE;
    }
    /* load each context's tokenizer now: the first text query is then as
     * fast as the rest, and a dictionary mismatch shows at start */
    for (int i = 0; i < s->pool.n; i++) {
        tenyo_hit h;
        rc = tenyo_similar_text(s->pool.all[i], "warm up", 7, TENYO_MODE_TFIDF, 1, &h);
        if (rc < 0 && rc != TENYO_ERR_EMPTY) {
            cli_err("warning: text queries will fail: %s\n",
                    tenyo_ctx_error(s->pool.all[i]));
            break;
        }
    }
    return EXIT_OK;
}

int cli_serve_reload(server *s, char *err, size_t errlen) {
    server t;
    memset(&t, 0, sizeof t);
    t.path = s->path;
    tenyo_index *x = NULL;
    int pool_ready = 0, rc = tenyo_index_open(s->path, &x, err, errlen);
    if (!rc) rc = tenyo_index_warm(x, err, errlen);
    if (rc) {
        tenyo_index_free(x);
        return -1;
    }
    t.x = x;
    if (cli_serve_prepare(&t, s->titles, s->ntitles, s->pool.n, &pool_ready) != EXIT_OK) {
        snprintf(err, errlen, "%s: could not be loaded again (see the server's log)", s->path);
        if (pool_ready) cli_serve_pool_destroy(&t.pool);
        free(t.info_json);
        free(t.map_json);
        tenyo_map_free(t.map);
        tenyo_index_free(x);
        return -1;
    }
    pthread_rwlock_wrlock(&s->live); /* no request in flight from here */
    const tenyo_index *ox = s->x;
    tenyo_map *om = s->map;
    char *oi = s->info_json, *omj = s->map_json;
    s->x = t.x;
    s->map = t.map;
    s->info_json = t.info_json;
    s->info_len = t.info_len;
    s->map_json = t.map_json;
    s->map_len = t.map_len;
    cli_serve_pool_swap(&s->pool, &t.pool); /* t.pool: the old contexts */
    pthread_rwlock_unlock(&s->live);
    cli_serve_pool_destroy(&t.pool);
    free(oi);
    free(omj);
    tenyo_map_free(om);
    tenyo_index_free((tenyo_index *)ox);
    return 0;
}

