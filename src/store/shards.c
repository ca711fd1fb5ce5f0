/*
 * shards.c — a sharded index (store/), the part its reader and its writer
 * share: the manifest, the table of per-document sections with how each
 * is cut into shards, and what is done to the files by name (telling a
 * manifest from an index file, refusing updates, the shards' layout,
 * collecting the files no manifest names). The reader is shards_read.c,
 * the writer shards_write.c; both call this file through shards.h, and
 * it calls neither.
 *
 * A sharded index is the form a cluster writes: one file per shard of
 * contiguous documents, a shared part written once and a small manifest
 * at the index's path naming them (layout: format.h, "A sharded index").
 * The single-process program opens it like a file: load.c sees the
 * manifest (ty_shards_sniff) and reads it with shards_read.c.
 *
 * Design. Every file is an ordinary index file of the one format (header,
 * section table, one checksummed zstd frame per section), so the header
 * and frame checks, the limits and the messages are read.c's. A shard
 * holds the per-document sections cut at its documents, each cut so that
 * the shards' pieces concatenated (for the two-part sections, each part
 * concatenated) are the single file's raw content (PERDOC below: part A a
 * fixed number of bytes per document, part B the rest). The manifest pins
 * every file by size and stored header checksum (which covers the section
 * table and so, through zstd's frame checksums, the content), and each
 * shard names its place (first document, count, its number) and the
 * shared part's checksum: a missing, truncated, damaged, swapped or stale
 * file is an error naming it, never a partial index.
 *
 * The manifest is text: "tenyo-sharded 1", the generation, the documents,
 * the shared part ("shared NAME BYTES HSUM"), a line per shard ("shard
 * NAME FIRST DOCS BYTES HSUM", in order, contiguous, covering the
 * documents) and "end" with the FNV-1a checksum of every line before it;
 * at most MF_MAX bytes. The writer replaces it last and atomically, so a
 * writer killed at any point leaves the previous manifest and the files it
 * names; the files named like shards of the index that no manifest names
 * are collected afterwards and by the next writer (ty_shards_collect,
 * also from ty_wlock_collect).
 *
 * Rejected: a directory as the index (no atomic replace of a directory by
 * rename over a non-empty one; the path could no longer be a file or a
 * sharded index interchangeably).
 */
#include "store/format.h"
#include "store/shards.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MF_MAGIC "tenyo-sharded 1\n"
#define MF_MAX (1u << 20)      /* bytes of a manifest */

/* The per-document sections (shards.h, perdoc). */
static const perdoc PERDOC[] = {
    {"docvec.q8", -1, B_FIXED},  {"tfidf.rows", 4, B_NONE}, {"tfidf.cols", 0, B_LEB},
    {"tfidf.tf", 0, B_LEB},      {"tfidf.vals", 0, B_VALS}, {"docmeta", 0, B_META},
    {"docflags", 1, B_FIXED},    {"docfields", 4, B_FIELDS}, {"phrase.docs", 4, B_PHR},
    {"docvec.f16", -2, B_NONE},
};
#define NPERDOC (sizeof PERDOC / sizeof PERDOC[0])

uint64_t ty_perdoc_unit(const perdoc *pd, uint64_t dim) {
    return pd->a == -1 ? dim : pd->a == -2 ? 2 * dim : (uint64_t)pd->a;
}

const perdoc *ty_perdoc_of(const char *name) {
    for (size_t i = 0; i < NPERDOC; i++)
        if (strcmp(PERDOC[i].name, name) == 0) return &PERDOC[i];
    return NULL;
}

int ty_sec_rank(const char *name) {
    static const char *const order[] = {
        "build",    "vocab",     "vocab.map", "df",      "idf",      "sigma",    "basis.q8",
        "docvec.q8", "tfidf.rows", "tfidf.cols", "tfidf.tf", "tfidf.vals", "docmeta", "ids.map",
        "docflags", "docfields", "fields",  "surface",  "phrase.text", "phrase.docs",
        "labels",   "ivf",       "docvec.f16", "fieldmodel", "termfacts", "tfidf.post", "common", "abstracts"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (strcmp(order[i], name) == 0) return (int)i;
    return (int)(sizeof order / sizeof order[0]);
}

void ty_mf_free(shard_mf *mf) {
    free(mf->s);
    memset(mf, 0, sizeof *mf);
}

char *ty_shards_dir(const char *path, const char **base) {
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    return slash ? ty_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                 : ty_strdup(".");
}

int ty_shards_sniff(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    char b[sizeof MF_MAGIC - 1];
    ssize_t k = pread(fd, b, sizeof b, 0);
    close(fd);
    return k == (ssize_t)sizeof b && memcmp(b, MF_MAGIC, sizeof b) == 0;
}

int ty_shards_refuse(const char *path, char *err, size_t errlen) {
    if (ty_shards_sniff(path) != 1) return TENYO_OK;
    ty_seterr(err, errlen,
              "%s: sharded index: rebuild it as one file or re-run tenyo-mpi index "
              "(add, delete, rebuild and check --repair do not write sharded indexes)",
              path);
    return TENYO_ERR_ARG;
}

/* ============================================================= manifest */

int ty_mf_name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= MF_NAME || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || (unsigned char)s[i] <= ' ') return 0;
    return 1;
}

