/*
 * shards.c — a sharded index (store/): the form a cluster writes, one file
 * per shard of contiguous documents, a shared part written once and a
 * small manifest at the index's path naming them (layout: format.h,
 * "A sharded index"). The single-process program opens it like a file:
 * ty_store_read sees the manifest and comes here.
 *
 * Design. Every file is an ordinary index file of the one format (header,
 * section table, one checksummed zstd frame per section), so the header
 * and frame checks, the limits and the messages are read.c's. A shard
 * holds the per-document sections cut at its documents, each cut so that
 * the shards' pieces concatenated (for the two-part sections, each part
 * concatenated) are the single file's raw content; reading reassembles
 * those raw sections and hands them to read.c's one decoder
 * (ty_store_read_mem), so a sharded index is the same ty_model, and every
 * query gives the same bytes, as the single file it was cut from, with no
 * second decoder to keep in step. The manifest pins every file by size and
 * stored header checksum (which covers the section table and so, through
 * zstd's frame checksums, the content), and each shard names its place
 * (first document, count, its number) and the shared part's checksum:
 * a missing, truncated, damaged, swapped or stale file is an error naming
 * it, never a partial index.
 *
 * Writing cuts a whole file's raw sections: write.c's one section code
 * encodes the model into memory, raw (ty_store_encode_raw, every
 * invariant checked), the shared part is written from its sections, and
 * each shard's per-document pieces are cut out as one message
 * (ty_shards_piece: raw bytes, its "shard" section and its abstracts'
 * text) that ty_shards_write_piece turns into the shard's file, packing
 * its abstracts and compressing (the store's one zstd writer), anywhere:
 * in this process (ty_store_write_shards) or in the process that owns
 * the shard (tenyo-mpi index --shards, src/mpi/tenyo_mpi.c), which
 * reports the file's size and header checksum; the writer checks each
 * file against its report (ty_shards_done) and replaces the manifest last
 * (ty_shards_commit: temporary file, fsync, rename), so a writer killed
 * at any point, in any process, leaves the previous manifest and the
 * files it names; the files no manifest names are collected afterwards
 * and by the next writer (ty_shards_collect from ty_wlock_collect). Both
 * ways go through the same steps, so their files are the same bytes.
 *
 * Rows from elsewhere (tenyo-mpi --shards: no process holds every row).
 * ty_shards_begin_meta encodes the model without its rows' and vectors'
 * sections (docvec.q8, tfidf.*, docvec.f16; write.c leaves them out and
 * counts the non-zeros it is given), so the shared part and the metadata
 * pieces need no row; the processes that hold the rows encode each
 * shard's part of them with write.c's same section code
 * (ty_shards_rows_piece over a matrix of just those rows: every
 * document's bytes in those sections are its own row's and vector's, so
 * the part is the cut), and the shard's writer joins the parts (part A of
 * each, then part B, as the read assembles shards) and puts them in the
 * file's section order (ty_shards_write_pieces). The same bytes as the
 * whole model's cut (tests/mpi.sh: every file of tenyo-mpi index
 * --shards against tenyo index --shards).
 *
 * Text from elsewhere (tenyo-mpi --shards: no process holds every
 * document's text). ty_shards_begin_meta with docs_elsewhere leaves out
 * "docmeta" (write.c encodes the rest; the model has none, the invariant
 * check skips it: TY_CHECK_NO_DOCS) and cuts no abstracts' text; the
 * pieces say so (flag 2) and whether the index has abstracts (flag 1),
 * and the shard's writer, which made its documents' strings itself,
 * gives ty_shards_write_parts the docmeta section's raw bytes (its
 * documents' TY_META_NSTR strings in order: that section is only the
 * strings, so its cut is exactly them) and their abstracts' text, each
 * checked to hold one document's strings per document, put in the
 * file's order and packed as the piece's own would be.
 *
 * Rejected: a directory as the index (no atomic replace of a directory by
 * rename over a non-empty one; the path could no longer be a file or a
 * sharded index interchangeably); a second decoder working per shard (two
 * codes to keep bit-identical); cutting from the model's arrays, or a
 * second encoder of the per-document sections for a process's own rows
 * (every layout would be written twice; the rows' part is write.c's own
 * code run on fewer rows); the
 * earlier whole temporary file written, read back and decompressed to be
 * cut (one extra write and read of the index; the raw sections are what
 * that read produced, without the file). The cost: every section's raw
 * bytes in memory at once (as the read-back held them), the shared ones
 * freed once the shared part is written, plus one shard's piece at a
 * time.
 *
 * A partial read (ty_shards_read_part: tenyo-mpi serve's processes other
 * than 0, which score only their own shards) opens the shared part and
 * some shards; the others' per-document pieces are made of empty
 * documents (all zero bytes: no vector, no terms, empty strings, no
 * fields), so the one decoder still sees every document at its number
 * and the read shards' rows are the whole file's. The model is marked
 * partial (the build section's non-zero count and the fields' document
 * counts cannot be checked against stand-ins; nothing but the read
 * shards' scan may use it) and carries the manifest's hash as its
 * identity. Rejected: a model of the read documents only, renumbered
 * (every scan and candidate would need an offset, and the scan is the
 * one-process code by design).
 *
 * Left: the pieces of the globally numbered per-document sections
 * (docflags, docfields, phrase.docs) are cut on the process that numbers
 * them (tenyo-mpi's rank 0) and sent to the shards' writers; a rows
 * piece is not checked against the vocabulary where it is joined (the
 * reader checks every shard); reading decodes every shard
 * on open (no lazy rows for a sharded index); updates (tenyo add / delete
 * / rebuild) refuse a sharded index.
 */
#include "store/format.h"

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
#define MF_NAME 256            /* bytes of a file name in it */

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

/* How a per-document section is cut: part A holds `a` bytes per document
 * (0: none), part B the rest, cut at offsets bofs() gives. */
enum { B_NONE, B_FIXED, B_LEB, B_VALS, B_META, B_FIELDS, B_PHR };
static const struct perdoc {
    const char *name;          /* section */
    int a;                     /* part A bytes per document (K: -1, 2K: -2) */
    int b;                     /* how part B is cut */
} PERDOC[] = {
    {"docvec.q8", -1, B_FIXED},  {"tfidf.rows", 4, B_NONE}, {"tfidf.cols", 0, B_LEB},
    {"tfidf.tf", 0, B_LEB},      {"tfidf.vals", 0, B_VALS}, {"docmeta", 0, B_META},
    {"docflags", 1, B_FIXED},    {"docfields", 4, B_FIELDS}, {"phrase.docs", 4, B_PHR},
    {"docvec.f16", -2, B_NONE},
};
#define NPERDOC (sizeof PERDOC / sizeof PERDOC[0])

