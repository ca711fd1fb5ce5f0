/*
 * kw_relayout.c — an index's keyword section written again in the current
 * layout (layout 2: frames read in place), in a copy of the index: what
 * the 1M-document whole-process figures need from an index whose keyword
 * section is layout 1 (one blob, decoded whole by the first keyword query)
 * without indexing the corpus again. The records' folded text is taken
 * from the old section (ty_kw_load), packed by the build's own code
 * (ty_kwx_pack, the same bytes as `tenyo index` writes for that text), and
 * put in by ty_store_rewrite, every other section's frame copied byte for
 * byte. An index with updates is refused (the copy would lose them).
 *
 * Usage: kw_relayout INDEX COPY [-t THREADS]
 *   COPY must not exist; it is made by copying INDEX, then rewritten.
 */
#include "api/api.h"
#include "search/kwindex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relayout.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: kw_relayout INDEX COPY [-t THREADS]\n");
        return 2;
    }
    int threads = argc > 4 && !strcmp(argv[3], "-t") ? atoi(argv[4]) : 2;
    char err[TY_ERRLEN];
    tenyo_index *x = NULL;
    int rc = tenyo_index_open(argv[1], &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "kw_relayout: %s\n", err);
        return 1;
    }
    if (x->upd.nseg || x->upd.base_deleted) {
        fprintf(stderr, "kw_relayout: %s has updates (rebuild it first)\n", argv[1]);
        return 1;
    }
    double t0 = ty_now();
    rc = ty_kw_load(x, err, sizeof err);
    if (!rc) rc = ty_kw_need(x, 0, x->m.ndocs, err, sizeof err);
    if (rc || !x->kw_text) {
        fprintf(stderr, "kw_relayout: %s\n", rc ? err : "no keyword section");
        return 1;
    }
    ty_buf out = {0};
    rc = ty_kwx_pack(x->kw_text, x->kw_off[x->m.ndocs], x->m.ndocs, threads, &out, err,
                     sizeof err);
    if (rc) {
        fprintf(stderr, "kw_relayout: %s\n", err);
        return 1;
    }
    fprintf(stderr, "kw_relayout: %llu records, layout 2 of %llu bytes raw, %.1f s\n",
            (unsigned long long)x->m.ndocs, (unsigned long long)out.len, ty_now() - t0);
    tenyo_index_free(x);
    ty_secput put = {"keywords", out.p, out.len, NULL, 0};
    uint64_t bytes = 0;
    rc = relayout_copy("kw_relayout", argv[1], argv[2], &put, 1, &bytes);
    ty_buf_free(&out);
    if (rc) return 1;
    printf("%s: %llu bytes, keyword section in layout 2\n", argv[2], (unsigned long long)bytes);
    return 0;
}
