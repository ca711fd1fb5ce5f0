/*
 * read.c — an index file to a ty_model (store/): ty_store_read loads and
 * checks every section; ty_store_read_lazy does the same but leaves the
 * sparse rows for their first use (ty_model_need_sparse), decoded then on
 * all cores. Also ty_model_need_tf and ty_model_free (which frees what
 * reading made, the lazy rows' reader included).
 *
 * Reading treats the file as hostile: the header checksum, counts bounded by
 * TY_MAX_*, every section inside the file, disjoint, the last one ending
 * the file, each raw size equal to the size the counts imply (checked with
 * overflow-checked products) and to the frame's content size, and no
 * larger than a zstd frame of that many bytes can expand to, all before
 * allocating; after decoding, the same invariant check the writer runs
 * (invariants.c: sorted columns, finite floats, singular values >= 0, blob
 * string counts, field ids in range and listed once per document, field
 * counts equal to the documents listing them, field codes unique). The writer
 * refusing what the reader would refuse keeps "written" and "loadable" the
 * same set. Nothing is allocated beyond a small multiple of the raw sizes
 * the table declares, each capped at STORE_MAX_RATIO times its frame's
 * stored bytes (the most a zstd frame can expand); the damaged variants in
 * tests/fixtures (tests/fixtures.sh) check every refusal and its message.
 *
 * Lazy rows. An index opened for queries (ty_store_read_lazy) checks every
 * section but tfidf.cols / tfidf.tf as above, and of those two only what
 * needs no read (present, sizes within the bounds the counts imply, no
 * more than their frames can expand to); the file stays open, and the rows
 * are decompressed, decoded, checked and weighted on all cores by the
 * first caller of ty_model_need_sparse (a TF-IDF or hybrid query, ideas, an
 * update, the writer, tenyo_index_load_all), once, under a mutex, with the
 * same messages as an eager read. On a 1M index that is 3.9 of the 5.2 s an
 * eager open took on 2 cores, and 1.36 of its 2.05 KB per document, which
 * an index used for LSA or approximate search never pays. Rejected:
 * decoding them on a background thread at open (the 2 cores are then
 * shared with the first queries, and the memory is paid anyway).
 * Two optional sections are only located at open, each a handle with a
 * duplicate of the descriptor, read on first use: "abstracts" (abstracts.c)
 * and "keywords" (lazysec.c; from memory, a sharded index's is wrapped as
 * already read).
 * The document vectors are read on a second thread beside the basis, rows
 * and documents (each thread its own zstd context; damage is reported in
 * the order an eager one-thread read meets it).
 *
 * Threads. The sparse rows' decode is a fan-out over row ranges
 * (ty_parallel, util/parallel.c). The document vectors' thread is not: it
 * overlaps one section with the rest of a sequential load (basis, rows,
 * documents, optional sections) and is joined at the end, so it stays a
 * pthread_create / pthread_join pair; ty_parallel(2, ...) would need that
 * whole remainder moved into a worker function and the error order
 * (vector damage outranks all but the basis') combined by hand anyway.
 *
 * Sections from memory. A sharded index (shards.c) is checked file by file
 * here (ty_store_raw_read: header, table, every frame) and its sections
 * reassembled; ty_store_read_mem then runs the same decoder over them
 * (reader.mem: rd_section copies instead of reading a frame), eagerly and
 * on one thread, so the one decoder and its checks serve both forms.
 */
#include "store/format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int host_is_le(void) {
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Convert n little-endian elements of size 1, 2, 4 or 8 in place to host
 * order. A no-op on little-endian hosts, where the loader's arrays are
 * usable as decompressed. */
static void le_to_host(void *p, size_t n, size_t size) {
    if (size < 2 || host_is_le()) return;
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += size) {
        if (size == 2) {
            uint16_t v = (uint16_t)(b[0] | b[1] << 8);
            memcpy(b, &v, 2);
        } else if (size == 4) {
            uint32_t v = get_le32(b);
            memcpy(b, &v, 4);
        } else {
            uint64_t v = get_le64(b);
            memcpy(b, &v, 8);
        }
    }
}

/* ================================================================ build */

/* What the build section says, before it is moved into the model. */
typedef struct build_info {
    char *str[3];         /* tokenizer, writer, mecab_dicdir (malloc'd) */
    int64_t num[14];      /* signed fields, in build_keys order from 3 */
    uint64_t unum[14];    /* unsigned fields, same order */
    double ratio;         /* max_df_ratio */
    unsigned seen;        /* bit per key found */
} build_info;

/* Keys of the build section: name, kind ('s' string, 'i' signed, 'u'
 * unsigned, 'd' double), and bounds for integers. */
static const struct build_key {
    const char *name;     /* key */
    char kind;            /* s, i, u or d */
    int64_t lo;           /* minimum (i) */
    uint64_t hi;          /* maximum (i, u) */
} build_keys[] = {
    {"tokenizer", 's', 0, 0},
    {"writer", 's', 0, 0},
    {"mecab_dicdir", 's', 0, 0},
    {"keep_parts", 'i', INT_MIN, INT_MAX},
    {"stem", 'i', INT_MIN, INT_MAX},
    {"seed", 'u', 0, UINT64_MAX},
    {"min_df", 'i', INT32_MIN, INT32_MAX},
    {"max_df_ratio", 'd', 0, 0},
    {"oversample", 'i', INT32_MIN, INT32_MAX},
    {"power_iters", 'i', INT32_MIN, INT32_MAX},
    {"created", 'i', INT64_MIN, INT64_MAX},
    {"dim", 'u', 0, TY_MAX_DIM},
    {"ndocs", 'u', 0, TY_MAX_DOCS},
    {"nterms", 'u', 0, TY_MAX_TERMS},
    {"nnz", 'u', 0, TY_MAX_NNZ},
    {"nfields", 'u', 0, TY_MAX_FIELDS},
    {"max_terms", 'u', 0, UINT32_MAX}, /* optional: written when not 0 */
};
enum { BK_TOK, BK_WRITER, BK_DICDIR, BK_PARTS, BK_STEM, BK_SEED, BK_MINDF,
       BK_RATIO, BK_OVERS, BK_POWER, BK_CREATED, BK_DIM, BK_NDOCS, BK_NTERMS,
       BK_NNZ, BK_NFIELDS, BK_MAXTERMS, BK_N };
_Static_assert(BK_N - BK_PARTS == 14, "build_info's arrays hold one entry per numeric key");

/* Parse the build text (len bytes, not NUL-terminated in the file; the
 * caller put a NUL at text[len]). Fills bi; strings unescaped. 0 ok, -1
 * with a reason in why. */
static int build_parse(char *text, size_t len, build_info *bi, char *why,
                       size_t whylen) {
    int rc = -1;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) {
        ty_seterr(why, whylen, "no C locale");
        return -1;
    }
    if (memchr(text, 0, len)) {
        ty_seterr(why, whylen, "contains a NUL byte");
        goto done;
    }
    char *p = text, *end = text + len;
    long line = 0;
    while (p < end) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            ty_seterr(why, whylen, "line %ld has no newline", line);
            goto done;
        }
        *nl = 0;
        char *eq = strchr(p, '=');
        if (!eq) {
            ty_seterr(why, whylen, "line %ld has no '='", line);
            goto done;
        }
        *eq = 0;
        char *v = eq + 1;
        int k = 0;
        while (k < BK_N && strcmp(build_keys[k].name, p) != 0) k++;
        if (k == BK_N) { /* a later writer's key: ignore */
            p = nl + 1;
            continue;
        }
        const struct build_key *bk = &build_keys[k];
        if (bi->seen & (1u << k)) {
            ty_seterr(why, whylen, "key '%s' appears twice", bk->name);
            goto done;
        }
        bi->seen |= 1u << k;
        char *e = NULL;
        errno = 0;
        if (bk->kind == 's') {
            char *s = ty_strdup(v), *o = s;
            if (!s) {
                ty_seterr(why, whylen, "out of memory");
                goto done;
            }
            for (const char *q = v; *q; q++) {
                if (*q != '\\') {
                    *o++ = *q;
                    continue;
                }
                q++;
                if (*q == '\\') *o++ = '\\';
                else if (*q == 'n') *o++ = '\n';
                else if (*q == 'r') *o++ = '\r';
                else {
                    free(s);
                    ty_seterr(why, whylen, "bad escape in '%s'", bk->name);
                    goto done;
                }
            }
            *o = 0;
            bi->str[k] = s;
        } else if (bk->kind == 'd') {
            bi->ratio = strtod_l(v, &e, c);
            if (e == v || *e || errno || !isfinite(bi->ratio)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
        } else if (bk->kind == 'i') {
            long long x = strtoll(v, &e, 10);
            if (e == v || *e || errno || x < bk->lo || (x > 0 && (uint64_t)x > bk->hi)) {
                ty_seterr(why, whylen, "bad value for '%s'", bk->name);
                goto done;
            }
            bi->num[k - BK_PARTS] = x;
        } else {
            unsigned long long x = strtoull(v, &e, 10);
            if (e == v || *e || errno || *v == '-' || x > bk->hi) {
                ty_seterr(why, whylen, "bad value for '%s' (limit %llu)",
                          bk->name, (unsigned long long)bk->hi);
                goto done;
            }
            bi->unum[k - BK_PARTS] = x;
        }
        p = nl + 1;
    }
    for (int k = 0; k < BK_N; k++)
        if (!(bi->seen & (1u << k)) && k != BK_MAXTERMS) {
            ty_seterr(why, whylen, "key '%s' is missing", build_keys[k].name);
            goto done;
        }
    rc = 0;