/* Part A bytes per document of pd for vectors of dim components. */
static uint64_t unit_of(const struct perdoc *pd, uint64_t dim) {
    return pd->a == -1 ? dim : pd->a == -2 ? 2 * dim : (uint64_t)pd->a;
}

static const struct perdoc *perdoc_of(const char *name) {
    for (size_t i = 0; i < NPERDOC; i++)
        if (strcmp(PERDOC[i].name, name) == 0) return &PERDOC[i];
    return NULL;
}

/* A section's place in a whole file (write.c's order); unknown ones last. */
static int sec_rank(const char *name) {
    static const char *const order[] = {
        "build",    "vocab",     "df",      "idf",      "sigma",    "basis.q8",
        "docvec.q8", "tfidf.rows", "tfidf.cols", "tfidf.tf", "tfidf.vals", "docmeta",
        "docflags", "docfields", "fields",  "surface",  "phrase.text", "phrase.docs",
        "labels",   "ivf",       "docvec.f16", "fieldmodel", "common", "abstracts"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (strcmp(order[i], name) == 0) return (int)i;
    return (int)(sizeof order / sizeof order[0]);
}

static void mf_free(shard_mf *mf) {
    free(mf->s);
    memset(mf, 0, sizeof *mf);
}

/* The directory of path (malloc'd) and a pointer to its last component. */
static char *dir_of(const char *path, const char **base) {
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

/* A file name a manifest may hold: 1..MF_NAME-1 bytes, no '/', not "." or
 * "..", printable. */
static int name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= MF_NAME || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || (unsigned char)s[i] <= ' ') return 0;
    return 1;
}

