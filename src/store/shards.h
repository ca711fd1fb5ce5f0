/*
 * shards.h — what the sharded index's reader (shards_read.c) and writer
 * (shards_write.c) share, defined in shards.c, the lower file both call:
 * the manifest (its parsed form, reading, writing, the names it may
 * hold), the table of per-document sections and how each is cut into
 * shards, and the single file's section order. Only the store's files
 * include it; the layout is format.h's ("A sharded index").
 */
#ifndef TENYO_STORE_SHARDS_H
#define TENYO_STORE_SHARDS_H

#include "store/format.h"

#include <stddef.h>
#include <stdint.h>

#define MF_NAME 256            /* bytes of a file name in a manifest */

/* One file named by the manifest. */
typedef struct mf_file {
    char name[MF_NAME];        /* in the manifest's directory */
    uint64_t first, docs;      /* shards: documents first .. first+docs-1 */
    uint64_t bytes, hsum;      /* size, stored header checksum */
} mf_file;

/* A parsed manifest. */
typedef struct shard_mf {
    uint64_t gen, ndocs;       /* generation, documents of the index */
    mf_file shared;            /* the shared part */
    uint32_t n;                /* shards */
    mf_file *s;                /* n of them (malloc'd) */
} shard_mf;

/* Read and check the manifest at path into mf (zeroed first; free with
 * ty_mf_free): 0, or the status with the message naming path. */
int ty_mf_read(const char *path, shard_mf *mf, char *err, size_t errlen);
/* Free mf's shards and zero it. */
void ty_mf_free(shard_mf *mf);
/* mf as manifest text appended to b, its checksum line last: 0, or -1
 * out of memory. */
int ty_mf_format(const shard_mf *mf, ty_buf *b);
/* 1 when s is a file name a manifest may hold: 1..MF_NAME-1 bytes, no
 * '/', not "." or "..", printable. */
int ty_mf_name_ok(const char *s);

/* How a per-document section is cut: part A holds `a` bytes per document
 * (0: none), part B the rest, cut at offsets that `b` says how to find. */
enum { B_NONE, B_FIXED, B_LEB, B_VALS, B_META, B_FIELDS, B_PHR };
typedef struct perdoc {
    const char *name;          /* section */
    int a;                     /* part A bytes per document (K: -1, 2K: -2) */
    int b;                     /* how part B is cut */
} perdoc;

/* The per-document section called name, or NULL: a shared one. */
const perdoc *ty_perdoc_of(const char *name);
/* Part A bytes per document of pd for vectors of dim components. */
uint64_t ty_perdoc_unit(const perdoc *pd, uint64_t dim);
/* A section's place in a whole file (write.c's order); unknown ones last. */
int ty_sec_rank(const char *name);
/* The section called name of f, or NULL. */
const ty_rawsec *ty_rawsec_find(const ty_rawfile *f, const char *name);
/* The directory of path (malloc'd, NULL out of memory) and in *base a
 * pointer to its last component. */
char *ty_shards_dir(const char *path, const char **base);

#endif /* TENYO_STORE_SHARDS_H */
