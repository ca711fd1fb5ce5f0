/*
 * fuzz_senses.c — a senses file (tenyo_senses_load, the reader of
 * INDEX.senses, `tenyo senses import` and `tenyo serve`) over arbitrary
 * bytes, through a memfd path. Properties: a refusal names the file and a
 * line and takes nothing; an accepted file's splits each have a word and
 * two different subclasses, and its TSV reads back to the same splits.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], err[640] = "";
    int fd = fz_memfd(data, size, path, sizeof path);
    if (fd < 0) return 0;
    tenyo_senses *s = NULL, *r = NULL;
    FZ_ASSERT(tenyo_senses_new(&s) == 0 && tenyo_senses_new(&r) == 0);
    int rc = tenyo_senses_load(s, path, err, sizeof err);
    close(fd);
    if (rc) {
        FZ_ASSERT(tenyo_senses_count(s) == 0 && strstr(err, path));
    } else {
        const char *w, *a, *b;
        for (size_t i = 0; tenyo_senses_get(s, i, &w, &a, &b) == TENYO_OK; i++)
            FZ_ASSERT(*w && strlen(a) == 4 && strlen(b) == 4 && strcmp(a, b));
        char *t = NULL, *t2 = NULL;
        FZ_ASSERT(tenyo_senses_tsv(s, &t) == 0);
        int fd2 = fz_memfd(t, strlen(t), path, sizeof path);
        if (fd2 >= 0) {
            FZ_ASSERT(tenyo_senses_load(r, path, err, sizeof err) == 0);
            FZ_ASSERT(tenyo_senses_tsv(r, &t2) == 0 && !strcmp(t, t2));
            close(fd2);
        }
        tenyo_json_free(t);
        tenyo_json_free(t2);
    }
    tenyo_senses_free(s);
    tenyo_senses_free(r);
    return 0;
}
