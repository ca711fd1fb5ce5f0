/*
 * load.c — an index file's path to a ty_model: a single file (read.c) or a
 * sharded index, whose path is a manifest naming its shard files
 * (shards_read.c); ty_shards_sniff tells which from the first bytes. All
 * of it (ty_store_read), lazily (ty_store_read_lazy: the sparse rows on
 * first use) or some shards only (ty_store_read_part). The one file of the
 * store that knows both readers, so neither calls the other.
 */
#include "store/format.h"
#include "store/store.h"

#include <stddef.h>

/* A single file (read.c), or a sharded index through its manifest. */
static int store_read(const char *path, ty_model *m, char *err, size_t errlen, int lazy) {
    if (!path || !m) return TENYO_ERR_ARG;
    if (ty_shards_sniff(path) == 1) return ty_shards_read(path, m, err, errlen);
    return ty_store_read_file(path, m, err, errlen, lazy);
}

int ty_store_read(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 0);
}

int ty_store_read_lazy(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 1);
}

int ty_store_read_lazy_for(const char *path, int keywords, int vectors, int numbers,
                           int fields, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen,
                      1 | (keywords ? 2 : 0) | (vectors ? 4 : 0) | (numbers ? 8 : 0) |
                          (fields ? 32 : 0) | (vectors & TY_READ_STREAM_LARGE ? 64 : 0) |
                          (vectors & TY_READ_STREAM ? 128 : 0));
}

int ty_store_read_lazy_terms(const char *path, int keywords, int numbers, ty_model *m,
                             char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 1 | (keywords ? 2 : 0) | (numbers ? 8 : 0) | 16 | 32);
}

int ty_store_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                       char *err, size_t errlen) {
    if (path && m && ty_shards_sniff(path) == 1)
        return ty_shards_read_part(path, keep, nkeep, m, err, errlen);
    return ty_store_read_file(path, m, err, errlen, 1);
}
