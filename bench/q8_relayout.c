/*
 * q8_relayout.c — an index's int8 vectors (sections "basis.q8" and
 * "docvec.q8") stored again as the writer now stores them, raw in a
 * skippable frame that a query's open maps (store/format.h, "Sections
 * stored raw"), in a copy of the index: what the 1M-document
 * whole-process figures need from an index written before, without
 * indexing the corpus again. The sections' content is the same bytes
 * (codes, then scales); only their frames change. They are read from the
 * old sections (each frame checked) and put in by ty_store_rewrite, every
 * other section's frame copied byte for byte. An index with updates is
 * refused (the copy would lose them).
 *
 * Usage: q8_relayout INDEX COPY
 *   COPY must not exist; it is made by copying INDEX, then rewritten.
 */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayout.h"

/* rows x k codes, then rows f32 scales little-endian: a q8 section's
 * content (malloc'd), or NULL. */
static unsigned char *q8_content(const int8_t *q, const float *scale, uint64_t rows, uint64_t k,
                                 uint64_t *len) {
    *len = rows * k + 4 * rows;
    unsigned char *p = malloc(*len ? *len : 1);
    if (!p) return NULL;
    memcpy(p, q, rows * k);
    for (uint64_t i = 0; i < rows; i++) {
        uint32_t u;
        memcpy(&u, &scale[i], 4);
        for (int b = 0; b < 4; b++) p[rows * k + 4 * i + b] = (unsigned char)(u >> (8 * b));
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: q8_relayout INDEX COPY\n");
        return 2;
    }
    char err[TY_ERRLEN];
    ty_model m;
    double t0 = ty_now();
    int rc = ty_store_read_lazy(argv[1], &m, err, sizeof err);
    if (!rc) rc = ty_model_need_vectors(&m, err, sizeof err);
    if (rc) {
        fprintf(stderr, "q8_relayout: %s\n", err);
        return 1;
    }
    if (m.updated) {
        fprintf(stderr, "q8_relayout: %s has updates (rebuild it first)\n", argv[1]);
        return 1;
    }
    if (!m.basis_q || !m.doc_q) {
        fprintf(stderr, "q8_relayout: %s stores no int8 vectors (format 1)\n", argv[1]);
        return 1;
    }
    uint64_t bl = 0, dl = 0;
    unsigned char *b = q8_content(m.basis_q, m.basis_qscale, m.nterms, m.dim, &bl);
    unsigned char *d = q8_content(m.doc_q, m.doc_qscale, m.ndocs, m.dim, &dl);
    ty_model_free(&m);
    if (!b || !d) {
        fprintf(stderr, "q8_relayout: out of memory\n");
        return 1;
    }
    ty_secput put[2] = {{"basis.q8", b, bl, NULL, 0}, {"docvec.q8", d, dl, NULL, 0}};
    uint64_t bytes = 0;
    rc = relayout_copy("q8_relayout", argv[1], argv[2], put, 2, &bytes);
    free(b);
    free(d);
    if (rc) return 1;
    printf("%s: %llu bytes, basis.q8 (%llu bytes) and docvec.q8 (%llu bytes) stored raw, "
           "%.1f s\n", argv[2], (unsigned long long)bytes, (unsigned long long)bl,
           (unsigned long long)dl, ty_now() - t0);
    return 0;
}