done:
    freelocale(c);
    return rc;
}

/* ================================================================= read */

/* One section table entry as read. */
typedef struct rd_sec {
    char name[16];              /* NUL-terminated (checked) */
    uint64_t off, stored, raw;  /* frame offset, frame bytes, raw bytes */
} rd_sec;

/* State of one ty_store_read. */
typedef struct reader {
    int fd;                     /* the index file */
    const char *path;           /* for messages */
    uint64_t fsize;             /* bytes in the file */
    int nsec;                   /* entries in sec */
    rd_sec sec[TENYO_MAX_SECTIONS]; /* table */
    ZSTD_DCtx *dctx;            /* reused for every frame */
    unsigned char *cbuf;        /* compressed bytes of the current section */
    size_t ccap;                /* bytes allocated in cbuf */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
    uint32_t version;           /* format version of the file */
    int lazy;                   /* leave format 2's rows for their first use */
    int deferred;               /* ... and they were left */
    int updated;                /* header byte 20 (format 3) */
    uint64_t hsum;              /* the header checksum as stored */
    ty_rawsec *mem;             /* a sharded index: sec[i]'s raw content is
                                   mem[i].data, no file (shards.c); taken
                                   by the section's one read */
    int partial;                /* ... read in part: empty stand-ins for
                                   some documents (ty_store_read_mem) */
} reader;

/* Read exactly n bytes at off: 0, or TENYO_ERR_IO / _CORRUPT (short). */
static int rd_pread(reader *r, void *p, size_t n, uint64_t off) {
    unsigned char *b = p;
    while (n) {
        ssize_t k = pread(r->fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            ty_seterr(r->err, r->errlen, "%s: cannot read: %s", r->path,
                      strerror(errno));
            return TENYO_ERR_IO;
        }
        if (k == 0) {
            ty_seterr(r->err, r->errlen,
                      "%s: file ended at byte %llu (truncated while reading?)",
                      r->path, (unsigned long long)off);
            return TENYO_ERR_CORRUPT;
        }
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return TENYO_OK;
}

/* What a file that is not an index looks like from its first n bytes b,
 * when it looks like one of the sources of records tenyo reads (the usual
 * mistake: the input given where the index goes): "a JSON Lines", "an
 * XML", "a CSV" or NULL. */
static const char *source_kind(const unsigned char *b, size_t n) {
    size_t i = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) i = 3; /* UTF-8 BOM */
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
    if (i < n && (b[i] == '{' || b[i] == '[')) return "a JSON Lines";
    if (i < n && b[i] == '<') return "an XML";
    /* text (no NUL or other control bytes) whose first two lines each
     * hold two commas or tabs or more (a C or prose file seldom does) */
    size_t sep[2] = {0, 0};
    for (int line = 0; line < 2 && i < n; line++, i++) {
        for (; i < n && b[i] != '\n'; i++) {
            if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\r') return NULL;
            sep[line] += b[i] == ',' || b[i] == '\t';
        }
        if (i >= n && line == 0) sep[1] = 2; /* one line only */
    }
    return sep[0] >= 2 && sep[1] >= 2 ? "a CSV" : NULL;
}

/* The error of a file that is not an index (why: "bad magic", "too
 * short"), naming what it looks like when it looks like a source. */
static int not_an_index(reader *r, const char *why) {
    unsigned char b[512];
    size_t n = r->fsize < sizeof b ? (size_t)r->fsize : sizeof b;
    const char *kind = n && rd_pread(r, b, n, 0) == TENYO_OK ? source_kind(b, n) : NULL;
    if (kind)
        ty_seterr(r->err, r->errlen,
                  "%s: not a tenyo index: it looks like %s file, a source of records "
                  "(make an index of it first: tenyo index %s -o INDEX.tny)",
                  r->path, kind, r->path);
    else if (!strcmp(why, "too short"))
        ty_seterr(r->err, r->errlen, "%s: %llu bytes is too short for a tenyo index",
                  r->path, (unsigned long long)r->fsize);
    else
        ty_seterr(r->err, r->errlen, "%s: not a tenyo index (bad magic)", r->path);
    return TENYO_ERR_CORRUPT;
}

