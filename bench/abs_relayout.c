/*
 * abs_relayout.c — an index's abstracts (section "abstracts") stored again
 * as the writer now stores them, a frame of stored blocks whose blocks a
 * lookup reads in place (store/abstracts.c), in a copy of the index: what
 * the 1M-document whole-process figures need from an index written before,
 * without indexing the corpus again. The section's content is the same
 * bytes (its blocks and table); only its frame changes. It is read from
 * the old section (its frame checked) and put in by ty_store_rewrite,
 * every other section's frame copied byte for byte. An index with updates
 * is refused (the copy would lose them).
 *
 * Usage: abs_relayout INDEX COPY
 *   COPY must not exist; it is made by copying INDEX, then rewritten.
 */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "relayout.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: abs_relayout INDEX COPY\n");
        return 2;
    }
    char err[TY_ERRLEN];
    tenyo_index *x = NULL;
    int rc = tenyo_index_open(argv[1], &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "abs_relayout: %s\n", err);
        return 1;
    }
    if (x->upd.nseg || x->upd.base_deleted) {
        fprintf(stderr, "abs_relayout: %s has updates (rebuild it first)\n", argv[1]);
        return 1;
    }
    const char *p;
    uint64_t len;
    if (!x->m.abs) {
        fprintf(stderr, "abs_relayout: %s keeps no abstracts\n", argv[1]);
        return 1;
    }
    double t0 = ty_now();
    if ((rc = ty_abs_content(x->m.abs, &p, &len, err, sizeof err))) {
        fprintf(stderr, "abs_relayout: %s\n", err);
        return 1;
    }
    ty_secput put = {"abstracts", p, len, NULL, 0};
    uint64_t bytes = 0;
    rc = relayout_copy("abs_relayout", argv[1], argv[2], &put, 1, &bytes);
    tenyo_index_free(x);
    if (rc) return 1;
    printf("%s: %llu bytes, abstracts (%llu bytes) in stored blocks, %.1f s\n", argv[2],
           (unsigned long long)bytes, (unsigned long long)len, ty_now() - t0);
    return 0;
}