int ty_mf_format(const shard_mf *mf, ty_buf *b) {
    char line[MF_NAME + 128];
    int k = snprintf(line, sizeof line, "%sgeneration %llu\ndocuments %llu\n", MF_MAGIC,
                     (unsigned long long)mf->gen, (unsigned long long)mf->ndocs);
    if (ty_buf_append(b, line, (size_t)k)) return -1;
    k = snprintf(line, sizeof line, "shared %s %llu %016llx\n", mf->shared.name,
                 (unsigned long long)mf->shared.bytes, (unsigned long long)mf->shared.hsum);
    if (ty_buf_append(b, line, (size_t)k)) return -1;
    for (uint32_t i = 0; i < mf->n; i++) {
        const mf_file *f = &mf->s[i];
        k = snprintf(line, sizeof line, "shard %s %llu %llu %llu %016llx\n", f->name,
                     (unsigned long long)f->first, (unsigned long long)f->docs,
                     (unsigned long long)f->bytes, (unsigned long long)f->hsum);
        if (ty_buf_append(b, line, (size_t)k)) return -1;
    }
    k = snprintf(line, sizeof line, "end %016llx\n",
                 (unsigned long long)ty_fnv1a_std(b->p, b->len));
    return ty_buf_append(b, line, (size_t)k);
}

/* Parse manifest text p[0..n) (NUL after it) of path. */
static int mf_parse(char *p, size_t n, const char *path, shard_mf *mf, char *err,
                    size_t errlen) {
    memset(mf, 0, sizeof *mf);
    size_t ml = sizeof MF_MAGIC - 1;
    char *endl = n > 4 ? strstr(p, "\nend ") : NULL;
    if (n < ml || memcmp(p, MF_MAGIC, ml) || !endl) goto bad;
    size_t body = (size_t)(endl - p) + 1;
    unsigned long long sum = 0;
    int used = 0;
    if (sscanf(p + body, "end %16llx\n%n", &sum, &used) != 1 || body + (size_t)used != n)
        goto bad;
    if (sum != ty_fnv1a_std(p, body)) {
        ty_seterr(err, errlen, "%s: sharded index manifest checksum mismatch (damaged)",
                  path);
        return TENYO_ERR_CORRUPT;
    }
    p[body] = 0;
    uint32_t cap = 0;
    unsigned long long a, b, c, d;
    char name[MF_NAME];
    int have_shared = 0;
    for (char *line = strtok(p + ml, "\n"); line; line = strtok(NULL, "\n")) {
        if (sscanf(line, "generation %llu", &a) == 1) mf->gen = a;
        else if (sscanf(line, "documents %llu", &a) == 1) mf->ndocs = a;
        else if (sscanf(line, "shared %255s %llu %16llx", name, &a, &b) == 3) {
            if (!ty_mf_name_ok(name) || have_shared++) goto bad;
            snprintf(mf->shared.name, MF_NAME, "%s", name);
            mf->shared.bytes = a;
            mf->shared.hsum = b;
        } else if (sscanf(line, "shard %255s %llu %llu %llu %16llx", name, &a, &b, &c, &d) ==
                   5) {
            if (!ty_mf_name_ok(name) || mf->n >= TY_MAX_SHARDS) goto bad;
            if (mf->n == cap) {
                cap = cap ? 2 * cap : 8;
                mf_file *q = realloc(mf->s, cap * sizeof *q);
                if (!q) {
                    ty_mf_free(mf);
                    ty_seterr(err, errlen, "%s: out of memory", path);
                    return TENYO_ERR_NOMEM;
                }
                mf->s = q;
            }
            mf_file *f = &mf->s[mf->n++];
            memset(f, 0, sizeof *f);
            snprintf(f->name, MF_NAME, "%s", name);
            f->first = a;
            f->docs = b;
            f->bytes = c;
            f->hsum = d;
        } else goto bad;
    }
    /* shards in order, contiguous, covering the documents */
    uint64_t next = 0;
    for (uint32_t i = 0; i < mf->n; i++) {
        if (mf->s[i].first != next || mf->s[i].docs > TY_MAX_DOCS) goto bad;
        next += mf->s[i].docs;
    }
    if (!have_shared || mf->n == 0 || next != mf->ndocs) goto bad;
    return TENYO_OK;
bad:
    ty_mf_free(mf);
    ty_seterr(err, errlen, "%s: not a valid sharded index manifest", path);
    return TENYO_ERR_CORRUPT;
}