static int mf_format(const shard_mf *mf, ty_buf *b) {
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
            if (!name_ok(name) || have_shared++) goto bad;
            snprintf(mf->shared.name, MF_NAME, "%s", name);
            mf->shared.bytes = a;
            mf->shared.hsum = b;
        } else if (sscanf(line, "shard %255s %llu %llu %llu %16llx", name, &a, &b, &c, &d) ==
                   5) {
            if (!name_ok(name) || mf->n >= TY_MAX_SHARDS) goto bad;
            if (mf->n == cap) {
                cap = cap ? 2 * cap : 8;
                mf_file *q = realloc(mf->s, cap * sizeof *q);
                if (!q) {
                    mf_free(mf);
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
    mf_free(mf);
    ty_seterr(err, errlen, "%s: not a valid sharded index manifest", path);
    return TENYO_ERR_CORRUPT;
}

static int mf_read(const char *path, shard_mf *mf, char *err, size_t errlen) {
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

/* ================================================================ read */

/* Open dir/f->name raw (abstracts located only) and check it against the
 * manifest: size first (a clear "truncated"), then the header checksum. */
static int open_part(const char *dir, const mf_file *f, ty_rawfile *rf, char *err,
                     size_t errlen) {
    memset(rf, 0, sizeof *rf);
    rf->fd = -1;
    char *p = ty_upd_path(dir, f->name);
    if (!p) {
        ty_seterr(err, errlen, "%s: out of memory", f->name);
        return TENYO_ERR_NOMEM;
    }
    struct stat st;
    int rc = TENYO_ERR_CORRUPT;
    if (stat(p, &st) != 0) {
        ty_seterr(err, errlen, "%s: shard file missing: %s", p, strerror(errno));
    } else if ((uint64_t)st.st_size != f->bytes) {
        ty_seterr(err, errlen,
                  "%s: %llu bytes, the manifest says %llu (truncated or replaced)", p,
                  (unsigned long long)st.st_size, (unsigned long long)f->bytes);
    } else if ((rc = ty_store_raw_read(p, rf, 0, err, errlen)) == TENYO_OK &&
               rf->hsum != f->hsum) {
        ty_seterr(err, errlen,
                  "%s: header checksum %016llx, the manifest says %016llx (a file of "
                  "another index or generation)",
                  p, (unsigned long long)rf->hsum, (unsigned long long)f->hsum);
        ty_rawfile_free(rf);
        rc = TENYO_ERR_CORRUPT;
    }
    free(p);
    return rc;
}

static const ty_rawsec *find_sec(const ty_rawfile *f, const char *name) {
    for (int i = 0; i < f->nsec; i++)
        if (strcmp(f->sec[i].name, name) == 0) return &f->sec[i];
    return NULL;
}

/* Check shard i's section "shard" against the manifest. */
static int check_shard(const ty_rawfile *f, const shard_mf *mf, uint32_t i, char *err,
                       size_t errlen) {
    const ty_rawsec *s = find_sec(f, "shard");
    unsigned long long first, docs, k, n, h;
    if (!s || sscanf((const char *)s->data,
                     "first=%llu\ndocs=%llu\nshard=%llu\nshards=%llu\nshared=%16llx\n",
                     &first, &docs, &k, &n, &h) != 5 ||
        first != mf->s[i].first || docs != mf->s[i].docs || k != i || n != mf->n ||
        h != mf->shared.hsum) {
        ty_seterr(err, errlen,
                  "%s: not shard %u of %u of this index (its section 'shard' disagrees "
                  "with the manifest)",
                  f->path, i, mf->n);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

int ty_shards_layout(const char *path, uint32_t *n, uint64_t **first, char *err,
                     size_t errlen) {
    shard_mf mf;
    int rc = mf_read(path, &mf, err, errlen);
    if (rc) return rc;
    uint64_t *f = ty_calloc((size_t)mf.n + 1, sizeof *f);
    if (!f) {
        mf_free(&mf);
        ty_seterr(err, errlen, "out of memory");
        return TENYO_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < mf.n; i++) f[i] = mf.s[i].first;
    f[mf.n] = mf.ndocs;
    *n = mf.n;
    *first = f;
    mf_free(&mf);
    return TENYO_OK;
}

/* Bytes of part `part` (0: A, 1: B) of per-document section pd for `docs`
 * documents that hold nothing (a shard left out of a partial read): zero
 * vector codes and scale, no terms, empty strings, language 0, no fields
 * or phrases. All zero bytes. */
static uint64_t empty_part(const struct perdoc *pd, uint64_t dim, uint64_t docs, int part) {
    if (!part) return (pd->a < 0 ? dim : (uint64_t)pd->a) * docs;
    if (pd->b == B_FIXED) return (pd->a < 0 ? 4 : 1) * docs;
    if (pd->b == B_META) return (uint64_t)TY_META_NSTR * docs;
    return 0;
}

int ty_shards_read(const char *path, ty_model *m, char *err, size_t errlen) {
    return ty_shards_read_part(path, NULL, 0, m, err, errlen);
}

int ty_shards_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                        char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    shard_mf mf;
    int rc = mf_read(path, &mf, err, errlen);
    if (rc) return rc;
    /* the shards read (every one without keep); the first of them gives
     * the per-document sections' list; with none kept, shard 0 is read */
    uint8_t *kept = ty_calloc(mf.n, 1);
    uint32_t ref = mf.n, partial = 0;
    for (uint32_t i = 0; kept && i < mf.n; i++) {
        kept[i] = !keep || (i < nkeep && keep[i]);
        if (kept[i] && ref == mf.n) ref = i;
    }
    if (kept && ref == mf.n) kept[ref = 0] = 1;
    for (uint32_t i = 0; kept && i < mf.n; i++) partial |= !kept[i];
    const char *base;
    char *dir = dir_of(path, &base);
    ty_rawfile sh, *sf = ty_calloc(mf.n, sizeof *sf);
    ty_rawsec all[TENYO_MAX_SECTIONS];
    ty_abs **parts = ty_calloc(mf.n, sizeof *parts);
    uint64_t *first = ty_calloc((size_t)mf.n + 1, sizeof *first);
    int nall = 0;
    memset(&sh, 0, sizeof sh);
    sh.fd = -1;
    memset(all, 0, sizeof all);
    for (uint32_t i = 0; sf && i < mf.n; i++) sf[i].fd = -1;
    rc = TENYO_ERR_NOMEM;
    if (!dir || !sf || !parts || !first || !kept) goto nomem;
    rc = open_part(dir, &mf.shared, &sh, err, errlen);
    if (rc) goto done;
    for (uint32_t i = 0; i < mf.n; i++) {
        if (!kept[i]) continue;
        rc = open_part(dir, &mf.s[i], &sf[i], err, errlen);
        if (!rc) rc = check_shard(&sf[i], &mf, i, err, errlen);
        if (rc) goto done;
    }
    /* the shared sections as they are, then the per-document ones
     * assembled in the first read shard's order (shard 0's, unless some
     * are left out), a left-out shard's pieces made of empty documents */
    for (int j = 0; j < sh.nsec; j++) {
        if (perdoc_of(sh.sec[j].name) || !strcmp(sh.sec[j].name, "abstracts") ||
            !strcmp(sh.sec[j].name, "shard")) {
            ty_seterr(err, errlen, "%s: section '%s' in the shared part", sh.path,
                      sh.sec[j].name);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        all[nall] = sh.sec[j];
        sh.sec[j].data = NULL; /* taken */
        nall++;
    }
    uint64_t dim = 0;
    {
        const ty_rawsec *b = NULL;
        for (int j = 0; j < nall && !b; j++)
            if (!strcmp(all[j].name, "build")) b = &all[j];
        const char *d = b ? strstr((const char *)b->data, "\ndim=") : NULL;
        unsigned long long v;
        if (!d || sscanf(d, "\ndim=%llu", &v) != 1 || v > TY_MAX_DIM) {
            ty_seterr(err, errlen, "%s: section 'build' lacks the rank", sh.path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        dim = v;
    }
    for (int j = 0; j < sf[ref].nsec; j++) {
        const char *name = sf[ref].sec[j].name;
        const struct perdoc *pd = perdoc_of(name);
        if (!pd) continue;
        if (nall == TENYO_MAX_SECTIONS) {
            ty_seterr(err, errlen, "%s: too many sections", path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        uint64_t unit = unit_of(pd, dim), total = 0;
        for (uint32_t i = 0; i < mf.n; i++) {
            if (!kept[i]) {
                total += empty_part(pd, dim, mf.s[i].docs, 0) + empty_part(pd, dim, mf.s[i].docs, 1);
                continue;
            }
            const ty_rawsec *s = find_sec(&sf[i], name);
            if (!s || s->raw < unit * mf.s[i].docs) {
                ty_seterr(err, errlen, "%s: section '%s' %s", sf[i].path, name,
                          s ? "too short for the shard's documents" : "is missing");
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
            total += s->raw;
        }
        unsigned char *d = ty_malloc((size_t)total + 1);
        if (!d) goto nomem;
        uint64_t at = 0;
        for (int part = 0; part < 2; part++)
            for (uint32_t i = 0; i < mf.n; i++) {
                if (!kept[i]) {
                    uint64_t e = empty_part(pd, dim, mf.s[i].docs, part);
                    memset(d + at, 0, (size_t)e);
                    at += e;
                    continue;
                }
                const ty_rawsec *s = find_sec(&sf[i], name);
                uint64_t alen = unit * mf.s[i].docs;
                uint64_t lo = part ? alen : 0, hi = part ? s->raw : alen;
                if (hi > lo) memcpy(d + at, s->data + lo, (size_t)(hi - lo));
                at += hi - lo;
            }
        d[total] = 0;
        ty_rawsec *o = &all[nall++];
        memcpy(o->name, sf[ref].sec[j].name, 16);
        o->data = d;
        o->raw = total;
        for (uint32_t i = 0; i < mf.n; i++)
            if (kept[i]) o->stored += find_sec(&sf[i], name)->stored;
    }
    for (uint32_t i = ref + 1; i < mf.n; i++) /* the same per-document sections */
        for (int j = 0; kept[i] && j < sf[i].nsec; j++)
            if (!find_sec(&sf[ref], sf[i].sec[j].name)) {
                ty_seterr(err, errlen, "%s: section '%s', which shard %u lacks",
                          sf[i].path, sf[i].sec[j].name, ref);
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
    /* the single file's section order, for info */
    for (int j = 1; j < nall; j++)
        for (int q = j; q > 0 && sec_rank(all[q].name) < sec_rank(all[q - 1].name); q--) {
            ty_rawsec t = all[q];
            all[q] = all[q - 1];
            all[q - 1] = t;
        }
    rc = ty_store_read_mem(path, all, nall, (int)partial, m, err, errlen);
    if (rc) goto done;
    if (m->ndocs != mf.ndocs) {
        ty_seterr(err, errlen, "%s: the shared part counts %llu documents, the manifest %llu",
                  path, (unsigned long long)m->ndocs, (unsigned long long)mf.ndocs);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    /* abstracts: each shard's own section, composed by position */
    const ty_rawsec *a0 = partial ? NULL : find_sec(&sf[0], "abstracts");
    if (a0) { /* (a partial read has none: its reader renders nothing) */
        uint64_t st = 0;
        for (uint32_t i = 0; i < mf.n; i++) {
            const ty_rawsec *a = find_sec(&sf[i], "abstracts");
            first[i] = mf.s[i].first;
            parts[i] = ty_abs_open(sf[i].fd, sf[i].path, a->off, a->stored, a->raw,
                                   mf.s[i].docs);
            if (!parts[i]) goto nomem;
            st += a->stored;
        }
        first[mf.n] = mf.ndocs;
        m->abs = ty_abs_compose(parts, first, mf.n, NULL, mf.ndocs);
        memset(parts, 0, mf.n * sizeof *parts); /* taken, or freed */
        if (!m->abs) goto nomem;
        ty_rawsec *o = &all[nall < TENYO_MAX_SECTIONS ? nall++ : nall - 1];
        memset(o->name, 0, 16);
        memcpy(o->name, "abstracts", 9);
        o->raw = 0;
        o->stored = st;
        for (uint32_t i = 0; i < mf.n; i++) o->raw += find_sec(&sf[i], "abstracts")->raw;
        o->data = NULL;
    }
    /* what info shows: every file, the sections summed over the shards */
    m->shard_docs = ty_calloc(mf.n, sizeof *m->shard_docs);
    m->shard_bytes = ty_calloc(mf.n, sizeof *m->shard_bytes);
    if (!m->shard_docs || !m->shard_bytes) goto nomem;
    m->nshards = mf.n;
    {
        uint64_t v[4] = {mf.gen, mf.ndocs, mf.shared.bytes, mf.shared.hsum};
        uint64_t h = ty_fnv1a(v, sizeof v);
        for (uint32_t i = 0; i < mf.n; i++) {
            uint64_t w[4] = {mf.s[i].first, mf.s[i].docs, mf.s[i].bytes, mf.s[i].hsum};
            h = h * 0x100000001b3ull ^ ty_fnv1a(w, sizeof w);
        }
        m->shard_ident = h ? h : 1;
    }
    struct stat st;
    m->file_bytes = sh.fsize + (stat(path, &st) == 0 ? (uint64_t)st.st_size : 0);
    for (uint32_t i = 0; i < mf.n; i++) {
        m->shard_docs[i] = mf.s[i].docs;
        m->shard_bytes[i] = kept[i] ? sf[i].fsize : mf.s[i].bytes;
        m->file_bytes += m->shard_bytes[i];
    }
    m->nsections = nall;
    for (int j = 0; j < nall; j++) {
        memcpy(m->sections[j].name, all[j].name, 16);
        m->sections[j].stored = all[j].stored;
        m->sections[j].raw = all[j].raw;
    }
    rc = TENYO_OK;
    goto done;
nomem:
    ty_seterr(err, errlen, "%s: out of memory reading the sharded index", path);
    rc = TENYO_ERR_NOMEM;
done:
    if (rc) ty_model_free(m);
    for (int j = 0; j < nall; j++) free(all[j].data);
    ty_rawfile_free(&sh);
    for (uint32_t i = 0; sf && i < mf.n; i++) ty_rawfile_free(&sf[i]);
    for (uint32_t i = 0; parts && i < mf.n; i++) ty_abs_free(parts[i]);
    free(sf);
    free(parts);
    free(first);
    free(kept);
    free(dir);
    mf_free(&mf);
    return rc;
}

/* =============================================================== write */

/* A sharded write under way (store.h, ty_shards_begin): the model's
 * sections raw, where each shard's pieces are cut, the manifest made as
 * the shards are reported. */
struct ty_shards_out {
    ty_model *m;               /* the model written (the caller's) */
    char *path;                /* the manifest's path (malloc'd) */
    char *dir;                 /* its directory (malloc'd) */
    char *base;                /* its file name (malloc'd) */
    ty_rawfile f;              /* m's sections raw, no "abstracts"; the
                                  shared ones freed once written */
    uint64_t nd, dim;          /* documents, rank */
    uint32_t n;                /* shards */
    uint64_t *at;              /* n + 1 boundaries (document numbers) */
    uint64_t *aoff;            /* m->abs_text's offsets at them, or NULL */
    int docs_elsewhere;        /* docmeta and the abstracts' text are made by
                                  the shards' writers (ty_shards_write_parts) */
    int has_abs;               /* then: the index has abstracts */
    int nper;                  /* per-document sections in f */
    int perj[TENYO_MAX_SECTIONS];     /* their places in f.sec */
    uint64_t *bo[TENYO_MAX_SECTIONS]; /* their part B offsets at the boundaries */
    shard_mf mf;               /* the manifest: the shared part, the shards
                                  as they are reported */
    uint8_t *done;             /* n flags: shard reported */
    uint64_t total;            /* bytes of the files written so far */
};

/* Where the cuts of a whole file fall: for each shard boundary b (document
 * number), the offsets of part B of every per-document section. */
typedef struct cutter {
    const ty_rawfile *f;       /* the whole file, raw */
    uint64_t nd, dim;          /* documents, rank */
    uint32_t nb;               /* boundaries (shards + 1) */
    const uint64_t *at;        /* the boundaries' document numbers */
} cutter;

/* The offsets in part B of section s (of kind pd) at every boundary into
 * off[nb]; -1 when the content disagrees (a bug: the sections were just
 * encoded from a checked model). */
static int cut_offsets(const cutter *c, const ty_rawsec *s, const struct perdoc *pd,
                       uint64_t *off) {
    const unsigned char *p = s->data;
    uint64_t alen = unit_of(pd, c->dim) * c->nd;
    if (alen > s->raw) return -1;
    const unsigned char *b = p + alen;
    uint64_t blen = s->raw - alen;
    const ty_rawsec *rows = find_sec(c->f, "tfidf.rows");
    const ty_rawsec *cnt = pd->b == B_FIELDS ? find_sec(c->f, "docfields")
                         : pd->b == B_PHR    ? find_sec(c->f, "phrase.docs") : rows;
    uint64_t doc = 0, acc = 0, pos = 0, vals = 0, unit = 0;
    for (uint32_t k = 0; k < c->nb; k++) {
        uint64_t want = c->at[k];
        switch (pd->b) {
        case B_NONE: off[k] = 0; break;
        case B_FIXED: off[k] = (pd->a < 0 ? 4 : 1) * want; break;
        case B_META: /* TY_META_NSTR strings per document */
            while (doc < want * TY_META_NSTR) {
                const unsigned char *z = pos < blen ? memchr(b + pos, 0, blen - pos) : NULL;
                if (!z) return -1;
                pos = (uint64_t)(z - b) + 1;
                doc++;
            }
            off[k] = pos;
            break;
        default: /* a prefix sum of u32 counts, in values */
            if (!cnt || cnt->raw < 4 * c->nd) return -1;
            while (doc < want) acc += get_le32(cnt->data + 4 * doc++);
            unit = pd->b == B_FIELDS ? 2 : 4;
            if (pd->b == B_LEB) { /* LEB128: count value ends */
                while (vals < acc && pos < blen)
                    if (!(b[pos++] & 0x80)) vals++;
                if (vals != acc) return -1;
                off[k] = pos;
            } else {
                off[k] = unit * acc;
            }
        }
        if (off[k] > blen) return -1;
    }
    return 0;
}

/* The generation after the one at path (1 when none is readable). */
static uint64_t next_gen(const char *path) {
    shard_mf mf;
    char e[TY_ERRLEN];
    if (!ty_shards_sniff(path) || mf_read(path, &mf, e, sizeof e)) return 1;
    uint64_t g = mf.gen + 1;
    mf_free(&mf);
    return g;
}

void ty_shards_out_free(ty_shards_out *o) {
    if (!o) return;
    ty_rawfile_free(&o->f);
    for (int q = 0; q < o->nper; q++) free(o->bo[q]);
    free(o->at);
    free(o->aoff);
    free(o->done);
    mf_free(&o->mf);
    free(o->path);
    free(o->dir);
    free(o->base);
    free(o);
}

uint64_t ty_shards_first(uint64_t ndocs, uint32_t nshards, uint32_t i) {
    return i >= nshards ? ndocs : ndocs * i / nshards;
}

/* ty_shards_begin, and with no_rows ty_shards_begin_meta (nnz: every
 * process's non-zeros; with docs_elsewhere no docmeta nor abstracts' text
 * here, has_abs: whether the index has abstracts). */
static int begin(ty_model *m, const char *path, uint32_t nshards, const uint64_t *first,
                 int no_rows, uint64_t nnz, int docs_elsewhere, int has_abs,
                 ty_shards_out **out, char *err, size_t errlen) {
    *out = NULL;
    if (!m || !path || !*path) return TENYO_ERR_ARG;
    uint64_t nd = m->ndocs;
    int badcut = nshards < 1 || nshards > TY_MAX_SHARDS;
    for (uint32_t i = 0; first && !badcut && i < nshards; i++)
        badcut = (i == 0 && first[0] != 0) || (i && first[i] < first[i - 1]) || first[i] > nd;
    if (badcut) {
        ty_seterr(err, errlen, "%s: %u shards (1..%d) of contiguous documents from 0 to %llu",
                  path, nshards, TY_MAX_SHARDS, (unsigned long long)nd);
        return TENYO_ERR_ARG;
    }
    int rc = TENYO_ERR_NOMEM;
    ty_shards_out *o = ty_calloc(1, sizeof *o);
    if (!o) goto nomem;
    o->f.fd = -1;
    o->m = m;
    o->nd = nd;
    o->dim = m->dim;
    o->n = nshards;
    o->docs_elsewhere = no_rows && docs_elsewhere;
    o->has_abs = o->docs_elsewhere ? has_abs != 0 : m->abs_text != NULL;
    const char *base;
    o->path = ty_strdup(path);
    o->dir = dir_of(path, &base);
    o->base = ty_strdup(base);
    o->at = ty_calloc((size_t)nshards + 1, sizeof *o->at);
    o->done = ty_calloc(nshards, 1);
    o->mf.s = ty_calloc(nshards, sizeof *o->mf.s);
    if (!o->path || !o->dir || !o->base || !o->at || !o->done || !o->mf.s) goto nomem;
    for (uint32_t i = 0; i <= nshards; i++)
        o->at[i] = i == nshards ? nd : first ? first[i] : ty_shards_first(nd, nshards, i);
    /* the sections, raw, by write.c's one encoder (the model checked);
     * no_rows: without the rows' and vectors', which come to each shard's
     * writer from where they are (ty_shards_rows_piece) */
    rc = no_rows ? ty_store_encode_meta(m, path, nnz, o->docs_elsewhere, &o->f, err, errlen)
                 : ty_store_encode_raw(m, path, 0, &o->f, err, errlen);
    if (rc) goto fail;
    o->mf.gen = next_gen(path);
    o->mf.ndocs = nd;
    o->mf.n = nshards;
    cutter c = {.f = &o->f, .nd = nd, .dim = o->dim, .nb = nshards + 1, .at = o->at};
    for (int j = 0; j < o->f.nsec; j++) {
        const struct perdoc *pd = perdoc_of(o->f.sec[j].name);
        if (!pd) continue;
        uint64_t *bo = ty_calloc((size_t)nshards + 1, sizeof *bo);
        if (!bo) goto nomem;
        o->bo[o->nper] = bo;
        o->perj[o->nper++] = j;
        if (cut_offsets(&c, &o->f.sec[j], pd, bo)) goto bug;
    }
    if (m->abs_text && !o->docs_elsewhere) { /* the abstracts' string offsets at the
                                                 boundaries */
        o->aoff = ty_calloc((size_t)nshards + 1, sizeof *o->aoff);
        if (!o->aoff) goto nomem;
        const char *abs = m->abs_text;
        uint64_t d = 0, pos = 0, alen = m->abs_text_len;
        for (uint32_t k = 0; k <= nshards; k++) {
            while (d < o->at[k]) {
                const char *z = pos < alen ? memchr(abs + pos, 0, (size_t)(alen - pos)) : NULL;
                if (!z) goto bug;
                pos = (uint64_t)(z - abs) + 1;
                d++;
            }
            o->aoff[k] = pos;
        }
    }
    /* the shared part, written now (its checksum goes into every shard);
     * its sections are not needed after. Without the keyword index: a
     * tenyo-mpi writer holds no process with every document's text, so
     * a sharded index searches keywords by the scan, whoever wrote it
     * (the same bytes both ways) */
    ty_rawsec sec[TENYO_MAX_SECTIONS];
    int n = 0;
    for (int j = 0; j < o->f.nsec; j++)
        if (!perdoc_of(o->f.sec[j].name) && strcmp(o->f.sec[j].name, "keywords"))
            sec[n++] = o->f.sec[j];
    snprintf(o->mf.shared.name, MF_NAME, "%s.%llu.shared", o->base,
             (unsigned long long)o->mf.gen);
    char *sp = ty_upd_path(o->dir, o->mf.shared.name);
    if (!sp) goto nomem;
    rc = ty_store_write_raw(sp, sec, n, &o->mf.shared.bytes, &o->mf.shared.hsum, err, errlen);
    free(sp);
    if (rc && rc != TENYO_ERR_UNSYNCED) goto fail;
    o->total = o->mf.shared.bytes;
    for (int j = 0; j < o->f.nsec; j++)
        if (!perdoc_of(o->f.sec[j].name)) {
            free(o->f.sec[j].data);
            o->f.sec[j].data = NULL;
        }
    *out = o;
    return TENYO_OK;
bug:
    ty_seterr(err, errlen, "%s: the index's sections could not be cut into shards", path);
    rc = TENYO_ERR_IO;
    goto fail;
nomem:
    ty_seterr(err, errlen, "%s: out of memory writing the shards", path);
    rc = TENYO_ERR_NOMEM;
fail:
    ty_shards_out_free(o);
    return rc;
}

int ty_shards_begin(ty_model *m, const char *path, uint32_t nshards, const uint64_t *first,
                    ty_shards_out **out, char *err, size_t errlen) {
    return begin(m, path, nshards, first, 0, 0, 0, 0, out, err, errlen);
}

int ty_shards_begin_meta(ty_model *m, const char *path, uint32_t nshards, uint64_t nnz,
                         int docs_elsewhere, int has_abs, ty_shards_out **out, char *err,
                         size_t errlen) {
    return begin(m, path, nshards, NULL, 1, nnz, docs_elsewhere, has_abs, out, err, errlen);
}

const char *ty_shards_shared(const ty_shards_out *o, uint64_t *bytes) {
    *bytes = o->mf.shared.bytes;
    return o->mf.shared.name;
}

/* A piece (ty_shards_piece), little-endian:
 *   0   8  "TYSHARD1"
 *   8   4  the shard's number
 *   12  4  sections that follow (its "shard" section first)
 *   16  8  its documents
 *   24  8  bytes of its abstracts' text (NUL-terminated strings)
 *   32  4  flags: 1 the index has abstracts; 2 the docmeta section and
 *          the abstracts' text are not here: the writer makes them
 *          (ty_shards_write_parts)
 *   36  4  bytes L of the file's path
 *   40  L  the path (no NUL)
 *   then per section: name (16, NUL-padded), u64 raw bytes, the bytes;
 *   then the abstracts' text. */
#define PIECE_MAGIC "TYSHARD1"
#define PIECE_HEAD 40u

int ty_shards_piece(const ty_shards_out *o, uint32_t i, void **p, size_t *len, char *err,
                    size_t errlen) {
    *p = NULL;
    *len = 0;
    if (!o || i >= o->n) return TENYO_ERR_ARG;
    uint64_t d0 = o->at[i], d1 = o->at[i + 1];
    char info[256];
    int il = snprintf(info, sizeof info,
                      "first=%llu\ndocs=%llu\nshard=%u\nshards=%u\nshared=%016llx\n",
                      (unsigned long long)d0, (unsigned long long)(d1 - d0), i, o->n,
                      (unsigned long long)o->mf.shared.hsum);
    char name[MF_NAME + 32];
    snprintf(name, sizeof name, "%s.%llu.s%03u", o->base, (unsigned long long)o->mf.gen, i);
    char *path = ty_upd_path(o->dir, name);
    if (!path) goto nomem;
    uint64_t pl = strlen(path), a0 = o->aoff ? o->aoff[i] : 0, a1 = o->aoff ? o->aoff[i + 1] : 0;
    uint64_t size = PIECE_HEAD + pl + 24 + (uint64_t)il + (a1 - a0);
    for (int q = 0; q < o->nper; q++) {
        const ty_rawsec *s = &o->f.sec[o->perj[q]];
        uint64_t unit = unit_of(perdoc_of(s->name), o->dim);
        size += 24 + unit * (d1 - d0) + o->bo[q][i + 1] - o->bo[q][i];
    }
    unsigned char *b = size < SIZE_MAX ? ty_malloc((size_t)size) : NULL;
    if (!b) {
        free(path);
        goto nomem;
    }
    memcpy(b, PIECE_MAGIC, 8);
    put_le32(b + 8, i);
    put_le32(b + 12, (uint32_t)o->nper + 1);
    put_le64(b + 16, d1 - d0);
    put_le64(b + 24, a1 - a0);
    put_le32(b + 32, (uint32_t)o->has_abs | (o->docs_elsewhere ? 2u : 0u));
    put_le32(b + 36, (uint32_t)pl);
    memcpy(b + PIECE_HEAD, path, (size_t)pl);
    free(path);
    unsigned char *w = b + PIECE_HEAD + pl;
    memset(w, 0, 16);
    memcpy(w, "shard", 5);
    put_le64(w + 16, (uint64_t)il);
    memcpy(w + 24, info, (size_t)il);
    w += 24 + il;
    for (int q = 0; q < o->nper; q++) { /* part A of its documents, then part B */
        const ty_rawsec *s = &o->f.sec[o->perj[q]];
        uint64_t unit = unit_of(perdoc_of(s->name), o->dim);
        uint64_t an = unit * (d1 - d0), bb = unit * o->nd + o->bo[q][i];
        uint64_t bn = o->bo[q][i + 1] - o->bo[q][i];
        memcpy(w, s->name, 16);
        put_le64(w + 16, an + bn);
        memcpy(w + 24, s->data + unit * d0, (size_t)an);
        memcpy(w + 24 + an, s->data + bb, (size_t)bn);
        w += 24 + an + bn;
    }
    if (a1 > a0) memcpy(w, o->m->abs_text + a0, (size_t)(a1 - a0));
    *p = b;
    *len = (size_t)size;
    return TENYO_OK;
nomem:
    ty_seterr(err, errlen, "%s: out of memory for shard %u's pieces", o->path, i);
    return TENYO_ERR_NOMEM;
}

/* A rows piece (ty_shards_rows_piece), little-endian:
 *   0   8  "TYROWS01"
 *   8   4  sections that follow
 *   12  4  the vectors' floats (dim)
 *   16  8  its documents
 *   then per section: name (16, NUL-padded), u64 raw bytes, the bytes. */
#define ROWS_MAGIC "TYROWS01"
#define ROWS_HEAD 24u

int ty_shards_rows_piece(const ty_csr *a, const uint32_t *tf, const float *docvec,
                         const uint16_t *doc_h, uint32_t dim, void **p, size_t *len,
                         char *err, size_t errlen) {
    *p = NULL;
    *len = 0;
    ty_rawfile f;
    int rc = ty_store_encode_rows(a, tf, docvec, doc_h, dim, "a shard's rows", &f, err, errlen);
    if (rc) return rc;
    uint64_t size = ROWS_HEAD;
    for (int j = 0; j < f.nsec; j++) size += 24 + f.sec[j].raw;
    unsigned char *b = size < SIZE_MAX ? ty_malloc((size_t)size) : NULL;
    if (!b) {
        ty_rawfile_free(&f);
        ty_seterr(err, errlen, "out of memory for a shard's rows");
        return TENYO_ERR_NOMEM;
    }
    memcpy(b, ROWS_MAGIC, 8);
    put_le32(b + 8, (uint32_t)f.nsec);
    put_le32(b + 12, dim);
    put_le64(b + 16, a->nrows);
    unsigned char *w = b + ROWS_HEAD;
    for (int j = 0; j < f.nsec; j++) {
        memcpy(w, f.sec[j].name, 16);
        put_le64(w + 16, f.sec[j].raw);
        if (f.sec[j].raw) memcpy(w + 24, f.sec[j].data, (size_t)f.sec[j].raw);
        w += 24 + f.sec[j].raw;
    }
    ty_rawfile_free(&f);
    *p = b;
    *len = (size_t)size;
    return TENYO_OK;
}

/* The sections of rows pieces rows[0..n) (of consecutive documents, in
 * order) joined into one per section, as the whole file's cut at those
 * documents (part A of each piece, then part B of each: the read's
 * assembly, ty_shards_read_part); out[*nout] malloc'd (NUL after each);
 * docs: the documents they hold in all. 0, or -1: malformed. */
static int join_rows(const void *const *rows, const size_t *rowlen, int n, ty_rawsec *out,
                     int *nout, uint64_t *docs) {
    *nout = 0;
    *docs = 0;
    uint32_t nsec = 0, dim = 0;
    for (int r = 0; r < n; r++) { /* every piece: the same sections, sized */
        const unsigned char *b = rows[r];
        if (rowlen[r] < ROWS_HEAD || memcmp(b, ROWS_MAGIC, 8)) return -1;
        uint32_t ns = get_le32(b + 8), dm = get_le32(b + 12);
        if (ns >= TENYO_MAX_SECTIONS || dm > TY_MAX_DIM || (r && (ns != nsec || dm != dim)))
            return -1;
        nsec = ns;
        dim = dm;
        uint64_t d = get_le64(b + 16), at = ROWS_HEAD;
        for (uint32_t j = 0; j < ns; j++) {
            if (rowlen[r] - at < 24) return -1;
            const struct perdoc *pd = perdoc_of((const char *)b + at);
            uint64_t raw = get_le64(b + at + 16);
            if (!pd || memchr(b + at, 0, 16) == NULL || raw > rowlen[r] - at - 24 ||
                raw < unit_of(pd, dim) * d || (r && strncmp((const char *)b + at,
                                                            out[j].name, 16)))
                return -1;
            if (!r) memcpy(out[j].name, b + at, 16);
            out[j].raw += raw;
            at += 24 + raw;
        }
        if (at != rowlen[r]) return -1;
        *docs += d;
    }
    for (uint32_t j = 0; j < nsec; j++) {
        out[j].data = ty_malloc((size_t)out[j].raw + 1);
        if (!out[j].data) return -2;
        *nout = (int)j + 1;
        uint64_t unit = unit_of(perdoc_of(out[j].name), dim), w = 0;
        for (int part = 0; part < 2; part++)
            for (int r = 0; r < n; r++) {
                const unsigned char *b = rows[r];
                uint64_t d = get_le64(b + 16), at = ROWS_HEAD;
                for (uint32_t q = 0; q < j; q++) at += 24 + get_le64(b + at + 16);
                uint64_t raw = get_le64(b + at + 16), alen = unit * d;
                uint64_t lo = part ? alen : 0, hi = part ? raw : alen;
                if (hi > lo) memcpy(out[j].data + w, b + at + 24 + lo, (size_t)(hi - lo));
                w += hi - lo;
            }
        out[j].data[w] = 0;
    }
    return 0;
}

int ty_shards_write_piece(const void *piece, size_t len, ty_shard_report *rep, char *err,
                          size_t errlen) {
    return ty_shards_write_pieces(piece, len, NULL, NULL, 0, rep, err, errlen);
}

int ty_shards_write_pieces(const void *piece, size_t len, const void *const *rows,
                           const size_t *rowlen, int nrows, ty_shard_report *rep, char *err,
                           size_t errlen) {
    return ty_shards_write_parts(piece, len, rows, rowlen, nrows, NULL, 0, NULL, 0, rep, err,
                                 errlen);
}

/* 1 when p[0..n) is exactly k NUL-terminated strings. */
static int nstrings(const char *p, uint64_t n, uint64_t k) {
    uint64_t z = 0;
    for (const char *q = p, *e = p + n; q < e; q++) {
        q = memchr(q, 0, (size_t)(e - q));
        if (!q) return 0;
        z++;
    }
    return z == k && (n == 0 || p[n - 1] == 0);
}

int ty_shards_write_parts(const void *piece, size_t len, const void *const *rows,
                          const size_t *rowlen, int nrows, const char *docmeta, size_t dmlen,
                          const char *abs, size_t abslen, ty_shard_report *rep, char *err,
                          size_t errlen) {
    const unsigned char *b = piece;
    memset(rep, 0, sizeof *rep);
    ty_rawsec ss[TENYO_MAX_SECTIONS];
    memset(ss, 0, sizeof ss);
    ty_rawsec js[TENYO_MAX_SECTIONS]; /* the rows' sections, joined */
    int nj = 0;
    memset(js, 0, sizeof js);
    ty_buf pk = {0};
    char *path = NULL;
    int rc = TENYO_ERR_CORRUPT;
    if (!b || len < PIECE_HEAD || memcmp(b, PIECE_MAGIC, 8) || nrows < 0 ||
        (nrows && (!rows || !rowlen)))
        goto bad;
    uint32_t shard = get_le32(b + 8), nsec = get_le32(b + 12), flags = get_le32(b + 32);
    uint32_t has_abs = flags & 1, elsewhere = (flags & 2) != 0;
    uint64_t docs = get_le64(b + 16), alen = get_le64(b + 24), pl = get_le32(b + 36);
    if (nsec < 1 || nsec >= TENYO_MAX_SECTIONS || flags > 3 || pl == 0 ||
        pl > len - PIECE_HEAD)
        goto bad;
    /* docmeta and the abstracts' text from the writer exactly when the
     * piece says so, each docs' strings */
    if (elsewhere != (docmeta != NULL) || (!elsewhere && abs) ||
        (elsewhere && has_abs != (abs != NULL)) ||
        (docmeta && !nstrings(docmeta, dmlen, docs * TY_META_NSTR)) ||
        (abs && !nstrings(abs, abslen, docs)))
        goto bad;
    path = ty_strndup((const char *)b + PIECE_HEAD, (size_t)pl);
    if (!path) goto nomem;
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    if (strlen(path) != pl || !name_ok(name)) goto bad;
    uint64_t at = PIECE_HEAD + pl;
    for (uint32_t k = 0; k < nsec; k++) {
        if (len - at < 24) goto bad;
        memcpy(ss[k].name, b + at, 15);
        ss[k].raw = get_le64(b + at + 16);
        at += 24;
        if (ss[k].raw > len - at) goto bad;
        ss[k].data = (unsigned char *)b + at; /* read only */
        at += ss[k].raw;
    }
    if (alen != len - at || (!has_abs && alen) || (elsewhere && alen)) goto bad;
    int ns = (int)nsec;
    if (docmeta) { /* the writer's docmeta, in its file place */
        if (ns + 1 >= TENYO_MAX_SECTIONS) goto bad;
        int at2 = ns;
        while (at2 > 1 && sec_rank(ss[at2 - 1].name) > sec_rank("docmeta")) at2--;
        memmove(&ss[at2 + 1], &ss[at2], (size_t)(ns - at2) * sizeof *ss);
        memset(&ss[at2], 0, sizeof ss[at2]);
        memcpy(ss[at2].name, "docmeta", 7);
        ss[at2].data = (unsigned char *)docmeta; /* read only */
        ss[at2].raw = dmlen;
        ns++;
    }
    if (nrows > 0) { /* the rows' sections, joined, in their file places */
        uint64_t rd = 0;
        int jr = join_rows(rows, rowlen, nrows, js, &nj, &rd);
        if (jr == -2) goto nomem;
        if (jr || rd != docs || ns + nj >= TENYO_MAX_SECTIONS) goto bad;
        for (int q = 0; q < nj; q++) { /* insert after "shard", by file order */
            int at2 = ns;
            while (at2 > 1 && sec_rank(ss[at2 - 1].name) > sec_rank(js[q].name)) at2--;
            memmove(&ss[at2 + 1], &ss[at2], (size_t)(ns - at2) * sizeof *ss);
            ss[at2] = js[q];
            ns++;
        }
    }
    if (has_abs) { /* the shard's own "abstracts", packed here */
        ty_model sub;
        memset(&sub, 0, sizeof sub);
        sub.ndocs = docs;
        sub.abs_text = abs ? (char *)abs : (char *)b + at;
        sub.abs_text_len = abs ? abslen : alen;
        rc = ty_abs_pack(&sub, &pk, err, errlen);
        if (rc) goto done;
        memcpy(ss[ns].name, "abstracts", 9);
        ss[ns].data = (unsigned char *)pk.p;
        ss[ns++].raw = pk.len;
    }
    rc = ty_store_write_raw(path, ss, ns, &rep->bytes, &rep->hsum, err, errlen);
    if (rc == TENYO_ERR_UNSYNCED) rc = TENYO_OK; /* in place; the manifest's sync follows */
    if (rc) goto done;
    rep->shard = shard;
    snprintf(rep->name, sizeof rep->name, "%.255s", name);
    goto done;
bad:
    ty_seterr(err, errlen, "a shard's pieces are malformed (%zu bytes)", len);
    rc = TENYO_ERR_CORRUPT;
    goto done;
nomem:
    ty_seterr(err, errlen, "out of memory writing a shard");
    rc = TENYO_ERR_NOMEM;
done:
    for (int q = 0; q < nj; q++) free(js[q].data);
    ty_buf_free(&pk);
    free(path);
    return rc;
}

/* The size and stored header checksum of the index file at path, the
 * checksum verified against the header (byte 20 taken as 0). 0, or -1. */
static int file_head(const char *path, uint64_t *size, uint64_t *hsum) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    unsigned char h[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    struct stat st;
    int ok = fstat(fd, &st) == 0 && pread(fd, h, STORE_FIXED, 0) == (ssize_t)STORE_FIXED &&
             memcmp(h, STORE_MAGIC, 8) == 0;
    uint32_t n = ok ? get_le32(h + 16) : 0;
    size_t hl = STORE_FIXED + STORE_ENTRY * (size_t)n;
    ok = ok && n >= 1 && n <= TENYO_MAX_SECTIONS &&
         pread(fd, h, hl + 8, 0) == (ssize_t)(hl + 8);
    close(fd);
    if (!ok) return -1;
    h[STORE_UPDATED_AT] = 0;
    *size = (uint64_t)st.st_size;
    *hsum = get_le64(h + hl);
    return ty_fnv1a_std(h, hl) == *hsum ? 0 : -1;
}

int ty_shards_done(ty_shards_out *o, const ty_shard_report *rep, char *err, size_t errlen) {
    if (!o || !rep) return TENYO_ERR_ARG;
    uint32_t i = rep->shard;
    char name[MF_NAME + 32];
    snprintf(name, sizeof name, "%s.%llu.s%03u", o->base, (unsigned long long)o->mf.gen, i);
    if (i >= o->n || o->done[i] || strncmp(rep->name, name, sizeof rep->name)) {
        ty_seterr(err, errlen, "%s: a report of shard %u (%.64s) that was not asked for",
                  o->path, i, rep->name);
        return TENYO_ERR_CORRUPT;
    }
    /* the file as the writer reported it, seen from here */
    char *p = ty_upd_path(o->dir, name);
    uint64_t size = 0, hsum = 0;
    if (!p) {
        ty_seterr(err, errlen, "%s: out of memory", o->path);
        return TENYO_ERR_NOMEM;
    }
    int bad = file_head(p, &size, &hsum) || size != rep->bytes || hsum != rep->hsum;
    if (bad)
        ty_seterr(err, errlen, "%s: %llu bytes, header checksum %016llx; its writer reported "
                  "%llu, %016llx", p, (unsigned long long)size, (unsigned long long)hsum,
                  (unsigned long long)rep->bytes, (unsigned long long)rep->hsum);
    free(p);
    if (bad) return TENYO_ERR_IO;
    mf_file *e = &o->mf.s[i];
    snprintf(e->name, MF_NAME, "%.255s", name);
    e->first = o->at[i];
    e->docs = o->at[i + 1] - o->at[i];
    e->bytes = rep->bytes;
    e->hsum = rep->hsum;
    o->done[i] = 1;
    o->total += rep->bytes;
    return TENYO_OK;
}

int ty_shards_commit(ty_shards_out *o, char *err, size_t errlen) {
    if (!o) return TENYO_ERR_ARG;
    for (uint32_t i = 0; i < o->n; i++)
        if (!o->done[i]) {
            ty_seterr(err, errlen, "%s: shard %u was not written", o->path, i);
            return TENYO_ERR_ARG;
        }
    /* the manifest, last and atomically: from here the new index is it */
    ty_buf text = {0};
    if (mf_format(&o->mf, &text)) {
        ty_buf_free(&text);
        ty_seterr(err, errlen, "%s: out of memory writing the shards", o->path);
        return TENYO_ERR_NOMEM;
    }
    int rc = ty_store_write_atomic(o->dir, o->base, text.p, text.len, err, errlen);
    if (!rc || rc == TENYO_ERR_UNSYNCED) {
        o->m->file_bytes = o->total + text.len;
        ty_shards_collect(o->path);
    }
    ty_buf_free(&text);
    return rc;
}

int ty_store_write_shards(ty_model *m, const char *path, uint32_t nshards,
                          const uint64_t *first, char *err, size_t errlen) {
    ty_shards_out *o = NULL;
    int rc = ty_shards_begin(m, path, nshards, first, &o, err, errlen);
    for (uint32_t i = 0; !rc && i < nshards; i++) {
        void *p = NULL;
        size_t len = 0;
        ty_shard_report rep;
        rc = ty_shards_piece(o, i, &p, &len, err, errlen);
        if (!rc) rc = ty_shards_write_piece(p, len, &rep, err, errlen);
        if (!rc) rc = ty_shards_done(o, &rep, err, errlen);
        free(p);
    }
    if (!rc) rc = ty_shards_commit(o, err, errlen);
    ty_shards_out_free(o);
    return rc;
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
        if (mf_read(path, &mf, e, sizeof e)) return 0; /* check's to judge */
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return 0;
    }
    const char *base;
    char *dir = dir_of(path, &base);
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
    mf_free(&mf);
    return removed;
}
