/*
 * relayout.h — the end every relayout program of bench/ shares: INDEX copied
 * to COPY (which must not exist), then the sections of put rewritten into
 * the copy by ty_store_rewrite (every other section's frame copied byte
 * for byte), so that a 1M-document figure can be measured on an index
 * written before a layout without indexing the corpus again.
 */
#ifndef TENYO_BENCH_RELAYOUT_H
#define TENYO_BENCH_RELAYOUT_H

#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* 0 with *bytes the copy's size, or 1 after a message naming prog. */
static inline int relayout_copy(const char *prog, const char *index, const char *copy,
                                const ty_secput *put, int nput, uint64_t *bytes) {
    char err[TY_ERRLEN];
    if (bench_copy_file(index, copy)) {
        fprintf(stderr, "%s: cannot copy %s to %s: %s\n", prog, index, copy, strerror(errno));
        return 1;
    }
    *bytes = 0;
    if (ty_store_rewrite(copy, NULL, 0, put, nput, bytes, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    return 0;
}

#endif