int ty_mf_read(const char *path, shard_mf *mf, char *err, size_t errlen) {
    memset(mf, 0, sizeof *mf);
    FILE *f = fopen(path, "rb");
    if (!f) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TENYO_ERR_IO;
    }
    char *p = ty_malloc(MF_MAX + 1);
    if (!p) {
        fclose(f);
        ty_seterr(err, errlen, "%s: out of memory", path);
        return TENYO_ERR_NOMEM;
    }
    size_t n = fread(p, 1, MF_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad) {
        ty_seterr(err, errlen, "%s: cannot read", path);
        rc = TENYO_ERR_IO;
    } else if (n > MF_MAX) {
        ty_seterr(err, errlen, "%s: sharded index manifest over %u bytes", path, MF_MAX);
        rc = TENYO_ERR_CORRUPT;
    } else {
        p[n] = 0;
        rc = mf_parse(p, n, path, mf, err, errlen);
    }
    free(p);
    return rc;
}

const ty_rawsec *ty_rawsec_find(const ty_rawfile *f, const char *name) {
    for (int i = 0; i < f->nsec; i++)
        if (strcmp(f->sec[i].name, name) == 0) return &f->sec[i];
    return NULL;
}

int ty_shards_layout(const char *path, uint32_t *n, uint64_t **first, char *err,
                     size_t errlen) {
    shard_mf mf;
    int rc = ty_mf_read(path, &mf, err, errlen);
    if (rc) return rc;
    uint64_t *f = ty_calloc((size_t)mf.n + 1, sizeof *f);
    if (!f) {
        ty_mf_free(&mf);
        ty_seterr(err, errlen, "out of memory");
        return TENYO_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < mf.n; i++) f[i] = mf.s[i].first;
    f[mf.n] = mf.ndocs;
    *n = mf.n;
    *first = f;
    ty_mf_free(&mf);
    return TENYO_OK;
}

/* ============================================================= collect */

/* 1 when name is "<base>.<digits>.shared" or "<base>.<digits>.s<digits>". */
static int is_shard_of(const char *name, const char *base) {
    size_t b = strlen(base);
    if (strncmp(name, base, b) || name[b] != '.') return 0;
    const char *p = name + b + 1, *q = p;
    while (*q >= '0' && *q <= '9') q++;
    if (q == p || *q != '.') return 0;
    if (!strcmp(q, ".shared")) return 1;
    if (q[1] != 's' || !q[2]) return 0;
    for (q += 2; *q; q++)
        if (*q < '0' || *q > '9') return 0;
    return 1;
}

int ty_shards_collect(const char *path) {
    shard_mf mf;
    memset(&mf, 0, sizeof mf);
    char e[TY_ERRLEN];
    struct stat st;
    if (ty_shards_sniff(path)) {
        if (ty_mf_read(path, &mf, e, sizeof e)) return 0; /* check's to judge */
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return 0;
    }
    const char *base;
    char *dir = ty_shards_dir(path, &base);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *ent;
    int removed = 0;
    while (d && (ent = readdir(d))) {
        if (!is_shard_of(ent->d_name, base)) continue;
        int keep = !strcmp(ent->d_name, mf.shared.name);
        for (uint32_t i = 0; i < mf.n && !keep; i++) keep = !strcmp(ent->d_name, mf.s[i].name);
        if (keep) continue;
        char *p = ty_upd_path(dir, ent->d_name);
        if (p && unlink(p) == 0) removed++;
        free(p);
    }
    if (d) closedir(d);
    free(dir);
    ty_mf_free(&mf);
    return removed;
}