/* Read and check the header and section table. */
static int rd_header(reader *r) {
    unsigned char h[STORE_FIXED + STORE_ENTRY * TENYO_MAX_SECTIONS + 8];
    if (r->fsize < STORE_FIXED + STORE_ENTRY + 8) return not_an_index(r, "too short");
    int rc = rd_pread(r, h, STORE_FIXED, 0);
    if (rc) return rc;
    if (memcmp(h, STORE_MAGIC, 8) != 0) return not_an_index(r, "bad magic");
    uint32_t version = get_le32(h + 8), flags = get_le32(h + 12);
    uint32_t nsec = get_le32(h + 16);
    if (version == 0) {
        ty_seterr(r->err, r->errlen, "%s: index format 0 is invalid", r->path);
        return TENYO_ERR_CORRUPT;
    }
    if (version > STORE_VERSION) {
        ty_seterr(r->err, r->errlen,
                  "%s: index format %u is newer than this program (reads up "
                  "to %u)",
                  r->path, version, STORE_VERSION);
        return TENYO_ERR_VERSION;
    }
    r->version = version;
    if (nsec == 0 || nsec > TENYO_MAX_SECTIONS) {
        ty_seterr(r->err, r->errlen, "%s: header claims %u sections (1..%d)",
                  r->path, nsec, TENYO_MAX_SECTIONS);
        return TENYO_ERR_CORRUPT;
    }
    size_t tlen = STORE_FIXED + STORE_ENTRY * (size_t)nsec;
    if (r->fsize < tlen + 8) {
        ty_seterr(r->err, r->errlen,
                  "%s: file ends inside the section table (%llu bytes, the "
                  "header of %u sections needs %llu: truncated?)",
                  r->path, (unsigned long long)r->fsize, nsec,
                  (unsigned long long)tlen + 8);
        return TENYO_ERR_CORRUPT;
    }
    rc = rd_pread(r, h + STORE_FIXED, tlen + 8 - STORE_FIXED, STORE_FIXED);
    if (rc) return rc;
    unsigned char updated = h[STORE_UPDATED_AT];
    if (version >= 3) h[STORE_UPDATED_AT] = 0; /* outside the checksum */
    uint64_t sum = version >= 3 ? ty_fnv1a_std(h, tlen) : ty_fnv1a(h, tlen);
    h[STORE_UPDATED_AT] = updated;
    r->hsum = get_le64(h + tlen);
    if (r->hsum != sum) {
        ty_seterr(r->err, r->errlen,
                  "%s: header checksum mismatch (header or section table "
                  "damaged)",
                  r->path);
        return TENYO_ERR_CORRUPT;
    }
    uint32_t reserved = get_le32(h + 20) & (version >= 3 ? 0xffffff00u : 0xffffffffu);
    if (flags != 0 || reserved != 0 || updated > 1) {
        ty_seterr(r->err, r->errlen,
                  "%s: unknown header flags 0x%x (reserved field 0x%x)",
                  r->path, flags, get_le32(h + 20));
        return TENYO_ERR_CORRUPT;
    }
    r->updated = updated;
    if (get_le64(h + 24) != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: header says %llu bytes but the file has %llu "
                  "(truncated or damaged)",
                  r->path, (unsigned long long)get_le64(h + 24),
                  (unsigned long long)r->fsize);
        return TENYO_ERR_CORRUPT;
    }
    /* Sections lie after the header, disjoint, and the last one ends the
     * file (trailing bytes no section owns mean a table that lost entries).
     * The writer lays them out contiguously in table order; gaps between
     * sections are tolerated because tests/test_store.c forges sections by
     * appending a frame and repointing the entry. */
    int order[TENYO_MAX_SECTIONS];
    for (uint32_t i = 0; i < nsec; i++) {
        const unsigned char *e = h + STORE_FIXED + STORE_ENTRY * (size_t)i;
        rd_sec *s = &r->sec[i];
        memcpy(s->name, e, 16);
        size_t nl = strnlen(s->name, 16);
        int ok = nl > 0 && nl < 16;
        for (size_t j = 0; j < 16 && ok; j++) {
            char c = s->name[j];
            ok = j < nl ? ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '_')
                        : c == 0;
        }
        if (!ok) {
            ty_seterr(r->err, r->errlen,
                      "%s: section %u has a bad name (names are 1 to 15 of "
                      "[a-z0-9._], NUL-padded to 16 bytes)",
                      r->path, i);
            return TENYO_ERR_CORRUPT;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(r->sec[j].name, s->name) == 0) {
                ty_seterr(r->err, r->errlen, "%s: section '%s' appears twice",
                          r->path, s->name);
                return TENYO_ERR_CORRUPT;
            }
        s->off = get_le64(e + 16);
        s->stored = get_le64(e + 24);
        s->raw = get_le64(e + 32);
        if (get_le64(e + 40) != 0) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' has a non-zero reserved field", r->path,
                      s->name);
            return TENYO_ERR_CORRUPT;
        }
        if (s->off < tlen + 8) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' starts at byte %llu, inside the header "
                      "(which ends at %llu)",
                      r->path, s->name, (unsigned long long)s->off,
                      (unsigned long long)tlen + 8);
            return TENYO_ERR_CORRUPT;
        }
        if (s->stored == 0 || s->off > r->fsize ||
            s->stored > r->fsize - s->off) {
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' (offset %llu, %llu bytes) lies outside "
                      "the file",
                      r->path, s->name, (unsigned long long)s->off,
                      (unsigned long long)s->stored);
            return TENYO_ERR_CORRUPT;
        }
        /* insertion sort by offset, for the overlap check */
        int j = (int)i;
        while (j > 0 && r->sec[order[j - 1]].off > s->off) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (int)i;
    }
    for (uint32_t i = 1; i < nsec; i++) {
        const rd_sec *p = &r->sec[order[i - 1]], *q = &r->sec[order[i]];
        if (p->off + p->stored > q->off) {
            ty_seterr(r->err, r->errlen,
                      "%s: sections '%s' and '%s' overlap (bytes %llu..%llu "
                      "and %llu..%llu)",
                      r->path, p->name, q->name, (unsigned long long)p->off,
                      (unsigned long long)(p->off + p->stored - 1),
                      (unsigned long long)q->off,
                      (unsigned long long)(q->off + q->stored - 1));
            return TENYO_ERR_CORRUPT;
        }
    }
    const rd_sec *last = &r->sec[order[nsec - 1]];
    uint64_t next = last->off + last->stored;
    if (next != r->fsize) {
        ty_seterr(r->err, r->errlen,
                  "%s: bytes %llu..%llu belong to no section (a damaged "
                  "section table?)",
                  r->path, (unsigned long long)next,
                  (unsigned long long)r->fsize - 1);
        return TENYO_ERR_CORRUPT;
    }
    r->nsec = (int)nsec;
    return TENYO_OK;
}

/* 1 when the file has a section of this name. */
static int rd_has(const reader *r, const char *name) {
    for (int i = 0; i < r->nsec; i++)
        if (strcmp(r->sec[i].name, name) == 0) return 1;
    return 0;
}

/* The table entry of section name after the checks that need no read: it
 * exists, its raw size is within [lo, hi] and no more than its frame can
 * expand to; NULL with the message set otherwise. */
static const rd_sec *rd_locate(reader *r, const char *name, uint64_t lo, uint64_t hi,
                               size_t extra) {
    const rd_sec *s = NULL;
    for (int i = 0; i < r->nsec && !s; i++)
        if (strcmp(r->sec[i].name, name) == 0) s = &r->sec[i];
    if (!s) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is missing", r->path,
                  name);
        return NULL;
    }
    if (s->raw < lo || s->raw > hi) {
        /* every bound but the build section's own follows from its counts */
        const char *from = strcmp(name, "build") == 0
                               ? ""
                               : " (from the counts in section 'build')";
        if (lo == hi)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else if (hi == UINT64_MAX)
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected at least "
                      "%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, from);
        else
            ty_seterr(r->err, r->errlen,
                      "%s: section '%s' holds %llu bytes, expected %llu..%llu%s",
                      r->path, name, (unsigned long long)s->raw,
                      (unsigned long long)lo, (unsigned long long)hi, from);
        return NULL;
    }
    if (s->raw > SIZE_MAX - extra ||
        (!r->mem && (s->stored < 6 || s->raw / STORE_MAX_RATIO > s->stored))) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' claims %llu bytes from a %llu-byte frame",
                  r->path, name, (unsigned long long)s->raw,
                  (unsigned long long)s->stored);
        return NULL;
    }
    return s;
}

/* Load section `name`, whose raw size must lie in [lo, hi], into a fresh
 * allocation of raw + extra bytes (*out, size in *raw). The frame is
 * checked (zstd magic, content size equal to the table's, checksum present,
 * exactly stored bytes) and its size bounded before anything is allocated;
 * zstd verifies the checksum while decompressing. */
static int rd_section(reader *r, const char *name, uint64_t lo, uint64_t hi,
                      size_t extra, void **out, uint64_t *raw) {
    *out = NULL;
    const rd_sec *s = rd_locate(r, name, lo, hi, extra);
    if (!s) return TENYO_ERR_CORRUPT;
    if (r->mem) { /* assembled from the shards, each frame checked there:
                   * the buffer (raw + 1 bytes) is taken, not copied */
        ty_rawsec *ms = &r->mem[s - r->sec];
        if (!ms->data || extra > 1) { /* read twice, or more room: a bug */
            ty_seterr(r->err, r->errlen, "%s: section '%s' read twice", r->path, name);
            return TENYO_ERR_ARG;
        }
        *out = ms->data;
        ms->data = NULL;
        *raw = s->raw;
        return TENYO_OK;
    }
    if (s->stored > r->ccap) {
        unsigned char *b = realloc(r->cbuf, (size_t)s->stored);
        if (!b) {
            ty_seterr(r->err, r->errlen, "%s: out of memory reading section '%s'",
                      r->path, name);
            return TENYO_ERR_NOMEM;
        }
        r->cbuf = b;
        r->ccap = (size_t)s->stored;
    }
    int rc = rd_pread(r, r->cbuf, (size_t)s->stored, s->off);
    if (rc) return rc;
    const unsigned char *f = r->cbuf;
    unsigned long long fcs = ZSTD_getFrameContentSize(f, (size_t)s->stored);
    size_t fsz = ZSTD_findFrameCompressedSize(f, (size_t)s->stored);
    if (get_le32(f) != ZSTD_MAGICNUMBER || !(f[4] & 0x04) ||
        fcs != s->raw || ZSTD_isError(fsz) || fsz != s->stored) {
        ty_seterr(r->err, r->errlen,
                  "%s: section '%s' is not one checksummed zstd frame of %llu "
                  "bytes holding %llu",
                  r->path, name, (unsigned long long)s->stored,
                  (unsigned long long)s->raw);
        return TENYO_ERR_CORRUPT;
    }
    void *dst = ty_malloc((size_t)s->raw + extra);
    if (!dst) {
        ty_seterr(r->err, r->errlen,
                  "%s: out of memory for section '%s' (%llu bytes)", r->path,
                  name, (unsigned long long)s->raw);
        return TENYO_ERR_NOMEM;
    }
    size_t d = ZSTD_decompressDCtx(r->dctx, dst, (size_t)s->raw, f,
                                   (size_t)s->stored);
    if (ZSTD_isError(d) || d != s->raw) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' is damaged: %s", r->path,
                  name, ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame");
        free(dst);
        return TENYO_ERR_CORRUPT;
    }
    *out = dst;
    *raw = s->raw;
    return TENYO_OK;
}

/* a*b*c, or -1 on overflow. */
static int mul3(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
    uint64_t t;
    if (__builtin_mul_overflow(a, b, &t) || __builtin_mul_overflow(t, c, out))
        return -1;
    return 0;
}

