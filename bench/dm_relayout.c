/*
 * dm_relayout.c — an index's documents' strings (section "docmeta")
 * written again in layout 2 (store/docmeta.c: blocks of 128 documents and
 * a frame of ids, read a block at a time), in a copy of the index: what
 * the 1M-document whole-process figures need from an index written before
 * the layout, without indexing the corpus again (`tenyo rebuild` also
 * writes it, but refits the LSA). The strings are read from the old
 * section, packed by the writer's own code (ty_dm_pack: the same bytes as
 * `tenyo index` writes) and put in by ty_store_rewrite, every other
 * section's frame copied byte for byte. An index with updates is refused
 * (the copy would lose them).
 *
 * Usage: dm_relayout INDEX COPY
 *   COPY must not exist; it is made by copying INDEX, then rewritten.
 */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayout.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dm_relayout INDEX COPY\n");
        return 2;
    }
    char err[TY_ERRLEN];
    tenyo_index *x = NULL;
    int rc = tenyo_index_open(argv[1], &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "dm_relayout: %s\n", err);
        return 1;
    }
    if (x->upd.nseg || x->upd.base_deleted) {
        fprintf(stderr, "dm_relayout: %s has updates (rebuild it first)\n", argv[1]);
        return 1;
    }
    double t0 = ty_now();
    ty_buf out = {0};
    rc = ty_model_need_meta(&x->m, err, sizeof err);
    if (!rc) rc = ty_dm_pack(&x->m, &out, err, sizeof err);
    if (rc) {
        fprintf(stderr, "dm_relayout: %s\n", err);
        return 1;
    }
    fprintf(stderr, "dm_relayout: %llu documents, layout 2 of %llu bytes (layout 1: %llu raw), "
            "%.1f s\n", (unsigned long long)x->m.ndocs, (unsigned long long)out.len,
            (unsigned long long)x->m.meta_blob_len, ty_now() - t0);
    tenyo_index_free(x);
    ty_secput put = {"docmeta", out.p, out.len, NULL, 0};
    uint64_t bytes = 0;
    rc = relayout_copy("dm_relayout", argv[1], argv[2], &put, 1, &bytes);
    ty_buf_free(&out);
    if (rc) return 1;
    printf("%s: %llu bytes, docmeta in layout 2\n", argv[2], (unsigned long long)bytes);
    return 0;
}
