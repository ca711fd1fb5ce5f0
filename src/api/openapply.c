/*
 * openapply.c — the licensable list applied to an index as it opens: the
 * ids stored in "<index>.upd/OPEN" (store/manifest.c reads and checks the
 * file) are looked up (tenyo_index_find) and their documents marked open,
 * beside the records' own flags (open = record OR list), which stay in
 * x->open_rec for `info`. An id the index no longer holds (deleted since)
 * is counted, not an error; a damaged list fails the open with the command
 * that mends it.
 *
 * Loading the list from an export (tenyo_open_load) is openlist.c's; this
 * is the part every tenyo_index_open runs, so it calls only the lookups
 * (meta.c) and the store, never the opening it is part of.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

int ty_open_apply(tenyo_index *x, const char *path, char *err, size_t errlen) {
    char *real = realpath(path, NULL);
    char *dir = ty_upd_dir(real ? real : path);
    free(real);
    if (!dir) return TENYO_ERR_NOMEM;
    ty_openlist ol;
    char why[TY_ERRLEN];
    int rc = ty_openlist_read(dir, &ol, why, sizeof why);
    free(dir);
    if (rc == TENYO_ERR_NOTFOUND) return TENYO_OK;
    if (rc) {
        ty_seterr(err, errlen, "%s: its licensable list: %s; `tenyo open %s --from FILE` "
                  "loads it again, --clear removes it", path, why, path);
        return rc;
    }
    rc = TENYO_ERR_NOMEM;
    uint64_t nd = x->m.ndocs;
    x->open_rec = ty_malloc(nd ? nd : 1);
    if (!x->open_rec) goto done;
    if (nd) memcpy(x->open_rec, x->m.open, nd);
    x->open_listed = ol.n;
    for (size_t i = 0; i < ol.n; i++) {
        int64_t d = tenyo_index_find(x, ol.ids[i]);
        if (d < 0) continue;
        x->open_found++;
        x->m.open[d] = 1;
    }
    x->open_lines = ol.lines;
    x->open_unresolved = ol.unresolved;
    x->open_loaded = ol.loaded;
    x->open_source = ol.source;
    ol.source = NULL;
    rc = TENYO_OK;
done:
    ty_openlist_free(&ol);
    return rc;
}