/* Load the build section into m's settings and counts. */
static int rd_build(reader *r, ty_model *m, uint64_t *nnz) {
    void *p = NULL;
    uint64_t raw = 0;
    build_info bi;
    memset(&bi, 0, sizeof bi);
    int rc = rd_section(r, "build", 0, STORE_BUILD_MAX, 1, &p, &raw);
    if (rc) goto done;
    char why[256];
    ((char *)p)[raw] = 0;
    if (build_parse(p, (size_t)raw, &bi, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'build': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->tokenizer = bi.str[BK_TOK];
    m->writer = bi.str[BK_WRITER];
    m->mecab_dicdir = bi.str[BK_DICDIR];
    memset(bi.str, 0, sizeof bi.str);
    m->keep_parts = (int)bi.num[BK_PARTS - BK_PARTS];
    m->stem = (int)bi.num[BK_STEM - BK_PARTS];
    m->seed = bi.unum[BK_SEED - BK_PARTS];
    m->min_df = (int32_t)bi.num[BK_MINDF - BK_PARTS];
    m->max_df_ratio = bi.ratio;
    m->oversample = (int32_t)bi.num[BK_OVERS - BK_PARTS];
    m->power_iters = (int32_t)bi.num[BK_POWER - BK_PARTS];
    m->created = bi.num[BK_CREATED - BK_PARTS];
    m->dim = (uint32_t)bi.unum[BK_DIM - BK_PARTS];
    m->ndocs = bi.unum[BK_NDOCS - BK_PARTS];
    m->nterms = bi.unum[BK_NTERMS - BK_PARTS];
    *nnz = bi.unum[BK_NNZ - BK_PARTS];
    m->nfields = (uint32_t)bi.unum[BK_NFIELDS - BK_PARTS];
    m->max_terms = (uint32_t)bi.unum[BK_MAXTERMS - BK_PARTS];
done:
    for (int i = 0; i < 3; i++) free(bi.str[i]);
    free(p);
    return rc;
}

/* The LEB128 value at p[*pos] (at most 5 bytes, < 2^35), advancing *pos;
 * -1 when the bytes end first or run longer. */
static int leb_get(const unsigned char *p, uint64_t len, uint64_t *pos, uint64_t *v) {
    *v = 0;
    for (int shift = 0;; shift += 7) {
        if (*pos == len || shift > 28) return -1;
        unsigned char b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
}

/* ---- format 2's sparse rows, decoded in parallel ----
 *
 * Columns and counts are two LEB128 streams, one value per non-zero, so a
 * row range's values start at known value numbers (rowptr) but unknown
 * bytes. One pass counting terminator bytes (high bit clear) finds the
 * byte where each range starts; then each thread decodes and checks its
 * rows' columns, then their counts and weights (a row's weights depend only
 * on its own counts, columns and idf, through ty_tfidf_row_counts, the
 * builder's arithmetic, so the bits are the builder's whatever the thread
 * count). The
 * damage in the lowest range is reported, so the message does not depend on
 * scheduling; an index small enough to decode in one piece (every fixture)
 * is checked in file order exactly as before. */

#define RD_MAX_THREADS 16

/* Non-zeros per decoding thread at least, and a forced thread count (0:
 * the cores): tests set both to take the parallel path on small files. */
uint64_t ty_store_nnz_per_thread = 65536;
int ty_store_threads = 0;

typedef struct sp_job {
    ty_model *m;
    const unsigned char *cp, *tp;    /* the two streams */
    uint64_t r0, r1;                 /* rows [r0, r1) */
    uint64_t c0, c1, t0, t1;         /* byte ranges of those rows */
    /* damage found: 1 a bad value (row, entry), 2 bytes left over (entry) */
    int bad;
    uint64_t row, entry;
    const char *stream, *what;
} sp_job;

/* Worker t of rd_sparse (ty_parallel): range t's columns, then its counts
 * and weights; on damage the job describes it and TENYO_ERR_CORRUPT. */
static int sp_run(void *ud, int t, int nt) {
    sp_job *j = (sp_job *)ud + t;
    ty_model *m = j->m;
    ty_csr *a = &m->tfidf;
    uint64_t pos = j->c0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* columns */
        uint64_t prev = 0;
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (leb_get(j->cp, j->c1, &pos, &v))
                what = pos == j->c1 ? "the section ends inside a number"
                                    : "a number longer than 5 bytes";
            else if (e > a->rowptr[i] && v == 0)
                what = "a column repeats (columns must increase)";
            else if (e > a->rowptr[i])
                v += prev;
            if (!what && v >= m->nterms) what = "column out of range or not increasing";
            if (what) {
                *j = (sp_job){.bad = 1, .row = i, .entry = e - a->rowptr[i],
                              .stream = "tfidf.cols", .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->col[e] = (uint32_t)v;
            prev = v;
        }
    }
    if (pos != j->c1) {
        *j = (sp_job){.bad = 2, .entry = j->c1 - pos, .stream = "tfidf.cols"};
        return TENYO_ERR_CORRUPT;
    }
    if (!j->tp) return TENYO_OK; /* format 1: weights are stored, no counts */
    pos = j->t0;
    for (uint64_t i = j->r0; i < j->r1; i++) { /* counts, then weights */
        for (uint64_t e = a->rowptr[i]; e < a->rowptr[i + 1]; e++) {
            uint64_t v;
            const char *what = NULL;
            if (leb_get(j->tp, j->t1, &pos, &v))
                what = pos == j->t1 ? "the section ends inside a number"
                                    : "a number longer than 5 bytes";
            else if (v == 0)
                what = "a term count of 0";
            else if (v > UINT32_MAX)
                what = "a term count over 2^32";
            if (what) {
                *j = (sp_job){.bad = 1, .row = i, .entry = e, .stream = "tfidf.tf",
                              .what = what};
                return TENYO_ERR_CORRUPT;
            }
            a->val[e] = (float)v;
        }
        ty_tfidf_row_counts(a->col + a->rowptr[i], a->val + a->rowptr[i],
                            (size_t)(a->rowptr[i + 1] - a->rowptr[i]), m->idf);
    }
    if (pos != j->t1) {
        *j = (sp_job){.bad = 2, .entry = j->t1 - pos, .stream = "tfidf.tf"};
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* Byte offsets in LEB128 stream p (len bytes) where values number
 * want[0] <= want[1] <= ... <= want[n-1] start; 0 when all were found. */
static int leb_offsets(const unsigned char *p, uint64_t len, const uint64_t *want, int n,
                       uint64_t *off) {
    uint64_t vals = 0;
    int w = 0;
    while (w < n && want[w] == 0) off[w++] = 0;
    for (uint64_t b = 0; b < len && w < n; b++)
        if (!(p[b] & 0x80) && ++vals == want[w])
            while (w < n && want[w] == vals) off[w++] = b + 1;
    return w == n ? 0 : -1;
}

/* Decode both streams into m->tfidf.col / val (allocated by the caller),
 * checking that each row's columns are strictly increasing and below
 * nterms and that the bytes hold exactly nnz values, with up to
 * RD_MAX_THREADS workers (ty_store_threads, else the cores); without counts
 * (tp NULL, format 1) only the columns, in one piece. */
static int rd_sparse(reader *r, ty_model *m, const unsigned char *cp, uint64_t clen,
                     const unsigned char *tp, uint64_t tlen) {
    ty_csr *a = &m->tfidf;
    uint64_t nd = m->ndocs, nnz = nd ? a->rowptr[nd] : 0;
    int nt = ty_store_threads > 0 ? ty_store_threads : ty_ncores();
    uint64_t per = ty_store_nnz_per_thread ? ty_store_nnz_per_thread : 1;
    if (nt > RD_MAX_THREADS) nt = RD_MAX_THREADS;
    if ((uint64_t)nt > nnz / per + 1) nt = (int)(nnz / per + 1); /* small: 1 */
    if (!tp) nt = 1;
    sp_job job[RD_MAX_THREADS];
    uint64_t rs[RD_MAX_THREADS + 1], want[RD_MAX_THREADS], co[RD_MAX_THREADS],
        to[RD_MAX_THREADS];
    /* rows split at about equal non-zeros */
    rs[0] = 0;
    for (int t = 1; t < nt; t++) {
        uint64_t goal = nnz / (uint64_t)nt * (uint64_t)t, lo = rs[t - 1], hi = nd;
        while (lo < hi) { /* the first row starting at or after goal */
            uint64_t mid = lo + (hi - lo) / 2;
            if (a->rowptr[mid] < goal) lo = mid + 1;
            else hi = mid;
        }
        rs[t] = lo;
        want[t - 1] = a->rowptr[lo];
    }
    rs[nt] = nd;
    /* a damaged stream may lack the values a split needs: decode it in
     * one piece then, which finds and names the damage */
    if (nt > 1 && (leb_offsets(cp, clen, want, nt - 1, co) ||
                   leb_offsets(tp, tlen, want, nt - 1, to))) {
        nt = 1;
        rs[1] = nd;
    }
    for (int t = 0; t < nt; t++)
        job[t] = (sp_job){.m = m, .cp = cp, .tp = tp, .r0 = rs[t], .r1 = rs[t + 1],
                          .c0 = t ? co[t - 1] : 0, .c1 = t + 1 < nt ? co[t] : clen,
                          .t0 = t ? to[t - 1] : 0, .t1 = t + 1 < nt ? to[t] : tlen};
    /* range t on worker t: ty_parallel runs each range whatever threads
     * start, so the ranges and the damage found are those above */
    if (ty_parallel(nt, sp_run, job) == TENYO_OK) return TENYO_OK;
    for (int t = 0; t < nt; t++) { /* the lowest damaged range is reported */
        const sp_job *j = &job[t];
        if (!j->bad) continue;
        if (j->bad == 2)
            ty_seterr(r->err, r->errlen, "%s: section '%s': %llu bytes left over", r->path,
                      j->stream, (unsigned long long)j->entry);
        else if (!strcmp(j->stream, "tfidf.tf"))
            ty_seterr(r->err, r->errlen, "%s: section 'tfidf.tf': entry %llu: %s", r->path,
                      (unsigned long long)j->entry, j->what);
        else
            ty_seterr(r->err, r->errlen,
                      "%s: section 'tfidf.cols': row %llu, entry %llu: %s (%llu terms)",
                      r->path, (unsigned long long)j->row, (unsigned long long)j->entry,
                      j->what, (unsigned long long)m->nterms);
        return TENYO_ERR_CORRUPT;
    }
    return TENYO_OK;
}

/* A q8 section (rows x k int8, then rows f32 scales): dequantised into a
 * new float matrix *out when out is given, else its codes and scales kept
 * as they are in *codes and *scales (the document vectors: the index uses
 * the codes themselves, quant.c). */
static int rd_q8(reader *r, const char *name, uint64_t rows, uint64_t k,
                 float **out, int8_t **codes, float **scales) {
    uint64_t sz, fl;
    void *p = NULL;
    if (out) *out = NULL;
    if (mul3(rows, k + 4, 1, &sz) || mul3(rows, k, 1, &fl)) {
        ty_seterr(r->err, r->errlen, "%s: section '%s' too large", r->path, name);
        return TENYO_ERR_CORRUPT;
    }
    uint64_t raw;
    int rc = rd_section(r, name, sz, sz, 0, &p, &raw);
    if (rc) return rc;
    float *x = out ? ty_mallocarray(fl ? fl : 1, sizeof *x) : NULL;
    if (out && !x) {
        free(p);
        ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s'", r->path, name);
        return TENYO_ERR_NOMEM;
    }
    const int8_t *q = p;
    const unsigned char *sc = (const unsigned char *)p + fl;
    for (uint64_t i = 0; i < rows; i++) {
        uint32_t bits = get_le32(sc + 4 * i);
        float s;
        memcpy(&s, &bits, sizeof s);
        if (!isfinite(s) || s < 0) {
            ty_seterr(r->err, r->errlen, "%s: section '%s': scale of row %llu is %g",
                      r->path, name, (unsigned long long)i, (double)s);
            free(p);
            free(x);
            return TENYO_ERR_CORRUPT;
        }
        if (x)
            for (uint64_t j = 0; j < k; j++) x[i * k + j] = s * (float)q[i * k + j];
    }
    if (!out) { /* keep the codes (the buffer starts with them) */
        float *sv = ty_mallocarray(rows ? rows : 1, sizeof *sv);
        if (!sv) {
            free(p);
            ty_seterr(r->err, r->errlen, "%s: out of memory for section '%s'", r->path, name);
            return TENYO_ERR_NOMEM;
        }
        for (uint64_t i = 0; i < rows; i++) {
            uint32_t bits = get_le32(sc + 4 * i);
            memcpy(&sv[i], &bits, sizeof sv[i]);
        }
        int8_t *c = realloc(p, (size_t)(fl ? fl : 1)); /* drop the scales' bytes */
        *codes = c ? c : p;
        *scales = sv;
        return TENYO_OK;
    }
    free(p);
    *out = x;
    return TENYO_OK;
}

/* The sparse rows' columns and counts (or format 1's weights) into
 * m->tfidf.col / val, rowptr already set; the counts' bytes are kept in
 * m->tf_leb. */
static int rd_rows(reader *r, ty_model *m, uint64_t nnz) {
    ty_csr *a = &m->tfidf;
    void *p = NULL, *tp = NULL;
    uint64_t sz, raw, traw;
    int rc;
    if (mul3(nnz, 5, 1, &sz)) {
        ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
        return TENYO_ERR_CORRUPT;
    }
    rc = rd_section(r, "tfidf.cols", nnz, sz, 0, &p, &raw);
    if (rc) return rc;
    rc = TENYO_ERR_NOMEM;
    a->col = ty_mallocarray(nnz ? nnz : 1, sizeof *a->col);
    if (!a->col) goto nomem;
    if (rd_has(r, "tfidf.tf")) { /* format 2: columns and counts together */
        rc = rd_section(r, "tfidf.tf", nnz, sz, 0, &tp, &traw);
        if (rc) goto done;
        a->val = ty_mallocarray(nnz ? nnz : 1, sizeof *a->val);
        if (!a->val) goto nomem;
        rc = rd_sparse(r, m, p, raw, tp, traw);
        if (rc) goto done;
        m->tf_leb = tp;
        m->tf_leb_len = traw;
        tp = NULL;
    } else {
        rc = rd_sparse(r, m, p, raw, NULL, 0);
        if (rc) goto done;
        free(p);
        p = NULL;
        rc = rd_section(r, "tfidf.vals", 4 * nnz, 4 * nnz, 0, &p, &raw);
        if (rc) goto done;
        a->val = p;
        p = NULL;
        le_to_host(a->val, (size_t)nnz, 4);
    }
    rc = TENYO_OK;
    goto done;
nomem:
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
done:
    free(p);
    free(tp);
    return rc;
}

/* The document vectors, read by a thread of their own (rd_sections). */
typedef struct vec_job {
    reader r;                  /* a copy: its own zstd context, buffer, message */
    ty_model *m;               /* writes doc_q, doc_qscale only */
    uint64_t nt, nd, k;
    int rc;
    char err[TY_ERRLEN];
} vec_job;

/* Below this many vector bytes, one thread reads everything. */
#define VEC_THREAD_MIN (4u << 20)

static void *vec_run(void *arg) {
    vec_job *j = arg;
    j->rc = rd_q8(&j->r, "docvec.q8", j->nd, j->k, NULL, &j->m->doc_q, &j->m->doc_qscale);
    return NULL;
}

/* Load every section into m (counts already set from build). */
static int rd_sections(reader *r, ty_model *m, uint64_t nnz) {
    uint64_t nd = m->ndocs, nt = m->nterms, k = m->dim, sz, raw;
    vec_job *vj = NULL;
    pthread_t vt;
    int vstarted = 0, basis_bad = 0;
    uint64_t nstr = nd * TY_META_NSTR;
    void *p = NULL;
    char why[256];
    int rc;
    /* every product below is bounded by TY_MAX_* (< 2^48), checked anyway */
#define EXACT(name, n, size, dst)                                           \
    do {                                                                    \
        if (mul3(n, size, 1, &sz)) {                                        \
            ty_seterr(r->err, r->errlen, "%s: section '%s' too large",      \
                      r->path, name);                                       \
            rc = TENYO_ERR_CORRUPT;                                         \
            goto done;                                                      \
        }                                                                   \
        rc = rd_section(r, name, sz, sz, 0, &p, &raw);                      \
        if (rc) goto done;                                                  \
        (dst) = p;                                                          \
        p = NULL;                                                           \
        le_to_host(dst, (size_t)(n), size);                                 \
    } while (0)

    rc = rd_section(r, "vocab", nt, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->term_blob = p;
    m->term_blob[raw] = 0;
    m->term_blob_len = raw;
    p = NULL;
    m->term_off = ty_mallocarray(nt ? nt : 1, sizeof *m->term_off);
    if (!m->term_off) goto nomem;
    if (ty_blob_index(m->term_blob, raw, nt, m->term_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'vocab': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("df", nt, 4, m->df);
    EXACT("idf", nt, 4, m->idf);
    EXACT("sigma", k, 4, m->sigma);
    if (mul3(nt, k, 1, &sz)) goto toolarge;
    if (r->version >= 2) {
        /* the document vectors (most of the bytes left to decompress once
         * the rows wait for their first use) on a thread of their own,
         * beside the basis, rows and documents here: on a 1M index, 0.86 s
         * against 0.85 s */
        int two = ty_store_threads > 1 ||
                  (ty_store_threads == 0 && ty_ncores() > 1 && nd * k >= VEC_THREAD_MIN);
        if (two && !r->mem && (vj = ty_calloc(1, sizeof *vj)) != NULL) {
            vj->r = *r;
            vj->r.dctx = ZSTD_createDCtx();
            vj->r.cbuf = NULL;
            vj->r.ccap = 0;
            vj->r.err = vj->err;
            vj->r.errlen = sizeof vj->err;
            vj->m = m;
            vj->nt = nt;
            vj->nd = nd;
            vj->k = k;
            vstarted = vj->r.dctx && pthread_create(&vt, NULL, vec_run, vj) == 0;
            if (!vstarted) {
                ZSTD_freeDCtx(vj->r.dctx);
                free(vj);
                vj = NULL;
            }
        }
        rc = rd_q8(r, "basis.q8", nt, k, NULL, &m->basis_q, &m->basis_qscale);
        if (rc) {
            basis_bad = 1; /* before the vectors: its message wins */
            goto done;
        }
        if (!vstarted) {
            rc = rd_q8(r, "docvec.q8", nd, k, NULL, &m->doc_q, &m->doc_qscale);
            if (rc) goto done;
        }
    } else {
        EXACT("basis", sz, 4, m->basis);
        if (mul3(nd, k, 1, &sz)) goto toolarge;
        EXACT("docvec", sz, 4, m->docvec);
    }

    /* sparse rows: counts -> rowptr, then columns, then values */
    ty_csr *a = &m->tfidf;
    a->nrows = nd;
    a->ncols = nt;
    uint32_t *cnt = NULL;
    EXACT("tfidf.rows", nd, 4, cnt);
    a->rowptr = ty_mallocarray(nd + 1, sizeof *a->rowptr);
    if (!a->rowptr) {
        free(cnt);
        goto nomem;
    }
    a->rowptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++) a->rowptr[i + 1] = a->rowptr[i] + cnt[i];
    free(cnt);
    if (r->partial && a->rowptr[nd] <= nnz) nnz = a->rowptr[nd]; /* the rows read */
    if (a->rowptr[nd] != nnz) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'tfidf.rows': rows hold %llu non-zeros, build "
                  "says %llu",
                  r->path, (unsigned long long)a->rowptr[nd],
                  (unsigned long long)nnz);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    if (mul3(nnz, 5, 1, &sz)) goto toolarge;
    if (r->lazy && rd_has(r, "tfidf.tf")) {
        /* format 2 opened for queries: the rows wait for their first use
         * (ty_model_need_sparse); what needs no read is checked now */
        if (!rd_locate(r, "tfidf.cols", nnz, sz, 0) || !rd_locate(r, "tfidf.tf", nnz, sz, 0)) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        r->deferred = 1;
    } else {
        rc = rd_rows(r, m, nnz);
        if (rc) goto done;
    }

    /* documents */
    rc = rd_section(r, "docmeta", nstr, UINT64_MAX, 1, &p, &raw);
    if (rc) goto done;
    m->meta_blob = p;
    m->meta_blob[raw] = 0;
    m->meta_blob_len = raw;
    p = NULL;
    m->meta_off = ty_mallocarray(nstr ? nstr : 1, sizeof *m->meta_off);
    if (!m->meta_off) goto nomem;
    if (ty_blob_index(m->meta_blob, raw, nstr, m->meta_off, 1, why, sizeof why)) {
        ty_seterr(r->err, r->errlen, "%s: section 'docmeta': %s", r->path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    EXACT("docflags", 2 * nd, 1, m->open); /* open[nd] then lang[nd] */
    m->lang = ty_malloc((size_t)nd);
    if (!m->lang) goto nomem;
    memcpy(m->lang, m->open + nd, (size_t)nd);

    /* docfields: u32 counts, then u16 ids moved to the front in place */
    if (mul3(nd, 4, 1, &sz)) goto toolarge;
    if (mul3(nd, 4 + 2ull * TY_MAX_FIELDS, 1, &raw)) goto toolarge;
    rc = rd_section(r, "docfields", sz, raw, 0, &p, &raw);
    if (rc) goto done;
    if ((raw - sz) % 2) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'docfields': %llu bytes after the counts is "
                  "odd (u16 field ids)",
                  r->path, (unsigned long long)(raw - sz));
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->field_ptr = ty_mallocarray(nd + 1, sizeof *m->field_ptr);
    if (!m->field_ptr) goto nomem;
    m->field_ptr[0] = 0;
    for (uint64_t i = 0; i < nd; i++)
        m->field_ptr[i + 1] = m->field_ptr[i] + get_le32((unsigned char *)p + 4 * i);
    if (m->field_ptr[nd] != (raw - sz) / 2) {
        ty_seterr(r->err, r->errlen,
                  "%s: section 'docfields': counts sum to %llu, section holds "
                  "%llu ids",
                  r->path, (unsigned long long)m->field_ptr[nd],
                  (unsigned long long)((raw - sz) / 2));
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    memmove(p, (unsigned char *)p + sz, (size_t)(raw - sz));
    le_to_host(p, (size_t)((raw - sz) / 2), 2);
    m->field_ids = p;
    p = NULL;
    if (raw > sz) { /* give back the counts' bytes */
        uint16_t *s = realloc(m->field_ids, (size_t)(raw - sz));
        if (s) m->field_ids = s;
    }

    /* fields */
    rc = rd_section(r, "fields", 16ull * m->nfields, 16ull * m->nfields, 0, &p,
                    &raw);
    if (rc) goto done;
    uint32_t nf = m->nfields;
    m->field_code = ty_calloc(nf ? nf : 1, sizeof *m->field_code);
    m->field_count = ty_mallocarray(nf ? nf : 1, sizeof *m->field_count);
    if (!m->field_code || !m->field_count) goto nomem;
    for (uint32_t f = 0; f < nf; f++) {
        memcpy(m->field_code[f], (unsigned char *)p + 16 * (size_t)f, 8);
        m->field_count[f] = get_le64((unsigned char *)p + 16 * (size_t)f + 8);
    }
    free(p);
    p = NULL;

    /* optional: surface words of stemmed terms */
    if (rd_has(r, "surface")) {
        rc = rd_section(r, "surface", nt, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        m->surf_blob = p;
        m->surf_blob[raw] = 0;
        m->surf_blob_len = raw;
        p = NULL;
        m->surf_off = ty_mallocarray(nt ? nt : 1, sizeof *m->surf_off);
        if (!m->surf_off) goto nomem;
        if (ty_blob_index(m->surf_blob, raw, nt, m->surf_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'surface': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
    }
    /* optional: application phrases (both sections or neither) */
    if (rd_has(r, "phrase.text") || rd_has(r, "phrase.docs")) {
        rc = rd_section(r, "phrase.text", 0, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        m->phr_blob = p;
        m->phr_blob[raw] = 0;
        m->phr_blob_len = raw;
        p = NULL;
        uint64_t np = 0;
        for (uint64_t i = 0; i < raw; i++) np += m->phr_blob[i] == 0;
        if (np > UINT32_MAX) goto toolarge;
        m->nphrases = np;
        m->phr_off = ty_mallocarray(np ? np : 1, sizeof *m->phr_off);
        if (!m->phr_off) goto nomem;
        if (ty_blob_index(m->phr_blob, raw, np, m->phr_off, 1, why, sizeof why)) {
            ty_seterr(r->err, r->errlen, "%s: section 'phrase.text': %s", r->path, why);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (mul3(nd, 4, 1, &sz)) goto toolarge;
        rc = rd_section(r, "phrase.docs", sz, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        if ((raw - sz) % 4) {
            ty_seterr(r->err, r->errlen,
                      "%s: section 'phrase.docs': %llu bytes after the counts "
                      "is not a multiple of 4 (u32 phrase ids)",
                      r->path, (unsigned long long)(raw - sz));
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->phr_ptr = ty_mallocarray(nd + 1, sizeof *m->phr_ptr);
        if (!m->phr_ptr) goto nomem;
        m->phr_ptr[0] = 0;
        for (uint64_t i = 0; i < nd; i++)
            m->phr_ptr[i + 1] = m->phr_ptr[i] + get_le32((unsigned char *)p + 4 * i);
        uint64_t nids = (raw - sz) / 4;
        if (m->phr_ptr[nd] != nids) {
            ty_seterr(r->err, r->errlen,
                      "%s: section 'phrase.docs': counts sum to %llu, section "
                      "holds %llu ids", r->path,
                      (unsigned long long)m->phr_ptr[nd], (unsigned long long)nids);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->phr_ids = ty_mallocarray(nids ? nids : 1, sizeof *m->phr_ids);
        if (!m->phr_ids) goto nomem;
        for (uint64_t j = 0; j < nids; j++) {
            m->phr_ids[j] = get_le32((unsigned char *)p + sz + 4 * j);
            if (m->phr_ids[j] >= np) {
                ty_seterr(r->err, r->errlen,
                          "%s: section 'phrase.docs': phrase id %u, but "
                          "'phrase.text' holds %llu phrases", r->path,
                          m->phr_ids[j], (unsigned long long)np);
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
        }
        free(p);
        p = NULL;
    }
    /* optional: IVF lists (parsed and checked by the index: search/ivf.c) */
    if (rd_has(r, "ivf")) {
        rc = rd_section(r, "ivf", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->ivf_blob = p;
        m->ivf_len = raw;
        p = NULL;
    }
    /* optional: float16 document vectors (the IVF re-ranks from them):
     * exactly ndocs x dim, every value finite */
    if (rd_has(r, "docvec.f16") && nd && k) {
        if (mul3(nd, k, 2, &sz)) {
            ty_seterr(r->err, r->errlen, "%s: section 'docvec.f16' too large", r->path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        rc = rd_section(r, "docvec.f16", sz, sz, 0, &p, &raw);
        if (rc) goto done;
        m->doc_h = p;
        p = NULL;
        le_to_host(m->doc_h, (size_t)(nd * k), 2);
        for (uint64_t i = 0; i < nd * k; i++)
            if ((m->doc_h[i] & 0x7c00u) == 0x7c00u) { /* exponent all ones */
                ty_seterr(r->err, r->errlen,
                          "%s: section 'docvec.f16': document %llu holds an infinity or NaN",
                          r->path, (unsigned long long)(i / k));
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
    }
    /* optional: the field model (parsed and checked by the index:
     * model/linear.c) */
    if (rd_has(r, "fieldmodel")) {
        rc = rd_section(r, "fieldmodel", 1, UINT64_MAX, 0, &p, &raw);
        if (rc) goto done;
        m->fm_blob = p;
        m->fm_len = raw;
        p = NULL;
    }
    /* optional: IPC titles recorded at index time (parsed by the index) */
    if (rd_has(r, "labels")) {
        rc = rd_section(r, "labels", 0, 64ull << 20, 1, &p, &raw);
        if (rc) goto done;
        m->labels_blob = p;
        m->labels_blob[raw] = 0;
        m->labels_len = raw;
        p = NULL;
    }
    /* optional: abstracts, located now and read on first use (ty_abs_get) */
    if (!r->mem && rd_has(r, "abstracts")) {
        const rd_sec *s = rd_locate(r, "abstracts", ABS_HEAD, UINT64_MAX, 0);
        if (!s) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->abs = ty_abs_open(r->fd, r->path, s->off, s->stored, s->raw, nd);
        if (!m->abs) goto nomem;
    }
    /* optional: terms dropped by max_df (messages only) */
    if (rd_has(r, "common")) {
        rc = rd_section(r, "common", 0, 16ull << 20, 1, &p, &raw);
        if (rc) goto done;
        if (raw && ((const char *)p)[raw - 1] != 0) {
            ty_seterr(r->err, r->errlen, "%s: section 'common': the last term is not "
                      "NUL-terminated", r->path);
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        m->common_blob = p;
        m->common_blob[raw] = 0;
        m->common_len = raw;
        p = NULL;
    }
    /* optional: the documents' other numbers (api/patno.c reads the lines;
     * a malformed one is skipped there, so only the size is checked) */
    if (rd_has(r, "numbers")) {
        rc = rd_section(r, "numbers", 0, 256ull << 20, 1, &p, &raw);
        if (rc) goto done;
        m->numbers_blob = p;
        m->numbers_blob[raw] = 0;
        m->numbers_len = raw;
        p = NULL;
    }
    /* optional: the keyword index, located now and read (frame checksum
     * here, layout by search/kwindex.c) on the first keyword query or by
     * check (store/lazysec.c); a sharded index's, already in memory, is
     * wrapped as read */
    if (rd_has(r, "keywords")) {
        const rd_sec *s = rd_locate(r, "keywords", 48, 1ull << 40, 1);
        if (!s) {
            rc = TENYO_ERR_CORRUPT;
            goto done;
        }
        if (r->mem) {
            rc = rd_section(r, "keywords", 48, 1ull << 40, 1, &p, &raw);
            if (rc) goto done;
            ((char *)p)[raw] = 0;
            m->kw_sec = ty_lazysec_wrap(p, raw);
            if (!m->kw_sec) goto nomem;
        } else {
            m->kw_sec = ty_lazysec_open(r->fd, r->path, "keywords", s->off, s->stored, s->raw);
            if (!m->kw_sec) goto nomem;
        }
        p = NULL;
    }
    rc = TENYO_OK;
    goto done;
#undef EXACT
toolarge:
    ty_seterr(r->err, r->errlen, "%s: counts in 'build' overflow", r->path);
    rc = TENYO_ERR_CORRUPT;
    goto done;
nomem:
    ty_seterr(r->err, r->errlen, "%s: out of memory loading the index", r->path);
    rc = TENYO_ERR_NOMEM;
done:
    free(p);
    if (vstarted) { /* its damage comes before all but the basis' */
        pthread_join(vt, NULL);
        if (vj->rc && !basis_bad) {
            rc = vj->rc;
            ty_seterr(r->err, r->errlen, "%s", vj->err);
        }
        ZSTD_freeDCtx(vj->r.dctx);
        free(vj->r.cbuf);
        free(vj);
    }
    return rc;
}


/* The rows a lazy read left: the reader, its file still open. */
struct ty_lazy {
    ty_once once;              /* decoded or refused, once */
    ty_model *m;               /* the model whose rows these are */
    char err[TY_ERRLEN];       /* the refusal's message */
    reader r;                  /* path and fd its own */
};

static void lazy_free(ty_lazy *z) {
    if (!z) return;
    if (z->r.fd >= 0) close(z->r.fd);
    ZSTD_freeDCtx(z->r.dctx);
    free(z->r.cbuf);
    free((char *)z->r.path);
    ty_once_destroy(&z->once);
    free(z);
}

/* Zero r, open path for it and read and check the header and table: 0, or
 * the status with the message (r->fd closed by the caller when >= 0). */
static int rd_open(reader *r, const char *path, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->err = err;
    r->errlen = errlen;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
     * forever; it has no effect on the regular file read afterwards */
    r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (r->fd < 0) {
        ty_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TENYO_ERR_IO;
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ty_seterr(err, errlen, "%s: not a regular file", path);
        return TENYO_ERR_IO;
    }
    r->fsize = (uint64_t)st.st_size;
    return rd_header(r);
}

/* What rd_open and the reads after it hold: the file, zstd, the buffer. */
static void rd_close(reader *r) {
    if (r->fd >= 0) close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    free(r->cbuf);
}

static int store_read(const char *path, ty_model *m, char *err, size_t errlen, int lazy) {
    if (!path || !m) return TENYO_ERR_ARG;
    if (ty_shards_sniff(path) == 1) return ty_shards_read(path, m, err, errlen);
    memset(m, 0, sizeof *m);
    reader r;
    int rc = rd_open(&r, path, err, errlen);
    r.lazy = lazy;
    if (rc) goto done;
    r.dctx = ZSTD_createDCtx();
    if (!r.dctx) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        rc = TENYO_ERR_NOMEM;
        goto done;
    }
    uint64_t nnz = 0;
    rc = rd_build(&r, m, &nnz);
    if (rc) goto done;
    rc = rd_sections(&r, m, nnz);
    if (rc) goto done;
    if (r.deferred) { /* keep the reader (and the file open) for the rows */
        ty_lazy *z = ty_calloc(1, sizeof *z);
        char *pc = z ? strdup(path) : NULL;
        if (!pc) {
            free(z);
            ty_seterr(err, errlen, "%s: out of memory loading the index", path);
            rc = TENYO_ERR_NOMEM;
            goto done;
        }
        ty_once_init(&z->once);
        z->m = m;
        z->r = r;
        z->r.path = pc;
        z->r.err = z->err;
        z->r.errlen = sizeof z->err;
        z->r.dctx = NULL; /* made again when needed; the buffer goes now */
        z->r.cbuf = NULL;
        z->r.ccap = 0;
        r.fd = -1;
        m->lazy = z;
    }
    char why[TY_ERRLEN];
    m->format_version = r.version;
    if (ty_model_check(m, 1, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: section %s", path, why);
        rc = TENYO_ERR_CORRUPT;
        goto done;
    }
    m->format_version = r.version;
    m->updated = r.updated;
    m->file_bytes = r.fsize;
    m->nsections = r.nsec;
    for (int i = 0; i < r.nsec; i++) {
        memcpy(m->sections[i].name, r.sec[i].name, 16);
        m->sections[i].stored = r.sec[i].stored;
        m->sections[i].raw = r.sec[i].raw;
    }
    rc = TENYO_OK;
done:
    rd_close(&r);
    if (rc) ty_model_free(m);
    return rc;
}

int ty_store_read(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 0);
}

int ty_store_read_lazy(const char *path, ty_model *m, char *err, size_t errlen) {
    return store_read(path, m, err, errlen, 1);
}

int ty_store_read_part(const char *path, const uint8_t *keep, uint32_t nkeep, ty_model *m,
                       char *err, size_t errlen) {
    if (path && m && ty_shards_sniff(path) == 1)
        return ty_shards_read_part(path, keep, nkeep, m, err, errlen);
    return store_read(path, m, err, errlen, 1);
}

/* ============================================== raw sections, shards */

int ty_store_raw_read(const char *path, ty_rawfile *f, int with_abs, char *err,
                      size_t errlen) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    reader r;
    int rc = rd_open(&r, path, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_NOMEM;
    r.dctx = ZSTD_createDCtx();
    f->path = ty_strdup(path);
    if (!r.dctx || !f->path) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        goto done;
    }
    f->fsize = r.fsize;
    f->hsum = r.hsum;
    for (int i = 0; i < r.nsec; i++) {
        ty_rawsec *s = &f->sec[i];
        memcpy(s->name, r.sec[i].name, 16);
        s->off = r.sec[i].off;
        s->stored = r.sec[i].stored;
        s->raw = r.sec[i].raw;
        f->nsec = i + 1;
        if (!with_abs && strcmp(s->name, "abstracts") == 0) {
            if (!rd_locate(&r, s->name, ABS_HEAD, UINT64_MAX, 0)) {
                rc = TENYO_ERR_CORRUPT;
                goto done;
            }
            continue;
        }
        void *p = NULL;
        uint64_t raw = 0;
        rc = rd_section(&r, s->name, 0, UINT64_MAX, 1, &p, &raw);
        if (rc) goto done;
        ((unsigned char *)p)[raw] = 0;
        s->data = p;
    }
    f->fd = r.fd;
    r.fd = -1;
    rc = TENYO_OK;
done:
    rd_close(&r);
    if (rc) ty_rawfile_free(f);
    return rc;
}

void ty_rawfile_free(ty_rawfile *f) {
    if (!f) return;
    for (int i = 0; i < f->nsec; i++) free(f->sec[i].data);
    if (f->fd >= 0) close(f->fd);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

int ty_store_read_mem(const char *label, ty_rawsec *sec, int nsec, int partial,
                      ty_model *m, char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    m->partial = partial;
    if (nsec < 1 || nsec > TENYO_MAX_SECTIONS) return TENYO_ERR_ARG;
    reader r;
    memset(&r, 0, sizeof r);
    r.fd = -1;
    r.path = label;
    r.err = err;
    r.errlen = errlen;
    r.version = STORE_VERSION;
    r.mem = sec;
    r.partial = partial;
    r.nsec = nsec;
    for (int i = 0; i < nsec; i++) {
        memcpy(r.sec[i].name, sec[i].name, 16);
        r.sec[i].stored = r.sec[i].raw = sec[i].raw;
    }
    uint64_t nnz = 0;
    int rc = rd_build(&r, m, &nnz);
    if (!rc) rc = rd_sections(&r, m, nnz);
    char why[TY_ERRLEN];
    m->format_version = STORE_VERSION;
    if (!rc && ty_model_check(m, 1, why, sizeof why)) {
        ty_seterr(err, errlen, "%s: section %s", label, why);
        rc = TENYO_ERR_CORRUPT;
    }
    if (rc) ty_model_free(m);
    return rc;
}

/* The rows' first use (ty_once_run): decode them, or leave none behind. */
static int lazy_decode(void *arg) {
    ty_lazy *z = arg;
    ty_model *m = z->m;
    int rc;
    z->r.dctx = ZSTD_createDCtx();
    if (z->r.dctx) {
        rc = rd_rows(&z->r, m, m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0);
    } else {
        ty_seterr(z->err, sizeof z->err, "%s: out of memory", z->r.path);
        rc = TENYO_ERR_NOMEM;
    }
    if (rc) { /* nothing half-made is left to read */
        free(m->tfidf.col);
        free(m->tfidf.val);
        free(m->tf_leb);
        m->tfidf.col = NULL;
        m->tfidf.val = NULL;
        m->tf_leb = NULL;
        m->tf_leb_len = 0;
    }
    close(z->r.fd);
    z->r.fd = -1;
    ZSTD_freeDCtx(z->r.dctx);
    z->r.dctx = NULL;
    free(z->r.cbuf);
    z->r.cbuf = NULL;
    z->r.ccap = 0;
    return rc;
}

int ty_model_need_sparse(const ty_model *m, char *err, size_t errlen) {
    /* The model is logically const: its rows were always its own, only not
     * decoded yet; readers see them after ty_once_run's release store, and
     * none reads them before. */
    ty_lazy *z = m->lazy;
    if (!z) return TENYO_OK;
    int rc = ty_once_run(&z->once, lazy_decode, z);
    if (rc) ty_seterr(err, errlen, "%s", z->err);
    return rc;
}

int ty_model_need_tf(ty_model *m, char *err, size_t errlen) {
    int rc = ty_model_need_sparse(m, err, errlen);
    if (rc) return rc;
    if (m->tf || !m->tf_leb) return TENYO_OK;
    uint64_t nnz = m->ndocs ? m->tfidf.rowptr[m->ndocs] : 0, pos = 0;
    uint32_t *tf = ty_mallocarray(nnz ? nnz : 1, sizeof *tf);
    if (!tf) {
        ty_seterr(err, errlen, "out of memory decoding the term counts");
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t j = 0; j < nnz; j++) { /* checked when loaded */
        uint64_t v = 0;
        if (leb_get(m->tf_leb, m->tf_leb_len, &pos, &v)) v = 0;
        tf[j] = (uint32_t)v;
    }
    m->tf = tf;
    free(m->tf_leb);
    m->tf_leb = NULL;
    m->tf_leb_len = 0;
    return TENYO_OK;
}

/* ================================================================= free */

void ty_model_free(ty_model *m) {
    if (!m) return;
    free(m->tokenizer);
    free(m->writer);
    free(m->mecab_dicdir);
    free(m->term_blob);
    free(m->term_off);
    free(m->df);
    free(m->idf);
    free(m->sigma);
    free(m->basis);
    free(m->basis_q);
    free(m->basis_qscale);
    free(m->docvec);
    free(m->doc_h);
    free(m->doc_q);
    free(m->doc_qscale);
    free(m->tfidf.rowptr); /* not ty_csr_free: the store needs no model/ */
    free(m->tfidf.col);
    free(m->tfidf.val);
    free(m->meta_blob);
    free(m->meta_off);
    free(m->open);
    free(m->lang);
    free(m->field_ptr);
    free(m->field_ids);
    free(m->field_code);
    free(m->field_count);
    free(m->tf);
    free(m->tf_leb);
    free(m->surf_blob);
    free(m->surf_off);
    free(m->phr_blob);
    free(m->phr_off);
    free(m->phr_ptr);
    free(m->phr_ids);
    free(m->labels_blob);
    free(m->common_blob);
    free(m->numbers_blob);
    free(m->kw_blob);
    ty_lazysec_free(m->kw_sec);
    free(m->ivf_blob);
    free(m->fm_blob);
    free(m->abs_text);
    ty_abs_free(m->abs);
    lazy_free(m->lazy);
    free(m->shard_docs);
    free(m->shard_bytes);
    memset(m, 0, sizeof *m);
}
